// SPDX-License-Identifier: MIT
/* Fake physical memory for mm/ tests (see mm_fake_mem.h). */
#include "tests/unit/support/mm_fake_mem.h"

#include <stdlib.h>
#include <string.h>

#include "hv/include/err.h"

void fmem_init(struct fmem *m, u64 base, u64 pages, u64 reserved)
{
	memset(m, 0, sizeof(*m));
	m->buf = calloc(pages, PAGE_SIZE);
	m->used = calloc(pages, 1);
	m->base = base;
	m->pages = pages;
	m->next = reserved;
	m->fail_after = -1;
	for (u64 i = 0; i < reserved && i < pages; i++)
		m->used[i] = 2;
}

void fmem_fini(struct fmem *m)
{
	free(m->buf);
	free(m->used);
	m->buf = NULL;
	m->used = NULL;
}

u64 *fmem_ptr(struct fmem *m, u64 pa)
{
	if ((pa & 7) || pa < m->base || pa - m->base >= m->pages * PAGE_SIZE)
		return NULL;
	return (u64 *)(m->buf + (pa - m->base));
}

u64 fmem_get(struct fmem *m, u64 pa)
{
	u64 *p = fmem_ptr(m, pa);

	return p ? *p : ~0ULL;
}

void fmem_set(struct fmem *m, u64 pa, u64 val)
{
	u64 *p = fmem_ptr(m, pa);

	if (p)
		*p = val;
}

static int f_read(void *ctx, u64 pa, u64 *val)
{
	struct fmem *m = ctx;
	u64 *p = fmem_ptr(m, pa);

	m->reads++;
	if (!p)
		return -E_FAULT;
	*val = *p;
	return 0;
}

static int f_write(void *ctx, u64 pa, u64 val)
{
	struct fmem *m = ctx;
	u64 *p = fmem_ptr(m, pa);

	m->writes++;
	if (!p)
		return -E_FAULT;
	*p = val;
	return 0;
}

static int f_cmpxchg(void *ctx, u64 pa, u64 old, u64 val)
{
	struct fmem *m = ctx;
	u64 *p = fmem_ptr(m, pa);

	m->cmpxchgs++;
	if (!p)
		return -E_FAULT;
	if (*p != old)
		return -E_BUSY;
	*p = val;
	m->log_pa[m->log_n % FMEM_LOG] = pa;
	m->log_val[m->log_n % FMEM_LOG] = val;
	m->log_n++;
	return 0;
}

static int f_alloc(void *ctx, u64 *pa)
{
	struct fmem *m = ctx;

	if (m->fail_after >= 0 && m->allocs >= m->fail_after)
		return -E_NOMEM;
	for (u64 n = 0; n < m->pages; n++) {
		u64 i = (m->next + n) % m->pages;

		if (m->used[i])
			continue;
		m->used[i] = 1;
		m->next = i + 1;
		memset(m->buf + i * PAGE_SIZE, 0, PAGE_SIZE);
		*pa = m->base + i * PAGE_SIZE;
		m->allocs++;
		m->live++;
		return 0;
	}
	return -E_NOMEM;
}

static void f_free(void *ctx, u64 pa)
{
	struct fmem *m = ctx;
	u64 i = (pa - m->base) / PAGE_SIZE;

	if (pa < m->base || i >= m->pages || m->used[i] != 1)
		abort(); /* a double free or a free of a foreign page */
	/* Poison so that use after free shows up in walks. */
	memset(m->buf + i * PAGE_SIZE, 0xa5, PAGE_SIZE);
	m->used[i] = 0;
	m->frees++;
	m->live--;
}

static const struct pt_mem_ops fmem_ops = {
	.read = f_read,
	.write = f_write,
	.cmpxchg = f_cmpxchg,
	.alloc = f_alloc,
	.free = f_free,
};

struct pt_mem fmem_pt_mem(struct fmem *m)
{
	return (struct pt_mem){ &fmem_ops, m };
}
