// SPDX-License-Identifier: MIT
/*
 * vmcs12 field table and VMREAD/VMWRITE semantics (SDM Vol. 3C 25.11.2,
 * 31.3; Vol. 3D appendix B). Pure C: builds freestanding and hosted.
 * Context: any CPU, any state; touches only the vmcs12 it is given.
 */
#include "nested/nvmx_vmcs12.h"

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

/* Every supported field, in layout order: X(encoding, member). */
#define VMCS12_FIELDS(X)                                                \
	X(IO_BITMAP_A, io_bitmap_a)                                     \
	X(IO_BITMAP_B, io_bitmap_b)                                     \
	X(MSR_BITMAP, msr_bitmap)                                       \
	X(VM_EXIT_MSR_STORE_ADDR, vm_exit_msr_store_addr)               \
	X(VM_EXIT_MSR_LOAD_ADDR, vm_exit_msr_load_addr)                 \
	X(VM_ENTRY_MSR_LOAD_ADDR, vm_entry_msr_load_addr)               \
	X(TSC_OFFSET, tsc_offset)                                       \
	X(VIRTUAL_APIC_PAGE_ADDR, virtual_apic_page_addr)               \
	X(APIC_ACCESS_ADDR, apic_access_addr)                           \
	X(EPT_POINTER, ept_pointer)                                     \
	X(VMREAD_BITMAP, vmread_bitmap)                                 \
	X(VMWRITE_BITMAP, vmwrite_bitmap)                               \
	X(XSS_EXIT_BITMAP, xss_exit_bitmap)                             \
	X(GUEST_PHYSICAL_ADDRESS, guest_physical_address)               \
	X(VMCS_LINK_POINTER, vmcs_link_pointer)                         \
	X(GUEST_IA32_DEBUGCTL, guest_ia32_debugctl)                     \
	X(GUEST_IA32_PAT, guest_ia32_pat)                               \
	X(GUEST_IA32_EFER, guest_ia32_efer)                             \
	X(GUEST_IA32_PERF_GLOBAL_CTRL, guest_ia32_perf_global_ctrl)     \
	X(GUEST_PDPTE0, guest_pdpte0)                                   \
	X(GUEST_PDPTE1, guest_pdpte1)                                   \
	X(GUEST_PDPTE2, guest_pdpte2)                                   \
	X(GUEST_PDPTE3, guest_pdpte3)                                   \
	X(HOST_IA32_PAT, host_ia32_pat)                                 \
	X(HOST_IA32_EFER, host_ia32_efer)                               \
	X(HOST_IA32_PERF_GLOBAL_CTRL, host_ia32_perf_global_ctrl)       \
	X(CR0_GUEST_HOST_MASK, cr0_guest_host_mask)                     \
	X(CR4_GUEST_HOST_MASK, cr4_guest_host_mask)                     \
	X(CR0_READ_SHADOW, cr0_read_shadow)                             \
	X(CR4_READ_SHADOW, cr4_read_shadow)                             \
	X(CR3_TARGET_VALUE0, cr3_target_value0)                         \
	X(CR3_TARGET_VALUE1, cr3_target_value1)                         \
	X(CR3_TARGET_VALUE2, cr3_target_value2)                         \
	X(CR3_TARGET_VALUE3, cr3_target_value3)                         \
	X(EXIT_QUALIFICATION, exit_qualification)                       \
	X(IO_RCX, io_rcx)                                               \
	X(IO_RSI, io_rsi)                                               \
	X(IO_RDI, io_rdi)                                               \
	X(IO_RIP, io_rip)                                               \
	X(GUEST_LINEAR_ADDRESS, guest_linear_address)                   \
	X(GUEST_CR0, guest_cr0)                                         \
	X(GUEST_CR3, guest_cr3)                                         \
	X(GUEST_CR4, guest_cr4)                                         \
	X(GUEST_ES_BASE, guest_es_base)                                 \
	X(GUEST_CS_BASE, guest_cs_base)                                 \
	X(GUEST_SS_BASE, guest_ss_base)                                 \
	X(GUEST_DS_BASE, guest_ds_base)                                 \
	X(GUEST_FS_BASE, guest_fs_base)                                 \
	X(GUEST_GS_BASE, guest_gs_base)                                 \
	X(GUEST_LDTR_BASE, guest_ldtr_base)                             \
	X(GUEST_TR_BASE, guest_tr_base)                                 \
	X(GUEST_GDTR_BASE, guest_gdtr_base)                             \
	X(GUEST_IDTR_BASE, guest_idtr_base)                             \
	X(GUEST_DR7, guest_dr7)                                         \
	X(GUEST_RSP, guest_rsp)                                         \
	X(GUEST_RIP, guest_rip)                                         \
	X(GUEST_RFLAGS, guest_rflags)                                   \
	X(GUEST_PENDING_DBG_EXCEPTIONS, guest_pending_dbg_exceptions)   \
	X(GUEST_SYSENTER_ESP, guest_sysenter_esp)                       \
	X(GUEST_SYSENTER_EIP, guest_sysenter_eip)                       \
	X(HOST_CR0, host_cr0)                                           \
	X(HOST_CR3, host_cr3)                                           \
	X(HOST_CR4, host_cr4)                                           \
	X(HOST_FS_BASE, host_fs_base)                                   \
	X(HOST_GS_BASE, host_gs_base)                                   \
	X(HOST_TR_BASE, host_tr_base)                                   \
	X(HOST_GDTR_BASE, host_gdtr_base)                               \
	X(HOST_IDTR_BASE, host_idtr_base)                               \
	X(HOST_IA32_SYSENTER_ESP, host_ia32_sysenter_esp)               \
	X(HOST_IA32_SYSENTER_EIP, host_ia32_sysenter_eip)               \
	X(HOST_RSP, host_rsp)                                           \
	X(HOST_RIP, host_rip)                                           \
	X(PIN_BASED_VM_EXEC_CONTROL, pin_based_vm_exec_control)         \
	X(CPU_BASED_VM_EXEC_CONTROL, cpu_based_vm_exec_control)         \
	X(EXCEPTION_BITMAP, exception_bitmap)                           \
	X(PAGE_FAULT_ERROR_CODE_MASK, page_fault_error_code_mask)       \
	X(PAGE_FAULT_ERROR_CODE_MATCH, page_fault_error_code_match)     \
	X(CR3_TARGET_COUNT, cr3_target_count)                           \
	X(VM_EXIT_CONTROLS, vm_exit_controls)                           \
	X(VM_EXIT_MSR_STORE_COUNT, vm_exit_msr_store_count)             \
	X(VM_EXIT_MSR_LOAD_COUNT, vm_exit_msr_load_count)               \
	X(VM_ENTRY_CONTROLS, vm_entry_controls)                         \
	X(VM_ENTRY_MSR_LOAD_COUNT, vm_entry_msr_load_count)             \
	X(VM_ENTRY_INTR_INFO, vm_entry_intr_info)                       \
	X(VM_ENTRY_EXCEPTION_ERROR_CODE, vm_entry_exception_error_code) \
	X(VM_ENTRY_INSTRUCTION_LEN, vm_entry_instruction_len)           \
	X(TPR_THRESHOLD, tpr_threshold)                                 \
	X(SECONDARY_VM_EXEC_CONTROL, secondary_vm_exec_control)         \
	X(VM_INSTRUCTION_ERROR, vm_instruction_error)                   \
	X(VM_EXIT_REASON, vm_exit_reason)                               \
	X(VM_EXIT_INTR_INFO, vm_exit_intr_info)                         \
	X(VM_EXIT_INTR_ERROR_CODE, vm_exit_intr_error_code)             \
	X(IDT_VECTORING_INFO, idt_vectoring_info)                       \
	X(IDT_VECTORING_ERROR_CODE, idt_vectoring_error_code)           \
	X(VM_EXIT_INSTRUCTION_LEN, vm_exit_instruction_len)             \
	X(VMX_INSTRUCTION_INFO, vmx_instruction_info)                   \
	X(GUEST_ES_LIMIT, guest_es_limit)                               \
	X(GUEST_CS_LIMIT, guest_cs_limit)                               \
	X(GUEST_SS_LIMIT, guest_ss_limit)                               \
	X(GUEST_DS_LIMIT, guest_ds_limit)                               \
	X(GUEST_FS_LIMIT, guest_fs_limit)                               \
	X(GUEST_GS_LIMIT, guest_gs_limit)                               \
	X(GUEST_LDTR_LIMIT, guest_ldtr_limit)                           \
	X(GUEST_TR_LIMIT, guest_tr_limit)                               \
	X(GUEST_GDTR_LIMIT, guest_gdtr_limit)                           \
	X(GUEST_IDTR_LIMIT, guest_idtr_limit)                           \
	X(GUEST_ES_AR, guest_es_ar)                                     \
	X(GUEST_CS_AR, guest_cs_ar)                                     \
	X(GUEST_SS_AR, guest_ss_ar)                                     \
	X(GUEST_DS_AR, guest_ds_ar)                                     \
	X(GUEST_FS_AR, guest_fs_ar)                                     \
	X(GUEST_GS_AR, guest_gs_ar)                                     \
	X(GUEST_LDTR_AR, guest_ldtr_ar)                                 \
	X(GUEST_TR_AR, guest_tr_ar)                                     \
	X(GUEST_INTERRUPTIBILITY, guest_interruptibility)               \
	X(GUEST_ACTIVITY_STATE, guest_activity_state)                   \
	X(GUEST_SMBASE, guest_smbase)                                   \
	X(GUEST_SYSENTER_CS, guest_sysenter_cs)                         \
	X(HOST_IA32_SYSENTER_CS, host_ia32_sysenter_cs)                 \
	X(VMCS_VPID, vmcs_vpid)                                         \
	X(GUEST_ES_SELECTOR, guest_es_selector)                         \
	X(GUEST_CS_SELECTOR, guest_cs_selector)                         \
	X(GUEST_SS_SELECTOR, guest_ss_selector)                         \
	X(GUEST_DS_SELECTOR, guest_ds_selector)                         \
	X(GUEST_FS_SELECTOR, guest_fs_selector)                         \
	X(GUEST_GS_SELECTOR, guest_gs_selector)                         \
	X(GUEST_LDTR_SELECTOR, guest_ldtr_selector)                     \
	X(GUEST_TR_SELECTOR, guest_tr_selector)                         \
	X(HOST_ES_SELECTOR, host_es_selector)                           \
	X(HOST_CS_SELECTOR, host_cs_selector)                           \
	X(HOST_SS_SELECTOR, host_ss_selector)                           \
	X(HOST_DS_SELECTOR, host_ds_selector)                           \
	X(HOST_FS_SELECTOR, host_fs_selector)                           \
	X(HOST_GS_SELECTOR, host_gs_selector)                           \
	X(HOST_TR_SELECTOR, host_tr_selector)

static const struct vmcs12_field vmcs12_table[] = {
#define LAYOUT(enc, member) F(enc, member),
	VMCS12_FIELDS(LAYOUT)
#undef LAYOUT
};

/*
 * The same fields indexed by their encoding's width, type and index
 * (bits 14:13, 11:10 and 9:1; every index Modex supports is below 32):
 * VMREAD and VMWRITE find a field in one step. Empty slots have size 0.
 */
#define SLOT(enc)                                                     \
	((VMCS_FIELD_WIDTH(enc) << 7) | (VMCS_FIELD_TYPE(enc) << 5) | \
	 (((enc) >> 1) & 0x1ff))
#define INDEX_OK(enc) (0 * sizeof(char[(((enc) >> 1) & 0x1ff) < 32 ? 1 : -1]))
static const struct vmcs12_field vmcs12_by_slot[512] = {
#define BY_SLOT(enc, member) [SLOT(enc) + INDEX_OK(enc)] = F(enc, member),
	VMCS12_FIELDS(BY_SLOT)
#undef BY_SLOT
};

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
	if (((full >> 1) & 0x1ff) >= 32 || !vmcs12_by_slot[SLOT(full)].size ||
	    vmcs12_by_slot[SLOT(full)].enc != full)
		return NULL;
	return &vmcs12_by_slot[SLOT(full)];
}

u32 vmcs12_max_index(void)
{
	u32 max = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(vmcs12_table); i++)
		max = MAX(max, (vmcs12_table[i].enc >> 1) & 0x1ff);
	return max;
}

/* SDM Vol. 3C 31.3 VMREAD: error 12 for an unsupported component. */
int vmcs12_read(const struct vmcs12 *v, u32 enc, u64 *val)
{
	const struct vmcs12_field *f = vmcs12_field_find(enc);
	u64 x;

	if (!f)
		return VMXERR_UNSUPPORTED_FIELD;
	x = vmcs12_get(v, f);
	*val = (enc & 1) ? x >> 32 : x;
	return 0;
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
		val = (vmcs12_get(v, f) & 0xffffffffULL) | (val << 32);
	/* Access rights are stored whole: their reserved bits (11:8,
	 * 31:17) are the VM entry's to reject (SDM Vol. 3C 27.3.1.2). */
	vmcs12_put(v, f, val);
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
	HOST_RSP,
};

const u32 *vmcs12_shadow_fields(unsigned int *n)
{
	*n = ARRAY_SIZE(vmcs12_shadow_list);
	return vmcs12_shadow_list;
}
