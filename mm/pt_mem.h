/* SPDX-License-Identifier: MIT */
/*
 * Injectable memory access for the page-table walker and builder, so that
 * one walker reads Modex's own tables, L1's tables (through L0's view of
 * L1 memory) and fake memory in unit tests.
 *
 * API overview
 *  - struct pt_mem_ops: read/write/cmpxchg one 64-bit entry at a physical
 *    address (8-byte aligned), allocate a zeroed table page, free one.
 *    read/write/cmpxchg return 0 or -E_FAULT for an address outside the
 *    memory the context covers (a typed walk fault, never a crash).
 *    cmpxchg returns -E_BUSY when the entry no longer holds `old`.
 *    alloc/free may be NULL for read-only users (walks).
 *  - struct pt_mem: ops + context pointer.
 *  - pt_mem_direct_init(): ops for memory Modex can address directly
 *    through a phys-to-virt function (identity at boot), with a page
 *    allocator given as two callbacks (the frame allocator's).
 */
#ifndef MODEX_MM_PT_MEM_H
#define MODEX_MM_PT_MEM_H

#include "hv/include/types.h"

struct pt_mem_ops {
	int (*read)(void *ctx, u64 pa, u64 *val);
	int (*write)(void *ctx, u64 pa, u64 val);
	int (*cmpxchg)(void *ctx, u64 pa, u64 old, u64 val);
	int (*alloc)(void *ctx, u64 *pa); /* a zeroed 4 KiB page */
	void (*free)(void *ctx, u64 pa);
};

struct pt_mem {
	const struct pt_mem_ops *ops;
	void *ctx;
};

static inline int pt_mem_read(const struct pt_mem *m, u64 pa, u64 *val)
{
	return m->ops->read(m->ctx, pa, val);
}

static inline int pt_mem_write(const struct pt_mem *m, u64 pa, u64 val)
{
	return m->ops->write(m->ctx, pa, val);
}

static inline int pt_mem_cmpxchg(const struct pt_mem *m, u64 pa, u64 old,
				 u64 val)
{
	return m->ops->cmpxchg(m->ctx, pa, old, val);
}

/* Directly addressable memory: `p2v` must be valid for [lo, hi). */
struct pt_mem_direct {
	void *(*p2v)(u64 pa);
	int (*alloc_page)(u64 *pa); /* 0 or -E_NOMEM; the ops zero it */
	void (*free_page)(u64 pa);
	u64 lo, hi; /* addresses outside read as -E_FAULT */
};

extern const struct pt_mem_ops pt_mem_direct_ops;

static inline struct pt_mem pt_mem_direct(struct pt_mem_direct *d)
{
	return (struct pt_mem){ &pt_mem_direct_ops, d };
}

#endif /* MODEX_MM_PT_MEM_H */
