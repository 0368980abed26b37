/* SPDX-License-Identifier: MIT */
/*
 * The L1 test hypervisor's VMX library (tests/guest/vmx/): VMCS field
 * encodings, the VMX instructions with their RFLAGS outcome, the
 * capability MSRs, and one L2 (vmcs12, EPT12, L2 page tables, GDT, IDT,
 * TSS) that test groups run code in. Written from the SDM alone: it is the
 * independent check of a nested-VMX implementation.
 * Context: L1 at CPL 0, one CPU, interrupts off.
 */
#ifndef MODEX_TESTS_GUEST_VMX_VMX_H
#define MODEX_TESTS_GUEST_VMX_VMX_H

#include "tests/guest/l2/l2_world.h"
#include "tests/guest/lib/guest.h"

/* ---- MSRs (SDM Vol. 4 table 2-2; Vol. 3D appendix A) ---- */
#define MSR_FEATURE_CONTROL 0x3a
#define FC_LOCK BIT(0)
#define FC_VMX_OUTSIDE_SMX BIT(2)
#define MSR_VMX_BASIC 0x480
#define MSR_VMX_PINBASED 0x481
#define MSR_VMX_PROCBASED 0x482
#define MSR_VMX_EXIT 0x483
#define MSR_VMX_ENTRY 0x484
#define MSR_VMX_MISC 0x485
#define MSR_VMX_CR0_FIXED0 0x486
#define MSR_VMX_CR0_FIXED1 0x487
#define MSR_VMX_CR4_FIXED0 0x488
#define MSR_VMX_CR4_FIXED1 0x489
#define MSR_VMX_PROCBASED2 0x48b
#define MSR_VMX_EPT_VPID_CAP 0x48c
#define MSR_VMX_TRUE_PINBASED 0x48d
#define MSR_VMX_TRUE_PROCBASED 0x48e
#define MSR_VMX_TRUE_EXIT 0x48f
#define MSR_VMX_TRUE_ENTRY 0x490
#define MSR_EFER 0xc0000080u
#define MSR_FS_BASE 0xc0000100u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)

/* SDM Vol. 3D A.1: IA32_VMX_BASIC. */
#define BASIC_REVISION(b) ((u32)(b)&0x7fffffffu)
#define BASIC_INSOUTS_INFO BIT(54)
#define BASIC_TRUE_CTLS BIT(55)
/* SDM Vol. 3D A.6: IA32_VMX_MISC. */
#define MISC_VMWRITE_ANY BIT(29)
/* SDM Vol. 3D A.10: IA32_VMX_EPT_VPID_CAP. */
#define EPT_CAP_XONLY BIT(0)
#define EPT_CAP_PWL4 BIT(6)
#define EPT_CAP_WB BIT(14)
#define EPT_CAP_2M BIT(16)
#define EPT_CAP_INVEPT BIT(20)
#define EPT_CAP_ADV_INFO BIT(22)
#define EPT_CAP_INVEPT_SINGLE BIT(25)
#define EPT_CAP_INVEPT_ALL BIT(26)
#define VPID_CAP_INVVPID BIT(32)
#define VPID_CAP_ADDR BIT(40)
#define VPID_CAP_SINGLE BIT(41)
#define VPID_CAP_ALL BIT(42)
#define VPID_CAP_SINGLE_GLOBALS BIT(43)

/* ---- controls (SDM Vol. 3C 25.6) ---- */
#define PIN_EXTINT BIT(0)
#define PIN_NMI BIT(3)
#define PIN_PREEMPT BIT(6)
#define PROC_INTR_WINDOW BIT(2)
#define PROC_TSC_OFFSET BIT(3)
#define PROC_HLT BIT(7)
#define PROC_INVLPG BIT(9)
#define PROC_RDTSC BIT(12)
#define PROC_MTF BIT(27)
#define PROC_CR3_LOAD BIT(15)
#define PROC_CR3_STORE BIT(16)
#define PROC_CR8_LOAD BIT(19)
#define PROC_CR8_STORE BIT(20)
#define PROC_TPR_SHADOW BIT(21)
#define PROC_IO_UNCOND BIT(24)
#define PROC_IO_BITMAPS BIT(25)
#define PROC_MSR_BITMAPS BIT(28)
#define PROC_SECONDARY BIT(31)
#define PROC2_EPT BIT(1)
#define PROC2_VPID BIT(5)
#define PROC2_UNRESTRICTED BIT(7)
#define PROC2_MBEC BIT(22)
#define EXIT_HOST_64 BIT(9)
#define EXIT_ACK_INTR BIT(15)
#define EXIT_LOAD_EFER BIT(21)
#define ENTRY_IA32E BIT(9)
#define ENTRY_LOAD_EFER BIT(15)

/* ---- VMCS field encodings (SDM Vol. 3D appendix B) ---- */
enum vmcs_field {
	VPID = 0x0000,
	GUEST_ES_SEL = 0x0800,
	GUEST_CS_SEL = 0x0802,
	GUEST_SS_SEL = 0x0804,
	GUEST_DS_SEL = 0x0806,
	GUEST_FS_SEL = 0x0808,
	GUEST_GS_SEL = 0x080a,
	GUEST_LDTR_SEL = 0x080c,
	GUEST_TR_SEL = 0x080e,
	HOST_ES_SEL = 0x0c00,
	HOST_CS_SEL = 0x0c02,
	HOST_SS_SEL = 0x0c04,
	HOST_DS_SEL = 0x0c06,
	HOST_FS_SEL = 0x0c08,
	HOST_GS_SEL = 0x0c0a,
	HOST_TR_SEL = 0x0c0c,
	IO_BITMAP_A = 0x2000,
	IO_BITMAP_B = 0x2002,
	MSR_BITMAP = 0x2004,
	EXIT_MSR_STORE_ADDR = 0x2006,
	EXIT_MSR_LOAD_ADDR = 0x2008,
	ENTRY_MSR_LOAD_ADDR = 0x200a,
	TSC_OFFSET = 0x2010,
	EPT_POINTER = 0x201a,
	GUEST_PHYS_ADDR = 0x2400,
	VMCS_LINK_PTR = 0x2800,
	GUEST_DEBUGCTL = 0x2802,
	GUEST_EFER = 0x2806,
	HOST_EFER = 0x2c02,
	PIN_CTLS = 0x4000,
	PROC_CTLS = 0x4002,
	EXC_BITMAP = 0x4004,
	PF_EC_MASK = 0x4006,
	PF_EC_MATCH = 0x4008,
	CR3_TARGET_COUNT = 0x400a,
	EXIT_CTLS = 0x400c,
	EXIT_MSR_STORE_COUNT = 0x400e,
	EXIT_MSR_LOAD_COUNT = 0x4010,
	ENTRY_CTLS = 0x4012,
	ENTRY_MSR_LOAD_COUNT = 0x4014,
	ENTRY_INTR_INFO = 0x4016,
	ENTRY_EXC_ERROR = 0x4018,
	ENTRY_INSN_LEN = 0x401a,
	PROC_CTLS2 = 0x401e,
	VM_INSN_ERROR = 0x4400,
	EXIT_REASON = 0x4402,
	EXIT_INTR_INFO = 0x4404,
	EXIT_INTR_ERROR = 0x4406,
	IDT_VECT_INFO = 0x4408,
	IDT_VECT_ERROR = 0x440a,
	EXIT_INSN_LEN = 0x440c,
	EXIT_INSN_INFO = 0x440e,
	GUEST_ES_LIMIT = 0x4800,
	GUEST_ES_AR = 0x4814,
	GUEST_INTERRUPTIBILITY = 0x4824,
	GUEST_ACTIVITY = 0x4826,
	GUEST_SYSENTER_CS = 0x482a,
	PREEMPT_TIMER = 0x482e,
	HOST_SYSENTER_CS = 0x4c00,
	CR0_MASK = 0x6000,
	CR4_MASK = 0x6002,
	CR0_SHADOW = 0x6004,
	CR4_SHADOW = 0x6006,
	EXIT_QUAL = 0x6400,
	GUEST_LINEAR_ADDR = 0x640a,
	GUEST_CR0 = 0x6800,
	GUEST_CR3 = 0x6802,
	GUEST_CR4 = 0x6804,
	GUEST_ES_BASE = 0x6806,
	GUEST_GDTR_BASE = 0x6816,
	GUEST_IDTR_BASE = 0x6818,
	GUEST_DR7 = 0x681a,
	GUEST_RSP = 0x681c,
	GUEST_RIP = 0x681e,
	GUEST_RFLAGS = 0x6820,
	GUEST_PENDING_DBG = 0x6822,
	GUEST_SYSENTER_ESP = 0x6824,
	GUEST_SYSENTER_EIP = 0x6826,
	HOST_CR0 = 0x6c00,
	HOST_CR3 = 0x6c02,
	HOST_CR4 = 0x6c04,
	HOST_FS_BASE = 0x6c06,
	HOST_GS_BASE = 0x6c08,
	HOST_TR_BASE = 0x6c0a,
	HOST_GDTR_BASE = 0x6c0c,
	HOST_IDTR_BASE = 0x6c0e,
	HOST_SYSENTER_ESP = 0x6c10,
	HOST_SYSENTER_EIP = 0x6c12,
	HOST_RSP = 0x6c14,
	HOST_RIP = 0x6c16,
};
/* Segment fields of one kind are 2 apart: ES CS SS DS FS GS LDTR TR. */
enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_LDTR, SEG_TR };

/* ---- exit reasons (SDM Vol. 3D appendix C) ---- */
#define EXIT_EXCEPTION 0
#define EXIT_EXTINT 1
#define EXIT_CPUID 10
#define EXIT_INTR_WINDOW 7
#define EXIT_HLT 12
#define EXIT_INVLPG 14
#define EXIT_RDTSC 16
#define EXIT_MTF 37
#define EXIT_VMCALL 18
#define EXIT_CR 28
#define EXIT_IO 30
#define EXIT_RDMSR 31
#define EXIT_WRMSR 32
#define EXIT_BAD_GUEST 33
#define EXIT_MSR_LOAD_FAIL 34
#define EXIT_EPT_VIOLATION 48
#define EXIT_EPT_MISCONFIG 49
#define EXIT_PREEMPT 52
#define EXIT_REASON_ENTRY_FAIL BIT(31)

/* Interruption information (SDM Vol. 3C 25.8.3, 25.9.2). */
#define INTR_VALID BIT(31)
#define INTR_HAS_ERROR BIT(11)
#define INTR_TYPE_EXT 0
#define INTR_TYPE_NMI 2
#define INTR_TYPE_HW_EXC 3
#define INTR_TYPE_SW_INT 4
#define INTR_TYPE_SW_EXC 6
#define INTR_INFO(type, vec) (INTR_VALID | ((type) << 8) | (vec))

/* ---- VM-instruction outcome (SDM Vol. 3C 31.2) ---- */
#define RFLAGS_CF BIT(0)
#define RFLAGS_ZF BIT(6)
enum vmx_result { VMX_OK, VMX_FAIL_INVALID, VMX_FAIL_VALID };

static inline enum vmx_result vmx_result_of(u64 rflags)
{
	if (rflags & RFLAGS_CF)
		return VMX_FAIL_INVALID;
	if (rflags & RFLAGS_ZF)
		return VMX_FAIL_VALID;
	return VMX_OK;
}

#define VMX_OP1(insn, operand)                               \
	({                                                   \
		u64 fl_;                                     \
		asm volatile(insn " %1\n\tpushfq\n\tpopq %0" \
			     : "=r"(fl_)                     \
			     : "m"(operand)                  \
			     : "cc", "memory");              \
		vmx_result_of(fl_);                          \
	})

static inline enum vmx_result vmxon(u64 pa)
{
	return VMX_OP1("vmxon", pa);
}

static inline enum vmx_result vmclear(u64 pa)
{
	return VMX_OP1("vmclear", pa);
}

static inline enum vmx_result vmptrld(u64 pa)
{
	return VMX_OP1("vmptrld", pa);
}

static inline enum vmx_result vmptrst(u64 *pa)
{
	u64 fl;

	asm volatile("vmptrst %1\n\tpushfq\n\tpopq %0"
		     : "=r"(fl), "=m"(*pa)
		     :
		     : "cc", "memory");
	return vmx_result_of(fl);
}

static inline enum vmx_result vmxoff(void)
{
	u64 fl;

	asm volatile("vmxoff\n\tpushfq\n\tpopq %0"
		     : "=r"(fl)
		     :
		     : "cc", "memory");
	return vmx_result_of(fl);
}

static inline enum vmx_result vmread_r(u64 field, u64 *val)
{
	u64 fl, v = 0;

	asm volatile("vmread %2, %1\n\tpushfq\n\tpopq %0"
		     : "=r"(fl), "+r"(v)
		     : "r"(field)
		     : "cc", "memory");
	*val = v;
	return vmx_result_of(fl);
}

static inline enum vmx_result vmwrite_r(u64 field, u64 val)
{
	u64 fl;

	asm volatile("vmwrite %2, %1\n\tpushfq\n\tpopq %0"
		     : "=r"(fl)
		     : "r"(field), "rm"(val)
		     : "cc", "memory");
	return vmx_result_of(fl);
}

/* INVEPT/INVVPID: the type in a register, a 128-bit descriptor in memory. */
static inline enum vmx_result invept(u64 type, u64 eptp)
{
	struct {
		u64 eptp, zero;
	} desc = { eptp, 0 };
	u64 fl;

	asm volatile("invept %1, %2\n\tpushfq\n\tpopq %0"
		     : "=r"(fl)
		     : "m"(desc), "r"(type)
		     : "cc", "memory");
	return vmx_result_of(fl);
}

static inline enum vmx_result invvpid(u64 type, u16 vpid, u64 la)
{
	struct {
		u64 vpid, la;
	} desc = { vpid, la };
	u64 fl;

	asm volatile("invvpid %1, %2\n\tpushfq\n\tpopq %0"
		     : "=r"(fl)
		     : "m"(desc), "r"(type)
		     : "cc", "memory");
	return vmx_result_of(fl);
}

/* VMREAD/VMWRITE that must succeed: a failure is a test failure. */
u64 vmr(u64 field);
void vmw(u64 field, u64 val);
/* The VM-instruction error field, or ~0 if it cannot be read. */
u64 vmx_insn_error(void);

/* ---- capabilities (read once by vmx_caps_read) ---- */
struct vmx_caps {
	u64 basic, misc, ept_vpid;
	u64 pin, proc, proc2, exit, entry; /* allowed-0 low, allowed-1 high */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u32 revision;
	unsigned maxphyaddr;
	bool has_proc2;
};
extern struct vmx_caps vmx_caps;

/* The allowed-1 half of a control MSR value. */
static inline bool ctl_allowed1(u64 msr, u64 bit)
{
	return (msr >> 32) & bit;
}

/* The machine is Bochs (its BIOS's ACPI OEM ID), for its documented quirks. */
bool host_is_bochs(void);
bool vmx_has_ept(void);
bool vmx_has_vpid(void);
bool vmx_has_mbec(void);

/*
 * CPUID.1:ECX.VMX, IA32_FEATURE_CONTROL (locked with VMX allowed; locked
 * here if it was not) and the capability MSRs. Returns false with @why
 * set if VMX cannot be used.
 */
bool vmx_caps_read(const char **why);

/* CR0 and CR4 to the fixed bits of VMX operation, CR4.VMXE on. */
void vmx_fix_crs(void);
/* vmx_fix_crs(), VMXON of the library's VMXON region. */
enum vmx_result vmx_on(void);
extern u64 vmxon_pa;
/* The library's VMCS (the vmcs12 under a nested hypervisor). */
extern u64 vmcs_pa;
/* A 4 KiB page with the VMCS revision identifier in its first word. */
void vmx_region_init(void *page, u32 revision);

/* ---- L2 ---- */
struct l2_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};

struct l2_exit {
	u32 reason; /* the full exit-reason field */
	u64 qual, gla, gpa, rip, rsp, rflags;
	u32 intr_info, intr_error, idt_info, insn_len, insn_info;
	/* Not VMX_OK: VMLAUNCH/VMRESUME failed, insn_error says why. */
	enum vmx_result entry;
	u64 insn_error;
};

extern struct l2_regs l2_regs;

/*
 * L2's world: L2 page tables that identity-map [0, L2_IDENT_TOP) (user
 * accessible, so CPL 3 code runs the same functions) plus the test
 * mappings below, GDT/IDT/TSS, and EPT12 identity-mapping the same range
 * (first 2 MiB with 4 KiB pages, the rest with 2 MiB pages) plus the test
 * GPA region. Returns false with @why if the image does not fit.
 */
bool l2_world_init(const char **why);

/*
 * VMCLEAR, VMPTRLD and write every field for a default L2: EPT (if
 * @ept), no exiting beyond what the controls force, 64-bit L2 at CPL 0.
 */
void vmcs_setup(bool ept);
/* VMCLEAR + VMPTRLD: the next entry is a VMLAUNCH again. */
void vmcs_relaunch(void);
/* Adjust @want to a control MSR: forced-1 bits set, false if not allowed. */
bool ctl_adjust(u64 msr, u64 want, u64 *out);
/* Set/clear bits of a control field, within what the capability allows. */
bool ctl_set(u64 field, u64 bits);
void ctl_clear(u64 field, u64 bits);

/* Point L2 at @rip with a fresh stack at CPL @cpl (0 or 3). */
void l2_start(void (*rip)(void), int cpl);
/* Enter L2 (VMLAUNCH the first time, VMRESUME after) until its next exit. */
void l2_run(struct l2_exit *e);
/* Advance L2's RIP past the exiting instruction (exit instruction length). */
void l2_skip(const struct l2_exit *e);
/* Run L2 from @rip until the next exit. */
void l2_call(void (*rip)(void), int cpl, struct l2_exit *e);

/* ---- EPT12 (SDM Vol. 3C 29.3.2) ---- */
#define EPT_R BIT(0)
#define EPT_W BIT(1)
#define EPT_X BIT(2)
#define EPT_RWX (EPT_R | EPT_W | EPT_X)
#define EPT_MT_WB (6ULL << 3)
#define EPT_PS BIT(7)
#define EPT_XU BIT(10)
#define EPT_PERMS (EPT_RWX | EPT_XU)

/* The EPT12 entries on the test GPA's paths, by level (4: PML4E). */
enum ept_slot { SLOT_PML4E, SLOT_PDPTE, SLOT_PDE, SLOT_PTE, SLOT_PDE_2M };
extern u64 *ept_slot_entry[5];
extern u64 eptp12;
/* Test GPAs: a 4 KiB page (through PTE) and a 2 MiB page (through PDE_2M). */
extern u64 test_gpa_4k, test_gpa_2m;
/* Whether the PML4E of the test GPAs maps nothing else (MAXPHYADDR >= 40). */
extern bool test_pml4e_private;
/* Host addresses of the test pages' contents. */
extern u8 *test_page_4k, *test_page_2m;
/* L2 linear addresses of the test pages: U/S=1 and U/S=0 mappings. */
#define TEST_LA_4K_USER 0x40000000ULL
#define TEST_LA_4K_SUP 0x40001000ULL
#define TEST_LA_2M_USER 0x40200000ULL
#define TEST_LA_2M_SUP 0x40400000ULL
/* EPT12's identity 2 MiB leaf of GPA @gpa (in [2 MiB, L2_IDENT_TOP)). */
u64 *ept_ident_leaf(u64 gpa);
/* INVEPT of eptp12, single-context if advertised, else all-context. */
void ept_flush(void);

/* ---- L2 code (vmx/l2.S): each piece ends with VMCALL ---- */
void l2_vmcall(void);
void l2_cpuid(void);
void l2_hlt(void);
void l2_ud2(void);
void l2_int3(void);
void l2_read(void); /* RAX = [RDI] */
void l2_write(void); /* [RDI] = RSI */
void l2_fetch(void); /* jumps to RDI */
void l2_spin(void); /* loops forever */
void l2_out80(void); /* outb %al, $0x80 */
void l2_inw_dx(void); /* inw %dx, %ax */
void l2_inl_71(void); /* inl $0x71, %eax */
void l2_rep_outsb(void); /* rep outsb (%rsi), %dx */
void l2_outl_dx(void); /* outl %eax, %dx */
void l2_rdmsr(void);
void l2_wrmsr(void);
void l2_mov_cr0_rbx(void); /* mov %cr0,%rbx; or %rax,%rbx; mov %rbx,%cr0 */
void l2_mov_cr3_rcx(void); /* mov %cr3,%rcx; mov %rcx,%cr3 */
void l2_mov_from_cr8_rdx(void);
void l2_nop(void); /* a few NOPs, then VMCALL */
void l2_sti_nop(void); /* sti; nop */
void l2_change_state(void); /* push %rax; stc; mov %rbx, %cr3 */
void l2_rdtsc(void);
void l2_invlpg(void); /* invlpg (%rdi) */
void l2_fetch32(void); /* 32-bit code: jumps to EDI */
/* L2's IDT stubs: push the vector, VMCALL. */
extern char l2_idt_stubs[];

/* vmx/entry.S: 0 after a VM exit, else RFLAGS of the failed VM entry. */
u64 vmx_enter(struct l2_regs *regs, int launched);
void vmx_exit_stub(void);

#endif /* MODEX_TESTS_GUEST_VMX_VMX_H */
