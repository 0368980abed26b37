// SPDX-License-Identifier: MIT
/*
 * AMD-Vi pure encoders: base registers, device table entries, commands,
 * event log entries (AMD IOMMU spec rev 3.x, 2.2.2, 2.4, 2.5, 3.4).
 */
#include "hv/amdvi_hw.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "mm/pt_build.h"

#define ADDR_52 0x000ffffffffff000ULL /* bits 51:12 */

int amdvi_ring_reg(u64 pa, unsigned log2_entries, u64 *out)
{
	/* Spec 3.4.2 / 3.4.4: length 1000b (256 entries, 4 KiB) through
	 * 1111b (32 Ki entries); lower values are reserved. The ring is
	 * 4 KiB aligned; Modex also aligns it to its size. */
	if (log2_entries < 8 || log2_entries > 15 || (pa & ~ADDR_52))
		return -E_INVAL;
	*out = pa | ((u64)log2_entries << 56);
	return 0;
}

int amdvi_devtab_reg(u64 pa, unsigned pages, u64 *out)
{
	/* Spec 3.4.1: Size (bits 8:0) is the table's length in 4 KiB
	 * pages minus one. */
	if (!pages || pages > AMDVI_MAX_DEVTAB_PAGES || (pa & ~ADDR_52))
		return -E_INVAL;
	*out = pa | (pages - 1);
	return 0;
}

int amdvi_dte_translate(struct amdvi_dte *d, u64 root, unsigned levels,
			u16 domain, bool ir, bool iw)
{
	if (levels < 1 || levels > 6 || (root & ~AMDVI_DTE_ROOT_MASK) || !root)
		return -E_INVAL;
	/* Spec 2.2.2.1: V=1, TV=1 translate through the host page table
	 * of Mode levels at the root pointer; IR/IW gate every access.
	 * Everything else zero: IV=0 (interrupts are not remapped),
	 * IoCtl=00b (device port I/O aborted), SysMgt=00b (DMA to the
	 * system-management range aborted), EX=0, no IOTLB, no guest
	 * translation. */
	d->q[0] = AMDVI_DTE_V | AMDVI_DTE_TV |
		  ((u64)levels << AMDVI_DTE_MODE_SHIFT) | root |
		  (ir ? AMDVI_DTE_IR : 0) | (iw ? AMDVI_DTE_IW : 0);
	d->q[1] = domain; /* DomainID, bits 79:64 */
	d->q[2] = 0;
	d->q[3] = 0;
	return 0;
}

void amdvi_dte_filter_interrupts(struct amdvi_dte *d)
{
	/* Spec 2.2.2.1 (DTE bits 191:128), 2.2.5: with IV=1 the IOMMU
	 * treats each interrupt request by its type (MSI data bits 10:8):
	 * fixed and arbitrated per IntCtl, the others per their pass bit;
	 * a blocked request is target-aborted. Bits 191:128 are all
	 * interrupt control; the table pointer and length are 0, as
	 * IntCtl=01b never reads a table. */
	d->q[2] = AMDVI_DTE2_IV |
		  (u64)AMDVI_INTCTL_FORWARD << AMDVI_DTE2_INTCTL_SHIFT |
		  AMDVI_DTE2_EINT_PASS | AMDVI_DTE2_LINT0_PASS |
		  AMDVI_DTE2_LINT1_PASS;
}

static void cmd_clear(struct amdvi_cmd *c, u32 op)
{
	memset(c, 0, sizeof(*c));
	c->d[1] = op << 28;
}

void amdvi_cmd_completion_wait(struct amdvi_cmd *c, u64 store_pa, u64 data)
{
	/* Spec 2.4.1: S=1 stores the 64-bit data at the 8-byte aligned
	 * address (bits 51:3) once every earlier command has completed. */
	cmd_clear(c, AMDVI_OP_COMPLETION_WAIT);
	c->d[0] = (u32)(store_pa & 0xfffffff8u) | BIT(0);
	c->d[1] |= (u32)(store_pa >> 32) & 0xfffffu;
	c->d[2] = (u32)data;
	c->d[3] = (u32)(data >> 32);
}

void amdvi_cmd_inv_devtab_entry(struct amdvi_cmd *c, u16 devid)
{
	/* Spec 2.4.2: DeviceID in bits 15:0. */
	cmd_clear(c, AMDVI_OP_INV_DEVTAB_ENTRY);
	c->d[0] = devid;
}

void amdvi_cmd_inv_pages_all(struct amdvi_cmd *c, u16 domain)
{
	/* Spec 2.4.3: S=1 with address 7FFF_FFFF_FFFF_F000h is every page;
	 * PDE=1 also drops cached directory entries; GN=0 (domain, not
	 * PASID). */
	cmd_clear(c, AMDVI_OP_INV_IOMMU_PAGES);
	c->d[1] |= domain;
	c->d[2] = 0xfffff000u | BIT(1) | BIT(0);
	c->d[3] = 0x7fffffffu;
}

void amdvi_cmd_inv_all(struct amdvi_cmd *c)
{
	/* Spec 2.4.9 (EFR.IASup): every cached table entry. */
	cmd_clear(c, AMDVI_OP_INV_IOMMU_ALL);
}

void amdvi_event_decode(const u32 raw[4], struct amdvi_event *e)
{
	u32 f = raw[1];

	memset(e, 0, sizeof(*e));
	e->code = (u8)(f >> 28);
	e->addr = raw[2] | ((u64)raw[3] << 32);
	e->has_addr = e->code >= AMDVI_EV_ILLEGAL_DTE &&
		      e->code <= AMDVI_EV_INVALID_DEV_REQUEST;
	/* Spec 2.5: the command errors (05h, 06h) carry only the command's
	 * address; the others the requester ID in bits 15:0. */
	e->has_devid = e->has_addr && e->code != AMDVI_EV_ILLEGAL_CMD &&
		       e->code != AMDVI_EV_CMD_HW_ERROR;
	if (e->has_devid)
		e->devid = (u16)raw[0];
	if (e->code == AMDVI_EV_IO_PAGE_FAULT ||
	    e->code == AMDVI_EV_PAGETAB_HW_ERROR)
		e->domain = (u16)f;
	if (e->code == AMDVI_EV_IO_PAGE_FAULT) {
		/* Spec 2.5.3: flags in bits 59:48: I bit 51, PR bit 52,
		 * RW bit 53, PE bit 54, TR bit 56. */
		e->flags = (f >> 16) & 0xfff;
		e->intr = f & BIT(19);
		e->present = f & BIT(20);
		e->write = f & BIT(21);
		e->perm = f & BIT(22);
		e->translation = f & BIT(24);
	}
}

bool amdvi_event_is_interrupt(const struct amdvi_event *e)
{
	return e->code == AMDVI_EV_IO_PAGE_FAULT && e->intr &&
	       e->addr >= 0xfee00000ULL && e->addr <= 0xfeefffffULL;
}

const char *amdvi_event_str(u8 code)
{
	static const char *const names[] = {
		[AMDVI_EV_ILLEGAL_DTE] = "illegal device table entry",
		[AMDVI_EV_IO_PAGE_FAULT] = "I/O page fault",
		[AMDVI_EV_DEVTAB_HW_ERROR] = "device table hardware error",
		[AMDVI_EV_PAGETAB_HW_ERROR] = "page table hardware error",
		[AMDVI_EV_ILLEGAL_CMD] = "illegal command",
		[AMDVI_EV_CMD_HW_ERROR] = "command hardware error",
		[AMDVI_EV_IOTLB_INV_TIMEOUT] = "IOTLB invalidation timeout",
		[AMDVI_EV_INVALID_DEV_REQUEST] = "invalid device request",
	};

	if (code < ARRAY_SIZE(names) && names[code])
		return names[code];
	return "unknown event";
}

/*
 * Spec 2.2.3: IR and IW are ANDed over the DTE and every PDE and PTE of
 * the walk, so a present directory entry without them refuses every
 * access below it, as an IO_PAGE_FAULT with PE set (2.5.3), where an
 * absent entry gives one with PR clear. Both block; QEMU's emulation
 * reaches its fault report only for the first (docs/iommu.md).
 */
int amdvi_refuse_unmapped(struct pt *dom, const struct mem_range *r, u32 n,
			  u64 *empty, u32 *count)
{
	for (u32 i = 0; i < n; i++) {
		u64 a = ALIGN_DOWN(r[i].start, SZ_2M);

		while (a < r[i].end) {
			struct pt_walk w;
			u64 size = SZ_2M;
			int ret;

			if (pt_lookup(dom, a, &w) == PTW_NOT_PRESENT &&
			    w.level >= 2 &&
			    (w.entry_pa & PAGE_MASK) != *empty) {
				if (!*empty &&
				    dom->mem.ops->alloc(dom->mem.ctx, empty))
					return -E_NOMEM;
				ret = pt_mem_write(
					&dom->mem, w.entry_pa,
					pt_encode_table(&dom->fmt, w.level,
							*empty) &
						~(AMDVIE_IR | AMDVIE_IW));
				if (ret)
					return ret;
				size = pt_level_size(w.level);
				(*count)++;
			}
			a = ALIGN_DOWN(a, size) + size;
		}
	}
	return 0;
}
