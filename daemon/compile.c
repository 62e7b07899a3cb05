/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compiler: a validated policy becomes the sets, counters and chains of
 * table inet sanso. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"
#include "xmalloc.h"

/* Plain sets of every pinned host's addresses, so the anti-spoof rule only
 * costs one lookup for packets that are not from a pinned IP. */
#define SET_PINNED4	"pinned4"
#define SET_PINNED6	"pinned6"
#define SET_PIN4	"pin4"		/* ip . ether of every pinned host */
#define SET_PIN6	"pin6"

static const int families[] = { AF_INET, AF_INET6 };

static const char *
fam_suffix(int af)
{
	return af == AF_INET ? "4" : "6";
}

/* "z_lgwan_if", "h_screen-gw_4": policy names are at most 32 characters,
 * so every name fits RS_NAME_MAX. */
static void
compile_set_name(char *buf, const char *kind, const char *name,
    const char *suffix)
{
	snprintf(buf, RS_NAME_MAX, "%s_%s_%s", kind, name, suffix);
}

static bool
compile_zone_has_family(const struct zone *z, int af)
{
	size_t i;

	for (i = 0; i < z->zn_n_nets; i++)
		if (z->zn_nets[i].family == af)
			return true;
	return false;
}

static bool
compile_host_has_family(const struct host *h, int af)
{
	size_t i;

	for (i = 0; i < h->ho_n_addrs; i++)
		if (h->ho_addrs[i].family == af)
			return true;
	return false;
}

/* Whether traffic of family @af can match endpoint @e: a zone without
 * networks (an uplink) takes any address of both families. */
static bool
compile_side_has_family(const struct endpoint *e, int af)
{
	if (e->ep_host != NULL)
		return compile_host_has_family(e->ep_host, af);
	return e->ep_zone->zn_n_nets == 0 ||
	    compile_zone_has_family(e->ep_zone, af);
}

/* Whether a rule for @e carries an address match (which also fixes the
 * family of the rule). */
static bool
compile_side_has_addr(const struct endpoint *e)
{
	return e->ep_host != NULL || e->ep_zone->zn_n_nets > 0;
}

static void
compile_add_prefix(struct rs_set *s, const struct prefix *pfx)
{
	struct rs_elem *e = rs_set_add(s);

	memcpy(e->addr, pfx->addr, pfx->family == AF_INET ? 4 : 16);
	e->plen = pfx->plen;
}

static void
compile_zone_sets(struct ruleset *rs, const struct zone *z)
{
	char name[RS_NAME_MAX], comment[128];
	struct rs_set *s;
	size_t i, f;

	compile_set_name(name, "z", z->zn_name, "if");
	snprintf(comment, sizeof(comment), "zone %s (%s) interfaces",
	    z->zn_name, tier_name(z->zn_tier));
	s = rs_add_set(rs, name, RS_SET_IFNAME, comment);
	for (i = 0; i < z->zn_n_ifaces; i++)
		snprintf(rs_set_add(s)->ifname, RS_IFNAME_MAX, "%s",
		    z->zn_ifaces[i]);

	for (f = 0; f < 2; f++) {
		int af = families[f];

		if (!compile_zone_has_family(z, af))
			continue;
		compile_set_name(name, "z", z->zn_name, fam_suffix(af));
		snprintf(comment, sizeof(comment), "zone %s networks",
		    z->zn_name);
		s = rs_add_set(rs, name,
		    af == AF_INET ? RS_SET_IPV4 : RS_SET_IPV6, comment);
		for (i = 0; i < z->zn_n_nets; i++)
			if (z->zn_nets[i].family == af)
				compile_add_prefix(s, &z->zn_nets[i]);
	}
}

static void
compile_host_sets(struct ruleset *rs, const struct host *h)
{
	char name[RS_NAME_MAX], comment[128];
	struct rs_set *s;
	size_t i, f;

	for (f = 0; f < 2; f++) {
		int af = families[f];

		if (!compile_host_has_family(h, af))
			continue;
		compile_set_name(name, "h", h->ho_name, fam_suffix(af));
		snprintf(comment, sizeof(comment), "host %s in zone %s",
		    h->ho_name, h->ho_zone->zn_name);
		s = rs_add_set(rs, name,
		    af == AF_INET ? RS_SET_IPV4 : RS_SET_IPV6, comment);
		for (i = 0; i < h->ho_n_addrs; i++)
			if (h->ho_addrs[i].family == af)
				compile_add_prefix(s, &h->ho_addrs[i]);
	}
}

/*
 * pinN holds (address . MAC) of every host with a MAC, pinnedN the same
 * addresses alone.  Sets are created only for a family that has a pinned
 * address; have[f] says which.
 */
static void
compile_pin_sets(struct ruleset *rs, const struct policy *p, bool have[2])
{
	size_t f, i, j, pin = 0, pinned = 0;

	for (f = 0; f < 2; f++) {
		int af = families[f];

		have[f] = false;
		for (i = 0; i < p->p_n_hosts; i++) {
			const struct host *h = &p->p_hosts[i];

			if (!h->ho_has_mac)
				continue;
			for (j = 0; j < h->ho_n_addrs; j++) {
				const struct prefix *a = &h->ho_addrs[j];
				struct rs_elem *e;

				if (a->family != af)
					continue;
				/* Indexes, not pointers: adding a set may
				 * move the array. */
				if (!have[f]) {
					pin = rs->n_sets;
					rs_add_set(rs,
					    af == AF_INET ? SET_PIN4 : SET_PIN6,
					    af == AF_INET ? RS_SET_IPV4_ETHER :
					    RS_SET_IPV6_ETHER,
					    "pinned hosts: address . MAC");
					pinned = rs->n_sets;
					rs_add_set(rs,
					    af == AF_INET ? SET_PINNED4 :
					    SET_PINNED6,
					    af == AF_INET ? RS_SET_IPV4 :
					    RS_SET_IPV6,
					    "pinned hosts: addresses");
					have[f] = true;
				}
				e = rs_set_add(&rs->sets[pin]);
				memcpy(e->addr, a->addr,
				    af == AF_INET ? 4 : 16);
				e->plen = a->plen;
				memcpy(e->mac, h->ho_mac, 6);
				compile_add_prefix(&rs->sets[pinned], a);
			}
		}
	}
}

static void
compile_match_set(struct rs_rule *r, enum rs_match_type type, bool neg,
    const char *set)
{
	struct rs_match *m = rs_rule_match(r, type);

	m->neg = neg;
	snprintf(m->set, sizeof(m->set), "%s", set);
}

static void
compile_match_ct(struct rs_rule *r, uint32_t states)
{
	rs_rule_match(r, RS_M_CT_STATE)->u = states;
}

static void
compile_match_nfproto(struct rs_rule *r, int af)
{
	rs_rule_match(r, RS_M_NFPROTO)->u =
	    af == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6;
}

/* One element of a service: tcp/udp with a port range, or every ICMP type
 * of the rule's family (replies are conntrack's business). */
static void
compile_match_ports(struct rs_rule *r, const struct port_range *pr, int af)
{
	struct rs_match *m;

	if (pr->proto == IPPROTO_ICMP) {
		rs_rule_match(r, RS_M_L4PROTO)->u =
		    af == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		return;
	}
	rs_rule_match(r, RS_M_L4PROTO)->u = pr->proto;
	m = rs_rule_match(r, RS_M_DPORT);
	m->lo = pr->lo;
	m->hi = pr->hi;
}

/* The interface half of an endpoint: the zone's (or the host's zone's)
 * interface set. */
static void
compile_match_iface(struct rs_rule *r, const struct endpoint *e, bool from)
{
	char name[RS_NAME_MAX];

	compile_set_name(name, "z", endpoint_zone(e)->zn_name, "if");
	compile_match_set(r, from ? RS_M_IIFNAME_SET : RS_M_OIFNAME_SET, false,
	    name);
}

/* The address half: the host's addresses (and its MAC when pinned and
 * on the opening side), or the zone's networks when it has any. */
static void
compile_match_addr(struct rs_rule *r, const struct endpoint *e, bool from,
    int af)
{
	enum rs_match_type type = from ? RS_M_SADDR_SET : RS_M_DADDR_SET;
	char name[RS_NAME_MAX];

	if (e->ep_host != NULL) {
		compile_set_name(name, "h", e->ep_host->ho_name,
		    fam_suffix(af));
		compile_match_set(r, type, false, name);
		if (from && e->ep_host->ho_has_mac)
			compile_match_set(r, RS_M_SADDR_ETHER_SET, false,
			    af == AF_INET ? SET_PIN4 : SET_PIN6);
	} else if (e->ep_zone->zn_n_nets > 0) {
		compile_set_name(name, "z", e->ep_zone->zn_name,
		    fam_suffix(af));
		compile_match_set(r, type, false, name);
	}
}

static void
compile_conduit_rule(struct rs_chain *ch, const struct conduit *c,
    const struct service *sv, const struct port_range *pr, int af)
{
	struct rs_rule *r = rs_add_rule(ch);
	char range[32];

	/* Without any address match both families would share one rule;
	 * keep one rule per family so counters and comments line up. */
	if (!compile_side_has_addr(&c->cd_from) &&
	    !compile_side_has_addr(&c->cd_to))
		compile_match_nfproto(r, af);
	compile_match_iface(r, &c->cd_from, true);
	compile_match_iface(r, &c->cd_to, false);
	compile_match_addr(r, &c->cd_from, true, af);
	compile_match_addr(r, &c->cd_to, false, af);
	if (pr != NULL)
		compile_match_ports(r, pr, af);
	snprintf(r->counter_obj, sizeof(r->counter_obj), "c_%s", c->cd_name);
	r->verdict = RS_V_ACCEPT;
	r->origin = c;
	if (sv != NULL)
		rs_rule_comment(r, "conduit %s svc %s %s", c->cd_name,
		    sv->sv_name, port_range_str(pr, range, sizeof(range)));
	else
		rs_rule_comment(r, "conduit %s svc any", c->cd_name);
}

/* One rule per service element and family that both sides can have. */
static void
compile_conduit(struct ruleset *rs, struct rs_chain *ch,
    const struct conduit *c)
{
	char name[RS_NAME_MAX], comment[128];
	size_t f, i, j;

	snprintf(name, sizeof(name), "c_%s", c->cd_name);
	snprintf(comment, sizeof(comment), "conduit %s: %s -> %s", c->cd_name,
	    c->cd_from.ep_name, c->cd_to.ep_name);
	rs_add_counter(rs, name, comment);

	for (f = 0; f < 2; f++) {
		int af = families[f];

		if (!compile_side_has_family(&c->cd_from, af) ||
		    !compile_side_has_family(&c->cd_to, af))
			continue;
		if (c->cd_any) {
			compile_conduit_rule(ch, c, NULL, NULL, af);
			continue;
		}
		for (i = 0; i < c->cd_n_services; i++) {
			const struct service *sv = c->cd_svcs[i];

			for (j = 0; j < sv->sv_n_ports; j++)
				compile_conduit_rule(ch, c, sv,
				    &sv->sv_ports[j], af);
		}
	}
}

static void
compile_forward(struct ruleset *rs, const struct policy *p,
    const bool have_pin[2])
{
	struct rs_chain *ch;
	struct rs_rule *r;
	char name[RS_NAME_MAX];
	size_t i, f;

	ch = rs_add_chain(rs, CHAIN_FORWARD, RS_HOOK_FORWARD, 0, true);

	r = rs_add_rule(ch);
	compile_match_ct(r, RS_CT_INVALID);
	r->verdict = RS_V_DROP;
	rs_rule_comment(r, "invalid");

	/* Isolation and quarantine come before est/rel so that they also cut
	 * connections that are already open. */
	r = rs_add_rule(ch);
	r->verdict = RS_V_JUMP;
	snprintf(r->target, sizeof(r->target), "%s", CHAIN_ISOLATION);
	r = rs_add_rule(ch);
	r->verdict = RS_V_JUMP;
	snprintf(r->target, sizeof(r->target), "%s", CHAIN_QUARANTINE);

	/* 特定通信 is pinned to IP and MAC (001 第16条の2(1)): a packet from a
	 * pinned address with another MAC is dropped, replies included. */
	for (f = 0; f < 2; f++) {
		if (!have_pin[f])
			continue;
		r = rs_add_rule(ch);
		compile_match_set(r, RS_M_SADDR_SET, false,
		    f == 0 ? SET_PINNED4 : SET_PINNED6);
		compile_match_set(r, RS_M_SADDR_ETHER_SET, true,
		    f == 0 ? SET_PIN4 : SET_PIN6);
		r->verdict = RS_V_DROP;
		rs_rule_comment(r, "pinned address with another MAC");
	}

	r = rs_add_rule(ch);
	compile_match_ct(r, RS_CT_ESTABLISHED | RS_CT_RELATED);
	r->verdict = RS_V_ACCEPT;
	rs_rule_comment(r, "established");

	/* Interfaces of one zone are one segment, except in quarantine where
	 * held laptops must not reach each other. */
	for (i = 0; i < p->p_n_zones; i++) {
		const struct zone *z = &p->p_zones[i];

		if (z->zn_tier == TIER_QUARANTINE || z->zn_n_ifaces < 2)
			continue;
		compile_set_name(name, "z", z->zn_name, "if");
		r = rs_add_rule(ch);
		compile_match_set(r, RS_M_IIFNAME_SET, false, name);
		compile_match_set(r, RS_M_OIFNAME_SET, false, name);
		r->verdict = RS_V_ACCEPT;
		rs_rule_comment(r, "zone %s intra-zone", z->zn_name);
	}

	for (i = 0; i < p->p_n_conduits; i++)
		compile_conduit(rs, ch, &p->p_conduits[i]);
}

/*
 * The gateway's own services per zone.  These match the interface only:
 * a DHCP client has no address yet, and the interface is what puts a
 * packet in a zone.  A zone with networks of one family gets rules for
 * that family only.
 */
static void
compile_gateway(struct rs_chain *ch, const struct policy *p,
    const struct zone *z)
{
	const struct service **svcs;
	char name[RS_NAME_MAX], range[32];
	size_t n, i, j, f;

	svcs = xcalloc(p->p_n_services + 1, sizeof(*svcs));
	n = policy_gateway_services(p, z, svcs, p->p_n_services + 1);
	if (n > p->p_n_services + 1)
		n = p->p_n_services + 1;
	compile_set_name(name, "z", z->zn_name, "if");
	for (f = 0; f < 2; f++) {
		int af = families[f];

		if (z->zn_n_nets > 0 && !compile_zone_has_family(z, af))
			continue;
		for (i = 0; i < n; i++) {
			for (j = 0; j < svcs[i]->sv_n_ports; j++) {
				const struct port_range *pr =
				    &svcs[i]->sv_ports[j];
				struct rs_rule *r = rs_add_rule(ch);

				compile_match_nfproto(r, af);
				compile_match_set(r, RS_M_IIFNAME_SET, false,
				    name);
				compile_match_ports(r, pr, af);
				r->verdict = RS_V_ACCEPT;
				rs_rule_comment(r, "gateway %s svc %s %s",
				    z->zn_name, svcs[i]->sv_name,
				    port_range_str(pr, range, sizeof(range)));
			}
		}
	}
	free(svcs);
}

static void
compile_input(struct ruleset *rs, const struct policy *p)
{
	struct rs_chain *ch;
	struct rs_rule *r;
	struct rs_match *m;
	size_t i;

	ch = rs_add_chain(rs, CHAIN_INPUT, RS_HOOK_INPUT, 0, true);

	r = rs_add_rule(ch);
	snprintf(rs_rule_match(r, RS_M_IIFNAME)->ifname, RS_IFNAME_MAX, "lo");
	r->verdict = RS_V_ACCEPT;

	r = rs_add_rule(ch);
	compile_match_ct(r, RS_CT_INVALID);
	r->verdict = RS_V_DROP;

	r = rs_add_rule(ch);
	compile_match_ct(r, RS_CT_ESTABLISHED | RS_CT_RELATED);
	r->verdict = RS_V_ACCEPT;

	/* Router and neighbour solicitation/advertisement: without them IPv6
	 * neighbours cannot resolve the gateway at all. */
	r = rs_add_rule(ch);
	rs_rule_match(r, RS_M_L4PROTO)->u = IPPROTO_ICMPV6;
	m = rs_rule_match(r, RS_M_ICMPV6_TYPE);
	m->lo = 133;
	m->hi = 136;
	r->verdict = RS_V_ACCEPT;
	rs_rule_comment(r, "ipv6 neighbour discovery");

	for (i = 0; i < p->p_n_zones; i++)
		compile_gateway(ch, p, &p->p_zones[i]);
}

struct ruleset *
compile_policy(const struct policy *p)
{
	struct ruleset *rs = ruleset_new();
	bool have_pin[2];
	size_t i;

	for (i = 0; i < p->p_n_zones; i++)
		compile_zone_sets(rs, &p->p_zones[i]);
	for (i = 0; i < p->p_n_hosts; i++)
		compile_host_sets(rs, &p->p_hosts[i]);
	compile_pin_sets(rs, p, have_pin);

	/* The regular chains first: a jump needs its target to exist when
	 * the rule is added in the same batch. */
	rs_add_chain(rs, CHAIN_ISOLATION, RS_HOOK_NONE, 0, false);
	rs_add_chain(rs, CHAIN_QUARANTINE, RS_HOOK_NONE, 0, false);
	compile_forward(rs, p, have_pin);
	compile_input(rs, p);

	rs_normalize(rs);
	return rs;
}
