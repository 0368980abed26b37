// SPDX-License-Identifier: MIT
/*
 * L1's virtual APIC on the exit path (hv/vlapic.h): IA32_APIC_BASE kept
 * virtual with L1's base aliased to the physical APIC page in stage 2,
 * and, where the backend captures them (SVM), L1's INIT and SIPI taken
 * from its x2APIC ICR writes and from its stores to the write-protected
 * xAPIC page, which are decoded and forwarded to the physical APIC.
 * Context: exit path of the vCPU's own CPU, interrupts off.
 */
#include "hv/vlapic.h"

#define LOG_PREFIX "apic"
#include "hv/exits.h"
#include "hv/features.h"
#include "hv/guest.h"
#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/insn_decode.h"
#include "hv/lapic.h"
#include "hv/log.h"
#include "hv/printf.h"
#include "hv/smp.h"
#include "hv/vcpu.h"
#include "hv/vendor.h"

#define CPUID1_ECX_X2APIC BIT(21)
#define APIC_REG_SVR 0x0f0
/* SDM Vol. 3A 11.12.9: the x2APIC ICR's reserved bits, 13, 16-17 and
 * 20-31 (bit 12 is ignored); 11.12.1.3: a WRMSR setting one #GPs. */
#define X2APIC_ICR_RSVD (BIT(13) | (3ULL << 16) | (0xfffULL << 20))

static bool xapic_mode(const struct vlapic *l)
{
	return (l->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EN;
}

/* Modex's own mapping of the physical page (hv/memory.c: UC). */
static volatile u32 *phys_reg(u32 off)
{
	return (volatile u32 *)(lapic_phys_base() + off);
}

void vlapic_init(struct vcpu *v)
{
	struct vlapic *l = &v->vlapic;

	*l = (struct vlapic){
		.apic_base = rdmsr(MSR_IA32_APIC_BASE),
		.dfr = 0xffffffff,
	};
	/* What the firmware or boot loader left in the registers Modex
	 * records is L1's starting point. */
	if (xapic_mode(l)) {
		l->icr_hi = *phys_reg(APIC_REG_ICR_HI);
		l->ldr = *phys_reg(APIC_REG_LDR);
		l->dfr = *phys_reg(APIC_REG_DFR);
	}
}

void vlapic_on_init(struct vcpu *v)
{
	v->vlapic.ldr = 0;
	v->vlapic.dfr = 0xffffffff;
	v->vlapic.icr_hi = 0;
}

int vlapic_stage2_init(void)
{
	return guest_stage2_map_apic(lapic_phys_base(), !vendor->capture_icr);
}

/* Whether stage 2 maps @page to the physical APIC: the firmware's base
 * always, and every vCPU's base (stage 2 is shared by all vCPUs). */
static bool apic_page(gpa_t page)
{
	if (page == lapic_phys_base())
		return true;
	for (u32 i = 0; i < smp_nr_cpus(); i++) {
		struct vcpu *o = smp_vcpu(i);

		if (o && APIC_BASE_ADDR(o->vlapic.apic_base) == page)
			return true;
	}
	return false;
}

u32 vlapic_stage2_pages(gpa_t *out, u32 max)
{
	u32 n = 0;

	if (max)
		out[n++] = lapic_phys_base();
	for (u32 i = 0; i < smp_nr_cpus() && n < max; i++) {
		const struct vcpu *o = smp_vcpu(i);

		if (o && APIC_BASE_ADDR(o->vlapic.apic_base) != out[0])
			out[n++] = APIC_BASE_ADDR(o->vlapic.apic_base);
	}
	return n;
}

/* Move L1's APIC alias from @old to @new in stage 2. */
static void remap(struct vcpu *v, gpa_t old, gpa_t new)
{
	bool writable = !vendor->capture_icr;
	int ret = guest_stage2_map_apic(new, writable);

	/* The firmware's page keeps its protection; any other old page
	 * goes back to what it was unless another vCPU's base is there. */
	if (!ret && old == lapic_phys_base())
		ret = guest_stage2_map_apic(old, writable);
	else if (!ret && !apic_page(old))
		ret = guest_stage2_restore(old);
	if (ret)
		guest_fatal(
			v,
			"cannot move L1's APIC page from GPA %#lx to %#lx in stage 2 (%s); stopping L1.",
			old, new, err_str(ret));
	vendor->flush_guest_tlb(v);
}

int vlapic_write_apic_base(struct vcpu *v, u64 val)
{
	struct vlapic *l = &v->vlapic;
	struct apic_base_env env = {
		.maxphyaddr = cpu_features.maxphyaddr,
		.x2apic = cpuid(1).ecx & CPUID1_ECX_X2APIC,
	};
	const u64 mode = APIC_BASE_EN | APIC_BASE_EXTD;
	u64 cur = l->apic_base, next, hw;

	env.hidden = guest_hidden(&env.nr_hidden);
	if (apic_base_write(&env, cur, val, &next))
		return -1;
	l->apic_base = next;
	if (APIC_BASE_ADDR(next) != APIC_BASE_ADDR(cur))
		remap(v, APIC_BASE_ADDR(cur), APIC_BASE_ADDR(next));
	if ((next ^ cur) & mode) {
		/*
		 * The mode is real: x2APIC MSR accesses must reach an APIC in
		 * x2APIC mode. The hardware's base stays the firmware's, and
		 * its mode equals L1's virtual one before the write, so the
		 * transition just validated is legal for it too.
		 */
		hw = rdmsr(MSR_IA32_APIC_BASE);
		wrmsr(MSR_IA32_APIC_BASE, (hw & ~mode) | (next & mode));
		/*
		 * SDM Vol. 3A 11.4.3: on some processors (P6 family; Bochs
		 * models it) a globally disabled APIC comes back only with a
		 * reset and the write leaves it disabled. L1 then reads the
		 * mode the CPU really has.
		 */
		hw = rdmsr(MSR_IA32_APIC_BASE);
		if ((hw ^ next) & mode)
			log_dbg("the CPU kept its APIC mode (IA32_APIC_BASE %#lx) for L1's write of %#lx.",
				hw, val);
		l->apic_base = (next & ~mode) | (hw & mode);
		/* SDM Vol. 3A 11.12.5.1: leaving the disabled state resets
		 * the registers (LDR 0, DFR all ones). */
		if (!(cur & APIC_BASE_EN))
			vlapic_on_init(v);
	}
	return 0;
}

/* L1's INIT or SIPI (@lo) with destination @dest, sent by this CPU's
 * vCPU. */
static void deliver(enum icr_action a, u32 lo, u32 dest, bool x2apic)
{
	struct apic_cpu cpus[MODEX_MAX_CPUS];
	u32 n = MIN(smp_nr_cpus(), (u32)MODEX_MAX_CPUS);
	u64 set;

	for (u32 i = 0; i < n; i++) {
		const struct vcpu *t = smp_vcpu(i);
		/* A CPU without a vCPU yet has the APIC state of reset: xAPIC,
		 * LDR 0, DFR all ones (SDM Vol. 3A 11.4.7.1). */
		u64 base = t ? t->vlapic.apic_base : APIC_BASE_EN;

		cpus[i] = (struct apic_cpu){
			.apic_id = smp_apic_id(i),
			.ldr = t ? t->vlapic.ldr : 0,
			.dfr = t ? t->vlapic.dfr : 0xffffffff,
			.x2apic = base & APIC_BASE_EXTD,
			.enabled = base & APIC_BASE_EN,
		};
	}
	set = apic_icr_targets(cpus, n, smp_this_cpu(), lo, dest, x2apic);
	for (u32 i = 0; i < n; i++) {
		if (!(set & (1ULL << i)))
			continue;
		if (a == ICR_INIT)
			smp_send_init(i);
		else
			smp_send_sipi(i, (u8)lo);
	}
}

int vlapic_write_x2apic_icr(struct vcpu *v, u64 val)
{
	enum icr_action a = apic_icr_action((u32)val);

	/* SDM Vol. 3A 11.12.1.2: the x2APIC MSRs #GP outside x2APIC mode;
	 * 11.12.1.3: so do the ICR's reserved bits, checked before Modex's
	 * own WRMSR could fault. */
	if ((v->vlapic.apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) !=
		    (APIC_BASE_EN | APIC_BASE_EXTD) ||
	    (val & X2APIC_ICR_RSVD))
		return -1;
	if (a == ICR_FORWARD)
		wrmsr(MSR_X2APIC_ICR, val);
	else if (a != ICR_DROP)
		deliver(a, (u32)val, (u32)(val >> 32), true);
	return 0;
}

/* ------------------------------------------------------- xAPIC stores */

static void icr_lo_write(struct vcpu *v, u32 lo)
{
	struct vlapic *l = &v->vlapic;
	enum icr_action a = apic_icr_action(lo);

	/* Modex's own IPIs (smp_send_init) write the ICR's high half; L1's
	 * value is put back before any of L1's IPIs leaves and after
	 * Modex's, so L1 reads back what it wrote. */
	if (a == ICR_INIT || a == ICR_SIPI)
		deliver(a, lo, l->icr_hi >> 24, false);
	*phys_reg(APIC_REG_ICR_HI) = l->icr_hi;
	if (a == ICR_FORWARD)
		*phys_reg(APIC_REG_ICR_LO) = lo;
}

/*
 * L1's 32-bit store of @val at offset @off of its xAPIC page. SDM Vol. 3A
 * 11.4.1: registers are 16-byte aligned, other offsets reserved (the
 * store is dropped: forwarding it could reach a register on an APIC that
 * decodes only bits 11:4); 11.4.3 and 11.12.1.2: outside xAPIC mode the
 * page is not the APIC's and stores have no effect.
 */
static void xapic_store(struct vcpu *v, u32 off, u32 val)
{
	struct vlapic *l = &v->vlapic;

	if (!xapic_mode(l) || (off & 0xf))
		return;
	switch (off) {
	case APIC_REG_ID:
		/* Modex addresses CPUs by the IDs it found: read-only. */
		return;
	case APIC_REG_LDR:
		l->ldr = val;
		break;
	case APIC_REG_DFR:
		l->dfr = val;
		break;
	case APIC_REG_ICR_HI:
		l->icr_hi = val;
		break;
	case APIC_REG_ICR_LO:
		icr_lo_write(v, val);
		return;
	}
	*phys_reg(off) = val;
}

static u64 *gpr(struct vcpu *v, u8 n)
{
	return guest_gpr(&v->regs, n);
}

static __noreturn void cannot_emulate(struct vcpu *v, gpa_t gpa, const u8 *b,
				      unsigned n)
{
	char hex[3 * INSN_MAX_LEN + 1] = "none";
	size_t pos = 0;

	for (unsigned i = 0; i < n && pos < sizeof(hex); i++)
		pos += (size_t)fmt_snprintf(hex + pos, sizeof(hex) - pos,
					    "%s%02x", i ? " " : "", b[i]);
	guest_fatal(
		v,
		"L1 wrote its xAPIC page at GPA %#lx with an instruction Modex does not emulate (only aligned 32-bit MOV and XCHG stores, SDM Vol. 3A 11.4.1) at RIP %#lx, bytes %s; stopping L1.",
		gpa, v->regs.rip, hex);
}

bool vlapic_handle_npf(struct vcpu *v)
{
	const struct exit_info *e = &v->exit;
	gpa_t gpa = e->npf.gpa;
	u32 off = gpa & (PAGE_SIZE - 1);
	u8 bytes[INSN_MAX_LEN];
	struct insn_store st;
	enum insn_mode mode;
	unsigned n;
	u32 val;

	if (!vendor->capture_icr || e->npf.access != EXIT_NPF_WRITE ||
	    !apic_page(gpa - off))
		return false;
	/* Only an instruction's own store is emulated: not a guest
	 * page-table update (A/D bits) nor an exception frame pushed onto
	 * a stack in the APIC page. */
	if (!e->npf.final_translation || e->npf.event_delivery)
		guest_fatal(
			v,
			"L1's %s wrote its xAPIC page at GPA %#lx; Modex emulates only instructions' stores there; stopping L1.",
			e->npf.event_delivery ? "event delivery" :
						"page-table walk",
			gpa);
	n = vendor->fetch_insn(v, bytes, sizeof(bytes), &mode);
	if (insn_decode_store(bytes, n, mode, &st) || st.size != 4 || (off & 3))
		cannot_emulate(v, gpa, bytes, n);
	val = st.src == STORE_IMM ? (u32)st.imm : (u32)*gpr(v, st.gpr);
	if (st.src == STORE_XCHG) {
		/* SDM Vol. 2B XCHG: the register gets the old value; a 32-bit
		 * destination register is zero-extended (Vol. 1 3.4.1.1). */
		u32 old = xapic_mode(&v->vlapic) ? *phys_reg(off) : ~0u;

		xapic_store(v, off, val);
		*gpr(v, st.gpr) = old;
	} else {
		xapic_store(v, off, val);
	}
	v->exit.insn_len = st.len;
	return true;
}
