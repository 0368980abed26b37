/* SPDX-License-Identifier: MIT */
/*
 * Intel VT-d: register layout, capability decoding, the legacy-mode root
 * and context tables, and fault records (VT-d spec rev 3/4, chapters 9,
 * 10, 11). Pure: tables are plain memory the caller owns, registers are
 * values the caller read. hv/vtd.c drives the hardware with these.
 *
 * API overview
 *  - vtd_pick_agaw(cap, haw, need_top, &levels, &aw, &width): the
 *    second-level walk Modex uses: the smallest of 3, 4 or 5 levels that
 *    CAP.SAGAW supports and whose input width covers need_top, limited
 *    by CAP.MGAW and the DMAR host address width.
 *  - vtd_fill_tables(root, ctx, ctx_pa, slpt, aw, did): every root entry
 *    (256 buses) points at the one context table @ctx, whose 256 entries
 *    (dev.fn) all use the second-level table @slpt, domain @did, address
 *    width @aw, translation type 0 (untranslated requests only).
 *  - vtd_fault_decode(lo, hi, &f): one fault recording register.
 */
#ifndef MODEX_HV_VTD_TABLES_H
#define MODEX_HV_VTD_TABLES_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"

/* Register offsets (VT-d spec 11.4, table 11-1). */
#define VTD_VER 0x00
#define VTD_CAP 0x08
#define VTD_ECAP 0x10
#define VTD_GCMD 0x18
#define VTD_GSTS 0x1c
#define VTD_RTADDR 0x20
#define VTD_CCMD 0x28
#define VTD_FSTS 0x34
#define VTD_FECTL 0x38

/* CAP (11.4.2). */
#define VTD_CAP_RWBF BIT(4)
#define VTD_CAP_CM BIT(7)
#define VTD_CAP_SAGAW(c) (((c) >> 8) & 0x1f)
#define VTD_CAP_MGAW(c) ((((c) >> 16) & 0x3f) + 1)
#define VTD_CAP_FRO(c) ((((c) >> 24) & 0x3ff) * 16)
#define VTD_CAP_SLLPS(c) (((c) >> 34) & 0xf) /* bit 0: 2 MiB, 1: 1 GiB */
#define VTD_CAP_NFR(c) ((((c) >> 40) & 0xff) + 1)
#define VTD_CAP_DWD BIT(54)
#define VTD_CAP_DRD BIT(55)

/* ECAP (11.4.3). */
#define VTD_ECAP_C BIT(0) /* page-walk coherency */
#define VTD_ECAP_QI BIT(1)
#define VTD_ECAP_IR BIT(3)
#define VTD_ECAP_SC BIT(7)
#define VTD_ECAP_IRO(e) ((((e) >> 8) & 0x3ff) * 16) /* IVA; IOTLB at +8 */

/* GCMD / GSTS (11.4.4, 11.4.5): the same bit positions. */
#define VTD_GCMD_TE BIT(31)
#define VTD_GCMD_SRTP BIT(30)
#define VTD_GCMD_WBF BIT(27)
#define VTD_GCMD_QIE BIT(26)
#define VTD_GCMD_IRE BIT(25)
/* GSTS bits that are status of persistent commands; the one-shot ones
 * (RTPS, FLS, WBFS, IRTPS) must not be written back (10.4.4). */
#define VTD_GSTS_PERSIST 0x96ffffffu

/* CCMD (11.4.6): global context-cache invalidation. */
#define VTD_CCMD_ICC BIT(63)
#define VTD_CCMD_GLOBAL (1ULL << 61)

/* IOTLB invalidate register (11.4.8.1), at ECAP.IRO + 8. */
#define VTD_IOTLB_IVT BIT(63)
#define VTD_IOTLB_GLOBAL (1ULL << 60)
#define VTD_IOTLB_DR BIT(49)
#define VTD_IOTLB_DW BIT(48)

/* FSTS (11.4.9.1) and FECTL (11.4.9.2). */
#define VTD_FSTS_PFO BIT(0)
#define VTD_FSTS_PPF BIT(1)
#define VTD_FSTS_FRI(s) (((s) >> 8) & 0xff)
#define VTD_FECTL_IM BIT(31)

/* Fault recording register (11.4.10.x): 16 bytes each at CAP.FRO. */
#define VTD_FRCD_F BIT(63) /* in the high quadword */
#define VTD_FRCD_T BIT(62) /* 1: read request, 0: write request */

/* Root and context entries (9.1, 9.3): 16 bytes each, 256 per table. */
#define VTD_ENTRIES 256
#define VTD_CTX_AW_3 1 /* 39-bit, 3-level */
#define VTD_CTX_AW_4 2 /* 48-bit, 4-level */
#define VTD_CTX_AW_5 3 /* 57-bit, 5-level */

int vtd_pick_agaw(u64 cap, unsigned haw, u64 need_top, unsigned *levels,
		  unsigned *aw, unsigned *width);

void vtd_fill_tables(u64 *root, u64 *ctx, u64 ctx_pa, u64 slpt, unsigned aw,
		     u16 did);

struct vtd_fault {
	u64 addr; /* page address of the request */
	u16 sid; /* requester ID: bus << 8 | dev << 3 | fn */
	u8 reason; /* fault reason (appendix A) */
	bool read; /* T: read (else write) */
	bool valid; /* F set */
};

void vtd_fault_decode(u64 lo, u64 hi, struct vtd_fault *f);

#endif /* MODEX_HV_VTD_TABLES_H */
