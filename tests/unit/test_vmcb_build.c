// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the VMCB01 builder (svm/vmcb_build.c) over feature
 * sets with and without nested paging, NRIPS and GMET. No emulator here has
 * GMET: these tests are the only proof of the GMET path.
 */
#include "tests/unit/harness.h"

#include "hv/include/err.h"
#include "hv/include/x86.h"
#include "hv/loader.h"
#include "hv/vcpu.h"
#include "mm/pt_format.h"
#include "svm/vmcb_build.h"

static struct vmcb vmcb;
static u8 msrpm[MSRPM_SIZE];

/* QEMU TCG -cpu max: NPT, no NRIPS, no GMET. */
static const struct svm_features qemu_like = {
	.npt = true,
	.vgif = true,
	.nr_asids = 16,
	.edx = 0x10001,
};
/* Bochs ryzen: NPT, NRIPS, flush by ASID. */
static const struct svm_features ryzen_like = {
	.npt = true,
	.nrips = true,
	.flush_by_asid = true,
	.nr_asids = 32768,
};
/* A Zen 3+ part with GMET (CPUID 8000_000Ah EDX[17]). */
static const struct svm_features gmet_like = {
	.npt = true,
	.nrips = true,
	.flush_by_asid = true,
	.vmcb_clean = true,
	.decode_assists = true,
	.gmet = true,
	.nr_asids = 32768,
};

static struct vmcb01_config config(void)
{
	return (struct vmcb01_config){
		.asid = 1,
		.msrpm_pa = 0x3000000,
		.iopm_pa = 0x3004000,
		.ncr3 = 0x3100000,
	};
}

/* Multiboot's initial state: 32-bit protected mode, paging off, flat. */
static struct svm_guest_init mb_state(void)
{
	struct vmcb_seg code = { 0x10,
				 SEG_ATTR_TYPE(0xb) | SEG_ATTR_S | SEG_ATTR_P |
					 SEG_ATTR_DB | SEG_ATTR_G,
				 0xffffffff, 0 };
	struct vmcb_seg data = { 0x18,
				 SEG_ATTR_TYPE(0x3) | SEG_ATTR_S | SEG_ATTR_P |
					 SEG_ATTR_DB | SEG_ATTR_G,
				 0xffffffff, 0 };
	struct vmcb_seg tss = { 0, SEG_ATTR_TYPE(0xb) | SEG_ATTR_P, 0xffff, 0 };

	return (struct svm_guest_init){
		.es = data,
		.cs = code,
		.ss = data,
		.ds = data,
		.fs = data,
		.gs = data,
		.tr = tss,
		.ldtr = { 0, SEG_ATTR_TYPE(2) | SEG_ATTR_P, 0xffff, 0 },
		.gdtr = { 0, 0, 0x27, 0x1000 },
		.idtr = { 0, 0, 0x3ff, 0 },
		.cr0 = X86_CR0_PE | X86_CR0_ET,
		.rflags = 2,
		.rip = 0x100000,
		.rax = 0x36d76289,
		.dr6 = 0xffff0ff0,
		.dr7 = 0x400,
	};
}

TEST(qemu_features_no_gmet)
{
	struct vmcb01_config c = config();
	struct svm_guest_init g = mb_state();
	const char *why = "unset";

	REQUIRE(vmcb01_build(&qemu_like, &c, &g, &vmcb, &why) == 0);
	CHECK(why == NULL);
	CHECK_EQ(vmcb.ctl.nested_ctl, NESTED_CTL_NP_ENABLE);
	CHECK_EQ(vmcb.ctl.nested_cr3, 0x3100000);
	CHECK_EQ(vmcb.ctl.asid, 1);
	CHECK_EQ(vmcb.ctl.tlb_control, TLB_CONTROL_FLUSH_ALL);
	CHECK(!svm_use_gmet(&qemu_like, &c));
}

TEST(gmet_enabled_when_cpu_has_it)
{
	struct vmcb01_config c = config();
	struct svm_guest_init g = mb_state();

	REQUIRE(vmcb01_build(&gmet_like, &c, &g, &vmcb, NULL) == 0);
	CHECK_EQ(vmcb.ctl.nested_ctl, NESTED_CTL_NP_ENABLE | NESTED_CTL_GMET);
	/* The field is at offset 0x090, GMET is its bit 3. */
	CHECK_EQ(((const u8 *)&vmcb)[0x90], 0x09);
	CHECK(svm_use_gmet(&gmet_like, &c));
}

TEST(gmet_refused_by_config)
{
	struct vmcb01_config c = config();
	struct svm_guest_init g = mb_state();

	c.no_gmet = true;
	REQUIRE(vmcb01_build(&gmet_like, &c, &g, &vmcb, NULL) == 0);
	CHECK_EQ(vmcb.ctl.nested_ctl, NESTED_CTL_NP_ENABLE);
}

TEST(nrips_does_not_change_vmcb)
{
	struct vmcb01_config c = config();
	struct svm_guest_init g = mb_state();
	static struct vmcb other;

	REQUIRE(vmcb01_build(&qemu_like, &c, &g, &vmcb, NULL) == 0);
	REQUIRE(vmcb01_build(&ryzen_like, &c, &g, &other, NULL) == 0);
	CHECK(!memcmp(&vmcb, &other, sizeof(vmcb)));
}

TEST(no_npt_refused)
{
	struct svm_features f = qemu_like;
	struct vmcb01_config c = config();
	struct svm_guest_init g = mb_state();
	const char *why = NULL;

	f.npt = false;
	CHECK_EQ(vmcb01_build(&f, &c, &g, &vmcb, &why), -E_NOSUPP);
	CHECK_STR_CONTAINS(why, "nested paging");
}

TEST(intercepts)
{
	struct vmcb01_config c = config();
	struct svm_guest_init g = mb_state();
	const struct vmcb_control *ctl = &vmcb.ctl;

	REQUIRE(vmcb01_build(&ryzen_like, &c, &g, &vmcb, NULL) == 0);
	CHECK(ctl->intercept_misc2 & INTERCEPT_VMRUN);
	CHECK(ctl->intercept_misc2 & INTERCEPT_VMMCALL);
	CHECK(ctl->intercept_misc2 & INTERCEPT_VMLOAD);
	CHECK(ctl->intercept_misc2 & INTERCEPT_VMSAVE);
	CHECK(ctl->intercept_misc2 & INTERCEPT_STGI);
	CHECK(ctl->intercept_misc2 & INTERCEPT_CLGI);
	CHECK(ctl->intercept_misc2 & INTERCEPT_SKINIT);
	CHECK(!(ctl->intercept_misc2 & INTERCEPT_XSETBV));
	CHECK(ctl->intercept_misc1 & INTERCEPT_CPUID);
	CHECK(ctl->intercept_misc1 & INTERCEPT_MSR_PROT);
	CHECK(ctl->intercept_misc1 & INTERCEPT_SHUTDOWN);
	CHECK(ctl->intercept_misc1 & INTERCEPT_INVLPGA);
	/* INIT and NMI are how CPUs reach each other (hv/smp.c). */
	CHECK(ctl->intercept_misc1 & INTERCEPT_INIT);
	CHECK(ctl->intercept_misc1 & INTERCEPT_NMI);
	/* I/O through the IOPM (PCI configuration ports, hv/pci_cfg.c). */
	CHECK(ctl->intercept_misc1 & INTERCEPT_IOIO_PROT);
	/* Passthrough: interrupts, HLT, exceptions, CRs. */
	CHECK(!(ctl->intercept_misc1 &
		(INTERCEPT_INTR | INTERCEPT_SMI | INTERCEPT_HLT)));
	CHECK_EQ(ctl->intercept_exceptions, 0);
	CHECK_EQ(ctl->intercept_cr, 0);
	CHECK_EQ(ctl->intercept_dr, 0);
	CHECK_EQ(ctl->int_ctl, 0);
	CHECK_EQ(ctl->msrpm_base_pa, 0x3000000);
	CHECK_EQ(ctl->iopm_base_pa, 0x3004000);
}

TEST(guest_state)
{
	struct vmcb01_config c = config();
	struct svm_guest_init g = mb_state();
	const struct vmcb_save *s = &vmcb.save;

	REQUIRE(vmcb01_build(&qemu_like, &c, &g, &vmcb, NULL) == 0);
	CHECK_EQ(s->efer, EFER_SVME);
	CHECK_EQ(s->cr0, X86_CR0_PE | X86_CR0_ET);
	CHECK_EQ(s->rip, 0x100000);
	CHECK_EQ(s->rax, 0x36d76289);
	CHECK_EQ(s->cs.sel, 0x10);
	CHECK_EQ(s->cs.limit, 0xffffffff);
	CHECK_EQ(s->g_pat, PAT_POWER_ON);
	CHECK_EQ(s->dr6, 0xffff0ff0);
	CHECK_EQ(s->cpl, 0);
	/* Raw offsets, APM Vol. 2 table B-2. */
	CHECK_EQ(*(const u64 *)((const u8 *)&vmcb + 0x578), 0x100000);
	CHECK_EQ(*(const u64 *)((const u8 *)&vmcb + 0x4d0), EFER_SVME);
	CHECK_EQ(*(const u16 *)((const u8 *)&vmcb + 0x410), 0x10);
}

TEST(bad_config_rejected)
{
	struct vmcb01_config c = config();
	struct svm_guest_init g = mb_state();
	const char *why = NULL;

	c.asid = 0;
	CHECK_EQ(vmcb01_build(&qemu_like, &c, &g, &vmcb, &why), -E_INVAL);
	CHECK_STR_CONTAINS(why, "ASID");
	c = config();
	c.asid = 16; /* qemu_like has 16 ASIDs: 0..15 */
	CHECK_EQ(vmcb01_build(&qemu_like, &c, &g, &vmcb, NULL), -E_INVAL);
	c = config();
	c.ncr3 = 0x3100010;
	CHECK_EQ(vmcb01_build(&qemu_like, &c, &g, &vmcb, &why), -E_INVAL);
	CHECK_STR_CONTAINS(why, "NPT01");
	c = config();
	c.msrpm_pa = 0;
	CHECK_EQ(vmcb01_build(&qemu_like, &c, &g, &vmcb, NULL), -E_INVAL);
}

TEST(consistency_checks)
{
	struct vmcb01_config c = config();
	struct svm_guest_init g;
	const char *why;

	g = mb_state();
	g.cr0 |= X86_CR0_NW;
	CHECK_EQ(vmcb01_build(&qemu_like, &c, &g, &vmcb, &why), -E_INVAL);
	CHECK_STR_CONTAINS(why, "NW");
	g = mb_state();
	g.efer = EFER_LME;
	g.cr0 |= X86_CR0_PG;
	CHECK_EQ(vmcb01_build(&qemu_like, &c, &g, &vmcb, &why), -E_INVAL);
	CHECK_STR_CONTAINS(why, "PAE");
	g.cr4 = X86_CR4_PAE;
	g.cs.attrib |= SEG_ATTR_L;
	CHECK_EQ(vmcb01_build(&qemu_like, &c, &g, &vmcb, &why), -E_INVAL);
	CHECK_STR_CONTAINS(why, "CS.L");
	g.cs.attrib &= ~SEG_ATTR_DB;
	CHECK_EQ(vmcb01_build(&qemu_like, &c, &g, &vmcb, &why), 0);
	g = mb_state();
	g.efer = BIT(3);
	CHECK_EQ(vmcb01_build(&qemu_like, &c, &g, &vmcb, &why), -E_INVAL);
	g = mb_state();
	g.dr7 = BIT(40);
	CHECK_EQ(vmcb01_build(&qemu_like, &c, &g, &vmcb, &why), -E_INVAL);
}

/* The MSRs the permission map must intercept, written out independently
 * of hv/msr_policy.c (docs/isolation.md): SVM's own, the MTRRs, SMRR,
 * PAT, and (write only) DEBUGCTL without LBR virtualization and the
 * decode and SMM MSRs. */
static bool svm_expected(u32 msr, bool write, bool lbrv)
{
	/* IA32_APIC_BASE (hv/vlapic.h) and the policy of hv/msr_policy.c;
	 * the x2APIC ICR exits on writes only (INIT/SIPI capture). */
	bool rw = msr == MSR_EFER || msr == MSR_VM_CR || msr == 0x1b ||
		  msr == MSR_VM_HSAVE_PA || msr == MSR_SVM_KEY || msr == 0xfe ||
		  (msr >= 0x200 && msr <= 0x24f) || msr == 0x250 ||
		  msr == 0x258 || msr == 0x259 ||
		  (msr >= 0x268 && msr <= 0x26f) || msr == 0x2ff ||
		  msr == 0x1f2 || msr == 0x1f3 || msr == 0x277;
	bool wo = msr == 0xc0010010 || msr == 0xc001001a || msr == 0xc001001d ||
		  (msr >= 0xc0010111 && msr <= 0xc0010113) ||
		  (msr == 0x1d9 && !lbrv);

	return rw || (write && (wo || msr == 0x830));
}

TEST(msrpm_intercepts_exactly_the_policy)
{
	static const u32 bases[] = { 0, 0xc0000000, 0xc0010000 };

	for (int lbrv = 0; lbrv < 2; lbrv++) {
		unsigned set = 0, expected = 0;

		svm_msrpm_init(msrpm, lbrv);
		for (unsigned b = 0; b < 3; b++) {
			for (u32 msr = bases[b]; msr <= bases[b] + 0x1fff;
			     msr++) {
				for (int w = 0; w < 2; w++) {
					bool want = svm_expected(msr, w, lbrv);

					CHECK_MSG(
						svm_msrpm_intercepts(msrpm, msr,
								     w) == want,
						"msr %#x write %d lbrv %d", msr,
						w, lbrv);
					expected += want;
				}
			}
		}
		for (unsigned i = 0; i < MSRPM_SIZE; i++)
			set += (unsigned)__builtin_popcount(msrpm[i]);
		CHECK_EQ(set, expected);
		/* Outside the three ranges: always intercepted. */
		CHECK(svm_msrpm_intercepts(msrpm, 0x40000000, 0));
		CHECK(svm_msrpm_intercepts(msrpm, 0x40000000, 1));
	}
	/* EFER is MSR 0x80 of the second range: byte 0x800 + 0x20, bits 0-1. */
	CHECK_EQ(msrpm[0x820], 0x03);
	/* VM_CR is 0x114 of the third range: byte 0x1000 + 0x45, bits 0-1;
	 * VM_HSAVE_PA (0x117) bits 6-7; IGNNE and SMM_CTL between: clear. */
	CHECK_EQ(msrpm[0x1045], 0xc3);
	/* TSC, STAR: L1's; APIC_BASE virtual. */
	CHECK(svm_msrpm_intercepts(msrpm, 0x1b, 1));
	CHECK(!svm_msrpm_intercepts(msrpm, 0x10, 1));
	CHECK(!svm_msrpm_intercepts(msrpm, 0xc0000081, 1));
}

TEST(vmcb01_invd_and_lbrv)
{
	struct vmcb01_config c = config();
	struct svm_guest_init g = mb_state();
	struct svm_features lbrv = ryzen_like;

	REQUIRE(vmcb01_build(&ryzen_like, &c, &g, &vmcb, NULL) == 0);
	CHECK(vmcb.ctl.intercept_misc1 & INTERCEPT_INVD);
	CHECK(vmcb.ctl.intercept_misc2 & INTERCEPT_WBINVD);
	CHECK_EQ(vmcb.ctl.virt_ext, 0);
	CHECK_EQ(vmcb.save.g_pat, PAT_POWER_ON);
	lbrv.edx |= SVM_EDX_LBRV;
	REQUIRE(vmcb01_build(&lbrv, &c, &g, &vmcb, NULL) == 0);
	CHECK_EQ(vmcb.ctl.virt_ext, VIRT_EXT_LBRV);
	CHECK_EQ(vmcb.save.dbgctl, 0);
}

TEST(erratum_1218)
{
	u64 fetch = NPF_FINAL | NPF_P | NPF_ID;

	/* GMET on: U follows CPL==3 for fetches, whatever the CPU said. */
	CHECK_EQ(svm_npf_fixup(fetch | NPF_U, true, 0), fetch);
	CHECK_EQ(svm_npf_fixup(fetch | NPF_U, true, 2), fetch);
	CHECK_EQ(svm_npf_fixup(fetch, true, 3), fetch | NPF_U);
	/* Not a fetch, or GMET off: untouched. */
	CHECK_EQ(svm_npf_fixup(NPF_FINAL | NPF_W | NPF_U, true, 0),
		 NPF_FINAL | NPF_W | NPF_U);
	CHECK_EQ(svm_npf_fixup(fetch | NPF_U, false, 0), fetch | NPF_U);
	CHECK_EQ(svm_npf_fixup(fetch, false, 3), fetch);
}

/* A multiboot entry state as hv/loader.c describes it. */
static struct boot_cpu_state boot_state(void)
{
	struct boot_seg code = { BOOT_SEL_CODE, BOOT_AR_CODE32, 0xffffffff, 0 };
	struct boot_seg data = { BOOT_SEL_DATA, BOOT_AR_DATA32, 0xffffffff, 0 };

	return (struct boot_cpu_state){
		.rip = 0x101000,
		.rax = 0x36d76289,
		.rbx = 0x10000,
		.rflags = 2,
		.cr0 = X86_CR0_PE | X86_CR0_ET,
		.cs = code,
		.ds = data,
		.es = data,
		.fs = data,
		.gs = data,
		.ss = data,
		.tr = { 0, BOOT_AR_TSS32_BUSY, 0xffff, 0 },
		.gdtr = { 0x10100, 23 },
	};
}

TEST(boot_state_to_vmcb)
{
	struct boot_cpu_state bs = boot_state();
	struct svm_guest_init g;
	struct guest_regs r;
	struct vmcb01_config c = config();

	REQUIRE(svm_guest_init_from_boot(&bs, &g, &r) == 0);
	/* Descriptor bits 55:52 (G, D/B) move to attrib bits 11:8. */
	CHECK_EQ(g.cs.attrib, 0xc9b);
	CHECK_EQ(g.ss.attrib, 0xc93);
	CHECK_EQ(g.tr.attrib, 0x08b);
	CHECK_EQ(g.cs.sel, BOOT_SEL_CODE);
	CHECK_EQ(g.gdtr.base, 0x10100);
	CHECK_EQ(g.gdtr.limit, 23);
	CHECK_EQ(g.cpl, 0);
	CHECK_EQ(r.rax, 0x36d76289);
	CHECK_EQ(r.rbx, 0x10000);
	CHECK_EQ(r.rip, 0x101000);
	REQUIRE(vmcb01_build(&qemu_like, &c, &g, &vmcb, NULL) == 0);
	CHECK_EQ(vmcb.save.cs.attrib & (SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G),
		 SEG_ATTR_P | SEG_ATTR_DB | SEG_ATTR_G);
	CHECK_EQ(vmcb.save.dr7, 0x400);
	/* A CS that is not present cannot be entered. */
	bs.cs.ar = 0;
	CHECK_EQ(svm_guest_init_from_boot(&bs, &g, &r), -E_INVAL);
}

/* An AP's INIT state and the state a SIPI gives it (SDM Vol. 3A table
 * 10-1), as VMRUN will see them: paged real mode under NPT. */
TEST(init_and_sipi_states_to_vmcb)
{
	struct vmcb01_config c = { .asid = 1,
				   .msrpm_pa = 0x200000,
				   .iopm_pa = 0x300000,
				   .ncr3 = 0x400000 };
	struct boot_cpu_state bs;
	struct svm_guest_init g;
	struct guest_regs r;

	loader_init_state(&bs, LOADER_POWERUP_CR0, 0x306d4);
	REQUIRE(svm_guest_init_from_boot(&bs, &g, &r) == 0);
	CHECK_EQ(g.cs.sel, 0xf000);
	CHECK_EQ(g.cs.base, 0xffff0000);
	CHECK_EQ(g.cs.attrib, 0x9b);
	CHECK_EQ(g.ss.attrib, 0x93);
	CHECK_EQ(g.cpl, 0);
	CHECK_EQ(g.cr0, 0x60000010);
	CHECK_EQ(r.rip, 0xfff0);
	CHECK_EQ(r.rdx, 0x306d4);
	REQUIRE(vmcb01_build(&qemu_like, &c, &g, &vmcb, NULL) == 0);
	loader_sipi_state(&bs, 0x9e);
	REQUIRE(svm_guest_init_from_boot(&bs, &g, &r) == 0);
	CHECK_EQ(g.cs.sel, 0x9e00);
	CHECK_EQ(g.cs.base, 0x9e000);
	CHECK_EQ(r.rip, 0);
	/* INIT keeps CD/NW, clears everything else but ET. */
	loader_init_state(&bs, X86_CR0_PG | X86_CR0_PE | X86_CR0_WP, 0);
	CHECK_EQ(bs.cr0, X86_CR0_ET);
	loader_init_state(&bs, X86_CR0_CD | X86_CR0_PE, 0);
	CHECK_EQ(bs.cr0, X86_CR0_CD | X86_CR0_ET);
}

/*
 * The NPT01 entries hv/guest.c builds: pt_acc_full() for L1's memory and
 * the same minus execute for the sink. Under GMET the leaves must have
 * U=0 (executable at every CPL, REFERENCE.md section 2); without GMET
 * U=1 (every NPT access is a user access); the sink is always NX.
 */
TEST(npt01_leaves_gmet_and_sink)
{
	for (int gmet = 0; gmet < 2; gmet++) {
		struct pt_format f;
		acc_t full, sink;
		u64 e;

		REQUIRE(pt_format_init(&f, PT_NPT, 48,
				       PTF_NXE | (gmet ? PTF_GMET : 0)) == 0);
		full = pt_acc_full(&f);
		sink = full & ~(acc_t)ACC_X_BOTH;
		REQUIRE(pt_encode_leaf(&f, 2, 0x200000, full, 0, &e, NULL) ==
			0);
		CHECK_EQ(!!(e & PTE_US), !gmet);
		CHECK(!(e & PTE_NX));
		CHECK(e & PTE_RW);
		REQUIRE(pt_encode_leaf(&f, 1, 0x5000, sink, 0, &e, NULL) == 0);
		CHECK(e & PTE_NX);
		CHECK(e & PTE_RW);
		CHECK_EQ(!!(e & PTE_US), !gmet);
	}
}
