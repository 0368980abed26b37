// SPDX-License-Identifier: MIT
/*
 * Shadow stage-2 tables (nested/shadow.c) against the independent
 * reference model (tests/ref/ref_paging.c).
 *
 * Owns: fake L1 memory holding L1's tables (EPT12 / NPT12), a fake L0
 * stage 2 (l0_lookup over a uniform or a seeded random model), fake Modex
 * memory for the shadow tables, and the expected composition computed
 * from the model alone: an access kind is granted by the shadow exactly
 * when the model's walk of L1's table grants it, the model's rule grants
 * it on L0's entry, and (where the shadow's role cannot tell user from
 * supervisor for that operation) both grant the other mode too. Every
 * shadow the code builds is then walked by the model itself (and by mm's
 * walker) and must grant exactly that set, at the expected size and host
 * address.
 */
#include "nested/shadow.h"

#include "hv/include/err.h"
#include "tests/ref/ref_paging.h"
#include "tests/unit/harness.h"
#include "tests/unit/support/mm_fake_mem.h"
#include "tests/unit/support/rng.h"

#define L1_PAGES 64 /* L1 RAM: [0, 256 KiB) holds L1's tables */
#define SH_BASE 0x10000000000ULL /* Modex memory for shadow tables */
#define SH_PAGES 256
#define L1_MAXPHY 46
#define S_MAXPHY 48
#define HPA_OFF 0x100000000ULL /* L0: hpa = L1 GPA + 4 GiB */

/* ------------------------------------------------------ fake L0 stage 2 */

struct l0_model {
	struct pt_format fmt; /* L0's format: decodes `bits` */
	u64 bits; /* uniform: L0 leaf permission bits, 0 = unmapped */
	u64 attr, size, off;
	u64 hole_lo, hole_hi; /* unmapped range */
	bool random; /* per-region bits/attr/size from seed */
	u64 seed;
	const u64 *choices; /* random: bits to choose from */
	unsigned nr_choices;
};

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

static u64 attr_of(const struct l0_model *m, u64 h)
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
static void l0_region(const struct l0_model *m, u64 gpa, u64 *bits, u64 *attr,
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

static void l0_entry(const struct l0_model *m, u64 gpa, u64 *bits, u64 *attr,
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
	const struct l0_model *m = ctx;
	u64 bits;

	l0_entry(m, gpa, &bits, attr, size);
	if (!bits)
		return -E_FAULT;
	*hpa = (gpa & PAGE_MASK) + m->off;
	*acc = pt_entry_acc(&m->fmt, bits);
	return 0;
}

/* --------------------------------------------------------- a test world */

struct world {
	bool ept;
	struct fmem l1, sh;
	struct pt_mem l1_mem, sh_mem;
	struct l0_model l0;
	struct shadow_env env;
	struct shadow_cache cache;
	struct shadow_role role;
	struct pt_format shf; /* the shadow as the CPU walks it */
	struct perm_table sh_perm;
	struct ref_ept_cfg e1, esh; /* L1's and the shadow's EPT rules */
	struct ref_npt_cfg n1, nsh;
	struct ref_ept_cfg e0; /* L0's rules (decide L0's grant) */
	struct ref_npt_cfg n0;
};

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

static void world_mem(struct world *w, unsigned max_pages)
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
	REQUIRE(shadow_cache_init(&w->cache, &w->env) == 0);
	mmu_role_init(&r, &w->shf, false, false, false);
	perm_init(&w->sh_perm, &r);
}

/* EPT: L1's rules e1, L0's hardware rules e0 (geometry of the shadow). */
static void world_ept(struct world *w, const struct ref_ept_cfg *e1,
		      const struct ref_ept_cfg *e0, unsigned max_pages)
{
	struct pt_format f1;

	memset(w, 0, sizeof(*w));
	w->ept = true;
	w->e1 = *e1;
	w->e0 = *e0;
	w->esh = *e0;
	w->esh.mbec = e1->mbec; /* vmcs02 takes MBEC from vmcs12 */
	REQUIRE(pt_format_init(&f1, PT_EPT, e1->maxphyaddr, ept_flags(e1)) ==
		0);
	REQUIRE(pt_format_init(&w->l0.fmt, PT_EPT, e0->maxphyaddr,
			       ept_flags(e0)) == 0);
	REQUIRE(pt_format_init(&w->shf, PT_EPT, w->esh.maxphyaddr,
			       ept_flags(&w->esh)) == 0);
	REQUIRE(shadow_role_init(&w->role, &f1, &w->l0.fmt) == 0);
	world_mem(w, max_pages);
}

static void world_npt(struct world *w, const struct ref_npt_cfg *n1,
		      const struct ref_npt_cfg *n0, unsigned max_pages)
{
	struct pt_format f1;

	memset(w, 0, sizeof(*w));
	w->n1 = *n1;
	w->n0 = *n0;
	w->nsh = *n0;
	w->nsh.gmet = n1->gmet; /* vmcb02 takes GMET from vmcb12 */
	REQUIRE(pt_format_init(&f1, PT_NPT, n1->maxphyaddr, npt_flags(n1)) ==
		0);
	REQUIRE(pt_format_init(&w->l0.fmt, PT_NPT, n0->maxphyaddr,
			       npt_flags(n0)) == 0);
	REQUIRE(pt_format_init(&w->shf, PT_NPT, w->nsh.maxphyaddr,
			       npt_flags(&w->nsh)) == 0);
	REQUIRE(shadow_role_init(&w->role, &f1, &w->l0.fmt) == 0);
	world_mem(w, max_pages);
}

static void world_fini(struct world *w)
{
	shadow_invalidate_all(&w->cache);
	CHECK_EQ(shadow_pages(&w->cache), 0);
	CHECK_EQ(w->sh.live, 0);
	fmem_fini(&w->l1);
	fmem_fini(&w->sh);
}

static void l0_uniform(struct world *w, u64 bits, u64 size, u64 off)
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

/* One walk by the model, of L1's table (sh=false) or the shadow. */
struct mwalk {
	enum ref_status status;
	int level;
	u64 out; /* OK: output address */
	u64 info; /* faults: EPT qualification bits 0-6 / EXITINFO1 */
	u64 leaf; /* last entry read */
	bool r, w, xs, xu; /* EPT: AND over the entries */
};

static void model_walk(struct world *w, bool sh, u64 root, u64 gpa,
		       enum ref_access op, bool user, struct mwalk *m)
{
	void *mem = sh ? (void *)&w->sh : (void *)&w->l1;

	if (w->ept) {
		struct ref_ept_req q = {
			.eptp = root, .gpa = gpa, .acc = op, .user_addr = user
		};
		struct ref_ept_result r;

		ref_ept_walk(sh ? &w->esh : &w->e1, &q, rd_fmem, mem, &r);
		*m = (struct mwalk){ r.status,
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
		*m = (struct mwalk){
			.status = r.status,
			.level = r.level,
			.out = r.hpa,
			.info = r.exitinfo1,
			.leaf = r.nr_entries ? r.entries[r.nr_entries - 1] : 0
		};
	}
}

/* The model's rule on L0's entry for the L1 GPA. */
static bool l0_grants(struct world *w, u64 bits, enum ref_access op, bool user)
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
static bool distinguishes(struct world *w, enum ref_access op)
{
	return op == REF_FETCH && (w->ept ? w->esh.mbec : w->nsh.gmet);
}

#define KIND_BIT(op, user) (1u << ((op)*2 + (user)))

/* What the model says for every kind at l2: L1, L0 and the shadow. */
struct expect {
	struct mwalk l1[3][2];
	u64 l0_bits, l0_attr, l0_size;
	unsigned l1_ok, l0_ok, grant; /* KIND_BIT sets */
};

static bool l1_dirty(struct world *w, u64 leaf)
{
	if (w->ept)
		return !w->e1.ad_enabled || (leaf & BIT(9));
	return leaf & PTE_D;
}

static void expect_at(struct world *w, u64 root, u64 l2, struct expect *x)
{
	memset(x, 0, sizeof(*x));
	for (int op = 0; op < 3; op++)
		for (int u = 0; u < 2; u++) {
			struct mwalk *m = &x->l1[op][u];

			model_walk(w, false, root, l2, op, u, m);
			if (m->status == REF_OK)
				x->l1_ok |= KIND_BIT(op, u);
		}
	for (int op = 0; op < 3; op++)
		for (int u = 0; u < 2; u++) {
			const struct mwalk *m = &x->l1[op][u];

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

static enum shadow_result expected_result(const struct expect *x, int op, int u)
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

static unsigned long n_cases, n_bad, n_result[SH_INTERNAL + 1];

static bool bad(const char *what, u64 l2, int op, int u, u64 got, u64 want)
{
	n_bad++;
	if (n_bad <= 12)
		fprintf(stderr,
			"  MISMATCH %s: l2 %#" PRIx64
			" op %d user %d: got %#" PRIx64 " want %#" PRIx64 "\n",
			what, l2, op, u, got, want);
	return false;
}

/* mm's exit information for L1's walk, as the vendor code will build it. */
static u64 exit_info(struct world *w, const struct pt_walk *l1, int u)
{
	if (w->ept)
		return ept_violation_qual(l1, w->e1.mbec, 0);
	return npt_exitinfo1(l1, &w->role.l1_fmt, u ? 3 : 0,
			     NPFI_FINAL | (w->n1.gmet ? NPFI_ERRATUM_1218 : 0));
}

/* What the shadow may grant at l2 after a fault. */
enum sh_expect {
	SHX_EXACT, /* exactly x->grant */
	SHX_NONE, /* nothing (a fresh shadow after a reflected fault) */
	/* A subset of x->grant: a shadow built earlier (by a read fault
	 * before L1's leaf became dirty) may grant less, never more. */
	SHX_SUBSET,
};

/*
 * The shadow at l2, walked by the model for every kind and by mm's
 * walker: it grants what `mode` says, translating to L0's hpa, with a
 * leaf at `level` (0: do not check).
 */
static bool check_shadow(struct world *w, u64 root, u64 l2,
			 const struct expect *x, enum sh_expect mode, int level)
{
	unsigned model = 0, mm = 0;
	bool ok = true;

	for (int op = 0; op < 3; op++)
		for (int u = 0; u < 2; u++) {
			u64 hpa = x->l1[op][u].out + w->l0.off;
			struct pt_walk pw;
			struct mwalk m;

			model_walk(w, true, root, l2, op, u, &m);
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
	if (mode == SHX_EXACT && model != x->grant)
		ok = bad("shadow grant", l2, 0, 0, model, x->grant);
	if (mode == SHX_NONE && model)
		ok = bad("shadow grant (none)", l2, 0, 0, model, 0);
	if (mode == SHX_SUBSET && (model & ~x->grant))
		ok = bad("shadow grant (subset)", l2, 0, 0, model, x->grant);
	return ok;
}

/*
 * EPT with the same MBEC setting in L0 and L1: the shadow leaf's R, W,
 * XS (and XU with MBEC), ANDed by the model over the shadow's entries,
 * are the AND of the model's walk of L1's table and L0's entry.
 */
static bool check_ept_and(struct world *w, u64 root, u64 l2,
			  const struct mwalk *l1)
{
	u64 b0 = 0, a0, s0;
	struct mwalk m;
	bool ok = true;

	if (!w->ept || w->e0.mbec != w->e1.mbec)
		return true;
	l0_entry(&w->l0, l1->out, &b0, &a0, &s0);
	model_walk(w, true, root, l2, REF_READ, false, &m);
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
static u64 attr_bits(struct world *w, u64 leaf, int level)
{
	u64 pat = level > 1 ? PTE_PAT_LARGE : PTE_PAT_4K;

	if (w->ept)
		return leaf & (EPTE_MT_MASK | EPTE_IPAT);
	return (leaf & (PTE_PWT | PTE_PCD)) | (leaf & pat ? PTE_PAT_4K : 0);
}

/* The shadow leaf carries L0's memory type, never L1's. */
static bool check_attr(struct world *w, u64 root, u64 l2,
		       const struct expect *x)
{
	struct mwalk m;

	for (int op = 0; op < 3; op++)
		for (int u = 0; u < 2; u++) {
			if (!(x->grant & KIND_BIT(op, u)))
				continue;
			model_walk(w, true, root, l2, op, u, &m);
			if (attr_bits(w, m.leaf, m.level) != x->l0_attr)
				return bad("attr", l2, op, u,
					   attr_bits(w, m.leaf, m.level),
					   x->l0_attr);
			return true;
		}
	return true;
}

static bool info_comparable(struct world *w, enum ref_status s)
{
	return s == REF_NOT_PRESENT || s == REF_VIOLATION ||
	       (!w->ept && s == REF_RSVD);
}

static int size_level(u64 size)
{
	return size >= SZ_1G ? 3 : size >= SZ_2M ? 2 : 1;
}

/* min(L1's leaf, L0's size, the shadow format's largest page). */
static int expected_level(struct world *w, int l1_level, u64 l0_size)
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
static bool fault_case(struct world *w, u64 root, u64 l2, int op, int u,
		       bool fresh, int level)
{
	struct shadow_fault f;
	struct expect x;
	enum shadow_result want;
	const struct mwalk *m;
	bool ok = true;

	n_cases++;
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
		ok = check_shadow(w, f.root, l2, &x, SHX_EXACT,
				  want == SH_FIXED ? level : 0) &&
		     ok;
	else
		ok = check_shadow(w, f.root, l2, &x,
				  fresh ? SHX_NONE : SHX_SUBSET, 0) &&
		     ok;
	return ok;
}

/* ------------------------------------------------------ exhaustive */

#define PML4_PA 0x1000ULL
#define PDPT_PA 0x2000ULL
#define PD_PA 0x3000ULL
#define PT_PA 0x4000ULL
#define L1_TARGET 0x80000000ULL /* 2 GiB: where L1's leaves point */
/* PML4 index 0, PDPT 1, PD 3, PT 5. */
#define L2_GPA (SZ_1G + 3 * SZ_2M + 5 * SZ_4K + 0x123)

static const u64 table_pa[5] = { 0, PT_PA, PD_PA, PDPT_PA, PML4_PA };

/* EPT entry bits of a 4-bit set: R, W, XS, XU (bit 10). */
static u64 ept_bits(unsigned p)
{
	return (p & 1 ? EPTE_R : 0) | (p & 2 ? EPTE_W : 0) |
	       (p & 4 ? EPTE_XS : 0) | (p & 8 ? EPTE_XU : 0);
}

/* NPT entry bits of a 4-bit set: P, RW, US, NX. */
static u64 npt_bits(unsigned p)
{
	return (p & 1 ? PTE_P : 0) | (p & 2 ? PTE_RW : 0) |
	       (p & 4 ? PTE_US : 0) | (p & 8 ? PTE_NX : 0);
}

static u64 leaf_target(int level)
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
static void build_chain(struct world *w, int level, unsigned p, unsigned q)
{
	u64 full = w->ept ? ept_bits(15) : PTE_P | PTE_RW | PTE_US;
	u64 leaf_extra =
		w->ept ? (u64)EPT_MT_WB << EPTE_MT_SHIFT : PTE_A | PTE_D;

	for (int l = 1; l <= 4; l++)
		memset(fmem_ptr(&w->l1, table_pa[l]), 0, PAGE_SIZE);
	for (int l = 4; l > level; l--) {
		u64 perm = l == level + 1 ?
				   (w->ept ? ept_bits(q) : npt_bits(q)) :
				   full;

		fmem_set(&w->l1, table_pa[l] + 8 * pt_index(L2_GPA, l),
			 table_pa[l - 1] | perm);
	}
	fmem_set(&w->l1, table_pa[level] + 8 * pt_index(L2_GPA, level),
		 leaf_target(level) | (w->ept ? ept_bits(p) : npt_bits(p)) |
			 leaf_extra | (level > 1 ? PTE_PS : 0));
}

static void exhaustive(struct world *w, const u64 *l0v, unsigned nl0)
{
	for (int level = 3; level >= 1; level--)
		for (unsigned q = 0; q < 16; q++)
			for (unsigned p = 0; p < 16; p++) {
				build_chain(w, level, p, q);
				for (unsigned i = 0; i < nl0; i++) {
					l0_uniform(w, l0v[i], SZ_1G, HPA_OFF);
					for (int op = 0; op < 3; op++)
						for (int u = 0; u < 2; u++) {
							shadow_invalidate_all(
								&w->cache);
							fault_case(w, PML4_PA,
								   L2_GPA, op,
								   u, true,
								   level);
						}
				}
			}
}

static const u64 l0_ept_variants[] = {
	EPTE_R | EPTE_W | EPTE_XS | EPTE_XU,
	EPTE_R | EPTE_W,
	EPTE_R,
	EPTE_R | EPTE_XS | EPTE_XU,
	EPTE_R | EPTE_XS, /* supervisor-only execute under MBEC */
	EPTE_R | EPTE_XU, /* user-only execute under MBEC */
	0, /* L0 maps nothing */
};

static const u64 l0_npt_variants[] = {
	PTE_P | PTE_RW | PTE_US,
	PTE_P | PTE_RW,
	PTE_P,
	PTE_P | PTE_US,
	PTE_P | PTE_RW | PTE_NX,
	PTE_P | PTE_US | PTE_NX,
	PTE_P | PTE_RW | PTE_US | PTE_NX,
	0,
};

static struct ref_ept_cfg ept_cfg(bool mbec, bool exec_only)
{
	return (struct ref_ept_cfg){ .mbec = mbec,
				     .exec_only = exec_only,
				     .pages_2m = true,
				     .pages_1g = true,
				     .maxphyaddr = L1_MAXPHY };
}

static struct ref_npt_cfg npt_cfg(bool gmet, bool nxe)
{
	return (struct ref_npt_cfg){ .gmet = gmet,
				     .host_nxe = nxe,
				     .pages_1g = true,
				     .maxphyaddr = L1_MAXPHY };
}

static unsigned long seen[SH_INTERNAL + 1];

/* Counts since the last report, by expected result. */
static void report(const char *what, unsigned long before)
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
		what, n_cases - before, d[SH_FIXED], d[SH_L1_FAULT],
		d[SH_L1_MISCONFIG], d[SH_L0_FAULT], d[SH_BAD_TABLE], n_bad);
}

TEST(ept_exhaustive)
{
	/* L1's MBEC x exec-only x L0's (hardware) MBEC. */
	static const bool cfgs[][3] = {
		{ 0, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 },
		{ 0, 1, 1 }, { 1, 0, 1 }, { 1, 1, 1 },
	};
	unsigned long before = n_cases;

	for (unsigned i = 0; i < ARRAY_SIZE(cfgs); i++) {
		struct ref_ept_cfg e1 = ept_cfg(cfgs[i][0], cfgs[i][1]);
		struct ref_ept_cfg e0 = ept_cfg(cfgs[i][2], true);
		struct world w;

		e0.maxphyaddr = S_MAXPHY;
		world_ept(&w, &e1, &e0, 64);
		exhaustive(&w, l0_ept_variants, ARRAY_SIZE(l0_ept_variants));
		world_fini(&w);
	}
	report("ept_exhaustive", before);
	CHECK_EQ(n_bad, 0);
}

TEST(npt_exhaustive)
{
	/* L1's GMET x L1's EFER.NXE x L0's (hardware) GMET. */
	static const bool cfgs[][3] = {
		{ 0, 1, 0 }, { 0, 1, 1 }, { 1, 1, 1 },
		{ 0, 0, 0 }, { 0, 0, 1 }, { 1, 0, 1 },
	};
	unsigned long before = n_cases;

	for (unsigned i = 0; i < ARRAY_SIZE(cfgs); i++) {
		struct ref_npt_cfg n1 = npt_cfg(cfgs[i][0], cfgs[i][1]);
		struct ref_npt_cfg n0 = npt_cfg(cfgs[i][2], true);
		struct world w;

		n0.maxphyaddr = S_MAXPHY;
		world_npt(&w, &n1, &n0, 64);
		exhaustive(&w, l0_npt_variants, ARRAY_SIZE(l0_npt_variants));
		world_fini(&w);
	}
	report("npt_exhaustive", before);
	CHECK_EQ(n_bad, 0);
}

/* ------------------------------------------------------ page sizes */

/* The shadow leaf is min(L1's leaf, L0's size), within what the shadow
 * format has and what the host address's alignment allows. */
static void page_sizes(struct world *w, u64 full_l0)
{
	static const u64 sizes[] = { SZ_4K, SZ_2M, SZ_1G };
	static const u64 offs[] = { HPA_OFF, HPA_OFF + SZ_2M, HPA_OFF + SZ_4K };
	unsigned full = w->ept ? 7 : 7;
	bool g1 = w->ept ? w->esh.pages_1g : w->nsh.pages_1g;

	for (int level = 1; level <= 3; level++)
		for (unsigned i = 0; i < 3; i++)
			for (unsigned j = 0; j < 3; j++) {
				int want = MIN(level, (int)i + 1);
				u64 size, base, off = offs[j];
				struct shadow_fault f;
				struct mwalk m;

				want = MIN(want, g1 ? 3 : 2);
				want = MIN(want, 3 - (int)j);
				size = pt_level_size(want);
				build_chain(w, level, full, 15);
				l0_uniform(w, full_l0, sizes[i], off);
				shadow_invalidate_all(&w->cache);
				CHECK(fault_case(w, PML4_PA, L2_GPA, REF_READ,
						 0, true, want));
				shadow_fault(&w->cache, PML4_PA, &w->role,
					     L2_GPA, PK_READ, &f);
				CHECK_EQ(f.page_size, size);
				base = L2_GPA & ~(size - 1);
				/* First and last byte map; the bytes around
				 * do not (the shadow was empty). */
				model_walk(w, true, f.root, base + size - 1,
					   REF_READ, 0, &m);
				CHECK_EQ(m.status, REF_OK);
				CHECK_EQ(m.out,
					 leaf_target(level) +
						 ((L2_GPA &
						   (pt_level_size(level) - 1)) |
						  (size - 1)) +
						 off);
				model_walk(w, true, f.root, base, REF_READ, 0,
					   &m);
				CHECK_EQ(m.status, REF_OK);
				model_walk(w, true, f.root, base + size,
					   REF_READ, 0, &m);
				CHECK(m.status != REF_OK);
				model_walk(w, true, f.root, base - 1, REF_READ,
					   0, &m);
				CHECK(m.status != REF_OK);
			}
}

TEST(page_sizes)
{
	unsigned long before = n_cases;

	for (int g = 0; g < 2; g++) {
		struct ref_ept_cfg e1 = ept_cfg(true, false);
		struct ref_ept_cfg e0 = ept_cfg(true, false);
		struct ref_npt_cfg n1 = npt_cfg(false, true);
		struct ref_npt_cfg n0 = npt_cfg(true, true);
		struct world w;

		e0.pages_1g = g;
		n0.pages_1g = g;
		e0.maxphyaddr = n0.maxphyaddr = S_MAXPHY;
		world_ept(&w, &e1, &e0, 64);
		page_sizes(&w, ept_bits(15));
		world_fini(&w);
		world_npt(&w, &n1, &n0, 64);
		page_sizes(&w, PTE_P | PTE_RW | PTE_US);
		world_fini(&w);
	}
	report("page_sizes", before);
	CHECK_EQ(n_bad, 0);
}

/* ---------------------------------------------------------- random */

#define RND_TABLES 12 /* L1 table pages 1..12 */

static u64 rnd_perm(struct world *w, u64 *rng)
{
	u64 r = rng_next(rng);

	if (r % 8)
		return w->ept ? ept_bits(7 | (r & 8)) :
				PTE_P | PTE_RW | PTE_US | (r & 8 ? PTE_NX : 0);
	return w->ept ? ept_bits((r >> 8) & 15) : npt_bits((r >> 8) & 15);
}

/* Occasional reserved, ignored and attribute bits. */
static u64 rnd_extra(struct world *w, u64 *rng, bool leaf)
{
	u64 r = rng_next(rng), e = 0;

	if (w->ept && leaf)
		e |= r % 16 ? (u64)EPT_MT_WB << EPTE_MT_SHIFT :
			      ((r >> 4) & 7) << EPTE_MT_SHIFT;
	else if (w->ept && r % 32 == 1)
		e |= (u64)EPT_MT_WB << EPTE_MT_SHIFT; /* reserved here */
	if (!w->ept)
		e |= (r & 0x100 ? PTE_A : 0) | (r & 0x200 ? PTE_D : 0) |
		     (r % 32 == 3 ? BIT(8) : 0);
	if (r % 64 == 5)
		e |= BIT(L1_MAXPHY); /* beyond L1's MAXPHYADDR */
	if (leaf && r % 64 == 6)
		e |= SZ_4K; /* a low address bit of a large page */
	if (w->ept && r % 16 == 7)
		e |= EPTE_A | EPTE_D;
	return e;
}

/* Table pages by the level they are meant for: 1-3 PML4, 4-6 PDPT, 7-9
 * PD, 10-12 PT; entries mostly point one level down. */
static u64 rnd_table(u64 r, int level)
{
	return (1 + (4 - level) * 3 + r % 3) * PAGE_SIZE;
}

static u64 rnd_leaf(struct world *w, u64 *rng, int level, u64 r)
{
	u64 size = pt_level_size(level);
	u64 target = L1_TARGET + ((r >> 20) % (4 * SZ_1G / size)) * size;

	return target | rnd_perm(w, rng) | rnd_extra(w, rng, true) |
	       (level > 1 ? PTE_PS : 0);
}

static u64 rnd_entry(struct world *w, u64 *rng, int level)
{
	u64 r = rng_next(rng);

	switch (r % 16) {
	case 0:
		return 0;
	case 1: /* any table: loops, tables used at two levels */
		return (1 + (r >> 8) % RND_TABLES) * PAGE_SIZE |
		       rnd_perm(w, rng);
	case 2: /* outside L1's RAM */
		return (L1_PAGES + (r >> 8) % 8) * PAGE_SIZE | rnd_perm(w, rng);
	case 3:
		return rng_next(rng);
	default:
		break;
	}
	if (level == 1 || (level <= 3 && r % 5 == 0))
		return rnd_leaf(w, rng, level, r);
	return rnd_table(r >> 8, level - 1) | rnd_perm(w, rng) |
	       rnd_extra(w, rng, false);
}

static void random_tree(struct world *w, u64 *rng)
{
	for (unsigned t = 1; t <= RND_TABLES; t++) {
		u64 *page = fmem_ptr(&w->l1, t * PAGE_SIZE);
		int level = 4 - (int)(t - 1) / 3;

		memset(page, 0, PAGE_SIZE);
		for (unsigned i = 0; i < 4; i++)
			page[i] = rnd_entry(w, rng, level);
	}
}

static u64 rnd_l2(u64 *rng)
{
	u64 r = rng_next(rng);
	u64 a = r & 0xfff;

	for (int l = 1; l <= 4; l++)
		a |= ((r >> (12 + 2 * l)) & 3) << pt_level_shift(l);
	return a & ~7ULL;
}

static void random_world(struct world *w, u64 seed, unsigned trees)
{
	u64 rng = seed;

	w->l0.random = true;
	w->l0.seed = seed;
	w->l0.off = HPA_OFF;
	for (unsigned t = 0; t < trees; t++) {
		random_tree(w, &rng);
		shadow_invalidate_all(&w->cache);
		for (unsigned i = 0; i < 24; i++) {
			u64 r = rng_next(&rng);

			fault_case(w, PML4_PA, rnd_l2(&rng), r % 3,
				   (r >> 2) & 1, false, -1);
		}
	}
}

static const u64 l0_npt_random[] = {
	PTE_P | PTE_RW | PTE_US,
	PTE_P | PTE_RW,
	PTE_P | PTE_US | PTE_NX,
	PTE_P,
};

TEST(random_vs_model)
{
	/* L1 MBEC, exec-only, A/D, 1 GiB; L0 MBEC, 1 GiB. */
	static const bool ecfg[][6] = {
		{ 0, 0, 0, 1, 0, 1 }, { 0, 1, 1, 1, 1, 1 },
		{ 1, 0, 0, 1, 1, 1 }, { 1, 1, 1, 1, 1, 0 },
		{ 1, 1, 0, 0, 1, 1 }, { 0, 0, 1, 0, 1, 0 },
	};
	/* L1 GMET, NXE, 1 GiB; L0 GMET, 1 GiB. */
	static const bool ncfg[][5] = {
		{ 0, 1, 1, 0, 1 }, { 0, 1, 1, 1, 1 }, { 1, 1, 1, 1, 1 },
		{ 1, 0, 0, 1, 0 }, { 0, 1, 0, 1, 1 },
	};
	unsigned long before = n_cases;

	for (unsigned i = 0; i < ARRAY_SIZE(ecfg); i++) {
		struct ref_ept_cfg e1 = ept_cfg(ecfg[i][0], ecfg[i][1]);
		struct ref_ept_cfg e0 = ept_cfg(ecfg[i][4], true);
		struct world w;

		e1.ad_enabled = ecfg[i][2];
		e1.pages_1g = ecfg[i][3];
		e0.pages_1g = ecfg[i][5];
		e0.maxphyaddr = S_MAXPHY;
		world_ept(&w, &e1, &e0, 64);
		w.l0.choices = l0_ept_variants;
		w.l0.nr_choices = ARRAY_SIZE(l0_ept_variants) - 1;
		random_world(&w, 0x5eed0000 + i, 300);
		world_fini(&w);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(ncfg); i++) {
		struct ref_npt_cfg n1 = npt_cfg(ncfg[i][0], ncfg[i][1]);
		struct ref_npt_cfg n0 = npt_cfg(ncfg[i][3], true);
		struct world w;

		n1.pages_1g = ncfg[i][2];
		n0.pages_1g = ncfg[i][4];
		n0.maxphyaddr = S_MAXPHY;
		world_npt(&w, &n1, &n0, 64);
		w.l0.choices = l0_npt_random;
		w.l0.nr_choices = ARRAY_SIZE(l0_npt_random);
		random_world(&w, 0xa11ce000 + i, 300);
		world_fini(&w);
	}
	report("random_vs_model", before);
	CHECK_EQ(n_bad, 0);
}

/* ------------------------------------- loops and pointers outside RAM */

static struct world *ept_plain(struct world *w, bool mbec, bool exec_only)
{
	struct ref_ept_cfg e1 = ept_cfg(mbec, exec_only);
	struct ref_ept_cfg e0 = ept_cfg(true, true);

	e0.maxphyaddr = S_MAXPHY;
	world_ept(w, &e1, &e0, 64);
	l0_uniform(w, ept_bits(15), SZ_1G, HPA_OFF);
	return w;
}

static struct world *npt_plain(struct world *w, bool gmet, bool l0_gmet)
{
	struct ref_npt_cfg n1 = npt_cfg(gmet, true);
	struct ref_npt_cfg n0 = npt_cfg(l0_gmet, true);

	n0.maxphyaddr = S_MAXPHY;
	world_npt(w, &n1, &n0, 64);
	l0_uniform(w, PTE_P | PTE_RW | (l0_gmet ? 0 : PTE_US), SZ_1G, HPA_OFF);
	return w;
}

static void clear_tables(struct world *w)
{
	for (u64 pa = PAGE_SIZE; pa < 32 * PAGE_SIZE; pa += PAGE_SIZE)
		memset(fmem_ptr(&w->l1, pa), 0, PAGE_SIZE);
	shadow_invalidate_all(&w->cache);
}

static void fault_expect(struct world *w, u64 root, u64 l2, unsigned kind,
			 enum shadow_result want, struct shadow_fault *f)
{
	shadow_fault(&w->cache, root, &w->role, l2, kind, f);
	CHECK_MSG(f->result == want, "l2 %#" PRIx64 " kind %u: %d, not %d", l2,
		  kind, f->result, want);
}

static void loops(struct world *w)
{
	u64 full = w->ept ? ept_bits(7) : PTE_P | PTE_RW | PTE_US;
	u64 outside = (L1_PAGES + 5) * PAGE_SIZE;
	struct shadow_fault f;

	/* The root points at itself: every level reads PML4[0]; the last
	 * read is a leaf mapping L2 page 0 to L1's own root table. */
	clear_tables(w);
	fmem_set(&w->l1, PML4_PA, PML4_PA | full);
	for (int op = 0; op < 3; op++)
		CHECK(fault_case(w, PML4_PA, 0x10, op, 1, false, -1));
	fault_expect(w, PML4_PA, 0x10, PK_WRITE, SH_FIXED, &f);
	CHECK_EQ(f.l1_gpa, PML4_PA + 0x10);
	CHECK(fault_case(w, PML4_PA, SZ_4K, PK_READ, 0, false, -1));
	/* A PDPT entry pointing back at the root. */
	clear_tables(w);
	fmem_set(&w->l1, PML4_PA, PDPT_PA | full);
	fmem_set(&w->l1, PDPT_PA, PML4_PA | full);
	for (int op = 0; op < 3; op++)
		CHECK(fault_case(w, PML4_PA, 0x18, op, 0, false, -1));
	/* The root, then a page directory, outside L1's RAM. */
	clear_tables(w);
	fault_expect(w, outside, 0, PK_READ, SH_BAD_TABLE, &f);
	CHECK_EQ(f.l1_gpa, outside);
	CHECK_EQ(f.l1.level, 4);
	fault_expect(w, SH_BASE, 0, PK_READ, SH_BAD_TABLE, &f);
	CHECK_EQ(f.l1_gpa, SH_BASE);
	fmem_set(&w->l1, PML4_PA, PDPT_PA | full);
	fmem_set(&w->l1, PDPT_PA, PD_PA | full);
	fmem_set(&w->l1, PD_PA, outside | full);
	fault_expect(w, PML4_PA, 0, PK_FETCH, SH_BAD_TABLE, &f);
	CHECK_EQ(f.l1_gpa, outside);
	CHECK_EQ(f.l1.level, 1);
	CHECK(fault_case(w, PML4_PA, 0, PK_READ, 0, false, -1));
	/* A leaf into an L0 hole: nothing is installed. */
	build_chain(w, 1, 7, 15);
	shadow_invalidate_all(&w->cache);
	w->l0.hole_lo = L1_TARGET;
	w->l0.hole_hi = L1_TARGET + SZ_1G;
	fault_expect(w, PML4_PA, L2_GPA, PK_READ, SH_L0_FAULT, &f);
	CHECK_EQ(f.l1_gpa, leaf_target(1) + (L2_GPA & 0xfff));
	CHECK_EQ(f.page_size, 0);
	CHECK_EQ(shadow_pages(&w->cache), 1); /* the root only */
	w->l0.hole_lo = w->l0.hole_hi = 0;
	/* Beyond the 48-bit walk: not present at the top level. */
	fault_expect(w, PML4_PA, 1ULL << 48, PK_READ, SH_L1_FAULT, &f);
	CHECK_EQ(f.l1.status, PTW_NOT_PRESENT);
	CHECK_EQ(f.l1.level, 4);
	/* Not a valid kind: nothing done. */
	fault_expect(w, PML4_PA, L2_GPA, 3, SH_INTERNAL, &f);
}

TEST(loops_and_bad_pointers)
{
	struct world w;

	loops(ept_plain(&w, false, false));
	world_fini(&w);
	loops(ept_plain(&w, true, true));
	world_fini(&w);
	loops(npt_plain(&w, false, true));
	world_fini(&w);
	loops(npt_plain(&w, true, true));
	world_fini(&w);
	CHECK_EQ(n_bad, 0);
}

/* ---------------------------------------------------------- budget */

#define BUDGET 8
#define NROOTS 12
#define SPAN (8 * SZ_2M) /* L2 memory mapped with 4 KiB leaves */

/* PML4s at pages 20.., one PDPT, one PD, 8 PTs at pages 4..11. */
static void budget_tables(struct world *w)
{
	u64 full = ept_bits(7), leaf = full | (u64)EPT_MT_WB << EPTE_MT_SHIFT;

	clear_tables(w);
	for (unsigned r = 0; r < NROOTS; r++)
		fmem_set(&w->l1, (20 + r) * PAGE_SIZE, PDPT_PA | full);
	fmem_set(&w->l1, PDPT_PA, PD_PA | full);
	for (unsigned t = 0; t < 8; t++) {
		u64 pt = (4 + t) * PAGE_SIZE;

		fmem_set(&w->l1, PD_PA + 8 * t, pt | full);
		for (unsigned i = 0; i < 512; i++)
			fmem_set(&w->l1, pt + 8 * i,
				 (L1_TARGET + (t * 512 + i) * SZ_4K) | leaf);
	}
}

/* Every valid context's shadow at l2: absent, or the right hpa. */
static void check_all_contexts(struct world *w, u64 l2)
{
	for (unsigned i = 0; i < SHADOW_CTX_MAX; i++) {
		const struct shadow_ctx *x = &w->cache.ctx[i];
		struct mwalk m;

		if (!x->valid)
			continue;
		model_walk(w, true, x->pt.root, l2, REF_READ, 0, &m);
		if (m.status == REF_OK)
			CHECK_EQ(m.out, L1_TARGET + l2 + HPA_OFF);
		CHECK(m.status == REF_OK || m.status == REF_NOT_PRESENT);
	}
}

TEST(budget_recycling)
{
	struct world w;
	u64 rng = 0xb0d9e7;
	struct shadow_cache tiny;
	struct shadow_env env;

	ept_plain(&w, false, false);
	env = w.env;
	env.max_pages = SHADOW_MIN_PAGES - 1;
	CHECK_EQ(shadow_cache_init(&tiny, &env), -E_INVAL);
	w.env.max_pages = BUDGET;
	REQUIRE(shadow_cache_init(&w.cache, &w.env) == 0);
	budget_tables(&w);
	for (unsigned i = 0; i < 4000; i++) {
		u64 r = rng_next(&rng);
		u64 root = (20 + r % NROOTS) * PAGE_SIZE;
		u64 l2 = (r >> 8) % SPAN;
		struct shadow_fault f;
		struct mwalk m;

		fault_expect(&w, root, l2, (r >> 40) % 3, SH_FIXED, &f);
		CHECK(shadow_pages(&w.cache) <= BUDGET);
		CHECK_EQ(w.sh.live, shadow_pages(&w.cache));
		model_walk(&w, true, f.root, l2, (r >> 40) % 3, 0, &m);
		CHECK_EQ(m.status, REF_OK);
		CHECK_EQ(m.out, L1_TARGET + l2 + HPA_OFF);
		check_all_contexts(&w, (r >> 20) % SPAN);
	}
	fprintf(stderr,
		"budget: %u pages, %" PRIu64 " recycles, %" PRIu64
		" contexts, peak %" PRIu64 "\n",
		BUDGET, w.cache.stats.recycles, w.cache.stats.contexts,
		w.cache.stats.pages_peak);
	CHECK(w.cache.stats.recycles > 100);
	CHECK(w.cache.stats.pages_peak <= BUDGET);
	CHECK(shadow_take_flush(&w.cache));
	CHECK(!shadow_take_flush(&w.cache));
	world_fini(&w);
}

TEST(pool_exhausted)
{
	struct world w;
	struct shadow_fault f;

	ept_plain(&w, false, false);
	budget_tables(&w);
	fault_expect(&w, 20 * PAGE_SIZE, 0, PK_READ, SH_FIXED, &f);
	fault_expect(&w, 21 * PAGE_SIZE, 0, PK_READ, SH_FIXED, &f);
	/* Modex's pool itself runs dry: recycling cannot help. */
	w.sh.fail_after = w.sh.allocs;
	fault_expect(&w, 20 * PAGE_SIZE, 5 * SZ_2M, PK_READ, SH_NOMEM, &f);
	/* Root 21's context went to make room; root 20's shadow stayed. */
	CHECK(f.root != 0);
	CHECK(fault_case(&w, 20 * PAGE_SIZE, 0, REF_READ, 0, false, 1));
	CHECK_EQ(w.sh.live, shadow_pages(&w.cache));
	CHECK_EQ(shadow_root(&w.cache, 22 * PAGE_SIZE, &w.role), 0);
	CHECK(w.cache.stats.nomem >= 1);
	w.sh.fail_after = -1;
	CHECK(fault_case(&w, 20 * PAGE_SIZE, 5 * SZ_2M, REF_READ, 0, false, 1));
	world_fini(&w);
}

TEST(lru_slots)
{
	struct world w;
	u64 roots[SHADOW_CTX_MAX + 1];
	struct shadow_fault f;

	ept_plain(&w, false, false);
	budget_tables(&w);
	for (unsigned i = 0; i <= SHADOW_CTX_MAX; i++) {
		roots[i] = shadow_root(&w.cache, (20 + i) * PAGE_SIZE, &w.role);
		CHECK(roots[i] != 0);
		if (i == SHADOW_CTX_MAX - 1) /* root 0 becomes most recent */
			fault_expect(&w, 20 * PAGE_SIZE, 0, PK_READ, SH_FIXED,
				     &f);
	}
	/* The ninth took the slot of the least recently used: root 1. */
	CHECK_EQ(w.cache.stats.recycles, 1);
	CHECK_EQ(shadow_root(&w.cache, 20 * PAGE_SIZE, &w.role), roots[0]);
	for (unsigned i = 2; i <= SHADOW_CTX_MAX; i++)
		CHECK_EQ(shadow_root(&w.cache, (20 + i) * PAGE_SIZE, &w.role),
			 roots[i]);
	CHECK_EQ(w.cache.stats.contexts, SHADOW_CTX_MAX + 1);
	shadow_root(&w.cache, 21 * PAGE_SIZE, &w.role);
	CHECK_EQ(w.cache.stats.contexts, SHADOW_CTX_MAX + 2);
	world_fini(&w);
}

/* ---------------------------------------------------- invalidation */

static bool shadow_grants(struct world *w, u64 sroot, u64 l2, int op, int u)
{
	struct mwalk m;

	model_walk(w, true, sroot, l2, op, u, &m);
	return m.status == REF_OK;
}

static void set_leaf(struct world *w, unsigned p)
{
	fmem_set(&w->l1, PT_PA + 8 * pt_index(L2_GPA, 1),
		 leaf_target(1) | ept_bits(p) |
			 (u64)EPT_MT_WB << EPTE_MT_SHIFT);
}

TEST(invalidation)
{
	struct world w;
	struct shadow_role mbec_role;
	struct pt_format f1;
	struct shadow_fault f;
	u64 a, am, b, a2;

	ept_plain(&w, false, false);
	build_chain(&w, 1, 7, 15);
	memcpy(fmem_ptr(&w.l1, 20 * PAGE_SIZE), fmem_ptr(&w.l1, PML4_PA),
	       PAGE_SIZE);
	REQUIRE(pt_format_init(&f1, PT_EPT, L1_MAXPHY, PTF_MBEC | PTF_1G) == 0);
	REQUIRE(shadow_role_init(&mbec_role, &f1, &w.l0.fmt) == 0);
	a = shadow_root(&w.cache, PML4_PA, &w.role);
	am = shadow_root(&w.cache, PML4_PA, &mbec_role);
	b = shadow_root(&w.cache, 20 * PAGE_SIZE, &w.role);
	CHECK(a && am && b && a != am && a != b);
	/* EPTP's low bits (memory type, walk length, A/D) are not identity. */
	CHECK_EQ(shadow_root(&w.cache, PML4_PA | 0x5e, &w.role), a);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	fault_expect(&w, 20 * PAGE_SIZE, L2_GPA, PK_READ, SH_FIXED, &f);
	shadow_fault(&w.cache, PML4_PA, &mbec_role, L2_GPA, PK_READ, &f);
	CHECK_EQ(f.result, SH_FIXED);
	(void)shadow_take_flush(&w.cache);
	/* Single context: both roles of that root go, the other stays. */
	shadow_invalidate_root(&w.cache, PML4_PA);
	CHECK_EQ(w.cache.stats.invalidations, 2);
	CHECK(shadow_take_flush(&w.cache));
	CHECK_EQ(shadow_root(&w.cache, 20 * PAGE_SIZE, &w.role), b);
	CHECK(shadow_grants(&w, b, L2_GPA, REF_READ, 0));
	a2 = shadow_root(&w.cache, PML4_PA, &w.role);
	CHECK(!shadow_grants(&w, a2, L2_GPA, REF_READ, 0));
	CHECK_EQ(w.cache.stats.contexts, 4);
	/* Loosened by L1 without INVEPT: seen at the next fault. */
	set_leaf(&w, 1);
	shadow_invalidate_all(&w.cache);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_L1_FAULT, &f);
	set_leaf(&w, 3);
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_FIXED, &f);
	/* Tightened without INVEPT: the shadow may keep it, as a TLB may;
	 * after INVEPT it is gone. */
	set_leaf(&w, 1);
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	shadow_invalidate_root(&w.cache, PML4_PA);
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_L1_FAULT, &f);
	/* L0's stage 2 changed: after shadow_invalidate_all() the shadow
	 * follows it. */
	set_leaf(&w, 7);
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_FIXED, &f);
	l0_uniform(&w, EPTE_R, SZ_1G, HPA_OFF);
	shadow_invalidate_all(&w.cache);
	CHECK_EQ(shadow_pages(&w.cache), 0);
	CHECK_EQ(w.sh.live, 0);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	CHECK(!shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_L0_FAULT, &f);
	fault_expect(&w, PML4_PA, L2_GPA, PK_FETCH, SH_L0_FAULT, &f);
	world_fini(&w);
}

/* ----------------------------------------------------- MBEC, bit 10 */

TEST(roles)
{
	struct pt_format e, em, n, ng, ex;
	struct shadow_role r;
	struct world w;
	struct shadow_fault f;

	REQUIRE(pt_format_init(&e, PT_EPT, 46, 0) == 0);
	REQUIRE(pt_format_init(&em, PT_EPT, 46, PTF_MBEC) == 0);
	REQUIRE(pt_format_init(&ex, PT_EPT, 46, PTF_EXEC_ONLY) == 0);
	REQUIRE(pt_format_init(&n, PT_NPT, 46, PTF_NXE) == 0);
	REQUIRE(pt_format_init(&ng, PT_NPT, 46, PTF_NXE | PTF_GMET) == 0);
	CHECK_EQ(shadow_role_init(&r, &em, &e), -E_NOSUPP);
	CHECK_EQ(shadow_role_init(&r, &ng, &n), -E_NOSUPP);
	CHECK_EQ(shadow_role_init(&r, &ex, &e), -E_NOSUPP);
	CHECK_EQ(shadow_role_init(&r, &e, &n), -E_NOSUPP);
	REQUIRE(pt_format_init(&ex, PT_EPT, 46, PTF_5LEVEL) == 0);
	CHECK_EQ(shadow_role_init(&r, &ex, &e), -E_NOSUPP);
	CHECK_EQ(shadow_role_init(&r, &e, &ex), 0);
	CHECK_EQ(shadow_role_init(&r, &e, &em), 0);
	CHECK_EQ(shadow_role_init(&r, &em, &em), 0);
	CHECK_EQ(shadow_role_init(&r, &n, &ng), 0);
	REQUIRE(pt_format_init(&ex, PT_NPT, 46, 0) == 0);
	CHECK_EQ(shadow_role_init(&r, &n, &ex), -E_NOSUPP);
	CHECK_EQ(shadow_role_init(&r, &ex, &n), 0);
	/* A role built by hand that no shadow can express. */
	ept_plain(&w, false, false);
	r = (struct shadow_role){ .l1_fmt = ng, .s_fmt = w.l0.fmt };
	CHECK_EQ(shadow_root(&w.cache, PML4_PA, &r), 0);
	CHECK_EQ(shadow_fault(&w.cache, PML4_PA, &r, 0, PK_READ, &f),
		 SH_INTERNAL);
	CHECK_EQ(w.cache.stats.contexts, 0);
	world_fini(&w);
}

/* A 4-level EPT12 shadowed in a 5-level EPT01's format. */
TEST(five_level_l0)
{
	struct pt_format f1, f5;
	struct shadow_role r;
	struct shadow_fault f;
	struct pt_walk pw;
	struct world w;

	ept_plain(&w, false, false);
	build_chain(&w, 1, 7, 15);
	REQUIRE(pt_format_init(&f1, PT_EPT, L1_MAXPHY, PTF_1G) == 0);
	REQUIRE(pt_format_init(&f5, PT_EPT, S_MAXPHY, PTF_1G | PTF_5LEVEL) ==
		0);
	REQUIRE(shadow_role_init(&r, &f1, &f5) == 0);
	w.l0.fmt = f5;
	CHECK_EQ(shadow_fault(&w.cache, PML4_PA, &r, L2_GPA, PK_FETCH, &f),
		 SH_FIXED);
	CHECK_EQ(pt_walk(&f5, &w.sh_mem, f.root, L2_GPA, PK_READ, NULL, 0, &pw),
		 PTW_OK);
	CHECK_EQ(pw.out, leaf_target(1) + (L2_GPA & 0xfff) + HPA_OFF);
	CHECK_EQ(pw.level, 1);
	world_fini(&w);
}

/* The shadow leaf's raw entry at L2_GPA (level 1). */
static u64 shadow_pte(struct world *w, u64 sroot)
{
	struct mwalk m;

	model_walk(w, true, sroot, L2_GPA, REF_READ, 0, &m);
	return m.leaf;
}

TEST(ept_bit10)
{
	struct world w;
	struct shadow_fault f;
	unsigned sup = pk_make(PK_FETCH, false), user = pk_make(PK_FETCH, true);

	/* XU alone: ignored without MBEC (not present, qualification 0x4). */
	ept_plain(&w, false, true);
	build_chain(&w, 1, 8, 15);
	fault_expect(&w, PML4_PA, L2_GPA, user, SH_L1_FAULT, &f);
	CHECK_EQ(f.l1.status, PTW_NOT_PRESENT);
	CHECK_EQ(ept_violation_qual(&f.l1, false, 0), EPTVQ_FETCH);
	/* R|W|XS without XU: both fetches execute, X is written to both. */
	build_chain(&w, 1, 7, 15);
	fault_expect(&w, PML4_PA, L2_GPA, user, SH_FIXED, &f);
	CHECK_EQ(shadow_pte(&w, f.root) & (EPTE_XS | EPTE_XU),
		 EPTE_XS | EPTE_XU);
	world_fini(&w);
	/* With MBEC and no execute-only support: a misconfiguration. */
	ept_plain(&w, true, false);
	build_chain(&w, 1, 8, 15);
	fault_expect(&w, PML4_PA, L2_GPA, user, SH_L1_MISCONFIG, &f);
	world_fini(&w);
	/* With MBEC and execute-only: user fetches only. */
	ept_plain(&w, true, true);
	build_chain(&w, 1, 8, 15);
	fault_expect(&w, PML4_PA, L2_GPA, user, SH_FIXED, &f);
	CHECK_EQ(shadow_pte(&w, f.root) & 0x407, EPTE_XU);
	fault_expect(&w, PML4_PA, L2_GPA, sup, SH_L1_FAULT, &f);
	CHECK_EQ(ept_violation_qual(&f.l1, true, 0), EPTVQ_FETCH | EPTVQ_XU);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_L1_FAULT, &f);
	/* R|W|XS: supervisor fetches only; the shadow has XU clear. */
	build_chain(&w, 1, 7, 15);
	shadow_invalidate_all(&w.cache);
	fault_expect(&w, PML4_PA, L2_GPA, user, SH_L1_FAULT, &f);
	CHECK_EQ(ept_violation_qual(&f.l1, true, 0),
		 EPTVQ_FETCH | EPTVQ_R | EPTVQ_W | EPTVQ_XS);
	fault_expect(&w, PML4_PA, L2_GPA, sup, SH_FIXED, &f);
	CHECK_EQ(shadow_pte(&w, f.root) & 0x407, EPTE_R | EPTE_W | EPTE_XS);
	/* XU in a non-leaf entry only: user fetches need it everywhere. */
	build_chain(&w, 1, 15, 7);
	shadow_invalidate_all(&w.cache);
	fault_expect(&w, PML4_PA, L2_GPA, user, SH_L1_FAULT, &f);
	fault_expect(&w, PML4_PA, L2_GPA, sup, SH_FIXED, &f);
	CHECK(!shadow_grants(&w, f.root, L2_GPA, REF_FETCH, 1));
	world_fini(&w);
}

/* ------------------------------------------------------------ GMET */

static void npt_leaf(struct world *w, u64 bits)
{
	build_chain(w, 1, 1, 7);
	fmem_set(&w->l1, PT_PA + 8 * pt_index(L2_GPA, 1),
		 leaf_target(1) | bits | PTE_A | PTE_D);
	shadow_invalidate_all(&w->cache);
}

static u64 npf_info(struct world *w, const struct shadow_fault *f, u8 cpl)
{
	return npt_exitinfo1(&f->l1, &w->role.l1_fmt, cpl,
			     NPFI_FINAL | NPFI_ERRATUM_1218);
}

TEST(npt_gmet)
{
	struct world w;
	struct shadow_fault f;
	unsigned sup_x = pk_make(PK_FETCH, false);
	unsigned user_x = pk_make(PK_FETCH, true);

	/* GMET in L1 and L0: L0's leaves are U=0 (both modes). */
	npt_plain(&w, true, true);
	/* A user page: a CPL0 fetch faults (U not reported, erratum 1218
	 * rule), a CPL3 fetch is granted, and the shadow keeps U=1 so that
	 * the CPU faults CPL0 fetches too: L0's U=0 must not clear it. */
	npt_leaf(&w, PTE_P | PTE_RW | PTE_US);
	fault_expect(&w, PML4_PA, L2_GPA, sup_x, SH_L1_FAULT, &f);
	CHECK_EQ(npf_info(&w, &f, 0), 0x100000011ULL);
	fault_expect(&w, PML4_PA, L2_GPA, user_x, SH_FIXED, &f);
	CHECK(shadow_pte(&w, f.root) & PTE_US);
	CHECK(!shadow_grants(&w, f.root, L2_GPA, REF_FETCH, 0));
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_READ, 0));
	/* U=0: executable at CPL0 and CPL3. */
	npt_leaf(&w, PTE_P | PTE_RW);
	fault_expect(&w, PML4_PA, L2_GPA, sup_x, SH_FIXED, &f);
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_FETCH, 1));
	/* NX: nobody, U not reported for CPL0. */
	npt_leaf(&w, PTE_P | PTE_RW | PTE_NX);
	fault_expect(&w, PML4_PA, L2_GPA, sup_x, SH_L1_FAULT, &f);
	CHECK_EQ(npf_info(&w, &f, 0), 0x100000011ULL);
	world_fini(&w);
	/* No GMET in L1 on a GMET L0: every access is a user access, the
	 * shadow needs U=1 although L0's own leaf has U=0. */
	npt_plain(&w, false, true);
	npt_leaf(&w, PTE_P | PTE_RW | PTE_US);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	CHECK(shadow_pte(&w, f.root) & PTE_US);
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_FETCH, 0));
	npt_leaf(&w, PTE_P | PTE_RW);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_L1_FAULT, &f);
	CHECK_EQ(npf_info(&w, &f, 0), 0x100000005ULL);
	npt_leaf(&w, PTE_P | PTE_RW | PTE_US | PTE_NX);
	fault_expect(&w, PML4_PA, L2_GPA, sup_x, SH_L1_FAULT, &f);
	CHECK_EQ(npf_info(&w, &f, 0), 0x100000015ULL);
	world_fini(&w);
}

/* --------------------------------------------------- accessed/dirty */

TEST(accessed_dirty)
{
	struct world w;
	struct shadow_fault f;
	struct ref_ept_cfg e1 = ept_cfg(false, false);
	struct ref_ept_cfg e0 = ept_cfg(true, true);

	e1.ad_enabled = true;
	e0.maxphyaddr = S_MAXPHY;
	world_ept(&w, &e1, &e0, 64);
	l0_uniform(&w, ept_bits(15), SZ_1G, HPA_OFF);
	build_chain(&w, 1, 3, 15);
	/* A read sets A at every level, and leaves W to the first write. */
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	for (int l = 1; l <= 4; l++)
		CHECK(fmem_get(&w.l1, table_pa[l] + 8 * pt_index(L2_GPA, l)) &
		      EPTE_A);
	CHECK(!(fmem_get(&w.l1, PT_PA + 8 * pt_index(L2_GPA, 1)) & EPTE_D));
	CHECK(!shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_FIXED, &f);
	CHECK(fmem_get(&w.l1, PT_PA + 8 * pt_index(L2_GPA, 1)) & EPTE_D);
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	world_fini(&w);
	/* Without A/D: nothing written to L1's tables, W at once. */
	ept_plain(&w, false, false);
	build_chain(&w, 1, 3, 15);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	CHECK_EQ(w.l1.cmpxchgs, 0);
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	world_fini(&w);
	/* NPT always has them. */
	npt_plain(&w, false, false);
	build_chain(&w, 1, 7, 15);
	fmem_set(&w.l1, PT_PA + 8 * pt_index(L2_GPA, 1),
		 leaf_target(1) | PTE_P | PTE_RW | PTE_US);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	CHECK(fmem_get(&w.l1, PML4_PA) & PTE_A);
	CHECK(!shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_FIXED, &f);
	CHECK(fmem_get(&w.l1, PT_PA + 8 * pt_index(L2_GPA, 1)) & PTE_D);
	CHECK(shadow_grants(&w, f.root, L2_GPA, REF_WRITE, 0));
	world_fini(&w);
}

/* ------------------------------------------------------- statistics */

TEST(stats)
{
	struct world w;
	struct shadow_fault f;
	const struct shadow_stats *s = &w.cache.stats;

	ept_plain(&w, false, false);
	build_chain(&w, 2, 1, 15);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_L1_FAULT, &f);
	fault_expect(&w, PML4_PA, L2_GPA + SZ_1G, PK_READ, SH_L1_FAULT, &f);
	build_chain(&w, 1, 3, 15);
	shadow_invalidate_all(&w.cache);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	l0_uniform(&w, EPTE_R, SZ_1G, HPA_OFF);
	fault_expect(&w, PML4_PA, L2_GPA, PK_WRITE, SH_L0_FAULT, &f);
	CHECK_EQ(s->faults, 5);
	CHECK_EQ(s->fixed, 2);
	CHECK_EQ(s->reflected, 2);
	CHECK_EQ(s->l0_faults, 1);
	CHECK_EQ(s->leaves[2], 1);
	CHECK_EQ(s->leaves[1], 2);
	CHECK_EQ(s->invalidations, 1);
	CHECK_EQ(s->contexts, 2);
	CHECK_EQ(s->pages, shadow_pages(&w.cache));
	CHECK(s->pages_peak >= s->pages);
	world_fini(&w);
}

/* ------------------------------------------------------------ flush */

TEST(flush_protocol)
{
	struct world w;
	struct shadow_fault f;
	u64 r0;

	ept_plain(&w, false, false);
	build_chain(&w, 1, 7, 15);
	/* New leaves where nothing was: nothing freed, no flush. */
	r0 = shadow_root(&w.cache, PML4_PA, &w.role);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	fault_expect(&w, PML4_PA, L2_GPA + SZ_4K, PK_READ, SH_L1_FAULT, &f);
	CHECK_EQ(f.root, r0);
	CHECK(!shadow_take_flush(&w.cache));
	/* L1 now maps the 2 MiB around it with one leaf: the shadow's page
	 * table gives way to a 2 MiB leaf and is freed: flush. */
	build_chain(&w, 2, 7, 15);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	CHECK_EQ(f.page_size, SZ_2M);
	CHECK(shadow_take_flush(&w.cache));
	CHECK(!shadow_take_flush(&w.cache));
	/* A context recycled for a new root: flush. */
	for (unsigned i = 0; i < SHADOW_CTX_MAX; i++)
		CHECK(shadow_root(&w.cache, (20 + i) * PAGE_SIZE, &w.role));
	CHECK(shadow_take_flush(&w.cache));
	world_fini(&w);
}

/* ------------------------------------------- L0 from an mm/ stage 2 */

static int l0_from_pt(void *ctx, u64 gpa, u64 *hpa, acc_t *acc, u64 *attr,
		      u64 *size)
{
	return shadow_l0_pt_lookup(ctx, gpa, hpa, acc, attr, size);
}

static void l0_pt_case(const struct pt *l0, u64 gpa, u64 hpa, acc_t acc,
		       u64 attr, u64 size)
{
	u64 h, at, sz;
	acc_t a;

	REQUIRE(shadow_l0_pt_lookup(l0, gpa, &h, &a, &at, &sz) == 0);
	CHECK_EQ(h, hpa);
	CHECK_EQ(a, acc);
	CHECK_EQ(at, attr);
	CHECK_EQ(sz, size);
}

/* EPT01 and NPT01 built by mm/, as hv/guest.c builds them. */
TEST(l0_pt_lookup)
{
	struct fmem m;
	struct pt_mem pm;
	struct pt_format ef, nf;
	struct pt l0;
	u64 uc = (u64)EPT_MT_UC << EPTE_MT_SHIFT;
	u64 wt = ((u64)EPT_MT_WT << EPTE_MT_SHIFT) | EPTE_IPAT, h, at, sz;
	acc_t a;

	fmem_init(&m, SH_BASE, 64, 0);
	pm = fmem_pt_mem(&m);
	REQUIRE(pt_format_init(&ef, PT_EPT, S_MAXPHY, PTF_1G | PTF_MBEC) == 0);
	REQUIRE(pt_init(&l0, &ef, &pm) == 0);
	REQUIRE(pt_map(&l0, 0, 0, 4 * SZ_1G, ACC_RWX_BOTH, PT_ATTR_EPT_WB, 0) ==
		0);
	REQUIRE(pt_map(&l0, SZ_1G + SZ_2M, SZ_1G + SZ_2M, SZ_2M, ACC_RWX_BOTH,
		       wt, 0) == 0);
	REQUIRE(pt_map(&l0, 0xfee00000, 0x7000, SZ_4K, ACC_READ, uc, 0) == 0);
	l0_pt_case(&l0, 0x12345678 + 2 * SZ_1G, 0x12345000 + 2 * SZ_1G,
		   ACC_RWX_BOTH, PT_ATTR_EPT_WB, SZ_1G);
	l0_pt_case(&l0, SZ_1G + SZ_2M + 0x1234, SZ_1G + SZ_2M + 0x1000,
		   ACC_RWX_BOTH, wt, SZ_2M);
	l0_pt_case(&l0, 0xfee00020, 0x7000, ACC_READ, uc, SZ_4K);
	CHECK_EQ(shadow_l0_pt_lookup(&l0, 5 * SZ_1G, &h, &a, &at, &sz),
		 -E_FAULT);
	pt_destroy(&l0);
	REQUIRE(pt_format_init(&nf, PT_NPT, S_MAXPHY,
			       PTF_1G | PTF_NXE | PTF_GMET) == 0);
	REQUIRE(pt_init(&l0, &nf, &pm) == 0);
	REQUIRE(pt_map(&l0, 0, 0, 4 * SZ_1G, ACC_RWX_BOTH, 0, 0) == 0);
	REQUIRE(pt_map(&l0, SZ_2M, SZ_2M, SZ_2M, ACC_RWX_BOTH,
		       PTE_PAT_4K | PTE_PCD, 0) == 0);
	REQUIRE(pt_map(&l0, 0xfee00000, 0x7000, SZ_4K, ACC_READ | ACC_WRITE,
		       PTE_PAT_4K | PTE_PWT, 0) == 0);
	l0_pt_case(&l0, SZ_2M + 8, SZ_2M, ACC_RWX_BOTH, PTE_PAT_4K | PTE_PCD,
		   SZ_2M);
	l0_pt_case(&l0, 0xfee00000, 0x7000, ACC_READ | ACC_WRITE,
		   PTE_PAT_4K | PTE_PWT, SZ_4K);
	l0_pt_case(&l0, 2 * SZ_1G, 2 * SZ_1G, ACC_RWX_BOTH, 0, SZ_1G);
	l0_pt_case(&l0, 3 * SZ_1G, 3 * SZ_1G, ACC_RWX_BOTH, 0, SZ_2M);
	pt_destroy(&l0);
	fmem_fini(&m);
}

/* A shadow over an mm/-built EPT01: L0's memory types reach the leaves,
 * L1's (EPT12 MT) do not. */
TEST(memory_types_from_l0)
{
	struct world w;
	struct fmem m;
	struct pt_mem pm;
	struct pt l0;
	struct shadow_fault f;
	u64 wc = (u64)EPT_MT_WC << EPTE_MT_SHIFT;

	ept_plain(&w, false, false);
	fmem_init(&m, 0x20000000000ULL, 64, 0);
	pm = fmem_pt_mem(&m);
	REQUIRE(pt_init(&l0, &w.l0.fmt, &pm) == 0);
	REQUIRE(pt_map(&l0, 0, HPA_OFF, 4 * SZ_1G, ACC_RWX_BOTH, PT_ATTR_EPT_WB,
		       0) == 0);
	REQUIRE(pt_map(&l0, leaf_target(1), HPA_OFF + leaf_target(1), SZ_4K,
		       ACC_READ | ACC_WRITE, wc, 0) == 0);
	w.env.l0_lookup = l0_from_pt;
	w.env.ctx = &l0;
	REQUIRE(shadow_cache_init(&w.cache, &w.env) == 0);
	/* EPT12's leaf says UC; L0 says WC for that page. */
	build_chain(&w, 1, 7, 15);
	fmem_set(&w.l1, PT_PA + 8 * pt_index(L2_GPA, 1),
		 leaf_target(1) | ept_bits(7) | EPTE_IPAT);
	fault_expect(&w, PML4_PA, L2_GPA, PK_READ, SH_FIXED, &f);
	CHECK_EQ(shadow_pte(&w, f.root) & (EPTE_MT_MASK | EPTE_IPAT), wc);
	CHECK_EQ(f.acc, ACC_READ | ACC_WRITE);
	fault_expect(&w, PML4_PA, L2_GPA, PK_FETCH, SH_L0_FAULT, &f);
	pt_destroy(&l0);
	fmem_fini(&m);
	world_fini(&w);
}
