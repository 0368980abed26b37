/* SPDX-License-Identifier: MIT */
/*
 * Modex's hypercall ABI, one for both vendors (docs/hypercalls.md).
 * Shared by Modex and by guest programs (tests/guest), so it holds only
 * constants and plain layouts.
 *
 * Call: VMCALL (Intel) or VMMCALL (AMD) from CPL 0 with
 *   RAX = MODEX_HC_MAGIC | call number, RBX, RCX, RDX = arguments.
 * Return: RAX = 0 or a negative E_* code (hv/include/err.h); results in
 *   RBX, RCX, RDX as each call says. Other registers are preserved.
 * A call from CPL > 0 gets #UD, as a VMCALL would without a hypervisor.
 */
#ifndef MODEX_HV_INCLUDE_HYPERCALL_H
#define MODEX_HV_INCLUDE_HYPERCALL_H

#include "hv/include/types.h"

/* CPUID hypervisor leaves (the 0x40000000 range reserved for hypervisors). */
#define MODEX_CPUID_BASE 0x40000000u /* EAX: max leaf, EBX/ECX/EDX: signature */
#define MODEX_CPUID_INFO 0x40000001u /* EAX: ABI version, EBX: Modex version */
#define MODEX_CPUID_SIGNATURE "ModexHVModex" /* EBX, ECX, EDX */
#define MODEX_ABI_VERSION 1
#define MODEX_VERSION_CODE 0x000100 /* 0.1.0 as major<<16 | minor<<8 | patch */

#define MODEX_HC_MAGIC 0x4d580000u /* "MX" in bits 31:16 of EAX */
#define MODEX_HC_MAGIC_MASK 0xffff0000u

enum modex_hypercall {
	/* out: RBX = MODEX_VERSION_CODE, RCX = MODEX_ABI_VERSION */
	MODEX_HC_VERSION = 0,
	/* out: RBX = MODEX_FEAT_* bits */
	MODEX_HC_FEATURES = 1,
	/*
	 * in: RBX = guest-physical address of a u64 array, RCX = its length
	 * in entries. Writes the number of exits per exit_reason (index =
	 * enum exit_reason, hv/exit_info.h). out: RBX = entries written,
	 * RCX = total exits. -E_FAULT if the buffer is not wholly in the
	 * caller's RAM.
	 */
	MODEX_HC_STATS = 2,
	/*
	 * in: RBX = guest-physical address of a struct modex_trace_entry
	 * array, RCX = its length. Writes the most recent exits, oldest
	 * first. out: RBX = entries written.
	 */
	MODEX_HC_TRACE = 3,
	/* Resets the statistics and the trace. */
	MODEX_HC_STATS_RESET = 4,
	/* in: RBX = exit code (MODEX_TEST_PASS/FAIL); ends the run. */
	MODEX_HC_TEST_EXIT = 5,
	/*
	 * in: RBX = guest-physical address of a struct modex_nested_violation
	 * array, RCX = its length. Writes the most recent L2 accesses the
	 * caller's own stage-2 tables for L2 denied (EPT12/NPT12), oldest
	 * first. out: RBX = entries written, RCX = violations recorded so far.
	 * -E_NOSUPP without MODEX_FEAT_NESTED.
	 */
	MODEX_HC_NESTED_LOG = 6,
	MODEX_HC_COUNT
};

#define MODEX_FEAT_STATS (1u << 0)
#define MODEX_FEAT_TRACE (1u << 1)
#define MODEX_FEAT_TEST_EXIT (1u << 2) /* exit= option is qemu or bochs */
#define MODEX_FEAT_NESTED (1u << 3)
#define MODEX_FEAT_MBEC (1u << 4) /* nested MBEC offered to L1 */
#define MODEX_FEAT_GMET (1u << 5) /* nested GMET offered to L1 */

/*
 * MODEX_HC_STATS entries from index EXIT_R_COUNT (hv/exit_info.h) on:
 * the calling vCPU's nested-virtualization counters.
 */
enum modex_nested_stat {
	MODEX_NSTAT_ENTRIES = 0, /* VM entries into L2 */
	MODEX_NSTAT_REFLECTED, /* L2 exits emulated into L1 */
	MODEX_NSTAT_HANDLED, /* L2 exits Modex handled, L2 resumed */
	MODEX_NSTAT_SHADOW_FIXED, /* of those: shadow stage-2 faults fixed */
	MODEX_NSTAT_VMFAIL, /* VMX instructions that failed (VMfail) */
	MODEX_NSTAT_DENY_READ, /* L2 reads L1's stage 2 denied */
	MODEX_NSTAT_DENY_WRITE, /* L2 writes denied */
	MODEX_NSTAT_DENY_FETCH_SUPER, /* supervisor fetches denied */
	MODEX_NSTAT_DENY_FETCH_USER, /* user fetches denied (MBEC XU, GMET) */
	MODEX_NSTAT_MISCONFIG, /* L1 table misconfigurations reflected */
	MODEX_NSTAT_COUNT
};

/* One L2 access L1's stage-2 tables denied (MODEX_HC_NESTED_LOG). */
struct modex_nested_violation {
	u64 seq; /* from 1, per vCPU */
	u64 l2_gpa; /* the guest-physical address L2 accessed */
	u64 gla; /* its linear address, when MODEX_NV_GLA_VALID */
	u64 l2_rip;
	u8 access; /* 0 read, 1 write, 2 fetch */
	u8 flags; /* MODEX_NV_* */
	u8 l1_acc; /* what L1's entries grant together: MODEX_ACC_* bits */
	u8 cpl; /* L2's CPL */
	u32 vcpu; /* the vCPU (CPU index) it happened on */
};

#define MODEX_NV_GLA_VALID (1u << 0)
/* A user access as the format defines it: a user-mode linear address
 * (MBEC), CPL 3 (GMET). */
#define MODEX_NV_USER (1u << 1)
#define MODEX_NV_MISCONFIG (1u << 2) /* a misconfigured entry, not a denial */

/* l1_acc bits (the access vocabulary of DESIGN.md section 3). */
#define MODEX_ACC_R (1u << 0)
#define MODEX_ACC_W (1u << 1)
#define MODEX_ACC_XS (1u << 2) /* supervisor execute (EPT X without MBEC) */
#define MODEX_ACC_U (1u << 3) /* NPT U */
#define MODEX_ACC_XU (1u << 4) /* user execute (MBEC) */

#define MODEX_TEST_PASS 0x10
#define MODEX_TEST_FAIL 0x11

struct modex_trace_entry {
	u32 reason; /* enum exit_reason */
	u32 insn_len;
	u64 rip; /* guest RIP at the exit */
	u64 qual; /* reason-specific: port, MSR, GPA, CPUID leaf... */
	u64 seq; /* exit sequence number, from 1 */
};
_Static_assert(sizeof(struct modex_trace_entry) == 32, "trace entry size");

#endif /* MODEX_HV_INCLUDE_HYPERCALL_H */
