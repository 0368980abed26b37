/* SPDX-License-Identifier: MIT */
/*
 * x86 instruction wrappers and architectural constants used by hv/, vmx/
 * and svm/. Not for mm/, which stays hardware-free.
 */
#ifndef MODEX_HV_INCLUDE_X86_H
#define MODEX_HV_INCLUDE_X86_H

#include "hv/include/types.h"

/* Control register bits (SDM Vol. 3A 2.5). */
#define X86_CR0_PE BIT(0)
#define X86_CR0_MP BIT(1)
#define X86_CR0_ET BIT(4)
#define X86_CR0_NE BIT(5)
#define X86_CR0_WP BIT(16)
#define X86_CR0_AM BIT(18)
#define X86_CR0_NW BIT(29)
#define X86_CR0_CD BIT(30)
#define X86_CR0_PG BIT(31)

#define X86_CR4_PSE BIT(4)
#define X86_CR4_PAE BIT(5)
#define X86_CR4_PGE BIT(7)
#define X86_CR4_OSFXSR BIT(9)
#define X86_CR4_LA57 BIT(12)
#define X86_CR4_VMXE BIT(13)
#define X86_CR4_SMEP BIT(20)
#define X86_CR4_SMAP BIT(21)

#define X86_EFLAGS_TF BIT(8)
#define X86_EFLAGS_IF BIT(9)
#define X86_EFLAGS_RF BIT(16)
#define X86_EFLAGS_AC BIT(18)

/* DR6 (SDM Vol. 3B 19.2.3): BS reports a single-step trap. */
#define X86_DR6_BS BIT(14)
#define X86_DR6_INIT 0xffff0ff0ULL /* reserved bits read 1, the rest 0 */

/* MSRs (SDM Vol. 4; APM Vol. 2 appendix A). */
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_DEBUGCTL 0x1d9
#define MSR_IA32_VMX_BASIC 0x480
#define MSR_IA32_VMX_PINBASED_CTLS 0x481
#define MSR_IA32_VMX_PROCBASED_CTLS 0x482
#define MSR_IA32_VMX_EXIT_CTLS 0x483
#define MSR_IA32_VMX_ENTRY_CTLS 0x484
#define MSR_IA32_VMX_MISC 0x485
#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define MSR_IA32_VMX_PROCBASED_CTLS2 0x48b
#define MSR_IA32_VMX_EPT_VPID_CAP 0x48c
#define MSR_IA32_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_IA32_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_IA32_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_IA32_VMX_TRUE_ENTRY_CTLS 0x490
#define MSR_EFER 0xc0000080
#define MSR_GS_BASE 0xc0000101
#define MSR_VM_CR 0xc0010114
#define MSR_VM_HSAVE_PA 0xc0010117

#define EFER_SCE BIT(0)
#define EFER_LME BIT(8)
#define EFER_LMA BIT(10)
#define EFER_NXE BIT(11)
#define EFER_SVME BIT(12)

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_regs cpuid(u32 leaf)
{
	return cpuid_count(leaf, 0);
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 val)
{
	asm volatile("wrmsr"
		     :
		     : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
		     : "memory");
}

/*
 * An instruction that may fault on a value Modex does not control (an MSR
 * L1 names): the #GP handler (boot/cpu_tables.c) finds the instruction in
 * the .ex_table section and resumes at its fixup, which reports failure.
 * Entries are pairs of 32-bit offsets from themselves (no relocations).
 */
#define EX_TABLE_ENTRY(insn, fixup)             \
	".pushsection .ex_table, \"a\"\n"       \
	".balign 4\n"                           \
	".long " #insn " - ., " #fixup " - .\n" \
	".popsection\n"

/* WRMSR and RDMSR that return -1 instead of faulting (#GP). */
static inline int wrmsr_safe(u32 msr, u64 val)
{
	int err = 0;

	asm volatile("1: wrmsr\n"
		     "2:\n" EX_TABLE_ENTRY(
			     1b, 3f) ".pushsection .text.fixup, \"ax\"\n"
				     "3: movl $-1, %0\n"
				     "jmp 2b\n"
				     ".popsection\n"
		     : "+r"(err)
		     : "c"(msr), "a"((u32)val), "d"((u32)(val >> 32))
		     : "memory");
	return err;
}

static inline int rdmsr_safe(u32 msr, u64 *val)
{
	u32 lo = 0, hi = 0;
	int err = 0;

	asm volatile("1: rdmsr\n"
		     "2:\n" EX_TABLE_ENTRY(
			     1b, 3f) ".pushsection .text.fixup, \"ax\"\n"
				     "3: movl $-1, %0\n"
				     "jmp 2b\n"
				     ".popsection\n"
		     : "+r"(err), "+a"(lo), "+d"(hi)
		     : "c"(msr));
	*val = ((u64)hi << 32) | lo;
	return err;
}

static inline void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u16 inw(u16 port)
{
	u16 v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline u32 inl(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#define DEFINE_CR_ACCESSORS(n)                                         \
	static inline u64 read_cr##n(void)                             \
	{                                                              \
		u64 v;                                                 \
		asm volatile("mov %%cr" #n ", %0" : "=r"(v));          \
		return v;                                              \
	}                                                              \
	static inline void write_cr##n(u64 v)                          \
	{                                                              \
		asm volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
DEFINE_CR_ACCESSORS(0)
DEFINE_CR_ACCESSORS(2)
DEFINE_CR_ACCESSORS(3)
DEFINE_CR_ACCESSORS(4)
#undef DEFINE_CR_ACCESSORS

static inline u64 read_rflags(void)
{
	u64 f;

	asm volatile("pushfq; popq %0" : "=r"(f));
	return f;
}

static inline void cpu_relax(void)
{
	asm volatile("pause");
}

static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		asm volatile("cli; hlt");
}

#endif /* MODEX_HV_INCLUDE_X86_H */
