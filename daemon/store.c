/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The durable store: STATEDIR/store.db (SQLite), its migrations, queries. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit.h"
#include "log.h"
#include "store.h"
#include "store-int.h"
#include "store-change.h"
#include "store-auth.h"
#include "xmalloc.h"

/*
 * Schema migrations, applied in order, each in its own transaction together
 * with PRAGMA user_version = its number (index + 1).  An applied migration is
 * never edited: a change to the schema is a new entry at the end.  Planned:
 *   2  devices (MAC, owner, division, home zone, state), checkouts
 *      (持ち出し: device, approver, expected return), quarantine records
 *   3  users (scrypt hash, salt, lockout), password history, sessions and
 *      API tokens (hashes only, scopes, expiry)
 *   4  proposals and approvals (candidate policy, diff, decider), exceptions
 *      (例外措置) with their decision trail
 *   5  audit chain (seq, actor, role, action, target, digests, prev hash,
 *      hash; append-only triggers), anchored by an HMAC kept outside the db
 * Tables are STRICT so a wrong type is refused instead of stored.  CHECKs
 * list allowed values with OR, not IN (...): SQLite builds a temporary
 * b-tree for an IN list on every inserted row (measured: 2 µs of 3 per
 * isolation row).
 */
static const char *const store_migrations[] = {
	/* 1: bookkeeping and CSIRT isolation (002 §82(7), §85). */
	"CREATE TABLE meta ("
	"  key   TEXT PRIMARY KEY NOT NULL,"
	"  value TEXT NOT NULL"
	") STRICT, WITHOUT ROWID;"
	/* A new id is one more than the largest present, so id order is the
	 * order of creation.  The id of a released isolation may come back
	 * (no AUTOINCREMENT: it costs a sqlite_sequence write per row); what
	 * must be referred to later (review queue, audit) is the history row,
	 * whose ids are never reused because history is never deleted. */
	"CREATE TABLE isolations ("
	"  id         INTEGER PRIMARY KEY,"
	"  target     TEXT NOT NULL UNIQUE CHECK (length(target) > 0),"
	"  kind       TEXT NOT NULL"
	"    CHECK (kind = 'ip' OR kind = 'prefix' OR kind = 'mac'),"
	"  reason     TEXT NOT NULL CHECK (length(reason) > 0),"
	"  ticket     TEXT,"
	"  actor      TEXT NOT NULL CHECK (length(actor) > 0),"
	"  created_ms INTEGER NOT NULL,"
	"  expires_ms INTEGER CHECK (expires_ms IS NULL OR expires_ms > 0)"
	") STRICT;"
	/* Only rows with a TTL are indexed: the expiry sweep reads those. */
	"CREATE INDEX isolations_expires ON isolations (expires_ms)"
	"  WHERE expires_ms IS NOT NULL;"
	"CREATE TABLE isolation_keep ("
	"  isolation_id INTEGER NOT NULL"
	"    REFERENCES isolations (id) ON DELETE CASCADE,"
	"  address      TEXT NOT NULL CHECK (length(address) > 0),"
	"  PRIMARY KEY (isolation_id, address)"
	") STRICT, WITHOUT ROWID;"
	/* No foreign key: the history outlives the isolation it tells of. */
	"CREATE TABLE isolation_history ("
	"  id     INTEGER PRIMARY KEY,"
	"  action TEXT NOT NULL CHECK (action = 'isolate' OR"
	"    action = 'release' OR action = 'expire'),"
	"  target TEXT NOT NULL CHECK (length(target) > 0),"
	"  actor  TEXT NOT NULL CHECK (length(actor) > 0),"
	"  reason TEXT,"
	"  ticket TEXT,"
	"  at_ms  INTEGER NOT NULL,"
	"  CHECK (action = 'expire' OR length(reason) > 0)"
	") STRICT;",
	/* Two-person changes, exceptions (例外措置) and the review queue
	 * (002 §8-1, §53-3, §99-§101): SQL in store-change.c. */
	store_change_migration,
	/* The audit hash chain and its anchored head (002 §53-2, §55):
	 * SQL in store-audit.c. */
	store_audit_migration,
	/* Users, password history, sessions and API tokens: SQL in
	 * store-auth.c. */
	store_auth_schema,
};
#define STORE_SCHEMA_KNOWN \
	((int)(sizeof(store_migrations) / sizeof(store_migrations[0])))

/* Prepared once at open, reset and rebound per call. */
enum store_stmt {
	STS_BEGIN,
	STS_BEGIN_READ,
	STS_COMMIT,
	STS_ROLLBACK,
	STS_ISO_FIND,
	STS_ISO_INSERT,
	STS_ISO_UPDATE,
	STS_ISO_DELETE,
	STS_ISO_LIST,
	STS_ISO_EXPIRING,
	STS_ISO_EXPIRE,
	STS_KEEP_CLEAR,
	STS_KEEP_ADD,
	STS_KEEP_LIST,
	STS_KEEP_OF,
	STS_HISTORY_ADD,
	STS_ISO_PUT_MANY,
	STS_KEEP_CLEAR_MANY,
	STS_HISTORY_MANY,
	STS_META_GET,
	STS_META_SET,
	STS__COUNT
};

_Static_assert(STS__COUNT <= STS__COUNT_MAX, "raise STS__COUNT_MAX");

#define STORE_ISO_COLUMNS \
	"id, target, kind, reason, ticket, actor, created_ms, expires_ms"

static const char *const store_sql[STS__COUNT] = {
	/* IMMEDIATE takes the write lock at once, so a transaction never has
	 * to upgrade a read lock (which fails without waiting in WAL mode). */
	[STS_BEGIN] = "BEGIN IMMEDIATE",
	[STS_BEGIN_READ] = "BEGIN DEFERRED",
	[STS_COMMIT] = "COMMIT",
	[STS_ROLLBACK] = "ROLLBACK",
	[STS_ISO_FIND] = "SELECT id FROM isolations WHERE target = ?1",
	[STS_ISO_INSERT] = "INSERT INTO isolations (target, kind, reason, "
	    "ticket, actor, created_ms, expires_ms) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
	    "ON CONFLICT (target) DO NOTHING",
	[STS_ISO_UPDATE] = "UPDATE isolations SET reason = ?2, ticket = ?3, "
	    "actor = ?4, expires_ms = ?5 WHERE id = ?1",
	[STS_ISO_DELETE] = "DELETE FROM isolations WHERE target = ?1",
	/* Ids only grow and an update keeps the row: id order is the order
	 * in which the isolations were first made. */
	[STS_ISO_LIST] = "SELECT " STORE_ISO_COLUMNS " FROM isolations "
	    "ORDER BY id",
	[STS_ISO_EXPIRING] = "SELECT " STORE_ISO_COLUMNS " FROM isolations "
	    "WHERE expires_ms <= ?1 ORDER BY id",
	[STS_ISO_EXPIRE] = "DELETE FROM isolations WHERE expires_ms <= ?1",
	[STS_KEEP_CLEAR] = "DELETE FROM isolation_keep WHERE isolation_id = ?1",
	[STS_KEEP_ADD] = "INSERT INTO isolation_keep (isolation_id, address) "
	    "VALUES (?1, ?2) ON CONFLICT DO NOTHING",
	[STS_KEEP_LIST] = "SELECT isolation_id, address FROM isolation_keep "
	    "ORDER BY isolation_id, address",
	[STS_KEEP_OF] = "SELECT address FROM isolation_keep "
	    "WHERE isolation_id = ?1 ORDER BY address",
	[STS_HISTORY_ADD] = "INSERT INTO isolation_history (action, target, "
	    "actor, reason, ticket, at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	/* A bulk: ?1 is a JSON array of targets (SQLite's json_each). */
	[STS_ISO_PUT_MANY] = "INSERT INTO isolations (target, kind, reason, "
	    "ticket, actor, created_ms, expires_ms) "
	    "SELECT value, ?2, ?3, ?4, ?5, ?6, ?7 FROM json_each(?1) WHERE true "
	    "ON CONFLICT (target) DO UPDATE SET reason = excluded.reason, "
	    "ticket = excluded.ticket, actor = excluded.actor, "
	    "expires_ms = excluded.expires_ms",
	[STS_KEEP_CLEAR_MANY] = "DELETE FROM isolation_keep WHERE isolation_id "
	    "IN (SELECT id FROM isolations WHERE target IN "
	    "(SELECT value FROM json_each(?1)))",
	[STS_HISTORY_MANY] = "INSERT INTO isolation_history (action, target, "
	    "actor, reason, ticket, at_ms) "
	    "SELECT ?2, value, ?3, ?4, ?5, ?6 FROM json_each(?1)",
	[STS_META_GET] = "SELECT value FROM meta WHERE key = ?1",
	[STS_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
};

int
store_fail(struct store *s, const char *fmt, ...)
{
	va_list	 ap;
	char	*what;

	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) == -1)
		fatal("%s", __func__);
	va_end(ap);
	free(s->st_error);
	xasprintf(&s->st_error, "%s: %s: %s", s->st_path, what,
	    sqlite3_errmsg(s->st_db));
	free(what);
	return -1;
}

const char *
store_error(struct store *s)
{
	return s->st_error != NULL ? s->st_error : "no error";
}

int
store_exec(struct store *s, const char *sql, const char *what)
{
	if (sqlite3_exec(s->st_db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(s, "%s", what);
	return 0;
}

int
store_query_int(struct store *s, const char *sql, int64_t *value)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if (sqlite3_prepare_v2(s->st_db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return store_fail(s, "%s", sql);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*value = sqlite3_column_int64(stmt, 0);
	else if (rc == SQLITE_DONE)
		*value = 0;
	else {
		store_fail(s, "%s", sql);
		sqlite3_finalize(stmt);
		return -1;
	}
	sqlite3_finalize(stmt);
	return 0;
}

/* The cached statement, ready to bind. */
static sqlite3_stmt *
store_stmt(struct store *s, enum store_stmt which)
{
	return s->st_stmt[which];
}

int
store_step_done(struct store *s, sqlite3_stmt *stmt, const char *fmt, ...)
{
	va_list	 ap;
	char	*what;
	int	 rc;

	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
		return 0;
	}
	va_start(ap, fmt);
	if (vasprintf(&what, fmt, ap) == -1)
		fatal("%s", __func__);
	va_end(ap);
	store_fail(s, "%s", what);
	free(what);
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return -1;
}

void
store_stmt_done(sqlite3_stmt *stmt)
{
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
}

void
store_bind_text(sqlite3_stmt *stmt, int col, const char *text)
{
	/* STATIC: the caller's string outlives the step. */
	if (text == NULL)
		sqlite3_bind_null(stmt, col);
	else
		sqlite3_bind_text(stmt, col, text, -1, SQLITE_STATIC);
}

/* Apply every migration newer than the file's user_version. */
static int
store_migrate(struct store *s)
{
	int64_t	version;
	char	sql[64];

	for (;;) {
		if (store_exec(s, "BEGIN IMMEDIATE", "begin migration") == -1)
			return -1;
		/* Read inside the write transaction: another process that
		 * migrated meanwhile is seen here, not after. */
		if (store_query_int(s, "PRAGMA user_version", &version) == -1)
			goto fail;
		if (version > STORE_SCHEMA_KNOWN) {
			free(s->st_error);
			xasprintf(&s->st_error, "%s has schema %lld, this sansod "
			    "knows up to %d (was it opened by a newer "
			    "version?)", s->st_path, (long long)version,
			    STORE_SCHEMA_KNOWN);
			goto fail;
		}
		if (version == STORE_SCHEMA_KNOWN)
			break;
		if (version < 0) {
			free(s->st_error);
			xasprintf(&s->st_error, "%s has schema %lld, which no "
			    "sansod writes", s->st_path, (long long)version);
			goto fail;
		}
		if (sqlite3_exec(s->st_db, store_migrations[version], NULL,
		    NULL, NULL) != SQLITE_OK) {
			store_fail(s, "migration %lld", (long long)version + 1);
			goto fail;
		}
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %lld",
		    (long long)version + 1);
		if (store_exec(s, sql, sql) == -1)
			goto fail;
		if (store_exec(s, "COMMIT", "commit migration") == -1)
			goto fail;
		log_info("%s: schema migrated to version %lld", s->st_path,
		    (long long)version + 1);
	}
	if (store_exec(s, "COMMIT", "commit") == -1)
		goto fail;
	s->st_version = (int)version;
	return 0;
fail:
	if (!sqlite3_get_autocommit(s->st_db))
		sqlite3_exec(s->st_db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* Create store.db as 0600 (it will hold password hashes and session
 * tokens), and take group and other access away from an existing one.
 * SQLite gives the -wal and -shm files the mode of the database. */
static int
store_create_file(struct store *s)
{
	struct stat	st;
	int		fd, ret = 0;

	fd = open(s->st_path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		xasprintf(&s->st_error, "%s: open: %s", s->st_path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		xasprintf(&s->st_error, "%s: stat: %s", s->st_path,
		    strerror(errno));
		ret = -1;
	} else if (!S_ISREG(st.st_mode)) {
		xasprintf(&s->st_error, "%s: not a regular file", s->st_path);
		ret = -1;
	} else if ((st.st_mode & 077) != 0 && fchmod(fd, 0600) == -1) {
		xasprintf(&s->st_error, "%s: chmod 0600: %s", s->st_path,
		    strerror(errno));
		ret = -1;
	}
	close(fd);
	return ret;
}

static int
store_configure(struct store *s)
{
	int64_t	on;
	char	mode[16] = "";
	sqlite3_stmt *stmt;

	if (sqlite3_busy_timeout(s->st_db, 5000) != SQLITE_OK)
		return store_fail(s, "busy_timeout");
	/* journal_mode answers with the mode it ended in: check it. */
	if (sqlite3_prepare_v2(s->st_db, "PRAGMA journal_mode = WAL", -1,
	    &stmt, NULL) != SQLITE_OK)
		return store_fail(s, "journal_mode = WAL");
	if (sqlite3_step(stmt) == SQLITE_ROW)
		snprintf(mode, sizeof(mode), "%s",
		    (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	if (strcmp(mode, "wal") != 0) {
		xasprintf(&s->st_error, "%s: journal_mode = WAL: got '%s'",
		    s->st_path, mode);
		return -1;
	}
	/*
	 * FULL, not NORMAL: in WAL mode NORMAL syncs the log only at
	 * checkpoints, so a power loss can undo the last transactions that
	 * were already acknowledged.  An isolation acknowledged to CSIRT must
	 * survive that; FULL syncs the WAL at every commit.
	 */
	if (store_exec(s, "PRAGMA synchronous = FULL", "synchronous = FULL")
	    == -1)
		return -1;
	/* Cascades (keep lists) rely on this; a build without foreign keys
	 * accepts the pragma silently, so read it back. */
	if (store_exec(s, "PRAGMA foreign_keys = ON", "foreign_keys = ON") == -1
	    || store_query_int(s, "PRAGMA foreign_keys", &on) == -1)
		return -1;
	if (on != 1) {
		xasprintf(&s->st_error, "%s: this SQLite does not enforce "
		    "foreign keys", s->st_path);
		return -1;
	}
	/* A bulk isolation grows the WAL; shrink it again after checkpoints. */
	return store_exec(s, "PRAGMA journal_size_limit = 67108864",
	    "journal_size_limit");
}

struct store *
store_open(const char *statedir, char **cause)
{
	struct store	*s;
	int		 i, rc;

	s = xcalloc(1, sizeof(*s));
	xasprintf(&s->st_path, "%s/store.db", statedir);
	if (store_create_file(s) == -1)
		goto fail;
	rc = sqlite3_open_v2(s->st_path, &s->st_db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_EXRESCODE,
	    NULL);
	if (rc != SQLITE_OK) {
		if (s->st_db == NULL)
			fatalx("%s: sqlite3_open_v2: out of memory", __func__);
		store_fail(s, "open");
		goto fail;
	}
	if (store_configure(s) == -1 || store_migrate(s) == -1)
		goto fail;
	for (i = 0; i < STS__COUNT; i++)
		if (sqlite3_prepare_v3(s->st_db, store_sql[i], -1,
		    SQLITE_PREPARE_PERSISTENT, &s->st_stmt[i], NULL) !=
		    SQLITE_OK) {
			store_fail(s, "prepare \"%s\"", store_sql[i]);
			goto fail;
		}
	return s;
fail:
	if (cause != NULL)
		*cause = xstrdup(store_error(s));
	store_close(s);
	return NULL;
}

void
store_close(struct store *s)
{
	int	i;

	if (s == NULL)
		return;
	if (s->st_db != NULL && !sqlite3_get_autocommit(s->st_db)) {
		log_warnx("%s: closed inside a transaction, rolled back",
		    s->st_path);
		sqlite3_exec(s->st_db, "ROLLBACK", NULL, NULL, NULL);
	}
	for (i = 0; i < STS__COUNT; i++)
		sqlite3_finalize(s->st_stmt[i]);
	for (i = 0; i < (int)s->st_n_cached; i++)
		sqlite3_finalize(s->st_cached[i].sc_stmt);
	free(s->st_cached);
	if (s->st_db != NULL) {
		/* Keeps the query planner's statistics current (SQLite's
		 * advice for long-lived connections: run it at close). */
		if (s->st_version > 0)
			sqlite3_exec(s->st_db, "PRAGMA optimize", NULL, NULL,
			    NULL);
		if (sqlite3_close(s->st_db) != SQLITE_OK)
			log_warnx("%s: close: %s", s->st_path,
			    sqlite3_errmsg(s->st_db));
	}
	free(s->st_path);
	free(s->st_error);
	free(s);
}

int
store_schema_version(struct store *s)
{
	return s->st_version;
}

int
store_begin(struct store *s)
{
	if (!sqlite3_get_autocommit(s->st_db)) {
		free(s->st_error);
		xasprintf(&s->st_error, "%s: begin: a transaction is already "
		    "open", s->st_path);
		return -1;
	}
	s->st_doomed = false;
	return store_step_done(s, store_stmt(s, STS_BEGIN), "begin");
}

int
store_begin_read(struct store *s)
{
	s->st_doomed = false;
	return store_step_done(s, store_stmt(s, STS_BEGIN_READ), "begin");
}

void
store_bulk_begin(struct store *s)
{
	/* Only tunes: a failure costs time, never data. */
	if (store_exec(s, "PRAGMA wal_autocheckpoint = 0",
	    "wal_autocheckpoint for a bulk") == -1)
		log_debug("%s", s->st_error);
}

void
store_bulk_end(struct store *s)
{
	/* SQLite's default again. */
	if (store_exec(s, "PRAGMA wal_autocheckpoint = 1000",
	    "wal_autocheckpoint") == -1)
		log_debug("%s", s->st_error);
}

int
store_checkpoint(struct store *s)
{
	int rc;

	rc = sqlite3_wal_checkpoint_v2(s->st_db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    NULL, NULL);
	if (rc != SQLITE_OK && rc != SQLITE_BUSY)
		return store_fail(s, "checkpoint");
	return 0;
}

int
store_commit(struct store *s)
{
	char	*why;

	if (sqlite3_get_autocommit(s->st_db)) {
		free(s->st_error);
		xasprintf(&s->st_error, "%s: commit: no transaction is open",
		    s->st_path);
		return -1;
	}
	if (s->st_doomed) {
		why = s->st_error;
		xasprintf(&s->st_error, "%s: commit refused, an earlier write "
		    "in this transaction failed (%s); rolled back", s->st_path,
		    why != NULL ? why : "?");
		free(why);
		store_rollback(s);
		return -1;
	}
	if (store_step_done(s, store_stmt(s, STS_COMMIT), "commit") == -1) {
		/* A failed COMMIT may leave the transaction open; end it so
		 * that the caller's view (nothing written) is the truth. */
		store_rollback(s);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *s)
{
	s->st_doomed = false;
	if (sqlite3_get_autocommit(s->st_db))
		return;
	if (sqlite3_step(store_stmt(s, STS_ROLLBACK)) != SQLITE_DONE)
		log_warnx("%s: rollback: %s", s->st_path,
		    sqlite3_errmsg(s->st_db));
	store_stmt_done(store_stmt(s, STS_ROLLBACK));
}

/*
 * Every write operation is atomic.  Alone, it is its own IMMEDIATE
 * transaction, committed (so synced) at store_op_end().  Inside the
 * caller's store_begin() it joins that transaction, and a failure dooms
 * it: store_commit() then rolls everything back, so a half-done operation
 * (an isolation row without its keep list) never becomes durable.
 * Savepoints would let the rest go on, but cost 2 µs per operation, 40% of
 * a bulk isolation; the services validate targets before they write, so a
 * failure inside a bulk is an I/O error that ends the bulk anyway.
 */
static int
store_op_begin(struct store *s, bool *own)
{
	*own = sqlite3_get_autocommit(s->st_db) != 0;
	if (!*own)
		return 0;
	s->st_doomed = false;
	return store_step_done(s, store_stmt(s, STS_BEGIN), "begin");
}

static int
store_op_end(struct store *s, bool own, int ret)
{
	if (own) {
		if (ret == 0)
			return store_commit(s);
		store_rollback(s);
	} else if (ret != 0)
		s->st_doomed = true;
	return ret;
}

void
isolation_free_fields(struct isolation *is)
{
	size_t	i;

	if (is == NULL)
		return;
	free(is->is_target);
	free(is->is_kind);
	free(is->is_reason);
	free(is->is_ticket);
	free(is->is_actor);
	for (i = 0; i < is->is_n_keep; i++)
		free(is->is_keep[i]);
	free(is->is_keep);
	memset(is, 0, sizeof(*is));
}

void
isolations_free(struct isolation *v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		isolation_free_fields(&v[i]);
	free(v);
}

static int
store_keep_write(struct store *s, int64_t id, const struct isolation *is)
{
	sqlite3_stmt	*stmt = store_stmt(s, STS_KEEP_ADD);
	size_t		 i;

	for (i = 0; i < is->is_n_keep; i++) {
		sqlite3_bind_int64(stmt, 1, id);
		store_bind_text(stmt, 2, is->is_keep[i]);
		if (store_step_done(s, stmt,
		    "keep address '%s' for isolation %s",
		    is->is_keep[i] != NULL ? is->is_keep[i] : "(null)",
		    is->is_target) == -1)
			return -1;
	}
	return 0;
}

static void
store_bind_expiry(sqlite3_stmt *stmt, int col, int64_t expires_ms)
{
	if (expires_ms == 0)
		sqlite3_bind_null(stmt, col);
	else
		sqlite3_bind_int64(stmt, col, expires_ms);
}

/* ?2 to ?7 of STS_ISO_INSERT and STS_ISO_PUT_MANY. */
static void
store_bind_row(sqlite3_stmt *stmt, const char *kind, const struct isolation *is)
{
	store_bind_text(stmt, 2, kind);
	store_bind_text(stmt, 3, is->is_reason);
	store_bind_text(stmt, 4, is->is_ticket);
	store_bind_text(stmt, 5, is->is_actor);
	sqlite3_bind_int64(stmt, 6, is->is_created_ms);
	store_bind_expiry(stmt, 7, is->is_expires_ms);
}

int
store_isolation_put(struct store *s, const struct isolation *is,
    bool *existed)
{
	sqlite3_stmt	*stmt;
	const char	*target = is->is_target != NULL ? is->is_target :
			    "(null)";
	int64_t		 id = 0;
	bool		 own, found = false;
	int		 rc, ret = -1;

	*existed = false;
	if (store_op_begin(s, &own) == -1)
		return -1;
	/* Insert first, doing nothing on a known target: a bulk of new
	 * targets then costs one statement per row, not a lookup too. */
	stmt = store_stmt(s, STS_ISO_INSERT);
	store_bind_text(stmt, 1, is->is_target);
	store_bind_row(stmt, is->is_kind, is);
	if (store_step_done(s, stmt, "insert isolation %s", target) == -1)
		goto out;
	if (sqlite3_changes(s->st_db) == 1)
		id = sqlite3_last_insert_rowid(s->st_db);
	else {
		found = true;
		stmt = store_stmt(s, STS_ISO_FIND);
		store_bind_text(stmt, 1, is->is_target);
		rc = sqlite3_step(stmt);
		if (rc == SQLITE_ROW)
			id = sqlite3_column_int64(stmt, 0);
		else
			store_fail(s, "find isolation %s", target);
		store_stmt_done(stmt);
		if (rc != SQLITE_ROW)
			goto out;
		stmt = store_stmt(s, STS_ISO_UPDATE);
		sqlite3_bind_int64(stmt, 1, id);
		store_bind_text(stmt, 2, is->is_reason);
		store_bind_text(stmt, 3, is->is_ticket);
		store_bind_text(stmt, 4, is->is_actor);
		store_bind_expiry(stmt, 5, is->is_expires_ms);
		if (store_step_done(s, stmt, "update isolation %s", target) ==
		    -1)
			goto out;
		stmt = store_stmt(s, STS_KEEP_CLEAR);
		sqlite3_bind_int64(stmt, 1, id);
		if (store_step_done(s, stmt, "clear keep list of isolation %s",
		    target) == -1)
			goto out;
	}
	if (store_keep_write(s, id, is) == -1)
		goto out;
	ret = 0;
out:
	ret = store_op_end(s, own, ret);
	if (ret == 0)
		*existed = found;
	return ret;
}

int
store_isolation_del(struct store *s, const char *target, bool *found)
{
	sqlite3_stmt	*stmt = store_stmt(s, STS_ISO_DELETE);
	bool		 own;
	int		 ret;

	/* The keep rows go by cascade. */
	*found = false;
	if (store_op_begin(s, &own) == -1)
		return -1;
	store_bind_text(stmt, 1, target);
	ret = store_step_done(s, stmt, "delete isolation %s", target);
	if (ret == 0)
		*found = sqlite3_changes(s->st_db) > 0;
	ret = store_op_end(s, own, ret);
	if (ret == -1)
		*found = false;
	return ret;
}

/* Fill @is from a row of STORE_ISO_COLUMNS. */
static void
store_row_isolation(sqlite3_stmt *stmt, struct isolation *is)
{
	const char	*ticket;

	memset(is, 0, sizeof(*is));
	is->is_id = sqlite3_column_int64(stmt, 0);
	is->is_target = xstrdup((const char *)sqlite3_column_text(stmt, 1));
	is->is_kind = xstrdup((const char *)sqlite3_column_text(stmt, 2));
	is->is_reason = xstrdup((const char *)sqlite3_column_text(stmt, 3));
	ticket = (const char *)sqlite3_column_text(stmt, 4);
	is->is_ticket = ticket != NULL ? xstrdup(ticket) : NULL;
	is->is_actor = xstrdup((const char *)sqlite3_column_text(stmt, 5));
	is->is_created_ms = sqlite3_column_int64(stmt, 6);
	is->is_expires_ms = sqlite3_column_int64(stmt, 7);	/* NULL: 0 */
}

static void
isolation_keep_add(struct isolation *is, size_t *cap, const char *address)
{
	is->is_keep = xgrow(is->is_keep, cap, is->is_n_keep,
	    sizeof(*is->is_keep));
	is->is_keep[is->is_n_keep++] = xstrdup(address);
}

/* Rows of a prepared STORE_ISO_COLUMNS query, without keep lists. */
static int
store_read_isolations(struct store *s, sqlite3_stmt *stmt, const char *what,
    struct isolation **out, size_t *n)
{
	struct isolation	*v = NULL;
	size_t			 cap = 0, len = 0;
	int			 rc;

	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = xgrow(v, &cap, len, sizeof(*v));
		store_row_isolation(stmt, &v[len++]);
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, "%s", what);
		store_stmt_done(stmt);
		isolations_free(v, len);
		return -1;
	}
	store_stmt_done(stmt);
	*out = v;
	*n = len;
	return 0;
}

int
store_isolation_list(struct store *s, struct isolation **out, size_t *n)
{
	sqlite3_stmt	*stmt;
	struct isolation *v;
	size_t		 len, i = 0, cap = 0;
	int64_t		 id;
	bool		 own;
	int		 rc;

	*out = NULL;
	*n = 0;
	/* Both queries in one read transaction, so they see the same rows. */
	own = sqlite3_get_autocommit(s->st_db) != 0;
	if (own && store_step_done(s, store_stmt(s, STS_BEGIN_READ), "begin")
	    == -1)
		return -1;
	if (store_read_isolations(s, store_stmt(s, STS_ISO_LIST),
	    "list isolations", &v, &len) == -1)
		goto fail;
	/* Keep rows sorted by isolation id meet the isolations in order:
	 * one pass instead of a query per isolation. */
	stmt = store_stmt(s, STS_KEEP_LIST);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		id = sqlite3_column_int64(stmt, 0);
		while (i < len && v[i].is_id < id) {
			i++;
			cap = 0;
		}
		if (i < len && v[i].is_id == id)
			isolation_keep_add(&v[i], &cap,
			    (const char *)sqlite3_column_text(stmt, 1));
	}
	if (rc != SQLITE_DONE) {
		store_fail(s, "list keep addresses");
		store_stmt_done(stmt);
		isolations_free(v, len);
		goto fail;
	}
	store_stmt_done(stmt);
	if (own)
		store_rollback(s);	/* read only: nothing to keep */
	*out = v;
	*n = len;
	return 0;
fail:
	if (own)
		store_rollback(s);
	return -1;
}

static int
store_keep_read(struct store *s, struct isolation *is)
{
	sqlite3_stmt	*stmt = store_stmt(s, STS_KEEP_OF);
	size_t		 cap = 0;
	int		 rc;

	sqlite3_bind_int64(stmt, 1, is->is_id);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		isolation_keep_add(is, &cap,
		    (const char *)sqlite3_column_text(stmt, 0));
	store_stmt_done(stmt);
	if (rc != SQLITE_DONE)
		return store_fail(s, "keep addresses of isolation %s",
		    is->is_target);
	return 0;
}

int
store_isolation_expire(struct store *s, int64_t now_ms,
    struct isolation **out, size_t *n)
{
	struct isolation	*v = NULL;
	sqlite3_stmt		*stmt;
	size_t			 len = 0, i;
	bool			 own;
	int			 ret = -1;

	*out = NULL;
	*n = 0;
	if (store_op_begin(s, &own) == -1)
		return -1;
	stmt = store_stmt(s, STS_ISO_EXPIRING);
	sqlite3_bind_int64(stmt, 1, now_ms);
	if (store_read_isolations(s, stmt, "find expired isolations", &v,
	    &len) == -1)
		goto out;
	/* Read before the delete: the keep rows go with the cascade. */
	for (i = 0; i < len; i++)
		if (store_keep_read(s, &v[i]) == -1)
			goto out;
	stmt = store_stmt(s, STS_ISO_EXPIRE);
	sqlite3_bind_int64(stmt, 1, now_ms);
	if (store_step_done(s, stmt, "delete expired isolations") == -1)
		goto out;
	ret = 0;
out:
	ret = store_op_end(s, own, ret);
	if (ret == 0) {
		*out = v;
		*n = len;
	} else
		isolations_free(v, len);
	return ret;
}

/*
 * @v[0..n) as a JSON array of strings, for json_each().  Written here, not
 * with jansson: a bulk's 100 000 strings took jansson 40 ms to build and
 * dump, this 5 ms.  Escapes what RFC 8259 requires; bytes >= 0x80 pass
 * through (the callers' strings are canonical ASCII).
 */
static char *
store_json_strings(const char *const *v, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t	 len = 3, i, o = 0;
	const unsigned char *p;
	char	*out;

	for (i = 0; i < n; i++)
		len += 6 * strlen(v[i]) + 3;	/* worst case: all \u00XX */
	out = xmalloc(len);
	out[o++] = '[';
	for (i = 0; i < n; i++) {
		if (i > 0)
			out[o++] = ',';
		out[o++] = '"';
		for (p = (const unsigned char *)v[i]; *p != '\0'; p++) {
			if (*p == '"' || *p == '\\') {
				out[o++] = '\\';
				out[o++] = (char)*p;
			} else if (*p < 0x20) {
				memcpy(out + o, "\\u00", 4);
				o += 4;
				out[o++] = hex[*p >> 4];
				out[o++] = hex[*p & 15];
			} else
				out[o++] = (char)*p;
		}
		out[o++] = '"';
	}
	out[o++] = ']';
	out[o] = '\0';
	return out;
}

int
store_isolation_put_many(struct store *s, const struct isolation *common,
    const char *const *targets, const char *const *kinds, size_t n,
    const char *const *existing, size_t n_existing)
{
	static const char *const kind_names[] = { "ip", "prefix", "mac" };
	sqlite3_stmt	 *stmt;
	const char	**some;
	char		 *all, *list;
	size_t		  i, k, m;
	bool		  own;
	int		  ret = -1;

	if (store_op_begin(s, &own) == -1)
		return -1;
	/* Bound STATIC: store_step_done() clears the bindings. */
	all = store_json_strings(targets, n);
	some = xcalloc(n + 1, sizeof(*some));
	/* Kept hosts of the rows that are replaced: a bulk has none. */
	if (n_existing > 0) {
		list = store_json_strings(existing, n_existing);
		stmt = store_stmt(s, STS_KEEP_CLEAR_MANY);
		sqlite3_bind_text(stmt, 1, list, -1, free);
		if (store_step_done(s, stmt, "clear the keep lists of %zu "
		    "isolations", n_existing) == -1)
			goto out;
	}
	for (k = 0; k < sizeof(kind_names) / sizeof(kind_names[0]); k++) {
		for (i = m = 0; i < n; i++)
			if (kinds[i] != NULL && strcmp(kinds[i],
			    kind_names[k]) == 0)
				some[m++] = targets[i];
		if (m == 0)
			continue;
		stmt = store_stmt(s, STS_ISO_PUT_MANY);
		if (m == n)		/* one kind: the whole list */
			sqlite3_bind_text(stmt, 1, all, -1, SQLITE_STATIC);
		else
			sqlite3_bind_text(stmt, 1, store_json_strings(some, m),
			    -1, free);
		store_bind_row(stmt, kind_names[k], common);
		if (store_step_done(s, stmt, "insert %zu isolations", m) == -1)
			goto out;
	}
	stmt = store_stmt(s, STS_HISTORY_MANY);
	sqlite3_bind_text(stmt, 1, all, -1, SQLITE_STATIC);
	store_bind_text(stmt, 2, "isolate");
	store_bind_text(stmt, 3, common->is_actor);
	store_bind_text(stmt, 4, common->is_reason);
	store_bind_text(stmt, 5, common->is_ticket);
	sqlite3_bind_int64(stmt, 6, common->is_created_ms);
	ret = store_step_done(s, stmt, "history of %zu isolations", n);
out:
	free(some);
	free(all);
	return store_op_end(s, own, ret);
}

int
store_isolation_history(struct store *s, const char *action,
    const char *target, const char *actor, const char *reason,
    const char *ticket, int64_t at_ms)
{
	sqlite3_stmt	*stmt = store_stmt(s, STS_HISTORY_ADD);
	bool		 own;
	int		 ret;

	if (store_op_begin(s, &own) == -1)
		return -1;
	store_bind_text(stmt, 1, action);
	store_bind_text(stmt, 2, target);
	store_bind_text(stmt, 3, actor);
	store_bind_text(stmt, 4, reason);
	store_bind_text(stmt, 5, ticket);
	sqlite3_bind_int64(stmt, 6, at_ms);
	ret = store_step_done(s, stmt, "history %s %s",
	    action != NULL ? action : "(null)",
	    target != NULL ? target : "(null)");
	return store_op_end(s, own, ret);
}

int
store_meta_get(struct store *s, const char *key, char **value)
{
	sqlite3_stmt	*stmt = store_stmt(s, STS_META_GET);
	int		 rc;

	*value = NULL;
	store_bind_text(stmt, 1, key);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*value = xstrdup((const char *)sqlite3_column_text(stmt, 0));
	else if (rc != SQLITE_DONE)
		store_fail(s, "get meta %s", key);
	store_stmt_done(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int
store_meta_set(struct store *s, const char *key, const char *value)
{
	sqlite3_stmt	*stmt = store_stmt(s, STS_META_SET);
	bool		 own;
	int		 ret;

	if (store_op_begin(s, &own) == -1)
		return -1;
	store_bind_text(stmt, 1, key);
	store_bind_text(stmt, 2, value);
	ret = store_step_done(s, stmt, "set meta %s", key);
	return store_op_end(s, own, ret);
}

sqlite3_stmt *
store_prepare(struct store *s, const char *sql)
{
	size_t	i;

	/* Keyed by address: callers pass string literals. */
	for (i = 0; i < s->st_n_cached; i++)
		if (s->st_cached[i].sc_sql == sql)
			return s->st_cached[i].sc_stmt;
	s->st_cached = xreallocarray(s->st_cached, s->st_n_cached + 1,
	    sizeof(*s->st_cached));
	s->st_cached[s->st_n_cached].sc_sql = sql;
	if (sqlite3_prepare_v3(s->st_db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &s->st_cached[s->st_n_cached].sc_stmt, NULL) != SQLITE_OK) {
		store_fail(s, "prepare %.60s", sql);
		return NULL;
	}
	return s->st_cached[s->st_n_cached++].sc_stmt;
}
