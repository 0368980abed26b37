// SPDX-License-Identifier: MIT
/*
 * Physical frame allocator (see mm/frame.h): two bitmaps over the span of
 * usable memory, "usable" (fixed at init) and "in use", so that a double
 * free and a free of memory that was never ours are told apart and
 * ignored. Allocation is lowest-address-first, so boots are reproducible.
 */
#include "mm/frame.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"

#define BITS_PER_WORD 64
#define TOP_PAGE (~0ull & PAGE_MASK) /* highest page-aligned address */

static struct {
	u64 *usable; /* 1: a frame Modex may hand out */
	u64 *used; /* 1: allocated, or not usable at all */
	hpa_t lo; /* physical address of frame 0 */
	u64 nr_frames; /* span covered by the bitmaps */
	u64 nr_words;
	u64 hint; /* no free frame below this word */
	u64 free, total, bad_frees;
	void *(*p2v)(hpa_t);
} fa;

/* The ranges frame_init() works from; valid during frame_init() only. */
struct init_ranges {
	const struct mem_range *avail, *excl;
	unsigned int nr_avail, nr_excl;
};

/* ----------------------------------------------------- usable ranges */

static u64 page_up(u64 a)
{
	return a > TOP_PAGE ? TOP_PAGE : ALIGN_UP(a, PAGE_SIZE);
}

/* avail[i] shrunk to whole pages at or above 1 MiB; false if empty. */
static bool avail_at(const struct init_ranges *r, unsigned int i, u64 *s,
		     u64 *e)
{
	*s = MAX(page_up(r->avail[i].start), FRAME_LOW_LIMIT);
	*e = ALIGN_DOWN(r->avail[i].end, PAGE_SIZE);
	return *s < *e;
}

/* excl[i] grown to whole pages; false if empty. */
static bool excl_at(const struct init_ranges *r, unsigned int i, u64 *s, u64 *e)
{
	if (r->excl[i].start >= r->excl[i].end)
		return false;
	*s = ALIGN_DOWN(r->excl[i].start, PAGE_SIZE);
	*e = page_up(r->excl[i].end);
	return true;
}

/* Whether a lies in an avail range; else *next is the next start above. */
static bool in_avail(const struct init_ranges *r, u64 a, u64 *next)
{
	u64 s, e;

	*next = 0;
	for (unsigned int i = 0; i < r->nr_avail; i++) {
		if (!avail_at(r, i, &s, &e))
			continue;
		if (s <= a && a < e)
			return true;
		if (s > a && (!*next || s < *next))
			*next = s;
	}
	return false;
}

/* The end of an excl range holding a, or 0 if none does. */
static u64 excl_end(const struct init_ranges *r, u64 a)
{
	u64 s, e;

	for (unsigned int i = 0; i < r->nr_excl; i++)
		if (excl_at(r, i, &s, &e) && s <= a && a < e)
			return e;
	return 0;
}

/* The lowest usable address at or above a; false if there is none. */
static bool usable_from(const struct init_ranges *r, u64 a, u64 *s)
{
	u64 next;

	for (;;) {
		if (!in_avail(r, a, &next)) {
			if (!next)
				return false;
			a = next;
			continue;
		}
		next = excl_end(r, a);
		if (!next)
			break;
		if (next <= a) /* excl reaching the top of memory */
			return false;
		a = next;
	}
	*s = a;
	return true;
}

/* The end of the usable run starting at s (s must be usable). */
static u64 run_end(const struct init_ranges *r, u64 s)
{
	u64 e = s, as, ae;
	bool grown = true;

	/* Union of overlapping or adjacent avail ranges... */
	while (grown) {
		grown = false;
		for (unsigned int i = 0; i < r->nr_avail; i++) {
			if (avail_at(r, i, &as, &ae) && as <= e && e < ae) {
				e = ae;
				grown = true;
			}
		}
	}
	/* ...cut at the first exclusion above s. */
	for (unsigned int i = 0; i < r->nr_excl; i++)
		if (excl_at(r, i, &as, &ae) && as > s && as < e)
			e = as;
	return e;
}

/* Iterates usable runs in address order: *cursor starts at 0. */
static bool next_run(const struct init_ranges *r, u64 *cursor, u64 *s, u64 *e)
{
	if (!usable_from(r, *cursor, s))
		return false;
	*e = run_end(r, *s);
	*cursor = *e;
	return true;
}

/* ----------------------------------------------------------- bitmaps */

static bool bit_test(const u64 *bm, u64 i)
{
	return bm[i / BITS_PER_WORD] & BIT(i % BITS_PER_WORD);
}

/* Sets (val) or clears bits [i, j) of bm. */
static void bits_assign(u64 *bm, u64 i, u64 j, bool val)
{
	while (i < j) {
		u64 w = i / BITS_PER_WORD, b = i % BITS_PER_WORD;
		u64 n = MIN(j - i, BITS_PER_WORD - b);
		u64 mask = n == BITS_PER_WORD ? ~0ull : (BIT(n) - 1) << b;

		if (val)
			bm[w] |= mask;
		else
			bm[w] &= ~mask;
		i += n;
	}
}

static u64 frame_index(hpa_t pa)
{
	return (pa - fa.lo) >> PAGE_SHIFT;
}

static hpa_t frame_addr(u64 i)
{
	return fa.lo + (i << PAGE_SHIFT);
}

/* Puts the bitmaps at the start of the lowest run that holds them. */
static int place_bitmaps(const struct init_ranges *r, u64 *first, u64 *pages)
{
	u64 bytes = fa.nr_words * sizeof(u64) * 2, cursor = 0, s, e;
	u8 *mem;

	*pages = ALIGN_UP(bytes, PAGE_SIZE) >> PAGE_SHIFT;
	for (;;) {
		if (!next_run(r, &cursor, &s, &e))
			return -E_NOMEM;
		if ((e - s) >> PAGE_SHIFT >= *pages)
			break;
	}
	mem = fa.p2v(s);
	if (!mem)
		return -E_FAULT;
	fa.usable = (u64 *)mem;
	fa.used = (u64 *)(mem + fa.nr_words * sizeof(u64));
	memset(fa.usable, 0, fa.nr_words * sizeof(u64));
	memset(fa.used, 0xff, fa.nr_words * sizeof(u64));
	*first = frame_index(s);
	return 0;
}

static void reset(void)
{
	memset(&fa, 0, sizeof(fa));
}

/* Marks every usable run free, then the bitmaps' own frames used. */
static void fill_bitmaps(const struct init_ranges *r, u64 first, u64 pages)
{
	u64 cursor = 0, s, e;

	while (next_run(r, &cursor, &s, &e)) {
		bits_assign(fa.usable, frame_index(s), frame_index(e), true);
		bits_assign(fa.used, frame_index(s), frame_index(e), false);
		fa.free += (e - s) >> PAGE_SHIFT;
	}
	bits_assign(fa.usable, first, first + pages, false);
	bits_assign(fa.used, first, first + pages, true);
	fa.free -= pages;
	fa.total = fa.free;
}

int frame_init(const struct mem_range *avail, unsigned int nr_avail,
	       const struct mem_range *excl, unsigned int nr_excl,
	       void *(*phys_to_virt)(hpa_t))
{
	struct init_ranges r = { avail, excl, nr_avail, nr_excl };
	u64 cursor = 0, s, e, hi = 0, first, pages;
	int ret;

	reset();
	if (!phys_to_virt || (nr_avail && !avail) || (nr_excl && !excl))
		return -E_INVAL;
	if (!next_run(&r, &cursor, &fa.lo, &hi))
		return -E_INVAL; /* nothing usable at all */
	while (next_run(&r, &cursor, &s, &e))
		hi = e;
	fa.p2v = phys_to_virt;
	fa.nr_frames = (hi - fa.lo) >> PAGE_SHIFT;
	fa.nr_words = (fa.nr_frames + BITS_PER_WORD - 1) / BITS_PER_WORD;
	ret = place_bitmaps(&r, &first, &pages);
	if (ret) {
		reset();
		return ret;
	}
	fill_bitmaps(&r, first, pages);
	return 0;
}

/* -------------------------------------------------------- allocation */

static void zero_frames(u64 i, u64 nr)
{
	for (u64 k = 0; k < nr; k++)
		memset(fa.p2v(frame_addr(i + k)), 0, PAGE_SIZE);
}

static void take(u64 i, u64 nr, unsigned int flags, hpa_t *out)
{
	bits_assign(fa.used, i, i + nr, true);
	fa.free -= nr;
	if (flags & FRAME_ZERO)
		zero_frames(i, nr);
	*out = frame_addr(i);
}

int frame_alloc(hpa_t *out, unsigned int flags)
{
	for (u64 w = fa.hint; w < fa.nr_words; w++) {
		u64 i;

		if (fa.used[w] == ~0ull)
			continue;
		fa.hint = w;
		i = w * BITS_PER_WORD + (u64)__builtin_ctzll(~fa.used[w]);
		if (i >= fa.nr_frames)
			break; /* only the padding bits of the last word */
		take(i, 1, flags, out);
		return 0;
	}
	fa.hint = fa.nr_words;
	return -E_NOMEM;
}

/* The first used frame in [i, i + nr), or i + nr if all are free. */
static u64 first_used(u64 i, u64 nr)
{
	for (u64 k = i; k < i + nr; k++) {
		if (!(k % BITS_PER_WORD) && i + nr - k >= BITS_PER_WORD &&
		    !fa.used[k / BITS_PER_WORD]) {
			k += BITS_PER_WORD - 1; /* a whole free word */
			continue;
		}
		if (bit_test(fa.used, k))
			return k;
	}
	return i + nr;
}

int frame_alloc_run(size_t nr, size_t align_frames, unsigned int flags,
		    hpa_t *out)
{
	u64 align = align_frames, base = fa.lo >> PAGE_SHIFT, i, u;

	if (!nr || !align || (align & (align - 1)))
		return -E_INVAL;
	/* Frame numbers are below 2^52: none is aligned to more but 0. */
	if (nr > fa.nr_frames || align > BIT(52))
		return -E_NOMEM;
	/* The alignment is of the physical address, not of the index. */
	i = ALIGN_UP(base + fa.hint * BITS_PER_WORD, align) - base;
	while (i <= fa.nr_frames - nr) {
		u = first_used(i, nr);
		if (u == i + nr) {
			take(i, nr, flags, out);
			return 0;
		}
		i = ALIGN_UP(base + u + 1, align) - base;
	}
	return -E_NOMEM;
}

void frame_free(hpa_t pa, size_t nr)
{
	u64 i;

	if (!nr)
		return;
	if (!fa.nr_frames || !IS_ALIGNED(pa, PAGE_SIZE) || pa < fa.lo ||
	    frame_index(pa) >= fa.nr_frames ||
	    nr > fa.nr_frames - frame_index(pa)) {
		fa.bad_frees++;
		return;
	}
	i = frame_index(pa);
	for (u64 k = i; k < i + nr; k++) {
		/* Never ours, or already free: a caller bug, not a crash. */
		if (!bit_test(fa.usable, k) || !bit_test(fa.used, k)) {
			fa.bad_frees++;
			continue;
		}
		bits_assign(fa.used, k, k + 1, false);
		fa.free++;
	}
	fa.hint = MIN(fa.hint, i / BITS_PER_WORD);
}

u64 frame_free_count(void)
{
	return fa.free;
}

u64 frame_total_count(void)
{
	return fa.total;
}

u64 frame_bad_free_count(void)
{
	return fa.bad_frees;
}
