/* SPDX-License-Identifier: MIT */
/*
 * Generic exit handling: what Modex does for each exit_reason, for either
 * vendor. CPUID (hypervisor leaves, virtualization hidden), the MSRs that
 * describe virtualization, IA32_APIC_BASE and the x2APIC ICR and stores
 * to the xAPIC page (hv/vlapic.h), those of hv/msr.h (memory types,
 * decode, debug), INVD (run as WBINVD), hypercalls, VMX/SVM instructions
 * (nested/nested.h emulates them; #UD with nested=off, where L1 sees no
 * VMX/SVM), INIT and SIPI (hv/smp.h), nested-paging faults
 * (hv/guest.c) and fatal guest events (full dump, run ends with the
 * failure code).
 * Context: the exit path of each CPU's own vCPU.
 */
#ifndef MODEX_HV_EXITS_H
#define MODEX_HV_EXITS_H

#include "hv/include/compiler.h"
#include "hv/include/x86.h"
#include "hv/vcpu.h"

/* Handle v->exit. Returns when L1 may be resumed; never returns when L1
 * was stopped (the run ends). */
void exits_handle(struct vcpu *v);
/* Mark the I/O ports Modex intercepts in a VMX/SVM I/O bitmap (bit n =
 * port n): PCI configuration mechanism #1 and, with exit=qemu, the
 * test-exit port. */
void exits_io_bitmap_set(u8 *bitmap);

/*
 * Complete L1's exiting instruction, @len bytes long, after Modex emulated
 * its effect, exactly as the CPU retires an instruction: RIP past it, RF
 * clear, any STI / MOV SS interrupt shadow ended, and the single-step #DB
 * (DR6.BS) queued when RFLAGS.TF was set. The one way to move L1 past an
 * instruction: every emulated instruction that completes ends here; one
 * that faults injects the fault instead and must not call it.
 */
void vcpu_retire_insn(struct vcpu *v, u32 len);
/* vcpu_retire_insn() with the length of the exiting instruction from the
 * vendor (hardware or decoded); stops L1 when it cannot be known. */
void skip_insn(struct vcpu *v);

/*
 * RDMSR/WRMSR of an MSR Modex intercepts, as L1's instruction would do
 * it: 0 (and *val), or -1 for #GP. For MSRs Modex passes through to L1
 * the answer is -1: the caller uses the hardware's.
 */
int vcpu_msr_read(struct vcpu *v, u32 msr, u64 *val);
int vcpu_msr_write(struct vcpu *v, u32 msr, u64 val);

/*
 * L1's view of CPUID @leaf/@subleaf: @r holds the CPU's answer and is
 * edited in place. @l1_cr4 feeds the bits that mirror CR4 (OSXSAVE,
 * OSPKE), which the CPU computed from Modex's CR4. Pure.
 */
void cpuid_for_l1(u32 leaf, u32 subleaf, u64 l1_cr4, struct cpuid_regs *r);

/* Stop L1 for good: print the reason as one "[modex] guest: ..." line,
 * the guest state and the exit statistics, and end the run with the
 * failure code. */
__noreturn void guest_fatal(struct vcpu *v, const char *fmt, ...)
	__printf(2, 3);

#endif /* MODEX_HV_EXITS_H */
