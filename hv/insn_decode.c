// SPDX-License-Identifier: MIT
/*
 * Length decoding for the instructions Modex emulates (hv/insn_decode.h).
 * Pure C: built freestanding into Modex and hosted for the unit tests.
 */
#include "hv/insn_decode.h"

#include "hv/include/err.h"

/* Legacy prefixes, groups 1-4 (SDM Vol. 2A 2.1.1; APM Vol. 3 1.2). */
static bool is_legacy_prefix(u8 b)
{
	switch (b) {
	case 0xf0:
	case 0xf2:
	case 0xf3: /* LOCK, REPNE, REP */
	case 0x2e:
	case 0x36:
	case 0x3e:
	case 0x26: /* CS SS DS ES */
	case 0x64:
	case 0x65: /* FS GS */
	case 0x66:
	case 0x67: /* operand, address size */
		return true;
	}
	return false;
}

/* The two-byte opcode after 0F (and its ModRM byte where it has one). */
static int decode_0f(const u8 *p, unsigned left, enum insn_kind *kind,
		     unsigned *n)
{
	if (left < 1)
		return -E_RANGE;
	switch (p[0]) {
	case 0x22:
		/* SDM Vol. 2B MOV--Move to Control Registers: the mod field
		 * is ignored and always treated as 11 (register). */
		if (left < 2)
			return -E_RANGE;
		*kind = INSN_MOV_TO_CR;
		*n = 2;
		return 0;
	case 0xa2:
		*kind = INSN_CPUID;
		*n = 1;
		return 0;
	case 0x32:
		*kind = INSN_RDMSR;
		*n = 1;
		return 0;
	case 0x30:
		*kind = INSN_WRMSR;
		*n = 1;
		return 0;
	case 0x08: /* SDM Vol. 2A INVD: 0F 08 */
		*kind = INSN_INVD;
		*n = 1;
		return 0;
	case 0x09: /* SDM Vol. 2D WBINVD: 0F 09 */
		*kind = INSN_WBINVD;
		*n = 1;
		return 0;
	case 0x01:
		if (left < 2)
			return -E_RANGE;
		/* Group 7 with mod=11: the ModRM byte selects the insn. */
		if (p[1] == 0xd9)
			*kind = INSN_VMMCALL;
		else if (p[1] == 0xc1)
			*kind = INSN_VMCALL;
		else
			return -E_INVAL;
		*n = 2;
		return 0;
	}
	return -E_INVAL;
}

int insn_decode(const u8 *bytes, unsigned avail, bool long64, struct insn *out)
{
	unsigned i = 0, n = 0, rex = 0,
		 limit = avail < INSN_MAX_LEN ? avail : INSN_MAX_LEN;
	enum insn_kind kind = INSN_NONE;
	int ret;

	while (i < limit && is_legacy_prefix(bytes[i]))
		i++;
	/* REX (40-4F) counts only right before the opcode, and only in
	 * 64-bit mode; elsewhere 40-4F are INC/DEC (SDM Vol. 2A 2.2.1). */
	if (long64 && i < limit && (bytes[i] & 0xf0) == 0x40)
		rex = bytes[i++];
	if (i >= INSN_MAX_LEN)
		return -E_TOOBIG;
	if (i >= avail)
		return -E_RANGE;
	if (bytes[i] != 0x0f)
		return -E_INVAL;
	ret = decode_0f(bytes + i + 1, avail - i - 1, &kind, &n);
	if (ret == -E_RANGE && i + 1 + 2 > INSN_MAX_LEN)
		return -E_TOOBIG;
	if (ret)
		return ret;
	if (i + 1 + n > INSN_MAX_LEN)
		return -E_TOOBIG;
	out->kind = kind;
	out->len = (u8)(i + 1 + n);
	out->nr_prefixes = (u8)i;
	out->cr = out->gpr = 0;
	if (kind == INSN_MOV_TO_CR) {
		u8 modrm = bytes[i + 2];

		/* REX.R extends reg (the CR), REX.B extends rm (the GPR). */
		out->cr = (u8)(((modrm >> 3) & 7) | ((rex & 4) << 1));
		out->gpr = (u8)((modrm & 7) | ((rex & 1) << 3));
	}
	return 0;
}

u32 insn_len_of(const u8 *bytes, unsigned avail, bool long64,
		enum insn_kind want)
{
	struct insn in;

	if (insn_decode(bytes, avail, long64, &in) || in.kind != want)
		return 0;
	return in.len;
}
