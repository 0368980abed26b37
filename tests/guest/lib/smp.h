/* SPDX-License-Identifier: MIT */
/*
 * Test-guest multiprocessing: the CPUs ACPI's MADT lists, the local APIC
 * (xAPIC through its MMIO page or x2APIC through MSRs, one mode for all
 * CPUs), a TSC-based clock for delays and timeouts, and the application
 * processors (APs): each is started with INIT-SIPI-SIPI through the 16-bit
 * trampoline (ap_trampoline.S), comes up in long mode on the boot page
 * tables with its own stack, runs the test's boot hook, then idles with
 * interrupts on (HLT) and runs commands the BSP posts to it.
 * Offsets marked "asm" are shared with ap_trampoline.S.
 */
#ifndef MODEX_TESTS_GUEST_LIB_SMP_H
#define MODEX_TESTS_GUEST_LIB_SMP_H

#define GUEST_MAX_CPUS 16
#define GUEST_AP_STACK_SIZE 16384

/* Selectors of guest_gdt (entry.S). */
#define GUEST_CS64 0x08
#define GUEST_DS 0x10
#define GUEST_CS32 0x18

/* struct guest_cpu offsets (asm). */
#define GCPU_APIC_ID 8
#define GCPU_STACK_TOP 16
#define GCPU_BOOT_COUNT 24
#define GCPU_STATE 28
#define GCPU_ENTRY_CR0 32
#define GCPU_ENTRY_CR4 36
#define GCPU_ENTRY_EFLAGS 40
#define GCPU_ENTRY_EFER 48
#define GCPU_SIZE 256

/* guest_cpu.state */
#define GCPU_S_OFF 0 /* never started, or INIT received (BSP's view) */
#define GCPU_S_TRAMPOLINE 1 /* reached the 32-bit entry (asm) */
#define GCPU_S_STARTED 2 /* in C, APIC set up */
#define GCPU_S_IDLE 3 /* boot hook done, waiting for commands */
#define GCPU_S_FAULTED 4 /* took an exception; halted for good */

/* Interrupt vectors (SDM Vol. 3A 7.2: 32-255 are free for software). */
#define GUEST_VEC_IPI 0x40 /* counted: the IPI tests */
#define GUEST_VEC_WAKE 0x41 /* wakes an idle AP for a command */
#define GUEST_VEC_SPURIOUS 0xff /* SDM Vol. 3A 11.9: low 4 bits 1s */

#ifndef __ASSEMBLY__
#include "tests/guest/lib/guest.h"

struct guest_cpu;
typedef void (*guest_cpu_fn)(struct guest_cpu *c, void *arg);

struct guest_cpu {
	struct guest_cpu *self; /* 0: %gs:0 on this CPU */
	u32 apic_id; /* asm: from the MADT */
	u32 index;
	u64 stack_top; /* asm */
	volatile u32 boot_count; /* asm: trampoline entries */
	volatile u32 state; /* asm: GCPU_S_* */
	/* The CPU state the trampoline found (asm): after INIT, SDM Vol.
	 * 3A 10.1.1 table 10-1. */
	u32 entry_cr0, entry_cr4, entry_eflags, pad0;
	u64 entry_efer;
	/* Filled by the CPU itself in C. */
	volatile u32 reported; /* boot_count whose boot hook has finished */
	u32 lapic_id; /* its APIC's ID register */
	u32 cpuid_apic_id; /* CPUID 0xb EDX or CPUID 1 EBX[31:24] */
	u64 apic_base; /* IA32_APIC_BASE as the CPU first read it */
	u32 fault_vector;
	u64 fault_rip, fault_error;
	volatile u64 ipi_count, wake_count, spurious_count, other_irqs;
	volatile u32 other_vector; /* the last unexpected vector */
	/* Commands: the BSP sets fn/arg, then bumps cmd_seq. */
	guest_cpu_fn volatile cmd_fn;
	void *volatile cmd_arg;
	volatile u32 cmd_seq, done_seq;
	volatile u64 heartbeat; /* guest_cpu_spin() counts here */
	volatile bool spin_stop;
	bool enabled, online_capable; /* MADT flags */
} __aligned(GCPU_SIZE);
_Static_assert(__builtin_offsetof(struct guest_cpu, apic_id) == GCPU_APIC_ID,
	       "guest_cpu layout");
_Static_assert(__builtin_offsetof(struct guest_cpu, stack_top) ==
		       GCPU_STACK_TOP,
	       "guest_cpu layout");
_Static_assert(__builtin_offsetof(struct guest_cpu, boot_count) ==
		       GCPU_BOOT_COUNT,
	       "guest_cpu layout");
_Static_assert(__builtin_offsetof(struct guest_cpu, state) == GCPU_STATE,
	       "guest_cpu layout");
_Static_assert(__builtin_offsetof(struct guest_cpu, entry_cr0) ==
		       GCPU_ENTRY_CR0,
	       "guest_cpu layout");
_Static_assert(__builtin_offsetof(struct guest_cpu, entry_eflags) ==
		       GCPU_ENTRY_EFLAGS,
	       "guest_cpu layout");
_Static_assert(__builtin_offsetof(struct guest_cpu, entry_efer) ==
		       GCPU_ENTRY_EFER,
	       "guest_cpu layout");
_Static_assert(sizeof(struct guest_cpu) == GCPU_SIZE, "guest_cpu size");

/* ---- ACPI ---- */
struct guest_madt_cpu {
	u32 apic_id;
	bool enabled, online_capable; /* ACPI 6.5 5.2.12.2 flags */
	bool x2apic_entry; /* listed by a type 9 (x2APIC) entry */
};

struct guest_madt {
	u64 rsdp, madt; /* where they were found */
	const char *rsdp_from;
	u64 lapic_addr; /* the MADT's, or its type 5 override */
	struct guest_madt_cpu cpu[GUEST_MAX_CPUS];
	unsigned nr_cpus; /* entries enabled or online-capable */
	unsigned nr_skipped; /* entries neither: not CPUs to start */
	bool truncated; /* more than GUEST_MAX_CPUS */
	const char *err; /* why parsing failed */
	u32 err_at; /* the offset of the bad entry */
};

/* Finds and parses the MADT: 0, or -E_* with @m->err saying why. */
int guest_acpi_madt(struct guest_madt *m);
/*
 * The RSDP the guest uses (*@from: where it was found) and the table with
 * signature @sig through its RSDT/XSDT (*@table, 0 when absent): 0, or
 * -E_NOENT when there is no valid RSDP.
 */
int guest_acpi_find(const char *sig, u64 *rsdp, const char **from, u64 *table);
/* Parses the @len-byte MADT at @table (pure): 0 or -E_INVAL with err. */
int guest_madt_parse(const void *table, size_t len, struct guest_madt *m);
/* The byte sum ACPI tables must make 0 (ACPI 6.5 5.2.6). */
u8 acpi_sum(const void *p, size_t n);

/* ---- clock (TSC calibrated against PIT channel 2) ---- */
/* Calibrates once; says how in @how (may be NULL). */
void guest_clock_init(char *how, size_t len);
u64 guest_now_us(void);
void guest_udelay(u64 us);
/* Spins (PAUSE) until *@p == @want or @us pass; true if it got there. */
bool guest_wait_eq(const volatile u32 *p, u32 want, u64 us);
bool guest_wait_ge64(const volatile u64 *p, u64 want, u64 us);

/* ---- local APIC (the mode guest_smp_setup chose) ---- */
#define MSR_APIC_BASE 0x1b /* SDM Vol. 3A 11.4.4, 11.12.1 */
#define APIC_BASE_BSP BIT(8)
#define APIC_BASE_EXTD BIT(10)
#define APIC_BASE_EN BIT(11)
#define APIC_BASE_ADDR 0xffffff000ULL
#define APIC_ID 0x20
#define APIC_TPR 0x80
#define APIC_EOI 0xb0
#define APIC_LDR 0xd0
#define APIC_DFR 0xe0
#define APIC_SVR 0xf0
#define APIC_ESR 0x280
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
/* ICR low word (SDM Vol. 3A 11.6.1 figure 11-12). */
#define ICR_FIXED (0u << 8)
#define ICR_INIT (5u << 8)
#define ICR_STARTUP (6u << 8)
#define ICR_LOGICAL BIT(11)
#define ICR_BUSY BIT(12)
#define ICR_ASSERT BIT(14)
#define ICR_LEVEL BIT(15)
#define ICR_SH_SELF (1u << 18)
#define ICR_SH_ALL (2u << 18)
#define ICR_SH_OTHERS (3u << 18)

extern bool guest_x2apic; /* all CPUs use x2APIC mode */
u32 guest_apic_read(u32 reg);
void guest_apic_write(u32 reg, u32 val);
u32 guest_apic_self_id(void);
/*
 * Sends one IPI (@icr_lo, to @dest unless a shorthand is set); false if
 * the xAPIC still showed it pending after a timeout.
 */
bool guest_send_ipi(u32 dest, u32 icr_lo);

/* ---- CPUs ---- */
extern struct guest_cpu guest_cpus[GUEST_MAX_CPUS]; /* [0]: the BSP */
extern u32 guest_nr_cpus;
extern u64 guest_ap_tramp_pa; /* the trampoline page */
/* Starts of a CPU whose APIC ID is not in the table, and the last ID. */
extern u32 guest_ap_unknown, guest_ap_unknown_id;
/* Runs on each AP after every start, before it idles (set by the test). */
extern guest_cpu_fn guest_ap_boot_hook;

/*
 * On the BSP: the CPU table from @m (the BSP first), the APIC mode, the
 * trampoline below 1 MiB, IDT gates, the 8259 PICs masked, this CPU's
 * APIC enabled. 0, or -E_* with @err saying why.
 */
int guest_smp_setup(const struct guest_madt *m, bool x2apic, char *err,
		    size_t len);
/* The calling CPU's slot (its %gs:0). */
struct guest_cpu *guest_this_cpu(void);

/*
 * INIT assert (and, with the xAPIC, INIT deassert) to @c; the caller
 * waits 10 ms before the SIPIs (SDM Vol. 3A 9.4.4.1). False if an IPI
 * stayed pending.
 */
bool guest_cpu_init(struct guest_cpu *c);
/* One SIPI to @c for the trampoline page. */
bool guest_cpu_sipi(struct guest_cpu *c);
/*
 * The whole start sequence for @c (INIT, 10 ms, SIPI, 200 us, SIPI); waits
 * up to @us for it to reach C. 0, or -E_* with @err saying why.
 */
int guest_cpu_start(struct guest_cpu *c, u64 us, char *err, size_t len);

/* Posts fn(c, arg) to the idle AP @c and wakes it. */
void guest_cpu_post(struct guest_cpu *c, guest_cpu_fn fn, void *arg);
/* Waits up to @us for @c to finish what was posted. */
bool guest_cpu_wait_done(struct guest_cpu *c, u64 us);
/* A command: counts c->heartbeat until c->spin_stop (interrupts on). */
void guest_cpu_spin(struct guest_cpu *c, void *arg);

static inline void guest_irq_enable(void)
{
	asm volatile("sti" ::: "memory");
}

static inline void guest_irq_disable(void)
{
	asm volatile("cli" ::: "memory");
}

static inline void guest_wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr"
		     :
		     : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}
#endif /* !__ASSEMBLY__ */

#endif /* MODEX_TESTS_GUEST_LIB_SMP_H */
