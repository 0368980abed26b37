// SPDX-License-Identifier: MIT
/*
 * Test-guest Multiboot2 information parser (Multiboot2 specification 3.6):
 * the command line, modules, memory map and ACPI RSDP tags, each validated
 * against its tag and the whole structure against the 4 GiB the guest maps.
 * Deliberately independent of hv/multiboot2.c: Modex builds L1's info with
 * hv/loader_info.c, and the test checks it with code that shares nothing
 * with Modex, reading the raw map (order, overlaps) as L1 receives it.
 */
#include "tests/guest/lib/bootinfo.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"

#define FOUR_GIB 0x100000000ULL
#define MB2_INFO_MAX (1ULL << 20) /* sanity bound on total_size */
#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MODULE 3
#define MB2_TAG_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_ACPI_OLD 14
#define MB2_TAG_ACPI_NEW 15
#define MB2_TAG_EFI64_SYSTAB 12
#define MB2_TAG_EFI_MMAP 17
#define ACPI_RSDP_V1_LEN 20 /* ACPI 6.5 5.2.5.3: the ACPI 1.0 part */

struct mb2_tag {
	u32 type, size;
} __packed;

struct mb2_tag_module {
	struct mb2_tag tag;
	u32 mod_start, mod_end;
	char string[];
} __packed;

struct mb2_tag_meminfo {
	struct mb2_tag tag;
	u32 mem_lower, mem_upper;
} __packed;

struct mb2_tag_mmap {
	struct mb2_tag tag;
	u32 entry_size, entry_version;
} __packed;

struct mb2_mmap_entry {
	u64 base, len;
	u32 type, reserved;
} __packed;
_Static_assert(sizeof(struct mb2_mmap_entry) == 24, "mb2 mmap entry size");

/* A string inside a tag must end, NUL included, before the tag does. */
static const char *tag_string(const struct mb2_tag *t, u32 off)
{
	const char *s = (const char *)t + off;

	if (off >= t->size || strnlen(s, t->size - off) == t->size - off)
		return NULL;
	return s;
}

static int parse_mmap(const struct mb2_tag *t, struct guest_bootinfo *bi)
{
	const struct mb2_tag_mmap *m = (const void *)t;
	u64 off = sizeof(*m);

	if (t->size < sizeof(*m) || m->entry_size < 24 || m->entry_size % 8)
		return -E_INVAL;
	for (; off + m->entry_size <= t->size; off += m->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)((u64)t + off);

		bootinfo_add_mmap(bi, e->base, e->len, e->type);
	}
	return 0;
}

static int parse_tag(const struct mb2_tag *t, struct guest_bootinfo *bi)
{
	const struct mb2_tag_module *m = (const void *)t;
	const struct mb2_tag_meminfo *mi = (const void *)t;
	const char *s;

	switch (t->type) {
	case MB2_TAG_CMDLINE:
		s = tag_string(t, sizeof(*t));
		if (!s)
			return -E_INVAL;
		bi->cmdline = s;
		return 0;
	case MB2_TAG_MODULE:
		s = tag_string(t, sizeof(*m));
		if (t->size < sizeof(*m) || !s)
			return -E_INVAL;
		return bootinfo_add_mod(bi, m->mod_start, m->mod_end, s);
	case MB2_TAG_MEMINFO:
		if (t->size < sizeof(*mi))
			return -E_INVAL;
		bi->has_meminfo = true;
		bi->mem_lower = mi->mem_lower;
		bi->mem_upper = mi->mem_upper;
		return 0;
	case MB2_TAG_MMAP:
		return parse_mmap(t, bi);
	case MB2_TAG_EFI64_SYSTAB:
		if (t->size < 16)
			return -E_INVAL;
		bi->efi_systab = *(const u64 *)((u64)t + 8);
		return 0;
	case MB2_TAG_EFI_MMAP:
		/* Multiboot2 3.6.15: descr_size, descr_vers, descriptors
		 * (UEFI 2.10 7.2.3: at least 40 bytes each, version 1). */
		if (t->size < 16 || ((const u32 *)t)[2] < 40 ||
		    ((const u32 *)t)[3] != 1)
			return -E_INVAL;
		bi->efi_desc_size = ((const u32 *)t)[2];
		bi->efi_nr_desc = (t->size - 16) / bi->efi_desc_size;
		bi->efi_mmap = (const u8 *)t + 16;
		return 0;
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		/* Multiboot2 3.6, "ACPI old/new RSDP": a copy of it follows. */
		if (t->size < sizeof(*t) + ACPI_RSDP_V1_LEN)
			return -E_INVAL;
		if (t->type == MB2_TAG_ACPI_NEW || !bi->rsdp_new) {
			bi->rsdp = (u64)t + sizeof(*t);
			bi->rsdp_new = t->type == MB2_TAG_ACPI_NEW;
		}
		return 0;
	}
	return 0;
}

int bootinfo_parse_mb2(u32 info_pa, struct guest_bootinfo *bi)
{
	u64 p = info_pa, end;
	u32 total;

	if (!info_pa || info_pa % 8 || (u64)info_pa + 16 > FOUR_GIB) {
		guest_snprintf(bi->err, sizeof(bi->err), "bad info pointer %#x",
			       info_pa);
		return -E_FAULT;
	}
	total = *(const u32 *)p;
	end = p + total;
	if (total < 16 || total > MB2_INFO_MAX || end > FOUR_GIB) {
		guest_snprintf(bi->err, sizeof(bi->err), "bad total_size %u",
			       total);
		return -E_RANGE;
	}
	bootinfo_add_rsv(bi, p, end);
	for (p += 8; p + sizeof(struct mb2_tag) <= end;
	     p += ALIGN_UP((u64)((const struct mb2_tag *)p)->size, 8)) {
		const struct mb2_tag *t = (const void *)p;

		if (t->size < sizeof(*t) || p + t->size > end) {
			guest_snprintf(bi->err, sizeof(bi->err),
				       "tag %u at %#llx: bad size %u", t->type,
				       (unsigned long long)p, t->size);
			return -E_INVAL;
		}
		if (t->type == MB2_TAG_END)
			return 0;
		if (parse_tag(t, bi)) {
			guest_snprintf(bi->err, sizeof(bi->err),
				       "tag %u at %#llx is malformed", t->type,
				       (unsigned long long)p);
			return -E_INVAL;
		}
	}
	guest_snprintf(bi->err, sizeof(bi->err), "no end tag");
	return -E_INVAL;
}
