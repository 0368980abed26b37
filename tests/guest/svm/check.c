// SPDX-License-Identifier: MIT
/* The L1 test hypervisor's check helpers (check.h). */
#include "tests/guest/svm/check.h"

#include "hv/include/lib.h"

bool expect_exit(const char *what, const struct l2_exit *e, u64 code)
{
	u64 got = e->code;

	/*
	 * APM Vol. 2 appendix C: EXITCODE is 64 bits, VMEXIT_INVALID is -1.
	 * QEMU 7.2 TCG stores a 32-bit exit code, 0xffffffff: accepted from
	 * bare QEMU only.
	 */
	if (code == VMEXIT_INVALID && got == 0xffffffffULL && bare_qemu())
		got = VMEXIT_INVALID;
	return GCHECK(
		got == code,
		"%s: EXITCODE %#llx (EXITINFO1 %#llx EXITINFO2 %#llx EXITINTINFO %#llx rip %#llx), expected %#llx",
		what, (unsigned long long)e->code, (unsigned long long)e->info1,
		(unsigned long long)e->info2, (unsigned long long)e->intinfo,
		(unsigned long long)e->rip, (unsigned long long)code);
}

void expect_eq(const char *what, const char *field, u64 got, u64 want)
{
	GCHECK(got == want, "%s: %s %#llx, expected %#llx", what, field,
	       (unsigned long long)got, (unsigned long long)want);
}

bool expect_vmmcall(const char *what, const struct l2_exit *e, u64 rip)
{
	if (!expect_exit(what, e, VMEXIT_VMMCALL))
		return false;
	return GCHECK(e->rip == rip, "%s: VMMCALL at %#llx, expected %#llx",
		      what, (unsigned long long)e->rip,
		      (unsigned long long)rip);
}

void expect_nrip(const char *what, const struct l2_exit *e, u64 next)
{
	if (svm_has(SVM_F_NRIPS))
		expect_eq(what, "nRIP", e->nrip, next);
}

u64 l2_frame(const struct l2_exit *e, unsigned i)
{
	return ((const u64 *)e->rsp)[i];
}

u64 l2_stub(unsigned vec)
{
	return (u64)l2_idt_stubs + vec * L2_STUB_SIZE + (vec < 128 ? 2 : 5);
}
