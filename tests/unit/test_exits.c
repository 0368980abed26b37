// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the generic exit path (hv/exits.c, compiled into this
 * test with a fake vendor that records what the handlers asked of it):
 * every instruction Modex completes for L1 retires as the CPU would
 * retire it (RIP, RF, interrupt shadow, the single-step #DB when TF was
 * set), and one that faults or stops L1 does not.
 */
#include "tests/unit/harness.h"

#include "hv/exits.c"

/* ---- what hv/exits.c needs from the rest of Modex ---- */
struct cpu_features cpu_features;
static jmp_buf stop_jmp;
static int stops;

void hv_exit(u8 code)
{
	(void)code;
	stops++;
	longjmp(stop_jmp, 1);
}

static enum exit_method exit_method = EXIT_QEMU;

enum exit_method hv_exit_method(void)
{
	return exit_method;
}

void log_emit(enum log_level lvl, const char *prefix, const char *fmt, ...)
{
	(void)lvl;
	(void)prefix;
	(void)fmt;
}

void con_putc(char c)
{
	(void)c;
}

void con_write(const char *s)
{
	(void)s;
}

void con_vprintf(const char *fmt, va_list ap)
{
	(void)fmt;
	(void)ap;
}

void guest_handle_npf(struct vcpu *v)
{
	(void)v;
}

void guest_report_stats(void)
{
}

/* What exits.c calls in other hv/ files, not under test here. */
void con_lock(void)
{
}

void con_unlock(void)
{
}

void con_printf(const char *fmt, ...)
{
	(void)fmt;
}

int msr_virt_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)v;
	(void)msr;
	(void)val;
	return MSRV_NOT_MINE;
}

int msr_virt_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)v;
	(void)msr;
	(void)val;
	return MSRV_NOT_MINE;
}

bool vlapic_handle_npf(struct vcpu *v)
{
	(void)v;
	return false;
}

int vlapic_write_apic_base(struct vcpu *v, u64 val)
{
	(void)v;
	(void)val;
	return -1;
}

int vlapic_write_x2apic_icr(struct vcpu *v, u64 val)
{
	(void)v;
	(void)val;
	return -1;
}

/* Nested virtualization off (nested/nested.c with nested=off). */
void nested_cpuid(u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	(void)leaf;
	(void)subleaf;
	(void)r;
}

int nested_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	(void)v;
	(void)msr;
	(void)val;
	return NESTED_MSR_NOT_MINE;
}

int nested_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)v;
	(void)msr;
	(void)val;
	return NESTED_MSR_NOT_MINE;
}

bool nested_handle_insn(struct vcpu *v)
{
	(void)v;
	return false;
}

bool nested_efer_svme(struct vcpu *v)
{
	(void)v;
	return false;
}

int nested_set_efer_svme(struct vcpu *v, bool on)
{
	(void)v;
	return on ? NESTED_MSR_GP : 0;
}

u32 smp_this_cpu(void)
{
	return 0;
}

void smp_handle_init(struct vcpu *v)
{
	(void)v;
}

static u32 pci_io_exits;

void pci_cfg_handle_io(struct vcpu *v)
{
	(void)v;
	pci_io_exits++;
}

void smp_handle_sipi(struct vcpu *v, u8 vector)
{
	(void)v;
	(void)vector;
}

static int test_exit_calls;

static void fake_test_exit(void *ctx, u8 code)
{
	(void)ctx;
	(void)code;
	test_exit_calls++;
	hv_exit(code); /* as in Modex: the run ends here */
}

static const struct hc_env hc = {
	.features = MODEX_FEAT_TEST_EXIT,
	.test_exit = fake_test_exit,
};

const struct hc_env *guest_hc_env(void)
{
	return &hc;
}

/* ---- the fake vendor: a record of every request ---- */
static struct {
	u32 insn_len; /* what insn_len reports */
	u64 debugctl;
	unsigned int code_bits;
	int cpl;
	int injected, inject_vector;
	int shadow_cleared, single_steps;
	bool shadow; /* the interrupt shadow the "hardware" holds */
	bool pending_db;
} fv;

static void fv_inject(struct vcpu *v, u8 vector, bool has_error, u32 err)
{
	(void)v;
	(void)has_error;
	(void)err;
	fv.injected++;
	fv.inject_vector = vector;
}

static void fv_clear_shadow(struct vcpu *v)
{
	(void)v;
	fv.shadow_cleared++;
	fv.shadow = false;
}

static void fv_single_step(struct vcpu *v)
{
	(void)v;
	fv.single_steps++;
	fv.pending_db = true;
}

static u64 fv_debugctl(struct vcpu *v)
{
	(void)v;
	return fv.debugctl;
}

static unsigned int fv_code_bits(struct vcpu *v)
{
	(void)v;
	return fv.code_bits;
}

static u32 fv_insn_len(struct vcpu *v)
{
	(void)v;
	return fv.insn_len;
}

static u64 fv_read_cr(struct vcpu *v, int cr)
{
	(void)v;
	(void)cr;
	return 0;
}

static u64 fv_read_efer(struct vcpu *v)
{
	(void)v;
	return EFER_LME | EFER_LMA | EFER_SVME;
}

static int fv_cpl(struct vcpu *v)
{
	(void)v;
	return fv.cpl;
}

static const struct vendor_ops fake_ops = {
	.name = "fake",
	.inject_exception = fv_inject,
	.clear_interrupt_shadow = fv_clear_shadow,
	.queue_single_step = fv_single_step,
	.read_debugctl = fv_debugctl,
	.code_bits = fv_code_bits,
	.insn_len = fv_insn_len,
	.read_cr = fv_read_cr,
	.read_efer = fv_read_efer,
	.cpl = fv_cpl,
};

const struct vendor_ops *vendor = &fake_ops;

static struct vcpu vcpu;

#define RIP0 0x401000ULL

/* An exit of @reason at RIP0 with @rflags; the shadow is set. */
static void reset(enum exit_reason reason, u64 rflags, u32 len)
{
	memset(&vcpu, 0, sizeof(vcpu));
	memset(&fv, 0, sizeof(fv));
	stops = 0;
	test_exit_calls = 0;
	fv.insn_len = len;
	fv.code_bits = 64;
	fv.shadow = true;
	vcpu.regs.rip = RIP0;
	vcpu.regs.rflags = rflags | BIT(1);
	vcpu.exit.reason = reason;
	vcpu.exit.insn_len = len;
}

/* Run the generic handler; true if it returned (L1 resumes). */
static bool handle(void)
{
	if (setjmp(stop_jmp))
		return false;
	exits_handle(&vcpu);
	return true;
}

/* The instruction retired: RIP past it, RF clear, shadow gone, and a
 * single-step #DB queued exactly when @trap. */
static void check_retired(u32 len, bool trap)
{
	CHECK_EQ(vcpu.regs.rip, RIP0 + len);
	CHECK_EQ(vcpu.regs.rflags & X86_EFLAGS_RF, 0);
	CHECK(!fv.shadow);
	CHECK_EQ(fv.single_steps, trap ? 1 : 0);
	CHECK_EQ(fv.injected, 0);
}

/* The instruction did not complete: nothing of a retirement happened. */
static void check_not_retired(u64 rflags)
{
	CHECK_EQ(vcpu.regs.rip, RIP0);
	CHECK_EQ(vcpu.regs.rflags, rflags | BIT(1));
	CHECK(fv.shadow);
	CHECK_EQ(fv.shadow_cleared, 0);
	CHECK_EQ(fv.single_steps, 0);
}

static const u64 flag_sets[] = {
	0,
	X86_EFLAGS_TF,
	X86_EFLAGS_RF,
	X86_EFLAGS_TF | X86_EFLAGS_RF | X86_EFLAGS_IF,
};

TEST(cpuid_retires)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_sets); i++) {
		reset(EXIT_R_CPUID, flag_sets[i], 2);
		vcpu.regs.rax = 0;
		REQUIRE(handle());
		check_retired(2, flag_sets[i] & X86_EFLAGS_TF);
		CHECK_EQ(vcpu.regs.rflags & X86_EFLAGS_TF,
			 flag_sets[i] & X86_EFLAGS_TF);
	}
}

TEST(rdmsr_and_wrmsr_retire)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_sets); i++) {
		bool tf = flag_sets[i] & X86_EFLAGS_TF;

		reset(EXIT_R_MSR_READ, flag_sets[i], 2);
		vcpu.exit.msr.msr = MSR_IA32_FEATURE_CONTROL;
		REQUIRE(handle());
		check_retired(2, tf);
		CHECK_EQ(vcpu.regs.rax, FEATURE_CONTROL_LOCKED);
		reset(EXIT_R_MSR_READ, flag_sets[i], 2);
		vcpu.exit.msr.msr = MSR_EFER;
		REQUIRE(handle());
		check_retired(2, tf);
		CHECK_EQ(vcpu.regs.rax, EFER_LME | EFER_LMA);
	}
}

/* A WRMSR or RDMSR that #GPs does not complete: no single-step trap. */
TEST(faulting_msr_access_takes_no_trap)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_sets); i++) {
		reset(EXIT_R_MSR_WRITE, flag_sets[i], 2);
		vcpu.exit.msr.msr = MSR_IA32_FEATURE_CONTROL;
		REQUIRE(handle());
		CHECK_EQ(fv.injected, 1);
		CHECK_EQ(fv.inject_vector, X86_GP);
		check_not_retired(flag_sets[i]);
		reset(EXIT_R_MSR_READ, flag_sets[i], 2);
		vcpu.exit.msr.msr = MSR_IA32_VMX_BASIC;
		REQUIRE(handle());
		CHECK_EQ(fv.inject_vector, X86_GP);
		check_not_retired(flag_sets[i]);
	}
}

TEST(hypercall_retires)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_sets); i++) {
		reset(EXIT_R_HYPERCALL, flag_sets[i], 3);
		vcpu.regs.rax = MODEX_HC_MAGIC | MODEX_HC_VERSION;
		REQUIRE(handle());
		check_retired(3, flag_sets[i] & X86_EFLAGS_TF);
		CHECK_EQ(vcpu.regs.rax, 0);
		CHECK_EQ(vcpu.regs.rbx, MODEX_VERSION_CODE);
	}
}

/* A hypercall at CPL 3 is #UD as without a hypervisor: no trap. */
TEST(hypercall_ud_takes_no_trap)
{
	reset(EXIT_R_HYPERCALL, X86_EFLAGS_TF, 3);
	fv.cpl = 3;
	vcpu.regs.rax = MODEX_HC_MAGIC | MODEX_HC_VERSION;
	REQUIRE(handle());
	CHECK_EQ(fv.injected, 1);
	CHECK_EQ(fv.inject_vector, X86_UD);
	check_not_retired(X86_EFLAGS_TF);
}

/* MODEX_HC_TEST_EXIT ends the run inside the handler: L1 never resumes,
 * so nothing may be queued for it. */
TEST(hypercall_that_ends_the_run)
{
	reset(EXIT_R_HYPERCALL, X86_EFLAGS_TF, 3);
	vcpu.regs.rax = MODEX_HC_MAGIC | MODEX_HC_TEST_EXIT;
	vcpu.regs.rbx = MODEX_TEST_PASS;
	CHECK(!handle());
	CHECK_EQ(test_exit_calls, 1);
	CHECK_EQ(stops, 1);
	check_not_retired(X86_EFLAGS_TF);
}

TEST(xsetbv_fault_takes_no_trap)
{
	reset(EXIT_R_XSETBV, X86_EFLAGS_TF, 3);
	vcpu.regs.rcx = 1; /* only XCR0 exists */
	REQUIRE(handle());
	CHECK_EQ(fv.inject_vector, X86_GP);
	check_not_retired(X86_EFLAGS_TF);
}

/* VMX/SVM instructions are #UD for L1 (no nested yet): no trap. */
TEST(virt_insn_ud_takes_no_trap)
{
	reset(EXIT_R_VIRT_INSN, X86_EFLAGS_TF, 3);
	REQUIRE(handle());
	CHECK_EQ(fv.inject_vector, X86_UD);
	check_not_retired(X86_EFLAGS_TF);
}

/* Exits that are not instructions (interrupts, NMIs) retire nothing. */
TEST(event_exits_retire_nothing)
{
	reset(EXIT_R_INTR, X86_EFLAGS_TF, 0);
	REQUIRE(handle());
	check_not_retired(X86_EFLAGS_TF);
	CHECK_EQ(fv.injected, 0);
	reset(EXIT_R_NMI, X86_EFLAGS_TF, 0);
	REQUIRE(handle());
	check_not_retired(X86_EFLAGS_TF);
}

/* SDM Vol. 3B 19.4.3: with DEBUGCTL.BTF, TF traps on branches only. */
TEST(btf_single_steps_only_branches)
{
	reset(EXIT_R_CPUID, X86_EFLAGS_TF, 2);
	fv.debugctl = DEBUGCTL_BTF;
	REQUIRE(handle());
	check_retired(2, false);
}

/* A backend that cannot read DEBUGCTL (SVM): TF traps as with BTF clear. */
TEST(no_debugctl_single_steps)
{
	struct vendor_ops ops = fake_ops;

	ops.read_debugctl = NULL;
	vendor = &ops;
	reset(EXIT_R_CPUID, X86_EFLAGS_TF, 2);
	fv.debugctl = DEBUGCTL_BTF;
	bool resumed = handle();

	vendor = &fake_ops;
	REQUIRE(resumed);
	check_retired(2, true);
}

/* The length is not known (no NRIPS, undecodable bytes): L1 stops, and
 * nothing is retired half-way. */
TEST(unknown_length_stops_l1)
{
	reset(EXIT_R_CPUID, X86_EFLAGS_TF, 0);
	CHECK(!handle());
	CHECK_EQ(stops, 1);
	CHECK(vcpu.stopped);
	check_not_retired(X86_EFLAGS_TF);
}

/* The one retire path other emulators call (INVD, APIC MMIO, ...). */
TEST(retire_insn_direct)
{
	for (u32 len = 1; len <= 15; len++) {
		reset(EXIT_R_NPF, X86_EFLAGS_TF | X86_EFLAGS_RF, len);
		vcpu_retire_insn(&vcpu, len);
		check_retired(len, true);
		CHECK_EQ(vcpu.regs.rflags, X86_EFLAGS_TF | BIT(1));
	}
	reset(EXIT_R_NPF, 0, 7);
	vcpu_retire_insn(&vcpu, 7);
	check_retired(7, false);
	CHECK_EQ(fv.shadow_cleared, 1);
}

/* Outside 64-bit code the instruction pointer wraps (IP in 16-bit code,
 * EIP in 32-bit code); an end past a 64 KiB line alone changes nothing. */
TEST(rip_wraps_outside_64_bit_code)
{
	static const struct {
		unsigned int bits;
		u64 rip;
		u32 len;
		u64 next;
	} cases[] = {
		{ 16, 0xfffe, 2, 0 },
		{ 16, 0xfffd, 3, 0 },
		{ 16, 0xff00, 2, 0xff02 },
		{ 32, 0xfffffffe, 3, 1 },
		{ 32, 0x1fffe, 3, 0x20001 },
		{ 64, 0xfffffffe, 3, 0x100000001ULL },
		{ 64, 0x7ffffffffffeULL, 2, 0x800000000000ULL },
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		for (int tf = 0; tf <= 1; tf++) {
			reset(EXIT_R_CPUID, tf ? X86_EFLAGS_TF : 0,
			      cases[i].len);
			fv.code_bits = cases[i].bits;
			vcpu.regs.rip = cases[i].rip;
			REQUIRE(handle());
			CHECK_MSG(vcpu.regs.rip == cases[i].next,
				  "case %zu: %u-bit %#llx + %u -> %#llx", i,
				  cases[i].bits,
				  (unsigned long long)cases[i].rip,
				  cases[i].len,
				  (unsigned long long)vcpu.regs.rip);
			CHECK(!fv.shadow);
			CHECK_EQ(fv.single_steps, tf);
		}
	}
}

/* An I/O exit (only 0CF8h-0CFFh are intercepted) goes to hv/pci_cfg.c,
 * which retires it itself: the generic dispatcher does not stop L1. */
TEST(io_exit_goes_to_pci_cfg)
{
	reset(EXIT_R_IO, 0, 1);
	vcpu.exit.io.port = 0xcfc;
	vcpu.exit.io.size = 4;
	pci_io_exits = 0;
	REQUIRE(handle());
	CHECK_EQ(pci_io_exits, 1);
	CHECK_EQ(stops, 0);
}

/* An I/O exit at the test-exit port: OUT @val, or IN when @in. */
static bool io_exit(u16 port, bool in, bool string, u64 val)
{
	reset(EXIT_R_IO, 0, 2);
	vcpu.exit.io.port = port;
	vcpu.exit.io.size = 1;
	vcpu.exit.io.in = in;
	vcpu.exit.io.string = string;
	vcpu.regs.rax = val;
	pci_io_exits = 0;
	return handle();
}

/* With exit=qemu or exit=bochs an OUT to 0xf4 ends the run through
 * Modex's exit path (docs/boot.md "Test exit"); anything else there stays
 * plain port I/O. */
TEST(test_port_write_ends_run)
{
	exit_method = EXIT_QEMU;
	CHECK(!io_exit(QEMU_DEBUG_EXIT_PORT, false, false, 0x1234510));
	CHECK_EQ(test_exit_calls, 1);
	CHECK_EQ(stops, 1);
	CHECK_EQ(pci_io_exits, 0);
	CHECK(io_exit(QEMU_DEBUG_EXIT_PORT, true, false, 0));
	CHECK_EQ(test_exit_calls, 0);
	CHECK_EQ(pci_io_exits, 1);
	CHECK(io_exit(QEMU_DEBUG_EXIT_PORT, false, true, 0x10));
	CHECK_EQ(test_exit_calls, 0);
	CHECK_EQ(pci_io_exits, 1);
	CHECK(io_exit(QEMU_DEBUG_EXIT_PORT + 1, false, false, 0x10));
	CHECK_EQ(test_exit_calls, 0);
	exit_method = EXIT_BOCHS;
	CHECK(!io_exit(QEMU_DEBUG_EXIT_PORT, false, false, 0x11));
	CHECK_EQ(test_exit_calls, 1);
	exit_method = EXIT_HALT;
	CHECK(io_exit(QEMU_DEBUG_EXIT_PORT, false, false, 0x10));
	CHECK_EQ(test_exit_calls, 0);
	CHECK_EQ(pci_io_exits, 1);
	exit_method = EXIT_QEMU;
}

TEST(io_bitmap_ports)
{
	static u8 map[8192];

	for (int m = EXIT_HALT; m <= EXIT_BOCHS; m++) {
		unsigned set = 0;

		memset(map, 0, sizeof(map));
		exit_method = (enum exit_method)m;
		exits_io_bitmap_set(map);
		for (unsigned p = 0; p < 65536; p++) {
			bool want =
				(p >= 0xcf8 && p <= 0xcff) ||
				(p == QEMU_DEBUG_EXIT_PORT && m != EXIT_HALT);
			bool got = map[p / 8] & (1u << (p % 8));

			CHECK_MSG(got == want, "port %#x method %d", p, m);
			set += got;
		}
		CHECK_EQ(set, m != EXIT_HALT ? 9 : 8);
	}
	exit_method = EXIT_QEMU;
}
