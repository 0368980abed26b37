/* SPDX-License-Identifier: MIT */
/*
 * Nested SVM, the SVM half of nested/: the per-vCPU state and the interface
 * between its files.
 *  - nested/nsvm.c: what L1 is told (CPUID, EFER.SVME, VM_CR,
 *    VM_HSAVE_PA), the vCPU state, the SVM instructions other than VMRUN
 *    (VMLOAD, VMSAVE, STGI, CLGI, INVLPGA, SKINIT, VMMCALL), GIF.
 *  - nested/nsvm_check.c: pure rules, host-built for the unit tests: the
 *    VMRUN consistency checks on the cached vmcb12, whether L1 intercepts
 *    an exit, #NPF EXITINFO1 for L1, instruction lengths.
 *  - nested/nsvm_entry.c: VMRUN: vmcb12 read once into the cache, the
 *    checks, vmcb02 from vmcb12 and Modex's needs, TLB control.
 *  - nested/nsvm_exit.c: L2's exits: L1's or Modex's, the emulated
 *    #VMEXIT into L1, nested NPT faults on nested/shadow.c.
 * Names follow KVM: vmcb12 is what L1 wrote, vmcb02 the hardware VMCB that
 * runs L2, vmcb01 L1's own (svm/).
 * Context: the exit path of each CPU's own vCPU.
 */
#ifndef MODEX_NESTED_NSVM_H
#define MODEX_NESTED_NSVM_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"
#include "hv/vcpu.h"
#include "mm/gwalk.h"
#include "nested/shadow.h"
#include "svm/vmcb.h"

/* Modex's ASID for every L2 of L1 (VMCB01 runs L1 on ASID 1). */
#define NSVM_ASID02 2
/* Shadow table pages each vCPU may hold for NPT02 (bounded cache). */
#define NSVM_SHADOW_PAGES 512
/* The SVM revision L1 sees in CPUID 8000_000Ah EAX (APM Vol. 3 E.4.9). */
#define NSVM_REVISION 1
/* ASIDs L1 may use (CPUID 8000_000Ah EBX): 1..NSVM_NR_ASIDS-1. */
#define NSVM_NR_ASIDS 64

/* CPUID 8000_000Ah EDX bits (APM Vol. 3 E.4.9; REFERENCE.md section 2). */
#define SVM_EDX_NPT BIT(0)
#define SVM_EDX_NRIPS BIT(3)
#define SVM_EDX_VMCB_CLEAN BIT(5)
#define SVM_EDX_FLUSH_BY_ASID BIT(6)
#define SVM_EDX_VGIF BIT(16)
#define SVM_EDX_GMET BIT(17)

/* V_INTR fields of int_ctl (APM Vol. 2 15.21, table B-1 offset 060h). */
#define INT_CTL_V_TPR 0xffu
#define INT_CTL_V_IRQ BIT(8)
#define INT_CTL_V_GIF BIT(9) /* virtual GIF (APM Vol. 2 15.33.2) */
#define INT_CTL_V_INTR_PRIO (0xfu << 16)
#define INT_CTL_V_IGN_TPR BIT(20)
#define INT_CTL_V_INTR_MASKING BIT(24)
#define INT_CTL_V_GIF_ENABLE BIT(25)
/* The int_ctl bits L1 may set and Modex carries to vmcb02. */
#define INT_CTL_L1_BITS                                        \
	(INT_CTL_V_TPR | INT_CTL_V_IRQ | INT_CTL_V_INTR_PRIO | \
	 INT_CTL_V_IGN_TPR | INT_CTL_V_INTR_MASKING)

/* Exit codes beyond svm/vmcb.h (APM Vol. 2 appendix C). */
#define SVM_EXIT_DR0_READ 0x020
#define SVM_EXIT_VINTR 0x064
#define SVM_EXIT_PAUSE 0x077
#define SVM_EXIT_INVLPG 0x079
#define SVM_EXIT_EXCP_LAST 0x05f
#define SVM_EXIT_MISC1_FIRST 0x060
#define SVM_EXIT_MISC2_FIRST 0x080
#define SVM_EXIT_MISC3_FIRST 0x0a0

/* EVENTINJ types (APM Vol. 2 15.20). */
#define EVENTINJ_TYPE_MASK (7u << 8)
#define EVENTINJ_TYPE_INTR (0u << 8)
#define EVENTINJ_TYPE_SOFT (4u << 8)
#define EVENTINJ_RSVD 0x7ffff000u /* bits 30:12 */

/* The nonzero bytes of one of Modex's permission maps. */
#define NSVM_MAP_BITS_MAX 1024
struct nsvm_map_bits {
	bool ready, all; /* all: too many bytes: OR the whole map */
	u16 n;
	u16 off[NSVM_MAP_BITS_MAX];
	u8 val[NSVM_MAP_BITS_MAX];
};

/* What one of vmcb02's maps holds (nested/nsvm_entry.c): L1's map at
 * @l1_pa (if @on) as it was at write-tracking count @gen. */
struct nsvm_map_cache {
	bool valid, on;
	u8 strikes; /* copies a write made stale, up to NSVM_MAP_STRIKES */
	gpa_t l1_pa;
	u64 gen;
};
/* After this many writes to a tracked map, Modex copies it instead. */
#define NSVM_MAP_STRIKES 8

struct nsvm {
	bool svme; /* L1's EFER.SVME */
	bool gif; /* L1's virtual GIF (APM Vol. 2 15.17) */
	bool held; /* L1's interrupts are held (nsvm_set_gif()) */
	u64 hsave_pa; /* L1's VM_HSAVE_PA */
	u64 vm_cr; /* L1's VM_CR: DPD, R_INIT, DIS_A20M as written */
	gpa_t vmcb12_pa; /* the vmcb12 L2 runs on */
	struct vmcb *vmcb12; /* the cached, validated copy */
	struct vmcb *vmcb02; /* the hardware VMCB for L2 */
	struct vmcb *vmcb01; /* L1's (svm/), saved at VMRUN */
	hpa_t vmcb01_pa;
	u8 *msrpm02; /* L1's MSR permission map OR Modex's */
	u8 *iopm02; /* L1's I/O permission map OR Modex's */
	/* What the last VMRUN ran, to flush ASID 2 when it changes. */
	u64 last_ncr3;
	u32 last_asid;
	bool flush02; /* flush ASID 2 at the next VMRUN (INVLPGA, shadow) */
	bool npt12; /* vmcb12 enables nested paging */
	struct shadow_cache *shadow; /* NPT02 roots (nested/shadow.h) */
	struct shadow_env shadow_env;
	struct shadow_role role; /* of the current NPT12 */
	u32 role_flags; /* the PTF_* flags @role was built for */
	bool role_valid;
	/* L2's paging mode, for fetching its instructions (no NRIPS),
	 * and the CR0, CR3, CR4, EFER it was built for. */
	struct gwalk_mode l2_mode;
	u64 l2_mode_key[4];
	bool l2_mode_valid;
	/* The bytes Modex's own MSRPM and IOPM set (built at the first
	 * VMRUN): vmcb02's maps are L1's with these ORed in. */
	struct nsvm_map_bits msr_bits, io_bits;
	struct nsvm_map_cache msr_cache, io_cache;
};

static inline struct nsvm *to_nsvm(struct vcpu *v)
{
	return v->nested.priv;
}

/* Whether the CPU has NRIPS (then the hardware NRIP is used). */
extern bool nsvm_hw_nrips;

/* ---- nested/nsvm_check.c (pure) */
/* The features L1 is offered, from the CPU's (CPUID 8000_000Ah EDX). */
u32 nsvm_feature_edx(u32 hw_edx);
/* What the VMRUN checks depend on besides vmcb12. */
struct nsvm_check_env {
	unsigned maxphyaddr; /* the physical-address width */
	u64 cr4_mbz; /* CR4 bits reserved on this CPU (as L1 sees it) */
	u64 efer_mbz; /* EFER bits reserved on this CPU */
	bool flush_by_asid; /* advertised: TLB_CONTROL 3 and 7 are valid */
	/* Whether [gpa, gpa+len) is all L1's RAM. */
	bool (*l1_ram)(u64 gpa, u64 len);
};
/* APM Vol. 2 15.5.1: NULL when @c passes VMRUN's consistency checks,
 * else what is wrong (then VMRUN gives VMEXIT_INVALID). */
const char *nsvm_vmcb12_invalid(const struct vmcb *c,
				const struct nsvm_check_env *env);
/* Whether vmcb12's controls @c intercept the exit @code (EXITINFO1
 * @info1); @msr is ECX of an MSR exit; @msrpm/@iopm are L1's maps. */
bool nsvm_l1_intercepts(const struct vmcb_control *c, u64 code, u64 info1,
			u32 msr, const u8 *msrpm, const u8 *iopm);
/* #NPF EXITINFO1 for L1 from the NPT12 walk @w (format @fmt, L2 at @cpl)
 * and the hardware's EXITINFO1 @hw (bits 32/33). */
u64 nsvm_npf_exitinfo1(const struct pt_walk *w, const struct pt_format *fmt,
		       unsigned cpl, u64 hw);
/* The access kind of a hardware #NPF (EXITINFO1 @hw) for the NPT12
 * walk, L2 at @cpl, vmcb12's GMET @gmet. */
unsigned nsvm_npf_kind(u64 hw, bool gmet, unsigned cpl);
/* vmcb12's nested-paging control as Modex caches it (@gmet_offered:
 * CPUID 8000_000Ah EDX[17] is offered to L1), and vmcb02's from it. */
u64 nsvm_nested_ctl12(u64 nested_ctl, bool gmet_offered);
u64 nsvm_nested_ctl02(u64 nested_ctl12);
/* vmcb02's int_ctl from vmcb12's @int_ctl12 (@vgif_offered: CPUID
 * 8000_000Ah EDX[16] is offered to L1, hence the CPU has VGIF). */
u32 nsvm_int_ctl02(u32 int_ctl12, bool vgif_offered);
/* vmcb02's intercept vector 4 from vmcb12's and VMCB01's, for vmcb02's
 * int_ctl @int_ctl02. */
u32 nsvm_misc2_02(u32 misc2_12, u32 misc2_01, u32 int_ctl02);
/* vmcb12's int_ctl at #VMEXIT: L1's @int_ctl12 as L1 wrote it, with
 * what the CPU writes back from vmcb02's @int_ctl02. */
u32 nsvm_int_ctl12_exit(u32 int_ctl12, u32 int_ctl02);
/* Length of the SVM instruction or of another fixed-opcode instruction
 * an intercept reports (HLT, PAUSE, CPUID, RDTSC, ...) at @bytes, or 0;
 * *addr32 (may be NULL): an address-size prefix (67h) precedes it. */
u32 nsvm_insn_len(const u8 *bytes, unsigned n, bool long64, bool *addr32);

/* ---- nested/nsvm.c */
/* L1's virtual GIF changed: hold or release L1's interrupts. */
void nsvm_set_gif(struct vcpu *v, bool gif);
/* Copy the state VMLOAD/VMSAVE move between @from and @to (15.5.2). */
void nsvm_copy_vmload_state(struct vmcb_save *to, const struct vmcb_save *from);

/* ---- nested/nsvm_entry.c */
/* VMRUN by L1, its instruction checks passed, rAX = @pa. */
void nsvm_vmrun(struct vcpu *v, gpa_t pa);
/* The nested MMU role of vmcb12's NPT12. */
int nsvm_shadow_role(struct vcpu *v, struct shadow_role *r);
int nsvm_shadow_init(struct vcpu *v);

/* ---- nested/nsvm_exit.c */
bool nsvm_l2_exit(struct vcpu *v);
/* The emulated #VMEXIT into L1 with these exit fields (APM Vol. 2
 * 15.6, 15.7); the rest comes from vmcb02. */
void nsvm_vmexit(struct vcpu *v, u64 code, u64 info1, u64 info2);
/* Fetch up to @len bytes of L2's instruction at RIP; how many. */
unsigned nsvm_fetch_l2(struct vcpu *v, u8 *buf, unsigned len);

#endif /* MODEX_NESTED_NSVM_H */
