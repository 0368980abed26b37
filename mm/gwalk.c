// SPDX-License-Identifier: MIT
/*
 * Guest page walk for emulation: guest x86 paging over a stage-2 EPT or
 * NPT, with the fault each stage would report.
 */
#include "mm/gwalk.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"

/*
 * Architectural bits used here (SDM Vol. 3A 2.5, 2.2.1); mm/ does not
 * include hv/include/x86.h, which carries instruction wrappers.
 */
#define GW_CR0_WP BIT(16)
#define GW_CR0_PG BIT(31)
#define GW_CR4_PAE BIT(5)
#define GW_CR4_LA57 BIT(12)
#define GW_CR4_SMEP BIT(20)
#define GW_CR4_SMAP BIT(21)
#define GW_EFER_LMA BIT(10)
#define GW_EFER_NXE BIT(11)

int gwalk_mode_init(struct gwalk_mode *g, u64 cr0, u64 cr3, u64 cr4, u64 efer,
		    unsigned maxphyaddr, u32 ptf_flags)
{
	u32 flags = ptf_flags & (PTF_AMD | PTF_1G);
	struct mmu_role r;
	int ret;

	memset(g, 0, sizeof(*g));
	g->paging = cr0 & GW_CR0_PG;
	if (g->paging && (!(efer & GW_EFER_LMA) || !(cr4 & GW_CR4_PAE)))
		return -E_NOSUPP;
	if (efer & GW_EFER_NXE)
		flags |= PTF_NXE;
	if (cr4 & GW_CR4_LA57)
		flags |= PTF_5LEVEL;
	ret = pt_format_init(&g->fmt, PT_X86, maxphyaddr, flags);
	if (ret)
		return ret;
	mmu_role_init(&r, &g->fmt, cr0 & GW_CR0_WP, cr4 & GW_CR4_SMEP,
		      cr4 & GW_CR4_SMAP);
	perm_init(&g->perm, &r);
	/* CR3 bits 11:0 are flags or PCID, not address bits. */
	g->cr3 = cr3 & g->fmt.addr_mask;
	/* SDM Vol. 3A 4.7: I/D is reported with SMEP or with NXE. */
	g->report_id = (cr4 & GW_CR4_SMEP) || (efer & GW_EFER_NXE);
	return 0;
}

static unsigned guest_kind(const struct gwalk_access *a)
{
	bool user = a->cpl == 3 && !a->implicit;
	unsigned kind = pk_make(a->op, user);

	/* SDM Vol. 3A 4.6.1: AC only exempts explicit supervisor data. */
	if (!user && a->ac && !a->implicit && a->op != PK_FETCH)
		kind |= PK_AC;
	return kind;
}

static bool s2_has_ad(const struct gwalk_stage2 *s2)
{
	return s2->fmt->type != PT_EPT || pt_fmt_has(s2->fmt, PTF_AD);
}

/*
 * Stage-2 translation of one guest-physical access. `walk` marks a guest
 * paging-structure access: a data access, and a write when the stage-2
 * tables track A/D (SDM Vol. 3C 29.3.3.2 for EPT; KVM and kvm-unit-tests'
 * npt_rw_pfwalk for NPT, where such #NPFs report W) or when the walker
 * itself will write a guest A/D bit.
 */
static bool s2_access(const struct gwalk_stage2 *s2, u64 gpa, unsigned kind,
		      unsigned flags, struct gwalk *w, u64 *hpa)
{
	enum pt_walk_status s;

	if (!s2) {
		*hpa = gpa;
		return true;
	}
	w->s2_kind = kind;
	w->s2_ad = s2_has_ad(s2);
	s = pt_walk(s2->fmt, s2->mem, s2->root, gpa, kind, s2->perm,
		    (flags & GWF_S2_SET_AD) ? PTW_SET_AD : 0, &w->s2);
	if (s != PTW_OK) {
		w->status = GW_S2;
		w->gpa = gpa;
		return false;
	}
	*hpa = w->s2.out;
	return true;
}

static unsigned walk_s2_kind(const struct gwalk_stage2 *s2,
			     const struct gwalk_access *a, bool write)
{
	bool user = s2 && s2->fmt->type == PT_NPT && a->cpl == 3;

	if (s2 && s2_has_ad(s2))
		write = true;
	return pk_make(write ? PK_WRITE : PK_READ, user);
}

static enum gwalk_status pf(struct gwalk *w, const struct gwalk_mode *g,
			    u32 err)
{
	unsigned op = pk_op(w->kind);

	err |= op == PK_WRITE ? PFEC_W : 0;
	err |= pk_is_user(w->kind) ? PFEC_U : 0;
	if (op == PK_FETCH && g->report_id)
		err |= PFEC_ID;
	w->pf_error = err;
	w->status = GW_PF;
	return GW_PF;
}

struct gtrail {
	u64 gpa[PT_MAX_LEVELS], hpa[PT_MAX_LEVELS], e[PT_MAX_LEVELS];
	unsigned n;
};

/* Non-canonical addresses raise #GP before any paging (SDM Vol. 3A 3.3.7.1). */
static bool canonical(const struct pt_format *f, u64 la, u64 *idx)
{
	u64 limit = pt_input_limit(f), top = ~(limit / 2 - 1);

	*idx = la & (limit - 1);
	return !(la & top) || (la & top) == top;
}

static enum gwalk_status read_gentry(const struct gwalk_stage2 *s2,
				     const struct pt_mem *gmem,
				     const struct gwalk_access *a, u64 gpa,
				     unsigned flags, struct gwalk *w,
				     struct gtrail *t)
{
	u64 hpa, e;

	if (!s2_access(s2, gpa, walk_s2_kind(s2, a, false), flags, w, &hpa))
		return GW_S2;
	if (pt_mem_read(gmem, hpa, &e)) {
		w->gpa = gpa;
		w->status = GW_BAD_MEM;
		return GW_BAD_MEM;
	}
	t->gpa[t->n] = gpa;
	t->hpa[t->n] = hpa;
	t->e[t->n++] = e;
	return GW_OK;
}

/* SDM Vol. 3A 4.5: the guest's 4-/5-level walk down to the leaf. */
static enum gwalk_status
guest_tables(const struct gwalk_mode *g, const struct gwalk_stage2 *s2,
	     const struct pt_mem *gmem, const struct gwalk_access *a,
	     unsigned flags, struct gwalk *w, struct gtrail *t, u64 *gpa)
{
	const struct pt_format *f = &g->fmt;
	u64 la, table = g->cr3;
	acc_t acc = ACC_MASK;

	if (!canonical(f, a->la, &la))
		return w->status = GW_GP;
	for (unsigned level = f->levels; level >= 1; level--) {
		enum gwalk_status s;
		u64 e;

		w->level = level;
		s = read_gentry(s2, gmem, a, table + 8 * pt_index(la, level),
				flags, w, t);
		if (s != GW_OK)
			return s;
		e = t->e[t->n - 1];
		if (!pt_present(f, e))
			return pf(w, g, 0);
		if (pt_check_entry(f, level, e) != PT_ENTRY_OK)
			return pf(w, g, PFEC_P | PFEC_RSVD);
		acc &= pt_entry_acc(f, e);
		if (pt_is_leaf(f, level, e)) {
			w->gacc = acc;
			*gpa = pt_entry_addr(f, level, e) |
			       (la & (pt_level_size(level) - 1));
			return GW_OK;
		}
		table = pt_entry_addr(f, level, e);
	}
	return pf(w, g, PFEC_P | PFEC_RSVD); /* not reached */
}

/*
 * Set the guest's accessed flags and, for a write, the leaf's dirty flag
 * (SDM Vol. 3A 4.8). These are writes to the guest's tables, so where the
 * stage 2 does not already treat table accesses as writes, each updated
 * entry is translated again as a write. -E_BUSY: an entry changed; redo.
 */
static int set_guest_ad(const struct gwalk_stage2 *s2,
			const struct pt_mem *gmem, const struct gwalk_access *a,
			unsigned flags, struct gwalk *w, const struct gtrail *t)
{
	for (unsigned i = 0; i < t->n; i++) {
		u64 want = t->e[i] | PTE_A, hpa = t->hpa[i];
		int ret;

		if (i == t->n - 1 && a->op == PK_WRITE)
			want |= PTE_D;
		if (want == t->e[i])
			continue;
		w->level = t->n - i; /* levels are walked from the top */
		if (s2 && !s2_has_ad(s2) &&
		    !s2_access(s2, t->gpa[i], walk_s2_kind(s2, a, true), flags,
			       w, &hpa))
			return -E_FAULT;
		ret = pt_mem_cmpxchg(gmem, hpa, t->e[i], want);
		if (ret == -E_FAULT) {
			w->gpa = t->gpa[i];
			w->status = GW_BAD_MEM;
		}
		if (ret)
			return ret;
	}
	return 0;
}

/* Guest paging for one attempt; GW_OK leaves the final GPA in *gpa. */
static enum gwalk_status guest_stage(const struct gwalk_mode *g,
				     const struct gwalk_stage2 *s2,
				     const struct pt_mem *gmem,
				     const struct gwalk_access *a,
				     unsigned flags, struct gwalk *w, u64 *gpa)
{
	for (unsigned try = 0;; try++) {
		struct gtrail t = { .n = 0 };
		enum gwalk_status s;
		int ret;

		s = guest_tables(g, s2, gmem, a, flags, w, &t, gpa);
		if (s != GW_OK)
			return s;
		/* The user-mode-address flag of SDM Vol. 3C 29.3.3.2. */
		w->user_la = w->gacc & ACC_USER;
		if (perm_fault(&g->perm, w->kind, w->gacc))
			return pf(w, g, PFEC_P);
		if (!(flags & GWF_SET_AD))
			return GW_OK;
		ret = set_guest_ad(s2, gmem, a, flags, w, &t);
		if (ret != -E_BUSY || try == 3)
			return ret ? w->status : GW_OK;
	}
}

enum gwalk_status gwalk(const struct gwalk_mode *g,
			const struct gwalk_stage2 *s2,
			const struct pt_mem *gmem, const struct gwalk_access *a,
			unsigned flags, struct gwalk *w)
{
	enum gwalk_status s;
	bool s2_user;
	u64 gpa, hpa;

	memset(w, 0, sizeof(*w));
	w->kind = guest_kind(a);
	if (!g->paging) {
		/* CR0.PG=0: every address is a user-mode address (MBEC). */
		gpa = a->la;
		w->user_la = true;
		w->gacc = ACC_MASK;
	} else {
		s = guest_stage(g, s2, gmem, a, flags, w, &gpa);
		if (s != GW_OK)
			return s;
	}
	/* MBEC classifies by linear address, GMET by CPL (REFERENCE.md 3). */
	s2_user = s2 && s2->fmt->type == PT_EPT ? w->user_la : a->cpl == 3;
	w->level = 0;
	if (!s2_access(s2, gpa, pk_make(a->op, s2_user), flags, w, &hpa)) {
		w->s2_final = true;
		return GW_S2;
	}
	w->gpa = gpa;
	w->hpa = hpa;
	w->status = GW_OK;
	return GW_OK;
}

u64 gwalk_ept_qual(const struct gwalk *w, const struct gwalk_mode *g, bool mbec,
		   bool advanced)
{
	u64 extra = EPTVQ_GLA_VALID;

	(void)g;
	if (w->s2_final) {
		extra |= EPTVQ_FINAL;
		/* SDM Vol. 3C 28.2.1: 9-11 describe the final translation. */
		if (advanced && w->user_la)
			extra |= EPTVQ_USER_LA;
		if (advanced && (w->gacc & ACC_WRITE))
			extra |= EPTVQ_WRITABLE_LA;
		if (advanced && !(w->gacc & ACC_EXEC))
			extra |= EPTVQ_NX_LA;
	} else if (w->s2_ad) {
		/*
		 * SDM Vol. 3C 29.3.3.2 and Table 29-7 (bit 1): with EPT A/D on,
		 * guest paging-structure accesses are writes for EPT violations
		 * and the processor sets both bit 0 and bit 1.
		 */
		extra |= EPTVQ_READ;
	}
	return ept_violation_qual(&w->s2, mbec, extra);
}

u64 gwalk_npt_exitinfo1(const struct gwalk *w, const struct pt_format *s2fmt,
			unsigned cpl, unsigned flags)
{
	flags &= ~(NPFI_FINAL | NPFI_GUEST_WALK);
	flags |= w->s2_final ? NPFI_FINAL : NPFI_GUEST_WALK;
	return npt_exitinfo1(&w->s2, s2fmt, cpl, flags);
}
