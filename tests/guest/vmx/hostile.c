// SPDX-License-Identifier: MIT
/*
 * Group "hostile": an L1 that points its VMX structures at Modex's memory
 * (the hidden gap above L1's low RAM, docs/isolation.md), as a malicious
 * L1 would (EPT12 loops and self-references are tested against the
 * reference model in tests/unit/test_shadow.c). Under Modex each gets the architectural
 * failure of an address that is not usable memory, never Modex's data,
 * and Modex stays alive: the run ends with Modex's own check that its
 * canaries, code and read-only data are intact. Bare there is no Modex
 * memory: the group skips.
 */
#include "tests/guest/vmx/check.h"

#include "hv/include/lib.h"

#define PROC_USE_MSR_BITMAPS BIT(28)

/* The first page of Modex's memory: the start of the gap that ends at
 * guest_hidden_top() (docs/boot.md: Modex sits right after L1's RAM). */
static u64 hidden_page(void)
{
	u64 a = guest_hidden_top() & ~0xfffULL;

	if (a < 0x200000 || guest_addr_in_map(a - 0x1000))
		return 0;
	while (a > 0x100000 && !guest_addr_in_map(a - 0x1000))
		a -= 0x1000;
	return a;
}

static int hostile_pointers(u64 hidden)
{
	u64 cur = 0;

	vmcs_setup(vmx_has_ept());
	/* SDM Vol. 3C 31.3: a VMCS pointer Modex cannot use is an invalid
	 * physical address (errors 9 and 2); the current VMCS stays. */
	expect_valid("VMPTRLD of Modex's memory", vmptrld(hidden), 9);
	expect_valid("VMCLEAR of Modex's memory", vmclear(hidden), 2);
	vmptrst(&cur);
	expect_eq("VMPTRST after the hostile pointers", "current VMCS", cur,
		  vmcs_pa);
	/* VMXON of Modex's memory: VMfailInvalid, then VMX operation goes
	 * on from the good region. */
	expect_ok("VMXOFF before VMXON of Modex's memory", vmxoff());
	expect_invalid("VMXON of Modex's memory", vmxon(hidden));
	vmx_region_init((void *)vmxon_pa, vmx_caps.revision);
	expect_ok("VMXON again", vmxon(vmxon_pa));
	vmcs_setup(vmx_has_ept());
	return 0;
}

/* Controls naming Modex's memory fail the entry with error 7. */
static int hostile_controls(u64 hidden)
{
	struct l2_exit e;

	if (ctl_set(PROC_CTLS, PROC_USE_MSR_BITMAPS)) {
		vmw(MSR_BITMAP, hidden);
		l2_call(l2_vmcall, 0, &e);
		expect_eq("MSR bitmap in Modex's memory", "entry result",
			  e.entry, VMX_FAIL_VALID);
		expect_eq("MSR bitmap in Modex's memory",
			  "VM-instruction error", e.insn_error, 7);
		vmcs_setup(vmx_has_ept());
	}
	vmw(ENTRY_MSR_LOAD_ADDR, hidden);
	vmw(ENTRY_MSR_LOAD_COUNT, 1);
	l2_call(l2_vmcall, 0, &e);
	expect_eq("MSR-load list in Modex's memory", "entry result", e.entry,
		  VMX_FAIL_VALID);
	expect_eq("MSR-load list in Modex's memory", "VM-instruction error",
		  e.insn_error, 7);
	vmcs_setup(vmx_has_ept());
	return 0;
}

/*
 * EPT12 whose root is Modex's memory: L1's tables there read as what L1
 * reads there (the sink, no translation), so L2's first access is L1's
 * EPT violation or misconfiguration, and nothing of Modex's is mapped.
 */
static int hostile_ept_root(u64 hidden)
{
	struct l2_exit e;

	if (!vmx_has_ept())
		return CHECK_SKIP;
	vmw(EPT_POINTER, hidden | (3 << 3) | 6);
	l2_call(l2_vmcall, 0, &e);
	GCHECK(e.entry == VMX_OK &&
		       ((e.reason & 0xffff) == EXIT_EPT_VIOLATION ||
			(e.reason & 0xffff) == EXIT_EPT_MISCONFIG),
	       "EPT12 root in Modex's memory: entry %s, exit %#x (want an EPT violation or misconfiguration)",
	       vmx_result_name(e.entry), e.reason);
	vmcs_setup(vmx_has_ept());
	return 0;
}

/*
 * EPT12 whose root is in a hole of the physical address space (no RAM,
 * no device in the memory map): Modex must not read there for L1; L1's
 * tables are unusable, which L2's first access reports to L1.
 */
static int hostile_ept_hole(void)
{
	const u64 hole = 0xf0000000ULL;
	struct l2_exit e;

	if (!vmx_has_ept() || guest_addr_in_map(hole))
		return CHECK_SKIP;
	vmw(EPT_POINTER, hole | (3 << 3) | 6);
	l2_call(l2_vmcall, 0, &e);
	GCHECK(e.entry == VMX_OK &&
		       ((e.reason & 0xffff) == EXIT_EPT_VIOLATION ||
			(e.reason & 0xffff) == EXIT_EPT_MISCONFIG),
	       "EPT12 root in a hole at %#llx: entry %s, exit %#x (want an EPT violation or misconfiguration)",
	       (unsigned long long)hole, vmx_result_name(e.entry), e.reason);
	vmcs_setup(vmx_has_ept());
	return 0;
}

static u64 hidden;

static int run_pointers(void)
{
	return hostile_pointers(hidden);
}

static int run_controls(void)
{
	return hostile_controls(hidden);
}

static int run_ept_root(void)
{
	return hostile_ept_root(hidden);
}

void group_hostile(void)
{
	hidden = under_modex() ? hidden_page() : 0;
	if (!hidden) {
		GINFO("hostile: no Modex memory to aim at (bare, or no gap found): skipped\n");
		return;
	}
	GINFO("hostile: Modex's memory at %#llx\n", (unsigned long long)hidden);
	run_check("hostile-pointers", run_pointers);
	run_check("hostile-controls", run_controls);
	run_check("hostile-ept-root", run_ept_root);
	run_check("hostile-ept-hole", hostile_ept_hole);
}
