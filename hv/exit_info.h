/* SPDX-License-Identifier: MIT */
/*
 * Vendor-neutral description of a guest exit. The vendor backend decodes
 * its hardware state (VMCS exit reason and qualification, VMCB EXITCODE and
 * EXITINFO1/2) into struct exit_info; generic code in hv/ handles it. The
 * reason numbers are ABI: MODEX_HC_STATS reports counts by them.
 */
#ifndef MODEX_HV_EXIT_INFO_H
#define MODEX_HV_EXIT_INFO_H

#include "hv/include/types.h"

enum exit_reason {
	EXIT_R_UNKNOWN = 0, /* an exit this build does not decode */
	EXIT_R_CPUID,
	EXIT_R_HYPERCALL, /* VMCALL / VMMCALL */
	EXIT_R_MSR_READ,
	EXIT_R_MSR_WRITE,
	EXIT_R_IO,
	EXIT_R_NPF, /* EPT violation / #NPF */
	EXIT_R_EPT_MISCONFIG,
	EXIT_R_CR_ACCESS,
	EXIT_R_XSETBV,
	EXIT_R_VIRT_INSN, /* VMX or SVM instruction executed by the guest */
	EXIT_R_EXCEPTION,
	EXIT_R_INTR, /* external interrupt */
	EXIT_R_NMI,
	EXIT_R_TRIPLE_FAULT, /* or SVM shutdown */
	EXIT_R_INIT,
	EXIT_R_SIPI,
	EXIT_R_HLT,
	EXIT_R_INVD,
	EXIT_R_ENTRY_FAIL, /* VM entry failed / VMEXIT_INVALID */
	EXIT_R_COUNT
};

/* Access kinds for EXIT_R_NPF. */
#define EXIT_NPF_READ BIT(0)
#define EXIT_NPF_WRITE BIT(1)
#define EXIT_NPF_FETCH BIT(2)

struct exit_info {
	enum exit_reason reason;
	u32 insn_len; /* 0 when unknown (decoded on demand) */
	u64 hw_reason; /* raw VMX basic exit reason or SVM EXITCODE */
	u64 qual; /* raw qualification / EXITINFO1 */
	u64 info2; /* raw EXITINFO2 / guest-physical address */
	union {
		struct {
			u32 msr;
		} msr;
		struct {
			u16 port;
			u8 size; /* 1, 2 or 4 */
			bool in, string, rep;
		} io;
		struct {
			gpa_t gpa;
			gva_t gla;
			u8 access; /* EXIT_NPF_* */
			bool gla_valid, final_translation;
			/* The access belonged to delivering an event (an
			 * exception frame, a gate), not to the instruction
			 * at RIP; the event is re-injected. */
			bool event_delivery;
		} npf;
		struct {
			u8 vector;
			bool has_error;
			u32 error_code;
		} exc;
		struct {
			u8 cr;
			bool write;
		} cr;
	};
};

const char *exit_reason_name(enum exit_reason r);

#endif /* MODEX_HV_EXIT_INFO_H */
