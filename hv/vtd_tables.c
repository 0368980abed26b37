// SPDX-License-Identifier: MIT
/*
 * VT-d capability decoding, legacy-mode root/context tables and fault
 * records (hv/vtd_tables.h). Pure.
 */
#include "hv/vtd_tables.h"

#include "hv/include/err.h"

/*
 * VT-d spec 3.6, 9.3 (context entry AW), 11.4.2 (CAP.SAGAW bit 1: 39-bit
 * 3-level, bit 2: 48-bit 4-level, bit 3: 57-bit 5-level). The walk must
 * cover every address a device may be given (need_top, exclusive); the
 * width may not exceed MGAW or the platform's HAW (8.1), or addresses
 * at the top would be outside what the unit translates.
 */
int vtd_pick_agaw(u64 cap, unsigned haw, u64 need_top, unsigned *levels,
		  unsigned *aw, unsigned *width)
{
	static const struct {
		unsigned bit, levels, aw, width;
	} agaw[] = {
		{ 1, 3, VTD_CTX_AW_3, 39 },
		{ 2, 4, VTD_CTX_AW_4, 48 },
		{ 3, 5, VTD_CTX_AW_5, 57 },
	};
	unsigned limit = VTD_CAP_MGAW(cap);

	if (haw && haw < limit)
		limit = haw;
	for (unsigned i = 0; i < sizeof(agaw) / sizeof(agaw[0]); i++) {
		unsigned cover = agaw[i].width < limit ? agaw[i].width : limit;

		if (!(VTD_CAP_SAGAW(cap) & (1u << agaw[i].bit)))
			continue;
		if (cover < 64 && need_top > (1ULL << cover))
			continue;
		*levels = agaw[i].levels;
		*aw = agaw[i].aw;
		*width = agaw[i].width;
		return 0;
	}
	return -E_NOSUPP;
}

/*
 * Root entry (9.1): bit 0 P, bits 63:12 context-table pointer; the upper
 * quadword is reserved in legacy mode. Context entry (9.3): low quadword
 * bit 0 P, bit 1 FPD (0: faults are recorded), bits 3:2 TT (0: only
 * untranslated requests, through the second-level table), bits 63:12
 * SLPTPTR; high quadword bits 2:0 AW, bits 23:8 DID. One context table
 * serves every bus: each entry is the same, so every requester ID of the
 * segment is in the domain, listed in the DMAR or not.
 */
void vtd_fill_tables(u64 *root, u64 *ctx, u64 ctx_pa, u64 slpt, unsigned aw,
		     u16 did)
{
	for (unsigned i = 0; i < VTD_ENTRIES; i++) {
		ctx[2 * i] = (slpt & ~0xfffULL) | 1;
		ctx[2 * i + 1] = (u64)(aw & 7) | ((u64)did << 8);
	}
	for (unsigned i = 0; i < VTD_ENTRIES; i++) {
		root[2 * i] = (ctx_pa & ~0xfffULL) | 1;
		root[2 * i + 1] = 0;
	}
}

/* 11.4.10.x: bits 63:12 FI, 79:64 SID, 103:96 FR, 126 T1, 127 F. */
void vtd_fault_decode(u64 lo, u64 hi, struct vtd_fault *f)
{
	f->addr = lo & ~0xfffULL;
	f->sid = (u16)hi;
	f->reason = (u8)(hi >> 32);
	f->read = hi & VTD_FRCD_T;
	f->valid = hi & VTD_FRCD_F;
}
