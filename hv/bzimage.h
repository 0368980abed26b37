/* SPDX-License-Identifier: MIT */
/*
 * The Linux x86 boot protocol for L1 (Documentation/arch/x86/boot.rst,
 * version 2.12 or later, 64-bit entry): a bzImage's setup header read and
 * validated, the protected-mode kernel placed where the header asks, and
 * the boot area L1 starts from built: struct boot_params (the "zero page",
 * Documentation/arch/x86/zero-page.rst), identity-mapping page tables, a
 * GDT with the protocol's selectors, a stack and the command line. Pure
 * logic like hv/loader.c: builds freestanding and hosted.
 *
 * Typical use (hv/l1_boot.c):
 *   bzimage_open(file, size, &img, err, len);     header only
 *   bzimage_place(&img, ram, n, avoid, m, err, len);  sets img.segs[0]
 *   loader_load(&img, file, size, &ops, ctx);    the protected-mode kernel
 *   bzimage_area_size(cmdline) -> find free RAM below 4 GiB -> base;
 *   bzimage_build_area(&img, file, size, &params, base, buf, &st, ...);
 */
#ifndef MODEX_HV_BZIMAGE_H
#define MODEX_HV_BZIMAGE_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"
#include "hv/e820.h"
#include "hv/loader.h"

/* boot.rst "The real-mode kernel header": offsets in the file and in
 * struct boot_params alike. */
#define BZ_SETUP_SECTS 0x1f1 /* u8; 0 means 4 */
#define BZ_SYSSIZE 0x1f4 /* u32, 16-byte paragraphs */
#define BZ_BOOT_FLAG 0x1fe /* u16, 0xaa55 */
#define BZ_JUMP 0x200 /* u16: short jump; its second byte ends the header */
#define BZ_HEADER 0x202 /* u32, "HdrS" */
#define BZ_VERSION 0x206 /* u16 */
#define BZ_TYPE_OF_LOADER 0x210 /* u8 (write) */
#define BZ_LOADFLAGS 0x211 /* u8 */
#define BZ_CODE32_START 0x214 /* u32 */
#define BZ_RAMDISK_IMAGE 0x218 /* u32 (write) */
#define BZ_RAMDISK_SIZE 0x21c /* u32 (write) */
#define BZ_CMD_LINE_PTR 0x228 /* u32 (write) */
#define BZ_INITRD_ADDR_MAX 0x22c /* u32: highest address of the initrd */
#define BZ_KERNEL_ALIGNMENT 0x230 /* u32 */
#define BZ_RELOCATABLE 0x234 /* u8 */
#define BZ_XLOADFLAGS 0x236 /* u16 */
#define BZ_CMDLINE_SIZE 0x238 /* u32: longest command line, NUL excluded */
#define BZ_HARDWARE_SUBARCH 0x23c /* u32 (write) */
#define BZ_PREF_ADDRESS 0x258 /* u64 */
#define BZ_INIT_SIZE 0x260 /* u32 */
/* Protocol 2.12's header runs through handover_offset (0x264-0x267). */
#define BZ_HDR_MIN_END 0x268

#define BZ_MAGIC 0x53726448u /* "HdrS" */
#define BZ_BOOT_FLAG_MAGIC 0xaa55
#define BZ_MIN_VERSION 0x020c
/* 2.14 added acpi_rsdp_addr; an older kernel finds the firmware's RSDP. */
#define BZ_RSDP_VERSION 0x020e
#define BZ_LOADED_HIGH BIT(0) /* loadflags: protected mode at 0x100000 */
#define BZ_XLF_KERNEL_64 BIT(0) /* xloadflags: 64-bit entry at +0x200 */
#define BZ_ENTRY64_OFF 0x200
#define BZ_LOADER_UNDEFINED 0xff /* type_of_loader: no assigned ID */
#define BZ_SUBARCH_PC 0

/* zero-page.rst: the fields of struct boot_params outside the header. */
#define BP_SIZE 4096
#define BP_SCREEN_INFO 0x000 /* struct screen_info, 0x40 bytes */
#define BP_ORIG_VIDEO_ISVGA 0x00f /* u8 in screen_info */
#define BP_ACPI_RSDP_ADDR 0x070 /* u64 */
#define BP_EXT_RAMDISK_IMAGE 0x0c0 /* u32 */
#define BP_EXT_RAMDISK_SIZE 0x0c4 /* u32 */
#define BP_EXT_CMD_LINE_PTR 0x0c8 /* u32 */
#define BP_E820_ENTRIES 0x1e8 /* u8 */
#define BP_SENTINEL 0x1ef /* u8: 0 when the loader zeroed the page */
#define BP_HDR 0x1f1 /* struct setup_header */
#define BP_E820_TABLE 0x2d0 /* struct boot_e820_entry[E820_MAX_ENTRIES] */
_Static_assert(BP_E820_TABLE + E820_MAX_ENTRIES * 20 <= BP_SIZE, "e820");

/*
 * The boot area, one page-aligned block below 4 GiB:
 *   +0x0000 struct boot_params
 *   +0x1000 PML4, +0x2000 PDPT, +0x3000..+0x6fff four page directories:
 *           the first 4 GiB identity-mapped with 2 MiB pages
 *   +0x7000 the GDT (BZ_GDT_ENTRIES entries); the stack grows down from
 *           +0x8000
 *   +0x8000 the command line, NUL-terminated
 */
#define BZ_AREA_PT 0x1000
#define BZ_AREA_PT_PAGES 6
#define BZ_AREA_GDT 0x7000
#define BZ_AREA_STACK_TOP 0x8000
#define BZ_AREA_CMDLINE 0x8000
/* boot.rst "64-bit Boot Protocol": __BOOT_CS 0x10, __BOOT_DS 0x18. */
#define BZ_BOOT_CS 0x10
#define BZ_BOOT_DS 0x18
#define BZ_GDT_ENTRIES 4
#define BOOT_AR_CODE64 0xa09b /* G, L, P, DPL0, S, execute/read accessed */

/* Whether @file looks like a bzImage ("HdrS" at 0x202). */
bool bzimage_is(const void *file, size_t size);

/*
 * Read and validate the setup header into img->bz (img->proto LINUX, no
 * segment yet). 0 or a negative E_* code with a whole sentence in err.
 */
int bzimage_open(const void *file, size_t size, struct l1_image *img, char *err,
		 size_t errlen);

/*
 * Choose where the kernel runs (boot.rst "init_size"): a relocatable
 * kernel at the lowest multiple of kernel_alignment at or above
 * pref_address whose init_size bytes lie in @ram and clear of @avoid;
 * any other at pref_address. Sets img->segs[0] (the protected-mode kernel,
 * its memory reserved to init_size without zeroing), img->entry (the
 * 64-bit entry) and img->load_base.
 */
int bzimage_place(struct l1_image *img, const struct mem_range *ram,
		  unsigned nr_ram, const struct mem_range *avoid,
		  unsigned nr_avoid, char *err, size_t errlen);

struct bzimage_params {
	const char *cmdline; /* NULL: "" */
	gpa_t initrd; /* 0 with initrd_size 0: none */
	u64 initrd_size;
	gpa_t rsdp; /* L1's ACPI RSDP; 0: none */
	const struct l1_mem_region *mmap; /* L1's memory map */
	unsigned nr_mmap;
};

/* Bytes of the boot area for @cmdline (NULL: ""), a page multiple. */
size_t bzimage_area_size(const char *cmdline);

/*
 * Build the boot area for GPA @base (page-aligned, the area below 4 GiB)
 * into @buf (bzimage_area_size() bytes, L1's memory at @base) and fill
 * @st with the 64-bit entry state. Checks the command line against
 * cmdline_size, the initrd against initrd_addr_max and the kernel's
 * range, and the map against the e820 table's size.
 */
int bzimage_build_area(const struct l1_image *img, const void *file,
		       size_t size, const struct bzimage_params *p, gpa_t base,
		       void *buf, struct boot_cpu_state *st, char *err,
		       size_t errlen);

#endif /* MODEX_HV_BZIMAGE_H */
