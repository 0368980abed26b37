// SPDX-License-Identifier: MIT
/*
 * L1 triple-fault test kernel: loads an empty IDT and raises #UD, so the
 * #UD cannot be delivered (#GP), neither can the #GP (#DF), nor the #DF:
 * a triple fault (SDM Vol. 3A 7.15, "Interrupt 8"). It cannot report the
 * result itself; under Modex the boot test expects Modex to report the
 * triple fault (EXIT_R_TRIPLE_FAULT) and end the run, on bare QEMU with
 * -no-reboot the emulator exits.
 */
#include "tests/guest/lib/guest.h"

void guest_main(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed null_idt = { 0, 0 };

	guest_log("triple: loading a null IDT and raising #UD\n");
	guest_drain();
	asm volatile("lidt %0\n\tud2" : : "m"(null_idt) : "memory");
	guest_abort("still running after the triple fault");
}
