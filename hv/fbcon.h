/* SPDX-License-Identifier: MIT */
/*
 * Modex's framebuffer console: its log, as on the serial console, drawn
 * on the linear framebuffer GRUB set up (hv/fbcon_draw.h), until L1 owns
 * the framebuffer; a panic draws again (docs/boot.md, "Consoles").
 */
#ifndef MODEX_HV_FBCON_H
#define MODEX_HV_FBCON_H

#include "hv/multiboot2.h"

/* Every console character (hv/console.c; under con_lock). Kept until
 * fbcon_start(), then drawn while the console owns the framebuffer. */
void fbcon_con_putc(char c);
/* After memory_init(): map GRUB's framebuffer (uncached, no-execute) and
 * draw what was logged so far. Says why when it cannot. */
void fbcon_start(const struct mb2_info *info);
/* L1 starts: the framebuffer is L1's; Modex stops drawing. */
void fbcon_release(void);
/* A panic: clear and draw the recent log again, then keep drawing. */
void fbcon_reclaim(void);

#endif /* MODEX_HV_FBCON_H */
