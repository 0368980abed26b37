// SPDX-License-Identifier: MIT
/* Leveled logging on the console (see hv/log.h). */
#include "hv/log.h"

#include "hv/console.h"
#include "hv/smp.h"

enum log_level log_threshold = LOG_INFO;

static const char *const log_tags[] = {
	[LOG_ERR] = "error: ",
	[LOG_WARN] = "warning: ",
	[LOG_INFO] = "",
	[LOG_DBG] = "debug: ",
};

void log_emit(enum log_level lvl, const char *prefix, const char *fmt, ...)
{
	va_list ap;

	if (lvl > log_threshold)
		return;
	con_lock();
	/* Lines from the boot CPU carry no CPU tag; the others' say cpuN. */
	if (smp_this_cpu())
		con_printf("[modex] cpu%u %s: %s", smp_this_cpu(), prefix,
			   log_tags[lvl]);
	else
		con_printf("[modex] %s: %s", prefix, log_tags[lvl]);
	va_start(ap, fmt);
	con_vprintf(fmt, ap);
	va_end(ap);
	con_putc('\n');
	con_unlock();
}
