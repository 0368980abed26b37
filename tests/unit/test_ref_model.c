// SPDX-License-Identifier: MIT
/*
 * Self-tests of the reference paging model (tests/ref/ref_paging.c).
 *
 * Owns hand-computed vectors from the Intel SDM, the AMD APM and
 * REFERENCE.md sections 2 and 4, so that a mistake in the oracle is caught
 * before the oracle is used to judge mm/.
 */
#include "tests/ref/ref_paging.h"
#include "tests/unit/harness.h"

#define NPAGES 16
static u64 mem[NPAGES][512];
static int next_page;

static bool mem_read(void *ctx, u64 pa, u64 *val)
{
	(void)ctx;
	if (pa & 7 || pa / 4096 >= NPAGES)
		return false;
	*val = mem[pa / 4096][(pa % 4096) / 8];
	return true;
}

/*
 * Build a path for @addr from level 4 down to @leaf_level: flags[0] is the
 * PML4E's flags, ...; non-leaf entries get the next table's address, the
 * leaf gets @frame. Returns the root (table at page 1).
 */
static u64 build(u64 addr, int leaf_level, const u64 *flags, u64 frame)
{
	u64 table;

	memset(mem, 0, sizeof(mem));
	next_page = 1;
	table = (u64)next_page++ * 4096;
	for (int level = 4, i = 0; level >= leaf_level; level--, i++) {
		u64 idx = (addr >> (12 + 9 * (level - 1))) & 511;
		u64 *slot = &mem[table / 4096][idx];

		if (level == leaf_level) {
			*slot = flags[i] | frame;
		} else {
			u64 next = (u64)next_page++ * 4096;

			*slot = flags[i] | next;
			table = next;
		}
	}
	return 1 * 4096;
}

/* ------------------------------------------------------------------ EPT */

#define MT_WB (6ULL << 3)
#define XU (1ULL << 10)
#define GPA 0x12345678ULL
#define FRAME 0x7654321000ULL

static struct ref_ept_cfg ept_cfg(bool mbec, bool exec_only)
{
	return (struct ref_ept_cfg){ .mbec = mbec,
				     .exec_only = exec_only,
				     .pages_2m = true,
				     .pages_1g = true,
				     .maxphyaddr = 46 };
}

static struct ref_ept_result ept(const struct ref_ept_cfg *cfg, u64 leaf,
				 enum ref_access acc, bool user)
{
	u64 f[4] = { 7 | XU, 7 | XU, 7 | XU, leaf };
	struct ref_ept_req req = { .eptp = build(GPA, 1, f, FRAME) | 0x1e,
				   .gpa = GPA,
				   .acc = acc,
				   .user_addr = user };
	struct ref_ept_result res;

	ref_ept_walk(cfg, &req, mem_read, NULL, &res);
	return res;
}

TEST(ept_full_access_ok)
{
	struct ref_ept_cfg c = ept_cfg(true, false);
	struct ref_ept_result r;

	for (int acc = 0; acc < 3; acc++) {
		for (int u = 0; u < 2; u++) {
			r = ept(&c, 7 | XU | MT_WB, acc, u);
			CHECK_EQ(r.status, REF_OK);
			CHECK_EQ(r.level, 1);
			CHECK_EQ(r.hpa, FRAME | (GPA & 0xfff));
		}
	}
}

/* REFERENCE.md 4: a fetch needs XS (supervisor address) or XU (user). */
TEST(ept_mbec_fetch_rules)
{
	struct ref_ept_cfg c = ept_cfg(true, false);
	struct ref_ept_result r;

	r = ept(&c, 5 | MT_WB, REF_FETCH, false); /* R+XS */
	CHECK_EQ(r.status, REF_OK);
	r = ept(&c, 5 | MT_WB, REF_FETCH, true);
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.qual, 0x4 | 0x8 | 0x20);
	r = ept(&c, 1 | XU | MT_WB, REF_FETCH, true); /* R+XU */
	CHECK_EQ(r.status, REF_OK);
	r = ept(&c, 1 | XU | MT_WB, REF_FETCH, false);
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.qual, 0x4 | 0x8 | 0x40);
	r = ept(&c, 5 | MT_WB, REF_WRITE, false);
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.qual, 0x2 | 0x8 | 0x20);
	r = ept(&c, 3 | MT_WB, REF_READ, true); /* no execute at all */
	CHECK_EQ(r.status, REF_OK);
}

/* Without MBEC bit 10 is ignored: X alone governs every fetch. */
TEST(ept_no_mbec_ignores_bit10)
{
	struct ref_ept_cfg c = ept_cfg(false, false);
	struct ref_ept_result r;

	r = ept(&c, 1 | XU | MT_WB, REF_FETCH, true);
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.qual, 0x4 | 0x8); /* bit 6 clear */
	r = ept(&c, 5 | MT_WB, REF_FETCH, true);
	CHECK_EQ(r.status, REF_OK);
	r = ept(&c, XU | MT_WB, REF_READ, false); /* not present */
	CHECK_EQ(r.status, REF_NOT_PRESENT);
	CHECK_EQ(r.qual, 0x1);
	CHECK_EQ(r.level, 1);
}

/* SDM 29.3.3.1; XU-only counts as execute-only under MBEC. */
TEST(ept_misconfigurations)
{
	struct ref_ept_cfg c = ept_cfg(true, false);
	struct ref_ept_cfg xo = ept_cfg(true, true);
	struct ref_ept_result r;

	CHECK_EQ(ept(&c, 2 | MT_WB, REF_READ, 0).status, REF_MISCONFIG);
	CHECK_EQ(ept(&c, 6 | MT_WB, REF_READ, 0).status, REF_MISCONFIG);
	CHECK_EQ(ept(&c, 2 | XU | MT_WB, REF_READ, 0).status, REF_MISCONFIG);
	CHECK_EQ(ept(&c, 4 | MT_WB, REF_FETCH, 0).status, REF_MISCONFIG);
	CHECK_EQ(ept(&c, XU | MT_WB, REF_FETCH, 1).status, REF_MISCONFIG);
	CHECK_EQ(ept(&c, 7 | (2ULL << 3), REF_READ, 0).status, REF_MISCONFIG);
	CHECK_EQ(ept(&c, 7 | (3ULL << 3), REF_READ, 0).status, REF_MISCONFIG);
	CHECK_EQ(ept(&c, 7 | (7ULL << 3), REF_READ, 0).status, REF_MISCONFIG);
	CHECK_EQ(ept(&c, 7 | (1ULL << 46), REF_READ, 0).status, REF_MISCONFIG);
	/* Bit 7 of a PTE is ignored; memory types 0,1,4,5,6 are fine. */
	CHECK_EQ(ept(&c, 7 | (1ULL << 7), REF_READ, 0).status, REF_OK);
	CHECK_EQ(ept(&c, 7 | (4ULL << 3), REF_READ, 0).status, REF_OK);
	/* With execute-only support: XU-only and XS-only are usable. */
	r = ept(&xo, XU | MT_WB, REF_FETCH, true);
	CHECK_EQ(r.status, REF_OK);
	r = ept(&xo, XU | MT_WB, REF_READ, false);
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.qual, 0x1 | 0x40);
	r = ept(&xo, 4 | MT_WB, REF_FETCH, true);
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.qual, 0x4 | 0x20);
}

TEST(ept_upper_levels)
{
	struct ref_ept_cfg c = ept_cfg(true, false);
	struct ref_ept_req req = { .gpa = GPA, .acc = REF_WRITE };
	struct ref_ept_result r;
	u64 f[4] = { 1, 7, 7, 7 | MT_WB };

	/* Write denied by a read-only PML4E: qual = W access | R. */
	req.eptp = build(GPA, 1, f, FRAME);
	ref_ept_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.qual, 0x2 | 0x8);
	/* ...but a misconfigured PTE below wins over that violation. */
	f[3] = 2 | MT_WB;
	req.eptp = build(GPA, 1, f, FRAME);
	ref_ept_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_MISCONFIG);
	/* PML4E bits 7:3 reserved; non-leaf PDPTE bits 6:3 reserved. */
	f[3] = 7 | MT_WB;
	f[0] = 7 | (1ULL << 7);
	req.eptp = build(GPA, 1, f, FRAME);
	ref_ept_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_MISCONFIG);
	CHECK_EQ(r.level, 4);
	f[0] = 7;
	f[1] = 7 | (1ULL << 6);
	req.eptp = build(GPA, 1, f, FRAME);
	ref_ept_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_MISCONFIG);
	CHECK_EQ(r.level, 3);
	/* Not present at the PDPTE: write qual, no permission bits. */
	f[1] = 0;
	req.eptp = build(GPA, 1, f, FRAME);
	ref_ept_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_NOT_PRESENT);
	CHECK_EQ(r.level, 3);
	CHECK_EQ(r.qual, 0x2);
}

TEST(ept_large_pages)
{
	struct ref_ept_cfg c = ept_cfg(true, false);
	struct ref_ept_req req = { .gpa = GPA, .acc = REF_READ };
	struct ref_ept_result r;
	u64 f[3] = { 7, 7, 7 | MT_WB | (1ULL << 7) };

	req.eptp = build(GPA, 2, f, 0x40000000ULL);
	ref_ept_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_OK);
	CHECK_EQ(r.level, 2);
	CHECK_EQ(r.hpa, 0x40000000ULL | (GPA & (SZ_2M - 1)));
	req.eptp = build(GPA, 2, f, 0x40001000ULL); /* bit 12 set */
	ref_ept_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_MISCONFIG);
	f[1] = 7 | MT_WB | (1ULL << 7);
	req.eptp = build(GPA, 3, f, 0x80000000ULL);
	ref_ept_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_OK);
	CHECK_EQ(r.level, 3);
	CHECK_EQ(r.hpa, 0x80000000ULL | (GPA & (SZ_1G - 1)));
	c.pages_1g = false;
	ref_ept_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_MISCONFIG);
}

/* SDM Table 29-7 bit 1: with A/D on, guest paging accesses are writes. */
TEST(ept_ad_guest_paging_access)
{
	struct ref_ept_cfg c = ept_cfg(false, false);
	u64 f[4] = { 7, 7, 7, 1 | MT_WB };
	struct ref_ept_req req = { .eptp = build(GPA, 1, f, FRAME),
				   .gpa = GPA,
				   .acc = REF_READ,
				   .gpt = true };
	struct ref_ept_result r;

	ref_ept_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_OK);
	c.ad_enabled = true;
	ref_ept_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.qual, 0x1 | 0x2 | 0x8);
}

/* ------------------------------------------------------------------ NPT */

#define NX (1ULL << 63)

static struct ref_npt_result npt(bool gmet, bool nxe, u64 leaf,
				 enum ref_access acc, u8 cpl)
{
	struct ref_npt_cfg c = { .gmet = gmet,
				 .host_nxe = nxe,
				 .pages_1g = true,
				 .maxphyaddr = 48 };
	u64 f[4] = { 7, 7, 7, leaf };
	struct ref_npt_req req = { .ncr3 = build(GPA, 1, f, FRAME),
				   .gpa = GPA,
				   .acc = acc,
				   .cpl = cpl };
	struct ref_npt_result r;

	ref_npt_walk(&c, &req, mem_read, NULL, &r);
	return r;
}

/* REFERENCE.md 2, expected values from kvm-unit-tests' NPT tests. */
TEST(npt_gmet_reference_values)
{
	struct ref_npt_result r;

	r = npt(true, true, 3, REF_FETCH, 0); /* U=0: runs */
	CHECK_EQ(r.status, REF_OK);
	r = npt(true, true, 3 | NX, REF_FETCH, 0);
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.exitinfo1, 0x100000011ULL);
	r = npt(true, true, 7, REF_FETCH, 0); /* U=1, CPL0 */
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.exitinfo1, 0x100000011ULL);
	r = npt(false, true, 7 | NX, REF_FETCH, 0);
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.exitinfo1, 0x100000015ULL);
	r = npt(false, true, 3, REF_READ, 0); /* U=0, no GMET */
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.exitinfo1, 0x100000005ULL);
}

TEST(npt_gmet_rules)
{
	struct ref_npt_result r;

	/* CPL3 fetches are not restricted by U; reads/writes ignore U. */
	CHECK_EQ(npt(true, true, 7, REF_FETCH, 3).status, REF_OK);
	CHECK_EQ(npt(true, true, 3, REF_FETCH, 3).status, REF_OK);
	CHECK_EQ(npt(true, true, 7, REF_FETCH, 2).status, REF_VIOLATION);
	CHECK_EQ(npt(true, true, 3, REF_READ, 0).status, REF_OK);
	CHECK_EQ(npt(true, true, 3, REF_WRITE, 0).status, REF_OK);
	CHECK_EQ(npt(true, true, 7, REF_WRITE, 0).status, REF_OK);
	/* Writes always honour R/W. */
	r = npt(true, true, 5, REF_WRITE, 0);
	CHECK_EQ(r.status, REF_VIOLATION);
	CHECK_EQ(r.exitinfo1, 0x100000003ULL);
	r = npt(false, true, 5, REF_WRITE, 0);
	CHECK_EQ(r.exitinfo1, 0x100000007ULL);
	/* No GMET: U=1 pages are executable at any CPL. */
	CHECK_EQ(npt(false, true, 7, REF_FETCH, 0).status, REF_OK);
	r = npt(true, true, 7 | NX, REF_FETCH, 3);
	CHECK_EQ(r.exitinfo1, 0x100000015ULL);
}

TEST(npt_reserved_and_not_present)
{
	struct ref_npt_cfg c = { .host_nxe = true,
				 .pages_1g = true,
				 .maxphyaddr = 48 };
	struct ref_npt_req req = { .gpa = GPA, .acc = REF_WRITE };
	struct ref_npt_result r;
	u64 f[4] = { 7, 7, 7, 0 };

	r = npt(false, true, 0, REF_WRITE, 0);
	CHECK_EQ(r.status, REF_NOT_PRESENT);
	CHECK_EQ(r.exitinfo1, 0x100000006ULL);
	r = npt(false, false, 7 | NX, REF_READ, 0); /* NX with !NXE */
	CHECK_EQ(r.status, REF_RSVD);
	CHECK_EQ(r.exitinfo1, 0x10000000dULL);
	/* AMD: PML4E bits 7 and 8, non-leaf PDPE bit 8; PDE bit 8 ignored. */
	f[3] = 7;
	f[0] = 7 | (1ULL << 8);
	req.ncr3 = build(GPA, 1, f, FRAME);
	ref_npt_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_RSVD);
	CHECK_EQ(r.level, 4);
	f[0] = 7;
	f[1] = 7 | (1ULL << 8);
	req.ncr3 = build(GPA, 1, f, FRAME);
	ref_npt_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_RSVD);
	f[1] = 7;
	f[2] = 7 | (1ULL << 8);
	req.ncr3 = build(GPA, 1, f, FRAME);
	ref_npt_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_OK);
	/*
	 * Guest page-table accesses report bit 33 and are writes:
	 * kvm-unit-tests npt_rw_pfwalk / npt_rsvd_pfwalk (bare-metal values).
	 */
	f[3] = 5;
	req.gpt = true;
	req.acc = REF_READ;
	req.ncr3 = build(GPA, 1, f, FRAME);
	ref_npt_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.exitinfo1, 0x200000007ULL);
	f[3] = 7;
	f[0] = 7 | (1ULL << 8);
	req.ncr3 = build(GPA, 1, f, FRAME);
	ref_npt_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.exitinfo1, 0x20000000fULL);
	f[0] = 7;
	/* 2-MByte page: bit 12 is PAT, bits 20:13 reserved. */
	req.gpt = false;
	f[2] = 7 | (1ULL << 7) | (1ULL << 12);
	req.ncr3 = build(GPA, 2, f, 0x40000000ULL);
	ref_npt_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_OK);
	CHECK_EQ(r.hpa, 0x40000000ULL | (1ULL << 12) | (GPA & (SZ_2M - 1)));
	f[2] = 7 | (1ULL << 7) | (1ULL << 13);
	req.ncr3 = build(GPA, 2, f, 0x40000000ULL);
	ref_npt_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_RSVD);
}

/* ----------------------------------------------------------- x86 paging */

static struct ref_x86_result x86(const struct ref_x86_cfg *c, u64 leaf,
				 enum ref_access acc, u8 cpl, bool implicit)
{
	u64 f[4] = { 7, 7, 7, leaf };
	struct ref_x86_req req = { .cr3 = build(GPA, 1, f, FRAME),
				   .gva = GPA,
				   .acc = acc,
				   .cpl = cpl,
				   .implicit_sv = implicit };
	struct ref_x86_result r;

	ref_x86_walk(c, &req, mem_read, NULL, &r);
	return r;
}

/* SDM Vol. 3A 4.6.1 and 4.7. */
TEST(x86_access_rights)
{
	struct ref_x86_cfg c = { .maxphyaddr = 46, .pages_1g = true };
	struct ref_x86_result r;

	r = x86(&c, 3, REF_READ, 3, false); /* user -> sup page */
	CHECK_EQ(r.error_code, 0x5);
	r = x86(&c, 5, REF_WRITE, 0, false); /* WP=0 */
	CHECK_EQ(r.status, REF_OK);
	r = x86(&c, 5, REF_WRITE, 3, false); /* user always R/W */
	CHECK_EQ(r.error_code, 0x7);
	c.wp = true;
	r = x86(&c, 5, REF_WRITE, 0, false);
	CHECK_EQ(r.error_code, 0x3);
	c.smep = true;
	r = x86(&c, 7, REF_FETCH, 0, false);
	CHECK_EQ(r.error_code, 0x11);
	CHECK_EQ(x86(&c, 3, REF_FETCH, 0, false).status, REF_OK);
	c.smap = true;
	r = x86(&c, 7, REF_READ, 0, false);
	CHECK_EQ(r.error_code, 0x1);
	c.ac = true;
	CHECK_EQ(x86(&c, 7, REF_READ, 0, false).status, REF_OK);
	r = x86(&c, 7, REF_READ, 0, true); /* implicit: AC moot */
	CHECK_EQ(r.error_code, 0x1);
	r = x86(&c, 7, REF_READ, 3, true); /* implicit at CPL3 */
	CHECK_EQ(r.error_code, 0x1);
	CHECK_EQ(x86(&c, 7, REF_READ, 3, false).status, REF_OK);
	c.nxe = true;
	r = x86(&c, 7 | NX, REF_FETCH, 3, false);
	CHECK_EQ(r.error_code, 0x15);
	r = x86(&c, 0, REF_WRITE, 3, false);
	CHECK_EQ(r.status, REF_NOT_PRESENT);
	CHECK_EQ(r.error_code, 0x6);
	CHECK(x86(&c, 7, REF_READ, 3, false).user_addr);
	CHECK(!x86(&c, 3, REF_READ, 0, false).user_addr);
}

TEST(x86_reserved_bits)
{
	struct ref_x86_cfg c = { .maxphyaddr = 46, .pages_1g = true };
	struct ref_x86_req req = { .gva = GPA, .acc = REF_READ };
	struct ref_x86_result r;
	u64 f[4] = { 7 | (1ULL << 7), 7, 7, 7 };

	req.cr3 = build(GPA, 1, f, FRAME);
	ref_x86_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_RSVD);
	CHECK_EQ(r.error_code, 0x9);
	f[0] = 7 | (1ULL << 8); /* Intel ignores it */
	req.cr3 = build(GPA, 1, f, FRAME);
	ref_x86_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_OK);
	r = x86(&c, 7 | NX, REF_READ, 0, false);
	CHECK_EQ(r.status, REF_RSVD);
	r = x86(&c, 7 | (1ULL << 46), REF_READ, 0, false);
	CHECK_EQ(r.status, REF_RSVD);
	f[0] = 7;
	f[1] = 7 | (1ULL << 7);
	req.cr3 = build(GPA, 3, f, 0xc0000000ULL);
	ref_x86_walk(&c, &req, mem_read, NULL, &r);
	CHECK_EQ(r.status, REF_OK);
	CHECK_EQ(r.level, 3);
	CHECK_EQ(r.gpa, 0xc0000000ULL | (GPA & (SZ_1G - 1)));
}

/* The table-free decision helpers agree with the walks on a few points. */
TEST(decision_helpers)
{
	struct ref_ept_cfg e = ept_cfg(true, false);
	struct ref_npt_cfg n = { .gmet = true, .host_nxe = true };
	struct ref_x86_cfg x = { .smep = true, .nxe = true };

	CHECK(ref_ept_denies(&e, 1, 0, 1, 0, REF_FETCH, true));
	CHECK(!ref_ept_denies(&e, 1, 0, 1, 0, REF_FETCH, false));
	CHECK(ref_npt_denies(&n, 1, 1, 0, REF_FETCH, 0));
	CHECK(!ref_npt_denies(&n, 1, 1, 0, REF_FETCH, 3));
	CHECK(ref_x86_denies(&x, 1, 1, 0, REF_FETCH, 0, false));
	CHECK(!ref_x86_denies(&x, 0, 1, 0, REF_WRITE, 0, false));
}
