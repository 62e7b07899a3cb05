/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GET /api/v1/audit and POST /api/v1/audit/verify: read the chain. */
#include <sys/queue.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "api-audit.h"
#include "audit.h"
#include "log.h"
#include "xmalloc.h"

/* Entries per answer unless ?limit= says otherwise, and the most it may. */
#define API_AUDIT_LIMIT		10000
#define API_AUDIT_LIMIT_MAX	1000000

/* RFC 3339 in local time with milliseconds and offset. */
static json_t *
api_audit_time(int64_t ms)
{
	struct tm	tm;
	time_t		t = (time_t)(ms / 1000);
	char		base[32], off[8];
	char		buf[48];

	localtime_r(&t, &tm);
	if (strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    strftime(off, sizeof(off), "%z", &tm) != 5)
		return json_null();
	snprintf(buf, sizeof(buf), "%s.%03d%.3s:%.2s", base,
	    (int)(ms % 1000), off, off + 3);
	return json_string(buf);
}

bool
api_audit_parse_time(const char *s, int64_t *ms)
{
	struct tm	 tm;
	const char	*p;
	char		*end;
	long long	 secs;
	long		 frac = 0, scale = 1000;
	int		 oh, om, sign;
	time_t		 t;

	if (*s == '\0')
		return false;
	if (strspn(s, "0123456789") == strlen(s)) {
		errno = 0;
		secs = strtoll(s, &end, 10);
		if (errno != 0 || secs > 253402300799LL)
			return false;
		*ms = (int64_t)secs * 1000;
		return true;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_isdst = -1;
	if ((p = strptime(s, "%Y-%m-%d", &tm)) == NULL)
		return false;
	if (*p == '\0') {
		if ((t = mktime(&tm)) == (time_t)-1)
			return false;
		*ms = (int64_t)t * 1000;
		return true;
	}
	if ((*p != 'T' && *p != 't' && *p != ' ') ||
	    (p = strptime(p + 1, "%H:%M:%S", &tm)) == NULL)
		return false;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		}
	}
	if (*p == '\0') {
		if ((t = mktime(&tm)) == (time_t)-1)
			return false;
		*ms = (int64_t)t * 1000 + frac;
		return true;
	}
	t = timegm(&tm);
	if (*p == 'Z' || *p == 'z') {
		if (p[1] != '\0')
			return false;
		*ms = (int64_t)t * 1000 + frac;
		return true;
	}
	if ((*p != '+' && *p != '-') || sscanf(p + 1, "%2d:%2d", &oh, &om) !=
	    2 || strlen(p) != 6 || oh > 23 || om > 59)
		return false;
	sign = *p == '-' ? -1 : 1;
	*ms = ((int64_t)t - sign * (oh * 3600 + om * 60)) * 1000 + frac;
	return true;
}

static json_t *
api_audit_approvals(const char *s)
{
	json_t		*a;
	const char	*p, *comma;

	if (s == NULL)
		return json_array();
	a = json_array();
	for (p = s; *p != '\0'; p = comma + 1) {
		comma = strchr(p, ',');
		if (comma == NULL) {
			json_array_append_new(a, json_string(p));
			break;
		}
		json_array_append_new(a, json_stringn(p, (size_t)(comma - p)));
	}
	return a;
}

static json_t *
api_audit_entry_json(const struct audit_entry *e)
{
	json_t	*detail = NULL, *o;

	if (e->ae_detail != NULL)
		detail = json_loads(e->ae_detail, 0, NULL);
	o = json_pack("{s:I, s:o, s:I, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, "
	    "s:o, s:s?, s:o, s:s, s:s}",
	    "seq", (json_int_t)e->ae_seq,
	    "at", api_audit_time(e->ae_at_ms),
	    "at_ms", (json_int_t)e->ae_at_ms,
	    "actor", e->ae_actor,
	    "role", e->ae_role,
	    "action", e->ae_action,
	    "target", e->ae_target,
	    "before", e->ae_before,
	    "after", e->ae_after,
	    "approvals", api_audit_approvals(e->ae_approvals),
	    "result", e->ae_result,
	    "detail", detail != NULL ? detail : json_null(),
	    "prev_hash", e->ae_prev,
	    "hash", e->ae_hash);
	if (o == NULL)	/* an edited row that is not UTF-8 any more */
		o = json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)e->ae_seq,
		    "prev_hash", e->ae_prev, "hash", e->ae_hash);
	return o;
}

struct api_audit_collect {
	json_t	*ac_entries;
};

static int
api_audit_collect_cb(const struct audit_entry *e, void *arg)
{
	struct api_audit_collect *c = arg;

	json_array_append_new(c->ac_entries, api_audit_entry_json(e));
	return 0;
}

/* Set *resp to a 400 naming @field; returns 400. */
static int
api_audit_bad(json_t **resp, const char *field, const char *msg)
{
	*resp = api_error("invalid_field", field, "%s: %s", field, msg);
	return 400;
}

int
api_audit_list(const struct api_request *req, json_t **resp)
{
	struct evkeyvalq		 q;
	struct evkeyval			*kv;
	struct audit_filter		 f;
	struct api_audit_collect	 c;
	char				*end;
	long long			 limit = API_AUDIT_LIMIT;
	bool				 more = false;
	int				 st = 0;

	memset(&f, 0, sizeof(f));
	TAILQ_INIT(&q);
	if (req->ar_query != NULL && evhttp_parse_query_str(req->ar_query,
	    &q) == -1) {
		*resp = api_error("invalid_field", NULL, "the query string "
		    "is not name=value pairs");
		return 400;
	}
	TAILQ_FOREACH(kv, &q, next) {
		if (strcmp(kv->key, "actor") == 0 && *kv->value != '\0')
			f.af_actor = kv->value;
		else if (strcmp(kv->key, "action") == 0 && *kv->value != '\0')
			f.af_action = kv->value;
		else if (strcmp(kv->key, "since") == 0) {
			if (!api_audit_parse_time(kv->value, &f.af_since_ms)) {
				st = api_audit_bad(resp, "since", "expected "
				    "RFC 3339 time, a date or unix seconds");
				goto out;
			}
		} else if (strcmp(kv->key, "until") == 0) {
			if (!api_audit_parse_time(kv->value, &f.af_until_ms)) {
				st = api_audit_bad(resp, "until", "expected "
				    "RFC 3339 time, a date or unix seconds");
				goto out;
			}
		} else if (strcmp(kv->key, "limit") == 0) {
			errno = 0;
			limit = strtoll(kv->value, &end, 10);
			if (errno != 0 || *end != '\0' || end == kv->value ||
			    limit < 1 || limit > API_AUDIT_LIMIT_MAX) {
				st = api_audit_bad(resp, "limit", "expected a "
				    "count from 1 to 1000000");
				goto out;
			}
		} else {
			*resp = api_error("invalid_field", kv->key, "%s: not a "
			    "filter of the audit list (actor, action, since, "
			    "until, limit)", kv->key);
			st = 400;
			goto out;
		}
	}
	/* One more than asked tells whether there is more. */
	f.af_limit = limit + 1;
	c.ac_entries = json_array();
	if (audit_list(&f, api_audit_collect_cb, &c) != 0) {
		json_decref(c.ac_entries);
		*resp = api_error("store_error", NULL, "cannot read the audit "
		    "chain");
		st = 500;
		goto out;
	}
	if ((long long)json_array_size(c.ac_entries) > limit) {
		json_array_remove(c.ac_entries, (size_t)limit);
		more = true;
	}
	*resp = json_pack("{s:I, s:I, s:b, s:o}",
	    "count", (json_int_t)json_array_size(c.ac_entries),
	    "limit", (json_int_t)limit, "more", more,
	    "entries", c.ac_entries);
	st = 200;
out:
	evhttp_clear_headers(&q);
	return st;
}

int
api_audit_verify(const struct api_request *req, json_t **resp)
{
	struct audit_verify	v;

	(void)req;
	if (audit_verify(&v) == -1) {
		*resp = api_error("store_error", NULL, "cannot read the audit "
		    "chain: %s", v.av_message);
		return 500;
	}
	*resp = json_pack("{s:b, s:I, s:o, s:o, s:s}",
	    "intact", v.av_intact,
	    "entries", (json_int_t)v.av_rows,
	    "head", v.av_head.ah_present ? json_pack("{s:I, s:s}", "seq",
	    (json_int_t)v.av_head.ah_seq, "hash", v.av_head.ah_hash) :
	    json_null(),
	    "first_bad", v.av_intact ? json_null() : json_pack("{s:I, s:s?}",
	    "seq", (json_int_t)v.av_bad_seq, "kind", v.av_kind),
	    "message", v.av_message);
	if (!v.av_intact)
		log_warnx("audit verify: %s", v.av_message);
	return 200;
}
