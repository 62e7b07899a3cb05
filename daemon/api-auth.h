/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Authentication and authorization of every API call, and the routes for
 * login, logout, one's own session and password, users and API tokens. */
#ifndef SANSO_API_AUTH_H
#define SANSO_API_AUTH_H

#include <jansson.h>

#include "api.h"
#include "auth.h"

/*
 * Who calls (unix peer by group, session cookie, bearer token) and may they
 * call @rt: 0 with @who filled, or the HTTP status with *resp the error
 * (401 unauthenticated, 403 forbidden naming the permission, 403
 * password_change_required, 403 csrf_failed).
 */
int	api_auth_route(const struct api_route *rt, struct api_call *c,
	    struct auth_principal *who, json_t **resp);

int	api_auth_login(const struct api_request *, json_t **);
int	api_auth_logout(const struct api_request *, json_t **);
int	api_auth_session(const struct api_request *, json_t **);
int	api_auth_password(const struct api_request *, json_t **);
int	api_auth_users(const struct api_request *, json_t **);
int	api_auth_user_add(const struct api_request *, json_t **);
int	api_auth_user_lock(const struct api_request *, json_t **);
int	api_auth_user_unlock(const struct api_request *, json_t **);
int	api_auth_user_delete(const struct api_request *, json_t **);
int	api_auth_user_passwd(const struct api_request *, json_t **);
int	api_auth_user_role(const struct api_request *, json_t **);
int	api_auth_tokens(const struct api_request *, json_t **);
int	api_auth_token_add(const struct api_request *, json_t **);
int	api_auth_token_revoke(const struct api_request *, json_t **);

#endif
