// SPDX-License-Identifier: MIT
/*
 * The L1 basic test kernel's multiprocessor checks ("smp" or "smp=N" on
 * its command line; "smp-x2apic" uses x2APIC mode instead of the xAPIC):
 * - smp-start: the CPUs the MADT lists (N of them if given), each AP
 *   started with INIT-SIPI-SIPI through the trampoline below 1 MiB, once;
 * - smp-cpuid: on every AP, CPUID as the BSP sees it, and Modex's rules
 *   (VMX/SVM hidden, its hypervisor leaves) under Modex;
 * - smp-hidden: every AP's scan of Modex's hidden ranges finds no canary;
 * - smp-ipi: fixed IPIs to every CPU, physical and logical destination,
 *   each shorthand, sent by the BSP and by the APs, arrive exactly once;
 * - smp-reinit: INIT stops a running AP, SIPI restarts it through the
 *   trampoline in the INIT state, and it reports again.
 * Each AP checks its own CPU and reports through shared memory; only the
 * BSP prints. Every wait has a timeout that fails with what was seen.
 */
#include "tests/guest/l1_basic.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "tests/guest/lib/smp.h"

#define START_US 1000000ULL /* INIT-SIPI-SIPI until the AP is in C */
#define REPORT_US 30000000ULL /* the AP's checks (a hidden-range scan) */
#define IPI_US 1000000ULL
#define SETTLE_US 2000ULL /* after the last expected IPI: no extra one */
#define CMD_US 1000000ULL
#define CR0_ET BIT(4)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define EFLAGS_RESET 0x2u /* SDM Vol. 3A 10.1.1 table 10-1 */
#define CPUID1_ECX_OSXSAVE BIT(27) /* follows CR4.OSXSAVE, per CPU */

struct ap_report {
	struct l1_cpuid_view cpuid;
	u64 hit, scanned;
	char seen[25]; /* what the AP read at @hit (others may see other) */
	u32 boot; /* the boot_count this report belongs to */
};

static struct ap_report reports[GUEST_MAX_CPUS];
static bool cpu_up[GUEST_MAX_CPUS];
static struct guest_madt madt;
static bool modex, smp_ready, smp_nosupp;
static char why[128];

static void ap_boot_report(struct guest_cpu *c, void *arg)
{
	struct ap_report *r = &reports[c->index];

	(void)arg;
	l1_cpuid_read(&r->cpuid);
	r->hit = l1_hidden_scan(&r->scanned);
	memset(r->seen, 0, sizeof(r->seen));
	for (unsigned i = 0; r->hit && i + 1 < sizeof(r->seen); i++) {
		char ch = ((const volatile char *)r->hit)[i];

		r->seen[i] = ch >= ' ' && ch <= '~' ? ch : '.';
	}
	r->boot = c->boot_count;
}

static const char *ap_state(const struct guest_cpu *c)
{
	static char buf[96];

	if (c->state == GCPU_S_FAULTED)
		guest_snprintf(buf, sizeof(buf),
			       "faulted: vector %u error %#llx at RIP %#llx",
			       c->fault_vector,
			       (unsigned long long)c->fault_error,
			       (unsigned long long)c->fault_rip);
	else
		guest_snprintf(buf, sizeof(buf),
			       "state %u, boot count %u, reported %u", c->state,
			       c->boot_count, c->reported);
	return buf;
}

/* Waits until @c has finished its boot hook for its latest start. */
static bool wait_reported(struct guest_cpu *c, u64 us)
{
	u64 end = guest_now_us() + us;

	while (c->state != GCPU_S_IDLE || c->reported != c->boot_count) {
		if (c->state == GCPU_S_FAULTED || guest_now_us() > end)
			return false;
		asm volatile("pause" ::: "memory");
	}
	return true;
}

/* ------------------------------------------------------------ start */

static bool expected_cpus(u32 *n)
{
	char v[8];

	if (!cmdline_value("smp", v, sizeof(v)))
		return false;
	*n = 0;
	for (const char *p = v; *p >= '0' && *p <= '9'; p++)
		*n = *n * 10 + (u32)(*p - '0');
	return true;
}

static void madt_info(void)
{
	GINFO("RSDP %#llx (%s), MADT %#llx, local APIC %#llx, %u CPUs listed, %u entries disabled\n",
	      (unsigned long long)madt.rsdp, madt.rsdp_from,
	      (unsigned long long)madt.madt,
	      (unsigned long long)madt.lapic_addr, madt.nr_cpus,
	      madt.nr_skipped);
	for (unsigned i = 0; i < madt.nr_cpus; i++)
		GINFO("MADT CPU: APIC ID %u (%s entry)%s%s\n",
		      madt.cpu[i].apic_id,
		      madt.cpu[i].x2apic_entry ? "x2APIC" : "local APIC",
		      madt.cpu[i].enabled ? " enabled" : "",
		      madt.cpu[i].online_capable ? " online-capable" : "");
}

static void start_one(struct guest_cpu *c)
{
	u64 t0 = guest_now_us();
	int r = guest_cpu_start(c, START_US, why, sizeof(why));

	if (r && !c->enabled) {
		/* ACPI 6.5 5.2.12.2: online-capable CPUs may be absent. */
		GINFO("CPU %u (APIC ID %u, online-capable, not enabled) did not start: %s\n",
		      c->index, c->apic_id, why);
		return;
	}
	if (!GCHECK(r == 0, "CPU %u: %s", c->index, why))
		return;
	cpu_up[c->index] = true;
	GINFO("CPU %u: APIC ID %u in C %llu us after INIT; trampoline CR0 %#x CR4 %#x EFLAGS %#x EFER %#llx\n",
	      c->index, c->apic_id, (unsigned long long)(guest_now_us() - t0),
	      c->entry_cr0, c->entry_cr4, c->entry_eflags,
	      (unsigned long long)c->entry_efer);
}

static void check_started(struct guest_cpu *c)
{
	if (!GCHECK(wait_reported(c, REPORT_US),
		    "CPU %u did not finish its checks within %llu s: %s",
		    c->index, REPORT_US / 1000000, ap_state(c))) {
		cpu_up[c->index] = false;
		return;
	}
	/* SDM Vol. 3A 9.4.4.1: the second SIPI finds it running: ignored. */
	GCHECK(c->boot_count == 1, "CPU %u entered the trampoline %u times",
	       c->index, c->boot_count);
	GCHECK(c->lapic_id == c->apic_id && c->cpuid_apic_id == c->apic_id,
	       "CPU %u: APIC ID register %u, CPUID %u, MADT %u", c->index,
	       c->lapic_id, c->cpuid_apic_id, c->apic_id);
	/* SDM Vol. 3A 11.4.4: only the BSP has IA32_APIC_BASE.BSP set. */
	GCHECK(!(c->apic_base & APIC_BASE_BSP) &&
		       (c->apic_base & APIC_BASE_ADDR) ==
			       (guest_cpus[0].apic_base & APIC_BASE_ADDR),
	       "CPU %u: IA32_APIC_BASE %#llx, BSP's %#llx", c->index,
	       (unsigned long long)c->apic_base,
	       (unsigned long long)guest_cpus[0].apic_base);
}

static int setup(void)
{
	bool x2 = cmdline_has("smp-x2apic");
	int r;

	guest_clock_init(why, sizeof(why));
	GINFO("clock: %s\n", why);
	r = guest_acpi_madt(&madt);
	if (!GCHECK(r == 0, "ACPI: %s (MADT %#llx, offset %u)", madt.err,
		    (unsigned long long)madt.madt, madt.err_at))
		return -1;
	madt_info();
	GCHECK(!madt.truncated, "the MADT lists over %u CPUs", GUEST_MAX_CPUS);
	r = guest_smp_setup(&madt, x2, why, sizeof(why));
	if (r == -E_NOSUPP) {
		GINFO("%s mode unavailable: %s\n", x2 ? "x2APIC" : "xAPIC",
		      why);
		smp_nosupp = true;
		return CHECK_SKIP;
	}
	if (!GCHECK(r == 0, "setup: %s", why))
		return -1;
	GINFO("%s mode, BSP APIC ID %u, trampoline at %#llx (SIPI vector %#llx)\n",
	      guest_x2apic ? "x2APIC" : "xAPIC", guest_cpus[0].apic_id,
	      (unsigned long long)guest_ap_tramp_pa,
	      (unsigned long long)guest_ap_tramp_pa >> 12);
	return 0;
}

static int check_smp_start(void)
{
	u32 want;
	int r = setup();

	if (r)
		return r == CHECK_SKIP ? CHECK_SKIP : 0;
	if (expected_cpus(&want))
		GCHECK(guest_nr_cpus == want, "the MADT lists %u CPUs, smp=%u",
		       guest_nr_cpus, want);
	GCHECK(guest_nr_cpus >= 2, "only %u CPU: nothing to start",
	       guest_nr_cpus);
	guest_ap_boot_hook = ap_boot_report;
	cpu_up[0] = true;
	GCHECK(guest_cpus[0].apic_base & APIC_BASE_BSP,
	       "the BSP's IA32_APIC_BASE %#llx lacks the BSP flag",
	       (unsigned long long)guest_cpus[0].apic_base);
	for (u32 i = 1; i < guest_nr_cpus; i++)
		start_one(&guest_cpus[i]);
	for (u32 i = 1; i < guest_nr_cpus; i++)
		if (cpu_up[i])
			check_started(&guest_cpus[i]);
	GCHECK(!guest_ap_unknown,
	       "%u starts of a CPU not in the MADT (APIC ID %u)",
	       guest_ap_unknown, guest_ap_unknown_id);
	smp_ready = true;
	return 0;
}

/* ---------------------------------------------------- cpuid, hidden */

/* The later checks need at least one running AP: 0, -1 or CHECK_SKIP. */
static int prerequisite(void)
{
	u32 up = 0;

	if (smp_nosupp)
		return CHECK_SKIP;
	for (u32 i = 1; smp_ready && i < guest_nr_cpus; i++)
		up += cpu_up[i];
	if (!GCHECK(up > 0, "no AP running to check (see smp-start)"))
		return -1;
	return 0;
}

/* Per-CPU bits aside, every CPU must see the CPUID the BSP sees. */
static void cpuid_same(const struct l1_cpuid_view *a,
		       const struct l1_cpuid_view *b, u32 cpu)
{
	GCHECK((a->l1.ecx ^ b->l1.ecx) == CPUID1_ECX_OSXSAVE ||
		       a->l1.ecx == b->l1.ecx,
	       "CPU %u: CPUID.1:ECX %#x, BSP %#x", cpu, a->l1.ecx, b->l1.ecx);
	GCHECK(a->ext.ecx == b->ext.ecx && a->ext.edx == b->ext.edx,
	       "CPU %u: CPUID.80000001 ECX/EDX %#x/%#x, BSP %#x/%#x", cpu,
	       a->ext.ecx, a->ext.edx, b->ext.ecx, b->ext.edx);
	GCHECK(a->modex == b->modex && a->base.eax == b->base.eax &&
		       a->info.eax == b->info.eax && a->info.ebx == b->info.ebx,
	       "CPU %u: hypervisor leaves differ from the BSP's (max %#x, Modex %d)",
	       cpu, a->base.eax, a->modex);
}

static int check_smp_cpuid(void)
{
	struct l1_cpuid_view bsp;
	char who[24];
	int r = prerequisite();

	if (r)
		return r < 0 ? 0 : r;
	l1_cpuid_read(&bsp);
	for (u32 i = 1; i < guest_nr_cpus; i++) {
		const struct l1_cpuid_view *v = &reports[i].cpuid;

		if (!cpu_up[i])
			continue;
		GINFO("CPU %u: CPUID.1 ECX %#x, 8000_0001 ECX %#x, VMX %d, SVM %d, hypervisor %d, Modex %d\n",
		      i, v->l1.ecx, v->ext.ecx, !!(v->l1.ecx & CPUID1_ECX_VMX),
		      !!(v->ext.ecx & CPUID81_ECX_SVM),
		      !!(v->l1.ecx & CPUID1_ECX_HYPERVISOR), v->modex);
		cpuid_same(v, &bsp, i);
		if (modex) {
			guest_snprintf(who, sizeof(who), "CPU %u: ", i);
			l1_cpuid_check(v, who);
		}
	}
	return 0;
}

static int check_smp_hidden(void)
{
	int r = prerequisite();

	if (r)
		return r < 0 ? 0 : r;
	for (u32 i = 1; i < guest_nr_cpus; i++) {
		const struct ap_report *rep = &reports[i];

		if (!cpu_up[i])
			continue;
		GINFO("CPU %u: scanned %llu KiB of gaps\n", i,
		      (unsigned long long)(rep->scanned >> 10));
		GCHECK(!rep->hit,
		       "CPU %u: Modex canary visible at %#llx: \"%s\"", i,
		       (unsigned long long)rep->hit, rep->seen);
	}
	return 0;
}

/* -------------------------------------------------------------- IPIs */

#define IPI_FIXED (ICR_FIXED | ICR_ASSERT | GUEST_VEC_IPI)

static u64 ipi_base[GUEST_MAX_CPUS];
static u32 ipi_want[GUEST_MAX_CPUS];

static void round_begin(void)
{
	for (u32 i = 0; i < guest_nr_cpus; i++) {
		ipi_base[i] = guest_cpus[i].ipi_count;
		ipi_want[i] = 0;
	}
}

static void wait_wanted(void)
{
	for (u32 i = 0; i < guest_nr_cpus; i++)
		if (cpu_up[i])
			guest_wait_ge64(&guest_cpus[i].ipi_count,
					ipi_base[i] + ipi_want[i], IPI_US);
}

/*
 * A fixed IPI whose vector is still pending in the target's IRR merges
 * with it (SDM Vol. 3A 11.8.4), so each IPI waits for the last to land.
 */
static void send(const char *what, u32 dest, u32 icr, u32 to_cpu)
{
	wait_wanted();
	GCHECK(guest_send_ipi(dest, icr), "%s: IPI %#x to %#x stayed pending",
	       what, icr, dest);
	if (to_cpu < GUEST_MAX_CPUS && to_cpu < guest_nr_cpus)
		ipi_want[to_cpu]++;
}

/* Every CPU got exactly what was sent to it, in time. */
static void round_end(const char *what)
{
	wait_wanted();
	guest_udelay(SETTLE_US);
	for (u32 i = 0; i < guest_nr_cpus; i++) {
		u64 got = guest_cpus[i].ipi_count - ipi_base[i];

		if (cpu_up[i])
			GCHECK(got == ipi_want[i],
			       "%s: CPU %u (APIC ID %u) took %llu IPIs, %u sent",
			       what, i, guest_cpus[i].apic_id,
			       (unsigned long long)got, ipi_want[i]);
	}
}

static void to_all_up(u32 skip)
{
	for (u32 i = 0; i < guest_nr_cpus; i++)
		if (cpu_up[i] && i != skip)
			ipi_want[i]++;
}

/* SDM Vol. 3A 11.6.2.2 (flat, xAPIC) and 11.12.10.2 (x2APIC cluster). */
static u32 logical_id(const struct guest_cpu *c)
{
	if (guest_x2apic)
		return ((c->apic_id >> 4) << 16) | (1u << (c->apic_id & 0xf));
	return 1u << c->index;
}

/*
 * One message to many: the flat model takes a mask of CPUs, a cluster
 * (x2APIC) a mask of the CPUs in it. Sends one such IPI per cluster.
 */
static void ipi_multicast(const char *what)
{
	u32 done = 0; /* CPUs already covered */

	for (u32 i = 0; i < guest_nr_cpus; i++) {
		u32 id = logical_id(&guest_cpus[i]), mask = 0, members = 0;

		if (!cpu_up[i] || (done & BIT(i)))
			continue;
		for (u32 j = i; j < guest_nr_cpus; j++) {
			u32 other = logical_id(&guest_cpus[j]);

			if (cpu_up[j] &&
			    (!guest_x2apic || (other >> 16) == (id >> 16))) {
				mask |= other;
				members |= BIT(j);
			}
		}
		send(what, mask, IPI_FIXED | ICR_LOGICAL, GUEST_MAX_CPUS);
		for (u32 j = 0; j < guest_nr_cpus; j++)
			if (members & BIT(j))
				ipi_want[j]++;
		done |= members;
	}
}

static void ipi_logical(void)
{
	const char *what =
		guest_x2apic ? "logical (x2APIC cluster)" : "logical (flat)";

	if (!guest_x2apic && guest_nr_cpus > 8) {
		GINFO("logical flat mode: %u CPUs, over 8: not sent\n",
		      guest_nr_cpus);
		return;
	}
	round_begin();
	for (u32 i = 0; i < guest_nr_cpus; i++)
		if (cpu_up[i])
			send(what, logical_id(&guest_cpus[i]),
			     IPI_FIXED | ICR_LOGICAL, i);
	ipi_multicast(what);
	round_end(what);
}

/* Run on an AP: one fixed IPI to @to, once the last one has landed. */
static void ap_send_one(struct guest_cpu *to)
{
	u64 n = to->ipi_count;

	guest_send_ipi(to->apic_id, IPI_FIXED);
	guest_wait_ge64(&to->ipi_count, n + 1, IPI_US);
}

/* Run on an AP: a fixed IPI to the BSP and one to the next CPU. */
static void ap_send_ipis(struct guest_cpu *c, void *arg)
{
	u32 next = (c->index + 1) % guest_nr_cpus;

	(void)arg;
	ap_send_one(&guest_cpus[0]);
	if (cpu_up[next])
		ap_send_one(&guest_cpus[next]);
}

static void ipi_from_aps(void)
{
	round_begin();
	for (u32 i = 1; i < guest_nr_cpus; i++) {
		u32 next = (i + 1) % guest_nr_cpus;

		if (!cpu_up[i])
			continue;
		guest_cpu_post(&guest_cpus[i], ap_send_ipis, NULL);
		GCHECK(guest_cpu_wait_done(&guest_cpus[i], CMD_US + 2 * IPI_US),
		       "CPU %u did not run its IPI command: %s", i,
		       ap_state(&guest_cpus[i]));
		ipi_want[0]++;
		if (cpu_up[next])
			ipi_want[next]++;
	}
	round_end("sent by the APs");
}

static int check_smp_ipi(void)
{
	int r = prerequisite();

	if (r)
		return r < 0 ? 0 : r;
	guest_irq_enable();
	round_begin();
	for (u32 i = 0; i < guest_nr_cpus; i++)
		if (cpu_up[i])
			send("physical", guest_cpus[i].apic_id, IPI_FIXED, i);
	round_end("physical");
	round_begin();
	send("all-excluding-self", 0, IPI_FIXED | ICR_SH_OTHERS,
	     GUEST_MAX_CPUS);
	to_all_up(0);
	round_end("all-excluding-self");
	round_begin();
	send("all-including-self", 0, IPI_FIXED | ICR_SH_ALL, GUEST_MAX_CPUS);
	to_all_up(GUEST_MAX_CPUS);
	round_end("all-including-self");
	round_begin();
	send("self", 0, IPI_FIXED | ICR_SH_SELF, 0);
	round_end("self");
	ipi_logical();
	ipi_from_aps();
	guest_irq_disable();
	for (u32 i = 0; i < guest_nr_cpus; i++)
		GCHECK(!guest_cpus[i].other_irqs,
		       "CPU %u took %llu unexpected interrupts (last vector %#x)",
		       i, (unsigned long long)guest_cpus[i].other_irqs,
		       guest_cpus[i].other_vector);
	return 0;
}

/* ------------------------------------------------------------ reinit */

/* SDM Vol. 3A 10.1.1 table 10-1: the INIT state the trampoline saw. */
static void check_init_state(const struct guest_cpu *c)
{
	GINFO("CPU %u: restarted; trampoline CR0 %#x CR4 %#x EFLAGS %#x EFER %#llx\n",
	      c->index, c->entry_cr0, c->entry_cr4, c->entry_eflags,
	      (unsigned long long)c->entry_efer);
	GCHECK((c->entry_cr0 & ~(u32)(CR0_CD | CR0_NW)) == CR0_ET,
	       "CPU %u: CR0 %#x after INIT (CD/NW aside, ET only expected)",
	       c->index, c->entry_cr0);
	GCHECK(c->entry_cr4 == 0, "CPU %u: CR4 %#x after INIT", c->index,
	       c->entry_cr4);
	GCHECK(c->entry_eflags == EFLAGS_RESET, "CPU %u: EFLAGS %#x after INIT",
	       c->index, c->entry_eflags);
}

/* INIT while it spins: it must stop at once and stay stopped. */
static bool init_running(struct guest_cpu *c, u32 boot0)
{
	u64 h0 = c->heartbeat, h1;

	c->spin_stop = false;
	guest_cpu_post(c, guest_cpu_spin, NULL);
	if (!GCHECK(guest_wait_ge64(&c->heartbeat, h0 + 100, CMD_US),
		    "CPU %u did not start spinning: %s", c->index, ap_state(c)))
		return false;
	GCHECK(guest_cpu_init(c), "CPU %u: INIT stayed pending", c->index);
	guest_udelay(10000);
	h1 = c->heartbeat;
	guest_udelay(SETTLE_US);
	c->spin_stop = true;
	GCHECK(c->boot_count == boot0, "CPU %u restarted before any SIPI",
	       c->index);
	return GCHECK(c->heartbeat == h1,
		      "CPU %u ran %llu more iterations after INIT", c->index,
		      (unsigned long long)(c->heartbeat - h1));
}

static void reinit_one(struct guest_cpu *c)
{
	u32 boot0 = c->boot_count;
	u64 ipis;
	char who[24];

	if (!init_running(c, boot0))
		return;
	GCHECK(guest_cpu_sipi(c), "CPU %u: SIPI stayed pending", c->index);
	guest_udelay(200);
	GCHECK(guest_cpu_sipi(c), "CPU %u: second SIPI stayed pending",
	       c->index);
	if (!GCHECK(guest_wait_eq(&c->boot_count, boot0 + 1, START_US) &&
			    wait_reported(c, REPORT_US),
		    "CPU %u did not come back after SIPI: %s", c->index,
		    ap_state(c))) {
		cpu_up[c->index] = false;
		return;
	}
	guest_udelay(SETTLE_US);
	GCHECK(c->boot_count == boot0 + 1,
	       "CPU %u: %u trampoline entries after one INIT-SIPI-SIPI",
	       c->index, c->boot_count - boot0);
	check_init_state(c);
	GCHECK(reports[c->index].boot == c->boot_count,
	       "CPU %u: report of start %u after start %u", c->index,
	       reports[c->index].boot, c->boot_count);
	GCHECK(!reports[c->index].hit,
	       "CPU %u: Modex canary visible at %#llx: \"%s\"", c->index,
	       (unsigned long long)reports[c->index].hit,
	       reports[c->index].seen);
	if (modex) {
		guest_snprintf(who, sizeof(who), "CPU %u (again): ", c->index);
		l1_cpuid_check(&reports[c->index].cpuid, who);
	}
	ipis = c->ipi_count;
	GCHECK(guest_send_ipi(c->apic_id, IPI_FIXED) &&
		       guest_wait_ge64(&c->ipi_count, ipis + 1, IPI_US),
	       "CPU %u takes no IPI after its restart", c->index);
}

static int check_smp_reinit(void)
{
	int r = prerequisite();

	if (r)
		return r < 0 ? 0 : r;
	guest_irq_enable();
	for (u32 i = 1; i < guest_nr_cpus; i++)
		if (cpu_up[i])
			reinit_one(&guest_cpus[i]);
	guest_irq_disable();
	return 0;
}

void l1_smp_checks(bool under_modex)
{
	modex = under_modex;
	run_check("smp-start", check_smp_start);
	run_check("smp-cpuid", check_smp_cpuid);
	run_check("smp-hidden", check_smp_hidden);
	run_check("smp-ipi", check_smp_ipi);
	run_check("smp-reinit", check_smp_reinit);
}
