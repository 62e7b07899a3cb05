/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for policy_validate(): name resolution, checks, α invariants. */
#include <netinet/in.h>

#include <check.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/policy.h"
#include "../../daemon/xmalloc.h"

/* The provisions each rule cites (policy-validate.c). */
#define SRC1	"001 第16条の2(1)"
#define SRC2	"001 第16条の2(1)"
#define SRC3	"001 第16条の2(2)"
#define SRC4	"002 §84(1)"
#define SRC5	"002 §71-6"
#define SRC6	"002 §58-4"
#define SRC7	"001 第3条(22)–(24)"
#define SRC_EGRESS "001 第16条の2(3)"

/*
 * A test policy: the base below plus extra zones, hosts, services and
 * conduits.  Any field left NULL keeps the base; quarantine "" drops the
 * quarantine block.
 */
struct pol {
	const char	*model;
	const char	*zones;
	const char	*hosts;
	const char	*services;
	const char	*conduits;
	const char	*quarantine;
};

static const char base_fmt[] =
    "version: 1\n"
    "model: %s\n"
    "zones:\n"
    "  mynumber:   { tier: mynumber,   interfaces: [eth1.10], networks: [10.10.0.0/16] }\n"
    "  lgwan:      { tier: lgwan,      interfaces: [eth1.20], networks: [10.20.0.0/16, \"fd00:20::/64\"] }\n"
    "  internet:   { tier: internet,   interfaces: [eth1.30], networks: [10.30.0.0/16] }\n"
    "  dmz:        { tier: dmz,        interfaces: [eth1.50], networks: [10.50.0.0/24] }\n"
    "  lgwan-wan:  { tier: lgwan,      interfaces: [eth2], uplink: true }\n"
    "  isc:        { tier: internet,   interfaces: [eth3], uplink: true }\n"
    "  quarantine: { tier: quarantine, interfaces: [eth1.99], networks: [10.99.0.0/24] }\n"
    "  mgmt:       { tier: management, interfaces: [eth0], networks: [10.0.0.0/24] }\n"
    "%s"
    "hosts:\n"
    "  mn-gw:      { zone: mynumber,  address: 10.10.0.5, mac: \"52:54:00:0a:00:05\" }\n"
    "  mn-pc:      { zone: mynumber,  address: 10.10.0.6 }\n"
    "  chukan:     { zone: lgwan-wan, address: 172.16.5.10 }\n"
    "  screen-gw:  { zone: internet,  address: 10.30.0.10, sanitizer: screen-transfer }\n"
    "  mail-clean: { zone: internet,  address: 10.30.0.20, sanitizer: mail-text }\n"
    "  file-clean: { zone: internet,  address: 10.30.0.30, sanitizer: file-sanitize }\n"
    "  inet-pc:    { zone: internet,  address: 10.30.0.40 }\n"
    "  lgwan-mail: { zone: lgwan,     address: 10.20.0.25 }\n"
    "  lgwan-pc:   { zone: lgwan,     address: [10.20.0.60, \"fd00:20::60\"] }\n"
    "  wsus:       { zone: lgwan,     address: 10.20.0.50 }\n"
    "  www:        { zone: dmz,       address: 10.50.0.80 }\n"
    "%s"
    "services:\n"
    "  https: [tcp/443]\n"
    "  rdp:   [tcp/3389]\n"
    "  smtp:  [tcp/25]\n"
    "%s"
    "conduits:\n"
    "  - { name: lgwan-out, from: lgwan,      to: lgwan-wan, services: [https, smtp] }\n"
    "  - { name: q-patch,   from: quarantine, to: wsus,      services: [https] }\n"
    "%s"
    "%s";

static const char base_quarantine[] =
    "quarantine:\n"
    "  zone: quarantine\n"
    "  remediation: [wsus]\n"
    "  checks: { signature_max_age: 2d, patch_max_age: 35d, "
    "full_scan_max_age: 7d, realtime: true }\n"
    "  release: auto\n";

struct run {
	char		*text;
	struct policy	*p;
	struct diags	 d;
	bool		 ok;
};

static char *
dump(const struct diags *d)
{
	char	*buf = NULL;
	size_t	 len = 0;
	FILE	*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		abort();
	diags_print(f, d);
	fclose(f);
	return buf;
}

static void
run_text(struct run *r, const char *text)
{
	char *s;

	r->text = xstrdup(text);
	diags_init(&r->d, r->text, strlen(r->text));
	r->p = policy_parse("test.yaml", r->text, strlen(r->text), &r->d);
	if (r->p == NULL) {
		s = dump(&r->d);
		ck_abort_msg("the parser refused the test policy:\n%s\n%s",
		    s, r->text);
	}
	r->ok = policy_validate(r->p, &r->d);
}

static void
run_pol(struct run *r, const struct pol *o)
{
	char *s;

	xasprintf(&s, base_fmt, o->model ? o->model : "alpha",
	    o->zones ? o->zones : "", o->hosts ? o->hosts : "",
	    o->services ? o->services : "", o->conduits ? o->conduits : "",
	    o->quarantine ? o->quarantine : base_quarantine);
	run_text(r, s);
	free(s);
}

/* Parse the base policy only, for tests that change the model in C. */
static void
parse_pol(struct run *r, const struct pol *o)
{
	char *s;

	xasprintf(&s, base_fmt, "alpha", o->zones ? o->zones : "",
	    o->hosts ? o->hosts : "", "", o->conduits ? o->conduits : "",
	    base_quarantine);
	r->text = s;
	diags_init(&r->d, r->text, strlen(r->text));
	r->p = policy_parse("test.yaml", r->text, strlen(r->text), &r->d);
	ck_assert_msg(r->p != NULL, "the parser refused the test policy");
}

static void
run_free(struct run *r)
{
	policy_free(r->p);
	diags_free(&r->d);
	free(r->text);
}

static size_t
count_rule(const struct diags *d, const char *rule)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->v[i].d_rule, rule) == 0)
			n++;
	return n;
}

/*
 * Assert a diagnostic of this severity, rule and source whose message holds
 * every string in the NULL-terminated list.
 */
static void __attribute__((sentinel))
expect(const struct run *r, enum diag_severity sev, const char *rule,
    const char *source, ...)
{
	const char	*needle;
	va_list		 ap;
	size_t		 i;
	bool		 all;
	char		*s;

	for (i = 0; i < r->d.n; i++) {
		const struct diag *g = &r->d.v[i];

		if (g->d_sev != sev || strcmp(g->d_rule, rule) != 0)
			continue;
		if ((source == NULL) != (g->d_source == NULL) ||
		    (source != NULL && strcmp(source, g->d_source) != 0))
			continue;
		all = true;
		va_start(ap, source);
		while ((needle = va_arg(ap, const char *)) != NULL)
			if (strstr(g->d_msg, needle) == NULL)
				all = false;
		va_end(ap);
		if (all)
			return;
	}
	s = dump(&r->d);
	ck_abort_msg("no %s [%s, %s] with the expected names; got:\n%s",
	    sev == DIAG_ERROR ? "error" : "warning", rule,
	    source ? source : "-", s);
}

#define expect_error(r, rule, src, ...) \
	expect((r), DIAG_ERROR, (rule), (src), __VA_ARGS__, (char *)NULL)
#define expect_warning(r, rule, src, ...) \
	expect((r), DIAG_WARNING, (rule), (src), __VA_ARGS__, (char *)NULL)

/* Valid, and not even a warning. */
static void
expect_clean(const struct run *r)
{
	char *s;

	if (r->ok && r->d.n == 0 && r->p->p_validated)
		return;
	s = dump(&r->d);
	ck_abort_msg("expected a clean policy; got:\n%s", s);
}

/* Refused, with exactly n errors in all. */
static void
expect_refused(const struct run *r, size_t n)
{
	char *s = dump(&r->d);

	ck_assert_msg(!r->ok && !r->p->p_validated,
	    "policy was accepted:\n%s", s);
	ck_assert_msg(r->d.nerrors == n, "expected %zu errors, got %zu:\n%s",
	    n, r->d.nerrors, s);
	free(s);
}

/* A policy that only adds conduits, checked with one call. */
static void
run_conduits(struct run *r, const char *conduits)
{
	struct pol o = { .conduits = conduits };

	run_pol(r, &o);
}

/* ---- The default policy and the base ---------------------------------- */

START_TEST(test_docs_policy_clean)
{
	struct run	 r;
	struct diags	 d;
	struct policy	*p;
	char		*text = NULL, *s;
	size_t		 len = 0;

	diags_init(&d, NULL, 0);
	p = policy_load("docs/policy-alpha.yaml", &text, &len, &d);
	s = dump(&d);
	ck_assert_msg(p != NULL, "docs/policy-alpha.yaml (run from the "
	    "source tree): %s", s);
	free(s);
	r.p = p;
	r.text = text;
	r.d = d;
	r.d.text = text;
	r.d.textlen = len;
	r.ok = policy_validate(p, &r.d);
	expect_clean(&r);
	run_free(&r);
}
END_TEST

START_TEST(test_base_clean)
{
	struct run	r;
	struct pol	o = { 0 };

	run_pol(&r, &o);
	expect_clean(&r);
	run_free(&r);
}
END_TEST

/* Every name resolves to the object the compiler will read. */
START_TEST(test_resolution)
{
	struct run		 r;
	struct pol		 o = { .conduits =
	    "  - { name: screen, from: lgwan, to: screen-gw, services: [rdp, ssh], via: screen-transfer }\n" };
	const struct conduit	*c = NULL;
	const struct host	*h;
	size_t			 i;

	run_pol(&r, &o);
	expect_clean(&r);
	for (i = 0; i < r.p->p_n_conduits; i++)
		if (strcmp(r.p->p_conduits[i].cd_name, "screen") == 0)
			c = &r.p->p_conduits[i];
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_eq(c->cd_from.ep_zone, policy_zone(r.p, "lgwan"));
	ck_assert_ptr_null(c->cd_from.ep_host);
	ck_assert_ptr_eq(c->cd_to.ep_host, policy_host(r.p, "screen-gw"));
	ck_assert_ptr_null(c->cd_to.ep_zone);
	ck_assert_ptr_eq(c->cd_svcs[0], policy_service(r.p, "rdp"));
	/* ssh is a builtin the validator added. */
	ck_assert_ptr_eq(c->cd_svcs[1], policy_service(r.p, "ssh"));
	h = policy_host(r.p, "chukan");
	ck_assert_ptr_eq(h->ho_zone, policy_zone(r.p, "lgwan-wan"));
	ck_assert_ptr_eq(r.p->p_quarantine.q_zone,
	    policy_zone(r.p, "quarantine"));
	ck_assert_ptr_eq(r.p->p_quarantine.q_rem_hosts[0],
	    policy_host(r.p, "wsus"));
	ck_assert_int_eq(endpoint_tier(&c->cd_to), TIER_INTERNET);
	run_free(&r);
}
END_TEST

START_TEST(test_builtin_services)
{
	struct run		 r;
	struct pol		 o = { .services = "  ssh: [tcp/2222]\n" };
	const struct service	*s;

	run_pol(&r, &o);
	expect_clean(&r);
	/* Written by the policy: kept as written. */
	s = policy_service(r.p, "ssh");
	ck_assert(!s->sv_builtin);
	ck_assert_int_eq(s->sv_ports[0].lo, 2222);
	s = policy_service(r.p, "sanso");
	ck_assert(s->sv_builtin);
	ck_assert_int_eq(s->sv_n_ports, 1);
	ck_assert_int_eq(s->sv_ports[0].proto, IPPROTO_TCP);
	ck_assert_int_eq(s->sv_ports[0].lo, 443);
	s = policy_service(r.p, "dns");
	ck_assert(s->sv_builtin);
	ck_assert_int_eq(s->sv_n_ports, 2);
	ck_assert_int_eq(s->sv_ports[0].proto, IPPROTO_UDP);
	ck_assert_int_eq(s->sv_ports[1].proto, IPPROTO_TCP);
	ck_assert_int_eq(s->sv_ports[1].hi, 53);
	s = policy_service(r.p, "dhcp");
	ck_assert_int_eq(s->sv_ports[0].proto, IPPROTO_UDP);
	ck_assert_int_eq(s->sv_ports[0].lo, 67);
	s = policy_service(r.p, "ping");
	ck_assert_int_eq(s->sv_ports[0].proto, IPPROTO_ICMP);
	/* Validating twice adds nothing twice. */
	ck_assert(policy_validate(r.p, &r.d));
	ck_assert_int_eq(r.p->p_n_services, 3 + 1 + 4);
	run_free(&r);
}
END_TEST

START_TEST(test_gateway_services)
{
	struct run		 r;
	struct pol		 o = { .zones =
	    "  lgwan2: { tier: lgwan, interfaces: [eth1.21], networks: [10.21.0.0/16], gateway: [dns, https] }\n"
	    "  mgmt2:  { tier: management, interfaces: [eth5], gateway: [] }\n" };
	const struct service	*v[8];
	size_t			 n;

	run_pol(&r, &o);
	expect_clean(&r);
	n = policy_gateway_services(r.p, policy_zone(r.p, "mgmt"), v, 8);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(v[0]->sv_name, "ssh");
	ck_assert_str_eq(v[1]->sv_name, "sanso");
	ck_assert_str_eq(v[2]->sv_name, "ping");
	n = policy_gateway_services(r.p, policy_zone(r.p, "quarantine"), v, 8);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(v[0]->sv_name, "dns");
	ck_assert_str_eq(v[1]->sv_name, "dhcp");
	ck_assert_str_eq(v[2]->sv_name, "sanso");
	ck_assert_int_eq(policy_gateway_services(r.p,
	    policy_zone(r.p, "lgwan"), v, 8), 0);
	ck_assert_int_eq(policy_gateway_services(r.p,
	    policy_zone(r.p, "internet"), v, 8), 0);
	n = policy_gateway_services(r.p, policy_zone(r.p, "lgwan2"), v, 8);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(v[0]->sv_name, "dns");
	ck_assert_str_eq(v[1]->sv_name, "https");
	/* An empty list written out means nothing, not the tier default. */
	ck_assert_int_eq(policy_gateway_services(r.p,
	    policy_zone(r.p, "mgmt2"), v, 8), 0);
	/* NULL asks for the count; max bounds what is stored. */
	ck_assert_int_eq(policy_gateway_services(r.p,
	    policy_zone(r.p, "mgmt"), NULL, 0), 3);
	v[1] = NULL;
	ck_assert_int_eq(policy_gateway_services(r.p,
	    policy_zone(r.p, "mgmt"), v, 1), 1);
	ck_assert_ptr_null(v[1]);
	run_free(&r);
}
END_TEST

/* ---- Name resolution ---------------------------------------------------- */

START_TEST(test_ref_host_zone)
{
	struct run r;
	struct pol o = { .hosts = "  lost: { zone: nowhere, address: 10.20.9.9 }\n" };

	run_pol(&r, &o);
	expect_error(&r, "ref", NULL, "host 'lost'", "unknown zone 'nowhere'");
	expect_refused(&r, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_ref_endpoint)
{
	struct run r;

	run_conduits(&r,
	    "  - { name: typo, from: lgwn, to: lgwan-wan, services: [https] }\n"
	    "  - { name: typo2, from: lgwan, to: chukn, services: [https] }\n");
	expect_error(&r, "ref", NULL, "conduit 'typo'", "from 'lgwn'",
	    "neither a zone nor a host");
	expect_error(&r, "ref", NULL, "conduit 'typo2'", "to 'chukn'");
	expect_refused(&r, 2);
	run_free(&r);
}
END_TEST

START_TEST(test_ref_ambiguous)
{
	struct run r;
	struct pol o = {
		.hosts = "  dmz: { zone: lgwan, address: 10.20.0.70 }\n",
		.conduits = "  - { name: pub, from: isc, to: dmz, services: [https] }\n",
	};

	run_pol(&r, &o);
	/* Once where the host is defined, once where the name is used. */
	expect_error(&r, "name", NULL, "host 'dmz'", "zone 'dmz'");
	expect_error(&r, "ref", NULL, "conduit 'pub'", "'dmz'",
	    "both a zone and a host");
	expect_refused(&r, 2);
	run_free(&r);
}
END_TEST

START_TEST(test_ref_service)
{
	struct run r;

	run_conduits(&r,
	    "  - { name: web2, from: lgwan, to: lgwan-wan, services: [https, htps] }\n");
	expect_error(&r, "ref", NULL, "conduit 'web2'",
	    "unknown service 'htps'");
	expect_refused(&r, 1);
	run_free(&r);

	/* Builtins resolve without being written. */
	run_conduits(&r,
	    "  - { name: adm, from: mgmt, to: lgwan, services: [ssh, sanso, dns, dhcp, ping] }\n");
	expect_clean(&r);
	run_free(&r);
}
END_TEST

START_TEST(test_ref_gateway)
{
	struct run r;
	struct pol o = { .zones =
	    "  lgwan2: { tier: lgwan, interfaces: [eth1.21], networks: [10.21.0.0/16], gateway: [dns, nosuch] }\n" };

	run_pol(&r, &o);
	expect_error(&r, "ref", NULL, "zone 'lgwan2'",
	    "unknown gateway service 'nosuch'");
	expect_refused(&r, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_ref_quarantine)
{
	struct run r;
	struct pol o = { .quarantine =
	    "quarantine:\n"
	    "  zone: quarantin\n"
	    "  remediation: [wsus, wsuss]\n"
	    "  release: auto\n" };

	run_pol(&r, &o);
	expect_error(&r, "ref", NULL, "quarantine", "unknown zone 'quarantin'");
	expect_error(&r, "ref", NULL, "unknown remediation host 'wsuss'");
	ck_assert_ptr_null(r.p->p_quarantine.q_zone);
	ck_assert_ptr_eq(r.p->p_quarantine.q_rem_hosts[0],
	    policy_host(r.p, "wsus"));
	expect_refused(&r, 2);
	run_free(&r);
}
END_TEST

/* ---- Ordinary checks ------------------------------------------------------ */

START_TEST(test_duplicate_names)
{
	struct run	 r;
	struct pol	 o = { 0 };
	struct policy	*p;

	/* The parser refuses these; the validator checks anyway. */
	parse_pol(&r, &o);
	p = r.p;
	free(p->p_zones[1].zn_name);
	p->p_zones[1].zn_name = xstrdup("mynumber");
	free(p->p_hosts[1].ho_name);
	p->p_hosts[1].ho_name = xstrdup("mn-gw");
	free(p->p_services[1].sv_name);
	p->p_services[1].sv_name = xstrdup("https");
	free(p->p_conduits[1].cd_name);
	p->p_conduits[1].cd_name = xstrdup("lgwan-out");
	r.ok = policy_validate(p, &r.d);
	expect_error(&r, "name", NULL, "duplicate zone 'mynumber'");
	expect_error(&r, "name", NULL, "duplicate host 'mn-gw'");
	expect_error(&r, "name", NULL, "duplicate service 'https'");
	expect_error(&r, "name", NULL, "duplicate conduit 'lgwan-out'",
	    "first defined at line 29");
	ck_assert(!r.ok);
	run_free(&r);

	/* A host named like a zone. */
	o.hosts = "  internet: { zone: lgwan, address: 10.20.0.71 }\n";
	run_pol(&r, &o);
	expect_error(&r, "name", NULL, "host 'internet'",
	    "same name as zone 'internet'");
	expect_refused(&r, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_zone_interfaces)
{
	struct run	 r;
	struct pol	 o = { .zones =
	    "  lgwan2: { tier: lgwan, interfaces: [eth1.21, eth1.20], networks: [10.21.0.0/16] }\n" };
	struct zone	*z;
	size_t		 i;

	run_pol(&r, &o);
	expect_error(&r, "zone", NULL, "interface 'eth1.20'", "zone 'lgwan'",
	    "zone 'lgwan2'");
	expect_refused(&r, 1);
	run_free(&r);

	/* Different interfaces in the same tier are fine. */
	o.zones = "  lgwan2: { tier: lgwan, interfaces: [eth1.21], networks: [10.21.0.0/16] }\n";
	run_pol(&r, &o);
	expect_clean(&r);
	run_free(&r);

	/* No interfaces at all (built in C: the parser may refuse []). */
	o.zones = NULL;
	parse_pol(&r, &o);
	z = policy_zone(r.p, "dmz");
	for (i = 0; i < z->zn_n_ifaces; i++)
		free(z->zn_ifaces[i]);
	z->zn_n_ifaces = 0;
	r.ok = policy_validate(r.p, &r.d);
	expect_error(&r, "zone", NULL, "zone 'dmz' has no interfaces");
	expect_refused(&r, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_host_outside_networks)
{
	struct run r;
	struct pol o = { .hosts =
	    "  stray:  { zone: lgwan, address: 10.21.0.7 }\n"
	    "  stray6: { zone: lgwan, address: [10.20.0.8, \"fd00:21::8\"] }\n"
	    "  dual:   { zone: lgwan, address: [10.20.0.9, \"fd00:20::9\"] }\n"
	    "  up:     { zone: lgwan-wan, address: 192.0.2.1 }\n" };

	run_pol(&r, &o);
	expect_error(&r, "host", NULL, "host 'stray'", "10.21.0.7",
	    "zone 'lgwan'");
	expect_error(&r, "host", NULL, "host 'stray6'", "fd00:21::8");
	expect_refused(&r, 2);
	run_free(&r);
}
END_TEST

START_TEST(test_conduit_intra_zone)
{
	struct run r;

	run_conduits(&r,
	    "  - { name: loop, from: lgwan, to: lgwan, services: [https] }\n"
	    "  - { name: own, from: lgwan-mail, to: lgwan, services: [smtp] }\n"
	    "  - { name: pair, from: lgwan-pc, to: wsus, services: [https] }\n");
	expect_error(&r, "conduit", NULL, "conduit 'loop'", "zone 'lgwan'");
	expect_error(&r, "conduit", NULL, "conduit 'own'", "zone 'lgwan'");
	expect_error(&r, "conduit", NULL, "conduit 'pair'", "zone 'lgwan'");
	expect_refused(&r, 3);
	run_free(&r);

	/* Host to a host of another zone of the same tier is a conduit. */
	run_conduits(&r,
	    "  - { name: to-chukan, from: lgwan-pc, to: chukan, services: [https] }\n");
	expect_clean(&r);
	run_free(&r);
}
END_TEST

START_TEST(test_conduit_no_services)
{
	struct run	 r;
	struct pol	 o = { 0 };
	struct conduit	*c;

	parse_pol(&r, &o);
	c = &r.p->p_conduits[0];
	c->cd_n_services = 0;	/* the strings stay allocated: freed below */
	r.ok = policy_validate(r.p, &r.d);
	expect_error(&r, "conduit", NULL, "conduit 'lgwan-out' has no services");
	expect_refused(&r, 1);
	c->cd_n_services = 2;
	run_free(&r);
}
END_TEST

START_TEST(test_sanitizer_tier)
{
	struct run r;
	struct pol o = { .hosts =
	    "  lg-relay: { zone: lgwan, address: 10.20.0.90, sanitizer: file-sanitize }\n" };

	run_pol(&r, &o);
	expect_error(&r, "sanitizer", SRC3, "host 'lg-relay'", "file-sanitize",
	    "lgwan zone 'lgwan'");
	expect_refused(&r, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_via_outside_split)
{
	struct run r;

	run_conduits(&r,
	    "  - { name: adm, from: mgmt, to: lgwan, services: [ssh], via: screen-transfer }\n");
	expect_error(&r, "via", SRC3, "conduit 'adm'", "via: screen-transfer",
	    "management zone 'mgmt'", "lgwan zone 'lgwan'");
	expect_refused(&r, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_quarantine_block_tier)
{
	struct run r;
	struct pol o = { .quarantine =
	    "quarantine:\n  zone: lgwan\n  remediation: [wsus]\n  release: auto\n" };

	run_pol(&r, &o);
	expect_error(&r, "quarantine", SRC5, "zone 'lgwan' is lgwan",
	    "not a quarantine-tier zone");
	run_free(&r);
}
END_TEST

START_TEST(test_quarantine_unreached)
{
	struct run r;
	struct pol o = {
		.hosts = "  av-sig: { zone: lgwan, address: 10.20.0.51 }\n",
		.quarantine = "quarantine:\n  zone: quarantine\n"
		    "  remediation: [wsus, av-sig]\n  release: auto\n",
	};

	run_pol(&r, &o);
	ck_assert(r.ok);
	expect_warning(&r, "quarantine", SRC5, "remediation host 'av-sig'",
	    "zone 'quarantine'");
	ck_assert_int_eq(r.d.n, 1);
	run_free(&r);
}
END_TEST

START_TEST(test_egress)
{
	struct run r;
	struct pol o = {
		.zones = "  dmz-wan: { tier: dmz, interfaces: [eth4], uplink: true }\n",
		.conduits = "  - { name: breakout, from: internet, to: dmz-wan, services: [https] }\n",
	};

	run_pol(&r, &o);
	expect_error(&r, "egress", SRC_EGRESS, "conduit 'breakout'",
	    "internet zone 'internet'", "uplink 'dmz-wan'");
	expect_refused(&r, 1);
	run_free(&r);

	/* Through the internet-tier uplink, and to a DMZ that is no uplink. */
	o.conduits =
	    "  - { name: web, from: internet, to: isc, services: [https] }\n"
	    "  - { name: to-dmz, from: internet, to: www, services: [https] }\n";
	run_pol(&r, &o);
	expect_clean(&r);
	run_free(&r);
}
END_TEST

START_TEST(test_model_warning)
{
	struct run	r;
	struct pol	o = { .model = "beta" };

	run_pol(&r, &o);
	ck_assert(r.ok);
	expect_warning(&r, "model", NULL, "model 'beta': β-specific rules are "
	    "not enforced yet; validated with the α rules");
	ck_assert_int_eq(r.d.n, 1);
	run_free(&r);

	o.model = "alpha-prime";
	o.conduits = "  - { name: leak, from: mynumber, to: internet, services: [https] }\n";
	run_pol(&r, &o);
	expect_warning(&r, "model", NULL, "model 'alpha-prime'", "α'-specific");
	/* α rules still apply. */
	expect_error(&r, "alpha-1", SRC1, "conduit 'leak'");
	expect_refused(&r, 1);
	run_free(&r);
}
END_TEST

/* ---- α invariants --------------------------------------------------------- */

START_TEST(test_alpha1)
{
	struct run r;

	run_conduits(&r,
	    "  - { name: leak, from: mynumber, to: internet, services: [https] }\n"
	    "  - { name: back, from: screen-gw, to: mn-gw, services: [rdp], via: screen-transfer, approval: R8-1 }\n"
	    "  - { name: up, from: mn-gw, to: isc, services: [https], approval: R8-2 }\n");
	expect_error(&r, "alpha-1", SRC1, "conduit 'leak': joins mynumber zone "
	    "'mynumber' and internet zone 'internet'; the マイナンバー利用事務系 "
	    "may never reach the インターネット接続系");
	expect_error(&r, "alpha-1", SRC1, "conduit 'back'",
	    "internet host 'screen-gw'", "mynumber host 'mn-gw'");
	expect_error(&r, "alpha-1", SRC1, "conduit 'up'", "internet zone 'isc'");
	/* Only alpha-1: approval, via or hosts could not make them right. */
	expect_refused(&r, 3);
	run_free(&r);
}
END_TEST

START_TEST(test_alpha2)
{
	struct run r;

	run_conduits(&r,
	    "  - { name: mn-zone, from: mynumber, to: chukan, services: [https], approval: R8-1 }\n"
	    "  - { name: mn-nomac, from: mn-pc, to: chukan, services: [https], approval: R8-2 }\n"
	    "  - { name: mn-wide, from: mn-gw, to: lgwan-wan, services: [https], approval: R8-3 }\n"
	    "  - { name: mn-any, from: mn-gw, to: chukan, services: [any], approval: R8-4 }\n"
	    "  - { name: mn-noref, from: mn-gw, to: chukan, services: [https] }\n"
	    "  - { name: mn-blank, from: mn-gw, to: chukan, services: [https], approval: \"  \" }\n"
	    "  - { name: mn-in, from: lgwan-pc, to: mn-gw, services: [https] }\n");
	expect_error(&r, "alpha-2", SRC2, "conduit 'mn-zone'",
	    "whole mynumber zone 'mynumber'");
	expect_error(&r, "alpha-2", SRC2, "conduit 'mn-nomac'",
	    "mynumber host 'mn-pc' has no pinned MAC");
	expect_error(&r, "alpha-2", SRC2, "conduit 'mn-wide'",
	    "names a whole zone, lgwan zone 'lgwan-wan', instead of hosts");
	expect_error(&r, "alpha-2", SRC2, "conduit 'mn-any'", "[any]");
	expect_error(&r, "alpha-2", SRC2, "conduit 'mn-noref'",
	    "no approval reference");
	expect_error(&r, "alpha-2", SRC2, "conduit 'mn-blank'",
	    "approval reference is empty");
	expect_error(&r, "alpha-2", SRC2, "conduit 'mn-in'",
	    "no approval reference");
	/* [any] across the boundary is alpha-2's, not also alpha-4's. */
	ck_assert_int_eq(count_rule(&r.d, "alpha-4"), 0);
	expect_refused(&r, 7);
	run_free(&r);

	/* A pinned host to a named host with approval, either direction. */
	run_conduits(&r,
	    "  - { name: mn-chukan, from: mn-gw, to: chukan, services: [https], approval: \"R8-0123\" }\n"
	    "  - { name: chukan-mn, from: chukan, to: mn-gw, services: [https], approval: \"R8-0124\" }\n");
	expect_clean(&r);
	run_free(&r);
}
END_TEST

START_TEST(test_alpha2_within_tier)
{
	struct run r;
	struct pol o = {
		.zones = "  mn-srv: { tier: mynumber, interfaces: [eth1.11], networks: [10.11.0.0/16] }\n",
		.conduits = "  - { name: mn-app, from: mynumber, to: mn-srv, services: [any] }\n",
	};

	/* Between two mynumber zones nothing crosses the boundary. */
	run_pol(&r, &o);
	expect_clean(&r);
	run_free(&r);
}
END_TEST

START_TEST(test_alpha3)
{
	struct run r;

	run_conduits(&r,
	    "  - { name: direct, from: lgwan, to: internet, services: [https] }\n"
	    "  - { name: to-zone, from: lgwan, to: internet, services: [rdp], via: screen-transfer }\n"
	    "  - { name: no-relay, from: lgwan, to: inet-pc, services: [rdp], via: screen-transfer }\n"
	    "  - { name: wrong-kind, from: lgwan, to: mail-clean, services: [rdp], via: screen-transfer }\n"
	    "  - { name: backwards, from: screen-gw, to: lgwan-pc, services: [rdp], via: screen-transfer }\n"
	    "  - { name: file-back, from: file-clean, to: lgwan-pc, services: [https], via: file-sanitize }\n"
	    "  - { name: mail-up, from: lgwan-mail, to: mail-clean, services: [smtp], via: mail-text }\n"
	    "  - { name: mail-wide, from: mail-clean, to: lgwan, services: [smtp], via: mail-text }\n");
	expect_error(&r, "alpha-3", SRC3, "conduit 'direct'",
	    "lgwan zone 'lgwan'", "internet zone 'internet'", "without `via:`");
	expect_error(&r, "alpha-3", SRC3, "conduit 'to-zone'",
	    "whole zone 'internet'", "sanitizer: screen-transfer");
	expect_error(&r, "alpha-3", SRC3, "conduit 'no-relay'",
	    "internet host 'inet-pc' is not a 無害化 relay");
	expect_error(&r, "alpha-3", SRC3, "conduit 'wrong-kind'",
	    "via screen-transfer", "'mail-clean' is a mail-text relay");
	expect_error(&r, "alpha-3", SRC3, "conduit 'backwards'",
	    "wrong direction for screen-transfer", "internet host 'screen-gw'");
	expect_error(&r, "alpha-3", SRC3, "conduit 'file-back'",
	    "wrong direction for file-sanitize");
	expect_error(&r, "alpha-3", SRC3, "conduit 'mail-up'",
	    "wrong direction for mail-text", "lgwan host 'lgwan-mail'");
	expect_error(&r, "alpha-3", SRC3, "conduit 'mail-wide'",
	    "whole lgwan zone 'lgwan'", "LGWAN mail host");
	expect_refused(&r, 8);
	run_free(&r);

	run_conduits(&r,
	    "  - { name: screen, from: lgwan, to: screen-gw, services: [rdp], via: screen-transfer }\n"
	    "  - { name: file-in, from: lgwan-pc, to: file-clean, services: [https], via: file-sanitize }\n"
	    "  - { name: mail-in, from: mail-clean, to: lgwan-mail, services: [smtp], via: mail-text }\n");
	expect_clean(&r);
	run_free(&r);
}
END_TEST

START_TEST(test_alpha4)
{
	struct run r;

	run_conduits(&r,
	    "  - { name: adm-any, from: mgmt, to: lgwan, services: [any] }\n"
	    "  - { name: pub-any, from: internet, to: www, services: [any] }\n");
	expect_error(&r, "alpha-4", SRC4, "conduit 'adm-any'",
	    "management zone 'mgmt'", "lgwan zone 'lgwan'");
	expect_error(&r, "alpha-4", SRC4, "conduit 'pub-any'", "dmz host 'www'");
	expect_refused(&r, 2);
	run_free(&r);

	/* [any] within a tier, named services across. */
	run_conduits(&r,
	    "  - { name: wan-any, from: lgwan, to: lgwan-wan, services: [any] }\n"
	    "  - { name: web, from: internet, to: isc, services: [any] }\n"
	    "  - { name: adm, from: mgmt, to: lgwan, services: [ssh, ping] }\n");
	expect_clean(&r);
	run_free(&r);
}
END_TEST

START_TEST(test_alpha5)
{
	struct run r;
	struct pol o = { 0 };

	run_conduits(&r,
	    "  - { name: q-out, from: quarantine, to: lgwan, services: [https] }\n"
	    "  - { name: q-pc, from: quarantine, to: lgwan-pc, services: [https] }\n"
	    "  - { name: q-in, from: lgwan, to: quarantine, services: [https] }\n");
	expect_error(&r, "alpha-5", SRC5, "conduit 'q-out'",
	    "quarantine zone 'quarantine' opens to lgwan zone 'lgwan'",
	    "quarantine.remediation");
	expect_error(&r, "alpha-5", SRC5, "conduit 'q-pc'", "lgwan host 'lgwan-pc'");
	expect_error(&r, "alpha-5", SRC5, "conduit 'q-in'", "lgwan zone 'lgwan'",
	    "only the management tier");
	expect_refused(&r, 3);
	run_free(&r);

	/* Without a quarantine block nothing is a remediation host. */
	o.quarantine = "";
	run_pol(&r, &o);
	expect_error(&r, "alpha-5", SRC5, "conduit 'q-patch'", "lgwan host 'wsus'");
	expect_refused(&r, 1);
	run_free(&r);

	run_conduits(&r,
	    "  - { name: q-adm, from: mgmt, to: quarantine, services: [ssh, ping] }\n");
	expect_clean(&r);
	run_free(&r);
}
END_TEST

START_TEST(test_alpha6)
{
	struct run r;

	run_conduits(&r,
	    "  - { name: inbound, from: isc, to: internet, services: [https] }\n"
	    "  - { name: to-adm, from: isc, to: mgmt, services: [ssh] }\n");
	expect_error(&r, "alpha-6", SRC6, "conduit 'inbound'",
	    "internet uplink 'isc'", "internet zone 'internet'");
	expect_error(&r, "alpha-6", SRC6, "conduit 'to-adm'",
	    "management zone 'mgmt'");
	expect_refused(&r, 2);
	run_free(&r);

	run_conduits(&r,
	    "  - { name: publish, from: isc, to: www, services: [https] }\n"
	    "  - { name: pub-zone, from: isc, to: dmz, services: [https] }\n"
	    "  - { name: mx, from: isc, to: mail-clean, services: [smtp] }\n");
	expect_clean(&r);
	run_free(&r);
}
END_TEST

START_TEST(test_alpha7)
{
	struct run r;
	struct pol o = {
		.zones = "  inet2: { tier: internet, interfaces: [eth1.31], networks: [10.20.128.0/24] }\n",
	};

	run_pol(&r, &o);
	expect_error(&r, "alpha-7", SRC7, "zone 'inet2'", "10.20.128.0/24",
	    "10.20.0.0/16", "zone 'lgwan'");
	expect_refused(&r, 1);
	run_free(&r);

	/* A host of an uplink (no networks) inside another tier's network. */
	o.zones = NULL;
	o.hosts = "  isc-gw: { zone: isc, address: 10.20.0.1 }\n";
	run_pol(&r, &o);
	expect_error(&r, "alpha-7", SRC7, "host 'isc-gw'", "10.20.0.1",
	    "lgwan zone 'lgwan'");
	expect_refused(&r, 1);
	run_free(&r);

	/* Two uplink hosts of different tiers with one address. */
	o.hosts = "  isc-proxy: { zone: isc, address: 172.16.5.10 }\n";
	run_pol(&r, &o);
	expect_error(&r, "alpha-7", SRC7, "host 'isc-proxy'", "172.16.5.10",
	    "host 'chukan'");
	expect_refused(&r, 1);
	run_free(&r);

	/* Overlap within one tier is allowed. */
	o.hosts = NULL;
	o.zones = "  lgwan2: { tier: lgwan, interfaces: [eth1.21], networks: [10.20.1.0/24] }\n";
	run_pol(&r, &o);
	expect_clean(&r);
	run_free(&r);
}
END_TEST

/* Everything wrong in one file is reported, not only the first. */
START_TEST(test_many_violations)
{
	struct run r;
	size_t i;
	struct pol o = {
		.zones = "  inet2: { tier: internet, interfaces: [eth1.30], networks: [10.10.5.0/24] }\n",
		.hosts = "  stray: { zone: lgwan, address: 10.99.0.5 }\n",
		.conduits =
		    "  - { name: leak, from: mynumber, to: internet, services: [https] }\n"
		    "  - { name: direct, from: lgwan, to: internet, services: [https] }\n"
		    "  - { name: mn-noref, from: mn-gw, to: chukan, services: [https] }\n"
		    "  - { name: adm-any, from: mgmt, to: lgwan, services: [any] }\n"
		    "  - { name: q-out, from: quarantine, to: lgwan, services: [https] }\n"
		    "  - { name: inbound, from: isc, to: internet, services: [nosuch] }\n",
	};

	run_pol(&r, &o);
	expect_error(&r, "zone", NULL, "interface 'eth1.30'");
	expect_error(&r, "host", NULL, "host 'stray'");
	expect_error(&r, "alpha-7", SRC7, "zone 'inet2'", "zone 'mynumber'");
	expect_error(&r, "alpha-7", SRC7, "host 'stray'", "quarantine zone");
	expect_error(&r, "alpha-1", SRC1, "conduit 'leak'");
	expect_error(&r, "alpha-2", SRC2, "conduit 'mn-noref'");
	expect_error(&r, "alpha-3", SRC3, "conduit 'direct'");
	expect_error(&r, "alpha-4", SRC4, "conduit 'adm-any'");
	expect_error(&r, "alpha-5", SRC5, "conduit 'q-out'");
	expect_error(&r, "alpha-6", SRC6, "conduit 'inbound'");
	expect_error(&r, "ref", NULL, "unknown service 'nosuch'");
	expect_refused(&r, 11);
	/* Printed in file order, as `sansod -t` shows them. */
	for (i = 1; i < r.d.n; i++)
		ck_assert_uint_le(r.d.v[i - 1].d_loc.line, r.d.v[i].d_loc.line);
	run_free(&r);
}
END_TEST

/* ---- Fixtures ------------------------------------------------------------- */

/*
 * Every bad fixture of this validator's checks: each `# expect:` line must
 * appear in what `sansod -t` prints (diags_print) and there is an error.
 */
START_TEST(test_bad_fixtures)
{
	static const char *const pats[] = {
		"tests/policy/bad/inv-*.yaml", "tests/policy/bad/ref-*.yaml"
	};
	glob_t		 g;
	size_t		 i, j, nexp;
	int		 flags = 0;

	memset(&g, 0, sizeof(g));
	for (i = 0; i < 2; i++) {
		glob(pats[i], flags, NULL, &g);
		flags = GLOB_APPEND;
	}
	ck_assert_msg(g.gl_pathc >= 30, "only %zu bad fixtures found (run "
	    "from the source tree)", g.gl_pathc);
	for (j = 0; j < g.gl_pathc; j++) {
		const char	*path = g.gl_pathv[j], *l, *nl;
		struct diags	 d;
		struct policy	*p;
		char		*text = NULL, *out, *want;
		size_t		 len = 0;
		bool		 ok = false;

		diags_init(&d, NULL, 0);
		p = policy_load(path, &text, &len, &d);
		ck_assert_msg(text != NULL, "%s: not read", path);
		d.text = text;
		d.textlen = len;
		if (p != NULL)
			ok = policy_validate(p, &d);
		out = dump(&d);
		ck_assert_msg(!ok && d.nerrors > 0, "%s: accepted:\n%s", path,
		    out);
		nexp = 0;
		for (l = text; strncmp(l, "# expect: ", 10) == 0;
		    l = nl + 1) {
			nl = strchr(l, '\n');
			ck_assert_ptr_nonnull(nl);
			want = xstrndup(l + 10, (size_t)(nl - l - 10));
			ck_assert_msg(strstr(out, want) != NULL,
			    "%s: expected \"%s\" in:\n%s", path, want, out);
			free(want);
			nexp++;
		}
		ck_assert_msg(nexp > 0, "%s: no `# expect:` line", path);
		free(out);
		policy_free(p);
		diags_free(&d);
		free(text);
	}
	globfree(&g);
}
END_TEST

START_TEST(test_good_fixtures)
{
	glob_t	g;
	size_t	j;

	memset(&g, 0, sizeof(g));
	glob("tests/policy/good/*.yaml", 0, NULL, &g);
	ck_assert_msg(g.gl_pathc >= 3, "only %zu good fixtures found",
	    g.gl_pathc);
	for (j = 0; j < g.gl_pathc; j++) {
		struct diags	 d;
		struct policy	*p;
		char		*text = NULL, *out;
		size_t		 len = 0;

		diags_init(&d, NULL, 0);
		p = policy_load(g.gl_pathv[j], &text, &len, &d);
		d.text = text;
		d.textlen = len;
		out = NULL;
		if (p == NULL || !policy_validate(p, &d)) {
			out = dump(&d);
			ck_abort_msg("%s: refused:\n%s", g.gl_pathv[j], out);
		}
		policy_free(p);
		diags_free(&d);
		free(text);
	}
	globfree(&g);
}
END_TEST

static Suite *
validate_suite(void)
{
	Suite	*s = suite_create("validate");
	TCase	*t;

	t = tcase_create("base");
	tcase_add_test(t, test_docs_policy_clean);
	tcase_add_test(t, test_base_clean);
	tcase_add_test(t, test_resolution);
	tcase_add_test(t, test_builtin_services);
	tcase_add_test(t, test_gateway_services);
	suite_add_tcase(s, t);

	t = tcase_create("ref");
	tcase_add_test(t, test_ref_host_zone);
	tcase_add_test(t, test_ref_endpoint);
	tcase_add_test(t, test_ref_ambiguous);
	tcase_add_test(t, test_ref_service);
	tcase_add_test(t, test_ref_gateway);
	tcase_add_test(t, test_ref_quarantine);
	suite_add_tcase(s, t);

	t = tcase_create("checks");
	tcase_add_test(t, test_duplicate_names);
	tcase_add_test(t, test_zone_interfaces);
	tcase_add_test(t, test_host_outside_networks);
	tcase_add_test(t, test_conduit_intra_zone);
	tcase_add_test(t, test_conduit_no_services);
	tcase_add_test(t, test_sanitizer_tier);
	tcase_add_test(t, test_via_outside_split);
	tcase_add_test(t, test_quarantine_block_tier);
	tcase_add_test(t, test_quarantine_unreached);
	tcase_add_test(t, test_egress);
	tcase_add_test(t, test_model_warning);
	suite_add_tcase(s, t);

	t = tcase_create("alpha");
	tcase_add_test(t, test_alpha1);
	tcase_add_test(t, test_alpha2);
	tcase_add_test(t, test_alpha2_within_tier);
	tcase_add_test(t, test_alpha3);
	tcase_add_test(t, test_alpha4);
	tcase_add_test(t, test_alpha5);
	tcase_add_test(t, test_alpha6);
	tcase_add_test(t, test_alpha7);
	tcase_add_test(t, test_many_violations);
	suite_add_tcase(s, t);

	t = tcase_create("fixtures");
	tcase_add_test(t, test_bad_fixtures);
	tcase_add_test(t, test_good_fixtures);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(validate_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
