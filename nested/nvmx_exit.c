// SPDX-License-Identifier: MIT
/*
 * Exits of L2: L1's or Modex's. vmcs02 runs with vmcs12's controls, so
 * nearly every exit of L2 is one L1 asked for and is emulated into L1
 * (nvmx_reflect()). Modex keeps three kinds: EPT violations on EPT02
 * (the shadow is filled from EPT12 and EPT01, or the fault is L1's, then
 * reflected with L1's exit information), the ports and MSRs Modex
 * intercepts for itself where L1 does not (handled in hv/ on L2's state,
 * as for L1), and kicks of other CPUs. The emulated VM exit saves L2's
 * state into vmcs12 and loads vmcs12's host state into VMCS01 (SDM Vol.
 * 3C 28.2-28.5).
 * Context: exit path of the vCPU's own CPU, VMCS02 current on entry.
 */
#include "nested/nvmx.h"

#define LOG_PREFIX "nvmx"
#include "hv/exits.h"
#include "hv/features.h"
#include "hv/guest.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/log.h"
#include "hv/memory.h"
#include "hv/percpu.h"
#include "hv/vendor.h"
#include "mm/pt_walk.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_asm.h"

#define X86_CR0_ET BIT(4)
/* CR0 bits a VM exit leaves as they were (SDM Vol. 3C 28.5.1): ET, CD,
 * NW and the reserved bits 63:32, 28:19, 17 and 15:6. */
#define CR0_KEPT                                                        \
	(X86_CR0_ET | X86_CR0_NW | X86_CR0_CD | 0xffffffff00000000ULL | \
	 0x1ff80000ULL | BIT(17) | 0xffc0ULL)
/* Access rights loaded by a VM exit (SDM Vol. 3C 28.5.2). */
#define AR_CODE64 0xa09b /* type 11, S, P, L, G */
#define AR_CODE32 0xc09b /* type 11, S, P, D, G */
#define AR_DATA 0xc093 /* type 3, S, P, D/B, G */
#define AR_TSS 0x008b /* busy TSS, P */

/* ------------------------------------------------ the emulated exit */

static void save_guest(struct vcpu *v, struct vmcs12 *c)
{
	u32 exit = c->vm_exit_controls;

	nvmx_fields_from_vmcs02(v, c);
	c->guest_rip = v->regs.rip;
	c->guest_rsp = v->regs.rsp;
	c->guest_rflags = v->regs.rflags;
	if (exit & EXIT_SAVE_IA32_EFER)
		c->guest_ia32_efer = vmread(GUEST_IA32_EFER);
	if (exit & EXIT_SAVE_IA32_PAT)
		c->guest_ia32_pat = vmread(GUEST_IA32_PAT);
	if (exit & EXIT_SAVE_DEBUG_CTLS) {
		c->guest_dr7 = vmread(GUEST_DR7);
		c->guest_ia32_debugctl = vmread(GUEST_IA32_DEBUGCTL);
	}
	if (c->secondary_vm_exec_control & SEC_ENABLE_EPT) {
		c->guest_pdpte0 = vmread(GUEST_PDPTE0);
		c->guest_pdpte1 = vmread(GUEST_PDPTE1);
		c->guest_pdpte2 = vmread(GUEST_PDPTE2);
		c->guest_pdpte3 = vmread(GUEST_PDPTE3);
	}
	/* SDM Vol. 3C 28.2: "IA-32e mode guest" gets EFER.LMA. */
	c->vm_entry_controls &= ~(u32)ENTRY_IA32E_MODE;
	if (vmread(GUEST_IA32_EFER) & EFER_LMA)
		c->vm_entry_controls |= ENTRY_IA32E_MODE;
}

static void save_exit_info(struct vmcs12 *c, u32 reason, u64 qual)
{
	c->vm_exit_reason = reason;
	c->exit_qualification = qual;
	c->guest_linear_address = vmread(GUEST_LINEAR_ADDRESS);
	c->guest_physical_address = vmread(GUEST_PHYSICAL_ADDRESS);
	c->vm_exit_intr_info = (u32)vmread(VM_EXIT_INTR_INFO);
	c->vm_exit_intr_error_code = (u32)vmread(VM_EXIT_INTR_ERROR_CODE);
	c->idt_vectoring_info = (u32)vmread(IDT_VECTORING_INFO);
	c->idt_vectoring_error_code = (u32)vmread(IDT_VECTORING_ERROR_CODE);
	c->vm_exit_instruction_len = (u32)vmread(VM_EXIT_INSTRUCTION_LEN);
	c->vmx_instruction_info = (u32)vmread(VMX_INSTRUCTION_INFO);
	/* SDM Vol. 3C 28.2 (end): every VM exit clears the valid bit of
	 * the VM-entry interruption-information field. */
	c->vm_entry_intr_info &= ~(u32)INTR_INFO_VALID;
}

static void host_seg(u32 sel_field, u16 sel, u32 ar, u64 base)
{
	u32 idx = sel_field - GUEST_ES_SELECTOR;

	vmwrite(sel_field, sel);
	vmwrite(GUEST_ES_BASE + idx, base);
	vmwrite(GUEST_ES_LIMIT + idx, 0xffffffff);
	/* A null selector leaves the register unusable (SS only in a
	 * 64-bit host), SDM Vol. 3C 28.5.2. */
	vmwrite(GUEST_ES_AR + idx, sel ? ar : VMX_AR_UNUSABLE);
}

static void load_host_segments(const struct vmcs12 *c, bool hass)
{
	host_seg(GUEST_CS_SELECTOR, c->host_cs_selector,
		 hass ? AR_CODE64 : AR_CODE32, 0);
	host_seg(GUEST_SS_SELECTOR, c->host_ss_selector, AR_DATA, 0);
	host_seg(GUEST_DS_SELECTOR, c->host_ds_selector, AR_DATA, 0);
	host_seg(GUEST_ES_SELECTOR, c->host_es_selector, AR_DATA, 0);
	host_seg(GUEST_FS_SELECTOR, c->host_fs_selector, AR_DATA,
		 c->host_fs_base);
	host_seg(GUEST_GS_SELECTOR, c->host_gs_selector, AR_DATA,
		 c->host_gs_base);
	/* FS and GS bases are loaded whatever the selector. */
	vmwrite(GUEST_FS_BASE, c->host_fs_base);
	vmwrite(GUEST_GS_BASE, c->host_gs_base);
	vmwrite(GUEST_TR_SELECTOR, c->host_tr_selector);
	vmwrite(GUEST_TR_BASE, c->host_tr_base);
	vmwrite(GUEST_TR_LIMIT, 0x67);
	vmwrite(GUEST_TR_AR, AR_TSS);
	vmwrite(GUEST_LDTR_SELECTOR, 0);
	vmwrite(GUEST_LDTR_BASE, 0);
	vmwrite(GUEST_LDTR_LIMIT, 0);
	vmwrite(GUEST_LDTR_AR, VMX_AR_UNUSABLE);
	vmwrite(GUEST_GDTR_BASE, c->host_gdtr_base);
	vmwrite(GUEST_GDTR_LIMIT, 0xffff);
	vmwrite(GUEST_IDTR_BASE, c->host_idtr_base);
	vmwrite(GUEST_IDTR_LIMIT, 0xffff);
}

static void load_host_regs(struct vcpu *v, const struct vmcs12 *c, u64 cr0,
			   u64 efer, u64 pat)
{
	const struct vmx_caps *hw = &to_vmx(v)->caps;
	bool hass = c->vm_exit_controls & EXIT_HOST_ADDR_SPACE_SIZE;
	u32 entry = (u32)vmread(VM_ENTRY_CONTROLS) & ~(u32)ENTRY_IA32E_MODE;

	cr0 = (c->host_cr0 & ~CR0_KEPT) | (cr0 & CR0_KEPT);
	vmwrite(CR0_READ_SHADOW, cr0);
	vmwrite(GUEST_CR0, vmx_cr0_real(hw, cr0));
	vmwrite(CR4_READ_SHADOW, c->host_cr4);
	vmwrite(GUEST_CR4, vmx_cr4_real(hw, c->host_cr4));
	vmwrite(GUEST_CR3, c->host_cr3);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_IA32_DEBUGCTL, 0);
	vmwrite(GUEST_SYSENTER_CS, c->host_ia32_sysenter_cs);
	vmwrite(GUEST_SYSENTER_ESP, c->host_ia32_sysenter_esp);
	vmwrite(GUEST_SYSENTER_EIP, c->host_ia32_sysenter_eip);
	/* LMA and LME follow "host address-space size" unless EFER is
	 * loaded; PAT stays L2's unless loaded (SDM Vol. 3C 28.5.1). */
	efer &= ~(EFER_LMA | EFER_LME);
	if (hass)
		efer |= EFER_LMA | EFER_LME;
	if (c->vm_exit_controls & EXIT_LOAD_IA32_EFER)
		efer = c->host_ia32_efer;
	vmwrite(GUEST_IA32_EFER, efer);
	vmwrite(GUEST_IA32_PAT, (c->vm_exit_controls & EXIT_LOAD_IA32_PAT) ?
					c->host_ia32_pat :
					pat);
	vmwrite(VM_ENTRY_CONTROLS, entry | (hass ? ENTRY_IA32E_MODE : 0));
	load_host_segments(c, hass);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY_STATE, 0);
	vmwrite(GUEST_PENDING_DBG_EXCEPTIONS, 0);
	vmwrite(VM_ENTRY_INTR_INFO, 0);
	v->regs.rip = c->host_rip;
	v->regs.rsp = c->host_rsp;
	v->regs.rflags = 0x2; /* only the reserved bit 1 */
}

/*
 * SDM Vol. 3C 28.7: a failure to store or load MSRs at a VM exit is a
 * VMX abort: the indicator in the VMCS region, then shutdown, which for
 * L1 is the end of its run.
 */
static __noreturn void vmx_abort(struct vcpu *v, u32 indicator, u32 entry)
{
	struct nvmx *n = to_nvmx(v);

	n->vmcs12->abort = indicator;
	nvmx_flush_vmcs12(v);
	guest_fatal(
		v,
		"VMX abort %u for L1 (entry %u of its VM-exit %s list failed): L1's CPU shuts down; stopping L1.",
		indicator, entry, indicator == 1 ? "MSR-store" : "MSR-load");
}

void nvmx_load_host_state(struct vcpu *v, struct vmcs12 *c)
{
	/* The current VMCS (vmcs02, or vmcs01 for a failed entry) holds the
	 * register values the exit keeps in part. */
	u64 cr0 = vmread(GUEST_CR0), efer = vmread(GUEST_IA32_EFER);
	u64 pat = vmread(GUEST_IA32_PAT);
	u32 failed;

	vmptrld(vmx_vmcs01(v));
	v->nested.guest_mode = false;
	load_host_regs(v, c, cr0, efer, pat);
	/* SDM Vol. 3C 28.6: after the host state, on L1's own state. */
	failed = nvmx_load_msrs(v, c->vm_exit_msr_load_addr,
				c->vm_exit_msr_load_count);
	if (failed)
		vmx_abort(v, 4, failed);
	/* Without VPID for L2, VM entries and exits flush the linear
	 * mappings of VPID 0, L1's own (SDM Vol. 3C 29.4.3.3): L1 runs on
	 * VPID 1 in VMCS01, which gets the same flush. */
	if (!(c->secondary_vm_exec_control & SEC_ENABLE_VPID) &&
	    to_vmx(v)->vpid)
		nvmx_flush_vpid(v, (u16)vmread(VMCS_VPID));
	/* L1 reads the exit's fields through the shadow, if attached. */
	nvmx_vmcs_shadow_push(v, true);
}

/*
 * A VM exit Modex makes up (no hardware exit behind it): the exit
 * information is @reason and @intr_info alone (SDM Vol. 3C 28.2).
 */
static void reflect_event(struct vcpu *v, u32 reason, u32 intr_info)
{
	struct vmcs12 *c = to_nvmx(v)->vmcs12;

	save_guest(v, c);
	save_exit_info(c, reason, 0);
	c->vm_exit_intr_info = intr_info;
	c->idt_vectoring_info = 0;
	c->vm_exit_instruction_len = 0;
	c->vmx_instruction_info = 0;
	nvmx_load_host_state(v, c);
	nested_count(&v->nested, MODEX_NSTAT_REFLECTED);
}

/*
 * SDM Vol. 3C 26.5.2: with the monitor trap flag, a VM exit follows each
 * instruction L2 completes. For one Modex completed on L2's behalf (an
 * MSR L1 lets through, a port Modex intercepts) Modex makes that exit,
 * unless the instruction faulted (an event is pending for L2: the exit
 * then follows the event's delivery, on the CPU).
 */
void nvmx_l2_emulated(struct vcpu *v)
{
	const struct vmcs12 *c = to_nvmx(v)->vmcs12;

	if (!(c->cpu_based_vm_exec_control & CPU_MONITOR_TRAP_FLAG) ||
	    (vmread(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID))
		return;
	reflect_event(v, EXIT_REASON_MTF, 0);
}

/* hv/ handled an exit of L2: only a port access (hv/pci_cfg.c) is an
 * instruction it completed. */
void nvmx_l2_handled(struct vcpu *v)
{
	if (v->exit.reason == EXIT_R_IO)
		nvmx_l2_emulated(v);
}

/*
 * An NMI that hit Modex while L2 ran is L1's: a VM exit when L1's pin
 * controls say "NMI exiting" (SDM Vol. 3C 26.2, basic reason 0 with an
 * NMI in the exit interruption information), else delivered to L2 as the
 * CPU would, once no event is being injected and L2 does not block NMIs.
 */
void nvmx_pre_entry(struct vcpu *v)
{
	struct vmcs12 *c = to_nvmx(v)->vmcs12;
	u32 nmi = INTR_INFO_VALID | INTR_TYPE_NMI | 2;

	if (!v->nmi_pending)
		return;
	if (c->pin_based_vm_exec_control & PIN_NMI_EXITING) {
		v->nmi_pending = false;
		reflect_event(v, EXIT_REASON_EXCEPTION_NMI, nmi);
		return;
	}
	if ((vmread(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID) ||
	    (vmread(GUEST_INTERRUPTIBILITY) & (INTR_BLOCK_MOV_SS | BIT(3))))
		return;
	v->nmi_pending = false;
	vmwrite(VM_ENTRY_INTR_INFO, nmi);
}

void nvmx_reflect(struct vcpu *v, u32 reason, u64 qual)
{
	struct vmcs12 *c = to_nvmx(v)->vmcs12;
	u32 failed;

	save_guest(v, c);
	save_exit_info(c, reason, qual);
	failed = nvmx_store_msrs(v, c->vm_exit_msr_store_addr,
				 c->vm_exit_msr_store_count);
	if (failed)
		vmx_abort(v, 1, failed);
	nvmx_load_host_state(v, c);
	nested_count(&v->nested, MODEX_NSTAT_REFLECTED);
}

/* ------------------------------------------ whose exit is it */

/* SDM Vol. 3C 26.1.3: I/O bitmap A covers 0-7FFFh, B 8000h-FFFFh; an
 * access exits if any byte's bit is set, or if it wraps past FFFFh. */
static bool l1_wants_io(const struct vmcs12 *c, const struct exit_info *e)
{
	u32 proc = c->cpu_based_vm_exec_control;

	if (!(proc & CPU_USE_IO_BITMAPS))
		return proc & CPU_UNCOND_IO_EXITING;
	for (u32 p = e->io.port; p < (u32)e->io.port + e->io.size; p++) {
		const u8 *map;

		if (p > 0xffff)
			return true;
		map = (const u8 *)(p < 0x8000 ? c->io_bitmap_a :
						c->io_bitmap_b);
		if (map[(p & 0x7fff) / 8] & (1u << (p % 8)))
			return true;
	}
	return false;
}

/* SDM Vol. 3C 26.1.3: without MSR bitmaps every RDMSR/WRMSR exits. The
 * bitmap page was checked to be L1's RAM at the entry. */
static bool l1_wants_msr(const struct vmcs12 *c, const struct exit_info *e)
{
	if (!(c->cpu_based_vm_exec_control & CPU_USE_MSR_BITMAPS))
		return true;
	return vmx_msr_bitmap_intercepts((const u8 *)c->msr_bitmap, e->msr.msr,
					 e->reason == EXIT_R_MSR_WRITE);
}

/* An RDMSR/WRMSR of L2 that L1 lets through (nested/nvmx_entry.c: the
 * vmcs02 bitmap intercepts more than L1's). */
static void l2_msr(struct vcpu *v)
{
	const struct exit_info *e = &v->exit;
	u64 val = (v->regs.rdx << 32) | (u32)v->regs.rax;
	bool ok;

	if (e->reason == EXIT_R_MSR_WRITE) {
		ok = nvmx_msr_write(v, e->msr.msr, val);
	} else {
		ok = nvmx_msr_read(v, e->msr.msr, &val);
		if (ok) {
			v->regs.rax = (u32)val;
			v->regs.rdx = val >> 32;
		}
	}
	nested_count(&v->nested, MODEX_NSTAT_HANDLED);
	if (ok)
		vcpu_retire_insn(v, e->insn_len);
	else
		vendor->inject_exception(v, X86_GP, true, 0);
	nvmx_l2_emulated(v);
}

bool nvmx_l2_exit(struct vcpu *v)
{
	struct exit_info *e = &v->exit;
	const struct vmcs12 *c = to_nvmx(v)->vmcs12;
	u32 basic = (u32)e->hw_reason;

	if (e->reason == EXIT_R_ENTRY_FAIL) {
		nvmx_entry_failed(v);
		return true;
	}
	switch (basic) {
	case EXIT_REASON_EPT_VIOLATION:
	case EXIT_REASON_EPT_MISCONFIG:
		if (!(c->secondary_vm_exec_control & SEC_ENABLE_EPT))
			return false; /* EPT01 itself: Modex's fault */
		return nvmx_ept_exit(v);
	case EXIT_REASON_INIT:
		/* Modex's kick (hv/smp.c) is Modex's; an INIT sent to L1
		 * exits L2 into L1 (SDM Vol. 3C 26.2). */
		if (this_cpu()->kick)
			return false;
		break;
	case EXIT_REASON_IO:
		if (!l1_wants_io(c, e))
			return false;
		break;
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		if (!l1_wants_msr(c, e)) {
			l2_msr(v);
			return true;
		}
		break;
	}
	nvmx_reflect(v, basic, e->qual);
	return true;
}
