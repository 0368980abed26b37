/* SPDX-License-Identifier: MIT */
/*
 * Nested virtualization, the vendor-neutral core: the per-vCPU nested
 * state, the entry points generic code (hv/) calls, and the interface the
 * two vendor halves implement (nested/nvmx* for VMX, nested/nsvm* for
 * SVM). The core includes no vendor header; nested_init() picks the half
 * that matches the backend Modex runs on.
 *
 * How an exit flows (docs/nested.md):
 *  - L1 runs (guest_mode false): VMX/SVM instructions, the capability MSRs
 *    and CPUID reach nested_handle_insn(), nested_msr_read/write() and
 *    nested_cpuid() from hv/exits.c. An instruction that enters L2 loads
 *    the hardware structure for L2 (vmcs02/vmcb02) and sets guest_mode.
 *  - L2 runs (guest_mode true): after each exit hv/vcpu.c calls
 *    nested_handle_l2_exit() first. The vendor half decides, from L1's
 *    controls, whether L1 asked for the exit: then it emulates the exit
 *    into L1 (guest_mode false). Otherwise Modex handles it: nested paging
 *    faults on the shadow tables here in nested/, the rest (MSRs and ports
 *    Modex itself intercepts, kicks) in hv/ on L2's state, exactly as for
 *    L1, since every vendor operation acts on the current structure.
 * Context: the exit path of each CPU's own vCPU.
 */
#ifndef MODEX_NESTED_NESTED_H
#define MODEX_NESTED_NESTED_H

#include "hv/include/hypercall.h"
#include "hv/include/types.h"

struct vcpu;
struct cpuid_regs;

/* Counters by enum modex_nested_stat (MODEX_HC_STATS reports them after
 * the exit counts). */
struct nested_stats {
	u64 count[MODEX_NSTAT_COUNT];
};

struct nested_log;

struct nested_vcpu {
	bool guest_mode; /* L2 is running (the current structure is L2's) */
	bool l1_vmx_operation; /* VMX: L1 is in VMX operation (VMXON) */
	void *priv; /* the vendor half's state (struct nvmx / struct nsvm) */
	struct nested_stats stats;
	struct nested_log *log; /* nested/nested_log.h */
};

static inline void nested_count(struct nested_vcpu *n, enum modex_nested_stat s)
{
	n->stats.count[s]++;
}

/* What nested_msr_read()/nested_msr_write() did. */
#define NESTED_MSR_NOT_MINE 1 /* not a nested MSR: generic code goes on */
#define NESTED_MSR_GP (-1) /* #GP for L1 */

struct nested_ops {
	const char *name;
	/* Boot CPU, once, after the backend took it: whether this CPU can
	 * carry nested virtualization for L1 (logs why not). */
	bool (*init)(void);
	/* Per vCPU, on its own CPU, after the backend built its structure
	 * for L1 (again after INIT). 0 or a negative error. */
	int (*vcpu_init)(struct vcpu *v);
	void (*cpuid)(u32 leaf, u32 subleaf, struct cpuid_regs *r);
	int (*msr_read)(struct vcpu *v, u32 msr, u64 *val);
	int (*msr_write)(struct vcpu *v, u32 msr, u64 val);
	/* A VMX/SVM instruction exited L1 (EXIT_R_VIRT_INSN). */
	void (*handle_insn)(struct vcpu *v);
	/* An exit of L2: true when handled here (L1 or L2 may be resumed
	 * as the vCPU now stands), false when hv/ handles v->exit. */
	bool (*l2_exit)(struct vcpu *v);
	/* Stage 2 (EPT01/NPT01) changed: drop every shadow built on it. */
	void (*stage2_changed)(struct vcpu *v);
	/* Optional (NULL: nothing to do). Before each entry into L2: events
	 * that arrived for L1 while L2 ran (an NMI that hit Modex) go where
	 * L1's controls send them. */
	void (*pre_entry)(struct vcpu *v);
	/* hv/ handled an exit of L2 on its state (an instruction Modex
	 * completed for it): what L1's controls make of that. */
	void (*l2_handled)(struct vcpu *v);
	/* SVM only (NULL for VMX): L1's EFER.SVME as it reads it; a write
	 * of it (0 or NESTED_MSR_GP); whether L1's interrupts and NMIs wait
	 * (its virtual GIF is 0). */
	bool (*efer_svme)(struct vcpu *v);
	int (*set_efer_svme)(struct vcpu *v, bool on);
	bool (*events_held)(struct vcpu *v);
	bool (*l2_host_if)(struct vcpu *v);
};

extern const struct nested_ops nvmx_ops;
extern const struct nested_ops nsvm_ops;

/*
 * Choose the nested half for the backend named @vendor_name ("vmx" or
 * "svm") unless @enabled is false (the nested= option). Boot CPU, once.
 * Afterwards nested_on() says whether L1 is offered nested virtualization.
 */
void nested_init(const char *vendor_name, bool enabled);
bool nested_on(void);

int nested_vcpu_init(struct vcpu *v);
/* L1's view of CPUID: the virtualization feature bits Modex emulates. */
void nested_cpuid(u32 leaf, u32 subleaf, struct cpuid_regs *r);
/* 0 (handled; *val for reads), NESTED_MSR_GP, or NESTED_MSR_NOT_MINE. */
int nested_msr_read(struct vcpu *v, u32 msr, u64 *val);
int nested_msr_write(struct vcpu *v, u32 msr, u64 val);
/* False when nested virtualization is off: the caller injects #UD. */
bool nested_handle_insn(struct vcpu *v);
bool nested_handle_l2_exit(struct vcpu *v);
/* The shadow-table page budget of one vCPU: @max, or less where the
 * pool is small for the number of CPUs (at least SHADOW_MIN_PAGES). */
unsigned nested_shadow_budget(unsigned max);
/* Called before each entry while v->nested.guest_mode. */
void nested_pre_entry(struct vcpu *v);
/* Called after hv/ handled an exit of L2 (nested_handle_l2_exit() was
 * false) while still v->nested.guest_mode. */
void nested_l2_handled(struct vcpu *v);
void nested_stage2_changed(struct vcpu *v);
/*
 * An L2 access L1's stage-2 tables deny (or find misconfigured), about to
 * be reflected: count it by kind, record it in the vCPU's violation log
 * (MODEX_HC_NESTED_LOG) and, with nested_log=on, print it (rate-limited).
 */
void nested_violation(struct vcpu *v, struct modex_nested_violation *r);
/* EFER.SVME as L1 reads it (false without nested SVM). */
bool nested_efer_svme(struct vcpu *v);
/* A WRMSR to EFER sets SVME to @on: 0, or NESTED_MSR_GP (setting it
 * without nested SVM). Call after every other check of the write. */
int nested_set_efer_svme(struct vcpu *v, bool on);
/* Whether an NMI or interrupt for L1 must wait (SVM: GIF is 0). */
bool nested_events_held(struct vcpu *v);
/* SVM: whether L2 runs with the host's RFLAGS.IF set (L1's IF at VMRUN:
 * with GIF=0 around VMRUN no interrupt reaches Modex meanwhile). */
bool nested_l2_host_if(struct vcpu *v);

#endif /* MODEX_NESTED_NESTED_H */
