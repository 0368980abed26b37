/* SPDX-License-Identifier: MIT */
/*
 * The machine state a test kernel found at its 32-bit entry, recorded by
 * entry.S before it changes anything, so C code can check what the loader
 * (GRUB, or Modex starting L1) handed over. Offsets are shared with entry.S.
 */
#ifndef MODEX_TESTS_GUEST_LIB_ENTRY_STATE_H
#define MODEX_TESTS_GUEST_LIB_ENTRY_STATE_H

#define ES_EAX 0
#define ES_EBX 4
#define ES_EFLAGS 8
#define ES_CR0 12
#define ES_CR4 16
#define ES_CS 20
#define ES_DS 24
#define ES_ES 28
#define ES_SS 32
#define ES_CS_AR 36 /* LAR result, 0 if LAR failed */
#define ES_CS_LIMIT 40 /* LSL result, 0 if LSL failed */
#define ES_DS_AR 44
#define ES_DS_LIMIT 48
#define ES_ES_AR 52
#define ES_ES_LIMIT 56
#define ES_SS_AR 60
#define ES_SS_LIMIT 64
#define ES_EIP_DELTA 68 /* EIP seen minus link address: 0 iff CS base 0 */
#define ES_TSC 72 /* the TSC at the first instructions (boot path length) */
#define ES_SIZE 80

#ifndef __ASSEMBLY__
#include "hv/include/types.h"

struct entry_state {
	u32 eax, ebx, eflags, cr0, cr4;
	u32 cs, ds, es, ss;
	u32 cs_ar, cs_limit, ds_ar, ds_limit;
	u32 es_ar, es_limit, ss_ar, ss_limit;
	u32 eip_delta;
	u64 tsc;
};
_Static_assert(sizeof(struct entry_state) == ES_SIZE, "entry_state size");
_Static_assert(__builtin_offsetof(struct entry_state, eip_delta) ==
		       ES_EIP_DELTA,
	       "entry_state layout");
_Static_assert(__builtin_offsetof(struct entry_state, ss_limit) == ES_SS_LIMIT,
	       "entry_state layout");
_Static_assert(__builtin_offsetof(struct entry_state, tsc) == ES_TSC,
	       "entry_state layout");

extern struct entry_state guest_entry_state;
#endif

#endif /* MODEX_TESTS_GUEST_LIB_ENTRY_STATE_H */
