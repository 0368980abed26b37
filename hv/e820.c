// SPDX-License-Identifier: MIT
/*
 * The Linux boot protocol's e820 map from L1's memory map (hv/e820.h).
 * Pure C: builds freestanding and hosted.
 */
#include "hv/e820.h"

#include "hv/include/err.h"

static u64 entry_end(const struct l1_mem_region *r)
{
	return r->len > ~0ULL - r->base ? ~0ULL : r->base + r->len;
}

/* Higher is more restrictive: available, ACPI reclaimable, the others. */
static u64 rank(u32 type)
{
	if (type == L1_MEM_AVAILABLE)
		return 0;
	if (type == L1_MEM_ACPI)
		return 1;
	return 2 + (u64)type;
}

/* The type that covers @a (false when none does). */
static bool type_at(const struct l1_mem_region *map, unsigned n, u64 a,
		    u32 *type)
{
	bool found = false;

	for (unsigned i = 0; i < n; i++) {
		if (!map[i].len || a < map[i].base || a >= entry_end(&map[i]))
			continue;
		if (!found || rank(map[i].type) > rank(*type))
			*type = map[i].type;
		found = true;
	}
	return found;
}

/* The lowest entry start or end above @cur; false when there is none. */
static bool next_boundary(const struct l1_mem_region *map, unsigned n, u64 cur,
			  u64 *next)
{
	bool found = false;

	for (unsigned i = 0; i < n; i++) {
		u64 b[2] = { map[i].base, entry_end(&map[i]) };

		if (!map[i].len)
			continue;
		for (int k = 0; k < 2; k++)
			if (b[k] > cur && (!found || b[k] < *next)) {
				*next = b[k];
				found = true;
			}
	}
	return found;
}

int e820_build(const struct l1_mem_region *map, unsigned n,
	       struct boot_e820_entry *out, unsigned max)
{
	unsigned cnt = 0;
	u64 cur = ~0ULL, next = 0;
	u32 type = 0;

	if ((n && !map) || !out || max > E820_MAX_ENTRIES)
		return -E_INVAL;
	for (unsigned i = 0; i < n; i++)
		if (map[i].len && map[i].base < cur)
			cur = map[i].base;
	for (; n && cur != ~0ULL && next_boundary(map, n, cur, &next);
	     cur = next) {
		struct boot_e820_entry *last = cnt ? &out[cnt - 1] : NULL;

		if (!type_at(map, n, cur, &type))
			continue;
		if (last && last->type == type &&
		    last->addr + last->size == cur) {
			last->size += next - cur;
			continue;
		}
		if (cnt == max)
			return -E_TOOBIG;
		out[cnt++] = (struct boot_e820_entry){ cur, next - cur, type };
	}
	return (int)cnt;
}
