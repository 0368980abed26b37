// SPDX-License-Identifier: MIT
/*
 * Unit tests for hv/multiboot2.c: a small builder assembles information
 * blobs; a GRUB-like one must parse, every malformation must be rejected
 * with a message naming it, and random corruption must never crash.
 */
#include "hv/multiboot2.h"

#include "hv/include/err.h"
#include "tests/unit/harness.h"
#include "tests/unit/support/rng.h"

#define INFO_PHYS 0x10000ull
#define IMAGE_START 0x100000ull
#define IMAGE_END 0x180000ull

struct blob {
	u64 words[2048]; /* 16 KiB, 8-byte aligned */
	u32 off;
};

static u8 *bytes(struct blob *b)
{
	return (u8 *)b->words;
}

static void put32(struct blob *b, u32 off, u32 v)
{
	memcpy(bytes(b) + off, &v, 4);
}

static u32 get32(struct blob *b, u32 off)
{
	u32 v;

	memcpy(&v, bytes(b) + off, 4);
	return v;
}

static void b_init(struct blob *b)
{
	memset(b, 0, sizeof(*b));
	b->off = 8;
}

/* Appends a tag with the payload; returns its offset. */
static u32 b_tag(struct blob *b, u32 type, const void *payload, u32 len)
{
	u32 at = b->off;

	put32(b, at, type);
	put32(b, at + 4, 8 + len);
	if (len)
		memcpy(bytes(b) + at + 8, payload, len);
	b->off = (at + 8 + len + 7) & ~7u;
	return at;
}

static u32 b_string(struct blob *b, u32 type, const char *s)
{
	return b_tag(b, type, s, (u32)strlen(s) + 1);
}

static u32 b_module(struct blob *b, u32 start, u32 end, const char *cmd)
{
	u8 p[128];

	memcpy(p, &start, 4);
	memcpy(p + 4, &end, 4);
	strcpy((char *)p + 8, cmd);
	return b_tag(b, MB2_TAG_MODULE, p, 8 + (u32)strlen(cmd) + 1);
}

struct ent {
	u64 base, len;
	u32 type;
};

static u32 b_mmap_ex(struct blob *b, const struct ent *e, u32 n, u32 esize,
		     u32 version)
{
	u8 p[8 + 200 * 32] = { 0 };

	memcpy(p, &esize, 4);
	memcpy(p + 4, &version, 4);
	for (u32 i = 0; i < n; i++) {
		memcpy(p + 8 + i * esize, &e[i].base, 8);
		memcpy(p + 8 + i * esize + 8, &e[i].len, 8);
		memcpy(p + 8 + i * esize + 16, &e[i].type, 4);
	}
	return b_tag(b, MB2_TAG_MMAP, p, 8 + n * esize);
}

static const struct ent pc_map[] = {
	{ 0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0xf0000, 0x10000, 2 },
	{ 0x100000, 0x7ee0000, 1 },
	{ 0x7fe0000, 0x20000, 2 },
	{ 0xfffc0000, 0x40000, 2 },
	{ 0x100000000ull, 0x40000000ull, 1 },
};

static u32 b_mmap(struct blob *b)
{
	return b_mmap_ex(b, pc_map, ARRAY_SIZE(pc_map), 24, 0);
}

static void b_rsdp(struct blob *b, u32 type, u8 rev, u32 len)
{
	u8 r[64] = "RSD PTR ";

	r[15] = rev;
	memcpy(r + 20, &len, 4);
	b_tag(b, type, r, type == MB2_TAG_ACPI_OLD ? 20 : len);
}

static void b_end(struct blob *b)
{
	b_tag(b, MB2_TAG_END, NULL, 0);
	put32(b, 0, b->off);
}

/* A GRUB-like information: what Modex sees on QEMU. */
static void b_good(struct blob *b)
{
	u8 meminfo[8] = { 0x7f, 0x02, 0, 0, 0x80, 0xfb, 0x01, 0 };
	/* 1024x768, 32 bpp, RGB: x8r8g8b8 as GRUB reports OVMF's GOP. */
	u8 fb[30] = { 0, 0, 0, 0xfd, 0, 0,  0, 0, 0, 0x10, 0, 0, 0, 4, 0,
		      0, 0, 3, 0,    0, 32, 1, 0, 0, 16,   8, 8, 8, 0, 8 };

	b_init(b);
	b_string(b, MB2_TAG_CMDLINE, "log=debug exit=qemu");
	b_string(b, MB2_TAG_LOADER_NAME, "GRUB 2.06");
	b_module(b, 0x200000, 0x280000, "/l1.elf root=/dev/sda");
	b_module(b, 0x280000, 0x280100, "");
	b_tag(b, MB2_TAG_BASIC_MEMINFO, meminfo, 8);
	b_tag(b, MB2_TAG_FRAMEBUFFER, fb, sizeof(fb));
	b_mmap(b);
	b_rsdp(b, MB2_TAG_ACPI_OLD, 0, 20);
}

static const struct mb2_reserved image_rsv[] = {
	{ IMAGE_START, IMAGE_END, "the Modex image" },
};

static struct mb2_info info;
static char err[256];

/* A pointer, so that the harness's NULL check is not an array test. */
static const char *msg(void)
{
	return err;
}

static int parse(struct blob *b)
{
	return mb2_parse(b->words, INFO_PHYS, image_rsv, 1, &info, err,
			 sizeof(err));
}

#define CHECK_REJECTED(b, needle)                    \
	do {                                         \
		CHECK_EQ(parse(b), -E_INVAL);        \
		CHECK_STR_CONTAINS(msg(), needle);   \
		CHECK_EQ(err[strlen(err) - 1], '.'); \
		CHECK_EQ(info.nr_regions, 0);        \
	} while (0)

TEST(good_grub_info)
{
	static struct blob b;

	b_good(&b);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(err[0], 0);
	REQUIRE(info.cmdline && info.loader_name);
	CHECK(!strcmp(info.cmdline, "log=debug exit=qemu"));
	CHECK(!strcmp(info.loader_name, "GRUB 2.06"));
	CHECK_EQ(info.nr_modules, 2);
	CHECK_EQ(info.modules[0].start, 0x200000);
	CHECK_EQ(info.modules[0].end, 0x280000);
	CHECK(!strcmp(info.modules[0].cmdline, "/l1.elf root=/dev/sda"));
	CHECK(!strcmp(info.modules[1].cmdline, ""));
	CHECK_EQ(info.nr_regions, ARRAY_SIZE(pc_map));
	for (u32 i = 0; i < info.nr_regions && i < ARRAY_SIZE(pc_map); i++) {
		CHECK_EQ(info.regions[i].base, pc_map[i].base);
		CHECK_EQ(info.regions[i].len, pc_map[i].len);
		CHECK_EQ(info.regions[i].type, pc_map[i].type);
	}
	CHECK(info.rsdp != NULL);
	CHECK_EQ(info.rsdp_len, 20);
	CHECK_EQ(info.rsdp_rev, 0);
	CHECK_EQ(info.rsdp_phys,
		 INFO_PHYS + ((const u8 *)info.rsdp - bytes(&b)));
	CHECK(!memcmp(info.rsdp, "RSD PTR ", 8));
	CHECK_EQ(info.info_phys, INFO_PHYS);
	CHECK_EQ(info.info_size, b.off);
}

TEST(minimal_info_and_optional_tags)
{
	static struct blob b;

	b_init(&b);
	b_mmap(&b);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK(info.cmdline == NULL);
	CHECK(info.loader_name == NULL);
	CHECK_EQ(info.nr_modules, 0);
	CHECK_EQ(info.rsdp_phys, 0);
	CHECK(info.rsdp == NULL);
	/* Unknown tags and trailing bytes after the end tag are fine. */
	b_init(&b);
	b_tag(&b, 21, "abc", 3);
	b_mmap(&b);
	b_end(&b);
	put32(&b, 0, b.off + 12);
	CHECK_EQ(parse(&b), 0);
	/* A NULL err buffer with errlen 0 is allowed. */
	CHECK_EQ(mb2_parse(b.words, INFO_PHYS, NULL, 0, &info, NULL, 0), 0);
}

TEST(acpi_new_preferred_and_checked)
{
	static struct blob b;
	u8 rsdp[36];

	b_good(&b);
	b_rsdp(&b, MB2_TAG_ACPI_NEW, 2, 36);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.rsdp_len, 36);
	CHECK_EQ(info.rsdp_rev, 2);

	b_init(&b);
	b_rsdp(&b, MB2_TAG_ACPI_NEW, 2, 40);
	b_rsdp(&b, MB2_TAG_ACPI_OLD, 0, 20);
	b_mmap(&b);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.rsdp_len, 40);

	/* The XSDP's length field must fit in the tag. */
	b_init(&b);
	b_mmap(&b);
	memset(rsdp, 0, sizeof(rsdp));
	memcpy(rsdp, "RSD PTR ", 8);
	rsdp[15] = 2;
	rsdp[20] = 100;
	b_tag(&b, MB2_TAG_ACPI_NEW, rsdp, 36);
	b_end(&b);
	CHECK_REJECTED(&b, "RSDP length of 100");
	b_init(&b);
	b_mmap(&b);
	b_tag(&b, MB2_TAG_ACPI_OLD, "RSD PTR ", 8);
	b_end(&b);
	CHECK_REJECTED(&b, "ACPI 1.0 RSDP tag at offset 0x");
	CHECK_STR_CONTAINS(msg(), "truncated");
}

TEST(overlapping_map_entries_resolved_conservatively)
{
	static const struct ent map[] = {
		{ 0x800000, 0x800000, 1 }, /* out of order */
		{ 0x100000, 0x700000, 1 }, /* adjacent to it: merged */
		{ 0x400000, 0x100000, 2 }, /* hole punched in RAM */
		{ 0x480000, 0x100000, 3 }, /* ACPI over reserved: reserved */
		{ 0x2000000, 0, 2 }, /* zero length: ignored */
		{ 0xc00000, 0x100000, 4 },
		{ 0xc00000, 0x100000, 1 }, /* same range, NVS wins */
	};
	static const struct ent want[] = {
		{ 0x100000, 0x300000, 1 }, { 0x400000, 0x100000, 2 },
		{ 0x500000, 0x80000, 3 },  { 0x580000, 0x680000, 1 },
		{ 0xc00000, 0x100000, 4 }, { 0xd00000, 0x300000, 1 },
	};
	static struct blob b;

	b_init(&b);
	b_mmap_ex(&b, map, ARRAY_SIZE(map), 24, 0);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	REQUIRE(info.nr_regions == ARRAY_SIZE(want));
	for (u32 i = 0; i < ARRAY_SIZE(want); i++) {
		CHECK_EQ(info.regions[i].base, want[i].base);
		CHECK_EQ(info.regions[i].len, want[i].len);
		CHECK_EQ(info.regions[i].type, want[i].type);
	}
}

TEST(larger_entry_size_accepted)
{
	static struct blob b;

	b_init(&b);
	b_mmap_ex(&b, pc_map, ARRAY_SIZE(pc_map), 32, 0);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.nr_regions, ARRAY_SIZE(pc_map));
	CHECK_EQ(info.regions[3].base, 0x100000);
}

TEST(rejects_bad_total_size)
{
	static struct blob b;

	b_good(&b);
	b_end(&b);
	put32(&b, 0, 8);
	CHECK_REJECTED(&b, "below the minimum");
	put32(&b, 0, 0);
	CHECK_REJECTED(&b, "below the minimum");
	put32(&b, 0, 0x200000);
	CHECK_REJECTED(&b, "above Modex's limit");
	put32(&b, 0, 0xffffffff);
	CHECK_REJECTED(&b, "above Modex's limit");
}

TEST(rejects_misaligned)
{
	static struct blob b;
	u32 tag;

	b_good(&b);
	b_end(&b);
	memmove(bytes(&b) + 4, bytes(&b), b.off);
	CHECK_EQ(mb2_parse(bytes(&b) + 4, INFO_PHYS + 4, NULL, 0, &info, err,
			   sizeof(err)),
		 -E_INVAL);
	CHECK_STR_CONTAINS(msg(), "not 8-byte aligned");
	CHECK_EQ(mb2_parse(NULL, 0, NULL, 0, &info, err, sizeof(err)),
		 -E_INVAL);
	CHECK_STR_CONTAINS(msg(), "null pointer");

	/* A tag placed without padding after a 13-byte tag. */
	b_init(&b);
	tag = b_string(&b, MB2_TAG_CMDLINE, "abcd"); /* size 13 */
	b.off = tag + 13;
	b_mmap(&b);
	b_end(&b);
	CHECK_EQ(parse(&b), -E_INVAL);
	CHECK(err[0] != 0);
}

TEST(rejects_truncated_tag)
{
	static struct blob b;
	u32 tag;

	b_good(&b);
	tag = b_tag(&b, 21, NULL, 0);
	b_end(&b);
	put32(&b, tag + 4, 4);
	CHECK_REJECTED(&b, "is truncated: its size 4 is below the 8-byte");
	CHECK_STR_CONTAINS(msg(), "offset 0x");

	/* The header of the last tag cut by total_size. */
	b_good(&b);
	b_end(&b);
	put32(&b, 0, b.off - 4);
	CHECK_REJECTED(&b, "8-byte header does not fit");

	/* Tags shorter than their fixed fields. */
	b_init(&b);
	b_mmap(&b);
	tag = b_module(&b, 0x200000, 0x201000, "");
	put32(&b, tag + 4, 12);
	b_end(&b);
	CHECK_REJECTED(&b, "module tag at offset");
	CHECK_STR_CONTAINS(msg(), "truncated");
	b_init(&b);
	tag = b_tag(&b, MB2_TAG_MMAP, "\x18\0\0\0", 4);
	b_end(&b);
	CHECK_REJECTED(&b, "memory map tag at offset");
	CHECK_STR_CONTAINS(msg(), "truncated");
}

TEST(rejects_tag_overrunning_total)
{
	static struct blob b;
	u32 tag;

	b_good(&b);
	tag = b_string(&b, MB2_TAG_CMDLINE - 1 + 100, "x");
	b_end(&b);
	put32(&b, tag + 4, b.off - tag + 1);
	CHECK_REJECTED(&b, "overruns the total size");
	CHECK_STR_CONTAINS(msg(), "offset 0x");
	put32(&b, tag + 4, 0xfffffff8);
	CHECK_REJECTED(&b, "overruns the total size");
}

TEST(rejects_missing_or_bad_end_tag)
{
	static struct blob b;

	b_good(&b);
	put32(&b, 0, b.off);
	CHECK_REJECTED(&b, "without an end tag");
	b_good(&b);
	b_tag(&b, MB2_TAG_END, "\0\0\0\0\0\0\0", 8);
	put32(&b, 0, b.off);
	CHECK_REJECTED(&b, "end tag at offset");
	CHECK_STR_CONTAINS(msg(), "size 16 instead of 8");
}

TEST(rejects_unterminated_strings)
{
	static struct blob b;
	u32 tag;

	b_init(&b);
	tag = b_tag(&b, MB2_TAG_CMDLINE, "abcdefgh", 8);
	b_mmap(&b);
	b_end(&b);
	CHECK_REJECTED(&b, "command-line tag at offset");
	CHECK_STR_CONTAINS(msg(), "not NUL-terminated");
	/* An empty cmdline tag has no NUL either. */
	put32(&b, tag + 4, 8);
	CHECK_REJECTED(&b, "not NUL-terminated");

	b_init(&b);
	b_tag(&b, MB2_TAG_LOADER_NAME, "GRUB", 4);
	b_mmap(&b);
	b_end(&b);
	CHECK_REJECTED(&b, "boot loader name tag");
	CHECK_STR_CONTAINS(msg(), "not NUL-terminated");

	b_init(&b);
	b_mmap(&b);
	tag = b_module(&b, 0x200000, 0x201000, "abc");
	put32(&b, tag + 4, 16 + 3);
	b_end(&b);
	CHECK_REJECTED(&b, "command line of the module tag");
}

TEST(rejects_bad_mmap)
{
	static const struct ent wrap[] = { { 0xfffffffffffff000ull, 0x2000,
					     1 } };
	static struct blob b;
	u32 tag;

	b_init(&b);
	b_mmap_ex(&b, pc_map, 2, 20, 0);
	b_end(&b);
	CHECK_REJECTED(&b, "entry_size 20");
	b_init(&b);
	b_mmap_ex(&b, pc_map, 2, 28, 0);
	b_end(&b);
	CHECK_REJECTED(&b, "entry_size 28");
	b_init(&b);
	b_mmap_ex(&b, pc_map, 2, 24, 1);
	b_end(&b);
	CHECK_REJECTED(&b, "entry_version 1");
	b_init(&b);
	tag = b_mmap_ex(&b, pc_map, 2, 24, 0);
	put32(&b, tag + 4, get32(&b, tag + 4) - 8);
	b_end(&b);
	CHECK_REJECTED(&b, "not a whole number of 24-byte entries");
	b_init(&b);
	b_mmap_ex(&b, wrap, 1, 24, 0);
	b_end(&b);
	CHECK_REJECTED(&b, "wraps past the end");
	b_init(&b);
	b_mmap_ex(&b, pc_map, 0, 24, 0);
	b_end(&b);
	CHECK_REJECTED(&b, "no non-empty entries");
}

TEST(rejects_too_many_regions)
{
	static struct ent map[130];
	static struct blob b;

	for (u32 i = 0; i < 130; i++)
		map[i] = (struct ent){ 0x100000 + i * 0x2000ull, 0x1000,
				       1 + i % 2 };
	b_init(&b);
	b_mmap_ex(&b, map, 128, 24, 0);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.nr_regions, 128);
	b_init(&b);
	b_mmap_ex(&b, map, 129, 24, 0);
	b_end(&b);
	CHECK_REJECTED(&b, "more than 128 non-empty entries");

	/* 128 entries whose overlaps split into more than 128 regions. */
	map[0] = (struct ent){ 0x100000, 0x100000, 1 };
	for (u32 i = 1; i < 128; i++)
		map[i] = (struct ent){ 0x100000 + i * 0x2000ull - 0x1000,
				       0x1000, 2 };
	b_init(&b);
	b_mmap_ex(&b, map, 128, 24, 0);
	b_end(&b);
	CHECK_REJECTED(&b, "resolves into more than 128 regions");
}

TEST(rejects_missing_memory_map)
{
	static struct blob b;

	b_init(&b);
	b_string(&b, MB2_TAG_CMDLINE, "log=debug");
	b_end(&b);
	CHECK_REJECTED(&b, "no memory map tag");
}

TEST(rejects_duplicate_singletons)
{
	static struct blob b;

	b_good(&b);
	b_string(&b, MB2_TAG_CMDLINE, "again");
	b_end(&b);
	CHECK_REJECTED(&b, "two command-line tags");
	CHECK_STR_CONTAINS(msg(), "offsets 0x8 and 0x");
	b_good(&b);
	b_mmap(&b);
	b_end(&b);
	CHECK_REJECTED(&b, "two memory map tags");
	b_good(&b);
	b_string(&b, MB2_TAG_LOADER_NAME, "again");
	b_end(&b);
	CHECK_REJECTED(&b, "two boot loader name tags");
	b_good(&b);
	b_rsdp(&b, MB2_TAG_ACPI_OLD, 0, 20);
	b_end(&b);
	CHECK_REJECTED(&b, "two ACPI 1.0 RSDP tags");
}

TEST(rejects_module_outside_ram)
{
	static struct blob b;

	b_init(&b);
	b_mmap(&b);
	b_module(&b, 0x9f000, 0x9ff00, ""); /* into the reserved EBDA */
	b_end(&b);
	CHECK_REJECTED(&b, "module 0 (0x9f000-0x9ff00, tag at offset 0x");
	CHECK_STR_CONTAINS(msg(), "not wholly inside available RAM");
	b_init(&b);
	b_mmap(&b);
	b_module(&b, 0x200000, 0x201000, "");
	b_module(&b, 0xa0000, 0xb0000, ""); /* a hole of the map */
	b_end(&b);
	CHECK_REJECTED(&b, "module 1 (0xa0000-0xb0000");
	b_init(&b);
	b_mmap(&b);
	b_module(&b, 0x7fd0000, 0x7ff0000, ""); /* straddles RAM's end */
	b_end(&b);
	CHECK_REJECTED(&b, "not wholly inside available RAM");
	b_init(&b);
	b_mmap(&b);
	b_module(&b, 0x300000, 0x2ff000, "");
	b_end(&b);
	CHECK_REJECTED(&b, "start 0x300000 above its end");
}

/* An empty file loaded by GRUB is an empty module: valid. */
TEST(accepts_empty_module)
{
	static struct blob b;
	char e[256];

	b_init(&b);
	b_mmap(&b);
	b_module(&b, 0x300000, 0x300000, "empty");
	b_end(&b);
	CHECK_EQ(mb2_parse(b.words, INFO_PHYS, NULL, 0, &info, e, sizeof(e)),
		 0);
	CHECK_EQ(info.nr_modules, 1);
}

TEST(rejects_overlapping_modules)
{
	static struct blob b;

	b_init(&b);
	b_mmap(&b);
	b_module(&b, 0x200000, 0x300000, "a");
	b_module(&b, 0x400000, 0x500000, "b");
	b_module(&b, 0x2ff000, 0x301000, "c");
	b_end(&b);
	CHECK_REJECTED(&b, "module 2 (0x2ff000-0x301000");
	CHECK_STR_CONTAINS(msg(), "overlaps module 0");
}

TEST(rejects_module_over_reserved_or_info)
{
	static struct blob b;

	b_init(&b);
	b_mmap(&b);
	b_module(&b, 0x17f000, 0x190000, "");
	b_end(&b);
	CHECK_REJECTED(&b, "overlaps the Modex image (0x100000-0x180000)");
	b_init(&b);
	b_mmap(&b);
	b_module(&b, INFO_PHYS + 8, INFO_PHYS + 16, "");
	b_end(&b);
	CHECK_REJECTED(&b, "overlaps the boot information");
	/* Touching is not overlapping. */
	b_init(&b);
	b_mmap(&b);
	b_module(&b, IMAGE_END, IMAGE_END + 0x1000, "");
	b_module(&b, 0x20000, 0x21000, "");
	b_end(&b);
	CHECK_EQ(parse(&b), 0);
}

TEST(rejects_too_many_modules)
{
	static struct blob b;

	b_init(&b);
	b_mmap(&b);
	for (u32 i = 0; i < MB2_MAX_MODULES; i++)
		b_module(&b, 0x200000 + i * 0x1000, 0x201000 + i * 0x1000, "m");
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.nr_modules, MB2_MAX_MODULES);
	b.off -= 8;
	b_module(&b, 0x300000, 0x301000, "m");
	b_end(&b);
	CHECK_REJECTED(&b, "one more than the 16 modules");
}

TEST(small_error_buffer_is_terminated)
{
	static struct blob b;
	char small[10];

	b_init(&b);
	b_end(&b);
	CHECK_EQ(mb2_parse(b.words, INFO_PHYS, NULL, 0, &info, small,
			   sizeof(small)),
		 -E_INVAL);
	CHECK_EQ(strlen(small), sizeof(small) - 1);
}

/* ---- UEFI: the EFI memory map, system table and framebuffer tags ---- */

struct edesc {
	u32 type;
	u64 base, pages, attr;
};

/* What OVMF's map looks like after GRUB: boot-services and conventional
 * runs (available), runtime data, ACPI, NVS and MMIO. */
static const struct edesc ovmf_map[] = {
	{ EFI_BOOT_SERVICES_CODE, 0, 0xa0, 0xf },
	{ EFI_CONVENTIONAL_MEMORY, 0x100000, 0x700, 0xf },
	{ EFI_ACPI_MEMORY_NVS, 0x800000, 0x8, 0xf },
	{ EFI_LOADER_DATA, 0x808000, 0x100, 0xf },
	{ EFI_BOOT_SERVICES_DATA, 0x908000, 0x3f8, 0xf },
	{ EFI_CONVENTIONAL_MEMORY, 0xd00000, 0x7000, 0xf },
	{ EFI_RUNTIME_SERVICES_DATA, 0x7d00000, 0x100,
	  EFI_MEMORY_RUNTIME | 0xf },
	{ EFI_ACPI_RECLAIM_MEMORY, 0x7e00000, 0x10, 0xf },
	{ EFI_RUNTIME_SERVICES_CODE, 0x7e10000, 0x1f0,
	  EFI_MEMORY_RUNTIME | 0xf },
	{ EFI_MEMORY_MAPPED_IO, 0xffc00000, 0x400, EFI_MEMORY_RUNTIME | 1 },
	{ EFI_PERSISTENT_MEMORY, 0x100000000ull, 0x1000, 0xf },
};

static u32 b_efi_mmap_ex(struct blob *b, const struct edesc *d, u32 n,
			 u32 dsize, u32 version)
{
	static u8 p[8 + 160 * 48];

	memset(p, 0, sizeof(p));
	memcpy(p, &dsize, 4);
	memcpy(p + 4, &version, 4);
	for (u32 i = 0; i < n; i++) {
		u8 *e = p + 8 + i * dsize;

		memcpy(e, &d[i].type, 4);
		memcpy(e + 8, &d[i].base, 8);
		memcpy(e + 16, &d[i].base, 8);
		memcpy(e + 24, &d[i].pages, 8);
		memcpy(e + 32, &d[i].attr, 8);
	}
	return b_tag(b, MB2_TAG_EFI_MMAP, p, 8 + n * dsize);
}

static u32 b_efi_mmap(struct blob *b)
{
	return b_efi_mmap_ex(b, ovmf_map, ARRAY_SIZE(ovmf_map), 48, 1);
}

static u32 b_ptr(struct blob *b, u32 type, u64 v)
{
	return b_tag(b, type, &v, 8);
}

/* What GRUB x86_64-efi passes: both maps, the system table, the image
 * handle, an RSDP and a framebuffer (b_good has the last two). */
static void b_uefi(struct blob *b)
{
	b_good(b);
	b_ptr(b, MB2_TAG_EFI64_SYSTAB, 0x7d9e018);
	b_ptr(b, MB2_TAG_EFI64_IMAGE, 0x6f0d198);
	b_efi_mmap(b);
}

TEST(efi_type_mapping)
{
	static const u32 want[] = {
		[EFI_RESERVED_MEMORY] = MB2_MEM_RESERVED,
		[EFI_LOADER_CODE] = MB2_MEM_AVAILABLE,
		[EFI_LOADER_DATA] = MB2_MEM_AVAILABLE,
		[EFI_BOOT_SERVICES_CODE] = MB2_MEM_AVAILABLE,
		[EFI_BOOT_SERVICES_DATA] = MB2_MEM_AVAILABLE,
		[EFI_RUNTIME_SERVICES_CODE] = MB2_MEM_RESERVED,
		[EFI_RUNTIME_SERVICES_DATA] = MB2_MEM_RESERVED,
		[EFI_CONVENTIONAL_MEMORY] = MB2_MEM_AVAILABLE,
		[EFI_UNUSABLE_MEMORY] = MB2_MEM_RESERVED,
		[EFI_ACPI_RECLAIM_MEMORY] = MB2_MEM_ACPI_RECLAIMABLE,
		[EFI_ACPI_MEMORY_NVS] = MB2_MEM_NVS,
		[EFI_MEMORY_MAPPED_IO] = MB2_MEM_RESERVED,
		[EFI_MEMORY_MAPPED_IO_PORT_SPACE] = MB2_MEM_RESERVED,
		[EFI_PAL_CODE] = MB2_MEM_RESERVED,
		[EFI_PERSISTENT_MEMORY] = MB2_MEM_PERSISTENT,
		[EFI_UNACCEPTED_MEMORY] = MB2_MEM_RESERVED,
	};

	for (u32 t = 0; t < ARRAY_SIZE(want); t++)
		CHECK_EQ(mb2_efi_to_e820(t), want[t]);
	/* OEM (0x70000000-) and OS (0x80000000-) types: reserved. */
	CHECK_EQ(mb2_efi_to_e820(16), MB2_MEM_RESERVED);
	CHECK_EQ(mb2_efi_to_e820(0x70000000), MB2_MEM_RESERVED);
	CHECK_EQ(mb2_efi_to_e820(0xffffffff), MB2_MEM_RESERVED);
}

TEST(efi_map_replaces_the_multiboot_map)
{
	static const struct mb2_region want[] = {
		{ 0, 0xa0000, MB2_MEM_AVAILABLE },
		{ 0x100000, 0x700000, MB2_MEM_AVAILABLE },
		{ 0x800000, 0x8000, MB2_MEM_NVS },
		{ 0x808000, 0x74f8000, MB2_MEM_AVAILABLE },
		{ 0x7d00000, 0x100000, MB2_MEM_RESERVED },
		{ 0x7e00000, 0x10000, MB2_MEM_ACPI_RECLAIMABLE },
		{ 0x7e10000, 0x1f0000, MB2_MEM_RESERVED },
		{ 0xffc00000, 0x400000, MB2_MEM_RESERVED },
		{ 0x100000000ull, 0x1000000, MB2_MEM_PERSISTENT },
	};
	static struct blob b;

	b_uefi(&b);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.map_source, MB2_MAP_EFI);
	CHECK_EQ(info.nr_regions, ARRAY_SIZE(want));
	for (u32 i = 0; i < info.nr_regions && i < ARRAY_SIZE(want); i++) {
		CHECK_EQ(info.regions[i].base, want[i].base);
		CHECK_EQ(info.regions[i].len, want[i].len);
		CHECK_EQ(info.regions[i].type, want[i].type);
	}
	CHECK_EQ(info.efi.systab, 0x7d9e018);
	CHECK_EQ(info.efi.image_handle, 0x6f0d198);
	CHECK_EQ(info.efi.nr_desc, ARRAY_SIZE(ovmf_map));
	CHECK_EQ(info.efi.desc_size, 48);
	REQUIRE(info.efi.mmap != NULL);
	CHECK_EQ(get32(&b, (u32)(info.efi.mmap - bytes(&b)) + 48),
		 EFI_CONVENTIONAL_MEMORY);
	/* The EFI map wins whatever the tag order. */
	b_init(&b);
	b_efi_mmap(&b);
	b_mmap(&b);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.map_source, MB2_MAP_EFI);
	CHECK_EQ(info.nr_regions, ARRAY_SIZE(want));
	/* Without it, the multiboot map; the EFI map alone is enough. */
	b_good(&b);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.map_source, MB2_MAP_MMAP);
	CHECK(info.efi.mmap == NULL && info.efi.systab == 0);
	b_init(&b);
	b_efi_mmap(&b);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.nr_regions, ARRAY_SIZE(want));
	/* Larger descriptors (future fields) are read at their stride. */
	b_init(&b);
	b_efi_mmap_ex(&b, ovmf_map, ARRAY_SIZE(ovmf_map), 56, 1);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.nr_regions, ARRAY_SIZE(want));
	CHECK_EQ(info.efi.desc_size, 56);
}

TEST(efi_map_modules_must_be_in_its_ram)
{
	static struct blob b;

	/* b_good's modules at 2 MiB lie in conventional memory... */
	b_uefi(&b);
	b_end(&b);
	CHECK_EQ(parse(&b), 0);
	/* ...and not once that memory is runtime data in the EFI map,
	 * whatever the multiboot map says. */
	{
		struct edesc d[ARRAY_SIZE(ovmf_map)];

		memcpy(d, ovmf_map, sizeof(d));
		d[1].type = EFI_RUNTIME_SERVICES_DATA;
		b_good(&b);
		b_efi_mmap_ex(&b, d, ARRAY_SIZE(d), 48, 1);
		b_end(&b);
		CHECK_REJECTED(&b, "not wholly inside available RAM");
	}
}

TEST(efi_map_malformed)
{
	static struct blob b;
	struct edesc d[2] = { { EFI_CONVENTIONAL_MEMORY, 0x100000, 0x10, 0 },
			      { EFI_CONVENTIONAL_MEMORY, 0x200000, 0x10, 0 } };
	static struct edesc many[MB2_MAX_REGIONS + 1];
	u32 at;

	/* Truncated: the fixed part does not fit. */
	b_init(&b);
	b_tag(&b, MB2_TAG_EFI_MMAP, "\x30\0\0\0", 4);
	b_end(&b);
	CHECK_REJECTED(&b, "EFI memory map tag at offset 0x8 is truncated");
	/* Descriptor size below the structure, absurdly large, or not
	 * dividing the payload; another version. */
	b_init(&b);
	b_efi_mmap_ex(&b, d, 2, 32, 1);
	b_end(&b);
	CHECK_REJECTED(&b, "descriptor size 32");
	b_init(&b);
	at = b_efi_mmap_ex(&b, d, 2, 48, 1);
	put32(&b, at + 8, 0x10000);
	b_end(&b);
	CHECK_REJECTED(&b, "descriptor size 65536");
	b_init(&b);
	at = b_efi_mmap_ex(&b, d, 2, 48, 1);
	put32(&b, at + 8, 40);
	b_end(&b);
	CHECK_REJECTED(&b, "not a whole number of 40-byte descriptors");
	b_init(&b);
	b_efi_mmap_ex(&b, d, 2, 48, 2);
	b_end(&b);
	CHECK_REJECTED(&b, "descriptor version 2");
	/* Unaligned start, overflowing page counts, nothing non-empty. */
	d[1].base = 0x200800;
	b_init(&b);
	b_efi_mmap_ex(&b, d, 2, 48, 1);
	b_end(&b);
	CHECK_REJECTED(&b, "not 4 KiB aligned");
	d[1].base = 0xfffffffffff00000ull;
	d[1].pages = 0x100;
	b_init(&b);
	b_efi_mmap_ex(&b, d, 2, 48, 1);
	b_end(&b);
	CHECK_REJECTED(&b, "descriptor 1 of the EFI memory map tag");
	CHECK_STR_CONTAINS(msg(), "wraps past the end");
	d[1].pages = 0xff; /* ends at the last page: fine */
	b_init(&b);
	b_efi_mmap_ex(&b, d, 2, 48, 1);
	b_end(&b);
	CHECK_EQ(parse(&b), 0);
	d[1] = (struct edesc){ EFI_CONVENTIONAL_MEMORY, 0, 1ull << 52, 0 };
	b_init(&b);
	b_efi_mmap_ex(&b, d, 2, 48, 1);
	b_end(&b);
	CHECK_REJECTED(&b, "wraps past the end");
	d[1].pages = ~0ull;
	b_init(&b);
	b_efi_mmap_ex(&b, d, 2, 48, 1);
	b_end(&b);
	CHECK_REJECTED(&b, "wraps past the end");
	d[0].pages = d[1].pages = 0;
	b_init(&b);
	b_efi_mmap_ex(&b, d, 2, 48, 1);
	b_end(&b);
	CHECK_REJECTED(&b, "no non-empty descriptors");
	/* Two of them. */
	b_init(&b);
	b_efi_mmap(&b);
	b_efi_mmap(&b);
	b_end(&b);
	CHECK_REJECTED(&b, "two EFI memory map tags");
	/* More distinct runs than Modex keeps (alternating types). */
	for (u32 i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct edesc){ i % 2 ? EFI_ACPI_MEMORY_NVS :
						  EFI_CONVENTIONAL_MEMORY,
					  0x100000 + i * 0x1000ull, 1, 0 };
	b_init(&b);
	b_efi_mmap_ex(&b, many, ARRAY_SIZE(many), 48, 1);
	b_end(&b);
	CHECK_REJECTED(&b, "more than 128 runs");
	/* The same count of touching descriptors of one kind merges. */
	for (u32 i = 0; i < ARRAY_SIZE(many); i++)
		many[i].type = i % 2 ? EFI_BOOT_SERVICES_DATA :
				       EFI_CONVENTIONAL_MEMORY;
	b_init(&b);
	b_efi_mmap_ex(&b, many, ARRAY_SIZE(many), 48, 1);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.nr_regions, 1);
	CHECK_EQ(info.regions[0].len, ARRAY_SIZE(many) * 0x1000ull);
}

TEST(efi_pointers_and_boot_services)
{
	static struct blob b;
	u32 v32 = 0x7fe0000;

	b_init(&b);
	b_mmap(&b);
	b_tag(&b, MB2_TAG_EFI64_SYSTAB, &v32, 4);
	b_end(&b);
	CHECK_REJECTED(&b, "EFI64 system table tag at offset");
	CHECK_STR_CONTAINS(msg(), "truncated");
	b_init(&b);
	b_mmap(&b);
	b_ptr(&b, MB2_TAG_EFI64_SYSTAB, 0);
	b_end(&b);
	CHECK_REJECTED(
		&b,
		"EFI64 system table tag at offset 0xc0 holds a null pointer");
	b_init(&b);
	b_mmap(&b);
	b_ptr(&b, MB2_TAG_EFI64_IMAGE, 1);
	b_ptr(&b, MB2_TAG_EFI64_IMAGE, 1);
	b_end(&b);
	CHECK_REJECTED(&b, "two EFI64 image handle tags");
	/* 32-bit firmware's tags are accepted and not used. */
	b_init(&b);
	b_mmap(&b);
	b_tag(&b, MB2_TAG_EFI32_SYSTAB, &v32, 4);
	b_tag(&b, MB2_TAG_EFI32_IMAGE, &v32, 4);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.efi.systab, 0);
	b_init(&b);
	b_mmap(&b);
	b_tag(&b, MB2_TAG_EFI32_SYSTAB, &v32, 2);
	b_end(&b);
	CHECK_REJECTED(&b, "EFI32 system table tag at offset");
	/* Boot services left running: Modex never asks for that. */
	b_uefi(&b);
	b_tag(&b, MB2_TAG_EFI_BS_ACTIVE, NULL, 0);
	b_end(&b);
	CHECK_REJECTED(&b, "EFI boot services are still running (tag 18)");
}

/* A framebuffer tag: common part, then for RGB the six field bytes. */
static u32 b_fb(struct blob *b, u64 addr, u32 pitch, u32 w, u32 h, u8 bpp,
		u8 type, const u8 *fields, u32 nfields)
{
	u8 p[64] = { 0 };

	memcpy(p, &addr, 8);
	memcpy(p + 8, &pitch, 4);
	memcpy(p + 12, &w, 4);
	memcpy(p + 16, &h, 4);
	p[20] = bpp;
	p[21] = type;
	if (nfields)
		memcpy(p + 24, fields, nfields);
	return b_tag(b, MB2_TAG_FRAMEBUFFER, p, 24 + nfields);
}

TEST(framebuffer_tag)
{
	static const u8 rgb32[6] = { 16, 8, 8, 8, 0, 8 };
	static const u8 rgb565[6] = { 11, 5, 5, 6, 0, 5 };
	static struct blob b;
	u8 bad[6];

	b_good(&b);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	REQUIRE(info.has_fb);
	CHECK_EQ(info.fb.addr, 0xfd000000);
	CHECK_EQ(info.fb.pitch, 4096);
	CHECK_EQ(info.fb.width, 1024);
	CHECK_EQ(info.fb.height, 768);
	CHECK_EQ(info.fb.bpp, 32);
	CHECK_EQ(info.fb.type, MB2_FB_RGB);
	CHECK_EQ(info.fb.red_pos, 16);
	CHECK_EQ(info.fb.green_pos, 8);
	CHECK_EQ(info.fb.blue_size, 8);
	/* 16 bpp, pitch larger than the line. */
	b_init(&b);
	b_mmap(&b);
	b_fb(&b, 0xe0000000, 2048, 800, 600, 16, MB2_FB_RGB, rgb565, 6);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.fb.red_pos, 11);
	CHECK_EQ(info.fb.green_size, 6);
	/* EGA text (BIOS boots): validated, kept, never drawn on. */
	b_init(&b);
	b_mmap(&b);
	b_fb(&b, 0xb8000, 160, 80, 25, 16, MB2_FB_EGA_TEXT, NULL, 0);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK_EQ(info.fb.type, MB2_FB_EGA_TEXT);
	/* An unknown type is ignored. */
	b_init(&b);
	b_mmap(&b);
	b_fb(&b, 0, 0, 0, 0, 0, 7, NULL, 0);
	b_end(&b);
	REQUIRE(parse(&b) == 0);
	CHECK(!info.has_fb);
	/* Truncated: common part, and RGB without its fields. */
	b_init(&b);
	b_mmap(&b);
	b_tag(&b, MB2_TAG_FRAMEBUFFER, rgb32, 6);
	b_end(&b);
	CHECK_REJECTED(&b, "framebuffer tag at offset 0xc0 is truncated");
	b_init(&b);
	b_mmap(&b);
	b_fb(&b, 0xfd000000, 4096, 1024, 768, 32, MB2_FB_RGB, rgb32, 3);
	b_end(&b);
	CHECK_REJECTED(&b, "below the 38 bytes it needs");
	/* Pitch below the line, zero sizes, too many bits per pixel. */
	b_init(&b);
	b_mmap(&b);
	b_fb(&b, 0xfd000000, 4095, 1024, 768, 32, MB2_FB_RGB, rgb32, 6);
	b_end(&b);
	CHECK_REJECTED(&b, "with a pitch of 4095 bytes: not a framebuffer");
	b_init(&b);
	b_mmap(&b);
	b_fb(&b, 0xfd000000, 4096, 0, 768, 32, MB2_FB_RGB, rgb32, 6);
	b_end(&b);
	CHECK_REJECTED(&b, "not a framebuffer");
	b_init(&b);
	b_mmap(&b);
	b_fb(&b, 0xfd000000, 8192, 1024, 768, 64, MB2_FB_RGB, rgb32, 6);
	b_end(&b);
	CHECK_REJECTED(&b, "not a framebuffer");
	/* Wrapping memory; colour fields outside the pixel. */
	b_init(&b);
	b_mmap(&b);
	b_fb(&b, 0xfffffffffff00000ull, 4096, 1024, 768, 32, MB2_FB_RGB, rgb32,
	     6);
	b_end(&b);
	CHECK_REJECTED(&b, "wraps past the end");
	memcpy(bad, rgb32, 6);
	bad[0] = 28; /* red at 28..35 */
	b_init(&b);
	b_mmap(&b);
	b_fb(&b, 0xfd000000, 4096, 1024, 768, 32, MB2_FB_RGB, bad, 6);
	b_end(&b);
	CHECK_REJECTED(&b, "colour field outside its 32-bit pixels");
	memcpy(bad, rgb32, 6);
	bad[3] = 0;
	b_init(&b);
	b_mmap(&b);
	b_fb(&b, 0xfd000000, 4096, 1024, 768, 32, MB2_FB_RGB, bad, 6);
	b_end(&b);
	CHECK_REJECTED(&b, "colour field");
	b_good(&b);
	b_fb(&b, 0xfd000000, 4096, 1024, 768, 32, MB2_FB_RGB, rgb32, 6);
	b_end(&b);
	CHECK_REJECTED(&b, "two framebuffer tags");
}

static u64 rng = 0x853c49e6748fea9bull;

static u64 rnd(void)
{
	return rng_next(&rng);
}

static void mutate(u8 *buf, u32 len)
{
	static const u32 interesting[] = {
		0, 1, 7, 8, 9, 16, 24, 0x7fffffff, 0xffffffff, 0xfffffff8
	};
	u32 at = (u32)(rnd() % len), v;

	switch (rnd() % 4) {
	case 0:
		buf[at] ^= (u8)(1u << (rnd() % 8));
		break;
	case 1:
		buf[at] = (u8)rnd();
		break;
	case 2:
		at &= ~3u;
		if (at + 4 > len)
			break;
		v = interesting[rnd() % ARRAY_SIZE(interesting)];
		memcpy(buf + at, &v, 4);
		break;
	default:
		at &= ~3u;
		if (at + 4 > len)
			break;
		v = (u32)(rnd() % (len + 16));
		memcpy(buf + at, &v, 4);
		break;
	}
}

/* Invariants every accepted information must satisfy. */
static void check_accepted(const u8 *buf, u32 total)
{
	for (u32 i = 0; i < info.nr_regions; i++) {
		REQUIRE(info.regions[i].len);
		if (i)
			REQUIRE(info.regions[i - 1].base +
					info.regions[i - 1].len <=
				info.regions[i].base);
	}
	for (u32 i = 0; i < info.nr_modules; i++) {
		const char *c = info.modules[i].cmdline;

		REQUIRE(info.modules[i].start <= info.modules[i].end);
		REQUIRE((const u8 *)c > buf && (const u8 *)c < buf + total);
		REQUIRE(strlen(c) < total);
	}
	REQUIRE(!info.cmdline || strlen(info.cmdline) < total);
}

TEST(random_corruption_never_crashes)
{
	static struct blob b;
	u32 len, accepted = 0;

	b_uefi(&b);
	b_rsdp(&b, MB2_TAG_ACPI_NEW, 2, 36);
	b_end(&b);
	len = b.off;
	for (int iter = 0; iter < 100000; iter++) {
		u8 work[16384];
		u32 total, alloc;
		u8 *heap;
		int ret;

		memcpy(work, bytes(&b), len);
		for (int m = (int)(rnd() % 4) + 1; m > 0; m--)
			mutate(work, len);
		if (rnd() % 4 == 0) {
			total = (u32)(rnd() % (len + 1));
			memcpy(work, &total, 4);
		}
		memcpy(&total, work, 4);
		/* Exactly total bytes, so that ASan sees any read past it. */
		alloc = total <= MB2_INFO_MAX_SIZE ? MAX(total, 4u) : len;
		heap = calloc(1, alloc);
		REQUIRE(heap);
		memcpy(heap, work, MIN(alloc, len));
		ret = mb2_parse(heap, INFO_PHYS, image_rsv, 1, &info, err,
				sizeof(err));
		REQUIRE(ret == 0 || ret == -E_INVAL);
		if (ret == 0) {
			check_accepted(heap, total);
			accepted++;
		} else {
			REQUIRE(strlen(err) > 10);
		}
		free(heap);
	}
	fprintf(stderr, "  %u of 100000 corrupted blobs accepted\n", accepted);
	CHECK(accepted > 0);
}
