/* SPDX-License-Identifier: MIT */
/*
 * Physical frame allocator: hands out 4 KiB frames of the RAM the memory
 * map offers, minus exclusions and the first MiB, lowest address first.
 *
 * API overview
 *  - frame_init(): the usable frames are the avail ranges (shrunk to page
 *    boundaries) minus the excl ranges (grown to page boundaries) minus
 *    everything below 1 MiB. Two bitmaps over [lowest, highest usable
 *    address) -- "usable" and "in use", one bit per frame each -- live in
 *    the lowest usable run large enough; their frames are never handed
 *    out. Returns -E_INVAL when nothing is usable, -E_NOMEM when no run
 *    holds the bitmaps, -E_FAULT when phys_to_virt cannot reach them.
 *    Calling it again starts over.
 *  - frame_alloc() / frame_alloc_run(): the lowest free frame / the lowest
 *    free run of nr frames aligned to align_frames * 4 KiB (a power of
 *    two); FRAME_ZERO clears them. -E_NOMEM when nothing fits, -E_INVAL for
 *    nr == 0 or a bad alignment.
 *  - frame_free(): frees nr frames from pa. Freeing a frame twice, one that
 *    was never usable, or an unaligned or out-of-span address is not a
 *    crash: the call (or that frame) is ignored and frame_bad_free_count()
 *    goes up, for Modex to log.
 * Not thread-safe: the boot CPU owns it (callers lock when SMP comes).
 * Pure C, no hardware access: built hosted for the unit tests.
 */
#ifndef MODEX_MM_FRAME_H
#define MODEX_MM_FRAME_H

#include "hv/include/types.h"

/* Nothing below this is ever handed out (real-mode and firmware areas). */
#define FRAME_LOW_LIMIT 0x100000ull

#define FRAME_ZERO 1

/* phys_to_virt: how Modex reaches a physical address (identity in Modex,
 * a buffer offset in tests). */
int frame_init(const struct mem_range *avail, unsigned int nr_avail,
	       const struct mem_range *excl, unsigned int nr_excl,
	       void *(*phys_to_virt)(hpa_t));
int frame_alloc(hpa_t *out, unsigned int flags);
int frame_alloc_run(size_t nr, size_t align_frames, unsigned int flags,
		    hpa_t *out);
void frame_free(hpa_t pa, size_t nr);
u64 frame_free_count(void);
u64 frame_total_count(void);
u64 frame_bad_free_count(void);

#endif /* MODEX_MM_FRAME_H */
