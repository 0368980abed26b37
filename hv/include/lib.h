/* SPDX-License-Identifier: MIT */
/*
 * The few C library routines Modex uses. Freestanding builds get them from
 * hv/lib.c; hosted unit tests use the C library's.
 */
#ifndef MODEX_HV_INCLUDE_LIB_H
#define MODEX_HV_INCLUDE_LIB_H

#include "hv/include/types.h"

#ifdef MODEX_HOST
#include <string.h>
#else
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
#endif

#endif /* MODEX_HV_INCLUDE_LIB_H */
