/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * RFC 5424 syslog collectors as event outputs (events.h): UDP (RFC 5426),
 * TCP with octet counting (RFC 6587) and TLS (RFC 5425) over libevent
 * bufferevents.  A stream collector's messages go through its disk spool
 * (event-spool.c) under STATEDIR, so they survive the collector's absence
 * and sansod's restarts and arrive in order; a full spool is counted and
 * reported as a "log.loss" event once the collector is back.
 */
#ifndef SANSO_EVENT_SYSLOG_H
#define SANSO_EVENT_SYSLOG_H

struct settings_logs;

/* Set up every collector of @g (TLS contexts, spools, first connection
 * attempts) and register them with events.c.  Needs proc_init().
 * 0, or -1 with *cause naming the collector and what is wrong. */
int	event_syslog_start(const char *statedir,
	    const struct settings_logs *g, char **cause);
/* Close connections and spools (undelivered messages stay spooled). */
void	event_syslog_stop(void);

#endif
