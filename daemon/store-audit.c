/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit chain's SQL: append with its head, the head, the walk. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "audit.h"
#include "store.h"
#include "store-int.h"
#include "xmalloc.h"

/*
 * The chain (appended to store.c's migrations).  Append-only through
 * SQLite: triggers refuse UPDATE and DELETE of entries.  Someone with the
 * file and the sqlite3 tool can drop them; what they change then is found
 * by audit_verify() through the hashes and the HMAC'd head, which is the
 * one row that changes (at every append) and may never be deleted.
 * No CHECKs on the hashes' form: a malformed one is the verifier's to
 * report, not a reason to refuse the row that recorded an action.
 */
const char store_audit_migration[] =
	"CREATE TABLE audit ("
	"  seq           INTEGER PRIMARY KEY,"
	"  at_ms         INTEGER NOT NULL,"
	"  actor         TEXT NOT NULL CHECK (length(actor) > 0),"
	"  role          TEXT NOT NULL,"
	"  action        TEXT NOT NULL CHECK (length(action) > 0),"
	"  target        TEXT NOT NULL,"
	"  before_sha256 TEXT,"
	"  after_sha256  TEXT,"
	"  approvals     TEXT,"
	"  result        TEXT NOT NULL,"
	"  detail        TEXT,"
	"  prev_hash     TEXT NOT NULL,"
	"  hash          TEXT NOT NULL"
	") STRICT;"
	/* `audit list --since`, and the verifier's search for a moved row. */
	"CREATE INDEX audit_at ON audit (at_ms);"
	"CREATE INDEX audit_hash ON audit (hash);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit BEGIN"
	"  SELECT RAISE(ABORT, 'audit entries are append-only');"
	"END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit BEGIN"
	"  SELECT RAISE(ABORT, 'audit entries are append-only');"
	"END;"
	"CREATE TABLE audit_head ("
	"  id   INTEGER PRIMARY KEY CHECK (id = 1),"
	"  seq  INTEGER NOT NULL,"
	"  hash TEXT NOT NULL,"
	"  mac  TEXT NOT NULL"
	") STRICT;"
	"CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head BEGIN"
	"  SELECT RAISE(ABORT, 'the audit head is never deleted');"
	"END;";

#define STORE_AUDIT_COLUMNS \
	"seq, at_ms, actor, role, action, target, before_sha256, " \
	"after_sha256, approvals, result, detail, prev_hash, hash"

static const char store_audit_sql_insert[] =
    "INSERT INTO audit (" STORE_AUDIT_COLUMNS ") VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
/* The head is one row; it is the only thing in the chain that changes. */
static const char store_audit_sql_head_set[] =
    "INSERT INTO audit_head (id, seq, hash, mac) VALUES (1, ?1, ?2, ?3) "
    "ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, "
    "hash = excluded.hash, mac = excluded.mac";
static const char store_audit_sql_head[] =
    "SELECT seq, hash, mac FROM audit_head WHERE id = 1";
static const char store_audit_sql_last[] =
    "SELECT " STORE_AUDIT_COLUMNS " FROM audit ORDER BY seq DESC LIMIT 1";
static const char store_audit_sql_seq_of[] =
    "SELECT seq FROM audit WHERE hash = ?1 ORDER BY seq LIMIT 1";
/* One statement for every filter: a NULL parameter matches anything; an
 * action filter "isolation" also matches "isolation.add" and the like. */
static const char store_audit_sql_select[] =
    "SELECT " STORE_AUDIT_COLUMNS " FROM audit WHERE "
    "(?1 IS NULL OR actor = ?1) AND "
    "(?2 IS NULL OR action = ?2 OR "
    "  substr(action, 1, length(?2) + 1) = ?2 || '.') AND "
    "(?3 IS NULL OR at_ms >= ?3) AND "
    "(?4 IS NULL OR at_ms <= ?4) "
    "ORDER BY seq LIMIT ?5";

void
audit_entry_free_fields(struct audit_entry *e)
{
	if (e == NULL)
		return;
	free(e->ae_actor);
	free(e->ae_role);
	free(e->ae_action);
	free(e->ae_target);
	free(e->ae_before);
	free(e->ae_after);
	free(e->ae_approvals);
	free(e->ae_result);
	free(e->ae_detail);
	memset(e, 0, sizeof(*e));
}

static char *
store_audit_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

/* A hash column into a fixed buffer; anything but 64 characters is kept
 * as far as it goes, and then fails every comparison. */
static void
store_audit_hex(sqlite3_stmt *stmt, int col, char out[AUDIT_HEX])
{
	const unsigned char *s = sqlite3_column_text(stmt, col);

	snprintf(out, AUDIT_HEX, "%s", s != NULL ? (const char *)s : "");
}

static void
store_audit_row(sqlite3_stmt *stmt, struct audit_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->ae_seq = sqlite3_column_int64(stmt, 0);
	e->ae_at_ms = sqlite3_column_int64(stmt, 1);
	e->ae_actor = store_audit_text(stmt, 2);
	e->ae_role = store_audit_text(stmt, 3);
	e->ae_action = store_audit_text(stmt, 4);
	e->ae_target = store_audit_text(stmt, 5);
	e->ae_before = store_audit_text(stmt, 6);
	e->ae_after = store_audit_text(stmt, 7);
	e->ae_approvals = store_audit_text(stmt, 8);
	e->ae_result = store_audit_text(stmt, 9);
	e->ae_detail = store_audit_text(stmt, 10);
	store_audit_hex(stmt, 11, e->ae_prev);
	store_audit_hex(stmt, 12, e->ae_hash);
}

int
store_audit_append(struct store *s, const struct audit_entry *e,
    const char *mac)
{
	sqlite3_stmt	*stmt;
	bool		 own;
	int		 ret = -1;

	own = sqlite3_get_autocommit(s->st_db) != 0;
	if (own && store_begin(s) == -1)
		return -1;
	if ((stmt = store_prepare(s, store_audit_sql_insert)) == NULL)
		goto out;
	sqlite3_bind_int64(stmt, 1, e->ae_seq);
	sqlite3_bind_int64(stmt, 2, e->ae_at_ms);
	store_bind_text(stmt, 3, e->ae_actor);
	store_bind_text(stmt, 4, e->ae_role);
	store_bind_text(stmt, 5, e->ae_action);
	store_bind_text(stmt, 6, e->ae_target);
	store_bind_text(stmt, 7, e->ae_before);
	store_bind_text(stmt, 8, e->ae_after);
	store_bind_text(stmt, 9, e->ae_approvals);
	store_bind_text(stmt, 10, e->ae_result);
	store_bind_text(stmt, 11, e->ae_detail);
	store_bind_text(stmt, 12, e->ae_prev);
	store_bind_text(stmt, 13, e->ae_hash);
	if (store_step_done(s, stmt, "audit entry %lld",
	    (long long)e->ae_seq) == -1)
		goto out;
	if (mac != NULL) {
		if ((stmt = store_prepare(s, store_audit_sql_head_set)) == NULL)
			goto out;
		sqlite3_bind_int64(stmt, 1, e->ae_seq);
		store_bind_text(stmt, 2, e->ae_hash);
		store_bind_text(stmt, 3, mac);
		if (store_step_done(s, stmt, "audit head %lld",
		    (long long)e->ae_seq) == -1)
			goto out;
	}
	ret = 0;
out:
	if (own) {
		if (ret == 0)
			return store_commit(s);
		store_rollback(s);
	} else if (ret != 0)
		s->st_doomed = true;
	return ret;
}

int
store_audit_head(struct store *s, struct audit_head *h)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	memset(h, 0, sizeof(*h));
	if ((stmt = store_prepare(s, store_audit_sql_head)) == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		h->ah_present = true;
		h->ah_seq = sqlite3_column_int64(stmt, 0);
		store_audit_hex(stmt, 1, h->ah_hash);
		store_audit_hex(stmt, 2, h->ah_mac);
	} else if (rc != SQLITE_DONE)
		store_fail(s, "read the audit head");
	store_stmt_done(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_audit_last(struct store *s, struct audit_entry *e, bool *found)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	memset(e, 0, sizeof(*e));
	*found = false;
	if ((stmt = store_prepare(s, store_audit_sql_last)) == NULL)
		return -1;
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		store_audit_row(stmt, e);
		*found = true;
	} else if (rc != SQLITE_DONE)
		store_fail(s, "read the last audit entry");
	store_stmt_done(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_audit_seq_of(struct store *s, const char *hash, int64_t *seq)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	*seq = 0;
	if ((stmt = store_prepare(s, store_audit_sql_seq_of)) == NULL)
		return -1;
	store_bind_text(stmt, 1, hash);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*seq = sqlite3_column_int64(stmt, 0);
	else if (rc != SQLITE_DONE)
		store_fail(s, "find an audit hash");
	store_stmt_done(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_audit_foreach(struct store *s, const struct audit_filter *f,
    int (*cb)(const struct audit_entry *, void *), void *arg)
{
	struct audit_entry	 e;
	sqlite3_stmt		*stmt;
	int			 rc, ret = 0;

	if ((stmt = store_prepare(s, store_audit_sql_select)) == NULL)
		return -1;
	if (f != NULL) {
		store_bind_text(stmt, 1, f->af_actor);
		store_bind_text(stmt, 2, f->af_action);
		if (f->af_since_ms != 0)
			sqlite3_bind_int64(stmt, 3, f->af_since_ms);
		if (f->af_until_ms != 0)
			sqlite3_bind_int64(stmt, 4, f->af_until_ms);
	}
	/* A negative LIMIT is none. */
	sqlite3_bind_int64(stmt, 5, f != NULL && f->af_limit > 0 ?
	    f->af_limit : -1);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		store_audit_row(stmt, &e);
		ret = cb(&e, arg);
		audit_entry_free_fields(&e);
		if (ret != 0)
			break;
	}
	if (ret == 0 && rc != SQLITE_DONE) {
		store_fail(s, "read the audit entries");
		ret = -1;
	}
	store_stmt_done(stmt);
	return ret;
}
