/* SPDX-License-Identifier: MIT */
/*
 * Checks of the L1 test hypervisor's groups: VM-instruction outcomes and
 * exit fields compared with what the SDM requires, naming the case and
 * printing expected against actual on failure.
 */
#ifndef MODEX_TESTS_GUEST_VMX_CHECK_H
#define MODEX_TESTS_GUEST_VMX_CHECK_H

#include "tests/guest/vmx/vmx.h"

const char *vmx_result_name(enum vmx_result r);

/* SDM Vol. 3C 31.2: VMsucceed, VMfailInvalid, VMfailValid(@err). */
void expect_ok(const char *what, enum vmx_result r);
void expect_invalid(const char *what, enum vmx_result r);
void expect_valid(const char *what, enum vmx_result r, u64 err);

/* An exit with basic reason @reason (full field @reason when it has bit 31). */
bool expect_exit(const char *what, const struct l2_exit *e, u32 reason);
void expect_eq(const char *what, const char *field, u64 got, u64 want);

/* L2 reached VMCALL at @rip (the end of a piece of L2 code). */
bool expect_vmcall(const char *what, const struct l2_exit *e, u64 rip);

/* Word @i of the stack L2's IDT stub left: 0 the vector, then the frame. */
u64 l2_frame(const struct l2_exit *e, unsigned i);
/* Where L2's IDT stub for @vec exits (its VMCALL). */
u64 l2_stub(unsigned vec);

/* The groups (l1_vmx.c runs them by name). */
void group_insn_pre_vmxon(void);
void group_insn(void);
void group_entry(void);
void group_exits(void);
/* The rest of "exits" (exits_more.c), called by group_exits(). */
void group_exits_more(void);
void group_inject(void);
void group_ept(void);
void group_vpid(void);
void group_mbec(void);
void group_random(void);
void group_vmentry(void);
void group_hostile(void);
void group_bench(void);

#endif /* MODEX_TESTS_GUEST_VMX_CHECK_H */
