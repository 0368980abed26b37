// SPDX-License-Identifier: MIT
/*
 * The L1 guest loader's second half (hv/loader.h): the Multiboot and
 * Multiboot2 boot information L1 receives and the CPU state it starts in.
 * Inputs come from Modex (already validated), not from the image.
 */
#include "hv/loader.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/vcpu.h"

/* ---- boot information ---- */

/* Appends to a caller buffer; past its end only the size is counted. */
struct ibuf {
	u8 *buf;
	size_t len, pos;
};

/* Reserve @n bytes at @align; fills the padding and the bytes with 0. */
static size_t ib_alloc(struct ibuf *b, size_t n, size_t align)
{
	size_t start = b->pos, at = ALIGN_UP(b->pos, align);

	b->pos = at + n;
	if (b->buf && b->pos <= b->len)
		memset(b->buf + start, 0, b->pos - start);
	return at;
}

static void ib_put(struct ibuf *b, size_t at, const void *src, size_t n)
{
	if (b->buf && at + n <= b->len)
		memcpy(b->buf + at, src, n);
}

static void ib_put32(struct ibuf *b, size_t at, u32 v)
{
	ib_put(b, at, &v, sizeof(v));
}

static void ib_put64(struct ibuf *b, size_t at, u64 v)
{
	ib_put(b, at, &v, sizeof(v));
}

static size_t ib_str(struct ibuf *b, const char *s, size_t align)
{
	size_t n = strlen(s) + 1, at = ib_alloc(b, n, align);

	ib_put(b, at, s, n);
	return at;
}

static int ib_finish(const struct ibuf *b, gpa_t base, size_t *used)
{
	*used = b->pos;
	if (!b->buf || b->pos > b->len)
		return -E_TOOBIG;
	if (base > LOADER_4G - b->pos)
		return -E_RANGE;
	return 0;
}

/* End of the run of available memory that contains @a (or @a). */
static u64 avail_run_end(const struct boot_info_params *p, u64 a)
{
	for (unsigned step = 0; step <= p->nr_mmap; step++) {
		unsigned i;

		for (i = 0; i < p->nr_mmap; i++) {
			const struct l1_mem_region *r = &p->mmap[i];

			if (r->type == L1_MEM_AVAILABLE && a >= r->base &&
			    a - r->base < r->len)
				break;
		}
		if (i == p->nr_mmap)
			return a;
		a = p->mmap[i].len > ~0ULL - p->mmap[i].base ?
			    ~0ULL :
			    p->mmap[i].base + p->mmap[i].len;
	}
	return a;
}

/*
 * Multiboot 0.6.96 3.3: mem_lower is KiB of memory from 0 (at most 640),
 * mem_upper KiB from 1 MiB up to the first hole. Multiboot2 3.6.3 reuses
 * them for the basic memory information tag.
 */
static void meminfo(const struct boot_info_params *p, u32 *lower, u32 *upper)
{
	u64 lo = MIN(avail_run_end(p, 0), 640ULL << 10);
	u64 hi = avail_run_end(p, 1ULL << 20) - (1ULL << 20);

	*lower = (u32)(lo >> 10);
	*upper = (u32)MIN(hi >> 10, 0xffffffffULL);
}

static int check_params(const struct boot_info_params *p, gpa_t base,
			size_t *used)
{
	if (!p || !used || !IS_ALIGNED(base, 8) || (p->nr_mmap && !p->mmap) ||
	    (p->nr_mods && !p->mods) || (p->nr_efi && !p->efi_mmap) ||
	    p->nr_efi > 0x10000)
		return -E_INVAL;
	if (p->rsdp && (p->rsdp_len < 20 || p->rsdp_len > PAGE_SIZE))
		return -E_INVAL;
	if (p->has_load_base && p->load_base >= LOADER_4G)
		return -E_RANGE;
	for (unsigned i = 0; i < p->nr_mods; i++)
		if (p->mods[i].end < p->mods[i].start ||
		    p->mods[i].end > LOADER_4G)
			return -E_RANGE;
	return 0;
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

/* Multiboot2 3.6.1: a tag is type, size (without padding), payload. */
static size_t mb2_tag(struct ibuf *b, u32 type, size_t payload)
{
	size_t at = ib_alloc(b, 8 + payload, 8);

	ib_put32(b, at, type);
	ib_put32(b, at + 4, (u32)(8 + payload));
	return at + 8;
}

static void mb2_tag_str(struct ibuf *b, u32 type, const char *s)
{
	size_t n = strlen(s) + 1;

	ib_put(b, mb2_tag(b, type, n), s, n);
}

/* Multiboot2 3.6.8: entry_size 24, entry_version 0, then the entries. */
static void mb2_tag_mmap(struct ibuf *b, const struct boot_info_params *p)
{
	size_t at = mb2_tag(b, MBI2_MMAP, 8 + 24 * (size_t)p->nr_mmap);

	ib_put32(b, at, 24);
	ib_put32(b, at + 4, 0);
	for (unsigned i = 0; i < p->nr_mmap; i++) {
		size_t e = at + 8 + 24 * (size_t)i;

		ib_put64(b, e, p->mmap[i].base);
		ib_put64(b, e + 8, p->mmap[i].len);
		ib_put32(b, e + 16, p->mmap[i].type);
	}
}

/* Multiboot2 3.6.6: mod_start, mod_end (exclusive, as GRUB), string. */
static void mb2_tag_module(struct ibuf *b, const struct boot_module *m)
{
	const char *s = str_or_empty(m->string);
	size_t n = strlen(s) + 1, at = mb2_tag(b, MBI2_MODULE, 8 + n);

	ib_put32(b, at, (u32)m->start);
	ib_put32(b, at + 4, (u32)m->end);
	ib_put(b, at + 8, s, n);
}

/* Multiboot2 3.6.12/3.6.13: copies of the RSDP (1.0 and 2.0+). */
static void mb2_tag_acpi(struct ibuf *b, const struct boot_info_params *p)
{
	const u8 *r = p->rsdp;

	ib_put(b, mb2_tag(b, MBI2_ACPI_OLD, 20), r, 20);
	/* ACPI 6.5 5.2.5.3: revision 2+ adds the 36-byte extended form. */
	if (p->rsdp_len >= 36 && r[15] >= 2)
		ib_put(b, mb2_tag(b, MBI2_ACPI_NEW, p->rsdp_len), r,
		       p->rsdp_len);
}

/* Multiboot2 3.6.14/3.6.15: the EFI64 system table pointer and the EFI
 * memory map (descriptor size, version 1, UEFI 2.10 7.2.3 descriptors). */
static void mb2_tag_efi(struct ibuf *b, const struct boot_info_params *p)
{
	const size_t dsize = sizeof(struct efi_memory_desc);
	size_t at;

	if (p->efi_systab)
		ib_put64(b, mb2_tag(b, MBI2_EFI64_SYSTAB, 8), p->efi_systab);
	if (!p->nr_efi)
		return;
	at = mb2_tag(b, MBI2_EFI_MMAP, 8 + dsize * p->nr_efi);
	ib_put32(b, at, (u32)dsize);
	ib_put32(b, at + 4, EFI_MEMORY_DESCRIPTOR_VERSION);
	ib_put(b, at + 8, p->efi_mmap, dsize * p->nr_efi);
}

int mb2_build_info(const struct boot_info_params *p, gpa_t base, void *buf,
		   size_t len, size_t *used)
{
	struct ibuf b = { buf, buf ? len : 0, 0 };
	size_t at;
	u32 lower, upper;
	int ret = check_params(p, base, used);

	if (ret)
		return ret;
	ib_alloc(&b, 8, 8); /* total_size, reserved (3.4.1) */
	mb2_tag_str(&b, MBI2_CMDLINE, str_or_empty(p->cmdline));
	mb2_tag_str(&b, MBI2_LOADER_NAME, "Modex");
	meminfo(p, &lower, &upper);
	at = mb2_tag(&b, MBI2_MEMINFO, 8);
	ib_put32(&b, at, lower);
	ib_put32(&b, at + 4, upper);
	mb2_tag_mmap(&b, p);
	for (unsigned i = 0; i < p->nr_mods; i++)
		mb2_tag_module(&b, &p->mods[i]);
	if (p->rsdp)
		mb2_tag_acpi(&b, p);
	mb2_tag_efi(&b, p);
	if (p->has_load_base)
		ib_put32(&b, mb2_tag(&b, MBI2_LOAD_BASE, 4), (u32)p->load_base);
	mb2_tag(&b, MBI2_END, 0);
	ib_put32(&b, 0, (u32)b.pos);
	return ib_finish(&b, base, used);
}

/* Multiboot 0.6.96 3.3: the information structure up to the framebuffer. */
struct mb1_info {
	u32 flags; /* 0 */
	u32 mem_lower; /* 4 */
	u32 mem_upper; /* 8 */
	u32 boot_device; /* 12 */
	u32 cmdline; /* 16 */
	u32 mods_count; /* 20 */
	u32 mods_addr; /* 24 */
	u32 syms[4]; /* 28 */
	u32 mmap_length; /* 44 */
	u32 mmap_addr; /* 48 */
	u32 drives_length; /* 52 */
	u32 drives_addr; /* 56 */
	u32 config_table; /* 60 */
	u32 boot_loader_name; /* 64 */
	u32 apm_table; /* 68 */
	u32 vbe[4]; /* 72 */
	u64 fb_addr; /* 88 */
	u32 fb_pitch, fb_width, fb_height; /* 96 */
	u8 fb_bpp, fb_type; /* 108 */
	u8 color_info[6]; /* 110 */
} __packed;
_Static_assert(offsetof(struct mb1_info, mods_addr) == 24, "mb1_info");
_Static_assert(offsetof(struct mb1_info, mmap_length) == 44, "mb1_info");
_Static_assert(offsetof(struct mb1_info, boot_loader_name) == 64, "mb1_info");
_Static_assert(offsetof(struct mb1_info, fb_addr) == 88, "mb1_info");
_Static_assert(sizeof(struct mb1_info) == 116, "mb1_info");

#define MB1I_MEMORY BIT(0)
#define MB1I_CMDLINE BIT(2)
#define MB1I_MODS BIT(3)
#define MB1I_MMAP BIT(6)
#define MB1I_LOADER_NAME BIT(9)
#define MB1I_MOD_SIZE 16 /* mod_start, mod_end, string, reserved */
#define MB1I_MMAP_SIZE 24 /* size (20), base_addr, length, type */

static void mb1_mods(struct ibuf *b, const struct boot_info_params *p,
		     gpa_t base, struct mb1_info *mi)
{
	size_t arr = ib_alloc(b, MB1I_MOD_SIZE * (size_t)p->nr_mods, 8);

	mi->mods_count = p->nr_mods;
	mi->mods_addr = (u32)(base + arr);
	for (unsigned i = 0; i < p->nr_mods; i++) {
		const struct boot_module *m = &p->mods[i];
		size_t s = ib_str(b, str_or_empty(m->string), 1);
		size_t e = arr + MB1I_MOD_SIZE * (size_t)i;

		ib_put32(b, e, (u32)m->start);
		ib_put32(b, e + 4, (u32)m->end);
		ib_put32(b, e + 8, (u32)(base + s));
	}
}

/* Multiboot 0.6.96 3.3: mmap_addr points at the first entry's size. */
static void mb1_mmap(struct ibuf *b, const struct boot_info_params *p,
		     gpa_t base, struct mb1_info *mi)
{
	size_t arr = ib_alloc(b, MB1I_MMAP_SIZE * (size_t)p->nr_mmap, 8);

	mi->mmap_addr = (u32)(base + arr);
	mi->mmap_length = MB1I_MMAP_SIZE * p->nr_mmap;
	for (unsigned i = 0; i < p->nr_mmap; i++) {
		size_t e = arr + MB1I_MMAP_SIZE * (size_t)i;

		ib_put32(b, e, MB1I_MMAP_SIZE - 4);
		ib_put64(b, e + 4, p->mmap[i].base);
		ib_put64(b, e + 12, p->mmap[i].len);
		ib_put32(b, e + 20, p->mmap[i].type);
	}
}

int mb1_build_info(const struct boot_info_params *p, gpa_t base, void *buf,
		   size_t len, size_t *used)
{
	struct ibuf b = { buf, buf ? len : 0, 0 };
	struct mb1_info mi = { 0 };
	u32 lower, upper;
	int ret = check_params(p, base, used);

	if (ret)
		return ret;
	ib_alloc(&b, sizeof(mi), 8);
	mi.flags = MB1I_MEMORY | MB1I_CMDLINE | MB1I_MODS | MB1I_MMAP |
		   MB1I_LOADER_NAME;
	meminfo(p, &lower, &upper);
	mi.mem_lower = lower;
	mi.mem_upper = upper;
	mi.cmdline = (u32)(base + ib_str(&b, str_or_empty(p->cmdline), 1));
	mi.boot_loader_name = (u32)(base + ib_str(&b, "Modex", 1));
	mb1_mods(&b, p, base, &mi);
	mb1_mmap(&b, p, base, &mi);
	ib_put(&b, 0, &mi, sizeof(mi));
	return ib_finish(&b, base, used);
}

int loader_build_info(const struct l1_image *img,
		      const struct boot_info_params *p, gpa_t base, void *buf,
		      size_t len, size_t *used)
{
	switch (img->proto) {
	case BOOT_PROTO_MB2:
		return mb2_build_info(p, base, buf, len, used);
	case BOOT_PROTO_MB1:
		return mb1_build_info(p, base, buf, len, used);
	default:
		return -E_INVAL;
	}
}

/* ---- initial CPU state ---- */

/* SDM Vol. 3A 3.4.5: limit 0xfffff x 4 KiB, base 0, access, G and D/B. */
#define GDT_FLAT(access) \
	(0x00cf000000000000ULL | 0xffffULL | ((u64)(access) << 40))

void loader_gdt(u64 gdt[LOADER_GDT_ENTRIES])
{
	gdt[0] = 0;
	gdt[BOOT_SEL_CODE / 8] = GDT_FLAT(BOOT_AR_CODE32 & 0xff);
	gdt[BOOT_SEL_DATA / 8] = GDT_FLAT(BOOT_AR_DATA32 & 0xff);
}

/*
 * Multiboot 0.6.96 3.2 and Multiboot2 1.0 3.3 (I386 machine state): EAX
 * magic, EBX info address, flat 4 GiB CS (execute/read) and data segments,
 * CR0.PE=1 and PG=0, EFLAGS.VM=0 and IF=0; ESP, GDTR, IDTR undefined.
 * CR0.ET is set as on every CPU since the i486 (SDM Vol. 3A 2.5).
 */
void loader_initial_state(const struct l1_image *img, gpa_t info_gpa,
			  gpa_t gdt_gpa, struct boot_cpu_state *st)
{
	struct boot_seg data = { BOOT_SEL_DATA, BOOT_AR_DATA32, 0xffffffffu,
				 0 };

	memset(st, 0, sizeof(*st));
	st->rip = img->entry;
	st->rax = img->proto == BOOT_PROTO_MB2 ? LOADER_MB2_MAGIC :
						 LOADER_MB1_MAGIC;
	st->rbx = info_gpa;
	st->rflags = 0x2; /* bit 1 is reserved as 1 */
	st->cr0 = X86_CR0_PE | X86_CR0_ET;
	st->cs = (struct boot_seg){ BOOT_SEL_CODE, BOOT_AR_CODE32, 0xffffffffu,
				    0 };
	st->ds = st->es = st->fs = st->gs = st->ss = data;
	/* A usable busy TSS keeps VM entry checks happy (SDM 26.3.1.2). */
	st->tr = (struct boot_seg){ 0, BOOT_AR_TSS32_BUSY, 0xffff, 0 };
	if (gdt_gpa)
		st->gdtr = (struct boot_dtr){ gdt_gpa, LOADER_GDT_SIZE - 1 };
}

#define INIT_AR_CODE 0x009b /* present, code, execute/read, accessed */
#define INIT_AR_DATA 0x0093 /* present, data, read/write, accessed */
#define INIT_AR_LDT 0x0082 /* present, LDT */
#define INIT_AR_TSS 0x008b /* present, busy 16/32-bit TSS */

void loader_init_state(struct boot_cpu_state *st, u64 cr0, u32 signature)
{
	struct boot_seg data = { 0, INIT_AR_DATA, 0xffff, 0 };

	memset(st, 0, sizeof(*st));
	st->rip = 0xfff0;
	st->rdx = signature;
	st->rflags = 0x2;
	st->cr0 = (cr0 & (X86_CR0_CD | X86_CR0_NW)) | X86_CR0_ET;
	st->cs = (struct boot_seg){ 0xf000, INIT_AR_CODE, 0xffff, 0xffff0000 };
	st->ds = st->es = st->fs = st->gs = st->ss = data;
	st->ldtr = (struct boot_seg){ 0, INIT_AR_LDT, 0xffff, 0 };
	st->tr = (struct boot_seg){ 0, INIT_AR_TSS, 0xffff, 0 };
	st->gdtr = (struct boot_dtr){ 0, 0xffff };
	st->idtr = (struct boot_dtr){ 0, 0xffff };
}

void loader_sipi_state(struct boot_cpu_state *st, u8 vector)
{
	st->cs.sel = (u16)(vector << 8);
	st->cs.base = (u64)vector << 12;
	st->rip = 0;
}

void loader_initial_regs(const struct boot_cpu_state *st, struct guest_regs *r)
{
	/* RFLAGS bit 1 is reserved as 1 (SDM Vol. 1 3.4.3). */
	*r = (struct guest_regs){
		.rax = st->rax,
		.rbx = st->rbx,
		.rdx = st->rdx,
		.rsi = st->rsi,
		.rsp = st->rsp,
		.rip = st->rip,
		.rflags = st->rflags | BIT(1),
	};
}
