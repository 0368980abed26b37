// SPDX-License-Identifier: MIT
/*
 * The mutations of group "vmentry" (vmentry.c): a seeded generator and, per
 * kind, the VM-entry-relevant vmcs12 fields it changes and the values it
 * picks (valid ones, reserved bits, unaligned or too wide addresses,
 * addresses outside RAM, non-canonical ones). Each mutation updates
 * rnd_cur[] and records the field in rnd_order[]; vmentry.c writes them.
 * Context: L1 at CPL 0, VMX on, interrupts off.
 */
#include "tests/guest/vmx/vmentry.h"

#include "hv/include/lib.h"

#define MSR_GS_BASE 0xc0000101u
/*
 * Exceptions that always exit: a disrupted L2 (a fault on its handler's
 * fetch, a broken stack) would otherwise loop through its IDT, pushing
 * frames over L1's memory. #UD, #DF, #TS, #NP, #SS, #GP, #PF, #AC.
 */
#define EXC_KEEP 0x27d40ULL

u64 rnd_vapic_pa;
struct rnd_msr rnd_entry_list[4] __aligned(16);

static u64 rng;

typedef u8 page_t[4096] __aligned(4096);
static page_t io_a, io_b, msr_bm, vapic, apic_acc, pml, ve_info, vmr_bm, vmw_bm,
	link_page;
static struct rnd_msr exit_store[2] __aligned(16), exit_load[2] __aligned(16);

void rnd_seed(u64 seed)
{
	rng = seed;
}

static u64 rnd64(void)
{
	return guest_xorshift64s(&rng);
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
	if (!rnd_present[f])
		return;
	V(f) = rnd_truncate(f, v);
	if (!rnd_touched[f]) {
		rnd_touched[f] = true;
		rnd_order[rnd_n_touched++] = (u8)f;
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

	rnd_disruptive = true;
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
	u64 e = rnd_base[F_EPTP];

	rnd_disruptive = true;
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
	rnd_disruptive = true;
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
		set(F_HPAT, rnd_l1_pat);
		break;
	case 3: {
		u64 pat = rnd_l1_pat;
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

	rnd_disruptive = true;
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

	rnd_disruptive = true;
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
	u64 pat = rnd_base[F_GPAT];
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
		rnd_disruptive = true;
		set(F_GAR + s, ar ^ BIT(rnd(17)));
		break;
	case 5:
		set(F_GAR + s,
		    ar | BIT(chance(50) ? 17 + rnd(15) : 8 + rnd(4)));
		break;
	case 6:
		rnd_disruptive = true;
		set(F_GAR + s, (ar & ~15ULL) | rnd(16));
		break;
	case 7:
		rnd_disruptive = true;
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

	rnd_disruptive = true;
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

	rnd_disruptive = true;
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

	rnd_disruptive = true;
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

	rnd_disruptive = true;
	set(f[i], addr_variant(rnd_base[f[i]]));
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

u64 rnd_below(u64 n)
{
	return rnd(n);
}

bool rnd_chance(unsigned pct)
{
	return chance(pct);
}

const char *rnd_mutate_one(void)
{
	unsigned k = pick_kind();

	kinds[k].gen();
	return kinds[k].name;
}

void rnd_pages_init(void)
{
	memset(vapic, 0, sizeof(vapic));
	vapic[0x80] = 0x50; /* VTPR: priority class 5 */
	rnd_vapic_pa = (u64)vapic;
	for (unsigned i = 0; i < 2; i++) {
		exit_store[i] = (struct rnd_msr){ MSR_KERNEL_GS_BASE, 0, 0 };
		exit_load[i] = (struct rnd_msr){ MSR_KERNEL_GS_BASE, 0, 0 };
	}
	rnd_base[F_EXC] = ~0u;
	rnd_base[F_IOA] = (u64)io_a;
	rnd_base[F_IOB] = (u64)io_b;
	rnd_base[F_MSRBM] = (u64)msr_bm;
	rnd_base[F_VAPIC] = (u64)vapic;
	rnd_base[F_APICACC] = (u64)apic_acc;
	rnd_base[F_PML] = (u64)pml;
	rnd_base[F_VEINFO] = (u64)ve_info;
	rnd_base[F_VMRBM] = (u64)vmr_bm;
	rnd_base[F_VMWBM] = (u64)vmw_bm;
	rnd_base[F_XSA] = (u64)exit_store;
	rnd_base[F_XLA] = (u64)exit_load;
	rnd_base[F_ELA] = (u64)rnd_entry_list;
}
