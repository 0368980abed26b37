// SPDX-License-Identifier: MIT
/*
 * VM-exit decoding into struct exit_info, the CR0/CR3/CR4 accesses that
 * only exist because of VMX's guest/host masks (emulated here), event
 * injection, and reports of failed VM entries and of the guest state.
 * Context: exit path, interrupts off, VMCS01 current.
 */
#include "vmx/vmx.h"

#define LOG_PREFIX "vmx"
#include "hv/exits.h"
#include "hv/include/compiler.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/log.h"
#include "hv/stats.h"
#include "vmx/vmcs_fields.h"
#include "vmx/vmx_asm.h"

#define X86_CR0_TS BIT(3)
#define GP_VECTOR 13

/*
 * A vectoring VM entry leaves no blocking by STI or MOV SS behind (SDM
 * Vol. 3C 27.7.1), but its checks still demand pending BS when such
 * blocking is recorded with RFLAGS.TF set (27.3.1.5), which the exit saves
 * as implementation-specific (28.3.4): clear the blocking, so that a fault
 * Modex injects for an instruction in an STI or MOV SS shadow enters.
 */
void vmx_inject_exception(struct vcpu *v, u8 vector, bool has_error,
			  u32 error_code)
{
	u32 info = INTR_INFO_VALID | INTR_TYPE_HW_EXCEPTION | vector;

	vmx_clear_interrupt_shadow(v);

	/* SDM Vol. 3C 27.2.1.3: no error code in real mode (unrestricted
	 * guest with CR0.PE=0). */
	if (has_error && (vmread(GUEST_CR0) & X86_CR0_PE)) {
		info |= INTR_INFO_DELIVER_CODE;
		vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE, error_code);
	}
	(void)v;
	vmwrite(VM_ENTRY_INTR_INFO, info);
}

/* SDM Vol. 3C 25.4.2 table 25-3: bit 0 blocking by STI, bit 1 by MOV SS. */
void vmx_clear_interrupt_shadow(struct vcpu *v)
{
	u64 intr = vmread(GUEST_INTERRUPTIBILITY);

	(void)v;
	if (intr & (INTR_BLOCK_STI | INTR_BLOCK_MOV_SS))
		vmwrite(GUEST_INTERRUPTIBILITY,
			intr & ~(u64)(INTR_BLOCK_STI | INTR_BLOCK_MOV_SS));
}

/*
 * BS in the guest's pending debug exceptions (SDM Vol. 3C 25.4.2 table
 * 25-4): a non-vectoring VM entry delivers the #DB before L1's first
 * instruction, with the priority of a trap on the previous instruction,
 * and the CPU updates DR6 as for any #DB (27.7.3). VMX does not switch
 * DR6, so only the CPU can set BS in L1's DR6 this way. The exit saved the
 * field clear, or with what MOV SS blocking held pending (28.3.4): those
 * bits stay. A vectoring entry (an event injected at the same entry)
 * ignores the field: the event was first, the trap is lost (27.7.3).
 */
void vmx_queue_single_step(struct vcpu *v)
{
	(void)v;
	vmwrite(GUEST_PENDING_DBG_EXCEPTIONS,
		vmread(GUEST_PENDING_DBG_EXCEPTIONS) | PENDING_DBG_BS);
}

/* CS access rights (SDM Vol. 3C 25.4.1): L is bit 13, D/B bit 14. */
unsigned int vmx_code_bits(struct vcpu *v)
{
	u64 ar = vmread(GUEST_CS_AR);

	(void)v;
	if ((vmread(GUEST_IA32_EFER) & EFER_LMA) && (ar & BIT(13)))
		return 64;
	return (ar & BIT(14)) ? 32 : 16;
}

/* Saved on every exit: "save debug controls" is a default-1 exit control
 * (SDM Vol. 3D A.4). */
u64 vmx_read_debugctl(struct vcpu *v)
{
	(void)v;
	return vmread(GUEST_IA32_DEBUGCTL);
}

/* Exit-qualification register numbers (SDM Vol. 3C table 28-3). */
static u64 *gpr(struct vcpu *v, unsigned int n)
{
	return guest_gpr(&v->regs, n);
}

static bool long_mode_64bit(void)
{
	return (vmread(GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmread(GUEST_CS_AR) & BIT(13));
}

/*
 * L1 changed CR0.PG while a masked bit exited the write: do what the CPU
 * would have done to EFER.LMA (SDM Vol. 3A 10.8.5) and keep the
 * "IA-32e mode guest" entry control equal to it (SDM Vol. 3C 27.3.1.1).
 * Unexited PG changes need nothing: VM exits store EFER.LMA into that
 * control on every CPU with unrestricted guest (SDM Vol. 3D A.6, MISC
 * bit 5).
 */
static void update_lma(u64 old_cr0, u64 new_cr0)
{
	u64 efer = vmread(GUEST_IA32_EFER);
	u64 entry = vmread(VM_ENTRY_CONTROLS);

	if (!((old_cr0 ^ new_cr0) & X86_CR0_PG) || !(efer & EFER_LME))
		return;
	if (new_cr0 & X86_CR0_PG) {
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E_MODE;
	} else {
		efer &= ~EFER_LMA;
		entry &= ~ENTRY_IA32E_MODE;
	}
	vmwrite(GUEST_IA32_EFER, efer);
	vmwrite(VM_ENTRY_CONTROLS, entry);
}

/* MOV to CR0 checks (SDM Vol. 3B MOV--Move to/from Control Registers). */
static bool guest_write_cr0(struct vcpu *v, u64 val)
{
	const struct vmx_caps *c = &to_vmx(v)->caps;
	/* L1's CR0 and CR4 as it reads them: the shadows hold only the
	 * masked bits (PG, PAE and others change without an exit). */
	u64 old =
		vmx_cr_l1_view(GUEST_CR0, CR0_READ_SHADOW, CR0_GUEST_HOST_MASK);
	u64 cr4 =
		vmx_cr_l1_view(GUEST_CR4, CR4_READ_SHADOW, CR4_GUEST_HOST_MASK);

	if ((val >> 32) || ((val & X86_CR0_PG) && !(val & X86_CR0_PE)) ||
	    ((val & X86_CR0_NW) && !(val & X86_CR0_CD)))
		return false;
	if ((val & X86_CR0_PG) && !(old & X86_CR0_PG) &&
	    (vmread(GUEST_IA32_EFER) & EFER_LME) && !(cr4 & X86_CR4_PAE))
		return false;
	update_lma(vmread(GUEST_CR0), val);
	vmwrite(CR0_READ_SHADOW, val);
	vmwrite(GUEST_CR0, vmx_cr0_real(c, val));
	return true;
}

static bool guest_write_cr4(struct vcpu *v, u64 val)
{
	const struct vmx_caps *c = &to_vmx(v)->caps;

	/* VMXE: #GP where L1 is offered no VMX, as on a CPU without it;
	 * clearing it in VMX operation is #GP (SDM Vol. 3C 24.8). */
	if (!vmx_cr4_guest_valid(c, val, nested_on()))
		return false;
	if (!(val & X86_CR4_VMXE) && v->nested.l1_vmx_operation)
		return false;
	if ((vmread(GUEST_IA32_EFER) & EFER_LMA) && !(val & X86_CR4_PAE))
		return false;
	vmwrite(CR4_READ_SHADOW, val);
	vmwrite(GUEST_CR4, vmx_cr4_real(c, val));
	return true;
}

/*
 * Only CPUs without TRUE controls force CR3-load exiting (SDM Vol. 3D A.3.2
 * default-1 bits). MOV to CR3 flushes L1's non-global translations (SDM
 * Vol. 3A 4.10.4.1); flushing all of them is a correct superset.
 */
static void emulate_mov_to_cr3(struct vcpu *v, u64 val)
{
	vmwrite(GUEST_CR3, val & ~BIT(63));
	vmx_flush_tlb(v);
}

/* CR-access exit (SDM Vol. 3C table 28-3). True when handled. */
static bool handle_cr(struct vcpu *v, u64 qual)
{
	unsigned int cr = qual & 15, type = (qual >> 4) & 3;
	u64 *reg = gpr(v, (qual >> 8) & 15), val = *reg, cr0;
	bool ok = true;

	if (!long_mode_64bit())
		val = (u32)val;
	switch (type) {
	case 0: /* MOV to CR */
		if (cr == 0)
			ok = guest_write_cr0(v, val);
		else if (cr == 4)
			ok = guest_write_cr4(v, val);
		else if (cr == 3)
			emulate_mov_to_cr3(v, val);
		else
			return false;
		break;
	case 1: /* MOV from CR: only CR3 (legacy default-1 CR3 exiting) */
		if (cr != 3)
			return false;
		*reg = vmread(GUEST_CR3);
		break;
	case 2: /* CLTS */
		cr0 = vmx_cr_l1_view(GUEST_CR0, CR0_READ_SHADOW,
				     CR0_GUEST_HOST_MASK) &
		      ~X86_CR0_TS;
		ok = guest_write_cr0(v, cr0);
		break;
	default: /* LMSW loads bits 3:0 and cannot clear PE. */
		cr0 = vmx_cr_l1_view(GUEST_CR0, CR0_READ_SHADOW,
				     CR0_GUEST_HOST_MASK);
		val = (qual >> 16) & 0xf;
		ok = guest_write_cr0(v, (cr0 & ~0xeULL) | val |
						(cr0 & X86_CR0_PE));
		break;
	}
	if (ok)
		vcpu_retire_insn(v, vmread(VM_EXIT_INSTRUCTION_LEN));
	else
		vmx_inject_exception(v, GP_VECTOR, true, 0);
	return true;
}

/*
 * An exit during event delivery leaves the event in the IDT-vectoring
 * information (SDM Vol. 3C 28.2.4); re-inject it or L1 loses it (SDM Vol.
 * 3C 29.2.1.1 recommends exactly this). A handler that injects another
 * event afterwards replaces it.
 */
static void requeue_event(void)
{
	u32 info = vmread(IDT_VECTORING_INFO), type = (info >> 8) & 7;

	if (!(info & INTR_INFO_VALID))
		return;
	vmwrite(VM_ENTRY_INTR_INFO, info & (INTR_INFO_VALID | 0xfff));
	if (info & INTR_INFO_DELIVER_CODE)
		vmwrite(VM_ENTRY_EXCEPTION_ERROR_CODE,
			vmread(IDT_VECTORING_ERROR_CODE));
	/* Software interrupts and exceptions need their length back. */
	if (type == 4 || type == 5 || type == 6)
		vmwrite(VM_ENTRY_INSTRUCTION_LEN,
			vmread(VM_EXIT_INSTRUCTION_LEN));
}

static void decode_ept_violation(struct exit_info *e)
{
	/* Bit 12: the fault hit an IRET that had unblocked NMIs; restore the
	 * blocking (SDM Vol. 3C 28.2.3) unless an event is being re-sent. */
	if ((e->qual & BIT(12)) &&
	    !(vmread(IDT_VECTORING_INFO) & INTR_INFO_VALID))
		vmwrite(GUEST_INTERRUPTIBILITY,
			vmread(GUEST_INTERRUPTIBILITY) | BIT(3));
	requeue_event();
	/* SDM Vol. 3C 28.2.1 table 28-7; bits 3-6, 9-11 stay in e->qual. */
	e->reason = EXIT_R_NPF;
	e->npf.gpa = vmread(GUEST_PHYSICAL_ADDRESS);
	e->info2 = e->npf.gpa;
	e->npf.access =
		e->qual & (EPT_QUAL_READ | EPT_QUAL_WRITE | EPT_QUAL_FETCH);
	e->npf.gla_valid = e->qual & EPT_QUAL_GLA_VALID;
	e->npf.final_translation =
		e->npf.gla_valid && (e->qual & EPT_QUAL_FINAL);
	e->npf.event_delivery = vmread(IDT_VECTORING_INFO) & INTR_INFO_VALID;
	if (e->npf.gla_valid)
		e->npf.gla = vmread(GUEST_LINEAR_ADDRESS);
}

static void decode_io(struct exit_info *e)
{
	/* SDM Vol. 3C table 28-5. */
	e->reason = EXIT_R_IO;
	e->io.size = (e->qual & 7) + 1;
	e->io.in = e->qual & BIT(3);
	e->io.string = e->qual & BIT(4);
	e->io.rep = e->qual & BIT(5);
	e->io.port = (e->qual >> 16) & 0xffff;
}

static void decode_exception(struct exit_info *e)
{
	u32 info = vmread(VM_EXIT_INTR_INFO);

	requeue_event();
	/* SDM Vol. 3C 25.9.2: type 2 is an NMI. */
	e->reason = ((info >> 8) & 7) == 2 ? EXIT_R_NMI : EXIT_R_EXCEPTION;
	e->exc.vector = info & 0xff;
	e->exc.has_error = info & INTR_INFO_DELIVER_CODE;
	if (e->exc.has_error)
		e->exc.error_code = vmread(VM_EXIT_INTR_ERROR_CODE);
}

/* Exits that need no decoding beyond their reason (SDM Vol. 3D C). */
static const u8 simple_reasons[] = {
	[EXIT_REASON_EXTERNAL_INTR] = EXIT_R_INTR,
	[EXIT_REASON_TRIPLE_FAULT] = EXIT_R_TRIPLE_FAULT,
	[EXIT_REASON_INIT] = EXIT_R_INIT,
	[EXIT_REASON_SIPI] = EXIT_R_SIPI,
	[EXIT_REASON_CPUID] = EXIT_R_CPUID,
	[EXIT_REASON_GETSEC] = EXIT_R_VIRT_INSN,
	[EXIT_REASON_HLT] = EXIT_R_HLT,
	[EXIT_REASON_INVD] = EXIT_R_INVD,
	[EXIT_REASON_VMCALL] = EXIT_R_HYPERCALL,
	[EXIT_REASON_VMCLEAR... EXIT_REASON_VMXON] = EXIT_R_VIRT_INSN,
	[EXIT_REASON_EPT_MISCONFIG] = EXIT_R_EPT_MISCONFIG,
	[EXIT_REASON_INVEPT] = EXIT_R_VIRT_INSN,
	[EXIT_REASON_INVVPID] = EXIT_R_VIRT_INSN,
	[EXIT_REASON_XSETBV] = EXIT_R_XSETBV,
	[EXIT_REASON_VMFUNC] = EXIT_R_VIRT_INSN,
};
_Static_assert(EXIT_R_COUNT <= 256, "simple_reasons holds u8");

static enum exit_reason simple_reason(u32 basic)
{
	if (basic < ARRAY_SIZE(simple_reasons))
		return simple_reasons[basic];
	return EXIT_R_UNKNOWN;
}

/* Exits that report an instruction length (SDM Vol. 3C 28.2.5). */
static bool has_insn_len(enum exit_reason r)
{
	return r == EXIT_R_CPUID || r == EXIT_R_HYPERCALL ||
	       r == EXIT_R_MSR_READ || r == EXIT_R_MSR_WRITE ||
	       r == EXIT_R_XSETBV || r == EXIT_R_VIRT_INSN || r == EXIT_R_HLT ||
	       r == EXIT_R_INVD || r == EXIT_R_IO || r == EXIT_R_CR_ACCESS;
}

static void report_entry_failure(struct vcpu *v, u32 raw);

bool vmx_decode_exit(struct vcpu *v)
{
	struct exit_info *e = &v->exit;
	u32 raw = vmread(VM_EXIT_REASON), basic = raw & 0xffff;

	*e = (struct exit_info){ 0 };
	e->hw_reason = basic;
	e->qual = vmread(EXIT_QUALIFICATION);
	if (raw & EXIT_REASON_ENTRY_FAILED) {
		/* vmcs02's guest state is vmcs12's: L1 gets the failure
		 * (nested/nvmx_entry.c), Modex reports only its own. */
		e->reason = EXIT_R_ENTRY_FAIL;
		if (!v->nested.guest_mode)
			report_entry_failure(v, raw);
		return false;
	}
	switch (basic) {
	case EXIT_REASON_CR_ACCESS:
		e->reason = EXIT_R_CR_ACCESS;
		e->cr.cr = e->qual & 15;
		e->cr.write = !((e->qual >> 4) & 3);
		/* L2's CR exits are L1's (vmcs02 takes vmcs12's masks). */
		if (!v->nested.guest_mode && handle_cr(v, e->qual)) {
			/* Handled here; still counted (at the exit's RIP),
			 * so exit figures stay whole. */
			stats_record(&v->stats, EXIT_R_CR_ACCESS,
				     vmread(VM_EXIT_INSTRUCTION_LEN),
				     vmread(GUEST_RIP), e->qual);
			return true;
		}
		break;
	case EXIT_REASON_RDMSR:
	case EXIT_REASON_WRMSR:
		e->reason = basic == EXIT_REASON_RDMSR ? EXIT_R_MSR_READ :
							 EXIT_R_MSR_WRITE;
		e->msr.msr = (u32)v->regs.rcx;
		break;
	case EXIT_REASON_EPT_VIOLATION:
		decode_ept_violation(e);
		break;
	case EXIT_REASON_EPT_MISCONFIG:
		requeue_event();
		e->reason = EXIT_R_EPT_MISCONFIG;
		e->info2 = vmread(GUEST_PHYSICAL_ADDRESS);
		e->npf.gpa = e->info2;
		break;
	case EXIT_REASON_IO:
		decode_io(e);
		break;
	case EXIT_REASON_EXCEPTION_NMI:
		decode_exception(e);
		break;
	default:
		e->reason = simple_reason(basic);
	}
	if (has_insn_len(e->reason))
		e->insn_len = vmread(VM_EXIT_INSTRUCTION_LEN);
	return false;
}

/* VM-instruction error numbers (SDM Vol. 3C 31.4, table 31-1). */
static const char *const vm_insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[26] = "VM entry with events blocked by MOV SS",
};

static const char *vm_insn_error_str(u64 err)
{
	if (err < ARRAY_SIZE(vm_insn_errors) && vm_insn_errors[err])
		return vm_insn_errors[err];
	return "see SDM Vol. 3C table 31-1";
}

static const u32 control_fields[] = {
	PIN_BASED_VM_EXEC_CONTROL,
	CPU_BASED_VM_EXEC_CONTROL,
	SECONDARY_VM_EXEC_CONTROL,
	VM_EXIT_CONTROLS,
	VM_ENTRY_CONTROLS,
	EXCEPTION_BITMAP,
	EPT_POINTER,
	VMCS_VPID,
	MSR_BITMAP,
	CR0_GUEST_HOST_MASK,
	CR4_GUEST_HOST_MASK,
	VM_ENTRY_INTR_INFO,
	VM_ENTRY_EXCEPTION_ERROR_CODE,
};

static const u32 host_fields[] = {
	HOST_CR0,	  HOST_CR3,	    HOST_CR4,	      HOST_CS_SELECTOR,
	HOST_SS_SELECTOR, HOST_DS_SELECTOR, HOST_ES_SELECTOR, HOST_FS_SELECTOR,
	HOST_GS_SELECTOR, HOST_TR_SELECTOR, HOST_TR_BASE,     HOST_GDTR_BASE,
	HOST_IDTR_BASE,	  HOST_FS_BASE,	    HOST_GS_BASE,     HOST_IA32_EFER,
	HOST_IA32_PAT,	  HOST_RIP,	    HOST_RSP,
};

static void print_fields(const char *what, const u32 *f, unsigned int n)
{
	log_err("%s fields:", what);
	for (unsigned int i = 0; i < n; i++)
		log_err("  field %#06x = %#lx", f[i], vmread(f[i]));
}

void vmx_report_vmfail(struct vcpu *v, int status)
{
	u64 err = status == VMX_FAIL_VALID ? vmread(VM_INSTRUCTION_ERROR) : 0;

	memset(&v->exit, 0, sizeof(v->exit));
	v->exit.reason = EXIT_R_ENTRY_FAIL;
	v->exit.qual = err;
	v->exit.info2 = (u64)status; /* VMX_FAIL_*: no VM exit happened */
	/* VMLAUNCH/VMRESUME of vmcs02: nested/nvmx_entry.c answers L1. */
	if (v->nested.guest_mode)
		return;
	if (status != VMX_FAIL_VALID) {
		log_err("VM entry failed: VMfailInvalid (no current VMCS).");
		return;
	}
	log_err("VM entry failed: VM-instruction error %lu (%s).", err,
		vm_insn_error_str(err));
	if (err == 7)
		print_fields("control", control_fields,
			     ARRAY_SIZE(control_fields));
	else if (err == 8)
		print_fields("host-state", host_fields,
			     ARRAY_SIZE(host_fields));
	vmx_dump(v);
}

/* Exit reason bit 31 (SDM Vol. 3C 27.8): guest state, MSR loading or a
 * machine check made the entry fail after the checks on controls/host. */
static void report_entry_failure(struct vcpu *v, u32 raw)
{
	static const char *const quals[] = {
		"unspecified",
		"reserved",
		"PDPTE loading",
		"NMI injection",
		"invalid VMCS link pointer",
	};
	u64 q = v->exit.qual;

	v->exit.reason = EXIT_R_ENTRY_FAIL;
	log_err("VM entry failed: exit reason %#x (basic %u: %s), qualification %lu (%s).",
		raw, raw & 0xffff,
		(raw & 0xffff) == EXIT_REASON_INVALID_STATE ?
			"invalid guest state" :
		(raw & 0xffff) == EXIT_REASON_MSR_LOADING ? "MSR loading" :
		(raw & 0xffff) == EXIT_REASON_MCE_DURING_ENTRY ?
							    "machine check" :
							    "other",
		q, q < ARRAY_SIZE(quals) ? quals[q] : "reserved");
	vmx_dump(v);
}

static void dump_seg(const char *name, u32 sel_field)
{
	u32 idx = sel_field - GUEST_ES_SELECTOR;

	log_err("  %s sel=%#06lx base=%#lx limit=%#lx ar=%#lx", name,
		vmread(sel_field), vmread(GUEST_ES_BASE + idx),
		vmread(GUEST_ES_LIMIT + idx), vmread(GUEST_ES_AR + idx));
}

/* Everything needed to tell why L1 stopped or why an entry failed. */
void vmx_dump(struct vcpu *v)
{
	const struct guest_regs *r = &v->regs;

	log_err("L1 guest state (VMCS01):");
	log_err("  rip=%#lx rsp=%#lx rflags=%#lx", vmread(GUEST_RIP),
		vmread(GUEST_RSP), vmread(GUEST_RFLAGS));
	log_err("  rax=%#lx rbx=%#lx rcx=%#lx rdx=%#lx", r->rax, r->rbx, r->rcx,
		r->rdx);
	log_err("  rsi=%#lx rdi=%#lx rbp=%#lx r8=%#lx", r->rsi, r->rdi, r->rbp,
		r->r8);
	log_err("  r9=%#lx r10=%#lx r11=%#lx r12=%#lx", r->r9, r->r10, r->r11,
		r->r12);
	log_err("  r13=%#lx r14=%#lx r15=%#lx", r->r13, r->r14, r->r15);
	log_err("  cr0=%#lx (L1 reads %#lx) cr3=%#lx cr4=%#lx (L1 reads %#lx) efer=%#lx",
		vmread(GUEST_CR0),
		vmx_cr_l1_view(GUEST_CR0, CR0_READ_SHADOW, CR0_GUEST_HOST_MASK),
		vmread(GUEST_CR3), vmread(GUEST_CR4),
		vmx_cr_l1_view(GUEST_CR4, CR4_READ_SHADOW, CR4_GUEST_HOST_MASK),
		vmread(GUEST_IA32_EFER));
	dump_seg("cs", GUEST_CS_SELECTOR);
	dump_seg("ss", GUEST_SS_SELECTOR);
	dump_seg("ds", GUEST_DS_SELECTOR);
	dump_seg("es", GUEST_ES_SELECTOR);
	dump_seg("fs", GUEST_FS_SELECTOR);
	dump_seg("gs", GUEST_GS_SELECTOR);
	dump_seg("tr", GUEST_TR_SELECTOR);
	dump_seg("ldtr", GUEST_LDTR_SELECTOR);
	log_err("  gdtr=%#lx/%#lx idtr=%#lx/%#lx", vmread(GUEST_GDTR_BASE),
		vmread(GUEST_GDTR_LIMIT), vmread(GUEST_IDTR_BASE),
		vmread(GUEST_IDTR_LIMIT));
	log_err("  activity=%lu interruptibility=%#lx entry-controls=%#lx idt-vectoring=%#lx",
		vmread(GUEST_ACTIVITY_STATE), vmread(GUEST_INTERRUPTIBILITY),
		vmread(VM_ENTRY_CONTROLS), vmread(IDT_VECTORING_INFO));
	log_err("  last exit: reason %#lx, qualification %#lx, exits so far %lu",
		vmread(VM_EXIT_REASON), vmread(EXIT_QUALIFICATION), v->exits);
}
