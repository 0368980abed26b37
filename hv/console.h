/* SPDX-License-Identifier: MIT */
/*
 * Serial console: a 16550 UART shared with L1. Modex's lines carry a
 * "[modex] " prefix (added by hv/log.h) so the two streams stay readable.
 */
#ifndef MODEX_HV_CONSOLE_H
#define MODEX_HV_CONSOLE_H

#include "hv/include/compiler.h"

#define COM1_PORT 0x3f8

/* Program the UART at @port (0 disables output) for 115200 8N1. */
void con_init(u16 port);
u16 con_port(void);
void con_putc(char c);
void con_write(const char *s);
void con_printf(const char *fmt, ...) __printf(1, 2);
void con_vprintf(const char *fmt, va_list ap);
/* Hold the console for several writes that form one line or report
 * (nests on the same CPU). Every write above takes it too. */
void con_lock(void);
void con_unlock(void);
/* Wait until the transmitter is empty, so nothing is lost at power-off. */
void con_drain(void);

#endif /* MODEX_HV_CONSOLE_H */
