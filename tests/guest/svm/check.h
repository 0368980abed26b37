/* SPDX-License-Identifier: MIT */
/*
 * Checks of the L1 test hypervisor's groups: SVM-instruction outcomes and
 * #VMEXIT fields compared with what the APM requires, naming the case and
 * printing expected against actual on failure.
 */
#ifndef MODEX_TESTS_GUEST_SVM_CHECK_H
#define MODEX_TESTS_GUEST_SVM_CHECK_H

#include "tests/guest/svm/svm.h"

/* A #VMEXIT with EXITCODE @code; prints the exit on a mismatch. */
bool expect_exit(const char *what, const struct l2_exit *e, u64 code);
void expect_eq(const char *what, const char *field, u64 got, u64 want);
/* L2 reached VMMCALL at @rip (the end of a piece of L2 code). */
bool expect_vmmcall(const char *what, const struct l2_exit *e, u64 rip);
/* nRIP is @next when NRIPS is advertised (APM Vol. 2 15.7.1). */
void expect_nrip(const char *what, const struct l2_exit *e, u64 next);

/* Word @i of the stack L2's IDT stub left: 0 the vector, then the frame. */
u64 l2_frame(const struct l2_exit *e, unsigned i);
/* Where L2's IDT stub for @vec exits (its VMMCALL). */
u64 l2_stub(unsigned vec);

/* The groups (l1_svm.c runs them by name). */
void group_insn_pre_svme(void);
void group_insn(void);
void group_vmrun(void);
void group_exits(void);
void group_inject(void);
void group_npt(void);
void group_asid(void);
void group_gmet(void);
void group_random(void);

#endif /* MODEX_TESTS_GUEST_SVM_CHECK_H */
