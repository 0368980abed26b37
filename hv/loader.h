/* SPDX-License-Identifier: MIT */
/*
 * Vendor-neutral L1 guest loader: finds the Multiboot2 or Multiboot1
 * header of the L1 image, reads its ELF program headers (or the header's
 * address fields), checks where it would land against L1's RAM and Modex's
 * memory, loads it through injected memory callbacks, builds the boot
 * information its protocol defines and describes the CPU state it must be
 * entered in. Pure logic: no hardware access, builds freestanding and
 * hosted. L1 is identity-mapped, so an L1 GPA equals the HPA.
 *
 * Typical use (hv/ boot code):
 *   loader_open(file, size, &img, err, len);            parse and validate
 *   loader_check_named(&img, ram, n, modex, names, m, err, len);
 *   if (loader_src_overlaps(&img, file_gpa, size))      relocate the module
 *           first (e.g. to loader_find_free(..., size, ...));
 *   loader_load(&img, file, size, &ops, ctx);
 *   loader_build_info(&img, &params, 0, NULL, 0, &need);  size only
 *   loader_find_free(&img, ram, n, avoid, m, need + LOADER_GDT_SIZE, &gpa);
 *   loader_build_info(&img, &params, gpa, buf, need, &need); copy to gpa
 *   loader_gdt(gdt); copy to gdt_gpa = gpa + ALIGN_UP(need, 8)
 *   loader_initial_state(&img, gpa, gdt_gpa, &state);   to VMCB/VMCS
 */
#ifndef MODEX_HV_LOADER_H
#define MODEX_HV_LOADER_H

#include "hv/include/types.h"
#include "hv/multiboot2.h"
#include "mm/frame.h"

/* EAX at the kernel's entry (Multiboot 0.6.96 3.2; Multiboot2 1.0 3.3). */
#define LOADER_MB1_MAGIC 0x2badb002u
#define LOADER_MB2_MAGIC 0x36d76289u
/* Where each header must lie (Multiboot 0.6.96 3.1; Multiboot2 1.0 3.1). */
#define LOADER_MB1_SEARCH 8192u
#define LOADER_MB2_SEARCH 32768u

#define LOADER_MAX_SEGS 16
/* Boot information, the GDT and the image are all below 4 GiB. */
#define LOADER_4G 0x100000000ULL
/* Lowest address loader_find_free() hands out (keeps the IVT/BDA area). */
#define LOADER_FREE_MIN 0x10000ULL

enum boot_proto {
	BOOT_PROTO_NONE = 0,
	BOOT_PROTO_MB1 = 1,
	BOOT_PROTO_MB2 = 2,
	BOOT_PROTO_LINUX = 3, /* x86 boot protocol bzImage (hv/bzimage.h) */
};

/* Things the image asked for that Modex accepted without providing. */
#define LOADER_NOTE_VIDEO BIT(0) /* MB1 flag 2, optional MB2 fb tag */
#define LOADER_NOTE_RELOCATABLE BIT(1) /* MB2 tag 10: loaded at link addr */
#define LOADER_NOTE_EFI BIT(2) /* MB2 tags 7-9: BIOS-style boot */
#define LOADER_NOTE_OPTIONAL BIT(3) /* unknown optional MB2 tag/request */

/* One loadable piece of the image: file bytes then zeroes (bss). */
struct l1_segment {
	u64 file_off; /* offset of the file bytes in the image */
	gpa_t paddr; /* load address in L1 (multiboot: ELF p_paddr) */
	u64 vaddr; /* ELF p_vaddr (== paddr for address-field loads) */
	u64 filesz; /* bytes copied from the file */
	u64 memsz; /* bytes occupied; memsz - filesz are zeroed */
	u32 flags; /* PF_R | PF_W | PF_X (hv/elf.h) */
	bool no_zero; /* memsz - filesz is only reserved, not zeroed */
};

/* The MB1 a.out kludge fields or the MB2 address tag (same meaning). */
struct l1_addr_fields {
	u32 header_addr, load_addr, load_end_addr, bss_end_addr;
};

/* What a bzImage's setup header says (Documentation/arch/x86/boot.rst). */
struct l1_linux {
	u16 version; /* protocol version, e.g. 0x020f */
	u8 loadflags;
	bool relocatable;
	u16 xloadflags;
	u32 hdr_end; /* file offset just past the setup header */
	u32 kernel_off, kernel_size; /* the protected-mode kernel's bytes */
	u32 kernel_alignment, initrd_addr_max, cmdline_size, init_size;
	u64 pref_address;
};

struct l1_image {
	enum boot_proto proto;
	u32 hdr_off; /* file offset of the multiboot header */
	u32 mb1_flags; /* MB1 header flags as read */
	u64 mb2_requests; /* MB2 info request: bit n = tag type n (n < 64) */
	u32 notes; /* LOADER_NOTE_* */
	bool mods_page_aligned; /* MB1 flag 0 / MB2 tag 6 */
	bool has_addr; /* load from addr (not ELF) */
	bool has_entry; /* entry_addr overrides ELF (MB1 kludge, MB2 tag 3) */
	u8 elf_class; /* ELFCLASS32/64; 0 when loaded from addr */
	struct l1_addr_fields addr;
	u32 entry_addr; /* from the header when has_entry */
	gpa_t entry; /* physical entry point (valid after loader_open) */
	gpa_t load_base; /* lowest segment address */
	unsigned nr_segs;
	struct l1_segment segs[LOADER_MAX_SEGS];
	struct l1_linux bz; /* BOOT_PROTO_LINUX only */
};

/*
 * All parsers take the image bytes (untrusted) and return 0 or a negative
 * E_* code; on error they write a whole sentence naming the problem into
 * err (always NUL-terminated when errlen > 0; err may be NULL).
 */

/* Find and validate the multiboot header; MB2 wins over MB1. */
int loader_probe(const void *file, size_t size, struct l1_image *img, char *err,
		 size_t errlen);
/* Read the ELF32 (i386) or ELF64 (x86-64) ET_EXEC program headers. */
int loader_parse_elf(const void *file, size_t size, struct l1_image *img,
		     char *err, size_t errlen);
/* Probe, read the segments (ELF or address fields), validate the entry. */
int loader_open(const void *file, size_t size, struct l1_image *img, char *err,
		size_t errlen);

/*
 * Placement: every segment must lie wholly inside the union of ram[]
 * (L1's usable RAM) and overlap no forbidden[] range (Modex's memory, the
 * module's own bytes if still needed, other modules, the boot info).
 * names[i] (may be NULL, as may names) labels forbidden[i] in messages.
 */
int loader_check(const struct l1_image *img, const struct mem_range *ram,
		 unsigned nr_ram, const struct mem_range *forbidden,
		 unsigned nr_forbidden, char *err, size_t errlen);
int loader_check_named(const struct l1_image *img, const struct mem_range *ram,
		       unsigned nr_ram, const struct mem_range *forbidden,
		       const char *const *names, unsigned nr_forbidden,
		       char *err, size_t errlen);

/*
 * Loading does not handle a source that overlaps a destination: the
 * caller must test this and copy the module elsewhere first (any range
 * loader_find_free() returns for the module's size is safe).
 */
bool loader_src_overlaps(const struct l1_image *img, gpa_t src, u64 len);

struct loader_mem_ops {
	int (*write)(void *ctx, gpa_t dst, const void *src, size_t len);
	int (*zero)(void *ctx, gpa_t dst, size_t len);
};

/* Copy each segment's file bytes and zero the rest; first error wins. */
int loader_load(const struct l1_image *img, const void *file, size_t size,
		const struct loader_mem_ops *ops, void *ctx);

/*
 * Lowest page-aligned range of size bytes in [LOADER_FREE_MIN, 4 GiB)
 * inside ram[] that overlaps no segment of img (may be NULL) and no
 * avoid[] range. -E_NOMEM when there is none.
 */
int loader_find_free(const struct l1_image *img, const struct mem_range *ram,
		     unsigned nr_ram, const struct mem_range *avoid,
		     unsigned nr_avoid, u64 size, gpa_t *out);

/* A free-range request: @size bytes (rounded up to pages) at a multiple
 * of @align (a power of two, at least a page) inside [lo, hi), hi <= 4 GiB;
 * the lowest such range, or the highest when @highest. */
struct free_req {
	u64 size, align, lo, hi;
	bool highest;
};

/* loader_find_free() with the constraints of @req. */
int loader_find_free_in(const struct l1_image *img, const struct mem_range *ram,
			unsigned nr_ram, const struct mem_range *avoid,
			unsigned nr_avoid, const struct free_req *req,
			gpa_t *out);

/* A further module handed to L1 (not the L1 image itself). */
struct boot_module {
	gpa_t start, end; /* end exclusive; both below 4 GiB */
	const char *string; /* its command line; NULL means "" */
};

#define LOADER_MAX_MODS 16
#define LOADER_MAX_AVOID 64
/* Lowest address a moved module is given (as GRUB places them). */
#define LOADER_MODS_MIN 0x100000ULL

/*
 * Where L1's modules go: out[i] = mods[i] (where the boot loader put it,
 * string kept) unless a segment of @img overlaps it; then the lowest free
 * range loader_find_free() gives at or above LOADER_MODS_MIN, clear of
 * @img, of @avoid[] and of every module's old and new place. Copying the moved modules in order (before
 * loading the image) then never overwrites a byte still to be read.
 * At most LOADER_MAX_MODS modules and LOADER_MAX_AVOID avoid ranges.
 * Returns 0, -E_TOOBIG, -E_INVAL or -E_NOMEM.
 */
int loader_place_modules(const struct l1_image *img,
			 const struct mem_range *ram, unsigned nr_ram,
			 const struct mem_range *avoid, unsigned nr_avoid,
			 const struct boot_module *mods, unsigned n,
			 struct boot_module *out);

/* Multiboot2 1.0 3.6: the information tags the builders emit (and the
 * only ones an image may require in its information request). */
enum mbi2_tag {
	MBI2_END = 0,
	MBI2_CMDLINE = 1,
	MBI2_LOADER_NAME = 2,
	MBI2_MODULE = 3,
	MBI2_MEMINFO = 4,
	MBI2_MMAP = 6,
	MBI2_ACPI_OLD = 14,
	MBI2_ACPI_NEW = 15,
	MBI2_EFI64_SYSTAB = 12, /* only on a UEFI boot (not requestable) */
	MBI2_EFI_MMAP = 17, /* only on a UEFI boot (not requestable) */
	MBI2_LOAD_BASE = 21,
};

/* Multiboot memory-map types (Multiboot 0.6.96 3.3; Multiboot2 3.6.8). */
enum l1_mem_type {
	L1_MEM_AVAILABLE = 1,
	L1_MEM_RESERVED = 2,
	L1_MEM_ACPI = 3,
	L1_MEM_NVS = 4,
	L1_MEM_BAD = 5,
};

struct l1_mem_region {
	u64 base, len;
	u32 type; /* enum l1_mem_type */
};

struct boot_info_params {
	const char *cmdline; /* L1's command line; NULL: "" */
	const struct l1_mem_region *mmap; /* L1's view, Modex excluded */
	unsigned nr_mmap;
	const struct boot_module *mods;
	unsigned nr_mods;
	const void *rsdp; /* ACPI RSDP to copy (MB2 only), NULL: none */
	size_t rsdp_len; /* 20 (ACPI 1.0) or its length field (>= 36) */
	bool has_load_base;
	gpa_t load_base; /* MB2 tag 21 when has_load_base */
	/* UEFI boots (MB2 only): the EFI64 system table (0: none) and L1's
	 * EFI memory map (40-byte descriptors; nr_efi 0: no tag 17). */
	u64 efi_systab;
	const struct efi_memory_desc *efi_mmap;
	unsigned nr_efi;
};

/*
 * Build the boot information for placement at GPA base (8-byte aligned,
 * the whole structure below 4 GiB) into buf. Every pointer inside is a
 * GPA computed from base. Returns 0 and *used = bytes written, or
 * -E_TOOBIG with *used = bytes needed (call with buf NULL, len 0 to size
 * it; the size does not depend on base), -E_INVAL/-E_RANGE on bad input.
 */
int mb2_build_info(const struct boot_info_params *p, gpa_t base, void *buf,
		   size_t len, size_t *used);
int mb1_build_info(const struct boot_info_params *p, gpa_t base, void *buf,
		   size_t len, size_t *used);
/* The builder for img->proto. */
int loader_build_info(const struct l1_image *img,
		      const struct boot_info_params *p, gpa_t base, void *buf,
		      size_t len, size_t *used);

/*
 * A segment register as a descriptor would load it. ar holds descriptor
 * bits 40-55 with the limit's bits 19:16 cleared (the VMX access-rights
 * layout; SVM packs it as ((ar >> 4) & 0xf00) | (ar & 0xff)); ar == 0
 * means a null, unusable selector. limit is the byte-granular limit.
 */
struct boot_seg {
	u16 sel;
	u16 ar;
	u32 limit;
	u64 base;
};

#define BOOT_AR_CODE32 0xc09b /* G, D, P, DPL0, S, execute/read accessed */
#define BOOT_AR_DATA32 0xc093 /* G, B, P, DPL0, S, read/write accessed */
#define BOOT_AR_TSS32_BUSY 0x008b /* P, system, busy 32-bit TSS */
#define BOOT_SEL_CODE 0x08
#define BOOT_SEL_DATA 0x10

struct boot_dtr {
	u64 base;
	u32 limit;
};

/* The register state a multiboot kernel is entered with. */
struct boot_cpu_state {
	u64 rip, rsp, rax, rbx, rdx, rsi, rflags;
	u64 cr0, cr3, cr4, efer;
	struct boot_seg cs, ds, es, fs, gs, ss, tr, ldtr;
	struct boot_dtr gdtr, idtr;
};

/* A flat GDT matching BOOT_SEL_*: null, code, data descriptors. */
#define LOADER_GDT_ENTRIES 3
#define LOADER_GDT_SIZE (LOADER_GDT_ENTRIES * 8)
void loader_gdt(u64 gdt[LOADER_GDT_ENTRIES]);

/*
 * Fill st for entering img with the boot information at info_gpa. The
 * protocols leave GDTR/IDTR undefined; gdt_gpa != 0 points GDTR at a copy
 * of loader_gdt() the caller placed there, else GDTR is base 0 limit 0.
 * IDTR is always base 0 limit 0 (IF is clear; the kernel loads its own).
 */
void loader_initial_state(const struct l1_image *img, gpa_t info_gpa,
			  gpa_t gdt_gpa, struct boot_cpu_state *st);

/*
 * The state INIT leaves a CPU in (SDM Vol. 3A 10.1.1, table 10-1), which
 * is where every AP waits for its SIPI: real mode at F000:FFF0, EDX the
 * CPUID.1 signature @signature. INIT keeps CR0.CD and CR0.NW (footnote
 * 2 of the table): @cr0 is the CPU's CR0 before the INIT (0x60000010
 * for one never started).
 */
#define LOADER_POWERUP_CR0 0x60000010ULL /* CD, NW, ET */
void loader_init_state(struct boot_cpu_state *st, u64 cr0, u32 signature);
/*
 * A SIPI with @vector to a CPU waiting in @st (from loader_init_state):
 * CS selector vector << 8, base vector << 12, IP 0 (SDM Vol. 3A 9.4.4.1,
 * 11.6.1).
 */
void loader_sipi_state(struct boot_cpu_state *st, u8 vector);

struct guest_regs;
/* L1's general registers (RAX, RBX, RDX, RSI, RSP, RIP, RFLAGS) from @st, the rest
 * zero: what both vendor backends load before the first entry. */
void loader_initial_regs(const struct boot_cpu_state *st, struct guest_regs *r);

#endif /* MODEX_HV_LOADER_H */
