// SPDX-License-Identifier: MIT
/*
 * Test-guest boot information: dispatch on the loader magic, the Multiboot1
 * parser (Multiboot specification 0.6.96, 3.3), helpers shared with the
 * Multiboot2 parser, and command-line look-ups.
 * All loader data is untrusted: pointers must lie below 4 GiB (what the
 * guest maps), strings are bounded, list entries must fit their buffer.
 */
#include "tests/guest/lib/bootinfo.h"

#include "hv/include/err.h"
#include "hv/include/lib.h"

#define FOUR_GIB 0x100000000ULL

struct guest_bootinfo guest_boot;

/* Multiboot1 info (spec 3.3): fields valid per flag bit. */
#define MB1_F_MEM BIT(0)
#define MB1_F_CMDLINE BIT(2)
#define MB1_F_MODS BIT(3)
#define MB1_F_MMAP BIT(6)
#define MB1_F_LOADER_NAME BIT(9)
#define MB1_INFO_SIZE 116 /* through the framebuffer fields */
#define MB1_MMAP_MAX_BYTES 16384

struct mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
} __packed;
_Static_assert(__builtin_offsetof(struct mb1_info, mmap_length) == 44,
	       "mb1 info layout");
_Static_assert(__builtin_offsetof(struct mb1_info, boot_loader_name) == 64,
	       "mb1 info layout");

struct mb1_module {
	u32 mod_start, mod_end, string, reserved;
} __packed;

struct mb1_mmap_entry {
	u32 size; /* of the rest of the entry, at least 20 */
	u64 base, len;
	u32 type;
} __packed;
_Static_assert(sizeof(struct mb1_mmap_entry) == 24, "mb1 mmap entry size");

static void set_err(struct guest_bootinfo *bi, const char *msg, u64 val)
{
	guest_snprintf(bi->err, sizeof(bi->err), "%s (%#llx)", msg,
		       (unsigned long long)val);
}

int bootinfo_add_rsv(struct guest_bootinfo *bi, u64 start, u64 end)
{
	if (end <= start)
		return 0;
	if (bi->nr_rsv >= GUEST_MAX_RSV)
		return -E_TOOBIG;
	bi->rsv[bi->nr_rsv++] = (struct guest_range){ start, end };
	return 0;
}

int bootinfo_add_str(struct guest_bootinfo *bi, u64 pa, const char **out)
{
	size_t n;

	if (!pa || pa >= FOUR_GIB - BOOTINFO_MAX_STR)
		return -E_FAULT;
	n = strnlen((const char *)pa, BOOTINFO_MAX_STR);
	if (n == BOOTINFO_MAX_STR)
		return -E_TOOBIG;
	*out = (const char *)pa;
	return bootinfo_add_rsv(bi, pa, pa + n + 1);
}

int bootinfo_add_mmap(struct guest_bootinfo *bi, u64 base, u64 len, u32 type)
{
	if (bi->nr_mmap >= GUEST_MAX_MMAP) {
		bi->mmap_truncated = true;
		return 0;
	}
	bi->mmap[bi->nr_mmap++] = (struct guest_mem_region){ base, len, type };
	return 0;
}

int bootinfo_add_mod(struct guest_bootinfo *bi, u64 start, u64 end,
		     const char *cmdline)
{
	if (end < start || end > FOUR_GIB)
		return -E_RANGE;
	if (bi->nr_mods >= GUEST_MAX_MODS)
		return -E_TOOBIG;
	bi->mod_cmdline[bi->nr_mods] = cmdline ? cmdline : "";
	bi->mods[bi->nr_mods++] = (struct guest_range){ start, end };
	return bootinfo_add_rsv(bi, start, end);
}

static int mb1_parse_mmap(const struct mb1_info *mi, struct guest_bootinfo *bi)
{
	u64 pa = mi->mmap_addr, end = pa + mi->mmap_length;

	if (mi->mmap_length > MB1_MMAP_MAX_BYTES || end > FOUR_GIB) {
		set_err(bi, "memory map buffer out of range", pa);
		return -E_RANGE;
	}
	while (pa + 4 <= end) {
		const struct mb1_mmap_entry *e = (const void *)pa;

		if (e->size < 20 || pa + 4 + e->size > end) {
			set_err(bi, "memory map entry does not fit", pa);
			return -E_INVAL;
		}
		bootinfo_add_mmap(bi, e->base, e->len, e->type);
		pa += 4 + (u64)e->size;
	}
	return bootinfo_add_rsv(bi, mi->mmap_addr, end);
}

static int mb1_parse_mods(const struct mb1_info *mi, struct guest_bootinfo *bi)
{
	const struct mb1_module *m = (const void *)(u64)mi->mods_addr;
	u64 bytes = (u64)mi->mods_count * sizeof(*m);
	const char *name = NULL;

	if (mi->mods_count > GUEST_MAX_MODS ||
	    mi->mods_addr + bytes > FOUR_GIB) {
		set_err(bi, "module list out of range", mi->mods_count);
		return -E_RANGE;
	}
	for (u32 i = 0; i < mi->mods_count; i++) {
		name = NULL;
		if ((m[i].string && bootinfo_add_str(bi, m[i].string, &name)) ||
		    bootinfo_add_mod(bi, m[i].mod_start, m[i].mod_end, name)) {
			set_err(bi, "bad module", i);
			return -E_INVAL;
		}
	}
	return bootinfo_add_rsv(bi, mi->mods_addr, mi->mods_addr + bytes);
}

int bootinfo_parse_mb1(u32 info_pa, struct guest_bootinfo *bi)
{
	const struct mb1_info *mi = (const void *)(u64)info_pa;
	const char *name;
	int r;

	if (!info_pa || (u64)info_pa + MB1_INFO_SIZE > FOUR_GIB) {
		set_err(bi, "info pointer out of range", info_pa);
		return -E_FAULT;
	}
	bootinfo_add_rsv(bi, info_pa, (u64)info_pa + MB1_INFO_SIZE);
	if (mi->flags & MB1_F_MEM) {
		bi->has_meminfo = true;
		bi->mem_lower = mi->mem_lower;
		bi->mem_upper = mi->mem_upper;
	}
	if ((mi->flags & MB1_F_CMDLINE) &&
	    bootinfo_add_str(bi, mi->cmdline, &bi->cmdline)) {
		set_err(bi, "bad command line pointer", mi->cmdline);
		return -E_INVAL;
	}
	if ((mi->flags & MB1_F_LOADER_NAME) &&
	    bootinfo_add_str(bi, mi->boot_loader_name, &name)) {
		set_err(bi, "bad boot loader name", mi->boot_loader_name);
		return -E_INVAL;
	}
	if ((mi->flags & MB1_F_MODS) && (r = mb1_parse_mods(mi, bi)))
		return r;
	if (!(mi->flags & MB1_F_MMAP)) {
		set_err(bi, "no memory map (flags bit 6 clear)", mi->flags);
		return -E_NOENT;
	}
	return mb1_parse_mmap(mi, bi);
}

void bootinfo_init(void)
{
	struct guest_bootinfo *bi = &guest_boot;
	u32 magic = guest_entry_state.eax;
	int r = -E_INVAL;

	if (magic == MB1_LOADER_MAGIC) {
		bi->protocol = 1;
		r = bootinfo_parse_mb1(guest_entry_state.ebx, bi);
	} else if (magic == MB2_LOADER_MAGIC) {
		bi->protocol = 2;
		r = bootinfo_parse_mb2(guest_entry_state.ebx, bi);
	} else {
		set_err(bi, "unknown loader magic", magic);
	}
	bi->parsed = r == 0;
	if (!bi->cmdline)
		bi->cmdline = "";
}

/* Finds @key as a whole word (or as the "key=" part of one). */
static const char *find_word(const char *key, bool with_value)
{
	size_t klen = strlen(key);
	const char *p = guest_boot.cmdline;

	while (p && *p) {
		size_t n = 0;

		while (*p == ' ')
			p++;
		while (p[n] && p[n] != ' ')
			n++;
		if (with_value ? (n > klen && p[klen] == '=') : n == klen) {
			if (!strncmp(p, key, klen))
				return p;
		}
		p += n;
	}
	return NULL;
}

bool cmdline_has(const char *tok)
{
	return find_word(tok, false) != NULL;
}

u64 guest_parse_u64(const char *s)
{
	u64 v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (u64)(*s++ - '0');
	return v;
}

bool cmdline_value(const char *key, char *buf, size_t len)
{
	const char *p = find_word(key, true);
	size_t n = 0;

	if (!p || !len)
		return false;
	p += strlen(key) + 1;
	while (p[n] && p[n] != ' ' && n + 1 < len) {
		buf[n] = p[n];
		n++;
	}
	buf[n] = '\0';
	return true;
}

bool cmdline_list_has(const char *key, const char *name, bool dflt)
{
	char list[128];
	size_t n = strlen(name);

	if (!cmdline_value(key, list, sizeof(list)))
		return dflt;
	for (const char *p = list; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		if (len == n && !strncmp(p, name, n))
			return true;
		p += len + (end ? 1 : 0);
	}
	return false;
}
