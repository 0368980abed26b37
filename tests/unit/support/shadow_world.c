// SPDX-License-Identifier: MIT
/*
 * The shadow tests' world (tests/unit/support/shadow_world.h): fake L1
 * memory, a fake L0 stage 2, fake Modex memory for shadow tables, and the
 * expected composition computed from the reference model alone.
 */
#include "tests/unit/support/shadow_world.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/include/err.h"
#include "tests/unit/support/rng.h"

/* Set-up that cannot fail unless the test itself is wrong. */
#define SW_MUST(cond)                                                      \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, \
				#cond);                                    \
			abort();                                           \
		}                                                          \
	} while (0)

static bool bad(const char *what, u64 l2, int op, int u, u64 got, u64 want);

/* ------------------------------------------------------ fake L0 stage 2 */

static u64 mix(u64 a, u64 b)
{
	u64 s = (a ^ (b * 0x9e3779b97f4a7c15ULL)) | 1;

	rng_next(&s);
	return rng_next(&s);
}

static u64 ept_attr_of(u64 h)
{
	static const u64 mts[] = { EPT_MT_UC, EPT_MT_WC, EPT_MT_WT, EPT_MT_WP,
				   EPT_MT_WB };

	return (mts[h % 5] << EPTE_MT_SHIFT) | ((h >> 8) & 1 ? EPTE_IPAT : 0);
}

static u64 attr_of(const struct sw_l0 *m, u64 h)
{
	if (m->fmt.type == PT_EPT)
		return ept_attr_of(h);
	return (h & 1 ? PTE_PWT : 0) | (h & 2 ? PTE_PCD : 0) |
	       (h & 4 ? PTE_PAT_4K : 0);
}

/*
 * The random model: per 1 GiB region either uniform, or per 2 MiB region
 * a hole, uniform, or per 4 KiB page. Contiguous hpa throughout.
 */
static void l0_region(const struct sw_l0 *m, u64 gpa, u64 *bits, u64 *attr,
		      u64 *size)
{
	u64 h = mix(m->seed, gpa >> 30);

	if (h % 4 == 0) {
		*size = SZ_1G;
	} else {
		h = mix(m->seed + 1, gpa >> 21);
		*size = h % 3 == 0 ? SZ_4K : SZ_2M;
		if (h % 7 == 1) {
			*bits = 0;
			return;
		}
		if (*size == SZ_4K)
			h = mix(m->seed + 2, gpa >> 12);
	}
	*bits = m->choices[(h >> 16) % m->nr_choices];
	*attr = attr_of(m, h >> 24);
}

static void l0_entry(const struct sw_l0 *m, u64 gpa, u64 *bits, u64 *attr,
		     u64 *size)
{
	if (m->random) {
		l0_region(m, gpa, bits, attr, size);
		return;
	}
	*bits = gpa >= m->hole_lo && gpa < m->hole_hi ? 0 : m->bits;
	*attr = m->attr;
	*size = m->size;
}

static int l0_lookup(void *ctx, u64 gpa, u64 *hpa, acc_t *acc, u64 *attr,
		     u64 *size)
{
	const struct sw_l0 *m = ctx;
	u64 bits;

	l0_entry(m, gpa, &bits, attr, size);
	if (!bits)
		return -E_FAULT;
	*hpa = (gpa & PAGE_MASK) + m->off;
	*acc = pt_entry_acc(&m->fmt, bits);
	return 0;
}

/* --------------------------------------------------------- a test world */

static u32 ept_flags(const struct ref_ept_cfg *c)
{
	return (c->mbec ? PTF_MBEC : 0) | (c->exec_only ? PTF_EXEC_ONLY : 0) |
	       (c->ad_enabled ? PTF_AD : 0) | (c->pages_1g ? PTF_1G : 0) |
	       (c->pages_2m ? 0 : PTF_NO_2M);
}

static u32 npt_flags(const struct ref_npt_cfg *c)
{
	return (c->gmet ? PTF_GMET : 0) | (c->host_nxe ? PTF_NXE : 0) |
	       (c->pages_1g ? PTF_1G : 0);
}

static void world_mem(struct sw_world *w, unsigned max_pages)
{
	struct mmu_role r;

	fmem_init(&w->l1, 0, L1_PAGES, 1);
	fmem_init(&w->sh, SH_BASE, SH_PAGES, 0);
	w->l1_mem = fmem_pt_mem(&w->l1);
	w->sh_mem = fmem_pt_mem(&w->sh);
	w->env = (struct shadow_env){ .l1_mem = &w->l1_mem,
				      .l0_lookup = l0_lookup,
				      .ctx = &w->l0,
				      .shadow_mem = &w->sh_mem,
				      .max_pages = max_pages };
	SW_MUST(shadow_cache_init(&w->cache, &w->env) == 0);
	mmu_role_init(&r, &w->shf, false, false, false);
	perm_init(&w->sh_perm, &r);
}

/* EPT: L1's rules e1, L0's hardware rules e0 (geometry of the shadow). */
void sw_world_ept(struct sw_world *w, const struct ref_ept_cfg *e1,
		  const struct ref_ept_cfg *e0, unsigned max_pages)
{
	struct pt_format f1;

	memset(w, 0, sizeof(*w));
	w->ept = true;
	w->e1 = *e1;
	w->e0 = *e0;
	w->esh = *e0;
	w->esh.mbec = e1->mbec; /* vmcs02 takes MBEC from vmcs12 */
	SW_MUST(pt_format_init(&f1, PT_EPT, e1->maxphyaddr, ept_flags(e1)) ==
		0);
	SW_MUST(pt_format_init(&w->l0.fmt, PT_EPT, e0->maxphyaddr,
			       ept_flags(e0)) == 0);
	SW_MUST(pt_format_init(&w->shf, PT_EPT, w->esh.maxphyaddr,
			       ept_flags(&w->esh)) == 0);
	SW_MUST(shadow_role_init(&w->role, &f1, &w->l0.fmt) == 0);
	world_mem(w, max_pages);
}

void sw_world_npt(struct sw_world *w, const struct ref_npt_cfg *n1,
		  const struct ref_npt_cfg *n0, unsigned max_pages)
{
	struct pt_format f1;

	memset(w, 0, sizeof(*w));
	w->n1 = *n1;
	w->n0 = *n0;
	w->nsh = *n0;
	w->nsh.gmet = n1->gmet; /* vmcb02 takes GMET from vmcb12 */
	SW_MUST(pt_format_init(&f1, PT_NPT, n1->maxphyaddr, npt_flags(n1)) ==
		0);
	SW_MUST(pt_format_init(&w->l0.fmt, PT_NPT, n0->maxphyaddr,
			       npt_flags(n0)) == 0);
	SW_MUST(pt_format_init(&w->shf, PT_NPT, w->nsh.maxphyaddr,
			       npt_flags(&w->nsh)) == 0);
	SW_MUST(shadow_role_init(&w->role, &f1, &w->l0.fmt) == 0);
	world_mem(w, max_pages);
}

bool sw_world_fini(struct sw_world *w)
{
	bool ok;

	shadow_invalidate_all(&w->cache);
	ok = shadow_pages(&w->cache) == 0 && w->sh.live == 0;
	if (!ok)
		bad("shadow pages left", 0, 0, 0, w->sh.live, 0);
	fmem_fini(&w->l1);
	fmem_fini(&w->sh);
	return ok;
}

void sw_l0_uniform(struct sw_world *w, u64 bits, u64 size, u64 off)
{
	w->l0.random = false;
	w->l0.bits = bits;
	w->l0.size = size;
	w->l0.off = off;
	w->l0.attr = w->ept ? PT_ATTR_EPT_WB : 0;
	w->l0.hole_lo = w->l0.hole_hi = 0;
}

/* ------------------------------------------------ the model's answers */

static bool rd_fmem(void *ctx, u64 pa, u64 *val)
{
	u64 *p = fmem_ptr(ctx, pa);

	if (!p)
		return false;
	*val = *p;
	return true;
}

void sw_model_walk(struct sw_world *w, bool sh, u64 root, u64 gpa,
		   enum ref_access op, bool user, struct sw_walk *m)
{
	void *mem = sh ? (void *)&w->sh : (void *)&w->l1;

	if (w->ept) {
		struct ref_ept_req q = {
			.eptp = root, .gpa = gpa, .acc = op, .user_addr = user
		};
		struct ref_ept_result r;

		ref_ept_walk(sh ? &w->esh : &w->e1, &q, rd_fmem, mem, &r);
		*m = (struct sw_walk){ r.status,
				       r.level,
				       r.hpa,
				       r.qual,
				       r.nr_entries ?
					       r.entries[r.nr_entries - 1] :
					       0,
				       r.r,
				       r.w,
				       r.xs,
				       r.xu };
	} else {
		struct ref_npt_req q = {
			.ncr3 = root, .gpa = gpa, .acc = op, .cpl = user ? 3 : 0
		};
		struct ref_npt_result r;

		ref_npt_walk(sh ? &w->nsh : &w->n1, &q, rd_fmem, mem, &r);
		*m = (struct sw_walk){
			.status = r.status,
			.level = r.level,
			.out = r.hpa,
			.info = r.exitinfo1,
			.leaf = r.nr_entries ? r.entries[r.nr_entries - 1] : 0
		};
	}
}

/* The model's rule on L0's entry for the L1 GPA. */
static bool l0_grants(struct sw_world *w, u64 bits, enum ref_access op,
		      bool user)
{
	if (!bits)
		return false;
	if (w->ept)
		return !ref_ept_denies(&w->e0, bits & 1, bits & 2, bits & 4,
				       bits & BIT(10), op, user);
	return !ref_npt_denies(&w->n0, bits & 2, bits & 4, bits & BIT(63), op,
			       user ? 3 : 0);
}

/* Does the shadow's hardware role tell user from supervisor for op?
 * MBEC (EPT) and GMET (NPT) do so for fetches only. */
static bool distinguishes(struct sw_world *w, enum ref_access op)
{
	return op == REF_FETCH && (w->ept ? w->esh.mbec : w->nsh.gmet);
}

static bool l1_dirty(struct sw_world *w, u64 leaf)
{
	if (w->ept)
		return !w->e1.ad_enabled || (leaf & BIT(9));
	return leaf & PTE_D;
}

static void expect_at(struct sw_world *w, u64 root, u64 l2, struct sw_expect *x)
{
	memset(x, 0, sizeof(*x));
	for (int op = 0; op < 3; op++)
		for (int u = 0; u < 2; u++) {
			struct sw_walk *m = &x->l1[op][u];

			sw_model_walk(w, false, root, l2, op, u, m);
			if (m->status == REF_OK)
				x->l1_ok |= KIND_BIT(op, u);
		}
	for (int op = 0; op < 3; op++)
		for (int u = 0; u < 2; u++) {
			const struct sw_walk *m = &x->l1[op][u];

			if (m->status != REF_OK)
				continue;
			l0_entry(&w->l0, m->out, &x->l0_bits, &x->l0_attr,
				 &x->l0_size);
			if (l0_grants(w, x->l0_bits, op, u))
				x->l0_ok |= KIND_BIT(op, u);
		}
	for (int op = 0; op < 3; op++)
		for (int u = 0; u < 2; u++) {
			unsigned both = KIND_BIT(op, u);

			if (!distinguishes(w, op))
				both |= KIND_BIT(op, !u);
			if ((x->l1_ok & x->l0_ok & both) == both)
				x->grant |= KIND_BIT(op, u);
		}
	/* A clean leaf of a table with dirty flags is not writable yet
	 * (checked after the fault, which sets D for a write). */
	for (int u = 0; u < 2; u++)
		if ((x->grant & KIND_BIT(REF_WRITE, u)) &&
		    !l1_dirty(w, x->l1[REF_WRITE][u].leaf))
			x->grant &= ~KIND_BIT(REF_WRITE, u);
}

static enum shadow_result expected_result(const struct sw_expect *x, int op,
					  int u)
{
	switch (x->l1[op][u].status) {
	case REF_OK:
		break;
	case REF_MISCONFIG:
	case REF_RSVD:
		return SH_L1_MISCONFIG;
	case REF_MEM_ERROR:
		return SH_BAD_TABLE;
	default:
		return SH_L1_FAULT;
	}
	return (x->grant & KIND_BIT(op, u)) ? SH_FIXED : SH_L0_FAULT;
}

/* ---------------------------------------------------------- reporting */

unsigned long sw_cases, sw_bad_n;
static unsigned long n_result[SH_INTERNAL + 1];

static bool bad(const char *what, u64 l2, int op, int u, u64 got, u64 want)
{
	sw_bad_n++;
	if (sw_bad_n <= 12)
		fprintf(stderr,
			"  MISMATCH %s: l2 %#" PRIx64
			" op %d user %d: got %#" PRIx64 " want %#" PRIx64 "\n",
			what, l2, op, u, got, want);
	return false;
}

/* mm's exit information for L1's walk, as the vendor code will build it. */
static u64 exit_info(struct sw_world *w, const struct pt_walk *l1, int u)
{
	if (w->ept)
		return ept_violation_qual(l1, w->e1.mbec, 0);
	return npt_exitinfo1(l1, &w->role.l1_fmt, u ? 3 : 0,
			     NPFI_FINAL | (w->n1.gmet ? NPFI_ERRATUM_1218 : 0));
}

/*
 * The shadow at l2, walked by the model for every kind and by mm's
 * walker: it grants what `mode` says, translating to L0's hpa, with a
 * leaf at `level` (0: do not check).
 */
static bool check_shadow(struct sw_world *w, u64 root, u64 l2,
			 const struct sw_expect *x, enum sw_mode mode,
			 int level)
{
	unsigned model = 0, mm = 0;
	bool ok = true;

	for (int op = 0; op < 3; op++)
		for (int u = 0; u < 2; u++) {
			u64 hpa = x->l1[op][u].out + w->l0.off;
			struct pt_walk pw;
			struct sw_walk m;

			sw_model_walk(w, true, root, l2, op, u, &m);
			pt_walk(&w->shf, &w->sh_mem, root, l2, pk_make(op, u),
				&w->sh_perm, 0, &pw);
			if (pw.status == PTW_OK)
				mm |= KIND_BIT(op, u);
			if (m.status != REF_OK)
				continue;
			model |= KIND_BIT(op, u);
			if (m.out != hpa)
				ok = bad("shadow hpa", l2, op, u, m.out, hpa);
			if (level && m.level != level)
				ok = bad("shadow level", l2, op, u, m.level,
					 level);
		}
	if (mm != model)
		ok = bad("shadow grant mm vs model", l2, 0, 0, mm, model);
	if (mode == SW_EXACT && model != x->grant)
		ok = bad("shadow grant", l2, 0, 0, model, x->grant);
	if (mode == SW_NONE && model)
		ok = bad("shadow grant (none)", l2, 0, 0, model, 0);
	if (mode == SW_SUBSET && (model & ~x->grant))
		ok = bad("shadow grant (subset)", l2, 0, 0, model, x->grant);
	return ok;
}

/*
 * EPT with the same MBEC setting in L0 and L1: the shadow leaf's R, W,
 * XS (and XU with MBEC), ANDed by the model over the shadow's entries,
 * are the AND of the model's walk of L1's table and L0's entry.
 */
static bool check_ept_and(struct sw_world *w, u64 root, u64 l2,
			  const struct sw_walk *l1)
{
	u64 b0 = 0, a0, s0;
	struct sw_walk m;
	bool ok = true;

	if (!w->ept || w->e0.mbec != w->e1.mbec)
		return true;
	l0_entry(&w->l0, l1->out, &b0, &a0, &s0);
	sw_model_walk(w, true, root, l2, REF_READ, false, &m);
	if (m.r != (l1->r && (b0 & 1)))
		ok = bad("and R", l2, 0, 0, m.r, l1->r);
	if (m.w != (l1->w && (b0 & 2) && l1_dirty(w, l1->leaf)))
		ok = bad("and W", l2, 0, 0, m.w, l1->w);
	if (m.xs != (l1->xs && (b0 & 4)))
		ok = bad("and XS", l2, 0, 0, m.xs, l1->xs);
	if (w->e1.mbec && m.xu != (l1->xu && (b0 & BIT(10))))
		ok = bad("and XU", l2, 0, 0, m.xu, l1->xu);
	return ok;
}

/* The leaf's memory-type bits as pt_encode_leaf() takes them. */
static u64 attr_bits(struct sw_world *w, u64 leaf, int level)
{
	u64 pat = level > 1 ? PTE_PAT_LARGE : PTE_PAT_4K;

	if (w->ept)
		return leaf & (EPTE_MT_MASK | EPTE_IPAT);
	return (leaf & (PTE_PWT | PTE_PCD)) | (leaf & pat ? PTE_PAT_4K : 0);
}

/* The shadow leaf carries L0's memory type, never L1's. */
static bool check_attr(struct sw_world *w, u64 root, u64 l2,
		       const struct sw_expect *x)
{
	struct sw_walk m;

	for (int op = 0; op < 3; op++)
		for (int u = 0; u < 2; u++) {
			if (!(x->grant & KIND_BIT(op, u)))
				continue;
			sw_model_walk(w, true, root, l2, op, u, &m);
			if (attr_bits(w, m.leaf, m.level) != x->l0_attr)
				return bad("attr", l2, op, u,
					   attr_bits(w, m.leaf, m.level),
					   x->l0_attr);
			return true;
		}
	return true;
}

static bool info_comparable(struct sw_world *w, enum ref_status s)
{
	return s == REF_NOT_PRESENT || s == REF_VIOLATION ||
	       (!w->ept && s == REF_RSVD);
}

static int size_level(u64 size)
{
	return size >= SZ_1G ? 3 : size >= SZ_2M ? 2 : 1;
}

/* min(L1's leaf, L0's size, the shadow format's largest page). */
static int expected_level(struct sw_world *w, int l1_level, u64 l0_size)
{
	int lvl = MIN(l1_level, size_level(l0_size));
	bool g1 = w->ept ? w->esh.pages_1g : w->nsh.pages_1g;

	return MIN(lvl, g1 ? 3 : 2);
}

/*
 * One fault of kind (op, u) at l2 checked against the model: result,
 * L1 GPA, exit information, and the shadow afterwards (`fresh`: it was
 * empty before; level < 0: the leaf size is min(L1's, L0's, the shadow
 * format's)). The model's expectation is taken after the fault (a
 * write fault sets D).
 */
bool sw_fault_case(struct sw_world *w, u64 root, u64 l2, int op, int u,
		   bool fresh, int level)
{
	struct shadow_fault f;
	struct sw_expect x;
	enum shadow_result want;
	const struct sw_walk *m;
	bool ok = true;

	sw_cases++;
	shadow_fault(&w->cache, root, &w->role, l2, pk_make(op, u), &f);
	expect_at(w, root, l2, &x);
	m = &x.l1[op][u];
	want = expected_result(&x, op, u);
	n_result[want]++;
	if (level < 0)
		level = expected_level(w, m->level, x.l0_size);
	if (f.result != want)
		return bad("result", l2, op, u, f.result, want);
	if ((want == SH_FIXED || want == SH_L0_FAULT) && f.l1_gpa != m->out)
		ok = bad("l1_gpa", l2, op, u, f.l1_gpa, m->out);
	if (info_comparable(w, m->status) && exit_info(w, &f.l1, u) != m->info)
		ok = bad("exit info", l2, op, u, exit_info(w, &f.l1, u),
			 m->info);
	if (f.root != shadow_root(&w->cache, root, &w->role))
		ok = bad("root", l2, op, u, f.root, 0);
	if (want == SH_FIXED && !check_ept_and(w, f.root, l2, m))
		ok = false;
	if (want == SH_FIXED && !check_attr(w, f.root, l2, &x))
		ok = false;
	if (want == SH_FIXED || want == SH_L0_FAULT)
		ok = check_shadow(w, f.root, l2, &x, SW_EXACT,
				  want == SH_FIXED ? level : 0) &&
		     ok;
	else
		ok = check_shadow(w, f.root, l2, &x,
				  fresh ? SW_NONE : SW_SUBSET, 0) &&
		     ok;
	return ok;
}

const u64 sw_table_pa[5] = { 0, PT_PA, PD_PA, PDPT_PA, PML4_PA };
/* EPT entry bits of a 4-bit set: R, W, XS, XU (bit 10). */
u64 sw_ept_bits(unsigned p)
{
	return (p & 1 ? EPTE_R : 0) | (p & 2 ? EPTE_W : 0) |
	       (p & 4 ? EPTE_XS : 0) | (p & 8 ? EPTE_XU : 0);
}
/* NPT entry bits of a 4-bit set: P, RW, US, NX. */
u64 sw_npt_bits(unsigned p)
{
	return (p & 1 ? PTE_P : 0) | (p & 2 ? PTE_RW : 0) |
	       (p & 4 ? PTE_US : 0) | (p & 8 ? PTE_NX : 0);
}
u64 sw_leaf_target(int level)
{
	if (level == 3)
		return L1_TARGET;
	if (level == 2)
		return L1_TARGET + 7 * SZ_2M;
	return L1_TARGET + 9 * SZ_4K;
}
/*
 * L1's chain for L2_GPA: full-permission tables down to the leaf at
 * `level` with permission set p, the entry right above it with q.
 */
void sw_build_chain(struct sw_world *w, int level, unsigned p, unsigned q)
{
	u64 full = w->ept ? sw_ept_bits(15) : PTE_P | PTE_RW | PTE_US;
	u64 leaf_extra =
		w->ept ? (u64)EPT_MT_WB << EPTE_MT_SHIFT : PTE_A | PTE_D;

	for (int l = 1; l <= 4; l++)
		memset(fmem_ptr(&w->l1, sw_table_pa[l]), 0, PAGE_SIZE);
	for (int l = 4; l > level; l--) {
		u64 perm = l == level + 1 ?
				   (w->ept ? sw_ept_bits(q) : sw_npt_bits(q)) :
				   full;

		fmem_set(&w->l1, sw_table_pa[l] + 8 * pt_index(L2_GPA, l),
			 sw_table_pa[l - 1] | perm);
	}
	fmem_set(&w->l1, sw_table_pa[level] + 8 * pt_index(L2_GPA, level),
		 sw_leaf_target(level) |
			 (w->ept ? sw_ept_bits(p) : sw_npt_bits(p)) |
			 leaf_extra | (level > 1 ? PTE_PS : 0));
}
struct ref_ept_cfg sw_ept_cfg(bool mbec, bool exec_only)
{
	return (struct ref_ept_cfg){ .mbec = mbec,
				     .exec_only = exec_only,
				     .pages_2m = true,
				     .pages_1g = true,
				     .maxphyaddr = L1_MAXPHY };
}
struct ref_npt_cfg sw_npt_cfg(bool gmet, bool nxe)
{
	return (struct ref_npt_cfg){ .gmet = gmet,
				     .host_nxe = nxe,
				     .pages_1g = true,
				     .maxphyaddr = L1_MAXPHY };
}
static unsigned long seen[SH_INTERNAL + 1];
/* Counts since the last sw_report, by expected result. */
void sw_report(const char *what, unsigned long before)
{
	unsigned long d[SH_INTERNAL + 1];

	for (int i = 0; i <= SH_INTERNAL; i++) {
		d[i] = n_result[i] - seen[i];
		seen[i] = n_result[i];
	}
	fprintf(stderr,
		"%s: %lu cases (%lu fixed, %lu L1 faults, %lu L1 "
		"misconfigurations, %lu L0 faults, %lu bad tables), %lu "
		"mismatches\n",
		what, sw_cases - before, d[SH_FIXED], d[SH_L1_FAULT],
		d[SH_L1_MISCONFIG], d[SH_L0_FAULT], d[SH_BAD_TABLE], sw_bad_n);
}
