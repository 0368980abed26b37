/* SPDX-License-Identifier: MIT */
/*
 * Page-table formats as small descriptors plus pure bit transformations:
 * x86-64 paging (Modex's own tables and guest paging), AMD NPT and Intel
 * EPT, with their MBEC/GMET/NXE/exec-only/A-D variants, and the two IOMMU
 * formats: Intel VT-d second-level tables and AMD-Vi host page tables.
 *
 * API overview
 *  - Levels are numbered as the manuals do: 1 = PT (4 KiB), 2 = PD (2 MiB
 *    leaves), 3 = PDPT (1 GiB leaves), 4 = PML4, 5 = PML5. An entry at
 *    level L translates address bits [12 + 9L - 1 : 12 + 9(L-1)].
 *  - pt_format_init() fills a struct pt_format from a type, MAXPHYADDR and
 *    PTF_* flags; the struct is then read-only (copy it freely).
 *  - pt_present(), pt_is_leaf(), pt_entry_acc(), pt_entry_addr(): decode.
 *    pt_entry_acc() returns the raw 1:1 acc_t of one entry (mm/access.h).
 *  - pt_check_entry(): reserved bits and EPT misconfigurations of a present
 *    entry at a level (PT_ENTRY_OK / PT_ENTRY_RSVD / PT_ENTRY_MISCONFIG).
 *  - pt_encode_leaf(), pt_encode_table(): build entries. The leaf encoder
 *    never grants more than asked: it returns 0 when the entry grants
 *    exactly the access kinds that `want` describes, 1 when it had to round
 *    down (granted kinds are a strict subset, e.g. GMET has no
 *    supervisor-only-execute encoding), or a negative error. "Grants" is
 *    judged with the format's permission rule under mmu_role_strict()
 *    (mm/perm.h): for x86 paging that is the strict role (CR0.WP,
 *    CR4.SMEP and CR4.SMAP set), since an x86 entry's meaning depends on
 *    guest control registers.
 *  - pt_acc_full(): the request that grants every access kind a format
 *    can grant (use it for EPT01/NPT01: it is R|W|XS|XU for EPT, R|W|X with
 *    U=0 under GMET, and adds ACC_USER for NPT without GMET; R|W for the
 *    IOMMU formats).
 *  - pt_perm_mask(): the entry bits that carry permissions (what
 *    re-protecting a leaf replaces).
 *
 * IOMMU formats (docs/mm.md has the bit tables). A DMA read is PK_READ, a
 * DMA write PK_WRITE. Execute requests (VT-d requests-with-PASID with ER,
 * AMD-Vi PPR/PASID execute) are never enabled by Modex: ACC_EXEC is never
 * decoded and every PK_FETCH kind faults; the VT-d X bit is ignored.
 *  - PT_VTD: VT-d second-level paging (VT-d spec 3.7, 9.8). 3, 4 or 5
 *    levels (AGAW 39/48/57: PTF_3LEVEL, none, PTF_5LEVEL); maxphyaddr is
 *    the host address width (DMAR HAW). Present = R or W (no present bit;
 *    write-only is valid). Super pages by CAP.SLLPS: 2 MiB unless
 *    PTF_NO_2M, 1 GiB with PTF_1G. Bit 11 (SNP) is valid in leaves only
 *    with PTF_VTD_SC (ECAP.SC), bit 62 (TM) in leaves only with
 *    PTF_VTD_TM; both are reserved otherwise.
 *  - PT_AMDVI: AMD-Vi host translation tables (AMD IOMMU spec 2.2.3). 3, 4
 *    or 5 levels (DTE paging mode 3/4/5). PR = present, IR/IW = read/write
 *    permission, ANDed over the levels. Modex writes directory entries
 *    with NextLevel = level - 1 and leaves with NextLevel = 0 at levels
 *    1..3 (4 KiB, 2 MiB, 1 GiB). The checker reports the format's other
 *    valid encodings (skipped levels, NextLevel 7 page sizes, NextLevel 0
 *    above level 3) as PT_ENTRY_NOSUPP and impossible ones (NextLevel not
 *    below the level) as PT_ENTRY_RSVD.
 */
#ifndef MODEX_MM_PT_FORMAT_H
#define MODEX_MM_PT_FORMAT_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"
#include "mm/access.h"

enum pt_type {
	PT_X86 = 0, /* x86-64 4/5-level paging: Modex's tables, guest paging */
	PT_NPT = 1, /* AMD nested paging: x86-64 entries, host EFER.NXE */
	PT_EPT = 2, /* Intel EPT */
	PT_VTD = 3, /* Intel VT-d second-level paging (DMA remapping) */
	PT_AMDVI = 4, /* AMD-Vi host page tables (DMA remapping) */
};

/* pt_format_init() flags. */
#define PTF_5LEVEL BIT(0) /* 5-level walk (PML5) */
#define PTF_1G BIT(1) /* 1 GiB leaves at level 3 allowed */
#define PTF_NXE BIT(2) /* X86/NPT: (host) EFER.NXE=1, NX is not reserved */
#define PTF_AMD \
	BIT(3) /* X86: AMD reserves bit 8 of non-leaf PML5E/PML4E/PDPTE */
#define PTF_GMET BIT(4) /* NPT: guest-mode execute trap enabled */
#define PTF_MBEC BIT(5) /* EPT: mode-based execute control enabled */
#define PTF_EXEC_ONLY BIT(6) /* EPT: EPT_VPID_CAP bit 0 (execute-only ok) */
#define PTF_AD BIT(7) /* EPT: EPTP bit 6, accessed/dirty flags enabled */
#define PTF_NO_2M BIT(8) /* no 2 MiB leaves (EPT_VPID_CAP bit 16 clear) */
#define PTF_3LEVEL BIT(9) /* VTD/AMDVI: 3-level walk (39-bit input) */
#define PTF_VTD_SC BIT(10) /* VTD: ECAP.SC, SNP (bit 11) allowed in leaves */
#define PTF_VTD_TM BIT(11) /* VTD: TM (bit 62) allowed in leaves */

#define PT_MAX_LEVELS 5
#define PT_ENTRIES 512

struct pt_format {
	u8 type; /* enum pt_type */
	u8 levels; /* 4 or 5; 3 for VTD/AMDVI with PTF_3LEVEL */
	u8 maxphyaddr; /* physical-address width, 32..52 */
	u8 leaf_levels; /* bit L set: level L may hold a leaf (bit 1 always) */
	u32 flags; /* PTF_* as given */
	u64 addr_mask; /* bits (maxphyaddr-1):12 */
	u64 rsvd_high; /* bits 51:maxphyaddr */
};

/* x86-64 paging and NPT entry bits (SDM Vol. 3A 4.5; APM Vol. 2 5.3, 15.25). */
#define PTE_P BIT(0)
#define PTE_RW BIT(1)
#define PTE_US BIT(2)
#define PTE_PWT BIT(3)
#define PTE_PCD BIT(4)
#define PTE_A BIT(5)
#define PTE_D BIT(6)
#define PTE_PS BIT(7) /* levels 2, 3: leaf; PAT at level 1 */
#define PTE_PAT_4K BIT(7)
#define PTE_G BIT(8)
#define PTE_PAT_LARGE BIT(12)
#define PTE_NX BIT(63)

/* EPT entry bits (SDM Vol. 3C 29.3.2, Tables 29-1..29-7). */
#define EPTE_R BIT(0)
#define EPTE_W BIT(1)
#define EPTE_XS BIT(2) /* X without MBEC */
#define EPTE_MT_SHIFT 3
#define EPTE_MT_MASK (7ULL << EPTE_MT_SHIFT)
#define EPTE_IPAT BIT(6)
#define EPTE_PS BIT(7)
#define EPTE_A BIT(8)
#define EPTE_D BIT(9)
#define EPTE_XU BIT(10)
#define EPTE_SVE BIT(63) /* suppress #VE */
#define EPT_MT_UC 0
#define EPT_MT_WC 1
#define EPT_MT_WT 4
#define EPT_MT_WP 5
#define EPT_MT_WB 6

/* VT-d second-level entry bits (VT-d spec 9.8, SL-PML5E .. SL-PTE). */
#define VTDE_R BIT(0)
#define VTDE_W BIT(1)
#define VTDE_X BIT(2) /* execute requests only; ignored by Modex */
#define VTDE_PS BIT(7) /* levels 2, 3: super page */
#define VTDE_SNP BIT(11) /* leaves: snoop (ECAP.SC) */
#define VTDE_TM BIT(62) /* leaves: transient mapping */

/* AMD-Vi I/O page-table entry bits (AMD IOMMU spec 2.2.3, PDE/PTE). */
#define AMDVIE_PR BIT(0)
#define AMDVIE_NL_SHIFT 9 /* next level, bits 11:9 */
#define AMDVIE_NL_MASK (7ULL << AMDVIE_NL_SHIFT)
#define AMDVIE_U BIT(59) /* leaves */
#define AMDVIE_FC BIT(60) /* leaves: force coherent */
#define AMDVIE_IR BIT(61)
#define AMDVIE_IW BIT(62)

/*
 * Leaf attributes accepted by pt_encode_leaf() (other bits: -E_INVAL):
 * X86/NPT: PTE_PWT | PTE_PCD | PTE_G | PTE_PAT_4K (moved to bit 12 for
 * large leaves by the encoder). EPT: EPTE_MT_MASK | EPTE_IPAT | EPTE_SVE;
 * the memory type must not be 2, 3 or 7. VTD: VTDE_SNP (needs PTF_VTD_SC).
 * AMDVI: AMDVIE_FC.
 */
#define PT_ATTR_X86_MASK (PTE_PWT | PTE_PCD | PTE_G | PTE_PAT_4K)
#define PT_ATTR_VTD_MASK VTDE_SNP
#define PT_ATTR_AMDVI_MASK AMDVIE_FC
#define PT_ATTR_EPT_MASK (EPTE_MT_MASK | EPTE_IPAT | EPTE_SVE)
#define PT_ATTR_EPT_WB ((u64)EPT_MT_WB << EPTE_MT_SHIFT)

enum pt_entry_check {
	PT_ENTRY_OK = 0,
	PT_ENTRY_RSVD = 1, /* X86/NPT/VTD/AMDVI reserved bit or encoding */
	PT_ENTRY_MISCONFIG = 2, /* EPT misconfiguration */
	/* AMDVI: valid in the format, never written nor walked by Modex. */
	PT_ENTRY_NOSUPP = 3,
};

int pt_format_init(struct pt_format *f, enum pt_type type, unsigned maxphyaddr,
		   u32 flags);

static inline bool pt_fmt_has(const struct pt_format *f, u32 flag)
{
	return f->flags & flag;
}

static inline unsigned pt_level_shift(unsigned level)
{
	return 12 + 9 * (level - 1);
}

static inline u64 pt_level_size(unsigned level)
{
	return 1ULL << pt_level_shift(level);
}

static inline unsigned pt_index(u64 addr, unsigned level)
{
	return (addr >> pt_level_shift(level)) & (PT_ENTRIES - 1);
}

/* Bits an address may have for this format's walk (48 or 57 bits). */
static inline u64 pt_input_limit(const struct pt_format *f)
{
	return 1ULL << pt_level_shift(f->levels + 1);
}

static inline bool pt_leaf_allowed(const struct pt_format *f, unsigned level)
{
	return level >= 1 && level <= PT_MAX_LEVELS &&
	       (f->leaf_levels & (1u << level));
}

bool pt_present(const struct pt_format *f, u64 e);
/* A present entry maps a page at this level (level 1, or PS set). */
bool pt_is_leaf(const struct pt_format *f, unsigned level, u64 e);
acc_t pt_entry_acc(const struct pt_format *f, u64 e);
/* Table address (non-leaf) or page base (leaf, aligned to the level). */
u64 pt_entry_addr(const struct pt_format *f, unsigned level, u64 e);
enum pt_entry_check pt_check_entry(const struct pt_format *f, unsigned level,
				   u64 e);

/* The acc granting every kind this format can grant (see overview). */
acc_t pt_acc_full(const struct pt_format *f);

/* Entry bits that carry the permissions of a leaf (and present-ness). */
u64 pt_perm_mask(const struct pt_format *f);

/*
 * Build a leaf at `level` mapping `pa` (aligned to the level) with `want`
 * and `attr` (PT_ATTR_*). *entry gets the entry and, if granted is not
 * NULL, *granted its decoded acc. Returns 0 exact, 1 rounded down, or
 * -E_INVAL (bad level, alignment, address or attr) / -E_NOSUPP (the format
 * cannot remove an access asked to be removed: x86/NPT without NXE).
 * want == 0 (or a request that rounds down to nothing) gives entry 0.
 */
int pt_encode_leaf(const struct pt_format *f, unsigned level, u64 pa,
		   acc_t want, u64 attr, u64 *entry, acc_t *granted);

/* Non-leaf entry pointing at `table`, granting everything (a leaf decides). */
u64 pt_encode_table(const struct pt_format *f, unsigned level, u64 table);

/* Same leaf/table, other address: for splitting and merging large pages. */
u64 pt_leaf_with_addr(const struct pt_format *f, unsigned level, u64 e, u64 pa);
/* The leaf `e` from `from_level` rewritten as a leaf at `to_level`. */
u64 pt_leaf_relevel(const struct pt_format *f, unsigned from_level,
		    unsigned to_level, u64 e, u64 pa);

/* Accessed/dirty bits of this format (0 when EPT A/D is off). */
u64 pt_accessed_bit(const struct pt_format *f);
u64 pt_dirty_bit(const struct pt_format *f);

#endif /* MODEX_MM_PT_FORMAT_H */
