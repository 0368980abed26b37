/* SPDX-License-Identifier: MIT */
/*
 * The test-guest framework: what a test kernel (tests/guest/l1_*.c) running
 * as L1 under Modex, or directly on an emulator, can use. A test kernel
 * defines guest_main(); the framework boots it (entry.S), parses the boot
 * information, runs it, prints the result and ends the run.
 *
 * Output lines start with "[l1] ". A check named X prints
 * "[l1] check X: ok|FAIL|skip ..."; every failed GCHECK prints
 * "[l1] FAIL: file:line: message". The run ends with
 * "[l1] result: N checks, M failed" and "[l1] PASS" or "[l1] FAIL".
 */
#ifndef MODEX_TESTS_GUEST_LIB_GUEST_H
#define MODEX_TESTS_GUEST_LIB_GUEST_H

#include "hv/include/compiler.h"
#include "tests/guest/lib/entry_state.h"

#define MB1_LOADER_MAGIC 0x2badb002u
#define MB2_LOADER_MAGIC 0x36d76289u

/* ---- provided by the test kernel ---- */
void guest_main(void);

/* The TSC once every earlier instruction has completed (LFENCE; RDTSC).
 * On the emulators the test hosts use it counts instructions. */
static inline u64 guest_rdtsc(void)
{
	u32 lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

/* ---- console (COM1) ---- */
void guest_putc(char c);
void guest_printf(const char *fmt, ...) __printf(1, 2);
void guest_vprintf(const char *fmt, va_list ap);
/* Print a line prefixed "[l1] " (fmt supplies the newline). */
void guest_log(const char *fmt, ...) __printf(1, 2);
/* Format into @buf (always NUL-terminated when @len > 0). */
void guest_snprintf(char *buf, size_t len, const char *fmt, ...) __printf(3, 4);
void guest_drain(void);

/* ---- checks ---- */
#define CHECK_SKIP 1 /* a check function's return value: not applicable */

/*
 * Runs @fn as the check @name and prints its verdict line: ok if every
 * GCHECK inside passed, FAIL if any failed, skip if @fn returned CHECK_SKIP.
 */
void run_check(const char *name, int (*fn)(void));
bool guest_check(bool ok, const char *file, int line, const char *fmt, ...)
	__printf(4, 5);
#define GCHECK(cond, ...) guest_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* Print an informational "[l1]   name: ..." line under the current check. */
#define GINFO(...) guest_log("  " __VA_ARGS__)

/* Prints the result, ends the run (never returns). */
__noreturn void guest_finish(void);
/* Ends the run as failed at once, e.g. from an unexpected exception. */
__noreturn void guest_abort(const char *why);

/* ---- exceptions ---- */
struct guest_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/*
 * Calls fn(arg). Returns -1 if it returned normally, or the vector of the
 * first exception it raised: the exception is then expected (not a
 * failure) and execution resumes as if guest_try_call returned. Not
 * nestable. guest_try_error() gives the exception's error code.
 */
int guest_try_call(void (*fn)(void *arg), void *arg);
u64 guest_try_error(void);

/*
 * Handle exceptions of @vector with @fn (NULL: the default above) until
 * replaced; @fn may edit the frame (RIP, RFLAGS...) that IRET resumes.
 * Returns the handler it replaces.
 */
typedef void (*guest_exc_handler)(struct guest_frame *f);
guest_exc_handler guest_set_handler(unsigned vector, guest_exc_handler fn);

int try_rdmsr(u32 msr, u64 *val);
int try_wrmsr(u32 msr, u64 val);
int try_write_cr4(u64 val);
int try_vmxon(u64 region_pa);
int try_vmrun(u64 vmcb_pa);

#define X86_UD 6
#define X86_GP 13

/* ---- CPL 3 (lib/user.c) ---- */
/*
 * Loads L1's own GDT: the framework's segments (0x08 64-bit code, 0x10
 * data, 0x18 32-bit code), an available 64-bit TSS at 0x20 (loaded in
 * TR; RSP0 on a stack of its own), CPL 3 data at 0x30 and code at 0x38.
 * at_cpl3() needs it; so do VMX host state (TR must not be 0, SDM Vol. 3C
 * 27.2.3) and the CPL 3 checks of the SVM and VMX instructions.
 */
void guest_gdt_init(void);
/* The TSS of guest_gdt_init(). */
u64 guest_tss_base(void);
/*
 * Runs fn(arg) at CPL 3 on a stack of its own, with the image user-
 * accessible, until it raises #GP or #UD (a fn that returns ends in UD2);
 * returns that vector, with the error code in user_error (~0 if none).
 */
int at_cpl3(void (*fn)(void *), void *arg);
extern u64 user_error;

/* ---- boot information (both protocols) ---- */
#define GUEST_MAX_MMAP 64
#define GUEST_MAX_MODS 16
#define GUEST_MAX_RSV 48

#define GUEST_MEM_AVAILABLE 1 /* multiboot memory type 1 */

struct guest_mem_region {
	u64 base, len;
	u32 type;
};

struct guest_range {
	u64 start, end; /* [start, end) */
};

struct guest_bootinfo {
	int protocol; /* 1 or 2, from the EAX magic; 0 if unknown */
	bool parsed; /* the info was valid */
	char err[96]; /* why not, if !parsed */
	const char *cmdline;
	struct guest_mem_region mmap[GUEST_MAX_MMAP];
	unsigned nr_mmap;
	bool mmap_truncated;
	struct guest_range mods[GUEST_MAX_MODS];
	const char *mod_cmdline[GUEST_MAX_MODS]; /* "" when it has none */
	unsigned nr_mods;
	/* mem_lower/mem_upper (KiB; MB1 flag 0, MB2 tag 4) if has_meminfo. */
	bool has_meminfo;
	u32 mem_lower, mem_upper;
	/* Everything the loader put in memory: info, strings, map, modules. */
	struct guest_range rsv[GUEST_MAX_RSV];
	unsigned nr_rsv;
	/* Multiboot2 ACPI tag 15 (else 14): the loader's RSDP copy; 0: none. */
	u64 rsdp;
	bool rsdp_new; /* from tag 15 (ACPI 2.0+ XSDP) */
	/* Multiboot2 tags 12 and 17 (UEFI boots): the EFI64 system table
	 * (0: none) and the EFI memory map's descriptors (NULL: none). */
	u64 efi_systab;
	const u8 *efi_mmap;
	u32 efi_desc_size, efi_nr_desc;
};

extern struct guest_bootinfo guest_boot;
extern const u32 guest_image_protocol; /* 1 or 2 (mb1/mb2_header.S) */
extern char __image_start[], __image_end[];

/*
 * Free RAM the test may overwrite: available memory in [1 MiB, 4 GiB)
 * minus the image and the loader's data, page-aligned, in map order.
 * Returns the number of ranges written to @out (at most @max).
 */
unsigned guest_free_ranges(struct guest_range *out, unsigned max);

/*
 * Where a search for Modex's hidden memory stops: the end of the gap that
 * follows the top of available RAM below 4 GiB (at most 64 MiB long).
 * Hidden pages are the ones in [1 MiB, guest_hidden_top()) that no map
 * entry covers.
 */
u64 guest_hidden_top(void);

/* Whether any memory-map entry, of any type, covers physical address @a. */
bool guest_addr_in_map(u64 a);

/* xorshift64* (Vigna): the randomized tests' generator; a fixed seed in
 * *@state gives the same sequence on every host. */
static inline u64 guest_xorshift64s(u64 *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dULL;
}

/* The decimal number at the start of @s (0 if it starts with none). */
u64 guest_parse_u64(const char *s);
/* True if the command line has @tok as a whole space-separated word. */
bool cmdline_has(const char *tok);
/* Value of "key=value" on the command line, copied into @buf; false if none. */
bool cmdline_value(const char *key, char *buf, size_t len);
/* Whether @name is in the comma-separated list of @key= ("tests=a,b");
 * @dflt when the command line has no @key=. */
bool cmdline_list_has(const char *key, const char *name, bool dflt);

/* ---- CPU and hypervisor ---- */
struct guest_cpuid {
	u32 eax, ebx, ecx, edx;
};
struct guest_cpuid guest_cpuid(u32 leaf, u32 subleaf);
bool cpu_is_amd(void); /* AuthenticAMD or HygonGenuine: VMMCALL */
/* CPUID 0x40000000 carries MODEX_CPUID_SIGNATURE. */
bool under_modex(void);

struct hc_regs {
	u64 rax, rbx, rcx, rdx;
};
/*
 * Hypercall @nr (MODEX_HC_*) with RBX/RCX/RDX = @b/@c/@d; returns RAX as a
 * signed value and all four output registers in @out (may be NULL).
 */
s64 modex_hypercall(u32 nr, u64 b, u64 c, u64 d, struct hc_regs *out);
/* Same with a raw RAX (no magic added), for malformed-call tests. */
s64 modex_hypercall_raw(u64 rax, u64 b, u64 c, u64 d, struct hc_regs *out);

/* ---- misc ---- */
static inline u64 guest_rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline u64 guest_read_cr(int n)
{
	u64 v = 0;

	switch (n) {
	case 0:
		asm volatile("mov %%cr0, %0" : "=r"(v));
		break;
	case 2:
		asm volatile("mov %%cr2, %0" : "=r"(v));
		break;
	case 3:
		asm volatile("mov %%cr3, %0" : "=r"(v));
		break;
	case 4:
		asm volatile("mov %%cr4, %0" : "=r"(v));
		break;
	}
	return v;
}

#endif /* MODEX_TESTS_GUEST_LIB_GUEST_H */
