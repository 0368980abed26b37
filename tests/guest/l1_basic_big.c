// SPDX-License-Identifier: MIT
/*
 * The L1 basic test kernel with a 4 MiB bss: its image, loaded at 1 MiB,
 * covers where GRUB puts the modules that follow it (just above Modex's
 * image and L1's file: about 2.5 MiB today, with room to grow), so Modex
 * must copy L1's modules clear of the image before loading it
 * (docs/boot.md, "L1's modules"); "check modules" then proves the copies
 * intact.
 */
static unsigned char ballast[4 << 20] __attribute__((used, aligned(4096)));

#include "tests/guest/l1_basic.c"
