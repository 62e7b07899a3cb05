/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parsing and canonical form of isolation targets, kept hosts and TTLs. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isolation-target.h"

/* Longer input is no address of any kind; it is not echoed whole. */
#define ISOLATION_TARGET_INPUT_MAX	100

/* Ranges that name no endpoint: isolating them is a mistake.  Kept as
 * bytes: a bulk checks 100 000 targets against them. */
struct isolation_target_special {
	int		 family;
	uint8_t		 addr[16];
	uint8_t		 plen;
	const char	*what;
};

static const struct isolation_target_special isolation_target_specials[] = {
	{ AF_INET, { 0 }, 8, "the 'this network' range 0.0.0.0/8" },
	{ AF_INET, { 127 }, 8, "the loopback range 127.0.0.0/8" },
	{ AF_INET, { 224 }, 4, "the multicast range 224.0.0.0/4" },
	{ AF_INET, { 255, 255, 255, 255 }, 32, "the broadcast address" },
	{ AF_INET6, { 0 }, 128, "the unspecified address ::" },
	{ AF_INET6, { [15] = 1 }, 128, "the loopback address ::1" },
	{ AF_INET6, { 0xff }, 8, "the multicast range ff00::/8" },
};

const char *
isolation_target_kind_name(enum isolation_kind k)
{
	switch (k) {
	case ISOLATION_IP:
		return "ip";
	case ISOLATION_PREFIX:
		return "prefix";
	case ISOLATION_MAC:
		return "mac";
	}
	return "?";
}

int
isolation_target_family(const struct isolation_target *t)
{
	return t->it_kind == ISOLATION_MAC ? 0 : t->it_prefix.family;
}

bool
isolation_target_contains(const struct isolation_target *a,
    const struct isolation_target *b)
{
	if ((a->it_kind == ISOLATION_MAC) != (b->it_kind == ISOLATION_MAC))
		return false;
	if (a->it_kind == ISOLATION_MAC)
		return memcmp(a->it_mac, b->it_mac, 6) == 0;
	return prefix_contains(&a->it_prefix, &b->it_prefix);
}

bool
isolation_target_overlaps(const struct isolation_target *a,
    const struct isolation_target *b)
{
	return isolation_target_contains(a, b) ||
	    isolation_target_contains(b, a);
}

/* @s for a message: as given, or cut when it is absurdly long. */
static const char *
isolation_target_quote(const char *s, char *buf, size_t len)
{
	size_t n = strlen(s);

	if (n <= 40)
		return s;
	snprintf(buf, len, "%.32s...", s);
	return buf;
}

/*
 * "52:54:00:0a:00:05" or "52-54-00-0a-00-05": 1 or 2 hex digits per
 * octet, one kind of separator.  Returns the number of octets when @s
 * looks like a MAC address at all (so that 7 octets get their own
 * message), 0 when it does not.
 */
static size_t
isolation_target_mac_octets(const char *s, uint8_t mac[6])
{
	const char	*p = s;
	char		 sep = 0;
	size_t		 n = 0, digits;
	unsigned	 v;

	for (;;) {
		v = 0;
		for (digits = 0; isxdigit((unsigned char)*p); digits++, p++)
			v = v * 16 + (unsigned)(isdigit((unsigned char)*p) ?
			    *p - '0' : tolower((unsigned char)*p) - 'a' + 10);
		if (digits < 1 || digits > 2)
			return 0;
		if (n < 6)
			mac[n] = (uint8_t)v;
		n++;
		if (*p == '\0')
			break;
		if (*p != ':' && *p != '-')
			return 0;
		if (sep == 0)
			sep = *p;
		else if (*p != sep)
			return 0;
		p++;
	}
	return n >= 2 ? n : 0;
}

static bool
isolation_target_mac(const char *s, struct isolation_target *out,
    char *err, size_t errlen)
{
	static const uint8_t zero[6];
	uint8_t	mac[6];
	size_t	n;

	n = isolation_target_mac_octets(s, mac);
	if (n == 0)
		return false;
	out->it_kind = ISOLATION_MAC;
	if (n != 6) {
		snprintf(err, errlen, "%s has %zu octets; a MAC address has 6",
		    s, n);
		return true;
	}
	memcpy(out->it_mac, mac, 6);
	mac_str(mac, out->it_text, sizeof(out->it_text));
	if (memcmp(mac, zero, 6) == 0)
		snprintf(err, errlen, "%s is not a usable MAC address", s);
	else if (memcmp(mac, "\xff\xff\xff\xff\xff\xff", 6) == 0)
		snprintf(err, errlen, "%s is the broadcast MAC address", s);
	else if (mac[0] & 1)
		snprintf(err, errlen, "%s is a multicast MAC address (the "
		    "first octet is odd); an endpoint has a unicast one", s);
	return true;
}

/* The special range @p falls into or covers, or NULL. */
static const char *
isolation_target_special(const struct prefix *p)
{
	const struct isolation_target_special	*sp;
	struct prefix				 r;
	size_t					 i;

	for (i = 0; i < sizeof(isolation_target_specials) /
	    sizeof(isolation_target_specials[0]); i++) {
		sp = &isolation_target_specials[i];
		if (sp->family != p->family)
			continue;
		memset(&r, 0, sizeof(r));
		r.family = sp->family;
		r.plen = sp->plen;
		memcpy(r.addr, sp->addr, sizeof(r.addr));
		if (prefix_overlaps(&r, p))
			return sp->what;
	}
	/* ::ffff:a.b.c.d reaches nothing through an IPv6 lookup. */
	if (p->family == AF_INET6 && p->plen >= 96 &&
	    memcmp(p->addr, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0)
		return "an IPv4-mapped IPv6 address; write the IPv4 form";
	return NULL;
}

static bool
isolation_target_ip(const char *s, struct isolation_target *out,
    char *err, size_t errlen)
{
	struct prefix	 p;
	const char	*slash, *what;
	char		 addr[INET6_ADDRSTRLEN + 1], *end, canon[80];
	unsigned long	 plen;
	size_t		 alen, full;
	unsigned	 bits, i;

	memset(&p, 0, sizeof(p));
	slash = strchr(s, '/');
	alen = slash ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, p.addr) == 1)
		p.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, p.addr) == 1)
		p.family = AF_INET6;
	else
		return false;
	full = p.family == AF_INET ? 32 : 128;
	plen = full;
	if (slash != NULL) {
		if (!isdigit((unsigned char)slash[1])) {
			snprintf(err, errlen, "%s: the prefix length after '/' "
			    "must be a number from 0 to %zu", s, full);
			return true;
		}
		errno = 0;
		plen = strtoul(slash + 1, &end, 10);
		if (errno != 0 || *end != '\0' || plen > full) {
			snprintf(err, errlen, "%s: the prefix length after '/' "
			    "must be a number from 0 to %zu", s, full);
			return true;
		}
	}
	p.plen = (uint8_t)plen;
	out->it_kind = plen == full ? ISOLATION_IP : ISOLATION_PREFIX;
	out->it_prefix = p;

	/* Host bits: say which network was probably meant. */
	for (i = 0, bits = 0; i < full / 8; i++, bits += 8) {
		uint8_t keep = bits >= plen ? 0 : bits + 8 <= plen ? 0xff :
		    (uint8_t)(0xff << (8 - (plen - bits)));

		out->it_prefix.addr[i] &= keep;
	}
	if (memcmp(out->it_prefix.addr, p.addr, full / 8) != 0) {
		snprintf(err, errlen, "%s has host bits set (did you mean "
		    "%s?)", s, prefix_str(&out->it_prefix, canon,
		    sizeof(canon)));
		return true;
	}
	prefix_str(&out->it_prefix, out->it_text, sizeof(out->it_text));
	if (plen < (p.family == AF_INET ? ISOLATION_TARGET_MIN_PLEN4 :
	    ISOLATION_TARGET_MIN_PLEN6)) {
		snprintf(err, errlen, "%s is too wide: an %s prefix must be /%d "
		    "or longer", s, p.family == AF_INET ? "IPv4" : "IPv6",
		    p.family == AF_INET ? ISOLATION_TARGET_MIN_PLEN4 :
		    ISOLATION_TARGET_MIN_PLEN6);
		return true;
	}
	if ((what = isolation_target_special(&out->it_prefix)) != NULL) {
		snprintf(err, errlen, "%s is %s%s, not an endpoint", s,
		    out->it_kind == ISOLATION_PREFIX ? "inside or around " : "",
		    what);
		return true;
	}
	return true;
}

bool
isolation_target_parse(const char *s, struct isolation_target *out,
    char *err, size_t errlen)
{
	char quoted[48];

	memset(out, 0, sizeof(*out));
	err[0] = '\0';
	if (s == NULL || *s == '\0') {
		snprintf(err, errlen, "an empty target; give an IPv4 or IPv6 "
		    "address or prefix, or a MAC address");
		return false;
	}
	if (strlen(s) > ISOLATION_TARGET_INPUT_MAX) {
		snprintf(err, errlen, "'%s' is too long to be an address",
		    isolation_target_quote(s, quoted, sizeof(quoted)));
		return false;
	}
	/* An IPv6 address in octet style ("1:2:3:4:5:6:7:8") is IPv6. */
	if (isolation_target_ip(s, out, err, errlen) ||
	    isolation_target_mac(s, out, err, errlen))
		return err[0] == '\0';
	snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address or prefix, "
	    "nor a MAC address", isolation_target_quote(s, quoted,
	    sizeof(quoted)));
	return false;
}

bool
isolation_target_parse_keep(const char *s, struct isolation_target *out,
    char *err, size_t errlen)
{
	if (!isolation_target_parse(s, out, err, errlen))
		return false;
	if (out->it_kind == ISOLATION_MAC) {
		snprintf(err, errlen, "%s is a MAC address; a kept host is one "
		    "IPv4 or IPv6 address", s);
		return false;
	}
	if (out->it_kind == ISOLATION_PREFIX) {
		snprintf(err, errlen, "%s is a prefix; a kept host is one IPv4 "
		    "or IPv6 address", s);
		return false;
	}
	return true;
}

bool
isolation_target_parse_ttl(const char *s, int64_t *secs, char *err,
    size_t errlen)
{
	unsigned long long	 n;
	char			*end;
	int64_t			 mult = 1;

	*secs = 0;
	if (s == NULL || !isdigit((unsigned char)s[0]))
		goto bad;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0)
		goto bad;
	if (*end != '\0') {
		if (end[1] != '\0')
			goto bad;
		switch (*end) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: goto bad;
		}
	}
	if (n == 0) {
		snprintf(err, errlen, "'%s' is no time at all; a TTL is at "
		    "least 1s", s);
		return false;
	}
	if (n > (unsigned long long)(ISOLATION_TARGET_TTL_MAX / mult)) {
		snprintf(err, errlen, "'%s' is longer than a year; leave the "
		    "TTL out to isolate until released", s);
		return false;
	}
	*secs = (int64_t)n * mult;
	return true;
bad:
	snprintf(err, errlen, "'%s' is not a duration like 90 (seconds), 30s, "
	    "5m, 2h or 2d", s ? s : "");
	return false;
}
