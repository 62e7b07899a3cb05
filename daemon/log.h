/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging in the OpenBSD daemon style: *_warn appends strerror(errno). */
#ifndef SANSO_LOG_H
#define SANSO_LOG_H

#include <stdarg.h>
#include <stdbool.h>

void	log_init(const char *progname, bool foreground, int debug);
void	log_setverbose(int level);
int	log_getverbose(void);
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

#endif
