// SPDX-License-Identifier: MIT
/*
 * mm/'s IOMMU formats (PT_VTD, PT_AMDVI) against the independent reference
 * model in tests/ref/ref_iommu.c.
 *
 * Owns: exhaustive walks over every set of permission bits and a list of
 * reserved, ignored and encoding bits at two levels of a path, for every
 * pair of levels, every DMA request kind (read, write, and the execute
 * request Modex never grants) and every capability variant; the same
 * entries judged alone by pt_check_entry(); seeded random trees; and the
 * builder's identity map of L1's RAM with hidden holes, walked by both.
 * Prints "iommu_vs_ref: N cases compared, M mismatches" on stderr.
 */
#include "tests/ref/ref_iommu.h"
#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "mm/access.h"
#include "mm/perm.h"
#include "mm/pt_build.h"
#include "mm/pt_format.h"
#include "mm/pt_mem.h"
#include "mm/pt_walk.h"
#include "tests/unit/harness.h"
#include "tests/unit/support/mm_fake_mem.h"
#include "tests/unit/support/rng.h"

/* ---------------------------------------------------------- fake memory */

#define NPAGES 32
static u64 fmem_pages[NPAGES][512];

static int fm_read(void *ctx, u64 pa, u64 *val)
{
	(void)ctx;
	if ((pa & 7) || pa / 4096 >= NPAGES)
		return -E_FAULT;
	*val = fmem_pages[pa / 4096][(pa % 4096) / 8];
	return 0;
}

static int fm_write(void *ctx, u64 pa, u64 val)
{
	(void)ctx;
	if ((pa & 7) || pa / 4096 >= NPAGES)
		return -E_FAULT;
	fmem_pages[pa / 4096][(pa % 4096) / 8] = val;
	return 0;
}

static int fm_cmpxchg(void *ctx, u64 pa, u64 old, u64 val)
{
	u64 cur;

	if (fm_read(ctx, pa, &cur))
		return -E_FAULT;
	return cur == old ? fm_write(ctx, pa, val) : -E_BUSY;
}

static const struct pt_mem_ops fm_ops = { .read = fm_read,
					  .write = fm_write,
					  .cmpxchg = fm_cmpxchg };
static const struct pt_mem fm = { &fm_ops, NULL };

static bool ref_rd(void *ctx, u64 pa, u64 *val)
{
	return fm_read(ctx, pa, val) == 0;
}

/* ------------------------------------------------------------ reporting */

#define MAX_REPORTS 10
static u64 n_cases, n_mismatch;

static bool same_status(enum ref_status rs, unsigned ms)
{
	switch (rs) {
	case REF_OK:
		return ms == PTW_OK;
	case REF_NOT_PRESENT:
		return ms == PTW_NOT_PRESENT;
	case REF_MISCONFIG:
	case REF_RSVD:
		return ms == PTW_MISCONFIG;
	case REF_VIOLATION:
		return ms == PTW_VIOLATION;
	case REF_MEM_ERROR:
		return ms == PTW_BAD_TABLE;
	}
	return false;
}

static bool mismatch_begin(const char *what)
{
	n_mismatch++;
	if (n_mismatch > MAX_REPORTS)
		return false;
	fprintf(stderr, "MISMATCH #%" PRIu64 " (%s)\n", n_mismatch, what);
	return true;
}

/* One model: a format, its permission table and the reference walker. */
struct env {
	struct pt_format f;
	struct perm_table perm;
	bool amd;
	struct ref_vtd_cfg vtd;
	struct ref_amdvi_cfg amdvi;
};

static void env_vtd(struct env *v, const struct ref_vtd_cfg *c)
{
	struct mmu_role role;
	u32 fl = 0;

	memset(v, 0, sizeof(*v));
	v->vtd = *c;
	fl |= c->levels == 3 ? PTF_3LEVEL : c->levels == 5 ? PTF_5LEVEL : 0;
	fl |= c->sp_2m ? 0 : PTF_NO_2M;
	fl |= c->sp_1g ? PTF_1G : 0;
	fl |= c->snoop_ctl ? PTF_VTD_SC : 0;
	fl |= c->tm_ok ? PTF_VTD_TM : 0;
	REQUIRE(pt_format_init(&v->f, PT_VTD, c->haw, fl) == 0);
	mmu_role_init(&role, &v->f, false, false, false);
	perm_init(&v->perm, &role);
}

static void env_amdvi(struct env *v, const struct ref_amdvi_cfg *c)
{
	struct mmu_role role;
	u32 fl = c->levels == 3 ? PTF_3LEVEL : c->levels == 5 ? PTF_5LEVEL : 0;

	memset(v, 0, sizeof(*v));
	v->amd = true;
	v->amdvi = *c;
	REQUIRE(pt_format_init(&v->f, PT_AMDVI, c->maxphyaddr, fl) == 0);
	mmu_role_init(&role, &v->f, false, false, false);
	perm_init(&v->perm, &role);
}

static int env_levels(const struct env *v)
{
	return v->amd ? v->amdvi.levels : v->vtd.levels;
}

static void ref_walk(const struct env *v, u64 root, u64 iova,
		     enum ref_access op, struct ref_walk_result *r)
{
	if (v->amd)
		ref_amdvi_walk(&v->amdvi, root, iova, op, ref_rd, NULL, r);
	else
		ref_vtd_walk(&v->vtd, root, iova, op, ref_rd, NULL, r);
}

static acc_t ref_acc(const struct ref_walk_result *r)
{
	return (r->r ? ACC_READ : 0) | (r->w ? ACC_WRITE : 0);
}

static void compare_walk(const struct env *v, u64 root, u64 iova,
			 enum ref_access op)
{
	struct ref_walk_result rr;
	struct pt_walk w;
	bool ok;

	ref_walk(v, root, iova, op, &rr);
	pt_walk(&v->f, &fm, root, iova, pk_make(op, false), &v->perm, 0, &w);
	n_cases++;
	ok = same_status(rr.status, w.status) && rr.level == w.level &&
	     w.acc == ref_acc(&rr);
	if (ok && (rr.status == REF_OK || rr.status == REF_VIOLATION))
		ok = w.out == rr.hpa;
	if (ok || !mismatch_begin(v->amd ? "AMD-Vi walk" : "VT-d walk"))
		return;
	fprintf(stderr, "  levels %d iova %#" PRIx64 " op %d\n", env_levels(v),
		iova, op);
	for (int i = 0; i < rr.nr_entries; i++)
		fprintf(stderr, "    L%d entry %#018" PRIx64 "\n",
			env_levels(v) - i, rr.entries[i]);
	fprintf(stderr,
		"  ref: %s level %d acc %#x hpa %#" PRIx64 "\n"
		"  mm : status %u level %u acc %#x out %#" PRIx64 "\n",
		ref_status_str(rr.status), rr.level, ref_acc(&rr), rr.hpa,
		w.status, w.level, w.acc, w.out);
}

/* pt_check_entry() against the model's judgement of one present entry. */
static void compare_class(const struct env *v, int level, u64 e)
{
	enum ref_entry_class rc;
	enum pt_entry_check mc = pt_check_entry(&v->f, level, e);
	bool ok;

	if (!pt_present(&v->f, e))
		return;
	rc = v->amd ? ref_amdvi_entry_class(&v->amdvi, level, e) :
		      ref_vtd_entry_class(&v->vtd, level, e);
	n_cases++;
	ok = (rc == REF_ENTRY_OK && mc == PT_ENTRY_OK) ||
	     (rc == REF_ENTRY_RSVD && mc == PT_ENTRY_RSVD) ||
	     (rc == REF_ENTRY_OTHER && mc == PT_ENTRY_NOSUPP);
	if (ok || !mismatch_begin("entry class"))
		return;
	fprintf(stderr, "  %s level %d entry %#018" PRIx64 ": ref %d mm %d\n",
		v->amd ? "AMD-Vi" : "VT-d", level, e, rc, mc);
}

/* ------------------------------------------------------------ exhaustive */

/*
 * The path for ADDR: the table at level L is page T(L); every level above
 * the two varied ones holds a table entry that grants everything.
 */
#define ADDR 0x0000005a5c7e9123ULL /* inside a 39-bit input space */
#define T(level) ((u64)(6 - (level)) * 4096)

static void slot_set(u64 table, u64 addr, int level, u64 val)
{
	fmem_pages[table / 4096][pt_index(addr, level)] = val;
}

static u64 table_entry(const struct env *v, int level, u64 table)
{
	return pt_encode_table(&v->f, level, table);
}

static void path_init(const struct env *v, int upper)
{
	memset(fmem_pages, 0, sizeof(fmem_pages));
	for (int level = env_levels(v); level > upper; level--)
		slot_set(T(level), ADDR, level,
			 table_entry(v, level, T(level - 1)));
}

static u64 leaf_frame(int level)
{
	return (0x5a5a5ULL << 12 & ~(pt_level_size(level) - 1)) | BIT(34);
}

static void compare_kinds(const struct env *v)
{
	for (int op = REF_READ; op <= REF_FETCH; op++)
		compare_walk(v, T(env_levels(v)), ADDR, op);
}

/* VT-d: R, W, X and these extras at the upper (table) entry. */
static const u64 vtd_upper_extra[] = {
	0, BIT(7), BIT(11), BIT(62), BIT(63), BIT(45), BIT(3), BIT(8), BIT(52),
};

/* VT-d leaf extras: the bits whose meaning depends on level and caps. */
static const u64 vtd_leaf_extra[] = {
	0,	 BIT(11), BIT(62), BIT(63),	    BIT(45),
	BIT(12), BIT(20), BIT(29), BIT(3) | BIT(6), BIT(8) | BIT(9) | BIT(10),
};

static void vtd_pair(const struct env *v, int upper, int leaf)
{
	path_init(v, upper);
	for (unsigned u = 0; u < 8 * ARRAY_SIZE(vtd_upper_extra); u++) {
		u64 ue = (u % 8) | vtd_upper_extra[u / 8] | T(upper - 1);

		compare_class(v, upper, ue);
		slot_set(T(upper), ADDR, upper, ue);
		for (unsigned l = 0; l < 16 * ARRAY_SIZE(vtd_leaf_extra); l++) {
			u64 le = (l % 8) | leaf_frame(leaf);

			le |= (l / 8 % 2) ? VTDE_PS : 0;
			le |= vtd_leaf_extra[l / 16];
			compare_class(v, leaf, le);
			slot_set(T(leaf), ADDR, leaf, le);
			compare_kinds(v);
		}
	}
}

static void vtd_exhaustive(const struct ref_vtd_cfg *c)
{
	struct env v;

	env_vtd(&v, c);
	for (int leaf = 1; leaf <= 3; leaf++)
		for (int upper = leaf + 1; upper <= c->levels; upper++)
			vtd_pair(&v, upper, leaf);
}

TEST(vtd_exhaustive)
{
	u64 before = n_mismatch;

	for (int levels = 3; levels <= 5; levels++)
		for (unsigned caps = 0; caps < 16; caps++) {
			struct ref_vtd_cfg c = { .levels = levels,
						 .haw = 40,
						 .sp_2m = caps & 1,
						 .sp_1g = caps & 2,
						 .snoop_ctl = caps & 4,
						 .tm_ok = caps & 8 };

			if ((caps & 12) == 4 || (caps & 12) == 8)
				continue; /* SC and TM vary together */
			vtd_exhaustive(&c);
		}
	CHECK_EQ(n_mismatch, before);
}

static const u64 amdvi_upper_extra[] = {
	0, BIT(52), BIT(59), BIT(60), BIT(63), BIT(45), BIT(5), BIT(58),
};

static const u64 amdvi_leaf_extra[] = {
	0,	 AMDVIE_FC, AMDVIE_U, BIT(58), BIT(52),		BIT(12),
	BIT(20), BIT(29),   BIT(45),  BIT(63), BIT(5) | BIT(6),
};

static void amdvi_pair(const struct env *v, int upper, int leaf)
{
	path_init(v, upper);
	for (unsigned u = 0; u < 64 * ARRAY_SIZE(amdvi_upper_extra); u++) {
		u64 perm = (u % 8 & 1) | ((u64)(u % 8 >> 1) << 61);
		u64 ue = perm | ((u64)(u / 8 % 8) << AMDVIE_NL_SHIFT) |
			 amdvi_upper_extra[u / 64] | T(upper - 1);

		compare_class(v, upper, ue);
		slot_set(T(upper), ADDR, upper, ue);
		for (unsigned l = 0; l < 64 * ARRAY_SIZE(amdvi_leaf_extra);
		     l++) {
			u64 lp = (l % 8 & 1) | ((u64)(l % 8 >> 1) << 61);
			u64 le = lp | ((u64)(l / 8 % 8) << AMDVIE_NL_SHIFT) |
				 amdvi_leaf_extra[l / 64] | leaf_frame(leaf);

			compare_class(v, leaf, le);
			slot_set(T(leaf), ADDR, leaf, le);
			compare_kinds(v);
		}
	}
}

TEST(amdvi_exhaustive)
{
	u64 before = n_mismatch;

	for (int levels = 3; levels <= 5; levels++) {
		struct ref_amdvi_cfg c = { .levels = levels, .maxphyaddr = 40 };
		struct env v;

		env_amdvi(&v, &c);
		for (int leaf = 1; leaf <= 3; leaf++)
			for (int upper = leaf + 1; upper <= levels; upper++)
				amdvi_pair(&v, upper, leaf);
	}
	CHECK_EQ(n_mismatch, before);
}

/* Every entry judged alone, at every level: all 2^k sets of listed bits. */
TEST(entry_class_exhaustive)
{
	static const int vtd_bits[] = { 0, 1, 2, 7, 11, 62, 63, 12, 21, 45 };
	static const int amd_bits[] = { 0,  9,	10, 11, 12, 21, 45,
					52, 58, 59, 60, 61, 62, 63 };
	u64 before = n_mismatch;
	struct env v;

	for (unsigned caps = 0; caps < 16; caps++) {
		struct ref_vtd_cfg c = { 5,	   40,	     caps & 1,
					 caps & 2, caps & 4, caps & 8 };

		env_vtd(&v, &c);
		for (int level = 1; level <= 5; level++)
			for (unsigned s = 0; s < 1u << ARRAY_SIZE(vtd_bits);
			     s++) {
				u64 e = BIT(30);

				for (unsigned b = 0; b < ARRAY_SIZE(vtd_bits);
				     b++)
					e |= (s >> b & 1) ? BIT(vtd_bits[b]) :
							    0;
				compare_class(&v, level, e);
			}
	}
	env_amdvi(&v, &(struct ref_amdvi_cfg){ 5, 40 });
	for (int level = 1; level <= 5; level++)
		for (unsigned s = 0; s < 1u << ARRAY_SIZE(amd_bits); s++) {
			u64 e = BIT(30);

			for (unsigned b = 0; b < ARRAY_SIZE(amd_bits); b++)
				e |= (s >> b & 1) ? BIT(amd_bits[b]) : 0;
			compare_class(&v, level, e);
		}
	CHECK_EQ(n_mismatch, before);
}

/* ---------------------------------------------------------- randomized */

static u64 rng = 0x5eed10a11ULL;

static unsigned rnd_n(unsigned n)
{
	return (unsigned)(rng_next(&rng) % n);
}

/* Interesting bits for random entries of each format. */
static const int vtd_noise[] = { 2, 3, 6, 7, 8, 11, 12, 20, 45, 52, 62, 63 };
static const int amd_noise[] = {
	5, 6, 9, 10, 11, 12, 20, 45, 52, 58, 59, 60, 63
};

static u64 rand_entry(const struct env *v, int level)
{
	u64 target = (u64)rnd_n(NPAGES + 2) * 4096; /* may be outside */
	unsigned kind = rnd_n(8);
	u64 e;

	if (kind == 0)
		return 0;
	if (kind <= 4 && level > 1) {
		e = table_entry(v, level, target);
	} else {
		unsigned l = level > 3 ? 3 : level;

		if (pt_encode_leaf(&v->f, l, leaf_frame(l), (acc_t)rnd_n(4), 0,
				   &e, NULL) < 0 ||
		    !e)
			return 0;
	}
	/* Flip permission bits and, now and then, one interesting bit. */
	e ^= v->amd ? ((u64)rnd_n(4) << 61) : rnd_n(4);
	if (rnd_n(3) == 0) {
		int b = v->amd ? amd_noise[rnd_n(ARRAY_SIZE(amd_noise))] :
				 vtd_noise[rnd_n(ARRAY_SIZE(vtd_noise))];

		e ^= BIT(b);
	}
	return e;
}

static void random_trees(struct env *v, unsigned trees)
{
	int levels = env_levels(v);

	for (unsigned t = 0; t < trees; t++) {
		memset(fmem_pages, 0, sizeof(fmem_pages));
		/* Slots 0-3 of every page, at any level, are filled. */
		for (unsigned p = 0; p < NPAGES; p++)
			for (unsigned i = 0; i < 4; i++)
				fmem_pages[p][i] =
					rand_entry(v, 1 + rnd_n(levels));
		for (unsigned a = 0; a < 64; a++) {
			u64 iova = 0;

			for (int l = 1; l <= levels; l++)
				iova |= (u64)rnd_n(4) << pt_level_shift(l);
			iova |= rnd_n(4096);
			compare_walk(v, 4096 * rnd_n(NPAGES), iova, rnd_n(3));
		}
	}
}

TEST(random_trees)
{
	u64 before = n_mismatch;
	struct env v;

	for (int levels = 3; levels <= 5; levels++) {
		for (unsigned caps = 0; caps < 4; caps++) {
			struct ref_vtd_cfg c = { levels,   40,	     caps & 1,
						 caps & 2, caps & 2, caps & 1 };

			env_vtd(&v, &c);
			random_trees(&v, 400);
		}
		env_amdvi(&v, &(struct ref_amdvi_cfg){ levels, 40 });
		random_trees(&v, 1200);
	}
	CHECK_EQ(n_mismatch, before);
}

/* ------------------------------------------------- builder: identity map */

#define FM_BASE (1ULL << 36)
static struct fmem bm;

static bool bm_rd(void *ctx, u64 pa, u64 *val)
{
	u64 *p = fmem_ptr(ctx, pa);

	if (!p)
		return false;
	*val = *p;
	return true;
}

struct leaf_count {
	unsigned n[PT_MAX_LEVELS + 1];
};

static int count_leaf(void *arg, u64 va, u64 e, unsigned level)
{
	struct leaf_count *c = arg;

	(void)va;
	(void)e;
	c->n[level]++;
	return 0;
}

/* L1's RAM: [0, 640 KiB), [1 MiB, 3 GiB), [4 GiB, 6 GiB + 6 MiB). */
static const u64 ram[][2] = {
	{ 0, 0xa0000 },
	{ 0x100000, 0xc0000000 },
	{ 0x100000000ULL, 0x180600000ULL },
};
/* Modex's hidden memory (unmapped) and a range devices may only read. */
#define HIDDEN_LO 0xbf700000ULL
#define HIDDEN_HI 0xbfa03000ULL
#define RO_LO 0x140000000ULL
#define RO_HI 0x140200000ULL

static bool in_ram(u64 a)
{
	for (unsigned i = 0; i < ARRAY_SIZE(ram); i++)
		if (a >= ram[i][0] && a < ram[i][1])
			return true;
	return false;
}

/* Addresses around every boundary of the map, and random ones. */
static void identity_probe(const struct env *v, const struct pt *pt, u64 a)
{
	struct ref_walk_result rr;
	bool mapped = in_ram(a) && !(a >= HIDDEN_LO && a < HIDDEN_HI);

	for (int op = REF_READ; op <= REF_WRITE; op++) {
		bool want =
			mapped && !(op == REF_WRITE && a >= RO_LO && a < RO_HI);
		struct pt_walk w;

		if (v->amd)
			ref_amdvi_walk(&v->amdvi, pt->root, a, op, bm_rd, &bm,
				       &rr);
		else
			ref_vtd_walk(&v->vtd, pt->root, a, op, bm_rd, &bm, &rr);
		pt_walk(&pt->fmt, &pt->mem, pt->root, a, pk_make(op, false),
			&v->perm, 0, &w);
		n_cases++;
		if ((rr.status == REF_OK) == want &&
		    (w.status == PTW_OK) == want && (!want || rr.hpa == a) &&
		    (!want || w.out == a))
			continue;
		if (mismatch_begin("identity map"))
			fprintf(stderr,
				"  %s addr %#" PRIx64 " op %d want %d ref %s "
				"mm %u\n",
				v->amd ? "AMD-Vi" : "VT-d", a, op, want,
				ref_status_str(rr.status), w.status);
	}
}

static void identity_map(struct env *v, unsigned expect_1g)
{
	static const u64 edges[] = { 0,		  0x9f000,     0xa0000,
				     0x100000,	  0x1ff000,    HIDDEN_LO,
				     HIDDEN_HI,	  0xbfffffff,  0xc0000000,
				     0x100000000, RO_LO,       RO_HI,
				     0x180000000, 0x1805ff000, 0x180600000 };
	struct pt pt;
	struct pt_mem m;
	struct leaf_count lc = { 0 };

	fmem_init(&bm, FM_BASE, 64, 0);
	m = fmem_pt_mem(&bm);
	REQUIRE(pt_init(&pt, &v->f, &m) == 0);
	for (unsigned i = 0; i < ARRAY_SIZE(ram); i++)
		CHECK_EQ(pt_map(&pt, ram[i][0], ram[i][0],
				ram[i][1] - ram[i][0], ACC_READ | ACC_WRITE, 0,
				0),
			 0);
	CHECK_EQ(pt_unmap(&pt, HIDDEN_LO, HIDDEN_HI - HIDDEN_LO), 0);
	CHECK_EQ(pt_protect(&pt, RO_LO, RO_HI - RO_LO, ACC_READ, 0), 0);
	CHECK_EQ(pt_for_each_leaf(&pt, count_leaf, &lc), 0);
	fprintf(stderr,
		"%s %d-level identity map of 6 GiB: %ld table pages, "
		"leaves 4K %u 2M %u 1G %u\n",
		v->amd ? "AMD-Vi" : "VT-d", pt.fmt.levels, bm.live, lc.n[1],
		lc.n[2], lc.n[3]);
	/* Largest pages: 1 GiB where the format has them. */
	CHECK_EQ(lc.n[3], expect_1g);
	for (unsigned i = 0; i < ARRAY_SIZE(edges); i++)
		for (int d = -1; d <= 1; d++)
			if (edges[i] + d * 4096 < (1ULL << 39))
				identity_probe(v, &pt, edges[i] + d * 4096);
	for (unsigned i = 0; i < 20000; i++)
		identity_probe(v, &pt, rng_next(&rng) % 0x200000000ULL);
	pt_destroy(&pt);
	CHECK_EQ(bm.live, 0);
	fmem_fini(&bm);
}

TEST(builder_identity_map_vtd)
{
	u64 before = n_mismatch;
	struct env v;

	/* 1 GiB pages: [1, 2) and [4, 5) GiB minus the read-only one. */
	env_vtd(&v, &(struct ref_vtd_cfg){ 4, 40, true, true, false, false });
	identity_map(&v, 2);
	env_vtd(&v, &(struct ref_vtd_cfg){ 3, 40, true, false, false, false });
	identity_map(&v, 0);
	env_vtd(&v, &(struct ref_vtd_cfg){ 5, 46, true, false, true, true });
	identity_map(&v, 0);
	CHECK_EQ(n_mismatch, before);
}

TEST(builder_identity_map_amdvi)
{
	u64 before = n_mismatch;
	struct env v;

	for (int levels = 3; levels <= 5; levels++) {
		env_amdvi(&v, &(struct ref_amdvi_cfg){ levels, 40 });
		identity_map(&v, 2);
	}
	CHECK_EQ(n_mismatch, before);
}

/* What Modex writes: exact encodings, and requests it cannot grant. */
TEST(encodings)
{
	struct pt_format f;
	u64 e;
	acc_t g;

	REQUIRE(pt_format_init(&f, PT_VTD, 39, PTF_3LEVEL | PTF_1G) == 0);
	CHECK_EQ(f.levels, 3);
	CHECK_EQ(pt_encode_leaf(&f, 3, 0x40000000, ACC_READ | ACC_WRITE, 0, &e,
				&g),
		 0);
	CHECK_EQ(e, 0x40000000 | VTDE_PS | VTDE_R | VTDE_W);
	/* Write-only is a valid VT-d entry. */
	CHECK_EQ(pt_encode_leaf(&f, 1, 0x1000, ACC_WRITE, 0, &e, &g), 0);
	CHECK_EQ(e, 0x1000 | VTDE_W);
	/* Execute is never granted, so asking for it changes nothing. */
	CHECK_EQ(pt_encode_leaf(&f, 1, 0x1000, ACC_RWX_BOTH, 0, &e, &g), 0);
	CHECK_EQ(e, 0x1000 | VTDE_R | VTDE_W);
	CHECK_EQ(g, ACC_READ | ACC_WRITE);
	CHECK_EQ(pt_encode_leaf(&f, 1, 0x1000, ACC_READ, VTDE_SNP, &e, &g),
		 -E_INVAL); /* SNP needs ECAP.SC */
	CHECK_EQ(pt_encode_table(&f, 2, 0x5000), 0x5000 | VTDE_R | VTDE_W);
	CHECK_EQ(pt_format_init(&f, PT_VTD, 39, PTF_3LEVEL | PTF_5LEVEL),
		 -E_INVAL);
	CHECK_EQ(pt_format_init(&f, PT_EPT, 39, PTF_3LEVEL), -E_INVAL);
	CHECK_EQ(pt_format_init(&f, PT_AMDVI, 48, PTF_MBEC), -E_INVAL);

	REQUIRE(pt_format_init(&f, PT_AMDVI, 48, 0) == 0);
	CHECK_EQ(pt_encode_table(&f, 4, 0x7000),
		 0x7000 | AMDVIE_PR | AMDVIE_IR | AMDVIE_IW | (3ULL << 9));
	CHECK_EQ(pt_encode_leaf(&f, 2, 0x200000, ACC_READ, AMDVIE_FC, &e, &g),
		 0);
	CHECK_EQ(e, 0x200000 | AMDVIE_PR | AMDVIE_IR | AMDVIE_FC);
	CHECK_EQ(pt_encode_leaf(&f, 1, 0x1000, 0, 0, &e, &g), 0);
	CHECK_EQ(e, 0);
	CHECK_EQ(pt_acc_full(&f), ACC_READ | ACC_WRITE);
	/* Skip-level and NextLevel 7 entries are valid but not Modex's. */
	CHECK_EQ(pt_check_entry(&f, 4, 0x7000 | AMDVIE_PR | (1ULL << 9)),
		 PT_ENTRY_NOSUPP);
	CHECK_EQ(pt_check_entry(&f, 2, 0x200000 | AMDVIE_PR | (7ULL << 9)),
		 PT_ENTRY_NOSUPP);
	CHECK_EQ(pt_check_entry(&f, 2, 0x7000 | AMDVIE_PR | (2ULL << 9)),
		 PT_ENTRY_RSVD);
	CHECK_EQ(pt_check_entry(&f, 4, AMDVIE_PR), PT_ENTRY_NOSUPP);
}

/* Last test registered: the summary line tests/run greps. */
TEST(summary)
{
	fprintf(stderr,
		"iommu_vs_ref: %" PRIu64 " cases compared, %" PRIu64
		" mismatches\n",
		n_cases, n_mismatch);
	CHECK(n_cases >= 1000000);
	CHECK_EQ(n_mismatch, 0);
}
