// SPDX-License-Identifier: MIT
/*
 * The vendor-neutral nested entry points: pick the vendor half at boot and
 * forward to it; with nested virtualization off (or no half for this
 * backend) every entry point gives the answer of a CPU without VMX/SVM.
 * Context: boot CPU for nested_init(), then each CPU's exit path.
 */
#include "nested/nested.h"

#define LOG_PREFIX "nested"
#include "hv/include/lib.h"
#include "hv/log.h"
#include "hv/vcpu.h"

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
	v->nested.guest_mode = false;
	return ops ? ops->vcpu_init(v) : 0;
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
	return ops && v->nested.guest_mode && ops->l2_exit(v);
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
