// SPDX-License-Identifier: MIT
/*
 * The VMX backend: probe, VMXON, VMCS01 load (contents from the pure
 * builder in vmx/vmcs_build.c), entry and the small vendor operations.
 * Context: each CPU for its own state (per-CPU, hv/percpu.h), interrupts
 * off; probe and the shared maps on the boot CPU.
 */
#include "vmx/vmx.h"

#define LOG_PREFIX "vmx"
#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/lapic.h"
#include "hv/log.h"
#include "hv/exits.h"
#include "hv/percpu.h"
#include "hv/vendor.h"
#include "mm/pt_format.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_asm.h"
#include "vmx/vmx_entry.h"

#define MSR_FS_BASE 0xc0000100

/* IA32_FEATURE_CONTROL (SDM Vol. 3C 24.7). */
#define FC_LOCKED BIT(0)
#define FC_VMX_OUTSIDE_SMX BIT(2)

_Static_assert(offsetof(struct guest_regs, rax) == GR_RAX, "regs");
_Static_assert(offsetof(struct guest_regs, rbx) == GR_RBX, "regs");
_Static_assert(offsetof(struct guest_regs, rcx) == GR_RCX, "regs");
_Static_assert(offsetof(struct guest_regs, rdx) == GR_RDX, "regs");
_Static_assert(offsetof(struct guest_regs, rsi) == GR_RSI, "regs");
_Static_assert(offsetof(struct guest_regs, rdi) == GR_RDI, "regs");
_Static_assert(offsetof(struct guest_regs, rbp) == GR_RBP, "regs");
_Static_assert(offsetof(struct guest_regs, r8) == GR_R8, "regs");
_Static_assert(offsetof(struct guest_regs, r9) == GR_R9, "regs");
_Static_assert(offsetof(struct guest_regs, r10) == GR_R10, "regs");
_Static_assert(offsetof(struct guest_regs, r11) == GR_R11, "regs");
_Static_assert(offsetof(struct guest_regs, r12) == GR_R12, "regs");
_Static_assert(offsetof(struct guest_regs, r13) == GR_R13, "regs");
_Static_assert(offsetof(struct guest_regs, r14) == GR_R14, "regs");
_Static_assert(offsetof(struct guest_regs, r15) == GR_R15, "regs");
_Static_assert(HOST_RSP == VMX_HOST_RSP_FIELD, "HOST_RSP encoding");

/*
 * One CPU's VMX state, in Modex's pool (hv/smp.c allocates
 * vmx_ops.percpu_size bytes, page aligned, for each CPU). Modex runs
 * identity-mapped, so the pages' addresses are their physical addresses.
 */
struct vmx_cpu {
	u8 vmxon[PAGE_SIZE];
	u8 vmcs01[PAGE_SIZE];
	struct vmx_vcpu vcpu;
	struct vmcs01 image;
};
_Static_assert(offsetof(struct vmx_cpu, vmcs01) == PAGE_SIZE, "pages");

/* Shared by every CPU, written once by the boot CPU before any other
 * enables VMX; part of the hidden Modex image. */
static u8 msr_bitmap[PAGE_SIZE] __aligned(PAGE_SIZE);
/* I/O bitmaps A (ports 0-7FFFh) and B (SDM Vol. 3C 25.6.4): the PCI
 * configuration ports (hv/pci_cfg.c), nothing else. */
static u8 io_bitmap_a[PAGE_SIZE] __aligned(PAGE_SIZE);
static u8 io_bitmap_b[PAGE_SIZE] __aligned(PAGE_SIZE);
static struct vmx_caps caps;

const u8 *vmx_modex_msr_bitmap(void)
{
	return msr_bitmap;
}

const u8 *vmx_modex_io_bitmap(int which)
{
	return which ? io_bitmap_b : io_bitmap_a;
}

static struct vmx_cpu *vmx_cpu(void)
{
	return this_cpu()->vendor;
}

void vmx_read_caps(struct vmx_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->basic = rdmsr(MSR_IA32_VMX_BASIC);
	c->misc = rdmsr(MSR_IA32_VMX_MISC);
	c->pinbased = rdmsr(MSR_IA32_VMX_PINBASED_CTLS);
	c->procbased = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	c->exit = rdmsr(MSR_IA32_VMX_EXIT_CTLS);
	c->entry = rdmsr(MSR_IA32_VMX_ENTRY_CTLS);
	if (c->basic & BIT(55)) {
		c->true_pinbased = rdmsr(MSR_IA32_VMX_TRUE_PINBASED_CTLS);
		c->true_procbased = rdmsr(MSR_IA32_VMX_TRUE_PROCBASED_CTLS);
		c->true_exit = rdmsr(MSR_IA32_VMX_TRUE_EXIT_CTLS);
		c->true_entry = rdmsr(MSR_IA32_VMX_TRUE_ENTRY_CTLS);
	}
	/* SDM Vol. 3D A.3.3, A.10: these exist only with the controls. */
	if (c->procbased & BIT(32 + 31))
		c->procbased2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	if (c->procbased2 & (BIT(32 + 1) | BIT(32 + 5)))
		c->ept_vpid_cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	c->cr0_fixed0 = rdmsr(MSR_IA32_VMX_CR0_FIXED0);
	c->cr0_fixed1 = rdmsr(MSR_IA32_VMX_CR0_FIXED1);
	c->cr4_fixed0 = rdmsr(MSR_IA32_VMX_CR4_FIXED0);
	c->cr4_fixed1 = rdmsr(MSR_IA32_VMX_CR4_FIXED1);
}

static int vmx_probe(const struct cpu_features *f)
{
	const char *missing;
	u64 fc;

	if (!f->vmx) {
		log_info("no VMX (CPUID.1:ECX.VMX is clear).");
		return -E_NOSUPP;
	}
	/* SDM Vol. 3C 24.7: a locked register without the enable bit means
	 * the firmware turned VMX off; VMXON would #GP. */
	fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	if ((fc & FC_LOCKED) && !(fc & FC_VMX_OUTSIDE_SMX)) {
		log_err("VMX is disabled by the firmware: IA32_FEATURE_CONTROL is locked (%#lx) without VMX outside SMX; enable VT-x in the firmware setup.",
			fc);
		return -E_NOSUPP;
	}
	vmx_read_caps(&caps);
	missing = vmx_caps_missing(&caps);
	if (missing) {
		log_err("cannot run on VMX: %s.", missing);
		return -E_NOSUPP;
	}
	return 0;
}

/* SDM Vol. 3C 24.8: CR0/CR4 must satisfy the fixed bits before VMXON. */
static int enter_vmx_operation(void)
{
	u64 cr0 = read_cr0(), cr4 = read_cr4();
	u64 fc = rdmsr(MSR_IA32_FEATURE_CONTROL);
	int ret;

	if (!(fc & FC_LOCKED))
		wrmsr(MSR_IA32_FEATURE_CONTROL,
		      fc | FC_LOCKED | FC_VMX_OUTSIDE_SMX);
	cr0 = (cr0 | caps.cr0_fixed0) & caps.cr0_fixed1;
	cr4 = (cr4 | caps.cr4_fixed0 | X86_CR4_VMXE) & caps.cr4_fixed1;
	write_cr0(cr0);
	write_cr4(cr4);
	/* SDM Vol. 3C 25.11.5: the region starts with the revision id. */
	*(u32 *)vmx_cpu()->vmxon = (u32)(caps.basic & 0x7fffffff);
	ret = vmxon((hpa_t)vmx_cpu()->vmxon);
	if (ret) {
		log_err("VMXON failed (%s).", ret == VMX_FAIL_INVALID ?
						      "VMfailInvalid" :
						      "VMfailValid");
		return -E_NOSUPP;
	}
	return 0;
}

static int vmx_enable(void)
{
	/* SDM Vol. 3D A.1: bit 48 limits VMX structures to 4 GiB; Modex's
	 * are in its image, below that. Memory type 6 (WB) is what Modex
	 * uses for them. */
	if (((caps.basic >> 50) & 0xf) != 6)
		log_warn("the VMCS memory type is %lu, not write-back.",
			 (caps.basic >> 50) & 0xf);
	if (this_cpu()->index == 0) {
		vmx_msr_bitmap_init(msr_bitmap);
		exits_io_bitmap_set(io_bitmap_a);
	}
	if (enter_vmx_operation())
		return -E_NOSUPP;
	if (this_cpu()->index == 0)
		log_info("VMX on: VMCS revision %#lx, %s controls.",
			 caps.basic & 0x7fffffff,
			 (caps.basic & BIT(55)) ? "TRUE" : "legacy default-1");
	return 0;
}

static u64 desc_base(u64 gdt_base, u16 sel)
{
	const u64 *d = (const u64 *)(gdt_base + (sel & ~7));
	u64 lo = d[0];

	/* A 16-byte system descriptor (SDM Vol. 3A 8.2.3). */
	return ((lo >> 16) & 0xffffff) | (((lo >> 56) & 0xff) << 24) |
	       (d[1] << 32);
}

static void read_host_state(struct vmx_host_state *h)
{
	struct __packed {
		u16 limit;
		u64 base;
	} gdtr, idtr;

	asm volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	asm volatile("mov %%cs, %0" : "=r"(h->cs));
	asm volatile("mov %%ss, %0" : "=r"(h->ss));
	asm volatile("mov %%ds, %0" : "=r"(h->ds));
	asm volatile("mov %%es, %0" : "=r"(h->es));
	asm volatile("mov %%fs, %0" : "=r"(h->fs));
	asm volatile("mov %%gs, %0" : "=r"(h->gs));
	asm volatile("str %0" : "=r"(h->tr));
	h->cr0 = read_cr0();
	h->cr3 = read_cr3();
	h->cr4 = read_cr4();
	h->efer = rdmsr(MSR_EFER);
	h->pat = rdmsr(MSR_IA32_PAT);
	h->fs_base = rdmsr(MSR_FS_BASE);
	h->gs_base = rdmsr(MSR_GS_BASE);
	h->gdtr_base = gdtr.base;
	h->idtr_base = idtr.base;
	h->tr_base = desc_base(gdtr.base, h->tr);
	h->rip = (u64)vmx_exit_point;
	/* vmx_enter() writes HOST_RSP at every entry; a valid placeholder. */
	h->rsp = (u64)__builtin_frame_address(0);
}

static int load_vmcs(const struct vmcs01 *b)
{
	int ret;

	u8 *region = vmx_cpu()->vmcs01;

	*(u32 *)region = (u32)(caps.basic & 0x7fffffff);
	ret = vmclear((hpa_t)region);
	if (!ret)
		ret = vmptrld((hpa_t)region);
	if (ret) {
		log_err("cannot make VMCS01 current (VMCLEAR/VMPTRLD failed, VM-instruction error %lu).",
			vmread(VM_INSTRUCTION_ERROR));
		return -E_INVAL;
	}
	for (unsigned int i = 0; i < b->n; i++) {
		if (vmwrite(b->f[i].field, b->f[i].value)) {
			log_err("VMWRITE of field %#x = %#lx failed (VM-instruction error %lu).",
				b->f[i].field, b->f[i].value,
				vmread(VM_INSTRUCTION_ERROR));
			return -E_INVAL;
		}
	}
	return 0;
}

hpa_t vmx_vmcs01(struct vcpu *v)
{
	(void)v;
	return (hpa_t)vmx_cpu()->vmcs01;
}

static void report_vmcs01(const struct vmcs01 *b)
{
	/* The grep-able banner line the boot tests check, once. */
	if (this_cpu()->index != 0)
		return;
	log_info(
		"EPT01 root %#lx, EPTP %#lx (4 levels, %s), VPID %s, unrestricted guest, MBEC %s.",
		(u64)(b->eptp & PAGE_MASK), b->eptp,
		(b->eptp & 7) == EPTP_MT_WB ? "WB" : "UC",
		b->vpid ? "on" : "off", b->mbec ? "on" : "off");
	if (!b->mbec && (caps.procbased2 & BIT(32 + 22)))
		log_info(
			"MBEC left off: the CPU lacks advanced EPT-violation information.");
	log_dbg("controls: pin %#x, proc %#x, proc2 %#x, exit %#x, entry %#x.",
		b->pin, b->proc, b->proc2, b->exit_ctl, b->entry_ctl);
}

static int vmx_vcpu_init(struct vcpu *v, const struct boot_cpu_state *s,
			 hpa_t root)
{
	struct vmx_vcpu *x = &vmx_cpu()->vcpu;
	struct vmcs01 *image = &vmx_cpu()->image;
	struct vmx_guest_init g;
	struct vmcs01_config cfg = {
		.vpid = 1,
		.msr_bitmap = (hpa_t)msr_bitmap,
		.io_bitmap_a = (hpa_t)io_bitmap_a,
		.io_bitmap_b = (hpa_t)io_bitmap_b,
		.ept_root = root,
	};
	int ret;

	ret = vmx_guest_init_from_boot(s, &g, &v->regs);
	if (ret) {
		log_err("L1's boot CPU state cannot be entered with VMX.");
		return ret;
	}
	read_host_state(&cfg.host);
	ret = vmcs01_build_init(&caps, &cfg, &g, image);
	if (ret) {
		log_err("cannot build VMCS01: %s.", image->why);
		return ret;
	}
	ret = load_vmcs(image);
	if (ret)
		return ret;
	memset(x, 0, sizeof(*x));
	x->caps = caps;
	x->eptp = image->eptp;
	x->mbec = image->mbec;
	x->vpid = image->vpid;
	v->vendor = x;
	v->root = root;
	report_vmcs01(image);
	return 0;
}

static void sync_regs_to_vmcs(struct vcpu *v)
{
	vmwrite(GUEST_RSP, v->regs.rsp);
	vmwrite(GUEST_RFLAGS, v->regs.rflags);
	vmwrite(GUEST_RIP, v->regs.rip);
}

/*
 * An NMI that hit Modex (VMX root) is L1's: inject it (SDM Vol. 3C
 * 27.6.1.1, type 2) unless an event is already being injected or L1
 * blocks NMIs or MOV-SS blocking forbids it (26.3.1.5); then it waits
 * for a later entry.
 */
static void inject_pending_nmi(struct vcpu *v)
{
	/* An NMI that came while L2 ran waits for L1 (docs/nested.md). */
	if (!v->nmi_pending || v->nested.guest_mode ||
	    (vmread(VM_ENTRY_INTR_INFO) & INTR_INFO_VALID) ||
	    (vmread(GUEST_INTERRUPTIBILITY) & (BIT(1) | BIT(3))) ||
	    vmread(GUEST_ACTIVITY_STATE) == VMX_ACTIVITY_WAIT_SIPI)
		return;
	v->nmi_pending = false;
	vmwrite(VM_ENTRY_INTR_INFO, INTR_INFO_VALID | INTR_TYPE_NMI | 2);
}

static void vmx_run(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	bool l2;
	int ret;

	do {
		sync_regs_to_vmcs(v);
		inject_pending_nmi(v);
		l2 = v->nested.guest_mode;
		ret = vmx_enter(&v->regs, l2 ? x->launched02 : x->launched);
		if (ret) {
			vmx_report_vmfail(v, ret);
			return;
		}
		if (l2)
			x->launched02 = true;
		else
			x->launched = true;
		v->exits++;
		v->regs.rsp = vmread(GUEST_RSP);
		v->regs.rip = vmread(GUEST_RIP);
		v->regs.rflags = vmread(GUEST_RFLAGS);
	} while (vmx_decode_exit(v));
}

static u32 vmx_insn_len(struct vcpu *v)
{
	/* Filled from VM_EXIT_INSTRUCTION_LEN for instruction exits. */
	return v->exit.insn_len;
}

static u64 vmx_read_cr(struct vcpu *v, int cr)
{
	(void)v;
	switch (cr) {
	case 0:
		return vmx_cr_l1_view(GUEST_CR0, CR0_READ_SHADOW,
				      CR0_GUEST_HOST_MASK);
	case 2:
		/* VMX does not switch CR2 (SDM Vol. 3C 28.3): L1's is live. */
		return read_cr2();
	case 3:
		return vmread(GUEST_CR3);
	case 4:
		return vmx_cr_l1_view(GUEST_CR4, CR4_READ_SHADOW,
				      CR4_GUEST_HOST_MASK);
	}
	return 0;
}

static u64 vmx_read_efer(struct vcpu *v)
{
	(void)v;
	return vmread(GUEST_IA32_EFER);
}

static int vmx_cpl(struct vcpu *v)
{
	(void)v;
	/* SDM Vol. 3C 25.4.1: CPL is SS.DPL. */
	return (vmread(GUEST_SS_AR) >> 5) & 3;
}

void vmx_flush_tlb(struct vcpu *v)
{
	struct vmx_vcpu *x = to_vmx(v);
	/* SDM Vol. 3C 29.4.3.1: single-context INVEPT drops the combined
	 * mappings of this EPTP for every VPID. */
	bool single = x->caps.ept_vpid_cap & BIT(25);

	if (invept(single ? INVEPT_SINGLE : INVEPT_ALL, x->eptp))
		log_err("INVEPT failed (VM-instruction error %lu).",
			vmread(VM_INSTRUCTION_ERROR));
}

static int vmx_stage2_format(struct pt_format *f)
{
	return pt_format_init(f, PT_EPT, cpu_features.maxphyaddr,
			      vmx_ept_format_flags(&caps));
}

/* SDM Vol. 3C 25.4.2, 26.6.1 (activity states), Vol. 3D A.6 (MISC bit 8):
 * the CPU waits for the SIPI itself, and a SIPI is a VM exit. */
static bool vmx_wait_for_sipi(struct vcpu *v)
{
	(void)v;
	if (!(caps.misc & BIT(8)))
		return false;
	vmwrite(GUEST_ACTIVITY_STATE, VMX_ACTIVITY_WAIT_SIPI);
	return true;
}

const struct vendor_ops vmx_ops = {
	.name = "vmx",
	.percpu_size = sizeof(struct vmx_cpu),
	.kick_ipi = ICR_DM_INIT | ICR_LEVEL_ASSERT,
	.probe = vmx_probe,
	.enable = vmx_enable,
	.vcpu_init = vmx_vcpu_init,
	.run = vmx_run,
	.inject_exception = vmx_inject_exception,
	.clear_interrupt_shadow = vmx_clear_interrupt_shadow,
	.queue_single_step = vmx_queue_single_step,
	.read_debugctl = vmx_read_debugctl,
	.code_bits = vmx_code_bits,
	.insn_len = vmx_insn_len,
	.read_cr = vmx_read_cr,
	.read_efer = vmx_read_efer,
	.cpl = vmx_cpl,
	.flush_guest_tlb = vmx_flush_tlb,
	.dump = vmx_dump,
	.stage2_format = vmx_stage2_format,
	/* EFER is not intercepted: L1 writes it directly (VMCS01 saves and
	 * loads it), so set_efer is never needed. */
	.set_efer = NULL,
	.wait_for_sipi = vmx_wait_for_sipi,
};
