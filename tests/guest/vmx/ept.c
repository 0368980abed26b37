// SPDX-License-Identifier: MIT
/*
 * Groups "ept" and "mbec": EPT12 permission cases. One EPT12 entry on the
 * path to a test page (any level, 4 KiB and 2 MiB pages) gets a
 * permission set, every other entry allows everything; L2 reads, writes
 * and fetches the page, and the outcome must be what SDM Vol. 3C 29.3.3
 * gives: success, an EPT violation (exit 48) with the qualification of
 * 28.2.1 table 28-7 and the guest-physical and guest-linear addresses, or
 * an EPT misconfiguration (exit 49) with the guest-physical address.
 * "mbec" does the same with mode-based execute control (25.6.2, 29.3.3.2):
 * XS for supervisor-mode linear addresses, XU (bit 10) for user-mode ones,
 * classified by the guest's U/S bits, not by CPL.
 * Context: L1 at CPL 0, VMX on.
 */
#include "tests/guest/vmx/check.h"

#include "hv/include/hypercall.h"
#include "hv/include/lib.h"

enum access {
	ACC_READ,
	ACC_WRITE,
	ACC_FETCH, /* CPL 0 fetch through the U/S=0 (MBEC) or U/S=1 mapping */
	ACC_FETCH_USER, /* CPL 3 fetch through the U/S=1 mapping */
	ACC_FETCH_SUP_UADDR, /* CPL 0 fetch through the U/S=1 mapping */
	NR_ACC
};
static const char *const acc_names[NR_ACC] = { "read", "write", "fetch",
					       "CPL3 fetch",
					       "CPL0 fetch of a user address" };

enum outcome { OUT_OK, OUT_VIOLATION, OUT_MISCONFIG };

struct target {
	const char *name;
	u64 la_user, la_sup, gpa, off;
	u8 **host;
	enum ept_slot path[4];
	unsigned depth;
};

static const struct target targets[] = {
	{ "4K",
	  TEST_LA_4K_USER,
	  TEST_LA_4K_SUP,
	  0,
	  0x100,
	  &test_page_4k,
	  { SLOT_PML4E, SLOT_PDPTE, SLOT_PDE, SLOT_PTE },
	  4 },
	{ "2M",
	  TEST_LA_2M_USER,
	  TEST_LA_2M_SUP,
	  0,
	  0x3100,
	  &test_page_2m,
	  { SLOT_PML4E, SLOT_PDPTE, SLOT_PDE_2M },
	  3 },
};

static const char *const level_names[] = { "PML4E", "PDPTE", "PDE", "PTE",
					   "PDE(2M leaf)" };

static bool mbec_on;

static int not_advertised(void)
{
	return CHECK_SKIP;
}
static u64 write_pattern = 0x5a5a000000000000ULL;

static bool is_user_addr(enum access a)
{
	return !mbec_on || a == ACC_FETCH_USER || a == ACC_FETCH_SUP_UADDR;
}

/* Bits 0-2 of the qualification: the access (table 28-7). */
static u64 access_bits(enum access a)
{
	return a == ACC_READ ? BIT(0) : a == ACC_WRITE ? BIT(1) : BIT(2);
}

/*
 * The SDM's answer for an access through EPT12 entries @perm[0..n) (top
 * level first): 29.3.3.1 misconfigurations (W without R; execute-only,
 * with XU counted as X under MBEC, unless EPT_VPID_CAP bit 0), 29.3.3.2
 * violations (a not-present entry, or a permission missing from the AND
 * over the levels). Sets *@qual for a violation.
 */
static enum outcome expect(const u64 *perm, unsigned n, enum access a,
			   u64 *qual)
{
	u64 present_mask = EPT_RWX | (mbec_on ? EPT_XU : 0);
	u64 and = EPT_PERMS, need;
	bool xonly = vmx_caps.ept_vpid & EPT_CAP_XONLY;

	*qual = access_bits(a) | BIT(7) | BIT(8);
	if (vmx_caps.ept_vpid & EPT_CAP_ADV_INFO)
		/* Bits 9-11: user-mode address, writable, execute-disable. */
		*qual |= (is_user_addr(a) ? BIT(9) : 0) | BIT(10);
	for (unsigned i = 0; i < n; i++) {
		u64 p = perm[i] & present_mask;

		if (!p)
			return OUT_VIOLATION;
		if ((p & EPT_W) && !(p & EPT_R))
			return OUT_MISCONFIG;
		if (!(p & (EPT_R | EPT_W)) && !xonly)
			return OUT_MISCONFIG;
		and &= p;
	}
	if (a == ACC_READ)
		need = EPT_R;
	else if (a == ACC_WRITE)
		need = EPT_W;
	else
		need = mbec_on && is_user_addr(a) ? EPT_XU : EPT_X;
	if (and&need)
		return OUT_OK;
	*qual |= (and&EPT_RWX) << 3;
	if (mbec_on && (and&EPT_XU))
		*qual |= BIT(6);
	return OUT_VIOLATION;
}

/*
 * Bochs 3.0 bare reports bit 6 (the AND of XU, SDM Vol. 3C 28.2.1 table
 * 28-7, defined whenever MBEC is on) only for fetch violations and leaves
 * it 0 for reads and writes. That check is skipped there, and only there:
 * a nested hypervisor computes bits 0-6 from its walk of EPT12.
 */
static bool bochs_bit6_quirk(enum access a)
{
	static bool said;
	bool quirk = mbec_on && (a == ACC_READ || a == ACC_WRITE) &&
		     host_is_bochs() && !under_modex();

	if (quirk && !said) {
		said = true;
		GINFO("Bochs bare: qualification bit 6 (XU) of read/write violations not checked (Bochs reports it only for fetches)\n");
	}
	return quirk;
}

/* The qualification bits that are defined here (bit 6 only under MBEC). */
static u64 qual_mask(enum access a)
{
	u64 m = 0x1bf | BIT(12);

	if (mbec_on && !bochs_bit6_quirk(a))
		m |= BIT(6);
	if (vmx_caps.ept_vpid & EPT_CAP_ADV_INFO)
		m |= BIT(9) | BIT(10) | BIT(11);
	return m;
}

/*
 * Under Modex: the denial (or misconfiguration) L1 just got is the newest
 * record of Modex's violation log (MODEX_HC_NESTED_LOG, docs/hypercalls.md),
 * with the access, the user/supervisor class, what EPT12 granted and the
 * addresses of the exit L1 saw.
 */
static void check_violation_log(const char *what, const struct l2_exit *e,
				enum access a, bool misconfig)
{
	static u64 last_seq;
	static struct modex_nested_violation r;
	struct hc_regs o;
	u64 q = e->qual;
	bool user = mbec_on && (q & (BIT(7) | BIT(8) | BIT(9))) ==
				       (BIT(7) | BIT(8) | BIT(9));
	u8 acc = 0;
	s64 rc;

	if (!under_modex())
		return;
	rc = modex_hypercall(MODEX_HC_NESTED_LOG, (u64)&r, 1, 0, &o);

	expect_eq(what, "NESTED_LOG result", (u64)rc, 0);
	if (rc)
		return;
	if (last_seq)
		expect_eq(what, "log records since the last", o.rcx - last_seq,
			  1);
	last_seq = o.rcx;
	expect_eq(what, "log seq", r.seq, o.rcx);
	expect_eq(what, "log GPA", r.l2_gpa, e->gpa);
	expect_eq(what, "log access", r.access,
		  a == ACC_READ	 ? 0 :
		  a == ACC_WRITE ? 1 :
				   2);
	if (misconfig) {
		expect_eq(what, "log flags", r.flags & MODEX_NV_MISCONFIG,
			  MODEX_NV_MISCONFIG);
		return;
	}
	expect_eq(what, "log GLA", r.gla, e->gla);
	expect_eq(what, "log user", !!(r.flags & MODEX_NV_USER), user);
	/* Qualification bits 3-6: what EPT12 grants; XU = XS without MBEC. */
	if (q & BIT(3))
		acc |= MODEX_ACC_R;
	if (q & BIT(4))
		acc |= MODEX_ACC_W;
	if (q & BIT(5))
		acc |= MODEX_ACC_XS;
	if (mbec_on ? (q & BIT(6)) : (q & BIT(5)))
		acc |= MODEX_ACC_XU;
	expect_eq(what, "log L1 access bits", r.l1_acc, acc);
	expect_eq(what, "log CPL", r.cpl, a == ACC_FETCH_USER ? 3 : 0);
}

static void run_access(const char *what, const struct target *t, enum access a,
		       enum outcome want, u64 want_qual)
{
	bool sup_map = mbec_on && !is_user_addr(a);
	u64 off = t->off + (a == ACC_WRITE ? 0x800 : 0);
	u64 la = (sup_map ? t->la_sup : t->la_user) + off;
	u64 gpa = (t == &targets[0] ? test_gpa_4k : test_gpa_2m) + off;
	u8 *host = *t->host + off;
	void (*fn)(void) = a == ACC_READ  ? l2_read :
			   a == ACC_WRITE ? l2_write :
					    l2_fetch;
	struct l2_exit e;

	l2_regs.rdi = la;
	l2_regs.rsi = ++write_pattern;
	l2_call(fn, a == ACC_FETCH_USER ? 3 : 0, &e);
	if (want == OUT_MISCONFIG) {
		if (expect_exit(what, &e, EXIT_EPT_MISCONFIG)) {
			expect_eq(what, "GPA", e.gpa, gpa);
			check_violation_log(what, &e, a, true);
		}
		return;
	}
	if (want == OUT_VIOLATION) {
		if (!expect_exit(what, &e, EXIT_EPT_VIOLATION))
			return;
		expect_eq(what, "qualification", e.qual & qual_mask(a),
			  want_qual & qual_mask(a));
		expect_eq(what, "GPA", e.gpa, gpa);
		expect_eq(what, "GLA", e.gla, la);
		check_violation_log(what, &e, a, false);
		return;
	}
	if (a == ACC_READ) {
		if (expect_vmcall(what, &e, (u64)l2_read + 3))
			expect_eq(what, "value read", l2_regs.rax,
				  *(volatile u64 *)host);
	} else if (a == ACC_WRITE) {
		if (expect_vmcall(what, &e, (u64)l2_write + 3))
			expect_eq(what, "value written", *(volatile u64 *)host,
				  write_pattern);
	} else {
		expect_vmcall(what, &e, la);
	}
}

struct perm_set {
	const char *name;
	u64 bits;
};

static const struct perm_set ept_perms[] = {
	{ "none", 0 },
	{ "R", EPT_R },
	{ "RW", EPT_R | EPT_W },
	{ "RX", EPT_R | EPT_X },
	{ "RWX", EPT_RWX },
	{ "X (execute-only)", EPT_X },
	{ "W (no R)", EPT_W },
	{ "WX (no R)", EPT_W | EPT_X },
	{ "XU only (bit 10, ignored without MBEC)", EPT_XU },
};

static void set_perm(enum ept_slot s, u64 bits)
{
	*ept_slot_entry[s] = (*ept_slot_entry[s] & ~EPT_PERMS) | bits;
}

/* Entry @level of @t's path gets @bits; L2 tries each access in @accs. */
static void perm_case(const struct target *t, unsigned level, u64 bits,
		      const char *pname, const enum access *accs,
		      unsigned nr_accs)
{
	u64 perm[4];
	char what[96];

	for (unsigned i = 0; i < t->depth; i++)
		perm[i] = i == level ? bits : EPT_PERMS;
	set_perm(t->path[level], bits);
	ept_flush();
	for (unsigned i = 0; i < nr_accs; i++) {
		unsigned first = ept_slot_entry[SLOT_PML4E] ? 0 : 1;
		u64 q;
		enum outcome o =
			expect(perm + first, t->depth - first, accs[i], &q);

		guest_snprintf(what, sizeof(what), "%s %s=%s %s", t->name,
			       level_names[t->path[level]], pname,
			       acc_names[accs[i]]);
		run_access(what, t, accs[i], o, q);
	}
	set_perm(t->path[level], EPT_PERMS);
	ept_flush();
}

static int ept_levels(const struct target *t, const struct perm_set *ps,
		      unsigned nr_ps, const enum access *accs, unsigned nr)
{
	if (t == &targets[1] && !(vmx_caps.ept_vpid & EPT_CAP_2M)) {
		GINFO("2 MiB EPT pages not advertised: skip\n");
		return CHECK_SKIP;
	}
	for (unsigned level = 0; level < t->depth; level++) {
		if (!ept_slot_entry[t->path[level]])
			continue; /* the PML4E is shared (MAXPHYADDR < 40) */
		for (unsigned p = 0; p < nr_ps; p++)
			perm_case(t, level, ps[p].bits, ps[p].name, accs, nr);
	}
	return 0;
}

static const enum access ept_accs[] = { ACC_READ, ACC_WRITE, ACC_FETCH };

static int ept_run(const struct target *t)
{
	mbec_on = false;
	vmcs_setup(true);
	if (!ept_slot_entry[SLOT_PML4E])
		GINFO("MAXPHYADDR %u < 40: no private PML4E, PML4E cases skipped\n",
		      vmx_caps.maxphyaddr);
	return ept_levels(t, ept_perms, ARRAY_SIZE(ept_perms), ept_accs,
			  ARRAY_SIZE(ept_accs));
}

static int ept_4k(void)
{
	return ept_run(&targets[0]);
}

static int ept_2m(void)
{
	return ept_run(&targets[1]);
}

/*
 * SDM Vol. 3C 31.3 INVEPT and 29.4.3.1: after L1 changes EPT12, INVEPT
 * makes L2 see the change; unsupported types fail with VMfailValid(28).
 */
static int ept_invept(void)
{
	const struct target *t = &targets[0];
	u64 q, perm[4] = { EPT_PERMS, EPT_PERMS, EPT_PERMS, 0 };
	u64 cap = vmx_caps.ept_vpid;
	unsigned first = ept_slot_entry[SLOT_PML4E] ? 0 : 1;

	mbec_on = false;
	vmcs_setup(true);
	for (u64 type = 1; type <= 2; type++) {
		u64 bit =
			type == 1 ? EPT_CAP_INVEPT_SINGLE : EPT_CAP_INVEPT_ALL;
		const char *name = type == 1 ? "single-context" : "all-context";

		if (!(cap & EPT_CAP_INVEPT) || !(cap & bit)) {
			if (cap & EPT_CAP_INVEPT)
				expect_valid(name, invept(type, eptp12), 28);
			continue;
		}
		set_perm(SLOT_PTE, 0);
		expect_ok(name, invept(type, eptp12));
		enum outcome o = expect(perm + first, 4 - first, ACC_READ, &q);
		run_access("denied, then INVEPT", t, ACC_READ, o, q);
		set_perm(SLOT_PTE, EPT_PERMS);
		expect_ok(name, invept(type, eptp12));
		run_access("granted, then INVEPT", t, ACC_READ, OUT_OK, 0);
	}
	if (cap & EPT_CAP_INVEPT) {
		expect_valid("INVEPT type 0", invept(0, eptp12), 28);
		expect_valid("INVEPT type 3", invept(3, eptp12), 28);
	}
	return 0;
}

void group_ept(void)
{
	if (!vmx_has_ept()) {
		run_check("ept", not_advertised);
		return;
	}
	run_check("ept-4k", ept_4k);
	run_check("ept-2m", ept_2m);
	run_check("ept-invept", ept_invept);
}

/* ---------------------------------------------------------------- MBEC */

static struct perm_set mbec_perms[16];
static char mbec_names[16][16];

static void mbec_perms_init(void)
{
	static const u64 bits[4] = { EPT_R, EPT_W, EPT_X, EPT_XU };
	static const char *const names[4] = { "R", "W", "XS", "XU" };

	for (unsigned i = 0; i < 16; i++) {
		char *s = mbec_names[i];

		mbec_perms[i].bits = 0;
		*s = 0;
		for (unsigned b = 0; b < 4; b++) {
			if (!(i & (1u << b)))
				continue;
			mbec_perms[i].bits |= bits[b];
			guest_snprintf(s + strlen(s), 16 - strlen(s), "%s%s",
				       *s ? "+" : "", names[b]);
		}
		if (!*s)
			guest_snprintf(s, 16, "none");
		mbec_perms[i].name = s;
	}
}

static const enum access mbec_accs[] = { ACC_READ, ACC_WRITE, ACC_FETCH,
					 ACC_FETCH_USER, ACC_FETCH_SUP_UADDR };

static int mbec_run(const struct target *t)
{
	int r;

	mbec_on = true;
	vmcs_setup(true);
	if (!ctl_set(PROC_CTLS2, PROC2_MBEC)) {
		GCHECK(false, "MBEC advertised but cannot be set");
		return 0;
	}
	r = ept_levels(t, mbec_perms, 16, mbec_accs, ARRAY_SIZE(mbec_accs));
	mbec_on = false;
	return r;
}

static int mbec_4k(void)
{
	return mbec_run(&targets[0]);
}

static int mbec_2m(void)
{
	return mbec_run(&targets[1]);
}

/* SDM Vol. 3C 27.2.1.1: MBEC needs "enable EPT"; unadvertised, it is reserved. */
static int mbec_controls(void)
{
	struct l2_exit e;
	u64 v;

	vmcs_setup(false);
	v = vmr(PROC_CTLS2);
	vmw(PROC_CTLS2, v | PROC2_MBEC);
	l2_run(&e);
	expect_valid(vmx_has_mbec() ? "MBEC without EPT" :
				      "MBEC set but not advertised",
		     e.entry, 7);
	return 0;
}

/*
 * The MBEC control read at each VM entry with the same EPT12 and no
 * INVEPT: a leaf with R+XS runs a CPL 3 fetch of a user address with MBEC
 * off (XS is plain X) and denies it with MBEC on (XU needed), and again
 * after switching back and forth.
 */
static int mbec_switch(void)
{
	const struct target *t = &targets[0];
	u64 perm[4] = { EPT_PERMS, EPT_PERMS, EPT_PERMS, EPT_R | EPT_X };
	unsigned first = ept_slot_entry[SLOT_PML4E] ? 0 : 1;
	u64 q;

	vmcs_setup(true);
	set_perm(SLOT_PTE, EPT_R | EPT_X);
	ept_flush();
	for (int round = 0; round < 4; round++) {
		enum outcome o;

		mbec_on = round & 1;
		if (mbec_on)
			ctl_set(PROC_CTLS2, PROC2_MBEC);
		else
			ctl_clear(PROC_CTLS2, PROC2_MBEC);
		o = expect(perm + first, 4 - first, ACC_FETCH_USER, &q);
		run_access(mbec_on ? "CPL3 fetch, R+XS leaf, MBEC on" :
				     "CPL3 fetch, R+XS leaf, MBEC off",
			   t, ACC_FETCH_USER, o, q);
		GCHECK(o == (mbec_on ? OUT_VIOLATION : OUT_OK),
		       "model: MBEC %s gives outcome %d",
		       mbec_on ? "on" : "off", o);
	}
	mbec_on = false;
	set_perm(SLOT_PTE, EPT_PERMS);
	ept_flush();
	return 0;
}

/*
 * MBEC with L2's paging off: every linear address is user-mode, so a
 * CPL 0 fetch needs XU (SDM Vol. 3C 29.3.3.2). L2 runs 32-bit code with
 * CR0.PG=0 (unrestricted guest) and fetches the 2 MiB test page through
 * its identity GPA, whose EPT12 leaf is R+XS, then R+XU.
 */
static int mbec_paging_off(void)
{
	u64 gpa = (u64)test_page_2m + 0x3100, *leaf = ept_ident_leaf(gpa);
	u64 old = *leaf, entry, want;
	struct l2_exit e;

	vmcs_setup(true);
	if (!ctl_set(PROC_CTLS2, PROC2_MBEC | PROC2_UNRESTRICTED)) {
		GINFO("unrestricted guest not allowed: skip\n");
		return CHECK_SKIP;
	}
	ctl_clear(ENTRY_CTLS, ENTRY_IA32E);
	vmw(GUEST_EFER, 0);
	vmw(GUEST_CR0, (vmr(GUEST_CR0) & ~BIT(31)) | BIT(0));
	vmw(GUEST_CR4, vmr(GUEST_CR4) & ~BIT(5));
	vmw(GUEST_ES_AR + 2 * SEG_CS, 0xc09b); /* 32-bit code */
	for (int round = 0; round < 2; round++) {
		const char *what = round ? "paging off, fetch, leaf R+XU" :
					   "paging off, fetch, leaf R+XS";

		*leaf = (old & ~EPT_PERMS) | EPT_R | (round ? EPT_XU : EPT_X);
		ept_flush();
		vmw(GUEST_RIP, (u64)l2_fetch32);
		vmw(GUEST_RSP, l2_stack_top());
		l2_regs.rdi = gpa;
		l2_run(&e);
		if (round) {
			expect_vmcall(what, &e, gpa);
			continue;
		}
		if (!expect_exit(what, &e, EXIT_EPT_VIOLATION))
			continue;
		/* Fetch; R and XS readable; XU clear; GLA valid, final. */
		want = BIT(2) | BIT(3) | BIT(5) | BIT(7) | BIT(8);
		entry = e.qual & (0x1ff | BIT(12));
		expect_eq(what, "qualification bits 0-8", entry, want);
		expect_eq(what, "GPA", e.gpa, gpa);
		expect_eq(what, "GLA", e.gla, gpa);
	}
	*leaf = old;
	ept_flush();
	return 0;
}

void group_mbec(void)
{
	if (!vmx_caps.has_proc2) {
		run_check("mbec", not_advertised);
		return;
	}
	run_check("mbec-controls", mbec_controls);
	if (!vmx_has_mbec()) {
		GINFO("MBEC (CTLS2 bit 54 with EPT_VPID_CAP bit 22) not advertised: permission cases skipped\n");
		return;
	}
	mbec_perms_init();
	run_check("mbec-4k", mbec_4k);
	run_check("mbec-2m", mbec_2m);
	run_check("mbec-switch", mbec_switch);
	run_check("mbec-paging-off", mbec_paging_off);
}
