/* SPDX-License-Identifier: MIT */
/*
 * Independent reference model of EPT, NPT and x86 4-level paging permissions.
 *
 * Owns: a deliberately naive, table-free restatement of the Intel SDM and
 * AMD APM rules for walking EPT (with MBEC), AMD nested page tables (with
 * GMET) and guest 4-level paging (WP/SMEP/SMAP/NXE), used only by host unit
 * tests as an oracle for mm/. It shares no code, table or header with mm/ on
 * purpose: a bug copied into both would be invisible to the comparison.
 * Every global symbol carries the ref_ prefix.
 */
#ifndef MODEX_TESTS_REF_REF_PAGING_H
#define MODEX_TESTS_REF_REF_PAGING_H

#include "hv/include/types.h"

/*
 * Reads the 8-byte entry at physical address @pa of the structure being
 * walked. Returns false if @pa is outside the fake memory.
 */
typedef bool (*ref_read_fn)(void *ctx, u64 pa, u64 *val);

/* Levels are numbered as in the manuals' tables: 4 = PML4E ... 1 = PTE. */
enum ref_access {
	REF_READ = 0,
	REF_WRITE = 1,
	REF_FETCH = 2,
};

enum ref_status {
	REF_OK = 0,
	REF_NOT_PRESENT, /* an entry on the path is not present */
	REF_MISCONFIG, /* EPT misconfiguration */
	REF_RSVD, /* NPT / x86: reserved bit set (RSV/RSVD fault) */
	REF_VIOLATION, /* permission denied: EPT violation, #NPF, #PF */
	REF_MEM_ERROR, /* the fake memory could not supply an entry */
};

const char *ref_status_str(enum ref_status st);

/* ------------------------------------------------------------------ EPT */

struct ref_ept_cfg {
	bool mbec; /* secondary control bit 22 */
	bool exec_only; /* IA32_VMX_EPT_VPID_CAP bit 0 */
	bool ad_enabled; /* EPTP bit 6 */
	bool pages_2m; /* EPT_VPID_CAP bit 16 */
	bool pages_1g; /* EPT_VPID_CAP bit 17 */
	u8 maxphyaddr; /* CPUID 8000_0008 EAX[7:0] */
};

struct ref_ept_req {
	u64 eptp; /* EPTP: bits 51:12 locate the PML4 table */
	u64 gpa;
	enum ref_access acc;
	bool user_addr; /* fetch from a user-mode linear address */
	bool gpt; /* access to a guest paging-structure entry */
};

/* Exit-qualification bits 0-6 (SDM Vol. 3C Table 29-7). */
#define REF_EPT_Q_READ (1ULL << 0)
#define REF_EPT_Q_WRITE (1ULL << 1)
#define REF_EPT_Q_FETCH (1ULL << 2)
#define REF_EPT_Q_R (1ULL << 3)
#define REF_EPT_Q_W (1ULL << 4)
#define REF_EPT_Q_XS (1ULL << 5)
#define REF_EPT_Q_XU (1ULL << 6)

struct ref_ept_result {
	enum ref_status status;
	int level; /* level that ended the walk (leaf on success) */
	u64 hpa; /* REF_OK only */
	u64 qual; /* REF_NOT_PRESENT / REF_VIOLATION: bits 0-6 */
	bool r, w, xs, xu; /* AND over the entries walked */
	int nr_entries;
	u64 entries[4]; /* entries[0] = PML4E, ... */
};

void ref_ept_walk(const struct ref_ept_cfg *cfg, const struct ref_ept_req *req,
		  ref_read_fn rd, void *ctx, struct ref_ept_result *res);

/* ------------------------------------------------------------------ NPT */

struct ref_npt_cfg {
	bool gmet; /* VMCB 0x090 bit 3 */
	bool host_nxe; /* EFER.NXE used by the nested walk */
	bool host_smep; /* only decides whether ID is reported */
	bool pages_1g; /* CPUID 8000_0001 EDX[26] */
	u8 maxphyaddr;
};

struct ref_npt_req {
	u64 ncr3; /* nested CR3: bits 51:12 locate the PML4 table */
	u64 gpa;
	enum ref_access acc;
	u8 cpl; /* guest CPL (VMCB) */
	bool gpt; /* guest page-table access: a write, bit 33 */
};

/* #NPF EXITINFO1 (APM Vol. 2 15.25.6, with the #PF error-code bits 0-4). */
#define REF_NPF_P (1ULL << 0)
#define REF_NPF_W (1ULL << 1)
#define REF_NPF_U (1ULL << 2)
#define REF_NPF_RSV (1ULL << 3)
#define REF_NPF_ID (1ULL << 4)
#define REF_NPF_FINAL (1ULL << 32)
#define REF_NPF_GPT (1ULL << 33)

struct ref_npt_result {
	enum ref_status status; /* OK, NOT_PRESENT, RSVD, VIOLATION, MEM */
	int level;
	u64 hpa;
	u64 exitinfo1; /* faults only */
	bool rw, us, nx; /* rw/us: AND over levels; nx: OR */
	int nr_entries;
	u64 entries[4];
};

void ref_npt_walk(const struct ref_npt_cfg *cfg, const struct ref_npt_req *req,
		  ref_read_fn rd, void *ctx, struct ref_npt_result *res);

/* ----------------------------------------------------------- x86 paging */

struct ref_x86_cfg {
	bool wp; /* CR0.WP */
	bool smep; /* CR4.SMEP */
	bool smap; /* CR4.SMAP */
	bool nxe; /* IA32_EFER.NXE */
	bool ac; /* EFLAGS.AC */
	bool pages_1g; /* CPUID 8000_0001 EDX[26] */
	bool amd; /* AMD reserves bit 8 of non-leaf PML4E/PDPTE */
	u8 maxphyaddr;
};

struct ref_x86_req {
	u64 cr3;
	u64 gva;
	enum ref_access acc;
	u8 cpl;
	bool implicit_sv; /* implicit supervisor access (GDT, TSS...) */
};

/* #PF error code (SDM Vol. 3A 4.7). */
#define REF_PF_P (1U << 0)
#define REF_PF_W (1U << 1)
#define REF_PF_U (1U << 2)
#define REF_PF_RSVD (1U << 3)
#define REF_PF_ID (1U << 4)

struct ref_x86_result {
	enum ref_status status; /* OK, NOT_PRESENT, RSVD, VIOLATION, MEM */
	int level;
	u64 gpa; /* output address, REF_OK only */
	u32 error_code; /* faults only */
	bool user_addr; /* U/S=1 in every entry walked (MBEC) */
	bool rw, nx; /* rw: AND over levels; nx: OR */
	int nr_entries;
	u64 entries[4];
};

void ref_x86_walk(const struct ref_x86_cfg *cfg, const struct ref_x86_req *req,
		  ref_read_fn rd, void *ctx, struct ref_x86_result *res);

/* ------------------------------------------- decisions without a walk */

/*
 * The fault decision alone, from already-ANDed permissions, for callers that
 * compare an O(1) permission table. Return true if the access faults.
 */
bool ref_ept_denies(const struct ref_ept_cfg *cfg, bool r, bool w, bool xs,
		    bool xu, enum ref_access acc, bool user_addr);
bool ref_npt_denies(const struct ref_npt_cfg *cfg, bool rw, bool us, bool nx,
		    enum ref_access acc, u8 cpl);
bool ref_x86_denies(const struct ref_x86_cfg *cfg, bool rw, bool us, bool nx,
		    enum ref_access acc, u8 cpl, bool implicit_sv);

#endif /* MODEX_TESTS_REF_REF_PAGING_H */
