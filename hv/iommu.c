// SPDX-License-Identifier: MIT
/*
 * The vendor-neutral IOMMU front (hv/iommu.h): finds the DMAR or IVRS
 * through the RSDP GRUB handed Modex, parses it, and hands the units to
 * their driver (hv/iommu_drv.h). docs/iommu.md.
 * Context: boot CPU for iommu_init(); any CPU's exit path for the rest.
 */
#include "hv/iommu.h"

#define LOG_PREFIX "iommu"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/spinlock.h"
#include "hv/iommu_drv.h"
#include "hv/log.h"
#include "hv/pci_cfg.h"
#include "hv/memory.h"
#include "hv/multiboot2.h"

const char iommu_acpi_hidden_sigs[2][4] = { "DMAR", "IVRS" };

/* The first driver whose table the firmware has runs. */
static const struct iommu_driver *const drivers[] = {
	&vtd_driver,
	&amdvi_driver,
};

static const struct iommu_driver *active;
static struct iommu_acpi acpi_units;
/* The MCFG's ECAM windows: the IOMMU functions' configuration pages
 * there are hidden like Modex's memory (hv/pci_cfg.h). */
#define MAX_ECAM_WINDOWS 8
static struct pci_ecam_window ecam[MAX_ECAM_WINDOWS];
static u32 nr_ecam;

static void find_ecam(const struct acpi_reader *rd, const struct mb2_info *info)
{
	u64 pa;
	u32 len;

	if (acpi_find_table(rd, info->rsdp, info->rsdp_len, "MCFG", &pa,
			    &len) ||
	    mcfg_parse(rd, pa, len, ecam, MAX_ECAM_WINDOWS, &nr_ecam))
		nr_ecam = 0;
	nr_ecam = MIN(nr_ecam, (u32)MAX_ECAM_WINDOWS);
}

/* 64 Ki requester IDs: one bit each, for the first segment only (the
 * others share the bits, which at worst loses a log line). */
static u64 fault_seen[65536 / 64];
static struct spinlock fault_lock;

bool iommu_fault_seen(u16 segment, u16 sid)
{
	u64 bit = 1ULL << (sid & 63);
	bool seen;

	(void)segment;
	spin_lock(&fault_lock);
	seen = fault_seen[sid / 64] & bit;
	fault_seen[sid / 64] |= bit;
	spin_unlock(&fault_lock);
	return seen;
}

/* ACPI tables are read where firmware put them, inside the memory map
 * (the reader of hv/smp.c). */
int iommu_init(const struct mb2_info *info, const struct iommu_env *env)
{
	const struct acpi_reader rd = { memory_read_firmware, (void *)info };
	u64 pa;
	u32 len;
	int ret;

	if (!info->rsdp)
		return -E_NOENT;
	for (u32 i = 0; i < ARRAY_SIZE(drivers); i++) {
		const struct iommu_driver *d = drivers[i];

		ret = acpi_find_table(&rd, info->rsdp, info->rsdp_len, d->sig,
				      &pa, &len);
		if (ret == -E_NOENT)
			continue;
		if (ret) {
			log_err("the ACPI %.4s table cannot be read: %s.",
				d->sig, err_str(ret));
			return ret;
		}
		ret = d->parse(&rd, pa, len, &acpi_units);
		if (ret) {
			log_err("the ACPI %.4s table at %#lx is not usable: %s.",
				d->sig, pa, err_str(ret));
			return ret;
		}
		log_info(
			"%s: %.4s at %#lx: %u remapping unit(s), %u device scope(s), %u reserved region(s).",
			d->name, d->sig, pa, acpi_units.nr_units,
			acpi_units.nr_devs, acpi_units.nr_regions);
		ret = d->init(&acpi_units, env);
		if (ret)
			return ret;
		active = d;
		find_ecam(&rd, info);
		return 0;
	}
	return -E_NOENT;
}

u32 iommu_hidden(struct mem_range *out, u32 max)
{
	u32 n;

	if (!active)
		return 0;
	n = active->hidden(out, max);
	return n + pci_cfg_ecam_hidden(ecam, nr_ecam, out + n, max - n);
}

void iommu_poll(void)
{
	if (active)
		active->poll();
}
