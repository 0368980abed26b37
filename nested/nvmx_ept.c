// SPDX-License-Identifier: MIT
/*
 * Nested EPT for VMX: EPT02 is a shadow of L1's EPT12 on top of EPT01,
 * built on demand by the vendor-neutral nested/shadow.c. This file gives
 * it L1's memory, EPT01 and L1's EPT format (the nested MMU role), and
 * turns its results into what L2 and L1 see: a fixed shadow and L2
 * resumed, or an EPT violation or misconfiguration reflected to L1 with
 * the exit information hardware would give (SDM Vol. 3C 28.2.1, 29.3.3;
 * REFERENCE.md sections 1 and 3).
 * Invalidation is architectural (docs/nested.md): shadows live until
 * L1's INVEPT, a new EPT01 (stage 2 changed), or recycling; a fault
 * always re-walks EPT12, so L1's loosened entries take effect at once.
 * Context: exit path of the vCPU's own CPU.
 */
#include "nested/nvmx.h"

#define LOG_PREFIX "nvmx"
#include "hv/exits.h"
#include "hv/features.h"
#include "hv/guest.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/memory.h"
#include "hv/vendor.h"
#include "mm/pt_walk.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx.h"
#include "vmx/vmx_asm.h"

/* Qualification bits that describe the guest-linear access, copied from
 * the hardware's exit (SDM Vol. 3C 28.2.1 table 28-7): 7, 8 and 12. */
#define QUAL_FROM_HW (EPTVQ_GLA_VALID | EPTVQ_FINAL | EPTVQ_NMI_UNBLOCK)
#define QUAL_ADVANCED (EPTVQ_USER_LA | EPTVQ_WRITABLE_LA | EPTVQ_NX_LA)

/* The violation log's MODEX_ACC_* (ABI) are mm/access.h's bits. */
_Static_assert(ACC_READ == MODEX_ACC_R && ACC_WRITE == MODEX_ACC_W &&
		       ACC_EXEC == MODEX_ACC_XS && ACC_USER == MODEX_ACC_U &&
		       ACC_USER_EXEC == MODEX_ACC_XU,
	       "MODEX_ACC_* = ACC_*");

static void *identity(u64 pa)
{
	return (void *)pa;
}

static int shadow_alloc(u64 *pa)
{
	return memory_alloc_frames(1, pa);
}

static void shadow_free(u64 pa)
{
	memory_free_frames(pa, 1);
}

static int l0_lookup(void *ctx, u64 l1_gpa, u64 *hpa, acc_t *acc, u64 *attr,
		     u64 *size)
{
	(void)ctx;
	return guest_stage2_lookup(l1_gpa, hpa, acc, attr, size);
}

/* The shadow's memory: Modex's pool, identity-mapped. */
static struct pt_mem_direct shadow_direct = {
	.p2v = identity,
	.alloc_page = shadow_alloc,
	.free_page = shadow_free,
	.lo = 0,
	.hi = ~0ULL,
};
static struct pt_mem shadow_mem;

int nvmx_shadow_init(struct vcpu *v)
{
	struct nvmx *n = to_nvmx(v);

	shadow_mem = pt_mem_direct(&shadow_direct);
	n->shadow_env = (struct shadow_env){
		.l1_mem = guest_l1_pt_mem(),
		.l0_lookup = l0_lookup,
		.shadow_mem = &shadow_mem,
		.max_pages = nested_shadow_budget(NVMX_SHADOW_PAGES),
	};
	return shadow_cache_init(n->shadow, &n->shadow_env);
}

/* EPT12's format as the EPT_VPID_CAP Modex advertises and vmcs12's
 * EPTP and MBEC control define it: part of the nested MMU role. */
void nvmx_shadow_role(struct vcpu *v, const struct vmcs12 *c,
		      struct shadow_role *r)
{
	struct pt_format l1, s;
	u64 cap = nvmx_caps.ept_vpid_cap;
	u32 fl = 0;

	if (cap & VMX_EPT_EXEC_ONLY)
		fl |= PTF_EXEC_ONLY;
	if (!(cap & VMX_EPT_2M))
		fl |= PTF_NO_2M;
	if (cap & VMX_EPT_1G)
		fl |= PTF_1G;
	if (c->secondary_vm_exec_control & SEC_MODE_BASED_EPT_EXEC)
		fl |= PTF_MBEC;
	(void)v;
	pt_format_init(&l1, PT_EPT, cpu_features.maxphyaddr, fl);
	vendor->stage2_format(&s);
	shadow_role_init(r, &l1, &s);
}

void nvmx_shadow_flush_all(struct vcpu *v)
{
	shadow_invalidate_all(to_nvmx(v)->shadow);
	shadow_take_flush(to_nvmx(v)->shadow);
	nvmx_flush_ept02(v);
}

/* The access kind of an EPT violation: its first cause by priority. */
static unsigned fault_kind(u64 qual, bool mbec)
{
	unsigned op = (qual & EPTVQ_FETCH) ? PK_FETCH :
		      (qual & EPTVQ_WRITE) ? PK_WRITE :
					     PK_READ;
	/* MBEC: a fetch from a user-mode linear address (bits 7, 8, 9). */
	bool user = mbec && (qual & EPTVQ_GLA_VALID) && (qual & EPTVQ_FINAL) &&
		    (qual & EPTVQ_USER_LA);

	return pk_make(op, user);
}

static void reflect_violation(struct vcpu *v, const struct shadow_fault *f,
			      bool mbec)
{
	u64 hw = v->exit.qual, extra = hw & QUAL_FROM_HW;

	if (nvmx_caps.ept_vpid_cap & VMX_EPT_ADV_INFO)
		extra |= hw & QUAL_ADVANCED;
	/* Bits 0-2 are the access, which the hardware reported. */
	extra |= hw & (EPTVQ_READ | EPTVQ_WRITE | EPTVQ_FETCH);
	nvmx_reflect(v, EXIT_REASON_EPT_VIOLATION,
		     ept_violation_qual(&f->l1, mbec, extra));
}

/* Into the violation log (nested/nested.h), before the reflection. */
static void log_violation(struct vcpu *v, const struct shadow_fault *f,
			  bool mbec, bool misconfig)
{
	u64 q = v->exit.qual;
	unsigned kind = fault_kind(q, mbec);
	struct modex_nested_violation r = {
		.l2_gpa = v->exit.npf.gpa,
		.gla = v->exit.npf.gla_valid ? v->exit.npf.gla : 0,
		.l2_rip = v->regs.rip,
		.access = (u8)pk_op(kind),
		/* acc_t and MODEX_ACC_* are the same bits (mm/access.h). */
		.l1_acc = misconfig ? 0 : f->l1.acc,
		.cpl = (u8)((vmread(GUEST_SS_AR) >> 5) & 3),
	};

	if (v->exit.npf.gla_valid)
		r.flags |= MODEX_NV_GLA_VALID;
	if (pk_is_user(kind))
		r.flags |= MODEX_NV_USER;
	if (misconfig)
		r.flags |= MODEX_NV_MISCONFIG;
	nested_violation(v, &r);
}

/* The fault is in EPT01 under L1's mapping: as if L1 made the access. */
static bool l0_fault(struct vcpu *v, const struct shadow_fault *f)
{
	v->exit.reason = EXIT_R_NPF;
	v->exit.npf.gpa = f->l1_gpa;
	guest_handle_npf(v);
	return true;
}

bool nvmx_ept_exit(struct vcpu *v)
{
	struct nvmx *n = to_nvmx(v);
	const struct vmcs12 *c = n->vmcs12;
	bool mbec = c->secondary_vm_exec_control & SEC_MODE_BASED_EPT_EXEC;
	struct shadow_fault f;

	if (v->exit.hw_reason == EXIT_REASON_EPT_MISCONFIG)
		guest_fatal(
			v,
			"EPT02 misconfiguration at L2 GPA %#lx: a Modex shadow-table bug; stopping L1.",
			v->exit.info2);
	shadow_fault(n->shadow, c->ept_pointer & ~0xfffULL, &n->role,
		     v->exit.npf.gpa, fault_kind(v->exit.qual, mbec), &f);
	if (shadow_take_flush(n->shadow))
		nvmx_flush_ept02(v);
	if (f.root && vmx_eptp(&to_vmx(v)->caps, f.root) != n->eptp02) {
		n->eptp02 = vmx_eptp(&to_vmx(v)->caps, f.root);
		vmwrite(EPT_POINTER, n->eptp02);
	}
	switch (f.result) {
	case SH_FIXED:
		nested_count(&v->nested, MODEX_NSTAT_HANDLED);
		nested_count(&v->nested, MODEX_NSTAT_SHADOW_FIXED);
		return true;
	case SH_L1_FAULT:
		log_violation(v, &f, mbec, false);
		reflect_violation(v, &f, mbec);
		return true;
	case SH_L1_MISCONFIG:
	case SH_BAD_TABLE:
		/* A table outside L1's RAM is as unusable as a misconfigured
		 * entry (docs/nested.md); qualification 0 (SDM 28.2.1). */
		log_violation(v, &f, mbec, true);
		nvmx_reflect(v, EXIT_REASON_EPT_MISCONFIG, 0);
		return true;
	case SH_L0_FAULT:
		return l0_fault(v, &f);
	default:
		guest_fatal(
			v,
			"cannot build EPT02 for L2 GPA %#lx (shadow result %d); stopping L1.",
			v->exit.npf.gpa, f.result);
	}
}
