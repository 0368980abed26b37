/* SPDX-License-Identifier: MIT */
/*
 * The access vocabulary: what a page-table entry grants (acc_t) and what an
 * access attempts (an access kind). Every page-table decision in Modex is
 * phrased in these terms (DESIGN.md section 3).
 *
 * API overview
 *  - acc_t: a 5-bit set of ACC_* bits. Each bit maps 1:1 onto one hardware
 *    bit of each format (mm/pt_format.h does the mapping):
 *
 *      bit            EPT          NPT            x86 paging
 *      ACC_READ       R  (bit 0)   P  (bit 0)     P
 *      ACC_WRITE      W  (bit 1)   RW (bit 1)     RW
 *      ACC_EXEC       XS (bit 2)   NX clear       NX clear
 *      ACC_USER       -            US (bit 2)     US
 *      ACC_USER_EXEC  XU (bit 10)  (= ACC_EXEC)   (= ACC_EXEC)
 *
 *    Where a format has one execute bit for both modes (EPT without MBEC,
 *    NPT, x86 paging) decoding sets ACC_USER_EXEC equal to ACC_EXEC, so
 *    that the same rule reads every format: a supervisor fetch needs
 *    ACC_EXEC, a user fetch needs ACC_USER_EXEC, plus each format's own
 *    rule about ACC_USER (mm/perm.h). A walk ANDs the acc of every level.
 *    EPT never sets ACC_USER.
 *
 *  - Access kinds (unsigned, 0..PK_NR-1): one operation (PK_READ, PK_WRITE,
 *    PK_FETCH) ORed with PK_USER when the access is a user access as the
 *    format defines it, and PK_AC for an explicit supervisor data access
 *    made with EFLAGS.AC=1 (x86 SMAP override; ignored elsewhere):
 *      EPT+MBEC: PK_USER = the fetch uses a user-mode linear address (U/S=1
 *                at every guest paging level; every address when CR0.PG=0).
 *      EPT without MBEC: PK_USER does not matter.
 *      NPT+GMET: PK_USER = CPL==3.
 *      NPT without GMET: every access is a user access; the permission
 *                table treats supervisor kinds as user kinds, so passing
 *                CPL-based kinds is still correct.
 *      x86 paging: PK_USER = CPL==3 and not an implicit supervisor access
 *                (GDT/IDT/TSS...); PK_AC only for explicit supervisor data
 *                accesses with EFLAGS.AC=1.
 */
#ifndef MODEX_MM_ACCESS_H
#define MODEX_MM_ACCESS_H

#include "hv/include/types.h"

typedef u8 acc_t;

#define ACC_READ 0x01u
#define ACC_WRITE 0x02u
#define ACC_EXEC 0x04u /* supervisor execute (XS); the only X without MBEC */
#define ACC_USER 0x08u /* NPT/x86 US bit */
#define ACC_USER_EXEC 0x10u /* user execute (XU) */
#define ACC_MASK 0x1fu
#define ACC_NR_COMBOS 32u /* every acc_t value is below this */

/* Executable in both modes, as Modex's own EPT01/NPT01 leaves are. */
#define ACC_X_BOTH (ACC_EXEC | ACC_USER_EXEC)
#define ACC_RWX_BOTH (ACC_READ | ACC_WRITE | ACC_X_BOTH)

/* Access kinds: operation | PK_USER | PK_AC. */
#define PK_READ 0u
#define PK_WRITE 1u
#define PK_FETCH 2u
#define PK_OP_MASK 3u
#define PK_USER 4u
#define PK_AC 8u
#define PK_NR 16u

static inline unsigned pk_make(unsigned op, bool user)
{
	return (op & PK_OP_MASK) | (user ? PK_USER : 0);
}

static inline unsigned pk_op(unsigned kind)
{
	return kind & PK_OP_MASK;
}

static inline bool pk_is_user(unsigned kind)
{
	return kind & PK_USER;
}

static inline bool pk_valid(unsigned kind)
{
	return kind < PK_NR && pk_op(kind) != 3;
}

#endif /* MODEX_MM_ACCESS_H */
