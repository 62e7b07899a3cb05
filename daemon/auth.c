/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Users, passwords, lockout, sessions, API tokens and roles: the checks
 * behind api_dispatch_call(), over the store, with a replaceable clock. */
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <jansson.h>

#include "auth.h"
#include "events.h"
#include "log.h"
#include "settings.h"
#include "store.h"
#include "xmalloc.h"

static struct store	*auth_store;
static int64_t		(*auth_clock)(void);

void
auth_init(struct store *s)
{
	auth_store = s;
}

int64_t
auth_now(void)
{
	return auth_clock != NULL ? auth_clock() : (int64_t)time(NULL);
}

void
auth_set_clock(int64_t (*fn)(void))
{
	auth_clock = fn;
}

static const struct settings_auth *
auth_settings(void)
{
	return &settings_current()->se_auth;
}

static bool
auth_fail(struct auth_error *e, enum auth_status st, const char *code,
    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static bool
auth_fail(struct auth_error *e, enum auth_status st, const char *code,
    const char *field, const char *fmt, ...)
{
	va_list	ap;

	e->ae_status = st;
	e->ae_code = code;
	snprintf(e->ae_field, sizeof(e->ae_field), "%s", field ? field : "");
	va_start(ap, fmt);
	vsnprintf(e->ae_message, sizeof(e->ae_message), fmt, ap);
	va_end(ap);
	return false;
}

static bool
auth_store_fail(struct auth_error *e)
{
	log_warnx("auth: %s", store_error(auth_store));
	return auth_fail(e, AUTH_STORE, "store_error", NULL, "%s",
	    store_error(auth_store));
}

/* Audit trail: every login, lockout and account change is an event. */
static void
auth_event(const char *type, enum event_severity sev, const char *actor,
    const char *user, const char *detail)
{
	events_emit(type, sev, json_pack("{s:s?, s:s?, s:s?}", "actor", actor,
	    "user", user, "detail", detail));
}

/* --- pure logic -------------------------------------------------------- */

bool
auth_name_valid(const char *s)
{
	size_t	i;

	if (s == NULL ||
	    !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
		return false;
	for (i = 1; s[i] != '\0'; i++) {
		if (i >= AUTH_NAME_MAX)
			return false;
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' ||
		    s[i] == '_' || s[i] == '-'))
			return false;
	}
	return true;
}

bool
auth_password_ok(const struct settings_auth *a, const char *pw, char *why,
    size_t len)
{
	const unsigned char	*q;
	size_t			 chars = 0;
	bool			 upper = false, lower = false, other = false;

	for (q = (const unsigned char *)pw; *q != '\0'; q++) {
		if (*q < 0x20 || *q == 0x7f) {
			snprintf(why, len, "a password may not contain control "
			    "characters");
			return false;
		}
		/* Characters, not bytes: a kana counts once. */
		if ((*q & 0xc0) != 0x80)
			chars++;
		if (*q >= 'A' && *q <= 'Z')
			upper = true;
		else if (*q >= 'a' && *q <= 'z')
			lower = true;
		else
			other = true;
	}
	if (q - (const unsigned char *)pw > 1024) {
		snprintf(why, len, "a password is at most 1024 bytes");
		return false;
	}
	if (chars < a->sa_password_min) {
		snprintf(why, len, "a password needs at least %u characters "
		    "(this one has %zu)", a->sa_password_min, chars);
		return false;
	}
	if (a->sa_password_upper && !upper) {
		snprintf(why, len, "a password needs an upper-case letter");
		return false;
	}
	if (a->sa_password_lower && !lower) {
		snprintf(why, len, "a password needs a lower-case letter");
		return false;
	}
	if (a->sa_password_digit_symbol && !other) {
		snprintf(why, len, "a password needs a digit or a symbol");
		return false;
	}
	return true;
}

static int
auth_scrypt(const char *pw, const struct auth_hash *h,
    unsigned char out[AUTH_KEY_LEN])
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*ctx = NULL;
	OSSL_PARAM	 params[7], *p = params;
	uint64_t	 n = h->ah_n, maxmem;
	uint32_t	 r = h->ah_r, par = h->ah_p;
	int		 ret = -1;

	if ((kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_SCRYPT, NULL)) == NULL)
		goto out;
	if ((ctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	/* scrypt needs 128 * r * N bytes (and a little for p): allow it. */
	maxmem = 2 * 128 * (uint64_t)r * (n + par) + (1u << 20);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)(uintptr_t)pw, strlen(pw));
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)(uintptr_t)h->ah_salt, AUTH_SALT_LEN);
	*p++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	*p++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r);
	*p++ = OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &par);
	*p++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM,
	    &maxmem);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, AUTH_KEY_LEN, params) == 1)
		ret = 0;
out:
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	if (ret == -1)
		log_warnx("scrypt (N=%llu r=%u p=%u) failed",
		    (unsigned long long)h->ah_n, h->ah_r, h->ah_p);
	return ret;
}

int
auth_hash_password(const char *pw, uint64_t n, unsigned r, unsigned p,
    struct auth_hash *h)
{
	memset(h, 0, sizeof(*h));
	h->ah_n = n;
	h->ah_r = r;
	h->ah_p = p;
	if (RAND_bytes(h->ah_salt, AUTH_SALT_LEN) != 1)
		fatalx("RAND_bytes failed");
	return auth_scrypt(pw, h, h->ah_key);
}

bool
auth_verify_password(const char *pw, const struct auth_hash *h)
{
	unsigned char	key[AUTH_KEY_LEN];
	bool		ok;

	if (auth_scrypt(pw, h, key) == -1)
		return false;
	ok = CRYPTO_memcmp(key, h->ah_key, AUTH_KEY_LEN) == 0;
	OPENSSL_cleanse(key, sizeof(key));
	return ok;
}

void
auth_random_hex(char *out)
{
	unsigned char	b[AUTH_SECRET_HEX / 2];
	size_t		i;

	if (RAND_bytes(b, sizeof(b)) != 1)
		fatalx("RAND_bytes failed");
	for (i = 0; i < sizeof(b); i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	OPENSSL_cleanse(b, sizeof(b));
}

void
auth_digest(const char *secret, unsigned char out[AUTH_DIGEST_LEN])
{
	unsigned int	len = AUTH_DIGEST_LEN;

	if (EVP_Digest(secret, strlen(secret), out, &len, EVP_sha256(),
	    NULL) != 1)
		fatalx("SHA-256 failed");
}

void
auth_temporary_password(char *out, size_t len)
{
	/* No 0/O, 1/l/I: it is read off a screen and typed once. */
	static const char	 set[] = "ABCDEFGHJKLMNPQRSTUVWXYZ"
				    "abcdefghijkmnopqrstuvwxyz23456789";
	unsigned char		 b;
	size_t			 i, n = len - 1;
	bool			 up, lo, dg;

	do {
		up = lo = dg = false;
		for (i = 0; i < n; i++) {
			/* Reject bytes past the largest multiple: no bias. */
			do {
				if (RAND_bytes(&b, 1) != 1)
					fatalx("RAND_bytes failed");
			} while (b >= 256 - 256 % (sizeof(set) - 1));
			out[i] = set[b % (sizeof(set) - 1)];
			up |= out[i] >= 'A' && out[i] <= 'Z';
			lo |= out[i] >= 'a' && out[i] <= 'z';
			dg |= out[i] >= '0' && out[i] <= '9';
		}
		out[n] = '\0';
	} while (!up || !lo || !dg);
}

bool
auth_is_locked(const struct auth_user *u, int64_t now)
{
	return u->au_disabled || u->au_locked_until > now;
}

bool
auth_lockout_failure(const struct settings_auth *a, unsigned *failed,
    int64_t *locked_until, int64_t now)
{
	/* A lockout that has run out starts the count afresh. */
	if (*locked_until != 0 && *locked_until <= now) {
		*locked_until = 0;
		*failed = 0;
	}
	if (++*failed < a->sa_lockout_attempts)
		return false;
	*failed = 0;
	*locked_until = now + a->sa_lockout_seconds;
	return true;
}

enum auth_session_state
auth_session_state(const struct settings_auth *a, int64_t created,
    int64_t last_seen, int64_t now)
{
	if (now - created >= a->sa_session_absolute)
		return AUTH_SESSION_ABSOLUTE;
	if (now - last_seen >= a->sa_session_idle)
		return AUTH_SESSION_IDLE;
	return AUTH_SESSION_LIVE;
}

int64_t
auth_session_end(const struct settings_auth *a, int64_t created, int64_t now)
{
	int64_t	idle = now + a->sa_session_idle;
	int64_t	abs = created + a->sa_session_absolute;

	return idle < abs ? idle : abs;
}

bool
auth_scope_subset(const struct settings_role *role, char *const *scope,
    size_t n, const char **bad)
{
	size_t	i;

	*bad = NULL;
	for (i = 0; i < n; i++) {
		if (!settings_auth_permission_known(scope[i]) ||
		    !settings_auth_role_grants(role, scope[i])) {
			*bad = scope[i];
			return false;
		}
	}
	return true;
}

/* Whether @perm is one word of the space-separated @scope. */
static bool
auth_scope_has(const char *scope, const char *perm)
{
	size_t		 n = strlen(perm);
	const char	*q = scope;

	while ((q = strstr(q, perm)) != NULL) {
		if ((q == scope || q[-1] == ' ') && (q[n] == ' ' ||
		    q[n] == '\0'))
			return true;
		q += n;
	}
	return false;
}

bool
auth_allows(const struct auth_principal *p, const char *perm)
{
	const struct settings_role *role;

	if (strcmp(perm, AUTH_PUBLIC) == 0)
		return true;
	if (p == NULL || p->ap_via == AUTH_VIA_NONE)
		return false;
	if (strcmp(perm, AUTH_AUTHENTICATED) == 0)
		return true;
	/* Looked up now: a role changed in the settings applies at once. */
	role = settings_auth_role(auth_settings(), p->ap_role);
	if (!settings_auth_role_grants(role, perm))
		return false;
	if (p->ap_via == AUTH_VIA_TOKEN && !auth_scope_has(p->ap_scope, perm))
		return false;
	return true;
}

/* --- callers ----------------------------------------------------------- */

static void
auth_principal_user(struct auth_principal *p, enum auth_via via,
    const struct auth_user *u)
{
	memset(p, 0, sizeof(*p));
	p->ap_via = via;
	snprintf(p->ap_user, sizeof(p->ap_user), "%s", u->au_name);
	snprintf(p->ap_role, sizeof(p->ap_role), "%s", u->au_role);
	p->ap_user_id = u->au_id;
	p->ap_must_change = u->au_must_change;
}

bool
auth_unix(uid_t uid, const gid_t *groups, size_t ngroups,
    struct auth_principal *p)
{
	const struct settings_auth	*a = auth_settings();
	const struct settings_unix_group *g = NULL;
	struct passwd			 pw, *pwr = NULL;
	struct group			 gr, *grr = NULL;
	char				 buf[4096];
	size_t				 i, j;
	bool				 match;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < a->sa_n_unix_groups; i++) {
		g = &a->sa_unix_groups[i];
		match = uid == 0 && strcmp(g->sg_group, "root") == 0;
		if (!match && getgrnam_r(g->sg_group, &gr, buf, sizeof(buf),
		    &grr) == 0 && grr != NULL)
			for (j = 0; j < ngroups && !match; j++)
				match = groups[j] == gr.gr_gid;
		if (match)
			break;
	}
	if (i == a->sa_n_unix_groups || g == NULL)
		return false;
	p->ap_via = AUTH_VIA_UNIX;
	snprintf(p->ap_role, sizeof(p->ap_role), "%s", g->sg_role);
	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &pwr) == 0 && pwr != NULL)
		snprintf(p->ap_user, sizeof(p->ap_user), "%s", pw.pw_name);
	else
		snprintf(p->ap_user, sizeof(p->ap_user), "uid %lu",
		    (unsigned long)uid);
	return true;
}

/* The value of cookie @name in a Cookie header, into @out. */
static bool
auth_cookie_value(const char *hdr, const char *name, char *out, size_t len)
{
	size_t		 n = strlen(name), v;
	const char	*q = hdr;

	while (*q != '\0') {
		while (*q == ' ' || *q == ';')
			q++;
		if (strncmp(q, name, n) == 0 && q[n] == '=') {
			q += n + 1;
			v = strcspn(q, "; ");
			if (v == 0 || v >= len)
				return false;
			memcpy(out, q, v);
			out[v] = '\0';
			return true;
		}
		q += strcspn(q, ";");
	}
	return false;
}

static bool
auth_session(const char *cookie, struct auth_principal *p,
    struct auth_error *e)
{
	const struct settings_auth	*a = auth_settings();
	struct auth_session_row		 row;
	struct auth_user		 u;
	enum auth_session_state		 st;
	unsigned char			 hash[AUTH_DIGEST_LEN];
	char				 tok[AUTH_SECRET_HEX + 1];
	int64_t				 now = auth_now();
	bool				 found;

	if (!auth_cookie_value(cookie, AUTH_COOKIE, tok, sizeof(tok)))
		return auth_fail(e, AUTH_NO_CREDENTIALS, "unauthenticated",
		    NULL, "log in first");
	auth_digest(tok, hash);
	OPENSSL_cleanse(tok, sizeof(tok));
	if (store_auth_session_get(auth_store, hash, &row, &found) == -1)
		return auth_store_fail(e);
	if (!found)
		return auth_fail(e, AUTH_EXPIRED, "session_expired", NULL,
		    "the session has ended or is unknown: log in again");
	st = auth_session_state(a, row.se_created, row.se_last_seen, now);
	if (st != AUTH_SESSION_LIVE) {
		if (store_auth_session_delete(auth_store, hash) == -1)
			return auth_store_fail(e);
		return auth_fail(e, AUTH_EXPIRED, "session_expired", NULL,
		    "the session has ended (%s): log in again",
		    st == AUTH_SESSION_IDLE ? "unused for too long" :
		    "too old");
	}
	if (store_auth_user_get_id(auth_store, row.se_user_id, &u,
	    &found) == -1)
		return auth_store_fail(e);
	if (!found)
		return auth_fail(e, AUTH_EXPIRED, "session_expired", NULL,
		    "the session's account is gone");
	if (auth_is_locked(&u, now)) {
		store_auth_user_free(&u);
		store_auth_session_delete(auth_store, hash);
		return auth_fail(e, AUTH_LOCKED, "account_locked", NULL,
		    "the account is locked");
	}
	auth_principal_user(p, AUTH_VIA_SESSION, &u);
	store_auth_user_free(&u);
	memcpy(p->ap_session, hash, sizeof(hash));
	snprintf(p->ap_csrf, sizeof(p->ap_csrf), "%s", row.se_csrf);
	p->ap_expires = auth_session_end(a, row.se_created, now);
	if (store_auth_session_touch(auth_store, hash, now) == -1)
		return auth_store_fail(e);
	return true;
}

static bool
auth_token(const char *tok, struct auth_principal *p, struct auth_error *e)
{
	struct auth_token_row	 t;
	struct auth_user	 u;
	unsigned char		 hash[AUTH_DIGEST_LEN];
	int64_t			 now = auth_now(), last_used;
	bool			 found;
	int			 rc;

	auth_digest(tok, hash);
	/* Token and account in one snapshot: one lock, not one a query
	 * (automation polls; this is every request's cost). */
	if (store_begin_read(auth_store) == -1)
		return auth_store_fail(e);
	if (store_auth_token_get(auth_store, hash, &t, &found) == -1) {
		store_rollback(auth_store);
		return auth_store_fail(e);
	}
	if (!found) {
		store_rollback(auth_store);
		return auth_fail(e, AUTH_BAD_CREDENTIALS, "invalid_token", NULL,
		    "unknown or revoked API token");
	}
	if (t.tk_expires <= now) {
		store_rollback(auth_store);
		store_auth_token_free(&t);
		return auth_fail(e, AUTH_EXPIRED, "token_expired", NULL,
		    "the API token has expired");
	}
	rc = store_auth_user_get_id(auth_store, t.tk_user_id, &u, &found);
	store_rollback(auth_store);	/* reads only: ends the snapshot */
	if (rc == -1) {
		store_auth_token_free(&t);
		return auth_store_fail(e);
	}
	if (!found || auth_is_locked(&u, now)) {
		if (found)
			store_auth_user_free(&u);
		store_auth_token_free(&t);
		return auth_fail(e, AUTH_LOCKED, "account_locked", NULL,
		    "the token's account is locked");
	}
	auth_principal_user(p, AUTH_VIA_TOKEN, &u);
	/* A token is not the password: a temporary password set after the
	 * token was made does not stop the automation using it. */
	p->ap_must_change = false;
	p->ap_token_id = t.tk_id;
	snprintf(p->ap_scope, sizeof(p->ap_scope), "%s", t.tk_scope);
	p->ap_expires = t.tk_expires;
	last_used = t.tk_last_used;
	store_auth_user_free(&u);
	store_auth_token_free(&t);
	/* Last use is kept to the minute: no write (and no sync) for the
	 * other requests of that minute. */
	if (last_used <= now - 60 &&
	    store_auth_token_touch(auth_store, p->ap_token_id, now) == -1)
		return auth_store_fail(e);
	return true;
}

bool
auth_authenticate(const char *cookie, const char *authorization,
    struct auth_principal *p, struct auth_error *e)
{
	const char	*q;

	memset(p, 0, sizeof(*p));
	if (authorization != NULL) {
		if (strncasecmp(authorization, "Bearer ", 7) != 0)
			return auth_fail(e, AUTH_BAD_CREDENTIALS,
			    "invalid_token", NULL, "Authorization: expected "
			    "\"Bearer " AUTH_TOKEN_PREFIX "...\"");
		for (q = authorization + 7; *q == ' '; q++)
			;
		return auth_token(q, p, e);
	}
	if (cookie != NULL)
		return auth_session(cookie, p, e);
	return auth_fail(e, AUTH_NO_CREDENTIALS, "unauthenticated", NULL,
	    "log in first (or send Authorization: Bearer TOKEN)");
}

/* Spend as long on an unknown name as on a known one. */
static void
auth_dummy_verify(const char *password)
{
	struct auth_hash	h;
	const struct settings_auth *a = auth_settings();

	memset(&h, 0, sizeof(h));
	h.ah_n = a->sa_scrypt_n;
	h.ah_r = a->sa_scrypt_r;
	h.ah_p = a->sa_scrypt_p;
	(void)auth_verify_password(password, &h);
}

static void
auth_when(int64_t t, char *buf, size_t len)
{
	time_t		tt = (time_t)t;
	struct tm	tm;

	localtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S %z", &tm);
}

bool
auth_login(const char *name, const char *password, const char *remote,
    char token[AUTH_SECRET_HEX + 1], struct auth_principal *p,
    struct auth_error *e)
{
	const struct settings_auth	*a = auth_settings();
	struct auth_user		 u;
	unsigned char			 hash[AUTH_DIGEST_LEN];
	char				 csrf[AUTH_SECRET_HEX + 1], when[64];
	int64_t				 now = auth_now();
	bool				 found, locked;

	memset(p, 0, sizeof(*p));
	found = false;
	if (auth_name_valid(name) &&
	    store_auth_user_get(auth_store, name, &u, &found) == -1)
		return auth_store_fail(e);
	if (!found) {
		auth_dummy_verify(password);
		auth_event("auth.login_failed", EV_NOTICE, NULL, NULL, remote);
		return auth_fail(e, AUTH_BAD_CREDENTIALS, "invalid_credentials",
		    NULL, "wrong user name or password");
	}
	if (u.au_disabled) {
		store_auth_user_free(&u);
		return auth_fail(e, AUTH_LOCKED, "account_locked", NULL,
		    "the account %s is locked by an administrator", name);
	}
	if (u.au_locked_until > now) {
		auth_when(u.au_locked_until, when, sizeof(when));
		store_auth_user_free(&u);
		return auth_fail(e, AUTH_LOCKED, "account_locked", NULL,
		    "the account %s is locked after too many failed logins, "
		    "until %s", name, when);
	}
	if (!auth_verify_password(password, &u.au_hash)) {
		locked = auth_lockout_failure(a, &u.au_failed,
		    &u.au_locked_until, now);
		if (store_auth_user_login_state(auth_store, u.au_id,
		    u.au_failed, u.au_locked_until, u.au_last_login) == -1) {
			store_auth_user_free(&u);
			return auth_store_fail(e);
		}
		auth_event(locked ? "auth.locked" : "auth.login_failed",
		    locked ? EV_WARNING : EV_NOTICE, NULL, name, remote);
		if (locked)
			log_warnx("auth: %s locked for %lds after %u failed "
			    "logins (last from %s)", name,
			    a->sa_lockout_seconds, a->sa_lockout_attempts,
			    remote ? remote : "?");
		store_auth_user_free(&u);
		return auth_fail(e, AUTH_BAD_CREDENTIALS, "invalid_credentials",
		    NULL, "wrong user name or password");
	}
	if (store_auth_user_login_state(auth_store, u.au_id, 0, 0, now) == -1) {
		store_auth_user_free(&u);
		return auth_store_fail(e);
	}
	auth_random_hex(token);
	auth_random_hex(csrf);
	auth_digest(token, hash);
	if (store_auth_session_expire(auth_store, now - a->sa_session_idle,
	    now - a->sa_session_absolute) == -1 ||
	    store_auth_session_add(auth_store, hash, u.au_id, csrf, now,
	    remote) == -1) {
		store_auth_user_free(&u);
		return auth_store_fail(e);
	}
	auth_principal_user(p, AUTH_VIA_SESSION, &u);
	memcpy(p->ap_session, hash, sizeof(hash));
	snprintf(p->ap_csrf, sizeof(p->ap_csrf), "%s", csrf);
	p->ap_expires = auth_session_end(a, now, now);
	auth_event("auth.login", EV_INFO, name, name, remote);
	store_auth_user_free(&u);
	return true;
}

bool
auth_logout(const struct auth_principal *p, struct auth_error *e)
{
	if (p->ap_via != AUTH_VIA_SESSION)
		return auth_fail(e, AUTH_INVALID, "not_a_session", NULL,
		    "only a browser session can log out (revoke a token with "
		    "POST /api/v1/tokens/revoke)");
	if (store_auth_session_delete(auth_store, p->ap_session) == -1)
		return auth_store_fail(e);
	auth_event("auth.logout", EV_INFO, p->ap_user, p->ap_user, NULL);
	return true;
}

/* The rules, and none of the current and last N-1 hashes. */
static bool
auth_new_password_ok(const struct auth_user *u, const char *next,
    struct auth_error *e)
{
	const struct settings_auth	*a = auth_settings();
	struct auth_hash		*hist;
	size_t				 n, i;
	char				 why[160];
	bool				 reused = false;

	if (!auth_password_ok(a, next, why, sizeof(why)))
		return auth_fail(e, AUTH_INVALID, "weak_password", "new",
		    "new: %s", why);
	if (a->sa_password_history == 0)
		return true;
	if (auth_verify_password(next, &u->au_hash))
		reused = true;
	if (!reused) {
		if (store_auth_user_history(auth_store, u->au_id, &hist,
		    &n) == -1)
			return auth_store_fail(e);
		for (i = 0; i + 1 < a->sa_password_history && i < n && !reused;
		    i++)
			reused = auth_verify_password(next, &hist[i]);
		free(hist);
	}
	if (reused)
		return auth_fail(e, AUTH_INVALID, "password_reused", "new",
		    "new: may not be one of your last %u passwords",
		    a->sa_password_history);
	return true;
}

/*
 * @pw becomes @u's password (@temporary: to be changed at the next login),
 * hashed with the configured scrypt cost; every session of @u ends but
 * @keep_session (the hash of the caller's own, or NULL).
 */
static bool
auth_set_password(const struct auth_user *u, const char *pw, bool temporary,
    const unsigned char *keep_session, struct auth_error *e)
{
	const struct settings_auth	*a = auth_settings();
	struct auth_hash		 h;

	if (auth_hash_password(pw, a->sa_scrypt_n, a->sa_scrypt_r,
	    a->sa_scrypt_p, &h) == -1)
		return auth_fail(e, AUTH_STORE, "internal", NULL,
		    "cannot hash");
	/* The history holds password_history - 1 old hashes: with the
	 * current one that makes the last N. */
	if (store_auth_user_set_password(auth_store, u->au_id, &h, temporary,
	    auth_now(), a->sa_password_history > 0 ?
	    a->sa_password_history - 1 : 0) == -1 ||
	    store_auth_session_delete_user(auth_store, u->au_id,
	    keep_session) == -1)
		return auth_store_fail(e);
	return true;
}

bool
auth_password_change(const struct auth_principal *p, const char *current,
    const char *next, struct auth_error *e)
{
	struct auth_user		 u;
	bool				 found, ok = false;

	if (p->ap_via != AUTH_VIA_SESSION)
		return auth_fail(e, AUTH_INVALID, "not_a_session", NULL,
		    "change your password in a session you logged in to "
		    "(administrators: sansoctl user passwd NAME)");
	if (store_auth_user_get_id(auth_store, p->ap_user_id, &u,
	    &found) == -1)
		return auth_store_fail(e);
	if (!found)
		return auth_fail(e, AUTH_NOT_FOUND, "not_found", NULL,
		    "the account is gone");
	if (!auth_verify_password(current, &u.au_hash)) {
		auth_fail(e, AUTH_INVALID, "invalid_credentials", "current",
		    "current: wrong password");
		goto out;
	}
	if (!auth_new_password_ok(&u, next, e) ||
	    !auth_set_password(&u, next, false, p->ap_session, e))
		goto out;
	auth_event("auth.password_changed", EV_NOTICE, p->ap_user, p->ap_user,
	    NULL);
	ok = true;
out:
	store_auth_user_free(&u);
	return ok;
}

/* --- administration ----------------------------------------------------- */

/* Whether account @u has users.admin by its role. */
static bool
auth_user_is_admin(const struct auth_user *u)
{
	return settings_auth_role_grants(settings_auth_role(auth_settings(),
	    u->au_role), "users.admin");
}

/* Enabled accounts with users.admin other than @except. */
static int
auth_admins_left(int64_t except, size_t *n, struct auth_error *e)
{
	struct auth_user	*v;
	size_t			 nv, i;

	*n = 0;
	if (store_auth_user_list(auth_store, &v, &nv) == -1) {
		auth_store_fail(e);
		return -1;
	}
	for (i = 0; i < nv; i++)
		if (v[i].au_id != except && !v[i].au_disabled &&
		    auth_user_is_admin(&v[i]))
			(*n)++;
	store_auth_users_free(v, nv);
	return 0;
}

static bool
auth_user_find(const char *name, struct auth_user *u, struct auth_error *e)
{
	bool	found;

	if (name == NULL || !auth_name_valid(name))
		return auth_fail(e, AUTH_INVALID, "invalid_field", "name",
		    "name: a letter, then up to %d letters, digits, '.', '_' "
		    "or '-'", AUTH_NAME_MAX - 1);
	if (store_auth_user_get(auth_store, name, u, &found) == -1)
		return auth_store_fail(e);
	if (!found)
		return auth_fail(e, AUTH_NOT_FOUND, "not_found", "name",
		    "name: no user %s", name);
	return true;
}

/* Shared by add and --init-admin: a temporary password into @temp. */
static bool
auth_user_create(struct store *s, const char *name, const char *role,
    char temp[AUTH_TEMP_PASSWORD_LEN + 1], struct auth_error *e)
{
	const struct settings_auth	*a = auth_settings();
	struct auth_user		 u;
	bool				 exists;

	if (!auth_name_valid(name))
		return auth_fail(e, AUTH_INVALID, "invalid_field", "name",
		    "name: a letter, then up to %d letters, digits, '.', '_' "
		    "or '-'", AUTH_NAME_MAX - 1);
	if (role == NULL || settings_auth_role(a, role) == NULL)
		return auth_fail(e, AUTH_INVALID, "invalid_field", "role",
		    "role: '%s' is not a role of auth.roles", role ? role : "");
	memset(&u, 0, sizeof(u));
	auth_temporary_password(temp, AUTH_TEMP_PASSWORD_LEN + 1);
	if (auth_hash_password(temp, a->sa_scrypt_n, a->sa_scrypt_r,
	    a->sa_scrypt_p, &u.au_hash) == -1)
		return auth_fail(e, AUTH_STORE, "internal", NULL,
		    "cannot hash the password");
	u.au_name = (char *)(uintptr_t)name;
	u.au_role = (char *)(uintptr_t)role;
	u.au_must_change = true;
	u.au_created = auth_now();
	if (store_auth_user_add(s, &u, &exists) == -1)
		return auth_fail(e, AUTH_STORE, "store_error", NULL, "%s",
		    store_error(s));
	if (exists)
		return auth_fail(e, AUTH_EXISTS, "exists", "name",
		    "name: a user %s exists already", name);
	return true;
}

bool
auth_user_add(const char *actor, const char *name, const char *role,
    char temp[AUTH_TEMP_PASSWORD_LEN + 1], struct auth_error *e)
{
	char	detail[96];

	if (!auth_user_create(auth_store, name, role, temp, e))
		return false;
	snprintf(detail, sizeof(detail), "role %s", role);
	auth_event("user.added", EV_NOTICE, actor, name, detail);
	log_info("auth: user %s (%s) added by %s", name, role, actor);
	return true;
}

bool
auth_user_reset(const char *actor, const char *name,
    char temp[AUTH_TEMP_PASSWORD_LEN + 1], struct auth_error *e)
{
	struct auth_user		 u;
	bool				 ok = false;

	if (!auth_user_find(name, &u, e))
		return false;
	auth_temporary_password(temp, AUTH_TEMP_PASSWORD_LEN + 1);
	if (!auth_set_password(&u, temp, true, NULL, e))
		goto out;
	auth_event("user.password_reset", EV_NOTICE, actor, name, NULL);
	log_info("auth: temporary password for %s set by %s", name, actor);
	ok = true;
out:
	store_auth_user_free(&u);
	return ok;
}

bool
auth_user_lock(const struct auth_principal *by, const char *name, bool lock,
    struct auth_error *e)
{
	struct auth_user	u;
	size_t			left;
	bool			ok = false;

	if (!auth_user_find(name, &u, e))
		return false;
	if (lock && by->ap_user_id == u.au_id) {
		auth_fail(e, AUTH_REFUSED, "refused", "name",
		    "name: you cannot lock your own account");
		goto out;
	}
	if (lock && auth_user_is_admin(&u)) {
		if (auth_admins_left(u.au_id, &left, e) == -1)
			goto out;
		if (left == 0) {
			auth_fail(e, AUTH_REFUSED, "last_admin", "name",
			    "name: %s is the last administrator", name);
			goto out;
		}
	}
	if (store_auth_user_set_disabled(auth_store, u.au_id, lock) == -1 ||
	    (lock && store_auth_session_delete_user(auth_store, u.au_id,
	    NULL) == -1)) {
		auth_store_fail(e);
		goto out;
	}
	auth_event(lock ? "user.locked" : "user.unlocked", EV_NOTICE,
	    by->ap_user, name, NULL);
	log_info("auth: user %s %s by %s", name, lock ? "locked" : "unlocked",
	    by->ap_user);
	ok = true;
out:
	store_auth_user_free(&u);
	return ok;
}

bool
auth_user_delete(const struct auth_principal *by, const char *name,
    struct auth_error *e)
{
	struct auth_user	u;
	size_t			left;
	bool			ok = false;

	if (!auth_user_find(name, &u, e))
		return false;
	if (by->ap_user_id == u.au_id) {
		auth_fail(e, AUTH_REFUSED, "refused", "name",
		    "name: you cannot delete your own account");
		goto out;
	}
	if (auth_user_is_admin(&u)) {
		if (auth_admins_left(u.au_id, &left, e) == -1)
			goto out;
		if (left == 0) {
			auth_fail(e, AUTH_REFUSED, "last_admin", "name",
			    "name: %s is the last administrator", name);
			goto out;
		}
	}
	/* Sessions and tokens go with it (ON DELETE CASCADE); what the
	 * account did stays in the records under its name. */
	if (store_auth_user_delete(auth_store, u.au_id) == -1) {
		auth_store_fail(e);
		goto out;
	}
	auth_event("user.deleted", EV_NOTICE, by->ap_user, name, NULL);
	log_info("auth: user %s deleted by %s", name, by->ap_user);
	ok = true;
out:
	store_auth_user_free(&u);
	return ok;
}

bool
auth_user_set_role(const struct auth_principal *by, const char *name,
    const char *role, struct auth_error *e)
{
	const struct settings_role	*r;
	struct auth_user		 u;
	size_t				 left;
	char				 detail[96];
	bool				 ok = false;

	if (role == NULL ||
	    (r = settings_auth_role(auth_settings(), role)) == NULL)
		return auth_fail(e, AUTH_INVALID, "invalid_field", "role",
		    "role: '%s' is not a role of auth.roles", role ? role : "");
	if (!auth_user_find(name, &u, e))
		return false;
	if (by->ap_user_id == u.au_id) {
		auth_fail(e, AUTH_REFUSED, "refused", "name",
		    "name: you cannot change your own role");
		goto out;
	}
	if (auth_user_is_admin(&u) &&
	    !settings_auth_role_grants(r, "users.admin")) {
		if (auth_admins_left(u.au_id, &left, e) == -1)
			goto out;
		if (left == 0) {
			auth_fail(e, AUTH_REFUSED, "last_admin", "name",
			    "name: %s is the last administrator", name);
			goto out;
		}
	}
	if (store_auth_user_set_role(auth_store, u.au_id, role) == -1) {
		auth_store_fail(e);
		goto out;
	}
	snprintf(detail, sizeof(detail), "role %s -> %s", u.au_role, role);
	auth_event("user.role_changed", EV_NOTICE, by->ap_user, name, detail);
	log_info("auth: user %s: %s by %s", name, detail, by->ap_user);
	ok = true;
out:
	store_auth_user_free(&u);
	return ok;
}

bool
auth_user_list(struct auth_user **v, size_t *n, struct auth_error *e)
{
	if (store_auth_user_list(auth_store, v, n) == -1)
		return auth_store_fail(e);
	return true;
}

int
auth_init_admin(struct store *s, const char *name,
    char temp[AUTH_TEMP_PASSWORD_LEN + 1], char **cause)
{
	const struct settings_auth	*a = auth_settings();
	struct auth_user		*v;
	struct auth_error		 e;
	const char			*role = NULL;
	size_t				 nv, i;

	if (store_auth_user_list(s, &v, &nv) == -1) {
		xasprintf(cause, "%s", store_error(s));
		return -1;
	}
	for (i = 0; i < nv; i++)
		if (settings_auth_role_grants(settings_auth_role(a,
		    v[i].au_role), "users.admin")) {
			xasprintf(cause, "an administrator exists already "
			    "(%s); add users with sansoctl user add",
			    v[i].au_name);
			store_auth_users_free(v, nv);
			return -1;
		}
	store_auth_users_free(v, nv);
	/* The role that manages users: "admin" by default, else the first
	 * role of the settings that grants users.admin. */
	if (settings_auth_role_grants(settings_auth_role(a, "admin"),
	    "users.admin"))
		role = "admin";
	for (i = 0; role == NULL && i < a->sa_n_roles; i++)
		if (settings_auth_role_grants(&a->sa_roles[i], "users.admin"))
			role = a->sa_roles[i].sr_name;
	if (role == NULL) {
		xasprintf(cause, "no role of auth.roles grants users.admin");
		return -1;
	}
	if (!auth_user_create(s, name, role, temp, &e)) {
		xasprintf(cause, "%s", e.ae_message);
		return -1;
	}
	/* No event here: this process has no event outputs; sansod.c logs
	 * it, and the account's first login is an event. */
	return 0;
}

/* --- API tokens --------------------------------------------------------- */

bool
auth_token_create(const struct auth_principal *by, const char *for_user,
    const char *name, char *const *scope, size_t n, long lifetime,
    char secret[sizeof(AUTH_TOKEN_PREFIX) + AUTH_SECRET_HEX],
    struct auth_token_row *out, struct auth_error *e)
{
	const struct settings_auth	*a = auth_settings();
	const struct settings_role	*role;
	struct auth_user		 owner;
	unsigned char			 hash[AUTH_DIGEST_LEN];
	const char			*bad;
	size_t				 i, len = 0;
	char				 scopebuf[512], detail[600];
	bool				 found;

	memset(out, 0, sizeof(*out));
	memset(&owner, 0, sizeof(owner));
	if (for_user != NULL && !auth_allows(by, "users.admin"))
		return auth_fail(e, AUTH_REFUSED, "forbidden", "user",
		    "user: making a token for another account needs "
		    "users.admin");
	if (for_user == NULL && by->ap_via != AUTH_VIA_SESSION &&
	    by->ap_via != AUTH_VIA_TOKEN)
		return auth_fail(e, AUTH_INVALID, "missing_field", "user",
		    "user: API tokens belong to accounts; name the account "
		    "the token is for");
	if (name == NULL || !auth_name_valid(name))
		return auth_fail(e, AUTH_INVALID, "invalid_field", "name",
		    "name: a letter, then letters, digits, '.', '_' or '-'");
	if (n == 0)
		return auth_fail(e, AUTH_INVALID, "missing_field", "scope",
		    "scope: name at least one permission the token carries");
	if (for_user != NULL) {
		if (store_auth_user_get(auth_store, for_user, &owner,
		    &found) == -1)
			return auth_store_fail(e);
		if (!found)
			return auth_fail(e, AUTH_NOT_FOUND, "not_found", "user",
			    "user: no user %s", for_user);
	} else {
		owner.au_id = by->ap_user_id;
		owner.au_name = xstrdup(by->ap_user);
		owner.au_role = xstrdup(by->ap_role);
	}
	role = settings_auth_role(a, owner.au_role);
	if (!auth_scope_subset(role, scope, n, &bad)) {
		auth_fail(e, AUTH_REFUSED, "forbidden", "scope",
		    "scope: %s is not a permission of %s's role %s", bad,
		    owner.au_name, owner.au_role);
		store_auth_user_free(&owner);
		return false;
	}
	/* A token made with a token carries no more than that token. */
	for (i = 0; by->ap_via == AUTH_VIA_TOKEN && i < n; i++)
		if (!auth_scope_has(by->ap_scope, scope[i])) {
			store_auth_user_free(&owner);
			return auth_fail(e, AUTH_REFUSED, "forbidden", "scope",
			    "scope: %s is not in the scope of the token used",
			    scope[i]);
		}
	out->tk_user_id = owner.au_id;
	out->tk_user = xstrdup(owner.au_name);
	store_auth_user_free(&owner);
	for (i = 0; i < n; i++) {
		if (len + strlen(scope[i]) + 2 > sizeof(scopebuf)) {
			store_auth_token_free(out);
			return auth_fail(e, AUTH_INVALID, "invalid_field",
			    "scope", "scope: too long");
		}
		len += (size_t)snprintf(scopebuf + len, sizeof(scopebuf) - len,
		    "%s%s", i ? " " : "", scope[i]);
	}
	if (lifetime == 0)
		lifetime = a->sa_token_lifetime;
	if (lifetime < 0 || lifetime > a->sa_token_max_lifetime) {
		store_auth_token_free(out);
		return auth_fail(e, AUTH_INVALID, "invalid_field", "expires",
		    "expires: at most %ld days (auth.token_max_lifetime)",
		    a->sa_token_max_lifetime / 86400);
	}
	memcpy(secret, AUTH_TOKEN_PREFIX, sizeof(AUTH_TOKEN_PREFIX) - 1);
	auth_random_hex(secret + sizeof(AUTH_TOKEN_PREFIX) - 1);
	auth_digest(secret, hash);
	out->tk_name = xstrdup(name);
	out->tk_scope = xstrdup(scopebuf);
	out->tk_created = auth_now();
	out->tk_expires = out->tk_created + lifetime;
	if (store_auth_token_add(auth_store, out, hash) == -1) {
		store_auth_token_free(out);
		return auth_store_fail(e);
	}
	snprintf(detail, sizeof(detail), "token %lld %s: %s",
	    (long long)out->tk_id, name, scopebuf);
	auth_event("token.created", EV_NOTICE, by->ap_user, out->tk_user,
	    detail);
	return true;
}

bool
auth_token_list(const struct auth_principal *by, bool all,
    struct auth_token_row **v, size_t *n, struct auth_error *e)
{
	if (store_auth_token_list(auth_store, all ? -1 : by->ap_user_id, v,
	    n) == -1)
		return auth_store_fail(e);
	return true;
}

bool
auth_token_revoke(const struct auth_principal *by, int64_t id, bool any,
    struct auth_error *e)
{
	char	detail[64];
	bool	found;

	if (store_auth_token_delete(auth_store, id, any ? -1 : by->ap_user_id,
	    &found) == -1)
		return auth_store_fail(e);
	if (!found)
		return auth_fail(e, AUTH_NOT_FOUND, "not_found", "id",
		    "id: no token %lld of yours", (long long)id);
	snprintf(detail, sizeof(detail), "token %lld", (long long)id);
	auth_event("token.revoked", EV_NOTICE, by->ap_user, NULL, detail);
	return true;
}
