/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit: section of sansod.yaml. */
#include <stddef.h>
#include <stdlib.h>

#include <yaml.h>

#include "settings.h"
#include "settings-parse.h"
#include "xmalloc.h"

#define SA(f)	offsetof(struct settings_audit, f)
static const struct parse_key audit_keys[] = {
	{ "key_file", YAML_SCALAR_NODE, settings_parse_string,
	  SA(sa_key_file), 0, 0, false,
	  "a file name (relative names are under the state directory)" },
};

void
settings_audit_defaults(struct settings_audit *a)
{
	a->sa_key_file = xstrdup("audit.key");
}

void
settings_audit_free(struct settings_audit *a)
{
	free(a->sa_key_file);
	a->sa_key_file = NULL;
}

bool
settings_parse_audit(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct settings	*s = obj;
	const char	*saved = ps->ps_what;
	bool		 ok;

	(void)k;
	ps->ps_what = "audit";
	ok = policy_parse_mapping(ps, n, n, audit_keys,
	    PARSE_NKEYS(audit_keys), &s->se_audit);
	ps->ps_what = saved;
	return ok;
}
