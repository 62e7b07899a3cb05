/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the store: real store.db files in a fresh directory. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <check.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../daemon/store.h"
#include "../../daemon/xmalloc.h"
#include "tmpdir.h"

static char	 dir[] = "/tmp/sanso-store.XXXXXX";
static char	 dbpath[sizeof(dir) + 16];
static struct store *st;

static void
setup(void)
{
	char	*cause = NULL;

	tmpdir_make(dir, sizeof(dir), "store");
	snprintf(dbpath, sizeof(dbpath), "%s/store.db", dir);
	st = store_open(dir, &cause);
	ck_assert_msg(st != NULL, "store_open: %s", cause);
}

static void
teardown(void)
{
	store_close(st);
	st = NULL;
	tmpdir_remove(dir);
}

static void
reopen(void)
{
	char	*cause = NULL;

	store_close(st);
	st = store_open(dir, &cause);
	ck_assert_msg(st != NULL, "store_open: %s", cause);
}

/* One integer from a second, independent connection to store.db: what
 * another reader (the sqlite3 tool, an auditor) would see. */
static long long
raw_int(const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	long long	 v = -1;

	ck_assert_int_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) ==
	    SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
	if (sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* The query plan's details, " | "-joined (caller frees). */
static char *
raw_plan(const char *sql)
{
	sqlite3		*db;
	sqlite3_stmt	*stmt;
	char		*buf = NULL, *q;
	size_t		 len = 0;
	FILE		*f = open_memstream(&buf, &len);

	xasprintf(&q, "EXPLAIN QUERY PLAN %s", sql);
	ck_assert_int_eq(sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY,
	    NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, q, -1, &stmt, NULL),
	    SQLITE_OK);
	while (sqlite3_step(stmt) == SQLITE_ROW)
		fprintf(f, "%s | ", (const char *)sqlite3_column_text(stmt, 3));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	free(q);
	fclose(f);
	return buf;
}

static void
raw_exec(const char *sql)
{
	sqlite3	*db;
	char	*err = NULL;

	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK,
	    "%s: %s", sql, err);
	sqlite3_close(db);
}

/* Put one isolation; keep is a NULL-terminated list. */
static bool
put(const char *target, const char *kind, const char *reason,
    const char *ticket, int64_t created, int64_t expires, ...)
{
	struct isolation	 is = { 0 };
	char			*keep[8];
	const char		*k;
	va_list			 ap;
	bool			 existed;
	int			 rc;

	is.is_target = (char *)(uintptr_t)target;
	is.is_kind = (char *)(uintptr_t)kind;
	is.is_reason = (char *)(uintptr_t)reason;
	is.is_ticket = (char *)(uintptr_t)ticket;
	is.is_actor = (char *)(uintptr_t)"csirt-tanaka";
	is.is_created_ms = created;
	is.is_expires_ms = expires;
	va_start(ap, expires);
	while ((k = va_arg(ap, const char *)) != NULL && is.is_n_keep < 8)
		keep[is.is_n_keep++] = (char *)(uintptr_t)k;
	va_end(ap);
	is.is_keep = keep;
	rc = store_isolation_put(st, &is, &existed);
	ck_assert_msg(rc == 0, "put %s: %s", target, store_error(st));
	return existed;
}

/* The isolation targets in list order, comma-joined. */
static char *
targets(struct isolation *v, size_t n)
{
	char	*buf = NULL;
	size_t	 len = 0, i;
	FILE	*f = open_memstream(&buf, &len);

	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", v[i].is_target);
	fclose(f);
	return buf;
}

static void
assert_list(const char *want)
{
	struct isolation	*v;
	size_t			 n;
	char			*got;

	ck_assert_msg(store_isolation_list(st, &v, &n) == 0, "%s",
	    store_error(st));
	got = targets(v, n);
	ck_assert_msg(strcmp(got, want) == 0, "isolations: got '%s', want '%s'",
	    got, want);
	free(got);
	isolations_free(v, n);
}

START_TEST(create_reopen_keeps_rows)
{
	struct isolation	*v;
	struct stat		 sb;
	size_t			 n;

	ck_assert(!put("10.20.0.100", "ip", "ransomware beacon", "INC-42",
	    1000, 0, "10.20.0.50", "10.30.0.9", NULL));
	ck_assert(!put("52:54:00:0a:00:05", "mac", "unknown device", NULL,
	    2000, 9000, NULL));
	/* 0600: the store will hold password hashes and session tokens. */
	ck_assert_int_eq(stat(dbpath, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	snprintf(dbpath + strlen(dbpath), 5, "-wal");
	ck_assert_int_eq(stat(dbpath, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 07777, 0600);
	dbpath[strlen(dbpath) - 4] = '\0';

	reopen();
	ck_assert_int_eq(store_isolation_list(st, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].is_target, "10.20.0.100");
	ck_assert_str_eq(v[0].is_kind, "ip");
	ck_assert_str_eq(v[0].is_reason, "ransomware beacon");
	ck_assert_str_eq(v[0].is_ticket, "INC-42");
	ck_assert_str_eq(v[0].is_actor, "csirt-tanaka");
	ck_assert_int_eq(v[0].is_created_ms, 1000);
	ck_assert_int_eq(v[0].is_expires_ms, 0);
	ck_assert_uint_eq(v[0].is_n_keep, 2);
	ck_assert_str_eq(v[0].is_keep[0], "10.20.0.50");
	ck_assert_str_eq(v[0].is_keep[1], "10.30.0.9");
	ck_assert_str_eq(v[1].is_target, "52:54:00:0a:00:05");
	ck_assert_ptr_null(v[1].is_ticket);
	ck_assert_int_eq(v[1].is_expires_ms, 9000);
	ck_assert_uint_eq(v[1].is_n_keep, 0);
	isolations_free(v, n);
}
END_TEST

START_TEST(schema_version_and_settings)
{
	int	 version = store_schema_version(st);
	char	*plan;

	ck_assert_int_ge(version, 1);
	ck_assert_int_eq(raw_int("PRAGMA user_version"), version);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM sqlite_schema WHERE "
	    "name IN ('meta', 'isolations', 'isolation_keep', "
	    "'isolation_history', 'isolations_expires')"), 5);
	/* WAL is a property of the file; a reader sees it too. */
	ck_assert_int_eq(raw_int("SELECT journal_mode = 'wal' FROM "
	    "pragma_journal_mode"), 1);
	/* The expiry sweep uses its index, not a scan of every row. */
	plan = raw_plan("SELECT id FROM isolations WHERE expires_ms <= 5");
	ck_assert_msg(strstr(plan, "INDEX isolations_expires") != NULL,
	    "plan: %s", plan);
	free(plan);
	reopen();
	ck_assert_int_eq(store_schema_version(st), version);
}
END_TEST

START_TEST(newer_schema_refused)
{
	char	*cause = NULL, want[128];
	int	 known = store_schema_version(st), newer = known + 6;

	store_close(st);
	st = NULL;
	snprintf(want, sizeof(want), "PRAGMA user_version = %d", newer);
	raw_exec(want);
	ck_assert_ptr_null(store_open(dir, &cause));
	snprintf(want, sizeof(want), "store.db has schema %d, this sansod "
	    "knows up to %d", newer, known);
	ck_assert_msg(strstr(cause, want) != NULL, "cause: %s", cause);
	ck_assert_msg(strstr(cause, dir) != NULL, "no path in: %s", cause);
	free(cause);
	ck_assert_int_eq(raw_int("PRAGMA user_version"), newer);
}
END_TEST

START_TEST(failed_migration_rolls_back)
{
	char	*cause = NULL;

	store_close(st);
	st = NULL;
	unlink(dbpath);
	/* A file at version 0 whose table clashes with migration 1. */
	raw_exec("CREATE TABLE isolations (x INTEGER)");
	ck_assert_ptr_null(store_open(dir, &cause));
	ck_assert_msg(strstr(cause, "store.db: migration 1: table isolations "
	    "already exists") != NULL, "cause: %s", cause);
	free(cause);
	/* Nothing of migration 1 is left behind. */
	ck_assert_int_eq(raw_int("PRAGMA user_version"), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM sqlite_schema WHERE "
	    "name = 'meta'"), 0);
}
END_TEST

START_TEST(put_updates_existing)
{
	struct isolation	*v;
	size_t			 n;
	int64_t			 id;

	ck_assert(!put("10.20.0.100", "ip", "beacon", NULL, 1000, 0,
	    "10.20.0.50", "10.20.0.51", NULL));
	ck_assert_int_eq(store_isolation_list(st, &v, &n), 0);
	id = v[0].is_id;
	isolations_free(v, n);

	ck_assert(put("10.20.0.100", "ip", "confirmed C2", "INC-7", 5000,
	    86400000, "10.30.0.9", NULL));
	ck_assert_int_eq(store_isolation_list(st, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(v[0].is_id, id);
	ck_assert_str_eq(v[0].is_reason, "confirmed C2");
	ck_assert_str_eq(v[0].is_ticket, "INC-7");
	ck_assert_int_eq(v[0].is_created_ms, 1000);	/* stays */
	ck_assert_int_eq(v[0].is_expires_ms, 86400000);
	ck_assert_uint_eq(v[0].is_n_keep, 1);		/* replaced */
	ck_assert_str_eq(v[0].is_keep[0], "10.30.0.9");
	isolations_free(v, n);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolation_keep"), 1);

	/* Back to no TTL and no keep list. */
	ck_assert(put("10.20.0.100", "ip", "again", NULL, 6000, 0, NULL));
	ck_assert_int_eq(store_isolation_list(st, &v, &n), 0);
	ck_assert_int_eq(v[0].is_expires_ms, 0);
	ck_assert_ptr_null(v[0].is_ticket);
	ck_assert_uint_eq(v[0].is_n_keep, 0);
	isolations_free(v, n);
}
END_TEST

START_TEST(del_found_and_not_found)
{
	bool	found = false;

	put("10.20.0.0/24", "prefix", "worm", NULL, 1, 0, "10.20.0.50", NULL);
	put("10.20.1.7", "ip", "worm", NULL, 2, 0, NULL);
	ck_assert_int_eq(store_isolation_del(st, "10.20.0.0/24", &found), 0);
	ck_assert(found);
	ck_assert_int_eq(store_isolation_del(st, "10.20.0.0/24", &found), 0);
	ck_assert(!found);
	ck_assert_int_eq(store_isolation_del(st, "192.0.2.1", &found), 0);
	ck_assert(!found);
	assert_list("10.20.1.7");
}
END_TEST

START_TEST(list_oldest_first)
{
	assert_list("");
	put("10.20.0.30", "ip", "r", NULL, 100, 0, NULL);
	put("10.20.0.10", "ip", "r", NULL, 200, 0, NULL);
	put("fd00:20::100", "ip", "r", NULL, 300, 0, NULL);
	put("10.20.0.20", "ip", "r", NULL, 400, 0, NULL);
	/* Updating the first does not move it. */
	ck_assert(put("10.20.0.30", "ip", "again", NULL, 500, 0, NULL));
	assert_list("10.20.0.30,10.20.0.10,fd00:20::100,10.20.0.20");
}
END_TEST

START_TEST(expire_returns_and_removes_expired)
{
	struct isolation	*v;
	size_t			 n;

	put("10.0.0.1", "ip", "r", NULL, 1, 1000, "10.20.0.50", NULL);
	put("10.0.0.2", "ip", "r", NULL, 2, 0, NULL);
	put("10.0.0.3", "ip", "r", "T-3", 3, 2000, NULL);
	put("10.0.0.4", "ip", "r", NULL, 4, 2001, NULL);
	put("10.0.0.5", "ip", "r", NULL, 5, 500, NULL);

	ck_assert_int_eq(store_isolation_expire(st, 2000, &v, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0].is_target, "10.0.0.1");
	ck_assert_uint_eq(v[0].is_n_keep, 1);		/* read before cascade */
	ck_assert_str_eq(v[0].is_keep[0], "10.20.0.50");
	ck_assert_str_eq(v[1].is_target, "10.0.0.3");
	ck_assert_str_eq(v[1].is_ticket, "T-3");
	ck_assert_int_eq(v[1].is_expires_ms, 2000);
	ck_assert_str_eq(v[2].is_target, "10.0.0.5");
	isolations_free(v, n);
	assert_list("10.0.0.2,10.0.0.4");
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolation_keep"), 0);

	ck_assert_int_eq(store_isolation_expire(st, 2000, &v, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(store_isolation_expire(st, 2001, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].is_target, "10.0.0.4");
	isolations_free(v, n);
	assert_list("10.0.0.2");
}
END_TEST

START_TEST(history_rows)
{
	ck_assert_int_eq(store_isolation_history(st, "isolate", "10.0.0.1",
	    "csirt-tanaka", "beacon", "INC-1", 1000), 0);
	ck_assert_int_eq(store_isolation_history(st, "release", "10.0.0.1",
	    "csirt-sato", "cleaned", NULL, 2000), 0);
	/* Expiry is the daemon's doing and needs no reason. */
	ck_assert_int_eq(store_isolation_history(st, "expire", "10.0.0.1",
	    "sansod", NULL, NULL, 3000), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolation_history"), 3);
	ck_assert_int_eq(raw_int("SELECT at_ms FROM isolation_history WHERE "
	    "action = 'release' AND actor = 'csirt-sato' AND "
	    "reason = 'cleaned' AND ticket IS NULL"), 2000);
	ck_assert_int_eq(raw_int("SELECT group_concat(action) = "
	    "'isolate,release,expire' FROM (SELECT action FROM "
	    "isolation_history ORDER BY id)"), 1);

	ck_assert_int_eq(store_isolation_history(st, "frobnicate", "10.0.0.1",
	    "x", "r", NULL, 1), -1);
	ck_assert_msg(strstr(store_error(st), "history frobnicate 10.0.0.1: "
	    "CHECK constraint failed") != NULL, "%s", store_error(st));
	ck_assert_int_eq(store_isolation_history(st, "release", "10.0.0.1",
	    "x", "", NULL, 1), -1);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolation_history"), 3);
}
END_TEST

/* A bulk: new rows of each kind, an existing row updated (its keep list
 * cleared, its creation time kept), one history row per target, and texts
 * that need escaping in the JSON list. */
START_TEST(put_many_inserts_updates_and_records)
{
	static const char *const targets[] = { "10.20.0.100", "10.9.0.0/24",
	    "52:54:00:0a:00:05", "fd00:20::7", "odd\"quote\\back\tslash" };
	static const char *const kinds[] = { "ip", "prefix", "mac", "ip",
	    "ip" };
	static const char *const existing[] = { "10.20.0.100" };
	struct isolation	 common = { 0 }, *v;
	size_t			 n, i;

	ck_assert(!put("10.20.0.100", "ip", "beacon", NULL, 1000, 0,
	    "10.20.0.50", NULL));
	common.is_reason = (char *)(uintptr_t)"IOC feed";
	common.is_ticket = (char *)(uintptr_t)"INC-8";
	common.is_actor = (char *)(uintptr_t)"csirt-sato";
	common.is_created_ms = 5000;
	common.is_expires_ms = 86400000;
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_msg(store_isolation_put_many(st, &common, targets, kinds, 5,
	    existing, 1) == 0, "%s", store_error(st));
	ck_assert_int_eq(store_commit(st), 0);

	ck_assert_int_eq(store_isolation_list(st, &v, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v[0].is_target, "10.20.0.100");	/* oldest */
	ck_assert_int_eq(v[0].is_created_ms, 1000);		/* stays */
	ck_assert_uint_eq(v[0].is_n_keep, 0);			/* cleared */
	for (i = 0; i < n; i++) {
		ck_assert_str_eq(v[i].is_reason, "IOC feed");
		ck_assert_str_eq(v[i].is_ticket, "INC-8");
		ck_assert_str_eq(v[i].is_actor, "csirt-sato");
		ck_assert_int_eq(v[i].is_expires_ms, 86400000);
	}
	isolations_free(v, n);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolations WHERE "
	    "target = '10.9.0.0/24' AND kind = 'prefix' AND "
	    "created_ms = 5000"), 1);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolations WHERE "
	    "target = '52:54:00:0a:00:05' AND kind = 'mac'"), 1);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolations WHERE "
	    "target = 'odd\"quote\\back' || char(9) || 'slash'"), 1);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolation_keep"), 0);
	/* The single put's history row is the test's own (put() writes
	 * none); the bulk wrote one per target. */
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolation_history "
	    "WHERE action = 'isolate' AND actor = 'csirt-sato' AND "
	    "reason = 'IOC feed' AND ticket = 'INC-8' AND at_ms = 5000"), 5);
}
END_TEST

/* A bad row (an empty target) fails the whole bulk: nothing is kept. */
START_TEST(put_many_all_or_nothing)
{
	static const char *const targets[] = { "10.20.0.1", "" };
	static const char *const kinds[] = { "ip", "ip" };
	struct isolation common = { 0 };

	common.is_reason = (char *)(uintptr_t)"IOC feed";
	common.is_actor = (char *)(uintptr_t)"csirt-sato";
	common.is_created_ms = 5000;
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_isolation_put_many(st, &common, targets, kinds,
	    2, NULL, 0), -1);
	ck_assert_msg(strstr(store_error(st), "insert 2 isolations") != NULL,
	    "%s", store_error(st));
	ck_assert_int_eq(store_commit(st), -1);		/* doomed */
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolations"), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolation_history"), 0);
	/* On its own it is its own transaction. */
	ck_assert_int_eq(store_isolation_put_many(st, &common, targets, kinds,
	    1, NULL, 0), 0);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolations"), 1);
}
END_TEST

START_TEST(meta_get_set)
{
	char	*v = (char *)1;

	ck_assert_int_eq(store_meta_get(st, "last_event_id", &v), 0);
	ck_assert_ptr_null(v);
	ck_assert_int_eq(store_meta_set(st, "last_event_id", "41"), 0);
	ck_assert_int_eq(store_meta_set(st, "last_event_id", "42"), 0);
	ck_assert_int_eq(store_meta_set(st, "gateway", "庁舎A"), 0);
	reopen();
	ck_assert_int_eq(store_meta_get(st, "last_event_id", &v), 0);
	ck_assert_str_eq(v, "42");
	free(v);
	ck_assert_int_eq(store_meta_get(st, "gateway", &v), 0);
	ck_assert_str_eq(v, "庁舎A");
	free(v);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM meta"), 2);
}
END_TEST

START_TEST(bulk_in_one_transaction)
{
	struct isolation	*v;
	char			 target[32];
	size_t			 n;
	int			 i;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_begin(st), -1);		/* no nesting */
	for (i = 0; i < 10000; i++) {
		snprintf(target, sizeof(target), "10.%d.%d.%d", 100 + i / 65536,
		    (i / 256) % 256, i % 256);
		put(target, "ip", "worm outbreak", "INC-9", 1000 + i, 0, NULL);
		ck_assert_int_eq(store_isolation_history(st, "isolate", target,
		    "csirt-tanaka", "worm outbreak", "INC-9", 1000 + i), 0);
	}
	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(store_commit(st), -1);		/* none open */

	ck_assert_int_eq(store_isolation_list(st, &v, &n), 0);
	ck_assert_uint_eq(n, 10000);
	ck_assert_str_eq(v[0].is_target, "10.100.0.0");
	ck_assert_str_eq(v[9999].is_target, "10.100.39.15");
	isolations_free(v, n);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolation_history"),
	    10000);
}
END_TEST

START_TEST(bulk_rollback_and_bad_row)
{
	struct isolation	 bad = { 0 };
	bool			 existed;

	ck_assert_int_eq(store_begin(st), 0);
	put("10.0.0.1", "ip", "r", NULL, 1, 0, NULL);
	put("10.0.0.2", "ip", "r", NULL, 2, 0, NULL);
	store_rollback(st);
	assert_list("");

	/* A refused write inside a bulk dooms the whole bulk: nothing of it,
	 * not even the half-written row, becomes durable. */
	put("10.0.0.3", "ip", "r", NULL, 3, 0, NULL);	/* committed alone */
	ck_assert_int_eq(store_begin(st), 0);
	put("10.0.0.1", "ip", "r", NULL, 1, 0, NULL);
	bad.is_target = (char *)(uintptr_t)"10.0.0.9";
	bad.is_kind = (char *)(uintptr_t)"ip";
	bad.is_reason = (char *)(uintptr_t)"r";
	bad.is_actor = (char *)(uintptr_t)"x";
	bad.is_keep = (char *[]){ (char *)(uintptr_t)"" };
	bad.is_n_keep = 1;		/* empty keep address: refused */
	ck_assert_int_eq(store_isolation_put(st, &bad, &existed), -1);
	ck_assert_msg(strstr(store_error(st), "keep address '' for isolation "
	    "10.0.0.9: CHECK constraint failed") != NULL, "%s",
	    store_error(st));
	put("10.0.0.2", "ip", "r", NULL, 2, 0, NULL);
	ck_assert_int_eq(store_commit(st), -1);
	ck_assert_msg(strstr(store_error(st), "commit refused, an earlier "
	    "write in this transaction failed") != NULL &&
	    strstr(store_error(st), "keep address '' for isolation 10.0.0.9")
	    != NULL, "%s", store_error(st));
	assert_list("10.0.0.3");
	/* The store is usable again afterwards. */
	ck_assert_int_eq(store_begin(st), 0);
	put("10.0.0.4", "ip", "r", NULL, 4, 0, NULL);
	ck_assert_int_eq(store_commit(st), 0);
	assert_list("10.0.0.3,10.0.0.4");
}
END_TEST

START_TEST(keep_rows_cascade)
{
	bool	found;

	put("10.0.0.1", "ip", "r", NULL, 1, 0, "10.20.0.50", "10.20.0.51",
	    "10.20.0.50", NULL);			/* duplicate ignored */
	put("10.0.0.2", "ip", "r", NULL, 2, 0, "10.20.0.50", NULL);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolation_keep"), 3);
	ck_assert_int_eq(store_isolation_del(st, "10.0.0.1", &found), 0);
	ck_assert(found);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolation_keep"), 1);
	ck_assert_int_eq(raw_int("SELECT count(*) FROM isolation_keep k JOIN "
	    "isolations i ON i.id = k.isolation_id WHERE "
	    "i.target = '10.0.0.2'"), 1);
}
END_TEST

START_TEST(empty_reason_refused)
{
	struct isolation	 is = { 0 };
	bool			 existed;

	is.is_target = (char *)(uintptr_t)"10.0.0.1";
	is.is_kind = (char *)(uintptr_t)"ip";
	is.is_reason = (char *)(uintptr_t)"";
	is.is_actor = (char *)(uintptr_t)"csirt-tanaka";
	ck_assert_int_eq(store_isolation_put(st, &is, &existed), -1);
	ck_assert_msg(strstr(store_error(st), "store.db: insert isolation "
	    "10.0.0.1: CHECK constraint failed: length(reason) > 0") != NULL,
	    "%s", store_error(st));
	is.is_reason = NULL;
	ck_assert_int_eq(store_isolation_put(st, &is, &existed), -1);
	ck_assert_msg(strstr(store_error(st), "NOT NULL constraint failed: "
	    "isolations.reason") != NULL, "%s", store_error(st));
	is.is_reason = (char *)(uintptr_t)"r";
	is.is_kind = (char *)(uintptr_t)"host";
	ck_assert_int_eq(store_isolation_put(st, &is, &existed), -1);
	ck_assert_msg(strstr(store_error(st), "CHECK constraint failed: kind")
	    != NULL, "%s", store_error(st));
	assert_list("");
	/* The failures left no transaction open behind them. */
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(store_commit(st), 0);
}
END_TEST

START_TEST(unclean_close_keeps_committed)
{
	struct isolation	*v;
	size_t			 n;
	pid_t			 pid;
	int			 status;

	store_close(st);
	st = NULL;
	pid = fork();
	ck_assert_int_ne(pid, -1);
	if (pid == 0) {
		char *cause = NULL;

		st = store_open(dir, &cause);
		if (st == NULL)
			_exit(2);
		put("10.0.0.1", "ip", "committed", NULL, 1, 0, "10.9.9.9",
		    NULL);
		put("10.0.0.2", "ip", "committed", NULL, 2, 0, NULL);
		if (store_begin(st) == -1)
			_exit(3);
		put("10.0.0.3", "ip", "never committed", NULL, 3, 0, NULL);
		/* Gone without store_close(): no checkpoint, the WAL stays. */
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	reopen();
	ck_assert_int_eq(store_isolation_list(st, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].is_target, "10.0.0.1");
	ck_assert_uint_eq(v[0].is_n_keep, 1);
	ck_assert_str_eq(v[1].is_target, "10.0.0.2");
	isolations_free(v, n);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("sqlite");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, create_reopen_keeps_rows);
	tcase_add_test(tc, schema_version_and_settings);
	tcase_add_test(tc, newer_schema_refused);
	tcase_add_test(tc, failed_migration_rolls_back);
	tcase_add_test(tc, put_updates_existing);
	tcase_add_test(tc, del_found_and_not_found);
	tcase_add_test(tc, list_oldest_first);
	tcase_add_test(tc, expire_returns_and_removes_expired);
	tcase_add_test(tc, history_rows);
	tcase_add_test(tc, put_many_inserts_updates_and_records);
	tcase_add_test(tc, put_many_all_or_nothing);
	tcase_add_test(tc, meta_get_set);
	tcase_add_test(tc, bulk_in_one_transaction);
	tcase_add_test(tc, bulk_rollback_and_bad_row);
	tcase_add_test(tc, keep_rows_cascade);
	tcase_add_test(tc, empty_reason_refused);
	tcase_add_test(tc, unclean_close_keeps_committed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
