// SPDX-License-Identifier: MIT
/*
 * The formatter behind log_*() and fmt_snprintf(): parses one conversion
 * spec at a time and renders it through an output callback. Rules follow
 * C11 7.21.6.1; where C leaves a choice, glibc's output is matched.
 */
#include "hv/printf.h"

#define F_MINUS BIT(0)
#define F_ZERO BIT(1)
#define F_HASH BIT(2)
#define F_PLUS BIT(3)
#define F_SPACE BIT(4)

enum fmt_len { LEN_NONE, LEN_HH, LEN_H, LEN_L, LEN_LL, LEN_Z, LEN_T, LEN_J };

struct fmt_spec {
	unsigned int flags;
	int width;
	int prec; /* -1: none given */
	enum fmt_len len;
	char conv; /* 0 if the format ended inside the spec */
};

struct fmt_state {
	fmt_out_fn out;
	void *ctx;
	int count;
};

static void emit(struct fmt_state *st, char c)
{
	st->out(st->ctx, c);
	st->count++;
}

static void emit_n(struct fmt_state *st, char c, int n)
{
	while (n-- > 0)
		emit(st, c);
}

static void emit_str(struct fmt_state *st, const char *s, int n)
{
	while (n-- > 0)
		emit(st, *s++);
}

static const char *parse_flags(const char *p, unsigned int *flags)
{
	for (;; p++) {
		switch (*p) {
		case '-':
			*flags |= F_MINUS;
			break;
		case '0':
			*flags |= F_ZERO;
			break;
		case '#':
			*flags |= F_HASH;
			break;
		case '+':
			*flags |= F_PLUS;
			break;
		case ' ':
			*flags |= F_SPACE;
			break;
		default:
			return p;
		}
	}
}

/* Digits or '*'; *v is untouched when neither is present. */
static const char *parse_num(const char *p, int *v, va_list *ap)
{
	if (*p == '*') {
		*v = va_arg(*ap, int);
		/* Clamped here so that negating it later cannot overflow. */
		*v = MAX(MIN(*v, FMT_MAX_WIDTH), -FMT_MAX_WIDTH);
		return p + 1;
	}
	if (*p < '0' || *p > '9')
		return p;
	*v = 0;
	for (; *p >= '0' && *p <= '9'; p++)
		*v = MIN(*v * 10 + (*p - '0'), FMT_MAX_WIDTH);
	return p;
}

static const char *parse_len(const char *p, enum fmt_len *len)
{
	switch (*p) {
	case 'h':
		if (p[1] == 'h') {
			*len = LEN_HH;
			return p + 2;
		}
		*len = LEN_H;
		return p + 1;
	case 'l':
		if (p[1] == 'l') {
			*len = LEN_LL;
			return p + 2;
		}
		*len = LEN_L;
		return p + 1;
	case 'z':
		*len = LEN_Z;
		return p + 1;
	case 't':
		*len = LEN_T;
		return p + 1;
	case 'j':
		*len = LEN_J;
		return p + 1;
	default:
		*len = LEN_NONE;
		return p;
	}
}

/* p points just after '%'; returns the character after the spec. */
static const char *parse_spec(const char *p, struct fmt_spec *sp, va_list *ap)
{
	sp->flags = 0;
	sp->width = 0;
	sp->prec = -1;
	p = parse_flags(p, &sp->flags);
	p = parse_num(p, &sp->width, ap);
	if (sp->width < 0) {
		/* C11 7.21.6.1p5: a negative '*' width is '-' and a width. */
		sp->flags |= F_MINUS;
		sp->width = -sp->width;
	}
	if (*p == '.') {
		sp->prec = 0;
		p = parse_num(p + 1, &sp->prec, ap);
		if (sp->prec < 0) /* negative '*': as if omitted */
			sp->prec = -1;
	}
	p = parse_len(p, &sp->len);
	sp->conv = *p;
	return *p ? p + 1 : p;
}

static s64 arg_signed(enum fmt_len len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (signed char)va_arg(*ap, int);
	case LEN_H:
		return (short)va_arg(*ap, int);
	case LEN_L:
		return va_arg(*ap, long);
	case LEN_LL:
		return va_arg(*ap, long long);
	case LEN_Z:
		return (s64)va_arg(*ap, size_t);
	case LEN_T:
		return va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, intmax_t);
	default:
		return va_arg(*ap, int);
	}
}

static u64 arg_unsigned(enum fmt_len len, va_list *ap)
{
	switch (len) {
	case LEN_HH:
		return (unsigned char)va_arg(*ap, unsigned int);
	case LEN_H:
		return (unsigned short)va_arg(*ap, unsigned int);
	case LEN_L:
		return va_arg(*ap, unsigned long);
	case LEN_LL:
		return va_arg(*ap, unsigned long long);
	case LEN_Z:
		return va_arg(*ap, size_t);
	case LEN_T:
		return (u64)va_arg(*ap, ptrdiff_t);
	case LEN_J:
		return va_arg(*ap, uintmax_t);
	default:
		return va_arg(*ap, unsigned int);
	}
}

/* Writes the digits of v backwards from end; returns how many. */
static int to_digits(u64 v, unsigned int base, bool upper, char *end)
{
	const char *set = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;

	while (v) {
		*--end = set[v % base];
		v /= base;
		n++;
	}
	return n;
}

/*
 * Renders prefix (sign or 0x), precision zeros, digits, padded to the
 * width. C11 7.21.6.1p6: '0' is ignored with '-' or with a precision.
 */
static void emit_number(struct fmt_state *st, const struct fmt_spec *sp,
			const char *prefix, int nprefix, const char *digits,
			int ndigits)
{
	int zeros = sp->prec > ndigits ? sp->prec - ndigits : 0;
	int total, pad;

	/* C11 7.21.6.1p6: '#' with o makes the first digit a zero. */
	if (sp->conv == 'o' && (sp->flags & F_HASH) && !zeros &&
	    (!ndigits || digits[0] != '0'))
		zeros = 1;
	total = nprefix + zeros + ndigits;
	pad = sp->width > total ? sp->width - total : 0;
	if ((sp->flags & (F_MINUS | F_ZERO)) == F_ZERO && sp->prec < 0) {
		zeros += pad;
		pad = 0;
	}
	if (!(sp->flags & F_MINUS))
		emit_n(st, ' ', pad);
	emit_str(st, prefix, nprefix);
	emit_n(st, '0', zeros);
	emit_str(st, digits, ndigits);
	if (sp->flags & F_MINUS)
		emit_n(st, ' ', pad);
}

static void fmt_integer(struct fmt_state *st, const struct fmt_spec *sp,
			va_list *ap)
{
	char buf[24], *end = buf + sizeof(buf), prefix[2];
	int nprefix = 0, n;
	unsigned int base = 10;
	u64 v;

	if (sp->conv == 'd' || sp->conv == 'i') {
		s64 s = arg_signed(sp->len, ap);

		v = s < 0 ? 0 - (u64)s : (u64)s;
		if (s < 0)
			prefix[nprefix++] = '-';
		else if (sp->flags & (F_PLUS | F_SPACE))
			prefix[nprefix++] = sp->flags & F_PLUS ? '+' : ' ';
	} else {
		v = arg_unsigned(sp->len, ap);
		base = sp->conv == 'o' ? 8 : sp->conv == 'u' ? 10 : 16;
		if (base == 16 && (sp->flags & F_HASH) && v) {
			prefix[nprefix++] = '0';
			prefix[nprefix++] = sp->conv;
		}
	}
	n = to_digits(v, base, sp->conv == 'X', end);
	/* C11 7.21.6.1p8: the default precision is 1; 0 with 0 is empty. */
	if (!n && sp->prec)
		*(end - ++n) = '0';
	emit_number(st, sp, prefix, nprefix, end - n, n);
}

static void fmt_padded(struct fmt_state *st, const struct fmt_spec *sp,
		       const char *s, int n)
{
	int pad = sp->width > n ? sp->width - n : 0;

	if (!(sp->flags & F_MINUS))
		emit_n(st, ' ', pad);
	emit_str(st, s, n);
	if (sp->flags & F_MINUS)
		emit_n(st, ' ', pad);
}

static void fmt_string(struct fmt_state *st, const struct fmt_spec *sp,
		       const char *s)
{
	int n = 0;

	/* glibc prints "(null)" only if the precision lets it all through. */
	if (!s)
		s = sp->prec < 0 || sp->prec >= 6 ? "(null)" : "";
	while (s[n] && (sp->prec < 0 || n < sp->prec))
		n++;
	fmt_padded(st, sp, s, n);
}

static void fmt_pointer(struct fmt_state *st, const struct fmt_spec *sp,
			const void *p)
{
	char buf[18];

	buf[0] = '0';
	buf[1] = 'x';
	for (int i = 0; i < 16; i++)
		buf[2 + i] = "0123456789abcdef"[((u64)p >> (60 - 4 * i)) & 0xf];
	fmt_padded(st, sp, buf, sizeof(buf));
}

/* Returns false for a conversion this formatter does not know. */
static bool fmt_one(struct fmt_state *st, const struct fmt_spec *sp,
		    va_list *ap)
{
	char c;

	switch (sp->conv) {
	case 'd':
	case 'i':
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		fmt_integer(st, sp, ap);
		return true;
	case 'c':
		c = (char)va_arg(*ap, int);
		fmt_padded(st, sp, &c, 1);
		return true;
	case 's':
		fmt_string(st, sp, va_arg(*ap, const char *));
		return true;
	case 'p':
		fmt_pointer(st, sp, va_arg(*ap, const void *));
		return true;
	case '%':
		emit(st, '%');
		return true;
	default:
		return false;
	}
}

int fmt_vformat(fmt_out_fn out, void *ctx, const char *fmt, va_list ap)
{
	struct fmt_state st = { out, ctx, 0 };
	struct fmt_spec sp;
	va_list aq;

	/* A copy, so that helpers can share it through a pointer. */
	va_copy(aq, ap);
	while (*fmt) {
		const char *start = fmt;

		if (*fmt != '%') {
			emit(&st, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &aq);
		if (!fmt_one(&st, &sp, &aq))
			emit_str(&st, start, (int)(fmt - start));
	}
	va_end(aq);
	return st.count;
}

struct snbuf {
	char *buf;
	size_t size;
	size_t pos;
};

static void snbuf_out(void *ctx, char c)
{
	struct snbuf *b = ctx;

	if (b->pos + 1 < b->size)
		b->buf[b->pos] = c;
	b->pos++;
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct snbuf b = { buf, size, 0 };
	int n = fmt_vformat(snbuf_out, &b, fmt, ap);

	if (size)
		buf[MIN(b.pos, size - 1)] = '\0';
	return n;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
