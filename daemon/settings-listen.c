/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listen: section of sansod.yaml. */
#include <stddef.h>
#include <stdlib.h>

#include <yaml.h>

#include "settings.h"
#include "settings-parse.h"

#define SL(f)	offsetof(struct settings_listen, f)
static const struct parse_key listen_keys[] = {
	{ "https", YAML_SEQUENCE_NODE, settings_parse_strings, SL(sl_https), 0,
	  SL(sl_n_https), false, "a list of ADDRESS:PORT to serve HTTPS on" },
	{ "certificate", YAML_SCALAR_NODE, settings_parse_string,
	  SL(sl_certificate), 0, 0, false, "a PEM certificate file" },
	{ "key", YAML_SCALAR_NODE, settings_parse_string, SL(sl_key), 0, 0,
	  false, "a PEM private key file" },
	{ "body_max", YAML_SCALAR_NODE, settings_parse_size, SL(sl_body_max),
	  0, 0, false, "a size such as 32M" },
	{ "header_max", YAML_SCALAR_NODE, settings_parse_size,
	  SL(sl_header_max), 0, 0, false, "a size such as 16k" },
	{ "timeout", YAML_SCALAR_NODE, settings_parse_duration,
	  SL(sl_timeout), 0, 0, false, "a duration such as 30s" },
};

void
settings_listen_defaults(struct settings_listen *l)
{
	l->sl_https = NULL;
	l->sl_n_https = 0;
	l->sl_certificate = NULL;
	l->sl_key = NULL;
	l->sl_body_max = 32u * 1024 * 1024;
	l->sl_header_max = 16u * 1024;
	l->sl_timeout = 30;
}

void
settings_listen_free(struct settings_listen *l)
{
	settings_strings_free(l->sl_https, l->sl_n_https);
	free(l->sl_certificate);
	free(l->sl_key);
}

bool
settings_parse_listen(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct settings	*s = obj;
	const char	*saved = ps->ps_what;
	bool		 ok;

	(void)k;
	ps->ps_what = "listen";
	ok = policy_parse_mapping(ps, n, n, listen_keys,
	    PARSE_NKEYS(listen_keys), &s->se_listen);
	ps->ps_what = saved;
	return ok;
}
