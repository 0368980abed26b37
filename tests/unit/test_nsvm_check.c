// SPDX-License-Identifier: MIT
/*
 * The pure rules of nested SVM (nested/nsvm_check.c): VMRUN's consistency
 * checks (one mutation per rule with its exact result, then randomized
 * mutations against a model of the rules), L1's intercept decision, #NPF
 * EXITINFO1 for L1 with and without GMET, the features offered to L1 and
 * the instruction lengths Modex decodes without NRIPS.
 */
#include "tests/unit/harness.h"

#include <stdlib.h>
#include <string.h>

#include "hv/include/x86.h"
#include "nested/nsvm.h"

#define RAM_TOP 0x10000000ULL /* fake L1 RAM: [0, 256 MiB) */

static bool fake_ram(u64 gpa, u64 len)
{
	return gpa + len <= RAM_TOP && gpa + len > gpa;
}

static const struct nsvm_check_env env = {
	.maxphyaddr = 40,
	.cr4_mbz = ~0x0000000000371fffULL,
	.efer_mbz = ~(0x3ffd01ULL),
	.flush_by_asid = true,
	.l1_ram = fake_ram,
};

/* A valid 64-bit vmcb12. */
static void base(struct vmcb *c)
{
	memset(c, 0, sizeof(*c));
	c->ctl.intercept_misc2 = INTERCEPT_VMRUN;
	c->ctl.asid = 1;
	c->ctl.msrpm_base_pa = 0x100000;
	c->ctl.iopm_base_pa = 0x200000;
	c->save.efer = EFER_SVME | EFER_LME | EFER_LMA | EFER_NXE;
	c->save.cr0 = X86_CR0_PE | X86_CR0_PG | X86_CR0_ET;
	c->save.cr3 = 0x300000;
	c->save.cr4 = X86_CR4_PAE;
	c->save.cs.attrib = SEG_ATTR_P | SEG_ATTR_S | SEG_ATTR_L | 0xb;
	c->save.dr6 = 0xffff0ff0;
	c->save.dr7 = 0x400;
}

TEST(valid_passes)
{
	struct vmcb c;

	base(&c);
	CHECK(nsvm_vmcb12_invalid(&c, &env) == NULL);
}

struct rule {
	const char *name;
	void (*mutate)(struct vmcb *c);
	const char *why; /* the exact reason */
};

#define M(fn, body)                    \
	static void fn(struct vmcb *c) \
	{                              \
		body;                  \
	}
M(m_svme, c->save.efer &= ~EFER_SVME)
M(m_nw, c->save.cr0 |= X86_CR0_NW)
M(m_cr0_hi, c->save.cr0 |= BIT(32))
M(m_cr3_hi, c->save.cr3 |= BIT(60))
M(m_cr3_phys, c->save.cr3 |= BIT(45))
M(m_cr4_rsv, c->save.cr4 |= X86_CR4_VMXE)
M(m_cr4_hi, c->save.cr4 |= BIT(40))
M(m_dr6, c->save.dr6 |= BIT(33))
M(m_dr7, c->save.dr7 |= BIT(40))
M(m_efer_rsv, c->save.efer |= BIT(9))
M(m_efer_hi, c->save.efer |= BIT(40))
M(m_pae, c->save.cr4 &= ~X86_CR4_PAE)
M(m_pe, c->save.cr0 &= ~X86_CR0_PE)
M(m_csld, c->save.cs.attrib |= SEG_ATTR_DB)
M(m_vmrun, c->ctl.intercept_misc2 = 0)
M(m_asid, c->ctl.asid = 0)
M(m_msrpm, c->ctl.msrpm_base_pa = RAM_TOP - 0x1000)
M(m_iopm, c->ctl.iopm_base_pa = RAM_TOP - 0x2000)
M(m_tlb, c->ctl.tlb_control = 2)
M(m_ev_type, c->ctl.event_inj = EVENTINJ_VALID | (1u << 8) | 32)
M(m_ev_type7, c->ctl.event_inj = EVENTINJ_VALID | (7u << 8))
M(m_ev_nmi_exc, c->ctl.event_inj = EVENTINJ_VALID | EVENTINJ_TYPE_EXCEPTION | 2)
M(m_ev_vec, c->ctl.event_inj = EVENTINJ_VALID | EVENTINJ_TYPE_EXCEPTION | 32)

static const struct rule rules[] = {
	{ "svme", m_svme, "EFER.SVME is clear" },
	{ "nw", m_nw, "CR0.NW is set without CR0.CD" },
	{ "cr0_hi", m_cr0_hi, "CR0 bits 63:32 are set" },
	{ "cr3_hi", m_cr3_hi, "CR3 has MBZ bits set" },
	{ "cr3_phys", m_cr3_phys, "CR3 has MBZ bits set (beyond MAXPHYADDR)" },
	{ "cr4_rsv", m_cr4_rsv, "CR4 has reserved bits set" },
	{ "cr4_hi", m_cr4_hi, "CR4 has reserved bits set" },
	{ "dr6", m_dr6, "DR6 or DR7 bits 63:32 are set" },
	{ "dr7", m_dr7, "DR6 or DR7 bits 63:32 are set" },
	{ "efer_rsv", m_efer_rsv, "EFER has reserved bits set" },
	{ "efer_hi", m_efer_hi, "EFER has reserved bits set" },
	{ "pae", m_pae, "EFER.LME and CR0.PG are set without CR4.PAE" },
	{ "pe", m_pe, "EFER.LME and CR0.PG are set without CR0.PE" },
	{ "csld", m_csld, "CS.L and CS.D are both set in long mode" },
	{ "vmrun", m_vmrun, "the VMRUN intercept is clear" },
	{ "asid", m_asid, "ASID is 0" },
	{ "msrpm", m_msrpm, "the MSR permission map is outside L1's RAM" },
	{ "iopm", m_iopm, "the I/O permission map is outside L1's RAM" },
	{ "tlb", m_tlb, "TLB_CONTROL is reserved" },
	{ "ev_type", m_ev_type, "EVENTINJ has an illegal type or vector" },
	{ "ev_type7", m_ev_type7, "EVENTINJ has an illegal type or vector" },
	{ "ev_nmi_exc", m_ev_nmi_exc,
	  "EVENTINJ has an illegal type or vector" },
	{ "ev_vec", m_ev_vec, "EVENTINJ has an illegal type or vector" },
};

TEST(each_rule_fails_exactly)
{
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct vmcb c;
		const char *got;

		base(&c);
		rules[i].mutate(&c);
		got = nsvm_vmcb12_invalid(&c, &env);
		CHECK_MSG(got && !strcmp(got, rules[i].why), "%s: got %s",
			  rules[i].name, got ? got : "(valid)");
	}
}

/* Legal variants stay valid: legacy mode without PAE, CD with NW, flush
 * by ASID, every legal event type. */
TEST(legal_variants_pass)
{
	static const u32 events[] = {
		EVENTINJ_VALID | 0x20, EVENTINJ_VALID | (2u << 8) | 2,
		EVENTINJ_VALID | EVENTINJ_TYPE_EXCEPTION | 14 |
			EVENTINJ_ERR_VALID,
		EVENTINJ_VALID | (4u << 8) | 0x80, (7u << 8) /* not valid */
	};
	struct vmcb c;

	base(&c);
	c.save.efer = EFER_SVME;
	c.save.cr4 = 0;
	c.save.cr0 = X86_CR0_PE | X86_CR0_PG;
	c.save.cs.attrib |= SEG_ATTR_DB;
	CHECK(nsvm_vmcb12_invalid(&c, &env) == NULL);
	base(&c);
	c.save.cr0 |= X86_CR0_CD | X86_CR0_NW;
	c.ctl.tlb_control = 7;
	CHECK(nsvm_vmcb12_invalid(&c, &env) == NULL);
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		base(&c);
		c.ctl.event_inj = events[i];
		CHECK_MSG(nsvm_vmcb12_invalid(&c, &env) == NULL, "event %#x",
			  events[i]);
	}
}

/* An independent statement of the rules, for the randomized test. */
static bool model_valid(const struct vmcb *c)
{
	const struct vmcb_save *s = &c->save;
	bool lp = (s->efer & EFER_LME) && (s->cr0 & X86_CR0_PG);
	u32 ev = c->ctl.event_inj, type = (ev >> 8) & 7;
	u8 t = c->ctl.tlb_control;

	if (!(s->efer & EFER_SVME) || (s->cr0 >> 32) ||
	    ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD)))
		return false;
	if ((s->cr3 >> 52) || (lp && (s->cr3 >> 40)) || (s->cr4 & env.cr4_mbz))
		return false;
	if ((s->dr6 >> 32) || (s->dr7 >> 32) || (s->efer & env.efer_mbz))
		return false;
	if (lp &&
	    (!(s->cr4 & X86_CR4_PAE) || !(s->cr0 & X86_CR0_PE) ||
	     ((s->cs.attrib & SEG_ATTR_L) && (s->cs.attrib & SEG_ATTR_DB))))
		return false;
	if (!(c->ctl.intercept_misc2 & INTERCEPT_VMRUN) || !c->ctl.asid)
		return false;
	if ((c->ctl.msrpm_base_pa & ~0xfffULL) + MSRPM_SIZE > RAM_TOP ||
	    (c->ctl.iopm_base_pa & ~0xfffULL) + IOPM_SIZE > RAM_TOP)
		return false;
	if (t != 0 && t != 1 && t != 3 && t != 7)
		return false;
	if ((ev & EVENTINJ_VALID) &&
	    (type == 1 || type >= 5 ||
	     (type == 3 && ((ev & 0xff) == 2 || (ev & 0xff) > 31))))
		return false;
	return true;
}

static u64 rnd64(void)
{
	return ((u64)rand() << 33) ^ ((u64)rand() << 11) ^ (u64)rand();
}

/* Flip one random bit of one of the checked fields. */
static void mutate(struct vmcb *c)
{
	u64 *f64[] = { &c->save.efer,	      &c->save.cr0,	   &c->save.cr3,
		       &c->save.cr4,	      &c->save.dr6,	   &c->save.dr7,
		       &c->ctl.msrpm_base_pa, &c->ctl.iopm_base_pa };
	unsigned k = (unsigned)rand() % 12;

	if (k < 8)
		*f64[k] ^= BIT(rnd64() % 64);
	else if (k == 8)
		c->save.cs.attrib ^= (u16)BIT(rand() % 12);
	else if (k == 9)
		c->ctl.asid ^= (u32)BIT(rand() % 3);
	else if (k == 10)
		c->ctl.tlb_control = (u8)(rand() % 9);
	else
		c->ctl.event_inj = (u32)rnd64() & 0x800007ff;
}

TEST(randomized_mutations)
{
	unsigned ok = 0, bad = 0;

	srand(12);
	for (int i = 0; i < 200000; i++) {
		struct vmcb c;
		bool want;
		const char *got;

		base(&c);
		for (int j = rand() % 3; j >= 0; j--)
			mutate(&c);
		want = model_valid(&c);
		got = nsvm_vmcb12_invalid(&c, &env);
		CHECK_MSG(want == (got == NULL),
			  "mutation %d: model %d, got %s", i, want,
			  got ? got : "(valid)");
		if (want)
			ok++;
		else
			bad++;
	}
	printf("  randomized: %u valid, %u VMEXIT_INVALID\n", ok, bad);
	CHECK(ok && bad);
}

/* ---------------------------------------------- intercept decision */

TEST(intercepts)
{
	static u8 msrpm[MSRPM_SIZE], iopm[IOPM_SIZE];
	struct vmcb_control c;

	memset(&c, 0, sizeof(c));
	memset(msrpm, 0, sizeof(msrpm));
	memset(iopm, 0, sizeof(iopm));
	c.intercept_cr = BIT(0) | BIT(16 + 3); /* CR0 read, CR3 write */
	c.intercept_dr = BIT(7);
	c.intercept_exceptions = BIT(14);
	c.intercept_misc1 = INTERCEPT_CPUID | INTERCEPT_HLT;
	c.intercept_misc2 = INTERCEPT_VMRUN | INTERCEPT_VMMCALL;
	CHECK(nsvm_l1_intercepts(&c, SVM_EXIT_CR0_READ, 0, 0, msrpm, iopm));
	CHECK(!nsvm_l1_intercepts(&c, SVM_EXIT_CR0_WRITE, 0, 0, msrpm, iopm));
	CHECK(nsvm_l1_intercepts(&c, 0x13, 0, 0, msrpm, iopm));
	CHECK(nsvm_l1_intercepts(&c, 0x27, 0, 0, msrpm, iopm));
	CHECK(!nsvm_l1_intercepts(&c, 0x26, 0, 0, msrpm, iopm));
	CHECK(nsvm_l1_intercepts(&c, 0x4e, 0, 0, msrpm, iopm));
	CHECK(!nsvm_l1_intercepts(&c, 0x46, 0, 0, msrpm, iopm));
	CHECK(nsvm_l1_intercepts(&c, SVM_EXIT_CPUID, 0, 0, msrpm, iopm));
	CHECK(nsvm_l1_intercepts(&c, SVM_EXIT_HLT, 0, 0, msrpm, iopm));
	CHECK(!nsvm_l1_intercepts(&c, SVM_EXIT_INTR, 0, 0, msrpm, iopm));
	CHECK(!nsvm_l1_intercepts(&c, SVM_EXIT_NMI, 0, 0, msrpm, iopm));
	CHECK(nsvm_l1_intercepts(&c, SVM_EXIT_VMMCALL, 0, 0, msrpm, iopm));
	CHECK(!nsvm_l1_intercepts(&c, SVM_EXIT_VMLOAD, 0, 0, msrpm, iopm));
	CHECK(nsvm_l1_intercepts(&c, SVM_EXIT_INVALID, 0, 0, msrpm, iopm));
	/* MSRs: without MSR_PROT none; with it by the map (15.11). */
	msrpm[0x800 + (0x80 * 2) / 8] |= 1u << ((0x80 * 2 + 1) % 8);
	CHECK(!nsvm_l1_intercepts(&c, SVM_EXIT_MSR, 1, 0xc0000080, msrpm,
				  iopm));
	c.intercept_misc1 |= INTERCEPT_MSR_PROT;
	CHECK(nsvm_l1_intercepts(&c, SVM_EXIT_MSR, 1, 0xc0000080, msrpm, iopm));
	CHECK(!nsvm_l1_intercepts(&c, SVM_EXIT_MSR, 0, 0xc0000080, msrpm,
				  iopm));
	CHECK(nsvm_l1_intercepts(&c, SVM_EXIT_MSR, 0, 0x40000000, msrpm, iopm));
	/* Ports: any byte of the access (15.10.1). */
	iopm[0x71 / 8] |= 1u << (0x71 % 8);
	c.intercept_misc1 |= INTERCEPT_IOIO_PROT;
	CHECK(nsvm_l1_intercepts(&c, SVM_EXIT_IOIO, (0x70ULL << 16) | IOIO_SZ16,
				 0, msrpm, iopm));
	CHECK(!nsvm_l1_intercepts(&c, SVM_EXIT_IOIO, (0x70ULL << 16) | IOIO_SZ8,
				  0, msrpm, iopm));
	/* #NPF is L1's exactly when it enables nested paging. */
	CHECK(!nsvm_l1_intercepts(&c, SVM_EXIT_NPF, 0, 0, msrpm, iopm));
	c.nested_ctl = NESTED_CTL_NP_ENABLE;
	CHECK(nsvm_l1_intercepts(&c, SVM_EXIT_NPF, 0, 0, msrpm, iopm));
}

/* ---------------------------------------------- #NPF EXITINFO1 */

static struct pt_walk walk(u8 status, unsigned op, bool user)
{
	struct pt_walk w;

	memset(&w, 0, sizeof(w));
	w.status = status;
	w.kind = (u8)pk_make(op, user);
	return w;
}

TEST(npf_exitinfo1)
{
	struct pt_format plain, gmet;
	struct pt_walk w;

	REQUIRE(pt_format_init(&plain, PT_NPT, 40, PTF_NXE) == 0);
	REQUIRE(pt_format_init(&gmet, PT_NPT, 40, PTF_NXE | PTF_GMET) == 0);
	/* REFERENCE.md section 2: without GMET, U is always set. */
	w = walk(PTW_VIOLATION, PK_FETCH, true);
	CHECK_EQ(nsvm_npf_exitinfo1(&w, &plain, 0, NPF_FINAL), 0x100000015ULL);
	w = walk(PTW_NOT_PRESENT, PK_WRITE, true);
	CHECK_EQ(nsvm_npf_exitinfo1(&w, &plain, 0, NPF_GUEST_WALK),
		 0x200000006ULL);
	w = walk(PTW_MISCONFIG, PK_READ, true);
	CHECK_EQ(nsvm_npf_exitinfo1(&w, &plain, 3, NPF_FINAL), 0x10000000dULL);
	/* GMET: a CPL 0 fetch has U clear (erratum 1218: U = CPL == 3),
	 * not only CPL == 0: CPL 1 and 2 are supervisor too. */
	w = walk(PTW_VIOLATION, PK_FETCH, false);
	CHECK_EQ(nsvm_npf_exitinfo1(&w, &gmet, 0, NPF_FINAL), 0x100000011ULL);
	CHECK_EQ(nsvm_npf_exitinfo1(&w, &gmet, 1, NPF_FINAL), 0x100000011ULL);
	CHECK_EQ(nsvm_npf_exitinfo1(&w, &gmet, 2, NPF_FINAL), 0x100000011ULL);
	w = walk(PTW_VIOLATION, PK_FETCH, true);
	CHECK_EQ(nsvm_npf_exitinfo1(&w, &gmet, 3, NPF_FINAL), 0x100000015ULL);
	/* The walk's user flag does not override the CPL rule for fetches. */
	CHECK_EQ(nsvm_npf_exitinfo1(&w, &gmet, 0, NPF_FINAL), 0x100000011ULL);
}

/* ---------------------------------------------- features, lengths */

TEST(features)
{
	/* GMET is offered only where the CPU has it. */
	CHECK_EQ(nsvm_feature_edx(0), 0x69);
	CHECK_EQ(nsvm_feature_edx(0xffffffff), 0x69 | BIT(16) | BIT(17));
	/* VGIF where the CPU has it; virtual VMLOAD/VMSAVE never. */
	CHECK_EQ(nsvm_feature_edx(BIT(16) | BIT(15)), 0x69 | BIT(16));
	CHECK_EQ(nsvm_feature_edx(BIT(15)), 0x69);
}

TEST(vgif_int_ctl)
{
	u32 l1 = INT_CTL_V_IRQ | 0x5 | INT_CTL_V_INTR_MASKING;
	u32 vg = INT_CTL_V_GIF_ENABLE | INT_CTL_V_GIF;

	/* Not offered: V_GIF_ENABLE and V_GIF never reach vmcb02. */
	CHECK_EQ(nsvm_int_ctl02(l1 | vg, false), l1);
	/* Offered: carried when L1 enables it; V_GIF alone is ignored. */
	CHECK_EQ(nsvm_int_ctl02(l1 | vg, true), l1 | vg);
	CHECK_EQ(nsvm_int_ctl02(l1 | INT_CTL_V_GIF_ENABLE, true),
		 l1 | INT_CTL_V_GIF_ENABLE);
	CHECK_EQ(nsvm_int_ctl02(l1 | INT_CTL_V_GIF, true), l1);
	/* Reserved bits never reach vmcb02. */
	CHECK_EQ(nsvm_int_ctl02(BIT(31) | BIT(12), true), 0);
}

TEST(vgif_intercepts)
{
	u32 gif = INTERCEPT_STGI | INTERCEPT_CLGI;
	u32 m01 = INTERCEPT_VMRUN | INTERCEPT_VMLOAD | gif;

	/* Modex keeps STGI/CLGI unless vmcb02 runs with V_GIF_ENABLE. */
	CHECK_EQ(nsvm_misc2_02(INTERCEPT_VMRUN, m01, 0), m01);
	CHECK_EQ(nsvm_misc2_02(INTERCEPT_VMRUN, m01, INT_CTL_V_GIF_ENABLE),
		 INTERCEPT_VMRUN | INTERCEPT_VMLOAD);
	/* L1's own STGI intercept stays. */
	CHECK_EQ(nsvm_misc2_02(INTERCEPT_STGI, m01, INT_CTL_V_GIF_ENABLE),
		 INTERCEPT_VMRUN | INTERCEPT_VMLOAD | INTERCEPT_STGI);
}

TEST(vgif_exit)
{
	u32 l1 = INT_CTL_V_INTR_MASKING | INT_CTL_V_IRQ | 3 |
		 INT_CTL_V_GIF_ENABLE | INT_CTL_V_GIF;
	u32 c2 = nsvm_int_ctl02(l1, true);

	/* L2 cleared V_GIF, took V_IRQ and raised V_TPR: written back. */
	c2 = (c2 & ~(INT_CTL_V_GIF | INT_CTL_V_IRQ | INT_CTL_V_TPR)) | 9;
	CHECK_EQ(nsvm_int_ctl12_exit(l1, c2),
		 INT_CTL_V_INTR_MASKING | INT_CTL_V_GIF_ENABLE | 9);
	/* Without V_GIF_ENABLE in vmcb02, L1's V_GIF bit is left alone. */
	CHECK_EQ(nsvm_int_ctl12_exit(INT_CTL_V_GIF, 0), INT_CTL_V_GIF);
	/* V_INTR_MASKING is L1's, whatever vmcb02 had. */
	CHECK_EQ(nsvm_int_ctl12_exit(0, INT_CTL_V_INTR_MASKING), 0);
}

TEST(insn_lengths)
{
	static const struct {
		u8 b[10];
		unsigned n;
		bool l64;
		u32 len;
		bool a32;
	} cases[] = {
		{ { 0x0f, 0x01, 0xd8 }, 3, true, 3, false }, /* VMRUN */
		{ { 0x67, 0x0f, 0x01, 0xda }, 4, true, 4, true }, /* VMLOAD */
		{ { 0x0f, 0xa2 }, 2, true, 2, false }, /* CPUID */
		{ { 0xf4 }, 1, false, 1, false }, /* HLT */
		{ { 0xf3, 0x90 }, 2, true, 2, false }, /* PAUSE */
		{ { 0x41, 0x0f, 0x22, 0xd8 }, 4, true, 4, false }, /* MOV CR3 */
		{ { 0x0f, 0x20, 0xc3 }, 3, false, 3, false }, /* MOV from CR0 */
		{ { 0x0f, 0x01, 0xf9 }, 3, true, 3, false }, /* RDTSCP */
		{ { 0x0f, 0x01 }, 2, true, 0, false }, /* truncated */
		{ { 0x0f, 0x0b }, 2, true, 0, false }, /* UD2: not one */
		{ { 0x48, 0x0f, 0x30 }, 3, false, 0, false }, /* DEC EAX */
		/* INVLPG (0F 01 /7) with each ModRM form (SDM Vol. 2A
		 * tables 2-2, 2-3): [rax], [rip+disp32], [rax+disp8],
		 * [rax+disp32], SIB [rax+rbx], SIB disp32 without base,
		 * and [rsp+disp8] (SIB). */
		{ { 0x0f, 0x01, 0x38 }, 3, true, 3, false },
		{ { 0x0f, 0x01, 0x3d, 1, 2, 3, 4 }, 7, true, 7, false },
		{ { 0x0f, 0x01, 0x78, 0x10 }, 4, true, 4, false },
		{ { 0x0f, 0x01, 0xb8, 1, 2, 3, 4 }, 7, true, 7, false },
		{ { 0x0f, 0x01, 0x3c, 0x18 }, 4, true, 4, false },
		{ { 0x0f, 0x01, 0x3c, 0x25, 1, 2, 3, 4 }, 8, true, 8, false },
		{ { 0x0f, 0x01, 0x7c, 0x24, 0x08 }, 5, true, 5, false },
		{ { 0x67, 0x0f, 0x01, 0x38 }, 4, true, 4, true },
		{ { 0x0f, 0x01, 0x3d, 1, 2 }, 5, true, 0, false }, /* truncated */
		{ { 0x0f, 0x01, 0x38 }, 3, false, 0, false }, /* not 64-bit */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool a32 = false;

		CHECK_EQ(nsvm_insn_len(cases[i].b, cases[i].n, cases[i].l64,
				       &a32),
			 cases[i].len);
		if (cases[i].len)
			CHECK_EQ(a32, cases[i].a32);
	}
}

/* ---------------------------------------------- GMET (REFERENCE.md 3) */

/* Each KVM fix of REFERENCE.md section 3 as a case. */
TEST(gmet_rules)
{
	/* The bit is forced off in the cached vmcb12 when GMET is not
	 * offered, and without nested paging; kept otherwise. */
	CHECK_EQ(nsvm_nested_ctl12(NESTED_CTL_NP_ENABLE | NESTED_CTL_GMET,
				   false),
		 NESTED_CTL_NP_ENABLE);
	CHECK_EQ(nsvm_nested_ctl12(NESTED_CTL_GMET, true), 0);
	CHECK_EQ(nsvm_nested_ctl12(NESTED_CTL_NP_ENABLE | NESTED_CTL_GMET |
					   BIT(1) | BIT(2),
				   true),
		 NESTED_CTL_NP_ENABLE | NESTED_CTL_GMET);
	/* vmcb02: nested paging always, GMET exactly as the cached copy. */
	CHECK_EQ(nsvm_nested_ctl02(0), NESTED_CTL_NP_ENABLE);
	CHECK_EQ(nsvm_nested_ctl02(nsvm_nested_ctl12(
			 NESTED_CTL_NP_ENABLE | NESTED_CTL_GMET, true)),
		 NESTED_CTL_NP_ENABLE | NESTED_CTL_GMET);
	CHECK_EQ(nsvm_nested_ctl02(nsvm_nested_ctl12(
			 NESTED_CTL_NP_ENABLE | NESTED_CTL_GMET, false)),
		 NESTED_CTL_NP_ENABLE);
	/* A fetch under GMET is supervisor at CPL 0, 1 and 2 (CPL < 3, not
	 * CPL == 0) and user at CPL 3; it is never user just because the
	 * access goes through nested paging. */
	for (unsigned cpl = 0; cpl < 3; cpl++)
		CHECK_EQ(nsvm_npf_kind(NPF_ID, true, cpl),
			 pk_make(PK_FETCH, false));
	CHECK_EQ(nsvm_npf_kind(NPF_ID, true, 3), pk_make(PK_FETCH, true));
	/* Without GMET every access is user. */
	for (unsigned cpl = 0; cpl <= 3; cpl++) {
		CHECK_EQ(nsvm_npf_kind(NPF_ID, false, cpl),
			 pk_make(PK_FETCH, true));
		CHECK_EQ(nsvm_npf_kind(NPF_W, false, cpl),
			 pk_make(PK_WRITE, true));
		CHECK_EQ(nsvm_npf_kind(0, true, cpl), pk_make(PK_READ, true));
	}
}
