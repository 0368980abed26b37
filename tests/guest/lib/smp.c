// SPDX-License-Identifier: MIT
/*
 * Test-guest CPUs: the CPU table built from the MADT, the local APIC in
 * xAPIC or x2APIC mode, the AP trampoline page, starting an AP with
 * INIT-SIPI-SIPI (SDM Vol. 3A 9.4.4.1), the AP's C side (guest_ap_main:
 * APIC set-up, the test's boot hook, then idle and commands), interrupt
 * handling for every CPU, and an AP's exceptions (recorded in its slot; the
 * AP halts and the BSP reports it).
 * Context: setup and starts on the BSP; guest_ap_main on each AP; the
 * interrupt handler on whichever CPU takes the interrupt.
 */
#include "tests/guest/lib/smp.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "tests/guest/lib/exception.h"

#define MSR_X2APIC_FIRST 0x800 /* SDM Vol. 3A 11.12.1.2: 0x800 + reg / 16 */
#define MSR_X2APIC_ICR 0x830
#define MSR_EFER 0xc0000080u
#define EFER_LME BIT(8)
#define EFER_NXE BIT(11)
#define MSR_GS_BASE 0xc0000101u
#define CPUID1_ECX_X2APIC BIT(21)
#define SVR_ENABLE BIT(8)
#define DFR_FLAT 0xffffffffu /* SDM Vol. 3A 11.6.2.2: model 1111b */
#define ICR_WAIT_US 100000
#define PIC1_DATA 0x21
#define PIC2_DATA 0xa1
/* Below 640 KiB: SIPI vectors 0xa0-0xbf are reserved (SDM Vol. 3A 9.4.4.1). */
#define TRAMP_LOW 0x1000ULL
#define TRAMP_HIGH 0xa0000ULL

struct guest_cpu guest_cpus[GUEST_MAX_CPUS];
u32 guest_nr_cpus;
u64 guest_ap_tramp_pa;
bool guest_x2apic;
guest_cpu_fn guest_ap_boot_hook;

static u64 xapic_base;
static u8 ap_stacks[GUEST_MAX_CPUS][GUEST_AP_STACK_SIZE] __aligned(16);

extern char guest_ap_trampoline[], guest_ap_trampoline_end[];
extern char guest_ap_tramp_gdtr[];
extern u32 guest_ap_efer;
__noreturn void guest_ap_main(struct guest_cpu *c);

static inline void out8(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

/* ------------------------------------------------------------- APIC */

u32 guest_apic_read(u32 reg)
{
	if (guest_x2apic)
		return (u32)guest_rdmsr(MSR_X2APIC_FIRST + reg / 16);
	return *(volatile u32 *)(xapic_base + reg);
}

void guest_apic_write(u32 reg, u32 val)
{
	if (guest_x2apic)
		guest_wrmsr(MSR_X2APIC_FIRST + reg / 16, val);
	else
		*(volatile u32 *)(xapic_base + reg) = val;
}

/* SDM Vol. 3A 11.4.6: xAPIC ID in bits 31:24; x2APIC: all 32 bits. */
u32 guest_apic_self_id(void)
{
	u32 id = guest_apic_read(APIC_ID);

	return guest_x2apic ? id : id >> 24;
}

bool guest_send_ipi(u32 dest, u32 icr_lo)
{
	u64 end;

	/* SDM Vol. 3A 11.12.9: one WRMSR sends; no delivery status. */
	if (guest_x2apic) {
		guest_wrmsr(MSR_X2APIC_ICR, (u64)dest << 32 | icr_lo);
		return true;
	}
	/* SDM Vol. 3A 11.6.1: the write of the low word sends. */
	guest_apic_write(APIC_ICR_HI, dest << 24);
	guest_apic_write(APIC_ICR_LO, icr_lo);
	end = guest_now_us() + ICR_WAIT_US;
	while (guest_apic_read(APIC_ICR_LO) & ICR_BUSY) {
		if (guest_now_us() > end)
			return false;
		asm volatile("pause");
	}
	return true;
}

/* CPUID's view of this CPU's APIC ID (SDM Vol. 2A CPUID leaves 1, 0xb). */
static u32 cpuid_apic_id(void)
{
	if (guest_cpuid(0, 0).eax >= 0xb) {
		struct guest_cpuid r = guest_cpuid(0xb, 0);

		if (r.ebx & 0xffff)
			return r.edx;
	}
	return guest_cpuid(1, 0).ebx >> 24;
}

/*
 * This CPU's APIC: x2APIC mode if chosen (SDM Vol. 3A 11.12.5.1: EN=1
 * EXTD=0 -> EN=1 EXTD=1 is the valid way in; INIT keeps the mode),
 * flat logical destination with one bit per CPU index (xAPIC, 11.6.2.2;
 * x2APIC's LDR is fixed by its ID, 11.12.10.2), TPR 0, software-enabled
 * with the spurious vector (11.9).
 */
static void apic_cpu_setup(struct guest_cpu *c)
{
	u64 base = guest_rdmsr(MSR_APIC_BASE);

	c->apic_base = base;
	if (guest_x2apic && !(base & APIC_BASE_EXTD)) {
		guest_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
		guest_wrmsr(MSR_APIC_BASE,
			    base | APIC_BASE_EN | APIC_BASE_EXTD);
	} else if (!(base & APIC_BASE_EN)) {
		guest_wrmsr(MSR_APIC_BASE, base | APIC_BASE_EN);
	}
	if (!guest_x2apic) {
		guest_apic_write(APIC_DFR, DFR_FLAT);
		guest_apic_write(APIC_LDR,
				 c->index < 8 ? (1u << c->index) << 24 : 0);
	}
	guest_apic_write(APIC_TPR, 0);
	guest_apic_write(APIC_SVR, SVR_ENABLE | GUEST_VEC_SPURIOUS);
	c->lapic_id = guest_apic_self_id();
	c->cpuid_apic_id = cpuid_apic_id();
}

/* ------------------------------------------------------- interrupts */

struct guest_cpu *guest_this_cpu(void)
{
	struct guest_cpu *c;

	asm volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

static void smp_irq(struct guest_frame *f)
{
	struct guest_cpu *c = guest_this_cpu();

	switch (f->vector) {
	case GUEST_VEC_IPI:
		c->ipi_count++;
		break;
	case GUEST_VEC_WAKE:
		c->wake_count++;
		break;
	case GUEST_VEC_SPURIOUS:
		/* SDM Vol. 3A 11.9: a spurious interrupt takes no EOI. */
		c->spurious_count++;
		return;
	default:
		c->other_irqs++;
		c->other_vector = (u32)f->vector;
		break;
	}
	guest_apic_write(APIC_EOI, 0);
}

/* An AP's exception: record it, stop this CPU; the BSP reports it. */
static bool smp_ap_fault(struct guest_frame *f)
{
	struct guest_cpu *c = (void *)guest_rdmsr(MSR_GS_BASE);

	if (c <= &guest_cpus[0] || c >= &guest_cpus[guest_nr_cpus])
		return false;
	c->fault_vector = (u32)f->vector;
	c->fault_rip = f->rip;
	c->fault_error = f->error;
	c->state = GCPU_S_FAULTED;
	for (;;)
		asm volatile("cli; hlt");
}

/* ------------------------------------------------------------ setup */

static bool page_free(u64 p)
{
	for (unsigned i = 0; i < guest_boot.nr_rsv; i++)
		if (guest_boot.rsv[i].start < p + PAGE_SIZE &&
		    guest_boot.rsv[i].end > p)
			return false;
	for (unsigned i = 0; i < guest_boot.nr_mmap; i++) {
		const struct guest_mem_region *r = &guest_boot.mmap[i];

		if (r->type == GUEST_MEM_AVAILABLE && r->base <= p &&
		    r->base + r->len >= p + PAGE_SIZE)
			return true;
	}
	return false;
}

/* The highest available page below 640 KiB the loader did not use. */
static u64 pick_tramp_page(void)
{
	for (u64 p = TRAMP_HIGH - PAGE_SIZE; p >= TRAMP_LOW; p -= PAGE_SIZE)
		if (page_free(p))
			return p;
	return 0;
}

static void install_trampoline(u64 pa)
{
	struct {
		u16 limit;
		u64 base;
	} __packed gdtr;
	size_t len = (size_t)(guest_ap_trampoline_end - guest_ap_trampoline);
	u64 off = (u64)(guest_ap_tramp_gdtr - guest_ap_trampoline);
	u32 base;

	asm volatile("sgdt %0" : "=m"(gdtr));
	base = (u32)gdtr.base;
	memcpy((void *)pa, guest_ap_trampoline, len);
	memcpy((void *)(pa + off), &gdtr.limit, 2);
	memcpy((void *)(pa + off + 2), &base, 4);
	guest_ap_tramp_pa = pa;
}

static int fill_cpus(const struct guest_madt *m, u32 bsp_id, char *err,
		     size_t len)
{
	u32 n = 1;
	bool bsp_listed = false;

	for (unsigned i = 0; i < m->nr_cpus; i++) {
		const struct guest_madt_cpu *e = &m->cpu[i];
		struct guest_cpu *c;

		if (!guest_x2apic && e->apic_id > 0xfe) {
			guest_snprintf(
				err, len,
				"APIC ID %u needs x2APIC (use smp-x2apic)",
				e->apic_id);
			return -E_RANGE;
		}
		if (e->apic_id == bsp_id) {
			c = &guest_cpus[0];
			bsp_listed = true;
		} else {
			c = &guest_cpus[n++];
		}
		c->apic_id = e->apic_id;
		c->enabled = e->enabled;
		c->online_capable = e->online_capable;
	}
	if (!bsp_listed) {
		guest_snprintf(err, len,
			       "the BSP's APIC ID %u is not in the MADT",
			       bsp_id);
		return -E_NOENT;
	}
	for (u32 i = 0; i < n; i++) {
		guest_cpus[i].self = &guest_cpus[i];
		guest_cpus[i].index = i;
		guest_cpus[i].stack_top =
			(u64)ap_stacks[i] + GUEST_AP_STACK_SIZE;
	}
	guest_nr_cpus = n;
	return 0;
}

static int apic_mode_setup(bool x2apic, char *err, size_t len)
{
	u64 base = guest_rdmsr(MSR_APIC_BASE);

	if (x2apic && !(guest_cpuid(1, 0).ecx & CPUID1_ECX_X2APIC)) {
		guest_snprintf(err, len, "no x2APIC (CPUID.1:ECX[21] clear)");
		return -E_NOSUPP;
	}
	if (!x2apic && (base & APIC_BASE_EXTD)) {
		guest_snprintf(
			err, len,
			"the loader left x2APIC mode on (APIC base %#llx)",
			(unsigned long long)base);
		return -E_INVAL;
	}
	xapic_base = base & APIC_BASE_ADDR;
	if (!x2apic && xapic_base >= 0x100000000ULL) {
		guest_snprintf(err, len, "xAPIC at %#llx, above what is mapped",
			       (unsigned long long)xapic_base);
		return -E_RANGE;
	}
	guest_x2apic = x2apic;
	return 0;
}

int guest_smp_setup(const struct guest_madt *m, bool x2apic, char *err,
		    size_t len)
{
	struct guest_cpu *bsp = &guest_cpus[0];
	u64 tramp;
	int r;

	if ((r = apic_mode_setup(x2apic, err, len)))
		return r;
	tramp = pick_tramp_page();
	if (!tramp) {
		guest_snprintf(
			err, len,
			"no free available page below 640 KiB for the AP trampoline");
		return -E_NOMEM;
	}
	if (guest_x2apic) /* the ID register then has all 32 bits */
		apic_cpu_setup(bsp);
	if ((r = fill_cpus(m, guest_apic_self_id(), err, len)))
		return r;
	install_trampoline(tramp);
	guest_ap_efer = EFER_LME | (guest_rdmsr(MSR_EFER) & EFER_NXE);
	/* Legacy PIC interrupts would arrive on exception vectors. */
	out8(PIC1_DATA, 0xff);
	out8(PIC2_DATA, 0xff);
	guest_wrmsr(MSR_GS_BASE, (u64)bsp);
	guest_irq_handler = smp_irq;
	guest_exc_hook = smp_ap_fault;
	apic_cpu_setup(bsp);
	bsp->boot_count = 1;
	bsp->reported = 1;
	bsp->state = GCPU_S_IDLE;
	return 0;
}

/* ------------------------------------------------------------ start */

/*
 * SDM Vol. 3A 11.6.1: the INIT level de-assert only exists on P6-era
 * APICs (later ones send it as an ordinary INIT); xAPIC code like Linux's
 * still sends it, so this does too. In x2APIC mode only the assert.
 */
bool guest_cpu_init(struct guest_cpu *c)
{
	bool ok = guest_send_ipi(c->apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);

	if (!guest_x2apic)
		ok = guest_send_ipi(c->apic_id, ICR_INIT | ICR_LEVEL) && ok;
	c->state = GCPU_S_OFF;
	return ok;
}

bool guest_cpu_sipi(struct guest_cpu *c)
{
	return guest_send_ipi(c->apic_id,
			      ICR_STARTUP | ICR_ASSERT |
				      (u32)(guest_ap_tramp_pa >> 12));
}

int guest_cpu_start(struct guest_cpu *c, u64 us, char *err, size_t len)
{
	u32 before = c->boot_count;
	bool sent;
	u64 end;

	sent = guest_cpu_init(c);
	guest_udelay(10000);
	sent = guest_cpu_sipi(c) && sent;
	guest_udelay(200);
	sent = guest_cpu_sipi(c) && sent;
	if (!sent) {
		guest_snprintf(
			err, len,
			"APIC ID %u: an INIT or SIPI stayed pending in the ICR",
			c->apic_id);
		return -E_BUSY;
	}
	end = guest_now_us() + us;
	while (c->boot_count == before || c->state < GCPU_S_STARTED) {
		if (guest_now_us() > end) {
			guest_snprintf(
				err, len,
				"APIC ID %u: no start within %llu ms (boot count %u -> %u, state %u%s)",
				c->apic_id, (unsigned long long)us / 1000,
				before, c->boot_count, c->state,
				guest_ap_unknown ? ", an unlisted AP ran" : "");
			return -E_BUSY;
		}
		asm volatile("pause" ::: "memory");
	}
	return 0;
}

/* ----------------------------------------------------------- the AP */

static void ap_idle(struct guest_cpu *c)
{
	for (;;) {
		guest_irq_disable();
		if (c->cmd_seq != c->done_seq) {
			u32 seq = c->cmd_seq;
			guest_cpu_fn fn = c->cmd_fn;
			void *arg = c->cmd_arg;

			guest_irq_enable();
			fn(c, arg);
			c->done_seq = seq;
			continue;
		}
		/* STI's shadow covers HLT: no wake-up is lost in between. */
		asm volatile("sti; hlt" ::: "memory");
	}
}

void guest_ap_main(struct guest_cpu *c)
{
	guest_wrmsr(MSR_GS_BASE, (u64)c);
	guest_idt_load();
	apic_cpu_setup(c);
	c->done_seq = c->cmd_seq; /* commands posted before this start */
	c->state = GCPU_S_STARTED;
	if (guest_ap_boot_hook)
		guest_ap_boot_hook(c, NULL);
	asm volatile("" ::: "memory");
	c->reported = c->boot_count;
	c->state = GCPU_S_IDLE;
	ap_idle(c);
	for (;;)
		asm volatile("cli; hlt");
}

void guest_cpu_post(struct guest_cpu *c, guest_cpu_fn fn, void *arg)
{
	c->cmd_fn = fn;
	c->cmd_arg = arg;
	asm volatile("" ::: "memory");
	c->cmd_seq++;
	guest_send_ipi(c->apic_id, ICR_FIXED | ICR_ASSERT | GUEST_VEC_WAKE);
}

bool guest_cpu_wait_done(struct guest_cpu *c, u64 us)
{
	return guest_wait_eq(&c->done_seq, c->cmd_seq, us);
}

void guest_cpu_spin(struct guest_cpu *c, void *arg)
{
	(void)arg;
	while (!c->spin_stop) {
		c->heartbeat++;
		asm volatile("pause" ::: "memory");
	}
}
