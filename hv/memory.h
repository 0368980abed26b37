/* SPDX-License-Identifier: MIT */
/*
 * Modex's memory: a pool of RAM reserved for Modex (hidden from L1) that
 * feeds the frame allocator, and Modex's own page tables (W^X) built with
 * the mm/ builder.
 */
#ifndef MODEX_HV_MEMORY_H
#define MODEX_HV_MEMORY_H

#include "hv/multiboot2.h"
#include "mm/frame.h"

/* Size of the pool Modex reserves for itself (tables, sink page...). */
#define MODEX_POOL_SIZE (16ULL << 20)

void memory_init(const struct mb2_info *info);

/* Modex's pool: [start, end), page aligned, below 4 GiB; right after the
 * image unless Modex could not move (then 2 MiB aligned, elsewhere). */
struct mem_range memory_pool(void);

#endif /* MODEX_HV_MEMORY_H */
