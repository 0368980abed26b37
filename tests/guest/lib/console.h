/* SPDX-License-Identifier: MIT */
/* Test-guest console internals (the API is in guest.h). */
#ifndef MODEX_TESTS_GUEST_LIB_CONSOLE_H
#define MODEX_TESTS_GUEST_LIB_CONSOLE_H

void guest_console_init(void);

#endif /* MODEX_TESTS_GUEST_LIB_CONSOLE_H */
