/* SPDX-License-Identifier: MIT */
/*
 * The VMX backend's private state and the interface between its files:
 * vmx/vmx.c (probe, VMXON, VMCS01 load, entry), vmx/vmx_exit.c (exit
 * decoding, CR emulation, failure reports). Generic code sees only
 * vmx_ops (hv/vendor.h).
 */
#ifndef MODEX_VMX_VMX_H
#define MODEX_VMX_VMX_H

#include "hv/vcpu.h"
#include "vmx/vmcs_build.h"
#include "vmx/vmx_asm.h"

struct vmx_vcpu {
	struct vmx_caps caps;
	u64 eptp;
	bool launched; /* VMCS01 */
	bool launched02; /* VMCS02 (nested/nvmx_entry.c switches to it) */
	bool mbec, vpid;
};

static inline struct vmx_vcpu *to_vmx(struct vcpu *v)
{
	return v->vendor;
}

/* Read the raw capability MSRs (SDM Vol. 3D appendix A). */
void vmx_read_caps(struct vmx_caps *c);

/* Decode the current VM exit into v->exit (vmx/vmx_exit.c). Returns true
 * when the exit was handled inside the backend (CR0/CR3/CR4 accesses, the
 * VMX-specific part of the guest's view) and L1 can be resumed at once. */
bool vmx_decode_exit(struct vcpu *v);
/* Report a failed VMLAUNCH/VMRESUME (VMfail) with the VM-instruction error
 * and the fields it concerns; fills v->exit as EXIT_R_ENTRY_FAIL. */
void vmx_report_vmfail(struct vcpu *v, int status);
void vmx_dump(struct vcpu *v);
/* What MOV from CR0/CR4 returns to L1: the bits Modex owns (mask) come
 * from the read shadow, the rest from the register (SDM Vol. 3C 26.3). */
static inline u64 vmx_cr_l1_view(u32 real, u32 shadow, u32 mask_field)
{
	u64 mask = vmread(mask_field);

	return (vmread(real) & ~mask) | (vmread(shadow) & mask);
}
/* Drop L1's cached translations (INVEPT for its EPTP). */
void vmx_flush_tlb(struct vcpu *v);
void vmx_inject_exception(struct vcpu *v, u8 vector, bool has_error,
			  u32 error_code);
void vmx_clear_interrupt_shadow(struct vcpu *v);
void vmx_queue_single_step(struct vcpu *v);
u64 vmx_read_debugctl(struct vcpu *v);
unsigned int vmx_code_bits(struct vcpu *v);

/* Modex's own MSR bitmap and I/O bitmaps A (0) and B (1), which every
 * VMCS that runs a guest of Modex's must at least intercept. */
const u8 *vmx_modex_msr_bitmap(void);
/* This CPU's VMCS01 region (for VMPTRLD when L2's VMCS was current). */
hpa_t vmx_vmcs01(struct vcpu *v);
const u8 *vmx_modex_io_bitmap(int which);

#endif /* MODEX_VMX_VMX_H */
