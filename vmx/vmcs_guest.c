// SPDX-License-Identifier: MIT
/*
 * L1's boot CPU state (hv/loader.h) in VMCS terms (vmx/vmcs_build.h), and
 * vmcs01_build() on it. Pure C: built freestanding into Modex and hosted
 * for the unit tests.
 */
#include "vmx/vmcs_build.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/loader.h"
#include "hv/vcpu.h"
#include "vmx/vmcs_fields.h"

#define AR_P BIT(7)
#define AR_S BIT(4)
#define AR_TYPE(ar) ((ar)&0xf)

/* boot_seg.ar already has the VMX access-rights layout (SDM Vol. 3C
 * 25.4.1); 0 means a null selector, which VMX calls unusable (bit 16). */
static struct vmx_seg seg(const struct boot_seg *s)
{
	return (struct vmx_seg){
		.sel = s->sel,
		.limit = s->limit,
		.ar = s->ar ? s->ar : (u32)VMX_AR_UNUSABLE,
		.base = s->base,
	};
}

/*
 * SDM Vol. 3C 27.3.1.2: TR must be usable, a busy TSS (type 11, or 3
 * outside IA-32e mode), a system segment, present. The boot protocols
 * leave TR undefined; a null one becomes an empty busy 32-bit TSS, which
 * is what a CPU shows before the kernel loads its own.
 */
static struct vmx_seg tr_seg(const struct boot_seg *s)
{
	if (!s->ar)
		return (struct vmx_seg){ .ar = AR_P | 11, .limit = 0xff };
	return seg(s);
}

static bool tr_ok(const struct vmx_seg *tr)
{
	return !(tr->ar & (VMX_AR_UNUSABLE | AR_S)) && (tr->ar & AR_P) &&
	       (AR_TYPE(tr->ar) == 11 || AR_TYPE(tr->ar) == 3);
}

int vmx_guest_init_from_boot(const struct boot_cpu_state *s,
			     struct vmx_guest_init *g, struct guest_regs *r)
{
	*g = (struct vmx_guest_init){
		.es = seg(&s->es),
		.cs = seg(&s->cs),
		.ss = seg(&s->ss),
		.ds = seg(&s->ds),
		.fs = seg(&s->fs),
		.gs = seg(&s->gs),
		.ldtr = seg(&s->ldtr),
		.tr = tr_seg(&s->tr),
		.gdtr_base = s->gdtr.base,
		.gdtr_limit = s->gdtr.limit,
		.idtr_base = s->idtr.base,
		.idtr_limit = s->idtr.limit,
		.cr0 = s->cr0,
		.cr3 = s->cr3,
		.cr4 = s->cr4,
		.efer = s->efer,
		.rflags = s->rflags,
		.rip = s->rip,
		.rsp = s->rsp,
	};
	loader_initial_regs(s, r);
	/* A present CS (real mode, the INIT state, needs unrestricted
	 * guest, which Modex requires: SDM Vol. 3C 27.3.1.2); no boot
	 * protocol starts a CPU with CR4.VMXE set (VMX operation is L1's to
	 * enter). */
	if ((g->cs.ar & VMX_AR_UNUSABLE) || !(g->cs.ar & AR_P) ||
	    (s->cr4 & X86_CR4_VMXE) || !tr_ok(&g->tr))
		return -E_INVAL;
	return 0;
}

int vmcs01_build(const struct vmx_caps *c, const struct vmcs01_config *cfg,
		 const struct boot_cpu_state *s, struct vmcs01 *out)
{
	struct vmx_guest_init g;
	struct guest_regs r;

	if (vmx_guest_init_from_boot(s, &g, &r)) {
		memset(out, 0, sizeof(*out));
		out->why = "L1's boot CPU state is not one VMX can enter";
		return -E_INVAL;
	}
	return vmcs01_build_init(c, cfg, &g, out);
}
