/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for policy_parse() and policy_load(): values, every error. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../daemon/policy.h"
#include "../../daemon/xmalloc.h"

/*
 * policy.c's policy_load_valid() calls policy_validate(), which lives in
 * another file; this test exercises only the parser, so it must link
 * whether or not that file is in libsanso-core yet.  A weak definition
 * gives way to the real one whenever the linker pulls it in.
 */
__attribute__((weak)) bool
policy_validate(struct policy *p, struct diags *d)
{
	(void)p;
	(void)d;
	ck_abort_msg("policy_validate() is not part of this test");
	return false;
}

static const char *
srcdir(void)
{
	const char *s = getenv("SANSO_SRCDIR");

	return s != NULL ? s : ".";
}

/* All diagnostics, one diag_format() line each (caller frees). */
static char *
diags_text(const struct diags *d)
{
	char	*buf = NULL, *line;
	size_t	 len = 0, i;
	FILE	*f;

	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	for (i = 0; i < d->n; i++) {
		line = diag_format(&d->v[i]);
		fprintf(f, "%s\n", line);
		free(line);
	}
	fclose(f);
	return buf;
}

static struct policy *
parse(const char *yaml, struct diags *d)
{
	diags_init(d, yaml, strlen(yaml));
	return policy_parse("t.yaml", yaml, strlen(yaml), d);
}

/* Parse @yaml, which must fail with every substring of @expect. */
static void
assert_refused(const char *yaml, size_t len, const char *const *expect)
{
	struct diags	 d;
	struct policy	*p;
	char		*out;
	size_t		 i;

	diags_init(&d, yaml, len);
	p = policy_parse("t.yaml", yaml, len, &d);
	out = diags_text(&d);
	ck_assert_msg(p == NULL, "accepted:\n%s", yaml);
	ck_assert_msg(diags_has_errors(&d), "refused without an error");
	for (i = 0; expect[i] != NULL; i++)
		ck_assert_msg(strstr(out, expect[i]) != NULL,
		    "missing \"%s\" in:\n%s", expect[i], out);
	for (i = 0; i < d.n; i++)
		ck_assert_str_eq(d.v[i].d_loc.file, "t.yaml");
	free(out);
	diags_free(&d);
}

static void
assert_prefix(const struct prefix *pf, const char *want)
{
	char buf[64];

	ck_assert_str_eq(prefix_str(pf, buf, sizeof(buf)), want);
}

/* The minimal α policy of DESIGN.md §4, verbatim. */
static const char alpha[] =
    "version: 1\n"
    "model: alpha\n"
    "zones:\n"
    "  mynumber:   { tier: mynumber,   interfaces: [eth1.10], networks: [10.10.0.0/16] }\n"
    "  lgwan:      { tier: lgwan,      interfaces: [eth1.20], networks: [10.20.0.0/16] }\n"
    "  internet:   { tier: internet,   interfaces: [eth1.30], networks: [10.30.0.0/16] }\n"
    "  lgwan-wan:  { tier: lgwan,      interfaces: [eth2], uplink: true }\n"
    "  isc:        { tier: internet,   interfaces: [eth3], uplink: true }\n"
    "  quarantine: { tier: quarantine, interfaces: [eth1.99], networks: [10.99.0.0/24] }\n"
    "  mgmt:       { tier: management, interfaces: [eth0] }\n"
    "hosts:\n"
    "  mn-gw:       { zone: mynumber, address: 10.10.0.5, mac: \"52:54:00:0a:00:05\" }\n"
    "  chukan:      { zone: lgwan-wan, address: 172.16.5.10 }\n"
    "  screen-gw:   { zone: internet, address: 10.30.0.10, sanitizer: screen-transfer }\n"
    "  mail-clean:  { zone: internet, address: 10.30.0.20, sanitizer: mail-text }\n"
    "  lgwan-mail:  { zone: lgwan, address: 10.20.0.25 }\n"
    "  wsus:        { zone: lgwan, address: 10.20.0.50 }\n"
    "services:\n"
    "  https: [tcp/443]\n"
    "  rdp:   [tcp/3389]\n"
    "  smtp:  [tcp/25]\n"
    "  dns:   [udp/53, tcp/53]\n"
    "conduits:\n"
    "  - { name: lgwan-out,   from: lgwan,      to: lgwan-wan,  services: [https, smtp, dns] }\n"
    "  - { name: screen,      from: lgwan,      to: screen-gw,  services: [rdp], via: screen-transfer }\n"
    "  - { name: mail-in,     from: mail-clean, to: lgwan-mail, services: [smtp], via: mail-text }\n"
    "  - { name: mn-chukan,   from: mn-gw,      to: chukan,     services: [https], approval: \"R8-0123\" }\n"
    "  - { name: web,         from: internet,   to: isc,        services: [https, dns] }\n"
    "  - { name: q-patch,     from: quarantine, to: wsus,       services: [https] }\n"
    "quarantine:\n"
    "  zone: quarantine\n"
    "  remediation: [wsus]\n"
    "  checks: { signature_max_age: 2d, patch_max_age: 35d, full_scan_max_age: 7d, realtime: true }\n"
    "  release: auto\n";

START_TEST(test_alpha_inline)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x0a, 0x00, 0x05 };
	struct diags		 d;
	struct policy		*p;
	struct zone		*z;
	struct host		*h;
	struct service		*sv;
	struct conduit		*c;
	char			 buf[32];

	p = parse(alpha, &d);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_int_eq(p->p_version, 1);
	ck_assert_int_eq(p->p_model, MODEL_ALPHA);
	ck_assert_str_eq(p->p_file, "t.yaml");
	ck_assert(!p->p_validated);
	ck_assert_uint_eq(p->p_n_zones, 7);
	ck_assert_uint_eq(p->p_n_hosts, 6);
	ck_assert_uint_eq(p->p_n_services, 4);
	ck_assert_uint_eq(p->p_n_conduits, 6);

	/* Written order is kept; locations are the names' line:col. */
	z = &p->p_zones[1];
	ck_assert_str_eq(z->zn_name, "lgwan");
	ck_assert_ptr_eq(z->zn_loc.file, p->p_file);
	ck_assert_uint_eq(z->zn_loc.line, 5);
	ck_assert_uint_eq(z->zn_loc.col, 3);
	ck_assert_int_eq(z->zn_tier, TIER_LGWAN);
	ck_assert_uint_eq(z->zn_tier_loc.line, 5);
	ck_assert_uint_eq(z->zn_tier_loc.col, 23);
	ck_assert_uint_eq(z->zn_n_ifaces, 1);
	ck_assert_str_eq(z->zn_ifaces[0], "eth1.20");
	ck_assert_uint_eq(z->zn_iface_locs[0].col, 48);
	ck_assert_uint_eq(z->zn_n_nets, 1);
	ck_assert_int_eq(z->zn_nets[0].family, AF_INET);
	assert_prefix(&z->zn_nets[0], "10.20.0.0/16");
	ck_assert(!z->zn_uplink);
	ck_assert_int_eq(z->zn_admission, ADMISSION_OPEN);
	ck_assert(!z->zn_gateway_set);

	z = policy_zone(p, "lgwan-wan");
	ck_assert_ptr_nonnull(z);
	ck_assert(z->zn_uplink);
	ck_assert_uint_eq(z->zn_n_nets, 0);
	ck_assert_int_eq(policy_zone(p, "mgmt")->zn_tier, TIER_MANAGEMENT);
	ck_assert_int_eq(policy_zone(p, "quarantine")->zn_tier,
	    TIER_QUARANTINE);

	h = policy_host(p, "mn-gw");
	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h->ho_zone_name, "mynumber");
	ck_assert_ptr_null(h->ho_zone);
	ck_assert_uint_eq(h->ho_n_addrs, 1);
	ck_assert_uint_eq(h->ho_addrs[0].plen, 32);
	assert_prefix(&h->ho_addrs[0], "10.10.0.5");
	ck_assert(h->ho_has_mac);
	ck_assert_mem_eq(h->ho_mac, mac, 6);
	ck_assert_str_eq(mac_str(h->ho_mac, buf, sizeof(buf)),
	    "52:54:00:0a:00:05");
	ck_assert_uint_eq(h->ho_mac_loc.line, 12);
	ck_assert_int_eq(h->ho_sanitizer, SAN_NONE);
	ck_assert_int_eq(policy_host(p, "screen-gw")->ho_sanitizer, SAN_SCREEN);
	ck_assert_int_eq(policy_host(p, "mail-clean")->ho_sanitizer, SAN_MAIL);
	ck_assert(!policy_host(p, "chukan")->ho_has_mac);

	sv = policy_service(p, "dns");
	ck_assert_ptr_nonnull(sv);
	ck_assert(!sv->sv_builtin);
	ck_assert_uint_eq(sv->sv_n_ports, 2);
	ck_assert_str_eq(port_range_str(&sv->sv_ports[0], buf, sizeof(buf)),
	    "udp/53");
	ck_assert_int_eq(sv->sv_ports[1].proto, IPPROTO_TCP);
	ck_assert_uint_eq(sv->sv_ports[1].lo, 53);
	ck_assert_uint_eq(sv->sv_ports[1].hi, 53);

	c = &p->p_conduits[0];
	ck_assert_str_eq(c->cd_name, "lgwan-out");
	ck_assert_uint_eq(c->cd_loc.line, 24);
	ck_assert_uint_eq(c->cd_loc.col, 5);
	ck_assert_str_eq(c->cd_from.ep_name, "lgwan");
	ck_assert_str_eq(c->cd_to.ep_name, "lgwan-wan");
	ck_assert_uint_eq(c->cd_n_services, 3);
	ck_assert_str_eq(c->cd_services[2], "dns");
	ck_assert(!c->cd_any);
	ck_assert_int_eq(c->cd_via, SAN_NONE);
	ck_assert_ptr_null(c->cd_approval);
	ck_assert_int_eq(p->p_conduits[1].cd_via, SAN_SCREEN);
	ck_assert_int_eq(p->p_conduits[2].cd_via, SAN_MAIL);
	ck_assert_str_eq(p->p_conduits[3].cd_approval, "R8-0123");
	ck_assert_str_eq(p->p_conduits[3].cd_from.ep_name, "mn-gw");

	ck_assert(p->p_quarantine.q_present);
	ck_assert_str_eq(p->p_quarantine.q_zone_name, "quarantine");
	ck_assert_uint_eq(p->p_quarantine.q_n_remediation, 1);
	ck_assert_str_eq(p->p_quarantine.q_remediation[0], "wsus");
	ck_assert_int_eq(p->p_quarantine.q_checks.signature_max_age, 2 * 86400);
	ck_assert_int_eq(p->p_quarantine.q_checks.patch_max_age, 35 * 86400);
	ck_assert_int_eq(p->p_quarantine.q_checks.full_scan_max_age, 7 * 86400);
	ck_assert(p->p_quarantine.q_checks.realtime);
	ck_assert_int_eq(p->p_quarantine.q_release, RELEASE_AUTO);
	policy_free(p);
	diags_free(&d);
}
END_TEST

START_TEST(test_alpha_doc)
{
	struct diags	 d;
	struct policy	*p;
	struct zone	*z;
	char		 path[4096], *text;
	size_t		 len;

	snprintf(path, sizeof(path), "%s/docs/policy-alpha.yaml", srcdir());
	diags_init(&d, NULL, 0);
	p = policy_load(path, &text, &len, &d);
	ck_assert_msg(p != NULL, "%s does not parse", path);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_ptr_eq(d.text, text);
	ck_assert_uint_eq(d.textlen, len);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_str_eq(p->p_file, path);
	ck_assert_uint_eq(p->p_n_zones, 8);
	ck_assert_uint_eq(p->p_n_hosts, 9);
	ck_assert_uint_eq(p->p_n_services, 6);
	ck_assert_uint_eq(p->p_n_conduits, 11);
	z = policy_zone(p, "lgwan");
	ck_assert_uint_eq(z->zn_n_nets, 2);
	ck_assert_int_eq(z->zn_nets[1].family, AF_INET6);
	assert_prefix(&z->zn_nets[1], "fd00:20::/64");
	ck_assert_int_eq(policy_host(p, "file-clean")->ho_sanitizer, SAN_FILE);
	ck_assert_uint_eq(p->p_quarantine.q_n_remediation, 2);
	ck_assert_int_eq(policy_service(p, "ping")->sv_ports[0].proto,
	    IPPROTO_ICMP);
	policy_free(p);
	diags_free(&d);
	free(text);
}
END_TEST

START_TEST(test_ipv6)
{
	static const char y[] =
	    "version: 1\n"
	    "zones:\n"
	    "  lgwan: { tier: lgwan, interfaces: [eth1.20, eth1.21], networks: [\"fd00:20::/64\", 10.20.0.0/16, \"2001:db8::/32\", \"::/0\"] }\n"
	    "hosts:\n"
	    "  pc:  { zone: lgwan, address: [10.20.0.60, \"fd00:20::60\", \"fd00:20::61/128\", 10.20.0.61/32] }\n"
	    "  v6:  { zone: lgwan, address: \"fd00:20::1\" }\n";
	struct diags	 d;
	struct policy	*p;
	struct zone	*z;
	struct host	*h;

	p = parse(y, &d);
	ck_assert_ptr_nonnull(p);
	z = &p->p_zones[0];
	ck_assert_uint_eq(z->zn_n_ifaces, 2);
	ck_assert_uint_eq(z->zn_n_nets, 4);
	ck_assert_int_eq(z->zn_nets[0].family, AF_INET6);
	ck_assert_uint_eq(z->zn_nets[0].plen, 64);
	assert_prefix(&z->zn_nets[0], "fd00:20::/64");
	assert_prefix(&z->zn_nets[2], "2001:db8::/32");
	assert_prefix(&z->zn_nets[3], "::/0");
	ck_assert_uint_eq(z->zn_nets[3].plen, 0);
	h = policy_host(p, "pc");
	ck_assert_uint_eq(h->ho_n_addrs, 4);
	ck_assert_int_eq(h->ho_addrs[1].family, AF_INET6);
	ck_assert_uint_eq(h->ho_addrs[1].plen, 128);
	assert_prefix(&h->ho_addrs[1], "fd00:20::60");
	assert_prefix(&h->ho_addrs[2], "fd00:20::61");
	ck_assert_uint_eq(h->ho_addrs[3].plen, 32);
	ck_assert(prefix_contains(&z->zn_nets[0], &h->ho_addrs[1]));
	ck_assert_uint_eq(h->ho_addrs[1].loc.line, 5);
	ck_assert_uint_eq(h->ho_addrs[1].loc.col, 45);
	ck_assert_uint_eq(policy_host(p, "v6")->ho_addrs[0].plen, 128);
	policy_free(p);
	diags_free(&d);
}
END_TEST

START_TEST(test_options)
{
	static const char y[] =
	    "version: 1\n"
	    "zones:\n"
	    "  a: { tier: lgwan, interfaces: [eth1], admission: registered, gateway: [] }\n"
	    "  b: { tier: dmz, interfaces: [eth2], gateway: [ssh, ping], uplink: false }\n"
	    "  c: { tier: mynumber, interfaces: [\"vlan10\"], admission: open }\n"
	    "hosts:\n"
	    "  H-1_x: { zone: c, address: 10.0.0.1, mac: \"52-54-00-AB-cd-EF\" }\n"
	    "  abcdefghijklmnopqrstuvwxyz012345: { zone: a, address: 10.0.0.2 }\n"
	    "services:\n"
	    "  web: [tcp/8000-8080, udp/1, tcp/65535, icmp]\n"
	    "conduits:\n"
	    "  - name: in-tier\n"
	    "    from: a\n"
	    "    to: b\n"
	    "    services: [any]\n"
	    "  - { name: fwd, from: H-1_x, to: b, services: [web], via: file-sanitize, approval: \"稟議 R8-0123\" }\n"
	    "quarantine:\n"
	    "  zone: a\n"
	    "  checks: { signature_max_age: 90s, patch_max_age: 30m, full_scan_max_age: 12h, realtime: false }\n"
	    "  release: approver\n";
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	struct diags	 d;
	struct policy	*p;
	struct service	*sv;
	char		 buf[32];

	p = parse(y, &d);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(p->p_model, MODEL_ALPHA);	/* the default */
	ck_assert_int_eq(p->p_zones[0].zn_admission, ADMISSION_REGISTERED);
	ck_assert(p->p_zones[0].zn_gateway_set);
	ck_assert_uint_eq(p->p_zones[0].zn_n_gateway, 0);
	ck_assert(p->p_zones[1].zn_gateway_set);
	ck_assert_uint_eq(p->p_zones[1].zn_n_gateway, 2);
	ck_assert_str_eq(p->p_zones[1].zn_gateway[1], "ping");
	ck_assert(!p->p_zones[1].zn_uplink);
	ck_assert_int_eq(p->p_zones[2].zn_admission, ADMISSION_OPEN);
	ck_assert_mem_eq(p->p_hosts[0].ho_mac, mac, 6);
	ck_assert_str_eq(p->p_hosts[1].ho_name,
	    "abcdefghijklmnopqrstuvwxyz012345");
	sv = policy_service(p, "web");
	ck_assert_uint_eq(sv->sv_n_ports, 4);
	ck_assert_uint_eq(sv->sv_ports[0].lo, 8000);
	ck_assert_uint_eq(sv->sv_ports[0].hi, 8080);
	ck_assert_str_eq(port_range_str(&sv->sv_ports[0], buf, sizeof(buf)),
	    "tcp/8000-8080");
	ck_assert_int_eq(sv->sv_ports[1].proto, IPPROTO_UDP);
	ck_assert_uint_eq(sv->sv_ports[2].hi, 65535);
	ck_assert_int_eq(sv->sv_ports[3].proto, IPPROTO_ICMP);
	ck_assert(p->p_conduits[0].cd_any);
	ck_assert_uint_eq(p->p_conduits[0].cd_n_services, 0);
	ck_assert_uint_eq(p->p_conduits[0].cd_loc.line, 12);
	ck_assert_int_eq(p->p_conduits[1].cd_via, SAN_FILE);
	ck_assert_str_eq(p->p_conduits[1].cd_approval, "稟議 R8-0123");
	ck_assert_int_eq(p->p_quarantine.q_checks.signature_max_age, 90);
	ck_assert_int_eq(p->p_quarantine.q_checks.patch_max_age, 1800);
	ck_assert_int_eq(p->p_quarantine.q_checks.full_scan_max_age, 43200);
	ck_assert(!p->p_quarantine.q_checks.realtime);
	ck_assert_int_eq(p->p_quarantine.q_release, RELEASE_APPROVER);
	policy_free(p);
	diags_free(&d);
}
END_TEST

/* A small valid head so each case below has exactly its own errors. */
#define HEAD	"version: 1\nzones:\n  z: { tier: lgwan, interfaces: [eth1] }\n"

static const struct bad_case {
	const char	*yaml;
	const char	*expect[6];
} bad_cases[] = {
	/* libyaml syntax errors: problem_mark and the problem text. */
	{ "version: 1\nzones:\n\tz: {}\n",
	  { "t.yaml:3:1: error: YAML syntax error: found character that "
	    "cannot start any token" } },
	{ "version: 1\nzones: { z: [eth1\n",
	  { "t.yaml:3:1: error: YAML syntax error: did not find expected ',' "
	    "or ']'" } },
	{ "version: 1\n  model: alpha\n",
	  { "t.yaml:2:8: error: YAML syntax error: mapping values are not "
	    "allowed in this context" } },
	/* What libyaml accepts and a policy must not have. */
	{ "version: 1\na: &x [1]\nb: *x\n",
	  { "t.yaml:2:4: error: anchor '&x': anchors and aliases are not "
	    "allowed", "t.yaml:3:4: error: alias '*x': aliases are not "
	    "allowed in a policy" } },
	{ "version: !!int 1\n",
	  { "t.yaml:1:10: error: tag 'tag:yaml.org,2002:int': tags are not "
	    "allowed" } },
	{ HEAD "---\nversion: 1\n",
	  { "t.yaml:4:1: error: a second YAML document starts here" } },
	{ "", { "t.yaml:1:1: error: empty policy: expected a mapping with "
	    "version, model, zones" } },
	{ "# nothing\n\n", { "t.yaml:1:1: error: empty policy" } },
	{ "---\n...\n", { "t.yaml:1:1: error: empty policy" } },
	{ "just text\n", { "t.yaml:1:1: error: the policy must be a mapping "
	    "with version, model, zones, hosts, services, conduits and "
	    "quarantine, not 'just text'" } },
	{ "- version: 1\n", { "t.yaml:1:1: error: the policy must be a "
	    "mapping", "not a list" } },
	{ "version: 1\nmodel: \"caf\xc3\"\n",
	  { "t.yaml:2:", ": error: not valid UTF-8 text: " } },
	{ "version: 1\n# \xff\xfe\n",
	  { "t.yaml:2:3: error: not valid UTF-8 text: invalid leading UTF-8 "
	    "octet (0xff at byte 13)" } },
	{ "version: 1\nzones:\n  z: [" "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[" "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]" "]\n",
	  { "t.yaml:3:36: error: nested more than 32 levels deep" } },
	{ HEAD "model: \"al\\0pha\"\n",
	  { "t.yaml:4:8: error: the policy: a value contains a NUL character" } },
	/* Unknown keys at every level. */
	{ HEAD "zonez: {}\n",
	  { "t.yaml:4:1: error: unknown key 'zonez' in the policy; expected one "
	    "of version, model, zones, hosts, services, conduits, quarantine" } },
	{ "version: 1\nzones:\n  lgwan: { tier: lgwan, interfaces: [eth1], zonez: 1 }\n",
	  { "t.yaml:3:45: error: unknown key 'zonez' in zone 'lgwan'; expected "
	    "one of tier, interfaces, networks, uplink, admission, gateway" } },
	{ HEAD "hosts:\n  h: { zone: z, address: 10.0.0.1, ip: 10.0.0.2 }\n",
	  { "t.yaml:5:36: error: unknown key 'ip' in host 'h'; expected one of "
	    "zone, address, mac, sanitizer" } },
	{ HEAD "conduits:\n  - { name: c, from: z, to: z, services: [any], port: 1 }\n",
	  { "t.yaml:5:49: error: unknown key 'port' in conduit 'c'; expected "
	    "one of name, from, to, services, via, approval" } },
	{ HEAD "quarantine: { zone: z, releases: auto }\n",
	  { "t.yaml:4:24: error: unknown key 'releases' in quarantine; expected "
	    "one of zone, remediation, checks, release" } },
	{ HEAD "quarantine: { zone: z, checks: { av: 1 } }\n",
	  { "t.yaml:4:34: error: unknown key 'av' in quarantine checks; "
	    "expected one of signature_max_age" } },
	/* Wrong node types say what was expected. */
	{ "version: 1\nzones:\n  z: { tier: lgwan, interfaces: eth1 }\n",
	  { "t.yaml:3:33: error: interfaces in zone 'z': expected a list of "
	    "interface names, got 'eth1'" } },
	{ "version: 1\nzones:\n  z: { tier: [lgwan], interfaces: [eth1] }\n",
	  { "t.yaml:3:14: error: tier in zone 'z': expected a tier: mynumber, "
	    "lgwan, internet, quarantine, management or dmz, got a list" } },
	{ "version: 1\nzones: [a, b]\n",
	  { "t.yaml:2:8: error: zones in the policy: expected a mapping of zone "
	    "names to zones, got a list" } },
	{ "version: 1\nzones:\n  z:\n",
	  { "t.yaml:3:5: error: zone 'z': expected a mapping with tier, "
	    "interfaces and networks, got nothing" } },
	{ HEAD "hosts: [a]\n",
	  { "t.yaml:4:8: error: hosts in the policy: expected a mapping of host "
	    "names to hosts, got a list" } },
	{ HEAD "hosts:\n  h: 10.0.0.1\n",
	  { "t.yaml:5:6: error: host 'h': expected a mapping with zone and "
	    "address, got '10.0.0.1'" } },
	{ HEAD "services:\n  s: tcp/1\n",
	  { "t.yaml:5:6: error: service 's': expected a list of ports like "
	    "[tcp/443, udp/53], got 'tcp/1'" } },
	{ HEAD "conduits:\n  c: 1\n",
	  { "t.yaml:5:3: error: conduits in the policy: expected a list of "
	    "conduits, got a mapping" } },
	{ HEAD "conduits:\n  - c\n",
	  { "t.yaml:5:5: error: conduit #1: expected a mapping with name, from, "
	    "to and services, got 'c'" } },
	{ HEAD "quarantine: { zone: z, checks: [1] }\n",
	  { "t.yaml:4:32: error: checks in quarantine: expected a mapping with "
	    "signature_max_age" } },
	{ HEAD "hosts:\n  h: { zone: z, address: [[10.0.0.1]] }\n",
	  { "t.yaml:5:27: error: address in host 'h': expected an address like "
	    "10.20.0.5 or fd00:20::5, got a list" } },
	{ HEAD "zones2: 1\n? [a]\n: b\n",
	  { "t.yaml:5:3: error: the policy: a key must be a name, not a list" } },
	/* Missing keys. */
	{ "model: alpha\nzones:\n  z: { interfaces: [eth1] }\n",
	  { "t.yaml:1:1: error: missing key 'version' in the policy",
	    "t.yaml:3:3: error: missing key 'tier' in zone 'z'" } },
	{ "version: 1\n",
	  { "t.yaml:1:1: error: missing key 'zones' in the policy" } },
	{ HEAD "hosts: { h: { zone: z } }\n",
	  { "t.yaml:4:10: error: missing key 'address' in host 'h'" } },
	{ HEAD "conduits:\n  - { from: z, to: z }\n",
	  { "t.yaml:5:5: error: missing key 'name' in conduit #1",
	    "t.yaml:5:5: error: missing key 'services' in conduit #1" } },
	{ HEAD "quarantine: { release: auto }\n",
	  { "t.yaml:4:13: error: missing key 'zone' in quarantine" } },
	/* Duplicates. */
	{ "version: 1\nversion: 1\nzones:\n  z: { tier: lgwan, interfaces: [eth1] }\n",
	  { "t.yaml:2:1: error: duplicate key 'version' in the policy; first "
	    "at line 1" } },
	{ "version: 1\nzones:\n  z: { tier: lgwan, tier: dmz, interfaces: [eth1] }\n",
	  { "t.yaml:3:21: error: duplicate key 'tier' in zone 'z'; first at "
	    "line 3" } },
	{ HEAD "  z: { tier: dmz, interfaces: [eth2] }\n",
	  { "t.yaml:4:3: error: zone 'z' is defined twice; first at line 3" } },
	{ HEAD "hosts:\n  h: { zone: z, address: 10.0.0.1 }\n  h: { zone: z, address: 10.0.0.2 }\n",
	  { "t.yaml:6:3: error: host 'h' is defined twice; first at line 5" } },
	{ HEAD "services:\n  s: [tcp/1]\n  s: [tcp/2]\n",
	  { "t.yaml:6:3: error: service 's' is defined twice; first at line 5" } },
	{ HEAD "conduits:\n  - { name: c, from: z, to: z, services: [any] }\n  - { name: c, from: z, to: z, services: [any] }\n",
	  { "t.yaml:6:5: error: conduit 'c' is defined twice; first at line 5" } },
	{ "version: 1\nzones:\n  z: { tier: lgwan, interfaces: [eth1, eth2, eth1] }\n",
	  { "t.yaml:3:46: error: interfaces in zone 'z': 'eth1' is listed "
	    "twice" } },
	/* Values. */
	{ "version: 2\nzones:\n  z: { tier: lgwan, interfaces: [eth1] }\n",
	  { "t.yaml:1:10: error: version in the policy: unsupported version "
	    "'2'; this sanso reads version 1" } },
	{ HEAD "model: gamma\n",
	  { "t.yaml:4:8: error: model in the policy: unknown model 'gamma'; "
	    "expected one of alpha, alpha-prime, beta, beta-prime" } },
	{ "version: 1\nzones:\n  z: { tier: lgwn, interfaces: [eth1] }\n",
	  { "t.yaml:3:14: error: tier in zone 'z': unknown tier 'lgwn'; "
	    "expected one of mynumber, lgwan, internet, quarantine, "
	    "management, dmz" } },
	{ "version: 1\nzones:\n  z: { tier: lgwan, interfaces: [eth1], admission: closed }\n",
	  { "t.yaml:3:52: error: admission in zone 'z': expected open or "
	    "registered, got 'closed'" } },
	{ "version: 1\nzones:\n  z: { tier: lgwan, interfaces: [eth1], uplink: yes }\n",
	  { "t.yaml:3:49: error: uplink in zone 'z': expected true or false, "
	    "got 'yes'" } },
	{ "version: 1\nzones:\n  z: { tier: lgwan, interfaces: [eth1], uplink: \"true\" }\n",
	  { "expected true or false, got 'true' (a quoted string)" } },
	{ "version: 1\nzones:\n  z: { tier: lgwan, interfaces: [] }\n",
	  { "t.yaml:3:33: error: interfaces in zone 'z': a zone needs at least "
	    "one interface" } },
	{ "version: 1\nzones: {}\n",
	  { "t.yaml:2:8: error: zones in the policy: a policy needs at least "
	    "one zone" } },
	{ "version: 1\nzones:\n  z: { tier: lgwan, interfaces: [eth0/1, \"a b\", eth0123456789abc, \".\", \"..\", \"e:1\", [x]] }\n",
	  { "t.yaml:3:34: error: interfaces in zone 'z': interface name "
	    "'eth0/1' contains '/'",
	    "interface name 'a b' contains ' '",
	    "interface name 'eth0123456789abc' is 16 bytes; the limit is 15",
	    "'.' is not an interface name" } },
	{ "version: 1\nzones:\n  z: { tier: lgwan, interfaces: [\"e:1\", [x], \"\", \"a\\tb\"] }\n",
	  { "interface name 'e:1' contains ':'",
	    "interfaces in zone 'z': an interface name cannot be empty",
	    "interface name 'a?b' contains a control character",
	    "t.yaml:3:41: error: interfaces in zone 'z': expected a list of "
	    "interface names, got a list in the list" } },
	{ "version: 1\nzones:\n  z: { tier: lgwan, interfaces: [eth1], networks: [10.20.0.1/16] }\n",
	  { "t.yaml:3:52: error: networks in zone 'z': 10.20.0.1/16 has host "
	    "bits set; did you mean 10.20.0.0/16?" } },
	{ "version: 1\nzones:\n  z: { tier: lgwan, interfaces: [eth1], networks: [\"fd00:20::1/64\", \"fd00::/129\", 10.0.0.0/8/8, 10.0.0.0/+8, 10.0.0.0/, 1.2.3.4.5/32, 010.0.0.0/8] }\n",
	  { "fd00:20::1/64 has host bits set; did you mean fd00:20::/64?",
	    "'fd00::/129' has a bad prefix length; expected /0 to /128",
	    "'10.0.0.0/8/8' has a bad prefix length",
	    "'1.2.3.4.5' is not an IPv4 address" } },
	{ "version: 1\nzones:\n  z: { tier: lgwan, interfaces: [eth1], networks: [10.0.0.0/+8, 10.0.0.0/, 010.0.0.0/8, 10.1.0.0, zz::/8] }\n",
	  { "'10.0.0.0/+8' has a bad prefix length",
	    "'10.0.0.0/' has a bad prefix length",
	    "'010.0.0.0' is not an IPv4 address",
	    "'10.1.0.0' has no prefix length; expected a network like "
	    "10.20.0.0/16" } },
	{ HEAD "hosts:\n  h: { zone: z, address: [10.0.0.0/24, \"fd00::/64\", 10.0.0.1/31] }\n",
	  { "t.yaml:5:27: error: address in host 'h': '10.0.0.0/24' is a "
	    "network, not a host address; write the address alone (or /32)",
	    "'fd00::/64' is a network, not a host address; write the address "
	    "alone (or /128)", "'10.0.0.1/31' is a network" } },
	{ HEAD "hosts:\n  h: { zone: z, address: [] }\n",
	  { "t.yaml:5:26: error: address in host 'h': expected an address" } },
	{ HEAD "hosts:\n  h: { zone: z, address: 10.0.0.1, mac: \"52:54:00:0a:00:05:07\" }\n",
	  { "t.yaml:5:41: error: mac in host 'h': expected a MAC address like "
	    "\"52:54:00:0a:00:05\", got '52:54:00:0a:00:05:07'" } },
	{ HEAD "hosts:\n  h: { zone: z, address: 10.0.0.1, mac: \"01:00:5e:00:00:01\" }\n",
	  { "t.yaml:5:41: error: mac in host 'h': 01:00:5e:00:00:01 is a "
	    "multicast address" } },
	{ HEAD "hosts:\n  h: { zone: z, address: 10.0.0.1, mac: \"ff:ff:ff:ff:ff:ff\" }\n",
	  { "ff:ff:ff:ff:ff:ff is a multicast address (broadcast)" } },
	{ HEAD "hosts:\n  h: { zone: z, address: 10.0.0.1, mac: \"00:00:00:00:00:00\" }\n",
	  { "00:00:00:00:00:00 is not a usable MAC address" } },
	{ HEAD "hosts:\n  h: { zone: z, address: 10.0.0.1, mac: \"52:54:00:0g:00:05\" }\n",
	  { "expected a MAC address like" } },
	{ HEAD "hosts:\n  h: { zone: z, address: 10.0.0.1, mac: \"52:54:00-0a:00:05\" }\n",
	  { "expected a MAC address like" } },
	{ HEAD "hosts:\n  h: { zone: z, address: 10.0.0.1, sanitizer: bleach }\n",
	  { "t.yaml:5:47: error: sanitizer in host 'h': unknown sanitizer kind "
	    "'bleach'; expected one of screen-transfer, mail-text, "
	    "file-sanitize" } },
	{ HEAD "services:\n  s: [tcp/8080-8000, tcp/0, udp/65536, icmp/8, sctp/1, tcp/08, tcp/1-, tcp/-1, TCP/1, tcp/1 ]\n",
	  { "t.yaml:5:7: error: service 's': 'tcp/8080-8000' is a reversed "
	    "range; did you mean tcp/8000-8080?",
	    "service 's': 'tcp/0' is not a port like tcp/443",
	    "service 's': 'icmp/8': icmp takes no port",
	    "expected a port like tcp/443, udp/53, tcp/8000-8080 or icmp, got "
	    "'sctp/1'" } },
	{ HEAD "services:\n  s: [udp/65536, tcp/08, tcp/1-, \"tcp/1 \", []]\n",
	  { "'udp/65536' is not a port", "'tcp/08' is not a port",
	    "'tcp/1-' is not a port", "'tcp/1 ' is not a port" } },
	{ HEAD "services:\n  s: []\n  any: [tcp/1]\n",
	  { "t.yaml:5:6: error: service 's': expected at least one port",
	    "t.yaml:6:3: error: 'any' is reserved" } },
	{ HEAD "conduits:\n  - { name: c, from: z, to: z, services: [any, s] }\n",
	  { "t.yaml:5:43: error: services in conduit 'c': 'any' cannot be "
	    "combined with other services" } },
	{ HEAD "conduits:\n  - { name: c, from: z, to: z, services: [] }\n",
	  { "services in conduit 'c': expected a list of service names, or "
	    "[any], got an empty list" } },
	{ HEAD "conduits:\n  - { name: c, from: z, to: z, services: [s], via: none, approval: \"\" }\n",
	  { "via in conduit 'c': unknown sanitizer kind 'none'",
	    "t.yaml:5:68: error: approval in conduit 'c': expected an approval "
	    "reference like R8-0123, got ''" } },
	{ HEAD "conduits:\n  - { name: c, from: z, to: z, services: [s], approval: \"a\\tb\" }\n",
	  { "approval in conduit 'c': the reference contains a control "
	    "character" } },
	{ HEAD "quarantine:\n  zone: z\n  checks: { signature_max_age: 2, patch_max_age: 1w, full_scan_max_age: 0d, realtime: on }\n  release: manual\n",
	  { "t.yaml:6:32: error: signature_max_age in quarantine checks: "
	    "expected a duration like 30s, 5m, 12h or 2d, got '2'",
	    "patch_max_age in quarantine checks: expected a duration like 30s, "
	    "5m, 12h or 2d, got '1w'",
	    "full_scan_max_age in quarantine checks: a maximum age of 0d would "
	    "fail every device",
	    "t.yaml:7:12: error: release in quarantine: expected auto or "
	    "approver, got 'manual'" } },
	{ HEAD "quarantine:\n  zone: z\n  checks: { signature_max_age: 99999999999999999999d, patch_max_age: 2 d, realtime: \"\" }\n",
	  { "got '99999999999999999999d'", "got '2 d'",
	    "realtime in quarantine checks: expected true or false, got ''" } },
	/* Names. */
	{ "version: 1\nzones:\n  2nd: { tier: lgwan, interfaces: [eth1] }\n  abcdefghijklmnopqrstuvwxyz0123456: { tier: lgwan, interfaces: [eth2] }\n",
	  { "t.yaml:3:3: error: '2nd' is not a valid zone name; a name is a "
	    "letter followed by up to 31 letters, digits, '-' or '_'",
	    "t.yaml:4:3: error: 'abcdefghijklmnopqrstuvwxyz0123456' is not a "
	    "valid zone name" } },
	{ HEAD "hosts:\n  h: { zone: \"z z\", address: 10.0.0.1 }\n",
	  { "t.yaml:5:14: error: zone in host 'h': 'z z' is not a valid name" } },
	{ HEAD "conduits:\n  - { name: \"c.1\", from: z, to: -z, services: [\"s/1\"] }\n",
	  { "name in conduit #1: 'c.1' is not a valid conduit name",
	    "to in conduit #1: '-z' is not a valid name",
	    "services in conduit #1: 's/1' is not a valid name" } },
	{ HEAD "zones2: {}\nquarantine: { zone: z, remediation: [wsus, \"\"] }\n",
	  { "t.yaml:5:44: error: remediation in quarantine: '' is not a valid "
	    "name" } },
};

START_TEST(test_refused)
{
	const struct bad_case *c = &bad_cases[_i];

	assert_refused(c->yaml, strlen(c->yaml), c->expect);
}
END_TEST

START_TEST(test_nul_byte)
{
	static const char y[] = "version: 1\nzo\0nes: {}\n";
	static const char *const expect[] = {
		"t.yaml:2:3: error: the policy contains a NUL byte (at byte 13)",
		NULL
	};

	assert_refused(y, sizeof(y) - 1, expect);
}
END_TEST

/* A one-pass parser reports every independent problem, not the first. */
START_TEST(test_many_errors)
{
	static const char y[] =
	    "version: 1\n"
	    "zones:\n"
	    "  a: { tier: lgwn, interfaces: eth0, networks: [10.0.0.1/8] }\n"
	    "  b: { tier: lgwan, interfaces: [eth1], zonez: 1 }\n"
	    "hosts:\n"
	    "  h: { zone: a, address: 10.0.0.0/24, mac: \"01:00:00:00:00:01\" }\n"
	    "services:\n"
	    "  s: [tcp/0]\n"
	    "conduits:\n"
	    "  - { name: c, from: a, to: b, services: [s], via: bleach }\n"
	    "quarantine: { zone: a, release: later }\n";
	static const char *const expect[] = {
		"t.yaml:3:14: error: tier in zone 'a'",
		"t.yaml:3:32: error: interfaces in zone 'a'",
		"t.yaml:3:49: error: networks in zone 'a'",
		"t.yaml:4:41: error: unknown key 'zonez' in zone 'b'",
		"t.yaml:6:26: error: address in host 'h'",
		"t.yaml:6:44: error: mac in host 'h'",
		"t.yaml:8:7: error: service 's'",
		"t.yaml:10:52: error: via in conduit 'c'",
		"t.yaml:11:33: error: release in quarantine",
		NULL
	};
	struct diags d;

	assert_refused(y, strlen(y), expect);
	ck_assert_ptr_null(parse(y, &d));
	ck_assert_uint_eq(d.n, 9);
	ck_assert_uint_eq(d.nerrors, 9);
	diags_free(&d);
}
END_TEST

/* A file of nothing but mistakes gives a bounded list. */
START_TEST(test_too_many_errors)
{
	struct diags	 d;
	char		*y = NULL;
	size_t		 len = 0;
	FILE		*f;
	int		 i;

	f = open_memstream(&y, &len);
	fprintf(f, "version: 1\nzones:\n");
	for (i = 0; i < 500; i++)
		fprintf(f, "  z%d: { tier: nope, interfaces: [eth0] }\n", i);
	fclose(f);
	ck_assert_ptr_null(parse(y, &d));
	ck_assert_uint_eq(d.n, 101);
	ck_assert_str_eq(d.v[100].d_msg, "too many errors; stopped after 100");
	diags_free(&d);
	free(y);
}
END_TEST

/* Billion laughs: refused before anything is expanded. */
START_TEST(test_billion_laughs)
{
	static const char y[] =
	    "version: 1\n"
	    "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
	    "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
	    "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
	    "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	    "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
	    "f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
	    "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
	    "h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
	    "i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n"
	    "zones: *i\n";
	static const char *const expect[] = {
		"t.yaml:2:4: error: anchor '&a': anchors and aliases are not "
		"allowed in a policy",
		"t.yaml:11:8: error: alias '*i': aliases are not allowed",
		NULL
	};
	struct diags d;

	assert_refused(y, strlen(y), expect);
	ck_assert_ptr_null(parse(y, &d));
	ck_assert_uint_eq(d.n, 82);	/* 9 anchors, 73 aliases */
	diags_free(&d);
}
END_TEST

START_TEST(test_load_missing)
{
	struct diags	 d;
	char		*text = (char *)1, *out;
	size_t		 len = 1;

	diags_init(&d, NULL, 0);
	ck_assert_ptr_null(policy_load("policy.yaml-does-not-exist", &text,
	    &len, &d));
	ck_assert_ptr_null(text);
	ck_assert_uint_eq(len, 0);
	ck_assert_uint_eq(d.n, 1);
	out = diags_text(&d);
	ck_assert_str_eq(out, "policy.yaml-does-not-exist: error: cannot read: "
	    "No such file or directory [io]\n");
	free(out);
	diags_free(&d);

	diags_init(&d, NULL, 0);
	ck_assert_ptr_null(policy_load("/", &text, &len, &d));
	ck_assert_ptr_null(text);
	ck_assert_str_eq(d.v[0].d_msg, "cannot read: Is a directory");
	diags_free(&d);
}
END_TEST

/* The size limit, on a sparse file made here: never a huge file in git. */
START_TEST(test_load_huge)
{
	struct diags	 d;
	char		 path[] = "/tmp/sanso-test-parse-XXXXXX", *text, *big;
	size_t		 len;
	int		 fd;

	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, 16 * 1024 * 1024 + 1), 0);
	close(fd);
	diags_init(&d, NULL, 0);
	ck_assert_ptr_null(policy_load(path, &text, &len, &d));
	unlink(path);
	ck_assert_ptr_null(text);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.v[0].d_msg, "policy file is 16777217 bytes; the "
	    "limit is 16777216 bytes (16 MiB)");
	diags_free(&d);

	/* Text from the API has the same limit. */
	len = 16 * 1024 * 1024 + 1;
	big = xmalloc(len);
	memset(big, '#', len);
	diags_init(&d, NULL, 0);
	ck_assert_ptr_null(policy_parse("api.yaml", big, len, &d));
	ck_assert_str_eq(d.v[0].d_msg, "policy text is 16777217 bytes; the "
	    "limit is 16777216 bytes (16 MiB)");
	diags_free(&d);
	free(big);
}
END_TEST

/*
 * Diagnostics own a copy of the file name: they stay printable after the
 * caller's string and the policy are freed.  Objects point at p_file.
 */
START_TEST(test_diag_file_ownership)
{
	struct diags	 d;
	struct policy	*p;
	char		*name = xstrdup("owned.yaml"), *out = NULL;
	size_t		 len = 0;
	FILE		*f;
	static const char bad[] = HEAD "zonez: 1\n";

	diags_init(&d, bad, strlen(bad));
	ck_assert_ptr_null(policy_parse(name, bad, strlen(bad), &d));
	ck_assert_ptr_ne(d.v[0].d_loc.file, name);
	memset(name, 'X', strlen(name));
	f = open_memstream(&out, &len);
	diags_print(f, &d);
	fclose(f);
	ck_assert_str_eq(out, "owned.yaml:4:1: error: unknown key 'zonez' in the "
	    "policy; expected one of version, model, zones, hosts, services, "
	    "conduits, quarantine [schema]\n  zonez: 1\n  ^\n");
	free(out);
	diags_free(&d);
	free(name);

	name = xstrdup("owned.yaml");
	diags_init(&d, alpha, strlen(alpha));
	p = policy_parse(name, alpha, strlen(alpha), &d);
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_ne(p->p_file, name);
	ck_assert_str_eq(p->p_file, name);
	free(name);
	ck_assert_ptr_eq(p->p_zones[0].zn_loc.file, p->p_file);
	ck_assert_ptr_eq(p->p_hosts[0].ho_addrs[0].loc.file, p->p_file);
	ck_assert_ptr_eq(p->p_conduits[0].cd_from.ep_loc.file, p->p_file);
	ck_assert_ptr_eq(p->p_quarantine.q_zone_loc.file, p->p_file);

	/* A diagnostic about an object outlives the policy too. */
	diag_error(&d, &p->p_zones[0].zn_loc, "test", NULL, "zone '%s'",
	    p->p_zones[0].zn_name);
	policy_free(p);
	out = diag_format(&d.v[0]);
	ck_assert_str_eq(out, "owned.yaml:4:3: error: zone 'mynumber' [test]");
	free(out);
	diags_free(&d);
}
END_TEST

/* Every parser fixture in tests/policy/bad, with its `# expect:` lines. */
START_TEST(test_fixtures)
{
	static const char *const patterns[] = {
		"syntax-*.yaml", "type-*.yaml", "unknown-*.yaml", "value-*.yaml",
		"empty.yaml", "nonutf8.yaml",
	};
	struct diags	 d;
	glob_t		 g;
	char		 pat[4096], *text, *out, *line, *nl;
	size_t		 i, j, len, nexpect;
	int		 flags = 0;

	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		snprintf(pat, sizeof(pat), "%s/tests/policy/bad/%s", srcdir(),
		    patterns[i]);
		glob(pat, flags, NULL, &g);
		flags = GLOB_APPEND;
	}
	ck_assert_uint_ge(g.gl_pathc, 20);
	for (j = 0; j < g.gl_pathc; j++) {
		diags_init(&d, NULL, 0);
		ck_assert_msg(policy_load(g.gl_pathv[j], &text, &len, &d) == NULL,
		    "%s was accepted", g.gl_pathv[j]);
		ck_assert_ptr_nonnull(text);
		out = diags_text(&d);
		nexpect = 0;
		for (line = text; (line = strstr(line, "# expect: ")) != NULL;
		    line = nl) {
			line += strlen("# expect: ");
			nl = strchr(line, '\n');
			ck_assert_ptr_nonnull(nl);
			*nl++ = '\0';
			ck_assert_msg(strstr(out, line) != NULL,
			    "%s: missing \"%s\" in:\n%s", g.gl_pathv[j], line,
			    out);
			nexpect++;
		}
		ck_assert_msg(nexpect > 0, "%s has no # expect:", g.gl_pathv[j]);
		free(out);
		free(text);
		diags_free(&d);
	}
	globfree(&g);
}
END_TEST

static Suite *
parse_suite(void)
{
	Suite	*s = suite_create("policy_parse");
	TCase	*tc;

	tc = tcase_create("good");
	tcase_add_test(tc, test_alpha_inline);
	tcase_add_test(tc, test_alpha_doc);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_options);
	tcase_add_test(tc, test_diag_file_ownership);
	suite_add_tcase(s, tc);

	tc = tcase_create("bad");
	tcase_add_loop_test(tc, test_refused, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_nul_byte);
	tcase_add_test(tc, test_many_errors);
	tcase_add_test(tc, test_too_many_errors);
	tcase_add_test(tc, test_billion_laughs);
	tcase_add_test(tc, test_fixtures);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_add_test(tc, test_load_missing);
	tcase_add_test(tc, test_load_huge);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(parse_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
