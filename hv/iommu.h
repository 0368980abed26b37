/* SPDX-License-Identifier: MIT */
/*
 * DMA isolation: Modex drives the platform's IOMMUs (Intel VT-d, AMD-Vi)
 * so that no device L1 programs reaches Modex's memory (docs/iommu.md).
 * Every device is in one domain whose tables map exactly L1's RAM as an
 * identity map; the IOMMUs' registers and structures are Modex memory,
 * hidden from L1 like the rest; L1 sees a machine without an IOMMU.
 * hv/iommu.c is the vendor-neutral front: it finds the DMAR/IVRS, runs
 * the driver for each unit (hv/vtd.c, hv/amdvi.c), and reports.
 * Context: boot CPU for setup; any CPU's exit path for iommu_poll().
 */
#ifndef MODEX_HV_IOMMU_H
#define MODEX_HV_IOMMU_H

#include "hv/include/types.h"
#include "hv/ranges.h"

struct mb2_info;

/* What the drivers are given: L1's RAM (to map, identity, read/write)
 * and Modex's memory (never mapped). */
struct iommu_env {
	const struct mem_range *l1_ram;
	u32 nr_l1_ram;
	const struct mem_range *hidden;
	u32 nr_hidden;
};

/*
 * Find the IOMMUs (ACPI DMAR or IVRS through @info's RSDP) and turn DMA
 * remapping on for every device. 0 when every unit is on; -E_NOENT when
 * the machine has no IOMMU (the caller warns, or refuses L1 under
 * iommu=required); another negative code when a unit exists but could
 * not be set up (the caller must not start L1: its DMA is unchecked).
 */
int iommu_init(const struct mb2_info *info, const struct iommu_env *env);

/*
 * Modex memory the IOMMUs use outside Modex's pool (their MMIO register
 * pages): up to @max ranges into @out. Valid after iommu_init(); the
 * caller hides them from L1 (memory map, stage 2) like the image.
 */
u32 iommu_hidden(struct mem_range *out, u32 max);

/* The ACPI signatures L1's copy of the RSDT/XSDT leaves out. */
extern const char iommu_acpi_hidden_sigs[2][4];

/*
 * Read the units' fault/event logs and report each blocked DMA (device
 * bus:dev.fn, address, direction), rate-limited per device; clear them.
 * Cheap when there is nothing new. Called from the exit path.
 */
void iommu_poll(void);

#endif /* MODEX_HV_IOMMU_H */
