// SPDX-License-Identifier: MIT
/*
 * Shadow stage-2 tables (EPT02 / NPT02) built on demand from L1's tables
 * (EPT12 / NPT12) and L0's stage 2, vendor neutral. Owns the per-vCPU
 * cache of contexts, its page budget and recycling, and the composition
 * rule: a shadow leaf grants an access kind only if L1's walk and L0's
 * entry both grant it (DESIGN.md section 3, REFERENCE.md section 3).
 *
 * Context: one vCPU's exit path, on its own CPU; no locks are taken.
 */
#include "nested/shadow.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"

/* Kinds (bit k = access kind k, mm/access.h) that are writes. */
#define KINDS_WRITE 0x2222u

/* EPTP bits 51:12 / nCR3's table address (SDM Vol. 3C 25.6.11, APM
 * Vol. 2 15.25.4): the rest of the pointer is role, not identity. */
#define ROOT_ADDR_MASK 0x000ffffffffff000ULL

/* ------------------------------------------ budget-counting memory */

static const struct pt_mem *env_mem(const struct shadow_ctx *x)
{
	return x->cache->env.shadow_mem;
}

static int sh_read(void *ctx, u64 pa, u64 *val)
{
	return pt_mem_read(env_mem(ctx), pa, val);
}

static int sh_write(void *ctx, u64 pa, u64 val)
{
	return pt_mem_write(env_mem(ctx), pa, val);
}

static int sh_cmpxchg(void *ctx, u64 pa, u64 old, u64 val)
{
	return pt_mem_cmpxchg(env_mem(ctx), pa, old, val);
}

static int sh_alloc(void *ctx, u64 *pa)
{
	struct shadow_ctx *x = ctx;
	struct shadow_cache *c = x->cache;
	const struct pt_mem *m = c->env.shadow_mem;
	int ret;

	if (c->pages >= c->env.max_pages)
		return -E_NOMEM;
	ret = m->ops->alloc(m->ctx, pa);
	if (ret)
		return -E_NOMEM;
	c->pages++;
	x->pages++;
	c->stats.pages = c->pages;
	c->stats.pages_peak = MAX(c->stats.pages_peak, (u64)c->pages);
	return 0;
}

static void sh_free(void *ctx, u64 pa)
{
	struct shadow_ctx *x = ctx;
	struct shadow_cache *c = x->cache;
	const struct pt_mem *m = c->env.shadow_mem;

	c->pages--;
	x->pages--;
	c->stats.pages = c->pages;
	/* Cached translations may still point into this page. */
	c->flush = true;
	if (m->ops->free)
		m->ops->free(m->ctx, pa);
}

int shadow_cache_init(struct shadow_cache *c, const struct shadow_env *env)
{
	const struct pt_mem *m = env->shadow_mem;

	if (!env->l1_mem || !env->l0_lookup || !m || !m->ops->alloc ||
	    env->max_pages < SHADOW_MIN_PAGES)
		return -E_INVAL;
	memset(c, 0, sizeof(*c));
	c->env = *env;
	c->mem_ops = (struct pt_mem_ops){
		.read = sh_read,
		.write = sh_write,
		.cmpxchg = sh_cmpxchg,
		.alloc = sh_alloc,
		.free = sh_free,
	};
	for (unsigned i = 0; i < SHADOW_CTX_MAX; i++)
		c->ctx[i].cache = c;
	return 0;
}

/* ------------------------------------------------------------ roles */

/*
 * The format the CPU walks the shadow with: L0's geometry (levels,
 * MAXPHYADDR, page sizes, NXE, exec-only) and L1's MBEC / GMET, since
 * vmcs02 / vmcb02 take MBEC / GMET from vmcs12 / vmcb12 (REFERENCE.md
 * section 3). An L1 format whose MBEC, GMET or execute-only entries L0's
 * hardware lacks, or an NPT12 with NX on an NPT01 without, cannot be
 * shadowed. A walk longer than L0's (5-level NPT12 under an L1 with
 * CR4.LA57, or 5-level EPT12, on 4-level tables) can, as long as every
 * guest-physical address (below 2^MAXPHYADDR, SDM Vol. 3A 4.1.4; APM
 * Vol. 2 15.25.5) is inside what the shorter walk translates: L2 never
 * reaches L1's upper entries beyond index 0.
 */
static int shadow_format(struct pt_format *sh, const struct pt_format *l1,
			 const struct pt_format *s)
{
	u32 mode = l1->type == PT_EPT ? PTF_MBEC : PTF_GMET;

	if (l1->type != s->type || (l1->type != PT_EPT && l1->type != PT_NPT))
		return -E_NOSUPP;
	if ((l1->flags & mode) && !(s->flags & mode))
		return -E_NOSUPP;
	if ((l1->flags & PTF_EXEC_ONLY) && !(s->flags & PTF_EXEC_ONLY))
		return -E_NOSUPP;
	if (l1->levels > s->levels &&
	    (1ULL << l1->maxphyaddr) > pt_input_limit(s))
		return -E_NOSUPP;
	/* L1's NX needs an NX bit in the shadow (APM Vol. 2 15.25.5). */
	if (l1->type == PT_NPT && (l1->flags & PTF_NXE) &&
	    !(s->flags & PTF_NXE))
		return -E_NOSUPP;
	*sh = *s;
	sh->flags = (s->flags & ~mode) | (l1->flags & mode);
	return 0;
}

int shadow_role_init(struct shadow_role *r, const struct pt_format *l1_fmt,
		     const struct pt_format *s_fmt)
{
	struct pt_format sh;
	int ret = shadow_format(&sh, l1_fmt, s_fmt);

	if (ret)
		return ret;
	r->l1_fmt = *l1_fmt;
	r->s_fmt = *s_fmt;
	return 0;
}

static bool fmt_equal(const struct pt_format *a, const struct pt_format *b)
{
	return a->type == b->type && a->levels == b->levels &&
	       a->maxphyaddr == b->maxphyaddr &&
	       a->leaf_levels == b->leaf_levels && a->flags == b->flags &&
	       a->addr_mask == b->addr_mask && a->rsvd_high == b->rsvd_high;
}

static bool role_equal(const struct shadow_role *a, const struct shadow_role *b)
{
	return fmt_equal(&a->l1_fmt, &b->l1_fmt) &&
	       fmt_equal(&a->s_fmt, &b->s_fmt);
}

static void perm_of(struct perm_table *t, const struct pt_format *f)
{
	struct mmu_role r;

	mmu_role_init(&r, f, false, false, false);
	perm_init(t, &r);
}

/* --------------------------------------------------------- contexts */

static void ctx_drop(struct shadow_ctx *x)
{
	if (!x->valid)
		return;
	pt_destroy(&x->pt);
	x->valid = false;
}

static struct shadow_ctx *ctx_find(struct shadow_cache *c, u64 l1_root,
				   const struct shadow_role *role)
{
	for (unsigned i = 0; i < SHADOW_CTX_MAX; i++) {
		struct shadow_ctx *x = &c->ctx[i];

		if (x->valid && x->l1_root == l1_root &&
		    role_equal(&x->role, role))
			return x;
	}
	return NULL;
}

/* The least recently used valid context other than keep, or NULL. */
static struct shadow_ctx *ctx_lru(struct shadow_cache *c,
				  const struct shadow_ctx *keep)
{
	struct shadow_ctx *best = NULL;

	for (unsigned i = 0; i < SHADOW_CTX_MAX; i++) {
		struct shadow_ctx *x = &c->ctx[i];

		if (x->valid && x != keep &&
		    (!best || x->last_use < best->last_use))
			best = x;
	}
	return best;
}

/*
 * Make room for `need` pages: drop least recently used contexts other
 * than keep until enough of the budget is free; if that is not enough,
 * reset keep itself (its tables go, a new empty root comes). Returns
 * false when keep could not get a root again (it is then invalid).
 */
static bool make_room(struct shadow_cache *c, struct shadow_ctx *keep,
		      unsigned need)
{
	struct shadow_ctx *v;

	while (c->env.max_pages - c->pages < need && (v = ctx_lru(c, keep))) {
		ctx_drop(v);
		c->stats.recycles++;
	}
	if (!keep || c->env.max_pages - c->pages >= need)
		return true;
	c->stats.recycles++;
	pt_destroy(&keep->pt);
	if (pt_init(&keep->pt, &keep->sh_fmt,
		    &(struct pt_mem){ &c->mem_ops, keep })) {
		keep->valid = false;
		return false;
	}
	return true;
}

static int ctx_setup(struct shadow_cache *c, struct shadow_ctx *x, u64 l1_root,
		     const struct shadow_role *role)
{
	struct pt_mem mem = { &c->mem_ops, x };
	int ret = pt_init(&x->pt, &x->sh_fmt, &mem);

	if (ret == -E_NOMEM) {
		/* Every valid context holds at least its root page. */
		make_room(c, NULL, 1);
		ret = pt_init(&x->pt, &x->sh_fmt, &mem);
	}
	if (ret)
		return ret;
	x->valid = true;
	x->l1_root = l1_root;
	x->role = *role;
	perm_of(&x->l1_perm, &role->l1_fmt);
	perm_of(&x->l0_perm, &role->s_fmt);
	perm_of(&x->sh_perm, &x->sh_fmt);
	c->stats.contexts++;
	return 0;
}

/* Find or create the context; NULL if the role is bad or memory short. */
static struct shadow_ctx *ctx_get(struct shadow_cache *c, u64 l1_root,
				  const struct shadow_role *role, bool *bad)
{
	struct shadow_ctx *x;
	struct pt_format sh;

	*bad = false;
	l1_root &= ROOT_ADDR_MASK;
	x = ctx_find(c, l1_root, role);
	if (x) {
		x->last_use = ++c->clock;
		return x;
	}
	if (shadow_format(&sh, &role->l1_fmt, &role->s_fmt)) {
		*bad = true;
		return NULL;
	}
	for (unsigned i = 0; i < SHADOW_CTX_MAX && !x; i++)
		if (!c->ctx[i].valid)
			x = &c->ctx[i];
	if (!x) {
		x = ctx_lru(c, NULL);
		ctx_drop(x);
		c->stats.recycles++;
	}
	x->pages = 0;
	x->sh_fmt = sh;
	x->last_use = ++c->clock;
	if (ctx_setup(c, x, l1_root, role))
		return NULL;
	return x;
}

u64 shadow_root(struct shadow_cache *c, u64 l1_root,
		const struct shadow_role *role)
{
	bool bad;
	struct shadow_ctx *x = ctx_get(c, l1_root, role, &bad);

	return x ? x->pt.root : 0;
}

void shadow_invalidate_root(struct shadow_cache *c, u64 l1_root)
{
	l1_root &= ROOT_ADDR_MASK;
	for (unsigned i = 0; i < SHADOW_CTX_MAX; i++) {
		struct shadow_ctx *x = &c->ctx[i];

		if (x->valid && x->l1_root == l1_root) {
			ctx_drop(x);
			c->stats.invalidations++;
		}
	}
}

void shadow_invalidate_all(struct shadow_cache *c)
{
	for (unsigned i = 0; i < SHADOW_CTX_MAX; i++) {
		if (c->ctx[i].valid) {
			ctx_drop(&c->ctx[i]);
			c->stats.invalidations++;
		}
	}
}

bool shadow_take_flush(struct shadow_cache *c)
{
	bool f = c->flush;

	c->flush = false;
	return f;
}

/* ------------------------------------------------------ composition */

static unsigned popcount16(u16 v)
{
	unsigned n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

/*
 * The kinds an entry encoded from request `a` grants under the shadow's
 * role. The encoder may round a request down (EPT without MBEC grants X
 * only when both execute bits are asked, GMET has no supervisor-only
 * execute), so this judges what is written, not what is asked.
 */
static u16 encoded_kinds(const struct shadow_ctx *x, acc_t a)
{
	u64 e;
	acc_t g;

	if (pt_encode_leaf(&x->sh_fmt, 1, 0, a, 0, &e, &g) < 0 || !e)
		return 0;
	return perm_allowed_kinds(&x->sh_perm, g);
}

/*
 * The request to encode: one whose entry grants, under the shadow's role,
 * the largest subset of `target` (the kinds L1 and L0 both grant). The
 * plain AND of L1's and L0's acc is that request whenever the roles agree
 * on what the bits mean; they do not when L0's MBEC/GMET differs from
 * L1's (L0's U=0 means "both modes" under GMET and "no access" without
 * it, REFERENCE.md section 2), and then a search over every acc value
 * finds it. Ties go to the smallest acc value (deterministic).
 */
static acc_t pick_acc(const struct shadow_ctx *x, acc_t and, u16 target)
{
	acc_t best = 0;
	int best_n = 0;

	if (encoded_kinds(x, and) == target)
		return and;
	for (unsigned a = 0; a < ACC_NR_COMBOS; a++) {
		u16 k = encoded_kinds(x, (acc_t)a);
		int n = (int)popcount16(k);

		if (!(k & ~target) && n > best_n) {
			best = (acc_t)a;
			best_n = n;
		}
	}
	return best;
}

/*
 * The kinds of `set` that the shadow can grant without also granting a
 * kind outside it: where the shadow's role does not tell user from
 * supervisor for an operation (EPT without MBEC, NPT data accesses under
 * GMET, all of NPT without GMET), a kind stays only if its other-mode
 * twin is in the set too. (L0 granting supervisor-only execute to an L1
 * whose vmcs02 runs without MBEC, for example, grants L2 no execute.)
 */
static u16 expressible(const struct shadow_ctx *x, u16 set)
{
	u16 out = set;

	for (unsigned k = 0; k < PK_NR; k++) {
		unsigned twin = k ^ PK_USER;

		if ((set & (1u << k)) && !(set & (1u << twin)) &&
		    x->sh_perm.fault[k] == x->sh_perm.fault[twin])
			out &= ~(1u << k);
	}
	return out;
}

/* What L0 says about the L1 page the walk reached. */
struct l0_view {
	u64 hpa; /* of l1_gpa's 4 KiB page */
	acc_t acc;
	u64 attr;
	u64 size;
};

/*
 * The shadow leaf's level: the largest page no larger than L1's leaf and
 * L0's uniform size, that the shadow format has, and whose host address
 * is aligned (L0 promises contiguity, not alignment).
 */
static unsigned leaf_level(const struct shadow_ctx *x, u64 l1_page, u64 l1_gpa,
			   const struct l0_view *l0, u64 *hpa_base)
{
	u64 max = MIN(l1_page, l0->size);

	for (unsigned level = 3; level > 1; level--) {
		u64 sz = pt_level_size(level);
		u64 delta = (l1_gpa & PAGE_MASK) - (l1_gpa & ~(sz - 1));

		if (sz > max || !pt_leaf_allowed(&x->sh_fmt, level) ||
		    l0->hpa < delta || ((l0->hpa - delta) & (sz - 1)))
			continue;
		*hpa_base = l0->hpa - delta;
		return level;
	}
	*hpa_base = l0->hpa;
	return 1;
}

/* Map one shadow leaf, recycling once when the budget is exhausted. */
static int install(struct shadow_cache *c, struct shadow_ctx *x, u64 l2_base,
		   u64 hpa_base, u64 size, acc_t want, u64 attr)
{
	const unsigned flags = PTM_ROUND_DOWN | PTM_NO_MERGE;
	int ret = pt_map(&x->pt, l2_base, hpa_base, size, want, attr, flags);

	if (ret != -E_NOMEM)
		return ret;
	/* A new path needs at most one table per level below the root. */
	if (!make_room(c, x, x->sh_fmt.levels - 1u))
		return -E_NOMEM;
	return pt_map(&x->pt, l2_base, hpa_base, size, want, attr, flags);
}

static void count_result(struct shadow_cache *c, enum shadow_result r)
{
	switch (r) {
	case SH_FIXED:
		c->stats.fixed++;
		break;
	case SH_L1_FAULT:
	case SH_L1_MISCONFIG:
	case SH_BAD_TABLE:
		c->stats.reflected++;
		break;
	case SH_L0_FAULT:
		c->stats.l0_faults++;
		break;
	case SH_NOMEM:
		c->stats.nomem++;
		break;
	default:
		break;
	}
}

static enum shadow_result from_walk(struct pt_walk *w, struct shadow_fault *out)
{
	switch (w->status) {
	case PTW_OK:
		return SH_FIXED;
	case PTW_MISCONFIG:
		return SH_L1_MISCONFIG;
	case PTW_BAD_TABLE:
		out->l1_gpa = w->entry_pa;
		return SH_BAD_TABLE;
	case PTW_BAD_ADDR:
		/*
		 * Beyond what L1's walk translates (48 bits for a 4-level
		 * walk, SDM Vol. 3C 29.3.2; APM Vol. 2 15.25.5): no entry
		 * maps it, reported as not present at the top level.
		 */
		w->status = PTW_NOT_PRESENT;
		return SH_L1_FAULT;
	default:
		return SH_L1_FAULT;
	}
}

/*
 * L1 granted the access: compose with L0, install, and say whether the
 * faulting kind is now granted.
 */
static enum shadow_result compose(struct shadow_cache *c, struct shadow_ctx *x,
				  u64 l2_gpa, unsigned kind,
				  struct shadow_fault *out)
{
	const struct pt_walk *w = &out->l1;
	struct l0_view l0;
	u16 l1_kinds, l0_kinds, target;
	u64 hpa_base, entry, dirty = pt_dirty_bit(&x->role.l1_fmt);
	unsigned level;
	acc_t want, granted;
	int ret;

	out->l1_gpa = w->out;
	if (c->env.l0_lookup(c->env.ctx, w->out, &l0.hpa, &l0.acc, &l0.attr,
			     &l0.size))
		return SH_L0_FAULT;
	l1_kinds = perm_allowed_kinds(&x->l1_perm, w->acc);
	l0_kinds = expressible(x, perm_allowed_kinds(&x->l0_perm,
						     l0.acc & ACC_MASK));
	target = l1_kinds & l0_kinds;
	/*
	 * With accessed/dirty flags in L1's table (EPT12 with EPTP bit 6,
	 * SDM Vol. 3C 29.3.5; NPT12 always, its entries being long-mode
	 * entries, APM Vol. 2 5.4.1 and 15.25.5), a leaf that is not dirty
	 * yet must fault on the first write, so that the walk sets D.
	 */
	if (dirty && pk_op(kind) != PK_WRITE && !(w->entry & dirty))
		target &= ~KINDS_WRITE;
	want = pick_acc(x, w->acc & l0.acc, target);
	level = leaf_level(x, w->page_size, w->out, &l0, &hpa_base);
	ret = pt_encode_leaf(&x->sh_fmt, level, hpa_base, want, l0.attr, &entry,
			     &granted);
	if (ret < 0)
		return SH_INTERNAL;
	if (entry) {
		u64 size = pt_level_size(level);

		ret = install(c, x, l2_gpa & ~(size - 1), hpa_base, size, want,
			      l0.attr);
		if (ret == -E_NOMEM)
			return SH_NOMEM;
		if (ret)
			return SH_INTERNAL;
		out->acc = granted;
		out->page_size = size;
		c->stats.leaves[level]++;
	}
	if (entry && !perm_fault(&x->sh_perm, kind, granted))
		return SH_FIXED;
	if (!(l0_kinds & (1u << kind)))
		return SH_L0_FAULT;
	return SH_INTERNAL;
}

/* SDM Vol. 3C 29.3.7 (EPT memory type); SDM Vol. 3A 4.9.2, APM Vol. 2
 * 15.25.8 (NPT: PWT, PCD and PAT, bit 12 in large leaves). */
static u64 leaf_attr(const struct pt_format *f, unsigned level, u64 e)
{
	u64 pat = level > 1 ? PTE_PAT_LARGE : PTE_PAT_4K;

	if (f->type == PT_EPT)
		return e & PT_ATTR_EPT_MASK;
	return (e & (PTE_PWT | PTE_PCD)) | ((e & pat) ? PTE_PAT_4K : 0);
}

int shadow_l0_pt_lookup(const struct pt *l0, u64 l1_gpa, u64 *hpa, acc_t *acc,
			u64 *attr, u64 *size)
{
	struct pt_walk w;

	if (pt_lookup(l0, l1_gpa, &w) != PTW_OK)
		return -E_FAULT;
	*hpa = w.out & PAGE_MASK;
	*acc = w.acc;
	*attr = leaf_attr(&l0->fmt, w.level, w.entry);
	*size = w.page_size;
	return 0;
}

int shadow_fault(struct shadow_cache *c, u64 l1_root,
		 const struct shadow_role *role, u64 l2_gpa, unsigned kind,
		 struct shadow_fault *out)
{
	struct shadow_ctx *x;
	enum shadow_result r;
	unsigned flags;
	bool bad;

	memset(out, 0, sizeof(*out));
	c->stats.faults++;
	x = pk_valid(kind) ? ctx_get(c, l1_root, role, &bad) : NULL;
	if (!x) {
		r = (!pk_valid(kind) || bad) ? SH_INTERNAL : SH_NOMEM;
		goto done;
	}
	flags = pt_accessed_bit(&role->l1_fmt) ? PTW_SET_AD : 0;
	pt_walk(&role->l1_fmt, c->env.l1_mem, x->l1_root, l2_gpa, kind,
		&x->l1_perm, flags, &out->l1);
	r = from_walk(&out->l1, out);
	if (r == SH_FIXED)
		r = compose(c, x, l2_gpa, kind, out);
	out->root = x->valid ? x->pt.root : 0;
done:
	out->result = r;
	count_result(c, r);
	return r;
}
