// SPDX-License-Identifier: MIT
/*
 * L1 test hypervisor: a multiboot L1 that is itself a hypervisor. It runs
 * bare on a VMX CPU (Bochs's own VMX is the reference that validates it)
 * and under Modex, where Modex emulates VMX for it; either way it checks
 * what the SDM requires, from what the capability MSRs advertise, and
 * skips what they do not. Expects "l1vmx" on its command line;
 * "tests=insn,entry,exits,inject,ept,vpid,mbec,random,bench" picks the
 * groups (default: all but "random", the randomized vmcs12 rounds, whose
 * "random=N" and "seed=S" set rounds and seed, and "bench", L2 CPUID
 * round trips, "bench=N" of them). The library is in tests/guest/vmx/.
 *
 * Memory: the image and its .bss (VMXON region, VMCS, bitmaps, EPT12, L2's
 * tables and stacks, a 4 KiB and a 2 MiB test page), all below
 * L2_IDENT_TOP (16 MiB). L2 runs on its own page tables at CPL 0 and 3 in
 * the identity-mapped image; EPT12 maps the same range 1:1 plus the test
 * GPAs (512 GiB, or 4 GiB when MAXPHYADDR < 40).
 */
#include "tests/guest/vmx/check.h"

#include "hv/include/lib.h"

struct group {
	const char *name;
	void (*run)(void);
	bool by_default;
};

/* "random" (100,000 rounds by default) and "bench" run only when named. */
static const struct group groups[] = {
	{ "insn", group_insn, true },	     { "entry", group_entry, true },
	{ "exits", group_exits, true },	     { "inject", group_inject, true },
	{ "ept", group_ept, true },	     { "vpid", group_vpid, true },
	{ "mbec", group_mbec, true },	     { "random", group_random, false },
	{ "vmentry", group_vmentry, false }, { "hostile", group_hostile, true },
	{ "bench", group_bench, false },
};

/* Whether group @name runs: listed in "tests=", or @by_default. */
static bool selected(const char *name, bool by_default)
{
	return cmdline_list_has("tests", name, by_default);
}

static const char *why_not;

static int check_setup(void)
{
	if (!vmx_caps_read(&why_not))
		return CHECK_SKIP;
	guest_gdt_init();
	if (!l2_world_init(&why_not)) {
		GCHECK(false, "%s", why_not);
		return 0;
	}
	GINFO("EPT12 %s, test GPAs %#llx and %#llx, VPID %s, MBEC %s\n",
	      vmx_has_ept() ? "on" : "not advertised",
	      (unsigned long long)test_gpa_4k, (unsigned long long)test_gpa_2m,
	      vmx_has_vpid() ? "advertised" : "not advertised",
	      vmx_has_mbec() ? "advertised" : "not advertised");
	return 0;
}

static int check_vmxon(void)
{
	expect_ok("VMXON", vmx_on());
	return 0;
}

/* The legacy PICs stay masked: only the tests' own interrupts arrive. */
static void mask_pics(void)
{
	asm volatile("outb %0, $0x21; outb %0, $0xa1" : : "a"((u8)0xff));
}

void guest_main(void)
{
	GCHECK(cmdline_has("l1vmx"), "command line \"%s\" lacks \"l1vmx\"",
	       guest_boot.cmdline);
	guest_log("running %s Modex\n", under_modex() ? "under" : "without");
	mask_pics();
	run_check("vmx-setup", check_setup);
	if (why_not) {
		guest_log("no VMX: %s\n", why_not);
		return;
	}
	if (selected("insn", true))
		group_insn_pre_vmxon();
	run_check("vmxon", check_vmxon);
	for (unsigned i = 0; i < ARRAY_SIZE(groups); i++)
		if (selected(groups[i].name, groups[i].by_default))
			groups[i].run();
	expect_ok("VMCLEAR at the end", vmclear(vmcs_pa));
	expect_ok("VMXOFF at the end", vmxoff());
}
