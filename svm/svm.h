/* SPDX-License-Identifier: MIT */
/*
 * The SVM backend's private state and the interface between its files:
 * svm/svm.c (probe, EFER.SVME, host save area, VMCB01 load, run),
 * svm/svm_exit.c (exit decoding, event injection, instruction lengths,
 * guest dump). Generic code sees only svm_ops (hv/vendor.h).
 */
#ifndef MODEX_SVM_SVM_H
#define MODEX_SVM_SVM_H

#include "hv/features.h"
#include "hv/insn_decode.h"
#include "hv/vcpu.h"
#include "mm/gwalk.h"
#include "mm/perm.h"
#include "mm/pt_format.h"
#include "svm/vmcb.h"

struct svm_vcpu {
	struct vmcb *vmcb; /* VMCB01, identity-mapped */
	hpa_t vmcb_pa;
	bool gmet, nrips;
	struct pt_format npt_fmt; /* NPT01's format */
	struct perm_table npt_perm; /* its permission table */
	/* L1's paging mode for instruction fetches, cached: building it
	 * computes a permission table (thousands of instructions). */
	struct gwalk_mode fetch_mode;
	u64 fetch_mode_key[4]; /* CR0, CR3, CR4, EFER it was built for */
	bool fetch_mode_valid;
};

static inline struct svm_vcpu *to_svm(struct vcpu *v)
{
	return v->vendor;
}

extern struct svm_features svm_feat;

/* Decode the current #VMEXIT into v->exit. (svm/svm_exit.c) Returns true
 * when the backend handled it itself and L1 can be resumed at once. */
bool svm_decode_exit(struct vcpu *v);
void svm_inject_exception(struct vcpu *v, u8 vector, bool has_error,
			  u32 error_code);
void svm_clear_interrupt_shadow(struct vcpu *v);
void svm_queue_single_step(struct vcpu *v);
bool svm_stray_host_db(u64 rip, u64 rflags);
unsigned int svm_code_bits(struct vcpu *v);
u32 svm_insn_len(struct vcpu *v);
unsigned svm_fetch_insn(struct vcpu *v, u8 *buf, unsigned len,
			enum insn_mode *mode);
void svm_dump(struct vcpu *v);

#endif /* MODEX_SVM_SVM_H */
