/* SPDX-License-Identifier: MIT */
/*
 * The demo L1 (tests/guest/l1_demo.c): the pages of its L2 and their
 * mappings. L2 has three pages of its own, a kernel code page, a user
 * code page and a data page, each mapped twice in L2's paging: once at a
 * supervisor-mode linear address (U/S=0 in the leaf) and once at a
 * user-mode one (U/S=1 at every level). With MBEC, EPT decides a fetch by
 * which of the two the address is (SDM Vol. 3C 29.3.3.2), so the aliases
 * show that the address, not the CPL, picks XS or XU.
 * Context: L1 at CPL 0, one CPU, VMX on.
 */
#ifndef MODEX_TESTS_GUEST_DEMO_DEMO_H
#define MODEX_TESTS_GUEST_DEMO_DEMO_H

/* Offsets of L2's code in each code page (demo/l2.S). */
#define CODE_VMCALL 0x00 /* vmcall */
#define CODE_READ 0x10 /* mov (%rdi),%rax; vmcall */
#define CODE_WRITE 0x20 /* mov %rsi,(%rdi); vmcall */
#define CODE_JUMP 0x30 /* jmp *%rdi */
#define CODE_LAND 0x40 /* vmcall: where L1 resumes L2 after a denied fetch */
#define CODE_MOV_LEN 3 /* the length of both MOVs above (48 8b/89 07/37) */
/* A VMCALL in the data page: a fetch there that is not denied exits 18. */
#define DATA_VMCALL 0x100
/* Where the write attempts store, clear of the code. */
#define WRITE_OFF 0x800

#ifndef __ASSEMBLY__
#include "tests/guest/lib/guest.h"

enum demo_page { PG_KCODE, PG_UCODE, PG_DATA, NR_PG };
enum demo_alias { AL_SUP, AL_USER };

/* L2's pages (demo/l2.S), 4 KiB each; GPA = L1 address (EPT12 is 1:1). */
extern char demo_kcode[], demo_ucode[], demo_data[];

/* The L2 linear address of @page through the @alias mapping. */
u64 demo_la(enum demo_page page, enum demo_alias alias);
/* The guest-physical (and L1) address of @page. */
u64 demo_gpa(enum demo_page page);
/*
 * The EPT12 leaf permissions (R, W, XS, XU) of @page under the policy:
 * kernel code R+XS, user code R+XU with @mbec (R+X without: one execute
 * bit for both), data R+W.
 */
u64 demo_policy(enum demo_page page, bool mbec);

/*
 * L2's page tables and EPT12: [0, L2_IDENT_TOP) identity-mapped in both,
 * readable and writable but not executable in EPT12 (L2's stacks and
 * descriptor tables); the three pages at their aliases with
 * demo_policy(@mbec). Sets the EPTP and CR3 for L2.
 */
void demo_world_init(bool mbec, u64 *eptp, u64 *cr3);
#endif

#endif /* MODEX_TESTS_GUEST_DEMO_DEMO_H */
