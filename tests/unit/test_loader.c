// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the L1 guest loader (hv/loader.c, hv/loader_info.c):
 * synthetic ELF32/ELF64 multiboot kernels built in memory, every refusal
 * with the message it gives, loading into fake guest memory, the boot
 * information builders and entry state, and random image mutation.
 */
#include "tests/unit/harness.h"
#include "tests/unit/support/rng.h"

#include "hv/elf.h"
#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/e820.h"
#include "hv/loader.h"
#include "hv/vcpu.h"
#include "hv/multiboot2.h"

#define CAP 0xa000 /* room for a header beyond 32 KiB */
#define MB1_MAGIC 0x1badb002u
#define MB2_MAGIC 0xe85250d6u
#define KBASE 0x100000ULL

static u8 img[CAP];
static char errbuf[256];
static char *const err = errbuf; /* a pointer: CHECK_STR_CONTAINS tests it */
#define ERRLEN sizeof(errbuf)

/* ---- image builders ---- */

struct tseg {
	u32 type;
	u64 paddr, vaddr, filesz, memsz;
	u32 flags;
	u64 off; /* 0: next free file offset from 0x1000 */
};

static void w16(size_t at, u16 v)
{
	memcpy(img + at, &v, 2);
}

static void w32(size_t at, u32 v)
{
	memcpy(img + at, &v, 4);
}

static void w64(size_t at, u64 v)
{
	memcpy(img + at, &v, 8);
}

static u8 pattern(size_t off)
{
	return (u8)(off * 7 + 3);
}

static void put_phdr(bool is64, unsigned i, const struct tseg *s, u64 off)
{
	size_t p = 0x40 + i * (is64 ? 56 : 32);

	w32(p, s->type ? s->type : PT_LOAD);
	if (is64) {
		w32(p + 4, s->flags);
		w64(p + 8, off);
		w64(p + 16, s->vaddr ? s->vaddr : s->paddr);
		w64(p + 24, s->paddr);
		w64(p + 32, s->filesz);
		w64(p + 40, s->memsz);
	} else {
		w32(p + 4, (u32)off);
		w32(p + 8, (u32)(s->vaddr ? s->vaddr : s->paddr));
		w32(p + 12, (u32)s->paddr);
		w32(p + 16, (u32)s->filesz);
		w32(p + 20, (u32)s->memsz);
		w32(p + 24, s->flags);
	}
}

/* ELF header at 0, program headers at 0x40, data from 0x1000. */
static size_t mk_elf(bool is64, const struct tseg *s, unsigned n, u64 entry)
{
	u64 data = 0x1000, end = 0x1000;

	memset(img, 0, CAP);
	memcpy(img,
	       "\x7f"
	       "ELF",
	       4);
	img[EI_CLASS] = is64 ? ELFCLASS64 : ELFCLASS32;
	img[EI_DATA] = ELFDATA2LSB;
	img[EI_VERSION] = EV_CURRENT;
	w16(16, ET_EXEC);
	w16(18, is64 ? EM_X86_64 : EM_386);
	w32(20, EV_CURRENT);
	if (is64) {
		w64(24, entry);
		w64(32, 0x40);
		w16(54, 56);
		w16(56, (u16)n);
	} else {
		w32(24, (u32)entry);
		w32(28, 0x40);
		w16(42, 32);
		w16(44, (u16)n);
	}
	for (unsigned i = 0; i < n; i++) {
		u64 off = s[i].off ? s[i].off : data;

		put_phdr(is64, i, &s[i], off);
		if (off > CAP || s[i].filesz > CAP - off)
			continue; /* deliberately outside any file */
		for (u64 k = 0; k < s[i].filesz; k++)
			img[off + k] = pattern(off + k);
		data = ALIGN_UP(off + s[i].filesz, 16);
		end = MAX(end, off + s[i].filesz);
	}
	return end;
}

static void put_mb1(size_t at, u32 flags)
{
	w32(at, MB1_MAGIC);
	w32(at + 4, flags);
	w32(at + 8, -(MB1_MAGIC + flags));
}

/* MB2 header tags under construction (the end tag is added by put_mb2). */
struct tags {
	u8 b[512];
	size_t n;
};

static void tag(struct tags *t, u16 type, u16 flags, const u32 *pl,
		unsigned n32)
{
	u32 size = 8 + 4 * n32;

	memcpy(t->b + t->n, &type, 2);
	memcpy(t->b + t->n + 2, &flags, 2);
	memcpy(t->b + t->n + 4, &size, 4);
	if (n32)
		memcpy(t->b + t->n + 8, pl, 4 * n32);
	t->n += ALIGN_UP(size, 8u);
}

static u32 put_mb2_raw(size_t at, const struct tags *t, bool end)
{
	u32 len = 16 + (u32)(t ? t->n : 0) + (end ? 8 : 0);

	w32(at, MB2_MAGIC);
	w32(at + 4, 0);
	w32(at + 8, len);
	w32(at + 12, -(MB2_MAGIC + len));
	if (t)
		memcpy(img + at + 16, t->b, t->n);
	if (end) {
		w32(at + len - 8, 0);
		w32(at + len - 4, 8);
	}
	return len;
}

static void put_mb2(size_t at, const struct tags *t)
{
	put_mb2_raw(at, t, true);
}

/* The default kernel: text (R+X) at 1 MiB, data+bss (R+W) above it. */
static const struct tseg k32[] = {
	{ 0, KBASE, 0, 0x800, 0x800, PF_R | PF_X, 0 },
	{ 0, KBASE + 0x1000, 0, 0x100, 0x2000, PF_R | PF_W, 0 },
};

/* ELF64 linked in the higher half: entry and p_vaddr are virtual. */
#define HH 0xffffffff80000000ULL
static const struct tseg k64[] = {
	{ 0, KBASE, HH + KBASE, 0x800, 0x800, PF_R | PF_X, 0 },
	{ 0, KBASE + 0x1000, HH + KBASE + 0x1000, 0x100, 0x3000, PF_R | PF_W,
	  0 },
};

static size_t kernel(int proto, bool is64)
{
	size_t n = is64 ? mk_elf(true, k64, 2, HH + KBASE + 0x10) :
			  mk_elf(false, k32, 2, KBASE + 0x10);

	if (proto == 1)
		put_mb1(0x200, 0x3);
	else
		put_mb2(0x200, NULL);
	return n;
}

static int open_img(size_t size, struct l1_image *im)
{
	err[0] = '\0';
	return loader_open(img, size, im, err, ERRLEN);
}

/* ---- fake guest memory ---- */

#define MEM_SIZE 0x800000ULL /* 8 MiB of guest memory from GPA 0 */

static u8 *mem;
static unsigned mem_writes, mem_zeros;

static bool mem_ok(gpa_t dst, size_t len)
{
	return dst <= MEM_SIZE && len <= MEM_SIZE - dst;
}

static int tm_write(void *ctx, gpa_t dst, const void *src, size_t len)
{
	(void)ctx;
	if (!mem_ok(dst, len))
		return -E_FAULT;
	memcpy(mem + dst, src, len);
	mem_writes++;
	return 0;
}

static int tm_zero(void *ctx, gpa_t dst, size_t len)
{
	(void)ctx;
	if (!mem_ok(dst, len))
		return -E_FAULT;
	memset(mem + dst, 0, len);
	mem_zeros++;
	return 0;
}

static const struct loader_mem_ops tm_ops = { tm_write, tm_zero };

static void mem_reset(void)
{
	if (!mem)
		mem = malloc(MEM_SIZE);
	memset(mem, 0xaa, MEM_SIZE);
	mem_writes = mem_zeros = 0;
}

static const struct mem_range ram[] = {
	{ 0, 0x9f000 },
	{ 0x100000, 0x400000 },
	{ 0x400000, 0x8000000 }, /* adjacent: the union counts */
};

/* Loads and checks every segment byte: file bytes, zeroes, untouched. */
static void load_and_verify(const struct l1_image *im, size_t size)
{
	mem_reset();
	REQUIRE(loader_load(im, img, size, &tm_ops, NULL) == 0);
	for (unsigned i = 0; i < im->nr_segs; i++) {
		const struct l1_segment *s = &im->segs[i];

		CHECK(!memcmp(mem + s->paddr, img + s->file_off, s->filesz));
		for (u64 k = s->filesz; k < s->memsz; k++)
			if (mem[s->paddr + k]) {
				CHECK_MSG(0, "seg %u byte %#lx not zeroed", i,
					  (unsigned long)k);
				break;
			}
		CHECK_EQ(mem[s->paddr + s->memsz], 0xaa);
	}
	CHECK_EQ(mem[im->segs[0].paddr - 1], 0xaa);
}

/* ---- valid kernels ---- */

static void valid_kernel(int proto, bool is64)
{
	size_t size = kernel(proto, is64);
	struct l1_image im;

	REQUIRE(open_img(size, &im) == 0);
	CHECK_EQ(im.proto, proto);
	CHECK_EQ(im.hdr_off, 0x200);
	CHECK_EQ(im.elf_class, is64 ? ELFCLASS64 : ELFCLASS32);
	CHECK_EQ(im.nr_segs, 2);
	CHECK_EQ(im.entry, KBASE + 0x10);
	CHECK_EQ(im.load_base, KBASE);
	CHECK_EQ(im.segs[1].paddr, KBASE + 0x1000);
	CHECK_EQ(im.segs[1].filesz, 0x100);
	CHECK_EQ(im.segs[1].memsz, is64 ? 0x3000 : 0x2000);
	CHECK(loader_check(&im, ram, ARRAY_SIZE(ram), NULL, 0, err, ERRLEN) ==
	      0);
	load_and_verify(&im, size);
	CHECK_EQ(mem_writes, 2);
	CHECK_EQ(mem_zeros, 1);
}

TEST(mb1_elf32_loads)
{
	valid_kernel(1, false);
}

TEST(mb1_elf64_loads)
{
	valid_kernel(1, true);
}

TEST(mb2_elf32_loads)
{
	valid_kernel(2, false);
}

TEST(mb2_elf64_higher_half_loads)
{
	valid_kernel(2, true);
}

TEST(mb1_flags_recorded)
{
	struct l1_image im;
	size_t size = kernel(1, false);

	CHECK(open_img(size, &im) == 0);
	CHECK_EQ(im.mb1_flags, 3);
	CHECK(im.mods_page_aligned);
	CHECK_EQ(im.notes, 0);
}

TEST(mb2_preferred_over_mb1)
{
	size_t size = kernel(1, false);
	struct l1_image im;

	put_mb2(0x400, NULL);
	REQUIRE(open_img(size, &im) == 0);
	CHECK_EQ(im.proto, BOOT_PROTO_MB2);
	CHECK_EQ(im.hdr_off, 0x400);
}

/* A stray magic with a bad checksum is skipped, not fatal. */
TEST(stray_magic_skipped)
{
	size_t size = kernel(1, false);
	struct l1_image im;

	w32(0x100, MB2_MAGIC);
	w32(0x180, MB1_MAGIC);
	REQUIRE(open_img(size, &im) == 0);
	CHECK_EQ(im.proto, BOOT_PROTO_MB1);
	CHECK_EQ(im.hdr_off, 0x200);
}

/* ---- probe refusals ---- */

TEST(no_header)
{
	struct l1_image im;
	size_t size = mk_elf(false, k32, 2, KBASE + 0x10);

	CHECK(open_img(size, &im) == -E_NOENT);
	CHECK_STR_CONTAINS(err, "no multiboot2 header");
	CHECK_EQ(im.proto, BOOT_PROTO_NONE);
}

TEST(bad_checksums)
{
	struct l1_image im;
	size_t size = kernel(1, false);

	w32(0x208, 0);
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(
		err,
		"multiboot header magic at file offset 0x200 has a bad checksum");
	size = kernel(2, false);
	w32(0x20c, 1);
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(
		err,
		"multiboot2 header magic at file offset 0x200 has a bad checksum");
}

TEST(header_beyond_search_window)
{
	struct l1_image im;
	size_t size = mk_elf(false, k32, 2, KBASE + 0x10);

	put_mb1(0x2000, 0x3); /* first byte past 8 KiB */
	CHECK(open_img(MAX(size, 0x3000), &im) == -E_NOENT);
	CHECK_STR_CONTAINS(err, "first 8 KiB");
	mk_elf(false, k32, 2, KBASE + 0x10);
	put_mb1(0x2000 - 24, 0x10003); /* needs 32 bytes, 24 left */
	CHECK(open_img(0x3000, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "extends beyond the first 8 KiB");
	mk_elf(false, k32, 2, KBASE + 0x10);
	put_mb2(0x8000, NULL);
	CHECK(open_img(0x9000, &im) == -E_NOENT);
	CHECK_STR_CONTAINS(err, "first 32 KiB");
	mk_elf(false, k32, 2, KBASE + 0x10);
	put_mb2(0x8000 - 16, NULL); /* 24-byte header, 16 bytes left */
	CHECK(open_img(0x9000, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "does not fit in the file's first 32 KiB");
}

TEST(header_beyond_file_end)
{
	struct l1_image im;

	kernel(2, false);
	CHECK(open_img(0x210, &im) == -E_INVAL); /* end tag cut off */
	CHECK_STR_CONTAINS(err, "does not fit");
	kernel(1, false);
	CHECK(open_img(0x208, &im) == -E_NOENT); /* checksum cut off */
}

TEST(mb1_unsupported_flags)
{
	struct l1_image im;
	size_t size = mk_elf(false, k32, 2, KBASE + 0x10);

	put_mb1(0x200, 0x23);
	CHECK(open_img(size, &im) == -E_NOSUPP);
	CHECK_STR_CONTAINS(err, "requires feature bit 5");
	put_mb1(0x200, 0x80000007); /* bit 31 optional; video noted */
	CHECK(open_img(size, &im) == 0);
	CHECK(im.notes & LOADER_NOTE_VIDEO);
}

/* Multiboot 0.6.96 3.1.3: a flat binary loaded via the address fields. */
TEST(mb1_aout_kludge)
{
	struct l1_image im;
	size_t size = 0x1800;

	memset(img, 0, CAP);
	for (size_t k = 0; k < size; k++)
		img[k] = pattern(k);
	put_mb1(0x40, 0x10003);
	w32(0x4c, KBASE + 0x40); /* header_addr */
	w32(0x50, KBASE); /* load_addr */
	w32(0x54, 0); /* load_end_addr: whole file */
	w32(0x58, KBASE + 0x4000); /* bss_end_addr */
	w32(0x5c, KBASE + 0x80); /* entry_addr */
	REQUIRE(open_img(size, &im) == 0);
	CHECK_EQ(im.elf_class, 0);
	CHECK_EQ(im.nr_segs, 1);
	CHECK_EQ(im.segs[0].file_off, 0);
	CHECK_EQ(im.segs[0].filesz, size);
	CHECK_EQ(im.segs[0].memsz, 0x4000);
	CHECK_EQ(im.entry, KBASE + 0x80);
	load_and_verify(&im, size);
	w32(0x54, KBASE + 0x1000); /* load_end_addr: first 4 KiB */
	w32(0x58, 0);
	w32(0x48, -(MB1_MAGIC + 0x10003));
	REQUIRE(open_img(size, &im) == 0);
	CHECK_EQ(im.segs[0].filesz, 0x1000);
	CHECK_EQ(im.segs[0].memsz, 0x1000);
	w32(0x50, KBASE + 0x80); /* load_addr above header_addr */
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "outside the file");
	w32(0x50, KBASE - 0x100); /* load start before the file */
	CHECK(open_img(size, &im) == -E_INVAL);
	w32(0x50, KBASE);
	w32(0x54, KBASE + 0x2000); /* beyond the file */
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "load_end_addr");
	w32(0x54, 0);
	w32(0x58, KBASE + 0x10); /* bss_end inside the file bytes */
	CHECK(open_img(size, &im) == -E_INVAL);
	w32(0x58, 0);
	w32(0x5c, KBASE + 0x1800); /* entry just past the file bytes */
	CHECK(open_img(size, &im) == -E_NOENT);
	CHECK_STR_CONTAINS(err, "no entry");
}

TEST(mb2_address_and_entry_tags)
{
	struct l1_image im;
	struct tags t = { .n = 0 };
	u32 addr[] = { KBASE + 0x40, 0xffffffffu, 0, KBASE + 0x8000 };
	u32 entry[] = { KBASE + 0x100 };
	size_t size = 0x1800;

	memset(img, 0, CAP);
	for (size_t k = 0; k < size; k++)
		img[k] = pattern(k);
	tag(&t, 2, 0, addr, 4);
	put_mb2(0x40, &t);
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "without an entry address tag");
	tag(&t, 3, 0, entry, 1);
	put_mb2(0x40, &t);
	REQUIRE(open_img(size, &im) == 0);
	CHECK_EQ(im.segs[0].paddr, KBASE); /* load_addr -1: file start */
	CHECK_EQ(im.segs[0].filesz, size);
	CHECK_EQ(im.segs[0].memsz, 0x8000);
	CHECK_EQ(im.entry, KBASE + 0x100);
	load_and_verify(&im, size);
}

TEST(mb2_entry_tag_overrides_elf)
{
	struct l1_image im;
	struct tags t = { .n = 0 };
	u32 entry[] = { KBASE + 0x20 };
	size_t size = mk_elf(false, k32, 2, KBASE + 0x10);

	tag(&t, 3, 0, entry, 1);
	put_mb2(0x200, &t);
	REQUIRE(open_img(size, &im) == 0);
	CHECK_EQ(im.entry, KBASE + 0x20);
	entry[0] = KBASE + 0x1000; /* the data segment: not executable */
	t.n = 0;
	tag(&t, 3, 0, entry, 1);
	put_mb2(0x200, &t);
	CHECK(open_img(size, &im) == -E_NOENT);
	CHECK_STR_CONTAINS(err, "no entry");
}

TEST(mb2_tag_rules)
{
	struct l1_image im;
	struct tags t = { .n = 0 };
	u32 fb[] = { 1024, 768, 32 }, req[] = { 1, 6, 9 }, con[] = { 1 };
	size_t size = mk_elf(false, k32, 2, KBASE + 0x10);

	tag(&t, 5, 0, fb, 3);
	put_mb2(0x200, &t);
	CHECK(open_img(size, &im) == -E_NOSUPP);
	CHECK_STR_CONTAINS(err, "required tag 5 (framebuffer)");
	t.n = 0;
	tag(&t, 5, 1, fb, 3);
	put_mb2(0x200, &t);
	CHECK(open_img(size, &im) == 0);
	CHECK(im.notes & LOADER_NOTE_VIDEO);
	t.n = 0;
	tag(&t, 1, 0, req, 3);
	put_mb2(0x200, &t);
	CHECK(open_img(size, &im) == -E_NOSUPP);
	CHECK_STR_CONTAINS(err, "requires boot information tag 9");
	t.n = 0;
	tag(&t, 1, 1, req, 3);
	put_mb2(0x200, &t);
	CHECK(open_img(size, &im) == 0);
	CHECK_EQ(im.mb2_requests, BIT(1) | BIT(6) | BIT(9));
	t.n = 0;
	tag(&t, 42, 0, NULL, 0);
	put_mb2(0x200, &t);
	CHECK(open_img(size, &im) == -E_NOSUPP);
	CHECK_STR_CONTAINS(err, "required tag 42 (unknown)");
	t.n = 0;
	tag(&t, 42, 1, NULL, 0);
	tag(&t, 6, 0, NULL, 0);
	tag(&t, 7, 0, NULL, 0);
	tag(&t, 10, 0, (const u32[]){ 0, ~0u, 4096, 0 }, 4);
	put_mb2(0x200, &t);
	CHECK(open_img(size, &im) == 0);
	CHECK(im.mods_page_aligned);
	CHECK_EQ(im.notes, LOADER_NOTE_OPTIONAL | LOADER_NOTE_EFI |
				   LOADER_NOTE_RELOCATABLE);
	t.n = 0;
	tag(&t, 4, 0, con, 1); /* console required, EGA not supported */
	put_mb2(0x200, &t);
	CHECK(open_img(size, &im) == -E_NOSUPP);
	CHECK_STR_CONTAINS(err, "console other than EGA text");
}

TEST(mb2_malformed_headers)
{
	struct l1_image im;
	struct tags t = { .n = 0 };
	size_t size = mk_elf(false, k32, 2, KBASE + 0x10);
	u32 len;

	tag(&t, 3, 0, NULL, 0); /* entry tag of 8 bytes: too short */
	put_mb2(0x200, &t);
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "bad size 8");
	t.n = 0;
	tag(&t, 6, 0, NULL, 0);
	put_mb2_raw(0x200, &t, false);
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "no end tag");
	len = put_mb2_raw(0x200, NULL, true);
	w32(0x200 + len - 4, 0x1000); /* end tag larger than the header */
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "bad size");
	put_mb2(0x200, NULL);
	w32(0x204, 4); /* MIPS */
	w32(0x20c, -(MB2_MAGIC + 4 + 24));
	CHECK(open_img(size, &im) == -E_NOSUPP);
	CHECK_STR_CONTAINS(err, "architecture 4");
	put_mb2(0x200, NULL);
	w32(0x208, 8); /* header_length too short for an end tag */
	w32(0x20c, -(MB2_MAGIC + 8));
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "too short for its end tag");
}

/* ---- ELF refusals ---- */

static void expect_elf_error(bool is64, const struct tseg *s, unsigned n,
			     u64 entry, int ret, const char *msg)
{
	struct l1_image im;
	size_t size = mk_elf(is64, s, n, entry);

	put_mb2(0x800, NULL); /* past even 17 program headers */
	CHECK_EQ(open_img(size, &im), ret);
	CHECK_STR_CONTAINS(err, msg);
}

TEST(elf_phoff_outside_file)
{
	struct l1_image im;
	size_t size = kernel(2, true);

	w64(32, size - 56);
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "program header table");
	w64(32, ~0ULL - 8); /* phoff + table wraps */
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "program header table");
	kernel(2, false);
	w16(42, 16); /* phentsize smaller than an ELF32 phdr */
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "unusable program header table");
}

TEST(elf_offset_wraps)
{
	struct tseg s[] = { { 0, KBASE, 0, 0x2000, 0x2000, PF_R | PF_X,
			      0xfffffffffffff000ULL } };

	expect_elf_error(true, s, 1, KBASE, -E_INVAL, "lie outside");
	s[0].off = 0xfffff000;
	expect_elf_error(false, s, 1, KBASE, -E_INVAL, "lie outside");
}

TEST(elf_filesz_exceeds_memsz)
{
	struct tseg s[] = { { 0, KBASE, 0, 0x800, 0x400, PF_R | PF_X, 0 } };

	expect_elf_error(false, s, 1, KBASE, -E_INVAL,
			 "p_filesz 0x800 exceeds p_memsz 0x400");
}

TEST(elf_address_overflow)
{
	struct tseg s[] = { { 0, 0xfffffffffffff000ULL, 0, 0x10, 0x2000,
			      PF_R | PF_X, 0 } };

	expect_elf_error(true, s, 1, s[0].paddr, -E_RANGE,
			 "goes beyond the address space");
	s[0].paddr = 0xfffff000;
	expect_elf_error(false, s, 1, s[0].paddr, -E_RANGE,
			 "goes beyond the address space");
}

TEST(elf_no_pt_load)
{
	struct tseg s[] = { { 4 /* PT_NOTE */, KBASE, 0, 0x10, 0x10, PF_R, 0 },
			    { 0, KBASE + 0x1000, 0, 0, 0, PF_R | PF_X, 0 } };

	expect_elf_error(false, s, 2, KBASE, -E_NOENT, "no non-empty PT_LOAD");
	expect_elf_error(true, s, 0, KBASE, -E_INVAL,
			 "unusable program header table (0 entries");
}

TEST(elf_entry_outside_segments)
{
	expect_elf_error(false, k32, 2, KBASE + 0x800, -E_NOENT, "no entry");
	expect_elf_error(false, k32, 2, KBASE + 0x1010, -E_NOENT, "no entry");
	expect_elf_error(false, k32, 2, KBASE - 1, -E_NOENT, "no entry");
	/* Higher-half ELF64: the physical entry is not what is matched. */
	expect_elf_error(true, k64, 2, KBASE + 0x10, -E_NOENT, "no entry");
}

TEST(elf_overlapping_segments)
{
	struct tseg s[] = { k32[0], k32[1] };

	s[1].paddr = KBASE + 0x7ff;
	expect_elf_error(
		false, s, 2, KBASE, -E_INVAL,
		"segments overlap: segment 0 [0x100000, 0x100800) and segment 1 [0x1007ff, 0x1027ff)");
}

TEST(elf64_entry_above_4g)
{
	struct tseg s[] = { { 0, 0x100000000ULL, 0, 0x100, 0x100, PF_R | PF_X,
			      0 } };

	expect_elf_error(true, s, 1, 0x100000010ULL, -E_RANGE, "above 4 GiB");
}

TEST(elf_bad_ident_machine_type)
{
	struct l1_image im;
	size_t size = kernel(2, false);

	img[0] = 0x7e;
	CHECK(open_img(size, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "not an ELF file");
	kernel(2, false);
	img[EI_CLASS] = 3;
	CHECK(open_img(size, &im) == -E_NOSUPP);
	kernel(2, false);
	img[EI_DATA] = 2;
	CHECK(open_img(size, &im) == -E_NOSUPP);
	CHECK_STR_CONTAINS(err, "little-endian");
	kernel(2, false);
	w16(18, EM_X86_64); /* an ELF32 file for x86-64 */
	CHECK(open_img(size, &im) == -E_NOSUPP);
	CHECK_STR_CONTAINS(err, "not i386");
	kernel(2, false);
	w16(16, ET_DYN);
	CHECK(open_img(size, &im) == -E_NOSUPP);
	CHECK_STR_CONTAINS(err, "only ET_EXEC");
}

TEST(elf_truncated)
{
	struct l1_image im = { 0 };
	size_t size = kernel(2, false);

	CHECK(open_img(size - 1, &im) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "lie outside the 6399-byte file");
	CHECK(loader_parse_elf(img, 40, &im, err, ERRLEN) == -E_INVAL);
	CHECK_STR_CONTAINS(err, "truncated");
	/* Every prefix is refused cleanly (ASan checks the reads). */
	for (size_t n = 0; n < size; n++)
		CHECK(open_img(n, &im) < 0);
}

TEST(elf_too_many_segments)
{
	struct tseg s[LOADER_MAX_SEGS + 1];

	for (unsigned i = 0; i < ARRAY_SIZE(s); i++)
		s[i] = (struct tseg){ .paddr = KBASE + i * 0x1000,
				      .filesz = 0x10,
				      .memsz = 0x10,
				      .flags = PF_R | PF_X };
	expect_elf_error(false, s, ARRAY_SIZE(s), KBASE, -E_TOOBIG,
			 "more than 16");
}

/* ---- placement ---- */

TEST(check_segment_outside_ram)
{
	struct l1_image im;
	struct mem_range small[] = { { 0x100000, 0x101800 } };

	REQUIRE(open_img(kernel(1, false), &im) == 0);
	CHECK(loader_check(&im, small, 1, NULL, 0, err, ERRLEN) == -E_RANGE);
	CHECK_STR_CONTAINS(
		err,
		"segment 1 [0x101000, 0x103000) is not inside L1's RAM (0x101800 is not usable RAM)");
	CHECK(loader_check(&im, NULL, 0, NULL, 0, err, ERRLEN) == -E_RANGE);
	CHECK_STR_CONTAINS(err, "segment 0");
}

TEST(check_segment_over_modex)
{
	struct tseg s[] = { k32[0],
			    { 0, 0x2000000, 0, 0x10, 0x4000, PF_R | PF_W, 0 } };
	struct mem_range modex[] = { { 0x50000, 0x60000 },
				     { 0x2003000, 0x2400000 } };
	const char *names[] = { "the boot information", "Modex's memory" };
	struct l1_image im;

	mk_elf(false, s, 2, KBASE);
	put_mb1(0x200, 0);
	REQUIRE(open_img(0x2000, &im) == 0);
	CHECK(loader_check_named(&im, ram, ARRAY_SIZE(ram), modex, names, 2,
				 err, ERRLEN) == -E_BUSY);
	CHECK_STR_CONTAINS(
		err,
		"segment 1 [0x2000000, 0x2004000) overlaps Modex's memory [0x2003000, 0x2400000)");
	CHECK(loader_check(&im, ram, ARRAY_SIZE(ram), modex, 2, err, ERRLEN) ==
	      -E_BUSY);
	CHECK_STR_CONTAINS(err, "overlaps a reserved range");
	modex[1].start = 0x2004000; /* touching is fine: end is exclusive */
	CHECK(loader_check_named(&im, ram, ARRAY_SIZE(ram), modex, names, 2,
				 err, ERRLEN) == 0);
}

TEST(src_overlap)
{
	struct l1_image im;

	REQUIRE(open_img(kernel(2, false), &im) == 0);
	CHECK(!loader_src_overlaps(&im, 0x200000, 0x2000));
	CHECK(!loader_src_overlaps(&im, KBASE + 0x3000, 0x2000));
	CHECK(!loader_src_overlaps(&im, KBASE - 0x2000, 0x2000));
	CHECK(loader_src_overlaps(&im, KBASE - 0x2000, 0x2001));
	CHECK(loader_src_overlaps(&im, KBASE + 0x2fff, 0x10));
	CHECK(loader_src_overlaps(&im, KBASE + 0x900, 0x800)); /* in gap.. */
	CHECK(!loader_src_overlaps(&im, KBASE + 0x800, 0x800)); /* ..or not */
	CHECK(loader_src_overlaps(&im, 0, ~0ULL));
}

TEST(find_free)
{
	struct l1_image im;
	struct mem_range avoid[] = { { 0x10000, 0x12001 } };
	gpa_t at = 0;

	REQUIRE(open_img(kernel(2, false), &im) == 0);
	CHECK(loader_find_free(&im, ram, ARRAY_SIZE(ram), NULL, 0, 100, &at) ==
	      0);
	CHECK_EQ(at, LOADER_FREE_MIN);
	CHECK(loader_find_free(&im, ram, ARRAY_SIZE(ram), avoid, 1, 0x1000,
			       &at) == 0);
	CHECK_EQ(at, 0x13000);
	/* Too big for low memory: just above the kernel's segments. */
	CHECK(loader_find_free(&im, ram, ARRAY_SIZE(ram), avoid, 1, 0x90000,
			       &at) == 0);
	CHECK_EQ(at, KBASE + 0x3000);
	/* Spans the two adjacent RAM ranges at 4 MiB. */
	avoid[0] = (struct mem_range){ 0x10000, 0x3ff000 };
	CHECK(loader_find_free(&im, ram, ARRAY_SIZE(ram), avoid, 1, 0x2000,
			       &at) == 0);
	CHECK_EQ(at, 0x3ff000);
	CHECK(loader_find_free(&im, ram, ARRAY_SIZE(ram), NULL, 0, 0x10000000,
			       &at) == -E_NOMEM);
	CHECK(loader_find_free(NULL, ram, ARRAY_SIZE(ram), NULL, 0, 0, &at) ==
	      -E_INVAL);
	CHECK(loader_find_free(NULL, ram, ARRAY_SIZE(ram), NULL, 0, 0x1000,
			       &at) == 0);
	CHECK_EQ(at, LOADER_FREE_MIN);
}

TEST(find_free_stays_below_4g)
{
	struct mem_range high[] = { { 0xfffff000, 0x200000000ULL } };
	gpa_t at = 0;

	CHECK(loader_find_free(NULL, high, 1, NULL, 0, 0x1000, &at) == 0);
	CHECK_EQ(at, 0xfffff000);
	CHECK(loader_find_free(NULL, high, 1, NULL, 0, 0x1001, &at) ==
	      -E_NOMEM);
}

TEST(load_callback_errors)
{
	struct l1_image im;
	size_t size = kernel(1, false);

	REQUIRE(open_img(size, &im) == 0);
	im.segs[1].paddr = MEM_SIZE - 0x10; /* fake memory refuses */
	mem_reset();
	CHECK(loader_load(&im, img, size, &tm_ops, NULL) == -E_FAULT);
	CHECK(loader_load(&im, img, 0x100, &tm_ops, NULL) == -E_INVAL);
	im.proto = BOOT_PROTO_NONE;
	CHECK(loader_load(&im, img, size, &tm_ops, NULL) == -E_INVAL);
}

/* ---- boot information ---- */

static const struct l1_mem_region l1map[] = {
	{ 0, 0x9f000, L1_MEM_AVAILABLE },
	{ 0x9f000, 0x1000, L1_MEM_RESERVED },
	{ 0xf0000, 0x10000, L1_MEM_RESERVED },
	{ 0x100000, 0x1f00000, L1_MEM_AVAILABLE }, /* to 32 MiB */
	/* Modex hidden at [32 MiB, 36 MiB): absent from the map. */
	{ 0x2400000, 0x5be0000, L1_MEM_AVAILABLE },
	{ 0x7fe0000, 0x20000, L1_MEM_ACPI },
	{ 0x100000000ULL, 0x40000000, L1_MEM_AVAILABLE },
};

static u8 rsdp[36] = "RSD PTR ";

static const struct boot_module mods[] = {
	{ 0x3000000, 0x3001234, "initrd root=/dev/sda" },
	{ 0x3002000, 0x3002000, NULL },
};

static struct boot_info_params params(void)
{
	rsdp[15] = 2; /* ACPI 2.0: revision, then the 32-bit length field */
	rsdp[20] = sizeof(rsdp);
	return (struct boot_info_params){
		.cmdline = "console=ttyS0 nested=1",
		.mmap = l1map,
		.nr_mmap = ARRAY_SIZE(l1map),
		.mods = mods,
		.nr_mods = ARRAY_SIZE(mods),
		.rsdp = rsdp,
		.rsdp_len = sizeof(rsdp),
		.has_load_base = true,
		.load_base = KBASE,
	};
}

static u32 r32(const u8 *b, size_t at)
{
	u32 v;

	memcpy(&v, b + at, 4);
	return v;
}

static u64 r64(const u8 *b, size_t at)
{
	u64 v;

	memcpy(&v, b + at, 8);
	return v;
}

#define INFO_BASE 0x90000ULL

/* Returns the offset of tag @type's payload (after type and size). */
static size_t find_tag(const u8 *b, u32 type, unsigned nth)
{
	u32 total = r32(b, 0);

	for (size_t at = 8; at + 8 <= total;) {
		u32 t = r32(b, at), size = r32(b, at + 4);

		if (size < 8 || at + size > total)
			return 0;
		if (t == type && !nth--)
			return at + 8;
		if (t == 0)
			return 0;
		at += ALIGN_UP(size, 8u);
	}
	return 0;
}

static const char *gstr(const u8 *b, u32 gpa)
{
	return (const char *)b + (gpa - INFO_BASE);
}

TEST(mb2_info_layout)
{
	struct boot_info_params p = params();
	static u8 b[4096];
	size_t need = 0, used = 0, at;

	CHECK(mb2_build_info(&p, INFO_BASE, NULL, 0, &need) == -E_TOOBIG);
	CHECK(mb2_build_info(&p, INFO_BASE, b, need - 1, &used) == -E_TOOBIG);
	memset(b, 0xee, sizeof(b));
	REQUIRE(mb2_build_info(&p, INFO_BASE, b, sizeof(b), &used) == 0);
	CHECK_EQ(used, need);
	CHECK_EQ(r32(b, 0), used);
	CHECK_EQ(r32(b, 4), 0);
	REQUIRE((at = find_tag(b, MBI2_CMDLINE, 0)) != 0);
	CHECK(!strcmp((const char *)b + at, "console=ttyS0 nested=1"));
	REQUIRE((at = find_tag(b, MBI2_LOADER_NAME, 0)) != 0);
	CHECK(!strcmp((const char *)b + at, "Modex"));
	REQUIRE((at = find_tag(b, MBI2_MEMINFO, 0)) != 0);
	CHECK_EQ(r32(b, at), 636); /* 0x9f000 / 1 KiB */
	CHECK_EQ(r32(b, at + 4), 31 * 1024); /* to the Modex hole */
	REQUIRE((at = find_tag(b, MBI2_MMAP, 0)) != 0);
	CHECK_EQ(r32(b, at - 4), 16 + 24 * ARRAY_SIZE(l1map));
	CHECK_EQ(r32(b, at), 24);
	CHECK_EQ(r32(b, at + 4), 0);
	for (unsigned i = 0; i < ARRAY_SIZE(l1map); i++) {
		CHECK_EQ(r64(b, at + 8 + 24 * i), l1map[i].base);
		CHECK_EQ(r64(b, at + 16 + 24 * i), l1map[i].len);
		CHECK_EQ(r32(b, at + 24 + 24 * i), l1map[i].type);
		CHECK_EQ(r32(b, at + 28 + 24 * i), 0);
	}
	REQUIRE((at = find_tag(b, MBI2_MODULE, 0)) != 0);
	CHECK_EQ(r32(b, at), 0x3000000);
	CHECK_EQ(r32(b, at + 4), 0x3001234);
	CHECK(!strcmp((const char *)b + at + 8, "initrd root=/dev/sda"));
	REQUIRE((at = find_tag(b, MBI2_MODULE, 1)) != 0);
	CHECK_EQ(b[at + 8], 0);
	REQUIRE((at = find_tag(b, MBI2_ACPI_OLD, 0)) != 0);
	CHECK_EQ(r32(b, at - 4), 28);
	CHECK(!memcmp(b + at, rsdp, 20));
	REQUIRE((at = find_tag(b, MBI2_ACPI_NEW, 0)) != 0);
	CHECK_EQ(r32(b, at - 4), 44);
	CHECK(!memcmp(b + at, rsdp, 36));
	REQUIRE((at = find_tag(b, MBI2_LOAD_BASE, 0)) != 0);
	CHECK_EQ(r32(b, at), KBASE);
	REQUIRE((at = find_tag(b, MBI2_END, 0)) != 0);
	CHECK_EQ(at, used); /* the end tag closes the structure */
	CHECK_EQ(b[used], 0xee); /* nothing written past it */
}

/* Modex's own multiboot2 parser accepts the output and reads it back. */
TEST(mb2_info_parses)
{
	struct boot_info_params p = params();
	static struct mb2_info mi;
	static u8 b[4096] __aligned(8);
	size_t used = 0;

	REQUIRE(mb2_build_info(&p, INFO_BASE, b, sizeof(b), &used) == 0);
	errbuf[0] = '\0';
	if (mb2_parse(b, INFO_BASE, NULL, 0, &mi, err, ERRLEN))
		fprintf(stderr, "  mb2_parse: %s\n", err);
	REQUIRE(mb2_parse(b, INFO_BASE, NULL, 0, &mi, err, ERRLEN) == 0);
	CHECK(mi.cmdline && !strcmp(mi.cmdline, "console=ttyS0 nested=1"));
	CHECK(mi.loader_name && !strcmp(mi.loader_name, "Modex"));
	CHECK_EQ(mi.nr_regions, ARRAY_SIZE(l1map));
	for (unsigned i = 0; i < mi.nr_regions && i < ARRAY_SIZE(l1map); i++) {
		CHECK_EQ(mi.regions[i].base, l1map[i].base);
		CHECK_EQ(mi.regions[i].len, l1map[i].len);
		CHECK_EQ(mi.regions[i].type, l1map[i].type);
	}
	REQUIRE(mi.nr_modules == 2);
	CHECK_EQ(mi.modules[0].start, 0x3000000);
	CHECK_EQ(mi.modules[0].end, 0x3001234);
	CHECK(mi.modules[0].cmdline &&
	      !strcmp(mi.modules[0].cmdline, "initrd root=/dev/sda"));
	CHECK_EQ(mi.rsdp_len, 36);
	CHECK_EQ(mi.rsdp_rev, 2);
	CHECK_EQ(mi.info_phys, INFO_BASE);
	CHECK_EQ(mi.info_size, used);
}

TEST(mb2_info_minimal_and_errors)
{
	struct boot_info_params p = { 0 };
	static u8 b[256];
	size_t used = 0;

	REQUIRE(mb2_build_info(&p, INFO_BASE, b, sizeof(b), &used) == 0);
	/* fixed 8 + cmdline 16 + name 16 + meminfo 16 + mmap 16 + end 8 */
	CHECK_EQ(used, 80);
	CHECK_EQ(r32(b, find_tag(b, MBI2_MEMINFO, 0)), 0);
	CHECK(find_tag(b, MBI2_ACPI_OLD, 0) == 0);
	CHECK(find_tag(b, MBI2_LOAD_BASE, 0) == 0);
	CHECK(mb2_build_info(&p, INFO_BASE + 4, b, sizeof(b), &used) ==
	      -E_INVAL);
	CHECK(mb2_build_info(&p, LOADER_4G - 64, b, sizeof(b), &used) ==
	      -E_RANGE);
	p.rsdp = rsdp;
	p.rsdp_len = 19;
	CHECK(mb2_build_info(&p, INFO_BASE, b, sizeof(b), &used) == -E_INVAL);
	p.rsdp_len = 20; /* ACPI 1.0: only the old tag */
	REQUIRE(mb2_build_info(&p, INFO_BASE, b, sizeof(b), &used) == 0);
	CHECK(find_tag(b, MBI2_ACPI_OLD, 0) != 0);
	CHECK(find_tag(b, MBI2_ACPI_NEW, 0) == 0);
	p = params();
	p.mods = (const struct boot_module[]){ { 0xfffff000, 0x100001000ULL,
						 "x" } };
	p.nr_mods = 1;
	CHECK(mb2_build_info(&p, INFO_BASE, b, sizeof(b), &used) == -E_RANGE);
	CHECK(mb1_build_info(&p, INFO_BASE, b, sizeof(b), &used) == -E_RANGE);
}

TEST(mb1_info_layout)
{
	struct boot_info_params p = params();
	static u8 b[4096];
	size_t need = 0, used = 0;
	u32 mods_at, mmap_at;

	CHECK(mb1_build_info(&p, INFO_BASE, NULL, 0, &need) == -E_TOOBIG);
	REQUIRE(mb1_build_info(&p, INFO_BASE, b, sizeof(b), &used) == 0);
	CHECK_EQ(used, need);
	/* Multiboot 0.6.96 3.3: MEMORY, CMDLINE, MODS, MMAP, LOADER_NAME. */
	CHECK_EQ(r32(b, 0), BIT(0) | BIT(2) | BIT(3) | BIT(6) | BIT(9));
	CHECK_EQ(r32(b, 4), 636);
	CHECK_EQ(r32(b, 8), 31 * 1024);
	CHECK_EQ(r32(b, 12), 0);
	CHECK(!strcmp(gstr(b, r32(b, 16)), "console=ttyS0 nested=1"));
	CHECK_EQ(r32(b, 20), 2);
	mods_at = r32(b, 24);
	CHECK(mods_at > INFO_BASE && mods_at + 32 <= INFO_BASE + used);
	CHECK_EQ(r32(b, mods_at - INFO_BASE), 0x3000000);
	CHECK_EQ(r32(b, mods_at - INFO_BASE + 4), 0x3001234);
	CHECK(!strcmp(gstr(b, r32(b, mods_at - INFO_BASE + 8)),
		      "initrd root=/dev/sda"));
	CHECK_EQ(r32(b, mods_at - INFO_BASE + 12), 0);
	CHECK(!strcmp(gstr(b, r32(b, mods_at - INFO_BASE + 24)), ""));
	CHECK_EQ(r32(b, 44), 24 * ARRAY_SIZE(l1map));
	mmap_at = r32(b, 48);
	CHECK(mmap_at + r32(b, 44) <= INFO_BASE + used);
	for (unsigned i = 0; i < ARRAY_SIZE(l1map); i++) {
		size_t e = mmap_at - INFO_BASE + 24 * i;

		CHECK_EQ(r32(b, e), 20); /* size excludes itself */
		CHECK_EQ(r64(b, e + 4), l1map[i].base);
		CHECK_EQ(r64(b, e + 12), l1map[i].len);
		CHECK_EQ(r32(b, e + 20), l1map[i].type);
	}
	CHECK(!strcmp(gstr(b, r32(b, 64)), "Modex"));
	for (size_t o = 68; o < 116; o += 4)
		CHECK_EQ(r32(b, o), 0); /* no APM, VBE or framebuffer */
	CHECK(mb1_build_info(&p, INFO_BASE, b, used - 1, &used) == -E_TOOBIG);
}

TEST(build_info_dispatch)
{
	struct boot_info_params p = params();
	struct l1_image im = { .proto = BOOT_PROTO_MB1 };
	static u8 b[4096];
	size_t used;

	REQUIRE(loader_build_info(&im, &p, INFO_BASE, b, sizeof(b), &used) ==
		0);
	CHECK_EQ(r32(b, 0), 0x24d);
	im.proto = BOOT_PROTO_MB2;
	REQUIRE(loader_build_info(&im, &p, INFO_BASE, b, sizeof(b), &used) ==
		0);
	CHECK_EQ(r32(b, 0), used);
	im.proto = BOOT_PROTO_NONE;
	CHECK(loader_build_info(&im, &p, INFO_BASE, b, sizeof(b), &used) ==
	      -E_INVAL);
}

/* ---- entry state ---- */

TEST(initial_state)
{
	struct boot_cpu_state st;
	struct l1_image im;
	u64 gdt[LOADER_GDT_ENTRIES];

	REQUIRE(open_img(kernel(2, true), &im) == 0);
	loader_initial_state(&im, 0x9000, 0x9800, &st);
	CHECK_EQ(st.rip, KBASE + 0x10);
	CHECK_EQ(st.rax, 0x36d76289);
	CHECK_EQ(st.rbx, 0x9000);
	CHECK_EQ(st.rsp, 0);
	CHECK_EQ(st.rflags, 0x2);
	CHECK_EQ(st.cr0, 0x11);
	CHECK_EQ(st.cr3 | st.cr4 | st.efer, 0);
	CHECK_EQ(st.cs.ar, 0xc09b);
	CHECK_EQ(st.cs.limit, 0xffffffff);
	CHECK_EQ(st.cs.base, 0);
	CHECK_EQ(st.cs.sel, 0x08);
	CHECK_EQ(st.ss.ar, 0xc093);
	CHECK_EQ(st.ds.sel, 0x10);
	CHECK(!memcmp(&st.ds, &st.es, sizeof(st.ds)) &&
	      !memcmp(&st.ds, &st.fs, sizeof(st.ds)) &&
	      !memcmp(&st.ds, &st.gs, sizeof(st.ds)) &&
	      !memcmp(&st.ds, &st.ss, sizeof(st.ds)));
	CHECK_EQ(st.tr.ar, 0x8b);
	CHECK_EQ(st.ldtr.ar, 0);
	CHECK_EQ(st.gdtr.base, 0x9800);
	CHECK_EQ(st.gdtr.limit, 23);
	CHECK_EQ(st.idtr.base | st.idtr.limit, 0);
	REQUIRE(open_img(kernel(1, false), &im) == 0);
	loader_initial_state(&im, 0x9000, 0, &st);
	CHECK_EQ(st.rax, 0x2badb002);
	CHECK_EQ(st.gdtr.base | st.gdtr.limit, 0);
	/* The GDT's descriptors agree with the segment state. */
	loader_gdt(gdt);
	CHECK_EQ(gdt[0], 0);
	CHECK_EQ(gdt[1], 0x00cf9b000000ffffULL);
	CHECK_EQ(gdt[2], 0x00cf93000000ffffULL);
	CHECK_EQ((gdt[1] >> 40) & 0xf0ff, BOOT_AR_CODE32);
	CHECK_EQ((gdt[2] >> 40) & 0xf0ff, BOOT_AR_DATA32);
}

/* ---- random mutation ---- */

static u64 rng = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	return rng_next(&rng);
}

/* Hot spots: ELF header, program headers, the multiboot header. */
static size_t rnd_offset(size_t size)
{
	switch (rnd() % 4) {
	case 0:
		return rnd() % 64;
	case 1:
		return 0x40 + rnd() % 112;
	case 2:
		return 0x200 + rnd() % 64;
	default:
		return rnd() % size;
	}
}

static void mutate(size_t size)
{
	unsigned n = 1 + rnd() % 8;

	for (unsigned i = 0; i < n; i++) {
		size_t at = rnd_offset(size);
		u64 v = rnd();

		if (rnd() % 3 == 0 && at + 8 <= size)
			memcpy(img + at, &v, 8); /* a whole field */
		else
			img[at] = (u8)v;
	}
}

/* Whatever the bytes, an accepted image is internally consistent. */
static void check_accepted(const struct l1_image *im, size_t size)
{
	bool entry_ok = false;

	CHECK(im->nr_segs >= 1 && im->nr_segs <= LOADER_MAX_SEGS);
	for (unsigned i = 0; i < im->nr_segs; i++) {
		const struct l1_segment *s = &im->segs[i];

		CHECK(s->file_off <= size && s->filesz <= size - s->file_off);
		CHECK(s->filesz <= s->memsz && s->memsz);
		CHECK(s->paddr + s->memsz > s->paddr);
		if ((s->flags & PF_X) && im->entry >= s->paddr &&
		    im->entry - s->paddr < s->filesz)
			entry_ok = true;
	}
	CHECK(entry_ok && im->entry < LOADER_4G);
}

TEST(random_mutation)
{
	static const struct {
		int proto;
		bool is64;
	} kinds[] = {
		{ 1, false },
		{ 1, true },
		{ 2, false },
		{ 2, true },
	};
	const struct mem_range fake_ram[] = { { 0, MEM_SIZE } };
	unsigned accepted = 0, loaded = 0;

	mem_reset();

	for (unsigned iter = 0; iter < 100000; iter++) {
		struct l1_image im;
		size_t size =
			kernel(kinds[iter % 4].proto, kinds[iter % 4].is64);

		mutate(size);
		if (rnd() % 8 == 0)
			size = rnd() % (size + 1);
		if (open_img(size, &im))
			continue;
		accepted++;
		check_accepted(&im, size);
		if (loader_check(&im, fake_ram, 1, NULL, 0, err, ERRLEN))
			continue;
		CHECK(loader_load(&im, img, size, &tm_ops, NULL) == 0);
		loaded++;
	}
	fprintf(stderr, "  random_mutation: %u accepted, %u loaded\n", accepted,
		loaded);
	CHECK(accepted > 1000);
}

/* Both backends start L1 from these registers. */
TEST(initial_regs_from_state)
{
	struct boot_cpu_state st = { 0 };
	struct guest_regs r;

	st.rax = 0x36d76289;
	st.rbx = 0x10000;
	st.rip = 0x100030;
	st.rsp = 0;
	st.rflags = 0; /* bit 1 is reserved as 1 whatever the state says */
	memset(&r, 0xa5, sizeof(r));
	loader_initial_regs(&st, &r);
	CHECK_EQ(r.rax, 0x36d76289);
	CHECK_EQ(r.rbx, 0x10000);
	CHECK_EQ(r.rip, 0x100030);
	CHECK_EQ(r.rflags, 2);
	CHECK_EQ(r.rcx | r.rdx | r.rsi | r.rdi | r.rbp | r.rsp | r.r8 | r.r15,
		 0);
}

/* Modex at the top of low RAM (docs/boot.md): L1's RAM from 1 MiB is one
 * region, and both protocols' mem_upper count the KiB from 1 MiB to
 * Modex's start; the e820 map from the same map agrees. */
static const struct l1_mem_region top_map[] = {
	{ 0, 0x9fc00, L1_MEM_AVAILABLE },
	{ 0x9fc00, 0x400, L1_MEM_RESERVED },
	{ 0xf0000, 0x10000, L1_MEM_RESERVED },
	{ 0x100000, 0xef99000 - 0x100000, L1_MEM_AVAILABLE },
	/* Modex [0xef99000, 0xffe0000): absent. */
	{ 0xffe0000, 0x20000, L1_MEM_RESERVED },
	{ 0xfffc0000, 0x40000, L1_MEM_RESERVED },
};

TEST(top_layout_meminfo_both_protocols)
{
	struct boot_info_params p = {
		.mmap = top_map,
		.nr_mmap = ARRAY_SIZE(top_map),
	};
	struct boot_e820_entry e[E820_MAX_ENTRIES];
	static u8 b[4096];
	size_t used = 0, at;
	int n;

	REQUIRE(mb2_build_info(&p, INFO_BASE, b, sizeof(b), &used) == 0);
	REQUIRE((at = find_tag(b, MBI2_MEMINFO, 0)) != 0);
	CHECK_EQ(r32(b, at), 639);
	CHECK_EQ(r32(b, at + 4), (0xef99000 - 0x100000) >> 10);
	REQUIRE(mb1_build_info(&p, INFO_BASE, b, sizeof(b), &used) == 0);
	CHECK_EQ(r32(b, 4), 639);
	CHECK_EQ(r32(b, 8), (0xef99000 - 0x100000) >> 10);
	n = e820_build(top_map, ARRAY_SIZE(top_map), e, E820_MAX_ENTRIES);
	REQUIRE(n == (int)ARRAY_SIZE(top_map));
	for (int i = 0; i < n; i++) {
		CHECK_EQ(e[i].addr, top_map[i].base);
		CHECK_EQ(e[i].size, top_map[i].len);
		CHECK_EQ(e[i].type, top_map[i].type);
	}
}

static bool rng_overlap(u64 s1, u64 e1, u64 s2, u64 e2)
{
	return s1 < e2 && s2 < e1;
}

/* L1's modules stay where the boot loader put them unless the image lands
 * on one; a moved one avoids the image, the avoid list, and every other
 * module's old and new place. */
TEST(place_modules)
{
	struct l1_image im = { .proto = BOOT_PROTO_MB2, .nr_segs = 1 };
	const struct mem_range pram[] = { { 0, 0x9f000 },
					  { 0x100000, 0x8000000 } };
	const struct mem_range avoid[] = { { 0x10000, 0x11000 },
					   { 0x300000, 0x302000 } };
	const struct boot_module gm[] = {
		{ 0x150000, 0x151000, "a" }, /* inside the image */
		{ 0x400000, 0x400100, "b" }, /* clear of it */
		{ 0x2ff000, 0x300800, "c" }, /* straddles its end */
		{ 0x180000, 0x180000, NULL }, /* empty */
	};
	struct boot_module out[4];

	im.segs[0] =
		(struct l1_segment){ .paddr = 0x100000, .memsz = 0x200000 };
	REQUIRE(loader_place_modules(&im, pram, 2, avoid, 2, gm, 4, out) == 0);
	CHECK_EQ(out[1].start, 0x400000);
	CHECK_EQ(out[3].start, 0x180000);
	CHECK(!strcmp(out[0].string, "a") && !strcmp(out[2].string, "c"));
	for (unsigned i = 0; i < 4; i++) {
		CHECK_EQ(out[i].end - out[i].start, gm[i].end - gm[i].start);
		if (out[i].start == gm[i].start)
			continue;
		CHECK(i == 0 || i == 2);
		CHECK(out[i].start % 0x1000 == 0);
		CHECK(out[i].start >= LOADER_MODS_MIN);
		CHECK(!loader_src_overlaps(&im, out[i].start,
					   out[i].end - out[i].start));
		for (unsigned j = 0; j < 2; j++)
			CHECK(!rng_overlap(out[i].start, out[i].end,
					   avoid[j].start, avoid[j].end));
		for (unsigned j = 0; j < 4; j++) {
			CHECK(!rng_overlap(out[i].start, out[i].end,
					   gm[j].start, gm[j].end));
			if (j != i)
				CHECK(!rng_overlap(out[i].start, out[i].end,
						   out[j].start, out[j].end));
		}
	}
	CHECK(out[0].start != gm[0].start && out[2].start != gm[2].start);
}

TEST(place_modules_errors)
{
	struct l1_image im = { .proto = BOOT_PROTO_MB2, .nr_segs = 1 };
	const struct mem_range small[] = { { 0x100000, 0x201000 } };
	struct boot_module gm[LOADER_MAX_MODS + 1] = {
		{ 0x150000, 0x152000, "a" },
	};
	struct boot_module out[LOADER_MAX_MODS + 1];

	im.segs[0] =
		(struct l1_segment){ .paddr = 0x100000, .memsz = 0x100000 };
	/* One free page left above the image, two needed. */
	CHECK(loader_place_modules(&im, small, 1, NULL, 0, gm, 1, out) ==
	      -E_NOMEM);
	CHECK(loader_place_modules(&im, small, 1, NULL, 0, gm,
				   LOADER_MAX_MODS + 1, out) == -E_TOOBIG);
	gm[0] = (struct boot_module){ 0x300000, 0x200000, "backwards" };
	CHECK(loader_place_modules(&im, small, 1, NULL, 0, gm, 1, out) ==
	      -E_RANGE);
	gm[0] = (struct boot_module){ 0xfffff000, 0x100001000ULL, NULL };
	CHECK(loader_place_modules(&im, small, 1, NULL, 0, gm, 1, out) ==
	      -E_RANGE);
	CHECK(loader_place_modules(&im, small, 1, NULL, 0, NULL, 1, out) ==
	      -E_INVAL);
	CHECK(loader_place_modules(&im, small, 1, NULL, 0, gm, 0, out) == 0);
}

/* A UEFI boot: the EFI64 system table and L1's EFI map (here l1map's
 * regions as descriptors) follow the other tags; Modex's own parser
 * reads back from the EFI map exactly the multiboot map's regions. */
TEST(mb2_info_efi_tags)
{
	static const u32 efi_type[] = {
		[L1_MEM_AVAILABLE] = EFI_CONVENTIONAL_MEMORY,
		[L1_MEM_RESERVED] = EFI_RUNTIME_SERVICES_DATA,
		[L1_MEM_ACPI] = EFI_ACPI_RECLAIM_MEMORY,
	};
	struct efi_memory_desc d[ARRAY_SIZE(l1map)];
	struct boot_info_params p = params();
	static struct mb2_info mi;
	static u8 b[4096] __aligned(8);
	size_t used = 0, at;

	for (unsigned i = 0; i < ARRAY_SIZE(l1map); i++)
		d[i] = (struct efi_memory_desc){ efi_type[l1map[i].type], 0,
						 l1map[i].base,		  0,
						 l1map[i].len / 4096,	  0xf };
	p.efi_systab = 0x7f9e018;
	p.efi_mmap = d;
	p.nr_efi = ARRAY_SIZE(d);
	REQUIRE(mb2_build_info(&p, INFO_BASE, b, sizeof(b), &used) == 0);
	REQUIRE((at = find_tag(b, MBI2_EFI64_SYSTAB, 0)) != 0);
	CHECK_EQ(r32(b, at - 4), 16);
	CHECK_EQ(r64(b, at), 0x7f9e018);
	REQUIRE((at = find_tag(b, MBI2_EFI_MMAP, 0)) != 0);
	CHECK_EQ(r32(b, at - 4), 16 + 40 * ARRAY_SIZE(d));
	CHECK_EQ(r32(b, at), 40);
	CHECK_EQ(r32(b, at + 4), 1);
	CHECK(!memcmp(b + at + 8, d, sizeof(d)));
	REQUIRE(mb2_parse(b, INFO_BASE, NULL, 0, &mi, err, ERRLEN) == 0);
	CHECK_EQ(mi.map_source, MB2_MAP_EFI);
	CHECK_EQ(mi.efi.systab, 0x7f9e018);
	CHECK_EQ(mi.nr_regions, ARRAY_SIZE(l1map));
	for (unsigned i = 0; i < mi.nr_regions && i < ARRAY_SIZE(l1map); i++) {
		CHECK_EQ(mi.regions[i].base, l1map[i].base);
		CHECK_EQ(mi.regions[i].len, l1map[i].len);
		CHECK_EQ(mi.regions[i].type, l1map[i].type);
	}
	/* A BIOS boot: neither tag. */
	p = params();
	REQUIRE(mb2_build_info(&p, INFO_BASE, b, sizeof(b), &used) == 0);
	CHECK_EQ(find_tag(b, MBI2_EFI64_SYSTAB, 0), 0);
	CHECK_EQ(find_tag(b, MBI2_EFI_MMAP, 0), 0);
	/* A count without descriptors is refused. */
	p.nr_efi = 2;
	CHECK_EQ(mb2_build_info(&p, INFO_BASE, b, sizeof(b), &used), -E_INVAL);
}

/* loader_find_free_in(): alignment, bounds and the highest fit. */
TEST(find_free_aligned_and_highest)
{
	const struct mem_range fram[] = { { 0x100000, 0x800000 },
					  { 0x900000, 0x2000000 } };
	const struct mem_range avoid[] = { { 0x1f00000, 0x1f01000 } };
	struct free_req req = { 0x1000, 0x200000, 0x100000, LOADER_4G, false };
	gpa_t at = 0;

	CHECK(loader_find_free_in(NULL, fram, 2, NULL, 0, &req, &at) == 0);
	CHECK_EQ(at, 0x200000);
	req.size = 0x700000; /* 7 MiB: only from 0xa00000 on */
	CHECK(loader_find_free_in(NULL, fram, 2, NULL, 0, &req, &at) == 0);
	CHECK_EQ(at, 0xa00000);
	req.highest = true;
	req.size = 0x1000;
	req.align = 0x1000;
	CHECK(loader_find_free_in(NULL, fram, 2, avoid, 1, &req, &at) == 0);
	CHECK_EQ(at, 0x1fff000);
	req.size = 0x200000; /* below the obstacle */
	CHECK(loader_find_free_in(NULL, fram, 2, avoid, 1, &req, &at) == 0);
	CHECK_EQ(at, 0x1d00000);
	req.hi = 0x1000000; /* a bound inside RAM */
	CHECK(loader_find_free_in(NULL, fram, 2, avoid, 1, &req, &at) == 0);
	CHECK_EQ(at, 0xe00000);
	req.size = 0x2000000;
	CHECK(loader_find_free_in(NULL, fram, 2, NULL, 0, &req, &at) ==
	      -E_NOMEM);
	req.size = 0x1000;
	req.align = 0x3000;
	CHECK(loader_find_free_in(NULL, fram, 2, NULL, 0, &req, &at) ==
	      -E_INVAL);
	req.align = 0x1000;
	req.lo = req.hi;
	CHECK(loader_find_free_in(NULL, fram, 2, NULL, 0, &req, &at) ==
	      -E_INVAL);
}
