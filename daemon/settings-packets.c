/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The packets: section of sansod.yaml. */
#include <stddef.h>

#include <yaml.h>

#include "settings.h"
#include "settings-packets.h"
#include "settings-parse.h"

#define SK(f)	offsetof(struct settings_packets, f)
static const struct parse_key packets_keys[] = {
	{ "rate", YAML_SCALAR_NODE, settings_parse_uint, SK(sk_rate), 0, 0,
	  false, "packet events per second (0 = no limit)" },
	{ "burst", YAML_SCALAR_NODE, settings_parse_uint, SK(sk_burst), 0, 0,
	  false, "packet events in a burst above the rate" },
};

void
settings_packets_defaults(struct settings_packets *p)
{
	p->sk_rate = 50;
	p->sk_burst = 100;
}

bool
settings_parse_packets(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct settings	*s = obj;
	const char	*saved = ps->ps_what;
	bool		 ok;

	(void)k;
	ps->ps_what = "packets";
	ok = policy_parse_mapping(ps, n, n, packets_keys,
	    PARSE_NKEYS(packets_keys), &s->se_packets);
	if (ok && s->se_packets.sk_burst == 0) {
		/* nft refuses a limit without burst room for one packet. */
		s->se_packets.sk_burst = 1;
	}
	ps->ps_what = saved;
	return ok;
}
