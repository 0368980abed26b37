// SPDX-License-Identifier: MIT
/*
 * The generic page-table walker over format descriptors, with typed
 * results, optional accessed/dirty updates, and the exit information
 * (EPT-violation qualification, #NPF EXITINFO1) built from a walk.
 */
#include "mm/pt_walk.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"

/* Retries of a walk whose A/D update lost a race with another writer. */
#define PTW_AD_RETRIES 4

struct walk_trail {
	u64 pa[PT_MAX_LEVELS];
	u64 e[PT_MAX_LEVELS];
	unsigned n;
};

static enum pt_walk_status stop(struct pt_walk *w, enum pt_walk_status s)
{
	w->status = s;
	return s;
}

static enum pt_walk_status leaf_found(const struct pt_format *f, u64 addr,
				      const struct perm_table *perm,
				      struct pt_walk *w)
{
	w->page_size = pt_level_size(w->level);
	w->out = pt_entry_addr(f, w->level, w->entry) |
		 (addr & (w->page_size - 1));
	if (perm && perm_fault(perm, w->kind, w->acc))
		return stop(w, PTW_VIOLATION);
	return stop(w, PTW_OK);
}

/*
 * One pass from the root down. At most f->levels entries are read, so a
 * table that points at itself or an ancestor cannot make this loop.
 */
static enum pt_walk_status walk_once(const struct pt_format *f,
				     const struct pt_mem *m, u64 root, u64 addr,
				     const struct perm_table *perm,
				     struct pt_walk *w, struct walk_trail *t)
{
	u64 table = root & ~(PAGE_SIZE - 1);

	w->acc = ACC_MASK;
	t->n = 0;
	for (unsigned level = f->levels; level >= 1; level--) {
		u64 pa = table + 8 * pt_index(addr, level);
		u64 e;

		w->level = level;
		if (pt_mem_read(m, pa, &e)) {
			w->entry_pa = table;
			return stop(w, PTW_BAD_TABLE);
		}
		w->entry = e;
		w->entry_pa = pa;
		w->acc &= pt_entry_acc(f, e);
		t->pa[t->n] = pa;
		t->e[t->n++] = e;
		if (!pt_present(f, e))
			return stop(w, PTW_NOT_PRESENT);
		if (pt_check_entry(f, level, e) != PT_ENTRY_OK)
			return stop(w, PTW_MISCONFIG);
		if (pt_is_leaf(f, level, e))
			return leaf_found(f, addr, perm, w);
		table = pt_entry_addr(f, level, e);
	}
	/* Not reached: level 1 entries are always leaves. */
	return stop(w, PTW_MISCONFIG);
}

/*
 * Set accessed in every entry used and dirty in the leaf for a write
 * (SDM Vol. 3A 4.8, Vol. 3C 29.3.5; APM Vol. 2 5.4.1). Returns -E_BUSY if
 * an entry changed under us (the walk is then redone).
 */
static int set_ad(const struct pt_format *f, const struct pt_mem *m,
		  const struct walk_trail *t, bool write)
{
	u64 a = pt_accessed_bit(f), d = pt_dirty_bit(f);

	if (!a)
		return 0;
	for (unsigned i = 0; i < t->n; i++) {
		u64 want = t->e[i] | a;
		int ret;

		if (i == t->n - 1 && write)
			want |= d;
		if (want == t->e[i])
			continue;
		ret = pt_mem_cmpxchg(m, t->pa[i], t->e[i], want);
		if (ret)
			return ret;
	}
	return 0;
}

enum pt_walk_status pt_walk(const struct pt_format *f, const struct pt_mem *m,
			    u64 root, u64 addr, unsigned kind,
			    const struct perm_table *perm, unsigned flags,
			    struct pt_walk *w)
{
	struct walk_trail t;
	enum pt_walk_status s;

	memset(w, 0, sizeof(*w));
	w->kind = kind;
	if (addr >= pt_input_limit(f)) {
		w->level = f->levels;
		return stop(w, PTW_BAD_ADDR);
	}
	for (unsigned try = 0;; try++) {
		s = walk_once(f, m, root, addr, perm, w, &t);
		if (s != PTW_OK || !(flags & PTW_SET_AD))
			return s;
		if (set_ad(f, m, &t, pk_op(kind) == PK_WRITE) != -E_BUSY ||
		    try == PTW_AD_RETRIES)
			return s;
	}
}

u64 ept_violation_qual(const struct pt_walk *w, bool mbec, u64 extra)
{
	static const u64 op_bit[] = { EPTVQ_READ, EPTVQ_WRITE, EPTVQ_FETCH, 0 };
	u64 q = op_bit[pk_op(w->kind)];

	/* Bits 3-6: the AND over the EPT entries used (all 0 if absent). */
	if (w->acc & ACC_READ)
		q |= EPTVQ_R;
	if (w->acc & ACC_WRITE)
		q |= EPTVQ_W;
	if (w->acc & ACC_EXEC)
		q |= EPTVQ_XS;
	if (mbec && (w->acc & ACC_USER_EXEC))
		q |= EPTVQ_XU;
	return q | extra;
}

/*
 * APM Vol. 2 15.25.6. Without GMET every nested access is a user access
 * (U=1). Under GMET U is the access's mode; erratum 1218 makes hardware's
 * U unreliable for fetches, so the workaround reports CPL==3 there.
 */
u64 npt_exitinfo1(const struct pt_walk *w, const struct pt_format *f,
		  unsigned cpl, unsigned flags)
{
	unsigned op = pk_op(w->kind);
	bool gmet = pt_fmt_has(f, PTF_GMET);
	u64 v = 0;

	if (w->status != PTW_NOT_PRESENT)
		v |= NPF_P;
	if (w->status == PTW_MISCONFIG)
		v |= NPF_RSV;
	if (op == PK_WRITE)
		v |= NPF_W;
	if (!gmet)
		v |= NPF_U;
	else if (op == PK_FETCH && (flags & NPFI_ERRATUM_1218))
		v |= cpl == 3 ? NPF_U : 0;
	else if (pk_is_user(w->kind))
		v |= NPF_U;
	if (op == PK_FETCH &&
	    (pt_fmt_has(f, PTF_NXE) || (flags & NPFI_HOST_SMEP)))
		v |= NPF_ID;
	if (flags & NPFI_FINAL)
		v |= NPF_FINAL;
	if (flags & NPFI_GUEST_WALK)
		v |= NPF_GUEST_WALK;
	return v;
}
