/* SPDX-License-Identifier: MIT */
/*
 * L1's virtual memory-type registers: the MTRRs as one vCPU sees them,
 * the CPU's write checks for them and for PAT, the effective MTRR memory
 * type of a physical address or of an aligned block, and the stage-2
 * attribute (EPT memory type, NPT PAT index into Modex's host PAT) that
 * gives L1's memory that type. Pure C: built into Modex and hosted for
 * the unit tests. The hardware reads and the policy around them are in
 * hv/msr.c.
 */
#ifndef MODEX_HV_MTRR_H
#define MODEX_HV_MTRR_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"
#include "mm/pt_build.h"
#include "mm/pt_format.h"

/* SDM Vol. 4 table 2-2; SDM Vol. 3A 12.11.1-12.11.2. */
#define MSR_MTRRCAP 0xfe
#define MSR_MTRR_PHYSBASE0 0x200 /* PHYSBASEn = 0x200 + 2n, MASKn + 1 */
#define MSR_MTRR_FIX64K_00000 0x250
#define MSR_MTRR_FIX16K_80000 0x258
#define MSR_MTRR_FIX16K_A0000 0x259
#define MSR_MTRR_FIX4K_C0000 0x268 /* ... 0x26f: FIX4K_F8000 */
#define MSR_IA32_PAT 0x277
#define MSR_MTRR_DEF_TYPE 0x2ff

#define MTRRCAP_VCNT_MASK 0xffULL
#define MTRRCAP_FIX BIT(8)
#define MTRRCAP_WC BIT(10)
#define MTRR_DEF_FE BIT(10)
#define MTRR_DEF_E BIT(11)
#define MTRR_MASK_V BIT(11)

/* Memory types (SDM Vol. 3A table 12-8 for MTRRs, 12-10 for PAT). */
#define MT_UC 0
#define MT_WC 1
#define MT_WT 4
#define MT_WP 5
#define MT_WB 6
#define MT_UC_MINUS 7 /* PAT only */

/* Variable ranges Modex virtualizes; L1's MTRRCAP.VCNT is clamped to it. */
#define MTRR_MAX_VAR 16
#define MTRR_NR_FIXED 11
#define MTRR_FIXED_TOP 0x100000ULL /* fixed ranges cover [0, 1 MiB) */

struct mtrr_var {
	u64 base, mask; /* IA32_MTRR_PHYSBASEn, IA32_MTRR_PHYSMASKn */
};

struct mtrr_state {
	u64 cap; /* IA32_MTRRCAP as L1 reads it (0: no MTRRs) */
	u64 def_type;
	u64 fixed[MTRR_NR_FIXED]; /* in MSR order: 64K, 16K x2, 4K x8 */
	struct mtrr_var var[MTRR_MAX_VAR];
	u8 maxphyaddr;
};

/*
 * Modex's host PAT (both vendors, loaded on every CPU Modex runs): entry
 * 0 is WB, which is all Modex's own page tables use; 1-3 as at power-on;
 * 4 WC and 5 WP give NPT01 leaves an index for every MTRR type.
 */
#define MODEX_HOST_PAT 0x0007050100070406ULL

/* The MTRRCAP L1 sees for the CPU's @hw_cap: VCNT clamped to
 * MTRR_MAX_VAR, every other bit as the CPU reports it. */
u64 mtrr_cap_for_l1(u64 hw_cap);

/* Whether @msr is one of the MTRR MSRs above (whatever MTRRCAP says). */
bool mtrr_is_msr(u32 msr);

/* RDMSR/WRMSR of an MTRR MSR: 0, or -1 for #GP (the MSR does not exist
 * for this MTRRCAP, MTRRCAP written, or a write the CPU refuses, SDM Vol.
 * 3A 12.11.2). A refused write leaves @s unchanged. */
int mtrr_read(const struct mtrr_state *s, u32 msr, u64 *val);
int mtrr_write(struct mtrr_state *s, u32 msr, u64 val);

/* Whether the effective memory types of @a and @b differ anywhere. */
bool mtrr_types_differ(const struct mtrr_state *a, const struct mtrr_state *b);

/* The effective MTRR memory type of @pa (SDM Vol. 3A 12.11.4.1). */
u8 mtrr_type(const struct mtrr_state *s, u64 pa);

/*
 * Whether every page of the block [@base, @base + @size) has one MTRR
 * type (@size a power of two >= 4 KiB, @base aligned to it); *type gets
 * it. May answer false for a uniform block (then the caller splits it);
 * never true for a block that is not uniform. Always true at 4 KiB.
 */
bool mtrr_block_uniform(const struct mtrr_state *s, u64 base, u64 size,
			u8 *type);

/* SDM Vol. 3A 12.12.2: a PAT value with a reserved type (2, 3, >= 8) in
 * any entry, or any bit of 7:3 of an entry set, is #GP. */
bool pat_valid(u64 pat);

/*
 * The stage-2 leaf attribute (PT_ATTR_*, mm/pt_format.h) that gives L1's
 * memory the MTRR type @mt: EPT memory type @mt with guest PAT combined
 * (ignore-PAT clear, SDM Vol. 3C 29.3.7.2); NPT PWT/PCD/PAT selecting the
 * MODEX_HOST_PAT entry of type @mt (APM Vol. 2 15.25.8). UC for a type
 * the format cannot name.
 */
u64 stage2_mt_attr(enum pt_type type, u8 mt);

/*
 * Map [@start, @end) (4 KiB aligned) identity in the stage-2 table @pt with
 * @acc and, per page, the attribute of its MTRR type in @s: each piece
 * with the largest page (1 GiB, 2 MiB, 4 KiB) that alignment allows and
 * whose addresses share one type (mtrr_block_uniform()). 0, -E_TOOBIG when
 * the range needs more than STAGE2_MAX_PIECES pieces (MTRRs with
 * discontiguous masks can make every page one: the caller then maps it
 * with one type instead), or pt_map()'s error. After an error the range
 * may be partly done; the tables stay well formed.
 */
#define STAGE2_MAX_PIECES 16384
int stage2_map_typed(struct pt *pt, const struct mtrr_state *s, u64 start,
		     u64 end, acc_t acc);

#endif /* MODEX_HV_MTRR_H */
