/* SPDX-License-Identifier: MIT */
/*
 * Nested VMX, the VMX half of nested/: the per-vCPU state and the interface
 * between its files.
 *  - nested/nvmx.c: L1's VMX operation: CPUID, IA32_FEATURE_CONTROL and
 *    the capability MSRs, VMXON, VMXOFF, VMCLEAR, VMPTRLD, VMPTRST,
 *    VMREAD, VMWRITE, INVEPT, INVVPID.
 *  - nested/nvmx_mem.c: L1's memory as these instructions reach it: the
 *    memory operand (VMX instruction information), L1's paging, L1's RAM.
 *  - nested/nvmx_entry.c: VMLAUNCH/VMRESUME: the checks, vmcs02 from
 *    vmcs12, a failed entry.
 *  - nested/nvmx_exit.c: L2's exits: L1's or Modex's, the emulated VM exit
 *    into L1, nested EPT faults.
 * Names follow KVM: vmcs12 is what L1 wrote (nested/nvmx_vmcs12.h), vmcs02 the
 * hardware VMCS that runs L2, vmcs01 L1's own (vmx/).
 * Context: the exit path of each CPU's own vCPU; VMCS01 or VMCS02 current.
 */
#ifndef MODEX_NESTED_NVMX_H
#define MODEX_NESTED_NVMX_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"
#include "hv/vcpu.h"
#include "nested/nvmx_caps.h"
#include "nested/shadow.h"
#include "nested/nvmx_vmcs12.h"

#define NVMX_NO_VMCS (~0ULL) /* the current-VMCS pointer when there is none */
/* Modex's VPID for every L2 of L1 (VMCS01 runs L1 on VPID 1). */
#define NVMX_VPID02 2
/* Shadow table pages each vCPU may hold for EPT02 (bounded cache). */
#define NVMX_SHADOW_PAGES 512

#ifndef X86_UD
#define X86_UD 6
#endif
#ifndef X86_GP
#define X86_GP 13
#endif

struct nvmx {
	bool vmxon; /* L1 is in VMX operation */
	gpa_t vmxon_ptr;
	gpa_t current; /* L1's current-VMCS pointer, or NVMX_NO_VMCS */
	u64 feature_control; /* L1's IA32_FEATURE_CONTROL */
	struct vmcs12 *vmcs12; /* Modex's copy of the current vmcs12 */
	void *vmcs02; /* the hardware VMCS for L2 */
	u8 *msr_bitmap02; /* L1's MSR bitmap OR Modex's */
	u8 *io_bitmap02; /* two pages: L1's I/O bitmaps OR Modex's */
	bool vmcs02_launched; /* hardware launch state of vmcs02 */
	u32 entry_insn_len; /* VMLAUNCH/VMRESUME, for a failed entry */
	u16 vpid12_last; /* vmcs12's VPID at the last entry (0: none) */
	struct shadow_cache *shadow; /* EPT02 roots (nested/shadow.h) */
	struct shadow_env shadow_env;
	struct shadow_role role; /* of the current EPT12 */
	u64 eptp02;
	/* VMCS shadowing for L1 (nested/nvmx_vmcs_shadow.c). */
	void *shadow_vmcs;
	u8 *vmread_bitmap, *vmwrite_bitmap;
	bool shadowing; /* the CPU has it and vmcs_shadow=on */
	bool shadow_live; /* VMCS01 runs L1 with the shadow attached */
	/* nested/nvmx_fields.c: vmcs02's rare fields need vmcs12's values;
	 * vmcs12's rare guest fields need vmcs02's. */
	bool rare_dirty, rare_stale;
};

static inline struct nvmx *to_nvmx(struct vcpu *v)
{
	return v->nested.priv;
}

/* The capability MSRs L1 sees (computed once, nested/nvmx.c). */
extern struct nvmx_caps nvmx_caps;

/* ---- nested/nvmx.c */
/* VMsucceed / VMfailInvalid / VMfailValid(err) (SDM Vol. 3C 31.2) and
 * the end of the instruction (its length from the exit). */
void nvmx_succeed(struct vcpu *v);
void nvmx_fail(struct vcpu *v, u32 err);
void nvmx_fail_invalid(struct vcpu *v);
/* Flush this CPU's EPT02 translations (INVEPT the CPU has). */
void nvmx_flush_ept02(struct vcpu *v);
/* Flush the translations tagged with @vpid (INVVPID the CPU has). */
void nvmx_flush_vpid(struct vcpu *v, u16 vpid);
/* Write back Modex's copy of the current vmcs12 into L1's memory. */
void nvmx_flush_vmcs12(struct vcpu *v);

/* ---- nested/nvmx_mem.c */
/* L1's RAM: [gpa, gpa+len) is entirely L1's memory (never Modex's). */
bool nvmx_l1_ram(gpa_t gpa, u64 len);
/* Copy from/to L1 RAM by guest-physical address; false if it is not. */
bool nvmx_read_gpa(gpa_t gpa, void *buf, u32 len);
bool nvmx_write_gpa(gpa_t gpa, const void *buf, u32 len);

/* The memory operand of the exiting VMX instruction (SDM Vol. 3C 28.2.5). */
struct nvmx_operand {
	bool is_reg; /* VMREAD/VMWRITE: a register operand (info bit 10) */
	u8 reg; /* the register (is_reg) */
	u8 reg2; /* bits 31:28: VMREAD/VMWRITE field, INVEPT/INVVPID type */
	gva_t la; /* the linear address (!is_reg) */
};
/* Decode; false if L1 got an exception (#GP/#SS for a bad address). */
bool nvmx_decode_operand(struct vcpu *v, struct nvmx_operand *op, u32 size);
/* Read or write @len bytes at L1 linear address @la through L1's paging;
 * false if L1 got the fault (#PF) instead. */
bool nvmx_read_linear(struct vcpu *v, gva_t la, void *buf, u32 len);
bool nvmx_write_linear(struct vcpu *v, gva_t la, const void *buf, u32 len);

/* ---- nested/nvmx_entry.c */
/* Write Modex's host state into the (clear) vmcs02; VMCS01 current. */
void nvmx_vmcs02_host_init(struct vcpu *v);
/* VMLAUNCH (@launch) or VMRESUME after the checks of nvmx.c. */
void nvmx_enter_l2(struct vcpu *v, bool launch);
/* The hardware refused vmcs02 (v->exit: EXIT_R_ENTRY_FAIL, VMfail). */
void nvmx_entry_failed(struct vcpu *v);

/* Fill vmcs02's MSR bitmap page once (all ones). */
void nvmx_msr_bitmap02_init(u8 *bitmap);
/* ---- nested/nvmx_fields.c */
/* Sort the copied fields into hot and rare, once at boot. */
void nvmx_fields_init(void);
/* Entry: the hot fields, and the rare ones when rare_dirty. */
void nvmx_fields_to_vmcs02(struct vcpu *v, const struct vmcs12 *c);
/* Exit: the hot guest fields; the rare ones stay in vmcs02 (rare_stale). */
void nvmx_fields_from_vmcs02(struct vcpu *v, struct vmcs12 *c);
/* Bring vmcs12's rare guest fields up to date (VMCS01 current). */
void nvmx_sync_rare(struct vcpu *v);

/* ---- nested/nvmx_vmcs_shadow.c */
/* Set up (again after INIT) VMCS shadowing for L1, pages from @alloc;
 * 0 or -1 (no memory). Shadowing stays off without the CPU's support. */
int nvmx_vmcs_shadow_init(struct vcpu *v, void *(*alloc)(size_t));
/* Which fields are shadowed, from the CPU's capabilities; once. */
void nvmx_vmcs_shadow_fields_init(const struct vmx_caps *hw);
/* The shadow VMCS's fields into Modex's vmcs12 (before Modex reads it)
 * and back (after Modex changed it: @exit_only, a VM exit, changes only
 * exit information, guest state and the entry interruption); nothing
 * unless the shadow is live. */
void nvmx_vmcs_shadow_pull(struct vcpu *v);
void nvmx_vmcs_shadow_push(struct vcpu *v, bool exit_only);
/* Attach the shadow to VMCS01 for the current vmcs12 (filling it), or
 * detach it when L1 has no current VMCS. */
void nvmx_vmcs_shadow_attach(struct vcpu *v, bool on);

/* ---- nested/nvmx_msr.c */
/* Load or store @count entries of an MSR list at L1 address @list, on
 * the current VMCS: 0, or the 1-based index of the entry that failed. */
u32 nvmx_load_msrs(struct vcpu *v, gpa_t list, u32 count);
u32 nvmx_store_msrs(struct vcpu *v, gpa_t list, u32 count);
/* L2's RDMSR/WRMSR that L1 lets through: performed as L1's own access
 * would be; false for #GP. */
bool nvmx_msr_read(struct vcpu *v, u32 msr, u64 *val);
bool nvmx_msr_write(struct vcpu *v, u32 msr, u64 val);

/* ---- nested/nvmx_exit.c */
int nvmx_shadow_init(struct vcpu *v);
/* The nested MMU role of vmcs12's EPT12 (EPT format with L1's MBEC and
 * execute-only setting; the shadow's format is EPT01's). */
void nvmx_shadow_role(struct vcpu *v, const struct vmcs12 *c,
		      struct shadow_role *r);
/* The VM exit's load of L1's host state from vmcs12 into VMCS01, which
 * it makes current (SDM Vol. 3C 28.5). What the exit keeps (parts of
 * CR0, EFER and PAT) comes from the VMCS current before it. */
void nvmx_load_host_state(struct vcpu *v, struct vmcs12 *c);
/* ---- nested/nvmx_ept.c */
/* An EPT violation or misconfiguration of L2 with EPT12 on. */
bool nvmx_ept_exit(struct vcpu *v);
bool nvmx_l2_exit(struct vcpu *v);
void nvmx_pre_entry(struct vcpu *v);
/* After Modex completed an instruction of L2 (monitor trap flag). */
void nvmx_l2_emulated(struct vcpu *v);
void nvmx_l2_handled(struct vcpu *v);
/* Emulate a VM exit from L2 into L1 with these exit fields (SDM Vol. 3C
 * 28.2); the rest of the exit information comes from vmcs02. */
void nvmx_reflect(struct vcpu *v, u32 reason, u64 qual);
/* Drop every EPT02 (EPT01 changed, or INVEPT all-context). */
void nvmx_shadow_flush_all(struct vcpu *v);

#endif /* MODEX_NESTED_NVMX_H */
