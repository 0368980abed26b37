// SPDX-License-Identifier: MIT
/*
 * Test-guest free memory: the available regions of the loader's memory map
 * below 4 GiB (what the guest maps) and above the first MiB, minus the
 * image and everything the loader placed (guest_boot.rsv), page-aligned.
 */
#include "tests/guest/lib/guest.h"

#define ONE_MIB 0x100000ULL
#define FOUR_GIB 0x100000000ULL

/* Is [a, a + 1) inside an excluded range? Returns that range's end. */
static u64 excluded_until(u64 a)
{
	u64 img_s = ALIGN_DOWN((u64)__image_start, PAGE_SIZE);
	u64 img_e = ALIGN_UP((u64)__image_end, PAGE_SIZE);

	if (a < ONE_MIB)
		return ONE_MIB;
	if (a >= img_s && a < img_e)
		return img_e;
	for (unsigned i = 0; i < guest_boot.nr_rsv; i++) {
		u64 s = ALIGN_DOWN(guest_boot.rsv[i].start, PAGE_SIZE);
		u64 e = ALIGN_UP(guest_boot.rsv[i].end, PAGE_SIZE);

		if (a >= s && a < e)
			return e;
	}
	return 0;
}

/* Lowest start of an excluded range in (a, limit), or limit. */
static u64 next_excluded(u64 a, u64 limit)
{
	u64 best = limit, img_s = ALIGN_DOWN((u64)__image_start, PAGE_SIZE);

	if (img_s > a && img_s < best)
		best = img_s;
	for (unsigned i = 0; i < guest_boot.nr_rsv; i++) {
		u64 s = ALIGN_DOWN(guest_boot.rsv[i].start, PAGE_SIZE);

		if (s > a && s < best)
			best = s;
	}
	return best;
}

static unsigned split_region(u64 s, u64 e, struct guest_range *out, unsigned n,
			     unsigned max)
{
	while (s < e && n < max) {
		u64 skip = excluded_until(s), stop;

		if (skip) {
			s = skip;
			continue;
		}
		stop = next_excluded(s, e);
		out[n++] = (struct guest_range){ s, stop };
		s = stop;
	}
	return n;
}

unsigned guest_free_ranges(struct guest_range *out, unsigned max)
{
	unsigned n = 0;

	for (unsigned i = 0; i < guest_boot.nr_mmap; i++) {
		const struct guest_mem_region *r = &guest_boot.mmap[i];
		u64 s = ALIGN_UP(r->base, PAGE_SIZE);
		u64 e = ALIGN_DOWN(r->base + r->len, PAGE_SIZE);

		if (r->type != GUEST_MEM_AVAILABLE ||
		    r->base + r->len < r->base)
			continue;
		s = MAX(s, ONE_MIB);
		e = MIN(e, FOUR_GIB);
		n = split_region(s, e, out, n, max);
	}
	return n;
}

bool guest_addr_in_map(u64 a)
{
	for (unsigned i = 0; i < guest_boot.nr_mmap; i++) {
		const struct guest_mem_region *r = &guest_boot.mmap[i];

		if (a >= r->base && a < r->base + r->len)
			return true;
	}
	return false;
}

/* Highest end of available memory below 4 GiB. */
static u64 ram_top_below_4g(void)
{
	u64 top = 0;

	for (unsigned i = 0; i < guest_boot.nr_mmap; i++) {
		const struct guest_mem_region *r = &guest_boot.mmap[i];

		if (r->type == GUEST_MEM_AVAILABLE)
			top = MAX(top, MIN(r->base + r->len, FOUR_GIB));
	}
	return top;
}

/* Modex's memory begins where L1's low RAM ends (docs/boot.md), in the
 * gap up to the next map entry; capped so no unlisted MMIO is swept. */
#define HIDDEN_SCAN_MAX (64 * ONE_MIB)

u64 guest_hidden_top(void)
{
	u64 top = ram_top_below_4g();
	u64 next = MIN(top + HIDDEN_SCAN_MAX, FOUR_GIB);

	for (unsigned i = 0; i < guest_boot.nr_mmap; i++)
		if (guest_boot.mmap[i].base >= top)
			next = MIN(next, guest_boot.mmap[i].base);
	return next;
}
