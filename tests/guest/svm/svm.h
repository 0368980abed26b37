/* SPDX-License-Identifier: MIT */
/*
 * The L1 test hypervisor's SVM library (tests/guest/svm/): the VMCB layout
 * (APM Vol. 2 appendix B), the SVM instructions (APM Vol. 3), CPUID
 * 8000_000A, and one L2 (VMCB12, NPT12, L2 page tables, GDT, IDT, TSS)
 * that test groups run code in. Written from the APM alone: it is the
 * independent check of a nested-SVM implementation.
 * Context: L1 at CPL 0, one CPU, interrupts off.
 */
#ifndef MODEX_TESTS_GUEST_SVM_SVM_H
#define MODEX_TESTS_GUEST_SVM_SVM_H

#include "tests/guest/l2/l2_world.h"
#include "tests/guest/lib/guest.h"

/* ---- MSRs (APM Vol. 2 15.30, appendix A) ---- */
#define MSR_EFER 0xc0000080u
#define MSR_STAR 0xc0000081u
#define MSR_LSTAR 0xc0000082u
#define MSR_CSTAR 0xc0000083u
#define MSR_SFMASK 0xc0000084u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define MSR_SYSENTER_CS 0x174
#define MSR_SYSENTER_ESP 0x175
#define MSR_SYSENTER_EIP 0x176
#define MSR_VM_CR 0xc0010114u
#define MSR_VM_HSAVE_PA 0xc0010117u
#define VM_CR_LOCK BIT(3)
#define VM_CR_SVMDIS BIT(4)
#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define EFER_SVME BIT(12)

/* ---- CPUID 8000_000A EDX (APM Vol. 3 appendix E.4.9) ---- */
#define SVM_F_NPT BIT(0)
#define SVM_F_LBRV BIT(1)
#define SVM_F_SVML BIT(2)
#define SVM_F_NRIPS BIT(3)
#define SVM_F_TSC_RATE BIT(4)
#define SVM_F_CLEAN BIT(5)
#define SVM_F_FLUSH_ASID BIT(6)
#define SVM_F_DECODE BIT(7)
#define SVM_F_PAUSE_FILTER BIT(10)
#define SVM_F_V_VMSAVE BIT(15)
#define SVM_F_VGIF BIT(16)
#define SVM_F_GMET BIT(17)
/* CPUID 8000_0001 ECX: SVM (bit 2), SKINIT (bit 12). */
#define CPUID_SVM BIT(2)
#define CPUID_SKINIT BIT(12)

struct svm_caps {
	u32 revision, nasid, features;
	unsigned maxphyaddr;
	bool skinit, nx;
};
extern struct svm_caps svm_caps;

static inline bool svm_has(u32 f)
{
	return svm_caps.features & f;
}

/* ---- the VMCB (APM Vol. 2 appendix B, tables B-1 and B-2) ---- */
struct vmcb_seg {
	u16 sel, attr; /* attr: descriptor bits 47:40 and 55:52 */
	u32 limit;
	u64 base;
};

struct vmcb_control {
	u32 cr_intercepts; /* 000h: reads 15:0, writes 31:16 */
	u32 dr_intercepts; /* 004h */
	u32 exc_intercepts; /* 008h */
	u32 intercepts1; /* 00Ch */
	u32 intercepts2; /* 010h */
	u32 intercepts3; /* 014h */
	u8 rsvd0[0x3c - 0x18];
	u16 pause_thresh, pause_count; /* 03Ch */
	u64 iopm_pa; /* 040h */
	u64 msrpm_pa; /* 048h */
	u64 tsc_offset; /* 050h */
	u32 asid; /* 058h */
	u8 tlb_control; /* 05Ch */
	u8 rsvd1[3];
	u64 vintr; /* 060h: V_TPR, V_IRQ, VGIF, V_INTR_MASKING, ... */
	u64 int_state; /* 068h: interrupt shadow, guest mask */
	u64 exitcode; /* 070h */
	u64 exitinfo1; /* 078h */
	u64 exitinfo2; /* 080h */
	u64 exitintinfo; /* 088h */
	u64 np_ctl; /* 090h: NP_ENABLE (0), GMET (3) */
	u64 avic_bar; /* 098h */
	u64 ghcb; /* 0A0h */
	u64 eventinj; /* 0A8h */
	u64 ncr3; /* 0B0h */
	u64 virt_ext; /* 0B8h: LBR virtualization, virtual VMLOAD/VMSAVE */
	u32 clean; /* 0C0h */
	u32 rsvd2;
	u64 nrip; /* 0C8h */
	u8 insn_len; /* 0D0h */
	u8 insn_bytes[15];
	u8 rsvd3[0x400 - 0xe0];
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 400h */
	u8 rsvd0[0x4cb - 0x4a0];
	u8 cpl; /* 4CBh */
	u32 rsvd1;
	u64 efer; /* 4D0h */
	u8 rsvd2[0x548 - 0x4d8];
	u64 cr4, cr3, cr0, dr7, dr6, rflags, rip; /* 548h */
	u8 rsvd3[0x5d8 - 0x580];
	u64 rsp; /* 5D8h */
	u8 rsvd4[0x5f8 - 0x5e0];
	u64 rax; /* 5F8h */
	u64 star, lstar, cstar, sfmask, kernel_gs_base; /* 600h */
	u64 sysenter_cs, sysenter_esp, sysenter_eip, cr2; /* 628h */
	u8 rsvd5[0x668 - 0x648];
	u64 g_pat; /* 668h */
	u64 dbgctl; /* 670h */
	u8 rsvd6[0x1000 - 0x678];
};

struct vmcb {
	struct vmcb_control c;
	struct vmcb_save s;
} __aligned(4096);
_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(__builtin_offsetof(struct vmcb, c.nrip) == 0xc8, "nRIP");
_Static_assert(__builtin_offsetof(struct vmcb, s.cpl) == 0x4cb, "CPL");
_Static_assert(__builtin_offsetof(struct vmcb, s.efer) == 0x4d0, "EFER");
_Static_assert(__builtin_offsetof(struct vmcb, s.cr4) == 0x548, "CR4");
_Static_assert(__builtin_offsetof(struct vmcb, s.rsp) == 0x5d8, "RSP");
_Static_assert(__builtin_offsetof(struct vmcb, s.rax) == 0x5f8, "RAX");
_Static_assert(__builtin_offsetof(struct vmcb, s.cr2) == 0x640, "CR2");
_Static_assert(__builtin_offsetof(struct vmcb, s.g_pat) == 0x668, "G_PAT");

/* Intercept vector 3 (00Ch) and 4 (010h) bits (APM Vol. 2 table B-1). */
#define INT1_INTR BIT(0)
#define INT1_NMI BIT(1)
#define INT1_VINTR BIT(4)
#define INT1_RDTSC BIT(14)
#define INT1_PAUSE BIT(23)
#define INT1_INVLPG BIT(25)
#define INT1_CPUID BIT(18)
#define INT1_HLT BIT(24)
#define INT1_INVLPGA BIT(26)
#define INT1_IOIO BIT(27)
#define INT1_MSR BIT(28)
#define INT1_SHUTDOWN BIT(31)
#define INT2_VMRUN BIT(0)
#define INT2_VMMCALL BIT(1)
#define INT2_VMLOAD BIT(2)
#define INT2_VMSAVE BIT(3)
#define INT2_STGI BIT(4)
#define INT2_CLGI BIT(5)
#define INT2_WBINVD BIT(9)
/* 060h */
#define VINTR_VGIF_ENABLE BIT(25)
#define VINTR_VGIF BIT(9)
#define VINTR_V_IRQ BIT(8)
#define VINTR_PRIO(p) ((u64)(p) << 16)
#define VINTR_IGN_TPR BIT(20)
#define VINTR_MASKING BIT(24)
/* 090h */
#define NP_ENABLE BIT(0)
#define NP_GMET BIT(3)
/* TLB_CONTROL (05Ch, APM Vol. 2 15.16.1) */
#define TLB_NOTHING 0
#define TLB_FLUSH_ALL 1
#define TLB_FLUSH_ASID 3
#define TLB_FLUSH_ASID_NONGLOBAL 7

/* EVENTINJ and EXITINTINFO (APM Vol. 2 15.20) */
#define EVT_VALID BIT(31)
#define EVT_EV BIT(11)
#define EVT_TYPE_INTR 0
#define EVT_TYPE_NMI 2
#define EVT_TYPE_EXC 3
#define EVT_TYPE_SWINT 4
#define EVT(type, vec) (EVT_VALID | ((u64)(type) << 8) | (vec))

/* EXITCODEs (APM Vol. 2 appendix C) */
#define VMEXIT_CR_READ(n) (0x00 + (n))
#define VMEXIT_CR_WRITE(n) (0x10 + (n))
#define VMEXIT_EXC(v) (0x40 + (v))
#define VMEXIT_DR_READ(n) (0x20 + (n))
#define VMEXIT_DR_WRITE(n) (0x30 + (n))
#define VMEXIT_INTR 0x60
#define VMEXIT_VINTR 0x64
#define VMEXIT_RDTSC 0x6e
#define VMEXIT_PAUSE 0x77
#define VMEXIT_INVLPG 0x79
#define VMEXIT_VMLOAD 0x82
#define VMEXIT_VMSAVE 0x83
#define VMEXIT_STGI 0x84
#define VMEXIT_CLGI 0x85
#define VMEXIT_WBINVD 0x89
#define VMEXIT_CPUID 0x72
#define VMEXIT_HLT 0x78
#define VMEXIT_INVLPGA 0x7a
#define VMEXIT_IOIO 0x7b
#define VMEXIT_MSR 0x7c
#define VMEXIT_SHUTDOWN 0x7f
#define VMEXIT_VMRUN 0x80
#define VMEXIT_VMMCALL 0x81
#define VMEXIT_NPF 0x400
#define VMEXIT_INVALID ((u64)-1)

/* IOIO EXITINFO1 (APM Vol. 2 15.10.2, figure 15-2) */
#define IOIO_IN BIT(0)
#define IOIO_STR BIT(2)
#define IOIO_REP BIT(3)
#define IOIO_SZ8 BIT(4)
#define IOIO_SZ16 BIT(5)
#define IOIO_SZ32 BIT(6)
#define IOIO_A16 BIT(7)
#define IOIO_A32 BIT(8)
#define IOIO_A64 BIT(9)

/* #NPF EXITINFO1 (APM Vol. 2 15.25.6) */
#define NPF_P BIT(0)
#define NPF_W BIT(1)
#define NPF_U BIT(2)
#define NPF_RSV BIT(3)
#define NPF_ID BIT(4)
#define NPF_FINAL BIT(32)
#define NPF_WALK BIT(33)

/* ---- the SVM instructions (APM Vol. 3 chapter 4) ---- */
static inline void vmload(u64 pa)
{
	asm volatile("vmload %%rax" : : "a"(pa) : "memory");
}

static inline void vmsave(u64 pa)
{
	asm volatile("vmsave %%rax" : : "a"(pa) : "memory");
}

static inline void stgi(void)
{
	asm volatile("stgi" : : : "memory");
}

static inline void clgi(void)
{
	asm volatile("clgi" : : : "memory");
}

static inline void invlpga(u64 va, u32 asid)
{
	asm volatile("invlpga %%rax, %%ecx" : : "a"(va), "c"(asid) : "memory");
}

static inline void wrmsr64(u32 msr, u64 v)
{
	asm volatile("wrmsr"
		     :
		     : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32))
		     : "memory");
}

/* ---- setup ---- */
/*
 * CPUID 8000_0001 ECX.SVM, VM_CR.SVMDIS and CPUID 8000_000A. Returns false
 * with @why if SVM cannot be used.
 */
bool svm_caps_read(const char **why);
/* EFER.SVME on/off. */
void svm_set_svme(bool on);
extern u64 hsave_pa;
/*
 * The machine, for its documented deviations from the APM: QEMU (its
 * processor name) or Bochs (its firmware's ACPI OEM ID). A deviation of
 * the emulator's own SVM applies only bare (bare_*): under Modex, Modex's
 * SVM is what L1 sees. One that a nested hypervisor passes on from the
 * hardware #VMEXIT (machine_is_*) applies under Modex too.
 */
bool machine_is_qemu(void);
bool machine_is_bochs(void);
bool bare_qemu(void);
bool bare_bochs(void);

/* The local APIC (xAPIC or x2APIC mode), for self-IPIs. */
bool apic_usable(void);
void apic_write(unsigned reg, u32 v);
u32 apic_read(unsigned reg);
void apic_self_ipi(u8 vec);
#define APIC_EOI 0xb0

/* ---- L2 ---- */
struct l2_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
};
extern struct l2_regs l2_regs;
/* The VMCB12 every group uses. */
extern struct vmcb vmcb;

struct l2_exit {
	u64 code, info1, info2, intinfo, nrip, rip, rsp;
	u8 cpl;
};

/*
 * L2's world: page tables identity-mapping [0, L2_IDENT_TOP) (user
 * accessible, so CPL 3 code runs the same functions) plus test mappings,
 * GDT/IDT/TSS, and NPT12 identity-mapping the same range (first 2 MiB with
 * 4 KiB pages, the rest with 2 MiB pages) plus the test GPA region.
 */
bool l2_world_init(const char **why);

/*
 * A default VMCB12 for a 64-bit L2 at CPL 0: nested paging on NPT12 (if
 * advertised and @npt), intercepts of VMRUN and VMMCALL only, ASID 1,
 * TLB_CONTROL 0, the IOPM and MSRPM all clear.
 */
void vmcb_setup(bool npt);
/* Point L2 at @rip with a fresh stack at CPL @cpl (0 or 3). */
void l2_start(void (*rip)(void), int cpl);
/* VMLOAD, VMRUN, VMSAVE of the VMCB until the next #VMEXIT. */
void l2_run(struct l2_exit *e);
/* Same with RFLAGS.IF=1 in L1 across VMRUN (GIF=0 holds interrupts). */
void l2_run_irq(struct l2_exit *e);
/*
 * Same without VMLOAD/VMSAVE: L2 runs on L1's own FS, GS, TR, LDTR and
 * syscall MSRs (VMRUN does not touch them), for L2 code that needs none.
 */
void l2_run_bare(struct l2_exit *e);
/* A fresh ASID for the VMCB (see svm.c). */
void vmcb_fresh_asid(void);
/* Run L2 from @rip until the next exit. */
void l2_call(void (*rip)(void), int cpl, struct l2_exit *e);
/* Resume at nRIP if NRIPS, else at @next. */
void l2_skip(const struct l2_exit *e, u64 next);

/* The IOPM (12 KiB) and MSRPM (8 KiB) of VMCB12 (APM Vol. 2 15.10, 15.11). */
extern u8 iopm[3 * 4096], msrpm[2 * 4096];
void iopm_set(u16 port, bool on);
void msrpm_set(u32 msr, bool read, bool write);

/* ---- NPT12 (APM Vol. 2 15.25): long-mode page-table entries ---- */

/* The NPT12 entries on the test GPAs' paths, by level. */
enum npt_slot { SLOT_PML4E, SLOT_PDPTE, SLOT_PDE, SLOT_PTE, SLOT_PDE_2M };
extern u64 *npt_slot_entry[5];
extern u64 ncr3;
/* Test GPAs: a 4 KiB page (through PTE) and a 2 MiB page (through PDE_2M). */
extern u64 test_gpa_4k, test_gpa_2m;
/* Whether the PML4E of the test GPAs maps nothing else (MAXPHYADDR >= 40). */
extern bool test_pml4e_private;
extern u8 *test_page_4k, *test_page_2m;
/* L2 linear addresses of the test pages. */
#define TEST_LA_4K 0x40000000ULL
#define TEST_LA_2M 0x40200000ULL
/* Offset of the VMMCALL in each test page (a fetch there exits 0x81). */
#define TEST_CODE_OFF 0x100
/*
 * L2's page table for TEST_LA_4K at its identity GPA, or at the alias GPA
 * l2_pt_alias_gpa that NPT12 maps through npt_walk_pte only (so a test
 * can fault L2's walk itself).
 */
void l2_pt_via_alias(bool alias);
extern u64 l2_pt_alias_gpa;
extern u64 *npt_walk_pte;
/* U on NPT12's PML4E of the identity range (L2's code, data, tables). */
void npt_ident_user(bool on);
/* The alternate page L2's test PTE (l2_test_pte()) may point at. */
extern u8 *test_page_alt;

/* ---- L2 code (svm/entry.S): each piece ends with VMMCALL ---- */
void l2_vmmcall(void);
void l2_cpuid(void);
void l2_hlt(void);
void l2_ud2(void);
void l2_int3(void);
void l2_read(void); /* RAX = [RDI] */
void l2_write(void); /* [RDI] = RSI */
void l2_fetch(void); /* jumps to RDI */
void l2_spin(void); /* RCX times round a loop */
void l2_out80(void); /* outb %al, $0x80 */
void l2_inw_dx(void); /* inw %dx, %ax */
void l2_inl_71(void); /* inl $0x71, %eax */
void l2_rep_outsb(void); /* rep outsb (%rsi), %dx */
void l2_rdmsr(void);
void l2_wrmsr(void);
void l2_read_cr0(void); /* mov %cr0, %rbx */
void l2_write_cr0(void); /* mov %rbx, %cr0 */
void l2_read_cr3(void);
void l2_write_cr3(void);
void l2_read_cr4(void);
void l2_write_cr4(void);
void l2_int_n(void); /* int $0x50 */
void l2_invlpga(void); /* invlpga %rax, %ecx */
void l2_vmrun(void); /* vmrun %rax */
void l2_vmload(void);
void l2_vmsave(void);
void l2_stgi(void);
void l2_clgi(void);
void l2_invlpg(void); /* invlpg (%rdi) */
void l2_pause(void);
void l2_rdtsc(void);
void l2_wbinvd(void);
void l2_read_dr7(void); /* mov %dr7, %rbx */
void l2_write_dr7(void); /* mov %rbx, %dr7 */
void l2_sti_spin(void); /* sti, then RCX times round a loop */
void l2_vgif_open(void); /* sti, RCX loops, STGI, RDX loops */
extern char l2_vgif_opened[]; /* right after its STGI */
void l2_nop(void);
/* L2's IDT stubs: push the vector, VMMCALL. */
extern char l2_idt_stubs[];

/* svm/entry.S: VMLOAD/VMRUN/VMSAVE of @vmcb_pa with L2's registers. */
#define SVM_ENTER_IRQ 1 /* RFLAGS.IF=1 across VMRUN */
#define SVM_ENTER_NO_VMLOAD 2 /* VMRUN alone */
void svm_enter(struct l2_regs *regs, u64 vmcb_pa, u64 host_pa, int flags);

#endif /* MODEX_TESTS_GUEST_SVM_SVM_H */
