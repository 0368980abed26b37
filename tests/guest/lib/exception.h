/* SPDX-License-Identifier: MIT */
/* Test-guest exception handling internals (the API is in guest.h). */
#ifndef MODEX_TESTS_GUEST_LIB_EXCEPTION_H
#define MODEX_TESTS_GUEST_LIB_EXCEPTION_H

#include "tests/guest/lib/guest.h"

void guest_idt_init(void);
/* Called by exception_stubs.S with the frame it built. */
void guest_exception(struct guest_frame *f);

#endif /* MODEX_TESTS_GUEST_LIB_EXCEPTION_H */
