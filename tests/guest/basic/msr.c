// SPDX-License-Identifier: MIT
/*
 * l1_basic checks of the MSRs that decide memory types and address decode
 * and of INVD/WBINVD (docs/isolation.md, "MSRs"): L1 writes an MTRR that
 * makes Modex's hidden memory UC, reads it back, and Modex keeps running
 * with its memory still hidden; invalid MTRR and PAT values get #GP; the
 * decode and SMM MSRs cannot be written; INVD and WBINVD retire. The
 * emulators do not model memory types: these prove the virtual registers
 * and that Modex survives, not the caching (docs/isolation.md says which
 * claims only the unit tests prove).
 */
#include "tests/guest/basic/checks.h"

#include "hv/exit_info.h"
#include "hv/include/hypercall.h"
#include "hv/include/lib.h"
#include "tests/guest/lib/guest.h"

#define MSR_MTRRCAP 0xfe
#define MSR_PHYSBASE(n) (0x200 + 2 * (n))
#define MSR_PHYSMASK(n) (0x201 + 2 * (n))
#define MSR_FIX64K 0x250
#define MSR_PAT 0x277
#define MSR_DEF_TYPE 0x2ff
#define MSR_DEBUGCTL 0x1d9
#define MSR_MISC_ENABLE 0x1a0
#define MISC_LIMIT_CPUID BIT(22)
#define MISC_XD_DISABLE BIT(34)
#define CPUID_EXT1_EDX_NX BIT(20)
#define MSR_SMRR_BASE 0x1f2
#define MSR_TOP_MEM 0xc001001a
#define MSR_TOP_MEM2 0xc001001d
#define MSR_SYSCFG 0xc0010010
#define MSR_SMM_ADDR 0xc0010112
#define MTRR_V BIT(11)
#define MT_UC 0
#define CPUID1_EDX_MTRR BIT(12)
#define FOUR_GIB 0x100000000ULL

static bool modex_here(void)
{
	return under_modex();
}

static u64 maxphy_bits(void)
{
	u32 w = guest_cpuid(0x80000008, 0).eax & 0xff;

	return w ? w : 36;
}

/* The next run [*start, *end) of hidden pages (below guest_hidden_top(),
 * in no map entry) at or after @from. */
static bool hidden_run(u64 from, u64 *start, u64 *end)
{
	u64 top = guest_hidden_top();

	*start = 0;
	for (u64 a = MAX(from, 0x100000ULL); a < top; a += 0x1000) {
		bool in = !guest_addr_in_map(a);

		if (in && !*start)
			*start = a;
		if (!in && *start) {
			*end = a;
			return true;
		}
	}
	*end = top;
	return *start != 0;
}

static bool hidden_reads_ff(u64 s, u64 e)
{
	for (u64 a = s; a < e; a += 0x1000)
		if (*(volatile u64 *)a != ~0ULL)
			return false;
	return true;
}

static bool hypercall_answers(void)
{
	struct hc_regs o;

	return modex_hypercall(MODEX_HC_FEATURES, 0, 0, 0, &o) == 0;
}

static void expect_gp_write(u32 msr, u64 val, const char *what)
{
	int v = try_wrmsr(msr, val);

	GCHECK(v == X86_GP, "WRMSR %#x <- %#llx (%s): vector %d, want #GP", msr,
	       (unsigned long long)val, what, v);
}

static void expect_gp_read(u32 msr, const char *what)
{
	u64 val = 0;
	int v = try_rdmsr(msr, &val);

	GCHECK(v == X86_GP, "RDMSR %#x (%s): vector %d, want #GP", msr, what,
	       v);
}

static void expect_write_reads_back(u32 msr, u64 val)
{
	u64 got = 0;

	GCHECK(try_wrmsr(msr, val) < 0, "WRMSR %#x <- %#llx faulted", msr,
	       (unsigned long long)val);
	GCHECK(try_rdmsr(msr, &got) < 0 && got == val,
	       "MSR %#x reads %#llx after writing %#llx", msr,
	       (unsigned long long)got, (unsigned long long)val);
}

/* A variable pair with V clear other than @skip, or -1. */
static int free_pair(unsigned vcnt, int skip)
{
	for (unsigned n = 0; n < vcnt; n++)
		if ((int)n != skip && !(guest_rdmsr(MSR_PHYSMASK(n)) & MTRR_V))
			return (int)n;
	return -1;
}

/* The smallest naturally aligned power-of-two block holding [s, e). */
static void cover(u64 s, u64 e, u64 *base, u64 *size)
{
	u64 sz = 0x1000;

	while ((s & ~(sz - 1)) + sz < e)
		sz <<= 1;
	*base = s & ~(sz - 1);
	*size = sz;
}

static void mtrr_invalid_writes(unsigned vcnt, int n, u64 cap)
{
	u64 above = 1ULL << maxphy_bits();

	/* SDM Vol. 3A 12.11.2.1-12.11.2.3: reserved types and bits. */
	expect_gp_write(MSR_DEF_TYPE, 0xc02, "reserved default type 2");
	expect_gp_write(MSR_DEF_TYPE, 0xc06 | BIT(9), "reserved bit 9");
	expect_gp_write(MSR_DEF_TYPE, 0xc06 | BIT(12), "reserved bit 12");
	expect_gp_write(MSR_PHYSBASE(n), 0x7, "reserved range type 7");
	expect_gp_write(MSR_PHYSBASE(n), 0x6 | BIT(8), "base bit 8");
	expect_gp_write(MSR_PHYSBASE(n), above | 0x6, "base above MAXPHYADDR");
	expect_gp_write(MSR_PHYSMASK(n), MTRR_V | BIT(0), "mask bit 0");
	expect_gp_write(MSR_PHYSMASK(n), MTRR_V | above,
			"mask above MAXPHYADDR");
	if (cap & BIT(8))
		expect_gp_write(MSR_FIX64K, 0x0606060603060606ULL,
				"fixed type 3");
	expect_gp_write(MSR_MTRRCAP, cap, "MTRRCAP is read-only");
	if (vcnt < 40)
		expect_gp_read(MSR_PHYSBASE(vcnt), "pair VCNT does not exist");
}

struct uc_pair {
	int n;
	u64 old_base, old_mask, base, mask, hs, he;
};

/* Makes the hidden run [hs, he) UC through free pair p->n. */
static void uc_over(struct uc_pair *p)
{
	u64 size, t0;

	cover(p->hs, p->he, &p->base, &size);
	p->mask = (((1ULL << maxphy_bits()) - 1) & ~(size - 1)) | MTRR_V;
	p->base |= MT_UC;
	GINFO("UC over hidden %#llx-%#llx: pair %d base %#llx mask %#llx\n",
	      (unsigned long long)p->hs, (unsigned long long)p->he, p->n,
	      (unsigned long long)p->base, (unsigned long long)p->mask);
	p->old_base = guest_rdmsr(MSR_PHYSBASE(p->n));
	p->old_mask = guest_rdmsr(MSR_PHYSMASK(p->n));
	expect_write_reads_back(MSR_PHYSBASE(p->n), p->base);
	t0 = guest_rdtsc();
	expect_write_reads_back(MSR_PHYSMASK(p->n), p->mask);
	/* Under QEMU -icount shift=0 these are instructions. */
	GINFO("the enabling write and its read-back took %llu TSC ticks\n",
	      (unsigned long long)(guest_rdtsc() - t0));
	GCHECK(hypercall_answers(), "no hypercall answer after the UC MTRR");
}

/*
 * Under Modex: UC MTRRs over the first two runs of Modex's hidden memory
 * (its image and its pool), read back; Modex answers and the hidden pages
 * still read as the sink. Then every MTRR off and back, the #GP cases,
 * and the original values restored.
 */
int check_mtrr(void)
{
	struct uc_pair p[2];
	unsigned np = 0, vcnt;
	u64 cap, def, from = 0, t0;

	if (!(guest_cpuid(1, 0).edx & CPUID1_EDX_MTRR))
		return CHECK_SKIP;
	cap = guest_rdmsr(MSR_MTRRCAP);
	def = guest_rdmsr(MSR_DEF_TYPE);
	vcnt = (unsigned)(cap & 0xff);
	GINFO("MTRRCAP %#llx, default type %#llx\n", (unsigned long long)cap,
	      (unsigned long long)def);
	if (!modex_here())
		return CHECK_SKIP;
	while (np < 2 && hidden_run(from, &p[np].hs, &p[np].he)) {
		p[np].n = free_pair(vcnt, np ? p[0].n : -1);
		if (p[np].n < 0)
			break;
		from = p[np].he;
		uc_over(&p[np++]);
	}
	GCHECK(np > 0, "no free MTRR pair or no hidden memory found");
	for (unsigned i = 0; i < np; i++)
		GCHECK(hidden_reads_ff(p[i].hs, p[i].he),
		       "hidden memory no longer reads as the sink under UC");
	expect_write_reads_back(MSR_DEF_TYPE, def & ~0xc00ULL);
	GCHECK(hypercall_answers(), "no hypercall answer with MTRRs off");
	t0 = guest_rdtsc();
	expect_write_reads_back(MSR_DEF_TYPE, def & ~0xc00ULL);
	GINFO("a write that changes no type and its read-back: %llu TSC ticks\n",
	      (unsigned long long)(guest_rdtsc() - t0));
	expect_write_reads_back(MSR_DEF_TYPE, def);
	if (np)
		mtrr_invalid_writes(vcnt, p[0].n, cap);
	GCHECK(guest_rdmsr(MSR_DEF_TYPE) == def &&
		       (!np || guest_rdmsr(MSR_PHYSBASE(p[0].n)) == p[0].base),
	       "a refused write changed an MTRR");
	while (np--) {
		expect_write_reads_back(MSR_PHYSMASK(p[np].n), p[np].old_mask);
		expect_write_reads_back(MSR_PHYSBASE(p[np].n), p[np].old_base);
		GCHECK(hidden_reads_ff(p[np].hs, p[np].he),
		       "hidden memory changed after restoring the MTRRs");
	}
	GCHECK(hypercall_answers(), "no hypercall answer after the MTRRs");
	return 0;
}

int check_pat(void)
{
	u64 pat = guest_rdmsr(MSR_PAT), dbg = 0;
	/* Entry 1 WC, entry 6 WP: valid and unlike the power-on value. */
	u64 mine = 0x0005040600070106ULL;

	GINFO("PAT %#llx\n", (unsigned long long)pat);
	if (!modex_here())
		return CHECK_SKIP;
	expect_write_reads_back(MSR_PAT, mine);
	GCHECK(hypercall_answers(), "no hypercall answer after a PAT write");
	/* SDM Vol. 3A 12.12.2: types 2, 3 and >= 8 are reserved. */
	expect_gp_write(MSR_PAT, 0x0007040600070206ULL, "PAT type 2");
	expect_gp_write(MSR_PAT, 0x0007040603070406ULL, "PAT type 3");
	expect_gp_write(MSR_PAT, 0x0007040600070486ULL, "PAT type 0x86");
	GCHECK(guest_rdmsr(MSR_PAT) == mine, "a refused PAT write changed it");
	expect_write_reads_back(MSR_PAT, pat);
	/* DEBUGCTL: 0 reads back, reserved bits #GP. Bochs implements no
	 * DEBUGCTL (every access #GP); it passes through there (VMX, or SVM
	 * with LBR virtualization), so that is the answer L1 gets. */
	if (try_wrmsr(MSR_DEBUGCTL, 0) == X86_GP) {
		GINFO("DEBUGCTL: #GP (the CPU has none)\n");
		return 0;
	}
	GCHECK(try_rdmsr(MSR_DEBUGCTL, &dbg) < 0 && dbg == 0,
	       "DEBUGCTL reads %#llx after writing 0", (unsigned long long)dbg);
	expect_gp_write(MSR_DEBUGCTL, BIT(63), "DEBUGCTL reserved bit 63");
	return 0;
}

bool cpu_is_intel(void)
{
	struct guest_cpuid c = guest_cpuid(0, 0);

	return c.ebx == 0x756e6547 && c.edx == 0x49656e69 &&
	       c.ecx == 0x6c65746e;
}

/*
 * IA32_MISC_ENABLE (run on Intel CPUs only; docs/isolation.md): it reads (the hardware's,
 * or on an emulator without it Modex's virtual one), a value written back
 * unchanged is accepted, and setting the CPUID limit or XD disable gets
 * #GP and changes nothing: NX stays in CPUID, and Modex keeps answering.
 */
int check_misc_enable(void)
{
	u64 misc = 0, after = 0;

	if (!modex_here())
		return CHECK_SKIP;
	if (!GCHECK(try_rdmsr(MSR_MISC_ENABLE, &misc) < 0,
		    "RDMSR IA32_MISC_ENABLE faulted"))
		return 0;
	GINFO("IA32_MISC_ENABLE %#llx\n", (unsigned long long)misc);
	expect_write_reads_back(MSR_MISC_ENABLE, misc);
	if (!(misc & MISC_XD_DISABLE))
		expect_gp_write(MSR_MISC_ENABLE, misc | MISC_XD_DISABLE,
				"XD disable");
	if (!(misc & MISC_LIMIT_CPUID))
		expect_gp_write(MSR_MISC_ENABLE, misc | MISC_LIMIT_CPUID,
				"CPUID limit");
	GCHECK(try_rdmsr(MSR_MISC_ENABLE, &after) < 0 && after == misc,
	       "IA32_MISC_ENABLE %#llx after refused writes, was %#llx",
	       (unsigned long long)after, (unsigned long long)misc);
	GCHECK(guest_cpuid(0x80000001, 0).edx & CPUID_EXT1_EDX_NX,
	       "CPUID lost NX");
	GCHECK(guest_cpuid(0, 0).eax > 2, "CPUID is limited to leaf %u",
	       guest_cpuid(0, 0).eax);
	GCHECK(hypercall_answers(), "no hypercall answer after MISC_ENABLE");
	return 0;
}

int check_decode_msrs(void)
{
	if (!modex_here())
		return CHECK_SKIP;
	/* SMRR is for SMM only; L1 never runs in SMM. */
	expect_gp_read(MSR_SMRR_BASE, "SMRR outside SMM");
	expect_gp_write(MSR_SMRR_BASE, 0x6, "SMRR outside SMM");
	/* TOP_MEM, TOP_MEM2, SYSCFG, SMM_ADDR: never written by L1. */
	expect_gp_write(MSR_TOP_MEM, 0x1000000, "TOP_MEM");
	expect_gp_write(MSR_TOP_MEM2, 0, "TOP_MEM2");
	expect_gp_write(MSR_SYSCFG, 0, "SYSCFG");
	expect_gp_write(MSR_SMM_ADDR, 0, "SMM_ADDR");
	GCHECK(hypercall_answers(), "no hypercall answer after decode MSRs");
	return 0;
}

static u64 stats[EXIT_R_COUNT];

static u64 invd_exits(void)
{
	struct hc_regs o;

	if (modex_hypercall(MODEX_HC_STATS, (u64)stats, EXIT_R_COUNT, 0, &o))
		return ~0ULL;
	return stats[EXIT_R_INVD];
}

int check_invd(void)
{
	static volatile u64 dirty;
	u64 before = modex_here() ? invd_exits() : 0;

	/* A line written just before INVD survives it: Modex runs INVD as
	 * WBINVD (on emulators, which model no caches, trivially). */
	dirty = 0x1234567887654321ULL;
	asm volatile("invd" : : : "memory");
	GCHECK(dirty == 0x1234567887654321ULL, "a write was lost to INVD");
	asm volatile("invd; invd" : : : "memory");
	if (modex_here())
		GCHECK(invd_exits() - before == 3,
		       "%llu INVD exits for 3 INVDs",
		       (unsigned long long)(invd_exits() - before));
	/* WBINVD passes through on VMX, exits on SVM: it retires either way. */
	asm volatile("wbinvd" : : : "memory");
	if (!modex_here())
		return 0;
	GCHECK(hypercall_answers(), "no hypercall answer after INVD");
	return 0;
}
