// SPDX-License-Identifier: MIT
/* Ending a run through the selected test-exit device (see hv/exit.h). */
#include "hv/exit.h"

#include "hv/console.h"
#include "hv/include/x86.h"
#include "hv/smp.h"

static enum exit_method exit_method = EXIT_HALT;

void hv_exit_set_method(enum exit_method m)
{
	exit_method = m;
}

enum exit_method hv_exit_method(void)
{
	return exit_method;
}

void hv_exit(u8 code)
{
	static const char bochs_shutdown[] = "Shutdown";

	smp_stop_others();
	if (code == HV_EXIT_PASS)
		con_write("[modex] exit: pass\n");
	else
		con_printf("[modex] exit: FAIL (code %#x)\n", code);
	/* The UART keeps shifting after the last write; power-off loses it. */
	con_drain();

	switch (exit_method) {
	case EXIT_QEMU:
		outl(QEMU_DEBUG_EXIT_PORT, code);
		break;
	case EXIT_BOCHS:
		for (const char *p = bochs_shutdown; *p; p++)
			outb(BOCHS_SHUTDOWN_PORT, (u8)*p);
		break;
	case EXIT_HALT:
		break;
	}
	cpu_halt_forever();
}
