/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policy validation: resolve the names the parser left into pointers, run
 * the consistency checks and enforce the α invariants of DESIGN.md §2,
 * queueing every problem with its rule id and source provision.
 */
#include <netinet/in.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "xmalloc.h"

/*
 * Where each α invariant comes from (the catalogues in requirements/).
 * The national guideline is not among the seeds, so these are the seed
 * provisions the catalogues trace the same rule to.
 */
#define SRC_ALPHA1	"001 第16条の2(1)"	/* マイナンバー系: 他の領域との通信をできない */
#define SRC_ALPHA2	"001 第16条の2(1)"	/* its exceptions (特定通信) */
#define SRC_ALPHA3	"001 第16条の2(2)"	/* 通信経路の分割, 無害化通信 */
#define SRC_ALPHA4	"002 §84(1)"		/* 使用されていないポートを閉鎖する */
#define SRC_ALPHA5	"002 §71-6"		/* 持ち帰った端末: 接続前に確認 */
#define SRC_ALPHA6	"002 §58-4"		/* 公開サーバ: 外部との境界 (DMZ) */
#define SRC_ALPHA7	"001 第3条(22)–(24)"	/* the three tiers, disjoint */
#define SRC_EGRESS	"001 第16条の2(3)"	/* セキュリティクラウドに集約 */

/* Services sanso knows without the policy defining them (brief). */
static const struct {
	const char	*name;
	uint8_t		 proto[2];
	uint16_t	 port[2];
	size_t		 n;
} policy_validate_builtins[] = {
	{ "ssh",	{ IPPROTO_TCP },		{ 22 },		1 },
	{ "sanso",	{ IPPROTO_TCP },		{ 443 },	1 },
	{ "dns",	{ IPPROTO_UDP, IPPROTO_TCP },	{ 53, 53 },	2 },
	{ "dhcp",	{ IPPROTO_UDP },		{ 67 },		1 },
	{ "ping",	{ IPPROTO_ICMP },		{ 0 },		1 },
};

/* What the gateway itself answers in a zone without a `gateway:` key. */
static const char *const policy_validate_gw_management[] = {
	"ssh", "sanso", "ping"
};
static const char *const policy_validate_gw_quarantine[] = {
	"dns", "dhcp", "sanso"
};

/* One named object, for finding duplicates by sorting. */
struct policy_validate_name {
	const char		*nm_name;
	const char		*nm_kind;
	const struct loc	*nm_loc;
	size_t			 nm_order;
};

static const struct loc *
policy_validate_loc_at(const struct loc *v, size_t i, const struct loc *dflt)
{
	return v != NULL ? &v[i] : dflt;
}

/* "lgwan zone 'lgwan'" or "internet host 'screen-gw'", for messages. */
static const char *
policy_validate_ep_desc(const struct endpoint *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s '%s'", tier_name(endpoint_tier(e)),
	    e->ep_host != NULL ? "host" : "zone", e->ep_name);
	return buf;
}

static const char *
policy_validate_model_label(enum model m)
{
	switch (m) {
	case MODEL_ALPHA:
		return "α";
	case MODEL_ALPHA_PRIME:
		return "α'";
	case MODEL_BETA:
		return "β";
	case MODEL_BETA_PRIME:
		return "β'";
	}
	return "?";
}

/*
 * Add the builtin services the policy does not define.  This runs before
 * any name is resolved because growing p_services moves the array, which
 * would leave cd_svcs pointing into freed memory.
 */
static void
policy_validate_add_builtins(struct policy *p)
{
	struct service	*s;
	size_t		 i, j, n = sizeof(policy_validate_builtins) /
			    sizeof(policy_validate_builtins[0]);

	for (i = 0; i < n; i++) {
		if (policy_service(p, policy_validate_builtins[i].name) != NULL)
			continue;
		p->p_services = xreallocarray(p->p_services,
		    p->p_n_services + 1, sizeof(*p->p_services));
		s = &p->p_services[p->p_n_services++];
		memset(s, 0, sizeof(*s));
		s->sv_name = xstrdup(policy_validate_builtins[i].name);
		s->sv_loc.file = p->p_file;
		s->sv_builtin = true;
		s->sv_n_ports = policy_validate_builtins[i].n;
		s->sv_ports = xcalloc(s->sv_n_ports, sizeof(*s->sv_ports));
		for (j = 0; j < s->sv_n_ports; j++) {
			s->sv_ports[j].proto =
			    policy_validate_builtins[i].proto[j];
			s->sv_ports[j].lo = policy_validate_builtins[i].port[j];
			s->sv_ports[j].hi = policy_validate_builtins[i].port[j];
			s->sv_ports[j].loc.file = p->p_file;
		}
	}
}

static int
policy_validate_name_cmp(const void *a, const void *b)
{
	const struct policy_validate_name *x = a, *y = b;
	int c = strcmp(x->nm_name, y->nm_name);

	if (c != 0)
		return c;
	return x->nm_order < y->nm_order ? -1 : x->nm_order > y->nm_order;
}

/* Report every name that was used before (v is sorted in place). */
static void
policy_validate_dup_names(struct diags *d, struct policy_validate_name *v,
    size_t n)
{
	size_t i, first = 0;

	if (n == 0)
		return;
	qsort(v, n, sizeof(*v), policy_validate_name_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i].nm_name, v[first].nm_name) != 0) {
			first = i;
			continue;
		}
		if (strcmp(v[i].nm_kind, v[first].nm_kind) == 0)
			diag_error(d, v[i].nm_loc, "name", NULL,
			    "duplicate %s '%s' (first defined at line %u)",
			    v[i].nm_kind, v[i].nm_name,
			    v[first].nm_loc->line);
		else
			diag_error(d, v[i].nm_loc, "name", NULL,
			    "%s '%s' has the same name as %s '%s' (line %u); "
			    "a conduit end could not tell them apart",
			    v[i].nm_kind, v[i].nm_name, v[first].nm_kind,
			    v[first].nm_name, v[first].nm_loc->line);
	}
}

/*
 * Duplicate names, also across kinds: zones and hosts share one namespace
 * because a conduit end may name either.
 */
static void
policy_validate_names(const struct policy *p, struct diags *d)
{
	struct policy_validate_name	*v;
	size_t				 i, n = 0, max;

	max = p->p_n_zones + p->p_n_hosts + p->p_n_services +
	    p->p_n_conduits + 1;
	v = xcalloc(max, sizeof(*v));
	for (i = 0; i < p->p_n_zones; i++, n++)
		v[n] = (struct policy_validate_name){ p->p_zones[i].zn_name,
		    "zone", &p->p_zones[i].zn_loc, n };
	for (i = 0; i < p->p_n_hosts; i++, n++)
		v[n] = (struct policy_validate_name){ p->p_hosts[i].ho_name,
		    "host", &p->p_hosts[i].ho_loc, n };
	policy_validate_dup_names(d, v, n);

	for (i = 0, n = 0; i < p->p_n_services; i++, n++)
		v[n] = (struct policy_validate_name){ p->p_services[i].sv_name,
		    "service", &p->p_services[i].sv_loc, n };
	policy_validate_dup_names(d, v, n);

	for (i = 0, n = 0; i < p->p_n_conduits; i++, n++)
		v[n] = (struct policy_validate_name){ p->p_conduits[i].cd_name,
		    "conduit", &p->p_conduits[i].cd_loc, n };
	policy_validate_dup_names(d, v, n);
	free(v);
}

static void
policy_validate_endpoint(const struct policy *p, struct diags *d,
    const struct conduit *c, struct endpoint *e, const char *side)
{
	struct zone *z = policy_zone(p, e->ep_name);
	struct host *h = policy_host(p, e->ep_name);

	e->ep_zone = NULL;
	e->ep_host = NULL;
	if (z != NULL && h != NULL)
		diag_error(d, &e->ep_loc, "ref", NULL,
		    "conduit '%s': %s '%s' is both a zone and a host; "
		    "rename one of them", c->cd_name, side, e->ep_name);
	else if (z != NULL)
		e->ep_zone = z;
	else if (h != NULL)
		e->ep_host = h;
	else
		diag_error(d, &e->ep_loc, "ref", NULL,
		    "conduit '%s': %s '%s' is neither a zone nor a host",
		    c->cd_name, side, e->ep_name);
}

/* Names to pointers; whatever does not resolve stays NULL. */
static void
policy_validate_resolve(struct policy *p, struct diags *d)
{
	struct quarantine	*q = &p->p_quarantine;
	size_t			 i, j;

	for (i = 0; i < p->p_n_hosts; i++) {
		struct host *h = &p->p_hosts[i];

		h->ho_zone = h->ho_zone_name != NULL ?
		    policy_zone(p, h->ho_zone_name) : NULL;
		if (h->ho_zone == NULL)
			diag_error(d, h->ho_zone_name != NULL ?
			    &h->ho_zone_loc : &h->ho_loc, "ref", NULL,
			    "host '%s': unknown zone '%s'", h->ho_name,
			    h->ho_zone_name ? h->ho_zone_name : "");
	}

	for (i = 0; i < p->p_n_conduits; i++) {
		struct conduit *c = &p->p_conduits[i];

		policy_validate_endpoint(p, d, c, &c->cd_from, "from");
		policy_validate_endpoint(p, d, c, &c->cd_to, "to");
		free(c->cd_svcs);
		c->cd_svcs = NULL;
		if (c->cd_n_services > 0)
			c->cd_svcs = xcalloc(c->cd_n_services,
			    sizeof(*c->cd_svcs));
		for (j = 0; j < c->cd_n_services; j++) {
			/* "any" is a keyword, not a service name. */
			if (c->cd_any && strcmp(c->cd_services[j], "any") == 0)
				continue;
			c->cd_svcs[j] = policy_service(p, c->cd_services[j]);
			if (c->cd_svcs[j] == NULL)
				diag_error(d, policy_validate_loc_at(
				    c->cd_service_locs, j, &c->cd_loc),
				    "ref", NULL,
				    "conduit '%s': unknown service '%s'",
				    c->cd_name, c->cd_services[j]);
		}
	}

	for (i = 0; i < p->p_n_zones; i++) {
		struct zone *z = &p->p_zones[i];

		for (j = 0; j < z->zn_n_gateway; j++)
			if (policy_service(p, z->zn_gateway[j]) == NULL)
				diag_error(d, policy_validate_loc_at(
				    z->zn_gateway_locs, j, &z->zn_loc),
				    "ref", NULL,
				    "zone '%s': unknown gateway service '%s'",
				    z->zn_name, z->zn_gateway[j]);
	}

	q->q_zone = NULL;
	free(q->q_rem_hosts);
	q->q_rem_hosts = NULL;
	if (!q->q_present)
		return;
	if (q->q_zone_name != NULL) {
		q->q_zone = policy_zone(p, q->q_zone_name);
		if (q->q_zone == NULL)
			diag_error(d, &q->q_zone_loc, "ref", NULL,
			    "quarantine: unknown zone '%s'", q->q_zone_name);
	}
	if (q->q_n_remediation > 0)
		q->q_rem_hosts = xcalloc(q->q_n_remediation,
		    sizeof(*q->q_rem_hosts));
	for (j = 0; j < q->q_n_remediation; j++) {
		q->q_rem_hosts[j] = policy_host(p, q->q_remediation[j]);
		if (q->q_rem_hosts[j] == NULL)
			diag_error(d, policy_validate_loc_at(
			    q->q_remediation_locs, j, &q->q_loc), "ref", NULL,
			    "quarantine: unknown remediation host '%s'",
			    q->q_remediation[j]);
	}
}

struct policy_validate_iface {
	const char		*if_name;
	const struct zone	*if_zone;
	const struct loc	*if_loc;
	size_t			 if_order;
};

static int
policy_validate_iface_cmp(const void *a, const void *b)
{
	const struct policy_validate_iface *x = a, *y = b;
	int c = strcmp(x->if_name, y->if_name);

	if (c != 0)
		return c;
	return x->if_order < y->if_order ? -1 : x->if_order > y->if_order;
}

/*
 * A packet's interface decides its zone, so a zone needs interfaces and
 * no interface may be in two zones.
 */
static void
policy_validate_zones(const struct policy *p, struct diags *d)
{
	struct policy_validate_iface	*v;
	size_t				 i, j, n = 0, max = 1, first = 0;

	for (i = 0; i < p->p_n_zones; i++) {
		max += p->p_zones[i].zn_n_ifaces;
		if (p->p_zones[i].zn_n_ifaces == 0)
			diag_error(d, &p->p_zones[i].zn_loc, "zone", NULL,
			    "zone '%s' has no interfaces; a zone is the set "
			    "of interfaces its packets arrive on",
			    p->p_zones[i].zn_name);
	}
	v = xcalloc(max, sizeof(*v));
	for (i = 0; i < p->p_n_zones; i++) {
		const struct zone *z = &p->p_zones[i];

		for (j = 0; j < z->zn_n_ifaces; j++, n++)
			v[n] = (struct policy_validate_iface){ z->zn_ifaces[j],
			    z, policy_validate_loc_at(z->zn_iface_locs, j,
			    &z->zn_loc), n };
	}
	qsort(v, n, sizeof(*v), policy_validate_iface_cmp);
	for (i = 1; i < n; i++) {
		if (strcmp(v[i].if_name, v[first].if_name) != 0) {
			first = i;
			continue;
		}
		if (v[i].if_zone == v[first].if_zone)
			diag_error(d, v[i].if_loc, "zone", NULL,
			    "zone '%s' lists interface '%s' twice",
			    v[i].if_zone->zn_name, v[i].if_name);
		else
			diag_error(d, v[i].if_loc, "zone", NULL,
			    "interface '%s' is in zone '%s' and in zone '%s' "
			    "(line %u); a packet's interface decides its zone",
			    v[i].if_name, v[i].if_zone->zn_name,
			    v[first].if_zone->zn_name, v[first].if_loc->line);
	}
	free(v);
}

static bool
policy_validate_in_nets(const struct zone *z, const struct prefix *a)
{
	size_t i;

	for (i = 0; i < z->zn_n_nets; i++)
		if (prefix_contains(&z->zn_nets[i], a))
			return true;
	return false;
}

static void
policy_validate_hosts(const struct policy *p, struct diags *d)
{
	char	buf[64];
	size_t	i, j;

	for (i = 0; i < p->p_n_hosts; i++) {
		const struct host *h = &p->p_hosts[i];
		const struct zone *z = h->ho_zone;

		if (z == NULL)
			continue;
		for (j = 0; j < h->ho_n_addrs && z->zn_n_nets > 0; j++)
			if (!policy_validate_in_nets(z, &h->ho_addrs[j]))
				diag_error(d, &h->ho_addrs[j].loc, "host", NULL,
				    "host '%s': address %s is outside the "
				    "networks of its zone '%s'", h->ho_name,
				    prefix_str(&h->ho_addrs[j], buf,
				    sizeof(buf)), z->zn_name);
		/*
		 * In the α model the relay sits in the internet tier and the
		 * LGWAN side reaches it; one elsewhere would make the
		 * alpha-3 direction rules meaningless.
		 */
		if (h->ho_sanitizer != SAN_NONE && z->zn_tier != TIER_INTERNET)
			diag_error(d, &h->ho_sanitizer_loc, "sanitizer",
			    SRC_ALPHA3,
			    "host '%s': a %s relay must be in an internet-tier "
			    "zone, not %s zone '%s'; the 無害化 relay is the "
			    "インターネット接続系 end of the crossing",
			    h->ho_name, sanitizer_name(h->ho_sanitizer),
			    tier_name(z->zn_tier), z->zn_name);
	}
}

/* Invariant 7 for two zones of different tiers: their networks. */
static void
policy_validate_alpha7_zones(struct diags *d, const struct zone *x,
    const struct zone *y)
{
	char	a[64], b[64];
	size_t	k, l;

	for (k = 0; k < y->zn_n_nets; k++)
		for (l = 0; l < x->zn_n_nets; l++) {
			if (!prefix_overlaps(&x->zn_nets[l], &y->zn_nets[k]))
				continue;
			diag_error(d, &y->zn_nets[k].loc, "alpha-7", SRC_ALPHA7,
			    "zone '%s': network %s overlaps network %s of zone "
			    "'%s'; an address cannot be both %s and %s",
			    y->zn_name,
			    prefix_str(&y->zn_nets[k], a, sizeof(a)),
			    prefix_str(&x->zn_nets[l], b, sizeof(b)),
			    x->zn_name, tier_name(y->zn_tier),
			    tier_name(x->zn_tier));
		}
}

/*
 * Invariant 7 for a host address that its own zone's networks do not cover
 * (uplink zones usually have none): it must not fall in another tier's
 * network.  Covered ones are reported as overlapping networks.
 */
static void
policy_validate_alpha7_host(const struct policy *p, struct diags *d,
    const struct host *h, const struct prefix *ad)
{
	const struct zone	*hz = h->ho_zone;
	char			 a[64];
	size_t			 j;

	if (policy_validate_in_nets(hz, ad))
		return;
	for (j = 0; j < p->p_n_zones; j++) {
		const struct zone *z = &p->p_zones[j];

		if (z->zn_tier == hz->zn_tier ||
		    !policy_validate_in_nets(z, ad))
			continue;
		diag_error(d, &ad->loc, "alpha-7", SRC_ALPHA7,
		    "host '%s' of %s zone '%s': address %s is in the networks "
		    "of %s zone '%s'", h->ho_name, tier_name(hz->zn_tier),
		    hz->zn_name, prefix_str(ad, a, sizeof(a)),
		    tier_name(z->zn_tier), z->zn_name);
	}
}

/* Invariant 7 for two hosts in zones without networks: one address. */
static void
policy_validate_alpha7_pair(struct diags *d, const struct host *h,
    const struct host *o)
{
	char	a[64];
	size_t	k, l;

	for (k = 0; k < h->ho_n_addrs; k++)
		for (l = 0; l < o->ho_n_addrs; l++) {
			if (!prefix_overlaps(&h->ho_addrs[k], &o->ho_addrs[l]))
				continue;
			diag_error(d, &h->ho_addrs[k].loc, "alpha-7",
			    SRC_ALPHA7,
			    "host '%s' of %s zone '%s': address %s is also "
			    "host '%s' of %s zone '%s'", h->ho_name,
			    tier_name(h->ho_zone->zn_tier), h->ho_zone->zn_name,
			    prefix_str(&h->ho_addrs[k], a, sizeof(a)),
			    o->ho_name, tier_name(o->ho_zone->zn_tier),
			    o->ho_zone->zn_name);
		}
}

/* Invariant 7: an address or network belongs to one tier only. */
static void
policy_validate_alpha7(const struct policy *p, struct diags *d)
{
	const struct host	*h, *o;
	size_t			 i, j;

	for (i = 0; i < p->p_n_zones; i++)
		for (j = i + 1; j < p->p_n_zones; j++)
			if (p->p_zones[i].zn_tier != p->p_zones[j].zn_tier)
				policy_validate_alpha7_zones(d,
				    &p->p_zones[i], &p->p_zones[j]);

	for (i = 0; i < p->p_n_hosts; i++) {
		h = &p->p_hosts[i];
		if (h->ho_zone == NULL)
			continue;
		for (j = 0; j < h->ho_n_addrs; j++)
			policy_validate_alpha7_host(p, d, h, &h->ho_addrs[j]);
	}

	/* Only hosts of network-less zones can collide unnoticed above. */
	for (i = 0; i < p->p_n_hosts; i++) {
		h = &p->p_hosts[i];
		if (h->ho_zone == NULL || h->ho_zone->zn_n_nets > 0)
			continue;
		for (j = 0; j < i; j++) {
			o = &p->p_hosts[j];
			if (o->ho_zone != NULL && o->ho_zone->zn_n_nets == 0 &&
			    o->ho_zone->zn_tier != h->ho_zone->zn_tier)
				policy_validate_alpha7_pair(d, h, o);
		}
	}
}

static void
policy_validate_quarantine(const struct policy *p, struct diags *d)
{
	const struct quarantine	*q = &p->p_quarantine;
	size_t			 i, j;
	bool			 reached;

	if (!q->q_present || q->q_zone == NULL)
		return;
	if (q->q_zone->zn_tier != TIER_QUARANTINE) {
		diag_error(d, &q->q_zone_loc, "quarantine", SRC_ALPHA5,
		    "quarantine: zone '%s' is %s, not a quarantine-tier zone",
		    q->q_zone->zn_name, tier_name(q->q_zone->zn_tier));
		return;
	}
	/* A remediation host nothing can reach leaves laptops stuck. */
	for (i = 0; i < q->q_n_remediation; i++) {
		const struct host *h = q->q_rem_hosts[i];

		if (h == NULL)
			continue;
		reached = false;
		for (j = 0; j < p->p_n_conduits && !reached; j++) {
			const struct conduit *c = &p->p_conduits[j];

			reached = c->cd_to.ep_host == h &&
			    endpoint_zone(&c->cd_from) == q->q_zone;
		}
		if (!reached)
			diag_warning(d, policy_validate_loc_at(
			    q->q_remediation_locs, i, &q->q_loc),
			    "quarantine", SRC_ALPHA5,
			    "quarantine: no conduit from zone '%s' to "
			    "remediation host '%s'; returning laptops cannot "
			    "reach it", q->q_zone->zn_name, h->ho_name);
	}
}

static bool
policy_validate_blank(const char *s)
{
	if (s == NULL)
		return true;
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* Invariant 2: a 特定通信 across the マイナンバー利用事務系 boundary. */
static void
policy_validate_alpha2(struct diags *d, const struct conduit *c)
{
	const struct endpoint	*my, *other;
	char			 buf[96];

	if (endpoint_tier(&c->cd_from) == TIER_MYNUMBER) {
		my = &c->cd_from;
		other = &c->cd_to;
	} else {
		my = &c->cd_to;
		other = &c->cd_from;
	}
	if (my->ep_host == NULL)
		diag_error(d, &my->ep_loc, "alpha-2", SRC_ALPHA2,
		    "conduit '%s': names the whole mynumber zone '%s' instead "
		    "of hosts; a 特定通信 is pinned to one host's IP and MAC",
		    c->cd_name, my->ep_name);
	else if (!my->ep_host->ho_has_mac || my->ep_host->ho_n_addrs == 0)
		diag_error(d, &my->ep_loc, "alpha-2", SRC_ALPHA2,
		    "conduit '%s': mynumber host '%s' has no pinned MAC; a "
		    "特定通信 is pinned to the host's IP and MAC (add `mac:`)",
		    c->cd_name, my->ep_name);
	if (other->ep_host == NULL)
		diag_error(d, &other->ep_loc, "alpha-2", SRC_ALPHA2,
		    "conduit '%s': names a whole zone, %s, instead of hosts; "
		    "a 特定通信 reaches named hosts only", c->cd_name,
		    policy_validate_ep_desc(other, buf, sizeof(buf)));
	if (c->cd_any)
		diag_error(d, &c->cd_loc, "alpha-2", SRC_ALPHA2,
		    "conduit '%s': services [any] across the "
		    "マイナンバー利用事務系 boundary; a 特定通信 names its services",
		    c->cd_name);
	if (c->cd_approval == NULL)
		diag_error(d, &c->cd_loc, "alpha-2", SRC_ALPHA2,
		    "conduit '%s': has no approval reference; a 特定通信 with "
		    "the マイナンバー利用事務系 needs `approval:`", c->cd_name);
	else if (policy_validate_blank(c->cd_approval))
		diag_error(d, &c->cd_approval_loc, "alpha-2", SRC_ALPHA2,
		    "conduit '%s': the approval reference is empty",
		    c->cd_name);
}

/* Invariant 3: LGWAN接続系 <-> インターネット接続系 only via a 無害化 relay. */
static void
policy_validate_alpha3(struct diags *d, const struct conduit *c)
{
	const struct endpoint	*inet, *lg;
	const char		*kind = sanitizer_name(c->cd_via);
	char			 a[96], b[96];

	if (endpoint_tier(&c->cd_from) == TIER_INTERNET) {
		inet = &c->cd_from;
		lg = &c->cd_to;
	} else {
		inet = &c->cd_to;
		lg = &c->cd_from;
	}
	if (c->cd_via == SAN_NONE) {
		diag_error(d, &c->cd_loc, "alpha-3", SRC_ALPHA3,
		    "conduit '%s': joins %s and %s without `via:`; the "
		    "LGWAN接続系 and the インターネット接続系 cross only through "
		    "a 無害化 relay (screen-transfer, mail-text, file-sanitize)",
		    c->cd_name,
		    policy_validate_ep_desc(&c->cd_from, a, sizeof(a)),
		    policy_validate_ep_desc(&c->cd_to, b, sizeof(b)));
		return;
	}
	if (inet->ep_host == NULL)
		diag_error(d, &inet->ep_loc, "alpha-3", SRC_ALPHA3,
		    "conduit '%s': the internet side is the whole zone '%s'; "
		    "it must be a host declared `sanitizer: %s`",
		    c->cd_name, inet->ep_name, kind);
	else if (inet->ep_host->ho_sanitizer == SAN_NONE)
		diag_error(d, &inet->ep_loc, "alpha-3", SRC_ALPHA3,
		    "conduit '%s': internet host '%s' is not a 無害化 relay; "
		    "declare it `sanitizer: %s` or cross through one",
		    c->cd_name, inet->ep_name, kind);
	else if (inet->ep_host->ho_sanitizer != c->cd_via)
		diag_error(d, &inet->ep_loc, "alpha-3", SRC_ALPHA3,
		    "conduit '%s': via %s, but internet host '%s' is a %s "
		    "relay", c->cd_name, kind, inet->ep_name,
		    sanitizer_name(inet->ep_host->ho_sanitizer));

	if (c->cd_via == SAN_MAIL) {
		if (&c->cd_from != inet)
			diag_error(d, &c->cd_loc, "alpha-3", SRC_ALPHA3,
			    "conduit '%s': wrong direction for mail-text: %s "
			    "opens to %s; the relay opens to the LGWAN mail "
			    "host", c->cd_name,
			    policy_validate_ep_desc(&c->cd_from, a, sizeof(a)),
			    policy_validate_ep_desc(&c->cd_to, b, sizeof(b)));
		else if (lg->ep_host == NULL)
			diag_error(d, &lg->ep_loc, "alpha-3", SRC_ALPHA3,
			    "conduit '%s': mail-text goes to the whole lgwan "
			    "zone '%s'; the relay opens to the LGWAN mail host "
			    "only", c->cd_name, lg->ep_name);
	} else if (&c->cd_from != lg) {
		diag_error(d, &c->cd_loc, "alpha-3", SRC_ALPHA3,
		    "conduit '%s': wrong direction for %s: %s opens to %s; "
		    "the LGWAN side opens to the relay", c->cd_name, kind,
		    policy_validate_ep_desc(&c->cd_from, a, sizeof(a)),
		    policy_validate_ep_desc(&c->cd_to, b, sizeof(b)));
	}
}

static bool
policy_validate_is_remediation(const struct policy *p, const struct host *h)
{
	const struct quarantine	*q = &p->p_quarantine;
	size_t			 i;

	if (h == NULL || q->q_rem_hosts == NULL)
		return false;
	for (i = 0; i < q->q_n_remediation; i++)
		if (q->q_rem_hosts[i] == h)
			return true;
	return false;
}

/* Invariant 5: the quarantine VLAN reaches remediation hosts only. */
static void
policy_validate_alpha5(const struct policy *p, struct diags *d,
    const struct conduit *c)
{
	enum tier	ft = endpoint_tier(&c->cd_from);
	enum tier	tt = endpoint_tier(&c->cd_to);
	char		a[96], b[96];

	if (ft == TIER_QUARANTINE &&
	    !policy_validate_is_remediation(p, c->cd_to.ep_host))
		diag_error(d, &c->cd_to.ep_loc, "alpha-5", SRC_ALPHA5,
		    "conduit '%s': %s opens to %s, which is not listed under "
		    "quarantine.remediation; a quarantine zone reaches only "
		    "remediation hosts (DNS and the portal are added by sanso)",
		    c->cd_name,
		    policy_validate_ep_desc(&c->cd_from, a, sizeof(a)),
		    policy_validate_ep_desc(&c->cd_to, b, sizeof(b)));
	if (tt == TIER_QUARANTINE && ft != TIER_MANAGEMENT)
		diag_error(d, &c->cd_from.ep_loc, "alpha-5", SRC_ALPHA5,
		    "conduit '%s': %s opens into %s; only the management tier "
		    "may open into a quarantine zone", c->cd_name,
		    policy_validate_ep_desc(&c->cd_from, a, sizeof(a)),
		    policy_validate_ep_desc(&c->cd_to, b, sizeof(b)));
}

/*
 * Invariant 6: what comes in from the internet uplink (the セキュリティ
 * クラウド) lands in the DMZ or on a 無害化 relay, never inside.
 */
static void
policy_validate_alpha6(struct diags *d, const struct conduit *c)
{
	const struct zone	*fz = endpoint_zone(&c->cd_from);
	const struct host	*th = c->cd_to.ep_host;
	char			 a[96], b[96];

	if (!fz->zn_uplink || fz->zn_tier != TIER_INTERNET)
		return;
	if (endpoint_tier(&c->cd_to) == TIER_DMZ ||
	    (th != NULL && th->ho_sanitizer != SAN_NONE))
		return;
	if (c->cd_from.ep_host != NULL)
		snprintf(a, sizeof(a), "host '%s' of internet uplink '%s'",
		    c->cd_from.ep_name, fz->zn_name);
	else
		snprintf(a, sizeof(a), "internet uplink '%s'", fz->zn_name);
	diag_error(d, &c->cd_to.ep_loc, "alpha-6", SRC_ALPHA6,
	    "conduit '%s': %s opens into %s; traffic from an internet uplink "
	    "may reach only dmz zones and 無害化 relays", c->cd_name, a,
	    policy_validate_ep_desc(&c->cd_to, b, sizeof(b)));
}

static void
policy_validate_conduit(const struct policy *p, struct diags *d,
    const struct conduit *c)
{
	const struct zone	*fz = endpoint_zone(&c->cd_from);
	const struct zone	*tz = endpoint_zone(&c->cd_to);
	enum tier		 ft, tt;
	bool			 mynumber, split;
	char			 a[96], b[96];

	if (!c->cd_any && c->cd_n_services == 0)
		diag_error(d, &c->cd_loc, "conduit", NULL,
		    "conduit '%s' has no services", c->cd_name);
	/* Unresolved ends were reported already; nothing more to say. */
	if (fz == NULL || tz == NULL)
		return;
	if (fz == tz) {
		diag_error(d, &c->cd_loc, "conduit", NULL,
		    "conduit '%s': both ends are in zone '%s'; traffic inside "
		    "a zone needs no conduit", c->cd_name, fz->zn_name);
		return;
	}
	ft = fz->zn_tier;
	tt = tz->zn_tier;

	/* Invariant 1; nothing else about such a conduit matters. */
	if ((ft == TIER_MYNUMBER && tt == TIER_INTERNET) ||
	    (ft == TIER_INTERNET && tt == TIER_MYNUMBER)) {
		diag_error(d, &c->cd_loc, "alpha-1", SRC_ALPHA1,
		    "conduit '%s': joins %s and %s; the マイナンバー利用事務系 "
		    "may never reach the インターネット接続系", c->cd_name,
		    policy_validate_ep_desc(&c->cd_from, a, sizeof(a)),
		    policy_validate_ep_desc(&c->cd_to, b, sizeof(b)));
		return;
	}

	/* Within the mynumber tier it is not a 特定通信, so ft != tt. */
	mynumber = (ft == TIER_MYNUMBER) != (tt == TIER_MYNUMBER);
	split = (ft == TIER_LGWAN && tt == TIER_INTERNET) ||
	    (ft == TIER_INTERNET && tt == TIER_LGWAN);
	if (mynumber)
		policy_validate_alpha2(d, c);
	if (split)
		policy_validate_alpha3(d, c);
	else if (c->cd_via != SAN_NONE)
		diag_error(d, &c->cd_via_loc, "via", SRC_ALPHA3,
		    "conduit '%s': `via: %s` between %s and %s; a 無害化 "
		    "relay only joins the lgwan and internet tiers", c->cd_name,
		    sanitizer_name(c->cd_via),
		    policy_validate_ep_desc(&c->cd_from, a, sizeof(a)),
		    policy_validate_ep_desc(&c->cd_to, b, sizeof(b)));
	/* alpha-2 already refuses [any] across the mynumber boundary. */
	if (ft != tt && c->cd_any && !mynumber)
		diag_error(d, &c->cd_loc, "alpha-4", SRC_ALPHA4,
		    "conduit '%s': services [any] between %s and %s; a conduit "
		    "across tiers names its services", c->cd_name,
		    policy_validate_ep_desc(&c->cd_from, a, sizeof(a)),
		    policy_validate_ep_desc(&c->cd_to, b, sizeof(b)));
	policy_validate_alpha5(p, d, c);
	policy_validate_alpha6(d, c);

	/*
	 * Internet egress leaves only through the internet-tier uplink; the
	 * lgwan, mynumber and quarantine uplinks are covered by alpha-1/3/5.
	 */
	if (ft == TIER_INTERNET && tz->zn_uplink &&
	    (tt == TIER_DMZ || tt == TIER_MANAGEMENT))
		diag_error(d, &c->cd_to.ep_loc, "egress", SRC_EGRESS,
		    "conduit '%s': %s opens to %s uplink '%s'; the internet "
		    "tier leaves only through its internet-tier uplink "
		    "(自治体情報セキュリティクラウド)", c->cd_name,
		    policy_validate_ep_desc(&c->cd_from, a, sizeof(a)),
		    tier_name(tt), tz->zn_name);
}

struct policy_validate_order {
	struct diag	ord_diag;
	size_t		ord_index;
};

static int
policy_validate_order_cmp(const void *a, const void *b)
{
	const struct policy_validate_order *x = a, *y = b;

	if (x->ord_diag.d_loc.line != y->ord_diag.d_loc.line)
		return x->ord_diag.d_loc.line < y->ord_diag.d_loc.line ? -1 : 1;
	if (x->ord_diag.d_loc.col != y->ord_diag.d_loc.col)
		return x->ord_diag.d_loc.col < y->ord_diag.d_loc.col ? -1 : 1;
	return x->ord_index < y->ord_index ? -1 : x->ord_index > y->ord_index;
}

/*
 * The checks run by kind; `sansod -t` reads better in file order, so sort
 * what this run queued (and only that) by line and column, keeping the
 * order of diagnostics at the same place.
 */
static void
policy_validate_sort(struct diags *d, size_t first)
{
	struct policy_validate_order	*v;
	size_t				 i, n = d->n - first;

	if (n < 2)
		return;
	v = xcalloc(n, sizeof(*v));
	for (i = 0; i < n; i++) {
		v[i].ord_diag = d->v[first + i];
		v[i].ord_index = i;
	}
	qsort(v, n, sizeof(*v), policy_validate_order_cmp);
	for (i = 0; i < n; i++)
		d->v[first + i] = v[i].ord_diag;
	free(v);
}

bool
policy_validate(struct policy *p, struct diags *d)
{
	size_t		errors = d->nerrors, first = d->n, i;
	struct loc	top = { p->p_file, 0, 0 };

	p->p_validated = false;
	if (p->p_model != MODEL_ALPHA)
		diag_warning(d, &top, "model", NULL,
		    "model '%s': %s-specific rules are not enforced yet; "
		    "validated with the α rules", model_name(p->p_model),
		    policy_validate_model_label(p->p_model));

	policy_validate_add_builtins(p);
	policy_validate_names(p, d);
	policy_validate_resolve(p, d);
	policy_validate_zones(p, d);
	policy_validate_hosts(p, d);
	policy_validate_alpha7(p, d);
	policy_validate_quarantine(p, d);
	for (i = 0; i < p->p_n_conduits; i++)
		policy_validate_conduit(p, d, &p->p_conduits[i]);
	policy_validate_sort(d, first);

	p->p_validated = d->nerrors == errors;
	return p->p_validated;
}

/*
 * With out == NULL, returns how many services the zone has; otherwise
 * stores at most max of them and returns how many it stored.  Names that
 * do not resolve are skipped (a validated policy has none).
 */
size_t
policy_gateway_services(const struct policy *p, const struct zone *z,
    const struct service **out, size_t max)
{
	const char *const	*names;
	const struct service	*s;
	size_t			 n, i, k = 0;

	if (z->zn_gateway_set) {
		names = (const char *const *)z->zn_gateway;
		n = z->zn_n_gateway;
	} else if (z->zn_tier == TIER_MANAGEMENT) {
		names = policy_validate_gw_management;
		n = sizeof(policy_validate_gw_management) / sizeof(*names);
	} else if (z->zn_tier == TIER_QUARANTINE) {
		names = policy_validate_gw_quarantine;
		n = sizeof(policy_validate_gw_quarantine) / sizeof(*names);
	} else
		return 0;
	for (i = 0; i < n; i++) {
		if ((s = policy_service(p, names[i])) == NULL)
			continue;
		if (out != NULL) {
			if (k == max)
				break;
			out[k] = s;
		}
		k++;
	}
	return k;
}
