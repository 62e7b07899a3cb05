/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the reachability matrix and the flow query, checked
 * against the compiled ruleset. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/netfilter.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/compile.h"
#include "../../daemon/matrix.h"
#include "unit-policy.h"

static const uint8_t mn_gw_mac[6] = { 0x52, 0x54, 0x00, 0x0a, 0x00, 0x05 };
static const uint8_t other_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x99 };

static size_t
zone_idx(const struct policy *p, const char *name)
{
	struct zone *z = policy_zone(p, name);

	ck_assert_msg(z != NULL, "no zone %s", name);
	return (size_t)(z - p->p_zones);
}

static const struct matrix_cell *
cell(const struct matrix *mx, const char *from, const char *to)
{
	return matrix_cell(mx, zone_idx(mx->mx_policy, from),
	    zone_idx(mx->mx_policy, to));
}

static struct prefix
addr(const char *s)
{
	struct prefix p;

	memset(&p, 0, sizeof(p));
	p.family = strchr(s, ':') != NULL ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(p.family, s, p.addr), 1);
	p.plen = p.family == AF_INET ? 32 : 128;
	return p;
}

/* matrix_query for "from zone/src to zone/dst proto/port [mac]". */
static struct flow_verdict
query(const struct policy *p, const char *sz, const char *src, const char *dz,
    const char *dst, uint8_t proto, uint16_t port, const uint8_t *mac)
{
	struct flow_query q;
	struct flow_verdict v;

	memset(&q, 0, sizeof(q));
	q.fq_src_zone = sz;
	q.fq_dst_zone = dz;
	q.fq_src = addr(src);
	q.fq_dst = addr(dst);
	q.fq_proto = proto;
	q.fq_port = port;
	if (mac != NULL) {
		q.fq_has_mac = true;
		memcpy(q.fq_src_mac, mac, 6);
	}
	ck_assert_msg(matrix_query(p, &q, &v), "query failed: %s",
	    v.fv_reason);
	return v;
}

static void
assert_allowed(const struct flow_verdict *v, const char *conduit)
{
	ck_assert_msg(v->fv_allowed, "denied (%s), want conduit %s",
	    v->fv_reason, conduit);
	ck_assert_ptr_nonnull(v->fv_conduit);
	ck_assert_str_eq(v->fv_conduit->cd_name, conduit);
}

static void
assert_denied(const struct flow_verdict *v, const char *reason)
{
	ck_assert_msg(!v->fv_allowed, "allowed (%s)", v->fv_reason);
	ck_assert_ptr_null(v->fv_conduit);
	ck_assert_str_eq(v->fv_reason, reason);
}

static struct policy *alpha;
static struct matrix *mx;

static void
alpha_setup(void)
{
	alpha = unit_policy_alpha();
	ck_assert_msg(alpha != NULL, "docs/policy-alpha.yaml does not validate");
	mx = matrix_build(alpha);
}

static void
alpha_teardown(void)
{
	matrix_free(mx);
	policy_free(alpha);
}

/* 001 第16条の2(1): no cell joins mynumber and the internet tier. */
START_TEST(alpha_mynumber_internet_empty)
{
	size_t i, j;

	ck_assert_uint_eq(cell(mx, "mynumber", "internet")->mc_n, 0);
	ck_assert_uint_eq(cell(mx, "internet", "mynumber")->mc_n, 0);
	for (i = 0; i < alpha->p_n_zones; i++)
		for (j = 0; j < alpha->p_n_zones; j++) {
			enum tier a = alpha->p_zones[i].zn_tier;
			enum tier b = alpha->p_zones[j].zn_tier;

			if ((a == TIER_MYNUMBER && b == TIER_INTERNET) ||
			    (a == TIER_INTERNET && b == TIER_MYNUMBER))
				ck_assert_uint_eq(matrix_cell(mx, i, j)->mc_n,
				    0);
		}
}
END_TEST

/* 001 第16条の2(2): lgwan reaches internet only through 無害化 relays. */
START_TEST(alpha_lgwan_internet_sanitised)
{
	const struct matrix_cell *c = cell(mx, "lgwan", "internet");

	ck_assert_uint_eq(c->mc_n, 2);
	ck_assert_str_eq(c->mc_entries[0].me_conduit->cd_name, "screen");
	ck_assert_str_eq(c->mc_entries[0].me_service->sv_name, "rdp");
	ck_assert_str_eq(c->mc_entries[0].me_text,
	    "rdp (tcp/3389) to screen-gw via screen-transfer");
	ck_assert_str_eq(c->mc_entries[1].me_conduit->cd_name, "file-in");
	ck_assert_str_eq(c->mc_entries[1].me_text,
	    "https (tcp/443) to file-clean via file-sanitize");

	c = cell(mx, "internet", "lgwan");
	ck_assert_uint_eq(c->mc_n, 1);
	ck_assert_str_eq(c->mc_entries[0].me_text,
	    "smtp (tcp/25) mail-clean -> lgwan-mail via mail-text");
}
END_TEST

START_TEST(alpha_cells)
{
	const struct matrix_cell *c;
	size_t i, total = 0;

	c = cell(mx, "mynumber", "lgwan-wan");
	ck_assert_uint_eq(c->mc_n, 1);
	ck_assert_str_eq(c->mc_entries[0].me_text,
	    "https (tcp/443) mn-gw -> chukan [R8-0123]");
	c = cell(mx, "lgwan", "lgwan-wan");
	ck_assert_uint_eq(c->mc_n, 3);
	ck_assert_str_eq(c->mc_entries[0].me_text, "https (tcp/443)");
	ck_assert_str_eq(c->mc_entries[2].me_text, "dns (udp/53, tcp/53)");
	c = cell(mx, "mgmt", "quarantine");
	ck_assert_uint_eq(c->mc_n, 2);
	ck_assert_str_eq(c->mc_entries[1].me_text, "ping (icmp)");
	/* Nothing opens into mynumber, and mynumber opens only to chukan. */
	for (i = 0; i < alpha->p_n_zones; i++) {
		ck_assert_uint_eq(matrix_cell(mx, i, zone_idx(alpha,
		    "mynumber"))->mc_n, 0);
		if (i != zone_idx(alpha, "lgwan-wan"))
			ck_assert_uint_eq(matrix_cell(mx, zone_idx(alpha,
			    "mynumber"), i)->mc_n, 0);
		/* one interface per zone: no intra-zone entry */
		ck_assert_uint_eq(matrix_cell(mx, i, i)->mc_n, 0);
	}
	for (i = 0; i < mx->mx_n * mx->mx_n; i++)
		total += mx->mx_cells[i].mc_n;
	ck_assert_uint_eq(total, 16);	/* conduit x service */
}
END_TEST

START_TEST(alpha_text)
{
	char *t = matrix_to_text(mx), *line, *save = NULL, *copy;
	bool in_table = true, header = false, legend = false;

	ck_assert_ptr_nonnull(strstr(t, "lgwan -> internet: rdp (tcp/3389) "
	    "to screen-gw via screen-transfer  (conduit screen)\n"));
	ck_assert_ptr_nonnull(strstr(t, "mynumber -> lgwan-wan: https "
	    "(tcp/443) mn-gw -> chukan [R8-0123]  (conduit mn-chukan)\n"));
	ck_assert_ptr_nonnull(strstr(t, "rdp[S],https[F]"));
	ck_assert_ptr_nonnull(strstr(t, "smtp[M]"));
	ck_assert_ptr_nonnull(strstr(t, "https*"));
	ck_assert_ptr_nonnull(strstr(t, "[S]  via screen-transfer"));
	ck_assert_ptr_null(strstr(t, "mynumber -> internet"));

	/* The table fits 80 columns; tiers appear under zone names. */
	copy = strdup(t);
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "  -    nothing", 14) == 0) {
			in_table = false;
			legend = true;
		}
		if (in_table)
			ck_assert_msg(strlen(line) <= 80, "too wide: '%s'",
			    line);
		if (strncmp(line, "from \\ to", 9) == 0)
			header = true;
	}
	ck_assert(header);
	ck_assert(legend);
	ck_assert_ptr_nonnull(strstr(t, "\nmgmt "));
	ck_assert_ptr_nonnull(strstr(t, "\n  management\n"));
	free(copy);
	free(t);
}
END_TEST

START_TEST(alpha_json)
{
	json_t *j = matrix_to_json(mx), *cells, *c, *e;
	size_t i, n_nonempty = 0, k;
	bool found = false;

	for (k = 0; k < mx->mx_n * mx->mx_n; k++)
		n_nonempty += mx->mx_cells[k].mc_n > 0;
	ck_assert_str_eq(json_string_value(json_object_get(j, "model")),
	    "alpha");
	ck_assert_uint_eq(json_array_size(json_object_get(j, "zones")), 8);
	cells = json_object_get(j, "cells");
	ck_assert_uint_eq(json_array_size(cells), n_nonempty);
	json_array_foreach(cells, i, c) {
		if (strcmp(json_string_value(json_object_get(c, "from")),
		    "lgwan") != 0 || strcmp(json_string_value(
		    json_object_get(c, "to")), "internet") != 0)
			continue;
		found = true;
		ck_assert_str_eq(json_string_value(json_object_get(c, "label")),
		    "rdp[S],https[F]");
		e = json_array_get(json_object_get(c, "entries"), 0);
		ck_assert_str_eq(json_string_value(json_object_get(e,
		    "conduit")), "screen");
		ck_assert_str_eq(json_string_value(json_object_get(e, "via")),
		    "screen-transfer");
		ck_assert(json_is_false(json_object_get(e, "pinned")));
	}
	ck_assert(found);
	json_decref(j);
}
END_TEST

START_TEST(alpha_query_pinned)
{
	struct flow_verdict v;

	v = query(alpha, "mynumber", "10.10.0.5", "lgwan-wan", "172.16.5.10",
	    IPPROTO_TCP, 443, mn_gw_mac);
	assert_allowed(&v, "mn-chukan");
	/* Without a MAC the query stands for the registered device. */
	v = query(alpha, "mynumber", "10.10.0.5", "lgwan-wan", "172.16.5.10",
	    IPPROTO_TCP, 443, NULL);
	assert_allowed(&v, "mn-chukan");
	v = query(alpha, "mynumber", "10.10.0.5", "lgwan-wan", "172.16.5.10",
	    IPPROTO_TCP, 443, other_mac);
	assert_denied(&v, "pinned MAC mismatch");
	/* Another mynumber terminal, with or without mn-gw's MAC. */
	v = query(alpha, "mynumber", "10.10.0.6", "lgwan-wan", "172.16.5.10",
	    IPPROTO_TCP, 443, mn_gw_mac);
	assert_denied(&v, "no conduit");
	v = query(alpha, "mynumber", "10.10.0.5", "lgwan-wan", "172.16.5.10",
	    IPPROTO_TCP, 80, mn_gw_mac);
	assert_denied(&v, "no conduit");
	v = query(alpha, "mynumber", "10.10.0.5", "lgwan-wan", "172.16.5.11",
	    IPPROTO_TCP, 443, mn_gw_mac);
	assert_denied(&v, "no conduit");
	/* The anti-spoof rule holds on any interface. */
	v = query(alpha, "lgwan", "10.10.0.5", "lgwan-wan", "172.16.5.10",
	    IPPROTO_TCP, 443, other_mac);
	assert_denied(&v, "pinned MAC mismatch");
}
END_TEST

START_TEST(alpha_query_zones)
{
	struct flow_verdict v;

	v = query(alpha, "lgwan", "10.20.1.1", "internet", "10.30.0.10",
	    IPPROTO_TCP, 3389, other_mac);
	assert_allowed(&v, "screen");
	ck_assert_str_eq(v.fv_reason, "conduit screen");
	v = query(alpha, "lgwan", "10.20.1.1", "internet", "10.30.0.11",
	    IPPROTO_TCP, 3389, other_mac);
	assert_denied(&v, "no conduit");
	v = query(alpha, "lgwan", "10.20.1.1", "internet", "10.30.0.10",
	    IPPROTO_TCP, 443, other_mac);
	assert_denied(&v, "no conduit");
	/* An address outside the zone's networks is not the zone. */
	v = query(alpha, "lgwan", "192.168.1.1", "internet", "10.30.0.10",
	    IPPROTO_TCP, 3389, other_mac);
	assert_denied(&v, "no conduit");
	/* Mail relay opens to the LGWAN mail host, not the reverse. */
	v = query(alpha, "internet", "10.30.0.20", "lgwan", "10.20.0.25",
	    IPPROTO_TCP, 25, other_mac);
	assert_allowed(&v, "mail-in");
	v = query(alpha, "lgwan", "10.20.0.25", "internet", "10.30.0.20",
	    IPPROTO_TCP, 25, other_mac);
	assert_denied(&v, "no conduit");
	/* mynumber and internet: never. */
	v = query(alpha, "mynumber", "10.10.0.5", "internet", "10.30.0.10",
	    IPPROTO_TCP, 3389, mn_gw_mac);
	assert_denied(&v, "no conduit");
	v = query(alpha, "internet", "10.30.0.10", "mynumber", "10.10.0.5",
	    IPPROTO_TCP, 443, other_mac);
	assert_denied(&v, "no conduit");
	/* Egress only through the security cloud, and inbound only to dmz. */
	v = query(alpha, "isc", "203.0.113.9", "internet", "10.30.0.10",
	    IPPROTO_TCP, 443, other_mac);
	assert_denied(&v, "no conduit");
	v = query(alpha, "isc", "203.0.113.9", "dmz", "10.50.0.80",
	    IPPROTO_TCP, 443, other_mac);
	assert_allowed(&v, "publish");
	v = query(alpha, "isc", "203.0.113.9", "dmz", "10.50.0.81",
	    IPPROTO_TCP, 443, other_mac);
	assert_denied(&v, "no conduit");
}
END_TEST

START_TEST(alpha_query_uplink_any_address)
{
	struct flow_verdict v;

	v = query(alpha, "lgwan", "10.20.1.1", "lgwan-wan", "198.51.100.7",
	    IPPROTO_TCP, 443, other_mac);
	assert_allowed(&v, "lgwan-out");
	v = query(alpha, "lgwan", "fd00:20::5", "lgwan-wan", "2001:db8::1",
	    IPPROTO_UDP, 53, other_mac);
	assert_allowed(&v, "lgwan-out");
	v = query(alpha, "lgwan", "10.20.1.1", "lgwan-wan", "198.51.100.7",
	    IPPROTO_TCP, 22, other_mac);
	assert_denied(&v, "no conduit");
	v = query(alpha, "internet", "fd00:30::1", "isc", "2001:db8::80",
	    IPPROTO_TCP, 443, other_mac);
	assert_allowed(&v, "web");
	/* The reverse direction is not a conduit. */
	v = query(alpha, "lgwan-wan", "198.51.100.7", "lgwan", "10.20.1.1",
	    IPPROTO_TCP, 443, other_mac);
	assert_denied(&v, "no conduit");
}
END_TEST

START_TEST(alpha_query_icmp)
{
	struct flow_verdict v;

	v = query(alpha, "mgmt", "10.0.0.5", "lgwan", "10.20.0.9",
	    IPPROTO_ICMP, 0, other_mac);
	assert_allowed(&v, "mgmt-ssh");
	v = query(alpha, "mgmt", "10.0.0.5", "quarantine", "10.99.0.9",
	    IPPROTO_ICMP, 0, other_mac);
	assert_allowed(&v, "mgmt-q");
	v = query(alpha, "lgwan", "10.20.0.9", "mgmt", "10.0.0.5",
	    IPPROTO_ICMP, 0, other_mac);
	assert_denied(&v, "no conduit");
	/* mgmt has no IPv6 network, so no IPv6 rule either. */
	v = query(alpha, "mgmt", "fd00:99::5", "lgwan", "fd00:20::9",
	    IPPROTO_ICMPV6, 0, other_mac);
	assert_denied(&v, "no conduit");
	/* Quarantine reaches only the remediation hosts. */
	v = query(alpha, "quarantine", "10.99.0.7", "lgwan", "10.20.0.50",
	    IPPROTO_TCP, 443, other_mac);
	assert_allowed(&v, "q-patch");
	v = query(alpha, "quarantine", "10.99.0.7", "lgwan", "10.20.0.52",
	    IPPROTO_TCP, 443, other_mac);
	assert_denied(&v, "no conduit");
}
END_TEST

START_TEST(alpha_query_bad)
{
	struct flow_query q;
	struct flow_verdict v;

	memset(&q, 0, sizeof(q));
	q.fq_src_zone = "lgwan";
	q.fq_dst_zone = "nowhere";
	q.fq_src = addr("10.20.0.1");
	q.fq_dst = addr("10.30.0.10");
	q.fq_proto = IPPROTO_TCP;
	ck_assert(!matrix_query(alpha, &q, &v));
	ck_assert_str_eq(v.fv_reason, "unknown zone nowhere");
	q.fq_dst_zone = "internet";
	q.fq_dst = addr("fd00:30::1");
	ck_assert(!matrix_query(alpha, &q, &v));
	ck_assert(!v.fv_allowed);
}
END_TEST

static const char inline_yaml[] =
"version: 1\n"
"model: alpha\n"
"zones:\n"
"  office:  { tier: lgwan, interfaces: [eth1, eth2], networks: [10.1.0.0/16, \"fd00:1::/64\"] }\n"
"  v6only:  { tier: lgwan, interfaces: [eth3], networks: [\"fd00:3::/64\"] }\n"
"  servers: { tier: lgwan, interfaces: [eth8], networks: [10.8.0.0/24, \"fd00:8::/64\"] }\n"
"  wan:     { tier: lgwan, interfaces: [eth4], uplink: true }\n"
"  wan2:    { tier: lgwan, interfaces: [eth5], uplink: true }\n"
"  q:       { tier: quarantine, interfaces: [eth6, eth7], networks: [10.99.0.0/24] }\n"
"hosts:\n"
"  v4srv: { zone: servers, address: 10.8.0.10 }\n"
"  dual:  { zone: servers, address: [10.8.0.11, \"fd00:8::11\"], mac: \"52:54:00:00:00:11\" }\n"
"  peer:  { zone: wan, address: [192.0.2.7, \"2001:db8::7\"] }\n"
"services:\n"
"  web:  [tcp/443, tcp/8000-8080]\n"
"conduits:\n"
"  - { name: to-v4,   from: v6only, to: v4srv,   services: [web] }\n"
"  - { name: wan-wan, from: wan,    to: wan2,    services: [web] }\n"
"  - { name: all,     from: office, to: servers, services: [any] }\n"
"  - { name: pinned,  from: dual,   to: wan,     services: [ping] }\n"
"  - { name: q-srv,   from: q,      to: v4srv,   services: [web] }\n"
"  - { name: to-peer, from: servers, to: peer,   services: [dns] }\n"
"quarantine:\n"
"  zone: q\n"
"  remediation: [v4srv]\n"
"  checks: { signature_max_age: 2d, patch_max_age: 35d, full_scan_max_age: 7d, realtime: true }\n"
"  release: auto\n";

static struct policy *inl;

static void
inline_setup(void)
{
	inl = unit_policy_yaml("inline.yaml", inline_yaml);
	ck_assert_msg(inl != NULL, "the inline policy does not validate");
}

static void
inline_teardown(void)
{
	policy_free(inl);
}

START_TEST(inline_intra_zone)
{
	static const uint8_t dual_mac[6] = { 0x52, 0x54, 0, 0, 0, 0x11 };
	struct matrix *m = matrix_build(inl);
	struct flow_verdict v;
	char *t;

	ck_assert_uint_eq(cell(m, "office", "office")->mc_n, 1);
	ck_assert_ptr_null(cell(m, "office", "office")->mc_entries[0].me_conduit);
	ck_assert_str_eq(cell(m, "office", "office")->mc_entries[0].me_text,
	    "any between interfaces eth1, eth2 (same zone)");
	ck_assert_uint_eq(cell(m, "q", "q")->mc_n, 0);
	ck_assert_uint_eq(cell(m, "office", "servers")->mc_n, 1);
	ck_assert_str_eq(cell(m, "office", "servers")->mc_entries[0].me_text,
	    "any");
	t = matrix_to_text(m);
	ck_assert_ptr_nonnull(strstr(t, "office -> office: any between "
	    "interfaces eth1, eth2 (same zone)\n"));
	free(t);
	matrix_free(m);

	v = query(inl, "office", "10.1.0.5", "office", "10.1.9.9",
	    IPPROTO_TCP, 12345, other_mac);
	ck_assert(v.fv_allowed);
	ck_assert_ptr_null(v.fv_conduit);
	ck_assert_str_eq(v.fv_reason, "same zone");
	v = query(inl, "q", "10.99.0.5", "q", "10.99.0.6", IPPROTO_TCP, 445,
	    other_mac);
	assert_denied(&v, "no conduit");
	/* [any] means every protocol and port. */
	v = query(inl, "office", "fd00:1::5", "servers", "fd00:8::99", 47, 0,
	    other_mac);
	assert_allowed(&v, "all");
	/* A v6-only zone and a v4-only host share no family. */
	v = query(inl, "v6only", "10.3.0.5", "servers", "10.8.0.10",
	    IPPROTO_TCP, 443, other_mac);
	assert_denied(&v, "no conduit");
	v = query(inl, "v6only", "fd00:3::5", "servers", "fd00:8::10",
	    IPPROTO_TCP, 443, other_mac);
	assert_denied(&v, "no conduit");
	/* Uplink to uplink, any address, port ranges. */
	v = query(inl, "wan", "2001:db8::1", "wan2", "2001:db8:1::1",
	    IPPROTO_TCP, 8080, other_mac);
	assert_allowed(&v, "wan-wan");
	v = query(inl, "wan", "2001:db8::1", "wan2", "2001:db8:1::1",
	    IPPROTO_TCP, 8081, other_mac);
	assert_denied(&v, "no conduit");
	/* A pinned dual-stack host: ICMPv6 for IPv6. */
	v = query(inl, "servers", "fd00:8::11", "wan", "2001:db8::1",
	    IPPROTO_ICMPV6, 0, dual_mac);
	assert_allowed(&v, "pinned");
	v = query(inl, "servers", "fd00:8::11", "wan", "2001:db8::1",
	    IPPROTO_ICMP, 0, other_mac);
	assert_denied(&v, "pinned MAC mismatch");
	/* A host in an uplink zone: its address only. */
	v = query(inl, "servers", "10.8.0.99", "wan", "192.0.2.7",
	    IPPROTO_UDP, 53, other_mac);
	assert_allowed(&v, "to-peer");
	v = query(inl, "servers", "10.8.0.99", "wan", "192.0.2.8",
	    IPPROTO_UDP, 53, other_mac);
	assert_denied(&v, "no conduit");
}
END_TEST

/*
 * The compiled forward chain, evaluated on the first packet of a flow, so
 * matrix_query can be compared with what the kernel would do.
 */
struct pkt {
	const char	*iif;
	const char	*oif;
	int		 af;
	uint8_t		 src[16];
	uint8_t		 dst[16];
	uint8_t		 mac[6];
	uint8_t		 l4;
	uint16_t	 dport;
};

static bool
elem_contains(const struct rs_elem *e, const uint8_t *a)
{
	unsigned full = e->plen / 8, rest = e->plen % 8;
	uint8_t mask;

	if (memcmp(e->addr, a, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (e->addr[full] & mask) == (a[full] & mask);
}

static bool
set_lookup(const struct ruleset *rs, const char *name, const struct pkt *k,
    enum rs_match_type type)
{
	const struct rs_set *s = rs_find_set(rs, name);
	const uint8_t *a = type == RS_M_DADDR_SET ? k->dst : k->src;
	size_t i;

	ck_assert_msg(s != NULL, "rule refers to missing set %s", name);
	for (i = 0; i < s->n_elems; i++) {
		const struct rs_elem *e = &s->elems[i];

		switch (type) {
		case RS_M_IIFNAME_SET:
			if (strcmp(e->ifname, k->iif) == 0)
				return true;
			break;
		case RS_M_OIFNAME_SET:
			if (strcmp(e->ifname, k->oif) == 0)
				return true;
			break;
		case RS_M_SADDR_ETHER_SET:
			if (elem_contains(e, a) &&
			    memcmp(e->mac, k->mac, 6) == 0)
				return true;
			break;
		default:
			if (elem_contains(e, a))
				return true;
		}
	}
	return false;
}

static bool
match(const struct ruleset *rs, const struct rs_match *m, const struct pkt *k)
{
	const struct rs_set *s;
	bool r;

	switch (m->type) {
	case RS_M_IIFNAME:
		r = strcmp(k->iif, m->ifname) == 0;
		break;
	case RS_M_NFPROTO:
		r = m->u == (k->af == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
		break;
	case RS_M_L4PROTO:
		r = m->u == k->l4;
		break;
	case RS_M_DPORT:
		r = (k->l4 == IPPROTO_TCP || k->l4 == IPPROTO_UDP) &&
		    k->dport >= m->lo && k->dport <= m->hi;
		break;
	case RS_M_CT_STATE:
		r = (m->u & RS_CT_NEW) != 0;
		break;
	case RS_M_ICMP_TYPE:
	case RS_M_ICMPV6_TYPE:
		r = false;	/* echo request only; not used in forward */
		break;
	default:
		/* ip saddr on an IPv6 packet never matches (and v.v.). */
		if ((s = rs_find_set(rs, m->set)) != NULL &&
		    m->type != RS_M_IIFNAME_SET && m->type != RS_M_OIFNAME_SET &&
		    rs_set_is_ipv6(s) != (k->af == AF_INET6))
			return false;
		r = set_lookup(rs, m->set, k, m->type);
		break;
	}
	return m->neg ? !r : r;
}

/* RS_V_ACCEPT, RS_V_DROP, or RS_V_NONE when a regular chain ends. */
static enum rs_verdict
eval_chain(const struct ruleset *rs, const char *name, const struct pkt *k,
    const void **origin)
{
	const struct rs_chain *ch = rs_find_chain(rs, name);
	size_t i, j;

	for (i = 0; i < ch->n_rules; i++) {
		const struct rs_rule *r = &ch->rules[i];
		enum rs_verdict v;

		for (j = 0; j < r->n_m; j++)
			if (!match(rs, &r->m[j], k))
				break;
		if (j < r->n_m)
			continue;
		switch (r->verdict) {
		case RS_V_ACCEPT:
		case RS_V_DROP:
			*origin = r->origin;
			return r->verdict;
		case RS_V_JUMP:
			if ((v = eval_chain(rs, r->target, k, origin)) !=
			    RS_V_NONE)
				return v;
			break;
		case RS_V_RETURN:
			return RS_V_NONE;
		case RS_V_NONE:
			break;
		}
	}
	if (ch->hook == RS_HOOK_NONE)
		return RS_V_NONE;
	*origin = NULL;
	return ch->policy_drop ? RS_V_DROP : RS_V_ACCEPT;
}

/* Sample addresses of a zone: the first of each network, its hosts, and
 * two outside addresses. */
static size_t
zone_addrs(const struct policy *p, const struct zone *z, struct prefix *out,
    size_t max)
{
	size_t n = 0, i, j;

	for (i = 0; i < z->zn_n_nets && n < max; i++) {
		out[n] = z->zn_nets[i];
		out[n].addr[out[n].family == AF_INET ? 3 : 15] |= 1;
		out[n].plen = out[n].family == AF_INET ? 32 : 128;
		n++;
	}
	for (i = 0; i < p->p_n_hosts; i++)
		if (p->p_hosts[i].ho_zone == z)
			for (j = 0; j < p->p_hosts[i].ho_n_addrs && n < max; j++)
				out[n++] = p->p_hosts[i].ho_addrs[j];
	if (n + 2 <= max) {
		out[n++] = addr("203.0.113.200");
		out[n++] = addr("2001:db8:ffff::200");
	}
	return n;
}

static const struct host *
pinned_host(const struct policy *p, const struct prefix *a)
{
	size_t i, j;

	for (i = 0; i < p->p_n_hosts; i++)
		for (j = 0; j < p->p_hosts[i].ho_n_addrs; j++)
			if (p->p_hosts[i].ho_has_mac &&
			    prefix_contains(&p->p_hosts[i].ho_addrs[j], a))
				return &p->p_hosts[i];
	return NULL;
}

/* Every zone pair, sample addresses, MACs and services: the query and the
 * compiled ruleset agree on each. */
static void
cross_check(const struct policy *p)
{
	static const struct { uint8_t proto; uint16_t port; } extra[] = {
		{ IPPROTO_TCP, 80 }, { IPPROTO_UDP, 53 }, { IPPROTO_UDP, 9 },
		{ IPPROTO_ICMP, 0 }, { IPPROTO_TCP, 7999 },
	};
	struct ruleset *rs = compile_policy(p);
	struct { uint8_t proto; uint16_t port; } svc[64];
	struct prefix sa[16], da[16];
	size_t nsvc = 0, zs, zd, i, j, s, m, nsa, nda;
	size_t n_allowed = 0, n_denied = 0;

	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++) {
		svc[nsvc].proto = extra[i].proto;
		svc[nsvc++].port = extra[i].port;
	}
	for (i = 0; i < p->p_n_services; i++)
		for (j = 0; j < p->p_services[i].sv_n_ports && nsvc + 2 <= 64;
		    j++) {
			const struct port_range *pr =
			    &p->p_services[i].sv_ports[j];

			svc[nsvc].proto = pr->proto;
			svc[nsvc++].port = pr->lo;
			svc[nsvc].proto = pr->proto;
			svc[nsvc++].port = pr->hi;
		}

	for (zs = 0; zs < p->p_n_zones; zs++)
	for (zd = 0; zd < p->p_n_zones; zd++) {
		const struct zone *sz = &p->p_zones[zs], *dz = &p->p_zones[zd];

		nsa = zone_addrs(p, sz, sa, 16);
		nda = zone_addrs(p, dz, da, 16);
		for (i = 0; i < nsa; i++)
		for (j = 0; j < nda; j++) {
			const struct host *ph = pinned_host(p, &sa[i]);

			if (sa[i].family != da[j].family)
				continue;
			for (m = 0; m < (ph != NULL ? 2u : 1u); m++)
			for (s = 0; s < nsvc; s++) {
				struct flow_query q;
				struct flow_verdict v;
				struct pkt k;
				const void *origin = NULL;
				enum rs_verdict kv;

				memset(&q, 0, sizeof(q));
				memset(&k, 0, sizeof(k));
				q.fq_src_zone = sz->zn_name;
				q.fq_dst_zone = dz->zn_name;
				q.fq_src = sa[i];
				q.fq_dst = da[j];
				q.fq_has_mac = true;
				memcpy(q.fq_src_mac, ph != NULL && m == 0 ?
				    ph->ho_mac : other_mac, 6);
				q.fq_proto = svc[s].proto;
				q.fq_port = svc[s].port;
				ck_assert(matrix_query(p, &q, &v));

				k.iif = sz->zn_ifaces[0];
				k.oif = dz->zn_ifaces[dz->zn_n_ifaces - 1];
				k.af = sa[i].family;
				memcpy(k.src, sa[i].addr, 16);
				memcpy(k.dst, da[j].addr, 16);
				memcpy(k.mac, q.fq_src_mac, 6);
				k.l4 = svc[s].proto == IPPROTO_ICMP &&
				    k.af == AF_INET6 ? IPPROTO_ICMPV6 :
				    svc[s].proto;
				k.dport = svc[s].port;
				kv = eval_chain(rs, CHAIN_FORWARD, &k, &origin);

				ck_assert_msg(v.fv_allowed ==
				    (kv == RS_V_ACCEPT),
				    "%s -> %s proto %u port %u (pair %zu/%zu "
				    "mac %zu): query %s (%s), ruleset %s",
				    sz->zn_name, dz->zn_name, svc[s].proto,
				    svc[s].port, i, j, m,
				    v.fv_allowed ? "accept" : "drop",
				    v.fv_reason,
				    kv == RS_V_ACCEPT ? "accept" : "drop");
				if (kv == RS_V_ACCEPT)
					ck_assert_ptr_eq(origin, v.fv_conduit);
				if (v.fv_allowed)
					n_allowed++;
				else
					n_denied++;
			}
		}
	}
	ruleset_free(rs);
	/* Not a vacuous comparison: both outcomes occur often. */
	ck_assert_uint_ge(n_allowed, 20);
	ck_assert_uint_ge(n_denied, 1000);
}

START_TEST(alpha_query_matches_ruleset)
{
	cross_check(alpha);
}
END_TEST

START_TEST(inline_query_matches_ruleset)
{
	cross_check(inl);
}
END_TEST

static Suite *
matrix_suite(void)
{
	Suite *s = suite_create("matrix");
	TCase *tc;

	tc = tcase_create("alpha");
	tcase_add_checked_fixture(tc, alpha_setup, alpha_teardown);
	tcase_add_test(tc, alpha_mynumber_internet_empty);
	tcase_add_test(tc, alpha_lgwan_internet_sanitised);
	tcase_add_test(tc, alpha_cells);
	tcase_add_test(tc, alpha_text);
	tcase_add_test(tc, alpha_json);
	tcase_add_test(tc, alpha_query_pinned);
	tcase_add_test(tc, alpha_query_zones);
	tcase_add_test(tc, alpha_query_uplink_any_address);
	tcase_add_test(tc, alpha_query_icmp);
	tcase_add_test(tc, alpha_query_bad);
	tcase_add_test(tc, alpha_query_matches_ruleset);
	suite_add_tcase(s, tc);

	tc = tcase_create("inline");
	tcase_add_checked_fixture(tc, inline_setup, inline_teardown);
	tcase_add_test(tc, inline_intra_zone);
	tcase_add_test(tc, inline_query_matches_ruleset);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(matrix_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
