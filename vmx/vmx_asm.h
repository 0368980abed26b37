/* SPDX-License-Identifier: MIT */
/*
 * VMX instruction wrappers (SDM Vol. 3C 31.3). VMX instructions report
 * success with CF=ZF=0, VMfailInvalid with CF=1 and VMfailValid with ZF=1
 * (SDM Vol. 3C 31.2); the wrappers return 0, VMX_FAIL_INVALID or
 * VMX_FAIL_VALID (then VM_INSTRUCTION_ERROR says why).
 */
#ifndef MODEX_VMX_VMX_ASM_H
#define MODEX_VMX_VMX_ASM_H

#include "hv/include/types.h"

#define VMX_FAIL_VALID 1
#define VMX_FAIL_INVALID 2

/* INVEPT types (SDM Vol. 3C 31.3). */
#define INVEPT_SINGLE 1
#define INVEPT_ALL 2

#ifdef MODEX_HOST
/* Host unit tests of the exit path supply a fake current VMCS. */
int vmxon(hpa_t pa);
int vmclear(hpa_t pa);
int vmptrld(hpa_t pa);
int vmwrite(u64 field, u64 val);
u64 vmread(u64 field);
int invept(u64 type, u64 eptp);
int invvpid(u64 type, u16 vpid, u64 la);
#else
#define VMX_STATUS(insn, ...)                                        \
	({                                                           \
		bool __cf, __zf;                                     \
		asm volatile(insn                                    \
			     : "=@ccc"(__cf), "=@ccz"(__zf)          \
			     : __VA_ARGS__                           \
			     : "memory");                            \
		__cf ? VMX_FAIL_INVALID : __zf ? VMX_FAIL_VALID : 0; \
	})

static inline int vmxon(hpa_t pa)
{
	return VMX_STATUS("vmxon %2", "m"(pa));
}

static inline int vmclear(hpa_t pa)
{
	return VMX_STATUS("vmclear %2", "m"(pa));
}

static inline int vmptrld(hpa_t pa)
{
	return VMX_STATUS("vmptrld %2", "m"(pa));
}

static inline int vmwrite(u64 field, u64 val)
{
	return VMX_STATUS("vmwrite %3, %2", "r"(field), "rm"(val));
}

static inline u64 vmread(u64 field)
{
	u64 val = 0;

	/* A failed read (no current VMCS, bad field) leaves 0: callers only
	 * read fields that exist on every VMX CPU. */
	asm volatile("vmread %1, %0" : "+rm"(val) : "r"(field) : "cc");
	return val;
}

static inline int invept(u64 type, u64 eptp)
{
	struct {
		u64 eptp, rsvd;
	} desc = { eptp, 0 };

	return VMX_STATUS("invept %3, %2", "r"(type), "m"(desc));
}

static inline int invvpid(u64 type, u16 vpid, u64 la)
{
	struct {
		u64 vpid, la;
	} desc = { vpid, la };

	return VMX_STATUS("invvpid %3, %2", "r"(type), "m"(desc));
}

#endif /* MODEX_HOST */

#endif /* MODEX_VMX_VMX_ASM_H */
