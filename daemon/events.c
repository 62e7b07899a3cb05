/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Events as JSON lines appended to STATEDIR/events.jsonl, one write each. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "log.h"
#include "xmalloc.h"

/* How far back events_open() looks for the last complete record.  One
 * record is far smaller; more than this without one is a damaged file. */
#define EVENTS_TAIL_MAX		(1024 * 1024)
#define EVENTS_TAIL_FIRST	(16 * 1024)

static int	 events_fd = -1;
static char	*events_path;
static char	 events_gateway[HOST_NAME_MAX + 1] = "unknown";
static uint64_t	 events_last_id;
static uint64_t	 events_n_emitted;
static uint64_t	 events_n_failed;
/* The file ends in a partial line (a short write): begin the next record
 * with '\n' so that it is a line of its own. */
static bool	 events_need_newline;
/* A burst of write failures is logged once, at its start. */
static bool	 events_failing;

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

/* The id of one line, if it is a record; false otherwise. */
static bool
events_line_id(const char *line, size_t len, uint64_t *id)
{
	json_t	*rec, *v;
	bool	 ok = false;

	rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	v = json_object_get(rec, "id");
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*id = (uint64_t)json_integer_value(v);
		ok = true;
	}
	json_decref(rec);
	return ok;
}

/*
 * Find the id of the last complete record, reading backwards from the end
 * in growing windows.  A final line without '\n' is the trace of a short
 * write and does not count.  Lines that are not records (damage) are
 * skipped.  Returns 0 (*id 0 when the file holds no record) or -errno;
 * -ENOENT when the last EVENTS_TAIL_MAX bytes of a longer file hold none.
 */
static int
events_find_last_id(int fd, off_t size, uint64_t *id, bool *partial)
{
	char	*buf = NULL;
	size_t	 want = EVENTS_TAIL_FIRST, len, end, start;
	off_t	 from;
	ssize_t	 n;
	int	 ret;

	*id = 0;
	*partial = false;
	if (size == 0)
		return 0;
	for (;;) {
		if ((off_t)want > size)
			want = (size_t)size;
		from = size - (off_t)want;
		buf = xreallocarray(buf, want, 1);
		for (len = 0; len < want; len += (size_t)n) {
			n = pread(fd, buf + len, want - len, from + (off_t)len);
			if (n == -1 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n == -1) {
				ret = -errno;
				goto out;
			}
			if (n == 0)
				break;
		}
		*partial = len > 0 && buf[len - 1] != '\n';
		/* end: one past the last complete line's '\n'. */
		end = len;
		while (end > 0 && buf[end - 1] != '\n')
			end--;
		while (end > 0) {
			start = end - 1;	/* at its '\n' */
			while (start > 0 && buf[start - 1] != '\n')
				start--;
			/* A line that starts before the window is cut. */
			if (start == 0 && from > 0)
				break;
			if (events_line_id(buf + start, end - 1 - start, id)) {
				ret = 0;
				goto out;
			}
			end = start;
		}
		if (from == 0) {
			/* The whole file holds no record: none to follow. */
			ret = 0;
			goto out;
		}
		if (want >= EVENTS_TAIL_MAX) {
			ret = -ENOENT;
			goto out;
		}
		want *= 2;
	}
out:
	free(buf);
	return ret;
}

int
events_open(const char *statedir, char **cause)
{
	struct stat	st;
	bool		partial;
	int		fd, ret;

	events_close();
	tzset();
	if (gethostname(events_gateway, sizeof(events_gateway)) == -1)
		snprintf(events_gateway, sizeof(events_gateway), "unknown");
	events_gateway[sizeof(events_gateway) - 1] = '\0';
	xasprintf(&events_path, "%s/events.jsonl", statedir);

	/* O_RDWR for the read-back at open; O_APPEND puts each write() at
	 * the end in one piece, whatever else appends. */
	fd = open(events_path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		fd = open(events_path, O_RDWR | O_APPEND | O_CREAT | O_EXCL |
		    O_NOFOLLOW | O_CLOEXEC, 0640);
		/* 0640 whatever the umask: a log reader group may read it. */
		if (fd != -1 && fchmod(fd, 0640) == -1) {
			xasprintf(cause, "%s: chmod 0640: %s", events_path,
			    strerror(errno));
			goto fail;
		}
	}
	if (fd == -1) {
		xasprintf(cause, "%s: open: %s", events_path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "%s: stat: %s", events_path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: not a regular file", events_path);
		goto fail;
	}
	ret = events_find_last_id(fd, st.st_size, &events_last_id, &partial);
	if (ret == -ENOENT) {
		xasprintf(cause, "%s: no event record in its last %d bytes, "
		    "so the next event id is unknown; move the file aside",
		    events_path, EVENTS_TAIL_MAX);
		goto fail;
	}
	if (ret < 0) {
		xasprintf(cause, "%s: read: %s", events_path, strerror(-ret));
		goto fail;
	}
	events_need_newline = partial;
	events_fd = fd;
	events_failing = false;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	free(events_path);
	events_path = NULL;
	events_last_id = 0;
	return -1;
}

void
events_close(void)
{
	if (events_fd != -1)
		close(events_fd);
	events_fd = -1;
	free(events_path);
	events_path = NULL;
}

/* "2026-11-21T22:41:04.123+09:00": local time, so that staff read it as
 * their clock shows it, and the offset, so that machines need not guess. */
static void
events_time(char *buf, size_t len)
{
	struct timespec	ts;
	struct tm	tm;
	long		off;
	size_t		n;

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	off = tm.tm_gmtoff / 60;
	snprintf(buf + n, len - n, ".%03ld%c%02ld:%02ld",
	    ts.tv_nsec / 1000000, off < 0 ? '-' : '+', labs(off) / 60,
	    labs(off) % 60);
}

static void
events_write_failed(uint64_t id, int err)
{
	events_n_failed++;
	if (events_failing)
		return;
	events_failing = true;
	errno = err;
	log_warn("%s: event %llu not written (further failures are counted, "
	    "not logged, until a write succeeds)",
	    events_path != NULL ? events_path : "events.jsonl",
	    (unsigned long long)id);
}

/* Write @len bytes of @line in one write(); 0 or an errno. */
static int
events_write(const char *line, size_t len)
{
	ssize_t	n;

	if (events_fd == -1)
		return EBADF;
	do
		n = write(events_fd, line, len);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno;
	if ((size_t)n != len) {
		/* A short write (disk full, file size limit) left part of a
		 * line; the next record starts on a line of its own.  Not
		 * retried: a second write() could interleave. */
		events_need_newline = true;
		return ENOSPC;
	}
	return 0;
}

uint64_t
events_emit(const char *type, enum event_severity sev, json_t *fields)
{
	char		 stack[2048], tbuf[48], *line = stack;
	json_t		*rec;
	uint64_t	 id;
	size_t		 len, pre;
	int		 err;

	/* The id is taken even when the write fails: ids stay unique and
	 * increasing, a gap shows the loss. */
	id = ++events_last_id;
	events_time(tbuf, sizeof(tbuf));
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
	pre = events_need_newline ? 1 : 0;
	len = json_dumpb(rec, stack + pre, sizeof(stack) - pre - 1,
	    JSON_COMPACT);
	if (len == 0) {
		json_decref(rec);
		events_write_failed(id, EINVAL);
		return id;
	}
	if (len > sizeof(stack) - pre - 1) {
		line = xmalloc(pre + len + 1);
		json_dumpb(rec, line + pre, len, JSON_COMPACT);
	}
	json_decref(rec);
	if (pre)
		line[0] = '\n';
	line[pre + len] = '\n';

	err = events_write(line, pre + len + 1);
	if (line != stack)
		free(line);
	if (err != 0) {
		events_write_failed(id, err);
		return id;
	}
	if (pre)
		events_need_newline = false;
	events_n_emitted++;
	if (events_failing) {
		events_failing = false;
		log_warnx("%s: writing events again, %llu lost so far",
		    events_path, (unsigned long long)events_n_failed);
	}
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
