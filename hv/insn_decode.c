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

/*
 * Bytes after the opcode taken by ModRM, SIB and displacement (SDM Vol. 2A
 * 2.1.5 tables 2-1 and 2-2, 2.2.1.6: RIP-relative is mod 00 rm 101 in
 * 64-bit mode, the same length). 0 when more bytes are needed.
 */
static unsigned modrm_len(const u8 *p, unsigned left, bool addr16)
{
	u8 mod, rm;

	if (left < 1)
		return 0;
	mod = p[0] >> 6;
	rm = p[0] & 7;
	if (addr16) {
		if (mod == 1)
			return 2;
		if (mod == 2 || (mod == 0 && rm == 6))
			return 3;
		return 1;
	}
	if (rm == 4) { /* SIB */
		if (left < 2)
			return 0;
		if (mod == 1)
			return 3;
		if (mod == 2 || (mod == 0 && (p[1] & 7) == 5))
			return 6;
		return 2;
	}
	if (mod == 1)
		return 2;
	if (mod == 2 || (mod == 0 && rm == 5))
		return 5;
	return 1;
}

struct prefixes {
	unsigned n;
	u8 rex;
	bool opsize, addrsize, lock;
};

static void scan_prefixes(const u8 *b, unsigned limit, bool long64,
			  struct prefixes *px)
{
	unsigned i = 0;

	*px = (struct prefixes){ 0 };
	for (; i < limit && is_legacy_prefix(b[i]); i++) {
		px->opsize |= b[i] == 0x66;
		px->addrsize |= b[i] == 0x67;
		px->lock |= b[i] == 0xf0;
	}
	if (long64 && i < limit && (b[i] & 0xf0) == 0x40)
		px->rex = b[i++];
	px->n = i;
}

/* SDM Vol. 2A 3.6 table 3-4 (operand size), 2.2.1.2 (REX.W wins over 66). */
static u8 operand_size(enum insn_mode mode, const struct prefixes *px)
{
	if (mode == INSN_MODE_64 && (px->rex & 8))
		return 8;
	if (mode == INSN_MODE_16)
		return px->opsize ? 4 : 2;
	return px->opsize ? 2 : 4;
}

int insn_decode_store(const u8 *bytes, unsigned avail, enum insn_mode mode,
		      struct insn_store *out)
{
	unsigned limit = avail < INSN_MAX_LEN ? avail : INSN_MAX_LEN, m, len;
	bool addr16;
	struct prefixes px;
	u8 op, size, immsz = 0;

	scan_prefixes(bytes, limit, mode == INSN_MODE_64, &px);
	if (px.n >= INSN_MAX_LEN)
		return -E_TOOBIG;
	if (px.n >= avail)
		return -E_RANGE;
	op = bytes[px.n];
	if (op != 0x89 && op != 0xc7 && op != 0x87)
		return -E_INVAL;
	if (px.n + 2 > avail)
		return px.n + 2 > INSN_MAX_LEN ? -E_TOOBIG : -E_RANGE;
	/* A register operand does not touch memory; C7 /1-/7 are not MOV;
	 * LOCK MOV is #UD (SDM Vol. 2A LOCK). XCHG with memory is locked
	 * anyway. */
	if ((bytes[px.n + 1] >> 6) == 3 ||
	    (op == 0xc7 && ((bytes[px.n + 1] >> 3) & 7)) ||
	    (px.lock && op != 0x87))
		return -E_INVAL;
	/* 67 toggles 16/32-bit addressing outside 64-bit mode; in 64-bit
	 * mode it selects 32-bit addressing, with the same ModRM forms. */
	addr16 = mode == INSN_MODE_16 ? !px.addrsize :
		 mode == INSN_MODE_32 ? px.addrsize :
					false;
	size = operand_size(mode, &px);
	if (op == 0xc7)
		immsz = size == 2 ? 2 : 4; /* imm32 sign-extended for 64 */
	m = modrm_len(bytes + px.n + 1, avail - px.n - 1, addr16);
	if (!m) /* the SIB byte is missing */
		return px.n + 3 > INSN_MAX_LEN ? -E_TOOBIG : -E_RANGE;
	len = px.n + 1 + m + immsz;
	if (len > INSN_MAX_LEN)
		return -E_TOOBIG;
	if (len > avail)
		return -E_RANGE;
	*out = (struct insn_store){
		.src = op == 0x89 ? STORE_REG :
		       op == 0x87 ? STORE_XCHG :
				    STORE_IMM,
		.len = (u8)len,
		.size = size,
		.gpr = (u8)(((bytes[px.n + 1] >> 3) & 7) | ((px.rex & 4) << 1)),
	};
	if (op == 0xc7) {
		const u8 *ip = bytes + len - immsz;
		u64 imm = ip[0] | ((u64)ip[1] << 8);

		if (immsz == 4) {
			imm |= ((u64)ip[2] << 16) | ((u64)ip[3] << 24);
			imm = (u64)(s64)(s32)(u32)imm;
		}
		out->gpr = 0;
		out->imm = size == 8 ? imm : imm & ((1ULL << (size * 8)) - 1);
	}
	return 0;
}
