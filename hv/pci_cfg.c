// SPDX-License-Identifier: MIT
/*
 * PCI configuration mechanism #1 for L1 (PCI Local Bus spec 3.0,
 * 3.2.2.3.2): per-vCPU CONFIG_ADDRESS, CONFIG_DATA replayed on the
 * hardware under a lock (CONFIG_ADDRESS is one register for all CPUs),
 * protected functions' writes dropped.
 * Context: exit path, any CPU.
 */
#include "hv/pci_cfg.h"

#define LOG_PREFIX "pci"
#include "hv/exits.h"
#include "hv/include/err.h"
#include "hv/include/spinlock.h"
#include "hv/include/x86.h"
#include "hv/log.h"
#include "hv/vcpu.h"

static struct pci_cfg_guard guards[PCI_CFG_MAX_GUARDS];
static u32 nr_guards;
static struct spinlock cfg_lock;

int pci_cfg_protect(const struct pci_cfg_guard *g)
{
	if (nr_guards == PCI_CFG_MAX_GUARDS)
		return -E_TOOBIG;
	guards[nr_guards++] = *g;
	log_info(
		"PCI function %04x:%02x:%02x.%x: L1's configuration writes are dropped%s.",
		g->segment, g->bdf >> 8, (g->bdf >> 3) & 0x1f, g->bdf & 7,
		g->policy == PCI_GUARD_HIDE ? ", reads see no function" : "");
	return 0;
}

u32 pci_cfg_ecam_hidden(const struct pci_ecam_window *w, u32 nw,
			struct mem_range *out, u32 max)
{
	return pci_ecam_guard_pages(guards, nr_guards, w, nw, out, max);
}

static u32 port_in(u16 port, u8 size)
{
	if (size == 1)
		return inb(port);
	if (size == 2)
		return inw(port);
	return inl(port);
}

static void port_out(u16 port, u8 size, u32 val)
{
	if (size == 1)
		outb(port, (u8)val);
	else if (size == 2)
		outw(port, (u16)val);
	else
		outl(port, val);
}

/* IN writes AL, AX or EAX; a 32-bit result zero-extends into RAX
 * (SDM Vol. 1 3.4.1.1), 8/16-bit ones keep the upper bits. */
static void set_in_result(struct vcpu *v, u8 size, u32 val)
{
	u64 keep = size == 1 ? ~0xffULL : size == 2 ? ~0xffffULL : 0;

	v->regs.rax = (v->regs.rax & keep) | (val & (u32)~keep);
}

static u32 data_access(struct vcpu *v, u16 port, u8 size, bool in)
{
	struct pci_cfg_target t = pci_cfg_decode(v->pci.cfg_addr, port);
	enum pci_cfg_action a = PCI_CFG_PASS;
	u32 val = ~0u;

	if (t.enabled)
		a = pci_cfg_filter(guards, nr_guards, 0, t.bdf, !in);
	if (a == PCI_CFG_DROP) {
		log_warn_once(
			"L1 wrote to the configuration space of a function Modex protects (%02x:%02x.%x, register %#x): dropped.",
			t.bdf >> 8, (t.bdf >> 3) & 0x1f, t.bdf & 7, t.reg);
		return val;
	}
	if (a == PCI_CFG_ONES)
		return val;
	spin_lock(&cfg_lock);
	outl(PCI_CFG_ADDR_PORT, v->pci.cfg_addr);
	if (in)
		val = port_in(port, size);
	else
		port_out(port, size, (u32)v->regs.rax);
	spin_unlock(&cfg_lock);
	return val;
}

void pci_cfg_handle_io(struct vcpu *v)
{
	const struct exit_info *e = &v->exit;
	u16 port = e->io.port;
	u8 size = e->io.size;
	u32 val = ~0u;

	if (e->io.string)
		guest_fatal(
			v,
			"L1 used string I/O (INS/OUTS) on PCI configuration port %#x, which Modex does not emulate; stopping L1.",
			port);
	switch (pci_cfg_port_kind(port, size)) {
	case PCI_PORT_ADDR:
		if (!e->io.in)
			v->pci.cfg_addr = (u32)v->regs.rax;
		val = v->pci.cfg_addr;
		break;
	case PCI_PORT_DATA:
		val = data_access(v, port, size, e->io.in);
		break;
	case PCI_PORT_BAD:
		/* A CONFIG_DATA access crossing its dword: no defined
		 * configuration access; reads see all-ones, writes vanish. */
		log_warn_once(
			"L1 made a %u-byte access at port %#x, across the CONFIG_DATA dword: ignored.",
			size, port);
		break;
	default:
		/* 0CF9h (reset control), byte/word 0CF8h, and accesses
		 * that only overlap the range: plain port I/O. */
		if (e->io.in)
			val = port_in(port, size);
		else
			port_out(port, size, (u32)v->regs.rax);
		break;
	}
	if (e->io.in)
		set_in_result(v, size, val);
	skip_insn(v);
}
