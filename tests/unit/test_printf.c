// SPDX-License-Identifier: MIT
/* Unit tests for hv/printf.c: byte-exact against the host's snprintf. */
#include "hv/printf.h"

#include "hv/include/err.h"

#include "tests/unit/harness.h"
#include "tests/unit/support/rng.h"

#include <stdarg.h>
#include <stdint.h>

static int mismatches;

static u64 rng_state = 0x9e3779b97f4a7c15ull;

static u64 rnd(void)
{
	return rng_next(&rng_state);
}

/* Formats with both implementations into a buffer of `size` and compares. */
static void both(size_t size, const char *fmt, ...)
{
	char ref[512], got[512];
	va_list ap, aq;
	int r1, r2;

	memset(ref, 0x5a, sizeof(ref));
	memset(got, 0x5a, sizeof(got));
	va_start(ap, fmt);
	va_copy(aq, ap);
	r1 = vsnprintf(ref, size, fmt, ap);
	r2 = fmt_vsnprintf(got, size, fmt, aq);
	va_end(aq);
	va_end(ap);
	if (r1 != r2 || memcmp(ref, got, sizeof(ref))) {
		if (mismatches++ < 20)
			CHECK_MSG(
				0,
				"fmt \"%s\" size %zu: libc %d \"%s\", ours %d \"%s\"",
				fmt, size, r1, size ? ref : "", r2,
				size ? got : "");
		else
			test_failed_checks++;
	}
}

static const char *const lens[] = { "", "hh", "h", "l", "ll", "z", "t", "j" };

static bool len_is_64(const char *len)
{
	return len[0] == 'l' || len[0] == 'z' || len[0] == 't' || len[0] == 'j';
}

static u64 random_value(void)
{
	static const u64 special[] = {
		0,
		1,
		7,
		8,
		9,
		10,
		15,
		16,
		127,
		128,
		255,
		256,
		32767,
		32768,
		65535,
		65536,
		0x7fffffff,
		0x80000000,
		0xffffffff,
		0x100000000ull,
		(u64)INT64_MAX,
		(u64)INT64_MIN,
		UINT64_MAX,
		(u64)-1,
		(u64)-128,
		(u64)-129,
		(u64)INT32_MIN,
	};
	u64 r = rnd();

	if (r % 3 == 0)
		return special[rnd() % ARRAY_SIZE(special)];
	return rnd() >> (r % 64);
}

/* Appends a random flags/width/precision/length spec to f. */
static int random_spec(char *f, int *stars, int *a)
{
	static const char flagset[] = "-0#+ ";
	int n = 0, ns = 0;

	*f++ = '%';
	for (int i = (int)(rnd() % 4); i > 0; i--)
		*f++ = flagset[rnd() % 5], n++;
	if (rnd() % 2) {
		if (rnd() % 4 == 0)
			*f++ = '*', a[ns++] = (int)(rnd() % 61) - 30;
		else
			f += sprintf(f, "%d", (int)(rnd() % 30));
	}
	if (rnd() % 2) {
		*f++ = '.';
		if (rnd() % 4 == 0)
			*f++ = '*', a[ns++] = (int)(rnd() % 41) - 10;
		else if (rnd() % 5)
			f += sprintf(f, "%d", (int)(rnd() % 25));
	}
	*f = '\0';
	*stars = ns;
	return n;
}

static void int_case(char conv)
{
	char fmt[64], *f = fmt;
	const char *len = lens[rnd() % ARRAY_SIZE(lens)];
	int stars, a[2];
	size_t size = rnd() % 4 ? 512 : rnd() % 40;
	u64 v = random_value();

	f += sprintf(f, "<");
	random_spec(f, &stars, a);
	f += strlen(f);
	f += sprintf(f, "%s%c>", len, conv);
	if (len_is_64(len)) {
		if (stars == 0)
			both(size, fmt, (long long)v);
		else if (stars == 1)
			both(size, fmt, a[0], (long long)v);
		else
			both(size, fmt, a[0], a[1], (long long)v);
	} else {
		if (stars == 0)
			both(size, fmt, (int)v);
		else if (stars == 1)
			both(size, fmt, a[0], (int)v);
		else
			both(size, fmt, a[0], a[1], (int)v);
	}
}

TEST(random_integers_match_libc)
{
	static const char convs[] = "diuxXo";

	mismatches = 0;
	for (int i = 0; i < 60000; i++)
		int_case(convs[rnd() % 6]);
}

static void str_case(void)
{
	static const char *const strs[] = {
		"",	     "a",
		"hello",     "hello, world",
		"with\ttab", "0123456789abcdef",
	};
	char fmt[64], *f = fmt;
	int stars, a[2];
	size_t size = rnd() % 4 ? 512 : rnd() % 20;
	const char *s = strs[rnd() % ARRAY_SIZE(strs)];
	char c = (char)(rnd() % 255 + 1);
	bool is_char = rnd() % 3 == 0;
	int n;

	f += sprintf(f, "[");
	n = random_spec(f, &stars, a);
	/* '0', '#', '+', ' ' are undefined with s and c: drop them. */
	for (char *p = f + 1; n > 0; n--, p++)
		*p = '-';
	f += strlen(f);
	if (is_char) {
		/* No precision with c: format a fresh width-only spec. */
		sprintf(fmt, "[%%%s%dc]", rnd() % 2 ? "-" : "",
			(int)(rnd() % 10));
		both(size, fmt, c);
		return;
	}
	sprintf(f, "s]");
	if (stars == 0)
		both(size, fmt, s);
	else if (stars == 1)
		both(size, fmt, a[0], s);
	else
		both(size, fmt, a[0], a[1], s);
}

TEST(random_strings_match_libc)
{
	mismatches = 0;
	for (int i = 0; i < 20000; i++)
		str_case();
}

TEST(fixed_cases_match_libc)
{
	const char *null = NULL;

	mismatches = 0;
	both(512, "%d %d %lld %lld", 0, -1, (long long)INT64_MIN,
	     (long long)INT64_MAX);
	both(512, "%020lld|%-20lld|%+.25lld", (long long)INT64_MIN,
	     (long long)INT64_MIN, (long long)INT64_MIN);
	both(512, "%#o %#.0o %#5.3o %#x %#X %#.0x", 0, 0, 8, 0, 255, 0);
	both(512, "%.0d|%5.0d|%-5.0u|%+.0d|% .0d", 0, 0, 0u, 0, 0);
	both(512, "%s|%.6s|%.5s|%10s|%-10.3s|", null, null, null, null, null);
	both(512, "%*d|%-*d|%.*d|%*.*d|", -8, 42, 8, 42, -3, 42, 10, 5, -42);
	both(512, "%hhd %hhu %hd %hu %zd %zu %td %jd %ju", 300, 300, 70000,
	     70000, (ssize_t)-5, (size_t)-5, (ptrdiff_t)-7, (intmax_t)-9,
	     (uintmax_t)-9);
	both(512, "100%% %c%c%c", 'a', 0x7f, 'z');
	both(512, "%c", 0);
	both(0, "%d", 12345);
	both(1, "%d", 12345);
	both(3, "%s", "abcdef");
}

TEST(pointer_is_0x_and_16_digits)
{
	char buf[64];

	CHECK_EQ(fmt_snprintf(buf, sizeof(buf), "%p", (void *)0x1234), 18);
	CHECK(!strcmp(buf, "0x0000000000001234"));
	fmt_snprintf(buf, sizeof(buf), "%p", NULL);
	CHECK(!strcmp(buf, "0x0000000000000000"));
	fmt_snprintf(buf, sizeof(buf), "[%20p]", (void *)~0ul);
	CHECK(!strcmp(buf, "[  0xffffffffffffffff]"));
	fmt_snprintf(buf, sizeof(buf), "[%-20p]", (void *)0xabcdef);
	CHECK(!strcmp(buf, "[0x0000000000abcdef  ]"));
}

/* Built at run time so that -Wformat does not reject them. */
static int unsupported(char *buf, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
	return r;
}

TEST(unsupported_conversions_print_literally)
{
	char buf[64];
	volatile int sink = 0;

	CHECK_EQ(unsupported(buf, sizeof(buf), "a%fb", 1.0), 4);
	CHECK(!strcmp(buf, "a%fb"));
	unsupported(buf, sizeof(buf), "x%-08.3lqy");
	CHECK(!strcmp(buf, "x%-08.3lqy"));
	unsupported(buf, sizeof(buf), "n%n", &sink);
	CHECK(!strcmp(buf, "n%n"));
	CHECK_EQ(sink, 0);
	unsupported(buf, sizeof(buf), "end%");
	CHECK(!strcmp(buf, "end%"));
	unsupported(buf, sizeof(buf), "end%-5");
	CHECK(!strcmp(buf, "end%-5"));
	unsupported(buf, sizeof(buf), "%Lf%d", 3);
	CHECK(!strcmp(buf, "%Lf3"));
}

TEST(huge_width_is_capped)
{
	char buf[16];

	CHECK_EQ(unsupported(buf, sizeof(buf), "%999999999d", 1),
		 FMT_MAX_WIDTH);
	CHECK_EQ(unsupported(buf, sizeof(buf), "%*d", INT32_MIN, 1),
		 FMT_MAX_WIDTH);
	CHECK_EQ(unsupported(buf, sizeof(buf), "%.*d", INT32_MAX, 1),
		 FMT_MAX_WIDTH);
}

static void count_out(void *ctx, char c)
{
	(void)c;
	(*(int *)ctx)++;
}

static int vformat_count(int *n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = fmt_vformat(count_out, n, fmt, ap);
	va_end(ap);
	return r;
}

TEST(vformat_calls_out_per_char)
{
	int n = 0;

	CHECK_EQ(vformat_count(&n, "%s=%5d", "abc", 7), 9);
	CHECK_EQ(n, 9);
}

TEST(snprintf_size_zero_writes_nothing)
{
	char c = 'q';

	CHECK_EQ(fmt_snprintf(&c, 0, "hello %d", 1), 7);
	CHECK_EQ(c, 'q');
	CHECK_EQ(fmt_snprintf(NULL, 0, "%s", "xyz"), 3);
}

/* hv/err.c lives with the formatter: both are the hv library. */
TEST(err_str_names_codes)
{
	CHECK(!strcmp(err_str(-E_NOMEM), "out of memory"));
	CHECK(!strcmp(err_str(E_NOMEM), "out of memory"));
	CHECK(!strcmp(err_str(-E_INVAL), "invalid argument"));
	CHECK(!strcmp(err_str(-E_TOOBIG), "too big"));
	CHECK(!strcmp(err_str(0), "success"));
	CHECK(!strcmp(err_str(-E_TOOBIG - 1), "unknown error"));
	CHECK(!strcmp(err_str(INT32_MIN), "unknown error"));
	CHECK(!strcmp(err_str(INT32_MAX), "unknown error"));
}
