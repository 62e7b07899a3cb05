/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for events: the JSON lines file as a collector would read it. */
#include <sys/resource.h>
#include <sys/stat.h>

#include <check.h>
#include <limits.h>
#include <regex.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <dirent.h>

#include "../../daemon/events.h"
#include "../../daemon/settings.h"
#include "../../daemon/xmalloc.h"
#include "tmpdir.h"

#define TIME_RE	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}" \
		"\\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}$"

static char	dir[] = "/tmp/sanso-events.XXXXXX";
static char	path[sizeof(dir) + 16];

static void
setup(void)
{
	tmpdir_make(dir, sizeof(dir), "events");
	snprintf(path, sizeof(path), "%s/events.jsonl", dir);
}

static void
teardown(void)
{
	events_close();
	events_set_clock(NULL);
	settings_clear();
	tmpdir_remove(dir);
}

static void
open_events(void)
{
	char	*cause = NULL;

	ck_assert_msg(events_open(dir, &cause) == 0, "events_open: %s", cause);
}

static void
write_file(const char *text)
{
	FILE	*f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* The file's lines; *partial says whether the last one lacks its '\n'. */
static char **
read_lines(size_t *n, bool *partial)
{
	char	**v = NULL, *line = NULL;
	size_t	  cap = 0, len = 0, lcap = 0;
	ssize_t	  r;
	FILE	 *f = fopen(path, "r");

	ck_assert_ptr_nonnull(f);
	*partial = false;
	while ((r = getline(&line, &lcap, f)) != -1) {
		v = xgrow(v, &cap, len, sizeof(*v));
		*partial = line[r - 1] != '\n';
		if (!*partial)
			line[r - 1] = '\0';
		v[len++] = xstrdup(line);
	}
	free(line);
	fclose(f);
	*n = len;
	return v;
}

static void
free_lines(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* A line as a record, with every schema member checked. */
static json_t *
record(const char *line)
{
	json_error_t	 err;
	json_t		*rec = json_loads(line, 0, &err);
	char		 host[HOST_NAME_MAX + 1];
	regex_t		 re;
	const char	*sev;

	ck_assert_msg(rec != NULL, "not JSON (%s): %s", err.text, line);
	ck_assert_msg(json_is_integer(json_object_get(rec, "id")) &&
	    json_integer_value(json_object_get(rec, "id")) > 0, "id: %s",
	    line);
	ck_assert_int_eq(regcomp(&re, TIME_RE, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_msg(json_is_string(json_object_get(rec, "time")) &&
	    regexec(&re, json_string_value(json_object_get(rec, "time")), 0,
	    NULL, 0) == 0, "time: %s", line);
	regfree(&re);
	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "gateway")),
	    host);
	ck_assert_msg(json_is_string(json_object_get(rec, "type")), "type: %s",
	    line);
	sev = json_string_value(json_object_get(rec, "severity"));
	ck_assert_msg(sev != NULL && (strcmp(sev, "info") == 0 ||
	    strcmp(sev, "notice") == 0 || strcmp(sev, "warning") == 0 ||
	    strcmp(sev, "alert") == 0), "severity: %s", line);
	return rec;
}

static long long
record_id(const char *line)
{
	json_t		*rec = record(line);
	long long	 id = json_integer_value(json_object_get(rec, "id"));

	json_decref(rec);
	return id;
}

START_TEST(ids_increase_and_continue)
{
	char	**v;
	size_t	  n, i;
	bool	  partial;
	struct stat sb;
	uint64_t  e0 = events_emitted(), f0 = events_failed();

	/* Counters are per process and only grow: compare differences. */
	open_events();
	ck_assert_uint_eq(events_emit("policy.applied", EV_NOTICE, NULL), 1);
	ck_assert_uint_eq(events_emit("isolation.added", EV_WARNING, NULL), 2);
	ck_assert_uint_eq(events_emit("isolation.released", EV_NOTICE, NULL),
	    3);
	events_close();
	open_events();
	ck_assert_uint_eq(events_emit("isolation.expired", EV_INFO, NULL), 4);
	events_close();
	open_events();
	ck_assert_uint_eq(events_emit("drift.repaired", EV_ALERT, NULL), 5);
	ck_assert_uint_eq(events_emitted() - e0, 5);
	ck_assert_uint_eq(events_failed() - f0, 0);

	v = read_lines(&n, &partial);
	ck_assert_uint_eq(n, 5);
	ck_assert(!partial);
	for (i = 0; i < n; i++)
		ck_assert_int_eq(record_id(v[i]), (long long)i + 1);
	free_lines(v, n);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0640);
}
END_TEST

START_TEST(partial_last_line_ignored)
{
	char	**v;
	size_t	  n;
	bool	  partial;

	/* A crash (or a full disk) cut the last record short. */
	write_file("{\"id\":5,\"type\":\"a\"}\n{\"id\":6,\"type\":\"b\"}\n"
	    "{\"id\":7,\"time\":\"2026-");
	open_events();
	ck_assert_uint_eq(events_emit("isolation.added", EV_WARNING, NULL), 7);
	ck_assert_uint_eq(events_emit("isolation.added", EV_WARNING, NULL), 8);
	v = read_lines(&n, &partial);
	ck_assert_uint_eq(n, 5);
	ck_assert(!partial);
	/* The fragment stays a line of its own, which readers skip; the
	 * new records are whole lines after it. */
	ck_assert_str_eq(v[2], "{\"id\":7,\"time\":\"2026-");
	ck_assert_ptr_null(json_loads(v[2], 0, NULL));
	ck_assert_int_eq(record_id(v[3]), 7);
	ck_assert_int_eq(record_id(v[4]), 8);
	free_lines(v, n);
}
END_TEST

START_TEST(damaged_lines_skipped)
{
	char	*big, *text, *cause = NULL;
	size_t	 k;

	/* A non-record line after the last record is skipped. */
	write_file("{\"id\":41}\nnot json\n\n");
	open_events();
	ck_assert_uint_eq(events_emit("t", EV_INFO, NULL), 42);
	events_close();

	/* The last record is longer than the first window read back. */
	big = xmalloc(100 * 1024 + 1);
	memset(big, 'x', 100 * 1024);
	big[100 * 1024] = '\0';
	xasprintf(&text, "{\"id\":99,\"detail\":\"%s\"}\n", big);
	write_file(text);
	open_events();
	ck_assert_uint_eq(events_emit("t", EV_INFO, NULL), 100);
	events_close();
	free(text);

	/* More than the bound without a record: refused, not guessed. */
	text = xmalloc(2 * 1024 * 1024 + 16);
	strcpy(text, "{\"id\":7}\n");
	for (k = strlen(text); k < 2 * 1024 * 1024; k += 1024) {
		memset(text + k, 'y', 1023);
		text[k + 1023] = '\n';
	}
	text[k] = '\0';
	write_file(text);
	free(text);
	free(big);
	ck_assert_int_eq(events_open(dir, &cause), -1);
	ck_assert_msg(strstr(cause, "events.jsonl: no event record in its "
	    "last") != NULL, "%s", cause);
	free(cause);
}
END_TEST

START_TEST(schema_and_fields)
{
	char	**v;
	size_t	  n;
	bool	  partial;
	json_t	 *rec, *f;

	open_events();
	f = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "actor", "csirt-tanaka",
	    "reason", "不審な通信\n(EDR検知)", "target", "10.20.0.100",
	    "ticket", "INC-42", "dport", 443,
	    /* Schema members cannot be overridden by a field. */
	    "type", "forged");
	json_object_set_new(f, "id", json_integer(999));
	ck_assert_uint_eq(events_emit("isolation.added", EV_WARNING, f), 1);
	ck_assert_uint_eq(events_emit("policy.refused", EV_ALERT,
	    json_pack("{s:s}", "detail", "invariant 1")), 2);

	v = read_lines(&n, &partial);
	ck_assert_uint_eq(n, 2);
	/* Schema members first, in this order, then the fields; one line,
	 * UTF-8 kept as it is. */
	ck_assert_msg(strncmp(v[0], "{\"id\":1,\"time\":\"", 16) == 0, "%s",
	    v[0]);
	ck_assert_ptr_nonnull(strstr(v[0], "\",\"gateway\":\""));
	ck_assert_ptr_nonnull(strstr(v[0], "\",\"type\":\"isolation.added\","
	    "\"severity\":\"warning\",\"actor\":\"csirt-tanaka\""));
	ck_assert_ptr_nonnull(strstr(v[0], "不審な通信\\n(EDR検知)"));
	rec = record(v[0]);
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "id")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "type")),
	    "isolation.added");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "reason")),
	    "不審な通信\n(EDR検知)");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "target")),
	    "10.20.0.100");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "ticket")),
	    "INC-42");
	ck_assert_int_eq(json_integer_value(json_object_get(rec, "dport")),
	    443);
	json_decref(rec);
	rec = record(v[1]);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "severity")),
	    "alert");
	ck_assert_str_eq(json_string_value(json_object_get(rec, "detail")),
	    "invariant 1");
	json_decref(rec);
	free_lines(v, n);
	ck_assert_str_eq(event_severity_name(EV_INFO), "info");
	ck_assert_str_eq(event_severity_name(EV_NOTICE), "notice");
}
END_TEST

/* The "time" of the only record written under @tz. */
static char *
time_under(const char *tz)
{
	char	**v, *t;
	size_t	  n;
	bool	  partial;
	json_t	 *rec;

	setenv("TZ", tz, 1);
	unlink(path);
	open_events();
	events_emit("t", EV_INFO, NULL);
	events_close();
	v = read_lines(&n, &partial);
	ck_assert_uint_eq(n, 1);
	rec = record(v[0]);
	t = xstrdup(json_string_value(json_object_get(rec, "time")));
	json_decref(rec);
	free_lines(v, n);
	return t;
}

START_TEST(time_rfc3339_local_offset)
{
	struct tm	 tm = { 0 };
	char		*t;
	const char	*rest;
	time_t		 utc;

	t = time_under("JST-9");
	ck_assert_msg(strcmp(t + 23, "+09:00") == 0, "%s", t);
	/* The wall clock and the offset together are the present moment. */
	rest = strptime(t, "%Y-%m-%dT%H:%M:%S", &tm);
	ck_assert_ptr_nonnull(rest);
	utc = timegm(&tm) - 9 * 3600;
	ck_assert_msg(llabs((long long)(utc - time(NULL))) <= 5,
	    "%s is not now", t);
	free(t);

	t = time_under("NST3:30");		/* west of Greenwich, half hour */
	ck_assert_msg(strcmp(t + 23, "-03:30") == 0, "%s", t);
	free(t);
	t = time_under("UTC0");
	ck_assert_msg(strcmp(t + 23, "+00:00") == 0, "%s", t);
	free(t);
}
END_TEST

/* Lines of @text that contain @what. */
static int
count_in(const char *text, const char *what)
{
	const char	*p;
	int		 n = 0;

	for (p = text; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

static void
limit_file_size(rlim_t max)
{
	struct rlimit	rl;

	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	rl.rlim_cur = max;
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &rl), 0);
}

START_TEST(write_failure_counted)
{
	struct stat	 sb;
	struct rlimit	 rl;
	char		 errtext[4096], again[64], **v;
	uint64_t	 e0 = events_emitted(), f0 = events_failed();
	size_t		 n, i;
	ssize_t		 r;
	bool		 partial;
	int		 errpipe[2], saved;

	/* Not open yet: counted, not fatal. */
	events_emit("early", EV_INFO, NULL);
	ck_assert_uint_eq(events_failed() - f0, 1);

	/* stderr into a pipe: a file would be cut by the size limit too. */
	ck_assert_int_eq(pipe(errpipe), 0);
	saved = dup(STDERR_FILENO);
	dup2(errpipe[1], STDERR_FILENO);

	open_events();
	ck_assert_uint_eq(events_emit("ok", EV_INFO, NULL), 1);
	/* The disk is "full": a file size limit at the current size.  The
	 * kernel answers EFBIG (and SIGXFSZ, ignored as sansod will). */
	signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(stat(path, &sb), 0);
	limit_file_size((rlim_t)sb.st_size);
	ck_assert_uint_eq(events_emit("lost", EV_INFO, NULL), 2);
	ck_assert_uint_eq(events_emit("lost", EV_INFO, NULL), 3);
	ck_assert_uint_eq(events_emit("lost", EV_INFO, NULL), 4);
	/* Room for part of a record only: a short write. */
	limit_file_size((rlim_t)sb.st_size + 10);
	ck_assert_uint_eq(events_emit("cut", EV_INFO, NULL), 5);
	ck_assert_uint_eq(events_failed() - f0, 1 + 4);
	ck_assert_uint_eq(events_emitted() - e0, 1);

	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &rl), 0);
	limit_file_size(rl.rlim_max);
	ck_assert_uint_eq(events_emit("back", EV_INFO, NULL), 6);
	ck_assert_uint_eq(events_emitted() - e0, 2);
	limit_file_size((rlim_t)sb.st_size);
	ck_assert_uint_eq(events_emit("lost", EV_INFO, NULL), 7);
	limit_file_size(rl.rlim_max);
	events_close();

	dup2(saved, STDERR_FILENO);
	close(saved);
	close(errpipe[1]);
	r = read(errpipe[0], errtext, sizeof(errtext) - 1);
	close(errpipe[0]);
	ck_assert_int_gt(r, 0);
	errtext[r] = '\0';
	/* One message per burst, and one when writing works again. */
	ck_assert_msg(count_in(errtext, "not written") == 2, "%s", errtext);
	snprintf(again, sizeof(again), "writing events again, %llu lost",
	    (unsigned long long)(f0 + 5));
	ck_assert_msg(count_in(errtext, again) == 1, "%s", errtext);

	/* The file stays readable: whole records, the cut fragment on a line
	 * of its own, and the ids go on after the last whole record. */
	v = read_lines(&n, &partial);
	ck_assert_uint_eq(n, 3);
	ck_assert(!partial);
	ck_assert_int_eq(record_id(v[0]), 1);
	ck_assert_uint_eq(strlen(v[1]), 10);
	ck_assert_ptr_null(json_loads(v[1], 0, NULL));
	ck_assert_int_eq(record_id(v[2]), 6);
	free_lines(v, n);
	open_events();
	ck_assert_uint_eq(events_emit("next", EV_INFO, NULL), 7);
	v = read_lines(&n, &partial);
	for (i = 0; i < n; i++)
		if (i != 1)
			record_id(v[i]);
	free_lines(v, n);
}
END_TEST

START_TEST(open_errors_name_the_file)
{
	char	*cause = NULL;

	ck_assert_int_eq(mkdir(path, 0700), 0);
	ck_assert_int_eq(events_open(dir, &cause), -1);
	ck_assert_msg(strstr(cause, path) != NULL, "%s", cause);
	free(cause);
	cause = NULL;
	ck_assert_int_eq(events_open("/nonexistent/sanso", &cause), -1);
	ck_assert_msg(strstr(cause, "/nonexistent/sanso/events.jsonl: open: "
	    "No such file or directory") != NULL, "%s", cause);
	free(cause);
}
END_TEST

/* An injectable clock: each reading is one second after the last. */
static time_t	fake_now;

static void
fake_clock(struct timespec *ts)
{
	ts->tv_sec = fake_now++;
	ts->tv_nsec = 0;
}

/* Local (TZ) time -> time_t. */
static time_t
local_time(int y, int mo, int d, int h, int mi, int s)
{
	struct tm	tm = { 0 };

	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static void
install_logs(size_t size, bool daily, unsigned keep_files, unsigned keep_days)
{
	struct settings	st;

	settings_defaults(&st);
	st.se_logs.sg_rotate_size = size;
	st.se_logs.sg_rotate_daily = daily;
	st.se_logs.sg_keep_files = keep_files;
	st.se_logs.sg_keep_days = keep_days;
	settings_install(&st);
}

static int
rotated_only(const struct dirent *de)
{
	return strncmp(de->d_name, "events.jsonl.", 13) == 0;
}

/* The rotated files' names, oldest first. */
static char **
rotated(size_t *n)
{
	struct dirent	**de;
	char		**v;
	int		  k, i;

	k = scandir(dir, &de, rotated_only, alphasort);
	ck_assert_int_ge(k, 0);
	v = xcalloc((size_t)k + 1, sizeof(*v));
	for (i = 0; i < k; i++) {
		v[i] = xstrdup(de[i]->d_name);
		free(de[i]);
	}
	free(de);
	*n = (size_t)k;
	return v;
}

/* The ids in file @name of the state directory, in order. */
static size_t
file_ids(const char *name, long long *ids, size_t max, off_t *size)
{
	char	 p[sizeof(dir) + 64], *line = NULL;
	size_t	 cap = 0, n = 0;
	ssize_t	 r;
	FILE	*f;
	struct stat sb;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0640);
	*size = sb.st_size;
	f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	while ((r = getline(&line, &cap, f)) != -1) {
		line[r - 1] = '\0';
		ck_assert_uint_lt(n, max);
		ids[n++] = record_id(line);
	}
	free(line);
	fclose(f);
	return n;
}

START_TEST(rotation_by_size_keeps_files)
{
	char		**v, detail[151];
	long long	  ids[64], next = 0;
	size_t		  n, i, k, j;
	off_t		  size;
	int		  e;
	char		 *cause = NULL;

	setenv("TZ", "UTC0", 1);
	tzset();
	fake_now = local_time(2026, 11, 21, 9, 0, 0);
	events_set_clock(fake_clock);
	install_logs(1000, false, 3, 0);
	open_events();
	memset(detail, 'd', 150);
	detail[150] = '\0';
	/* Records of ~260 bytes: three to a file of at most 1000 bytes. */
	for (e = 1; e <= 40; e++)
		ck_assert_uint_eq(events_emit("packet.denied", EV_INFO,
		    json_pack("{s:s}", "detail", detail)), (uint64_t)e);

	v = rotated(&n);
	/* keep_files: 3 rotated files beside the current one. */
	ck_assert_uint_eq(n, 3);
	/* Named after the local time of their last record, in order. */
	ck_assert_msg(strncmp(v[0], "events.jsonl.20261121-0900", 26) == 0,
	    "%s", v[0]);
	/* The kept files and the current one hold the newest ids without a
	 * gap, each file at most 1000 bytes. */
	for (i = 0; i <= n; i++) {
		k = file_ids(i < n ? v[i] : "events.jsonl", ids, 64, &size);
		ck_assert_int_le(size, 1000);
		ck_assert_uint_ge(k, 1);
		for (j = 0; j < k; j++) {
			if (next != 0)
				ck_assert_int_eq(ids[j], next);
			next = ids[j] + 1;
		}
	}
	ck_assert_int_eq(next, 41);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);

	/* Restarted right after a rotation (the current file empty): the
	 * ids go on from the newest rotated file. */
	events_close();
	snprintf(detail, sizeof(detail), "%s/events.jsonl.20261121-235959",
	    dir);
	ck_assert_int_eq(rename(path, detail), 0);
	ck_assert_int_eq(events_open(dir, &cause), 0);
	ck_assert_uint_eq(events_emit("t", EV_INFO, NULL), 41);
}
END_TEST

START_TEST(rotation_by_day_keeps_days)
{
	char		**v;
	long long	  ids[8];
	size_t		  n, k, i;
	off_t		  size;
	json_t		 *rec;
	bool		  partial;
	char		**lines;

	setenv("TZ", "JST-9", 1);
	tzset();
	events_set_clock(fake_clock);
	install_logs(0, true, 0, 3);
	open_events();
	fake_now = local_time(2026, 11, 21, 23, 59, 58);
	ck_assert_uint_eq(events_emit("a", EV_INFO, NULL), 1);	/* :58 */
	ck_assert_uint_eq(events_emit("a", EV_INFO, NULL), 2);	/* :59 */
	fake_now = local_time(2026, 11, 22, 0, 0, 1);
	ck_assert_uint_eq(events_emit("b", EV_INFO, NULL), 3);
	/* The record's time is the (injected) clock's, local with offset. */
	lines = read_lines(&k, &partial);
	ck_assert_uint_eq(k, 1);
	rec = record(lines[0]);
	ck_assert_str_eq(json_string_value(json_object_get(rec, "time")),
	    "2026-11-22T00:00:01.000+09:00");
	json_decref(rec);
	free_lines(lines, k);

	v = rotated(&n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0], "events.jsonl.20261121-235959");
	k = file_ids(v[0], ids, 8, &size);
	ck_assert_uint_eq(k, 2);
	ck_assert_int_eq(ids[0], 1);
	ck_assert_int_eq(ids[1], 2);
	free(v[0]);
	free(v);

	/* Three days later: the 11-21 file is past keep_days (3 days and a
	 * second old), the 11-22 one is not (a second short of it). */
	fake_now = local_time(2026, 11, 25, 0, 0, 0);
	ck_assert_uint_eq(events_emit("c", EV_INFO, NULL), 4);
	v = rotated(&n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0], "events.jsonl.20261122-000001");
	k = file_ids(v[0], ids, 8, &size);
	ck_assert_uint_eq(k, 1);
	ck_assert_int_eq(ids[0], 3);
	k = file_ids("events.jsonl", ids, 8, &size);
	ck_assert_uint_eq(k, 1);
	ck_assert_int_eq(ids[0], 4);
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);

	/* The same day: no rotation. */
	fake_now = local_time(2026, 11, 25, 23, 59, 0);
	ck_assert_uint_eq(events_emit("d", EV_INFO, NULL), 5);
	v = rotated(&n);
	ck_assert_uint_eq(n, 1);
	free(v[0]);
	free(v);
}
END_TEST

START_TEST(stats_count_outputs)
{
	struct events_stats	st;
	uint64_t		e0;

	events_stats(&st);
	e0 = st.es_emitted;
	open_events();
	events_emit("t", EV_INFO, NULL);
	events_emit("t", EV_INFO, NULL);
	events_stats(&st);
	ck_assert_uint_eq(st.es_emitted - e0, 2);
	ck_assert_uint_eq(st.es_last_id, 2);
	ck_assert_uint_eq(st.es_n_outputs, 1);
	ck_assert_str_eq(st.es_outputs[0].os_name, "file");
	ck_assert_uint_eq(st.es_outputs[0].os_written, events_emitted());
	ck_assert_uint_eq(st.es_outputs[0].os_lost, events_failed());
	ck_assert_int_eq(st.es_outputs[0].os_connected, -1);
}
END_TEST

static Suite *
events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc = tcase_create("jsonl");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ids_increase_and_continue);
	tcase_add_test(tc, partial_last_line_ignored);
	tcase_add_test(tc, damaged_lines_skipped);
	tcase_add_test(tc, schema_and_fields);
	tcase_add_test(tc, time_rfc3339_local_offset);
	tcase_add_test(tc, write_failure_counted);
	tcase_add_test(tc, open_errors_name_the_file);
	tcase_add_test(tc, rotation_by_size_keeps_files);
	tcase_add_test(tc, rotation_by_day_keeps_days);
	tcase_add_test(tc, stats_count_outputs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(events_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
