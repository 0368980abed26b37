// SPDX-License-Identifier: MIT
/*
 * The init checker of the Linux-as-L1 boot test (tests/boot/linux_cases.sh):
 * a static Linux user program (not freestanding) that the initramfs runs as
 * PID 1's successor. It checks what the kernel saw of the machine Modex gave
 * it and prints one line per check and a verdict line, then ends the run
 * through the test-exit port (QEMU isa-debug-exit at 0xf4: under Modex with
 * exit=qemu, Modex's own exit path; bare, QEMU's).
 *
 * Kernel command line options (read from /proc/cmdline):
 *   linuxcheck.cpus=N   expected online CPUs (default 1)
 *   linuxcheck.bare     no Modex below: no hidden-memory and hypervisor
 *                       leaf checks (they would be another hypervisor's)
 *   linuxcheck.kvm      also run an L2 through L1's KVM (/bin/kvmcheck,
 *                       tests/linux/kvmcheck.c; /init loads kvm-amd or
 *                       kvm-intel), pinned to the highest-numbered CPU:
 *                       with 2 CPUs L2 runs on an AP
 *   linuxcheck.kvmbench=N  then "kvmcheck bench N" (tools/bench-linux.sh)
 *
 * Checks:
 *   memmap     /sys/firmware/memmap (the e820 table the kernel was given) is
 *              sorted and non-overlapping; every "System RAM" range of
 *              /proc/iomem lies inside one of its usable entries
 *   hidden     the gap after the top of RAM below 4 GiB (where Modex keeps
 *              its memory, docs/isolation.md) is non-empty, no map entry
 *              and no System RAM covers it, and /dev/mem reads of it show
 *              only 0xff (Modex's sink page), never Modex's data
 *   cpus       every CPU online, as many as expected; CPUID on each
 *   hvleaf     CPUID.1:ECX[31] and leaf 0x40000000 = "ModexHVModex" on
 *              every CPU
 *   kvm        kvmcheck passes: every L2 exit it expects arrives with its
 *              data
 *   kvm-smp    with 2 or more CPUs: two kvmcheck runs at once, pinned to
 *              CPU 0 and the highest-numbered CPU (two VMs, one L2 on each
 *              CPU at the same time), both pass
 */
#define _GNU_SOURCE
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#define EXIT_PORT 0xf4
#define TEST_PASS 0x10
#define TEST_FAIL 0x11
#define MAX_RANGES 256
#define FOUR_GIB 0x100000000ULL
#define HIDDEN_SCAN_MAX (64ULL << 20)
#define PAGE 4096

struct range {
	uint64_t start, end; /* end exclusive */
	char type[32];
};

static int failures, checks;
static char cmdline[4096];

static void say(const char *fmt, ...)
{
	va_list ap;

	printf("[linuxcheck] ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void verdict(const char *name, bool ok, const char *fmt, ...)
{
	char why[256] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	checks++;
	if (!ok)
		failures++;
	say("check %s: %s%s%s", name, ok ? "ok" : "FAIL", *why ? " - " : "",
	    why);
}

static bool opt(const char *name, char *val, size_t len)
{
	size_t n = strlen(name);

	for (char *p = cmdline; (p = strstr(p, name)); p += n) {
		if (p != cmdline && p[-1] != ' ')
			continue;
		if (p[n] == '=' && val) {
			size_t k = strcspn(p + n + 1, " \n");

			snprintf(val, len, "%.*s", (int)k, p + n + 1);
			return true;
		}
		if (p[n] == ' ' || p[n] == '\n' || !p[n])
			return true;
	}
	return false;
}

static bool read_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	return true;
}

/* /sys/firmware/memmap/N/{start,end,type}: end is inclusive there. */
static int read_memmap(struct range *r, int max)
{
	int n = 0;

	for (int i = 0; i < max; i++) {
		char p[96], b[64];

		snprintf(p, sizeof(p), "/sys/firmware/memmap/%d/start", i);
		if (!read_file(p, b, sizeof(b)))
			break;
		r[n].start = strtoull(b, NULL, 16);
		snprintf(p, sizeof(p), "/sys/firmware/memmap/%d/end", i);
		if (!read_file(p, b, sizeof(b)))
			break;
		r[n].end = strtoull(b, NULL, 16) + 1;
		snprintf(p, sizeof(p), "/sys/firmware/memmap/%d/type", i);
		if (!read_file(p, r[n].type, sizeof(r[n].type)))
			break;
		r[n].type[strcspn(r[n].type, "\n")] = 0;
		n++;
	}
	return n;
}

/* Top-level "System RAM" lines of /proc/iomem ("start-end : System RAM"). */
static int read_iomem_ram(struct range *r, int max)
{
	FILE *f = fopen("/proc/iomem", "r");
	char line[256];
	int n = 0;

	if (!f)
		return -1;
	while (n < max && fgets(line, sizeof(line), f)) {
		unsigned long long s, e;

		if (line[0] == ' ' || !strstr(line, ": System RAM"))
			continue;
		if (sscanf(line, "%llx-%llx", &s, &e) != 2)
			continue;
		r[n].start = s;
		r[n].end = e + 1;
		strcpy(r[n].type, "System RAM");
		n++;
	}
	fclose(f);
	return n;
}

static struct range map[MAX_RANGES], ram[MAX_RANGES];
static int nmap, nram;

static bool is_usable(const struct range *r)
{
	return !strcmp(r->type, "System RAM");
}

static void check_memmap(void)
{
	bool sorted = true, inside = true;
	uint64_t usable = 0, sys = 0;

	nmap = read_memmap(map, MAX_RANGES);
	nram = read_iomem_ram(ram, MAX_RANGES);
	for (int i = 0; i < nmap; i++) {
		say("memmap %#" PRIx64 "-%#" PRIx64 " %s", map[i].start,
		    map[i].end, map[i].type);
		if (i && map[i].start < map[i - 1].end)
			sorted = false;
		if (is_usable(&map[i]))
			usable += map[i].end - map[i].start;
	}
	for (int i = 0; i < nram; i++) {
		bool in = false;

		say("iomem System RAM %#" PRIx64 "-%#" PRIx64, ram[i].start,
		    ram[i].end);
		sys += ram[i].end - ram[i].start;
		for (int j = 0; j < nmap; j++)
			if (is_usable(&map[j]) &&
			    ram[i].start >= map[j].start &&
			    ram[i].end <= map[j].end)
				in = true;
		if (!in)
			inside = false;
	}
	verdict("memmap", nmap > 0 && nram > 0 && sorted && inside,
		"%d map entries (%" PRIu64
		" KiB usable), %d System RAM ranges (%" PRIu64 " KiB)%s%s",
		nmap, usable >> 10, nram, sys >> 10,
		sorted ? "" : ", map not sorted/overlapping",
		inside ? "" : ", System RAM outside the usable map");
}

/* The /proc/iomem lines that touch [s, e), to explain a refusal. */
static void dump_iomem(uint64_t s, uint64_t e)
{
	FILE *f = fopen("/proc/iomem", "r");
	char line[256];

	while (f && fgets(line, sizeof(line), f)) {
		unsigned long long a, b;

		if (sscanf(line, " %llx-%llx", &a, &b) == 2 && a < e && s <= b)
			say("iomem: %.*s", (int)strcspn(line, "\n"), line);
	}
	if (f)
		fclose(f);
}

static void check_hidden(void)
{
	uint64_t top = 0, next, bad = 0, pages = 0;
	bool ram_overlap = false;
	int fd;

	for (int i = 0; i < nmap; i++)
		if (is_usable(&map[i]) && map[i].end <= FOUR_GIB &&
		    map[i].end > top)
			top = map[i].end;
	next = top + HIDDEN_SCAN_MAX < FOUR_GIB ? top + HIDDEN_SCAN_MAX :
						  FOUR_GIB;
	for (int i = 0; i < nmap; i++)
		if (map[i].start >= top && map[i].start < next)
			next = map[i].start;
	for (int i = 0; i < nram; i++)
		if (ram[i].start < next && top < ram[i].end)
			ram_overlap = true;
	say("hidden gap %#" PRIx64 "-%#" PRIx64 " (%" PRIu64 " KiB)", top, next,
	    (next - top) >> 10);
	/* read() of /dev/mem stops at high_memory; mmap() reaches the rest
	 * (STRICT_DEVMEM allows memory that is not RAM and not claimed). */
	fd = open("/dev/mem", O_RDONLY | O_SYNC);
	if (fd < 0) {
		verdict("hidden", false, "cannot open /dev/mem: %s",
			strerror(errno));
		return;
	}
	for (uint64_t a = top; a < next; a += PAGE, pages++) {
		const unsigned char *p =
			mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, (off_t)a);

		if (p == MAP_FAILED) {
			dump_iomem(top, next);
			verdict("hidden", false,
				"/dev/mem mmap at %#" PRIx64 " failed: %s", a,
				strerror(errno));
			close(fd);
			return;
		}
		for (size_t k = 0; k < PAGE; k++)
			if (p[k] != 0xff) {
				if (!bad)
					say("hidden page %#" PRIx64
					    " byte %zu reads %#x",
					    a, k, p[k]);
				bad++;
				break;
			}
		munmap((void *)p, PAGE);
	}
	close(fd);
	verdict("hidden", next > top && !ram_overlap && !bad,
		"%" PRIu64 " pages after the top of RAM, %" PRIu64
		" not all 0xff%s",
		pages, bad, ram_overlap ? ", System RAM overlaps the gap" : "");
}

struct cpu_view {
	bool ran, hv_bit;
	char sig[13];
	unsigned max_leaf;
};

static void cpu_look(struct cpu_view *c)
{
	unsigned a, b, cx, d;

	__cpuid(1, a, b, cx, d);
	c->hv_bit = cx >> 31;
	__cpuid(0x40000000, a, b, cx, d);
	c->max_leaf = a;
	memcpy(c->sig, &b, 4);
	memcpy(c->sig + 4, &cx, 4);
	memcpy(c->sig + 8, &d, 4);
	c->sig[12] = 0;
	c->ran = true;
}

static void check_cpus(bool bare)
{
	char online[64] = "", want[16] = "1";
	long n = sysconf(_SC_NPROCESSORS_ONLN),
	     conf = sysconf(_SC_NPROCESSORS_CONF);
	long expect;
	int sig_ok = 0, ran = 0;

	opt("linuxcheck.cpus", want, sizeof(want));
	expect = strtol(want, NULL, 10);
	read_file("/sys/devices/system/cpu/online", online, sizeof(online));
	online[strcspn(online, "\n")] = 0;
	for (long i = 0; i < conf && i < 64; i++) {
		struct cpu_view c = { 0 };
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(i, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			continue;
		cpu_look(&c);
		ran++;
		say("cpu %ld: CPUID.1:ECX.hypervisor %d, leaf 0x40000000 \"%s\" max %#x",
		    i, c.hv_bit, c.sig, c.max_leaf);
		if (c.hv_bit && !strcmp(c.sig, "ModexHVModex") &&
		    c.max_leaf >= 0x40000001)
			sig_ok++;
	}
	verdict("cpus", n == expect && conf == expect && ran == expect,
		"%ld online (%s), %ld present, %d ran CPUID, %ld expected", n,
		online, conf, ran, expect);
	if (!bare)
		verdict("hvleaf", sig_ok == ran && ran > 0,
			"%d of %d CPUs see Modex's leaf", sig_ok, ran);
}

/* Starts /bin/kvmcheck pinned to @cpu; its pid, or -1. */
static pid_t kvmcheck_on(long cpu)
{
	pid_t pid = fork();

	if (pid == 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set))
			_exit(126);
		execl("/bin/kvmcheck", "kvmcheck", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static bool passed(pid_t pid, int *st)
{
	*st = -1;
	return pid > 0 && waitpid(pid, st, 0) == pid && WIFEXITED(*st) &&
	       !WEXITSTATUS(*st);
}

/* Two L2s at once, on the first and the last CPU. */
static void check_kvm_smp(long last)
{
	pid_t a = kvmcheck_on(0), b = kvmcheck_on(last);
	int sa, sb;
	bool ok_a = passed(a, &sa), ok_b = passed(b, &sb);

	verdict("kvm-smp", ok_a && ok_b,
		"kvmcheck on CPU 0 and CPU %ld at once: exit statuses %d, %d",
		last, sa, sb);
}

static void check_kvm(void)
{
	char n[24], cmd[64];
	long last = sysconf(_SC_NPROCESSORS_ONLN) - 1;
	cpu_set_t set;
	int st;

	CPU_ZERO(&set);
	CPU_SET(last > 0 ? last : 0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		say("kvm: cannot pin to CPU %ld: %s", last, strerror(errno));
	st = system("/bin/kvmcheck");

	verdict("kvm", st != -1 && WIFEXITED(st) && !WEXITSTATUS(st),
		"kvmcheck exit status %d", st);
	if (last > 0)
		check_kvm_smp(last);
	if (!opt("linuxcheck.kvmbench", n, sizeof(n)))
		return;
	snprintf(cmd, sizeof(cmd), "/bin/kvmcheck bench %s", n);
	st = system(cmd);
	verdict("kvmbench", st != -1 && WIFEXITED(st) && !WEXITSTATUS(st),
		"kvmcheck bench exit status %d", st);
}

static void test_exit(int code)
{
	fflush(stdout);
	/* The console's UART sends from a buffer: wait until the verdict
	 * is on the wire, or the exit cuts it (Bochs). */
	tcdrain(STDOUT_FILENO);
	sync();
	if (ioperm(EXIT_PORT, 1, 1)) {
		say("ioperm(%#x) failed: %s", EXIT_PORT, strerror(errno));
		return;
	}
	outb((unsigned char)code, EXIT_PORT);
}

int main(void)
{
	/* Under QEMU -icount the TSC counts virtual time (instructions plus
	 * idle time skipped): docs/benchmarks.md "Linux boot". */
	unsigned long long tsc = __builtin_ia32_rdtsc();
	bool bare;

	setvbuf(stdout, NULL, _IOLBF, 0);
	read_file("/proc/cmdline", cmdline, sizeof(cmdline));
	cmdline[strcspn(cmdline, "\n")] = 0;
	bare = opt("linuxcheck.bare", NULL, 0);
	say("start: TSC %llu; command line \"%s\"%s", tsc, cmdline,
	    bare ? " (bare)" : "");
	check_memmap();
	if (!bare)
		check_hidden();
	check_cpus(bare);
	if (opt("linuxcheck.kvm", NULL, 0))
		check_kvm();
	say("result: %d checks, %d failed", checks, failures);
	say("%s", failures ? "FAIL" : "PASS");
	test_exit(failures ? TEST_FAIL : TEST_PASS);
	/* Still here: no exit device. */
	for (;;)
		pause();
}
