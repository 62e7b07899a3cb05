/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Events: one structured record per thing that happened (policy applied,
 * refused, rolled back; isolation added, released, expired; drift found and
 * repaired; packet events, quarantine, logins, approvals, ...).  Every
 * service emits here, and this is the one fan-out point: each record goes
 * to the JSON lines file (event-file.c, rotated and retained) and to every
 * output registered with events_output_add() (the syslog collectors of
 * event-syslog.c, with their spool).  The schema is docs/events.md.
 *
 * Record: {"id": N (unique, increasing across restarts), "time": RFC 3339
 * with offset and milliseconds, "gateway": hostname, "type":
 * "isolation.added", "severity": "info"|"notice"|"warning"|"alert", and the
 * fields that apply: "actor", "reason", "ticket", "target", "from_zone",
 * "to_zone", "conduit", "src", "dst", "sport", "dport", "proto", "in_if",
 * "out_if", "mac", "detail", ...}.
 */
#ifndef SANSO_EVENTS_H
#define SANSO_EVENTS_H

#include <jansson.h>
#include <stdint.h>
#include <time.h>

enum event_severity {
	EV_INFO,
	EV_NOTICE,
	EV_WARNING,
	EV_ALERT,
};

/* Open the JSON lines file (logs: json_file of settings_current(), under
 * STATEDIR unless absolute; rotation and retention from the same
 * section) and find the last id.  Returns 0, or -1 with *cause set. */
int	events_open(const char *statedir, char **cause);
void	events_close(void);

/* Emit one event.  @fields (may be NULL) is an object whose members are
 * added to the record; the reference is stolen.  Returns the event id.
 * Not to be called from an output's write callback. */
uint64_t events_emit(const char *type, enum event_severity, json_t *fields);

/* Counters of the JSON file, for status. */
uint64_t events_emitted(void);		/* records written to the file */
uint64_t events_failed(void);		/* could not be written to it */

const char *event_severity_name(enum event_severity);

/**
 * struct events_output - a destination beside the file
 * @eo_name: "syslog:NAME" (metrics label)
 * @eo_write: called for every record with its compact JSON text (no
 *   newline); must not emit events itself
 * @eo_stats: fills in its counters
 */
struct events_output_stats;
struct events_output {
	const char	*eo_name;
	void		(*eo_write)(void *arg, const json_t *rec,
			    const char *json, size_t len);
	void		(*eo_stats)(void *arg, struct events_output_stats *);
	void		*eo_arg;
};

/* Register (copied) / unregister (by @eo_arg) an output. */
void	events_output_add(const struct events_output *);
void	events_output_remove(void *arg);

#define EVENTS_OUTPUTS_MAX	16

/**
 * struct events_output_stats - one output's counters (for /metrics)
 * @os_name: "file" or "syslog:NAME"
 * @os_kind: "file", "udp", "tcp" or "tls"
 * @os_written: records written (file), sent (udp) or delivered (tcp, tls)
 * @os_lost: records lost: write errors, a full spool, UDP send errors
 * @os_spool_bytes, @os_spool_records: undelivered, on disk (tcp, tls)
 * @os_connected: 1 or 0 for tcp and tls; -1 where it does not apply
 */
struct events_output_stats {
	const char	*os_name;
	const char	*os_kind;
	uint64_t	 os_written;
	uint64_t	 os_lost;
	uint64_t	 os_spool_bytes;
	uint64_t	 os_spool_records;
	int		 os_connected;
};

/**
 * struct events_stats - everything events_stats() reports
 * @es_emitted: events emitted by this process (ids taken)
 * @es_last_id: the last id taken
 * @es_outputs: the file first, then each registered output
 */
struct events_stats {
	uint64_t			es_emitted;
	uint64_t			es_last_id;
	size_t				es_n_outputs;
	struct events_output_stats	es_outputs[EVENTS_OUTPUTS_MAX];
};

void	events_stats(struct events_stats *);

/* The clock records are stamped with and the file rotates by (tests set
 * one; NULL is CLOCK_REALTIME). */
void	events_set_clock(void (*now)(struct timespec *));

#endif
