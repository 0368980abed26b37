/* SPDX-License-Identifier: MIT */
/*
 * The VM-entry checks of SDM Vol. 3C chapter 27 on a vmcs12, against the
 * capabilities advertised to L1 (struct nvmx_caps). Pure C: the caller
 * copies vmcs12 out of L1's memory first and passes the copy, so every
 * value is read once. Call them in the SDM's order (27.2.1, 27.2.2-27.2.4,
 * then 27.3.1) and stop at the first failure:
 *   nvmx_check_controls()   -> VMfailValid(7)
 *   nvmx_check_host()       -> VMfailValid(8)
 *   nvmx_check_host_mode()  -> VMfailValid(8)
 *   nvmx_check_guest()      -> VM-entry failure exit, basic reason 33
 */
#ifndef MODEX_NESTED_NVMX_CHECK_H
#define MODEX_NESTED_NVMX_CHECK_H

#include "hv/include/types.h"

struct vmcs12;
struct nvmx_caps;

/* Where L1's memory is, for the addresses the controls name. */
struct nvmx_mem {
	/* True when [gpa, gpa + size) is L1 RAM (no Modex memory, no MMIO). */
	bool (*in_l1_ram)(void *ctx, u64 gpa, u64 size);
	void *ctx;
	/* The physical-address width advertised to L1 (CPUID 0x80000008). */
	unsigned int maxphyaddr;
	/* The dword at @gpa (L1 RAM): for the VMCS link pointer's region. */
	bool (*read32)(void *ctx, u64 gpa, u32 *val);
	/* L1's current-VMCS pointer (the link pointer must differ). */
	u64 current_vmcs;
};

/* Exit qualifications of a VM-entry failure (SDM Vol. 3C 27.8): invalid
 * PDPTEs (27.3.1.6) and invalid VMCS link pointer (27.3.1.5). */
#define NVMX_ENTRY_QUAL_PDPTE 2
#define NVMX_ENTRY_QUAL_LINK_PTR 4

/* SDM Vol. 3C 27.2.1: 0, or 7 (VM entry with invalid control fields). */
int nvmx_check_controls(const struct vmcs12 *v, const struct nvmx_caps *c,
			const struct nvmx_mem *m);

/*
 * SDM Vol. 3C 27.2.2-27.2.4: 0, or 8 (invalid host-state fields). Checks
 * everything that does not depend on L1's own mode; the rule on whether
 * L1 runs in IA-32e mode at VMLAUNCH/VMRESUME is nvmx_check_host_mode().
 */
int nvmx_check_host(const struct vmcs12 *v, const struct nvmx_caps *c,
		    unsigned int maxphyaddr);

/* SDM Vol. 3C 27.2.4: @l1_lma is IA32_EFER.LMA of L1 at the VM-entry
 * instruction. 0, or 8. */
int nvmx_check_host_mode(const struct vmcs12 *v, bool l1_lma);

/*
 * SDM Vol. 3C 27.3.1: 0, or 33 (EXIT_REASON_INVALID_STATE) with *qual set
 * to the exit qualification (0, NVMX_ENTRY_QUAL_LINK_PTR or, for a PAE-
 * paging guest with EPT, NVMX_ENTRY_QUAL_PDPTE for the vmcs12 PDPTE
 * fields). Without EPT the PDPTEs are in L2 memory: the caller checks
 * them when it loads them (27.3.1.6), with qualification 2 as well.
 */
int nvmx_check_guest(const struct vmcs12 *v, const struct nvmx_caps *c,
		     const struct nvmx_mem *m, u64 *qual);

#endif /* MODEX_NESTED_NVMX_CHECK_H */
