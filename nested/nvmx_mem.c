// SPDX-License-Identifier: MIT
/*
 * L1's memory as its VMX instructions reach it: the memory operand from
 * the VMX instruction information and the exit qualification, its
 * segment, L1's paging, and the L1 RAM it finally lands in. Modex only
 * ever copies to and from L1's RAM (hv/guest.h guest_l1_ram()): an operand
 * elsewhere reads as all ones and a store there is dropped, as on a bus
 * with nothing behind the address (docs/nested.md).
 * Context: exit path, VMCS01 current.
 */
#include "nested/nvmx.h"

#define LOG_PREFIX "nvmx"
#include "hv/features.h"
#include "hv/guest.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/log.h"
#include "hv/vendor.h"
#include "mm/gwalk.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_asm.h"

#define X86_PF 14
#define X86_SS 12

bool nvmx_l1_ram(gpa_t gpa, u64 len)
{
	return guest_l1_ram(gpa, len);
}

bool nvmx_read_gpa(gpa_t gpa, void *buf, u32 len)
{
	if (!guest_l1_ram(gpa, len))
		return false;
	memcpy(buf, (const void *)gpa, len); /* identity: L1 GPA = HPA */
	return true;
}

bool nvmx_write_gpa(gpa_t gpa, const void *buf, u32 len)
{
	if (!guest_l1_ram(gpa, len))
		return false;
	memcpy((void *)gpa, buf, len);
	return true;
}

/* Segment fields are at consecutive indices from ES (SDM Vol. 3D B.1.2,
 * B.3.3, B.4.3): ES, CS, SS, DS, FS, GS. */
static u64 seg_field(u32 es_field, unsigned seg)
{
	return es_field + 2 * seg;
}

static bool long64(void)
{
	return (vmread(GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmread(GUEST_CS_AR) & BIT(13));
}

static bool canonical(u64 la)
{
	unsigned bits =
		cpu_features.maxvirtaddr ? cpu_features.maxvirtaddr : 48;

	return (u64)((s64)(la << (64 - bits)) >> (64 - bits)) == la;
}

static void seg_fault(struct vcpu *v, unsigned seg)
{
	vendor->inject_exception(v, seg == 2 ? X86_SS : X86_GP, true, 0);
}

/*
 * SDM Vol. 3C 28.2.5 (tables 28-13, 28-14): scaling 1:0, address size 9:7,
 * Mem/Reg 10 (VMREAD/VMWRITE), segment 17:15, index 21:18 (invalid 22),
 * base 26:23 (invalid 27), Reg2 31:28; the displacement is the exit
 * qualification. SDM Vol. 3A 3.4.2, 5.3: the segment limit (outside
 * 64-bit mode) and canonical address (64-bit mode) checks; #SS for SS.
 */
bool nvmx_decode_operand(struct vcpu *v, struct nvmx_operand *op, u32 size)
{
	u32 info = (u32)vmread(VMX_INSTRUCTION_INFO);
	unsigned seg = (info >> 15) & 7, asz = (info >> 7) & 7;
	u64 ea = vmread(EXIT_QUALIFICATION), limit;

	op->is_reg = info & BIT(10);
	op->reg = (info >> 3) & 15;
	op->reg2 = (info >> 28) & 15;
	if (op->is_reg)
		return true;
	if (!(info & BIT(27)))
		ea += *guest_gpr(&v->regs, (info >> 23) & 15);
	if (!(info & BIT(22)))
		ea += *guest_gpr(&v->regs, (info >> 18) & 15) << (info & 3);
	if (asz == 0)
		ea &= 0xffff;
	else if (asz == 1)
		ea &= 0xffffffff;
	if (seg > 5) {
		seg_fault(v, 0);
		return false;
	}
	if (long64()) {
		/* SDM Vol. 3A 3.4.4: only FS and GS have bases in 64-bit mode. */
		op->la = ea +
			 (seg >= 4 ? vmread(seg_field(GUEST_ES_BASE, seg)) : 0);
		if (!canonical(op->la) || !canonical(op->la + size - 1)) {
			seg_fault(v, seg);
			return false;
		}
		return true;
	}
	limit = vmread(seg_field(GUEST_ES_LIMIT, seg));
	if ((vmread(seg_field(GUEST_ES_AR, seg)) & VMX_AR_UNUSABLE) ||
	    ea + size - 1 > limit) {
		seg_fault(v, seg);
		return false;
	}
	op->la = (u32)(vmread(seg_field(GUEST_ES_BASE, seg)) + ea);
	return true;
}

static const struct gwalk_mode *l1_mode(struct vcpu *v, struct gwalk_mode *m)
{
	u32 fl = cpu_features.pdpe1gb ? PTF_1G : 0;

	if (gwalk_mode_init(m, vendor->read_cr(v, 0), vendor->read_cr(v, 3),
			    vendor->read_cr(v, 4), vendor->read_efer(v),
			    cpu_features.maxphyaddr, fl)) {
		log_warn_once(
			"L1 runs a VMX instruction with 32-bit or PAE paging, which Modex does not walk; it gets #UD.");
		vendor->inject_exception(v, X86_UD, false, 0);
		return NULL;
	}
	return m;
}

/* One page-bounded piece at @la: its GPA, or false with L1's fault. */
static bool translate(struct vcpu *v, const struct gwalk_mode *m, gva_t la,
		      unsigned op, gpa_t *gpa)
{
	struct gwalk_access a = { .la = la, .op = op, .cpl = vendor->cpl(v) };
	struct gwalk w;

	switch (gwalk(m, NULL, guest_l1_pt_mem(), &a, 0, &w)) {
	case GW_OK:
		*gpa = w.gpa;
		return true;
	case GW_PF:
		/* VMX does not switch CR2 (SDM Vol. 3C 28.3): L1's is live. */
		write_cr2(la);
		vendor->inject_exception(v, X86_PF, true, w.pf_error);
		return false;
	default:
		vendor->inject_exception(v, X86_GP, true, 0);
		return false;
	}
}

static bool access_linear(struct vcpu *v, gva_t la, u8 *buf, u32 len,
			  bool write)
{
	struct gwalk_mode m;
	gpa_t gpa[2];
	u32 first = (u32)MIN((u64)len, PAGE_SIZE - (la & (PAGE_SIZE - 1)));

	if (!l1_mode(v, &m))
		return false;
	/* Both pages are translated before any byte moves: a fault on the
	 * second leaves memory untouched, as on hardware. */
	if (!translate(v, &m, la, write ? PK_WRITE : PK_READ, &gpa[0]) ||
	    (first < len && !translate(v, &m, la + first,
				       write ? PK_WRITE : PK_READ, &gpa[1])))
		return false;
	for (int i = 0; i < 2; i++) {
		u32 n = i ? len - first : first;
		u8 *p = buf + (i ? first : 0);

		if (!n)
			break;
		if (write ? nvmx_write_gpa(gpa[i], p, n) :
			    nvmx_read_gpa(gpa[i], p, n))
			continue;
		log_warn_once(
			"an L1 VMX instruction's memory operand is outside L1's RAM (GPA %#lx): reads give all ones, stores are dropped.",
			gpa[i]);
		if (!write)
			memset(p, 0xff, n);
	}
	return true;
}

bool nvmx_read_linear(struct vcpu *v, gva_t la, void *buf, u32 len)
{
	return access_linear(v, la, buf, len, false);
}

bool nvmx_write_linear(struct vcpu *v, gva_t la, const void *buf, u32 len)
{
	return access_linear(v, la, (u8 *)buf, len, true);
}
