/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The network policy model: zones, hosts, services, conduits and the
 * quarantine block of policy.yaml (DESIGN.md §2, §4).  The parser fills it
 * with names; policy_validate() resolves the names to pointers and checks
 * the invariants; the compiler and the matrix read only validated policies.
 */
#ifndef SANSO_POLICY_H
#define SANSO_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define POLICY_NAME_MAX	32	/* zone, host, service and conduit names */
#define POLICY_IFNAME_MAX 15	/* IFNAMSIZ - 1 */

enum tier {
	TIER_MYNUMBER,		/* マイナンバー利用事務系 */
	TIER_LGWAN,		/* LGWAN接続系 */
	TIER_INTERNET,		/* インターネット接続系 */
	TIER_QUARANTINE,	/* 持ち帰り端末の検疫 VLAN */
	TIER_MANAGEMENT,	/* 管理 */
	TIER_DMZ,		/* 公開サーバ */
	TIER__COUNT
};

enum model {
	MODEL_ALPHA,		/* αモデル (default) */
	MODEL_ALPHA_PRIME,	/* α'モデル */
	MODEL_BETA,		/* βモデル */
	MODEL_BETA_PRIME,	/* β'モデル */
};

enum sanitizer {
	SAN_NONE,
	SAN_SCREEN,		/* "screen-transfer": 画面転送 */
	SAN_MAIL,		/* "mail-text": メール無害化 */
	SAN_FILE,		/* "file-sanitize": ファイル無害化 */
};

enum admission {
	ADMISSION_OPEN,		/* any device may use the zone */
	ADMISSION_REGISTERED,	/* unknown MACs dropped (不正接続防止) */
};

enum release_mode {
	RELEASE_AUTO,
	RELEASE_APPROVER,
};

/**
 * struct prefix - an IPv4 or IPv6 address or network
 * @family: AF_INET or AF_INET6
 * @addr: network byte order, 4 or 16 bytes used; host bits are zero
 * @plen: prefix length (32 or 128 for a single address)
 * @loc: where it was written
 */
struct prefix {
	int		family;
	uint8_t		addr[16];
	uint8_t		plen;
	struct loc	loc;
};

/**
 * struct zone - a set of interfaces (VLANs) and optionally networks
 * @zn_name: unique name
 * @zn_tier: the tier it belongs to
 * @zn_ifaces: netdev names (need not exist yet)
 * @zn_nets: networks; none for an uplink means "any address"
 * @zn_uplink: a WAN-side zone (LGWAN uplink, 自治体情報セキュリティクラウド)
 * @zn_admission: whether unknown MACs are allowed
 * @zn_gateway: names of services the gateway itself answers in this zone;
 *   NULL when the key is absent (tier defaults apply, see policy_gateway_*)
 */
struct zone {
	char		*zn_name;
	struct loc	 zn_loc;
	enum tier	 zn_tier;
	struct loc	 zn_tier_loc;
	char		**zn_ifaces;
	struct loc	*zn_iface_locs;
	size_t		 zn_n_ifaces;
	struct prefix	*zn_nets;
	size_t		 zn_n_nets;
	bool		 zn_uplink;
	enum admission	 zn_admission;
	char		**zn_gateway;
	struct loc	*zn_gateway_locs;
	size_t		 zn_n_gateway;
	bool		 zn_gateway_set;
};

/**
 * struct host - a named endpoint inside a zone
 * @ho_zone_name: as written; @ho_zone is set by the validator
 * @ho_addrs: one or more full-length prefixes (/32 or /128)
 * @ho_mac: pinned MAC when @ho_has_mac
 * @ho_sanitizer: the 無害化 relay kind this host provides, or SAN_NONE
 */
struct host {
	char		*ho_name;
	struct loc	 ho_loc;
	char		*ho_zone_name;
	struct loc	 ho_zone_loc;
	struct zone	*ho_zone;
	struct prefix	*ho_addrs;
	size_t		 ho_n_addrs;
	bool		 ho_has_mac;
	uint8_t		 ho_mac[6];
	struct loc	 ho_mac_loc;
	enum sanitizer	 ho_sanitizer;
	struct loc	 ho_sanitizer_loc;
};

/**
 * struct port_range - one element of a service
 * @proto: IPPROTO_TCP, IPPROTO_UDP or IPPROTO_ICMP (ICMP means ICMP for
 *   IPv4 and ICMPv6 for IPv6)
 * @lo, @hi: destination port range, inclusive; 0..0 for ICMP
 */
struct port_range {
	uint8_t		proto;
	uint16_t	lo;
	uint16_t	hi;
	struct loc	loc;
};

struct service {
	char		*sv_name;
	struct loc	 sv_loc;
	struct port_range *sv_ports;
	size_t		 sv_n_ports;
	bool		 sv_builtin;	/* added by sanso, not written */
};

/**
 * struct endpoint - one side of a conduit: a zone or a host, by name
 * @ep_name: as written; exactly one of @ep_zone and @ep_host is set by the
 *   validator
 */
struct endpoint {
	char		*ep_name;
	struct loc	 ep_loc;
	struct zone	*ep_zone;
	struct host	*ep_host;
};

/**
 * struct conduit - an allowed crossing: @cd_from may open connections to
 * @cd_to on @cd_services
 * @cd_any: services was [any] (only allowed within a tier)
 * @cd_via: sanitiser kind for lgwan<->internet crossings
 * @cd_approval: approval reference (required for 特定通信)
 */
struct conduit {
	char		*cd_name;
	struct loc	 cd_loc;
	struct endpoint	 cd_from;
	struct endpoint	 cd_to;
	char		**cd_services;
	struct loc	*cd_service_locs;
	size_t		 cd_n_services;
	struct service	**cd_svcs;	/* resolved by the validator */
	bool		 cd_any;
	enum sanitizer	 cd_via;
	struct loc	 cd_via_loc;
	char		*cd_approval;
	struct loc	 cd_approval_loc;
};

/* Durations are in seconds. */
struct quarantine_checks {
	long		signature_max_age;
	long		patch_max_age;
	long		full_scan_max_age;
	bool		realtime;
};

struct quarantine {
	bool		 q_present;
	struct loc	 q_loc;
	char		*q_zone_name;
	struct loc	 q_zone_loc;
	struct zone	*q_zone;
	char		**q_remediation;
	struct loc	*q_remediation_locs;
	size_t		 q_n_remediation;
	struct host	**q_rem_hosts;	/* resolved by the validator */
	struct quarantine_checks q_checks;
	enum release_mode q_release;
};

struct policy {
	char		*p_file;	/* path, owned; every loc.file points here */
	int		 p_version;
	enum model	 p_model;
	struct zone	*p_zones;
	size_t		 p_n_zones;
	struct host	*p_hosts;
	size_t		 p_n_hosts;
	struct service	*p_services;
	size_t		 p_n_services;
	struct conduit	*p_conduits;
	size_t		 p_n_conduits;
	struct quarantine p_quarantine;
	bool		 p_validated;
};

/* policy.c: names, lookups and lifetime. */
void		 policy_free(struct policy *);
const char	*tier_name(enum tier);		/* "mynumber", ... */
const char	*tier_label_ja(enum tier);	/* "マイナンバー利用事務系", ... */
bool		 tier_from_name(const char *, enum tier *);
const char	*model_name(enum model);
bool		 model_from_name(const char *, enum model *);
const char	*sanitizer_name(enum sanitizer);
bool		 sanitizer_from_name(const char *, enum sanitizer *);
struct zone	*policy_zone(const struct policy *, const char *);
struct host	*policy_host(const struct policy *, const char *);
struct service	*policy_service(const struct policy *, const char *);
/* The tier of a resolved endpoint (its zone's, or its host's zone's). */
enum tier	 endpoint_tier(const struct endpoint *);
struct zone	*endpoint_zone(const struct endpoint *);
bool		 prefix_contains(const struct prefix *net, const struct prefix *p);
bool		 prefix_overlaps(const struct prefix *, const struct prefix *);
/* "10.0.0.0/8", "fd00::1" (no /len for full-length); buf >= 64 bytes. */
const char	*prefix_str(const struct prefix *, char *buf, size_t len);
const char	*mac_str(const uint8_t mac[6], char *buf, size_t len);
/* "tcp/443", "tcp/8000-8080", "udp/53", "icmp"; buf >= 32 bytes. */
const char	*port_range_str(const struct port_range *, char *buf, size_t len);

/* policy-parse.c: YAML text to model.  Returns NULL and queues diagnostics
 * on any error; on success the policy is parsed but not yet validated.
 * Object locations point at p_file; each diagnostic owns a copy of the file
 * name (struct diag d_file), so diagnostics outlive the policy. */
struct policy	*policy_parse(const char *file, const char *text, size_t len,
		    struct diags *);
/* Reads the file (bounded size), then policy_parse(); the text is kept in
 * *textp (caller frees) so diagnostics can show the line. */
struct policy	*policy_load(const char *path, char **textp, size_t *lenp,
		    struct diags *);

/* policy-validate.c: resolve names and check every invariant (DESIGN.md §2
 * for the model in p_model).  Queues all problems; returns true when there
 * is no error.  Adds the builtin services (ssh, sanso, dns, dhcp, ping) that
 * the policy did not define. */
bool		 policy_validate(struct policy *, struct diags *);

/* Parse, validate: the one pipeline every entry point uses. */
struct policy	*policy_load_valid(const char *path, char **textp,
		    size_t *lenp, struct diags *);

/* The gateway services for a zone: its `gateway:` list if written, else
 * the tier default (management: ssh, sanso, ping; quarantine: dns, dhcp,
 * sanso; others none; an explicit empty list means none).  Stores at most
 * @max into @out and returns how many it stored; with @out NULL it returns
 * the total. */
size_t		 policy_gateway_services(const struct policy *,
		    const struct zone *, const struct service **out,
		    size_t max);

#endif
