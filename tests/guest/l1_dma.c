// SPDX-License-Identifier: MIT
/*
 * L1 test kernel that programs a DMA-capable device: the AHCI controller
 * (class 01:06:01, QEMU q35's 00:1f.2) reads sector 16 of the CD (the
 * ISO 9660 primary volume descriptor, "\1CD001") with an ATAPI READ(10)
 * through a command list (AHCI 1.3.1 sections 3, 4, 5; SATA/ATAPI PACKET
 * with DMA). "dma-own": into L1's own RAM, where the data must arrive.
 * "dma-hidden": into the first hidden page (Modex's memory), where the
 * IOMMU must block it; the boot test checks Modex's report and that its
 * canaries are intact. "vtd-regs=0xADDR" (QEMU's VT-d register page)
 * first tries to undo the isolation: it reads the page (the sink's all
 * ones, not VER/GSTS) and writes GCMD = 0 (translation off) and
 * RTADDR = 0, which must change nothing. Everything the device reads
 * (command list, table, FIS area) is in L1's RAM.
 * "msi=fixed|nmi|init" with "msi-expect=delivered|blocked": L1 programs
 * the controller's MSI capability (PCI 3.0 6.8) with an interrupt of that
 * delivery mode to its own CPU (SDM Vol. 3A 11.11) and lets a READ(10)
 * completion send it; the IOMMU's interrupt filter decides whether it
 * arrives (docs/iommu.md "Interrupts from devices").
 */
#include "tests/guest/lib/exception.h"
#include "tests/guest/lib/guest.h"

#include "hv/include/lib.h"
#include "hv/include/x86.h"

#define ONE_MIB 0x100000ULL
#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

/* AHCI HBA registers (AHCI 1.3.1 3.1) and port registers (3.3). */
#define HBA_GHC 0x04
#define HBA_GHC_AE BIT(31)
#define HBA_PI 0x0c
#define PORT(p) (0x100 + 0x80 * (p))
#define P_CLB 0x00
#define P_FB 0x08
#define P_IS 0x10
#define P_CMD 0x18
#define P_TFD 0x20
#define P_SIG 0x24
#define P_SSTS 0x28
#define P_SERR 0x30
#define P_CI 0x38
#define CMD_ST BIT(0)
#define CMD_FRE BIT(4)
#define CMD_FR BIT(14)
#define CMD_CR BIT(15)
#define IS_TFES BIT(30)
#define SIG_ATAPI 0xeb140101u

static u8 cmd_list[1024] __aligned(1024);
static u8 fis_area[256] __aligned(256);
static u8 cmd_table[256] __aligned(128);
static u8 own_buf[2048] __aligned(4096);

static u32 pci_read(u8 dev, u8 fn, u8 off)
{
	u32 v;

	outl(PCI_ADDR, 0x80000000u | (u32)dev << 11 | (u32)fn << 8 | off);
	asm volatile("inl %1, %0" : "=a"(v) : "Nd"((u16)PCI_DATA));
	return v;
}

static void pci_write(u8 dev, u8 fn, u8 off, u32 v)
{
	outl(PCI_ADDR, 0x80000000u | (u32)dev << 11 | (u32)fn << 8 | off);
	outl(PCI_DATA, v);
}

static volatile u32 *reg(u64 abar, u32 off)
{
	return (volatile u32 *)(abar + off);
}

static bool wait_clear(volatile u32 *r, u32 bits)
{
	for (u32 i = 0; i < 10000000; i++)
		if (!(*r & bits))
			return true;
	return false;
}

static u64 abar;
static u8 ahci_dev, ahci_fn;
static int port = -1;

/* Bus 0: the first AHCI function; memory and bus-master enabled. */
static bool find_ahci(void)
{
	for (u8 d = 0; d < 32; d++) {
		for (u8 f = 0; f < 8; f++) {
			u32 id = pci_read(d, f, 0), cls;

			if ((id & 0xffff) == 0xffff)
				continue;
			cls = pci_read(d, f, 8) >> 8;
			if (cls != 0x010601)
				continue;
			pci_write(d, f, 4, (pci_read(d, f, 4) & 0xffff) | 0x6);
			ahci_dev = d;
			ahci_fn = f;
			abar = pci_read(d, f, 0x24) & ~0xfULL;
			guest_log("  AHCI at 00:%02x.%u, ABAR %#llx\n", d, f,
				  (unsigned long long)abar);
			return abar != 0;
		}
	}
	return false;
}

static bool setup_port(void)
{
	u32 pi;

	*reg(abar, HBA_GHC) |= HBA_GHC_AE;
	pi = *reg(abar, HBA_PI);
	for (int p = 0; p < 32 && port < 0; p++)
		if ((pi & BIT(p)) &&
		    (*reg(abar, PORT(p) + P_SSTS) & 0xf) == 3 &&
		    *reg(abar, PORT(p) + P_SIG) == SIG_ATAPI)
			port = p;
	if (port < 0)
		return false;
	/* 10.3.1: stop the command list and FIS receive before moving them. */
	*reg(abar, PORT(port) + P_CMD) &= ~CMD_ST;
	if (!wait_clear(reg(abar, PORT(port) + P_CMD), CMD_CR))
		return false;
	*reg(abar, PORT(port) + P_CMD) &= ~CMD_FRE;
	if (!wait_clear(reg(abar, PORT(port) + P_CMD), CMD_FR))
		return false;
	*reg(abar, PORT(port) + P_CLB) = (u32)(u64)cmd_list;
	*reg(abar, PORT(port) + P_CLB + 4) = 0;
	*reg(abar, PORT(port) + P_FB) = (u32)(u64)fis_area;
	*reg(abar, PORT(port) + P_FB + 4) = 0;
	*reg(abar, PORT(port) + P_SERR) = ~0u;
	*reg(abar, PORT(port) + P_IS) = ~0u;
	*reg(abar, PORT(port) + P_CMD) |= CMD_FRE;
	*reg(abar, PORT(port) + P_CMD) |= CMD_ST;
	guest_log("  ATAPI device on port %d\n", port);
	return true;
}

/* ATAPI READ(10) of one 2048-byte sector to @dst: 0 done, 1 the device
 * reported an error, -1 no completion. */
static int read_sector(u32 lba, u64 dst)
{
	u8 *cfis = cmd_table, *acmd = cmd_table + 0x40;
	u32 *prd = (u32 *)(cmd_table + 0x80), *hdr = (u32 *)cmd_list;
	u32 is;

	memset(cmd_table, 0, sizeof(cmd_table));
	/* 4.2.3.1 H2D register FIS: C=1, PACKET, features.DMA. */
	cfis[0] = 0x27;
	cfis[1] = 0x80;
	cfis[2] = 0xa0;
	cfis[3] = 0x01;
	cfis[5] = 0x00; /* byte count limit 2048 */
	cfis[6] = 0x08;
	/* READ(10) (MMC): LBA and transfer length big-endian. */
	acmd[0] = 0x28;
	acmd[2] = lba >> 24;
	acmd[3] = lba >> 16;
	acmd[4] = lba >> 8;
	acmd[5] = lba;
	acmd[8] = 1;
	/* 4.2.3.3 PRD: address, byte count - 1. */
	prd[0] = (u32)dst;
	prd[1] = (u32)(dst >> 32);
	prd[3] = 2048 - 1;
	/* 4.2.2 command header: CFL 5 dwords, A (ATAPI), PRDTL 1. */
	memset(cmd_list, 0, 32);
	hdr[0] = 5 | BIT(5) | 1u << 16;
	hdr[2] = (u32)(u64)cmd_table;
	*reg(abar, PORT(port) + P_IS) = ~0u;
	*reg(abar, PORT(port) + P_CI) = 1;
	for (u32 i = 0; i < 20000000; i++) {
		is = *reg(abar, PORT(port) + P_IS);
		if (is & IS_TFES)
			return 1;
		if (!(*reg(abar, PORT(port) + P_CI) & 1))
			return (*reg(abar, PORT(port) + P_TFD) & 1) ? 1 : 0;
	}
	return -1;
}

static int check_dma_own(void)
{
	int r;

	memset(own_buf, 0x5a, sizeof(own_buf));
	r = read_sector(16, (u64)own_buf);
	GCHECK(r == 0, "READ(10) into L1's RAM: %s",
	       r < 0 ? "no completion" : "device error");
	GCHECK(own_buf[0] == 1 && !memcmp(own_buf + 1, "CD001", 5),
	       "sector 16 did not arrive: %02x %02x %02x", own_buf[0],
	       own_buf[1], own_buf[2]);
	guest_log("  sector 16 read into %#llx by DMA: \"%.5s\"\n",
		  (unsigned long long)(u64)own_buf, (const char *)own_buf + 1);
	return 0;
}

static u64 parse_hex(const char *p)
{
	u64 v = 0;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		p += 2;
	for (; *p; p++) {
		int d = *p >= '0' && *p <= '9' ? *p - '0' :
			*p >= 'a' && *p <= 'f' ? *p - 'a' + 10 :
						 -1;

		if (d < 0)
			return 0;
		v = v << 4 | (u64)d;
	}
	return v;
}

/* VT-d registers (VT-d spec 11.4): VER 0x00, GCMD 0x18, GSTS 0x1c,
 * RTADDR 0x20. Under Modex the page is hidden: the sink. */
static int check_vtd_regs(void)
{
	char buf[24];
	u64 base;
	u32 ver, gsts;

	if (!cmdline_value("vtd-regs", buf, sizeof(buf)))
		return CHECK_SKIP;
	base = parse_hex(buf);
	GCHECK(base && !(base & 0xfff), "bad vtd-regs=%s", buf);
	if (!base || (base & 0xfff))
		return 0;
	ver = *(volatile u32 *)base;
	gsts = *(volatile u32 *)(base + 0x1c);
	GCHECK(ver == 0xffffffffu && gsts == 0xffffffffu,
	       "the VT-d registers at %#llx are visible: VER %#x GSTS %#x",
	       (unsigned long long)base, ver, gsts);
	*(volatile u32 *)(base + 0x18) = 0;
	*(volatile u64 *)(base + 0x20) = 0;
	guest_log(
		"  VT-d page %#llx reads VER %#x GSTS %#x; wrote GCMD=0, RTADDR=0\n",
		(unsigned long long)base, ver, gsts);
	return 0;
}

/* The first 2 MiB block below @top with no page of L1's map in it. */
static u64 hidden_block(u64 top)
{
	for (u64 b = ALIGN_UP(ONE_MIB, SZ_2M); b + SZ_2M <= top; b += SZ_2M) {
		bool any = false;

		for (u64 a = b; a < b + SZ_2M && !any; a += 0x1000)
			any = guest_addr_in_map(a);
		if (!any)
			return b;
	}
	return 0;
}

static void dma_into_hidden(u64 target, const char *what)
{
	int r = read_sector(16, target);

	guest_log("  READ(10) into hidden %#llx (%s): %s\n",
		  (unsigned long long)target, what,
		  r == 0 ? "completed" :
		  r > 0	 ? "device error" :
			   "no completion");
	/* The device may or may not report it; L1 must still see the
	 * sink. */
	GCHECK(*(volatile u8 *)target == 0xff,
	       "hidden page %#llx reads %#x, not the sink's 0xff",
	       (unsigned long long)target, *(volatile u8 *)target);
}

/* Into the first hidden page (it shares a 2 MiB block with L1's RAM),
 * then into the first 2 MiB block that is Modex's alone: the IOMMU may
 * refuse the two at different table levels (docs/iommu.md). */
static int check_dma_hidden(void)
{
	u64 top = guest_hidden_top(), target = 0, block;

	for (u64 a = ONE_MIB; a < top && !target; a += 0x1000)
		if (!guest_addr_in_map(a))
			target = a;
	GCHECK(target, "no hidden page below %#llx", (unsigned long long)top);
	if (!target)
		return 0;
	dma_into_hidden(target, "first hidden page");
	block = hidden_block(top);
	GCHECK(block, "no hidden 2 MiB block below %#llx",
	       (unsigned long long)top);
	if (block)
		dma_into_hidden(block, "a hidden 2 MiB block");
	/* The same read into L1's own RAM must still work. */
	return check_dma_own();
}

/* ---- MSI from the controller ---- */
#define APIC_PAGE 0xfee00000ULL
#define MSI_VECTOR 0x45
#define PORT_IE_ALL 0xfdc000ffu /* AHCI 1.3.1 3.3.6, every source */
#define HBA_GHC_IE BIT(1)

static volatile u32 msi_irqs, msi_other_irqs, msi_nmis;

static volatile u32 *apic(u32 off)
{
	return (volatile u32 *)(APIC_PAGE + off);
}

static void on_irq(struct guest_frame *f)
{
	if (f->vector == MSI_VECTOR)
		msi_irqs++;
	else
		msi_other_irqs++;
	if (f->vector != 0xff) /* SDM Vol. 3A 11.9: no EOI if spurious */
		*apic(0xb0) = 0;
}

static void on_nmi(struct guest_frame *f)
{
	(void)f;
	msi_nmis++;
}

/* The MSI capability (ID 05h) in the controller's capability list. */
static u8 msi_cap(void)
{
	u8 p = pci_read(ahci_dev, ahci_fn, 0x34) & 0xfc;

	for (int n = 0; p && n < 48; n++) {
		u32 h = pci_read(ahci_dev, ahci_fn, p);

		if ((h & 0xff) == 0x05)
			return p;
		p = (h >> 8) & 0xfc;
	}
	return 0;
}

/* PCI 3.0 6.8.1: address at +4 (+8 high when 64-bit capable), data at
 * +8 or +0Ch, enable in the message control word (bit 0 at +2). */
static bool msi_program(u32 mode, u8 dest, bool on)
{
	u8 cap = msi_cap();
	u32 hdr, data_off;

	if (!cap)
		return false;
	hdr = pci_read(ahci_dev, ahci_fn, cap);
	data_off = (hdr & BIT(23)) ? 0x0c : 0x08;
	if (!on) {
		pci_write(ahci_dev, ahci_fn, cap, hdr & ~BIT(16));
		return true;
	}
	/* SDM Vol. 3A 11.11.1: physical destination, no redirection;
	 * 11.11.2: delivery mode in data bits 10:8, edge trigger. */
	pci_write(ahci_dev, ahci_fn, cap + 4, (u32)APIC_PAGE | (u32)dest << 12);
	if (data_off == 0x0c)
		pci_write(ahci_dev, ahci_fn, cap + 8, 0);
	pci_write(ahci_dev, ahci_fn, cap + data_off,
		  mode << 8 | (mode ? 0 : MSI_VECTOR));
	pci_write(ahci_dev, ahci_fn, cap, (hdr & ~(7u << 20)) | BIT(16));
	return true;
}

static int check_msi(void)
{
	char mode_s[8], expect[12];
	u32 mode, got;
	u8 id;
	bool want, ok;
	int r;

	if (!cmdline_value("msi", mode_s, sizeof(mode_s)) ||
	    !cmdline_value("msi-expect", expect, sizeof(expect)))
		return CHECK_SKIP;
	mode = !strcmp(mode_s, "nmi") ? 4 : !strcmp(mode_s, "init") ? 5 : 0;
	want = !strcmp(expect, "delivered");
	/* The 8259s stay masked: their default vectors 08h-0Fh are
	 * exceptions' (the firmware leaves the PIT running). */
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
	id = (u8)(*apic(0x20) >> 24);
	*apic(0xf0) |= BIT(8) | 0xff; /* software-enable, spurious 0xff */
	guest_irq_handler = on_irq;
	guest_set_handler(2, on_nmi);
	ok = msi_program(mode, id, true);
	GCHECK(ok, "no MSI capability on the AHCI function");
	if (!ok)
		return 0;
	*reg(abar, PORT(port) + P_IS) = ~0u;
	*reg(abar, PORT(port) + 0x14) = PORT_IE_ALL; /* PxIE */
	*reg(abar, HBA_GHC) |= HBA_GHC_IE;
	guest_log("  MSI %s (data %#x) to APIC ID %u, expected %s\n", mode_s,
		  mode << 8 | (mode ? 0 : MSI_VECTOR), id, expect);
	asm volatile("sti" ::: "memory");
	r = read_sector(16, (u64)own_buf);
	for (u32 i = 0; i < 20000000 && !msi_irqs && !msi_nmis; i++)
		asm volatile("pause");
	asm volatile("cli" ::: "memory");
	*reg(abar, HBA_GHC) &= ~HBA_GHC_IE;
	*reg(abar, PORT(port) + 0x14) = 0;
	*reg(abar, PORT(port) + P_IS) = ~0u;
	msi_program(0, 0, false);
	guest_irq_handler = NULL;
	guest_set_handler(2, NULL);
	got = mode == 4 ? msi_nmis : msi_irqs;
	guest_log(
		"  READ(10) %s; fixed interrupts %u (other vectors %u), NMIs %u\n",
		r == 0 ? "completed" : "failed", msi_irqs, msi_other_irqs,
		msi_nmis);
	GCHECK(r == 0, "the READ(10) did not complete");
	if (mode == 5) {
		/* A delivered INIT resets this CPU: Modex stops L1 before
		 * this line. */
		GCHECK(!want, "still running after an INIT was delivered");
		return 0;
	}
	GCHECK(want ? got > 0 : got == 0, "the %s MSI was %s", mode_s,
	       got ? "delivered" : "not delivered");
	return 0;
}

void guest_main(void)
{
	if (!find_ahci() || !setup_port())
		guest_abort("no AHCI controller with an ATAPI device");
	run_check("dma-own", check_dma_own);
	run_check("vtd-regs", check_vtd_regs);
	if (cmdline_has("dma-hidden"))
		run_check("dma-hidden", check_dma_hidden);
	run_check("msi", check_msi);
}
