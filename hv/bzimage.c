// SPDX-License-Identifier: MIT
/*
 * The Linux x86 boot protocol for L1 (hv/bzimage.h): setup header
 * validation, kernel placement, boot_params, page tables, GDT and the
 * 64-bit entry state. Every byte of the image is untrusted: each field is
 * checked against the file size and the protocol before it is used.
 */
#include "hv/bzimage.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/printf.h"
#include "mm/pt_format.h"

#define BZ_ERR(...)                                             \
	do {                                                    \
		if (err && errlen)                              \
			fmt_snprintf(err, errlen, __VA_ARGS__); \
	} while (0)

static u8 rd8(const u8 *f, u32 at)
{
	return f[at];
}

static u16 rd16(const u8 *f, u32 at)
{
	u16 v;

	memcpy(&v, f + at, sizeof(v));
	return v;
}

static u32 rd32(const u8 *f, u32 at)
{
	u32 v;

	memcpy(&v, f + at, sizeof(v));
	return v;
}

static u64 rd64(const u8 *f, u32 at)
{
	u64 v;

	memcpy(&v, f + at, sizeof(v));
	return v;
}

bool bzimage_is(const void *file, size_t size)
{
	return size >= BZ_HEADER + 4 && rd32(file, BZ_HEADER) == BZ_MAGIC;
}

/* boot.rst "Details of header fields": the header itself. */
static int check_header(const u8 *f, size_t size, struct l1_linux *bz,
			char *err, size_t errlen)
{
	if (!bzimage_is(f, size) || size < BZ_HDR_MIN_END) {
		BZ_ERR("the %lu-byte file is too short for a Linux setup header",
		       (u64)size);
		return -E_INVAL;
	}
	bz->version = rd16(f, BZ_VERSION);
	if (bz->version < BZ_MIN_VERSION) {
		BZ_ERR("the bzImage speaks boot protocol %u.%02u; Modex needs 2.12 or later",
		       bz->version >> 8, bz->version & 0xff);
		return -E_NOSUPP;
	}
	if (rd16(f, BZ_BOOT_FLAG) != BZ_BOOT_FLAG_MAGIC) {
		BZ_ERR("the bzImage's boot_flag is %#x, not 0xaa55",
		       rd16(f, BZ_BOOT_FLAG));
		return -E_INVAL;
	}
	/* The header ends at 0x202 plus the jump's displacement byte. */
	bz->hdr_end = BZ_HEADER + rd8(f, BZ_JUMP + 1);
	if (bz->hdr_end < BZ_HDR_MIN_END || bz->hdr_end > size) {
		BZ_ERR("the setup header ends at %#x (jump byte %#x), outside [%#x, file size %#lx]",
		       bz->hdr_end, rd8(f, BZ_JUMP + 1), BZ_HDR_MIN_END,
		       (u64)size);
		return -E_INVAL;
	}
	return 0;
}

/* The protected-mode kernel follows the setup sectors. */
static int check_kernel(const u8 *f, size_t size, struct l1_linux *bz,
			char *err, size_t errlen)
{
	u32 sects = rd8(f, BZ_SETUP_SECTS) ? rd8(f, BZ_SETUP_SECTS) : 4;
	u64 sys = (u64)rd32(f, BZ_SYSSIZE) * 16;

	bz->kernel_off = (sects + 1) * 512;
	if (bz->kernel_off < bz->hdr_end || bz->kernel_off >= size) {
		BZ_ERR("setup_sects %u puts the protected-mode kernel at file offset %#x, outside the %lu-byte file or inside the setup header",
		       sects, bz->kernel_off, (u64)size);
		return -E_INVAL;
	}
	if (!sys || sys > size - bz->kernel_off) {
		BZ_ERR("syssize %#x paragraphs does not fit the %lu bytes after the setup code: the bzImage is truncated or malformed",
		       rd32(f, BZ_SYSSIZE), (u64)(size - bz->kernel_off));
		return -E_INVAL;
	}
	bz->kernel_size = (u32)sys;
	bz->loadflags = rd8(f, BZ_LOADFLAGS);
	bz->xloadflags = rd16(f, BZ_XLOADFLAGS);
	if (!(bz->loadflags & BZ_LOADED_HIGH)) {
		BZ_ERR("the image is a zImage (loadflags %#x without LOADED_HIGH); only bzImages are supported",
		       bz->loadflags);
		return -E_NOSUPP;
	}
	if (!(bz->xloadflags & BZ_XLF_KERNEL_64) ||
	    bz->kernel_size <= BZ_ENTRY64_OFF) {
		BZ_ERR("the bzImage has no 64-bit entry point (xloadflags %#x); Modex enters Linux in 64-bit mode only",
		       bz->xloadflags);
		return -E_NOSUPP;
	}
	return 0;
}

static int check_layout(const u8 *f, struct l1_linux *bz, char *err,
			size_t errlen)
{
	bz->relocatable = rd8(f, BZ_RELOCATABLE);
	bz->kernel_alignment = rd32(f, BZ_KERNEL_ALIGNMENT);
	bz->pref_address = rd64(f, BZ_PREF_ADDRESS);
	bz->init_size = rd32(f, BZ_INIT_SIZE);
	bz->initrd_addr_max = rd32(f, BZ_INITRD_ADDR_MAX);
	bz->cmdline_size = rd32(f, BZ_CMDLINE_SIZE);
	if (bz->relocatable &&
	    (bz->kernel_alignment < PAGE_SIZE ||
	     (bz->kernel_alignment & (bz->kernel_alignment - 1)))) {
		BZ_ERR("kernel_alignment %#x is not a power of two of at least 4 KiB",
		       bz->kernel_alignment);
		return -E_INVAL;
	}
	if (!bz->pref_address || !IS_ALIGNED(bz->pref_address, PAGE_SIZE) ||
	    bz->pref_address >= LOADER_4G) {
		BZ_ERR("pref_address %#lx is not a page-aligned address below 4 GiB",
		       bz->pref_address);
		return -E_NOSUPP;
	}
	if (bz->init_size < bz->kernel_size) {
		BZ_ERR("init_size %#x is smaller than the %#x-byte protected-mode kernel",
		       bz->init_size, bz->kernel_size);
		return -E_INVAL;
	}
	if (bz->initrd_addr_max < LOADER_MODS_MIN) {
		BZ_ERR("initrd_addr_max %#x leaves no room for an initrd",
		       bz->initrd_addr_max);
		return -E_INVAL;
	}
	return 0;
}

int bzimage_open(const void *file, size_t size, struct l1_image *img, char *err,
		 size_t errlen)
{
	const u8 *f = file;
	struct l1_linux *bz = &img->bz;
	int ret;

	memset(img, 0, sizeof(*img));
	ret = check_header(f, size, bz, err, errlen);
	if (!ret)
		ret = check_kernel(f, size, bz, err, errlen);
	if (!ret)
		ret = check_layout(f, bz, err, errlen);
	if (ret) {
		memset(img, 0, sizeof(*img));
		return ret;
	}
	img->proto = BOOT_PROTO_LINUX;
	img->hdr_off = BZ_HEADER;
	return 0;
}

int bzimage_place(struct l1_image *img, const struct mem_range *ram,
		  unsigned nr_ram, const struct mem_range *avoid,
		  unsigned nr_avoid, char *err, size_t errlen)
{
	const struct l1_linux *bz = &img->bz;
	u64 need = ALIGN_UP((u64)bz->init_size, PAGE_SIZE);
	/* boot.rst: a relocatable kernel below pref_address runs at
	 * pref_address anyway, so nothing lower is worth trying. */
	struct free_req req = { need,
				bz->relocatable ? bz->kernel_alignment :
						  PAGE_SIZE,
				bz->pref_address, LOADER_4G, false };
	gpa_t at;
	int ret;

	if (img->proto != BOOT_PROTO_LINUX)
		return -E_INVAL;
	img->nr_segs = 0;
	if (!bz->relocatable)
		req.hi = MIN(bz->pref_address + need, LOADER_4G);
	ret = loader_find_free_in(NULL, ram, nr_ram, avoid, nr_avoid, &req,
				  &at);
	if (ret || (!bz->relocatable && at != bz->pref_address)) {
		BZ_ERR("no room for the kernel's %#lx bytes (init_size) %s %#lx in L1's RAM below 4 GiB",
		       need, bz->relocatable ? "at or above" : "at",
		       bz->pref_address);
		return -E_NOMEM;
	}
	img->segs[0] = (struct l1_segment){
		.file_off = bz->kernel_off,
		.paddr = at,
		.vaddr = at,
		.filesz = bz->kernel_size,
		.memsz = need,
		.flags = 7, /* PF_R | PF_W | PF_X */
		.no_zero = true,
	};
	img->nr_segs = 1;
	img->load_base = at;
	img->entry = at + BZ_ENTRY64_OFF;
	return 0;
}

size_t bzimage_area_size(const char *cmdline)
{
	return ALIGN_UP(BZ_AREA_CMDLINE + strlen(cmdline ? cmdline : "") + 1,
			(size_t)PAGE_SIZE);
}

static void wr(u8 *b, u32 at, const void *v, size_t n)
{
	memcpy(b + at, v, n);
}

static void wr32(u8 *b, u32 at, u32 v)
{
	wr(b, at, &v, sizeof(v));
}

static void wr64(u8 *b, u32 at, u64 v)
{
	wr(b, at, &v, sizeof(v));
}

static int check_initrd(const struct l1_image *img,
			const struct bzimage_params *p, char *err,
			size_t errlen)
{
	const struct l1_segment *k = &img->segs[0];
	u64 end = p->initrd + p->initrd_size;

	if (!p->initrd_size)
		return 0;
	/* initrd_addr_max is the address of the initrd's last byte. */
	if (end < p->initrd || end - 1 > img->bz.initrd_addr_max) {
		BZ_ERR("the initrd [%#lx, %#lx) ends above the kernel's initrd_addr_max %#x",
		       p->initrd, end, img->bz.initrd_addr_max);
		return -E_RANGE;
	}
	if (p->initrd < k->paddr + k->memsz && k->paddr < end) {
		BZ_ERR("the initrd [%#lx, %#lx) overlaps the kernel's init_size range [%#lx, %#lx)",
		       p->initrd, end, k->paddr, k->paddr + k->memsz);
		return -E_BUSY;
	}
	return 0;
}

/* boot_params: zeroed, the setup header copied from the image (boot.rst
 * "64-bit Boot Protocol"), then the loader's fields. */
static int build_params(const struct l1_image *img, const u8 *f,
			const struct bzimage_params *p, gpa_t base, u8 *bp,
			char *err, size_t errlen)
{
	struct boot_e820_entry e820[E820_MAX_ENTRIES];
	int n = e820_build(p->mmap, p->nr_mmap, e820, E820_MAX_ENTRIES);

	if (n < 0) {
		BZ_ERR("L1's memory map does not fit the %u entries of boot_params' e820 table",
		       E820_MAX_ENTRIES);
		return n;
	}
	memset(bp, 0, BP_SIZE);
	wr(bp, BP_HDR, f + BP_HDR, img->bz.hdr_end - BP_HDR);
	/* screen_info stays zero: no video mode, orig_video_isVGA 0, so the
	 * kernel looks for no VGA console (serial console only). */
	bp[BP_ORIG_VIDEO_ISVGA] = 0;
	if (p->rsdp)
		wr64(bp, BP_ACPI_RSDP_ADDR, p->rsdp);
	bp[BP_E820_ENTRIES] = (u8)n;
	wr(bp, BP_E820_TABLE, e820, (size_t)n * sizeof(e820[0]));
	bp[BZ_TYPE_OF_LOADER] = BZ_LOADER_UNDEFINED;
	wr32(bp, BZ_CODE32_START, (u32)img->segs[0].paddr);
	wr32(bp, BZ_RAMDISK_IMAGE, (u32)p->initrd);
	wr32(bp, BZ_RAMDISK_SIZE, (u32)p->initrd_size);
	wr32(bp, BZ_CMD_LINE_PTR, (u32)(base + BZ_AREA_CMDLINE));
	wr32(bp, BZ_HARDWARE_SUBARCH, BZ_SUBARCH_PC);
	return 0;
}

/* PML4[0] -> PDPT[0..3] -> four directories of 2 MiB pages: 0-4 GiB. */
static void build_tables(gpa_t base, u8 *b)
{
	const u64 rw = PTE_P | PTE_RW;
	gpa_t pml4 = base + BZ_AREA_PT, pdpt = pml4 + PAGE_SIZE;

	memset(b + BZ_AREA_PT, 0, BZ_AREA_PT_PAGES * PAGE_SIZE);
	wr64(b, BZ_AREA_PT, pdpt | rw);
	for (u32 i = 0; i < 4; i++) {
		u32 pd = BZ_AREA_PT + (2 + i) * PAGE_SIZE;

		wr64(b, BZ_AREA_PT + PAGE_SIZE + i * 8, (base + pd) | rw);
		for (u32 j = 0; j < 512; j++)
			wr64(b, pd + j * 8,
			     ((u64)i << 30 | (u64)j << 21) | rw | PTE_PS);
	}
}

/* The flat descriptors at __BOOT_CS and __BOOT_DS (base 0, limit 4 GiB;
 * SDM Vol. 3A 3.4.5): 64-bit execute/read code, read/write data. */
static void build_gdt(u8 *b)
{
	const u64 gdt[BZ_GDT_ENTRIES] = { 0, 0, 0x00af9b000000ffffULL,
					  0x00cf93000000ffffULL };

	memset(b + BZ_AREA_GDT, 0, BZ_AREA_STACK_TOP - BZ_AREA_GDT);
	wr(b, BZ_AREA_GDT, gdt, sizeof(gdt));
}

/*
 * boot.rst "64-bit Boot Protocol": 64-bit mode with paging, the kernel,
 * boot_params and command line identity-mapped, a GDT with flat
 * __BOOT_CS (CS) and __BOOT_DS (DS, ES, SS), interrupts disabled, RSI the
 * boot_params address.
 */
static void entry_state(const struct l1_image *img, gpa_t base,
			struct boot_cpu_state *st)
{
	struct boot_seg data = { BZ_BOOT_DS, BOOT_AR_DATA32, 0xffffffffu, 0 };

	memset(st, 0, sizeof(*st));
	st->rip = img->entry;
	st->rsi = base;
	st->rsp = base + BZ_AREA_STACK_TOP;
	st->rflags = 0x2; /* IF clear; bit 1 is reserved as 1 */
	st->cr0 = X86_CR0_PE | X86_CR0_ET | X86_CR0_PG;
	st->cr3 = base + BZ_AREA_PT;
	st->cr4 = X86_CR4_PAE;
	/* SDM Vol. 3A 10.8.5: IA-32e mode active = LME with paging on. */
	st->efer = EFER_LME | EFER_LMA;
	st->cs =
		(struct boot_seg){ BZ_BOOT_CS, BOOT_AR_CODE64, 0xffffffffu, 0 };
	st->ds = st->es = st->ss = st->fs = st->gs = data;
	/* A busy TSS (type 11, valid in IA-32e mode: SDM Vol. 3C 27.3.1.2). */
	st->tr = (struct boot_seg){ 0, BOOT_AR_TSS32_BUSY, 0xffff, 0 };
	st->gdtr =
		(struct boot_dtr){ base + BZ_AREA_GDT, BZ_GDT_ENTRIES * 8 - 1 };
}

int bzimage_build_area(const struct l1_image *img, const void *file,
		       size_t size, const struct bzimage_params *p, gpa_t base,
		       void *buf, struct boot_cpu_state *st, char *err,
		       size_t errlen)
{
	const char *cmd = p->cmdline ? p->cmdline : "";
	size_t len = strlen(cmd), area = bzimage_area_size(cmd);
	u8 *b = buf;
	int ret;

	if (img->proto != BOOT_PROTO_LINUX || img->nr_segs != 1 ||
	    size < img->bz.hdr_end || !IS_ALIGNED(base, PAGE_SIZE) ||
	    base > LOADER_4G - area)
		return -E_INVAL;
	if (len > img->bz.cmdline_size) {
		BZ_ERR("the %lu-byte kernel command line exceeds the kernel's cmdline_size %u",
		       (u64)len, img->bz.cmdline_size);
		return -E_TOOBIG;
	}
	ret = check_initrd(img, p, err, errlen);
	if (!ret)
		ret = build_params(img, file, p, base, b, err, errlen);
	if (ret)
		return ret;
	build_tables(base, b);
	build_gdt(b);
	memcpy(b + BZ_AREA_CMDLINE, cmd, len + 1);
	memset(b + BZ_AREA_CMDLINE + len + 1, 0,
	       area - BZ_AREA_CMDLINE - len - 1);
	entry_state(img, base, st);
	return 0;
}
