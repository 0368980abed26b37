// SPDX-License-Identifier: MIT
/*
 * Reference model of EPT / NPT / x86 4-level paging permissions.
 *
 * Owns the oracle that tests/unit/test_mm_vs_ref.c compares mm/ against.
 * Written straight from the manuals, one if-chain per rule and per level,
 * without tables: slow and obvious on purpose. Section numbers are those of
 * the Intel SDM (Vol. 3A chapter 4, Vol. 3C chapter 29, 2024+ numbering) and
 * the AMD APM Vol. 2 (chapter 5 and 15.25).
 */
#include "tests/ref/ref_paging.h"

/* Mask of bits hi..lo inclusive. */
static u64 ref_bits(int hi, int lo)
{
	u64 m = 0;

	for (int b = lo; b <= hi; b++)
		m |= 1ULL << b;
	return m;
}

static bool ref_bit(u64 v, int b)
{
	return (v >> b) & 1;
}

/* Physical-address bits at or above MAXPHYADDR are reserved, up to 51. */
static u64 ref_high_rsvd(u8 maxphyaddr)
{
	if (maxphyaddr >= 52)
		return 0;
	return ref_bits(51, maxphyaddr);
}

/* Index of @addr into the table at @level (4 = PML4 ... 1 = PT). */
static u64 ref_index(u64 addr, int level)
{
	return (addr >> (12 + 9 * (level - 1))) & 511;
}

/* Output address of a leaf at @level: frame from the entry, offset from addr. */
static u64 ref_leaf_addr(u64 entry, u64 addr, int level)
{
	int shift = 12 + 9 * (level - 1);

	return (entry & ref_bits(51, shift)) | (addr & ref_bits(shift - 1, 0));
}

const char *ref_status_str(enum ref_status st)
{
	switch (st) {
	case REF_OK:
		return "ok";
	case REF_NOT_PRESENT:
		return "not-present";
	case REF_MISCONFIG:
		return "misconfig";
	case REF_RSVD:
		return "reserved";
	case REF_VIOLATION:
		return "violation";
	case REF_MEM_ERROR:
		return "mem-error";
	}
	return "?";
}

/* ================================================================== EPT */

/* SDM Vol. 3C 29.3.2: with MBEC, bit 10 (XU) also makes an entry present. */
static bool ref_ept_present(const struct ref_ept_cfg *cfg, u64 e)
{
	if (ref_bit(e, 0) || ref_bit(e, 1) || ref_bit(e, 2))
		return true;
	if (cfg->mbec && ref_bit(e, 10))
		return true;
	return false;
}

/*
 * SDM Vol. 3C 29.3.3.1 "EPT Misconfigurations", for a present entry.
 * Sets *leaf when the entry maps a page. Reserved bits per level from
 * Tables 29-1 .. 29-6: PML4E 7:3; non-leaf PDPTE/PDE 6:3 (bit 7 = 0 is
 * what makes them non-leaf); 1-GByte PDPTE 29:12; 2-MByte PDE 20:12;
 * all entries 51:MAXPHYADDR. A PDPTE/PDE with bit 7 set is reserved when
 * EPT_VPID_CAP does not report that page size (bits 17 / 16).
 */
static bool ref_ept_misconfigured(const struct ref_ept_cfg *cfg, u64 e,
				  int level, bool *leaf)
{
	bool r = ref_bit(e, 0), w = ref_bit(e, 1), x = ref_bit(e, 2);
	bool xu = cfg->mbec && ref_bit(e, 10);
	u64 mt;

	*leaf = false;
	/* Write-only (010b) and write/execute (110b). */
	if (w && !r)
		return true;
	/*
	 * Execute-only (100b) unless EPT_VPID_CAP bit 0. Under MBEC an
	 * XU-only entry is execute-only too (REFERENCE.md 1: KVM and
	 * kvm-unit-tests' reading).
	 */
	if (!r && !w && (x || xu) && !cfg->exec_only)
		return true;
	if (e & ref_high_rsvd(cfg->maxphyaddr))
		return true;

	if (level == 4) {
		if (e & ref_bits(7, 3))
			return true;
	} else if (level == 3) {
		if (ref_bit(e, 7)) {
			if (!cfg->pages_1g)
				return true;
			if (e & ref_bits(29, 12))
				return true;
			*leaf = true;
		} else if (e & ref_bits(6, 3)) {
			return true;
		}
	} else if (level == 2) {
		if (ref_bit(e, 7)) {
			if (!cfg->pages_2m)
				return true;
			if (e & ref_bits(20, 12))
				return true;
			*leaf = true;
		} else if (e & ref_bits(6, 3)) {
			return true;
		}
	} else {
		/* PTE: bit 7 is ignored (Table 29-6). */
		*leaf = true;
	}

	/* Leaf memory types 2, 3 and 7 are reserved. */
	if (*leaf) {
		mt = (e >> 3) & 7;
		if (mt == 2 || mt == 3 || mt == 7)
			return true;
	}
	return false;
}

/*
 * SDM Vol. 3C 29.3.3.2 "EPT Violations": reads need R, writes need W in every
 * entry; a fetch needs X without MBEC, and with MBEC XS for a supervisor-mode
 * linear address or XU for a user-mode one (29.3.3.2, mode-based execute
 * control). CPL plays no part.
 */
bool ref_ept_denies(const struct ref_ept_cfg *cfg, bool r, bool w, bool xs,
		    bool xu, enum ref_access acc, bool user_addr)
{
	if (acc == REF_READ)
		return !r;
	if (acc == REF_WRITE)
		return !w;
	if (!cfg->mbec)
		return !xs;
	if (user_addr)
		return !xu;
	return !xs;
}

/*
 * The access as EPT sees it. Guest paging-structure accesses are data
 * accesses; with EPT A/D on they are treated as writes and report bits 0
 * and 1 (SDM Vol. 3C 29.3.3.2 and Table 29-7, bit 1).
 */
static enum ref_access ref_ept_eff_acc(const struct ref_ept_cfg *cfg,
				       const struct ref_ept_req *req, u64 *q)
{
	if (req->gpt && cfg->ad_enabled) {
		*q = REF_EPT_Q_READ | REF_EPT_Q_WRITE;
		return REF_WRITE;
	}
	if (req->acc == REF_WRITE) {
		*q = REF_EPT_Q_WRITE;
		return REF_WRITE;
	}
	if (req->acc == REF_FETCH && !req->gpt) {
		*q = REF_EPT_Q_FETCH;
		return REF_FETCH;
	}
	*q = REF_EPT_Q_READ;
	return REF_READ;
}

/* Table 29-7 bits 3-6: AND of R, W, XS (X) and, with MBEC only, XU. */
static u64 ref_ept_qual_perms(const struct ref_ept_cfg *cfg,
			      const struct ref_ept_result *res)
{
	u64 q = 0;

	if (res->r)
		q |= REF_EPT_Q_R;
	if (res->w)
		q |= REF_EPT_Q_W;
	if (res->xs)
		q |= REF_EPT_Q_XS;
	if (cfg->mbec && res->xu)
		q |= REF_EPT_Q_XU;
	return q;
}

void ref_ept_walk(const struct ref_ept_cfg *cfg, const struct ref_ept_req *req,
		  ref_read_fn rd, void *ctx, struct ref_ept_result *res)
{
	u64 table = req->eptp & ref_bits(51, 12);
	u64 qacc = 0, e = 0;
	enum ref_access acc = ref_ept_eff_acc(cfg, req, &qacc);
	bool leaf = false;
	int level;

	*res = (struct ref_ept_result){
		.r = true, .w = true, .xs = true, .xu = true
	};
	for (level = 4; level >= 1; level--) {
		res->level = level;
		if (!rd(ctx, table + 8 * ref_index(req->gpa, level), &e)) {
			res->status = REF_MEM_ERROR;
			return;
		}
		res->entries[res->nr_entries++] = e;
		res->r = res->r && ref_bit(e, 0);
		res->w = res->w && ref_bit(e, 1);
		res->xs = res->xs && ref_bit(e, 2);
		res->xu = res->xu && ref_bit(e, 10);
		/* A not-present entry is an EPT violation (29.3.3.2). */
		if (!ref_ept_present(cfg, e)) {
			res->status = REF_NOT_PRESENT;
			res->qual = qacc | ref_ept_qual_perms(cfg, res);
			return;
		}
		/* Misconfiguration wins over a permission violation. */
		if (ref_ept_misconfigured(cfg, e, level, &leaf)) {
			res->status = REF_MISCONFIG;
			return;
		}
		if (leaf)
			break;
		table = e & ref_bits(51, 12);
	}

	if (ref_ept_denies(cfg, res->r, res->w, res->xs, res->xu, acc,
			   req->user_addr)) {
		res->status = REF_VIOLATION;
		res->qual = qacc | ref_ept_qual_perms(cfg, res);
		return;
	}
	res->status = REF_OK;
	res->hpa = ref_leaf_addr(e, req->gpa, level);
}

/* ================================================================== NPT */

/*
 * Reserved bits of AMD long-mode entries (APM Vol. 2 5.3.3, Figures 5-18 to
 * 5-24, and 5.3.5 for 1-GByte pages): 51:MAXPHYADDR everywhere; NX when
 * EFER.NXE=0 (5.6.x "No Execute"); PML4E bits 8:7; non-leaf PDPE bit 8
 * (AMD reserves it where Intel ignores it, and kvm-unit-tests' SVM tests
 * rely on it); PS in a PDPE without 1-GByte pages; 1-GByte PDPE 29:13;
 * 2-MByte PDE 20:13 (bit 12 is PAT). The nested walk uses the host's
 * EFER.NXE (APM Vol. 2 15.25.5).
 */
static bool ref_npt_reserved(const struct ref_npt_cfg *cfg, u64 e, int level,
			     bool *leaf)
{
	*leaf = false;
	if (e & ref_high_rsvd(cfg->maxphyaddr))
		return true;
	if (ref_bit(e, 63) && !cfg->host_nxe)
		return true;
	if (level == 4)
		return ref_bit(e, 7) || ref_bit(e, 8);
	if (level == 3) {
		if (!ref_bit(e, 7))
			return ref_bit(e, 8);
		if (!cfg->pages_1g)
			return true;
		*leaf = true;
		return (e & ref_bits(29, 13)) != 0;
	}
	if (level == 2) {
		if (!ref_bit(e, 7))
			return false;
		*leaf = true;
		return (e & ref_bits(20, 13)) != 0;
	}
	*leaf = true;
	return false;
}

/*
 * Without GMET every access through the nested tables is a user access
 * (APM Vol. 2 15.25.5): U=1 is needed at every level, and because user
 * writes always honour R/W, writes need R/W=1 at every level whatever the
 * guest's or host's CR0.WP. With GMET (APM Vol. 2 15.25.x "Guest Mode
 * Execute Trap"), U no longer matters for data accesses, a fetch at CPL<3
 * from a page that is U=1 at every level faults (SMEP-like), and a fetch
 * at CPL 3 is not restricted by U. NX blocks fetches in all cases.
 */
bool ref_npt_denies(const struct ref_npt_cfg *cfg, bool rw, bool us, bool nx,
		    enum ref_access acc, u8 cpl)
{
	if (!cfg->gmet && !us)
		return true;
	if (acc == REF_WRITE)
		return !rw;
	if (acc == REF_READ)
		return false;
	if (nx && cfg->host_nxe)
		return true;
	if (cfg->gmet && cpl < 3 && us)
		return true;
	return false;
}

/*
 * EXITINFO1 (APM Vol. 2 15.25.6): the #PF error-code bits for the nested
 * access plus bit 32 (final guest-physical address) or bit 33 (guest page
 * table access). U is 1 without GMET (every nested access is a user
 * access) and CPL==3 with GMET (REFERENCE.md 2, erratum 1218 workaround);
 * ID follows the #PF rule: reported when NXE or SMEP is on in the host.
 */
static u64 ref_npt_exitinfo1(const struct ref_npt_cfg *cfg,
			     const struct ref_npt_req *req, enum ref_access acc,
			     bool present, bool rsvd)
{
	u64 v = req->gpt ? REF_NPF_GPT : REF_NPF_FINAL;

	if (present)
		v |= REF_NPF_P;
	if (rsvd)
		v |= REF_NPF_RSV;
	if (acc == REF_WRITE)
		v |= REF_NPF_W;
	if (!cfg->gmet || req->cpl == 3)
		v |= REF_NPF_U;
	if (acc == REF_FETCH && (cfg->host_nxe || cfg->host_smep))
		v |= REF_NPF_ID;
	return v;
}

/*
 * The nested walk treats the guest's page-table accesses as user writes
 * (the walker may set guest A/D bits): R/W=1 is needed and EXITINFO1.W is
 * set even for a pure walk or a reserved-bit fault. kvm-unit-tests'
 * npt_rw_pfwalk / npt_rsvd_pfwalk expect 0x2_0000_0007 / 0x2_0000_000f,
 * values "confirmed on bare-metal" (kvm-unit-tests commit by N. Amit).
 */
static enum ref_access ref_npt_eff_acc(const struct ref_npt_req *req)
{
	if (req->gpt)
		return REF_WRITE;
	return req->acc;
}

void ref_npt_walk(const struct ref_npt_cfg *cfg, const struct ref_npt_req *req,
		  ref_read_fn rd, void *ctx, struct ref_npt_result *res)
{
	u64 table = req->ncr3 & ref_bits(51, 12);
	enum ref_access acc = ref_npt_eff_acc(req);
	u64 e = 0;
	bool leaf = false;
	int level;

	*res = (struct ref_npt_result){ .rw = true, .us = true };
	for (level = 4; level >= 1; level--) {
		res->level = level;
		if (!rd(ctx, table + 8 * ref_index(req->gpa, level), &e)) {
			res->status = REF_MEM_ERROR;
			return;
		}
		res->entries[res->nr_entries++] = e;
		if (!ref_bit(e, 0)) {
			res->status = REF_NOT_PRESENT;
			res->exitinfo1 =
				ref_npt_exitinfo1(cfg, req, acc, false, false);
			return;
		}
		res->rw = res->rw && ref_bit(e, 1);
		res->us = res->us && ref_bit(e, 2);
		res->nx = res->nx || ref_bit(e, 63);
		if (ref_npt_reserved(cfg, e, level, &leaf)) {
			res->status = REF_RSVD;
			res->exitinfo1 =
				ref_npt_exitinfo1(cfg, req, acc, true, true);
			return;
		}
		if (leaf)
			break;
		table = e & ref_bits(51, 12);
	}

	if (ref_npt_denies(cfg, res->rw, res->us, res->nx, acc, req->cpl)) {
		res->status = REF_VIOLATION;
		res->exitinfo1 = ref_npt_exitinfo1(cfg, req, acc, true, false);
		return;
	}
	res->status = REF_OK;
	res->hpa = ref_leaf_addr(e, req->gpa, level);
}

/* =========================================================== x86 paging */

/*
 * Reserved bits of 4-level paging (SDM Vol. 3A 4.5, Tables 4-15 to 4-20,
 * and 4.6.x on XD): 51:MAXPHYADDR everywhere; XD (bit 63) when
 * IA32_EFER.NXE=0; PML4E bit 7; PS in a PDPTE without 1-GByte pages;
 * 1-GByte PDPTE 29:13; 2-MByte PDE 20:13 (bit 12 is PAT). On AMD CPUs
 * also bit 8 of a PML4E and of a non-leaf PDPTE.
 */
static bool ref_x86_reserved(const struct ref_x86_cfg *cfg, u64 e, int level,
			     bool *leaf)
{
	*leaf = false;
	if (e & ref_high_rsvd(cfg->maxphyaddr))
		return true;
	if (ref_bit(e, 63) && !cfg->nxe)
		return true;
	/* APM Vol. 2 5.3.3 (see ref_npt_reserved()); Intel ignores bit 8. */
	if (level == 4)
		return ref_bit(e, 7) || (cfg->amd && ref_bit(e, 8));
	if (level == 3) {
		if (!ref_bit(e, 7))
			return cfg->amd && ref_bit(e, 8);
		if (!cfg->pages_1g)
			return true;
		*leaf = true;
		return (e & ref_bits(29, 13)) != 0;
	}
	if (level == 2) {
		if (!ref_bit(e, 7))
			return false;
		*leaf = true;
		return (e & ref_bits(20, 13)) != 0;
	}
	*leaf = true;
	return false;
}

/*
 * SDM Vol. 3A 4.6.1 "Determination of Access Rights". A supervisor-mode
 * access is one at CPL<3 or an implicit supervisor access; a user-mode
 * address has U/S=1 in every entry (@us); @rw and @nx are the AND of R/W
 * and the OR of XD. Protection keys and shadow stacks are not modelled.
 */
bool ref_x86_denies(const struct ref_x86_cfg *cfg, bool rw, bool us, bool nx,
		    enum ref_access acc, u8 cpl, bool implicit_sv)
{
	bool sv = cpl < 3 || implicit_sv;

	if (!sv) {
		/* User-mode accesses: user-mode addresses only. */
		if (!us)
			return true;
		if (acc == REF_WRITE)
			return !rw;
		if (acc == REF_FETCH)
			return cfg->nxe && nx;
		return false;
	}
	if (acc == REF_FETCH) {
		if (cfg->nxe && nx)
			return true;
		/* SMEP: no supervisor fetch from a user-mode address. */
		return us && cfg->smep;
	}
	/*
	 * SMAP: supervisor data accesses to user-mode addresses are allowed
	 * only when explicit and EFLAGS.AC=1.
	 */
	if (us && cfg->smap && (implicit_sv || !cfg->ac))
		return true;
	/* Supervisor writes honour R/W only with CR0.WP=1. */
	if (acc == REF_WRITE && cfg->wp && !rw)
		return true;
	return false;
}

/* SDM Vol. 3A 4.7 "Page-Fault Exceptions": the error code. */
static u32 ref_x86_error_code(const struct ref_x86_cfg *cfg,
			      const struct ref_x86_req *req, bool present,
			      bool rsvd)
{
	u32 ec = 0;

	if (present)
		ec |= REF_PF_P;
	if (req->acc == REF_WRITE)
		ec |= REF_PF_W;
	if (req->cpl == 3 && !req->implicit_sv)
		ec |= REF_PF_U;
	if (rsvd)
		ec |= REF_PF_RSVD;
	/* I/D: fetch, and SMEP=1 or (PAE/4-level and NXE=1). */
	if (req->acc == REF_FETCH && (cfg->smep || cfg->nxe))
		ec |= REF_PF_ID;
	return ec;
}

void ref_x86_walk(const struct ref_x86_cfg *cfg, const struct ref_x86_req *req,
		  ref_read_fn rd, void *ctx, struct ref_x86_result *res)
{
	u64 table = req->cr3 & ref_bits(51, 12);
	u64 e = 0;
	bool leaf = false;
	int level;

	*res = (struct ref_x86_result){ .rw = true, .user_addr = true };
	for (level = 4; level >= 1; level--) {
		res->level = level;
		if (!rd(ctx, table + 8 * ref_index(req->gva, level), &e)) {
			res->status = REF_MEM_ERROR;
			return;
		}
		res->entries[res->nr_entries++] = e;
		if (!ref_bit(e, 0)) {
			res->status = REF_NOT_PRESENT;
			res->error_code =
				ref_x86_error_code(cfg, req, false, false);
			return;
		}
		res->rw = res->rw && ref_bit(e, 1);
		res->user_addr = res->user_addr && ref_bit(e, 2);
		res->nx = res->nx || ref_bit(e, 63);
		if (ref_x86_reserved(cfg, e, level, &leaf)) {
			res->status = REF_RSVD;
			res->error_code =
				ref_x86_error_code(cfg, req, true, true);
			return;
		}
		if (leaf)
			break;
		table = e & ref_bits(51, 12);
	}

	if (ref_x86_denies(cfg, res->rw, res->user_addr, res->nx, req->acc,
			   req->cpl, req->implicit_sv)) {
		res->status = REF_VIOLATION;
		res->error_code = ref_x86_error_code(cfg, req, true, false);
		return;
	}
	res->status = REF_OK;
	res->gpa = ref_leaf_addr(e, req->gva, level);
}
