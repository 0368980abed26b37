/* SPDX-License-Identifier: MIT */
/*
 * The bitmap font of Modex's framebuffer console: printable ASCII, 8x8
 * cells. Pure data.
 */
#ifndef MODEX_HV_FONT_H
#define MODEX_HV_FONT_H

#include "hv/include/types.h"

#define FONT_W 8
#define FONT_H 8
#define FONT_FIRST 0x20
#define FONT_LAST 0x7e

/* font8x8[c - FONT_FIRST][row]: bit (7 - x) is pixel x of the row. */
extern const u8 font8x8[FONT_LAST - FONT_FIRST + 1][FONT_H];

#endif /* MODEX_HV_FONT_H */
