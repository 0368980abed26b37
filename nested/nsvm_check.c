// SPDX-License-Identifier: MIT
/*
 * The pure rules of nested SVM (nested/nsvm.h): the features offered to
 * L1, VMRUN's consistency checks on the cached vmcb12, whether L1
 * intercepts an exit of L2, #NPF EXITINFO1 for L1, and the lengths of the
 * instructions whose intercepts report a next RIP.
 * Pure C: built freestanding into Modex and hosted for the unit tests.
 */
#include "nested/nsvm.h"

#include "hv/include/lib.h"
#include "hv/include/x86.h"

#define X86_CR0_CD_BIT X86_CR0_CD
#define X86_CR0_NW_BIT X86_CR0_NW
#define X86_CR3_MBZ_LEGACY 0xfff0000000000000ULL /* bits 63:52 */

/*
 * What L1 is offered in CPUID 8000_000Ah EDX (APM Vol. 3 E.4.9):
 * - NPT: nested paging, on the NPT02 shadow (nested/nsvm_exit.c);
 * - NRIPS: vmcb12's NRIP is written on every instruction intercept,
 *   from the CPU's NRIP or decoded by Modex (nsvm_insn_len());
 * - VMCB clean bits: Modex treats every field as dirty (APM Vol. 2
 *   15.15.3 allows it), so L1's clean bits are accepted and ignored;
 * - flush by ASID: TLB_CONTROL 3 and 7 are valid and flush L2's ASID;
 * - GMET only where the CPU has it (REFERENCE.md section 3): vmcb02
 *   then runs with vmcb12's GMET bit on NPT02;
 * - VGIF only where the CPU has it: vmcb02 then runs with vmcb12's
 *   V_GIF_ENABLE and V_GIF (nsvm_int_ctl02()), so L2's STGI and CLGI
 *   act on V_GIF in hardware (APM Vol. 2 15.33.2).
 * Not offered: virtual VMLOAD/VMSAVE (no test host has it, so Modex
 * could not prove it: docs/nested.md), decode assists, AVIC, LBR
 * virtualization, pause filters and the rest (Modex emulates none).
 */
u32 nsvm_feature_edx(u32 hw_edx)
{
	return SVM_EDX_NPT | SVM_EDX_NRIPS | SVM_EDX_VMCB_CLEAN |
	       SVM_EDX_FLUSH_BY_ASID | (hw_edx & (SVM_EDX_GMET | SVM_EDX_VGIF));
}

/* APM Vol. 2 15.5.1: the checks on the guest state. */
static const char *save_invalid(const struct vmcb_save *s,
				const struct nsvm_check_env *env)
{
	bool lme_pg = (s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG);

	if (!(s->efer & EFER_SVME))
		return "EFER.SVME is clear";
	if (!(s->cr0 & X86_CR0_CD_BIT) && (s->cr0 & X86_CR0_NW_BIT))
		return "CR0.NW is set without CR0.CD";
	if (s->cr0 >> 32)
		return "CR0 bits 63:32 are set";
	if (s->cr3 & X86_CR3_MBZ_LEGACY)
		return "CR3 has MBZ bits set";
	if (lme_pg && (s->cr3 >> env->maxphyaddr))
		return "CR3 has MBZ bits set (beyond MAXPHYADDR)";
	if (s->cr4 & env->cr4_mbz)
		return "CR4 has reserved bits set";
	if ((s->dr6 >> 32) || (s->dr7 >> 32))
		return "DR6 or DR7 bits 63:32 are set";
	if (s->efer & env->efer_mbz)
		return "EFER has reserved bits set";
	if (lme_pg && !(s->cr4 & X86_CR4_PAE))
		return "EFER.LME and CR0.PG are set without CR4.PAE";
	if (lme_pg && !(s->cr0 & X86_CR0_PE))
		return "EFER.LME and CR0.PG are set without CR0.PE";
	if (lme_pg && (s->cr4 & X86_CR4_PAE) && (s->cs.attrib & SEG_ATTR_L) &&
	    (s->cs.attrib & SEG_ATTR_DB))
		return "CS.L and CS.D are both set in long mode";
	return NULL;
}

/*
 * APM Vol. 2 15.20: EVENTINJ types 1, 5, 6 and 7 are reserved; an
 * exception (type 3) has a vector below 32 other than 2 (NMI has its own
 * type). Either makes VMRUN fail with VMEXIT_INVALID.
 */
static bool event_invalid(u32 ev)
{
	u32 type = ev & EVENTINJ_TYPE_MASK, vector = ev & 0xff;

	if (!(ev & EVENTINJ_VALID))
		return false;
	if (type == (1u << 8) || type >= (5u << 8))
		return true;
	return type == EVENTINJ_TYPE_EXCEPTION && (vector == 2 || vector > 31);
}

/* APM Vol. 2 15.16.1: TLB_CONTROL 0 and 1; 3 and 7 with flush by ASID. */
static bool tlb_control_ok(u8 t, bool by_asid)
{
	return t == 0 || t == 1 || (by_asid && (t == 3 || t == 7));
}

/* APM Vol. 2 15.5.1 (controls), 15.10.1, 15.11 (the maps: the low 12
 * bits of their addresses are ignored; here they must be L1's RAM). */
static const char *control_invalid(const struct vmcb_control *c,
				   const struct nsvm_check_env *env)
{
	if (!(c->intercept_misc2 & INTERCEPT_VMRUN))
		return "the VMRUN intercept is clear";
	if (!c->asid)
		return "ASID is 0";
	if (!env->l1_ram(c->msrpm_base_pa & ~0xfffULL, MSRPM_SIZE))
		return "the MSR permission map is outside L1's RAM";
	if (!env->l1_ram(c->iopm_base_pa & ~0xfffULL, IOPM_SIZE))
		return "the I/O permission map is outside L1's RAM";
	if (!tlb_control_ok(c->tlb_control, env->flush_by_asid))
		return "TLB_CONTROL is reserved";
	if (event_invalid(c->event_inj))
		return "EVENTINJ has an illegal type or vector";
	return NULL;
}

const char *nsvm_vmcb12_invalid(const struct vmcb *c,
				const struct nsvm_check_env *env)
{
	const char *why = save_invalid(&c->save, env);

	return why ? why : control_invalid(&c->ctl, env);
}

/* ------------------------------------------------ L1's intercepts */

/* APM Vol. 2 15.11 table 15-5: two bits per MSR (read, write) in three
 * 2 KiB ranges; MSRs outside them always exit. */
static bool msrpm_hit(const u8 *msrpm, u32 msr, bool write)
{
	static const u32 base[3] = { 0, 0xc0000000, 0xc0010000 };

	for (unsigned i = 0; i < 3; i++) {
		if (msr - base[i] < 0x2000) {
			u32 bit = i * 0x4000 + (msr - base[i]) * 2 + write;

			return msrpm[bit / 8] & (1u << (bit % 8));
		}
	}
	return true;
}

/* APM Vol. 2 15.10.1: one bit per port; a multi-byte access exits if
 * any of its ports' bits is set (the map has a 13th byte-page for the
 * wrap past FFFFh: 12 KiB covers it). */
static bool iopm_hit(const u8 *iopm, u64 info1)
{
	u32 port = (u32)(info1 >> 16) & 0xffff;
	u32 size = (info1 & IOIO_SZ32) ? 4 : (info1 & IOIO_SZ16) ? 2 : 1;

	for (u32 p = port; p < port + size; p++)
		if (iopm[p / 8] & (1u << (p % 8)))
			return true;
	return false;
}

/* The intercept vector bit of @code (APM Vol. 2 table B-1, appendix C). */
static bool vector_bit(const struct vmcb_control *c, u64 code)
{
	if (code < SVM_EXIT_DR0_READ)
		return c->intercept_cr & BIT(code);
	if (code < SVM_EXIT_EXCP_BASE)
		return c->intercept_dr & BIT(code - SVM_EXIT_DR0_READ);
	if (code <= SVM_EXIT_EXCP_LAST)
		return c->intercept_exceptions & BIT(code - SVM_EXIT_EXCP_BASE);
	if (code < SVM_EXIT_MISC2_FIRST)
		return c->intercept_misc1 & BIT(code - SVM_EXIT_MISC1_FIRST);
	if (code < SVM_EXIT_MISC3_FIRST)
		return c->intercept_misc2 & BIT(code - SVM_EXIT_MISC2_FIRST);
	if (code < SVM_EXIT_MISC3_FIRST + 32)
		return c->intercept_misc3 & BIT(code - SVM_EXIT_MISC3_FIRST);
	return false;
}

bool nsvm_l1_intercepts(const struct vmcb_control *c, u64 code, u64 info1,
			u32 msr, const u8 *msrpm, const u8 *iopm)
{
	switch (code) {
	case SVM_EXIT_MSR:
		return (c->intercept_misc1 & INTERCEPT_MSR_PROT) &&
		       msrpm_hit(msrpm, msr, info1 & 1);
	case SVM_EXIT_IOIO:
		return (c->intercept_misc1 & INTERCEPT_IOIO_PROT) &&
		       iopm_hit(iopm, info1);
	case SVM_EXIT_NPF:
		return c->nested_ctl & NESTED_CTL_NP_ENABLE;
	case SVM_EXIT_INVALID:
		return true;
	}
	return vector_bit(c, code);
}

/* ------------------------------------------------ #NPF for L1 */

u64 nsvm_npf_exitinfo1(const struct pt_walk *w, const struct pt_format *fmt,
		       unsigned cpl, u64 hw)
{
	unsigned fl = 0;

	/* APM Vol. 2 15.25.6: bit 32 for the final access, bit 33 for a
	 * guest page-table access, as the hardware saw L2's access. */
	if (hw & NPF_FINAL)
		fl |= NPFI_FINAL;
	if (hw & NPF_GUEST_WALK)
		fl |= NPFI_GUEST_WALK;
	/* REFERENCE.md section 2, erratum 1218: with GMET, U of a fetch
	 * fault is CPL == 3 (CPL < 3 is supervisor). */
	if (pt_fmt_has(fmt, PTF_GMET))
		fl |= NPFI_ERRATUM_1218;
	return npt_exitinfo1(w, fmt, cpl, fl);
}

unsigned nsvm_npf_kind(u64 hw, bool gmet, unsigned cpl)
{
	unsigned op = (hw & NPF_ID) ? PK_FETCH :
		      (hw & NPF_W)  ? PK_WRITE :
				      PK_READ;

	/* Without GMET every access through nested paging is user; with
	 * GMET a fetch is supervisor at CPL < 3 (REFERENCE.md sections 2,
	 * 3: CPL < 3, not CPL == 0), and reads and writes ignore U. */
	if (!gmet)
		return pk_make(op, true);
	return pk_make(op, op == PK_FETCH ? cpl == 3 : true);
}

/* ------------------------------------------------ GMET in the VMCBs */

u64 nsvm_nested_ctl12(u64 nested_ctl, bool gmet_offered)
{
	u64 c = nested_ctl & (NESTED_CTL_NP_ENABLE | NESTED_CTL_GMET);

	/* REFERENCE.md section 3: honoured only when advertised and with
	 * nested paging on; otherwise cleared in the cached copy. */
	if (!gmet_offered || !(c & NESTED_CTL_NP_ENABLE))
		c &= ~(u64)NESTED_CTL_GMET;
	return c;
}

u64 nsvm_nested_ctl02(u64 nested_ctl12)
{
	/* vmcb02 always uses nested paging (NPT02 or NPT01) and GMET
	 * exactly when the sanitized vmcb12 does. */
	return NESTED_CTL_NP_ENABLE | (nested_ctl12 & NESTED_CTL_GMET);
}

/* ------------------------------------------------ virtual GIF */

/*
 * APM Vol. 2 15.21 and 15.33.2: L1's V_TPR, V_IRQ, priority, IGN_TPR and
 * V_INTR_MASKING go to L2 as written; V_GIF_ENABLE and V_GIF too when
 * VGIF is offered (the CPU then has it), else both are ignored, as on a
 * CPU without VGIF, where they are reserved.
 */
u32 nsvm_int_ctl02(u32 int_ctl12, bool vgif_offered)
{
	u32 c = int_ctl12 & INT_CTL_L1_BITS;

	if (vgif_offered && (int_ctl12 & INT_CTL_V_GIF_ENABLE))
		c |= int_ctl12 & (INT_CTL_V_GIF_ENABLE | INT_CTL_V_GIF);
	return c;
}

/*
 * Modex intercepts STGI and CLGI in VMCB01 (L1's GIF is emulated); in
 * vmcb02 they are L1's alone when vmcb02 runs with V_GIF_ENABLE: L2's
 * STGI and CLGI then set and clear only V_GIF (15.33.2), never the GIF
 * Modex depends on. Without it Modex keeps them (L2 gets #UD).
 */
u32 nsvm_misc2_02(u32 misc2_12, u32 misc2_01, u32 int_ctl02)
{
	u32 gif = INTERCEPT_STGI | INTERCEPT_CLGI;

	if (int_ctl02 & INT_CTL_V_GIF_ENABLE)
		misc2_01 &= ~gif;
	return misc2_12 | misc2_01;
}

/* APM Vol. 2 15.21.1, 15.33.2: #VMEXIT writes V_TPR, V_IRQ (and V_GIF
 * under V_GIF_ENABLE) back; V_INTR_MASKING and the rest stay L1's. */
u32 nsvm_int_ctl12_exit(u32 int_ctl12, u32 int_ctl02)
{
	u32 back = INT_CTL_L1_BITS & ~INT_CTL_V_INTR_MASKING;

	if (int_ctl02 & INT_CTL_V_GIF_ENABLE)
		back |= INT_CTL_V_GIF;
	return (int_ctl12 & ~back) | (int_ctl02 & back);
}

/* ------------------------------------------------ instruction lengths */

static bool legacy_prefix(u8 b)
{
	switch (b) {
	case 0x26:
	case 0x2e:
	case 0x36:
	case 0x3e: /* segments */
	case 0x64:
	case 0x65:
	case 0x66:
	case 0x67:
	case 0xf0:
	case 0xf2:
	case 0xf3:
		return true;
	}
	return false;
}

/* 0F 01 xx with no ModRM memory operand: the SVM instructions (D8-DF,
 * APM Vol. 3), XSETBV (D1), MONITOR/MWAIT (C8/C9), RDTSCP (F9),
 * MONITORX/MWAITX (FA/FB). */
static bool group7_fixed(u8 b)
{
	return (b >= 0xd8 && b <= 0xdf) || b == 0xd1 || b == 0xc8 ||
	       b == 0xc9 || (b >= 0xf9 && b <= 0xfb);
}

/* Two-byte opcodes 0F xx without operands: CPUID, RDTSC, RDPMC, RDMSR,
 * WRMSR, INVD, WBINVD. */
static bool twobyte_fixed(u8 b)
{
	return b == 0xa2 || b == 0x31 || b == 0x33 || b == 0x32 || b == 0x30 ||
	       b == 0x08 || b == 0x09;
}

/*
 * The length of a ModRM byte with its SIB byte and displacement in 32- and
 * 64-bit addressing (SDM Vol. 2A 2.1.5, tables 2-2 and 2-3): 0 if the
 * bytes run out.
 */
static unsigned modrm_len(const u8 *p, unsigned left)
{
	unsigned mod, rm, len = 1;

	if (!left)
		return 0;
	mod = p[0] >> 6;
	rm = p[0] & 7;
	if (mod == 3)
		return 1;
	if (rm == 4) { /* SIB */
		if (left < 2)
			return 0;
		len++;
		if (mod == 0 && (p[1] & 7) == 5)
			len += 4; /* no base: disp32 */
	} else if (mod == 0 && rm == 5) {
		len += 4; /* disp32 (RIP-relative in 64-bit mode) */
	}
	len += mod == 1 ? 1 : mod == 2 ? 4 : 0;
	return len <= left ? len : 0;
}

u32 nsvm_insn_len(const u8 *bytes, unsigned n, bool long64, bool *addr32)
{
	unsigned i = 0;
	bool a32 = false;

	n = MIN(n, 15u);
	while (i < n && legacy_prefix(bytes[i]))
		a32 |= bytes[i++] == 0x67;
	if (long64 && i < n && (bytes[i] & 0xf0) == 0x40)
		i++;
	if (addr32)
		*addr32 = a32;
	if (i < n && (bytes[i] == 0xf4 || bytes[i] == 0x90)) /* HLT, PAUSE */
		return i + 1;
	if (i + 1 >= n || bytes[i] != 0x0f)
		return 0;
	if (twobyte_fixed(bytes[i + 1]))
		return i + 2;
	/* MOV to/from CRn/DRn (0F 20-23 /r): ModRM is always a register. */
	if (bytes[i + 1] >= 0x20 && bytes[i + 1] <= 0x23 && i + 2 < n)
		return i + 3;
	if (bytes[i + 1] == 0x01 && i + 2 < n && group7_fixed(bytes[i + 2]))
		return i + 3;
	/* Group 7 with a memory operand (0F 01 /0-/7, mod != 3): SGDT, SIDT,
	 * LGDT, LIDT, SMSW, LMSW, INVLPG; decoded in 64-bit mode, where both
	 * address sizes use the 32/64-bit ModRM forms. */
	if (bytes[i + 1] == 0x01 && i + 2 < n && (bytes[i + 2] >> 6) != 3 &&
	    long64) {
		unsigned m = modrm_len(bytes + i + 2, n - i - 2);

		return m ? i + 2 + m : 0;
	}
	return 0;
}
