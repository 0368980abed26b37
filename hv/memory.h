/* SPDX-License-Identifier: MIT */
/*
 * Modex's memory: a pool of RAM reserved for Modex (hidden from L1) that
 * feeds the frame allocator, and Modex's own page tables (W^X) built with
 * the mm/ builder.
 */
#ifndef MODEX_HV_MEMORY_H
#define MODEX_HV_MEMORY_H

#include "hv/multiboot2.h"
#include "mm/access.h"
#include "mm/frame.h"

/* Size of the pool Modex reserves for itself (tables, sink page...). */
#define MODEX_POOL_SIZE (16ULL << 20)

void memory_init(const struct mb2_info *info);

/* Modex's pool: [start, end), page aligned, below 4 GiB; right after the
 * image unless Modex could not move (then 2 MiB aligned, elsewhere). */
struct mem_range memory_pool(void);

/*
 * An acpi_read_fn (hv/acpi.h) for firmware tables: copies from where the
 * firmware put them, only inside a region of the memory map @ctx (a
 * const struct mb2_info *), which Modex's own tables map; -E_FAULT for
 * anything else.
 */
int memory_read_firmware(void *ctx, u64 pa, void *buf, u32 len);

/* @nr zeroed contiguous frames of Modex's pool, from any CPU at any time
 * (locked); 0 or -E_NOMEM. */
int memory_alloc_frames(size_t nr, hpa_t *pa);
void memory_free_frames(hpa_t pa, size_t nr);

/* The root of Modex's own page tables (below 4 GiB: APs load it in
 * 32-bit mode). */
u64 memory_host_root(void);
/* Map device registers [pa, pa+size) (page-rounded) identity, UC,
 * read/write, NX in Modex's own tables; for MMIO outside the memory map
 * (an IOMMU's registers). Call after memory_init(). */
int memory_map_mmio(u64 pa, u64 size);
/* Unmap the page at @va in Modex's tables as a stack guard page; the
 * guards are counted by memory_check_guards(). */
int memory_add_guard(u64 va);
/* Re-encode [va, va+size) of Modex's tables with @acc and flush this
 * CPU's TLB for it (other CPUs must not have it cached). */
int memory_host_protect(u64 va, u64 size, acc_t acc);
/* Log and assert that every guard page memory_add_guard() took is
 * unmapped. */
void memory_check_guards(void);

#endif /* MODEX_HV_MEMORY_H */
