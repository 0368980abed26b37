// SPDX-License-Identifier: MIT
/*
 * Boot-time memory setup: reserve Modex's pool (the only RAM besides its
 * image that Modex uses, and so the only RAM hidden from L1; it follows
 * the image at the top of low RAM), hand it to the frame allocator, and
 * build Modex's own page tables with W^X.
 * Context: boot CPU, interrupts off, boot page tables (identity 4 GiB).
 */
#include "hv/memory.h"

#define LOG_PREFIX "mm"
#include "boot/stacks.h"
#include "hv/exit.h"
#include "hv/features.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/spinlock.h"
#include "hv/include/x86.h"
#include "hv/lapic.h"
#include "hv/log.h"
#include "hv/ranges.h"
#include "hv/panic.h"
#include "mm/pt_build.h"

extern char __image_start[], __image_end[];
extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern char __data_start[], __data_end[];

#define FOUR_GIB 0x100000000ULL

static struct mem_range pool;
static struct pt host_pt;
static struct pt_mem_direct host_mem;

struct mem_range memory_pool(void)
{
	return pool;
}

static void *identity(hpa_t pa)
{
	return (void *)pa;
}

/* Whether [s, e) lies in one available region and holds no boot data. */
static bool pool_fits(const struct mb2_info *info, const struct mem_range *busy,
		      unsigned nb, u64 s, u64 e)
{
	if (e > FOUR_GIB || ranges_overlap(busy, nb, s, e))
		return false;
	for (u32 i = 0; i < info->nr_regions; i++) {
		const struct mb2_region *r = &info->regions[i];

		if (r->type == MB2_MEM_AVAILABLE && r->base <= s &&
		    e - r->base <= r->len)
			return true;
	}
	return false;
}

/*
 * The pool follows the image: boot/relocate.c reserved room for it there
 * (docs/boot.md). If Modex could not move, the pool is the highest
 * 2 MiB-aligned window of available RAM below 4 GiB (reachable through
 * the boot identity map) that holds nothing the boot loader put there.
 */
static int pool_reserve(const struct mb2_info *info)
{
	struct mem_range busy[MB2_MAX_MODULES + 2];
	u64 after = ALIGN_UP((u64)__image_end, PAGE_SIZE);
	unsigned nb = 0;

	busy[nb++] = (struct mem_range){ (u64)__image_start, (u64)__image_end };
	busy[nb++] = (struct mem_range){ info->info_phys,
					 info->info_phys + info->info_size };
	for (u32 i = 0; i < info->nr_modules; i++)
		busy[nb++] = (struct mem_range){ info->modules[i].start,
						 info->modules[i].end };
	if (pool_fits(info, busy, nb, after, after + MODEX_POOL_SIZE)) {
		pool = (struct mem_range){ after, after + MODEX_POOL_SIZE };
		return 0;
	}
	for (u32 i = info->nr_regions; i-- > 0;) {
		const struct mb2_region *r = &info->regions[i];
		u64 lo = ALIGN_UP(r->base, SZ_2M);
		u64 hi = ALIGN_DOWN(MIN(r->base + r->len, FOUR_GIB), SZ_2M);

		if (r->type != MB2_MEM_AVAILABLE)
			continue;
		for (; hi >= lo + MODEX_POOL_SIZE; hi -= SZ_2M) {
			if (ranges_overlap(busy, nb, hi - MODEX_POOL_SIZE, hi))
				continue;
			pool = (struct mem_range){ hi - MODEX_POOL_SIZE, hi };
			return 0;
		}
	}
	return -E_NOMEM;
}

/* The frame allocator is not thread-safe: every allocation after the
 * APs started goes through this lock. */
static struct spinlock frames_lock;

int memory_alloc_frames(size_t nr, hpa_t *pa)
{
	int ret;

	spin_lock(&frames_lock);
	ret = frame_alloc_run(nr, 1, FRAME_ZERO, pa);
	spin_unlock(&frames_lock);
	return ret;
}

void memory_free_frames(hpa_t pa, size_t nr)
{
	spin_lock(&frames_lock);
	frame_free(pa, nr);
	spin_unlock(&frames_lock);
}

static int host_alloc_page(u64 *pa)
{
	return frame_alloc(pa, FRAME_ZERO);
}

static void host_free_page(u64 pa)
{
	frame_free(pa, 1);
}

/* Everything the firmware describes, RW+NX; the image gets its own rights. */
static int map_host(const struct mb2_info *info)
{
	const acc_t rw = ACC_READ | ACC_WRITE;
	int ret = 0;

	for (u32 i = 0; i < info->nr_regions && !ret; i++) {
		const struct mb2_region *r = &info->regions[i];
		u64 s = ALIGN_DOWN(r->base, PAGE_SIZE);
		u64 e = ALIGN_UP(r->base + r->len, PAGE_SIZE);

		ret = pt_map(&host_pt, s, s, e - s, rw, 0, 0);
	}
	if (ret)
		return ret;
	ret = pt_map(&host_pt, (u64)__text_start, (u64)__text_start,
		     __text_end - __text_start, ACC_READ | ACC_EXEC, 0, 0);
	if (!ret)
		ret = pt_map(&host_pt, (u64)__rodata_start, (u64)__rodata_start,
			     __rodata_end - __rodata_start, ACC_READ, 0, 0);
	if (!ret)
		ret = pt_map(&host_pt, (u64)__data_start, (u64)__data_start,
			     __data_end - __data_start, rw, 0, 0);
	/* The local APIC page (hv/lapic.h), where the firmware put it, is
	 * rarely in the memory map: UC (PCD|PWT, PAT entry 3; SDM Vol. 3A
	 * 11.4.1: the APIC's registers are uncacheable memory). */
	if (!ret)
		ret = pt_map(&host_pt, lapic_phys_base(), lapic_phys_base(),
			     PAGE_SIZE, rw, PTE_PCD | PTE_PWT, 0);
	return ret;
}

/* The page below each stack (boot/stacks.S) stays unmapped. */
static const char *const stack_guards[] = {
	stack_area,
	boot_stack_top,
	ist_df_stack_top,
	ist_nmi_stack_top,
};

static int unmap_guards(void)
{
	int ret = 0;

	for (unsigned i = 0; i < ARRAY_SIZE(stack_guards) && !ret; i++)
		ret = pt_unmap(&host_pt, (u64)stack_guards[i], PAGE_SIZE);
	return ret;
}

/* Guard pages below the other CPUs' stacks (hv/smp.c), checked below. */
#define MAX_EXTRA_GUARDS 256
static u64 extra_guards[MAX_EXTRA_GUARDS];
static u32 nr_extra_guards;

static inline void invlpg(u64 va)
{
	asm volatile("invlpg (%0)" : : "r"(va) : "memory");
}

int memory_map_mmio(u64 pa, u64 size)
{
	u64 s = ALIGN_DOWN(pa, PAGE_SIZE);
	u64 e = ALIGN_UP(pa + size, PAGE_SIZE);
	int ret;

	if (!size || e < s || !host_pt.root)
		return -E_INVAL;
	/* Device registers: UC (PCD|PWT, PAT entry 3; SDM Vol. 3A 11.3:
	 * memory-mapped I/O must be uncacheable), read/write, NX. A
	 * not-present to present change needs no TLB flush. */
	ret = pt_map(&host_pt, s, s, e - s, ACC_READ | ACC_WRITE,
		     PTE_PCD | PTE_PWT, 0);
	for (u64 va = s; !ret && va < e; va += PAGE_SIZE)
		invlpg(va);
	return ret;
}

int memory_read_firmware(void *ctx, u64 pa, void *buf, u32 len)
{
	const struct mb2_info *info = ctx;

	for (u32 i = 0; i < info->nr_regions; i++) {
		const struct mb2_region *r = &info->regions[i];

		if (pa >= r->base && pa - r->base <= r->len &&
		    len <= r->len - (pa - r->base)) {
			memcpy(buf, (const void *)pa, len);
			return 0;
		}
	}
	return -E_FAULT;
}

int memory_add_guard(u64 va)
{
	int ret;

	if (nr_extra_guards == MAX_EXTRA_GUARDS)
		return -E_NOMEM;
	ret = pt_unmap(&host_pt, va, PAGE_SIZE);
	if (ret)
		return ret;
	invlpg(va);
	extra_guards[nr_extra_guards++] = va;
	return 0;
}

int memory_host_protect(u64 va, u64 size, acc_t acc)
{
	int ret = pt_protect(&host_pt, va, size, acc, 0);

	for (u64 off = 0; off < size; off += PAGE_SIZE)
		invlpg(va + off);
	return ret;
}

u64 memory_host_root(void)
{
	return host_pt.root;
}

void memory_check_guards(void)
{
	struct pt_walk w;
	u32 unmapped = 0;

	for (u32 i = 0; i < nr_extra_guards; i++)
		if (pt_lookup(&host_pt, extra_guards[i], &w) == PTW_NOT_PRESENT)
			unmapped++;
	log_info("per-CPU stack guard pages unmapped: %u of %u.", unmapped,
		 nr_extra_guards);
	BUG_ON(unmapped != nr_extra_guards);
}

struct wx_count {
	u64 leaves, wx;
};

static int count_leaf(void *arg, u64 va, u64 entry, unsigned level)
{
	struct wx_count *c = arg;
	acc_t acc = pt_entry_acc(&host_pt.fmt, entry);

	(void)level;

	(void)va;
	c->leaves++;
	if ((acc & ACC_WRITE) && (acc & ACC_EXEC))
		c->wx++;
	return 0;
}

/* Boot-test invariants: no W+X leaf, every guard page unmapped. */
static void check_host_tables(void)
{
	struct wx_count c = { 0, 0 };
	unsigned unmapped = 0;
	struct pt_walk w;

	pt_for_each_leaf(&host_pt, count_leaf, &c);
	for (unsigned i = 0; i < ARRAY_SIZE(stack_guards); i++)
		if (pt_lookup(&host_pt, (u64)stack_guards[i], &w) ==
		    PTW_NOT_PRESENT)
			unmapped++;
	log_info("own page tables: %lu leaf mappings, %lu writable+executable.",
		 c.leaves, c.wx);
	log_info("stack guard pages unmapped: %u of %u.", unmapped,
		 (unsigned)ARRAY_SIZE(stack_guards));
	BUG_ON(c.wx != 0);
	BUG_ON(unmapped != ARRAY_SIZE(stack_guards));
}

static int build_host_tables(const struct mb2_info *info)
{
	struct pt_format f;
	struct pt_mem m;
	u32 flags = PTF_NXE | (cpu_features.pdpe1gb ? PTF_1G : 0);
	int ret;

	ret = pt_format_init(&f, PT_X86, cpu_features.maxphyaddr, flags);
	if (ret)
		return ret;
	host_mem =
		(struct pt_mem_direct){ identity, host_alloc_page,
					host_free_page, pool.start, pool.end };
	m = pt_mem_direct(&host_mem);
	ret = pt_init(&host_pt, &f, &m);
	if (!ret)
		ret = map_host(info);
	if (!ret)
		ret = unmap_guards();
	if (ret)
		return ret;
	write_cr3(host_pt.root);
	return 0;
}

void memory_init(const struct mb2_info *info)
{
	int ret = pool_reserve(info);

	if (ret) {
		log_err("no room for Modex's %llu MiB memory pool below 4 GiB.",
			MODEX_POOL_SIZE >> 20);
		hv_exit(HV_EXIT_FAIL);
	}
	ret = frame_init(&pool, 1, NULL, 0, identity);
	if (ret) {
		log_err("cannot set up the frame allocator: %s.", err_str(ret));
		hv_exit(HV_EXIT_FAIL);
	}
	log_info(
		"memory: %u regions in the map; Modex pool [%#lx, %#lx), %lu frames free.",
		info->nr_regions, pool.start, pool.end, frame_free_count());
	ret = build_host_tables(info);
	if (ret) {
		log_err("cannot build Modex's own page tables: %s.",
			err_str(ret));
		hv_exit(HV_EXIT_FAIL);
	}
	check_host_tables();
}
