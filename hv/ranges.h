/* SPDX-License-Identifier: MIT */
/*
 * Physical address ranges [start, end) and the set arithmetic the guest
 * memory layout needs (L1's RAM = available memory minus Modex's).
 * Pure C, host-unit-tested.
 */
#ifndef MODEX_HV_RANGES_H
#define MODEX_HV_RANGES_H

#include "hv/include/types.h"

/*
 * @out = the parts of @in (n ranges) not covered by any of @cut (ncut
 * ranges), page-aligned inwards, in the order of @in. Returns the number
 * written, or -E_TOOBIG if more than @max would be needed.
 */
int ranges_subtract(const struct mem_range *in, u32 n,
		    const struct mem_range *cut, u32 ncut,
		    struct mem_range *out, u32 max);

/* Whether [s, e) overlaps one of the @n ranges. */
bool ranges_overlap(const struct mem_range *r, u32 n, u64 s, u64 e);

/* Whether @addr lies in one of the @n ranges. */
bool ranges_contain(const struct mem_range *r, u32 n, u64 addr);

#endif /* MODEX_HV_RANGES_H */
