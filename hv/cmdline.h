/* SPDX-License-Identifier: MIT */
/*
 * Modex's command line (from GRUB's multiboot2 command-line tag): options
 * as key=value words separated by blanks, parsed into struct hv_options.
 *
 *   log=err|warn|info|debug        console message threshold (info)
 *   console=LIST                   where Modex's output goes (com1,fb): a
 *                                  comma-separated list of at most one
 *                                  serial port (com1..com4, 0xNNNN, none)
 *                                  and fb, the framebuffer GRUB set up (if
 *                                  linear RGB; L1 owns it once it starts);
 *                                  consoles not listed are off
 *   exit=halt|qemu|bochs           how a run ends (halt)
 *   test=word[,word...]            boot-test fault injection (none)
 *   l1=value                       command line for L1 (overrides the
 *                                  module's own)
 *   cpus=N                         run L1 on at most N CPUs (all)
 *   iommu=auto|required|off        DMA isolation (auto: use the IOMMU if
 *                                  there is one, warn if not; required:
 *                                  refuse to start L1 without one; off:
 *                                  leave the IOMMU alone, DMA unchecked)
 *   nested=on|off                  offer L1 nested virtualization: VMX on
 *                                  Intel, SVM on AMD (on)
 *   vmcs_shadow=on|off             VMCS shadowing for L1's VMREAD and
 *                                  VMWRITE where the CPU has it (on)
 *   nested_exec_only=on|off        advertise execute-only EPT entries to
 *                                  L1 where the CPU has them (on; off tests
 *                                  L1s on CPUs without them)
 *   nested_log=on|off              print L2 accesses L1's stage-2 tables
 *                                  deny, rate-limited (off; the log is
 *                                  kept either way)
 *   -- rest                        everything after "--" is L1's command
 *                                  line, verbatim
 *
 * A value may be double-quoted (l1="root=/dev/sda console=ttyS0"); the
 * quote must directly follow the '=' and there is no escape character.
 * Later words override earlier ones. The text is untrusted: every length
 * is bounded and a bad word is reported and skipped, never half-applied.
 */
#ifndef MODEX_HV_CMDLINE_H
#define MODEX_HV_CMDLINE_H

#include "hv/include/compiler.h"
#include "hv/include/types.h"

enum exit_method { EXIT_HALT = 0, EXIT_QEMU, EXIT_BOCHS };
enum log_level { LOG_ERR = 0, LOG_WARN, LOG_INFO, LOG_DBG };
enum iommu_mode { IOMMU_AUTO = 0, IOMMU_REQUIRED, IOMMU_OFF };

#define CMDLINE_MAX_CPUS 64 /* MODEX_MAX_CPUS (hv/smp.h) */
#define CMDLINE_COM1 0x3f8
#define CMDLINE_COM2 0x2f8
#define CMDLINE_COM3 0x3e8
#define CMDLINE_COM4 0x2e8

#define CMDLINE_L1_MAX 256 /* including the NUL */
#define CMDLINE_TEST_MAX 64 /* including the NUL */

/* test_flags bits for the test= words Modex knows (hv/selftest.c). */
#define CMDLINE_TEST_UD BIT(0) /* "ud" */
#define CMDLINE_TEST_GUARD_WRITE BIT(1) /* "guard-write" */
#define CMDLINE_TEST_STACK_OVERFLOW BIT(2) /* "stack-overflow" */
#define CMDLINE_TEST_PANIC BIT(3) /* "panic" */

struct hv_options {
	enum log_level log_level;
	u16 console_port; /* 0: no serial console */
	bool console_fb; /* console=...,fb: the framebuffer console */
	enum exit_method exit;
	char l1_cmdline[CMDLINE_L1_MAX];
	bool l1_cmdline_set; /* l1= or "--" was given (even if empty) */
	u64 test_flags; /* CMDLINE_TEST_*; other words only in test */
	u32 cpus; /* cpus=N: at most N of L1's vCPUs; 0 = every CPU */
	enum iommu_mode iommu; /* iommu= */
	bool nested; /* nested= */
	bool vmcs_shadow; /* vmcs_shadow= */
	bool nested_log; /* nested_log= */
	bool nested_exec_only; /* nested_exec_only= */
	char test[CMDLINE_TEST_MAX]; /* test= value, raw */
};

typedef void (*cmdline_report_fn)(void *ctx, const char *msg);

void cmdline_defaults(struct hv_options *o);

/*
 * Parses s (NULL counts as empty) into o, which should hold the defaults.
 * For each problem (unknown key, bad value, overlong value, missing '=',
 * unterminated quote) calls report(ctx, msg) with a whole sentence naming
 * the word (report may be NULL), and goes on with the next word. Returns
 * the number of problems.
 */
int cmdline_parse(const char *s, struct hv_options *o, cmdline_report_fn report,
		  void *ctx);

#endif /* MODEX_HV_CMDLINE_H */
