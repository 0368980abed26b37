// SPDX-License-Identifier: MIT
/*
 * Nested SVM benchmark kernel (not a test): an L1 SVM hypervisor on the
 * tests/guest/svm/ library whose L2 runs CPUID N times ("n=N" on the
 * command line, default 2000); L1 intercepts CPUID and resumes L2 after
 * each (nRIP, or RIP + 2). Prints "[l1] bench: l2-cpuid n=N tsc=T" with
 * the TSC across the whole loop, read in L1 (on Bochs and on QEMU with
 * -icount the TSC counts instructions, Modex's included), and the nop
 * loop it is compared with. tools/bench-nsvm.sh runs it.
 */
#include "tests/guest/svm/check.h"

#include "hv/include/lib.h"

/* L2: R8 times CPUID (leaf 0), then VMMCALL. */
void l2_cpuid_loop(void);
asm(".text\n"
    ".globl l2_cpuid_loop\n"
    "l2_cpuid_loop:\n"
    "1:	xor %eax, %eax\n"
    "	cpuid\n"
    "	dec %r8\n"
    "	jnz 1b\n"
    "	vmmcall\n"
    "	ud2\n");

static u64 opt_n(void)
{
	char buf[24];
	u64 n = 0;

	if (!cmdline_value("n", buf, sizeof(buf)))
		return 2000;
	for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (u64)(*p - '0');
	return n ? n : 2000;
}

static u64 nop_loop(u64 n)
{
	u64 t0 = guest_rdtsc();

	for (u64 i = 0; i < n; i++)
		asm volatile("nop" ::: "memory");
	return guest_rdtsc() - t0;
}

/* One run of L2's loop: every CPUID exit handled by resuming L2. */
static u64 cpuid_loop(u64 n, u64 *exits)
{
	struct l2_exit e;
	u64 t0;

	vmcb_setup(true);
	vmcb.c.intercepts1 |= INT1_CPUID;
	l2_start(l2_cpuid_loop, 0);
	l2_regs.r8 = n;
	*exits = 0;
	t0 = guest_rdtsc();
	for (;;) {
		l2_run(&e);
		if (e.code != VMEXIT_CPUID)
			break;
		(*exits)++;
		l2_skip(&e, e.rip + 2);
	}
	t0 = guest_rdtsc() - t0;
	if (e.code != VMEXIT_VMMCALL)
		guest_log("bench: L2 ended with exit %#llx\n",
			  (unsigned long long)e.code);
	return t0;
}

void guest_main(void)
{
	const char *why = NULL;
	u64 n = opt_n(), exits, t;

	guest_log("running %s Modex\n", under_modex() ? "under" : "without");
	if (!svm_caps_read(&why) || (guest_gdt_init(), !l2_world_init(&why))) {
		guest_log("bench: no SVM: %s\n", why ? why : "?");
		return;
	}
	svm_set_svme(true);
	wrmsr64(MSR_VM_HSAVE_PA, hsave_pa);
	guest_log("bench: nop n=%llu tsc=%llu\n", (unsigned long long)n,
		  (unsigned long long)nop_loop(n));
	t = cpuid_loop(n, &exits);
	guest_log("bench: l2-cpuid n=%llu tsc=%llu exits=%llu\n",
		  (unsigned long long)n, (unsigned long long)t,
		  (unsigned long long)exits);
	svm_set_svme(false);
}
