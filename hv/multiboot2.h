/* SPDX-License-Identifier: MIT */
/*
 * Multiboot2 boot information: the layouts GRUB hands Modex (Multiboot2
 * specification 3.6) and mb2_parse(), which validates the whole of it and
 * copies out a summary that the rest of Modex trusts.
 */
#ifndef MODEX_HV_MULTIBOOT2_H
#define MODEX_HV_MULTIBOOT2_H

/* Multiboot2 spec 3.1.1 (header) and 3.3 (EAX on entry). */
#define MB2_HEADER_MAGIC 0xe85250d6
#define MB2_BOOTLOADER_MAGIC 0x36d76289

/* Boot information tag types (Multiboot2 spec 3.6). */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15

/* Memory map entry types (Multiboot2 spec 3.6.8). */
#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_RESERVED 2
#define MB2_MEM_ACPI_RECLAIMABLE 3
#define MB2_MEM_NVS 4
#define MB2_MEM_BAD 5

#define MB2_INFO_MIN_SIZE 16 /* fixed part and an end tag */
#define MB2_INFO_MAX_SIZE 0x100000 /* Modex's bound: 1 MiB */

#ifndef __ASSEMBLY__

#include "hv/include/compiler.h"
#include "hv/include/types.h"

/* The fixed part at the start of the information. */
struct mb2_info_header {
	u32 total_size; /* 0x0: including this header */
	u32 reserved; /* 0x4: ignored (spec 3.6.1) */
};

/* Every tag starts with this; tags are 8-byte aligned (spec 3.6.1). */
struct mb2_tag {
	u32 type; /* 0x0 */
	u32 size; /* 0x4: without the padding to 8 bytes */
};

/* Types 1 (command line) and 2 (boot loader name). */
struct mb2_tag_string {
	u32 type; /* 0x0 */
	u32 size; /* 0x4 */
	char string[]; /* 0x8: NUL-terminated */
};

struct mb2_tag_module {
	u32 type; /* 0x0 */
	u32 size; /* 0x4 */
	u32 mod_start; /* 0x8 */
	u32 mod_end; /* 0xc: exclusive (as GRUB fills it) */
	char cmdline[]; /* 0x10: NUL-terminated */
};

struct mb2_tag_basic_meminfo {
	u32 type; /* 0x0 */
	u32 size; /* 0x4 */
	u32 mem_lower; /* 0x8: KiB */
	u32 mem_upper; /* 0xc: KiB */
};

struct mb2_tag_mmap {
	u32 type; /* 0x0 */
	u32 size; /* 0x4 */
	u32 entry_size; /* 0x8: a multiple of 8, at least 24 */
	u32 entry_version; /* 0xc: 0 */
	/* 0x10: entries */
};

struct mb2_mmap_entry {
	u64 base_addr; /* 0x0 */
	u64 length; /* 0x8 */
	u32 type; /* 0x10: MB2_MEM_* */
	u32 reserved; /* 0x14 */
};

/* Types 14 and 15: a copy of the ACPI RSDP (ACPI 6.5 5.2.5.3). */
struct mb2_tag_acpi {
	u32 type; /* 0x0 */
	u32 size; /* 0x4 */
	u8 rsdp[]; /* 0x8 */
};

_Static_assert(sizeof(struct mb2_info_header) == 8, "mb2 header");
_Static_assert(offsetof(struct mb2_info_header, reserved) == 4, "mb2 header");
_Static_assert(sizeof(struct mb2_tag) == 8, "mb2 tag");
_Static_assert(offsetof(struct mb2_tag, size) == 4, "mb2 tag");
_Static_assert(offsetof(struct mb2_tag_string, string) == 8, "mb2 string");
_Static_assert(sizeof(struct mb2_tag_module) == 16, "mb2 module");
_Static_assert(offsetof(struct mb2_tag_module, mod_start) == 8, "mb2 module");
_Static_assert(offsetof(struct mb2_tag_module, mod_end) == 12, "mb2 module");
_Static_assert(offsetof(struct mb2_tag_module, cmdline) == 16, "mb2 module");
_Static_assert(sizeof(struct mb2_tag_basic_meminfo) == 16, "mb2 meminfo");
_Static_assert(offsetof(struct mb2_tag_basic_meminfo, mem_upper) == 12,
	       "mb2 meminfo");
_Static_assert(sizeof(struct mb2_tag_mmap) == 16, "mb2 mmap");
_Static_assert(offsetof(struct mb2_tag_mmap, entry_size) == 8, "mb2 mmap");
_Static_assert(offsetof(struct mb2_tag_mmap, entry_version) == 12, "mb2 mmap");
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry");
_Static_assert(offsetof(struct mb2_mmap_entry, length) == 8, "mb2 entry");
_Static_assert(offsetof(struct mb2_mmap_entry, type) == 16, "mb2 entry");
_Static_assert(offsetof(struct mb2_tag_acpi, rsdp) == 8, "mb2 acpi");

#define MB2_RSDP_V1_LEN 20 /* ACPI 1.0 RSDP */
#define MB2_RSDP_V2_MIN_LEN 36 /* ACPI 2.0+ XSDP */

#define MB2_MAX_REGIONS 128
#define MB2_MAX_MODULES 16

/* One region of the memory map; type as in the map (MB2_MEM_*). */
struct mb2_region {
	u64 base, len;
	u32 type;
};

struct mb2_module {
	u64 start, end; /* end exclusive */
	const char *cmdline; /* inside the info, NUL-terminated */
};

/*
 * The validated summary. regions[] is sorted by base, non-overlapping,
 * without zero-length regions, and adjacent regions of one type are
 * merged. Where map entries overlap, the overlap gets the more
 * restrictive type: available < ACPI reclaimable < any other type
 * (ordered by number among themselves), so nothing reserved is ever
 * counted as free.
 */
struct mb2_info {
	const char *cmdline, *loader_name; /* NULL if absent */
	struct mb2_region regions[MB2_MAX_REGIONS];
	u32 nr_regions;
	struct mb2_module modules[MB2_MAX_MODULES];
	u32 nr_modules;
	/* The RSDP copy inside the info (tag 15 preferred over 14). */
	u64 rsdp_phys; /* 0 if absent */
	const void *rsdp; /* the same copy, as Modex reaches it; NULL */
	u32 rsdp_len; /* 20 (ACPI 1.0) or the XSDP's length */
	u8 rsdp_rev; /* the RSDP's revision byte */
	u64 info_phys, info_size;
};

/* A range nothing may overlap, e.g. the Modex image. */
struct mb2_reserved {
	u64 start, end; /* end exclusive; empty ranges are ignored */
	const char *what; /* for messages: "the Modex image" */
};

/*
 * Validates the information at info (reached by Modex at that pointer,
 * at physical address info_phys, used for the overlap checks) and fills
 * out. Returns 0, or -E_INVAL with a whole sentence naming the problem
 * and the tag offset in err (errlen may be 0). Reads the 4-byte
 * total_size first and then nothing at or beyond total_size.
 */
int mb2_parse(const void *info, u64 info_phys, const struct mb2_reserved *rsv,
	      unsigned int nr_rsv, struct mb2_info *out, char *err,
	      size_t errlen);

#endif /* __ASSEMBLY__ */

#endif /* MODEX_HV_MULTIBOOT2_H */
