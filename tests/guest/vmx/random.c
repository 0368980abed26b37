// SPDX-License-Identifier: MIT
/*
 * Group "random": randomized vmcs12 mutations and VM entries. From the
 * known-good VMCS that vmcs_setup() builds (an L2 that executes VMCALL at
 * once), each iteration applies one to three random mutations of
 * VM-entry-relevant fields, enters L2 (VMLAUNCH, or VMRESUME after a
 * successful entry) and compares the outcome with the set of outcomes the
 * reference model (random_model.c, SDM Vol. 3C chapter 27) allows; then it
 * writes the mutated fields back. "seed=N" picks the seed (default fixed),
 * "random=N" the number of entries: by default 100,000 when "tests=" names
 * the group, 20,000 as part of the whole suite. "random-trace=N" prints
 * each entry from the N-th on, "random-report=N" the first N mismatches
 * (default 20), "random-progress=N" a progress line every N (10,000).
 *
 * The generator never builds states whose successful entry would leave
 * L1 without an exit or break L1 itself: an activity state other than
 * active comes with an injected event (HLT would wait forever otherwise),
 * IA-32e-mode-guest 0 never meets PAE paging (no PDPTE loads from tables
 * built for 4-level paging), and host fields get only values that fail
 * the checks or that L1 survives being loaded at the exit (L1's CRs,
 * EFER, PAT, FS/GS bases and data selectors are restored afterwards).
 * Context: L1 at CPL 0, VMX on, interrupts off.
 */
#include "tests/guest/vmx/random.h"

#include "hv/include/lib.h"
#include "tests/guest/vmx/check.h"

#define MSR_PAT 0x277
#define MSR_GS_BASE 0xc0000101u
#define DEFAULT_SEED 0x5eed0f10ULL
#define DEFAULT_COUNT 100000
#define SUITE_COUNT 20000
#define MAX_MUT 3
#define MAX_REPORT 20
/*
 * Exceptions that always exit: a disrupted L2 (a fault on its handler's
 * fetch, a broken stack) would otherwise loop through its IDT, pushing
 * frames over L1's memory. #UD, #DF, #TS, #NP, #SS, #GP, #PF, #AC.
 */
#define EXC_KEEP 0x27d40ULL

u64 rnd_cur[F_NR];
u64 rnd_vapic_pa;
unsigned rnd_linear_bits;
struct rnd_msr rnd_entry_list[4] __aligned(16);

static u64 base[F_NR];
static u16 enc[F_NR];
static bool present[F_NR], touched[F_NR];
static u8 order[F_NR], n_touched;
static u64 rng;
static bool launched, disruptive, host_loaded;

typedef u8 page_t[4096] __aligned(4096);
static page_t io_a, io_b, msr_bm, vapic, apic_acc, pml, ve_info, vmr_bm, vmw_bm,
	link_page;
static struct rnd_msr exit_store[2] __aligned(16), exit_load[2] __aligned(16);

/* L1's own state that a successful host-state mutation may change. */
static u64 l1_cr0, l1_cr3, l1_cr4, l1_efer, l1_pat, l1_fsb, l1_gsb;

static const char *const names[F_NR] = {
	[F_PIN] = "pin controls",
	[F_PROC] = "proc controls",
	[F_PROC2] = "proc2 controls",
	[F_EXIT] = "exit controls",
	[F_ENTRY] = "entry controls",
	[F_EXC] = "exception bitmap",
	[F_CR3TC] = "CR3-target count",
	[F_IOA] = "I/O bitmap A",
	[F_IOB] = "I/O bitmap B",
	[F_MSRBM] = "MSR bitmap",
	[F_EPTP] = "EPTP",
	[F_VPID] = "VPID",
	[F_IINFO] = "entry interruption info",
	[F_IERR] = "entry error code",
	[F_ILEN] = "entry instruction length",
	[F_XSC] = "exit MSR-store count",
	[F_XSA] = "exit MSR-store address",
	[F_XLC] = "exit MSR-load count",
	[F_XLA] = "exit MSR-load address",
	[F_ELC] = "entry MSR-load count",
	[F_ELA] = "entry MSR-load address",
	[F_VAPIC] = "virtual-APIC address",
	[F_TPR] = "TPR threshold",
	[F_APICACC] = "APIC-access address",
	[F_PIDESC] = "posted-interrupt descriptor",
	[F_PIVEC] = "posted-interrupt vector",
	[F_PML] = "PML address",
	[F_VEINFO] = "#VE information address",
	[F_VMRBM] = "VMREAD bitmap",
	[F_VMWBM] = "VMWRITE bitmap",
	[F_HCR0] = "host CR0",
	[F_HCR3] = "host CR3",
	[F_HCR4] = "host CR4",
	[F_HFSB] = "host FS base",
	[F_HGSB] = "host GS base",
	[F_HTRB] = "host TR base",
	[F_HGDTRB] = "host GDTR base",
	[F_HIDTRB] = "host IDTR base",
	[F_HSEP] = "host SYSENTER_ESP",
	[F_HSIP] = "host SYSENTER_EIP",
	[F_HRIP] = "host RIP",
	[F_HEFER] = "host EFER",
	[F_HPAT] = "host PAT",
	[F_GCR0] = "guest CR0",
	[F_GCR3] = "guest CR3",
	[F_GCR4] = "guest CR4",
	[F_GDR7] = "guest DR7",
	[F_GRFL] = "guest RFLAGS",
	[F_GRIP] = "guest RIP",
	[F_GRSP] = "guest RSP",
	[F_GEFER] = "guest EFER",
	[F_GPAT] = "guest PAT",
	[F_GDBGCTL] = "guest DEBUGCTL",
	[F_GDTRB] = "guest GDTR base",
	[F_GDTRL] = "guest GDTR limit",
	[F_IDTRB] = "guest IDTR base",
	[F_IDTRL] = "guest IDTR limit",
	[F_GACT] = "guest activity state",
	[F_GINT] = "guest interruptibility",
	[F_GPDBG] = "guest pending debug",
	[F_GLINK] = "VMCS link pointer",
	[F_GSEP] = "guest SYSENTER_ESP",
	[F_GSIP] = "guest SYSENTER_EIP",
};
static const char *const hseg[7] = { "ES", "CS", "SS", "DS", "FS", "GS", "TR" };
static const char *const gseg[8] = { "ES", "CS", "SS",	 "DS",
				     "FS", "GS", "LDTR", "TR" };

static void field_name(unsigned f, char *buf, size_t len)
{
	static const char *const kinds[4] = { "selector", "base", "limit",
					      "AR" };

	if (f >= F_HSEL && f < F_HSEL + 7)
		guest_snprintf(buf, len, "host %s selector", hseg[f - F_HSEL]);
	else if (f >= F_GSEL && f < F_GAR + 8)
		guest_snprintf(buf, len, "guest %s %s", gseg[(f - F_GSEL) % 8],
			       kinds[(f - F_GSEL) / 8]);
	else
		guest_snprintf(buf, len, "%s", names[f]);
}

static void encodings_init(void)
{
	static const u16 single[F_NR] = {
		[F_PIN] = PIN_CTLS,
		[F_PROC] = PROC_CTLS,
		[F_PROC2] = PROC_CTLS2,
		[F_EXIT] = EXIT_CTLS,
		[F_ENTRY] = ENTRY_CTLS,
		[F_EXC] = EXC_BITMAP,
		[F_CR3TC] = CR3_TARGET_COUNT,
		[F_IOA] = IO_BITMAP_A,
		[F_IOB] = IO_BITMAP_B,
		[F_MSRBM] = MSR_BITMAP,
		[F_EPTP] = EPT_POINTER,
		[F_VPID] = VPID,
		[F_IINFO] = ENTRY_INTR_INFO,
		[F_IERR] = ENTRY_EXC_ERROR,
		[F_ILEN] = ENTRY_INSN_LEN,
		[F_XSC] = EXIT_MSR_STORE_COUNT,
		[F_XSA] = EXIT_MSR_STORE_ADDR,
		[F_XLC] = EXIT_MSR_LOAD_COUNT,
		[F_XLA] = EXIT_MSR_LOAD_ADDR,
		[F_ELC] = ENTRY_MSR_LOAD_COUNT,
		[F_ELA] = ENTRY_MSR_LOAD_ADDR,
		[F_VAPIC] = ENC_VAPIC_ADDR,
		[F_TPR] = ENC_TPR_THRESHOLD,
		[F_APICACC] = ENC_APIC_ACCESS,
		[F_PIDESC] = ENC_PI_DESC,
		[F_PIVEC] = ENC_POSTED_VECTOR,
		[F_PML] = ENC_PML_ADDR,
		[F_VEINFO] = ENC_VE_INFO,
		[F_VMRBM] = ENC_VMREAD_BM,
		[F_VMWBM] = ENC_VMWRITE_BM,
		[F_HCR0] = HOST_CR0,
		[F_HCR3] = HOST_CR3,
		[F_HCR4] = HOST_CR4,
		[F_HFSB] = HOST_FS_BASE,
		[F_HGSB] = HOST_GS_BASE,
		[F_HTRB] = HOST_TR_BASE,
		[F_HGDTRB] = HOST_GDTR_BASE,
		[F_HIDTRB] = HOST_IDTR_BASE,
		[F_HSEP] = HOST_SYSENTER_ESP,
		[F_HSIP] = HOST_SYSENTER_EIP,
		[F_HRIP] = HOST_RIP,
		[F_HEFER] = HOST_EFER,
		[F_HPAT] = ENC_HOST_PAT,
		[F_GCR0] = GUEST_CR0,
		[F_GCR3] = GUEST_CR3,
		[F_GCR4] = GUEST_CR4,
		[F_GDR7] = GUEST_DR7,
		[F_GRFL] = GUEST_RFLAGS,
		[F_GRIP] = GUEST_RIP,
		[F_GRSP] = GUEST_RSP,
		[F_GEFER] = GUEST_EFER,
		[F_GPAT] = ENC_GUEST_PAT,
		[F_GDBGCTL] = GUEST_DEBUGCTL,
		[F_GDTRB] = GUEST_GDTR_BASE,
		[F_GDTRL] = GUEST_ES_LIMIT + 16,
		[F_IDTRB] = GUEST_IDTR_BASE,
		[F_IDTRL] = GUEST_ES_LIMIT + 18,
		[F_GACT] = GUEST_ACTIVITY,
		[F_GINT] = GUEST_INTERRUPTIBILITY,
		[F_GPDBG] = GUEST_PENDING_DBG,
		[F_GLINK] = VMCS_LINK_PTR,
		[F_GSEP] = GUEST_SYSENTER_ESP,
		[F_GSIP] = GUEST_SYSENTER_EIP,
	};

	for (unsigned f = 0; f < F_NR; f++)
		enc[f] = single[f];
	for (unsigned s = 0; s < 7; s++)
		enc[F_HSEL + s] = HOST_ES_SEL + 2 * s;
	for (unsigned s = 0; s < 8; s++) {
		enc[F_GSEL + s] = GUEST_ES_SEL + 2 * s;
		enc[F_GBASE + s] = GUEST_ES_BASE + 2 * s;
		enc[F_GLIM + s] = GUEST_ES_LIMIT + 2 * s;
		enc[F_GAR + s] = GUEST_ES_AR + 2 * s;
	}
}

/* SDM Vol. 3D B.1: encoding bits 14:13 give the width (16, 64, 32, natural). */
static u64 truncate(unsigned f, u64 v)
{
	switch ((enc[f] >> 13) & 3) {
	case 0:
		return (u16)v;
	case 2:
		return (u32)v;
	default:
		return v;
	}
}

static u64 rnd64(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545f4914f6cdd1dULL;
}

static u64 rnd(u64 n)
{
	return (rnd64() >> 11) % n;
}

static bool chance(unsigned pct)
{
	return rnd(100) < pct;
}

static void set(unsigned f, u64 v)
{
	if (!present[f])
		return;
	V(f) = truncate(f, v);
	if (!touched[f]) {
		touched[f] = true;
		order[n_touched++] = (u8)f;
	}
}

/* ---- value helpers ---- */

static u64 beyond_maxphy(void)
{
	unsigned m = vmx_caps.maxphyaddr;

	return BIT(m + rnd(60 - m));
}

/* Not canonical for a 48- and a 57-bit linear-address width alike. */
static u64 noncanon(void)
{
	static const u64 v[] = { 0x8000000000001000ULL, 0x7ffffffffffff000ULL,
				 0x0100000000000000ULL, 0xfe00000000000000ULL,
				 0x0f00000000400000ULL };

	return v[rnd(ARRAY_SIZE(v))];
}

/* Canonical for both widths, outside L1's low identity range. */
static u64 canon_high(void)
{
	return chance(50) ? 0xffff800000000000ULL : 0xffffffff80001000ULL;
}

/* A page address: @valid, unaligned, beyond MAXPHYADDR, or outside RAM. */
static u64 addr_variant(u64 valid)
{
	switch (rnd(5)) {
	case 0:
		return valid + 1 + rnd(0xfff);
	case 1:
		return valid | beyond_maxphy();
	case 2:
		return (1ULL << vmx_caps.maxphyaddr) - 4096;
	default:
		return valid;
	}
}

static void flip(unsigned f, u64 bits)
{
	set(f, V(f) ^ bits);
}

static void set_bits(unsigned f, u64 bits)
{
	set(f, V(f) | bits);
}

static u64 ctl_caps(unsigned f)
{
	switch (f) {
	case F_PIN:
		return vmx_caps.pin;
	case F_PROC:
		return vmx_caps.proc;
	case F_PROC2:
		return vmx_caps.proc2;
	case F_EXIT:
		return vmx_caps.exit;
	default:
		return vmx_caps.entry;
	}
}

/* ---- the mutations ---- */

/* A bit that must be 1 cleared, or one that may not be 1 set (27.2.1). */
static void m_ctl_reserved(void)
{
	unsigned f = F_PIN + (unsigned)rnd(vmx_caps.has_proc2 ? 5 : 4);
	u64 caps, cand = 0;

	if (!vmx_caps.has_proc2 && f >= F_PROC2)
		f++;
	caps = ctl_caps(f);
	for (unsigned b = 0; b < 32; b++)
		if (((u32)caps & BIT(b)) || !((caps >> 32) & BIT(b)))
			cand |= BIT(b);
	for (unsigned n = 0, b = (unsigned)rnd(32); n < 32;
	     n++, b = (b + 1) % 32)
		if (cand & BIT(b)) {
			flip(f, BIT(b));
			return;
		}
}

/* Controls whose dependencies the model knows (SDM Vol. 3C 27.2.1). */
static void m_ctl_known(void)
{
	static const u8 pin[] = { 0, 3, 5, 6, 7 };
	static const u8 proc[] = { 2,  3,  7,  9,  10, 11, 12, 15, 16, 19, 20,
				   21, 22, 23, 24, 25, 27, 28, 29, 30, 31 };
	static const u8 proc2[] = { 0,	1,  2,	3,  4,	5,  6,	7,  8,	9,  10,
				    11, 12, 13, 14, 16, 17, 18, 19, 20, 22, 25 };
	static const u8 exitb[] = { 2, 9, 12, 15, 18, 19, 20, 21, 22 };
	static const u8 entry[] = { 2, 9, 10, 11, 13, 14, 15 };

	disruptive = true;
	switch (rnd(5)) {
	case 0:
		flip(F_PIN, BIT(pin[rnd(sizeof(pin))]));
		break;
	case 1:
		flip(F_PROC, BIT(proc[rnd(sizeof(proc))]));
		break;
	case 2:
		flip(F_PROC2, BIT(proc2[rnd(sizeof(proc2))]));
		break;
	case 3:
		flip(F_EXIT, BIT(exitb[rnd(sizeof(exitb))]));
		break;
	default:
		flip(F_ENTRY, BIT(entry[rnd(sizeof(entry))]));
		break;
	}
}

static void m_exc_cr3(void)
{
	if (chance(50))
		set(F_EXC, rnd64() | EXC_KEEP);
	else if (chance(80))
		set(F_CR3TC, rnd(((vmx_caps.misc >> 16) & 0x1ff) + 3));
	else
		set(F_CR3TC, rnd64());
}

static void m_bitmaps(void)
{
	switch (rnd(3)) {
	case 0:
		set(F_IOA, addr_variant((u64)io_a));
		break;
	case 1:
		set(F_IOB, addr_variant((u64)io_b));
		break;
	default:
		set(F_MSRBM, addr_variant((u64)msr_bm));
		if (chance(60))
			set_bits(F_PROC, PROC_MSR_BITMAPS);
		return;
	}
	if (chance(60))
		set_bits(F_PROC, PROC_IO_BITMAPS);
}

/* SDM Vol. 3C 25.6.11: memory type, walk length, A/D, reserved bits. */
static void m_eptp(void)
{
	u64 e = base[F_EPTP];

	disruptive = true;
	switch (rnd(5)) {
	case 0:
		e = (e & ~7ULL) | rnd(8);
		break;
	case 1:
		e = (e & ~0x38ULL) | (rnd(8) << 3);
		break;
	case 2:
		e ^= BIT(6);
		break;
	case 3:
		e |= BIT(7 + rnd(5));
		break;
	default:
		e |= beyond_maxphy();
		break;
	}
	set(F_EPTP, e);
}

static void m_vpid(void)
{
	set(F_VPID, chance(50) ? 0 : rnd(0x10000));
	if (chance(70))
		set_bits(F_PROC2, PROC2_VPID);
}

/* An event to inject (SDM Vol. 3C 25.8.3), sometimes well-formed. */
static void inject(unsigned type)
{
	unsigned vec;
	u32 info;
	bool ec;

	if (type == 2)
		vec = chance(85) ? 2 : (unsigned)rnd(256);
	else if (type == 3) {
		do
			vec = chance(90) ? (unsigned)rnd(32) :
					   (unsigned)rnd(256);
		while (vec == 21); /* #CP: its error code depends on CET */
	} else if (type == 7)
		vec = chance(85) ? 0 : (unsigned)rnd(256);
	else if (type == 0)
		vec = 32 + (unsigned)rnd(224);
	else
		vec = (unsigned)rnd(256);
	ec = type == 3 && vec < 32 && (BIT(vec) & 0x27d00);
	if (chance(10))
		ec = !ec;
	info = INTR_VALID | type << 8 | vec | (ec ? INTR_HAS_ERROR : 0);
	if (chance(5))
		info |= BIT(12 + rnd(19));
	set(F_IINFO, info);
	set(F_IERR, chance(10) ? rnd64() : rnd(0x10000));
	set(F_ILEN, chance(90) ? rnd(17) : rnd64());
	if (type == INTR_TYPE_EXT && chance(80))
		set_bits(F_GRFL, RFL_IF);
}

static void m_inject(void)
{
	disruptive = true;
	inject((unsigned)rnd(8));
}

static void msr_entry_random(struct rnd_msr *m)
{
	*m = (struct rnd_msr){ MSR_KERNEL_GS_BASE, 0, rnd(0x1000000) << 12 };
	switch (rnd(10)) {
	case 0:
		m->value = noncanon();
		break;
	case 1:
		m->index = MSR_FS_BASE;
		break;
	case 2:
		m->index = MSR_GS_BASE;
		break;
	case 3:
		m->index = 0x800 + (u32)rnd(256);
		break;
	case 4:
		m->reserved = 1u << rnd(32);
		break;
	case 5:
		m->index = 0x9e; /* IA32_SMBASE */
		break;
	default:
		break;
	}
}

/* SDM Vol. 3C 25.7.2, 25.8.2: the MSR lists, their counts and addresses. */
static void m_msr_lists(void)
{
	u64 top = 1ULL << vmx_caps.maxphyaddr;
	unsigned n = 1 + (unsigned)rnd(4), c, a;

	switch (rnd(6)) {
	case 0:
		c = F_XSC, a = F_XSA, n = 1 + (unsigned)rnd(2);
		set(a, (u64)exit_store);
		break;
	case 1:
		c = F_XLC, a = F_XLA, n = 1 + (unsigned)rnd(2);
		set(a, (u64)exit_load);
		break;
	default:
		c = F_ELC, a = F_ELA;
		for (unsigned i = 0; i < 4; i++)
			msr_entry_random(&rnd_entry_list[i]);
		set(a, (u64)rnd_entry_list);
		break;
	}
	set(c, n);
	switch (rnd(8)) {
	case 0:
		set(a, V(a) + 1 + rnd(15));
		break;
	case 1:
		set(a, V(a) | beyond_maxphy());
		break;
	case 2: /* the last entry crosses MAXPHYADDR when n > 1 */
		set(a, top - 16);
		if (n == 1)
			set(c, 2);
		break;
	default:
		break;
	}
}

/* ---- host state (SDM Vol. 3C 27.2.2-27.2.4) ---- */

/* A bit outside @fixed1 in 0..63, for "not allowed in VMX operation". */
static u64 outside(u64 fixed1)
{
	for (unsigned n = 0, b = (unsigned)rnd(64); n < 64;
	     n++, b = (b + 1) % 64)
		if (!(fixed1 & BIT(b)))
			return BIT(b);
	return 0;
}

static void m_host_cr(void)
{
	static const u8 cr0_ok[] = { 1, 16, 18 }, cr0_fix[] = { 0, 5, 31 };
	static const u8 cr4_ok[] = { 2, 3, 7, 8, 9, 10, 16 };

	switch (rnd(7)) {
	case 0:
		flip(F_HCR0, BIT(cr0_fix[rnd(3)]));
		break;
	case 1:
		flip(F_HCR0, outside(vmx_caps.cr0_fixed1));
		break;
	case 2:
		flip(F_HCR0, BIT(cr0_ok[rnd(sizeof(cr0_ok))]));
		break;
	case 3:
		flip(F_HCR4, chance(50) ? BIT(13) : CR4_PAE);
		break;
	case 4:
		flip(F_HCR4, outside(vmx_caps.cr4_fixed1));
		break;
	case 5:
		flip(F_HCR4, BIT(cr4_ok[rnd(sizeof(cr4_ok))]));
		break;
	default:
		set(F_HCR3, chance(50) ? V(F_HCR3) | beyond_maxphy() :
					 V(F_HCR3) | 0x18);
		break;
	}
}

static void m_host_seg(void)
{
	unsigned s = (unsigned)rnd(7);

	switch (rnd(4)) {
	case 0:
		set(F_HSEL + s, V(F_HSEL + s) | (1 + rnd(7)));
		break;
	case 1:
		/* Null: invalid for CS and TR; SS, DS, ES survive it. */
		if (s != 4 && s != 5)
			set(F_HSEL + s, 0);
		break;
	case 2:
		set(F_HFSB + (unsigned)rnd(5), noncanon());
		break;
	default:
		set(F_HFSB + (unsigned)rnd(2), chance(50) ? canon_high() : 0);
		break;
	}
}

static void m_host_misc(void)
{
	switch (rnd(6)) {
	case 0:
		set(F_HRIP, noncanon());
		break;
	case 1:
		set(F_HSEP + (unsigned)rnd(2),
		    chance(50) ? noncanon() : canon_high());
		break;
	case 2:
		set_bits(F_EXIT, EXIT_LOAD_PAT);
		set(F_HPAT, l1_pat);
		break;
	case 3: {
		u64 pat = l1_pat;
		unsigned i = (unsigned)rnd(8);
		u8 t = chance(50) ? (u8)(2 + rnd(2)) : (u8)(8 + rnd(248));

		pat = (pat & ~(0xffULL << (8 * i))) | ((u64)t << (8 * i));
		set_bits(F_EXIT, EXIT_LOAD_PAT);
		set(F_HPAT, pat);
		break;
	}
	default: {
		static const u64 v[] = { BIT(1),  BIT(9),   BIT(12),  BIT(15),
					 BIT(63), EFER_LMA, EFER_LME, EFER_SCE };

		flip(F_HEFER, v[rnd(ARRAY_SIZE(v))]);
		if (chance(20))
			flip(F_EXIT, EXIT_LOAD_EFER);
		break;
	}
	}
}

/* ---- guest state (SDM Vol. 3C 27.3.1) ---- */

static void m_guest_cr(void)
{
	static const u8 cr0_b[] = { 0, 1, 2, 3, 5, 16, 18, 29, 30, 31 };

	disruptive = true;
	switch (rnd(6)) {
	case 0:
		flip(F_GCR0, BIT(cr0_b[rnd(sizeof(cr0_b))]));
		if (chance(30))
			set_bits(F_PROC2, PROC2_UG);
		break;
	case 1:
		flip(F_GCR0, chance(50) ? outside(vmx_caps.cr0_fixed1) :
					  CR0_PE | CR0_PG);
		if (chance(50))
			set_bits(F_PROC2, PROC2_UG);
		break;
	case 2:
		flip(F_GCR4, BIT(rnd(32)));
		break;
	case 3:
		flip(F_GCR4, outside(vmx_caps.cr4_fixed1));
		break;
	case 4:
		set(F_GCR3, chance(50) ? V(F_GCR3) | beyond_maxphy() :
					 V(F_GCR3) | 0x18);
		break;
	default:
		if (chance(60))
			set_bits(F_ENTRY, ENTRY_LOAD_DBG);
		flip(F_GDR7, chance(50) ? BIT(32 + rnd(32)) : BIT(rnd(32)));
		break;
	}
}

static void m_guest_rflags_rip(void)
{
	static const u8 b[] = { 1, 3,  5,  15, 22, 40, 63, 0,  2,  4,  6,  7, 8,
				9, 10, 11, 12, 13, 14, 16, 17, 18, 19, 20, 21 };

	disruptive = true;
	switch (rnd(4)) {
	case 0:
		set(F_GRIP, chance(70) ? noncanon() : canon_high());
		break;
	case 1:
		set(F_GSEP + (unsigned)rnd(2),
		    chance(50) ? noncanon() : canon_high());
		break;
	default:
		flip(F_GRFL, BIT(b[rnd(sizeof(b))]));
		break;
	}
}

static void m_guest_msrs(void)
{
	static const u64 v[] = { EFER_LMA, EFER_LME, EFER_NXE, EFER_SCE,
				 BIT(3),   BIT(9),   BIT(14),  BIT(40) };

	if (chance(50)) {
		flip(F_GEFER, v[rnd(ARRAY_SIZE(v))]);
		if (chance(30))
			flip(F_ENTRY, ENTRY_LOAD_EFER);
		if (chance(15))
			flip(F_ENTRY, ENTRY_IA32E);
		return;
	}
	u64 pat = base[F_GPAT];
	unsigned i = (unsigned)rnd(8);

	if (chance(60))
		pat = (pat & ~(0xffULL << (8 * i))) | (rnd(256) << (8 * i));
	set_bits(F_ENTRY, ENTRY_LOAD_PAT);
	set(F_GPAT, pat);
}

static void m_guest_seg(void)
{
	static const u32 lim[] = { 0,	       0xfff,	   0xfffff, 0x12345,
				   0xffffffff, 0x000fffff, 0x1fffff };
	unsigned s = (unsigned)rnd(8);
	u64 ar = V(F_GAR + s);

	switch (rnd(10)) {
	case 0:
		set(F_GSEL + s, V(F_GSEL + s) ^ (1 + rnd(7)));
		break;
	case 1:
		set(F_GSEL + s, chance(50) ? 0 : rnd(0x10000));
		break;
	case 2: {
		static const u64 b[] = { 0x100000000ULL, 0xffff800000000000ULL,
					 0x100001000ULL };

		set(F_GBASE + s, chance(40) ? noncanon() : b[rnd(3)]);
		break;
	}
	case 3:
		set(F_GLIM + s, lim[rnd(ARRAY_SIZE(lim))]);
		break;
	case 4:
		disruptive = true;
		set(F_GAR + s, ar ^ BIT(rnd(17)));
		break;
	case 5:
		set(F_GAR + s,
		    ar | BIT(chance(50) ? 17 + rnd(15) : 8 + rnd(4)));
		break;
	case 6:
		disruptive = true;
		set(F_GAR + s, (ar & ~15ULL) | rnd(16));
		break;
	case 7:
		disruptive = true;
		set(F_GAR + s, (ar & ~0x60ULL) | (rnd(4) << 5));
		break;
	case 8: /* a usable LDTR, sometimes malformed */
		set(F_GAR + SEG_LDTR, chance(70) ? 0x82 : rnd(0x20000));
		set(F_GLIM + SEG_LDTR, chance(80) ? 0xfff : 0x12345);
		break;
	default:
		set(F_GDTRL + 2 * (unsigned)rnd(2),
		    chance(40) ? rnd(0x10000) :
				 rnd(0x10000) | BIT(16 + rnd(16)));
		if (chance(30))
			set(F_GDTRB + 2 * (unsigned)rnd(2),
			    chance(50) ? noncanon() : canon_high());
		break;
	}
}

/* SDM Vol. 3C 27.3.1.5: activity state, always with an event to inject. */
static void m_guest_activity(void)
{
	static const u8 hlt_ok[] = { 0, 2, 3, 3, 7 };
	u64 act = chance(60) ? 1 : rnd(8);

	disruptive = true;
	set(F_GACT, act);
	if (act == 1 && chance(75))
		inject(hlt_ok[rnd(sizeof(hlt_ok))]);
	else
		inject((unsigned)rnd(8));
	/* The hardware exceptions HLT admits: #DB and #MC, no error code. */
	if (((V(F_IINFO) >> 8) & 7) == INTR_TYPE_HW_EXC && chance(60))
		set(F_IINFO, INTR_INFO(INTR_TYPE_HW_EXC, chance(50) ? 1 : 18));
	if (chance(15))
		set(F_GAR + SEG_SS, V(F_GAR + SEG_SS) | (3 << 5));
}

static void m_guest_intr(void)
{
	static const u64 v[] = { 1, 2, 3, 4, 8, 16, 9, 10, 0x20, 0x80000000 };

	disruptive = true;
	if (chance(65)) {
		set(F_GINT, v[rnd(ARRAY_SIZE(v))]);
		if (chance(50))
			set_bits(F_GRFL, RFL_IF);
		if (chance(25))
			inject(chance(50) ? 0 : 2);
		return;
	}
	/* Pending debug exceptions and the BS rule. */
	static const u64 pd[] = { BIT(14), BIT(0),  BIT(3),  BIT(12), BIT(4),
				  BIT(11), BIT(13), BIT(15), BIT(20), BIT(40) };

	set(F_GPDBG, pd[rnd(ARRAY_SIZE(pd))]);
	if (chance(50))
		set_bits(F_GRFL, RFL_TF);
	if (chance(50)) {
		set(F_GINT, chance(70) ? 1 : 2);
		set_bits(F_GRFL, RFL_IF);
	}
}

/* SDM Vol. 3C 27.3.1.5: the VMCS link pointer. */
static void m_link(void)
{
	u32 rev = vmx_caps.revision;

	switch (rnd(7)) {
	case 0:
		rev = (rev + 1) & 0x7fffffff;
		break;
	case 1:
		rev |= BIT(31);
		if (chance(50))
			set_bits(F_PROC2, PROC2_SHADOW);
		break;
	default:
		break;
	}
	memcpy(link_page, &rev, 4);
	switch (rnd(6)) {
	case 0:
		set(F_GLINK, addr_variant((u64)link_page));
		break;
	case 1:
		set(F_GLINK, vmcs_pa);
		break;
	default:
		set(F_GLINK, (u64)link_page);
		break;
	}
}

/* SDM Vol. 3C 27.2.1.1: TPR shadow, APIC virtualization, posted interrupts. */
static void m_apic(void)
{
	static const u32 p2[] = { PROC2_APIC_ACC, PROC2_X2APIC, PROC2_APIC_REG,
				  PROC2_VID };

	disruptive = true;
	if (chance(80))
		set_bits(F_PROC, PROC_TPR_SHADOW);
	if (chance(30))
		set(F_VAPIC, addr_variant(rnd_vapic_pa));
	if (chance(50))
		set(F_TPR, chance(80) ? rnd(16) : rnd(0x100));
	if (!vmx_caps.has_proc2 || chance(30))
		return;
	for (unsigned i = 0; i < ARRAY_SIZE(p2); i++)
		if (chance(40))
			set_bits(F_PROC2, p2[i]);
	if (chance(50))
		set_bits(F_PIN, PIN_EXTINT);
	if (chance(30)) {
		set_bits(F_PIN, PIN_POSTED);
		if (chance(60))
			set_bits(F_EXIT, EXIT_ACK_INTR);
		if (chance(30))
			set(F_PIVEC, chance(50) ? 0xf2 : 0x1f2);
		if (chance(30))
			set(F_PIDESC,
			    chance(50) ? (u64)pml + 0x40 : (u64)pml + 8);
	}
	if (chance(20))
		set(F_APICACC, addr_variant((u64)apic_acc));
}

/* Feature pages (PML, #VE, VMREAD/VMWRITE bitmaps) and their controls. */
static void m_features(void)
{
	static const u8 f[] = { F_PML, F_VEINFO, F_VMRBM, F_VMWBM };
	static const u32 c[] = { PROC2_PML, PROC2_VE, PROC2_SHADOW,
				 PROC2_SHADOW };
	unsigned i = (unsigned)rnd(4);

	disruptive = true;
	set(f[i], addr_variant(base[f[i]]));
	set_bits(F_PROC2, c[i]);
}

struct kind {
	const char *name;
	void (*gen)(void);
	unsigned weight;
};

static const struct kind kinds[] = {
	{ "ctl-reserved", m_ctl_reserved, 6 },
	{ "ctl-known", m_ctl_known, 10 },
	{ "exc-cr3", m_exc_cr3, 3 },
	{ "bitmaps", m_bitmaps, 4 },
	{ "eptp", m_eptp, 4 },
	{ "vpid", m_vpid, 2 },
	{ "inject", m_inject, 10 },
	{ "msr-lists", m_msr_lists, 6 },
	{ "host-cr", m_host_cr, 6 },
	{ "host-seg", m_host_seg, 6 },
	{ "host-misc", m_host_misc, 5 },
	{ "guest-cr", m_guest_cr, 8 },
	{ "guest-rflags-rip", m_guest_rflags_rip, 6 },
	{ "guest-msrs", m_guest_msrs, 4 },
	{ "guest-seg", m_guest_seg, 14 },
	{ "guest-activity", m_guest_activity, 4 },
	{ "guest-intr", m_guest_intr, 6 },
	{ "link", m_link, 3 },
	{ "apic", m_apic, 4 },
	{ "features", m_features, 2 },
};

static unsigned pick_kind(void)
{
	static unsigned total;
	unsigned r;

	if (!total)
		for (unsigned i = 0; i < ARRAY_SIZE(kinds); i++)
			total += kinds[i].weight;
	r = (unsigned)rnd(total);
	for (unsigned i = 0;; i++) {
		if (r < kinds[i].weight)
			return i;
		r -= kinds[i].weight;
	}
}

/* ---- the run ---- */

static inline void wrmsr64(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)));
}

static void l1_state_save(void)
{
	l1_cr0 = guest_read_cr(0);
	l1_cr3 = guest_read_cr(3);
	l1_cr4 = guest_read_cr(4);
	l1_efer = guest_rdmsr(MSR_EFER);
	l1_pat = guest_rdmsr(MSR_PAT);
	l1_fsb = guest_rdmsr(MSR_FS_BASE);
	l1_gsb = guest_rdmsr(MSR_GS_BASE);
}

/* After an exit that loaded mutated (valid) host state: L1's own again. */
static void l1_state_restore(void)
{
	asm volatile("mov %0, %%cr0" : : "r"(l1_cr0));
	asm volatile("mov %0, %%cr4" : : "r"(l1_cr4));
	asm volatile("mov %0, %%cr3" : : "r"(l1_cr3) : "memory");
	wrmsr64(MSR_EFER, l1_efer);
	wrmsr64(MSR_PAT, l1_pat);
	wrmsr64(MSR_FS_BASE, l1_fsb);
	wrmsr64(MSR_GS_BASE, l1_gsb);
	asm volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss"
		     :
		     : "r"((u32)base[F_HSEL + 3]));
}

/* The known-good VMCS: vmcs_setup() plus the pages of the fields above. */
static bool baseline_init(void)
{
	vmcs_setup(vmx_has_ept());
	launched = false;
	memset(vapic, 0, sizeof(vapic));
	vapic[0x80] = 0x50; /* VTPR: priority class 5 */
	rnd_vapic_pa = (u64)vapic;
	for (unsigned i = 0; i < 2; i++) {
		exit_store[i] = (struct rnd_msr){ MSR_KERNEL_GS_BASE, 0, 0 };
		exit_load[i] = (struct rnd_msr){ MSR_KERNEL_GS_BASE, 0, 0 };
	}
	base[F_EXC] = ~0u;
	base[F_IOA] = (u64)io_a;
	base[F_IOB] = (u64)io_b;
	base[F_MSRBM] = (u64)msr_bm;
	base[F_VAPIC] = (u64)vapic;
	base[F_APICACC] = (u64)apic_acc;
	base[F_PML] = (u64)pml;
	base[F_VEINFO] = (u64)ve_info;
	base[F_VMRBM] = (u64)vmr_bm;
	base[F_VMWBM] = (u64)vmw_bm;
	base[F_XSA] = (u64)exit_store;
	base[F_XLA] = (u64)exit_load;
	base[F_ELA] = (u64)rnd_entry_list;
	base[F_HPAT] = l1_pat;
	base[F_GPAT] = l1_pat;
	for (unsigned f = 0; f < F_NR; f++) {
		bool preset = base[f] || f == F_HPAT || f == F_GPAT;
		u64 v = 0;

		/* Fields this VMX lacks (VMfail 12) stay out of the game. */
		if (preset && vmwrite_r(enc[f], base[f]) != VMX_OK)
			present[f] = false;
		else
			present[f] = vmread_r(enc[f], &v) == VMX_OK;
		base[f] = present[f] ? v : 0;
	}
	memcpy(rnd_cur, base, sizeof(base));
	return present[F_PIN] && present[F_GRIP];
}

static void restore_field(unsigned f)
{
	char name[48];

	V(f) = base[f];
	if (vmwrite_r(enc[f], base[f]) != VMX_OK) {
		field_name(f, name, sizeof(name));
		GCHECK(false, "random: VMWRITE of %s failed (error %llu)", name,
		       (unsigned long long)vmx_insn_error());
	}
}

static void restore(bool exited, bool exit_ctls)
{
	static const u8 saved[] = { F_GRIP, F_GRSP, F_GRFL,
				    F_GACT, F_GINT, F_GPDBG };
	static const u8 saved_ctl[] = { F_GEFER, F_GPAT, F_GDR7, F_GDBGCTL };

	for (unsigned i = 0; i < n_touched; i++) {
		restore_field(order[i]);
		touched[order[i]] = false;
	}
	n_touched = 0;
	if (!exited)
		return;
	/* SDM Vol. 3C 28.3: the exit saved guest state over the fields. */
	for (unsigned i = 0; i < sizeof(saved); i++)
		restore_field(saved[i]);
	if (exit_ctls)
		for (unsigned i = 0; i < sizeof(saved_ctl); i++)
			if (present[saved_ctl[i]])
				restore_field(saved_ctl[i]);
}

struct result {
	enum rnd_outcome o;
	u32 detail; /* VM-instruction error, exit reason or qualification */
	u64 rip;
};

static void enter(struct result *r)
{
	u64 fl = vmx_enter(&l2_regs, launched);
	u32 reason;
	u64 qual;

	r->rip = 0;
	if (fl) {
		enum vmx_result v = vmx_result_of(fl);

		r->detail = v == VMX_FAIL_VALID ? (u32)vmx_insn_error() : 0;
		r->o = v == VMX_FAIL_INVALID ? O_INVALID :
		       r->detail == 7	     ? O_FAIL7 :
		       r->detail == 8	     ? O_FAIL8 :
					       O_OTHER;
		return;
	}
	reason = (u32)vmr(EXIT_REASON);
	if (!(reason & EXIT_REASON_ENTRY_FAIL)) {
		launched = true;
		r->o = O_OK;
		r->detail = reason & 0xffff;
		if (!disruptive)
			r->rip = vmr(GUEST_RIP);
		return;
	}
	/* SDM Vol. 3C 27.8: the entry failed after the 27.2 checks. */
	qual = vmr(EXIT_QUAL);
	r->detail = (u32)qual;
	if ((reason & 0xffff) == EXIT_MSR_LOAD_FAIL)
		r->o = O_X34;
	else if ((reason & 0xffff) != EXIT_BAD_GUEST || qual > 4 || qual == 1)
		r->o = O_OTHER, r->detail = reason;
	else
		r->o = qual == 0 ? O_X33Q0 :
		       qual == 2 ? O_X33Q2 :
		       qual == 3 ? O_X33Q3 :
				   O_X33Q4;
}

static bool matches(const struct rnd_expect *x, const struct result *r)
{
	if (!(x->set & BIT(r->o)))
		return false;
	if (r->o == O_X34)
		return r->detail == x->msr_index;
	/* Without a disruptive mutation L2 reaches its VMCALL. */
	if (r->o == O_OK && !disruptive)
		return r->detail == EXIT_VMCALL && r->rip == (u64)l2_vmcall;
	return true;
}

static const char *const outcome_names[O_NR] = {
	"ok",	    "vmfail7",	"vmfail8",  "vmfailinvalid", "exit33/0",
	"exit33/2", "exit33/3", "exit33/4", "exit34",	     "other",
};

static void print_set(char *buf, size_t len, const struct rnd_expect *x)
{
	size_t n = 0;

	buf[0] = 0;
	for (unsigned o = 0; o < O_NR; o++)
		if (x->set & BIT(o)) {
			guest_snprintf(buf + n, len - n, "%s%s", n ? "|" : "",
				       outcome_names[o]);
			n = strlen(buf);
		}
	if (x->set & BIT(O_X34))
		guest_snprintf(buf + n, len - n, " (entry %u)", x->msr_index);
}

static void report(const char *what, u64 it, const char *kind_list,
		   const struct rnd_expect *x, const struct result *r)
{
	char exp[96], name[48];

	print_set(exp, sizeof(exp), x);
	guest_log(
		"random: %s at iteration %llu: %s; expected %s, got %s (%#x, rip %#llx)\n",
		what, (unsigned long long)it, kind_list, exp,
		r ? outcome_names[r->o] : "-", r ? r->detail : 0,
		r ? (unsigned long long)r->rip : 0ULL);
	for (unsigned i = 0; i < n_touched; i++) {
		unsigned f = order[i];

		u64 now = 0;

		field_name(f, name, sizeof(name));
		vmread_r(enc[f], &now);
		guest_log("random:   %s = %#llx (good %#llx, VMREAD %#llx)\n",
			  name, (unsigned long long)V(f),
			  (unsigned long long)base[f], (unsigned long long)now);
	}
}

/*
 * The generator's constraints (see the file header): states it does not
 * build, decided on the mutated fields alone, never by the model.
 */
static bool acceptable(void)
{
	bool ia32e = V(F_ENTRY) & ENTRY_IA32E;

	/* A pending MTF exit (type 7) does not make the entry vectoring. */
	if ((u32)V(F_GACT) &&
	    (!(V(F_IINFO) & INTR_VALID) || ((V(F_IINFO) >> 8) & 7) == 7))
		return false;
	/*
	 * Bochs lacks the check "IA-32e mode guest needs CR0.PG" (SDM
	 * 27.3.1.1) and panics entering such a guest: not built on Bochs.
	 */
	if (rnd_bochs && ia32e && !(V(F_GCR0) & CR0_PG))
		return false;
	if (!ia32e && (V(F_GCR0) & CR0_PG) && (V(F_GCR4) & CR4_PAE))
		return false;
	return true;
}

static void undo(void)
{
	for (unsigned i = 0; i < n_touched; i++) {
		V(order[i]) = base[order[i]];
		touched[order[i]] = false;
	}
	n_touched = 0;
}

/* One to three mutations; returns the kinds' names in @buf. */
static void mutate(char *buf, size_t len)
{
	do {
		unsigned n = chance(70) ? 1 : 2 + (unsigned)rnd(MAX_MUT - 1);
		size_t at = 0;

		undo();
		disruptive = false;
		host_loaded = false;
		for (unsigned i = 0; i < n; i++) {
			unsigned k = pick_kind();

			kinds[k].gen();
			if (!strncmp(kinds[k].name, "host", 4))
				host_loaded = true;
			guest_snprintf(buf + at, len - at, "%s%s", i ? "+" : "",
				       kinds[k].name);
			at = strlen(buf);
		}
	} while (!acceptable() || !n_touched);
	for (unsigned i = 0; i < n_touched; i++)
		if (vmwrite_r(enc[order[i]], V(order[i])) != VMX_OK)
			GCHECK(false, "random: VMWRITE %#x = %#llx failed",
			       enc[order[i]], (unsigned long long)V(order[i]));
}

static u64 parse_u64(const char *s, u64 dflt)
{
	u64 v = 0;
	unsigned b = 10;

	if (!*s)
		return dflt;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		b = 16, s += 2;
	for (; *s; s++) {
		unsigned d =
			*s >= '0' && *s <= '9' ? (unsigned)(*s - '0') :
			*s >= 'a' && *s <= 'f' ? (unsigned)(*s - 'a' + 10) :
			*s >= 'A' && *s <= 'F' ? (unsigned)(*s - 'A' + 10) :
						 99;

		if (d >= b)
			return dflt;
		v = v * b + d;
	}
	return v;
}

static u64 opt(const char *key, u64 dflt)
{
	char buf[24];

	return cmdline_value(key, buf, sizeof(buf)) ? parse_u64(buf, dflt) :
						      dflt;
}

static void counts_line(const char *what, u64 n, const u64 *cnt, u64 bad)
{
	char buf[200];
	size_t at = 0;

	buf[0] = 0;
	for (unsigned o = 0; o < O_NR; o++) {
		guest_snprintf(buf + at, sizeof(buf) - at, "%s%s %llu",
			       o ? ", " : "", outcome_names[o],
			       (unsigned long long)cnt[o]);
		at = strlen(buf);
	}
	guest_log("random: %s%llu entries, %llu mismatches, outcomes: %s\n",
		  what, (unsigned long long)n, (unsigned long long)bad, buf);
}

static inline u64 rdtsc64(void)
{
	u32 lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (u64)hi << 32 | lo;
}

static int check_random(void)
{
	char sel[8];
	/* Picked by name ("tests=...,random"): the full run; else a shorter one. */
	u64 count = opt("random", cmdline_value("tests", sel, sizeof(sel)) ?
					  DEFAULT_COUNT :
					  SUITE_COUNT);
	u64 seed = opt("seed", DEFAULT_SEED);
	u64 cnt[O_NR] = { 0 }, bad = 0, t0;
	char kinds_buf[96];
	u64 trace_from = opt("random-trace", ~0ULL);
	u64 max_report = opt("random-report", MAX_REPORT);
	u64 every = opt("random-progress", 10000);

	encodings_init();
	l1_state_save();
	rnd_linear_bits = (guest_cpuid(0x80000008, 0).eax >> 8) & 0xff;
	rnd_bochs = host_is_bochs();
	rnd_modex = under_modex();
	rnd_cet_ss = guest_cpuid(7, 0).ecx & BIT(7);
	if (rnd_linear_bits < 48)
		rnd_linear_bits = 48;
	if (!baseline_init()) {
		GCHECK(false, "random: the VMCS fields could not be read");
		return 0;
	}
	rng = seed ? seed : DEFAULT_SEED;
	GINFO("random: seed %#llx, %llu entries, linear width %u\n",
	      (unsigned long long)seed, (unsigned long long)count,
	      rnd_linear_bits);
	t0 = rdtsc64();
	for (u64 it = 1; it <= count; it++) {
		struct rnd_expect x;
		struct result r;
		bool exit_ctls;

		mutate(kinds_buf, sizeof(kinds_buf));
		exit_ctls = touched[F_EXIT];
		rnd_model(&x);
		if (it >= trace_from)
			report("trace", it, kinds_buf, &x, NULL);
		enter(&r);
		cnt[r.o]++;
		if (!matches(&x, &r) && ++bad <= max_report)
			report("MISMATCH", it, kinds_buf, &x, &r);
		if (host_loaded && (r.o == O_OK || r.o >= O_X33Q0))
			l1_state_restore();
		restore(r.o == O_OK, exit_ctls);
		if (every && it % every == 0)
			counts_line("progress ", it, cnt, bad);
	}
	counts_line("", count, cnt, bad);
	GINFO("random: %llu TSC ticks, %llu per entry\n",
	      (unsigned long long)(rdtsc64() - t0),
	      (unsigned long long)((rdtsc64() - t0) / (count ? count : 1)));
	GCHECK(!bad,
	       "random: %llu of %llu entries answered otherwise than the SDM requires",
	       (unsigned long long)bad, (unsigned long long)count);
	vmcs_setup(vmx_has_ept());
	return 0;
}

void group_random(void)
{
	run_check("random", check_random);
}
