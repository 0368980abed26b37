// SPDX-License-Identifier: MIT
/* The L1 test hypervisor's check helpers (check.h). */
#include "tests/guest/vmx/check.h"

const char *vmx_result_name(enum vmx_result r)
{
	switch (r) {
	case VMX_OK:
		return "VMsucceed";
	case VMX_FAIL_INVALID:
		return "VMfailInvalid";
	default:
		return "VMfailValid";
	}
}

void expect_ok(const char *what, enum vmx_result r)
{
	u64 err = r == VMX_FAIL_VALID ? vmx_insn_error() : 0;

	GCHECK(r == VMX_OK, "%s: expected VMsucceed, got %s (error %llu)", what,
	       vmx_result_name(r), (unsigned long long)err);
}

void expect_invalid(const char *what, enum vmx_result r)
{
	GCHECK(r == VMX_FAIL_INVALID, "%s: expected VMfailInvalid, got %s",
	       what, vmx_result_name(r));
}

void expect_valid(const char *what, enum vmx_result r, u64 err)
{
	u64 got = r == VMX_FAIL_VALID ? vmx_insn_error() : 0;

	GCHECK(r == VMX_FAIL_VALID && got == err,
	       "%s: expected VMfailValid(%llu), got %s (error %llu)", what,
	       (unsigned long long)err, vmx_result_name(r),
	       (unsigned long long)got);
}

bool expect_exit(const char *what, const struct l2_exit *e, u32 reason)
{
	u32 got = reason & EXIT_REASON_ENTRY_FAIL ? e->reason :
						    e->reason & 0xffff;

	if (e->entry != VMX_OK)
		return GCHECK(false,
			      "%s: VM entry %s (error %llu), exit %u expected",
			      what, vmx_result_name(e->entry),
			      (unsigned long long)e->insn_error, reason);
	return GCHECK(
		got == reason,
		"%s: exit reason %#x (qual %#llx rip %#llx intr %#x), expected %#x",
		what, e->reason, (unsigned long long)e->qual,
		(unsigned long long)e->rip, e->intr_info, reason);
}

void expect_eq(const char *what, const char *field, u64 got, u64 want)
{
	GCHECK(got == want, "%s: %s %#llx, expected %#llx", what, field,
	       (unsigned long long)got, (unsigned long long)want);
}

bool expect_vmcall(const char *what, const struct l2_exit *e, u64 rip)
{
	if (!expect_exit(what, e, EXIT_VMCALL))
		return false;
	return GCHECK(e->rip == rip, "%s: VMCALL at %#llx, expected %#llx",
		      what, (unsigned long long)e->rip,
		      (unsigned long long)rip);
}
/* The interrupt frame L2's IDT stub left (it pushed the vector). */
u64 l2_frame(const struct l2_exit *e, unsigned i)
{
	return ((const u64 *)e->rsp)[i];
}

u64 l2_stub(unsigned vec)
{
	return (u64)l2_idt_stubs + vec * L2_STUB_SIZE + (vec < 128 ? 2 : 5);
}
