// SPDX-License-Identifier: MIT
/*
 * 16550 UART console driver (polling, transmit only).
 * Context: any CPU; one writer at a time (con_lock, nestable on one CPU).
 */
#include "hv/console.h"

#include "hv/fbcon.h"
#include "hv/include/spinlock.h"
#include "hv/include/x86.h"
#include "hv/smp.h"
#include "hv/printf.h"

/* 16550 register offsets and line-status bits (PC16550D datasheet). */
#define UART_THR 0
#define UART_IER 1
#define UART_DLL 0
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20 /* transmit holding register empty */
#define UART_LSR_TEMT 0x40 /* transmitter (FIFO and shift register) empty */
#define UART_SPIN_LIMIT 1000000

static u16 con_io_port = COM1_PORT;

/* One CPU writes at a time; the owner may nest (a fault while printing).
 * A lock held past the bound belongs to a CPU that stopped: take it. */
#define CON_LOCK_SPINS 20000000u
static struct spinlock con_spin;
static volatile u32 con_owner = ~0u;
static u32 con_depth;

void con_lock(void)
{
	u32 me = smp_this_cpu();

	if (con_owner == me) {
		con_depth++;
		return;
	}
	for (u32 i = 0; !spin_trylock(&con_spin); i++)
		if (i == CON_LOCK_SPINS)
			break;
	con_owner = me;
	con_depth = 1;
}

void con_unlock(void)
{
	if (--con_depth)
		return;
	con_owner = ~0u;
	spin_unlock(&con_spin);
}

void con_init(u16 port)
{
	con_io_port = port;
	if (!port)
		return;
	outb(port + UART_IER, 0x00);
	outb(port + UART_LCR, 0x80); /* DLAB: divisor follows */
	outb(port + UART_DLL, 0x01); /* 115200 baud */
	outb(port + UART_DLM, 0x00);
	outb(port + UART_LCR, 0x03); /* 8N1 */
	outb(port + UART_FCR, 0xc7); /* FIFO on, cleared, 14-byte trigger */
	outb(port + UART_MCR, 0x03); /* DTR, RTS */
}

u16 con_port(void)
{
	return con_io_port;
}

/* Spin bounded: a missing UART reads 0xff or never drains; never hang. */
static void uart_wait(u8 bit)
{
	for (int i = 0; i < UART_SPIN_LIMIT; i++) {
		if (inb(con_io_port + UART_LSR) & bit)
			return;
		cpu_relax();
	}
}

static void uart_tx(char c)
{
	uart_wait(UART_LSR_THRE);
	outb(con_io_port + UART_THR, (u8)c);
}

void con_putc(char c)
{
	fbcon_con_putc(c);
	if (!con_io_port)
		return;
	if (c == '\n')
		uart_tx('\r');
	uart_tx(c);
}

void con_write(const char *s)
{
	con_lock();
	while (*s)
		con_putc(*s++);
	con_unlock();
}

static void con_fmt_out(void *ctx, char c)
{
	(void)ctx;
	con_putc(c);
}

void con_vprintf(const char *fmt, va_list ap)
{
	con_lock();
	fmt_vformat(con_fmt_out, NULL, fmt, ap);
	con_unlock();
}

void con_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	con_vprintf(fmt, ap);
	va_end(ap);
}

void con_drain(void)
{
	if (con_io_port)
		uart_wait(UART_LSR_TEMT);
}
