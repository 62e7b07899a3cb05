/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What CSIRT may isolate (002 §82(7), §85): an IPv4 or IPv6 address or
 * prefix, or a MAC address, parsed into one canonical form so that the
 * store, the kernel sets and every message agree on the same spelling.
 * Pure logic: no store, no kernel.
 */
#ifndef SANSO_ISOLATION_TARGET_H
#define SANSO_ISOLATION_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/*
 * The widest prefixes accepted.  An isolation is aimed at endpoints or at
 * a compromised segment; anything wider than a /8 (16 million addresses) or
 * an IPv6 /32 (a whole provider allocation) would cut uplinks and shared
 * services for everyone and is far more likely a typo (10.0.0.0/0) than
 * intent.  Policy changes, not isolations, are the tool for that.
 */
#define ISOLATION_TARGET_MIN_PLEN4	8
#define ISOLATION_TARGET_MIN_PLEN6	32
/* Longest canonical text: a full IPv6 prefix, "ffff:...:ffff/128". */
#define ISOLATION_TARGET_TEXT_MAX	64
/* The longest TTL: a year.  Longer is "until released" (no TTL). */
#define ISOLATION_TARGET_TTL_MAX	(366LL * 86400)

enum isolation_kind {
	ISOLATION_IP,		/* one address (/32, /128) */
	ISOLATION_PREFIX,	/* a network */
	ISOLATION_MAC,		/* an Ethernet address */
};

/**
 * struct isolation_target - a parsed, canonical target
 * @it_kind: what it is
 * @it_prefix: ISOLATION_IP and ISOLATION_PREFIX (host bits zero)
 * @it_mac: ISOLATION_MAC
 * @it_text: canonical text: "10.20.0.100", "10.20.0.0/24",
 *   "fd00:20::100", "52:54:00:0a:00:05" (lower case, colons)
 */
struct isolation_target {
	enum isolation_kind	it_kind;
	struct prefix		it_prefix;
	uint8_t			it_mac[6];
	char			it_text[ISOLATION_TARGET_TEXT_MAX];
};

/*
 * Parse @s.  On failure returns false with a sentence in @err that names
 * @s and says what is wrong ("10.0.0.1/24 has host bits set (did you mean
 * 10.0.0.0/24?)").  The sentence does not name the field: the caller
 * prefixes it.
 */
bool		 isolation_target_parse(const char *s,
		    struct isolation_target *out, char *err, size_t errlen);
/* A --keep host: one IPv4 or IPv6 address, not a prefix, not a MAC. */
bool		 isolation_target_parse_keep(const char *s,
		    struct isolation_target *out, char *err, size_t errlen);
/* "30s", "5m", "2h", "2d" or plain seconds, 1 s .. ISOLATION_TARGET_TTL_MAX. */
bool		 isolation_target_parse_ttl(const char *s, int64_t *secs,
		    char *err, size_t errlen);
/* "ip", "prefix", "mac" (the store's and the API's kind names). */
const char	*isolation_target_kind_name(enum isolation_kind);
/* AF_INET, AF_INET6, or 0 for a MAC. */
int		 isolation_target_family(const struct isolation_target *);
/* Same kind of key (address family or MAC) and @a covers @b. */
bool		 isolation_target_contains(const struct isolation_target *a,
		    const struct isolation_target *b);
bool		 isolation_target_overlaps(const struct isolation_target *a,
		    const struct isolation_target *b);

#endif
