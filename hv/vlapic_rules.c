// SPDX-License-Identifier: MIT
/*
 * The architectural rules of L1's virtual APIC (hv/vlapic.h): which
 * IA32_APIC_BASE writes are legal, what an ICR write does and which CPUs
 * it reaches. Pure C: built freestanding into Modex and hosted for the
 * unit tests (tests/unit/test_vlapic.c).
 */
#include "hv/vlapic.h"

#include "hv/include/compiler.h"
#include "hv/lapic.h"
#include "hv/ranges.h"

#define APIC_PAGE 0x1000ULL

enum apic_mode { MODE_DISABLED, MODE_XAPIC, MODE_X2APIC, MODE_INVALID };

static enum apic_mode mode_of(u64 v)
{
	bool en = v & APIC_BASE_EN, extd = v & APIC_BASE_EXTD;

	if (!en)
		return extd ? MODE_INVALID : MODE_DISABLED;
	return extd ? MODE_X2APIC : MODE_XAPIC;
}

/*
 * SDM Vol. 3A 11.12.5.1 (figure 11-27): from x2APIC mode the only legal
 * IA32_APIC_BASE transition is to disabled; from disabled only to xAPIC;
 * xAPIC may go to either. Staying in a state is always legal; the
 * invalid state (EN=0, EXTD=1) can never be entered.
 */
static bool transition_ok(enum apic_mode from, enum apic_mode to)
{
	if (to == MODE_INVALID)
		return false;
	if (from == to)
		return true;
	switch (from) {
	case MODE_XAPIC:
		return true;
	case MODE_X2APIC:
		return to == MODE_DISABLED;
	case MODE_DISABLED:
		return to == MODE_XAPIC;
	default:
		return false;
	}
}

int apic_base_write(const struct apic_base_env *env, u64 cur, u64 val,
		    u64 *next)
{
	u64 rsvd = APIC_BASE_RSVD_LOW;
	u64 base = APIC_BASE_ADDR(val);

	/* SDM Vol. 3A 11.4.4: the base field ends below MAXPHYADDR; the
	 * bits above it are reserved. */
	if (env->maxphyaddr < 64)
		rsvd |= ~0ULL << env->maxphyaddr;
	/* 11.12.1: EXTD exists only where CPUID.1:ECX[21] says x2APIC. */
	if (!env->x2apic)
		rsvd |= APIC_BASE_EXTD;
	if (val & rsvd)
		return -1;
	if (!transition_ok(mode_of(cur), mode_of(val)))
		return -1;
	/* Modex's rule: the APIC never covers Modex memory, whatever the
	 * mode (the base outlives a disable). */
	if (ranges_overlap(env->hidden, env->nr_hidden, base, base + APIC_PAGE))
		return -1;
	/* The BSP flag is the processor's, not software's: writes keep it. */
	*next = (val & ~APIC_BASE_BSP) | (cur & APIC_BASE_BSP);
	return 0;
}

enum icr_action apic_icr_action(u32 icr_lo)
{
	switch (icr_lo & ICR_DM_MASK) {
	case ICR_DM_INIT:
		/* SDM Vol. 3A 11.6.1: level 0 with trigger "level" is the
		 * INIT level de-assert, which current processors (Pentium 4
		 * onwards) ignore; every other INIT resets the target. */
		if (!(icr_lo & ICR_LEVEL_ASSERT) &&
		    (icr_lo & ICR_TRIGGER_LEVEL))
			return ICR_DROP;
		return ICR_INIT;
	case ICR_DM_STARTUP:
		return ICR_SIPI;
	default:
		return ICR_FORWARD;
	}
}

/* SDM Vol. 3A 11.6.2.2: an xAPIC's match of a logical MDA. */
static bool xapic_logical_match(const struct apic_cpu *c, u32 mda)
{
	u32 id = c->ldr >> 24;

	switch (c->dfr >> 28) {
	case 0xf: /* flat */
		return id & mda;
	case 0x0: /* cluster */
		return (id >> 4) == (mda >> 4) && (id & mda & 0xf);
	default:
		return false;
	}
}

static bool dest_match(const struct apic_cpu *c, u32 dest, bool logical,
		       bool x2apic)
{
	u32 bcast = x2apic ? 0xffffffffu : 0xffu;

	if (dest == bcast)
		return true;
	if (!logical)
		return c->apic_id == dest;
	if (c->x2apic != x2apic)
		return false;
	if (x2apic) {
		u32 ldr = x2apic_ldr(c->apic_id);

		return (ldr >> 16) == (dest >> 16) && (ldr & dest & 0xffff);
	}
	return xapic_logical_match(c, dest);
}

u64 apic_icr_targets(const struct apic_cpu *cpus, u32 n, u32 self, u32 icr_lo,
		     u32 dest, bool x2apic)
{
	u32 sh = icr_lo & ICR_SH_MASK;
	bool logical = icr_lo & ICR_DEST_LOGICAL;
	u64 set = 0;

	if (!x2apic)
		dest &= 0xff;
	for (u32 i = 0; i < n && i < 64; i++) {
		bool hit;

		if (!cpus[i].enabled)
			continue;
		switch (sh) {
		case ICR_SH_SELF:
			hit = i == self;
			break;
		case ICR_SH_ALL:
			hit = true;
			break;
		case ICR_SH_OTHERS:
			hit = i != self;
			break;
		default:
			hit = dest_match(&cpus[i], dest, logical, x2apic);
		}
		if (hit)
			set |= 1ULL << i;
	}
	return set;
}
