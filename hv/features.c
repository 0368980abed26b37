// SPDX-License-Identifier: MIT
/*
 * CPU feature probe (CPUID and the VMX capability MSRs) and the banner's
 * feature lines.
 * Context: boot, before any guest runs.
 */
#include "hv/features.h"

#define LOG_PREFIX "cpu"
#include "hv/include/compiler.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/log.h"

struct cpu_features cpu_features;

/*
 * VMX capabilities (SDM Vol. 3D appendix A). A secondary control is
 * available when its allowed-1 bit (high dword) is set, and only if the
 * primary "activate secondary controls" (bit 31) may be 1.
 */
static void probe_vmx(struct vmx_features *v)
{
	u64 proc, cap = 0, p2 = 0;

	v->basic = rdmsr(MSR_IA32_VMX_BASIC);
	v->true_ctls = v->basic & BIT(55);
	proc = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS);
	if (proc & BIT(32 + 31))
		p2 = rdmsr(MSR_IA32_VMX_PROCBASED_CTLS2);
	v->procbased2 = p2;
	v->ept = p2 & BIT(32 + 1);
	v->vpid = p2 & BIT(32 + 5);
	v->unrestricted_guest = p2 & BIT(32 + 7);
	v->vmcs_shadowing = p2 & BIT(32 + 14);
	v->mbec = p2 & BIT(32 + 22);
	if (v->ept || v->vpid)
		cap = rdmsr(MSR_IA32_VMX_EPT_VPID_CAP);
	v->ept_vpid_cap = cap;
	v->ept_exec_only = cap & BIT(0);
	v->ept_4level = cap & BIT(6);
	v->ept_wb = cap & BIT(14);
	v->ept_2m = cap & BIT(16);
	v->ept_1g = cap & BIT(17);
	v->ept_ad = cap & BIT(21);
	v->ept_adv_exit_info = cap & BIT(22);
}

/* SVM features: CPUID Fn8000_000A (APM Vol. 3 appendix E.4.9). */
static void probe_svm(struct svm_features *s)
{
	struct cpuid_regs r = cpuid(0x8000000a);

	s->edx = r.edx;
	s->nr_asids = r.ebx;
	s->npt = r.edx & BIT(0);
	s->nrips = r.edx & BIT(3);
	s->vmcb_clean = r.edx & BIT(5);
	s->flush_by_asid = r.edx & BIT(6);
	s->decode_assists = r.edx & BIT(7);
	s->vmsave_virt = r.edx & BIT(15);
	s->vgif = r.edx & BIT(16);
	s->gmet = r.edx & BIT(17);
}

static void probe_identity(struct cpu_features *f)
{
	struct cpuid_regs r = cpuid(0);
	u32 fam, model;

	memcpy(f->vendor_str + 0, &r.ebx, 4);
	memcpy(f->vendor_str + 4, &r.edx, 4);
	memcpy(f->vendor_str + 8, &r.ecx, 4);
	f->vendor_str[12] = 0;
	if (!strcmp(f->vendor_str, "GenuineIntel"))
		f->vendor = VENDOR_INTEL;
	else if (!strcmp(f->vendor_str, "AuthenticAMD"))
		f->vendor = VENDOR_AMD;

	r = cpuid(1);
	fam = (r.eax >> 8) & 0xf;
	model = (r.eax >> 4) & 0xf;
	if (fam == 0xf)
		fam += (r.eax >> 20) & 0xff;
	if (fam == 0x6 || fam >= 0xf)
		model |= ((r.eax >> 16) & 0xf) << 4;
	f->family = fam;
	f->model = model;
	f->stepping = r.eax & 0xf;
	f->vmx = r.ecx & BIT(5);
}

void features_probe(struct cpu_features *f)
{
	struct cpuid_regs r;
	u32 max_ext;

	memset(f, 0, sizeof(*f));
	probe_identity(f);
	if (cpuid(0).eax >= 7) {
		r = cpuid_count(7, 0);
		f->smep = r.ebx & BIT(7);
		f->smap = r.ebx & BIT(20);
	}
	max_ext = cpuid(0x80000000).eax;
	if (max_ext >= 0x80000001) {
		r = cpuid(0x80000001);
		f->svm = r.ecx & BIT(2);
		f->nx = r.edx & BIT(20);
		f->pdpe1gb = r.edx & BIT(26);
	}
	f->maxphyaddr = 36;
	f->maxvirtaddr = 48;
	if (max_ext >= 0x80000008) {
		r = cpuid(0x80000008);
		f->maxphyaddr = r.eax & 0xff;
		f->maxvirtaddr = (r.eax >> 8) & 0xff;
	}
	if (f->vmx)
		probe_vmx(&f->vmx_f);
	if (f->svm && max_ext >= 0x8000000a)
		probe_svm(&f->svm_f);
}

static const char *yn(bool b)
{
	return b ? "yes" : "no";
}

void features_report(const struct cpu_features *f)
{
	const struct vmx_features *v = &f->vmx_f;
	const struct svm_features *s = &f->svm_f;

	log_info(
		"%s family %#x model %#x stepping %u, MAXPHYADDR %u, VMX %s, SVM %s.",
		f->vendor_str, f->family, f->model, f->stepping, f->maxphyaddr,
		yn(f->vmx), yn(f->svm));
	if (f->vmx)
		log_info(
			"features: vmx ept=%s vpid=%s unrestricted-guest=%s vmcs-shadowing=%s mbec=%s adv-ept-info=%s ept-ad=%s exec-only=%s 2m=%s 1g=%s",
			yn(v->ept), yn(v->vpid), yn(v->unrestricted_guest),
			yn(v->vmcs_shadowing), yn(v->mbec),
			yn(v->ept_adv_exit_info), yn(v->ept_ad),
			yn(v->ept_exec_only), yn(v->ept_2m), yn(v->ept_1g));
	if (f->svm)
		log_info(
			"features: svm npt=%s nrips=%s decode-assists=%s vmcb-clean=%s flush-by-asid=%s vgif=%s vmsave-virt=%s gmet=%s asids=%u",
			yn(s->npt), yn(s->nrips), yn(s->decode_assists),
			yn(s->vmcb_clean), yn(s->flush_by_asid), yn(s->vgif),
			yn(s->vmsave_virt), yn(s->gmet), s->nr_asids);
	if (!f->vmx && !f->svm)
		log_info("features: none (no VMX and no SVM)");
}
