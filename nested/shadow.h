/* SPDX-License-Identifier: MIT */
/*
 * Shadow stage-2 tables for nested paging, vendor neutral: the tables the
 * CPU runs L2 on (EPT02 / NPT02), built on demand from L1's tables for L2
 * (EPT12 / NPT12) and L0's own stage 2 (EPT01 / NPT01), with access =
 * AND(walk of L1's table, L0's entry). docs/nested.md, "Shadow stage-2
 * tables", has the design; REFERENCE.md section 3 the rules.
 *
 * API overview
 *  - struct shadow_env: how a cache reaches L1's memory, L0's stage 2 and
 *    the memory its own tables live in, and its page budget.
 *  - struct shadow_role: L1's table format (as vmcs12 / vmcb12 set it) and
 *    L0's stage-2 format. The shadow is encoded in L0's format with the
 *    MBEC / GMET setting taken from L1's (vmcs02 / vmcb02 enable MBEC /
 *    GMET exactly when vmcs12 / vmcb12 do, REFERENCE.md section 3).
 *  - struct shadow_cache: per vCPU, SHADOW_CTX_MAX contexts, each an L1
 *    root + role with its own shadow tables; LRU recycling; a page budget;
 *    statistics. Sized to live inside struct vcpu (about 3 KiB, no
 *    pointers to allocate), or anywhere else; it must not move after
 *    shadow_cache_init() (the tables' memory callbacks point into it).
 *  - shadow_root(): the shadow root for (l1_root, role), created if new.
 *  - shadow_fault(): an L2 access faulted in the shadow: re-walk L1's
 *    table; install AND(L1, L0) or describe the fault for reflection.
 *  - shadow_invalidate_root() / shadow_invalidate_all(): drop shadows
 *    (INVEPT single-context / global, nCR3 or ASID flushes, a change of
 *    L0's stage 2).
 *  - shadow_take_flush(): whether shadow table pages were freed since the
 *    last call; if so the caller flushes this CPU's cached shadow
 *    translations before the next L2 entry.
 *
 * Context: one vCPU's exit path; a cache is used by its own CPU only (no
 * locking). l0_lookup and the memory callbacks are called with whatever
 * locks the caller holds.
 */
#ifndef MODEX_NESTED_SHADOW_H
#define MODEX_NESTED_SHADOW_H

#include "hv/include/types.h"
#include "mm/access.h"
#include "mm/perm.h"
#include "mm/pt_build.h"
#include "mm/pt_format.h"
#include "mm/pt_mem.h"
#include "mm/pt_walk.h"

/* The environment a shadow cache lives in (per vCPU). */
struct shadow_env {
	/*
	 * Reads L1's memory by L1 GPA: L1's tables. -E_FAULT outside L1's
	 * RAM (Modex memory included). cmpxchg is used to set accessed /
	 * dirty flags in L1's tables (NPT12 always, EPT12 with A/D on).
	 */
	const struct pt_mem *l1_mem;
	/*
	 * L0's stage 2 for one L1 GPA: 0 and *hpa (translation of the 4 KiB
	 * page, page aligned), *acc (L0's acc_t for it, as pt_entry_acc()
	 * decodes an s_fmt entry), *attr (memory-type bits as
	 * pt_encode_leaf() takes them for s_fmt: EPT MT/IPAT, NPT PWT/PCD
	 * and PTE_PAT_4K whatever the leaf size), *size (the largest naturally aligned
	 * size around gpa with the same acc, attr and contiguous hpa: 4 KiB,
	 * 2 MiB or 1 GiB; smaller is always correct, only slower); -E_FAULT
	 * if L0 maps nothing there.
	 */
	int (*l0_lookup)(void *ctx, u64 l1_gpa, u64 *hpa, acc_t *acc, u64 *attr,
			 u64 *size);
	void *ctx;
	/* Modex memory holding shadow tables: entries, alloc/free pages. */
	const struct pt_mem *shadow_mem;
	/* Budget of shadow table pages for this cache (>= SHADOW_MIN_PAGES). */
	unsigned max_pages;
};

/* One root page per context plus one table per level below it. */
#define SHADOW_MIN_PAGES PT_MAX_LEVELS

struct shadow_role {
	/* EPT12 (MBEC? exec-only? A/D? 5-level?) or NPT12 (GMET? NXE?). */
	struct pt_format l1_fmt;
	/* L0's stage-2 format (EPT01/NPT01): the shadow's geometry. */
	struct pt_format s_fmt;
};

enum shadow_result {
	SH_FIXED = 0, /* the shadow now grants the access: resume L2 */
	SH_L1_FAULT, /* not present or violation in L1's table: reflect */
	SH_L1_MISCONFIG, /* reserved bits / EPT misconfiguration in L1's table */
	/*
	 * L1's table maps the L2 GPA to an L1 GPA where L0 maps nothing
	 * (Modex memory, MMIO holes) or does not grant this kind (e.g. a
	 * read-only APIC page): what L0 grants there is installed, the
	 * caller decides (as for an L1 access to l1_gpa).
	 */
	SH_L0_FAULT,
	SH_NOMEM, /* no page even after recycling: Modex's pool is dry */
	SH_BAD_TABLE, /* a table pointer of L1's (or its root) is outside L1 RAM */
	/*
	 * A Modex-side failure, never caused by L1: a role the shadow
	 * cannot express (MBEC/GMET in L1's format but not in L0's, formats
	 * of different types), a grant both allow that s_fmt cannot encode,
	 * an attr l0_lookup gave that s_fmt rejects, or a shadow memory
	 * operation failing. The caller stops the guest with a dump.
	 */
	SH_INTERNAL,
};

struct shadow_fault {
	enum shadow_result result;
	/*
	 * The walk of L1's table, for exit information (ept_violation_qual()
	 * / npt_exitinfo1() in mm/pt_walk.h). An L2 GPA beyond the width of
	 * L1's walk reads as not present at the top level.
	 */
	struct pt_walk l1;
	/* SH_FIXED / SH_L0_FAULT: the L1 GPA; SH_BAD_TABLE: the bad table. */
	u64 l1_gpa;
	/* The context's shadow root after the call (0 if the context is
	 * gone: SH_NOMEM, SH_INTERNAL). If it differs from the one L2 runs
	 * on, load it (EPTP / nCR3). */
	u64 root;
	/* SH_FIXED / SH_L0_FAULT: what the installed shadow leaf grants and
	 * its size (0 when nothing was installed). */
	acc_t acc;
	u64 page_size;
};

/* Counters for benchmarks (docs/benchmarks.md) and statistics. */
struct shadow_stats {
	u64 faults; /* shadow_fault() calls */
	u64 fixed; /* SH_FIXED */
	u64 reflected; /* SH_L1_FAULT + SH_L1_MISCONFIG + SH_BAD_TABLE */
	u64 l0_faults; /* SH_L0_FAULT */
	u64 nomem; /* SH_NOMEM */
	u64 leaves[4]; /* shadow leaves installed, by level 1..3 */
	u64 contexts; /* contexts created */
	u64 recycles; /* contexts dropped or reset to make room */
	u64 invalidations; /* contexts dropped by shadow_invalidate_*() */
	u64 pages; /* shadow table pages in use (= shadow_pages()) */
	u64 pages_peak; /* most shadow table pages in use at once */
};

#define SHADOW_CTX_MAX 8

struct shadow_cache;

/* One L1 root + role with its shadow tables (private to shadow.c). */
struct shadow_ctx {
	struct shadow_cache *cache;
	bool valid;
	u64 l1_root; /* page address of L1's root table */
	struct shadow_role role;
	struct pt_format sh_fmt; /* s_fmt with L1's MBEC / GMET */
	struct perm_table l1_perm, l0_perm, sh_perm;
	struct pt pt; /* the shadow; pt.mem counts pages (budget) */
	unsigned pages; /* table pages this context holds */
	u64 last_use; /* LRU stamp */
};

struct shadow_cache {
	struct shadow_env env;
	struct pt_mem_ops mem_ops; /* the budget-counting wrapper */
	struct shadow_ctx ctx[SHADOW_CTX_MAX];
	unsigned pages; /* shadow table pages in use */
	u64 clock; /* LRU clock */
	bool flush; /* shadow table pages were freed (shadow_take_flush) */
	struct shadow_stats stats;
};

/* Small enough to be a member of struct vcpu (hv/vcpu.h). */
_Static_assert(sizeof(struct shadow_cache) <= 4096,
	       "struct shadow_cache outgrew its place in struct vcpu");

/*
 * Set up an empty cache in env (copied; what its pointers point at must
 * outlive the cache). 0, or -E_INVAL (missing callbacks, budget
 * below SHADOW_MIN_PAGES).
 */
int shadow_cache_init(struct shadow_cache *c, const struct shadow_env *env);

/*
 * Fill a role from L1's format and L0's stage-2 format. 0, or -E_NOSUPP
 * when the shadow cannot express L1's format on this L0: different types;
 * MBEC, GMET or execute-only entries in L1's format but not in L0's; a
 * longer walk in L1's format than in L0's; NPT12 with NXE on an NPT01
 * without.
 */
int shadow_role_init(struct shadow_role *r, const struct pt_format *l1_fmt,
		     const struct pt_format *s_fmt);

/*
 * Find or create the context for (l1_root, role); returns the shadow root
 * hpa (for EPTP / nCR3) or 0 on failure (no memory even after recycling,
 * or a role shadow_role_init() rejects). When every slot is taken the
 * least recently used context is recycled. Only the page address of
 * l1_root counts (EPTP bits 51:12, nCR3's table address); the rest of
 * what EPTP says (walk length, A/D) belongs in role->l1_fmt.
 */
u64 shadow_root(struct shadow_cache *c, u64 l1_root,
		const struct shadow_role *role);

/*
 * An L2 access of `kind` (mm/access.h kinds, PK_USER as role->l1_fmt
 * defines it) at l2_gpa faulted in the shadow of (l1_root, role): walk
 * L1's table with its role's permission table; if L1 grants it, install
 * the AND of L1's and L0's entries for the largest page both allow (a
 * shadow leaf never grants what either denies, never larger than L1's leaf
 * or L0's size) and return SH_FIXED; else describe the fault. Creates the
 * context if it does not exist. Returns out->result.
 */
int shadow_fault(struct shadow_cache *c, u64 l1_root,
		 const struct shadow_role *role, u64 l2_gpa, unsigned kind,
		 struct shadow_fault *out);

/* INVEPT single-context (one EP4TA) or one nCR3: every role of l1_root. */
void shadow_invalidate_root(struct shadow_cache *c, u64 l1_root);
/* INVEPT global, a full TLB flush for L2, or L0's stage 2 changed. */
void shadow_invalidate_all(struct shadow_cache *c);

/*
 * True once after shadow table pages were freed (invalidation, recycling,
 * a large shadow leaf replacing a table): cached translations of this
 * CPU may still point into freed pages, so the caller flushes them
 * (INVEPT all-context / the L2 ASIDs' TLB entries) before the next L2
 * entry. Clears the flag.
 */
bool shadow_take_flush(struct shadow_cache *c);

/*
 * An l0_lookup over a stage 2 that mm/ built (struct pt, EPT or NPT): the
 * leaf's translation, acc, size, and memory-type bits as pt_encode_leaf()
 * takes them (EPT MT/IPAT/suppress-#VE; NPT PWT/PCD and PAT, moved back
 * to bit 7 from bit 12 of a large leaf). -E_FAULT where nothing is mapped.
 * Callers wrap it to refuse what L2 must never reach (Modex's memory).
 */
int shadow_l0_pt_lookup(const struct pt *l0, u64 l1_gpa, u64 *hpa, acc_t *acc,
			u64 *attr, u64 *size);

/* Shadow table pages in use now. */
static inline unsigned shadow_pages(const struct shadow_cache *c)
{
	return c->pages;
}

#endif /* MODEX_NESTED_SHADOW_H */
