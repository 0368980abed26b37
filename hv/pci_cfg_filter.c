// SPDX-License-Identifier: MIT
/*
 * The pure decision behind L1's PCI configuration accesses: port decode,
 * target decode, and which accesses to protected functions are dropped.
 */
#include "hv/pci_cfg_filter.h"

enum pci_cfg_port pci_cfg_port_kind(u16 port, u8 size)
{
	/* PCI Local Bus spec 3.0, 3.2.2.3.2: only a dword access to 0CF8h
	 * is CONFIG_ADDRESS; byte and word accesses there pass on as
	 * ordinary I/O (0CF9h is the reset control register). */
	if (port >= PCI_CFG_ADDR_PORT && port < PCI_CFG_DATA_PORT)
		return (port == PCI_CFG_ADDR_PORT && size == 4) ?
			       PCI_PORT_ADDR :
			       PCI_PORT_OTHER;
	if (port < PCI_CFG_DATA_PORT || port > PCI_CFG_DATA_PORT + 3)
		return PCI_PORT_OTHER;
	if (size != 1 && size != 2 && size != 4)
		return PCI_PORT_BAD;
	return (port & 3) + size <= 4 ? PCI_PORT_DATA : PCI_PORT_BAD;
}

struct pci_cfg_target pci_cfg_decode(u32 cfg_addr, u16 port)
{
	return (struct pci_cfg_target){
		.enabled = cfg_addr & PCI_CFG_ENABLE,
		.bdf = (u16)(cfg_addr >> 8),
		.reg = (u16)((cfg_addr & 0xfc) | (port & 3)),
	};
}

enum pci_cfg_action pci_cfg_filter(const struct pci_cfg_guard *g, u32 nr,
				   u16 segment, u16 bdf, bool write)
{
	for (u32 i = 0; i < nr; i++) {
		if (g[i].segment != segment || g[i].bdf != bdf)
			continue;
		if (write)
			return PCI_CFG_DROP;
		return g[i].policy == PCI_GUARD_HIDE ? PCI_CFG_ONES :
						       PCI_CFG_PASS;
	}
	return PCI_CFG_PASS;
}

u64 pci_ecam_page(u64 base, u8 start_bus, u8 end_bus, u16 bdf)
{
	u8 bus = (u8)(bdf >> 8);

	if (bus < start_bus || bus > end_bus)
		return ~0ULL;
	return base + ((u64)(bus - start_bus) << 20) +
	       ((u64)(bdf & 0xff) << 12);
}

void pci_cfg_io_bitmap_set(u8 *bitmap)
{
	for (u16 p = PCI_CFG_ADDR_PORT; p <= PCI_CFG_DATA_PORT + 3; p++)
		bitmap[p / 8] |= (u8)(1u << (p % 8));
}
