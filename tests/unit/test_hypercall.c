// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the hypercall handler (hv/hypercall.c) and the exit
 * statistics (hv/stats.c): every call, every argument check, buffers at
 * and across the edges of L1's RAM, over fake guest memory.
 */
#include "tests/unit/harness.h"

#include "hv/hypercall.h"
#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/hypercall.h"

#define RAM_BASE 0x100000ULL
#define RAM_SIZE 0x10000ULL

static u8 ram[RAM_SIZE];
static struct exit_stats st;
static int exits_called, exit_code;
static const struct mem_range ranges[] = {
	{ RAM_BASE, RAM_BASE + RAM_SIZE / 2 },
	{ RAM_BASE + RAM_SIZE / 2, RAM_BASE + RAM_SIZE }, /* adjacent */
	{ 0x200000, 0x200100 },
};

static int fake_write(void *ctx, gpa_t gpa, const void *src, u64 len)
{
	(void)ctx;
	/* The handler must only write checked RAM; the last range has no
	 * backing here, so any write to it is a test failure. */
	if (gpa < RAM_BASE || gpa + len > RAM_BASE + RAM_SIZE)
		return -E_FAULT;
	memcpy(ram + (gpa - RAM_BASE), src, len);
	return 0;
}

static void fake_exit(void *ctx, u8 code)
{
	(void)ctx;
	exits_called++;
	exit_code = code;
}

static struct hc_env env(u32 features)
{
	return (struct hc_env){
		.ram = ranges,
		.nr_ram = ARRAY_SIZE(ranges),
		.stats = &st,
		.features = features,
		.write_guest = fake_write,
		.test_exit = fake_exit,
	};
}

static s64 call(const struct hc_env *e, u64 rax, u64 b, u64 c, u64 d,
		struct guest_regs *out)
{
	struct guest_regs r = { .rax = rax,
				.rbx = b,
				.rcx = c,
				.rdx = d,
				.rsi = 0x5151,
				.r15 = 0xf15 };

	CHECK_EQ(hypercall_handle(e, &r, 0), HC_DONE);
	CHECK_EQ(r.rsi, 0x5151);
	CHECK_EQ(r.r15, 0xf15);
	if (out)
		*out = r;
	return (s64)r.rax;
}

#define ALL (MODEX_FEAT_STATS | MODEX_FEAT_TRACE | MODEX_FEAT_TEST_EXIT)

TEST(version_and_features)
{
	struct hc_env e = env(ALL);
	struct guest_regs o;

	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_VERSION, 0, 0, 0, &o), 0);
	CHECK_EQ(o.rbx, MODEX_VERSION_CODE);
	CHECK_EQ(o.rcx, MODEX_ABI_VERSION);
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_FEATURES, 0, 0, 0, &o), 0);
	CHECK_EQ(o.rbx, ALL);
	/* Upper half of RAX ignored (a 32-bit L1 cannot set it). */
	CHECK_EQ(call(&e, 0xffffffff00000000ULL | MODEX_HC_MAGIC, 0, 0, 0, &o),
		 0);
}

TEST(unknown_calls)
{
	struct hc_env e = env(ALL);

	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_COUNT, 0, 0, 0, NULL),
		 -E_NOSUPP);
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | 0xffff, 0, 0, 0, NULL), -E_NOSUPP);
	CHECK_EQ(call(&e, MODEX_HC_VERSION, 0, 0, 0, NULL), -E_NOSUPP);
	CHECK_EQ(call(&e, 0x12340000 | MODEX_HC_VERSION, 0, 0, 0, NULL),
		 -E_NOSUPP);
}

TEST(cpl_above_0_is_ud)
{
	struct hc_env e = env(ALL);
	struct guest_regs r = { .rax = MODEX_HC_MAGIC, .rbx = 7 };

	for (int cpl = 1; cpl <= 3; cpl++) {
		CHECK_EQ(hypercall_handle(&e, &r, cpl), HC_INJECT_UD);
		CHECK_EQ(r.rax, MODEX_HC_MAGIC);
		CHECK_EQ(r.rbx, 7);
	}
}

TEST(stats)
{
	struct hc_env e = env(ALL);
	struct guest_regs o;
	u64 *buf = (u64 *)(ram + 0x100);

	memset(&st, 0, sizeof(st));
	stats_record(&st, EXIT_R_CPUID, 2, 0x1000, 0);
	stats_record(&st, EXIT_R_CPUID, 2, 0x1002, 1);
	stats_record(&st, EXIT_R_HYPERCALL, 3, 0x1004, MODEX_HC_MAGIC);
	memset(ram, 0xee, sizeof(ram));
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_STATS, RAM_BASE + 0x100,
		      EXIT_R_COUNT + 5, 0, &o),
		 0);
	CHECK_EQ(o.rbx, EXIT_R_COUNT);
	CHECK_EQ(o.rcx, 3);
	CHECK_EQ(buf[EXIT_R_CPUID], 2);
	CHECK_EQ(buf[EXIT_R_HYPERCALL], 1);
	CHECK_EQ(buf[EXIT_R_COUNT], 0xeeeeeeeeeeeeeeeeULL);
	/* Short buffer: only that many entries written. */
	buf[2] = 0xdeadbeef;
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_STATS, RAM_BASE + 0x100, 2,
		      0, &o),
		 0);
	CHECK_EQ(o.rbx, 2);
	CHECK_EQ(buf[2], 0xdeadbeef);
	/* Zero entries: nothing written, anywhere. */
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_STATS, 0, 0, 0, &o), 0);
	CHECK_EQ(o.rbx, 0);
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_STATS_RESET, 0, 0, 0, &o),
		 0);
	CHECK_EQ(st.count[EXIT_R_CPUID], 0);
	CHECK_EQ(st.total, 0);
}

TEST(buffer_checks)
{
	struct hc_env e = env(ALL);
	u64 stats = MODEX_HC_MAGIC | MODEX_HC_STATS;
	u64 trace = MODEX_HC_MAGIC | MODEX_HC_TRACE;
	u64 end = RAM_BASE + RAM_SIZE;

	CHECK_EQ(call(&e, stats, 1ULL << 52, 8, 0, NULL), -E_FAULT);
	CHECK_EQ(call(&e, stats, end - 8, 8, 0, NULL), -E_FAULT);
	CHECK_EQ(call(&e, stats, end - 8, 1, 0, NULL), 0);
	CHECK_EQ(call(&e, stats, RAM_BASE - 8, 2, 0, NULL), -E_FAULT);
	/* Across the two adjacent ranges: fine. */
	CHECK_EQ(call(&e, stats, RAM_BASE + RAM_SIZE / 2 - 8, 4, 0, NULL), 0);
	/* Wrap-around and huge counts. */
	CHECK_EQ(call(&e, stats, ~0ULL - 7, 2, 0, NULL), -E_FAULT);
	CHECK_EQ(call(&e, stats, RAM_BASE, 1ULL << 61, 0, NULL), -E_FAULT);
	CHECK_EQ(call(&e, stats, RAM_BASE, ~0ULL, 0, NULL), -E_FAULT);
	CHECK_EQ(call(&e, trace, 1ULL << 52, 4, 0, NULL), -E_FAULT);
	CHECK_EQ(call(&e, trace, end - 32, 2, 0, NULL), -E_FAULT);
	CHECK_EQ(call(&e, trace, RAM_BASE, 1ULL << 59, 0, NULL), -E_FAULT);
	CHECK(hc_range_in_ram(&e, 0x200000, 0x100));
	CHECK(!hc_range_in_ram(&e, 0x200000, 0x101));
	CHECK(hc_range_in_ram(&e, 0, 0));
}

TEST(trace_oldest_first)
{
	struct hc_env e = env(ALL);
	struct guest_regs o;
	struct modex_trace_entry *t = (struct modex_trace_entry *)ram;

	memset(&st, 0, sizeof(st));
	for (u64 i = 1; i <= STATS_TRACE_LEN + 10; i++)
		stats_record(&st, EXIT_R_CPUID, 2, 0x1000 + i, i);
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_TRACE, RAM_BASE, 4, 0, &o),
		 0);
	REQUIRE(o.rbx == 4);
	for (int i = 0; i < 4; i++) {
		CHECK_EQ(t[i].seq, STATS_TRACE_LEN + 7 + i);
		CHECK_EQ(t[i].qual, STATS_TRACE_LEN + 7 + i);
		CHECK_EQ(t[i].reason, EXIT_R_CPUID);
	}
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_TRACE, RAM_BASE, 1000, 0,
		      &o),
		 0);
	CHECK_EQ(o.rbx, STATS_TRACE_LEN);
	CHECK_EQ(t[0].seq, 11);
	CHECK_EQ(t[STATS_TRACE_LEN - 1].seq, STATS_TRACE_LEN + 10);
	/* After a reset the trace is empty but sequence numbers go on. */
	stats_reset(&st);
	stats_record(&st, EXIT_R_MSR_READ, 2, 0, 0x10);
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_TRACE, RAM_BASE, 8, 0, &o),
		 0);
	CHECK_EQ(o.rbx, 1);
	CHECK_EQ(t[0].seq, STATS_TRACE_LEN + 11);
	CHECK_EQ(t[0].reason, EXIT_R_MSR_READ);
	/* Out-of-range reasons count as unknown. */
	stats_record(&st, (enum exit_reason)999, 0, 0, 0);
	CHECK_EQ(st.count[EXIT_R_UNKNOWN], 1);
}

TEST(features_gate_calls)
{
	struct hc_env e = env(0);

	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_STATS, RAM_BASE, 1, 0,
		      NULL),
		 -E_NOSUPP);
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_TRACE, RAM_BASE, 1, 0,
		      NULL),
		 -E_NOSUPP);
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_STATS_RESET, 0, 0, 0, NULL),
		 -E_NOSUPP);
}

TEST(test_exit)
{
	struct hc_env e = env(ALL);
	u64 nr = MODEX_HC_MAGIC | MODEX_HC_TEST_EXIT;

	exits_called = 0;
	CHECK_EQ(call(&e, nr, 0x42, 0, 0, NULL), -E_INVAL);
	CHECK_EQ(exits_called, 0);
	CHECK_EQ(call(&e, nr, MODEX_TEST_FAIL, 0, 0, NULL), 0);
	CHECK_EQ(exits_called, 1);
	CHECK_EQ(exit_code, MODEX_TEST_FAIL);
	CHECK_EQ(call(&e, nr, MODEX_TEST_PASS | (1ULL << 40), 0, 0, NULL),
		 -E_INVAL);
}

/* With nested virtualization, STATS goes on with the nested counters. */
TEST(stats_with_nested_counters)
{
	struct hc_env e = env(ALL | MODEX_FEAT_NESTED);
	u64 nstats[MODEX_NSTAT_COUNT];
	struct guest_regs o;
	u64 *buf = (u64 *)(ram + 0x100);

	memset(&st, 0, sizeof(st));
	for (u64 i = 0; i < MODEX_NSTAT_COUNT; i++)
		nstats[i] = 100 + i;
	e.nested_stats = nstats;
	memset(ram, 0xee, sizeof(ram));
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_STATS, RAM_BASE + 0x100,
		      EXIT_R_COUNT + MODEX_NSTAT_COUNT + 3, 0, &o),
		 0);
	CHECK_EQ(o.rbx, EXIT_R_COUNT + MODEX_NSTAT_COUNT);
	for (u64 i = 0; i < MODEX_NSTAT_COUNT; i++)
		CHECK_EQ(buf[EXIT_R_COUNT + i], 100 + i);
	CHECK_EQ(buf[EXIT_R_COUNT + MODEX_NSTAT_COUNT], 0xeeeeeeeeeeeeeeeeULL);
	/* A buffer that ends inside the nested counters. */
	memset(ram, 0xee, sizeof(ram));
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_STATS, RAM_BASE + 0x100,
		      EXIT_R_COUNT + 2, 0, &o),
		 0);
	CHECK_EQ(o.rbx, EXIT_R_COUNT + 2);
	CHECK_EQ(buf[EXIT_R_COUNT + 1], 101);
	CHECK_EQ(buf[EXIT_R_COUNT + 2], 0xeeeeeeeeeeeeeeeeULL);
}

TEST(nested_log)
{
	static struct nested_log log;
	struct hc_env e = env(ALL);
	struct modex_nested_violation *out =
		(struct modex_nested_violation *)(ram + 0x100);
	struct guest_regs o;

	memset(&log, 0, sizeof(log));
	/* Without MODEX_FEAT_NESTED there is no log. */
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_NESTED_LOG,
		      RAM_BASE + 0x100, 4, 0, &o),
		 -E_NOSUPP);
	e = env(ALL | MODEX_FEAT_NESTED);
	e.nested_log = &log;
	for (u64 i = 0; i < NESTED_LOG_LEN + 5; i++) {
		struct modex_nested_violation r = { .l2_gpa = i << 12,
						    .access = (u8)(i % 3) };

		CHECK_EQ(nested_log_record(&log, &r), i + 1);
	}
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_NESTED_LOG,
		      RAM_BASE + 0x100, 4, 0, &o),
		 0);
	CHECK_EQ(o.rbx, 4);
	CHECK_EQ(o.rcx, NESTED_LOG_LEN + 5);
	/* The 4 newest, oldest first. */
	for (u64 i = 0; i < 4; i++) {
		CHECK_EQ(out[i].seq, NESTED_LOG_LEN + 2 + i);
		CHECK_EQ(out[i].l2_gpa, (NESTED_LOG_LEN + 1 + i) << 12);
	}
	/* More than the ring holds: the whole ring. */
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_NESTED_LOG,
		      RAM_BASE + 0x100, 1000, 0, &o),
		 0);
	CHECK_EQ(o.rbx, NESTED_LOG_LEN);
	CHECK_EQ(out[0].seq, 6);
	CHECK_EQ(out[NESTED_LOG_LEN - 1].seq, NESTED_LOG_LEN + 5);
	/* A buffer outside RAM. */
	CHECK_EQ(call(&e, MODEX_HC_MAGIC | MODEX_HC_NESTED_LOG, 0x1000, 4, 0,
		      &o),
		 -E_FAULT);
}
