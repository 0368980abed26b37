// SPDX-License-Identifier: MIT
/*
 * vmcs12 field table and VMREAD/VMWRITE semantics (SDM Vol. 3C 25.11.2,
 * 31.3; Vol. 3D appendix B). Pure C: builds freestanding and hosted.
 * Context: any CPU, any state; touches only the vmcs12 it is given.
 */
#include "nested/vmcs12.h"

#include "hv/include/compiler.h"
#include "vmx/vmcs_fields.h"

/* Field width in bytes from encoding bits 14:13 (SDM Vol. 3C 25.11.2). */
#define ENC_SIZE(e)                                 \
	(VMCS_FIELD_WIDTH(e) == VMCS_WIDTH_16 ? 2 : \
	 VMCS_FIELD_WIDTH(e) == VMCS_WIDTH_32 ? 4 : \
						8)
#define ENC_FLAGS(e) \
	(VMCS_FIELD_TYPE(e) == VMCS_TYPE_EXIT_INFO ? VMCS12_F_RO : 0)

/* A table entry; a member whose size differs from the encoding's width
 * makes a negative array size, a compile error. */
#define MEMBER_SIZE(m) sizeof(((struct vmcs12 *)0)->m)
#define SIZE_OK(enc, m) \
	(0 * sizeof(char[MEMBER_SIZE(m) == ENC_SIZE(enc) ? 1 : -1]))
#define F(enc, member)                                                       \
	{                                                                    \
		enc, offsetof(struct vmcs12, member),                        \
			ENC_SIZE(enc) + SIZE_OK(enc, member), ENC_FLAGS(enc) \
	}

/* In layout order. */
static const struct vmcs12_field vmcs12_table[] = {
	F(IO_BITMAP_A, io_bitmap_a),
	F(IO_BITMAP_B, io_bitmap_b),
	F(MSR_BITMAP, msr_bitmap),
	F(VM_EXIT_MSR_STORE_ADDR, vm_exit_msr_store_addr),
	F(VM_EXIT_MSR_LOAD_ADDR, vm_exit_msr_load_addr),
	F(VM_ENTRY_MSR_LOAD_ADDR, vm_entry_msr_load_addr),
	F(TSC_OFFSET, tsc_offset),
	F(VIRTUAL_APIC_PAGE_ADDR, virtual_apic_page_addr),
	F(APIC_ACCESS_ADDR, apic_access_addr),
	F(EPT_POINTER, ept_pointer),
	F(VMREAD_BITMAP, vmread_bitmap),
	F(VMWRITE_BITMAP, vmwrite_bitmap),
	F(XSS_EXIT_BITMAP, xss_exit_bitmap),
	F(GUEST_PHYSICAL_ADDRESS, guest_physical_address),
	F(VMCS_LINK_POINTER, vmcs_link_pointer),
	F(GUEST_IA32_DEBUGCTL, guest_ia32_debugctl),
	F(GUEST_IA32_PAT, guest_ia32_pat),
	F(GUEST_IA32_EFER, guest_ia32_efer),
	F(GUEST_IA32_PERF_GLOBAL_CTRL, guest_ia32_perf_global_ctrl),
	F(GUEST_PDPTE0, guest_pdpte0),
	F(GUEST_PDPTE1, guest_pdpte1),
	F(GUEST_PDPTE2, guest_pdpte2),
	F(GUEST_PDPTE3, guest_pdpte3),
	F(HOST_IA32_PAT, host_ia32_pat),
	F(HOST_IA32_EFER, host_ia32_efer),
	F(HOST_IA32_PERF_GLOBAL_CTRL, host_ia32_perf_global_ctrl),
	F(CR0_GUEST_HOST_MASK, cr0_guest_host_mask),
	F(CR4_GUEST_HOST_MASK, cr4_guest_host_mask),
	F(CR0_READ_SHADOW, cr0_read_shadow),
	F(CR4_READ_SHADOW, cr4_read_shadow),
	F(CR3_TARGET_VALUE0, cr3_target_value0),
	F(CR3_TARGET_VALUE1, cr3_target_value1),
	F(CR3_TARGET_VALUE2, cr3_target_value2),
	F(CR3_TARGET_VALUE3, cr3_target_value3),
	F(EXIT_QUALIFICATION, exit_qualification),
	F(IO_RCX, io_rcx),
	F(IO_RSI, io_rsi),
	F(IO_RDI, io_rdi),
	F(IO_RIP, io_rip),
	F(GUEST_LINEAR_ADDRESS, guest_linear_address),
	F(GUEST_CR0, guest_cr0),
	F(GUEST_CR3, guest_cr3),
	F(GUEST_CR4, guest_cr4),
	F(GUEST_ES_BASE, guest_es_base),
	F(GUEST_CS_BASE, guest_cs_base),
	F(GUEST_SS_BASE, guest_ss_base),
	F(GUEST_DS_BASE, guest_ds_base),
	F(GUEST_FS_BASE, guest_fs_base),
	F(GUEST_GS_BASE, guest_gs_base),
	F(GUEST_LDTR_BASE, guest_ldtr_base),
	F(GUEST_TR_BASE, guest_tr_base),
	F(GUEST_GDTR_BASE, guest_gdtr_base),
	F(GUEST_IDTR_BASE, guest_idtr_base),
	F(GUEST_DR7, guest_dr7),
	F(GUEST_RSP, guest_rsp),
	F(GUEST_RIP, guest_rip),
	F(GUEST_RFLAGS, guest_rflags),
	F(GUEST_PENDING_DBG_EXCEPTIONS, guest_pending_dbg_exceptions),
	F(GUEST_SYSENTER_ESP, guest_sysenter_esp),
	F(GUEST_SYSENTER_EIP, guest_sysenter_eip),
	F(HOST_CR0, host_cr0),
	F(HOST_CR3, host_cr3),
	F(HOST_CR4, host_cr4),
	F(HOST_FS_BASE, host_fs_base),
	F(HOST_GS_BASE, host_gs_base),
	F(HOST_TR_BASE, host_tr_base),
	F(HOST_GDTR_BASE, host_gdtr_base),
	F(HOST_IDTR_BASE, host_idtr_base),
	F(HOST_IA32_SYSENTER_ESP, host_ia32_sysenter_esp),
	F(HOST_IA32_SYSENTER_EIP, host_ia32_sysenter_eip),
	F(HOST_RSP, host_rsp),
	F(HOST_RIP, host_rip),
	F(PIN_BASED_VM_EXEC_CONTROL, pin_based_vm_exec_control),
	F(CPU_BASED_VM_EXEC_CONTROL, cpu_based_vm_exec_control),
	F(EXCEPTION_BITMAP, exception_bitmap),
	F(PAGE_FAULT_ERROR_CODE_MASK, page_fault_error_code_mask),
	F(PAGE_FAULT_ERROR_CODE_MATCH, page_fault_error_code_match),
	F(CR3_TARGET_COUNT, cr3_target_count),
	F(VM_EXIT_CONTROLS, vm_exit_controls),
	F(VM_EXIT_MSR_STORE_COUNT, vm_exit_msr_store_count),
	F(VM_EXIT_MSR_LOAD_COUNT, vm_exit_msr_load_count),
	F(VM_ENTRY_CONTROLS, vm_entry_controls),
	F(VM_ENTRY_MSR_LOAD_COUNT, vm_entry_msr_load_count),
	F(VM_ENTRY_INTR_INFO, vm_entry_intr_info),
	F(VM_ENTRY_EXCEPTION_ERROR_CODE, vm_entry_exception_error_code),
	F(VM_ENTRY_INSTRUCTION_LEN, vm_entry_instruction_len),
	F(TPR_THRESHOLD, tpr_threshold),
	F(SECONDARY_VM_EXEC_CONTROL, secondary_vm_exec_control),
	F(VM_INSTRUCTION_ERROR, vm_instruction_error),
	F(VM_EXIT_REASON, vm_exit_reason),
	F(VM_EXIT_INTR_INFO, vm_exit_intr_info),
	F(VM_EXIT_INTR_ERROR_CODE, vm_exit_intr_error_code),
	F(IDT_VECTORING_INFO, idt_vectoring_info),
	F(IDT_VECTORING_ERROR_CODE, idt_vectoring_error_code),
	F(VM_EXIT_INSTRUCTION_LEN, vm_exit_instruction_len),
	F(VMX_INSTRUCTION_INFO, vmx_instruction_info),
	F(GUEST_ES_LIMIT, guest_es_limit),
	F(GUEST_CS_LIMIT, guest_cs_limit),
	F(GUEST_SS_LIMIT, guest_ss_limit),
	F(GUEST_DS_LIMIT, guest_ds_limit),
	F(GUEST_FS_LIMIT, guest_fs_limit),
	F(GUEST_GS_LIMIT, guest_gs_limit),
	F(GUEST_LDTR_LIMIT, guest_ldtr_limit),
	F(GUEST_TR_LIMIT, guest_tr_limit),
	F(GUEST_GDTR_LIMIT, guest_gdtr_limit),
	F(GUEST_IDTR_LIMIT, guest_idtr_limit),
	F(GUEST_ES_AR, guest_es_ar),
	F(GUEST_CS_AR, guest_cs_ar),
	F(GUEST_SS_AR, guest_ss_ar),
	F(GUEST_DS_AR, guest_ds_ar),
	F(GUEST_FS_AR, guest_fs_ar),
	F(GUEST_GS_AR, guest_gs_ar),
	F(GUEST_LDTR_AR, guest_ldtr_ar),
	F(GUEST_TR_AR, guest_tr_ar),
	F(GUEST_INTERRUPTIBILITY, guest_interruptibility),
	F(GUEST_ACTIVITY_STATE, guest_activity_state),
	F(GUEST_SMBASE, guest_smbase),
	F(GUEST_SYSENTER_CS, guest_sysenter_cs),
	F(HOST_IA32_SYSENTER_CS, host_ia32_sysenter_cs),
	F(VMCS_VPID, vmcs_vpid),
	F(GUEST_ES_SELECTOR, guest_es_selector),
	F(GUEST_CS_SELECTOR, guest_cs_selector),
	F(GUEST_SS_SELECTOR, guest_ss_selector),
	F(GUEST_DS_SELECTOR, guest_ds_selector),
	F(GUEST_FS_SELECTOR, guest_fs_selector),
	F(GUEST_GS_SELECTOR, guest_gs_selector),
	F(GUEST_LDTR_SELECTOR, guest_ldtr_selector),
	F(GUEST_TR_SELECTOR, guest_tr_selector),
	F(HOST_ES_SELECTOR, host_es_selector),
	F(HOST_CS_SELECTOR, host_cs_selector),
	F(HOST_SS_SELECTOR, host_ss_selector),
	F(HOST_DS_SELECTOR, host_ds_selector),
	F(HOST_FS_SELECTOR, host_fs_selector),
	F(HOST_GS_SELECTOR, host_gs_selector),
	F(HOST_TR_SELECTOR, host_tr_selector),
};

#define AR_DEFINED_BITS 0x1f0ffu /* SDM Vol. 3C 25.4.1, table 25-2 */

const struct vmcs12_field *vmcs12_fields(unsigned int *n)
{
	*n = ARRAY_SIZE(vmcs12_table);
	return vmcs12_table;
}

const struct vmcs12_field *vmcs12_field_find(u32 enc)
{
	u32 full = enc & ~1u;

	/* SDM Vol. 3C 25.11.2: bits 31:15 and 12 are reserved (must be 0);
	 * access type "high" exists only for 64-bit fields. */
	if (enc & 0xffff9000u)
		return NULL;
	if ((enc & 1) && VMCS_FIELD_WIDTH(enc) != VMCS_WIDTH_64)
		return NULL;
	for (unsigned int i = 0; i < ARRAY_SIZE(vmcs12_table); i++)
		if (vmcs12_table[i].enc == full)
			return &vmcs12_table[i];
	return NULL;
}

u32 vmcs12_max_index(void)
{
	u32 max = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(vmcs12_table); i++)
		max = MAX(max, (vmcs12_table[i].enc >> 1) & 0x1ff);
	return max;
}

static u64 field_get(const struct vmcs12 *v, const struct vmcs12_field *f)
{
	const u8 *p = (const u8 *)v + f->offset;

	switch (f->size) {
	case 2:
		return *(const u16 *)p;
	case 4:
		return *(const u32 *)p;
	default:
		return *(const u64 *)p;
	}
}

static void field_set(struct vmcs12 *v, const struct vmcs12_field *f, u64 val)
{
	u8 *p = (u8 *)v + f->offset;

	switch (f->size) {
	case 2:
		*(u16 *)p = (u16)val;
		break;
	case 4:
		*(u32 *)p = (u32)val;
		break;
	default:
		*(u64 *)p = val;
		break;
	}
}

/* SDM Vol. 3C 31.3 VMREAD: error 12 for an unsupported component. */
int vmcs12_read(const struct vmcs12 *v, u32 enc, u64 *val)
{
	const struct vmcs12_field *f = vmcs12_field_find(enc);
	u64 x;

	if (!f)
		return VMXERR_UNSUPPORTED_FIELD;
	x = field_get(v, f);
	*val = (enc & 1) ? x >> 32 : x;
	return 0;
}

static bool is_ar_field(u32 enc)
{
	return enc >= GUEST_ES_AR && enc <= GUEST_TR_AR;
}

/* SDM Vol. 3C 31.3 VMWRITE: error 12 for an unsupported component, 13
 * for a read-only one unless VMWRITE to any field is supported (IA32_VMX_MISC
 * bit 29, SDM Vol. 3D A.6). */
int vmcs12_write(struct vmcs12 *v, u32 enc, u64 val, bool write_ro_ok)
{
	const struct vmcs12_field *f = vmcs12_field_find(enc);

	if (!f)
		return VMXERR_UNSUPPORTED_FIELD;
	if ((f->flags & VMCS12_F_RO) && !write_ro_ok)
		return VMXERR_VMWRITE_RO_FIELD;
	if (enc & 1)
		val = (field_get(v, f) & 0xffffffffULL) | (val << 32);
	if (is_ar_field(f->enc))
		val &= AR_DEFINED_BITS;
	field_set(v, f, val);
	return 0;
}

/* The fields KVM-style hypervisors touch on nearly every L2 exit. */
static const u32 vmcs12_shadow_list[] = {
	/* Exit information (read-only). */
	VM_EXIT_REASON,
	EXIT_QUALIFICATION,
	VM_EXIT_INTR_INFO,
	VM_EXIT_INTR_ERROR_CODE,
	IDT_VECTORING_INFO,
	IDT_VECTORING_ERROR_CODE,
	VM_EXIT_INSTRUCTION_LEN,
	VMX_INSTRUCTION_INFO,
	GUEST_LINEAR_ADDRESS,
	GUEST_PHYSICAL_ADDRESS,
	VM_INSTRUCTION_ERROR,
	/* Guest state and the controls written per entry. */
	GUEST_RIP,
	GUEST_RSP,
	GUEST_RFLAGS,
	GUEST_CR0,
	GUEST_CR3,
	GUEST_CR4,
	GUEST_INTERRUPTIBILITY,
	GUEST_ACTIVITY_STATE,
	GUEST_CS_SELECTOR,
	GUEST_CS_AR,
	GUEST_CS_LIMIT,
	GUEST_CS_BASE,
	GUEST_SS_AR,
	GUEST_ES_BASE,
	GUEST_DS_BASE,
	GUEST_FS_BASE,
	GUEST_GS_BASE,
	GUEST_SYSENTER_CS,
	GUEST_SYSENTER_ESP,
	GUEST_SYSENTER_EIP,
	GUEST_PENDING_DBG_EXCEPTIONS,
	PIN_BASED_VM_EXEC_CONTROL,
	CPU_BASED_VM_EXEC_CONTROL,
	SECONDARY_VM_EXEC_CONTROL,
	EXCEPTION_BITMAP,
	VM_ENTRY_INTR_INFO,
	VM_ENTRY_EXCEPTION_ERROR_CODE,
	VM_ENTRY_INSTRUCTION_LEN,
	TPR_THRESHOLD,
	CR0_GUEST_HOST_MASK,
	CR0_READ_SHADOW,
	CR4_READ_SHADOW,
	TSC_OFFSET,
	HOST_FS_BASE,
	HOST_GS_BASE,
};

const u32 *vmcs12_shadow_fields(unsigned int *n)
{
	*n = ARRAY_SIZE(vmcs12_shadow_list);
	return vmcs12_shadow_list;
}
