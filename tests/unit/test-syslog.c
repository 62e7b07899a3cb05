/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the RFC 5424 formatter, the RFC 6587 frames and the
 * collectors' disk spool. */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../daemon/event-rfc5424.h"
#include "../../daemon/event-spool.h"
#include "../../daemon/settings.h"
#include "../../daemon/xmalloc.h"

/* The message for a record built from @fmt (json_pack). */
static char *
format(json_t *rec, unsigned facility, long pid)
{
	char	*json, *msg;
	size_t	 len;

	json = json_dumps(rec, JSON_COMPACT);
	msg = event_rfc5424_format(rec, json, strlen(json), facility, pid,
	    &len);
	ck_assert_uint_eq(strlen(msg), len);
	free(json);
	json_decref(rec);
	return msg;
}

static char *
sd_escape(const char *s)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f = open_memstream(&buf, &len);

	event_rfc5424_sd_escape(f, s);
	fclose(f);
	return buf;
}

START_TEST(pri_from_facility_and_severity)
{
	/* RFC 5424 6.2.1: PRI = facility * 8 + severity. */
	ck_assert_int_eq(event_rfc5424_pri(16, 6), 134);	/* local0.info */
	ck_assert_int_eq(event_rfc5424_pri(16, 1), 129);	/* local0.alert */
	ck_assert_int_eq(event_rfc5424_pri(4, 5), 37);		/* auth.notice */
	ck_assert_int_eq(event_rfc5424_pri(0, 0), 0);
	ck_assert_int_eq(event_rfc5424_pri(23, 7), 191);
	ck_assert_int_eq(event_rfc5424_pri(24, 0), -1);
	ck_assert_int_eq(event_rfc5424_pri(0, 8), -1);
	ck_assert_uint_eq(event_rfc5424_severity("info"), 6);
	ck_assert_uint_eq(event_rfc5424_severity("notice"), 5);
	ck_assert_uint_eq(event_rfc5424_severity("warning"), 4);
	ck_assert_uint_eq(event_rfc5424_severity("alert"), 1);
	ck_assert_uint_eq(event_rfc5424_severity("bogus"), 6);
	ck_assert_uint_eq(event_rfc5424_severity(NULL), 6);
}
END_TEST

START_TEST(sd_param_escaping)
{
	char	*s;

	/* RFC 5424 6.3.3: '"', '\' and ']' are escaped with '\'. */
	s = sd_escape("a\"b\\c]d");
	ck_assert_str_eq(s, "a\\\"b\\\\c\\]d");
	free(s);
	/* Nothing else: '[', '=', spaces and UTF-8 stay as they are. */
	s = sd_escape("[x=y] 不審な通信");
	ck_assert_str_eq(s, "[x=y\\] 不審な通信");
	free(s);
	s = sd_escape("");
	ck_assert_str_eq(s, "");
	free(s);
	s = sd_escape("\\\\]]\"");
	ck_assert_str_eq(s, "\\\\\\\\\\]\\]\\\"");
	free(s);
}
END_TEST

START_TEST(message_layout)
{
	char		*msg, *json;
	json_t		*rec;
	const char	*p, *want;

	rec = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, "
	    "s:[i]}", "id", (json_int_t)42, "time",
	    "2026-11-21T22:41:04.123+09:00", "gateway", "gw1", "type",
	    "isolation.added", "severity", "notice", "actor", "csirt \"t\"",
	    "target", "10.20.0.100", "reason", "x]y\\z", "dport", 443,
	    "list", 1);
	json = json_dumps(rec, JSON_COMPACT);
	msg = format(rec, 16, 1234);
	/* <PRI>VERSION SP TIMESTAMP SP HOSTNAME SP APP-NAME SP PROCID SP
	 * MSGID SP STRUCTURED-DATA SP MSG */
	want = "<133>1 2026-11-21T22:41:04.123+09:00 gw1 sansod 1234 "
	    "isolation.added [sanso@32473 id=\"42\" actor=\"csirt \\\"t\\\"\" "
	    "target=\"10.20.0.100\" dport=\"443\"] {";
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "%s", msg);
	/* MSG is the JSON record, unchanged and parseable. */
	p = strstr(msg, "] {");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p + 2, json);
	/* Fields not in the key list (reason) and non-scalars are in MSG
	 * only. */
	ck_assert_ptr_null(strstr(msg, "reason=\""));
	ck_assert_ptr_null(strstr(msg, "list=\""));
	free(json);
	free(msg);

	/* Severity alert, facility auth, no pid; a hostname with a space and
	 * a too long type are cut to PRINTUSASCII and 32 characters. */
	msg = format(json_pack("{s:I, s:s, s:s, s:s, s:s}", "id",
	    (json_int_t)1, "time", "2026-01-01T00:00:00.000+00:00",
	    "gateway", "my gw", "type",
	    "a.very.long.event.type.name.beyond.thirty.two", "severity",
	    "alert"), 4, 0);
	want = "<33>1 2026-01-01T00:00:00.000+00:00 mygw sansod - "
	    "a.very.long.event.type.name.beyo [sanso@32473 id=\"1\"] {";
	ck_assert_msg(strncmp(msg, want, strlen(want)) == 0, "%s", msg);
	free(msg);

	/* Missing header values are NILVALUE. */
	msg = format(json_pack("{s:I}", "id", (json_int_t)7), 16, 1);
	ck_assert_str_eq(msg, "<134>1 - - sansod 1 - [sanso@32473 id=\"7\"] "
	    "{\"id\":7}");
	free(msg);
}
END_TEST

START_TEST(octet_counting_frames)
{
	char	*f;
	size_t	 len, fl;

	/* RFC 6587 3.4.1: MSG-LEN SP SYSLOG-MSG, the length in octets. */
	f = event_rfc5424_frame("<134>1 - - - - - - x", 20, &len);
	ck_assert_uint_eq(len, 23);
	ck_assert_str_eq(f, "20 <134>1 - - - - - - x");
	ck_assert_int_eq(event_rfc5424_frame_len(f, len, &fl), 1);
	ck_assert_uint_eq(fl, 23);
	/* Two frames back to back: the first one's length. */
	ck_assert_int_eq(event_rfc5424_frame_len("3 abc4 defg", 11, &fl), 1);
	ck_assert_uint_eq(fl, 5);
	/* Incomplete: more bytes needed, the full size known once the
	 * length is. */
	ck_assert_int_eq(event_rfc5424_frame_len(f, 10, &fl), 0);
	ck_assert_uint_eq(fl, 23);
	ck_assert_int_eq(event_rfc5424_frame_len("12", 2, &fl), 0);
	ck_assert_uint_eq(fl, 0);
	/* Not a frame. */
	ck_assert_int_eq(event_rfc5424_frame_len("x1 a", 4, &fl), -1);
	ck_assert_int_eq(event_rfc5424_frame_len("01 a", 4, &fl), -1);
	ck_assert_int_eq(event_rfc5424_frame_len("1xa", 3, &fl), -1);
	ck_assert_int_eq(event_rfc5424_frame_len("99999999999 a", 13, &fl),
	    -1);
	free(f);

	/* UTF-8: octets, not characters. */
	f = event_rfc5424_frame("隔離", strlen("隔離"), &len);
	ck_assert_str_eq(f, "6 隔離");
	free(f);
}
END_TEST

static char	sdir[] = "/tmp/sanso-spool.XXXXXX";
static char	spath[sizeof(sdir) + 16];

static void
spool_setup(void)
{
	strcpy(sdir, "/tmp/sanso-spool.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(sdir));
	snprintf(spath, sizeof(spath), "%s/s.spool", sdir);
}

static void
spool_teardown(void)
{
	char	p[sizeof(spath) + 8];

	unlink(spath);
	snprintf(p, sizeof(p), "%s.new", spath);
	unlink(p);
	rmdir(sdir);
}

static struct event_spool *
spool(size_t max)
{
	struct event_spool	*sp;
	char			*cause = NULL;

	ck_assert_msg(event_spool_open(&sp, spath, max, &cause) == 0, "%s",
	    cause);
	return sp;
}

static void
append(struct event_spool *sp, int i)
{
	char	 m[32], *f;
	size_t	 len;

	snprintf(m, sizeof(m), "msg %d", i);
	f = event_rfc5424_frame(m, strlen(m), &len);
	ck_assert_int_eq(event_spool_append(sp, f, len), 0);
	free(f);
}

/* Frames sent next, as "msg A,msg B,..." (all of them, in one go). */
static char *
sent(struct event_spool *sp, uint64_t *end, size_t *nrec)
{
	char	*buf, *out = xstrdup(""), *t;
	size_t	 len, fl, off = 0;

	buf = event_spool_next(sp, 1 << 20, &len, nrec, end);
	if (buf == NULL)
		return out;
	while (off < len && event_rfc5424_frame_len(buf + off, len - off,
	    &fl) == 1) {
		t = strchr(buf + off, ' ') + 1;
		xasprintf(&t, "%s%s%.*s", out, *out ? "," : "",
		    (int)(buf + off + fl - t), t);
		free(out);
		out = t;
		off += fl;
	}
	ck_assert_uint_eq(off, len);
	free(buf);
	return out;
}

START_TEST(spool_order_confirm_rewind)
{
	struct event_spool	*sp = spool(1 << 20);
	uint64_t		 end, end2;
	size_t			 n;
	char			*s;
	int			 i;

	for (i = 1; i <= 3; i++)
		append(sp, i);
	ck_assert_uint_eq(event_spool_records(sp), 3);
	ck_assert_uint_eq(event_spool_unsent(sp), 3);
	s = sent(sp, &end, &n);
	ck_assert_str_eq(s, "msg 1,msg 2,msg 3");
	ck_assert_uint_eq(n, 3);
	free(s);
	ck_assert_uint_eq(event_spool_unsent(sp), 0);
	append(sp, 4);
	s = sent(sp, &end2, &n);
	ck_assert_str_eq(s, "msg 4");
	free(s);
	/* The first three are delivered; the connection then breaks: the
	 * fourth is sent again, in order, before the fifth. */
	event_spool_confirm(sp, end, 3);
	ck_assert_uint_eq(event_spool_records(sp), 1);
	append(sp, 5);
	event_spool_rewind(sp);
	ck_assert_uint_eq(event_spool_unsent(sp), 2);
	s = sent(sp, &end, &n);
	ck_assert_str_eq(s, "msg 4,msg 5");
	free(s);
	/* A restart without confirmation: both again (at least once). */
	event_spool_close(sp);
	sp = spool(1 << 20);
	ck_assert_uint_eq(event_spool_records(sp), 2);
	s = sent(sp, &end, &n);
	ck_assert_str_eq(s, "msg 4,msg 5");
	free(s);
	event_spool_confirm(sp, end, n);
	ck_assert_uint_eq(event_spool_bytes(sp), 0);
	event_spool_close(sp);
	sp = spool(1 << 20);
	ck_assert_uint_eq(event_spool_records(sp), 0);
	s = sent(sp, &end, &n);
	ck_assert_str_eq(s, "");
	free(s);
	event_spool_close(sp);
}
END_TEST

START_TEST(spool_bound_and_damage)
{
	struct event_spool	*sp = spool(40);
	char			*f, *s;
	size_t			 len, n;
	uint64_t		 end;
	FILE			*fp;
	struct stat		 st;

	/* "5 msg N" is 7 bytes: five fit in 40, the sixth does not. */
	for (n = 0; n < 5; n++)
		append(sp, (int)n);
	f = event_rfc5424_frame("msg 9", 5, &len);
	ck_assert_int_eq(event_spool_append(sp, f, len), -ENOSPC);
	ck_assert_uint_eq(event_spool_records(sp), 5);
	ck_assert_uint_eq(event_spool_bytes(sp), 35);
	/* Sent bytes make room again; after a rewind they count again. */
	s = sent(sp, &end, &n);
	free(s);
	ck_assert_int_eq(event_spool_append(sp, f, len), 0);
	event_spool_rewind(sp);
	ck_assert_int_eq(event_spool_append(sp, f, len), -ENOSPC);
	ck_assert_uint_eq(event_spool_bytes(sp), 42);
	s = sent(sp, &end, &n);
	free(s);
	event_spool_confirm(sp, end, n);
	ck_assert_uint_eq(event_spool_bytes(sp), 0);
	ck_assert_int_eq(event_spool_append(sp, f, len), 0);
	free(f);
	event_spool_close(sp);

	/* A write cut short by a crash: the whole frames stay, the tail
	 * goes. */
	fp = fopen(spath, "a");
	fputs("5 msg 77 msg", fp);
	fclose(fp);
	sp = spool(1 << 20);
	s = sent(sp, &end, &n);
	ck_assert_str_eq(s, "msg 9,msg 7");
	free(s);
	event_spool_close(sp);
	ck_assert_int_eq(stat(spath, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(st.st_size, 14);

	/* A rewind leaves the file holding exactly the backlog. */
	sp = spool(1 << 20);
	append(sp, 8);
	s = sent(sp, &end, &n);
	free(s);
	event_spool_confirm(sp, end - 7, 2);
	event_spool_rewind(sp);
	ck_assert_int_eq(stat(spath, &st), 0);
	ck_assert_int_eq(st.st_size, 7);
	s = sent(sp, &end, &n);
	ck_assert_str_eq(s, "msg 8");
	free(s);
	event_spool_close(sp);
	unlink(spath);

	/* An empty backlog takes one message larger than the bound (a loss
	 * report must get through), the next one waits for it. */
	sp = spool(4);
	append(sp, 1);
	f = event_rfc5424_frame("msg 2", 5, &len);
	ck_assert_int_eq(event_spool_append(sp, f, len), -ENOSPC);
	s = sent(sp, &end, &n);
	ck_assert_str_eq(s, "msg 1");
	free(s);
	ck_assert_int_eq(event_spool_append(sp, f, len), 0);
	free(f);
	event_spool_close(sp);
}
END_TEST

START_TEST(spool_compacts_while_busy)
{
	struct event_spool	*sp = spool(8 << 20);
	struct stat		 st;
	uint64_t		 end;
	size_t			 n, len;
	char			*buf;
	int			 i;

	/* Events keep coming: the file never empties, yet its delivered
	 * head is cut off. */
	for (i = 0; i < 150000; i++)
		append(sp, i);
	ck_assert_int_eq(stat(spath, &st), 0);
	ck_assert_int_gt(st.st_size, 1024 * 1024);
	buf = event_spool_next(sp, 1536 * 1024, &len, &n, &end);
	ck_assert_ptr_nonnull(buf);
	free(buf);
	append(sp, 150000);
	event_spool_confirm(sp, end, n);
	/* The file now holds exactly what is undelivered. */
	ck_assert_int_gt(event_spool_records(sp), 1000);
	ck_assert_int_eq(stat(spath, &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, event_spool_bytes(sp));
	/* And the rest comes out in order, ending with the newest. */
	while ((buf = event_spool_next(sp, 1024 * 1024, &len, &n,
	    &end)) != NULL) {
		ck_assert_uint_eq(n, event_spool_records(sp));
		ck_assert_int_eq(memcmp(buf + len - 10, "msg 150000", 10), 0);
		free(buf);
	}
	event_spool_close(sp);
}
END_TEST

START_TEST(spool_open_errors)
{
	struct event_spool	*sp;
	char			*cause = NULL;

	ck_assert_int_eq(event_spool_open(&sp, "/nonexistent/x.spool", 10,
	    &cause), -1);
	ck_assert_str_eq(cause, "/nonexistent/x.spool: open: No such file "
	    "or directory");
	free(cause);
}
END_TEST

/* Parse a sansod.yaml; the joined diagnostics (caller frees). */
static char *
settings_text(const char *text, struct settings *st, bool *ok)
{
	struct diags	 d;
	char		*all = xstrdup(""), *m, *t;
	size_t		 i;

	diags_init(&d, text, strlen(text));
	*ok = settings_parse("sansod.yaml", text, strlen(text), st, &d);
	for (i = 0; i < d.n; i++) {
		m = diag_format(&d.v[i]);
		xasprintf(&t, "%s%s\n", all, m);
		free(all);
		free(m);
		all = t;
	}
	diags_free(&d);
	return all;
}

START_TEST(logs_defaults_and_values)
{
	struct settings	 st;
	bool		 ok;
	char		*msg;

	msg = settings_text("", &st, &ok);
	ck_assert(ok);
	ck_assert_str_eq(st.se_logs.sg_json_file, "events.jsonl");
	ck_assert_uint_eq(st.se_logs.sg_rotate_size, 64u << 20);
	ck_assert(st.se_logs.sg_rotate_daily);
	ck_assert_uint_eq(st.se_logs.sg_keep_files, 0);
	ck_assert_uint_eq(st.se_logs.sg_keep_days, 0);
	ck_assert_uint_eq(st.se_logs.sg_facility, 16);
	ck_assert_uint_eq(st.se_logs.sg_n_syslog, 0);
	ck_assert_uint_eq(st.se_logs.sg_spool_max, 64u << 20);
	ck_assert_int_eq(st.se_logs.sg_reconnect_max, 30);
	free(msg);
	settings_free(&st);

	msg = settings_text("logs:\n"
	    "  json_file: /var/log/sanso/events.jsonl\n"
	    "  rotate_size: 1M\n  rotate_daily: false\n"
	    "  keep_files: 10\n  keep_days: 400\n  facility: auth\n"
	    "  spool_max: 8M\n  reconnect_max: 2m\n"
	    "  syslog:\n"
	    "    soc:\n      address: 192.0.2.10:6514\n"
	    "      ca_file: /etc/sanso/ca.pem\n"
	    "      server_name: syslog.example\n"
	    "      certificate: /etc/sanso/c.pem\n      key: /etc/sanso/c.key\n"
	    "    noc: { address: \"[2001:db8::1]:514\", transport: udp }\n",
	    &st, &ok);
	ck_assert_msg(ok, "%s", msg);
	ck_assert_str_eq(st.se_logs.sg_json_file,
	    "/var/log/sanso/events.jsonl");
	ck_assert_uint_eq(st.se_logs.sg_rotate_size, 1u << 20);
	ck_assert(!st.se_logs.sg_rotate_daily);
	ck_assert_uint_eq(st.se_logs.sg_keep_files, 10);
	ck_assert_uint_eq(st.se_logs.sg_keep_days, 400);
	ck_assert_uint_eq(st.se_logs.sg_facility, 4);
	ck_assert_uint_eq(st.se_logs.sg_spool_max, 8u << 20);
	ck_assert_int_eq(st.se_logs.sg_reconnect_max, 120);
	ck_assert_uint_eq(st.se_logs.sg_n_syslog, 2);
	ck_assert_str_eq(st.se_logs.sg_syslog[0].sy_name, "soc");
	ck_assert_int_eq(st.se_logs.sg_syslog[0].sy_transport, SYSLOG_TLS);
	ck_assert_str_eq(st.se_logs.sg_syslog[0].sy_server_name,
	    "syslog.example");
	ck_assert_str_eq(st.se_logs.sg_syslog[0].sy_key, "/etc/sanso/c.key");
	ck_assert_str_eq(st.se_logs.sg_syslog[1].sy_name, "noc");
	ck_assert_int_eq(st.se_logs.sg_syslog[1].sy_transport, SYSLOG_UDP);
	ck_assert_str_eq(st.se_logs.sg_syslog[1].sy_address,
	    "[2001:db8::1]:514");
	free(msg);
	settings_free(&st);
}
END_TEST

START_TEST(logs_errors_name_the_key)
{
	static const struct {
		const char	*yaml;
		const char	*want;
	} bad[] = {
		{ "logs:\n  syslog:\n    a: { address: 10.0.0.1 }\n",
		  "sansod.yaml:3:19: error: address in collector 'a': expected "
		  "HOST:PORT or [IPV6]:PORT" },
		{ "logs:\n  syslog:\n    a: { address: \"10.0.0.1:0\" }\n",
		  "address in collector 'a': expected HOST:PORT" },
		{ "logs:\n  syslog:\n    a: { address: \"::1:514\" }\n",
		  "address in collector 'a': expected HOST:PORT" },
		{ "logs:\n  syslog:\n    a: { transport: tls }\n",
		  "missing key 'address' in collector 'a'" },
		{ "logs:\n  syslog:\n    a: { address: \"h:1\", transport: "
		  "quic }\n", "transport in collector 'a': expected udp, tcp "
		  "or tls, got" },
		{ "logs:\n  syslog:\n    a: { address: \"h:1\", certificate: "
		  "c.pem }\n", "collector 'a': certificate and key go together; "
		  "only certificate is given" },
		{ "logs:\n  syslog:\n    a: { address: \"h:1\", transport: udp, "
		  "ca_file: ca.pem }\n", "collector 'a': ca_file, server_name, "
		  "certificate and key apply to transport tls only" },
		{ "logs:\n  syslog:\n    9a: { address: \"h:1\" }\n",
		  "'9a' is not a valid collector name" },
		{ "logs:\n  facility: local9\n",
		  "facility in logs: unknown facility" },
		{ "logs:\n  rotate_daily: yes\n",
		  "rotate_daily in logs: expected true or false" },
		{ "logs:\n  reconnect_max: 0s\n",
		  "reconnect_max in logs: expected a duration" },
		{ "logs:\n  spool: 1M\n", "unknown key 'spool' in logs" },
	};
	struct settings	 st;
	bool		 ok;
	char		*msg;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg = settings_text(bad[i].yaml, &st, &ok);
		ck_assert_msg(!ok, "accepted: %s", bad[i].yaml);
		ck_assert_msg(strstr(msg, bad[i].want) != NULL,
		    "want '%s' in: %s", bad[i].want, msg);
		/* Refused settings leave the defaults. */
		ck_assert_uint_eq(st.se_logs.sg_n_syslog, 0);
		free(msg);
		settings_free(&st);
	}
}
END_TEST

static Suite *
syslog_suite(void)
{
	Suite *s = suite_create("syslog");
	TCase *tc = tcase_create("rfc5424");
	TCase *ts = tcase_create("spool");
	TCase *tg = tcase_create("settings");

	tcase_add_test(tc, pri_from_facility_and_severity);
	tcase_add_test(tc, sd_param_escaping);
	tcase_add_test(tc, message_layout);
	tcase_add_test(tc, octet_counting_frames);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(ts, spool_setup, spool_teardown);
	tcase_add_test(ts, spool_order_confirm_rewind);
	tcase_add_test(ts, spool_bound_and_damage);
	tcase_add_test(ts, spool_compacts_while_busy);
	tcase_add_test(ts, spool_open_errors);
	tcase_set_timeout(ts, 30);
	suite_add_tcase(s, ts);
	tcase_add_test(tg, logs_defaults_and_values);
	tcase_add_test(tg, logs_errors_name_the_key);
	suite_add_tcase(s, tg);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(syslog_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
