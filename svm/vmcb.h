/* SPDX-License-Identifier: MIT */
/*
 * The VMCB (virtual machine control block) layout, APM Vol. 2 appendix B
 * (table B-1 control area, table B-2 state save area), the intercept bits,
 * the exit codes (appendix C) and the bits Modex uses in its fields.
 * Hardware layout only: no code.
 */
#ifndef MODEX_SVM_VMCB_H
#define MODEX_SVM_VMCB_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"

/* Intercept vector 3, control offset 0x00c (APM Vol. 2 table B-1). */
#define INTERCEPT_INTR BIT(0)
#define INTERCEPT_NMI BIT(1)
#define INTERCEPT_SMI BIT(2)
#define INTERCEPT_INIT BIT(3)
#define INTERCEPT_CPUID BIT(18)
#define INTERCEPT_INVD BIT(22)
#define INTERCEPT_HLT BIT(24)
#define INTERCEPT_INVLPGA BIT(26)
#define INTERCEPT_IOIO_PROT BIT(27)
#define INTERCEPT_MSR_PROT BIT(28)
#define INTERCEPT_SHUTDOWN BIT(31)

/* Intercept vector 4, control offset 0x010. */
#define INTERCEPT_VMRUN BIT(0)
#define INTERCEPT_VMMCALL BIT(1)
#define INTERCEPT_VMLOAD BIT(2)
#define INTERCEPT_VMSAVE BIT(3)
#define INTERCEPT_STGI BIT(4)
#define INTERCEPT_CLGI BIT(5)
#define INTERCEPT_SKINIT BIT(6)
#define INTERCEPT_WBINVD BIT(9)
#define INTERCEPT_XSETBV BIT(13)

/* TLB_CONTROL, offset 0x05c (APM Vol. 2 15.16.1). */
#define TLB_CONTROL_DO_NOTHING 0
#define TLB_CONTROL_FLUSH_ALL 1
#define TLB_CONTROL_FLUSH_ASID 3

/* Nested paging control, offset 0x090 (APM Vol. 2 15.25.3; GMET: 15.25.8,
 * REFERENCE.md section 2). */
#define NESTED_CTL_NP_ENABLE BIT(0)
#define NESTED_CTL_GMET BIT(3)

/* EVENTINJ, offset 0x0a8 (APM Vol. 2 15.20). */
#define EVENTINJ_VALID BIT(31)
#define EVENTINJ_ERR_VALID BIT(11)
#define EVENTINJ_TYPE_NMI (2u << 8)
#define EVENTINJ_TYPE_EXCEPTION (3u << 8)

/* #NPF EXITINFO1 bits: mm/pt_walk.h (NPF_*), shared with nested/. */

/* IOIO EXITINFO1 (APM Vol. 2 15.10.2). */
#define IOIO_IN BIT(0)
#define IOIO_STR BIT(2)
#define IOIO_REP BIT(3)
#define IOIO_SZ8 BIT(4)
#define IOIO_SZ16 BIT(5)
#define IOIO_SZ32 BIT(6)

/* Exit codes (APM Vol. 2 appendix C, table C-1). */
#define SVM_EXIT_CR0_READ 0x000
#define SVM_EXIT_CR0_WRITE 0x010
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_WBINVD 0x089
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_INVLPGA 0x07a
#define SVM_EXIT_IOIO 0x07b
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_XSETBV 0x08d
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID ((u64)-1)

/* A segment register in the state save area (APM Vol. 2 15.5.1, B-2):
 * attrib packs descriptor bits 47:40 into 7:0 and 55:52 into 11:8. */
struct vmcb_seg {
	u16 sel;
	u16 attrib;
	u32 limit;
	u64 base;
};
_Static_assert(sizeof(struct vmcb_seg) == 16, "vmcb_seg");

#define SEG_ATTR_TYPE(t) ((t)&0xf)
#define SEG_ATTR_S BIT(4)
#define SEG_ATTR_DPL(d) (((d)&3) << 5)
#define SEG_ATTR_P BIT(7)
#define SEG_ATTR_L BIT(9)
#define SEG_ATTR_DB BIT(10)
#define SEG_ATTR_G BIT(11)

/* The offset columns are the point of these tables. */
/* clang-format off */
struct vmcb_control {
	u32 intercept_cr;		/* 0x000: 15:0 reads, 31:16 writes */
	u32 intercept_dr;		/* 0x004 */
	u32 intercept_exceptions;	/* 0x008 */
	u32 intercept_misc1;		/* 0x00c: vector 3 */
	u32 intercept_misc2;		/* 0x010: vector 4 */
	u32 intercept_misc3;		/* 0x014: vector 5 */
	u8 rsvd_018[0x03c - 0x018];
	u16 pause_filter_thresh;	/* 0x03c */
	u16 pause_filter_count;		/* 0x03e */
	u64 iopm_base_pa;		/* 0x040 */
	u64 msrpm_base_pa;		/* 0x048 */
	u64 tsc_offset;			/* 0x050 */
	u32 asid;			/* 0x058 */
	u8 tlb_control;			/* 0x05c */
	u8 rsvd_05d[3];
	u32 int_ctl;			/* 0x060: V_TPR, V_IRQ, V_INTR_MASKING */
	u32 int_vector;			/* 0x064 */
	u32 int_state;			/* 0x068: bit 0 interrupt shadow */
	u8 rsvd_06c[4];
	u64 exit_code;			/* 0x070 */
	u64 exit_info_1;		/* 0x078 */
	u64 exit_info_2;		/* 0x080 */
	u32 exit_int_info;		/* 0x088 */
	u32 exit_int_info_err;		/* 0x08c */
	u64 nested_ctl;			/* 0x090: NP_ENABLE, GMET */
	u64 avic_vapic_bar;		/* 0x098 */
	u64 ghcb_gpa;			/* 0x0a0 */
	u32 event_inj;			/* 0x0a8 */
	u32 event_inj_err;		/* 0x0ac */
	u64 nested_cr3;			/* 0x0b0 */
	u64 virt_ext;			/* 0x0b8: LBR virt, VMSAVE/VMLOAD virt */
	u32 clean;			/* 0x0c0: VMCB clean bits */
	u8 rsvd_0c4[4];
	u64 next_rip;			/* 0x0c8: with NRIPS */
	u8 insn_len;			/* 0x0d0: with decode assists */
	u8 insn_bytes[15];		/* 0x0d1 */
	u64 avic_backing_page;		/* 0x0e0 */
	u8 rsvd_0e8[8];
	u64 avic_logical_id;		/* 0x0f0 */
	u64 avic_physical_id;		/* 0x0f8 */
	u8 rsvd_100[0x400 - 0x100];
};

struct vmcb_save {
	struct vmcb_seg es;		/* 0x400 */
	struct vmcb_seg cs;		/* 0x410 */
	struct vmcb_seg ss;		/* 0x420 */
	struct vmcb_seg ds;		/* 0x430 */
	struct vmcb_seg fs;		/* 0x440 */
	struct vmcb_seg gs;		/* 0x450 */
	struct vmcb_seg gdtr;		/* 0x460: base and limit only */
	struct vmcb_seg ldtr;		/* 0x470 */
	struct vmcb_seg idtr;		/* 0x480: base and limit only */
	struct vmcb_seg tr;		/* 0x490 */
	u8 rsvd_4a0[0x4cb - 0x4a0];
	u8 cpl;				/* 0x4cb */
	u8 rsvd_4cc[4];
	u64 efer;			/* 0x4d0 */
	u8 rsvd_4d8[0x548 - 0x4d8];
	u64 cr4;			/* 0x548 */
	u64 cr3;			/* 0x550 */
	u64 cr0;			/* 0x558 */
	u64 dr7;			/* 0x560 */
	u64 dr6;			/* 0x568 */
	u64 rflags;			/* 0x570 */
	u64 rip;			/* 0x578 */
	u8 rsvd_580[0x5d8 - 0x580];
	u64 rsp;			/* 0x5d8 */
	u64 s_cet;			/* 0x5e0 */
	u64 ssp;			/* 0x5e8 */
	u64 isst_addr;			/* 0x5f0 */
	u64 rax;			/* 0x5f8 */
	u64 star;			/* 0x600 */
	u64 lstar;			/* 0x608 */
	u64 cstar;			/* 0x610 */
	u64 sfmask;			/* 0x618 */
	u64 kernel_gs_base;		/* 0x620 */
	u64 sysenter_cs;		/* 0x628 */
	u64 sysenter_esp;		/* 0x630 */
	u64 sysenter_eip;		/* 0x638 */
	u64 cr2;			/* 0x640 */
	u8 rsvd_648[0x668 - 0x648];
	u64 g_pat;			/* 0x668 */
	u64 dbgctl;			/* 0x670 */
	u64 br_from;			/* 0x678 */
	u64 br_to;			/* 0x680 */
	u64 last_excp_from;		/* 0x688 */
	u64 last_excp_to;		/* 0x690 */
	u8 rsvd_698[0x1000 - 0x698];
};

/* clang-format on */

/* One 4 KiB page, 4 KiB aligned (APM Vol. 2 15.5.1). */
struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
};

#define VMCB_CTL_OFF(f) offsetof(struct vmcb, ctl.f)
#define VMCB_SAVE_OFF(f) offsetof(struct vmcb, save.f)

_Static_assert(sizeof(struct vmcb) == 4096, "VMCB is one page");
_Static_assert(VMCB_CTL_OFF(intercept_misc1) == 0x00c, "vmcb");
_Static_assert(VMCB_CTL_OFF(intercept_misc2) == 0x010, "vmcb");
_Static_assert(VMCB_CTL_OFF(pause_filter_thresh) == 0x03c, "vmcb");
_Static_assert(VMCB_CTL_OFF(iopm_base_pa) == 0x040, "vmcb");
_Static_assert(VMCB_CTL_OFF(msrpm_base_pa) == 0x048, "vmcb");
_Static_assert(VMCB_CTL_OFF(tsc_offset) == 0x050, "vmcb");
_Static_assert(VMCB_CTL_OFF(asid) == 0x058, "vmcb");
_Static_assert(VMCB_CTL_OFF(tlb_control) == 0x05c, "vmcb");
_Static_assert(VMCB_CTL_OFF(int_ctl) == 0x060, "vmcb");
_Static_assert(VMCB_CTL_OFF(int_state) == 0x068, "vmcb");
_Static_assert(VMCB_CTL_OFF(exit_code) == 0x070, "vmcb");
_Static_assert(VMCB_CTL_OFF(exit_info_1) == 0x078, "vmcb");
_Static_assert(VMCB_CTL_OFF(exit_info_2) == 0x080, "vmcb");
_Static_assert(VMCB_CTL_OFF(exit_int_info) == 0x088, "vmcb");
_Static_assert(VMCB_CTL_OFF(nested_ctl) == 0x090, "vmcb");
_Static_assert(VMCB_CTL_OFF(event_inj) == 0x0a8, "vmcb");
_Static_assert(VMCB_CTL_OFF(nested_cr3) == 0x0b0, "vmcb");
_Static_assert(VMCB_CTL_OFF(clean) == 0x0c0, "vmcb");
_Static_assert(VMCB_CTL_OFF(next_rip) == 0x0c8, "vmcb");
_Static_assert(VMCB_CTL_OFF(insn_len) == 0x0d0, "vmcb");
_Static_assert(VMCB_CTL_OFF(avic_physical_id) == 0x0f8, "vmcb");
_Static_assert(VMCB_SAVE_OFF(es) == 0x400, "vmcb");
_Static_assert(VMCB_SAVE_OFF(cs) == 0x410, "vmcb");
_Static_assert(VMCB_SAVE_OFF(gdtr) == 0x460, "vmcb");
_Static_assert(VMCB_SAVE_OFF(idtr) == 0x480, "vmcb");
_Static_assert(VMCB_SAVE_OFF(tr) == 0x490, "vmcb");
_Static_assert(VMCB_SAVE_OFF(cpl) == 0x4cb, "vmcb");
_Static_assert(VMCB_SAVE_OFF(efer) == 0x4d0, "vmcb");
_Static_assert(VMCB_SAVE_OFF(cr4) == 0x548, "vmcb");
_Static_assert(VMCB_SAVE_OFF(cr0) == 0x558, "vmcb");
_Static_assert(VMCB_SAVE_OFF(dr7) == 0x560, "vmcb");
_Static_assert(VMCB_SAVE_OFF(rflags) == 0x570, "vmcb");
_Static_assert(VMCB_SAVE_OFF(rip) == 0x578, "vmcb");
_Static_assert(VMCB_SAVE_OFF(rsp) == 0x5d8, "vmcb");
_Static_assert(VMCB_SAVE_OFF(rax) == 0x5f8, "vmcb");
_Static_assert(VMCB_SAVE_OFF(star) == 0x600, "vmcb");
_Static_assert(VMCB_SAVE_OFF(kernel_gs_base) == 0x620, "vmcb");
_Static_assert(VMCB_SAVE_OFF(cr2) == 0x640, "vmcb");
_Static_assert(VMCB_SAVE_OFF(g_pat) == 0x668, "vmcb");
_Static_assert(VMCB_SAVE_OFF(last_excp_to) == 0x690, "vmcb");

/* MSR permission map: 8 KiB, two bits per MSR (even: read, odd: write),
 * three 2 KiB ranges (APM Vol. 2 15.11, table 15-5). */
#define MSRPM_SIZE 0x2000
/* I/O permission map: 12 KiB, one bit per port (APM Vol. 2 15.10.1). */
#define IOPM_SIZE 0x3000

#endif /* MODEX_SVM_VMCB_H */
