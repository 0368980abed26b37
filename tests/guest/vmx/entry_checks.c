// SPDX-License-Identifier: MIT
/*
 * Group "entry": VM entries that must fail (SDM Vol. 3C chapter 27).
 * Control and host-state checks fail the instruction (VMfailValid 7 and
 * 8, 27.2); guest-state checks and the MSR-load list fail the entry with
 * an exit to L1 of basic reason 33 or 34 with bit 31 set, whose
 * qualification (27.8) is 0, or 4 for the VMCS link pointer, or for 34
 * the 1-based index of the failing MSR-load entry.
 * Context: L1 at CPL 0, VMX on.
 */
#include "tests/guest/vmx/check.h"

#include "hv/include/lib.h"
#include "tests/guest/lib/exception.h"

#define CR4_VMXE BIT(13)

static u8 link_page[4096] __aligned(4096);
static struct msr_entry {
	u32 index, reserved;
	u64 value;
} msr_list[4] __aligned(16);

static void setup(void)
{
	vmcs_setup(vmx_has_ept());
}

/* VMLAUNCH that must fail with VMfailValid(@err); the VMCS stays clear. */
static void expect_launch_fail(const char *what, u64 err)
{
	struct l2_exit e;

	l2_run(&e);
	if (e.entry == VMX_OK) {
		GCHECK(false,
		       "%s: VM entry succeeded (exit %#x), VMfailValid(%llu) expected",
		       what, e.reason, (unsigned long long)err);
		return;
	}
	expect_valid(what, e.entry, err);
}

/* SDM Vol. 3C 27.2.1.1: reserved control bits must hold their fixed value. */
static int entry_controls(void)
{
	u64 may1 = vmx_caps.pin >> 32, must1 = (u32)vmx_caps.pin;
	u64 pin;
	int bit;

	setup();
	pin = vmr(PIN_CTLS);
	for (bit = 0; bit < 32 && (may1 & BIT(bit)); bit++)
		;
	if (bit < 32) {
		vmw(PIN_CTLS, pin | BIT(bit));
		expect_launch_fail("pin control with a bit not allowed 1", 7);
		vmw(PIN_CTLS, pin);
	}
	for (bit = 0; bit < 32 && !(must1 & BIT(bit)); bit++)
		;
	if (bit < 32) {
		vmw(PIN_CTLS, pin & ~BIT(bit));
		expect_launch_fail("pin control with a bit not allowed 0", 7);
		vmw(PIN_CTLS, pin);
	}
	/* 27.2.1.1: CR3-target count above what MISC 24:16 allows. */
	u64 targets = (vmx_caps.misc >> 16) & 0x1ff;
	vmw(CR3_TARGET_COUNT, targets + 1);
	expect_launch_fail("CR3-target count above MISC", 7);
	vmw(CR3_TARGET_COUNT, 0);
	/* 27.2.1.3: an injected event with a reserved type (1). */
	vmw(ENTRY_INTR_INFO, INTR_VALID | (1 << 8) | 32);
	expect_launch_fail("event injection of reserved type 1", 7);
	vmw(ENTRY_INTR_INFO, 0);
	struct l2_exit e;
	l2_run(&e);
	expect_vmcall("entry after restoring the controls", &e, (u64)l2_vmcall);
	return 0;
}

/* SDM Vol. 3C 27.2.2 and 27.2.3: host CR4.VMXE, selectors. */
static int entry_host_state(void)
{
	setup();
	vmw(HOST_CR4, guest_read_cr(4) & ~CR4_VMXE);
	expect_launch_fail("host CR4.VMXE clear", 8);
	vmw(HOST_CR4, guest_read_cr(4));
	vmw(HOST_CS_SEL, 0x08 | 3);
	expect_launch_fail("host CS with RPL 3", 8);
	vmw(HOST_CS_SEL, 0x08);
	vmw(HOST_TR_SEL, 0);
	expect_launch_fail("host TR selector 0", 8);
	vmw(HOST_TR_SEL, 0x20);
	vmw(HOST_RIP, 0x0000800000000000ULL);
	expect_launch_fail("host RIP not canonical", 8);
	vmw(HOST_RIP, (u64)vmx_exit_stub);
	return 0;
}

/* A VM entry that fails after the checks of 27.2: exit @reason | bit 31. */
static void expect_entry_exit(const char *what, u32 reason, u64 qual)
{
	struct l2_exit e;

	l2_run(&e);
	if (!expect_exit(what, &e, reason | EXIT_REASON_ENTRY_FAIL))
		return;
	expect_eq(what, "qualification", e.qual, qual);
	vmcs_relaunch();
}

/* SDM Vol. 3C 27.3.1: guest state. */
static int entry_guest_state(void)
{
	setup();
	vmw(GUEST_RFLAGS, 0);
	expect_entry_exit("guest RFLAGS bit 1 clear", EXIT_BAD_GUEST, 0);
	vmw(GUEST_RFLAGS, 2);
	vmw(GUEST_ACTIVITY, 7);
	expect_entry_exit("guest activity state 7", EXIT_BAD_GUEST, 0);
	vmw(GUEST_ACTIVITY, 0);
	vmw(GUEST_ES_AR + 2 * SEG_TR, 0x89); /* available, not busy */
	expect_entry_exit("guest TR not busy", EXIT_BAD_GUEST, 0);
	vmw(GUEST_ES_AR + 2 * SEG_TR, 0x8b);
	/* 27.3.1.5: a link pointer other than ~0 needs the VMCS revision. */
	vmx_region_init(link_page, (vmx_caps.revision + 1) & 0x7fffffff);
	vmw(VMCS_LINK_PTR, (u64)link_page);
	expect_entry_exit("VMCS link pointer, wrong revision", EXIT_BAD_GUEST,
			  4);
	vmw(VMCS_LINK_PTR, ~0ULL);
	struct l2_exit e;
	l2_run(&e);
	expect_vmcall("entry after restoring the guest state", &e,
		      (u64)l2_vmcall);
	return 0;
}

/* SDM Vol. 3C 27.4: the VM-entry MSR-load list, failing entry i (1-based). */
static int entry_msr_load(void)
{
	setup();
	memset(msr_list, 0, sizeof(msr_list));
	msr_list[0] = (struct msr_entry){ MSR_KERNEL_GS_BASE, 0, 0 };
	msr_list[1] = (struct msr_entry){ MSR_FS_BASE, 0, 0 };
	vmw(ENTRY_MSR_LOAD_ADDR, (u64)msr_list);
	vmw(ENTRY_MSR_LOAD_COUNT, 2);
	expect_entry_exit("MSR-load entry 2 is IA32_FS_BASE",
			  EXIT_MSR_LOAD_FAIL, 2);
	msr_list[0].reserved = 1;
	expect_entry_exit("MSR-load entry 1 has reserved bits",
			  EXIT_MSR_LOAD_FAIL, 1);
	msr_list[0].reserved = 0;
	msr_list[1] = (struct msr_entry){ 0x800 + 0x8, 0, 0 }; /* x2APIC TPR */
	expect_entry_exit("MSR-load entry 2 is an x2APIC MSR",
			  EXIT_MSR_LOAD_FAIL, 2);
	vmw(ENTRY_MSR_LOAD_COUNT, 1);
	struct l2_exit e;
	l2_run(&e);
	expect_vmcall("entry with a valid MSR-load list", &e, (u64)l2_vmcall);
	vmw(ENTRY_MSR_LOAD_COUNT, 0);
	return 0;
}

static struct msr_entry exit_store[1] __aligned(16), exit_load[1] __aligned(16);
static u8 msr_bitmap[4096] __aligned(4096);

/*
 * The three MSR lists working (SDM Vol. 3C 27.4, 28.4, 28.6): entry loads
 * L2's KERNEL_GS_BASE, L2 reads it and writes another value (MSR bitmaps
 * pass both through), the exit stores L2's value and loads L1's.
 */
static int entry_msr_lists(void)
{
	struct l2_exit e;
	u64 l2_val = 0x00007f0011223344ULL, l2_new = 0x00007f0055667788ULL;
	u64 l1_val = 0x00007f00aabbcc00ULL;

	setup();
	if (!ctl_set(PROC_CTLS, PROC_MSR_BITMAPS))
		return CHECK_SKIP;
	memset(msr_bitmap, 0, sizeof(msr_bitmap));
	vmw(MSR_BITMAP, (u64)msr_bitmap);
	msr_list[0] = (struct msr_entry){ MSR_KERNEL_GS_BASE, 0, l2_val };
	exit_store[0] = (struct msr_entry){ MSR_KERNEL_GS_BASE, 0, 0 };
	exit_load[0] = (struct msr_entry){ MSR_KERNEL_GS_BASE, 0, l1_val };
	vmw(ENTRY_MSR_LOAD_ADDR, (u64)msr_list);
	vmw(ENTRY_MSR_LOAD_COUNT, 1);
	vmw(EXIT_MSR_STORE_ADDR, (u64)exit_store);
	vmw(EXIT_MSR_STORE_COUNT, 1);
	vmw(EXIT_MSR_LOAD_ADDR, (u64)exit_load);
	vmw(EXIT_MSR_LOAD_COUNT, 1);
	l2_regs.rcx = MSR_KERNEL_GS_BASE;
	l2_call(l2_rdmsr, 0, &e);
	if (expect_vmcall("RDMSR after the entry MSR-load list", &e,
			  (u64)l2_rdmsr + 2))
		expect_eq("entry MSR-load list", "value L2 read",
			  (l2_regs.rdx << 32) | (u32)l2_regs.rax, l2_val);
	expect_eq("exit MSR-store list", "value stored", exit_store[0].value,
		  l2_val);
	expect_eq("exit MSR-load list", "L1's KERNEL_GS_BASE",
		  guest_rdmsr(MSR_KERNEL_GS_BASE), l1_val);
	vmw(ENTRY_MSR_LOAD_COUNT, 0);
	l2_regs.rax = (u32)l2_new;
	l2_regs.rdx = l2_new >> 32;
	l2_call(l2_wrmsr, 0, &e);
	expect_vmcall("WRMSR in L2", &e, (u64)l2_wrmsr + 2);
	expect_eq("exit MSR-store list after L2's WRMSR", "value stored",
		  exit_store[0].value, l2_new);
	expect_eq("exit MSR-load list after L2's WRMSR", "L1's KERNEL_GS_BASE",
		  guest_rdmsr(MSR_KERNEL_GS_BASE), l1_val);
	vmw(EXIT_MSR_STORE_COUNT, 0);
	vmw(EXIT_MSR_LOAD_COUNT, 0);
	try_wrmsr(MSR_KERNEL_GS_BASE, 0);
	return 0;
}

/*
 * SDM Vol. 3C 28.3: the exit saves the state L2 changed (RSP, RFLAGS,
 * CR3); 28.5: it loads L1's from the host fields (FS/GS bases, SYSENTER
 * MSRs) and sets the GDTR and IDTR limits to FFFFH.
 */
static int entry_exit_state(void)
{
	struct {
		u16 limit;
		u64 base;
	} __packed gdtr, idtr;
	struct l2_exit e;
	u64 fs = 0x00007f0000001000ULL, gs = 0x00007f0000002000ULL;
	u64 esp = 0x00007f0000003000ULL, eip = 0x00007f0000004000ULL;
	u64 cr3 = vmr(GUEST_CR3);

	setup();
	vmw(HOST_FS_BASE, fs);
	vmw(HOST_GS_BASE, gs);
	vmw(HOST_SYSENTER_ESP, esp);
	vmw(HOST_SYSENTER_EIP, eip);
	vmw(HOST_SYSENTER_CS, 0x08);
	l2_regs.rbx = cr3 | 0x8; /* PWT: a different CR3, same tables */
	l2_call(l2_change_state, 0, &e);
	if (expect_vmcall("L2 changing RSP, RFLAGS, CR3", &e,
			  (u64)l2_change_state + 5)) {
		expect_eq("saved guest state", "RSP", e.rsp,
			  l2_stack_top() - 8);
		expect_eq("saved guest state", "RFLAGS.CF", e.rflags & 1, 1);
		expect_eq("saved guest state", "CR3", vmr(GUEST_CR3),
			  cr3 | 0x8);
	}
	expect_eq("host state", "FS base", guest_rdmsr(MSR_FS_BASE), fs);
	expect_eq("host state", "GS base", guest_rdmsr(MSR_FS_BASE + 1), gs);
	expect_eq("host state", "SYSENTER_ESP", guest_rdmsr(0x175), esp);
	expect_eq("host state", "SYSENTER_EIP", guest_rdmsr(0x176), eip);
	expect_eq("host state", "SYSENTER_CS", guest_rdmsr(0x174), 0x08);
	asm volatile("sgdt %0; sidt %1" : "=m"(gdtr), "=m"(idtr));
	expect_eq("host state", "GDTR limit", gdtr.limit, 0xffff);
	expect_eq("host state", "IDTR limit", idtr.limit, 0xffff);
	expect_eq("host state", "CR3", guest_read_cr(3), vmr(HOST_CR3));
	try_wrmsr(MSR_FS_BASE, 0);
	try_wrmsr(MSR_FS_BASE + 1, 0);
	try_wrmsr(0x174, 0);
	try_wrmsr(0x175, 0);
	try_wrmsr(0x176, 0);
	guest_gdt_init(); /* back to exact limits */
	guest_idt_load();
	return 0;
}

void group_entry(void)
{
	run_check("entry-controls", entry_controls);
	run_check("entry-host-state", entry_host_state);
	run_check("entry-guest-state", entry_guest_state);
	run_check("entry-msr-load", entry_msr_load);
	run_check("entry-exit-msr-lists", entry_msr_lists);
	run_check("entry-exit-state", entry_exit_state);
}
