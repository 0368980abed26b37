// SPDX-License-Identifier: MIT
/*
 * The vendor-neutral nested entry points: pick the vendor half at boot and
 * forward to it; with nested virtualization off (or no half for this
 * backend) every entry point gives the answer of a CPU without VMX/SVM.
 * Context: boot CPU for nested_init(), then each CPU's exit path.
 */
#include "nested/nested.h"

#define LOG_PREFIX "nested"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/log.h"
#include "hv/main.h"
#include "hv/memory.h"
#include "hv/smp.h"
#include "hv/vcpu.h"
#include "mm/frame.h"
#include "nested/shadow.h"
#include "nested/nested_log.h"

/* nested_log=on prints the first violations of each vCPU, then one in
 * every NESTED_LOG_PRINT_EVERY. */
#define NESTED_LOG_PRINT_FIRST 32
#define NESTED_LOG_PRINT_EVERY 1024

static const struct nested_ops *ops;

void nested_init(const char *vendor_name, bool enabled)
{
	ops = NULL;
	if (!enabled) {
		log_info(
			"nested virtualization off (nested=off): L1 sees no %s.",
			vendor_name);
		return;
	}
	if (!strcmp(vendor_name, nvmx_ops.name))
		ops = &nvmx_ops;
	else if (!strcmp(vendor_name, nsvm_ops.name))
		ops = &nsvm_ops;
	if (!ops)
		log_info("no nested virtualization on %s yet: L1 sees none.",
			 vendor_name);
	else if (!ops->init())
		ops = NULL;
}

bool nested_on(void)
{
	return ops;
}

int nested_vcpu_init(struct vcpu *v)
{
	hpa_t pa;

	v->nested.guest_mode = false;
	if (!ops)
		return 0;
	if (!v->nested.log) {
		_Static_assert(sizeof(struct nested_log) <= PAGE_SIZE, "log");
		if (memory_alloc_frames(1, &pa))
			return -E_NOMEM;
		v->nested.log = (struct nested_log *)pa;
	}
	return ops->vcpu_init(v);
}

static const char *const access_names[] = { "read", "write", "fetch" };

static void print_violation(const struct vcpu *v,
			    const struct modex_nested_violation *r)
{
	u8 a = r->l1_acc;

	log_info(
		"cpu%u: L2 %s %s at GPA %#lx (GLA %#lx%s) RIP %#lx CPL %u %s by L1 (L1 grants %c%c%c%c%c), #%lu.",
		v->index, (r->flags & MODEX_NV_USER) ? "user" : "supervisor",
		access_names[r->access % 3], r->l2_gpa, r->gla,
		(r->flags & MODEX_NV_GLA_VALID) ? "" : ", not valid", r->l2_rip,
		r->cpl,
		(r->flags & MODEX_NV_MISCONFIG) ? "misconfigured" : "denied",
		(a & MODEX_ACC_R) ? 'R' : '-', (a & MODEX_ACC_W) ? 'W' : '-',
		(a & MODEX_ACC_XS) ? 'S' : '-', (a & MODEX_ACC_XU) ? 'U' : '-',
		(a & MODEX_ACC_U) ? 'u' : '-', r->seq);
}

void nested_violation(struct vcpu *v, struct modex_nested_violation *r)
{
	static const enum modex_nested_stat by_access[] = {
		MODEX_NSTAT_DENY_READ,
		MODEX_NSTAT_DENY_WRITE,
		MODEX_NSTAT_DENY_FETCH_SUPER,
	};
	u64 seq;

	r->vcpu = v->index;
	if (r->flags & MODEX_NV_MISCONFIG)
		nested_count(&v->nested, MODEX_NSTAT_MISCONFIG);
	else if (r->access == 2 && (r->flags & MODEX_NV_USER))
		nested_count(&v->nested, MODEX_NSTAT_DENY_FETCH_USER);
	else
		nested_count(&v->nested, by_access[r->access % 3]);
	if (!v->nested.log)
		return;
	seq = nested_log_record(v->nested.log, r);
	if (hv_options.nested_log &&
	    (seq <= NESTED_LOG_PRINT_FIRST || !(seq % NESTED_LOG_PRINT_EVERY)))
		print_violation(
			v,
			&v->nested.log->ring[(seq - 1) & (NESTED_LOG_LEN - 1)]);
}

void nested_cpuid(u32 leaf, u32 subleaf, struct cpuid_regs *r)
{
	if (ops)
		ops->cpuid(leaf, subleaf, r);
}

int nested_msr_read(struct vcpu *v, u32 msr, u64 *val)
{
	return ops ? ops->msr_read(v, msr, val) : NESTED_MSR_NOT_MINE;
}

int nested_msr_write(struct vcpu *v, u32 msr, u64 val)
{
	return ops ? ops->msr_write(v, msr, val) : NESTED_MSR_NOT_MINE;
}

bool nested_handle_insn(struct vcpu *v)
{
	if (!ops)
		return false;
	ops->handle_insn(v);
	return true;
}

bool nested_handle_l2_exit(struct vcpu *v)
{
	if (!ops || !v->nested.guest_mode)
		return false;
	if (ops->l2_exit(v))
		return true;
	/* Modex's own exit of L2, handled in hv/ on L2's state. */
	nested_count(&v->nested, MODEX_NSTAT_HANDLED);
	return false;
}

unsigned nested_shadow_budget(unsigned max)
{
	/* Half of the pool's free frames, shared by every vCPU: the shadow
	 * tables never crowd out the rest of Modex's memory. */
	u64 share = frame_free_count() / 2 / MAX(smp_nr_cpus(), 1u);

	return (unsigned)MAX(MIN((u64)max, share), (u64)SHADOW_MIN_PAGES);
}

void nested_pre_entry(struct vcpu *v)
{
	if (ops && ops->pre_entry && v->nested.guest_mode)
		ops->pre_entry(v);
}

void nested_l2_handled(struct vcpu *v)
{
	if (ops && ops->l2_handled && v->nested.guest_mode)
		ops->l2_handled(v);
}

void nested_stage2_changed(struct vcpu *v)
{
	if (ops)
		ops->stage2_changed(v);
}

bool nested_efer_svme(struct vcpu *v)
{
	return ops && ops->efer_svme && ops->efer_svme(v);
}

int nested_set_efer_svme(struct vcpu *v, bool on)
{
	if (ops && ops->set_efer_svme)
		return ops->set_efer_svme(v, on);
	return on ? NESTED_MSR_GP : 0;
}

bool nested_events_held(struct vcpu *v)
{
	return ops && ops->events_held && ops->events_held(v);
}

bool nested_l2_host_if(struct vcpu *v)
{
	return ops && ops->l2_host_if && ops->l2_host_if(v);
}
