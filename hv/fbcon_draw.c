// SPDX-License-Identifier: MIT
/*
 * Text on a linear RGB framebuffer (hv/fbcon_draw.h). Pure C: builds
 * freestanding and hosted. Only writes to the framebuffer: reading
 * uncached device memory back (to scroll) would be slow, so scrolling
 * redraws from text[][] the cells whose character changed.
 */
#include "hv/fbcon_draw.h"

#include "hv/font.h"
#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"

/* Light grey on black, as a PC text console. */
#define FG_R 0xaa
#define FG_G 0xaa
#define FG_B 0xaa

static bool field_ok(u8 pos, u8 size, u8 bpp)
{
	return size >= 1 && size <= 8 && (u32)pos + size <= bpp;
}

bool fbcon_surface_ok(const struct fb_surface *s)
{
	u32 bytes = (s->bpp + 7) / 8;

	if (!s->base ||
	    (s->bpp != 15 && s->bpp != 16 && s->bpp != 24 && s->bpp != 32))
		return false;
	if (s->width < FONT_W || s->height < FONT_H ||
	    (u64)s->width * bytes > s->pitch)
		return false;
	return field_ok(s->red_pos, s->red_size, s->bpp) &&
	       field_ok(s->green_pos, s->green_size, s->bpp) &&
	       field_ok(s->blue_pos, s->blue_size, s->bpp);
}

u32 fbcon_pixel(const struct fb_surface *s, u8 r, u8 g, u8 b)
{
	return ((u32)(r >> (8 - s->red_size)) << s->red_pos) |
	       ((u32)(g >> (8 - s->green_size)) << s->green_pos) |
	       ((u32)(b >> (8 - s->blue_size)) << s->blue_pos);
}

int fbcon_setup(struct fbcon *c, const struct fb_surface *s)
{
	if (!c || !s || !fbcon_surface_ok(s))
		return -E_INVAL;
	memset(c, 0, sizeof(*c));
	c->s = *s;
	c->scale = MAX(1u, MIN(s->width / 640, s->height / 400));
	c->cols = MIN(s->width / (FONT_W * c->scale), (u32)FBCON_MAX_COLS);
	c->rows = MIN(s->height / (FONT_H * c->scale), (u32)FBCON_MAX_ROWS);
	c->fg = fbcon_pixel(s, FG_R, FG_G, FG_B);
	c->bg = fbcon_pixel(s, 0, 0, 0);
	c->draw = true;
	memset(c->text, ' ', sizeof(c->text));
	return 0;
}

/* @bpp is the caller's copy of s->bpp: the stores below may alias the
 * surface (no strict aliasing), so reading it here would reload it for
 * every pixel. */
static void put_pixel(u8 bpp, u8 *p, u32 v)
{
	switch (bpp) {
	case 32:
		*(volatile u32 *)p = v;
		break;
	case 24:
		p[0] = (u8)v;
		p[1] = (u8)(v >> 8);
		p[2] = (u8)(v >> 16);
		break;
	default: /* 15, 16 */
		*(volatile u16 *)p = (u16)v;
		break;
	}
}

/* Draws character @ch into cell (@col, @row). */
static void draw_cell(struct fbcon *c, u32 col, u32 row, char ch)
{
	const struct fb_surface *s = &c->s;
	u8 bpp = s->bpp;
	u32 bytes = (bpp + 7) / 8, sc = c->scale, fg = c->fg, bg = c->bg;
	u64 pitch = s->pitch;
	u8 *base = s->base;
	u8 uc = (u8)ch;
	const u8 *g = font8x8[(uc >= FONT_FIRST && uc <= FONT_LAST ? uc : '?') -
			      FONT_FIRST];
	u64 x0 = (u64)col * FONT_W * sc, y0 = (u64)row * FONT_H * sc;

	for (u32 y = 0; y < FONT_H * sc; y++) {
		u8 *p = base + (y0 + y) * pitch + x0 * bytes;
		u8 bits = g[y / sc];

		for (u32 x = 0; x < FONT_W * sc; x++, p += bytes)
			put_pixel(bpp, p, bits & (0x80 >> (x / sc)) ? fg : bg);
	}
}

void fbcon_redraw(struct fbcon *c)
{
	const struct fb_surface *s = &c->s;
	u32 bytes = (s->bpp + 7) / 8;

	for (u32 y = 0; y < s->height; y++) {
		u8 *line = s->base + (u64)y * s->pitch;

		/* Black is 0 in every layout: one memset() per line is 8
		 * bytes per store, where a pixel loop costs some 12
		 * instructions per pixel (about 9 M at 1024x768). */
		if (!c->bg) {
			memset(line, 0, (u64)s->width * bytes);
			continue;
		}
		for (u32 x = 0; x < s->width; x++)
			put_pixel(s->bpp, line + (u64)x * bytes, c->bg);
	}
	for (u32 r = 0; r < c->rows; r++)
		for (u32 col = 0; col < c->cols; col++)
			if (c->text[r][col] != ' ')
				draw_cell(c, col, r, c->text[r][col]);
}

static void set_cell(struct fbcon *c, u32 col, u32 row, char ch)
{
	if (c->text[row][col] == ch)
		return;
	c->text[row][col] = ch;
	if (c->draw)
		draw_cell(c, col, row, ch);
}

static void scroll(struct fbcon *c)
{
	for (u32 r = 0; r + 1 < c->rows; r++)
		for (u32 col = 0; col < c->cols; col++)
			set_cell(c, col, r, c->text[r + 1][col]);
	for (u32 col = 0; col < c->cols; col++)
		set_cell(c, col, c->rows - 1, ' ');
}

static void newline(struct fbcon *c)
{
	c->col = 0;
	if (c->row + 1 < c->rows)
		c->row++;
	else
		scroll(c);
}

void fbcon_putc(struct fbcon *c, char ch)
{
	u8 uc = (u8)ch;

	if (ch == '\r')
		return;
	if (ch == '\n') {
		newline(c);
		return;
	}
	if (c->col == c->cols)
		newline(c);
	set_cell(c, c->col++, c->row,
		 uc >= FONT_FIRST && uc <= FONT_LAST ? ch : '?');
}
