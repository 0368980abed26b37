// SPDX-License-Identifier: MIT
/*
 * L1 test hypervisor for SVM: a multiboot L1 that is itself an SVM
 * hypervisor. It runs bare on an SVM CPU (QEMU TCG's and Bochs's SVM are
 * the references that validate it) and under Modex, where Modex emulates
 * SVM for it; either way it checks what the APM requires, from what CPUID
 * 8000_000A advertises, and skips what it does not. Expects "l1svm" on
 * its command line; "tests=insn,vmrun,exits,inject,npt,asid,gmet,random"
 * picks the groups (default: all); "random=N" and "seed=S" size the
 * randomized-VMCB group. The library is in tests/guest/svm/.
 *
 * Memory: the image and its .bss (host save area, VMCB12, IOPM, MSRPM,
 * NPT12, L2's tables and stacks, a 4 KiB and a 2 MiB test page), all below
 * L2_IDENT_TOP (16 MiB). L2 runs on its own page tables at CPL 0 and 3 in
 * the identity-mapped image; NPT12 maps the same range 1:1 plus the test
 * GPAs (512 GiB, or 4 GiB when MAXPHYADDR < 40).
 */
#include "tests/guest/svm/check.h"

#include "hv/include/lib.h"

struct group {
	const char *name;
	void (*run)(void);
};

static const struct group groups[] = {
	{ "insn", group_insn },	  { "vmrun", group_vmrun },
	{ "exits", group_exits }, { "inject", group_inject },
	{ "npt", group_npt },	  { "asid", group_asid },
	{ "gmet", group_gmet },	  { "random", group_random },
};

/* Whether group @name runs: listed in "tests=", or no list. */
static bool selected(const char *name)
{
	return cmdline_list_has("tests", name, true);
}

static const char *why_not;

static int check_setup(void)
{
	if (!svm_caps_read(&why_not))
		return CHECK_SKIP;
	guest_gdt_init();
	if (!l2_world_init(&why_not)) {
		GCHECK(false, "%s", why_not);
		return 0;
	}
	GINFO("NPT12 %s, test GPAs %#llx and %#llx\n",
	      svm_has(SVM_F_NPT) ? "on" : "not advertised",
	      (unsigned long long)test_gpa_4k, (unsigned long long)test_gpa_2m);
	return 0;
}

/* APM Vol. 2 15.4, 15.30.4: EFER.SVME on, VM_HSAVE_PA set. */
static int check_svme(void)
{
	u64 v = 0;

	svm_set_svme(true);
	GCHECK(guest_rdmsr(MSR_EFER) & EFER_SVME, "EFER.SVME did not stick");
	GCHECK(try_wrmsr(MSR_VM_HSAVE_PA, hsave_pa) < 0,
	       "WRMSR VM_HSAVE_PA %#llx faulted", (unsigned long long)hsave_pa);
	GCHECK(try_rdmsr(MSR_VM_HSAVE_PA, &v) < 0 && v == hsave_pa,
	       "VM_HSAVE_PA reads %#llx, expected %#llx", (unsigned long long)v,
	       (unsigned long long)hsave_pa);
	return 0;
}

/* The legacy PICs stay masked: only the tests' own interrupts arrive. */
static void mask_pics(void)
{
	asm volatile("outb %0, $0x21; outb %0, $0xa1" : : "a"((u8)0xff));
}

void guest_main(void)
{
	GCHECK(cmdline_has("l1svm"), "command line \"%s\" lacks \"l1svm\"",
	       guest_boot.cmdline);
	guest_log("running %s Modex\n", under_modex() ? "under" : "without");
	mask_pics();
	run_check("svm-setup", check_setup);
	if (why_not) {
		guest_log("no SVM: %s\n", why_not);
		return;
	}
	if (selected("insn"))
		group_insn_pre_svme();
	run_check("svme", check_svme);
	for (unsigned i = 0; i < ARRAY_SIZE(groups); i++)
		if (selected(groups[i].name))
			groups[i].run();
	svm_set_svme(false);
}
