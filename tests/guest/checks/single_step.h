/* SPDX-License-Identifier: MIT */
/* The single-step check (tests/guest/checks/single_step.c). */
#ifndef MODEX_TESTS_GUEST_CHECKS_SINGLE_STEP_H
#define MODEX_TESTS_GUEST_CHECKS_SINGLE_STEP_H

/*
 * Single-steps (RFLAGS.TF) over instructions Modex completes for L1 and
 * checks that each raises exactly one #DB, with DR6.BS, at the next
 * instruction, and that one which faults raises its fault and no #DB.
 * A run_check() function; uses vectors 1 and 13 while it runs.
 */
int check_single_step(void);

#endif /* MODEX_TESTS_GUEST_CHECKS_SINGLE_STEP_H */
