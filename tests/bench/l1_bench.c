// SPDX-License-Identifier: MIT
/*
 * Exit round-trip benchmark, run as L1 (under Modex) or directly on the
 * emulator (baseline). Under QEMU -icount shift=0 the TSC counts guest
 * instructions (one per nanosecond of virtual time), Modex's included, so
 * the difference between the two runs is Modex's path length per exit.
 * Prints "[l1] bench: <name> n=<N> tsc=<T>" lines that tools/bench-svm.sh
 * and tools/bench-vmx.sh parse, the exits Modex counted before main (L1's
 * boot) and the TSC at L1's first instruction (the end of the boot path).
 * IPI mode: N fixed-vector IPIs to this CPU's own APIC ID through the xAPIC
 * ICR (MMIO) and, where CPUID has x2APIC, through the x2APIC ICR (WRMSR
 * 0x830, after IA32_APIC_BASE enables x2APIC), each received by a handler
 * that EOIs, with the exits Modex counted in the loop.
 * Command line: n=<iterations> (default 100000), ipi=<iterations> (IPI
 * loops; default 0: none).
 */
#include "tests/guest/lib/guest.h"

#include "hv/exit_info.h"
#include "hv/include/hypercall.h"
#include "hv/include/lib.h"

static u64 loop_cpuid(u64 n)
{
	u64 t0 = guest_rdtsc();

	for (u64 i = 0; i < n; i++) {
		u32 a = 0, b, c = 0, d;

		asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	}
	return guest_rdtsc() - t0;
}

/* The same loop with a one-instruction body that never exits. */
static u64 loop_nop(u64 n)
{
	u64 t0 = guest_rdtsc();

	for (u64 i = 0; i < n; i++) {
		u32 a = 0, b = 0, c = 0, d = 0;

		asm volatile("nop" : "+a"(a), "+b"(b), "+c"(c), "+d"(d));
	}
	return guest_rdtsc() - t0;
}

/* VMMCALL on AMD, VMCALL on Intel (the other is #UD on each). */
static u64 loop_hypercall(u64 n, bool amd)
{
	u64 t0 = guest_rdtsc();

	for (u64 i = 0; i < n; i++) {
		u64 a = MODEX_HC_MAGIC | MODEX_HC_VERSION, b = 0, c = 0, d = 0;

		if (amd)
			asm volatile("vmmcall"
				     : "+a"(a), "+b"(b), "+c"(c), "+d"(d));
		else
			asm volatile("vmcall"
				     : "+a"(a), "+b"(b), "+c"(c), "+d"(d));
	}
	return guest_rdtsc() - t0;
}

/* A store to the xAPIC task-priority register (0 keeps every interrupt
 * deliverable): an MMIO write natively, an emulated store on SVM under
 * Modex (docs/svm.md), the cost every EOI pays. */
static u64 loop_xapic_store(u64 n)
{
	volatile u32 *tpr =
		(volatile u32 *)((guest_rdmsr(0x1b) & ~0xfffULL) + 0x80);
	u64 t0 = guest_rdtsc();

	for (u64 i = 0; i < n; i++)
		*tpr = 0;
	return guest_rdtsc() - t0;
}

/* ---------------------------------------------------------------- IPIs */

#define IPI_VECTOR 0xf0
#define SPURIOUS_VECTOR 0xff
#define MSR_APIC_BASE 0x1b
#define APIC_BASE_EXTD BIT(10) /* x2APIC mode (SDM Vol. 3A 11.12.1) */
#define APIC_BASE_EN BIT(11)
#define APIC_BASE_ADDR_MASK 0xffffff000ULL
#define CPUID1_ECX_X2APIC BIT(21)
/* xAPIC register offsets (SDM Vol. 3A table 11-1); x2APIC MSR = 0x800 +
 * offset / 16 (table 11-6). */
#define APIC_ID 0x20
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define X2APIC_MSR(off) (0x800u + ((off) >> 4))
#define SVR_ENABLE BIT(8)
#define IPI_SPIN_MAX 10000 /* polls for one IPI to arrive */

struct idt_gate {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, zero;
} __packed;

static struct idt_gate bench_idt[256] __aligned(16);

/* Read by the handler: the xAPIC EOI register, or NULL for x2APIC. */
volatile u32 *bench_eoi_mmio;
volatile u64 bench_ipis;
extern char bench_ipi_entry[], bench_spurious_entry[];

/* SDM Vol. 3A 11.8.5: a write to EOI retires the in-service interrupt. */
asm(".text\n"
    "bench_ipi_entry:\n\t"
    "pushq %rax\n\tpushq %rcx\n\tpushq %rdx\n\t"
    "incq bench_ipis(%rip)\n\t"
    "movq bench_eoi_mmio(%rip), %rax\n\t"
    "testq %rax, %rax\n\tjz 1f\n\t"
    "movl $0, (%rax)\n\tjmp 2f\n"
    "1:\tmovl $0x80b, %ecx\n\txorl %eax, %eax\n\txorl %edx, %edx\n\t"
    "wrmsr\n"
    "2:\tpopq %rdx\n\tpopq %rcx\n\tpopq %rax\n\tiretq\n"
    /* SDM Vol. 3A 11.9: a spurious interrupt takes no EOI. */
    "bench_spurious_entry:\n\tiretq\n");

static inline void wrmsr64(u32 msr, u64 v)
{
	asm volatile("wrmsr"
		     :
		     : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

static void set_gate(unsigned v, void *fn)
{
	u64 off = (u64)fn;

	bench_idt[v] = bench_idt[1];
	bench_idt[v].off_lo = (u16)off;
	bench_idt[v].off_mid = (u16)(off >> 16);
	bench_idt[v].off_hi = (u32)(off >> 32);
}

/* The framework's 32 exception gates plus the IPI and spurious vectors. */
static void ipi_idt_init(void)
{
	struct __packed {
		u16 limit;
		u64 base;
	} idtr;

	asm volatile("sidt %0" : "=m"(idtr));
	memcpy(bench_idt, (void *)idtr.base,
	       MIN((u64)idtr.limit + 1, sizeof(bench_idt)));
	set_gate(IPI_VECTOR, bench_ipi_entry);
	set_gate(SPURIOUS_VECTOR, bench_spurious_entry);
	idtr.limit = sizeof(bench_idt) - 1;
	idtr.base = (u64)bench_idt;
	asm volatile("lidt %0" : : "m"(idtr));
	/* Legacy PIC interrupts would land on exception vectors: mask all. */
	asm volatile("outb %0, $0x21; outb %0, $0xa1" : : "a"((u8)0xff));
}

struct ipi_stats {
	u64 total, intr, msr, npf;
	bool ok;
};

static u64 stats_counts[EXIT_R_COUNT];

static struct ipi_stats read_stats(void)
{
	struct ipi_stats st = { 0 };
	struct hc_regs o;

	if (modex_hypercall(MODEX_HC_STATS, (u64)stats_counts, EXIT_R_COUNT, 0,
			    &o))
		return st;
	st.total = o.rcx;
	st.intr = stats_counts[EXIT_R_INTR];
	st.msr = stats_counts[EXIT_R_MSR_READ] + stats_counts[EXIT_R_MSR_WRITE];
	st.npf = stats_counts[EXIT_R_NPF];
	st.ok = true;
	return st;
}

static void send_ipi(bool x2, volatile u32 *mmio, u32 dest)
{
	/* Fixed delivery, physical destination, no shorthand (SDM Vol. 3A
	 * 11.6.1; x2APIC: 11.12.9). */
	if (x2) {
		wrmsr64(X2APIC_MSR(APIC_ICR_LO),
			((u64)dest << 32) | IPI_VECTOR);
	} else {
		mmio[APIC_ICR_HI / 4] = dest << 24;
		mmio[APIC_ICR_LO / 4] = IPI_VECTOR;
	}
}

/* N IPIs, each waited for; interrupts on only inside the loop. */
static u64 loop_ipi(u64 n, bool x2, volatile u32 *mmio, u32 dest, u64 *lost)
{
	u64 t0 = guest_rdtsc();

	*lost = 0;
	asm volatile("sti" ::: "memory");
	for (u64 i = 0; i < n; i++) {
		u64 want = bench_ipis + 1;
		unsigned spin = 0;

		send_ipi(x2, mmio, dest);
		while (bench_ipis < want && spin++ < IPI_SPIN_MAX)
			asm volatile("pause" ::: "memory");
		if (bench_ipis < want)
			(*lost)++;
	}
	asm volatile("cli" ::: "memory");
	return guest_rdtsc() - t0;
}

static void bench_ipi_mode(const char *name, u64 n, bool x2, volatile u32 *mmio,
			   u32 dest, bool modex)
{
	struct ipi_stats a = modex ? read_stats() : (struct ipi_stats){ 0 };
	u64 lost, tsc = loop_ipi(n, x2, mmio, dest, &lost);
	struct ipi_stats b = modex ? read_stats() : (struct ipi_stats){ 0 };

	/* The second STATS call counts itself: one hypercall exit. */
	guest_log(
		"bench: %s n=%llu tsc=%llu dest=%u lost=%llu exits=%lld intr=%llu msr=%llu npf=%llu\n",
		name, (unsigned long long)n, (unsigned long long)tsc, dest,
		(unsigned long long)lost,
		a.ok && b.ok ? (long long)(b.total - a.total - 1) : -1LL,
		(unsigned long long)(b.intr - a.intr),
		(unsigned long long)(b.msr - a.msr),
		(unsigned long long)(b.npf - a.npf));
}

static void bench_ipis_all(u64 n, bool modex)
{
	u64 base = guest_rdmsr(MSR_APIC_BASE);
	volatile u32 *mmio = (volatile u32 *)(base & APIC_BASE_ADDR_MASK);

	if (!(base & APIC_BASE_EN) || (base & APIC_BASE_EXTD)) {
		guest_log(
			"bench: ipi skipped: IA32_APIC_BASE %#llx (want xAPIC mode)\n",
			(unsigned long long)base);
		return;
	}
	ipi_idt_init();
	mmio[APIC_SVR / 4] = SVR_ENABLE | SPURIOUS_VECTOR;
	bench_eoi_mmio = &mmio[APIC_EOI / 4];
	bench_ipi_mode("ipi-xapic", n, false, mmio, mmio[APIC_ID / 4] >> 24,
		       modex);
	if (!(guest_cpuid(1, 0).ecx & CPUID1_ECX_X2APIC)) {
		guest_log(
			"bench: ipi-x2apic skipped: no x2APIC (CPUID.1:ECX[21])\n");
		return;
	}
	/* SDM Vol. 3A 11.12.5: xAPIC to x2APIC by setting EXTD with EN. */
	wrmsr64(MSR_APIC_BASE, base | APIC_BASE_EXTD);
	bench_eoi_mmio = NULL;
	bench_ipi_mode("ipi-x2apic", n, true, NULL,
		       (u32)guest_rdmsr(X2APIC_MSR(APIC_ID)), modex);
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
	u64 n = 100000, n_ipi = 0;
	bool modex = under_modex();

	if (cmdline_value("n", buf, sizeof(buf)))
		n = guest_parse_u64(buf);
	if (cmdline_value("ipi", buf, sizeof(buf)))
		n_ipi = guest_parse_u64(buf);
	guest_log("bench: l1-entry tsc=%llu\n",
		  (unsigned long long)guest_entry_state.tsc);
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
	if (n_ipi)
		bench_ipis_all(n_ipi, modex);
	return 0;
}

void guest_main(void)
{
	run_check("bench", bench);
}
