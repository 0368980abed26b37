/* SPDX-License-Identifier: MIT */
/* Physical frame allocator (interface; see mm/frame.c). */
#ifndef MODEX_MM_FRAME_H
#define MODEX_MM_FRAME_H

#include "hv/include/types.h"

struct mem_range {
	u64 start, end; /* end exclusive */
};

#define FRAME_ZERO 1

int frame_init(const struct mem_range *avail, unsigned nr_avail,
	       const struct mem_range *excl, unsigned nr_excl,
	       void *(*phys_to_virt)(hpa_t));
int frame_alloc(hpa_t *out, unsigned flags);
int frame_alloc_run(size_t nr, size_t align_frames, unsigned flags,
		    hpa_t *out);
void frame_free(hpa_t pa, size_t nr);
u64 frame_free_count(void);
u64 frame_total_count(void);
u64 frame_bad_free_count(void);

#endif /* MODEX_MM_FRAME_H */
