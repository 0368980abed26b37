/* SPDX-License-Identifier: MIT */
/*
 * VMCS field encodings (SDM Vol. 3D appendix B, tables B-1 to B-14) and the
 * control, exit-reason and qualification bits Modex uses (SDM Vol. 3C
 * chapters 25, 26 and 28). Encoding layout (SDM Vol. 3C 25.11.2): bit 0
 * access type (1 = high half of a 64-bit field), bits 9:1 index, bits 11:10
 * type (0 control, 1 exit information, 2 guest state, 3 host state), bits
 * 14:13 width (0 16-bit, 1 64-bit, 2 32-bit, 3 natural width).
 */
#ifndef MODEX_VMX_VMCS_FIELDS_H
#define MODEX_VMX_VMCS_FIELDS_H

#include "hv/include/compiler.h"

#define VMCS_FIELD_TYPE(f) (((f) >> 10) & 3)
#define VMCS_FIELD_WIDTH(f) (((f) >> 13) & 3)
#define VMCS_TYPE_CONTROL 0
#define VMCS_TYPE_EXIT_INFO 1
#define VMCS_TYPE_GUEST 2
#define VMCS_TYPE_HOST 3
#define VMCS_WIDTH_16 0
#define VMCS_WIDTH_64 1
#define VMCS_WIDTH_32 2
#define VMCS_WIDTH_NATURAL 3

/* 16-bit control fields (table B-1). */
#define VMCS_VPID 0x0000

/* 16-bit guest-state fields (table B-2). */
#define GUEST_ES_SELECTOR 0x0800
#define GUEST_CS_SELECTOR 0x0802
#define GUEST_SS_SELECTOR 0x0804
#define GUEST_DS_SELECTOR 0x0806
#define GUEST_FS_SELECTOR 0x0808
#define GUEST_GS_SELECTOR 0x080a
#define GUEST_LDTR_SELECTOR 0x080c
#define GUEST_TR_SELECTOR 0x080e

/* 16-bit host-state fields (table B-3). */
#define HOST_ES_SELECTOR 0x0c00
#define HOST_CS_SELECTOR 0x0c02
#define HOST_SS_SELECTOR 0x0c04
#define HOST_DS_SELECTOR 0x0c06
#define HOST_FS_SELECTOR 0x0c08
#define HOST_GS_SELECTOR 0x0c0a
#define HOST_TR_SELECTOR 0x0c0c

/* 64-bit control fields (table B-4). */
#define IO_BITMAP_A 0x2000
#define IO_BITMAP_B 0x2002
#define MSR_BITMAP 0x2004
#define VM_EXIT_MSR_STORE_ADDR 0x2006
#define VM_EXIT_MSR_LOAD_ADDR 0x2008
#define VM_ENTRY_MSR_LOAD_ADDR 0x200a
#define TSC_OFFSET 0x2010
#define VIRTUAL_APIC_PAGE_ADDR 0x2012
#define APIC_ACCESS_ADDR 0x2014
#define EPT_POINTER 0x201a
#define VMREAD_BITMAP 0x2026
#define VMWRITE_BITMAP 0x2028
#define XSS_EXIT_BITMAP 0x202c

/* 64-bit read-only data field (table B-5). */
#define GUEST_PHYSICAL_ADDRESS 0x2400

/* 64-bit guest-state fields (table B-6). */
#define VMCS_LINK_POINTER 0x2800
#define GUEST_IA32_DEBUGCTL 0x2802
#define GUEST_IA32_PAT 0x2804
#define GUEST_IA32_EFER 0x2806
#define GUEST_IA32_PERF_GLOBAL_CTRL 0x2808
#define GUEST_PDPTE0 0x280a
#define GUEST_PDPTE1 0x280c
#define GUEST_PDPTE2 0x280e
#define GUEST_PDPTE3 0x2810

/* 64-bit host-state fields (table B-7). */
#define HOST_IA32_PAT 0x2c00
#define HOST_IA32_EFER 0x2c02
#define HOST_IA32_PERF_GLOBAL_CTRL 0x2c04

/* 32-bit control fields (table B-8). */
#define PIN_BASED_VM_EXEC_CONTROL 0x4000
#define CPU_BASED_VM_EXEC_CONTROL 0x4002
#define EXCEPTION_BITMAP 0x4004
#define PAGE_FAULT_ERROR_CODE_MASK 0x4006
#define PAGE_FAULT_ERROR_CODE_MATCH 0x4008
#define CR3_TARGET_COUNT 0x400a
#define VM_EXIT_CONTROLS 0x400c
#define VM_EXIT_MSR_STORE_COUNT 0x400e
#define VM_EXIT_MSR_LOAD_COUNT 0x4010
#define VM_ENTRY_CONTROLS 0x4012
#define VM_ENTRY_MSR_LOAD_COUNT 0x4014
#define VM_ENTRY_INTR_INFO 0x4016
#define VM_ENTRY_EXCEPTION_ERROR_CODE 0x4018
#define VM_ENTRY_INSTRUCTION_LEN 0x401a
#define TPR_THRESHOLD 0x401c
#define SECONDARY_VM_EXEC_CONTROL 0x401e

/* 32-bit read-only data fields (table B-9). */
#define VM_INSTRUCTION_ERROR 0x4400
#define VM_EXIT_REASON 0x4402
#define VM_EXIT_INTR_INFO 0x4404
#define VM_EXIT_INTR_ERROR_CODE 0x4406
#define IDT_VECTORING_INFO 0x4408
#define IDT_VECTORING_ERROR_CODE 0x440a
#define VM_EXIT_INSTRUCTION_LEN 0x440c
#define VMX_INSTRUCTION_INFO 0x440e

/* 32-bit guest-state fields (table B-10). */
#define GUEST_ES_LIMIT 0x4800
#define GUEST_CS_LIMIT 0x4802
#define GUEST_SS_LIMIT 0x4804
#define GUEST_DS_LIMIT 0x4806
#define GUEST_FS_LIMIT 0x4808
#define GUEST_GS_LIMIT 0x480a
#define GUEST_LDTR_LIMIT 0x480c
#define GUEST_TR_LIMIT 0x480e
#define GUEST_GDTR_LIMIT 0x4810
#define GUEST_IDTR_LIMIT 0x4812
#define GUEST_ES_AR 0x4814
#define GUEST_CS_AR 0x4816
#define GUEST_SS_AR 0x4818
#define GUEST_DS_AR 0x481a
#define GUEST_FS_AR 0x481c
#define GUEST_GS_AR 0x481e
#define GUEST_LDTR_AR 0x4820
#define GUEST_TR_AR 0x4822
#define GUEST_INTERRUPTIBILITY 0x4824
#define GUEST_ACTIVITY_STATE 0x4826
#define GUEST_SMBASE 0x4828
#define GUEST_SYSENTER_CS 0x482a

/* 32-bit host-state field (table B-11). */
#define HOST_IA32_SYSENTER_CS 0x4c00

/* Natural-width control fields (table B-12). */
#define CR0_GUEST_HOST_MASK 0x6000
#define CR4_GUEST_HOST_MASK 0x6002
#define CR0_READ_SHADOW 0x6004
#define CR4_READ_SHADOW 0x6006
#define CR3_TARGET_VALUE0 0x6008
#define CR3_TARGET_VALUE1 0x600a
#define CR3_TARGET_VALUE2 0x600c
#define CR3_TARGET_VALUE3 0x600e

/* Natural-width read-only data fields (table B-13). */
#define EXIT_QUALIFICATION 0x6400
#define IO_RCX 0x6402
#define IO_RSI 0x6404
#define IO_RDI 0x6406
#define IO_RIP 0x6408
#define GUEST_LINEAR_ADDRESS 0x640a

/* Natural-width guest-state fields (table B-14). */
#define GUEST_CR0 0x6800
#define GUEST_CR3 0x6802
#define GUEST_CR4 0x6804
#define GUEST_ES_BASE 0x6806
#define GUEST_CS_BASE 0x6808
#define GUEST_SS_BASE 0x680a
#define GUEST_DS_BASE 0x680c
#define GUEST_FS_BASE 0x680e
#define GUEST_GS_BASE 0x6810
#define GUEST_LDTR_BASE 0x6812
#define GUEST_TR_BASE 0x6814
#define GUEST_GDTR_BASE 0x6816
#define GUEST_IDTR_BASE 0x6818
#define GUEST_DR7 0x681a
#define GUEST_RSP 0x681c
#define GUEST_RIP 0x681e
#define GUEST_RFLAGS 0x6820
#define GUEST_PENDING_DBG_EXCEPTIONS 0x6822
#define GUEST_SYSENTER_ESP 0x6824
#define GUEST_SYSENTER_EIP 0x6826

/* Natural-width host-state fields (table B-15). */
#define HOST_CR0 0x6c00
#define HOST_CR3 0x6c02
#define HOST_CR4 0x6c04
#define HOST_FS_BASE 0x6c06
#define HOST_GS_BASE 0x6c08
#define HOST_TR_BASE 0x6c0a
#define HOST_GDTR_BASE 0x6c0c
#define HOST_IDTR_BASE 0x6c0e
#define HOST_IA32_SYSENTER_ESP 0x6c10
#define HOST_IA32_SYSENTER_EIP 0x6c12
#define HOST_RSP 0x6c14
#define HOST_RIP 0x6c16

/* Pin-based controls (SDM Vol. 3C 25.6.1, table 25-5). */
#define PIN_EXT_INTR_EXITING BIT(0)
#define PIN_NMI_EXITING BIT(3)
#define PIN_VIRTUAL_NMIS BIT(5)
#define PIN_PREEMPTION_TIMER BIT(6)
#define PIN_POSTED_INTR BIT(7)

/* Primary processor-based controls (table 25-6). */
#define CPU_INTR_WINDOW_EXITING BIT(2)
#define CPU_TSC_OFFSETTING BIT(3)
#define CPU_HLT_EXITING BIT(7)
#define CPU_INVLPG_EXITING BIT(9)
#define CPU_MWAIT_EXITING BIT(10)
#define CPU_RDPMC_EXITING BIT(11)
#define CPU_RDTSC_EXITING BIT(12)
#define CPU_CR3_LOAD_EXITING BIT(15)
#define CPU_CR3_STORE_EXITING BIT(16)
#define CPU_CR8_LOAD_EXITING BIT(19)
#define CPU_CR8_STORE_EXITING BIT(20)
#define CPU_TPR_SHADOW BIT(21)
#define CPU_NMI_WINDOW_EXITING BIT(22)
#define CPU_MOV_DR_EXITING BIT(23)
#define CPU_UNCOND_IO_EXITING BIT(24)
#define CPU_USE_IO_BITMAPS BIT(25)
#define CPU_MONITOR_TRAP_FLAG BIT(27)
#define CPU_USE_MSR_BITMAPS BIT(28)
#define CPU_MONITOR_EXITING BIT(29)
#define CPU_PAUSE_EXITING BIT(30)
#define CPU_ACTIVATE_SECONDARY BIT(31)

/* Secondary processor-based controls (table 25-7). */
#define SEC_ENABLE_EPT BIT(1)
#define SEC_DESC_TABLE_EXITING BIT(2)
#define SEC_ENABLE_RDTSCP BIT(3)
#define SEC_ENABLE_VPID BIT(5)
#define SEC_WBINVD_EXITING BIT(6)
#define SEC_UNRESTRICTED_GUEST BIT(7)
#define SEC_ENABLE_INVPCID BIT(12)
#define SEC_ENABLE_VMFUNC BIT(13)
#define SEC_VMCS_SHADOWING BIT(14)
#define SEC_ENABLE_XSAVES BIT(20)
#define SEC_MODE_BASED_EPT_EXEC BIT(22)
#define SEC_ENABLE_USER_WAIT_PAUSE BIT(26)

/* VM-exit controls (SDM Vol. 3C 25.7.1, table 25-13). */
#define EXIT_SAVE_DEBUG_CTLS BIT(2)
#define EXIT_HOST_ADDR_SPACE_SIZE BIT(9)
#define EXIT_ACK_INTR_ON_EXIT BIT(15)
#define EXIT_SAVE_IA32_PAT BIT(18)
#define EXIT_LOAD_IA32_PAT BIT(19)
#define EXIT_SAVE_IA32_EFER BIT(20)
#define EXIT_LOAD_IA32_EFER BIT(21)

/* VM-entry controls (SDM Vol. 3C 25.8.1, table 25-15). */
#define ENTRY_LOAD_DEBUG_CTLS BIT(2)
#define ENTRY_IA32E_MODE BIT(9)
#define ENTRY_LOAD_IA32_PAT BIT(14)
#define ENTRY_LOAD_IA32_EFER BIT(15)

/* Activity states (SDM Vol. 3C 25.4.2). */
#define VMX_ACTIVITY_ACTIVE 0
#define VMX_ACTIVITY_HLT 1
#define VMX_ACTIVITY_SHUTDOWN 2
#define VMX_ACTIVITY_WAIT_SIPI 3

/* Segment access rights in the VMCS (SDM Vol. 3C 25.4.1, table 25-2). */
#define VMX_AR_UNUSABLE BIT(16)

/* Guest interruptibility state (SDM Vol. 3C 25.4.2, table 25-3). */
#define INTR_BLOCK_STI BIT(0)
#define INTR_BLOCK_MOV_SS BIT(1)
#define INTR_BLOCK_SMI BIT(2)
#define INTR_BLOCK_NMI BIT(3)

/* Guest pending debug exceptions (SDM Vol. 3C 25.4.2, table 25-4). */
#define PENDING_DBG_BS BIT(14)

/* EPTP (SDM Vol. 3C 25.6.11). */
#define EPTP_MT_UC 0
#define EPTP_MT_WB 6
#define EPTP_LEVELS_SHIFT 3
#define EPTP_AD_ENABLE BIT(6)

/* VM-entry interruption information (SDM Vol. 3C 25.8.3). */
#define INTR_INFO_VALID BIT(31)
#define INTR_INFO_DELIVER_CODE BIT(11)
#define INTR_INFO_VECTOR_MASK 0xffu
#define INTR_INFO_TYPE_MASK (7u << 8)
#define INTR_TYPE_EXT_INTR (0 << 8)
#define INTR_TYPE_NMI (2 << 8)
#define INTR_TYPE_HW_EXCEPTION (3 << 8)
#define INTR_TYPE_SOFT_INTR (4 << 8)
#define INTR_TYPE_PRIV_SOFT_EXCEPTION (5 << 8)
#define INTR_TYPE_SOFT_EXCEPTION (6 << 8)
#define INTR_TYPE_OTHER_EVENT (7 << 8)

/* Basic exit reasons (SDM Vol. 3D appendix C). */
#define EXIT_REASON_EXCEPTION_NMI 0
#define EXIT_REASON_EXTERNAL_INTR 1
#define EXIT_REASON_TRIPLE_FAULT 2
#define EXIT_REASON_INIT 3
#define EXIT_REASON_SIPI 4
#define EXIT_REASON_CPUID 10
#define EXIT_REASON_GETSEC 11
#define EXIT_REASON_HLT 12
#define EXIT_REASON_INVD 13
#define EXIT_REASON_INVLPG 14
#define EXIT_REASON_VMCALL 18
#define EXIT_REASON_VMCLEAR 19
#define EXIT_REASON_VMLAUNCH 20
#define EXIT_REASON_VMPTRLD 21
#define EXIT_REASON_VMPTRST 22
#define EXIT_REASON_VMREAD 23
#define EXIT_REASON_VMRESUME 24
#define EXIT_REASON_VMWRITE 25
#define EXIT_REASON_VMXOFF 26
#define EXIT_REASON_VMXON 27
#define EXIT_REASON_CR_ACCESS 28
#define EXIT_REASON_IO 30
#define EXIT_REASON_RDMSR 31
#define EXIT_REASON_WRMSR 32
#define EXIT_REASON_INVALID_STATE 33
#define EXIT_REASON_MSR_LOADING 34
#define EXIT_REASON_MTF 37
#define EXIT_REASON_MCE_DURING_ENTRY 41
#define EXIT_REASON_EPT_VIOLATION 48
#define EXIT_REASON_EPT_MISCONFIG 49
#define EXIT_REASON_INVEPT 50
#define EXIT_REASON_INVVPID 53
#define EXIT_REASON_XSETBV 55
#define EXIT_REASON_VMFUNC 59
#define EXIT_REASON_ENTRY_FAILED BIT(31)

/* EPT-violation exit qualification (SDM Vol. 3C 28.2.1, table 28-7). */
#define EPT_QUAL_READ BIT(0)
#define EPT_QUAL_WRITE BIT(1)
#define EPT_QUAL_FETCH BIT(2)
#define EPT_QUAL_GLA_VALID BIT(7)
#define EPT_QUAL_FINAL BIT(8)

#endif /* MODEX_VMX_VMCS_FIELDS_H */
