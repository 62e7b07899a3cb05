/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the compiler: the exact sets, counters and rules a policy
 * yields in table inet sanso. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/compile.h"
#include "unit-policy.h"

/*
 * A rule as one line, close to nft syntax, so a test states the whole rule:
 * "iifname @z_lgwan_if ... l4proto tcp dport 3389 counter c_screen accept".
 */
static const char *
proto_name(uint32_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	default:
		return "?";
	}
}

static void
put_range(FILE *f, const char *what, const struct rs_match *m)
{
	if (m->lo == m->hi)
		fprintf(f, "%s %u", what, m->lo);
	else
		fprintf(f, "%s %u-%u", what, m->lo, m->hi);
}

static char *
rule_str(const struct rs_rule *r)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	for (i = 0; i < r->n_m; i++) {
		const struct rs_match *m = &r->m[i];
		const char *neg = m->neg ? "!= " : "";

		if (i > 0)
			fputc(' ', f);
		switch (m->type) {
		case RS_M_IIFNAME:
			fprintf(f, "iifname %s%s", neg, m->ifname);
			break;
		case RS_M_IIFNAME_SET:
			fprintf(f, "iifname %s@%s", neg, m->set);
			break;
		case RS_M_OIFNAME_SET:
			fprintf(f, "oifname %s@%s", neg, m->set);
			break;
		case RS_M_NFPROTO:
			fprintf(f, "nfproto %s", m->u == NFPROTO_IPV4 ? "ipv4" :
			    m->u == NFPROTO_IPV6 ? "ipv6" : "?");
			break;
		case RS_M_SADDR_SET:
			fprintf(f, "saddr %s@%s", neg, m->set);
			break;
		case RS_M_DADDR_SET:
			fprintf(f, "daddr %s@%s", neg, m->set);
			break;
		case RS_M_SADDR_ETHER_SET:
			fprintf(f, "saddr.ether %s@%s", neg, m->set);
			break;
		case RS_M_L4PROTO:
			fprintf(f, "l4proto %s", proto_name(m->u));
			break;
		case RS_M_DPORT:
			put_range(f, "dport", m);
			break;
		case RS_M_ICMP_TYPE:
			put_range(f, "icmp type", m);
			break;
		case RS_M_ICMPV6_TYPE:
			put_range(f, "icmpv6 type", m);
			break;
		case RS_M_CT_STATE:
			fprintf(f, "ct %s",
			    m->u == RS_CT_INVALID ? "invalid" :
			    m->u == (RS_CT_ESTABLISHED | RS_CT_RELATED) ?
			    "established,related" : "?");
			break;
		case RS_M_ETHER_SADDR_SET:
			fprintf(f, "ether saddr %s@%s", neg, m->set);
			break;
		case RS_M_SADDR_DADDR_SET:
			fprintf(f, "saddr.daddr %s@%s", neg, m->set);
			break;
		case RS_M_DADDR_SADDR_SET:
			fprintf(f, "daddr.saddr %s@%s", neg, m->set);
			break;
		case RS_M_ETHER_SADDR_DADDR_SET:
			fprintf(f, "ether saddr.daddr %s@%s", neg, m->set);
			break;
		}
	}
	if (r->update_set[0] != '\0')
		fprintf(f, "%supdate @%s", r->n_m > 0 ? " " : "",
		    r->update_set);
	if (r->counter_obj[0] != '\0')
		fprintf(f, "%scounter %s", r->n_m > 0 ? " " : "",
		    r->counter_obj);
	fprintf(f, "%s", r->n_m > 0 || r->counter_obj[0] ||
	    r->update_set[0] ? " " : "");
	switch (r->verdict) {
	case RS_V_ACCEPT:
		fputs("accept", f);
		break;
	case RS_V_DROP:
		fputs("drop", f);
		break;
	case RS_V_JUMP:
		fprintf(f, "jump %s", r->target);
		break;
	case RS_V_RETURN:
		fputs("return", f);
		break;
	case RS_V_NONE:
		break;
	}
	fclose(f);
	return buf;
}

static void
assert_rule(const struct rs_rule *r, const char *want)
{
	char *got = rule_str(r);

	ck_assert_msg(strcmp(got, want) == 0, "rule\n  got:  %s\n  want: %s",
	    got, want);
	free(got);
}

static const struct conduit *
conduit(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->p_n_conduits; i++)
		if (strcmp(p->p_conduits[i].cd_name, name) == 0)
			return &p->p_conduits[i];
	ck_abort_msg("no conduit %s", name);
	return NULL;
}

/* The rules compiled from one conduit, as lines, in order. */
static size_t
conduit_rules(const struct ruleset *rs, const struct conduit *c,
    char **out, size_t max)
{
	const struct rs_chain *ch = rs_find_chain(rs, CHAIN_FORWARD);
	size_t i, n = 0;

	for (i = 0; i < ch->n_rules; i++)
		if (ch->rules[i].origin == c) {
			if (n < max)
				out[n] = rule_str(&ch->rules[i]);
			n++;
		}
	return n;
}

static void
free_strs(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
}

/* Assert the conduit compiles to exactly @want (NULL-terminated). */
static void
assert_conduit(const struct policy *p, const struct ruleset *rs,
    const char *name, const char *const *want)
{
	char *got[32];
	size_t n, nw, i;

	for (nw = 0; want[nw] != NULL; nw++)
		;
	n = conduit_rules(rs, conduit(p, name), got, 32);
	ck_assert_uint_le(n, 32);
	for (i = 0; i < n && i < nw; i++)
		ck_assert_msg(strcmp(got[i], want[i]) == 0,
		    "conduit %s rule %zu\n  got:  %s\n  want: %s", name, i,
		    got[i], want[i]);
	ck_assert_msg(n == nw, "conduit %s: %zu rules, want %zu", name, n,
	    nw);
	free_strs(got, n);
}

static const struct rs_set *
set(const struct ruleset *rs, const char *name)
{
	const struct rs_set *s = rs_find_set(rs, name);

	ck_assert_msg(s != NULL, "no set %s", name);
	return s;
}

static void
assert_prefix_elem(const struct rs_elem *e, int af, const char *addr,
    unsigned plen)
{
	uint8_t want[16] = { 0 };

	ck_assert_int_eq(inet_pton(af, addr, want), 1);
	ck_assert_msg(memcmp(e->addr, want, af == AF_INET ? 4 : 16) == 0,
	    "element is not %s", addr);
	ck_assert_uint_eq(e->plen, plen);
}

static struct policy *alpha;
static struct ruleset *alpha_rs;

static void
alpha_setup(void)
{
	alpha = unit_policy_alpha();
	ck_assert_msg(alpha != NULL, "docs/policy-alpha.yaml does not validate");
	alpha_rs = compile_policy(alpha);
}

static void
alpha_teardown(void)
{
	ruleset_free(alpha_rs);
	policy_free(alpha);
}

START_TEST(alpha_forward_order)
{
	const struct rs_chain *ch = rs_find_chain(alpha_rs, CHAIN_FORWARD);

	ck_assert_ptr_nonnull(ch);
	ck_assert_int_eq(ch->hook, RS_HOOK_FORWARD);
	ck_assert(ch->policy_drop);
	ck_assert_uint_ge(ch->n_rules, 6);
	assert_rule(&ch->rules[0], "ct invalid drop");
	assert_rule(&ch->rules[1], "jump isolation");
	assert_rule(&ch->rules[2], "jump quarantine");
	/* mn-gw is the only pinned host and has no IPv6 address. */
	assert_rule(&ch->rules[3], "saddr @pinned4 saddr.ether != @pin4 jump pin_drop");
	assert_rule(&ch->rules[4], "ct established,related accept");
	/* Every zone of the α policy has one interface: no intra-zone rule,
	 * so the conduits follow, the first conduit first. */
	ck_assert_ptr_eq(ch->rules[5].origin, conduit(alpha, "lgwan-out"));
}
END_TEST

START_TEST(alpha_regular_chains)
{
	const struct rs_chain *iso = rs_find_chain(alpha_rs, CHAIN_ISOLATION);
	const struct rs_chain *q = rs_find_chain(alpha_rs, CHAIN_QUARANTINE);
	size_t i, fwd = 0;

	ck_assert_ptr_nonnull(iso);
	ck_assert_ptr_nonnull(q);
	ck_assert_int_eq(iso->hook, RS_HOOK_NONE);
	ck_assert_int_eq(q->hook, RS_HOOK_NONE);
	ck_assert_uint_eq(iso->n_rules, 0);
	ck_assert_uint_eq(q->n_rules, 0);
	/* Jump targets come before the chain that jumps. */
	for (i = 0; i < alpha_rs->n_chains; i++)
		if (strcmp(alpha_rs->chains[i].name, CHAIN_FORWARD) == 0)
			fwd = i;
	ck_assert(iso < &alpha_rs->chains[fwd]);
	ck_assert(q < &alpha_rs->chains[fwd]);
}
END_TEST

START_TEST(alpha_screen)
{
	static const char *const want[] = {
		"iifname @z_lgwan_if oifname @z_internet_if "
		    "saddr @z_lgwan_4 daddr @h_screen-gw_4 "
		    "l4proto tcp dport 3389 counter c_screen accept",
		NULL
	};
	const struct rs_chain *ch = rs_find_chain(alpha_rs, CHAIN_FORWARD);
	size_t i;

	/* screen-gw has no IPv6 address: one rule although lgwan has v6. */
	assert_conduit(alpha, alpha_rs, "screen", want);
	for (i = 0; i < ch->n_rules; i++)
		if (ch->rules[i].origin == conduit(alpha, "screen"))
			ck_assert_str_eq(ch->rules[i].comment,
			    "conduit screen svc rdp tcp/3389");
}
END_TEST

START_TEST(alpha_pinned_conduit)
{
	static const char *const want[] = {
		"iifname @z_mynumber_if oifname @z_lgwan-wan_if "
		    "saddr @h_mn-gw_4 saddr.ether @pin4 daddr @h_chukan_4 "
		    "l4proto tcp dport 443 counter c_mn-chukan accept",
		NULL
	};

	assert_conduit(alpha, alpha_rs, "mn-chukan", want);
}
END_TEST

START_TEST(alpha_uplink_both_families)
{
	static const char *const want[] = {
		"iifname @z_lgwan_if oifname @z_lgwan-wan_if saddr @z_lgwan_4 "
		    "l4proto tcp dport 443 counter c_lgwan-out accept",
		"iifname @z_lgwan_if oifname @z_lgwan-wan_if saddr @z_lgwan_4 "
		    "l4proto tcp dport 25 counter c_lgwan-out accept",
		"iifname @z_lgwan_if oifname @z_lgwan-wan_if saddr @z_lgwan_4 "
		    "l4proto udp dport 53 counter c_lgwan-out accept",
		"iifname @z_lgwan_if oifname @z_lgwan-wan_if saddr @z_lgwan_4 "
		    "l4proto tcp dport 53 counter c_lgwan-out accept",
		"iifname @z_lgwan_if oifname @z_lgwan-wan_if saddr @z_lgwan_6 "
		    "l4proto tcp dport 443 counter c_lgwan-out accept",
		"iifname @z_lgwan_if oifname @z_lgwan-wan_if saddr @z_lgwan_6 "
		    "l4proto tcp dport 25 counter c_lgwan-out accept",
		"iifname @z_lgwan_if oifname @z_lgwan-wan_if saddr @z_lgwan_6 "
		    "l4proto udp dport 53 counter c_lgwan-out accept",
		"iifname @z_lgwan_if oifname @z_lgwan-wan_if saddr @z_lgwan_6 "
		    "l4proto tcp dport 53 counter c_lgwan-out accept",
		NULL
	};
	static const char *const publish[] = {
		"iifname @z_isc_if oifname @z_dmz_if daddr @h_www_4 "
		    "l4proto tcp dport 443 counter c_publish accept",
		NULL
	};
	/* mgmt has only IPv4 networks: no IPv6 rule into dual-stack lgwan. */
	static const char *const mgmt[] = {
		"iifname @z_mgmt_if oifname @z_lgwan_if saddr @z_mgmt_4 "
		    "daddr @z_lgwan_4 l4proto tcp dport 22 "
		    "counter c_mgmt-ssh accept",
		"iifname @z_mgmt_if oifname @z_lgwan_if saddr @z_mgmt_4 "
		    "daddr @z_lgwan_4 l4proto icmp counter c_mgmt-ssh accept",
		NULL
	};

	assert_conduit(alpha, alpha_rs, "lgwan-out", want);
	assert_conduit(alpha, alpha_rs, "publish", publish);
	assert_conduit(alpha, alpha_rs, "mgmt-ssh", mgmt);
}
END_TEST

START_TEST(alpha_sanitizer_conduits)
{
	static const char *const file_in[] = {
		"iifname @z_lgwan_if oifname @z_internet_if saddr @z_lgwan_4 "
		    "daddr @h_file-clean_4 l4proto tcp dport 443 "
		    "counter c_file-in accept",
		NULL
	};
	static const char *const mail_in[] = {
		"iifname @z_internet_if oifname @z_lgwan_if "
		    "saddr @h_mail-clean_4 daddr @h_lgwan-mail_4 "
		    "l4proto tcp dport 25 counter c_mail-in accept",
		NULL
	};

	assert_conduit(alpha, alpha_rs, "file-in", file_in);
	assert_conduit(alpha, alpha_rs, "mail-in", mail_in);
}
END_TEST

/* The tier a set name belongs to ("z_isc_4" -> internet), or TIER__COUNT. */
static enum tier
set_tier(const struct policy *p, const char *set)
{
	char name[RS_NAME_MAX];
	const char *us;
	struct zone *z;
	struct host *h;

	if ((set[0] != 'z' && set[0] != 'h') || set[1] != '_' ||
	    (us = strrchr(set, '_')) == NULL || us == set + 1)
		return TIER__COUNT;
	snprintf(name, sizeof(name), "%.*s", (int)(us - set - 2), set + 2);
	if (set[0] == 'z' && (z = policy_zone(p, name)) != NULL)
		return z->zn_tier;
	if (set[0] == 'h' && (h = policy_host(p, name)) != NULL)
		return h->ho_zone->zn_tier;
	return TIER__COUNT;
}

/* 001 第16条の2(1): nothing ever joins マイナンバー利用事務系 and the
 * internet tier, whatever the chain. */
START_TEST(alpha_no_mynumber_internet)
{
	size_t c, r, m, n_mn = 0;

	for (c = 0; c < alpha_rs->n_chains; c++) {
		const struct rs_chain *ch = &alpha_rs->chains[c];

		for (r = 0; r < ch->n_rules; r++) {
			const struct rs_rule *rule = &ch->rules[r];
			bool mn = false, inet = false;

			for (m = 0; m < rule->n_m; m++) {
				enum tier t = set_tier(alpha, rule->m[m].set);

				mn |= t == TIER_MYNUMBER;
				inet |= t == TIER_INTERNET;
			}
			n_mn += mn;
			if (mn && inet) {
				char *s = rule_str(rule);

				ck_abort_msg("chain %s joins mynumber and "
				    "internet: %s", ch->name, s);
			}
		}
	}
	ck_assert_uint_eq(n_mn, 1);	/* only mn-chukan touches mynumber */
}
END_TEST

START_TEST(alpha_sets)
{
	const struct rs_set *s;

	s = set(alpha_rs, "z_lgwan_if");
	ck_assert_int_eq(s->type, RS_SET_IFNAME);
	ck_assert_uint_eq(s->n_elems, 1);
	ck_assert_str_eq(s->elems[0].ifname, "eth1.20");

	s = set(alpha_rs, "z_lgwan_4");
	ck_assert_int_eq(s->type, RS_SET_IPV4);
	ck_assert(s->interval);
	ck_assert_uint_eq(s->n_elems, 1);
	assert_prefix_elem(&s->elems[0], AF_INET, "10.20.0.0", 16);
	s = set(alpha_rs, "z_lgwan_6");
	ck_assert_int_eq(s->type, RS_SET_IPV6);
	assert_prefix_elem(&s->elems[0], AF_INET6, "fd00:20::", 64);

	/* Only families the zone has; uplinks none at all. */
	ck_assert_ptr_null(rs_find_set(alpha_rs, "z_mynumber_6"));
	ck_assert_ptr_null(rs_find_set(alpha_rs, "z_lgwan-wan_4"));
	ck_assert_ptr_null(rs_find_set(alpha_rs, "z_lgwan-wan_6"));
	ck_assert_ptr_nonnull(rs_find_set(alpha_rs, "z_isc_if"));

	s = set(alpha_rs, "h_chukan_4");
	ck_assert_uint_eq(s->n_elems, 1);
	assert_prefix_elem(&s->elems[0], AF_INET, "172.16.5.10", 32);
	ck_assert_ptr_null(rs_find_set(alpha_rs, "h_chukan_6"));

	s = set(alpha_rs, "pin4");
	ck_assert_int_eq(s->type, RS_SET_IPV4_ETHER);
	ck_assert_uint_eq(s->n_elems, 1);
	assert_prefix_elem(&s->elems[0], AF_INET, "10.10.0.5", 32);
	ck_assert(memcmp(s->elems[0].mac,
	    "\x52\x54\x00\x0a\x00\x05", 6) == 0);
	s = set(alpha_rs, "pinned4");
	ck_assert_uint_eq(s->n_elems, 1);
	assert_prefix_elem(&s->elems[0], AF_INET, "10.10.0.5", 32);
	ck_assert_ptr_null(rs_find_set(alpha_rs, "pin6"));
	ck_assert_ptr_null(rs_find_set(alpha_rs, "pinned6"));
}
END_TEST

START_TEST(alpha_counters)
{
	const struct rs_chain *ch = rs_find_chain(alpha_rs, CHAIN_FORWARD);
	size_t i, j, n;

	/* One per conduit, then the five of the packet events. */
	ck_assert_uint_eq(alpha_rs->n_counters, alpha->p_n_conduits + 5);
	for (i = 0; i < alpha->p_n_conduits; i++) {
		char name[RS_NAME_MAX];

		snprintf(name, sizeof(name), "c_%s",
		    alpha->p_conduits[i].cd_name);
		ck_assert_str_eq(alpha_rs->counters[i].name, name);
		n = 0;
		for (j = 0; j < ch->n_rules; j++) {
			const struct rs_rule *r = &ch->rules[j];

			if (r->origin != &alpha->p_conduits[i])
				continue;
			ck_assert_str_eq(r->counter_obj, name);
			ck_assert_int_eq(r->verdict, RS_V_ACCEPT);
			ck_assert_ptr_nonnull(r->comment);
			ck_assert_msg(strncmp(r->comment, "conduit ", 8) == 0 &&
			    strncmp(r->comment + 8, alpha->p_conduits[i].cd_name,
			    strlen(alpha->p_conduits[i].cd_name)) == 0,
			    "comment '%s'", r->comment);
			n++;
		}
		ck_assert_msg(n > 0, "conduit %s has no rule",
		    alpha->p_conduits[i].cd_name);
	}
}
END_TEST

START_TEST(alpha_input)
{
	static const char *const want[] = {
		"iifname lo accept",
		/* isolated endpoints must not reach the gateway either */
		"jump isolation",
		"ct invalid drop",
		"ct established,related accept",
		"l4proto icmpv6 icmpv6 type 133-136 accept",
		/* quarantine (v4 only): dns, dhcp, sanso by default */
		"nfproto ipv4 iifname @z_quarantine_if l4proto udp dport 53 accept",
		"nfproto ipv4 iifname @z_quarantine_if l4proto tcp dport 53 accept",
		"nfproto ipv4 iifname @z_quarantine_if l4proto udp dport 67 accept",
		"nfproto ipv4 iifname @z_quarantine_if l4proto tcp dport 443 accept",
		/* management (v4 only): ssh, sanso, ping */
		"nfproto ipv4 iifname @z_mgmt_if l4proto tcp dport 22 accept",
		"nfproto ipv4 iifname @z_mgmt_if l4proto tcp dport 443 accept",
		"nfproto ipv4 iifname @z_mgmt_if l4proto icmp accept",
		/* explicit, besides the policy: see compile_final_drop() */
		"drop",
		NULL
	};
	const struct rs_chain *ch = rs_find_chain(alpha_rs, CHAIN_INPUT);
	size_t i;

	ck_assert_ptr_nonnull(ch);
	ck_assert_int_eq(ch->hook, RS_HOOK_INPUT);
	ck_assert(ch->policy_drop);
	for (i = 0; want[i] != NULL && i < ch->n_rules; i++)
		assert_rule(&ch->rules[i], want[i]);
	ck_assert_uint_eq(ch->n_rules, i);
	ck_assert_ptr_null(want[i]);
}
END_TEST

/* Zones with two interfaces, dual-stack pinned host, uplink to uplink,
 * [any], icmp, port ranges, a family mismatch and a gateway override. */
static const char inline_yaml[] =
"version: 1\n"
"model: alpha\n"
"zones:\n"
"  office:  { tier: lgwan, interfaces: [eth1, eth2], networks: [10.1.0.0/16, \"fd00:1::/64\"] }\n"
"  v6only:  { tier: lgwan, interfaces: [eth3], networks: [\"fd00:3::/64\"] }\n"
"  servers: { tier: lgwan, interfaces: [eth8], networks: [10.8.0.0/24, \"fd00:8::/64\"], gateway: [dns] }\n"
"  wan:     { tier: lgwan, interfaces: [eth4], uplink: true }\n"
"  wan2:    { tier: lgwan, interfaces: [eth5], uplink: true }\n"
"  q:       { tier: quarantine, interfaces: [eth6, eth7], networks: [10.99.0.0/24] }\n"
"hosts:\n"
"  v4srv: { zone: servers, address: 10.8.0.10 }\n"
"  dual:  { zone: servers, address: [10.8.0.11, \"fd00:8::11\"], mac: \"52:54:00:00:00:11\" }\n"
"services:\n"
"  web:  [tcp/443, tcp/8000-8080]\n"
"conduits:\n"
"  - { name: to-v4,   from: v6only, to: v4srv,   services: [web] }\n"
"  - { name: wan-wan, from: wan,    to: wan2,    services: [web] }\n"
"  - { name: all,     from: office, to: servers, services: [any] }\n"
"  - { name: pinned,  from: dual,   to: wan,     services: [ping] }\n"
"  - { name: q-srv,   from: q,      to: v4srv,   services: [web] }\n"
"quarantine:\n"
"  zone: q\n"
"  remediation: [v4srv]\n"
"  checks: { signature_max_age: 2d, patch_max_age: 35d, full_scan_max_age: 7d, realtime: true }\n"
"  release: auto\n";

static struct policy *inl;
static struct ruleset *inl_rs;

static void
inline_setup(void)
{
	inl = unit_policy_yaml("inline.yaml", inline_yaml);
	ck_assert_msg(inl != NULL, "the inline policy does not validate");
	inl_rs = compile_policy(inl);
}

static void
inline_teardown(void)
{
	ruleset_free(inl_rs);
	policy_free(inl);
}

START_TEST(inline_forward_order)
{
	const struct rs_chain *ch = rs_find_chain(inl_rs, CHAIN_FORWARD);

	ck_assert_uint_ge(ch->n_rules, 8);
	assert_rule(&ch->rules[0], "ct invalid drop");
	assert_rule(&ch->rules[1], "jump isolation");
	assert_rule(&ch->rules[2], "jump quarantine");
	assert_rule(&ch->rules[3], "saddr @pinned4 saddr.ether != @pin4 jump pin_drop");
	assert_rule(&ch->rules[4], "saddr @pinned6 saddr.ether != @pin6 jump pin_drop");
	assert_rule(&ch->rules[5], "ct established,related accept");
	/* office has two interfaces; q has two as well but is quarantine. */
	assert_rule(&ch->rules[6], "iifname @z_office_if oifname @z_office_if accept");
	ck_assert_ptr_eq(ch->rules[7].origin, conduit(inl, "wan-wan"));
}
END_TEST

START_TEST(inline_no_common_family)
{
	char *got[4];

	/* v6only has no IPv4, v4srv no IPv6: no rule, but the counter. */
	ck_assert_uint_eq(conduit_rules(inl_rs, conduit(inl, "to-v4"), got, 4),
	    0);
	ck_assert_ptr_nonnull(rs_find_set(inl_rs, "z_v6only_6"));
	ck_assert_ptr_null(rs_find_set(inl_rs, "z_v6only_4"));
	ck_assert_str_eq(inl_rs->counters[0].name, "c_to-v4");
}
END_TEST

START_TEST(inline_uplink_to_uplink)
{
	static const char *const want[] = {
		"nfproto ipv4 iifname @z_wan_if oifname @z_wan2_if "
		    "l4proto tcp dport 443 counter c_wan-wan accept",
		"nfproto ipv4 iifname @z_wan_if oifname @z_wan2_if "
		    "l4proto tcp dport 8000-8080 counter c_wan-wan accept",
		"nfproto ipv6 iifname @z_wan_if oifname @z_wan2_if "
		    "l4proto tcp dport 443 counter c_wan-wan accept",
		"nfproto ipv6 iifname @z_wan_if oifname @z_wan2_if "
		    "l4proto tcp dport 8000-8080 counter c_wan-wan accept",
		NULL
	};

	assert_conduit(inl, inl_rs, "wan-wan", want);
}
END_TEST

START_TEST(inline_any)
{
	static const char *const want[] = {
		"iifname @z_office_if oifname @z_servers_if saddr @z_office_4 "
		    "daddr @z_servers_4 counter c_all accept",
		"iifname @z_office_if oifname @z_servers_if saddr @z_office_6 "
		    "daddr @z_servers_6 counter c_all accept",
		NULL
	};
	const struct rs_chain *ch = rs_find_chain(inl_rs, CHAIN_FORWARD);
	size_t i;

	assert_conduit(inl, inl_rs, "all", want);
	for (i = 0; i < ch->n_rules; i++)
		if (ch->rules[i].origin == conduit(inl, "all"))
			ck_assert_str_eq(ch->rules[i].comment,
			    "conduit all svc any");
}
END_TEST

START_TEST(inline_pinned_dual_stack_icmp)
{
	static const char *const want[] = {
		"iifname @z_servers_if oifname @z_wan_if saddr @h_dual_4 "
		    "saddr.ether @pin4 l4proto icmp counter c_pinned accept",
		"iifname @z_servers_if oifname @z_wan_if saddr @h_dual_6 "
		    "saddr.ether @pin6 l4proto icmpv6 counter c_pinned accept",
		NULL
	};
	const struct rs_set *s = set(inl_rs, "pin6");

	assert_conduit(inl, inl_rs, "pinned", want);
	ck_assert_int_eq(s->type, RS_SET_IPV6_ETHER);
	ck_assert_uint_eq(s->n_elems, 1);
	assert_prefix_elem(&s->elems[0], AF_INET6, "fd00:8::11", 128);
	ck_assert(memcmp(s->elems[0].mac, "\x52\x54\x00\x00\x00\x11", 6) == 0);
}
END_TEST

START_TEST(inline_quarantine_conduit)
{
	static const char *const want[] = {
		"iifname @z_q_if oifname @z_servers_if saddr @z_q_4 "
		    "daddr @h_v4srv_4 l4proto tcp dport 443 counter c_q-srv accept",
		"iifname @z_q_if oifname @z_servers_if saddr @z_q_4 "
		    "daddr @h_v4srv_4 l4proto tcp dport 8000-8080 "
		    "counter c_q-srv accept",
		NULL
	};

	assert_conduit(inl, inl_rs, "q-srv", want);
}
END_TEST

START_TEST(inline_gateway)
{
	const struct rs_chain *ch = rs_find_chain(inl_rs, CHAIN_INPUT);
	size_t i, n_servers = 0, n_office = 0;
	bool udp4 = false, tcp6 = false;

	for (i = 0; i < ch->n_rules; i++) {
		char *s = rule_str(&ch->rules[i]);

		if (strstr(s, "@z_servers_if") != NULL) {
			n_servers++;
			udp4 |= strcmp(s, "nfproto ipv4 iifname @z_servers_if "
			    "l4proto udp dport 53 accept") == 0;
			tcp6 |= strcmp(s, "nfproto ipv6 iifname @z_servers_if "
			    "l4proto tcp dport 53 accept") == 0;
		}
		n_office += strstr(s, "@z_office_if") != NULL;
		free(s);
	}
	/* gateway: [dns] on a lgwan zone: dns (2 ports) x 2 families. */
	ck_assert_uint_eq(n_servers, 4);
	ck_assert(udp4);
	ck_assert(tcp6);
	ck_assert_uint_eq(n_office, 0);
}
END_TEST

/* Normalised output: sets sorted and free of covered prefixes. */
START_TEST(inline_normalised)
{
	static const char yaml[] =
	"version: 1\n"
	"zones:\n"
	"  a: { tier: lgwan, interfaces: [eth1], networks: [10.2.0.0/16, 10.1.0.0/16, 10.1.5.0/24] }\n"
	"  b: { tier: lgwan, interfaces: [eth2], networks: [10.3.0.0/16] }\n"
	"conduits:\n"
	"  - { name: ab, from: a, to: b, services: [ssh] }\n";
	struct policy *p = unit_policy_yaml("norm.yaml", yaml);
	struct ruleset *rs;
	const struct rs_set *s;

	ck_assert_ptr_nonnull(p);
	rs = compile_policy(p);
	s = set(rs, "z_a_4");
	ck_assert_uint_eq(s->n_elems, 2);
	assert_prefix_elem(&s->elems[0], AF_INET, "10.1.0.0", 16);
	assert_prefix_elem(&s->elems[1], AF_INET, "10.2.0.0", 16);
	ck_assert_ptr_null(rs_find_set(rs, "pin4"));
	ck_assert_ptr_null(rs_find_set(rs, "pinned4"));
	/* No pinned host: nothing between jump quarantine and est/rel. */
	assert_rule(&rs_find_chain(rs, CHAIN_FORWARD)->rules[3],
	    "ct established,related accept");
	ruleset_free(rs);
	policy_free(p);
}
END_TEST

/* --- isolation -------------------------------------------------------- */

static struct isolation_target
target(const char *s)
{
	struct isolation_target t;
	char err[256];

	ck_assert_msg(isolation_target_parse(s, &t, err, sizeof(err)),
	    "%s: %s", s, err);
	return t;
}

static void
assert_pair_elem(const struct rs_elem *e, const char *addr, unsigned plen,
    const char *addr2, int64_t expires)
{
	uint8_t want[16] = { 0 };

	assert_prefix_elem(e, AF_INET, addr, plen);
	ck_assert_int_eq(inet_pton(AF_INET, addr2, want), 1);
	ck_assert_msg(memcmp(e->addr2, want, 4) == 0, "kept host is not %s",
	    addr2);
	ck_assert_uint_eq(e->plen2, 32);
	ck_assert_int_eq(e->expires_ms, expires);
}

/*
 * Nested prefixes merge into the wider one, which lives as long as the
 * longest-lived of them; kept hosts stay per isolated prefix.  Single
 * addresses go to the hash sets isohost4/6 and isokeephost4/6 on their own,
 * even inside an isolated prefix, so each keeps its own expiry.
 */
START_TEST(isolation_sets)
{
	struct isolation_target t[6], k[5];
	struct compile_isolation v[6];
	struct ruleset *rs = ruleset_new();
	const struct rs_set *s;

	memset(v, 0, sizeof(v));
	t[0] = target("10.0.0.0/24");
	k[0] = target("10.9.0.1");
	t[1] = target("10.0.0.5");
	k[1] = target("10.9.0.1");
	t[2] = target("10.0.0.7");
	k[2] = target("10.9.0.2");
	t[3] = target("fd00::1");
	t[4] = target("52-54-00-0A-00-05");
	k[3] = target("10.9.0.3");
	k[4] = target("fd00::9");
	t[5] = target("10.0.0.128/25");
	v[0] = (struct compile_isolation){ &t[0], &k[0], 1, 1000 };
	v[1] = (struct compile_isolation){ &t[1], &k[1], 1, 0 };
	v[2] = (struct compile_isolation){ &t[2], &k[2], 1, 5000 };
	v[3] = (struct compile_isolation){ &t[3], NULL, 0, 7000 };
	v[4] = (struct compile_isolation){ &t[4], &k[3], 2, 9000 };
	v[5] = (struct compile_isolation){ &t[5], NULL, 0, 3000 };
	compile_isolation_sets(rs, v, 6);

	s = set(rs, SET_ISO4);
	ck_assert(s->interval && s->timeout && !s->dynamic);
	ck_assert_uint_eq(s->n_elems, 1);
	assert_prefix_elem(&s->elems[0], AF_INET, "10.0.0.0", 24);
	ck_assert_int_eq(s->elems[0].expires_ms, 3000);	/* the /25's */
	s = set(rs, SET_ISOHOST4);
	ck_assert_int_eq(s->type, RS_SET_IPV4);
	ck_assert(!s->interval && s->timeout && !s->dynamic);
	ck_assert_uint_eq(s->n_elems, 2);
	assert_prefix_elem(&s->elems[0], AF_INET, "10.0.0.5", 32);
	ck_assert_int_eq(s->elems[0].expires_ms, 0);
	assert_prefix_elem(&s->elems[1], AF_INET, "10.0.0.7", 32);
	ck_assert_int_eq(s->elems[1].expires_ms, 5000);
	ck_assert_uint_eq(set(rs, SET_ISO6)->n_elems, 0);
	s = set(rs, SET_ISOHOST6);
	ck_assert(!s->interval && s->timeout);
	ck_assert_uint_eq(s->n_elems, 1);
	assert_prefix_elem(&s->elems[0], AF_INET6, "fd00::1", 128);
	ck_assert_int_eq(s->elems[0].expires_ms, 7000);
	s = set(rs, SET_ISOMAC);
	ck_assert(!s->interval && s->timeout);
	ck_assert_uint_eq(s->n_elems, 1);
	ck_assert(memcmp(s->elems[0].mac, "\x52\x54\x00\x0a\x00\x05", 6) == 0);

	s = set(rs, SET_ISOKEEP4);
	ck_assert_int_eq(s->type, RS_SET_IPV4_IPV4);
	ck_assert(s->interval && rs_set_is_ranges(s));
	ck_assert_uint_eq(s->n_elems, 1);
	assert_pair_elem(&s->elems[0], "10.0.0.0", 24, "10.9.0.1", 1000);
	ck_assert_uint_eq(set(rs, SET_ISOKEEP6)->n_elems, 0);
	s = set(rs, SET_ISOKEEPHOST4);
	ck_assert_int_eq(s->type, RS_SET_IPV4_IPV4);
	ck_assert(!s->interval && !rs_set_is_ranges(s) && s->timeout);
	ck_assert_uint_eq(s->n_elems, 2);
	assert_pair_elem(&s->elems[0], "10.0.0.5", 32, "10.9.0.1", 0);
	assert_pair_elem(&s->elems[1], "10.0.0.7", 32, "10.9.0.2", 5000);
	ck_assert_uint_eq(set(rs, SET_ISOKEEPHOST6)->n_elems, 0);

	s = set(rs, SET_ISOKEEPMAC4);
	ck_assert_uint_eq(s->n_elems, 1);
	assert_prefix_elem(&s->elems[0], AF_INET, "10.9.0.3", 32);
	ck_assert(memcmp(s->elems[0].mac, t[4].it_mac, 6) == 0);
	ck_assert_uint_eq(set(rs, SET_ISOKEEPMAC6)->n_elems, 1);
	s = set(rs, SET_ISOMACPEER6);
	ck_assert_uint_eq(s->n_elems, 1);
	assert_prefix_elem(&s->elems[0], AF_INET6, "fd00::9", 128);
	ck_assert_int_eq(s->elems[0].expires_ms, 9000);

	s = set(rs, SET_ISOLEARN4);
	ck_assert(s->dynamic && s->timeout && !s->interval);
	ck_assert_uint_eq(s->gc_timeout_ms, COMPILE_ISOLEARN_MS);
	ck_assert_uint_eq(s->n_elems, 0);
	ruleset_free(rs);
}
END_TEST

/*
 * compile_isolation_elem() (a bulk's shortcut) yields for an address or a
 * MAC without kept hosts exactly the element compile_isolation_sets() puts
 * in the same set, among prefixes that cover them; it declines prefixes
 * and targets with kept hosts.
 */
START_TEST(isolation_elem_matches_sets)
{
	static const char *const texts[] = { "10.0.0.5", "fd00::1",
	    "52:54:00:0a:00:05", "10.0.0.0/24", "10.0.0.9", "fd00::/64" };
	struct isolation_target t[6], k = target("10.9.0.1");
	struct compile_isolation v[6], kept;
	struct ruleset *rs = ruleset_new();
	const struct rs_set *s;
	struct rs_elem e;
	const char *name;
	size_t i, j, found;

	for (i = 0; i < 6; i++) {
		t[i] = target(texts[i]);
		v[i] = (struct compile_isolation){ &t[i], NULL, 0,
		    (int64_t)(1000 * (i + 1)) };
	}
	compile_isolation_sets(rs, v, 6);
	for (i = 0; i < 6; i++) {
		if (t[i].it_kind == ISOLATION_PREFIX) {
			ck_assert(!compile_isolation_elem(&v[i], &name, &e));
			continue;
		}
		ck_assert_msg(compile_isolation_elem(&v[i], &name, &e),
		    "%s", texts[i]);
		s = set(rs, name);
		for (j = found = 0; j < s->n_elems; j++)
			if (memcmp(&s->elems[j], &e, sizeof(e)) == 0)
				found++;
		ck_assert_msg(found == 1, "%s: the element is %zu times in %s",
		    texts[i], found, name);
	}
	ck_assert_str_eq((compile_isolation_elem(&v[0], &name, &e), name),
	    SET_ISOHOST4);
	ck_assert_str_eq((compile_isolation_elem(&v[1], &name, &e), name),
	    SET_ISOHOST6);
	ck_assert_str_eq((compile_isolation_elem(&v[2], &name, &e), name),
	    SET_ISOMAC);
	kept = (struct compile_isolation){ &t[0], &k, 1, 0 };
	ck_assert(!compile_isolation_elem(&kept, &name, &e));
	ruleset_free(rs);
}
END_TEST

START_TEST(isolation_rules)
{
	static const char *const want[] = {
		"saddr.daddr @isokeep4 return",
		"daddr.saddr @isokeep4 return",
		"saddr.daddr @isokeephost4 return",
		"daddr.saddr @isokeephost4 return",
		"ether saddr.daddr @isokeepmac4 return",
		"saddr @isomacpeer4 daddr @isolearn4 return",
		"saddr.daddr @isokeep6 return",
		"daddr.saddr @isokeep6 return",
		"saddr.daddr @isokeephost6 return",
		"daddr.saddr @isokeephost6 return",
		"ether saddr.daddr @isokeepmac6 return",
		"saddr @isomacpeer6 daddr @isolearn6 return",
		"nfproto ipv4 ether saddr @isomac update @isolearn4 counter c_isolation jump isolation_drop",
		"saddr @iso4 counter c_isolation jump isolation_drop",
		"daddr @iso4 counter c_isolation jump isolation_drop",
		"saddr @isohost4 counter c_isolation jump isolation_drop",
		"daddr @isohost4 counter c_isolation jump isolation_drop",
		"saddr @isolearn4 counter c_isolation jump isolation_drop",
		"daddr @isolearn4 counter c_isolation jump isolation_drop",
		"nfproto ipv6 ether saddr @isomac update @isolearn6 counter c_isolation jump isolation_drop",
		"saddr @iso6 counter c_isolation jump isolation_drop",
		"daddr @iso6 counter c_isolation jump isolation_drop",
		"saddr @isohost6 counter c_isolation jump isolation_drop",
		"daddr @isohost6 counter c_isolation jump isolation_drop",
		"saddr @isolearn6 counter c_isolation jump isolation_drop",
		"daddr @isolearn6 counter c_isolation jump isolation_drop",
		NULL
	};
	struct ruleset *rs = compile_policy(alpha);
	const struct rs_chain *ch;
	size_t i;

	ck_assert_uint_eq(rs_find_chain(rs, CHAIN_ISOLATION)->n_rules, 0);
	compile_isolations(rs, NULL, 0);
	ch = rs_find_chain(rs, CHAIN_ISOLATION);
	for (i = 0; want[i] != NULL && i < ch->n_rules; i++)
		assert_rule(&ch->rules[i], want[i]);
	ck_assert_uint_eq(ch->n_rules, i);
	ck_assert_ptr_null(want[i]);
	ck_assert_uint_eq(set(rs, SET_ISO4)->n_elems, 0);
	ck_assert_str_eq(rs->counters[rs->n_counters - 1].name,
	    COUNTER_ISOLATION);
	ruleset_free(rs);
}
END_TEST

static Suite *
compile_suite(void)
{
	Suite *s = suite_create("compile");
	TCase *tc;

	tc = tcase_create("alpha");
	tcase_add_checked_fixture(tc, alpha_setup, alpha_teardown);
	tcase_add_test(tc, alpha_forward_order);
	tcase_add_test(tc, alpha_regular_chains);
	tcase_add_test(tc, alpha_screen);
	tcase_add_test(tc, alpha_pinned_conduit);
	tcase_add_test(tc, alpha_uplink_both_families);
	tcase_add_test(tc, alpha_sanitizer_conduits);
	tcase_add_test(tc, alpha_no_mynumber_internet);
	tcase_add_test(tc, alpha_sets);
	tcase_add_test(tc, alpha_counters);
	tcase_add_test(tc, alpha_input);
	tcase_add_test(tc, isolation_sets);
	tcase_add_test(tc, isolation_elem_matches_sets);
	tcase_add_test(tc, isolation_rules);
	suite_add_tcase(s, tc);

	tc = tcase_create("inline");
	tcase_add_checked_fixture(tc, inline_setup, inline_teardown);
	tcase_add_test(tc, inline_forward_order);
	tcase_add_test(tc, inline_no_common_family);
	tcase_add_test(tc, inline_uplink_to_uplink);
	tcase_add_test(tc, inline_any);
	tcase_add_test(tc, inline_pinned_dual_stack_icmp);
	tcase_add_test(tc, inline_quarantine_conduit);
	tcase_add_test(tc, inline_gateway);
	tcase_add_test(tc, inline_normalised);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(compile_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
