/* SPDX-License-Identifier: MIT */
/*
 * What hv/iommu.c needs from a vendor driver (hv/vtd.c, hv/amdvi.c):
 * the ACPI table that describes its units, how to parse it, and how to
 * set the units up, list their MMIO and report their faults. The front
 * keeps one table of drivers and uses the first whose table exists.
 * Context: as hv/iommu.h.
 */
#ifndef MODEX_HV_IOMMU_DRV_H
#define MODEX_HV_IOMMU_DRV_H

#include "hv/iommu.h"
#include "hv/iommu_acpi.h"

struct iommu_driver {
	const char *name; /* "VT-d", "AMD-Vi" */
	char sig[4]; /* its ACPI table: "DMAR", "IVRS" */
	int (*parse)(const struct acpi_reader *rd, u64 pa, u32 len,
		     struct iommu_acpi *out);
	/* Every unit translating through one identity domain over
	 * env->l1_ram; 0 or a negative code after logging the reason. */
	int (*init)(const struct iommu_acpi *a, const struct iommu_env *env);
	u32 (*hidden)(struct mem_range *out, u32 max);
	void (*poll)(void);
};

extern const struct iommu_driver vtd_driver, amdvi_driver;

/* One log line per requester ID and segment 0..: whether @sid was
 * already reported (and mark it). Shared by the drivers. */
bool iommu_fault_seen(u16 segment, u16 sid);

#endif /* MODEX_HV_IOMMU_DRV_H */
