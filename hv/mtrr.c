// SPDX-License-Identifier: MIT
/*
 * L1's virtual MTRRs and PAT (hv/mtrr.h): the CPU's write checks, the
 * effective memory type with the SDM's precedence rules, and the stage-2
 * attribute for a type. Pure: no hardware access.
 */
#include "hv/mtrr.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"

#define MTRR_BASE_TYPE_MASK 0xffULL
#define MTRR_DEF_TYPE_BITS (0xffULL | MTRR_DEF_FE | MTRR_DEF_E)

u64 mtrr_cap_for_l1(u64 hw_cap)
{
	u64 vcnt = hw_cap & MTRRCAP_VCNT_MASK;

	return (hw_cap & ~MTRRCAP_VCNT_MASK) | MIN(vcnt, (u64)MTRR_MAX_VAR);
}

static u32 vcnt(const struct mtrr_state *s)
{
	return (u32)(s->cap & MTRRCAP_VCNT_MASK);
}

/* Index into s->fixed of a fixed-range MSR, or -1. */
static int fixed_index(u32 msr)
{
	if (msr == MSR_MTRR_FIX64K_00000)
		return 0;
	if (msr == MSR_MTRR_FIX16K_80000)
		return 1;
	if (msr == MSR_MTRR_FIX16K_A0000)
		return 2;
	if (msr >= MSR_MTRR_FIX4K_C0000 && msr <= MSR_MTRR_FIX4K_C0000 + 7)
		return (int)(msr - MSR_MTRR_FIX4K_C0000) + 3;
	return -1;
}

bool mtrr_is_msr(u32 msr)
{
	return msr == MSR_MTRRCAP || msr == MSR_MTRR_DEF_TYPE ||
	       (msr >= MSR_MTRR_PHYSBASE0 && msr < MSR_MTRR_FIX64K_00000) ||
	       fixed_index(msr) >= 0;
}

/* SDM Vol. 3A 12.11.2.1: types 0, 1, 4, 5, 6; WC only with MTRRCAP.WC. */
static bool type_valid(const struct mtrr_state *s, u64 t)
{
	if (t == MT_WC)
		return s->cap & MTRRCAP_WC;
	return t == MT_UC || t == MT_WT || t == MT_WP || t == MT_WB;
}

/* Physical-address bits 12..MAXPHYADDR-1 (SDM Vol. 3A 12.11.2.3). */
static u64 addr_bits(const struct mtrr_state *s)
{
	return ((1ULL << s->maxphyaddr) - 1) & PAGE_MASK;
}

/* The MSR's slot in @s, or NULL when it does not exist for this MTRRCAP
 * (SDM Vol. 3A 12.11.1: VCNT pairs; the fixed ranges only with FIX). */
static u64 *slot(struct mtrr_state *s, u32 msr)
{
	int fi = fixed_index(msr);

	if (!s->cap)
		return NULL;
	if (msr == MSR_MTRR_DEF_TYPE)
		return &s->def_type;
	if (fi >= 0)
		return (s->cap & MTRRCAP_FIX) ? &s->fixed[fi] : NULL;
	if (msr >= MSR_MTRR_PHYSBASE0 &&
	    msr < MSR_MTRR_PHYSBASE0 + 2 * vcnt(s)) {
		struct mtrr_var *v = &s->var[(msr - MSR_MTRR_PHYSBASE0) / 2];

		return (msr & 1) ? &v->mask : &v->base;
	}
	return NULL;
}

int mtrr_read(const struct mtrr_state *s, u32 msr, u64 *val)
{
	u64 *p;

	if (msr == MSR_MTRRCAP && s->cap) {
		*val = s->cap;
		return 0;
	}
	p = slot((struct mtrr_state *)s, msr);
	if (!p)
		return -1;
	*val = *p;
	return 0;
}

/* SDM Vol. 3A 12.11.2: the #GP conditions of each MTRR write. */
static bool write_valid(const struct mtrr_state *s, u32 msr, u64 val)
{
	if (msr == MSR_MTRR_DEF_TYPE) {
		/* 12.11.2.1: bits 8, 9 and 12-63 reserved; FE needs FIX. */
		if ((val & ~MTRR_DEF_TYPE_BITS) ||
		    ((val & MTRR_DEF_FE) && !(s->cap & MTRRCAP_FIX)))
			return false;
		return type_valid(s, val & 0xff);
	}
	if (fixed_index(msr) >= 0) {
		/* 12.11.2.2: eight type fields, each a valid type. */
		for (int i = 0; i < 8; i++)
			if (!type_valid(s, (val >> (8 * i)) & 0xff))
				return false;
		return true;
	}
	if (!(msr & 1)) {
		/* 12.11.2.3: PHYSBASE bits 8-11 and from MAXPHYADDR up
		 * reserved. */
		if (val & ~(addr_bits(s) | MTRR_BASE_TYPE_MASK))
			return false;
		return type_valid(s, val & MTRR_BASE_TYPE_MASK);
	}
	/* PHYSMASK: bits 0-10 and from MAXPHYADDR up reserved. */
	return !(val & ~(addr_bits(s) | MTRR_MASK_V));
}

int mtrr_write(struct mtrr_state *s, u32 msr, u64 val)
{
	u64 *p = slot(s, msr);

	/* MTRRCAP is read-only (12.11.1): slot() has no place for it. */
	if (!p || !write_valid(s, msr, val))
		return -1;
	*p = val;
	return 0;
}

static u8 fixed_type(const struct mtrr_state *s, u64 pa)
{
	u64 reg, field;

	/* 12.11.2.2 table 12-9: 8 x 64 KiB, 16 x 16 KiB, 64 x 4 KiB. */
	if (pa < 0x80000) {
		reg = s->fixed[0];
		field = pa >> 16;
	} else if (pa < 0xc0000) {
		reg = s->fixed[1 + ((pa - 0x80000) >> 17)];
		field = ((pa - 0x80000) >> 14) & 7;
	} else {
		reg = s->fixed[3 + ((pa - 0xc0000) >> 15)];
		field = ((pa - 0xc0000) >> 12) & 7;
	}
	return (u8)(reg >> (8 * field));
}

static bool fixed_on(const struct mtrr_state *s)
{
	return (s->def_type & MTRR_DEF_FE) && (s->cap & MTRRCAP_FIX);
}

static bool mtrrs_on(const struct mtrr_state *s)
{
	return s->cap && (s->def_type & MTRR_DEF_E);
}

/*
 * 12.11.4.1: several matching variable ranges. UC if any is UC; WT if
 * they are WT and WB; one type if they agree. Any other mix is undefined
 * in the SDM: Modex chooses UC, the type that never caches what L1 did not
 * ask to cache. @seen is a bit set of the matching types.
 */
static u8 combine(u32 seen, u8 def)
{
	if (!seen)
		return def;
	if (seen & BIT(MT_UC))
		return MT_UC;
	if (seen == (BIT(MT_WT) | BIT(MT_WB)))
		return MT_WT;
	if (!(seen & (seen - 1)))
		return (u8)__builtin_ctz(seen);
	return MT_UC;
}

u8 mtrr_type(const struct mtrr_state *s, u64 pa)
{
	u64 am = addr_bits(s);
	u32 seen = 0;

	if (!mtrrs_on(s))
		return MT_UC;
	if (pa < MTRR_FIXED_TOP && fixed_on(s))
		return fixed_type(s, pa);
	for (u32 i = 0; i < vcnt(s); i++) {
		const struct mtrr_var *v = &s->var[i];
		u64 m = v->mask & am;

		if ((v->mask & MTRR_MASK_V) && ((pa ^ v->base) & m) == 0)
			seen |= (u32)BIT(v->base & 7);
	}
	return combine(seen, (u8)(s->def_type & 0xff));
}

bool mtrr_block_uniform(const struct mtrr_state *s, u64 base, u64 size,
			u8 *type)
{
	u64 am = addr_bits(s), low = (size - 1) & PAGE_MASK;
	u32 seen = 0;

	if (!mtrrs_on(s) || size <= PAGE_SIZE) {
		*type = mtrr_type(s, base);
		return true;
	}
	/* Below 1 MiB the fixed ranges change every 4-64 KiB: split. */
	if (base < MTRR_FIXED_TOP && fixed_on(s))
		return false;
	for (u32 i = 0; i < vcnt(s); i++) {
		const struct mtrr_var *v = &s->var[i];
		u64 m = v->mask & am;

		if (!(v->mask & MTRR_MASK_V) || ((base ^ v->base) & m & ~low))
			continue; /* no address of the block matches */
		if (m & low)
			return false; /* some addresses match, others may not */
		seen |= (u32)BIT(v->base & 7);
	}
	*type = combine(seen, (u8)(s->def_type & 0xff));
	return true;
}

bool mtrr_types_differ(const struct mtrr_state *a, const struct mtrr_state *b)
{
	if (!mtrrs_on(a) && !mtrrs_on(b))
		return false; /* all UC either way */
	return a->def_type != b->def_type ||
	       memcmp(a->var, b->var, sizeof(a->var)) ||
	       (fixed_on(a) && memcmp(a->fixed, b->fixed, sizeof(a->fixed)));
}

bool pat_valid(u64 pat)
{
	for (int i = 0; i < 8; i++) {
		u64 t = (pat >> (8 * i)) & 0xff;

		if (t == 2 || t == 3 || t >= 8)
			return false;
	}
	return true;
}

u64 stage2_mt_attr(enum pt_type type, u8 mt)
{
	if (mt != MT_UC && mt != MT_WC && mt != MT_WT && mt != MT_WP &&
	    mt != MT_WB)
		mt = MT_UC;
	if (type == PT_EPT)
		return (u64)mt << EPTE_MT_SHIFT;
	for (u32 i = 0; i < 8; i++) {
		if (((MODEX_HOST_PAT >> (8 * i)) & 0xff) != mt)
			continue;
		/* SDM Vol. 3A 12.12.3: PAT index = PAT:PCD:PWT. */
		return ((i & 1) ? PTE_PWT : 0) | ((i & 2) ? PTE_PCD : 0) |
		       ((i & 4) ? PTE_PAT_4K : 0);
	}
	return PTE_PCD | PTE_PWT; /* entry 3: UC */
}

/* The piece at @a: the largest aligned block inside [a, end) with one
 * type, *mt getting it. */
static u64 typed_piece(const struct mtrr_state *s, u64 a, u64 end, u8 *mt)
{
	u64 size = SZ_1G;

	while (size > PAGE_SIZE && (!IS_ALIGNED(a, size) || a + size > end ||
				    !mtrr_block_uniform(s, a, size, mt)))
		size = size == SZ_1G ? SZ_2M : PAGE_SIZE;
	if (size == PAGE_SIZE)
		*mt = mtrr_type(s, a);
	return size;
}

/* Consecutive pieces of one type become one pt_map() call, which picks
 * the page sizes itself: every page of the run has that type. */
int stage2_map_typed(struct pt *pt, const struct mtrr_state *s, u64 start,
		     u64 end, acc_t acc)
{
	u64 run = start;
	u32 pieces = 0;
	u8 run_mt = MT_UC;

	for (u64 a = start; a < end;) {
		u8 mt = MT_UC;
		u64 size = typed_piece(s, a, end, &mt);
		int ret;

		if (++pieces > STAGE2_MAX_PIECES)
			return -E_TOOBIG;

		if (a != run && mt != run_mt) {
			ret = pt_map(pt, run, run, a - run, acc,
				     stage2_mt_attr(pt->fmt.type, run_mt), 0);
			if (ret)
				return ret;
			run = a;
		}
		run_mt = mt;
		a += size;
	}
	if (run == end)
		return 0;
	return pt_map(pt, run, run, end - run, acc,
		      stage2_mt_attr(pt->fmt.type, run_mt), 0);
}
