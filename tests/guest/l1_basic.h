/* SPDX-License-Identifier: MIT */
/*
 * The L1 basic test kernel's checks that its multiprocessor part
 * (l1_smp.c) runs again on every CPU: the CPUID view of virtualization and
 * Modex, and the scan of Modex's hidden ranges for its canary.
 */
#ifndef MODEX_TESTS_GUEST_L1_BASIC_H
#define MODEX_TESTS_GUEST_L1_BASIC_H

#include "tests/guest/lib/guest.h"

/* CPUID feature bits (SDM Vol. 2A CPUID; APM Vol. 3 appendix E). */
#define CPUID1_ECX_VMX BIT(5)
#define CPUID1_ECX_HYPERVISOR BIT(31)
#define CPUID81_ECX_SVM BIT(2)

/* What CPUID tells the calling CPU about virtualization and Modex. */
struct l1_cpuid_view {
	struct guest_cpuid l1, ext; /* leaves 1 and 0x80000001 */
	struct guest_cpuid base, info; /* 0x40000000 and 0x40000001 */
	bool modex; /* Modex's signature in 0x40000000 */
};

/* Reads the view on the calling CPU (any CPU; no output). */
void l1_cpuid_read(struct l1_cpuid_view *v);
/* Checks Modex's rules on @v; failures start with @who. */
void l1_cpuid_check(const struct l1_cpuid_view *v, const char *who);
/*
 * Scans the gaps of the memory map below the top of RAM for Modex's
 * canary on the calling CPU (any CPU; no output): its address, or 0.
 */
u64 l1_hidden_scan(u64 *scanned);

/* The "smp[=N]" checks (l1_smp.c); @modex: running under Modex. */
void l1_smp_checks(bool modex);

#endif /* MODEX_TESTS_GUEST_L1_BASIC_H */
