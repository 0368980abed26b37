// SPDX-License-Identifier: MIT
/* panic(): report a broken invariant with full context and stop. */
#include "hv/panic.h"

#include "hv/console.h"
#include "hv/exit.h"
#include "hv/fbcon.h"
#include "hv/include/x86.h"
#include "hv/smp.h"

static void (*guest_dump_hook)(void);
static bool in_panic;

void panic_set_guest_dump(void (*dump)(void))
{
	guest_dump_hook = dump;
}

static void panic_dump_host_state(void)
{
	u64 rsp, rbp;

	asm volatile("mov %%rsp, %0; mov %%rbp, %1" : "=r"(rsp), "=r"(rbp));
	con_printf(
		"[modex] panic: caller=%p rsp=0x%016lx rbp=0x%016lx rflags=%#lx\n",
		__builtin_return_address(0), rsp, rbp, read_rflags());
	con_printf(
		"[modex] panic: cr0=%#lx cr2=%#lx cr3=%#lx cr4=%#lx efer=%#lx\n",
		read_cr0(), read_cr2(), read_cr3(), read_cr4(),
		rdmsr(MSR_EFER));
}

void panic_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	asm volatile("cli");
	if (__atomic_exchange_n(&in_panic, true, __ATOMIC_ACQ_REL)) {
		con_write("[modex] PANIC: nested panic; stopping.\n");
		hv_exit(HV_EXIT_FAIL);
	}
	smp_stop_others();
	fbcon_reclaim();
	con_printf("[modex] PANIC on CPU %u at %s:%d: ", smp_this_cpu(), file,
		   line);
	va_start(ap, fmt);
	con_vprintf(fmt, ap);
	va_end(ap);
	con_putc('\n');
	panic_dump_host_state();
	if (guest_dump_hook)
		guest_dump_hook();
	hv_exit(HV_EXIT_FAIL);
}
