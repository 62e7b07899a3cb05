/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The auth: section of sansod.yaml: passwords, lockout, sessions, roles. */
#ifndef SANSO_SETTINGS_AUTH_H
#define SANSO_SETTINGS_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/**
 * struct settings_role - one role of auth.roles: a name and what it grants
 * @sr_perms: permission names (docs/roles.md); "*" grants every one and
 *   "isolation.*" every isolation permission
 * @sr_zones: when set, the zones (or divisions) the role is scoped to;
 *   recorded in the session and checked by routes that name a zone
 */
struct settings_role {
	char		 *sr_name;
	char		**sr_perms;
	size_t		  sr_n_perms;
	char		**sr_zones;
	size_t		  sr_n_zones;
};

/**
 * struct settings_unix_group - one line of auth.unix_groups (in file order:
 * the first group the socket peer belongs to decides its role)
 * @sg_group: a unix group name; "root" also matches uid 0
 */
struct settings_unix_group {
	char		*sg_group;
	char		*sg_role;
};

/**
 * struct settings_auth - auth:
 * @sa_password_min: minimum password length in characters (default 12)
 * @sa_password_upper, @sa_password_lower, @sa_password_digit_symbol: the
 *   character classes a password needs (default all three)
 * @sa_password_history: a new password may not be one of the last N
 *   (default 5)
 * @sa_lockout_attempts: failed logins before lockout (default 5)
 * @sa_lockout_seconds: how long a lockout lasts (default 15m)
 * @sa_session_idle, @sa_session_absolute: browser session timeouts in
 *   seconds (defaults 15m and 8h)
 * @sa_token_lifetime, @sa_token_max_lifetime: API token expiry when none
 *   is asked for, and the longest allowed (defaults 90d and 365d)
 * @sa_scrypt_n, @sa_scrypt_r, @sa_scrypt_p: scrypt cost of new hashes
 *   (defaults 2^15, 8, 1: 32 MiB per hash)
 * @sa_roles: the roles (default viewer, operator, approver, csirt,
 *   auditor, admin, superuser); a file's auth.roles replaces them all
 * @sa_unix_groups: socket peers' groups -> role
 */
struct settings_auth {
	unsigned			 sa_password_min;
	bool				 sa_password_upper;
	bool				 sa_password_lower;
	bool				 sa_password_digit_symbol;
	unsigned			 sa_password_history;
	unsigned			 sa_lockout_attempts;
	long				 sa_lockout_seconds;
	long				 sa_session_idle;
	long				 sa_session_absolute;
	long				 sa_token_lifetime;
	long				 sa_token_max_lifetime;
	uint64_t			 sa_scrypt_n;
	unsigned			 sa_scrypt_r;
	unsigned			 sa_scrypt_p;
	struct settings_role		*sa_roles;
	size_t				 sa_n_roles;
	struct settings_unix_group	*sa_unix_groups;
	size_t				 sa_n_unix_groups;
};

/* Every permission a role may grant (docs/roles.md), NULL-terminated. */
extern const char *const settings_auth_permissions[];

/* The role called @name, or NULL. */
const struct settings_role *settings_auth_role(const struct settings_auth *,
	    const char *name);
/* Whether @perm is a permission name sanso knows. */
bool	 settings_auth_permission_known(const char *perm);
/* Whether @role grants @perm (exactly, by "*" or by "prefix.*"). */
bool	 settings_auth_role_grants(const struct settings_role *,
	    const char *perm);

#endif
