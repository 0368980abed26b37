// SPDX-License-Identifier: MIT
/*
 * The demo L1: a small guest hypervisor that runs an L2 "kernel" (CPL 0)
 * and "user program" (CPL 3) under an HVCI-like EPT12 policy with
 * mode-based execute control (SDM Vol. 3C 25.6.2, 29.3.3.2): kernel code
 * R+XS, user code R+XU, data R+W, never W and X together. Each row of its
 * matrix is one L2 access; L1 handles the EPT violations (exit 48), keeps
 * their exit qualifications (28.2.1 table 28-7) in its own log, resumes L2
 * at a safe point (past the denied MOV, or at a landing VMCALL in the
 * caller's own code after a denied fetch) and compares every outcome with
 * what the SDM gives for the policy. MBEC picks XS or XU by the linear
 * address (U/S=1 at every paging level: user-mode), not by the CPL, which
 * the rows through the aliases of demo.h show.
 *
 * Without MBEC it runs the same rows with one execute bit (both code
 * pages R+X) and marks the rows only MBEC denies; without VMX (or EPT) it
 * says so and passes with nothing run. Command line: "l1demo" (not
 * required). Uses the L1 test hypervisor's library (tests/guest/vmx/).
 */
#include "tests/guest/demo/demo.h"
#include "tests/guest/vmx/check.h"

#include "hv/exit_info.h"
#include "hv/include/hypercall.h"
#include "hv/include/lib.h"

#define CPUID_EXT1_ECX_SVM BIT(2)

enum acc { ACC_FETCH, ACC_READ, ACC_WRITE };

struct row {
	int cpl; /* 0: the L2 kernel, 3: its user program */
	enum acc acc;
	enum demo_page page;
	enum demo_alias alias;
};

/*
 * The attempts. Rows 5-8 go through the aliases: the same page fetched
 * at a supervisor-mode and a user-mode address, from either CPL.
 */
static const struct row rows[] = {
	{ 0, ACC_FETCH, PG_KCODE, AL_SUP },
	{ 3, ACC_FETCH, PG_UCODE, AL_USER },
	{ 0, ACC_READ, PG_DATA, AL_SUP },
	{ 3, ACC_READ, PG_DATA, AL_USER },
	{ 0, ACC_FETCH, PG_UCODE, AL_SUP },
	{ 0, ACC_FETCH, PG_UCODE, AL_USER },
	{ 0, ACC_FETCH, PG_KCODE, AL_USER },
	{ 3, ACC_FETCH, PG_KCODE, AL_USER },
	{ 0, ACC_FETCH, PG_DATA, AL_SUP },
	{ 3, ACC_FETCH, PG_DATA, AL_USER },
	{ 0, ACC_WRITE, PG_KCODE, AL_SUP },
	{ 3, ACC_WRITE, PG_UCODE, AL_USER },
};

enum outcome { OUT_RUN, OUT_DENY, OUT_OTHER };

struct result {
	enum outcome want, got;
	bool want_mbec; /* the outcome with MBEC's policy */
	bool match;
	u64 qual, want_qual, mask, gla, gpa, rip, resumed_at;
	u64 l0_exits; /* Modex's exits during the row, when it counts them */
};

static struct result results[ARRAY_SIZE(rows)];
static bool mbec;
static bool adv_info;
static u64 demo_eptp, demo_cr3;
static u64 write_pattern = 0x4c3244656d6f0000ULL;
/* Modex's exit counts (MODEX_HC_STATS, docs/hypercalls.md), if offered. */
static bool have_l0_stats;
static u64 l0_stats_buf[EXIT_R_COUNT];
static u64 l0_stats_overhead; /* exits that reading the count itself adds */

static const char *const page_names[NR_PG] = { "kernel code", "user code",
					       "data" };
static const char *const acc_names[] = { "fetch", "read", "write" };

/* Where an access of @r lands in its page. */
static u64 target_off(const struct row *r)
{
	if (r->acc == ACC_WRITE)
		return WRITE_OFF;
	if (r->acc == ACC_READ)
		return 0;
	return r->page == PG_DATA ? DATA_VMCALL : CODE_VMCALL;
}

/* The caller's own code: kernel code at U/S=0, user code at U/S=1. */
static u64 caller_base(const struct row *r)
{
	return r->cpl ? demo_la(PG_UCODE, AL_USER) : demo_la(PG_KCODE, AL_SUP);
}

/*
 * SDM Vol. 3C 29.3.3.2: a read needs R, a write W, a fetch XS from a
 * supervisor-mode linear address and XU from a user-mode one under MBEC,
 * else X (bit 2).
 */
static u64 needed(const struct row *r, bool with_mbec)
{
	if (r->acc == ACC_READ)
		return EPT_R;
	if (r->acc == ACC_WRITE)
		return EPT_W;
	return with_mbec && r->alias == AL_USER ? EPT_XU : EPT_X;
}
/*
 * The outcome of @r under the policy, with or without MBEC. Sets *@qual to the qualification of the violation
 * (28.2.1 table 28-7): the access, R/W/XS (bits 3-5) and, under MBEC, XU
 * (bit 6) of the page, a valid linear address of the final translation
 * (7, 8) and, with advanced information, bit 9 for a user-mode address
 * and bit 10 for a writable one (every L2 mapping here is writable, none
 * execute-disable: bit 11 clear).
 */
static enum outcome model(const struct row *r, bool with_mbec, u64 *qual)
{
	u64 perms = demo_policy(r->page, with_mbec);

	*qual = (r->acc == ACC_FETCH ? BIT(2) :
		 r->acc == ACC_WRITE ? BIT(1) :
				       BIT(0)) |
		(perms & EPT_RWX) << 3 | BIT(7) | BIT(8);
	if (with_mbec && (perms & EPT_XU))
		*qual |= BIT(6);
	if (adv_info)
		*qual |= (r->alias == AL_USER ? BIT(9) : 0) | BIT(10);
	return perms & needed(r, with_mbec) ? OUT_RUN : OUT_DENY;
}

/*
 * The qualification bits defined here: 0-8 and 12, bit 6 only under
 * MBEC, 9-11 with advanced information. Bochs 3.0 run bare reports XU of
 * read and write violations in bit 13 rather than bit 6 (0x278a for a
 * write to an R+XU page); a nested hypervisor computes bits 0-6 from its
 * walk of EPT12.
 */
static u64 qual_mask(const struct row *r)
{
	u64 m = 0x1bf | BIT(12);

	if (mbec && !(r->acc != ACC_FETCH && host_is_bochs() && !under_modex()))
		m |= BIT(6);
	if (adv_info)
		m |= BIT(9) | BIT(10) | BIT(11);
	return m;
}

static const char *outcome_name(enum outcome o)
{
	return o == OUT_RUN ? "allowed" : o == OUT_DENY ? "denied" : "other";
}

/* One attempt: where L2 starts, what it touches, what L1 saw. */
struct attempt {
	const struct row *r;
	struct result *res;
	unsigned nr; /* the row number, from 1 */
	u64 la, gpa, entry;
	volatile u64 *host;
	u64 before; /* the target's first word before the attempt */
};

/* After a violation: L2 continues at its safe point and must reach it. */
static bool resume(const struct attempt *at)
{
	u64 safe = at->r->acc == ACC_FETCH ? caller_base(at->r) + CODE_LAND :
					     at->res->rip + CODE_MOV_LEN;
	struct l2_exit e;

	vmw(GUEST_RIP, safe);
	l2_run(&e);
	at->res->resumed_at = safe;
	return GCHECK(
		e.entry == VMX_OK && e.reason == EXIT_VMCALL && e.rip == safe,
		"row %u: resumed at %#llx, L2 exited %#x at %#llx, not at its VMCALL",
		at->nr, (unsigned long long)safe, e.reason,
		(unsigned long long)e.rip);
}

/* L2 did the access and reached the VMCALL after it. */
static bool check_ran(const struct attempt *at, const struct l2_exit *e)
{
	u64 end = at->r->acc == ACC_FETCH ? at->la : at->entry + CODE_MOV_LEN;
	bool ok;

	at->res->got = OUT_RUN;
	ok = GCHECK(e->rip == end, "row %u: VMCALL at %#llx, expected %#llx",
		    at->nr, (unsigned long long)e->rip,
		    (unsigned long long)end);
	if (at->r->acc == ACC_READ)
		ok &= GCHECK(l2_regs.rax == at->before,
			     "row %u: read %#llx, memory holds %#llx", at->nr,
			     (unsigned long long)l2_regs.rax,
			     (unsigned long long)at->before);
	if (at->r->acc == ACC_WRITE)
		ok &= GCHECK(*at->host == write_pattern,
			     "row %u: the write did not land", at->nr);
	return ok;
}

/*
 * An EPT violation (SDM Vol. 3C 28.2.1): fault-like, so L2's RIP is the
 * MOV, or the fetched address for a fetch; the GPA and GLA are the
 * target's; the qualification as the model says. L1 logs it and resumes.
 */
static bool check_denied(const struct attempt *at, const struct l2_exit *e)
{
	struct result *res = at->res;
	u64 fault_rip = at->r->acc == ACC_FETCH ? at->la : at->entry;
	bool ok;

	res->got = OUT_DENY;
	res->qual = e->qual;
	res->gla = e->gla;
	res->gpa = e->gpa;
	ok = GCHECK(
		e->gpa == at->gpa && e->gla == at->la && e->rip == fault_rip,
		"row %u: GPA %#llx GLA %#llx RIP %#llx, expected %#llx %#llx %#llx",
		at->nr, (unsigned long long)e->gpa, (unsigned long long)e->gla,
		(unsigned long long)e->rip, (unsigned long long)at->gpa,
		(unsigned long long)at->la, (unsigned long long)fault_rip);
	if (res->want == OUT_DENY)
		ok &= GCHECK(
			(e->qual & res->mask) == (res->want_qual & res->mask),
			"row %u: qualification %#llx, expected %#llx (mask %#llx)",
			at->nr, (unsigned long long)e->qual,
			(unsigned long long)res->want_qual,
			(unsigned long long)res->mask);
	if (at->r->acc == ACC_WRITE)
		ok &= GCHECK(*at->host == at->before,
			     "row %u: a denied write changed memory", at->nr);
	return resume(at) && ok;
}

/* VMCS, MBEC, EPT12 and L2's CR3 for the matrix. */
static bool demo_vmcs_setup(void)
{
	vmcs_setup(true);
	if (mbec && !GCHECK(ctl_set(PROC_CTLS2, PROC2_MBEC),
			    "MBEC advertised but the control cannot be set"))
		return false;
	vmw(EPT_POINTER, demo_eptp);
	vmw(GUEST_CR3, demo_cr3);
	return true;
}

/* Modex's total exit count so far (0 when it offers no statistics). */
static u64 l0_exits(void)
{
	struct hc_regs o;

	if (!have_l0_stats || modex_hypercall(MODEX_HC_STATS, (u64)l0_stats_buf,
					      EXIT_R_COUNT, 0, &o) < 0)
		return 0;
	return o.rcx;
}

static void l0_stats_init(void)
{
	struct hc_regs o;
	u64 a;

	have_l0_stats = under_modex() &&
			modex_hypercall(MODEX_HC_FEATURES, 0, 0, 0, &o) >= 0 &&
			(o.rbx & MODEX_FEAT_STATS);
	a = l0_exits();
	l0_stats_overhead = l0_exits() - a;
}

static void run_row(unsigned i)
{
	const struct row *r = &rows[i];
	u64 off = target_off(r), q;
	struct attempt at = {
		.r = r,
		.res = &results[i],
		.nr = i + 1,
		.la = demo_la(r->page, r->alias) + off,
		.gpa = demo_gpa(r->page) + off,
		.entry = caller_base(r) + (r->acc == ACC_FETCH ? CODE_JUMP :
					   r->acc == ACC_READ  ? CODE_READ :
								 CODE_WRITE),
	};
	struct result *res = at.res;
	struct l2_exit e;
	u64 l0_before = l0_exits();

	at.host = (volatile u64 *)at.gpa;
	at.before = *at.host;
	res->want_mbec = model(r, true, &q) == OUT_DENY;
	res->want = model(r, mbec, &res->want_qual);
	res->mask = qual_mask(r);
	l2_regs.rdi = at.la;
	l2_regs.rsi = ++write_pattern;
	l2_regs.rax = 0;
	l2_start((void (*)(void))at.entry, r->cpl);
	l2_run(&e);
	res->rip = e.rip;
	if (e.entry == VMX_OK && e.reason == EXIT_VMCALL) {
		res->match = check_ran(&at, &e);
	} else if (e.entry == VMX_OK && e.reason == EXIT_EPT_VIOLATION) {
		res->match = check_denied(&at, &e);
	} else {
		res->got = OUT_OTHER;
		res->match = GCHECK(
			false,
			"row %u: entry %d (error %llu), exit reason %#x qual %#llx at RIP %#llx",
			at.nr, e.entry, (unsigned long long)e.insn_error,
			e.reason, (unsigned long long)e.qual,
			(unsigned long long)e.rip);
		/* A fresh VMCS for the next row. */
		demo_vmcs_setup();
	}
	res->match &=
		GCHECK(res->got == res->want, "row %u: %s, expected %s", at.nr,
		       outcome_name(res->got), outcome_name(res->want));
	res->l0_exits = l0_exits() - l0_before - l0_stats_overhead;
}

/* "R+XU"-style names of EPT permission bits. */
static const char *perm_name(u64 p, char *buf, size_t len)
{
	guest_snprintf(buf, len, "%s%s%s%s", p & EPT_R ? "R" : "",
		       p & EPT_W ? "+W" : "",
		       p & EPT_X ? (mbec ? "+XS" : "+X") : "",
		       p & EPT_XU ? "+XU" : "");
	return buf;
}

/* The name of one EPT permission bit. */
static const char *bit_name(u64 bit)
{
	if (bit == EPT_X)
		return mbec ? "XS" : "X";
	return bit == EPT_R ? "R" : bit == EPT_W ? "W" : "XU";
}

/* One qualification bit for the matrix: 1, 0, or '-' when undefined. */
static char qbit(const struct result *res, unsigned b)
{
	if (res->got != OUT_DENY || !(res->mask & BIT(b)))
		return '-';
	return res->qual & BIT(b) ? '1' : '0';
}

/*
 * Rows: who, access, page, the L2 address (and its U/S), the page's
 * EPT12 permissions, the permission the access needs, the expected and
 * observed outcome. For a denied
 * access the exit qualification and its bits (28.2.1 table 28-7): the
 * access (0-2: R W X), the page's permissions as reported (3-6: R W XS
 * XU; XU only under MBEC) and bit 9, a user-mode linear address.
 */
static void print_matrix(void)
{
	char perm[16];

	guest_log(
		"demo: %-2s %-6s %-5s %-11s %-13s %-7s %-5s %-8s %-8s %-6s %-6s %-11s %s\n",
		"", "", "", "", "", "", "", "", "", "exit", "access",
		"EPT12 seen", "user");
	guest_log(
		"demo: %-2s %-6s %-5s %-11s %-13s %-7s %-5s %-8s %-8s %-6s %-6s %-11s %s\n",
		"#", "who", "acc", "page", "L2 address", "EPT12", "needs",
		"expected", "outcome", "qual", "R W X",
		mbec ? "R W XS XU" : "R W X", "LA");
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row *r = &rows[i];
		const struct result *res = &results[i];
		char addr[20], qual[12], seen[16];

		guest_snprintf(addr, sizeof(addr), "%#llx U%d",
			       (unsigned long long)demo_la(r->page, r->alias),
			       r->alias == AL_USER);
		if (res->got == OUT_DENY)
			guest_snprintf(qual, sizeof(qual), "%#llx",
				       (unsigned long long)res->qual);
		else
			guest_snprintf(qual, sizeof(qual), "-");
		if (mbec)
			guest_snprintf(seen, sizeof(seen), "%c %c %c  %c",
				       qbit(res, 3), qbit(res, 4), qbit(res, 5),
				       qbit(res, 6));
		else
			guest_snprintf(seen, sizeof(seen), "%c %c %c",
				       qbit(res, 3), qbit(res, 4),
				       qbit(res, 5));
		guest_log(
			"demo: %-2u %-6s %-5s %-11s %-13s %-7s %-5s %-8s %-8s %-6s %c %c %c  %-11s %c    %s%s\n",
			i + 1, r->cpl ? "user" : "kernel", acc_names[r->acc],
			page_names[r->page], addr,
			perm_name(demo_policy(r->page, mbec), perm,
				  sizeof(perm)),
			bit_name(needed(r, mbec)), outcome_name(res->want),
			outcome_name(res->got), qual, qbit(res, 0),
			qbit(res, 1), qbit(res, 2), seen, qbit(res, 9),
			res->match ? "ok" : "MISMATCH <<<",
			!mbec && res->want_mbec != (res->want == OUT_DENY) ?
				" (needs MBEC: denied with it)" :
				"");
	}
	guest_log(
		"demo: (1/0: qualification bit set/clear; -: no exit, or not defined on this CPU)\n");
}

/*
 * What each row cost Modex: its exits (L1's VMX instructions it emulates,
 * the L2 exits it reflects to L1) between two counts, less what reading
 * the count adds.
 */
static void print_l0_exits(void)
{
	char line[160];
	size_t n = 0;

	if (!have_l0_stats)
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(rows) && n < sizeof(line); i++) {
		guest_snprintf(line + n, sizeof(line) - n, " %u:%llu", i + 1,
			       (unsigned long long)results[i].l0_exits);
		n += strlen(line + n);
	}
	guest_log("demo: Modex (L0) exits per row (MODEX_HC_STATS):%s\n", line);
}

/* The violations L1 handled, from its own exit records. */
static void print_log(void)
{
	char perm[16];
	unsigned n = 0;

	guest_log(
		"demo: L1's violation log (each EPT violation L1 handled):\n");
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++) {
		const struct row *r = &rows[i];
		const struct result *res = &results[i];

		if (res->got != OUT_DENY)
			continue;
		n++;
		guest_log(
			"demo:   row %-2u %s at CPL%d: %s GLA %#llx (%s) GPA %#llx, EPT12 %s, qual %#llx, L2 RIP %#llx, resumed at %#llx\n",
			i + 1, r->cpl ? "user" : "kernel", r->cpl,
			acc_names[r->acc], (unsigned long long)res->gla,
			!adv_info	   ? "mode not reported" :
			res->qual & BIT(9) ? "user-mode address" :
					     "supervisor-mode address",
			(unsigned long long)res->gpa,
			perm_name(demo_policy(r->page, mbec), perm,
				  sizeof(perm)),
			(unsigned long long)res->qual,
			(unsigned long long)res->rip,
			(unsigned long long)res->resumed_at);
	}
	if (!n)
		guest_log("demo:   (none)\n");
}

static void print_layout(void)
{
	for (unsigned p = 0; p < NR_PG; p++)
		guest_log(
			"demo: L2 %-11s GPA %#llx at %#llx (U/S=0) and %#llx (U/S=1)\n",
			page_names[p], (unsigned long long)demo_gpa(p),
			(unsigned long long)demo_la(p, AL_SUP),
			(unsigned long long)demo_la(p, AL_USER));
	if (mbec)
		guest_log(
			"demo: EPT12 with MBEC: kernel code R+XS, user code R+XU, data R+W; a fetch from a U/S=1 address needs XU, any other XS, whatever the CPL\n");
	else
		guest_log(
			"demo: EPT12 without MBEC: kernel and user code R+X, data R+W; one execute bit for every fetch\n");
}

static int demo_matrix(void)
{
	unsigned ok = 0, need_mbec = 0;

	if (!demo_vmcs_setup())
		return 0;
	/* SDM Vol. 3C 31.3: no translation of an earlier EPT12 survives. */
	if (vmx_caps.ept_vpid & EPT_CAP_INVEPT)
		GCHECK(invept(vmx_caps.ept_vpid & EPT_CAP_INVEPT_SINGLE ? 1 : 2,
			      demo_eptp) == VMX_OK,
		       "INVEPT failed (%llu)",
		       (unsigned long long)vmx_insn_error());
	l0_stats_init();
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++)
		run_row(i);
	print_layout();
	print_matrix();
	print_l0_exits();
	print_log();
	for (unsigned i = 0; i < ARRAY_SIZE(rows); i++) {
		ok += results[i].match;
		need_mbec += !mbec && results[i].want_mbec &&
			     results[i].want == OUT_RUN;
	}
	if (mbec)
		guest_log("demo: HVCI policy %s: %u of %u as expected\n",
			  ok == ARRAY_SIZE(rows) ? "enforced" : "NOT enforced",
			  ok, (unsigned)ARRAY_SIZE(rows));
	else
		guest_log(
			"demo: execute-disable policy (plain EPT X) %s: %u of %u as expected; %u rows need MBEC to be denied\n",
			ok == ARRAY_SIZE(rows) ? "enforced" : "NOT enforced",
			ok, (unsigned)ARRAY_SIZE(rows), need_mbec);
	return 0;
}

/* One line on what this host cannot show; true if the matrix can run. */
static bool host_can_run(void)
{
	const char *why = NULL;

	if (!vmx_caps_read(&why)) {
		bool svm =
			guest_cpuid(0x80000000, 0).eax >= 0x80000001 &&
			(guest_cpuid(0x80000001, 0).ecx & CPUID_EXT1_ECX_SVM);

		guest_log(
			"demo: this CPU offers L1 no VMX (%s)%s: the MBEC matrix needs VMX with EPT; nothing to show on this host\n",
			why,
			svm ? "; it has SVM, whose GMET counterpart of this demo is not written yet" :
			      ", nor SVM");
		return false;
	}
	if (!vmx_has_ept()) {
		guest_log(
			"demo: this CPU offers L1 VMX without EPT (IA32_VMX_PROCBASED_CTLS2 bit 33 or 4-level walks missing): the matrix needs EPT; nothing to show on this host\n");
		return false;
	}
	adv_info = vmx_caps.ept_vpid & EPT_CAP_ADV_INFO;
	mbec = vmx_has_mbec();
	if (!mbec)
		guest_log(
			"demo: this CPU offers L1 no MBEC (%s): the HVCI matrix needs it; running the execute-disable part with plain EPT X instead\n",
			ctl_allowed1(vmx_caps.proc2, PROC2_MBEC) ?
				"IA32_VMX_EPT_VPID_CAP bit 22, advanced EPT-violation information, clear" :
				"IA32_VMX_PROCBASED_CTLS2 bit 54 clear");
	return true;
}

void guest_main(void)
{
	const char *why = NULL;

	guest_log(
		"demo: an L1 hypervisor running %s Modex; its L2 is a kernel (CPL 0) and a user program (CPL 3)\n",
		under_modex() ? "under" : "without");
	/* The legacy PICs stay masked: L2 runs with interrupts off anyway. */
	asm volatile("outb %0, $0x21; outb %0, $0xa1" : : "a"((u8)0xff));
	if (!host_can_run()) {
		guest_log("demo: nothing run on this host: pass\n");
		return;
	}
	guest_gdt_init();
	if (!GCHECK(l2_world_init(&why), "%s", why))
		return;
	demo_world_init(mbec, &demo_eptp, &demo_cr3);
	if (!GCHECK(vmx_on() == VMX_OK, "VMXON failed"))
		return;
	run_check("demo-matrix", demo_matrix);
	GCHECK(vmclear(vmcs_pa) == VMX_OK, "VMCLEAR at the end failed");
	GCHECK(vmxoff() == VMX_OK, "VMXOFF at the end failed");
}
