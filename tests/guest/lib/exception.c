// SPDX-License-Identifier: MIT
/*
 * Test-guest IDT and exception handling: every exception is a test failure
 * (printed with vector, error code, RIP and CR2) unless a check installed
 * a handler for its vector, it happens inside guest_try_call(), which
 * turns it into a return value, or the exception hook (an AP's, smp.c)
 * takes it. Vectors 32-255 go to the interrupt handler when one is
 * installed, and are a failure otherwise.
 * Context: CPL 0; interrupts off except where the SMP tests enable them.
 * All CPUs share the one IDT.
 */
#include "tests/guest/lib/exception.h"

#include "tests/guest/lib/guest.h"

struct idt_gate {
	u16 off_lo;
	u16 sel;
	u8 ist;
	u8 type; /* P | DPL 0 | 64-bit interrupt gate (0xe) */
	u16 off_mid;
	u32 off_hi;
	u32 zero;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate size");

#define NR_VECTORS 256
#define NR_EXCEPTIONS 32
#define STUB_SIZE 16
#define GATE_INTR 0x8e
#define KERNEL_CS 0x08

static struct idt_gate idt[NR_VECTORS] __aligned(16);
static u64 try_error;
static guest_exc_handler handlers[NR_VECTORS];

extern char guest_exc_stubs[], guest_try_resume[];
extern u64 guest_try_rsp;

void (*guest_irq_handler)(struct guest_frame *f);
bool (*guest_exc_hook)(struct guest_frame *f);

static const char *const exc_names[NR_EXCEPTIONS] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM",
	"#DF", "CSO", "#TS", "#NP", "#SS", "#GP", "#PF", "15",
	"#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "22",	 "23",
	"24",  "25",  "26",  "27",  "#HV", "#VC", "#SX", "31",
};

void guest_idt_load(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed idtr = { sizeof(idt) - 1, (u64)idt };

	asm volatile("lidt %0" : : "m"(idtr));
}

void guest_idt_init(void)
{
	for (unsigned v = 0; v < NR_VECTORS; v++) {
		u64 off = (u64)guest_exc_stubs + v * STUB_SIZE;

		idt[v] = (struct idt_gate){
			.off_lo = (u16)off,
			.sel = KERNEL_CS,
			.type = GATE_INTR,
			.off_mid = (u16)(off >> 16),
			.off_hi = (u32)(off >> 32),
		};
	}
	guest_idt_load();
}

guest_exc_handler guest_set_handler(unsigned vector, guest_exc_handler fn)
{
	guest_exc_handler old = handlers[vector % NR_VECTORS];

	handlers[vector % NR_VECTORS] = fn;
	return old;
}

void guest_exception(struct guest_frame *f)
{
	if (handlers[f->vector % NR_VECTORS]) {
		handlers[f->vector % NR_VECTORS](f);
		return;
	}
	if (f->vector >= NR_EXCEPTIONS && guest_irq_handler) {
		guest_irq_handler(f);
		return;
	}
	if (guest_exc_hook && guest_exc_hook(f))
		return;
	if (f->vector < NR_EXCEPTIONS && guest_try_rsp) {
		try_error = f->error;
		f->rax = f->vector;
		f->rip = (u64)guest_try_resume;
		f->rsp = guest_try_rsp;
		guest_try_rsp = 0;
		return;
	}
	guest_log("FAIL: unexpected exception %s (vector %llu) error %#llx\n",
		  f->vector < NR_EXCEPTIONS ? exc_names[f->vector] :
					      "(interrupt)",
		  (unsigned long long)f->vector, (unsigned long long)f->error);
	guest_log("  RIP %#llx CS %#llx RFLAGS %#llx RSP %#llx CR2 %#llx\n",
		  (unsigned long long)f->rip, (unsigned long long)f->cs,
		  (unsigned long long)f->rflags, (unsigned long long)f->rsp,
		  (unsigned long long)guest_read_cr(2));
	guest_abort("unexpected exception");
}

u64 guest_try_error(void)
{
	return try_error;
}

struct msr_op {
	u32 msr;
	u64 val;
};

static void do_rdmsr(void *arg)
{
	struct msr_op *op = arg;
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(op->msr));
	op->val = ((u64)hi << 32) | lo;
}

static void do_wrmsr(void *arg)
{
	struct msr_op *op = arg;

	asm volatile("wrmsr"
		     :
		     : "c"(op->msr), "a"((u32)op->val),
		       "d"((u32)(op->val >> 32))
		     : "memory");
}

int try_rdmsr(u32 msr, u64 *val)
{
	struct msr_op op = { msr, 0 };
	int v = guest_try_call(do_rdmsr, &op);

	if (v < 0)
		*val = op.val;
	return v;
}

int try_wrmsr(u32 msr, u64 val)
{
	struct msr_op op = { msr, val };

	return guest_try_call(do_wrmsr, &op);
}

static void do_write_cr4(void *arg)
{
	asm volatile("mov %0, %%cr4" : : "r"(*(u64 *)arg) : "memory");
}

int try_write_cr4(u64 val)
{
	return guest_try_call(do_write_cr4, &val);
}

static void do_vmxon(void *arg)
{
	asm volatile("vmxon %0" : : "m"(*(u64 *)arg) : "memory", "cc");
}

int try_vmxon(u64 region_pa)
{
	return guest_try_call(do_vmxon, &region_pa);
}

static void do_vmrun(void *arg)
{
	/* VMRUN takes the VMCB physical address in RAX (APM Vol. 3 VMRUN). */
	asm volatile("vmrun" : : "a"(*(u64 *)arg) : "memory", "cc");
}

int try_vmrun(u64 vmcb_pa)
{
	return guest_try_call(do_vmrun, &vmcb_pa);
}
