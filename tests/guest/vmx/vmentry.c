// SPDX-License-Identifier: MIT
/*
 * Group "vmentry": randomized vmcs12 mutations and VM entries. From the
 * known-good VMCS that vmcs_setup() builds (an L2 that executes VMCALL at
 * once), each iteration applies one to three random mutations of
 * VM-entry-relevant fields, enters L2 (VMLAUNCH, or VMRESUME after a
 * successful entry) and compares the outcome with the set of outcomes the
 * reference model (vmentry_model.c, SDM Vol. 3C chapter 27) allows; then it
 * writes the mutated fields back. "vmentry-seed=N" picks the seed (default fixed),
 * "vmentry=N" the number of entries: by default 100,000 when "tests=" names
 * the group, 20,000 as part of the whole suite. "vmentry-trace=N" prints
 * each entry from the N-th on, "vmentry-report=N" the first N mismatches
 * (default 20), "vmentry-progress=N" a progress line every N (10,000).
 *
 * The generator never builds states whose successful entry would leave
 * L1 without an exit or break L1 itself: an activity state other than
 * active comes with an injected event (HLT would wait forever otherwise),
 * IA-32e-mode-guest 0 never meets PAE paging (no PDPTE loads from tables
 * built for 4-level paging), and host fields get only values that fail
 * the checks or that L1 survives being loaded at the exit (L1's CRs,
 * EFER, PAT, FS/GS bases and data selectors are restored afterwards).
 * Context: L1 at CPL 0, VMX on, interrupts off.
 */
#include "tests/guest/vmx/vmentry.h"

#include "hv/include/lib.h"
#include "tests/guest/vmx/check.h"

#define MSR_PAT 0x277
#define MSR_GS_BASE 0xc0000101u
#define DEFAULT_SEED 0x5eed0f10ULL
#define DEFAULT_COUNT 100000
#define SUITE_COUNT 20000
#define MAX_MUT 3
#define MAX_REPORT 20

u64 rnd_cur[F_NR], rnd_base[F_NR];
u16 rnd_enc[F_NR];
bool rnd_present[F_NR], rnd_touched[F_NR];
u8 rnd_order[F_NR], rnd_n_touched;
bool rnd_disruptive;
unsigned rnd_linear_bits;
u64 rnd_l1_pat;

static bool launched, host_loaded;

/* L1's own state that a successful host-state mutation may change. */
static u64 l1_cr0, l1_cr3, l1_cr4, l1_efer, l1_fsb, l1_gsb;

static const char *const names[F_NR] = {
	[F_PIN] = "pin controls",
	[F_PROC] = "proc controls",
	[F_PROC2] = "proc2 controls",
	[F_EXIT] = "exit controls",
	[F_ENTRY] = "entry controls",
	[F_EXC] = "exception bitmap",
	[F_CR3TC] = "CR3-target count",
	[F_IOA] = "I/O bitmap A",
	[F_IOB] = "I/O bitmap B",
	[F_MSRBM] = "MSR bitmap",
	[F_EPTP] = "EPTP",
	[F_VPID] = "VPID",
	[F_IINFO] = "entry interruption info",
	[F_IERR] = "entry error code",
	[F_ILEN] = "entry instruction length",
	[F_XSC] = "exit MSR-store count",
	[F_XSA] = "exit MSR-store address",
	[F_XLC] = "exit MSR-load count",
	[F_XLA] = "exit MSR-load address",
	[F_ELC] = "entry MSR-load count",
	[F_ELA] = "entry MSR-load address",
	[F_VAPIC] = "virtual-APIC address",
	[F_TPR] = "TPR threshold",
	[F_APICACC] = "APIC-access address",
	[F_PIDESC] = "posted-interrupt descriptor",
	[F_PIVEC] = "posted-interrupt vector",
	[F_PML] = "PML address",
	[F_VEINFO] = "#VE information address",
	[F_VMRBM] = "VMREAD bitmap",
	[F_VMWBM] = "VMWRITE bitmap",
	[F_HCR0] = "host CR0",
	[F_HCR3] = "host CR3",
	[F_HCR4] = "host CR4",
	[F_HFSB] = "host FS base",
	[F_HGSB] = "host GS base",
	[F_HTRB] = "host TR base",
	[F_HGDTRB] = "host GDTR base",
	[F_HIDTRB] = "host IDTR base",
	[F_HSEP] = "host SYSENTER_ESP",
	[F_HSIP] = "host SYSENTER_EIP",
	[F_HRIP] = "host RIP",
	[F_HEFER] = "host EFER",
	[F_HPAT] = "host PAT",
	[F_GCR0] = "guest CR0",
	[F_GCR3] = "guest CR3",
	[F_GCR4] = "guest CR4",
	[F_GDR7] = "guest DR7",
	[F_GRFL] = "guest RFLAGS",
	[F_GRIP] = "guest RIP",
	[F_GRSP] = "guest RSP",
	[F_GEFER] = "guest EFER",
	[F_GPAT] = "guest PAT",
	[F_GDBGCTL] = "guest DEBUGCTL",
	[F_GDTRB] = "guest GDTR base",
	[F_GDTRL] = "guest GDTR limit",
	[F_IDTRB] = "guest IDTR base",
	[F_IDTRL] = "guest IDTR limit",
	[F_GACT] = "guest activity state",
	[F_GINT] = "guest interruptibility",
	[F_GPDBG] = "guest pending debug",
	[F_GLINK] = "VMCS link pointer",
	[F_GSEP] = "guest SYSENTER_ESP",
	[F_GSIP] = "guest SYSENTER_EIP",
};
static const char *const hseg[7] = { "ES", "CS", "SS", "DS", "FS", "GS", "TR" };
static const char *const gseg[8] = { "ES", "CS", "SS",	 "DS",
				     "FS", "GS", "LDTR", "TR" };

void rnd_field_name(unsigned f, char *buf, size_t len)
{
	static const char *const kinds[4] = { "selector", "base", "limit",
					      "AR" };

	if (f >= F_HSEL && f < F_HSEL + 7)
		guest_snprintf(buf, len, "host %s selector", hseg[f - F_HSEL]);
	else if (f >= F_GSEL && f < F_GAR + 8)
		guest_snprintf(buf, len, "guest %s %s", gseg[(f - F_GSEL) % 8],
			       kinds[(f - F_GSEL) / 8]);
	else
		guest_snprintf(buf, len, "%s", names[f]);
}

static void encodings_init(void)
{
	static const u16 single[F_NR] = {
		[F_PIN] = PIN_CTLS,
		[F_PROC] = PROC_CTLS,
		[F_PROC2] = PROC_CTLS2,
		[F_EXIT] = EXIT_CTLS,
		[F_ENTRY] = ENTRY_CTLS,
		[F_EXC] = EXC_BITMAP,
		[F_CR3TC] = CR3_TARGET_COUNT,
		[F_IOA] = IO_BITMAP_A,
		[F_IOB] = IO_BITMAP_B,
		[F_MSRBM] = MSR_BITMAP,
		[F_EPTP] = EPT_POINTER,
		[F_VPID] = VPID,
		[F_IINFO] = ENTRY_INTR_INFO,
		[F_IERR] = ENTRY_EXC_ERROR,
		[F_ILEN] = ENTRY_INSN_LEN,
		[F_XSC] = EXIT_MSR_STORE_COUNT,
		[F_XSA] = EXIT_MSR_STORE_ADDR,
		[F_XLC] = EXIT_MSR_LOAD_COUNT,
		[F_XLA] = EXIT_MSR_LOAD_ADDR,
		[F_ELC] = ENTRY_MSR_LOAD_COUNT,
		[F_ELA] = ENTRY_MSR_LOAD_ADDR,
		[F_VAPIC] = ENC_VAPIC_ADDR,
		[F_TPR] = ENC_TPR_THRESHOLD,
		[F_APICACC] = ENC_APIC_ACCESS,
		[F_PIDESC] = ENC_PI_DESC,
		[F_PIVEC] = ENC_POSTED_VECTOR,
		[F_PML] = ENC_PML_ADDR,
		[F_VEINFO] = ENC_VE_INFO,
		[F_VMRBM] = ENC_VMREAD_BM,
		[F_VMWBM] = ENC_VMWRITE_BM,
		[F_HCR0] = HOST_CR0,
		[F_HCR3] = HOST_CR3,
		[F_HCR4] = HOST_CR4,
		[F_HFSB] = HOST_FS_BASE,
		[F_HGSB] = HOST_GS_BASE,
		[F_HTRB] = HOST_TR_BASE,
		[F_HGDTRB] = HOST_GDTR_BASE,
		[F_HIDTRB] = HOST_IDTR_BASE,
		[F_HSEP] = HOST_SYSENTER_ESP,
		[F_HSIP] = HOST_SYSENTER_EIP,
		[F_HRIP] = HOST_RIP,
		[F_HEFER] = HOST_EFER,
		[F_HPAT] = ENC_HOST_PAT,
		[F_GCR0] = GUEST_CR0,
		[F_GCR3] = GUEST_CR3,
		[F_GCR4] = GUEST_CR4,
		[F_GDR7] = GUEST_DR7,
		[F_GRFL] = GUEST_RFLAGS,
		[F_GRIP] = GUEST_RIP,
		[F_GRSP] = GUEST_RSP,
		[F_GEFER] = GUEST_EFER,
		[F_GPAT] = ENC_GUEST_PAT,
		[F_GDBGCTL] = GUEST_DEBUGCTL,
		[F_GDTRB] = GUEST_GDTR_BASE,
		[F_GDTRL] = GUEST_ES_LIMIT + 16,
		[F_IDTRB] = GUEST_IDTR_BASE,
		[F_IDTRL] = GUEST_ES_LIMIT + 18,
		[F_GACT] = GUEST_ACTIVITY,
		[F_GINT] = GUEST_INTERRUPTIBILITY,
		[F_GPDBG] = GUEST_PENDING_DBG,
		[F_GLINK] = VMCS_LINK_PTR,
		[F_GSEP] = GUEST_SYSENTER_ESP,
		[F_GSIP] = GUEST_SYSENTER_EIP,
	};

	for (unsigned f = 0; f < F_NR; f++)
		rnd_enc[f] = single[f];
	for (unsigned s = 0; s < 7; s++)
		rnd_enc[F_HSEL + s] = HOST_ES_SEL + 2 * s;
	for (unsigned s = 0; s < 8; s++) {
		rnd_enc[F_GSEL + s] = GUEST_ES_SEL + 2 * s;
		rnd_enc[F_GBASE + s] = GUEST_ES_BASE + 2 * s;
		rnd_enc[F_GLIM + s] = GUEST_ES_LIMIT + 2 * s;
		rnd_enc[F_GAR + s] = GUEST_ES_AR + 2 * s;
	}
}

/* SDM Vol. 3D B.1: encoding bits 14:13 give the width (16, 64, 32, natural). */
u64 rnd_truncate(unsigned f, u64 v)
{
	switch ((rnd_enc[f] >> 13) & 3) {
	case 0:
		return (u16)v;
	case 2:
		return (u32)v;
	default:
		return v;
	}
}

/* ---- the run ---- */

static inline void wrmsr64(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static void l1_state_save(void)
{
	l1_cr0 = guest_read_cr(0);
	l1_cr3 = guest_read_cr(3);
	l1_cr4 = guest_read_cr(4);
	l1_efer = guest_rdmsr(MSR_EFER);
	rnd_l1_pat = guest_rdmsr(MSR_PAT);
	l1_fsb = guest_rdmsr(MSR_FS_BASE);
	l1_gsb = guest_rdmsr(MSR_GS_BASE);
}

/* After an exit that loaded mutated (valid) host state: L1's own again. */
static void l1_state_restore(void)
{
	asm volatile("mov %0, %%cr0" : : "r"(l1_cr0));
	asm volatile("mov %0, %%cr4" : : "r"(l1_cr4));
	asm volatile("mov %0, %%cr3" : : "r"(l1_cr3) : "memory");
	wrmsr64(MSR_EFER, l1_efer);
	wrmsr64(MSR_PAT, rnd_l1_pat);
	wrmsr64(MSR_FS_BASE, l1_fsb);
	wrmsr64(MSR_GS_BASE, l1_gsb);
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss"
		     :
		     : "r"((u32)rnd_base[F_HSEL + 3]));
}

/* The known-good VMCS: vmcs_setup() plus the pages of the fields above. */
static bool baseline_init(void)
{
	vmcs_setup(vmx_has_ept());
	launched = false;
	rnd_pages_init();
	rnd_base[F_HPAT] = rnd_l1_pat;
	rnd_base[F_GPAT] = rnd_l1_pat;
	for (unsigned f = 0; f < F_NR; f++) {
		bool preset = rnd_base[f] || f == F_HPAT || f == F_GPAT;
		u64 v = 0;

		/* Fields this VMX lacks (VMfail 12) stay out of the game. */
		if (preset && vmwrite_r(rnd_enc[f], rnd_base[f]) != VMX_OK)
			rnd_present[f] = false;
		else
			rnd_present[f] = vmread_r(rnd_enc[f], &v) == VMX_OK;
		rnd_base[f] = rnd_present[f] ? v : 0;
	}
	memcpy(rnd_cur, rnd_base, sizeof(rnd_base));
	return rnd_present[F_PIN] && rnd_present[F_GRIP];
}

static void restore_field(unsigned f)
{
	char name[48];

	V(f) = rnd_base[f];
	if (vmwrite_r(rnd_enc[f], rnd_base[f]) != VMX_OK) {
		rnd_field_name(f, name, sizeof(name));
		GCHECK(false, "vmentry: VMWRITE of %s failed (error %llu)",
		       name, (unsigned long long)vmx_insn_error());
	}
}

static void restore(bool exited, bool exit_ctls)
{
	static const u8 saved[] = { F_GRIP, F_GRSP, F_GRFL,
				    F_GACT, F_GINT, F_GPDBG };
	static const u8 saved_ctl[] = { F_GEFER, F_GPAT, F_GDR7, F_GDBGCTL };

	for (unsigned i = 0; i < rnd_n_touched; i++) {
		restore_field(rnd_order[i]);
		rnd_touched[rnd_order[i]] = false;
	}
	rnd_n_touched = 0;
	if (!exited)
		return;
	/* SDM Vol. 3C 28.3: the exit saved guest state over the fields. */
	for (unsigned i = 0; i < sizeof(saved); i++)
		restore_field(saved[i]);
	if (exit_ctls)
		for (unsigned i = 0; i < sizeof(saved_ctl); i++)
			if (rnd_present[saved_ctl[i]])
				restore_field(saved_ctl[i]);
}

struct result {
	enum rnd_outcome o;
	u32 detail; /* VM-instruction error, exit reason or qualification */
	u64 rip;
};

static void enter(struct result *r)
{
	u64 fl = vmx_enter(&l2_regs, launched);
	u32 reason;
	u64 qual;

	r->rip = 0;
	if (fl) {
		enum vmx_result v = vmx_result_of(fl);

		r->detail = v == VMX_FAIL_VALID ? (u32)vmx_insn_error() : 0;
		r->o = v == VMX_FAIL_INVALID ? O_INVALID :
		       r->detail == 7	     ? O_FAIL7 :
		       r->detail == 8	     ? O_FAIL8 :
					       O_OTHER;
		return;
	}
	reason = (u32)vmr(EXIT_REASON);
	if (!(reason & EXIT_REASON_ENTRY_FAIL)) {
		launched = true;
		r->o = O_OK;
		r->detail = reason & 0xffff;
		if (!rnd_disruptive)
			r->rip = vmr(GUEST_RIP);
		return;
	}
	/* SDM Vol. 3C 27.8: the entry failed after the 27.2 checks. */
	qual = vmr(EXIT_QUAL);
	r->detail = (u32)qual;
	if ((reason & 0xffff) == EXIT_MSR_LOAD_FAIL)
		r->o = O_X34;
	else if ((reason & 0xffff) != EXIT_BAD_GUEST || qual > 4 || qual == 1)
		r->o = O_OTHER, r->detail = reason;
	else
		r->o = qual == 0 ? O_X33Q0 :
		       qual == 2 ? O_X33Q2 :
		       qual == 3 ? O_X33Q3 :
				   O_X33Q4;
}

static bool matches(const struct rnd_expect *x, const struct result *r)
{
	if (!(x->set & BIT(r->o)))
		return false;
	if (r->o == O_X34)
		return r->detail == x->msr_index;
	/* Without a rnd_disruptive mutation L2 reaches its VMCALL. */
	if (r->o == O_OK && !rnd_disruptive)
		return r->detail == EXIT_VMCALL && r->rip == (u64)l2_vmcall;
	return true;
}

static const char *const outcome_names[O_NR] = {
	"ok",	    "vmfail7",	"vmfail8",  "vmfailinvalid", "exit33/0",
	"exit33/2", "exit33/3", "exit33/4", "exit34",	     "other",
};

static void print_set(char *buf, size_t len, const struct rnd_expect *x)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned o = 0; o < O_NR; o++)
		if (x->set & BIT(o)) {
			guest_snprintf(buf + n, len - n, "%s%s", n ? "|" : "",
				       outcome_names[o]);
			n = strlen(buf);
		}
	if (x->set & BIT(O_X34))
		guest_snprintf(buf + n, len - n, " (entry %u)", x->msr_index);
}

static void report(const char *what, u64 it, const char *kind_list,
		   const struct rnd_expect *x, const struct result *r)
{
	char exp[96], name[48];

	print_set(exp, sizeof(exp), x);
	guest_log(
		"vmentry: %s at iteration %llu: %s; expected %s, got %s (%#x, rip %#llx)\n",
		what, (unsigned long long)it, kind_list, exp,
		r ? outcome_names[r->o] : "-", r ? r->detail : 0,
		r ? (unsigned long long)r->rip : 0ULL);
	for (unsigned i = 0; i < rnd_n_touched; i++) {
		unsigned f = rnd_order[i];

		u64 now = 0;

		rnd_field_name(f, name, sizeof(name));
		vmread_r(rnd_enc[f], &now);
		guest_log("vmentry:   %s = %#llx (good %#llx, VMREAD %#llx)\n",
			  name, (unsigned long long)V(f),
			  (unsigned long long)rnd_base[f],
			  (unsigned long long)now);
	}
}

/*
 * The generator's constraints (see the file header): states it does not
 * build, decided on the mutated fields alone, never by the model.
 */
static bool acceptable(void)
{
	bool ia32e = V(F_ENTRY) & ENTRY_IA32E;

	/* A pending MTF exit (type 7) does not make the entry vectoring. */
	if ((u32)V(F_GACT) &&
	    (!(V(F_IINFO) & INTR_VALID) || ((V(F_IINFO) >> 8) & 7) == 7))
		return false;
	/*
	 * Bochs lacks the check "IA-32e mode guest needs CR0.PG" (SDM
	 * 27.3.1.1) and panics entering such a guest: not built on Bochs.
	 */
	if (rnd_bochs && ia32e && !(V(F_GCR0) & CR0_PG))
		return false;
	if (!ia32e && (V(F_GCR0) & CR0_PG) && (V(F_GCR4) & CR4_PAE))
		return false;
	return true;
}

static void undo(void)
{
	for (unsigned i = 0; i < rnd_n_touched; i++) {
		V(rnd_order[i]) = rnd_base[rnd_order[i]];
		rnd_touched[rnd_order[i]] = false;
	}
	rnd_n_touched = 0;
}

/* One to three mutations; returns the kinds' names in @buf. */
static void mutate(char *buf, size_t len)
{
	do {
		unsigned n = rnd_chance(70) ?
				     1 :
				     2 + (unsigned)rnd_below(MAX_MUT - 1);
		size_t at = 0;

		undo();
		rnd_disruptive = false;
		host_loaded = false;
		for (unsigned i = 0; i < n; i++) {
			const char *kind = rnd_mutate_one();

			if (!strncmp(kind, "host", 4))
				host_loaded = true;
			guest_snprintf(buf + at, len - at, "%s%s", i ? "+" : "",
				       kind);
			at = strlen(buf);
		}
	} while (!acceptable() || !rnd_n_touched);
	for (unsigned i = 0; i < rnd_n_touched; i++)
		if (vmwrite_r(rnd_enc[rnd_order[i]], V(rnd_order[i])) != VMX_OK)
			GCHECK(false, "vmentry: VMWRITE %#x = %#llx failed",
			       rnd_enc[rnd_order[i]],
			       (unsigned long long)V(rnd_order[i]));
}

static u64 parse_u64(const char *s, u64 dflt)
{
	u64 v = 0;
	unsigned b = 10;

	if (!*s)
		return dflt;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		b = 16, s += 2;
	for (; *s; s++) {
		unsigned d =
			*s >= '0' && *s <= '9' ? (unsigned)(*s - '0') :
			*s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10) :
			*s >= 'A' && *s <= 'F' ? (unsigned)(*s - 'A' + 10) :
						 99;

		if (d >= b)
			return dflt;
		v = v * b + d;
	}
	return v;
}

static u64 opt(const char *key, u64 dflt)
{
	char buf[24];

	return cmdline_value(key, buf, sizeof(buf)) ? parse_u64(buf, dflt) :
						      dflt;
}

static void counts_line(const char *what, u64 n, const u64 *cnt, u64 bad)
{
	char buf[200];
	size_t at = 0;

	buf[0] = 0;
	for (unsigned o = 0; o < O_NR; o++) {
		guest_snprintf(buf + at, sizeof(buf) - at, "%s%s %llu",
			       o ? ", " : "", outcome_names[o],
			       (unsigned long long)cnt[o]);
		at = strlen(buf);
	}
	guest_log("vmentry: %s%llu entries, %llu mismatches, outcomes: %s\n",
		  what, (unsigned long long)n, (unsigned long long)bad, buf);
}

static int check_vmentry(void)
{
	char sel[8];
	/* Picked by name ("tests=...,vmentry"): the full run; else a shorter one. */
	u64 count = opt("vmentry", cmdline_value("tests", sel, sizeof(sel)) ?
					   DEFAULT_COUNT :
					   SUITE_COUNT);
	u64 seed = opt("vmentry-seed", DEFAULT_SEED);
	u64 cnt[O_NR] = { 0 }, bad = 0, t0;
	char kinds_buf[96];
	u64 trace_from = opt("vmentry-trace", ~0ULL);
	u64 max_report = opt("vmentry-report", MAX_REPORT);
	u64 every = opt("vmentry-progress", 10000);

	encodings_init();
	l1_state_save();
	rnd_linear_bits = (guest_cpuid(0x80000008, 0).eax >> 8) & 0xff;
	rnd_bochs = host_is_bochs();
	rnd_modex = under_modex();
	rnd_cet_ss = guest_cpuid(7, 0).ecx & BIT(7);
	if (rnd_linear_bits < 48)
		rnd_linear_bits = 48;
	if (!baseline_init()) {
		GCHECK(false, "vmentry: the VMCS fields could not be read");
		return 0;
	}
	rnd_seed(seed ? seed : DEFAULT_SEED);
	GINFO("vmentry: seed %#llx, %llu entries, linear width %u\n",
	      (unsigned long long)seed, (unsigned long long)count,
	      rnd_linear_bits);
	t0 = guest_rdtsc();
	for (u64 it = 1; it <= count; it++) {
		struct rnd_expect x;
		struct result r;
		bool exit_ctls;

		mutate(kinds_buf, sizeof(kinds_buf));
		exit_ctls = rnd_touched[F_EXIT];
		rnd_model(&x);
		if (it >= trace_from)
			report("trace", it, kinds_buf, &x, NULL);
		enter(&r);
		cnt[r.o]++;
		if (!matches(&x, &r) && ++bad <= max_report)
			report("MISMATCH", it, kinds_buf, &x, &r);
		if (host_loaded && (r.o == O_OK || r.o >= O_X33Q0))
			l1_state_restore();
		restore(r.o == O_OK, exit_ctls);
		if (every && it % every == 0)
			counts_line("progress ", it, cnt, bad);
	}
	counts_line("", count, cnt, bad);
	GINFO("vmentry: %llu TSC ticks, %llu per entry\n",
	      (unsigned long long)(guest_rdtsc() - t0),
	      (unsigned long long)((guest_rdtsc() - t0) / (count ? count : 1)));
	GCHECK(!bad,
	       "vmentry: %llu of %llu entries answered otherwise than the SDM requires",
	       (unsigned long long)bad, (unsigned long long)count);
	vmcs_setup(vmx_has_ept());
	return 0;
}

void group_vmentry(void)
{
	run_check("vmentry", check_vmentry);
}
