// SPDX-License-Identifier: MIT
/*
 * The L1 module loaded with hv/loader into identity-mapped L1 RAM
 * (hv/l1_boot.h).
 * Context: boot CPU, before L1 runs.
 */
#include "hv/l1_boot.h"

#define LOG_PREFIX "guest"
#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/acpi_copy.h"
#include "hv/efi_map.h"
#include "hv/bzimage.h"
#include "hv/iommu.h"
#include "hv/log.h"
#include "hv/memory.h"
#include "hv/smp.h"
#include "hv/guest.h"
#include "hv/main.h"
#include "hv/printf.h"

#define MAX_RANGES (MB2_MAX_REGIONS + 8)
/* Hidden ranges, GRUB's information, each module where GRUB put it and
 * where Modex copied it. */
#define MAX_AVOID (8 + 2 * MB2_MAX_MODULES)

_Static_assert(MAX_AVOID <= LOADER_MAX_AVOID, "loader_place_modules avoid");
_Static_assert(MB2_MAX_MODULES <= LOADER_MAX_MODS, "loader_place_modules");

static struct mem_range ram_mr[MAX_RANGES];
static struct mem_range avoid[MAX_AVOID];
static struct l1_mem_region l1_map[MB2_MAX_REGIONS + 8];
static struct efi_memory_desc l1_efi_map[EFI_MAP_MAX];
static u32 l1_nr_efi;
static u64 l1_efi_systab;
static struct boot_module l1_mods[MB2_MAX_MODULES];
static struct l1_image img;
/* L1's copy of the ACPI root (hv/acpi_copy.h): one page of L1's RAM,
 * ACPI reclaimable in its map; empty when there is none. */
static struct mem_range acpi_page;
/* L1's RAM shown at the firmware's RSDP pages (reserved in L1's map). */
static struct mem_range rsdp_copies;
/* A bzImage's setup header (at most 0x202 + 0xff bytes, boot.rst). */
static u8 bz_hdr[BZ_HEADER + 0x100];

static int mem_write(void *ctx, gpa_t dst, const void *src, size_t len)
{
	(void)ctx;
	memmove((void *)dst, src, len);
	return 0;
}

static int mem_zero(void *ctx, gpa_t dst, size_t len)
{
	(void)ctx;
	memset((void *)dst, 0, len);
	return 0;
}

static const struct loader_mem_ops ops = { mem_write, mem_zero };

/* L1's memory map: the firmware's, with Modex's memory cut out of the
 * available regions (absent, not reserved: docs/isolation.md), and the
 * page of L1's ACPI root copy as ACPI reclaimable (type 3), in address
 * order. Regions that hold none of it (the first MiB among them) pass
 * unchanged. */
static unsigned build_l1_map(const struct mb2_info *info,
			     const struct mem_range *hidden, u32 nr_hidden)
{
	struct mem_range cut[MAX_AVOID];
	unsigned n = 0, nc = 0;

	for (u32 i = 0; i < nr_hidden && nc < ARRAY_SIZE(cut) - 2; i++)
		cut[nc++] = hidden[i];
	if (acpi_page.end)
		cut[nc++] = acpi_page;
	if (rsdp_copies.end)
		cut[nc++] = rsdp_copies;
	for (u32 i = 0; i < info->nr_regions; i++) {
		const struct mb2_region *r = &info->regions[i];
		struct mem_range in = { r->base, r->base + r->len }, out[8];
		int k;

		if (r->type != L1_MEM_AVAILABLE ||
		    !ranges_overlap(cut, nc, in.start, in.end)) {
			if (n < ARRAY_SIZE(l1_map))
				l1_map[n++] =
					(struct l1_mem_region){ r->base, r->len,
								r->type };
			continue;
		}
		k = ranges_subtract(&in, 1, cut, nc, out, 8);
		for (int j = 0; j < k && n < ARRAY_SIZE(l1_map); j++)
			l1_map[n++] = (struct l1_mem_region){
				out[j].start, out[j].end - out[j].start,
				L1_MEM_AVAILABLE
			};
	}
	if (acpi_page.end && n < ARRAY_SIZE(l1_map))
		l1_map[n++] =
			(struct l1_mem_region){ acpi_page.start,
						acpi_page.end - acpi_page.start,
						L1_MEM_ACPI };
	if (rsdp_copies.end && n < ARRAY_SIZE(l1_map))
		l1_map[n++] = (struct l1_mem_region){ rsdp_copies.start,
						      rsdp_copies.end -
							      rsdp_copies.start,
						      L1_MEM_RESERVED };
	/* Insertion sort by base: the firmware's order, the copy's page
	 * where it belongs. */
	for (unsigned i = 1; i < n; i++) {
		struct l1_mem_region x = l1_map[i];
		unsigned j = i;

		for (; j && l1_map[j - 1].base > x.base; j--)
			l1_map[j] = l1_map[j - 1];
		l1_map[j] = x;
	}
	return n;
}

/*
 * L1's ACPI root without the IOMMU tables (docs/iommu.md), in the lowest
 * free page of L1's RAM from 64 KiB (below 1 MiB on a PC, so L1's RAM
 * from 1 MiB stays one region). 0 with *rsdp, *len set to the copy's
 * RSDP, or 0 with *rsdp NULL when the firmware gave none.
 */
/* ACPI 6.5 5.2.5.1: an OS looks for the RSDP in the first KiB of the
 * EBDA and in 0xE0000-0xFFFFF. */
#define EBDA_SEG_PTR 0x40e
#define EBDA_SCAN 1024
#define BIOS_AREA 0xe0000ULL
#define BIOS_AREA_END 0x100000ULL
#define MAX_RSDP_PAGES 4

static u64 rsdp_pages[MAX_RSDP_PAGES];
static u32 nr_rsdp_pages;
static u8 scan_buf[PAGE_SIZE];

static void note_rsdp_page(u64 page, u32 nr_ram)
{
	for (u32 i = 0; i < nr_rsdp_pages; i++)
		if (rsdp_pages[i] == page)
			return;
	/* A page that is partly L1's RAM stays as it is: the alias would
	 * hide that RAM from DMA (the IOMMU maps the original). */
	if (nr_rsdp_pages == MAX_RSDP_PAGES ||
	    ranges_overlap(ram_mr, nr_ram, page, page + PAGE_SIZE))
		return;
	rsdp_pages[nr_rsdp_pages++] = page;
}

/* The pages in which a multiboot1 L1 (or any OS that scans) finds the
 * firmware's RSDP, whose roots still list DMAR/IVRS. */
static void find_rsdp_pages(const struct mb2_info *info, u32 nr_ram)
{
	const struct acpi_reader rd = { memory_read_firmware, (void *)info };
	u32 offs[8], n;
	u16 seg = 0;
	u64 ebda;

	nr_rsdp_pages = 0;
	if (!rd.read(rd.ctx, EBDA_SEG_PTR, &seg, 2)) {
		ebda = (u64)seg << 4;
		if (ebda >= 0x80000 && ebda < 0xa0000 &&
		    !rd.read(rd.ctx, ebda, scan_buf, EBDA_SCAN)) {
			n = acpi_rsdp_scan(scan_buf, EBDA_SCAN, offs, 8);
			for (u32 i = 0; i < MIN(n, 8u); i++)
				note_rsdp_page(ALIGN_DOWN(ebda + offs[i],
							  PAGE_SIZE),
					       nr_ram);
		}
	}
	for (u64 pg = BIOS_AREA; pg < BIOS_AREA_END; pg += PAGE_SIZE) {
		if (rd.read(rd.ctx, pg, scan_buf, PAGE_SIZE))
			continue;
		if (acpi_rsdp_scan(scan_buf, PAGE_SIZE, offs, 8))
			note_rsdp_page(pg, nr_ram);
	}
}

/*
 * L1's RAM page @copy becomes what L1 sees at the firmware page @page:
 * the same bytes, with every RSDP in it replaced by L1's (@r, @rlen).
 */
static int alias_rsdp_page(const struct mb2_info *info, u64 page, gpa_t copy,
			   const void *r, u32 rlen)
{
	u8 *c = (u8 *)copy;
	u32 offs[8], n;
	int ret = memory_read_firmware((void *)info, page, c, PAGE_SIZE);

	if (ret)
		return ret;
	n = acpi_rsdp_scan(c, PAGE_SIZE, offs, 8);
	for (u32 i = 0; i < MIN(n, 8u); i++)
		if (offs[i] + rlen <= PAGE_SIZE)
			memcpy(c + offs[i], r, rlen);
	ret = guest_stage2_alias(page, copy);
	if (!ret)
		log_info(
			"the firmware's RSDP page %#lx shows L1's copy at %#lx (%u RSDPs replaced).",
			page, copy, n);
	return ret;
}

/*
 * L1's MADT (ACPI 6.5 5.2.12) lists only the CPUs that run its vCPUs:
 * those Modex holds (cpus=N) or could not start are made unusable in a
 * copy at @gpa, which L1's roots then point at. 0 with *swap set, or 0
 * and nr_swap 0 when there is no MADT to copy.
 */
static int copy_madt(const struct acpi_reader *rd, u64 pa, u32 len, gpa_t gpa,
		     struct acpi_swap *swap)
{
	u32 keep[MODEX_MAX_CPUS], n = MIN(smp_nr_cpus(), (u32)MODEX_MAX_CPUS);
	u32 hidden;
	int ret;

	for (u32 i = 0; i < n; i++)
		keep[i] = smp_apic_id(i);
	ret = acpi_madt_copy(rd, pa, len, keep, n, (void *)gpa, len, &hidden);
	if (ret)
		return ret;
	*swap = (struct acpi_swap){ { 'A', 'P', 'I', 'C' }, gpa };
	log_info("L1's MADT at %#lx: %u CPUs for L1, %u more made unusable.",
		 gpa, n, hidden);
	return 0;
}

/*
 * One area of L1's RAM: the root copy (a page), L1's MADT (its pages),
 * then one page per firmware RSDP page, which stage 2 shows there.
 */
static int place_acpi(const struct mb2_info *info, u32 nr_ram, unsigned *na,
		      const void **rsdp, u32 *len)
{
	const struct acpi_reader rd = { memory_read_firmware, (void *)info };
	struct acpi_swap swap;
	u32 used, nr_swap = 0, madt_len = 0, rlen;
	u64 madt_pa = 0, size = PAGE_SIZE, copies;
	gpa_t at;
	int ret;

	*rsdp = NULL;
	*len = 0;
	if (!info->rsdp)
		return 0;
	if (*na >= MAX_AVOID)
		return -E_TOOBIG;
	if (!acpi_find_table(&rd, info->rsdp, info->rsdp_len, "APIC", &madt_pa,
			     &madt_len))
		size += ALIGN_UP((u64)madt_len, PAGE_SIZE);
	find_rsdp_pages(info, nr_ram);
	copies = size;
	size += (u64)nr_rsdp_pages * PAGE_SIZE;
	ret = loader_find_free(&img, ram_mr, nr_ram, avoid, *na, size, &at);
	/* An MADT Modex cannot read gave it one CPU (hv/smp.c); L1 then
	 * gets the firmware's, as it would without Modex. */
	if (!ret && madt_len) {
		nr_swap = !copy_madt(&rd, madt_pa, madt_len, at + PAGE_SIZE,
				     &swap);
		if (!nr_swap)
			log_warn(
				"L1 gets the firmware's MADT: Modex could not copy it.");
	}
	if (!ret)
		ret = acpi_root_copy(&rd, info->rsdp, info->rsdp_len,
				     iommu_acpi_hidden_sigs,
				     ARRAY_SIZE(iommu_acpi_hidden_sigs), &swap,
				     nr_swap, at, (void *)at, PAGE_SIZE, &used);
	rlen = info->rsdp_rev >= 2 ? 36 : 20;
	for (u32 i = 0; i < nr_rsdp_pages && !ret; i++)
		ret = alias_rsdp_page(info, rsdp_pages[i],
				      at + copies + (u64)i * PAGE_SIZE,
				      (const void *)at, rlen);
	if (ret)
		return ret;
	acpi_page = (struct mem_range){ at, at + copies };
	if (nr_rsdp_pages)
		rsdp_copies = (struct mem_range){ at + copies, at + size };
	avoid[(*na)++] = (struct mem_range){ at, at + size };
	*rsdp = (const void *)at;
	*len = rlen;
	log_info("L1's ACPI root (without DMAR/IVRS) at %#lx, %u bytes.", at,
		 used);
	return 0;
}

/* avoid[]: the first *fixed entries (Modex, GRUB's information) no part
 * of L1 may overlap; then the modules, which the image may (they move). */
static unsigned collect(const struct mb2_info *info,
			const struct mem_range *ram, u32 nr_ram,
			const struct mem_range *hidden, u32 nr_hidden,
			unsigned *fixed)
{
	unsigned na = 0;

	for (u32 i = 0; i < nr_ram && i < MAX_RANGES; i++)
		ram_mr[i] = (struct mem_range){ ram[i].start, ram[i].end };
	for (u32 i = 0; i < nr_hidden && na < MAX_AVOID - 2; i++)
		avoid[na++] =
			(struct mem_range){ hidden[i].start, hidden[i].end };
	/* GRUB's information holds the strings still in use below. */
	avoid[na++] = (struct mem_range){ info->info_phys,
					  info->info_phys + info->info_size };
	*fixed = na;
	for (u32 i = 0; i < info->nr_modules && na < MAX_AVOID; i++)
		avoid[na++] = (struct mem_range){ info->modules[i].start,
						  info->modules[i].end };
	return na;
}

/* The module must not be overwritten while it is copied: move it to
 * free RAM first if a segment lands on it. */
static int place_source(const struct mb2_module *m, u32 nr_ram, unsigned na,
			const void **file)
{
	u64 size = m->end - m->start;
	gpa_t to;
	int ret;

	*file = (const void *)m->start;
	if (!loader_src_overlaps(&img, m->start, size))
		return 0;
	ret = loader_find_free(&img, ram_mr, nr_ram, avoid, na,
			       ALIGN_UP(size, PAGE_SIZE), &to);
	if (ret)
		return ret;
	memmove((void *)to, *file, size);
	*file = (const void *)to;
	return 0;
}

/*
 * L1's own modules, GRUB's modules after the first (Multiboot 0.6.96 3.3,
 * Multiboot2 3.6.6): they stay where GRUB put them (available RAM, as GRUB
 * reports modules) unless the L1 image lands on one; that one is copied
 * to free RAM first (loader_place_modules). Every new place joins avoid[].
 */
static int place_modules(const struct mb2_info *info, u32 nr_ram, unsigned *na,
			 u32 *nr_mods)
{
	struct boot_module grub[MB2_MAX_MODULES] = { { 0 } };
	u32 n = info->nr_modules ? info->nr_modules - 1 : 0;
	int ret;

	for (u32 i = 0; i < n; i++)
		grub[i] = (struct boot_module){ info->modules[i + 1].start,
						info->modules[i + 1].end,
						info->modules[i + 1].cmdline };
	ret = loader_place_modules(&img, ram_mr, nr_ram, avoid, *na, grub, n,
				   l1_mods);
	if (ret)
		return ret;
	for (u32 i = 0; i < n; i++) {
		const struct boot_module *m = &l1_mods[i];
		bool moved = m->start != grub[i].start;

		if (moved) {
			if (*na >= MAX_AVOID)
				return -E_TOOBIG;
			memmove((void *)m->start, (const void *)grub[i].start,
				m->end - m->start);
			avoid[(*na)++] = (struct mem_range){ m->start, m->end };
		}
		log_info("L1 module %u: [%#lx, %#lx) \"%s\"%s.", i + 1,
			 m->start, m->end, m->string ? m->string : "",
			 moved ? " (copied clear of the L1 image)" : "");
	}
	*nr_mods = n;
	return 0;
}

/*
 * On a UEFI boot, L1's EFI memory map: the firmware's descriptors carved
 * as build_l1_map() carves the multiboot map (docs/boot.md, "L1 on
 * UEFI"). Returns the count (0 when GRUB gave no EFI map) or -E_*.
 */
static int build_l1_efi_map(const struct mb2_info *info,
			    const struct mem_range *hidden, u32 nr_hidden)
{
	struct mem_range cut[MAX_AVOID];
	u32 nc = 0;

	if (!info->efi.mmap)
		return 0;
	for (u32 i = 0; i < nr_hidden && nc < ARRAY_SIZE(cut) - 1; i++)
		cut[nc++] = hidden[i];
	if (acpi_page.end)
		cut[nc++] = acpi_page;
	return efi_map_carve(info->efi.mmap, info->efi.desc_size,
			     info->efi.nr_desc, cut, nc, &acpi_page, l1_efi_map,
			     ARRAY_SIZE(l1_efi_map));
}

/*
 * The EFI64 system table L1 gets: the firmware's, if it is one (UEFI 2.10
 * 4.3.1: the header's Signature). docs/boot.md: EFI runtime services run
 * as L1 code, under L1's stage-2 tables, so they reach nothing of Modex's.
 */
static u64 efi_systab_for_l1(const struct mb2_info *info)
{
	u64 sig = 0;

	if (!info->efi.systab)
		return 0;
	if (memory_read_firmware((void *)info, info->efi.systab, &sig,
				 sizeof(sig)) ||
	    sig != EFI_SYSTEM_TABLE_SIGNATURE) {
		log_warn(
			"GRUB's EFI system table pointer %#lx does not lead to an EFI system table; L1 gets none.",
			info->efi.systab);
		return 0;
	}
	return info->efi.systab;
}

static int place_info(u32 nr_ram, unsigned na, const char *cmdline,
		      unsigned nr_map, u32 nr_mods, const void *rsdp,
		      u32 rsdp_len, struct boot_cpu_state *bs)
{
	struct boot_info_params p = {
		.cmdline = cmdline,
		.mmap = l1_map,
		.nr_mmap = nr_map,
		.mods = l1_mods,
		.nr_mods = nr_mods,
		.rsdp = rsdp,
		.rsdp_len = rsdp_len,
		.efi_systab = l1_efi_systab,
		.efi_mmap = l1_efi_map,
		.nr_efi = l1_nr_efi,
	};
	size_t need = 0;
	gpa_t at, gdt;
	int ret;

	ret = loader_build_info(&img, &p, 0, NULL, 0, &need);
	if (ret && ret != -E_TOOBIG)
		return ret;
	ret = loader_find_free(&img, ram_mr, nr_ram, avoid, na,
			       ALIGN_UP(need, 8) + LOADER_GDT_SIZE, &at);
	if (ret)
		return ret;
	ret = loader_build_info(&img, &p, at, (void *)at, need, &need);
	if (ret)
		return ret;
	gdt = at + ALIGN_UP(need, 8);
	loader_gdt((u64 *)gdt);
	loader_initial_state(&img, at, gdt, bs);
	log_info(
		"L1 boot information (%s) at %#lx, %lu bytes, %u memory map entries.",
		img.proto == BOOT_PROTO_MB2 ? "multiboot2" : "multiboot1", at,
		(u64)need, nr_map);
	return 0;
}

/*
 * The Linux boot protocol (hv/bzimage.h): the kernel placed where its
 * header asks, its initrd (the next module) kept where GRUB put it unless
 * the kernel's init_size range covers it, then the ACPI copy, the memory
 * map and the boot area (boot_params, page tables, GDT, command line).
 */
static int linux_area(const struct mb2_info *info,
		      const struct mem_range *hidden, u32 nr_hidden, u32 nr_ram,
		      unsigned na, const char *cmdline, u32 nr_mods,
		      const void *rsdp, struct boot_cpu_state *bs, char *err,
		      size_t errlen)
{
	struct bzimage_params p = {
		.cmdline = cmdline,
		.initrd = nr_mods ? l1_mods[0].start : 0,
		.initrd_size = nr_mods ? l1_mods[0].end - l1_mods[0].start : 0,
		.rsdp = (gpa_t)rsdp,
		.mmap = l1_map,
	};
	size_t need = bzimage_area_size(cmdline);
	gpa_t at;
	int ret;

	p.nr_mmap = build_l1_map(info, hidden, nr_hidden);
	ret = loader_find_free(&img, ram_mr, nr_ram, avoid, na, need, &at);
	if (ret) {
		fmt_snprintf(
			err, errlen,
			"no free L1 RAM below 4 GiB for the %lu-byte boot area",
			(u64)need);
		return ret;
	}
	ret = bzimage_build_area(&img, bz_hdr, img.bz.hdr_end, &p, at,
				 (void *)at, bs, err, errlen);
	if (ret)
		return ret;
	log_info(
		"Linux boot_params at %#lx from %u memory map regions, initrd [%#lx, +%#lx), entry %#lx.",
		at, p.nr_mmap, p.initrd, p.initrd_size, bs->rip);
	return 0;
}

static int linux_load(const struct mb2_info *info,
		      const struct mem_range *hidden, u32 nr_hidden, u32 nr_ram,
		      unsigned na, unsigned fixed, const char *cmdline,
		      struct boot_cpu_state *bs, char *err, size_t errlen)
{
	const struct mb2_module *m = &info->modules[0];
	const void *file, *rsdp;
	u32 nr_mods, rsdp_len;
	int ret;

	/* Clear of GRUB's modules (the bzImage itself, the initrd) if there
	 * is room, so that neither has to be copied away first. */
	ret = bzimage_place(&img, ram_mr, nr_ram, avoid, na, err, errlen);
	if (ret)
		ret = bzimage_place(&img, ram_mr, nr_ram, avoid, fixed, err,
				    errlen);
	if (ret)
		return ret;
	log_info(
		"L1 module: Linux bzImage, boot protocol %u.%02u, kernel at %#lx (init_size %#x), 64-bit entry %#lx, command line \"%s\".",
		img.bz.version >> 8, img.bz.version & 0xff, img.load_base,
		img.bz.init_size, img.entry, cmdline);
	if (img.bz.version < BZ_RSDP_VERSION)
		log_warn(
			"the kernel's boot protocol predates acpi_rsdp_addr: it may find the firmware's ACPI root, IOMMU tables included.");
	ret = place_modules(info, nr_ram, &na, &nr_mods);
	if (!ret)
		ret = place_source(m, nr_ram, na, &file);
	if (!ret)
		ret = loader_load(&img, file, m->end - m->start, &ops, NULL);
	/* The header is read once more for boot_params, after the module's
	 * bytes may have been overwritten. */
	if (!ret)
		memcpy(bz_hdr, file, img.bz.hdr_end);
	if (!ret)
		ret = place_acpi(info, nr_ram, &na, &rsdp, &rsdp_len);
	if (ret) {
		fmt_snprintf(
			err, errlen,
			"cannot place the kernel, its initrd or L1's ACPI root: %s",
			err_str(ret));
		return ret;
	}
	if (nr_mods > 1)
		log_warn(
			"Linux takes one initrd: modules after the second are ignored.");
	return linux_area(info, hidden, nr_hidden, nr_ram, na, cmdline, nr_mods,
			  rsdp, bs, err, errlen);
}

int l1_boot_load(const struct mb2_info *info, const struct mem_range *ram,
		 u32 nr_ram, const struct mem_range *hidden, u32 nr_hidden,
		 struct boot_cpu_state *bs)
{
	const struct mb2_module *m = &info->modules[0];
	/* l1= or "--" on Modex's command line replaces the module's own. */
	const char *cmdline = hv_options.l1_cmdline_set ?
				      hv_options.l1_cmdline :
			      m->cmdline ? m->cmdline :
					   "";
	const void *file, *rsdp;
	char err[160];
	unsigned na, fixed, nr_map;
	u32 nr_mods, rsdp_len;
	int ret;

	na = collect(info, ram, nr_ram, hidden, nr_hidden, &fixed);
	if (bzimage_is((const void *)m->start, m->end - m->start)) {
		ret = bzimage_open((const void *)m->start, m->end - m->start,
				   &img, err, sizeof(err));
		if (!ret)
			ret = linux_load(info, hidden, nr_hidden, nr_ram, na,
					 fixed, cmdline, bs, err, sizeof(err));
		if (ret)
			log_err("the L1 module is a Linux kernel Modex cannot start: %s.",
				err);
		return ret;
	}
	ret = loader_open((const void *)m->start, m->end - m->start, &img, err,
			  sizeof(err));
	if (!ret)
		ret = loader_check(&img, ram_mr, nr_ram, avoid, fixed, err,
				   sizeof(err));
	if (ret) {
		log_err("the L1 module is not a kernel Modex can start: %s",
			err);
		return ret;
	}
	log_info(
		"L1 module: %s %s kernel, %u segments from %#lx, entry %#lx, command line \"%s\".",
		img.proto == BOOT_PROTO_MB2 ? "multiboot2" : "multiboot1",
		img.elf_class == 2 ? "ELF64" :
		img.elf_class == 1 ? "ELF32" :
				     "a.out",
		img.nr_segs, img.load_base, img.entry, cmdline);
	ret = place_modules(info, nr_ram, &na, &nr_mods);
	if (ret) {
		log_err("cannot place L1's modules clear of its image: %s.",
			err_str(ret));
		return ret;
	}
	ret = place_source(m, nr_ram, na, &file);
	if (!ret)
		ret = loader_load(&img, file, m->end - m->start, &ops, NULL);
	if (ret) {
		log_err("cannot copy the L1 image into its memory: %s.",
			err_str(ret));
		return ret;
	}
	ret = place_acpi(info, nr_ram, &na, &rsdp, &rsdp_len);
	if (ret) {
		log_err("cannot build L1's copy of the ACPI root: %s.",
			err_str(ret));
		return ret;
	}
	nr_map = build_l1_map(info, hidden, nr_hidden);
	ret = build_l1_efi_map(info, hidden, nr_hidden);
	if (ret < 0) {
		log_err("cannot build L1's EFI memory map: %s.", err_str(ret));
		return ret;
	}
	l1_nr_efi = (u32)ret;
	l1_efi_systab = efi_systab_for_l1(info);
	if (l1_nr_efi)
		log_info(
			"L1's EFI memory map: %u descriptors; EFI system table %#lx passed on.",
			l1_nr_efi, l1_efi_systab);
	ret = place_info(nr_ram, na, cmdline, nr_map, nr_mods, rsdp, rsdp_len,
			 bs);
	if (ret)
		log_err("cannot place L1's boot information: %s.",
			err_str(ret));
	return ret;
}
