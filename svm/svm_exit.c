// SPDX-License-Identifier: MIT
/*
 * #VMEXIT decoding into struct exit_info, exception injection, lengths of
 * the instructions Modex emulates (NRIP, or decoded from L1's memory when
 * the CPU lacks NRIPS), and the guest state dump.
 * Context: exit path, interrupts off, GIF 0.
 */
#include "svm/svm.h"

#define LOG_PREFIX "svm"
#include "hv/console.h"
#include "hv/guest.h"
#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/insn_decode.h"
#include "hv/log.h"
#include "mm/gwalk.h"
#include "svm/svm_entry.h"
#include "svm/vmcb_build.h"

#define DB_VECTOR 1

void svm_inject_exception(struct vcpu *v, u8 vector, bool has_error,
			  u32 error_code)
{
	struct vmcb_control *c = &to_svm(v)->vmcb->ctl;

	/* APM Vol. 2 15.20: type 3 (exception); real mode has no error
	 * codes. */
	c->event_inj = EVENTINJ_VALID | EVENTINJ_TYPE_EXCEPTION | vector;
	if (has_error && (to_svm(v)->vmcb->save.cr0 & X86_CR0_PE)) {
		c->event_inj |= EVENTINJ_ERR_VALID;
		c->event_inj_err = error_code;
	}
}

/* APM Vol. 2 15.21.5: bit 0 of the VMCB interrupt state is the shadow. */
void svm_clear_interrupt_shadow(struct vcpu *v)
{
	to_svm(v)->vmcb->ctl.int_state &= ~1u;
}

/*
 * SVM has no pending-debug-exception state: inject the #DB (APM Vol. 2
 * 15.20, an exception, no error code) and set BS in the VMCB's DR6, which
 * VMRUN loads as L1's (15.5.1); injecting an event writes no debug
 * register (VMCB01 marks nothing clean, so the new DR6 is loaded: APM Vol.
 * 2 15.15). An event already queued for this entry (re-injected from
 * EXITINTINFO) was being delivered before the instruction could complete;
 * it stays, and no trap follows an instruction that did not run.
 */
void svm_queue_single_step(struct vcpu *v)
{
	struct vmcb *vm = to_svm(v)->vmcb;

	if (vm->ctl.event_inj & EVENTINJ_VALID)
		return;
	vm->save.dr6 |= X86_DR6_BS;
	svm_inject_exception(v, DB_VECTOR, false, 0);
}

static bool long64(const struct vmcb_save *sv);

/* APM Vol. 2 15.5.1: CS attributes as in the descriptor (L, D/B). */
unsigned int svm_code_bits(struct vcpu *v)
{
	const struct vmcb_save *sv = &to_svm(v)->vmcb->save;

	if (long64(sv))
		return 64;
	return (sv->cs.attrib & SEG_ATTR_DB) ? 32 : 16;
}

/*
 * Bochs 3.0 schedules the single-step trap of an instruction that begins
 * with TF set before executing it, and keeps it across the #VMEXIT when
 * the instruction is intercepted: the #DB then hits Modex at the
 * instruction after VMRUN. On the CPU an intercepted instruction does not
 * complete and takes no trap (APM Vol. 2 15.7), and Modex never sets TF,
 * so a single-step #DB there with TF clear belongs to L1's instruction:
 * the exit handler gives L1 its own trap when the instruction completes.
 */
bool svm_stray_host_db(u64 rip, u64 rflags)
{
	u64 dr6;

	if (rip != (u64)svm_vmexit_point || (rflags & X86_EFLAGS_TF))
		return false;
	asm volatile("mov %%dr6, %0" : "=r"(dr6));
	if (!(dr6 & X86_DR6_BS))
		return false;
	asm volatile("mov %0, %%dr6" : : "r"(X86_DR6_INIT));
	log_dbg("dropped the emulator's single-step #DB of L1's intercepted instruction at %#lx.",
		rip);
	return true;
}

/*
 * An intercept during event delivery leaves the event in EXITINTINFO
 * (APM Vol. 2 15.7.2); re-inject it or L1 loses it. A handler injecting
 * another event afterwards replaces it.
 */
static void requeue_event(struct vmcb_control *c)
{
	if (!(c->exit_int_info & EVENTINJ_VALID))
		return;
	c->event_inj = c->exit_int_info;
	c->event_inj_err = c->exit_int_info_err;
}

static void decode_npf(struct svm_vcpu *s, struct exit_info *e)
{
	u64 q = svm_npf_fixup(e->qual, s->gmet, s->vmcb->save.cpl);

	e->qual = q;
	e->reason = EXIT_R_NPF;
	e->npf.gpa = e->info2;
	e->npf.final_translation = q & NPF_FINAL;
	e->npf.event_delivery = s->vmcb->ctl.exit_int_info & EVENTINJ_VALID;
	if (q & NPF_ID)
		e->npf.access = EXIT_NPF_FETCH;
	else if (q & NPF_W)
		e->npf.access = EXIT_NPF_WRITE;
	else
		e->npf.access = EXIT_NPF_READ;
}

static void decode_ioio(struct exit_info *e, u64 rip)
{
	u64 q = e->qual;

	/* APM Vol. 2 15.10.2: EXITINFO2 is the rIP of the next
	 * instruction, with or without NRIPS. */
	if (e->info2 > rip && e->info2 - rip <= INSN_MAX_LEN)
		e->insn_len = (u32)(e->info2 - rip);
	e->reason = EXIT_R_IO;
	e->io.port = (u16)(q >> 16);
	e->io.size = (q & IOIO_SZ32) ? 4 : (q & IOIO_SZ16) ? 2 : 1;
	e->io.in = q & IOIO_IN;
	e->io.string = q & IOIO_STR;
	e->io.rep = q & IOIO_REP;
}

static enum exit_reason simple_reason(u64 code)
{
	switch (code) {
	case SVM_EXIT_CPUID:
		return EXIT_R_CPUID;
	case SVM_EXIT_VMMCALL:
		return EXIT_R_HYPERCALL;
	case SVM_EXIT_SHUTDOWN:
		return EXIT_R_TRIPLE_FAULT;
	case SVM_EXIT_INIT:
		return EXIT_R_INIT;
	case SVM_EXIT_INTR:
		return EXIT_R_INTR;
	case SVM_EXIT_NMI:
		return EXIT_R_NMI;
	case SVM_EXIT_HLT:
		return EXIT_R_HLT;
	case SVM_EXIT_INVD:
	case SVM_EXIT_WBINVD: /* same handling (svm/vmcb_build.c) */
		return EXIT_R_INVD;
	case SVM_EXIT_XSETBV:
		return EXIT_R_XSETBV;
	case SVM_EXIT_VMRUN:
	case SVM_EXIT_VMLOAD:
	case SVM_EXIT_VMSAVE:
	case SVM_EXIT_STGI:
	case SVM_EXIT_CLGI:
	case SVM_EXIT_SKINIT:
	case SVM_EXIT_INVLPGA:
		return EXIT_R_VIRT_INSN;
	case SVM_EXIT_INVALID:
		return EXIT_R_ENTRY_FAIL;
	}
	return EXIT_R_UNKNOWN;
}

static void *identity(u64 pa)
{
	return (void *)pa;
}

/* L1's paging mode, rebuilt only when CR0, CR3, CR4 or EFER changed. */
static const struct gwalk_mode *fetch_mode(struct svm_vcpu *s)
{
	const struct vmcb_save *sv = &s->vmcb->save;
	u64 key[4] = { sv->cr0, sv->cr3, sv->cr4, sv->efer };

	if (s->fetch_mode_valid && !memcmp(key, s->fetch_mode_key, sizeof(key)))
		return &s->fetch_mode;
	s->fetch_mode_valid = false;
	if (gwalk_mode_init(&s->fetch_mode, sv->cr0, sv->cr3, sv->cr4, sv->efer,
			    s->npt_fmt.maxphyaddr, PTF_AMD))
		return NULL;
	memcpy(s->fetch_mode_key, key, sizeof(key));
	s->fetch_mode_valid = true;
	return &s->fetch_mode;
}

/* Read up to @len bytes at L1 linear address @la through L1's paging (the
 * bytes a fetch would see); returns how many were readable. */
static unsigned fetch_guest(struct vcpu *v, u64 la, u8 *buf, unsigned len)
{
	struct svm_vcpu *s = to_svm(v);
	/* L1 memory as stage 2 presents it, read without walking NPT01
	 * (hv/guest.c knows its layout): a 4-level nested walk per guest
	 * level would cost thousands of instructions on every exit without
	 * NRIPS. */
	const struct pt_mem *mem = guest_l1_pt_mem();
	const struct gwalk_mode *mode = fetch_mode(s);
	unsigned got = 0;

	while (mode && got < len) {
		struct gwalk_access a = { .la = la + got,
					  .op = PK_FETCH,
					  .cpl = s->vmcb->save.cpl };
		struct gwalk w;
		unsigned n = (unsigned)MIN(len - got,
					   PAGE_SIZE - ((la + got) & 0xfff));
		hpa_t hpa;

		if (gwalk(mode, NULL, mem, &a, 0, &w) != GW_OK ||
		    !guest_gpa_to_hpa(w.gpa, &hpa))
			break;
		memcpy(buf + got, identity(hpa), n);
		got += n;
	}
	return got;
}

static bool long64(const struct vmcb_save *sv)
{
	return (sv->efer & EFER_LMA) && (sv->cs.attrib & SEG_ATTR_L);
}

static u64 rip_linear(struct vcpu *v)
{
	const struct vmcb_save *sv = &to_svm(v)->vmcb->save;

	return long64(sv) ? v->regs.rip : (u32)(sv->cs.base + v->regs.rip);
}

/*
 * QEMU 7.2 TCG ends VMRUN with VMEXIT_INVALID when L1 executes a MOV to
 * CR4 that sets a bit the CPU lacks (e.g. VMXE on AMD), where the CPU
 * raises #GP (APM Vol. 3 "MOV CRn"; APM Vol. 2 15.5.1 lists no such
 * VMRUN failure). If VMCB01 passes the VMRUN consistency checks and the
 * instruction at RIP is that MOV, L1 gets the #GP it expects.
 */
static bool emulator_cr4_quirk(struct vcpu *v)
{
	const struct vmcb_save *sv = &to_svm(v)->vmcb->save;
	u8 bytes[INSN_MAX_LEN];
	struct insn in;
	unsigned n;

	if (svm_save_invalid(sv))
		return false;
	n = fetch_guest(v, rip_linear(v), bytes, sizeof(bytes));
	if (insn_decode(bytes, n, long64(sv), &in) ||
	    in.kind != INSN_MOV_TO_CR || in.cr != 4)
		return false;
	log_dbg("VMEXIT_INVALID on L1's MOV to CR4 at %#lx: answered with #GP (emulator quirk).",
		v->regs.rip);
	svm_inject_exception(v, 13, true, 0);
	return true;
}

bool svm_decode_exit(struct vcpu *v)
{
	struct svm_vcpu *s = to_svm(v);
	struct vmcb_control *c = &s->vmcb->ctl;
	struct exit_info *e = &v->exit;
	u64 code = c->exit_code;

	/* An assignment, not memset(): "rep stosb" is one instruction per
	 * byte on emulators that count instructions (docs/benchmarks.md). */
	*e = (struct exit_info){ .hw_reason = code,
				 .qual = c->exit_info_1,
				 .info2 = c->exit_info_2 };
	requeue_event(c);
	/* L2's failed entry is nested SVM's (VMEXIT_INVALID for L1). */
	if ((u32)code == (u32)SVM_EXIT_INVALID && !v->nested.guest_mode &&
	    emulator_cr4_quirk(v))
		return true;
	if (code == SVM_EXIT_MSR) {
		/* APM Vol. 2 15.11: EXITINFO1 0 = RDMSR, 1 = WRMSR. */
		e->reason = e->qual ? EXIT_R_MSR_WRITE : EXIT_R_MSR_READ;
		e->msr.msr = (u32)v->regs.rcx;
	} else if (code == SVM_EXIT_NPF) {
		decode_npf(s, e);
	} else if (code == SVM_EXIT_IOIO) {
		decode_ioio(e, v->regs.rip);
	} else if (code >= SVM_EXIT_EXCP_BASE &&
		   code < SVM_EXIT_EXCP_BASE + 32) {
		e->reason = EXIT_R_EXCEPTION;
		e->exc.vector = (u8)(code - SVM_EXIT_EXCP_BASE);
	} else {
		/* QEMU stores VMEXIT_INVALID as a 32-bit -1. */
		e->reason = simple_reason((u32)code == (u32)SVM_EXIT_INVALID ?
						  SVM_EXIT_INVALID :
						  code);
	}
	/* 15.7.1: with NRIPS, NRIP holds the next RIP for instruction
	 * intercepts (and 0 otherwise). */
	if (s->nrips && c->next_rip > v->regs.rip &&
	    c->next_rip - v->regs.rip <= INSN_MAX_LEN)
		e->insn_len = (u32)(c->next_rip - v->regs.rip);
	return false;
}

static enum insn_kind expected_insn(enum exit_reason r)
{
	switch (r) {
	case EXIT_R_CPUID:
		return INSN_CPUID;
	case EXIT_R_HYPERCALL:
		return INSN_VMMCALL;
	case EXIT_R_MSR_READ:
		return INSN_RDMSR;
	case EXIT_R_MSR_WRITE:
		return INSN_WRMSR;
	case EXIT_R_INVD:
		return INSN_INVD;
	default:
		return INSN_NONE;
	}
}

/* SDM Vol. 3A 3.4.5, APM Vol. 2 4.8.1: CS.L selects 64-bit mode, else
 * CS.D 32-bit code; real and virtual-8086 mode are 16-bit. */
static enum insn_mode code_mode(struct vcpu *v)
{
	const struct vmcb_save *sv = &to_svm(v)->vmcb->save;

	if (long64(sv))
		return INSN_MODE_64;
	if (!(sv->cr0 & X86_CR0_PE) || (v->regs.rflags & BIT(17)) ||
	    !(sv->cs.attrib & SEG_ATTR_DB))
		return INSN_MODE_16;
	return INSN_MODE_32;
}

unsigned svm_fetch_insn(struct vcpu *v, u8 *buf, unsigned len,
			enum insn_mode *mode)
{
	const struct vmcb_control *c = &to_svm(v)->vmcb->ctl;
	unsigned n = c->insn_len & 0xf;

	*mode = code_mode(v);
	/* APM Vol. 2 15.33 (decode assists): on a #NPF intercept the CPU
	 * saves up to 15 bytes from CS:RIP and their number. */
	if (svm_feat.decode_assists && v->exit.reason == EXIT_R_NPF && n) {
		n = MIN(n, len);
		memcpy(buf, c->insn_bytes, n);
		return n;
	}
	return fetch_guest(v, rip_linear(v), buf, len);
}

/* Instruction length: NRIP when the CPU has NRIPS, else decoded. */
u32 svm_insn_len(struct vcpu *v)
{
	const struct vmcb_save *sv = &to_svm(v)->vmcb->save;
	enum insn_kind want = expected_insn(v->exit.reason);
	u8 bytes[INSN_MAX_LEN];
	unsigned n;

	if (v->exit.insn_len || want == INSN_NONE)
		return v->exit.insn_len;
	n = fetch_guest(v, rip_linear(v), bytes, sizeof(bytes));
	v->exit.insn_len = insn_len_of(bytes, n, long64(sv), want);
	/* Either opcode may raise either intercept (svm/vmcb_build.c). */
	if (!v->exit.insn_len && want == INSN_INVD)
		v->exit.insn_len =
			insn_len_of(bytes, n, long64(sv), INSN_WBINVD);
	return v->exit.insn_len;
}

static void dump_seg(const char *name, const struct vmcb_seg *sg)
{
	con_printf("[modex] guest:   %s sel=%#x attr=%#x limit=%#x base=%#lx\n",
		   name, sg->sel, sg->attrib, sg->limit, sg->base);
}

void svm_dump(struct vcpu *v)
{
	const struct vmcb *vm = to_svm(v)->vmcb;
	const struct vmcb_save *sv = &vm->save;
	const struct guest_regs *r = &v->regs;

	con_printf(
		"[modex] guest: L1 state (SVM, exit code %#lx, EXITINFO1 %#lx, EXITINFO2 %#lx, EXITINTINFO %#x):\n",
		vm->ctl.exit_code, vm->ctl.exit_info_1, vm->ctl.exit_info_2,
		vm->ctl.exit_int_info);
	con_printf("[modex] guest:   rip=%#lx rsp=%#lx rflags=%#lx cpl=%u\n",
		   r->rip, r->rsp, r->rflags, sv->cpl);
	con_printf("[modex] guest:   rax=%#lx rbx=%#lx rcx=%#lx rdx=%#lx\n",
		   r->rax, r->rbx, r->rcx, r->rdx);
	con_printf("[modex] guest:   rsi=%#lx rdi=%#lx rbp=%#lx r8=%#lx\n",
		   r->rsi, r->rdi, r->rbp, r->r8);
	con_printf("[modex] guest:   r9=%#lx r10=%#lx r11=%#lx r12=%#lx\n",
		   r->r9, r->r10, r->r11, r->r12);
	con_printf("[modex] guest:   r13=%#lx r14=%#lx r15=%#lx\n", r->r13,
		   r->r14, r->r15);
	con_printf(
		"[modex] guest:   cr0=%#lx cr2=%#lx cr3=%#lx cr4=%#lx efer=%#lx (SVME is Modex's)\n",
		sv->cr0, sv->cr2, sv->cr3, sv->cr4, sv->efer);
	con_printf(
		"[modex] guest:   dr6=%#lx dr7=%#lx int_state=%#x event_inj=%#x\n",
		sv->dr6, sv->dr7, vm->ctl.int_state, vm->ctl.event_inj);
	dump_seg("cs", &sv->cs);
	dump_seg("ss", &sv->ss);
	dump_seg("ds", &sv->ds);
	dump_seg("es", &sv->es);
	dump_seg("fs", &sv->fs);
	dump_seg("gs", &sv->gs);
	dump_seg("tr", &sv->tr);
	dump_seg("ldtr", &sv->ldtr);
	dump_seg("gdtr", &sv->gdtr);
	dump_seg("idtr", &sv->idtr);
}
