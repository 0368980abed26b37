/* SPDX-License-Identifier: MIT */
/*
 * AMD-Vi hardware layouts and their pure encoders: MMIO register offsets
 * and bits, the device table entry, the command buffer commands and the
 * event log entries (AMD I/O Virtualization Technology (IOMMU)
 * Specification, rev 3.x, chapters 2 and 3). No hardware access: built
 * hosted for the unit tests; hv/amdvi.c drives the registers.
 *
 * API overview
 *  - amdvi_dte_translate(): a DTE that sends a device's DMA through one
 *    host page table (V=1, TV=1, mode, root, IR/IW, domain ID).
 *  - amdvi_cmd_*(): one 128-bit command each.
 *  - amdvi_event_decode(): an event log entry into struct amdvi_event;
 *    amdvi_event_str() names its code.
 *  - amdvi_ring_reg() / amdvi_devtab_reg(): base register values.
 */
#ifndef MODEX_HV_AMDVI_HW_H
#define MODEX_HV_AMDVI_HW_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"

/* MMIO registers (spec 3.4). */
#define AMDVI_DEVTAB_BASE 0x0000
#define AMDVI_CMDBUF_BASE 0x0008
#define AMDVI_EVTLOG_BASE 0x0010
#define AMDVI_CONTROL 0x0018
#define AMDVI_EXCL_BASE 0x0020
#define AMDVI_EXCL_LIMIT 0x0028
#define AMDVI_EFR 0x0030
#define AMDVI_CMDBUF_HEAD 0x2000
#define AMDVI_CMDBUF_TAIL 0x2008
#define AMDVI_EVTLOG_HEAD 0x2010
#define AMDVI_EVTLOG_TAIL 0x2018
#define AMDVI_STATUS 0x2020

/* Register ranges: the first 16 KiB always; 512 KiB with the
 * performance counters (spec 3.4: counter banks at 0x40000). */
#define AMDVI_MMIO_MIN (16u << 10)
#define AMDVI_MMIO_PC (512u << 10)

/* Control register (spec 3.4.3, MMIO offset 0018h). */
#define AMDVI_CTL_IOMMU_EN BIT(0)
#define AMDVI_CTL_HT_TUN_EN BIT(1)
#define AMDVI_CTL_EVTLOG_EN BIT(2)
#define AMDVI_CTL_EVT_INT_EN BIT(3)
#define AMDVI_CTL_COMW_INT_EN BIT(4)
#define AMDVI_CTL_INV_TO_SHIFT 5 /* bits 7:5, 100b = 1 s */
#define AMDVI_CTL_PASS_PW BIT(8)
#define AMDVI_CTL_RES_PASS_PW BIT(9)
#define AMDVI_CTL_COHERENT BIT(10)
#define AMDVI_CTL_ISOC BIT(11)
#define AMDVI_CTL_CMDBUF_EN BIT(12)

/* Status register (spec 3.4.8, MMIO offset 2020h); bits 2:0 are RW1C. */
#define AMDVI_ST_EVT_OVERFLOW BIT(0)
#define AMDVI_ST_EVT_INT BIT(1)
#define AMDVI_ST_COMW_INT BIT(2)
#define AMDVI_ST_EVT_RUN BIT(3)
#define AMDVI_ST_CMD_RUN BIT(4)

/* Extended feature register (spec 3.4.6, MMIO offset 0030h). */
#define AMDVI_EFR_IA BIT(6) /* INVALIDATE_IOMMU_ALL */
#define AMDVI_EFR_PC BIT(9) /* performance counters */
#define AMDVI_EFR_HATS_SHIFT 10 /* bits 11:10: 00b 4, 01b 5, 10b 6 levels */

/* IVHD flags byte (spec 5.2.2.2) mapped to the control bits above. */
#define AMDVI_IVHD_HT_TUN BIT(0)
#define AMDVI_IVHD_PASS_PW BIT(1)
#define AMDVI_IVHD_RES_PASS_PW BIT(2)
#define AMDVI_IVHD_ISOC BIT(3)
#define AMDVI_IVHD_COHERENT BIT(5)

/* IOMMU capability block in PCI configuration space (spec 3.3). */
#define AMDVI_CAP_HDR 0x00
#define AMDVI_CAP_BASE_LO 0x04
#define AMDVI_CAP_BASE_HI 0x08
#define AMDVI_CAP_RANGE 0x0c
#define AMDVI_CAP_MISC0 0x10
#define AMDVI_CAP_SIZE 0x18 /* through MISC1 */

/* Device table entry (spec 2.2.2.1, Figure 7): 256 bits. */
#define AMDVI_DTE_SIZE 32
#define AMDVI_DTE_V BIT(0)
#define AMDVI_DTE_TV BIT(1)
#define AMDVI_DTE_MODE_SHIFT 9 /* bits 11:9 */
#define AMDVI_DTE_ROOT_MASK 0x000ffffffffff000ULL /* bits 51:12 */
#define AMDVI_DTE_IR BIT(61)
#define AMDVI_DTE_IW BIT(62)
#define AMDVI_MAX_DEVTAB_PAGES 512 /* 64 Ki entries, size field 8:0 */
/* Interrupt control, in q[2] (DTE bits 191:128). */
#define AMDVI_DTE2_IV BIT(0) /* bit 128: interrupt map valid */
#define AMDVI_DTE2_INIT_PASS BIT(56) /* bit 184 */
#define AMDVI_DTE2_EINT_PASS BIT(57) /* bit 185 */
#define AMDVI_DTE2_NMI_PASS BIT(58) /* bit 186 */
#define AMDVI_DTE2_INTCTL_SHIFT 60 /* bits 189:188 */
#define AMDVI_INTCTL_ABORT 0
#define AMDVI_INTCTL_FORWARD 1 /* fixed/arbitrated forwarded unmapped */
#define AMDVI_INTCTL_REMAP 2
#define AMDVI_DTE2_LINT0_PASS BIT(62) /* bit 190 */
#define AMDVI_DTE2_LINT1_PASS BIT(63) /* bit 191 */

struct amdvi_dte {
	u64 q[4];
};
_Static_assert(sizeof(struct amdvi_dte) == AMDVI_DTE_SIZE, "amdvi dte");

/* Commands (spec 2.4): 128 bits, opcode in bits 63:60. */
#define AMDVI_CMD_SIZE 16
#define AMDVI_OP_COMPLETION_WAIT 0x1
#define AMDVI_OP_INV_DEVTAB_ENTRY 0x2
#define AMDVI_OP_INV_IOMMU_PAGES 0x3
#define AMDVI_OP_INV_IOMMU_ALL 0x8

struct amdvi_cmd {
	u32 d[4];
};
_Static_assert(sizeof(struct amdvi_cmd) == AMDVI_CMD_SIZE, "amdvi cmd");

/* Event log entries (spec 2.5): 128 bits, code in bits 63:60. */
#define AMDVI_EVT_SIZE 16
enum amdvi_event_code {
	AMDVI_EV_ILLEGAL_DTE = 0x1,
	AMDVI_EV_IO_PAGE_FAULT = 0x2,
	AMDVI_EV_DEVTAB_HW_ERROR = 0x3,
	AMDVI_EV_PAGETAB_HW_ERROR = 0x4,
	AMDVI_EV_ILLEGAL_CMD = 0x5,
	AMDVI_EV_CMD_HW_ERROR = 0x6,
	AMDVI_EV_IOTLB_INV_TIMEOUT = 0x7,
	AMDVI_EV_INVALID_DEV_REQUEST = 0x8,
};

struct amdvi_event {
	u8 code; /* enum amdvi_event_code (bits 63:60) */
	u16 devid; /* requester ID (fault / DTE / device events) */
	u16 domain; /* IO_PAGE_FAULT: domain ID (GN=0) */
	u64 addr; /* faulting DMA or table address */
	u16 flags; /* IO_PAGE_FAULT: the flags field, bits 59:48 */
	bool write; /* IO_PAGE_FAULT RW: the access was a write */
	bool intr; /* IO_PAGE_FAULT I: an interrupt request */
	bool present; /* IO_PAGE_FAULT PR: the translation was present */
	bool perm; /* IO_PAGE_FAULT PE: a permission violation */
	bool translation; /* IO_PAGE_FAULT TR: a translation request */
	bool has_devid, has_addr;
};

/* Ring base register: 4 KiB aligned base, 2^log2_entries entries, with
 * 8 <= log2_entries <= 15 (spec 3.4.2/3.4.4: ComLen/EventLen 59:56). */
int amdvi_ring_reg(u64 pa, unsigned log2_entries, u64 *out);
/* Device table base register for @pages 4 KiB pages (1..512). */
int amdvi_devtab_reg(u64 pa, unsigned pages, u64 *out);

/* @levels 1..6, @root 4 KiB aligned below 2^52; @ir/@iw the DTE-level
 * permissions (ANDed with the page tables'). */
int amdvi_dte_translate(struct amdvi_dte *d, u64 root, unsigned levels,
			u16 domain, bool ir, bool iw);

/*
 * Interrupt control on a DTE (spec 2.2.5): IV=1 with IntCtl=01b, so fixed
 * and arbitrated interrupts are forwarded as the device sent them (vector
 * and destination unchanged: L1's own MSIs keep working), ExtINT and
 * LINT0/LINT1 pass, INIT and NMI requests are target-aborted. No
 * interrupt remapping table (IntTabLen 0, root 0).
 */
void amdvi_dte_filter_interrupts(struct amdvi_dte *d);

void amdvi_cmd_completion_wait(struct amdvi_cmd *c, u64 store_pa, u64 data);
void amdvi_cmd_inv_devtab_entry(struct amdvi_cmd *c, u16 devid);
/* Every page of @domain, page directory entries included. */
void amdvi_cmd_inv_pages_all(struct amdvi_cmd *c, u16 domain);
void amdvi_cmd_inv_all(struct amdvi_cmd *c);

void amdvi_event_decode(const u32 raw[4], struct amdvi_event *e);
/* An IO_PAGE_FAULT for an interrupt request: I set and an address in the
 * interrupt range FEE0_0000h-FEEF_FFFFh (spec 2.2.5); an I flag on any
 * other address (QEMU sets it on every page fault) is a DMA's. */
bool amdvi_event_is_interrupt(const struct amdvi_event *e);

struct pt;
/*
 * In the PT_AMDVI tables @dom, make each absent directory entry (level 2
 * or above) whose range touches one of the @n ranges @r, and which
 * therefore maps nothing, present without IR/IW over one shared table of
 * absent entries: *@empty, allocated from @dom's memory when first needed
 * (0 before). Access stays refused everywhere it was; *@count grows by
 * one per entry changed. 0, -E_NOMEM or -E_FAULT.
 */
int amdvi_refuse_unmapped(struct pt *dom, const struct mem_range *r, u32 n,
			  u64 *empty, u32 *count);
const char *amdvi_event_str(u8 code);

#endif /* MODEX_HV_AMDVI_HW_H */
