/* SPDX-License-Identifier: MIT */
/*
 * The page-table builder over any format: map, unmap and re-protect
 * ranges with the largest pages format and alignment allow, splitting
 * large pages when a sub-range changes and merging tables back into a
 * large page when they become uniform.
 *
 * API overview
 *  - struct pt: a format (copied), a memory (mm/pt_mem.h) and the root
 *    table's physical address (CR3 / EPTP / nCR3 base).
 *  - pt_init() allocates an empty root; pt_destroy() frees every table.
 *  - pt_map(pt, va, pa, size, acc, attr, flags): maps [va, va+size) to
 *    [pa, pa+size) with acc (a request, see pt_encode_leaf() in
 *    mm/pt_format.h) and attr (PT_ATTR_*), replacing what was there.
 *    Everything 4 KiB aligned. If the format cannot grant exactly `acc`,
 *    it fails with -E_NOSUPP unless PTM_ROUND_DOWN allows the rounded-down
 *    entry. Host W^X: acc ACC_READ|ACC_EXEC = RX, ACC_READ = R+NX,
 *    ACC_READ|ACC_WRITE = RW+NX, supervisor-only (US=0).
 *  - pt_unmap(), pt_protect(): clear / re-encode the present leaves of a
 *    range (protect keeps addresses and attributes).
 *  - pt_lookup(): a walk without permission check (mm/pt_walk.h).
 *  - pt_for_each_leaf(): visit every present leaf (e.g. to assert W^X).
 *  Nothing here flushes TLBs: after unmap, protect, or any call that
 *  replaced mappings, the caller invalidates (INVLPG/INVEPT/ASID flush).
 *  Errors: -E_INVAL (alignment, range, attr), -E_NOSUPP (see above),
 *  -E_NOMEM (a table could not be allocated; the range may then be
 *  partly done, but the tables stay well formed), -E_FAULT (memory op
 *  failed), -E_INVAL also for a malformed existing entry in the way.
 */
#ifndef MODEX_MM_PT_BUILD_H
#define MODEX_MM_PT_BUILD_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"
#include "mm/access.h"
#include "mm/pt_format.h"
#include "mm/pt_mem.h"
#include "mm/pt_walk.h"

struct pt {
	struct pt_format fmt;
	struct pt_mem mem;
	u64 root;
};

/* pt_map()/pt_protect() flags. */
#define PTM_ROUND_DOWN BIT(0) /* accept a rounded-down encoding */
#define PTM_MAX_4K BIT(1) /* use 4 KiB pages only */
#define PTM_MAX_2M BIT(2) /* use 4 KiB and 2 MiB pages only */
#define PTM_NO_MERGE BIT(3) /* do not merge uniform tables */
/* Map every 4 KiB page of [va, va+size) to the one page pa (an alias
 * such as Modex's sink page): 4 KiB leaves, no merging. */
#define PTM_ALIAS BIT(4)

int pt_init(struct pt *pt, const struct pt_format *f, const struct pt_mem *m);
void pt_destroy(struct pt *pt);

int pt_map(struct pt *pt, u64 va, u64 pa, u64 size, acc_t acc, u64 attr,
	   unsigned flags);
int pt_unmap(struct pt *pt, u64 va, u64 size);
int pt_protect(struct pt *pt, u64 va, u64 size, acc_t acc, unsigned flags);

enum pt_walk_status pt_lookup(const struct pt *pt, u64 va, struct pt_walk *w);

/* fn returns 0 to continue, anything else stops and is returned. */
typedef int (*pt_leaf_fn)(void *arg, u64 va, u64 entry, unsigned level);
int pt_for_each_leaf(const struct pt *pt, pt_leaf_fn fn, void *arg);

#endif /* MODEX_MM_PT_BUILD_H */
