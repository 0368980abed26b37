/* SPDX-License-Identifier: MIT */
/*
 * The VMRUN/#VMEXIT stub (svm/svm_entry.S) and the struct guest_regs
 * offsets it uses; svm/svm.c asserts them against the C layout.
 */
#ifndef MODEX_SVM_SVM_ENTRY_H
#define MODEX_SVM_SVM_ENTRY_H

#define SVM_GR_RBX 8
#define SVM_GR_RCX 16
#define SVM_GR_RDX 24
#define SVM_GR_RSI 32
#define SVM_GR_RDI 40
#define SVM_GR_RBP 48
#define SVM_GR_R8 64
#define SVM_GR_R9 72
#define SVM_GR_R10 80
#define SVM_GR_R11 88
#define SVM_GR_R12 96
#define SVM_GR_R13 104
#define SVM_GR_R14 112
#define SVM_GR_R15 120

#ifndef __ASSEMBLY__
#include "hv/vcpu.h"

/*
 * Run L1 once: VMLOAD and VMRUN the VMCB at @vmcb_pa with the GPRs in
 * @regs (RAX, RSP, RIP and RFLAGS live in the VMCB), then after #VMEXIT
 * VMSAVE it, store the GPRs back and VMLOAD Modex's own FS, GS, TR, LDTR
 * and syscall MSRs from @host_pa.
 */
void svm_enter(struct guest_regs *regs, u64 vmcb_pa, u64 host_pa);
/* The instruction after VMRUN, where Modex resumes after #VMEXIT. */
extern char svm_vmexit_point[];
#endif

#endif /* MODEX_SVM_SVM_ENTRY_H */
