/* SPDX-License-Identifier: MIT */
/*
 * Fake physical memory for mm/ walker and builder tests: a buffer of pages
 * at a chosen physical base, a page allocator over it, a log of writes and
 * compare-exchanges, and fault injection (allocation failure).
 */
#ifndef MODEX_TESTS_UNIT_SUPPORT_MM_FAKE_MEM_H
#define MODEX_TESTS_UNIT_SUPPORT_MM_FAKE_MEM_H

#include "hv/include/types.h"
#include "mm/pt_mem.h"

#define FMEM_LOG 64

struct fmem {
	u8 *buf;
	u64 base; /* physical address of buf[0] */
	u64 pages;
	u8 *used; /* per page: 1 allocated by alloc() */
	u64 next; /* next page index to try */
	long allocs, frees, live; /* counters */
	long fail_after; /* alloc fails once allocs reaches this (-1: never) */
	unsigned long writes, cmpxchgs, reads;
	u64 log_pa[FMEM_LOG], log_val[FMEM_LOG];
	unsigned log_n; /* total cmpxchg log entries (wraps) */
};

/* pages of memory at physical base; the first `reserved` pages never allocated. */
void fmem_init(struct fmem *m, u64 base, u64 pages, u64 reserved);
void fmem_fini(struct fmem *m);
struct pt_mem fmem_pt_mem(struct fmem *m);
u64 *fmem_ptr(struct fmem *m, u64 pa); /* NULL outside */
u64 fmem_get(struct fmem *m, u64 pa);
void fmem_set(struct fmem *m, u64 pa, u64 val);

#endif /* MODEX_TESTS_UNIT_SUPPORT_MM_FAKE_MEM_H */
