// SPDX-License-Identifier: MIT
/*
 * Group "random": randomized VMCB12s from a fixed seed. Each round starts
 * from the valid default VMCB, applies one to three mutations (benign
 * ones, and ones that break a rule of APM Vol. 2 15.5.1), predicts the
 * outcome from those rules applied to the resulting VMCB, and VMRUNs it:
 * VMEXIT_INVALID where a rule is broken, else L2 runs to its VMMCALL.
 * "random=N" sets the number of rounds (default RANDOM_DEFAULT), "seed=S"
 * the seed. A nested hypervisor below must stay alive throughout: the
 * last round is followed by a plain valid VMRUN.
 * Context: L1 at CPL 0, EFER.SVME=1, VM_HSAVE_PA set.
 */
#include "tests/guest/svm/check.h"

#include "hv/include/lib.h"

#define RANDOM_DEFAULT 20000
#define MAX_REPORTS 8

#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_TS BIT(3)
#define CR0_AM BIT(18)
#define CR0_WP BIT(16)
#define CR0_NW BIT(29)
#define CR0_CD BIT(30)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)
#define ATTR_L BIT(9)
#define ATTR_D BIT(10)

static u64 rng;

static u64 rnd(void)
{
	return guest_xorshift64s(&rng);
}

static u64 rnd_below(u64 n)
{
	return rnd() % n;
}

static struct vmcb template;

/*
 * The rules of APM Vol. 2 15.5.1 this group can break, on the VMCB as it
 * is; the name of the first one broken, or NULL for a valid VMCB.
 */
static const char *broken_rule(const struct vmcb *v)
{
	const struct vmcb_save *s = &v->s;
	unsigned mpa = svm_caps.maxphyaddr < 52 ? svm_caps.maxphyaddr : 52;
	bool lm = (s->efer & EFER_LME) && (s->cr0 & CR0_PG);

	if (!(s->efer & EFER_SVME))
		return "EFER.SVME=0";
	if (!(s->cr0 & CR0_CD) && (s->cr0 & CR0_NW))
		return "CR0.CD=0 with NW=1";
	if (s->cr0 >> 32)
		return "CR0[63:32]";
	if (lm && (s->cr3 >> mpa))
		return "CR3 MBZ";
	if (s->cr4 >> 32)
		return "CR4[63:32]";
	if (s->dr6 >> 32)
		return "DR6[63:32]";
	if (s->dr7 >> 32)
		return "DR7[63:32]";
	if (s->efer & (BIT(9) | BIT(63) | BIT(40)))
		return "EFER MBZ";
	if (lm && !(s->cr4 & CR4_PAE))
		return "long mode, CR4.PAE=0";
	if (lm && !(s->cr0 & CR0_PE))
		return "long mode, CR0.PE=0";
	if (lm && (s->cr4 & CR4_PAE) && (s->cs.attr & ATTR_L) &&
	    (s->cs.attr & ATTR_D))
		return "long mode, CS.L=CS.D=1";
	if (!(v->c.intercepts2 & INT2_VMRUN))
		return "VMRUN intercept clear";
	if (!v->c.asid)
		return "ASID 0";
	if ((v->c.intercepts1 & INT1_IOIO) &&
	    v->c.iopm_pa + sizeof(iopm) > BIT(svm_caps.maxphyaddr))
		return "IOPM beyond MAXPHYADDR";
	if ((v->c.intercepts1 & INT1_MSR) &&
	    v->c.msrpm_pa + sizeof(msrpm) > BIT(svm_caps.maxphyaddr))
		return "MSRPM beyond MAXPHYADDR";
	if (v->c.eventinj & EVT_VALID) {
		u64 type = v->c.eventinj >> 8 & 7;

		if (type == 1 || type >= 5 ||
		    (type == EVT_TYPE_EXC && (v->c.eventinj & 0xff) == 2))
			return "EVENTINJ illegal";
	}
	return NULL;
}

/* Mutations: benign ones keep L2 running to its VMMCALL. */
enum {
	M_GPR,
	M_CR0_BENIGN,
	M_CR4_BENIGN,
	M_DR_BENIGN,
	M_ASID,
	M_TLB,
	M_INTERCEPTS,
	M_SEG_BASE,
	M_SVME,
	M_NW,
	M_CR0_HIGH,
	M_CR3_MBZ,
	M_CR4_HIGH,
	M_DR_HIGH,
	M_EFER_MBZ,
	M_PAE,
	M_PE,
	M_CS_D,
	M_VMRUN,
	M_ASID0,
	M_IOPM,
	M_MSRPM,
	M_EVT,
	M_COUNT
};

static const char *const mut_name[M_COUNT] = {
	"gpr",	    "cr0",	  "cr4",      "dr",	 "asid",
	"tlb",	    "intercepts", "seg-base", "svme",	 "nw",
	"cr0-high", "cr3-mbz",	  "cr4-high", "dr-high", "efer-mbz",
	"pae",	    "pe",	  "cs-d",     "vmrun",	 "asid0",
};

/*
 * Whether a host checks the rule a mutation breaks when it is bare: Bochs
 * 3.0 does not check long-mode CR3's MBZ bits nor where the permission
 * maps end, and ends the emulation for long mode with CR0.PE=0 (see
 * vmrun.c).
 */
static bool host_checks(unsigned m)
{
	if (bare_bochs() &&
	    (m == M_CR3_MBZ || m == M_PE || m == M_IOPM || m == M_MSRPM))
		return false;
	return true;
}

static void mutate(struct vmcb *v, unsigned m)
{
	struct vmcb_save *s = &v->s;
	static const u64 cr0_bits[] = { CR0_MP, CR0_TS, CR0_AM, CR0_WP,
					CR0_CD };
	/* TSD, DE, PSE, PGE, PCE, OSFXSR, OSXMMEXCPT: on every x86-64. */
	static const u64 cr4_bits[] = { BIT(2), BIT(3), BIT(4), BIT(7),
					BIT(8), BIT(9), BIT(10) };
	/* CPUID, HLT, RDTSC, PAUSE, CR reads, #DE..#MC, IOIO, MSR. */
	static const u32 int1_bits[] = { BIT(18), BIT(24), BIT(14),
					 BIT(23), BIT(27), BIT(28) };

	switch (m) {
	case M_GPR:
		l2_regs.rbx = rnd();
		l2_regs.r9 = rnd();
		l2_regs.rax = rnd();
		break;
	case M_CR0_BENIGN:
		s->cr0 ^= cr0_bits[rnd_below(ARRAY_SIZE(cr0_bits))];
		break;
	case M_CR4_BENIGN:
		s->cr4 ^= cr4_bits[rnd_below(ARRAY_SIZE(cr4_bits))];
		break;
	case M_DR_BENIGN:
		s->dr6 = 0xffff0ff0 | (rnd() & 0xe00f);
		s->dr7 = 0x400 | (rnd() & 0xff);
		break;
	case M_ASID:
		v->c.asid = 1 + rnd_below(svm_caps.nasid - 1);
		break;
	case M_TLB:
		v->c.tlb_control = svm_has(SVM_F_FLUSH_ASID) ?
					   (u8[]){ 0, 1, 3, 7 }[rnd_below(4)] :
					   (u8)rnd_below(2);
		break;
	case M_INTERCEPTS:
		v->c.intercepts1 |= int1_bits[rnd_below(ARRAY_SIZE(int1_bits))];
		v->c.cr_intercepts |= rnd() & 0xffff;
		v->c.exc_intercepts |= rnd() & 0x7fff;
		break;
	case M_SEG_BASE:
		s->fs.base = rnd() & 0x7fffffffffffULL;
		s->gs.base = rnd() & 0x7fffffffffffULL;
		break;
	case M_SVME:
		s->efer &= ~EFER_SVME;
		break;
	case M_NW:
		s->cr0 = (s->cr0 & ~CR0_CD) | CR0_NW;
		break;
	case M_CR0_HIGH:
		s->cr0 |= BIT(32 + rnd_below(32));
		break;
	case M_CR3_MBZ: {
		unsigned mpa =
			svm_caps.maxphyaddr < 52 ? svm_caps.maxphyaddr : 52;

		s->cr3 |= BIT(mpa + rnd_below(64 - mpa));
		break;
	}
	case M_CR4_HIGH:
		s->cr4 |= BIT(32 + rnd_below(32));
		break;
	case M_DR_HIGH:
		if (rnd() & 1)
			s->dr6 |= BIT(32 + rnd_below(32));
		else
			s->dr7 |= BIT(32 + rnd_below(32));
		break;
	case M_EFER_MBZ:
		s->efer |= (u64[]){ BIT(9), BIT(40), BIT(63) }[rnd_below(3)];
		break;
	case M_PAE:
		s->cr4 &= ~CR4_PAE;
		break;
	case M_PE:
		s->cr0 &= ~CR0_PE;
		break;
	case M_CS_D:
		s->cs.attr |= ATTR_D;
		break;
	case M_VMRUN:
		v->c.intercepts2 &= ~INT2_VMRUN;
		break;
	case M_ASID0:
		v->c.asid = 0;
		break;
	case M_IOPM:
		v->c.intercepts1 |= INT1_IOIO;
		v->c.iopm_pa =
			BIT(svm_caps.maxphyaddr) - 0x1000 * (1 + rnd_below(2));
		break;
	case M_MSRPM:
		v->c.intercepts1 |= INT1_MSR;
		v->c.msrpm_pa = BIT(svm_caps.maxphyaddr) - 0x1000;
		break;
	case M_EVT: {
		static const u8 types[] = { 1, 5, 6, 7, EVT_TYPE_EXC };
		u8 t = types[rnd_below(ARRAY_SIZE(types))];

		v->c.eventinj =
			EVT(t, t == EVT_TYPE_EXC ? 2 : 0x30 + rnd_below(16));
		break;
	}
	}
}

static unsigned rounds_opt(void)
{
	char buf[16];
	unsigned n = 0;

	if (!cmdline_value("random", buf, sizeof(buf)))
		return RANDOM_DEFAULT;
	for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (unsigned)(*p - '0');
	return n;
}

static u64 seed_opt(void)
{
	char buf[24];
	u64 n = 0;

	if (!cmdline_value("seed", buf, sizeof(buf)))
		return 0x5eed0f5c0ffee123ULL;
	for (const char *p = buf; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (u64)(*p - '0');
	return n ? n : 1;
}

static int random_vmcb(void)
{
	unsigned rounds = rounds_opt(), bad = 0, invalid = 0, entered = 0;
	u64 seed = seed_opt();
	struct l2_exit e;

	rng = seed;
	vmcb_setup(true);
	l2_start(l2_vmmcall, 0);
	memcpy(&template, &vmcb, sizeof(vmcb));
	for (unsigned i = 0; i < rounds; i++) {
		unsigned muts[3], n = 1 + rnd_below(3);
		const char *rule;

		memcpy(&vmcb, &template, sizeof(vmcb));
		memset(&l2_regs, 0, sizeof(l2_regs));
		for (unsigned j = 0; j < n; j++) {
			/* One in four mutations breaks a rule. */
			do
				muts[j] = rnd_below(4) ?
						  rnd_below(M_SVME) :
						  M_SVME + rnd_below(M_COUNT -
								     M_SVME);
			while (!host_checks(muts[j]));
			mutate(&vmcb, muts[j]);
		}
		rule = broken_rule(&vmcb);
		/* L2's VMMCALL needs none of VMLOAD's state. */
		l2_run_bare(&e);
		if (rule ? e.code == VMEXIT_INVALID ||
				    (bare_qemu() && e.code == 0xffffffffULL) :
			   e.code == VMEXIT_VMMCALL &&
				    e.rip == (u64)l2_vmmcall) {
			rule ? invalid++ : entered++;
			continue;
		}
		if (++bad <= MAX_REPORTS)
			GCHECK(false,
			       "round %u (%s%s%s%s%s): EXITCODE %#llx rip %#llx, expected %s",
			       i, mut_name[muts[0]], n > 1 ? "," : "",
			       n > 1 ? mut_name[muts[1]] : "", n > 2 ? "," : "",
			       n > 2 ? mut_name[muts[2]] : "",
			       (unsigned long long)e.code,
			       (unsigned long long)e.rip,
			       rule ? rule : "VMMCALL in L2");
	}
	GINFO("%u rounds from seed %llu: %u VMEXIT_INVALID, %u entered, %u wrong\n",
	      rounds, (unsigned long long)seed, invalid, entered, bad);
	GCHECK(bad == 0, "%u of %u random VMCBs got the wrong outcome", bad,
	       rounds);
	/* Whatever ran below, a valid VMCB still enters. */
	vmcb_setup(true);
	l2_call(l2_vmmcall, 0, &e);
	expect_vmmcall("a valid VMCB after the random ones", &e,
		       (u64)l2_vmmcall);
	return 0;
}

void group_random(void)
{
	run_check("random-vmcb", random_vmcb);
}
