/* SPDX-License-Identifier: MIT */
/*
 * The VMCS01 builder: a pure function of the VMX capability MSRs, Modex's
 * configuration and host state, L1's boot CPU state and the EPT01 root,
 * producing the list of (field, value) pairs vmx/vmx.c writes with VMWRITE.
 * Pure C (no hardware access): it builds hosted for the unit tests, which
 * feed it any capability set. Also owns the other pure VMX rules: control
 * adjustment (SDM Vol. 3D A.3-A.5), CR0/CR4 fixed bits and read shadows,
 * EPTP, the MBEC decision and the MSR bitmap contents.
 */
#ifndef MODEX_VMX_VMCS_BUILD_H
#define MODEX_VMX_VMCS_BUILD_H

#include "hv/include/types.h"

struct boot_cpu_state;
struct guest_regs;

/* The raw capability MSRs (SDM Vol. 3D appendix A); true_* are read only
 * when IA32_VMX_BASIC bit 55 says they exist. */
struct vmx_caps {
	u64 basic, misc;
	u64 pinbased, procbased, exit, entry;
	u64 true_pinbased, true_procbased, true_exit, true_entry;
	u64 procbased2, ept_vpid_cap;
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
};

/* Modex's own state, loaded on every VM exit (SDM Vol. 3C 25.5, 28.5). */
struct vmx_host_state {
	u64 cr0, cr3, cr4, efer, pat;
	u16 cs, ss, ds, es, fs, gs, tr;
	u64 fs_base, gs_base, tr_base, gdtr_base, idtr_base;
	u64 rip, rsp;
};

struct vmcs01_config {
	u16 vpid; /* used when nonzero and the CPU has VPID */
	hpa_t msr_bitmap; /* required: 4 KiB, from vmx_msr_bitmap_init() */
	hpa_t io_bitmap_a; /* 0: no I/O bitmaps, all I/O passes through */
	hpa_t io_bitmap_b;
	hpa_t ept_root; /* EPT01 PML4 */
	struct vmx_host_state host;
};

struct vmcs_field_val {
	u32 field;
	u64 value;
};

#define VMCS01_MAX_FIELDS 112

struct vmcs01 {
	struct vmcs_field_val f[VMCS01_MAX_FIELDS];
	unsigned int n;
	/* Decisions, for the banner and the exit handlers. */
	u32 pin, proc, proc2, exit_ctl, entry_ctl;
	u64 eptp, cr0_mask, cr4_mask;
	bool mbec, vpid;
	/* Set when vmcs01_build() refuses: the missing capability, named. */
	const char *why;
};

/* A segment register as the VMCS holds it (SDM Vol. 3C 25.4.1). */
struct vmx_seg {
	u16 sel;
	u32 limit;
	u32 ar; /* access rights; VMX_AR_UNUSABLE for none */
	u64 base;
};

/* L1's initial register state in VMCS terms, from its boot_cpu_state. */
struct vmx_guest_init {
	u64 cr0, cr3, cr4, efer, rip, rsp, rflags;
	struct vmx_seg es, cs, ss, ds, fs, gs, ldtr, tr;
	u64 gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit;
};

/* The control MSR that governs a control field: the TRUE variant when
 * IA32_VMX_BASIC bit 55 is set (SDM Vol. 3D A.2). */
u64 vmx_ctl_msr(const struct vmx_caps *c, u32 field);

/*
 * Adjust a control value to a capability MSR (SDM Vol. 3D A.3-A.5): bits
 * clear in the low dword (allowed-0) are forced on, bits clear in the high
 * dword (allowed-1) are dropped. Returns the bits of @required that the
 * CPU cannot set (0 when all are available).
 */
u32 vmx_adjust_ctl(u64 cap, u32 required, u32 wanted, u32 *out);

/* MBEC in VMCS01 needs both the control and advanced EPT-violation
 * information (REFERENCE.md section 1). */
bool vmx_caps_mbec(const struct vmx_caps *c);
bool vmx_caps_unrestricted_guest(const struct vmx_caps *c);

/* The bits of CR0/CR4 Modex owns (guest/host mask) and the value the
 * hardware register must hold for a value L1 asked for (SDM Vol. 3D A.7,
 * A.8; unrestricted guest exempts CR0.PE and CR0.PG, SDM Vol. 3C 27.3.1.1). */
u64 vmx_cr0_mask(const struct vmx_caps *c);
u64 vmx_cr4_mask(const struct vmx_caps *c);
u64 vmx_cr0_real(const struct vmx_caps *c, u64 guest_val);
u64 vmx_cr4_real(const struct vmx_caps *c, u64 guest_val);
/* Whether L1 may load this CR4 value (unsupported bits; VMXE only when
 * Modex offers L1 VMX, @vmx_offered). */
bool vmx_cr4_guest_valid(const struct vmx_caps *c, u64 val, bool vmx_offered);

/* mm/ format flags (PTF_*) for EPT01 as VMCS01 will run it: MBEC per
 * vmx_caps_mbec(), execute-only, 2 MiB and 1 GiB pages per EPT_VPID_CAP. */
u32 vmx_ept_format_flags(const struct vmx_caps *c);

/* EPTP for a 4-level root: WB when the CPU allows it, else UC; 0 if the
 * CPU supports neither or no 4-level walk (SDM Vol. 3C 25.6.11). */
u64 vmx_eptp(const struct vmx_caps *c, hpa_t root);

/* Fill the 4 KiB MSR bitmap: everything passes through except the MSRs
 * that describe VMX (SDM Vol. 3C 25.6.9). */
void vmx_msr_bitmap_init(u8 *bitmap);
bool vmx_msr_bitmap_intercepts(const u8 *bitmap, u32 msr, bool write);
/* Set or clear one MSR's read or write bit (MSRs outside both ranges
 * have none: always intercepted). */
void vmx_msr_bitmap_set(u8 *bitmap, u32 msr, bool write, bool intercept);

/* Translate the boot protocol's CPU state into VMCS terms and the GPRs;
 * -E_INVAL if it is not one VMX can enter. (vmx/vmcs_guest.c) */
int vmx_guest_init_from_boot(const struct boot_cpu_state *s,
			     struct vmx_guest_init *g, struct guest_regs *r);

/* NULL if Modex can run on these capabilities, else what is missing, as
 * a sentence fragment ("the CPU lacks ..."). */
const char *vmx_caps_missing(const struct vmx_caps *c);

/* Build VMCS01. 0, or -E_NOSUPP with out->why naming what the CPU lacks,
 * or -E_INVAL (with out->why) when the configuration is unusable. */
int vmcs01_build_init(const struct vmx_caps *c, const struct vmcs01_config *cfg,
		      const struct vmx_guest_init *g, struct vmcs01 *out);
int vmcs01_build(const struct vmx_caps *c, const struct vmcs01_config *cfg,
		 const struct boot_cpu_state *s, struct vmcs01 *out);

/* The value of @field in @v, or @dflt if the builder did not set it. */
u64 vmcs01_get(const struct vmcs01 *v, u32 field, u64 dflt);

#endif /* MODEX_VMX_VMCS_BUILD_H */
