/* SPDX-License-Identifier: MIT */
/*
 * Exit statistics: a count per exit reason (enum exit_reason, the index
 * MODEX_HC_STATS reports by) and a ring buffer of the most recent exits
 * (MODEX_HC_TRACE). Pure C, host-unit-tested.
 * Context: exit path; one struct per vCPU, touched only by its CPU.
 */
#ifndef MODEX_HV_STATS_H
#define MODEX_HV_STATS_H

#include "hv/exit_info.h"
#include "hv/include/hypercall.h"

#define STATS_TRACE_LEN 64 /* a power of two */

struct exit_stats {
	u64 count[EXIT_R_COUNT];
	u64 total;
	u64 seq; /* exits recorded since boot (not reset) */
	struct modex_trace_entry ring[STATS_TRACE_LEN];
	u32 ring_used; /* valid entries, at most STATS_TRACE_LEN */
};

/* Record one exit; @qual is the reason-specific detail for the trace
 * (CPUID leaf, MSR, port, GPA, hypercall RAX...). */
void stats_record(struct exit_stats *s, enum exit_reason r, u32 insn_len,
		  u64 rip, u64 qual);
/* Zero the counts and the trace (sequence numbers keep growing). */
void stats_reset(struct exit_stats *s);
/* Copy up to @max most recent entries, oldest first; returns how many. */
u32 stats_trace_copy(const struct exit_stats *s, struct modex_trace_entry *out,
		     u32 max);

#endif /* MODEX_HV_STATS_H */
