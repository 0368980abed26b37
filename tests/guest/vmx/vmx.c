// SPDX-License-Identifier: MIT
/*
 * The L1 test hypervisor's VMX core: capability MSRs, VMXON, the VMCS
 * (host state, controls, a 64-bit L2 guest state) and running L2 until
 * its next exit. Everything follows the capability MSRs (SDM Vol. 3D
 * appendix A); nothing is assumed of the CPU or of a nested hypervisor.
 * Context: L1 at CPL 0, one CPU, interrupts off.
 */
#include "tests/guest/vmx/vmx.h"

#include "hv/include/lib.h"
#include "tests/guest/lib/smp.h"

#define CPUID1_ECX_VMX BIT(5)
#define CR4_VMXE BIT(13)
#define CR4_PAE BIT(5)
#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_PG BIT(31)

struct vmx_caps vmx_caps;
struct l2_regs l2_regs;
u64 vmxon_pa, vmcs_pa;

static u8 vmxon_region[4096] __aligned(4096);
static u8 vmcs_region[4096] __aligned(4096);
static bool launched;

u64 vmr(u64 field)
{
	u64 v = 0;
	enum vmx_result r = vmread_r(field, &v);

	if (r != VMX_OK)
		GCHECK(false, "VMREAD %#llx failed (%d, error %llu)",
		       (unsigned long long)field, r,
		       (unsigned long long)vmx_insn_error());
	return v;
}

void vmw(u64 field, u64 val)
{
	enum vmx_result r = vmwrite_r(field, val);

	if (r != VMX_OK)
		GCHECK(false, "VMWRITE %#llx = %#llx failed (%d, error %llu)",
		       (unsigned long long)field, (unsigned long long)val, r,
		       (unsigned long long)vmx_insn_error());
}

u64 vmx_insn_error(void)
{
	u64 v;

	return vmread_r(VM_INSN_ERROR, &v) == VMX_OK ? v : ~0ULL;
}

bool vmx_has_ept(void)
{
	return vmx_caps.has_proc2 && ctl_allowed1(vmx_caps.proc2, PROC2_EPT) &&
	       (vmx_caps.ept_vpid & EPT_CAP_PWL4);
}

bool vmx_has_vpid(void)
{
	return vmx_caps.has_proc2 && ctl_allowed1(vmx_caps.proc2, PROC2_VPID);
}

bool vmx_has_mbec(void)
{
	return vmx_has_ept() && ctl_allowed1(vmx_caps.proc2, PROC2_MBEC) &&
	       (vmx_caps.ept_vpid & EPT_CAP_ADV_INFO);
}

bool vmx_caps_read(const char **why)
{
	struct vmx_caps *c = &vmx_caps;
	u64 fc;
	bool truec;

	if (!(guest_cpuid(1, 0).ecx & CPUID1_ECX_VMX)) {
		*why = "CPUID.1:ECX.VMX is clear";
		return false;
	}
	/* SDM Vol. 3C 24.7: VMXON needs FEATURE_CONTROL locked with VMX on. */
	fc = guest_rdmsr(MSR_FEATURE_CONTROL);
	if (!(fc & FC_LOCK)) {
		fc |= FC_LOCK | FC_VMX_OUTSIDE_SMX;
		if (try_wrmsr(MSR_FEATURE_CONTROL, fc) >= 0) {
			*why = "IA32_FEATURE_CONTROL could not be locked";
			return false;
		}
		GINFO("IA32_FEATURE_CONTROL was unlocked: set to %#llx\n",
		      (unsigned long long)fc);
	}
	if (!(fc & FC_VMX_OUTSIDE_SMX)) {
		*why = "IA32_FEATURE_CONTROL is locked with VMX off";
		return false;
	}
	c->basic = guest_rdmsr(MSR_VMX_BASIC);
	c->revision = BASIC_REVISION(c->basic);
	truec = c->basic & BASIC_TRUE_CTLS;
	/* SDM Vol. 3D A.2: the TRUE MSRs, when present, say what may be 0. */
	c->pin = guest_rdmsr(truec ? MSR_VMX_TRUE_PINBASED : MSR_VMX_PINBASED);
	c->proc =
		guest_rdmsr(truec ? MSR_VMX_TRUE_PROCBASED : MSR_VMX_PROCBASED);
	c->exit = guest_rdmsr(truec ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT);
	c->entry = guest_rdmsr(truec ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY);
	c->misc = guest_rdmsr(MSR_VMX_MISC);
	c->cr0_fixed0 = guest_rdmsr(MSR_VMX_CR0_FIXED0);
	c->cr0_fixed1 = guest_rdmsr(MSR_VMX_CR0_FIXED1);
	c->cr4_fixed0 = guest_rdmsr(MSR_VMX_CR4_FIXED0);
	c->cr4_fixed1 = guest_rdmsr(MSR_VMX_CR4_FIXED1);
	/* SDM Vol. 3D A.3.3: CTLS2 exists if "activate secondary" may be 1. */
	c->has_proc2 = ctl_allowed1(c->proc, PROC_SECONDARY);
	if (c->has_proc2)
		c->proc2 = guest_rdmsr(MSR_VMX_PROCBASED2);
	/* SDM Vol. 3D A.10: EPT_VPID_CAP exists if EPT or VPID may be 1. */
	if (c->has_proc2 && (ctl_allowed1(c->proc2, PROC2_EPT) ||
			     ctl_allowed1(c->proc2, PROC2_VPID)))
		c->ept_vpid = guest_rdmsr(MSR_VMX_EPT_VPID_CAP);
	c->maxphyaddr = guest_cpuid(0x80000008, 0).eax & 0xff;
	GINFO("BASIC %#llx (revision %#x%s) MISC %#llx EPT_VPID_CAP %#llx MAXPHYADDR %u\n",
	      (unsigned long long)c->basic, c->revision,
	      truec ? ", TRUE controls" : "", (unsigned long long)c->misc,
	      (unsigned long long)c->ept_vpid, c->maxphyaddr);
	GINFO("pin %#llx proc %#llx proc2 %#llx exit %#llx entry %#llx\n",
	      (unsigned long long)c->pin, (unsigned long long)c->proc,
	      (unsigned long long)c->proc2, (unsigned long long)c->exit,
	      (unsigned long long)c->entry);
	return true;
}

static u64 fixed(u64 want, u64 fixed0, u64 fixed1)
{
	return (want | fixed0) & fixed1;
}

bool host_is_bochs(void)
{
	static int known = -1;
	u64 rsdp = 0, t = 0;
	const char *from = "";

	/* ACPI 6.5 5.2.5.3: the RSDP's OEM ID at offset 9. */
	if (known < 0)
		known = guest_acpi_find("APIC", &rsdp, &from, &t) == 0 &&
			rsdp && !memcmp((const void *)(rsdp + 9), "BOCHS ", 6);
	return known;
}

void vmx_region_init(void *page, u32 revision)
{
	memset(page, 0, 4096);
	memcpy(page, &revision, sizeof(revision));
}

void vmx_fix_crs(void)
{
	u64 cr0 = guest_read_cr(0), cr4 = guest_read_cr(4);

	/* SDM Vol. 3C 24.8: VMXON #GPs unless CR0 and CR4 honour the fixed bits. */
	cr0 = fixed(cr0, vmx_caps.cr0_fixed0, vmx_caps.cr0_fixed1);
	cr4 = fixed(cr4 | CR4_VMXE, vmx_caps.cr4_fixed0, vmx_caps.cr4_fixed1);
	asm volatile("mov %0, %%cr0" : : "r"(cr0));
	asm volatile("mov %0, %%cr4" : : "r"(cr4));
}

enum vmx_result vmx_on(void)
{
	vmx_fix_crs();
	vmx_region_init(vmxon_region, vmx_caps.revision);
	vmxon_pa = (u64)vmxon_region;
	vmcs_pa = (u64)vmcs_region;
	return vmxon(vmxon_pa);
}

bool ctl_adjust(u64 msr, u64 want, u64 *out)
{
	u32 must1 = (u32)msr, may1 = (u32)(msr >> 32);

	*out = (want | must1) & may1;
	return (want & ~(u64)may1) == 0;
}

static u64 ctl_msr(u64 field)
{
	switch (field) {
	case PIN_CTLS:
		return vmx_caps.pin;
	case PROC_CTLS:
		return vmx_caps.proc;
	case PROC_CTLS2:
		return vmx_caps.proc2;
	case EXIT_CTLS:
		return vmx_caps.exit;
	default:
		return vmx_caps.entry;
	}
}

bool ctl_set(u64 field, u64 bits)
{
	u64 v;

	if (!ctl_adjust(ctl_msr(field), vmr(field) | bits, &v))
		return false;
	vmw(field, v);
	return true;
}

void ctl_clear(u64 field, u64 bits)
{
	u64 v;

	ctl_adjust(ctl_msr(field), vmr(field) & ~bits, &v);
	vmw(field, v);
}

/* SDM Vol. 3C 27.2.2-27.2.4: host state, the L1 that handles the exits. */
static void vmcs_host_state(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed dt;

	vmw(HOST_CR0, guest_read_cr(0));
	vmw(HOST_CR3, guest_read_cr(3));
	vmw(HOST_CR4, guest_read_cr(4));
	vmw(HOST_CS_SEL, 0x08);
	vmw(HOST_SS_SEL, 0x10);
	vmw(HOST_DS_SEL, 0x10);
	vmw(HOST_ES_SEL, 0x10);
	vmw(HOST_FS_SEL, 0);
	vmw(HOST_GS_SEL, 0);
	vmw(HOST_TR_SEL, 0x20);
	vmw(HOST_FS_BASE, 0);
	vmw(HOST_GS_BASE, 0);
	vmw(HOST_TR_BASE, guest_tss_base());
	asm volatile("sgdt %0" : "=m"(dt));
	vmw(HOST_GDTR_BASE, dt.base);
	asm volatile("sidt %0" : "=m"(dt));
	vmw(HOST_IDTR_BASE, dt.base);
	vmw(HOST_SYSENTER_CS, 0);
	vmw(HOST_SYSENTER_ESP, 0);
	vmw(HOST_SYSENTER_EIP, 0);
	vmw(HOST_EFER, guest_rdmsr(MSR_EFER));
	vmw(HOST_RIP, (u64)vmx_exit_stub);
}

/* SDM Vol. 3C 27.3.1: a 64-bit L2 in its own GDT, IDT and TSS. */
static void vmcs_guest_state(void)
{
	for (unsigned s = SEG_ES; s <= SEG_TR; s++) {
		u32 ar = 0xc093, sel = L2_DS0, limit = 0xffffffff;

		if (s == SEG_CS) {
			ar = 0xa09b;
			sel = L2_CS0;
		} else if (s == SEG_LDTR) {
			ar = BIT(16); /* unusable */
			sel = 0;
		} else if (s == SEG_TR) {
			ar = 0x8b; /* busy 64-bit TSS */
			sel = L2_TR;
			limit = 103;
		}
		vmw(GUEST_ES_SEL + 2 * s, sel);
		vmw(GUEST_ES_LIMIT + 2 * s, limit);
		vmw(GUEST_ES_AR + 2 * s, ar);
		vmw(GUEST_ES_BASE + 2 * s, s == SEG_TR ? l2_tss_base : 0);
	}
	vmw(GUEST_GDTR_BASE, l2_gdt_base);
	vmw(GUEST_ES_LIMIT + 16, l2_gdt_limit);
	vmw(GUEST_IDTR_BASE, l2_idt_base);
	vmw(GUEST_ES_LIMIT + 18, l2_idt_limit);
	vmw(GUEST_CR0,
	    fixed(CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG,
		  vmx_caps.cr0_fixed0, vmx_caps.cr0_fixed1));
	vmw(GUEST_CR3, l2_cr3);
	vmw(GUEST_CR4,
	    fixed(CR4_PAE, vmx_caps.cr4_fixed0, vmx_caps.cr4_fixed1));
	vmw(CR0_SHADOW, 0);
	vmw(CR4_SHADOW, 0);
	vmw(GUEST_EFER, EFER_LME | EFER_LMA);
	vmw(GUEST_DR7, 0x400);
	vmw(GUEST_RFLAGS, 0x2);
	vmw(GUEST_PENDING_DBG, 0);
	vmw(GUEST_INTERRUPTIBILITY, 0);
	vmw(GUEST_ACTIVITY, 0);
	vmw(GUEST_SYSENTER_CS, 0);
	vmw(GUEST_SYSENTER_ESP, 0);
	vmw(GUEST_SYSENTER_EIP, 0);
	vmw(GUEST_DEBUGCTL, 0);
	vmw(VMCS_LINK_PTR, ~0ULL);
}

void vmcs_setup(bool ept)
{
	u64 v;

	vmx_region_init(vmcs_region, vmx_caps.revision);
	if (vmclear(vmcs_pa) != VMX_OK)
		GCHECK(false, "VMCLEAR of the VMCS failed");
	if (vmptrld(vmcs_pa) != VMX_OK)
		GCHECK(false, "VMPTRLD of the VMCS failed");
	launched = false;
	ctl_adjust(vmx_caps.pin, 0, &v);
	vmw(PIN_CTLS, v);
	ctl_adjust(vmx_caps.proc, vmx_caps.has_proc2 ? PROC_SECONDARY : 0, &v);
	/* Forced-1 exiting controls are turned into "exit on nothing". */
	vmw(PROC_CTLS, v);
	if (vmx_caps.has_proc2) {
		ctl_adjust(vmx_caps.proc2, ept ? PROC2_EPT : 0, &v);
		vmw(PROC_CTLS2, v);
	}
	ctl_adjust(vmx_caps.exit, EXIT_HOST_64 | EXIT_LOAD_EFER, &v);
	vmw(EXIT_CTLS, v);
	ctl_adjust(vmx_caps.entry, ENTRY_IA32E | ENTRY_LOAD_EFER, &v);
	vmw(ENTRY_CTLS, v);
	vmw(EXC_BITMAP, 0);
	vmw(PF_EC_MASK, 0);
	vmw(PF_EC_MATCH, 0);
	vmw(CR3_TARGET_COUNT, 0);
	vmw(CR0_MASK, 0);
	vmw(CR4_MASK, BIT(13)); /* L2 sees CR4.VMXE as 0 */
	vmw(EXIT_MSR_STORE_COUNT, 0);
	vmw(EXIT_MSR_LOAD_COUNT, 0);
	vmw(ENTRY_MSR_LOAD_COUNT, 0);
	vmw(ENTRY_INTR_INFO, 0);
	if (ept)
		vmw(EPT_POINTER, eptp12);
	vmcs_host_state();
	vmcs_guest_state();
	l2_start(l2_vmcall, 0);
}

void vmcs_relaunch(void)
{
	if (vmclear(vmcs_pa) != VMX_OK)
		GCHECK(false, "VMCLEAR of the VMCS failed");
	if (vmptrld(vmcs_pa) != VMX_OK)
		GCHECK(false, "VMPTRLD of the VMCS failed");
	launched = false;
}

void l2_start(void (*rip)(void), int cpl)
{
	u32 cs_ar = cpl ? 0xa0fb : 0xa09b, ds_ar = cpl ? 0xc0f3 : 0xc093;
	u16 cs = cpl ? L2_CS3 : L2_CS0, ds = cpl ? L2_DS3 : L2_DS0;

	vmw(GUEST_RIP, (u64)rip);
	vmw(GUEST_RSP, l2_stack_top());
	vmw(GUEST_ES_SEL + 2 * SEG_CS, cs);
	vmw(GUEST_ES_AR + 2 * SEG_CS, cs_ar);
	for (unsigned s = SEG_ES; s <= SEG_GS; s++) {
		if (s == SEG_CS)
			continue;
		vmw(GUEST_ES_SEL + 2 * s, ds);
		vmw(GUEST_ES_AR + 2 * s, ds_ar);
	}
	vmw(GUEST_RFLAGS, 0x2);
}

void l2_run(struct l2_exit *e)
{
	u64 fl = vmx_enter(&l2_regs, launched);

	memset(e, 0, sizeof(*e));
	e->entry = fl ? vmx_result_of(fl) : VMX_OK;
	if (fl) {
		e->reason = ~0u;
		e->insn_error = vmx_insn_error();
		return;
	}
	e->reason = (u32)vmr(EXIT_REASON);
	/* SDM Vol. 3C 27.8: a VM-entry failure leaves the VMCS unlaunched. */
	if (!(e->reason & EXIT_REASON_ENTRY_FAIL))
		launched = true;
	e->qual = vmr(EXIT_QUAL);
	e->gla = vmr(GUEST_LINEAR_ADDR);
	if (vmx_caps.has_proc2 && (vmr(PROC_CTLS2) & PROC2_EPT))
		e->gpa = vmr(GUEST_PHYS_ADDR);
	e->rip = vmr(GUEST_RIP);
	e->rsp = vmr(GUEST_RSP);
	e->rflags = vmr(GUEST_RFLAGS);
	e->intr_info = (u32)vmr(EXIT_INTR_INFO);
	e->intr_error = (u32)vmr(EXIT_INTR_ERROR);
	e->idt_info = (u32)vmr(IDT_VECT_INFO);
	e->insn_len = (u32)vmr(EXIT_INSN_LEN);
	e->insn_info = (u32)vmr(EXIT_INSN_INFO);
}

void l2_skip(const struct l2_exit *e)
{
	vmw(GUEST_RIP, e->rip + e->insn_len);
}

void l2_call(void (*rip)(void), int cpl, struct l2_exit *e)
{
	l2_start(rip, cpl);
	l2_run(e);
}
