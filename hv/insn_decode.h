/* SPDX-License-Identifier: MIT */
/*
 * A decoder for exactly the instructions Modex emulates when the CPU does
 * not report instruction lengths (SVM without NRIPS, e.g. QEMU TCG):
 * CPUID, RDMSR, WRMSR, VMMCALL, VMCALL, INVD and WBINVD, with any legacy
 * prefixes and a
 * REX prefix; and MOV to CRn, which the SVM backend must recognize to
 * work around an emulator (svm/svm_exit.c). Vendor-neutral and pure (host-unit-tested): the caller
 * fetches the bytes at CS:RIP.
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

#endif /* MODEX_HV_INSN_DECODE_H */
