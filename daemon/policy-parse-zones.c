/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The zones: section of policy.yaml: name -> { tier, interfaces, ... }. */
#include <stddef.h>
#include <string.h>

#include <yaml.h>

#include "policy.h"
#include "policy-parse.h"
#include "xmalloc.h"

static bool
policy_parse_zones_tier(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct zone	*z = obj;
	const char	*s;
	char		 list[128];
	size_t		 len = 0;
	int		 t;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (!tier_from_name(s, &z->zn_tier)) {
		list[0] = '\0';
		for (t = 0; t < TIER__COUNT && len < sizeof(list); t++)
			len += (size_t)snprintf(list + len, sizeof(list) - len,
			    "%s%s", t > 0 ? ", " : "", tier_name((enum tier)t));
		return policy_parse_kerror(ps, n, k, "unknown tier %s; "
		    "expected one of %s", policy_parse_describe(ps, n), list);
	}
	z->zn_tier_loc = policy_parse_loc(ps, n);
	return true;
}

/*
 * The kernel's own rule (dev_valid_name()): 1..15 bytes, not "." or "..",
 * no '/', ':' or whitespace.  The interface need not exist yet.
 */
static bool
policy_parse_zones_ifname_item(struct parse *ps, const yaml_node_t *n,
    const char *s, const struct parse_key *k)
{
	size_t len = strlen(s), i;

	if (len == 0)
		return policy_parse_kerror(ps, n, k, "an interface name cannot "
		    "be empty");
	if (len > POLICY_IFNAME_MAX)
		return policy_parse_kerror(ps, n, k, "interface name '%s' is "
		    "%zu bytes; the limit is %d", policy_parse_show(ps, s), len,
		    POLICY_IFNAME_MAX);
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return policy_parse_kerror(ps, n, k, "'%s' is not an interface "
		    "name", s);
	for (i = 0; i < len; i++) {
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return policy_parse_kerror(ps, n, k, "interface name "
			    "'%s' contains a control character",
			    policy_parse_show(ps, s));
		if (s[i] == '/' || s[i] == ':' || s[i] == ' ')
			return policy_parse_kerror(ps, n, k, "interface name "
			    "'%s' contains '%c'; names cannot contain '/', ':' "
			    "or spaces", policy_parse_show(ps, s), s[i]);
	}
	return true;
}

static bool
policy_parse_zones_ifaces(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct zone *z = obj;

	if (n->data.sequence.items.top == n->data.sequence.items.start)
		return policy_parse_kerror(ps, n, k, "a zone needs at least "
		    "one interface");
	if (!policy_parse_strv(ps, n, obj, k, policy_parse_zones_ifname_item))
		return false;
	return z->zn_n_ifaces > 0;
}

static bool
policy_parse_zones_networks(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct zone	*z = obj;
	struct prefix	 pfx;
	yaml_node_item_t *it;
	yaml_node_t	*item;
	size_t		 cap = 0;
	bool		 ok = true;

	for (it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	    it++) {
		if ((item = policy_parse_node(ps, *it)) == NULL)
			continue;
		if (!policy_parse_prefix(ps, item, k, false, &pfx)) {
			ok = false;
			continue;
		}
		z->zn_nets = xgrow(z->zn_nets, &cap, z->zn_n_nets,
		    sizeof(*z->zn_nets));
		z->zn_nets[z->zn_n_nets++] = pfx;
	}
	return ok;
}

static bool
policy_parse_zones_admission(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct zone	*z = obj;
	const char	*s;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (strcmp(s, "open") == 0)
		z->zn_admission = ADMISSION_OPEN;
	else if (strcmp(s, "registered") == 0)
		z->zn_admission = ADMISSION_REGISTERED;
	else
		return policy_parse_kerror(ps, n, k, "expected open or "
		    "registered, got %s", policy_parse_describe(ps, n));
	return true;
}

/* Written, even as [], it replaces the tier default (policy.h). */
static bool
policy_parse_zones_gateway(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct zone *z = obj;

	z->zn_gateway_set = true;
	return policy_parse_names(ps, n, obj, k);
}

#define Z(f)	offsetof(struct zone, f)
static const struct parse_key zone_keys[] = {
	{ "tier", YAML_SCALAR_NODE, policy_parse_zones_tier, Z(zn_tier),
	  Z(zn_tier_loc), 0, true,
	  "a tier: mynumber, lgwan, internet, quarantine, management or dmz" },
	{ "interfaces", YAML_SEQUENCE_NODE, policy_parse_zones_ifaces,
	  Z(zn_ifaces), Z(zn_iface_locs), Z(zn_n_ifaces), true,
	  "a list of interface names" },
	{ "networks", YAML_SEQUENCE_NODE, policy_parse_zones_networks,
	  Z(zn_nets), 0, Z(zn_n_nets), false,
	  "a list of networks like 10.20.0.0/16" },
	{ "uplink", YAML_SCALAR_NODE, policy_parse_bool, Z(zn_uplink), 0, 0,
	  false, "true or false" },
	{ "admission", YAML_SCALAR_NODE, policy_parse_zones_admission,
	  Z(zn_admission), 0, 0, false, "open or registered" },
	{ "gateway", YAML_SEQUENCE_NODE, policy_parse_zones_gateway,
	  Z(zn_gateway), Z(zn_gateway_locs), Z(zn_n_gateway), false,
	  "a list of service names" },
};
#undef Z

struct zones_ctx {
	struct policy	*zc_p;
	size_t		 zc_cap;
};

static bool
policy_parse_zones_one(struct parse *ps, const char *name, yaml_node_t *key,
    yaml_node_t *val, void *arg)
{
	struct zones_ctx	*zc = arg;
	struct policy		*p = zc->zc_p;
	struct zone		*z;

	if (val->type != YAML_MAPPING_NODE)
		return policy_parse_error(ps, val, "%s: expected a mapping "
		    "with tier, interfaces and networks, got %s", ps->ps_what,
		    policy_parse_describe(ps, val));
	p->p_zones = xgrow(p->p_zones, &zc->zc_cap, p->p_n_zones,
	    sizeof(*p->p_zones));
	z = &p->p_zones[p->p_n_zones++];
	memset(z, 0, sizeof(*z));
	z->zn_name = xstrdup(name);
	z->zn_loc = policy_parse_loc(ps, key);
	return policy_parse_mapping(ps, val, key, zone_keys,
	    PARSE_NKEYS(zone_keys), z);
}

bool
policy_parse_zones(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct zones_ctx zc = { obj, 0 };

	if (n->data.mapping.pairs.top == n->data.mapping.pairs.start)
		return policy_parse_kerror(ps, n, k, "a policy needs at least "
		    "one zone");
	return policy_parse_named(ps, n, "zone", policy_parse_zones_one, &zc);
}
