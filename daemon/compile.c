/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compiler: a validated policy becomes the sets, counters and chains of
 * table inet sanso. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../nftables/nflog.h"
#include "compile.h"
#include "settings.h"
#include "xmalloc.h"

/* Plain sets of every pinned host's addresses, so the anti-spoof rule only
 * costs one lookup for packets that are not from a pinned IP. */
#define SET_PINNED4	"pinned4"
#define SET_PINNED6	"pinned6"
#define SET_PIN4	"pin4"		/* ip . ether of every pinned host */
#define SET_PIN6	"pin6"

/* Regular chains that send a packet event (rate-limited) and drop: the
 * drop rules jump there, because a limit in the drop rule itself would
 * let through what is over the limit.  CHAIN_QUARANTINE_DROP is in
 * compile.h for the quarantine rules. */
#define CHAIN_ISOLATION_DROP	"isolation_drop"
#define CHAIN_PIN_DROP		"pin_drop"

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

/*
 * The `log` of a packet event: the nflog group, a prefix that names the
 * rule, a copy just long enough for the headers, the counter of what was
 * handed to nflog, and with @limited the rate of sansod.yaml packets:
 * (DESIGN.md: a flood must not drown the daemon).
 */
static void
compile_log(struct rs_log *l, const char *prefix, const char *counter,
    bool limited)
{
	const struct settings_packets *sp = &settings_current()->se_packets;

	l->rl_group = NFLOG_GROUP;
	snprintf(l->rl_prefix, sizeof(l->rl_prefix), "%s", prefix);
	l->rl_snaplen = NFLOG_SNAPLEN;
	if (limited && sp->sk_rate > 0) {
		l->rl_rate = sp->sk_rate;
		l->rl_burst = sp->sk_burst > 0 ? sp->sk_burst : 1;
	}
	snprintf(l->rl_counter, sizeof(l->rl_counter), "%s", counter);
}

/*
 * Every use of a 特定通信 (approval:) or a sanitiser crossing (via:) is an
 * event (002 §53-2).  Only the first packet of a flow reaches a conduit
 * rule (established and related are accepted before, invalid dropped),
 * so no `ct state new` is needed; and no limit, which would take the
 * accept away from what is over it: a flood of new flows overflows the
 * socket instead, and that loss is counted.
 */
static void
compile_conduit_log(struct rs_rule *r, const struct conduit *c)
{
	char prefix[RS_LOG_PREFIX_MAX];

	if (c->cd_approval == NULL && c->cd_via == SAN_NONE)
		return;
	snprintf(prefix, sizeof(prefix), "%s%s", NFLOG_PREFIX_CONDUIT,
	    c->cd_name);
	compile_log(&r->log, prefix, NFLOG_COUNTER_CONDUIT, false);
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
	compile_conduit_log(r, c);
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

/*
 * An explicit last drop besides the chain policy.  The kernel gives a new
 * base chain its drop policy only when it commits that chain, after the old
 * table's chains are unhooked and the new rules are live: without this rule
 * a packet in that window falls through to accept.
 */
static void
compile_final_drop(struct rs_chain *ch)
{
	struct rs_rule *r = rs_add_rule(ch);

	r->verdict = RS_V_DROP;
	rs_rule_comment(r, "default drop");
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
		r->verdict = RS_V_JUMP;
		snprintf(r->target, sizeof(r->target), "%s", CHAIN_PIN_DROP);
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

	/* What no conduit allowed: counted per interface pair (every
	 * packet, for the drops-per-zone-pair metric), then a packet event
	 * within the rate. */
	r = rs_add_rule(ch);
	snprintf(r->add_ifpair, sizeof(r->add_ifpair), "%s",
	    NFLOG_SET_DENYPAIRS);
	compile_log(&r->log, NFLOG_PREFIX_DENY, NFLOG_COUNTER_DENY, true);
	rs_rule_comment(r, "denied: count and log");

	compile_final_drop(ch);
}

/* A regular chain: a rate-limited packet event, then drop. */
static void
compile_drop_chain(struct ruleset *rs, const char *name, const char *prefix,
    const char *counter, const char *what)
{
	struct rs_chain *ch = rs_add_chain(rs, name, RS_HOOK_NONE, 0, false);
	struct rs_rule *r;

	r = rs_add_rule(ch);
	compile_log(&r->log, prefix, counter, true);
	rs_rule_comment(r, "%s: log", what);
	r = rs_add_rule(ch);
	r->verdict = RS_V_DROP;
	rs_rule_comment(r, "%s", what);
}

/* The sets, chains and counters of packet events and drop accounting. */
static void
compile_packet_events(struct ruleset *rs)
{
	struct rs_set *s;

	s = rs_add_set(rs, NFLOG_SET_DENYPAIRS, RS_SET_IFNAME_IFNAME,
	    "denied packets per interface pair");
	s->dynamic = true;
	s->counter = true;
	compile_drop_chain(rs, CHAIN_ISOLATION_DROP, NFLOG_PREFIX_ISOLATION,
	    NFLOG_COUNTER_ISOLATION, "isolation");
	compile_drop_chain(rs, CHAIN_QUARANTINE_DROP, NFLOG_PREFIX_QUARANTINE,
	    NFLOG_COUNTER_QUARANTINE, "quarantine");
	compile_drop_chain(rs, CHAIN_PIN_DROP, NFLOG_PREFIX_MAC,
	    NFLOG_COUNTER_MAC, "pinned address with another MAC");
}

static void
compile_log_counters(struct ruleset *rs)
{
	rs_add_counter(rs, NFLOG_COUNTER_DENY, "packet events: denied");
	rs_add_counter(rs, NFLOG_COUNTER_CONDUIT,
	    "packet events: 特定通信 and sanitiser crossings");
	rs_add_counter(rs, NFLOG_COUNTER_ISOLATION,
	    "packet events: isolation");
	rs_add_counter(rs, NFLOG_COUNTER_QUARANTINE,
	    "packet events: quarantine");
	rs_add_counter(rs, NFLOG_COUNTER_MAC,
	    "packet events: pinned address with another MAC");
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

	/* An isolated endpoint must not reach the gateway either (its DNS,
	 * its portal, ssh), also on connections it already has. */
	r = rs_add_rule(ch);
	r->verdict = RS_V_JUMP;
	snprintf(r->target, sizeof(r->target), "%s", CHAIN_ISOLATION);

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

	compile_final_drop(ch);
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
	compile_packet_events(rs);
	rs_add_chain(rs, CHAIN_ISOLATION, RS_HOOK_NONE, 0, false);
	rs_add_chain(rs, CHAIN_QUARANTINE, RS_HOOK_NONE, 0, false);
	compile_forward(rs, p, have_pin);
	compile_input(rs, p);
	/* After the conduits' counters, which keep their order. */
	compile_log_counters(rs);

	rs_normalize(rs);
	return rs;
}

/* --- CSIRT isolation ------------------------------------------------- */

int
compile_elem_cmp(const struct rs_set *s, const struct rs_elem *a,
    const struct rs_elem *b)
{
	int c;

	/* Pairs group by kept host first, so that the isolated prefixes
	 * kept to one host sit together and nest in order. */
	if (rs_set_is_pair(s)) {
		if ((c = memcmp(a->addr2, b->addr2, sizeof(a->addr2))) != 0)
			return c;
		if (a->plen2 != b->plen2)
			return a->plen2 < b->plen2 ? -1 : 1;
	}
	if ((c = memcmp(a->mac, b->mac, sizeof(a->mac))) != 0)
		return c;
	if ((c = memcmp(a->addr, b->addr, sizeof(a->addr))) != 0)
		return c;
	if (a->plen != b->plen)		/* the wider prefix first */
		return a->plen < b->plen ? -1 : 1;
	if (!rs_set_is_pair(s)) {
		if ((c = memcmp(a->addr2, b->addr2, sizeof(a->addr2))) != 0)
			return c;
		if (a->plen2 != b->plen2)
			return a->plen2 < b->plen2 ? -1 : 1;
	}
	return strcmp(a->ifname, b->ifname);
}

static const struct rs_set *compile_sort_set;	/* qsort has no context */

static int
compile_elem_qsort(const void *a, const void *b)
{
	return compile_elem_cmp(compile_sort_set, a, b);
}

/* @a (a prefix in addr/plen; for pairs with the same second address)
 * covers @b. */
static bool
compile_elem_covers(const struct rs_set *s, const struct rs_elem *a,
    const struct rs_elem *b)
{
	unsigned full = a->plen / 8, rest = a->plen % 8;
	uint8_t mask;

	if (!s->interval || b->plen < a->plen)
		return false;
	if (rs_set_is_pair(s) && (a->plen2 != b->plen2 ||
	    memcmp(a->addr2, b->addr2, sizeof(a->addr2)) != 0))
		return false;
	if (memcmp(a->addr, b->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a->addr[full] & mask) == (b->addr[full] & mask);
}

/* Sort, merge equal keys and nested prefixes, keeping the longest expiry. */
static void
compile_isolation_normalize(struct rs_set *s)
{
	size_t i, out;

	if (s->n_elems < 2)
		return;
	compile_sort_set = s;
	qsort(s->elems, s->n_elems, sizeof(*s->elems), compile_elem_qsort);
	compile_sort_set = NULL;
	out = 1;
	for (i = 1; i < s->n_elems; i++) {
		struct rs_elem *last = &s->elems[out - 1], *e = &s->elems[i];

		if (compile_elem_cmp(s, last, e) == 0 ||
		    compile_elem_covers(s, last, e)) {
			last->expires_ms = rs_expiry_later(last->expires_ms,
			    e->expires_ms);
			continue;
		}
		s->elems[out++] = *e;
	}
	s->n_elems = out;
}

static struct rs_set *
compile_iso_set(struct ruleset *rs, const char *name, enum rs_set_type type,
    bool interval, const char *comment)
{
	struct rs_set *s = rs_add_set(rs, name, type, comment);

	s->interval = interval;
	s->timeout = true;
	return s;
}

static void
compile_iso_addr(uint8_t dst[16], uint8_t *plen, const struct prefix *p)
{
	memcpy(dst, p->addr, p->family == AF_INET ? 4 : 16);
	*plen = p->plen;
}

/* The element of @t itself (not of its kept hosts). */
static void
compile_iso_target_elem(const struct isolation_target *t, int64_t expires_ms,
    struct rs_elem *e)
{
	memset(e, 0, sizeof(*e));
	if (t->it_kind == ISOLATION_MAC)
		memcpy(e->mac, t->it_mac, 6);
	else
		compile_iso_addr(e->addr, &e->plen, &t->it_prefix);
	e->expires_ms = expires_ms;
}

bool
compile_isolation_elem(const struct compile_isolation *ci, const char **set,
    struct rs_elem *e)
{
	const struct isolation_target *t = ci->ci_target;

	if (t->it_kind == ISOLATION_PREFIX || ci->ci_n_keep > 0)
		return false;
	if (t->it_kind == ISOLATION_MAC)
		*set = SET_ISOMAC;
	else
		*set = t->it_prefix.family == AF_INET ? SET_ISOHOST4 :
		    SET_ISOHOST6;
	compile_iso_target_elem(t, ci->ci_expires_ms, e);
	return true;
}

void
compile_isolation_sets(struct ruleset *rs, const struct compile_isolation *v,
    size_t n)
{
	struct rs_set	*iso[2], *host[2], *keep[2], *keephost[2], *keepmac[2];
	struct rs_set	*peer[2], *mac, *learn, *s;
	struct rs_elem	*e;
	size_t		 i, j, f, first;

	/* All sets first: adding one may move the others in memory. */
	first = rs->n_sets;
	compile_iso_set(rs, SET_ISO4, RS_SET_IPV4, true,
	    "CSIRT isolation, IPv4");
	compile_iso_set(rs, SET_ISO6, RS_SET_IPV6, true,
	    "CSIRT isolation, IPv6");
	compile_iso_set(rs, SET_ISOHOST4, RS_SET_IPV4, false,
	    "CSIRT isolation, IPv4 addresses");
	compile_iso_set(rs, SET_ISOHOST6, RS_SET_IPV6, false,
	    "CSIRT isolation, IPv6 addresses");
	compile_iso_set(rs, SET_ISOMAC, RS_SET_ETHER, false,
	    "CSIRT isolation, MAC");
	for (f = 0; f < 2; f++) {
		learn = compile_iso_set(rs, f == 0 ? SET_ISOLEARN4 :
		    SET_ISOLEARN6, f == 0 ? RS_SET_IPV4 : RS_SET_IPV6, false,
		    "addresses isolated MACs send from");
		learn->dynamic = true;
		learn->gc_timeout_ms = COMPILE_ISOLEARN_MS;
	}
	compile_iso_set(rs, SET_ISOKEEP4, RS_SET_IPV4_IPV4, true,
	    "isolated prefix . kept host");
	compile_iso_set(rs, SET_ISOKEEP6, RS_SET_IPV6_IPV6, true,
	    "isolated prefix . kept host");
	compile_iso_set(rs, SET_ISOKEEPHOST4, RS_SET_IPV4_IPV4, false,
	    "isolated address . kept host");
	compile_iso_set(rs, SET_ISOKEEPHOST6, RS_SET_IPV6_IPV6, false,
	    "isolated address . kept host");
	compile_iso_set(rs, SET_ISOKEEPMAC4, RS_SET_ETHER_IPV4, false,
	    "isolated MAC . kept host");
	compile_iso_set(rs, SET_ISOKEEPMAC6, RS_SET_ETHER_IPV6, false,
	    "isolated MAC . kept host");
	compile_iso_set(rs, SET_ISOMACPEER4, RS_SET_IPV4, true,
	    "hosts kept by a MAC isolation");
	compile_iso_set(rs, SET_ISOMACPEER6, RS_SET_IPV6, true,
	    "hosts kept by a MAC isolation");
	iso[0] = rs_find_set(rs, SET_ISO4);
	iso[1] = rs_find_set(rs, SET_ISO6);
	host[0] = rs_find_set(rs, SET_ISOHOST4);
	host[1] = rs_find_set(rs, SET_ISOHOST6);
	keephost[0] = rs_find_set(rs, SET_ISOKEEPHOST4);
	keephost[1] = rs_find_set(rs, SET_ISOKEEPHOST6);
	mac = rs_find_set(rs, SET_ISOMAC);
	keep[0] = rs_find_set(rs, SET_ISOKEEP4);
	keep[1] = rs_find_set(rs, SET_ISOKEEP6);
	keepmac[0] = rs_find_set(rs, SET_ISOKEEPMAC4);
	keepmac[1] = rs_find_set(rs, SET_ISOKEEPMAC6);
	peer[0] = rs_find_set(rs, SET_ISOMACPEER4);
	peer[1] = rs_find_set(rs, SET_ISOMACPEER6);

	for (i = 0; i < n; i++) {
		const struct isolation_target *t = v[i].ci_target;

		if (t->it_kind == ISOLATION_MAC)
			s = mac;
		else {
			f = t->it_prefix.family == AF_INET ? 0 : 1;
			s = t->it_kind == ISOLATION_IP ? host[f] : iso[f];
		}
		compile_iso_target_elem(t, v[i].ci_expires_ms, rs_set_add(s));
		for (j = 0; j < v[i].ci_n_keep; j++) {
			const struct prefix *k = &v[i].ci_keep[j].it_prefix;

			f = k->family == AF_INET ? 0 : 1;
			if (t->it_kind == ISOLATION_MAC) {
				e = rs_set_add(keepmac[f]);
				memcpy(e->mac, t->it_mac, 6);
				compile_iso_addr(e->addr, &e->plen, k);
				e->expires_ms = v[i].ci_expires_ms;
				e = rs_set_add(peer[f]);
				compile_iso_addr(e->addr, &e->plen, k);
				e->expires_ms = v[i].ci_expires_ms;
				continue;
			}
			if (k->family != t->it_prefix.family)
				continue;	/* refused by the service */
			s = t->it_kind == ISOLATION_IP ? keephost[f] : keep[f];
			e = rs_set_add(s);
			compile_iso_addr(e->addr, &e->plen, &t->it_prefix);
			compile_iso_addr(e->addr2, &e->plen2, k);
			e->expires_ms = v[i].ci_expires_ms;
		}
	}
	for (i = first; i < rs->n_sets; i++)
		compile_isolation_normalize(&rs->sets[i]);
}

static struct rs_rule *
compile_iso_rule(struct rs_chain *ch, enum rs_verdict verdict,
    const char *comment)
{
	struct rs_rule *r = rs_add_rule(ch);

	r->verdict = verdict;
	if (verdict == RS_V_DROP) {
		snprintf(r->counter_obj, sizeof(r->counter_obj), "%s",
		    COUNTER_ISOLATION);
		/* The drop and its packet event (rate-limited) are there. */
		r->verdict = RS_V_JUMP;
		snprintf(r->target, sizeof(r->target), "%s",
		    CHAIN_ISOLATION_DROP);
	}
	rs_rule_comment(r, "%s", comment);
	return r;
}

void
compile_isolation_rules(struct ruleset *rs)
{
	struct rs_chain	*ch = rs_find_chain(rs, CHAIN_ISOLATION);
	struct rs_rule	*r;
	size_t		 f;
	static const struct {
		const char *iso, *host, *learn, *keep, *keephost, *keepmac;
		const char *peer;
	} fam[2] = {
		{ SET_ISO4, SET_ISOHOST4, SET_ISOLEARN4, SET_ISOKEEP4,
		  SET_ISOKEEPHOST4, SET_ISOKEEPMAC4, SET_ISOMACPEER4 },
		{ SET_ISO6, SET_ISOHOST6, SET_ISOLEARN6, SET_ISOKEEP6,
		  SET_ISOKEEPHOST6, SET_ISOKEEPMAC6, SET_ISOMACPEER6 },
	};

	if (ch == NULL)
		return;
	rs_add_counter(rs, COUNTER_ISOLATION, "CSIRT isolation drops");

	/*
	 * Kept flows (EDR, forensics) return to the caller rather than being
	 * accepted: the policy still has to allow them, so an exception can
	 * never open what the tier invariants forbid.
	 */
	for (f = 0; f < 2; f++) {
		r = compile_iso_rule(ch, RS_V_RETURN,
		    "isolation: isolated to kept host");
		compile_match_set(r, RS_M_SADDR_DADDR_SET, false, fam[f].keep);
		r = compile_iso_rule(ch, RS_V_RETURN,
		    "isolation: kept host to isolated");
		compile_match_set(r, RS_M_DADDR_SADDR_SET, false, fam[f].keep);
		r = compile_iso_rule(ch, RS_V_RETURN,
		    "isolation: isolated address to kept host");
		compile_match_set(r, RS_M_SADDR_DADDR_SET, false,
		    fam[f].keephost);
		r = compile_iso_rule(ch, RS_V_RETURN,
		    "isolation: kept host to isolated address");
		compile_match_set(r, RS_M_DADDR_SADDR_SET, false,
		    fam[f].keephost);
		r = compile_iso_rule(ch, RS_V_RETURN,
		    "isolation: isolated MAC to kept host");
		compile_match_set(r, RS_M_ETHER_SADDR_DADDR_SET, false,
		    fam[f].keepmac);
		/* The way back to an isolated MAC goes to an address it was
		 * seen with; the set does not say which MAC, so any host a
		 * MAC isolation keeps may answer any of them. */
		r = compile_iso_rule(ch, RS_V_RETURN,
		    "isolation: kept host to isolated MAC");
		compile_match_set(r, RS_M_SADDR_SET, false, fam[f].peer);
		compile_match_set(r, RS_M_DADDR_SET, false, fam[f].learn);
	}
	for (f = 0; f < 2; f++) {
		/* A MAC isolation holds when the endpoint changes its
		 * address: whatever it sends from is learnt, and traffic to
		 * that address is dropped too. */
		r = compile_iso_rule(ch, RS_V_DROP, "isolation: MAC");
		compile_match_nfproto(r, families[f]);
		compile_match_set(r, RS_M_ETHER_SADDR_SET, false, SET_ISOMAC);
		snprintf(r->update_set, sizeof(r->update_set), "%s",
		    fam[f].learn);
		r = compile_iso_rule(ch, RS_V_DROP, "isolation: from isolated");
		compile_match_set(r, RS_M_SADDR_SET, false, fam[f].iso);
		r = compile_iso_rule(ch, RS_V_DROP, "isolation: to isolated");
		compile_match_set(r, RS_M_DADDR_SET, false, fam[f].iso);
		r = compile_iso_rule(ch, RS_V_DROP,
		    "isolation: from an isolated address");
		compile_match_set(r, RS_M_SADDR_SET, false, fam[f].host);
		r = compile_iso_rule(ch, RS_V_DROP,
		    "isolation: to an isolated address");
		compile_match_set(r, RS_M_DADDR_SET, false, fam[f].host);
		r = compile_iso_rule(ch, RS_V_DROP,
		    "isolation: from an isolated MAC's address");
		compile_match_set(r, RS_M_SADDR_SET, false, fam[f].learn);
		r = compile_iso_rule(ch, RS_V_DROP,
		    "isolation: to an isolated MAC's address");
		compile_match_set(r, RS_M_DADDR_SET, false, fam[f].learn);
	}
}

void
compile_isolations(struct ruleset *rs, const struct compile_isolation *v,
    size_t n)
{
	compile_isolation_sets(rs, v, n);
	compile_isolation_rules(rs);
}
