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

#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

#include "version.h"

/* Request bodies: the largest policy plus room for JSON escaping. */
#define API_BODY_MAX	(32u * 1024 * 1024)

/**
 * struct api_request - one request, already authenticated
 * @ar_body: the parsed JSON object, or NULL when the body was empty
 * @ar_uid: the peer (SO_PEERCRED on the unix socket)
 */
struct api_request {
	const char	*ar_method;
	const char	*ar_path;
	const json_t	*ar_body;
	uid_t		 ar_uid;
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

/*
 * Route, parse the body, call the handler.  Always sets *resp (a JSON
 * object; errors are {"error": {"code", "message", "field"}}) and returns
 * the HTTP status.  For a 405, @allow gets the allowed methods ("GET, POST").
 */
int	 api_dispatch(const char *method, const char *path, const char *body,
	    size_t len, uid_t uid, json_t **resp, char *allow, size_t allowlen);
/* {"error": {"code": @code, "message": ..., "field": @field or null}} */
json_t	*api_error(const char *code, const char *field, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

#endif
