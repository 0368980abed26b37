// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the SVM exit path (svm/svm_exit.c, compiled into this
 * test over a VMCB in memory): the operations the generic retire path asks
 * for (interrupt shadow, single-step #DB with DR6.BS), their interplay with
 * an event re-injected from EXITINTINFO, and NRIP lengths.
 */
#include "tests/unit/harness.h"

#include "svm/svm_exit.c"

/* ---- what svm_exit.c needs from the rest of Modex ---- */
struct svm_features svm_feat;
char svm_vmexit_point[1];

/* No L1 memory in these tests: every read of it fails. */
static int no_l1_read(void *ctx, u64 gpa, u64 *val)
{
	(void)ctx;
	(void)gpa;
	(void)val;
	return -1;
}

static const struct pt_mem_ops no_l1_ops = { .read = no_l1_read };
static const struct pt_mem no_l1 = { &no_l1_ops, NULL };

const struct pt_mem *guest_l1_pt_mem(void)
{
	return &no_l1;
}

bool guest_gpa_to_hpa(gpa_t gpa, hpa_t *hpa)
{
	(void)gpa;
	(void)hpa;
	return false;
}

void log_emit(enum log_level lvl, const char *prefix, const char *fmt, ...)
{
	(void)lvl;
	(void)prefix;
	(void)fmt;
}

void con_printf(const char *fmt, ...)
{
	(void)fmt;
}

static struct vmcb vmcb;
static struct svm_vcpu sv;
static struct vcpu vcpu;

#define DR6_INIT 0xffff0ff0ULL

/* L1 in 64-bit mode at an exit of @code, with the interrupt shadow on. */
static void reset(u64 code)
{
	memset(&vmcb, 0, sizeof(vmcb));
	memset(&vcpu, 0, sizeof(vcpu));
	sv = (struct svm_vcpu){ .vmcb = &vmcb, .nrips = true };
	vcpu.vendor = &sv;
	vcpu.regs.rip = 0x2000;
	vmcb.ctl.exit_code = code;
	vmcb.ctl.int_state = 1;
	vmcb.save.dr6 = DR6_INIT;
	vmcb.save.cr0 = X86_CR0_PE | X86_CR0_PG;
}

/* APM Vol. 2 15.21.5: bit 0 is the shadow; nothing else changes. */
TEST(clear_interrupt_shadow)
{
	reset(SVM_EXIT_CPUID);
	vmcb.ctl.int_state = 3;
	svm_clear_interrupt_shadow(&vcpu);
	CHECK_EQ(vmcb.ctl.int_state, 2);
}

/* APM Vol. 2 15.20: #DB is an exception without an error code; BS is set
 * in the DR6 that VMRUN loads, the other DR6 bits stay. */
TEST(single_step_injects_db_with_bs)
{
	reset(SVM_EXIT_CPUID);
	vmcb.save.dr6 = DR6_INIT | 1; /* B0 from earlier */
	svm_queue_single_step(&vcpu);
	CHECK_EQ(vmcb.ctl.event_inj,
		 EVENTINJ_VALID | EVENTINJ_TYPE_EXCEPTION | 1);
	CHECK_EQ(vmcb.save.dr6, DR6_INIT | 1 | X86_DR6_BS);
}

/* An event that was being delivered at the exit is re-injected; the
 * instruction never ran, so no single-step #DB replaces it. */
TEST(requeued_event_keeps_its_place)
{
	u32 nmi = EVENTINJ_VALID | (2u << 8) | 2;

	reset(SVM_EXIT_NPF);
	vmcb.ctl.exit_int_info = nmi;
	CHECK(!svm_decode_exit(&vcpu));
	CHECK_EQ(vmcb.ctl.event_inj, nmi);
	svm_queue_single_step(&vcpu);
	CHECK_EQ(vmcb.ctl.event_inj, nmi);
	CHECK_EQ(vmcb.save.dr6, DR6_INIT);
}

/* A fault injected for the instruction: a later single-step request (which
 * the generic path never makes then) could not displace it either. */
TEST(injected_fault_is_not_replaced)
{
	reset(SVM_EXIT_MSR);
	svm_inject_exception(&vcpu, 13, true, 0);
	svm_queue_single_step(&vcpu);
	CHECK_EQ(vmcb.ctl.event_inj, EVENTINJ_VALID | EVENTINJ_TYPE_EXCEPTION |
					     EVENTINJ_ERR_VALID | 13);
	CHECK_EQ(vmcb.save.dr6, DR6_INIT);
}

/* APM Vol. 2 15.7.1: with NRIPS, the length is NRIP - RIP. */
TEST(nrip_gives_the_length)
{
	reset(SVM_EXIT_CPUID);
	vmcb.ctl.next_rip = 0x2002;
	CHECK(!svm_decode_exit(&vcpu));
	CHECK_EQ(vcpu.exit.reason, EXIT_R_CPUID);
	CHECK_EQ(vcpu.exit.insn_len, 2);
	CHECK_EQ(svm_insn_len(&vcpu), 2);
	/* A NRIP that is not ahead of RIP by 1-15 bytes is not a length. */
	reset(SVM_EXIT_CPUID);
	vmcb.ctl.next_rip = 0x2000 + 16;
	CHECK(!svm_decode_exit(&vcpu));
	CHECK_EQ(vcpu.exit.insn_len, 0);
}

/* The stray-#DB test needs this RIP, TF clear and DR6.BS (read from the
 * CPU, so only the first two are host-testable). */
TEST(stray_db_needs_the_vmrun_return_point)
{
	CHECK(!svm_stray_host_db((u64)svm_vmexit_point + 1, 0));
	CHECK(!svm_stray_host_db((u64)svm_vmexit_point, X86_EFLAGS_TF));
}

TEST(code_bits_from_cs)
{
	reset(SVM_EXIT_CPUID);
	vmcb.save.cs.attrib = SEG_ATTR_DB;
	CHECK_EQ(svm_code_bits(&vcpu), 32);
	vmcb.save.cs.attrib = 0;
	CHECK_EQ(svm_code_bits(&vcpu), 16);
	vmcb.save.cs.attrib = SEG_ATTR_L;
	CHECK_EQ(svm_code_bits(&vcpu), 16);
	vmcb.save.efer = EFER_LMA | EFER_LME;
	CHECK_EQ(svm_code_bits(&vcpu), 64);
	vmcb.save.cs.attrib = SEG_ATTR_DB;
	CHECK_EQ(svm_code_bits(&vcpu), 32);
}
