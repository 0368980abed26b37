/* SPDX-License-Identifier: MIT */
/*
 * Which of L1's PCI configuration accesses reach the hardware: the pure
 * core of hv/pci_cfg.c. Configuration mechanism #1 (PCI Local Bus spec
 * 3.0, 3.2.2.3.2): a dword written to CONFIG_ADDRESS (port 0CF8h) selects
 * bus, device, function and dword register (enable bit 31); CONFIG_DATA
 * (ports 0CFCh-0CFFh, 1, 2 or 4 bytes) then reads or writes it. Modex
 * protects a few functions (the AMD-Vi IOMMU's own PCI function): their
 * writes are dropped, and a function can also be hidden (reads as
 * all-ones, as an absent function does). Also the ECAM page of a
 * function (PCI Express base spec 7.2.2: 4 KiB per function).
 * Pure: built hosted for the unit tests.
 */
#ifndef MODEX_HV_PCI_CFG_FILTER_H
#define MODEX_HV_PCI_CFG_FILTER_H

#include "hv/acpi.h"
#include "hv/include/compiler.h"
#include "hv/include/types.h"

#define PCI_CFG_ADDR_PORT 0xcf8
#define PCI_CFG_DATA_PORT 0xcfc
#define PCI_CFG_ENABLE BIT(31)

/* A requester ID / routing ID: bus << 8 | dev << 3 | fn. */
static inline u16 pci_bdf(u8 bus, u8 dev, u8 fn)
{
	return (u16)(bus << 8 | (dev & 0x1f) << 3 | (fn & 7));
}

enum pci_cfg_port {
	PCI_PORT_OTHER = 0, /* not a mechanism #1 port: pass through */
	PCI_PORT_ADDR, /* the dword CONFIG_ADDRESS at 0CF8h */
	PCI_PORT_DATA, /* CONFIG_DATA, 0CFCh-0CFFh, inside one dword */
	PCI_PORT_BAD, /* CONFIG_DATA access crossing its dword */
};

/* What one access on @port of @size bytes is (0CF9h bytes are the
 * chipset's reset control, not CONFIG_ADDRESS: OTHER). */
enum pci_cfg_port pci_cfg_port_kind(u16 port, u8 size);

struct pci_cfg_target {
	bool enabled; /* CONFIG_ADDRESS bit 31 */
	u16 bdf;
	u16 reg; /* byte offset in the function's 256-byte space */
};

/* The function and byte register a CONFIG_DATA access at @port selects
 * through @cfg_addr (bits 1:0 of CONFIG_ADDRESS are ignored, and bits
 * 30:24 are reserved: Modex ignores them too). */
struct pci_cfg_target pci_cfg_decode(u32 cfg_addr, u16 port);

enum pci_cfg_policy {
	PCI_GUARD_RO = 1, /* reads pass, writes dropped */
	PCI_GUARD_HIDE = 2, /* reads all-ones, writes dropped */
};

struct pci_cfg_guard {
	u16 segment;
	u16 bdf;
	u8 policy; /* enum pci_cfg_policy */
};

enum pci_cfg_action {
	PCI_CFG_PASS = 0, /* perform the access on the hardware */
	PCI_CFG_DROP, /* a write that does nothing */
	PCI_CFG_ONES, /* a read answered with all-ones */
};

/* What to do with an access to @segment:@bdf; the first guard that
 * names the function decides. */
enum pci_cfg_action pci_cfg_filter(const struct pci_cfg_guard *g, u32 nr,
				   u16 segment, u16 bdf, bool write);

/* The ECAM page of @bdf in a window at @base that starts at @start_bus
 * (PCIe base spec 7.2.2: bus << 20 | dev << 15 | fn << 12); -1 (all
 * ones) when the bus is below @start_bus or above @end_bus. */
u64 pci_ecam_page(u64 base, u8 start_bus, u8 end_bus, u16 bdf);

/* Mark the mechanism #1 ports 0CF8h-0CFFh in a one-bit-per-port I/O
 * bitmap (SVM IOPM, APM Vol. 2 15.10.1; VMX I/O bitmap A, SDM Vol. 3C
 * 25.6.4: bit n intercepts port n). */
void pci_cfg_io_bitmap_set(u8 *bitmap);
/* One MCFG allocation (PCI Firmware spec 3.0, 4.1.2): the ECAM window
 * of buses [start_bus, end_bus] of a segment. */
struct pci_ecam_window {
	u64 base;
	u16 segment;
	u8 start_bus, end_bus;
};

#define PCI_MAX_ECAM 8

/* The MCFG at @pa (@len bytes, checksum already verified): 0 with *nr
 * windows, -E_INVAL when malformed (short, a partial entry, start bus
 * above end bus, base not 1 MiB aligned or wrapping), -E_TOOBIG for
 * more than @max windows, -E_FAULT when a read failed. */
int mcfg_parse(const struct acpi_reader *rd, u64 pa, u32 len,
	       struct pci_ecam_window *out, u32 max, u32 *nr);

/* The ECAM pages of the guarded functions, up to @max into @out (each
 * guard in the window of its segment and bus); the count. */
u32 pci_ecam_guard_pages(const struct pci_cfg_guard *g, u32 ng,
			 const struct pci_ecam_window *w, u32 nw,
			 struct mem_range *out, u32 max);

#endif /* MODEX_HV_PCI_CFG_FILTER_H */
