/* SPDX-License-Identifier: MIT */
/*
 * Modex moves itself to the top of low RAM right after entering long mode
 * (boot/entry.S, docs/boot.md): boot_relocate() copies and rebases the
 * image and says how far it moved; boot_move tells hv_main what happened.
 */
#ifndef MODEX_BOOT_RELOCATE_H
#define MODEX_BOOT_RELOCATE_H

#include "hv/include/types.h"

struct boot_move {
	u64 from, to; /* image start before and after (equal: not moved) */
	u64 size; /* bytes reserved there: the image and the pool */
	int err; /* 0, or why Modex stayed where GRUB loaded it */
};

/* Filled in before the copy is made, so the copy carries it. */
extern struct boot_move boot_move;

/* Returns the distance moved (0: not moved). Called once, from entry.S. */
u64 boot_relocate(u32 magic, u32 info_pa);

#endif /* MODEX_BOOT_RELOCATE_H */
