// SPDX-License-Identifier: MIT
/*
 * The violation log ring (nested/nested_log.h).
 * Context: exit path of the vCPU's own CPU; pure C.
 */
#include "nested/nested_log.h"

u64 nested_log_record(struct nested_log *l,
		      const struct modex_nested_violation *r)
{
	struct modex_nested_violation *slot;

	l->seq++;
	slot = &l->ring[(l->seq - 1) & (NESTED_LOG_LEN - 1)];
	*slot = *r;
	slot->seq = l->seq;
	return l->seq;
}

u32 nested_log_copy(const struct nested_log *l,
		    struct modex_nested_violation *out, u32 max)
{
	u64 used = l->seq < NESTED_LOG_LEN ? l->seq : NESTED_LOG_LEN;
	u32 n = max < used ? max : (u32)used;

	/* The newest n, oldest first: seq - n + 1 .. seq. */
	for (u32 i = 0; i < n; i++) {
		u64 seq = l->seq - n + 1 + i;

		out[i] = l->ring[(seq - 1) & (NESTED_LOG_LEN - 1)];
	}
	return n;
}
