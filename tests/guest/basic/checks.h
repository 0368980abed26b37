/* SPDX-License-Identifier: MIT */
/*
 * Checks of the l1_basic test kernel that live in their own files
 * (the .c files of tests/guest/basic, linked into l1_basic only by
 * tests/guest/guest.mk).
 * Each is a run_check() function (tests/guest/lib/guest.h).
 */
#ifndef MODEX_TESTS_GUEST_BASIC_CHECKS_H
#define MODEX_TESTS_GUEST_BASIC_CHECKS_H

/* tests/guest/basic/msr.c: memory-type and decode MSRs, INVD/WBINVD. */
int check_mtrr(void);
int check_pat(void);
int check_decode_msrs(void);
int check_invd(void);

/* tests/guest/basic/pci_cfg.c: configuration mechanism #1, the IOMMU
 * function's registers unchanged by L1's writes. */
int check_pci_cfg(void);

#endif /* MODEX_TESTS_GUEST_BASIC_CHECKS_H */
