// SPDX-License-Identifier: MIT
/*
 * The L1 boot flow and memory layout (hv/guest.h): Modex's pool, L1's RAM,
 * NPT01/EPT01 with Modex's memory mapped to a sink page, the canary, the
 * hypercall environment and the nested-paging faults of that layout.
 * Context: boot CPU, interrupts off; then the exit path of the L1 vCPU.
 */
#include "hv/guest.h"

#define LOG_PREFIX "guest"
#include "boot/stacks.h"
#include "hv/console.h"
#include "hv/exit.h"
#include "hv/fbcon.h"
#include "hv/exits.h"
#include "hv/features.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/iommu.h"
#include "hv/iommu_acpi.h"
#include "hv/l1_boot.h"
#include "hv/lapic.h"
#include "hv/log.h"
#include "hv/main.h"
#include "hv/ranges.h"
#include "hv/memory.h"
#include "hv/msr.h"
#include "hv/mtrr.h"
#include "hv/panic.h"
#include "hv/percpu.h"
#include "hv/smp.h"
#include "hv/stats.h"
#include "hv/vendor.h"
#include "hv/vlapic.h"
#include "mm/frame.h"
#include "nested/nested.h"
#include "mm/pt_build.h"

extern char __image_start[], __image_end[];
extern char __text_start[], __rodata_end[];

/* The image, the pool, and the IOMMUs' register ranges. */
#define MAX_RAM_HIDDEN 2
#define MAX_HIDDEN (MAX_RAM_HIDDEN + 2 * IOMMU_MAX_UNITS)
#define MAX_L1_RAM (MB2_MAX_REGIONS + 2 * MAX_HIDDEN)
#define FOUR_GIB 0x100000000ULL

static struct mem_range hidden[MAX_HIDDEN];
static u32 nr_hidden;
static struct mem_range l1_ram[MAX_L1_RAM];
static u32 nr_l1_ram;
static struct pt_mem_direct npt_mem_direct;
static struct pt stage2;
static hpa_t sink_pa;
static u64 stage2_top; /* identity-mapped up front below this */
static const struct mtrr_state *stage2_mtrrs; /* the types stage 2 has */
static struct hc_env hc_env;

/* Canaries in the image: one in .data, one in .bss (8-byte aligned). */
static char canary_data[32] __aligned(8) = "not yet planted";
static char canary_bss[32] __aligned(8);

static void *identity(u64 pa)
{
	return (void *)pa;
}

/* ---------------------------------------------------------------- pool */

/* Stage-2 tables, the sink and the canary page come from Modex's pool
 * (hv/memory.c), which is hidden like the image. */
static int pool_alloc(u64 *pa)
{
	return memory_alloc_frames(1, pa);
}

static void pool_free(u64 pa)
{
	memory_free_frames(pa, 1);
}

/* ------------------------------------------------------- memory layout */

static int compute_l1_ram(const struct mb2_info *info)
{
	struct mem_range avail[MB2_MAX_REGIONS];
	u32 na = 0;
	int n;

	hidden[nr_hidden++] =
		(struct mem_range){ (u64)__image_start, (u64)__image_end };
	hidden[nr_hidden++] =
		(struct mem_range){ memory_pool().start, memory_pool().end };
	for (u32 i = 0; i < info->nr_regions; i++)
		if (info->regions[i].type == 1)
			avail[na++] = (struct mem_range){
				info->regions[i].base,
				info->regions[i].base + info->regions[i].len
			};
	n = ranges_subtract(avail, na, hidden, nr_hidden, l1_ram, MAX_L1_RAM);
	if (n < 0)
		return n;
	nr_l1_ram = (u32)n;
	return 0;
}

static u64 ram_top(void)
{
	u64 top = FOUR_GIB;

	for (u32 i = 0; i < nr_l1_ram; i++)
		top = MAX(top, l1_ram[i].end);
	for (u32 i = 0; i < nr_hidden; i++)
		top = MAX(top, hidden[i].end);
	return ALIGN_UP(top, SZ_1G);
}

/* --------------------------------------------------- memory types */

/* Stage-2 memory types follow L1's virtual MTRRs (hv/msr.h) for L1's
 * memory (stage2_map_typed(), hv/mtrr.c); Modex's memory (the sink) is WB
 * whatever L1 writes. docs/isolation.md. */
static int map_typed(u64 start, u64 end)
{
	return stage2_map_typed(&stage2, stage2_mtrrs, start, end,
				pt_acc_full(&stage2.fmt));
}

/* SDM Vol. 3C 29.3.7.2: EPT type WB with ignore-PAT is WB whatever L1's
 * PAT says. NPT has no such bit (APM Vol. 2 15.25.8): host PAT entry 0
 * (WB) combined with L1's own PAT. */
static u64 sink_attr(void)
{
	if (stage2.fmt.type == PT_EPT)
		return PT_ATTR_EPT_WB | EPTE_IPAT;
	return 0;
}

/* The hardware MTRRs, which L1 never writes, give Modex's own accesses
 * their type with PAT entry 0 (WB): say so if firmware made any of
 * Modex's memory something else (SDM Vol. 3A table 12-7). */
static void check_modex_wb(void)
{
	const struct mtrr_state *hw = msr_boot_mtrrs();

	if (!hw->cap)
		return;
	/* The RAM ones: IOMMU registers are UC by nature. */
	for (u32 i = 0; i < MIN(nr_hidden, (u32)MAX_RAM_HIDDEN); i++) {
		for (u64 a = ALIGN_DOWN(hidden[i].start, PAGE_SIZE);
		     a < hidden[i].end; a += PAGE_SIZE) {
			if (mtrr_type(hw, a) == MT_WB)
				continue;
			log_warn(
				"the firmware's MTRRs make Modex's memory at %#lx type %u, not WB; Modex runs on it with that type.",
				a, mtrr_type(hw, a));
			return;
		}
	}
}

/*
 * One stage 2 serves every vCPU. Changes are serialised by stage2_lock
 * and counted in stage2_gen; the CPU that made one flushes its own TLB,
 * every other CPU flushes before its next entry (guest_stage2_sync).
 * Runtime changes never take rights away from L1's view of Modex's
 * memory (hidden ranges are fixed at boot), so a CPU still in L1 with
 * an older translation sees at most its own memory with an older type.
 */
static struct spinlock stage2_lock;
static volatile u64 stage2_gen;

static int reapply_apic_pages(void);
static int reapply_aliases(void);
static int reapply_tracked(void);
static void untrack_locked(gpa_t gpa);

static void stage2_changed(void)
{
	__atomic_add_fetch(&stage2_gen, 1, __ATOMIC_RELEASE);
}

void guest_stage2_sync(struct vcpu *v)
{
	u64 gen = __atomic_load_n(&stage2_gen, __ATOMIC_ACQUIRE);

	if (v->stage2_gen == gen)
		return;
	v->stage2_gen = gen;
	vendor->flush_guest_tlb(v);
	nested_stage2_changed(v); /* shadows built on the old stage 2 */
}

static int retype_l1_ram(void)
{
	struct mem_range l1[MAX_L1_RAM];
	struct mem_range all = { 0, stage2_top };
	int n, ret = 0;

	n = ranges_subtract(&all, 1, hidden, nr_hidden, l1, MAX_L1_RAM);
	for (int i = 0; !ret && i < n; i++)
		ret = map_typed(l1[i].start, l1[i].end);
	return n < 0 ? n : ret;
}

void guest_stage2_retype(struct vcpu *v, const struct mtrr_state *s)
{
	/* MTRRs disabled: everything UC (SDM Vol. 3A 12.11.2.1). */
	static const struct mtrr_state all_uc = { 0 };
	static bool warned;
	int ret;

	spin_lock(&stage2_lock);
	stage2_mtrrs = s;
	ret = retype_l1_ram();
	if (ret == -E_NOMEM || ret == -E_TOOBIG) {
		/* MTRRs that split stage 2 into more 4 KiB pages than Modex's
		 * pool holds or than one exit should spend time on
		 * (discontiguous masks can): L1's memory becomes UC in large
		 * pages, which frees the split tables. Never more cached than
		 * L1 asked. */
		if (!warned)
			log_warn(
				"L1's MTRRs split stage 2 into too many pages; L1's memory is UC until they change.");
		warned = true;
		stage2_mtrrs = &all_uc;
		ret = retype_l1_ram();
	}
	/* Device memory above the top is mapped again on its next fault,
	 * with the new types. */
	if (!ret && stage2_top < pt_input_limit(&stage2.fmt))
		ret = pt_unmap(&stage2, stage2_top,
			       pt_input_limit(&stage2.fmt) - stage2_top);
	/* The APIC pages, the aliases and the tracked pages keep their
	 * mappings (and protection) over it. */
	if (!ret)
		ret = reapply_apic_pages();
	if (!ret)
		ret = reapply_aliases();
	if (!ret)
		ret = reapply_tracked();
	stage2_changed();
	spin_unlock(&stage2_lock);
	if (ret)
		guest_fatal(
			v,
			"cannot re-encode the stage-2 memory types after an MTRR write (error %d); stopping L1.",
			ret);
	vendor->flush_guest_tlb(v);
}

/* Every page of Modex memory maps to the one sink page: readable and
 * writable by L1, never executable (docs/isolation.md). */
static int hide_modex(acc_t full)
{
	acc_t sink_acc = full & ~(acc_t)ACC_X_BOTH;
	int ret = pool_alloc(&sink_pa);

	if (ret)
		return ret;
	memset(identity(sink_pa), 0xff, PAGE_SIZE);
	for (u32 i = 0; i < nr_hidden; i++) {
		u64 s = ALIGN_DOWN(hidden[i].start, PAGE_SIZE);
		u64 e = ALIGN_UP(hidden[i].end, PAGE_SIZE);

		ret = pt_map(&stage2, s, sink_pa, e - s, sink_acc, sink_attr(),
			     PTM_ALIAS);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Stage 2 (NPT01/EPT01): identity over [0, max(4 GiB, top of RAM)) with
 * the largest pages possible, so RAM, MMIO, firmware and holes all pass
 * through; then Modex's memory re-mapped to the sink.
 */
static int build_stage2(void)
{
	struct pt_format fmt;
	struct pt_mem mem;
	acc_t full;
	int ret;

	ret = vendor->stage2_format ? vendor->stage2_format(&fmt) : -E_NOSUPP;
	if (ret)
		return ret;
	npt_mem_direct = (struct pt_mem_direct){
		.p2v = identity,
		.alloc_page = pool_alloc,
		.free_page = pool_free,
		.lo = memory_pool().start,
		.hi = memory_pool().end,
	};
	mem = pt_mem_direct(&npt_mem_direct);
	ret = pt_init(&stage2, &fmt, &mem);
	if (ret)
		return ret;
	full = pt_acc_full(&fmt);
	stage2_top = ram_top();
	stage2_mtrrs = msr_boot_mtrrs();
	ret = map_typed(0, stage2_top);
	if (!ret)
		ret = hide_modex(full);
	if (!ret)
		ret = reapply_aliases();
	return ret;
}

/* ------------------------------------------------ pages shown elsewhere */

#define MAX_ALIASES 4
static struct {
	gpa_t gpa;
	hpa_t hpa;
} aliases[MAX_ALIASES];
static u32 nr_aliases;

int guest_stage2_alias(gpa_t gpa, hpa_t hpa)
{
	if ((gpa | hpa) & (PAGE_SIZE - 1) ||
	    ranges_contain(hidden, nr_hidden, gpa) ||
	    ranges_contain(hidden, nr_hidden, hpa))
		return -E_INVAL;
	if (nr_aliases == MAX_ALIASES)
		return -E_TOOBIG;
	aliases[nr_aliases].gpa = gpa;
	aliases[nr_aliases++].hpa = hpa;
	return 0;
}

static int map_alias(u32 i)
{
	u8 mt = mtrr_type(stage2_mtrrs, aliases[i].gpa);

	return pt_map(&stage2, aliases[i].gpa, aliases[i].hpa, PAGE_SIZE,
		      pt_acc_full(&stage2.fmt),
		      stage2_mt_attr(stage2.fmt.type, mt), 0);
}

static int reapply_aliases(void)
{
	int ret = 0;

	for (u32 i = 0; i < nr_aliases && !ret; i++)
		ret = map_alias(i);
	return ret;
}

/* ------------------------------------------------- the APIC page alias */

const struct mem_range *guest_hidden(u32 *n)
{
	*n = nr_hidden;
	return hidden;
}

/* The stage-2 attribute for uncacheable MMIO: EPT memory type UC (SDM
 * Vol. 3C 29.3.7.2), NPT PCD|PWT, PAT entry 3, UC at power-on (APM
 * Vol. 2 15.25.8, 7.8.2). */
static u64 stage2_uc_attr(void)
{
	if (stage2.fmt.type == PT_EPT)
		return (u64)EPT_MT_UC << EPTE_MT_SHIFT;
	return PTE_PCD | PTE_PWT;
}

static int map_apic_locked(gpa_t gpa, bool writable)
{
	acc_t acc = pt_acc_full(&stage2.fmt) & ~(acc_t)ACC_X_BOTH;
	struct pt_walk w;
	int ret;

	if (!writable)
		acc &= ~(acc_t)ACC_WRITE;
	/* Above the identity range, map the 2 MiB around it first, as a
	 * fault there would (guest_handle_npf), so that no later fault
	 * maps over the alias. */
	if (gpa >= stage2_top &&
	    pt_lookup(&stage2, gpa, &w) == PTW_NOT_PRESENT) {
		ret = pt_map(&stage2, ALIGN_DOWN(gpa, SZ_2M),
			     ALIGN_DOWN(gpa, SZ_2M), SZ_2M,
			     pt_acc_full(&stage2.fmt), 0, 0);
		if (ret)
			return ret;
	}
	return pt_map(&stage2, gpa, lapic_phys_base(), PAGE_SIZE, acc,
		      stage2_uc_attr(), 0);
}

int guest_stage2_map_apic(gpa_t gpa, bool writable)
{
	int ret;

	spin_lock(&stage2_lock);
	untrack_locked(gpa);
	ret = map_apic_locked(gpa, writable);
	stage2_changed();
	spin_unlock(&stage2_lock);
	return ret;
}

/* After a re-encoding: every page that is L1's APIC gets its mapping and
 * protection back (hv/vlapic.h). */
static int reapply_apic_pages(void)
{
	gpa_t pages[MODEX_MAX_CPUS + 1];
	u32 n = vlapic_stage2_pages(pages, ARRAY_SIZE(pages));
	int ret = 0;

	for (u32 i = 0; i < n && !ret; i++)
		ret = map_apic_locked(pages[i], !vendor->capture_icr);
	return ret;
}

int guest_stage2_restore(gpa_t gpa)
{
	int ret;

	spin_lock(&stage2_lock);
	if (ranges_contain(hidden, nr_hidden, gpa))
		ret = pt_map(&stage2, gpa, sink_pa, PAGE_SIZE,
			     pt_acc_full(&stage2.fmt) & ~(acc_t)ACC_X_BOTH, 0,
			     0);
	else
		ret = map_typed(gpa, gpa + PAGE_SIZE);
	for (u32 i = 0; i < nr_aliases && !ret; i++)
		if (aliases[i].gpa == (gpa & PAGE_MASK))
			ret = map_alias(i);
	untrack_locked(gpa);
	stage2_changed();
	spin_unlock(&stage2_lock);
	return ret;
}

/* ----------------------------------------------- write-tracked pages */

/*
 * Pages of L1's RAM whose contents Modex caches (nested SVM's merged
 * permission maps): stage 2 maps them read-only, and the first write to
 * one (by L1, or by L2 through a shadow built on stage 2) faults here;
 * the page gets its write access back and track_gen moves, so every cache
 * taken at an older count is stale (guest_track_gen()). Writes Modex
 * itself makes into L1's RAM count too (guest_l1_wrote()). At most
 * MAX_TRACKED pages, the oldest dropped first (which counts as a write).
 * Device DMA is not seen: docs/nested.md says what that means for L1.
 */
#define MAX_TRACKED 64
static struct {
	gpa_t page;
	bool ro; /* mapped read-only now */
} tracked[MAX_TRACKED];
static u32 nr_tracked, next_evict;
static volatile u64 track_gen = 1;

static void track_written(void)
{
	__atomic_add_fetch(&track_gen, 1, __ATOMIC_RELEASE);
}

u64 guest_track_gen(void)
{
	return __atomic_load_n(&track_gen, __ATOMIC_ACQUIRE);
}

static int track_find(gpa_t page)
{
	for (u32 i = 0; i < nr_tracked; i++)
		if (tracked[i].page == page)
			return (int)i;
	return -1;
}

static int track_protect_locked(u32 i)
{
	gpa_t p = tracked[i].page;
	int ret =
		stage2_map_typed(&stage2, stage2_mtrrs, p, p + PAGE_SIZE,
				 pt_acc_full(&stage2.fmt) & ~(acc_t)ACC_WRITE);

	tracked[i].ro = !ret;
	return ret;
}

/* Write access back for slot @i (stage2_lock held); a write counts. */
static int track_release_locked(u32 i)
{
	gpa_t p = tracked[i].page;

	tracked[i].ro = false;
	track_written();
	return map_typed(p, p + PAGE_SIZE);
}

/* Whether @page is shown to L1 as another page (guest_stage2_alias()),
 * a mapping tracking must not replace. */
static bool alias_page(gpa_t page)
{
	for (u32 i = 0; i < nr_aliases; i++)
		if (aliases[i].gpa == page)
			return true;
	return false;
}

/* Whether @page is one of L1's APIC pages (hv/vlapic.h), which keep
 * their own stage-2 mapping. */
static bool apic_page(gpa_t page)
{
	gpa_t pages[MODEX_MAX_CPUS + 1];
	u32 n = vlapic_stage2_pages(pages, ARRAY_SIZE(pages));

	for (u32 i = 0; i < n; i++)
		if (pages[i] == page)
			return true;
	return false;
}

int guest_stage2_track(gpa_t gpa)
{
	gpa_t page = ALIGN_DOWN(gpa, PAGE_SIZE);
	int i, ret = 0;

	if (!guest_l1_ram(page, PAGE_SIZE) || apic_page(page) ||
	    alias_page(page))
		return -E_INVAL;
	spin_lock(&stage2_lock);
	i = track_find(page);
	if (i < 0 && nr_tracked < MAX_TRACKED) {
		i = (int)nr_tracked++;
		tracked[i] = (typeof(tracked[0])){ page, false };
	} else if (i < 0) {
		i = (int)next_evict;
		next_evict = (next_evict + 1) % MAX_TRACKED;
		if (tracked[i].ro)
			ret = track_release_locked((u32)i);
		tracked[i] = (typeof(tracked[0])){ page, false };
	}
	if (!ret && !tracked[i].ro) {
		ret = track_protect_locked((u32)i);
		stage2_changed();
	}
	spin_unlock(&stage2_lock);
	return ret;
}

void guest_l1_wrote(gpa_t gpa, u64 len)
{
	gpa_t first = ALIGN_DOWN(gpa, PAGE_SIZE), end = gpa + len;

	/* Unlocked: a slot being replaced at worst counts one write more. */
	for (u32 i = 0; i < __atomic_load_n(&nr_tracked, __ATOMIC_ACQUIRE); i++)
		if (tracked[i].page >= first && tracked[i].page < end) {
			track_written();
			return;
		}
}

/* A write fault on a tracked page (stage2_lock held): false if @gpa is
 * not one. */
static bool track_fault_locked(gpa_t gpa, int *ret)
{
	int i = track_find(ALIGN_DOWN(gpa, PAGE_SIZE));

	if (i < 0)
		return false;
	*ret = tracked[i].ro ? track_release_locked((u32)i) : 0;
	return true;
}

/* After a re-encoding of L1's memory: the tracked pages are read-only
 * again (their caches stay valid: nothing was written). */
static int reapply_tracked(void)
{
	int ret = 0;

	for (u32 i = 0; i < nr_tracked && !ret; i++)
		if (tracked[i].ro)
			ret = track_protect_locked(i);
	return ret;
}

/* A page that becomes something else (the APIC alias) is no longer
 * tracked as RAM: its caches are stale. */
static void untrack_locked(gpa_t gpa)
{
	int i = track_find(ALIGN_DOWN(gpa, PAGE_SIZE));

	if (i >= 0 && tracked[i].ro) {
		tracked[i].ro = false;
		track_written();
	}
}

/* -------------------------------------------------------------- canary */

static void canary_make(char *out, u64 salt)
{
	static const char hex[] = "0123456789abcdef";
	u32 lo, hi;
	u64 x;
	size_t n = sizeof(MODEX_CANARY_PREFIX) - 1;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	x = (((u64)hi << 32) | lo) * 0x9e3779b97f4a7c15ULL ^ salt;
	memcpy(out, MODEX_CANARY_PREFIX, n);
	for (int i = 0; i < 16; i++)
		out[n + i] = hex[(x >> (60 - 4 * i)) & 0xf];
	out[n + 16] = 0;
}

/* The canaries outside the stacks (which legitimately reach theirs), as
 * planted, and a hash of Modex's code and read-only data, checked when
 * L1 ends a test run (check_intact): a device that wrote Modex's memory
 * despite the IOMMU shows there. */
#define NR_CHECKED 4
static char *checked_at[NR_CHECKED];
static char checked_val[NR_CHECKED][32];
static u64 image_hash;

static u64 hash_ro(void)
{
	u64 h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (const char *p = __text_start; p < __rodata_end; p++)
		h = (h ^ (u8)*p) * 0x100000001b3ULL;
	return h;
}

static bool check_intact(void)
{
	for (u32 i = 0; i < NR_CHECKED; i++) {
		if (memcmp(checked_at[i], checked_val[i], 32)) {
			log_err("Modex's canary at %#lx was overwritten.",
				(u64)checked_at[i]);
			return false;
		}
	}
	if (hash_ro() != image_hash) {
		log_err("Modex's code or read-only data changed during the run.");
		return false;
	}
	log_info(
		"Modex intact: %u canaries and its code and read-only data unchanged.",
		NR_CHECKED);
	return true;
}

/* Plant the canary where L1 must never see it: image data and bss, the
 * stacks, and a pool frame. */
static void plant_canaries(u64 frame)
{
	char *spots[] = {
		canary_data,
		canary_bss,
		boot_stack_bottom + 64,
		identity((u64)ist_df_stack_top - IST_STACK_SIZE + 64),
		identity((u64)ist_nmi_stack_top - IST_STACK_SIZE + 64),
		identity(frame),
		identity(frame + PAGE_SIZE / 2),
	};

	char *checked[NR_CHECKED] = { canary_data, canary_bss, identity(frame),
				      identity(frame + PAGE_SIZE / 2) };

	for (u32 i = 0; i < ARRAY_SIZE(spots); i++)
		canary_make(spots[i], i);
	for (u32 i = 0; i < NR_CHECKED; i++) {
		checked_at[i] = checked[i];
		memcpy(checked_val[i], checked[i], 32);
	}
	image_hash = hash_ro();
	log_dbg("canary %s planted in %u places.", canary_data,
		(u32)ARRAY_SIZE(spots));
}

bool guest_gpa_to_hpa(gpa_t gpa, hpa_t *hpa)
{
	/* Only memory Modex's own tables map: L1's RAM and, for Modex's
	 * memory, the sink. Holes and devices below the top of RAM are
	 * not read on L1's behalf (Modex would fault on them). */
	if (ranges_contain(hidden, nr_hidden, gpa)) {
		*hpa = sink_pa + (gpa & (PAGE_SIZE - 1));
		return true;
	}
	if (!ranges_contain(l1_ram, nr_l1_ram, gpa))
		return false;
	*hpa = gpa;
	return true;
}

bool guest_l1_ram(gpa_t gpa, u64 len)
{
	u64 end = gpa + len;

	if (!len || end < gpa)
		return false;
	/* L1's RAM ranges exclude Modex's memory (compute_l1_ram()); a span
	 * is L1's if every page of it lies in one of them. */
	for (u64 p = ALIGN_DOWN(gpa, PAGE_SIZE); p < end; p += PAGE_SIZE)
		if (!ranges_contain(l1_ram, nr_l1_ram, p))
			return false;
	return true;
}

static int l1_pt_read(void *ctx, u64 gpa, u64 *val)
{
	hpa_t hpa;

	(void)ctx;
	if ((gpa & 7) || !guest_gpa_to_hpa(gpa, &hpa))
		return -E_FAULT;
	*val = *(const volatile u64 *)identity(hpa);
	return 0;
}

/*
 * Accessed and dirty flags in L1's tables (NPT12 walks set them, APM Vol.
 * 2 15.25.5): only in L1's RAM, never in Modex's memory or its sink.
 */
static int l1_pt_cmpxchg(void *ctx, u64 gpa, u64 old, u64 val)
{
	hpa_t hpa;
	u64 seen = old;

	(void)ctx;
	if ((gpa & 7) || !guest_l1_ram(gpa, 8) || !guest_gpa_to_hpa(gpa, &hpa))
		return -E_FAULT;
	if (!__atomic_compare_exchange_n((u64 *)identity(hpa), &seen, val,
					 false, __ATOMIC_SEQ_CST,
					 __ATOMIC_SEQ_CST))
		return -E_BUSY;
	guest_l1_wrote(gpa, 8);
	return 0;
}

static const struct pt_mem_ops l1_pt_ops = { .read = l1_pt_read,
					     .cmpxchg = l1_pt_cmpxchg };
static const struct pt_mem l1_pt = { &l1_pt_ops, NULL };

const struct pt_mem *guest_l1_pt_mem(void)
{
	return &l1_pt;
}

int guest_stage2_lookup(gpa_t gpa, hpa_t *hpa, acc_t *acc, u64 *attr, u64 *size)
{
	struct pt_walk w;
	enum pt_walk_status st;

	spin_lock(&stage2_lock);
	st = pt_lookup(&stage2, gpa & PAGE_MASK, &w);
	spin_unlock(&stage2_lock);
	if (st != PTW_OK)
		return -E_FAULT;
	*hpa = w.out & PAGE_MASK;
	*acc = w.acc;
	if (stage2.fmt.type == PT_EPT) {
		*attr = w.entry & PT_ATTR_EPT_MASK;
	} else {
		/* PAT is bit 12 in large leaves, bit 7 in 4 KiB ones; the
		 * encoder takes it as PTE_PAT_4K (mm/pt_format.h). */
		*attr = w.entry & (PTE_PWT | PTE_PCD);
		if (w.entry & (w.level > 1 ? PTE_PAT_LARGE : PTE_PAT_4K))
			*attr |= PTE_PAT_4K;
	}
	*size = w.page_size;
	return 0;
}

/* ---------------------------------------------------- hypercall env */

static int write_guest(void *ctx, gpa_t gpa, const void *src, u64 len)
{
	(void)ctx;
	/* Checked to be L1 RAM, which is identity-mapped in stage 2. */
	memcpy(identity(gpa), src, len);
	guest_l1_wrote(gpa, len);
	return 0;
}

static void test_exit(void *ctx, u8 code)
{
	(void)ctx;
	bool intact;

	iommu_poll();
	log_info("L1 ended the run with test code %#x (%s).", code,
		 code == MODEX_TEST_PASS ? "pass" : "fail");
	intact = check_intact();
	guest_report_stats();
	hv_exit(code == MODEX_TEST_PASS && intact ? HV_EXIT_PASS :
						    HV_EXIT_FAIL);
}

const struct hc_env *guest_hc_env(void)
{
	return &hc_env;
}

static void hc_env_init(void)
{
	u32 feat = MODEX_FEAT_STATS | MODEX_FEAT_TRACE;

	if (hv_exit_method() != EXIT_HALT)
		feat |= MODEX_FEAT_TEST_EXIT;
	if (nested_on())
		feat |= MODEX_FEAT_NESTED;
	hc_env = (struct hc_env){
		.ram = l1_ram,
		.nr_ram = nr_l1_ram,
		.features = feat,
		.write_guest = write_guest,
		.test_exit = test_exit,
	};
}

/* One line per vCPU that ran; the boot CPU's carries no CPU tag. */
/* One line for L2 (nested/nested.h), when L1 ran one; every hardware
 * exit counts, L2's reflected ones too (the exits line counts only those
 * hv/ handled). */
static void report_nested(const struct vcpu *v)
{
	const u64 *n = v->nested.stats.count;

	if (!n[MODEX_NSTAT_ENTRIES] && !n[MODEX_NSTAT_VMFAIL])
		return;
	con_printf(
		"[modex] guest: nested: %lu hardware exits, %lu L2 entries, %lu L2 exits reflected to L1, %lu handled by Modex (%lu shadow fills), %lu denials reflected (%lu read, %lu write, %lu supervisor fetch, %lu user fetch, %lu misconfigured), %lu failed VMX instructions.\n",
		v->exits, n[MODEX_NSTAT_ENTRIES], n[MODEX_NSTAT_REFLECTED],
		n[MODEX_NSTAT_HANDLED], n[MODEX_NSTAT_SHADOW_FIXED],
		n[MODEX_NSTAT_DENY_READ] + n[MODEX_NSTAT_DENY_WRITE] +
			n[MODEX_NSTAT_DENY_FETCH_SUPER] +
			n[MODEX_NSTAT_DENY_FETCH_USER] +
			n[MODEX_NSTAT_MISCONFIG],
		n[MODEX_NSTAT_DENY_READ], n[MODEX_NSTAT_DENY_WRITE],
		n[MODEX_NSTAT_DENY_FETCH_SUPER], n[MODEX_NSTAT_DENY_FETCH_USER],
		n[MODEX_NSTAT_MISCONFIG], n[MODEX_NSTAT_VMFAIL]);
}

void guest_report_stats(void)
{

	con_lock();
	for (u32 i = 0; i < smp_nr_cpus(); i++) {
		const struct exit_stats *st = &smp_vcpu(i)->stats;

		if (i && !st->total)
			continue;
		if (i)
			con_printf("[modex] cpu%u guest: exits: %lu total", i,
				   st->total);
		else
			con_printf("[modex] guest: exits: %lu total",
				   st->total);
		for (u32 r = 0; r < EXIT_R_COUNT; r++)
			if (st->count[r])
				con_printf(", %s %lu", exit_reason_name(r),
					   st->count[r]);
		con_printf(".\n");
		report_nested(smp_vcpu(i));
	}
	con_unlock();
}

/* ------------------------------------------------------------ #NPF */

/*
 * Stage 2 maps everything below the top of RAM, so a fault is either an
 * L1 fetch from Modex's memory (the sink is not executable), a write to a
 * write-tracked page, or an access above the top of RAM (a 64-bit device
 * BAR), mapped through on demand.
 */
void guest_handle_npf(struct vcpu *v)
{
	const struct exit_info *e = &v->exit;
	gpa_t gpa = e->npf.gpa;
	u64 base = ALIGN_DOWN(gpa, SZ_2M);
	struct pt_walk w;
	bool bad;
	int ret;

	if (ranges_contain(hidden, nr_hidden, gpa))
		guest_fatal(
			v,
			"L1 %s Modex's hidden memory at GPA %#lx (EXITINFO1/qualification %#lx); stopping L1.",
			e->npf.access == EXIT_NPF_FETCH ?
				"fetched an instruction from" :
				"faulted on",
			gpa, e->qual);
	spin_lock(&stage2_lock);
	if (e->npf.access == EXIT_NPF_WRITE && gpa < stage2_top &&
	    track_fault_locked(gpa, &ret)) {
		stage2_changed();
		spin_unlock(&stage2_lock);
		if (ret)
			guest_fatal(
				v,
				"cannot give L1 back write access to GPA %#lx (error %d); stopping L1.",
				gpa, ret);
		vendor->flush_guest_tlb(v);
		return;
	}
	/* Another CPU may have mapped it since this fault. */
	if (gpa >= stage2_top && !(gpa >> stage2.fmt.maxphyaddr) &&
	    pt_lookup(&stage2, gpa, &w) != PTW_NOT_PRESENT) {
		spin_unlock(&stage2_lock);
		vendor->flush_guest_tlb(v);
		return;
	}
	bad = gpa < stage2_top || gpa >> stage2.fmt.maxphyaddr ||
	      ranges_overlap(hidden, nr_hidden, base, base + SZ_2M) ||
	      map_typed(base, base + SZ_2M);
	stage2_changed();
	spin_unlock(&stage2_lock);
	if (bad)
		guest_fatal(
			v,
			"unexpected nested page fault at GPA %#lx (EXITINFO1/qualification %#lx); stopping L1.",
			gpa, e->qual);
	vendor->flush_guest_tlb(v);
}

/* ------------------------------------------------------------- start */

static void dump_l1(void)
{
	vendor->dump(&this_cpu()->vcpu);
}

static void fail(const char *what, int err)
{
	log_err("%s: %s.", what, err_str(err));
	hv_exit(HV_EXIT_FAIL);
}

static void report_layout(void)
{
	u64 ram = 0, hid = 0;

	for (u32 i = 0; i < nr_l1_ram; i++)
		ram += l1_ram[i].end - l1_ram[i].start;
	for (u32 i = 0; i < nr_hidden; i++)
		hid += hidden[i].end - hidden[i].start;
	log_info(
		"L1 RAM: %lu KiB in %u ranges; Modex hidden: %lu KiB in %u ranges (image %#lx-%#lx, pool %#lx-%#lx), mapped to sink page %#lx.",
		ram >> 10, nr_l1_ram, hid >> 10, nr_hidden, hidden[0].start,
		hidden[0].end, hidden[1].start, hidden[1].end, sink_pa);
}

/*
 * DMA isolation before L1 exists (docs/iommu.md): every device in one
 * domain over L1's RAM; the IOMMUs' registers join Modex's hidden
 * memory (absent from L1's RAM, mapped to the sink in stage 2).
 */
static void setup_iommu(const struct mb2_info *info)
{
	struct iommu_env env = { l1_ram, nr_l1_ram, hidden, nr_hidden };
	u64 t0 = rdtsc();
	int ret;

	if (hv_options.iommu == IOMMU_OFF) {
		log_warn(
			"iommu=off: DMA is not isolated; devices L1 programs can read and write Modex's memory.");
		return;
	}
	ret = iommu_init(info, &env);
	if (ret == -E_NOENT) {
		if (hv_options.iommu == IOMMU_REQUIRED) {
			log_err("no IOMMU found and iommu=required: refusing to start L1.");
			hv_exit(HV_EXIT_FAIL);
		}
		log_warn(
			"no IOMMU found: DMA is not isolated; devices L1 programs can read and write Modex's memory.");
		return;
	}
	if (ret)
		fail("cannot set up the IOMMU, so L1's DMA would be unchecked",
		     ret);
	nr_hidden += iommu_hidden(hidden + nr_hidden, MAX_HIDDEN - nr_hidden);
	log_info(
		"IOMMU enabled: DMA is limited to L1's memory (setup took %lu TSC ticks).",
		rdtsc() - t0);
}

void guest_start(const struct mb2_info *info)
{
	struct boot_cpu_state bs;
	struct vcpu *v;
	u64 canary_frame;
	int ret;

	if (!info->nr_modules) {
		log_info("no L1 module given.");
		return;
	}
	vendor = vendor_select(&cpu_features);
	if (!vendor)
		fail("cannot run L1", -E_NOSUPP);
	ret = smp_boot_cpu_ready();
	if (!ret)
		ret = vendor->enable();
	if (ret)
		fail("cannot enable virtualization", ret);
	nested_init(vendor->name, hv_options.nested);
	ret = compute_l1_ram(info);
	if (ret)
		fail("cannot compute L1's memory", ret);
	/* Before the APs run: it maps the IOMMUs' registers in Modex's
	 * page tables, which the APs share. */
	setup_iommu(info);
	ret = smp_start_aps(info);
	if (ret)
		fail("cannot bring every CPU under Modex, so L1 cannot run safely",
		     ret);
	msr_boot_cpu_init();
	check_modex_wb();
	ret = l1_boot_load(info, l1_ram, nr_l1_ram, hidden, nr_hidden, &bs);
	if (ret)
		fail("cannot load the L1 module", ret);
	ret = pool_alloc(&canary_frame);
	if (ret)
		fail("cannot allocate the canary page", ret);
	plant_canaries(canary_frame);
	ret = build_stage2();
	if (ret)
		fail("cannot build the stage-2 tables for L1", ret);
	ret = vlapic_stage2_init();
	if (ret)
		fail("cannot map the local APIC page in stage 2", ret);
	report_layout();
	hc_env_init();
	v = &this_cpu()->vcpu;
	msr_vcpu_init(v);
	ret = vendor->vcpu_init(v, &bs, stage2.root);
	if (!ret)
		ret = nested_vcpu_init(v);
	if (ret)
		fail("cannot set up L1's vCPU", ret);
	vlapic_init(v);
	panic_set_guest_dump(dump_l1);
	smp_release_aps(stage2.root);
	/* Under QEMU -icount shift=0 and on Bochs the TSC counts
	 * instructions: docs/benchmarks.md takes the boot path from these. */
	log_info("starting L1 at %#lx; TSC %lu, %lu since Modex's entry.",
		 v->regs.rip, rdtsc(), rdtsc() - boot_entry_tsc);
	/* The framebuffer is L1's from here (docs/boot.md, "Consoles"). */
	fbcon_release();
	vcpu_run_loop(v);
	hv_exit(HV_EXIT_FAIL);
}
