/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansod.yaml: the top-level table, defaults, and the value handlers the
 * sections share. */
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "settings.h"
#include "settings-parse.h"
#include "xmalloc.h"

static struct settings	settings_running;
static bool		settings_ready;

static const struct parse_key settings_keys[] = {
	{ "listen", YAML_MAPPING_NODE, settings_parse_listen, 0, 0, 0, false,
	  "a mapping with the HTTPS listener's settings" },
	{ "logs", YAML_MAPPING_NODE, settings_parse_logs, 0, 0, 0, false,
	  "a mapping with the log outputs" },
	{ "auth", YAML_MAPPING_NODE, settings_parse_auth, 0, 0, 0, false,
	  "a mapping with password, lockout, session and role settings" },
	{ "approvals", YAML_MAPPING_NODE, settings_parse_approvals, 0, 0, 0,
	  false, "a mapping with break_glass and exception_max" },
	{ "packets", YAML_MAPPING_NODE, settings_parse_packets, 0, 0, 0,
	  false, "a mapping with the packet event rate and burst" },
	{ "audit", YAML_MAPPING_NODE, settings_parse_audit, 0, 0, 0, false,
	  "a mapping with the audit chain's key_file" },
};

void
settings_defaults(struct settings *s)
{
	memset(s, 0, sizeof(*s));
	settings_listen_defaults(&s->se_listen);
	settings_logs_defaults(&s->se_logs);
	settings_auth_defaults(&s->se_auth);
	settings_approvals_defaults(&s->se_approvals);
	settings_packets_defaults(&s->se_packets);
	settings_audit_defaults(&s->se_audit);
}

void
settings_free(struct settings *s)
{
	if (s == NULL)
		return;
	settings_listen_free(&s->se_listen);
	settings_logs_free(&s->se_logs);
	settings_auth_free(&s->se_auth);
	settings_approvals_free(&s->se_approvals);
	settings_audit_free(&s->se_audit);
	free(s->se_file);
	memset(s, 0, sizeof(*s));
}

bool
settings_parse(const char *file, const char *text, size_t len,
    struct settings *s, struct diags *d)
{
	struct parse	ps;

	settings_defaults(s);
	memset(&ps, 0, sizeof(ps));
	ps.ps_file = file != NULL ? file : "<settings>";
	ps.ps_d = d;
	ps.ps_what = "the settings";
	ps.ps_noun = "settings file";
	if (!policy_parse_document(&ps, text, len, settings_keys,
	    PARSE_NKEYS(settings_keys), s, true, "listen, logs, auth, approvals, packets and audit")) {
		settings_free(s);
		settings_defaults(s);
		return false;
	}
	s->se_file = xstrdup(ps.ps_file);
	return true;
}

bool
settings_load(const char *path, struct settings *s, char **textp,
    struct diags *d)
{
	size_t	len;

	if (!policy_parse_read_file(path, "settings", textp, &len, d)) {
		settings_defaults(s);
		return false;
	}
	return settings_parse(path, *textp, len, s, d);
}

const struct settings *
settings_current(void)
{
	if (!settings_ready) {
		settings_defaults(&settings_running);
		settings_ready = true;
	}
	return &settings_running;
}

void
settings_install(struct settings *s)
{
	if (settings_ready)
		settings_free(&settings_running);
	settings_running = *s;
	settings_ready = true;
	memset(s, 0, sizeof(*s));
}

/* Digits then one unit letter from @units, each worth @mult[i]. */
static bool
settings_parse_scaled(const char *s, const char *units, const long *mult,
    bool unit_required, long *out)
{
	const char	*q, *u;
	long		 v = 0;

	for (q = s; *q >= '0' && *q <= '9'; q++) {
		if (v > (LONG_MAX - 9) / 10)
			return false;
		v = v * 10 + (*q - '0');
	}
	if (q == s)
		return false;
	if (*q == '\0') {
		if (unit_required)
			return false;
		*out = v;
		return true;
	}
	if (q[1] != '\0' || (u = strchr(units, *q)) == NULL)
		return false;
	if (v > LONG_MAX / mult[u - units])
		return false;
	*out = v * mult[u - units];
	return true;
}

bool
settings_parse_duration(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	static const long	 mult[] = { 1, 60, 3600, 86400 };
	const char		*s;
	long			 v;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (!settings_parse_scaled(s, "smhd", mult, true, &v) ||
	    v > INT_MAX)
		return policy_parse_kerror(ps, n, k, "expected %s, got %s",
		    k->pk_expect, policy_parse_describe(ps, n));
	if (v == 0)
		return policy_parse_kerror(ps, n, k, "expected %s; zero is "
		    "not a duration", k->pk_expect);
	*PARSE_FIELD(obj, k->pk_off, long) = v;
	return true;
}

bool
settings_parse_uint(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	const char	*s;
	long		 v;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (!settings_parse_scaled(s, "", NULL, false, &v) || v > INT_MAX)
		return policy_parse_kerror(ps, n, k, "expected %s, got %s",
		    k->pk_expect, policy_parse_describe(ps, n));
	*PARSE_FIELD(obj, k->pk_off, unsigned) = (unsigned)v;
	return true;
}

bool
settings_parse_size(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	static const long	 mult[] = { 1024, 1024L * 1024,
				    1024L * 1024 * 1024 };
	const char		*s;
	long			 v;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (!settings_parse_scaled(s, "kMG", mult, false, &v))
		return policy_parse_kerror(ps, n, k, "expected %s, got %s",
		    k->pk_expect, policy_parse_describe(ps, n));
	*PARSE_FIELD(obj, k->pk_off, size_t) = (size_t)v;
	return true;
}

bool
settings_parse_string(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	char		**p = PARSE_FIELD(obj, k->pk_off, char *);
	const char	 *s;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (*s == '\0')
		return policy_parse_kerror(ps, n, k, "expected %s, got an "
		    "empty string", k->pk_expect);
	free(*p);
	*p = xstrdup(s);
	return true;
}

bool
settings_parse_strings(struct parse *ps, yaml_node_t *seq, void *obj,
    const struct parse_key *k)
{
	char		***vp = PARSE_FIELD(obj, k->pk_off, char **);
	size_t		 *np = PARSE_FIELD(obj, k->pk_off3, size_t);
	yaml_node_item_t *it;
	yaml_node_t	 *item;
	const char	 *s;
	size_t		  i;
	bool		  ok = true;

	settings_strings_free(*vp, *np);
	*vp = NULL;
	*np = 0;
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top; it++) {
		item = policy_parse_node(ps, *it);
		if (item == NULL || item->type != YAML_SCALAR_NODE) {
			ok = policy_parse_kerror(ps, item, k, "expected %s, "
			    "got %s in the list", k->pk_expect,
			    item ? policy_parse_describe(ps, item) : "nothing");
			continue;
		}
		if ((s = policy_parse_scalar(ps, item)) == NULL) {
			ok = false;
			continue;
		}
		if (*s == '\0') {
			ok = policy_parse_kerror(ps, item, k, "an empty "
			    "string in the list");
			continue;
		}
		for (i = 0; i < *np; i++)
			if (strcmp((*vp)[i], s) == 0)
				break;
		if (i < *np) {
			ok = policy_parse_kerror(ps, item, k, "'%s' is listed "
			    "twice", policy_parse_show(ps, s));
			continue;
		}
		*vp = xreallocarray(*vp, *np + 1, sizeof(**vp));
		(*vp)[(*np)++] = xstrdup(s);
	}
	return ok;
}

void
settings_strings_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
settings_clear(void)
{
	if (settings_ready)
		settings_free(&settings_running);
	settings_ready = false;
}
