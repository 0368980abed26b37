// SPDX-License-Identifier: MIT
/* Physical range arithmetic (hv/ranges.h). Pure C. */
#include "hv/ranges.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"

bool ranges_contain(const struct mem_range *r, u32 n, u64 addr)
{
	for (u32 i = 0; i < n; i++)
		if (addr >= r[i].start && addr < r[i].end)
			return true;
	return false;
}

/* The lowest cut that overlaps [s, e), or NULL. */
static const struct mem_range *first_cut(const struct mem_range *cut, u32 ncut,
					 u64 s, u64 e)
{
	const struct mem_range *best = NULL;

	for (u32 i = 0; i < ncut; i++) {
		if (cut[i].start >= e || cut[i].end <= s ||
		    cut[i].end <= cut[i].start)
			continue;
		if (!best || cut[i].start < best->start)
			best = &cut[i];
	}
	return best;
}

int ranges_subtract(const struct mem_range *in, u32 n,
		    const struct mem_range *cut, u32 ncut,
		    struct mem_range *out, u32 max)
{
	u32 nr = 0;

	for (u32 i = 0; i < n; i++) {
		u64 s = ALIGN_UP(in[i].start, PAGE_SIZE);
		u64 e = ALIGN_DOWN(in[i].end, PAGE_SIZE);

		while (s < e) {
			const struct mem_range *c = first_cut(cut, ncut, s, e);
			u64 piece_end =
				c ? MAX(ALIGN_DOWN(c->start, PAGE_SIZE), s) : e;

			if (piece_end > s) {
				if (nr == max)
					return -E_TOOBIG;
				out[nr++] = (struct mem_range){ s, piece_end };
			}
			if (!c)
				break;
			s = ALIGN_UP(c->end, PAGE_SIZE);
		}
	}
	return (int)nr;
}

bool ranges_overlap(const struct mem_range *r, u32 n, u64 s, u64 e)
{
	for (u32 i = 0; i < n; i++)
		if (s < r[i].end && r[i].start < e)
			return true;
	return false;
}
