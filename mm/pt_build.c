// SPDX-License-Identifier: MIT
/*
 * The page-table builder: map, unmap and re-protect address ranges in any
 * format, choosing the largest pages that format and alignment allow,
 * splitting large pages when a sub-range changes and merging uniform
 * tables back into large pages. All memory access goes through pt_mem.
 */
#include "mm/pt_build.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"

enum range_op { OP_MAP, OP_UNMAP, OP_PROTECT };

struct range_ctx {
	struct pt *pt;
	enum range_op op;
	u64 va, end; /* normalized input range */
	u64 pa; /* output address of va (OP_MAP) */
	u64 tmpl[PT_MAX_LEVELS + 1]; /* leaf without address, per level */
	u64 perm_mask; /* entry bits OP_PROTECT replaces */
	unsigned max_leaf; /* highest level for new leaves */
	bool merge;
	bool alias; /* PTM_ALIAS: every page maps to pa itself */
};

static int range_table(struct range_ctx *c, u64 table, unsigned level,
		       u64 tbase);

static int rd(const struct pt *pt, u64 pa, u64 *e)
{
	return pt_mem_read(&pt->mem, pa, e) ? -E_FAULT : 0;
}

static int wr(const struct pt *pt, u64 pa, u64 e)
{
	return pt_mem_write(&pt->mem, pa, e) ? -E_FAULT : 0;
}

static bool entry_is_table(const struct pt_format *f, unsigned level, u64 e)
{
	return level > 1 && pt_present(f, e) && !pt_is_leaf(f, level, e) &&
	       pt_check_entry(f, level, e) == PT_ENTRY_OK;
}

/* Frees a table and the tables below it; never the pages leaves map. */
static void free_subtree(const struct pt *pt, u64 table, unsigned level)
{
	for (unsigned i = 0; level > 1 && i < PT_ENTRIES; i++) {
		u64 e;

		if (rd(pt, table + 8 * i, &e))
			break;
		if (entry_is_table(&pt->fmt, level, e))
			free_subtree(pt, pt_entry_addr(&pt->fmt, level, e),
				     level - 1);
	}
	if (pt->mem.ops->free)
		pt->mem.ops->free(pt->mem.ctx, table);
}

static int new_table(const struct pt *pt, u64 *table)
{
	if (!pt->mem.ops->alloc || pt->mem.ops->alloc(pt->mem.ctx, table))
		return -E_NOMEM;
	return 0;
}

/* Replace the large leaf e at `level` by a table of equivalent leaves. */
static int split_leaf(const struct pt *pt, u64 epa, unsigned level, u64 e)
{
	const struct pt_format *f = &pt->fmt;
	u64 base = pt_entry_addr(f, level, e), sub = pt_level_size(level - 1);
	u64 table;
	int ret;

	if (!pt_leaf_allowed(f, level - 1))
		return -E_NOSUPP;
	ret = new_table(pt, &table);
	if (ret)
		return ret;
	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		u64 ne =
			pt_leaf_relevel(f, level, level - 1, e, base + i * sub);

		ret = wr(pt, table + 8 * i, ne);
		if (ret)
			goto fail;
	}
	/* The table is complete before it becomes reachable. */
	ret = wr(pt, epa, pt_encode_table(f, level, table));
	if (!ret)
		return 0;
fail:
	free_subtree(pt, table, 1);
	return ret;
}

static int add_table(const struct pt *pt, u64 epa, unsigned level)
{
	u64 table;
	int ret = new_table(pt, &table);

	if (ret)
		return ret;
	ret = wr(pt, epa, pt_encode_table(&pt->fmt, level, table));
	if (ret)
		free_subtree(pt, table, 1);
	return ret;
}

/* The leaf the map operation wants at `level` for input address va. */
static u64 map_leaf(const struct range_ctx *c, unsigned level, u64 va)
{
	return c->tmpl[level] | (c->alias ? c->pa : c->pa + (va - c->va));
}

static bool can_map_leaf(const struct range_ctx *c, unsigned level, u64 va)
{
	u64 pa = c->alias ? c->pa : c->pa + (va - c->va);

	return level <= c->max_leaf && pt_leaf_allowed(&c->pt->fmt, level) &&
	       !(pa & (pt_level_size(level) - 1));
}

/*
 * After changing the table below the entry at epa: free it if empty, or
 * turn it back into one large leaf when all 512 leaves are contiguous and
 * alike (same permissions, attributes and A/D bits).
 */
static int collapse(const struct range_ctx *c, u64 epa, unsigned level,
		    u64 child)
{
	const struct pt *pt = c->pt;
	const struct pt_format *f = &pt->fmt;
	u64 e0, e, base, sub = pt_level_size(level - 1);
	bool empty = true, same;

	if (rd(pt, child, &e0))
		return -E_FAULT;
	base = pt_entry_addr(f, level - 1, e0);
	same = c->merge && c->op != OP_UNMAP && level <= c->max_leaf &&
	       pt_leaf_allowed(f, level) && pt_present(f, e0) &&
	       pt_is_leaf(f, level - 1, e0) &&
	       !(base & (pt_level_size(level) - 1));
	for (unsigned i = 0; i < PT_ENTRIES && (empty || same); i++) {
		if (rd(pt, child + 8 * i, &e))
			return -E_FAULT;
		empty = empty && !e;
		same = same &&
		       e == pt_leaf_with_addr(f, level - 1, e0, base + i * sub);
	}
	if (!empty && !same)
		return 0;
	e = empty ? 0 : pt_leaf_relevel(f, level - 1, level, e0, base);
	if (wr(pt, epa, e))
		return -E_FAULT;
	free_subtree(pt, child, 1);
	return 0;
}

static u64 protect_leaf(const struct range_ctx *c, unsigned level, u64 e)
{
	u64 ne = (e & ~c->perm_mask) | (c->tmpl[level] & c->perm_mask);

	return pt_present(&c->pt->fmt, ne) ? ne : 0;
}

/* An entry fully inside the range that can be set without descending. */
static int set_whole(const struct range_ctx *c, u64 epa, unsigned level, u64 va,
		     u64 e)
{
	const struct pt *pt = c->pt;
	bool table = entry_is_table(&pt->fmt, level, e);
	u64 ne = c->op == OP_MAP ? map_leaf(c, level, va) : 0;
	int ret;

	if (ne == e)
		return 0;
	ret = wr(pt, epa, ne);
	if (!ret && table)
		free_subtree(pt, pt_entry_addr(&pt->fmt, level, e), level - 1);
	return ret;
}

/* Does the large leaf e (at ebase) already map its part as asked? */
static bool leaf_unchanged(const struct range_ctx *c, unsigned level, u64 ebase,
			   u64 e)
{
	u64 pa;

	if (c->op == OP_PROTECT)
		return protect_leaf(c, level, e) == e;
	if (c->op == OP_UNMAP)
		return false;
	if (c->alias)
		return level == 1 && (c->tmpl[level] | c->pa) == e;
	if (ebase < c->va) {
		if (c->pa < c->va - ebase)
			return false;
		pa = c->pa - (c->va - ebase);
	} else {
		pa = c->pa + (ebase - c->va);
	}
	return (c->tmpl[level] | pa) == e;
}

/* Make the entry at epa a table (splitting a leaf) unless nothing to do. */
static int prepare_descent(struct range_ctx *c, u64 epa, unsigned level,
			   u64 ebase, u64 e, bool *skip)
{
	const struct pt *pt = c->pt;
	bool present = pt_present(&pt->fmt, e);

	*skip = false;
	if (!present && c->op != OP_MAP)
		*skip = true;
	else if (!present)
		return add_table(pt, epa, level);
	else if (pt_is_leaf(&pt->fmt, level, e) &&
		 leaf_unchanged(c, level, ebase, e))
		*skip = true;
	else if (pt_is_leaf(&pt->fmt, level, e))
		return split_leaf(pt, epa, level, e);
	return 0;
}

static int range_entry(struct range_ctx *c, u64 epa, unsigned level, u64 va,
		       bool whole)
{
	const struct pt *pt = c->pt;
	const struct pt_format *f = &pt->fmt;
	u64 e, child, ebase = va & ~(pt_level_size(level) - 1);
	bool skip;
	int ret;

	if (rd(pt, epa, &e))
		return -E_FAULT;
	if (pt_present(f, e) && pt_check_entry(f, level, e) != PT_ENTRY_OK)
		return -E_INVAL;
	if (whole && (c->op == OP_UNMAP ||
		      (c->op == OP_MAP && can_map_leaf(c, level, va))))
		return set_whole(c, epa, level, va, e);
	if (c->op == OP_PROTECT && pt_present(f, e) &&
	    pt_is_leaf(f, level, e) && whole) {
		u64 ne = protect_leaf(c, level, e);

		return ne == e ? 0 : wr(pt, epa, ne);
	}
	if (level == 1)
		return 0;
	ret = prepare_descent(c, epa, level, ebase, e, &skip);
	if (ret || skip)
		return ret;
	if (rd(pt, epa, &e))
		return -E_FAULT;
	child = pt_entry_addr(f, level, e);
	ret = range_table(c, child, level - 1, ebase);
	if (ret)
		return ret;
	return collapse(c, epa, level, child);
}

static int range_table(struct range_ctx *c, u64 table, unsigned level,
		       u64 tbase)
{
	u64 size = pt_level_size(level);
	u64 lo = MAX(c->va, tbase);
	u64 hi = MIN(c->end, tbase + size * PT_ENTRIES);

	for (u64 va = lo; va < hi;) {
		u64 ebase = va & ~(size - 1);
		u64 next = ebase + size;
		int ret;

		ret = range_entry(c, table + 8 * pt_index(va, level), level, va,
				  va == ebase && next <= c->end);
		if (ret)
			return ret;
		va = next;
	}
	return 0;
}

/*
 * Input range check and normalization. x86 linear addresses must be
 * canonical (SDM Vol. 3A 3.3.7.1) and are walked without their
 * sign-extension bits; other formats take addresses below 2^(walk width).
 */
static int norm_range(const struct pt_format *f, u64 va, u64 size, u64 *nva)
{
	u64 limit = pt_input_limit(f);
	u64 top = ~(limit / 2 - 1);

	if (!size || ((va | size) & (PAGE_SIZE - 1)))
		return -E_INVAL;
	if (f->type == PT_X86 && (va & top) == top)
		va &= limit - 1;
	else if (f->type == PT_X86 && (va & top))
		return -E_INVAL;
	if (va >= limit || size > limit - va)
		return -E_INVAL;
	if (f->type == PT_X86 && va < limit / 2 && va + size > limit / 2)
		return -E_INVAL;
	*nva = va;
	return 0;
}

static int range_setup(struct range_ctx *c, struct pt *pt, u64 va, u64 size,
		       acc_t acc, u64 attr, unsigned flags)
{
	const struct pt_format *f = &pt->fmt;
	int ret = norm_range(f, va, size, &c->va);

	if (ret)
		return ret;
	c->pt = pt;
	c->end = c->va + size;
	c->alias = flags & PTM_ALIAS;
	c->merge = !(flags & PTM_NO_MERGE) && !c->alias;
	c->max_leaf = (flags & (PTM_MAX_4K | PTM_ALIAS)) ? 1 :
		      (flags & PTM_MAX_2M)		 ? 2 :
							   f->levels;
	c->perm_mask = pt_perm_mask(f);
	memset(c->tmpl, 0, sizeof(c->tmpl));
	for (unsigned l = 1; l <= f->levels; l++) {
		if (!pt_leaf_allowed(f, l))
			continue;
		ret = pt_encode_leaf(f, l, 0, acc, attr, &c->tmpl[l], NULL);
		if (ret < 0)
			return ret;
		if (ret > 0 && !(flags & PTM_ROUND_DOWN))
			return -E_NOSUPP;
	}
	return 0;
}

int pt_init(struct pt *pt, const struct pt_format *f, const struct pt_mem *m)
{
	pt->fmt = *f;
	pt->mem = *m;
	pt->root = 0;
	return new_table(pt, &pt->root);
}

void pt_destroy(struct pt *pt)
{
	if (pt->root)
		free_subtree(pt, pt->root, pt->fmt.levels);
	pt->root = 0;
}

int pt_map(struct pt *pt, u64 va, u64 pa, u64 size, acc_t acc, u64 attr,
	   unsigned flags)
{
	struct range_ctx c;
	int ret = range_setup(&c, pt, va, size, acc, attr, flags);

	if (ret)
		return ret;
	if ((pa & (PAGE_SIZE - 1)) || (pa & ~pt->fmt.addr_mask) ||
	    (!c.alias &&
	     (((pa + size - 1) & ~(pt->fmt.addr_mask | (PAGE_SIZE - 1))) ||
	      pa + size < pa)))
		return -E_INVAL;
	c.pa = pa;
	/* A request that rounds down to nothing is an unmap. */
	c.op = c.tmpl[1] ? OP_MAP : OP_UNMAP;
	return range_table(&c, pt->root, pt->fmt.levels, 0);
}

int pt_unmap(struct pt *pt, u64 va, u64 size)
{
	struct range_ctx c;
	int ret = range_setup(&c, pt, va, size, 0, 0, PTM_ROUND_DOWN);

	if (ret)
		return ret;
	c.pa = 0;
	c.op = OP_UNMAP;
	return range_table(&c, pt->root, pt->fmt.levels, 0);
}

int pt_protect(struct pt *pt, u64 va, u64 size, acc_t acc, unsigned flags)
{
	struct range_ctx c;
	int ret = range_setup(&c, pt, va, size, acc, 0, flags);

	if (ret)
		return ret;
	c.pa = 0;
	c.op = c.tmpl[1] ? OP_PROTECT : OP_UNMAP;
	return range_table(&c, pt->root, pt->fmt.levels, 0);
}

enum pt_walk_status pt_lookup(const struct pt *pt, u64 va, struct pt_walk *w)
{
	u64 nva;

	if (norm_range(&pt->fmt, va & PAGE_MASK, PAGE_SIZE, &nva)) {
		memset(w, 0, sizeof(*w));
		w->level = pt->fmt.levels;
		w->status = PTW_BAD_ADDR;
		return PTW_BAD_ADDR;
	}
	return pt_walk(&pt->fmt, &pt->mem, pt->root,
		       nva | (va & (PAGE_SIZE - 1)), PK_READ, NULL, 0, w);
}

static u64 sign_extend(const struct pt_format *f, u64 va)
{
	u64 limit = pt_input_limit(f);

	if (f->type == PT_X86 && (va & (limit / 2)))
		va |= ~(limit - 1);
	return va;
}

static int leaves_in(const struct pt *pt, u64 table, unsigned level, u64 tbase,
		     pt_leaf_fn fn, void *arg)
{
	const struct pt_format *f = &pt->fmt;

	for (unsigned i = 0; i < PT_ENTRIES; i++) {
		u64 va = tbase + i * pt_level_size(level), e;
		int ret;

		if (rd(pt, table + 8 * i, &e))
			return -E_FAULT;
		if (!pt_present(f, e))
			continue;
		if (pt_check_entry(f, level, e) != PT_ENTRY_OK)
			return -E_INVAL;
		if (pt_is_leaf(f, level, e))
			ret = fn(arg, sign_extend(f, va), e, level);
		else
			ret = leaves_in(pt, pt_entry_addr(f, level, e),
					level - 1, va, fn, arg);
		if (ret)
			return ret;
	}
	return 0;
}

int pt_for_each_leaf(const struct pt *pt, pt_leaf_fn fn, void *arg)
{
	return leaves_in(pt, pt->root, pt->fmt.levels, 0, fn, arg);
}
