// SPDX-License-Identifier: MIT
/*
 * Modex's framebuffer console (hv/fbcon.h) on the framebuffer GRUB's
 * multiboot2 framebuffer tag describes (linear RGB only: UEFI has no VGA
 * text mode, and Modex draws no other kind).
 * Context: boot CPU until L1 starts; afterwards only a panic (any CPU,
 * under con_lock) draws.
 */
#include "hv/fbcon.h"

#define LOG_PREFIX "fbcon"
#include "hv/cmdline.h"
#include "hv/fbcon_draw.h"
#include "hv/include/err.h"
#include "hv/log.h"
#include "hv/main.h"
#include "hv/memory.h"

/* What Modex logs before its page tables can map the framebuffer. */
#define EARLY_MAX 8192

static struct fbcon con;
static bool started, owned;
static char early[EARLY_MAX];
static u32 nr_early;

void fbcon_con_putc(char c)
{
	if (started) {
		fbcon_putc(&con, c);
		return;
	}
	if (nr_early < EARLY_MAX)
		early[nr_early++] = c;
}

/* Why @info's framebuffer is not one to draw on, or NULL. */
static const char *unusable(const struct mb2_info *info, u64 size)
{
	const struct mb2_fb *fb = &info->fb;

	if (!info->has_fb)
		return "GRUB gave no framebuffer";
	if (fb->type != MB2_FB_RGB)
		return "GRUB's framebuffer is not linear RGB";
	if (fb->bpp != 15 && fb->bpp != 16 && fb->bpp != 24 && fb->bpp != 32)
		return "GRUB's framebuffer has an unsupported pixel size";
	/* Modex's memory and L1's RAM are available RAM: a framebuffer
	 * there would let the console overwrite them. */
	for (u32 i = 0; i < info->nr_regions; i++) {
		const struct mb2_region *r = &info->regions[i];

		if (r->type == MB2_MEM_AVAILABLE &&
		    fb->addr < r->base + r->len && r->base < fb->addr + size)
			return "GRUB's framebuffer overlaps available RAM";
	}
	return NULL;
}

void fbcon_start(const struct mb2_info *info)
{
	const struct mb2_fb *fb = &info->fb;
	u64 size = (u64)fb->pitch * fb->height;
	struct fb_surface s = {
		(u8 *)fb->addr, fb->pitch,    fb->width,     fb->height,
		fb->bpp,	fb->red_pos,  fb->red_size,  fb->green_pos,
		fb->green_size, fb->blue_pos, fb->blue_size,
	};
	const char *why;
	int ret;

	if (!hv_options.console_fb)
		return;
	why = unusable(info, size);
	if (why) {
		log_info("framebuffer console off: %s.", why);
		return;
	}
	/* Device memory L1 owns: UC, read/write, no-execute in Modex's
	 * tables (memory_map_mmio); nothing of it is hidden from L1. */
	ret = memory_map_mmio(fb->addr, size);
	if (!ret)
		ret = fbcon_setup(&con, &s);
	if (ret) {
		log_warn("framebuffer console off: %s.", err_str(ret));
		return;
	}
	fbcon_redraw(&con);
	for (u32 i = 0; i < nr_early; i++)
		fbcon_putc(&con, early[i]);
	started = owned = true;
	log_info(
		"framebuffer console: %ux%u, %u bits per pixel at %#lx, %ux%u characters.",
		fb->width, fb->height, fb->bpp, fb->addr, con.cols, con.rows);
}

void fbcon_release(void)
{
	con.draw = false;
	owned = false;
}

void fbcon_reclaim(void)
{
	if (!started || owned)
		return;
	owned = true;
	con.draw = true;
	fbcon_redraw(&con);
}
