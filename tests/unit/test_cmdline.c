// SPDX-License-Identifier: MIT
/* Unit tests for hv/cmdline.c: options, quoting, "--", every problem. */
#include "hv/cmdline.h"

#include "tests/unit/harness.h"
#include "tests/unit/support/rng.h"

struct reports {
	int n;
	char last[256];
	char all[2048];
};

static void collect(void *ctx, const char *msg)
{
	struct reports *r = ctx;
	size_t used = strlen(r->all);

	r->n++;
	snprintf(r->last, sizeof(r->last), "%s", msg);
	snprintf(r->all + used, sizeof(r->all) - used, "%s\n", msg);
}

static int parse(const char *s, struct hv_options *o, struct reports *r)
{
	memset(r, 0, sizeof(*r));
	cmdline_defaults(o);
	return cmdline_parse(s, o, collect, r);
}

TEST(defaults)
{
	struct hv_options o;
	struct reports r;

	CHECK_EQ(parse("", &o, &r), 0);
	CHECK_EQ(o.log_level, LOG_INFO);
	CHECK_EQ(o.console_port, 0x3f8);
	CHECK_EQ(o.exit, EXIT_HALT);
	CHECK_EQ(o.l1_cmdline[0], 0);
	CHECK(!o.l1_cmdline_set);
	CHECK_EQ(o.test_flags, 0);
	CHECK_EQ(o.test[0], 0);
	CHECK_EQ(r.n, 0);
	CHECK_EQ(cmdline_parse(NULL, &o, collect, &r), 0);
	CHECK_EQ(parse(" \t \n ", &o, &r), 0);
}

TEST(every_option_value)
{
	static const struct {
		const char *s;
		int log, exit;
		u16 port;
	} cases[] = {
		{ "log=err", LOG_ERR, EXIT_HALT, 0x3f8 },
		{ "log=warn", LOG_WARN, EXIT_HALT, 0x3f8 },
		{ "log=info", LOG_INFO, EXIT_HALT, 0x3f8 },
		{ "log=debug", LOG_DBG, EXIT_HALT, 0x3f8 },
		{ "exit=qemu", LOG_INFO, EXIT_QEMU, 0x3f8 },
		{ "exit=bochs", LOG_INFO, EXIT_BOCHS, 0x3f8 },
		{ "exit=qemu exit=halt", LOG_INFO, EXIT_HALT, 0x3f8 },
		{ "console=com1", LOG_INFO, EXIT_HALT, 0x3f8 },
		{ "console=com2", LOG_INFO, EXIT_HALT, 0x2f8 },
		{ "console=com3", LOG_INFO, EXIT_HALT, 0x3e8 },
		{ "console=com4", LOG_INFO, EXIT_HALT, 0x2e8 },
		{ "console=none", LOG_INFO, EXIT_HALT, 0 },
		{ "console=0x2f8", LOG_INFO, EXIT_HALT, 0x2f8 },
		{ "console=0XFFFF", LOG_INFO, EXIT_HALT, 0xffff },
		{ "console=0x1", LOG_INFO, EXIT_HALT, 1 },
		{ "  log=debug\texit=bochs  console=com2  ", LOG_DBG,
		  EXIT_BOCHS, 0x2f8 },
		{ "log=\"warn\"", LOG_WARN, EXIT_HALT, 0x3f8 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct hv_options o;
		struct reports r;

		CHECK_MSG(parse(cases[i].s, &o, &r) == 0, "%s: %s", cases[i].s,
			  r.all);
		CHECK_MSG(o.log_level == (enum log_level)cases[i].log, "%s",
			  cases[i].s);
		CHECK_MSG(o.exit == (enum exit_method)cases[i].exit, "%s",
			  cases[i].s);
		CHECK_MSG(o.console_port == cases[i].port, "%s", cases[i].s);
	}
}

TEST(bad_values_are_reported_and_ignored)
{
	static const char *const bad[] = {
		"log=",		 "log=verbose",	 "log=ERR",
		"log=debug2",	 "exit=reboot",	 "console=com5",
		"console=0x",	 "console=0x0",	 "console=0x10000",
		"console=0x3g8", "console=1016", "console=",
		"exit=",	 "log=errr",	 "console=com10",
	};

	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct hv_options o, def;
		struct reports r;

		CHECK_MSG(parse(bad[i], &o, &r) == 1, "%s", bad[i]);
		CHECK_EQ(r.n, 1);
		cmdline_defaults(&def);
		CHECK_MSG(!memcmp(&o, &def, sizeof(o)), "%s changed options",
			  bad[i]);
		CHECK_STR_CONTAINS(r.last, bad[i]);
		CHECK_STR_CONTAINS(r.last, "not valid");
		CHECK_STR_CONTAINS(r.last, "expected");
	}
}

TEST(unknown_key_and_missing_equals)
{
	struct hv_options o;
	struct reports r;

	CHECK_EQ(parse("bogus=1 log=debug", &o, &r), 1);
	CHECK_STR_CONTAINS(r.all, "\"bogus=1\" is unknown");
	CHECK_EQ(o.log_level, LOG_DBG);

	CHECK_EQ(parse("quiet log=err =5 Log=info", &o, &r), 3);
	CHECK_STR_CONTAINS(r.all, "\"quiet\" is not of the form key=value");
	CHECK_STR_CONTAINS(r.all, "\"=5\" is unknown");
	CHECK_STR_CONTAINS(r.all, "\"Log=info\" is unknown");
	CHECK_EQ(o.log_level, LOG_ERR);

	/* A message is one whole sentence. */
	CHECK(r.last[0] >= 'a' && r.last[0] <= 'z');
	CHECK_EQ(r.last[strlen(r.last) - 1], '.');
	CHECK(!strchr(r.last, '\n'));

	/* A NULL report still counts. */
	cmdline_defaults(&o);
	CHECK_EQ(cmdline_parse("a b c=1 log=debug", &o, NULL, NULL), 3);
	CHECK_EQ(o.log_level, LOG_DBG);
}

TEST(test_words)
{
	struct hv_options o;
	struct reports r;

	CHECK_EQ(parse("test=ud", &o, &r), 0);
	CHECK_EQ(o.test_flags, CMDLINE_TEST_UD);
	CHECK(!strcmp(o.test, "ud"));
	CHECK_EQ(parse("test=panic,guard-write,stack-overflow,new-word", &o,
		       &r),
		 0);
	CHECK_EQ(o.test_flags, CMDLINE_TEST_PANIC | CMDLINE_TEST_GUARD_WRITE |
				       CMDLINE_TEST_STACK_OVERFLOW);
	CHECK(!strcmp(o.test, "panic,guard-write,stack-overflow,new-word"));
	CHECK_EQ(parse("test=udx,,u,panicky", &o, &r), 0);
	CHECK_EQ(o.test_flags, 0);
	CHECK_EQ(parse("test=ud test=", &o, &r), 0);
	CHECK_EQ(o.test_flags, 0);
	CHECK_EQ(o.test[0], 0);
}

TEST(overlong_values)
{
	char s[600], want[300];
	struct hv_options o;
	struct reports r;

	/* 63 characters fit test=, 64 do not. */
	memset(want, 'a', 63);
	want[63] = 0;
	snprintf(s, sizeof(s), "test=%s", want);
	CHECK_EQ(parse(s, &o, &r), 0);
	CHECK(!strcmp(o.test, want));
	snprintf(s, sizeof(s), "test=%sb log=err", want);
	CHECK_EQ(parse(s, &o, &r), 1);
	CHECK_STR_CONTAINS(r.last, "longer than 63 characters");
	CHECK_STR_CONTAINS(r.last, "\"test=aaaa");
	CHECK_STR_CONTAINS(r.last, "...\""); /* the excerpt is bounded */
	CHECK_EQ(o.test[0], 0);
	CHECK_EQ(o.log_level, LOG_ERR);

	/* 255 characters fit l1=, 256 do not. */
	memset(want, 'x', 255);
	want[255] = 0;
	snprintf(s, sizeof(s), "l1=%s", want);
	CHECK_EQ(parse(s, &o, &r), 0);
	CHECK(!strcmp(o.l1_cmdline, want));
	snprintf(s, sizeof(s), "l1=\"%sy\"", want);
	CHECK_EQ(parse(s, &o, &r), 1);
	CHECK_STR_CONTAINS(r.last, "longer than 255 characters");
	CHECK(!o.l1_cmdline_set);

	/* Names and numbers are bounded too. */
	memset(want, 'd', 40);
	want[40] = 0;
	snprintf(s, sizeof(s), "log=%s", want);
	CHECK_EQ(parse(s, &o, &r), 1);
	CHECK_STR_CONTAINS(r.last, "longer than 31 characters");

	/* A huge key is just unknown; its excerpt stays bounded. */
	memset(s, 'k', 500);
	strcpy(s + 500, "=1");
	CHECK_EQ(parse(s, &o, &r), 1);
	CHECK_STR_CONTAINS(r.last, "is unknown");
	CHECK(strlen(r.last) < 120);
}

TEST(quoted_l1_value)
{
	struct hv_options o;
	struct reports r;

	CHECK_EQ(parse("log=err l1=\"root=/dev/sda console=ttyS0\" exit=qemu",
		       &o, &r),
		 0);
	CHECK(!strcmp(o.l1_cmdline, "root=/dev/sda console=ttyS0"));
	CHECK(o.l1_cmdline_set);
	CHECK_EQ(o.exit, EXIT_QEMU);
	CHECK_EQ(o.log_level, LOG_ERR);

	CHECK_EQ(parse("l1=\"\"", &o, &r), 0);
	CHECK(o.l1_cmdline_set);
	CHECK_EQ(o.l1_cmdline[0], 0);

	CHECK_EQ(parse("l1=plain", &o, &r), 0);
	CHECK(!strcmp(o.l1_cmdline, "plain"));

	CHECK_EQ(parse("l1=\"a b\"c log=err", &o, &r), 1);
	CHECK_STR_CONTAINS(r.last,
			   "\"l1=\"a b\"c\" has text after its closing quote");
	CHECK(!o.l1_cmdline_set);
	CHECK_EQ(o.log_level, LOG_ERR);
}

TEST(unterminated_quote)
{
	struct hv_options o;
	struct reports r;

	CHECK_EQ(parse("log=warn l1=\"root=/dev/sda exit=qemu", &o, &r), 1);
	CHECK_STR_CONTAINS(r.last, "no closing quote");
	CHECK_STR_CONTAINS(r.last, "l1=\"root=/dev/sda");
	CHECK(!o.l1_cmdline_set);
	CHECK_EQ(o.exit, EXIT_HALT); /* swallowed by the open quote */
	CHECK_EQ(o.log_level, LOG_WARN);
	CHECK_EQ(parse("log=\"", &o, &r), 1);
	CHECK_STR_CONTAINS(r.last, "no closing quote");
}

TEST(double_dash_passes_the_rest)
{
	struct hv_options o;
	struct reports r;

	CHECK_EQ(parse("log=debug -- root=/dev/sda  log=err \"x", &o, &r), 0);
	CHECK(!strcmp(o.l1_cmdline, "root=/dev/sda  log=err \"x"));
	CHECK(o.l1_cmdline_set);
	CHECK_EQ(o.log_level, LOG_DBG);

	CHECK_EQ(parse("exit=qemu --", &o, &r), 0);
	CHECK(o.l1_cmdline_set);
	CHECK_EQ(o.l1_cmdline[0], 0);
	CHECK_EQ(o.exit, EXIT_QEMU);

	CHECK_EQ(parse("l1=first -- second", &o, &r), 0);
	CHECK(!strcmp(o.l1_cmdline, "second"));

	/* "--x" is an ordinary (bad) word. */
	CHECK_EQ(parse("--x log=err", &o, &r), 1);
	CHECK_STR_CONTAINS(r.last, "\"--x\"");
	CHECK(!o.l1_cmdline_set);
}

TEST(double_dash_overlong)
{
	char s[400];
	struct hv_options o;
	struct reports r;

	strcpy(s, "-- ");
	memset(s + 3, 'z', 256);
	s[259] = 0;
	CHECK_EQ(parse(s, &o, &r), 1);
	CHECK_STR_CONTAINS(r.last, "after \"--\"");
	CHECK_STR_CONTAINS(r.last, "longer than 255");
	CHECK(!o.l1_cmdline_set);
	s[258] = 0;
	CHECK_EQ(parse(s, &o, &r), 0);
	CHECK_EQ(strlen(o.l1_cmdline), 255);
}

TEST(control_characters_are_not_echoed)
{
	struct hv_options o;
	struct reports r;

	CHECK_EQ(parse("a\x1b[2Jb=1", &o, &r), 1);
	CHECK_STR_CONTAINS(r.last, "\"a?[2Jb=1\"");
	CHECK(!strchr(r.last, '\x1b'));
}

static u64 rng = 88172645463325252ull;

static u64 rnd(void)
{
	return rng_next(&rng);
}

/* Random text from a small alphabet of meaningful characters. */
TEST(random_input_never_overflows)
{
	static const char alpha[] = "lg=\" -\tx01l1testconsolexitud,";
	char s[700];

	for (int i = 0; i < 100000; i++) {
		size_t len = rnd() % sizeof(s);
		struct hv_options o;
		struct reports r;
		int n;

		for (size_t j = 0; j < len; j++)
			s[j] = rnd() % 8 ? alpha[rnd() % (sizeof(alpha) - 1)] :
					   (char)(rnd() % 255 + 1);
		s[len] = 0;
		n = parse(s, &o, &r);
		REQUIRE(n == r.n);
		REQUIRE(strlen(o.l1_cmdline) < sizeof(o.l1_cmdline));
		REQUIRE(strlen(o.test) < sizeof(o.test));
	}
}

TEST(cpus_option)
{
	static const struct {
		const char *s;
		u32 cpus;
		int problems;
	} cases[] = {
		{ "", 0, 0 },
		{ "cpus=1", 1, 0 },
		{ "cpus=4", 4, 0 },
		{ "cpus=64", 64, 0 },
		{ "cpus=0", 0, 1 },
		{ "cpus=65", 0, 1 },
		{ "cpus=-1", 0, 1 },
		{ "cpus=2x", 0, 1 },
		{ "cpus=", 0, 1 },
		{ "cpus=99999", 0, 1 },
		{ "cpus=0x2", 0, 1 },
		{ "cpus=3 cpus=2", 2, 0 },
		{ "cpus=3 cpus=x", 3, 1 },
	};
	struct hv_options o;
	struct reports r;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_MSG(parse(cases[i].s, &o, &r) == cases[i].problems, "%s",
			  cases[i].s);
		CHECK_MSG(o.cpus == cases[i].cpus, "%s: cpus=%u", cases[i].s,
			  o.cpus);
	}
	CHECK_EQ(parse("cpus=0", &o, &r), 1);
	CHECK_STR_CONTAINS(r.last, "cpus");
}

TEST(nested_options)
{
	static const struct {
		const char *s;
		bool nested, shadow;
		int problems;
	} cases[] = {
		{ "", true, true, 0 },
		{ "nested=off", false, true, 0 },
		{ "nested=on vmcs_shadow=off", true, false, 0 },
		{ "nested=off nested=on", true, true, 0 },
		{ "nested=", true, true, 1 },
		{ "nested=0", true, true, 1 },
		{ "vmcs_shadow=Off", true, true, 1 },
		{ "nested=offx", true, true, 1 },
		{ "nested_log=on vmcs_shadow=off", true, false, 0 },
		{ "nested_exec_only=off", true, true, 0 },
	};

	for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++) {
		struct hv_options o;

		cmdline_defaults(&o);
		CHECK_EQ(cmdline_parse(cases[i].s, &o, NULL, NULL),
			 cases[i].problems);
		CHECK_EQ(o.nested, cases[i].nested);
		CHECK_EQ(o.vmcs_shadow, cases[i].shadow);
		CHECK_EQ(o.nested_log,
			 strstr(cases[i].s, "nested_log=on") != 0);
		CHECK_EQ(o.nested_exec_only,
			 !strstr(cases[i].s, "nested_exec_only=off"));
	}
}

TEST(iommu_option)
{
	static const struct {
		const char *s;
		enum iommu_mode mode;
		int problems;
	} cases[] = {
		{ "", IOMMU_AUTO, 0 },
		{ "iommu=auto", IOMMU_AUTO, 0 },
		{ "iommu=required", IOMMU_REQUIRED, 0 },
		{ "iommu=off", IOMMU_OFF, 0 },
		{ "iommu=", IOMMU_AUTO, 1 },
		{ "iommu=on", IOMMU_AUTO, 1 },
		{ "iommu=Required", IOMMU_AUTO, 1 },
		{ "iommu=requiredx", IOMMU_AUTO, 1 },
		{ "iommu=off iommu=required", IOMMU_REQUIRED, 0 },
		{ "iommu=required iommu=bogus", IOMMU_REQUIRED, 1 },
		{ "iommu=\"off\"", IOMMU_OFF, 0 },
	};
	struct hv_options o;
	struct reports r;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_MSG(parse(cases[i].s, &o, &r) == cases[i].problems, "%s",
			  cases[i].s);
		CHECK_MSG(o.iommu == cases[i].mode, "%s: iommu=%d", cases[i].s,
			  (int)o.iommu);
	}
	CHECK_EQ(parse("iommu=on", &o, &r), 1);
	CHECK_STR_CONTAINS(r.last, "iommu");
	CHECK_STR_CONTAINS(r.last, "required");
}

TEST(console_lists)
{
	static const struct {
		const char *s;
		u16 port;
		bool fb;
	} ok[] = {
		{ "", 0x3f8, true }, /* the default: com1,fb */
		{ "console=com1,fb", 0x3f8, true },
		{ "console=fb,com2", 0x2f8, true },
		{ "console=fb", 0, true },
		{ "console=com1", 0x3f8, false },
		{ "console=0x2e8,fb", 0x2e8, true },
		{ "console=fb,fb", 0, true },
		{ "console=none", 0, false },
		{ "console=none,fb", 0, true },
		{ "console=fb console=com3", 0x3e8, false },
	};
	static const char *const bad[] = {
		"console=com1,com2", "console=fb,", "console=,fb",
		"console=com1,,fb",  "console=fbx", "console=fb,com5",
		"console=,",	     "console=FB",
	};

	for (unsigned i = 0; i < ARRAY_SIZE(ok); i++) {
		struct hv_options o;
		struct reports r;

		CHECK_MSG(parse(ok[i].s, &o, &r) == 0, "%s: %s", ok[i].s,
			  r.all);
		CHECK_MSG(o.console_port == ok[i].port, "%s", ok[i].s);
		CHECK_MSG(o.console_fb == ok[i].fb, "%s", ok[i].s);
	}
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		struct hv_options o, def;
		struct reports r;

		CHECK_MSG(parse(bad[i], &o, &r) == 1, "%s", bad[i]);
		cmdline_defaults(&def);
		CHECK_MSG(!memcmp(&o, &def, sizeof(o)), "%s changed options",
			  bad[i]);
		CHECK_STR_CONTAINS(r.last, "not valid");
	}
}
