/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON API under /api/v1/, independent of the transport: control.c
 * serves it on the unix socket, and the HTTPS listener will serve the same
 * table.  Each route names the permission it needs so that RBAC (and an
 * OpenAPI test enumerating api_routes[]) can be added without touching the
 * handlers.
 */
#ifndef SANSO_API_H
#define SANSO_API_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include <jansson.h>

#include "version.h"

struct api_call;
struct auth_principal;

/* Request bodies: the largest policy plus room for JSON escaping. */
#define API_BODY_MAX	(32u * 1024 * 1024)

/**
 * struct api_request - one request, already authenticated
 * @ar_body: the parsed JSON object, or NULL when the body was empty
 * @ar_uid: the peer (SO_PEERCRED on the unix socket)
 * @ar_query: what followed '?' in the request path (still percent-encoded),
 *   or NULL
 * @ar_user: the authenticated caller, recorded as actor (account name, or
 *   the unix user name on the socket); "" on public routes (login)
 * @ar_role: the caller's role (auth.roles)
 * @ar_principal: all of it (session, token scope), for api-auth.c
 * @ar_call: the transport's call (remote address, Set-Cookie out)
 */
struct api_request {
	const char	*ar_method;
	const char	*ar_path;
	const json_t	*ar_body;
	uid_t		 ar_uid;
	const char	*ar_query;
	const char	*ar_user;
	const char	*ar_role;
	const struct auth_principal *ar_principal;
	struct api_call	*ar_call;
};

/**
 * struct api_route - one entry of the route table
 * @rt_handler: fills *resp (always) and returns the HTTP status
 * @rt_permission: what a role must grant ("policy.apply", ...)
 * @rt_body: the route reads a JSON object body
 */
struct api_route {
	const char	*rt_method;
	const char	*rt_path;
	int		(*rt_handler)(const struct api_request *, json_t **resp);
	const char	*rt_permission;
	int		 rt_body;
	const char	*rt_summary;
};

extern const struct api_route	api_routes[];
extern const size_t		api_n_routes;

/**
 * struct api_call - one request as a transport hands it over
 * @ac_https: false for the unix socket (ac_uid/ac_gid from SO_PEERCRED),
 *   true for the HTTPS listener (credentials from the headers below)
 * @ac_cookie, @ac_authorization, @ac_csrf: the Cookie, Authorization and
 *   X-CSRF-Token request headers, or NULL
 * @ac_remote: the peer's address, for logs and lockout ("10.0.0.5")
 * @ac_set_cookie: out: a Set-Cookie value the transport must send (login,
 *   logout); malloc'd, the transport frees it
 * @ac_groups: the unix peer's groups (its gid and SO_PEERGROUPS), which
 *   map it to a role (auth.unix_groups)
 */
struct api_call {
	const char	*ac_method;
	const char	*ac_path;
	const char	*ac_body;
	size_t		 ac_len;
	bool		 ac_https;
	uid_t		 ac_uid;
	gid_t		 ac_gid;
	const char	*ac_cookie;
	const char	*ac_authorization;
	const char	*ac_csrf;
	const char	*ac_remote;
	char		*ac_set_cookie;
	const gid_t	*ac_groups;
	size_t		 ac_n_groups;
};

/* Authenticate the caller, check the route's permission, then as
 * api_dispatch().  Both transports call this. */
int	 api_dispatch_call(struct api_call *, json_t **resp, char *allow,
	    size_t allowlen);

/*
 * Route, check the caller and the route's permission (api-auth.c), parse
 * the body, call the handler.  Always sets *resp (a JSON
 * object; errors are {"error": {"code", "message", "field"}}) and returns
 * the HTTP status.  For a 405, @allow gets the allowed methods ("GET, POST").
 * @path may end in "?query" (GET filters): routes match without it, and
 * the handler gets it as ar_query.
 */
int	 api_dispatch(struct api_call *, json_t **resp, char *allow,
	    size_t allowlen);
/* {"error": {"code": @code, "message": ..., "field": @field or null}} */
json_t	*api_error(const char *code, const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* For the route handlers of api-*.c. */
/* Set *resp to api_error(@code, @field, ...) and return @status. */
int	 api_fail(json_t **resp, int status, const char *code,
	    const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
/* RFC 3339 in local time with its offset ("2025-04-01T09:30:00+09:00");
 * null for 0. */
json_t	*api_time(time_t t);
/* Control characters (a field that must be one line of text). */
bool	 api_has_control(const char *s);

#endif
