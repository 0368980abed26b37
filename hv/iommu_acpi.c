// SPDX-License-Identifier: MIT
/*
 * DMAR and IVRS parsing (hv/iommu_acpi.h): IOMMU units, the devices they
 * cover and the memory that must stay identity-mapped. Pure.
 */
#include "hv/iommu_acpi.h"

#include "hv/include/compiler.h"
#include "hv/include/err.h"
#include "hv/include/lib.h"

#define SDT_HEADER_LEN 36
#define DMAR_STRUCT_OFF 48 /* VT-d spec 8.1: header, HAW, flags, 10 rsvd */
#define IVRS_BLOCK_OFF 48 /* AMD IOMMU spec 5.2.1: header, IVinfo, 8 rsvd */
#define AMDVI_MMIO_SIZE 0x4000u /* AMD IOMMU spec 3.4: 16 KiB, 16 KiB aligned */

/* A window of the table: reads outside [0, len) are malformed input. */
struct win {
	const struct acpi_reader *rd;
	u64 pa;
	u32 len;
};

static int get(const struct win *w, u32 off, u32 n, void *out)
{
	if (off > w->len || n > w->len - off)
		return -E_INVAL;
	return w->rd->read(w->rd->ctx, w->pa + off, out, n) ? -E_FAULT : 0;
}

static int get8(const struct win *w, u32 off, u8 *v)
{
	return get(w, off, 1, v);
}

static int get16(const struct win *w, u32 off, u16 *v)
{
	return get(w, off, 2, v);
}

static int get64(const struct win *w, u32 off, u64 *v)
{
	return get(w, off, 8, v);
}

static struct win sub(const struct win *w, u32 off, u32 len)
{
	return (struct win){ w->rd, w->pa + off, len };
}

static int check_header(const struct win *t, const char sig[4])
{
	char s[4];
	u32 len;
	int ret = get(t, 0, 4, s);

	if (!ret)
		ret = get(t, 4, 4, &len);
	if (ret)
		return ret;
	return memcmp(s, sig, 4) || len != t->len ? -E_INVAL : 0;
}

static int add_unit(struct iommu_acpi *a, const struct iommu_unit *u)
{
	if (!u->base || (u->base & (PAGE_SIZE - 1)) ||
	    u->base + u->size < u->base)
		return -E_INVAL;
	for (u32 i = 0; i < a->nr_units; i++) {
		const struct iommu_unit *o = &a->units[i];

		if (u->base < o->base + o->size && o->base < u->base + u->size)
			return -E_INVAL; /* register ranges overlap */
	}
	if (a->nr_units == IOMMU_MAX_UNITS)
		return -E_TOOBIG;
	a->units[a->nr_units++] = *u;
	return 0;
}

static int add_dev(struct iommu_acpi *a, const struct iommu_dev *d)
{
	if (d->first > d->last)
		return -E_INVAL;
	if (a->nr_devs == IOMMU_MAX_DEVS)
		return -E_TOOBIG;
	a->devs[a->nr_devs++] = *d;
	return 0;
}

static int add_region(struct iommu_acpi *a, const struct iommu_region *r)
{
	if ((r->base | r->end) & (PAGE_SIZE - 1) || r->end <= r->base)
		return -E_INVAL;
	if (a->nr_regions == IOMMU_MAX_REGIONS)
		return -E_TOOBIG;
	a->regions[a->nr_regions++] = *r;
	return 0;
}

static bool owns_pci(const struct iommu_dev *d)
{
	return d->owner_kind == IOMMU_OWNER_UNIT &&
	       !(d->flags & IOMMU_DEV_UNRESOLVED) &&
	       (d->kind == IOMMU_DEV_PCI || d->kind == IOMMU_DEV_BRIDGE);
}

/* One requester ID behind two different units is a firmware bug. */
static int check_dev_overlap(const struct iommu_acpi *a)
{
	for (u32 i = 0; i < a->nr_devs; i++)
		for (u32 j = i + 1; j < a->nr_devs; j++) {
			const struct iommu_dev *x = &a->devs[i],
					       *y = &a->devs[j];

			if (!owns_pci(x) || !owns_pci(y) ||
			    x->owner == y->owner || x->segment != y->segment)
				continue;
			if (x->first <= y->last && y->first <= x->last)
				return -E_INVAL;
		}
	return 0;
}

int iommu_unit_for(const struct iommu_acpi *a, u16 segment, u16 rid)
{
	for (u32 i = 0; i < a->nr_devs; i++) {
		const struct iommu_dev *d = &a->devs[i];

		if (owns_pci(d) && d->segment == segment && rid >= d->first &&
		    rid <= d->last)
			return d->owner;
	}
	for (u32 i = 0; i < a->nr_units; i++)
		if ((a->units[i].flags & IOMMU_UNIT_ALL) &&
		    a->units[i].segment == segment)
			return (int)i;
	return -E_NOENT;
}

/* ================================================================ DMAR */

static u16 rid_of(u8 bus, u8 dev, u8 fn)
{
	return (u16)(bus << 8 | dev << 3 | fn);
}

/*
 * VT-d spec 8.3.1: a scope names its device by a start bus and a path of
 * (device, function) hops, each hop but the last a PCI-PCI bridge whose
 * secondary bus the next hop is on.
 */
static int scope_resolve(const struct iommu_pci *pci, struct iommu_dev *d,
			 u8 *sec, u8 *subord)
{
	u8 bus = d->start_bus;

	for (u8 i = 0; i < d->path_len; i++) {
		u8 dev = d->path[i][0], fn = d->path[i][1];

		if (dev > 31 || fn > 7)
			return -E_INVAL;
		if (i + 1 == d->path_len) {
			d->first = d->last = rid_of(bus, dev, fn);
			break;
		}
		if (!pci || pci->bridge_buses(pci->ctx, d->segment, bus, dev,
					      fn, &bus, subord)) {
			d->flags |= IOMMU_DEV_UNRESOLVED;
			return 0;
		}
	}
	if (d->kind != IOMMU_DEV_BRIDGE)
		return 0;
	if (!pci ||
	    pci->bridge_buses(pci->ctx, d->segment, bus,
			      d->path[d->path_len - 1][0],
			      d->path[d->path_len - 1][1], sec, subord) ||
	    *sec > *subord)
		d->flags |= IOMMU_DEV_UNRESOLVED;
	return 0;
}

/* VT-d spec 8.3.1: device-scope types. */
static int scope_kind(u8 type, u8 *kind)
{
	static const u8 kinds[] = { 0xff,
				    IOMMU_DEV_PCI,
				    IOMMU_DEV_BRIDGE,
				    IOMMU_DEV_IOAPIC,
				    IOMMU_DEV_HPET,
				    IOMMU_DEV_NAMESPACE };

	if (type == 0)
		return -E_INVAL;
	*kind = type < ARRAY_SIZE(kinds) ? kinds[type] : 0xff;
	return 0;
}

static int one_scope(const struct win *s, u32 off, u8 slen, u8 owner_kind,
		     u8 owner, u16 seg, const struct iommu_pci *pci,
		     struct iommu_acpi *a)
{
	struct iommu_dev d = { .owner_kind = owner_kind, .owner = owner };
	u8 type, sec = 0, subord = 0;
	int ret;

	if (slen < 8 || (slen & 1) || (slen - 6) / 2 > IOMMU_MAX_PATH)
		return -E_INVAL;
	ret = get8(s, off, &type);
	if (!ret)
		ret = scope_kind(type, &d.kind);
	if (!ret)
		ret = get8(s, off + 4, &d.enum_id);
	if (!ret)
		ret = get8(s, off + 5, &d.start_bus);
	if (!ret)
		ret = get(s, off + 6, slen - 6u, d.path);
	if (ret || d.kind == 0xff) /* reserved scope types are skipped */
		return ret;
	d.segment = seg;
	d.path_len = (u8)((slen - 6) / 2);
	ret = scope_resolve(pci, &d, &sec, &subord);
	if (!ret)
		ret = add_dev(a, &d);
	if (ret || d.kind != IOMMU_DEV_BRIDGE ||
	    (d.flags & IOMMU_DEV_UNRESOLVED))
		return ret;
	/* The buses below the bridge, all of their functions. */
	d.first = (u16)(sec << 8);
	d.last = (u16)(subord << 8 | 0xff);
	return add_dev(a, &d);
}

/* The device scopes from @off to the end of structure @s. */
static int scopes(const struct win *s, u32 off, u8 owner_kind, u8 owner,
		  u16 seg, const struct iommu_pci *pci, struct iommu_acpi *a)
{
	while (off < s->len) {
		u8 slen;
		int ret = get8(s, off + 1, &slen);

		if (!ret && (slen < 6 || slen > s->len - off))
			ret = -E_INVAL;
		if (!ret && a)
			ret = one_scope(s, off, slen, owner_kind, owner, seg,
					pci, a);
		if (ret)
			return ret;
		off += slen;
	}
	return 0;
}

static bool seg_has_all(const struct iommu_acpi *a, u16 seg)
{
	for (u32 i = 0; i < a->nr_units; i++)
		if ((a->units[i].flags & IOMMU_UNIT_ALL) &&
		    a->units[i].segment == seg)
			return true;
	return false;
}

/*
 * VT-d spec 8.3: DRHD. Flags bit 0 INCLUDE_PCI_ALL; Size bits 3:0 give
 * 2^N pages of registers; a unit with INCLUDE_PCI_ALL is the last of its
 * segment, and there is at most one.
 */
static int dmar_drhd(const struct win *s, const struct iommu_pci *pci,
		     struct iommu_acpi *a)
{
	struct iommu_unit u = { .kind = IOMMU_VTD };
	u8 flags, size;
	int ret;

	if (s->len < 16)
		return -E_INVAL;
	ret = get8(s, 4, &flags);
	if (!ret)
		ret = get8(s, 5, &size);
	if (!ret)
		ret = get16(s, 6, &u.segment);
	if (!ret)
		ret = get64(s, 8, &u.base);
	if (ret)
		return ret;
	if (seg_has_all(a, u.segment))
		return -E_INVAL;
	u.flags = (flags & 1) ? IOMMU_UNIT_ALL : 0;
	u.size = PAGE_SIZE << (size & 15);
	if (a->haw < 64 && (u.base >> a->haw))
		return -E_INVAL;
	ret = add_unit(a, &u);
	if (ret)
		return ret;
	return scopes(s, 16, IOMMU_OWNER_UNIT, (u8)(a->nr_units - 1), u.segment,
		      pci, a);
}

/* VT-d spec 8.4: RMRR, [base, limit] inclusive, 4 KiB granular. */
static int dmar_rmrr(const struct win *s, const struct iommu_pci *pci,
		     struct iommu_acpi *a)
{
	struct iommu_region r = { .type = 1,
				  .flags = IOMMU_REGION_UNITY |
					   IOMMU_REGION_READ |
					   IOMMU_REGION_WRITE };
	u64 limit;
	int ret;

	if (s->len < 24)
		return -E_INVAL;
	ret = get16(s, 6, &r.segment);
	if (!ret)
		ret = get64(s, 8, &r.base);
	if (!ret)
		ret = get64(s, 16, &limit);
	if (ret)
		return ret;
	if (limit == ~0ULL)
		return -E_INVAL;
	r.end = limit + 1;
	ret = add_region(a, &r);
	if (ret)
		return ret;
	return scopes(s, 24, IOMMU_OWNER_REGION, (u8)(a->nr_regions - 1),
		      r.segment, pci, a);
}

/* VT-d spec 8.2: structure types and the offset of their device scopes. */
static int dmar_struct(const struct win *s, u16 type,
		       const struct iommu_pci *pci, struct iommu_acpi *a)
{
	switch (type) {
	case 0:
		return dmar_drhd(s, pci, a);
	case 1:
		return dmar_rmrr(s, pci, a);
	case 2: /* ATSR: flags, reserved, segment, scopes */
	case 5: /* SATC: flags, reserved, segment, scopes */
		return s->len < 8 ? -E_INVAL : scopes(s, 8, 0, 0, 0, pci, NULL);
	case 3: /* RHSA: fixed 20 bytes */
		return s->len < 20 ? -E_INVAL : 0;
	default: /* ANDD and later types: skipped by length */
		return 0;
	}
}

int dmar_parse(const struct acpi_reader *rd, u64 pa, u32 len,
	       const struct iommu_pci *pci, struct iommu_acpi *out)
{
	struct win t = { rd, pa, len };
	u8 haw;
	int ret;

	memset(out, 0, sizeof(*out));
	out->kind = IOMMU_VTD;
	if (len < DMAR_STRUCT_OFF)
		return -E_INVAL;
	ret = check_header(&t, "DMAR");
	if (!ret)
		ret = get8(&t, 36, &haw);
	if (!ret)
		ret = get8(&t, 37, &out->dmar_flags);
	if (ret)
		return ret;
	/* VT-d spec 8.1: the field holds the width minus one. */
	out->haw = (u8)(haw + 1);
	if (out->haw < 32 || out->haw > 64)
		return -E_INVAL;
	for (u32 off = DMAR_STRUCT_OFF; off < len;) {
		u16 type, slen;
		struct win s;

		ret = get16(&t, off, &type);
		if (!ret)
			ret = get16(&t, off + 2, &slen);
		if (!ret && (slen < 4 || slen > len - off))
			ret = -E_INVAL;
		if (ret)
			return ret;
		s = sub(&t, off, slen);
		ret = dmar_struct(&s, type, pci, out);
		if (ret)
			return ret;
		off += slen;
	}
	if (!out->nr_units)
		return -E_INVAL;
	return check_dev_overlap(out);
}

/* ================================================================ IVRS */

/* A range opened by a start entry and closed by the next end entry. */
struct ivhd_ctx {
	struct iommu_acpi *a;
	u8 unit;
	u16 seg;
	bool open;
	struct iommu_dev pending;
};

static int ivhd_dev(struct ivhd_ctx *c, u16 first, u16 last, u8 dte, u16 alias,
		    bool is_alias)
{
	struct iommu_dev d = { .kind = IOMMU_DEV_PCI,
			       .owner_kind = IOMMU_OWNER_UNIT,
			       .owner = c->unit,
			       .segment = c->seg,
			       .first = first,
			       .last = last,
			       .dte = dte,
			       .alias_id = alias,
			       .flags = is_alias ? IOMMU_DEV_ALIAS : 0 };

	return add_dev(c->a, &d);
}

static int ivhd_start(struct ivhd_ctx *c, u16 id, u8 dte, u16 alias,
		      bool is_alias)
{
	if (c->open)
		return -E_INVAL;
	c->open = true;
	c->pending =
		(struct iommu_dev){ .first = id,
				    .dte = dte,
				    .alias_id = alias,
				    .flags = is_alias ? IOMMU_DEV_ALIAS : 0 };
	return 0;
}

static int ivhd_end(struct ivhd_ctx *c, u16 id)
{
	const struct iommu_dev *p = &c->pending;

	if (!c->open || id < p->first)
		return -E_INVAL;
	c->open = false;
	return ivhd_dev(c, p->first, id, p->dte, p->alias_id,
			p->flags & IOMMU_DEV_ALIAS);
}

/* AMD IOMMU spec 5.2.2.3, "special" entry: variety 1 IOAPIC, 2 HPET. */
static int ivhd_special(struct ivhd_ctx *c, const u8 *e)
{
	struct iommu_dev d = { .owner_kind = IOMMU_OWNER_UNIT,
			       .owner = c->unit,
			       .segment = c->seg,
			       .dte = e[3],
			       .enum_id = e[4] };

	if (e[7] != 1 && e[7] != 2)
		return -E_INVAL;
	d.kind = e[7] == 1 ? IOMMU_DEV_IOAPIC : IOMMU_DEV_HPET;
	memcpy(&d.first, e + 5, 2);
	d.last = d.first;
	return add_dev(c->a, &d);
}

/*
 * AMD IOMMU spec 5.2.2.3, device entries. Type bits 7:6 give
 * the size (4, 8, 16 or 32 bytes) except the variable-length ACPI HID entry
 * F0h. 00h pad, 01h all, 02h select, 03h range start, 04h range end, 42h
 * alias select, 43h alias range start, 46h extended select, 47h extended
 * range start, 48h special.
 */
static int ivhd_entry(struct ivhd_ctx *c, const u8 *e)
{
	u16 id, alias;

	memcpy(&id, e + 1, 2);
	memcpy(&alias, e + 5, 2);
	switch (e[0]) {
	case 0x01:
		c->a->units[c->unit].flags |= IOMMU_UNIT_ALL;
		return 0;
	case 0x02:
	case 0x46:
		return ivhd_dev(c, id, id, e[3], 0, false);
	case 0x03:
	case 0x47:
		return ivhd_start(c, id, e[3], 0, false);
	case 0x04:
		return ivhd_end(c, id);
	case 0x42:
		return ivhd_dev(c, id, id, e[3], alias, true);
	case 0x43:
		return ivhd_start(c, id, e[3], alias, true);
	case 0x48:
		return ivhd_special(c, e);
	default: /* pad and reserved types: skipped */
		return 0;
	}
}

static int ivhd_entries(const struct win *b, u32 off, struct ivhd_ctx *c)
{
	while (off < b->len) {
		u8 e[32], type;
		u32 n;
		int ret = get8(b, off, &type);

		if (ret)
			return ret;
		n = 4u << (type >> 6);
		if (type == 0xf0) { /* ACPI HID device: 22 + UID length */
			ret = get8(b, off + 21, &e[0]);
			n = 22u + e[0];
		}
		if (!ret && n > b->len - off)
			ret = -E_INVAL;
		if (!ret)
			ret = get(b, off, MIN(n, (u32)sizeof(e)), e);
		if (!ret && type != 0xf0)
			ret = ivhd_entry(c, e);
		if (ret)
			return ret;
		off += n;
	}
	return c->open ? -E_INVAL : 0;
}

/* AMD IOMMU spec 5.2.2.1/5.2.2.2: IVHD 10h (24-byte header), 11h/40h (40). */
static int ivhd(const struct win *b, u8 type, struct iommu_acpi *a)
{
	struct iommu_unit u = { .kind = IOMMU_AMDVI,
				.type = type,
				.size = AMDVI_MMIO_SIZE };
	struct ivhd_ctx c = { .a = a };
	u32 hlen = type == 0x10 ? 24 : 40;
	int ret;

	if (b->len < hlen)
		return -E_INVAL;
	ret = get8(b, 1, &u.ivhd_flags);
	if (!ret)
		ret = get16(b, 4, &u.devid);
	if (!ret)
		ret = get16(b, 6, &u.cap_off);
	if (!ret)
		ret = get64(b, 8, &u.base);
	if (!ret)
		ret = get16(b, 16, &u.segment);
	if (!ret)
		ret = get16(b, 18, &u.iommu_info);
	if (!ret)
		ret = get(b, 20, 4, &u.feat);
	if (!ret && type != 0x10)
		ret = get64(b, 24, &u.efr);
	if (ret)
		return ret;
	if (u.base & (AMDVI_MMIO_SIZE - 1))
		return -E_INVAL;
	ret = add_unit(a, &u);
	if (ret)
		return ret;
	c.unit = (u8)(a->nr_units - 1);
	c.seg = u.segment;
	return ivhd_entries(b, hlen, &c);
}

/*
 * AMD IOMMU spec 5.2.3: IVMD 20h all, 21h one device, 22h a range (end in
 * the auxiliary field); the PCI segment at offset 8 (0 in older tables,
 * whose bytes 8-15 are reserved).
 */
static int ivmd(const struct win *b, u8 type, struct iommu_acpi *a)
{
	struct iommu_region r = { .type = type };
	struct iommu_dev d = { .kind = IOMMU_DEV_PCI,
			       .owner_kind = IOMMU_OWNER_REGION };
	u8 flags;
	u64 mlen;
	int ret;

	if (b->len != 32)
		return -E_INVAL;
	ret = get8(b, 1, &flags);
	if (!ret)
		ret = get16(b, 4, &d.first);
	if (!ret)
		ret = get16(b, 6, &d.last);
	if (!ret)
		ret = get16(b, 8, &r.segment);
	if (!ret)
		ret = get64(b, 16, &r.base);
	if (!ret)
		ret = get64(b, 24, &mlen);
	if (ret)
		return ret;
	r.flags = flags & 0xf; /* unity, IR, IW, exclusion: as ours */
	if (type == 0x20)
		r.flags |= IOMMU_REGION_ALL_DEVS;
	if (type == 0x21)
		d.last = d.first;
	r.end = r.base + mlen;
	if (r.end < r.base)
		return -E_INVAL;
	ret = add_region(a, &r);
	if (ret || type == 0x20)
		return ret;
	d.owner = (u8)(a->nr_regions - 1);
	d.segment = r.segment;
	return add_dev(a, &d);
}

struct ivhd_choice {
	u16 seg, devid;
	u8 type;
};

/*
 * AMD IOMMU spec 5.2.2: one IOMMU may be described by IVHDs of several
 * types; software uses the highest type it understands. Pass one finds it
 * for every (segment, device ID).
 */
static int ivhd_choose(const struct win *t, struct ivhd_choice *ch, u32 *nr)
{
	*nr = 0;
	for (u32 off = IVRS_BLOCK_OFF; off < t->len;) {
		u8 type;
		u16 blen, seg = 0, devid = 0;
		u32 i;
		int ret = get8(t, off, &type);

		if (!ret)
			ret = get16(t, off + 2, &blen);
		if (!ret && (blen < 8 || blen > t->len - off))
			ret = -E_INVAL;
		if (!ret && (type == 0x11 || type == 0x40) && blen < 40)
			ret = -E_INVAL;
		if (!ret && type == 0x10 && blen < 24)
			ret = -E_INVAL;
		if (!ret && (type == 0x10 || type == 0x11 || type == 0x40)) {
			ret = get16(t, off + 4, &devid);
			if (!ret)
				ret = get16(t, off + 16, &seg);
		}
		if (ret)
			return ret;
		off += blen;
		if (type != 0x10 && type != 0x11 && type != 0x40)
			continue;
		for (i = 0; i < *nr; i++)
			if (ch[i].seg == seg && ch[i].devid == devid)
				break;
		if (i == IOMMU_MAX_UNITS)
			return -E_TOOBIG;
		if (i == *nr)
			ch[(*nr)++] = (struct ivhd_choice){ seg, devid, type };
		ch[i].type = MAX(ch[i].type, type);
	}
	return 0;
}

static bool ivhd_chosen(const struct win *b, u8 type,
			const struct ivhd_choice *ch, u32 nr)
{
	u16 seg, devid;

	if (b->len < 24 || get16(b, 4, &devid) || get16(b, 16, &seg))
		return false;
	for (u32 i = 0; i < nr; i++)
		if (ch[i].seg == seg && ch[i].devid == devid)
			return ch[i].type == type;
	return false;
}

int ivrs_parse(const struct acpi_reader *rd, u64 pa, u32 len,
	       struct iommu_acpi *out)
{
	struct win t = { rd, pa, len };
	struct ivhd_choice ch[IOMMU_MAX_UNITS];
	u32 nr_ch;
	int ret;

	memset(out, 0, sizeof(*out));
	out->kind = IOMMU_AMDVI;
	if (len < IVRS_BLOCK_OFF)
		return -E_INVAL;
	ret = check_header(&t, "IVRS");
	if (!ret)
		ret = get(&t, 36, 4, &out->ivinfo);
	if (!ret)
		ret = ivhd_choose(&t, ch, &nr_ch);
	if (ret)
		return ret;
	/* AMD IOMMU spec 5.2.1: IVinfo bits 14:8, physical address size. */
	out->haw = (out->ivinfo >> 8) & 0x7f;
	for (u32 off = IVRS_BLOCK_OFF; off < len;) {
		u8 type;
		u16 blen;
		struct win b;

		/* Pass one checked every block header. */
		if (get8(&t, off, &type) || get16(&t, off + 2, &blen))
			return -E_FAULT;
		b = sub(&t, off, blen);
		off += blen;
		if (type >= 0x20 && type <= 0x22)
			ret = ivmd(&b, type, out);
		else if (ivhd_chosen(&b, type, ch, nr_ch))
			ret = ivhd(&b, type, out);
		if (ret)
			return ret;
	}
	if (!out->nr_units)
		return -E_INVAL;
	return check_dev_overlap(out);
}
