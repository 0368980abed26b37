// SPDX-License-Identifier: MIT
/*
 * Freestanding string and memory routines (see hv/include/lib.h).
 * GCC may emit calls to memcpy/memset/memmove/memcmp itself, so these
 * keep their standard names.
 */
#include "hv/include/lib.h"

/*
 * memcpy() and memset() move 8 bytes per iteration and the rest one by one:
 * on the emulators that count instructions every iteration of a "rep"
 * string instruction counts as one (docs/benchmarks.md). Both copy upwards,
 * which memmove() relies on for dst below src.
 */
void *memcpy(void *dst, const void *src, size_t n)
{
	void *ret = dst;
	size_t q = n / 8;

	asm volatile("rep movsq\n\t"
		     "mov %3, %%rcx\n\t"
		     "rep movsb"
		     : "+D"(dst), "+S"(src), "+c"(q)
		     : "r"(n % 8)
		     : "memory");
	return ret;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	void *ret = dst;
	size_t q = n / 8;

	asm volatile("rep stosq\n\t"
		     "mov %3, %%rcx\n\t"
		     "rep stosb"
		     : "+D"(dst), "+c"(q)
		     : "a"(0x0101010101010101ULL * (unsigned char)c), "r"(n % 8)
		     : "memory");
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] - y[i];
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b || !*a)
			return (unsigned char)*a - (unsigned char)*b;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}
