/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who is asking and what may they do: local users with scrypt passwords,
 * lockout, temporary passwords, browser sessions with CSRF tokens, API
 * tokens with a permission scope, and unix-socket peers mapped to a role by
 * their group.  Pure logic over the store (no event loop, no HTTP), so unit
 * tests drive it with their own clock; api.c turns the results into
 * statuses.  Roles and every number come from settings_current()->se_auth.
 */
#ifndef SANSO_AUTH_H
#define SANSO_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "settings-auth.h"
#include "store-auth.h"

struct store;

/* Pseudo-permissions of routes (never granted by a role): anyone may call
 * a "public" route (login); any authenticated caller an "authenticated"
 * one (logout, own session, own password). */
#define AUTH_PUBLIC		"public"
#define AUTH_AUTHENTICATED	"authenticated"

#define AUTH_COOKIE		"sanso_session"
#define AUTH_TOKEN_PREFIX	"sanso_"
#define AUTH_NAME_MAX		64
/* Secrets: 256 random bits as 64 hex digits (+ prefix for API tokens). */
#define AUTH_SECRET_HEX		64
#define AUTH_TEMP_PASSWORD_LEN	20

enum auth_via {
	AUTH_VIA_NONE,
	AUTH_VIA_UNIX,
	AUTH_VIA_SESSION,
	AUTH_VIA_TOKEN,
};

/**
 * struct auth_principal - an authenticated caller
 * @ap_user: the name recorded as actor (account or unix user name)
 * @ap_role: the role name; its permissions are looked up at each check
 * @ap_user_id: the account (0 for unix peers)
 * @ap_must_change: the password is temporary: nothing but changing it
 * @ap_session: SHA-256 of the session token (session callers)
 * @ap_csrf: the session's CSRF token
 * @ap_scope: a token's permissions, space-separated (token callers)
 * @ap_expires: when the session or token ends (unix seconds; 0: never)
 */
struct auth_principal {
	enum auth_via	 ap_via;
	char		 ap_user[AUTH_NAME_MAX + 1];
	char		 ap_role[AUTH_NAME_MAX + 1];
	int64_t		 ap_user_id;
	bool		 ap_must_change;
	unsigned char	 ap_session[AUTH_DIGEST_LEN];
	char		 ap_csrf[AUTH_SECRET_HEX + 1];
	int64_t		 ap_token_id;
	char		 ap_scope[512];
	int64_t		 ap_expires;
};

enum auth_status {
	AUTH_OK,
	AUTH_NO_CREDENTIALS,	/* 401: nothing presented */
	AUTH_BAD_CREDENTIALS,	/* 401: wrong name/password, unknown token */
	AUTH_EXPIRED,		/* 401: session idle/absolute, token expiry */
	AUTH_LOCKED,		/* 403: too many failures, or by an admin */
	AUTH_INVALID,		/* 400: a field is wrong (ae_field) */
	AUTH_EXISTS,		/* 409 */
	AUTH_NOT_FOUND,		/* 404 */
	AUTH_REFUSED,		/* 403: not allowed (own account, last admin) */
	AUTH_STORE,		/* 500 */
};

/**
 * struct auth_error - why an auth_* call failed
 * @ae_code: the API's stable error code ("invalid_credentials")
 */
struct auth_error {
	enum auth_status ae_status;
	const char	*ae_code;
	char		 ae_field[32];
	char		 ae_message[256];
};

/* The store the service functions use (sansod.c; tests). */
void	 auth_init(struct store *);
/* Seconds since the epoch; tests swap the clock. */
int64_t	 auth_now(void);
void	 auth_set_clock(int64_t (*)(void));

/* --- pure logic -------------------------------------------------------- */

/* Account and token names: a letter, then letters, digits, '.', '_', '-'. */
bool	 auth_name_valid(const char *);
/* The password rules of @a (not the history); false with the rule broken
 * in @why. */
bool	 auth_password_ok(const struct settings_auth *a, const char *pw,
	    char *why, size_t len);
/* A fresh salt and scrypt(@pw) with the given cost: 0, or -1 (OpenSSL). */
int	 auth_hash_password(const char *pw, uint64_t n, unsigned r,
	    unsigned p, struct auth_hash *);
/* Whether @pw matches @h (constant-time compare). */
bool	 auth_verify_password(const char *pw, const struct auth_hash *h);
/* 256 random bits as hex into @out (AUTH_SECRET_HEX + 1 bytes). */
void	 auth_random_hex(char *out);
/* SHA-256 of a secret, the only form in which it is stored. */
void	 auth_digest(const char *secret, unsigned char out[AUTH_DIGEST_LEN]);
/* A random password that meets the default rules (20 characters). */
void	 auth_temporary_password(char *out, size_t len);

/* Lockout: whether the account is locked at @now, and the state after one
 * more failure (returns true when this failure locks it). */
bool	 auth_is_locked(const struct auth_user *, int64_t now);
bool	 auth_lockout_failure(const struct settings_auth *, unsigned *failed,
	    int64_t *locked_until, int64_t now);

enum auth_session_state {
	AUTH_SESSION_LIVE,
	AUTH_SESSION_IDLE,	/* unused for longer than session_idle */
	AUTH_SESSION_ABSOLUTE,	/* older than session_absolute */
};
enum auth_session_state auth_session_state(const struct settings_auth *,
	    int64_t created, int64_t last_seen, int64_t now);
/* When a live session ends if unused from @now on. */
int64_t	 auth_session_end(const struct settings_auth *, int64_t created,
	    int64_t now);

/* Whether every permission of @scope (n names) is one @role grants;
 * *bad names the first that is not (or is unknown). */
bool	 auth_scope_subset(const struct settings_role *role,
	    char *const *scope, size_t n, const char **bad);
/* Whether @p may use a route needing @perm (role, token scope). */
bool	 auth_allows(const struct auth_principal *p, const char *perm);

/* --- callers ----------------------------------------------------------- */

/* A unix-socket peer: the first auth.unix_groups entry it belongs to
 * ("root" also matches uid 0) gives the role.  False when none does. */
bool	 auth_unix(uid_t uid, const gid_t *groups, size_t ngroups,
	    struct auth_principal *);
/* A browser session cookie or an "Authorization: Bearer" token (either
 * may be NULL; the token wins when both are there). */
bool	 auth_authenticate(const char *cookie, const char *authorization,
	    struct auth_principal *, struct auth_error *);
/* Check name and password, count failures, lock; on success a new
 * session: its token (for the cookie) into @token, and @p filled. */
bool	 auth_login(const char *name, const char *password, const char *remote,
	    char token[AUTH_SECRET_HEX + 1], struct auth_principal *p,
	    struct auth_error *);
bool	 auth_logout(const struct auth_principal *, struct auth_error *);
/* Change one's own password (rules and history); ends the account's
 * other sessions. */
bool	 auth_password_change(const struct auth_principal *,
	    const char *current, const char *next, struct auth_error *);

/* --- administration (users.admin) --------------------------------------- */

/* A new account with a temporary password (into @temp). */
bool	 auth_user_add(const char *actor, const char *name, const char *role,
	    char temp[AUTH_TEMP_PASSWORD_LEN + 1], struct auth_error *);
/* A new temporary password; the account's sessions end. */
bool	 auth_user_reset(const char *actor, const char *name,
	    char temp[AUTH_TEMP_PASSWORD_LEN + 1], struct auth_error *);
/* Lock (until unlocked) or unlock (also clears a lockout). */
bool	 auth_user_lock(const struct auth_principal *by, const char *name,
	    bool lock, struct auth_error *);
bool	 auth_user_delete(const struct auth_principal *by, const char *name,
	    struct auth_error *);
/* Give an account another role (not one's own; not the last admin's). */
bool	 auth_user_set_role(const struct auth_principal *by, const char *name,
	    const char *role, struct auth_error *);
bool	 auth_user_list(struct auth_user **, size_t *n, struct auth_error *);
/* sansod --init-admin: the first account with users.admin; refused when
 * one exists already.  Returns 0, or -1 with *cause set. */
int	 auth_init_admin(struct store *, const char *name,
	    char temp[AUTH_TEMP_PASSWORD_LEN + 1], char **cause);

/* --- API tokens --------------------------------------------------------- */

/* A token of @by's account, or of account @for_user (users.admin), with
 * @scope (a subset of the account's permissions, and of @by's token's) for
 * @lifetime seconds (0: the default); the secret into @secret, once. */
bool	 auth_token_create(const struct auth_principal *by,
	    const char *for_user, const char *name,
	    char *const *scope, size_t n, long lifetime,
	    char secret[sizeof(AUTH_TOKEN_PREFIX) + AUTH_SECRET_HEX],
	    struct auth_token_row *out, struct auth_error *);
/* @by's tokens, or everyone's when @all (users.admin). */
bool	 auth_token_list(const struct auth_principal *by, bool all,
	    struct auth_token_row **, size_t *n, struct auth_error *);
bool	 auth_token_revoke(const struct auth_principal *by, int64_t id,
	    bool any, struct auth_error *);

#endif
