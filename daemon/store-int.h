/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to daemon/store*.c: the open database and the helpers that every
 * store-<domain>.c (users, audit, approvals, ...) shares, so that SQLite
 * stays behind the store's own functions.
 */
#ifndef SANSO_STORE_INT_H
#define SANSO_STORE_INT_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

/* Statements prepared once at open (store.c's own). */
#define STS__COUNT_MAX	32

/**
 * struct store - an open store.db
 * @st_db: the connection (one per daemon; SQLite serialises writers)
 * @st_path: "STATEDIR/store.db", the start of every error message
 * @st_error: the last error, for store_error()
 * @st_version: schema version after the migrations
 * @st_doomed: a write failed inside the caller's transaction, so
 *   store_commit() must not make the rest of it durable
 * @st_stmt: prepared statements, indexed by enum store_stmt
 * @st_cached: statements of the other store-*.c files (store_prepare)
 */
struct store {
	sqlite3		*st_db;
	char		*st_path;
	char		*st_error;
	int		 st_version;
	bool		 st_doomed;
	sqlite3_stmt	*st_stmt[STS__COUNT_MAX];
	struct store_cached {
		const char	*sc_sql;
		sqlite3_stmt	*sc_stmt;
	}		*st_cached;
	size_t		 st_n_cached;
};

/* Record "path: what: sqlite message" for store_error(); always -1. */
int	 store_fail(struct store *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* Run SQL without results; 0 or -1. */
int	 store_exec(struct store *, const char *sql, const char *what);
/* A single-value query; 0 (value 0 when no row) or -1. */
int	 store_query_int(struct store *, const char *sql, int64_t *value);
/* Step a statement that returns no rows, then reset it; 0 or -1 with the
 * error recorded as "path: what: message". */
int	 store_step_done(struct store *, sqlite3_stmt *, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* Finish a row-returning statement after its last row or an error. */
void	 store_stmt_done(sqlite3_stmt *);
/* Bind text that outlives the step (NULL binds NULL). */
void	 store_bind_text(sqlite3_stmt *, int col, const char *text);
/* A statement prepared once per connection, keyed by the address of @sql
 * (a string literal) and finalized at close; NULL with store_error(). */
sqlite3_stmt	*store_prepare(struct store *, const char *sql);

#endif
