/* SPDX-License-Identifier: MIT */
/*
 * The hypercall handler (ABI: hv/include/hypercall.h, docs/hypercalls.md).
 * Pure C over an environment of callbacks, so every argument check is
 * host-unit-tested: the caller supplies L1's RAM ranges, a guest-memory
 * writer and the test-exit action.
 * Context: the exit path of the calling vCPU's CPU.
 */
#ifndef MODEX_HV_HYPERCALL_H
#define MODEX_HV_HYPERCALL_H

#include "hv/include/types.h"
#include "hv/ranges.h"
#include "hv/stats.h"
#include "hv/vcpu.h"
#include "nested/nested_log.h"

/* Counts above this are rejected before any range arithmetic (-E_FAULT:
 * no buffer that large can be in RAM). */
#define HC_MAX_ENTRIES (1ULL << 32)

struct hc_env {
	const struct mem_range *ram; /* L1's RAM, sorted or not */
	u32 nr_ram;
	struct exit_stats *stats;
	/* The caller's nested counters (MODEX_NSTAT_COUNT of them) and
	 * violation log; NULL without nested virtualization. */
	const u64 *nested_stats;
	const struct nested_log *nested_log;
	u32 features; /* MODEX_FEAT_* */
	/* Copy @len bytes to L1 memory; only called for checked ranges. */
	int (*write_guest)(void *ctx, gpa_t gpa, const void *src, u64 len);
	/* End the run with @code (MODEX_TEST_PASS/FAIL). Returns only in
	 * unit tests. */
	void (*test_exit)(void *ctx, u8 code);
	void *ctx;
};

enum hc_action {
	HC_DONE, /* RAX (and outputs) set: skip the instruction */
	HC_INJECT_UD, /* CPL > 0: #UD, as without a hypervisor */
};

/* Handle the call in @r made at privilege level @cpl. */
enum hc_action hypercall_handle(const struct hc_env *env, struct guest_regs *r,
				int cpl);

/* Whether [gpa, gpa + len) lies wholly in @env's RAM (len 0: true). */
bool hc_range_in_ram(const struct hc_env *env, gpa_t gpa, u64 len);

#endif /* MODEX_HV_HYPERCALL_H */
