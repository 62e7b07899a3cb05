/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel side of sanso.  Everything that speaks netlink is behind these
 * functions (the wireguard-tools ipc.h idea): callers hand over a struct
 * ruleset and get back 0 or -errno with a message.
 */
#ifndef SANSO_NFT_H
#define SANSO_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ruleset.h"

/**
 * nft_apply - replace table inet sanso with @rs in ONE netlink batch
 * (create-if-absent, delete, recreate, all sets, elements, counters, chains,
 * rules), so the kernel swaps it atomically or not at all.  Never touches
 * any other table.
 * @errbuf: on failure, a message naming the object the kernel refused
 *   (with the rule's comment when the error can be traced to a rule)
 * Returns 0, or -errno.
 */
int	nft_apply(const struct ruleset *rs, char *errbuf, size_t errlen);

#define NFT_DRIFT_MISSING_MAX	256

/**
 * struct nft_drift - result of comparing the kernel's table with a ruleset
 * @present: the table exists
 * @match: every set, element, counter, chain and rule is as intended
 * @detail: human-readable first differences ("" when matching)
 * @n_other: differences that only a full apply repairs
 * @missing: when the only differences are elements missing from hash sets
 *   (at most NFT_DRIFT_MISSING_MAX; more count in @n_other), which ones:
 *   indices into the ruleset's sets and their elements, so that they can
 *   be added back without rebuilding the table
 */
struct nft_drift {
	bool	present;
	bool	match;
	char	detail[512];
	size_t	n_other;
	size_t	n_missing;
	struct nft_drift_missing {
		uint32_t dm_set;
		uint32_t dm_elem;
	}	missing[NFT_DRIFT_MISSING_MAX];
};

/* Read table inet sanso back and compare it with @rs.  Elements compare
 * by what they match: an interval set's end element at address 0 (sent by
 * a full build, never by nft_update_elems) is neither missing nor
 * unexpected.  Returns 0 or -errno (for failures to read, not for
 * differences).  Reading a set back costs O(n^2) in the kernel (each dump
 * message walks the set from its start): ~350 ms at 100 000 elements. */
int	nft_check_drift(const struct ruleset *rs, struct nft_drift *out);

/*
 * The nf_tables generation id of this network namespace (NFT_MSG_GETGEN,
 * NFTA_GEN_ID), asked on the shared socket.  The kernel bumps it on every
 * commit in the namespace, whoever makes it: an unchanged id means no
 * table changed since it was read.  (Element timeouts, counters and what
 * the packet path adds to dynamic sets change without a commit.)  Returns
 * 0 or -errno.
 */
int	nft_generation(uint32_t *gen);

/* Remove table inet sanso if it exists (used by tests and `sansod --flush`
 * style cleanup; never touches other tables).  Returns 0 or -errno. */
int	nft_delete_table(char *errbuf, size_t errlen);

/* Per named counter packets and bytes, for `status` and metrics later. */
struct nft_counter_value {
	char		name[RS_NAME_MAX];
	uint64_t	packets;
	uint64_t	bytes;
};
int	nft_read_counters(struct nft_counter_value **out, size_t *n);

/*
 * Drops per interface pair: every element of set denypairs (which the
 * forward chain's last rule fills with iifname . oifname of what no
 * conduit allowed) with its counter.  The caller maps interfaces to zones
 * with the running policy.  *out is malloc'ed (NULL and 0 when the table
 * or the set is absent).  Returns 0 or -errno.
 */
struct nft_pair_counter {
	char		iif[RS_IFNAME_MAX];
	char		oif[RS_IFNAME_MAX];
	uint64_t	packets;
	uint64_t	bytes;
};
int	nft_read_pair_counters(struct nft_pair_counter **out, size_t *n);

/* --- incremental updates (isolation, later devices and quarantine) --- */

enum nft_elem_verb {
	NFT_ELEM_ADD,		/* create or refresh; an existing element is not an error */
	NFT_ELEM_DEL,		/* remove; a missing element is not an error */
};

/**
 * struct nft_elem_change - one element added to or removed from a set of
 * the table in force
 * @set: the set as in the applied ruleset (name, type, flags)
 * @elem: the element; for ADD, expires_ms becomes the element timeout
 */
struct nft_elem_change {
	enum nft_elem_verb	 verb;
	const struct rs_set	*set;
	const struct rs_elem	*elem;
};

/*
 * All changes in ONE netlink batch: all or nothing.  Returns 0 or -errno
 * (errbuf names the set and element the kernel refused).  Changes go in
 * order, consecutive ones of a set and verb in one message; an ADD that has
 * already expired is left out.  Deletions use DESTROYSETELEM (kernel 6.3+;
 * older kernels: DELSETELEM, and what is missing is left out and the batch
 * sent again).  Goes through one netlink socket kept open for the life of
 * the process.  From 1024 changes on, the monitor does not listen for the
 * batch (see nft_monitor_read).
 *
 * Speed depends on the set: hash sets (no interval flag, IP pairs without
 * it included) cost the same ~10 us per change whatever their size;
 * interval sets and the IP pairs with ranges cost O(set size) per batch on
 * current kernels (6.18 rebuilds their lookup structure on every commit:
 * ~20 ms at 100 000 elements).
 */
int	nft_update_elems(const struct nft_elem_change *v, size_t n,
	    char *errbuf, size_t errlen);

/* An address or prefix, for conntrack and neighbour queries. */
struct nft_addr {
	int	family;		/* AF_INET or AF_INET6 */
	uint8_t	addr[16];
	uint8_t	plen;
};

/* Delete every conntrack entry (ctnetlink, this network namespace) whose
 * original or reply source or destination lies inside one of @v, so open
 * connections stop at once.  Returns the number deleted, or -errno.  One
 * dump of the table: ~10 ms for a small table, ~220 ms at 100 000 entries
 * (see ct.c for the alternatives measured). */
int	nft_ct_flush(const struct nft_addr *v, size_t n);

/* The IPv4/IPv6 addresses the neighbour tables (ARP, NDP) map to @mac in
 * this namespace.  *out is malloc'ed.  Returns 0 or -errno. */
int	nft_neigh_addrs(const uint8_t mac[6], struct nft_addr **out, size_t *n);

/* A netlink socket subscribed to nf_tables notifications (NFNLGRP_NFTABLES),
 * non-blocking, for the event loop.  Returns the fd or -errno. */
int	nft_monitor_open(void);
/* Drain what is pending.  *foreign is set when table inet sanso was
 * changed or deleted by another process than this one (or when messages
 * were lost, ENOBUFS, or the monitor did not listen during a big batch of
 * our own: the caller must re-check).  Returns 0 or -errno.  One monitor
 * per process; monitor.c explains how "foreign" is decided. */
int	nft_monitor_read(int fd, bool *foreign);
void	nft_monitor_close(int fd);

#define NFT_MONITOR_DELS_MAX	64
#define NFT_KEY_MAX		40	/* = BUILD_KEY_MAX */

/**
 * struct nft_deleted - elements another process deleted from sanso's sets
 * @nd_sets, @nd_keys, @nd_klens: set name and key (as the kernel holds it)
 *   of each
 * @nd_other: it did something else too (or more than NFT_MONITOR_DELS_MAX
 *   deletions, or an interval set's), so only a read-back can tell
 */
struct nft_deleted {
	size_t	nd_n;
	bool	nd_other;
	char	nd_sets[NFT_MONITOR_DELS_MAX][RS_NAME_MAX];
	uint8_t	nd_keys[NFT_MONITOR_DELS_MAX][NFT_KEY_MAX];
	uint32_t nd_klens[NFT_MONITOR_DELS_MAX];
};

/* The index of the element of hash set @s whose kernel key is @key (as a
 * notification carries it), or -1. */
ssize_t	nft_elem_find(const struct rs_set *s, const uint8_t *key,
	    uint32_t klen, int64_t now_ms);

/* What foreign batches read since the last call did, when all they did
 * was delete set elements; *out is cleared.  Returns whether there is
 * anything (nd_n > 0 or nd_other). */
bool	nft_monitor_take_deleted(struct nft_deleted *out);

#endif
