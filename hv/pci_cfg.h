/* SPDX-License-Identifier: MIT */
/*
 * L1's PCI configuration mechanism #1 (ports 0CF8h-0CFFh), emulated so
 * that protected functions (the AMD-Vi IOMMU's own PCI function) ignore
 * L1's writes: CONFIG_ADDRESS is kept per vCPU, each CONFIG_DATA access
 * is replayed on the hardware under one lock unless the filter
 * (hv/pci_cfg_filter.h) drops it. The vendors intercept the eight ports
 * (svm/: IOPM, vmx/: I/O bitmap A) and hand the exits here.
 * Context: exit path of any CPU (pci_cfg_handle_io); boot CPU for
 * pci_cfg_protect().
 */
#ifndef MODEX_HV_PCI_CFG_H
#define MODEX_HV_PCI_CFG_H

#include "hv/include/types.h"
#include "hv/pci_cfg_filter.h"

struct vcpu;

/* Per-vCPU state (struct vcpu's pci). */
struct vcpu_pci {
	u32 cfg_addr; /* L1's last dword written to CONFIG_ADDRESS */
};

#define PCI_CFG_MAX_GUARDS 16

/* Protect one function from L1's configuration writes; -E_TOOBIG when
 * the table is full. Before L1 starts. */
int pci_cfg_protect(const struct pci_cfg_guard *g);

/* The ECAM pages of the protected functions in the MCFG windows @w
 * (mcfg_parse()), up to @max into @out: the caller hides them like
 * Modex's memory (stage 2 maps them to the sink: L1's ECAM reads of
 * the function see zeros, its writes vanish). */
u32 pci_cfg_ecam_hidden(const struct pci_ecam_window *w, u32 nw,
			struct mem_range *out, u32 max);

/* Emulate the intercepted I/O exit at v->exit (a port in 0CF8h-0CFFh,
 * or an access overlapping them) and retire it; stops L1 for string
 * I/O, which Modex does not emulate there. */
void pci_cfg_handle_io(struct vcpu *v);

#endif /* MODEX_HV_PCI_CFG_H */
