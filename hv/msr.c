// SPDX-License-Identifier: MIT
/*
 * Memory-type and debug MSRs for L1 (hv/msr.h): L1's MTRRs kept virtual
 * and honoured through stage 2, PAT and DEBUGCTL where the vendor does not
 * switch them, IA32_MISC_ENABLE on Intel, and Modex's host PAT.
 * Context: boot CPU at setup; then the exit path of the vCPU's CPU.
 */
#include "hv/msr.h"

#define LOG_PREFIX "msr"
#include "hv/features.h"
#include "hv/guest.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/log.h"
#include "hv/msr_policy.h"
#include "hv/smp.h"
#include "hv/vendor.h"

#define CPUID1_EDX_MTRR BIT(12)
#define CPUID1_EDX_PAT BIT(16)
/* AMD's RdMem/WrMem bits of each fixed-range type field (APM Vol. 2
 * 7.9.1): offered to L1 as with SYSCFG.MtrrFixDramModEn clear, i.e. 0. */
#define FIXED_TYPE_BITS 0x0707070707070707ULL

/*
 * IA32_MISC_ENABLE (SDM Vol. 4 table 2-2). L1 may clear but never set
 * the CPUID limit (CPUID would stop at leaf 2 for Modex too) or XD
 * disable (NX would go, and with it every NX bit of Modex's own tables
 * would be reserved: SDM Vol. 3A 4.1.4). The rest it changes in the
 * hardware, as it would bare: the other architectural bits (fast strings,
 * thermal control, SpeedStep, MONITOR, xTPR) change how fast Modex runs,
 * not what it does; model-specific bits (prefetchers, turbo on the models
 * that have them) go through the same way.
 */
#define MISC_LIMIT_CPUID BIT(22)
#define MISC_XD_DISABLE BIT(34)
#define MISC_NEVER_SET (MISC_LIMIT_CPUID | MISC_XD_DISABLE)
/*
 * Bochs's Intel models implement no IA32_MISC_ENABLE (every Intel CPU with
 * VMX has it), and Linux's verify_cpu reads it before it has an IDT. There
 * L1 gets a virtual one per vCPU: the architectural read/write bits, read-
 * only "BTS unavailable" (11) and "PEBS unavailable" (12) set, fast
 * strings on; anything else #GPs.
 */
#define MISC_VIRT_RW                                                        \
	(BIT(0) | BIT(3) | BIT(16) | BIT(18) | MISC_LIMIT_CPUID | BIT(23) | \
	 MISC_XD_DISABLE)
#define MISC_VIRT_RO (BIT(11) | BIT(12))
#define MISC_VIRT_RESET (BIT(0) | MISC_VIRT_RO)

/* Machine-wide: the firmware's MTRRs, read once on the boot CPU. */
static struct mtrr_state boot_mtrrs;
/* Machine-wide: the CPU is Intel but has no IA32_MISC_ENABLE. */
static bool misc_enable_virtual;

void msr_host_cpu_init(void)
{
	/* SDM Vol. 3A 12.12.4: Modex's tables use entry 0 only, which stays
	 * WB, so the change needs no cache or TLB flush for Modex. */
	if (cpuid(1).edx & CPUID1_EDX_PAT)
		wrmsr(MSR_IA32_PAT, MODEX_HOST_PAT);
	/* DEBUGCTL 0 (no LBR, BTF or PMC pins on Modex's code; APM Vol. 2
	 * 13.1.1): the value L1 reads where the MSR passes through for reads
	 * (SVM without LBR virtualization, msr_virt_write()). A CPU without
	 * the MSR faults here and in L1 alike. */
	(void)wrmsr_safe(MSR_IA32_DEBUGCTL, 0);
}

static void read_hw_mtrrs(struct mtrr_state *s)
{
	u32 n;

	memset(s, 0, sizeof(*s));
	s->maxphyaddr = cpu_features.maxphyaddr;
	if (!(cpuid(1).edx & CPUID1_EDX_MTRR))
		return;
	s->cap = mtrr_cap_for_l1(rdmsr(MSR_MTRRCAP));
	s->def_type = rdmsr(MSR_MTRR_DEF_TYPE);
	if (s->cap & MTRRCAP_FIX) {
		s->fixed[0] = rdmsr(MSR_MTRR_FIX64K_00000);
		s->fixed[1] = rdmsr(MSR_MTRR_FIX16K_80000);
		s->fixed[2] = rdmsr(MSR_MTRR_FIX16K_A0000);
		for (u32 i = 0; i < 8; i++)
			s->fixed[3 + i] = rdmsr(MSR_MTRR_FIX4K_C0000 + i);
		for (u32 i = 0; i < MTRR_NR_FIXED; i++)
			s->fixed[i] &= FIXED_TYPE_BITS;
	}
	n = (u32)(s->cap & MTRRCAP_VCNT_MASK);
	for (u32 i = 0; i < n; i++) {
		s->var[i].base = rdmsr(MSR_MTRR_PHYSBASE0 + 2 * i);
		s->var[i].mask = rdmsr(MSR_MTRR_PHYSBASE0 + 2 * i + 1);
	}
	if ((rdmsr(MSR_MTRRCAP) & MTRRCAP_VCNT_MASK) > MTRR_MAX_VAR)
		log_warn(
			"the CPU has more than %u variable MTRRs; L1 sees %u and Modex honours those only.",
			MTRR_MAX_VAR, MTRR_MAX_VAR);
}

void msr_boot_cpu_init(void)
{
	u64 misc;

	msr_host_cpu_init();
	read_hw_mtrrs(&boot_mtrrs);
	if (cpu_features.vendor == VENDOR_INTEL &&
	    rdmsr_safe(MSR_IA32_MISC_ENABLE, &misc)) {
		misc_enable_virtual = true;
		log_info(
			"the CPU has no IA32_MISC_ENABLE (an emulator); L1 gets a virtual one.");
	}
	log_info(
		"L1's MTRRs: virtual, from the firmware's (MTRRCAP %#lx, default type %#lx); host PAT %#lx.",
		boot_mtrrs.cap, boot_mtrrs.def_type, (u64)MODEX_HOST_PAT);
}

const struct mtrr_state *msr_boot_mtrrs(void)
{
	return &boot_mtrrs;
}

void msr_vcpu_init(struct vcpu *v)
{
	v->msr.mtrr = boot_mtrrs;
	v->msr.misc_enable = MISC_VIRT_RESET;
}

static int misc_enable_read(struct vcpu *v, u64 *val)
{
	if (misc_enable_virtual) {
		*val = v->msr.misc_enable;
		return MSRV_DONE;
	}
	return rdmsr_safe(MSR_IA32_MISC_ENABLE, val) ? MSRV_GP : MSRV_DONE;
}

static int misc_enable_write(struct vcpu *v, u64 val)
{
	u64 cur;

	if (misc_enable_read(v, &cur))
		return MSRV_GP;
	/* Refused like the decode MSRs' writes: a #GP, nothing logged. */
	if ((val & ~cur) & MISC_NEVER_SET)
		return MSRV_GP;
	if (!misc_enable_virtual)
		return wrmsr_safe(MSR_IA32_MISC_ENABLE, val) ? MSRV_GP :
							       MSRV_DONE;
	if ((val ^ cur) & ~MISC_VIRT_RW)
		return MSRV_GP;
	v->msr.misc_enable = val;
	return MSRV_DONE;
}

/*
 * One stage 2 serves every CPU; it follows the MTRRs of L1's BSP, which
 * firmware and OSes keep identical on every CPU (SDM Vol. 3A 12.11.8).
 */
static int mtrr_write_and_apply(struct vcpu *v, u32 msr, u64 val)
{
	struct mtrr_state old = v->msr.mtrr;

	if (mtrr_write(&v->msr.mtrr, msr, val))
		return MSRV_GP;
	if (v == smp_vcpu(0) && mtrr_types_differ(&old, &v->msr.mtrr))
		guest_stage2_retype(v, &v->msr.mtrr);
	return MSRV_DONE;
}

int msr_virt_read(struct vcpu *v, u32 msr, u64 *val)
{
	if (msr == MSR_IA32_MISC_ENABLE && cpu_features.vendor == VENDOR_INTEL)
		return misc_enable_read(v, val);
	if (mtrr_is_msr(msr))
		return mtrr_read(&v->msr.mtrr, msr, val) ? MSRV_GP : MSRV_DONE;
	if (msr == MSR_IA32_PAT && vendor->read_pat) {
		*val = vendor->read_pat(v);
		return MSRV_DONE;
	}
	return MSRV_NOT_MINE;
}

int msr_virt_write(struct vcpu *v, u32 msr, u64 val)
{
	if (msr == MSR_IA32_MISC_ENABLE && cpu_features.vendor == VENDOR_INTEL)
		return misc_enable_write(v, val);
	if (mtrr_is_msr(msr))
		return mtrr_write_and_apply(v, msr, val);
	if (msr == MSR_IA32_PAT && vendor->write_pat) {
		if (!pat_valid(val))
			return MSRV_GP;
		vendor->write_pat(v, val);
		return MSRV_DONE;
	}
	if (msr == MSR_IA32_DEBUGCTL)
		/* Writes exit only on SVM without LBR virtualization, where
		 * L1's LBR, BTF and PMC pins would act on Modex's code (APM
		 * Vol. 2 13.1.1, DebugCtl): only 0 is accepted, anything else
		 * is refused as unsupported. The hardware register stays 0
		 * (msr_host_cpu_init()), which is what L1's reads, not
		 * intercepted, return; writing 0 again gives L1 the CPU's own
		 * answer where it has no DEBUGCTL. */
		return val || wrmsr_safe(MSR_IA32_DEBUGCTL, 0) ? MSRV_GP :
								 MSRV_DONE;
	return MSRV_NOT_MINE;
}
