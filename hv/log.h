/* SPDX-License-Identifier: MIT */
/*
 * Leveled logging. Each file defines LOG_PREFIX (a short subsystem name)
 * before including this header; lines come out as
 * "[modex] <prefix>: [warning: |error: ]<message>". Messages are whole
 * sentences; nothing at info level on a per-exit path.
 */
#ifndef MODEX_HV_LOG_H
#define MODEX_HV_LOG_H

#include "hv/cmdline.h"
#include "hv/include/compiler.h"

#ifndef LOG_PREFIX
#define LOG_PREFIX "hv"
#endif

extern enum log_level log_threshold;

void log_emit(enum log_level lvl, const char *prefix, const char *fmt, ...)
	__printf(3, 4);

#define log_err(fmt, ...) log_emit(LOG_ERR, LOG_PREFIX, fmt, ##__VA_ARGS__)
#define log_warn(fmt, ...) log_emit(LOG_WARN, LOG_PREFIX, fmt, ##__VA_ARGS__)
#define log_info(fmt, ...) log_emit(LOG_INFO, LOG_PREFIX, fmt, ##__VA_ARGS__)
#define log_dbg(fmt, ...) log_emit(LOG_DBG, LOG_PREFIX, fmt, ##__VA_ARGS__)

/* Warn once per call site: for unexpected but survivable guest events. */
#define log_warn_once(fmt, ...)                       \
	do {                                          \
		static bool __warned;                 \
		if (!__warned) {                      \
			__warned = true;              \
			log_warn(fmt, ##__VA_ARGS__); \
		}                                     \
	} while (0)

#endif /* MODEX_HV_LOG_H */
