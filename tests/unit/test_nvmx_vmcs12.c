// SPDX-License-Identifier: MIT
/*
 * vmcs12 field table and VMREAD/VMWRITE semantics: every supported
 * encoding of SDM Vol. 3D appendix B, written here from the manual's
 * tables (not from nested/nvmx_vmcs12.c), round-trips with truncation to its
 * width; high-access halves; unsupported and random encodings; read-only
 * fields.
 */
#include "tests/unit/harness.h"

#include "nested/nvmx_vmcs12.h"
#include "vmx/vmcs_fields.h"

/* Encoding and width in bytes, SDM Vol. 3D tables B-1 to B-15. */
static const struct {
	u32 enc;
	unsigned int size;
} sdm_fields[] = {
	{ 0x0000, 2 }, /* VMCS_VPID */
	{ 0x0800, 2 }, /* GUEST_ES_SELECTOR */
	{ 0x0802, 2 }, /* GUEST_CS_SELECTOR */
	{ 0x0804, 2 }, /* GUEST_SS_SELECTOR */
	{ 0x0806, 2 }, /* GUEST_DS_SELECTOR */
	{ 0x0808, 2 }, /* GUEST_FS_SELECTOR */
	{ 0x080a, 2 }, /* GUEST_GS_SELECTOR */
	{ 0x080c, 2 }, /* GUEST_LDTR_SELECTOR */
	{ 0x080e, 2 }, /* GUEST_TR_SELECTOR */
	{ 0x0c00, 2 }, /* HOST_ES_SELECTOR */
	{ 0x0c02, 2 }, /* HOST_CS_SELECTOR */
	{ 0x0c04, 2 }, /* HOST_SS_SELECTOR */
	{ 0x0c06, 2 }, /* HOST_DS_SELECTOR */
	{ 0x0c08, 2 }, /* HOST_FS_SELECTOR */
	{ 0x0c0a, 2 }, /* HOST_GS_SELECTOR */
	{ 0x0c0c, 2 }, /* HOST_TR_SELECTOR */
	{ 0x2000, 8 }, /* IO_BITMAP_A */
	{ 0x2002, 8 }, /* IO_BITMAP_B */
	{ 0x2004, 8 }, /* MSR_BITMAP */
	{ 0x2006, 8 }, /* VM_EXIT_MSR_STORE_ADDR */
	{ 0x2008, 8 }, /* VM_EXIT_MSR_LOAD_ADDR */
	{ 0x200a, 8 }, /* VM_ENTRY_MSR_LOAD_ADDR */
	{ 0x2010, 8 }, /* TSC_OFFSET */
	{ 0x2012, 8 }, /* VIRTUAL_APIC_PAGE_ADDR */
	{ 0x2014, 8 }, /* APIC_ACCESS_ADDR */
	{ 0x201a, 8 }, /* EPT_POINTER */
	{ 0x2026, 8 }, /* VMREAD_BITMAP */
	{ 0x2028, 8 }, /* VMWRITE_BITMAP */
	{ 0x202c, 8 }, /* XSS_EXIT_BITMAP */
	{ 0x2400, 8 }, /* GUEST_PHYSICAL_ADDRESS */
	{ 0x2800, 8 }, /* VMCS_LINK_POINTER */
	{ 0x2802, 8 }, /* GUEST_IA32_DEBUGCTL */
	{ 0x2804, 8 }, /* GUEST_IA32_PAT */
	{ 0x2806, 8 }, /* GUEST_IA32_EFER */
	{ 0x2808, 8 }, /* GUEST_IA32_PERF_GLOBAL_CTRL */
	{ 0x280a, 8 }, /* GUEST_PDPTE0 */
	{ 0x280c, 8 }, /* GUEST_PDPTE1 */
	{ 0x280e, 8 }, /* GUEST_PDPTE2 */
	{ 0x2810, 8 }, /* GUEST_PDPTE3 */
	{ 0x2c00, 8 }, /* HOST_IA32_PAT */
	{ 0x2c02, 8 }, /* HOST_IA32_EFER */
	{ 0x2c04, 8 }, /* HOST_IA32_PERF_GLOBAL_CTRL */
	{ 0x4000, 4 }, /* PIN_BASED_VM_EXEC_CONTROL */
	{ 0x4002, 4 }, /* CPU_BASED_VM_EXEC_CONTROL */
	{ 0x4004, 4 }, /* EXCEPTION_BITMAP */
	{ 0x4006, 4 }, /* PAGE_FAULT_ERROR_CODE_MASK */
	{ 0x4008, 4 }, /* PAGE_FAULT_ERROR_CODE_MATCH */
	{ 0x400a, 4 }, /* CR3_TARGET_COUNT */
	{ 0x400c, 4 }, /* VM_EXIT_CONTROLS */
	{ 0x400e, 4 }, /* VM_EXIT_MSR_STORE_COUNT */
	{ 0x4010, 4 }, /* VM_EXIT_MSR_LOAD_COUNT */
	{ 0x4012, 4 }, /* VM_ENTRY_CONTROLS */
	{ 0x4014, 4 }, /* VM_ENTRY_MSR_LOAD_COUNT */
	{ 0x4016, 4 }, /* VM_ENTRY_INTR_INFO */
	{ 0x4018, 4 }, /* VM_ENTRY_EXCEPTION_ERROR_CODE */
	{ 0x401a, 4 }, /* VM_ENTRY_INSTRUCTION_LEN */
	{ 0x401c, 4 }, /* TPR_THRESHOLD */
	{ 0x401e, 4 }, /* SECONDARY_VM_EXEC_CONTROL */
	{ 0x4400, 4 }, /* VM_INSTRUCTION_ERROR */
	{ 0x4402, 4 }, /* VM_EXIT_REASON */
	{ 0x4404, 4 }, /* VM_EXIT_INTR_INFO */
	{ 0x4406, 4 }, /* VM_EXIT_INTR_ERROR_CODE */
	{ 0x4408, 4 }, /* IDT_VECTORING_INFO */
	{ 0x440a, 4 }, /* IDT_VECTORING_ERROR_CODE */
	{ 0x440c, 4 }, /* VM_EXIT_INSTRUCTION_LEN */
	{ 0x440e, 4 }, /* VMX_INSTRUCTION_INFO */
	{ 0x4800, 4 }, /* GUEST_ES_LIMIT */
	{ 0x4802, 4 }, /* GUEST_CS_LIMIT */
	{ 0x4804, 4 }, /* GUEST_SS_LIMIT */
	{ 0x4806, 4 }, /* GUEST_DS_LIMIT */
	{ 0x4808, 4 }, /* GUEST_FS_LIMIT */
	{ 0x480a, 4 }, /* GUEST_GS_LIMIT */
	{ 0x480c, 4 }, /* GUEST_LDTR_LIMIT */
	{ 0x480e, 4 }, /* GUEST_TR_LIMIT */
	{ 0x4810, 4 }, /* GUEST_GDTR_LIMIT */
	{ 0x4812, 4 }, /* GUEST_IDTR_LIMIT */
	{ 0x4814, 4 }, /* GUEST_ES_AR */
	{ 0x4816, 4 }, /* GUEST_CS_AR */
	{ 0x4818, 4 }, /* GUEST_SS_AR */
	{ 0x481a, 4 }, /* GUEST_DS_AR */
	{ 0x481c, 4 }, /* GUEST_FS_AR */
	{ 0x481e, 4 }, /* GUEST_GS_AR */
	{ 0x4820, 4 }, /* GUEST_LDTR_AR */
	{ 0x4822, 4 }, /* GUEST_TR_AR */
	{ 0x4824, 4 }, /* GUEST_INTERRUPTIBILITY */
	{ 0x4826, 4 }, /* GUEST_ACTIVITY_STATE */
	{ 0x4828, 4 }, /* GUEST_SMBASE */
	{ 0x482a, 4 }, /* GUEST_SYSENTER_CS */
	{ 0x4c00, 4 }, /* HOST_IA32_SYSENTER_CS */
	{ 0x6000, 8 }, /* CR0_GUEST_HOST_MASK */
	{ 0x6002, 8 }, /* CR4_GUEST_HOST_MASK */
	{ 0x6004, 8 }, /* CR0_READ_SHADOW */
	{ 0x6006, 8 }, /* CR4_READ_SHADOW */
	{ 0x6008, 8 }, /* CR3_TARGET_VALUE0 */
	{ 0x600a, 8 }, /* CR3_TARGET_VALUE1 */
	{ 0x600c, 8 }, /* CR3_TARGET_VALUE2 */
	{ 0x600e, 8 }, /* CR3_TARGET_VALUE3 */
	{ 0x6400, 8 }, /* EXIT_QUALIFICATION */
	{ 0x6402, 8 }, /* IO_RCX */
	{ 0x6404, 8 }, /* IO_RSI */
	{ 0x6406, 8 }, /* IO_RDI */
	{ 0x6408, 8 }, /* IO_RIP */
	{ 0x640a, 8 }, /* GUEST_LINEAR_ADDRESS */
	{ 0x6800, 8 }, /* GUEST_CR0 */
	{ 0x6802, 8 }, /* GUEST_CR3 */
	{ 0x6804, 8 }, /* GUEST_CR4 */
	{ 0x6806, 8 }, /* GUEST_ES_BASE */
	{ 0x6808, 8 }, /* GUEST_CS_BASE */
	{ 0x680a, 8 }, /* GUEST_SS_BASE */
	{ 0x680c, 8 }, /* GUEST_DS_BASE */
	{ 0x680e, 8 }, /* GUEST_FS_BASE */
	{ 0x6810, 8 }, /* GUEST_GS_BASE */
	{ 0x6812, 8 }, /* GUEST_LDTR_BASE */
	{ 0x6814, 8 }, /* GUEST_TR_BASE */
	{ 0x6816, 8 }, /* GUEST_GDTR_BASE */
	{ 0x6818, 8 }, /* GUEST_IDTR_BASE */
	{ 0x681a, 8 }, /* GUEST_DR7 */
	{ 0x681c, 8 }, /* GUEST_RSP */
	{ 0x681e, 8 }, /* GUEST_RIP */
	{ 0x6820, 8 }, /* GUEST_RFLAGS */
	{ 0x6822, 8 }, /* GUEST_PENDING_DBG_EXCEPTIONS */
	{ 0x6824, 8 }, /* GUEST_SYSENTER_ESP */
	{ 0x6826, 8 }, /* GUEST_SYSENTER_EIP */
	{ 0x6c00, 8 }, /* HOST_CR0 */
	{ 0x6c02, 8 }, /* HOST_CR3 */
	{ 0x6c04, 8 }, /* HOST_CR4 */
	{ 0x6c06, 8 }, /* HOST_FS_BASE */
	{ 0x6c08, 8 }, /* HOST_GS_BASE */
	{ 0x6c0a, 8 }, /* HOST_TR_BASE */
	{ 0x6c0c, 8 }, /* HOST_GDTR_BASE */
	{ 0x6c0e, 8 }, /* HOST_IDTR_BASE */
	{ 0x6c10, 8 }, /* HOST_IA32_SYSENTER_ESP */
	{ 0x6c12, 8 }, /* HOST_IA32_SYSENTER_EIP */
	{ 0x6c14, 8 }, /* HOST_RSP */
	{ 0x6c16, 8 }, /* HOST_RIP */
};

/* Appendix B components Modex does not support: APIC virtualization,
 * posted interrupts, VM functions, #VE, PML, SMM, ENCLS, TSC scaling,
 * BNDCFGS, PLE, the preemption timer, CET, PKRS and more. */
static const u32 unsupported[] = {
	0x0002, 0x0004, 0x0006, 0x0810, 0x0812, 0x0814, 0x0c0e, 0x200c, 0x200e,
	0x2016, 0x2018, 0x201c, 0x201e, 0x2020, 0x2022, 0x2024, 0x202a, 0x202e,
	0x2030, 0x2032, 0x2034, 0x2036, 0x2040, 0x2402, 0x2812, 0x2814, 0x2816,
	0x2818, 0x2c06, 0x2c08, 0x4020, 0x4022, 0x4024, 0x4410, 0x482e, 0x4830,
	0x4c02, 0x6410, 0x6828, 0x682a, 0x682c, 0x6c18, 0x6c1a, 0x6c1c,
};

static u64 rng_state = 0x9e3779b97f4a7c15ULL;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static u64 width_mask(unsigned int size)
{
	return size == 8 ? ~0ULL : (1ULL << (size * 8)) - 1;
}

static bool is_ro(u32 enc)
{
	return ((enc >> 10) & 3) == 1;
}

static int sdm_index(u32 enc)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(sdm_fields); i++)
		if (sdm_fields[i].enc == enc)
			return (int)i;
	return -1;
}

TEST(table_matches_sdm_list)
{
	unsigned int n;
	const struct vmcs12_field *t = vmcs12_fields(&n);

	CHECK_EQ(n, ARRAY_SIZE(sdm_fields));
	for (unsigned int i = 0; i < ARRAY_SIZE(sdm_fields); i++) {
		const struct vmcs12_field *f =
			vmcs12_field_find(sdm_fields[i].enc);

		REQUIRE(f);
		CHECK_EQ(f->enc, sdm_fields[i].enc);
		CHECK_EQ(f->size, sdm_fields[i].size);
		CHECK_EQ(!!(f->flags & VMCS12_F_RO), is_ro(sdm_fields[i].enc));
		CHECK(f->offset >= 16 &&
		      f->offset + f->size <= sizeof(struct vmcs12));
		CHECK_EQ(f->offset % f->size, 0);
	}
	/* No two fields overlap. */
	for (unsigned int i = 0; i < n; i++)
		for (unsigned int j = i + 1; j < n; j++)
			CHECK_MSG(t[i].offset + t[i].size <= t[j].offset ||
					  t[j].offset + t[j].size <=
						  t[i].offset,
				  "%#x overlaps %#x", t[i].enc, t[j].enc);
}

TEST(roundtrip_truncates_to_width)
{
	for (int round = 0; round < 64; round++) {
		for (unsigned int i = 0; i < ARRAY_SIZE(sdm_fields); i++) {
			static struct vmcs12 v;
			u32 enc = sdm_fields[i].enc;
			u64 val = rnd(), got = 0, want;

			/* Access rights too are stored whole: the VM entry
			 * rejects their reserved bits (27.3.1.2). */
			want = val & width_mask(sdm_fields[i].size);
			CHECK_EQ(vmcs12_write(&v, enc, val, true), 0);
			CHECK_EQ(vmcs12_read(&v, enc, &got), 0);
			CHECK_MSG(got == want, "enc %#x: %#llx != %#llx", enc,
				  (unsigned long long)got,
				  (unsigned long long)want);
		}
	}
}

TEST(fields_are_independent)
{
	static struct vmcs12 v;
	u64 vals[ARRAY_SIZE(sdm_fields)];

	memset(&v, 0, sizeof(v));
	v.revision_id = VMCS12_REVISION;
	v.abort = 0x1234;
	v.launch_state = VMCS12_LAUNCHED;
	for (unsigned int i = 0; i < ARRAY_SIZE(sdm_fields); i++) {
		vals[i] = rnd() & width_mask(sdm_fields[i].size);
		CHECK_EQ(vmcs12_write(&v, sdm_fields[i].enc, vals[i], true), 0);
	}
	for (unsigned int i = 0; i < ARRAY_SIZE(sdm_fields); i++) {
		u64 got = 0;

		CHECK_EQ(vmcs12_read(&v, sdm_fields[i].enc, &got), 0);
		CHECK_EQ(got, vals[i]);
	}
	/* The header is no component: no write reached it. */
	CHECK_EQ(v.revision_id, VMCS12_REVISION);
	CHECK_EQ(v.abort, 0x1234);
	CHECK_EQ(v.launch_state, VMCS12_LAUNCHED);
	CHECK_EQ(v.reserved, 0);
}

TEST(named_members)
{
	static struct vmcs12 v;
	u64 x = 0;

	CHECK_EQ(vmcs12_write(&v, GUEST_RIP, 0xffffffff81000000ULL, false), 0);
	CHECK_EQ(v.guest_rip, 0xffffffff81000000ULL);
	/* Stored whole: VM entry judges the reserved bits (27.3.1.2). */
	CHECK_EQ(vmcs12_write(&v, GUEST_CS_AR, 0xfffff09b, false), 0);
	CHECK_EQ(v.guest_cs_ar, 0xfffff09b);
	CHECK_EQ(vmcs12_write(&v, VMCS_VPID, 0x12345, false), 0);
	CHECK_EQ(v.vmcs_vpid, 0x2345);
	CHECK_EQ(vmcs12_write(&v, EPT_POINTER, 0x123456789abcdef0ULL, false),
		 0);
	CHECK_EQ(v.ept_pointer, 0x123456789abcdef0ULL);
	CHECK_EQ(vmcs12_write(&v, SECONDARY_VM_EXEC_CONTROL, 0x1ffffffffULL,
			      false),
		 0);
	CHECK_EQ(v.secondary_vm_exec_control, 0xffffffffu);
	v.vm_exit_reason = 30;
	CHECK_EQ(vmcs12_read(&v, VM_EXIT_REASON, &x), 0);
	CHECK_EQ(x, 30);
	v.exit_qualification = 0xdeadbeefcafeULL;
	CHECK_EQ(vmcs12_read(&v, EXIT_QUALIFICATION, &x), 0);
	CHECK_EQ(x, 0xdeadbeefcafeULL);
}

TEST(high_access)
{
	unsigned int n64 = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(sdm_fields); i++) {
		static struct vmcs12 v;
		u32 enc = sdm_fields[i].enc;
		u64 val = rnd(), hi = rnd(), got = 0;
		bool w64 = ((enc >> 13) & 3) == 1;

		if (!w64) {
			/* Bit 0 set on a 16-bit, 32-bit or natural-width
			 * encoding is no component. */
			CHECK(!vmcs12_field_find(enc | 1));
			CHECK_EQ(vmcs12_read(&v, enc | 1, &got), 12);
			CHECK_EQ(vmcs12_write(&v, enc | 1, val, true), 12);
			continue;
		}
		n64++;
		REQUIRE(vmcs12_field_find(enc | 1) == vmcs12_field_find(enc));
		CHECK_EQ(vmcs12_write(&v, enc, val, true), 0);
		CHECK_EQ(vmcs12_read(&v, enc | 1, &got), 0);
		CHECK_EQ(got, val >> 32);
		/* A high write replaces bits 63:32 with bits 31:0 of the
		 * value and keeps the low half. */
		CHECK_EQ(vmcs12_write(&v, enc | 1, hi, true), 0);
		CHECK_EQ(vmcs12_read(&v, enc, &got), 0);
		CHECK_EQ(got, (val & 0xffffffffULL) | (hi << 32));
		CHECK_EQ(vmcs12_read(&v, enc | 1, &got), 0);
		CHECK_EQ(got, hi & 0xffffffffULL);
	}
	CHECK_EQ(n64, 26);
}

TEST(read_only_fields)
{
	unsigned int nro = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(sdm_fields); i++) {
		static struct vmcs12 v;
		u32 enc = sdm_fields[i].enc;
		u64 got = 1;

		if (!is_ro(enc)) {
			CHECK_EQ(vmcs12_write(&v, enc, 5, false), 0);
			continue;
		}
		nro++;
		CHECK_EQ(vmcs12_write(&v, enc, 0, true), 0);
		/* Error 13 without IA32_VMX_MISC bit 29; nothing written. */
		CHECK_EQ(vmcs12_write(&v, enc, 7, false), 13);
		CHECK_EQ(vmcs12_read(&v, enc, &got), 0);
		CHECK_EQ(got, 0);
		CHECK_EQ(vmcs12_write(&v, enc, 7, true), 0);
		CHECK_EQ(vmcs12_read(&v, enc, &got), 0);
		CHECK_EQ(got, 7);
		if (((enc >> 13) & 3) == 1)
			CHECK_EQ(vmcs12_write(&v, enc | 1, 7, false), 13);
	}
	/* B-5 (1), B-9 (8), B-13 (6). */
	CHECK_EQ(nro, 15);
}

TEST(unsupported_components)
{
	static struct vmcs12 v;
	u64 got = 0x55;

	for (unsigned int i = 0; i < ARRAY_SIZE(unsupported); i++) {
		CHECK_MSG(!vmcs12_field_find(unsupported[i]), "%#x",
			  unsupported[i]);
		CHECK_EQ(vmcs12_read(&v, unsupported[i], &got), 12);
		CHECK_EQ(vmcs12_write(&v, unsupported[i], 1, true), 12);
	}
	CHECK_EQ(got, 0x55);
	/* Reserved encoding bits (31:15, 12) make an otherwise supported
	 * encoding unsupported. */
	CHECK(!vmcs12_field_find(GUEST_RIP | BIT(12)));
	CHECK(!vmcs12_field_find(GUEST_RIP | BIT(15)));
	CHECK(!vmcs12_field_find(GUEST_RIP | BIT(31)));
	CHECK(!vmcs12_field_find(0xffffffffu));
}

TEST(random_encodings)
{
	static struct vmcs12 v;
	unsigned int found = 0;

	for (int i = 0; i < 200000; i++) {
		/* Half fully random, half in the low 15 bits where fields
		 * live. */
		u32 enc = (u32)rnd();
		const struct vmcs12_field *f;
		int want_idx;
		u64 got;

		if (i & 1)
			enc &= 0x7fff;
		f = vmcs12_field_find(enc);
		want_idx = (enc & 1) ? sdm_index(enc & ~1u) : sdm_index(enc);
		if (want_idx >= 0 && (enc & 1) && ((enc >> 13) & 3) != 1)
			want_idx = -1;
		if (want_idx < 0) {
			CHECK_MSG(!f, "%#x found", enc);
			CHECK_EQ(vmcs12_read(&v, enc, &got), 12);
			CHECK_EQ(vmcs12_write(&v, enc, rnd(), true), 12);
			continue;
		}
		found++;
		CHECK_MSG(f, "%#x not found", enc);
		REQUIRE(f);
		CHECK_EQ(f->enc, sdm_fields[want_idx].enc);
	}
	CHECK(found > 0);
}

TEST(max_index)
{
	u32 max = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(sdm_fields); i++) {
		u32 idx = (sdm_fields[i].enc >> 1) & 0x1ff;

		max = idx > max ? idx : max;
	}
	CHECK_EQ(vmcs12_max_index(), max);
	CHECK_EQ(vmcs12_max_index(), 22); /* XSS_EXIT_BITMAP, 0x202c */
}

TEST(shadow_fields_supported)
{
	unsigned int n;
	const u32 *s = vmcs12_shadow_fields(&n);

	CHECK(n >= 20);
	for (unsigned int i = 0; i < n; i++) {
		CHECK_MSG(vmcs12_field_find(s[i]) != NULL, "%#x", s[i]);
		CHECK_EQ(s[i] & 1, 0);
		for (unsigned int j = i + 1; j < n; j++)
			CHECK_MSG(s[i] != s[j], "%#x twice", s[i]);
	}
}

TEST(revision_and_layout)
{
	CHECK_EQ(VMCS12_REVISION & 0x80000000u, 0);
	CHECK(VMCS12_REVISION != 0);
	CHECK(sizeof(struct vmcs12) <= 4096);
	CHECK_EQ(offsetof(struct vmcs12, revision_id), 0);
	CHECK_EQ(offsetof(struct vmcs12, abort), 4);
}
