// SPDX-License-Identifier: MIT
/*
 * The L1 test hypervisor's SVM core: CPUID 8000_000A, EFER.SVME, the host
 * save area, L1's own GDT, the default VMCB12 (a 64-bit L2 guest state,
 * intercepts, permission maps) and running L2 until its next #VMEXIT.
 * Everything follows CPUID (APM Vol. 2 15.4, Vol. 3 appendix E.4.9);
 * nothing is assumed of the CPU or of a nested hypervisor.
 * Context: L1 at CPL 0, one CPU, interrupts off.
 */
#include "tests/guest/svm/svm.h"

#include "hv/include/lib.h"
#include "tests/guest/lib/smp.h"

#define CR0_PE BIT(0)
#define CR0_MP BIT(1)
#define CR0_ET BIT(4)
#define CR0_NE BIT(5)
#define CR0_WP BIT(16)
#define CR0_PG BIT(31)
#define CR4_PAE BIT(5)

struct svm_caps svm_caps;
struct l2_regs l2_regs;
struct vmcb vmcb;
u64 hsave_pa;
u8 iopm[3 * 4096] __aligned(4096);
u8 msrpm[2 * 4096] __aligned(4096);

static u8 hsave[4096] __aligned(4096);
/* L1's own FS/GS/TR/LDTR/syscall state across VMRUN (VMSAVE/VMLOAD). */
static struct vmcb host_area;

/* CPUID 8000_0002-8000_0004: the processor name string. */
static void brand(char out[49])
{
	for (u32 i = 0; i < 3; i++) {
		struct guest_cpuid c = guest_cpuid(0x80000002 + i, 0);

		memcpy(out + 16 * i, &c, 16);
	}
	out[48] = 0;
}

bool machine_is_qemu(void)
{
	static int known = -1;
	char b[49];

	if (known < 0) {
		brand(b);
		known = 0;
		for (unsigned i = 0; i + 4 <= 48 && b[i]; i++)
			if (!memcmp(b + i, "QEMU", 4))
				known = 1;
	}
	return known;
}

bool machine_is_bochs(void)
{
	static int known = -1;
	u64 rsdp = 0, t = 0;
	const char *from = "";

	/*
	 * ACPI 6.5 5.2.5.3: the RSDP's OEM ID at offset 9. QEMU's firmware
	 * says "BOCHS" too; QEMU is told apart by its processor name.
	 */
	if (known < 0)
		known = !machine_is_qemu() &&
			guest_acpi_find("APIC", &rsdp, &from, &t) == 0 &&
			rsdp && !memcmp((const void *)(rsdp + 9), "BOCHS ", 6);
	return known;
}

/* Whether Modex is below, asked once (each CPUID may be an exit). */
static bool below_modex(void)
{
	static int known = -1;

	if (known < 0)
		known = under_modex();
	return known;
}

bool bare_qemu(void)
{
	return machine_is_qemu() && !below_modex();
}

bool bare_bochs(void)
{
	return machine_is_bochs() && !below_modex();
}

bool svm_caps_read(const char **why)
{
	struct guest_cpuid ext = guest_cpuid(0x80000001, 0), a;
	u64 vmcr;

	/* APM Vol. 2 15.4: CPUID 8000_0001 ECX.SVM, then VM_CR.SVMDIS. */
	if (!(ext.ecx & CPUID_SVM)) {
		*why = "CPUID 8000_0001 ECX.SVM is clear";
		return false;
	}
	if (guest_cpuid(0x80000000, 0).eax < 0x8000000a) {
		*why = "CPUID has no leaf 8000_000A";
		return false;
	}
	vmcr = guest_rdmsr(MSR_VM_CR);
	if (vmcr & VM_CR_SVMDIS) {
		*why = vmcr & VM_CR_LOCK ? "VM_CR.SVMDIS is set (locked)" :
					   "VM_CR.SVMDIS is set";
		return false;
	}
	a = guest_cpuid(0x8000000a, 0);
	svm_caps.revision = a.eax & 0xff;
	svm_caps.nasid = a.ebx;
	svm_caps.features = a.edx;
	svm_caps.skinit = ext.ecx & CPUID_SKINIT;
	svm_caps.nx = ext.edx & BIT(20);
	svm_caps.maxphyaddr = guest_cpuid(0x80000008, 0).eax & 0xff;
	char b[49];

	brand(b);
	GINFO("processor \"%s\": %s%s\n", b,
	      machine_is_qemu()	 ? "QEMU" :
	      machine_is_bochs() ? "Bochs" :
				   "not an emulator with known quirks",
	      below_modex() ? ", under Modex" : ", bare");
	GINFO("SVM revision %u, %u ASIDs, features %#x (NPT %s, NRIPS %s, flush-by-ASID %s, decode assists %s, VGIF %s, GMET %s), VM_CR %#llx, MAXPHYADDR %u\n",
	      svm_caps.revision, svm_caps.nasid, svm_caps.features,
	      svm_has(SVM_F_NPT) ? "yes" : "no",
	      svm_has(SVM_F_NRIPS) ? "yes" : "no",
	      svm_has(SVM_F_FLUSH_ASID) ? "yes" : "no",
	      svm_has(SVM_F_DECODE) ? "yes" : "no",
	      svm_has(SVM_F_VGIF) ? "yes" : "no",
	      svm_has(SVM_F_GMET) ? "yes" : "no", (unsigned long long)vmcr,
	      svm_caps.maxphyaddr);
	if (svm_caps.nasid < 2) {
		*why = "fewer than 2 ASIDs (ASID 0 is the host's)";
		return false;
	}
	hsave_pa = (u64)hsave;
	return true;
}

void svm_set_svme(bool on)
{
	u64 efer = guest_rdmsr(MSR_EFER);

	wrmsr64(MSR_EFER, on ? efer | EFER_SVME : efer & ~EFER_SVME);
}

void iopm_set(u16 port, bool on)
{
	if (on)
		iopm[port / 8] |= 1 << (port % 8);
	else
		iopm[port / 8] &= ~(1 << (port % 8));
}

/* APM Vol. 2 15.11: two bits per MSR (read, write) in three 2 KiB ranges. */
void msrpm_set(u32 msr, bool read, bool write)
{
	u32 base, bit;

	if (msr < 0x2000)
		base = 0;
	else if (msr >= 0xc0000000u && msr < 0xc0002000u)
		base = 0x800, msr -= 0xc0000000u;
	else if (msr >= 0xc0010000u && msr < 0xc0012000u)
		base = 0x1000, msr -= 0xc0010000u;
	else
		return;
	bit = msr * 2;
	u8 *b = &msrpm[base + bit / 8];
	*b &= ~(3 << (bit % 8));
	*b |= (read ? 1 : 0) << (bit % 8) | (write ? 2 : 0) << (bit % 8);
}

static void seg(struct vmcb_seg *s, u16 sel, u16 attr, u32 limit, u64 base)
{
	s->sel = sel;
	s->attr = attr;
	s->limit = limit;
	s->base = base;
}

/* Segment attributes: descriptor bits 47:40 and 55:52 (APM Vol. 2 15.5.1). */
#define ATTR_CODE64(dpl) (0xa9b | (dpl) << 5)
#define ATTR_DATA(dpl) (0xc93 | (dpl) << 5)
#define ATTR_TSS64_BUSY 0x08b

void vmcb_setup(bool npt)
{
	struct vmcb_control *c = &vmcb.c;
	struct vmcb_save *s = &vmcb.s;
	u64 efer = guest_rdmsr(MSR_EFER);

	memset(&vmcb, 0, sizeof(vmcb));
	memset(iopm, 0, sizeof(iopm));
	memset(msrpm, 0, sizeof(msrpm));
	memset(&l2_regs, 0, sizeof(l2_regs));
	/* APM Vol. 2 15.5.1: VMRUN requires its own intercept. */
	c->intercepts2 = INT2_VMRUN | INT2_VMMCALL;
	c->iopm_pa = (u64)iopm;
	c->msrpm_pa = (u64)msrpm;
	c->asid = 1;
	c->tlb_control = TLB_NOTHING;
	c->vintr = VINTR_MASKING;
	if (npt && svm_has(SVM_F_NPT)) {
		c->np_ctl = NP_ENABLE;
		c->ncr3 = ncr3;
	}
	seg(&s->cs, L2_CS0, ATTR_CODE64(0), 0xffffffff, 0);
	seg(&s->ss, L2_DS0, ATTR_DATA(0), 0xffffffff, 0);
	seg(&s->ds, L2_DS0, ATTR_DATA(0), 0xffffffff, 0);
	seg(&s->es, L2_DS0, ATTR_DATA(0), 0xffffffff, 0);
	seg(&s->fs, L2_DS0, ATTR_DATA(0), 0xffffffff, 0);
	seg(&s->gs, L2_DS0, ATTR_DATA(0), 0xffffffff, 0);
	seg(&s->gdtr, 0, 0, l2_gdt_limit, l2_gdt_base);
	seg(&s->idtr, 0, 0, l2_idt_limit, l2_idt_base);
	seg(&s->tr, L2_TR, ATTR_TSS64_BUSY, 103, l2_tss_base);
	seg(&s->ldtr, 0, 0, 0, 0);
	s->cpl = 0;
	s->efer = EFER_LME | EFER_LMA | EFER_SVME | (efer & EFER_NXE);
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->cr3 = l2_cr3;
	s->cr4 = CR4_PAE;
	s->dr6 = 0xffff0ff0;
	s->dr7 = 0x400;
	s->rflags = 0x2;
	s->g_pat = 0x0007040600070406ULL;
	s->rip = (u64)l2_vmmcall;
	s->rsp = l2_stack_top();
}

void l2_start(void (*rip)(void), int cpl)
{
	struct vmcb_save *s = &vmcb.s;

	s->rip = (u64)rip;
	s->rsp = l2_stack_top();
	s->cpl = cpl;
	if (cpl == 3) {
		seg(&s->cs, L2_CS3, ATTR_CODE64(3), 0xffffffff, 0);
		seg(&s->ss, L2_DS3, ATTR_DATA(3), 0xffffffff, 0);
	} else {
		seg(&s->cs, L2_CS0, ATTR_CODE64(0), 0xffffffff, 0);
		seg(&s->ss, L2_DS0, ATTR_DATA(0), 0xffffffff, 0);
	}
}

static void run(struct l2_exit *e, int flags)
{
	vmcb.c.exitcode = 0xdead;
	vmcb.s.rax = l2_regs.rax;
	svm_enter(&l2_regs, (u64)&vmcb, (u64)&host_area, flags);
	l2_regs.rax = vmcb.s.rax;
	e->code = vmcb.c.exitcode;
	e->info1 = vmcb.c.exitinfo1;
	e->info2 = vmcb.c.exitinfo2;
	e->intinfo = vmcb.c.exitintinfo;
	e->nrip = vmcb.c.nrip;
	e->rip = vmcb.s.rip;
	e->rsp = vmcb.s.rsp;
	e->cpl = vmcb.s.cpl;
	/* EVENTINJ is consumed by VMRUN (APM Vol. 2 15.20). */
	vmcb.c.eventinj = 0;
}

void l2_run(struct l2_exit *e)
{
	run(e, 0);
}

void l2_run_irq(struct l2_exit *e)
{
	run(e, SVM_ENTER_IRQ);
}

void l2_run_bare(struct l2_exit *e)
{
	run(e, SVM_ENTER_NO_VMLOAD);
}

/*
 * ASIDs 2 to NASID-1 in turn; ASID 1 is the default VMCB's. Once they
 * have all been used, the VMRUN that reuses the first one flushes every
 * ASID (TLB_CONTROL=1): each ASID handed out holds no translation from
 * before (APM Vol. 2 15.16).
 */
void vmcb_fresh_asid(void)
{
	static u32 next = 2;

	if (next >= svm_caps.nasid) {
		next = 2;
		vmcb.c.tlb_control = TLB_FLUSH_ALL;
	}
	vmcb.c.asid = next++;
}

void l2_call(void (*rip)(void), int cpl, struct l2_exit *e)
{
	l2_start(rip, cpl);
	l2_run(e);
}

void l2_skip(const struct l2_exit *e, u64 next)
{
	vmcb.s.rip = svm_has(SVM_F_NRIPS) ? e->nrip : next;
}

/* The local APIC in xAPIC (MMIO) or x2APIC (MSR) mode (APM Vol. 2 16). */
#define MSR_APIC_BASE 0x1b
#define APIC_EN BIT(11)
#define APIC_X2 BIT(10)

bool apic_usable(void)
{
	return guest_rdmsr(MSR_APIC_BASE) & APIC_EN;
}

void apic_write(unsigned reg, u32 v)
{
	u64 base = guest_rdmsr(MSR_APIC_BASE);

	if (base & APIC_X2)
		try_wrmsr(0x800 + (reg >> 4), v);
	else
		*(volatile u32 *)((base & ~0xfffULL) + reg) = v;
}

u32 apic_read(unsigned reg)
{
	u64 base = guest_rdmsr(MSR_APIC_BASE), v = 0;

	if (base & APIC_X2) {
		try_rdmsr(0x800 + (reg >> 4), &v);
		return (u32)v;
	}
	return *(volatile u32 *)((base & ~0xfffULL) + reg);
}

/* A fixed self-IPI of @vec, the APIC software-enabled first. */
void apic_self_ipi(u8 vec)
{
	apic_write(0xf0, apic_read(0xf0) | 0x1ff); /* SVR: enabled */
	/* ICR: fixed, edge, destination shorthand self. */
	if (guest_rdmsr(MSR_APIC_BASE) & APIC_X2)
		try_wrmsr(0x83f, vec); /* SELF IPI */
	else
		apic_write(0x300, BIT(18) | vec);
}
