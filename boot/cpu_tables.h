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
/* Register frame built by boot/exception.S, lowest address first. */
struct exc_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

void cpu_tables_init(void);
/* Reports @f and ends the run; returns only when the vendor backend names
 * the exception a stray one to drop (hv/vendor.h stray_host_db). */
void exception_handler(struct exc_frame *f);
#endif

#endif /* MODEX_BOOT_CPU_TABLES_H */
