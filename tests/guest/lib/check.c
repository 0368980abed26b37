// SPDX-License-Identifier: MIT
/*
 * Test-guest checks and the end of a run: counts GCHECKs, prints verdict
 * lines, and ends the run through Modex's TEST_EXIT hypercall or, without
 * Modex, the emulator's exit port chosen by "exit=qemu|bochs".
 */
#include "tests/guest/lib/guest.h"

#include "hv/include/hypercall.h"
#include "hv/include/lib.h"

#define QEMU_EXIT_PORT 0xf4 /* -device isa-debug-exit,iobase=0xf4 */
#define BOCHS_SHUTDOWN_PORT 0x8900

static unsigned nr_checks, nr_failed;
static unsigned cur_checks, cur_failed;
static bool finishing;

bool guest_check(bool ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	nr_checks++;
	cur_checks++;
	if (ok)
		return true;
	nr_failed++;
	cur_failed++;
	guest_printf("[l1] FAIL: %s:%d: ", file, line);
	va_start(ap, fmt);
	guest_vprintf(fmt, ap);
	va_end(ap);
	guest_putc('\n');
	return false;
}

void run_check(const char *name, int (*fn)(void))
{
	int r;

	cur_checks = 0;
	cur_failed = 0;
	r = fn();
	if (cur_failed)
		guest_log("check %s: FAIL (%u of %u failed)\n", name,
			  cur_failed, cur_checks);
	else if (r == CHECK_SKIP)
		guest_log("check %s: skip\n", name);
	else
		guest_log("check %s: ok (%u)\n", name, cur_checks);
}

static void out32(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static void out8(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

/* QEMU exits with status (code << 1) | 1; Bochs ends on "Shutdown". */
static void exit_direct(u32 code)
{
	char how[16];

	if (!cmdline_value("exit", how, sizeof(how)))
		return;
	if (!strcmp(how, "qemu")) {
		out32(QEMU_EXIT_PORT, code);
	} else if (!strcmp(how, "bochs")) {
		for (const char *s = "Shutdown"; *s; s++)
			out8(BOCHS_SHUTDOWN_PORT, (u8)*s);
	}
}

static __noreturn void guest_exit(bool pass)
{
	static bool exiting;
	u32 code = pass ? MODEX_TEST_PASS : MODEX_TEST_FAIL;

	guest_drain();
	/* A second call means the hypercall itself faulted: skip it. */
	if (!exiting && under_modex()) {
		exiting = true;
		s64 r = modex_hypercall(MODEX_HC_TEST_EXIT, code, 0, 0, NULL);

		guest_log(
			"TEST_EXIT hypercall returned %lld; using the exit port\n",
			(long long)r);
		guest_drain();
	}
	exit_direct(code);
	for (;;)
		asm volatile("cli; hlt");
}

void guest_finish(void)
{
	finishing = true;
	guest_log("result: %u checks, %u failed\n", nr_checks, nr_failed);
	guest_log("%s\n", nr_failed ? "FAIL" : "PASS");
	guest_exit(!nr_failed);
}

void guest_abort(const char *why)
{
	if (!finishing) {
		finishing = true;
		guest_log("aborted: %s\n", why);
		guest_log("result: %u checks, %u failed\n", nr_checks,
			  nr_failed + 1);
		guest_log("FAIL\n");
	}
	guest_exit(false);
}
