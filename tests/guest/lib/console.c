// SPDX-License-Identifier: MIT
/*
 * Test-guest console: polled 16550 on COM1 and printf through Modex's own
 * formatter (hv/printf.c, compiled into the guest). Under Modex the UART is
 * shared, so every guest line carries the "[l1] " prefix.
 */
#include "tests/guest/lib/console.h"

#include "hv/printf.h"
#include "tests/guest/lib/guest.h"

#define COM1 0x3f8
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20 /* holding register empty: may write */
#define UART_LSR_TEMT 0x40 /* transmitter empty: all bits sent */
#define UART_SPIN_LIMIT 1000000

static inline void out8(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 in8(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

/* Bounded wait: a missing UART must not hang the test. */
static void uart_wait(u8 bit)
{
	for (unsigned i = 0; i < UART_SPIN_LIMIT; i++)
		if (in8(COM1 + UART_LSR) & bit)
			return;
}

void guest_console_init(void)
{
	out8(COM1 + UART_IER, 0);
	out8(COM1 + UART_LCR, 0x80); /* DLAB: divisor follows */
	out8(COM1 + 0, 1); /* 115200 baud */
	out8(COM1 + 1, 0);
	out8(COM1 + UART_LCR, 0x03); /* 8N1 */
	out8(COM1 + UART_FCR, 0xc7); /* FIFOs on and cleared */
	out8(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

void guest_putc(char c)
{
	if (c == '\n')
		guest_putc('\r');
	uart_wait(UART_LSR_THRE);
	out8(COM1 + UART_THR, (u8)c);
}

void guest_drain(void)
{
	uart_wait(UART_LSR_TEMT);
}

static void fmt_out(void *ctx, char c)
{
	(void)ctx;
	guest_putc(c);
}

void guest_vprintf(const char *fmt, va_list ap)
{
	fmt_vformat(fmt_out, NULL, fmt, ap);
}

void guest_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	guest_vprintf(fmt, ap);
	va_end(ap);
}

void guest_log(const char *fmt, ...)
{
	va_list ap;

	guest_printf("[l1] ");
	va_start(ap, fmt);
	guest_vprintf(fmt, ap);
	va_end(ap);
}

void guest_snprintf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fmt_vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}
