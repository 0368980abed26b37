// SPDX-License-Identifier: MIT
/*
 * VM entry into L2: the SDM Vol. 3C chapter 26 checks on vmcs12
 * (nested/nvmx_check.c), then vmcs02 = vmcs12 with what Modex needs:
 * Modex's host state and VM-exit controls, EPT02 (or EPT01 when L1 uses
 * no EPT), Modex's VPID for L2, and MSR and I/O bitmaps that also
 * intercept what Modex intercepts for L1. Everything else is vmcs12's, so
 * every exit L1 asked for happens as L1 configured it, and L2 runs in
 * exactly the state L1 wrote. A failed entry is answered to L1 as the
 * hardware answers it (docs/nested.md).
 * Context: exit path of the vCPU's own CPU; VMCS01 current on entry to
 * nvmx_enter_l2(), VMCS02 current when it returns with L2 to run.
 */
#include "nested/nvmx.h"

#define LOG_PREFIX "nvmx"
#include "hv/exits.h"
#include "hv/features.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/log.h"
#include "hv/pci_cfg_filter.h"
#include "hv/vendor.h"
#include "nested/nvmx_check.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_asm.h"

/* Modex's host state: vmcs02's exits land where vmcs01's do. */
static const u32 host_fields[] = {
	HOST_CR0,
	HOST_CR3,
	HOST_CR4,
	HOST_ES_SELECTOR,
	HOST_CS_SELECTOR,
	HOST_SS_SELECTOR,
	HOST_DS_SELECTOR,
	HOST_FS_SELECTOR,
	HOST_GS_SELECTOR,
	HOST_TR_SELECTOR,
	HOST_FS_BASE,
	HOST_GS_BASE,
	HOST_TR_BASE,
	HOST_GDTR_BASE,
	HOST_IDTR_BASE,
	HOST_IA32_SYSENTER_CS,
	HOST_IA32_SYSENTER_ESP,
	HOST_IA32_SYSENTER_EIP,
	HOST_IA32_EFER,
	HOST_IA32_PAT,
	HOST_RIP,
};

static bool in_l1_ram(void *ctx, u64 gpa, u64 size)
{
	(void)ctx;
	return nvmx_l1_ram(gpa, size);
}

static bool read32(void *ctx, u64 gpa, u32 *val)
{
	(void)ctx;
	return nvmx_read_gpa(gpa, val, sizeof(*val));
}

/*
 * MSRs whose accesses by L2 go straight to the CPU where neither L1 nor
 * Modex intercepts them. Every other MSR access of L2 exits; Modex then
 * reflects it if L1's bitmap asks, else performs it as L1's own access
 * would be performed (nested/nvmx_msr.c). The vmcs02 bitmap is all ones
 * but for these, so each entry updates a few bits, not 4 KiB.
 */
static const struct {
	u32 first, last;
} msr_direct[] = {
	{ 0x10, 0x10 }, /* TSC */
	{ 0x48, 0x49 }, /* SPEC_CTRL, PRED_CMD */
	{ 0x174, 0x176 }, /* SYSENTER_CS/ESP/EIP */
	{ 0x1d9, 0x1d9 }, /* DEBUGCTL */
	{ 0x277, 0x277 }, /* PAT */
	{ 0xc0000080, 0xc0000084 }, /* EFER, STAR, LSTAR, CSTAR, FMASK */
	{ 0xc0000100, 0xc0000103 }, /* FS/GS/KERNEL_GS base, TSC_AUX */
};

/* The x2APIC MSRs 800h-8FFh: 32 bytes of each low bitmap (SDM Vol. 3C
 * 25.6.9), merged as whole words. */
#define X2APIC_BYTE 0x100
#define X2APIC_BYTES 32

static void or_words(u8 *dst, const u8 *a, const u8 *b, unsigned bytes)
{
	u64 *d = (u64 *)dst;
	const u64 *x = (const u64 *)a, *y = (const u64 *)b;

	for (unsigned i = 0; i < bytes / 8; i++)
		d[i] = x[i] | y[i];
}

void nvmx_msr_bitmap02_init(u8 *bitmap)
{
	memset(bitmap, 0xff, PAGE_SIZE);
}

static void merge_msr_bitmap(u8 *dst, const u8 *l1)
{
	const u8 *modex = vmx_modex_msr_bitmap();

	for (unsigned i = 0; i < ARRAY_SIZE(msr_direct); i++)
		for (u32 m = msr_direct[i].first; m <= msr_direct[i].last; m++)
			for (int w = 0; w < 2; w++)
				vmx_msr_bitmap_set(
					dst, m, w,
					vmx_msr_bitmap_intercepts(l1, m, w) ||
						vmx_msr_bitmap_intercepts(
							modex, m, w));
	for (unsigned off = 0; off <= 2048; off += 2048)
		or_words(dst + off + X2APIC_BYTE, l1 + off + X2APIC_BYTE,
			 modex + off + X2APIC_BYTE, X2APIC_BYTES);
}

/* Primary controls and the bitmaps behind them. */
static u32 proc_controls(struct nvmx *n, const struct vmcs12 *c)
{
	u32 proc = c->cpu_based_vm_exec_control | CPU_ACTIVATE_SECONDARY;

	/* Without MSR bitmaps every RDMSR/WRMSR of L2 exits to L1. The
	 * address was checked to be L1's RAM (identity-mapped). */
	if (proc & CPU_USE_MSR_BITMAPS) {
		merge_msr_bitmap(n->msr_bitmap02, (const u8 *)c->msr_bitmap);
		vmwrite(MSR_BITMAP, (hpa_t)n->msr_bitmap02);
	}
	/* I/O: L1's bitmaps ORed with Modex's (its ports, hv/pci_cfg.c);
	 * without L1 bitmaps, Modex's own, or unconditional exiting. */
	if (proc & CPU_USE_IO_BITMAPS) {
		or_words(n->io_bitmap02, (const u8 *)c->io_bitmap_a,
			 vmx_modex_io_bitmap(0), PAGE_SIZE);
		or_words(n->io_bitmap02 + PAGE_SIZE, (const u8 *)c->io_bitmap_b,
			 vmx_modex_io_bitmap(1), PAGE_SIZE);
		vmwrite(IO_BITMAP_A, (hpa_t)n->io_bitmap02);
		vmwrite(IO_BITMAP_B, (hpa_t)n->io_bitmap02 + PAGE_SIZE);
		return proc;
	}
	if (proc & CPU_UNCOND_IO_EXITING)
		return proc;
	vmwrite(IO_BITMAP_A, (hpa_t)vmx_modex_io_bitmap(0));
	vmwrite(IO_BITMAP_B, (hpa_t)vmx_modex_io_bitmap(1));
	return proc | CPU_USE_IO_BITMAPS;
}

static u64 eptp02(struct vcpu *v, const struct vmcs12 *c)
{
	struct nvmx *n = to_nvmx(v);
	u64 root;

	if (!(c->secondary_vm_exec_control & SEC_ENABLE_EPT))
		return to_vmx(v)->eptp; /* L2's addresses are L1's */
	nvmx_shadow_role(v, c, &n->role);
	root = shadow_root(n->shadow, c->ept_pointer & ~0xfffULL, &n->role);
	/* Recycling freed shadow tables the CPU may still have cached. */
	if (shadow_take_flush(n->shadow))
		nvmx_flush_ept02(v);
	return root ? vmx_eptp(&to_vmx(v)->caps, root) : 0;
}

static int controls02(struct vcpu *v, const struct vmcs12 *c, u32 exit01)
{
	struct nvmx *n = to_nvmx(v);
	const struct vmx_caps *hw = &to_vmx(v)->caps;
	u32 sec = 0, entry;
	u64 eptp;

	if (c->cpu_based_vm_exec_control & CPU_ACTIVATE_SECONDARY)
		sec = c->secondary_vm_exec_control;
	eptp = eptp02(v, c);
	if (!eptp)
		return -1;
	vmwrite(PIN_BASED_VM_EXEC_CONTROL, c->pin_based_vm_exec_control);
	vmwrite(CPU_BASED_VM_EXEC_CONTROL, proc_controls(n, c));
	vmwrite(SECONDARY_VM_EXEC_CONTROL, sec | SEC_ENABLE_EPT);
	vmwrite(EPT_POINTER, eptp);
	n->eptp02 = eptp;
	/* Every VPID of L1's runs on vpid02: another one than at the last
	 * entry must not see the previous one's translations. */
	if (sec & SEC_ENABLE_VPID) {
		vmwrite(VMCS_VPID, NVMX_VPID02);
		if (c->vmcs_vpid != n->vpid12_last) {
			nvmx_flush_vpid(v, NVMX_VPID02);
			n->vpid12_last = c->vmcs_vpid;
		}
	}
	/* Modex's exits, except that L1 decides whether an external
	 * interrupt is acknowledged (SDM Vol. 3C 25.7.1). */
	vmwrite(VM_EXIT_CONTROLS,
		(exit01 & ~EXIT_ACK_INTR_ON_EXIT) |
			(c->vm_exit_controls & EXIT_ACK_INTR_ON_EXIT));
	/* L2's EFER, PAT and debug state are always loaded: the values are
	 * vmcs12's or, where L1 does not load them, L1's own. */
	vmx_adjust_ctl(vmx_ctl_msr(hw, VM_ENTRY_CONTROLS), 0,
		       ENTRY_LOAD_DEBUG_CTLS | ENTRY_LOAD_IA32_PAT |
			       ENTRY_LOAD_IA32_EFER |
			       (c->vm_entry_controls & ENTRY_IA32E_MODE),
		       &entry);
	vmwrite(VM_ENTRY_CONTROLS, entry);
	vmwrite(VM_EXIT_MSR_STORE_COUNT, 0);
	vmwrite(VM_EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(VM_ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(VMCS_LINK_POINTER, ~0ULL);
	return 0;
}

/* L1's values for what vmcs12 may leave unloaded (SDM Vol. 3C 27.3.2.1). */
struct l1_regs {
	u64 efer, pat, dr7, debugctl;
};

static void guest02(struct vcpu *v, const struct vmcs12 *c,
		    const struct l1_regs *l1)
{
	u32 ctl = c->vm_entry_controls;
	bool ia32e = ctl & ENTRY_IA32E_MODE;
	u64 efer = (l1->efer & ~EFER_LMA) | (ia32e ? EFER_LMA : 0);

	nvmx_fields_to_vmcs02(v, c);
	/* Without "load IA32_EFER": LMA = "IA-32e mode guest", and LME too
	 * when the guest has paging on. */
	if (c->guest_cr0 & X86_CR0_PG)
		efer = (efer & ~EFER_LME) | (ia32e ? EFER_LME : 0);
	vmwrite(GUEST_IA32_EFER,
		(ctl & ENTRY_LOAD_IA32_EFER) ? c->guest_ia32_efer : efer);
	vmwrite(GUEST_IA32_PAT,
		(ctl & ENTRY_LOAD_IA32_PAT) ? c->guest_ia32_pat : l1->pat);
	vmwrite(GUEST_DR7,
		(ctl & ENTRY_LOAD_DEBUG_CTLS) ? c->guest_dr7 : l1->dr7);
	vmwrite(GUEST_IA32_DEBUGCTL, (ctl & ENTRY_LOAD_DEBUG_CTLS) ?
					     c->guest_ia32_debugctl :
					     l1->debugctl);
	vmwrite(GUEST_PDPTE0, c->guest_pdpte0);
	vmwrite(GUEST_PDPTE1, c->guest_pdpte1);
	vmwrite(GUEST_PDPTE2, c->guest_pdpte2);
	vmwrite(GUEST_PDPTE3, c->guest_pdpte3);
	v->regs.rip = c->guest_rip;
	v->regs.rsp = c->guest_rsp;
	v->regs.rflags = c->guest_rflags;
}

/* vmcs02's host state is VMCS01's, written once per vCPU (VMCS01
 * current); VMCLEAR keeps it (SDM Vol. 3C 25.11.3). */
void nvmx_vmcs02_host_init(struct vcpu *v)
{
	u64 host[ARRAY_SIZE(host_fields)];

	for (unsigned i = 0; i < ARRAY_SIZE(host_fields); i++)
		host[i] = vmread(host_fields[i]);
	vmptrld((hpa_t)to_nvmx(v)->vmcs02);
	for (unsigned i = 0; i < ARRAY_SIZE(host_fields); i++)
		vmwrite(host_fields[i], host[i]);
	vmptrld(vmx_vmcs01(v));
}

/* Build and load vmcs02; VMCS01 is current on entry. */
static int load_vmcs02(struct vcpu *v, const struct vmcs12 *c)
{
	struct nvmx *n = to_nvmx(v);
	struct l1_regs l1 = {
		.efer = vmread(GUEST_IA32_EFER),
		.pat = vmread(GUEST_IA32_PAT),
		.dr7 = vmread(GUEST_DR7),
		.debugctl = vmread(GUEST_IA32_DEBUGCTL),
	};
	u32 exit01 = (u32)vmread(VM_EXIT_CONTROLS);

	if (vmptrld((hpa_t)n->vmcs02))
		return -1;
	if (controls02(v, c, exit01)) {
		vmptrld(vmx_vmcs01(v));
		return -1;
	}
	guest02(v, c, &l1);
	return 0;
}

/*
 * SDM Vol. 3C 27.8: a VM entry that fails after the checks on controls
 * and host state is a VM exit to L1 with bit 31 of the exit reason set,
 * which loads L1's host state; no guest state is saved. The current VMCS
 * is VMCS01 (guest-state checks) or vmcs02 (MSR loading).
 */
static void entry_failure_exit(struct vcpu *v, u32 basic, u64 qual)
{
	struct vmcs12 *c = to_nvmx(v)->vmcs12;

	c->vm_exit_reason = EXIT_REASON_ENTRY_FAILED | basic;
	c->exit_qualification = qual;
	c->vm_exit_intr_info = 0;
	/* VMCS01 is current: nothing was entered, L1's state stays. */
	nvmx_load_host_state(v, c);
}

void nvmx_enter_l2(struct vcpu *v, bool launch)
{
	struct nvmx *n = to_nvmx(v);
	struct vmcs12 *c = n->vmcs12;
	const struct nvmx_mem m = { in_l1_ram, NULL, cpu_features.maxphyaddr,
				    read32, n->current };
	u64 qual = 0;
	u32 failed;
	int err;

	err = nvmx_check_controls(c, &nvmx_caps, &m);
	if (!err)
		err = nvmx_check_host(c, &nvmx_caps, cpu_features.maxphyaddr);
	if (!err)
		err = nvmx_check_host_mode(c,
					   vmread(GUEST_IA32_EFER) & EFER_LMA);
	if (err) {
		nvmx_fail(v, (u32)err);
		return;
	}
	n->entry_insn_len = v->exit.insn_len;
	if (nvmx_check_guest(c, &nvmx_caps, &m, &qual)) {
		entry_failure_exit(v, EXIT_REASON_INVALID_STATE, qual);
		return;
	}
	if (load_vmcs02(v, c)) {
		log_warn_once(
			"no memory for L2's EPT02 root: the entry fails.");
		entry_failure_exit(v, EXIT_REASON_INVALID_STATE, 0);
		return;
	}
	/* SDM Vol. 3C 27.4: after the guest state, on vmcs02; a failure
	 * leaves the MSRs before it loaded. */
	failed = nvmx_load_msrs(v, c->vm_entry_msr_load_addr,
				c->vm_entry_msr_load_count);
	if (failed) {
		entry_failure_exit(v, EXIT_REASON_MSR_LOADING, failed);
		return;
	}
	if (launch)
		c->launch_state = VMCS12_LAUNCHED;
	v->nested.guest_mode = true;
	nested_count(&v->nested, MODEX_NSTAT_ENTRIES);
}

/*
 * The hardware refused vmcs02. Its guest state and controls are
 * vmcs12's, so the answer is L1's: an entry-failure exit as the hardware
 * reported it, or VMfailValid(7) for controls. A host-state or launch
 * failure would be Modex's own: L1 is stopped with the details.
 */
void nvmx_entry_failed(struct vcpu *v)
{
	struct nvmx *n = to_nvmx(v);
	/* A VMfail (vmx_report_vmfail()) leaves its status in info2; a
	 * VM-entry failure exit its basic reason (33, 34, 41) in hw_reason
	 * and its qualification in qual. */
	u64 status = v->exit.info2, err = v->exit.qual;

	if (!status) {
		n->vmcs12->vm_exit_reason =
			EXIT_REASON_ENTRY_FAILED | (u32)v->exit.hw_reason;
		n->vmcs12->exit_qualification = err;
		n->vmcs12->vm_exit_intr_info = 0;
		nvmx_load_host_state(v, n->vmcs12);
	} else {
		vmptrld(vmx_vmcs01(v));
	}
	/* A failed entry leaves vmcs02 in an unknown launch state: clear
	 * it, so that the next entry launches it. */
	vmclear((hpa_t)n->vmcs02);
	to_vmx(v)->launched02 = false;
	n->rare_dirty = true;
	if (!status)
		return;
	v->nested.guest_mode = false;
	v->regs.rip = vmread(GUEST_RIP);
	v->regs.rsp = vmread(GUEST_RSP);
	v->regs.rflags = vmread(GUEST_RFLAGS);
	v->exit.insn_len = n->entry_insn_len;
	if (status == VMX_FAIL_VALID && err == VMXERR_ENTRY_INVALID_CONTROL) {
		nvmx_fail(v, VMXERR_ENTRY_INVALID_CONTROL);
		return;
	}
	guest_fatal(
		v,
		"the CPU refused VMCS02 for L1's VM entry (%s, VM-instruction error %lu), which Modex's checks passed; stopping L1.",
		status == VMX_FAIL_VALID ? "VMfailValid" : "VMfailInvalid",
		err);
}
