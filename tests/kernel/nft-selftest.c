/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Drives nftables/ against the real kernel for tests/lab/0001nft_apply_0:
 * a hand-built ruleset with every match, set type and verdict, applied,
 * printed as nft text, compared for drift, deleted.  Run it only inside a
 * network namespace the caller made for it.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	    "counters\n"
	    "  apply     nft_apply() the ruleset\n"
	    "  text      print ruleset_to_nft()\n"
	    "  drift     compare the kernel with the ruleset; exit 0 when they\n"
	    "            match, 3 when not\n"
	    "  delete    nft_delete_table()\n"
	    "  bad       apply the ruleset plus a jump to a missing chain\n"
	    "  counters  print the named counters\n"
	    "  big RULES a ruleset of RULES rules and 10*RULES prefixes\n");
	exit(2);
}

static void
prefix(struct rs_set *s, const char *text)
{
	struct rs_elem *e = rs_set_add(s);
	char addr[64], *slash;
	int af = rs_set_is_ipv6(s) ? AF_INET6 : AF_INET;

	snprintf(addr, sizeof(addr), "%s", text);
	e->plen = af == AF_INET6 ? 128 : 32;
	if ((slash = strchr(addr, '/')) != NULL) {
		*slash = '\0';
		e->plen = (uint8_t)atoi(slash + 1);
	}
	if (inet_pton(af, addr, e->addr) != 1)
		fatalx("bad address %s", text);
}

static void
mac(uint8_t *m, const char *text)
{
	unsigned v[6], i;

	if (sscanf(text, "%x:%x:%x:%x:%x:%x", &v[0], &v[1], &v[2], &v[3],
	    &v[4], &v[5]) != 6)
		fatalx("bad mac %s", text);
	for (i = 0; i < 6; i++)
		m[i] = (uint8_t)v[i];
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

	rs_add_counter(rs, "c_screen", "conduit screen");
	rs_add_counter(rs, "c_lgwan-out", NULL);
	rs_add_counter(rs, "c_lo", "loopback, 画面転送 \"quoted\"");

	iso = rs_add_chain(rs, "isolation", RS_HOOK_NONE, 0, false);
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
	} else if (argc == 2) {
		rs = selftest_ruleset();
		cmd = argv[1];
	} else
		usage();

	if (strcmp(cmd, "apply") == 0)
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
	else {
		ruleset_free(rs);
		usage();
	}
	ruleset_free(rs);
	return ret;
}
