// SPDX-License-Identifier: MIT
/*
 * The framebuffer console's screen check (tests/boot/uefi_cases.sh): draws
 * TEXT (Modex's console output, as the serial log has it) with Modex's own
 * drawing code (hv/fbcon_draw.c, hv/font.c) on a surface of the screendump's
 * size and compares every pixel with SCREEN, a PPM (P6) screendump of the
 * emulator's display. Exits 0 when they are equal, 1 with the first
 * differing rows otherwise, 2 on bad input. With ROWS, only the first ROWS
 * text rows are compared (TEXT then holds what they must show).
 *   fbcheck SCREEN.ppm TEXT [ROWS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/fbcon_draw.h"

static struct fbcon con;

static unsigned char *read_ppm(const char *path, unsigned *w, unsigned *h)
{
	FILE *f = fopen(path, "rb");
	unsigned max;
	unsigned char *px;

	if (!f || fscanf(f, "P6 %u %u %u", w, h, &max) != 3 || max != 255 ||
	    fgetc(f) == EOF || *w == 0 || *h == 0 || *w > 8192 || *h > 8192) {
		fprintf(stderr, "fbcheck: %s is not a P6 PPM of 8-bit colour\n",
			path);
		return NULL;
	}
	px = malloc((size_t)*w * *h * 3);
	if (!px || fread(px, 3, (size_t)*w * *h, f) != (size_t)*w * *h) {
		fprintf(stderr, "fbcheck: %s is truncated\n", path);
		return NULL;
	}
	fclose(f);
	return px;
}

int main(int argc, char **argv)
{
	unsigned w, h, bad = 0, first = ~0u, lit = 0, rows = 0, ymax;
	unsigned char *shot;
	struct fb_surface s;
	FILE *t;
	int c;

	if (argc != 3 && argc != 4)
		return fprintf(stderr,
			       "usage: fbcheck SCREEN.ppm TEXT [ROWS]\n"),
		       2;
	if (argc == 4)
		rows = (unsigned)strtoul(argv[3], NULL, 10);
	shot = read_ppm(argv[1], &w, &h);
	t = fopen(argv[2], "r");
	if (!shot || !t)
		return 2;
	/* x8r8g8b8, the layout of OVMF's GOP on QEMU's display. */
	s = (struct fb_surface){
		calloc((size_t)w * h, 4), w * 4, w, h, 32, 16, 8, 8, 8, 0, 8
	};
	if (!s.base || fbcon_setup(&con, &s))
		return fprintf(stderr, "fbcheck: cannot draw on %ux%u\n", w, h),
		       2;
	fbcon_redraw(&con);
	while ((c = fgetc(t)) != EOF)
		fbcon_putc(&con, (char)c);
	ymax = rows ? rows * 8 * con.scale : h;
	for (unsigned y = 0; y < h && y < ymax; y++) {
		for (unsigned x = 0; x < w; x++) {
			const unsigned char *p = shot + ((size_t)y * w + x) * 3;
			unsigned v =
				((unsigned *)(void *)s.base)[(size_t)y * w + x];

			lit += p[0] || p[1] || p[2];
			if (p[0] == (v >> 16 & 0xff) &&
			    p[1] == (v >> 8 & 0xff) && p[2] == (v & 0xff))
				continue;
			if (first == ~0u)
				first = y;
			bad++;
		}
	}
	printf("fbcheck: %ux%u, %ux%u characters at scale %u; %u pixels lit, %u differ",
	       w, h, con.cols, con.rows, con.scale, lit, bad);
	if (bad)
		printf(", the first in pixel row %u (text row %u)", first,
		       first / (8 * con.scale));
	printf("\n");
	return bad || !lit ? 1 : 0;
}
