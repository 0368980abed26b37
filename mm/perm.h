/* SPDX-License-Identifier: MIT */
/*
 * Permission tables: per MMU role, "does this access kind fault on this
 * accumulated acc_t?" answered in O(1), in the manner of KVM's
 * update_permission_bitmask (REFERENCE.md section 3).
 *
 * API overview
 *  - struct mmu_role: what changes the meaning of access bits: the format
 *    type, MBEC (EPT) or GMET (NPT), host EFER.NXE (NPT), and for x86
 *    paging CR0.WP, CR4.SMEP, CR4.SMAP and EFER.NXE. mmu_role_init() takes
 *    MBEC/GMET/NXE from a struct pt_format and the control-register bits
 *    from its arguments (ignored for EPT/NPT).
 *  - perm_init() computes, for each access kind (mm/access.h), a 32-bit
 *    mask over every acc_t value: bit acc set = that access faults.
 *  - perm_fault(t, kind, acc): one shift and mask.
 *  - perm_rule_fault(): the same answer computed from the rules (slow; the
 *    tables are built from it; tests compare against it).
 *  - perm_allowed_kinds(): bit k set = kind k does not fault; used to
 *    compare what two acc values grant.
 *
 * The rules (acc is the AND over all levels):
 *  EPT (SDM Vol. 3C 29.3.3.2): read needs R, write needs W; a fetch needs
 *    XU if MBEC is on and the kind is user (user-mode linear address),
 *    else XS. ACC_USER is ignored.
 *  NPT (APM Vol. 2 15.25.5, 15.25.x GMET): without GMET every access is a
 *    user access: each needs ACC_USER plus READ / WRITE / USER_EXEC. With
 *    GMET, U does not restrict data accesses or user fetches; a supervisor
 *    fetch needs ACC_EXEC and faults if ACC_USER (user at every level).
 *  x86 (SDM Vol. 3A 4.6.1): user accesses need ACC_USER; user reads need
 *    READ, user writes WRITE, user fetches USER_EXEC. Supervisor reads need
 *    READ; supervisor writes need WRITE when CR0.WP=1 (READ otherwise);
 *    with CR4.SMAP a supervisor data access to a user address (ACC_USER)
 *    faults unless the kind has PK_AC; supervisor fetches need ACC_EXEC and,
 *    with CR4.SMEP, fault on user addresses. NXE=0 makes NX reserved, so
 *    decoded entries always carry the execute bits.
 *  VT-d, AMD-Vi (VT-d spec 3.7.2, AMD IOMMU spec 2.2.3): a DMA read needs
 *    READ, a DMA write WRITE; PK_USER and ACC_USER do not matter; every
 *    fetch faults (execute requests are never enabled).
 */
#ifndef MODEX_MM_PERM_H
#define MODEX_MM_PERM_H

#include "hv/include/types.h"
#include "mm/access.h"
#include "mm/pt_format.h"

struct mmu_role {
	u8 type; /* enum pt_type */
	bool mbec; /* EPT */
	bool gmet; /* NPT */
	bool nxe; /* NPT (host) and x86 */
	bool wp, smep, smap; /* x86 only */
};

struct perm_table {
	u32 fault[PK_NR];
};

/* Role of format f; wp/smep/smap matter for PT_X86 only. */
void mmu_role_init(struct mmu_role *r, const struct pt_format *f, bool wp,
		   bool smep, bool smap);

/*
 * The role against which pt_encode_leaf() judges rounding: the format's own
 * flags, and for x86 the strict CR0.WP=CR4.SMEP=CR4.SMAP=1.
 */
void mmu_role_strict(struct mmu_role *r, const struct pt_format *f);

bool perm_rule_fault(const struct mmu_role *r, unsigned kind, acc_t acc);
void perm_init(struct perm_table *t, const struct mmu_role *r);
u16 perm_allowed_kinds(const struct perm_table *t, acc_t acc);

static inline bool perm_fault(const struct perm_table *t, unsigned kind,
			      acc_t acc)
{
	return (t->fault[kind & (PK_NR - 1)] >> (acc & ACC_MASK)) & 1;
}

#endif /* MODEX_MM_PERM_H */
