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
#define MB2_TAG_FRAMEBUFFER 8
#define MB2_TAG_EFI32_SYSTAB 11
#define MB2_TAG_EFI64_SYSTAB 12
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_EFI_MMAP 17
#define MB2_TAG_EFI_BS_ACTIVE 18 /* boot services not terminated */
#define MB2_TAG_EFI32_IMAGE 19
#define MB2_TAG_EFI64_IMAGE 20

/* Framebuffer types (Multiboot2 spec 3.6.12). */
#define MB2_FB_INDEXED 0
#define MB2_FB_RGB 1
#define MB2_FB_EGA_TEXT 2

/* Memory map entry types (Multiboot2 spec 3.6.8). */
#define MB2_MEM_AVAILABLE 1
#define MB2_MEM_RESERVED 2
#define MB2_MEM_ACPI_RECLAIMABLE 3
#define MB2_MEM_NVS 4
#define MB2_MEM_BAD 5
/* ACPI 6.5 Table 15.1 (AddressRangePersistentMemory); Linux's E820_TYPE_PMEM.
 * Multiboot2 defines only 1-5; loaders pass other values through. */
#define MB2_MEM_PERSISTENT 7

/* UEFI 2.10 7.2.1 EFI_MEMORY_TYPE: the Type of an EFI memory descriptor. */
#define EFI_RESERVED_MEMORY 0
#define EFI_LOADER_CODE 1
#define EFI_LOADER_DATA 2
#define EFI_BOOT_SERVICES_CODE 3
#define EFI_BOOT_SERVICES_DATA 4
#define EFI_RUNTIME_SERVICES_CODE 5
#define EFI_RUNTIME_SERVICES_DATA 6
#define EFI_CONVENTIONAL_MEMORY 7
#define EFI_UNUSABLE_MEMORY 8
#define EFI_ACPI_RECLAIM_MEMORY 9
#define EFI_ACPI_MEMORY_NVS 10
#define EFI_MEMORY_MAPPED_IO 11
#define EFI_MEMORY_MAPPED_IO_PORT_SPACE 12
#define EFI_PAL_CODE 13
#define EFI_PERSISTENT_MEMORY 14
#define EFI_UNACCEPTED_MEMORY 15
/* UEFI 2.10 7.2.3: EFI_MEMORY_DESCRIPTOR_VERSION, and the Attribute bit of
 * regions the firmware's runtime services use after ExitBootServices(). */
#define EFI_MEMORY_DESCRIPTOR_VERSION 1
#define EFI_MEMORY_RUNTIME (1ULL << 63)
#define EFI_PAGE_SIZE 4096ULL
/* UEFI 2.10 4.3.1: EFI_SYSTEM_TABLE_SIGNATURE, "IBI SYST". */
#define EFI_SYSTEM_TABLE_SIGNATURE 0x5453595320494249ULL

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

/* Type 8 (spec 3.6.12): the common part; type 1 adds the RGB layout. */
struct mb2_tag_framebuffer {
	u32 type; /* 0x0 */
	u32 size; /* 0x4 */
	u64 addr; /* 0x8: physical */
	u32 pitch; /* 0x10: bytes per line */
	u32 width; /* 0x14: pixels (characters for EGA text) */
	u32 height; /* 0x18 */
	u8 bpp; /* 0x1c */
	u8 fb_type; /* 0x1d: MB2_FB_* */
	u16 reserved; /* 0x1e */
	/* 0x20: type 0: u16 palette size, then 3-byte colours; type 1:
	 * red, green, blue field positions and mask sizes (u8 each). */
};

/* Types 11/12 (system table) and 19/20 (image handle): one pointer. */
struct mb2_tag_efi64 {
	u32 type; /* 0x0 */
	u32 size; /* 0x4 */
	u64 pointer; /* 0x8 */
};

/* Type 17: the EFI memory map as GetMemoryMap() returned it at
 * ExitBootServices() (spec 3.6.15). */
struct mb2_tag_efi_mmap {
	u32 type; /* 0x0 */
	u32 size; /* 0x4 */
	u32 descr_size; /* 0x8: bytes per descriptor, at least 40 */
	u32 descr_vers; /* 0xc: EFI_MEMORY_DESCRIPTOR_VERSION */
	/* 0x10: descriptors */
};

/* UEFI 2.10 7.2.3 EFI_MEMORY_DESCRIPTOR (descriptors may be larger). */
struct efi_memory_desc {
	u32 type; /* 0x0: EFI_* */
	u32 pad; /* 0x4 */
	u64 phys_start; /* 0x8: 4 KiB aligned */
	u64 virt_start; /* 0x10 */
	u64 nr_pages; /* 0x18: 4 KiB pages */
	u64 attribute; /* 0x20 */
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
_Static_assert(sizeof(struct mb2_tag_framebuffer) == 32, "mb2 fb");
_Static_assert(offsetof(struct mb2_tag_framebuffer, pitch) == 16, "mb2 fb");
_Static_assert(offsetof(struct mb2_tag_framebuffer, bpp) == 28, "mb2 fb");
_Static_assert(offsetof(struct mb2_tag_framebuffer, fb_type) == 29, "mb2 fb");
_Static_assert(sizeof(struct mb2_tag_efi64) == 16, "mb2 efi64");
_Static_assert(sizeof(struct mb2_tag_efi_mmap) == 16, "mb2 efi mmap");
_Static_assert(offsetof(struct mb2_tag_efi_mmap, descr_vers) == 12,
	       "mb2 efi mmap");
_Static_assert(sizeof(struct efi_memory_desc) == 40, "efi memory desc");
_Static_assert(offsetof(struct efi_memory_desc, phys_start) == 8, "efi desc");
_Static_assert(offsetof(struct efi_memory_desc, nr_pages) == 24, "efi desc");
_Static_assert(offsetof(struct efi_memory_desc, attribute) == 32, "efi desc");

#define MB2_RSDP_V1_LEN 20 /* ACPI 1.0 RSDP */
#define MB2_RSDP_V2_MIN_LEN 36 /* ACPI 2.0+ XSDP */

#define MB2_MAX_REGIONS 128
#define MB2_MAX_MODULES 16

/* One region of the memory map; type as in the map (MB2_MEM_*). */
struct mb2_region {
	u64 base, len;
	u32 type;
};

/* Which tag the regions came from (mb2_parse chooses; see mb2_info). */
enum mb2_map_source { MB2_MAP_MMAP = 1, MB2_MAP_EFI = 2 };

/* A framebuffer tag, validated: [addr, addr + pitch * height) is its
 * memory; the RGB fields only for MB2_FB_RGB. */
struct mb2_fb {
	u64 addr;
	u32 pitch, width, height;
	u8 bpp, type;
	u8 red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

/* The EFI tags: pointers into the firmware, descriptors inside the info. */
struct mb2_efi {
	u64 systab; /* EFI64 system table (type 12); 0 if absent */
	u64 image_handle; /* GRUB's EFI64 image handle (type 20); 0 */
	const u8 *mmap; /* the descriptors (type 17); NULL if absent */
	u32 desc_size, nr_desc;
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
 *
 * regions[] is Modex's one memory map: every user (Modex's pool and page
 * tables, L1's multiboot maps, the Linux boot protocol's e820 map) takes
 * it from here. When GRUB passes the EFI memory map (type 17), regions[]
 * comes from it (types through mb2_efi_to_e820()), not from the
 * multiboot map GRUB derived from an earlier GetMemoryMap() call; the
 * multiboot map (type 6) is still validated.
 */
struct mb2_info {
	const char *cmdline, *loader_name; /* NULL if absent */
	struct mb2_region regions[MB2_MAX_REGIONS];
	u32 nr_regions;
	enum mb2_map_source map_source;
	struct mb2_efi efi;
	bool has_fb;
	struct mb2_fb fb;
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
/*
 * The e820/multiboot type of memory of EFI type @efi_type after
 * ExitBootServices() (ACPI 6.4 Table 15.6; docs/boot.md has the table):
 * loader, boot-services and conventional memory are available; ACPI
 * reclaim is ACPI reclaimable; ACPI NVS is NVS; persistent is
 * MB2_MEM_PERSISTENT; everything else (reserved, runtime services code
 * and data, unusable, MMIO, PAL code, unaccepted, unknown) reserved.
 */
u32 mb2_efi_to_e820(u32 efi_type);

int mb2_parse(const void *info, u64 info_phys, const struct mb2_reserved *rsv,
	      unsigned int nr_rsv, struct mb2_info *out, char *err,
	      size_t errlen);

#endif /* __ASSEMBLY__ */

#endif /* MODEX_HV_MULTIBOOT2_H */
