/* SPDX-License-Identifier: MIT */
/*
 * The AMD-Vi driver (AMD IOMMU spec rev 3.x, chapters 2 and 3): every
 * IOMMU the IVRS lists translates every device through one domain whose
 * host page tables (mm/ PT_AMDVI) map exactly L1's RAM, identity, IR/IW,
 * plus the IVMD ranges that do not touch Modex. Device table, page
 * tables, command buffer and event log come from Modex's pool; the
 * register pages are reported by amdvi_hidden() for hiding. Each unit's
 * own PCI function is protected from L1's configuration writes
 * (pci_cfg_protect(), hv/pci_cfg.c).
 * Called by the vendor-neutral front hv/iommu.c (docs/iommu.md).
 * Context: boot CPU, before L1 starts, for amdvi_init(); any CPU's exit
 * path for amdvi_poll().
 */
#ifndef MODEX_HV_AMDVI_H
#define MODEX_HV_AMDVI_H

#include "hv/include/types.h"
#include "hv/iommu.h"
#include "hv/iommu_acpi.h"

/*
 * Turn translation on for every unit of @ivrs (from ivrs_parse(), kind
 * IOMMU_AMDVI, at least one unit). 0 when every unit is on; a negative
 * code when one could not be set up (its DMA is then unchecked: the
 * caller must not start L1). Once only.
 */
int amdvi_init(const struct iommu_acpi *ivrs, const struct iommu_env *env);

/* The units' MMIO register ranges (valid after amdvi_init(), also when
 * it failed part-way), up to @max into @out; the count is returned. */
u32 amdvi_hidden(struct mem_range *out, u32 max);

/* Report new event-log entries (blocked DMA once per device) and
 * advance the head pointers. Reads the hardware at most about once per
 * millisecond; other calls return at once. */
void amdvi_poll(void);

#endif /* MODEX_HV_AMDVI_H */
