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
