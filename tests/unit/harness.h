/* SPDX-License-Identifier: MIT */
/*
 * Minimal host unit-test harness.
 *
 * TEST(name) { ... } registers a test; CHECK*() record a failure and keep
 * going, REQUIRE*() stop the current test. Every test prints one line,
 * "PASS <binary>.<name>" or "FAIL <binary>.<name>", which tests/run counts.
 * Include this header in exactly one translation unit per test binary
 * (it defines main()).
 */
#ifndef MODEX_TESTS_UNIT_HARNESS_H
#define MODEX_TESTS_UNIT_HARNESS_H

#include <inttypes.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct test_case {
	const char *name;
	void (*fn)(void);
	struct test_case *next;
};

static struct test_case *test_list_head, **test_list_tail = &test_list_head;
static int test_failed_checks;
static jmp_buf test_abort;

#define TEST(name)                                                          \
	static void test_fn_##name(void);                                   \
	static struct test_case test_case_##name = { #name, test_fn_##name, \
						     0 };                   \
	__attribute__((constructor)) static void test_reg_##name(void)      \
	{                                                                   \
		*test_list_tail = &test_case_##name;                        \
		test_list_tail = &test_case_##name.next;                    \
	}                                                                   \
	static void test_fn_##name(void)

#define CHECK_MSG(cond, ...)                                             \
	do {                                                             \
		if (!(cond)) {                                           \
			test_failed_checks++;                            \
			fprintf(stderr,                                  \
				"  %s:%d: check failed: %s: ", __FILE__, \
				__LINE__, #cond);                        \
			fprintf(stderr, __VA_ARGS__);                    \
			fputc('\n', stderr);                             \
		}                                                        \
	} while (0)
#define CHECK(cond) CHECK_MSG(cond, "%s", "")
#define CHECK_EQ(a, b)                                                         \
	CHECK_MSG((uint64_t)(a) == (uint64_t)(b), "%#" PRIx64 " != %#" PRIx64, \
		  (uint64_t)(a), (uint64_t)(b))
#define REQUIRE(cond)                                        \
	do {                                                 \
		if (!(cond)) {                               \
			CHECK_MSG(0, "required: %s", #cond); \
			longjmp(test_abort, 1);              \
		}                                            \
	} while (0)
#define CHECK_STR_CONTAINS(hay, needle)                                    \
	CHECK_MSG((hay) && strstr((hay), (needle)), "\"%s\" lacks \"%s\"", \
		  (hay) ? (hay) : "(null)", (needle))

static const char *test_binary_name(const char *argv0)
{
	const char *s = strrchr(argv0, '/');

	return s ? s + 1 : argv0;
}

int main(int argc, char **argv)
{
	/* volatile: these live across setjmp/longjmp (C11 7.13.2.1). */
	const char *volatile bin = test_binary_name(argv[0]);
	const char *volatile only = argc > 1 ? argv[1] : NULL;
	volatile int passed = 0, failed = 0;

	for (struct test_case *volatile t = test_list_head; t; t = t->next) {
		if (only && strcmp(only, t->name))
			continue;
		test_failed_checks = 0;
		if (!setjmp(test_abort))
			t->fn();
		if (test_failed_checks) {
			printf("FAIL %s.%s\n", bin, t->name);
			failed++;
		} else {
			printf("PASS %s.%s\n", bin, t->name);
			passed++;
		}
		fflush(stdout);
	}
	fprintf(stderr, "%s: %d passed, %d failed\n", bin, passed, failed);
	return failed ? 1 : 0;
}

#endif /* MODEX_TESTS_UNIT_HARNESS_H */
