/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables that describe IOMMUs, read into small structs: Intel's
 * DMAR (VT-d spec chapter 8) and AMD's IVRS (AMD IOMMU spec chapter 5).
 * What comes out is what a driver needs: each remapping unit with its
 * register base, the devices it covers as ranges of PCI requester IDs
 * (bus << 8 | dev << 3 | fn), and the memory regions that must stay
 * identity-mapped for devices (RMRR, IVMD). Firmware tables are input
 * like any other: every length, entry and range is checked. Pure: memory
 * and PCI configuration space are read through callbacks.
 *
 * API overview
 *  - dmar_parse(rd, pa, len, pci, out): the DMAR at pa (from
 *    acpi_find_table). DRHD units (INCLUDE_PCI_ALL gives the unit every
 *    device of its segment not claimed by another unit), RMRR regions
 *    with their devices; ATSR, RHSA, ANDD, SATC and unknown structures are
 *    checked for length and skipped. Device-scope paths longer than one
 *    hop need the secondary bus of each bridge on the path: pci may be
 *    NULL, and such scopes are then kept with IOMMU_DEV_UNRESOLVED.
 *  - ivrs_parse(rd, pa, len, out): the IVRS. IVHD blocks of types 10h,
 *    11h and 40h; when one IOMMU (same segment and device ID) is described
 *    by several types, the highest type is used (AMD IOMMU spec 5.2.2).
 *    Device entries: all, select, range, alias select/range, extended
 *    select/range, special (IOAPIC/HPET); ACPI HID entries are checked
 *    and skipped. IVMD blocks 20h/21h/22h become regions.
 *  - Returns 0, -E_INVAL for a malformed table (nothing in *out is then
 *    meaningful), -E_TOOBIG when more units, devices or regions exist
 *    than the arrays hold, -E_FAULT when a read failed.
 */
#ifndef MODEX_HV_IOMMU_ACPI_H
#define MODEX_HV_IOMMU_ACPI_H

#include "hv/acpi.h"
#include "hv/include/compiler.h"
#include "hv/include/types.h"

#define IOMMU_MAX_UNITS 16
#define IOMMU_MAX_DEVS 256
#define IOMMU_MAX_REGIONS 32
#define IOMMU_MAX_PATH 8 /* device-scope path hops kept */

enum iommu_kind {
	IOMMU_VTD = 1,
	IOMMU_AMDVI = 2,
};

/* struct iommu_unit flags. */
#define IOMMU_UNIT_ALL BIT(0) /* DRHD INCLUDE_PCI_ALL / IVHD "all" entry */

struct iommu_unit {
	u8 kind; /* enum iommu_kind */
	u8 type; /* DRHD: 0; IVHD: 0x10, 0x11 or 0x40 */
	u8 flags; /* IOMMU_UNIT_* */
	u8 ivhd_flags; /* IVHD flags byte (coherent, IOTLB, ...) */
	u16 segment;
	u16 devid; /* AMD-Vi: the IOMMU's own requester ID */
	u16 cap_off; /* AMD-Vi: its capability block in config space */
	u16 iommu_info; /* AMD-Vi: IVHD IOMMU info (MSI number, unit ID) */
	u32 size; /* bytes of MMIO registers (see docs/iommu.md) */
	u64 base; /* register base (4 KiB aligned, not 0) */
	u64 efr; /* AMD-Vi IVHD 11h/40h: EFR register image */
	u32 feat; /* AMD-Vi: IVHD 10h feature reporting / 11h attributes */
};

/* struct iommu_dev kinds and flags. */
enum iommu_dev_kind {
	IOMMU_DEV_PCI = 0, /* PCI endpoint(s) */
	IOMMU_DEV_BRIDGE = 1, /* DMAR sub-hierarchy: bridge and buses below */
	IOMMU_DEV_IOAPIC = 2, /* enum_id: I/O APIC ID */
	IOMMU_DEV_HPET = 3, /* enum_id: HPET number */
	IOMMU_DEV_NAMESPACE = 4, /* DMAR ACPI namespace device */
};
#define IOMMU_DEV_UNRESOLVED BIT(0) /* path beyond one hop, no pci ops */
#define IOMMU_DEV_ALIAS BIT(1) /* IVHD alias: requests use alias_id */

#define IOMMU_OWNER_UNIT 0
#define IOMMU_OWNER_REGION 1

/* Requester IDs [first, last] of one segment, owned by a unit or region. */
struct iommu_dev {
	u8 kind; /* enum iommu_dev_kind */
	u8 flags; /* IOMMU_DEV_* */
	u8 owner_kind; /* IOMMU_OWNER_* */
	u8 owner; /* index in units[] or regions[] */
	u16 segment;
	u16 first, last;
	u16 alias_id; /* IOMMU_DEV_ALIAS */
	u8 enum_id; /* IOAPIC / HPET */
	u8 dte; /* AMD-Vi: DTE setting byte */
	u8 start_bus, path_len; /* DMAR scope as written */
	u8 path[IOMMU_MAX_PATH][2]; /* (device, function) per hop */
};

/* struct iommu_region flags. */
#define IOMMU_REGION_UNITY BIT(0) /* identity-map for its devices */
#define IOMMU_REGION_READ BIT(1)
#define IOMMU_REGION_WRITE BIT(2)
#define IOMMU_REGION_EXCL BIT(3) /* IVMD exclusion range */
#define IOMMU_REGION_ALL_DEVS BIT(4) /* IVMD 20h: every device */

struct iommu_region {
	u8 flags; /* IOMMU_REGION_*; RMRR: UNITY|READ|WRITE */
	u8 type; /* DMAR: 1 (RMRR); IVMD: 0x20, 0x21, 0x22 */
	u16 segment;
	u64 base, end; /* [base, end), 4 KiB aligned */
};

struct iommu_acpi {
	u8 kind; /* enum iommu_kind */
	u8 haw; /* DMAR host address width (bits); IVRS: IVinfo PA size */
	u8 dmar_flags; /* DMAR flags: INTR_REMAP, X2APIC_OPT_OUT, ... */
	u32 ivinfo; /* IVRS IVinfo */
	u32 nr_units, nr_devs, nr_regions;
	struct iommu_unit units[IOMMU_MAX_UNITS];
	struct iommu_dev devs[IOMMU_MAX_DEVS];
	struct iommu_region regions[IOMMU_MAX_REGIONS];
};

/* Bus numbers of the PCI bridge at seg:bus:dev.fn; 0 or -E_NOENT. */
struct iommu_pci {
	int (*bridge_buses)(void *ctx, u16 seg, u8 bus, u8 dev, u8 fn,
			    u8 *secondary, u8 *subordinate);
	void *ctx;
};

int dmar_parse(const struct acpi_reader *rd, u64 pa, u32 len,
	       const struct iommu_pci *pci, struct iommu_acpi *out);
int ivrs_parse(const struct acpi_reader *rd, u64 pa, u32 len,
	       struct iommu_acpi *out);

/* The unit a requester ID of a segment belongs to, or -E_NOENT. */
int iommu_unit_for(const struct iommu_acpi *a, u16 segment, u16 rid);

#endif /* MODEX_HV_IOMMU_ACPI_H */
