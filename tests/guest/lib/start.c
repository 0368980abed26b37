// SPDX-License-Identifier: MIT
/*
 * Test-guest 64-bit start: console, IDT, boot information, then the test
 * kernel's guest_main() and the verdict.
 * Context: called once from entry.S on the boot stack, interrupts off.
 */
#include "tests/guest/lib/start.h"

#include "tests/guest/lib/bootinfo.h"
#include "tests/guest/lib/console.h"
#include "tests/guest/lib/exception.h"

void guest_start64(void)
{
	guest_console_init();
	guest_idt_init();
	bootinfo_init();
	guest_log(
		"test kernel: multiboot%d image, loader magic %#x, info %#x\n",
		(int)guest_image_protocol, guest_entry_state.eax,
		guest_entry_state.ebx);
	guest_log("cmdline: \"%s\"\n", guest_boot.cmdline);
	guest_main();
	guest_finish();
}
