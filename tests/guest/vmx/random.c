// SPDX-License-Identifier: MIT
/*
 * Group "random": randomized vmcs12 mutations from a fixed seed. Each
 * round starts from a VMCS that enters L2 cleanly, changes one or a few
 * fields at random, predicts from the SDM what VMLAUNCH/VMRESUME must do,
 * enters, and compares:
 *   VMfailValid(7)  a control-field check fails (Vol. 3C 27.2.1);
 *   VMfailValid(8)  a host-state check fails (27.2.2, 27.2.3);
 *   exit 33 | bit 31, qualification 0 or 4 (link pointer): a guest-state
 *                   check fails (27.3.1, 27.8);
 *   exit 34 | bit 31, qualification = 1-based index: an MSR-load entry
 *                   fails (27.4);
 *   VMCALL in L2 (or in L2's handler of an injected event): success.
 * Only mutations whose outcome the SDM fixes are generated. Options:
 * "random=N" rounds (default 100000), "seed=S" (default 1).
 * Context: L1 at CPL 0, VMX on.
 */
#include "tests/guest/vmx/check.h"

#include "hv/include/lib.h"

#define MAX_REPORTS 16
#define CR4_VMXE BIT(13)
#define CR4_PAE BIT(5)

enum want_kind { W_OK, W_FAIL_VALID, W_ENTRY_FAIL };

struct want {
	enum want_kind kind;
	u64 num; /* VM-instruction error, or basic exit reason */
	u64 qual; /* for W_ENTRY_FAIL */
	u64 rip; /* for W_OK: where L2's VMCALL is */
};

static u64 rng;
static struct {
	u64 field, val;
} undo[16];
static unsigned nr_undo;
static struct msr_entry {
	u32 index, reserved;
	u64 value;
} msr_list[4] __aligned(16);
static u8 link_page[4096] __aligned(4096);

static u64 rnd(void)
{
	/* xorshift64 (Marsaglia 2003): fixed seed, same rounds every run. */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static u64 rnd_below(u64 n)
{
	return rnd() % n;
}

/* VMWRITE that the round undoes afterwards. */
static void mw(u64 field, u64 val)
{
	undo[nr_undo].field = field;
	undo[nr_undo].val = vmr(field);
	nr_undo++;
	vmw(field, val);
}

static void undo_all(void)
{
	while (nr_undo) {
		nr_undo--;
		vmw(undo[nr_undo].field, undo[nr_undo].val);
	}
}

static struct want ok(void)
{
	return (struct want){ W_OK, 0, 0, (u64)l2_vmcall };
}

static struct want fail_valid(u64 err)
{
	return (struct want){ W_FAIL_VALID, err, 0, 0 };
}

static struct want entry_fail(u64 reason, u64 qual)
{
	return (struct want){ W_ENTRY_FAIL, reason, qual, 0 };
}

static u64 ctl_cap(unsigned which)
{
	const u64 caps[] = { vmx_caps.pin, vmx_caps.proc, vmx_caps.proc2,
			     vmx_caps.exit, vmx_caps.entry };
	return caps[which];
}

/* 27.2.1.1: a control bit toggled against its allowed setting. */
static struct want m_control(void)
{
	static const u64 fields[] = { PIN_CTLS, PROC_CTLS, PROC_CTLS2,
				      EXIT_CTLS, ENTRY_CTLS };
	unsigned which = rnd_below(vmx_caps.has_proc2 ? 5 : 4);

	if (!vmx_caps.has_proc2 && which == 2)
		which = 4;
	u64 cap = ctl_cap(which), cur = vmr(fields[which]);
	u32 bad = ~(u32)(cap >> 32) | (u32)cap; /* not may-1, or must-1 */

	if (!bad)
		return ok();
	unsigned bit;
	do
		bit = rnd_below(32);
	while (!(bad & (1u << bit)));
	mw(fields[which], cur ^ (1u << bit));
	return fail_valid(7);
}

/* 27.3.1.4: RFLAGS reserved bits 63:22, 15, 5, 3 zero, bit 1 one, VM 0. */
static struct want m_rflags(void)
{
	u64 v = rnd() & 0x3d7cd5; /* defined flags except VM, IF, TF */
	bool bad = false;

	v |= 2;
	switch (rnd_below(4)) {
	case 0:
		v &= ~2ULL;
		bad = true;
		break;
	case 1:
		v |= BIT(22 + rnd_below(42));
		bad = true;
		break;
	case 2:
		v |= BIT(17); /* VM with an IA-32e guest */
		bad = true;
		break;
	}
	mw(GUEST_RFLAGS, v);
	return bad ? entry_fail(EXIT_BAD_GUEST, 0) : ok();
}

/* 27.2.3: host selectors with RPL or TI set; CS and TR not 0. */
static struct want m_host_sel(void)
{
	static const u64 sels[] = { HOST_ES_SEL, HOST_CS_SEL, HOST_SS_SEL,
				    HOST_DS_SEL, HOST_FS_SEL, HOST_GS_SEL,
				    HOST_TR_SEL };
	unsigned i = rnd_below(ARRAY_SIZE(sels));
	u64 cur = vmr(sels[i]);

	if (rnd_below(4) == 0) {
		if (sels[i] != HOST_CS_SEL && sels[i] != HOST_TR_SEL)
			return ok();
		mw(sels[i], 0);
		return fail_valid(8);
	}
	mw(sels[i], cur | (1 + rnd_below(7)));
	return fail_valid(8);
}

static u64 noncanonical(void)
{
	return (rnd() | BIT(47)) & ~BIT(63);
}

/* 27.2.2, 27.2.3: host CR0/CR4 fixed bits, canonical bases and RIP. */
static struct want m_host_regs(void)
{
	static const u64 bases[] = { HOST_FS_BASE,   HOST_GS_BASE,
				     HOST_GDTR_BASE, HOST_IDTR_BASE,
				     HOST_TR_BASE,   HOST_RIP };

	switch (rnd_below(4)) {
	case 0: {
		u64 f0 = vmx_caps.cr0_fixed0 & 0xffffffffULL;
		unsigned bit;

		do
			bit = rnd_below(32);
		while (!(f0 & BIT(bit)));
		mw(HOST_CR0, vmr(HOST_CR0) & ~BIT(bit));
		return fail_valid(8);
	}
	case 1:
		mw(HOST_CR4,
		   vmr(HOST_CR4) & ~(rnd_below(2) ? CR4_VMXE : CR4_PAE));
		return fail_valid(8);
	case 2:
		mw(bases[rnd_below(ARRAY_SIZE(bases))], noncanonical());
		return fail_valid(8);
	default:
		/* A canonical FS/GS base is a valid host state. */
		mw(rnd_below(2) ? HOST_FS_BASE : HOST_GS_BASE,
		   rnd() & 0x00007ffffffff000ULL);
		return ok();
	}
}

/* 27.3.1.2: a few segment states an IA-32e guest may not have. */
static struct want m_guest_seg(void)
{
	switch (rnd_below(4)) {
	case 0: /* CS.L and CS.D both set */
		mw(GUEST_ES_AR + 2 * SEG_CS, 0xe09b);
		break;
	case 1: /* TR type 3 (16-bit busy TSS) in IA-32e mode */
		mw(GUEST_ES_AR + 2 * SEG_TR, 0x83);
		break;
	case 2: /* TR.TI set */
		mw(GUEST_ES_SEL + 2 * SEG_TR, L2_TR | 4);
		break;
	default: /* SS.DPL differs from CS.DPL (SS.RPL too) */
		mw(GUEST_ES_AR + 2 * SEG_SS, 0xc0f3);
		mw(GUEST_ES_SEL + 2 * SEG_SS, L2_DS3);
		break;
	}
	return entry_fail(EXIT_BAD_GUEST, 0);
}

/* 27.3.1.5: the VMCS link pointer (shadowing off). */
static struct want m_link(void)
{
	switch (rnd_below(4)) {
	case 0:
		vmx_region_init(link_page, vmx_caps.revision);
		mw(VMCS_LINK_PTR, (u64)link_page);
		return ok();
	case 1:
		vmx_region_init(link_page,
				(vmx_caps.revision + 1 + (u32)rnd_below(1000)) &
					0x7fffffff);
		mw(VMCS_LINK_PTR, (u64)link_page);
		break;
	case 2:
		vmx_region_init(link_page, vmx_caps.revision);
		mw(VMCS_LINK_PTR, (u64)link_page + 8 * (1 + rnd_below(511)));
		break;
	default:
		mw(VMCS_LINK_PTR, BIT(vmx_caps.maxphyaddr) | (u64)link_page);
		break;
	}
	return entry_fail(EXIT_BAD_GUEST, 4);
}

/* 27.4: entries valid (KERNEL_GS_BASE, canonical) or not. */
static bool msr_entry_random(struct msr_entry *m)
{
	switch (rnd_below(6)) {
	case 0:
		*m = (struct msr_entry){ MSR_FS_BASE + (u32)rnd_below(2), 0,
					 0 };
		return false;
	case 1:
		*m = (struct msr_entry){ MSR_KERNEL_GS_BASE,
					 (u32)(1 + rnd_below(0xffff)), 0 };
		return false;
	case 2:
		*m = (struct msr_entry){ 0x800 + (u32)rnd_below(0x100), 0, 0 };
		return false;
	case 3:
		*m = (struct msr_entry){ MSR_KERNEL_GS_BASE, 0,
					 noncanonical() };
		return false;
	default:
		*m = (struct msr_entry){ MSR_KERNEL_GS_BASE, 0,
					 rnd() & 0x00007fffffffffffULL };
		return true;
	}
}

static struct want m_msr_load(void)
{
	unsigned n = 1 + rnd_below(ARRAY_SIZE(msr_list));

	if (rnd_below(8) == 0) {
		/* 27.2.1.2: the address's bits 3:0 must be 0. */
		mw(ENTRY_MSR_LOAD_ADDR, (u64)msr_list + 1 + rnd_below(15));
		mw(ENTRY_MSR_LOAD_COUNT, n);
		return fail_valid(7);
	}
	mw(ENTRY_MSR_LOAD_ADDR, (u64)msr_list);
	mw(ENTRY_MSR_LOAD_COUNT, n);
	for (unsigned i = 0; i < n; i++)
		if (!msr_entry_random(&msr_list[i]))
			return entry_fail(EXIT_MSR_LOAD_FAIL, i + 1);
	return ok();
}

/*
 * SDM Vol. 3A 7.3 table 7-1: the exceptions that push an error code; #CP
 * (21) exists only with CET (CPUID.(7,0):ECX[7] shadow stacks or EDX[20]
 * indirect-branch tracking), and VM entry treats it so (27.2.1.3).
 */
static bool has_error_code(unsigned v)
{
	struct guest_cpuid c = guest_cpuid(7, 0);

	if (v == 21)
		return (c.ecx & BIT(7)) || (c.edx & BIT(20));
	return v == 8 || (v >= 10 && v <= 14) || v == 17;
}

/* 27.2.1.3: the VM-entry interruption-information field. */
static struct want m_inject(void)
{
	unsigned vec = rnd_below(32);
	bool err = rnd_below(2);
	bool any_err = vmx_caps.basic & BIT(56);

	switch (rnd_below(5)) {
	case 0: /* reserved bits 30:12 */
		mw(ENTRY_INTR_INFO,
		   INTR_INFO(INTR_TYPE_HW_EXC, 6) | BIT(12 + rnd_below(19)));
		return fail_valid(7);
	case 1: /* reserved type 1 */
		mw(ENTRY_INTR_INFO, INTR_INFO(1, 32 + rnd_below(224)));
		return fail_valid(7);
	case 2: /* NMI with a vector other than 2 */
		mw(ENTRY_INTR_INFO,
		   INTR_INFO(INTR_TYPE_NMI, 3 + rnd_below(250)));
		return fail_valid(7);
	case 3: /* an error code with a software interrupt */
		mw(ENTRY_INTR_INFO,
		   INTR_INFO(INTR_TYPE_SW_INT, 0x80) | INTR_HAS_ERROR);
		mw(ENTRY_INSN_LEN, 2);
		return fail_valid(7);
	default: /* a hardware exception, error code as the vector needs */
		if (vec == 2 || vec == 9 || vec == 15 || vec >= 22 || vec == 18)
			vec = 6; /* NMI, reserved, #MC: not simple events */
		mw(ENTRY_INTR_INFO, INTR_INFO(INTR_TYPE_HW_EXC, vec) |
					    (err ? INTR_HAS_ERROR : 0));
		mw(ENTRY_EXC_ERROR, rnd() & 0x7ff8);
		if (!any_err && err != has_error_code(vec))
			return fail_valid(7);
		return (struct want){ W_OK, 0, 0, l2_stub(vec) };
	}
}

typedef struct want (*mutation)(void);
static const mutation mutations[] = { m_control,   m_rflags,	m_host_sel,
				      m_host_regs, m_guest_seg, m_link,
				      m_msr_load,  m_inject };
static const char *const mutation_names[] = { "control",       "rflags",
					      "host-selector", "host-registers",
					      "guest-segment", "link-pointer",
					      "msr-load",      "inject" };

static bool outcome_matches(const struct want *w, const struct l2_exit *e)
{
	switch (w->kind) {
	case W_FAIL_VALID:
		return e->entry == VMX_FAIL_VALID && e->insn_error == w->num;
	case W_ENTRY_FAIL:
		return e->entry == VMX_OK &&
		       e->reason == (w->num | EXIT_REASON_ENTRY_FAIL) &&
		       e->qual == w->qual;
	default:
		return e->entry == VMX_OK && e->reason == EXIT_VMCALL &&
		       e->rip == w->rip;
	}
}

static int random_rounds(void)
{
	char opt[24];
	u64 rounds = 100000, seed = 1, bad = 0, per_kind[ARRAY_SIZE(mutations)];
	struct l2_exit e;

	if (cmdline_value("random", opt, sizeof(opt)))
		rounds = guest_parse_u64(opt);
	if (cmdline_value("seed", opt, sizeof(opt)))
		seed = guest_parse_u64(opt);
	rng = seed ? seed : 1;
	memset(per_kind, 0, sizeof(per_kind));
	vmcs_setup(vmx_has_ept());
	/* A preemption-timer exit ends an L2 that would never exit. */
	if (ctl_set(PIN_CTLS, PIN_PREEMPT))
		vmw(PREEMPT_TIMER, 1000000);
	l2_run(&e);
	if (!expect_vmcall("the unmutated VMCS", &e, (u64)l2_vmcall))
		return 0;
	for (u64 r = 0; r < rounds; r++) {
		unsigned k = rnd_below(ARRAY_SIZE(mutations));
		struct want w;

		vmw(GUEST_RIP, (u64)l2_vmcall);
		vmw(GUEST_RSP, l2_stack_top());
		w = mutations[k]();
		per_kind[k]++;
		l2_run(&e);
		if (!outcome_matches(&w, &e) && bad++ < MAX_REPORTS)
			GCHECK(false,
			       "round %llu (%s): expected kind %d num %llu qual %llu rip %#llx; got entry %s error %llu exit %#x qual %#llx rip %#llx",
			       (unsigned long long)r, mutation_names[k], w.kind,
			       (unsigned long long)w.num,
			       (unsigned long long)w.qual,
			       (unsigned long long)w.rip,
			       vmx_result_name(e.entry),
			       (unsigned long long)e.insn_error, e.reason,
			       (unsigned long long)e.qual,
			       (unsigned long long)e.rip);
		undo_all();
		if (e.entry == VMX_OK && (e.reason & EXIT_REASON_ENTRY_FAIL))
			vmcs_relaunch();
	}
	GCHECK(bad == 0, "%llu of %llu rounds differ from the SDM",
	       (unsigned long long)bad, (unsigned long long)rounds);
	GINFO("%llu rounds, seed %llu: control %llu rflags %llu host-sel %llu host-regs %llu guest-seg %llu link %llu msr-load %llu inject %llu\n",
	      (unsigned long long)rounds, (unsigned long long)seed,
	      (unsigned long long)per_kind[0], (unsigned long long)per_kind[1],
	      (unsigned long long)per_kind[2], (unsigned long long)per_kind[3],
	      (unsigned long long)per_kind[4], (unsigned long long)per_kind[5],
	      (unsigned long long)per_kind[6], (unsigned long long)per_kind[7]);
	vmw(GUEST_RIP, (u64)l2_vmcall);
	vmw(GUEST_RSP, l2_stack_top());
	l2_run(&e);
	expect_vmcall("the VMCS after all rounds", &e, (u64)l2_vmcall);
	/* Rounds may have given L1 random FS/GS bases and KERNEL_GS_BASE. */
	try_wrmsr(MSR_KERNEL_GS_BASE, 0);
	try_wrmsr(MSR_FS_BASE, 0);
	try_wrmsr(MSR_FS_BASE + 1, 0);
	return 0;
}

void group_random(void)
{
	run_check("random-vmcs", random_rounds);
}
