// SPDX-License-Identifier: MIT
/*
 * Reference model of VT-d second-level paging and AMD-Vi host page tables.
 *
 * Owns the oracle that tests/unit/test_iommu_vs_ref.c compares mm/'s
 * PT_VTD and PT_AMDVI formats against: one explicit rule per level and bit,
 * written from the Intel VT-d specification (3.7 and 9.8, "Second-Level
 * Paging Entries") and the AMD IOMMU specification (2.2.3, "I/O Page
 * Tables for Host Translations"), slow and obvious on purpose.
 */
#include "tests/ref/ref_iommu.h"

static u64 ref_mask(int hi, int lo)
{
	u64 m = 0;

	for (int b = lo; b <= hi; b++)
		m |= 1ULL << b;
	return m;
}

static bool ref_has(u64 v, int b)
{
	return (v >> b) & 1;
}

static u64 ref_above(u8 width)
{
	return width >= 52 ? 0 : ref_mask(51, width);
}

static int ref_shift(int level)
{
	return 12 + 9 * (level - 1);
}

static u64 ref_slot(u64 iova, int level)
{
	return (iova >> ref_shift(level)) & 511;
}

static void ref_finish(struct ref_walk_result *res, u64 e, u64 iova,
		       enum ref_access acc)
{
	int s = ref_shift(res->level);

	res->hpa = (e & ref_mask(51, s)) | (iova & ref_mask(s - 1, 0));
	if (acc == REF_READ && res->r)
		res->status = REF_OK;
	else if (acc == REF_WRITE && res->w)
		res->status = REF_OK;
	else /* denied, and execute requests are never granted */
		res->status = REF_VIOLATION;
}

/* ================================================================= VT-d */

/*
 * VT-d 9.8: SL-PML5E and SL-PML4E reserve bit 7 (no page size there), bit
 * 11 and bit 62 (in the 3.x/4.x tables), and bits 51:HAW.
 */
static bool ref_vtd_upper_rsvd(const struct ref_vtd_cfg *cfg, u64 e)
{
	return ref_has(e, 7) || ref_has(e, 11) || ref_has(e, 62) ||
	       (e & ref_above(cfg->haw));
}

/* A page's SNP (bit 11) needs ECAP.SC; TM (bit 62) is reserved unless
 * supported. Both are reserved in entries that point to tables. */
static bool ref_vtd_page_flags_rsvd(const struct ref_vtd_cfg *cfg, u64 e)
{
	if (ref_has(e, 11) && !cfg->snoop_ctl)
		return true;
	if (ref_has(e, 62) && !cfg->tm_ok)
		return true;
	return false;
}

enum ref_entry_class ref_vtd_entry_class(const struct ref_vtd_cfg *cfg,
					 int level, u64 e)
{
	bool big_ok;
	u64 low;

	if (level >= 4)
		return ref_vtd_upper_rsvd(cfg, e) ? REF_ENTRY_RSVD :
						    REF_ENTRY_OK;
	if (e & ref_above(cfg->haw))
		return REF_ENTRY_RSVD;
	if (level == 1) /* SL-PTE: bit 7 is ignored */
		return ref_vtd_page_flags_rsvd(cfg, e) ? REF_ENTRY_RSVD :
							 REF_ENTRY_OK;
	if (!ref_has(e, 7)) /* SL-PDPE / SL-PDE pointing to a table */
		return (ref_has(e, 11) || ref_has(e, 62)) ? REF_ENTRY_RSVD :
							    REF_ENTRY_OK;
	/* A super page: only where CAP.SLLPS says so. */
	big_ok = level == 3 ? cfg->sp_1g : cfg->sp_2m;
	low = level == 3 ? ref_mask(29, 12) : ref_mask(20, 12);
	if (!big_ok || (e & low) || ref_vtd_page_flags_rsvd(cfg, e))
		return REF_ENTRY_RSVD;
	return REF_ENTRY_OK;
}

void ref_vtd_walk(const struct ref_vtd_cfg *cfg, u64 root, u64 iova,
		  enum ref_access acc, ref_read_fn rd, void *ctx,
		  struct ref_walk_result *res)
{
	u64 table = root & ref_mask(51, 12), e = 0;

	*res = (struct ref_walk_result){ .r = true, .w = true };
	for (int level = cfg->levels; level >= 1; level--) {
		res->level = level;
		if (!rd(ctx, table + 8 * ref_slot(iova, level), &e)) {
			res->status = REF_MEM_ERROR;
			return;
		}
		res->entries[res->nr_entries++] = e;
		res->r = res->r && ref_has(e, 0);
		res->w = res->w && ref_has(e, 1);
		/* 9.8: no present bit; R=W=0 means not present. */
		if (!ref_has(e, 0) && !ref_has(e, 1)) {
			res->status = REF_NOT_PRESENT;
			return;
		}
		if (ref_vtd_entry_class(cfg, level, e) != REF_ENTRY_OK) {
			res->status = REF_RSVD;
			return;
		}
		if (level == 1 || ((level == 2 || level == 3) && ref_has(e, 7)))
			break;
		table = e & ref_mask(51, 12);
	}
	ref_finish(res, e, iova, acc);
}

/* =============================================================== AMD-Vi */

static int ref_next_level(u64 e)
{
	return (int)((e >> 9) & 7);
}

/*
 * AMD IOMMU 2.2.3, Table 14 (PDE) and Table 15 (PTE): a PDE reserves bits
 * 60:52, a PTE bits 58:52 (59 is U, 60 FC). Address bits beyond the
 * system's physical width and the unused low address bits of a default
 * size 2 MiB / 1 GiB page count as reserved in Modex's subset.
 */
enum ref_entry_class ref_amdvi_entry_class(const struct ref_amdvi_cfg *cfg,
					   int level, u64 e)
{
	int nl = ref_next_level(e);
	u64 bad = ref_above(cfg->maxphyaddr);

	if (nl == 0 || nl == 7)
		bad |= ref_mask(58, 52);
	else
		bad |= ref_mask(60, 52);
	if (nl == 0 && level >= 2)
		bad |= ref_mask(ref_shift(level) - 1, 12);
	if (e & bad)
		return REF_ENTRY_RSVD;
	if (nl == 7) /* a page size encoded in the address */
		return REF_ENTRY_OTHER;
	if (nl == 0) /* a page of the level's size: Modex uses 4K..1G */
		return level <= 3 ? REF_ENTRY_OK : REF_ENTRY_OTHER;
	if (nl >= level) /* must point downwards */
		return REF_ENTRY_RSVD;
	if (nl == level - 1)
		return REF_ENTRY_OK;
	return REF_ENTRY_OTHER; /* skips levels */
}

void ref_amdvi_walk(const struct ref_amdvi_cfg *cfg, u64 root, u64 iova,
		    enum ref_access acc, ref_read_fn rd, void *ctx,
		    struct ref_walk_result *res)
{
	u64 table = root & ref_mask(51, 12), e = 0;

	*res = (struct ref_walk_result){ .r = true, .w = true };
	for (int level = cfg->levels; level >= 1; level--) {
		res->level = level;
		if (!rd(ctx, table + 8 * ref_slot(iova, level), &e)) {
			res->status = REF_MEM_ERROR;
			return;
		}
		res->entries[res->nr_entries++] = e;
		if (!ref_has(e, 0)) { /* PR */
			res->r = res->w = false;
			res->status = REF_NOT_PRESENT;
			return;
		}
		/* IR (61) and IW (62) of every level are ANDed. */
		res->r = res->r && ref_has(e, 61);
		res->w = res->w && ref_has(e, 62);
		if (ref_amdvi_entry_class(cfg, level, e) != REF_ENTRY_OK) {
			res->status = REF_RSVD;
			return;
		}
		if (ref_next_level(e) == 0)
			break;
		table = e & ref_mask(51, 12);
	}
	ref_finish(res, e, iova, acc);
}
