// SPDX-License-Identifier: MIT
/*
 * Group "insn": the SVM instructions' fault cases and effects (APM Vol. 3
 * chapter 4: VMRUN, VMLOAD, VMSAVE, STGI, CLGI, INVLPGA, SKINIT; APM Vol.
 * 2 15.4 EFER.SVME, 15.17 GIF, 15.30.4 VM_HSAVE_PA).
 * Context: L1 at CPL 0; group_insn_pre_svme() runs with EFER.SVME=0.
 */
#include "tests/guest/svm/check.h"

#include "hv/include/lib.h"
#include "tests/guest/lib/exception.h"

static struct vmcb scratch, scratch2, saved;

static void do_vmrun(void *arg)
{
	asm volatile("vmrun %%rax" : : "a"(*(u64 *)arg) : "memory", "cc");
}

static void do_vmload(void *arg)
{
	asm volatile("vmload %%rax" : : "a"(*(u64 *)arg) : "memory");
}

static void do_vmsave(void *arg)
{
	asm volatile("vmsave %%rax" : : "a"(*(u64 *)arg) : "memory");
}

static void do_stgi(void *arg)
{
	(void)arg;
	asm volatile("stgi" : : : "memory");
}

static void do_clgi(void *arg)
{
	(void)arg;
	/* A CLGI that succeeds here must not leave GIF=0 behind. */
	asm volatile("clgi; stgi" : : : "memory");
}

static void do_invlpga(void *arg)
{
	(void)arg;
	asm volatile("invlpga %%rax, %%ecx" : : "a"(0ULL), "c"(1) : "memory");
}

static void do_skinit(void *arg)
{
	(void)arg;
	asm volatile("skinit %%eax" : : "a"(0) : "memory");
}

struct insn {
	const char *name;
	void (*fn)(void *);
};

static const struct insn insns[] = {
	{ "VMRUN", do_vmrun },	 { "VMLOAD", do_vmload },
	{ "VMSAVE", do_vmsave }, { "STGI", do_stgi },
	{ "CLGI", do_clgi },	 { "INVLPGA", do_invlpga },
};

static int insn_svme_off(void)
{
	u64 pa = (u64)&scratch;
	char what[64];

	svm_set_svme(false);
	/* APM Vol. 2 15.4: with EFER.SVME=0 the SVM instructions are #UD. */
	for (unsigned i = 0; i < ARRAY_SIZE(insns); i++) {
		guest_snprintf(what, sizeof(what), "%s with EFER.SVME=0",
			       insns[i].name);
		expect_eq(what, "exception", guest_try_call(insns[i].fn, &pa),
			  X86_UD);
	}
	if (bare_bochs())
		GINFO("SKINIT with EFER.SVME=0: skip on Bochs (it ends the emulation: \"SKINIT is not implemented\")\n");
	else
		expect_eq("SKINIT with EFER.SVME=0", "exception",
			  guest_try_call(do_skinit, NULL), X86_UD);
	return 0;
}

static void do_set_svme(void *arg)
{
	(void)arg;
	svm_set_svme(true);
}

/*
 * APM Vol. 2 15.30.1: with VM_CR.SVMDIS=1 setting EFER.SVME is #GP; with
 * VM_CR.LOCK=1 SVMDIS cannot be written.
 */
static int insn_vm_cr(void)
{
	u64 vmcr = guest_rdmsr(MSR_VM_CR), got = 0;
	int v;

	if (vmcr & VM_CR_LOCK)
		return CHECK_SKIP;
	svm_set_svme(false);
	v = try_wrmsr(MSR_VM_CR, vmcr | VM_CR_SVMDIS);
	if (v >= 0) {
		GINFO("VM_CR.SVMDIS write: exception %d, nothing to test: skip\n",
		      v);
		return CHECK_SKIP;
	}
	try_rdmsr(MSR_VM_CR, &got);
	if (!(got & VM_CR_SVMDIS)) {
		GINFO("VM_CR.SVMDIS did not stick (%#llx; QEMU ignores VM_CR writes): skip\n",
		      (unsigned long long)got);
		return CHECK_SKIP;
	}
	expect_eq("EFER.SVME=1 with VM_CR.SVMDIS=1", "exception",
		  guest_try_call(do_set_svme, NULL), X86_GP);
	GCHECK(!(guest_rdmsr(MSR_EFER) & EFER_SVME),
	       "EFER.SVME set despite VM_CR.SVMDIS");
	try_wrmsr(MSR_VM_CR, vmcr);
	expect_eq("EFER.SVME=1 with VM_CR.SVMDIS=0 again", "exception",
		  guest_try_call(do_set_svme, NULL), -1);
	svm_set_svme(false);
	return 0;
}

void group_insn_pre_svme(void)
{
	run_check("insn-svme-off", insn_svme_off);
	run_check("insn-vm-cr", insn_vm_cr);
}

/* APM Vol. 3 (each instruction): #GP(0) at CPL > 0. */
static int insn_cpl3(void)
{
	u64 pa = (u64)&scratch;
	char what[64];

	for (unsigned i = 0; i < ARRAY_SIZE(insns); i++) {
		int v = at_cpl3(insns[i].fn, &pa);

		guest_snprintf(what, sizeof(what), "%s at CPL 3",
			       insns[i].name);
		expect_eq(what, "exception", v, X86_GP);
		if (v == X86_GP)
			expect_eq(what, "error code", user_error, 0);
	}
	return 0;
}

/* APM Vol. 3 VMRUN/VMLOAD/VMSAVE: #GP if rAX is not 4 KiB aligned or
 * beyond the physical address width. */
static int insn_rax(void)
{
	u64 pas[] = { (u64)&scratch + 8, (u64)&scratch + 0x800,
		      1ULL << svm_caps.maxphyaddr };
	char what[80];

	memset(&scratch, 0, sizeof(scratch));
	for (unsigned i = 0; i < 3; i++) {
		for (unsigned j = 0; j < ARRAY_SIZE(pas); j++) {
			guest_snprintf(what, sizeof(what), "%s of %#llx",
				       insns[i].name,
				       (unsigned long long)pas[j]);
			expect_eq(what, "exception",
				  guest_try_call(insns[i].fn, &pas[j]), X86_GP);
		}
	}
	return 0;
}

/* APM Vol. 3 SKINIT: #UD unless CPUID 8000_0001 ECX.SKINIT. */
static int insn_skinit(void)
{
	/*
	 * With SKINIT advertised it would really start a secure loader. Bochs
	 * 3.0 ends the emulation on any SKINIT instead of the #UD it owes
	 * where SKINIT is not advertised.
	 */
	if (svm_caps.skinit || bare_bochs())
		return CHECK_SKIP;
	expect_eq("SKINIT without CPUID SKINIT", "exception",
		  guest_try_call(do_skinit, NULL), X86_UD);
	return 0;
}

/* The first page from 1 MiB that no memory-map entry covers (Modex's
 * hidden memory under Modex), or 0. */
static u64 hidden_page(void)
{
	u64 top = guest_hidden_top();

	for (u64 a = 0x100000; a < top; a += 4096)
		if (!guest_addr_in_map(a))
			return a;
	return 0;
}

/*
 * Under Modex (docs/nested.md, "host save area"): VM_HSAVE_PA must be
 * L1's RAM, so an address in Modex's memory is refused with #GP; and
 * Modex keeps L1's host state itself (APM Vol. 2 15.30.4 leaves the
 * area's format to the implementation), so a VMRUN and #VMEXIT leave
 * the area as L1 wrote it.
 */
static void hsave_under_modex(void)
{
	const u8 *h = (const u8 *)hsave_pa;
	u64 hid = hidden_page(), v = 0;
	struct l2_exit e;
	unsigned changed = 0;

	if (hid) {
		expect_eq("VM_HSAVE_PA in Modex's memory", "exception",
			  try_wrmsr(MSR_VM_HSAVE_PA, hid), X86_GP);
		GCHECK(try_rdmsr(MSR_VM_HSAVE_PA, &v) < 0 && v == hsave_pa,
		       "VM_HSAVE_PA %#llx after a write of %#llx, expected %#llx",
		       (unsigned long long)v, (unsigned long long)hid,
		       (unsigned long long)hsave_pa);
	}
	memset((void *)hsave_pa, 0x5a, 4096);
	vmcb_setup(true);
	l2_call(l2_vmmcall, 0, &e);
	expect_vmmcall("an L2 round trip", &e, (u64)l2_vmmcall);
	for (unsigned i = 0; i < 4096; i++)
		changed += h[i] != 0x5a;
	GCHECK(!changed,
	       "the host save area: %u bytes changed by VMRUN and #VMEXIT, expected none under Modex",
	       changed);
}

/* APM Vol. 2 15.30.4: VM_HSAVE_PA takes a 4 KiB aligned physical address. */
static int insn_hsave(void)
{
	u64 v = 0, bad[] = { hsave_pa + 0x10, hsave_pa | 0xfff,
			     1ULL << svm_caps.maxphyaddr };
	char what[64];

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		guest_snprintf(what, sizeof(what), "VM_HSAVE_PA = %#llx",
			       (unsigned long long)bad[i]);
		if (bare_bochs()) {
			/* Bochs 3.0 takes any VM_HSAVE_PA write, no #GP. */
			GINFO("%s: skip on Bochs (it takes it without #GP)\n",
			      what);
			continue;
		}
		expect_eq(what, "exception", try_wrmsr(MSR_VM_HSAVE_PA, bad[i]),
			  X86_GP);
	}
	if (!bare_bochs())
		GCHECK(try_rdmsr(MSR_VM_HSAVE_PA, &v) < 0 && v == hsave_pa,
		       "VM_HSAVE_PA %#llx after the bad writes, expected %#llx",
		       (unsigned long long)v, (unsigned long long)hsave_pa);
	try_wrmsr(MSR_VM_HSAVE_PA, hsave_pa);
	GCHECK(try_rdmsr(MSR_VM_HSAVE_PA, &v) < 0 && v == hsave_pa,
	       "VM_HSAVE_PA %#llx, expected %#llx", (unsigned long long)v,
	       (unsigned long long)hsave_pa);
	if (under_modex())
		hsave_under_modex();
	return 0;
}

#define GIF_VEC 0xe1
static volatile unsigned gif_irqs;

static void gif_irq(struct guest_frame *f)
{
	if (f->vector == GIF_VEC)
		gif_irqs++;
	apic_write(APIC_EOI, 0);
}

/*
 * APM Vol. 2 15.17: with GIF=0 (CLGI) interrupts are held even at
 * RFLAGS.IF=1; STGI lets the pending one in.
 */
static int insn_gif(void)
{
	if (!apic_usable())
		return CHECK_SKIP;
	guest_irq_handler = gif_irq;
	gif_irqs = 0;
	clgi();
	apic_self_ipi(GIF_VEC);
	asm volatile("sti; nop; nop; nop; nop" : : : "memory");
	for (volatile int i = 0; i < 1000; i++)
		;
	unsigned held = gif_irqs;
	stgi();
	asm volatile("nop; nop; cli" : : : "memory");
	expect_eq("self-IPI while GIF=0", "interrupts taken", held, 0);
	expect_eq("self-IPI after STGI", "interrupts taken", gif_irqs, 1);
	guest_irq_handler = NULL;
	return 0;
}

static u16 read_sel_fs(void)
{
	u16 v;

	asm volatile("mov %%fs, %0" : "=r"(v));
	return v;
}

static u16 read_sel_gs(void)
{
	u16 v;

	asm volatile("mov %%gs, %0" : "=r"(v));
	return v;
}

static u16 read_tr(void)
{
	u16 v;

	asm volatile("str %0" : "=r"(v));
	return v;
}

static u16 read_ldtr(void)
{
	u16 v;

	asm volatile("sldt %0" : "=r"(v));
	return v;
}

static void seg_eq(const char *name, const struct vmcb_seg *got,
		   const struct vmcb_seg *want)
{
	char what[64];

	guest_snprintf(what, sizeof(what), "VMSAVE after VMLOAD: %s", name);
	expect_eq(what, "selector", got->sel, want->sel);
	expect_eq(what, "attributes", got->attr, want->attr);
	expect_eq(what, "limit", got->limit, want->limit);
	expect_eq(what, "base", got->base, want->base);
}

/*
 * APM Vol. 2 15.5.2, Vol. 3 VMLOAD/VMSAVE: VMLOAD loads FS, GS, TR, LDTR
 * (hidden parts too), KernelGSBase, STAR, LSTAR, CSTAR, SFMASK and the
 * SYSENTER MSRs from the VMCB; VMSAVE stores them.
 */
static int insn_vmload_vmsave(void)
{
	struct vmcb *v = &scratch;
	struct {
		const char *name;
		u32 msr;
		u64 *field;
		u64 val;
	} msrs[] = {
		{ "FS.base", MSR_FS_BASE, &v->s.fs.base, 0x1111000 },
		{ "GS.base", MSR_GS_BASE, &v->s.gs.base, 0x2222000 },
		{ "KernelGSBase", MSR_KERNEL_GS_BASE, &v->s.kernel_gs_base,
		  0xffff800012345000ULL },
		{ "STAR", MSR_STAR, &v->s.star, 0x0023001000000000ULL },
		{ "LSTAR", MSR_LSTAR, &v->s.lstar, 0xffffffff81000000ULL },
		{ "CSTAR", MSR_CSTAR, &v->s.cstar, 0xffffffff81000100ULL },
		{ "SFMASK", MSR_SFMASK, &v->s.sfmask, 0x47700 },
		{ "SYSENTER_CS", MSR_SYSENTER_CS, &v->s.sysenter_cs, 0x10 },
		{ "SYSENTER_ESP", MSR_SYSENTER_ESP, &v->s.sysenter_esp,
		  0x7000 },
		{ "SYSENTER_EIP", MSR_SYSENTER_EIP, &v->s.sysenter_eip,
		  0x401000 },
	};
	u64 got[ARRAY_SIZE(msrs)];
	u16 fs, gs, tr, ldtr;

	memset(v, 0, sizeof(*v));
	memset(&scratch2, 0, sizeof(scratch2));
	v->s.fs = (struct vmcb_seg){ 0x10, 0xc93, 0xffffffff, 0 };
	v->s.gs = (struct vmcb_seg){ 0x10, 0xc93, 0xffffffff, 0 };
	/* L1's own TSS (GDT 0x20), busy, and an LDT that nothing uses. */
	v->s.tr = (struct vmcb_seg){ 0x20, 0x08b, 103, 0 };
	v->s.ldtr = (struct vmcb_seg){ 0x38, 0x082, 0xfff, 0x3000 };
	for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++)
		*msrs[i].field = msrs[i].val;
	/* L1's TSS base from its own VMSAVE: L1's TR stays the same TSS. */
	vmsave((u64)&saved);
	v->s.tr.base = saved.s.tr.base;
	vmload((u64)v);
	fs = read_sel_fs();
	gs = read_sel_gs();
	tr = read_tr();
	ldtr = read_ldtr();
	for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++)
		got[i] = guest_rdmsr(msrs[i].msr);
	vmsave((u64)&scratch2);
	vmload((u64)&saved);
	expect_eq("after VMLOAD", "FS", fs, 0x10);
	expect_eq("after VMLOAD", "GS", gs, 0x10);
	expect_eq("after VMLOAD", "TR", tr, 0x20);
	expect_eq("after VMLOAD", "LDTR", ldtr, 0x38);
	for (unsigned i = 0; i < ARRAY_SIZE(msrs); i++) {
		char what[48];
		u64 *f2 = (u64 *)((u8 *)&scratch2 +
				  ((u8 *)msrs[i].field - (u8 *)v));

		guest_snprintf(what, sizeof(what), "RDMSR after VMLOAD");
		expect_eq(what, msrs[i].name, got[i], msrs[i].val);
		guest_snprintf(what, sizeof(what), "VMSAVE after VMLOAD");
		expect_eq(what, msrs[i].name, *f2, msrs[i].val);
	}
	seg_eq("FS", &scratch2.s.fs, &v->s.fs);
	seg_eq("GS", &scratch2.s.gs, &v->s.gs);
	seg_eq("TR", &scratch2.s.tr, &v->s.tr);
	seg_eq("LDTR", &scratch2.s.ldtr, &v->s.ldtr);
	return 0;
}

void group_insn(void)
{
	run_check("insn-cpl3", insn_cpl3);
	run_check("insn-rax", insn_rax);
	run_check("insn-skinit", insn_skinit);
	run_check("insn-hsave", insn_hsave);
	run_check("insn-gif", insn_gif);
	run_check("insn-vmload-vmsave", insn_vmload_vmsave);
}
