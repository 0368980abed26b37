/* SPDX-License-Identifier: MIT */
/*
 * The "apic-base" check of the L1 test kernels (tests/guest/lib/
 * check_apic.c): IA32_APIC_BASE under Modex (docs/isolation.md).
 */
#ifndef MODEX_TESTS_GUEST_LIB_CHECK_APIC_H
#define MODEX_TESTS_GUEST_LIB_CHECK_APIC_H

/* A check function for run_check(); skips without Modex. */
int check_apic_base(void);

#endif /* MODEX_TESTS_GUEST_LIB_CHECK_APIC_H */
