/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The auth: section of sansod.yaml. */
#include <stddef.h>

#include <yaml.h>

#include "settings.h"
#include "settings-parse.h"

#define SA(f)	offsetof(struct settings_auth, f)
static const struct parse_key auth_keys[] = {
	{ "password_min_length", YAML_SCALAR_NODE, settings_parse_uint,
	  SA(sa_password_min), 0, 0, false, "a number of characters" },
	{ "password_history", YAML_SCALAR_NODE, settings_parse_uint,
	  SA(sa_password_history), 0, 0, false,
	  "how many earlier passwords may not be reused" },
	{ "lockout_attempts", YAML_SCALAR_NODE, settings_parse_uint,
	  SA(sa_lockout_attempts), 0, 0, false,
	  "failed logins before the account is locked" },
	{ "lockout_duration", YAML_SCALAR_NODE, settings_parse_duration,
	  SA(sa_lockout_seconds), 0, 0, false, "a duration such as 15m" },
	{ "session_idle", YAML_SCALAR_NODE, settings_parse_duration,
	  SA(sa_session_idle), 0, 0, false, "a duration such as 15m" },
	{ "session_absolute", YAML_SCALAR_NODE, settings_parse_duration,
	  SA(sa_session_absolute), 0, 0, false, "a duration such as 8h" },
};

void
settings_auth_defaults(struct settings_auth *a)
{
	a->sa_password_min = 12;
	a->sa_password_history = 5;
	a->sa_lockout_attempts = 5;
	a->sa_lockout_seconds = 15 * 60;
	a->sa_session_idle = 15 * 60;
	a->sa_session_absolute = 8 * 3600;
}

void
settings_auth_free(struct settings_auth *a)
{
	(void)a;
}

bool
settings_parse_auth(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct settings	*s = obj;
	const char	*saved = ps->ps_what;
	bool		 ok;

	(void)k;
	ps->ps_what = "auth";
	ok = policy_parse_mapping(ps, n, n, auth_keys, PARSE_NKEYS(auth_keys),
	    &s->se_auth);
	ps->ps_what = saved;
	return ok;
}
