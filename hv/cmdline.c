// SPDX-License-Identifier: MIT
/*
 * Command-line parsing (see hv/cmdline.h): splits the boot loader's text
 * into words, checks each against the option table, reports problems as
 * whole sentences. The text comes from GRUB's configuration: untrusted.
 */
#include "hv/cmdline.h"

#include "hv/include/lib.h"
#include "hv/printf.h"

#define SHOW_MAX 48 /* longest excerpt of a word quoted in a message */
#define WORD_MAX 31 /* bound for values that are names or numbers */
#define SHOW_BUF (SHOW_MAX + 4)
#define MSG_MAX 224

struct parser {
	cmdline_report_fn report;
	void *ctx;
	int problems;
};

/* The part of the text a message talks about. */
struct word {
	const char *s;
	size_t len;
};

struct option {
	const char *key;
	size_t max; /* longest value accepted */
	bool (*set)(struct hv_options *o, const char *v);
	const char *expect; /* what a valid value looks like */
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Bounded, printable excerpt of w in dst: the word may hold anything. */
static const char *show(char *dst, struct word w)
{
	size_t n = MIN(w.len, (size_t)SHOW_MAX), i;

	for (i = 0; i < n; i++)
		dst[i] = w.s[i] >= 0x20 && w.s[i] < 0x7f ? w.s[i] : '?';
	if (w.len > n) {
		memcpy(dst + i, "...", 3);
		i += 3;
	}
	dst[i] = '\0';
	return dst;
}

static void __printf(2, 3) problem(struct parser *ps, const char *fmt, ...)
{
	char msg[MSG_MAX];
	va_list ap;

	ps->problems++;
	if (!ps->report)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ps->report(ps->ctx, msg);
}

static bool set_log(struct hv_options *o, const char *v)
{
	static const char *const names[] = {
		[LOG_ERR] = "err",
		[LOG_WARN] = "warn",
		[LOG_INFO] = "info",
		[LOG_DBG] = "debug",
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(v, names[i])) {
			o->log_level = (enum log_level)i;
			return true;
		}
	}
	return false;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "0x" and 1 to 4 hex digits, not zero (zero is spelled "none"). */
static bool parse_port(const char *v, u16 *port)
{
	u32 val = 0;
	size_t n;

	if (v[0] != '0' || (v[1] != 'x' && v[1] != 'X'))
		return false;
	v += 2;
	n = strlen(v);
	if (n < 1 || n > 4)
		return false;
	for (; *v; v++) {
		int d = hex_digit(*v);

		if (d < 0)
			return false;
		val = val << 4 | (u32)d;
	}
	*port = (u16)val;
	return val != 0;
}

/* One serial item of console=: com1..com4, none or a port. */
static bool serial_item(const char *v, u16 *port)
{
	static const struct {
		const char *name;
		u16 port;
	} named[] = {
		{ "com1", CMDLINE_COM1 },
		{ "com2", CMDLINE_COM2 },
		{ "com3", CMDLINE_COM3 },
		{ "com4", CMDLINE_COM4 },
		{ "none", 0 },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(named); i++) {
		if (!strcmp(v, named[i].name)) {
			*port = named[i].port;
			return true;
		}
	}
	return parse_port(v, port);
}

/* A comma-separated list: at most one serial item, and "fb". Consoles
 * not named are off; "none" alone turns every console off. */
static bool set_console(struct hv_options *o, const char *v)
{
	char item[WORD_MAX + 1];
	bool fb = false, serial = false;
	u16 port = 0;

	while (*v) {
		size_t n = 0;

		while (v[n] && v[n] != ',')
			n++;
		if (!n || n > WORD_MAX)
			return false;
		memcpy(item, v, n);
		item[n] = '\0';
		v += n;
		if (*v == ',' && !*++v)
			return false; /* a trailing comma */
		if (!strcmp(item, "fb")) {
			fb = true;
			continue;
		}
		if (serial || !serial_item(item, &port))
			return false;
		serial = true;
	}
	if (!serial && !fb)
		return false;
	o->console_port = port;
	o->console_fb = fb;
	return true;
}

static bool set_exit(struct hv_options *o, const char *v)
{
	static const char *const names[] = {
		[EXIT_HALT] = "halt",
		[EXIT_QEMU] = "qemu",
		[EXIT_BOCHS] = "bochs",
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(v, names[i])) {
			o->exit = (enum exit_method)i;
			return true;
		}
	}
	return false;
}

static bool set_iommu(struct hv_options *o, const char *v)
{
	static const char *const names[] = {
		[IOMMU_AUTO] = "auto",
		[IOMMU_REQUIRED] = "required",
		[IOMMU_OFF] = "off",
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(names); i++) {
		if (!strcmp(v, names[i])) {
			o->iommu = (enum iommu_mode)i;
			return true;
		}
	}
	return false;
}

static bool parse_on_off(const char *v, bool *out)
{
	if (!strcmp(v, "on"))
		*out = true;
	else if (!strcmp(v, "off"))
		*out = false;
	else
		return false;
	return true;
}

static bool set_nested(struct hv_options *o, const char *v)
{
	return parse_on_off(v, &o->nested);
}

static bool set_vmcs_shadow(struct hv_options *o, const char *v)
{
	return parse_on_off(v, &o->vmcs_shadow);
}

static bool set_nested_exec_only(struct hv_options *o, const char *v)
{
	return parse_on_off(v, &o->nested_exec_only);
}

static bool set_nested_log(struct hv_options *o, const char *v)
{
	return parse_on_off(v, &o->nested_log);
}

static u64 test_word_flag(const char *w, size_t len)
{
	static const struct {
		const char *name;
		u64 flag;
	} words[] = {
		{ "ud", CMDLINE_TEST_UD },
		{ "guard-write", CMDLINE_TEST_GUARD_WRITE },
		{ "stack-overflow", CMDLINE_TEST_STACK_OVERFLOW },
		{ "panic", CMDLINE_TEST_PANIC },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(words); i++)
		if (strlen(words[i].name) == len &&
		    !strncmp(w, words[i].name, len))
			return words[i].flag;
	return 0;
}

/* Unknown words are kept in the raw string only: boot tests may add some. */
static bool set_test(struct hv_options *o, const char *v)
{
	o->test_flags = 0;
	for (const char *p = v; *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);

		o->test_flags |= test_word_flag(p, len);
		p += end ? len + 1 : len;
	}
	memcpy(o->test, v, strlen(v) + 1);
	return true;
}

/* cpus=N: a decimal count from 1 to CMDLINE_MAX_CPUS. */
static bool set_cpus(struct hv_options *o, const char *v)
{
	u32 n = 0;

	if (!*v || strlen(v) > 4)
		return false;
	for (; *v; v++) {
		if (*v < '0' || *v > '9')
			return false;
		n = n * 10 + (u32)(*v - '0');
	}
	if (n < 1 || n > CMDLINE_MAX_CPUS)
		return false;
	o->cpus = n;
	return true;
}

static bool set_l1(struct hv_options *o, const char *v)
{
	memcpy(o->l1_cmdline, v, strlen(v) + 1);
	o->l1_cmdline_set = true;
	return true;
}

static const struct option options[] = {
	{ "log", WORD_MAX, set_log, "err, warn, info or debug" },
	{ "console", WORD_MAX, set_console,
	  "fb and/or one of com1 to com4, none or a port as 0xNNNN, comma-separated" },
	{ "exit", WORD_MAX, set_exit, "halt, qemu or bochs" },
	{ "test", CMDLINE_TEST_MAX - 1, set_test, "comma-separated words" },
	{ "l1", CMDLINE_L1_MAX - 1, set_l1, "an L1 command line" },
	{ "cpus", WORD_MAX, set_cpus, "a number of CPUs from 1 to 64" },
	{ "iommu", WORD_MAX, set_iommu, "auto, required or off" },
	{ "nested", WORD_MAX, set_nested, "on or off" },
	{ "vmcs_shadow", WORD_MAX, set_vmcs_shadow, "on or off" },
	{ "nested_log", WORD_MAX, set_nested_log, "on or off" },
	{ "nested_exec_only", WORD_MAX, set_nested_exec_only, "on or off" },
};

static const struct option *find_option(const char *key, size_t len)
{
	for (unsigned int i = 0; i < ARRAY_SIZE(options); i++)
		if (strlen(options[i].key) == len &&
		    !strncmp(key, options[i].key, len))
			return &options[i];
	return NULL;
}

/* word: the whole key=value text, for messages. */
static void apply(struct parser *ps, struct hv_options *o, struct word word,
		  struct word key, struct word val)
{
	const struct option *opt = find_option(key.s, key.len);
	char buf[CMDLINE_L1_MAX], shown[SHOW_BUF];

	if (!opt) {
		problem(ps, "the option \"%s\" is unknown; it is ignored.",
			show(shown, word));
		return;
	}
	if (val.len > opt->max) {
		problem(ps,
			"the value in \"%s\" is longer than %u characters; it is ignored.",
			show(shown, word), (unsigned int)opt->max);
		return;
	}
	memcpy(buf, val.s, val.len);
	buf[val.len] = '\0';
	if (!opt->set(o, buf))
		problem(ps,
			"the value in \"%s\" is not valid (expected %s); it is ignored.",
			show(shown, word), opt->expect);
}

/* A value in quotes: p points at the opening quote. */
static const char *quoted_value(struct parser *ps, const char *start,
				const char *p, struct word *val)
{
	const char *close = strchr(p + 1, '"');
	char shown[SHOW_BUF];
	const char *end;

	if (!close) {
		end = p + strlen(p);
		problem(ps,
			"the quoted value in \"%s\" has no closing quote; it and the rest of the command line are ignored.",
			show(shown,
			     (struct word){ start, (size_t)(end - start) }));
		return end;
	}
	*val = (struct word){ p + 1, (size_t)(close - p - 1) };
	end = close + 1;
	if (*end && !is_blank(*end)) {
		while (*end && !is_blank(*end))
			end++;
		problem(ps,
			"the word \"%s\" has text after its closing quote; it is ignored.",
			show(shown,
			     (struct word){ start, (size_t)(end - start) }));
		val->s = NULL;
	}
	return end;
}

/* Parses the word at p (not blank, not "--"); returns where it ends. */
static const char *parse_word(struct parser *ps, struct hv_options *o,
			      const char *p)
{
	const char *start = p;
	struct word key, val = { NULL, 0 };
	char shown[SHOW_BUF];

	while (*p && !is_blank(*p) && *p != '=')
		p++;
	key = (struct word){ start, (size_t)(p - start) };
	if (*p != '=') {
		problem(ps,
			"the word \"%s\" is not of the form key=value; it is ignored.",
			show(shown, key));
		return p;
	}
	p++;
	if (*p == '"') {
		p = quoted_value(ps, start, p, &val);
		if (!val.s)
			return p;
	} else {
		val.s = p;
		while (*p && !is_blank(*p))
			p++;
		val.len = (size_t)(p - val.s);
	}
	apply(ps, o, (struct word){ start, (size_t)(p - start) }, key, val);
	return p;
}

/* "--": the rest of the line, verbatim, is L1's command line. */
static void take_rest(struct parser *ps, struct hv_options *o, const char *p)
{
	char shown[SHOW_BUF];
	size_t len;

	while (is_blank(*p))
		p++;
	len = strlen(p);
	if (len >= sizeof(o->l1_cmdline)) {
		problem(ps,
			"the L1 command line after \"--\" (\"%s\") is longer than %u characters; it is ignored.",
			show(shown, (struct word){ p, len }),
			(unsigned int)sizeof(o->l1_cmdline) - 1);
		return;
	}
	set_l1(o, p);
}

void cmdline_defaults(struct hv_options *o)
{
	memset(o, 0, sizeof(*o));
	o->log_level = LOG_INFO;
	o->console_port = CMDLINE_COM1;
	o->console_fb = true;
	o->exit = EXIT_HALT;
	o->nested = true;
	o->vmcs_shadow = true;
	o->nested_exec_only = true;
}

int cmdline_parse(const char *s, struct hv_options *o, cmdline_report_fn report,
		  void *ctx)
{
	struct parser ps = { report, ctx, 0 };
	const char *p = s ? s : "";

	for (;;) {
		while (is_blank(*p))
			p++;
		if (!*p)
			break;
		if (p[0] == '-' && p[1] == '-' && (!p[2] || is_blank(p[2]))) {
			take_rest(&ps, o, p + 2);
			break;
		}
		p = parse_word(&ps, o, p);
	}
	return ps.problems;
}
