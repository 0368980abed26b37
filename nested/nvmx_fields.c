// SPDX-License-Identifier: MIT
/*
 * The vmcs12 fields vmcs02 takes as they are, split in two by how often
 * they change (KVM's design): hot fields, which L1 may write without an
 * exit (the VMCS-shadowing list, nested/nvmx_vmcs12.c), are copied at every
 * entry and saved at every exit; rare fields are copied into vmcs02 only
 * when L1 wrote some field with an exit since the last entry (or loaded
 * another vmcs12), and saved from vmcs02 only when Modex or L1 reads
 * vmcs12 (a VMREAD or VMWRITE that exits, VMCLEAR, VMPTRLD, VMXOFF).
 * Until then vmcs02 holds L2's current values and vmcs12's copy is stale,
 * which the VM-entry checks may see: they judge values L1 wrote and the
 * CPU accepted, and the CPU checks vmcs02 itself (docs/nested.md).
 * Context: exit path of the vCPU's own CPU.
 */
#include "nested/nvmx.h"

#include "hv/include/lib.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_asm.h"

/* Guest-state fields vmcs02 takes from vmcs12 and gives back at a VM
 * exit as they are (SDM Vol. 3C 25.4); the rest are conditional. */
static const u32 guest_fields[] = {
	GUEST_ES_SELECTOR,
	GUEST_CS_SELECTOR,
	GUEST_SS_SELECTOR,
	GUEST_DS_SELECTOR,
	GUEST_FS_SELECTOR,
	GUEST_GS_SELECTOR,
	GUEST_LDTR_SELECTOR,
	GUEST_TR_SELECTOR,
	GUEST_ES_LIMIT,
	GUEST_CS_LIMIT,
	GUEST_SS_LIMIT,
	GUEST_DS_LIMIT,
	GUEST_FS_LIMIT,
	GUEST_GS_LIMIT,
	GUEST_LDTR_LIMIT,
	GUEST_TR_LIMIT,
	GUEST_GDTR_LIMIT,
	GUEST_IDTR_LIMIT,
	GUEST_ES_AR,
	GUEST_CS_AR,
	GUEST_SS_AR,
	GUEST_DS_AR,
	GUEST_FS_AR,
	GUEST_GS_AR,
	GUEST_LDTR_AR,
	GUEST_TR_AR,
	GUEST_ES_BASE,
	GUEST_CS_BASE,
	GUEST_SS_BASE,
	GUEST_DS_BASE,
	GUEST_FS_BASE,
	GUEST_GS_BASE,
	GUEST_LDTR_BASE,
	GUEST_TR_BASE,
	GUEST_GDTR_BASE,
	GUEST_IDTR_BASE,
	GUEST_CR0,
	GUEST_CR3,
	GUEST_CR4,
	GUEST_PENDING_DBG_EXCEPTIONS,
	GUEST_SYSENTER_CS,
	GUEST_SYSENTER_ESP,
	GUEST_SYSENTER_EIP,
	GUEST_INTERRUPTIBILITY,
	GUEST_ACTIVITY_STATE,
};

/* Controls vmcs02 takes from vmcs12 as they are. */
static const u32 control_fields[] = {
	EXCEPTION_BITMAP,
	PAGE_FAULT_ERROR_CODE_MASK,
	PAGE_FAULT_ERROR_CODE_MATCH,
	CR3_TARGET_COUNT,
	CR3_TARGET_VALUE0,
	CR3_TARGET_VALUE1,
	CR3_TARGET_VALUE2,
	CR3_TARGET_VALUE3,
	CR0_GUEST_HOST_MASK,
	CR4_GUEST_HOST_MASK,
	CR0_READ_SHADOW,
	CR4_READ_SHADOW,
	TSC_OFFSET,
	VM_ENTRY_INTR_INFO,
	VM_ENTRY_EXCEPTION_ERROR_CODE,
	VM_ENTRY_INSTRUCTION_LEN,
};

/* A field and its vmcs12 slot, found once. */
struct field_ref {
	u32 enc;
	const struct vmcs12_field *f;
};

#define MAX_REFS (ARRAY_SIZE(guest_fields) + ARRAY_SIZE(control_fields))

static struct refs {
	struct field_ref r[MAX_REFS];
	unsigned n;
} hot_guest, rare_guest, hot_ctl, rare_ctl;

static bool is_hot(u32 enc)
{
	unsigned n;
	const u32 *f = vmcs12_shadow_fields(&n);

	for (unsigned i = 0; i < n; i++)
		if (f[i] == enc)
			return true;
	return false;
}

static void split(const u32 *f, unsigned n, struct refs *hot, struct refs *rare)
{
	for (unsigned i = 0; i < n; i++) {
		struct refs *to = is_hot(f[i]) ? hot : rare;

		to->r[to->n++] =
			(struct field_ref){ f[i], vmcs12_field_find(f[i]) };
	}
}

void nvmx_fields_init(void)
{
	hot_guest.n = rare_guest.n = hot_ctl.n = rare_ctl.n = 0;
	split(guest_fields, ARRAY_SIZE(guest_fields), &hot_guest, &rare_guest);
	split(control_fields, ARRAY_SIZE(control_fields), &hot_ctl, &rare_ctl);
}

static void to_vmcs(const struct vmcs12 *c, const struct refs *r)
{
	for (unsigned i = 0; i < r->n; i++)
		vmwrite(r->r[i].enc, vmcs12_get(c, r->r[i].f));
}

static void from_vmcs(struct vmcs12 *c, const struct refs *r)
{
	for (unsigned i = 0; i < r->n; i++)
		vmcs12_put(c, r->r[i].f, vmread(r->r[i].enc));
}

void nvmx_fields_to_vmcs02(struct vcpu *v, const struct vmcs12 *c)
{
	struct nvmx *n = to_nvmx(v);

	to_vmcs(c, &hot_ctl);
	to_vmcs(c, &hot_guest);
	if (n->rare_dirty) {
		to_vmcs(c, &rare_ctl);
		to_vmcs(c, &rare_guest);
		n->rare_dirty = false;
	}
}

void nvmx_fields_from_vmcs02(struct vcpu *v, struct vmcs12 *c)
{
	from_vmcs(c, &hot_guest);
	to_nvmx(v)->rare_stale = true;
}

void nvmx_sync_rare(struct vcpu *v)
{
	struct nvmx *n = to_nvmx(v);

	if (!n->rare_stale)
		return;
	vmptrld((hpa_t)n->vmcs02);
	from_vmcs(n->vmcs12, &rare_guest);
	vmptrld(vmx_vmcs01(v));
	n->rare_stale = false;
}
