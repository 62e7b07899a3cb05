/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The change service: proposals, approvals, exceptions, break glass and
 * the review queue. */
#include <sys/types.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "audit.h"
#include "events.h"
#include "log.h"
#include "policy-diff.h"
#include "policy-exception.h"
#include "policy-parse.h"
#include "proc.h"
#include "settings.h"
#include "store-change.h"
#include "svc-change.h"
#include "svc-policy.h"
#include "xmalloc.h"

/* Wake at least this often: a far expiry is re-armed, and a failed
 * re-apply after an expiry is retried. */
#define SVC_CHANGE_TIMER_MAX_MS		(3600u * 1000)
#define SVC_CHANGE_RETRY_MS		5000u

/**
 * struct svc_ex - an active exception
 * @sx_in_force: it validated against the policy last compiled
 * @sx_label: "exception N", what diagnostics about it name
 */
struct svc_ex {
	struct change_exception	 sx_row;
	bool			 sx_in_force;
	char			 sx_label[32];
};

static struct store		*chg_store;
static struct svc_ex		*chg_ex;
static size_t			 chg_n_ex, chg_cap_ex;
static struct proc_timer	*chg_timer;
/* An expiry was recorded but the table could not be rebuilt yet. */
static bool			 chg_reapply_due;

static int64_t
svc_change_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
svc_change_result_init(struct svc_change_result *res)
{
	memset(res, 0, sizeof(*res));
	diags_init(&res->cr_diags, NULL, 0);
}

void
svc_change_result_free(struct svc_change_result *res)
{
	diags_free(&res->cr_diags);
}

static void
svc_change_fail(struct svc_change_result *res, enum svc_change_status st,
    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
svc_change_fail(struct svc_change_result *res, enum svc_change_status st,
    const char *field, const char *fmt, ...)
{
	va_list ap;

	res->cr_status = st;
	snprintf(res->cr_field, sizeof(res->cr_field), "%s",
	    field != NULL ? field : "");
	va_start(ap, fmt);
	vsnprintf(res->cr_message, sizeof(res->cr_message), fmt, ap);
	va_end(ap);
}

/*
 * One event, and the same step in the audit chain (002 §53-2): the action
 * is the event type, the target the proposal, exception or review item it
 * names.  @fields is stolen.
 */
static void
svc_change_event(const char *type, enum event_severity sev,
    const char *actor, json_t *fields)
{
	json_t		*v;
	const char	*kind = NULL, *approvals = NULL;
	char		 target[64] = "", ref[64];
	json_int_t	 id = 0;

	if (fields == NULL)
		fields = json_object();
	if ((v = json_object_get(fields, "change")) != NULL)
		kind = "change";
	else if ((v = json_object_get(fields, "exception")) != NULL)
		kind = "exception";
	else if ((v = json_object_get(fields, "ref")) != NULL)
		kind = json_string_value(json_object_get(fields, "kind"));
	if (v != NULL)
		id = json_integer_value(v);
	if (kind != NULL)
		snprintf(target, sizeof(target), "%s %lld", kind,
		    (long long)id);
	/* The steps that put something in force say which decision let
	 * them. */
	if (kind != NULL && (strcmp(type, "change.applied") == 0 ||
	    strcmp(type, "exception.applied") == 0)) {
		snprintf(ref, sizeof(ref), "%s:%lld", kind, (long long)id);
		approvals = ref;
	}
	audit_append(actor, audit_role(actor), type, target, NULL, NULL,
	    approvals, strstr(type, "refused") != NULL ? "refused" : "ok",
	    json_deep_copy(fields));
	if (actor != NULL)
		json_object_set_new(fields, "actor", json_string(actor));
	events_emit(type, sev, fields);
}

static json_t *
svc_change_services_json(const struct change_exception *ex)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < ex->ex_n_services; i++)
		json_array_append_new(a, json_string(ex->ex_services[i]));
	return a;
}

static json_t *
svc_change_ex_fields(const struct change_exception *ex)
{
	json_t *o;

	o = json_pack("{s:I, s:s, s:s, s:s, s:o, s:s}",
	    "exception", (json_int_t)ex->ex_id,
	    "conduit", ex->ex_conduit,
	    "zone_from", ex->ex_from,
	    "zone_to", ex->ex_to,
	    "services", svc_change_services_json(ex),
	    "reason", ex->ex_reason);
	if (o == NULL)
		o = json_pack("{s:I}", "exception", (json_int_t)ex->ex_id);
	if (ex->ex_expires_ms > 0)
		json_object_set_new(o, "expires_ms",
		    json_integer(ex->ex_expires_ms));
	return o;
}

/* --- the active set and the kernel ----------------------------------- */

static ssize_t
svc_change_find(int64_t id)
{
	size_t i;

	for (i = 0; i < chg_n_ex; i++)
		if (chg_ex[i].sx_row.ex_id == id)
			return (ssize_t)i;
	return -1;
}

/* Takes the row's fields (the caller's struct is zeroed). */
static void
svc_change_add(struct change_exception *row)
{
	struct svc_ex *sx;

	chg_ex = xgrow(chg_ex, &chg_cap_ex, chg_n_ex, sizeof(*chg_ex));
	sx = &chg_ex[chg_n_ex++];
	memset(sx, 0, sizeof(*sx));
	sx->sx_row = *row;
	sx->sx_in_force = true;
	snprintf(sx->sx_label, sizeof(sx->sx_label), "exception %lld",
	    (long long)row->ex_id);
	memset(row, 0, sizeof(*row));
}

static void
svc_change_remove(int64_t id)
{
	ssize_t i = svc_change_find(id);

	if (i < 0)
		return;
	change_exception_free_fields(&chg_ex[i].sx_row);
	memmove(&chg_ex[i], &chg_ex[i + 1],
	    (chg_n_ex - (size_t)i - 1) * sizeof(*chg_ex));
	chg_n_ex--;
}

static void
svc_change_pe(const struct change_exception *ex, const char *label,
    struct policy_exception *pe)
{
	memset(pe, 0, sizeof(*pe));
	pe->pe_conduit = ex->ex_conduit;
	pe->pe_from = ex->ex_from;
	pe->pe_to = ex->ex_to;
	pe->pe_services = (const char *const *)ex->ex_services;
	pe->pe_n_services = ex->ex_n_services;
	pe->pe_via = ex->ex_via;
	pe->pe_approval = ex->ex_approval;
	pe->pe_label = label;
}

struct policy *
svc_change_merged(const char *name, const char *text, size_t len)
{
	struct policy_exception	*v;
	struct policy		*p;
	bool			*in_force;
	size_t			 i;

	if (chg_n_ex == 0)
		return NULL;
	v = xcalloc(chg_n_ex, sizeof(*v));
	in_force = xcalloc(chg_n_ex, sizeof(*in_force));
	for (i = 0; i < chg_n_ex; i++)
		svc_change_pe(&chg_ex[i].sx_row, chg_ex[i].sx_label, &v[i]);
	p = policy_exception_merge_valid(name, text, len, v, chg_n_ex,
	    in_force);
	for (i = 0; i < chg_n_ex && p != NULL; i++) {
		if (chg_ex[i].sx_in_force == in_force[i])
			continue;
		chg_ex[i].sx_in_force = in_force[i];
		if (in_force[i]) {
			log_info("exception %lld (%s) fits policy %s again and "
			    "is in force", (long long)chg_ex[i].sx_row.ex_id,
			    chg_ex[i].sx_row.ex_conduit, name);
			continue;
		}
		log_warnx("exception %lld (%s) is not valid under policy %s "
		    "and is left out of the ruleset until it expires",
		    (long long)chg_ex[i].sx_row.ex_id,
		    chg_ex[i].sx_row.ex_conduit, name);
		svc_change_event("exception.suspended", EV_WARNING, "sansod",
		    svc_change_ex_fields(&chg_ex[i].sx_row));
	}
	free(v);
	free(in_force);
	return p;
}

static void svc_change_arm(void);

/* Rebuild the table: the running policy with the exceptions now active. */
static int
svc_change_reapply(const char *why, char *err, size_t errlen)
{
	int ret;

	if ((ret = svc_policy_reapply(why, err, errlen)) < 0)
		log_warnx("%s: %s", why, err);
	return ret;
}

/* Expire what is due: store first, then the table. */
static void
svc_change_expire_due(bool at_start)
{
	struct change_exception	 row;
	int64_t			*ids, now = svc_change_now_ms();
	size_t			 n, i;
	ssize_t			 k;
	char			 err[512];

	if (store_exception_expire(chg_store, now, &ids, &n) == -1) {
		log_warnx("cannot expire exceptions: %s; retrying",
		    store_error(chg_store));
		return;
	}
	for (i = 0; i < n; i++) {
		if ((k = svc_change_find(ids[i])) >= 0) {
			row = chg_ex[k].sx_row;
			log_info("exception %lld (%s: %s -> %s) expired%s",
			    (long long)row.ex_id, row.ex_conduit, row.ex_from,
			    row.ex_to,
			    at_start ? " while sansod was down" : "");
			svc_change_event("exception.expired", EV_NOTICE,
			    "sansod", svc_change_ex_fields(&row));
		} else if (store_exception_get(chg_store, ids[i], &row) ==
		    STC_OK) {
			log_info("exception %lld (%s) expired%s",
			    (long long)row.ex_id, row.ex_conduit,
			    at_start ? " while sansod was down" : "");
			svc_change_event("exception.expired", EV_NOTICE,
			    "sansod", svc_change_ex_fields(&row));
			change_exception_free_fields(&row);
		}
		svc_change_remove(ids[i]);
	}
	if (n > 0 || chg_reapply_due) {
		chg_reapply_due = !at_start && svc_change_reapply(
		    "exception expiry: cannot rebuild table inet sanso", err,
		    sizeof(err)) < 0;
	}
	free(ids);
}

static void
svc_change_timer_cb(void *arg)
{
	(void)arg;
	svc_change_expire_due(false);
	svc_change_arm();
}

/* The timer for the next expiry (or the retry of a failed rebuild). */
static void
svc_change_arm(void)
{
	int64_t	 next = 0, now = svc_change_now_ms(), delay;
	size_t	 i;

	for (i = 0; i < chg_n_ex; i++)
		if (next == 0 || chg_ex[i].sx_row.ex_expires_ms < next)
			next = chg_ex[i].sx_row.ex_expires_ms;
	if (next == 0 && !chg_reapply_due) {
		proc_timer_stop(chg_timer);
		return;
	}
	delay = next == 0 ? SVC_CHANGE_RETRY_MS : next - now;
	if (chg_reapply_due && delay > SVC_CHANGE_RETRY_MS)
		delay = SVC_CHANGE_RETRY_MS;
	if (delay < 0)
		delay = 0;
	if (delay > SVC_CHANGE_TIMER_MAX_MS)
		delay = SVC_CHANGE_TIMER_MAX_MS;
	proc_timer_start(chg_timer, (unsigned long)delay, false);
}

int
svc_change_init(struct store *st, char **cause)
{
	struct change_exception	*rows;
	size_t			 n, i;

	chg_store = st;
	chg_timer = proc_timer_new(svc_change_timer_cb, NULL);
	/* Expired ones go before the first apply, so they never come back
	 * for a moment at start. */
	svc_change_expire_due(true);
	if (store_exception_list(st, true, &rows, &n) == -1) {
		xasprintf(cause, "cannot read the exceptions: %s",
		    store_error(st));
		return -1;
	}
	for (i = 0; i < n; i++)
		svc_change_add(&rows[i]);
	free(rows);
	if (n > 0)
		log_info("%zu exception%s in force", n, n == 1 ? "" : "s");
	svc_change_arm();
	return 0;
}

void
svc_change_free(void)
{
	size_t i;

	proc_timer_free(chg_timer);
	chg_timer = NULL;
	for (i = 0; i < chg_n_ex; i++)
		change_exception_free_fields(&chg_ex[i].sx_row);
	free(chg_ex);
	chg_ex = NULL;
	chg_n_ex = chg_cap_ex = 0;
	chg_store = NULL;
}

const char *
svc_change_store_error(void)
{
	return chg_store != NULL ? store_error(chg_store) : "no store";
}

/* --- proposals ---------------------------------------------------------- */

static const char *
svc_change_running_sha(void)
{
	const struct policy_active *run = svc_policy_running();

	return run != NULL ? run->pa_sha256 : "";
}

bool
svc_change_is_stale(const struct change_proposal *cp)
{
	if (strcmp(cp->cp_state, "proposed") != 0 &&
	    strcmp(cp->cp_state, "approved") != 0)
		return strcmp(cp->cp_state, "stale") == 0;
	return strcmp(cp->cp_base_sha256, svc_change_running_sha()) != 0;
}

/* The validator's diagnostics as stored with a proposal. */
static char *
svc_change_diags_json(const struct diags *d)
{
	json_t	*a = json_array();
	char	*s;
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
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s != NULL ? s : xstrdup("[]");
}

/* The common store status mapping. */
static void
svc_change_store_status(struct svc_change_result *res,
    enum store_change_status st, const char *what, int64_t id)
{
	switch (st) {
	case STC_OK:
		res->cr_status = SCH_OK;
		break;
	case STC_NOT_FOUND:
		svc_change_fail(res, SCH_NOT_FOUND, "id", "id: there is no %s "
		    "%lld", what, (long long)id);
		break;
	case STC_SELF:
		svc_change_fail(res, SCH_SELF, "id", "%s %lld is your own; "
		    "another person must approve it (002 §8-1)", what,
		    (long long)id);
		break;
	case STC_STATE:
		svc_change_fail(res, SCH_STATE, "id", "%s %lld is not in a "
		    "state that allows this", what, (long long)id);
		break;
	case STC_STALE:
		svc_change_fail(res, SCH_STALE, "id", "%s %lld is stale: the "
		    "running policy changed since it was proposed; propose "
		    "it again against the running policy", what,
		    (long long)id);
		break;
	case STC_ERROR:
		svc_change_fail(res, SCH_STORE, NULL, "cannot record it: %s; "
		    "nothing changed", store_error(chg_store));
		break;
	}
}

void
svc_change_propose(const struct policy_candidate *pc, const char *reason,
    const char *actor, struct svc_change_result *res)
{
	const struct policy_active	*run = svc_policy_running();
	struct change_proposal		 cp;
	json_t				*diff;
	char				*difftext;

	memset(&cp, 0, sizeof(cp));
	res->cr_status = SCH_OK;
	if (!pc->pc_valid) {
		svc_change_fail(res, SCH_REFUSED, "text", "policy %s has %zu "
		    "error%s; nothing was proposed", pc->pc_name,
		    pc->pc_diags.nerrors, pc->pc_diags.nerrors == 1 ? "" : "s");
		return;
	}
	diff = policy_diff(run != NULL ? run->pa_policy : NULL,
	    pc->pc_policy);
	difftext = policy_diff_text(diff);
	cp.cp_name = pc->pc_name;
	cp.cp_text = pc->pc_text;
	cp.cp_sha256 = (char *)(uintptr_t)pc->pc_sha256;
	cp.cp_base_sha256 = (char *)(uintptr_t)svc_change_running_sha();
	cp.cp_reason = (char *)(uintptr_t)reason;
	cp.cp_proposer = (char *)(uintptr_t)actor;
	cp.cp_diagnostics = svc_change_diags_json(&pc->pc_diags);
	cp.cp_diff = json_dumps(diff, JSON_COMPACT | JSON_SORT_KEYS);
	cp.cp_diff_text = difftext;
	cp.cp_created_ms = svc_change_now_ms();
	if (store_change_propose(chg_store, &cp) == -1)
		svc_change_fail(res, SCH_STORE, NULL, "cannot record the "
		    "proposal: %s; nothing changed", store_error(chg_store));
	else {
		res->cr_id = cp.cp_id;
		snprintf(res->cr_message, sizeof(res->cr_message),
		    "policy %s proposed as change %lld; another person must "
		    "approve it", pc->pc_name, (long long)cp.cp_id);
		log_info("%s proposed change %lld (policy %s, sha256 %.12s): "
		    "%s", actor, (long long)cp.cp_id, pc->pc_name,
		    pc->pc_sha256, reason);
		svc_change_event("change.proposed", EV_NOTICE, actor,
		    json_pack("{s:I, s:s, s:s, s:s, s:s}", "change",
		    (json_int_t)cp.cp_id, "policy", pc->pc_name, "sha256",
		    pc->pc_sha256, "base_sha256", cp.cp_base_sha256,
		    "reason", reason));
	}
	free(cp.cp_diagnostics);
	free(cp.cp_diff);
	free(difftext);
	json_decref(diff);
}

void
svc_change_approve(int64_t id, const char *actor, const char *comment,
    struct svc_change_result *res)
{
	enum store_change_status st;

	res->cr_id = id;
	st = store_change_approve(chg_store, id, actor, comment,
	    svc_change_running_sha(), svc_change_now_ms());
	svc_change_store_status(res, st, "change", id);
	if (st == STC_STALE)
		svc_change_event("change.stale", EV_NOTICE, actor,
		    json_pack("{s:I}", "change", (json_int_t)id));
	if (st == STC_SELF) {
		log_warnx("%s tried to approve their own change %lld: refused",
		    actor, (long long)id);
		svc_change_event("change.self_approval_refused", EV_WARNING,
		    actor, json_pack("{s:I}", "change", (json_int_t)id));
	}
	if (st != STC_OK)
		return;
	snprintf(res->cr_message, sizeof(res->cr_message), "change %lld "
	    "approved; it can be applied now", (long long)id);
	log_info("%s approved change %lld", actor, (long long)id);
	svc_change_event("change.approved", EV_NOTICE, actor,
	    json_pack("{s:I, s:s?}", "change", (json_int_t)id, "comment",
	    comment));
}

void
svc_change_reject(int64_t id, const char *actor, const char *reason,
    struct svc_change_result *res)
{
	enum store_change_status st;

	res->cr_id = id;
	st = store_change_reject(chg_store, id, actor, reason,
	    svc_change_now_ms());
	svc_change_store_status(res, st, "change", id);
	if (st != STC_OK)
		return;
	snprintf(res->cr_message, sizeof(res->cr_message), "change %lld "
	    "rejected", (long long)id);
	log_info("%s rejected change %lld: %s", actor, (long long)id, reason);
	svc_change_event("change.rejected", EV_NOTICE, actor,
	    json_pack("{s:I, s:s}", "change", (json_int_t)id, "reason",
	    reason));
}

static bool
svc_change_break_glass_on(void)
{
	return settings_current()->se_approvals.sp_break_glass;
}

void
svc_change_apply(int64_t id, unsigned confirm_secs, bool break_glass,
    const char *actor, const char *reason, struct svc_change_result *res)
{
	struct change_proposal		cp;
	struct policy_candidate		pc;
	struct svc_result		sres;
	enum store_change_status	st;
	char				name[300];

	res->cr_id = id;
	if (break_glass && !svc_change_break_glass_on()) {
		svc_change_fail(res, SCH_DISABLED, NULL, "break glass is off "
		    "(approvals.break_glass in sansod.yaml): change %lld needs "
		    "a second person's approval", (long long)id);
		svc_change_event("change.break_glass_refused", EV_WARNING,
		    actor, json_pack("{s:I}", "change", (json_int_t)id));
		return;
	}
	st = store_change_check_apply(chg_store, id, break_glass,
	    svc_change_running_sha(), svc_change_now_ms(), &cp);
	svc_change_store_status(res, st, "change", id);
	if (st == STC_STATE)
		snprintf(res->cr_message, sizeof(res->cr_message), "change "
		    "%lld is not approved%s; nothing applied", (long long)id,
		    break_glass ? " or proposed" : " (another person must "
		    "approve it first)");
	if (st != STC_OK)
		return;
	snprintf(name, sizeof(name), "%s", cp.cp_name);
	svc_policy_candidate(&pc, name, cp.cp_text, strlen(cp.cp_text));
	svc_policy_apply(&pc, confirm_secs, actor, &sres);
	res->cr_apply_ms = sres.sr_apply_ms;
	switch (sres.sr_status) {
	case SVC_OK:
	case SVC_STATE:
		break;
	case SVC_INVALID:
		svc_change_fail(res, SCH_REFUSED, NULL, "%s", sres.sr_message);
		goto out;
	case SVC_CONFIRM_PENDING:
		svc_change_fail(res, SCH_PENDING, NULL, "%s", sres.sr_message);
		goto out;
	case SVC_NOTHING:
	case SVC_KERNEL:
		svc_change_fail(res, SCH_KERNEL, NULL, "%s", sres.sr_message);
		goto out;
	}
	res->cr_status = SCH_OK;
	snprintf(res->cr_message, sizeof(res->cr_message),
	    "change %lld: %.400s%s", (long long)id, sres.sr_message, break_glass ? " by break glass; "
	    "it is queued for review (002 §100)" : "");
	if (store_change_applied(chg_store, id, actor, reason, break_glass,
	    svc_change_now_ms()) == -1) {
		log_warnx("change %lld applied but not recorded: %s",
		    (long long)id, store_error(chg_store));
		svc_change_fail(res, SCH_STORE, NULL, "change %lld applied, "
		    "but the store could not record it: %s", (long long)id,
		    store_error(chg_store));
	}
	log_info("%s applied change %lld%s", actor, (long long)id,
	    break_glass ? " by break glass, without a second person" : "");
	svc_change_event(break_glass ? "change.break_glass" : "change.applied",
	    break_glass ? EV_ALERT : EV_NOTICE, actor, json_pack("{s:I, s:s, "
	    "s:s, s:s?, s:b}", "change", (json_int_t)id, "policy", name,
	    "sha256", cp.cp_sha256, "reason", reason, "break_glass",
	    break_glass));
out:
	svc_policy_candidate_free(&pc);
	change_proposal_free_fields(&cp);
}

int
svc_change_list(struct change_proposal **v, size_t *n)
{
	return store_change_list(chg_store, v, n);
}

int
svc_change_trail(const char *subject, int64_t id,
    struct change_decision **v, size_t *n)
{
	return store_decisions(chg_store, subject, id, v, n);
}

/* --- exceptions --------------------------------------------------------- */

/*
 * Validate @ex (with the active ones) against the running policy.  False
 * with SCH_REFUSED and the validator's diagnostics in @res.
 */
static bool
svc_change_ex_validate(const struct change_exception *ex,
    struct svc_change_result *res)
{
	const struct policy_active	*run = svc_policy_running();
	struct policy_exception		*v;
	struct policy			*p;
	char				 label[32];
	size_t				 i, n = 0;

	if (run == NULL) {
		svc_change_fail(res, SCH_STATE, NULL, "no policy is applied");
		return false;
	}
	v = xcalloc(chg_n_ex + 1, sizeof(*v));
	for (i = 0; i < chg_n_ex; i++)
		if (chg_ex[i].sx_in_force && chg_ex[i].sx_row.ex_id !=
		    ex->ex_id)
			svc_change_pe(&chg_ex[i].sx_row, chg_ex[i].sx_label,
			    &v[n++]);
	snprintf(label, sizeof(label), "exception %lld", (long long)ex->ex_id);
	svc_change_pe(ex, label, &v[n++]);
	p = policy_exception_merge(run->pa_name, run->pa_text, run->pa_len,
	    v, n, &res->cr_diags);
	free(v);
	if (p != NULL) {
		policy_free(p);
		return true;
	}
	svc_change_fail(res, SCH_REFUSED, NULL, "exception conduit %s is "
	    "refused by the validator (%zu error%s) under policy %s; nothing "
	    "changed", ex->ex_conduit, res->cr_diags.nerrors,
	    res->cr_diags.nerrors == 1 ? "" : "s", run->pa_name);
	return false;
}

static bool
svc_change_text_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

void
svc_change_exception_request(const struct svc_exception_req *req,
    struct svc_change_result *res)
{
	struct change_exception	 ex;
	char			 conduit[64], err[256], field[32];
	int64_t			 id, max = settings_current()->
				    se_approvals.sp_exception_max;
	size_t			 i;

	res->cr_status = SCH_OK;
	if (req->er_n_services == 0 ||
	    req->er_n_services > SVC_CHANGE_SERVICES_MAX) {
		svc_change_fail(res, SCH_INVALID, "services", "services: "
		    "name 1 to %d services", SVC_CHANGE_SERVICES_MAX);
		return;
	}
	for (i = 0; i < req->er_n_services; i++) {
		if (!policy_exception_service_ok(req->er_services[i], err,
		    sizeof(err))) {
			snprintf(field, sizeof(field), "services[%zu]", i);
			svc_change_fail(res, SCH_INVALID, field, "%s: %s",
			    field, err);
			return;
		}
	}
	if (req->er_name != NULL && (strlen(req->er_name) >
	    SVC_CHANGE_NAME_MAX || !policy_parse_name_valid(req->er_name))) {
		svc_change_fail(res, SCH_INVALID, "name", "name: '%.40s' "
		    "is not a short name (a letter, then up to %d letters, "
		    "digits, '-' or '_')", req->er_name,
		    SVC_CHANGE_NAME_MAX - 1);
		return;
	}
	if (req->er_reason == NULL || *req->er_reason == '\0' ||
	    strlen(req->er_reason) > SVC_CHANGE_REASON_MAX ||
	    !svc_change_text_ok(req->er_reason)) {
		svc_change_fail(res, SCH_INVALID, "reason", "reason: "
		    "required, one line of at most %d bytes (say why, for the "
		    "register: 002 §99)", SVC_CHANGE_REASON_MAX);
		return;
	}
	if (req->er_duration_s < 1 || req->er_duration_s > max) {
		svc_change_fail(res, SCH_INVALID, "expires", "expires: "
		    "%lld s is out of range (1 s to %lld s, approvals."
		    "exception_max)", (long long)req->er_duration_s,
		    (long long)max);
		return;
	}
	if (store_exception_next_id(chg_store, &id) == -1) {
		svc_change_fail(res, SCH_STORE, NULL, "%s",
		    store_error(chg_store));
		return;
	}
	if (req->er_name != NULL)
		snprintf(conduit, sizeof(conduit), POLICY_EXCEPTION_PREFIX
		    "%lld-%s", (long long)id, req->er_name);
	else
		snprintf(conduit, sizeof(conduit), POLICY_EXCEPTION_PREFIX
		    "%lld", (long long)id);
	memset(&ex, 0, sizeof(ex));
	ex.ex_id = id;
	ex.ex_conduit = conduit;
	ex.ex_from = (char *)(uintptr_t)req->er_from;
	ex.ex_to = (char *)(uintptr_t)req->er_to;
	ex.ex_services = (char **)(uintptr_t)req->er_services;
	ex.ex_n_services = req->er_n_services;
	ex.ex_via = (char *)(uintptr_t)req->er_via;
	ex.ex_approval = (char *)(uintptr_t)req->er_approval;
	ex.ex_reason = (char *)(uintptr_t)req->er_reason;
	ex.ex_requester = (char *)(uintptr_t)req->er_actor;
	ex.ex_duration_s = req->er_duration_s;
	ex.ex_created_ms = svc_change_now_ms();
	res->cr_id = id;
	if (!svc_change_ex_validate(&ex, res)) {
		log_warnx("%s: exception %s (%s -> %s) refused by the "
		    "validator", req->er_actor, conduit, req->er_from,
		    req->er_to);
		svc_change_event("exception.refused", EV_WARNING,
		    req->er_actor, svc_change_ex_fields(&ex));
		return;
	}
	if (store_exception_request(chg_store, &ex) == -1) {
		svc_change_fail(res, SCH_STORE, NULL, "cannot record "
		    "the request: %s; nothing changed", store_error(chg_store));
		return;
	}
	snprintf(res->cr_message, sizeof(res->cr_message), "exception %lld "
	    "(conduit %s: %s -> %s) requested for %lld s once approved; "
	    "another person must approve it", (long long)id, conduit,
	    req->er_from, req->er_to, (long long)req->er_duration_s);
	log_info("%s requested exception %lld (%s: %s -> %s): %s",
	    req->er_actor, (long long)id, conduit, req->er_from, req->er_to,
	    req->er_reason);
	svc_change_event("exception.requested", EV_NOTICE, req->er_actor,
	    svc_change_ex_fields(&ex));
}

void
svc_change_exception_approve(int64_t id, bool break_glass, const char *actor,
    const char *comment, struct svc_change_result *res)
{
	const struct change_exception	*row;
	struct change_exception		 ex;
	enum store_change_status	 st;
	int64_t				 now = svc_change_now_ms();
	char				 err[512];

	res->cr_id = id;
	res->cr_status = SCH_OK;
	if (break_glass && !svc_change_break_glass_on()) {
		svc_change_fail(res, SCH_DISABLED, NULL, "break glass is off "
		    "(approvals.break_glass in sansod.yaml): exception %lld "
		    "needs a second person's approval", (long long)id);
		svc_change_event("exception.break_glass_refused", EV_WARNING,
		    actor, json_pack("{s:I}", "exception", (json_int_t)id));
		return;
	}
	if ((st = store_exception_get(chg_store, id, &ex)) != STC_OK) {
		svc_change_store_status(res, st, "exception", id);
		return;
	}
	if (strcmp(ex.ex_state, "requested") != 0) {
		svc_change_fail(res, SCH_STATE, "id", "exception %lld is %s, "
		    "not requested", (long long)id, ex.ex_state);
		goto out;
	}
	if (!break_glass && strcmp(ex.ex_requester, actor) == 0) {
		svc_change_store_status(res, STC_SELF, "exception", id);
		log_warnx("%s tried to approve their own exception %lld: "
		    "refused", actor, (long long)id);
		svc_change_event("exception.self_approval_refused", EV_WARNING,
		    actor, json_pack("{s:I}", "exception", (json_int_t)id));
		goto out;
	}
	/* The running policy may have changed since the request. */
	if (!svc_change_ex_validate(&ex, res))
		goto out;
	/* Store, table, then commit: a kernel refusal leaves no trace. */
	if (store_begin(chg_store) == -1) {
		svc_change_store_status(res, STC_ERROR, "exception", id);
		goto out;
	}
	st = store_exception_activate(chg_store, id, actor, comment,
	    break_glass, now + ex.ex_duration_s * 1000, now);
	if (st != STC_OK) {
		store_rollback(chg_store);
		svc_change_store_status(res, st, "exception", id);
		goto out;
	}
	free(ex.ex_state);
	ex.ex_state = xstrdup("active");
	ex.ex_expires_ms = now + ex.ex_duration_s * 1000;
	ex.ex_break_glass = break_glass;
	svc_change_add(&ex);
	if (svc_change_reapply("exception", err, sizeof(err)) < 0) {
		store_rollback(chg_store);
		svc_change_remove(id);
		svc_change_fail(res, SCH_KERNEL, NULL, "exception %lld not "
		    "applied: %s; nothing changed", (long long)id, err);
		return;
	}
	if (store_commit(chg_store) == -1) {
		svc_change_remove(id);
		svc_change_reapply("exception: undo after a store failure",
		    err, sizeof(err));
		svc_change_fail(res, SCH_STORE, NULL, "cannot record the "
		    "approval: %s; nothing changed", store_error(chg_store));
		return;
	}
	svc_change_arm();
	row = &chg_ex[svc_change_find(id)].sx_row;
	snprintf(res->cr_message, sizeof(res->cr_message),
	    "exception %lld (conduit %s: %s -> %s) %s and in force for "
	    "%lld s%s", (long long)id, row->ex_conduit, row->ex_from,
	    row->ex_to, break_glass ? "activated by break glass" :
	    "approved", (long long)row->ex_duration_s, break_glass ?
	    "; it is queued for review (002 §100)" : "");
	log_info("%s %s exception %lld (%s: %s -> %s) until %lld",
	    actor, break_glass ? "activated by break glass" :
	    "approved", (long long)id, row->ex_conduit, row->ex_from,
	    row->ex_to, (long long)row->ex_expires_ms / 1000);
	svc_change_event(break_glass ? "exception.break_glass" :
	    "exception.approved", break_glass ? EV_ALERT : EV_NOTICE,
	    actor, json_pack("{s:I, s:s?}", "exception",
	    (json_int_t)id, "comment", comment));
	svc_change_event("exception.applied", EV_NOTICE, actor,
	    svc_change_ex_fields(row));
	return;
out:
	change_exception_free_fields(&ex);
}

void
svc_change_exception_reject(int64_t id, const char *actor, const char *reason,
    struct svc_change_result *res)
{
	enum store_change_status	 st;
	bool				 revoked;
	char				 err[512];

	res->cr_id = id;
	st = store_exception_reject(chg_store, id, actor, reason,
	    svc_change_now_ms(), &revoked);
	svc_change_store_status(res, st, "exception", id);
	if (st == STC_STATE)
		snprintf(res->cr_message, sizeof(res->cr_message), "exception "
		    "%lld is neither requested nor active", (long long)id);
	if (st != STC_OK)
		return;
	if (revoked) {
		svc_change_remove(id);
		svc_change_arm();
		if (svc_change_reapply("exception revoked", err,
		    sizeof(err)) < 0) {
			chg_reapply_due = true;
			svc_change_arm();
		}
	}
	snprintf(res->cr_message, sizeof(res->cr_message), "exception %lld %s",
	    (long long)id, revoked ? "revoked and removed from the ruleset" :
	    "rejected");
	log_info("%s %s exception %lld: %s", actor, revoked ? "revoked" :
	    "rejected", (long long)id, reason);
	svc_change_event(revoked ? "exception.revoked" : "exception.rejected",
	    EV_NOTICE, actor, json_pack("{s:I, s:s}", "exception",
	    (json_int_t)id, "reason", reason));
}

int
svc_change_exception_list(struct change_exception **v, size_t *n)
{
	return store_exception_list(chg_store, false, v, n);
}

bool
svc_change_exception_in_force(int64_t id)
{
	ssize_t i = svc_change_find(id);

	return i >= 0 && chg_ex[i].sx_in_force;
}

/* --- review ------------------------------------------------------------- */

int
svc_change_review_list(bool pending_only, struct review_item **v, size_t *n,
    size_t *total)
{
	return store_review_list(chg_store, pending_only,
	    SVC_CHANGE_REVIEW_LIMIT, v, n, total);
}

void
svc_change_review_ack(const char *kind, int64_t ref, const char *actor,
    const char *comment, struct svc_change_result *res)
{
	enum store_change_status st;

	res->cr_id = ref;
	res->cr_status = SCH_OK;
	st = store_review_ack(chg_store, kind, ref, actor, comment,
	    svc_change_now_ms());
	switch (st) {
	case STC_OK:
		snprintf(res->cr_message, sizeof(res->cr_message), "%s %lld "
		    "reviewed", kind, (long long)ref);
		log_info("%s reviewed %s %lld", actor, kind, (long long)ref);
		svc_change_event("review.acked", EV_NOTICE, actor,
		    json_pack("{s:s, s:I, s:s?}", "kind", kind, "ref",
		    (json_int_t)ref, "comment", comment));
		return;
	case STC_NOT_FOUND:
		svc_change_fail(res, SCH_NOT_FOUND, "id", "id: no %s %lld "
		    "in the review queue", kind, (long long)ref);
		return;
	case STC_SELF:
		svc_change_fail(res, SCH_SELF, "id", "%s %lld was done "
		    "by you; another person must review it (002 §8-1)", kind,
		    (long long)ref);
		return;
	case STC_STATE:
		svc_change_fail(res, SCH_STATE, "id", "%s %lld was "
		    "reviewed already", kind, (long long)ref);
		return;
	default:
		svc_change_fail(res, SCH_STORE, NULL, "cannot record the "
		    "review: %s", store_error(chg_store));
		return;
	}
}
