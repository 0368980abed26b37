// SPDX-License-Identifier: MIT
/*
 * Test-guest view of the CPU and of Modex: CPUID, vendor, Modex detection
 * through its CPUID leaves, and hypercalls (hv/include/hypercall.h).
 */
#include "tests/guest/lib/guest.h"

#include "hv/include/hypercall.h"
#include "hv/include/lib.h"

struct guest_cpuid guest_cpuid(u32 leaf, u32 subleaf)
{
	struct guest_cpuid r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

/*
 * CPUID 0: vendor string in EBX, EDX, ECX. Cached: under Modex every CPUID
 * is an exit, and the hypercall tests count CPUID exits exactly.
 */
bool cpu_is_amd(void)
{
	static int amd = -1;
	struct guest_cpuid r;
	char v[12];

	if (amd >= 0)
		return amd;
	r = guest_cpuid(0, 0);
	memcpy(v, &r.ebx, 4);
	memcpy(v + 4, &r.edx, 4);
	memcpy(v + 8, &r.ecx, 4);
	amd = !memcmp(v, "AuthenticAMD", 12) || !memcmp(v, "HygonGenuine", 12);
	return amd;
}

bool under_modex(void)
{
	struct guest_cpuid r = guest_cpuid(MODEX_CPUID_BASE, 0);
	char sig[12];

	memcpy(sig, &r.ebx, 4);
	memcpy(sig + 4, &r.ecx, 4);
	memcpy(sig + 8, &r.edx, 4);
	return !memcmp(sig, MODEX_CPUID_SIGNATURE, 12);
}

/* VMMCALL on AMD, VMCALL on Intel: the other one is #UD on each. */
s64 modex_hypercall_raw(u64 rax, u64 b, u64 c, u64 d, struct hc_regs *out)
{
	if (cpu_is_amd())
		asm volatile("vmmcall"
			     : "+a"(rax), "+b"(b), "+c"(c), "+d"(d)
			     :
			     : "memory");
	else
		asm volatile("vmcall"
			     : "+a"(rax), "+b"(b), "+c"(c), "+d"(d)
			     :
			     : "memory");
	if (out)
		*out = (struct hc_regs){ rax, b, c, d };
	return (s64)rax;
}

s64 modex_hypercall(u32 nr, u64 b, u64 c, u64 d, struct hc_regs *out)
{
	return modex_hypercall_raw(MODEX_HC_MAGIC | nr, b, c, d, out);
}
