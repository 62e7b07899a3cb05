/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The logs: section of sansod.yaml. */
#include <stddef.h>
#include <stdlib.h>

#include <yaml.h>

#include "settings.h"
#include "settings-parse.h"
#include "xmalloc.h"

#define SG(f)	offsetof(struct settings_logs, f)
static const struct parse_key logs_keys[] = {
	{ "json_file", YAML_SCALAR_NODE, settings_parse_string,
	  SG(sg_json_file), 0, 0, false,
	  "a file name (relative names are under the state directory)" },
};

void
settings_logs_defaults(struct settings_logs *g)
{
	g->sg_json_file = xstrdup("events.jsonl");
}

void
settings_logs_free(struct settings_logs *g)
{
	free(g->sg_json_file);
}

bool
settings_parse_logs(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct settings	*s = obj;
	const char	*saved = ps->ps_what;
	bool		 ok;

	(void)k;
	ps->ps_what = "logs";
	ok = policy_parse_mapping(ps, n, n, logs_keys, PARSE_NKEYS(logs_keys),
	    &s->se_logs);
	ps->ps_what = saved;
	return ok;
}
