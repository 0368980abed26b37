// SPDX-License-Identifier: MIT
/*
 * PCI configuration mechanism #1 as L1 sees it under Modex (hv/pci_cfg.c):
 * CONFIG_ADDRESS reads back, byte and word CONFIG_DATA reads agree with
 * the dword, and on a machine with an AMD-Vi IOMMU (PCI class 0806h on
 * bus 0) writes to its command register and capability base register
 * have no effect: they read back unchanged.
 */
#include "tests/guest/basic/checks.h"

#include "hv/include/types.h"
#include "tests/guest/lib/guest.h"

#define CFG_ADDR 0xcf8
#define CFG_DATA 0xcfc

static void out32(u16 port, u32 v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static void out16(u16 port, u16 v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static u32 in32(u16 port)
{
	u32 v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static u16 in16(u16 port)
{
	u16 v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static u8 in8(u16 port)
{
	u8 v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static u32 addr(u8 dev, u8 reg)
{
	return 0x80000000u | (u32)dev << 11 | (reg & 0xfc);
}

static u32 cfg_read(u8 dev, u8 reg)
{
	out32(CFG_ADDR, addr(dev, reg));
	return in32(CFG_DATA);
}

/* The IOMMU capability (ID 0Fh, AMD IOMMU spec 3.3) of bus 0 dev. */
static u8 iommu_cap(u8 dev)
{
	u8 p = (u8)cfg_read(dev, 0x34);

	for (int n = 0; p >= 0x40 && n < 48; n++) {
		u32 hdr = cfg_read(dev, p);

		if ((hdr & 0xff) == 0x0f)
			return p;
		p = (u8)(hdr >> 8);
	}
	return 0;
}

static int check_iommu_function(u8 dev)
{
	u8 cap = iommu_cap(dev);
	u32 cmd = cfg_read(dev, 4) & 0xffff, base = 0;

	GINFO("AMD-Vi IOMMU function at 00:%02x.0, capability at %#x.", dev,
	      cap);
	if (cap)
		base = cfg_read(dev, cap + 4);
	if (!under_modex())
		return 0; /* bare: the writes would reprogram the IOMMU */
	out32(CFG_ADDR, addr(dev, 4));
	out16(CFG_DATA, (u16)(cmd ^ 0x0006)); /* memory space, bus master */
	GCHECK((cfg_read(dev, 4) & 0xffff) == cmd,
	       "the IOMMU's command register changed: %#x, was %#x",
	       cfg_read(dev, 4) & 0xffff, cmd);
	if (cap) {
		out32(CFG_ADDR, addr(dev, cap + 4));
		out32(CFG_DATA, base ^ 0x7fffc001u);
		GCHECK(cfg_read(dev, cap + 4) == base,
		       "the IOMMU's base register changed: %#x, was %#x",
		       cfg_read(dev, cap + 4), base);
	}
	return 0;
}

int check_pci_cfg(void)
{
	u32 id = cfg_read(0, 0);

	GCHECK(in32(CFG_ADDR) == addr(0, 0), "CONFIG_ADDRESS read %#x",
	       in32(CFG_ADDR));
	GCHECK(in16(CFG_DATA) == (u16)id && in16(CFG_DATA + 2) == id >> 16,
	       "word reads of 00:00.0's ID disagree with %#x", id);
	GCHECK(in8(CFG_DATA + 1) == (u8)(id >> 8) &&
		       in8(CFG_DATA + 3) == (u8)(id >> 24),
	       "byte reads of 00:00.0's ID disagree with %#x", id);
	for (u8 dev = 0; dev < 32; dev++) {
		u32 vid = cfg_read(dev, 0);

		if ((vid & 0xffff) == 0xffff)
			continue;
		if (cfg_read(dev, 8) >> 16 == 0x0806)
			return check_iommu_function(dev);
	}
	GINFO("no IOMMU PCI function on bus 0.");
	return 0;
}
