/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The /api/v1 route table and its JSON handlers for the policy and
 * isolation services. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api.h"
#include "audit.h"
#include "api-auth.h"
#include "api-audit.h"
#include "api-change.h"
#include "log.h"
#include "matrix.h"
#include "metrics.h"
#include "policy-diff.h"
#include "svc-change.h"
#include "svc-isolation.h"
#include "svc-policy.h"
#include "xmalloc.h"

/* Longest "name" of a policy text: a file name, not a document. */
#define API_NAME_MAX	255

json_t *
api_error(const char *code, const char *field, const char *fmt, ...)
{
	va_list	 ap;
	json_t	*e;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fatal("vasprintf");
	va_end(ap);
	e = json_pack("{s:{s:s, s:s, s:s?}}", "error", "code", code,
	    "message", msg, "field", field);
	if (e == NULL)	/* a message quoting bytes that are not UTF-8 */
		e = json_pack("{s:{s:s, s:s, s:s?}}", "error", "code", code,
		    "message", "(message not representable as UTF-8)",
		    "field", field);
	free(msg);
	return e;
}

/* Set *resp to an error and return @status, so handlers fail in one line. */
int
api_fail(json_t **resp, int status, const char *code, const char *field,
    const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		fatal("vasprintf");
	va_end(ap);
	*resp = api_error(code, field, "%s", msg);
	free(msg);
	return status;
}

/*
 * Who asks: the unix user name of the peer, "uid N" when it has none.
 * (With web sessions this becomes the logged-in user.)
 */
static void
api_actor(const struct api_request *req, char *buf, size_t len)
{
	/* The authenticated caller (api-auth.c): an account, or the unix
	 * user on the socket. */
	snprintf(buf, len, "%s", req->ar_user);
}

json_t *
api_time(time_t t)
{
	struct tm	tm;
	char		buf[40];
	size_t		n;

	if (t == 0)
		return json_null();
	localtime_r(&t, &tm);
	n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S%z", &tm);
	if (n < 5)
		return json_null();
	/* %z gives +0900; RFC 3339 wants +09:00. */
	memmove(buf + n - 1, buf + n - 2, 3);
	buf[n - 2] = ':';
	return json_string(buf);
}

/*
 * Body fields.  Each returns 0, or the HTTP status after filling *resp
 * with an error that names the field.
 */
static int
api_field_string(const struct api_request *req, const char *key,
    bool required, const char **out, size_t *lenp, json_t **resp)
{
	json_t *v;

	*out = NULL;
	if (lenp != NULL)
		*lenp = 0;
	v = req->ar_body ? json_object_get(req->ar_body, key) : NULL;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return 0;
		return api_fail(resp, 400, "missing_field", key,
		    "field '%s' is required", key);
	}
	if (!json_is_string(v))
		return api_fail(resp, 400, "invalid_field", key,
		    "field '%s' must be a string", key);
	*out = json_string_value(v);
	if (lenp != NULL)
		*lenp = json_string_length(v);
	return 0;
}

bool
api_has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* {"name", "text"} of check, diff and apply, into a candidate. */
static int
api_candidate(const struct api_request *req, struct policy_candidate *pc,
    json_t **resp)
{
	const char	*name, *text;
	size_t		 namelen, len;
	int		 st;

	if ((st = api_field_string(req, "name", true, &name, &namelen,
	    resp)) != 0)
		return st;
	/* It ends up in logs and diagnostics: one printable line. */
	if (namelen == 0 || namelen > API_NAME_MAX ||
	    strlen(name) != namelen || api_has_control(name))
		return api_fail(resp, 400, "invalid_field", "name",
		    "field 'name' must be a file name of 1 to %d bytes "
		    "without control characters", API_NAME_MAX);
	if ((st = api_field_string(req, "text", true, &text, &len, resp)) != 0)
		return st;
	svc_policy_candidate(pc, name, text, len);
	return 0;
}

static json_t *
api_diagnostics(const struct diags *d)
{
	const struct diag	*g;
	json_t			*a;
	size_t			 i;

	a = json_array();
	for (i = 0; i < d->n; i++) {
		g = &d->v[i];
		json_array_append_new(a, json_pack("{s:s?, s:I, s:I, s:s, s:s, "
		    "s:s?, s:s}",
		    "file", g->d_loc.file,
		    "line", (json_int_t)g->d_loc.line,
		    "column", (json_int_t)g->d_loc.col,
		    "severity", g->d_sev == DIAG_ERROR ? "error" : "warning",
		    "rule", g->d_rule ? g->d_rule : "policy",
		    "source", g->d_source,
		    "message", g->d_msg ? g->d_msg : ""));
	}
	return a;
}

/* "valid", "errors", "warnings", "diagnostics" of a candidate. */
static void
api_add_validity(json_t *o, const struct policy_candidate *pc)
{
	json_object_set_new(o, "valid", json_boolean(pc->pc_valid));
	json_object_set_new(o, "errors",
	    json_integer((json_int_t)pc->pc_diags.nerrors));
	json_object_set_new(o, "warnings",
	    json_integer((json_int_t)(pc->pc_diags.n - pc->pc_diags.nerrors)));
	json_object_set_new(o, "diagnostics", api_diagnostics(&pc->pc_diags));
}

static json_t *
api_confirm_json(void)
{
	time_t	deadline;
	long	left;

	if (!svc_policy_confirm_pending(&deadline, &left))
		return json_null();
	return json_pack("{s:o, s:I}", "deadline", api_time(deadline),
	    "seconds_left", (json_int_t)left);
}

static int
api_status(const struct api_request *req, json_t **resp)
{
	const struct policy_active	*run = svc_policy_running();
	struct kernel_drift		 kd;
	time_t				 checked;
	json_t				*pol = json_null();

	(void)req;
	svc_policy_drift(&kd, &checked);
	if (run != NULL)
		pol = json_pack("{s:s, s:s, s:o, s:I, s:I, s:I, s:I, s:f}",
		    "name", run->pa_name,
		    "sha256", run->pa_sha256,
		    "applied_at", api_time(run->pa_applied_at),
		    "zones", (json_int_t)run->pa_policy->p_n_zones,
		    "conduits", (json_int_t)run->pa_policy->p_n_conduits,
		    "rules", (json_int_t)run->pa_rules,
		    "elements", (json_int_t)run->pa_elements,
		    "apply_ms", run->pa_apply_ms);
	*resp = json_pack("{s:s, s:o, s:o, s:I, s:{s:b, s:b, s:s, s:o}}",
	    "version", SANSO_VERSION,
	    "policy", pol,
	    "confirm", api_confirm_json(),
	    "isolations", (json_int_t)svc_isolation_count(),
	    "kernel",
	    "present", kd.kd_present,
	    "match", kd.kd_match,
	    "detail", kd.kd_detail,
	    "checked_at", api_time(checked));
	return 200;
}

static int
api_policy_check(const struct api_request *req, json_t **resp)
{
	struct policy_candidate	pc;
	int			st;

	if ((st = api_candidate(req, &pc, resp)) != 0)
		return st;
	*resp = json_object();
	api_add_validity(*resp, &pc);
	if (pc.pc_valid) {
		json_object_set_new(*resp, "zones",
		    json_integer((json_int_t)pc.pc_policy->p_n_zones));
		json_object_set_new(*resp, "conduits",
		    json_integer((json_int_t)pc.pc_policy->p_n_conduits));
	}
	svc_policy_candidate_free(&pc);
	return 200;
}

static int
api_policy_diff(const struct api_request *req, json_t **resp)
{
	const struct policy_active	*run = svc_policy_running();
	struct policy_candidate		 pc;
	json_t				*diff;
	char				*text;
	int				 st;

	if ((st = api_candidate(req, &pc, resp)) != 0)
		return st;
	*resp = json_object();
	api_add_validity(*resp, &pc);
	if (pc.pc_valid) {
		diff = policy_diff(run ? run->pa_policy : NULL, pc.pc_policy);
		text = policy_diff_text(diff);
		json_object_set_new(*resp, "diff", diff);
		json_object_set_new(*resp, "diff_text", json_string(text));
		free(text);
	} else {
		json_object_set_new(*resp, "diff", json_null());
		json_object_set_new(*resp, "diff_text", json_null());
	}
	svc_policy_candidate_free(&pc);
	return 200;
}

/* Map a service result to a status and an error body. */
static int
api_svc_error(const struct svc_result *res, json_t **resp)
{
	switch (res->sr_status) {
	case SVC_OK:
		return 200;
	case SVC_INVALID:
		return api_fail(resp, 422, "policy_invalid", "text", "%s",
		    res->sr_message);
	case SVC_CONFIRM_PENDING:
		return api_fail(resp, 409, "confirm_pending", NULL, "%s",
		    res->sr_message);
	case SVC_NOTHING:
		return api_fail(resp, 409, "nothing_to_do", NULL, "%s",
		    res->sr_message);
	case SVC_KERNEL:
		return api_fail(resp, 500, "kernel_error", NULL, "%s",
		    res->sr_message);
	case SVC_STATE:
		return api_fail(resp, 500, "state_error", NULL, "%s",
		    res->sr_message);
	}
	return api_fail(resp, 500, "internal", NULL, "%s", res->sr_message);
}

static int
api_policy_apply(const struct api_request *req, json_t **resp)
{
	struct policy_candidate	 pc;
	struct svc_result	 res;
	json_t			*v;
	json_int_t		 secs = 0;
	char			 actor[64];
	int			 st;

	v = json_object_get(req->ar_body, "confirm_seconds");
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_integer(v))
			return api_fail(resp, 400, "invalid_field",
			    "confirm_seconds",
			    "field 'confirm_seconds' must be an integer");
		secs = json_integer_value(v);
		if (secs < 1 || secs > SVC_POLICY_CONFIRM_MAX)
			return api_fail(resp, 400, "invalid_field",
			    "confirm_seconds", "field 'confirm_seconds' must be "
			    "between 1 and %d", SVC_POLICY_CONFIRM_MAX);
	}
	if ((st = api_candidate(req, &pc, resp)) != 0)
		return st;
	api_actor(req, actor, sizeof(actor));
	svc_policy_apply(&pc, (unsigned)secs, actor, &res);
	if ((st = api_svc_error(&res, resp)) == 200)
		*resp = json_pack("{s:b, s:s, s:f, s:o}", "applied", 1,
		    "message", res.sr_message, "apply_ms", res.sr_apply_ms,
		    "confirm", api_confirm_json());
	/* Invalid policies and warnings alike: say what the validator saw. */
	api_add_validity(*resp, &pc);
	if (res.sr_status == SVC_STATE)
		json_object_set_new(*resp, "applied", json_true());
	svc_policy_candidate_free(&pc);
	return st;
}

static json_t *
api_running_brief(void)
{
	const struct policy_active *run = svc_policy_running();

	if (run == NULL)
		return json_null();
	return json_pack("{s:s, s:s}", "name", run->pa_name, "sha256",
	    run->pa_sha256);
}

static int
api_policy_confirm(const struct api_request *req, json_t **resp)
{
	struct svc_result	res;
	char			actor[64];
	int			st;

	api_actor(req, actor, sizeof(actor));
	svc_policy_confirm(actor, &res);
	if ((st = api_svc_error(&res, resp)) == 200)
		*resp = json_pack("{s:b, s:s, s:o}", "confirmed", 1,
		    "message", res.sr_message, "policy", api_running_brief());
	return st;
}

static int
api_policy_rollback(const struct api_request *req, json_t **resp)
{
	struct svc_result	res;
	char			actor[64];
	int			st;

	api_actor(req, actor, sizeof(actor));
	svc_policy_rollback(actor, &res);
	if ((st = api_svc_error(&res, resp)) == 200)
		*resp = json_pack("{s:b, s:s, s:f, s:o}", "rolled_back", 1,
		    "message", res.sr_message, "apply_ms", res.sr_apply_ms,
		    "policy", api_running_brief());
	return st;
}

static int
api_policy_show(const struct api_request *req, json_t **resp)
{
	const struct policy_active *run = svc_policy_running();

	(void)req;
	if (run == NULL)
		return api_fail(resp, 404, "no_policy", NULL,
		    "no policy is applied");
	*resp = json_pack("{s:s, s:s%, s:s, s:o, s:b}",
	    "name", run->pa_name,
	    "text", run->pa_text, run->pa_len,
	    "sha256", run->pa_sha256,
	    "applied_at", api_time(run->pa_applied_at),
	    "confirm_pending", svc_policy_confirm_pending(&(time_t){ 0 },
	    &(long){ 0 }));
	if (*resp == NULL)	/* text that is not UTF-8 cannot be valid */
		return api_fail(resp, 500, "internal", NULL,
		    "the policy text cannot be encoded as JSON");
	return 200;
}

static int
api_policy_nft(const struct api_request *req, json_t **resp)
{
	char *text;

	(void)req;
	if (svc_policy_running() == NULL)
		return api_fail(resp, 404, "no_policy", NULL,
		    "no policy is applied");
	text = svc_policy_nft();
	*resp = json_pack("{s:s}", "nft", text);
	free(text);
	return 200;
}

/*
 * What is in force: the running policy with the exceptions (例外措置) in
 * force merged in, as the kernel has it.  *owned is for the caller to
 * free (NULL when no exception is in force).
 */
static const struct policy *
api_policy_in_force(const struct policy_active *run, struct policy **owned)
{
	*owned = svc_change_merged(run->pa_name, run->pa_text, run->pa_len);
	return *owned != NULL ? *owned : run->pa_policy;
}

static int
api_matrix(const struct api_request *req, json_t **resp)
{
	const struct policy_active	*run = svc_policy_running();
	struct policy			*owned;
	struct matrix			*mx;
	char				*text;

	(void)req;
	if (run == NULL)
		return api_fail(resp, 404, "no_policy", NULL,
		    "no policy is applied");
	mx = matrix_build(api_policy_in_force(run, &owned));
	text = matrix_to_text(mx);
	*resp = json_pack("{s:s, s:o, s:s}", "policy", run->pa_name,
	    "matrix", matrix_to_json(mx), "text", text);
	free(text);
	matrix_free(mx);
	policy_free(owned);
	return 200;
}

/* An address for a flow query: full-length, IPv4 or IPv6. */
static bool
api_parse_addr(const char *s, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	if (inet_pton(AF_INET, s, p->addr) == 1) {
		p->family = AF_INET;
		p->plen = 32;
		return true;
	}
	if (inet_pton(AF_INET6, s, p->addr) == 1) {
		p->family = AF_INET6;
		p->plen = 128;
		return true;
	}
	return false;
}

static bool
api_parse_mac(const char *s, uint8_t mac[6])
{
	unsigned	b[6];
	char		end;
	int		i;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
	    &b[4], &b[5], &end) != 6 || strlen(s) != 17)
		return false;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return true;
}

/* "tcp/443", "udp/53", "icmp" */
static bool
api_parse_service(const char *s, uint8_t *proto, uint16_t *port)
{
	unsigned long	 n;
	char		*end;

	*port = 0;
	if (strcmp(s, "icmp") == 0) {
		*proto = IPPROTO_ICMP;
		return true;
	}
	if (strncmp(s, "tcp/", 4) == 0)
		*proto = IPPROTO_TCP;
	else if (strncmp(s, "udp/", 4) == 0)
		*proto = IPPROTO_UDP;
	else
		return false;
	if (s[4] < '0' || s[4] > '9')
		return false;
	errno = 0;
	n = strtoul(s + 4, &end, 10);
	if (errno != 0 || *end != '\0' || n < 1 || n > 65535)
		return false;
	*port = (uint16_t)n;
	return true;
}

/* One element of "flows": 0, or 400 naming e.g. "flows[3].service". */
static int
api_parse_flow(const json_t *f, size_t i, struct flow_query *q,
    json_t **resp)
{
	static const char *keys[] = { "from_zone", "from", "to_zone", "to",
	    "service", "from_mac" };
	const char	*val[6];
	char		 field[64];
	json_t		*v;
	size_t		 k;

	memset(q, 0, sizeof(*q));
	if (!json_is_object(f)) {
		snprintf(field, sizeof(field), "flows[%zu]", i);
		return api_fail(resp, 400, "invalid_field", field,
		    "field '%s' must be an object", field);
	}
	for (k = 0; k < 6; k++) {
		snprintf(field, sizeof(field), "flows[%zu].%s", i, keys[k]);
		v = json_object_get(f, keys[k]);
		val[k] = NULL;
		if (v == NULL || json_is_null(v)) {
			if (k == 5)
				continue;
			return api_fail(resp, 400, "missing_field", field,
			    "field '%s' is required", field);
		}
		if (!json_is_string(v))
			return api_fail(resp, 400, "invalid_field", field,
			    "field '%s' must be a string", field);
		val[k] = json_string_value(v);
	}
	q->fq_src_zone = val[0];
	q->fq_dst_zone = val[2];
	if (!api_parse_addr(val[1], &q->fq_src)) {
		snprintf(field, sizeof(field), "flows[%zu].from", i);
		return api_fail(resp, 400, "invalid_field", field,
		    "field '%s': '%s' is not an IPv4 or IPv6 address", field,
		    val[1]);
	}
	if (!api_parse_addr(val[3], &q->fq_dst) ||
	    q->fq_dst.family != q->fq_src.family) {
		snprintf(field, sizeof(field), "flows[%zu].to", i);
		return api_fail(resp, 400, "invalid_field", field,
		    "field '%s': '%s' is not an %s address", field, val[3],
		    q->fq_src.family == AF_INET ? "IPv4" : "IPv6");
	}
	if (!api_parse_service(val[4], &q->fq_proto, &q->fq_port)) {
		snprintf(field, sizeof(field), "flows[%zu].service", i);
		return api_fail(resp, 400, "invalid_field", field,
		    "field '%s': '%s' is not tcp/PORT, udp/PORT or icmp",
		    field, val[4]);
	}
	if (val[5] != NULL) {
		if (!api_parse_mac(val[5], q->fq_src_mac)) {
			snprintf(field, sizeof(field), "flows[%zu].from_mac", i);
			return api_fail(resp, 400, "invalid_field", field,
			    "field '%s': '%s' is not a MAC address like "
			    "52:54:00:0a:00:05", field, val[5]);
		}
		q->fq_has_mac = true;
	}
	return 0;
}

static int
api_policy_query(const struct api_request *req, json_t **resp)
{
	const struct policy_active	*run = svc_policy_running();
	const struct policy		*p;
	struct policy			*owned;
	struct flow_query		 q;
	struct flow_verdict		 fv;
	json_t				*flows, *results;
	size_t				 i;
	int				 st;

	flows = json_object_get(req->ar_body, "flows");
	if (flows == NULL)
		return api_fail(resp, 400, "missing_field", "flows",
		    "field 'flows' is required");
	if (!json_is_array(flows))
		return api_fail(resp, 400, "invalid_field", "flows",
		    "field 'flows' must be an array");
	if (run == NULL)
		return api_fail(resp, 404, "no_policy", NULL,
		    "no policy is applied");
	p = api_policy_in_force(run, &owned);
	results = json_array();
	for (i = 0; i < json_array_size(flows); i++) {
		if ((st = api_parse_flow(json_array_get(flows, i), i, &q,
		    resp)) != 0) {
			json_decref(results);
			policy_free(owned);
			return st;
		}
		memset(&fv, 0, sizeof(fv));
		if (!matrix_query(p, &q, &fv))
			fv.fv_allowed = false;
		json_array_append_new(results, json_pack("{s:b, s:s?, s:s}",
		    "allowed", fv.fv_allowed,
		    "conduit", fv.fv_conduit ? fv.fv_conduit->cd_name : NULL,
		    "reason", fv.fv_reason));
	}
	policy_free(owned);
	*resp = json_pack("{s:s, s:o}", "policy", run->pa_name,
	    "results", results);
	return 200;
}

/* --- isolation --------------------------------------------------------- */

/* RFC 3339 with milliseconds dropped, from unix ms; null for 0. */
static json_t *
api_time_ms(int64_t ms)
{
	return ms == 0 ? json_null() : api_time((time_t)(ms / 1000));
}

static json_t *
api_isolation_json(const struct isolation *is, int64_t now_ms)
{
	json_t	*keep = json_array(), *o;
	size_t	 i;

	for (i = 0; i < is->is_n_keep; i++)
		json_array_append_new(keep, json_string(is->is_keep[i]));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:o, s:o, s:o, s:o}",
	    "target", is->is_target,
	    "kind", is->is_kind,
	    "actor", is->is_actor,
	    "reason", is->is_reason,
	    "ticket", is->is_ticket,
	    "created_at", api_time_ms(is->is_created_ms),
	    "expires_at", api_time_ms(is->is_expires_ms),
	    "seconds_left", is->is_expires_ms == 0 ? json_null() :
	    json_integer(is->is_expires_ms > now_ms ?
	    (is->is_expires_ms - now_ms + 999) / 1000 : 0),
	    "keep", keep);
	if (o == NULL)
		o = json_pack("{s:s, s:s}", "target", is->is_target, "kind",
		    is->is_kind);
	return o;
}

static int64_t
api_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
api_isolation_error(const struct svc_isolation_result *res, json_t **resp)
{
	switch (res->ir_status) {
	case SVC_ISO_OK:
		return 200;
	case SVC_ISO_INVALID:
		return api_fail(resp, 400, "invalid_field",
		    res->ir_field[0] ? res->ir_field : NULL, "%s",
		    res->ir_message);
	case SVC_ISO_NOT_ISOLATED:
		return api_fail(resp, 404, "not_isolated", "target", "%s",
		    res->ir_message);
	case SVC_ISO_KERNEL:
		return api_fail(resp, 500, "kernel_error", NULL, "%s",
		    res->ir_message);
	case SVC_ISO_STORE:
		return api_fail(resp, 500, "store_error", NULL, "%s",
		    res->ir_message);
	}
	return api_fail(resp, 500, "internal", NULL, "%s", res->ir_message);
}

/* "ttl": seconds (integer) or a duration string; absent or null: none. */
static int
api_field_ttl(const struct api_request *req, int64_t *ttl, json_t **resp)
{
	json_t		*v = json_object_get(req->ar_body, "ttl");
	char		 err[256];
	json_int_t	 n;

	*ttl = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (json_is_integer(v)) {
		n = json_integer_value(v);
		if (n < 1 || n > ISOLATION_TARGET_TTL_MAX)
			return api_fail(resp, 400, "invalid_field", "ttl",
			    "ttl: %lld seconds is out of range (1 s to a year; "
			    "leave it out to isolate until released)",
			    (long long)n);
		*ttl = n;
		return 0;
	}
	if (!json_is_string(v))
		return api_fail(resp, 400, "invalid_field", "ttl",
		    "ttl: must be seconds or a duration like 30s, 5m, 2h, 2d");
	if (!isolation_target_parse_ttl(json_string_value(v), ttl, err,
	    sizeof(err)))
		return api_fail(resp, 400, "invalid_field", "ttl", "ttl: %s",
		    err);
	return 0;
}

/* reason (required), ticket, ttl and the actor into @ir. */
static int
api_isolation_common(const struct api_request *req,
    struct svc_isolation_req *ir, char *actor, size_t actorlen, json_t **resp)
{
	json_t	*v;
	int	 st;

	v = json_object_get(req->ar_body, "reason");
	if (v == NULL || json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) == 0))
		return api_fail(resp, 400, "missing_field", "reason",
		    "reason: required (say why, for the record)");
	if ((st = api_field_string(req, "reason", true, &ir->ir_reason, NULL,
	    resp)) != 0)
		return st;
	if ((st = api_field_string(req, "ticket", false, &ir->ir_ticket, NULL,
	    resp)) != 0)
		return st;
	if ((st = api_field_ttl(req, &ir->ir_ttl, resp)) != 0)
		return st;
	v = json_object_get(req->ar_body, "wait_conntrack");
	if (v != NULL && !json_is_boolean(v))
		return api_fail(resp, 400, "invalid_field", "wait_conntrack",
		    "wait_conntrack: must be true or false");
	ir->ir_wait_conntrack = json_is_true(v);
	api_actor(req, actor, actorlen);
	ir->ir_actor = actor;
	ir->ir_role = req->ar_role;
	return 0;
}

/* An array of strings (targets, keep) into *out (caller frees). */
static int
api_field_strings(const struct api_request *req, const char *key,
    bool required, const char ***out, size_t *n, json_t **resp)
{
	json_t	*v = json_object_get(req->ar_body, key), *e;
	size_t	 i;

	*out = NULL;
	*n = 0;
	if (v == NULL || json_is_null(v)) {
		if (!required)
			return 0;
		return api_fail(resp, 400, "missing_field", key,
		    "%s: required", key);
	}
	if (!json_is_array(v))
		return api_fail(resp, 400, "invalid_field", key,
		    "%s: must be an array of strings", key);
	*out = xcalloc(json_array_size(v) + 1, sizeof(**out));
	json_array_foreach(v, i, e) {
		if (!json_is_string(e)) {
			free(*out);
			*out = NULL;
			return api_fail(resp, 400, "invalid_field", key,
			    "%s[%zu]: must be a string", key, i);
		}
		(*out)[i] = json_string_value(e);
	}
	*n = json_array_size(v);
	return 0;
}

/*
 * "conntrack": "deleted" with "conntrack_deleted": N when the caller asked
 * to wait (wait_conntrack), "queued" when the worker deletes them after
 * this answer (an isolation.conntrack event tells the count), "failed".
 */
static void
api_conntrack_json(json_t *resp, const struct svc_isolation_result *res)
{
	const char *state;

	if (res->ir_conntrack_deleted == SVC_ISO_CT_QUEUED)
		state = "queued";
	else if (res->ir_conntrack_deleted < 0)
		state = "failed";
	else
		state = "deleted";
	json_object_set_new(resp, "conntrack", json_string(state));
	json_object_set_new(resp, "conntrack_deleted",
	    res->ir_conntrack_deleted >= 0 ?
	    json_integer(res->ir_conntrack_deleted) : json_null());
}

static int
api_isolate(const struct api_request *req, json_t **resp)
{
	struct svc_isolation_req	 ir;
	struct svc_isolation_result	 res;
	const char			**keep = NULL;
	char				 actor[64];
	int				 st;

	memset(&ir, 0, sizeof(ir));
	if ((st = api_field_string(req, "target", true, &ir.ir_target, NULL,
	    resp)) != 0)
		return st;
	if ((st = api_isolation_common(req, &ir, actor, sizeof(actor),
	    resp)) != 0)
		return st;
	if ((st = api_field_strings(req, "keep", false, &keep, &ir.ir_n_keep,
	    resp)) != 0)
		return st;
	ir.ir_keep = keep;
	svc_isolation_isolate(&ir, &res);
	free(keep);
	if ((st = api_isolation_error(&res, resp)) != 200)
		return st;
	*resp = json_pack("{s:o, s:b, s:s}",
	    "isolation", api_isolation_json(res.ir_row, api_now_ms()),
	    "already", res.ir_already,
	    "message", res.ir_message);
	api_conntrack_json(*resp, &res);
	return res.ir_already ? 200 : 201;
}

static int
api_isolate_bulk(const struct api_request *req, json_t **resp)
{
	struct svc_isolation_req	 ir;
	struct svc_isolation_result	 res;
	const char			**targets = NULL;
	char				 actor[64];
	int				 st;

	memset(&ir, 0, sizeof(ir));
	if ((st = api_field_strings(req, "targets", true, &targets,
	    &ir.ir_n_targets, resp)) != 0)
		return st;
	if (json_object_get(req->ar_body, "keep") != NULL) {
		free(targets);
		return api_fail(resp, 400, "invalid_field", "keep",
		    "keep: not taken by the bulk route; isolate targets with "
		    "kept hosts one by one");
	}
	if ((st = api_isolation_common(req, &ir, actor, sizeof(actor),
	    resp)) != 0) {
		free(targets);
		return st;
	}
	ir.ir_targets = targets;
	svc_isolation_bulk(&ir, &res);
	free(targets);
	if ((st = api_isolation_error(&res, resp)) != 200)
		return st;
	*resp = json_pack("{s:I, s:I, s:s}",
	    "isolated", (json_int_t)res.ir_isolated,
	    "already", (json_int_t)res.ir_n_already,
	    "message", res.ir_message);
	api_conntrack_json(*resp, &res);
	return 200;
}

static int
api_release(const struct api_request *req, json_t **resp)
{
	struct svc_isolation_result	 res;
	const char			*target, *reason;
	char				 actor[64];
	json_t				*v;
	int				 st;

	if ((st = api_field_string(req, "target", true, &target, NULL,
	    resp)) != 0)
		return st;
	v = json_object_get(req->ar_body, "reason");
	if (v == NULL || json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) == 0))
		return api_fail(resp, 400, "missing_field", "reason",
		    "reason: required (say why, for the record)");
	if ((st = api_field_string(req, "reason", true, &reason, NULL,
	    resp)) != 0)
		return st;
	api_actor(req, actor, sizeof(actor));
	svc_isolation_release(target, reason, actor, req->ar_role, &res);
	if ((st = api_isolation_error(&res, resp)) != 200)
		return st;
	*resp = json_pack("{s:b, s:s, s:s}", "released", 1, "target", target,
	    "message", res.ir_message);
	return 200;
}

static int
api_isolations(const struct api_request *req, json_t **resp)
{
	const struct isolation	**v;
	json_t			 *a = json_array();
	int64_t			  now = api_now_ms();
	size_t			  n, i;

	(void)req;
	v = svc_isolation_list(&n);
	for (i = 0; i < n; i++)
		json_array_append_new(a, api_isolation_json(v[i], now));
	free(v);
	*resp = json_pack("{s:I, s:o}", "count", (json_int_t)n,
	    "isolations", a);
	return 200;
}

const struct api_route api_routes[] = {
	{ "GET", "/api/v1/status", api_status, "status.read", 0,
	  "Daemon, running policy, confirm window and kernel drift" },
	{ "POST", "/api/v1/policy/check", api_policy_check, "policy.check", 1,
	  "Parse and validate a policy text" },
	{ "POST", "/api/v1/policy/diff", api_policy_diff, "policy.check", 1,
	  "What applying a policy text would change" },
	{ "POST", "/api/v1/policy/apply", api_policy_apply, "policy.apply", 1,
	  "Apply a policy text, optionally until confirmed" },
	{ "POST", "/api/v1/policy/confirm", api_policy_confirm, "policy.apply",
	  0, "Keep a policy applied with confirm_seconds" },
	{ "POST", "/api/v1/policy/rollback", api_policy_rollback,
	  "policy.apply", 0, "Return to the previous policy" },
	{ "GET", "/api/v1/policy", api_policy_show, "policy.read", 0,
	  "The running policy text" },
	{ "GET", "/api/v1/policy/nft", api_policy_nft, "policy.read", 0,
	  "The running policy as an nft script" },
	{ "GET", "/api/v1/matrix", api_matrix, "policy.read", 0,
	  "Zone x zone reachability of the running policy" },
	{ "POST", "/api/v1/policy/query", api_policy_query, "policy.read", 1,
	  "May these flows open a connection under the running policy?" },
	{ "GET", "/api/v1/isolations", api_isolations, "isolation.read", 0,
	  "The isolations in force, with who, why and time left" },
	{ "POST", "/api/v1/isolations", api_isolate, "isolation.write", 1,
	  "Isolate an address, a prefix or a MAC (CSIRT)" },
	{ "POST", "/api/v1/isolations/bulk", api_isolate_bulk,
	  "isolation.write", 1,
	  "Isolate many targets in one transaction and one kernel batch" },
	{ "POST", "/api/v1/isolations/release", api_release,
	  "isolation.write", 1, "End an isolation" },
	/* Sessions, users and API tokens (api-auth.c). */
	{ "POST", "/api/v1/login", api_auth_login, "public", 1,
	  "Log in: a session cookie and its CSRF token" },
	{ "POST", "/api/v1/logout", api_auth_logout, "authenticated", 0,
	  "End this session" },
	{ "GET", "/api/v1/session", api_auth_session, "authenticated", 0,
	  "Who is calling, with which role and permissions" },
	{ "POST", "/api/v1/password", api_auth_password, "authenticated", 1,
	  "Change one's own password" },
	{ "GET", "/api/v1/users", api_auth_users, "users.admin", 0,
	  "The accounts, with lock and password state" },
	{ "POST", "/api/v1/users", api_auth_user_add, "users.admin", 1,
	  "Add an account with a temporary password" },
	{ "POST", "/api/v1/users/lock", api_auth_user_lock, "users.admin", 1,
	  "Lock an account until unlocked" },
	{ "POST", "/api/v1/users/unlock", api_auth_user_unlock, "users.admin",
	  1, "Unlock an account (also ends a lockout)" },
	{ "POST", "/api/v1/users/delete", api_auth_user_delete, "users.admin",
	  1, "Delete an account, its sessions and tokens" },
	{ "POST", "/api/v1/users/passwd", api_auth_user_passwd, "users.admin",
	  1, "Give an account a new temporary password" },
	{ "POST", "/api/v1/users/role", api_auth_user_role, "users.admin", 1,
	  "Give an account another role" },
	{ "GET", "/api/v1/tokens", api_auth_tokens, "tokens.read", 0,
	  "One's API tokens (every account's for users.admin)" },
	{ "POST", "/api/v1/tokens", api_auth_token_add, "tokens.write", 1,
	  "Make an API token with a scope and an expiry" },
	{ "POST", "/api/v1/tokens/revoke", api_auth_token_revoke,
	  "tokens.write", 1, "Revoke an API token" },
	{ "GET", "/api/v1/changes", api_change_list, "change.read", 0,
	  "Policy change proposals with their diff and decision trail" },
	{ "POST", "/api/v1/changes", api_change_propose, "change.propose", 1,
	  "Propose a policy text for two-person approval" },
	{ "POST", "/api/v1/changes/approve", api_change_approve,
	  "change.approve", 1, "Approve another person's proposal" },
	{ "POST", "/api/v1/changes/reject", api_change_reject,
	  "change.approve", 1, "Reject (or withdraw) a proposal" },
	{ "POST", "/api/v1/changes/apply", api_change_apply, "change.apply", 1,
	  "Apply an approved proposal, optionally until confirmed" },
	{ "POST", "/api/v1/changes/break-glass", api_change_break_glass,
	  "change.break_glass", 1,
	  "Apply a proposal without a second person (reviewed afterwards)" },
	{ "GET", "/api/v1/exceptions", api_change_exceptions, "exception.read",
	  0, "Exceptions (例外措置) with their decision trail" },
	{ "POST", "/api/v1/exceptions", api_change_exception_request,
	  "exception.request", 1, "Request a temporary conduit" },
	{ "POST", "/api/v1/exceptions/approve", api_change_exception_approve,
	  "exception.approve", 1,
	  "Approve another person's exception: in force at once" },
	{ "POST", "/api/v1/exceptions/reject", api_change_exception_reject,
	  "exception.approve", 1,
	  "Reject a requested exception or revoke an active one" },
	{ "POST", "/api/v1/exceptions/break-glass",
	  api_change_exception_break_glass, "exception.break_glass", 1,
	  "Activate an exception without a second person (reviewed later)" },
	{ "GET", "/api/v1/review", api_change_review, "review.read", 0,
	  "What was done without a second person: break glass, isolations" },
	{ "POST", "/api/v1/review/ack", api_change_review_ack, "review.ack", 1,
	  "Record the after-the-fact review of one item" },
	{ "GET", "/api/v1/audit", api_audit_list, "audit.read", 0,
	  "The audit trail, filtered by actor, action and time" },
	{ "POST", "/api/v1/audit/verify", api_audit_verify, "audit.read", 0,
	  "Prove the audit chain intact, or name its first bad entry" },
	{ "GET", "/metrics", api_metrics, "metrics.read", 0,
	  "Prometheus metrics (text format 0.0.4)" },
};
const size_t api_n_routes = sizeof(api_routes) / sizeof(api_routes[0]);

static int
api_dispatch_path(struct api_call *c, const char *path, const char *query,
    json_t **resp, char *allow, size_t allowlen)
{
	const char		*method = c->ac_method, *body = c->ac_body;
	size_t			 len = c->ac_len;
	struct auth_principal	 who;
	const struct api_route	*rt = NULL;
	struct api_request	 req;
	json_error_t		 jerr;
	json_t			*obj = NULL;
	size_t			 i, used = 0;
	bool			 path_known = false;
	int			 st;

	*resp = NULL;
	if (allowlen > 0)
		allow[0] = '\0';
	for (i = 0; i < api_n_routes; i++) {
		if (strcmp(api_routes[i].rt_path, path) != 0)
			continue;
		path_known = true;
		if (strcmp(api_routes[i].rt_method, method) == 0)
			rt = &api_routes[i];
		else if (used < allowlen)
			used += (size_t)snprintf(allow + used, allowlen - used,
			    "%s%s", used ? ", " : "", api_routes[i].rt_method);
	}
	if (rt == NULL && path_known)
		return api_fail(resp, 405, "method_not_allowed", NULL,
		    "%s %s: method not allowed (allowed: %s)", method, path,
		    allow);
	if (rt == NULL)
		return api_fail(resp, 404, "not_found", NULL,
		    "%s %s: no such route", method, path);
	if ((st = api_auth_route(rt, c, &who, resp)) != 0)
		return st;

	if (rt->rt_body && len > 0) {
		/* A NUL in a policy text is the parser's to report, with
		 * its line and column. */
		obj = json_loadb(body, len, JSON_REJECT_DUPLICATES |
		    JSON_ALLOW_NUL, &jerr);
		if (obj == NULL)
			return api_fail(resp, 400, "bad_json", NULL,
			    "request body: line %d column %d: %s", jerr.line,
			    jerr.column, jerr.text);
		if (!json_is_object(obj)) {
			json_decref(obj);
			return api_fail(resp, 400, "bad_json", NULL,
			    "request body: expected a JSON object");
		}
	} else if (rt->rt_body)
		return api_fail(resp, 400, "bad_json", NULL,
		    "request body: expected a JSON object, got nothing");

	req.ar_method = method;
	req.ar_path = path;
	req.ar_body = obj;
	req.ar_uid = c->ac_uid;
	req.ar_query = query;
	req.ar_user = who.ap_user;
	req.ar_role = who.ap_role;
	req.ar_principal = &who;
	req.ar_call = c;
	/* Audit entries made by the handler carry the caller's role. */
	audit_set_caller(req.ar_user, req.ar_role);
	st = rt->rt_handler(&req, resp);
	audit_set_caller(NULL, NULL);
	json_decref(obj);
	if (*resp == NULL)
		st = api_fail(resp, 500, "internal", NULL,
		    "%s %s: no response built", method, path);
	return st;
}

/* Routes match the path without its query; the handler gets the query. */
int
api_dispatch(struct api_call *c, json_t **resp, char *allow, size_t allowlen)
{
	const char	*q, *path = c->ac_path;
	char		*bare;
	int		 st;

	if ((q = strchr(path, '?')) == NULL)
		return api_dispatch_path(c, path, NULL, resp, allow, allowlen);
	bare = xstrndup(path, (size_t)(q - path));
	st = api_dispatch_path(c, bare, q + 1, resp, allow, allowlen);
	free(bare);
	return st;
}

int
api_dispatch_call(struct api_call *c, json_t **resp, char *allow,
    size_t allowlen)
{
	/* Who calls and whether they may is checked per route, once the
	 * route is known (api_auth_route()). */
	return api_dispatch(c, resp, allow, allowlen);
}
