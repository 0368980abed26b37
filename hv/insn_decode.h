/* SPDX-License-Identifier: MIT */
/*
 * A decoder for exactly the instructions Modex emulates when the CPU does
 * not report instruction lengths (SVM without NRIPS, e.g. QEMU TCG):
 * CPUID, RDMSR, WRMSR, VMMCALL, VMCALL, INVD and WBINVD, with any legacy
 * prefixes and a
 * REX prefix; and MOV to CRn, which the SVM backend must recognize to
 * work around an emulator (svm/svm_exit.c). Also the 32-bit stores Modex
 * emulates on a write-protected page (L1's xAPIC page on SVM, hv/vlapic.c):
 * MOV m32,r32 (89 /r), MOV m32,imm32 (C7 /0) and XCHG m32,r32 (87 /r), in
 * every addressing form. Vendor-neutral and pure (host-unit-tested): the
 * caller fetches the bytes at CS:RIP.
 */
#ifndef MODEX_HV_INSN_DECODE_H
#define MODEX_HV_INSN_DECODE_H

#include "hv/include/types.h"

#define INSN_MAX_LEN 15 /* SDM Vol. 2A 2.3.11, APM Vol. 3 1.1 */

enum insn_kind {
	INSN_NONE = 0, /* none of the ones below */
	INSN_CPUID, /* 0F A2 */
	INSN_RDMSR, /* 0F 32 */
	INSN_WRMSR, /* 0F 30 */
	INSN_VMMCALL, /* 0F 01 D9 */
	INSN_VMCALL, /* 0F 01 C1 */
	INSN_MOV_TO_CR, /* 0F 22 /r: MOV CRn, reg (mod = 11) */
	INSN_INVD, /* 0F 08 */
	INSN_WBINVD, /* 0F 09 */
};

struct insn {
	enum insn_kind kind;
	u8 len; /* total, prefixes included */
	u8 nr_prefixes; /* legacy and REX */
	u8 cr, gpr; /* INSN_MOV_TO_CR: CR number, source register (REX
			 * extended; 0 = RAX ... 15 = R15, SDM Vol. 2A 2.1.5) */
};

/*
 * Decode the instruction in @bytes (@avail valid bytes, at most
 * INSN_MAX_LEN are looked at). @long64: the code segment is 64-bit (REX
 * prefixes exist). Returns 0 with @out filled, or -E_INVAL when the bytes
 * are not one of the instructions above, -E_TOOBIG when the prefixes make
 * it longer than 15 bytes (the CPU would have raised #GP), -E_RANGE when
 * more bytes are needed than @avail.
 */
int insn_decode(const u8 *bytes, unsigned avail, bool long64, struct insn *out);

/* The length if the bytes decode as @want, else 0. */
u32 insn_len_of(const u8 *bytes, unsigned avail, bool long64,
		enum insn_kind want);

/* The code segment's default operand and address size (SDM Vol. 3A 3.4.5:
 * CS.L selects 64-bit mode, else CS.D 32-bit; real and virtual-8086 mode
 * are 16-bit). */
enum insn_mode { INSN_MODE_16, INSN_MODE_32, INSN_MODE_64 };

enum store_src {
	STORE_REG, /* 89 /r: MOV r/m, reg */
	STORE_IMM, /* C7 /0: MOV r/m, imm */
	STORE_XCHG, /* 87 /r: XCHG r/m, reg (the register gets the old value) */
};

struct insn_store {
	enum store_src src;
	u8 len; /* total, prefixes, ModRM, SIB, displacement, immediate */
	u8 size; /* operand size in bytes: 2, 4 or 8 */
	u8 gpr; /* STORE_REG, STORE_XCHG: register, REX.R extended (0 = RAX,
		 * 1 = RCX, ... 15 = R15, SDM Vol. 2A 2.1.5 table 2-2) */
	u64 imm; /* STORE_IMM: the immediate, sign-extended to the size */
};

/*
 * Decode a store to memory in @bytes: one of the three instructions above
 * with a memory operand (ModRM.mod != 11b), with legacy prefixes and, in
 * 64-bit mode, REX. The memory address itself is not computed (a stage-2
 * fault reports it). Returns 0, or -E_INVAL (another instruction, a
 * register operand, or LOCK on a MOV, which raises #UD before any access),
 * -E_TOOBIG (over 15 bytes), -E_RANGE (more than @avail bytes needed).
 */
int insn_decode_store(const u8 *bytes, unsigned avail, enum insn_mode mode,
		      struct insn_store *out);

#endif /* MODEX_HV_INSN_DECODE_H */
