// SPDX-License-Identifier: MIT
/*
 * Vendor-neutral L1 guest loader (hv/loader.h): multiboot header probe,
 * ELF program headers, placement checks and loading through callbacks.
 * The boot information and entry state are in hv/loader_info.c.
 * Every byte of the image is untrusted: all offsets are checked against
 * the file size without overflow before they are used.
 */
#include "hv/loader.h"

#include "hv/elf.h"
#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"

/* ---- error messages ---- */

struct msgbuf {
	char *p;
	size_t len, pos;
};

static void msg_putc(struct msgbuf *m, char c)
{
	if (m->pos + 1 < m->len)
		m->p[m->pos++] = c;
}

static void msg_num(struct msgbuf *m, u64 v, unsigned base, bool alt)
{
	char tmp[20];
	int n = 0;

	if (alt) {
		msg_putc(m, '0');
		msg_putc(m, 'x');
	}
	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (n)
		msg_putc(m, tmp[--n]);
}

/*
 * The messages need only "%s %u %lu %lx %#lx"; a local formatter keeps
 * this file free of console code so it links into host tests alone.
 */
static __printf(3, 4) void ldr_err(char *err, size_t len, const char *fmt, ...)
{
	struct msgbuf m = { err, len, 0 };
	va_list ap;

	if (!err || !len)
		return;
	va_start(ap, fmt);
	for (; *fmt; fmt++) {
		bool alt = false, lng = false;
		u64 v;

		if (*fmt != '%') {
			msg_putc(&m, *fmt);
			continue;
		}
		if (*++fmt == '#') {
			alt = true;
			fmt++;
		}
		if (*fmt == 'l') {
			lng = true;
			fmt++;
		}
		if (*fmt == 's') {
			for (const char *s = va_arg(ap, const char *); *s; s++)
				msg_putc(&m, *s);
			continue;
		}
		if (*fmt != 'u' && *fmt != 'x')
			break;
		v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
		msg_num(&m, v, *fmt == 'u' ? 10 : 16, alt);
	}
	va_end(ap);
	m.p[m.pos] = '\0';
}

/* ---- little-endian reads from untrusted, unaligned bytes ---- */

static u16 rd16(const u8 *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static u32 rd32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* ---- multiboot headers ---- */

/* Multiboot 0.6.96 3.1.1-3.1.4: the header and its flags. */
#define MB1H_MAGIC 0x1badb002u
#define MB1H_PAGE_ALIGN BIT(0)
#define MB1H_MEMINFO BIT(1)
#define MB1H_VIDEO BIT(2)
#define MB1H_REQUIRED_MASK 0xffffu /* bits 0-15 must be honoured */
#define MB1H_AOUT_KLUDGE BIT(16)
#define MB1H_LEN_BASE 12
#define MB1H_LEN_ADDR 32 /* + header/load/load_end/bss_end/entry addr */
#define MB1H_LEN_VIDEO 48 /* + mode_type, width, height, depth */

/* Multiboot2 1.0 3.1: header, tags (type u16, flags u16, size u32). */
#define MB2H_MAGIC 0xe85250d6u
#define MB2H_ARCH_I386 0
#define MB2H_LEN 16
#define MB2H_TAG_OPTIONAL 1
#define MB2H_CONSOLE_REQUIRED BIT(0)
#define MB2H_CONSOLE_EGA BIT(1)

enum mb2h_tag {
	MB2H_END = 0,
	MB2H_INFO_REQ = 1,
	MB2H_ADDRESS = 2,
	MB2H_ENTRY = 3,
	MB2H_CONSOLE = 4,
	MB2H_FRAMEBUFFER = 5,
	MB2H_MODULE_ALIGN = 6,
	MB2H_EFI_BS = 7,
	MB2H_EFI32_ENTRY = 8,
	MB2H_EFI64_ENTRY = 9,
	MB2H_RELOCATABLE = 10,
};

struct probe {
	const u8 *f;
	size_t size;
	struct l1_image *img;
	char *err;
	size_t errlen;
	bool bad_sum; /* a magic with a wrong checksum was seen (err holds it) */
};

/* Minimum size of each understood MB2 header tag. */
static u32 mb2h_min_size(u16 type)
{
	switch (type) {
	case MB2H_ADDRESS:
	case MB2H_RELOCATABLE:
		return 24;
	case MB2H_FRAMEBUFFER:
		return 20;
	case MB2H_ENTRY:
	case MB2H_CONSOLE:
	case MB2H_EFI32_ENTRY:
	case MB2H_EFI64_ENTRY:
		return 12;
	default:
		return 8;
	}
}

static bool mbi2_can_provide(u32 type)
{
	switch (type) {
	case MBI2_END:
	case MBI2_CMDLINE:
	case MBI2_LOADER_NAME:
	case MBI2_MODULE:
	case MBI2_MEMINFO:
	case MBI2_MMAP:
	case MBI2_ACPI_OLD:
	case MBI2_ACPI_NEW:
	case MBI2_LOAD_BASE:
		return true;
	default:
		return false;
	}
}

/* Multiboot2 1.0 3.1.4: a required request Modex cannot meet fails. */
static int mb2h_info_req(struct probe *pr, const u8 *t, u32 size, bool opt)
{
	for (u32 at = 8; at + 4 <= size; at += 4) {
		u32 type = rd32(t + at);

		if (type < 64)
			pr->img->mb2_requests |= BIT(type);
		if (mbi2_can_provide(type))
			continue;
		if (!opt) {
			ldr_err(pr->err, pr->errlen,
				"the multiboot2 header requires boot information tag %u, which Modex does not provide",
				type);
			return -E_NOSUPP;
		}
		pr->img->notes |= LOADER_NOTE_OPTIONAL;
	}
	return 0;
}

static int mb2h_console(struct probe *pr, const u8 *t, bool opt)
{
	u32 cf = rd32(t + 8);

	/* The EGA text console passes through; nothing else is offered. */
	if (!opt && (cf & MB2H_CONSOLE_REQUIRED) && !(cf & MB2H_CONSOLE_EGA)) {
		ldr_err(pr->err, pr->errlen,
			"the multiboot2 header requires a console other than EGA text (console flags %#x)",
			cf);
		return -E_NOSUPP;
	}
	return 0;
}

static void mb2h_address(struct l1_image *img, const u8 *t)
{
	img->has_addr = true;
	img->addr.header_addr = rd32(t + 8);
	img->addr.load_addr = rd32(t + 12);
	img->addr.load_end_addr = rd32(t + 16);
	img->addr.bss_end_addr = rd32(t + 20);
}

static int mb2h_unsupported(struct probe *pr, u16 type, bool opt,
			    const char *what)
{
	if (opt) {
		pr->img->notes |= LOADER_NOTE_OPTIONAL;
		return 0;
	}
	ldr_err(pr->err, pr->errlen,
		"the multiboot2 header has required tag %u (%s), which Modex does not support",
		type, what);
	return -E_NOSUPP;
}

static int mb2h_tag(struct probe *pr, const u8 *t, u16 type, u16 flags,
		    u32 size)
{
	struct l1_image *img = pr->img;
	bool opt = flags & MB2H_TAG_OPTIONAL;

	switch (type) {
	case MB2H_INFO_REQ:
		return mb2h_info_req(pr, t, size, opt);
	case MB2H_ADDRESS:
		mb2h_address(img, t);
		return 0;
	case MB2H_ENTRY:
		img->has_entry = true;
		img->entry_addr = rd32(t + 8);
		return 0;
	case MB2H_CONSOLE:
		return mb2h_console(pr, t, opt);
	case MB2H_FRAMEBUFFER:
		img->notes |= LOADER_NOTE_VIDEO;
		return mb2h_unsupported(pr, type, opt, "framebuffer");
	case MB2H_MODULE_ALIGN:
		img->mods_page_aligned = true;
		return 0;
	case MB2H_EFI_BS:
	case MB2H_EFI32_ENTRY:
	case MB2H_EFI64_ENTRY:
		/* As GRUB on BIOS: EFI-only tags are ignored. */
		img->notes |= LOADER_NOTE_EFI;
		return 0;
	case MB2H_RELOCATABLE:
		/* Loading at the link address is one of the allowed ones. */
		img->notes |= LOADER_NOTE_RELOCATABLE;
		return 0;
	default:
		return mb2h_unsupported(pr, type, opt, "unknown");
	}
}

/* Multiboot2 1.0 3.1.3: 8-aligned tags ending in an 8-byte end tag. */
static int mb2h_tags(struct probe *pr, u32 off, u32 hlen)
{
	const u8 *h = pr->f + off;

	for (u32 at = MB2H_LEN; at + 8 <= hlen;) {
		u16 type = rd16(h + at), flags = rd16(h + at + 2);
		u32 size = rd32(h + at + 4);
		int ret;

		if (size < mb2h_min_size(type) || size > hlen - at) {
			ldr_err(pr->err, pr->errlen,
				"multiboot2 header tag %u at file offset %#x has a bad size %u",
				type, off + at, size);
			return -E_INVAL;
		}
		if (type == MB2H_END)
			return 0;
		ret = mb2h_tag(pr, h + at, type, flags, size);
		if (ret)
			return ret;
		at += ALIGN_UP(size, 8u);
	}
	ldr_err(pr->err, pr->errlen,
		"the multiboot2 header at file offset %#x has no end tag", off);
	return -E_INVAL;
}

static int mb2h_parse(struct probe *pr, u32 off, u32 limit)
{
	u32 arch = rd32(pr->f + off + 4), hlen = rd32(pr->f + off + 8);
	int ret;

	if (arch != MB2H_ARCH_I386) {
		ldr_err(pr->err, pr->errlen,
			"the multiboot2 header is for architecture %u, not i386",
			arch);
		return -E_NOSUPP;
	}
	if (hlen < MB2H_LEN + 8) {
		ldr_err(pr->err, pr->errlen,
			"the multiboot2 header at file offset %#x has length %u, too short for its end tag",
			off, hlen);
		return -E_INVAL;
	}
	if (hlen > limit - off) {
		ldr_err(pr->err, pr->errlen,
			"the multiboot2 header at file offset %#x has length %u, which does not fit in the file's first 32 KiB",
			off, hlen);
		return -E_INVAL;
	}
	ret = mb2h_tags(pr, off, hlen);
	if (ret)
		return ret;
	if (pr->img->has_addr && !pr->img->has_entry) {
		ldr_err(pr->err, pr->errlen,
			"the multiboot2 header has an address tag without an entry address tag");
		return -E_INVAL;
	}
	pr->img->proto = BOOT_PROTO_MB2;
	pr->img->hdr_off = off;
	return 0;
}

static void bad_checksum(struct probe *pr, const char *what, u32 off)
{
	if (pr->bad_sum)
		return;
	pr->bad_sum = true;
	ldr_err(pr->err, pr->errlen,
		"the %s header magic at file offset %#x has a bad checksum",
		what, off);
}

/* 1: none found; 0: found and valid; < 0: found and refused. */
static int mb2_find(struct probe *pr)
{
	u32 limit = (u32)MIN(pr->size, (size_t)LOADER_MB2_SEARCH);

	for (u32 off = 0; off + MB2H_LEN <= limit; off += 8) {
		const u8 *h = pr->f + off;

		if (rd32(h) != MB2H_MAGIC)
			continue;
		if (rd32(h) + rd32(h + 4) + rd32(h + 8) + rd32(h + 12)) {
			bad_checksum(pr, "multiboot2", off);
			continue;
		}
		return mb2h_parse(pr, off, limit);
	}
	return 1;
}

static int mb1h_parse(struct probe *pr, u32 off, u32 limit)
{
	struct l1_image *img = pr->img;
	const u8 *h = pr->f + off;
	u32 flags = rd32(h + 4), need = MB1H_LEN_BASE;
	u32 unknown = flags & MB1H_REQUIRED_MASK &
		      ~(MB1H_PAGE_ALIGN | MB1H_MEMINFO | MB1H_VIDEO);

	if (unknown) {
		ldr_err(pr->err, pr->errlen,
			"the multiboot header requires feature bit %u (flags %#x), which Modex does not support",
			(unsigned)__builtin_ctz(unknown), flags);
		return -E_NOSUPP;
	}
	if (flags & MB1H_AOUT_KLUDGE)
		need = MB1H_LEN_ADDR;
	if (flags & MB1H_VIDEO)
		need = MB1H_LEN_VIDEO;
	if (need > limit - off) {
		ldr_err(pr->err, pr->errlen,
			"the multiboot header at file offset %#x (flags %#x) extends beyond the first 8 KiB of the file",
			off, flags);
		return -E_INVAL;
	}
	img->proto = BOOT_PROTO_MB1;
	img->hdr_off = off;
	img->mb1_flags = flags;
	img->mods_page_aligned = flags & MB1H_PAGE_ALIGN;
	if (flags & MB1H_VIDEO)
		img->notes |= LOADER_NOTE_VIDEO;
	if (flags & MB1H_AOUT_KLUDGE) {
		img->has_addr = img->has_entry = true;
		img->addr =
			(struct l1_addr_fields){ rd32(h + 12), rd32(h + 16),
						 rd32(h + 20), rd32(h + 24) };
		img->entry_addr = rd32(h + 28);
	}
	return 0;
}

static int mb1_find(struct probe *pr)
{
	u32 limit = (u32)MIN(pr->size, (size_t)LOADER_MB1_SEARCH);

	for (u32 off = 0; off + MB1H_LEN_BASE <= limit; off += 4) {
		const u8 *h = pr->f + off;

		if (rd32(h) != MB1H_MAGIC)
			continue;
		if (rd32(h) + rd32(h + 4) + rd32(h + 8)) {
			bad_checksum(pr, "multiboot", off);
			continue;
		}
		return mb1h_parse(pr, off, limit);
	}
	return 1;
}

int loader_probe(const void *file, size_t size, struct l1_image *img, char *err,
		 size_t errlen)
{
	struct probe pr = { file, size, img, err, errlen, false };
	int ret;

	memset(img, 0, sizeof(*img));
	ret = mb2_find(&pr);
	if (ret == 1) {
		memset(img, 0, sizeof(*img));
		ret = mb1_find(&pr);
	}
	if (ret == 1) {
		if (!pr.bad_sum)
			ldr_err(err, errlen,
				"no multiboot2 header in the first 32 KiB and no multiboot header in the first 8 KiB of the %lu-byte file",
				(unsigned long)size);
		return pr.bad_sum ? -E_INVAL : -E_NOENT;
	}
	if (ret)
		img->proto = BOOT_PROTO_NONE;
	return ret;
}

/* ---- segments from the ELF program headers ---- */

/* Class-independent view of the ELF header. */
struct elf_info {
	u8 class;
	u16 type, machine, phentsize, phnum;
	u32 version;
	u64 entry, phoff;
};

/* Both classes name the fields alike; only their widths differ. */
#define ELF_INFO(cls, h)                      \
	((struct elf_info){                   \
		.class = (cls),               \
		.type = (h).e_type,           \
		.machine = (h).e_machine,     \
		.phentsize = (h).e_phentsize, \
		.phnum = (h).e_phnum,         \
		.version = (h).e_version,     \
		.entry = (h).e_entry,         \
		.phoff = (h).e_phoff,         \
	})

static void elf_read_ehdr(const u8 *f, struct elf_info *ei)
{
	if (f[EI_CLASS] == ELFCLASS32) {
		struct elf32_ehdr h;

		memcpy(&h, f, sizeof(h));
		*ei = ELF_INFO(ELFCLASS32, h);
	} else {
		struct elf64_ehdr h;

		memcpy(&h, f, sizeof(h));
		*ei = ELF_INFO(ELFCLASS64, h);
	}
}

static int elf_check_ident(const u8 *f, size_t size, char *err, size_t len)
{
	if (size < EI_NIDENT || f[EI_MAG0] != ELFMAG0 ||
	    f[EI_MAG1] != ELFMAG1 || f[EI_MAG2] != ELFMAG2 ||
	    f[EI_MAG3] != ELFMAG3) {
		ldr_err(err, len, "the image is not an ELF file (bad magic)");
		return -E_INVAL;
	}
	if (f[EI_CLASS] != ELFCLASS32 && f[EI_CLASS] != ELFCLASS64) {
		ldr_err(err, len, "the ELF class %u is neither 32 nor 64-bit",
			f[EI_CLASS]);
		return -E_NOSUPP;
	}
	if (f[EI_DATA] != ELFDATA2LSB || f[EI_VERSION] != EV_CURRENT) {
		ldr_err(err, len,
			"the ELF file is not little-endian version 1 (data %u, version %u)",
			f[EI_DATA], f[EI_VERSION]);
		return -E_NOSUPP;
	}
	if (size < (f[EI_CLASS] == ELFCLASS32 ? sizeof(struct elf32_ehdr) :
						sizeof(struct elf64_ehdr))) {
		ldr_err(err, len,
			"the ELF file is truncated: %lu bytes is shorter than its ELF header",
			(unsigned long)size);
		return -E_INVAL;
	}
	return 0;
}

static int elf_check_ehdr(const struct elf_info *ei, size_t size, char *err,
			  size_t len)
{
	bool is32 = ei->class == ELFCLASS32;
	u64 phsz = is32 ? sizeof(struct elf32_phdr) : sizeof(struct elf64_phdr);
	u64 table = (u64)ei->phnum * ei->phentsize;

	if (ei->machine != (is32 ? EM_386 : EM_X86_64) ||
	    ei->version != EV_CURRENT) {
		ldr_err(err, len,
			"the ELF%s file is for machine %u (version %u), not %s",
			is32 ? "32" : "64", ei->machine, ei->version,
			is32 ? "i386" : "x86-64");
		return -E_NOSUPP;
	}
	if (ei->type != ET_EXEC) {
		ldr_err(err, len,
			"the ELF file is not an executable (e_type %u); only ET_EXEC is supported",
			ei->type);
		return -E_NOSUPP;
	}
	if (!ei->phnum || ei->phnum == PN_XNUM || ei->phentsize < phsz) {
		ldr_err(err, len,
			"the ELF file has an unusable program header table (%u entries of %u bytes)",
			ei->phnum, ei->phentsize);
		return -E_INVAL;
	}
	if (ei->phoff > size || table > size - ei->phoff) {
		ldr_err(err, len,
			"the ELF program header table [%#lx, +%#lx) lies outside the %lu-byte file",
			ei->phoff, table, (unsigned long)size);
		return -E_INVAL;
	}
	return 0;
}

/* Program header @i as a segment; returns its p_type. */
static u32 elf_read_phdr(const u8 *f, const struct elf_info *ei, unsigned i,
			 struct l1_segment *s)
{
	const u8 *p = f + ei->phoff + (u64)i * ei->phentsize;

	if (ei->class == ELFCLASS32) {
		struct elf32_phdr h;

		memcpy(&h, p, sizeof(h));
		*s = (struct l1_segment){ h.p_offset, h.p_paddr, h.p_vaddr,
					  h.p_filesz, h.p_memsz, h.p_flags,
					  false };
		return h.p_type;
	} else {
		struct elf64_phdr h;

		memcpy(&h, p, sizeof(h));
		*s = (struct l1_segment){ h.p_offset, h.p_paddr, h.p_vaddr,
					  h.p_filesz, h.p_memsz, h.p_flags,
					  false };
		return h.p_type;
	}
}

static int elf_check_phdr(const struct l1_segment *s, unsigned i, u64 top,
			  size_t size, char *err, size_t len)
{
	if (s->file_off > size || s->filesz > size - s->file_off) {
		ldr_err(err, len,
			"ELF program header %u: its file bytes [%#lx, +%#lx) lie outside the %lu-byte file",
			i, s->file_off, s->filesz, (unsigned long)size);
		return -E_INVAL;
	}
	if (s->filesz > s->memsz) {
		ldr_err(err, len,
			"ELF program header %u: p_filesz %#lx exceeds p_memsz %#lx",
			i, s->filesz, s->memsz);
		return -E_INVAL;
	}
	if (s->paddr > top || s->memsz > top - s->paddr) {
		ldr_err(err, len,
			"ELF program header %u: p_paddr %#lx + p_memsz %#lx goes beyond the address space",
			i, s->paddr, s->memsz);
		return -E_RANGE;
	}
	return 0;
}

static int elf_read_segments(const u8 *f, size_t size,
			     const struct elf_info *ei, struct l1_image *img,
			     char *err, size_t len)
{
	/* ELF32 addresses end at 4 GiB; ELF64 at the top of the u64 range. */
	u64 top = ei->class == ELFCLASS32 ? LOADER_4G : ~0ULL;

	for (unsigned i = 0; i < ei->phnum; i++) {
		struct l1_segment s;
		int ret;

		if (elf_read_phdr(f, ei, i, &s) != PT_LOAD)
			continue;
		ret = elf_check_phdr(&s, i, top, size, err, len);
		if (ret)
			return ret;
		if (!s.memsz)
			continue;
		if (img->nr_segs == LOADER_MAX_SEGS) {
			ldr_err(err, len,
				"the ELF file has more than %u non-empty PT_LOAD segments",
				LOADER_MAX_SEGS);
			return -E_TOOBIG;
		}
		img->segs[img->nr_segs++] = s;
	}
	if (!img->nr_segs) {
		ldr_err(err, len,
			"the ELF file has no non-empty PT_LOAD segment");
		return -E_NOENT;
	}
	return 0;
}

/*
 * The ELF entry is virtual; multiboot loads at p_paddr, so translate it
 * through the executable segment that holds it, as GRUB does.
 */
static int elf_entry(const struct elf_info *ei, struct l1_image *img, char *err,
		     size_t len)
{
	for (unsigned i = 0; i < img->nr_segs; i++) {
		const struct l1_segment *s = &img->segs[i];

		if ((s->flags & PF_X) && ei->entry >= s->vaddr &&
		    ei->entry - s->vaddr < s->filesz) {
			img->entry = ei->entry - s->vaddr + s->paddr;
			return 0;
		}
	}
	ldr_err(err, len,
		"no entry: the ELF entry point %#lx is not inside the file bytes of an executable PT_LOAD segment",
		ei->entry);
	return -E_NOENT;
}

int loader_parse_elf(const void *file, size_t size, struct l1_image *img,
		     char *err, size_t errlen)
{
	const u8 *f = file;
	struct elf_info ei;
	int ret;

	img->nr_segs = 0;
	ret = elf_check_ident(f, size, err, errlen);
	if (ret)
		return ret;
	elf_read_ehdr(f, &ei);
	ret = elf_check_ehdr(&ei, size, err, errlen);
	if (!ret)
		ret = elf_read_segments(f, size, &ei, img, err, errlen);
	if (!ret)
		ret = elf_entry(&ei, img, err, errlen);
	if (!ret)
		img->elf_class = ei.class;
	return ret;
}

/* ---- segments from the header's address fields ---- */

/* Multiboot 0.6.96 3.1.3 (and Multiboot2 3.1.5, where load_addr -1 means
 * "from the start of the file"): the file offset to load from. */
static int addr_load_offset(const struct l1_image *img, u64 *load_addr,
			    u64 *off, char *err, size_t len)
{
	const struct l1_addr_fields *a = &img->addr;

	*load_addr = a->load_addr;
	if (img->proto == BOOT_PROTO_MB2 && a->load_addr == 0xffffffffu)
		*load_addr = (u64)a->header_addr - img->hdr_off;
	if (*load_addr > a->header_addr ||
	    a->header_addr - *load_addr > img->hdr_off) {
		ldr_err(err, len,
			"the header's load_addr %#x and header_addr %#x put the load start outside the file",
			a->load_addr, a->header_addr);
		return -E_INVAL;
	}
	*off = img->hdr_off - (a->header_addr - *load_addr);
	return 0;
}

static int addr_segment(struct l1_image *img, size_t size, char *err,
			size_t len)
{
	const struct l1_addr_fields *a = &img->addr;
	u64 load_addr, off, filesz, memsz;
	int ret = addr_load_offset(img, &load_addr, &off, err, len);

	if (ret)
		return ret;
	filesz = a->load_end_addr ? (u64)a->load_end_addr - load_addr :
				    size - off;
	if (a->load_end_addr &&
	    (a->load_end_addr < load_addr || filesz > size - off)) {
		ldr_err(err, len,
			"the header's load_end_addr %#x does not lie between load_addr and the end of the %lu-byte file",
			a->load_end_addr, (unsigned long)size);
		return -E_INVAL;
	}
	memsz = a->bss_end_addr ? (u64)a->bss_end_addr - load_addr : filesz;
	if ((a->bss_end_addr && a->bss_end_addr < load_addr + filesz) ||
	    !memsz || load_addr + memsz > LOADER_4G) {
		ldr_err(err, len,
			"the header's address fields describe no valid load range (load %#lx, +%#lx bytes, bss_end_addr %#x)",
			load_addr, filesz, a->bss_end_addr);
		return -E_INVAL;
	}
	img->segs[0] = (struct l1_segment){
		.file_off = off,
		.paddr = load_addr,
		.vaddr = load_addr,
		.filesz = filesz,
		.memsz = memsz,
		.flags = PF_R | PF_W | PF_X,
	};
	img->nr_segs = 1;
	return 0;
}

/* ---- whole-image validation ---- */

static bool ranges_overlap(u64 a0, u64 a1, u64 b0, u64 b1)
{
	return a0 < b1 && b0 < a1;
}

static int check_overlaps(const struct l1_image *img, char *err, size_t len)
{
	for (unsigned i = 0; i < img->nr_segs; i++) {
		const struct l1_segment *a = &img->segs[i];

		for (unsigned j = i + 1; j < img->nr_segs; j++) {
			const struct l1_segment *b = &img->segs[j];

			if (!ranges_overlap(a->paddr, a->paddr + a->memsz,
					    b->paddr, b->paddr + b->memsz))
				continue;
			ldr_err(err, len,
				"segments overlap: segment %u [%#lx, %#lx) and segment %u [%#lx, %#lx)",
				i, a->paddr, a->paddr + a->memsz, j, b->paddr,
				b->paddr + b->memsz);
			return -E_INVAL;
		}
	}
	return 0;
}

/* Multiboot 3.2: entered in 32-bit protected mode at a loaded byte. */
static int check_entry(struct l1_image *img, char *err, size_t len)
{
	bool inside = false;

	if (img->has_entry)
		img->entry = img->entry_addr;
	for (unsigned i = 0; i < img->nr_segs; i++) {
		const struct l1_segment *s = &img->segs[i];

		if ((s->flags & PF_X) && img->entry >= s->paddr &&
		    img->entry - s->paddr < s->filesz)
			inside = true;
	}
	if (!inside) {
		ldr_err(err, len,
			"no entry: the entry point %#lx is not inside the file bytes of an executable segment",
			img->entry);
		return -E_NOENT;
	}
	if (img->entry >= LOADER_4G) {
		ldr_err(err, len,
			"the entry point %#lx is above 4 GiB; multiboot kernels start in 32-bit protected mode",
			img->entry);
		return -E_RANGE;
	}
	return 0;
}

int loader_open(const void *file, size_t size, struct l1_image *img, char *err,
		size_t errlen)
{
	int ret = loader_probe(file, size, img, err, errlen);

	if (ret)
		return ret;
	if (img->has_addr)
		ret = addr_segment(img, size, err, errlen);
	else
		ret = loader_parse_elf(file, size, img, err, errlen);
	if (!ret)
		ret = check_overlaps(img, err, errlen);
	if (!ret)
		ret = check_entry(img, err, errlen);
	if (ret) {
		img->proto = BOOT_PROTO_NONE;
		return ret;
	}
	img->load_base = img->segs[0].paddr;
	for (unsigned i = 1; i < img->nr_segs; i++)
		img->load_base = MIN(img->load_base, img->segs[i].paddr);
	return 0;
}

/* ---- placement ---- */

/* Whether [a, b) lies in the union of @r; else *hole = first gap. */
static bool covered(u64 a, u64 b, const struct mem_range *r, unsigned n,
		    u64 *hole)
{
	while (a < b) {
		unsigned i;

		for (i = 0; i < n; i++)
			if (r[i].start <= a && a < r[i].end)
				break;
		if (i == n) {
			*hole = a;
			return false;
		}
		a = r[i].end; /* strictly grows: at most n rounds */
	}
	return true;
}

int loader_check_named(const struct l1_image *img, const struct mem_range *ram,
		       unsigned nr_ram, const struct mem_range *forbidden,
		       const char *const *names, unsigned nr_forbidden,
		       char *err, size_t errlen)
{
	for (unsigned i = 0; i < img->nr_segs; i++) {
		u64 a = img->segs[i].paddr, b = a + img->segs[i].memsz, hole;

		if (!covered(a, b, ram, nr_ram, &hole)) {
			ldr_err(err, errlen,
				"segment %u [%#lx, %#lx) is not inside L1's RAM (%#lx is not usable RAM)",
				i, a, b, hole);
			return -E_RANGE;
		}
		for (unsigned j = 0; j < nr_forbidden; j++) {
			const struct mem_range *f = &forbidden[j];

			if (!ranges_overlap(a, b, f->start, f->end))
				continue;
			ldr_err(err, errlen,
				"segment %u [%#lx, %#lx) overlaps %s [%#lx, %#lx)",
				i, a, b,
				names && names[j] ? names[j] :
						    "a reserved range",
				f->start, f->end);
			return -E_BUSY;
		}
	}
	return 0;
}

int loader_check(const struct l1_image *img, const struct mem_range *ram,
		 unsigned nr_ram, const struct mem_range *forbidden,
		 unsigned nr_forbidden, char *err, size_t errlen)
{
	return loader_check_named(img, ram, nr_ram, forbidden, NULL,
				  nr_forbidden, err, errlen);
}

bool loader_src_overlaps(const struct l1_image *img, gpa_t src, u64 len)
{
	u64 end = len > ~0ULL - src ? ~0ULL : src + len;

	for (unsigned i = 0; i < img->nr_segs; i++) {
		const struct l1_segment *s = &img->segs[i];

		if (ranges_overlap(s->paddr, s->paddr + s->memsz, src, end))
			return true;
	}
	return false;
}

struct free_search {
	const struct l1_image *img;
	const struct mem_range *ram, *avoid;
	unsigned nr_ram, nr_avoid;
	u64 size, align, lo, hi, best;
	bool highest, found;
};

static bool free_fits(const struct free_search *fs, u64 at)
{
	u64 end = at + fs->size, hole;

	if (at < fs->lo || at > fs->hi - fs->size ||
	    !covered(at, end, fs->ram, fs->nr_ram, &hole))
		return false;
	for (unsigned i = 0; i < fs->nr_avoid; i++)
		if (ranges_overlap(at, end, fs->avoid[i].start,
				   fs->avoid[i].end))
			return false;
	return !fs->img || !loader_src_overlaps(fs->img, at, fs->size);
}

static void free_take(struct free_search *fs, u64 at)
{
	if (fs->found && (fs->highest ? at <= fs->best : at >= fs->best))
		return;
	if (free_fits(fs, at)) {
		fs->best = at;
		fs->found = true;
	}
}

/*
 * The lowest aligned fit starts at the aligned-up bound, RAM start or
 * obstacle end just below it; the highest ends at the bound, a RAM end or
 * an obstacle start just above it (aligned down). @b is such a boundary.
 */
static void free_try(struct free_search *fs, u64 b)
{
	if (!fs->highest) {
		if (b <= fs->hi && b <= ~0ULL - fs->align)
			free_take(fs, ALIGN_UP(b, fs->align));
	} else if (b >= fs->size) {
		free_take(fs, ALIGN_DOWN(b - fs->size, fs->align));
	}
}

int loader_find_free_in(const struct l1_image *img, const struct mem_range *ram,
			unsigned nr_ram, const struct mem_range *avoid,
			unsigned nr_avoid, const struct free_req *req,
			gpa_t *out)
{
	struct free_search fs = { img,	  ram,		avoid,
				  nr_ram, nr_avoid,	0,
				  0,	  req->lo,	req->hi,
				  0,	  req->highest, false };

	if (!req->size || req->align < PAGE_SIZE ||
	    (req->align & (req->align - 1)) || req->hi > LOADER_4G ||
	    req->lo >= req->hi)
		return -E_INVAL;
	fs.size = ALIGN_UP(req->size, PAGE_SIZE);
	fs.align = req->align;
	if (fs.size > fs.hi - fs.lo)
		return -E_NOMEM;
	free_try(&fs, fs.highest ? fs.hi : fs.lo);
	for (unsigned i = 0; i < nr_ram; i++)
		free_try(&fs,
			 fs.highest ? MIN(ram[i].end, fs.hi) : ram[i].start);
	for (unsigned i = 0; i < nr_avoid; i++)
		free_try(&fs, fs.highest ? avoid[i].start : avoid[i].end);
	for (unsigned i = 0; img && i < img->nr_segs; i++) {
		const struct l1_segment *s = &img->segs[i];

		free_try(&fs, fs.highest ? s->paddr : s->paddr + s->memsz);
	}
	if (!fs.found)
		return -E_NOMEM;
	*out = fs.best;
	return 0;
}

int loader_find_free(const struct l1_image *img, const struct mem_range *ram,
		     unsigned nr_ram, const struct mem_range *avoid,
		     unsigned nr_avoid, u64 size, gpa_t *out)
{
	const struct free_req req = { size, PAGE_SIZE, LOADER_FREE_MIN,
				      LOADER_4G, false };

	if (!size || size > LOADER_4G)
		return -E_INVAL;
	return loader_find_free_in(img, ram, nr_ram, avoid, nr_avoid, &req,
				   out);
}

int loader_place_modules(const struct l1_image *img,
			 const struct mem_range *ram, unsigned nr_ram,
			 const struct mem_range *avoid, unsigned nr_avoid,
			 const struct boot_module *mods, unsigned n,
			 struct boot_module *out)
{
	struct mem_range busy[LOADER_MAX_AVOID + 2 * LOADER_MAX_MODS + 1];
	unsigned nb = 0;

	if (!img || (n && (!mods || !out)) || (nr_avoid && !avoid))
		return -E_INVAL;
	if (n > LOADER_MAX_MODS || nr_avoid > LOADER_MAX_AVOID)
		return -E_TOOBIG;
	for (unsigned i = 0; i < nr_avoid; i++)
		busy[nb++] = avoid[i];
	/* Where GRUB puts modules too: the first MiB is left to firmware
	 * and real-mode uses. */
	busy[nb++] = (struct mem_range){ 0, LOADER_MODS_MIN };
	for (unsigned i = 0; i < n; i++) {
		if (mods[i].end < mods[i].start || mods[i].end > LOADER_4G)
			return -E_RANGE;
		busy[nb++] = (struct mem_range){ mods[i].start, mods[i].end };
	}
	for (unsigned i = 0; i < n; i++) {
		u64 size = mods[i].end - mods[i].start;
		gpa_t at = mods[i].start;
		int ret;

		out[i] = mods[i];
		if (!size || !loader_src_overlaps(img, at, size))
			continue;
		ret = loader_find_free(img, ram, nr_ram, busy, nb, size, &at);
		if (ret)
			return ret;
		out[i].start = at;
		out[i].end = at + size;
		busy[nb++] = (struct mem_range){ at, at + size };
	}
	return 0;
}

/* ---- loading ---- */

int loader_load(const struct l1_image *img, const void *file, size_t size,
		const struct loader_mem_ops *ops, void *ctx)
{
	const u8 *f = file;

	if (img->proto == BOOT_PROTO_NONE || !img->nr_segs)
		return -E_INVAL;
	for (unsigned i = 0; i < img->nr_segs; i++) {
		const struct l1_segment *s = &img->segs[i];
		int ret = 0;

		if (s->file_off > size || s->filesz > size - s->file_off ||
		    s->filesz > s->memsz)
			return -E_INVAL;
		if (s->filesz)
			ret = ops->write(ctx, s->paddr, f + s->file_off,
					 s->filesz);
		if (!ret && s->memsz > s->filesz && !s->no_zero)
			ret = ops->zero(ctx, s->paddr + s->filesz,
					s->memsz - s->filesz);
		if (ret)
			return ret;
	}
	return 0;
}
