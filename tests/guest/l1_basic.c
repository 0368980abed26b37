// SPDX-License-Identifier: MIT
/*
 * L1 basic test kernel: checks what a multiboot kernel sees when started
 * as L1 by Modex (or directly by GRUB on an emulator): the entry state its
 * boot protocol defines, the boot information, its RAM, that Modex's own
 * memory stays hidden, the CPUID and MSR view of virtualization, and the
 * hypercall ABI (hv/include/hypercall.h). Expects "l1test" on its command
 * line. Checks that only make sense under Modex print "skip" elsewhere.
 * Options: "scan-hidden" runs the hidden-memory scan without Modex too;
 * "smp[=N]" adds the multiprocessor checks (l1_smp.c); "fault=ud" ends
 * with an unexpected #UD (the failure path must report it).
 */
#include "tests/guest/l1_basic.h"

#include "tests/guest/lib/check_apic.h"

#include "tests/guest/basic/checks.h"

#include "hv/exit_info.h"
#include "hv/include/err.h"
#include "hv/include/hypercall.h"
#include "hv/include/lib.h"
#include "tests/guest/checks/single_step.h"
#include "tests/guest/lib/smp.h"

#define ONE_MIB 0x100000ULL
#define FOUR_GIB 0x100000000ULL

#define CR0_PE BIT(0)
#define CR0_PG BIT(31)
#define CR4_VMXE BIT(13)
#define EFLAGS_IF BIT(9)
#define EFLAGS_VM BIT(17)
#define MSR_EFER 0xc0000080u
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define EFER_SVME BIT(12)

/* LAR access-rights bits (SDM Vol. 2A LAR; descriptor layout Vol. 3A 3.4.5). */
#define AR_WRITABLE BIT(9) /* data: writable; code: readable */
#define AR_CODE BIT(11)
#define AR_S BIT(12)
#define AR_P BIT(15)
#define AR_DB BIT(22)

#define CPUID81_EDX_NX BIT(20) /* SDM Vol. 2A CPUID; APM Vol. 3 app. E */

/* RAM test bounds, so the test takes well under a second on Bochs. */
#define RAM_FULL_BYTES (16 * ONE_MIB)
#define RAM_MAX_RANGES 64
#define RAM_MAX_REPORTS 4
#define CANARY "MODEX-CANARY-"

static bool modex;
static u64 modex_features;
static s64 modex_features_rc;

/* ---------------------------------------------------------------- boot */

static void check_segment(const char *name, u32 sel, u32 ar, u32 limit,
			  bool code)
{
	GCHECK(ar & AR_P, "%s %#x: not present or unusable (AR %#x)", name, sel,
	       ar);
	GCHECK(ar & AR_S, "%s: system descriptor (AR %#x)", name, ar);
	GCHECK(!!(ar & AR_CODE) == code, "%s: %s segment expected (AR %#x)",
	       name, code ? "code" : "data", ar);
	GCHECK(code || (ar & AR_WRITABLE), "%s: data not writable (AR %#x)",
	       name, ar);
	GCHECK(limit == 0xffffffffu, "%s: limit %#x, not 4 GiB", name, limit);
}

/* Multiboot 0.6.96 3.2 and Multiboot2 3.3: the machine state at entry. */
static int check_boot_state(void)
{
	const struct entry_state *es = &guest_entry_state;
	u32 want =
		guest_image_protocol == 1 ? MB1_LOADER_MAGIC : MB2_LOADER_MAGIC;

	GINFO("EAX %#x EBX %#x CS %#x DS %#x SS %#x CR0 %#x EFLAGS %#x\n",
	      es->eax, es->ebx, es->cs, es->ds, es->ss, es->cr0, es->eflags);
	GCHECK(es->eax == want, "EAX %#x, multiboot%u magic %#x expected",
	       es->eax, guest_image_protocol, want);
	GCHECK(es->ebx != 0, "EBX (info pointer) is 0");
	/* Multiboot2 3.4: the information structure is 8-byte aligned. */
	if (guest_image_protocol == 2)
		GCHECK(IS_ALIGNED(es->ebx, 8),
		       "MB2 info %#x not 8-byte aligned", es->ebx);
	GCHECK(es->eip_delta == 0, "CS base %#x, 0 expected", es->eip_delta);
	GCHECK((es->cs & 3) == 0, "CS RPL %u, 0 expected", es->cs & 3);
	check_segment("CS", es->cs, es->cs_ar, es->cs_limit, true);
	GCHECK(es->cs_ar & AR_DB, "CS is not a 32-bit segment (AR %#x)",
	       es->cs_ar);
	check_segment("DS", es->ds, es->ds_ar, es->ds_limit, false);
	check_segment("ES", es->es, es->es_ar, es->es_limit, false);
	check_segment("SS", es->ss, es->ss_ar, es->ss_limit, false);
	GCHECK(es->cr0 & CR0_PE, "CR0.PE clear at entry (CR0 %#x)", es->cr0);
	GCHECK(!(es->cr0 & CR0_PG), "paging on at entry (CR0 %#x)", es->cr0);
	GCHECK(!(es->eflags & EFLAGS_IF), "EFLAGS.IF set at entry (%#x)",
	       es->eflags);
	GCHECK(!(es->eflags & EFLAGS_VM), "EFLAGS.VM set at entry (%#x)",
	       es->eflags);
	return 0;
}

/* ----------------------------------------------------------- boot info */

static const char *mem_type_name(u32 type)
{
	static const char *const names[] = { "?",    "available", "reserved",
					     "ACPI", "NVS",	  "bad" };

	return type < ARRAY_SIZE(names) ? names[type] : "other";
}

/* Is [s, e) covered by available regions (adjacent ones may join)? */
static bool in_available(u64 s, u64 e)
{
	bool progress = true;

	while (s < e && progress) {
		progress = false;
		for (unsigned i = 0; i < guest_boot.nr_mmap; i++) {
			const struct guest_mem_region *r = &guest_boot.mmap[i];

			if (r->type == GUEST_MEM_AVAILABLE && s >= r->base &&
			    s < r->base + r->len) {
				s = r->base + r->len;
				progress = true;
			}
		}
	}
	return s >= e;
}

static void check_mmap(void)
{
	unsigned n = guest_boot.nr_mmap;
	bool high_ram = false;

	GCHECK(n > 0, "empty memory map");
	GCHECK(!guest_boot.mmap_truncated, "memory map has over %u entries",
	       GUEST_MAX_MMAP);
	for (unsigned i = 0; i < n; i++) {
		const struct guest_mem_region *r = &guest_boot.mmap[i];
		u64 end = r->base + r->len;

		GINFO("mmap 0x%010llx-0x%010llx %s\n",
		      (unsigned long long)r->base, (unsigned long long)end,
		      mem_type_name(r->type));
		GCHECK(r->len && end > r->base, "entry %u: empty or wraps", i);
		if (i)
			GCHECK(r->base >= guest_boot.mmap[i - 1].base +
						  guest_boot.mmap[i - 1].len,
			       "entry %u at %#llx overlaps or is out of order",
			       i, (unsigned long long)r->base);
		if (r->type == GUEST_MEM_AVAILABLE && end > ONE_MIB)
			high_ram = true;
	}
	GCHECK(high_ram, "no available memory above 1 MiB");
	GCHECK(in_available((u64)__image_start, (u64)__image_end),
	       "image %#llx-%#llx not in available memory",
	       (unsigned long long)(u64)__image_start,
	       (unsigned long long)(u64)__image_end);
}

static int check_bootinfo(void)
{
	GCHECK(guest_boot.parsed, "boot information invalid: %s",
	       guest_boot.err);
	if (!guest_boot.parsed)
		return 0;
	GCHECK(guest_boot.protocol == (int)guest_image_protocol,
	       "booted as multiboot%d, built for multiboot%u",
	       guest_boot.protocol, guest_image_protocol);
	GCHECK(cmdline_has("l1test"), "command line \"%s\" lacks \"l1test\"",
	       guest_boot.cmdline);
	GINFO("%u modules, %u loader ranges\n", guest_boot.nr_mods,
	      guest_boot.nr_rsv);
	check_mmap();
	return 0;
}

/* ----------------------------------------------------------------- RAM */

static inline u64 ram_pattern(u64 a)
{
	return a ^ 0x5a5aa5a5c33c3cc3ULL ^ (a << 29);
}

static inline void ram_put(u64 a)
{
	*(volatile u64 *)a = ram_pattern(a);
}

static unsigned ram_bad;

static void ram_verify(u64 a)
{
	u64 got = *(volatile u64 *)a;

	if (got == ram_pattern(a))
		return;
	if (ram_bad++ < RAM_MAX_REPORTS)
		GCHECK(false, "RAM at %#llx reads %#llx, wrote %#llx",
		       (unsigned long long)a, (unsigned long long)got,
		       (unsigned long long)ram_pattern(a));
}

/*
 * One pass writes (@verify false) or checks every word of the first
 * RAM_FULL_BYTES of free RAM and the first and last word of every other
 * page; writing everything before reading catches aliasing too.
 */
static void ram_pass(const struct guest_range *r, unsigned n, bool verify,
		     u64 *full, u64 *sparse)
{
	u64 budget = RAM_FULL_BYTES;

	for (unsigned i = 0; i < n; i++) {
		for (u64 pg = r[i].start; pg < r[i].end; pg += PAGE_SIZE) {
			bool all = budget >= PAGE_SIZE;
			u64 step = all ? 8 : PAGE_SIZE - 8;

			for (u64 a = pg; a < pg + PAGE_SIZE; a += step)
				verify ? ram_verify(a) : ram_put(a);
			if (all) {
				budget -= PAGE_SIZE;
				*full += PAGE_SIZE;
			} else {
				*sparse += PAGE_SIZE;
			}
		}
	}
}

static int check_ram(void)
{
	static struct guest_range r[RAM_MAX_RANGES];
	unsigned n = guest_free_ranges(r, ARRAY_SIZE(r));
	u64 full = 0, sparse = 0, above = 0;

	GCHECK(n > 0, "no free RAM found to test");
	ram_pass(r, n, false, &full, &sparse);
	full = sparse = 0;
	ram_pass(r, n, true, &full, &sparse);
	GCHECK(ram_bad == 0, "%u RAM words read back wrong", ram_bad);
	for (unsigned i = 0; i < guest_boot.nr_mmap; i++) {
		const struct guest_mem_region *m = &guest_boot.mmap[i];

		if (m->type == GUEST_MEM_AVAILABLE &&
		    m->base + m->len > FOUR_GIB)
			above += m->base + m->len - MAX(m->base, FOUR_GIB);
	}
	GINFO("RAM tested: %llu MiB in full, %llu MiB first+last word per page, %u ranges; %llu MiB above 4 GiB not mapped, not tested\n",
	      (unsigned long long)(full >> 20),
	      (unsigned long long)(sparse >> 20), n,
	      (unsigned long long)(above >> 20));
	return 0;
}

/* ------------------------------------------------------ hidden memory */

static u64 canary_scan(u64 s, u64 e)
{
	size_t len = sizeof(CANARY) - 1;

	for (u64 a = ALIGN_UP(s, 8); a + len <= e; a += 8)
		if (*(volatile char *)a == 'M' &&
		    !memcmp((void *)a, CANARY, len))
			return a;
	return 0;
}

/*
 * Modex hides its own memory from L1: absent from the map L1 gets and from
 * EPT01/NPT01. Until Modex documents the exact result of an L1 access, this
 * scans what L1 may probe without knowing MMIO: every gap between the
 * available regions in [1 MiB, guest_hidden_top()), 8-byte aligned,
 * for the canary string. Modex's test build is expected to plant
 * "MODEX-CANARY-" at 8-byte aligned addresses in its reserved memory;
 * finding one means L1 can read Modex memory. Runs on any CPU (no output).
 */
u64 l1_hidden_scan(u64 *scanned)
{
	u64 top = guest_hidden_top(), cur = ONE_MIB, hit = 0;

	*scanned = 0;
	while (cur < top && !hit) {
		u64 next = top;
		bool avail = false;

		for (unsigned i = 0; i < guest_boot.nr_mmap; i++) {
			const struct guest_mem_region *r = &guest_boot.mmap[i];

			if (r->type != GUEST_MEM_AVAILABLE)
				continue;
			if (cur >= r->base && cur < r->base + r->len) {
				cur = r->base + r->len;
				avail = true;
			} else if (r->base > cur && r->base < next) {
				next = r->base;
			}
		}
		if (avail)
			continue;
		hit = canary_scan(cur, next);
		*scanned += next - cur;
		cur = next;
	}
	return hit;
}

static int check_hidden_memory(void)
{
	u64 scanned, hit;
	bool forced = cmdline_has("scan-hidden");

	if (!modex && !forced)
		return CHECK_SKIP;
	if (modex) {
		struct guest_cpuid ci = guest_cpuid(MODEX_CPUID_INFO, 0);

		GINFO("Modex info leaf: ABI %u, version %#x\n", ci.eax, ci.ebx);
	}
	hit = l1_hidden_scan(&scanned);
	GINFO("scanned %llu KiB of gaps below %#llx\n",
	      (unsigned long long)(scanned >> 10),
	      (unsigned long long)guest_hidden_top());
	GCHECK(!hit, "Modex canary visible to L1 at %#llx: \"%.24s\"",
	       (unsigned long long)hit, hit ? (const char *)hit : "");
	return 0;
}

/*
 * docs/isolation.md: every page of Modex memory maps to one sink page that
 * starts as 0xff bytes and takes L1's writes. Modex's ranges are the
 * addresses below guest_hidden_top() that no map entry covers. Checks that
 * such pages read as 0xff, that a write reads back through another hidden
 * page (they alias), and puts the 0xff back. Under Modex only.
 */
static int check_hidden_semantics(void)
{
	u64 top = guest_hidden_top(), first = 0, second = 0, pages = 0, bad = 0;

	if (!modex)
		return CHECK_SKIP;
	for (u64 a = ONE_MIB; a < top; a += 0x1000) {
		if (guest_addr_in_map(a))
			continue;
		pages++;
		if (*(volatile u64 *)a != ~0ULL ||
		    *(volatile u64 *)(a + 0xff8) != ~0ULL)
			bad++;
		if (!first)
			first = a;
		else if (!second)
			second = a;
	}
	GINFO("%llu hidden pages below %#llx, first at %#llx\n",
	      (unsigned long long)pages, (unsigned long long)top,
	      (unsigned long long)first);
	GCHECK(pages > 0, "no hidden (unmapped) range below the top of RAM");
	GCHECK(!bad, "%llu hidden pages do not read as 0xff",
	       (unsigned long long)bad);
	if (first && second) {
		*(volatile u64 *)first = 0x1122334455667788ULL;
		GCHECK(*(volatile u64 *)second == 0x1122334455667788ULL,
		       "a write to hidden page %#llx is not seen at %#llx",
		       (unsigned long long)first, (unsigned long long)second);
		*(volatile u64 *)first = ~0ULL;
	}
	return 0;
}

/* ------------------------------------------------------ memory shape */

/*
 * docs/boot.md: as firmware would report it, L1's RAM from 1 MiB is one
 * available region below 4 GiB, [1 MiB, X), and under Modex X is where
 * Modex's memory begins: the page at X is hidden (absent from the map,
 * reads as the sink's 0xff). mem_upper is the KiB from 1 MiB to X
 * (Multiboot 0.6.96 3.3; Multiboot2 3.6.3). UEFI firmware splits low RAM
 * itself (an EFI memory map in the information says so, or the word
 * "uefi" on the command line for multiboot1, which has no EFI tags):
 * there Modex sits at the top of one of the regions, which it shortens,
 * not splits.
 */
static int check_memmap_shape(void)
{
	bool efi = guest_boot.efi_mmap != NULL || cmdline_has("uefi");
	u64 start = 0, end = 0;
	unsigned n = 0, tops = 0;

	for (unsigned i = 0; i < guest_boot.nr_mmap; i++) {
		const struct guest_mem_region *r = &guest_boot.mmap[i];
		u64 top = r->base + r->len;

		if (r->type != GUEST_MEM_AVAILABLE || r->base < ONE_MIB ||
		    r->base >= FOUR_GIB)
			continue;
		if (!n++) {
			start = r->base;
			end = top;
		}
		if (modex && top < FOUR_GIB && !guest_addr_in_map(top) &&
		    !efi_map_has(top) && *(volatile u64 *)top == ~0ULL)
			tops++;
	}
	GINFO("%u available regions in [1 MiB, 4 GiB), the first [%#llx, %#llx); mem_upper %u KiB%s\n",
	      n, (unsigned long long)start, (unsigned long long)end,
	      guest_boot.mem_upper, efi ? "; UEFI boot" : "");
	GCHECK(n == 1 || efi,
	       "%u available regions in [1 MiB, 4 GiB), 1 expected", n);
	GCHECK(start == ONE_MIB, "low RAM region starts at %#llx, not 1 MiB",
	       (unsigned long long)start);
	GCHECK(guest_boot.has_meminfo, "no mem_lower/mem_upper");
	GCHECK(guest_boot.mem_upper == (end - ONE_MIB) >> 10,
	       "mem_upper %u KiB, %llu KiB expected", guest_boot.mem_upper,
	       (unsigned long long)((end - ONE_MIB) >> 10));
	GCHECK(guest_boot.mem_lower <= 640, "mem_lower %u KiB above 640",
	       guest_boot.mem_lower);
	if (modex && efi)
		GCHECK(tops >= 1,
		       "no available region ends where Modex's hidden memory begins");
	if (!modex || n != 1)
		return 0;
	GCHECK(!guest_addr_in_map(end) && *(volatile u64 *)end == ~0ULL,
	       "the page at %#llx, after L1's RAM, is not Modex's hidden memory",
	       (unsigned long long)end);
	return 0;
}

/* ------------------------------------------------------------- modules */

/*
 * L1 receives N modules, 0 unless "modules=N" (Multiboot 0.6.96 3.3 mods;
 * Multiboot2 3.6.6), module i with the command line "modtest<i>" and the
 * content tests/boot/cases.sh writes: "MODEX-TEST-MODULE <i>\n", filler,
 * and "END <i>\n" as its last bytes. Each lies in available RAM, clear of
 * this image and of every other module.
 */
static void check_module(unsigned i)
{
	const struct guest_range *m = &guest_boot.mods[i];
	char want[40], tail[16];
	u64 len = m->end - m->start;
	size_t wl, tl;

	guest_snprintf(want, sizeof(want), "modtest%u", i);
	guest_snprintf(tail, sizeof(tail), "END %u\n", i);
	GINFO("module %u [%#llx, %#llx) \"%s\"\n", i,
	      (unsigned long long)m->start, (unsigned long long)m->end,
	      guest_boot.mod_cmdline[i]);
	GCHECK(!strcmp(guest_boot.mod_cmdline[i], want),
	       "module %u: command line \"%s\", \"%s\" expected", i,
	       guest_boot.mod_cmdline[i], want);
	GCHECK(in_available(m->start, m->end),
	       "module %u [%#llx, %#llx) not in available RAM", i,
	       (unsigned long long)m->start, (unsigned long long)m->end);
	GCHECK(m->end <= (u64)__image_start || m->start >= (u64)__image_end,
	       "module %u overlaps this image", i);
	for (unsigned j = 0; j < i; j++)
		GCHECK(m->end <= guest_boot.mods[j].start ||
			       m->start >= guest_boot.mods[j].end,
		       "modules %u and %u overlap", j, i);
	guest_snprintf(want, sizeof(want), "MODEX-TEST-MODULE %u\n", i);
	wl = strlen(want);
	tl = strlen(tail);
	if (!GCHECK(len >= wl + tl, "module %u: %llu bytes, too short", i,
		    (unsigned long long)len))
		return;
	GCHECK(!memcmp((const void *)m->start, want, wl),
	       "module %u does not start with \"MODEX-TEST-MODULE %u\"", i, i);
	GCHECK(!memcmp((const void *)(m->end - tl), tail, tl),
	       "module %u does not end with \"END %u\"", i, i);
}

static int check_modules(void)
{
	char val[8] = "0";
	unsigned want = 0;

	cmdline_value("modules", val, sizeof(val));
	for (const char *p = val; *p >= '0' && *p <= '9'; p++)
		want = want * 10 + (unsigned)(*p - '0');
	GCHECK(guest_boot.nr_mods == want, "%u modules, %u expected",
	       guest_boot.nr_mods, want);
	for (unsigned i = 0; i < guest_boot.nr_mods; i++)
		check_module(i);
	return 0;
}

/* --------------------------------------------------------------- XSETBV */

static u64 xgetbv0(void)
{
	u32 lo, hi;

	asm volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((u64)hi << 32) | lo;
}

static void do_xsetbv0(void *arg)
{
	u64 v = *(const u64 *)arg;

	asm volatile("xsetbv" : : "c"(0), "a"((u32)v), "d"((u32)(v >> 32)));
}

/*
 * XSETBV exits unconditionally on VMX, so Modex emulates it: a valid XCR0
 * takes effect, an invalid one raises #GP (SDM Vol. 2D XSETBV).
 */
static int check_xsetbv(void)
{
	u64 cr4, x87 = 1, xcr0, bad = 0; /* bit 0 (x87) clear: invalid */

	if (!(guest_cpuid(1, 0).ecx & BIT(26)))
		return CHECK_SKIP;
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	GCHECK(try_write_cr4(cr4 | BIT(18)) == -1,
	       "setting CR4.OSXSAVE faulted");
	xcr0 = xgetbv0();
	GCHECK(guest_try_call(do_xsetbv0, &x87) == -1,
	       "XSETBV of XCR0 = 1 (x87 only) faulted");
	GCHECK(xgetbv0() == 1, "XCR0 reads %#llx after XSETBV 1",
	       (unsigned long long)xgetbv0());
	GCHECK(guest_try_call(do_xsetbv0, &bad) == 13,
	       "XSETBV of XCR0 = 0 did not raise #GP");
	GCHECK(guest_try_call(do_xsetbv0, &xcr0) == -1,
	       "restoring XCR0 %#llx faulted", (unsigned long long)xcr0);
	return 0;
}

/* --------------------------------------------------------------- CPUID */

void l1_cpuid_read(struct l1_cpuid_view *v)
{
	v->l1 = guest_cpuid(1, 0);
	v->ext = guest_cpuid(0x80000001, 0);
	v->base = guest_cpuid(MODEX_CPUID_BASE, 0);
	v->info = guest_cpuid(MODEX_CPUID_INFO, 0);
	v->modex = under_modex();
}

/* Modex's CPUID rules for L1, checked on a view read on any CPU. */
void l1_cpuid_check(const struct l1_cpuid_view *v, const char *who)
{
	bool nested = modex_features & MODEX_FEAT_NESTED;

	GCHECK(v->modex, "%sno Modex signature in leaf %#x", who,
	       MODEX_CPUID_BASE);
	GCHECK(v->base.eax >= MODEX_CPUID_INFO,
	       "%smax hypervisor leaf %#x < %#x", who, v->base.eax,
	       MODEX_CPUID_INFO);
	GCHECK(v->l1.ecx & CPUID1_ECX_HYPERVISOR,
	       "%sCPUID.1:ECX.hypervisor clear", who);
	/* Without nested support Modex must not advertise VMX or SVM. */
	if (!nested) {
		GCHECK(!(v->l1.ecx & CPUID1_ECX_VMX), "%sVMX visible to L1",
		       who);
		GCHECK(!(v->ext.ecx & CPUID81_ECX_SVM), "%sSVM visible to L1",
		       who);
	} else {
		GCHECK(!(v->l1.ecx & CPUID1_ECX_VMX) == cpu_is_amd(),
		       "%snested: VMX bit %d on this vendor", who,
		       !!(v->l1.ecx & CPUID1_ECX_VMX));
		GCHECK(!(v->ext.ecx & CPUID81_ECX_SVM) == !cpu_is_amd(),
		       "%snested: SVM bit %d on this vendor", who,
		       !!(v->ext.ecx & CPUID81_ECX_SVM));
	}
	GCHECK(v->info.eax == MODEX_ABI_VERSION,
	       "%sleaf 0x40000001 ABI %u, want %u", who, v->info.eax,
	       MODEX_ABI_VERSION);
	GCHECK(v->info.ebx == MODEX_VERSION_CODE,
	       "%sleaf 0x40000001 version %#x, want %#x", who, v->info.ebx,
	       MODEX_VERSION_CODE);
}

static int check_cpuid(void)
{
	struct l1_cpuid_view v;

	l1_cpuid_read(&v);
	GINFO("vendor %s, CPUID.1 ECX %#x, 8000_0001 ECX %#x EDX %#x, 4000_0000 EAX %#x\n",
	      cpu_is_amd() ? "AMD" : "Intel/other", v.l1.ecx, v.ext.ecx,
	      v.ext.edx, v.base.eax);
	GINFO("hypervisor bit %d, VMX %d, SVM %d, under Modex %d\n",
	      !!(v.l1.ecx & CPUID1_ECX_HYPERVISOR),
	      !!(v.l1.ecx & CPUID1_ECX_VMX), !!(v.ext.ecx & CPUID81_ECX_SVM),
	      modex);
	if (!modex)
		return CHECK_SKIP;
	l1_cpuid_check(&v, "");
	return 0;
}

/* ---------------------------------------------------------------- MSRs */

static u8 vmx_region[4096] __aligned(4096);

/*
 * Bare metal or emulator: only record what the CPU does, then undo it.
 * CR4.VMXE is not probed: QEMU 7.2 TCG without VMX spins on that MOV.
 */
static void probe_virt_insns(void)
{
	u64 efer = guest_rdmsr(MSR_EFER);
	int svme = try_wrmsr(MSR_EFER, efer | EFER_SVME);

	if (svme < 0)
		try_wrmsr(MSR_EFER, efer);
	GINFO("set EFER.SVME: %s, VMXON: vector %d, VMRUN: vector %d\n",
	      svme < 0 ? "allowed" : "fault", try_vmxon((u64)vmx_region),
	      try_vmrun((u64)vmx_region));
}

static int check_msrs(void)
{
	u64 efer = 0, cr4 = guest_read_cr(4);
	bool nx = guest_cpuid(0x80000001, 0).edx & CPUID81_EDX_NX;

	GCHECK(try_rdmsr(MSR_EFER, &efer) < 0, "RDMSR EFER faulted");
	GINFO("EFER %#llx CR4 %#llx\n", (unsigned long long)efer,
	      (unsigned long long)cr4);
	GCHECK((efer & (EFER_LME | EFER_LMA)) == (EFER_LME | EFER_LMA),
	       "EFER.LME/LMA not both set in long mode");
	GCHECK(!!(efer & EFER_NXE) == nx, "EFER.NXE %d but CPUID NX %d",
	       !!(efer & EFER_NXE), nx);
	return 0;
}

/*
 * Nested virtualization offered: the vendor's own extension can be turned
 * on (CR4.VMXE on Intel, SDM Vol. 3C 24.7) and the other vendor's stays
 * absent (#GP for EFER.SVME, #UD for VMRUN; on AMD, #GP for CR4.VMXE).
 */
static int check_nested_virt_insns(u64 efer, u64 cr4)
{
	int v;

	v = try_write_cr4(cr4 | CR4_VMXE);
	if (cpu_is_amd()) {
		GCHECK(v == X86_GP,
		       "MOV CR4.VMXE=1 on AMD: vector %d, #GP expected", v);
	} else {
		GCHECK(v < 0, "MOV CR4.VMXE=1 with nested VMX: vector %d", v);
		GCHECK(guest_read_cr(4) & CR4_VMXE, "CR4.VMXE did not stick");
	}
	if (v < 0)
		try_write_cr4(cr4);
	GCHECK(!(guest_read_cr(4) & CR4_VMXE), "CR4.VMXE could not be cleared");
	if (cpu_is_amd())
		return 0;
	v = try_wrmsr(MSR_EFER, efer | EFER_SVME);
	GCHECK(v == X86_GP,
	       "WRMSR EFER.SVME=1 on Intel: vector %d, #GP expected", v);
	if (v < 0)
		try_wrmsr(MSR_EFER, efer);
	v = try_vmrun((u64)vmx_region);
	GCHECK(v == X86_UD, "VMRUN on Intel: vector %d, #UD expected", v);
	return 0;
}

static int check_virt_insns(void)
{
	u64 efer = guest_rdmsr(MSR_EFER), cr4 = guest_read_cr(4);
	int v;

	if (!modex) {
		probe_virt_insns();
		return CHECK_SKIP;
	}
	if (modex_features & MODEX_FEAT_NESTED)
		return check_nested_virt_insns(efer, cr4);
	/* APM Vol. 2 15.4 / SDM Vol. 3C 24.7: without SVM or VMX these fault. */
	v = try_wrmsr(MSR_EFER, efer | EFER_SVME);
	GCHECK(v == X86_GP, "WRMSR EFER.SVME=1: vector %d, #GP expected", v);
	if (v < 0)
		try_wrmsr(MSR_EFER, efer);
	v = try_write_cr4(cr4 | CR4_VMXE);
	GCHECK(v == X86_GP, "MOV CR4.VMXE=1: vector %d, #GP expected", v);
	if (v < 0)
		try_write_cr4(cr4);
	v = try_vmxon((u64)vmx_region);
	GCHECK(v == X86_UD, "VMXON: vector %d, #UD expected", v);
	v = try_vmrun((u64)vmx_region);
	GCHECK(v == X86_UD, "VMRUN: vector %d, #UD expected", v);
	return 0;
}

/* ---------------------------------------------------------- hypercalls */

static u64 stats_buf[EXIT_R_COUNT + 8];
static struct modex_trace_entry trace_buf[16];

static s64 hc_stats(u64 *buf, u64 len, struct hc_regs *out)
{
	return modex_hypercall(MODEX_HC_STATS, (u64)buf, len, 0, out);
}

static void check_hc_stats(void)
{
	struct hc_regs o;
	u64 before;
	s64 r;

	r = hc_stats(stats_buf, EXIT_R_COUNT, &o);
	GCHECK(r == 0 && o.rbx == EXIT_R_COUNT, "STATS: %lld, %llu entries",
	       (long long)r, (unsigned long long)o.rbx);
	before = stats_buf[EXIT_R_CPUID];
	for (int i = 0; i < 16; i++)
		guest_cpuid(0, 0);
	hc_stats(stats_buf, EXIT_R_COUNT, &o);
	GCHECK(stats_buf[EXIT_R_CPUID] - before == 16,
	       "CPUID exits grew by %llu after 16 CPUIDs",
	       (unsigned long long)(stats_buf[EXIT_R_CPUID] - before));
	GCHECK(o.rcx >= stats_buf[EXIT_R_CPUID], "total %llu < CPUID count",
	       (unsigned long long)o.rcx);
	stats_buf[2] = 0xdeadbeefULL;
	r = hc_stats(stats_buf, 2, &o);
	GCHECK(r == 0 && o.rbx == 2 && stats_buf[2] == 0xdeadbeefULL,
	       "STATS with 2 entries: %lld, wrote %llu", (long long)r,
	       (unsigned long long)o.rbx);
	r = modex_hypercall(MODEX_HC_STATS_RESET, 0, 0, 0, NULL);
	GCHECK(r == 0, "STATS_RESET: %lld", (long long)r);
	hc_stats(stats_buf, EXIT_R_COUNT, &o);
	GCHECK(stats_buf[EXIT_R_CPUID] == 0, "%llu CPUID exits after reset",
	       (unsigned long long)stats_buf[EXIT_R_CPUID]);
}

static void check_hc_trace(void)
{
	u32 a = MODEX_CPUID_INFO, b, c = 0, d;
	u64 rip, n;
	struct hc_regs o;
	s64 r;
	int last = -1;

	asm volatile("leaq 1f(%%rip), %0\n1:\tcpuid"
		     : "=&r"(rip), "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	r = modex_hypercall(MODEX_HC_TRACE, (u64)trace_buf,
			    ARRAY_SIZE(trace_buf), 0, &o);
	n = o.rbx;
	GCHECK(r == 0 && n >= 1 && n <= ARRAY_SIZE(trace_buf),
	       "TRACE: %lld, %llu entries", (long long)r,
	       (unsigned long long)n);
	for (u64 i = 0; r == 0 && i < n && i < ARRAY_SIZE(trace_buf); i++) {
		if (trace_buf[i].reason == EXIT_R_CPUID)
			last = (int)i;
		if (i)
			GCHECK(trace_buf[i].seq > trace_buf[i - 1].seq,
			       "trace entry %llu out of order",
			       (unsigned long long)i);
	}
	GCHECK(last >= 0, "no CPUID exit in the trace");
	if (last < 0)
		return;
	GCHECK(trace_buf[last].qual == MODEX_CPUID_INFO &&
		       trace_buf[last].rip == rip &&
		       (trace_buf[last].insn_len == 0 ||
			trace_buf[last].insn_len == 2),
	       "last CPUID trace: leaf %#llx RIP %#llx len %u, want %#x %#llx 2",
	       (unsigned long long)trace_buf[last].qual,
	       (unsigned long long)trace_buf[last].rip,
	       trace_buf[last].insn_len, MODEX_CPUID_INFO,
	       (unsigned long long)rip);
}

/* Highest end of available memory anywhere (buffers must end below it). */
static u64 ram_top(void)
{
	u64 top = 0;

	for (unsigned i = 0; i < guest_boot.nr_mmap; i++)
		if (guest_boot.mmap[i].type == GUEST_MEM_AVAILABLE)
			top = MAX(top, guest_boot.mmap[i].base +
					       guest_boot.mmap[i].len);
	return top;
}

static void check_hc_errors(void)
{
	u64 past = ALIGN_DOWN(ram_top(), 8) - 8;
	s64 r;

	r = modex_hypercall(MODEX_HC_COUNT, 0, 0, 0, NULL);
	GCHECK(r == -E_NOSUPP, "call %u: %lld, -E_NOSUPP expected",
	       MODEX_HC_COUNT, (long long)r);
	r = modex_hypercall(0xffff, 0, 0, 0, NULL);
	GCHECK(r == -E_NOSUPP, "call 0xffff: %lld, -E_NOSUPP expected",
	       (long long)r);
	r = modex_hypercall(MODEX_HC_STATS, 1ULL << 52, 8, 0, NULL);
	GCHECK(r == -E_FAULT, "STATS at 2^52: %lld, -E_FAULT expected",
	       (long long)r);
	/* Straddles the end of RAM: the first word is RAM, the rest not. */
	r = modex_hypercall(MODEX_HC_STATS, past, 8, 0, NULL);
	GCHECK(r == -E_FAULT,
	       "STATS at %#llx (end of RAM): %lld, -E_FAULT expected",
	       (unsigned long long)past, (long long)r);
	r = modex_hypercall(MODEX_HC_TRACE, 1ULL << 52, 4, 0, NULL);
	GCHECK(r == -E_FAULT, "TRACE at 2^52: %lld, -E_FAULT expected",
	       (long long)r);
}

static int check_hypercalls(void)
{
	struct hc_regs o;
	s64 r;

	if (!modex)
		return CHECK_SKIP;
	r = modex_hypercall(MODEX_HC_VERSION, 0, 0, 0, &o);
	GCHECK(r == 0 && o.rbx == MODEX_VERSION_CODE &&
		       o.rcx == MODEX_ABI_VERSION,
	       "VERSION: %lld, %#llx ABI %llu", (long long)r,
	       (unsigned long long)o.rbx, (unsigned long long)o.rcx);
	GCHECK(modex_features_rc == 0, "FEATURES: %lld",
	       (long long)modex_features_rc);
	GINFO("features %#llx\n", (unsigned long long)modex_features);
	if (modex_features & MODEX_FEAT_STATS)
		check_hc_stats();
	else
		GCHECK(hc_stats(stats_buf, 1, NULL) == -E_NOSUPP,
		       "STATS without MODEX_FEAT_STATS should be -E_NOSUPP");
	if (modex_features & MODEX_FEAT_TRACE)
		check_hc_trace();
	else
		GCHECK(modex_hypercall(MODEX_HC_TRACE, (u64)trace_buf, 1, 0,
				       NULL) == -E_NOSUPP,
		       "TRACE without MODEX_FEAT_TRACE should be -E_NOSUPP");
	check_hc_errors();
	return 0;
}

/* "fault=ud" ends with an unexpected #UD, to prove the failure path. */
static void maybe_fault(void)
{
	char what[8];

	if (cmdline_value("fault", what, sizeof(what)) && !strcmp(what, "ud")) {
		guest_log("raising an unexpected #UD (fault=ud)\n");
		asm volatile("ud2");
	}
}

/*
 * "no-iommu": under Modex on a machine with an IOMMU, L1's ACPI lists
 * none (DMAR, IVRS dropped from its RSDT/XSDT copy), the multiboot2 tag
 * (or, for multiboot1, the RSDP L1 finds by scanning) points at that
 * copy, which the memory map keeps as ACPI reclaimable, and every other
 * table is still reachable (the MADT).
 */
static int check_no_iommu(void)
{
	const char *from = "";
	u64 rsdp = 0, t = 0, root = 0;
	bool in_acpi = false;

	GCHECK(guest_acpi_find("DMAR", &rsdp, &from, &t) == 0, "no valid RSDP");
	GCHECK(!t, "L1's ACPI lists a DMAR at %#lx (RSDP %#lx from %s)", t,
	       rsdp, from);
	/* Multiboot1 has no ACPI tag: L1 scans the EBDA and the BIOS area
	 * (ACPI 6.5 5.2.5.1), where Modex shows it the copy's RSDP. */
	GCHECK(guest_boot.rsdp ? rsdp == guest_boot.rsdp : rsdp != 0,
	       "the RSDP %#lx came from %s, not a multiboot2 tag", rsdp, from);
	GCHECK(guest_acpi_find("IVRS", &rsdp, &from, &t) == 0 && !t,
	       "L1's ACPI lists an IVRS at %#lx", t);
	GCHECK(guest_acpi_find("APIC", &rsdp, &from, &t) == 0 && t,
	       "the MADT is no longer reachable from L1's RSDP %#lx", rsdp);
	/* ACPI 6.5 5.2.5.3: the RSDT address at offset 16. */
	if (rsdp)
		memcpy(&root, (const void *)(rsdp + 16), 4);
	for (unsigned i = 0; i < guest_boot.nr_mmap; i++) {
		const struct guest_mem_region *r = &guest_boot.mmap[i];

		if (r->type == 3 && root >= r->base && root - r->base < r->len)
			in_acpi = true;
	}
	GCHECK(in_acpi, "the RSDT at %#lx is not in an ACPI reclaimable region",
	       root);
	guest_log(
		"  RSDP %#lx (%s), RSDT %#lx, no DMAR or IVRS, MADT at %#lx\n",
		rsdp, from, root, t);
	return 0;
}

void guest_main(void)
{
	char smp_opt[8];

	modex = under_modex();
	if (modex) {
		struct hc_regs o;

		modex_features_rc =
			modex_hypercall(MODEX_HC_FEATURES, 0, 0, 0, &o);
		if (modex_features_rc == 0)
			modex_features = o.rbx;
	}
	guest_log("running %s Modex\n", modex ? "under" : "without");
	run_check("boot-state", check_boot_state);
	run_check("bootinfo", check_bootinfo);
	run_check("ram", check_ram);
	run_check("hidden-memory", check_hidden_memory);
	run_check("hidden-semantics", check_hidden_semantics);
	run_check("memmap-shape", check_memmap_shape);
	if (guest_boot.efi_mmap)
		run_check("efi", check_efi);
	run_check("modules", check_modules);
	run_check("cpuid", check_cpuid);
	run_check("msr", check_msrs);
	run_check("xsetbv", check_xsetbv);
	run_check("virt-insns", check_virt_insns);
	run_check("hypercall", check_hypercalls);
	run_check("single-step", check_single_step);
	run_check("mtrr", check_mtrr);
	run_check("pat", check_pat);
	run_check("decode-msrs", check_decode_msrs);
	if (cpu_is_intel())
		run_check("misc-enable", check_misc_enable);
	run_check("invd", check_invd);
	run_check("pci-cfg", check_pci_cfg);
	if (cmdline_has("no-iommu"))
		run_check("no-iommu", check_no_iommu);
	if (cmdline_has("smp") ||
	    cmdline_value("smp", smp_opt, sizeof(smp_opt)))
		l1_smp_checks(modex);
	/* Last: it disables and re-enables the BSP's APIC, which some CPUs
	 * (both emulators) only re-enable at reset, ending its IPIs. It
	 * starts from xAPIC mode, which "smp-x2apic" has left for good
	 * (x2APIC -> xAPIC only through disabled: SDM Vol. 3A 11.12.5). */
	if (!cmdline_has("smp-x2apic"))
		run_check("apic-base", check_apic_base);
	maybe_fault();
}
