/* SPDX-License-Identifier: MIT */
/*
 * Test-guest boot information internals: each protocol's parser fills the
 * common struct guest_bootinfo (guest.h). Both validate what the loader
 * gave and say what is wrong in guest_boot.err instead of trusting it.
 */
#ifndef MODEX_TESTS_GUEST_LIB_BOOTINFO_H
#define MODEX_TESTS_GUEST_LIB_BOOTINFO_H

#include "tests/guest/lib/guest.h"

/* Longest string (command line, module name) accepted from a loader. */
#define BOOTINFO_MAX_STR 4096

/* Fill guest_boot from the entry state's magic and info pointer. */
void bootinfo_init(void);

int bootinfo_parse_mb1(u32 info_pa, struct guest_bootinfo *bi);
int bootinfo_parse_mb2(u32 info_pa, struct guest_bootinfo *bi);

/* Helpers shared by the parsers; all return 0 or -E_*. */
int bootinfo_add_rsv(struct guest_bootinfo *bi, u64 start, u64 end);
int bootinfo_add_str(struct guest_bootinfo *bi, u64 pa, const char **out);
int bootinfo_add_mmap(struct guest_bootinfo *bi, u64 base, u64 len, u32 type);
int bootinfo_add_mod(struct guest_bootinfo *bi, u64 start, u64 end,
		     const char *cmdline);

#endif /* MODEX_TESTS_GUEST_LIB_BOOTINFO_H */
