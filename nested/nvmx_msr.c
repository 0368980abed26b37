// SPDX-License-Identifier: MIT
/*
 * vmcs12's MSR lists: the VM-entry MSR-load list (SDM Vol. 3C 27.4), the
 * VM-exit MSR-store list (28.4) and the VM-exit MSR-load list (28.6),
 * emulated entry by entry in L1's memory. Each MSR is loaded or stored as
 * L1's own RDMSR/WRMSR would be:
 *  - the MSRs a VMCS holds (EFER, PAT, DEBUGCTL, SYSENTER) in the
 *    current VMCS's guest fields (vmcs02 for L2, VMCS01 for L1);
 *  - the MSRs Modex intercepts for L1 through Modex's handlers (hv/);
 *  - every other MSR, which L1 owns, in the CPU, where a #GP is the
 *    failure (rdmsr_safe/wrmsr_safe).
 * A failed load fails the VM entry (exit reason 34, the entry's 1-based
 * index) or, at a VM exit, is a VMX abort.
 * Context: exit path of the vCPU's own CPU.
 */
#include "nested/nvmx.h"

#define LOG_PREFIX "nvmx"
#include "hv/exits.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_asm.h"

#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE_ 0xc0000101
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_DEBUGCTL 0x1d9
#define MSR_UCODE_WRITE 0x79
#define MSR_UCODE_REV 0x8b
#define MSR_SMM_MONITOR_CTL 0x9b
#define MSR_SMBASE 0x9e
#define EFER_KNOWN (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

struct msr_entry {
	u32 index;
	u32 reserved;
	u64 value;
};
_Static_assert(sizeof(struct msr_entry) == 16, "SDM Vol. 3C 25.7.2");

/* The VMCS field that holds @msr, or 0. */
static u32 vmcs_field_of(u32 msr)
{
	switch (msr) {
	case MSR_EFER:
		return GUEST_IA32_EFER;
	case MSR_IA32_PAT:
		return GUEST_IA32_PAT;
	case MSR_DEBUGCTL:
		return GUEST_IA32_DEBUGCTL;
	case MSR_SYSENTER_CS:
		return GUEST_SYSENTER_CS;
	case MSR_SYSENTER_ESP:
		return GUEST_SYSENTER_ESP;
	case MSR_SYSENTER_EIP:
		return GUEST_SYSENTER_EIP;
	}
	return 0;
}

/* SDM Vol. 2B WRMSR (#GP cases) for the MSRs a VMCS holds. */
static bool vmcs_msr_valid(u32 field, u64 val, u64 cur)
{
	switch (field) {
	case GUEST_IA32_EFER:
		/* No change of LME/LMA here: the mode is the VMCS's. */
		return !(val & ~EFER_KNOWN) &&
		       !((val ^ cur) & (EFER_LME | EFER_LMA));
	case GUEST_IA32_PAT:
		for (int i = 0; i < 8; i++) {
			u8 t = (val >> (8 * i)) & 0xff;

			if (t == 2 || t == 3 || t > 7)
				return false;
		}
		return true;
	case GUEST_IA32_DEBUGCTL:
		return !(val & ~0xffc3ULL);
	case GUEST_SYSENTER_CS:
		return !(val >> 32);
	}
	return true;
}

static bool modex_intercepts(u32 msr, bool write)
{
	return vmx_msr_bitmap_intercepts(vmx_modex_msr_bitmap(), msr, write);
}

bool nvmx_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	u32 field = vmcs_field_of(msr);

	if (field) {
		if (!vmcs_msr_valid(field, val, vmread(field)))
			return false;
		vmwrite(field, val);
		return true;
	}
	if (modex_intercepts(msr, true))
		return !vcpu_msr_write(v, msr, val);
	return !wrmsr_safe(msr, val);
}

bool nvmx_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	u32 field = vmcs_field_of(msr);

	if (field) {
		*val = vmread(field);
		return true;
	}
	if (modex_intercepts(msr, false))
		return !vcpu_msr_read(v, msr, val);
	return !rdmsr_safe(msr, val);
}

/* SDM Vol. 3C 27.4, 28.6: the entries no list may load. */
static bool loadable(const struct msr_entry *e)
{
	return !e->reserved && e->index != MSR_FS_BASE &&
	       e->index != MSR_GS_BASE_ && e->index != MSR_SMM_MONITOR_CTL &&
	       (e->index >> 8) != 0x8 && e->index != MSR_UCODE_WRITE &&
	       e->index != MSR_UCODE_REV;
}

/* The most entries a list may have (SDM Vol. 3D A.6, MISC bits 27:25). */
static u32 list_max(void)
{
	return 512 * (((nvmx_caps.misc >> 25) & 7) + 1);
}

u32 nvmx_load_msrs(struct vcpu *v, gpa_t list, u32 count)
{
	for (u32 i = 0; i < count; i++) {
		struct msr_entry e;

		if (i >= list_max() ||
		    !nvmx_read_gpa(list + 16 * (u64)i, &e, sizeof(e)) ||
		    !loadable(&e) || !nvmx_msr_write(v, e.index, e.value))
			return i + 1;
	}
	return 0;
}

u32 nvmx_store_msrs(struct vcpu *v, gpa_t list, u32 count)
{
	for (u32 i = 0; i < count; i++) {
		struct msr_entry e;

		/* SDM Vol. 3C 28.4: SMBASE and x2APIC MSRs cannot be stored. */
		if (i >= list_max() ||
		    !nvmx_read_gpa(list + 16 * (u64)i, &e, sizeof(e)) ||
		    e.reserved || e.index == MSR_SMBASE ||
		    (e.index >> 8) == 0x8 ||
		    !nvmx_msr_read(v, e.index, &e.value) ||
		    !nvmx_write_gpa(list + 16 * (u64)i + 8, &e.value, 8))
			return i + 1;
	}
	return 0;
}
