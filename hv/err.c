// SPDX-License-Identifier: MIT
/* Error code names: err_str() for the E_* codes of hv/include/err.h. */
#include "hv/include/err.h"

/* Accepts -E_x (the usual return value) or E_x. */
const char *err_str(int err)
{
	/* Negate in unsigned arithmetic: -INT_MIN would overflow. */
	unsigned int e = err < 0 ? 0u - (unsigned int)err : (unsigned int)err;

	switch (e) {
	case E_OK:
		return "success";
	case E_INVAL:
		return "invalid argument";
	case E_NOMEM:
		return "out of memory";
	case E_RANGE:
		return "out of range";
	case E_EXIST:
		return "already exists";
	case E_NOENT:
		return "not found";
	case E_NOSUPP:
		return "not supported";
	case E_BUSY:
		return "busy or overlapping";
	case E_FAULT:
		return "bad address";
	case E_LOOP:
		return "too many levels";
	case E_TOOBIG:
		return "too big";
	default:
		return "unknown error";
	}
}
