// SPDX-License-Identifier: MIT
/*
 * Group "npt": NPT12 permissions (APM Vol. 2 15.25.5) at every level of
 * the walk to the 4 KiB test page and on the 2 MiB test page, each
 * access (read, write, fetch) against each restriction (not present,
 * read-only, NX, U=0, a reserved bit), with #NPF's EXITINFO1 and
 * EXITINFO2 exact (15.25.6); then the restriction lifted, the TLB
 * flushed (TLB_CONTROL=1, or a fresh ASID), and L2 completes the access.
 * A fault in L2's own page-table walk sets EXITINFO1 bit 33, not 32.
 * Context: L1 at CPL 0, EFER.SVME=1, VM_HSAVE_PA set, NPT advertised.
 */
#include "tests/guest/svm/check.h"

#include "hv/include/lib.h"

enum access { ACC_READ, ACC_WRITE, ACC_FETCH };
enum limit { R_NP, R_RO, R_NX, R_US, R_RSV };

static const char *const access_name[] = { "read", "write", "fetch" };
static const char *const restrict_name[] = { "not present", "read-only", "NX",
					     "U=0", "reserved bit" };
static const char *const slot_name[] = { "PML4E", "PDPTE", "PDE", "PTE",
					 "2 MiB PDE" };

/* NX only exists with EFER.NXE in the host (AMD64 Vol. 2 5.6.1). */
static bool host_nx(void)
{
	return guest_rdmsr(MSR_EFER) & EFER_NXE;
}

/* A reserved bit of any entry: the first address bit beyond MAXPHYADDR. */
static bool have_rsv(void)
{
	return svm_caps.maxphyaddr < 52;
}

static u64 restricted(u64 e, enum limit r)
{
	switch (r) {
	case R_NP:
		return e & ~PTE_P;
	case R_RO:
		return e & ~PTE_W;
	case R_NX:
		return e | PTE_NX;
	case R_US:
		return e & ~PTE_U;
	default:
		return e | BIT(svm_caps.maxphyaddr);
	}
}

/* Whether @r faults @a; the EXITINFO1 low bits it gives in @code. */
static bool faults(enum limit r, enum access a, u64 *code)
{
	u64 c = NPF_U; /* without GMET every nested access is a user access */

	if (a == ACC_WRITE)
		c |= NPF_W;
	if (a == ACC_FETCH && host_nx())
		c |= NPF_ID;
	switch (r) {
	case R_NP:
		break;
	case R_RO:
		if (a != ACC_WRITE)
			return false;
		c |= NPF_P;
		break;
	case R_NX:
		if (a != ACC_FETCH)
			return false;
		c |= NPF_P;
		break;
	case R_US:
		c |= NPF_P;
		break;
	case R_RSV:
		/*
		 * A reserved bit is found in a present entry: P=1 with RSV
		 * (AMD64 Vol. 2 8.4.2, as Bochs reports it). QEMU 7.2 TCG
		 * reports RSV with P=0 for NPT faults: accepted on bare QEMU.
		 */
		c |= NPF_RSV | (bare_qemu() ? 0 : NPF_P);
		break;
	}
	*code = c;
	return true;
}

#define DATA_OFF 0x800

/* L2 runs one access to the test page behind @slot. */
static void start_access(enum npt_slot slot, enum access a)
{
	u64 la = slot == SLOT_PDE_2M ? TEST_LA_2M : TEST_LA_4K;

	switch (a) {
	case ACC_READ:
		l2_regs.rdi = la + DATA_OFF;
		l2_start(l2_read, 0);
		break;
	case ACC_WRITE:
		l2_regs.rdi = la + DATA_OFF;
		l2_regs.rsi = 0x5eed0000 + slot;
		l2_start(l2_write, 0);
		break;
	case ACC_FETCH:
		l2_regs.rdi = la + TEST_CODE_OFF;
		l2_start(l2_fetch, 0);
		break;
	}
}

static u64 access_gpa(enum npt_slot slot, enum access a)
{
	u64 gpa = slot == SLOT_PDE_2M ? test_gpa_2m : test_gpa_4k;

	return gpa + (a == ACC_FETCH ? TEST_CODE_OFF : DATA_OFF);
}

/* Where L2 ends when the access completes (its VMMCALL). */
static u64 access_end(enum npt_slot slot, enum access a)
{
	if (a == ACC_FETCH)
		return (slot == SLOT_PDE_2M ? TEST_LA_2M : TEST_LA_4K) +
		       TEST_CODE_OFF;
	return (u64)(a == ACC_READ ? l2_read : l2_write) + 3;
}

static u64 access_rip(enum access a)
{
	return a == ACC_FETCH ? 0 : (u64)(a == ACC_READ ? l2_read : l2_write);
}

static void npt_case(enum npt_slot slot, enum limit r, enum access a,
		     bool by_asid)
{
	u64 *ent = npt_slot_entry[slot], old = *ent, code = 0;
	char what[96];
	struct l2_exit e;
	bool f = faults(r, a, &code);

	guest_snprintf(what, sizeof(what), "NPT12 %s %s, %s", slot_name[slot],
		       restrict_name[r], access_name[a]);
	vmcb_setup(true);
	vmcb.c.tlb_control = TLB_FLUSH_ALL;
	*ent = restricted(old, r);
	start_access(slot, a);
	l2_run(&e);
	*ent = old;
	if (!f) {
		expect_vmmcall(what, &e, access_end(slot, a));
		return;
	}
	if (expect_exit(what, &e, VMEXIT_NPF)) {
		expect_eq(what, "EXITINFO1", e.info1, NPF_FINAL | code);
		expect_eq(what, "EXITINFO2", e.info2, access_gpa(slot, a));
		expect_eq(what, "RIP", e.rip,
			  a == ACC_FETCH ? access_end(slot, a) : access_rip(a));
	}
	/* Restored: after a flush L2 completes the access. */
	if (by_asid) {
		vmcb.c.tlb_control = TLB_NOTHING;
		vmcb_fresh_asid();
	}
	l2_run(&e);
	guest_snprintf(what, sizeof(what), "NPT12 %s %s lifted, %s%s",
		       slot_name[slot], restrict_name[r], access_name[a],
		       by_asid ? " (new ASID)" : "");
	expect_vmmcall(what, &e, access_end(slot, a));
}

static void npt_slot(enum npt_slot slot)
{
	for (enum limit r = R_NP; r <= R_RSV; r++) {
		if (r == R_NX && !host_nx())
			continue;
		if (r == R_RSV && !have_rsv())
			continue;
		for (enum access a = ACC_READ; a <= ACC_FETCH; a++)
			npt_case(slot, r, a, (r + a) % 2);
	}
}

static int npt_pml4e(void)
{
	if (!svm_has(SVM_F_NPT) || !test_pml4e_private)
		return CHECK_SKIP;
	npt_slot(SLOT_PML4E);
	return 0;
}

static int npt_pdpte(void)
{
	if (!svm_has(SVM_F_NPT))
		return CHECK_SKIP;
	npt_slot(SLOT_PDPTE);
	return 0;
}

static int npt_pde(void)
{
	if (!svm_has(SVM_F_NPT))
		return CHECK_SKIP;
	npt_slot(SLOT_PDE);
	return 0;
}

static int npt_pte(void)
{
	if (!svm_has(SVM_F_NPT))
		return CHECK_SKIP;
	npt_slot(SLOT_PTE);
	return 0;
}

static int npt_2m(void)
{
	if (!svm_has(SVM_F_NPT))
		return CHECK_SKIP;
	npt_slot(SLOT_PDE_2M);
	return 0;
}

/*
 * L2's page table for TEST_LA_4K behind a restricted NPT12 entry: the
 * fault is in L2's walk (EXITINFO1 bit 33), EXITINFO2 is the GPA of the
 * L2 entry read. APM Vol. 2 15.25.5: L2's page-table accesses are user
 * accesses, and writes (the walk may set A/D bits): W=1 in EXITINFO1, as
 * both QEMU and Bochs report it.
 */
static void walk_case(enum limit r)
{
	u64 old = *npt_walk_pte, code = 0;
	char what[80];
	struct l2_exit e;

	guest_snprintf(what, sizeof(what),
		       "NPT12 entry of L2's page table %s, L2 read",
		       restrict_name[r]);
	vmcb_setup(true);
	vmcb.c.tlb_control = TLB_FLUSH_ALL;
	l2_pt_via_alias(true);
	*npt_walk_pte = restricted(old, r);
	faults(r, ACC_READ, &code);
	start_access(SLOT_PTE, ACC_READ);
	l2_run(&e);
	*npt_walk_pte = old;
	if (expect_exit(what, &e, VMEXIT_NPF)) {
		expect_eq(what, "EXITINFO1", e.info1, NPF_WALK | NPF_W | code);
		expect_eq(what, "EXITINFO2", e.info2, l2_pt_alias_gpa);
		expect_eq(what, "RIP", e.rip, (u64)l2_read);
	}
	l2_run(&e);
	expect_vmmcall("L2 read with its page table mapped again", &e,
		       (u64)l2_read + 3);
	l2_pt_via_alias(false);
}

static int npt_walk(void)
{
	if (!svm_has(SVM_F_NPT))
		return CHECK_SKIP;
	walk_case(R_NP);
	walk_case(R_US);
	if (have_rsv())
		walk_case(R_RSV);
	return 0;
}

/* An NPT12 leaf pointed elsewhere: after a flush L2 reads the new page. */
static int npt_remap(void)
{
	u64 *pte = npt_slot_entry[SLOT_PTE], old = *pte;
	struct l2_exit e;

	if (!svm_has(SVM_F_NPT))
		return CHECK_SKIP;
	memset(test_page_alt, 0xa5, 4096);
	*(u64 *)(test_page_4k + DATA_OFF) = 0x1111;
	*(u64 *)(test_page_alt + DATA_OFF) = 0x2222;
	vmcb_setup(true);
	l2_regs.rdi = TEST_LA_4K + DATA_OFF;
	l2_call(l2_read, 0, &e);
	if (expect_vmmcall("read of the 4 KiB test page", &e, (u64)l2_read + 3))
		expect_eq("read of the 4 KiB test page", "RAX", l2_regs.rax,
			  0x1111);
	*pte = (u64)test_page_alt | PTE_UPW;
	vmcb.c.tlb_control = TLB_FLUSH_ALL;
	l2_regs.rdi = TEST_LA_4K + DATA_OFF;
	l2_call(l2_read, 0, &e);
	if (expect_vmmcall("read after the NPT12 PTE moved", &e,
			   (u64)l2_read + 3))
		expect_eq("read after the NPT12 PTE moved (TLB_CONTROL=1)",
			  "RAX", l2_regs.rax, 0x2222);
	*pte = old;
	/*
	 * A new ASID holds no translation from before: the one L2 used under
	 * ASID 1 to the alternate page must not be used (APM Vol. 2 15.16).
	 */
	vmcb.c.tlb_control = TLB_NOTHING;
	vmcb_fresh_asid();
	l2_regs.rdi = TEST_LA_4K + DATA_OFF;
	l2_call(l2_read, 0, &e);
	if (expect_vmmcall("read after the NPT12 PTE moved back", &e,
			   (u64)l2_read + 3))
		expect_eq("read after the NPT12 PTE moved back (new ASID)",
			  "RAX", l2_regs.rax, 0x1111);
	return 0;
}

void group_npt(void)
{
	run_check("npt-pml4e", npt_pml4e);
	run_check("npt-pdpte", npt_pdpte);
	run_check("npt-pde", npt_pde);
	run_check("npt-pte", npt_pte);
	run_check("npt-2m", npt_2m);
	run_check("npt-walk", npt_walk);
	run_check("npt-remap", npt_remap);
}
