// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the Linux boot protocol loader (hv/bzimage.c):
 * synthetic bzImages built in memory, every refusal with its message,
 * placement by pref_address/kernel_alignment/init_size, the boot area
 * (boot_params fields, page tables, GDT, command line, entry state), and
 * random mutation of the setup header.
 */
#include "tests/unit/harness.h"
#include "tests/unit/support/rng.h"

#include "hv/bzimage.h"
#include "hv/include/err.h"
#include "hv/include/x86.h"
#include "mm/pt_format.h"

#define SECTS 4
#define KOFF ((SECTS + 1) * 512)
#define KSIZE 0x3000
#define FSIZE (KOFF + KSIZE)
#define MIB 0x100000ULL

static u8 img[FSIZE + 0x1000];
static char errbuf[256];
static char *const err = errbuf;
#define ERRLEN sizeof(errbuf)

static void w8(size_t at, u8 v)
{
	img[at] = v;
}

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

/* A protocol 2.15 bzImage like Debian 12's: relocatable, 2 MiB aligned,
 * preferred at 16 MiB, 8 MiB init_size. */
static void make_bz(void)
{
	memset(img, 0, sizeof(img));
	for (size_t i = 0; i < sizeof(img); i++)
		img[i] = (u8)(i * 13 + 5);
	memset(img + BZ_SETUP_SECTS, 0, 0x268 + 4 - BZ_SETUP_SECTS);
	w8(BZ_SETUP_SECTS, SECTS);
	w32(BZ_SYSSIZE, KSIZE / 16);
	w16(BZ_BOOT_FLAG, 0xaa55);
	w8(BZ_JUMP, 0xeb);
	w8(BZ_JUMP + 1, 0x6a); /* header ends at 0x26c */
	w32(BZ_HEADER, BZ_MAGIC);
	w16(BZ_VERSION, 0x020f);
	w8(BZ_LOADFLAGS, BZ_LOADED_HIGH);
	w32(BZ_CODE32_START, 0x100000);
	w32(BZ_INITRD_ADDR_MAX, 0x7fffffff);
	w32(BZ_KERNEL_ALIGNMENT, 0x200000);
	w8(BZ_RELOCATABLE, 1);
	w16(BZ_XLOADFLAGS, 0x7f);
	w32(BZ_CMDLINE_SIZE, 0x7ff);
	w64(BZ_PREF_ADDRESS, 0x1000000);
	w32(BZ_INIT_SIZE, 0x800000);
	/* A byte just past the header, which must not be copied. */
	w8(0x26c, 0xa5);
}

static struct l1_image im;

static int open_bz(size_t size)
{
	errbuf[0] = 0;
	return bzimage_open(img, size, &im, err, ERRLEN);
}

TEST(debian_like_image_opens)
{
	make_bz();
	CHECK(bzimage_is(img, FSIZE));
	REQUIRE(open_bz(FSIZE) == 0);
	CHECK_EQ(im.proto, BOOT_PROTO_LINUX);
	CHECK_EQ(im.bz.version, 0x020f);
	CHECK_EQ(im.bz.hdr_end, 0x26c);
	CHECK_EQ(im.bz.kernel_off, KOFF);
	CHECK_EQ(im.bz.kernel_size, KSIZE);
	CHECK_EQ(im.bz.kernel_alignment, 0x200000);
	CHECK(im.bz.relocatable);
	CHECK_EQ(im.bz.pref_address, 0x1000000);
	CHECK_EQ(im.bz.init_size, 0x800000);
	CHECK_EQ(im.bz.cmdline_size, 0x7ff);
	CHECK_EQ(im.bz.initrd_addr_max, 0x7fffffff);
	CHECK_EQ(im.nr_segs, 0);
}

TEST(setup_sects_zero_means_four)
{
	make_bz();
	w8(BZ_SETUP_SECTS, 0);
	REQUIRE(open_bz(FSIZE) == 0);
	CHECK_EQ(im.bz.kernel_off, 5 * 512);
}

struct mutation {
	const char *what;
	void (*apply)(void);
	size_t size; /* 0: FSIZE */
	int ret;
	const char *msg;
};

static void m_none(void)
{
}

static void m_old_protocol(void)
{
	w16(BZ_VERSION, 0x020b);
}

static void m_boot_flag(void)
{
	w16(BZ_BOOT_FLAG, 0x55aa);
}

static void m_short_header(void)
{
	w8(BZ_JUMP + 1, 0x40);
}

static void m_header_past_end(void)
{
	w8(BZ_JUMP + 1, 0xff);
}

static void m_setup_sects_huge(void)
{
	w8(BZ_SETUP_SECTS, 0xff);
}

static void m_syssize_zero(void)
{
	w32(BZ_SYSSIZE, 0);
}

static void m_syssize_big(void)
{
	w32(BZ_SYSSIZE, KSIZE / 16 + 1);
}

static void m_syssize_wraps(void)
{
	w32(BZ_SYSSIZE, 0xffffffffu);
}

static void m_zimage(void)
{
	w8(BZ_LOADFLAGS, 0);
}

static void m_no_64bit(void)
{
	w16(BZ_XLOADFLAGS, 0x7e);
}

static void m_align_not_pow2(void)
{
	w32(BZ_KERNEL_ALIGNMENT, 0x300000);
}

static void m_align_tiny(void)
{
	w32(BZ_KERNEL_ALIGNMENT, 0x200);
}

static void m_pref_zero(void)
{
	w64(BZ_PREF_ADDRESS, 0);
}

static void m_pref_high(void)
{
	w64(BZ_PREF_ADDRESS, 0x100000000ULL);
}

static void m_pref_unaligned(void)
{
	w64(BZ_PREF_ADDRESS, 0x1000010);
}

static void m_init_size_small(void)
{
	w32(BZ_INIT_SIZE, KSIZE - 16);
}

static void m_initrd_max_low(void)
{
	w32(BZ_INITRD_ADDR_MAX, 0xfffff);
}

static const struct mutation mutations[] = {
	{ "truncated below the header", m_none, 0x260, -E_INVAL,
	  "too short for a Linux setup header" },
	{ "truncated kernel", m_none, FSIZE - 1, -E_INVAL, "truncated" },
	{ "only the setup sectors", m_none, KOFF, -E_INVAL, "setup_sects" },
	{ "protocol 2.11", m_old_protocol, 0, -E_NOSUPP,
	  "boot protocol 2.11; Modex needs 2.12" },
	{ "boot flag", m_boot_flag, 0, -E_INVAL, "boot_flag is 0x55aa" },
	{ "short header", m_short_header, 0, -E_INVAL,
	  "setup header ends at 0x242" },
	{ "header past the file", m_header_past_end, 0x280, -E_INVAL,
	  "setup header ends at 0x301" },
	{ "setup_sects 255", m_setup_sects_huge, 0, -E_INVAL,
	  "setup_sects 255" },
	{ "syssize 0", m_syssize_zero, 0, -E_INVAL, "syssize 0 paragraphs" },
	{ "syssize too big", m_syssize_big, 0, -E_INVAL, "truncated" },
	{ "syssize wraps", m_syssize_wraps, 0, -E_INVAL, "truncated" },
	{ "zImage", m_zimage, 0, -E_NOSUPP, "zImage" },
	{ "no 64-bit entry", m_no_64bit, 0, -E_NOSUPP, "no 64-bit entry" },
	{ "alignment 3 MiB", m_align_not_pow2, 0, -E_INVAL,
	  "kernel_alignment 0x300000" },
	{ "alignment 512", m_align_tiny, 0, -E_INVAL,
	  "kernel_alignment 0x200" },
	{ "pref_address 0", m_pref_zero, 0, -E_NOSUPP, "pref_address 0 is" },
	{ "pref_address 4 GiB", m_pref_high, 0, -E_NOSUPP,
	  "pref_address 0x100000000" },
	{ "pref_address unaligned", m_pref_unaligned, 0, -E_NOSUPP,
	  "pref_address 0x1000010" },
	{ "init_size below the kernel", m_init_size_small, 0, -E_INVAL,
	  "init_size 0x2ff0" },
	{ "initrd_addr_max below 1 MiB", m_initrd_max_low, 0, -E_INVAL,
	  "initrd_addr_max 0xfffff" },
};

TEST(refusals_name_the_problem)
{
	for (size_t i = 0; i < ARRAY_SIZE(mutations); i++) {
		const struct mutation *m = &mutations[i];
		int ret;

		make_bz();
		m->apply();
		ret = open_bz(m->size ? m->size : FSIZE);
		CHECK_MSG(ret == m->ret, "%s: %d, want %d (%s)", m->what, ret,
			  m->ret, errbuf);
		CHECK_STR_CONTAINS(err, m->msg);
		CHECK_EQ(im.proto, BOOT_PROTO_NONE);
	}
}

TEST(not_a_bzimage)
{
	make_bz();
	w32(BZ_HEADER, 0x53726447);
	CHECK(!bzimage_is(img, FSIZE));
	CHECK(!bzimage_is(img, BZ_HEADER + 3));
	CHECK(open_bz(FSIZE) == -E_INVAL);
}

/* ---- placement ---- */

static const struct mem_range ram1g[] = { { 0x1000, 0x9f000 },
					  { MIB, 0x40000000 } };

TEST(place_at_pref_address)
{
	make_bz();
	REQUIRE(open_bz(FSIZE) == 0);
	REQUIRE(bzimage_place(&im, ram1g, 2, NULL, 0, err, ERRLEN) == 0);
	CHECK_EQ(im.nr_segs, 1);
	CHECK_EQ(im.segs[0].paddr, 0x1000000);
	CHECK_EQ(im.segs[0].file_off, KOFF);
	CHECK_EQ(im.segs[0].filesz, KSIZE);
	CHECK_EQ(im.segs[0].memsz, 0x800000);
	CHECK(im.segs[0].no_zero);
	CHECK_EQ(im.entry, 0x1000200);
	CHECK_EQ(im.load_base, 0x1000000);
}

TEST(place_skips_obstacles_by_alignment)
{
	/* Something at 17 MiB: the next 2 MiB multiple past it. */
	const struct mem_range avoid[] = { { 0x1100000, 0x1101000 } };
	/* RAM that starts mid-way: aligned up inside it. */
	const struct mem_range odd[] = { { 0x1234000, 0x8000000 } };

	make_bz();
	REQUIRE(open_bz(FSIZE) == 0);
	REQUIRE(bzimage_place(&im, ram1g, 2, avoid, 1, err, ERRLEN) == 0);
	CHECK_EQ(im.segs[0].paddr, 0x1200000);
	REQUIRE(bzimage_place(&im, odd, 1, NULL, 0, err, ERRLEN) == 0);
	CHECK_EQ(im.segs[0].paddr, 0x1400000);
}

TEST(place_refuses_what_does_not_fit)
{
	const struct mem_range small[] = { { MIB, 0x1400000 } };
	const struct mem_range below[] = { { MIB, 0xf00000 } };
	const struct mem_range avoid[] = { { 0x1100000, 0x1101000 } };

	make_bz();
	REQUIRE(open_bz(FSIZE) == 0);
	/* 4 MiB above pref: too small for init_size's 8 MiB. */
	CHECK(bzimage_place(&im, small, 1, NULL, 0, err, ERRLEN) == -E_NOMEM);
	CHECK_STR_CONTAINS(err, "no room for the kernel's 0x800000 bytes");
	CHECK_EQ(im.nr_segs, 0);
	/* RAM only below pref_address. */
	CHECK(bzimage_place(&im, below, 1, NULL, 0, err, ERRLEN) == -E_NOMEM);
	/* A kernel larger than all of RAM. */
	w32(BZ_INIT_SIZE, 0x80000000u);
	REQUIRE(open_bz(FSIZE) == 0);
	CHECK(bzimage_place(&im, ram1g, 2, NULL, 0, err, ERRLEN) == -E_NOMEM);
	/* Not relocatable: pref_address exactly, or nothing. */
	make_bz();
	w8(BZ_RELOCATABLE, 0);
	REQUIRE(open_bz(FSIZE) == 0);
	REQUIRE(bzimage_place(&im, ram1g, 2, NULL, 0, err, ERRLEN) == 0);
	CHECK_EQ(im.segs[0].paddr, 0x1000000);
	CHECK(bzimage_place(&im, ram1g, 2, avoid, 1, err, ERRLEN) == -E_NOMEM);
	CHECK_STR_CONTAINS(err, "at 0x1000000");
}

/* ---- loading: the kernel's bytes only, init_size reserved ---- */

static u8 guest[0x900000];
#define GBASE 0x1000000ULL

static int g_write(void *ctx, gpa_t dst, const void *src, size_t len)
{
	(void)ctx;
	if (dst < GBASE || dst - GBASE + len > sizeof(guest))
		return -E_RANGE;
	memcpy(guest + (dst - GBASE), src, len);
	return 0;
}

static int g_zero(void *ctx, gpa_t dst, size_t len)
{
	(void)ctx;
	(void)dst;
	(void)len;
	return -E_INVAL; /* must not be called */
}

TEST(load_copies_kernel_without_zeroing)
{
	const struct loader_mem_ops ops = { g_write, g_zero };

	make_bz();
	memset(guest, 0x5a, sizeof(guest));
	REQUIRE(open_bz(FSIZE) == 0);
	REQUIRE(bzimage_place(&im, ram1g, 2, NULL, 0, err, ERRLEN) == 0);
	REQUIRE(loader_load(&im, img, FSIZE, &ops, NULL) == 0);
	CHECK(!memcmp(guest, img + KOFF, KSIZE));
	CHECK_EQ(guest[KSIZE], 0x5a);
}

/* ---- the boot area ---- */

static u8 area[0x10000];
#define ABASE 0x20000ULL

static const struct l1_mem_region map[] = {
	{ 0, 0x9fc00, L1_MEM_AVAILABLE },
	{ 0x9fc00, 0x400, L1_MEM_RESERVED },
	{ 0xf0000, 0x10000, L1_MEM_RESERVED },
	{ MIB, 0x3ef74000 - MIB, L1_MEM_AVAILABLE },
	{ 0x3ffe0000, 0x20000, L1_MEM_RESERVED },
};

static struct bzimage_params params(void)
{
	return (struct bzimage_params){
		.cmdline = "console=ttyS0 quiet",
		.initrd = 0x3000000,
		.initrd_size = 0x123456,
		.rsdp = 0x10000,
		.mmap = map,
		.nr_mmap = ARRAY_SIZE(map),
	};
}

static struct boot_cpu_state st;

static int build(const struct bzimage_params *p)
{
	errbuf[0] = 0;
	memset(area, 0xcc, sizeof(area));
	return bzimage_build_area(&im, img, FSIZE, p, ABASE, area, &st, err,
				  ERRLEN);
}

static void open_placed(void)
{
	make_bz();
	REQUIRE(open_bz(FSIZE) == 0);
	REQUIRE(bzimage_place(&im, ram1g, 2, NULL, 0, err, ERRLEN) == 0);
}

TEST(boot_params_fields)
{
	struct bzimage_params p = params();
	const struct boot_e820_entry *e;

	open_placed();
	CHECK_EQ(bzimage_area_size(p.cmdline), 0x9000);
	CHECK_EQ(bzimage_area_size(NULL), 0x9000);
	REQUIRE(build(&p) == 0);
	/* The header copied exactly: 0x1f1 up to its end, not beyond. */
	CHECK(!memcmp(area + 0x1f1, img + 0x1f1, BZ_TYPE_OF_LOADER - 0x1f1));
	CHECK_EQ(r32(area, BZ_HEADER), BZ_MAGIC);
	CHECK_EQ(area[BZ_SETUP_SECTS], SECTS);
	CHECK_EQ(area[0x26c], 0);
	CHECK_EQ(r64(area, BZ_PREF_ADDRESS), 0x1000000);
	/* What the loader writes. */
	CHECK_EQ(area[BZ_TYPE_OF_LOADER], 0xff);
	CHECK_EQ(r32(area, BZ_CODE32_START), 0x1000000);
	CHECK_EQ(r32(area, BZ_RAMDISK_IMAGE), 0x3000000);
	CHECK_EQ(r32(area, BZ_RAMDISK_SIZE), 0x123456);
	CHECK_EQ(r32(area, BZ_CMD_LINE_PTR), ABASE + BZ_AREA_CMDLINE);
	CHECK_EQ(r32(area, BZ_HARDWARE_SUBARCH), 0);
	CHECK_EQ(r64(area, BP_ACPI_RSDP_ADDR), 0x10000);
	CHECK_EQ(r32(area, BP_EXT_RAMDISK_IMAGE), 0);
	CHECK_EQ(r32(area, BP_EXT_CMD_LINE_PTR), 0);
	CHECK_EQ(area[BP_SENTINEL], 0);
	for (int i = 0; i < 0x40; i++)
		CHECK_EQ(area[BP_SCREEN_INFO + i], 0);
	/* The e820 table: the map as given (already sorted, disjoint). */
	CHECK_EQ(area[BP_E820_ENTRIES], ARRAY_SIZE(map));
	e = (const struct boot_e820_entry *)(area + BP_E820_TABLE);
	for (size_t i = 0; i < ARRAY_SIZE(map); i++) {
		CHECK_EQ(e[i].addr, map[i].base);
		CHECK_EQ(e[i].size, map[i].len);
		CHECK_EQ(e[i].type, map[i].type);
	}
	CHECK(!strcmp((const char *)area + BZ_AREA_CMDLINE, p.cmdline));
	CHECK_EQ(area[0x8fff], 0);
}

/* A 4 KiB-granular walk of the area's tables as the CPU would do it. */
static bool translate(u64 va, u64 *pa)
{
	u64 pml4 = st.cr3 - ABASE, e;

	e = r64(area, pml4 + ((va >> 39) & 511) * 8);
	if (!(e & PTE_P) || (e & PTE_PS))
		return false;
	e = r64(area, (e & ~0xfffULL) - ABASE + ((va >> 30) & 511) * 8);
	if (!(e & PTE_P) || (e & PTE_PS))
		return false;
	e = r64(area, (e & ~0xfffULL) - ABASE + ((va >> 21) & 511) * 8);
	if (!(e & PTE_P) || !(e & PTE_PS) || !(e & PTE_RW))
		return false;
	*pa = (e & ~0x1fffffULL) | (va & 0x1fffff);
	return true;
}

TEST(entry_state_and_tables)
{
	struct bzimage_params p = params();
	const u64 probes[] = { 0,	   ABASE,      0x1000200, 0x3000000,
			       0x3ef73fff, 0xfffff000, 0xffffffff };
	u64 pa, gdt[BZ_GDT_ENTRIES];

	open_placed();
	REQUIRE(build(&p) == 0);
	/* boot.rst 64-bit protocol. */
	CHECK_EQ(st.rip, 0x1000200);
	CHECK_EQ(st.rsi, ABASE);
	CHECK_EQ(st.rflags & X86_EFLAGS_IF, 0);
	CHECK_EQ(st.rsp, ABASE + BZ_AREA_STACK_TOP);
	CHECK_EQ(st.cr0 & (X86_CR0_PE | X86_CR0_PG), X86_CR0_PE | X86_CR0_PG);
	CHECK_EQ(st.cr4 & X86_CR4_PAE, X86_CR4_PAE);
	CHECK_EQ(st.efer, EFER_LME | EFER_LMA);
	CHECK_EQ(st.cs.sel, 0x10);
	CHECK_EQ(st.cs.ar, BOOT_AR_CODE64);
	CHECK_EQ(st.ds.sel, 0x18);
	CHECK_EQ(st.es.sel, 0x18);
	CHECK_EQ(st.ss.sel, 0x18);
	CHECK_EQ(st.gdtr.base, ABASE + BZ_AREA_GDT);
	CHECK_EQ(st.gdtr.limit, 31);
	CHECK_EQ(st.tr.ar, BOOT_AR_TSS32_BUSY);
	/* The GDT entries at the selectors match the segment state. */
	memcpy(gdt, area + BZ_AREA_GDT, sizeof(gdt));
	CHECK_EQ(gdt[0], 0);
	CHECK_EQ((gdt[2] >> 40) & 0xf0ff, st.cs.ar);
	CHECK_EQ((gdt[3] >> 40) & 0xf0ff, st.ds.ar);
	CHECK_EQ(gdt[2] & 0xffff, 0xffff);
	/* Identity map of the whole first 4 GiB. */
	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		CHECK_MSG(translate(probes[i], &pa) && pa == probes[i],
			  "va %#" PRIx64, probes[i]);
	}
	CHECK(!translate(0x100000000ULL, &pa));
}

TEST(boot_area_refusals)
{
	static char longcmd[0x900];
	static struct l1_mem_region many[E820_MAX_ENTRIES + 1];
	struct bzimage_params p;

	open_placed();
	memset(longcmd, 'x', sizeof(longcmd) - 1);
	p = params();
	p.cmdline = longcmd;
	CHECK(build(&p) == -E_TOOBIG);
	CHECK_STR_CONTAINS(err, "exceeds the kernel's cmdline_size 2047");
	longcmd[0x7ff] = 0; /* exactly cmdline_size: fits */
	CHECK(build(&p) == 0);
	p = params();
	p.initrd = 0x7ff00000;
	p.initrd_size = 0x100001;
	CHECK(build(&p) == -E_RANGE);
	CHECK_STR_CONTAINS(err, "initrd_addr_max 0x7fffffff");
	p.initrd_size = 0x100000; /* last byte at initrd_addr_max: fits */
	CHECK(build(&p) == 0);
	p = params();
	p.initrd = 0x17ff000;
	CHECK(build(&p) == -E_BUSY);
	CHECK_STR_CONTAINS(err, "overlaps the kernel's init_size range");
	p = params();
	for (size_t i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct l1_mem_region){ i * 0x2000, 0x1000,
						  L1_MEM_AVAILABLE };
	p.mmap = many;
	p.nr_mmap = ARRAY_SIZE(many);
	CHECK(build(&p) == -E_TOOBIG);
	CHECK_STR_CONTAINS(err, "e820 table");
	/* Bad placement of the area itself; an unplaced image. */
	p = params();
	CHECK(bzimage_build_area(&im, img, FSIZE, &p, ABASE + 8, area, &st, err,
				 ERRLEN) == -E_INVAL);
	CHECK(bzimage_build_area(&im, img, FSIZE, &p, 0xffff9000ULL, area, &st,
				 err, ERRLEN) == -E_INVAL);
	im.nr_segs = 0;
	CHECK(build(&p) == -E_INVAL);
}

/* Random header bytes and sizes: every outcome is a clean accept or a
 * refusal with a message; an accepted image places and builds safely. */
TEST(random_mutation)
{
	u64 seed = 0xb2ba11e5ULL;
	unsigned accepted = 0;

	for (int round = 0; round < 20000; round++) {
		size_t size = FSIZE;
		int n = 1 + (int)(rng_next(&seed) % 4), ret;
		struct bzimage_params p = params();

		make_bz();
		for (int k = 0; k < n; k++) {
			size_t at = 0x1f1 + rng_next(&seed) % (0x270 - 0x1f1);

			img[at] = (u8)rng_next(&seed);
		}
		if (rng_next(&seed) % 8 == 0)
			size = rng_next(&seed) % FSIZE;
		errbuf[0] = 0;
		ret = bzimage_open(img, size, &im, err, ERRLEN);
		if (ret) {
			CHECK_MSG(errbuf[0], "round %d: no message", round);
			continue;
		}
		accepted++;
		CHECK(im.bz.kernel_off + (u64)im.bz.kernel_size <= size);
		if (bzimage_place(&im, ram1g, 2, NULL, 0, err, ERRLEN))
			continue;
		CHECK(im.segs[0].paddr >= im.bz.pref_address);
		CHECK(im.segs[0].paddr + im.segs[0].memsz <= 0x40000000);
		memset(area, 0, sizeof(area));
		ret = bzimage_build_area(&im, img, size, &p, ABASE, area, &st,
					 err, ERRLEN);
		CHECK(ret == 0 || errbuf[0]);
	}
	CHECK(accepted > 100);
}
