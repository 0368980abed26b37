// SPDX-License-Identifier: MIT
/*
 * The test kernel at CPL 3 (tests/guest/lib/guest.h, "CPL 3"): L1's own
 * GDT with a TSS and CPL 3 segments, the image made user-accessible in
 * the framework's paging for the call, and #GP/#UD taken back to CPL 0.
 * Context: L1 at CPL 0, one CPU.
 */
#include "tests/guest/lib/guest.h"

#include "hv/include/lib.h"

#define PTE_U (1ULL << 2)
#define TWO_MIB 0x200000ULL

int l1_user_call(void (*fn)(void *), void *arg);
extern char l1_user_back[];
extern u64 l1_user_rsp;
extern u64 guest_pml4[];

u64 user_error;

static u64 l1_gdt[8] __aligned(16);
static u8 l1_tss[104] __aligned(16);
static u8 l1_exc_stack[8192] __aligned(16);

/* SDM Vol. 3A 3.4.5, 8.2.3; APM Vol. 2 4.8.3, 12.2.5: a 64-bit available
 * TSS descriptor. */
static void tss_desc(u64 *d, u64 base, u32 limit)
{
	d[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
	       ((u64)(limit >> 16 & 0xf) << 48) | ((base >> 24 & 0xff) << 56);
	d[1] = base >> 32;
}

void guest_gdt_init(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed gdtr = { sizeof(l1_gdt) - 1, (u64)l1_gdt };

	l1_gdt[1] = 0x00af9a000000ffffULL; /* 0x08: 64-bit code */
	l1_gdt[2] = 0x00cf92000000ffffULL; /* 0x10: data */
	l1_gdt[3] = 0x00cf9a000000ffffULL; /* 0x18: 32-bit code */
	tss_desc(&l1_gdt[4], (u64)l1_tss, sizeof(l1_tss) - 1);
	l1_gdt[6] = 0x00cff2000000ffffULL; /* 0x30: data, DPL 3 */
	l1_gdt[7] = 0x00affa000000ffffULL; /* 0x38: 64-bit code, DPL 3 */
	/* RSP0: exceptions from CPL 3 (SDM Vol. 3A 7.14.2; APM Vol. 2
	 * 12.3.3). */
	u64 rsp0 = (u64)l1_exc_stack + sizeof(l1_exc_stack);
	memcpy(l1_tss + 4, &rsp0, 8);
	asm volatile("lgdt %0" : : "m"(gdtr));
	asm volatile("ltr %w0" : : "r"(0x20));
}

u64 guest_tss_base(void)
{
	return (u64)l1_tss;
}

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
