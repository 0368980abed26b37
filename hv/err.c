// SPDX-License-Identifier: MIT
/* Error code names: err_str() for the E_* codes of hv/include/err.h. */
#include "hv/include/err.h"

static const char *const err_names[] = {
	[E_OK] = "success",
	[E_INVAL] = "invalid argument",
	[E_NOMEM] = "out of memory",
	[E_RANGE] = "out of range",
	[E_EXIST] = "already exists",
	[E_NOENT] = "not found",
	[E_NOSUPP] = "not supported",
	[E_BUSY] = "busy or overlapping",
	[E_FAULT] = "bad address",
	[E_LOOP] = "too many levels",
	[E_TOOBIG] = "too big",
};

/* Accepts -E_x (the usual return value) or E_x. */
const char *err_str(int err)
{
	unsigned int e;

	/* Negate in unsigned arithmetic: -INT_MIN would overflow. */
	e = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;
	if (e >= sizeof(err_names) / sizeof(err_names[0]) || !err_names[e])
		return "unknown error";
	return err_names[e];
}
