/* SPDX-License-Identifier: MIT */
/*
 * Modex's GDT, TSS and IDT. Exceptions in Modex itself are always fatal and
 * reported (vector, error code, RIP, CR2, all registers) before the run
 * ends; #DF, NMI and #MC run on their own IST stacks so that even a stack
 * overflow is reported rather than triple-faulting.
 */
#ifndef MODEX_BOOT_CPU_TABLES_H
#define MODEX_BOOT_CPU_TABLES_H

#include "hv/include/types.h"

#define GDT_SEL_CODE64 0x08
#define GDT_SEL_DATA 0x10
#define GDT_SEL_TSS 0x18

#define IST_DF 1
#define IST_NMI 2
#define IST_MC 3

#ifndef __ASSEMBLY__
#include "hv/include/compiler.h"

/* 64-bit TSS (SDM Vol. 3A 8.7, Figure 8-11). */
struct tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;

/* One CPU's GDT and TSS (the IDT is shared). */
struct cpu_tables {
	u64 gdt[5] __aligned(16);
	struct tss64 tss __aligned(16);
};

/* Register frame built by boot/exception.S, lowest address first. */
struct exc_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* Boot CPU: its GDT/TSS (IST stacks from boot/stacks.S) and the IDT. */
void cpu_tables_init(void);
/* Any other CPU: load @t with these IST stack tops (IST_DF, IST_NMI,
 * IST_MC order) and the shared IDT. */
void cpu_tables_load(struct cpu_tables *t, const u64 ist_top[3]);
/* Reports @f and ends the run; returns only for an NMI when a hook is set
 * and when the vendor backend names the exception a stray one to drop
 * (hv/vendor.h stray_host_db). */
void exception_handler(struct exc_frame *f);
/* An NMI that arrives while Modex runs (VMX root operation: SVM keeps
 * GIF=0 and holds them) is L1's: @hook records it for injection. */
void cpu_tables_set_nmi_hook(void (*hook)(void));
#endif

#endif /* MODEX_BOOT_CPU_TABLES_H */
