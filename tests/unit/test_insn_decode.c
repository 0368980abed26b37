// SPDX-License-Identifier: MIT
/* Host unit tests of the emulated-instruction length decoder. */
#include "tests/unit/harness.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/insn_decode.h"

static int dec(const u8 *b, unsigned n, bool l64, struct insn *in)
{
	memset(in, 0xaa, sizeof(*in));
	return insn_decode(b, n, l64, in);
}

TEST(plain)
{
	static const struct {
		u8 b[3];
		unsigned n;
		enum insn_kind k;
	} t[] = {
		{ { 0x0f, 0xa2 }, 2, INSN_CPUID },
		{ { 0x0f, 0x32 }, 2, INSN_RDMSR },
		{ { 0x0f, 0x30 }, 2, INSN_WRMSR },
		{ { 0x0f, 0x01, 0xd9 }, 3, INSN_VMMCALL },
		{ { 0x0f, 0x01, 0xc1 }, 3, INSN_VMCALL },
		{ { 0x0f, 0x08 }, 2, INSN_INVD },
		{ { 0x0f, 0x09 }, 2, INSN_WBINVD },
	};
	struct insn in;

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		for (int l64 = 0; l64 < 2; l64++) {
			REQUIRE(dec(t[i].b, 15, l64, &in) == 0);
			CHECK_EQ(in.kind, t[i].k);
			CHECK_EQ(in.len, t[i].n);
			CHECK_EQ(in.nr_prefixes, 0);
			CHECK_EQ(insn_len_of(t[i].b, t[i].n, l64, t[i].k),
				 t[i].n);
		}
	}
}

TEST(prefixes)
{
	const u8 a[] = { 0x66, 0x0f, 0xa2 };
	const u8 b[] = { 0xf3, 0x2e, 0x67, 0x0f, 0x01, 0xd9 };
	const u8 rex[] = { 0x48, 0x0f, 0x30 };
	const u8 rex_mid[] = { 0x48, 0x66, 0x0f, 0x32 };
	struct insn in;

	CHECK_EQ(insn_len_of(a, sizeof(a), true, INSN_CPUID), 3);
	CHECK_EQ(insn_len_of(b, sizeof(b), false, INSN_VMMCALL), 6);
	REQUIRE(dec(b, sizeof(b), true, &in) == 0);
	CHECK_EQ(in.nr_prefixes, 3);
	/* REX only in 64-bit mode; elsewhere 0x48 is DEC EAX. */
	CHECK_EQ(insn_len_of(rex, sizeof(rex), true, INSN_WRMSR), 3);
	CHECK_EQ(dec(rex, sizeof(rex), false, &in), -E_INVAL);
	/* A REX not directly before the opcode is not a prefix of it. */
	CHECK_EQ(dec(rex_mid, sizeof(rex_mid), true, &in), -E_INVAL);
}

TEST(too_long)
{
	u8 b[20];
	struct insn in;

	/* 12 prefixes + 0F 01 D9 = 15 bytes: the longest legal encoding. */
	memset(b, 0x66, sizeof(b));
	b[12] = 0x0f, b[13] = 0x01, b[14] = 0xd9;
	REQUIRE(dec(b, sizeof(b), true, &in) == 0);
	CHECK_EQ(in.len, 15);
	/* One more prefix: 16 bytes, #GP on the CPU. */
	memset(b, 0x66, sizeof(b));
	b[13] = 0x0f, b[14] = 0x01, b[15] = 0xd9;
	CHECK_EQ(dec(b, sizeof(b), true, &in), -E_TOOBIG);
	memset(b, 0x2e, sizeof(b));
	CHECK_EQ(dec(b, sizeof(b), true, &in), -E_TOOBIG);
	/* 13 prefixes + 0F A2 is 15: fine; 14 + 0F A2 is 16. */
	memset(b, 0xf2, sizeof(b));
	b[13] = 0x0f, b[14] = 0xa2;
	CHECK_EQ(insn_len_of(b, sizeof(b), false, INSN_CPUID), 15);
	memset(b, 0xf2, sizeof(b));
	b[14] = 0x0f, b[15] = 0xa2;
	CHECK_EQ(dec(b, sizeof(b), false, &in), -E_TOOBIG);
}

TEST(truncated_and_other)
{
	const u8 cpuid[] = { 0x0f, 0xa2 };
	const u8 vmrun[] = { 0x0f, 0x01, 0xd8 };
	const u8 nop[] = { 0x90 };
	const u8 pfx[] = { 0x66, 0x66 };
	struct insn in;

	CHECK_EQ(dec(cpuid, 1, true, &in), -E_RANGE);
	CHECK_EQ(dec(vmrun, 2, true, &in), -E_RANGE);
	CHECK_EQ(dec(vmrun, 3, true, &in), -E_INVAL);
	CHECK_EQ(dec(nop, 1, true, &in), -E_INVAL);
	CHECK_EQ(dec(pfx, 2, true, &in), -E_RANGE);
	CHECK_EQ(dec(cpuid, 0, true, &in), -E_RANGE);
	/* Right bytes, wrong instruction asked for. */
	CHECK_EQ(insn_len_of(cpuid, 2, true, INSN_RDMSR), 0);
}

/* Every 1- and 2-byte input: never reads past avail (ASan checks). */
TEST(exhaustive_short)
{
	struct insn in;

	for (unsigned x = 0; x < 65536; x++) {
		u8 *b = malloc(2);

		b[0] = (u8)x, b[1] = (u8)(x >> 8);
		(void)dec(b, 2, x & 1, &in);
		(void)dec(b, 1, x & 1, &in);
		free(b);
	}
	CHECK(1);
}

TEST(mov_to_cr)
{
	const u8 cr4_rax[] = { 0x0f, 0x22, 0xe0 };
	const u8 cr4_r9[] = { 0x41, 0x0f, 0x22, 0xe1 };
	const u8 cr8_rbx[] = { 0x44, 0x0f, 0x22, 0xc3 };
	const u8 mod00[] = { 0x0f, 0x22, 0x20 }; /* mod ignored: CR4, RAX */
	struct insn in;

	REQUIRE(dec(cr4_rax, sizeof(cr4_rax), true, &in) == 0);
	CHECK_EQ(in.kind, INSN_MOV_TO_CR);
	CHECK_EQ(in.len, 3);
	CHECK_EQ(in.cr, 4);
	CHECK_EQ(in.gpr, 0);
	REQUIRE(dec(cr4_r9, sizeof(cr4_r9), true, &in) == 0);
	CHECK_EQ(in.len, 4);
	CHECK_EQ(in.cr, 4);
	CHECK_EQ(in.gpr, 9);
	REQUIRE(dec(cr8_rbx, sizeof(cr8_rbx), true, &in) == 0);
	CHECK_EQ(in.cr, 8);
	CHECK_EQ(in.gpr, 3);
	REQUIRE(dec(mod00, sizeof(mod00), false, &in) == 0);
	CHECK_EQ(in.cr, 4);
	CHECK_EQ(dec(cr4_rax, 2, true, &in), -E_RANGE);
}

/* ------------------------------------------------ stores (hv/vlapic.c) */

struct store_case {
	u8 b[15];
	unsigned len; /* all of b[] is the instruction */
	enum insn_mode mode;
	enum store_src src;
	unsigned size, gpr;
	u64 imm;
};

/* ST(mode, kind, operand size, register, immediate, bytes...) */
#define ST(m, k, size, gpr, imm, ...)                                          \
	{                                                                      \
		{ __VA_ARGS__ }, sizeof((u8[]){ __VA_ARGS__ }), INSN_MODE_##m, \
			STORE_##k, size, gpr, imm                              \
	}

/* Encodings from SDM Vol. 2A 2.1.5 tables 2-1/2-2 and 2.2.1. */
static const struct store_case stores[] = {
	/* mov [rbx], eax; mov [rsp], ecx (SIB); mov [rbp+8], edx (disp8) */
	ST(64, REG, 4, 0, 0, 0x89, 0x03),
	ST(64, REG, 4, 1, 0, 0x89, 0x0c, 0x24),
	ST(32, REG, 4, 2, 0, 0x89, 0x55, 0x08),
	/* mov [rip+disp32], ebx (64-bit) / [disp32] (32-bit) */
	ST(64, REG, 4, 3, 0, 0x89, 0x1d, 1, 2, 3, 4),
	ST(32, REG, 4, 3, 0, 0x89, 0x1d, 1, 2, 3, 4),
	/* mov [0xfee00300], eax: SIB without base, disp32 */
	ST(64, REG, 4, 0, 0, 0x89, 0x04, 0x25, 0x00, 0x03, 0xe0, 0xfe),
	/* mov [rsp+0x100], esi: SIB + disp32; mov [rax+0x300], edi */
	ST(64, REG, 4, 6, 0, 0x89, 0xb4, 0x24, 0, 1, 0, 0),
	ST(64, REG, 4, 7, 0, 0x89, 0xb8, 0, 3, 0, 0),
	/* mov [rax+rcx*4+8], eax: SIB + disp8 */
	ST(64, REG, 4, 0, 0, 0x89, 0x44, 0x88, 0x08),
	/* mov [rax], r8d (REX.R); mov [r15], eax (REX.B) */
	ST(64, REG, 4, 8, 0, 0x44, 0x89, 0x00),
	ST(64, REG, 4, 0, 0, 0x41, 0x89, 0x07),
	/* mov [rax], r15 (REX.W + REX.R); REX.W wins over 66 */
	ST(64, REG, 8, 15, 0, 0x4c, 0x89, 0x38),
	ST(64, REG, 8, 0, 0, 0x66, 0x48, 0x89, 0x03),
	/* 66: 16-bit in 32/64-bit code, 32-bit in 16-bit code */
	ST(32, REG, 2, 0, 0, 0x66, 0x89, 0x03),
	ST(16, REG, 4, 0, 0, 0x66, 0x89, 0x07),
	/* 16-bit addressing: [bx], [bx+disp8], [bx+disp16], [disp16] */
	ST(16, REG, 2, 0, 0, 0x89, 0x07),
	ST(16, REG, 2, 0, 0, 0x89, 0x47, 0x10),
	ST(16, REG, 2, 0, 0, 0x89, 0x87, 0x00, 0x03),
	ST(16, REG, 2, 0, 0, 0x89, 0x06, 0x00, 0x03),
	/* 67 in 32-bit code: 16-bit addressing; in 16-bit code: 32-bit */
	ST(32, REG, 4, 0, 0, 0x67, 0x89, 0x06, 0x00, 0x03),
	ST(16, REG, 4, 0, 0, 0x67, 0x66, 0x89, 0x04, 0x25, 0, 3, 0xe0, 0xfe),
	/* 67 in 64-bit code: 32-bit addressing, the same forms */
	ST(64, REG, 4, 0, 0, 0x67, 0x89, 0x05, 1, 2, 3, 4),
	/* segment override and REP are accepted (no effect on a MOV) */
	ST(64, REG, 4, 0, 0, 0x2e, 0xf3, 0x89, 0x03),
	/* mov dword [rax], 0x11223344; mov dword [rax+0xb0], 0 (an EOI) */
	ST(64, IMM, 4, 0, 0x11223344, 0xc7, 0x00, 0x44, 0x33, 0x22, 0x11),
	ST(64, IMM, 4, 0, 0, 0xc7, 0x80, 0xb0, 0, 0, 0, 0, 0, 0, 0),
	/* mov dword [0xfee00300], 0xc4500: SIB no base, disp32, imm32 */
	ST(64, IMM, 4, 0, 0xc4500, 0xc7, 0x04, 0x25, 0x00, 0x03, 0xe0, 0xfe,
	   0x00, 0x45, 0x0c, 0x00),
	/* mov qword [rax], -1: imm32 sign-extended */
	ST(64, IMM, 8, 0, ~0ULL, 0x48, 0xc7, 0x00, 0xff, 0xff, 0xff, 0xff),
	/* mov word [rax], 0x8234 (32-bit code); mov word [0x300], 0x3344
	 * and its 66 form in 16-bit code */
	ST(32, IMM, 2, 0, 0x8234, 0x66, 0xc7, 0x00, 0x34, 0x82),
	ST(16, IMM, 2, 0, 0x3344, 0xc7, 0x06, 0x00, 0x03, 0x44, 0x33),
	ST(16, IMM, 4, 0, 0x91223344, 0x66, 0xc7, 0x06, 0x00, 0x03, 0x44, 0x33,
	   0x22, 0x91),
	/* xchg [rbx], eax; lock xchg [rdx], r9d */
	ST(64, XCHG, 4, 0, 0, 0x87, 0x03),
	ST(64, XCHG, 4, 9, 0, 0xf0, 0x44, 0x87, 0x0a),
};

static int dec_store(const u8 *b, unsigned n, enum insn_mode m,
		     struct insn_store *st)
{
	u8 *copy = malloc(n ? n : 1); /* exactly n bytes: ASan sees overreads */
	int r;

	memcpy(copy, b, n);
	memset(st, 0xaa, sizeof(*st));
	r = insn_decode_store(copy, n, m, st);
	free(copy);
	return r;
}

TEST(stores)
{
	struct insn_store st;

	for (unsigned i = 0; i < ARRAY_SIZE(stores); i++) {
		const struct store_case *t = &stores[i];

		REQUIRE(dec_store(t->b, t->len, t->mode, &st) == 0);
		CHECK_MSG(st.src == t->src, "case %u", i);
		CHECK_MSG(st.len == t->len, "case %u: len %u", i, st.len);
		CHECK_MSG(st.size == t->size, "case %u: size %u", i, st.size);
		if (t->src == STORE_IMM)
			CHECK_MSG(st.imm == t->imm, "case %u: imm %#llx", i,
				  (unsigned long long)st.imm);
		else
			CHECK_MSG(st.gpr == t->gpr, "case %u: gpr %u", i,
				  st.gpr);
		/* Extra bytes after the instruction change nothing. */
		REQUIRE(dec_store(t->b, 15, t->mode, &st) == 0);
		CHECK_EQ(st.len, t->len);
		/* Every truncation asks for more bytes. */
		for (unsigned n = 0; n < t->len; n++)
			CHECK_MSG(dec_store(t->b, n, t->mode, &st) == -E_RANGE,
				  "case %u cut to %u", i, n);
	}
}

TEST(stores_refused)
{
	static const struct {
		u8 b[8];
		unsigned n;
		enum insn_mode mode;
	} t[] = {
		{ { 0x89, 0xc0 }, 2, INSN_MODE_64 }, /* mov eax, eax */
		{ { 0x87, 0xc8 }, 2, INSN_MODE_64 }, /* xchg eax, ecx */
		{ { 0xc7, 0xc0, 1, 0, 0, 0 }, 6, INSN_MODE_64 }, /* reg */
		{ { 0xc7, 0x08, 1, 0, 0, 0 }, 6, INSN_MODE_64 }, /* /1 */
		{ { 0xf0, 0x89, 0x03 }, 3, INSN_MODE_64 }, /* lock mov: #UD */
		{ { 0x88, 0x03 }, 2, INSN_MODE_64 }, /* mov m8, r8 */
		{ { 0x8b, 0x03 }, 2, INSN_MODE_64 }, /* a load */
		{ { 0x09, 0x03 }, 2, INSN_MODE_64 }, /* or [rbx], eax */
		{ { 0xab }, 1, INSN_MODE_64 }, /* stosd */
		/* 0x41 is INC ECX outside 64-bit mode, not REX */
		{ { 0x41, 0x89, 0x07 }, 3, INSN_MODE_32 },
		/* REX not right before the opcode */
		{ { 0x48, 0x66, 0x89, 0x03 }, 4, INSN_MODE_64 },
	};
	struct insn_store st;
	u8 b[20];

	for (unsigned i = 0; i < ARRAY_SIZE(t); i++)
		CHECK_MSG(dec_store(t[i].b, t[i].n, t[i].mode, &st) == -E_INVAL,
			  "case %u", i);
	/* 13 prefixes + 89 /r = 15 bytes: legal; 14 prefixes: #GP. */
	memset(b, 0x3e, sizeof(b));
	b[13] = 0x89, b[14] = 0x03;
	REQUIRE(dec_store(b, 15, INSN_MODE_64, &st) == 0);
	CHECK_EQ(st.len, 15);
	memset(b, 0x3e, sizeof(b));
	b[14] = 0x89, b[15] = 0x03;
	CHECK_EQ(dec_store(b, 16, INSN_MODE_64, &st), -E_TOOBIG);
	/* 10 prefixes + C7 /0 disp32 imm32 = 20 bytes. */
	memset(b, 0x3e, sizeof(b));
	b[10] = 0xc7, b[11] = 0x80;
	CHECK_EQ(dec_store(b, 20, INSN_MODE_64, &st), -E_TOOBIG);
}

/* Every 2-byte input, with third bytes that matter (SIB forms), in every
 * mode: never reads past avail (ASan), a decoded length fits the input. */
TEST(stores_exhaustive_short)
{
	static const u8 third[] = { 0x00, 0x24, 0x25, 0xff };
	struct insn_store st;

	for (unsigned x = 0; x < (65536u << 2); x++) {
		u8 b[3] = { (u8)x, (u8)(x >> 8), third[x >> 16] };

		for (unsigned m = 0; m < 3; m++)
			for (unsigned n = 0; n <= 3; n++)
				if (!dec_store(b, n, m, &st))
					CHECK(st.len <= n);
	}
}

TEST(invd_wbinvd)
{
	const u8 invd[] = { 0x0f, 0x08 };
	const u8 rep_wbinvd[] = { 0xf3, 0x0f, 0x09 };
	const u8 rex_invd[] = { 0x41, 0x0f, 0x08 };
	const u8 not_invd[] = { 0x0f, 0x0a }; /* reserved opcode */
	struct insn in;

	/* Neither takes a ModRM byte (SDM Vol. 2A INVD, Vol. 2D WBINVD). */
	CHECK_EQ(insn_len_of(invd, sizeof(invd), false, INSN_INVD), 2);
	CHECK_EQ(insn_len_of(invd, sizeof(invd), true, INSN_WBINVD), 0);
	CHECK_EQ(insn_len_of(rep_wbinvd, sizeof(rep_wbinvd), true, INSN_WBINVD),
		 3);
	CHECK_EQ(insn_len_of(rex_invd, sizeof(rex_invd), true, INSN_INVD), 3);
	CHECK_EQ(dec(rex_invd, sizeof(rex_invd), false, &in), -E_INVAL);
	CHECK_EQ(dec(not_invd, sizeof(not_invd), true, &in), -E_INVAL);
	/* Cut short after 0F: more bytes needed. */
	CHECK_EQ(dec(invd, 1, true, &in), -E_RANGE);
}
