// SPDX-License-Identifier: MIT
/*
 * VMCS shadowing for L1 (SDM Vol. 3C 25.10, 26.1.3): where the CPU has
 * it (and vmcs_shadow=on), VMCS01 points its link pointer at a shadow VMCS
 * that holds the common fields of L1's current vmcs12, and its VMREAD and
 * VMWRITE bitmaps let L1 access those without an exit. Modex's copy of
 * vmcs12 stays the one structure Modex reads: the shadow's fields are
 * copied into it before Modex looks at vmcs12 (a VMX instruction that
 * exits, VMLAUNCH/VMRESUME, VMCLEAR, VMXOFF) and back after Modex changed
 * it (a VM exit or VMfail reported to L1, a new current VMCS).
 * Read-only exit fields are shadowed for VMREAD only where the CPU lets
 * Modex write them (IA32_VMX_MISC bit 29); VMWRITEs to them always exit,
 * so that L1 gets the answer Modex advertises.
 * Context: exit path of the vCPU's own CPU, VMCS01 current.
 */
#include "nested/nvmx.h"

#define LOG_PREFIX "nvmx"
#include "hv/include/lib.h"
#include "hv/log.h"
#include "hv/main.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_asm.h"

#define MISC_VMWRITE_ANY BIT(29)
#define BASIC_SHADOW_INDICATOR BIT(31)

static bool cpu_has_shadowing(const struct vmx_caps *c)
{
	return (vmx_ctl_msr(c, SECONDARY_VM_EXEC_CONTROL) >> 32) &
	       SEC_VMCS_SHADOWING;
}

/* SDM Vol. 3C 25.6.15: bit n of a bitmap (bits 14:0 of the encoding)
 * set makes VMREAD/VMWRITE of that field exit. */
static void bitmap_allow(u8 *bitmap, u32 enc)
{
	bitmap[(enc & 0x7fff) / 8] &= (u8) ~(1u << (enc % 8));
}

int nvmx_vmcs_shadow_init(struct vcpu *v, void *(*alloc)(size_t))
{
	struct nvmx *n = to_nvmx(v);
	const struct vmx_caps *hw = &to_vmx(v)->caps;
	unsigned nf;
	const u32 *f = vmcs12_shadow_fields(&nf);

	n->shadowing = false;
	if (!hv_options.vmcs_shadow || !cpu_has_shadowing(hw))
		return 0;
	if (!n->shadow_vmcs) {
		n->shadow_vmcs = alloc(1);
		n->vmread_bitmap = alloc(1);
		n->vmwrite_bitmap = alloc(1);
		if (!n->shadow_vmcs || !n->vmread_bitmap || !n->vmwrite_bitmap)
			return -1;
		memset(n->vmread_bitmap, 0xff, PAGE_SIZE);
		memset(n->vmwrite_bitmap, 0xff, PAGE_SIZE);
		for (unsigned i = 0; i < nf; i++) {
			bool ro = VMCS_FIELD_TYPE(f[i]) == VMCS_TYPE_EXIT_INFO;

			if (!ro || (hw->misc & MISC_VMWRITE_ANY))
				bitmap_allow(n->vmread_bitmap, f[i]);
			if (!ro)
				bitmap_allow(n->vmwrite_bitmap, f[i]);
		}
	}
	*(u32 *)n->shadow_vmcs =
		(u32)(hw->basic & 0x7fffffff) | BASIC_SHADOW_INDICATOR;
	if (vmclear((hpa_t)n->shadow_vmcs))
		return -1;
	n->shadowing = true;
	return 0;
}

/* The shadowed fields with their vmcs12 slots, found once; @exit marks
 * those a VM exit into L1 changes (exit information, guest state, the
 * entry interruption's valid bit), the only ones pushed after an exit. */
static struct shadow_ref {
	u32 enc;
	const struct vmcs12_field *f;
	bool exit;
} refs[64];
static unsigned nr_refs;

void nvmx_vmcs_shadow_fields_init(const struct vmx_caps *hw)
{
	unsigned nf;
	const u32 *f = vmcs12_shadow_fields(&nf);

	nr_refs = 0;
	for (unsigned i = 0; i < nf && nr_refs < ARRAY_SIZE(refs); i++) {
		unsigned type = VMCS_FIELD_TYPE(f[i]);

		/* Read-only fields reach the shadow only with MISC bit 29. */
		if (type == VMCS_TYPE_EXIT_INFO &&
		    !(hw->misc & MISC_VMWRITE_ANY))
			continue;
		refs[nr_refs++] = (struct shadow_ref){
			f[i], vmcs12_field_find(f[i]),
			type == VMCS_TYPE_EXIT_INFO ||
				type == VMCS_TYPE_GUEST ||
				f[i] == VM_ENTRY_INTR_INFO
		};
	}
}

static void copy_fields(struct vcpu *v, bool to_shadow, bool exit_only)
{
	struct nvmx *n = to_nvmx(v);

	vmptrld((hpa_t)n->shadow_vmcs);
	for (unsigned i = 0; i < nr_refs; i++) {
		const struct shadow_ref *r = &refs[i];

		if (!to_shadow)
			vmcs12_put(n->vmcs12, r->f, vmread(r->enc));
		else if (r->exit || !exit_only)
			vmwrite(r->enc, vmcs12_get(n->vmcs12, r->f));
	}
	vmptrld(vmx_vmcs01(v));
}

void nvmx_vmcs_shadow_pull(struct vcpu *v)
{
	struct nvmx *n = to_nvmx(v);

	if (n->shadowing && n->shadow_live)
		copy_fields(v, false, false);
}

void nvmx_vmcs_shadow_push(struct vcpu *v, bool exit_only)
{
	struct nvmx *n = to_nvmx(v);

	if (n->shadowing && n->shadow_live)
		copy_fields(v, true, exit_only);
}

/* VMCS01 uses the shadow while L1 has a current VMCS; without one the
 * link pointer is all ones and L1's VMREAD/VMWRITE get VMfailInvalid
 * from the CPU, as they must (SDM Vol. 3C 31.3 VMREAD). */
void nvmx_vmcs_shadow_attach(struct vcpu *v, bool on)
{
	struct nvmx *n = to_nvmx(v);
	u64 proc2 = vmread(SECONDARY_VM_EXEC_CONTROL);

	if (!n->shadowing)
		return;
	n->shadow_live = on;
	if (on) {
		vmwrite(VMREAD_BITMAP, (hpa_t)n->vmread_bitmap);
		vmwrite(VMWRITE_BITMAP, (hpa_t)n->vmwrite_bitmap);
		vmwrite(VMCS_LINK_POINTER, (hpa_t)n->shadow_vmcs);
		vmwrite(SECONDARY_VM_EXEC_CONTROL, proc2 | SEC_VMCS_SHADOWING);
		copy_fields(v, true, false);
	} else {
		vmwrite(VMCS_LINK_POINTER, ~0ULL);
		vmwrite(SECONDARY_VM_EXEC_CONTROL,
			proc2 & ~(u64)SEC_VMCS_SHADOWING);
	}
}
