/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging to stderr (foreground) or syslog, with the errno and non-errno pairs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static bool	 log_foreground = true;
static int	 log_verbose;
static const char *log_name = "sanso";

void
log_init(const char *progname, bool foreground, int debug)
{
	log_name = progname;
	log_foreground = foreground;
	log_verbose = debug;
	if (!foreground)
		openlog(progname, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	tzset();
}

void
log_setverbose(int level)
{
	log_verbose = level;
}

int
log_getverbose(void)
{
	return log_verbose;
}

static void
vlog(int pri, const char *fmt, va_list ap, int errnum)
{
	char	 msg[2048];
	int	 n;

	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (n < 0)
		return;
	if (errnum && (size_t)n < sizeof(msg))
		snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s",
		    strerror(errnum));
	if (log_foreground) {
		const char *lvl = pri == LOG_DEBUG ? "debug: " :
		    pri <= LOG_ERR ? "fatal: " :
		    pri == LOG_WARNING ? "warning: " : "";
		fprintf(stderr, "%s: %s%s\n", log_name, lvl, msg);
		fflush(stderr);
	} else
		syslog(pri, "%s", msg);
}

#define LOG_BODY(pri, errnum) do {		\
	va_list ap;				\
	int saved = errno;			\
	va_start(ap, fmt);			\
	vlog((pri), fmt, ap, (errnum));		\
	va_end(ap);				\
	errno = saved;				\
} while (0)

void
log_warn(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, errno);
}

void
log_warnx(const char *fmt, ...)
{
	LOG_BODY(LOG_WARNING, 0);
}

void
log_info(const char *fmt, ...)
{
	LOG_BODY(LOG_INFO, 0);
}

void
log_debug(const char *fmt, ...)
{
	if (log_verbose < 1)
		return;
	LOG_BODY(LOG_DEBUG, 0);
}

void
fatal(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, errno);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	LOG_BODY(LOG_CRIT, 0);
	exit(1);
}
