// SPDX-License-Identifier: MIT
/*
 * Group "insn": the VMX instructions' error cases (SDM Vol. 3C chapter 31,
 * error numbers in 31.4). VMfail is VMfailValid only while a current VMCS
 * exists (31.2), so most cases run with the library's VMCS current.
 * Context: L1 at CPL 0; group_insn_pre_vmxon() runs before any VMXON.
 */
#include "tests/guest/vmx/check.h"

#include "hv/include/lib.h"

#define CR4_VMXE BIT(13)
/* An encoding no VMCS has: reserved width/type combination, index 511. */
#define BAD_FIELD 0x6ffe

static u8 scratch[4096] __aligned(4096);
static u8 other_vmcs[4096] __aligned(4096);

static void do_vmxon(void *arg)
{
	asm volatile("vmxon %0" : : "m"(*(u64 *)arg) : "memory", "cc");
}

static void do_vmread(void *arg)
{
	u64 v;

	vmread_r(*(u64 *)arg, &v);
}

static void do_vmclear(void *arg)
{
	asm volatile("vmclear %0" : : "m"(*(u64 *)arg) : "memory", "cc");
}

static u64 beyond_maxphy(void)
{
	return 1ULL << vmx_caps.maxphyaddr;
}

/* SDM Vol. 3C 31.3 VMXON: #UD with CR4.VMXE=0, VMfailInvalid on bad operands. */
static int insn_vmxon_pre(void)
{
	u64 cr4, pa = (u64)scratch;
	int v;

	vmx_fix_crs();
	cr4 = guest_read_cr(4);
	asm volatile("mov %0, %%cr4" : : "r"(cr4 & ~CR4_VMXE));
	vmx_region_init(scratch, vmx_caps.revision);
	v = guest_try_call(do_vmxon, &pa);
	expect_eq("VMXON with CR4.VMXE=0", "exception", v, X86_UD);
	asm volatile("mov %0, %%cr4" : : "r"(cr4 | CR4_VMXE));
	vmx_region_init(scratch, (vmx_caps.revision + 1) & 0x7fffffff);
	expect_invalid("VMXON with a wrong revision", vmxon(pa));
	vmx_region_init(scratch, vmx_caps.revision | 0x80000000u);
	expect_invalid("VMXON with revision bit 31 set", vmxon(pa));
	vmx_region_init(scratch, vmx_caps.revision);
	expect_invalid("VMXON of an unaligned address", vmxon(pa + 8));
	expect_invalid("VMXON beyond MAXPHYADDR", vmxon(beyond_maxphy()));
	/* SDM Vol. 3C 31.3 VMXON: CPL > 0 is #GP(0) outside VMX operation. */
	v = at_cpl3(do_vmxon, &pa);
	expect_eq("VMXON at CPL 3", "exception", v, X86_GP);
	expect_eq("VMXON at CPL 3", "error code", user_error, 0);
	return 0;
}

void group_insn_pre_vmxon(void)
{
	run_check("insn-vmxon-operand", insn_vmxon_pre);
}

/* SDM Vol. 3C 31.3 VMXON in VMX root operation: VMfail(15). */
static int insn_vmxon_root(void)
{
	u64 cur = 0;

	vmx_region_init(scratch, vmx_caps.revision);
	expect_invalid("VMXON in root, no current VMCS", vmxon(vmxon_pa));
	vmx_region_init((void *)vmcs_pa, vmx_caps.revision);
	expect_ok("VMPTRLD", vmptrld(vmcs_pa));
	expect_valid("VMXON in root", vmxon(vmxon_pa), 15);
	expect_ok("VMPTRST", vmptrst(&cur));
	expect_eq("VMPTRST", "current VMCS", cur, vmcs_pa);
	/* In VMX root operation, CPL > 0 is #GP(0) for every VMX instruction. */
	expect_eq("VMXON at CPL 3 in root", "exception",
		  at_cpl3(do_vmxon, &vmxon_pa), X86_GP);
	expect_eq("VMCLEAR at CPL 3", "exception",
		  at_cpl3(do_vmclear, &vmcs_pa), X86_GP);
	return 0;
}

/* SDM Vol. 3C 31.3 VMPTRLD: errors 9, 10, 11; the current VMCS stays. */
static int insn_vmptrld(void)
{
	u64 cur = 0;

	expect_valid("VMPTRLD of the VMXON region", vmptrld(vmxon_pa), 10);
	expect_valid("VMPTRLD unaligned", vmptrld(vmcs_pa + 0x800), 9);
	expect_valid("VMPTRLD beyond MAXPHYADDR", vmptrld(beyond_maxphy()), 9);
	vmx_region_init(other_vmcs, (vmx_caps.revision + 1) & 0x7fffffff);
	expect_valid("VMPTRLD wrong revision", vmptrld((u64)other_vmcs), 11);
	vmptrst(&cur);
	expect_eq("VMPTRST after failed VMPTRLDs", "current VMCS", cur,
		  vmcs_pa);
	return 0;
}

/* SDM Vol. 3C 31.3 VMCLEAR: errors 2 and 3. */
static int insn_vmclear(void)
{
	expect_valid("VMCLEAR of the VMXON pointer", vmclear(vmxon_pa), 3);
	expect_valid("VMCLEAR unaligned", vmclear(vmcs_pa + 4), 2);
	expect_valid("VMCLEAR beyond MAXPHYADDR", vmclear(beyond_maxphy()), 2);
	vmx_region_init(other_vmcs, vmx_caps.revision);
	expect_ok("VMCLEAR of another VMCS", vmclear((u64)other_vmcs));
	return 0;
}

/* SDM Vol. 3C 31.3 VMREAD/VMWRITE: errors 12 and 13, 64-bit field halves. */
static int insn_vmread_vmwrite(void)
{
	u64 v = 0;

	expect_valid("VMREAD unsupported field", vmread_r(BAD_FIELD, &v), 12);
	expect_valid("VMWRITE unsupported field", vmwrite_r(BAD_FIELD, 0), 12);
	if (vmx_caps.misc & MISC_VMWRITE_ANY) {
		/* SDM Vol. 3D A.6: MISC bit 29 makes exit fields writable. */
		expect_ok("VMWRITE exit reason (MISC bit 29)",
			  vmwrite_r(EXIT_REASON, 0x1234));
		expect_eq("VMREAD exit reason", "value", vmr(EXIT_REASON),
			  0x1234);
	} else {
		expect_valid("VMWRITE exit reason (read-only)",
			     vmwrite_r(EXIT_REASON, 0), 13);
	}
	/* SDM Vol. 3C 25.11.2: access type 1 is the high 32 bits. */
	expect_ok("VMWRITE TSC offset",
		  vmwrite_r(TSC_OFFSET, 0x1234567887654321));
	expect_ok("VMREAD TSC offset high", vmread_r(TSC_OFFSET + 1, &v));
	expect_eq("VMREAD TSC offset high", "value", v, 0x12345678);
	expect_ok("VMWRITE TSC offset high", vmwrite_r(TSC_OFFSET + 1, 0xabcd));
	expect_eq("VMREAD TSC offset", "value", vmr(TSC_OFFSET),
		  0xabcd87654321ULL);
	vmw(TSC_OFFSET, 0);
	return 0;
}

/* VMLAUNCH/VMRESUME launch-state errors 4 and 5 (SDM Vol. 3C 31.3). */
static int insn_launch_state(void)
{
	struct l2_exit e;
	u64 fl;

	vmcs_setup(vmx_has_ept());
	fl = vmx_enter(&l2_regs, 1);
	expect_valid("VMRESUME of a clear VMCS", vmx_result_of(fl), 5);
	l2_call(l2_vmcall, 0, &e);
	expect_vmcall("VMLAUNCH", &e, (u64)l2_vmcall);
	fl = vmx_enter(&l2_regs, 0);
	expect_valid("VMLAUNCH of a launched VMCS", vmx_result_of(fl), 4);
	return 0;
}

/*
 * SDM Vol. 3C 31.3 VMWRITE/VMREAD: a narrower field ignores the source's
 * high bits; VMREAD zero-extends.
 */
static int insn_field_width(void)
{
	vmx_region_init((void *)vmcs_pa, vmx_caps.revision);
	expect_ok("VMCLEAR", vmclear(vmcs_pa));
	expect_ok("VMPTRLD", vmptrld(vmcs_pa));
	expect_ok("VMWRITE 16-bit field, wide value",
		  vmwrite_r(GUEST_ES_SEL, 0xffffffff12340010ULL));
	expect_eq("VMREAD 16-bit field", "value", vmr(GUEST_ES_SEL), 0x0010);
	expect_ok("VMWRITE 32-bit field, wide value",
		  vmwrite_r(EXC_BITMAP, 0xabcdef0000000041ULL));
	expect_eq("VMREAD 32-bit field", "value", vmr(EXC_BITMAP), 0x41);
	return 0;
}

/*
 * Two VMCSs: each keeps its own data and launch state across VMPTRLD and
 * VMCLEAR (SDM Vol. 3C 25.1, 25.11.3).
 */
static int insn_two_vmcs(void)
{
	u64 a = vmcs_pa, b = (u64)other_vmcs, cur = 0;
	struct l2_exit e;

	vmcs_setup(vmx_has_ept()); /* A: current, clear, complete */
	vmw(GUEST_SYSENTER_ESP, 0x1111);
	vmx_region_init(other_vmcs, vmx_caps.revision);
	expect_ok("VMCLEAR B", vmclear(b));
	expect_ok("VMPTRLD B", vmptrld(b));
	vmptrst(&cur);
	expect_eq("VMPTRST after VMPTRLD B", "pointer", cur, b);
	vmw(GUEST_SYSENTER_ESP, 0x2222);
	expect_eq("B's field", "value", vmr(GUEST_SYSENTER_ESP), 0x2222);
	expect_ok("VMPTRLD A", vmptrld(a));
	expect_eq("A's field after B", "value", vmr(GUEST_SYSENTER_ESP),
		  0x1111);
	l2_call(l2_vmcall, 0, &e); /* A launched */
	expect_vmcall("launch A", &e, (u64)l2_vmcall);
	expect_ok("VMPTRLD B", vmptrld(b));
	expect_valid("VMRESUME of B (clear)",
		     vmx_result_of(vmx_enter(&l2_regs, 1)), 5);
	expect_ok("VMPTRLD A", vmptrld(a));
	expect_ok("VMRESUME of A (launched)",
		  vmx_result_of(vmx_enter(&l2_regs, 1)));
	expect_eq("VMRESUME of A", "exit reason", vmr(EXIT_REASON),
		  EXIT_VMCALL);
	expect_ok("VMCLEAR A", vmclear(a));
	expect_ok("VMPTRLD A", vmptrld(a));
	expect_eq("A's field after VMCLEAR", "value", vmr(GUEST_SYSENTER_ESP),
		  0x1111);
	expect_valid("VMRESUME of A after VMCLEAR",
		     vmx_result_of(vmx_enter(&l2_regs, 1)), 5);
	expect_ok("VMCLEAR B", vmclear(b));
	vmcs_relaunch();
	return 0;
}

/* No current VMCS: VMfailInvalid, VMPTRST gives all ones (SDM 31.3). */
static int insn_no_current(void)
{
	u64 cur = 0, v;

	expect_ok("VMCLEAR of the current VMCS", vmclear(vmcs_pa));
	expect_ok("VMPTRST", vmptrst(&cur));
	expect_eq("VMPTRST after VMCLEAR", "pointer", cur, ~0ULL);
	expect_invalid("VMREAD, no current VMCS", vmread_r(GUEST_RIP, &v));
	expect_invalid("VMWRITE, no current VMCS", vmwrite_r(GUEST_RIP, 0));
	expect_invalid("VMLAUNCH, no current VMCS",
		       vmx_result_of(vmx_enter(&l2_regs, 0)));
	expect_invalid("VMPTRLD of the VMXON region, no current VMCS",
		       vmptrld(vmxon_pa));
	return 0;
}

/* VMXOFF leaves VMX operation; VMREAD then #UDs; VMXON again works. */
static int insn_vmxoff(void)
{
	u64 cur = 0, field = GUEST_RIP;

	expect_ok("VMXOFF", vmxoff());
	expect_eq("VMREAD after VMXOFF", "exception",
		  guest_try_call(do_vmread, &field), X86_UD);
	vmx_region_init((void *)vmxon_pa, vmx_caps.revision);
	expect_ok("VMXON again", vmxon(vmxon_pa));
	vmptrst(&cur);
	expect_eq("VMPTRST after VMXON", "pointer", cur, ~0ULL);
	return 0;
}

void group_insn(void)
{
	run_check("insn-vmxon-root", insn_vmxon_root);
	run_check("insn-vmptrld", insn_vmptrld);
	run_check("insn-vmclear", insn_vmclear);
	run_check("insn-vmread-vmwrite", insn_vmread_vmwrite);
	run_check("insn-launch-state", insn_launch_state);
	run_check("insn-field-width", insn_field_width);
	run_check("insn-two-vmcs", insn_two_vmcs);
	run_check("insn-no-current-vmcs", insn_no_current);
	run_check("insn-vmxoff-vmxon", insn_vmxoff);
}
