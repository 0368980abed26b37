/* SPDX-License-Identifier: MIT */
/*
 * The vendor interface: what generic code (hv/, nested/) asks of the VMX
 * or SVM backend. Both backends are always built; vendor_select() picks
 * one at boot from the CPU features. Implementations are named
 * vmx_<op> / svm_<op> and collected in vmx_ops / svm_ops.
 */
#ifndef MODEX_HV_VENDOR_H
#define MODEX_HV_VENDOR_H

#include "hv/features.h"
#include "hv/insn_decode.h"
#include "hv/vcpu.h"

struct boot_cpu_state; /* hv/loader.h: the state L1's boot protocol defines */
struct pt_format;

struct vendor_ops {
	const char *name;
	/* Bytes of per-CPU state (struct percpu.vendor, page aligned,
	 * zeroed) the backend needs on every CPU. */
	size_t percpu_size;
	/* The IPI (ICR low: delivery mode) that makes another CPU leave L1
	 * and harms it nowhere else: SVM an NMI (intercepted; Modex takes it
	 * with the kick flag set), VMX an INIT (an exit in L1, blocked in
	 * VMX root operation). */
	u32 kick_ipi;
	/* 0 if this CPU can run Modex with this backend, else -E_NOSUPP
	 * after logging which required feature is missing. */
	int (*probe)(const struct cpu_features *f);
	/* Take this CPU: VMXON / EFER.SVME and the host save area. Runs
	 * on every CPU, the boot CPU first. */
	int (*enable)(void);
	/* Build this CPU's VMCS01/VMCB01 for L1 starting in state s on
	 * table root (again after INIT and SIPI: the state is replaced). */
	int (*vcpu_init)(struct vcpu *v, const struct boot_cpu_state *s,
			 hpa_t root);
	/* Enter L1; returns after the next exit with v->exit decoded and
	 * v->regs up to date. */
	void (*run)(struct vcpu *v);
	/* Inject an exception into L1 at the next entry. */
	void (*inject_exception)(struct vcpu *v, u8 vector, bool has_error,
				 u32 error_code);
	/* End L1's STI / MOV SS interrupt shadow (the vendor keeps it in
	 * the VMCS interruptibility state or the VMCB interrupt state):
	 * Modex completed the instruction it covered. */
	void (*clear_interrupt_shadow)(struct vcpu *v);
	/* Make L1 take a single-step trap (#DB, DR6.BS) at the next entry,
	 * before its next instruction, as after an instruction that
	 * completed with RFLAGS.TF set. */
	void (*queue_single_step)(struct vcpu *v);
	/* The width of L1's instruction pointer: 64 in 64-bit code (EFER.LMA
	 * and CS.L), else 32 or 16 by CS.D (SDM Vol. 3A 3.4.5). */
	unsigned int (*code_bits)(struct vcpu *v);
	/* L1's IA32_DEBUGCTL (BTF decides what TF traps on); NULL where the
	 * backend cannot know it (read as 0). */
	u64 (*read_debugctl)(struct vcpu *v);
	/* A #DB hit Modex at @rip with @rflags: true if it is an emulator's
	 * stray single-step trap of an L1 instruction that exited, to be
	 * dropped (Modex never sets TF itself). NULL: none is known. */
	bool (*stray_host_db)(u64 rip, u64 rflags);
	/* Length of the exiting instruction: from the hardware when it
	 * reports one, otherwise decoded from guest memory. 0 if unknown. */
	u32 (*insn_len)(struct vcpu *v);
	u64 (*read_cr)(struct vcpu *v, int cr);
	u64 (*read_efer)(struct vcpu *v);
	int (*cpl)(struct vcpu *v);
	/* Flush L1's TLB entries (after Modex changes EPT01/NPT01). */
	void (*flush_guest_tlb)(struct vcpu *v);
	/* Print L1's full state (used by panic and fatal guest exits). */
	void (*dump)(struct vcpu *v);

	/* Optional operations: NULL where a backend does not need them
	 * (generic code checks). */
	/* The format of this backend's stage-2 tables (EPT01/NPT01), with
	 * MBEC/GMET as the backend will run them. Valid after probe. */
	int (*stage2_format)(struct pt_format *f);
	/* Load L1's EFER as L1 wrote it (already validated by generic code
	 * against the architectural rules); only called when the backend
	 * intercepts EFER writes (SVM: to keep SVME hidden). */
	void (*set_efer)(struct vcpu *v, u64 efer);
	/* Put @v (just initialised to the INIT state) in the CPU's own
	 * wait-for-SIPI state, where a SIPI is an exit (EXIT_R_SIPI).
	 * False, or NULL, when the CPU has none: generic code then waits
	 * for the SIPI itself (hv/smp.c). */
	bool (*wait_for_sipi)(struct vcpu *v);

	/*
	 * L1's INIT and SIPI (hv/vlapic.h). True on a backend whose CPU has
	 * no wait-for-SIPI state (SVM): Modex captures them at the ICR, the
	 * x2APIC ICR MSR write intercepted and the xAPIC page read-only in
	 * stage 2, its stores emulated. False (VMX): the CPU's INIT and SIPI
	 * exits do it and the APIC stays L1's.
	 */
	bool capture_icr;
	/* Up to @len bytes of L1's instruction at CS:RIP and the code
	 * segment's mode; returns how many bytes were readable. Needed
	 * where capture_icr is set. */
	unsigned (*fetch_insn)(struct vcpu *v, u8 *buf, unsigned len,
			       enum insn_mode *mode);
	/* L1's IA32_PAT where the backend intercepts it (SVM: VMCB G_PAT;
	 * the value is validated by hv/msr.c). NULL when the hardware
	 * switches PAT itself (VMX: VMCS01 PAT controls). */
	u64 (*read_pat)(struct vcpu *v);
	void (*write_pat)(struct vcpu *v, u64 pat);
};

extern const struct vendor_ops vmx_ops, svm_ops;
extern const struct vendor_ops *vendor;

/* Pick the backend this CPU supports; NULL if none. */
const struct vendor_ops *vendor_select(const struct cpu_features *f);

#endif /* MODEX_HV_VENDOR_H */
