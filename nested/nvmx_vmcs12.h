/* SPDX-License-Identifier: MIT */
/*
 * vmcs12: the VMCS that L1 writes with VMWRITE and reads with VMREAD, kept
 * in L1's memory (one 4 KiB page, the VMCS region L1 gave to VMPTRLD) in
 * Modex's own layout (docs/nested.md, "vmcs12 layout"). The processor's
 * VMCS format is implementation specific (SDM Vol. 3C 25.2), so any layout
 * that starts with the revision identifier and the VMX-abort indicator is
 * architectural. Owns the field table (encoding -> offset, width, access)
 * and the VMREAD/VMWRITE semantics on it; pure C, no hardware access.
 */
#ifndef MODEX_NESTED_NVMX_VMCS12_H
#define MODEX_NESTED_NVMX_VMCS12_H

#include "hv/include/types.h"

/*
 * The revision identifier Modex reports in IA32_VMX_BASIC bits 30:0 and
 * expects in the first dword of VMXON and VMCS regions (SDM Vol. 3C 25.2,
 * Vol. 3D A.1). Bit 31 is clear: it is the shadow-VMCS indicator.
 */
#define VMCS12_REVISION 0x4d44584fu /* "MDXO" with bit 31 clear */
#define VMCS12_SIZE 4096u

/* launch_state values (Modex-private, see below). */
#define VMCS12_CLEAR 0
#define VMCS12_LAUNCHED 1

/*
 * Every field sits at its natural size (16, 32 or 64 bits; natural-width
 * fields take 64 bits) and its natural alignment: 64-bit fields first, then
 * 32-bit, then 16-bit, each group in encoding order. Offsets in comments.
 */
struct vmcs12 {
	/* SDM Vol. 3C 25.2: revision identifier, then the VMX-abort
	 * indicator, at fixed offsets 0 and 4. */
	u32 revision_id; /* 0x000 */
	u32 abort; /* 0x004 */
	/* Modex-private: the launch state (VMCS12_CLEAR/LAUNCHED, SDM Vol.
	 * 3C 25.1) for VMCLEAR/VMLAUNCH/VMRESUME, and one reserved dword.
	 * Not VMCS components: VMREAD/VMWRITE cannot reach them. */
	u32 launch_state; /* 0x008 */
	u32 reserved; /* 0x00c */
	/* 64-bit control fields (SDM Vol. 3D table B-4) */
	u64 io_bitmap_a; /* 0x010 */
	u64 io_bitmap_b; /* 0x018 */
	u64 msr_bitmap; /* 0x020 */
	u64 vm_exit_msr_store_addr; /* 0x028 */
	u64 vm_exit_msr_load_addr; /* 0x030 */
	u64 vm_entry_msr_load_addr; /* 0x038 */
	u64 tsc_offset; /* 0x040 */
	u64 virtual_apic_page_addr; /* 0x048 */
	u64 apic_access_addr; /* 0x050 */
	u64 ept_pointer; /* 0x058 */
	u64 vmread_bitmap; /* 0x060 */
	u64 vmwrite_bitmap; /* 0x068 */
	u64 xss_exit_bitmap; /* 0x070 */
	/* 64-bit read-only data field (table B-5) */
	u64 guest_physical_address; /* 0x078 */
	/* 64-bit guest-state fields (table B-6) */
	u64 vmcs_link_pointer; /* 0x080 */
	u64 guest_ia32_debugctl; /* 0x088 */
	u64 guest_ia32_pat; /* 0x090 */
	u64 guest_ia32_efer; /* 0x098 */
	u64 guest_ia32_perf_global_ctrl; /* 0x0a0 */
	u64 guest_pdpte0; /* 0x0a8 */
	u64 guest_pdpte1; /* 0x0b0 */
	u64 guest_pdpte2; /* 0x0b8 */
	u64 guest_pdpte3; /* 0x0c0 */
	/* 64-bit host-state fields (table B-7) */
	u64 host_ia32_pat; /* 0x0c8 */
	u64 host_ia32_efer; /* 0x0d0 */
	u64 host_ia32_perf_global_ctrl; /* 0x0d8 */
	/* Natural-width control fields (table B-12) */
	u64 cr0_guest_host_mask; /* 0x0e0 */
	u64 cr4_guest_host_mask; /* 0x0e8 */
	u64 cr0_read_shadow; /* 0x0f0 */
	u64 cr4_read_shadow; /* 0x0f8 */
	u64 cr3_target_value0; /* 0x100 */
	u64 cr3_target_value1; /* 0x108 */
	u64 cr3_target_value2; /* 0x110 */
	u64 cr3_target_value3; /* 0x118 */
	/* Natural-width read-only data fields (table B-13) */
	u64 exit_qualification; /* 0x120 */
	u64 io_rcx; /* 0x128 */
	u64 io_rsi; /* 0x130 */
	u64 io_rdi; /* 0x138 */
	u64 io_rip; /* 0x140 */
	u64 guest_linear_address; /* 0x148 */
	/* Natural-width guest-state fields (table B-14) */
	u64 guest_cr0; /* 0x150 */
	u64 guest_cr3; /* 0x158 */
	u64 guest_cr4; /* 0x160 */
	u64 guest_es_base; /* 0x168 */
	u64 guest_cs_base; /* 0x170 */
	u64 guest_ss_base; /* 0x178 */
	u64 guest_ds_base; /* 0x180 */
	u64 guest_fs_base; /* 0x188 */
	u64 guest_gs_base; /* 0x190 */
	u64 guest_ldtr_base; /* 0x198 */
	u64 guest_tr_base; /* 0x1a0 */
	u64 guest_gdtr_base; /* 0x1a8 */
	u64 guest_idtr_base; /* 0x1b0 */
	u64 guest_dr7; /* 0x1b8 */
	u64 guest_rsp; /* 0x1c0 */
	u64 guest_rip; /* 0x1c8 */
	u64 guest_rflags; /* 0x1d0 */
	u64 guest_pending_dbg_exceptions; /* 0x1d8 */
	u64 guest_sysenter_esp; /* 0x1e0 */
	u64 guest_sysenter_eip; /* 0x1e8 */
	/* Natural-width host-state fields (table B-15) */
	u64 host_cr0; /* 0x1f0 */
	u64 host_cr3; /* 0x1f8 */
	u64 host_cr4; /* 0x200 */
	u64 host_fs_base; /* 0x208 */
	u64 host_gs_base; /* 0x210 */
	u64 host_tr_base; /* 0x218 */
	u64 host_gdtr_base; /* 0x220 */
	u64 host_idtr_base; /* 0x228 */
	u64 host_ia32_sysenter_esp; /* 0x230 */
	u64 host_ia32_sysenter_eip; /* 0x238 */
	u64 host_rsp; /* 0x240 */
	u64 host_rip; /* 0x248 */
	/* 32-bit control fields (table B-8) */
	u32 pin_based_vm_exec_control; /* 0x250 */
	u32 cpu_based_vm_exec_control; /* 0x254 */
	u32 exception_bitmap; /* 0x258 */
	u32 page_fault_error_code_mask; /* 0x25c */
	u32 page_fault_error_code_match; /* 0x260 */
	u32 cr3_target_count; /* 0x264 */
	u32 vm_exit_controls; /* 0x268 */
	u32 vm_exit_msr_store_count; /* 0x26c */
	u32 vm_exit_msr_load_count; /* 0x270 */
	u32 vm_entry_controls; /* 0x274 */
	u32 vm_entry_msr_load_count; /* 0x278 */
	u32 vm_entry_intr_info; /* 0x27c */
	u32 vm_entry_exception_error_code; /* 0x280 */
	u32 vm_entry_instruction_len; /* 0x284 */
	u32 tpr_threshold; /* 0x288 */
	u32 secondary_vm_exec_control; /* 0x28c */
	/* 32-bit read-only data fields (table B-9) */
	u32 vm_instruction_error; /* 0x290 */
	u32 vm_exit_reason; /* 0x294 */
	u32 vm_exit_intr_info; /* 0x298 */
	u32 vm_exit_intr_error_code; /* 0x29c */
	u32 idt_vectoring_info; /* 0x2a0 */
	u32 idt_vectoring_error_code; /* 0x2a4 */
	u32 vm_exit_instruction_len; /* 0x2a8 */
	u32 vmx_instruction_info; /* 0x2ac */
	/* 32-bit guest-state fields (table B-10) */
	u32 guest_es_limit; /* 0x2b0 */
	u32 guest_cs_limit; /* 0x2b4 */
	u32 guest_ss_limit; /* 0x2b8 */
	u32 guest_ds_limit; /* 0x2bc */
	u32 guest_fs_limit; /* 0x2c0 */
	u32 guest_gs_limit; /* 0x2c4 */
	u32 guest_ldtr_limit; /* 0x2c8 */
	u32 guest_tr_limit; /* 0x2cc */
	u32 guest_gdtr_limit; /* 0x2d0 */
	u32 guest_idtr_limit; /* 0x2d4 */
	u32 guest_es_ar; /* 0x2d8 */
	u32 guest_cs_ar; /* 0x2dc */
	u32 guest_ss_ar; /* 0x2e0 */
	u32 guest_ds_ar; /* 0x2e4 */
	u32 guest_fs_ar; /* 0x2e8 */
	u32 guest_gs_ar; /* 0x2ec */
	u32 guest_ldtr_ar; /* 0x2f0 */
	u32 guest_tr_ar; /* 0x2f4 */
	u32 guest_interruptibility; /* 0x2f8 */
	u32 guest_activity_state; /* 0x2fc */
	u32 guest_smbase; /* 0x300 */
	u32 guest_sysenter_cs; /* 0x304 */
	/* 32-bit host-state field (table B-11) */
	u32 host_ia32_sysenter_cs; /* 0x308 */
	/* 16-bit control field (table B-1) */
	u16 vmcs_vpid; /* 0x30c */
	/* 16-bit guest-state fields (table B-2) */
	u16 guest_es_selector; /* 0x30e */
	u16 guest_cs_selector; /* 0x310 */
	u16 guest_ss_selector; /* 0x312 */
	u16 guest_ds_selector; /* 0x314 */
	u16 guest_fs_selector; /* 0x316 */
	u16 guest_gs_selector; /* 0x318 */
	u16 guest_ldtr_selector; /* 0x31a */
	u16 guest_tr_selector; /* 0x31c */
	/* 16-bit host-state fields (table B-3) */
	u16 host_es_selector; /* 0x31e */
	u16 host_cs_selector; /* 0x320 */
	u16 host_ss_selector; /* 0x322 */
	u16 host_ds_selector; /* 0x324 */
	u16 host_fs_selector; /* 0x326 */
	u16 host_gs_selector; /* 0x328 */
	u16 host_tr_selector; /* 0x32a */
};

_Static_assert(offsetof(struct vmcs12, revision_id) == 0, "vmcs12");
_Static_assert(offsetof(struct vmcs12, abort) == 4, "vmcs12");
_Static_assert(offsetof(struct vmcs12, launch_state) == 8, "vmcs12");
_Static_assert(offsetof(struct vmcs12, io_bitmap_a) == 0x10, "vmcs12");
_Static_assert(offsetof(struct vmcs12, cr0_guest_host_mask) == 0xe0, "vmcs12");
_Static_assert(offsetof(struct vmcs12, pin_based_vm_exec_control) == 0x250,
	       "vmcs12");
_Static_assert(offsetof(struct vmcs12, vmcs_vpid) == 0x30c, "vmcs12");
_Static_assert(sizeof(struct vmcs12) == 0x330, "vmcs12");
_Static_assert(sizeof(struct vmcs12) <= VMCS12_SIZE, "vmcs12 fits its page");

/* One supported VMCS component (SDM Vol. 3D appendix B). */
struct vmcs12_field {
	u32 enc; /* the full (bit 0 clear) encoding */
	u16 offset; /* in struct vmcs12 */
	u8 size; /* 2, 4 or 8 bytes */
	u8 flags; /* VMCS12_F_* */
};

/* Read-only: an exit-information field (encoding type 1, SDM Vol. 3C
 * 25.11.2); VMWRITE fails with error 13 unless IA32_VMX_MISC bit 29. */
#define VMCS12_F_RO 0x01

/* VM-instruction error numbers (SDM Vol. 3C 31.4, table 31-1). */
#define VMXERR_VMCALL_IN_ROOT 1
#define VMXERR_VMCLEAR_INVALID_ADDR 2
#define VMXERR_VMCLEAR_VMXON_PTR 3
#define VMXERR_VMLAUNCH_NONCLEAR 4
#define VMXERR_VMRESUME_NONLAUNCHED 5
#define VMXERR_VMRESUME_AFTER_VMXOFF 6
#define VMXERR_ENTRY_INVALID_CONTROL 7
#define VMXERR_ENTRY_INVALID_HOST_STATE 8
#define VMXERR_VMPTRLD_INVALID_ADDR 9
#define VMXERR_VMPTRLD_VMXON_PTR 10
#define VMXERR_VMPTRLD_BAD_REVISION 11
#define VMXERR_UNSUPPORTED_FIELD 12
#define VMXERR_VMWRITE_RO_FIELD 13
#define VMXERR_VMXON_IN_ROOT 15
#define VMXERR_ENTRY_INVALID_EXEC_PTR 16
#define VMXERR_ENTRY_NONLAUNCHED_EXEC 17
#define VMXERR_ENTRY_EXEC_PTR_NOT_VMXON 18
#define VMXERR_VMCALL_NONCLEAR 19
#define VMXERR_VMCALL_INVALID_EXIT_CTL 20
#define VMXERR_VMCALL_BAD_MSEG_REV 22
#define VMXERR_VMXOFF_DUAL_MONITOR 23
#define VMXERR_VMCALL_INVALID_SMM 24
#define VMXERR_ENTRY_INVALID_EXEC_CTL 25
#define VMXERR_ENTRY_MOV_SS 26
#define VMXERR_INVEPT_INVVPID_INVALID 28

/*
 * The supported component with encoding @enc, or NULL (VMREAD/VMWRITE
 * fail with error 12). The high-access encoding of a 64-bit field (bit 0
 * set) finds that field and means its bits 63:32; bit 0 set on a 16-bit,
 * 32-bit or natural-width encoding is unsupported (SDM Vol. 3C 25.11.2).
 */
const struct vmcs12_field *vmcs12_field_find(u32 enc);

/* The highest index (encoding bits 9:1) of any supported field, for
 * IA32_VMX_VMCS_ENUM bits 9:1 (SDM Vol. 3D A.9). */
u32 vmcs12_max_index(void);

/* The value of field @f in @v (zero-extended), and its store (truncated
 * to the field's width): no checks, for copies of known fields. */
static inline u64 vmcs12_get(const struct vmcs12 *v,
			     const struct vmcs12_field *f)
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

static inline void vmcs12_put(struct vmcs12 *v, const struct vmcs12_field *f,
			      u64 val)
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

/* All supported fields, in layout order (for tests and bulk copies). */
const struct vmcs12_field *vmcs12_fields(unsigned int *n);

/*
 * VMREAD and VMWRITE on vmcs12: 0, or the VM-instruction error (12 for
 * an unsupported component, 13 for a VMWRITE to a read-only one unless
 * @write_ro_ok, i.e. IA32_VMX_MISC bit 29 is advertised). A full access
 * reads the field zero-extended to 64 bits and stores @val truncated to
 * the field's width; a high access (bit 0 set, 64-bit fields) reads bits
 * 63:32 into bits 31:0 and writes bits 31:0 of @val into bits 63:32.
 * A 64-bit register operand with bits 63:32 set names no component: the
 * caller answers error 12 itself (as KVM does) rather than truncate.
 * The caller applies the operand size (SDM Vol. 3C 31.3 VMREAD/VMWRITE):
 * outside 64-bit mode it passes a zero-extended 32-bit value to
 * vmcs12_write() and keeps the low 32 bits of what vmcs12_read() returns.
 * The access-rights fields are stored whole: VM entry rejects their
 * reserved bits 11:8 and 31:17 (SDM Vol. 3C 27.3.1.2).
 */
int vmcs12_read(const struct vmcs12 *v, u32 enc, u64 *val);
int vmcs12_write(struct vmcs12 *v, u32 enc, u64 val, bool write_ro_ok);

/*
 * Fields for VMCS shadowing (SDM Vol. 3C 25.10): the common guest-state,
 * control and exit-information fields L1 touches on most exits, which
 * then need no VM exit. Full encodings only: high-access VMREAD/VMWRITE
 * still exit. @n gets the count.
 */
const u32 *vmcs12_shadow_fields(unsigned int *n);

#endif /* MODEX_NESTED_NVMX_VMCS12_H */
