/* SPDX-License-Identifier: MIT */
/*
 * Checks of the l1_basic test kernel that live in their own files
 * (the .c files of tests/guest/basic, linked into l1_basic only by
 * tests/guest/guest.mk).
 * Each is a run_check() function (tests/guest/lib/guest.h).
 */
#ifndef MODEX_TESTS_GUEST_BASIC_CHECKS_H
#define MODEX_TESTS_GUEST_BASIC_CHECKS_H

#include "hv/include/types.h"

/* tests/guest/basic/msr.c: memory-type and decode MSRs, INVD/WBINVD. */
int check_mtrr(void);
int check_pat(void);
int check_decode_msrs(void);
int check_misc_enable(void);
/* "GenuineIntel" in CPUID leaf 0. */
bool cpu_is_intel(void);
int check_invd(void);

/* tests/guest/basic/pci_cfg.c: configuration mechanism #1, the IOMMU
 * function's registers unchanged by L1's writes. */
int check_pci_cfg(void);

/* tests/guest/basic/efi.c: on a UEFI boot, L1's EFI memory map agrees with
 * its multiboot map and hides Modex; the system table is the firmware's. */
int check_efi(void);
/* Whether the page at @pa is in an EFI descriptor of L1's map. */
bool efi_map_has(u64 pa);

#endif /* MODEX_TESTS_GUEST_BASIC_CHECKS_H */
