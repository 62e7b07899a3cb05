/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Reachability from the policy alone: the zone x zone matrix staff read
 * before applying, and the flow query the lab compares with real packets.
 */
#ifndef SANSO_MATRIX_H
#define SANSO_MATRIX_H

#include <jansson.h>

#include "policy.h"

/**
 * struct matrix_entry - one way @from may open connections into @to
 * @me_conduit: the conduit (NULL for implicit intra-zone traffic)
 * @me_service: the service (NULL for [any] and intra-zone traffic)
 * @me_text: "https (tcp/443) mn-gw -> chukan [R8-0123]",
 *   "rdp (tcp/3389) to screen-gw via screen-transfer", ...
 */
struct matrix_entry {
	const struct conduit	*me_conduit;
	const struct service	*me_service;
	char			*me_text;
};

struct matrix_cell {
	struct matrix_entry	*mc_entries;
	size_t			 mc_n;
	size_t			 mc_cap;
};

/* Row = from zone, column = to zone, in policy order. */
struct matrix {
	const struct policy	*mx_policy;
	size_t			 mx_n;
	struct matrix_cell	*mx_cells;	/* mx_n * mx_n */
};

struct matrix	*matrix_build(const struct policy *);
void		 matrix_free(struct matrix *);
struct matrix_cell *matrix_cell(const struct matrix *, size_t from, size_t to);
/* A table for terminals: zones down and across, "-" where nothing may. */
char		*matrix_to_text(const struct matrix *);
json_t		*matrix_to_json(const struct matrix *);

/**
 * struct flow_query - "may this packet open a connection?"
 * @fq_src_zone, @fq_dst_zone: zone names (the interface the packet enters
 *   and leaves by)
 * @fq_src, @fq_dst: addresses (full-length prefixes, same family)
 * @fq_src_mac: the source MAC when @fq_has_mac (for pinned hosts)
 * @fq_proto: IPPROTO_TCP, IPPROTO_UDP or IPPROTO_ICMP (echo request)
 * @fq_port: destination port (tcp, udp)
 */
struct flow_query {
	const char	*fq_src_zone;
	const char	*fq_dst_zone;
	struct prefix	 fq_src;
	struct prefix	 fq_dst;
	bool		 fq_has_mac;
	uint8_t		 fq_src_mac[6];
	uint8_t		 fq_proto;
	uint16_t	 fq_port;
};

/**
 * struct flow_verdict
 * @fv_allowed: the compiled ruleset would accept the first packet
 * @fv_conduit: the conduit that allows it (NULL: intra-zone or denied)
 * @fv_reason: short English reason ("conduit screen", "no conduit",
 *   "pinned MAC mismatch", "same zone")
 */
struct flow_verdict {
	bool			 fv_allowed;
	const struct conduit	*fv_conduit;
	char			 fv_reason[128];
};

/* Evaluate a flow against a validated policy with the compiler's
 * semantics. Returns false (and sets fv_reason) for unknown zones. */
bool		 matrix_query(const struct policy *, const struct flow_query *,
		    struct flow_verdict *);

#endif
