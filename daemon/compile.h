/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compiler: a validated policy becomes the ruleset of table inet sanso. */
#ifndef SANSO_COMPILE_H
#define SANSO_COMPILE_H

#include <stdint.h>

#include "../nftables/ruleset.h"
#include "isolation-target.h"
#include "policy.h"

/* Chain names other modules hook into (isolation and quarantine issues). */
#define CHAIN_FORWARD		"forward"
#define CHAIN_INPUT		"input"
#define CHAIN_ISOLATION		"isolation"	/* jumped to before est/rel */
#define CHAIN_QUARANTINE	"quarantine"	/* jumped to before est/rel */
/* Quarantine rules that drop jump here instead: it sends the packet event
 * (rate-limited, "sanso quar") and drops. */
#define CHAIN_QUARANTINE_DROP	"quarantine_drop"

/* Compile @p (which must have passed policy_validate()).  Never fails for a
 * validated policy; the result is normalised (rs_normalize). */
struct ruleset	*compile_policy(const struct policy *p);

/*
 * CSIRT isolation (issue 3): the sets chain isolation looks up.  They exist
 * even when nothing is isolated, so isolating is an element update, never a
 * table swap.
 */
#define SET_ISO4		"iso4"		/* isolated IPv4 prefixes */
#define SET_ISO6		"iso6"
/* Isolated single addresses (/32, /128) live in hash sets: adding one
 * costs ~10 us whatever the set's size, where an interval set of 100 000
 * elements costs ~20 ms per commit (kernel 6.18 rebuilds its lookup
 * structure).  Only real prefixes go into iso4/iso6. */
#define SET_ISOHOST4		"isohost4"	/* isolated IPv4 addresses */
#define SET_ISOHOST6		"isohost6"
#define SET_ISOMAC		"isomac"	/* isolated MACs */
#define SET_ISOLEARN4		"isolearn4"	/* what isolated MACs use (dynamic) */
#define SET_ISOLEARN6		"isolearn6"
#define SET_ISOKEEP4		"isokeep4"	/* isolated prefix . kept host */
#define SET_ISOKEEP6		"isokeep6"
#define SET_ISOKEEPHOST4	"isokeephost4"	/* isolated address . kept host
						 * (hash, like isohost4) */
#define SET_ISOKEEPHOST6	"isokeephost6"
#define SET_ISOKEEPMAC4		"isokeepmac4"	/* isolated MAC . kept host */
#define SET_ISOKEEPMAC6		"isokeepmac6"
#define SET_ISOMACPEER4		"isomacpeer4"	/* hosts some MAC isolation keeps */
#define SET_ISOMACPEER6		"isomacpeer6"
#define COUNTER_ISOLATION	"c_isolation"
/* How long an address stays in isolearn4/6 after the isolated MAC last
 * sent from it. */
#define COMPILE_ISOLEARN_MS	(10u * 60 * 1000)

/**
 * struct compile_isolation - one isolation as the compiler needs it
 * @ci_target: what is isolated
 * @ci_keep: hosts it may still reach and be reached by (same family as an
 *   IP target; either family for a MAC)
 * @ci_expires_ms: CLOCK_REALTIME ms; 0 = until released
 */
struct compile_isolation {
	const struct isolation_target	*ci_target;
	const struct isolation_target	*ci_keep;
	size_t				 ci_n_keep;
	int64_t				 ci_expires_ms;
};

/*
 * Add the isolation sets with the elements @v[0..n) yield.  A single
 * address goes to isohost4/6 (and its kept hosts to isokeephost4/6) even
 * when an isolated prefix covers it: hash sets do not mind, and so it
 * never depends on the prefix.  Prefixes inside another isolated prefix
 * are merged into it (interval sets cannot overlap); the merged element
 * lives as long as the longest-lived isolation it stands for, so the
 * kernel never lets through what is still isolated (the daemon narrows it
 * again when the wider one expires).  The elements of each set are sorted
 * and free of overlaps; the dynamic isolearn sets stay empty.
 */
void	compile_isolation_sets(struct ruleset *, const struct compile_isolation *v,
	    size_t n);
/*
 * The one element that the isolation of an address or of a MAC address
 * without kept hosts yields, and in *@set the name of its set (isohost4/6,
 * isomac): what compile_isolation_sets() adds for it, whatever the other
 * isolations are.  False for a prefix or with kept hosts, whose elements
 * depend on the others (merging).
 */
bool	compile_isolation_elem(const struct compile_isolation *ci,
	    const char **set, struct rs_elem *e);
/* Counter c_isolation and the rules of chain isolation (which compile_policy
 * created empty): kept flows return, then every packet from or to an
 * isolated target is dropped. */
void	compile_isolation_rules(struct ruleset *);
/* Both: what a ruleset with isolations needs beyond compile_policy(). */
void	compile_isolations(struct ruleset *, const struct compile_isolation *v,
	    size_t n);
/* Order and equality of elements of @s by key (not expiry). */
int	compile_elem_cmp(const struct rs_set *s, const struct rs_elem *a,
	    const struct rs_elem *b);

#endif
