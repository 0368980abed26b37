// SPDX-License-Identifier: MIT
/* Groups not built yet in this commit: each says so in one line. */
#include "tests/guest/vmx/check.h"

static int not_yet(void)
{
	return CHECK_SKIP;
}

void group_entry(void)
{
	run_check("entry", not_yet);
}

void group_inject(void)
{
	run_check("inject", not_yet);
}

void group_ept(void)
{
	run_check("ept", not_yet);
}

void group_vpid(void)
{
	run_check("vpid", not_yet);
}

void group_mbec(void)
{
	run_check("mbec", not_yet);
}
