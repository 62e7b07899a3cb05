/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The packets: section of sansod.yaml: how many packet events the ruleset
 * hands to sansod (docs/packet-events.md). */
#ifndef SANSO_SETTINGS_PACKETS_H
#define SANSO_SETTINGS_PACKETS_H

#include <stdbool.h>

#include "policy-parse.h"

/**
 * struct settings_packets - packets:
 * @sk_rate: packet events per second for each kind of logged drop
 *   (denied, isolated, quarantine, unknown MAC), enforced by a `limit` in
 *   the ruleset so that a flood cannot drown sansod; what is over it is
 *   still counted per zone pair.  0 = no limit.  Default 50.
 * @sk_burst: events allowed above the rate in a burst (default 100; at
 *   least 1)
 */
struct settings_packets {
	unsigned	sk_rate;
	unsigned	sk_burst;
};

void	settings_packets_defaults(struct settings_packets *);
/* The section handler for settings.c's top-level table (@obj is the
 * struct settings). */
bool	settings_parse_packets(struct parse *, yaml_node_t *, void *,
	    const struct parse_key *);

#endif
