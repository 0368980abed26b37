/* SPDX-License-Identifier: MIT */
/*
 * Ending a run: the test-exit convention shared by Modex, its boot tests
 * and L1 test guests.
 *
 * Every run ends with one line "[modex] exit: pass" or
 * "[modex] exit: FAIL (code 0xNN)", then, per the exit= option:
 *  - qemu:  code written to isa-debug-exit at port 0xf4 (QEMU's own exit
 *           status is then (code << 1) | 1: 33 for pass, 35 for fail);
 *  - bochs: "Shutdown" written to port 0x8900 (Bochs exits; the serial
 *           line carries the verdict);
 *  - halt:  interrupts off, HLT forever (real hardware).
 */
#ifndef MODEX_HV_EXIT_H
#define MODEX_HV_EXIT_H

#include "hv/cmdline.h"
#include "hv/include/compiler.h"

#define HV_EXIT_PASS 0x10
#define HV_EXIT_FAIL 0x11

#define QEMU_DEBUG_EXIT_PORT 0xf4
#define BOCHS_SHUTDOWN_PORT 0x8900

void hv_exit_set_method(enum exit_method m);
enum exit_method hv_exit_method(void);
__noreturn void hv_exit(u8 code);

#endif /* MODEX_HV_EXIT_H */
