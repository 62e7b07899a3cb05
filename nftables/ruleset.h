/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The ruleset sanso wants in the kernel, as plain data: the compiler in
 * daemon/ produces it, nftables/build.c turns it into libnftnl objects for
 * one netlink batch, and ruleset-text.c prints the same thing as nft syntax.
 * Nothing here knows libnftnl or netlink.
 */
#ifndef SANSO_RULESET_H
#define SANSO_RULESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RS_TABLE_NAME	"sanso"		/* always family inet */
#define RS_NAME_MAX	64		/* set, chain and counter names */
#define RS_IFNAME_MAX	16		/* IFNAMSIZ, including NUL */
/* Comments are stored cleaned so the netlink and text paths agree: no
 * double quote, no control characters, at most this many bytes (nft's
 * limit), cut on a UTF-8 character boundary. */
#define RS_COMMENT_MAX	128

enum rs_set_type {
	RS_SET_IFNAME,		/* type ifname */
	RS_SET_IPV4,		/* type ipv4_addr, flags interval */
	RS_SET_IPV6,		/* type ipv6_addr, flags interval */
	RS_SET_ETHER,		/* type ether_addr */
	RS_SET_IPV4_ETHER,	/* type ipv4_addr . ether_addr */
	RS_SET_IPV6_ETHER,	/* type ipv6_addr . ether_addr */
	RS_SET_IPV4_IPV4,	/* type ipv4_addr . ipv4_addr, flags interval
				 * unless @interval is cleared (isolated
				 * prefix or host . kept host) */
	RS_SET_IPV6_IPV6,	/* type ipv6_addr . ipv6_addr, likewise */
	RS_SET_ETHER_IPV4,	/* type ether_addr . ipv4_addr */
	RS_SET_ETHER_IPV6,	/* type ether_addr . ipv6_addr */
	RS_SET_IFNAME_IFNAME,	/* type ifname . ifname (iifname . oifname) */
};

/**
 * struct rs_elem - one set element; which fields count depends on the set
 * @ifname: RS_SET_IFNAME, and the first name of RS_SET_IFNAME_IFNAME
 * @ifname2: the second name of RS_SET_IFNAME_IFNAME
 * @addr, @plen: RS_SET_IPV4/IPV6 (a prefix) and the *_ETHER concatenations
 *   (plen is then the full length)
 * @mac: RS_SET_ETHER and the *_ETHER concatenations
 */
struct rs_elem {
	char		ifname[RS_IFNAME_MAX];
	char		ifname2[RS_IFNAME_MAX];
	uint8_t		addr[16];
	uint8_t		plen;
	uint8_t		mac[6];
	uint8_t		addr2[16];	/* second address of *_IPV4/6 pairs */
	uint8_t		plen2;
	int64_t		expires_ms;	/* CLOCK_REALTIME ms; 0 = never */
};

/**
 * struct rs_set - a named set in table inet sanso
 * @interval: prefixes (RS_SET_IPV4/IPV6 and the IP pairs; rs_add_set()
 *   sets it for those types); the elements are kept sorted and free of
 *   overlaps by rs_set_normalize() before build or print.  Cleared, the
 *   set is a hash of whole addresses: an element change costs the same
 *   whatever the set's size, where the kernel rebuilds an interval set's
 *   lookup structure on every commit
 * @timeout: elements may carry an expiry (flags timeout); the kernel
 *   removes them when it passes.  In a set without it, expires_ms is
 *   ignored (the kernel could not enforce it)
 * @dynamic: the kernel fills it from the packet path (flags dynamic);
 *   its contents are not ours, so drift checks ignore them.  A dynamic set
 *   is never an interval set (the kernel cannot update interval sets from
 *   the packet path); it is flags dynamic,timeout when @timeout or
 *   @gc_timeout_ms is set, and plain flags dynamic otherwise (elements
 *   then stay until the table is replaced, as the per-zone-pair drop
 *   counters must)
 * @counter: every element carries a counter (the set's `counter`
 *   statement), which the packet path updates on every match or add
 *
 * RS_SET_IPV4_IPV4 and RS_SET_IPV6_IPV6 with @interval have a prefix in
 * each field (the kernel's pipapo set); without it both fields are whole
 * addresses (a hash of the concatenation).
 */
struct rs_set {
	char		 name[RS_NAME_MAX];
	enum rs_set_type type;
	bool		 interval;
	bool		 timeout;
	bool		 dynamic;
	bool		 counter;
	uint32_t	 gc_timeout_ms;	/* dynamic sets: default element timeout */
	struct rs_elem	*elems;
	size_t		 n_elems;
	size_t		 cap_elems;
	char		*comment;
};

enum rs_match_type {
	RS_M_IIFNAME,		/* meta iifname "lo" (ifname) */
	RS_M_IIFNAME_SET,	/* meta iifname @set */
	RS_M_OIFNAME_SET,	/* meta oifname @set */
	RS_M_NFPROTO,		/* meta nfproto ipv4|ipv6 (u = NFPROTO_*) */
	RS_M_SADDR_SET,		/* ip[6] saddr @set; family from the set type */
	RS_M_DADDR_SET,		/* ip[6] daddr @set */
	RS_M_SADDR_ETHER_SET,	/* ip[6] saddr . ether saddr @set */
	RS_M_L4PROTO,		/* meta l4proto (u = IPPROTO_*) */
	RS_M_DPORT,		/* th dport lo-hi; needs an RS_M_L4PROTO before */
	RS_M_ICMP_TYPE,		/* icmp type lo-hi (u8 range, IPv4) */
	RS_M_ICMPV6_TYPE,	/* icmpv6 type lo-hi */
	RS_M_CT_STATE,		/* ct state & u != 0 (u = RS_CT_* bits) */
	RS_M_ETHER_SADDR_SET,	/* ether saddr @set */
	RS_M_SADDR_DADDR_SET,	/* ip[6] saddr . ip[6] daddr @set */
	RS_M_DADDR_SADDR_SET,	/* ip[6] daddr . ip[6] saddr @set */
	RS_M_ETHER_SADDR_DADDR_SET, /* ether saddr . ip[6] daddr @set */
};

/* Same values as the kernel's NF_CT_STATE_BIT() for these states. */
#define RS_CT_INVALID		(1U << 0)
#define RS_CT_ESTABLISHED	(1U << 1)
#define RS_CT_RELATED		(1U << 2)
#define RS_CT_NEW		(1U << 3)

/**
 * struct rs_match - one condition of a rule
 * @neg: "!=" (only for the set lookups and RS_M_IIFNAME)
 * @set: set name for the *_SET types
 * @ifname: RS_M_IIFNAME
 * @u: protocol numbers and ct state masks
 * @lo, @hi: RS_M_DPORT and the ICMP type ranges
 */
struct rs_match {
	enum rs_match_type type;
	bool		neg;
	char		set[RS_NAME_MAX];
	char		ifname[RS_IFNAME_MAX];
	uint32_t	u;
	uint16_t	lo;
	uint16_t	hi;
};

enum rs_verdict {
	RS_V_NONE,		/* fall through (counter-only rules) */
	RS_V_ACCEPT,
	RS_V_DROP,
	RS_V_JUMP,
	RS_V_RETURN,
};

/**
 * struct rs_log - send the packet to an nflog group (`log ... group N`),
 * optionally behind a rate limit and counted
 * @rl_group: the nflog group; 0 = no log statement
 * @rl_prefix: `log prefix`: tells the daemon which rule fired (at most
 *   RS_LOG_PREFIX_MAX - 1 bytes, plain ASCII)
 * @rl_snaplen: bytes of the packet copied to the listener (0: all)
 * @rl_rate, @rl_burst: `limit rate R/second burst B packets` before the
 *   counter and the log (0 = no limit); over the limit the rest of the rule
 *   is skipped, so a limited log never carries the rule's verdict
 * @rl_counter: a named counter between the limit and the log ("" = none):
 *   it counts exactly what was handed to nflog, so that the daemon's
 *   received and lost counts can be checked against it
 */
#define RS_LOG_PREFIX_MAX	64
struct rs_log {
	uint16_t	rl_group;
	char		rl_prefix[RS_LOG_PREFIX_MAX];
	uint32_t	rl_snaplen;
	uint32_t	rl_rate;
	uint32_t	rl_burst;
	char		rl_counter[RS_NAME_MAX];
};

/**
 * struct rs_rule - matches ANDed, then an optional counter, then a verdict
 * @counter: anonymous counter
 * @counter_obj: name of a named counter object, or "" for none
 * @target: chain name for RS_V_JUMP
 * @comment: printed as comment "..." and stored as rule userdata; owned
 * @update_set: before the verdict, add or refresh the packet's source
 *   address in this dynamic set (family from the set type), with the
 *   set's gc_timeout_ms
 * @add_ifpair: "" or a dynamic RS_SET_IFNAME_IFNAME set: `add @set {
 *   iifname . oifname }` after @update_set (with the set's counter, that
 *   counts the packet per interface pair)
 * @log: after the counters, before the verdict (see struct rs_log)
 * @origin: opaque tag from the compiler (e.g. the conduit) to trace kernel
 *   errors back to policy.yaml
 */
struct rs_rule {
	char		 update_set[RS_NAME_MAX];	/* "" or: update @set { ip[6] saddr } */
	char		 add_ifpair[RS_NAME_MAX];
	struct rs_match	*m;
	size_t		 n_m;
	size_t		 cap_m;
	bool		 counter;
	char		 counter_obj[RS_NAME_MAX];
	struct rs_log	 log;
	enum rs_verdict	 verdict;
	char		 target[RS_NAME_MAX];
	char		*comment;
	const void	*origin;
};

enum rs_hook {
	RS_HOOK_NONE,		/* a regular chain, reached by jump */
	RS_HOOK_PREROUTING,
	RS_HOOK_INPUT,
	RS_HOOK_FORWARD,
	RS_HOOK_OUTPUT,
	RS_HOOK_POSTROUTING,
};

struct rs_chain {
	char		 name[RS_NAME_MAX];
	enum rs_hook	 hook;
	int		 prio;		/* 0 = filter */
	bool		 policy_drop;	/* base chains: policy drop, else accept */
	struct rs_rule	*rules;
	size_t		 n_rules;
	size_t		 cap_rules;
};

struct rs_counter {
	char		 name[RS_NAME_MAX];
	char		*comment;
};

/* Sets and counters come before the chains that refer to them. */
struct ruleset {
	struct rs_set	*sets;
	size_t		 n_sets;
	size_t		 cap_sets;
	struct rs_counter *counters;
	size_t		 n_counters;
	size_t		 cap_counters;
	struct rs_chain	*chains;
	size_t		 n_chains;
	size_t		 cap_chains;
};

/* ruleset.c: building and freeing (allocation failure is fatal). */
struct ruleset	*ruleset_new(void);
void		 ruleset_free(struct ruleset *);
struct rs_set	*rs_add_set(struct ruleset *, const char *name,
		    enum rs_set_type, const char *comment);
struct rs_set	*rs_find_set(const struct ruleset *, const char *name);
struct rs_elem	*rs_set_add(struct rs_set *);	/* zeroed new element */
/* Sort interval sets and drop prefixes covered by another; dedup others. */
void		 rs_set_normalize(struct rs_set *);
void		 rs_normalize(struct ruleset *);
struct rs_counter *rs_add_counter(struct ruleset *, const char *name,
		    const char *comment);
struct rs_chain	*rs_add_chain(struct ruleset *, const char *name,
		    enum rs_hook, int prio, bool policy_drop);
struct rs_chain	*rs_find_chain(const struct ruleset *, const char *name);
struct rs_rule	*rs_add_rule(struct rs_chain *);	/* zeroed new rule */
struct rs_match	*rs_rule_match(struct rs_rule *, enum rs_match_type);
void		 rs_rule_comment(struct rs_rule *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/* The set's IP field(s) are IPv6 (every set type with one, pairs and
 * MAC . address included). */
bool		 rs_set_is_ipv6(const struct rs_set *);
/* An address . address set (isolated prefix or host . kept host). */
bool		 rs_set_is_pair(const struct rs_set *);
/* The later of two element expiries, 0 meaning never (so 0 wins). */
int64_t		 rs_expiry_later(int64_t a, int64_t b);
/* Address length of the set's IP field(s): 4 or 16, for every set type
 * including the pairs (0 for ifname and ether sets). */
unsigned	 rs_set_addr_len(const struct rs_set *);
/* Whether the kernel gets the set's elements as ranges (interval sets,
 * the IP pairs among them). */
bool		 rs_set_is_ranges(const struct rs_set *);
/*
 * The elements of @s as they go to the kernel, in a new array in *out (free
 * it): prefixes with their host bits cleared; in a timeout set the elements
 * that expire at or before @cutoff_ms left out; sorted; duplicates dropped
 * and, where the kernel takes ranges, elements covered by another dropped
 * (the kernel refuses overlaps).  The element that stays keeps the later of
 * the expiries (0 = never), so merging never ends an isolation early.  The
 * caller's set is left alone.  Returns the count.
 */
size_t		 rs_set_canonical(const struct rs_set *s, int64_t cutoff_ms,
		    struct rs_elem **out);
/* CLOCK_REALTIME in ms, the clock of rs_elem.expires_ms. */
int64_t		 rs_now_ms(void);
/* Element count over all sets (for status and benchmarks). */
size_t		 rs_n_elems(const struct ruleset *);
size_t		 rs_n_rules(const struct ruleset *);

/* ruleset-text.c: the ruleset as an nft script that `nft -f` loads with
 * the same effect as nft_apply(): create the table if absent, delete it,
 * and recreate it, in one transaction. */
char		*ruleset_to_nft(const struct ruleset *);

#endif
