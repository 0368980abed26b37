// SPDX-License-Identifier: MIT
/*
 * Exit counts and the recent-exit trace (hv/stats.h).
 * Pure C: built freestanding into Modex and hosted for the unit tests.
 */
#include "hv/stats.h"

#include "hv/include/lib.h"

void stats_record(struct exit_stats *s, enum exit_reason r, u32 insn_len,
		  u64 rip, u64 qual)
{
	struct modex_trace_entry *e;

	if ((unsigned)r >= EXIT_R_COUNT)
		r = EXIT_R_UNKNOWN;
	s->count[r]++;
	s->total++;
	s->seq++;
	e = &s->ring[s->seq % STATS_TRACE_LEN];
	*e = (struct modex_trace_entry){
		.reason = r,
		.insn_len = insn_len,
		.rip = rip,
		.qual = qual,
		.seq = s->seq,
	};
	if (s->ring_used < STATS_TRACE_LEN)
		s->ring_used++;
}

void stats_reset(struct exit_stats *s)
{
	memset(s->count, 0, sizeof(s->count));
	s->total = 0;
	s->ring_used = 0;
}

u32 stats_trace_copy(const struct exit_stats *s, struct modex_trace_entry *out,
		     u32 max)
{
	u32 n = s->ring_used < max ? s->ring_used : max;

	/* The newest entry is at seq; the oldest copied is n - 1 before. */
	for (u32 i = 0; i < n; i++)
		out[i] = s->ring[(s->seq - (n - 1) + i) % STATS_TRACE_LEN];
	return n;
}

const char *exit_reason_name(enum exit_reason r)
{
	static const char *const names[EXIT_R_COUNT] = {
		[EXIT_R_UNKNOWN] = "unknown",
		[EXIT_R_CPUID] = "cpuid",
		[EXIT_R_HYPERCALL] = "hypercall",
		[EXIT_R_MSR_READ] = "msr-read",
		[EXIT_R_MSR_WRITE] = "msr-write",
		[EXIT_R_IO] = "io",
		[EXIT_R_NPF] = "npf",
		[EXIT_R_EPT_MISCONFIG] = "ept-misconfig",
		[EXIT_R_CR_ACCESS] = "cr-access",
		[EXIT_R_XSETBV] = "xsetbv",
		[EXIT_R_VIRT_INSN] = "virt-insn",
		[EXIT_R_EXCEPTION] = "exception",
		[EXIT_R_INTR] = "interrupt",
		[EXIT_R_NMI] = "nmi",
		[EXIT_R_TRIPLE_FAULT] = "triple-fault",
		[EXIT_R_INIT] = "init",
		[EXIT_R_SIPI] = "sipi",
		[EXIT_R_HLT] = "hlt",
		[EXIT_R_INVD] = "invd",
		[EXIT_R_ENTRY_FAIL] = "entry-fail",
	};

	if ((unsigned)r >= EXIT_R_COUNT || !names[r])
		return "invalid";
	return names[r];
}
