// SPDX-License-Identifier: MIT
/*
 * The Intel VT-d driver (hv/iommu_drv.h; VT-d spec rev 3/4, chapters 3,
 * 9, 10, 11): every DMA-remapping unit the DMAR lists translates every
 * requester ID through one second-level domain that maps exactly L1's
 * RAM (and the RMRRs) as an identity map. Register-based invalidation;
 * faults are polled from the recording registers, never interrupts.
 * Context: boot CPU for vtd_init(); any CPU's exit path for vtd_poll().
 */
#include "hv/iommu_drv.h"

#define LOG_PREFIX "vt-d"
#include "hv/delay.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/spinlock.h"
#include "hv/log.h"
#include "hv/memory.h"
#include "hv/ranges.h"
#include "hv/vtd_tables.h"
#include "mm/frame.h"
#include "mm/pt_build.h"

#define DOMAIN_ID 1
#define WAIT_US 10
#define WAIT_TRIES 10000 /* 100 ms for each command */

struct vtd_unit {
	u64 base;
	u32 size;
	u16 segment;
	u64 cap, ecap;
	u32 iotlb; /* offset of the IOTLB invalidate register */
	u32 fro, nfr; /* fault recording registers: offset, count */
};

static struct vtd_unit units[IOMMU_MAX_UNITS];
static u32 nr_units;
static struct pt domain;
static struct pt_mem_direct domain_mem;
static u64 root_pa, ctx_pa;
static struct spinlock fault_lock;
static u32 nr_table_pages; /* pool pages in the domain and root/context */

static u32 rd32(const struct vtd_unit *u, u32 off)
{
	return *(volatile u32 *)(u->base + off);
}

static u64 rd64(const struct vtd_unit *u, u32 off)
{
	return *(volatile u64 *)(u->base + off);
}

static void wr32(const struct vtd_unit *u, u32 off, u32 val)
{
	*(volatile u32 *)(u->base + off) = val;
}

static void wr64(const struct vtd_unit *u, u32 off, u64 val)
{
	*(volatile u64 *)(u->base + off) = val;
}

static void *identity(u64 pa)
{
	return (void *)pa;
}

static int pool_alloc(u64 *pa)
{
	int ret = frame_alloc(pa, FRAME_ZERO);

	if (!ret)
		nr_table_pages++;
	return ret;
}

static void pool_free(u64 pa)
{
	frame_free(pa, 1);
	nr_table_pages--;
}

/* Wait until (GSTS & mask) == want; 0 or -E_BUSY after 100 ms. */
static int wait_gsts(const struct vtd_unit *u, u32 mask, u32 want)
{
	for (u32 i = 0; i < WAIT_TRIES; i++) {
		if ((rd32(u, VTD_GSTS) & mask) == want)
			return 0;
		udelay(WAIT_US);
	}
	return -E_BUSY;
}

/* Wait until the 64-bit register at @off has @bit clear. */
static int wait_clear64(const struct vtd_unit *u, u32 off, u64 bit)
{
	for (u32 i = 0; i < WAIT_TRIES; i++) {
		if (!(rd64(u, off) & bit))
			return 0;
		udelay(WAIT_US);
	}
	return -E_BUSY;
}

/* 10.4.4: a command is the persistent status bits plus the new one. */
static int gcmd(const struct vtd_unit *u, u32 cmd, u32 status_want)
{
	u32 sts = rd32(u, VTD_GSTS) & VTD_GSTS_PERSIST;

	wr32(u, VTD_GCMD, sts | cmd);
	return wait_gsts(u, cmd, status_want);
}

static int fail(const struct vtd_unit *u, const char *what, int ret)
{
	log_err("unit at %#lx: %s: %s; L1's DMA would be unchecked.", u->base,
		what, err_str(ret));
	return ret;
}

/* 6.5.1, 11.4.6, 11.4.8: global context-cache, then global IOTLB
 * invalidation (drains when the unit supports them), each waited for. */
static int invalidate(const struct vtd_unit *u)
{
	u64 iotlb = VTD_IOTLB_IVT | VTD_IOTLB_GLOBAL;
	int ret;

	wr64(u, VTD_CCMD, VTD_CCMD_ICC | VTD_CCMD_GLOBAL);
	ret = wait_clear64(u, VTD_CCMD, VTD_CCMD_ICC);
	if (ret)
		return fail(u,
			    "the context-cache invalidation did not complete",
			    ret);
	if (u->cap & VTD_CAP_DRD)
		iotlb |= VTD_IOTLB_DR;
	if (u->cap & VTD_CAP_DWD)
		iotlb |= VTD_IOTLB_DW;
	wr64(u, u->iotlb, iotlb);
	ret = wait_clear64(u, u->iotlb, VTD_IOTLB_IVT);
	if (ret)
		return fail(u, "the IOTLB invalidation did not complete", ret);
	return 0;
}

static int unit_probe(struct vtd_unit *u, const struct iommu_unit *a)
{
	int ret;

	u->base = a->base;
	u->size = ALIGN_UP(MAX(a->size, (u32)PAGE_SIZE), PAGE_SIZE);
	u->segment = a->segment;
	ret = memory_map_mmio(u->base, u->size);
	if (ret)
		return fail(u, "cannot map its registers", ret);
	u->cap = rd64(u, VTD_CAP);
	u->ecap = rd64(u, VTD_ECAP);
	u->iotlb = VTD_ECAP_IRO(u->ecap) + 8;
	u->fro = VTD_CAP_FRO(u->cap);
	u->nfr = VTD_CAP_NFR(u->cap);
	if (u->iotlb + 8 > u->size || u->fro + 16 * u->nfr > u->size)
		return fail(
			u,
			"its IOTLB or fault registers lie outside its register range",
			-E_INVAL);
	log_info("unit at %#lx: version %#x, CAP %#lx, ECAP %#lx.", u->base,
		 rd32(u, VTD_VER) & 0xff, u->cap, u->ecap);
	/* Translation already on (firmware, a previous Modex): off first,
	 * so the root pointer can be replaced (10.4.4). */
	if (rd32(u, VTD_GSTS) & VTD_GCMD_TE) {
		u32 sts = rd32(u, VTD_GSTS) & VTD_GSTS_PERSIST & ~VTD_GCMD_TE;

		wr32(u, VTD_GCMD, sts);
		ret = wait_gsts(u, VTD_GCMD_TE, 0);
		if (ret)
			return fail(u, "translation stayed on", ret);
	}
	return 0;
}

/* The domain's format from the first unit; every unit must accept it. */
static int domain_build(const struct iommu_acpi *a, const struct iommu_env *env)
{
	struct pt_format f;
	struct pt_mem m;
	u64 top = 0, sagaw = 0x1f, mgaw = 0x3f;
	unsigned levels, aw, width, sllps = 0xf;
	u32 flags = 0;
	int ret;

	for (u32 i = 0; i < env->nr_l1_ram; i++)
		top = MAX(top, env->l1_ram[i].end);
	for (u32 i = 0; i < a->nr_regions; i++)
		top = MAX(top, a->regions[i].end);
	/* Only the AGAWs, the width and the page sizes every unit has. */
	for (u32 i = 0; i < nr_units; i++) {
		sagaw &= VTD_CAP_SAGAW(units[i].cap);
		mgaw = MIN(mgaw, VTD_CAP_MGAW(units[i].cap) - 1);
		sllps &= VTD_CAP_SLLPS(units[i].cap);
	}
	ret = vtd_pick_agaw(sagaw << 8 | mgaw << 16, a->haw, top, &levels, &aw,
			    &width);
	if (ret) {
		log_err("no address width every unit supports covers L1's memory up to %#lx (SAGAW %#lx, MGAW %lu, HAW %u).",
			top, sagaw, mgaw + 1, a->haw);
		return ret;
	}
	if (levels == 3)
		flags |= PTF_3LEVEL;
	if (levels == 5)
		flags |= PTF_5LEVEL;
	if (!(sllps & 1))
		flags |= PTF_NO_2M;
	if (sllps & 2)
		flags |= PTF_1G;
	ret = pt_format_init(&f, PT_VTD, MAX(MIN(a->haw, 52u), 32u), flags);
	if (ret)
		return ret;
	domain_mem = (struct pt_mem_direct){ identity, pool_alloc, pool_free,
					     memory_pool().start,
					     memory_pool().end };
	m = pt_mem_direct(&domain_mem);
	ret = pt_init(&domain, &f, &m);
	for (u32 i = 0; !ret && i < env->nr_l1_ram; i++)
		ret = pt_map(&domain, env->l1_ram[i].start,
			     env->l1_ram[i].start,
			     env->l1_ram[i].end - env->l1_ram[i].start,
			     ACC_READ | ACC_WRITE, 0, 0);
	/* RMRRs (8.4): identity for the firmware's devices (USB legacy
	 * keyboards, graphics); never over Modex's memory. */
	for (u32 i = 0; !ret && i < a->nr_regions; i++) {
		const struct iommu_region *r = &a->regions[i];

		if (ranges_overlap(env->hidden, env->nr_hidden, r->base,
				   r->end)) {
			log_err("the RMRR [%#lx, %#lx) overlaps Modex's memory.",
				r->base, r->end);
			return -E_BUSY;
		}
		ret = pt_map(&domain, r->base, r->base, r->end - r->base,
			     ACC_READ | ACC_WRITE, 0, 0);
	}
	if (ret) {
		log_err("cannot build the DMA domain's tables: %s.",
			err_str(ret));
		return ret;
	}
	ret = pool_alloc(&root_pa);
	if (!ret)
		ret = pool_alloc(&ctx_pa);
	if (ret)
		return ret;
	vtd_fill_tables(identity(root_pa), identity(ctx_pa), ctx_pa,
			domain.root, aw, DOMAIN_ID);
	log_info(
		"domain %u: %u-level second-level tables (%u-bit), 2 MiB pages %s, 1 GiB pages %s, L1's RAM up to %#lx and %u RMRRs identity-mapped; %u table pages with the root and context tables.",
		DOMAIN_ID, levels, width, (flags & PTF_NO_2M) ? "no" : "yes",
		(flags & PTF_1G) ? "yes" : "no", top, a->nr_regions,
		nr_table_pages);
	return 0;
}

/* 10.4.4-10.4.6, 6.5: root table, invalidation, translation on. */
static int unit_enable(const struct vtd_unit *u)
{
	int ret;

	/* Fault events are polled: the interrupt stays masked. */
	wr32(u, VTD_FECTL, VTD_FECTL_IM);
	wr64(u, VTD_RTADDR, root_pa); /* TTM 00: legacy mode */
	ret = gcmd(u, VTD_GCMD_SRTP, VTD_GCMD_SRTP);
	if (ret)
		return fail(u, "the root-table pointer was not latched", ret);
	/* 11.4.2 RWBF: flush the write buffer before the invalidations. */
	if (u->cap & VTD_CAP_RWBF) {
		u32 sts = rd32(u, VTD_GSTS) & VTD_GSTS_PERSIST;

		wr32(u, VTD_GCMD, sts | VTD_GCMD_WBF);
		ret = wait_gsts(u, VTD_GCMD_WBF, 0);
		if (ret)
			return fail(u,
				    "the write-buffer flush did not complete",
				    ret);
	}
	ret = invalidate(u);
	if (ret)
		return ret;
	ret = gcmd(u, VTD_GCMD_TE, VTD_GCMD_TE);
	if (ret)
		return fail(u, "translation did not turn on", ret);
	return 0;
}

static int vtd_init(const struct iommu_acpi *a, const struct iommu_env *env)
{
	bool coherent = true;
	int ret;

	if (!a->nr_units)
		return -E_NOENT;
	for (u32 i = 0; i < a->nr_units; i++) {
		ret = unit_probe(&units[nr_units], &a->units[i]);
		if (ret)
			return ret;
		if (!(units[nr_units].ecap & VTD_ECAP_C))
			coherent = false;
		nr_units++;
	}
	ret = domain_build(a, env);
	if (ret)
		return ret;
	/* 11.4.3 ECAP.C = 0: the unit's table walks do not snoop the CPU
	 * caches; write the tables back to memory. */
	if (!coherent)
		asm volatile("wbinvd" ::: "memory");
	for (u32 i = 0; i < nr_units; i++) {
		ret = unit_enable(&units[i]);
		if (ret)
			return ret;
		log_info(
			"unit at %#lx: DMA remapping enabled, every device in domain %u.",
			units[i].base, DOMAIN_ID);
	}
	log_info(
		"interrupt remapping is not enabled: a device can still send an interrupt with any vector (docs/iommu.md).");
	return 0;
}

static u32 vtd_hidden(struct mem_range *out, u32 max)
{
	u32 n = 0;

	for (u32 i = 0; i < nr_units && n < max; i++)
		out[n++] = (struct mem_range){ units[i].base,
					       units[i].base + units[i].size };
	return n;
}

static void report(const struct vtd_unit *u, const struct vtd_fault *f)
{
	if (iommu_fault_seen(u->segment, f->sid))
		return;
	log_warn(
		"DMA blocked: device %02x:%02x.%u, address %#lx, %s (fault reason %#x); further faults of this device are not logged.",
		f->sid >> 8, (f->sid >> 3) & 0x1f, f->sid & 7, f->addr,
		f->read ? "read" : "write", f->reason);
}

/* 7.2.1, 11.4.9.1, 11.4.10: read every recording register with F set,
 * clear it (write 1 to F), then clear an overflow (PFO). One MMIO read
 * per unit when nothing is pending. */
static void vtd_poll(void)
{
	for (u32 i = 0; i < nr_units; i++) {
		const struct vtd_unit *u = &units[i];
		u32 fsts = rd32(u, VTD_FSTS);

		if (!(fsts & (VTD_FSTS_PPF | VTD_FSTS_PFO)))
			continue;
		spin_lock(&fault_lock);
		for (u32 k = 0; k < u->nfr; k++) {
			u32 off = u->fro + 16 * k;
			u64 hi = rd64(u, off + 8);
			struct vtd_fault f;

			if (!(hi & VTD_FRCD_F))
				continue;
			vtd_fault_decode(rd64(u, off), hi, &f);
			wr32(u, off + 12, (u32)(VTD_FRCD_F >> 32));
			report(u, &f);
		}
		if (fsts & VTD_FSTS_PFO) {
			wr32(u, VTD_FSTS, VTD_FSTS_PFO);
			log_warn(
				"unit at %#lx: fault records overflowed; some blocked DMA was not recorded.",
				u->base);
		}
		spin_unlock(&fault_lock);
	}
}

static int vtd_parse(const struct acpi_reader *rd, u64 pa, u32 len,
		     struct iommu_acpi *out)
{
	/* Scopes are not needed: every unit gets every requester ID. */
	return dmar_parse(rd, pa, len, NULL, out);
}

const struct iommu_driver vtd_driver = {
	.name = "VT-d",
	.sig = { 'D', 'M', 'A', 'R' },
	.parse = vtd_parse,
	.init = vtd_init,
	.hidden = vtd_hidden,
	.poll = vtd_poll,
};
