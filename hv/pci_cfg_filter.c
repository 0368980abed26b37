// SPDX-License-Identifier: MIT
/*
 * The pure decision behind L1's PCI configuration accesses: port decode,
 * target decode, and which accesses to protected functions are dropped.
 */
#include "hv/pci_cfg_filter.h"

#include "hv/include/err.h"

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

#define MCFG_ENTRIES 44 /* header (36) and 8 reserved bytes */
#define MCFG_ENTRY_SIZE 16

int mcfg_parse(const struct acpi_reader *rd, u64 pa, u32 len,
	       struct pci_ecam_window *out, u32 max, u32 *nr)
{
	u32 n;

	/* PCI Firmware spec 3.0, table 4-3: base (8), segment (2), start
	 * bus (1), end bus (1), reserved (4) per allocation. */
	if (len < MCFG_ENTRIES || (len - MCFG_ENTRIES) % MCFG_ENTRY_SIZE)
		return -E_INVAL;
	n = (len - MCFG_ENTRIES) / MCFG_ENTRY_SIZE;
	if (n > max)
		return -E_TOOBIG;
	for (u32 i = 0; i < n; i++) {
		u8 e[MCFG_ENTRY_SIZE];
		struct pci_ecam_window *w = &out[i];
		u64 span;

		if (rd->read(rd->ctx, pa + MCFG_ENTRIES + i * MCFG_ENTRY_SIZE,
			     e, sizeof(e)))
			return -E_FAULT;
		w->base = 0;
		for (int b = 7; b >= 0; b--)
			w->base = w->base << 8 | e[b];
		w->segment = (u16)(e[8] | e[9] << 8);
		w->start_bus = e[10];
		w->end_bus = e[11];
		span = (u64)(w->end_bus - w->start_bus + 1) << 20;
		if (w->start_bus > w->end_bus || (w->base & 0xfffff) ||
		    w->base + span < w->base)
			return -E_INVAL;
	}
	*nr = n;
	return 0;
}

u32 pci_ecam_guard_pages(const struct pci_cfg_guard *g, u32 ng,
			 const struct pci_ecam_window *w, u32 nw,
			 struct mem_range *out, u32 max)
{
	u32 n = 0;

	for (u32 i = 0; i < ng; i++) {
		for (u32 j = 0; j < nw && n < max; j++) {
			u64 pg;

			if (w[j].segment != g[i].segment)
				continue;
			pg = pci_ecam_page(w[j].base, w[j].start_bus,
					   w[j].end_bus, g[i].bdf);
			if (pg == ~0ULL)
				continue;
			out[n++] = (struct mem_range){ pg, pg + 0x1000 };
		}
	}
	return n;
}
