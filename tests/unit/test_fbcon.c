// SPDX-License-Identifier: MIT
/*
 * Unit tests for hv/fbcon_draw.c and hv/font.c: glyphs land where the font
 * says, in every pixel format, with pitch beyond the line and odd sizes
 * clipped to whole cells; wrapping and scrolling keep text[][] and the
 * pixels in step; nothing is written outside the framebuffer.
 */
#include "hv/fbcon_draw.h"

#include "hv/font.h"
#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "tests/unit/harness.h"

#define GUARD 64
#define POISON 0x5a

static struct fbcon con;

struct fake_fb {
	u8 *mem; /* GUARD bytes, the framebuffer, GUARD bytes */
	struct fb_surface s;
};

static void fb_make(struct fake_fb *f, u32 w, u32 h, u32 pitch, u8 bpp)
{
	size_t size = (size_t)pitch * h + 2 * GUARD;

	f->mem = malloc(size);
	REQUIRE(f->mem);
	memset(f->mem, POISON, size);
	f->s = (struct fb_surface){ .base = f->mem + GUARD,
				    .pitch = pitch,
				    .width = w,
				    .height = h,
				    .bpp = bpp };
	if (bpp == 16)
		f->s.red_pos = 11, f->s.red_size = 5, f->s.green_pos = 5,
		f->s.green_size = 6, f->s.blue_size = 5;
	else if (bpp == 15)
		f->s.red_pos = 10, f->s.red_size = 5, f->s.green_pos = 5,
		f->s.green_size = 5, f->s.blue_size = 5;
	else /* 24, 32: r8g8b8 / x8r8g8b8 */
		f->s.red_pos = 16, f->s.red_size = 8, f->s.green_pos = 8,
		f->s.green_size = 8, f->s.blue_size = 8;
}

static u32 px(const struct fake_fb *f, u32 x, u32 y)
{
	const u8 *p = f->s.base + (size_t)y * f->s.pitch +
		      (size_t)x * ((f->s.bpp + 7) / 8);
	u32 v = 0;

	memcpy(&v, p, (f->s.bpp + 7) / 8);
	return v;
}

/* Whether cell (col, row) shows glyph @ch, pixel for pixel. */
static bool cell_is(const struct fake_fb *f, u32 col, u32 row, char ch)
{
	u32 sc = con.scale;
	const u8 *g = font8x8[(u8)ch - FONT_FIRST];

	for (u32 y = 0; y < FONT_H * sc; y++)
		for (u32 x = 0; x < FONT_W * sc; x++) {
			bool on = g[y / sc] & (0x80 >> (x / sc));
			u32 v = px(f, col * FONT_W * sc + x,
				   row * FONT_H * sc + y);

			if (v != (on ? con.fg : con.bg))
				return false;
		}
	return true;
}

static bool guards_intact(const struct fake_fb *f)
{
	const u8 *end = f->s.base + (size_t)f->s.pitch * f->s.height;

	for (u32 i = 0; i < GUARD; i++)
		if (f->mem[i] != POISON || end[i] != POISON)
			return false;
	return true;
}

static void puts_con(const char *s)
{
	while (*s)
		fbcon_putc(&con, *s++);
}

TEST(font_covers_printable_ascii)
{
	u32 blank = 0;

	/* Every glyph but the space has ink; none uses column 0, 6, 7 or
	 * row 7 (the spacing between cells). */
	for (u32 c = FONT_FIRST; c <= FONT_LAST; c++) {
		u32 ink = 0;

		for (u32 r = 0; r < FONT_H; r++) {
			ink |= font8x8[c - FONT_FIRST][r];
			CHECK_MSG(!(font8x8[c - FONT_FIRST][r] & 0x83),
				  "glyph %#x row %u", c, r);
		}
		CHECK_EQ(font8x8[c - FONT_FIRST][7], 0);
		blank += !ink;
	}
	CHECK_EQ(blank, 1);
	/* Distinct glyphs: no two characters look alike. */
	for (u32 a = FONT_FIRST; a <= FONT_LAST; a++)
		for (u32 b = a + 1; b <= FONT_LAST; b++)
			CHECK_MSG(memcmp(font8x8[a - FONT_FIRST],
					 font8x8[b - FONT_FIRST], FONT_H),
				  "%c and %c", a, b);
}

TEST(glyphs_in_every_format)
{
	static const u8 bpps[] = { 15, 16, 24, 32 };

	for (u32 i = 0; i < ARRAY_SIZE(bpps); i++) {
		struct fake_fb f;
		u32 bytes = (bpps[i] + 7) / 8;

		/* Odd size, pitch beyond the line. */
		fb_make(&f, 203, 61, 203 * bytes + 20, bpps[i]);
		REQUIRE(fbcon_setup(&con, &f.s) == 0);
		CHECK_EQ(con.scale, 1);
		CHECK_EQ(con.cols, 25);
		CHECK_EQ(con.rows, 7);
		fbcon_redraw(&con);
		puts_con("Modex {x86-64} ~|?");
		CHECK(cell_is(&f, 0, 0, 'M'));
		CHECK(!cell_is(&f, 0, 0, 'N'));
		CHECK(cell_is(&f, 6, 0, '{'));
		CHECK(cell_is(&f, 17, 0, '?'));
		CHECK(cell_is(&f, 18, 0, ' '));
		/* The clipped right and bottom margins stay background. */
		CHECK_EQ(px(&f, 202, 0), con.bg);
		CHECK_EQ(px(&f, 0, 60), con.bg);
		/* The padding past each line is never written. */
		CHECK_EQ(f.s.base[203 * bytes], POISON);
		CHECK(guards_intact(&f));
		free(f.mem);
	}
	CHECK_EQ(fbcon_pixel(&(struct fb_surface){ .red_pos = 11,
						   .red_size = 5,
						   .green_pos = 5,
						   .green_size = 6,
						   .blue_size = 5 },
			     0xff, 0x80, 0x08),
		 0xfc01);
}

TEST(scale_wrap_and_scroll)
{
	struct fake_fb f;

	fb_make(&f, 1280, 800, 1280 * 4, 32);
	REQUIRE(fbcon_setup(&con, &f.s) == 0);
	CHECK_EQ(con.scale, 2);
	CHECK_EQ(con.cols, 80);
	CHECK_EQ(con.rows, 50);
	fbcon_redraw(&con);
	/* 85 characters wrap to a second row; control characters show as
	 * '?', CR is ignored. */
	for (int i = 0; i < 85; i++)
		fbcon_putc(&con, (char)('a' + i % 26));
	puts_con("\r\t\n");
	CHECK(cell_is(&f, 79, 0, 'a' + 79 % 26));
	CHECK(cell_is(&f, 4, 1, 'a' + 84 % 26));
	CHECK(cell_is(&f, 5, 1, '?'));
	CHECK_EQ(con.row, 2);
	/* Fill the screen and one more line: row 0 now holds old row 1. */
	for (int i = 2; i < 50; i++) {
		fbcon_putc(&con, (char)('A' + i % 26));
		fbcon_putc(&con, '\n');
	}
	CHECK(cell_is(&f, 0, 0, 'a' + 80 % 26));
	CHECK(cell_is(&f, 0, 1, 'A' + 2 % 26));
	CHECK(cell_is(&f, 0, 48, 'A' + 49 % 26));
	CHECK(cell_is(&f, 0, 49, ' '));
	CHECK_EQ(con.text[0][0], 'a' + 80 % 26);
	CHECK(guards_intact(&f));
	/* Not drawing: text moves on, pixels stay; a redraw catches up. */
	con.draw = false;
	puts_con("hidden");
	CHECK(cell_is(&f, 0, 49, ' '));
	CHECK_EQ(con.text[49][0], 'h');
	con.draw = true;
	fbcon_redraw(&con);
	CHECK(cell_is(&f, 0, 49, 'h'));
	CHECK(cell_is(&f, 5, 49, 'n'));
	free(f.mem);
}

TEST(surfaces_refused)
{
	struct fake_fb f;

	fb_make(&f, 640, 480, 640 * 4, 32);
	f.s.bpp = 8;
	CHECK_EQ(fbcon_setup(&con, &f.s), -E_INVAL);
	f.s.bpp = 32;
	f.s.pitch = 640 * 4 - 1; /* pitch below the line */
	CHECK_EQ(fbcon_setup(&con, &f.s), -E_INVAL);
	f.s.pitch = 640 * 4;
	f.s.red_pos = 28; /* a field past the pixel */
	CHECK_EQ(fbcon_setup(&con, &f.s), -E_INVAL);
	f.s.red_pos = 16;
	f.s.width = 7; /* not one cell */
	CHECK_EQ(fbcon_setup(&con, &f.s), -E_INVAL);
	f.s.width = 640;
	CHECK_EQ(fbcon_setup(&con, &f.s), 0);
	CHECK_EQ(fbcon_setup(NULL, &f.s), -E_INVAL);
	free(f.mem);
	/* A huge screen at scale 1 is clipped to the text buffer. */
	fb_make(&f, 4000, 400, 4000 * 2, 16);
	REQUIRE(fbcon_setup(&con, &f.s) == 0);
	CHECK_EQ(con.cols, FBCON_MAX_COLS);
	fbcon_redraw(&con);
	for (int i = 0; i < 600; i++)
		fbcon_putc(&con, 'x');
	CHECK(guards_intact(&f));
	free(f.mem);
}
