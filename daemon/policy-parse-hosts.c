/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hosts: section of policy.yaml: name -> { zone, address, mac, ... }. */
#include <stddef.h>
#include <string.h>

#include <yaml.h>

#include "policy.h"
#include "policy-parse.h"
#include "xmalloc.h"

struct hosts_ctx {
	struct policy	*hc_p;
	size_t		 hc_cap;
};

static bool
policy_parse_hosts_add_addr(struct parse *ps, struct host *h, size_t *cap,
    const yaml_node_t *n, const struct parse_key *k)
{
	struct prefix pfx;

	if (!policy_parse_prefix(ps, n, k, true, &pfx))
		return false;
	h->ho_addrs = xgrow(h->ho_addrs, cap, h->ho_n_addrs,
	    sizeof(*h->ho_addrs));
	h->ho_addrs[h->ho_n_addrs++] = pfx;
	return true;
}

/* One address, or a list of them (a dual-stack host). */
static bool
policy_parse_hosts_address(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct host		*h = obj;
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	size_t			 cap = 0;
	bool			 ok = true;

	switch (n->type) {
	case YAML_SCALAR_NODE:
		return policy_parse_hosts_add_addr(ps, h, &cap, n, k);
	case YAML_SEQUENCE_NODE:
		if (n->data.sequence.items.top == n->data.sequence.items.start)
			return policy_parse_kerror(ps, n, k, "expected %s, got "
			    "an empty list", k->pk_expect);
		for (it = n->data.sequence.items.start;
		    it < n->data.sequence.items.top; it++)
			if ((item = policy_parse_node(ps, *it)) != NULL &&
			    !policy_parse_hosts_add_addr(ps, h, &cap, item, k))
				ok = false;
		return ok;
	default:
		return policy_parse_kerror(ps, n, k, "expected %s, got %s",
		    k->pk_expect, policy_parse_describe(ps, n));
	}
}

static int
policy_parse_hosts_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "52:54:00:0a:00:05" or "52-54-00-0A-00-05": six octets, one separator. */
static bool
policy_parse_hosts_mac_parse(const char *s, uint8_t mac[6])
{
	int i, hi, lo;

	if (strlen(s) != 17)
		return false;
	for (i = 0; i < 6; i++) {
		hi = policy_parse_hosts_hex(s[i * 3]);
		lo = policy_parse_hosts_hex(s[i * 3 + 1]);
		if (hi < 0 || lo < 0)
			return false;
		if (i < 5 && (s[i * 3 + 2] != s[2] ||
		    (s[2] != ':' && s[2] != '-')))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool
policy_parse_hosts_mac(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	static const uint8_t zero[6];
	struct host	*h = obj;
	const char	*s;
	uint8_t		 mac[6];
	char		 buf[32];

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (!policy_parse_hosts_mac_parse(s, mac))
		return policy_parse_kerror(ps, n, k, "expected %s, got %s",
		    k->pk_expect, policy_parse_describe(ps, n));
	mac_str(mac, buf, sizeof(buf));
	/* Pinning to a group address would match any sender's frames. */
	if (mac[0] & 1)
		return policy_parse_kerror(ps, n, k, "%s is a multicast "
		    "address%s; a host's MAC is a unicast address", buf,
		    memcmp(mac, "\xff\xff\xff\xff\xff\xff", 6) == 0 ?
		    " (broadcast)" : "");
	if (memcmp(mac, zero, sizeof(zero)) == 0)
		return policy_parse_kerror(ps, n, k, "%s is not a usable MAC "
		    "address", buf);
	memcpy(h->ho_mac, mac, sizeof(h->ho_mac));
	h->ho_has_mac = true;
	h->ho_mac_loc = policy_parse_loc(ps, n);
	return true;
}

#define H(f)	offsetof(struct host, f)
static const struct parse_key host_keys[] = {
	{ "zone", YAML_SCALAR_NODE, policy_parse_ref, H(ho_zone_name),
	  H(ho_zone_loc), 0, true, "a zone name" },
	{ "address", YAML_NO_NODE, policy_parse_hosts_address, H(ho_addrs), 0,
	  H(ho_n_addrs), true,
	  "an address like 10.20.0.5 or fd00:20::5, or a list of them" },
	{ "mac", YAML_SCALAR_NODE, policy_parse_hosts_mac, H(ho_mac),
	  H(ho_mac_loc), 0, false,
	  "a MAC address like \"52:54:00:0a:00:05\"" },
	{ "sanitizer", YAML_SCALAR_NODE, policy_parse_sanitizer,
	  H(ho_sanitizer), H(ho_sanitizer_loc), 0, false,
	  "a sanitizer kind: screen-transfer, mail-text or file-sanitize" },
};
#undef H

static bool
policy_parse_hosts_one(struct parse *ps, const char *name, yaml_node_t *key,
    yaml_node_t *val, void *arg)
{
	struct hosts_ctx	*hc = arg;
	struct policy		*p = hc->hc_p;
	struct host		*h;

	if (val->type != YAML_MAPPING_NODE)
		return policy_parse_error(ps, val, "%s: expected a mapping "
		    "with zone and address, got %s", ps->ps_what,
		    policy_parse_describe(ps, val));
	p->p_hosts = xgrow(p->p_hosts, &hc->hc_cap, p->p_n_hosts,
	    sizeof(*p->p_hosts));
	h = &p->p_hosts[p->p_n_hosts++];
	memset(h, 0, sizeof(*h));
	h->ho_name = xstrdup(name);
	h->ho_loc = policy_parse_loc(ps, key);
	h->ho_sanitizer = SAN_NONE;
	return policy_parse_mapping(ps, val, key, host_keys,
	    PARSE_NKEYS(host_keys), h);
}

bool
policy_parse_hosts(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct hosts_ctx hc = { obj, 0 };

	(void)k;
	return policy_parse_named(ps, n, "host", policy_parse_hosts_one, &hc);
}
