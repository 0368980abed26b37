// SPDX-License-Identifier: MIT
/*
 * Modex's placement at the top of low RAM and the rebasing of its image
 * (hv/layout.h). Pure C: builds freestanding and hosted.
 */
#include "hv/layout.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"

static u64 region_end(const struct mb2_region *r)
{
	return r->len > ~0ULL - r->base ? ~0ULL : r->base + r->len;
}

static bool overlap(u64 s1, u64 e1, u64 s2, u64 e2)
{
	return s1 < e2 && s2 < e1;
}

/* The first available region that contains 1 MiB, or NULL. */
static const struct mb2_region *low_region(const struct mb2_region *r, u32 n)
{
	for (u32 i = 0; i < n; i++)
		if (r[i].type == MB2_MEM_AVAILABLE &&
		    r[i].base <= LAYOUT_ONE_MIB &&
		    region_end(&r[i]) > LAYOUT_ONE_MIB)
			return &r[i];
	return NULL;
}

/* Lowest start of an obstacle overlapping [s, e), or e when none does. */
static u64 first_obstacle(const struct mb2_region *r, u32 n,
			  const struct mem_range *busy, u32 nbusy, u64 s, u64 e)
{
	u64 low = e;

	for (u32 i = 0; i < nbusy; i++)
		if (overlap(s, e, busy[i].start, busy[i].end))
			low = MIN(low, busy[i].start);
	for (u32 i = 0; i < n; i++)
		if (r[i].type != MB2_MEM_AVAILABLE &&
		    overlap(s, e, r[i].base, region_end(&r[i])))
			low = MIN(low, r[i].base);
	return low;
}

/* The highest window of @size below @top and at or above @floor that
 * meets no obstacle. */
static int window_below(const struct mb2_region *r, u32 n, u64 size,
			const struct mem_range *busy, u32 nbusy, u64 floor,
			u64 top, u64 *base)
{
	/* Each step moves below one obstacle for good: at most n + nbusy. */
	while (top >= floor + size) {
		u64 s = top - size,
		    stop = first_obstacle(r, n, busy, nbusy, s, top);

		if (stop == top) {
			*base = s;
			return 0;
		}
		top = ALIGN_DOWN(stop, PAGE_SIZE);
	}
	return -E_NOMEM;
}

static bool bad_args(const struct mb2_region *r, u32 n, u64 size,
		     const struct mem_range *busy, u32 nbusy, const u64 *base)
{
	return !size || !IS_ALIGNED(size, PAGE_SIZE) || (n && !r) ||
	       (nbusy && !busy) || !base;
}

int layout_place(const struct mb2_region *r, u32 n, u64 size,
		 const struct mem_range *busy, u32 nbusy, u64 *base)
{
	const struct mb2_region *low;

	if (bad_args(r, n, size, busy, nbusy, base))
		return -E_INVAL;
	low = low_region(r, n);
	if (!low)
		return -E_NOENT;
	if (size > LAYOUT_4G)
		return -E_NOMEM;
	return window_below(
		r, n, size, busy, nbusy, LAYOUT_ONE_MIB,
		ALIGN_DOWN(MIN(region_end(low), LAYOUT_4G), PAGE_SIZE), base);
}

int layout_place_largest(const struct mb2_region *r, u32 n, u64 size,
			 const struct mem_range *busy, u32 nbusy, u64 *base)
{
	u64 best_lo = 0, best_hi = 0;

	if (bad_args(r, n, size, busy, nbusy, base))
		return -E_INVAL;
	for (u32 i = 0; i < n; i++) {
		u64 lo = ALIGN_UP(MAX(r[i].base, LAYOUT_ONE_MIB), PAGE_SIZE);
		u64 hi = ALIGN_DOWN(MIN(region_end(&r[i]), LAYOUT_4G),
				    PAGE_SIZE);

		if (r[i].type != MB2_MEM_AVAILABLE || hi <= lo)
			continue;
		if (hi - lo > best_hi - best_lo ||
		    (hi - lo == best_hi - best_lo && hi > best_hi)) {
			best_lo = lo;
			best_hi = hi;
		}
	}
	if (best_hi == best_lo)
		return -E_NOENT;
	return window_below(r, n, size, busy, nbusy, best_lo, best_hi, base);
}

static int check_rela(const struct elf64_rela *e, u64 size, u64 link_base)
{
	u64 off = e->r_offset - link_base, to = (u64)e->r_addend - link_base;

	if (ELF64_R_TYPE(e->r_info) != R_X86_64_RELATIVE ||
	    ELF64_R_SYM(e->r_info) != 0)
		return -E_NOSUPP;
	if (e->r_offset < link_base || size < 8 || off > size - 8)
		return -E_RANGE;
	if ((u64)e->r_addend < link_base || to > size)
		return -E_RANGE;
	return 0;
}

int layout_relocate(void *image, u64 size, u64 link_base, u64 new_base,
		    const struct elf64_rela *rela, u64 count)
{
	u8 *img = image;
	int ret;

	if (!image || (count && !rela))
		return -E_INVAL;
	for (u64 i = 0; i < count; i++) {
		ret = check_rela(&rela[i], size, link_base);
		if (ret)
			return ret;
	}
	for (u64 i = 0; i < count; i++) {
		u64 v = (u64)rela[i].r_addend - link_base + new_base;

		memcpy(img + (rela[i].r_offset - link_base), &v, sizeof(v));
	}
	return 0;
}
