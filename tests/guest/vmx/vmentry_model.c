// SPDX-License-Identifier: MIT
/*
 * The reference model of group "vmentry": the checks a VM entry performs
 * (SDM Vol. 3C chapter 27) on the fields in rnd_cur[], from the capability
 * MSRs, giving the set of outcomes the SDM allows. Order (27.1-27.4): the
 * controls (27.2.1) and the host state (27.2.2-27.2.4) fail the
 * instruction with VMfailValid 7 or 8; the SDM lets these checks run in
 * any order (27.2), so when both classes fail either number is allowed.
 * Only when both pass are the guest state (27.3.1, exit 33) and then the
 * MSR-load list (27.4, exit 34) checked. Items the SDM leaves model
 * specific are "lenient" checks: the model runs twice, once with them
 * failing and once passing, and allows both results.
 * Context: L1, pure computation (reads only its own pages).
 */
#include "tests/guest/vmx/vmentry.h"

static bool lenient;
bool rnd_bochs, rnd_modex, rnd_cet_ss;

/*
 * Bochs 3.0's VMX deviates from the SDM on a few checks; on Bochs (bare,
 * or under Modex, whose nested entries end in Bochs's checks) these count
 * as lenient. Each use names the deviation.
 */
static bool bochs_quirk(void)
{
	return lenient && rnd_bochs;
}

/*
 * Under Modex, choices docs/nested.md documents where Modex is stricter
 * than the SDM: they may fail as Modex says, or pass as the SDM says.
 */
static bool modex_strict(void)
{
	return rnd_modex && !lenient;
}

/* Modex reads bitmaps in L1 RAM only (docs/nested.md): else error 7. */
static bool outside_l1_ram(u64 a)
{
	return modex_strict() && !guest_addr_in_map(a);
}

static bool has(u64 field, u64 bit)
{
	return (field & bit) != 0;
}

/* A control value within the capability MSR (SDM Vol. 3D A.3-A.5). */
static bool ctl_fits(u64 v, u64 msr)
{
	return (v & (u32)msr) == (u32)msr && (v & ~(msr >> 32)) == 0;
}

/* Bits 11:0 clear and no bit at or above MAXPHYADDR. */
static bool page_addr_ok(u64 a)
{
	return !(a & 0xfff) && !(a >> vmx_caps.maxphyaddr);
}

static bool below_maxphy(u64 a)
{
	return !(a >> vmx_caps.maxphyaddr);
}

static u64 proc2(void)
{
	return has(V(F_PROC), PROC_SECONDARY) ? V(F_PROC2) : 0;
}

/* SDM Vol. 3C 27.2.1.1 (25.6.11): the EPT pointer. */
static bool eptp_ok(u64 e)
{
	u64 cap = vmx_caps.ept_vpid;
	unsigned mt = e & 7, walk = (e >> 3) & 7;

	if (!(mt == 0 && (cap & BIT(8))) && !(mt == 6 && (cap & EPT_CAP_WB)))
		return false;
	if (!(walk == 3 && (cap & EPT_CAP_PWL4)) &&
	    !(walk == 4 && (cap & BIT(7))))
		return false;
	if ((e & BIT(6)) && !(cap & BIT(21)))
		return false;
	/* Bit 7: supervisor shadow-stack control, with CET shadow stacks. */
	if ((e & 0xf00) || ((e & BIT(7)) && !rnd_cet_ss))
		return false;
	return below_maxphy(e);
}

/* 27.2.1.1: reserved bits and the VTPR rule read the virtual-APIC page. */
static bool tpr_ok(u64 p2)
{
	u32 tpr = (u32)V(F_TPR);

	if (!page_addr_ok(V(F_VAPIC)))
		return false;
	/* Bochs checks bits 31:4 with virtual-interrupt delivery too. */
	if ((tpr & ~0xfu) && has(p2, PROC2_VID) && rnd_bochs && !bochs_quirk())
		return false;
	if (has(p2, PROC2_VID))
		return true;
	if (tpr & ~0xfu)
		return false;
	if (has(p2, PROC2_APIC_ACC))
		return true;
	/* The group points the virtual-APIC address only at its own page. */
	if (V(F_VAPIC) != rnd_vapic_pa)
		return true;
	return (tpr & 0xf) <= (*(volatile u8 *)(rnd_vapic_pa + 0x80) >> 4);
}

static bool apic_ok(u64 pin, u64 proc, u64 p2)
{
	if (has(proc, PROC_TPR_SHADOW)) {
		if (!tpr_ok(p2))
			return false;
	} else if (p2 & (PROC2_X2APIC | PROC2_APIC_REG | PROC2_VID)) {
		return false;
	}
	if (has(p2, PROC2_APIC_ACC) && !page_addr_ok(V(F_APICACC)))
		return false;
	if (has(p2, PROC2_X2APIC) && has(p2, PROC2_APIC_ACC))
		return false;
	if (has(p2, PROC2_VID) && !has(pin, PIN_EXTINT))
		return false;
	/* Bochs checks posted interrupts only with the TPR shadow. */
	if (has(pin, PIN_POSTED) &&
	    !(!has(proc, PROC_TPR_SHADOW) && bochs_quirk()) &&
	    (!has(p2, PROC2_VID) || !has(V(F_EXIT), EXIT_ACK_INTR) ||
	     (V(F_PIVEC) & 0xff00) || (V(F_PIDESC) & 0x3f) ||
	     !below_maxphy(V(F_PIDESC))))
		return false;
	/* Bochs wants the descriptor page-aligned, not 64-byte aligned. */
	if (has(pin, PIN_POSTED) && (V(F_PIDESC) & 0xfff) && rnd_bochs &&
	    !bochs_quirk())
		return false;
	return true;
}

/* SDM Vol. 3C 27.2.1.1: VM-execution control fields. */
static bool exec_ok(void)
{
	u64 pin = V(F_PIN), proc = V(F_PROC), p2 = proc2();

	if (!ctl_fits(pin, vmx_caps.pin) || !ctl_fits(proc, vmx_caps.proc))
		return false;
	if (has(proc, PROC_SECONDARY) &&
	    (!vmx_caps.has_proc2 || !ctl_fits(p2, vmx_caps.proc2)))
		return false;
	if (V(F_CR3TC) > ((vmx_caps.misc >> 16) & 0x1ff))
		return false;
	if (has(proc, PROC_IO_BITMAPS) &&
	    (!page_addr_ok(V(F_IOA)) || !page_addr_ok(V(F_IOB)) ||
	     outside_l1_ram(V(F_IOA)) || outside_l1_ram(V(F_IOB))))
		return false;
	if (has(proc, PROC_MSR_BITMAPS) &&
	    (!page_addr_ok(V(F_MSRBM)) || outside_l1_ram(V(F_MSRBM))))
		return false;
	if (!apic_ok(pin, proc, p2))
		return false;
	if (!has(pin, PIN_NMI) && has(pin, PIN_VNMI))
		return false;
	if (!has(pin, PIN_VNMI) && has(proc, PROC_NMIWIN))
		return false;
	if (has(p2, PROC2_VPID) && !(u16)V(F_VPID))
		return false;
	if (has(p2, PROC2_EPT) && !eptp_ok(V(F_EPTP)))
		return false;
	if (has(p2, PROC2_PML) &&
	    (!has(p2, PROC2_EPT) || !page_addr_ok(V(F_PML))))
		return false;
	if (has(p2, PROC2_UG | PROC2_MBEC) && !has(p2, PROC2_EPT))
		return false;
	/* VM-function controls stay 0, which every VMFUNC MSR allows. */
	if (has(p2, PROC2_SHADOW) &&
	    (!page_addr_ok(V(F_VMRBM)) || !page_addr_ok(V(F_VMWBM))))
		return false;
	if (has(p2, PROC2_VE) && !page_addr_ok(V(F_VEINFO)))
		return false;
	/* Bochs: TSC scaling fails with a TSC multiplier of 0 (never set). */
	if (has(p2, PROC2_TSC_SCALE) && rnd_bochs && !bochs_quirk())
		return false;
	return true;
}

/* 27.2.1.2 and 27.2.1.3: a list of @count 16-byte entries at @addr. */
static bool msr_area_ok(u64 count, u64 addr)
{
	if (!count)
		return true;
	return !(addr & 0xf) && below_maxphy(addr) &&
	       below_maxphy(addr + count * 16 - 1);
}

/* SDM Vol. 3C 27.2.1.3: VM-entry event injection. */
static bool inject_ok(void)
{
	u32 info = (u32)V(F_IINFO);
	unsigned type = (info >> 8) & 7, vec = info & 0xff;
	bool ec = info & INTR_HAS_ERROR, want_ec;
	bool pe = has(V(F_GCR0), CR0_PE) || !has(proc2(), PROC2_UG);

	if (!(info & INTR_VALID))
		return true;
	if (type == 1 || (type == 7 && !ctl_allowed1(vmx_caps.proc, PROC_MTF)))
		return false;
	if ((type == 2 && vec != 2) || (type == 3 && vec > 31) ||
	    (type == 7 && vec != 0))
		return false;
	want_ec = pe && type == 3 && vec < 32 && (BIT(vec) & 0x27d00);
	/*
	 * IA32_VMX_BASIC[56] lifts the rule. Bochs: with CET it skips the
	 * rule without advertising bit 56.
	 */
	if (ec != want_ec && !(vmx_caps.basic & BIT(56)) &&
	    !(rnd_cet_ss && bochs_quirk()))
		return false;
	if (info & 0x7ffff000)
		return false;
	/*
	 * Lenient: older SDMs require bits 31:16 of the error code to be 0
	 * when one is delivered; current ones dropped that check.
	 */
	if (ec && (V(F_IERR) & 0xffff0000u) && !lenient)
		return false;
	if (type == 4 || type == 5 || type == 6) {
		u64 len = (u32)V(F_ILEN);

		if (len > 15 || (len == 0 && !(vmx_caps.misc & BIT(30))))
			return false;
	}
	return true;
}

/* SDM Vol. 3C 27.2.1.2 and 27.2.1.3: VM-exit and VM-entry controls. */
static bool exit_entry_ok(void)
{
	u64 ex = V(F_EXIT), en = V(F_ENTRY);

	if (!ctl_fits(ex, vmx_caps.exit) || !ctl_fits(en, vmx_caps.entry))
		return false;
	if (!has(V(F_PIN), PIN_PREEMPT) && has(ex, EXIT_SAVE_PREEMPT))
		return false;
	if (!msr_area_ok((u32)V(F_XSC), V(F_XSA)) ||
	    !msr_area_ok((u32)V(F_XLC), V(F_XLA)) ||
	    !msr_area_ok((u32)V(F_ELC), V(F_ELA)))
		return false;
	/*
	 * Outside SMM: neither entry to SMM nor deactivating dual monitor.
	 * Bochs: "entry to SMM" fails later, in the guest checks (33).
	 */
	if ((en & ENTRY_DUAL) || ((en & ENTRY_SMM) && !bochs_quirk()))
		return false;
	return inject_ok();
}

/* SDM Vol. 3A (PAT): the memory types a PAT entry may hold. */
static bool pat_ok(u64 pat)
{
	for (unsigned i = 0; i < 8; i++) {
		u8 t = (u8)(pat >> (8 * i));

		if (t == 2 || t == 3 || t > 7)
			return false;
	}
	return true;
}

/* Intel IA32_EFER: SCE, LME, LMA, NXE; everything else is reserved. */
static bool efer_reserved(u64 efer)
{
	return efer & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE);
}

/* SDM Vol. 3C 27.2.2-27.2.4: the host-state area. */
static bool host_ok(void)
{
	u64 cr0 = V(F_HCR0), cr4 = V(F_HCR4), ex = V(F_EXIT);
	bool h64 = has(ex, EXIT_HOST_64);

	if ((cr0 & vmx_caps.cr0_fixed0) != vmx_caps.cr0_fixed0 ||
	    (cr0 & ~vmx_caps.cr0_fixed1))
		return false;
	if ((cr4 & vmx_caps.cr4_fixed0) != vmx_caps.cr4_fixed0 ||
	    (cr4 & ~vmx_caps.cr4_fixed1))
		return false;
	if (has(cr4, CR4_CET) && !has(cr0, CR0_WP))
		return false;
	if (!below_maxphy(V(F_HCR3)))
		return false;
	if (!rnd_canonical(V(F_HSEP)) || !rnd_canonical(V(F_HSIP)))
		return false;
	if (has(ex, EXIT_LOAD_PAT) && !pat_ok(V(F_HPAT)))
		return false;
	if (has(ex, EXIT_LOAD_EFER)) {
		u64 efer = V(F_HEFER);

		if (efer_reserved(efer) || has(efer, EFER_LMA) != h64 ||
		    has(efer, EFER_LME) != h64)
			return false;
	}
	/* 27.2.3: RPL and TI of ES..GS and TR; CS and TR not null. */
	for (unsigned s = 0; s < 7; s++)
		if (V(F_HSEL + s) & 7)
			return false;
	if (!V(F_HSEL + 1) || !V(F_HSEL + 6))
		return false;
	if (!V(F_HSEL + 2) && !h64)
		return false;
	for (unsigned f = F_HFSB; f <= F_HIDTRB; f++)
		if (!rnd_canonical(V(f)))
			return false;
	/* 27.2.4: L1 runs in IA-32e mode, so the host must be 64-bit. */
	if (!h64)
		return false;
	return has(cr4, CR4_PAE) && rnd_canonical(V(F_HRIP));
}

/* Guest segments: the rules of 27.3.1.2 (not virtual-8086). */
static bool seg_g_ok(u32 ar, u32 limit)
{
	bool g = ar & BIT(15);

	if ((limit & 0xfff) != 0xfff && g)
		return false;
	if ((limit >> 20) && !g)
		return false;
	return true;
}

static bool seg_common_ok(u32 ar, u32 limit)
{
	return (ar & BIT(7)) && !(ar & 0xf00) && !(ar & 0xfffe0000u) &&
	       seg_g_ok(ar, limit);
}

static unsigned dpl(u32 ar)
{
	return (ar >> 5) & 3;
}

static bool cs_ok(bool ug, bool ia32e)
{
	u32 ar = (u32)V(F_GAR + SEG_CS), ss = (u32)V(F_GAR + SEG_SS);
	unsigned type = ar & 15;

	if (!(type == 9 || type == 11 || type == 13 || type == 15 ||
	      (ug && type == 3)))
		return false;
	if (!(ar & BIT(4)) || !seg_common_ok(ar, (u32)V(F_GLIM + SEG_CS)))
		return false;
	if (type == 3 && dpl(ar))
		return false;
	/* Bochs compares with CS.RPL, which differs only under UG. */
	if ((type == 9 || type == 11) && dpl(ar) != dpl(ss) &&
	    !(ug && bochs_quirk()))
		return false;
	if ((type == 13 || type == 15) && dpl(ar) > dpl(ss) &&
	    !(ug && bochs_quirk()))
		return false;
	if (ia32e && (ar & BIT(13)) && (ar & BIT(14)))
		return false;
	/* Lenient: the SDM never says whether CS may be unusable. */
	if ((ar & AR_UNUSABLE) && !lenient)
		return false;
	return true;
}

static bool ss_ok(bool ug)
{
	u32 ar = (u32)V(F_GAR + SEG_SS), cs = (u32)V(F_GAR + SEG_CS);
	u16 sel = (u16)V(F_GSEL + SEG_SS);

	if (!ug && (sel & 3) != ((u16)V(F_GSEL + SEG_CS) & 3))
		return false;
	if (!ug && dpl(ar) != (sel & 3u))
		return false;
	if (((cs & 15) == 3 || !has(V(F_GCR0), CR0_PE)) && dpl(ar))
		return false;
	if (ar & AR_UNUSABLE)
		return true;
	/* Bochs skips SS's checks for RPL 0 in 64-bit code (as if null). */
	if (!(sel & 3) && has(V(F_ENTRY), ENTRY_IA32E) && (cs & BIT(13)) &&
	    bochs_quirk())
		return true;
	if ((ar & 15) != 3 && (ar & 15) != 7)
		return false;
	if (!(ar & BIT(4)) || !seg_common_ok(ar, (u32)V(F_GLIM + SEG_SS)))
		return false;
	return !(V(F_GBASE + SEG_SS) >> 32);
}

/* DS, ES, FS, GS. */
static bool data_ok(unsigned s, bool ug)
{
	u32 ar = (u32)V(F_GAR + s);
	u16 sel = (u16)V(F_GSEL + s);
	unsigned type = ar & 15;

	if (ar & AR_UNUSABLE)
		return true;
	if (!(type & 1) || ((type & 8) && !(type & 2)))
		return false;
	if (!(ar & BIT(4)) || !seg_common_ok(ar, (u32)V(F_GLIM + s)))
		return false;
	/* Bochs leaves type 11 out of this rule. */
	if (!ug && type <= 11 && dpl(ar) < (sel & 3u) &&
	    !(type == 11 && bochs_quirk()))
		return false;
	if ((s == SEG_ES || s == SEG_DS) && (V(F_GBASE + s) >> 32))
		return false;
	return true;
}

static bool sys_segs_ok(bool ia32e)
{
	u32 tr = (u32)V(F_GAR + SEG_TR), ldtr = (u32)V(F_GAR + SEG_LDTR);

	if (V(F_GSEL + SEG_TR) & 4)
		return false;
	if (!((tr & 15) == 11 || (!ia32e && (tr & 15) == 3)))
		return false;
	if ((tr & BIT(4)) || (tr & AR_UNUSABLE) ||
	    !seg_common_ok(tr, (u32)V(F_GLIM + SEG_TR)))
		return false;
	if (!rnd_canonical(V(F_GBASE + SEG_TR)))
		return false;
	if (ldtr & AR_UNUSABLE)
		return true;
	if ((V(F_GSEL + SEG_LDTR) & 4) || (ldtr & 15) != 2 || (ldtr & BIT(4)) ||
	    !seg_common_ok(ldtr, (u32)V(F_GLIM + SEG_LDTR)))
		return false;
	return rnd_canonical(V(F_GBASE + SEG_LDTR));
}

/* SDM Vol. 3C 27.3.1.2 and 27.3.1.3: segments and descriptor tables. */
static bool segs_ok(bool ug, bool ia32e)
{
	if (has(V(F_GRFL), RFL_VM))
		return false; /* the group's segments never fit virtual-8086 */
	if (!cs_ok(ug, ia32e) || !ss_ok(ug) || !sys_segs_ok(ia32e))
		return false;
	for (unsigned s = SEG_ES; s <= SEG_GS; s++)
		if (s != SEG_CS && s != SEG_SS && !data_ok(s, ug))
			return false;
	if (V(F_GBASE + SEG_CS) >> 32)
		return false;
	if (!rnd_canonical(V(F_GBASE + SEG_FS)) ||
	    !rnd_canonical(V(F_GBASE + SEG_GS)))
		return false;
	if (!rnd_canonical(V(F_GDTRB)) || !rnd_canonical(V(F_IDTRB)))
		return false;
	return !((u32)V(F_GDTRL) >> 16) && !((u32)V(F_IDTRL) >> 16);
}

/* SDM Vol. 3C 27.3.1.1: control registers, debug registers, MSRs. */
static bool guest_regs_ok(bool ug, bool ia32e)
{
	u64 cr0 = V(F_GCR0), cr4 = V(F_GCR4), en = V(F_ENTRY);
	u64 f0 = vmx_caps.cr0_fixed0;

	if (ug)
		f0 &= ~(u64)(CR0_PE | CR0_PG);
	if ((cr0 & f0) != f0 || (cr0 & ~vmx_caps.cr0_fixed1))
		return false;
	if (has(cr0, CR0_PG) && !has(cr0, CR0_PE))
		return false;
	if ((cr4 & vmx_caps.cr4_fixed0) != vmx_caps.cr4_fixed0 ||
	    (cr4 & ~vmx_caps.cr4_fixed1))
		return false;
	if (has(cr4, CR4_CET) && !has(cr0, CR0_WP))
		return false;
	if (ia32e && (!has(cr0, CR0_PG) || !has(cr4, CR4_PAE)))
		return false;
	if (!ia32e && has(cr4, CR4_PCIDE))
		return false;
	if (!below_maxphy(V(F_GCR3)))
		return false;
	/* DEBUGCTL stays 0 (valid); DR7 63:32 must be 0 when loaded. */
	if (has(en, ENTRY_LOAD_DBG) && (V(F_GDR7) >> 32))
		return false;
	if (!rnd_canonical(V(F_GSEP)) || !rnd_canonical(V(F_GSIP)))
		return false;
	if (has(en, ENTRY_LOAD_PAT) && !pat_ok(V(F_GPAT)))
		return false;
	if (has(en, ENTRY_LOAD_EFER)) {
		u64 efer = V(F_GEFER);

		if (efer_reserved(efer) || has(efer, EFER_LMA) != ia32e)
			return false;
		if (has(cr0, CR0_PG) &&
		    has(efer, EFER_LMA) != has(efer, EFER_LME))
			return false;
	}
	return true;
}

/* SDM Vol. 3C 27.3.1.4: RIP and RFLAGS. */
static bool rip_rflags_ok(bool ia32e)
{
	u64 rfl = V(F_GRFL), rip = V(F_GRIP);
	u32 info = (u32)V(F_IINFO);

	if (ia32e && (V(F_GAR + SEG_CS) & BIT(13))) {
		/* Bochs does not check RIP for 64-bit code. */
		if (!rnd_canonical(rip) && !bochs_quirk())
			return false;
	} else if (rip >> 32) {
		return false;
	}
	if ((rfl & ~0x3f7fd7ULL) || !(rfl & 2))
		return false;
	if (has(rfl, RFL_VM) && (ia32e || !has(V(F_GCR0), CR0_PE)))
		return false;
	if ((info & INTR_VALID) && ((info >> 8) & 7) == INTR_TYPE_EXT &&
	    !has(rfl, RFL_IF))
		return false;
	return true;
}

/* 27.3.1.5: may the event in the injection field start in state @act? */
static bool inject_in_state(unsigned act)
{
	u32 info = (u32)V(F_IINFO);
	unsigned type = (info >> 8) & 7, vec = info & 0xff;

	if (!(info & INTR_VALID) || act == 0)
		return true;
	if (act == 1)
		return type == 0 || type == 2 ||
		       (type == 3 && (vec == 1 || vec == 18)) ||
		       (type == 7 && vec == 0);
	if (act == 2)
		return type == 2 || (type == 3 && vec == 18);
	return false;
}

/* SDM Vol. 3C 27.3.1.5: activity and interruptibility state. */
static bool nonreg_ok(u32 *quals)
{
	u64 act = (u32)V(F_GACT), intr = (u32)V(F_GINT), rfl = V(F_GRFL);
	u64 pd = V(F_GPDBG);
	u32 info = (u32)V(F_IINFO);
	bool valid = info & INTR_VALID;
	unsigned type = (info >> 8) & 7;

	if (act > 3 || (act && !(vmx_caps.misc & BIT(5 + act))))
		return false;
	if (act == 1 && dpl((u32)V(F_GAR + SEG_SS)))
		return false;
	if (act && (intr & 3))
		return false;
	/* Bochs admits any event in HLT, and vector 18 of any type in shutdown. */
	if (!inject_in_state((unsigned)act) && !(act < 3 && bochs_quirk()))
		return false;
	if (intr & ~0x1fULL)
		return false;
	if ((intr & 3) == 3 || ((intr & 1) && !has(rfl, RFL_IF)))
		return false;
	if (valid && type == INTR_TYPE_EXT && (intr & 3))
		return false;
	if (valid && type == INTR_TYPE_NMI && (intr & 2))
		return false;
	if (intr & BIT(2)) /* blocking by SMI outside SMM */
		return false;
	/* Bochs does not check this one. */
	if (valid && type == INTR_TYPE_NMI && has(V(F_PIN), PIN_VNMI) &&
	    (intr & BIT(3)) && !bochs_quirk())
		return false;
	if (intr & BIT(4)) /* enclave interruption: no SGX advertised */
		return false;
	/* Entry to SMM needs blocking by SMI, which outside SMM is invalid. */
	if (has(V(F_ENTRY), ENTRY_SMM))
		return false;
	/* SDM 27.3.1.5 and 27.8: model specific, with qualification 3. */
	if (valid && type == INTR_TYPE_NMI && (intr & 1) && !lenient)
		*quals |= BIT(O_X33Q3) | (rnd_bochs ? BIT(O_X33Q0) : 0);
	/* Pending debug exceptions: only bits 3:0, 12, 14 and 16 exist. */
	if ((u32)pd & ~0x1500fu)
		return false;
	/* Bochs reads only the low 32 bits of the field. */
	if ((pd >> 32) && !bochs_quirk())
		return false;
	if ((pd & BIT(16)))
		return false; /* RTM: never generated with its conditions */
	if ((intr & 3) || act == 1) {
		bool bs = pd & BIT(14);
		bool tf = has(rfl, RFL_TF) && !(V(F_GDBGCTL) & BIT(1));

		/* Bochs does not check the BS rule. */
		if (bs != tf && !bochs_quirk())
			return false;
	}
	return true;
}

/* SDM Vol. 3C 27.3.1.5: the VMCS link pointer (exit qualification 4). */
static bool link_ok(void)
{
	u64 p = V(F_GLINK);
	u32 rev;

	if (p == ~0ULL)
		return true;
	/* Modex: no VMCS shadowing for L1, the pointer must be all ones. */
	if (modex_strict())
		return false;
	if (!page_addr_ok(p))
		return false;
	/* The group points it only at its own pages or outside RAM. */
	if (!guest_addr_in_map(p))
		rev = ~0u;
	else
		rev = *(volatile u32 *)p;
	if ((rev & 0x7fffffffu) != vmx_caps.revision)
		return false;
	if (!!(rev >> 31) != has(proc2(), PROC2_SHADOW))
		return false;
	/* Outside SMM it must not be the current-VMCS pointer. */
	return p != vmcs_pa;
}

static u32 guest_quals(void)
{
	bool ug = has(proc2(), PROC2_UG);
	bool ia32e = has(V(F_ENTRY), ENTRY_IA32E);
	u32 q = 0;

	if (!guest_regs_ok(ug, ia32e) || !segs_ok(ug, ia32e) ||
	    !rip_rflags_ok(ia32e))
		q |= BIT(O_X33Q0);
	if (!nonreg_ok(&q))
		q |= BIT(O_X33Q0);
	if (!link_ok())
		q |= BIT(O_X33Q4);
	return q;
}

/* SDM Vol. 3C 27.4: the first entry of the MSR-load list that fails. */
static u32 msr_load_fail(void)
{
	u32 n = (u32)V(F_ELC);
	const struct rnd_msr *m = (const struct rnd_msr *)V(F_ELA);

	for (u32 i = 0; i < n; i++) {
		u32 idx = m[i].index;

		if (m[i].reserved || idx == 0xc0000100u || idx == 0xc0000101u ||
		    (idx >> 8) == 8 || idx == 0x9e)
			return i + 1;
		if (idx == MSR_KERNEL_GS_BASE && !rnd_canonical(m[i].value))
			return i + 1;
	}
	return 0;
}

static void model_once(struct rnd_expect *x)
{
	bool c = !exec_ok() || !exit_entry_ok(), h = !host_ok();
	u32 q;

	if (c || h) {
		x->set |= (c ? BIT(O_FAIL7) : 0) | (h ? BIT(O_FAIL8) : 0);
		/* 27.2.4 ties exit controls to host state: either number. */
		if (!has(V(F_EXIT), EXIT_HOST_64))
			x->set |= BIT(O_FAIL7) | BIT(O_FAIL8);
		return;
	}
	q = guest_quals();
	if (q) {
		x->set |= q;
		return;
	}
	x->msr_index = msr_load_fail();
	x->set |= x->msr_index ? BIT(O_X34) : BIT(O_OK);
}

void rnd_model(struct rnd_expect *x)
{
	x->set = 0;
	x->msr_index = 0;
	lenient = false;
	model_once(x);
	lenient = true;
	model_once(x);
}
