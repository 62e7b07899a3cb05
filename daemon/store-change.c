/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The store's proposals, exceptions, decision trail and review queue. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log.h"
#include "store-change.h"
#include "store-int.h"
#include "xmalloc.h"

/*
 * Ids are never reused: nothing here is ever deleted (a rejected or
 * expired exception stays in the register, 002 §101), so "largest + 1" is
 * unique for good.  The decision trail is append-only by trigger.
 */
const char store_change_migration[] =
	"CREATE TABLE change_proposals ("
	"  id          INTEGER PRIMARY KEY,"
	"  name        TEXT NOT NULL CHECK (length(name) > 0),"
	"  text        TEXT NOT NULL,"
	"  sha256      TEXT NOT NULL CHECK (length(sha256) = 64),"
	"  base_sha256 TEXT NOT NULL,"
	"  reason      TEXT NOT NULL CHECK (length(reason) > 0),"
	"  proposer    TEXT NOT NULL CHECK (length(proposer) > 0),"
	"  state       TEXT NOT NULL CHECK (state = 'proposed' OR"
	"    state = 'approved' OR state = 'rejected' OR state = 'applied' OR"
	"    state = 'stale'),"
	"  diagnostics TEXT NOT NULL,"
	"  diff        TEXT NOT NULL,"
	"  diff_text   TEXT NOT NULL,"
	"  break_glass INTEGER NOT NULL DEFAULT 0"
	"    CHECK (break_glass = 0 OR break_glass = 1),"
	"  created_ms  INTEGER NOT NULL,"
	"  updated_ms  INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE change_exceptions ("
	"  id          INTEGER PRIMARY KEY,"
	"  conduit     TEXT NOT NULL UNIQUE CHECK (length(conduit) > 0),"
	"  from_ep     TEXT NOT NULL CHECK (length(from_ep) > 0),"
	"  to_ep       TEXT NOT NULL CHECK (length(to_ep) > 0),"
	/* Names and tcp/N-M literals hold no comma. */
	"  services    TEXT NOT NULL CHECK (length(services) > 0),"
	"  via         TEXT,"
	"  approval    TEXT,"
	"  reason      TEXT NOT NULL CHECK (length(reason) > 0),"
	"  requester   TEXT NOT NULL CHECK (length(requester) > 0),"
	"  state       TEXT NOT NULL CHECK (state = 'requested' OR"
	"    state = 'active' OR state = 'rejected' OR state = 'revoked' OR"
	"    state = 'expired'),"
	"  duration_s  INTEGER NOT NULL CHECK (duration_s > 0),"
	"  expires_ms  INTEGER,"
	"  break_glass INTEGER NOT NULL DEFAULT 0"
	"    CHECK (break_glass = 0 OR break_glass = 1),"
	"  created_ms  INTEGER NOT NULL,"
	"  updated_ms  INTEGER NOT NULL,"
	"  CHECK (state <> 'active' OR expires_ms IS NOT NULL)"
	") STRICT;"
	"CREATE INDEX change_exceptions_active"
	"  ON change_exceptions (expires_ms)"
	"  WHERE state = 'active';"
	/* No foreign key: one trail for two kinds of subject. */
	"CREATE TABLE change_decisions ("
	"  id         INTEGER PRIMARY KEY,"
	"  subject    TEXT NOT NULL"
	"    CHECK (subject = 'change' OR subject = 'exception'),"
	"  subject_id INTEGER NOT NULL,"
	"  action     TEXT NOT NULL CHECK (length(action) > 0),"
	"  actor      TEXT NOT NULL CHECK (length(actor) > 0),"
	"  comment    TEXT,"
	"  at_ms      INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX change_decisions_subject"
	"  ON change_decisions (subject, subject_id);"
	"CREATE TRIGGER change_decisions_no_update BEFORE UPDATE"
	"  ON change_decisions"
	"  BEGIN SELECT RAISE(ABORT, 'the decision trail is append-only'); END;"
	"CREATE TRIGGER change_decisions_no_delete BEFORE DELETE"
	"  ON change_decisions"
	"  BEGIN SELECT RAISE(ABORT, 'the decision trail is append-only'); END;"
	/* Break-glass steps; isolations come from isolation_history. */
	"CREATE TABLE review_items ("
	"  kind    TEXT NOT NULL CHECK (kind = 'change' OR kind = 'exception'),"
	"  ref_id  INTEGER NOT NULL,"
	"  actor   TEXT NOT NULL CHECK (length(actor) > 0),"
	"  summary TEXT NOT NULL,"
	"  at_ms   INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, ref_id)"
	") STRICT, WITHOUT ROWID;"
	"CREATE TABLE review_acks ("
	"  kind    TEXT NOT NULL CHECK (kind = 'change' OR kind = 'exception'"
	"    OR kind = 'isolation'),"
	"  ref_id  INTEGER NOT NULL,"
	"  actor   TEXT NOT NULL CHECK (length(actor) > 0),"
	"  comment TEXT,"
	"  at_ms   INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, ref_id)"
	") STRICT, WITHOUT ROWID;";

#define STC_PROPOSAL_COLUMNS \
	"id, name, sha256, base_sha256, reason, proposer, state, " \
	"diagnostics, diff, diff_text, break_glass, created_ms, updated_ms"
#define STC_EXCEPTION_COLUMNS \
	"id, conduit, from_ep, to_ep, services, via, approval, reason, " \
	"requester, state, duration_s, expires_ms, break_glass, created_ms, " \
	"updated_ms"

static const char stc_sql_propose[] =
	"INSERT INTO change_proposals (name, text, sha256, base_sha256, "
	"reason, proposer, state, diagnostics, diff, diff_text, created_ms, "
	"updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'proposed', ?7, ?8, ?9, "
	"?10, ?10)";
static const char stc_sql_get[] =
	"SELECT " STC_PROPOSAL_COLUMNS ", text FROM change_proposals "
	"WHERE id = ?1";
static const char stc_sql_list[] =
	"SELECT " STC_PROPOSAL_COLUMNS " FROM change_proposals ORDER BY id";
static const char stc_sql_set_state[] =
	"UPDATE change_proposals SET state = ?2, updated_ms = ?3, "
	"break_glass = break_glass OR ?4 WHERE id = ?1";
static const char stc_sql_decision[] =
	"INSERT INTO change_decisions (subject, subject_id, action, actor, "
	"comment, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char stc_sql_decisions[] =
	"SELECT id, subject, subject_id, action, actor, comment, at_ms "
	"FROM change_decisions WHERE subject = ?1 AND subject_id = ?2 "
	"ORDER BY id";
static const char stc_sql_review_add[] =
	"INSERT INTO review_items (kind, ref_id, actor, summary, at_ms) "
	"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING";
static const char stc_sql_ex_next[] =
	"SELECT coalesce(max(id), 0) + 1 FROM change_exceptions";
static const char stc_sql_ex_insert[] =
	"INSERT INTO change_exceptions (id, conduit, from_ep, to_ep, services, "
	"via, approval, reason, requester, state, duration_s, created_ms, "
	"updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'requested', "
	"?10, ?11, ?11)";
static const char stc_sql_ex_get[] =
	"SELECT " STC_EXCEPTION_COLUMNS " FROM change_exceptions WHERE id = ?1";
static const char stc_sql_ex_list[] =
	"SELECT " STC_EXCEPTION_COLUMNS " FROM change_exceptions ORDER BY id";
static const char stc_sql_ex_active[] =
	"SELECT " STC_EXCEPTION_COLUMNS " FROM change_exceptions "
	"WHERE state = 'active' ORDER BY id";
static const char stc_sql_ex_activate[] =
	"UPDATE change_exceptions SET state = 'active', expires_ms = ?2, "
	"break_glass = ?3, updated_ms = ?4 WHERE id = ?1";
static const char stc_sql_ex_set_state[] =
	"UPDATE change_exceptions SET state = ?2, updated_ms = ?3 "
	"WHERE id = ?1";
static const char stc_sql_ex_due[] =
	"SELECT id FROM change_exceptions WHERE state = 'active' AND "
	"expires_ms <= ?1 ORDER BY id";
static const char stc_sql_review_list[] =
	"SELECT kind, ref_id, actor, summary, ticket, at_ms, ack_actor, "
	"ack_comment, ack_ms FROM ("
	"  SELECT 'isolation' AS kind, h.id AS ref_id, h.actor AS actor, "
	"    'isolate ' || h.target || ': ' || h.reason AS summary, "
	"    h.ticket AS ticket, h.at_ms AS at_ms, a.actor AS ack_actor, "
	"    a.comment AS ack_comment, a.at_ms AS ack_ms "
	"  FROM isolation_history h LEFT JOIN review_acks a "
	"    ON a.kind = 'isolation' AND a.ref_id = h.id "
	"  WHERE h.action = 'isolate' "
	"  UNION ALL "
	"  SELECT r.kind, r.ref_id, r.actor, r.summary, NULL, r.at_ms, "
	"    a.actor, a.comment, a.at_ms "
	"  FROM review_items r LEFT JOIN review_acks a "
	"    ON a.kind = r.kind AND a.ref_id = r.ref_id"
	") WHERE ?1 = 0 OR ack_actor IS NULL ORDER BY at_ms, kind, ref_id";
static const char stc_sql_review_find_iso[] =
	"SELECT actor FROM isolation_history WHERE id = ?1 AND "
	"action = 'isolate'";
static const char stc_sql_review_find[] =
	"SELECT actor FROM review_items WHERE kind = ?1 AND ref_id = ?2";
static const char stc_sql_review_ack[] =
	"INSERT INTO review_acks (kind, ref_id, actor, comment, at_ms) "
	"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING";

/* --- small helpers ---------------------------------------------------- */

static char *
stc_col(sqlite3_stmt *stmt, int col)
{
	const char *s = (const char *)sqlite3_column_text(stmt, col);

	return s != NULL ? xstrdup(s) : NULL;
}

/* A prepared statement, or -1 with the error recorded. */
#define STC_PREPARE(s, var, sql) do {					\
	if (((var) = store_prepare((s), (sql))) == NULL)		\
		return -1;						\
} while (0)

/*
 * Each write is atomic: alone it is its own IMMEDIATE transaction; inside
 * the caller's store_begin() it joins that one, and a failure dooms it
 * (as store.c's own operations do).
 */
static int
stc_begin(struct store *s, bool *own)
{
	*own = sqlite3_get_autocommit(s->st_db) != 0;
	return *own ? store_begin(s) : 0;
}

static int
stc_end(struct store *s, bool own, int ret)
{
	if (own) {
		if (ret == 0)
			return store_commit(s);
		store_rollback(s);
	} else if (ret != 0)
		s->st_doomed = true;
	return ret;
}

static int
stc_decision(struct store *s, const char *subject, int64_t id,
    const char *action, const char *actor, const char *comment,
    int64_t at_ms)
{
	sqlite3_stmt *stmt;

	STC_PREPARE(s, stmt, stc_sql_decision);
	store_bind_text(stmt, 1, subject);
	sqlite3_bind_int64(stmt, 2, id);
	store_bind_text(stmt, 3, action);
	store_bind_text(stmt, 4, actor);
	store_bind_text(stmt, 5, comment != NULL && *comment != '\0' ?
	    comment : NULL);
	sqlite3_bind_int64(stmt, 6, at_ms);
	return store_step_done(s, stmt, "record %s %s of %s %lld", actor,
	    action, subject, (long long)id);
}

static int
stc_review_add(struct store *s, const char *kind, int64_t id,
    const char *actor, const char *summary, int64_t at_ms)
{
	sqlite3_stmt *stmt;

	STC_PREPARE(s, stmt, stc_sql_review_add);
	store_bind_text(stmt, 1, kind);
	sqlite3_bind_int64(stmt, 2, id);
	store_bind_text(stmt, 3, actor);
	store_bind_text(stmt, 4, summary);
	sqlite3_bind_int64(stmt, 5, at_ms);
	return store_step_done(s, stmt, "queue %s %lld for review", kind,
	    (long long)id);
}

/* --- lifetime ----------------------------------------------------------- */

void
change_proposal_free_fields(struct change_proposal *cp)
{
	if (cp == NULL)
		return;
	free(cp->cp_name);
	free(cp->cp_text);
	free(cp->cp_sha256);
	free(cp->cp_base_sha256);
	free(cp->cp_reason);
	free(cp->cp_proposer);
	free(cp->cp_state);
	free(cp->cp_diagnostics);
	free(cp->cp_diff);
	free(cp->cp_diff_text);
	memset(cp, 0, sizeof(*cp));
}

void
change_proposals_free(struct change_proposal *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		change_proposal_free_fields(&v[i]);
	free(v);
}

void
change_decisions_free(struct change_decision *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].dc_subject);
		free(v[i].dc_action);
		free(v[i].dc_actor);
		free(v[i].dc_comment);
	}
	free(v);
}

void
change_exception_free_fields(struct change_exception *ex)
{
	size_t i;

	if (ex == NULL)
		return;
	free(ex->ex_conduit);
	free(ex->ex_from);
	free(ex->ex_to);
	for (i = 0; i < ex->ex_n_services; i++)
		free(ex->ex_services[i]);
	free(ex->ex_services);
	free(ex->ex_via);
	free(ex->ex_approval);
	free(ex->ex_reason);
	free(ex->ex_requester);
	free(ex->ex_state);
	memset(ex, 0, sizeof(*ex));
}

void
change_exceptions_free(struct change_exception *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++)
		change_exception_free_fields(&v[i]);
	free(v);
}

void
review_items_free(struct review_item *v, size_t n)
{
	size_t i;

	for (i = 0; v != NULL && i < n; i++) {
		free(v[i].rv_kind);
		free(v[i].rv_actor);
		free(v[i].rv_summary);
		free(v[i].rv_ticket);
		free(v[i].rv_ack_actor);
		free(v[i].rv_ack_comment);
	}
	free(v);
}

/* --- proposals -------------------------------------------------------- */

int
store_change_propose(struct store *s, struct change_proposal *cp)
{
	sqlite3_stmt	*stmt;
	bool		 own;
	int		 ret;

	STC_PREPARE(s, stmt, stc_sql_propose);
	if (stc_begin(s, &own) == -1)
		return -1;
	store_bind_text(stmt, 1, cp->cp_name);
	sqlite3_bind_text(stmt, 2, cp->cp_text != NULL ? cp->cp_text : "", -1,
	    SQLITE_STATIC);
	store_bind_text(stmt, 3, cp->cp_sha256);
	store_bind_text(stmt, 4, cp->cp_base_sha256);
	store_bind_text(stmt, 5, cp->cp_reason);
	store_bind_text(stmt, 6, cp->cp_proposer);
	store_bind_text(stmt, 7, cp->cp_diagnostics != NULL ?
	    cp->cp_diagnostics : "[]");
	store_bind_text(stmt, 8, cp->cp_diff ? cp->cp_diff : "{}");
	store_bind_text(stmt, 9, cp->cp_diff_text ? cp->cp_diff_text : "");
	sqlite3_bind_int64(stmt, 10, cp->cp_created_ms);
	ret = store_step_done(s, stmt, "record the proposal of %s",
	    cp->cp_name ? cp->cp_name : "(null)");
	if (ret == 0) {
		cp->cp_id = sqlite3_last_insert_rowid(s->st_db);
		ret = stc_decision(s, "change", cp->cp_id, "propose",
		    cp->cp_proposer, cp->cp_reason, cp->cp_created_ms);
	}
	return stc_end(s, own, ret);
}

/* A row of STC_PROPOSAL_COLUMNS (and the text after them when present). */
static void
stc_row_proposal(sqlite3_stmt *stmt, struct change_proposal *cp, bool text)
{
	memset(cp, 0, sizeof(*cp));
	cp->cp_id = sqlite3_column_int64(stmt, 0);
	cp->cp_name = stc_col(stmt, 1);
	cp->cp_sha256 = stc_col(stmt, 2);
	cp->cp_base_sha256 = stc_col(stmt, 3);
	cp->cp_reason = stc_col(stmt, 4);
	cp->cp_proposer = stc_col(stmt, 5);
	cp->cp_state = stc_col(stmt, 6);
	cp->cp_diagnostics = stc_col(stmt, 7);
	cp->cp_diff = stc_col(stmt, 8);
	cp->cp_diff_text = stc_col(stmt, 9);
	cp->cp_break_glass = sqlite3_column_int(stmt, 10) != 0;
	cp->cp_created_ms = sqlite3_column_int64(stmt, 11);
	cp->cp_updated_ms = sqlite3_column_int64(stmt, 12);
	if (text)
		cp->cp_text = stc_col(stmt, 13);
}

enum store_change_status
store_change_get(struct store *s, int64_t id, bool text,
    struct change_proposal *out)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((stmt = store_prepare(s, stc_sql_get)) == NULL)
		return STC_ERROR;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		stc_row_proposal(stmt, out, text);
	else if (rc != SQLITE_DONE)
		store_fail(s, "read proposal %lld", (long long)id);
	store_stmt_done(stmt);
	if (rc == SQLITE_ROW)
		return STC_OK;
	return rc == SQLITE_DONE ? STC_NOT_FOUND : STC_ERROR;
}

int
store_change_list(struct store *s, struct change_proposal **out, size_t *n)
{
	struct change_proposal	*v = NULL;
	sqlite3_stmt		*stmt;
	size_t			 cap = 0, len = 0;
	int			 rc;

	*out = NULL;
	*n = 0;
	STC_PREPARE(s, stmt, stc_sql_list);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = xgrow(v, &cap, len, sizeof(*v));
		stc_row_proposal(stmt, &v[len++], false);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		change_proposals_free(v, len);
		return store_fail(s, "list proposals");
	}
	*out = v;
	*n = len;
	return 0;
}

static int
stc_set_state(struct store *s, int64_t id, const char *state,
    bool break_glass, int64_t now_ms)
{
	sqlite3_stmt *stmt;

	STC_PREPARE(s, stmt, stc_sql_set_state);
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, state);
	sqlite3_bind_int64(stmt, 3, now_ms);
	sqlite3_bind_int(stmt, 4, break_glass ? 1 : 0);
	return store_step_done(s, stmt, "mark proposal %lld %s",
	    (long long)id, state);
}

/* Mark @cp stale (its base is not the running policy any more). */
static int
stc_mark_stale(struct store *s, const struct change_proposal *cp,
    int64_t now_ms)
{
	if (stc_set_state(s, cp->cp_id, "stale", false, now_ms) == -1)
		return -1;
	return stc_decision(s, "change", cp->cp_id, "stale", "sansod",
	    "the running policy changed since it was proposed", now_ms);
}

/* Read @id inside an open transaction for a decision. */
static enum store_change_status
stc_load(struct store *s, int64_t id, bool text, struct change_proposal *cp)
{
	return store_change_get(s, id, text, cp);
}

static bool
stc_is(const char *state, const char *want)
{
	return state != NULL && strcmp(state, want) == 0;
}

enum store_change_status
store_change_approve(struct store *s, int64_t id, const char *actor,
    const char *comment, const char *running_sha256, int64_t now_ms)
{
	struct change_proposal		cp;
	enum store_change_status	st;
	bool				own;
	int				ret = 0;

	if (stc_begin(s, &own) == -1)
		return STC_ERROR;
	if ((st = stc_load(s, id, false, &cp)) != STC_OK)
		goto out;
	if (!stc_is(cp.cp_state, "proposed"))
		st = STC_STATE;
	else if (strcmp(cp.cp_proposer, actor) == 0)
		st = STC_SELF;
	else if (running_sha256 == NULL ||
	    strcmp(cp.cp_base_sha256, running_sha256) != 0) {
		st = STC_STALE;
		ret = stc_mark_stale(s, &cp, now_ms);
	} else {
		ret = stc_set_state(s, id, "approved", false, now_ms);
		if (ret == 0)
			ret = stc_decision(s, "change", id, "approve", actor,
			    comment, now_ms);
	}
out:
	if (st == STC_ERROR)
		ret = -1;
	/* A refusal that wrote nothing (self, state) commits nothing. */
	if (stc_end(s, own, ret) == -1)
		st = STC_ERROR;
	change_proposal_free_fields(&cp);
	return st;
}

enum store_change_status
store_change_reject(struct store *s, int64_t id, const char *actor,
    const char *comment, int64_t now_ms)
{
	struct change_proposal		cp;
	enum store_change_status	st;
	bool				own;
	int				ret = 0;

	if (stc_begin(s, &own) == -1)
		return STC_ERROR;
	if ((st = stc_load(s, id, false, &cp)) != STC_OK)
		goto out;
	if (!stc_is(cp.cp_state, "proposed") &&
	    !stc_is(cp.cp_state, "approved"))
		st = STC_STATE;
	else {
		ret = stc_set_state(s, id, "rejected", false, now_ms);
		if (ret == 0)
			ret = stc_decision(s, "change", id, "reject", actor,
			    comment, now_ms);
	}
out:
	if (st == STC_ERROR)
		ret = -1;
	if (stc_end(s, own, ret) == -1)
		st = STC_ERROR;
	change_proposal_free_fields(&cp);
	return st;
}

enum store_change_status
store_change_check_apply(struct store *s, int64_t id, bool break_glass,
    const char *running_sha256, int64_t now_ms, struct change_proposal *out)
{
	enum store_change_status	st;
	bool				own;
	int				ret = 0;

	if (stc_begin(s, &own) == -1)
		return STC_ERROR;
	if ((st = stc_load(s, id, true, out)) != STC_OK)
		goto out;
	if (!stc_is(out->cp_state, "approved") &&
	    !(break_glass && stc_is(out->cp_state, "proposed")))
		st = STC_STATE;
	else if (running_sha256 == NULL ||
	    strcmp(out->cp_base_sha256, running_sha256) != 0) {
		st = STC_STALE;
		ret = stc_mark_stale(s, out, now_ms);
	}
out:
	if (st == STC_ERROR)
		ret = -1;
	if (stc_end(s, own, ret) == -1)
		st = STC_ERROR;
	if (st != STC_OK)
		change_proposal_free_fields(out);
	return st;
}

int
store_change_applied(struct store *s, int64_t id, const char *actor,
    const char *comment, bool break_glass, int64_t now_ms)
{
	char	*summary;
	bool	 own;
	int	 ret;

	if (stc_begin(s, &own) == -1)
		return -1;
	ret = stc_set_state(s, id, "applied", break_glass, now_ms);
	if (ret == 0)
		ret = stc_decision(s, "change", id, break_glass ?
		    "break-glass" : "apply", actor, comment, now_ms);
	if (ret == 0 && break_glass) {
		xasprintf(&summary, "policy change %lld applied without a "
		    "second person: %s", (long long)id,
		    comment != NULL ? comment : "");
		ret = stc_review_add(s, "change", id, actor, summary, now_ms);
		free(summary);
	}
	return stc_end(s, own, ret);
}

int
store_decisions(struct store *s, const char *subject, int64_t id,
    struct change_decision **out, size_t *n)
{
	struct change_decision	*v = NULL, *d;
	sqlite3_stmt		*stmt;
	size_t			 cap = 0, len = 0;
	int			 rc;

	*out = NULL;
	*n = 0;
	STC_PREPARE(s, stmt, stc_sql_decisions);
	store_bind_text(stmt, 1, subject);
	sqlite3_bind_int64(stmt, 2, id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = xgrow(v, &cap, len, sizeof(*v));
		d = &v[len++];
		d->dc_id = sqlite3_column_int64(stmt, 0);
		d->dc_subject = stc_col(stmt, 1);
		d->dc_subject_id = sqlite3_column_int64(stmt, 2);
		d->dc_action = stc_col(stmt, 3);
		d->dc_actor = stc_col(stmt, 4);
		d->dc_comment = stc_col(stmt, 5);
		d->dc_at_ms = sqlite3_column_int64(stmt, 6);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		change_decisions_free(v, len);
		return store_fail(s, "read the trail of %s %lld", subject,
		    (long long)id);
	}
	*out = v;
	*n = len;
	return 0;
}

/* --- exceptions --------------------------------------------------------- */

int
store_exception_next_id(struct store *s, int64_t *id)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	STC_PREPARE(s, stmt, stc_sql_ex_next);
	rc = sqlite3_step(stmt);
	*id = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
	store_stmt_done(stmt);
	if (rc != SQLITE_ROW)
		return store_fail(s, "next exception id");
	return 0;
}

/* "a,b,c" of the services. */
static char *
stc_join(char *const *v, size_t n)
{
	size_t	 i, len = 1;
	char	*s;

	for (i = 0; i < n; i++)
		len += strlen(v[i]) + 1;
	s = xcalloc(1, len);
	for (i = 0; i < n; i++) {
		if (i > 0)
			strcat(s, ",");
		strcat(s, v[i]);
	}
	return s;
}

static void
stc_split(const char *s, struct change_exception *ex)
{
	const char	*p = s, *comma;
	size_t		 cap = 0;

	while (p != NULL && *p != '\0') {
		comma = strchr(p, ',');
		ex->ex_services = xgrow(ex->ex_services, &cap,
		    ex->ex_n_services, sizeof(*ex->ex_services));
		ex->ex_services[ex->ex_n_services++] = comma != NULL ?
		    xstrndup(p, (size_t)(comma - p)) : xstrdup(p);
		p = comma != NULL ? comma + 1 : NULL;
	}
}

int
store_exception_request(struct store *s, const struct change_exception *ex)
{
	sqlite3_stmt	*stmt;
	char		*services;
	bool		 own;
	int		 ret;

	STC_PREPARE(s, stmt, stc_sql_ex_insert);
	if (stc_begin(s, &own) == -1)
		return -1;
	services = stc_join(ex->ex_services, ex->ex_n_services);
	sqlite3_bind_int64(stmt, 1, ex->ex_id);
	store_bind_text(stmt, 2, ex->ex_conduit);
	store_bind_text(stmt, 3, ex->ex_from);
	store_bind_text(stmt, 4, ex->ex_to);
	store_bind_text(stmt, 5, services);
	store_bind_text(stmt, 6, ex->ex_via);
	store_bind_text(stmt, 7, ex->ex_approval);
	store_bind_text(stmt, 8, ex->ex_reason);
	store_bind_text(stmt, 9, ex->ex_requester);
	sqlite3_bind_int64(stmt, 10, ex->ex_duration_s);
	sqlite3_bind_int64(stmt, 11, ex->ex_created_ms);
	ret = store_step_done(s, stmt, "record exception %lld",
	    (long long)ex->ex_id);
	free(services);
	if (ret == 0)
		ret = stc_decision(s, "exception", ex->ex_id, "request",
		    ex->ex_requester, ex->ex_reason, ex->ex_created_ms);
	return stc_end(s, own, ret);
}

static void
stc_row_exception(sqlite3_stmt *stmt, struct change_exception *ex)
{
	char *services;

	memset(ex, 0, sizeof(*ex));
	ex->ex_id = sqlite3_column_int64(stmt, 0);
	ex->ex_conduit = stc_col(stmt, 1);
	ex->ex_from = stc_col(stmt, 2);
	ex->ex_to = stc_col(stmt, 3);
	services = stc_col(stmt, 4);
	stc_split(services, ex);
	free(services);
	ex->ex_via = stc_col(stmt, 5);
	ex->ex_approval = stc_col(stmt, 6);
	ex->ex_reason = stc_col(stmt, 7);
	ex->ex_requester = stc_col(stmt, 8);
	ex->ex_state = stc_col(stmt, 9);
	ex->ex_duration_s = sqlite3_column_int64(stmt, 10);
	ex->ex_expires_ms = sqlite3_column_int64(stmt, 11);	/* NULL: 0 */
	ex->ex_break_glass = sqlite3_column_int(stmt, 12) != 0;
	ex->ex_created_ms = sqlite3_column_int64(stmt, 13);
	ex->ex_updated_ms = sqlite3_column_int64(stmt, 14);
}

enum store_change_status
store_exception_get(struct store *s, int64_t id, struct change_exception *out)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	memset(out, 0, sizeof(*out));
	if ((stmt = store_prepare(s, stc_sql_ex_get)) == NULL)
		return STC_ERROR;
	sqlite3_bind_int64(stmt, 1, id);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		stc_row_exception(stmt, out);
	else if (rc != SQLITE_DONE)
		store_fail(s, "read exception %lld", (long long)id);
	store_stmt_done(stmt);
	if (rc == SQLITE_ROW)
		return STC_OK;
	return rc == SQLITE_DONE ? STC_NOT_FOUND : STC_ERROR;
}

int
store_exception_list(struct store *s, bool active_only,
    struct change_exception **out, size_t *n)
{
	struct change_exception	*v = NULL;
	sqlite3_stmt		*stmt;
	size_t			 cap = 0, len = 0;
	int			 rc;

	*out = NULL;
	*n = 0;
	STC_PREPARE(s, stmt, active_only ? stc_sql_ex_active :
	    stc_sql_ex_list);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = xgrow(v, &cap, len, sizeof(*v));
		stc_row_exception(stmt, &v[len++]);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		change_exceptions_free(v, len);
		return store_fail(s, "list exceptions");
	}
	*out = v;
	*n = len;
	return 0;
}

static int
stc_ex_set_state(struct store *s, int64_t id, const char *state,
    int64_t now_ms)
{
	sqlite3_stmt *stmt;

	STC_PREPARE(s, stmt, stc_sql_ex_set_state);
	sqlite3_bind_int64(stmt, 1, id);
	store_bind_text(stmt, 2, state);
	sqlite3_bind_int64(stmt, 3, now_ms);
	return store_step_done(s, stmt, "mark exception %lld %s",
	    (long long)id, state);
}

enum store_change_status
store_exception_activate(struct store *s, int64_t id, const char *actor,
    const char *comment, bool break_glass, int64_t expires_ms,
    int64_t now_ms)
{
	struct change_exception		ex;
	enum store_change_status	st;
	sqlite3_stmt			*stmt;
	char				*summary;
	bool				 own;
	int				 ret = 0;

	if ((stmt = store_prepare(s, stc_sql_ex_activate)) == NULL)
		return STC_ERROR;
	if (stc_begin(s, &own) == -1)
		return STC_ERROR;
	if ((st = store_exception_get(s, id, &ex)) != STC_OK)
		goto out;
	if (!stc_is(ex.ex_state, "requested")) {
		st = STC_STATE;
		goto out;
	}
	if (!break_glass && strcmp(ex.ex_requester, actor) == 0) {
		st = STC_SELF;
		goto out;
	}
	sqlite3_bind_int64(stmt, 1, id);
	sqlite3_bind_int64(stmt, 2, expires_ms);
	sqlite3_bind_int(stmt, 3, break_glass ? 1 : 0);
	sqlite3_bind_int64(stmt, 4, now_ms);
	ret = store_step_done(s, stmt, "activate exception %lld",
	    (long long)id);
	if (ret == 0)
		ret = stc_decision(s, "exception", id, break_glass ?
		    "break-glass" : "approve", actor, comment, now_ms);
	if (ret == 0 && break_glass) {
		xasprintf(&summary, "exception %lld (%s: %s -> %s) activated "
		    "without a second person: %s", (long long)id,
		    ex.ex_conduit, ex.ex_from, ex.ex_to,
		    comment != NULL ? comment : "");
		ret = stc_review_add(s, "exception", id, actor, summary,
		    now_ms);
		free(summary);
	}
out:
	if (st == STC_ERROR)
		ret = -1;
	if (stc_end(s, own, ret) == -1)
		st = STC_ERROR;
	change_exception_free_fields(&ex);
	return st;
}

enum store_change_status
store_exception_reject(struct store *s, int64_t id, const char *actor,
    const char *comment, int64_t now_ms, bool *revoked)
{
	struct change_exception		ex;
	enum store_change_status	st;
	bool				own;
	int				ret = 0;

	*revoked = false;
	if (stc_begin(s, &own) == -1)
		return STC_ERROR;
	if ((st = store_exception_get(s, id, &ex)) != STC_OK)
		goto out;
	if (stc_is(ex.ex_state, "active"))
		*revoked = true;
	else if (!stc_is(ex.ex_state, "requested")) {
		st = STC_STATE;
		goto out;
	}
	ret = stc_ex_set_state(s, id, *revoked ? "revoked" : "rejected",
	    now_ms);
	if (ret == 0)
		ret = stc_decision(s, "exception", id, *revoked ? "revoke" :
		    "reject", actor, comment, now_ms);
out:
	if (st == STC_ERROR)
		ret = -1;
	if (stc_end(s, own, ret) == -1) {
		st = STC_ERROR;
		*revoked = false;
	}
	change_exception_free_fields(&ex);
	return st;
}

int
store_exception_expire(struct store *s, int64_t now_ms, int64_t **ids,
    size_t *n)
{
	sqlite3_stmt	*stmt;
	int64_t		*v = NULL;
	size_t		 cap = 0, len = 0, i;
	bool		 own;
	int		 rc, ret = -1;

	*ids = NULL;
	*n = 0;
	STC_PREPARE(s, stmt, stc_sql_ex_due);
	if (stc_begin(s, &own) == -1)
		return -1;
	sqlite3_bind_int64(stmt, 1, now_ms);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = xgrow(v, &cap, len, sizeof(*v));
		v[len++] = sqlite3_column_int64(stmt, 0);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		store_fail(s, "find expired exceptions");
		goto out;
	}
	for (i = 0; i < len; i++)
		if (stc_ex_set_state(s, v[i], "expired", now_ms) == -1 ||
		    stc_decision(s, "exception", v[i], "expire", "sansod",
		    NULL, now_ms) == -1)
			goto out;
	ret = 0;
out:
	ret = stc_end(s, own, ret);
	if (ret == 0) {
		*ids = v;
		*n = len;
	} else
		free(v);
	return ret;
}

/* --- review queue ------------------------------------------------------- */

int
store_review_list(struct store *s, bool pending_only, size_t limit,
    struct review_item **out, size_t *n, size_t *total)
{
	struct review_item	*v = NULL, *r;
	sqlite3_stmt		*stmt;
	size_t			 cap = 0, len = 0;
	int			 rc;

	*out = NULL;
	*n = 0;
	*total = 0;
	STC_PREPARE(s, stmt, stc_sql_review_list);
	sqlite3_bind_int(stmt, 1, pending_only ? 1 : 0);
	/* A bulk isolation of a million targets is a million items: count
	 * them all, keep the first @limit. */
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((*total)++ >= limit)
			continue;
		v = xgrow(v, &cap, len, sizeof(*v));
		r = &v[len++];
		memset(r, 0, sizeof(*r));
		r->rv_kind = stc_col(stmt, 0);
		r->rv_ref = sqlite3_column_int64(stmt, 1);
		r->rv_actor = stc_col(stmt, 2);
		r->rv_summary = stc_col(stmt, 3);
		r->rv_ticket = stc_col(stmt, 4);
		r->rv_at_ms = sqlite3_column_int64(stmt, 5);
		r->rv_ack_actor = stc_col(stmt, 6);
		r->rv_ack_comment = stc_col(stmt, 7);
		r->rv_ack_ms = sqlite3_column_int64(stmt, 8);
	}
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		review_items_free(v, len);
		*total = 0;
		return store_fail(s, "list the review queue");
	}
	*out = v;
	*n = len;
	return 0;
}

enum store_change_status
store_review_ack(struct store *s, const char *kind, int64_t ref,
    const char *actor, const char *comment, int64_t now_ms)
{
	enum store_change_status	 st = STC_OK;
	sqlite3_stmt			*stmt;
	char				*who = NULL;
	bool				 own;
	int				 rc, ret = 0;

	if (stc_begin(s, &own) == -1)
		return STC_ERROR;
	stmt = store_prepare(s, strcmp(kind, "isolation") == 0 ?
	    stc_sql_review_find_iso : stc_sql_review_find);
	if (stmt == NULL) {
		st = STC_ERROR;
		goto out;
	}
	if (strcmp(kind, "isolation") == 0)
		sqlite3_bind_int64(stmt, 1, ref);
	else {
		store_bind_text(stmt, 1, kind);
		sqlite3_bind_int64(stmt, 2, ref);
	}
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		who = stc_col(stmt, 0);
	else if (rc != SQLITE_DONE)
		store_fail(s, "find review item %s %lld", kind, (long long)ref);
	store_stmt_done(stmt);
	if (rc != SQLITE_ROW) {
		st = rc == SQLITE_DONE ? STC_NOT_FOUND : STC_ERROR;
		goto out;
	}
	if (strcmp(who, actor) == 0) {
		st = STC_SELF;
		goto out;
	}
	if ((stmt = store_prepare(s, stc_sql_review_ack)) == NULL) {
		st = STC_ERROR;
		goto out;
	}
	store_bind_text(stmt, 1, kind);
	sqlite3_bind_int64(stmt, 2, ref);
	store_bind_text(stmt, 3, actor);
	store_bind_text(stmt, 4, comment != NULL && *comment != '\0' ?
	    comment : NULL);
	sqlite3_bind_int64(stmt, 5, now_ms);
	ret = store_step_done(s, stmt, "review %s %lld", kind,
	    (long long)ref);
	if (ret == 0 && sqlite3_changes(s->st_db) == 0)
		st = STC_STATE;
out:
	if (st == STC_ERROR)
		ret = -1;
	if (stc_end(s, own, ret) == -1)
		st = STC_ERROR;
	free(who);
	return st;
}
