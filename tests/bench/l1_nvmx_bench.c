// SPDX-License-Identifier: MIT
/*
 * Nested VMX round-trip benchmark (not a test), run as L1 under Modex or
 * directly on Bochs (baseline): L1 is a minimal hypervisor (the L1 test
 * hypervisor's library, tests/guest/vmx/) whose L2 executes CPUID in a
 * loop; L1 handles each CPUID exit (reads the exit fields, moves L2's RIP
 * past it) and resumes L2. Bochs's TSC counts instructions, Modex's
 * included, so the difference between the runs is Modex's path length per
 * L2 exit handled by L1; under Modex the exits Modex took are counted too
 * (MODEX_HC_STATS: L1's exits plus the nested counters).
 * Prints "[l1] bench: <name> n=<N> tsc=<T> [l0-exits=<E>]" lines that
 * tools/bench-nvmx.sh parses.
 * Also n/4 L2 fetch violations reflected to L1, with MBEC off and (where
 * advertised) on in vmcs12.
 * Command line: n=<iterations> (default 20000), touch=<pages> (EPT02
 * faults per L2 page: L2 touches that many fresh 4 KiB pages; default 0).
 */
#include "tests/guest/lib/guest.h"
#include "tests/guest/vmx/vmx.h"

#include "hv/exit_info.h"
#include "hv/include/hypercall.h"
#include "hv/include/lib.h"

#define EXIT_REASON_CPUID 10
#define EXIT_REASON_VMCALL 18
#define EXIT_REASON_EPT_VIOLATION 48

/* L2: CPUID forever (L1 counts the exits). */
void l2_cpuid_forever(void);
asm(".text\n"
    ".globl l2_cpuid_forever\n"
    "l2_cpuid_forever:\n"
    "1: xorl %eax, %eax\n"
    "   cpuid\n"
    "   jmp 1b\n");

/* L2: read one byte of each of RCX pages from RSI, then VMCALL. */
void l2_touch_pages(void);
asm(".text\n"
    ".globl l2_touch_pages\n"
    "l2_touch_pages:\n"
    "1: movb (%rsi), %al\n"
    "   addq $4096, %rsi\n"
    "   decq %rcx\n"
    "   jnz 1b\n"
    "   vmcall\n"
    "2: jmp 2b\n");

/* L0 exits so far: L1's own plus L2's that Modex handled or reflected. */
static u64 l0_exits(bool modex)
{
	static u64 counts[EXIT_R_COUNT + MODEX_NSTAT_COUNT];
	struct hc_regs o;

	if (!modex || modex_hypercall(MODEX_HC_STATS, (u64)counts,
				      ARRAY_SIZE(counts), 0, &o))
		return 0;
	return o.rcx + counts[EXIT_R_COUNT + MODEX_NSTAT_REFLECTED] +
	       counts[EXIT_R_COUNT + MODEX_NSTAT_HANDLED];
}

/* n L2 CPUID exits, each handled by L1 as a hypervisor would. */
static void bench_cpuid(u64 n, bool modex)
{
	struct l2_exit e;
	u64 t0, x0;

	l2_start(l2_cpuid_forever, 0);
	for (int i = 0; i < 100; i++) { /* warm up: EPT02, caches */
		l2_run(&e);
		l2_skip(&e);
	}
	x0 = l0_exits(modex);
	t0 = guest_rdtsc();
	for (u64 i = 0; i < n; i++) {
		l2_run(&e);
		if ((e.reason & 0xffff) != EXIT_REASON_CPUID) {
			guest_log("bench: unexpected L2 exit %#x\n", e.reason);
			return;
		}
		l2_skip(&e);
	}
	t0 = guest_rdtsc() - t0;
	guest_log("bench: l2-cpuid n=%llu tsc=%llu l0-exits=%llu\n",
		  (unsigned long long)n, (unsigned long long)t0,
		  (unsigned long long)(l0_exits(modex) - x0));
}

/* L2 touches @pages fresh 4 KiB pages of its identity map once. */
static void bench_touch(u64 pages, bool modex)
{
	static u64 counts[EXIT_R_COUNT + MODEX_NSTAT_COUNT];
	struct l2_exit e;
	struct hc_regs o;
	u64 fixed0 = 0;

	if (modex && !modex_hypercall(MODEX_HC_STATS, (u64)counts,
				      ARRAY_SIZE(counts), 0, &o))
		fixed0 = counts[EXIT_R_COUNT + MODEX_NSTAT_SHADOW_FIXED];
	l2_regs.rsi = 8ULL << 20; /* 8 MiB: identity-mapped, untouched */
	l2_regs.rcx = pages;
	l2_start(l2_touch_pages, 0);
	l2_run(&e);
	if ((e.reason & 0xffff) != EXIT_REASON_VMCALL) {
		guest_log("bench: unexpected L2 exit %#x\n", e.reason);
		return;
	}
	if (modex && !modex_hypercall(MODEX_HC_STATS, (u64)counts,
				      ARRAY_SIZE(counts), 0, &o))
		guest_log(
			"bench: l2-touch pages=%llu shadow-faults=%llu\n",
			(unsigned long long)pages,
			(unsigned long long)(counts[EXIT_R_COUNT +
						    MODEX_NSTAT_SHADOW_FIXED] -
					     fixed0));
}

/*
 * n L2 fetch violations reflected to L1: L2 jumps to the test page at its
 * supervisor-mode address, which EPT12 makes readable only (and, with
 * @mbec, user-executable only); L1 takes each EPT violation and restarts
 * L2 at the jump.
 */
static void bench_violation(u64 n, bool modex, bool mbec)
{
	u64 *pte = ept_slot_entry[SLOT_PTE], old = *pte, t0, x0;
	struct l2_exit e;

	if (mbec && !(vmx_has_mbec() && ctl_set(PROC_CTLS2, PROC2_MBEC)))
		return;
	*pte = (old & ~(u64)EPT_PERMS) | EPT_R | (mbec ? EPT_XU : 0);
	ept_flush();
	l2_regs.rdi = TEST_LA_4K_SUP;
	l2_start(l2_fetch, 0);
	x0 = l0_exits(modex);
	t0 = guest_rdtsc();
	for (u64 i = 0; i < n; i++) {
		/* Back to the jump: the fields a hypervisor rewrites. */
		vmw(GUEST_RIP, (u64)l2_fetch);
		vmw(GUEST_RSP, l2_stack_top());
		l2_run(&e);
		if ((e.reason & 0xffff) != EXIT_REASON_EPT_VIOLATION) {
			guest_log("bench: unexpected L2 exit %#x\n", e.reason);
			break;
		}
	}
	t0 = guest_rdtsc() - t0;
	guest_log("bench: l2-fetch-violation%s n=%llu tsc=%llu l0-exits=%llu\n",
		  mbec ? "-mbec" : "", (unsigned long long)n,
		  (unsigned long long)t0,
		  (unsigned long long)(l0_exits(modex) - x0));
	*pte = old;
	ept_flush();
	if (mbec)
		ctl_clear(PROC_CTLS2, PROC2_MBEC);
}

static int bench(void)
{
	const char *why = NULL;
	char buf[24];
	u64 n = 20000, touch = 0;
	bool modex = under_modex();

	if (cmdline_value("n", buf, sizeof(buf)))
		n = guest_parse_u64(buf);
	if (cmdline_value("touch", buf, sizeof(buf)))
		touch = guest_parse_u64(buf);
	if (!vmx_caps_read(&why)) {
		guest_log("bench: no VMX: %s\n", why);
		return CHECK_SKIP;
	}
	guest_gdt_init();
	if (!l2_world_init(&why) || vmx_on() != VMX_OK) {
		guest_log("bench: cannot set up L2: %s\n", why ? why : "VMXON");
		return CHECK_SKIP;
	}
	vmcs_setup(vmx_has_ept());
	if (touch)
		bench_touch(touch, modex);
	bench_cpuid(n, modex);
	if (vmx_has_ept()) {
		bench_violation(n / 4, modex, false);
		bench_violation(n / 4, modex, true);
	}
	return 0;
}

void guest_main(void)
{
	/* The legacy PICs stay masked: no interrupt disturbs the loops. */
	asm volatile("outb %0, $0x21; outb %0, $0xa1" : : "a"((u8)0xff));
	run_check("bench", bench);
}
