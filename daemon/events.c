/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Events: ids, the record, and the fan-out to the file and the outputs. */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event-file.h"
#include "events.h"
#include "log.h"
#include "settings.h"
#include "xmalloc.h"

static char		 events_gateway[HOST_NAME_MAX + 1] = "unknown";
static uint64_t		 events_last_id;
static uint64_t		 events_n_ids;
static uint64_t		 events_n_emitted;
static uint64_t		 events_n_failed;
/* A burst of write failures is logged once, at its start. */
static bool		 events_failing;
static void		(*events_clock)(struct timespec *);
static struct events_output events_outputs[EVENTS_OUTPUTS_MAX - 1];
static size_t		 events_n_outputs;

const char *
event_severity_name(enum event_severity sev)
{
	switch (sev) {
	case EV_INFO:
		return "info";
	case EV_NOTICE:
		return "notice";
	case EV_WARNING:
		return "warning";
	case EV_ALERT:
		return "alert";
	}
	return "info";
}

void
events_set_clock(void (*now)(struct timespec *))
{
	events_clock = now;
}

static void
events_now(struct timespec *ts)
{
	if (events_clock != NULL)
		events_clock(ts);
	else
		clock_gettime(CLOCK_REALTIME, ts);
}

int
events_open(const char *statedir, char **cause)
{
	const struct settings_logs	*g = &settings_current()->se_logs;
	struct event_file_conf		 conf;
	char				*path;
	int				 ret;

	events_close();
	tzset();
	if (gethostname(events_gateway, sizeof(events_gateway)) == -1)
		snprintf(events_gateway, sizeof(events_gateway), "unknown");
	events_gateway[sizeof(events_gateway) - 1] = '\0';
	if (g->sg_json_file[0] == '/')
		path = xstrdup(g->sg_json_file);
	else
		xasprintf(&path, "%s/%s", statedir, g->sg_json_file);
	memset(&conf, 0, sizeof(conf));
	conf.fc_rotate_size = g->sg_rotate_size;
	conf.fc_rotate_daily = g->sg_rotate_daily;
	conf.fc_keep_files = g->sg_keep_files;
	conf.fc_keep_days = g->sg_keep_days;
	ret = event_file_open(path, &conf, &events_last_id, cause);
	free(path);
	events_failing = false;
	return ret;
}

void
events_close(void)
{
	event_file_close();
}

/* "2026-11-21T22:41:04.123+09:00": local time, so that staff read it as
 * their clock shows it, and the offset, so that machines need not guess. */
static void
events_time(const struct timespec *ts, char *buf, size_t len)
{
	struct tm	tm;
	long		off;
	size_t		n;

	localtime_r(&ts->tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf + n, len - n, ".%03ld%c%02ld:%02ld",
	    ts->tv_nsec / 1000000, off < 0 ? '-' : '+', labs(off) / 60,
	    labs(off) % 60);
}

static void
events_write_failed(uint64_t id, int err)
{
	const char	*path = event_file_path();

	events_n_failed++;
	if (events_failing)
		return;
	events_failing = true;
	errno = err;
	log_warn("%s: event %llu not written (further failures are counted, "
	    "not logged, until a write succeeds)",
	    path != NULL ? path : "events.jsonl", (unsigned long long)id);
}

uint64_t
events_emit(const char *type, enum event_severity sev, json_t *fields)
{
	struct timespec	 ts;
	char		 stack[2048], tbuf[48], *line = stack;
	json_t		*rec;
	uint64_t	 id;
	size_t		 len, i;
	int		 err;

	/* The id is taken even when the write fails: ids stay unique and
	 * increasing, a gap shows the loss. */
	id = ++events_last_id;
	events_n_ids++;
	events_now(&ts);
	events_time(&ts, tbuf, sizeof(tbuf));
	rec = json_object();
	json_object_set_new(rec, "id", json_integer((json_int_t)id));
	json_object_set_new(rec, "time", json_string(tbuf));
	json_object_set_new(rec, "gateway", json_string(events_gateway));
	json_object_set_new(rec, "type", json_string(type));
	json_object_set_new(rec, "severity",
	    json_string(event_severity_name(sev)));
	/* The schema's own members win over a field of the same name. */
	if (json_is_object(fields))
		json_object_update_missing(rec, fields);
	json_decref(fields);

	/* Compact is one line (strings escape their newlines); UTF-8 stays
	 * as it is so Japanese reasons remain readable. */
	len = json_dumpb(rec, stack, sizeof(stack) - 1, JSON_COMPACT);
	if (len == 0) {
		json_decref(rec);
		events_write_failed(id, EINVAL);
		return id;
	}
	if (len > sizeof(stack) - 1) {
		line = xmalloc(len + 1);
		json_dumpb(rec, line, len, JSON_COMPACT);
	}
	line[len] = '\n';

	err = event_file_write(line, len + 1, &ts);
	if (err != 0)
		events_write_failed(id, err);
	else {
		events_n_emitted++;
		if (events_failing) {
			events_failing = false;
			log_warnx("%s: writing events again, %llu lost so far",
			    event_file_path(),
			    (unsigned long long)events_n_failed);
		}
	}
	/* Each output on its own: a collector away costs the file nothing,
	 * and the file's failure costs the collectors nothing. */
	for (i = 0; i < events_n_outputs; i++)
		events_outputs[i].eo_write(events_outputs[i].eo_arg, rec, line,
		    len);
	if (line != stack)
		free(line);
	json_decref(rec);
	return id;
}

uint64_t
events_emitted(void)
{
	return events_n_emitted;
}

uint64_t
events_failed(void)
{
	return events_n_failed;
}

void
events_output_add(const struct events_output *eo)
{
	if (events_n_outputs == EVENTS_OUTPUTS_MAX - 1)
		fatalx("%s: more than %d event outputs", __func__,
		    EVENTS_OUTPUTS_MAX - 1);
	events_outputs[events_n_outputs++] = *eo;
}

void
events_output_remove(void *arg)
{
	size_t	i;

	for (i = 0; i < events_n_outputs; i++) {
		if (events_outputs[i].eo_arg != arg)
			continue;
		memmove(&events_outputs[i], &events_outputs[i + 1],
		    (events_n_outputs - i - 1) * sizeof(events_outputs[0]));
		events_n_outputs--;
		return;
	}
}

void
events_stats(struct events_stats *st)
{
	struct events_output_stats	*os;
	size_t				 i;

	memset(st, 0, sizeof(*st));
	st->es_emitted = events_n_ids;
	st->es_last_id = events_last_id;
	os = &st->es_outputs[st->es_n_outputs++];
	os->os_name = "file";
	os->os_kind = "file";
	os->os_written = events_n_emitted;
	os->os_lost = events_n_failed;
	os->os_connected = -1;
	for (i = 0; i < events_n_outputs; i++) {
		os = &st->es_outputs[st->es_n_outputs++];
		os->os_name = events_outputs[i].eo_name;
		os->os_connected = -1;
		events_outputs[i].eo_stats(events_outputs[i].eo_arg, os);
	}
}
