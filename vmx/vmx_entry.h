/* SPDX-License-Identifier: MIT */
/*
 * The VM-entry/exit stub (vmx/vmx_entry.S) and the struct guest_regs
 * offsets it uses; vmx/vmx.c asserts them against the C layout.
 */
#ifndef MODEX_VMX_VMX_ENTRY_H
#define MODEX_VMX_VMX_ENTRY_H

#define GR_RAX 0
#define GR_RBX 8
#define GR_RCX 16
#define GR_RDX 24
#define GR_RSI 32
#define GR_RDI 40
#define GR_RBP 48
#define GR_R8 64
#define GR_R9 72
#define GR_R10 80
#define GR_R11 88
#define GR_R12 96
#define GR_R13 104
#define GR_R14 112
#define GR_R15 120

#define VMX_HOST_RSP_FIELD 0x6c14 /* HOST_RSP, vmx/vmcs_fields.h */

#ifndef __ASSEMBLY__
#include "hv/vcpu.h"

/*
 * Enter the guest with the GPRs in @regs (RSP, RIP and RFLAGS live in the
 * VMCS) by VMLAUNCH (@launched false) or VMRESUME. Returns 0 after a VM
 * exit with @regs holding the guest's GPRs, or VMX_FAIL_VALID /
 * VMX_FAIL_INVALID when the instruction itself failed (@regs unchanged).
 */
int vmx_enter(struct guest_regs *regs, bool launched);
/* HOST_RIP: where every VM exit lands. */
void vmx_exit_point(void);
#endif

#endif /* MODEX_VMX_VMX_ENTRY_H */
