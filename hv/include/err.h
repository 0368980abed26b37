/* SPDX-License-Identifier: MIT */
/*
 * Error codes. Fallible functions return 0 or a negative E_* value.
 * Prefixed so that host unit tests can include libc's errno.h alongside.
 */
#ifndef MODEX_HV_INCLUDE_ERR_H
#define MODEX_HV_INCLUDE_ERR_H

enum {
	E_OK = 0,
	E_INVAL = 1, /* malformed argument or input */
	E_NOMEM = 2, /* out of memory */
	E_RANGE = 3, /* value or address out of range */
	E_EXIST = 4, /* already present */
	E_NOENT = 5, /* not present */
	E_NOSUPP = 6, /* not supported by this CPU or build */
	E_BUSY = 7, /* resource in use / overlapping */
	E_FAULT = 8, /* bad address */
	E_LOOP = 9, /* too many levels / cycle */
	E_TOOBIG = 10, /* does not fit */
};

const char *err_str(int err);

#endif /* MODEX_HV_INCLUDE_ERR_H */
