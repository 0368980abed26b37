// SPDX-License-Identifier: MIT
/*
 * L1's VMX operation: what L1 is told about VMX (CPUID, IA32_FEATURE_CONTROL,
 * the capability MSRs of nested/nvmx_caps.c), the per-vCPU nested state,
 * and the VMX instructions other than VMLAUNCH/VMRESUME, each with the
 * checks and results of its SDM Vol. 3C 31.3 pseudocode. L1's current
 * vmcs12 lives in L1's memory; Modex works on its own copy while it is
 * current and writes it back on VMCLEAR, on VMPTRLD of another, and on
 * VMXOFF (docs/nested.md).
 * Context: exit path of each CPU's own vCPU, VMCS01 current, L1 running.
 */
#include "nested/nvmx.h"

#define LOG_PREFIX "nvmx"
#include "hv/cmdline.h"
#include "hv/exits.h"
#include "hv/features.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/log.h"
#include "hv/main.h"
#include "hv/memory.h"
#include "hv/vendor.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_asm.h"

#define FC_LOCKED BIT(0)
#define FC_VMX_OUTSIDE_SMX BIT(2)
#define X86_EFLAGS_VM BIT(17)
/* The arithmetic flags VMX instructions report through (SDM Vol. 3C
 * 31.2): CF, PF, AF, ZF, SF, OF. */
#define VMX_FLAGS (BIT(0) | BIT(2) | BIT(4) | BIT(6) | BIT(7) | BIT(11))
#define X86_EFLAGS_CF BIT(0)
#define X86_EFLAGS_ZF BIT(6)
/* INVVPID types (SDM Vol. 3C 31.3 INVVPID). */
#define INVVPID_ADDR 0
#define INVVPID_SINGLE 1
#define INVVPID_ALL 2
#define INVVPID_SINGLE_NONGLOBAL 3

struct nvmx_caps nvmx_caps;
static bool caps_ready;

/* ------------------------------------------------------ results */

static void set_flags(struct vcpu *v, u64 flags)
{
	v->regs.rflags = (v->regs.rflags & ~(u64)VMX_FLAGS) | flags;
	skip_insn(v);
}

void nvmx_succeed(struct vcpu *v)
{
	set_flags(v, 0);
}

void nvmx_fail_invalid(struct vcpu *v)
{
	nested_count(&v->nested, MODEX_NSTAT_VMFAIL);
	set_flags(v, X86_EFLAGS_CF);
}

/* VMfail(err): VMfailValid with the error in the current VMCS, or
 * VMfailInvalid without one (SDM Vol. 3C 31.2). */
void nvmx_fail(struct vcpu *v, u32 err)
{
	struct nvmx *n = to_nvmx(v);

	if (n->current == NVMX_NO_VMCS) {
		nvmx_fail_invalid(v);
		return;
	}
	n->vmcs12->vm_instruction_error = err;
	nvmx_vmcs_shadow_push(v, false);
	nested_count(&v->nested, MODEX_NSTAT_VMFAIL);
	set_flags(v, X86_EFLAGS_ZF);
}

void nvmx_flush_vmcs12(struct vcpu *v)
{
	struct nvmx *n = to_nvmx(v);

	nvmx_vmcs_shadow_pull(v);
	nvmx_sync_rare(v);
	if (n->current != NVMX_NO_VMCS &&
	    !nvmx_write_gpa(n->current, n->vmcs12, sizeof(*n->vmcs12)))
		log_warn_once("vmcs12 at %#lx is no longer L1's RAM.",
			      n->current);
}

/*
 * Drop @vpid's translations with the narrowest INVVPID type the CPU has:
 * single-context, else all-context (SDM Vol. 3C 31.3 INVVPID; EPT_VPID_CAP
 * bits 41, 42). Without INVVPID the CPU has no VPID either, and nothing
 * is tagged with one.
 */
void nvmx_flush_vpid(struct vcpu *v, u16 vpid)
{
	u64 cap = to_vmx(v)->caps.ept_vpid_cap;

	if (!(cap & VMX_VPID_INVVPID))
		return;
	if (cap & VMX_VPID_SINGLE)
		invvpid(INVVPID_SINGLE, vpid, 0);
	else if (cap & VMX_VPID_ALL)
		invvpid(INVVPID_ALL, 0, 0);
}

/*
 * Drop every EPT02 translation of this CPU: all-context INVEPT where the
 * CPU has it (EPT_VPID_CAP bit 26), else single-context for the current
 * EPT02 (bit 25; every CPU with EPT has one of the two).
 */
void nvmx_flush_ept02(struct vcpu *v)
{
	u64 cap = to_vmx(v)->caps.ept_vpid_cap;

	if (cap & VMX_EPT_INVEPT_ALL)
		invept(INVEPT_ALL, 0);
	else if (to_nvmx(v)->eptp02)
		invept(INVEPT_SINGLE, to_nvmx(v)->eptp02);
}

/* ------------------------------------------------ checks and operands */

static bool l1_long64(void)
{
	return (vmread(GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmread(GUEST_CS_AR) & BIT(13));
}

/*
 * The first checks of every VMX instruction (SDM Vol. 3C 31.3): #UD
 * outside VMX operation (for VMXON: CR4.VMXE=0), with CR0.PE=0, in
 * virtual-8086 mode or in compatibility mode; then #GP(0) at CPL > 0.
 */
static bool mode_ok(struct vcpu *v, bool vmxon)
{
	bool ud = !(vendor->read_cr(v, 0) & X86_CR0_PE) ||
		  (v->regs.rflags & X86_EFLAGS_VM) ||
		  ((vmread(GUEST_IA32_EFER) & EFER_LMA) && !l1_long64());

	if (vmxon)
		ud = ud || !(vendor->read_cr(v, 4) & X86_CR4_VMXE);
	else
		ud = ud || !to_nvmx(v)->vmxon;
	if (ud) {
		vendor->inject_exception(v, X86_UD, false, 0);
		return false;
	}
	if (vendor->cpl(v)) {
		vendor->inject_exception(v, X86_GP, true, 0);
		return false;
	}
	return true;
}

/* A register operand: 64 bits in 64-bit mode, else 32 (SDM Vol. 3C 31.3). */
static u64 reg_value(struct vcpu *v, unsigned reg)
{
	u64 val = *guest_gpr(&v->regs, reg);

	return l1_long64() ? val : (u32)val;
}

/* The 64-bit memory operand of VMXON/VMPTRLD/VMCLEAR. */
static bool read_ptr_operand(struct vcpu *v, u64 *addr)
{
	struct nvmx_operand op;

	return nvmx_decode_operand(v, &op, 8) &&
	       nvmx_read_linear(v, op.la, addr, 8);
}

/* A VMXON or VMCS pointer: 4 KiB aligned, within the physical-address
 * width (SDM Vol. 3C 31.3), and, for Modex, L1's RAM. */
static bool ptr_ok(u64 addr)
{
	return !(addr & (PAGE_SIZE - 1)) &&
	       !(addr >> cpu_features.maxphyaddr) &&
	       nvmx_l1_ram(addr, PAGE_SIZE);
}

/* Bits 30:0 are the revision, bit 31 the shadow-VMCS indicator, which
 * needs VMCS shadowing (not advertised). */
static bool revision_ok(u64 addr)
{
	u32 rev;

	return nvmx_read_gpa(addr, &rev, sizeof(rev)) && rev == VMCS12_REVISION;
}

/* ------------------------------------------------------ instructions */

/* SDM Vol. 3C 31.3 VMXON; 24.7 (IA32_FEATURE_CONTROL), 24.8 (CR0/CR4). */
static void emulate_vmxon(struct vcpu *v)
{
	struct nvmx *n = to_nvmx(v);
	u64 cr0 = vendor->read_cr(v, 0), cr4 = vendor->read_cr(v, 4), addr;

	if (!mode_ok(v, true))
		return;
	if (n->vmxon) {
		nvmx_fail(v, VMXERR_VMXON_IN_ROOT);
		return;
	}
	if ((cr0 & nvmx_caps.cr0_fixed0) != nvmx_caps.cr0_fixed0 ||
	    (cr0 & ~nvmx_caps.cr0_fixed1 & 0xffffffff) ||
	    (cr4 & nvmx_caps.cr4_fixed0) != nvmx_caps.cr4_fixed0 ||
	    (cr4 & ~nvmx_caps.cr4_fixed1 & 0xffffffff) ||
	    !(n->feature_control & FC_LOCKED) ||
	    !(n->feature_control & FC_VMX_OUTSIDE_SMX)) {
		vendor->inject_exception(v, X86_GP, true, 0);
		return;
	}
	if (!read_ptr_operand(v, &addr))
		return;
	if (!ptr_ok(addr) || !revision_ok(addr)) {
		nvmx_fail_invalid(v);
		return;
	}
	n->vmxon = true;
	n->vmxon_ptr = addr;
	n->current = NVMX_NO_VMCS;
	v->nested.l1_vmx_operation = true;
	nvmx_succeed(v);
}

static void emulate_vmxoff(struct vcpu *v)
{
	struct nvmx *n = to_nvmx(v);

	if (!mode_ok(v, false))
		return;
	nvmx_flush_vmcs12(v);
	nvmx_vmcs_shadow_attach(v, false);
	n->vmxon = false;
	n->current = NVMX_NO_VMCS;
	v->nested.l1_vmx_operation = false;
	nvmx_succeed(v);
}

static void emulate_vmptrld(struct vcpu *v)
{
	struct nvmx *n = to_nvmx(v);
	u64 addr;

	if (!mode_ok(v, false) || !read_ptr_operand(v, &addr))
		return;
	if (!ptr_ok(addr)) {
		nvmx_fail(v, VMXERR_VMPTRLD_INVALID_ADDR);
		return;
	}
	if (addr == n->vmxon_ptr) {
		nvmx_fail(v, VMXERR_VMPTRLD_VMXON_PTR);
		return;
	}
	if (!revision_ok(addr)) {
		nvmx_fail(v, VMXERR_VMPTRLD_BAD_REVISION);
		return;
	}
	if (addr != n->current) {
		nvmx_flush_vmcs12(v);
		if (!nvmx_read_gpa(addr, n->vmcs12, sizeof(*n->vmcs12))) {
			nvmx_fail(v, VMXERR_VMPTRLD_INVALID_ADDR);
			return;
		}
		n->current = addr;
		n->rare_dirty = true;
		nvmx_vmcs_shadow_attach(v, true);
	}
	nvmx_succeed(v);
}

static void emulate_vmptrst(struct vcpu *v)
{
	struct nvmx_operand op;
	u64 cur = to_nvmx(v)->current;

	if (!mode_ok(v, false) || !nvmx_decode_operand(v, &op, 8) ||
	    !nvmx_write_linear(v, op.la, &cur, 8))
		return;
	nvmx_succeed(v);
}

static void emulate_vmclear(struct vcpu *v)
{
	struct nvmx *n = to_nvmx(v);
	u32 clear = VMCS12_CLEAR;
	u64 addr;

	if (!mode_ok(v, false) || !read_ptr_operand(v, &addr))
		return;
	if (!ptr_ok(addr)) {
		nvmx_fail(v, VMXERR_VMCLEAR_INVALID_ADDR);
		return;
	}
	if (addr == n->vmxon_ptr) {
		nvmx_fail(v, VMXERR_VMCLEAR_VMXON_PTR);
		return;
	}
	if (addr == n->current) {
		nvmx_vmcs_shadow_pull(v);
		n->vmcs12->launch_state = VMCS12_CLEAR;
		nvmx_flush_vmcs12(v);
		nvmx_vmcs_shadow_attach(v, false);
		n->current = NVMX_NO_VMCS;
	} else {
		/* Only the launch state: the rest of a non-current VMCS is
		 * already in its region. */
		nvmx_write_gpa(addr + offsetof(struct vmcs12, launch_state),
			       &clear, sizeof(clear));
	}
	nvmx_succeed(v);
}

/* SDM Vol. 3C 31.3 VMREAD/VMWRITE: a field encoding with bits 63:32 set
 * (64-bit mode) is an unsupported component. */
static bool field_of(struct vcpu *v, const struct nvmx_operand *op, u32 *enc)
{
	u64 e = reg_value(v, op->reg2);

	*enc = (u32)e;
	return !(e >> 32);
}

static void emulate_vmread(struct vcpu *v)
{
	struct nvmx *n = to_nvmx(v);
	struct nvmx_operand op;
	unsigned size = l1_long64() ? 8 : 4;
	u64 val;
	u32 enc;
	int err;

	if (!mode_ok(v, false))
		return;
	if (n->current == NVMX_NO_VMCS) {
		nvmx_fail_invalid(v);
		return;
	}
	nvmx_vmcs_shadow_pull(v); /* a high half of a shadowed field */
	nvmx_sync_rare(v);
	op.is_reg = vmread(VMX_INSTRUCTION_INFO) & BIT(10);
	op.reg2 = (vmread(VMX_INSTRUCTION_INFO) >> 28) & 15;
	err = field_of(v, &op, &enc) ? vmcs12_read(n->vmcs12, enc, &val) :
				       VMXERR_UNSUPPORTED_FIELD;
	if (err) {
		nvmx_fail(v, (u32)err);
		return;
	}
	if (size == 4)
		val = (u32)val;
	if (!nvmx_decode_operand(v, &op, size))
		return;
	if (op.is_reg)
		*guest_gpr(&v->regs, op.reg) = val;
	else if (!nvmx_write_linear(v, op.la, &val, size))
		return;
	nvmx_succeed(v);
}

static void emulate_vmwrite(struct vcpu *v)
{
	struct nvmx *n = to_nvmx(v);
	struct nvmx_operand op;
	unsigned size = l1_long64() ? 8 : 4;
	u64 val = 0;
	u32 enc;
	int err;

	if (!mode_ok(v, false) || !nvmx_decode_operand(v, &op, size))
		return;
	if (n->current == NVMX_NO_VMCS) {
		nvmx_fail_invalid(v);
		return;
	}
	if (op.is_reg)
		val = reg_value(v, op.reg);
	else if (!nvmx_read_linear(v, op.la, &val, size))
		return;
	nvmx_vmcs_shadow_pull(v);
	nvmx_sync_rare(v);
	err = field_of(v, &op, &enc) ?
		      vmcs12_write(n->vmcs12, enc, val,
				   nvmx_caps.misc & VMX_MISC_VMWRITE_ANY) :
		      VMXERR_UNSUPPORTED_FIELD;
	if (err) {
		nvmx_fail(v, (u32)err);
		return;
	}
	n->rare_dirty = true;
	nvmx_vmcs_shadow_push(v, false);
	nvmx_succeed(v);
}

/* The type register and the 128-bit descriptor of INVEPT/INVVPID. */
static bool inv_operands(struct vcpu *v, u64 *type, u64 desc[2])
{
	struct nvmx_operand op;

	if (!nvmx_decode_operand(v, &op, 16))
		return false;
	*type = reg_value(v, op.reg2);
	return nvmx_read_linear(v, op.la, desc, 16);
}

/* An EPTP L1 may use (SDM Vol. 3C 25.6.11, 26.2.1.1): as nvmx_check.c
 * accepts it in vmcs12. */
static bool eptp_ok(u64 eptp)
{
	u64 mt = eptp & 7;

	if (!(mt == EPTP_MT_UC && (nvmx_caps.ept_vpid_cap & VMX_EPT_UC)) &&
	    !(mt == EPTP_MT_WB && (nvmx_caps.ept_vpid_cap & VMX_EPT_WB)))
		return false;
	if (((eptp >> 3) & 7) != 3 || (eptp & 0xf80) ||
	    ((eptp & BIT(6)) && !(nvmx_caps.ept_vpid_cap & VMX_EPT_AD)))
		return false;
	return !(eptp >> cpu_features.maxphyaddr);
}

static bool advertised2(u32 bit)
{
	return (nvmx_ctl_msr(&nvmx_caps, SECONDARY_VM_EXEC_CONTROL) >> 32) &
	       bit;
}

/* SDM Vol. 3C 31.3 INVEPT; 29.4.3: the types, and what each drops. */
static void emulate_invept(struct vcpu *v)
{
	u64 type, desc[2], cap = nvmx_caps.ept_vpid_cap;

	if (!advertised2(SEC_ENABLE_EPT) || !(cap & VMX_EPT_INVEPT)) {
		vendor->inject_exception(v, X86_UD, false, 0);
		return;
	}
	if (!mode_ok(v, false) || !inv_operands(v, &type, desc))
		return;
	if (type == INVEPT_SINGLE && (cap & VMX_EPT_INVEPT_SINGLE) &&
	    eptp_ok(desc[0])) {
		shadow_invalidate_root(to_nvmx(v)->shadow, desc[0] & ~0xfffULL);
	} else if (type == INVEPT_ALL && (cap & VMX_EPT_INVEPT_ALL)) {
		shadow_invalidate_all(to_nvmx(v)->shadow);
	} else {
		nvmx_fail(v, VMXERR_INVEPT_INVVPID_INVALID);
		return;
	}
	/* The shadow tables changed under EPT02's cached translations. */
	nvmx_flush_ept02(v);
	nvmx_succeed(v);
}

static bool canonical48(u64 la)
{
	unsigned b = cpu_features.maxvirtaddr ? cpu_features.maxvirtaddr : 48;

	return (u64)((s64)(la << (64 - b)) >> (64 - b)) == la;
}

/* SDM Vol. 3C 31.3 INVVPID. Every L2 VPID of L1 runs on one VPID of
 * Modex's (vpid02): a single-context flush of it covers every type. */
static void emulate_invvpid(struct vcpu *v)
{
	u64 type, desc[2], cap = nvmx_caps.ept_vpid_cap;
	bool ok;

	if (!advertised2(SEC_ENABLE_VPID) || !(cap & VMX_VPID_INVVPID)) {
		vendor->inject_exception(v, X86_UD, false, 0);
		return;
	}
	if (!mode_ok(v, false) || !inv_operands(v, &type, desc))
		return;
	ok = type <= INVVPID_SINGLE_NONGLOBAL &&
	     (cap & (VMX_VPID_INDIV_ADDR << type)) && !(desc[0] >> 16) &&
	     (type == INVVPID_ALL || (desc[0] & 0xffff)) &&
	     (type != INVVPID_ADDR || canonical48(desc[1]));
	if (!ok) {
		nvmx_fail(v, VMXERR_INVEPT_INVVPID_INVALID);
		return;
	}
	nvmx_flush_vpid(v, NVMX_VPID02);
	nvmx_succeed(v);
}

static void emulate_vmentry(struct vcpu *v, bool launch)
{
	struct nvmx *n = to_nvmx(v);

	if (!mode_ok(v, false))
		return;
	if (n->current == NVMX_NO_VMCS) {
		nvmx_fail_invalid(v);
		return;
	}
	nvmx_vmcs_shadow_pull(v);
	/* SDM Vol. 3C 31.3 VMLAUNCH/VMRESUME: MOV SS blocking, then the
	 * launch state. */
	if (vmread(GUEST_INTERRUPTIBILITY) & INTR_BLOCK_MOV_SS)
		nvmx_fail(v, VMXERR_ENTRY_MOV_SS);
	else if (launch && n->vmcs12->launch_state != VMCS12_CLEAR)
		nvmx_fail(v, VMXERR_VMLAUNCH_NONCLEAR);
	else if (!launch && n->vmcs12->launch_state != VMCS12_LAUNCHED)
		nvmx_fail(v, VMXERR_VMRESUME_NONLAUNCHED);
	else
		nvmx_enter_l2(v, launch);
}

static void nvmx_handle_insn(struct vcpu *v)
{
	switch (v->exit.hw_reason) {
	case EXIT_REASON_VMXON:
		emulate_vmxon(v);
		break;
	case EXIT_REASON_VMXOFF:
		emulate_vmxoff(v);
		break;
	case EXIT_REASON_VMPTRLD:
		emulate_vmptrld(v);
		break;
	case EXIT_REASON_VMPTRST:
		emulate_vmptrst(v);
		break;
	case EXIT_REASON_VMCLEAR:
		emulate_vmclear(v);
		break;
	case EXIT_REASON_VMREAD:
		emulate_vmread(v);
		break;
	case EXIT_REASON_VMWRITE:
		emulate_vmwrite(v);
		break;
	case EXIT_REASON_VMLAUNCH:
		emulate_vmentry(v, true);
		break;
	case EXIT_REASON_VMRESUME:
		emulate_vmentry(v, false);
		break;
	case EXIT_REASON_INVEPT:
		emulate_invept(v);
		break;
	case EXIT_REASON_INVVPID:
		emulate_invvpid(v);
		break;
	default:
		/* GETSEC (no SMX), VMFUNC (not advertised). */
		vendor->inject_exception(v, X86_UD, false, 0);
	}
}

/* ------------------------------------------------- CPUID and MSRs */

static void nvmx_cpuid(u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	(void)subleaf;
	/* SDM Vol. 2A CPUID: leaf 1 ECX bit 5 is VMX. */
	if (leaf == 1 && caps_ready)
		r->ecx |= (u32)BIT(5);
}

static bool vmx_cap_msr(u32 msr)
{
	return msr >= MSR_IA32_VMX_BASIC && msr <= MSR_IA32_VMX_VMFUNC;
}

static int l1_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	if (msr == MSR_IA32_FEATURE_CONTROL) {
		*val = to_nvmx(v)->feature_control;
		return 0;
	}
	if (vmx_cap_msr(msr))
		return nvmx_caps_rdmsr(&nvmx_caps, msr, val) ? NESTED_MSR_GP :
							       0;
	return NESTED_MSR_NOT_MINE;
}

/* IA32_FEATURE_CONTROL is locked (as firmware leaves it, SDM Vol. 3C
 * 24.7) and the capability MSRs are read-only: WRMSR is #GP. */
static int l1_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	(void)v;
	(void)val;
	if (msr == MSR_IA32_FEATURE_CONTROL || vmx_cap_msr(msr))
		return NESTED_MSR_GP;
	return NESTED_MSR_NOT_MINE;
}

/* ------------------------------------------------------ vCPU state */

static void *alloc_pages(size_t nr)
{
	hpa_t pa;

	return memory_alloc_frames(nr, &pa) ? NULL : (void *)pa;
}

static int alloc_state(struct vcpu *v)
{
	struct nvmx *n =
		alloc_pages(ALIGN_UP(sizeof(*n), PAGE_SIZE) / PAGE_SIZE);

	if (!n)
		return -E_NOMEM;
	n->vmcs12 = alloc_pages(1);
	n->vmcs02 = alloc_pages(1);
	n->msr_bitmap02 = alloc_pages(1);
	if (n->msr_bitmap02)
		nvmx_msr_bitmap02_init(n->msr_bitmap02);
	n->io_bitmap02 = alloc_pages(2);
	n->shadow = alloc_pages(ALIGN_UP(sizeof(*n->shadow), PAGE_SIZE) /
				PAGE_SIZE);
	if (!n->vmcs12 || !n->vmcs02 || !n->msr_bitmap02 || !n->io_bitmap02 ||
	    !n->shadow)
		return -E_NOMEM;
	v->nested.priv = n;
	return nvmx_shadow_init(v);
}

static const char *shadowing_state(const struct vmx_caps *hw)
{
	if (!hv_options.vmcs_shadow)
		return "off (vmcs_shadow=off)";
	if (!((vmx_ctl_msr(hw, SECONDARY_VM_EXEC_CONTROL) >> 32) &
	      SEC_VMCS_SHADOWING))
		return "off (the CPU lacks it)";
	return "on";
}

static bool nvmx_init(void)
{
	static struct vmx_caps hw_caps;
	const struct vmx_caps *hw = &hw_caps;
	struct nvmx_opts o = { .exec_only = hv_options.nested_exec_only };

	vmx_read_caps(&hw_caps);
	nvmx_fields_init();
	nvmx_vmcs_shadow_fields_init(hw);
	/* MBEC only as VMCS01 runs it: with advanced EPT-violation
	 * information (REFERENCE.md section 1). */
	o.mbec = vmx_caps_mbec(hw);
	if (nvmx_caps_compute(hw, &o, &nvmx_caps)) {
		log_info(
			"the CPU's VMX cannot carry nested VMX: L1 sees no VMX.");
		return false;
	}
	caps_ready = true;
	log_info(
		"nested VMX on: VMCS revision %#x, secondary controls %#lx, EPT/VPID %#lx, MBEC %s, VMCS shadowing %s.",
		VMCS12_REVISION, nvmx_caps.procbased2 >> 32,
		nvmx_caps.ept_vpid_cap,
		(nvmx_caps.procbased2 >> 32) & SEC_MODE_BASED_EPT_EXEC ? "on" :
									 "off",
		shadowing_state(hw));
	return true;
}

/* Power-up and INIT (SDM Vol. 3C 24.11: INIT leaves no VMX operation
 * behind; it is blocked while L1 is in VMX root operation). */
static int nvmx_vcpu_init(struct vcpu *v)
{
	struct nvmx *n;
	int ret;

	if (!caps_ready)
		return 0;
	if (!v->nested.priv) {
		ret = alloc_state(v);
		if (ret)
			return ret;
	}
	n = to_nvmx(v);
	n->vmxon = false;
	n->current = NVMX_NO_VMCS;
	n->feature_control = FC_LOCKED | FC_VMX_OUTSIDE_SMX;
	v->nested.l1_vmx_operation = false;
	*(u32 *)n->vmcs02 = (u32)(to_vmx(v)->caps.basic & 0x7fffffff);
	if (vmclear((hpa_t)n->vmcs02))
		return -E_INVAL;
	nvmx_vmcs02_host_init(v);
	n->rare_dirty = true;
	n->rare_stale = false;
	n->vpid12_last = 0;
	nvmx_flush_vpid(v, NVMX_VPID02);
	to_vmx(v)->launched02 = false;
	shadow_invalidate_all(n->shadow);
	if (nvmx_vmcs_shadow_init(v, alloc_pages))
		return -E_NOMEM;
	return 0;
}

static void nvmx_stage2_changed(struct vcpu *v)
{
	if (v->nested.priv)
		nvmx_shadow_flush_all(v);
}

static void nvmx_handle_insn_op(struct vcpu *v)
{
	if (!caps_ready) {
		vendor->inject_exception(v, X86_UD, false, 0);
		return;
	}
	nvmx_handle_insn(v);
}

static void nvmx_cpuid_op(u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	nvmx_cpuid(leaf, subleaf, r);
}

static int nvmx_msr_read_op(struct vcpu *v, u32 msr, u64 *val)
{
	return caps_ready ? l1_msr_read(v, msr, val) : NESTED_MSR_NOT_MINE;
}

static int nvmx_msr_write_op(struct vcpu *v, u32 msr, u64 val)
{
	return caps_ready ? l1_msr_write(v, msr, val) : NESTED_MSR_NOT_MINE;
}

const struct nested_ops nvmx_ops = {
	.name = "vmx",
	.init = nvmx_init,
	.vcpu_init = nvmx_vcpu_init,
	.cpuid = nvmx_cpuid_op,
	.msr_read = nvmx_msr_read_op,
	.msr_write = nvmx_msr_write_op,
	.handle_insn = nvmx_handle_insn_op,
	.l2_exit = nvmx_l2_exit,
	.stage2_changed = nvmx_stage2_changed,
	.pre_entry = nvmx_pre_entry,
	.l2_handled = nvmx_l2_handled,
};
