/* SPDX-License-Identifier: MIT */
/*
 * Group "vmentry" of the L1 test hypervisor: randomized vmcs12 mutations
 * and VM entries, each compared with a reference model of the VM-entry
 * checks of SDM Vol. 3C chapter 27 (vmentry_model.c). The VMCS fields the
 * group mutates are tracked by index in rnd_cur[], the values the model
 * sees (as the VMCS holds them: truncated to the field's width).
 * Context: L1 at CPL 0, VMX on, the library's VMCS current.
 */
#ifndef MODEX_TESTS_GUEST_VMX_VMENTRY_H
#define MODEX_TESTS_GUEST_VMX_VMENTRY_H

#include "tests/guest/vmx/vmx.h"

/* The tracked fields. Segment fields: 8 each, in SEG_ES..SEG_TR order. */
enum rnd_field {
	F_PIN,
	F_PROC,
	F_PROC2,
	F_EXIT,
	F_ENTRY,
	F_EXC,
	F_CR3TC,
	F_IOA,
	F_IOB,
	F_MSRBM,
	F_EPTP,
	F_VPID,
	F_IINFO,
	F_IERR,
	F_ILEN,
	F_XSC, /* exit MSR-store count and address */
	F_XSA,
	F_XLC, /* exit MSR-load */
	F_XLA,
	F_ELC, /* entry MSR-load */
	F_ELA,
	F_VAPIC,
	F_TPR,
	F_APICACC,
	F_PIDESC,
	F_PIVEC,
	F_PML,
	F_VEINFO,
	F_VMRBM,
	F_VMWBM,
	F_HCR0,
	F_HCR3,
	F_HCR4,
	F_HSEL, /* 7: ES CS SS DS FS GS TR */
	F_HFSB = F_HSEL + 7,
	F_HGSB,
	F_HTRB,
	F_HGDTRB,
	F_HIDTRB,
	F_HSEP,
	F_HSIP,
	F_HRIP,
	F_HEFER,
	F_HPAT,
	F_GCR0,
	F_GCR3,
	F_GCR4,
	F_GDR7,
	F_GRFL,
	F_GRIP,
	F_GRSP,
	F_GEFER,
	F_GPAT,
	F_GDBGCTL,
	F_GSEL, /* 8 each */
	F_GBASE = F_GSEL + 8,
	F_GLIM = F_GBASE + 8,
	F_GAR = F_GLIM + 8,
	F_GDTRB = F_GAR + 8,
	F_GDTRL,
	F_IDTRB,
	F_IDTRL,
	F_GACT,
	F_GINT,
	F_GPDBG,
	F_GLINK,
	F_GSEP,
	F_GSIP,
	F_NR
};

/*
 * The VMCS as the model sees it (rnd_cur), the known-good one (rnd_base),
 * the encodings, which fields this VMX has, and the fields an iteration
 * changed (rnd_touched, in order in rnd_order). vmentry.c owns them.
 */
extern u64 rnd_cur[F_NR], rnd_base[F_NR];
extern u16 rnd_enc[F_NR];
extern bool rnd_present[F_NR], rnd_touched[F_NR];
extern u8 rnd_order[F_NR], rnd_n_touched;
#define V(f) rnd_cur[f]
/* A mutation that may change what L2 does after a successful entry. */
extern bool rnd_disruptive;
/* L1's IA32_PAT, the valid PAT the mutations start from. */
extern u64 rnd_l1_pat;
/* @v as a VMCS field of @f's width holds it. */
u64 rnd_truncate(unsigned f, u64 v);
void rnd_field_name(unsigned f, char *buf, size_t len);

/* The generator (vmentry_gen.c). */
void rnd_seed(u64 seed);
u64 rnd_below(u64 n);
bool rnd_chance(unsigned pct);
/* One mutation of a random kind; returns the kind's name. */
const char *rnd_mutate_one(void);
/* The group's own pages and MSR lists, into rnd_base[]. */
void rnd_pages_init(void);

/* Extra encodings (SDM Vol. 3D appendix B) the library does not name. */
#define ENC_POSTED_VECTOR 0x0002
#define ENC_PML_ADDR 0x200e
#define ENC_VAPIC_ADDR 0x2012
#define ENC_APIC_ACCESS 0x2014
#define ENC_PI_DESC 0x2016
#define ENC_VMREAD_BM 0x2026
#define ENC_VMWRITE_BM 0x2028
#define ENC_VE_INFO 0x202a
#define ENC_GUEST_PAT 0x2804
#define ENC_HOST_PAT 0x2c00
#define ENC_TPR_THRESHOLD 0x401c

/* Control bits the model knows (SDM Vol. 3C 25.6, 25.7, 25.8). */
#define PIN_VNMI BIT(5)
#define PIN_POSTED BIT(7)
#define PROC_IWIN BIT(2)
#define PROC_NMIWIN BIT(22)
#define PROC_MTF BIT(27)
#define PROC2_APIC_ACC BIT(0)
#define PROC2_X2APIC BIT(4)
#define PROC2_UG BIT(7)
#define PROC2_APIC_REG BIT(8)
#define PROC2_VID BIT(9)
#define PROC2_VMFUNC BIT(13)
#define PROC2_SHADOW BIT(14)
#define PROC2_PML BIT(17)
#define PROC2_VE BIT(18)
#define PROC2_TSC_SCALE BIT(25)
#define EXIT_SAVE_DBG BIT(2)
#define EXIT_LOAD_PERF BIT(12)
#define EXIT_SAVE_PAT BIT(18)
#define EXIT_LOAD_PAT BIT(19)
#define EXIT_SAVE_EFER BIT(20)
#define EXIT_SAVE_PREEMPT BIT(22)
#define ENTRY_LOAD_DBG BIT(2)
#define ENTRY_SMM BIT(10)
#define ENTRY_DUAL BIT(11)
#define ENTRY_LOAD_PERF BIT(13)
#define ENTRY_LOAD_PAT BIT(14)

#define CR0_PE BIT(0)
#define CR0_WP BIT(16)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define CR4_PCIDE BIT(17)
#define CR4_CET BIT(23)
#define RFL_TF BIT(8)
#define RFL_IF BIT(9)
#define RFL_VM BIT(17)
#define EFER_SCE BIT(0)
#define AR_UNUSABLE BIT(16)

/* Physical page the model reads the VTPR of (vmentry.c owns it). */
extern u64 rnd_vapic_pa;
/* Entry MSR-load list the group points at (4 entries), for the model. */
struct rnd_msr {
	u32 index, reserved;
	u64 value;
};
extern struct rnd_msr rnd_entry_list[4];
extern unsigned rnd_linear_bits;
/* Bochs (its VMX deviations), under Modex (its choices); CET shadow stacks. */
extern bool rnd_bochs, rnd_modex, rnd_cet_ss;

/*
 * Outcomes, as a set: the model gives every outcome the SDM allows, the
 * group's result must be one of them. A VM-entry-failure exit 33 carries
 * its qualification in the outcome (27.8: 0, 2 PDPTE, 3 NMI with STI
 * blocking, 4 link pointer); 34 the 1-based index of the failing entry.
 */
enum rnd_outcome {
	O_OK, /* an exit of L2 (the entry succeeded) */
	O_FAIL7, /* VMfailValid(7): control fields */
	O_FAIL8, /* VMfailValid(8): host state */
	O_INVALID, /* VMfailInvalid */
	O_X33Q0,
	O_X33Q2,
	O_X33Q3,
	O_X33Q4,
	O_X34,
	O_OTHER, /* anything else (never expected) */
	O_NR
};

struct rnd_expect {
	u32 set; /* BIT(O_...) */
	u32 msr_index; /* for O_X34 */
};

/* The model: the outcomes the SDM allows for the VMCS in rnd_cur[]. */
void rnd_model(struct rnd_expect *x);

/* Canonical for the processor's linear-address width (SDM Vol. 1 3.3.7.1). */
static inline bool rnd_canonical(u64 a)
{
	s64 s = (s64)(a << (64 - rnd_linear_bits)) >> (64 - rnd_linear_bits);

	return (u64)s == a;
}

#endif /* MODEX_TESTS_GUEST_VMX_VMENTRY_H */
