// SPDX-License-Identifier: MIT
/*
 * Boot-time memory setup: the frame allocator over the memory map (minus
 * the first MiB, the image, the boot information and the modules) and
 * Modex's own page tables.
 * Context: boot CPU, interrupts off.
 */
#include "hv/memory.h"

#define LOG_PREFIX "mm"
#include "hv/exit.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/log.h"
#include "hv/panic.h"
#include "mm/frame.h"

extern char __image_start[], __image_end[];

#define MAX_EXCL (MB2_MAX_MODULES + 2)

static struct mem_range avail[MB2_MAX_REGIONS];

static void *identity_phys_to_virt(hpa_t pa)
{
	return (void *)pa;
}

static unsigned collect_avail(const struct mb2_info *info, u64 *total)
{
	unsigned n = 0;

	*total = 0;
	for (u32 i = 0; i < info->nr_regions; i++) {
		const struct mb2_region *r = &info->regions[i];

		if (r->type != 1)
			continue;
		avail[n++] = (struct mem_range){ r->base, r->base + r->len };
		*total += r->len;
	}
	return n;
}

static unsigned collect_excl(const struct mb2_info *info,
			     struct mem_range *excl)
{
	unsigned n = 0;

	excl[n++] = (struct mem_range){ (u64)__image_start, (u64)__image_end };
	excl[n++] = (struct mem_range){ info->info_phys,
					info->info_phys + info->info_size };
	for (u32 i = 0; i < info->nr_modules; i++)
		excl[n++] = (struct mem_range){ info->modules[i].start,
						info->modules[i].end };
	return n;
}

static void frames_init(const struct mb2_info *info)
{
	struct mem_range excl[MAX_EXCL];
	unsigned nr_avail, nr_excl;
	u64 total;
	int ret;

	nr_avail = collect_avail(info, &total);
	nr_excl = collect_excl(info, excl);
	ret = frame_init(avail, nr_avail, excl, nr_excl, identity_phys_to_virt);
	if (ret) {
		log_err("cannot set up the frame allocator: %s.", err_str(ret));
		hv_exit(HV_EXIT_FAIL);
	}
	log_info("memory: %lu KiB available in %u ranges, %lu frames free for Modex.",
		 total >> 10, nr_avail, frame_free_count());
}

void memory_init(const struct mb2_info *info)
{
	frames_init(info);
}
