/* SPDX-License-Identifier: MIT */
/*
 * Independent reference model of the two IOMMU page-table formats: Intel
 * VT-d second-level paging and AMD-Vi host page tables.
 *
 * Owns: a naive restatement of the VT-d specification (3.7, 9.8) and the
 * AMD I/O Virtualization Technology specification (2.2.3) for walking a
 * DMA request through the tables, used only by host unit tests as an
 * oracle for mm/'s PT_VTD and PT_AMDVI formats. Like ref_paging.c it
 * shares no code or table with mm/. Every global symbol carries the ref_
 * prefix; types shared with ref_paging.h (read callback, status) are
 * reused.
 */
#ifndef MODEX_TESTS_REF_REF_IOMMU_H
#define MODEX_TESTS_REF_REF_IOMMU_H

#include "hv/include/types.h"
#include "tests/ref/ref_paging.h"

/* What one entry is, judged alone (the checker's answer). */
enum ref_entry_class {
	REF_ENTRY_OK = 0, /* a table pointer or a page Modex walks */
	REF_ENTRY_RSVD, /* a reserved bit or an impossible encoding */
	REF_ENTRY_OTHER, /* valid in the format, outside Modex's subset */
};

/* DMA request kinds: REF_READ, REF_WRITE; REF_FETCH = execute request. */

struct ref_walk_result {
	enum ref_status status; /* OK, NOT_PRESENT, RSVD, VIOLATION, MEM */
	int level; /* level that ended the walk (leaf level on success) */
	u64 hpa; /* REF_OK and REF_VIOLATION */
	bool r, w; /* read / write permission ANDed over the entries */
	int nr_entries;
	u64 entries[5]; /* entries[0] is the top level's */
};

/* ----------------------------------------------------------------- VT-d */

struct ref_vtd_cfg {
	int levels; /* 3, 4, 5: AGAW 39, 48, 57 bits */
	u8 haw; /* host address width (DMAR) */
	bool sp_2m; /* CAP.SLLPS bit 0 */
	bool sp_1g; /* CAP.SLLPS bit 1 */
	bool snoop_ctl; /* ECAP.SC: SNP may be 1 in leaves */
	bool tm_ok; /* TM may be 1 in leaves */
};

enum ref_entry_class ref_vtd_entry_class(const struct ref_vtd_cfg *cfg,
					 int level, u64 e);
void ref_vtd_walk(const struct ref_vtd_cfg *cfg, u64 root, u64 iova,
		  enum ref_access acc, ref_read_fn rd, void *ctx,
		  struct ref_walk_result *res);

/* --------------------------------------------------------------- AMD-Vi */

struct ref_amdvi_cfg {
	int levels; /* DTE paging mode: 3, 4 or 5 */
	u8 maxphyaddr; /* system physical-address width */
};

enum ref_entry_class ref_amdvi_entry_class(const struct ref_amdvi_cfg *cfg,
					   int level, u64 e);
void ref_amdvi_walk(const struct ref_amdvi_cfg *cfg, u64 root, u64 iova,
		    enum ref_access acc, ref_read_fn rd, void *ctx,
		    struct ref_walk_result *res);

#endif /* MODEX_TESTS_REF_REF_IOMMU_H */
