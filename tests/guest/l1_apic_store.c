// SPDX-License-Identifier: MIT
/*
 * L1 test kernel that writes its xAPIC page with a 64-bit store, which
 * the SDM leaves undefined (Vol. 3A 11.4.1: aligned 32-bit accesses only).
 * docs/isolation.md defines the result on SVM, where Modex emulates stores
 * to that page: Modex stops L1 with a dump naming the GPA and the bytes,
 * and emulates nothing. The boot test checks Modex's report; reaching the
 * end here is a failure.
 */
#include "tests/guest/lib/guest.h"

#define MSR_APIC_BASE 0x1b
#define APIC_REG_TPR 0x80

void guest_main(void)
{
	u64 tpr = (guest_rdmsr(MSR_APIC_BASE) & ~0xfffULL) + APIC_REG_TPR;

	guest_log("apic-store: 64-bit store to %#llx\n",
		  (unsigned long long)tpr);
	guest_drain();
	/* REX.W MOV m64, r64 (48 89 /r). */
	asm volatile("movq %1, (%0)" : : "r"(tpr), "r"(0ULL) : "memory");
	guest_abort("a 64-bit store to the xAPIC page was emulated");
}
