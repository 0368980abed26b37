// SPDX-License-Identifier: MIT
/*
 * The "apic-base" check (tests/guest/lib/check_apic.h): what L1 gets when
 * it moves or switches its local APIC with IA32_APIC_BASE under Modex
 * (docs/isolation.md, "The local APIC"), and that an xAPIC self-IPI and
 * its EOI still work, which on SVM go through Modex's write emulation.
 * Context: CPL 0, interrupts off except around the one self-IPI.
 */
#include "tests/guest/lib/check_apic.h"

#include "hv/include/lib.h"
#include "tests/guest/lib/guest.h"

#define MSR_APIC_BASE 0x1b
#define MSR_X2APIC_ID 0x802
#define BASE_BSP BIT(8)
#define BASE_EXTD BIT(10)
#define BASE_EN BIT(11)
#define BASE_MODE (BASE_EN | BASE_EXTD)
#define BASE_ADDR(v) ((v) & ~0xfffULL)
#define CPUID1_ECX_X2APIC BIT(21)

/* xAPIC registers (SDM Vol. 3A table 11-1). */
#define REG_ID 0x20
#define REG_VER 0x30
#define REG_EOI 0xb0
#define REG_SVR 0xf0
#define REG_ISR 0x100
#define REG_IRR 0x200
#define REG_ICR_LO 0x300
#define SVR_ENABLE BIT(8)
#define ICR_SELF (1u << 18)

#define TEST_VECTOR 0x41
#define FOUR_GIB 0x100000000ULL

u64 apic_test_eoi; /* the EOI register the handler writes */
u32 apic_test_hits;

/* The self-IPI's handler: EOI with a MOV m32,imm32 (C7 /0), the store a
 * driver's EOI is. */
asm(".pushsection .text\n"
    ".globl apic_test_isr\n"
    "apic_test_isr:\n"
    "	pushq %rax\n"
    "	movq apic_test_eoi(%rip), %rax\n"
    "	movl $0, (%rax)\n"
    "	incl apic_test_hits(%rip)\n"
    "	popq %rax\n"
    "	iretq\n"
    ".popsection\n");
extern char apic_test_isr[];

struct idt_gate {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, zero;
} __packed;

struct dtr {
	u16 limit;
	u64 base;
} __packed;

static struct idt_gate big_idt[256] __aligned(16);

static u32 rd(u64 base, u32 off)
{
	return *(volatile u32 *)(base + off);
}

static void wr(u64 base, u32 off, u32 v)
{
	*(volatile u32 *)(base + off) = v;
}

static bool pending(u64 base, u32 reg, u8 vec)
{
	return rd(base, reg + (vec / 32) * 0x10) & (1u << (vec % 32));
}

static u8 inb(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void outb(u16 port, u8 v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

/*
 * Takes the interrupt with a copy of the IDT that has the vector. The
 * 8259 PICs are masked meanwhile: the firmware left them on vectors 8-15,
 * with the timer pending.
 */
static void accept_interrupt(void)
{
	struct dtr cur, big = { sizeof(big_idt) - 1, (u64)big_idt };
	u64 isr = (u64)apic_test_isr;
	u8 m1 = inb(0x21), m2 = inb(0xa1);

	asm volatile("sidt %0" : "=m"(cur));
	memcpy(big_idt, (void *)cur.base, cur.limit + 1);
	big_idt[TEST_VECTOR] = (struct idt_gate){
		.off_lo = (u16)isr,
		.sel = 0x08,
		.type = 0x8e,
		.off_mid = (u16)(isr >> 16),
		.off_hi = (u32)(isr >> 32),
	};
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	asm volatile("lidt %0" : : "m"(big));
	asm volatile("sti; nop; nop; nop; cli" ::: "memory");
	asm volatile("lidt %0" : : "m"(cur));
	outb(0xa1, m2);
	outb(0x21, m1);
}

/* A fixed self-IPI through the xAPIC at @base, taken and EOI'd. */
static void self_ipi(u64 base)
{
	u32 svr = rd(base, REG_SVR);

	wr(base, REG_SVR, svr | SVR_ENABLE);
	apic_test_eoi = base + REG_EOI;
	apic_test_hits = 0;
	wr(base, REG_ICR_LO, ICR_SELF | TEST_VECTOR);
	GCHECK(pending(base, REG_IRR, TEST_VECTOR),
	       "self-IPI %#x not pending in IRR at %#llx", TEST_VECTOR,
	       (unsigned long long)base);
	accept_interrupt();
	GCHECK(apic_test_hits == 1, "self-IPI handler ran %u times",
	       apic_test_hits);
	GCHECK(!pending(base, REG_ISR, TEST_VECTOR) &&
		       !pending(base, REG_IRR, TEST_VECTOR),
	       "vector %#x still in service after EOI", TEST_VECTOR);
	wr(base, REG_SVR, svr);
}

static bool gp(int vec)
{
	return vec == X86_GP;
}

/* A page below the top of RAM that no map entry covers: Modex's memory
 * (docs/isolation.md), as the hidden-memory checks find it. */
/* The first of Modex's hidden pages (guest.h: guest_hidden_top()). */
static u64 modex_page(void)
{
	for (u64 a = 0x100000; a < guest_hidden_top(); a += 0x1000)
		if (!guest_addr_in_map(a))
			return a;
	return 0;
}

static void check_illegal(u64 orig, u8 maxphy, bool x2)
{
	/* SDM Vol. 3A 11.4.4: reserved bit 9, bits from MAXPHYADDR up;
	 * 11.12.5: EXTD without EN; without x2APIC EXTD is reserved. */
	GCHECK(gp(try_wrmsr(MSR_APIC_BASE, orig | BIT(9))), "bit 9: no #GP");
	GCHECK(gp(try_wrmsr(MSR_APIC_BASE, orig | (1ULL << maxphy))),
	       "bit %u (MAXPHYADDR): no #GP", maxphy);
	GCHECK(gp(try_wrmsr(MSR_APIC_BASE, (orig & ~BASE_MODE) | BASE_EXTD)),
	       "EXTD without EN: no #GP");
	if (!x2)
		GCHECK(gp(try_wrmsr(MSR_APIC_BASE, orig | BASE_EXTD)),
		       "EXTD without x2APIC support: no #GP");
	GCHECK(guest_rdmsr(MSR_APIC_BASE) == orig, "IA32_APIC_BASE changed");
}

/*
 * The EN/EXTD transitions of SDM Vol. 3A 11.12.5.1, x2APIC first (some
 * CPUs cannot leave the disabled state); false if the APIC stays off.
 */
static bool check_modes(u64 orig, u32 id, bool x2)
{
	u64 off = orig & ~BASE_MODE;

	if (x2) {
		GCHECK(try_wrmsr(MSR_APIC_BASE, orig | BASE_EXTD) < 0,
		       "xAPIC -> x2APIC faulted");
		GCHECK((guest_rdmsr(MSR_X2APIC_ID) & 0xff) == id,
		       "x2APIC ID %#llx, xAPIC ID was %#x",
		       (unsigned long long)guest_rdmsr(MSR_X2APIC_ID), id);
		GCHECK(gp(try_wrmsr(MSR_APIC_BASE, orig)),
		       "x2APIC -> xAPIC: no #GP");
		GCHECK(guest_rdmsr(MSR_APIC_BASE) == (orig | BASE_EXTD),
		       "x2APIC mode lost");
	}
	GCHECK(try_wrmsr(MSR_APIC_BASE, off) < 0, "-> disabled faulted");
	GCHECK(guest_rdmsr(MSR_APIC_BASE) == off, "disabled: reads %#llx",
	       (unsigned long long)guest_rdmsr(MSR_APIC_BASE));
	if (x2)
		GCHECK(gp(try_wrmsr(MSR_APIC_BASE, off | BASE_MODE)),
		       "disabled -> x2APIC: no #GP");
	GCHECK(try_wrmsr(MSR_APIC_BASE, orig) < 0, "disabled -> xAPIC faulted");
	if (!(guest_rdmsr(MSR_APIC_BASE) & BASE_EN)) {
		/* SDM Vol. 3A 11.4.3: P6-family behaviour (Bochs). */
		GINFO("this CPU re-enables a disabled APIC only at reset\n");
		return false;
	}
	return true;
}

/* Moves the APIC to free RAM page @p and back. */
static void check_move(u64 orig, u64 p, u32 id, u32 ver)
{
	u64 flags = orig & 0xfff;

	*(volatile u64 *)(p + REG_ID) = 0x5a5a5a5a5a5a5a5aULL;
	GCHECK(try_wrmsr(MSR_APIC_BASE, p | (flags & ~BASE_BSP)) < 0,
	       "moving the APIC to %#llx faulted", (unsigned long long)p);
	GCHECK(guest_rdmsr(MSR_APIC_BASE) == (p | flags),
	       "IA32_APIC_BASE reads %#llx, %#llx expected (BSP kept)",
	       (unsigned long long)guest_rdmsr(MSR_APIC_BASE),
	       (unsigned long long)(p | flags));
	GCHECK(rd(p, REG_ID) >> 24 == id && rd(p, REG_VER) == ver,
	       "at %#llx: ID %#x version %#x, expected %#x and %#x",
	       (unsigned long long)p, rd(p, REG_ID), rd(p, REG_VER), id, ver);
	self_ipi(p);
	GCHECK(try_wrmsr(MSR_APIC_BASE, orig) < 0, "moving back faulted");
	GCHECK(guest_rdmsr(MSR_APIC_BASE) == orig, "not back at %#llx",
	       (unsigned long long)orig);
	GCHECK(*(volatile u64 *)(p + REG_ID) == 0x5a5a5a5a5a5a5a5aULL,
	       "RAM at %#llx not restored", (unsigned long long)p);
	GCHECK(rd(BASE_ADDR(orig), REG_ID) >> 24 == id, "APIC gone at %#llx",
	       (unsigned long long)BASE_ADDR(orig));
}

int check_apic_base(void)
{
	u64 orig, base, hid, p;
	u32 id, ver;
	struct guest_range free[8];
	bool x2 = guest_cpuid(1, 0).ecx & CPUID1_ECX_X2APIC;
	u8 maxphy = (u8)guest_cpuid(0x80000008, 0).eax;

	if (!under_modex())
		return CHECK_SKIP;
	orig = guest_rdmsr(MSR_APIC_BASE);
	base = BASE_ADDR(orig);
	GINFO("IA32_APIC_BASE %#llx, x2APIC %s, MAXPHYADDR %u\n",
	      (unsigned long long)orig, x2 ? "yes" : "no", maxphy);
	if (!GCHECK((orig & BASE_MODE) == BASE_EN && base < FOUR_GIB,
		    "APIC not in xAPIC mode below 4 GiB"))
		return 0;
	id = rd(base, REG_ID) >> 24;
	ver = rd(base, REG_VER);
	check_illegal(orig, maxphy, x2);
	/* Onto Modex's memory: #GP, and nothing moved. */
	hid = modex_page();
	GCHECK(hid, "no Modex page found below 4 GiB");
	if (hid) {
		GCHECK(gp(try_wrmsr(MSR_APIC_BASE, hid | (orig & 0xfff))),
		       "APIC base onto Modex memory %#llx: no #GP",
		       (unsigned long long)hid);
		GCHECK(guest_rdmsr(MSR_APIC_BASE) == orig,
		       "IA32_APIC_BASE changed");
		GCHECK(rd(hid, REG_VER) == 0xffffffffu,
		       "Modex page %#llx no longer reads as the sink",
		       (unsigned long long)hid);
	}
	self_ipi(base);
	if (guest_free_ranges(free, ARRAY_SIZE(free))) {
		p = ALIGN_DOWN(free[0].end - 0x1000, 0x1000);
		check_move(orig, p, id, ver);
	}
	if (!check_modes(orig, id, x2))
		return 0;
	GCHECK(guest_rdmsr(MSR_APIC_BASE) == orig, "final IA32_APIC_BASE");
	GCHECK(rd(base, REG_ID) >> 24 == id, "APIC ID changed");
	return 0;
}
