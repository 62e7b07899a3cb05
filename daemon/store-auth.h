/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Users, password history, browser sessions and API tokens in store.db
 * (store-auth.c).  Secrets are never stored: passwords as scrypt hashes
 * with their salt and cost, session and API tokens as SHA-256.  Times are
 * unix seconds; 0 means "never" or "not set".
 */
#ifndef SANSO_STORE_AUTH_H
#define SANSO_STORE_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct store;

#define AUTH_SALT_LEN	16
#define AUTH_KEY_LEN	32
#define AUTH_DIGEST_LEN	32

/**
 * struct auth_hash - one scrypt password hash and how it was made
 * @ah_n, @ah_r, @ah_p: scrypt cost (kept per hash: raising the cost in the
 *   settings does not make old hashes unverifiable)
 */
struct auth_hash {
	uint64_t	ah_n;
	unsigned	ah_r;
	unsigned	ah_p;
	unsigned char	ah_salt[AUTH_SALT_LEN];
	unsigned char	ah_key[AUTH_KEY_LEN];
};

/**
 * struct auth_user - a local account
 * @au_must_change: the password is temporary (new account, admin reset)
 * @au_failed: failed logins since the last success or lockout
 * @au_locked_until: lockout end after too many failures (0: none)
 * @au_disabled: locked by an administrator until unlocked
 */
struct auth_user {
	int64_t		 au_id;
	char		*au_name;
	char		*au_role;
	struct auth_hash au_hash;
	bool		 au_must_change;
	unsigned	 au_failed;
	int64_t		 au_locked_until;
	bool		 au_disabled;
	int64_t		 au_created;
	int64_t		 au_changed;
	int64_t		 au_last_login;
};

/**
 * struct auth_session_row - a browser session
 * @se_csrf: the CSRF token the session's state-changing requests carry
 */
struct auth_session_row {
	int64_t		se_user_id;
	char		se_csrf[65];
	int64_t		se_created;
	int64_t		se_last_seen;
};

/**
 * struct auth_token_row - an API token
 * @tk_scope: the permissions it carries, space-separated
 */
struct auth_token_row {
	int64_t		 tk_id;
	int64_t		 tk_user_id;
	char		*tk_user;	/* list only */
	char		*tk_name;
	char		*tk_scope;
	int64_t		 tk_created;
	int64_t		 tk_expires;
	int64_t		 tk_last_used;
};

/* The schema of users, sessions and tokens: one migration, appended to
 * store.c's list. */
extern const char store_auth_schema[];

void	store_auth_user_free(struct auth_user *);
void	store_auth_users_free(struct auth_user *, size_t n);
void	store_auth_token_free(struct auth_token_row *);
void	store_auth_tokens_free(struct auth_token_row *, size_t n);

/* Every function returns 0, or -1 with the message in store_error(). */
int	store_auth_user_get(struct store *, const char *name,
	    struct auth_user *, bool *found);
int	store_auth_user_get_id(struct store *, int64_t id, struct auth_user *,
	    bool *found);
/* *exists: a user of that name is there already (nothing written). */
int	store_auth_user_add(struct store *, struct auth_user *, bool *exists);
int	store_auth_user_list(struct store *, struct auth_user **, size_t *n);
int	store_auth_user_delete(struct store *, int64_t id);
/* The new hash becomes current, the old one goes to the history, of which
 * the newest @keep remain. */
int	store_auth_user_set_password(struct store *, int64_t id,
	    const struct auth_hash *, bool must_change, int64_t now,
	    unsigned keep);
/* Earlier hashes, newest first. */
int	store_auth_user_history(struct store *, int64_t id,
	    struct auth_hash **, size_t *n);
int	store_auth_user_login_state(struct store *, int64_t id,
	    unsigned failed, int64_t locked_until, int64_t last_login);
int	store_auth_user_set_disabled(struct store *, int64_t id,
	    bool disabled);
int	store_auth_user_set_role(struct store *, int64_t id, const char *role);

int	store_auth_session_add(struct store *,
	    const unsigned char hash[AUTH_DIGEST_LEN], int64_t user_id,
	    const char *csrf, int64_t now, const char *remote);
int	store_auth_session_get(struct store *,
	    const unsigned char hash[AUTH_DIGEST_LEN],
	    struct auth_session_row *, bool *found);
int	store_auth_session_touch(struct store *,
	    const unsigned char hash[AUTH_DIGEST_LEN], int64_t now);
int	store_auth_session_delete(struct store *,
	    const unsigned char hash[AUTH_DIGEST_LEN]);
/* All sessions of a user but @keep (NULL: all). */
int	store_auth_session_delete_user(struct store *, int64_t user_id,
	    const unsigned char *keep);
/* Sessions idle since before @idle_before or created before @abs_before. */
int	store_auth_session_expire(struct store *, int64_t idle_before,
	    int64_t abs_before);

/* Sets tk->tk_id. */
int	store_auth_token_add(struct store *, struct auth_token_row *,
	    const unsigned char hash[AUTH_DIGEST_LEN]);
int	store_auth_token_get(struct store *,
	    const unsigned char hash[AUTH_DIGEST_LEN], struct auth_token_row *,
	    bool *found);
/* A user's tokens (@user_id < 0: everyone's), oldest first. */
int	store_auth_token_list(struct store *, int64_t user_id,
	    struct auth_token_row **, size_t *n);
/* Delete token @id when it belongs to @user_id (< 0: to anyone). */
int	store_auth_token_delete(struct store *, int64_t id, int64_t user_id,
	    bool *found);
int	store_auth_token_touch(struct store *, int64_t id, int64_t now);

#endif
