// SPDX-License-Identifier: MIT
/*
 * AMD-Vi driver: one translation domain for every device, built with the
 * mm/ builder in the PT_AMDVI format, shared by every IOMMU; a device
 * table whose every entry points at it; per unit a command buffer and an
 * event log. Register sequence (AMD IOMMU spec rev 3.x, 3.3 and 3.4):
 * disable, program the table and ring bases, clear the status, enable
 * (IommuEn, CmdBufEn, EventLogEn and the IVHD's link flags), then
 * invalidate every device table entry and the domain's pages and wait
 * for a COMPLETION_WAIT store. Device interrupts are filtered by type
 * (DTE IV=1, IntCtl=01b: INIT and NMI blocked) when the IVRS names an
 * I/O APIC; they are never remapped (no interrupt remapping table).
 * Context: boot CPU for amdvi_init(); amdvi_poll() on any CPU (locked).
 */
#include "hv/amdvi.h"

#define LOG_PREFIX "amdvi"
#include "hv/amdvi_hw.h"
#include "hv/delay.h"
#include "hv/iommu_drv.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/spinlock.h"
#include "hv/include/x86.h"
#include "hv/log.h"
#include "hv/memory.h"
#include "hv/pci_cfg.h"
#include "hv/ranges.h"
#include "mm/frame.h"
#include "mm/pt_build.h"

#define DOMAIN_ID 1
#define RING_LOG2 8 /* 256 entries of 16 bytes: one 4 KiB page */
#define RING_BYTES ((1u << RING_LOG2) * 16)
#define RING_PTR_MASK 0x7fff0ULL /* head/tail pointers, bits 18:4 */
#define NR_DEVIDS 0x10000u
#define WAIT_US 1000000u /* completion waits: 1 s */

struct amdvi_unit {
	u64 base;
	u32 mmio_size;
	u16 segment, devid;
	u8 ivhd_flags;
	u64 efr;
	u64 cmd_pa, evt_pa;
	u32 cmd_tail;
	volatile u64 wait_slot; /* COMPLETION_WAIT store target */
	u64 wait_seq;
};

static struct amdvi_unit units[IOMMU_MAX_UNITS];
static u32 nr_units; /* units whose registers are mapped */
static u32 nr_enabled;
static struct pt domain;
static struct pt_mem_direct domain_mem;
static u64 empty_pa; /* a table of absent entries (amdvi_refuse_unmapped) */
static u32 nr_refusing; /* directory entries without IR/IW over it */
static u64 devtab_pa;
static bool irq_filtered; /* DTE IV=1: INIT and NMI from devices blocked */
static u32 devtab_pages;

static struct spinlock poll_lock;
static u8 reported[NR_DEVIDS / 8]; /* devices with a logged block */
static u64 suppressed;

static inline u64 rd64(const struct amdvi_unit *u, u32 off)
{
	return *(volatile u64 *)(u->base + off);
}

static inline void wr64(const struct amdvi_unit *u, u32 off, u64 v)
{
	*(volatile u64 *)(u->base + off) = v;
}

static void *identity(hpa_t pa)
{
	return (void *)pa;
}

static int dom_alloc(u64 *pa)
{
	return frame_alloc(pa, FRAME_ZERO);
}

static void dom_free(u64 pa)
{
	frame_free(pa, 1);
}

/* DTE Mode (spec 2.2.2.1): enough levels for @top, within EFR.HATS. */
static int domain_levels(u64 top, u64 efr, u32 *flags, unsigned *levels)
{
	unsigned hats = 4 + ((efr >> AMDVI_EFR_HATS_SHIFT) & 3);

	if (top <= (1ULL << 39)) {
		*flags = PTF_3LEVEL;
		*levels = 3;
	} else if (top <= (1ULL << 48)) {
		*flags = 0;
		*levels = 4;
	} else {
		*flags = PTF_5LEVEL;
		*levels = 5;
	}
	return *levels <= hats ? 0 : -E_NOSUPP;
}

static u64 highest_address(const struct iommu_acpi *a,
			   const struct iommu_env *env)
{
	u64 top = 0;

	for (u32 i = 0; i < env->nr_l1_ram; i++)
		top = MAX(top, env->l1_ram[i].end);
	for (u32 i = 0; i < a->nr_regions; i++)
		top = MAX(top, a->regions[i].end);
	return top;
}

/* IVMD ranges (spec 5.2.2.3) stay identity-mapped unless they touch
 * Modex; exclusion ranges are mapped R/W instead of programming the
 * exclusion registers, which would bypass translation. */
static int map_regions(const struct iommu_acpi *a, const struct iommu_env *env)
{
	for (u32 i = 0; i < a->nr_regions; i++) {
		const struct iommu_region *r = &a->regions[i];
		acc_t acc = 0;
		int ret;

		if (r->flags & (IOMMU_REGION_READ | IOMMU_REGION_EXCL))
			acc |= ACC_READ;
		if (r->flags & (IOMMU_REGION_WRITE | IOMMU_REGION_EXCL))
			acc |= ACC_WRITE;
		if (!acc || r->end <= r->base)
			continue;
		if (ranges_overlap(env->hidden, env->nr_hidden, r->base,
				   r->end)) {
			log_warn(
				"IVMD range [%#lx, %#lx) overlaps Modex's memory: not mapped, DMA there stays blocked.",
				r->base, r->end);
			continue;
		}
		ret = pt_map(&domain, r->base, r->base, r->end - r->base, acc,
			     0, PTM_ROUND_DOWN);
		if (ret)
			return ret;
	}
	return 0;
}

static int build_domain(const struct iommu_acpi *a, const struct iommu_env *env,
			unsigned *levels)
{
	struct pt_format f;
	struct pt_mem m;
	struct mem_range pool = memory_pool();
	unsigned maxpa = (a->haw >= 32 && a->haw <= 52) ? a->haw : 48;
	u32 flags;
	int ret = domain_levels(highest_address(a, env), units[0].efr, &flags,
				levels);

	if (!ret)
		ret = pt_format_init(&f, PT_AMDVI, maxpa, flags);
	if (ret)
		return ret;
	domain_mem = (struct pt_mem_direct){ identity, dom_alloc, dom_free,
					     pool.start, pool.end };
	m = pt_mem_direct(&domain_mem);
	ret = pt_init(&domain, &f, &m);
	if (!ret)
		ret = map_regions(a, env);
	for (u32 i = 0; i < env->nr_l1_ram && !ret; i++) {
		const struct mem_range *r = &env->l1_ram[i];
		u64 s = ALIGN_UP(r->start, PAGE_SIZE);
		u64 e = ALIGN_DOWN(r->end, PAGE_SIZE);

		if (e > s)
			ret = pt_map(&domain, s, s, e - s, ACC_READ | ACC_WRITE,
				     0, 0);
	}
	for (u32 i = 0; i < env->nr_hidden && !ret; i++) {
		u64 s = ALIGN_DOWN(env->hidden[i].start, PAGE_SIZE);
		u64 e = ALIGN_UP(env->hidden[i].end, PAGE_SIZE);

		if (e > s)
			ret = pt_unmap(&domain, s, e - s);
	}
	for (u32 i = 0; i < nr_units && !ret; i++)
		ret = pt_unmap(&domain, units[i].base, units[i].mmio_size);
	/* Blocks of Modex's memory that map nothing are refused at the
	 * directory (amdvi_refuse_unmapped(), docs/iommu.md). */
	return ret ? ret :
		     amdvi_refuse_unmapped(&domain, env->hidden, env->nr_hidden,
					   &empty_pa, &nr_refusing);
}

/*
 * Whether device interrupts are filtered (amdvi_dte_filter_interrupts()):
 * only when the IVRS names an I/O APIC (special entry, spec 5.2.2.2),
 * the sign that the platform sends its interrupts through the IOMMU's
 * remapping logic (Linux's AMD driver likewise turns interrupt remapping
 * off without one; QEMU lists it only with intremap=on, and with IV=1
 * and intremap=off drops every interrupt).
 */
static bool filter_interrupts(const struct iommu_acpi *a)
{
	for (u32 i = 0; i < a->nr_devs; i++)
		if (a->devs[i].kind == IOMMU_DEV_IOAPIC)
			return true;
	return false;
}

/* Pages of device table that cover every bus the IVHDs name; the full
 * 64 Ki entries when one says "all" (spec 5.2.2.2). */
static u32 devtab_min_pages(const struct iommu_acpi *a)
{
	u32 top = 0;

	for (u32 i = 0; i < a->nr_units; i++) {
		if (a->units[i].flags & IOMMU_UNIT_ALL)
			return AMDVI_MAX_DEVTAB_PAGES;
		top = MAX(top, a->units[i].devid);
	}
	for (u32 i = 0; i < a->nr_devs; i++)
		top = MAX(top, MAX(a->devs[i].last, a->devs[i].alias_id));
	return ((top >> 8) + 1) * 256 * AMDVI_DTE_SIZE / PAGE_SIZE;
}

/* One table for every unit: all entries are the same. Prefer 64 Ki
 * entries (every requester ID); when the pool cannot spare 2 MiB, the
 * buses the IVRS lists (a request beyond the table is not translated
 * into Modex: the IOMMU rejects it, spec 3.4.1). */
static int build_devtab(const struct iommu_acpi *a, unsigned levels)
{
	u32 pages = AMDVI_MAX_DEVTAB_PAGES;
	int ret = frame_alloc_run(pages, pages, FRAME_ZERO, &devtab_pa);
	struct amdvi_dte dte;

	if (ret == -E_NOMEM) {
		pages = devtab_min_pages(a);
		ret = frame_alloc_run(pages, 1, FRAME_ZERO, &devtab_pa);
	}
	if (!ret)
		ret = amdvi_dte_translate(&dte, domain.root, levels, DOMAIN_ID,
					  true, true);
	if (ret)
		return ret;
	if (irq_filtered)
		amdvi_dte_filter_interrupts(&dte);
	devtab_pages = pages;
	for (u32 i = 0; i < pages * PAGE_SIZE / AMDVI_DTE_SIZE; i++)
		memcpy((void *)(devtab_pa + (u64)i * AMDVI_DTE_SIZE), &dte,
		       sizeof(dte));
	return 0;
}

static int wait_head(struct amdvi_unit *u, u32 not_equal)
{
	for (u32 t = 0; t < WAIT_US / 10; t++) {
		if ((rd64(u, AMDVI_CMDBUF_HEAD) & RING_PTR_MASK) != not_equal)
			return 0;
		udelay(10);
	}
	return -E_BUSY;
}

/* Queue one command (spec 3.4.2): when the ring is full, publish the
 * tail and wait for the IOMMU to fetch. */
static int cmd_post(struct amdvi_unit *u, const struct amdvi_cmd *c)
{
	u32 next = (u->cmd_tail + AMDVI_CMD_SIZE) % RING_BYTES;

	if (next == (rd64(u, AMDVI_CMDBUF_HEAD) & RING_PTR_MASK)) {
		wr64(u, AMDVI_CMDBUF_TAIL, u->cmd_tail);
		if (wait_head(u, (u32)next))
			return -E_BUSY;
	}
	memcpy((void *)(u->cmd_pa + u->cmd_tail), c, sizeof(*c));
	u->cmd_tail = next;
	return 0;
}

/* COMPLETION_WAIT (spec 2.4.1) and poll its store, bounded. */
static int cmd_sync(struct amdvi_unit *u)
{
	struct amdvi_cmd c;
	u64 seq = ++u->wait_seq;
	int ret;

	amdvi_cmd_completion_wait(&c, (u64)&u->wait_slot, seq);
	ret = cmd_post(u, &c);
	if (ret)
		return ret;
	wr64(u, AMDVI_CMDBUF_TAIL, u->cmd_tail);
	for (u32 t = 0; t < WAIT_US / 10; t++) {
		if (u->wait_slot == seq)
			return 0;
		udelay(10);
	}
	return -E_BUSY;
}

static int invalidate_all(struct amdvi_unit *u)
{
	struct amdvi_cmd c;
	int ret = 0;

	for (u32 id = 0;
	     id < devtab_pages * (PAGE_SIZE / AMDVI_DTE_SIZE) && !ret; id++) {
		amdvi_cmd_inv_devtab_entry(&c, (u16)id);
		ret = cmd_post(u, &c);
	}
	if (!ret) {
		amdvi_cmd_inv_pages_all(&c, DOMAIN_ID);
		ret = cmd_post(u, &c);
	}
	if (!ret && (u->efr & AMDVI_EFR_IA)) {
		amdvi_cmd_inv_all(&c);
		ret = cmd_post(u, &c);
	}
	return ret ? ret : cmd_sync(u);
}

/* Control bits the IVHD flags ask for (spec 5.2.2.2, 3.4.3). */
static u64 link_bits(u8 ivhd)
{
	u64 v = 4ULL << AMDVI_CTL_INV_TO_SHIFT; /* 1 s */

	if (ivhd & AMDVI_IVHD_HT_TUN)
		v |= AMDVI_CTL_HT_TUN_EN;
	if (ivhd & AMDVI_IVHD_PASS_PW)
		v |= AMDVI_CTL_PASS_PW;
	if (ivhd & AMDVI_IVHD_RES_PASS_PW)
		v |= AMDVI_CTL_RES_PASS_PW;
	if (ivhd & AMDVI_IVHD_ISOC)
		v |= AMDVI_CTL_ISOC;
	if (ivhd & AMDVI_IVHD_COHERENT)
		v |= AMDVI_CTL_COHERENT;
	return v;
}

static int unit_enable(struct amdvi_unit *u)
{
	u64 dt, cb, el;
	int ret = frame_alloc_run(1, 1, FRAME_ZERO, &u->cmd_pa);

	if (!ret)
		ret = frame_alloc_run(1, 1, FRAME_ZERO, &u->evt_pa);
	if (!ret)
		ret = amdvi_devtab_reg(devtab_pa, devtab_pages, &dt);
	if (!ret)
		ret = amdvi_ring_reg(u->cmd_pa, RING_LOG2, &cb);
	if (!ret)
		ret = amdvi_ring_reg(u->evt_pa, RING_LOG2, &el);
	if (ret)
		return ret;
	/* Spec 3.4: the bases and pointers may change only while the
	 * IOMMU, its command buffer and event log are off. */
	wr64(u, AMDVI_CONTROL, 0);
	wr64(u, AMDVI_DEVTAB_BASE, dt);
	wr64(u, AMDVI_CMDBUF_BASE, cb);
	wr64(u, AMDVI_EVTLOG_BASE, el);
	wr64(u, AMDVI_CMDBUF_HEAD, 0);
	wr64(u, AMDVI_CMDBUF_TAIL, 0);
	wr64(u, AMDVI_EVTLOG_HEAD, 0);
	wr64(u, AMDVI_EVTLOG_TAIL, 0);
	wr64(u, AMDVI_EXCL_BASE, 0); /* no exclusion range */
	wr64(u, AMDVI_EXCL_LIMIT, 0);
	wr64(u, AMDVI_STATUS,
	     AMDVI_ST_EVT_OVERFLOW | AMDVI_ST_EVT_INT | AMDVI_ST_COMW_INT);
	u->cmd_tail = 0;
	/* Tables are written through the cache: a non-coherent IOMMU
	 * (IVHD Coherent=0) reads memory, so write it back first. */
	if (!(u->ivhd_flags & AMDVI_IVHD_COHERENT))
		asm volatile("wbinvd" ::: "memory");
	wr64(u, AMDVI_CONTROL,
	     link_bits(u->ivhd_flags) | AMDVI_CTL_EVTLOG_EN |
		     AMDVI_CTL_CMDBUF_EN | AMDVI_CTL_IOMMU_EN);
	return invalidate_all(u);
}

/* Map a unit's registers (UC) and size them from the EFR (spec 3.4.6). */
static int unit_map(struct amdvi_unit *u, const struct iommu_unit *au)
{
	int ret;

	u->base = au->base;
	u->segment = au->segment;
	u->devid = au->devid;
	u->ivhd_flags = au->ivhd_flags;
	u->mmio_size = MAX(au->size, AMDVI_MMIO_MIN);
	ret = memory_map_mmio(u->base, u->mmio_size);
	if (ret)
		return ret;
	u->efr = rd64(u, AMDVI_EFR);
	if (u->efr == ~0ULL)
		u->efr = au->efr;
	if (u->efr & AMDVI_EFR_PC) {
		u->mmio_size = MAX(u->mmio_size, AMDVI_MMIO_PC);
		ret = memory_map_mmio(u->base, u->mmio_size);
	}
	return ret;
}

int amdvi_init(const struct iommu_acpi *ivrs, const struct iommu_env *env)
{
	unsigned levels = 0;
	u64 free0 = frame_free_count(), t0 = rdtsc();
	int ret = 0;

	if (ivrs->kind != IOMMU_AMDVI || !ivrs->nr_units || nr_units)
		return -E_INVAL;
	for (u32 i = 0; i < ivrs->nr_units && !ret; i++) {
		ret = unit_map(&units[i], &ivrs->units[i]);
		if (!ret)
			nr_units++;
		if (!ret)
			ret = pci_cfg_protect(&(struct pci_cfg_guard){
				units[i].segment, units[i].devid,
				PCI_GUARD_RO });
	}
	irq_filtered = filter_interrupts(ivrs);
	if (!ret)
		ret = build_domain(ivrs, env, &levels);
	if (!ret)
		ret = build_devtab(ivrs, levels);
	for (u32 i = 0; i < nr_units && !ret; i++) {
		struct amdvi_unit *u = &units[i];

		ret = unit_enable(u);
		if (ret)
			break;
		nr_enabled++;
		log_info(
			"AMD-Vi: IOMMU %u at %#lx (PCI %04x:%02x:%02x.%x) enabled: %u device table entries in domain %u, %u-level tables, status %#lx.",
			i, u->base, u->segment, u->devid >> 8,
			(u->devid >> 3) & 0x1f, u->devid & 7,
			devtab_pages * (u32)(PAGE_SIZE / AMDVI_DTE_SIZE),
			DOMAIN_ID, levels, rd64(u, AMDVI_STATUS));
	}
	if (!ret && irq_filtered)
		log_info(
			"AMD-Vi: device interrupts filtered: fixed and arbitrated ones forwarded unchanged, INIT and NMI blocked (DTE IV=1, IntCtl=01b).");
	else if (!ret)
		log_warn(
			"AMD-Vi: the IVRS names no I/O APIC: device interrupts are not filtered, a device can send INIT and NMI (docs/iommu.md).");
	if (!ret)
		log_info(
			"AMD-Vi: %lu KiB of Modex's pool for the tables (device table %u KiB), %u directory entries refusing Modex's memory, %lu TSC cycles of setup.",
			(free0 - frame_free_count()) * 4, devtab_pages * 4,
			nr_refusing, rdtsc() - t0);
	if (ret)
		log_err("AMD-Vi: setup failed after %u of %u IOMMUs: %s.",
			nr_enabled, ivrs->nr_units, err_str(ret));
	return ret;
}

u32 amdvi_hidden(struct mem_range *out, u32 max)
{
	u32 n = 0;

	for (u32 i = 0; i < nr_units && n < max; i++, n++)
		out[n] = (struct mem_range){
			units[i].base, units[i].base + units[i].mmio_size
		};
	return n;
}

static void report(u32 unit, const struct amdvi_event *e)
{
	u16 d = e->devid;

	if (e->code != AMDVI_EV_IO_PAGE_FAULT) {
		log_warn(
			"AMD-Vi %u: %s event (device %02x:%02x.%x, address %#lx).",
			unit, amdvi_event_str(e->code), d >> 8, (d >> 3) & 0x1f,
			d & 7, e->addr);
		return;
	}
	if (reported[d / 8] & BIT(d % 8)) {
		suppressed++;
		return;
	}
	reported[d / 8] |= BIT(d % 8);
	if (amdvi_event_is_interrupt(e)) {
		log_warn(
			"interrupt blocked: device %02x:%02x.%x, address %#lx (AMD-Vi %u, event flags %#x; later blocks of this device are counted, not logged).",
			d >> 8, (d >> 3) & 0x1f, d & 7, e->addr, unit,
			e->flags);
		return;
	}
	log_warn(
		"DMA blocked: device %02x:%02x.%x, address %#lx, %s (AMD-Vi %u, event flags %#x; later blocks of this device are counted, not logged).",
		d >> 8, (d >> 3) & 0x1f, d & 7, e->addr,
		e->write ? "write" : "read", unit, e->flags);
}

/* Spec 3.4.5: the IOMMU writes at the tail, software consumes at the
 * head; an overflow stops the log until EventLogEn is toggled. */
static void drain(u32 idx)
{
	struct amdvi_unit *u = &units[idx];
	u64 st = rd64(u, AMDVI_STATUS);
	u32 head = rd64(u, AMDVI_EVTLOG_HEAD) & RING_PTR_MASK;
	u32 tail = rd64(u, AMDVI_EVTLOG_TAIL) & RING_PTR_MASK;
	struct amdvi_event e;

	for (u32 n = 0; head != tail && n < RING_BYTES / 16; n++) {
		amdvi_event_decode((const u32 *)(u->evt_pa + head), &e);
		report(idx, &e);
		head = (head + AMDVI_EVT_SIZE) % RING_BYTES;
	}
	wr64(u, AMDVI_EVTLOG_HEAD, head);
	if (st & AMDVI_ST_EVT_OVERFLOW) {
		u64 ctl = rd64(u, AMDVI_CONTROL);

		log_warn("AMD-Vi %u: event log overflowed; events were lost.",
			 idx);
		wr64(u, AMDVI_CONTROL, ctl & ~AMDVI_CTL_EVTLOG_EN);
		wr64(u, AMDVI_STATUS, AMDVI_ST_EVT_OVERFLOW);
		wr64(u, AMDVI_EVTLOG_HEAD, 0);
		wr64(u, AMDVI_EVTLOG_TAIL, 0);
		wr64(u, AMDVI_CONTROL, ctl);
	}
}

void amdvi_poll(void)
{
	/* Called every 256 exits and at the end of a run (hv/vcpu.c,
	 * hv/guest.c): one MMIO read per unit when the log is empty. */
	if (!nr_enabled || !spin_trylock(&poll_lock))
		return;
	for (u32 i = 0; i < nr_enabled; i++)
		drain(i);
	spin_unlock(&poll_lock);
}

const struct iommu_driver amdvi_driver = {
	.name = "AMD-Vi",
	.sig = "IVRS",
	.parse = ivrs_parse,
	.init = amdvi_init,
	.hidden = amdvi_hidden,
	.poll = amdvi_poll,
};
