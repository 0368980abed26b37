// SPDX-License-Identifier: MIT
/*
 * GDT with a 64-bit TSS (IST stacks for #DF, NMI, #MC) and the IDT.
 * Context: boot, single CPU, interrupts off.
 */
#include "boot/cpu_tables.h"

#include "boot/stacks.h"
#include "hv/console.h"
#include "hv/exit.h"
#include "hv/fbcon.h"
#include "hv/include/compiler.h"
#include "hv/include/lib.h"
#include "hv/include/x86.h"
#include "hv/smp.h"
#include "hv/vendor.h"

_Static_assert(sizeof(struct tss64) == 104, "TSS size");
_Static_assert(offsetof(struct tss64, ist) == 0x24, "TSS IST offset");

/* 64-bit interrupt gate (SDM Vol. 3A 6.14.1, Figure 6-8). */
struct idt_gate {
	u16 offset0;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset1;
	u32 offset2;
	u32 reserved;
} __packed;
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate size");

struct desc_ptr {
	u16 limit;
	u64 base;
} __packed;

#define GATE_INTERRUPT_P_DPL0 0x8e
#define VECTOR_STUB_SIZE 16

static struct cpu_tables boot_tables;
static struct idt_gate idt[256] __aligned(16);
extern char vector_stubs[];

static void gdt_init(struct cpu_tables *t, const u64 ist_top[3])
{
	struct tss64 *tss = &t->tss;
	u64 *gdt = t->gdt;
	u64 base = (u64)tss, limit = sizeof(*tss) - 1;

	memset(t, 0, sizeof(*t));
	tss->ist[IST_DF - 1] = ist_top[0];
	tss->ist[IST_NMI - 1] = ist_top[1];
	tss->ist[IST_MC - 1] = ist_top[2];
	tss->iomap_base = sizeof(*tss); /* no I/O bitmap */

	gdt[0] = 0;
	gdt[GDT_SEL_CODE64 / 8] = 0x00af9a000000ffffULL;
	gdt[GDT_SEL_DATA / 8] = 0x00cf92000000ffffULL;
	/* 16-byte available 64-bit TSS descriptor, type 9 (SDM Vol. 3A 8.2.3). */
	gdt[GDT_SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			       (0x89ULL << 40) | (((limit >> 16) & 0xf) << 48) |
			       (((base >> 24) & 0xff) << 56);
	gdt[GDT_SEL_TSS / 8 + 1] = base >> 32;
}

static void gdt_load(const struct cpu_tables *t)
{
	struct desc_ptr p = { sizeof(t->gdt) - 1, (u64)t->gdt };

	asm volatile("lgdt %0\n\t"
		     "pushq %1\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "movw %w2, %%ds\n\t"
		     "movw %w2, %%es\n\t"
		     "movw %w2, %%ss\n\t"
		     "ltr %w3"
		     :
		     : "m"(p), "i"(GDT_SEL_CODE64), "r"(GDT_SEL_DATA),
		       "r"(GDT_SEL_TSS)
		     : "rax", "memory");
}

static void idt_set(unsigned vec, u8 ist)
{
	u64 off = (u64)vector_stubs + vec * VECTOR_STUB_SIZE;

	idt[vec] = (struct idt_gate){
		.offset0 = off & 0xffff,
		.selector = GDT_SEL_CODE64,
		.ist = ist,
		.type_attr = GATE_INTERRUPT_P_DPL0,
		.offset1 = (off >> 16) & 0xffff,
		.offset2 = off >> 32,
	};
}

static void idt_load(void)
{
	struct desc_ptr p = { sizeof(idt) - 1, (u64)idt };

	asm volatile("lidt %0" : : "m"(p));
}

void cpu_tables_init(void)
{
	const u64 ist[3] = { (u64)ist_df_stack_top, (u64)ist_nmi_stack_top,
			     (u64)ist_mc_stack_top };

	gdt_init(&boot_tables, ist);
	gdt_load(&boot_tables);
	for (unsigned v = 0; v < ARRAY_SIZE(idt); v++)
		idt_set(v, 0);
	idt_set(2, IST_NMI);
	idt_set(8, IST_DF);
	idt_set(18, IST_MC);
	idt_load();
}

void cpu_tables_load(struct cpu_tables *t, const u64 ist_top[3])
{
	gdt_init(t, ist_top);
	gdt_load(t);
	idt_load();
}

static const char *const exc_names[32] = {
	"#DE divide error",
	"#DB debug",
	"NMI",
	"#BP breakpoint",
	"#OF overflow",
	"#BR bound range",
	"#UD invalid opcode",
	"#NM device not available",
	"#DF double fault",
	"coprocessor segment overrun",
	"#TS invalid TSS",
	"#NP segment not present",
	"#SS stack fault",
	"#GP general protection",
	"#PF page fault",
	"reserved (15)",
	"#MF x87 error",
	"#AC alignment check",
	"#MC machine check",
	"#XM SIMD exception",
	"#VE virtualization exception",
	"#CP control protection",
};

static void (*nmi_hook)(void);

void cpu_tables_set_nmi_hook(void (*hook)(void))
{
	nmi_hook = hook;
}

extern const s32 __ex_table_start[], __ex_table_end[];

/* The fixup of a faulting instruction at @rip, or 0 (hv/include/x86.h). */
static u64 ex_fixup(u64 rip)
{
	for (const s32 *e = __ex_table_start; e + 1 < __ex_table_end; e += 2)
		if ((u64)e + (s64)e[0] == rip)
			return (u64)&e[1] + (s64)e[1];
	return 0;
}

void exception_handler(struct exc_frame *f)
{
	/* An exception can hit between the SVM backend's VMLOAD of L1's
	 * state and its VMLOAD of Modex's, with L1's GS base loaded: make GS
	 * this CPU's for the handler, and give L1's back if it returns. */
	u64 gs = smp_fix_gs();
	const char *name = f->vector < 32 && exc_names[f->vector] ?
				   exc_names[f->vector] :
				   "unexpected interrupt";

	if ((f->vector == 2 && nmi_hook) ||
	    (f->vector == 1 && vendor && vendor->stray_host_db &&
	     vendor->stray_host_db(f->rip, f->rflags))) {
		if (f->vector == 2)
			nmi_hook();
		wrmsr(MSR_GS_BASE, gs);
		return;
	}
	if (f->vector == 13 && ex_fixup(f->rip)) {
		f->rip = ex_fixup(f->rip);
		wrmsr(MSR_GS_BASE, gs);
		return;
	}
	con_lock();
	fbcon_reclaim(); /* a fatal report is drawn, as a panic is */
	con_printf(
		"[modex] FATAL: exception in Modex: vector %lu (%s), error code %#lx, CPU %u\n",
		f->vector, name, f->error_code, smp_this_cpu());
	con_printf(
		"[modex]   rip=0x%016lx cs=%#lx rflags=%#lx rsp=0x%016lx ss=%#lx cr2=%#lx\n",
		f->rip, f->cs, f->rflags, f->rsp, f->ss, read_cr2());
	con_printf(
		"[modex]   rax=0x%016lx rbx=0x%016lx rcx=0x%016lx rdx=0x%016lx\n",
		f->rax, f->rbx, f->rcx, f->rdx);
	con_printf(
		"[modex]   rsi=0x%016lx rdi=0x%016lx rbp=0x%016lx r8 =0x%016lx\n",
		f->rsi, f->rdi, f->rbp, f->r8);
	con_printf(
		"[modex]   r9 =0x%016lx r10=0x%016lx r11=0x%016lx r12=0x%016lx\n",
		f->r9, f->r10, f->r11, f->r12);
	con_printf("[modex]   r13=0x%016lx r14=0x%016lx r15=0x%016lx\n", f->r13,
		   f->r14, f->r15);
	con_printf("[modex]   cr0=%#lx cr3=%#lx cr4=%#lx\n", read_cr0(),
		   read_cr3(), read_cr4());
	hv_exit(HV_EXIT_FAIL);
}
