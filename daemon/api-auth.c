/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The permission check in front of every route, and the login, session,
 * password, user and token routes. */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <jansson.h>

#include "api.h"
#include "api-auth.h"
#include "auth.h"
#include "isolation-target.h"
#include "log.h"
#include "settings.h"
#include "xmalloc.h"

/* An auth_error as the status and body the API documents. */
static int
api_auth_error(const struct auth_error *e, json_t **resp)
{
	int	status = 500;

	switch (e->ae_status) {
	case AUTH_OK:
		status = 500;
		break;
	case AUTH_NO_CREDENTIALS:
	case AUTH_BAD_CREDENTIALS:
	case AUTH_EXPIRED:
		status = 401;
		break;
	case AUTH_LOCKED:
	case AUTH_REFUSED:
		status = 403;
		break;
	case AUTH_INVALID:
		status = 400;
		break;
	case AUTH_EXISTS:
		status = 409;
		break;
	case AUTH_NOT_FOUND:
		status = 404;
		break;
	case AUTH_STORE:
		status = 500;
		break;
	}
	*resp = api_error(e->ae_code ? e->ae_code : "internal",
	    e->ae_field[0] ? e->ae_field : NULL, "%s", e->ae_message);
	return status;
}

static bool
api_auth_state_changing(const char *method)
{
	return strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
	    strcmp(method, "OPTIONS") != 0;
}

/* The peer's groups as "a, b" for the refusal (what it would need). */
static void
api_auth_groups_hint(char *buf, size_t len)
{
	const struct settings_auth	*a = &settings_current()->se_auth;
	size_t				 i, used = 0;

	buf[0] = '\0';
	for (i = 0; i < a->sa_n_unix_groups && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%s",
		    i ? ", " : "", a->sa_unix_groups[i].sg_group);
}

int
api_auth_route(const struct api_route *rt, struct api_call *c,
    struct auth_principal *who, json_t **resp)
{
	const char		*perm = rt->rt_permission;
	struct auth_error	 e;
	char			 groups[256];

	memset(who, 0, sizeof(*who));
	if (!c->ac_https) {
		/* The socket is mode 0660 root:sanso; the role comes from
		 * the first auth.unix_groups group the peer is in. */
		if (!auth_unix(c->ac_uid, c->ac_groups, c->ac_n_groups, who)) {
			api_auth_groups_hint(groups, sizeof(groups));
			log_warnx("control: %s %s refused for uid %d: in no "
			    "group of auth.unix_groups", c->ac_method,
			    c->ac_path, (int)c->ac_uid);
			return api_fail(resp, 403, "forbidden", NULL,
			    "uid %d may not use sansod: only root and members "
			    "of the groups of auth.unix_groups (%s) may",
			    (int)c->ac_uid, groups);
		}
	} else if (strcmp(perm, AUTH_PUBLIC) != 0 &&
	    !auth_authenticate(c->ac_cookie, c->ac_authorization, who, &e)) {
		if (e.ae_status == AUTH_LOCKED)
			e.ae_status = AUTH_EXPIRED;	/* 401: log in again */
		return api_auth_error(&e, resp);
	}
	if (who->ap_must_change && strcmp(perm, AUTH_PUBLIC) != 0 &&
	    strcmp(perm, AUTH_AUTHENTICATED) != 0)
		return api_fail(resp, 403, "password_change_required",
		    NULL, "%s: the password of %s is temporary: change it "
		    "first (POST /api/v1/password)", rt->rt_path,
		    who->ap_user);
	/* A cookie is sent by the browser on its own; the header proves
	 * that our page, not another site, made the request. */
	if (who->ap_via == AUTH_VIA_SESSION &&
	    api_auth_state_changing(c->ac_method) &&
	    (c->ac_csrf == NULL || strlen(c->ac_csrf) != strlen(who->ap_csrf) ||
	    CRYPTO_memcmp(c->ac_csrf, who->ap_csrf,
	    strlen(who->ap_csrf)) != 0))
		return api_fail(resp, 403, "csrf_failed", NULL,
		    "%s %s: the X-CSRF-Token header is missing or does not "
		    "match the session (it is returned at login)",
		    c->ac_method, rt->rt_path);
	if (!auth_allows(who, perm)) {
		log_info("api: %s %s refused for %s (role %s%s): needs %s",
		    c->ac_method, rt->rt_path, who->ap_user, who->ap_role,
		    who->ap_via == AUTH_VIA_TOKEN ? ", token" : "", perm);
		return api_fail(resp, 403, "forbidden", NULL,
		    "%s %s needs permission %s, which %s (role %s%s) does not "
		    "have", c->ac_method, rt->rt_path, perm, who->ap_user,
		    who->ap_role, who->ap_via == AUTH_VIA_TOKEN ?
		    ", through this token's scope" : "");
	}
	return 0;
}


/* A required string field; 0 or the status with *resp set. */
static int
api_auth_string(const struct api_request *req, const char *key,
    const char **out, json_t **resp)
{
	json_t	*v = req->ar_body ? json_object_get(req->ar_body, key) : NULL;

	*out = NULL;
	if (v == NULL || json_is_null(v))
		return api_fail(resp, 400, "missing_field", key,
		    "field '%s' is required", key);
	if (!json_is_string(v) ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return api_fail(resp, 400, "invalid_field", key,
		    "field '%s' must be a string", key);
	*out = json_string_value(v);
	return 0;
}

static json_t *
api_auth_permissions(const struct auth_principal *p)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; settings_auth_permissions[i] != NULL; i++)
		if (auth_allows(p, settings_auth_permissions[i]))
			json_array_append_new(a,
			    json_string(settings_auth_permissions[i]));
	return a;
}

static const char *
api_auth_via(enum auth_via v)
{
	switch (v) {
	case AUTH_VIA_UNIX:	return "unix";
	case AUTH_VIA_SESSION:	return "session";
	case AUTH_VIA_TOKEN:	return "token";
	case AUTH_VIA_NONE:	break;
	}
	return "none";
}

/* user, role, via, permissions, zones, must_change_password, expires_at. */
static json_t *
api_auth_who(const struct auth_principal *p)
{
	const struct settings_role	*r;
	json_t				*zones = json_array();
	size_t				 i;

	r = settings_auth_role(&settings_current()->se_auth, p->ap_role);
	for (i = 0; r != NULL && i < r->sr_n_zones; i++)
		json_array_append_new(zones, json_string(r->sr_zones[i]));
	return json_pack("{s:s, s:s, s:s, s:o, s:o, s:b, s:o}",
	    "user", p->ap_user, "role", p->ap_role, "via",
	    api_auth_via(p->ap_via), "permissions", api_auth_permissions(p),
	    "zones", zones, "must_change_password", p->ap_must_change,
	    "expires_at", api_time((time_t)(p->ap_expires)));
}

int
api_auth_login(const struct api_request *req, json_t **resp)
{
	const struct settings_auth	*a = &settings_current()->se_auth;
	struct auth_principal		 p;
	struct auth_error		 e;
	const char			*user, *password;
	char				 token[AUTH_SECRET_HEX + 1];
	int				 st;

	if ((st = api_auth_string(req, "user", &user, resp)) != 0 ||
	    (st = api_auth_string(req, "password", &password, resp)) != 0)
		return st;
	if (!auth_login(user, password, req->ar_call->ac_remote, token, &p,
	    &e)) {
		log_info("api: login of %s from %s refused: %s", user,
		    req->ar_call->ac_remote ? req->ar_call->ac_remote : "?",
		    e.ae_message);
		return api_auth_error(&e, resp);
	}
	free(req->ar_call->ac_set_cookie);
	xasprintf(&req->ar_call->ac_set_cookie, AUTH_COOKIE "=%s; Secure; "
	    "HttpOnly; SameSite=Strict; Path=/; Max-Age=%ld", token,
	    a->sa_session_absolute);
	OPENSSL_cleanse(token, sizeof(token));
	*resp = api_auth_who(&p);
	json_object_set_new(*resp, "csrf_token", json_string(p.ap_csrf));
	return 200;
}

int
api_auth_logout(const struct api_request *req, json_t **resp)
{
	struct auth_error e;

	if (!auth_logout(req->ar_principal, &e))
		return api_auth_error(&e, resp);
	free(req->ar_call->ac_set_cookie);
	req->ar_call->ac_set_cookie = xstrdup(AUTH_COOKIE "=; Secure; "
	    "HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
	*resp = json_pack("{s:b, s:s}", "logged_out", 1, "user",
	    req->ar_user);
	return 200;
}

int
api_auth_session(const struct api_request *req, json_t **resp)
{
	const struct auth_principal *p = req->ar_principal;

	*resp = api_auth_who(p);
	/* The page may be reloaded: it reads its CSRF token here (a
	 * cross-site page cannot read this answer). */
	if (p->ap_via == AUTH_VIA_SESSION)
		json_object_set_new(*resp, "csrf_token",
		    json_string(p->ap_csrf));
	if (p->ap_via == AUTH_VIA_TOKEN)
		json_object_set_new(*resp, "scope", json_string(p->ap_scope));
	return 200;
}

int
api_auth_password(const struct api_request *req, json_t **resp)
{
	struct auth_error	 e;
	const char		*cur, *next;
	int			 st;

	if ((st = api_auth_string(req, "current", &cur, resp)) != 0 ||
	    (st = api_auth_string(req, "new", &next, resp)) != 0)
		return st;
	if (!auth_password_change(req->ar_principal, cur, next, &e))
		return api_auth_error(&e, resp);
	*resp = json_pack("{s:b, s:s}", "changed", 1, "user", req->ar_user);
	return 200;
}

int
api_auth_users(const struct api_request *req, json_t **resp)
{
	struct auth_user	*v;
	struct auth_error	 e;
	json_t			*a;
	int64_t			 now = auth_now();
	size_t			 n, i;

	(void)req;
	if (!auth_user_list(&v, &n, &e))
		return api_auth_error(&e, resp);
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:b, s:b, "
		    "s:o, s:i, s:o, s:o, s:o}",
		    "name", v[i].au_name,
		    "role", v[i].au_role,
		    "must_change_password", v[i].au_must_change,
		    "locked", auth_is_locked(&v[i], now),
		    "disabled", v[i].au_disabled,
		    "locked_until", api_time((time_t)(v[i].au_locked_until > now ?
		    v[i].au_locked_until : 0)),
		    "failed_logins", (int)v[i].au_failed,
		    "created_at", api_time((time_t)(v[i].au_created)),
		    "password_changed_at", api_time((time_t)(v[i].au_changed)),
		    "last_login_at", api_time((time_t)(v[i].au_last_login))));
	store_auth_users_free(v, n);
	*resp = json_pack("{s:I, s:o}", "count", (json_int_t)n, "users", a);
	return 200;
}

int
api_auth_user_add(const struct api_request *req, json_t **resp)
{
	struct auth_error	 e;
	const char		*name, *role;
	char			 temp[AUTH_TEMP_PASSWORD_LEN + 1];
	int			 st;

	if ((st = api_auth_string(req, "name", &name, resp)) != 0 ||
	    (st = api_auth_string(req, "role", &role, resp)) != 0)
		return st;
	if (!auth_user_add(req->ar_user, name, role, temp, &e))
		return api_auth_error(&e, resp);
	*resp = json_pack("{s:s, s:s, s:s, s:b}", "name", name, "role", role,
	    "temporary_password", temp, "must_change_password", 1);
	OPENSSL_cleanse(temp, sizeof(temp));
	return 201;
}

static int
api_auth_user_lock_common(const struct api_request *req, bool lock,
    json_t **resp)
{
	struct auth_error	 e;
	const char		*name;
	int			 st;

	if ((st = api_auth_string(req, "name", &name, resp)) != 0)
		return st;
	if (!auth_user_lock(req->ar_principal, name, lock, &e))
		return api_auth_error(&e, resp);
	*resp = json_pack("{s:s, s:b}", "name", name, "locked", lock);
	return 200;
}

int
api_auth_user_lock(const struct api_request *req, json_t **resp)
{
	return api_auth_user_lock_common(req, true, resp);
}

int
api_auth_user_unlock(const struct api_request *req, json_t **resp)
{
	return api_auth_user_lock_common(req, false, resp);
}

int
api_auth_user_delete(const struct api_request *req, json_t **resp)
{
	struct auth_error	 e;
	const char		*name;
	int			 st;

	if ((st = api_auth_string(req, "name", &name, resp)) != 0)
		return st;
	if (!auth_user_delete(req->ar_principal, name, &e))
		return api_auth_error(&e, resp);
	*resp = json_pack("{s:s, s:b}", "name", name, "deleted", 1);
	return 200;
}

int
api_auth_user_passwd(const struct api_request *req, json_t **resp)
{
	struct auth_error	 e;
	const char		*name;
	char			 temp[AUTH_TEMP_PASSWORD_LEN + 1];
	int			 st;

	if ((st = api_auth_string(req, "name", &name, resp)) != 0)
		return st;
	if (!auth_user_reset(req->ar_user, name, temp, &e))
		return api_auth_error(&e, resp);
	*resp = json_pack("{s:s, s:s, s:b}", "name", name,
	    "temporary_password", temp, "must_change_password", 1);
	OPENSSL_cleanse(temp, sizeof(temp));
	return 200;
}

int
api_auth_user_role(const struct api_request *req, json_t **resp)
{
	struct auth_error	 e;
	const char		*name, *role;
	int			 st;

	if ((st = api_auth_string(req, "name", &name, resp)) != 0 ||
	    (st = api_auth_string(req, "role", &role, resp)) != 0)
		return st;
	if (!auth_user_set_role(req->ar_principal, name, role, &e))
		return api_auth_error(&e, resp);
	*resp = json_pack("{s:s, s:s}", "name", name, "role", role);
	return 200;
}

static json_t *
api_auth_token_json(const struct auth_token_row *t, int64_t now)
{
	json_t	*scope = json_array();
	char	*copy, *w, *save = NULL;

	copy = xstrdup(t->tk_scope);
	for (w = strtok_r(copy, " ", &save); w != NULL;
	    w = strtok_r(NULL, " ", &save))
		json_array_append_new(scope, json_string(w));
	free(copy);
	return json_pack("{s:I, s:s, s:s, s:o, s:o, s:o, s:o, s:b}",
	    "id", (json_int_t)t->tk_id, "name", t->tk_name,
	    "user", t->tk_user ? t->tk_user : "", "scope", scope,
	    "created_at", api_time((time_t)(t->tk_created)),
	    "expires_at", api_time((time_t)(t->tk_expires)),
	    "last_used_at", api_time((time_t)(t->tk_last_used)),
	    "expired", t->tk_expires <= now);
}

int
api_auth_tokens(const struct api_request *req, json_t **resp)
{
	struct auth_token_row	*v;
	struct auth_error	 e;
	json_t			*a;
	int64_t			 now = auth_now();
	size_t			 n, i;

	/* Administrators see every account's tokens (to revoke them). */
	if (!auth_token_list(req->ar_principal,
	    auth_allows(req->ar_principal, "users.admin"), &v, &n, &e))
		return api_auth_error(&e, resp);
	a = json_array();
	for (i = 0; i < n; i++)
		json_array_append_new(a, api_auth_token_json(&v[i], now));
	store_auth_tokens_free(v, n);
	*resp = json_pack("{s:I, s:o}", "count", (json_int_t)n, "tokens", a);
	return 200;
}

int
api_auth_token_add(const struct api_request *req, json_t **resp)
{
	struct auth_token_row	 t;
	struct auth_error	 e;
	const char		*name, *user = NULL;
	char			 secret[sizeof(AUTH_TOKEN_PREFIX) +
				    AUTH_SECRET_HEX], err[160], field[32];
	char			**scope = NULL;
	json_t			*v, *s;
	int64_t			 secs = 0;
	size_t			 i, n = 0;
	int			 st;

	if ((st = api_auth_string(req, "name", &name, resp)) != 0)
		return st;
	v = json_object_get(req->ar_body, "user");
	if (v != NULL && !json_is_null(v) &&
	    (st = api_auth_string(req, "user", &user, resp)) != 0)
		return st;
	v = json_object_get(req->ar_body, "scope");
	if (v == NULL || json_is_null(v))
		return api_fail(resp, 400, "missing_field", "scope",
		    "field 'scope' is required: the permissions the token "
		    "carries");
	if (!json_is_array(v))
		return api_fail(resp, 400, "invalid_field", "scope",
		    "field 'scope' must be an array of permission names");
	scope = xcalloc(json_array_size(v) + 1, sizeof(*scope));
	json_array_foreach(v, i, s) {
		if (!json_is_string(s)) {
			free(scope);
			snprintf(field, sizeof(field), "scope[%zu]", i);
			return api_fail(resp, 400, "invalid_field", field,
			    "%s: must be a string", field);
		}
		scope[n++] = (char *)(uintptr_t)json_string_value(s);
	}
	v = json_object_get(req->ar_body, "expires");
	if (v != NULL && !json_is_null(v)) {
		if (json_is_integer(v))
			secs = json_integer_value(v);
		else if (!json_is_string(v) || !isolation_target_parse_ttl(
		    json_string_value(v), &secs, err, sizeof(err))) {
			free(scope);
			return api_fail(resp, 400, "invalid_field",
			    "expires", "expires: a duration such as 30d, or "
			    "seconds");
		}
		if (secs < 1) {
			free(scope);
			return api_fail(resp, 400, "invalid_field",
			    "expires", "expires: at least 1 second");
		}
	}
	if (!auth_token_create(req->ar_principal, user, name, scope, n,
	    (long)secs, secret, &t, &e)) {
		free(scope);
		return api_auth_error(&e, resp);
	}
	free(scope);
	*resp = api_auth_token_json(&t, auth_now());
	json_object_set_new(*resp, "token", json_string(secret));
	OPENSSL_cleanse(secret, sizeof(secret));
	store_auth_token_free(&t);
	return 201;
}

int
api_auth_token_revoke(const struct api_request *req, json_t **resp)
{
	struct auth_error	 e;
	json_t			*v;

	v = json_object_get(req->ar_body, "id");
	if (v == NULL || json_is_null(v))
		return api_fail(resp, 400, "missing_field", "id",
		    "field 'id' is required");
	if (!json_is_integer(v))
		return api_fail(resp, 400, "invalid_field", "id",
		    "field 'id' must be an integer");
	if (!auth_token_revoke(req->ar_principal, json_integer_value(v),
	    auth_allows(req->ar_principal, "users.admin"), &e))
		return api_auth_error(&e, resp);
	*resp = json_pack("{s:I, s:b}", "id",
	    (json_int_t)json_integer_value(v), "revoked", 1);
	return 200;
}
