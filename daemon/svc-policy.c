/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The policy service: the apply pipeline, commit confirmed, state, drift
 * detection and repair. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../nftables/ruleset.h"
#include <jansson.h>

#include "audit.h"
#include "compile.h"
#include "events.h"
#include "kernel.h"
#include "log.h"
#include "metrics.h"
#include "proc.h"
#include "state.h"
#include "svc-change.h"
#include "svc-isolation.h"
#include "svc-policy.h"
#include "xmalloc.h"

#define STATE_CURRENT	"policy/current.yaml"
#define STATE_PREVIOUS	"policy/previous.yaml"
#define STATE_PENDING	"policy/pending.yaml"
#define STATE_DIGEST	"policy/config.sha256"
/* The name each policy was applied under ("policy-2025-04.yaml"), so that
 * status still says it after a restart or a rollback.  Informative only. */
#define STATE_CURRENT_NAME	"policy/current.name"
#define STATE_PREVIOUS_NAME	"policy/previous.name"
#define SVC_POLICY_NAME_MAX	255

/* When the confirm timeout cannot restore the last good policy (the kernel
 * refused), try again after this long rather than give up. */
#define SVC_POLICY_REVERT_RETRY_MSEC	5000

enum drift_state {
	DRIFT_UNKNOWN,
	DRIFT_MATCH,
	DRIFT_DIFFERS,
	DRIFT_UNREADABLE,
};

static char			*svc_config;
/* The last good policy (current.yaml) and, during a confirm window, the
 * applied but unconfirmed one (pending.yaml). */
static struct policy_active	*svc_current;
static struct policy_active	*svc_pending;
static struct proc_timer	*svc_confirm_timer;
static struct proc_timer	*svc_drift_timer;
static struct proc_timer	*svc_debounce_timer;
static struct proc_fd		*svc_monitor;
static int			 svc_monitor_fd = -1;
/* The last repair failed: do not announce the same drift every second. */
static bool			 svc_repair_failing;
static time_t			 svc_confirm_deadline;
static struct timespec		 svc_confirm_mono;
static enum drift_state		 svc_drift_last = DRIFT_UNKNOWN;

static double
svc_policy_ms_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) * 1e3 +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Takes ownership of @text (NUL-terminated, @len bytes). */
static void
svc_policy_candidate_own(struct policy_candidate *pc, const char *name,
    char *text, size_t len)
{
	struct loc loc;

	memset(pc, 0, sizeof(*pc));
	clock_gettime(CLOCK_MONOTONIC, &pc->pc_t0);
	pc->pc_name = xstrdup(name);
	pc->pc_text = text;
	pc->pc_len = len;
	diags_init(&pc->pc_diags, pc->pc_text, pc->pc_len);
	state_sha256(text, len, pc->pc_sha256);
	if (len > SVC_POLICY_MAX_BYTES) {
		loc = (struct loc){ .file = pc->pc_name };
		diag_error(&pc->pc_diags, &loc, "size", NULL,
		    "the policy is %zu bytes, more than the limit of %u",
		    len, SVC_POLICY_MAX_BYTES);
		return;
	}
	pc->pc_policy = policy_parse(pc->pc_name, pc->pc_text, pc->pc_len,
	    &pc->pc_diags);
	if (pc->pc_policy == NULL)
		return;
	pc->pc_valid = policy_validate(pc->pc_policy, &pc->pc_diags) &&
	    !diags_has_errors(&pc->pc_diags);
}

void
svc_policy_candidate(struct policy_candidate *pc, const char *name,
    const char *text, size_t len)
{
	char *copy;

	copy = xmalloc(len + 1);
	memcpy(copy, text, len);
	copy[len] = '\0';
	svc_policy_candidate_own(pc, name, copy, len);
}

/* Read @path (absolute, or relative to STATEDIR) and call it @name. */
static void
svc_policy_candidate_read(struct policy_candidate *pc, const char *path,
    const char *name)
{
	struct loc	 loc;
	char		*text;
	size_t		 len;
	int		 ret;

	ret = state_read(path, &text, &len, SVC_POLICY_MAX_BYTES);
	if (ret == 0) {
		svc_policy_candidate_own(pc, name, text, len);
		return;
	}
	memset(pc, 0, sizeof(*pc));
	clock_gettime(CLOCK_MONOTONIC, &pc->pc_t0);
	pc->pc_name = xstrdup(name);
	pc->pc_text = xstrdup("");
	diags_init(&pc->pc_diags, NULL, 0);
	state_sha256("", 0, pc->pc_sha256);
	pc->pc_unreadable = -ret;
	loc = (struct loc){ .file = pc->pc_name };
	if (ret == -EFBIG)
		diag_error(&pc->pc_diags, &loc, "size", NULL,
		    "the file is larger than the limit of %u bytes",
		    SVC_POLICY_MAX_BYTES);
	else
		diag_error(&pc->pc_diags, &loc, "io", NULL,
		    "cannot read the file: %s", strerror(-ret));
}

void
svc_policy_candidate_file(struct policy_candidate *pc, const char *path)
{
	svc_policy_candidate_read(pc, path, path);
}

/* A file under STATEDIR, named by its full path in messages. */
static void
svc_policy_candidate_state(struct policy_candidate *pc, const char *file)
{
	char path[512];

	svc_policy_candidate_read(pc, file, state_path(file, path,
	    sizeof(path)));
}

void
svc_policy_candidate_free(struct policy_candidate *pc)
{
	if (pc == NULL)
		return;
	diags_free(&pc->pc_diags);
	policy_free(pc->pc_policy);
	free(pc->pc_text);
	free(pc->pc_name);
	memset(pc, 0, sizeof(*pc));
}

static void
svc_policy_active_free(struct policy_active *pa)
{
	if (pa == NULL)
		return;
	policy_free(pa->pa_policy);
	free(pa->pa_name);
	free(pa->pa_text);
	free(pa);
}

/* Log every diagnostic of a refused policy, one line each. */
static void
svc_policy_log_diags(const struct policy_candidate *pc)
{
	size_t	 i;
	char	*s;

	for (i = 0; i < pc->pc_diags.n; i++) {
		s = diag_format(&pc->pc_diags.v[i]);
		log_warnx("%s", s);
		free(s);
	}
}

static size_t
svc_policy_nwarnings(const struct policy_candidate *pc)
{
	return pc->pc_diags.n - pc->pc_diags.nerrors;
}

/*
 * What the kernel gets: the policy and every isolation in force, one
 * ruleset for one batch.  With @learn the addresses of isolated MACs are
 * seeded into the learn sets (for the kernel, not for printing).
 */
static struct ruleset *
svc_policy_compile(const struct policy *p, const char *name, const char *text,
    size_t len, bool learn)
{
	struct policy	*merged;
	struct ruleset	*rs;

	/* Exceptions in force (例外措置) are conduits too: svc-change merges
	 * them into a copy of @p, validated like the rest. */
	merged = svc_change_merged(name, text, len);
	rs = compile_policy(merged != NULL ? merged : p);
	policy_free(merged);
	svc_isolation_compile(rs, learn);
	return rs;
}

/* policy.applied, .refused, .rolled_back, ...: one record each. */
static void
svc_policy_event(const char *type, enum event_severity sev, const char *actor,
    const char *name, const char *sha256, const char *detail, json_t *more)
{
	json_t *o = json_object();

	if (actor != NULL)
		json_object_set_new(o, "actor", json_string(actor));
	if (name != NULL)
		json_object_set_new(o, "policy", json_string(name));
	if (sha256 != NULL && *sha256 != '\0')
		json_object_set_new(o, "sha256", json_string(sha256));
	if (detail != NULL)
		json_object_set_new(o, "detail", json_string(detail));
	if (more != NULL) {
		json_object_update(o, more);
		json_decref(more);
	}
	events_emit(type, sev, o);
}

static void
svc_policy_event_applied(const struct policy_active *pa, const char *actor,
    const char *trigger)
{
	svc_policy_event("policy.applied", EV_NOTICE, actor, pa->pa_name,
	    pa->pa_sha256, NULL, json_pack("{s:s, s:f, s:I, s:I}", "trigger",
	    trigger, "apply_ms", pa->pa_apply_ms, "rules",
	    (json_int_t)pa->pa_rules, "elements",
	    (json_int_t)pa->pa_elements));
	audit_policy("policy.apply", actor, audit_role(actor), pa->pa_name,
	    svc_current && svc_current != pa ? svc_current->pa_sha256 : NULL,
	    pa->pa_sha256, "ok", trigger);
}

/*
 * The apply pipeline after parse and validate: compile, one kernel batch.
 * On success the candidate's policy and text move into the returned
 * policy_active (the candidate's diagnostics stay valid while that lives).
 */
static struct policy_active *
svc_policy_install(struct policy_candidate *pc, int kflags,
    struct svc_result *res)
{
	struct kernel_apply_result	 kres;
	struct policy_active		*pa;
	struct ruleset			*rs;
	size_t				 rules, elems;

	rs = svc_policy_compile(pc->pc_policy, pc->pc_name, pc->pc_text,
	    pc->pc_len, true);
	rules = rs_n_rules(rs);
	elems = rs_n_elems(rs);
	if (kernel_apply(rs, kflags, &kres) < 0) {
		ruleset_free(rs);
		res->sr_status = SVC_KERNEL;
		snprintf(res->sr_message, sizeof(res->sr_message),
		    "the kernel refused policy %s: %s; the previous table "
		    "stays in force", pc->pc_name, kres.ka_error);
		log_warnx("%s", res->sr_message);
		svc_policy_event("policy.refused", EV_WARNING, NULL,
		    pc->pc_name, pc->pc_sha256, res->sr_message, NULL);
		return NULL;
	}
	pa = xcalloc(1, sizeof(*pa));
	pa->pa_policy = pc->pc_policy;
	pa->pa_name = xstrdup(pc->pc_name);
	pa->pa_text = pc->pc_text;
	pa->pa_len = pc->pc_len;
	memcpy(pa->pa_sha256, pc->pc_sha256, sizeof(pa->pa_sha256));
	pa->pa_applied_at = time(NULL);
	pa->pa_rules = rules;
	pa->pa_elements = elems;
	pa->pa_apply_ms = svc_policy_ms_since(&pc->pc_t0);
	pc->pc_policy = NULL;
	pc->pc_text = xstrdup("");
	pc->pc_len = 0;
	/* The diagnostics print lines from the text, which moved. */
	pc->pc_diags.text = pa->pa_text;

	res->sr_status = SVC_OK;
	res->sr_apply_ms = pa->pa_apply_ms;
	log_info("policy %s (sha256 %.12s) %s in %.1f ms (kernel %.1f ms): "
	    "%zu zones, %zu conduits, %zu rules, %zu set elements",
	    pa->pa_name, pa->pa_sha256,
	    kres.ka_applied ? "applied" : "already in the kernel, adopted",
	    pa->pa_apply_ms, (double)kres.ka_usec / 1e3,
	    pa->pa_policy->p_n_zones, pa->pa_policy->p_n_conduits, rules,
	    elems);
	/* A fresh apply ends any drift the periodic check reported. */
	svc_drift_last = DRIFT_MATCH;
	return pa;
}

static void
svc_policy_write_name(const char *file, const struct policy_active *pa)
{
	int ret;

	if ((ret = state_write(file, pa->pa_name, strlen(pa->pa_name))) < 0)
		log_warnx("cannot write %s: %s", file, strerror(-ret));
}

/* Give a policy read back from STATEDIR the name it was applied under. */
static void
svc_policy_restore_name(struct policy_active *pa, const char *file)
{
	char	*name;
	size_t	 len;

	if (state_read(file, &name, &len, SVC_POLICY_NAME_MAX) < 0)
		return;
	if (len > 0 && strcspn(name, "\n") == len) {
		free(pa->pa_name);
		pa->pa_name = name;
	} else
		free(name);
}

/*
 * @pa becomes the last good policy: previous.yaml gets the old current
 * text (unless it is the same), current.yaml the new one.  Each write is
 * atomic, and previous is written first, so a crash in between leaves
 * previous == current == the old policy, never a hole.
 */
static int
svc_policy_commit(struct policy_active *pa, char *err, size_t errlen)
{
	char	path[512];
	int	ret = 0;

	if (svc_current != NULL && (svc_current->pa_len != pa->pa_len ||
	    memcmp(svc_current->pa_text, pa->pa_text, pa->pa_len) != 0)) {
		ret = state_write(STATE_PREVIOUS, svc_current->pa_text,
		    svc_current->pa_len);
		if (ret < 0) {
			snprintf(err, errlen, "cannot write %s: %s",
			    state_path(STATE_PREVIOUS, path, sizeof(path)),
			    strerror(-ret));
			goto out;
		}
		svc_policy_write_name(STATE_PREVIOUS_NAME, svc_current);
	}
	ret = state_write(STATE_CURRENT, pa->pa_text, pa->pa_len);
	if (ret < 0) {
		snprintf(err, errlen, "cannot write %s: %s",
		    state_path(STATE_CURRENT, path, sizeof(path)),
		    strerror(-ret));
		goto out;
	}
	svc_policy_write_name(STATE_CURRENT_NAME, pa);
out:
	if (svc_current != pa)
		svc_policy_active_free(svc_current);
	svc_current = pa;
	return ret;
}

static void
svc_policy_state_failed(struct svc_result *res, const char *err)
{
	res->sr_status = SVC_STATE;
	snprintf(res->sr_message, sizeof(res->sr_message),
	    "the policy is in the kernel, but %s: it would not survive a "
	    "restart", err);
	log_warnx("%s", res->sr_message);
}

static void
svc_policy_write_digest(const char *sha256)
{
	char	line[STATE_SHA256_HEX + 1];
	int	ret;

	snprintf(line, sizeof(line), "%s\n", sha256);
	if ((ret = state_write(STATE_DIGEST, line, strlen(line))) < 0)
		log_warnx("cannot record the digest of %s: %s", svc_config,
		    strerror(-ret));
}

/*
 * Put the last good policy back in the kernel, dropping the pending one
 * (confirm timeout, or rollback during the window).
 */
static bool
svc_policy_revert(const char *why, const char *actor, struct svc_result *res)
{
	struct kernel_apply_result	 kres;
	struct ruleset			*rs;
	int				 ret;

	rs = svc_policy_compile(svc_current->pa_policy, svc_current->pa_name,
	    svc_current->pa_text, svc_current->pa_len, true);
	if (kernel_apply(rs, 0, &kres) < 0) {
		ruleset_free(rs);
		res->sr_status = SVC_KERNEL;
		snprintf(res->sr_message, sizeof(res->sr_message),
		    "%s: the kernel refused the last good policy %s: %s; "
		    "policy %s stays in force", why, svc_current->pa_name,
		    kres.ka_error, svc_pending->pa_name);
		log_warnx("%s", res->sr_message);
		return false;
	}
	proc_timer_stop(svc_confirm_timer);
	res->sr_status = SVC_OK;
	res->sr_apply_ms = (double)kres.ka_usec / 1e3;
	snprintf(res->sr_message, sizeof(res->sr_message),
	    "%s: policy rolled back to %s (sha256 %.12s); %s was not "
	    "confirmed", why, svc_current->pa_name, svc_current->pa_sha256,
	    svc_pending->pa_name);
	log_warnx("%s", res->sr_message);
	svc_policy_event("policy.rolled_back", EV_WARNING, actor,
	    svc_current->pa_name, svc_current->pa_sha256, res->sr_message,
	    json_pack("{s:s, s:s}", "trigger", why, "from",
	    svc_pending->pa_name));
	audit_policy("policy.rollback", actor, audit_role(actor),
	    svc_current->pa_name, svc_pending->pa_sha256,
	    svc_current->pa_sha256, "ok", res->sr_message);
	svc_policy_active_free(svc_pending);
	svc_pending = NULL;
	svc_current->pa_applied_at = time(NULL);
	svc_drift_last = DRIFT_MATCH;
	if ((ret = state_remove(STATE_PENDING)) < 0)
		log_warnx("cannot remove %s: %s", STATE_PENDING,
		    strerror(-ret));
	return true;
}

static void
svc_policy_confirm_timeout(void *arg)
{
	struct svc_result res;

	(void)arg;
	if (svc_pending == NULL)
		return;
	svc_policy_event("policy.confirm_timeout", EV_WARNING, "sansod",
	    svc_pending->pa_name, svc_pending->pa_sha256, "not confirmed in "
	    "time: returning to the last good policy", NULL);
	if (!svc_policy_revert("confirm timeout", "sansod", &res))
		proc_timer_start(svc_confirm_timer,
		    SVC_POLICY_REVERT_RETRY_MSEC, false);
}

/*
 * Someone deleted elements of sanso's sets by hand (`nft delete element`):
 * the notifications name them, so they are put back at once, before the
 * read-back that a foreign change schedules (about a second with 100 000
 * isolations) confirms the table.
 */
static void
svc_policy_repair_deleted(void)
{
	const struct policy_active	*run = svc_policy_running();
	struct timespec			 t0;
	char				 err[256], detail[64];
	double				 ms;
	int				 n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (run == NULL || (n = kernel_repair_deleted(err,
	    sizeof(err))) == 0 || n == -ESRCH)
		return;
	if (n < 0) {
		log_warnx("kernel drift: cannot add back elements deleted by "
		    "hand: %s; the read-back repairs it", err);
		return;
	}
	ms = svc_policy_ms_since(&t0);
	snprintf(detail, sizeof(detail), "%d element%s deleted by another "
	    "process", n, n == 1 ? "" : "s");
	log_warnx("kernel drift found by the netlink notification: %s; added "
	    "back in %.1f ms", detail, ms);
	svc_policy_event("drift.detected", EV_WARNING, NULL, run->pa_name,
	    run->pa_sha256, detail, json_pack("{s:s, s:b}", "trigger",
	    "netlink notification", "table_present", 1));
	svc_policy_event("drift.repaired", EV_NOTICE, NULL, run->pa_name,
	    run->pa_sha256, detail, json_pack("{s:s, s:f, s:i}", "trigger",
	    "netlink notification", "apply_ms", ms, "elements_restored", n));
	metrics_drift_detected();
	metrics_drift_repaired();
	audit_policy("drift.repair", "sansod", "system", run->pa_name, NULL,
	    run->pa_sha256, "ok", detail);
}

/*
 * nf_tables notifications pending now: a foreign change schedules one
 * check shortly after, so that a burst of changes is repaired once (and
 * makes the next kernel_check_drift_quick() read the table).
 */
static void
svc_policy_monitor_drain(void)
{
	bool	foreign = false;
	int	ret;

	if (svc_monitor_fd < 0)
		return;
	if ((ret = kernel_monitor_read(svc_monitor_fd, &foreign)) < 0) {
		log_debug("nf_tables notifications: %s", strerror(-ret));
		foreign = true;
	}
	if (foreign)
		svc_policy_repair_deleted();
	/* Even then: the read-back confirms what the notifications said. */
	if (foreign && !proc_timer_pending(svc_debounce_timer))
		proc_timer_start(svc_debounce_timer, SVC_POLICY_DEBOUNCE_MSEC,
		    false);
}

/*
 * Compare the kernel with what was applied; log changes of the answer.
 * Unless @full, the table is read back only when the nf_tables generation
 * moved since it was last verified (kernel_check_drift_quick); *read_back
 * says whether it was.  Notifications queued on the monitor are taken in
 * first, so that one that came in just now is not missed.
 */
static int
svc_policy_check_drift(struct kernel_drift *kd, bool full, bool *read_back)
{
	const struct policy_active	*run = svc_policy_running();
	enum drift_state		 now;
	int				 ret;

	svc_policy_monitor_drain();
	if (full) {
		*read_back = true;
		ret = kernel_check_drift(kd);
	} else
		ret = kernel_check_drift_quick(kd, read_back);
	if (ret < 0)
		now = DRIFT_UNREADABLE;
	else if (!kd->kd_applied)
		now = DRIFT_UNKNOWN;
	else
		now = kd->kd_match ? DRIFT_MATCH : DRIFT_DIFFERS;
	if (now != svc_drift_last) {
		if (now == DRIFT_DIFFERS)
			log_warnx("kernel drift: table inet sanso differs from "
			    "policy %s: %s", run ? run->pa_name : "?",
			    kd->kd_detail);
		else if (now == DRIFT_UNREADABLE)
			log_warnx("kernel drift check failed: %s",
			    kd->kd_detail);
		else if (now == DRIFT_MATCH && svc_drift_last != DRIFT_UNKNOWN)
			log_info("kernel drift resolved: table inet sanso "
			    "matches policy %s again", run ? run->pa_name : "?");
		svc_drift_last = now;
	}
	return ret;
}

/*
 * Compare and, when the kernel is not what policy + isolations say, put it
 * back in one batch (the same table swap as an apply: no window).  A
 * foreign `nft delete table`, `nft flush ruleset`, a rule or an element
 * removed by hand all end here (002 §98: the controls stay in force).
 */
static void
svc_policy_repair(const char *trigger, bool full)
{
	const struct policy_active	*run = svc_policy_running();
	struct kernel_apply_result	 kres;
	struct kernel_drift		 kd;
	struct ruleset			*rs;
	struct timespec			 t0;
	double				 ms;
	bool				 read_back;
	int				 ret;

	if (run == NULL)
		return;
	/* Expired isolations leave the reference first, or the kernel
	 * (which dropped them on time) would look like drift. */
	svc_isolation_expire_due();
	ret = svc_policy_check_drift(&kd, full, &read_back);
	/* The table was read after every notification taken in so far: a
	 * check scheduled for them would only read it again. */
	if (ret == 0 && read_back && proc_timer_pending(svc_debounce_timer))
		proc_timer_stop(svc_debounce_timer);
	if (ret < 0 || !kd.kd_applied || kd.kd_match)
		return;
	if (!svc_repair_failing) {
		log_warnx("kernel drift found by the %s: %s; restoring policy "
		    "%s and %zu isolation%s", trigger, kd.kd_detail,
		    run->pa_name, svc_isolation_count(),
		    svc_isolation_count() == 1 ? "" : "s");
		svc_policy_event("drift.detected", EV_WARNING, NULL,
		    run->pa_name, run->pa_sha256, kd.kd_detail,
		    json_pack("{s:s, s:b}", "trigger", trigger,
		    "table_present", kd.kd_present));
		metrics_drift_detected();
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (kd.kd_missing > 0 && (ret = kernel_repair_missing(kres.ka_error,
	    sizeof(kres.ka_error))) >= 0) {
		ms = svc_policy_ms_since(&t0);
		svc_repair_failing = false;
		svc_drift_last = DRIFT_MATCH;
		log_warnx("kernel drift repaired: %d missing element%s added "
		    "back in %.1f ms", ret, ret == 1 ? "" : "s", ms);
		svc_policy_event("drift.repaired", EV_NOTICE, NULL,
		    run->pa_name, run->pa_sha256, kd.kd_detail,
		    json_pack("{s:s, s:f, s:i}", "trigger", trigger,
		    "apply_ms", ms, "elements_restored", ret));
		metrics_drift_repaired();
		audit_policy("drift.repair", "sansod", "system", run->pa_name,
		    NULL, run->pa_sha256, "ok", kd.kd_detail);
		return;
	}
	/* Anything else, or the element batch failed: rebuild it all. */
	rs = svc_policy_compile(run->pa_policy, run->pa_name, run->pa_text,
	    run->pa_len, true);
	if (kernel_apply(rs, 0, &kres) < 0) {
		ruleset_free(rs);
		if (!svc_repair_failing) {
			log_warnx("kernel drift: cannot restore table inet "
			    "sanso: %s; retrying every %d ms", kres.ka_error,
			    SVC_POLICY_DRIFT_MSEC);
			svc_policy_event("drift.repair_failed", EV_ALERT, NULL,
			    run->pa_name, run->pa_sha256, kres.ka_error, NULL);
			metrics_drift_repair_failed();
		}
		svc_repair_failing = true;
		return;
	}
	ms = svc_policy_ms_since(&t0);
	svc_repair_failing = false;
	svc_drift_last = DRIFT_MATCH;
	log_warnx("kernel drift repaired: table inet sanso restored to "
	    "policy %s in %.1f ms", run->pa_name, ms);
	svc_policy_event("drift.repaired", EV_NOTICE, NULL, run->pa_name,
	    run->pa_sha256, kd.kd_detail, json_pack("{s:s, s:f}", "trigger",
	    trigger, "apply_ms", ms));
	metrics_drift_repaired();
	audit_policy("drift.repair", "sansod", "system", run->pa_name, NULL,
	    run->pa_sha256, "ok", kd.kd_detail);
}

/* Every second: a read-back only when the generation moved (then a
 * foreign change, or one of ours the monitor could not vouch for). */
static void
svc_policy_drift_tick(void *arg)
{
	(void)arg;
	svc_policy_repair("periodic read-back", false);
}

/* After a foreign change: always read the table back. */
static void
svc_policy_debounce_tick(void *arg)
{
	(void)arg;
	svc_policy_repair("netlink notification", true);
}

static void
svc_policy_monitor_cb(int fd, void *arg)
{
	(void)fd;
	(void)arg;
	svc_policy_monitor_drain();
}

static void
svc_policy_monitor_start(void)
{
	int fd;

	if ((fd = kernel_monitor_open()) < 0) {
		log_warnx("cannot watch nf_tables notifications: %s; drift is "
		    "found by the read-back every %d ms only", strerror(-fd),
		    SVC_POLICY_DRIFT_MSEC);
		return;
	}
	svc_monitor_fd = fd;
	svc_monitor = proc_fd_new(fd, svc_policy_monitor_cb, NULL);
}

void
svc_policy_init(const char *config_path)
{
	svc_config = xstrdup(config_path);
	svc_confirm_timer = proc_timer_new(svc_policy_confirm_timeout, NULL);
	svc_drift_timer = proc_timer_new(svc_policy_drift_tick, NULL);
	svc_debounce_timer = proc_timer_new(svc_policy_debounce_tick, NULL);
}

void
svc_policy_free(void)
{
	proc_fd_free(svc_monitor);
	svc_monitor = NULL;
	if (svc_monitor_fd >= 0)
		kernel_monitor_close(svc_monitor_fd);
	svc_monitor_fd = -1;
	proc_timer_free(svc_confirm_timer);
	proc_timer_free(svc_drift_timer);
	proc_timer_free(svc_debounce_timer);
	svc_confirm_timer = svc_drift_timer = svc_debounce_timer = NULL;
	svc_policy_active_free(svc_pending);
	svc_policy_active_free(svc_current);
	svc_pending = svc_current = NULL;
	free(svc_config);
	svc_config = NULL;
}

/* The digest of the -c file when it was last applied, or "" if unknown. */
static void
svc_policy_read_digest(char out[STATE_SHA256_HEX])
{
	char	*buf;
	size_t	 len;

	out[0] = '\0';
	if (state_read(STATE_DIGEST, &buf, &len, 256) < 0)
		return;
	buf[strcspn(buf, " \t\r\n")] = '\0';
	if (strlen(buf) == STATE_SHA256_HEX - 1)
		memcpy(out, buf, STATE_SHA256_HEX);
	free(buf);
}

enum start_source {
	START_CONFIG,
	START_CURRENT,
	START_PREVIOUS,
};

int
svc_policy_start(char **cause)
{
	struct policy_candidate	 cands[3];
	enum start_source	 order[3];
	struct policy_candidate	*pc;
	struct policy_active	*pa = NULL;
	struct svc_result	 res;
	char			 digest[STATE_SHA256_HEX], path[512];
	char			*why = NULL, *errs = NULL, *tmp;
	size_t			 i, n = 0;
	bool			 have_state, cfg_changed;
	int			 ret;

	*cause = NULL;
	/* A confirm window does not survive a restart: the kernel gets the
	 * last good policy, as if the timer had run out. */
	/* (Limit 0: only whether it exists matters, not its text.) */
	if (state_read(STATE_PENDING, &tmp, &i, 0) != -ENOENT) {
		free(tmp);
		log_warnx("discarding %s: it was applied with --confirm and "
		    "never confirmed; the last good policy is applied instead",
		    state_path(STATE_PENDING, path, sizeof(path)));
		if ((ret = state_remove(STATE_PENDING)) < 0)
			log_warnx("cannot remove %s: %s", path, strerror(-ret));
	}

	svc_policy_candidate_file(&cands[START_CONFIG], svc_config);
	svc_policy_candidate_state(&cands[START_CURRENT], STATE_CURRENT);
	svc_policy_candidate_state(&cands[START_PREVIOUS], STATE_PREVIOUS);
	svc_policy_read_digest(digest);
	have_state = cands[START_CURRENT].pc_unreadable != ENOENT;
	cfg_changed = cands[START_CONFIG].pc_unreadable == 0 &&
	    strcmp(digest, cands[START_CONFIG].pc_sha256) != 0;

	if (!have_state) {
		order[n++] = START_CONFIG;
		xasprintf(&why, "no policy applied before in %s: applying %s",
		    state_path("policy", path, sizeof(path)), svc_config);
	} else if (cfg_changed) {
		order[n++] = START_CONFIG;
		order[n++] = START_CURRENT;
		order[n++] = START_PREVIOUS;
		xasprintf(&why, "%s changed since it was last applied: "
		    "applying it", svc_config);
	} else {
		order[n++] = START_CURRENT;
		order[n++] = START_CONFIG;
		order[n++] = START_PREVIOUS;
		if (cands[START_CONFIG].pc_unreadable != 0)
			xasprintf(&why, "cannot read %s (%s): applying the last "
			    "good policy %s", svc_config,
			    strerror(cands[START_CONFIG].pc_unreadable),
			    cands[START_CURRENT].pc_name);
		else
			xasprintf(&why, "%s unchanged since it was last "
			    "applied: applying the last good policy %s",
			    svc_config, cands[START_CURRENT].pc_name);
	}
	log_info("%s", why);

	for (i = 0; i < n && pa == NULL; i++) {
		pc = &cands[order[i]];
		if (!pc->pc_valid) {
			if (order[i] == START_PREVIOUS &&
			    pc->pc_unreadable == ENOENT)
				continue;
			svc_policy_log_diags(pc);
			xasprintf(&tmp, "%s%s%s: %zu error%s", errs ? errs : "",
			    errs ? "; " : "", pc->pc_name,
			    pc->pc_diags.nerrors,
			    pc->pc_diags.nerrors == 1 ? "" : "s");
			free(errs);
			errs = tmp;
			log_warnx("policy %s is not valid (%zu error%s)%s",
			    pc->pc_name, pc->pc_diags.nerrors,
			    pc->pc_diags.nerrors == 1 ? "" : "s",
			    i + 1 < n ? ": trying the next one" : "");
			svc_policy_event("policy.refused", EV_WARNING, "sansod",
			    pc->pc_name, pc->pc_sha256, "not valid at start",
			    json_pack("{s:I}", "errors",
			    (json_int_t)pc->pc_diags.nerrors));
			continue;
		}
		if (svc_policy_nwarnings(pc) > 0)
			svc_policy_log_diags(pc);
		pa = svc_policy_install(pc, KERNEL_APPLY_IF_CHANGED, &res);
		if (pa == NULL) {
			xasprintf(&tmp, "%s%s%s", errs ? errs : "",
			    errs ? "; " : "", res.sr_message);
			free(errs);
			errs = tmp;
			continue;
		}
		if (order[i] == START_CURRENT) {
			svc_policy_restore_name(pa, STATE_CURRENT_NAME);
			svc_current = pa;
			svc_policy_event_applied(pa, "sansod", "start");
			continue;
		}
		svc_policy_event_applied(pa, "sansod", "start");
		if (order[i] == START_PREVIOUS)
			svc_policy_restore_name(pa, STATE_PREVIOUS_NAME);
		if (order[i] == START_CONFIG)
			svc_policy_write_digest(pc->pc_sha256);
		if (svc_policy_commit(pa, path, sizeof(path)) < 0)
			log_warnx("%s", path);
	}
	if (pa == NULL)
		xasprintf(cause, "no valid policy could be applied (%s); "
		    "table inet sanso was not changed", errs ? errs :
		    "nothing found");
	for (i = 0; i < 3; i++)
		svc_policy_candidate_free(&cands[i]);
	free(why);
	free(errs);
	if (pa == NULL)
		return -1;
	svc_policy_monitor_start();
	proc_timer_start(svc_drift_timer, SVC_POLICY_DRIFT_MSEC, true);
	return 0;
}

void
svc_policy_reload(void)
{
	struct policy_candidate	 pc;
	struct policy_active	*pa;
	struct svc_result	 res;
	char			 err[512];

	if (svc_pending != NULL) {
		log_warnx("reload: policy %s waits for confirm; %s not "
		    "reloaded (confirm or roll back first)",
		    svc_pending->pa_name, svc_config);
		return;
	}
	log_info("reload: reading %s", svc_config);
	svc_policy_candidate_file(&pc, svc_config);
	if (!pc.pc_valid) {
		svc_policy_log_diags(&pc);
		log_warnx("reload: %s has %zu error%s; policy %s stays in force",
		    svc_config, pc.pc_diags.nerrors,
		    pc.pc_diags.nerrors == 1 ? "" : "s",
		    svc_current ? svc_current->pa_name : "?");
		svc_policy_event("policy.refused", EV_WARNING, "sansod",
		    pc.pc_name, pc.pc_sha256, "reload: not valid; the running "
		    "policy stays in force", json_pack("{s:I}", "errors",
		    (json_int_t)pc.pc_diags.nerrors));
		audit_policy("policy.apply", "sansod", "system", pc.pc_name,
		    svc_current ? svc_current->pa_sha256 : NULL, pc.pc_sha256,
		    "refused", "reload: not valid");
		goto out;
	}
	if (svc_policy_nwarnings(&pc) > 0)
		svc_policy_log_diags(&pc);
	if ((pa = svc_policy_install(&pc, 0, &res)) == NULL)
		goto out;
	svc_policy_event_applied(pa, "sansod", "reload");
	svc_policy_write_digest(pc.pc_sha256);
	if (svc_policy_commit(pa, err, sizeof(err)) < 0)
		svc_policy_state_failed(&res, err);
out:
	svc_policy_candidate_free(&pc);
}

void
svc_policy_apply(struct policy_candidate *pc, unsigned confirm_secs,
    const char *actor, struct svc_result *res)
{
	struct policy_active	*pa;
	char			 err[512];
	int			 ret;

	memset(res, 0, sizeof(*res));
	if (!pc->pc_valid) {
		res->sr_status = SVC_INVALID;
		snprintf(res->sr_message, sizeof(res->sr_message),
		    "policy %s has %zu error%s; nothing changed", pc->pc_name,
		    pc->pc_diags.nerrors, pc->pc_diags.nerrors == 1 ? "" : "s");
		log_warnx("apply: %s", res->sr_message);
		svc_policy_event("policy.refused", EV_WARNING, actor,
		    pc->pc_name, pc->pc_sha256, res->sr_message,
		    json_pack("{s:I}", "errors",
		    (json_int_t)pc->pc_diags.nerrors));
		audit_policy("policy.apply", actor, audit_role(actor),
		    pc->pc_name, svc_current ? svc_current->pa_sha256 : NULL,
		    pc->pc_sha256, "refused", res->sr_message);
		return;
	}
	if (svc_pending != NULL) {
		res->sr_status = SVC_CONFIRM_PENDING;
		snprintf(res->sr_message, sizeof(res->sr_message),
		    "policy %s was applied with a confirm timer and waits for "
		    "confirm or rollback; %s not applied", svc_pending->pa_name,
		    pc->pc_name);
		log_warnx("apply: %s", res->sr_message);
		audit_policy("policy.apply", actor, audit_role(actor),
		    pc->pc_name, svc_pending->pa_sha256, pc->pc_sha256,
		    "refused", res->sr_message);
		return;
	}
	if ((pa = svc_policy_install(pc, 0, res)) == NULL) {
		audit_policy("policy.apply", actor, audit_role(actor),
		    pc->pc_name, svc_current ? svc_current->pa_sha256 : NULL,
		    pc->pc_sha256, "failed", res->sr_message);
		return;
	}
	svc_policy_event("policy.applied", EV_NOTICE, actor, pa->pa_name,
	    pa->pa_sha256, NULL, json_pack("{s:s, s:f, s:I, s:I, s:I}",
	    "trigger", "api", "apply_ms", pa->pa_apply_ms, "rules",
	    (json_int_t)pa->pa_rules, "elements", (json_int_t)pa->pa_elements,
	    "confirm_seconds", (json_int_t)confirm_secs));
	audit_policy("policy.apply", actor, audit_role(actor), pa->pa_name,
	    svc_current ? svc_current->pa_sha256 : NULL, pa->pa_sha256, "ok",
	    confirm_secs ? "applied; waits for confirm" : "applied");
	if (confirm_secs == 0) {
		if (svc_policy_commit(pa, err, sizeof(err)) < 0)
			svc_policy_state_failed(res, err);
		else
			snprintf(res->sr_message, sizeof(res->sr_message),
			    "policy %s applied", pa->pa_name);
		return;
	}
	/* Informative only: a pending policy is discarded at start. */
	if ((ret = state_write(STATE_PENDING, pa->pa_text, pa->pa_len)) < 0)
		log_warnx("cannot write %s: %s", STATE_PENDING, strerror(-ret));
	svc_pending = pa;
	svc_confirm_deadline = time(NULL) + (time_t)confirm_secs;
	clock_gettime(CLOCK_MONOTONIC, &svc_confirm_mono);
	svc_confirm_mono.tv_sec += (time_t)confirm_secs;
	proc_timer_start(svc_confirm_timer, (unsigned long)confirm_secs * 1000,
	    false);
	snprintf(res->sr_message, sizeof(res->sr_message),
	    "policy %s applied; confirm within %u s or it is rolled back to %s",
	    pa->pa_name, confirm_secs, svc_current->pa_name);
	log_info("%s", res->sr_message);
}

void
svc_policy_confirm(const char *actor, struct svc_result *res)
{
	struct policy_active	*pa = svc_pending;
	char			 err[512];
	int			 ret;

	memset(res, 0, sizeof(*res));
	if (pa == NULL) {
		res->sr_status = SVC_NOTHING;
		snprintf(res->sr_message, sizeof(res->sr_message),
		    "nothing to confirm: no policy waits for confirm");
		return;
	}
	proc_timer_stop(svc_confirm_timer);
	svc_pending = NULL;
	res->sr_status = SVC_OK;
	snprintf(res->sr_message, sizeof(res->sr_message),
	    "policy %s confirmed", pa->pa_name);
	svc_policy_event("policy.confirmed", EV_NOTICE, actor, pa->pa_name,
	    pa->pa_sha256, NULL, NULL);
	audit_policy("policy.confirm", actor, audit_role(actor), pa->pa_name,
	    svc_current ? svc_current->pa_sha256 : NULL, pa->pa_sha256, "ok",
	    res->sr_message);
	if (svc_policy_commit(pa, err, sizeof(err)) < 0)
		svc_policy_state_failed(res, err);
	else
		log_info("%s", res->sr_message);
	if ((ret = state_remove(STATE_PENDING)) < 0)
		log_warnx("cannot remove %s: %s", STATE_PENDING,
		    strerror(-ret));
}

void
svc_policy_rollback(const char *actor, struct svc_result *res)
{
	struct policy_candidate	 pc;
	struct policy_active	*pa;
	char			 err[512];

	memset(res, 0, sizeof(*res));
	if (svc_pending != NULL) {
		svc_policy_revert("rollback", actor, res);
		return;
	}
	svc_policy_candidate_state(&pc, STATE_PREVIOUS);
	if (pc.pc_unreadable == ENOENT) {
		res->sr_status = SVC_NOTHING;
		snprintf(res->sr_message, sizeof(res->sr_message),
		    "nothing to roll back to: no previous policy in %s",
		    pc.pc_name);
		goto out;
	}
	if (!pc.pc_valid) {
		svc_policy_log_diags(&pc);
		res->sr_status = SVC_INVALID;
		snprintf(res->sr_message, sizeof(res->sr_message),
		    "the previous policy %s is not valid (%zu errors); nothing "
		    "changed", pc.pc_name, pc.pc_diags.nerrors);
		log_warnx("rollback: %s", res->sr_message);
		goto out;
	}
	if ((pa = svc_policy_install(&pc, 0, res)) == NULL)
		goto out;
	svc_policy_restore_name(pa, STATE_PREVIOUS_NAME);
	snprintf(res->sr_message, sizeof(res->sr_message),
	    "policy rolled back to %s (sha256 %.12s)", pa->pa_name,
	    pa->pa_sha256);
	svc_policy_event("policy.rolled_back", EV_NOTICE, actor, pa->pa_name,
	    pa->pa_sha256, res->sr_message, json_pack("{s:s, s:s?}",
	    "trigger", "rollback", "from", svc_current ?
	    svc_current->pa_name : NULL));
	audit_policy("policy.rollback", actor, audit_role(actor), pa->pa_name,
	    svc_current ? svc_current->pa_sha256 : NULL, pa->pa_sha256, "ok",
	    res->sr_message);
	/* Swaps current and previous, so a second rollback undoes it. */
	if (svc_policy_commit(pa, err, sizeof(err)) < 0)
		svc_policy_state_failed(res, err);
	else
		log_info("%s", res->sr_message);
out:
	svc_policy_candidate_free(&pc);
}

const struct policy_active *
svc_policy_running(void)
{
	return svc_pending != NULL ? svc_pending : svc_current;
}

bool
svc_policy_confirm_pending(time_t *deadline, long *seconds_left)
{
	struct timespec now;

	if (svc_pending == NULL)
		return false;
	clock_gettime(CLOCK_MONOTONIC, &now);
	*deadline = svc_confirm_deadline;
	*seconds_left = (long)(svc_confirm_mono.tv_sec - now.tv_sec);
	if (svc_confirm_mono.tv_nsec > now.tv_nsec)
		(*seconds_left)++;	/* round up: 0 means it is due */
	if (*seconds_left < 0)
		*seconds_left = 0;
	return true;
}

char *
svc_policy_nft(void)
{
	const struct policy_active	*run = svc_policy_running();
	struct ruleset			*rs;
	char				*s;

	if (run == NULL)
		return xstrdup("");
	/* The compiler is deterministic: this is what the kernel got (but
	 * for what the kernel learns into the dynamic sets). */
	rs = svc_policy_compile(run->pa_policy, run->pa_name, run->pa_text,
	    run->pa_len, false);
	s = ruleset_to_nft(rs);
	ruleset_free(rs);
	return s;
}

int
svc_policy_reapply(const char *trigger, char *err, size_t errlen)
{
	const struct policy_active	*run = svc_policy_running();
	struct kernel_apply_result	 kres;
	struct ruleset			*rs;

	/* Before the first apply there is nothing to rebuild: that apply
	 * will compile what is in force then. */
	if (run == NULL)
		return 0;
	rs = svc_policy_compile(run->pa_policy, run->pa_name, run->pa_text,
	    run->pa_len, true);
	if (kernel_apply(rs, 0, &kres) < 0) {
		ruleset_free(rs);
		snprintf(err, errlen, "the kernel refused the table for %s: %s; "
		    "the previous table stays in force", trigger, kres.ka_error);
		return -1;
	}
	svc_drift_last = DRIFT_MATCH;
	return 0;
}

int
svc_policy_drift(struct kernel_drift *kd, time_t *checked_at)
{
	bool read_back;

	*checked_at = time(NULL);
	/* A read-back when the generation moved since the table was last
	 * verified; otherwise it still matches (see kernel.c). */
	return svc_policy_check_drift(kd, false, &read_back);
}
