// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the VMX exit path (vmx/vmx_exit.c, compiled into this
 * test with a fake current VMCS): exit decoding into struct exit_info, the
 * CR0/CR4 emulation that hides CR4.VMXE, event re-injection and entry
 * failures.
 */
#include "tests/unit/harness.h"

#include "vmx/vmx_exit.c"

/* ---- the fake VMCS and the hooks vmx_exit.c needs ---- */
static u64 vmcs_val[0x7000];
static int tlb_flushes;

u64 vmread(u64 field)
{
	return field < ARRAY_SIZE(vmcs_val) ? vmcs_val[field] : 0;
}

int vmwrite(u64 field, u64 val)
{
	if (field >= ARRAY_SIZE(vmcs_val))
		return VMX_FAIL_VALID;
	vmcs_val[field] = val;
	return 0;
}

void vmx_flush_tlb(struct vcpu *v)
{
	(void)v;
	tlb_flushes++;
}

void log_emit(enum log_level lvl, const char *prefix, const char *fmt, ...)
{
	(void)lvl;
	(void)prefix;
	(void)fmt;
}

/* hv/exits.c's retire path, as a record: the length of each retire. */
static int retires;
static u32 retired_len;

/* Nested VMX off: L1 sees no VMX (nested/nested.c, nested=off). */
bool nested_on(void)
{
	return false;
}

void vcpu_retire_insn(struct vcpu *v, u32 len)
{
	v->regs.rip += len;
	retires++;
	retired_len = len;
}

static struct vcpu vcpu;
static struct vmx_vcpu xv;

static struct vmx_caps caps_bdw(void)
{
	return (struct vmx_caps){
		.basic = 0x00da040000000012ULL,
		.true_procbased = 0xfff9fffe04006172ULL,
		.procbased2 = 0x000ffcff00000000ULL,
		.ept_vpid_cap = 0x00000f0106734141ULL,
		.cr0_fixed0 = 0x80000021ULL,
		.cr0_fixed1 = 0xffffffffULL,
		.cr4_fixed0 = 0x2000ULL,
		.cr4_fixed1 = 0x3727ffULL,
	};
}

/* A 32-bit protected-mode L1 at the moment of an exit. */
static void reset(u32 reason, u64 qual)
{
	memset(vmcs_val, 0, sizeof(vmcs_val));
	memset(&vcpu, 0, sizeof(vcpu));
	xv = (struct vmx_vcpu){ .caps = caps_bdw() };
	vcpu.vendor = &xv;
	vcpu.regs.rip = 0x1000;
	tlb_flushes = 0;
	retires = 0;
	retired_len = 0;
	vmcs_val[VM_EXIT_REASON] = reason;
	vmcs_val[EXIT_QUALIFICATION] = qual;
	vmcs_val[VM_EXIT_INSTRUCTION_LEN] = 3;
	vmcs_val[CR0_GUEST_HOST_MASK] = vmx_cr0_mask(&xv.caps);
	vmcs_val[CR4_GUEST_HOST_MASK] = vmx_cr4_mask(&xv.caps);
	vmcs_val[CR0_READ_SHADOW] = X86_CR0_PE | X86_CR0_ET;
	vmcs_val[GUEST_CR0] = vmx_cr0_real(&xv.caps, X86_CR0_PE | X86_CR0_ET);
	vmcs_val[GUEST_CR4] = vmx_cr4_real(&xv.caps, 0);
	vmcs_val[GUEST_CS_AR] = 0xc09b;
}

/* CR-access qualification: cr, type, register (SDM Vol. 3C table 28-3). */
static u64 cr_qual(unsigned int cr, unsigned int type, unsigned int reg)
{
	return cr | (type << 4) | (reg << 8);
}

TEST(simple_exits_decode)
{
	static const struct {
		u32 hw;
		enum exit_reason r;
	} cases[] = {
		{ EXIT_REASON_CPUID, EXIT_R_CPUID },
		{ EXIT_REASON_VMCALL, EXIT_R_HYPERCALL },
		{ EXIT_REASON_XSETBV, EXIT_R_XSETBV },
		{ EXIT_REASON_TRIPLE_FAULT, EXIT_R_TRIPLE_FAULT },
		{ EXIT_REASON_INIT, EXIT_R_INIT },
		{ EXIT_REASON_SIPI, EXIT_R_SIPI },
		{ EXIT_REASON_VMXON, EXIT_R_VIRT_INSN },
		{ EXIT_REASON_VMLAUNCH, EXIT_R_VIRT_INSN },
		{ EXIT_REASON_INVEPT, EXIT_R_VIRT_INSN },
		{ EXIT_REASON_INVVPID, EXIT_R_VIRT_INSN },
		{ EXIT_REASON_VMFUNC, EXIT_R_VIRT_INSN },
		{ EXIT_REASON_GETSEC, EXIT_R_VIRT_INSN },
		{ EXIT_REASON_HLT, EXIT_R_HLT },
		{ EXIT_REASON_EXTERNAL_INTR, EXIT_R_INTR },
		{ 99, EXIT_R_UNKNOWN },
		{ 0xffff, EXIT_R_UNKNOWN },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		reset(cases[i].hw, 0);
		CHECK(!vmx_decode_exit(&vcpu));
		CHECK_EQ(vcpu.exit.reason, cases[i].r);
		CHECK_EQ(vcpu.exit.hw_reason, cases[i].hw);
	}
	reset(EXIT_REASON_CPUID, 0);
	vmx_decode_exit(&vcpu);
	CHECK_EQ(vcpu.exit.insn_len, 3);
	reset(EXIT_REASON_TRIPLE_FAULT, 0);
	vmx_decode_exit(&vcpu);
	CHECK_EQ(vcpu.exit.insn_len, 0);
}

TEST(msr_exits_carry_ecx)
{
	reset(EXIT_REASON_RDMSR, 0);
	vcpu.regs.rcx = 0xffffffff0000003aULL;
	CHECK(!vmx_decode_exit(&vcpu));
	CHECK_EQ(vcpu.exit.reason, EXIT_R_MSR_READ);
	CHECK_EQ(vcpu.exit.msr.msr, 0x3a);
	reset(EXIT_REASON_WRMSR, 0);
	vcpu.regs.rcx = 0x480;
	vmx_decode_exit(&vcpu);
	CHECK_EQ(vcpu.exit.reason, EXIT_R_MSR_WRITE);
	CHECK_EQ(vcpu.exit.msr.msr, 0x480);
}

TEST(ept_violation_decodes_qualification)
{
	/* MBEC user fetch denied: fetch, R|W|XS, GLA valid, final, user. */
	reset(EXIT_REASON_EPT_VIOLATION, 0x7bc);
	vmcs_val[GUEST_PHYSICAL_ADDRESS] = 0x12345678;
	vmcs_val[GUEST_LINEAR_ADDRESS] = 0xc0001000;
	CHECK(!vmx_decode_exit(&vcpu));
	CHECK_EQ(vcpu.exit.reason, EXIT_R_NPF);
	CHECK_EQ(vcpu.exit.npf.gpa, 0x12345678);
	CHECK_EQ(vcpu.exit.info2, 0x12345678);
	CHECK_EQ(vcpu.exit.npf.access, EXIT_NPF_FETCH);
	CHECK(vcpu.exit.npf.gla_valid);
	CHECK(vcpu.exit.npf.final_translation);
	CHECK_EQ(vcpu.exit.npf.gla, 0xc0001000);
	CHECK_EQ(vcpu.exit.qual, 0x7bc);
	/* A paging-structure write without GLA: no linear address. */
	reset(EXIT_REASON_EPT_VIOLATION, 0x2);
	vmcs_val[GUEST_LINEAR_ADDRESS] = 0xdead;
	vmx_decode_exit(&vcpu);
	CHECK_EQ(vcpu.exit.npf.access, EXIT_NPF_WRITE);
	CHECK(!vcpu.exit.npf.gla_valid);
	CHECK(!vcpu.exit.npf.final_translation);
	CHECK_EQ(vcpu.exit.npf.gla, 0);
}

TEST(ept_violation_restores_nmi_blocking)
{
	reset(EXIT_REASON_EPT_VIOLATION, BIT(12) | 1);
	vmx_decode_exit(&vcpu);
	CHECK(vmcs_val[GUEST_INTERRUPTIBILITY] & BIT(3));
}

TEST(event_in_delivery_is_requeued)
{
	/* #PF (vector 14, error code 2) cut short by an EPT violation. */
	reset(EXIT_REASON_EPT_VIOLATION, 2);
	vmcs_val[IDT_VECTORING_INFO] =
		INTR_INFO_VALID | (3 << 8) | INTR_INFO_DELIVER_CODE | 14;
	vmcs_val[IDT_VECTORING_ERROR_CODE] = 2;
	vmx_decode_exit(&vcpu);
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0x80000b0e);
	CHECK_EQ(vmcs_val[VM_ENTRY_EXCEPTION_ERROR_CODE], 2);
	/* A software interrupt (INT n, type 4) gets its length back. */
	reset(EXIT_REASON_EPT_MISCONFIG, 0);
	vmcs_val[IDT_VECTORING_INFO] = INTR_INFO_VALID | (4 << 8) | 0x80;
	vmcs_val[VM_EXIT_INSTRUCTION_LEN] = 2;
	vmx_decode_exit(&vcpu);
	CHECK_EQ(vcpu.exit.reason, EXIT_R_EPT_MISCONFIG);
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0x80000480);
	CHECK_EQ(vmcs_val[VM_ENTRY_INSTRUCTION_LEN], 2);
	/* Nothing in delivery: nothing injected. */
	reset(EXIT_REASON_EPT_VIOLATION, 1);
	vmx_decode_exit(&vcpu);
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0);
}

TEST(io_exit_decodes)
{
	/* OUT DX, AL to port 0x8900 (SDM Vol. 3C table 28-5). */
	reset(EXIT_REASON_IO, (0x8900ULL << 16) | BIT(6));
	vmx_decode_exit(&vcpu);
	CHECK_EQ(vcpu.exit.reason, EXIT_R_IO);
	CHECK_EQ(vcpu.exit.io.port, 0x8900);
	CHECK_EQ(vcpu.exit.io.size, 1);
	CHECK(!vcpu.exit.io.in);
	CHECK(!vcpu.exit.io.string);
	/* REP INSD from port 0x1f0. */
	reset(EXIT_REASON_IO, (0x1f0ULL << 16) | 3 | BIT(3) | BIT(4) | BIT(5));
	vmx_decode_exit(&vcpu);
	CHECK_EQ(vcpu.exit.io.size, 4);
	CHECK(vcpu.exit.io.in && vcpu.exit.io.string && vcpu.exit.io.rep);
}

TEST(exception_and_nmi_exits)
{
	reset(EXIT_REASON_EXCEPTION_NMI, 0);
	vmcs_val[VM_EXIT_INTR_INFO] = 0x80000b0d;
	vmcs_val[VM_EXIT_INTR_ERROR_CODE] = 0x18;
	vmx_decode_exit(&vcpu);
	CHECK_EQ(vcpu.exit.reason, EXIT_R_EXCEPTION);
	CHECK_EQ(vcpu.exit.exc.vector, 13);
	CHECK(vcpu.exit.exc.has_error);
	CHECK_EQ(vcpu.exit.exc.error_code, 0x18);
	reset(EXIT_REASON_EXCEPTION_NMI, 0);
	vmcs_val[VM_EXIT_INTR_INFO] = 0x80000202;
	vmx_decode_exit(&vcpu);
	CHECK_EQ(vcpu.exit.reason, EXIT_R_NMI);
}

TEST(entry_failure_is_reported_not_ignored)
{
	reset(EXIT_REASON_ENTRY_FAILED | EXIT_REASON_INVALID_STATE, 0);
	CHECK(!vmx_decode_exit(&vcpu));
	CHECK_EQ(vcpu.exit.reason, EXIT_R_ENTRY_FAIL);
	CHECK_EQ(vcpu.exit.hw_reason, EXIT_REASON_INVALID_STATE);
	reset(0, 0);
	vmcs_val[VM_INSTRUCTION_ERROR] = 7;
	vmx_report_vmfail(&vcpu, VMX_FAIL_VALID);
	CHECK_EQ(vcpu.exit.reason, EXIT_R_ENTRY_FAIL);
	CHECK_EQ(vcpu.exit.qual, 7);
	vmx_report_vmfail(&vcpu, VMX_FAIL_INVALID);
	CHECK_EQ(vcpu.exit.reason, EXIT_R_ENTRY_FAIL);
}

TEST(cr4_vmxe_write_is_gp_and_stays_hidden)
{
	reset(EXIT_REASON_CR_ACCESS, cr_qual(4, 0, 0));
	vcpu.regs.rax = X86_CR4_VMXE | X86_CR4_PAE;
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0x80000b0d);
	CHECK_EQ(vmcs_val[VM_ENTRY_EXCEPTION_ERROR_CODE], 0);
	CHECK_EQ(vcpu.regs.rip, 0x1000);
	CHECK_EQ(vmcs_val[CR4_READ_SHADOW], 0);
	/* A CR4 bit the CPU lacks (bit 22, PKE here) is #GP too. */
	reset(EXIT_REASON_CR_ACCESS, cr_qual(4, 0, 3));
	vcpu.regs.rbx = BIT(22);
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0x80000b0d);
}

TEST(cr4_write_updates_shadow_and_keeps_vmxe)
{
	reset(EXIT_REASON_CR_ACCESS, cr_qual(4, 0, 2));
	vcpu.regs.rdx = X86_CR4_PAE | X86_CR4_PGE;
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0);
	CHECK_EQ(vmcs_val[CR4_READ_SHADOW], X86_CR4_PAE | X86_CR4_PGE);
	CHECK_EQ(vmcs_val[GUEST_CR4], X86_CR4_PAE | X86_CR4_PGE | X86_CR4_VMXE);
	CHECK_EQ(vcpu.regs.rip, 0x1003);
}

/*
 * PG and PE are L1's own bits with unrestricted guest (not masked): the
 * read shadow's copy of them is stale once L1 enabled paging itself. A
 * later write of a masked bit (NE) must be judged on L1's real CR0.
 */
TEST(cr0_write_judged_on_l1_view_not_stale_shadow)
{
	reset(EXIT_REASON_CR_ACCESS, cr_qual(0, 0, 2));
	vmcs_val[GUEST_IA32_EFER] = EFER_LME | EFER_LMA;
	vmcs_val[GUEST_CR4] |= X86_CR4_PAE;
	vmcs_val[GUEST_CR0] |= X86_CR0_PG;
	vmcs_val[VM_ENTRY_CONTROLS] = ENTRY_IA32E_MODE;
	vcpu.regs.rdx = X86_CR0_PG | X86_CR0_PE | X86_CR0_NE | X86_CR0_ET;
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0);
	CHECK_EQ(vmcs_val[CR0_READ_SHADOW], vcpu.regs.rdx);
	CHECK_EQ(vmcs_val[GUEST_IA32_EFER], EFER_LME | EFER_LMA);
	CHECK_EQ(vcpu.regs.rip, 0x1003);
}

TEST(cr0_write_enters_long_mode_like_the_cpu)
{
	reset(EXIT_REASON_CR_ACCESS, cr_qual(0, 0, 1));
	vmcs_val[GUEST_IA32_EFER] = EFER_LME;
	/* PAE is L1's (not masked): it is read from GUEST_CR4. */
	vmcs_val[GUEST_CR4] |= X86_CR4_PAE;
	/* A 32-bit guest: the high half of RCX is not part of the value. */
	vcpu.regs.rcx = 0xabcd000000000000ULL | X86_CR0_PG | X86_CR0_PE |
			X86_CR0_NE | X86_CR0_ET;
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0);
	CHECK_EQ(vmcs_val[GUEST_IA32_EFER], EFER_LME | EFER_LMA);
	CHECK(vmcs_val[VM_ENTRY_CONTROLS] & ENTRY_IA32E_MODE);
	CHECK_EQ(vmcs_val[CR0_READ_SHADOW],
		 X86_CR0_PG | X86_CR0_PE | X86_CR0_NE | X86_CR0_ET);
	CHECK_EQ(vcpu.regs.rip, 0x1003);
	/* Long mode without CR4.PAE is #GP. */
	reset(EXIT_REASON_CR_ACCESS, cr_qual(0, 0, 1));
	vmcs_val[GUEST_IA32_EFER] = EFER_LME;
	vcpu.regs.rcx = X86_CR0_PG | X86_CR0_PE | X86_CR0_NE;
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0x80000b0d);
	CHECK_EQ(vmcs_val[GUEST_IA32_EFER], EFER_LME);
}

TEST(cr0_invalid_combinations_are_gp)
{
	reset(EXIT_REASON_CR_ACCESS, cr_qual(0, 0, 0));
	vcpu.regs.rax = X86_CR0_PG | X86_CR0_NE; /* PG without PE */
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0x80000b0d);
	reset(EXIT_REASON_CR_ACCESS, cr_qual(0, 0, 0));
	vcpu.regs.rax = X86_CR0_NW | X86_CR0_PE | X86_CR0_NE; /* NW, no CD */
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0x80000b0d);
	/* In real mode (PE=0) #GP is delivered without an error code. */
	reset(EXIT_REASON_CR_ACCESS, cr_qual(0, 0, 0));
	vmcs_val[GUEST_CR0] = X86_CR0_NE;
	vcpu.regs.rax = X86_CR0_PG | X86_CR0_NE;
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0x8000030d);
}

TEST(lmsw_and_clts)
{
	reset(EXIT_REASON_CR_ACCESS, cr_qual(0, 3, 0) | (0xeULL << 16));
	CHECK(vmx_decode_exit(&vcpu));
	/* LMSW cannot clear PE: it stays set; MP, EM, TS loaded. */
	CHECK_EQ(vmcs_val[CR0_READ_SHADOW] & 0xf, 0xf);
	reset(EXIT_REASON_CR_ACCESS, cr_qual(0, 2, 0));
	vmcs_val[CR0_READ_SHADOW] |= X86_CR0_TS;
	CHECK(vmx_decode_exit(&vcpu));
	CHECK(!(vmcs_val[CR0_READ_SHADOW] & X86_CR0_TS));
	CHECK_EQ(vcpu.regs.rip, 0x1003);
}

TEST(backend_cr_exits_are_counted)
{
	reset(EXIT_REASON_CR_ACCESS, cr_qual(4, 0, 0));
	vcpu.regs.rax = X86_CR4_PAE;
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(vcpu.stats.count[EXIT_R_CR_ACCESS], 1);
	/* Not handled here (CR8): left to generic code, not counted twice. */
	reset(EXIT_REASON_CR_ACCESS, cr_qual(8, 0, 0));
	CHECK(!vmx_decode_exit(&vcpu));
	CHECK_EQ(vcpu.stats.count[EXIT_R_CR_ACCESS], 0);
}

TEST(cr3_exits_without_true_controls)
{
	reset(EXIT_REASON_CR_ACCESS, cr_qual(3, 0, 6));
	vcpu.regs.rsi = 0x5000;
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(vmcs_val[GUEST_CR3], 0x5000);
	CHECK_EQ(tlb_flushes, 1);
	reset(EXIT_REASON_CR_ACCESS, cr_qual(3, 1, 4));
	vmcs_val[GUEST_CR3] = 0x7000;
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(vcpu.regs.rsp, 0x7000);
	/* MOV to CR8 is not the backend's: passed on, decoded. */
	reset(EXIT_REASON_CR_ACCESS, cr_qual(8, 0, 0));
	CHECK(!vmx_decode_exit(&vcpu));
	CHECK_EQ(vcpu.exit.reason, EXIT_R_CR_ACCESS);
	CHECK_EQ(vcpu.exit.cr.cr, 8);
	CHECK(vcpu.exit.cr.write);
}

TEST(injection_error_code_rules)
{
	reset(0, 0);
	vmx_inject_exception(&vcpu, 6, false, 0);
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0x80000306);
	vmx_inject_exception(&vcpu, 14, true, 5);
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0x80000b0e);
	CHECK_EQ(vmcs_val[VM_ENTRY_EXCEPTION_ERROR_CODE], 5);
}

/* Emulated CR accesses complete through the generic retire path; a #GP
 * one does not complete. */
TEST(cr_access_retires_through_the_generic_path)
{
	reset(EXIT_REASON_CR_ACCESS, cr_qual(4, 0, 2));
	vcpu.regs.rdx = X86_CR4_PAE;
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(retires, 1);
	CHECK_EQ(retired_len, 3);
	reset(EXIT_REASON_CR_ACCESS, cr_qual(4, 0, 0));
	vcpu.regs.rax = X86_CR4_VMXE;
	CHECK(vmx_decode_exit(&vcpu));
	CHECK_EQ(retires, 0);
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0x80000b0d);
}

/* A fault injected in an STI / MOV SS shadow must pass the VM-entry
 * check on pending BS (SDM Vol. 3C 27.3.1.5): the shadow goes. */
TEST(injection_ends_the_interrupt_shadow)
{
	reset(0, 0);
	vmcs_val[GUEST_INTERRUPTIBILITY] = 0xa; /* MOV SS, NMI blocking */
	vmx_inject_exception(&vcpu, 13, true, 0);
	CHECK_EQ(vmcs_val[GUEST_INTERRUPTIBILITY], 0x8);
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0x80000b0d);
}

/* SDM Vol. 3C 25.4.2 tables 25-3 and 25-4. */
TEST(shadow_and_single_step_ops)
{
	reset(0, 0);
	/* Blocking by STI and MOV SS ends; NMI and SMI blocking stay. */
	vmcs_val[GUEST_INTERRUPTIBILITY] = 0xf;
	vmx_clear_interrupt_shadow(&vcpu);
	CHECK_EQ(vmcs_val[GUEST_INTERRUPTIBILITY], 0xc);
	/* BS joins what the exit saved (MOV SS-held breakpoints). */
	vmcs_val[GUEST_PENDING_DBG_EXCEPTIONS] = 0x1001;
	vmx_queue_single_step(&vcpu);
	CHECK_EQ(vmcs_val[GUEST_PENDING_DBG_EXCEPTIONS], 0x5001);
	CHECK_EQ(vmcs_val[VM_ENTRY_INTR_INFO], 0);
	vmcs_val[GUEST_IA32_DEBUGCTL] = 3;
	CHECK_EQ(vmx_read_debugctl(&vcpu), 3);
}

/* CS.L with EFER.LMA is 64-bit code; else CS.D/B picks 32 or 16. */
TEST(code_bits_from_cs)
{
	reset(0, 0);
	vmcs_val[GUEST_CS_AR] = 0xc09b; /* D=1 */
	CHECK_EQ(vmx_code_bits(&vcpu), 32);
	vmcs_val[GUEST_CS_AR] = 0x9b; /* real-mode style, D=0 */
	CHECK_EQ(vmx_code_bits(&vcpu), 16);
	vmcs_val[GUEST_CS_AR] = 0xa09b; /* L=1 */
	CHECK_EQ(vmx_code_bits(&vcpu), 16);
	vmcs_val[GUEST_IA32_EFER] = EFER_LMA | EFER_LME;
	CHECK_EQ(vmx_code_bits(&vcpu), 64);
	vmcs_val[GUEST_CS_AR] = 0xc09b; /* compatibility mode */
	CHECK_EQ(vmx_code_bits(&vcpu), 32);
}
