// SPDX-License-Identifier: MIT
/*
 * The test kernel at CPL 3 (tests/guest/lib/guest.h, "CPL 3"): the image
 * made user-accessible in the framework's own paging for the call, and
 * #GP/#UD taken back to CPL 0.
 * Context: L1 at CPL 0, one CPU.
 */
#include "tests/guest/lib/guest.h"

#define PTE_U (1ULL << 2)
#define TWO_MIB 0x200000ULL

int l1_user_call(void (*fn)(void *), void *arg);
extern char l1_user_back[];
extern u64 l1_user_rsp;
extern u64 guest_pml4[];

u64 user_error;

/* Back to CPL 0 at l1_user_back with the vector (lib/user_call.S). */
static void user_exception(struct guest_frame *f)
{
	user_error = f->error;
	f->rax = f->vector;
	f->rip = (u64)l1_user_back;
	f->cs = 0x08;
	f->ss = 0x10;
	f->rsp = l1_user_rsp;
}

/* U/S on the framework's paging entries that map the image. */
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
	v = l1_user_call(fn, arg);
	image_user(false);
	guest_set_handler(X86_GP, gp);
	guest_set_handler(X86_UD, ud);
	return v;
}
