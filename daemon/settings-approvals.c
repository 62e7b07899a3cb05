/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The approvals: section of sansod.yaml. */
#include <stddef.h>

#include <yaml.h>

#include "settings.h"
#include "settings-approvals.h"
#include "settings-parse.h"

#define SP(f)	offsetof(struct settings_approvals, f)
static const struct parse_key approvals_keys[] = {
	{ "break_glass", YAML_SCALAR_NODE, policy_parse_bool,
	  SP(sp_break_glass), 0, 0, false, "true or false" },
	{ "exception_max", YAML_SCALAR_NODE, settings_parse_duration,
	  SP(sp_exception_max), 0, 0, false, "a duration such as 30d" },
};

void
settings_approvals_defaults(struct settings_approvals *a)
{
	a->sp_break_glass = false;
	a->sp_exception_max = 30L * 86400;
}

void
settings_approvals_free(struct settings_approvals *a)
{
	(void)a;
}

bool
settings_parse_approvals(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct settings	*s = obj;
	const char	*saved = ps->ps_what;
	bool		 ok;

	(void)k;
	ps->ps_what = "approvals";
	ok = policy_parse_mapping(ps, n, n, approvals_keys,
	    PARSE_NKEYS(approvals_keys), &s->se_approvals);
	ps->ps_what = saved;
	return ok;
}
