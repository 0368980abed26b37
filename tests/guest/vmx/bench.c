// SPDX-License-Identifier: MIT
/*
 * Group "bench": L2 CPUID round trips for issue 10's benchmark. L2 runs
 * CPUID in a loop; L1 handles each exit with the fewest VMX instructions
 * a hypervisor needs (VMREAD of the reason, RIP and length, VMWRITE of
 * RIP, VMRESUME), so under Modex with VMCS shadowing the architectural
 * minimum is 2 L0 exits per round trip (the CPUID and the VMRESUME).
 * Prints the TSC ticks per round trip (instructions on Bochs) and, under
 * Modex, L0 exits per round trip from the statistics hypercall.
 * Option "bench=N" round trips (default 10000).
 * Context: L1 at CPL 0, VMX on.
 */
#include "tests/guest/vmx/check.h"

#include "hv/include/hypercall.h"
#include "hv/include/lib.h"

void l2_cpuid_loop(void);

static u64 stats_buf[64];

/* Modex's total exit count (its own hypercall counts as one), or -1. */
static s64 modex_exits(void)
{
	struct hc_regs o;

	if (!under_modex() || modex_hypercall(MODEX_HC_STATS, (u64)stats_buf,
					      ARRAY_SIZE(stats_buf), 0, &o))
		return -1;
	return (s64)o.rcx;
}

static int bench_cpuid(void)
{
	char opt[24];
	u64 n = 10000, t0, t1, rip, len, reason = 0, i;
	s64 e0, e1;
	struct l2_exit e;

	if (cmdline_value("bench", opt, sizeof(opt))) {
		n = 0;
		for (const char *p = opt; *p >= '0' && *p <= '9'; p++)
			n = n * 10 + (u64)(*p - '0');
	}
	vmcs_setup(vmx_has_ept());
	l2_call(l2_cpuid_loop, 0, &e);
	if (!expect_exit("first CPUID", &e, EXIT_CPUID))
		return 0;
	l2_skip(&e);
	e0 = modex_exits();
	t0 = guest_rdtsc();
	for (i = 0; i < n; i++) {
		if (vmx_enter(&l2_regs, 1))
			break;
		vmread_r(EXIT_REASON, &reason);
		if (reason != EXIT_CPUID)
			break;
		vmread_r(GUEST_RIP, &rip);
		vmread_r(EXIT_INSN_LEN, &len);
		vmwrite_r(GUEST_RIP, rip + len);
	}
	t1 = guest_rdtsc();
	e1 = modex_exits();
	GCHECK(i == n, "round trip %llu: exit reason %llu, CPUID expected",
	       (unsigned long long)i, (unsigned long long)reason);
	if (!n)
		return 0;
	GINFO("bench cpuid: %llu round trips, %llu TSC ticks each\n",
	      (unsigned long long)n, (unsigned long long)((t1 - t0) / n));
	if (e0 >= 0 && e1 >= 0)
		GINFO("bench cpuid: %lld L0 exits, %lld.%02lld per round trip\n",
		      (long long)(e1 - e0 - 1),
		      (long long)((e1 - e0 - 1) / (s64)n),
		      (long long)(((e1 - e0 - 1) * 100 / (s64)n) % 100));
	return 0;
}

void group_bench(void)
{
	run_check("bench-cpuid", bench_cpuid);
}
