/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The auth: section of sansod.yaml: password rules, lockout, sessions,
 * tokens, scrypt cost, roles and the unix groups that map to them. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "settings.h"
#include "settings-parse.h"
#include "xmalloc.h"

/* One list for roles, routes and docs/roles.md (the authorization matrix
 * test fails when a route names a permission that is not here). */
const char *const settings_auth_permissions[] = {
	"status.read",
	"policy.read",
	"policy.check",
	"policy.apply",
	"isolation.read",
	"isolation.write",
	"change.read",
	"change.propose",
	"change.approve",
	"change.apply",
	"change.break_glass",
	"exception.read",
	"exception.request",
	"exception.approve",
	"exception.break_glass",
	"review.read",
	"review.ack",
	"device.read",
	"device.write",
	"audit.read",
	"logs.read",
	"metrics.read",
	"users.admin",
	"tokens.read",
	"tokens.write",
	NULL
};

/* Scrypt's N must be a power of two; below 2^10 it is no longer costly. */
#define SA_SCRYPT_N_MIN		1024u
#define SA_SCRYPT_N_MAX		(1u << 22)

#define SA(f)	offsetof(struct settings_auth, f)

static bool	settings_auth_roles(struct parse *, yaml_node_t *, void *,
		    const struct parse_key *);
static bool	settings_auth_groups(struct parse *, yaml_node_t *, void *,
		    const struct parse_key *);
static bool	settings_auth_scrypt_n(struct parse *, yaml_node_t *, void *,
		    const struct parse_key *);

static const struct parse_key auth_keys[] = {
	{ "password_min_length", YAML_SCALAR_NODE, settings_parse_uint,
	  SA(sa_password_min), 0, 0, false, "a number of characters" },
	{ "password_upper", YAML_SCALAR_NODE, policy_parse_bool,
	  SA(sa_password_upper), 0, 0, false, "true or false" },
	{ "password_lower", YAML_SCALAR_NODE, policy_parse_bool,
	  SA(sa_password_lower), 0, 0, false, "true or false" },
	{ "password_digit_or_symbol", YAML_SCALAR_NODE, policy_parse_bool,
	  SA(sa_password_digit_symbol), 0, 0, false, "true or false" },
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
	{ "token_lifetime", YAML_SCALAR_NODE, settings_parse_duration,
	  SA(sa_token_lifetime), 0, 0, false, "a duration such as 90d" },
	{ "token_max_lifetime", YAML_SCALAR_NODE, settings_parse_duration,
	  SA(sa_token_max_lifetime), 0, 0, false, "a duration such as 365d" },
	{ "scrypt_n", YAML_SCALAR_NODE, settings_auth_scrypt_n,
	  SA(sa_scrypt_n), 0, 0, false,
	  "a power of two from 1024 to 4194304" },
	{ "scrypt_r", YAML_SCALAR_NODE, settings_parse_uint, SA(sa_scrypt_r),
	  0, 0, false, "scrypt's block size, 1 to 32" },
	{ "scrypt_p", YAML_SCALAR_NODE, settings_parse_uint, SA(sa_scrypt_p),
	  0, 0, false, "scrypt's parallelism, 1 to 16" },
	{ "roles", YAML_MAPPING_NODE, settings_auth_roles, 0, 0, 0, false,
	  "a mapping of role names to lists of permissions" },
	{ "unix_groups", YAML_MAPPING_NODE, settings_auth_groups, 0, 0, 0,
	  false, "a mapping of unix group names to role names" },
};

/* The product's default roles (docs/roles.md says why each has what). */
static const char *const sa_default_roles[][16] = {
	{ "viewer", "status.read", "policy.read", "isolation.read",
	  "change.read", "exception.read", "device.read", "metrics.read" },
	{ "operator", "status.read", "policy.read", "policy.check",
	  "change.read", "change.propose", "change.apply", "exception.read",
	  "exception.request", "isolation.read", "device.read",
	  "device.write", "metrics.read", "tokens.*" },
	{ "approver", "status.read", "policy.read", "policy.check",
	  "change.read", "change.approve", "exception.read",
	  "exception.approve", "isolation.read", "device.read",
	  "review.read", "review.ack" },
	{ "csirt", "status.read", "policy.read", "isolation.read",
	  "isolation.write", "tokens.*" },
	{ "auditor", "audit.read", "logs.read" },
	{ "admin", "status.read", "users.admin", "tokens.*" },
	{ "superuser", "*" },
};

/* First match wins: specific groups before the catch-all group sanso. */
static const char *const sa_default_groups[][2] = {
	{ "root", "superuser" },
	{ "sanso-admin", "admin" },
	{ "sanso-approver", "approver" },
	{ "sanso-csirt", "csirt" },
	{ "sanso-auditor", "auditor" },
	{ "sanso-viewer", "viewer" },
	{ "sanso", "operator" },
};

static void
settings_auth_roles_free(struct settings_auth *a)
{
	size_t	i;

	for (i = 0; i < a->sa_n_roles; i++) {
		free(a->sa_roles[i].sr_name);
		settings_strings_free(a->sa_roles[i].sr_perms,
		    a->sa_roles[i].sr_n_perms);
		settings_strings_free(a->sa_roles[i].sr_zones,
		    a->sa_roles[i].sr_n_zones);
	}
	free(a->sa_roles);
	a->sa_roles = NULL;
	a->sa_n_roles = 0;
}

static void
settings_auth_groups_free(struct settings_auth *a)
{
	size_t	i;

	for (i = 0; i < a->sa_n_unix_groups; i++) {
		free(a->sa_unix_groups[i].sg_group);
		free(a->sa_unix_groups[i].sg_role);
	}
	free(a->sa_unix_groups);
	a->sa_unix_groups = NULL;
	a->sa_n_unix_groups = 0;
}

void
settings_auth_defaults(struct settings_auth *a)
{
	struct settings_role	*r;
	size_t			 i, j, nroles, ngroups;

	memset(a, 0, sizeof(*a));
	a->sa_password_min = 12;
	a->sa_password_upper = true;
	a->sa_password_lower = true;
	a->sa_password_digit_symbol = true;
	a->sa_password_history = 5;
	a->sa_lockout_attempts = 5;
	a->sa_lockout_seconds = 15 * 60;
	a->sa_session_idle = 15 * 60;
	a->sa_session_absolute = 8 * 3600;
	a->sa_token_lifetime = 90L * 86400;
	a->sa_token_max_lifetime = 365L * 86400;
	a->sa_scrypt_n = 1u << 15;
	a->sa_scrypt_r = 8;
	a->sa_scrypt_p = 1;

	nroles = sizeof(sa_default_roles) / sizeof(sa_default_roles[0]);
	a->sa_roles = xcalloc(nroles, sizeof(*a->sa_roles));
	for (i = 0; i < nroles; i++) {
		r = &a->sa_roles[a->sa_n_roles++];
		r->sr_name = xstrdup(sa_default_roles[i][0]);
		for (j = 1; j < 16 && sa_default_roles[i][j] != NULL; j++) {
			r->sr_perms = xreallocarray(r->sr_perms,
			    r->sr_n_perms + 1, sizeof(*r->sr_perms));
			r->sr_perms[r->sr_n_perms++] =
			    xstrdup(sa_default_roles[i][j]);
		}
	}
	ngroups = sizeof(sa_default_groups) / sizeof(sa_default_groups[0]);
	a->sa_unix_groups = xcalloc(ngroups, sizeof(*a->sa_unix_groups));
	for (i = 0; i < ngroups; i++) {
		a->sa_unix_groups[i].sg_group =
		    xstrdup(sa_default_groups[i][0]);
		a->sa_unix_groups[i].sg_role =
		    xstrdup(sa_default_groups[i][1]);
	}
	a->sa_n_unix_groups = ngroups;
}

void
settings_auth_free(struct settings_auth *a)
{
	settings_auth_roles_free(a);
	settings_auth_groups_free(a);
}

const struct settings_role *
settings_auth_role(const struct settings_auth *a, const char *name)
{
	size_t	i;

	for (i = 0; i < a->sa_n_roles; i++)
		if (strcmp(a->sa_roles[i].sr_name, name) == 0)
			return &a->sa_roles[i];
	return NULL;
}

bool
settings_auth_permission_known(const char *perm)
{
	size_t	i;

	for (i = 0; settings_auth_permissions[i] != NULL; i++)
		if (strcmp(settings_auth_permissions[i], perm) == 0)
			return true;
	return false;
}

/* "*", "isolation.*" or a permission name; the wildcard's prefix must
 * name at least one permission, so a typo does not grant nothing silently. */
static bool
settings_auth_grant_valid(const char *g)
{
	size_t	i, n = strlen(g);

	if (strcmp(g, "*") == 0)
		return true;
	if (n > 2 && strcmp(g + n - 2, ".*") == 0) {
		for (i = 0; settings_auth_permissions[i] != NULL; i++)
			if (strncmp(settings_auth_permissions[i], g,
			    n - 1) == 0)
				return true;
		return false;
	}
	return settings_auth_permission_known(g);
}

bool
settings_auth_role_grants(const struct settings_role *r, const char *perm)
{
	const char	*g;
	size_t		 i, n;

	if (r == NULL)
		return false;
	for (i = 0; i < r->sr_n_perms; i++) {
		g = r->sr_perms[i];
		n = strlen(g);
		if (strcmp(g, "*") == 0 || strcmp(g, perm) == 0)
			return true;
		if (n > 2 && strcmp(g + n - 2, ".*") == 0 &&
		    strncmp(perm, g, n - 1) == 0)
			return true;
	}
	return false;
}

static bool
settings_auth_perm_item(struct parse *ps, const yaml_node_t *n,
    const char *s, const struct parse_key *k)
{
	if (settings_auth_grant_valid(s))
		return true;
	return policy_parse_kerror(ps, n, k, "unknown permission '%s'; see "
	    "docs/roles.md for the list (or use \"*\" or a prefix such as "
	    "\"isolation.*\")", policy_parse_show(ps, s));
}

/* A role's mapping form: {permissions: [...], zones: [...]}.  The parser
 * wants location arrays next to string arrays; roles have no use for them. */
struct sa_role_parse {
	char		**rp_perms;
	struct loc	 *rp_perm_locs;
	size_t		  rp_n_perms;
	char		**rp_zones;
	struct loc	 *rp_zone_locs;
	size_t		  rp_n_zones;
};

static bool
settings_auth_perms(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	return policy_parse_strv(ps, n, obj, k, settings_auth_perm_item);
}

static bool
settings_auth_zones(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	return policy_parse_strv(ps, n, obj, k, policy_parse_name_item);
}

#define RP(f)	offsetof(struct sa_role_parse, f)
static const struct parse_key role_keys[] = {
	{ "permissions", YAML_SEQUENCE_NODE, settings_auth_perms,
	  RP(rp_perms), RP(rp_perm_locs), RP(rp_n_perms), true,
	  "a list of permissions" },
	{ "zones", YAML_SEQUENCE_NODE, settings_auth_zones, RP(rp_zones),
	  RP(rp_zone_locs), RP(rp_n_zones), false,
	  "a list of zone or division names the role is limited to" },
};
static const struct parse_key role_list_key = {
	"permissions", YAML_SEQUENCE_NODE, settings_auth_perms, RP(rp_perms),
	RP(rp_perm_locs), RP(rp_n_perms), true, "a list of permissions"
};

static bool
settings_auth_role_one(struct parse *ps, const char *name, yaml_node_t *key,
    yaml_node_t *val, void *arg)
{
	struct settings_auth	*a = arg;
	struct settings_role	*r;
	struct sa_role_parse	 rp;
	bool			 ok;

	memset(&rp, 0, sizeof(rp));
	if (val->type == YAML_SEQUENCE_NODE)
		ok = settings_auth_perms(ps, val, &rp, &role_list_key);
	else if (val->type == YAML_MAPPING_NODE)
		ok = policy_parse_mapping(ps, val, key, role_keys,
		    PARSE_NKEYS(role_keys), &rp);
	else
		ok = policy_parse_error(ps, val, "%s: expected a list of "
		    "permissions or a mapping with permissions and zones, got "
		    "%s", ps->ps_what, policy_parse_describe(ps, val));
	free(rp.rp_perm_locs);
	free(rp.rp_zone_locs);
	a->sa_roles = xreallocarray(a->sa_roles, a->sa_n_roles + 1,
	    sizeof(*a->sa_roles));
	r = &a->sa_roles[a->sa_n_roles++];
	r->sr_name = xstrdup(name);
	r->sr_perms = rp.rp_perms;
	r->sr_n_perms = rp.rp_n_perms;
	r->sr_zones = rp.rp_zones;
	r->sr_n_zones = rp.rp_n_zones;
	return ok;
}

static bool
settings_auth_roles(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct settings_auth	*a = obj;

	(void)k;
	/* The city's roles replace the product's: no default role lingers
	 * with permissions nobody meant to give. */
	settings_auth_roles_free(a);
	return policy_parse_named(ps, n, "role", settings_auth_role_one, a);
}

static bool
settings_auth_groups(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct settings_auth	*a = obj;
	yaml_node_pair_t	*pair;
	yaml_node_t		*key, *val;
	const char		*g, *r;
	size_t			 i;
	bool			 ok = true;

	settings_auth_groups_free(a);
	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		key = policy_parse_node(ps, pair->key);
		val = policy_parse_node(ps, pair->value);
		if (key == NULL || val == NULL)
			continue;
		if (key->type != YAML_SCALAR_NODE ||
		    val->type != YAML_SCALAR_NODE) {
			ok = policy_parse_kerror(ps, key, k, "expected %s",
			    k->pk_expect);
			continue;
		}
		if ((g = policy_parse_scalar(ps, key)) == NULL ||
		    (r = policy_parse_scalar(ps, val)) == NULL) {
			ok = false;
			continue;
		}
		if (*g == '\0' || *r == '\0') {
			ok = policy_parse_kerror(ps, key, k, "an empty group "
			    "or role name");
			continue;
		}
		for (i = 0; i < a->sa_n_unix_groups; i++)
			if (strcmp(a->sa_unix_groups[i].sg_group, g) == 0)
				break;
		if (i < a->sa_n_unix_groups) {
			ok = policy_parse_kerror(ps, key, k, "group '%s' is "
			    "listed twice", policy_parse_show(ps, g));
			continue;
		}
		a->sa_unix_groups = xreallocarray(a->sa_unix_groups,
		    a->sa_n_unix_groups + 1, sizeof(*a->sa_unix_groups));
		a->sa_unix_groups[a->sa_n_unix_groups].sg_group = xstrdup(g);
		a->sa_unix_groups[a->sa_n_unix_groups++].sg_role = xstrdup(r);
	}
	return ok;
}

static bool
settings_auth_scrypt_n(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	unsigned	v = 0;
	struct parse_key kk = *k;

	kk.pk_off = 0;
	if (!settings_parse_uint(ps, n, &v, &kk))
		return false;
	if (v < SA_SCRYPT_N_MIN || v > SA_SCRYPT_N_MAX || (v & (v - 1)) != 0)
		return policy_parse_kerror(ps, n, k, "expected %s, got %u",
		    k->pk_expect, v);
	*PARSE_FIELD(obj, k->pk_off, uint64_t) = v;
	return true;
}

/* The value node of @name in mapping @n, or NULL. */
static yaml_node_t *
settings_auth_value(struct parse *ps, yaml_node_t *n, const char *name)
{
	yaml_node_pair_t	*pair;
	yaml_node_t		*key;
	const char		*s;

	for (pair = n->data.mapping.pairs.start;
	    pair < n->data.mapping.pairs.top; pair++) {
		key = policy_parse_node(ps, pair->key);
		if (key != NULL && key->type == YAML_SCALAR_NODE &&
		    (s = policy_parse_scalar(ps, key)) != NULL &&
		    strcmp(s, name) == 0)
			return policy_parse_node(ps, pair->value);
	}
	return NULL;
}

/* Checks across keys, once all are read: ranges, and every unix group's
 * role exists (also for the default groups when roles were replaced). */
static bool
settings_auth_check(struct parse *ps, yaml_node_t *n, struct settings_auth *a)
{
	yaml_node_t	*where;
	size_t		 i;
	bool		 ok = true;

	if (a->sa_scrypt_r < 1 || a->sa_scrypt_r > 32)
		ok = policy_parse_error(ps, settings_auth_value(ps, n,
		    "scrypt_r"), "scrypt_r in auth: expected 1 to 32, got %u",
		    a->sa_scrypt_r);
	if (a->sa_scrypt_p < 1 || a->sa_scrypt_p > 16)
		ok = policy_parse_error(ps, settings_auth_value(ps, n,
		    "scrypt_p"), "scrypt_p in auth: expected 1 to 16, got %u",
		    a->sa_scrypt_p);
	if (a->sa_password_min < 8 || a->sa_password_min > 1024)
		ok = policy_parse_error(ps, settings_auth_value(ps, n,
		    "password_min_length"), "password_min_length in auth: "
		    "expected 8 to 1024 characters, got %u",
		    a->sa_password_min);
	if (a->sa_lockout_attempts < 1)
		ok = policy_parse_error(ps, settings_auth_value(ps, n,
		    "lockout_attempts"), "lockout_attempts in auth: expected "
		    "at least 1 (lockout cannot be turned off)");
	if (a->sa_token_lifetime > a->sa_token_max_lifetime)
		ok = policy_parse_error(ps, settings_auth_value(ps, n,
		    "token_lifetime") ? settings_auth_value(ps, n,
		    "token_lifetime") : n, "token_lifetime in auth: longer "
		    "than token_max_lifetime");
	if (a->sa_session_idle > a->sa_session_absolute)
		ok = policy_parse_error(ps, settings_auth_value(ps, n,
		    "session_idle") ? settings_auth_value(ps, n,
		    "session_idle") : n, "session_idle in auth: longer than "
		    "session_absolute");
	for (i = 0; i < a->sa_n_unix_groups; i++) {
		if (settings_auth_role(a, a->sa_unix_groups[i].sg_role) != NULL)
			continue;
		where = settings_auth_value(ps, n, "unix_groups");
		ok = policy_parse_error(ps, where != NULL ? where : n,
		    "unix_groups in auth%s: group '%s' maps to role '%s', "
		    "which auth.roles does not define", where != NULL ? "" :
		    " (the default, since auth.roles replaced the default "
		    "roles: set unix_groups too)",
		    policy_parse_show(ps, a->sa_unix_groups[i].sg_group),
		    policy_parse_show(ps, a->sa_unix_groups[i].sg_role));
	}
	return ok;
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
	if (ok)
		ok = settings_auth_check(ps, n, &s->se_auth);
	ps->ps_what = saved;
	return ok;
}
