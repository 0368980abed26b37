// SPDX-License-Identifier: MIT
/*
 * Modex's hypercalls (hv/hypercall.h): version, features, exit statistics
 * and trace, and the test exit. Every argument is checked here, once;
 * buffers must lie wholly in L1's RAM, so Modex never writes its own
 * memory or a device on L1's behalf.
 * Pure C: built freestanding into Modex and hosted for the unit tests.
 */
#include "hv/hypercall.h"

#include "hv/include/err.h"
#include "hv/include/hypercall.h"

bool hc_range_in_ram(const struct hc_env *env, gpa_t gpa, u64 len)
{
	gpa_t cur = gpa, end = gpa + len;

	if (end < gpa)
		return false;
	/* Adjacent ranges count as one: walk from range to range. */
	while (cur < end) {
		u32 i;

		for (i = 0; i < env->nr_ram; i++)
			if (cur >= env->ram[i].start && cur < env->ram[i].end)
				break;
		if (i == env->nr_ram)
			return false;
		cur = env->ram[i].end;
	}
	return true;
}

/* A guest buffer of @count entries of @size bytes at @gpa. */
static int check_buffer(const struct hc_env *env, gpa_t gpa, u64 count,
			u64 size)
{
	if (count >= HC_MAX_ENTRIES)
		return -E_FAULT;
	if (!hc_range_in_ram(env, gpa, count * size))
		return -E_FAULT;
	return 0;
}

/* The exit counts, then (with nested virtualization) the nested ones. */
static s64 hc_stats(const struct hc_env *env, struct guest_regs *r)
{
	u64 max = EXIT_R_COUNT + (env->nested_stats ? MODEX_NSTAT_COUNT : 0);
	u64 n = r->rcx < max ? r->rcx : max, first;
	int ret;

	if (!(env->features & MODEX_FEAT_STATS))
		return -E_NOSUPP;
	ret = check_buffer(env, r->rbx, r->rcx, sizeof(u64));
	if (ret)
		return ret;
	first = n < EXIT_R_COUNT ? n : EXIT_R_COUNT;
	if (first && env->write_guest(env->ctx, r->rbx, env->stats->count,
				      first * sizeof(u64)))
		return -E_FAULT;
	if (n > first &&
	    env->write_guest(env->ctx, r->rbx + first * sizeof(u64),
			     env->nested_stats, (n - first) * sizeof(u64)))
		return -E_FAULT;
	r->rbx = n;
	r->rcx = env->stats->total;
	return 0;
}

static s64 hc_trace(const struct hc_env *env, struct guest_regs *r)
{
	struct modex_trace_entry buf[STATS_TRACE_LEN];
	u32 n;
	int ret;

	if (!(env->features & MODEX_FEAT_TRACE))
		return -E_NOSUPP;
	ret = check_buffer(env, r->rbx, r->rcx, sizeof(buf[0]));
	if (ret)
		return ret;
	n = stats_trace_copy(env->stats, buf,
			     r->rcx < STATS_TRACE_LEN ? (u32)r->rcx :
							STATS_TRACE_LEN);
	if (n && env->write_guest(env->ctx, r->rbx, buf, n * sizeof(buf[0])))
		return -E_FAULT;
	r->rbx = n;
	return 0;
}

static s64 hc_nested_log(const struct hc_env *env, struct guest_regs *r)
{
	struct modex_nested_violation buf[NESTED_LOG_LEN];
	u32 n;
	int ret;

	if (!(env->features & MODEX_FEAT_NESTED) || !env->nested_log)
		return -E_NOSUPP;
	ret = check_buffer(env, r->rbx, r->rcx, sizeof(buf[0]));
	if (ret)
		return ret;
	n = nested_log_copy(env->nested_log, buf,
			    r->rcx < NESTED_LOG_LEN ? (u32)r->rcx :
						      NESTED_LOG_LEN);
	if (n && env->write_guest(env->ctx, r->rbx, buf, n * sizeof(buf[0])))
		return -E_FAULT;
	r->rbx = n;
	r->rcx = env->nested_log->seq;
	return 0;
}

static s64 hc_test_exit(const struct hc_env *env, struct guest_regs *r)
{
	if (r->rbx != MODEX_TEST_PASS && r->rbx != MODEX_TEST_FAIL)
		return -E_INVAL;
	env->test_exit(env->ctx, (u8)r->rbx);
	return 0;
}

static s64 dispatch(const struct hc_env *env, struct guest_regs *r, u32 nr)
{
	switch (nr) {
	case MODEX_HC_VERSION:
		r->rbx = MODEX_VERSION_CODE;
		r->rcx = MODEX_ABI_VERSION;
		return 0;
	case MODEX_HC_FEATURES:
		r->rbx = env->features;
		return 0;
	case MODEX_HC_STATS:
		return hc_stats(env, r);
	case MODEX_HC_TRACE:
		return hc_trace(env, r);
	case MODEX_HC_STATS_RESET:
		if (!(env->features & MODEX_FEAT_STATS))
			return -E_NOSUPP;
		stats_reset(env->stats);
		return 0;
	case MODEX_HC_TEST_EXIT:
		return hc_test_exit(env, r);
	case MODEX_HC_NESTED_LOG:
		return hc_nested_log(env, r);
	}
	return -E_NOSUPP;
}

/*
 * Only EAX carries the call (bits 31:16 magic, 15:0 number): a 32-bit L1
 * cannot control RAX's upper half. Anything else is an unknown call.
 */
enum hc_action hypercall_handle(const struct hc_env *env, struct guest_regs *r,
				int cpl)
{
	u32 eax = (u32)r->rax;
	s64 ret;

	if (cpl > 0)
		return HC_INJECT_UD;
	if ((eax & MODEX_HC_MAGIC_MASK) != MODEX_HC_MAGIC)
		ret = -E_NOSUPP;
	else
		ret = dispatch(env, r, eax & ~MODEX_HC_MAGIC_MASK);
	r->rax = (u64)ret;
	return HC_DONE;
}
