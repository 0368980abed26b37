// SPDX-License-Identifier: MIT
/*
 * Page-table formats: descriptor setup and the pure bit transformations
 * between entries and the access vocabulary (mm/access.h), for x86-64
 * paging, AMD NPT, Intel EPT, Intel VT-d second-level paging and AMD-Vi
 * host page tables.
 */
#include "mm/pt_format.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "mm/perm.h"

static u64 bits(unsigned hi, unsigned lo)
{
	return ((~0ULL) >> (63 - hi)) & ~((1ULL << lo) - 1);
}

static unsigned amdvi_next_level(u64 e)
{
	return (e & AMDVIE_NL_MASK) >> AMDVIE_NL_SHIFT;
}

static bool flags_fit_type(enum pt_type type, u32 flags)
{
	u32 ept_only = PTF_MBEC | PTF_EXEC_ONLY | PTF_AD;
	u32 x86_only = PTF_NXE | PTF_AMD | PTF_GMET;
	u32 iommu_only = PTF_3LEVEL | PTF_VTD_SC | PTF_VTD_TM;

	if ((flags & PTF_3LEVEL) && (flags & PTF_5LEVEL))
		return false;
	switch (type) {
	case PT_X86:
		return !(flags & (ept_only | PTF_GMET | iommu_only));
	case PT_NPT:
		return !(flags & (ept_only | iommu_only));
	case PT_EPT:
		return !(flags & (x86_only | iommu_only));
	case PT_VTD:
		return !(flags & (x86_only | ept_only));
	case PT_AMDVI:
		return !(flags & ~(PTF_3LEVEL | PTF_5LEVEL));
	}
	return false;
}

int pt_format_init(struct pt_format *f, enum pt_type type, unsigned maxphyaddr,
		   u32 flags)
{
	if (type > PT_AMDVI || maxphyaddr < 32 || maxphyaddr > 52 ||
	    !flags_fit_type(type, flags))
		return -E_INVAL;
	/* NPT uses the host's long-mode format, which is AMD's. */
	if (type == PT_NPT)
		flags |= PTF_AMD;
	f->type = type;
	f->flags = flags;
	f->levels = (flags & PTF_5LEVEL) ? 5 : (flags & PTF_3LEVEL) ? 3 : 4;
	f->maxphyaddr = maxphyaddr;
	f->addr_mask = bits(maxphyaddr - 1, 12);
	f->rsvd_high = maxphyaddr < 52 ? bits(51, maxphyaddr) : 0;
	/*
	 * 2 MiB pages always exist in long mode (CR4.PSE is irrelevant, SDM
	 * Vol. 3A 4.5.4); for EPT they depend on EPT_VPID_CAP bit 16, for
	 * VT-d on CAP.SLLPS (VT-d spec 10.4.2). AMD-Vi leaves with NextLevel 0
	 * exist at every level (AMD IOMMU spec 2.2.3); Modex uses levels 1-3.
	 */
	f->leaf_levels = BIT(1);
	if ((type != PT_EPT && type != PT_VTD) || !(flags & PTF_NO_2M))
		f->leaf_levels |= BIT(2);
	if ((flags & PTF_1G) || type == PT_AMDVI)
		f->leaf_levels |= BIT(3);
	return 0;
}

/* x86 paging and NPT come first in the functions a walk calls per level:
 * they are the exit path's (guest walks for instruction fetches). */
static bool x86_like(const struct pt_format *f)
{
	return f->type == PT_X86 || f->type == PT_NPT;
}

bool pt_present(const struct pt_format *f, u64 e)
{
	if (x86_like(f))
		return e & PTE_P;
	/* VT-d spec 9.8: an entry with R=W=0 is not present. */
	if (f->type == PT_VTD)
		return e & (VTDE_R | VTDE_W);
	if (f->type != PT_EPT)
		return e & PTE_P;
	/* SDM Vol. 3C 29.3.2: with MBEC, bit 10 alone means present. */
	if (pt_fmt_has(f, PTF_MBEC))
		return e & (EPTE_R | EPTE_W | EPTE_XS | EPTE_XU);
	return e & (EPTE_R | EPTE_W | EPTE_XS);
}

bool pt_is_leaf(const struct pt_format *f, unsigned level, u64 e)
{
	if (level == 1)
		return true;
	if (x86_like(f))
		return level <= 3 && (e & PTE_PS);
	/* AMD IOMMU spec 2.2.3: NextLevel 0 (or 7) makes the entry a PTE. */
	if (f->type == PT_AMDVI)
		return amdvi_next_level(e) == 0 || amdvi_next_level(e) == 7;
	if (level > 3)
		return false;
	switch (f->type) {
	case PT_EPT:
		return e & EPTE_PS;
	case PT_VTD:
		return e & VTDE_PS;
	default:
		return e & PTE_PS;
	}
}

static acc_t ept_entry_acc(const struct pt_format *f, u64 e)
{
	acc_t acc = 0;

	if (e & EPTE_R)
		acc |= ACC_READ;
	if (e & EPTE_W)
		acc |= ACC_WRITE;
	if (e & EPTE_XS)
		acc |= ACC_EXEC;
	/* Without MBEC bit 10 is ignored and X serves both modes. */
	if (pt_fmt_has(f, PTF_MBEC) ? (e & EPTE_XU) : (e & EPTE_XS))
		acc |= ACC_USER_EXEC;
	return acc;
}

acc_t pt_entry_acc(const struct pt_format *f, u64 e)
{
	acc_t acc;

	if (x86_like(f))
		goto x86;
	if (f->type == PT_EPT)
		return ept_entry_acc(f, e);
	/* VT-d 9.8: R and W; X only for execute requests, never enabled. */
	if (f->type == PT_VTD)
		return ((e & VTDE_R) ? ACC_READ : 0) |
		       ((e & VTDE_W) ? ACC_WRITE : 0);
	if (!(e & PTE_P))
		return 0;
	/* AMD IOMMU spec 2.2.3: IR and IW, ANDed over the levels. */
	if (f->type == PT_AMDVI)
		return ((e & AMDVIE_IR) ? ACC_READ : 0) |
		       ((e & AMDVIE_IW) ? ACC_WRITE : 0);
x86:
	if (!(e & PTE_P))
		return 0;
	acc = ACC_READ;
	if (e & PTE_RW)
		acc |= ACC_WRITE;
	if (e & PTE_US)
		acc |= ACC_USER;
	/* With EFER.NXE=0, bit 63 is reserved and every page executable. */
	if (!(e & PTE_NX) || !pt_fmt_has(f, PTF_NXE))
		acc |= ACC_EXEC | ACC_USER_EXEC;
	return acc;
}

u64 pt_entry_addr(const struct pt_format *f, unsigned level, u64 e)
{
	u64 a = e & f->addr_mask;

	if (level > 1 && pt_is_leaf(f, level, e))
		a &= ~(pt_level_size(level) - 1);
	return a;
}

/*
 * x86-64 paging / NPT reserved bits of a present entry (SDM Vol. 3A 4.5,
 * Tables 4-15..4-20; APM Vol. 2 5.3.3 and 5.4): bits 51:MAXPHYADDR, NX
 * without EFER.NXE, PS in PML5E/PML4E (and in PDPTE without 1 GiB pages),
 * the low address bits of large pages except PAT, and on AMD bit 8 of
 * non-leaf PML5E/PML4E/PDPTE (as KVM's __reset_rsvds_bits_mask).
 */
static u64 x86_rsvd_mask(const struct pt_format *f, unsigned level, u64 e)
{
	u64 m = f->rsvd_high;
	bool amd = pt_fmt_has(f, PTF_AMD);

	if (!pt_fmt_has(f, PTF_NXE))
		m |= PTE_NX;
	switch (level) {
	case 5:
	case 4:
		return m | PTE_PS | (amd ? BIT(8) : 0);
	case 3:
		if (!(e & PTE_PS))
			return m | (amd ? BIT(8) : 0);
		if (!pt_leaf_allowed(f, 3))
			return m | PTE_PS;
		return m | bits(29, 13);
	case 2:
		return (e & PTE_PS) ? (m | bits(20, 13)) : m;
	}
	return m;
}

/*
 * EPT reserved bits of a present entry (SDM Vol. 3C 29.3.2, Tables
 * 29-1..29-7; 29.3.3.1): bits 51:MAXPHYADDR, bits 7:3 of PML5E/PML4E, bits
 * 6:3 of non-leaf PDPTE/PDE, PS where that page size is unsupported, and
 * the low address bits of large pages. Bits 63:52 are ignored or
 * feature-specific (#VE suppression) and are not checked.
 */
static u64 ept_rsvd_mask(const struct pt_format *f, unsigned level, u64 e)
{
	u64 m = f->rsvd_high;

	if (level >= 4)
		return m | bits(7, 3);
	if (level == 1)
		return m;
	if (!(e & EPTE_PS))
		return m | bits(6, 3);
	if (!pt_leaf_allowed(f, level))
		return m | EPTE_PS;
	return m | (level == 3 ? bits(29, 12) : bits(20, 12));
}

/*
 * SDM Vol. 3C 29.3.3.1: write without read and (unless EPT_VPID_CAP bit 0)
 * execute-only are misconfigurations; memory types 2, 3 and 7 in a leaf
 * are too. XU counts as an execute bit for these checks (REFERENCE.md
 * section 1; KVM and kvm-unit-tests read it so).
 */
static bool ept_bad_xwr_mt(const struct pt_format *f, unsigned level, u64 e)
{
	bool r = e & EPTE_R, w = e & EPTE_W;
	bool x = e & EPTE_XS;
	u64 mt = (e & EPTE_MT_MASK) >> EPTE_MT_SHIFT;

	if (pt_fmt_has(f, PTF_MBEC) && (e & EPTE_XU))
		x = true;
	if (w && !r)
		return true;
	if (!r && !w && x && !pt_fmt_has(f, PTF_EXEC_ONLY))
		return true;
	if (pt_is_leaf(f, level, e) && (mt == 2 || mt == 3 || mt == 7))
		return true;
	return false;
}

/*
 * VT-d second-level reserved bits of a present entry (VT-d spec 9.8,
 * SL-PML5E..SL-PTE; 3.7.1): bits 51:HAW; bit 7 of SL-PML5E/SL-PML4E, and of
 * SL-PDPE/SL-PDE where CAP.SLLPS lacks that page size; bit 11 except SNP
 * in leaves with ECAP.SC; bit 62 except TM in leaves where supported;
 * bits 29:12 / 20:12 of 1 GiB / 2 MiB leaves. Bits 6:3, 10:8, 61:52 and
 * 63 are ignored (EMT/IPAT/A/D only in modes Modex does not use).
 */
static u64 vtd_rsvd_mask(const struct pt_format *f, unsigned level, u64 e)
{
	u64 m = f->rsvd_high;
	u64 leaf = m | (pt_fmt_has(f, PTF_VTD_SC) ? 0 : VTDE_SNP) |
		   (pt_fmt_has(f, PTF_VTD_TM) ? 0 : VTDE_TM);

	if (level >= 4)
		return m | VTDE_PS | VTDE_SNP | VTDE_TM;
	if (level == 1)
		return leaf;
	if (!(e & VTDE_PS))
		return m | VTDE_SNP | VTDE_TM;
	if (!pt_leaf_allowed(f, level))
		return m | VTDE_PS;
	return leaf | (level == 3 ? bits(29, 12) : bits(20, 12));
}

/*
 * AMD-Vi host page-table entries (AMD IOMMU spec 2.2.3, PDE and PTE formats):
 * bits 60:52 of a PDE and 58:52 of a PTE are reserved (59 U and 60 FC are
 * PTE fields), and Modex treats address bits at or above the system's
 * physical-address width, and the low address bits of a 2 MiB or 1 GiB
 * PTE, as reserved too. A PDE's NextLevel must be below its level;
 * NextLevel = level - 1 is the directory Modex writes, lower values skip
 * levels. NextLevel 7 encodes the page size in the address bits.
 */
static enum pt_entry_check amdvi_check(const struct pt_format *f,
				       unsigned level, u64 e)
{
	unsigned nl = amdvi_next_level(e);
	u64 m = f->rsvd_high;

	if (nl == 0 && level > 1)
		m |= bits(58, 52) | bits(pt_level_shift(level) - 1, 12);
	else if (nl == 0 || nl == 7)
		m |= bits(58, 52);
	else
		m |= bits(60, 52);
	if (e & m)
		return PT_ENTRY_RSVD;
	if (nl == 7 || (nl == 0 && !pt_leaf_allowed(f, level)))
		return PT_ENTRY_NOSUPP;
	if (nl == 0 || nl == level - 1)
		return PT_ENTRY_OK;
	return nl >= level ? PT_ENTRY_RSVD : PT_ENTRY_NOSUPP;
}

enum pt_entry_check pt_check_entry(const struct pt_format *f, unsigned level,
				   u64 e)
{
	if (level < 1 || level > f->levels || !pt_present(f, e))
		return PT_ENTRY_OK;
	if (x86_like(f))
		return (e & x86_rsvd_mask(f, level, e)) ? PT_ENTRY_RSVD :
							  PT_ENTRY_OK;
	if (f->type == PT_VTD)
		return (e & vtd_rsvd_mask(f, level, e)) ? PT_ENTRY_RSVD :
							  PT_ENTRY_OK;
	if (f->type == PT_AMDVI)
		return amdvi_check(f, level, e);
	if (f->type != PT_EPT)
		return (e & x86_rsvd_mask(f, level, e)) ? PT_ENTRY_RSVD :
							  PT_ENTRY_OK;
	if (ept_bad_xwr_mt(f, level, e) || (e & ept_rsvd_mask(f, level, e)))
		return PT_ENTRY_MISCONFIG;
	return PT_ENTRY_OK;
}

acc_t pt_acc_full(const struct pt_format *f)
{
	switch (f->type) {
	case PT_EPT:
		return ACC_RWX_BOTH;
	case PT_NPT:
		/* Without GMET every NPT access is a user access. */
		if (pt_fmt_has(f, PTF_GMET))
			return ACC_RWX_BOTH;
		return ACC_RWX_BOTH | ACC_USER;
	case PT_VTD:
	case PT_AMDVI:
		return ACC_READ | ACC_WRITE;
	default:
		/* x86: supervisor RWX; SMEP/SMAP make "all" impossible. */
		return ACC_READ | ACC_WRITE | ACC_EXEC;
	}
}

static u64 ept_perm_bits(const struct pt_format *f, acc_t want)
{
	bool r = want & ACC_READ, w = want & ACC_WRITE;
	bool xs = want & ACC_EXEC, xu = want & ACC_USER_EXEC;

	/* One X bit serves both modes without MBEC: grant it only if both. */
	if (!pt_fmt_has(f, PTF_MBEC))
		xs = xu = xs && xu;
	if (w && !r)
		w = false;
	if (!r && !w && !pt_fmt_has(f, PTF_EXEC_ONLY))
		xs = xu = false;
	/* Without MBEC bit 10 is ignored; keep it equal to X (DESIGN.md 3). */
	return (r ? EPTE_R : 0) | (w ? EPTE_W : 0) | (xs ? EPTE_XS : 0) |
	       (xu ? EPTE_XU : 0);
}

static u64 npt_perm_bits(const struct pt_format *f, acc_t want)
{
	bool sx = want & ACC_EXEC, ux = want & ACC_USER_EXEC;
	u64 e = PTE_P;

	if (!(want & ACC_READ))
		return 0;
	if (want & ACC_WRITE)
		e |= PTE_RW;
	if (!pt_fmt_has(f, PTF_GMET)) {
		/* Every access is a user access (APM Vol. 2 15.25.5). */
		if (want & ACC_USER)
			e |= PTE_US;
		return e | (ux ? 0 : PTE_NX);
	}
	/*
	 * GMET: U=0,NX=0 executes in both modes, U=1,NX=0 in user mode only,
	 * NX=1 in neither; supervisor-only does not exist and rounds down.
	 * A request with ACC_USER asks for U=1, which rules out supervisor
	 * execution (mm/perm.h).
	 */
	if (want & ACC_USER)
		return e | PTE_US | (ux ? 0 : PTE_NX);
	if (sx && ux)
		return e;
	if (ux)
		return e | PTE_US;
	return e | PTE_NX;
}

static u64 x86_perm_bits(acc_t want)
{
	bool user = want & ACC_USER;
	u64 e = PTE_P;

	if (!(want & ACC_READ))
		return 0;
	if (want & ACC_WRITE)
		e |= PTE_RW;
	if (user)
		e |= PTE_US;
	/* Under SMEP a user page is never supervisor-executable. */
	if (!(want & (user ? ACC_USER_EXEC : ACC_EXEC)))
		e |= PTE_NX;
	return e;
}

u64 pt_perm_mask(const struct pt_format *f)
{
	switch (f->type) {
	case PT_EPT:
		return EPTE_R | EPTE_W | EPTE_XS | EPTE_XU;
	case PT_VTD:
		return VTDE_R | VTDE_W;
	case PT_AMDVI:
		return AMDVIE_PR | AMDVIE_IR | AMDVIE_IW;
	default:
		return PTE_P | PTE_RW | PTE_US | PTE_NX;
	}
}

/* DMA formats: read and write only; PR=1 with IR=IW=0 grants nothing. */
static u64 iommu_perm_bits(const struct pt_format *f, acc_t want)
{
	bool r = want & ACC_READ, w = want & ACC_WRITE;

	if (f->type == PT_VTD)
		return (r ? VTDE_R : 0) | (w ? VTDE_W : 0);
	if (!r && !w)
		return 0;
	return AMDVIE_PR | (r ? AMDVIE_IR : 0) | (w ? AMDVIE_IW : 0);
}

static u64 perm_bits(const struct pt_format *f, acc_t want)
{
	u64 e;

	if (f->type == PT_EPT)
		return ept_perm_bits(f, want);
	if (f->type == PT_VTD || f->type == PT_AMDVI)
		return iommu_perm_bits(f, want);
	e = f->type == PT_NPT ? npt_perm_bits(f, want) : x86_perm_bits(want);
	if (!pt_fmt_has(f, PTF_NXE))
		e &= ~PTE_NX;
	return e;
}

/* Grants judged per access kind under the format's strict role. */
static int compare_grants(const struct pt_format *f, acc_t want, acc_t granted)
{
	struct mmu_role r;
	u16 w = 0, g = 0;

	mmu_role_strict(&r, f);
	for (unsigned k = 0; k < PK_NR; k++) {
		if (!pk_valid(k))
			continue;
		if (!perm_rule_fault(&r, k, want))
			w |= 1u << k;
		if (!perm_rule_fault(&r, k, granted))
			g |= 1u << k;
	}
	if (g & ~w)
		return -E_NOSUPP;
	return g != w;
}

static bool leaf_attr_ok(const struct pt_format *f, u64 attr)
{
	u64 mt = (attr & EPTE_MT_MASK) >> EPTE_MT_SHIFT;

	if (f->type == PT_VTD)
		return !(attr & ~PT_ATTR_VTD_MASK) &&
		       (!(attr & VTDE_SNP) || pt_fmt_has(f, PTF_VTD_SC));
	if (f->type == PT_AMDVI)
		return !(attr & ~PT_ATTR_AMDVI_MASK);
	if (f->type != PT_EPT)
		return !(attr & ~PT_ATTR_X86_MASK);
	return !(attr & ~PT_ATTR_EPT_MASK) && mt != 2 && mt != 3 && mt != 7;
}

static u64 leaf_attr_bits(const struct pt_format *f, unsigned level, u64 attr)
{
	if (f->type == PT_EPT)
		return attr | (level > 1 ? EPTE_PS : 0);
	if (f->type == PT_VTD)
		return attr | (level > 1 ? VTDE_PS : 0);
	/* AMD IOMMU spec 2.2.3: NextLevel 0, the level's own page size. */
	if (f->type == PT_AMDVI)
		return attr;
	if (level == 1)
		return attr;
	/* PAT moves from bit 7 to bit 12 in large leaves (SDM Vol. 3A 4.5). */
	if (attr & PTE_PAT_4K)
		attr = (attr & ~PTE_PAT_4K) | PTE_PAT_LARGE;
	return attr | PTE_PS;
}

int pt_encode_leaf(const struct pt_format *f, unsigned level, u64 pa,
		   acc_t want, u64 attr, u64 *entry, acc_t *granted)
{
	u64 e;
	acc_t g;
	int ret;

	if (!pt_leaf_allowed(f, level) || level > f->levels ||
	    (pa & ~f->addr_mask) || (pa & (pt_level_size(level) - 1)) ||
	    !leaf_attr_ok(f, attr))
		return -E_INVAL;
	want &= ACC_MASK;
	e = perm_bits(f, want);
	if (e)
		e |= pa | leaf_attr_bits(f, level, attr);
	g = pt_entry_acc(f, e);
	ret = compare_grants(f, want, g);
	if (ret < 0)
		return ret;
	*entry = e;
	if (granted)
		*granted = g;
	return ret;
}

u64 pt_encode_table(const struct pt_format *f, unsigned level, u64 table)
{
	if (f->type == PT_VTD)
		return (table & f->addr_mask) | VTDE_R | VTDE_W;
	/* A directory names the level below it: no level is skipped. */
	if (f->type == PT_AMDVI)
		return (table & f->addr_mask) | AMDVIE_PR | AMDVIE_IR |
		       AMDVIE_IW | ((u64)(level - 1) << AMDVIE_NL_SHIFT);
	if (f->type == PT_EPT)
		return (table & f->addr_mask) | EPTE_R | EPTE_W | EPTE_XS |
		       EPTE_XU;
	return (table & f->addr_mask) | PTE_P | PTE_RW | PTE_US;
}

static u64 leaf_addr_bits(const struct pt_format *f, unsigned level)
{
	return f->addr_mask & ~(pt_level_size(level) - 1);
}

u64 pt_leaf_with_addr(const struct pt_format *f, unsigned level, u64 e, u64 pa)
{
	u64 m = leaf_addr_bits(f, level);

	return (e & ~m) | (pa & m);
}

u64 pt_leaf_relevel(const struct pt_format *f, unsigned from_level,
		    unsigned to_level, u64 e, u64 pa)
{
	u64 pat_from = from_level > 1 ? PTE_PAT_LARGE : PTE_PAT_4K;
	u64 pat_to = to_level > 1 ? PTE_PAT_LARGE : PTE_PAT_4K;
	bool pat;

	e &= ~leaf_addr_bits(f, from_level);
	if (f->type == PT_EPT || f->type == PT_VTD) {
		/* EPTE_PS and VTDE_PS are both bit 7. */
		e &= ~EPTE_PS;
		e |= to_level > 1 ? EPTE_PS : 0;
		return e | (pa & leaf_addr_bits(f, to_level));
	}
	if (f->type == PT_AMDVI)
		return e | (pa & leaf_addr_bits(f, to_level));
	pat = e & pat_from;
	e &= ~(pat_from | PTE_PS);
	if (pat)
		e |= pat_to;
	e |= to_level > 1 ? PTE_PS : 0;
	return e | (pa & leaf_addr_bits(f, to_level));
}

/* The IOMMU formats' A/D bits need opt-ins (SLADE, HAD) Modex never sets. */
u64 pt_accessed_bit(const struct pt_format *f)
{
	if (f->type == PT_EPT)
		return pt_fmt_has(f, PTF_AD) ? EPTE_A : 0;
	if (f->type == PT_VTD || f->type == PT_AMDVI)
		return 0;
	return PTE_A;
}

u64 pt_dirty_bit(const struct pt_format *f)
{
	if (f->type == PT_EPT)
		return pt_fmt_has(f, PTF_AD) ? EPTE_D : 0;
	if (f->type == PT_VTD || f->type == PT_AMDVI)
		return 0;
	return PTE_D;
}
