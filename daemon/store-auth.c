/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Users, password history, sessions and API tokens in store.db. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "store.h"
#include "store-auth.h"
#include "store-int.h"
#include "xmalloc.h"

/*
 * The migration store.c runs (appended to store_migrations[]).  Hashes are
 * kept with their own scrypt cost so that raising the cost later leaves old
 * passwords verifiable; sessions and tokens are SHA-256 of the secret, so a
 * copy of store.db lets nobody in (001 第21条 / 002 §61: credentials
 * protected).  Times are unix seconds.
 */
const char store_auth_schema[] =
	"CREATE TABLE users ("
	"  id            INTEGER PRIMARY KEY,"
	"  name          TEXT NOT NULL UNIQUE"
	"    CHECK (length(name) BETWEEN 1 AND 64),"
	"  role          TEXT NOT NULL CHECK (length(role) > 0),"
	"  kdf           TEXT NOT NULL CHECK (kdf = 'scrypt'),"
	"  kdf_n         INTEGER NOT NULL CHECK (kdf_n > 1),"
	"  kdf_r         INTEGER NOT NULL CHECK (kdf_r > 0),"
	"  kdf_p         INTEGER NOT NULL CHECK (kdf_p > 0),"
	"  salt          BLOB NOT NULL CHECK (length(salt) = 16),"
	"  hash          BLOB NOT NULL CHECK (length(hash) = 32),"
	"  must_change   INTEGER NOT NULL CHECK (must_change IN (0, 1)),"
	"  failed        INTEGER NOT NULL DEFAULT 0 CHECK (failed >= 0),"
	"  locked_until  INTEGER NOT NULL DEFAULT 0,"
	"  disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
	"  created_at    INTEGER NOT NULL,"
	"  changed_at    INTEGER NOT NULL,"
	"  last_login_at INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE TABLE password_history ("
	"  id         INTEGER PRIMARY KEY,"
	"  user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
	"  kdf_n      INTEGER NOT NULL,"
	"  kdf_r      INTEGER NOT NULL,"
	"  kdf_p      INTEGER NOT NULL,"
	"  salt       BLOB NOT NULL,"
	"  hash       BLOB NOT NULL,"
	"  changed_at INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX password_history_user ON password_history (user_id, id);"
	"CREATE TABLE sessions ("
	"  token_hash   BLOB PRIMARY KEY CHECK (length(token_hash) = 32),"
	"  user_id      INTEGER NOT NULL"
	"    REFERENCES users (id) ON DELETE CASCADE,"
	"  csrf         TEXT NOT NULL CHECK (length(csrf) = 64),"
	"  created_at   INTEGER NOT NULL,"
	"  last_seen_at INTEGER NOT NULL,"
	"  remote       TEXT"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX sessions_user ON sessions (user_id);"
	"CREATE TABLE api_tokens ("
	"  id           INTEGER PRIMARY KEY,"
	"  user_id      INTEGER NOT NULL"
	"    REFERENCES users (id) ON DELETE CASCADE,"
	"  name         TEXT NOT NULL CHECK (length(name) > 0),"
	"  token_hash   BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),"
	"  scope        TEXT NOT NULL CHECK (length(scope) > 0),"
	"  created_at   INTEGER NOT NULL,"
	"  expires_at   INTEGER NOT NULL,"
	"  last_used_at INTEGER NOT NULL DEFAULT 0"
	") STRICT;"
	"CREATE INDEX api_tokens_user ON api_tokens (user_id);";

#define USER_COLUMNS "id, name, role, kdf_n, kdf_r, kdf_p, salt, hash, " \
	"must_change, failed, locked_until, disabled, created_at, " \
	"changed_at, last_login_at"

static const char sql_user_by_name[] =
    "SELECT " USER_COLUMNS " FROM users WHERE name = ?1";
static const char sql_user_by_id[] =
    "SELECT " USER_COLUMNS " FROM users WHERE id = ?1";
static const char sql_user_list[] =
    "SELECT " USER_COLUMNS " FROM users ORDER BY name";
static const char sql_user_add[] =
    "INSERT INTO users (name, role, kdf, kdf_n, kdf_r, kdf_p, salt, hash, "
    "must_change, created_at, changed_at) "
    "VALUES (?1, ?2, 'scrypt', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9) "
    "ON CONFLICT (name) DO NOTHING";
static const char sql_user_delete[] = "DELETE FROM users WHERE id = ?1";
static const char sql_history_push[] =
    "INSERT INTO password_history (user_id, kdf_n, kdf_r, kdf_p, salt, hash, "
    "changed_at) SELECT id, kdf_n, kdf_r, kdf_p, salt, hash, changed_at "
    "FROM users WHERE id = ?1";
static const char sql_history_trim[] =
    "DELETE FROM password_history WHERE user_id = ?1 AND id NOT IN "
    "(SELECT id FROM password_history WHERE user_id = ?1 "
    "ORDER BY id DESC LIMIT ?2)";
static const char sql_history_list[] =
    "SELECT kdf_n, kdf_r, kdf_p, salt, hash FROM password_history "
    "WHERE user_id = ?1 ORDER BY id DESC";
static const char sql_user_password[] =
    "UPDATE users SET kdf_n = ?2, kdf_r = ?3, kdf_p = ?4, salt = ?5, "
    "hash = ?6, must_change = ?7, changed_at = ?8 WHERE id = ?1";
static const char sql_user_login_state[] =
    "UPDATE users SET failed = ?2, locked_until = ?3, last_login_at = ?4 "
    "WHERE id = ?1";
/* Unlocking also forgets the failures and any lockout. */
static const char sql_user_disabled[] =
    "UPDATE users SET disabled = ?2, failed = 0, locked_until = 0 "
    "WHERE id = ?1";
static const char sql_user_role[] = "UPDATE users SET role = ?2 WHERE id = ?1";

static const char sql_session_add[] =
    "INSERT INTO sessions (token_hash, user_id, csrf, created_at, "
    "last_seen_at, remote) VALUES (?1, ?2, ?3, ?4, ?4, ?5)";
static const char sql_session_get[] =
    "SELECT user_id, csrf, created_at, last_seen_at FROM sessions "
    "WHERE token_hash = ?1";
/* Once a second at most (the idle timeout's resolution). */
static const char sql_session_touch[] =
    "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1 "
    "AND last_seen_at < ?2";
static const char sql_session_delete[] =
    "DELETE FROM sessions WHERE token_hash = ?1";
static const char sql_session_delete_user[] =
    "DELETE FROM sessions WHERE user_id = ?1 AND "
    "(?2 IS NULL OR token_hash <> ?2)";
static const char sql_session_expire[] =
    "DELETE FROM sessions WHERE last_seen_at < ?1 OR created_at < ?2";

#define TOKEN_COLUMNS "t.id, t.user_id, u.name, t.name, t.scope, " \
	"t.created_at, t.expires_at, t.last_used_at"
static const char sql_token_add[] =
    "INSERT INTO api_tokens (user_id, name, token_hash, scope, created_at, "
    "expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
static const char sql_token_get[] =
    "SELECT " TOKEN_COLUMNS " FROM api_tokens t JOIN users u "
    "ON u.id = t.user_id WHERE t.token_hash = ?1";
static const char sql_token_list[] =
    "SELECT " TOKEN_COLUMNS " FROM api_tokens t JOIN users u "
    "ON u.id = t.user_id WHERE ?1 < 0 OR t.user_id = ?1 ORDER BY t.id";
static const char sql_token_delete[] =
    "DELETE FROM api_tokens WHERE id = ?1 AND (?2 < 0 OR user_id = ?2)";
/* At most once a minute: automation calls often, and a write per request
 * would cost a sync each. */
static const char sql_token_touch[] =
    "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1 "
    "AND last_used_at <= ?2 - 60";

void
store_auth_user_free(struct auth_user *u)
{
	free(u->au_name);
	free(u->au_role);
	memset(u, 0, sizeof(*u));
}

void
store_auth_users_free(struct auth_user *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		store_auth_user_free(&v[i]);
	free(v);
}

void
store_auth_token_free(struct auth_token_row *t)
{
	free(t->tk_user);
	free(t->tk_name);
	free(t->tk_scope);
	memset(t, 0, sizeof(*t));
}

void
store_auth_tokens_free(struct auth_token_row *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		store_auth_token_free(&v[i]);
	free(v);
}

static char *
store_auth_text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return xstrdup(t != NULL ? (const char *)t : "");
}

/* A blob column of exactly @len bytes into @out (zeros otherwise). */
static void
store_auth_blob(sqlite3_stmt *st, int col, unsigned char *out, size_t len)
{
	const void	*b = sqlite3_column_blob(st, col);

	memset(out, 0, len);
	if (b != NULL && (size_t)sqlite3_column_bytes(st, col) == len)
		memcpy(out, b, len);
}

static void
store_auth_hash_row(sqlite3_stmt *st, int col, struct auth_hash *h)
{
	h->ah_n = (uint64_t)sqlite3_column_int64(st, col);
	h->ah_r = (unsigned)sqlite3_column_int(st, col + 1);
	h->ah_p = (unsigned)sqlite3_column_int(st, col + 2);
	store_auth_blob(st, col + 3, h->ah_salt, sizeof(h->ah_salt));
	store_auth_blob(st, col + 4, h->ah_key, sizeof(h->ah_key));
}

static void
store_auth_user_row(sqlite3_stmt *st, struct auth_user *u)
{
	memset(u, 0, sizeof(*u));
	u->au_id = sqlite3_column_int64(st, 0);
	u->au_name = store_auth_text(st, 1);
	u->au_role = store_auth_text(st, 2);
	store_auth_hash_row(st, 3, &u->au_hash);
	u->au_must_change = sqlite3_column_int(st, 8) != 0;
	u->au_failed = (unsigned)sqlite3_column_int(st, 9);
	u->au_locked_until = sqlite3_column_int64(st, 10);
	u->au_disabled = sqlite3_column_int(st, 11) != 0;
	u->au_created = sqlite3_column_int64(st, 12);
	u->au_changed = sqlite3_column_int64(st, 13);
	u->au_last_login = sqlite3_column_int64(st, 14);
}

/* One row of a prepared, bound statement into @u; *found says whether. */
static int
store_auth_user_one(struct store *s, sqlite3_stmt *st, struct auth_user *u,
    bool *found, const char *what)
{
	int	rc;

	*found = false;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_auth_user_row(st, u);
		*found = true;
	} else if (rc != SQLITE_DONE) {
		store_stmt_done(st);
		return store_fail(s, "%s", what);
	}
	store_stmt_done(st);
	return 0;
}

int
store_auth_user_get(struct store *s, const char *name, struct auth_user *u,
    bool *found)
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_user_by_name)) == NULL)
		return -1;
	store_bind_text(st, 1, name);
	return store_auth_user_one(s, st, u, found, "read user");
}

int
store_auth_user_get_id(struct store *s, int64_t id, struct auth_user *u,
    bool *found)
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_user_by_id)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_auth_user_one(s, st, u, found, "read user");
}

int
store_auth_user_add(struct store *s, struct auth_user *u, bool *exists)
{
	sqlite3_stmt	*st;

	*exists = false;
	if ((st = store_prepare(s, sql_user_add)) == NULL)
		return -1;
	store_bind_text(st, 1, u->au_name);
	store_bind_text(st, 2, u->au_role);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)u->au_hash.ah_n);
	sqlite3_bind_int(st, 4, (int)u->au_hash.ah_r);
	sqlite3_bind_int(st, 5, (int)u->au_hash.ah_p);
	sqlite3_bind_blob(st, 6, u->au_hash.ah_salt, AUTH_SALT_LEN,
	    SQLITE_STATIC);
	sqlite3_bind_blob(st, 7, u->au_hash.ah_key, AUTH_KEY_LEN,
	    SQLITE_STATIC);
	sqlite3_bind_int(st, 8, u->au_must_change);
	sqlite3_bind_int64(st, 9, u->au_created);
	if (store_step_done(s, st, "add user %s", u->au_name) == -1)
		return -1;
	if (sqlite3_changes(s->st_db) == 0) {
		*exists = true;
		return 0;
	}
	u->au_id = sqlite3_last_insert_rowid(s->st_db);
	return 0;
}

int
store_auth_user_list(struct store *s, struct auth_user **out, size_t *n)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 rc;

	*out = NULL;
	*n = 0;
	if ((st = store_prepare(s, sql_user_list)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xgrow(*out, &cap, *n, sizeof(**out));
		store_auth_user_row(st, &(*out)[(*n)++]);
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_auth_users_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_fail(s, "list users");
	}
	return 0;
}

int
store_auth_user_delete(struct store *s, int64_t id)
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_user_delete)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	return store_step_done(s, st, "delete user %lld", (long long)id);
}

int
store_auth_user_set_password(struct store *s, int64_t id,
    const struct auth_hash *h, bool must_change, int64_t now, unsigned keep)
{
	sqlite3_stmt	*st;

	if (store_begin(s) == -1)
		return -1;
	if ((st = store_prepare(s, sql_history_push)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	if (store_step_done(s, st, "keep the old password hash") == -1)
		goto fail;
	if ((st = store_prepare(s, sql_history_trim)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, keep);
	if (store_step_done(s, st, "trim the password history") == -1)
		goto fail;
	if ((st = store_prepare(s, sql_user_password)) == NULL)
		goto fail;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)h->ah_n);
	sqlite3_bind_int(st, 3, (int)h->ah_r);
	sqlite3_bind_int(st, 4, (int)h->ah_p);
	sqlite3_bind_blob(st, 5, h->ah_salt, AUTH_SALT_LEN, SQLITE_STATIC);
	sqlite3_bind_blob(st, 6, h->ah_key, AUTH_KEY_LEN, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, must_change);
	sqlite3_bind_int64(st, 8, now);
	if (store_step_done(s, st, "set the password") == -1)
		goto fail;
	return store_commit(s);
fail:
	store_rollback(s);
	return -1;
}

int
store_auth_user_history(struct store *s, int64_t id, struct auth_hash **out,
    size_t *n)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 rc;

	*out = NULL;
	*n = 0;
	if ((st = store_prepare(s, sql_history_list)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xgrow(*out, &cap, *n, sizeof(**out));
		store_auth_hash_row(st, 0, &(*out)[(*n)++]);
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		free(*out);
		*out = NULL;
		*n = 0;
		return store_fail(s, "read the password history");
	}
	return 0;
}

int
store_auth_user_login_state(struct store *s, int64_t id, unsigned failed,
    int64_t locked_until, int64_t last_login)
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_user_login_state)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, failed);
	sqlite3_bind_int64(st, 3, locked_until);
	sqlite3_bind_int64(st, 4, last_login);
	return store_step_done(s, st, "record the login");
}

int
store_auth_user_set_disabled(struct store *s, int64_t id, bool disabled)
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_user_disabled)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, disabled);
	return store_step_done(s, st, "%s user", disabled ? "lock" : "unlock");
}

int
store_auth_user_set_role(struct store *s, int64_t id, const char *role)
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_user_role)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	store_bind_text(st, 2, role);
	return store_step_done(s, st, "set the role");
}

int
store_auth_session_add(struct store *s,
    const unsigned char hash[AUTH_DIGEST_LEN], int64_t user_id,
    const char *csrf, int64_t now, const char *remote)
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_session_add)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, AUTH_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, user_id);
	store_bind_text(st, 3, csrf);
	sqlite3_bind_int64(st, 4, now);
	store_bind_text(st, 5, remote);
	return store_step_done(s, st, "add session");
}

int
store_auth_session_get(struct store *s,
    const unsigned char hash[AUTH_DIGEST_LEN], struct auth_session_row *r,
    bool *found)
{
	sqlite3_stmt	*st;
	const char	*csrf;
	int		 rc;

	*found = false;
	memset(r, 0, sizeof(*r));
	if ((st = store_prepare(s, sql_session_get)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, AUTH_DIGEST_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->se_user_id = sqlite3_column_int64(st, 0);
		csrf = (const char *)sqlite3_column_text(st, 1);
		snprintf(r->se_csrf, sizeof(r->se_csrf), "%s",
		    csrf != NULL ? csrf : "");
		r->se_created = sqlite3_column_int64(st, 2);
		r->se_last_seen = sqlite3_column_int64(st, 3);
		*found = true;
	}
	store_stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "read session");
	return 0;
}

int
store_auth_session_touch(struct store *s,
    const unsigned char hash[AUTH_DIGEST_LEN], int64_t now)
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_session_touch)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, AUTH_DIGEST_LEN, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, now);
	return store_step_done(s, st, "touch session");
}

int
store_auth_session_delete(struct store *s,
    const unsigned char hash[AUTH_DIGEST_LEN])
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_session_delete)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, AUTH_DIGEST_LEN, SQLITE_STATIC);
	return store_step_done(s, st, "delete session");
}

int
store_auth_session_delete_user(struct store *s, int64_t user_id,
    const unsigned char *keep)
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_session_delete_user)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	if (keep != NULL)
		sqlite3_bind_blob(st, 2, keep, AUTH_DIGEST_LEN, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 2);
	return store_step_done(s, st, "end the user's sessions");
}

int
store_auth_session_expire(struct store *s, int64_t idle_before,
    int64_t abs_before)
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_session_expire)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, idle_before);
	sqlite3_bind_int64(st, 2, abs_before);
	return store_step_done(s, st, "expire sessions");
}

static void
store_auth_token_row(sqlite3_stmt *st, struct auth_token_row *t)
{
	memset(t, 0, sizeof(*t));
	t->tk_id = sqlite3_column_int64(st, 0);
	t->tk_user_id = sqlite3_column_int64(st, 1);
	t->tk_user = store_auth_text(st, 2);
	t->tk_name = store_auth_text(st, 3);
	t->tk_scope = store_auth_text(st, 4);
	t->tk_created = sqlite3_column_int64(st, 5);
	t->tk_expires = sqlite3_column_int64(st, 6);
	t->tk_last_used = sqlite3_column_int64(st, 7);
}

int
store_auth_token_add(struct store *s, struct auth_token_row *t,
    const unsigned char hash[AUTH_DIGEST_LEN])
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_token_add)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, t->tk_user_id);
	store_bind_text(st, 2, t->tk_name);
	sqlite3_bind_blob(st, 3, hash, AUTH_DIGEST_LEN, SQLITE_STATIC);
	store_bind_text(st, 4, t->tk_scope);
	sqlite3_bind_int64(st, 5, t->tk_created);
	sqlite3_bind_int64(st, 6, t->tk_expires);
	if (store_step_done(s, st, "add token") == -1)
		return -1;
	t->tk_id = sqlite3_last_insert_rowid(s->st_db);
	return 0;
}

int
store_auth_token_get(struct store *s,
    const unsigned char hash[AUTH_DIGEST_LEN], struct auth_token_row *t,
    bool *found)
{
	sqlite3_stmt	*st;
	int		 rc;

	*found = false;
	memset(t, 0, sizeof(*t));
	if ((st = store_prepare(s, sql_token_get)) == NULL)
		return -1;
	sqlite3_bind_blob(st, 1, hash, AUTH_DIGEST_LEN, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		store_auth_token_row(st, t);
		*found = true;
	}
	store_stmt_done(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(s, "read token");
	return 0;
}

int
store_auth_token_list(struct store *s, int64_t user_id,
    struct auth_token_row **out, size_t *n)
{
	sqlite3_stmt	*st;
	size_t		 cap = 0;
	int		 rc;

	*out = NULL;
	*n = 0;
	if ((st = store_prepare(s, sql_token_list)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, user_id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*out = xgrow(*out, &cap, *n, sizeof(**out));
		store_auth_token_row(st, &(*out)[(*n)++]);
	}
	store_stmt_done(st);
	if (rc != SQLITE_DONE) {
		store_auth_tokens_free(*out, *n);
		*out = NULL;
		*n = 0;
		return store_fail(s, "list tokens");
	}
	return 0;
}

int
store_auth_token_delete(struct store *s, int64_t id, int64_t user_id,
    bool *found)
{
	sqlite3_stmt	*st;

	*found = false;
	if ((st = store_prepare(s, sql_token_delete)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, user_id);
	if (store_step_done(s, st, "revoke token %lld", (long long)id) == -1)
		return -1;
	*found = sqlite3_changes(s->st_db) > 0;
	return 0;
}

int
store_auth_token_touch(struct store *s, int64_t id, int64_t now)
{
	sqlite3_stmt	*st;

	if ((st = store_prepare(s, sql_token_touch)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, now);
	return store_step_done(s, st, "touch token");
}
