/* SPDX-License-Identifier: MIT */
/*
 * The generic page-table walker with typed results, and the exit
 * information built from them (EPT-violation qualification, #NPF
 * EXITINFO1).
 *
 * API overview
 *  - pt_walk(fmt, mem, root, addr, kind, perm, flags, &w): walks from the
 *    root table at `root` for input address `addr`, ANDing each entry's
 *    acc_t; at most fmt->levels entries are read, so looping or
 *    self-referencing tables cannot make it spin. Returns w.status:
 *      PTW_OK          leaf found and (if perm) the kind is allowed
 *      PTW_NOT_PRESENT an entry at w.level is not present
 *      PTW_VIOLATION   leaf found but perm_fault(perm, kind, w.acc)
 *      PTW_MISCONFIG   reserved bit (X86/NPT/VTD/AMDVI), EPT
 *                      misconfiguration, or an AMD-Vi encoding Modex does
 *                      not walk (PT_ENTRY_NOSUPP) in the entry at w.level
 *      PTW_BAD_TABLE   the table for w.level (w.entry_pa) is outside the
 *                      memory `mem` covers (mem->read failed)
 *      PTW_BAD_ADDR    addr has bits beyond the walk width (caller decides:
 *                      #GP for a non-canonical linear address...)
 *    perm may be NULL (no permission check: a lookup).
 *    PTW_SET_AD: on PTW_OK, set accessed flags in every entry and the
 *    dirty flag in the leaf for writes, through mem cmpxchg (x86/NPT
 *    always; EPT only with PTF_AD; SDM Vol. 3C 29.3.5, APM 5.4.1).
 *  - ept_violation_qual(w, mbec, extra): bits 0-6 of the qualification
 *    (SDM Vol. 3C 28.2.1, Table 28-7) ORed with `extra` (bits 7-12, which
 *    describe the guest linear access and come from the caller).
 *  - npt_exitinfo1(w, fmt, cpl, flags): #NPF EXITINFO1 (APM Vol. 2
 *    15.25.6): P/W/U/RSV/ID from the walk, bit 32 or 33 from flags.
 */
#ifndef MODEX_MM_PT_WALK_H
#define MODEX_MM_PT_WALK_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"
#include "mm/access.h"
#include "mm/perm.h"
#include "mm/pt_format.h"
#include "mm/pt_mem.h"

enum pt_walk_status {
	PTW_OK = 0,
	PTW_NOT_PRESENT = 1,
	PTW_VIOLATION = 2,
	PTW_MISCONFIG = 3,
	PTW_BAD_TABLE = 4,
	PTW_BAD_ADDR = 5,
};

#define PTW_SET_AD BIT(0)

struct pt_walk {
	u8 status; /* enum pt_walk_status */
	u8 level; /* leaf level, or the level where the walk stopped */
	u8 kind; /* access kind checked */
	acc_t acc; /* AND of acc_t of every entry read, incl. the last */
	u64 entry; /* last entry read (the leaf on PTW_OK/PTW_VIOLATION) */
	u64 entry_pa; /* its address (the table's base on PTW_BAD_TABLE) */
	u64 out; /* PTW_OK/PTW_VIOLATION: translated address of addr */
	u64 page_size; /* PTW_OK/PTW_VIOLATION: size of the leaf's page */
};

enum pt_walk_status pt_walk(const struct pt_format *f, const struct pt_mem *m,
			    u64 root, u64 addr, unsigned kind,
			    const struct perm_table *perm, unsigned flags,
			    struct pt_walk *w);

/* EPT-violation exit qualification (SDM Vol. 3C 28.2.1, Table 28-7). */
#define EPTVQ_READ BIT(0)
#define EPTVQ_WRITE BIT(1)
#define EPTVQ_FETCH BIT(2)
#define EPTVQ_R BIT(3) /* AND of R over the EPT levels */
#define EPTVQ_W BIT(4)
#define EPTVQ_XS BIT(5)
#define EPTVQ_XU BIT(6) /* MBEC only */
#define EPTVQ_GLA_VALID BIT(7)
#define EPTVQ_FINAL BIT(8) /* 1: final translation; 0: paging structure */
#define EPTVQ_USER_LA BIT(9) /* advanced info: user-mode linear address */
#define EPTVQ_WRITABLE_LA BIT(10)
#define EPTVQ_NX_LA BIT(11)
#define EPTVQ_NMI_UNBLOCK BIT(12)

u64 ept_violation_qual(const struct pt_walk *w, bool mbec, u64 extra);

/* #NPF EXITINFO1 (APM Vol. 2 15.25.6). */
#define NPF_P BIT(0) /* 1: protection/reserved fault; 0: not present */
#define NPF_W BIT(1)
#define NPF_U BIT(2)
#define NPF_RSV BIT(3)
#define NPF_ID BIT(4)
#define NPF_FINAL BIT(32) /* fault on the final guest-physical address */
#define NPF_GUEST_WALK BIT(33) /* fault on a guest page-table access */

/* npt_exitinfo1() flags. */
#define NPFI_FINAL BIT(0) /* set EXITINFO1 bit 32 */
#define NPFI_GUEST_WALK BIT(1) /* set EXITINFO1 bit 33 */
#define NPFI_ERRATUM_1218 BIT(2) /* GMET fetch faults: U = (CPL == 3) */
#define NPFI_HOST_SMEP BIT(3) /* host CR4.SMEP: ID is reported */

u64 npt_exitinfo1(const struct pt_walk *w, const struct pt_format *f,
		  unsigned cpl, unsigned flags);

#endif /* MODEX_MM_PT_WALK_H */
