/* SPDX-License-Identifier: MIT */
/*
 * A world for the shadow stage-2 tests (tests/unit/test_shadow*.c): fake
 * L1 memory holding L1's tables (EPT12 / NPT12), a fake L0 stage 2
 * (l0_lookup over a uniform or a seeded random model), fake Modex memory
 * for the shadow tables, and the expected composition computed from the
 * reference model (tests/ref/ref_paging.h) alone: an access kind is
 * granted by the shadow exactly when the model's walk of L1's table
 * grants it, the model's rule grants it on L0's entry, and (where the
 * shadow's role cannot tell user from supervisor for that operation) both
 * grant the other mode too. Every shadow the code builds is walked by the
 * model and by mm's walker and must grant exactly that set, at the
 * expected size, host address and memory type.
 */
#ifndef MODEX_TESTS_UNIT_SUPPORT_SHADOW_WORLD_H
#define MODEX_TESTS_UNIT_SUPPORT_SHADOW_WORLD_H

#include "hv/include/types.h"
#include "nested/shadow.h"
#include "tests/ref/ref_paging.h"
#include "tests/unit/support/mm_fake_mem.h"

#define L1_PAGES 64 /* L1 RAM: [0, 256 KiB) holds L1's tables */
#define SH_BASE 0x10000000000ULL /* Modex memory for shadow tables */
#define SH_PAGES 256
#define L1_MAXPHY 46
#define S_MAXPHY 48
#define HPA_OFF 0x100000000ULL /* L0: hpa = L1 GPA + 4 GiB */

/* The fake L0 stage 2 behind l0_lookup. */
struct sw_l0 {
	struct pt_format fmt; /* L0's format: decodes `bits` */
	u64 bits; /* uniform: L0 leaf permission bits, 0 = unmapped */
	u64 attr, size, off;
	u64 hole_lo, hole_hi; /* unmapped range */
	bool random; /* per-region bits/attr/size from seed */
	u64 seed;
	const u64 *choices; /* random: bits to choose from */
	unsigned nr_choices;
};

/* One configuration: L1's format, L0's, the cache and the model's rules. */
struct sw_world {
	bool ept;
	struct fmem l1, sh;
	struct pt_mem l1_mem, sh_mem;
	struct sw_l0 l0;
	struct shadow_env env;
	struct shadow_cache cache;
	struct shadow_role role;
	struct pt_format shf; /* the shadow as the CPU walks it */
	struct perm_table sh_perm;
	struct ref_ept_cfg e1, esh; /* L1's and the shadow's EPT rules */
	struct ref_npt_cfg n1, nsh;
	struct ref_ept_cfg e0; /* L0's rules (decide L0's grant) */
	struct ref_npt_cfg n0;
};

/* One walk by the model. */
struct sw_walk {
	enum ref_status status;
	int level;
	u64 out; /* OK: output address */
	u64 info; /* faults: EPT qualification bits 0-6 / EXITINFO1 */
	u64 leaf; /* last entry read */
	bool r, w, xs, xu; /* EPT: AND over the entries */
};

/* A set of access kinds: bit (op * 2 + user). */
#define KIND_BIT(op, user) (1u << ((op)*2 + (user)))

/* What the model says for every kind at l2: L1, L0 and the shadow. */
struct sw_expect {
	struct sw_walk l1[3][2];
	u64 l0_bits, l0_attr, l0_size;
	unsigned l1_ok, l0_ok, grant; /* KIND_BIT sets */
};

/* What the shadow may grant at l2 after a fault. */
enum sw_mode {
	SW_EXACT, /* exactly x->grant */
	SW_NONE, /* nothing (a fresh shadow after a reflected fault) */
	/* A subset of x->grant: a shadow built earlier (by a read fault
	 * before L1's leaf became dirty) may grant less, never more. */
	SW_SUBSET,
};

/* sw_build_chain()'s tables in L1 memory and the L2 GPA they map. */
#define PML4_PA 0x1000ULL
#define PDPT_PA 0x2000ULL
#define PD_PA 0x3000ULL
#define PT_PA 0x4000ULL
#define L1_TARGET 0x80000000ULL /* 2 GiB: where L1's leaves point */
/* PML4 index 0, PDPT 1, PD 3, PT 5. */
#define L2_GPA (SZ_1G + 3 * SZ_2M + 5 * SZ_4K + 0x123)

/* Counters of sw_fault_case() and friends; a mismatch prints itself. */
extern unsigned long sw_cases, sw_bad_n;

void sw_world_ept(struct sw_world *w, const struct ref_ept_cfg *e1,
		  const struct ref_ept_cfg *e0, unsigned max_pages);
void sw_world_npt(struct sw_world *w, const struct ref_npt_cfg *n1,
		  const struct ref_npt_cfg *n0, unsigned max_pages);
/* Drops every shadow; false if shadow pages were left behind. */
bool sw_world_fini(struct sw_world *w);
void sw_l0_uniform(struct sw_world *w, u64 bits, u64 size, u64 off);
struct ref_ept_cfg sw_ept_cfg(bool mbec, bool exec_only);
struct ref_npt_cfg sw_npt_cfg(bool gmet, bool nxe);

/* One walk by the model, of L1's table (sh=false) or the shadow's. */
void sw_model_walk(struct sw_world *w, bool sh, u64 root, u64 gpa,
		   enum ref_access op, bool user, struct sw_walk *m);

/*
 * One fault of kind (op, u) at l2 checked against the model: result, L1
 * GPA, exit information, memory type, and the shadow afterwards (`fresh`:
 * it was empty before; level < 0: the leaf size is min(L1's, L0's, the
 * shadow format's)). False (and a printed mismatch) if anything differs.
 */
bool sw_fault_case(struct sw_world *w, u64 root, u64 l2, int op, int u,
		   bool fresh, int level);

/* L1's tables for L2_GPA (sw_build_chain) and their entry bits. */
extern const u64 sw_table_pa[5];
u64 sw_ept_bits(unsigned p);
u64 sw_npt_bits(unsigned p);
u64 sw_leaf_target(int level);
void sw_build_chain(struct sw_world *w, int level, unsigned p, unsigned q);

/* Print the counts since the last report, by expected result. */
void sw_report(const char *what, unsigned long before);

#endif /* MODEX_TESTS_UNIT_SUPPORT_SHADOW_WORLD_H */
