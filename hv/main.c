// SPDX-License-Identifier: MIT
/*
 * hv_main: Modex's 64-bit C entry. Brings up the CPU tables, console,
 * options, memory and Modex's own page tables, probes the CPU and reports.
 * Context: boot CPU, interrupts off, boot page tables (identity 4 GiB).
 */
#include "hv/main.h"

#define LOG_PREFIX "boot"
#include "boot/cpu_tables.h"
#include "boot/relocate.h"
#include "hv/cmdline.h"
#include "hv/console.h"
#include "hv/fbcon.h"
#include "hv/exit.h"
#include "hv/features.h"
#include "hv/guest.h"
#include "hv/lapic.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/log.h"
#include "hv/memory.h"
#include "hv/multiboot2.h"
#include "hv/panic.h"
#include "hv/selftest.h"
#include "hv/smp.h"

extern char __image_start[], __image_end[];

struct hv_options hv_options;
struct mb2_info boot_info;

static void report_option_problem(void *ctx, const char *msg)
{
	(void)ctx;
	log_warn("%s", msg);
}

static void parse_boot_info(u32 info_pa)
{
	struct mb2_reserved rsv[] = {
		{ (u64)__image_start, (u64)__image_end, "the Modex image" },
	};
	char err[160];
	int ret;

	ret = mb2_parse((const void *)(u64)info_pa, info_pa, rsv,
			ARRAY_SIZE(rsv), &boot_info, err, sizeof(err));
	if (ret) {
		log_err("the multiboot2 boot information is invalid: %s", err);
		log_err("Modex cannot continue without a valid memory map.");
		hv_exit(HV_EXIT_FAIL);
	}
}

/*
 * Modex keeps its own copy of the boot information, in its pool: every
 * pointer boot_info holds then points into Modex's memory, and GRUB's
 * copy is ordinary L1 RAM that L1's image may load over (docs/boot.md).
 */
static void keep_boot_info(void)
{
	size_t pages = ALIGN_UP(boot_info.info_size, PAGE_SIZE) >> PAGE_SHIFT;
	u64 from = boot_info.info_phys;
	char err[160];
	hpa_t pa;
	int ret;

	ret = frame_alloc_run(pages, 1, 0, &pa);
	if (ret) {
		log_warn(
			"no room in Modex's pool for a copy of the boot information (%s); L1 may not load over GRUB's.",
			err_str(ret));
		return;
	}
	memcpy((void *)pa, (const void *)from, boot_info.info_size);
	ret = mb2_parse((const void *)pa, pa, NULL, 0, &boot_info, err,
			sizeof(err));
	/* The same bytes parsed once already: a failure is Modex's bug. */
	BUG_ON(ret);
	log_dbg("boot information copied from %#lx to %#lx (%lu bytes).", from,
		pa, boot_info.info_size);
}

static void apply_options(void)
{
	int problems;

	cmdline_defaults(&hv_options);
	problems = cmdline_parse(boot_info.cmdline ? boot_info.cmdline : "",
				 &hv_options, report_option_problem, NULL);
	if (hv_options.console_port != COM1_PORT)
		con_init(hv_options.console_port);
	log_threshold = hv_options.log_level;
	hv_exit_set_method(hv_options.exit);
	if (problems)
		log_warn("%d problem(s) in the command line; see above.",
			 problems);
}

static void log_boot_info(void)
{
	const struct mb2_efi *e = &boot_info.efi;

	if (boot_info.map_source == MB2_MAP_EFI)
		log_info(
			"UEFI boot: memory map from the EFI memory map (%u descriptors of %u bytes); EFI system table at %#lx.",
			e->nr_desc, e->desc_size, e->systab);
	for (u32 i = 0; i < boot_info.nr_regions; i++) {
		const struct mb2_region *r = &boot_info.regions[i];

		log_dbg("memory map: [0x%016lx, 0x%016lx) type %u.", r->base,
			r->base + r->len, r->type);
	}
	for (u32 i = 0; i < boot_info.nr_modules; i++)
		log_dbg("module %u: [%#lx, %#lx) \"%s\".", i,
			boot_info.modules[i].start, boot_info.modules[i].end,
			boot_info.modules[i].cmdline ?
				boot_info.modules[i].cmdline :
				"");
}

static void log_move(void)
{
	const struct boot_move *m = &boot_move;

	if (m->err)
		log_warn(
			"Modex could not move to the top of low RAM (%s); it stays at %#lx, so L1's RAM from 1 MiB is not one region.",
			err_str(m->err), m->from);
	else
		log_info(
			"moved from %#lx to %#lx; Modex's memory (image and pool) is [%#lx, %#lx).",
			m->from, m->to, m->to, m->to + m->size);
}

void hv_main(u32 magic, u32 info_pa)
{
	(void)magic; /* checked by boot/entry.S */
	smp_init_boot_cpu();
	cpu_tables_init();
	con_init(COM1_PORT);
	parse_boot_info(info_pa);
	apply_options();

	log_info(MODEX_BANNER);
	log_info("command line: \"%s\"; loader: %s.",
		 boot_info.cmdline ? boot_info.cmdline : "",
		 boot_info.loader_name ? boot_info.loader_name : "unknown");
	features_probe(&cpu_features);
	features_report(&cpu_features);
	lapic_init();

	log_boot_info();
	log_move();
	memory_init(&boot_info);
	fbcon_start(&boot_info);
	keep_boot_info();
	selftest_run(&hv_options);

	guest_start(&boot_info);
	log_info("no L1 module was given; nothing to run, stopping.");
	hv_exit(HV_EXIT_PASS);
}
