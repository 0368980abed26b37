/* SPDX-License-Identifier: MIT */
/*
 * The VMX capability MSRs Modex advertises to L1 (SDM Vol. 3D appendix A):
 * the hardware's capabilities intersected with what nested VMX emulates,
 * allowed-0 (default-1) settings kept as the hardware reports them. Pure
 * C: computed once from struct vmx_caps, then served to RDMSR.
 */
#ifndef MODEX_NESTED_NVMX_CAPS_H
#define MODEX_NESTED_NVMX_CAPS_H

#include "hv/include/types.h"
#include "vmx/vmcs_fields.h"

struct vmx_caps;

#ifndef MSR_IA32_VMX_VMCS_ENUM
#define MSR_IA32_VMX_VMCS_ENUM 0x48a
#endif
#ifndef MSR_IA32_VMX_VMFUNC
#define MSR_IA32_VMX_VMFUNC 0x491
#endif

/* The value of each capability MSR as L1 reads it. */
struct nvmx_caps {
	u64 basic; /* IA32_VMX_BASIC 0x480 */
	u64 pinbased, procbased, exit, entry; /* 0x481-0x484 */
	u64 misc; /* 0x485 */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1; /* 0x486-0x489 */
	u64 vmcs_enum; /* 0x48a */
	u64 procbased2; /* 0x48b */
	u64 ept_vpid_cap; /* 0x48c */
	u64 true_pinbased, true_procbased, true_exit,
		true_entry; /* 0x48d-0x490 */
	u64 vmfunc; /* 0x491 */
};

/* Choices the integration makes for L1. All false is the baseline. */
struct nvmx_opts {
	/* Advertise mode-based execute control (PROCBASED_CTLS2 bit 54) with
	 * advanced EPT-violation information (EPT_VPID_CAP bit 22): only
	 * when the hardware has both (the caller sets it when VMCS01 runs
	 * with MBEC on, REFERENCE.md section 1). */
	bool mbec;
	/* Advertise execute-only EPT translations (EPT_VPID_CAP bit 0) when
	 * the hardware has them (the nested EPT walker must honour them). */
	bool exec_only;
	/* Advertise the shutdown and wait-for-SIPI activity states (MISC
	 * bits 7 and 8) when the hardware has them; HLT is always offered
	 * when the hardware has it. */
	bool act_shutdown, act_wait_sipi;
};

/* Bits of IA32_VMX_BASIC (SDM Vol. 3D A.1). */
#define VMX_BASIC_REVISION_MASK 0x7fffffffULL
#define VMX_BASIC_SIZE_SHIFT 32
#define VMX_BASIC_32BIT_ADDR BIT(48)
#define VMX_BASIC_DUAL_MONITOR BIT(49)
#define VMX_BASIC_MEMTYPE_SHIFT 50
#define VMX_BASIC_INOUT BIT(54)
#define VMX_BASIC_TRUE_CTLS BIT(55)
#define VMX_BASIC_NO_HW_ERRCODE_CHECK BIT(56)

/* Bits of IA32_VMX_MISC (SDM Vol. 3D A.6). */
#define VMX_MISC_PREEMPT_RATE_MASK 0x1fULL
#define VMX_MISC_LMA_IN_IA32E BIT(5)
#define VMX_MISC_ACT_HLT BIT(6)
#define VMX_MISC_ACT_SHUTDOWN BIT(7)
#define VMX_MISC_ACT_WAIT_SIPI BIT(8)
#define VMX_MISC_PT BIT(14)
#define VMX_MISC_SMBASE_RDMSR BIT(15)
#define VMX_MISC_CR3_TARGETS_SHIFT 16
#define VMX_MISC_CR3_TARGETS_MASK (0x1ffULL << 16)
#define VMX_MISC_MSR_LIST_MASK (7ULL << 25)
#define VMX_MISC_SMM_VMXOFF_UNBLOCK BIT(28)
#define VMX_MISC_VMWRITE_ANY BIT(29)
#define VMX_MISC_ZERO_LEN_INJECT BIT(30)

/* Bits of IA32_VMX_EPT_VPID_CAP (SDM Vol. 3D A.10). */
#define VMX_EPT_EXEC_ONLY BIT(0)
#define VMX_EPT_PWL4 BIT(6)
#define VMX_EPT_PWL5 BIT(7)
#define VMX_EPT_UC BIT(8)
#define VMX_EPT_WB BIT(14)
#define VMX_EPT_2M BIT(16)
#define VMX_EPT_1G BIT(17)
#define VMX_EPT_INVEPT BIT(20)
#define VMX_EPT_AD BIT(21)
#define VMX_EPT_ADV_INFO BIT(22)
#define VMX_EPT_INVEPT_SINGLE BIT(25)
#define VMX_EPT_INVEPT_ALL BIT(26)
#define VMX_VPID_INVVPID BIT(32)
#define VMX_VPID_INDIV_ADDR BIT(40)
#define VMX_VPID_SINGLE BIT(41)
#define VMX_VPID_ALL BIT(42)
#define VMX_VPID_SINGLE_NONGLOBAL BIT(43)

/* What nested VMX emulates, per control (allowed-1 masks). */
#define NVMX_PIN_EMULATED \
	(PIN_EXT_INTR_EXITING | PIN_NMI_EXITING | PIN_VIRTUAL_NMIS)
#define NVMX_PROC_EMULATED                                                     \
	(CPU_INTR_WINDOW_EXITING | CPU_TSC_OFFSETTING | CPU_HLT_EXITING |      \
	 CPU_INVLPG_EXITING | CPU_MWAIT_EXITING | CPU_RDPMC_EXITING |          \
	 CPU_RDTSC_EXITING | CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING |    \
	 CPU_CR8_LOAD_EXITING | CPU_CR8_STORE_EXITING |                        \
	 CPU_NMI_WINDOW_EXITING | CPU_MOV_DR_EXITING | CPU_UNCOND_IO_EXITING | \
	 CPU_USE_IO_BITMAPS | CPU_USE_MSR_BITMAPS | CPU_MONITOR_EXITING |      \
	 CPU_PAUSE_EXITING | CPU_MONITOR_TRAP_FLAG | CPU_ACTIVATE_SECONDARY)
/* Without mode-based execute control, which nvmx_opts.mbec adds. */
#define NVMX_PROC2_EMULATED                                              \
	(SEC_ENABLE_EPT | SEC_DESC_TABLE_EXITING | SEC_ENABLE_RDTSCP |   \
	 SEC_ENABLE_VPID | SEC_WBINVD_EXITING | SEC_UNRESTRICTED_GUEST | \
	 SEC_ENABLE_INVPCID | SEC_ENABLE_XSAVES)
#define NVMX_EXIT_EMULATED                                                 \
	(EXIT_SAVE_DEBUG_CTLS | EXIT_HOST_ADDR_SPACE_SIZE |                \
	 EXIT_ACK_INTR_ON_EXIT | EXIT_SAVE_IA32_PAT | EXIT_LOAD_IA32_PAT | \
	 EXIT_SAVE_IA32_EFER | EXIT_LOAD_IA32_EFER)
#define NVMX_ENTRY_EMULATED                                               \
	(ENTRY_LOAD_DEBUG_CTLS | ENTRY_IA32E_MODE | ENTRY_LOAD_IA32_PAT | \
	 ENTRY_LOAD_IA32_EFER)

/*
 * Compute what L1 sees from the hardware's capability MSRs @hw and the
 * options @o (NULL: all off). 0, or
 * -E_NOSUPP when the hardware offers no basis for nested VMX (no VMCS
 * revision, no secondary controls or no EPT with a 4-level walk and a WB
 * or UC EPTP), with *out zeroed.
 */
int nvmx_caps_compute(const struct vmx_caps *hw, const struct nvmx_opts *o,
		      struct nvmx_caps *out);

/*
 * RDMSR of a VMX capability MSR by L1: 0 with *val, or -1 when the MSR
 * does not exist for L1 given what is advertised (SDM Vol. 3D A.3.3,
 * A.10, A.11: PROCBASED_CTLS2 needs primary allowed-1 bit 31; EPT_VPID_CAP
 * needs EPT or VPID allowed; TRUE_* need BASIC bit 55; VMFUNC needs the
 * "enable VM functions" control allowed) or is not a VMX MSR; the caller
 * then injects #GP.
 */
int nvmx_caps_rdmsr(const struct nvmx_caps *c, u32 msr, u64 *val);

/* Whether VMWRITE may write the exit-information fields (IA32_VMX_MISC
 * bit 29, SDM Vol. 3D A.6): the @write_ro_ok of vmcs12_write(). */
static inline bool nvmx_vmwrite_any(const struct nvmx_caps *c)
{
	return c->misc & VMX_MISC_VMWRITE_ANY;
}

/* The control MSR that governs a vmcs12 control field, TRUE variant when
 * BASIC bit 55 is set (SDM Vol. 3D A.2); 0 for a field without one. */
u64 nvmx_ctl_msr(const struct nvmx_caps *c, u32 field);

#endif /* MODEX_NESTED_NVMX_CAPS_H */
