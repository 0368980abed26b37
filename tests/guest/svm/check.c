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
	if (code == VMEXIT_INVALID && got == 0xffffffffULL &&
	    host_is_qemu_tcg())
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

int svm_user_call(void (*fn)(void *), void *arg);
extern char svm_user_back[];
extern u64 svm_user_rsp;
extern u64 guest_pml4[];

u64 user_error;

/* Back to CPL 0 at svm_user_back with the vector (see svm/entry.S). */
static void user_exception(struct guest_frame *f)
{
	user_error = f->error;
	f->rax = f->vector;
	f->rip = (u64)svm_user_back;
	f->cs = 0x08;
	f->ss = 0x10;
	f->rsp = svm_user_rsp;
}

/* U/S on L1's own (framework) paging entries that map the image. */
static void image_user(bool on)
{
	u64 *pdpt = (u64 *)(guest_pml4[0] & ~0xfffULL);
	u64 *pd = (u64 *)(pdpt[0] & ~0xfffULL);
	u64 *e[] = { &guest_pml4[0], &pdpt[0] };

	for (unsigned i = 0; i < ARRAY_SIZE(e); i++)
		*e[i] = on ? *e[i] | PTE_U : *e[i] & ~PTE_U;
	for (u64 i = 0; i <= (u64)__image_end / TWO_MIB; i++)
		pd[i] = on ? pd[i] | PTE_U : pd[i] & ~PTE_U;
	asm volatile("mov %%cr3, %%rax; mov %%rax, %%cr3"
		     :
		     :
		     : "rax", "memory");
}

int at_cpl3(void (*fn)(void *), void *arg)
{
	guest_exc_handler gp = guest_set_handler(X86_GP, user_exception);
	guest_exc_handler ud = guest_set_handler(X86_UD, user_exception);
	int v;

	user_error = ~0ULL;
	image_user(true);
	v = svm_user_call(fn, arg);
	image_user(false);
	guest_set_handler(X86_GP, gp);
	guest_set_handler(X86_UD, ud);
	return v;
}
