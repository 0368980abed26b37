// SPDX-License-Identifier: MIT
/*
 * Exhaustive and randomized comparison of mm/ against the reference model.
 *
 * Owns the glue that builds identical page-table trees in fake memory, walks
 * them with mm/'s generic walker (pt_walk, gwalk) and with the independent
 * model in tests/ref/ref_paging.c, and compares status, level, accumulated
 * access, output address and exit information (EPT qualification, #NPF
 * EXITINFO1, #PF error code). It also compares every entry of mm/'s O(1)
 * permission tables against the model's decision, for every role.
 * Prints "mm_vs_ref: N cases compared, M mismatches" and, on a mismatch,
 * the first few failing cases in full.
 */
#include "tests/ref/ref_paging.h"
#include "hv/include/err.h"
#include "mm/access.h"
#include "mm/gwalk.h"
#include "mm/perm.h"
#include "mm/pt_format.h"
#include "mm/pt_mem.h"
#include "mm/pt_walk.h"
#include "tests/unit/harness.h"
#include "tests/unit/support/rng.h"

/* ---------------------------------------------------------- fake memory */

#define NPAGES 64
static u64 fmem[NPAGES][512];

static int fm_read(void *ctx, u64 pa, u64 *val)
{
	(void)ctx;
	if ((pa & 7) || pa / 4096 >= NPAGES)
		return -E_FAULT;
	*val = fmem[pa / 4096][(pa % 4096) / 8];
	return 0;
}

static int fm_write(void *ctx, u64 pa, u64 val)
{
	(void)ctx;
	if ((pa & 7) || pa / 4096 >= NPAGES)
		return -E_FAULT;
	fmem[pa / 4096][(pa % 4096) / 8] = val;
	return 0;
}

static int fm_cmpxchg(void *ctx, u64 pa, u64 old, u64 val)
{
	u64 cur;

	if (fm_read(ctx, pa, &cur))
		return -E_FAULT;
	if (cur != old)
		return -E_BUSY;
	return fm_write(ctx, pa, val);
}

static const struct pt_mem_ops fm_ops = { .read = fm_read,
					  .write = fm_write,
					  .cmpxchg = fm_cmpxchg };
static const struct pt_mem fm = { &fm_ops, NULL };

static bool ref_rd(void *ctx, u64 pa, u64 *val)
{
	return fm_read(ctx, pa, val) == 0;
}

static void slot_set(u64 table, u64 addr, int level, u64 val)
{
	fmem[table / 4096][pt_index(addr, level)] = val;
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

static void dump_entries(const u64 *e, int n)
{
	for (int i = 0; i < n; i++)
		fprintf(stderr, "    L%d entry %#018" PRIx64 "\n", 4 - i, e[i]);
}

static bool mismatch_begin(const char *what)
{
	n_mismatch++;
	if (n_mismatch > MAX_REPORTS)
		return false;
	fprintf(stderr, "MISMATCH #%" PRIu64 " (%s)\n", n_mismatch, what);
	return true;
}

static void dump_mm(const struct pt_walk *w, u64 info)
{
	fprintf(stderr,
		"  mm : status %u level %u acc %#x out %#" PRIx64
		" info %#" PRIx64 "\n",
		w->status, w->level, w->acc, w->out, info);
}

/* ------------------------------------------------------------------ EPT */

static acc_t ept_ref_acc(const struct ref_ept_cfg *c,
			 const struct ref_ept_result *r)
{
	acc_t a = 0;

	if (r->r)
		a |= ACC_READ;
	if (r->w)
		a |= ACC_WRITE;
	if (r->xs)
		a |= ACC_EXEC;
	if (c->mbec ? r->xu : r->xs)
		a |= ACC_USER_EXEC;
	return a;
}

struct ept_env {
	struct ref_ept_cfg cfg;
	struct pt_format f;
	struct perm_table perm;
};

static void ept_env_init(struct ept_env *v, const struct ref_ept_cfg *c)
{
	struct mmu_role role;
	u32 fl = 0;

	v->cfg = *c;
	fl |= c->mbec ? PTF_MBEC : 0;
	fl |= c->exec_only ? PTF_EXEC_ONLY : 0;
	fl |= c->ad_enabled ? PTF_AD : 0;
	fl |= c->pages_1g ? PTF_1G : 0;
	fl |= c->pages_2m ? 0 : PTF_NO_2M;
	REQUIRE(pt_format_init(&v->f, PT_EPT, c->maxphyaddr, fl) == 0);
	mmu_role_init(&role, &v->f, false, false, false);
	perm_init(&v->perm, &role);
}

static void ept_compare(const struct ept_env *v, u64 root, u64 gpa,
			enum ref_access op, bool user)
{
	struct ref_ept_req req = {
		.eptp = root, .gpa = gpa, .acc = op, .user_addr = user
	};
	struct ref_ept_result rr;
	struct pt_walk w;
	u64 q = 0;
	bool ok;

	ref_ept_walk(&v->cfg, &req, ref_rd, NULL, &rr);
	pt_walk(&v->f, &fm, root, gpa, pk_make(op, user), &v->perm, 0, &w);
	n_cases++;
	ok = same_status(rr.status, w.status) && rr.level == w.level;
	if (ok && rr.status == REF_OK)
		ok = w.out == rr.hpa && w.acc == ept_ref_acc(&v->cfg, &rr);
	if (ok &&
	    (rr.status == REF_VIOLATION || rr.status == REF_NOT_PRESENT)) {
		q = ept_violation_qual(&w, v->cfg.mbec, 0);
		ok = q == rr.qual;
	}
	if (ok || !mismatch_begin("EPT"))
		return;
	fprintf(stderr,
		"  cfg: mbec %d exec_only %d ad %d 2m %d 1g %d maxphy %u\n"
		"  gpa %#" PRIx64 " op %d user_addr %d\n",
		v->cfg.mbec, v->cfg.exec_only, v->cfg.ad_enabled,
		v->cfg.pages_2m, v->cfg.pages_1g, v->cfg.maxphyaddr, gpa, op,
		user);
	dump_entries(rr.entries, rr.nr_entries);
	fprintf(stderr,
		"  ref: %s level %d acc %#x hpa %#" PRIx64 " qual %#" PRIx64
		"\n",
		ref_status_str(rr.status), rr.level, ept_ref_acc(&v->cfg, &rr),
		rr.hpa, rr.qual);
	dump_mm(&w, q);
}

/* ------------------------------------------------------------------ NPT */

static acc_t x86ish_ref_acc(bool rw, bool us, bool nx)
{
	acc_t a = ACC_READ;

	if (rw)
		a |= ACC_WRITE;
	if (us)
		a |= ACC_USER;
	if (!nx)
		a |= ACC_EXEC | ACC_USER_EXEC;
	return a;
}

struct npt_env {
	struct ref_npt_cfg cfg;
	struct pt_format f;
	struct perm_table perm;
};

static void npt_env_init(struct npt_env *v, const struct ref_npt_cfg *c)
{
	struct mmu_role role;
	u32 fl = 0;

	v->cfg = *c;
	fl |= c->gmet ? PTF_GMET : 0;
	fl |= c->host_nxe ? PTF_NXE : 0;
	fl |= c->pages_1g ? PTF_1G : 0;
	REQUIRE(pt_format_init(&v->f, PT_NPT, c->maxphyaddr, fl) == 0);
	mmu_role_init(&role, &v->f, false, false, false);
	perm_init(&v->perm, &role);
}

static u64 npt_mm_info(const struct npt_env *v, const struct pt_walk *w, u8 cpl)
{
	unsigned fl = NPFI_FINAL;

	if (v->cfg.host_smep)
		fl |= NPFI_HOST_SMEP;
	if (v->cfg.gmet)
		fl |= NPFI_ERRATUM_1218;
	return npt_exitinfo1(w, &v->f, cpl, fl);
}

static void npt_compare(const struct npt_env *v, u64 root, u64 gpa,
			enum ref_access op, u8 cpl)
{
	struct ref_npt_req req = {
		.ncr3 = root, .gpa = gpa, .acc = op, .cpl = cpl
	};
	struct ref_npt_result rr;
	struct pt_walk w;
	u64 info = 0;
	bool ok;

	ref_npt_walk(&v->cfg, &req, ref_rd, NULL, &rr);
	pt_walk(&v->f, &fm, root, gpa, pk_make(op, cpl == 3), &v->perm, 0, &w);
	n_cases++;
	ok = same_status(rr.status, w.status) && rr.level == w.level;
	if (ok && rr.status == REF_OK)
		ok = w.out == rr.hpa &&
		     w.acc == x86ish_ref_acc(rr.rw, rr.us, rr.nx);
	if (ok && rr.status != REF_OK && rr.status != REF_MEM_ERROR) {
		info = npt_mm_info(v, &w, cpl);
		ok = info == rr.exitinfo1;
	}
	if (ok || !mismatch_begin("NPT"))
		return;
	fprintf(stderr,
		"  cfg: gmet %d host_nxe %d host_smep %d 1g %d maxphy %u\n"
		"  gpa %#" PRIx64 " op %d cpl %u\n",
		v->cfg.gmet, v->cfg.host_nxe, v->cfg.host_smep, v->cfg.pages_1g,
		v->cfg.maxphyaddr, gpa, op, cpl);
	dump_entries(rr.entries, rr.nr_entries);
	fprintf(stderr,
		"  ref: %s level %d acc %#x hpa %#" PRIx64
		" exitinfo1 %#" PRIx64 "\n",
		ref_status_str(rr.status), rr.level,
		x86ish_ref_acc(rr.rw, rr.us, rr.nx), rr.hpa, rr.exitinfo1);
	dump_mm(&w, info);
}

/* ----------------------------------------------------------- x86 paging */

struct x86_env {
	struct ref_x86_cfg cfg;
	struct pt_format f;
	struct perm_table perm;
	struct gwalk_mode gm;
};

static void x86_env_init(struct x86_env *v, const struct ref_x86_cfg *c,
			 u64 cr3)
{
	struct mmu_role role;
	u64 cr0 = BIT(0) | BIT(31) | (c->wp ? BIT(16) : 0);
	u64 cr4 = BIT(5) | (c->smep ? BIT(20) : 0) | (c->smap ? BIT(21) : 0);
	u64 efer = BIT(8) | BIT(10) | (c->nxe ? BIT(11) : 0);
	u32 fl = 0;

	v->cfg = *c;
	fl |= c->nxe ? PTF_NXE : 0;
	fl |= c->pages_1g ? PTF_1G : 0;
	fl |= c->amd ? PTF_AMD : 0;
	REQUIRE(pt_format_init(&v->f, PT_X86, c->maxphyaddr, fl) == 0);
	mmu_role_init(&role, &v->f, c->wp, c->smep, c->smap);
	perm_init(&v->perm, &role);
	REQUIRE(gwalk_mode_init(&v->gm, cr0, cr3, cr4, efer, c->maxphyaddr,
				fl & (PTF_1G | PTF_AMD)) == 0);
}

/* mm's access kind for an x86 access (mm/access.h). */
static unsigned x86_kind(const struct ref_x86_cfg *c,
			 const struct ref_x86_req *q)
{
	bool user = q->cpl == 3 && !q->implicit_sv;
	unsigned k = pk_make(q->acc, user);

	if (!user && !q->implicit_sv && c->ac && q->acc != REF_FETCH)
		k |= PK_AC;
	return k;
}

static bool x86_same_gwalk(const struct ref_x86_result *rr,
			   const struct gwalk *g)
{
	switch (rr->status) {
	case REF_OK:
		return g->status == GW_OK && g->gpa == rr->gpa &&
		       g->user_la == rr->user_addr;
	case REF_NOT_PRESENT:
	case REF_RSVD:
	case REF_VIOLATION:
		return g->status == GW_PF && g->pf_error == rr->error_code;
	case REF_MISCONFIG:
		return false;
	case REF_MEM_ERROR:
		return g->status == GW_BAD_MEM;
	}
	return false;
}

static void x86_report(const struct x86_env *v, const struct ref_x86_req *q,
		       const struct ref_x86_result *rr, const struct pt_walk *w,
		       const struct gwalk *g)
{
	if (!mismatch_begin("x86"))
		return;
	fprintf(stderr,
		"  cfg: wp %d smep %d smap %d nxe %d ac %d 1g %d amd %d "
		"maxphy %u\n  gva %#" PRIx64 " op %d cpl %u implicit %d\n",
		v->cfg.wp, v->cfg.smep, v->cfg.smap, v->cfg.nxe, v->cfg.ac,
		v->cfg.pages_1g, v->cfg.amd, v->cfg.maxphyaddr, q->gva, q->acc,
		q->cpl, q->implicit_sv);
	dump_entries(rr->entries, rr->nr_entries);
	fprintf(stderr,
		"  ref: %s level %d acc %#x gpa %#" PRIx64
		" pfec %#x user_addr %d\n",
		ref_status_str(rr->status), rr->level,
		x86ish_ref_acc(rr->rw, rr->user_addr, rr->nx), rr->gpa,
		rr->error_code, rr->user_addr);
	dump_mm(w, 0);
	fprintf(stderr,
		"  gwalk: status %u level %u pfec %#x gpa %#" PRIx64
		" user_la %d\n",
		g->status, g->level, g->pf_error, g->gpa, g->user_la);
}

static void x86_compare(const struct x86_env *v, u64 root, u64 gva,
			enum ref_access op, u8 cpl, bool implicit)
{
	struct ref_x86_req req = { .cr3 = root,
				   .gva = gva,
				   .acc = op,
				   .cpl = cpl,
				   .implicit_sv = implicit };
	/* gwalk wants a canonical linear address; the walk uses bits 47:0. */
	u64 la = (u64)((s64)(gva << 16) >> 16);
	struct gwalk_access ga = { .la = la,
				   .op = op,
				   .cpl = cpl,
				   .ac = v->cfg.ac,
				   .implicit = implicit };
	struct ref_x86_result rr;
	struct pt_walk w;
	struct gwalk g;
	bool ok;

	ref_x86_walk(&v->cfg, &req, ref_rd, NULL, &rr);
	pt_walk(&v->f, &fm, root, gva, x86_kind(&v->cfg, &req), &v->perm, 0,
		&w);
	gwalk(&v->gm, NULL, &fm, &ga, 0, &g);
	n_cases++;
	ok = same_status(rr.status, w.status) && rr.level == w.level;
	if (ok && rr.status == REF_OK)
		ok = w.out == rr.gpa &&
		     w.acc == x86ish_ref_acc(rr.rw, rr.user_addr, rr.nx);
	ok = ok && x86_same_gwalk(&rr, &g);
	if (!ok)
		x86_report(v, &req, &rr, &w, &g);
}

/* ------------------------------------------------- exhaustive: 2 levels */

/*
 * A fixed 4-level path for ADDR: PML4 at page 1, PDPT at 2, PD at 3, PT at
 * 4. Two entries on it vary over every combination of their permission
 * bits and a few extra bits (reserved, ignored, page size, memory type);
 * the others grant everything.
 */
#define ADDR 0x00001d4a5c7e9123ULL
#define ADDR_MASK48 ((1ULL << 48) - 1)
#define T(level) ((u64)(5 - (level)) * 4096)

struct combo {
	int upper, leaf; /* varied levels: leaf maps the page */
};

static const struct combo combos[] = {
	{ 4, 1 }, { 3, 1 }, { 2, 1 }, { 4, 2 }, { 3, 2 }, { 4, 3 },
};

/* Fill the path; `full` grants everything at a non-leaf level. */
static void path_init(u64 full, int leaf)
{
	memset(fmem, 0, sizeof(fmem));
	for (int level = 4; level > leaf; level--)
		slot_set(T(level), ADDR, level, full | T(level - 1));
}

static u64 leaf_frame(int level)
{
	u64 frame = 0x5a5a5ULL << 12 & ~(pt_level_size(level) - 1);

	return frame | BIT(34); /* high but below every MAXPHYADDR used */
}

static u64 ept_perm_bits(unsigned i)
{
	return (i & 7) | ((i & 8) ? EPTE_XU : 0);
}

/* Extra bits for the varied non-leaf EPT entry. */
static const u64 ept_upper_extra[] = {
	0, BIT(3), BIT(7), BIT(8), BIT(39), BIT(63), BIT(11),
};

static void ept_exhaustive_one(const struct ept_env *v, const struct combo *c)
{
	u64 full = 7 | EPTE_XU, root = T(4);

	path_init(full, c->leaf);
	for (unsigned u = 0; u < 16 * ARRAY_SIZE(ept_upper_extra); u++) {
		u64 ue = ept_perm_bits(u % 16) | ept_upper_extra[u / 16];

		slot_set(T(c->upper), ADDR, c->upper, ue | T(c->upper - 1));
		for (unsigned l = 0; l < 16 * 8 * 4; l++) {
			u64 le = ept_perm_bits(l % 16) | ((l / 16 % 8) << 3);
			unsigned extra = l / 128;

			le |= leaf_frame(c->leaf);
			le |= c->leaf > 1 ? EPTE_PS : 0;
			/* EPT large leaves reserve 20:12 / 29:12. */
			if (extra == 3)
				le |= c->leaf > 1 ? BIT(12) : BIT(52);
			le |= extra == 1 ? EPTE_IPAT : 0;
			le |= extra == 2 ? (c->leaf > 1 ? BIT(39) : BIT(7)) : 0;
			slot_set(T(c->leaf), ADDR, c->leaf, le);
			for (int op = 0; op < 3; op++) {
				ept_compare(v, root, ADDR, op, false);
				if (op == REF_FETCH)
					ept_compare(v, root, ADDR, op, true);
			}
		}
	}
}

TEST(ept_exhaustive)
{
	u64 before = n_mismatch;

	/* EPT A/D changes nothing for pt_walk: the random test varies it. */
	for (unsigned r = 0; r < 4; r++) {
		struct ref_ept_cfg c = { .mbec = r & 1,
					 .exec_only = r & 2,
					 .pages_2m = true,
					 .pages_1g = true,
					 .maxphyaddr = 39 };
		struct ept_env v;

		ept_env_init(&v, &c);
		for (unsigned i = 0; i < ARRAY_SIZE(combos); i++)
			ept_exhaustive_one(&v, &combos[i]);
	}
	CHECK_EQ(n_mismatch, before);
}

static u64 x86_perm_bits(unsigned i)
{
	return (i & 7) | ((i & 8) ? PTE_NX : 0);
}

/* Extra bits for the varied NPT/x86 non-leaf entry. */
static const u64 x86_upper_extra[] = {
	0, BIT(7), BIT(8), BIT(40), PTE_PWT | PTE_PCD | PTE_A, BIT(62),
};

/* Extra bits for the varied NPT/x86 leaf. */
static u64 x86_leaf_extra(unsigned x, int level)
{
	switch (x) {
	case 1:
		return level == 1 ? PTE_PAT_4K : PTE_PAT_LARGE;
	case 2:
		return PTE_G;
	case 3:
		return PTE_A | PTE_D;
	case 4:
		return BIT(40);
	case 5:
		return level == 1 ? BIT(13) : BIT(20);
	}
	return 0;
}

#define X86_LEAF_EXTRA 6

typedef void (*x86ish_case_fn)(const void *env, u64 root);

/* The first n_upper of x86_upper_extra[] are tried on the upper entry. */
static void x86ish_exhaustive_one(const void *env, const struct combo *c,
				  unsigned n_upper, x86ish_case_fn fn)
{
	u64 full = PTE_P | PTE_RW | PTE_US, root = T(4);

	path_init(full, c->leaf);
	for (unsigned u = 0; u < 16 * n_upper; u++) {
		u64 ue = x86_perm_bits(u % 16) | x86_upper_extra[u / 16];

		slot_set(T(c->upper), ADDR, c->upper, ue | T(c->upper - 1));
		for (unsigned l = 0; l < 16 * X86_LEAF_EXTRA; l++) {
			u64 le = x86_perm_bits(l % 16) |
				 x86_leaf_extra(l / 16, c->leaf);

			le |= leaf_frame(c->leaf);
			le |= c->leaf > 1 ? PTE_PS : 0;
			slot_set(T(c->leaf), ADDR, c->leaf, le);
			fn(env, root);
		}
	}
}

static void npt_case(const void *env, u64 root)
{
	for (int op = 0; op < 3; op++) {
		npt_compare(env, root, ADDR, op, 0);
		npt_compare(env, root, ADDR, op, 3);
	}
}

TEST(npt_exhaustive)
{
	u64 before = n_mismatch;

	for (unsigned r = 0; r < 8; r++) {
		struct ref_npt_cfg c = { .gmet = r & 1,
					 .host_nxe = r & 2,
					 .host_smep = r & 4,
					 .pages_1g = true,
					 .maxphyaddr = 40 };
		struct npt_env v;

		npt_env_init(&v, &c);
		for (unsigned i = 0; i < ARRAY_SIZE(combos); i++)
			x86ish_exhaustive_one(&v, &combos[i],
					      ARRAY_SIZE(x86_upper_extra),
					      npt_case);
	}
	CHECK_EQ(n_mismatch, before);
}

static void x86_case(const void *env, u64 root)
{
	for (int op = 0; op < 3; op++) {
		x86_compare(env, root, ADDR, op, 0, false);
		x86_compare(env, root, ADDR, op, 3, false);
		if (op != REF_FETCH)
			x86_compare(env, root, ADDR, op, 3, true);
	}
}

TEST(x86_exhaustive)
{
	u64 before = n_mismatch;

	/* EFLAGS.AC matters only with SMAP; AMD bit 8: see x86_random. */
	for (unsigned r = 0; r < 32; r++) {
		struct ref_x86_cfg c = { .wp = r & 1,
					 .smep = r & 2,
					 .smap = r & 4,
					 .nxe = r & 8,
					 .ac = r & 16,
					 .pages_1g = true,
					 .maxphyaddr = 40 };
		struct x86_env v;

		if (c.ac && !c.smap)
			continue;

		x86_env_init(&v, &c, T(4));
		for (unsigned i = 0; i < ARRAY_SIZE(combos); i++)
			x86ish_exhaustive_one(&v, &combos[i], 4, x86_case);
	}
	CHECK_EQ(n_mismatch, before);
}

/* ------------------------------------ O(1) permission tables vs. model */

static void perm_mismatch(const char *fmt_name, unsigned role, unsigned kind,
			  acc_t acc, bool mm, bool ref)
{
	if (!mismatch_begin("permission table"))
		return;
	fprintf(stderr, "  %s role %#x kind %#x acc %#x: mm %s, ref %s\n",
		fmt_name, role, kind, acc, mm ? "fault" : "ok",
		ref ? "fault" : "ok");
}

static void perm_ept_role(unsigned r)
{
	struct ref_ept_cfg c = { .mbec = r & 1,
				 .exec_only = r & 2,
				 .pages_2m = true,
				 .maxphyaddr = 46 };
	struct ept_env v;

	ept_env_init(&v, &c);
	for (unsigned kind = 0; kind < PK_NR; kind++) {
		if (!pk_valid(kind))
			continue;
		for (acc_t a = 0; a < ACC_NR_COMBOS; a++) {
			bool mm = perm_fault(&v.perm, kind, a);
			bool ref =
				ref_ept_denies(&c, a & ACC_READ, a & ACC_WRITE,
					       a & ACC_EXEC, a & ACC_USER_EXEC,
					       pk_op(kind), pk_is_user(kind));

			n_cases++;
			if (mm != ref)
				perm_mismatch("EPT", r, kind, a, mm, ref);
		}
	}
}

/*
 * NPT/x86 acc values a walk can produce: READ set (every entry present),
 * USER_EXEC equal to EXEC, EXEC set when NX is reserved (NXE=0).
 */
static bool x86ish_reachable(acc_t a, bool nxe)
{
	if (!(a & ACC_READ))
		return false;
	if (!(a & ACC_EXEC) != !(a & ACC_USER_EXEC))
		return false;
	return nxe || (a & ACC_EXEC);
}

static void perm_npt_role(unsigned r)
{
	struct ref_npt_cfg c = { .gmet = r & 1,
				 .host_nxe = r & 2,
				 .maxphyaddr = 46 };
	struct npt_env v;

	npt_env_init(&v, &c);
	for (unsigned kind = 0; kind < PK_NR; kind++) {
		if (!pk_valid(kind))
			continue;
		for (acc_t a = 0; a < ACC_NR_COMBOS; a++) {
			bool mm, ref;

			if (!x86ish_reachable(a, c.host_nxe))
				continue;
			mm = perm_fault(&v.perm, kind, a);
			ref = ref_npt_denies(&c, a & ACC_WRITE, a & ACC_USER,
					     !(a & ACC_EXEC), pk_op(kind),
					     pk_is_user(kind) ? 3 : 0);
			n_cases++;
			if (mm != ref)
				perm_mismatch("NPT", r, kind, a, mm, ref);
		}
	}
}

static void perm_x86_role(unsigned r)
{
	struct ref_x86_cfg c = { .wp = r & 1,
				 .smep = r & 2,
				 .smap = r & 4,
				 .nxe = r & 8,
				 .maxphyaddr = 46 };
	struct x86_env v;

	x86_env_init(&v, &c, T(4));
	for (unsigned kind = 0; kind < PK_NR; kind++) {
		if (!pk_valid(kind))
			continue;
		for (acc_t a = 0; a < ACC_NR_COMBOS; a++) {
			bool user = pk_is_user(kind), mm, ref;

			if (!x86ish_reachable(a, c.nxe))
				continue;
			/* Explicit supervisor data accesses carry AC. */
			c.ac = !user && (kind & PK_AC);
			mm = perm_fault(&v.perm, kind, a);
			ref = ref_x86_denies(&c, a & ACC_WRITE, a & ACC_USER,
					     !(a & ACC_EXEC), pk_op(kind),
					     user ? 3 : 0, false);
			n_cases++;
			if (mm != ref)
				perm_mismatch("x86", r, kind, a, mm, ref);
		}
	}
}

TEST(permission_tables)
{
	u64 before = n_mismatch;

	for (unsigned r = 0; r < 4; r++)
		perm_ept_role(r);
	for (unsigned r = 0; r < 4; r++)
		perm_npt_role(r);
	for (unsigned r = 0; r < 16; r++)
		perm_x86_role(r);
	CHECK_EQ(n_mismatch, before);
}

/* ------------------------------------------------------ randomized trees */

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	return rng_next(&rng_state);
}

static unsigned rnd_n(unsigned n)
{
	return (unsigned)(rnd() % n);
}

/* Pages 1..RT_PAGES-1 hold tables: page p is at level rt_level(p). */
#define RT_PAGES 40
#define RT_FILL 6 /* entries 0..RT_FILL-1 of each table are populated */

static int rt_level(unsigned page)
{
	if (page == 1)
		return 4;
	return page < 8 ? 3 : page < 18 ? 2 : 1;
}

static u64 rt_table_for(int level)
{
	unsigned lo = level == 3 ? 2 : level == 2 ? 8 : 18;
	unsigned hi = level == 3 ? 8 : level == 2 ? 18 : RT_PAGES;

	if (rnd_n(64) == 0)
		return (u64)(NPAGES + rnd_n(8)) * 4096; /* outside memory */
	if (rnd_n(64) == 0)
		return (u64)(1 + rnd_n(RT_PAGES - 1)) * 4096; /* any table */
	return (u64)(lo + rnd_n(hi - lo)) * 4096;
}

/* A random bit that is reserved, ignored or an address bit somewhere. */
static u64 rt_noise(u8 maxphy)
{
	static const u8 pick[] = { 3,  4,  5,  6,  7,  8,  9,  10, 11, 12,
				   13, 20, 21, 29, 30, 51, 52, 58, 62, 63 };
	unsigned i = rnd_n(ARRAY_SIZE(pick) + 1);

	if (i == ARRAY_SIZE(pick) && maxphy < 52)
		return BIT(maxphy + rnd_n(52 - maxphy));
	if (i == ARRAY_SIZE(pick))
		i = 0;
	return BIT(pick[i]);
}

/* Frame of a leaf at level: random, aligned, below bit 38. */
static u64 rt_frame(int level)
{
	return (rnd() & ((1ULL << 38) - 1)) & ~(pt_level_size(level) - 1);
}

typedef u64 (*rt_perm_fn)(int level, bool leaf);

static u64 ept_rand_perm(int level, bool leaf)
{
	static const u8 good_mt[] = { 0, 1, 4, 5, 6 };
	u64 e = rnd_n(8) | (rnd_n(2) ? EPTE_XU : 0);

	if (rnd_n(4))
		e |= EPTE_R; /* mostly valid entries */
	if (leaf) {
		e |= (u64)good_mt[rnd_n(5)] << 3;
		if (rnd_n(32) == 0)
			e = (e & ~EPTE_MT_MASK) | ((u64)(2 + rnd_n(6)) << 3);
		e |= rnd_n(2) ? EPTE_IPAT : 0;
		e |= level > 1 ? EPTE_PS : 0;
	}
	e |= rnd_n(2) ? EPTE_A : 0;
	return e;
}

static u64 x86_rand_perm(int level, bool leaf)
{
	u64 e = rnd() & (PTE_RW | PTE_US | PTE_PWT | PTE_PCD | PTE_A);

	e |= rnd_n(16) ? PTE_P : 0;
	e |= rnd_n(3) == 0 ? PTE_NX : 0;
	if (leaf) {
		e |= level > 1 ? PTE_PS : 0;
		e |= rnd() & (PTE_D | PTE_G);
	}
	return e;
}

static void rt_build(rt_perm_fn perm, u8 maxphy)
{
	memset(fmem, 0, sizeof(fmem));
	for (unsigned p = 1; p < RT_PAGES; p++) {
		int level = rt_level(p);

		for (unsigned i = 0; i < RT_FILL; i++) {
			bool leaf = level == 1 || (level <= 3 && rnd_n(3) == 0);
			u64 e = perm(level, leaf);

			e |= leaf ? rt_frame(level) : rt_table_for(level - 1);
			if (rnd_n(12) == 0)
				e |= rt_noise(maxphy);
			if (rnd_n(20) == 0)
				e = 0;
			fmem[p][i] = e;
		}
	}
}

/* An address whose indices mostly hit populated entries. */
static u64 rt_addr(void)
{
	u64 a = rnd() & 0xfff;

	for (int level = 1; level <= 4; level++) {
		u64 idx = rnd_n(32) ? rnd_n(RT_FILL) : rnd_n(512);

		a |= idx << pt_level_shift(level);
	}
	return a & ADDR_MASK48;
}

#define RT_TREES 2000
#define RT_WALKS 500

TEST(ept_random)
{
	u64 before = n_mismatch;

	for (unsigned t = 0; t < RT_TREES; t++) {
		struct ref_ept_cfg c = { .mbec = rnd_n(2),
					 .exec_only = rnd_n(2),
					 .ad_enabled = rnd_n(2),
					 .pages_2m = rnd_n(4) != 0,
					 .pages_1g = rnd_n(2),
					 .maxphyaddr = 39 + rnd_n(14) };
		struct ept_env v;

		ept_env_init(&v, &c);
		rt_build(ept_rand_perm, c.maxphyaddr);
		for (unsigned i = 0; i < RT_WALKS; i++)
			ept_compare(&v, 4096, rt_addr(), rnd_n(3), rnd_n(2));
	}
	CHECK_EQ(n_mismatch, before);
}

TEST(npt_random)
{
	u64 before = n_mismatch;

	for (unsigned t = 0; t < RT_TREES; t++) {
		struct ref_npt_cfg c = { .gmet = rnd_n(2),
					 .host_nxe = rnd_n(4) != 0,
					 .host_smep = rnd_n(2),
					 .pages_1g = rnd_n(2),
					 .maxphyaddr = 39 + rnd_n(14) };
		struct npt_env v;

		npt_env_init(&v, &c);
		rt_build(x86_rand_perm, c.maxphyaddr);
		for (unsigned i = 0; i < RT_WALKS; i++)
			npt_compare(&v, 4096, rt_addr(), rnd_n(3), rnd_n(4));
	}
	CHECK_EQ(n_mismatch, before);
}

TEST(x86_random)
{
	u64 before = n_mismatch;

	for (unsigned t = 0; t < RT_TREES; t++) {
		struct ref_x86_cfg c = { .wp = rnd_n(2),
					 .smep = rnd_n(2),
					 .smap = rnd_n(2),
					 .nxe = rnd_n(4) != 0,
					 .ac = rnd_n(2),
					 .amd = rnd_n(2),
					 .pages_1g = rnd_n(2),
					 .maxphyaddr = 39 + rnd_n(14) };
		struct x86_env v;

		x86_env_init(&v, &c, 4096);
		rt_build(x86_rand_perm, c.maxphyaddr);
		for (unsigned i = 0; i < RT_WALKS; i++) {
			unsigned op = rnd_n(3);

			x86_compare(&v, 4096, rt_addr(), op, rnd_n(4),
				    op != REF_FETCH && rnd_n(4) == 0);
		}
	}
	CHECK_EQ(n_mismatch, before);
}

/* ------------------------------- gwalk over a stage 2 vs. composed model */

/*
 * Guest tables: pages 1..RT_PAGES-1 at GPA = HPA (a random x86 tree).
 * Stage 2: PML4 at S2_PML4, PDPT[0] -> PD, PD[0] -> PT mapping the guest
 * table pages 1:1 with random permissions; the other PDPT entries are
 * random 1 GiB leaves and the other PD entries random 2 MiB leaves, so
 * the guest's random final GPAs (below 2^38) meet every kind of stage-2
 * entry.
 */
#define S2_PML4 (40 * 4096ULL)
#define S2_PDPT (41 * 4096ULL)
#define S2_PD (42 * 4096ULL)
#define S2_PT (43 * 4096ULL)

static void s2_build(rt_perm_fn perm, u64 full, u64 table_ok, u8 maxphy)
{
	fmem[S2_PML4 / 4096][0] = full | S2_PDPT;
	fmem[S2_PDPT / 4096][0] = full | S2_PD;
	fmem[S2_PD / 4096][0] = full | S2_PT;
	for (unsigned i = 1; i < 512; i++) {
		u64 e1 = perm(1, true) | (u64)i * 4096;
		u64 e2 = perm(2, true) | (u64)i << 21;
		u64 e3 = perm(3, true) | (u64)i << 30;

		if (rnd_n(16) == 0)
			e2 |= rt_noise(maxphy);
		if (rnd_n(16) == 0)
			e3 |= rt_noise(maxphy);
		/* Guest tables stay mostly accessible so walks get deep. */
		fmem[S2_PT / 4096][i] =
			i < RT_PAGES && rnd_n(8) ? e1 | table_ok : e1;
		fmem[S2_PD / 4096][i] = e2;
		fmem[S2_PDPT / 4096][i] = i < 256 ? e3 : 0;
	}
}

/* Composition context: the model's guest walk reads through stage 2. */
struct cmp_ctx {
	const struct ept_env *ept; /* exactly one of ept/npt */
	const struct npt_env *npt;
	u8 cpl;
	bool faulted;
	u64 fault_gpa;
	struct ref_ept_result er;
	struct ref_npt_result nr;
};

static bool s2_ref_walk(struct cmp_ctx *x, u64 gpa, enum ref_access op,
			bool user_addr, bool gpt)
{
	if (x->ept) {
		struct ref_ept_req q = { .eptp = S2_PML4,
					 .gpa = gpa,
					 .acc = op,
					 .user_addr = user_addr,
					 .gpt = gpt };

		ref_ept_walk(&x->ept->cfg, &q, ref_rd, NULL, &x->er);
		return x->er.status == REF_OK;
	}
	struct ref_npt_req q = { .ncr3 = S2_PML4,
				 .gpa = gpa,
				 .acc = op,
				 .cpl = x->cpl,
				 .gpt = gpt };

	ref_npt_walk(&x->npt->cfg, &q, ref_rd, NULL, &x->nr);
	return x->nr.status == REF_OK;
}

/* Guest paging-structure reads are stage-2 data reads (SDM 29.3.3.2). */
static bool composed_rd(void *ctx, u64 gpa, u64 *val)
{
	struct cmp_ctx *x = ctx;
	u64 hpa;

	if (!s2_ref_walk(x, gpa, REF_READ, false, true)) {
		x->faulted = true;
		x->fault_gpa = gpa;
		return false;
	}
	hpa = x->ept ? x->er.hpa : x->nr.hpa;
	return ref_rd(NULL, hpa, val);
}

/* Expected EPT exit qualification: bits 0-6 plus 7, 8 and 9-11. */
static u64 composed_ept_qual(const struct cmp_ctx *x, bool final,
			     const struct ref_x86_result *gr,
			     const struct ref_x86_cfg *gc)
{
	u64 q = x->er.qual | EPTVQ_GLA_VALID;

	if (!final)
		return q;
	q |= EPTVQ_FINAL;
	q |= gr->user_addr ? EPTVQ_USER_LA : 0;
	q |= gr->rw ? EPTVQ_WRITABLE_LA : 0;
	q |= gc->nxe && gr->nx ? EPTVQ_NX_LA : 0;
	return q;
}

struct gw_case {
	struct ref_x86_cfg gc;
	struct x86_env *gv;
	struct cmp_ctx x;
	struct ref_x86_req req;
};

static void gw_report(const struct gw_case *c, const struct ref_x86_result *gr,
		      bool s2, bool final, u64 exp, const struct gwalk *g,
		      u64 got)
{
	if (!mismatch_begin(c->x.ept ? "gwalk+EPT" : "gwalk+NPT"))
		return;
	fprintf(stderr,
		"  guest: wp %d smep %d smap %d nxe %d ac %d amd %d; "
		"la %#" PRIx64 " op %d cpl %u implicit %d\n",
		c->gc.wp, c->gc.smep, c->gc.smap, c->gc.nxe, c->gc.ac,
		c->gc.amd, c->req.gva, c->req.acc, c->req.cpl,
		c->req.implicit_sv);
	if (c->x.ept)
		fprintf(stderr, "  ept: mbec %d exec_only %d ad %d\n",
			c->x.ept->cfg.mbec, c->x.ept->cfg.exec_only,
			c->x.ept->cfg.ad_enabled);
	else
		fprintf(stderr, "  npt: gmet %d nxe %d smep %d\n",
			c->x.npt->cfg.gmet, c->x.npt->cfg.host_nxe,
			c->x.npt->cfg.host_smep);
	dump_entries(gr->entries, gr->nr_entries);
	fprintf(stderr,
		"  ref: guest %s level %d pfec %#x user %d; s2 fault %d "
		"final %d gpa %#" PRIx64 " info %#" PRIx64 "\n",
		ref_status_str(gr->status), gr->level, gr->error_code,
		gr->user_addr, s2, final, c->x.fault_gpa, exp);
	fprintf(stderr,
		"  mm : status %u level %u pfec %#x user %d; s2 status %u "
		"level %u kind %#x final %d gpa %#" PRIx64 " info %#" PRIx64
		"\n",
		g->status, g->level, g->pf_error, g->user_la, g->s2.status,
		g->s2.level, g->s2_kind, g->s2_final, g->gpa, got);
}

static u64 gw_mm_info(const struct gw_case *c, const struct gwalk *g)
{
	unsigned fl = 0;

	if (c->x.ept)
		return gwalk_ept_qual(g, &c->gv->gm, c->x.ept->cfg.mbec, true);
	fl |= c->x.npt->cfg.host_smep ? NPFI_HOST_SMEP : 0;
	fl |= c->x.npt->cfg.gmet ? NPFI_ERRATUM_1218 : 0;
	return gwalk_npt_exitinfo1(g, &c->x.npt->f, c->req.cpl, fl);
}

static void gw_compare(struct gw_case *c, const struct gwalk_stage2 *s2)
{
	struct gwalk_access ga = { .la = c->req.gva,
				   .op = c->req.acc,
				   .cpl = c->req.cpl,
				   .ac = c->gc.ac,
				   .implicit = c->req.implicit_sv };
	struct ref_x86_result gr;
	struct gwalk g;
	bool s2f = false, final = false, ok;
	u64 exp = 0, got = 0;
	enum ref_status s2st = REF_OK;

	c->x.cpl = c->req.cpl;
	c->x.faulted = false;
	ref_x86_walk(&c->gc, &c->req, composed_rd, &c->x, &gr);
	if (gr.status == REF_MEM_ERROR && c->x.faulted) {
		s2f = true;
	} else if (gr.status == REF_OK) {
		/* MBEC: user-mode linear address; GMET: the CPL. */
		final = true;
		c->x.fault_gpa = gr.gpa;
		s2f = !s2_ref_walk(&c->x, gr.gpa, c->req.acc, gr.user_addr,
				   false);
	}
	gwalk(&c->gv->gm, s2, &fm, &ga, 0, &g);
	n_cases++;
	if (s2f) {
		s2st = c->x.ept ? c->x.er.status : c->x.nr.status;
		exp = c->x.ept ? composed_ept_qual(&c->x, final, &gr, &c->gc) :
				 c->x.nr.exitinfo1;
		got = gw_mm_info(c, &g);
		ok = g.status == GW_S2 && g.s2_final == final &&
		     g.gpa == c->x.fault_gpa && same_status(s2st, g.s2.status);
		if (ok && s2st != REF_MISCONFIG)
			ok = got == exp;
	} else if (gr.status == REF_OK) {
		ok = g.status == GW_OK && g.gpa == gr.gpa &&
		     g.user_la == gr.user_addr &&
		     g.hpa == (c->x.ept ? c->x.er.hpa : c->x.nr.hpa);
	} else {
		ok = x86_same_gwalk(&gr, &g);
	}
	if (!ok)
		gw_report(c, &gr, s2f, final, exp, &g, got);
}

static void gw_random_trees(bool use_ept)
{
	for (unsigned t = 0; t < RT_TREES / 4; t++) {
		struct gw_case c = { 0 };
		struct x86_env gv;
		struct ept_env ev;
		struct npt_env nv;
		struct gwalk_stage2 s2 = { .mem = &fm, .root = S2_PML4 };

		c.gc = (struct ref_x86_cfg){ .wp = rnd_n(2),
					     .smep = rnd_n(2),
					     .smap = rnd_n(2),
					     .nxe = rnd_n(4) != 0,
					     .ac = rnd_n(2),
					     .amd = !use_ept,
					     .pages_1g = true,
					     .maxphyaddr = 39 };
		x86_env_init(&gv, &c.gc, 4096);
		c.gv = &gv;
		rt_build(x86_rand_perm, 39);
		if (use_ept) {
			struct ref_ept_cfg ec = { .mbec = rnd_n(2),
						  .exec_only = rnd_n(2),
						  .ad_enabled = rnd_n(2),
						  .pages_2m = true,
						  .pages_1g = true,
						  .maxphyaddr = 40 };

			ept_env_init(&ev, &ec);
			s2_build(ept_rand_perm, 7 | EPTE_XU, 3, 40);
			c.x.ept = &ev;
			s2.fmt = &ev.f;
			s2.perm = &ev.perm;
		} else {
			struct ref_npt_cfg nc = { .gmet = rnd_n(2),
						  .host_nxe = rnd_n(4) != 0,
						  .host_smep = rnd_n(2),
						  .pages_1g = true,
						  .maxphyaddr = 40 };

			npt_env_init(&nv, &nc);
			s2_build(x86_rand_perm, 7, 7, 40);
			c.x.npt = &nv;
			s2.fmt = &nv.f;
			s2.perm = &nv.perm;
		}
		for (unsigned i = 0; i < RT_WALKS; i++) {
			unsigned op = rnd_n(3);

			c.req = (struct ref_x86_req){
				.cr3 = 4096,
				.gva = rt_addr() & ((1ULL << 47) - 1),
				.acc = op,
				.cpl = rnd_n(4),
				.implicit_sv = op != REF_FETCH && rnd_n(4) == 0
			};
			gw_compare(&c, &s2);
		}
	}
}

TEST(gwalk_ept_random)
{
	u64 before = n_mismatch;

	gw_random_trees(true);
	CHECK_EQ(n_mismatch, before);
}

TEST(gwalk_npt_random)
{
	u64 before = n_mismatch;

	gw_random_trees(false);
	CHECK_EQ(n_mismatch, before);
}

/* Last test registered: the summary line the brief asks for. */
TEST(summary)
{
	fprintf(stderr,
		"mm_vs_ref: %" PRIu64 " cases compared, %" PRIu64
		" mismatches\n",
		n_cases, n_mismatch);
	CHECK(n_cases >= 1000000);
	CHECK_EQ(n_mismatch, 0);
}
