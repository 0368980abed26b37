// SPDX-License-Identifier: MIT
/*
 * L1's boot CPU state (hv/loader.h) in VMCB terms (svm/vmcb_build.h).
 * Pure C: built freestanding into Modex and hosted for the unit tests.
 */
#include "svm/vmcb_build.h"

#include "hv/include/err.h"
#include "hv/include/x86.h"
#include "hv/loader.h"
#include "hv/vcpu.h"

/* APM Vol. 2 15.5.1 / table B-2: the VMCB keeps descriptor bits 47:40
 * in attrib 7:0 and bits 55:52 in attrib 11:8; boot_seg.ar holds bits
 * 55:40 as one 16-bit value (hv/loader.h). */
static struct vmcb_seg seg(const struct boot_seg *s)
{
	return (struct vmcb_seg){
		.sel = s->sel,
		.attrib = (u16)(((s->ar >> 4) & 0xf00) | (s->ar & 0xff)),
		.limit = s->limit,
		.base = s->base,
	};
}

int svm_guest_init_from_boot(const struct boot_cpu_state *s,
			     struct svm_guest_init *g, struct guest_regs *r)
{
	*g = (struct svm_guest_init){
		.es = seg(&s->es),
		.cs = seg(&s->cs),
		.ss = seg(&s->ss),
		.ds = seg(&s->ds),
		.fs = seg(&s->fs),
		.gs = seg(&s->gs),
		.tr = seg(&s->tr),
		.ldtr = seg(&s->ldtr),
		.gdtr = { .limit = s->gdtr.limit, .base = s->gdtr.base },
		.idtr = { .limit = s->idtr.limit, .base = s->idtr.base },
		.cr0 = s->cr0,
		.cr3 = s->cr3,
		.cr4 = s->cr4,
		.efer = s->efer,
		.rflags = s->rflags,
		.rip = s->rip,
		.rsp = s->rsp,
		.rax = s->rax,
		/* Their reset values (APM Vol. 2 14.1.3, table 14-1). */
		.dr6 = 0xffff0ff0,
		.dr7 = 0x400,
		/* The CPL is SS.DPL (APM Vol. 2 15.5.1). */
		.cpl = (u8)((s->ss.ar >> 5) & 3),
	};
	loader_initial_regs(s, r);
	/* A CS Modex cannot describe: refuse rather than enter something
	 * undefined. Real mode (the INIT state of an AP) is fine: VMRUN
	 * runs paged real mode under nested paging (APM Vol. 2 15.19). */
	if (!(g->cs.attrib & SEG_ATTR_P))
		return -E_INVAL;
	return 0;
}
