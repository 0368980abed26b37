// SPDX-License-Identifier: MIT
/*
 * Exit round-trip benchmark, run as L1 (under Modex) or directly on the
 * emulator (baseline). Under QEMU -icount shift=0 the TSC counts guest
 * instructions (one per nanosecond of virtual time), Modex's included, so
 * the difference between the two runs is Modex's path length per exit.
 * Prints "[l1] bench: <name> n=<N> tsc=<T>" lines that tools/bench-svm.sh
 * and tools/bench-vmx.sh parse, and the exits Modex counted before main
 * (L1's boot).
 * Command line: n=<iterations> (default 100000).
 */
#include "tests/guest/lib/guest.h"

#include "hv/exit_info.h"
#include "hv/include/hypercall.h"
#include "hv/include/lib.h"

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static u64 parse_u64(const char *s)
{
	u64 v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return v;
}

static u64 loop_cpuid(u64 n)
{
	u64 t0 = rdtsc();

	for (u64 i = 0; i < n; i++) {
		u32 a = 0, b, c = 0, d;

		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	}
	return rdtsc() - t0;
}

/* The same loop with a one-instruction body that never exits. */
static u64 loop_nop(u64 n)
{
	u64 t0 = rdtsc();

	for (u64 i = 0; i < n; i++) {
		u32 a = 0, b = 0, c = 0, d = 0;

		asm volatile("nop" : "+a"(a), "+b"(b), "+c"(c), "+d"(d));
	}
	return rdtsc() - t0;
}

/* VMMCALL on AMD, VMCALL on Intel (the other is #UD on each). */
static u64 loop_hypercall(u64 n, bool amd)
{
	u64 t0 = rdtsc();

	for (u64 i = 0; i < n; i++) {
		u64 a = MODEX_HC_MAGIC | MODEX_HC_VERSION, b = 0, c = 0, d = 0;

		if (amd)
			asm volatile("vmmcall"
				     : "+a"(a), "+b"(b), "+c"(c), "+d"(d));
		else
			asm volatile("vmcall"
				     : "+a"(a), "+b"(b), "+c"(c), "+d"(d));
	}
	return rdtsc() - t0;
}

/* A store to the xAPIC task-priority register (0 keeps every interrupt
 * deliverable): an MMIO write natively, an emulated store on SVM under
 * Modex (docs/svm.md), the cost every EOI pays. */
static u64 loop_xapic_store(u64 n)
{
	volatile u32 *tpr =
		(volatile u32 *)((guest_rdmsr(0x1b) & ~0xfffULL) + 0x80);
	u64 t0 = rdtsc();

	for (u64 i = 0; i < n; i++)
		*tpr = 0;
	return rdtsc() - t0;
}

static void report_boot_exits(void)
{
	static u64 counts[EXIT_R_COUNT];
	struct hc_regs o;

	if (modex_hypercall(MODEX_HC_STATS, (u64)counts, EXIT_R_COUNT, 0, &o))
		return;
	guest_log(
		"bench: boot-exits total=%llu cpuid=%llu hypercall=%llu msr=%llu npf=%llu\n",
		(unsigned long long)o.rcx,
		(unsigned long long)counts[EXIT_R_CPUID],
		(unsigned long long)counts[EXIT_R_HYPERCALL],
		(unsigned long long)(counts[EXIT_R_MSR_READ] +
				     counts[EXIT_R_MSR_WRITE]),
		(unsigned long long)counts[EXIT_R_NPF]);
}

static int bench(void)
{
	char buf[24];
	u64 n = 100000;
	bool modex = under_modex();

	if (cmdline_value("n", buf, sizeof(buf)))
		n = parse_u64(buf);
	if (modex)
		report_boot_exits();
	guest_log("bench: nop n=%llu tsc=%llu\n", (unsigned long long)n,
		  (unsigned long long)loop_nop(n));
	guest_log("bench: cpuid n=%llu tsc=%llu\n", (unsigned long long)n,
		  (unsigned long long)loop_cpuid(n));
	/* One label for both vendors, as tools/bench-svm.sh and
	 * tools/bench-vmx.sh parse it: VMMCALL on AMD, VMCALL on Intel. */
	guest_log("bench: xapic-store n=%llu tsc=%llu\n", (unsigned long long)n,
		  (unsigned long long)loop_xapic_store(n));
	if (modex)
		guest_log("bench: vmmcall n=%llu tsc=%llu\n",
			  (unsigned long long)n,
			  (unsigned long long)loop_hypercall(n, cpu_is_amd()));
	return 0;
}

void guest_main(void)
{
	run_check("bench", bench);
}
