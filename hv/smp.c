// SPDX-License-Identifier: MIT
/*
 * The CPUs Modex runs (hv/smp.h): their per-CPU state, the start of every
 * CPU the MADT lists from Modex's own trampoline, L1's INIT and SIPI, and
 * stopping every CPU at the end of the run.
 * Context: the boot CPU for bring-up (interrupts off, before L1 runs);
 * any CPU's exit path for the rest.
 */
#include "hv/smp.h"

#define LOG_PREFIX "smp"
#include "boot/ap_trampoline.h"
#include "boot/stacks.h"
#include "hv/acpi.h"
#include "hv/delay.h"
#include "hv/exits.h"
#include "hv/features.h"
#include "hv/guest.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/lapic.h"
#include "hv/loader.h"
#include "hv/log.h"
#include "hv/main.h"
#include "hv/memory.h"
#include "hv/msr.h"
#include "hv/multiboot2.h"
#include "hv/panic.h"
#include "hv/percpu.h"
#include "hv/ranges.h"
#include "hv/vendor.h"
#include "nested/nested.h"
#include "hv/vlapic.h"

_Static_assert(offsetof(struct ap_boot_params, cr3) == AP_P_CR3, "ap");
_Static_assert(offsetof(struct ap_boot_params, entry) == AP_P_ENTRY, "ap");
_Static_assert(offsetof(struct ap_boot_params, entry_sel) == AP_P_ENTRY + 4,
	       "ap");
_Static_assert(offsetof(struct ap_boot_params, stack_top) == AP_P_STACK, "ap");
_Static_assert(offsetof(struct ap_boot_params, percpu) == AP_P_PERCPU, "ap");
_Static_assert(offsetof(struct ap_boot_params, started) == AP_P_STARTED, "ap");

/* Each AP's stacks, one run of pages: [guard][Modex stack][guard][#DF]
 * [guard][NMI][guard][#MC], the same shape as the boot CPU's. */
#define AP_STACK_PAGES (4 + (BOOT_STACK_SIZE + 3 * IST_STACK_SIZE) / PAGE_SIZE)

/* SDM Vol. 3A 9.4.4.1: the universal start-up algorithm's waits. */
#define INIT_DELAY_US 10000
#define SIPI_DELAY_US 200
/* How long an AP may take from its SIPI to long mode, and from there to
 * having virtualization on. */
#define AP_START_TIMEOUT_US 100000
#define AP_READY_TIMEOUT_US 1000000
#define POLL_US 50

static struct percpu cpu0;
static struct percpu *cpus[MODEX_MAX_CPUS];
static u32 nr_started = 1; /* CPUs under Modex */
static u32 nr_vcpus = 1; /* of them, those that run one of L1's vCPUs */
static volatile bool go; /* L1's stage 2 is ready: APs set up vCPUs */
static hpa_t go_root;
static volatile u32 stopping; /* the run ends: every CPU stops */
static u64 tramp_pa; /* the trampoline page while in use */
static u8 tramp_saved[PAGE_SIZE]; /* L1's bytes of that page */

u32 smp_nr_cpus(void)
{
	return nr_vcpus;
}

struct vcpu *smp_vcpu(u32 idx)
{
	return idx < nr_vcpus ? &cpus[idx]->vcpu : NULL;
}

u32 smp_apic_id(u32 idx)
{
	return idx < nr_started ? cpus[idx]->apic_id : ~0u;
}

u32 smp_this_cpu(void)
{
	return this_cpu()->index;
}

u64 smp_fix_gs(void)
{
	u64 gs = rdmsr(MSR_GS_BASE);
	u32 id;

	for (u32 i = 0; i < nr_started; i++)
		if ((u64)cpus[i] == gs)
			return gs;
	id = lapic_id();
	for (u32 i = 0; i < nr_started; i++)
		if (cpus[i]->apic_id == id)
			wrmsr(MSR_GS_BASE, (u64)cpus[i]);
	return gs;
}

/* ------------------------------------------------------- per CPU */

/* Things every CPU sets for itself. Modex uses no extended state, but it
 * executes XSETBV on L1's behalf, which needs CR4.OSXSAVE (SDM Vol. 2D
 * XSETBV: #UD otherwise). */
static void cpu_setup_common(struct percpu *c)
{
	wrmsr(MSR_GS_BASE, (u64)c);
	if (cpuid(1).ecx & BIT(26))
		write_cr4(read_cr4() | BIT(18));
}

/* VMX root operation takes NMIs (SVM holds them: GIF=0); they are L1's,
 * and the backend injects them at the next entry. */
static void nmi_for_l1(void)
{
	struct percpu *c = this_cpu();

	if (__atomic_exchange_n(&c->kick, 0, __ATOMIC_ACQ_REL))
		return;
	c->vcpu.nmi_pending = true;
}

/* Make CPU @idx leave L1 and run its exit path (smp_poll). */
static void kick(u32 idx)
{
	__atomic_store_n(&cpus[idx]->kick, 1, __ATOMIC_RELEASE);
	lapic_send_ipi(cpus[idx]->apic_id, vendor->kick_ipi);
}

void smp_init_boot_cpu(void)
{
	cpu0.self = &cpu0;
	cpu0.index = 0;
	cpu0.stack_top = (u64)boot_stack_top;
	cpu0.ist_top[0] = (u64)ist_df_stack_top;
	cpu0.ist_top[1] = (u64)ist_nmi_stack_top;
	cpu0.ist_top[2] = (u64)ist_mc_stack_top;
	cpu0.state = CPU_STARTED;
	cpu0.vcpu.index = 0;
	cpus[0] = &cpu0;
	cpu_setup_common(&cpu0);
	cpu_tables_set_nmi_hook(nmi_for_l1);
}

static int alloc_pages(size_t bytes, void **out)
{
	hpa_t pa;
	int ret = frame_alloc_run(ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE, 1,
				  FRAME_ZERO, &pa);

	if (!ret)
		*out = (void *)pa;
	return ret;
}

u64 smp_percpu_bytes(void)
{
	return ALIGN_UP(sizeof(struct percpu), PAGE_SIZE) +
	       (u64)AP_STACK_PAGES * PAGE_SIZE +
	       ALIGN_UP(vendor->percpu_size, PAGE_SIZE);
}

static int alloc_vendor_state(struct percpu *c)
{
	return vendor->percpu_size ?
		       alloc_pages(vendor->percpu_size, &c->vendor) :
		       0;
}

int smp_boot_cpu_ready(void)
{
	cpu0.apic_id = lapic_id();
	return alloc_vendor_state(&cpu0);
}

/* A percpu for an AP, its stacks with their guard pages unmapped. */
static int alloc_ap(u32 idx, u32 apic_id, struct percpu **out)
{
	struct percpu *c;
	void *st;
	u64 s, guard_size = STACK_GUARD_SIZE;
	int ret = alloc_pages(sizeof(*c), (void **)&c);

	if (!ret)
		ret = alloc_pages((size_t)AP_STACK_PAGES * PAGE_SIZE, &st);
	if (!ret)
		ret = alloc_vendor_state(c);
	if (ret)
		return ret;
	s = (u64)st;
	c->self = c;
	c->index = idx;
	c->apic_id = apic_id;
	c->vcpu.index = idx;
	c->stack_top = s + guard_size + BOOT_STACK_SIZE;
	for (int i = 0; i < 3; i++)
		c->ist_top[i] = c->stack_top +
				(u64)(i + 1) * (guard_size + IST_STACK_SIZE);
	ret = memory_add_guard(s);
	for (int i = 0; !ret && i < 3; i++)
		ret = memory_add_guard(c->ist_top[i] - IST_STACK_SIZE -
				       guard_size);
	*out = c;
	return ret;
}

/* -------------------------------------------------------- bring-up */

/*
 * The trampoline page: the highest page of available RAM in [4 KiB,
 * 640 KiB) that holds nothing the boot loader handed over. While APs
 * start it is Modex's; afterwards L1 gets its bytes back unchanged.
 */
static int pick_trampoline(const struct mb2_info *info, u64 *pa)
{
	struct mem_range busy[MB2_MAX_MODULES + 1];
	u32 nb = 0;

	busy[nb++] = (struct mem_range){ info->info_phys,
					 info->info_phys + info->info_size };
	for (u32 i = 0; i < info->nr_modules; i++)
		busy[nb++] = (struct mem_range){ info->modules[i].start,
						 info->modules[i].end };
	for (u64 p = 0x9f000; p >= 0x1000; p -= PAGE_SIZE) {
		bool ram = false;

		for (u32 i = 0; i < info->nr_regions && !ram; i++) {
			const struct mb2_region *r = &info->regions[i];

			ram = r->type == 1 && p >= r->base &&
			      p + PAGE_SIZE <= r->base + r->len;
		}
		if (ram && !ranges_overlap(busy, nb, p, p + PAGE_SIZE)) {
			*pa = p;
			return 0;
		}
	}
	return -E_NOMEM;
}

static void fill_trampoline(u64 pa, struct ap_boot_params *params)
{
	u8 *t = (u8 *)pa;
	u64 *gdt = (u64 *)(t + AP_TR_GDT);

	memcpy(tramp_saved, t, PAGE_SIZE);
	memset(t, 0, PAGE_SIZE);
	memcpy(t, ap_tramp_start, (size_t)(ap_tramp_end - ap_tramp_start));
	/* Accessed bits preset: loading CS in long mode would otherwise
	 * write them (SDM Vol. 3A 3.4.5.1), and the page is read-only then. */
	gdt[0] = 0;
	gdt[AP_SEL_CODE32 / 8] = 0x00cf9b000000ffffULL;
	gdt[AP_SEL_DATA / 8] = 0x00cf93000000ffffULL;
	gdt[AP_SEL_CODE64 / 8] = 0x00af9b000000ffffULL;
	*(u16 *)(t + AP_TR_GDTPTR) = 4 * 8 - 1;
	*(u32 *)(t + AP_TR_GDTPTR + 2) = (u32)(pa + AP_TR_GDT);
	*(u32 *)(t + AP_TR_JMP32) = (u32)(pa + AP_TR_PM32);
	*(u16 *)(t + AP_TR_JMP32 + 4) = AP_SEL_CODE32;
	*(u32 *)(t + AP_TR_PARAMS) = (u32)(u64)params;
}

static bool wait_for(volatile u32 *flag, u32 timeout_us)
{
	for (u32 t = 0; t < timeout_us; t += POLL_US) {
		if (*flag)
			return true;
		udelay(POLL_US);
	}
	return *flag;
}

static bool wait_state(struct percpu *c, enum cpu_state s, u32 timeout_us)
{
	for (u32 t = 0; t < timeout_us; t += POLL_US) {
		if (c->state >= s)
			return true;
		udelay(POLL_US);
	}
	return c->state >= s;
}

/*
 * SDM Vol. 3A 9.4.4.1 wants 10 ms between INIT and the SIPI for the
 * processors it was written for; P6-family Intel and family 0Fh+ AMD CPUs
 * need none (Linux's smpboot.c makes the same exception). On emulators
 * the 10 ms are virtual time spent polling the PIT.
 */
static u32 init_delay_us(void)
{
	const struct cpu_features *f = &cpu_features;

	if ((f->vendor == VENDOR_INTEL && f->family == 6) ||
	    (f->vendor == VENDOR_AMD && f->family >= 0xf))
		return 0;
	return INIT_DELAY_US;
}

/* SDM Vol. 3A 9.4.4.1 and 11.6.1: INIT, (10 ms), SIPI, 200 us, SIPI. */
static int start_ap(struct percpu *c, struct ap_boot_params *p)
{
	u32 sipi = ICR_DM_STARTUP | (u32)(tramp_pa >> 12);

	*p = (struct ap_boot_params){
		.cr3 = (u32)memory_host_root(),
		.entry = (u32)(u64)ap_entry64,
		.entry_sel = AP_SEL_CODE64,
		.stack_top = c->stack_top,
		.percpu = (u64)c,
	};
	lapic_send_ipi(c->apic_id, ICR_DM_INIT | ICR_LEVEL_ASSERT);
	udelay(init_delay_us());
	lapic_send_ipi(c->apic_id, sipi);
	udelay(SIPI_DELAY_US);
	if (!p->started)
		lapic_send_ipi(c->apic_id, sipi);
	if (!wait_for(&p->started, AP_START_TIMEOUT_US))
		return -E_NOENT;
	return wait_state(c, CPU_READY, AP_READY_TIMEOUT_US) ? 0 : -E_BUSY;
}

static u32 find_cpus(const struct mb2_info *info, struct acpi_cpu *list)
{
	const struct acpi_reader rd = { memory_read_firmware, (void *)info };
	u64 pa;
	u32 len, n = 0;

	if (!info->rsdp ||
	    acpi_find_table(&rd, info->rsdp, info->rsdp_len, "APIC", &pa,
			    &len) ||
	    acpi_madt_cpus(&rd, pa, len, list, MODEX_MAX_CPUS, &n)) {
		log_info("no usable ACPI MADT: running on the boot CPU only.");
		return 0;
	}
	if (n > MODEX_MAX_CPUS) {
		log_warn("the MADT lists %u CPUs; Modex runs at most %u.", n,
			 MODEX_MAX_CPUS);
		n = MODEX_MAX_CPUS;
	}
	return n;
}

/* Bring one AP up; failing to is fatal when it is an enabled CPU. */
static int bring_up(const struct acpi_cpu *a, struct ap_boot_params *params)
{
	struct percpu *c;
	int ret;

	if (a->apic_id > 0xff && !lapic_x2apic()) {
		log_warn(
			"CPU with x2APIC ID %#x is out of reach of the xAPIC; not started.",
			a->apic_id);
		return a->enabled ? -E_RANGE : 0;
	}
	ret = alloc_ap(nr_started, a->apic_id, &c);
	if (ret) {
		log_err("no memory for CPU %u (APIC ID %#x): %s.", nr_started,
			a->apic_id, err_str(ret));
		return ret;
	}
	ret = start_ap(c, params);
	if (ret == -E_NOENT && !a->enabled) {
		log_info(
			"online-capable CPU with APIC ID %#x did not answer; not present.",
			a->apic_id);
		return 0;
	}
	if (ret) {
		log_err("CPU with APIC ID %#x did not %s.", a->apic_id,
			ret == -E_NOENT ? "start" : "turn virtualization on");
		return ret;
	}
	cpus[nr_started++] = c;
	return 0;
}

int smp_start_aps(const struct mb2_info *info)
{
	struct acpi_cpu list[MODEX_MAX_CPUS];
	struct ap_boot_params *params;
	u32 n = find_cpus(info, list);
	int ret = 0;

	cpu0.state = CPU_READY;
	if (n <= 1)
		return 0;
	ret = alloc_pages(sizeof(*params), (void **)&params);
	if (!ret)
		ret = pick_trampoline(info, &tramp_pa);
	if (ret) {
		log_err("no page below 640 KiB for the AP trampoline.");
		return ret;
	}
	fill_trampoline(tramp_pa, params);
	ret = memory_host_protect(tramp_pa, PAGE_SIZE, ACC_READ | ACC_EXEC);
	for (u32 i = 0; i < n && !ret; i++)
		if (list[i].apic_id != cpu0.apic_id)
			ret = bring_up(&list[i], params);
	if (!ret)
		ret = memory_host_protect(tramp_pa, PAGE_SIZE,
					  ACC_READ | ACC_WRITE);
	if (ret)
		return ret;
	memcpy((void *)tramp_pa, tramp_saved, PAGE_SIZE);
	nr_vcpus = nr_started;
	if (hv_options.cpus && hv_options.cpus < nr_vcpus)
		nr_vcpus = hv_options.cpus;
	memory_check_guards();
	log_info(
		"%u CPUs in the MADT, %u under Modex, %u of them for L1 (trampoline page %#lx, returned to L1); %lu KiB of Modex memory per CPU.",
		n, nr_started, nr_vcpus, tramp_pa, smp_percpu_bytes() >> 10);
	return 0;
}

void smp_release_aps(hpa_t root)
{
	go_root = root;
	__atomic_store_n(&go, true, __ATOMIC_RELEASE);
}

/* -------------------------------------------------------- stopping */

static __noreturn void park_stopped(void)
{
	this_cpu()->state = CPU_STOPPED;
	for (;;)
		asm volatile("cli; hlt");
}

void smp_stop_others(void)
{
	u32 me;

	if (nr_started <= 1 ||
	    __atomic_exchange_n(&stopping, 1, __ATOMIC_ACQ_REL))
		return;
	me = smp_this_cpu();
	/* The kick makes a CPU in L1 exit; in Modex it waits (GIF=0, VMX
	 * root) and the CPU sees the flag before its next entry. */
	for (u32 i = 0; i < nr_started; i++)
		if (i != me && cpus[i]->state != CPU_STOPPED && vendor)
			kick(i);
	for (u32 i = 0; i < nr_started; i++)
		for (u32 t = 0;
		     i != me && t < 100000 && cpus[i]->state != CPU_STOPPED &&
		     cpus[i]->state != CPU_HELD;
		     t++)
			cpu_relax();
}

/* ------------------------------------------------- INIT and SIPI */

static u32 cpu_signature(void)
{
	return cpuid(1).eax;
}

/* The vCPU takes the INIT state and waits for a SIPI. */
static void enter_wait_for_sipi(struct vcpu *v, u64 cr0)
{
	struct boot_cpu_state st;
	int ret;

	loader_init_state(&st, cr0, cpu_signature());
	ret = vendor->vcpu_init(v, &st, go_root);
	if (!ret)
		ret = nested_vcpu_init(v);
	if (ret)
		panic("cannot put vCPU %u into the INIT state: %s.", v->index,
		      err_str(ret));
	vlapic_on_init(v);
	spin_lock(&v->mp.lock);
	v->mp.init_cr0 = st.cr0;
	v->mp.state = VCPU_WAIT_SIPI;
	v->mp.init_in_flight = 0;
	spin_unlock(&v->mp.lock);
	v->mp.hw_wait = vendor->wait_for_sipi && vendor->wait_for_sipi(v);
}

static void take_sipi(struct vcpu *v, u8 vector)
{
	struct boot_cpu_state st;
	int ret;

	loader_init_state(&st, v->mp.init_cr0, cpu_signature());
	loader_sipi_state(&st, vector);
	ret = vendor->vcpu_init(v, &st, go_root);
	if (!ret)
		ret = nested_vcpu_init(v);
	if (ret)
		panic("cannot start vCPU %u at SIPI vector %#x: %s.", v->index,
		      vector, err_str(ret));
	v->mp.state = VCPU_RUNNABLE;
	v->mp.sipi_exit = v->exits;
	log_dbg("vCPU %u started by SIPI at %#x.", v->index, vector << 12);
}

void smp_handle_init(struct vcpu *v)
{
	if (stopping)
		park_stopped();
	/* VMX kicks with INIT (vendor->kick_ipi): that one is Modex's. */
	if (v->exit.reason == EXIT_R_INIT &&
	    __atomic_exchange_n(&this_cpu()->kick, 0, __ATOMIC_ACQ_REL))
		return;
	/* SDM Vol. 3C 24.8 (Restrictions on VMX Operation): INIT is blocked
	 * in VMX root operation. Modex does not hold it for VMXOFF: it is
	 * dropped (docs/nested.md). */
	if (v->nested.l1_vmx_operation) {
		log_warn_once(
			"an INIT for L1 arrived in its VMX root operation, where INIT is blocked: dropped.");
		return;
	}
	/* docs/isolation.md: INIT of the BSP is a reset of L1's machine. */
	/*
	 * SDM Vol. 3C 26.2 (other causes of VM exits): in the wait-for-SIPI
	 * state INIT is blocked, so an INIT L1 sent to a waiting vCPU (the
	 * INIT of INIT-SIPI-SIPI) stays pending and exits right after the
	 * SIPI started it, before its first instruction. On a CPU that INIT
	 * changes nothing (it was waiting already): drop it. The one
	 * difference from hardware is an INIT sent after the SIPI but
	 * before the AP ran an instruction, which this takes for the same.
	 */
	if (v->mp.hw_wait && v->exits == v->mp.sipi_exit + 1 &&
	    v->regs.rip == 0) {
		log_dbg("vCPU %u: INIT held while it waited for its SIPI, dropped.",
			v->index);
		return;
	}
	if (v->index == 0)
		guest_fatal(
			v,
			"L1 sent INIT to its boot CPU, a reset of its machine, which Modex does not emulate; stopping L1.");
	enter_wait_for_sipi(v, vendor->read_cr(v, 0));
}

void smp_handle_sipi(struct vcpu *v, u8 vector)
{
	/* SDM Vol. 3A 11.6.1: a SIPI to a CPU not waiting for one is
	 * ignored. */
	if (v->mp.state == VCPU_WAIT_SIPI)
		take_sipi(v, vector);
}

void smp_send_init(u32 idx)
{
	struct vcpu *t = smp_vcpu(idx);
	bool send;

	if (!t)
		return;
	spin_lock(&t->mp.lock);
	/* INIT of a vCPU that waits for a SIPI leaves it waiting. */
	send = t->mp.state != VCPU_WAIT_SIPI && !t->mp.init_in_flight;
	if (t->mp.state != VCPU_WAIT_SIPI)
		t->mp.init_in_flight = 1;
	spin_unlock(&t->mp.lock);
	/* The vCPU's own INIT is taken when this exit is done
	 * (smp_poll); another CPU is kicked out of L1 and takes it there.
	 * Not a real INIT: an emulator that ignores GIF=0 for INIT (QEMU
	 * 7.2 TCG) would reset a CPU that is in Modex at that moment. */
	if (send && idx != smp_this_cpu())
		kick(idx);
}

void smp_send_sipi(u32 idx, u8 vector)
{
	struct vcpu *t = smp_vcpu(idx);

	if (!t)
		return;
	spin_lock(&t->mp.lock);
	if (t->mp.state == VCPU_WAIT_SIPI || t->mp.init_in_flight)
		t->mp.sipi = SIPI_PENDING | vector;
	spin_unlock(&t->mp.lock);
}

void smp_poll(struct vcpu *v)
{
	if (stopping)
		park_stopped();
	guest_stage2_sync(v);
	if (v->mp.init_in_flight && v->mp.state == VCPU_RUNNABLE)
		smp_handle_init(v);
	if (v->mp.state != VCPU_WAIT_SIPI || v->mp.hw_wait)
		return;
	/* No wait-for-SIPI state in this CPU (SVM): wait here. INITs sent
	 * meanwhile are pending (GIF=0) and leave the vCPU waiting. */
	for (;;) {
		u32 sipi;

		if (stopping)
			park_stopped();
		/* Poll without the lock: a sender must be able to take it
		 * (an emulator that runs CPUs in turns could otherwise
		 * always find it held). */
		if (!v->mp.sipi) {
			cpu_relax();
			continue;
		}
		spin_lock(&v->mp.lock);
		sipi = v->mp.sipi;
		v->mp.sipi = 0;
		if (sipi)
			v->mp.state = VCPU_RUNNABLE;
		spin_unlock(&v->mp.lock);
		if (sipi) {
			take_sipi(v, (u8)sipi);
			return;
		}
		cpu_relax();
	}
}

/* ------------------------------------------------------------- APs */

void ap_main(struct percpu *c);

void ap_main(struct percpu *c)
{
	struct vcpu *v = &c->vcpu;
	int ret;

	cpu_setup_common(c);
	cpu_tables_load(&c->tables, c->ist_top);
	msr_host_cpu_init();
	c->state = CPU_STARTED;
	ret = vendor->enable();
	if (ret) {
		log_err("cannot turn virtualization on: %s.", err_str(ret));
		park_stopped();
	}
	/* L1's view of this CPU's APIC exists before L1 runs: the boot
	 * CPU's L1 may re-map stage 2 (an MTRR write) before this CPU sees
	 * `go`, and every vCPU's APIC base page is re-applied then. */
	vlapic_init(v);
	c->state = CPU_READY;
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE) && !stopping)
		cpu_relax();
	/* The trampoline page is L1's again: drop its old translation. */
	asm volatile("invlpg (%0)" : : "r"(tramp_pa) : "memory");
	if (stopping)
		park_stopped();
	if (c->index >= nr_vcpus) {
		/* Beyond cpus=N: under Modex (VMX root / GIF=0 keep INIT
		 * away), never given to L1. */
		c->state = CPU_HELD;
		for (;;)
			asm volatile("cli; hlt");
	}
	msr_vcpu_init(v);
	enter_wait_for_sipi(v, LOADER_POWERUP_CR0);
	c->state = CPU_RUNNING;
	vcpu_run_loop(v);
	park_stopped();
}
