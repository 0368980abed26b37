// SPDX-License-Identifier: MIT
/*
 * Permission tables per MMU role: the access rules of EPT (with and
 * without MBEC), NPT (with and without GMET) and x86 paging (CR0.WP,
 * CR4.SMEP, CR4.SMAP), precomputed into one 32-bit mask per access kind.
 */
#include "mm/perm.h"

void mmu_role_init(struct mmu_role *r, const struct pt_format *f, bool wp,
		   bool smep, bool smap)
{
	bool x86 = f->type == PT_X86;

	r->type = f->type;
	r->mbec = f->type == PT_EPT && pt_fmt_has(f, PTF_MBEC);
	r->gmet = f->type == PT_NPT && pt_fmt_has(f, PTF_GMET);
	r->nxe = f->type != PT_EPT && pt_fmt_has(f, PTF_NXE);
	r->wp = x86 && wp;
	r->smep = x86 && smep;
	r->smap = x86 && smap;
}

void mmu_role_strict(struct mmu_role *r, const struct pt_format *f)
{
	mmu_role_init(r, f, true, true, true);
}

/* SDM Vol. 3C 29.3.3.2: XU for fetches from user-mode linear addresses. */
static bool ept_fault(const struct mmu_role *r, unsigned kind, acc_t acc)
{
	switch (pk_op(kind)) {
	case PK_READ:
		return !(acc & ACC_READ);
	case PK_WRITE:
		return !(acc & ACC_WRITE);
	default:
		if (r->mbec && pk_is_user(kind))
			return !(acc & ACC_USER_EXEC);
		return !(acc & ACC_EXEC);
	}
}

/*
 * APM Vol. 2 15.25.5: nested-page-table accesses are user accesses, so
 * U=0 anywhere faults them all. With GMET (15.25.x, REFERENCE.md section
 * 2) U stops mattering for data and user fetches, and a supervisor fetch
 * from a user translation (U=1 at every level) faults.
 */
static bool npt_fault(const struct mmu_role *r, unsigned kind, acc_t acc)
{
	unsigned op = pk_op(kind);

	if (!r->gmet) {
		if (!(acc & ACC_USER))
			return true;
		kind |= PK_USER;
	}
	if (op == PK_READ)
		return !(acc & ACC_READ);
	if (op == PK_WRITE)
		return !(acc & ACC_WRITE);
	if (pk_is_user(kind))
		return !(acc & ACC_USER_EXEC);
	return !(acc & ACC_EXEC) || (acc & ACC_USER);
}

/* SDM Vol. 3A 4.6.1: user accesses need U/S=1 everywhere. */
static bool x86_user_fault(unsigned op, acc_t acc)
{
	if (!(acc & ACC_USER))
		return true;
	if (op == PK_READ)
		return !(acc & ACC_READ);
	if (op == PK_WRITE)
		return !(acc & ACC_WRITE);
	return !(acc & ACC_USER_EXEC);
}

/*
 * SDM Vol. 3A 4.6.1: supervisor writes honour R/W only with CR0.WP=1;
 * CR4.SMAP forbids supervisor data accesses to user-mode addresses unless
 * the access is explicit and EFLAGS.AC=1; CR4.SMEP forbids supervisor
 * fetches from user-mode addresses.
 */
static bool x86_sup_fault(const struct mmu_role *r, unsigned kind, acc_t acc)
{
	unsigned op = pk_op(kind);
	bool user_addr = acc & ACC_USER;

	if (op == PK_FETCH)
		return !(acc & ACC_EXEC) || (r->smep && user_addr);
	if (r->smap && user_addr && !(kind & PK_AC))
		return true;
	if (op == PK_READ)
		return !(acc & ACC_READ);
	return !(acc & (r->wp ? ACC_WRITE : ACC_READ));
}

/*
 * VT-d spec 3.7.2 / AMD IOMMU spec 2.2.3: a DMA read needs read permission
 * (R, IR) and a write needs write permission (W, IW) at every level.
 * Execute requests are never enabled by Modex, so a fetch always faults.
 */
static bool iommu_fault(unsigned kind, acc_t acc)
{
	switch (pk_op(kind)) {
	case PK_READ:
		return !(acc & ACC_READ);
	case PK_WRITE:
		return !(acc & ACC_WRITE);
	default:
		return true;
	}
}

bool perm_rule_fault(const struct mmu_role *r, unsigned kind, acc_t acc)
{
	if (!pk_valid(kind))
		return true;
	acc &= ACC_MASK;
	switch (r->type) {
	case PT_EPT:
		return ept_fault(r, kind, acc);
	case PT_NPT:
		return npt_fault(r, kind, acc);
	case PT_VTD:
	case PT_AMDVI:
		return iommu_fault(kind, acc);
	default:
		if (pk_is_user(kind))
			return x86_user_fault(pk_op(kind), acc);
		return x86_sup_fault(r, kind, acc);
	}
}

void perm_init(struct perm_table *t, const struct mmu_role *r)
{
	for (unsigned k = 0; k < PK_NR; k++) {
		u32 m = 0;

		for (unsigned acc = 0; acc < ACC_NR_COMBOS; acc++)
			if (perm_rule_fault(r, k, (acc_t)acc))
				m |= 1u << acc;
		t->fault[k] = m;
	}
}

u16 perm_allowed_kinds(const struct perm_table *t, acc_t acc)
{
	u16 allowed = 0;

	for (unsigned k = 0; k < PK_NR; k++)
		if (pk_valid(k) && !perm_fault(t, k, acc))
			allowed |= 1u << k;
	return allowed;
}
