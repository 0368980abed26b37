// SPDX-License-Identifier: MIT
/*
 * Host unit tests of the VMCS01 builder (vmx/vmcs_build.c) over a matrix of
 * capability sets: with and without MBEC, advanced EPT-violation info,
 * unrestricted guest, VPID, TRUE controls, and with required capabilities
 * missing (a named refusal, never a half-built VMCS).
 */
#include "tests/unit/harness.h"

#include "hv/include/err.h"
#include "hv/include/x86.h"
#include "hv/loader.h"
#include "hv/vcpu.h"
#include "mm/pt_format.h"
#include "vmx/vmcs_build.h"
#include "vmx/vmcs_fields.h"

/* A Broadwell-like CPU (values as such a CPU reports them) without MBEC. */
static struct vmx_caps broadwell(void)
{
	return (struct vmx_caps){
		.basic = 0x00da040000000012ULL,
		.pinbased = 0x0000007f00000016ULL,
		.procbased = 0xfff9fffe0401e172ULL,
		.exit = 0x003fffff00036dffULL,
		.entry = 0x0003ffff000011ffULL,
		.true_pinbased = 0x0000007f00000016ULL,
		.true_procbased = 0xfff9fffe04006172ULL,
		.true_exit = 0x003fffff00036dfbULL,
		.true_entry = 0x0003ffff000011fbULL,
		.procbased2 = 0x000ffcff00000000ULL,
		.ept_vpid_cap = 0x00000f0106734141ULL,
		.cr0_fixed0 = 0x80000021ULL,
		.cr0_fixed1 = 0xffffffffULL,
		.cr4_fixed0 = 0x2000ULL,
		.cr4_fixed1 = 0x3727ffULL,
	};
}

/* Tiger Lake-like: MBEC (secondary bit 22) and advanced info (bit 22). */
static struct vmx_caps tigerlake(void)
{
	struct vmx_caps c = broadwell();

	c.procbased2 |= (u64)SEC_MODE_BASED_EPT_EXEC << 32;
	c.ept_vpid_cap |= BIT(22);
	return c;
}

static struct vmcs01_config config(void)
{
	return (struct vmcs01_config){
		.vpid = 1,
		.msr_bitmap = 0x100000,
		.ept_root = 0x200000,
		.host = { .cr0 = 0x80050033,
			  .cr3 = 0x300000,
			  .cr4 = 0x20a0 | X86_CR4_VMXE,
			  .efer = 0xd00,
			  .pat = 0x0007040600070406ULL,
			  .cs = 0x08,
			  .ss = 0x10,
			  .ds = 0x10,
			  .es = 0x10,
			  .fs = 0x10,
			  .gs = 0x10,
			  .tr = 0x18,
			  .tr_base = 0x400000,
			  .gdtr_base = 0x401000,
			  .idtr_base = 0x402000,
			  .rip = 0x100123,
			  .rsp = 0x500000 },
	};
}

/* Multiboot's entry state: 32-bit protected mode, paging off. */
static struct vmx_guest_init mb_state(void)
{
	struct vmx_seg code = { 0x10, 0xffffffff, 0xc09b, 0 };
	struct vmx_seg data = { 0x18, 0xffffffff, 0xc093, 0 };

	return (struct vmx_guest_init){
		.cr0 = X86_CR0_PE | X86_CR0_ET,
		.rip = 0x100000,
		.rflags = 2,
		.cs = code,
		.ds = data,
		.es = data,
		.fs = data,
		.gs = data,
		.ss = data,
		.ldtr = { 0, 0, VMX_AR_UNUSABLE, 0 },
		.tr = { 0, 0xff, 0x8b, 0 },
	};
}

static int build(const struct vmx_caps *c, struct vmcs01 *v)
{
	struct vmcs01_config cfg = config();
	struct vmx_guest_init g = mb_state();

	return vmcs01_build_init(c, &cfg, &g, v);
}

static bool has(const struct vmcs01 *v, u32 field)
{
	return vmcs01_get(v, field, 0xdeadbeefdeadbeefULL) !=
	       0xdeadbeefdeadbeefULL;
}

/* Control values must obey allowed-0/allowed-1 of the governing MSR. */
static void check_ctls_legal(const struct vmx_caps *c, const struct vmcs01 *v)
{
	static const u32 fields[] = {
		PIN_BASED_VM_EXEC_CONTROL, CPU_BASED_VM_EXEC_CONTROL,
		SECONDARY_VM_EXEC_CONTROL, VM_EXIT_CONTROLS,
		VM_ENTRY_CONTROLS,
	};

	for (unsigned int i = 0; i < 5; i++) {
		u64 cap = vmx_ctl_msr(c, fields[i]);
		u32 val = (u32)vmcs01_get(v, fields[i], 0);

		CHECK_EQ(val & (u32)cap, (u32)cap);
		CHECK_EQ(val & ~(u32)(cap >> 32), 0);
	}
}

TEST(broadwell_builds_without_mbec)
{
	struct vmx_caps c = broadwell();
	struct vmcs01 v;

	REQUIRE(build(&c, &v) == 0);
	CHECK(!v.mbec);
	CHECK(v.vpid);
	CHECK(!(v.proc2 & SEC_MODE_BASED_EPT_EXEC));
	CHECK(v.proc2 & SEC_ENABLE_EPT);
	CHECK(v.proc2 & SEC_UNRESTRICTED_GUEST);
	CHECK(v.proc & CPU_USE_MSR_BITMAPS);
	CHECK(v.proc & CPU_ACTIVATE_SECONDARY);
	CHECK_EQ(vmcs01_get(&v, VMCS_VPID, 0), 1);
	CHECK_EQ(v.eptp, 0x200000 | EPTP_MT_WB | (3 << 3));
	CHECK_EQ(vmcs01_get(&v, EPT_POINTER, 0), v.eptp);
	CHECK_EQ(vmcs01_get(&v, VMCS_LINK_POINTER, 0), ~0ULL);
	check_ctls_legal(&c, &v);
}

TEST(tigerlake_enables_mbec)
{
	struct vmx_caps c = tigerlake();
	struct vmcs01 v;

	REQUIRE(build(&c, &v) == 0);
	CHECK(v.mbec);
	CHECK(v.proc2 & SEC_MODE_BASED_EPT_EXEC);
	CHECK(v.proc2 & SEC_ENABLE_EPT);
	check_ctls_legal(&c, &v);
}

TEST(mbec_needs_advanced_exit_info)
{
	struct vmx_caps c = tigerlake();
	struct vmcs01 v;

	c.ept_vpid_cap &= ~BIT(22);
	REQUIRE(build(&c, &v) == 0);
	CHECK(!v.mbec);
	CHECK(!(v.proc2 & SEC_MODE_BASED_EPT_EXEC));
	CHECK(!vmx_caps_mbec(&c));
}

TEST(advanced_info_alone_is_not_mbec)
{
	struct vmx_caps c = broadwell();
	struct vmcs01 v;

	c.ept_vpid_cap |= BIT(22);
	REQUIRE(build(&c, &v) == 0);
	CHECK(!v.mbec);
}

TEST(mbec_never_without_ept)
{
	struct vmx_caps c = tigerlake();

	c.procbased2 &= ~((u64)SEC_ENABLE_EPT << 32);
	CHECK(!vmx_caps_mbec(&c));
}

TEST(true_controls_clear_cr3_exiting)
{
	struct vmx_caps c = broadwell();
	struct vmcs01 v;

	REQUIRE(build(&c, &v) == 0);
	CHECK(!(v.proc & (CPU_CR3_LOAD_EXITING | CPU_CR3_STORE_EXITING)));
	/* Without them the default-1 CR3 exiting controls stay on. */
	c.basic &= ~BIT(55);
	REQUIRE(build(&c, &v) == 0);
	CHECK(v.proc & CPU_CR3_LOAD_EXITING);
	CHECK(v.proc & CPU_CR3_STORE_EXITING);
	check_ctls_legal(&c, &v);
}

TEST(ctl_msr_selects_true_variant)
{
	struct vmx_caps c = broadwell();

	CHECK_EQ(vmx_ctl_msr(&c, CPU_BASED_VM_EXEC_CONTROL), c.true_procbased);
	CHECK_EQ(vmx_ctl_msr(&c, VM_ENTRY_CONTROLS), c.true_entry);
	c.basic &= ~BIT(55);
	CHECK_EQ(vmx_ctl_msr(&c, CPU_BASED_VM_EXEC_CONTROL), c.procbased);
	CHECK_EQ(vmx_ctl_msr(&c, VM_EXIT_CONTROLS), c.exit);
	CHECK_EQ(vmx_ctl_msr(&c, SECONDARY_VM_EXEC_CONTROL), c.procbased2);
}

static void check_refusal(struct vmx_caps *c, const char *needle)
{
	struct vmcs01 v;

	CHECK_EQ(build(c, &v), -E_NOSUPP);
	CHECK_STR_CONTAINS(v.why, needle);
}

TEST(refuses_without_unrestricted_guest)
{
	struct vmx_caps c = tigerlake();

	c.procbased2 &= ~((u64)SEC_UNRESTRICTED_GUEST << 32);
	check_refusal(&c, "unrestricted guest");
	CHECK(!vmx_caps_unrestricted_guest(&c));
}

TEST(refuses_without_ept)
{
	struct vmx_caps c = broadwell();

	c.procbased2 &= ~((u64)SEC_ENABLE_EPT << 32);
	check_refusal(&c, "EPT");
}

TEST(refuses_without_secondary_controls)
{
	struct vmx_caps c = broadwell();

	c.true_procbased &= ~((u64)CPU_ACTIVATE_SECONDARY << 32);
	check_refusal(&c, "secondary");
	CHECK_EQ(vmx_ctl_msr(&c, SECONDARY_VM_EXEC_CONTROL), 0);
}

TEST(refuses_without_msr_bitmaps)
{
	struct vmx_caps c = broadwell();

	c.true_procbased &= ~((u64)CPU_USE_MSR_BITMAPS << 32);
	check_refusal(&c, "MSR bitmaps");
}

TEST(refuses_without_efer_switching)
{
	struct vmx_caps c = broadwell();

	c.true_exit &= ~((u64)EXIT_SAVE_IA32_EFER << 32);
	check_refusal(&c, "save IA32_EFER");
	c = broadwell();
	c.true_entry &= ~((u64)ENTRY_LOAD_IA32_EFER << 32);
	check_refusal(&c, "load IA32_EFER");
	c = broadwell();
	c.true_exit &= ~((u64)EXIT_HOST_ADDR_SPACE_SIZE << 32);
	check_refusal(&c, "64-bit host");
}

TEST(refuses_without_usable_eptp)
{
	struct vmx_caps c = broadwell();
	struct vmcs01 v;

	c.ept_vpid_cap &= ~BIT(6);
	check_refusal(&c, "4-level EPT");
	c = broadwell();
	c.ept_vpid_cap &= ~(BIT(8) | BIT(14));
	check_refusal(&c, "WB or UC");
	/* UC only: used. */
	c = broadwell();
	c.ept_vpid_cap &= ~BIT(14);
	REQUIRE(build(&c, &v) == 0);
	CHECK_EQ(v.eptp & 7, EPTP_MT_UC);
	CHECK_EQ(vmx_eptp(&c, 0x201000 | 0x10), 0);
}

TEST(vpid_optional)
{
	struct vmx_caps c = broadwell();
	struct vmcs01_config cfg = config();
	struct vmx_guest_init g = mb_state();
	struct vmcs01 v;

	c.procbased2 &= ~((u64)SEC_ENABLE_VPID << 32);
	REQUIRE(build(&c, &v) == 0);
	CHECK(!v.vpid);
	CHECK(!has(&v, VMCS_VPID));
	c = broadwell();
	cfg.vpid = 0;
	REQUIRE(vmcs01_build_init(&c, &cfg, &g, &v) == 0);
	CHECK(!v.vpid);
	CHECK(!(v.proc2 & SEC_ENABLE_VPID));
}

TEST(instructions_l1_expects_stay_enabled)
{
	struct vmx_caps c = broadwell();
	struct vmcs01 v;

	REQUIRE(build(&c, &v) == 0);
	CHECK(v.proc2 & SEC_ENABLE_RDTSCP);
	CHECK(v.proc2 & SEC_ENABLE_INVPCID);
	/* Not offered by this CPU: not requested (allowed-1 clear). */
	c.procbased2 &= ~((u64)SEC_ENABLE_RDTSCP << 32);
	REQUIRE(build(&c, &v) == 0);
	CHECK(!(v.proc2 & SEC_ENABLE_RDTSCP));
}

TEST(io_passes_through_by_default)
{
	struct vmx_caps c = broadwell();
	struct vmcs01_config cfg = config();
	struct vmx_guest_init g = mb_state();
	struct vmcs01 v;

	REQUIRE(build(&c, &v) == 0);
	CHECK(!(v.proc & (CPU_USE_IO_BITMAPS | CPU_UNCOND_IO_EXITING)));
	CHECK(!has(&v, IO_BITMAP_A));
	cfg.io_bitmap_a = 0x600000;
	cfg.io_bitmap_b = 0x601000;
	REQUIRE(vmcs01_build_init(&c, &cfg, &g, &v) == 0);
	CHECK(v.proc & CPU_USE_IO_BITMAPS);
	CHECK_EQ(vmcs01_get(&v, IO_BITMAP_B, 0), 0x601000);
	cfg.io_bitmap_b = 0;
	CHECK_EQ(vmcs01_build_init(&c, &cfg, &g, &v), -E_INVAL);
}

TEST(bad_config_is_refused)
{
	struct vmx_caps c = broadwell();
	struct vmcs01_config cfg = config();
	struct vmx_guest_init g = mb_state();
	struct vmcs01 v;

	cfg.msr_bitmap = 0;
	CHECK_EQ(vmcs01_build_init(&c, &cfg, &g, &v), -E_INVAL);
	CHECK(v.why != NULL);
	cfg = config();
	cfg.host.tr = 0;
	CHECK_EQ(vmcs01_build_init(&c, &cfg, &g, &v), -E_INVAL);
	cfg = config();
	cfg.host.cs = 0x0b;
	CHECK_EQ(vmcs01_build_init(&c, &cfg, &g, &v), -E_INVAL);
}

TEST(cr_masks_and_shadows_hide_vmxe)
{
	struct vmx_caps c = broadwell();
	struct vmcs01 v;

	REQUIRE(build(&c, &v) == 0);
	CHECK(v.cr4_mask & X86_CR4_VMXE);
	CHECK(vmcs01_get(&v, GUEST_CR4, 0) & X86_CR4_VMXE);
	CHECK(!(vmcs01_get(&v, CR4_READ_SHADOW, ~0ULL) & X86_CR4_VMXE));
	/* Unrestricted guest: PE and PG are L1's; NE is forced and owned. */
	CHECK(!(v.cr0_mask & (X86_CR0_PE | X86_CR0_PG)));
	CHECK(v.cr0_mask & X86_CR0_NE);
	CHECK_EQ(vmcs01_get(&v, GUEST_CR0, 0),
		 X86_CR0_PE | X86_CR0_ET | X86_CR0_NE);
	CHECK_EQ(vmcs01_get(&v, CR0_READ_SHADOW, 0), X86_CR0_PE | X86_CR0_ET);
	/* CR4 bits this CPU lacks are owned, so setting them exits. */
	CHECK(v.cr4_mask & BIT(22));
	CHECK(!vmx_cr4_guest_valid(&c, X86_CR4_VMXE, false));
	CHECK(vmx_cr4_guest_valid(&c, X86_CR4_VMXE, true));
	CHECK(!vmx_cr4_guest_valid(&c, BIT(22), false));
	CHECK(!vmx_cr4_guest_valid(&c, BIT(22) | X86_CR4_VMXE, true));
	CHECK(vmx_cr4_guest_valid(&c, X86_CR4_PAE | X86_CR4_PGE, false));
	CHECK_EQ(vmx_cr0_real(&c, X86_CR0_PG | X86_CR0_PE),
		 X86_CR0_PG | X86_CR0_PE | X86_CR0_NE);
}

TEST(long_mode_guest_sets_ia32e_entry)
{
	struct vmx_caps c = broadwell();
	struct vmcs01_config cfg = config();
	struct vmx_guest_init g = mb_state();
	struct vmcs01 v;

	REQUIRE(build(&c, &v) == 0);
	CHECK(!(v.entry_ctl & ENTRY_IA32E_MODE));
	g.efer = EFER_LME | EFER_LMA;
	g.cr0 |= X86_CR0_PG;
	g.cr4 = X86_CR4_PAE;
	REQUIRE(vmcs01_build_init(&c, &cfg, &g, &v) == 0);
	CHECK(v.entry_ctl & ENTRY_IA32E_MODE);
	CHECK_EQ(vmcs01_get(&v, GUEST_IA32_EFER, 0), EFER_LME | EFER_LMA);
}

/* Every field lands once, in the group its name says (SDM Vol. 3C 25.11.2). */
TEST(fields_unique_and_well_formed)
{
	struct vmx_caps c = tigerlake();
	struct vmcs01 v;

	REQUIRE(build(&c, &v) == 0);
	REQUIRE(v.n <= VMCS01_MAX_FIELDS);
	for (unsigned int i = 0; i < v.n; i++) {
		u32 f = v.f[i].field;

		CHECK_MSG(!(f & 1), "field %#x is a high-half access", f);
		CHECK_MSG(VMCS_FIELD_TYPE(f) != VMCS_TYPE_EXIT_INFO,
			  "field %#x is read-only", f);
		if (VMCS_FIELD_WIDTH(f) == VMCS_WIDTH_16)
			CHECK_MSG(v.f[i].value <= 0xffff, "field %#x", f);
		if (VMCS_FIELD_WIDTH(f) == VMCS_WIDTH_32)
			CHECK_MSG(v.f[i].value <= 0xffffffffULL, "field %#x",
				  f);
		for (unsigned int j = i + 1; j < v.n; j++)
			CHECK_MSG(v.f[j].field != f, "field %#x twice", f);
	}
	CHECK_EQ(VMCS_FIELD_TYPE(GUEST_RIP), VMCS_TYPE_GUEST);
	CHECK_EQ(VMCS_FIELD_TYPE(HOST_RIP), VMCS_TYPE_HOST);
	CHECK_EQ(VMCS_FIELD_WIDTH(EPT_POINTER), VMCS_WIDTH_64);
	CHECK_EQ(VMCS_FIELD_WIDTH(GUEST_CS_AR), VMCS_WIDTH_32);
	CHECK_EQ(VMCS_FIELD_TYPE(VM_EXIT_REASON), VMCS_TYPE_EXIT_INFO);
	CHECK(has(&v, HOST_RSP) && has(&v, GUEST_TR_AR) && has(&v, GUEST_DR7));
}

/* adjust: allowed-0 forces, allowed-1 drops, missing names the rest. */
TEST(adjust_ctl_random)
{
	u64 seed = 0x9e3779b97f4a7c15ULL;

	for (int i = 0; i < 100000; i++) {
		u32 out, missing, req, want, must1, may1;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		may1 = (u32)(seed >> 32);
		must1 = (u32)seed & may1;
		req = (u32)(seed >> 17);
		want = (u32)(seed >> 9);
		missing = vmx_adjust_ctl(((u64)may1 << 32) | must1, req, want,
					 &out);
		REQUIRE((out & must1) == must1);
		REQUIRE((out & ~may1) == 0);
		REQUIRE(missing == (req & ~may1));
		REQUIRE((out & (req | want) & may1) == ((req | want) & may1));
	}
}

/* The MSRs VMCS01's bitmap must intercept, written out independently of
 * hv/msr_policy.c (docs/isolation.md): the VMX ones, the MTRRs, SMRR. */
static bool vmx_expected(u32 msr)
{
	return msr == MSR_IA32_FEATURE_CONTROL ||
	       (msr >= 0x480 && msr <= 0x493) || msr == 0xfe ||
	       (msr >= 0x200 && msr <= 0x24f) || msr == 0x250 || msr == 0x258 ||
	       msr == 0x259 || (msr >= 0x268 && msr <= 0x26f) || msr == 0x2ff ||
	       msr == 0x1f2 || msr == 0x1f3 || msr == 0x1b || msr == 0x1a0;
}

TEST(msr_bitmap_intercepts_exactly_the_policy)
{
	static u8 bm[4096];
	static const u32 bases[] = { 0, 0xc0000000 };
	unsigned int bits = 0, expected = 0;

	vmx_msr_bitmap_init(bm);
	for (unsigned int b = 0; b < 2; b++) {
		for (u32 msr = bases[b]; msr <= bases[b] + 0x1fff; msr++) {
			for (int w = 0; w < 2; w++) {
				bool want = vmx_expected(msr);

				CHECK_MSG(vmx_msr_bitmap_intercepts(bm, msr,
								    w) == want,
					  "msr %#x write %d", msr, w);
				expected += want;
			}
		}
	}
	/* PAT and DEBUGCTL: VMCS01 switches them (entry/exit controls). */
	CHECK(!vmx_msr_bitmap_intercepts(bm, 0x277, true));
	CHECK(!vmx_msr_bitmap_intercepts(bm, 0x1d9, true));
	CHECK(!vmx_msr_bitmap_intercepts(bm, MSR_EFER, true));
	/* Outside both ranges VMX always exits (SYSCFG, TOP_MEM...). */
	CHECK(vmx_msr_bitmap_intercepts(bm, 0x2000, false));
	CHECK(vmx_msr_bitmap_intercepts(bm, 0xc0010010, true));
	for (unsigned int i = 0; i < sizeof(bm); i++)
		bits += __builtin_popcount(bm[i]);
	CHECK_EQ(bits, expected);
	CHECK_EQ(expected, 2 * (1 + 20 + 1 + 0x50 + 3 + 8 + 1 + 2 + 1 + 1));
}

TEST(vmcs01_switches_pat_and_debugctl)
{
	struct vmx_caps c = broadwell();
	struct vmcs01 v;

	/* SDM Vol. 3C 25.7.1, 25.8.1: PAT saved and loaded on exit, loaded
	 * on entry; DEBUGCTL saved on exit and loaded on entry. */
	REQUIRE(build(&c, &v) == 0);
	CHECK(v.exit_ctl & EXIT_SAVE_IA32_PAT);
	CHECK(v.exit_ctl & EXIT_LOAD_IA32_PAT);
	CHECK(v.entry_ctl & ENTRY_LOAD_IA32_PAT);
	CHECK(v.exit_ctl & EXIT_SAVE_DEBUG_CTLS);
	CHECK(v.entry_ctl & ENTRY_LOAD_DEBUG_CTLS);
	CHECK_EQ(vmcs01_get(&v, HOST_IA32_PAT, 0), config().host.pat);
}

TEST(caps_missing_names_first_gap)
{
	struct vmx_caps c = broadwell();

	CHECK(vmx_caps_missing(&c) == NULL);
	c = tigerlake();
	CHECK(vmx_caps_missing(&c) == NULL);
	c.procbased2 &= ~((u64)SEC_UNRESTRICTED_GUEST << 32);
	CHECK_STR_CONTAINS(vmx_caps_missing(&c), "unrestricted guest");
	c = broadwell();
	c.true_procbased &= ~((u64)CPU_ACTIVATE_SECONDARY << 32);
	CHECK_STR_CONTAINS(vmx_caps_missing(&c), "secondary");
	c = broadwell();
	c.ept_vpid_cap = 0;
	CHECK_STR_CONTAINS(vmx_caps_missing(&c), "4-level EPT");
	/* No VPID and no MBEC are not refusals. */
	c = broadwell();
	c.procbased2 &= ~((u64)SEC_ENABLE_VPID << 32);
	CHECK(vmx_caps_missing(&c) == NULL);
}

TEST(ept_format_follows_caps_and_mbec_decision)
{
	struct vmx_caps c = broadwell();
	u32 fl = vmx_ept_format_flags(&c);

	CHECK(!(fl & PTF_MBEC));
	CHECK(fl & PTF_EXEC_ONLY);
	CHECK(fl & PTF_1G);
	CHECK(!(fl & PTF_NO_2M));
	CHECK(!(fl & PTF_AD));
	c = tigerlake();
	CHECK(vmx_ept_format_flags(&c) & PTF_MBEC);
	c.ept_vpid_cap &= ~(BIT(22) | BIT(0) | BIT(16) | BIT(17));
	fl = vmx_ept_format_flags(&c);
	CHECK(!(fl & (PTF_MBEC | PTF_EXEC_ONLY | PTF_1G)));
	CHECK(fl & PTF_NO_2M);
}

/* What hv/loader's loader_initial_state() produces for a multiboot2 L1. */
static struct boot_cpu_state mb2_boot_state(void)
{
	struct boot_seg data = { BOOT_SEL_DATA, BOOT_AR_DATA32, 0xffffffffu,
				 0 };

	return (struct boot_cpu_state){
		.rip = 0x100000,
		.rax = LOADER_MB2_MAGIC,
		.rbx = 0x9000,
		.rflags = 2,
		.cr0 = X86_CR0_PE | X86_CR0_ET,
		.cs = { BOOT_SEL_CODE, BOOT_AR_CODE32, 0xffffffffu, 0 },
		.ds = data,
		.es = data,
		.fs = data,
		.gs = data,
		.ss = data,
		.tr = { 0, BOOT_AR_TSS32_BUSY, 0xffff, 0 },
		.gdtr = { 0x8000, LOADER_GDT_SIZE - 1 },
	};
}

TEST(boot_state_translates_to_vmcs)
{
	struct vmx_caps c = broadwell();
	struct vmcs01_config cfg = config();
	struct boot_cpu_state s = mb2_boot_state();
	struct vmx_guest_init g;
	struct guest_regs r;
	struct vmcs01 v;

	REQUIRE(vmx_guest_init_from_boot(&s, &g, &r) == 0);
	CHECK_EQ(r.rax, LOADER_MB2_MAGIC);
	CHECK_EQ(r.rbx, 0x9000);
	CHECK_EQ(r.rip, 0x100000);
	CHECK_EQ(g.cs.ar, BOOT_AR_CODE32);
	CHECK_EQ(g.ldtr.ar, VMX_AR_UNUSABLE);
	REQUIRE(vmcs01_build(&c, &cfg, &s, &v) == 0);
	CHECK_EQ(vmcs01_get(&v, GUEST_CS_SELECTOR, 0), BOOT_SEL_CODE);
	CHECK_EQ(vmcs01_get(&v, GUEST_SS_AR, 0), BOOT_AR_DATA32);
	CHECK_EQ(vmcs01_get(&v, GUEST_TR_AR, 0), BOOT_AR_TSS32_BUSY);
	CHECK_EQ(vmcs01_get(&v, GUEST_LDTR_AR, 0), VMX_AR_UNUSABLE);
	CHECK_EQ(vmcs01_get(&v, GUEST_GDTR_BASE, 0), 0x8000);
	CHECK_EQ(vmcs01_get(&v, GUEST_RIP, 0), 0x100000);
	/* Paging off under unrestricted guest: PG stays clear. */
	CHECK(!(vmcs01_get(&v, GUEST_CR0, 0) & X86_CR0_PG));
	CHECK(!(v.entry_ctl & ENTRY_IA32E_MODE));
}

TEST(boot_state_null_tr_becomes_busy_tss)
{
	struct boot_cpu_state s = mb2_boot_state();
	struct vmx_guest_init g;
	struct guest_regs r;

	s.tr = (struct boot_seg){ 0 };
	REQUIRE(vmx_guest_init_from_boot(&s, &g, &r) == 0);
	CHECK_EQ(g.tr.ar & 0x9f, 0x8b);
	CHECK(!(g.tr.ar & VMX_AR_UNUSABLE));
}

/* An AP's INIT state (SDM Vol. 3A table 10-1) and its SIPI state enter
 * as unrestricted-guest real mode, outside IA-32e mode. */
TEST(init_and_sipi_states_to_vmcs)
{
	struct vmx_caps c = broadwell();
	struct vmcs01_config cfg = config();
	struct boot_cpu_state s;
	struct vmx_guest_init g;
	struct guest_regs r;
	struct vmcs01 v;

	loader_init_state(&s, LOADER_POWERUP_CR0, 0x306d4);
	REQUIRE(vmx_guest_init_from_boot(&s, &g, &r) == 0);
	CHECK_EQ(g.cs.ar, 0x9b);
	CHECK_EQ(g.tr.ar, 0x8b);
	CHECK_EQ(g.ldtr.ar, 0x82);
	CHECK_EQ(r.rdx, 0x306d4);
	REQUIRE(vmcs01_build(&c, &cfg, &s, &v) == 0);
	CHECK_EQ(vmcs01_get(&v, GUEST_CS_BASE, 0), 0xffff0000);
	CHECK_EQ(vmcs01_get(&v, GUEST_RIP, 0), 0xfff0);
	CHECK(!(vmcs01_get(&v, VM_ENTRY_CONTROLS, 0) & ENTRY_IA32E_MODE));
	CHECK_EQ(vmcs01_get(&v, CR0_READ_SHADOW, 0), 0x60000010);
	loader_sipi_state(&s, 0x9f);
	REQUIRE(vmcs01_build(&c, &cfg, &s, &v) == 0);
	CHECK_EQ(vmcs01_get(&v, GUEST_CS_SELECTOR, 0), 0x9f00);
	CHECK_EQ(vmcs01_get(&v, GUEST_CS_BASE, 0), 0x9f000);
	CHECK_EQ(vmcs01_get(&v, GUEST_RIP, ~0ULL), 0);
}

TEST(boot_state_refusals)
{
	struct vmx_caps c = broadwell();
	struct vmcs01_config cfg = config();
	struct boot_cpu_state s = mb2_boot_state();
	struct vmx_guest_init g;
	struct guest_regs r;
	struct vmcs01 v;

	s.cs.ar = 0;
	CHECK_EQ(vmx_guest_init_from_boot(&s, &g, &r), -E_INVAL);
	CHECK_EQ(vmcs01_build(&c, &cfg, &s, &v), -E_INVAL);
	CHECK_STR_CONTAINS(v.why, "boot CPU state");
	s = mb2_boot_state();
	s.cs.ar = 0x1b; /* not present */
	CHECK_EQ(vmx_guest_init_from_boot(&s, &g, &r), -E_INVAL);
	s = mb2_boot_state();
	s.cr4 = X86_CR4_VMXE;
	CHECK_EQ(vmx_guest_init_from_boot(&s, &g, &r), -E_INVAL);
	s = mb2_boot_state();
	s.tr.ar = 0x89; /* available, not busy */
	CHECK_EQ(vmx_guest_init_from_boot(&s, &g, &r), -E_INVAL);
}
