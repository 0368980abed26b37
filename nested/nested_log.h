/* SPDX-License-Identifier: MIT */
/*
 * The violation log of nested paging: each L2 access that L1's own
 * stage-2 tables (EPT12/NPT12) deny is recorded, before it is reflected,
 * in a ring per vCPU that L1 reads with MODEX_HC_NESTED_LOG and Modex
 * prints (rate-limited) with nested_log=on (docs/nested.md). Pure C,
 * host-unit-tested.
 * Context: exit path; one ring per vCPU, touched only by its CPU.
 */
#ifndef MODEX_NESTED_NESTED_LOG_H
#define MODEX_NESTED_NESTED_LOG_H

#include "hv/include/hypercall.h"
#include "hv/include/types.h"

#define NESTED_LOG_LEN 64 /* a power of two */

struct nested_log {
	struct modex_nested_violation ring[NESTED_LOG_LEN];
	u64 seq; /* violations recorded (the last one's seq) */
};

/* Record @r (its seq is assigned here); returns the seq. */
u64 nested_log_record(struct nested_log *l,
		      const struct modex_nested_violation *r);
/* Copy up to @max most recent entries, oldest first; returns how many. */
u32 nested_log_copy(const struct nested_log *l,
		    struct modex_nested_violation *out, u32 max);

#endif /* MODEX_NESTED_NESTED_LOG_H */
