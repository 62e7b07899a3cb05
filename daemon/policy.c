/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Policy model: names of tiers and kinds, lookups, prefixes, lifetime. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy.h"
#include "xmalloc.h"

static const struct {
	const char *name;
	const char *ja;
} tiers[TIER__COUNT] = {
	[TIER_MYNUMBER] =	{ "mynumber",	"マイナンバー利用事務系" },
	[TIER_LGWAN] =		{ "lgwan",	"LGWAN接続系" },
	[TIER_INTERNET] =	{ "internet",	"インターネット接続系" },
	[TIER_QUARANTINE] =	{ "quarantine",	"検疫" },
	[TIER_MANAGEMENT] =	{ "management",	"管理" },
	[TIER_DMZ] =		{ "dmz",	"公開セグメント" },
};

static const char *models[] = {
	[MODEL_ALPHA] = "alpha",
	[MODEL_ALPHA_PRIME] = "alpha-prime",
	[MODEL_BETA] = "beta",
	[MODEL_BETA_PRIME] = "beta-prime",
};

static const char *sanitizers[] = {
	[SAN_NONE] = "none",
	[SAN_SCREEN] = "screen-transfer",
	[SAN_MAIL] = "mail-text",
	[SAN_FILE] = "file-sanitize",
};

const char *
tier_name(enum tier t)
{
	return (unsigned)t < TIER__COUNT ? tiers[t].name : "?";
}

const char *
tier_label_ja(enum tier t)
{
	return (unsigned)t < TIER__COUNT ? tiers[t].ja : "?";
}

bool
tier_from_name(const char *s, enum tier *t)
{
	int i;

	for (i = 0; i < TIER__COUNT; i++)
		if (strcmp(s, tiers[i].name) == 0) {
			*t = (enum tier)i;
			return true;
		}
	return false;
}

const char *
model_name(enum model m)
{
	return (unsigned)m < sizeof(models) / sizeof(models[0]) ?
	    models[m] : "?";
}

bool
model_from_name(const char *s, enum model *m)
{
	size_t i;

	for (i = 0; i < sizeof(models) / sizeof(models[0]); i++)
		if (strcmp(s, models[i]) == 0) {
			*m = (enum model)i;
			return true;
		}
	return false;
}

const char *
sanitizer_name(enum sanitizer s)
{
	return (unsigned)s < sizeof(sanitizers) / sizeof(sanitizers[0]) ?
	    sanitizers[s] : "?";
}

bool
sanitizer_from_name(const char *s, enum sanitizer *k)
{
	size_t i;

	for (i = 1; i < sizeof(sanitizers) / sizeof(sanitizers[0]); i++)
		if (strcmp(s, sanitizers[i]) == 0) {
			*k = (enum sanitizer)i;
			return true;
		}
	return false;
}

struct zone *
policy_zone(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->p_n_zones; i++)
		if (strcmp(p->p_zones[i].zn_name, name) == 0)
			return &p->p_zones[i];
	return NULL;
}

struct host *
policy_host(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->p_n_hosts; i++)
		if (strcmp(p->p_hosts[i].ho_name, name) == 0)
			return &p->p_hosts[i];
	return NULL;
}

struct service *
policy_service(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->p_n_services; i++)
		if (strcmp(p->p_services[i].sv_name, name) == 0)
			return &p->p_services[i];
	return NULL;
}

struct zone *
endpoint_zone(const struct endpoint *e)
{
	if (e->ep_host != NULL)
		return e->ep_host->ho_zone;
	return e->ep_zone;
}

enum tier
endpoint_tier(const struct endpoint *e)
{
	struct zone *z = endpoint_zone(e);

	return z != NULL ? z->zn_tier : TIER__COUNT;
}

static size_t
prefix_bytes(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* True when the first plen bits of a and b are equal. */
static bool
bits_equal(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned full = plen / 8, rest = plen % 8;
	uint8_t mask;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

bool
prefix_contains(const struct prefix *net, const struct prefix *p)
{
	if (net->family != p->family || p->plen < net->plen)
		return false;
	return bits_equal(net->addr, p->addr, net->plen);
}

bool
prefix_overlaps(const struct prefix *a, const struct prefix *b)
{
	return prefix_contains(a, b) || prefix_contains(b, a);
}

const char *
prefix_str(const struct prefix *p, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];

	if (inet_ntop(p->family, p->addr, addr, sizeof(addr)) == NULL) {
		snprintf(buf, len, "?");
		return buf;
	}
	if (p->plen == prefix_bytes(p->family) * 8)
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "%s/%u", addr, p->plen);
	return buf;
}

const char *
mac_str(const uint8_t m[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
	    m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

const char *
port_range_str(const struct port_range *r, char *buf, size_t len)
{
	const char *proto = r->proto == IPPROTO_TCP ? "tcp" :
	    r->proto == IPPROTO_UDP ? "udp" : "icmp";

	if (r->proto == IPPROTO_ICMP)
		snprintf(buf, len, "icmp");
	else if (r->lo == r->hi)
		snprintf(buf, len, "%s/%u", proto, r->lo);
	else
		snprintf(buf, len, "%s/%u-%u", proto, r->lo, r->hi);
	return buf;
}

static void
free_strv(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
policy_free(struct policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->p_n_zones; i++) {
		struct zone *z = &p->p_zones[i];

		free(z->zn_name);
		free_strv(z->zn_ifaces, z->zn_n_ifaces);
		free(z->zn_iface_locs);
		free(z->zn_nets);
		free_strv(z->zn_gateway, z->zn_n_gateway);
		free(z->zn_gateway_locs);
	}
	free(p->p_zones);
	for (i = 0; i < p->p_n_hosts; i++) {
		free(p->p_hosts[i].ho_name);
		free(p->p_hosts[i].ho_zone_name);
		free(p->p_hosts[i].ho_addrs);
	}
	free(p->p_hosts);
	for (i = 0; i < p->p_n_services; i++) {
		free(p->p_services[i].sv_name);
		free(p->p_services[i].sv_ports);
	}
	free(p->p_services);
	for (i = 0; i < p->p_n_conduits; i++) {
		struct conduit *c = &p->p_conduits[i];

		free(c->cd_name);
		free(c->cd_from.ep_name);
		free(c->cd_to.ep_name);
		free_strv(c->cd_services, c->cd_n_services);
		free(c->cd_service_locs);
		free(c->cd_svcs);
		free(c->cd_approval);
	}
	free(p->p_conduits);
	free(p->p_quarantine.q_zone_name);
	free_strv(p->p_quarantine.q_remediation, p->p_quarantine.q_n_remediation);
	free(p->p_quarantine.q_remediation_locs);
	free(p->p_quarantine.q_rem_hosts);
	free(p->p_file);
	free(p);
}

struct policy *
policy_load_valid(const char *path, char **textp, size_t *lenp,
    struct diags *d)
{
	struct policy *p;

	if ((p = policy_load(path, textp, lenp, d)) == NULL)
		return NULL;
	if (!policy_validate(p, d)) {
		policy_free(p);
		return NULL;
	}
	return p;
}
