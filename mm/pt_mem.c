// SPDX-License-Identifier: MIT
/*
 * pt_mem ops for directly addressable memory (Modex's own tables at boot,
 * EPT01/NPT01): entries are read and written through a phys-to-virt
 * function, table pages come from the caller's page allocator.
 */
#include "mm/pt_mem.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"

static u64 *direct_ptr(struct pt_mem_direct *d, u64 pa)
{
	if ((pa & 7) || pa < d->lo || pa >= d->hi || d->hi - pa < 8)
		return NULL;
	return d->p2v(pa);
}

static int direct_read(void *ctx, u64 pa, u64 *val)
{
	u64 *p = direct_ptr(ctx, pa);

	if (!p)
		return -E_FAULT;
	*val = __atomic_load_n(p, __ATOMIC_RELAXED);
	return 0;
}

static int direct_write(void *ctx, u64 pa, u64 val)
{
	u64 *p = direct_ptr(ctx, pa);

	if (!p)
		return -E_FAULT;
	__atomic_store_n(p, val, __ATOMIC_RELAXED);
	return 0;
}

static int direct_cmpxchg(void *ctx, u64 pa, u64 old, u64 val)
{
	u64 *p = direct_ptr(ctx, pa);

	if (!p)
		return -E_FAULT;
	if (!__atomic_compare_exchange_n(p, &old, val, false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return -E_BUSY;
	return 0;
}

static int direct_alloc(void *ctx, u64 *pa)
{
	struct pt_mem_direct *d = ctx;
	void *v;
	int ret;

	if (!d->alloc_page)
		return -E_NOMEM;
	ret = d->alloc_page(pa);
	if (ret)
		return ret;
	v = direct_ptr(d, *pa);
	if (!v || (*pa & (PAGE_SIZE - 1)) || d->hi - *pa < PAGE_SIZE) {
		if (d->free_page)
			d->free_page(*pa);
		return -E_FAULT;
	}
	memset(v, 0, PAGE_SIZE);
	return 0;
}

static void direct_free(void *ctx, u64 pa)
{
	struct pt_mem_direct *d = ctx;

	if (d->free_page)
		d->free_page(pa);
}

const struct pt_mem_ops pt_mem_direct_ops = {
	.read = direct_read,
	.write = direct_write,
	.cmpxchg = direct_cmpxchg,
	.alloc = direct_alloc,
	.free = direct_free,
};
