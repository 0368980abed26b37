/* SPDX-License-Identifier: MIT */
/*
 * Guest page walk for emulation: translate a guest linear address through
 * the guest's x86 paging, each paging-structure read itself translated by
 * the stage-2 tables (EPT/NPT) beneath it, and report the fault hardware
 * would report at either stage.
 *
 * API overview
 *  - gwalk_mode_init(): the guest's paging mode from CR0/CR3/CR4/EFER,
 *    its MAXPHYADDR and PTF_AMD/PTF_1G: format + permission table (CR0.WP,
 *    CR4.SMEP/SMAP, EFER.NXE), computed once per mode, reused per walk.
 *    CR0.PG=0 (no paging) and 4-/5-level paging are supported; 32-bit and
 *    PAE paging give -E_NOSUPP.
 *  - struct gwalk_stage2: the stage-2 tables (format, memory holding the
 *    stage-2 tables, root, permission table of the stage-2 role). NULL
 *    stage 2: guest-physical = host-physical.
 *  - gwalk(mode, s2, gmem, access, flags, &w): gmem reads guest paging
 *    entries at their stage-2 output (host) address. Result w.status:
 *      GW_OK  w.gpa, w.hpa, w.user_la (U/S=1 at every level, or PG=0)
 *      GW_PF  guest #PF, error code w.pf_error (P/W/U/RSVD/I-D)
 *      GW_S2  stage-2 fault in w.s2 at w.gpa: w.s2_final says whether it
 *             was the final access (EPT qual bit 8 = 1 / EXITINFO1 bit
 *             32) or a guest paging-structure access (bit 8 = 0 / bit 33)
 *      GW_GP  non-canonical linear address
 *      GW_BAD_MEM a guest paging entry's host address is outside gmem
 *  - gwalk_ept_qual() / gwalk_npt_exitinfo1(): the exit information for a
 *    GW_S2 result, with the bits that describe the linear access.
 *  Stage-2 kinds: paging-structure accesses are data reads (writes when
 *  the EPT has A/D on, SDM Vol. 3C 29.3.3.2, or when GWF_SET_AD updates a
 *  guest A/D bit); the final fetch is user per MBEC when the linear
 *  address is user-mode, per GMET when CPL==3 (REFERENCE.md section 3).
 */
#ifndef MODEX_MM_GWALK_H
#define MODEX_MM_GWALK_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"
#include "mm/access.h"
#include "mm/perm.h"
#include "mm/pt_format.h"
#include "mm/pt_mem.h"
#include "mm/pt_walk.h"

struct gwalk_mode {
	struct pt_format fmt; /* guest x86 paging */
	struct perm_table perm; /* guest CR0.WP/CR4.SMEP/SMAP/EFER.NXE role */
	u64 cr3;
	bool paging; /* CR0.PG */
	bool report_id; /* #PF I/D reported: SMEP or NXE (SDM Vol. 3A 4.7) */
};

struct gwalk_stage2 {
	const struct pt_format *fmt;
	const struct pt_mem *mem;
	u64 root;
	const struct perm_table *perm;
};

struct gwalk_access {
	gva_t la;
	unsigned op; /* PK_READ, PK_WRITE or PK_FETCH */
	unsigned cpl;
	bool ac; /* EFLAGS.AC */
	bool implicit; /* implicit supervisor access (GDT, IDT, TSS...) */
};

enum gwalk_status {
	GW_OK = 0,
	GW_PF = 1,
	GW_S2 = 2,
	GW_GP = 3,
	GW_BAD_MEM = 4, /* a guest paging entry is outside gmem */
};

/* #PF error code (SDM Vol. 3A 4.7). */
#define PFEC_P BIT(0)
#define PFEC_W BIT(1)
#define PFEC_U BIT(2)
#define PFEC_RSVD BIT(3)
#define PFEC_ID BIT(4)

/* gwalk() flags. */
#define GWF_SET_AD BIT(0) /* set guest A/D bits (as hardware does) */
#define GWF_S2_SET_AD BIT(1) /* set stage-2 A/D bits */

struct gwalk {
	u8 status; /* enum gwalk_status */
	u8 level; /* guest level where the walk stopped (0: final access) */
	bool user_la; /* user-mode linear address (MBEC) */
	bool s2_final; /* GW_S2: fault at the final access */
	bool s2_ad; /* the stage 2 tracks A/D (EPT A/D on, or NPT) */
	acc_t gacc; /* AND of the guest entries' acc */
	u32 pf_error; /* GW_PF */
	gpa_t gpa; /* GW_OK: final GPA; GW_S2: GPA that faulted */
	u64 hpa; /* GW_OK */
	unsigned kind; /* guest access kind */
	unsigned s2_kind; /* stage-2 access kind of the faulting access */
	struct pt_walk s2; /* stage-2 walk of the final or faulting access */
};

int gwalk_mode_init(struct gwalk_mode *g, u64 cr0, u64 cr3, u64 cr4, u64 efer,
		    unsigned maxphyaddr, u32 ptf_flags);

enum gwalk_status gwalk(const struct gwalk_mode *g,
			const struct gwalk_stage2 *s2,
			const struct pt_mem *gmem, const struct gwalk_access *a,
			unsigned flags, struct gwalk *w);

/*
 * GW_S2 with an EPT stage 2: bits 0-8, and 9-11 when `advanced` (EPT_VPID_CAP
 * bit 22 advertised) and the fault was at the final access.
 */
u64 gwalk_ept_qual(const struct gwalk *w, const struct gwalk_mode *g, bool mbec,
		   bool advanced);
/* GW_S2 with an NPT stage 2; flags as npt_exitinfo1() minus bits 32/33. */
u64 gwalk_npt_exitinfo1(const struct gwalk *w, const struct pt_format *s2fmt,
			unsigned cpl, unsigned flags);

#endif /* MODEX_MM_GWALK_H */
