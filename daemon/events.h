/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Events: one structured record per thing that happened (policy applied,
 * refused, rolled back; isolation added, released, expired; drift found and
 * repaired; later packet events, quarantine, logins, approvals).  Every
 * service emits here; today the records go to STATEDIR/events.jsonl as JSON
 * lines, the logging issue adds syslog and the spool.
 *
 * Record: {"id": N (unique, increasing across restarts), "time": RFC 3339
 * with offset and milliseconds, "gateway": hostname, "type":
 * "isolation.added", "severity": "info"|"notice"|"warning"|"alert", and the
 * fields that apply: "actor", "reason", "ticket", "target", "zone_from",
 * "zone_to", "conduit", "src", "dst", "sport", "dport", "proto", "iif",
 * "oif", "mac", "detail", ...}.
 */
#ifndef SANSO_EVENTS_H
#define SANSO_EVENTS_H

#include <jansson.h>
#include <stdint.h>

enum event_severity {
	EV_INFO,
	EV_NOTICE,
	EV_WARNING,
	EV_ALERT,
};

/* Open STATEDIR/events.jsonl for appending and find the last id in it.
 * Returns 0, or -1 with *cause set. */
int	events_open(const char *statedir, char **cause);
void	events_close(void);

/* Emit one event.  @fields (may be NULL) is an object whose members are
 * added to the record; the reference is stolen.  Returns the event id. */
uint64_t events_emit(const char *type, enum event_severity, json_t *fields);

/* Counters for status and metrics. */
uint64_t events_emitted(void);
uint64_t events_failed(void);		/* could not be written */

const char *event_severity_name(enum event_severity);

#endif
