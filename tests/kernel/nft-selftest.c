/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drives nftables/ against the real kernel for tests/lab/0001nft_apply_0
 * and 0002nft_ct_monitor_0: a hand-built ruleset with every match, set
 * type and verdict, applied, printed as nft text, compared for drift,
 * deleted; incremental element changes, conntrack flushes, neighbour
 * lookups and the nf_tables monitor.  Run it only inside a network
 * namespace the caller made for it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/netfilter.h>

#include "../../daemon/log.h"
#include "../../nftables/nft.h"
#include "../../nftables/ruleset.h"

static void usage(void) __attribute__((noreturn));

static void
usage(void)
{
	fprintf(stderr,
	    "usage: nft-selftest [big RULES] apply|text|drift|delete|bad|"
	    "counters|pairs\n"
	    "       nft-selftest add|del SET [-t SECONDS] ELEM...\n"
	    "       nft-selftest bench SET N REPS\n"
	    "       nft-selftest ctflush ADDR[/PLEN]...\n"
	    "       nft-selftest neigh MAC\n"
	    "       nft-selftest monitor SECONDS\n"
	    "  apply     nft_apply() the ruleset\n"
	    "  text      print ruleset_to_nft()\n"
	    "  drift     compare the kernel with the ruleset; exit 0 when they\n"
	    "            match, 3 when not\n"
	    "  delete    nft_delete_table()\n"
	    "  bad       apply the ruleset plus a jump to a missing chain\n"
	    "  counters  print the named counters\n"
	    "  big RULES a ruleset of RULES rules and 10*RULES prefixes\n"
	    "  add, del  nft_update_elems() on a set of the applied ruleset;\n"
	    "            ELEM as in nft with ',' for ' . ' (10.0.0.0/8,10.1.1.1)\n"
	    "            -t: timeout (add); many ELEMs go in one batch\n"
	    "  bench     apply, add N elements in one call, then REPS single\n"
	    "            adds and deletes: rates and p50/p99 latencies\n"
	    "  ctflush   nft_ct_flush() of the prefixes: count and time\n"
	    "  neigh     nft_neigh_addrs() of the MAC\n"
	    "  monitor   apply and update elements itself, then report\n"
	    "            foreign changes of table inet sanso for SECONDS\n");
	exit(2);
}

static bool
parse_prefix(int af, const char *text, uint8_t *addr, uint8_t *plen)
{
	char a[64], *slash;

	snprintf(a, sizeof(a), "%s", text);
	*plen = af == AF_INET6 ? 128 : 32;
	if ((slash = strchr(a, '/')) != NULL) {
		*slash = '\0';
		*plen = (uint8_t)atoi(slash + 1);
	}
	return inet_pton(af, a, addr) == 1;
}

static void
prefix(struct rs_set *s, const char *text)
{
	struct rs_elem *e = rs_set_add(s);
	int af = rs_set_addr_len(s) == 16 ? AF_INET6 : AF_INET;

	if (!parse_prefix(af, text, e->addr, &e->plen))
		fatalx("bad address %s", text);
}

static bool
parse_mac(uint8_t *m, const char *text)
{
	unsigned v[6], i;
	char end;

	if (sscanf(text, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3],
	    &v[4], &v[5], &end) != 6)
		return false;
	for (i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
	return true;
}

static void
mac(uint8_t *m, const char *text)
{
	if (!parse_mac(m, text))
		fatalx("bad mac %s", text);
}

/* An element of @s from text as in nft, ',' standing for ' . '. */
static bool
parse_elem(const struct rs_set *s, const char *text, struct rs_elem *e)
{
	int af = rs_set_addr_len(s) == 16 ? AF_INET6 : AF_INET;
	char a[128], *b;

	memset(e, 0, sizeof(*e));
	snprintf(a, sizeof(a), "%s", text);
	if ((b = strchr(a, ',')) != NULL)
		*b++ = '\0';
	switch (s->type) {
	case RS_SET_IFNAME:
		snprintf(e->ifname, sizeof(e->ifname), "%.15s", a);
		return b == NULL;
	case RS_SET_IFNAME_IFNAME:
		if (b == NULL)
			return false;
		snprintf(e->ifname, sizeof(e->ifname), "%.15s", a);
		snprintf(e->ifname2, sizeof(e->ifname2), "%.15s", b);
		return true;
	case RS_SET_IPV4:
	case RS_SET_IPV6:
		return b == NULL && parse_prefix(af, a, e->addr, &e->plen);
	case RS_SET_ETHER:
		return b == NULL && parse_mac(e->mac, a);
	case RS_SET_IPV4_ETHER:
	case RS_SET_IPV6_ETHER:
		return b != NULL && parse_prefix(af, a, e->addr, &e->plen) &&
		    parse_mac(e->mac, b);
	case RS_SET_ETHER_IPV4:
	case RS_SET_ETHER_IPV6:
		return b != NULL && parse_mac(e->mac, a) &&
		    parse_prefix(af, b, e->addr, &e->plen);
	case RS_SET_IPV4_IPV4:
	case RS_SET_IPV6_IPV6:
		return b != NULL && parse_prefix(af, a, e->addr, &e->plen) &&
		    parse_prefix(af, b, e->addr2, &e->plen2);
	}
	return false;
}

static void
ifname(struct rs_set *s, const char *name)
{
	snprintf(rs_set_add(s)->ifname, RS_IFNAME_MAX, "%s", name);
}

static void
pin(struct rs_set *s, const char *addr, const char *m)
{
	prefix(s, addr);
	mac(s->elems[s->n_elems - 1].mac, m);
}

static struct rs_match *
match_set(struct rs_rule *r, enum rs_match_type type, const char *set,
    bool neg)
{
	struct rs_match *m = rs_rule_match(r, type);

	snprintf(m->set, sizeof(m->set), "%s", set);
	m->neg = neg;
	return m;
}

static void
match_u(struct rs_rule *r, enum rs_match_type type, uint32_t u)
{
	rs_rule_match(r, type)->u = u;
}

static void
match_range(struct rs_rule *r, enum rs_match_type type, uint16_t lo,
    uint16_t hi)
{
	struct rs_match *m = rs_rule_match(r, type);

	m->lo = lo;
	m->hi = hi;
}

static struct rs_rule *
rule(struct rs_chain *c, enum rs_verdict v, const char *comment)
{
	struct rs_rule *r = rs_add_rule(c);

	r->verdict = v;
	if (comment != NULL)
		rs_rule_comment(r, "%s", comment);
	return r;
}

/* The last element added expires @ms from now (negative: has expired). */
static void
expires_in(struct rs_set *s, int64_t ms)
{
	s->elems[s->n_elems - 1].expires_ms = rs_now_ms() + ms;
}

static void
pair(struct rs_set *s, const char *a, const char *b)
{
	struct rs_elem *e = rs_set_add(s);
	int af = rs_set_addr_len(s) == 16 ? AF_INET6 : AF_INET;

	if (!parse_prefix(af, a, e->addr, &e->plen) ||
	    !parse_prefix(af, b, e->addr2, &e->plen2))
		fatalx("bad pair %s . %s", a, b);
}

static void
mac_addr(struct rs_set *s, const char *m, const char *a)
{
	prefix(s, a);
	mac(s->elems[s->n_elems - 1].mac, m);
}

static struct rs_set *
timeout_set(struct ruleset *rs, const char *name, enum rs_set_type type,
    const char *comment)
{
	struct rs_set *s = rs_add_set(rs, name, type, comment);

	s->timeout = true;
	return s;
}

/*
 * The CSIRT isolation sets, shaped like the compiler's: element timeouts
 * (one expired, one covered by a prefix that expires sooner, and with
 * SELFTEST_SOON one expiring within the drift check's 2 s), MACs, IP pairs
 * (pipapo) with a covered pair, IP pairs without ranges (hash), MAC . IP,
 * and dynamic sets the packet path fills.
 */
static void
selftest_isolation_sets(struct ruleset *rs)
{
	struct rs_set *s;
	struct rs_elem *e;

	s = timeout_set(rs, "iso4", RS_SET_IPV4, "CSIRT isolation, IPv4");
	prefix(s, "10.66.0.0/24");
	expires_in(s, 3600 * 1000);
	prefix(s, "10.66.0.7");		/* covered; its later expiry wins */
	expires_in(s, 7200 * 1000);
	prefix(s, "10.66.1.5");		/* no expiry */
	prefix(s, "10.66.2.5");		/* expired: not sent */
	expires_in(s, -1000);
	/* Gone in 1.5 s: only with SELFTEST_SOON=1, so that listings taken
	 * a moment apart otherwise agree. */
	if (getenv("SELFTEST_SOON") != NULL) {
		prefix(s, "10.66.3.0/24");
		expires_in(s, 1500);
	}
	/* Single addresses in hash sets: O(1) per change, where the kernel
	 * rebuilds an interval set's lookup array on every commit. */
	s = timeout_set(rs, "isohost4", RS_SET_IPV4, NULL);
	s->interval = false;
	prefix(s, "10.67.0.1");
	expires_in(s, 600 * 1000);
	prefix(s, "10.67.0.2");
	s = timeout_set(rs, "isohost6", RS_SET_IPV6, NULL);
	s->interval = false;
	prefix(s, "fd00:67::1");
	s = timeout_set(rs, "iso6", RS_SET_IPV6, NULL);
	prefix(s, "fd00:66::/64");
	expires_in(s, 3600 * 1000);
	prefix(s, "fd00:67::5");
	s = timeout_set(rs, "isomac", RS_SET_ETHER, "CSIRT isolation, MAC");
	e = rs_set_add(s);
	mac(e->mac, "02:66:00:00:00:01");
	expires_in(s, 1800 * 1000);
	e = rs_set_add(s);
	mac(e->mac, "02:66:00:00:00:02");
	s = timeout_set(rs, "isolearn4", RS_SET_IPV4, "learnt");
	s->interval = false;
	s->dynamic = true;
	s->gc_timeout_ms = 300 * 1000;
	s = timeout_set(rs, "isolearn6", RS_SET_IPV6, NULL);
	s->interval = false;
	s->dynamic = true;
	s->gc_timeout_ms = 600 * 1000;
	s = timeout_set(rs, "isokeep4", RS_SET_IPV4_IPV4, "prefix . kept");
	pair(s, "10.66.0.0/24", "192.168.1.5");
	expires_in(s, 3600 * 1000);
	pair(s, "10.66.0.9", "192.168.1.5");	/* covered in both */
	pair(s, "10.66.1.5", "192.168.1.0/24");
	s = rs_add_set(rs, "isokeep6", RS_SET_IPV6_IPV6, NULL);
	pair(s, "fd00:66::/64", "fd00:1::5");
	pair(s, "fd00:67::5", "::/0");
	/* Address . address without ranges: a hash of the concatenation. */
	s = timeout_set(rs, "isokeephost4", RS_SET_IPV4_IPV4, NULL);
	s->interval = false;
	pair(s, "10.67.0.1", "192.168.1.5");
	expires_in(s, 600 * 1000);
	pair(s, "10.67.0.2", "192.168.1.5");
	s = timeout_set(rs, "isokeephost6", RS_SET_IPV6_IPV6, NULL);
	s->interval = false;
	pair(s, "fd00:67::1", "fd00:1::5");
	s = timeout_set(rs, "isokeepmac4", RS_SET_ETHER_IPV4, NULL);
	mac_addr(s, "02:66:00:00:00:01", "192.168.1.5");
	expires_in(s, 1800 * 1000);
	s = rs_add_set(rs, "isokeepmac6", RS_SET_ETHER_IPV6, NULL);
	mac_addr(s, "02:66:00:00:00:01", "fd00:1::5");
}

static void
selftest_isolation_rules(struct rs_chain *iso)
{
	struct rs_rule *r;

	r = rule(iso, RS_V_RETURN, "isolated to kept");
	match_set(r, RS_M_SADDR_DADDR_SET, "isokeep4", false);
	r = rule(iso, RS_V_RETURN, "kept to isolated");
	match_set(r, RS_M_DADDR_SADDR_SET, "isokeep4", false);
	r = rule(iso, RS_V_RETURN, NULL);
	match_set(r, RS_M_SADDR_DADDR_SET, "isokeep6", false);
	r = rule(iso, RS_V_RETURN, "address to kept");
	match_set(r, RS_M_SADDR_DADDR_SET, "isokeephost4", false);
	r = rule(iso, RS_V_RETURN, NULL);
	match_set(r, RS_M_DADDR_SADDR_SET, "isokeephost6", false);
	r = rule(iso, RS_V_RETURN, "isolated MAC to kept");
	match_set(r, RS_M_ETHER_SADDR_DADDR_SET, "isokeepmac4", false);
	r = rule(iso, RS_V_DROP, NULL);
	match_set(r, RS_M_ETHER_SADDR_DADDR_SET, "isokeepmac6", true);
	r = rule(iso, RS_V_DROP, "isolation: MAC");
	match_u(r, RS_M_NFPROTO, NFPROTO_IPV4);
	match_set(r, RS_M_ETHER_SADDR_SET, "isomac", false);
	snprintf(r->update_set, sizeof(r->update_set), "isolearn4");
	r->counter = true;
	/* No nfproto before: the update's dependency is then ether type. */
	r = rule(iso, RS_V_DROP, NULL);
	match_set(r, RS_M_ETHER_SADDR_SET, "isomac", false);
	snprintf(r->update_set, sizeof(r->update_set), "isolearn6");
	r = rule(iso, RS_V_DROP, "from isolated");
	match_set(r, RS_M_SADDR_SET, "iso4", false);
	r = rule(iso, RS_V_DROP, "to isolated");
	match_set(r, RS_M_DADDR_SET, "iso4", false);
	r = rule(iso, RS_V_DROP, NULL);
	match_set(r, RS_M_SADDR_SET, "iso6", false);
	r = rule(iso, RS_V_DROP, NULL);
	match_set(r, RS_M_SADDR_SET, "isohost4", false);
	r = rule(iso, RS_V_DROP, NULL);
	match_set(r, RS_M_DADDR_SET, "isohost6", false);
	r = rule(iso, RS_V_DROP, "to a learnt address");
	match_set(r, RS_M_DADDR_SET, "isolearn4", false);
	r = rule(iso, RS_V_NONE, NULL);
	match_set(r, RS_M_SADDR_SET, "isolearn6", false);
	r->counter = true;
}

static void
selftest_log(struct rs_log *l, const char *prefix, unsigned rate,
    unsigned burst, const char *counter)
{
	l->rl_group = 7310;
	snprintf(l->rl_prefix, sizeof(l->rl_prefix), "%s", prefix);
	l->rl_snaplen = 96;
	l->rl_rate = rate;
	l->rl_burst = burst;
	snprintf(l->rl_counter, sizeof(l->rl_counter), "%s", counter);
}

/* Every set type, match type and verdict the IR has, with the interval
 * corner cases: a range at 0, one reaching the top, ::/0, an empty set. */
static struct ruleset *
selftest_ruleset(void)
{
	struct ruleset *rs = ruleset_new();
	struct rs_chain *fwd, *in, *out, *iso;
	struct rs_rule *r;
	struct rs_set *s;
	struct rs_elem *e;

	s = rs_add_set(rs, "z_lan_if", RS_SET_IFNAME, "zone lan");
	ifname(s, "eth1.20");
	ifname(s, "veth-a0");
	s = rs_add_set(rs, "z_lgwan-wan_if", RS_SET_IFNAME, NULL);
	ifname(s, "eth2");
	s = rs_add_set(rs, "z_lgwan_4", RS_SET_IPV4, "zone lgwan");
	prefix(s, "10.20.0.0/16");
	prefix(s, "10.20.5.0/24");	/* covered by the /16: dropped */
	prefix(s, "192.168.1.0/24");
	prefix(s, "10.21.0.0/24");
	prefix(s, "10.99.0.1");
	prefix(s, "10.99.0.2/31");	/* adjacent to the /32 before it */
	s = rs_add_set(rs, "z_top_4", RS_SET_IPV4, NULL);
	prefix(s, "0.0.0.0/8");
	prefix(s, "255.255.255.0/24");
	s = rs_add_set(rs, "z_lgwan_6", RS_SET_IPV6, NULL);
	prefix(s, "fd00:20::/64");
	prefix(s, "2001:db8::/32");
	s = rs_add_set(rs, "z_any_6", RS_SET_IPV6, NULL);
	prefix(s, "::/0");
	rs_add_set(rs, "h_empty_4", RS_SET_IPV4, NULL);
	s = rs_add_set(rs, "h_mac", RS_SET_ETHER, NULL);
	e = rs_set_add(s);
	mac(e->mac, "52:54:00:0a:00:05");
	s = rs_add_set(rs, "pin4", RS_SET_IPV4_ETHER, "pinned hosts");
	pin(s, "10.10.0.5", "52:54:00:0a:00:05");
	pin(s, "10.20.0.25", "02:5a:00:14:00:19");
	s = rs_add_set(rs, "pin6", RS_SET_IPV6_ETHER, NULL);
	pin(s, "fd00:20::100", "02:5a:00:14:00:64");
	selftest_isolation_sets(rs);
	/* Packet events: drops counted per interface pair. */
	s = rs_add_set(rs, "denypairs", RS_SET_IFNAME_IFNAME, "per pair");
	s->dynamic = true;
	s->counter = true;

	rs_add_counter(rs, "c_screen", "conduit screen");
	rs_add_counter(rs, "c_lgwan-out", NULL);
	rs_add_counter(rs, "c_lo", "loopback, 画面転送 \"quoted\"");
	rs_add_counter(rs, "c_log_deny", "packet events");

	/* A logging drop chain: limited log with its counter, then drop. */
	fwd = rs_add_chain(rs, "log_drop", RS_HOOK_NONE, 0, false);
	r = rule(fwd, RS_V_NONE, "log it");
	selftest_log(&r->log, "sanso iso", 50, 100, "c_log_deny");
	rule(fwd, RS_V_DROP, NULL);

	iso = rs_add_chain(rs, "isolation", RS_HOOK_NONE, 0, false);
	selftest_isolation_rules(iso);
	rule(iso, RS_V_RETURN, NULL);
	rs_add_chain(rs, "quarantine", RS_HOOK_NONE, 0, false);

	fwd = rs_add_chain(rs, "forward", RS_HOOK_FORWARD, 0, true);
	r = rule(fwd, RS_V_DROP, NULL);
	match_u(r, RS_M_CT_STATE, RS_CT_INVALID);
	snprintf(rule(fwd, RS_V_JUMP, NULL)->target, RS_NAME_MAX, "isolation");
	snprintf(rule(fwd, RS_V_JUMP, "quarantine")->target, RS_NAME_MAX,
	    "quarantine");
	r = rule(fwd, RS_V_DROP, "anti-spoof pin4");
	match_set(r, RS_M_SADDR_ETHER_SET, "pin4", true);
	r = rule(fwd, RS_V_DROP, "anti-spoof pin6");
	match_set(r, RS_M_SADDR_ETHER_SET, "pin6", true);
	r = rule(fwd, RS_V_ACCEPT, NULL);
	match_u(r, RS_M_CT_STATE, RS_CT_ESTABLISHED | RS_CT_RELATED);
	r = rule(fwd, RS_V_ACCEPT, "intra-zone lan");
	match_set(r, RS_M_IIFNAME_SET, "z_lan_if", false);
	match_set(r, RS_M_OIFNAME_SET, "z_lan_if", false);
	r = rule(fwd, RS_V_ACCEPT, "conduit screen svc rdp tcp/3389");
	match_set(r, RS_M_IIFNAME_SET, "z_lan_if", false);
	match_set(r, RS_M_SADDR_SET, "z_lgwan_4", false);
	match_set(r, RS_M_OIFNAME_SET, "z_lgwan-wan_if", false);
	match_set(r, RS_M_DADDR_SET, "z_lgwan_4", true);
	match_u(r, RS_M_L4PROTO, IPPROTO_TCP);
	match_range(r, RS_M_DPORT, 3389, 3389);
	snprintf(r->counter_obj, sizeof(r->counter_obj), "c_screen");
	r = rule(fwd, RS_V_ACCEPT, "conduit lgwan-out svc range udp/1000-2000");
	match_set(r, RS_M_OIFNAME_SET, "z_lgwan-wan_if", true);
	match_u(r, RS_M_L4PROTO, IPPROTO_UDP);
	match_range(r, RS_M_DPORT, 1000, 2000);
	r->counter = true;
	snprintf(r->counter_obj, sizeof(r->counter_obj), "c_lgwan-out");
	r = rule(fwd, RS_V_ACCEPT, "v6 conduit");
	match_u(r, RS_M_NFPROTO, NFPROTO_IPV6);
	match_set(r, RS_M_SADDR_SET, "z_lgwan_6", false);
	match_set(r, RS_M_DADDR_SET, "z_any_6", false);
	r = rule(fwd, RS_V_ACCEPT, "ping");
	match_range(r, RS_M_ICMP_TYPE, 8, 8);
	r = rule(fwd, RS_V_ACCEPT, NULL);
	match_u(r, RS_M_L4PROTO, IPPROTO_ICMP);
	match_range(r, RS_M_ICMP_TYPE, 0, 8);
	r = rule(fwd, RS_V_ACCEPT, NULL);
	match_set(r, RS_M_SADDR_SET, "z_top_4", false);
	match_range(r, RS_M_ICMP_TYPE, 3, 3);
	r = rule(fwd, RS_V_DROP, NULL);
	match_u(r, RS_M_IIFNAME, 0);
	snprintf(r->m[0].ifname, RS_IFNAME_MAX, "lo");
	r->m[0].neg = true;
	match_set(r, RS_M_DADDR_SET, "h_empty_4", false);
	rule(fwd, RS_V_NONE, NULL)->counter = true;
	/* Packet events: a logged conduit (no limit, no log counter), a
	 * jump to the logging drop, the pair count with a limited log. */
	r = rule(fwd, RS_V_ACCEPT, "conduit logged");
	match_set(r, RS_M_DADDR_SET, "h_empty_4", false);
	snprintf(r->counter_obj, sizeof(r->counter_obj), "c_screen");
	selftest_log(&r->log, "sanso conduit screen", 0, 0, "");
	r = rule(fwd, RS_V_JUMP, NULL);
	match_set(r, RS_M_SADDR_SET, "h_empty_4", false);
	snprintf(r->target, sizeof(r->target), "log_drop");
	r = rule(fwd, RS_V_NONE, "denied: count and log");
	snprintf(r->add_ifpair, sizeof(r->add_ifpair), "denypairs");
	selftest_log(&r->log, "sanso deny", 7, 3, "c_log_deny");

	in = rs_add_chain(rs, "input", RS_HOOK_INPUT, 0, true);
	r = rule(in, RS_V_ACCEPT, "loopback");
	match_u(r, RS_M_IIFNAME, 0);
	snprintf(r->m[0].ifname, RS_IFNAME_MAX, "lo");
	snprintf(r->counter_obj, sizeof(r->counter_obj), "c_lo");
	r = rule(in, RS_V_DROP, NULL);
	match_u(r, RS_M_CT_STATE, RS_CT_INVALID);
	r = rule(in, RS_V_ACCEPT, NULL);
	match_u(r, RS_M_CT_STATE, RS_CT_ESTABLISHED | RS_CT_RELATED);
	r = rule(in, RS_V_ACCEPT, "ICMPv6 ND");
	match_range(r, RS_M_ICMPV6_TYPE, 133, 136);
	r = rule(in, RS_V_ACCEPT, "gateway ssh for lan");
	match_set(r, RS_M_IIFNAME_SET, "z_lan_if", false);
	match_u(r, RS_M_L4PROTO, IPPROTO_TCP);
	match_range(r, RS_M_DPORT, 22, 22);
	r = rule(in, RS_V_ACCEPT, NULL);
	match_u(r, RS_M_L4PROTO, IPPROTO_ICMPV6);
	match_range(r, RS_M_ICMPV6_TYPE, 128, 128);

	out = rs_add_chain(rs, "output", RS_HOOK_OUTPUT, -5, false);
	r = rule(out, RS_V_NONE, NULL);
	match_u(r, RS_M_NFPROTO, NFPROTO_IPV4);
	r->counter = true;
	return rs;
}

/*
 * A large ruleset for timing: RULES conduit-like rules over RULES/50 zones,
 * each zone 500 prefixes (so 10*RULES elements), a counter per 5 rules.
 */
static struct ruleset *
big_ruleset(unsigned rules)
{
	struct ruleset *rs = ruleset_new();
	unsigned zones = rules / 50 ? rules / 50 : 1, per = 10 * rules / zones;
	unsigned z, i, n = 0;
	struct rs_chain *fwd;
	struct rs_rule *r;
	struct rs_set *s;
	struct rs_elem *e;
	char name[RS_NAME_MAX];
	uint32_t a;

	for (z = 0; z < zones; z++) {
		snprintf(name, sizeof(name), "z_%u_if", z);
		s = rs_add_set(rs, name, RS_SET_IFNAME, NULL);
		snprintf(rs_set_add(s)->ifname, RS_IFNAME_MAX, "eth%u.%u",
		    z / 4000, z % 4000);
		snprintf(name, sizeof(name), "z_%u_4", z);
		s = rs_add_set(rs, name, RS_SET_IPV4, NULL);
		for (i = 0; i < per; i++, n++) {
			/* /26 networks 128 addresses apart: never adjacent */
			a = htonl(0x0a000000u + (n << 7));
			e = rs_set_add(s);
			memcpy(e->addr, &a, 4);
			e->plen = 26;
		}
	}
	for (i = 0; i < rules / 5; i++) {
		snprintf(name, sizeof(name), "c_%u", i);
		rs_add_counter(rs, name, NULL);
	}
	fwd = rs_add_chain(rs, "forward", RS_HOOK_FORWARD, 0, true);
	r = rule(fwd, RS_V_ACCEPT, NULL);
	match_u(r, RS_M_CT_STATE, RS_CT_ESTABLISHED | RS_CT_RELATED);
	for (i = 0; i + 1 < rules; i++) {
		unsigned from = i % zones, to = (i / zones + from + 1) % zones;

		r = rule(fwd, RS_V_ACCEPT, NULL);
		rs_rule_comment(r, "conduit c%u svc tcp/%u", i, 1000 + i % 60000);
		snprintf(name, sizeof(name), "z_%u_if", from);
		match_set(r, RS_M_IIFNAME_SET, name, false);
		snprintf(name, sizeof(name), "z_%u_4", from);
		match_set(r, RS_M_SADDR_SET, name, false);
		snprintf(name, sizeof(name), "z_%u_if", to);
		match_set(r, RS_M_OIFNAME_SET, name, false);
		snprintf(name, sizeof(name), "z_%u_4", to);
		match_set(r, RS_M_DADDR_SET, name, false);
		match_u(r, RS_M_L4PROTO, IPPROTO_TCP);
		match_range(r, RS_M_DPORT, (uint16_t)(1000 + i % 60000),
		    (uint16_t)(1000 + i % 60000));
		snprintf(r->counter_obj, sizeof(r->counter_obj), "c_%u",
		    i % (rules / 5 ? rules / 5 : 1));
		if (rules / 5 == 0)
			r->counter_obj[0] = '\0';
	}
	return rs;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int
cmd_apply(struct ruleset *rs)
{
	char err[512];
	double t0 = now_ms();
	int ret;

	if ((ret = nft_apply(rs, err, sizeof(err))) < 0) {
		fprintf(stderr, "apply failed: %s\n", err);
		return 1;
	}
	printf("applied %zu sets, %zu elements, %zu counters, %zu rules in "
	    "%.1f ms\n", rs->n_sets, rs_n_elems(rs), rs->n_counters,
	    rs_n_rules(rs), now_ms() - t0);
	return 0;
}

static int
cmd_drift(struct ruleset *rs)
{
	struct nft_drift d;
	double t0 = now_ms();
	int ret;

	if ((ret = nft_check_drift(rs, &d)) < 0) {
		fprintf(stderr, "drift: %s\n", strerror(-ret));
		return 1;
	}
	if (d.match)
		printf("match (%.1f ms)\n", now_ms() - t0);
	else
		printf("%s: %s\n", d.present ? "mismatch" : "missing", d.detail);
	return d.match ? 0 : 3;
}

static int
cmd_counters(void)
{
	struct nft_counter_value *v;
	size_t n, i;
	int ret;

	if ((ret = nft_read_counters(&v, &n)) < 0) {
		fprintf(stderr, "counters: %s\n", strerror(-ret));
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("%s %llu %llu\n", v[i].name,
		    (unsigned long long)v[i].packets,
		    (unsigned long long)v[i].bytes);
	free(v);
	return 0;
}

/* nft_read_pair_counters(): "IIF OIF PACKETS BYTES" per element. */
static int
cmd_pairs(void)
{
	struct nft_pair_counter *v;
	size_t n, i;
	int ret;

	if ((ret = nft_read_pair_counters(&v, &n)) < 0) {
		fprintf(stderr, "pairs: %s\n", strerror(-ret));
		return 1;
	}
	for (i = 0; i < n; i++)
		printf("%s %s %llu %llu\n", v[i].iif, v[i].oif,
		    (unsigned long long)v[i].packets,
		    (unsigned long long)v[i].bytes);
	free(v);
	return 0;
}

/* add|del SET [-t SECONDS] ELEM...: one nft_update_elems() call. */
static int
cmd_update(struct ruleset *rs, enum nft_elem_verb verb, int argc, char **argv)
{
	struct nft_elem_change *v;
	struct rs_elem *e;
	const struct rs_set *s;
	char err[512];
	double t0;
	long ttl = 0;
	int i = 0, n = 0, ret;

	if (argc < 2)
		usage();
	if ((s = rs_find_set(rs, argv[0])) == NULL) {
		fprintf(stderr, "no set %s in the selftest ruleset\n", argv[0]);
		return 2;
	}
	argc--, argv++;
	if (argc >= 2 && strcmp(argv[0], "-t") == 0) {
		ttl = strtol(argv[1], NULL, 10);
		argc -= 2, argv += 2;
	}
	v = calloc((size_t)argc + 1, sizeof(*v));
	e = calloc((size_t)argc + 1, sizeof(*e));
	if (v == NULL || e == NULL)
		fatal("calloc");
	for (i = 0; i < argc; i++) {
		if (!parse_elem(s, argv[i], &e[n])) {
			fprintf(stderr, "bad element for set %s: %s\n", s->name,
			    argv[i]);
			ret = 2;
			goto done;
		}
		if (ttl > 0)
			e[n].expires_ms = rs_now_ms() + ttl * 1000;
		v[n].verb = verb;
		v[n].set = s;
		v[n].elem = &e[n];
		n++;
	}
	t0 = now_ms();
	if (nft_update_elems(v, (size_t)n, err, sizeof(err)) < 0) {
		fprintf(stderr, "update failed: %s\n", err);
		ret = 1;
		goto done;
	}
	printf("%s %d element%s in %.3f ms\n", verb == NFT_ELEM_ADD ?
	    "added" : "deleted", n, n == 1 ? "" : "s", now_ms() - t0);
	ret = 0;
done:
	free(v);
	free(e);
	return ret;
}

/* Element number @i of a benchmark: distinct keys for every set type. */
static void
bench_elem(const struct rs_set *s, uint32_t i, struct rs_elem *e)
{
	uint32_t a = htonl(0x0b000000u + i);	/* 11.0.0.0/8 */

	memset(e, 0, sizeof(*e));
	if (rs_set_addr_len(s) == 16) {
		e->addr[0] = 0xfd;
		e->addr[1] = 0x11;
		memcpy(e->addr + 12, &a, 4);
		e->plen = 128;
	} else {
		memcpy(e->addr, &a, 4);
		e->plen = 32;
	}
	e->mac[0] = 0x02;
	memcpy(e->mac + 2, &a, 4);
	memcpy(e->addr2, e->addr, 16);
	e->addr2[0] ^= 0x40;		/* another network */
	e->plen2 = e->plen;
}

static int
dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
bench_report(const char *what, double *t, size_t n)
{
	qsort(t, n, sizeof(*t), dbl_cmp);
	printf("%s: n %zu p50 %.3f ms p99 %.3f ms max %.3f ms\n", what, n,
	    t[n / 2], t[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1],
	    t[n - 1]);
}

/*
 * bench SET N REPS: apply the ruleset, add N elements to SET in one call,
 * then REPS times add one more element and delete it again, each a call
 * of its own, as an isolation and a release would be.
 */
static int
cmd_bench(struct ruleset *rs, const char *set, unsigned n, unsigned reps)
{
	struct nft_elem_change *v, one;
	struct rs_elem *e, extra;
	const struct rs_set *s;
	double t0, dt, *tadd, *tdel;
	char err[512];
	unsigned i;
	int ret = 1;

	if ((s = rs_find_set(rs, set)) == NULL || reps == 0) {
		fprintf(stderr, "no set %s (or REPS 0)\n", set);
		return 2;
	}
	if (cmd_apply(rs) != 0)
		return 1;
	v = calloc((size_t)n + 1, sizeof(*v));
	e = calloc((size_t)n + 1, sizeof(*e));
	tadd = calloc(reps, sizeof(*tadd));
	tdel = calloc(reps, sizeof(*tdel));
	if (v == NULL || e == NULL || tadd == NULL || tdel == NULL)
		fatal("calloc");
	for (i = 0; i < n; i++) {
		bench_elem(s, i, &e[i]);
		v[i].verb = NFT_ELEM_ADD;
		v[i].set = s;
		v[i].elem = &e[i];
	}
	if (n > 0) {
		t0 = now_ms();
		if (nft_update_elems(v, n, err, sizeof(err)) < 0) {
			fprintf(stderr, "bulk add failed: %s\n", err);
			goto done;
		}
		dt = now_ms() - t0;
		printf("bulk: %u elements in one call in %.1f ms, %.0f "
		    "elements/s\n", n, dt, n / (dt / 1e3));
	}
	one.set = s;
	one.elem = &extra;
	for (i = 0; i < reps; i++) {
		bench_elem(s, n + 1 + i, &extra);
		extra.expires_ms = s->timeout ? rs_now_ms() + 3600 * 1000 : 0;
		one.verb = NFT_ELEM_ADD;
		t0 = now_ms();
		if (nft_update_elems(&one, 1, err, sizeof(err)) < 0) {
			fprintf(stderr, "add failed: %s\n", err);
			goto done;
		}
		tadd[i] = now_ms() - t0;
		one.verb = NFT_ELEM_DEL;
		t0 = now_ms();
		if (nft_update_elems(&one, 1, err, sizeof(err)) < 0) {
			fprintf(stderr, "delete failed: %s\n", err);
			goto done;
		}
		tdel[i] = now_ms() - t0;
	}
	printf("set %s with %u elements:\n", s->name, n);
	bench_report("single add", tadd, reps);
	bench_report("single delete", tdel, reps);
	ret = 0;
done:
	free(v);
	free(e);
	free(tadd);
	free(tdel);
	return ret;
}

static int
cmd_ctflush(int argc, char **argv)
{
	struct nft_addr *v;
	double t0;
	int i, ret;

	if (argc < 1)
		usage();
	if ((v = calloc((size_t)argc, sizeof(*v))) == NULL)
		fatal("calloc");
	for (i = 0; i < argc; i++) {
		v[i].family = strchr(argv[i], ':') ? AF_INET6 : AF_INET;
		if (!parse_prefix(v[i].family, argv[i], v[i].addr,
		    &v[i].plen)) {
			fprintf(stderr, "bad address %s\n", argv[i]);
			free(v);
			return 2;
		}
	}
	t0 = now_ms();
	ret = nft_ct_flush(v, (size_t)argc);
	free(v);
	if (ret < 0) {
		fprintf(stderr, "ct flush: %s\n", strerror(-ret));
		return 1;
	}
	printf("deleted %d conntrack entr%s in %.3f ms\n", ret,
	    ret == 1 ? "y" : "ies", now_ms() - t0);
	return 0;
}

static int
cmd_neigh(const char *text)
{
	struct nft_addr *v;
	uint8_t m[6];
	char a[INET6_ADDRSTRLEN];
	size_t n, i;
	int ret;

	if (!parse_mac(m, text)) {
		fprintf(stderr, "bad MAC %s\n", text);
		return 2;
	}
	if ((ret = nft_neigh_addrs(m, &v, &n)) < 0) {
		fprintf(stderr, "neigh: %s\n", strerror(-ret));
		return 1;
	}
	for (i = 0; i < n; i++) {
		inet_ntop(v[i].family, v[i].addr, a, sizeof(a));
		printf("%s/%u\n", a, v[i].plen);
	}
	if (n == 0)
		printf("none\n");
	free(v);
	return 0;
}

/* Read what the monitor has for up to @ms; true when it saw foreign. */
static int
monitor_wait(int fd, int ms, bool *foreign)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	double end = now_ms() + ms;
	bool f;
	int ret;

	*foreign = false;
	while (now_ms() < end) {
		if (poll(&pfd, 1, (int)(end - now_ms()) + 1) < 0 &&
		    errno != EINTR)
			return -errno;
		if ((ret = nft_monitor_read(fd, &f)) < 0)
			return ret;
		*foreign |= f;
	}
	return 0;
}

/* 2000 elements into isohost4 in one call. */
static int
monitor_bulk(struct ruleset *rs)
{
	struct nft_elem_change *v;
	struct rs_elem *e;
	const struct rs_set *s = rs_find_set(rs, "isohost4");
	char err[512];
	unsigned i, n = 2000;
	int ret;

	if (s == NULL)
		fatalx("selftest ruleset without isohost4");
	v = calloc(n, sizeof(*v));
	e = calloc(n, sizeof(*e));
	if (v == NULL || e == NULL)
		fatal("calloc");
	for (i = 0; i < n; i++) {
		bench_elem(s, i, &e[i]);
		v[i].verb = NFT_ELEM_ADD;
		v[i].set = s;
		v[i].elem = &e[i];
	}
	if ((ret = nft_update_elems(v, n, err, sizeof(err))) < 0)
		fprintf(stderr, "bulk update failed: %s\n", err);
	free(v);
	free(e);
	return ret;
}

/*
 * monitor SECONDS: our own apply and element update must not count as
 * foreign, a bulk update of our own (which the monitor does not listen
 * to) must ask for a re-check; then, for SECONDS, every foreign change of table inet sanso is
 * printed as it is noticed (the decisions per generation go to stderr).
 */
static int
cmd_monitor(struct ruleset *rs, int seconds)
{
	struct nft_elem_change c;
	struct rs_elem e;
	char err[512];
	bool foreign;
	double t0, end;
	int fd, ret;

	log_setverbose(1);
	if ((fd = nft_monitor_open()) < 0) {
		fprintf(stderr, "monitor: %s\n", strerror(-fd));
		return 1;
	}
	if ((ret = nft_apply(rs, err, sizeof(err))) < 0) {
		fprintf(stderr, "apply failed: %s\n", err);
		goto done;
	}
	if ((ret = monitor_wait(fd, 300, &foreign)) < 0)
		goto done;
	printf("own apply: %s\n", foreign ? "foreign" : "not foreign");
	memset(&c, 0, sizeof(c));
	c.verb = NFT_ELEM_ADD;
	c.set = rs_find_set(rs, "iso4");
	c.elem = &e;
	if (c.set == NULL || !parse_elem(c.set, "10.77.0.1", &e))
		fatalx("selftest ruleset without iso4");
	if ((ret = nft_update_elems(&c, 1, err, sizeof(err))) < 0) {
		fprintf(stderr, "update failed: %s\n", err);
		goto done;
	}
	if ((ret = monitor_wait(fd, 300, &foreign)) < 0)
		goto done;
	printf("own update: %s\n", foreign ? "foreign" : "not foreign");
	if ((ret = monitor_bulk(rs)) < 0)
		goto done;
	if ((ret = monitor_wait(fd, 300, &foreign)) < 0)
		goto done;
	/* The monitor did not listen during it: the caller must look. */
	printf("own bulk update: %s\nready\n", foreign ? "re-check" :
	    "no re-check");
	fflush(stdout);
	t0 = now_ms();
	end = t0 + seconds * 1e3;
	while (now_ms() < end) {
		if ((ret = monitor_wait(fd, 50, &foreign)) < 0)
			goto done;
		if (foreign) {
			printf("foreign change at +%.0f ms\n", now_ms() - t0);
			fflush(stdout);
		}
	}
	ret = 0;
done:
	nft_monitor_close(fd);
	if (ret < 0 && ret != -1)
		fprintf(stderr, "monitor: %s\n", strerror(-ret));
	return ret < 0 ? 1 : 0;
}

int
main(int argc, char *argv[])
{
	struct ruleset *rs;
	struct rs_rule *r;
	const char *cmd;
	char err[512], *text;
	int ret = 0;

	log_init("nft-selftest", true, 0);
	if (argc == 4 && strcmp(argv[1], "big") == 0) {
		rs = big_ruleset((unsigned)strtoul(argv[2], NULL, 10));
		cmd = argv[3];
	} else if (argc >= 2) {
		rs = selftest_ruleset();
		cmd = argv[1];
	} else
		usage();

	if (strcmp(cmd, "add") == 0 || strcmp(cmd, "del") == 0)
		ret = cmd_update(rs, cmd[0] == 'a' ? NFT_ELEM_ADD :
		    NFT_ELEM_DEL, argc - 2, argv + 2);
	else if (strcmp(cmd, "bench") == 0 && argc == 5)
		ret = cmd_bench(rs, argv[2], (unsigned)strtoul(argv[3], NULL,
		    10), (unsigned)strtoul(argv[4], NULL, 10));
	else if (strcmp(cmd, "ctflush") == 0)
		ret = cmd_ctflush(argc - 2, argv + 2);
	else if (strcmp(cmd, "neigh") == 0 && argc == 3)
		ret = cmd_neigh(argv[2]);
	else if (strcmp(cmd, "monitor") == 0 && argc == 3)
		ret = cmd_monitor(rs, atoi(argv[2]));
	else if (argc != 2 && strcmp(argv[1], "big") != 0) {
		ruleset_free(rs);
		usage();
	} else if (strcmp(cmd, "apply") == 0)
		ret = cmd_apply(rs);
	else if (strcmp(cmd, "text") == 0) {
		text = ruleset_to_nft(rs);
		fputs(text, stdout);
		free(text);
	} else if (strcmp(cmd, "drift") == 0)
		ret = cmd_drift(rs);
	else if (strcmp(cmd, "delete") == 0) {
		if (nft_delete_table(err, sizeof(err)) < 0) {
			fprintf(stderr, "delete failed: %s\n", err);
			ret = 1;
		}
	} else if (strcmp(cmd, "bad") == 0) {
		r = rule(rs_find_chain(rs, "forward"), RS_V_JUMP,
		    "bad jump to a chain that does not exist");
		snprintf(r->target, sizeof(r->target), "nonexistent");
		ret = cmd_apply(rs);
	} else if (strcmp(cmd, "counters") == 0)
		ret = cmd_counters();
	else if (strcmp(cmd, "pairs") == 0)
		ret = cmd_pairs();
	else {
		ruleset_free(rs);
		usage();
	}
	ruleset_free(rs);
	return ret;
}
