/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /api/v1/changes, /api/v1/exceptions and /api/v1/review: JSON in and out
 * of the change service. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "api-change.h"
#include "isolation-target.h"
#include "log.h"
#include "svc-change.h"
#include "svc-policy.h"
#include "xmalloc.h"

#define API_CHANGE_NAME_MAX	255

/* Who asks: the authenticated caller (an account, or the unix user on
 * the socket), recorded as actor and compared for self-approval. */
static void
api_change_actor(const struct api_request *req, char *buf, size_t len)
{
	snprintf(buf, len, "%s", req->ar_user != NULL ? req->ar_user : "?");
}



/*
 * A string field: 0, or the status with *resp set.  With @line it must be
 * one line of at most @max bytes.
 */
static int
api_change_string(const struct api_request *req, const char *key,
    bool required, size_t max, const char **out, json_t **resp)
{
	json_t *v = json_object_get(req->ar_body, key);

	*out = NULL;
	if (v == NULL || json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) == 0)) {
		if (!required)
			return 0;
		return api_fail(resp, 400, "missing_field", key,
		    "%s: required", key);
	}
	if (!json_is_string(v))
		return api_fail(resp, 400, "invalid_field", key,
		    "%s: must be a string", key);
	if (json_string_length(v) > max ||
	    strlen(json_string_value(v)) != json_string_length(v) ||
	    api_has_control(json_string_value(v)))
		return api_fail(resp, 400, "invalid_field", key,
		    "%s: must be one line of at most %zu bytes", key, max);
	*out = json_string_value(v);
	return 0;
}

static int
api_change_id(const struct api_request *req, int64_t *id, json_t **resp)
{
	json_t *v = json_object_get(req->ar_body, "id");

	if (v == NULL || json_is_null(v))
		return api_fail(resp, 400, "missing_field", "id",
		    "id: required");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return api_fail(resp, 400, "invalid_field", "id",
		    "id: must be a positive integer");
	*id = json_integer_value(v);
	return 0;
}

static int
api_change_confirm(const struct api_request *req, unsigned *secs,
    json_t **resp)
{
	json_t		*v = json_object_get(req->ar_body, "confirm_seconds");
	json_int_t	 n;

	*secs = 0;
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return api_fail(resp, 400, "invalid_field",
		    "confirm_seconds", "confirm_seconds: must be an integer");
	n = json_integer_value(v);
	if (n < 1 || n > SVC_POLICY_CONFIRM_MAX)
		return api_fail(resp, 400, "invalid_field",
		    "confirm_seconds", "confirm_seconds: must be between 1 "
		    "and %d", SVC_POLICY_CONFIRM_MAX);
	*secs = (unsigned)n;
	return 0;
}

static json_t *
api_change_diags(const struct diags *d)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < d->n; i++)
		json_array_append_new(a, json_pack("{s:s?, s:I, s:I, s:s, "
		    "s:s, s:s?, s:s}", "file", d->v[i].d_loc.file,
		    "line", (json_int_t)d->v[i].d_loc.line,
		    "column", (json_int_t)d->v[i].d_loc.col,
		    "severity", d->v[i].d_sev == DIAG_ERROR ? "error" :
		    "warning", "rule", d->v[i].d_rule ? d->v[i].d_rule :
		    "policy", "source", d->v[i].d_source,
		    "message", d->v[i].d_msg ? d->v[i].d_msg : ""));
	return a;
}

/* A service result as a status and body (the body of SCH_OK is the
 * caller's). */
static int
api_change_status(const struct svc_change_result *res, json_t **resp)
{
	const char	*field = res->cr_field[0] ? res->cr_field : NULL;
	int		 st;

	switch (res->cr_status) {
	case SCH_OK:
		return 200;
	case SCH_INVALID:
		return api_fail(resp, 400, "invalid_field", field, "%s",
		    res->cr_message);
	case SCH_NOT_FOUND:
		return api_fail(resp, 404, "not_found", field, "%s",
		    res->cr_message);
	case SCH_SELF:
		return api_fail(resp, 403, "self_approval", field, "%s",
		    res->cr_message);
	case SCH_STATE:
		return api_fail(resp, 409, "wrong_state", field, "%s",
		    res->cr_message);
	case SCH_STALE:
		return api_fail(resp, 409, "stale", field, "%s",
		    res->cr_message);
	case SCH_DISABLED:
		return api_fail(resp, 403, "break_glass_disabled",
		    NULL, "%s", res->cr_message);
	case SCH_REFUSED:
		st = api_fail(resp, 422, "validation_failed", field,
		    "%s", res->cr_message);
		json_object_set_new(*resp, "diagnostics",
		    api_change_diags(&res->cr_diags));
		return st;
	case SCH_PENDING:
		return api_fail(resp, 409, "confirm_pending", NULL, "%s",
		    res->cr_message);
	case SCH_KERNEL:
		return api_fail(resp, 500, "kernel_error", NULL, "%s",
		    res->cr_message);
	case SCH_STORE:
		return api_fail(resp, 500, "store_error", NULL, "%s",
		    res->cr_message);
	}
	return api_fail(resp, 500, "internal", NULL, "%s",
	    res->cr_message);
}

/* {"id", "message"} after a step that worked. */
static int
api_change_done(const struct svc_change_result *res, const char *key,
    json_t **resp, int ok_status)
{
	int st;

	if ((st = api_change_status(res, resp)) != 200)
		return st;
	*resp = json_pack("{s:I, s:s}", key, (json_int_t)res->cr_id,
	    "message", res->cr_message);
	return ok_status;
}

static json_t *
api_change_trail(const char *subject, int64_t id)
{
	struct change_decision	*v;
	json_t			*a = json_array();
	size_t			 n, i;

	if (svc_change_trail(subject, id, &v, &n) == -1)
		return a;
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:s?, s:o}",
		    "action", v[i].dc_action, "actor", v[i].dc_actor,
		    "comment", v[i].dc_comment, "at",
		    api_time((time_t)((v[i].dc_at_ms) / 1000))));
	change_decisions_free(v, n);
	return a;
}

/* A stored JSON text, or null when it does not parse. */
static json_t *
api_change_stored_json(const char *s)
{
	json_t *v = s != NULL ? json_loads(s, 0, NULL) : NULL;

	return v != NULL ? v : json_null();
}

/* --- proposals ---------------------------------------------------------- */

int
api_change_list(const struct api_request *req, json_t **resp)
{
	struct change_proposal	*v;
	json_t			*a, *o;
	size_t			 n, i;

	(void)req;
	if (svc_change_list(&v, &n) == -1)
		return api_fail(resp, 500, "store_error", NULL, "%s",
		    svc_change_store_error());
	a = json_array();
	for (i = 0; i < n; i++) {
		o = json_pack("{s:I, s:s, s:s, s:b, s:b, s:s, s:s, s:s, s:s, "
		    "s:o, s:o, s:s, s:o, s:o, s:o}",
		    "id", (json_int_t)v[i].cp_id,
		    "name", v[i].cp_name,
		    "state", v[i].cp_state,
		    "stale", svc_change_is_stale(&v[i]),
		    "break_glass", v[i].cp_break_glass,
		    "proposer", v[i].cp_proposer,
		    "reason", v[i].cp_reason,
		    "sha256", v[i].cp_sha256,
		    "base_sha256", v[i].cp_base_sha256,
		    "created_at", api_time((time_t)((v[i].cp_created_ms) / 1000)),
		    "updated_at", api_time((time_t)((v[i].cp_updated_ms) / 1000)),
		    "diff_text", v[i].cp_diff_text,
		    "diff", api_change_stored_json(v[i].cp_diff),
		    "diagnostics", api_change_stored_json(v[i].cp_diagnostics),
		    "trail", api_change_trail("change", v[i].cp_id));
		if (o != NULL)
			json_array_append_new(a, o);
	}
	change_proposals_free(v, n);
	*resp = json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(a),
	    "changes", a);
	return 200;
}

int
api_change_propose(const struct api_request *req, json_t **resp)
{
	struct svc_change_result	 res;
	struct policy_candidate		 pc;
	const char			*name, *text, *reason;
	json_t				*v;
	char				 actor[64];
	int				 st;

	if ((st = api_change_string(req, "name", true, API_CHANGE_NAME_MAX,
	    &name, resp)) != 0 ||
	    (st = api_change_string(req, "reason", true,
	    SVC_CHANGE_REASON_MAX, &reason, resp)) != 0)
		return st;
	v = json_object_get(req->ar_body, "text");
	if (v == NULL || json_is_null(v))
		return api_fail(resp, 400, "missing_field", "text",
		    "text: required (the candidate policy)");
	if (!json_is_string(v))
		return api_fail(resp, 400, "invalid_field", "text",
		    "text: must be a string");
	text = json_string_value(v);
	svc_policy_candidate(&pc, name, text, json_string_length(v));
	api_change_actor(req, actor, sizeof(actor));
	svc_change_result_init(&res);
	if (!pc.pc_valid) {
		st = api_fail(resp, 422, "policy_invalid", "text",
		    "policy %s has %zu error%s; nothing was proposed", name,
		    pc.pc_diags.nerrors, pc.pc_diags.nerrors == 1 ? "" : "s");
		json_object_set_new(*resp, "valid", json_false());
		json_object_set_new(*resp, "diagnostics",
		    api_change_diags(&pc.pc_diags));
		goto out;
	}
	svc_change_propose(&pc, reason, actor, &res);
	if ((st = api_change_done(&res, "id", resp, 201)) == 201) {
		json_object_set_new(*resp, "valid", json_true());
		json_object_set_new(*resp, "diagnostics",
		    api_change_diags(&pc.pc_diags));
	}
out:
	svc_change_result_free(&res);
	svc_policy_candidate_free(&pc);
	return st;
}

/* A decision on proposal or exception "id" by the caller: the text field
 * @key (required or not), then @decide. */
static int
api_change_decide(const struct api_request *req, const char *key,
    bool required, void (*decide)(int64_t, const char *, const char *,
    struct svc_change_result *), json_t **resp)
{
	struct svc_change_result	 res;
	const char			*text;
	char				 actor[64];
	int64_t				 id;
	int				 st;

	if ((st = api_change_id(req, &id, resp)) != 0 ||
	    (st = api_change_string(req, key, required,
	    SVC_CHANGE_REASON_MAX, &text, resp)) != 0)
		return st;
	api_change_actor(req, actor, sizeof(actor));
	svc_change_result_init(&res);
	decide(id, actor, text, &res);
	st = api_change_done(&res, "id", resp, 200);
	svc_change_result_free(&res);
	return st;
}

int
api_change_approve(const struct api_request *req, json_t **resp)
{
	return api_change_decide(req, "comment", false, svc_change_approve,
	    resp);
}

int
api_change_reject(const struct api_request *req, json_t **resp)
{
	return api_change_decide(req, "reason", true, svc_change_reject, resp);
}

static int
api_change_apply_common(const struct api_request *req, bool break_glass,
    json_t **resp)
{
	struct svc_change_result	 res;
	const char			*reason;
	char				 actor[64];
	unsigned			 secs;
	int64_t				 id;
	int				 st;

	if ((st = api_change_id(req, &id, resp)) != 0 ||
	    (st = api_change_string(req, "reason", break_glass,
	    SVC_CHANGE_REASON_MAX, &reason, resp)) != 0 ||
	    (st = api_change_confirm(req, &secs, resp)) != 0)
		return st;
	api_change_actor(req, actor, sizeof(actor));
	svc_change_result_init(&res);
	svc_change_apply(id, secs, break_glass, actor, reason, &res);
	if ((st = api_change_done(&res, "id", resp, 200)) == 200) {
		json_object_set_new(*resp, "applied", json_true());
		json_object_set_new(*resp, "break_glass",
		    json_boolean(break_glass));
		json_object_set_new(*resp, "apply_ms",
		    json_real(res.cr_apply_ms));
	}
	svc_change_result_free(&res);
	return st;
}

int
api_change_apply(const struct api_request *req, json_t **resp)
{
	return api_change_apply_common(req, false, resp);
}

int
api_change_break_glass(const struct api_request *req, json_t **resp)
{
	return api_change_apply_common(req, true, resp);
}

/* --- exceptions --------------------------------------------------------- */

int
api_change_exceptions(const struct api_request *req, json_t **resp)
{
	struct change_exception	*v;
	json_t			*a, *o, *svcs;
	size_t			 n, i, j;

	(void)req;
	if (svc_change_exception_list(&v, &n) == -1)
		return api_fail(resp, 500, "store_error", NULL, "%s",
		    svc_change_store_error());
	a = json_array();
	for (i = 0; i < n; i++) {
		svcs = json_array();
		for (j = 0; j < v[i].ex_n_services; j++)
			json_array_append_new(svcs,
			    json_string(v[i].ex_services[j]));
		o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s?, s:s?, s:s, "
		    "s:s, s:s, s:b, s:b, s:I, s:o, s:o, s:o, s:o}",
		    "id", (json_int_t)v[i].ex_id,
		    "conduit", v[i].ex_conduit,
		    "from", v[i].ex_from,
		    "to", v[i].ex_to,
		    "services", svcs,
		    "via", v[i].ex_via,
		    "approval", v[i].ex_approval,
		    "reason", v[i].ex_reason,
		    "requester", v[i].ex_requester,
		    "state", v[i].ex_state,
		    "in_force", strcmp(v[i].ex_state, "active") == 0 &&
		    svc_change_exception_in_force(v[i].ex_id),
		    "break_glass", v[i].ex_break_glass,
		    "duration_seconds", (json_int_t)v[i].ex_duration_s,
		    "created_at", api_time((time_t)((v[i].ex_created_ms) / 1000)),
		    "expires_at", api_time((time_t)((v[i].ex_expires_ms) / 1000)),
		    "updated_at", api_time((time_t)((v[i].ex_updated_ms) / 1000)),
		    "trail", api_change_trail("exception", v[i].ex_id));
		if (o != NULL)
			json_array_append_new(a, o);
	}
	change_exceptions_free(v, n);
	*resp = json_pack("{s:I, s:o}", "count", (json_int_t)json_array_size(a),
	    "exceptions", a);
	return 200;
}

/* "expires": seconds or a duration string ("2h"). */
static int
api_change_expires(const struct api_request *req, int64_t *secs,
    json_t **resp)
{
	json_t	*v = json_object_get(req->ar_body, "expires");
	char	 err[256];

	*secs = 0;
	if (v == NULL || json_is_null(v))
		return api_fail(resp, 400, "missing_field", "expires",
		    "expires: required (how long the exception lasts once "
		    "approved, e.g. 2h)");
	if (json_is_integer(v)) {
		*secs = json_integer_value(v);
		if (*secs < 1)
			return api_fail(resp, 400, "invalid_field",
			    "expires", "expires: must be at least 1 second");
		return 0;
	}
	if (!json_is_string(v))
		return api_fail(resp, 400, "invalid_field", "expires",
		    "expires: seconds or a duration like 30s, 5m, 2h, 2d");
	if (!isolation_target_parse_ttl(json_string_value(v), secs, err,
	    sizeof(err)))
		return api_fail(resp, 400, "invalid_field", "expires",
		    "expires: %s", err);
	return 0;
}

int
api_change_exception_request(const struct api_request *req, json_t **resp)
{
	struct svc_exception_req	 er;
	struct svc_change_result	 res;
	const char			**svcs = NULL;
	json_t				*v, *e;
	char				 actor[64];
	size_t				 i;
	int				 st;

	memset(&er, 0, sizeof(er));
	if ((st = api_change_string(req, "from", true, POLICY_NAME_MAX,
	    &er.er_from, resp)) != 0 ||
	    (st = api_change_string(req, "to", true, POLICY_NAME_MAX,
	    &er.er_to, resp)) != 0 ||
	    (st = api_change_string(req, "name", false, SVC_CHANGE_NAME_MAX,
	    &er.er_name, resp)) != 0 ||
	    (st = api_change_string(req, "via", false, 32, &er.er_via,
	    resp)) != 0 ||
	    (st = api_change_string(req, "approval", false, 128,
	    &er.er_approval, resp)) != 0 ||
	    (st = api_change_string(req, "reason", true,
	    SVC_CHANGE_REASON_MAX, &er.er_reason, resp)) != 0 ||
	    (st = api_change_expires(req, &er.er_duration_s, resp)) != 0)
		return st;
	v = json_object_get(req->ar_body, "services");
	if (v == NULL || json_is_null(v))
		return api_fail(resp, 400, "missing_field", "services",
		    "services: required");
	if (!json_is_array(v) || json_array_size(v) == 0)
		return api_fail(resp, 400, "invalid_field", "services",
		    "services: must be a non-empty array of strings");
	if (json_array_size(v) > SVC_CHANGE_SERVICES_MAX)
		return api_fail(resp, 400, "invalid_field", "services",
		    "services: at most %d", SVC_CHANGE_SERVICES_MAX);
	svcs = xcalloc(json_array_size(v), sizeof(*svcs));
	json_array_foreach(v, i, e) {
		if (!json_is_string(e) || json_string_length(e) == 0 ||
		    json_string_length(e) > 32) {
			free(svcs);
			return api_fail(resp, 400, "invalid_field",
			    "services", "services[%zu]: must be a service name "
			    "or a port like tcp/8080", i);
		}
		svcs[i] = json_string_value(e);
	}
	er.er_services = svcs;
	er.er_n_services = json_array_size(v);
	api_change_actor(req, actor, sizeof(actor));
	er.er_actor = actor;
	svc_change_result_init(&res);
	svc_change_exception_request(&er, &res);
	st = api_change_done(&res, "id", resp, 201);
	svc_change_result_free(&res);
	free(svcs);
	return st;
}

static int
api_change_exception_approve_common(const struct api_request *req,
    bool break_glass, json_t **resp)
{
	struct svc_change_result	 res;
	const char			*comment;
	char				 actor[64];
	int64_t				 id;
	int				 st;

	if ((st = api_change_id(req, &id, resp)) != 0 ||
	    (st = api_change_string(req, break_glass ? "reason" : "comment",
	    break_glass, SVC_CHANGE_REASON_MAX, &comment, resp)) != 0)
		return st;
	api_change_actor(req, actor, sizeof(actor));
	svc_change_result_init(&res);
	svc_change_exception_approve(id, break_glass, actor, comment, &res);
	st = api_change_done(&res, "id", resp, 200);
	if (st == 200)
		json_object_set_new(*resp, "break_glass",
		    json_boolean(break_glass));
	svc_change_result_free(&res);
	return st;
}

int
api_change_exception_approve(const struct api_request *req, json_t **resp)
{
	return api_change_exception_approve_common(req, false, resp);
}

int
api_change_exception_break_glass(const struct api_request *req,
    json_t **resp)
{
	return api_change_exception_approve_common(req, true, resp);
}

int
api_change_exception_reject(const struct api_request *req, json_t **resp)
{
	return api_change_decide(req, "reason", true,
	    svc_change_exception_reject, resp);
}

/* --- review --------------------------------------------------------------- */

/* Whether the query has all=1 or all=true (reviewed items too). */
static bool
api_change_query_all(const char *query)
{
	const char	*p = query, *end;
	size_t		 n;

	while (p != NULL && *p != '\0') {
		end = strchr(p, '&');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if ((n == 5 && strncmp(p, "all=1", 5) == 0) ||
		    (n == 8 && strncmp(p, "all=true", 8) == 0))
			return true;
		p = end != NULL ? end + 1 : NULL;
	}
	return false;
}

int
api_change_review(const struct api_request *req, json_t **resp)
{
	struct review_item	*v;
	json_t			*a, *o;
	size_t			 n, i, total, pending = 0;
	bool			 all;

	all = api_change_query_all(req->ar_query);
	if (svc_change_review_list(!all, &v, &n, &total) == -1)
		return api_fail(resp, 500, "store_error", NULL, "%s",
		    svc_change_store_error());
	a = json_array();
	for (i = 0; i < n; i++) {
		if (v[i].rv_ack_actor == NULL)
			pending++;
		o = json_pack("{s:s, s:I, s:s, s:s, s:s?, s:o, s:b, s:s?, "
		    "s:s?, s:o}",
		    "kind", v[i].rv_kind,
		    "id", (json_int_t)v[i].rv_ref,
		    "actor", v[i].rv_actor,
		    "summary", v[i].rv_summary,
		    "ticket", v[i].rv_ticket,
		    "at", api_time((time_t)((v[i].rv_at_ms) / 1000)),
		    "pending", v[i].rv_ack_actor == NULL,
		    "reviewed_by", v[i].rv_ack_actor,
		    "review_comment", v[i].rv_ack_comment,
		    "reviewed_at", api_time((time_t)((v[i].rv_ack_ms) / 1000)));
		if (o != NULL)
			json_array_append_new(a, o);
	}
	review_items_free(v, n);
	*resp = json_pack("{s:I, s:I, s:b, s:o}", "total", (json_int_t)total,
	    "count", (json_int_t)json_array_size(a), "all", all, "items", a);
	return 200;
}

int
api_change_review_ack(const struct api_request *req, json_t **resp)
{
	struct svc_change_result	 res;
	const char			*kind, *comment;
	char				 actor[64];
	int64_t				 id;
	int				 st;

	if ((st = api_change_string(req, "kind", true, 16, &kind, resp)) != 0)
		return st;
	if (strcmp(kind, "change") != 0 && strcmp(kind, "exception") != 0 &&
	    strcmp(kind, "isolation") != 0)
		return api_fail(resp, 400, "invalid_field", "kind",
		    "kind: must be change, exception or isolation");
	if ((st = api_change_id(req, &id, resp)) != 0 ||
	    (st = api_change_string(req, "comment", false,
	    SVC_CHANGE_REASON_MAX, &comment, resp)) != 0)
		return st;
	api_change_actor(req, actor, sizeof(actor));
	svc_change_result_init(&res);
	svc_change_review_ack(kind, id, actor, comment, &res);
	st = api_change_done(&res, "id", resp, 200);
	if (st == 200)
		json_object_set_new(*resp, "kind", json_string(kind));
	svc_change_result_free(&res);
	return st;
}
