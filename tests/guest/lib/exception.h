/* SPDX-License-Identifier: MIT */
/* Test-guest exception handling internals (the API is in guest.h). */
#ifndef MODEX_TESTS_GUEST_LIB_EXCEPTION_H
#define MODEX_TESTS_GUEST_LIB_EXCEPTION_H

#include "tests/guest/lib/guest.h"

void guest_idt_init(void);
/* Loads the (shared) IDT on the calling CPU. */
void guest_idt_load(void);
/* Interrupts (vectors 32-255), if set; otherwise they are failures. */
extern void (*guest_irq_handler)(struct guest_frame *f);
/* Sees every exception first; returns true if it handled it. */
extern bool (*guest_exc_hook)(struct guest_frame *f);
/* Called by exception_stubs.S with the frame it built. */
void guest_exception(struct guest_frame *f);

#endif /* MODEX_TESTS_GUEST_LIB_EXCEPTION_H */
