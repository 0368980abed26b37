/* SPDX-License-Identifier: MIT */
/*
 * Text on a linear RGB framebuffer (hv/font.h glyphs, scaled by a whole
 * factor): the drawing of Modex's framebuffer console, kept apart from
 * the hardware so that host tests and the boot test's screen check
 * (tests/boot/fbcheck.c) draw exactly what Modex draws. Pure C.
 */
#ifndef MODEX_HV_FBCON_DRAW_H
#define MODEX_HV_FBCON_DRAW_H

#include "hv/include/types.h"

#define FBCON_MAX_COLS 256
#define FBCON_MAX_ROWS 160

/* A linear framebuffer: pixels of bpp bits (15, 16, 24 or 32), each
 * colour a field of *_size bits at bit *_pos (Multiboot2 3.6.12). */
struct fb_surface {
	u8 *base;
	u32 pitch, width, height; /* bytes per line; pixels */
	u8 bpp;
	u8 red_pos, red_size, green_pos, green_size, blue_pos, blue_size;
};

/*
 * The console: the text on screen (text[][]), kept even while the console
 * does not draw (draw false), so that a later redraw shows the recent log.
 */
struct fbcon {
	struct fb_surface s;
	u32 scale; /* pixels per font pixel */
	u32 cols, rows, col, row;
	u32 fg, bg; /* pixel values */
	bool draw;
	char text[FBCON_MAX_ROWS][FBCON_MAX_COLS];
};

/* Whether @s is a surface fbcon can draw on (bpp, fields, sizes). */
bool fbcon_surface_ok(const struct fb_surface *s);
/* Sets up @c on @s (fbcon_surface_ok) with an empty screen, drawing on;
 * the scale makes at least 640x400 font pixels fit. 0 or -E_INVAL. */
int fbcon_setup(struct fbcon *c, const struct fb_surface *s);
/* Clears the screen and draws every cell of text[][]. */
void fbcon_redraw(struct fbcon *c);
/* One character: '\n' ends the line, '\r' is ignored, other characters
 * outside printable ASCII show as '?'; wraps and scrolls. */
void fbcon_putc(struct fbcon *c, char ch);
/* The pixel value of colour (r, g, b) (8 bits each) on @s. */
u32 fbcon_pixel(const struct fb_surface *s, u8 r, u8 g, u8 b);

#endif /* MODEX_HV_FBCON_DRAW_H */
