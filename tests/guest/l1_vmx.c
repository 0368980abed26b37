// SPDX-License-Identifier: MIT
/*
 * L1 test hypervisor: a multiboot L1 that is itself a hypervisor. It runs
 * bare on a VMX CPU (Bochs's own VMX is the reference that validates it)
 * and under Modex, where Modex emulates VMX for it; either way it checks
 * what the SDM requires, from what the capability MSRs advertise, and
 * skips what they do not. Expects "l1vmx" on its command line;
 * "tests=insn,entry,exits,inject,ept,vpid,mbec" picks the groups (default:
 * all). The library is in tests/guest/vmx/.
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
};

static const struct group groups[] = {
	{ "insn", group_insn },	  { "entry", group_entry },
	{ "exits", group_exits }, { "inject", group_inject },
	{ "ept", group_ept },	  { "vpid", group_vpid },
	{ "mbec", group_mbec },	  { "vmentry", group_vmentry },
};

static char tests_opt[128];
static bool have_tests_opt;

/* Whether @name is in the "tests=" list (comma-separated), or no list. */
static bool selected(const char *name)
{
	size_t n = strlen(name);

	if (!have_tests_opt)
		return true;
	for (const char *p = tests_opt; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}

static const char *why_not;

static int check_setup(void)
{
	if (!vmx_caps_read(&why_not))
		return CHECK_SKIP;
	vmx_host_gdt_init();
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
	have_tests_opt = cmdline_value("tests", tests_opt, sizeof(tests_opt));
	guest_log("running %s Modex\n", under_modex() ? "under" : "without");
	mask_pics();
	run_check("vmx-setup", check_setup);
	if (why_not) {
		guest_log("no VMX: %s\n", why_not);
		return;
	}
	if (selected("insn"))
		group_insn_pre_vmxon();
	run_check("vmxon", check_vmxon);
	for (unsigned i = 0; i < ARRAY_SIZE(groups); i++)
		if (selected(groups[i].name))
			groups[i].run();
	expect_ok("VMCLEAR at the end", vmclear(vmcs_pa));
	expect_ok("VMXOFF at the end", vmxoff());
}
