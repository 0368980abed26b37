/* SPDX-License-Identifier: MIT */
/*
 * A small printf-style formatter: the conversions Modex's logging needs,
 * byte-exact with C99 (and glibc) for everything it supports.
 *
 * Supported: %d %i %u %x %X %o %c %s %p %%, flags - 0 # + space, field
 * width and precision (digits or '*'), length modifiers hh h l ll z t j.
 * %p prints "0x" and 16 hex digits (unlike glibc's "(nil)" and minimal
 * digits). %s with NULL prints "(null)", or nothing when the precision
 * is below 6 (as glibc). Anything else (%n, %f, %L...) is printed
 * literally, spec and all, and consumes no argument beyond any '*'.
 * Widths and precisions are capped at FMT_MAX_WIDTH.
 */
#ifndef MODEX_HV_PRINTF_H
#define MODEX_HV_PRINTF_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"

#define FMT_MAX_WIDTH 4096

typedef void (*fmt_out_fn)(void *ctx, char c);

/* Calls out(ctx, c) for each character produced; returns their number. */
int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap);

/*
 * C99 vsnprintf semantics: writes at most size - 1 characters and a NUL
 * when size > 0; returns the length the whole output would have had.
 */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

#endif /* MODEX_HV_PRINTF_H */
