/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The services: section of policy.yaml: name -> [tcp/443, udp/53, icmp]. */
#include <netinet/in.h>

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <yaml.h>

#include "policy.h"
#include "policy-parse.h"
#include "xmalloc.h"

#define SERVICES_LIKE	"a port like tcp/443, udp/53, tcp/8000-8080 or icmp"

/* A port: 1..65535 in decimal, no sign, no leading zero. */
static const char *
policy_parse_services_port(const char *s, uint16_t *out)
{
	unsigned v = 0;

	if (*s < '1' || *s > '9')
		return NULL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 65535)
			return NULL;
	}
	*out = (uint16_t)v;
	return s;
}

static bool
policy_parse_services_range(struct parse *ps, const yaml_node_t *n,
    struct port_range *r)
{
	const char	*s, *rest;
	char		 proto[8];

	memset(r, 0, sizeof(*r));
	if (n->type != YAML_SCALAR_NODE || policy_parse_is_null(n))
		return policy_parse_error(ps, n, "%s: expected %s, got %s",
		    ps->ps_what, SERVICES_LIKE, policy_parse_describe(ps, n));
	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	r->loc = policy_parse_loc(ps, n);
	if (strcmp(s, "icmp") == 0) {
		r->proto = IPPROTO_ICMP;
		return true;
	}
	if (strncmp(s, "icmp/", 5) == 0)
		return policy_parse_error(ps, n, "%s: '%s': icmp takes no port",
		    ps->ps_what, policy_parse_show(ps, s));
	if (strncmp(s, "tcp/", 4) == 0)
		r->proto = IPPROTO_TCP;
	else if (strncmp(s, "udp/", 4) == 0)
		r->proto = IPPROTO_UDP;
	else
		return policy_parse_error(ps, n, "%s: expected %s, got %s",
		    ps->ps_what, SERVICES_LIKE, policy_parse_describe(ps, n));
	snprintf(proto, sizeof(proto), "%.3s", s);
	if ((rest = policy_parse_services_port(s + 4, &r->lo)) == NULL)
		goto bad;
	r->hi = r->lo;
	if (*rest == '-' &&
	    (rest = policy_parse_services_port(rest + 1, &r->hi)) == NULL)
		goto bad;
	if (*rest != '\0')
		goto bad;
	if (r->lo > r->hi)
		return policy_parse_error(ps, n, "%s: '%s' is a reversed "
		    "range; did you mean %s/%u-%u?", ps->ps_what, s, proto,
		    r->hi, r->lo);
	return true;
bad:
	return policy_parse_error(ps, n, "%s: '%s' is not %s; a port is a "
	    "number from 1 to 65535", ps->ps_what, policy_parse_show(ps, s),
	    SERVICES_LIKE);
}

struct services_ctx {
	struct policy	*sc_p;
	size_t		 sc_cap;
};

static bool
policy_parse_services_one(struct parse *ps, const char *name, yaml_node_t *key,
    yaml_node_t *val, void *arg)
{
	struct services_ctx	*sc = arg;
	struct policy		*p = sc->sc_p;
	struct service		*sv;
	struct port_range	 r;
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	size_t			 cap = 0;
	bool			 ok = true;

	/* Conduits say `services: [any]`; a service of that name would be
	 * ambiguous. */
	if (strcmp(name, "any") == 0)
		return policy_parse_error(ps, key, "'any' is reserved (a "
		    "conduit's services: [any]); name the service "
		    "differently");
	if (val->type != YAML_SEQUENCE_NODE)
		return policy_parse_error(ps, val, "%s: expected a list of "
		    "ports like [tcp/443, udp/53], got %s", ps->ps_what,
		    policy_parse_describe(ps, val));
	if (val->data.sequence.items.top == val->data.sequence.items.start)
		return policy_parse_error(ps, val, "%s: expected at least one "
		    "port, like [tcp/443]", ps->ps_what);
	p->p_services = xgrow(p->p_services, &sc->sc_cap, p->p_n_services,
	    sizeof(*p->p_services));
	sv = &p->p_services[p->p_n_services++];
	memset(sv, 0, sizeof(*sv));
	sv->sv_name = xstrdup(name);
	sv->sv_loc = policy_parse_loc(ps, key);
	for (it = val->data.sequence.items.start;
	    it < val->data.sequence.items.top; it++) {
		if ((item = policy_parse_node(ps, *it)) == NULL)
			continue;
		if (!policy_parse_services_range(ps, item, &r)) {
			ok = false;
			continue;
		}
		sv->sv_ports = xgrow(sv->sv_ports, &cap, sv->sv_n_ports,
		    sizeof(*sv->sv_ports));
		sv->sv_ports[sv->sv_n_ports++] = r;
	}
	return ok;
}

bool
policy_parse_services(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct services_ctx sc = { obj, 0 };

	(void)k;
	return policy_parse_named(ps, n, "service", policy_parse_services_one,
	    &sc);
}
