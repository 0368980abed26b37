// SPDX-License-Identifier: MIT
/*
 * The KVM client of the Linux-as-L1 boot test: a static Linux program that
 * runs a small real-mode L2 guest through /dev/kvm (L1's KVM, kvm-amd) and
 * checks every exit that reaches user space, with its data:
 *   1 OUT 0x10, 1 byte, 0x42                        port I/O to user space
 *   2 OUT 0x11, 4 bytes, CPUID(0).EBX               after 1000 CPUIDs that
 *                                                   KVM handles in the kernel
 *                                                   (the leaves KVM supports,
 *                                                   given with KVM_SET_CPUID2)
 *   3 OUT 0x12 (sync): L2 wrote 0x55 into slot 1 (read/write); the client
 *     checks the byte and re-creates slot 1 read-only (KVM_MEM_READONLY)
 *   4 OUT 0x13, 1 byte, 0x55                        a read of the read-only slot
 *   5 MMIO write at 0x20000, 1 byte, 0x99           a write to it; memory keeps 0x55
 *   6 IN 0x14, 1 byte                               the client answers 0x77
 *   7 OUT 0x15, 1 byte, 0x77                        L2 got it
 *   8 HLT
 * Prints one line per exit and "kvmcheck: PASS" or "kvmcheck: FAIL ..."; the
 * exit status is 0 only on PASS.
 *
 * "kvmcheck bench N" (tools/bench-linux.sh) instead runs N CPUIDs in L2
 * (each an exit KVM handles in the kernel) and then N OUTs to user space,
 * and prints the TSC ticks per round trip of each (under QEMU -icount the
 * TSC counts instructions, docs/benchmarks.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_SIZE 0x10000
#define CODE_GPA 0x1000
#define SLOT1_GPA 0x20000
#define SLOT1_SIZE 0x1000

extern const unsigned char l2_code[], l2_code_end[];
asm(".pushsection .rodata\n"
    "l2_code:\n"
    ".code16\n"
    "	mov $0x42, %al\n"
    "	out %al, $0x10\n"
    "	mov $1000, %si\n"
    "1:	xor %eax, %eax\n"
    "	cpuid\n"
    "	dec %si\n"
    "	jnz 1b\n"
    "	mov %ebx, %eax\n"
    "	out %eax, $0x11\n"
    "	mov $0x2000, %ax\n"
    "	mov %ax, %ds\n"
    "	movb $0x55, (0)\n"
    "	out %al, $0x12\n"
    "	mov (0), %al\n"
    "	out %al, $0x13\n"
    "	movb $0x99, (0)\n"
    "	in $0x14, %al\n"
    "	out %al, $0x15\n"
    "	hlt\n"
    ".code64\n"
    "l2_code_end:\n"
    ".popsection\n");

/* The bench: EDI CPUIDs, OUT 0x20, then ESI OUTs to 0x21, HLT. */
extern const unsigned char l2_bench[], l2_bench_end[];
asm(".pushsection .rodata\n"
    "l2_bench:\n"
    ".code16\n"
    "1:	xor %eax, %eax\n"
    "	cpuid\n"
    "	dec %edi\n"
    "	jnz 1b\n"
    "	out %al, $0x20\n"
    "2:	out %al, $0x21\n"
    "	dec %esi\n"
    "	jnz 2b\n"
    "	hlt\n"
    ".code64\n"
    "l2_bench_end:\n"
    ".popsection\n");

static int kvm, vm, vcpu;
static struct kvm_run *run;
static unsigned char *mem, *slot1;
static int failed;

#define FAIL(...)                                      \
	do {                                           \
		printf("kvmcheck: FAIL " __VA_ARGS__); \
		printf("\n");                          \
		exit(1);                               \
	} while (0)

static void set_slot(unsigned slot, uint64_t gpa, uint64_t size, void *host,
		     unsigned flags)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r) < 0)
		FAIL("KVM_SET_USER_MEMORY_REGION slot %u flags %#x: %s", slot,
		     flags, strerror(errno));
}

/* L2's CPUID: what KVM supports; returns leaf 0's EBX. */
static uint32_t set_cpuid(void)
{
	static struct {
		struct kvm_cpuid2 c;
		struct kvm_cpuid_entry2 e[128];
	} t = { .c.nent = 128 };
	uint32_t ebx0 = 0;

	if (ioctl(kvm, KVM_GET_SUPPORTED_CPUID, &t) < 0)
		FAIL("KVM_GET_SUPPORTED_CPUID: %s", strerror(errno));
	for (unsigned i = 0; i < t.c.nent; i++)
		if (t.e[i].function == 0)
			ebx0 = t.e[i].ebx;
	if (ioctl(vcpu, KVM_SET_CPUID2, &t) < 0)
		FAIL("KVM_SET_CPUID2: %s", strerror(errno));
	return ebx0;
}

static void setup(const unsigned char *code, size_t len, uint64_t loops)
{
	struct kvm_sregs s;
	struct kvm_regs r = {
		.rip = CODE_GPA, .rflags = 2, .rdi = loops, .rsi = loops
	};
	int n;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		FAIL("open /dev/kvm: %s", strerror(errno));
	if (ioctl(kvm, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		FAIL("KVM API version is not %d", KVM_API_VERSION);
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) <= 0)
		FAIL("no KVM_CAP_READONLY_MEM");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0)
		FAIL("KVM_CREATE_VM: %s", strerror(errno));
	mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	slot1 = mmap(NULL, SLOT1_SIZE, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED || slot1 == MAP_FAILED)
		FAIL("mmap: %s", strerror(errno));
	memcpy(mem + CODE_GPA, code, len);
	set_slot(0, 0, MEM_SIZE, mem, 0);
	set_slot(1, SLOT1_GPA, SLOT1_SIZE, slot1, 0);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		FAIL("KVM_CREATE_VCPU: %s", strerror(errno));
	n = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	run = mmap(NULL, (size_t)n, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu,
		   0);
	if (n <= 0 || run == MAP_FAILED)
		FAIL("vCPU mmap: %s", strerror(errno));
	if (ioctl(vcpu, KVM_GET_SREGS, &s) < 0)
		FAIL("KVM_GET_SREGS: %s", strerror(errno));
	s.cs.base = 0;
	s.cs.selector = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &s) < 0 ||
	    ioctl(vcpu, KVM_SET_REGS, &r) < 0)
		FAIL("KVM_SET_SREGS/REGS: %s", strerror(errno));
}

static const char *reason(unsigned r)
{
	switch (r) {
	case KVM_EXIT_IO:
		return "io";
	case KVM_EXIT_MMIO:
		return "mmio";
	case KVM_EXIT_HLT:
		return "hlt";
	case KVM_EXIT_FAIL_ENTRY:
		return "fail-entry";
	case KVM_EXIT_INTERNAL_ERROR:
		return "internal-error";
	case KVM_EXIT_SHUTDOWN:
		return "shutdown";
	default:
		return "other";
	}
}

static void enter(void)
{
	if (ioctl(vcpu, KVM_RUN, 0) < 0)
		FAIL("KVM_RUN: %s", strerror(errno));
}

static uint32_t io_data(void)
{
	uint32_t v = 0;

	memcpy(&v, (unsigned char *)run + run->io.data_offset, run->io.size);
	return v;
}

/* Run to the next exit and require an OUT of @size bytes of @val at
 * @port (or an IN when @in). */
static void expect_io(int step, unsigned port, int in, unsigned size,
		      uint32_t val)
{
	enter();
	if (run->exit_reason != KVM_EXIT_IO)
		FAIL("exit %d: %s (%u), expected io port %#x", step,
		     reason(run->exit_reason), run->exit_reason, port);
	printf("kvmcheck: exit %d: io %s port %#x size %u count %u data %#x\n",
	       step, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
	       run->io.port, run->io.size, run->io.count, in ? 0 : io_data());
	if (run->io.port != port || run->io.size != size ||
	    run->io.count != 1 ||
	    run->io.direction != (in ? KVM_EXIT_IO_IN : KVM_EXIT_IO_OUT) ||
	    (!in && io_data() != val))
		FAIL("exit %d: expected %s port %#x size %u data %#x", step,
		     in ? "in" : "out", port, size, val);
}

static void bench(uint64_t n)
{
	uint64_t t0, t1, t2, outs = 0;

	setup(l2_bench, (size_t)(l2_bench_end - l2_bench), n);
	set_cpuid();
	t0 = __builtin_ia32_rdtsc();
	enter();
	t1 = __builtin_ia32_rdtsc();
	if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x20)
		FAIL("bench: %s after the CPUID loop",
		     reason(run->exit_reason));
	for (;;) {
		enter();
		if (run->exit_reason == KVM_EXIT_HLT)
			break;
		if (run->exit_reason != KVM_EXIT_IO || run->io.port != 0x21)
			FAIL("bench: %s in the OUT loop",
			     reason(run->exit_reason));
		outs++;
	}
	t2 = __builtin_ia32_rdtsc();
	if (outs != n)
		FAIL("bench: %llu OUT exits, expected %llu",
		     (unsigned long long)outs, (unsigned long long)n);
	printf("kvmcheck: bench: %llu L2 CPUIDs: %llu ticks each; %llu L2 OUTs to user space: %llu ticks each\n",
	       (unsigned long long)n, (unsigned long long)((t1 - t0) / n),
	       (unsigned long long)n, (unsigned long long)((t2 - t1) / n));
}

int main(int argc, char **argv)
{
	uint32_t b;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "bench")) {
		bench(strtoull(argv[2], NULL, 0));
		return 0;
	}
	setup(l2_code, (size_t)(l2_code_end - l2_code), 0);
	b = set_cpuid();
	if (!b)
		FAIL("KVM supports no CPUID leaf 0 vendor");
	expect_io(1, 0x10, 0, 1, 0x42);
	expect_io(2, 0x11, 0, 4, b);
	expect_io(3, 0x12, 0, 1, 0);
	if (slot1[0] != 0x55)
		FAIL("exit 3: L2's write left %#x in slot 1, not 0x55",
		     slot1[0]);
	set_slot(1, SLOT1_GPA, 0, slot1, 0);
	set_slot(1, SLOT1_GPA, SLOT1_SIZE, slot1, KVM_MEM_READONLY);
	expect_io(4, 0x13, 0, 1, 0x55);
	enter();
	printf("kvmcheck: exit 5: %s addr %#llx len %u write %u data %#x\n",
	       reason(run->exit_reason),
	       (unsigned long long)run->mmio.phys_addr, run->mmio.len,
	       run->mmio.is_write, run->mmio.data[0]);
	if (run->exit_reason != KVM_EXIT_MMIO ||
	    run->mmio.phys_addr != SLOT1_GPA || run->mmio.len != 1 ||
	    !run->mmio.is_write || run->mmio.data[0] != 0x99)
		FAIL("exit 5: expected an MMIO write of 0x99 at %#x",
		     SLOT1_GPA);
	if (slot1[0] != 0x55)
		FAIL("exit 5: the read-only slot changed to %#x", slot1[0]);
	expect_io(6, 0x14, 1, 1, 0);
	*((unsigned char *)run + run->io.data_offset) = 0x77;
	expect_io(7, 0x15, 0, 1, 0x77);
	enter();
	printf("kvmcheck: exit 8: %s\n", reason(run->exit_reason));
	if (run->exit_reason != KVM_EXIT_HLT)
		FAIL("exit 8: %s, expected hlt", reason(run->exit_reason));
	printf("kvmcheck: PASS\n");
	return failed;
}
