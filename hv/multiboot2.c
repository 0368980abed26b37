// SPDX-License-Identifier: MIT
/*
 * Multiboot2 information parser (Multiboot2 specification 3.6): walks the
 * tags GRUB left in memory, validates every size, string and address, and
 * copies out a summary (struct mb2_info). The information is untrusted:
 * nothing is read at or beyond its total_size, and the first problem found
 * is reported as one sentence naming the tag offset.
 */
#include "hv/multiboot2.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/printf.h"

/* A memory map entry as [base, end), before overlaps are resolved. */
struct raw_region {
	u64 base, end;
	u32 type;
};

struct mb2_parser {
	const u8 *base;
	u32 total;
	u64 phys;
	struct mb2_info *out;
	char *err;
	size_t errlen;
	/* Offsets of the singleton tags seen so far (0: none). */
	u32 off_cmdline, off_loader, off_meminfo, off_mmap;
	u32 off_acpi_old, off_acpi_new, off_fb, off_efi_mmap;
	u32 off_efi_ptr[4]; /* types 11, 12, 19, 20 */
	u32 mod_off[MB2_MAX_MODULES];
};

static int __printf(2, 3) fail(struct mb2_parser *p, const char *fmt, ...)
{
	va_list ap;

	if (p->errlen) {
		va_start(ap, fmt);
		fmt_vsnprintf(p->err, p->errlen, fmt, ap);
		va_end(ap);
	}
	return -E_INVAL;
}

/* Callers have checked that [off, off + 4 or 8) lies below total. */
static u32 rd32(const struct mb2_parser *p, u32 off)
{
	u32 v;

	memcpy(&v, p->base + off, sizeof(v));
	return v;
}

static u64 rd64(const struct mb2_parser *p, u32 off)
{
	u64 v;

	memcpy(&v, p->base + off, sizeof(v));
	return v;
}

/* A string filling [off, off + len) must end inside it; else NULL. */
static const char *tag_string(const struct mb2_parser *p, u32 off, u32 len)
{
	const char *s = (const char *)p->base + off;

	return strnlen(s, len) < len ? s : NULL;
}

static int once(struct mb2_parser *p, u32 *seen, u32 off, const char *what)
{
	if (*seen)
		return fail(
			p,
			"the boot information has two %s tags, at offsets %#x and %#x.",
			what, *seen, off);
	*seen = off;
	return 0;
}

static int truncated(struct mb2_parser *p, const char *what, u32 off, u32 size,
		     u32 need)
{
	return fail(
		p,
		"the %s tag at offset %#x is truncated: its size %u is below the %u bytes it needs.",
		what, off, size, need);
}

/* Types 1 and 2. */
static int parse_string(struct mb2_parser *p, u32 type, u32 off, u32 size)
{
	bool cmd = type == MB2_TAG_CMDLINE;
	const char *what = cmd ? "command-line" : "boot loader name";
	const char *s;
	int ret;

	ret = once(p, cmd ? &p->off_cmdline : &p->off_loader, off, what);
	if (ret)
		return ret;
	s = tag_string(p, off + 8, size - 8);
	if (!s)
		return fail(
			p,
			"the %s tag at offset %#x is not NUL-terminated within its %u bytes.",
			what, off, size);
	if (cmd)
		p->out->cmdline = s;
	else
		p->out->loader_name = s;
	return 0;
}

static int parse_module(struct mb2_parser *p, u32 off, u32 size)
{
	struct mb2_info *o = p->out;
	struct mb2_module *m = &o->modules[o->nr_modules];
	u32 start, end;

	if (size < sizeof(struct mb2_tag_module))
		return truncated(p, "module", off, size,
				 sizeof(struct mb2_tag_module));
	if (o->nr_modules == MB2_MAX_MODULES)
		return fail(
			p,
			"the module tag at offset %#x is one more than the %u modules Modex accepts.",
			off, MB2_MAX_MODULES);
	start = rd32(p, off + 8);
	end = rd32(p, off + 12);
	/* An empty file makes an empty module (start == end); still valid. */
	if (start > end)
		return fail(
			p,
			"the module tag at offset %#x has start %#x above its end %#x.",
			off, start, end);
	m->cmdline = tag_string(p, off + 16, size - 16);
	if (!m->cmdline)
		return fail(
			p,
			"the command line of the module tag at offset %#x is not NUL-terminated within the tag.",
			off);
	m->start = start;
	m->end = end;
	p->mod_off[o->nr_modules++] = off;
	return 0;
}

/*
 * Where map entries overlap, the most restrictive type wins: available
 * ranks lowest, then ACPI reclaimable, then every other type by number.
 */
static u64 type_rank(u32 type)
{
	if (type == MB2_MEM_AVAILABLE)
		return 0;
	if (type == MB2_MEM_ACPI_RECLAIMABLE)
		return 1;
	return (u64)type + 2;
}

/* The type covering address a; false in a hole of the map. */
static bool type_at(const struct raw_region *raw, u32 n, u64 a, u32 *type)
{
	bool any = false;

	for (u32 i = 0; i < n; i++) {
		if (raw[i].base > a || a >= raw[i].end)
			continue;
		if (!any || type_rank(raw[i].type) > type_rank(*type))
			*type = raw[i].type;
		any = true;
	}
	return any;
}

/* The lowest entry start or end above cur; false if there is none. */
static bool next_boundary(const struct raw_region *raw, u32 n, u64 cur,
			  u64 *next)
{
	bool found = false;

	for (u32 i = 0; i < n; i++) {
		if (raw[i].base > cur && (!found || raw[i].base < *next)) {
			*next = raw[i].base;
			found = true;
		}
		if (raw[i].end > cur && (!found || raw[i].end < *next)) {
			*next = raw[i].end;
			found = true;
		}
	}
	return found;
}

/*
 * Sweeps the elementary intervals between entry boundaries in address
 * order, giving each its winning type and merging neighbours of one type:
 * the result is sorted and free of overlaps whatever the firmware wrote.
 */
static int resolve(struct mb2_parser *p, const struct raw_region *raw, u32 n,
		   u32 off)
{
	struct mb2_info *o = p->out;
	u64 cur = UINT64_MAX, next = 0;
	u32 type = 0;

	for (u32 i = 0; i < n; i++)
		cur = MIN(cur, raw[i].base);
	for (; next_boundary(raw, n, cur, &next); cur = next) {
		struct mb2_region *last =
			o->nr_regions ? &o->regions[o->nr_regions - 1] : NULL;

		if (!type_at(raw, n, cur, &type))
			continue;
		if (last && last->type == type &&
		    last->base + last->len == cur) {
			last->len += next - cur;
			continue;
		}
		if (o->nr_regions == MB2_MAX_REGIONS)
			return fail(
				p,
				"the memory map tag at offset %#x resolves into more than %u regions.",
				off, MB2_MAX_REGIONS);
		o->regions[o->nr_regions++] =
			(struct mb2_region){ cur, next - cur, type };
	}
	return 0;
}

/* Appends [base, end) of @type to raw[], extending the last entry when
 * it is the same type and touches it (EFI maps list many such runs). */
static bool raw_add(struct raw_region *raw, u32 *nr, u64 base, u64 end,
		    u32 type)
{
	struct raw_region *last = *nr ? &raw[*nr - 1] : NULL;

	if (last && last->type == type && last->end == base) {
		last->end = end;
		return true;
	}
	if (*nr == MB2_MAX_REGIONS)
		return false;
	raw[(*nr)++] = (struct raw_region){ base, end, type };
	return true;
}

static int load_entries(struct mb2_parser *p, u32 off, u32 esize, u32 n)
{
	struct raw_region raw[MB2_MAX_REGIONS];
	u32 nr = 0;

	for (u32 i = 0; i < n; i++) {
		u32 e = off + 16 + i * esize;
		u64 base = rd64(p, e), len = rd64(p, e + 8);

		if (!len)
			continue;
		if (base + len < base || base + len == 0)
			return fail(
				p,
				"entry %u of the memory map tag at offset %#x wraps past the end of the address space.",
				i, off);
		if (!raw_add(raw, &nr, base, base + len, rd32(p, e + 16)))
			return fail(
				p,
				"the memory map tag at offset %#x has more than %u non-empty entries.",
				off, MB2_MAX_REGIONS);
	}
	if (!nr)
		return fail(
			p,
			"the memory map tag at offset %#x has no non-empty entries.",
			off);
	/* The EFI memory map, when there is one, is the map (mb2_info). */
	if (p->off_efi_mmap)
		return 0;
	p->out->map_source = MB2_MAP_MMAP;
	return resolve(p, raw, nr, off);
}

u32 mb2_efi_to_e820(u32 efi_type)
{
	/* ACPI 6.4 15.3 Table 15.6, the mapping an OS loader should use
	 * for an e820 map: the loader's and the boot services' memory is
	 * free once boot services end (UEFI 2.10 7.2.1, "Memory Type Usage
	 * after ExitBootServices()"), like conventional memory. */
	switch (efi_type) {
	case EFI_LOADER_CODE:
	case EFI_LOADER_DATA:
	case EFI_BOOT_SERVICES_CODE:
	case EFI_BOOT_SERVICES_DATA:
	case EFI_CONVENTIONAL_MEMORY:
		return MB2_MEM_AVAILABLE;
	case EFI_ACPI_RECLAIM_MEMORY:
		return MB2_MEM_ACPI_RECLAIMABLE;
	case EFI_ACPI_MEMORY_NVS:
		return MB2_MEM_NVS;
	case EFI_PERSISTENT_MEMORY:
		return MB2_MEM_PERSISTENT;
	default:
		/* Runtime services code and data stay the firmware's for
		 * good; unusable (with errors), MMIO, PAL code and reserved
		 * memory are reserved in Table 15.6 too; unaccepted memory
		 * (needs the platform's acceptance first) and types the
		 * table does not name are not RAM anyone may take. */
		return MB2_MEM_RESERVED;
	}
}

/* Type 17 (spec 3.6.15): UEFI 2.10 7.2.3 descriptors, DescriptorSize
 * apart; PhysicalStart 4 KiB aligned, NumberOfPages in 4 KiB pages. */
static int load_efi_descs(struct mb2_parser *p, u32 off, u32 dsize, u32 n)
{
	struct raw_region raw[MB2_MAX_REGIONS];
	u32 nr = 0;

	for (u32 i = 0; i < n; i++) {
		u32 d = off + 16 + i * dsize;
		u64 base = rd64(p, d + 8), pages = rd64(p, d + 24);

		if (base & (EFI_PAGE_SIZE - 1))
			return fail(
				p,
				"descriptor %u of the EFI memory map tag at offset %#x starts at %#lx, not 4 KiB aligned.",
				i, off, base);
		if (!pages)
			continue;
		if (pages > (~0ULL - base) / EFI_PAGE_SIZE)
			return fail(
				p,
				"descriptor %u of the EFI memory map tag at offset %#x (%#lx pages at %#lx) wraps past the end of the address space.",
				i, off, pages, base);
		if (!raw_add(raw, &nr, base, base + pages * EFI_PAGE_SIZE,
			     mb2_efi_to_e820(rd32(p, d))))
			return fail(
				p,
				"the EFI memory map tag at offset %#x has more than %u runs of descriptors of one kind.",
				off, MB2_MAX_REGIONS);
	}
	if (!nr)
		return fail(
			p,
			"the EFI memory map tag at offset %#x has no non-empty descriptors.",
			off);
	p->out->nr_regions = 0; /* replaces a multiboot map seen before */
	p->out->map_source = MB2_MAP_EFI;
	return resolve(p, raw, nr, off);
}

static int parse_efi_mmap(struct mb2_parser *p, u32 off, u32 size)
{
	struct mb2_efi *e = &p->out->efi;
	u32 dsize, version, n;
	int ret;

	ret = once(p, &p->off_efi_mmap, off, "EFI memory map");
	if (ret)
		return ret;
	if (size < sizeof(struct mb2_tag_efi_mmap))
		return truncated(p, "EFI memory map", off, size,
				 sizeof(struct mb2_tag_efi_mmap));
	dsize = rd32(p, off + 8);
	version = rd32(p, off + 12);
	/* UEFI 2.10 7.2.3 GetMemoryMap(): DescriptorSize may exceed the
	 * structure for future fields, never fall short of it. */
	if (dsize < sizeof(struct efi_memory_desc) || dsize > 4096)
		return fail(
			p,
			"the EFI memory map tag at offset %#x has descriptor size %u, outside 40 to 4096 bytes.",
			off, dsize);
	if (version != EFI_MEMORY_DESCRIPTOR_VERSION)
		return fail(
			p,
			"the EFI memory map tag at offset %#x has descriptor version %u; only version 1 is defined.",
			off, version);
	if ((size - 16) % dsize)
		return fail(
			p,
			"the EFI memory map tag at offset %#x holds %u bytes of descriptors, not a whole number of %u-byte descriptors.",
			off, size - 16, dsize);
	n = (size - 16) / dsize;
	ret = load_efi_descs(p, off, dsize, n);
	if (ret)
		return ret;
	e->mmap = p->base + off + 16;
	e->desc_size = dsize;
	e->nr_desc = n;
	return 0;
}

/* Types 11, 12, 19 and 20: a 32- or 64-bit pointer into the firmware. */
static int parse_efi_ptr(struct mb2_parser *p, u32 type, u32 off, u32 size)
{
	static const struct {
		u32 type;
		const char *what;
		u32 need;
	} kinds[] = {
		{ MB2_TAG_EFI32_SYSTAB, "EFI32 system table", 12 },
		{ MB2_TAG_EFI64_SYSTAB, "EFI64 system table", 16 },
		{ MB2_TAG_EFI32_IMAGE, "EFI32 image handle", 12 },
		{ MB2_TAG_EFI64_IMAGE, "EFI64 image handle", 16 },
	};
	u32 k = 0;
	u64 v;
	int ret;

	while (kinds[k].type != type)
		k++;
	ret = once(p, &p->off_efi_ptr[k], off, kinds[k].what);
	if (ret)
		return ret;
	if (size < kinds[k].need)
		return truncated(p, kinds[k].what, off, size, kinds[k].need);
	if (kinds[k].need == 12)
		return 0; /* 32-bit firmware: nothing Modex or L1 can use */
	v = rd64(p, off + 8);
	if (!v)
		return fail(p, "the %s tag at offset %#x holds a null pointer.",
			    kinds[k].what, off);
	if (type == MB2_TAG_EFI64_SYSTAB)
		p->out->efi.systab = v;
	else
		p->out->efi.image_handle = v;
	return 0;
}

/* Bits a colour field of @bpp-bit pixels may occupy. */
static bool field_ok(u8 pos, u8 size, u8 bpp)
{
	return size && size <= 16 && (u32)pos + size <= bpp;
}

static int check_fb_rgb(struct mb2_parser *p, u32 off, u32 size)
{
	struct mb2_fb *fb = &p->out->fb;
	const u8 *f = p->base + off + 32;

	if (size < 38)
		return truncated(p, "framebuffer", off, size, 38);
	fb->red_pos = f[0];
	fb->red_size = f[1];
	fb->green_pos = f[2];
	fb->green_size = f[3];
	fb->blue_pos = f[4];
	fb->blue_size = f[5];
	if (!field_ok(f[0], f[1], fb->bpp) || !field_ok(f[2], f[3], fb->bpp) ||
	    !field_ok(f[4], f[5], fb->bpp))
		return fail(
			p,
			"the framebuffer tag at offset %#x has a colour field outside its %u-bit pixels.",
			off, fb->bpp);
	return 0;
}

/* Type 8 (spec 3.6.12). */
static int parse_fb(struct mb2_parser *p, u32 off, u32 size)
{
	struct mb2_fb *fb = &p->out->fb;
	u64 line_bits, bytes;
	int ret;

	ret = once(p, &p->off_fb, off, "framebuffer");
	if (ret)
		return ret;
	if (size < sizeof(struct mb2_tag_framebuffer))
		return truncated(p, "framebuffer", off, size,
				 sizeof(struct mb2_tag_framebuffer));
	*fb = (struct mb2_fb){ .addr = rd64(p, off + 8),
			       .pitch = rd32(p, off + 16),
			       .width = rd32(p, off + 20),
			       .height = rd32(p, off + 24),
			       .bpp = p->base[off + 28],
			       .type = p->base[off + 29] };
	if (fb->type > MB2_FB_EGA_TEXT)
		return 0; /* a type this spec does not define: not used */
	line_bits =
		(u64)fb->width * (fb->type == MB2_FB_EGA_TEXT ? 16 : fb->bpp);
	bytes = (u64)fb->pitch * fb->height;
	if (!fb->width || !fb->height || !fb->bpp || fb->bpp > 32 ||
	    (u64)fb->pitch * 8 < line_bits)
		return fail(
			p,
			"the framebuffer tag at offset %#x describes %ux%u at %u bits per pixel with a pitch of %u bytes: not a framebuffer.",
			off, fb->width, fb->height, fb->bpp, fb->pitch);
	if (fb->addr + bytes < fb->addr)
		return fail(
			p,
			"the framebuffer tag at offset %#x (%#lx, %lu bytes) wraps past the end of the address space.",
			off, fb->addr, bytes);
	if (fb->type == MB2_FB_RGB) {
		ret = check_fb_rgb(p, off, size);
		if (ret)
			return ret;
	}
	p->out->has_fb = true;
	return 0;
}

static int parse_mmap(struct mb2_parser *p, u32 off, u32 size)
{
	u32 esize, version;
	int ret;

	ret = once(p, &p->off_mmap, off, "memory map");
	if (ret)
		return ret;
	if (size < sizeof(struct mb2_tag_mmap))
		return truncated(p, "memory map", off, size,
				 sizeof(struct mb2_tag_mmap));
	esize = rd32(p, off + 8);
	version = rd32(p, off + 12);
	/* Spec 3.6.8: entry_size is a multiple of 8; entries are 24 bytes. */
	if (esize < sizeof(struct mb2_mmap_entry) || esize % 8)
		return fail(
			p,
			"the memory map tag at offset %#x has entry_size %u; it must be a multiple of 8 and at least 24.",
			off, esize);
	if (version)
		return fail(
			p,
			"the memory map tag at offset %#x has entry_version %u; only version 0 is defined.",
			off, version);
	if ((size - 16) % esize)
		return fail(
			p,
			"the memory map tag at offset %#x holds %u bytes of entries, not a whole number of %u-byte entries.",
			off, size - 16, esize);
	return load_entries(p, off, esize, (size - 16) / esize);
}

/* Types 14 and 15; the ACPI 2.0 copy is preferred when both are given. */
static int parse_acpi(struct mb2_parser *p, u32 type, u32 off, u32 size)
{
	bool v2 = type == MB2_TAG_ACPI_NEW;
	const char *what = v2 ? "ACPI 2.0 RSDP" : "ACPI 1.0 RSDP";
	u32 len = v2 ? MB2_RSDP_V2_MIN_LEN : MB2_RSDP_V1_LEN;
	int ret;

	ret = once(p, v2 ? &p->off_acpi_new : &p->off_acpi_old, off, what);
	if (ret)
		return ret;
	if (size - 8 < len)
		return truncated(p, what, off, size, 8 + len);
	/* ACPI 6.5 5.2.5.3: Length (offset 20) covers the whole XSDP. */
	if (v2) {
		len = rd32(p, off + 8 + 20);
		if (len < MB2_RSDP_V2_MIN_LEN || len > size - 8)
			return fail(
				p,
				"the %s tag at offset %#x gives an RSDP length of %u, outside 36 to %u bytes.",
				what, off, len, size - 8);
	}
	if (!v2 && p->off_acpi_new)
		return 0;
	p->out->rsdp_phys = p->phys + off + 8;
	p->out->rsdp = p->base + off + 8;
	p->out->rsdp_len = len;
	p->out->rsdp_rev = p->base[off + 8 + 15]; /* Revision */
	return 0;
}

static int parse_tag(struct mb2_parser *p, u32 type, u32 off, u32 size)
{
	int ret;

	switch (type) {
	case MB2_TAG_CMDLINE:
	case MB2_TAG_LOADER_NAME:
		return parse_string(p, type, off, size);
	case MB2_TAG_MODULE:
		return parse_module(p, off, size);
	case MB2_TAG_BASIC_MEMINFO:
		ret = once(p, &p->off_meminfo, off, "basic memory information");
		if (!ret && size < sizeof(struct mb2_tag_basic_meminfo))
			ret = truncated(p, "basic memory information", off,
					size, 16);
		return ret;
	case MB2_TAG_MMAP:
		return parse_mmap(p, off, size);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW:
		return parse_acpi(p, type, off, size);
	case MB2_TAG_FRAMEBUFFER:
		return parse_fb(p, off, size);
	case MB2_TAG_EFI32_SYSTAB:
	case MB2_TAG_EFI64_SYSTAB:
	case MB2_TAG_EFI32_IMAGE:
	case MB2_TAG_EFI64_IMAGE:
		return parse_efi_ptr(p, type, off, size);
	case MB2_TAG_EFI_MMAP:
		return parse_efi_mmap(p, off, size);
	case MB2_TAG_EFI_BS_ACTIVE:
		/* Spec 3.6.16: only given to an image that asked for it
		 * (header tag 7); Modex does not, and it owns the machine
		 * only once the firmware's boot services are gone. */
		return fail(
			p,
			"the boot information at offset %#x says EFI boot services are still running (tag 18); Modex needs the loader to exit them.",
			off);
	default:
		return 0; /* APM, SMBIOS, network...: not Modex's business */
	}
}

/* Spec 3.6.1: tags follow the 8-byte header, each padded to 8 bytes. */
static int parse_tags(struct mb2_parser *p)
{
	u32 type, size;

	for (u32 off = 8;; off = ALIGN_UP(off + size, 8)) {
		int ret;

		if (off >= p->total)
			return fail(
				p,
				"the boot information ends at offset %#x without an end tag.",
				p->total);
		if (p->total - off < sizeof(struct mb2_tag))
			return fail(
				p,
				"the tag at offset %#x is truncated: its 8-byte header does not fit in the total size of %u bytes.",
				off, p->total);
		type = rd32(p, off);
		size = rd32(p, off + 4);
		if (size < sizeof(struct mb2_tag))
			return fail(
				p,
				"the tag at offset %#x (type %u) is truncated: its size %u is below the 8-byte tag header.",
				off, type, size);
		if (size > p->total - off)
			return fail(
				p,
				"the tag at offset %#x (type %u, size %u) overruns the total size of %u bytes.",
				off, type, size, p->total);
		if (type == MB2_TAG_END)
			return size == sizeof(struct mb2_tag) ?
				       0 :
				       fail(p,
					    "the end tag at offset %#x has size %u instead of 8.",
					    off, size);
		ret = parse_tag(p, type, off, size);
		if (ret)
			return ret;
	}
}

static bool overlaps(u64 s1, u64 e1, u64 s2, u64 e2)
{
	return s1 < e2 && s2 < e1;
}

static bool in_available_ram(const struct mb2_info *o, u64 s, u64 e)
{
	/* Adjacent available regions are merged, so one must hold it all. */
	for (u32 i = 0; i < o->nr_regions; i++) {
		const struct mb2_region *r = &o->regions[i];

		if (r->type == MB2_MEM_AVAILABLE && r->base <= s &&
		    e <= r->base + r->len)
			return true;
	}
	return false;
}

static int check_module(struct mb2_parser *p, const struct mb2_reserved *rsv,
			unsigned int nr_rsv, u32 i)
{
	const struct mb2_module *m = &p->out->modules[i];
	u64 info_end = p->phys + p->total;

	if (!in_available_ram(p->out, m->start, m->end))
		return fail(
			p,
			"module %u (%#lx-%#lx, tag at offset %#x) is not wholly inside available RAM per the memory map.",
			i, m->start, m->end, p->mod_off[i]);
	for (u32 j = 0; j < i; j++)
		if (overlaps(m->start, m->end, p->out->modules[j].start,
			     p->out->modules[j].end))
			return fail(
				p,
				"module %u (%#lx-%#lx, tag at offset %#x) overlaps module %u (tag at offset %#x).",
				i, m->start, m->end, p->mod_off[i], j,
				p->mod_off[j]);
	if (overlaps(m->start, m->end, p->phys, info_end))
		return fail(
			p,
			"module %u (%#lx-%#lx, tag at offset %#x) overlaps the boot information (%#lx-%#lx).",
			i, m->start, m->end, p->mod_off[i], p->phys, info_end);
	for (unsigned int r = 0; r < nr_rsv; r++)
		if (rsv[r].start < rsv[r].end &&
		    overlaps(m->start, m->end, rsv[r].start, rsv[r].end))
			return fail(
				p,
				"module %u (%#lx-%#lx, tag at offset %#x) overlaps %s (%#lx-%#lx).",
				i, m->start, m->end, p->mod_off[i],
				rsv[r].what ? rsv[r].what : "a reserved range",
				rsv[r].start, rsv[r].end);
	return 0;
}

static int parse_all(struct mb2_parser *p, const struct mb2_reserved *rsv,
		     unsigned int nr_rsv)
{
	int ret;

	if (!p->base)
		return fail(p,
			    "no boot information was passed (null pointer).");
	if (((uintptr_t)p->base | p->phys) & 7)
		return fail(
			p,
			"the boot information at %#lx is not 8-byte aligned.",
			p->phys);
	p->total = rd32(p, 0);
	if (p->total < MB2_INFO_MIN_SIZE)
		return fail(
			p,
			"the boot information's total size of %u bytes is below the minimum of %u.",
			p->total, MB2_INFO_MIN_SIZE);
	if (p->total > MB2_INFO_MAX_SIZE)
		return fail(
			p,
			"the boot information's total size of %u bytes is above Modex's limit of %u.",
			p->total, MB2_INFO_MAX_SIZE);
	if (p->phys + p->total < p->phys)
		return fail(
			p,
			"the boot information at %#lx wraps past the end of the address space.",
			p->phys);
	/* The reserved field is not checked: spec 3.6.1 says to ignore it. */
	ret = parse_tags(p);
	if (ret)
		return ret;
	if (!p->off_mmap && !p->off_efi_mmap)
		return fail(
			p,
			"the boot information has no memory map tag (type 6 or 17); Modex needs one.");
	for (u32 i = 0; i < p->out->nr_modules; i++) {
		ret = check_module(p, rsv, nr_rsv, i);
		if (ret)
			return ret;
	}
	return 0;
}

int mb2_parse(const void *info, u64 info_phys, const struct mb2_reserved *rsv,
	      unsigned int nr_rsv, struct mb2_info *out, char *err,
	      size_t errlen)
{
	struct mb2_parser p = {
		.base = info,
		.phys = info_phys,
		.out = out,
		.err = err,
		.errlen = errlen,
	};
	int ret;

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	ret = parse_all(&p, rsv, nr_rsv);
	if (ret) {
		memset(out, 0, sizeof(*out)); /* nothing half-validated */
		return ret;
	}
	out->info_phys = info_phys;
	out->info_size = p.total;
	return 0;
}
