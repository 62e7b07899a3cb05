/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside nftables/ only: build.c turns a struct ruleset into the libnftnl
 * objects nft itself would send for the same ruleset, so that `nft list`
 * prints what ruleset-text.c writes.  mnl.c puts them in a batch and
 * readback.c compares them with what the kernel dumps.
 */
#ifndef SANSO_BUILD_H
#define SANSO_BUILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ruleset.h"

struct nftnl_table;
struct nftnl_set;
struct nftnl_obj;
struct nftnl_chain;
struct nftnl_rule;

#define BUILD_KEY_MAX	40	/* ipv6_addr . ipv6_addr is 32 bytes */

/**
 * struct build_elem - one set element as it goes to the kernel
 * @be_key: the key in network layout (concatenations padded to 4 bytes)
 * @be_klen: key length in bytes
 * @be_end: NFT_SET_ELEM_INTERVAL_END (the first address after a range)
 * @be_open: a range that runs to the end of the address space; nft sends no
 *   end element for it and marks the start NFTNL_SET_ELEM_F_INTERVAL_OPEN
 * @be_key_end: the IP pairs (pipapo): the last key of the range, each field
 *   its prefix's last address (nft sends it even for single addresses)
 * @be_has_end: @be_key_end is there
 * @be_timeout_ms: element timeout (relative), 0 for none; not part of the
 *   element's identity (build_elem_cmp ignores it)
 */
struct build_elem {
	uint8_t		be_key[BUILD_KEY_MAX];
	uint8_t		be_key_end[BUILD_KEY_MAX];
	uint32_t	be_klen;
	bool		be_end;
	bool		be_open;
	bool		be_has_end;
	uint64_t	be_timeout_ms;
};

struct nftnl_table *build_table(void);
/* @set_id ties lookups in the same batch to the set (index + 1). */
struct nftnl_set *build_set(const struct rs_set *, uint32_t set_id);
/* The elements of @s, sorted as nft sends them; returns the count and a
 * calloc'd array in *out (free it).  Elements of a timeout set that expire
 * at or before @cutoff_ms are left out; the others get their timeout
 * relative to @now_ms. */
size_t		 build_elems(const struct rs_set *, int64_t now_ms,
		    int64_t cutoff_ms, struct build_elem **out);
/* One element for an incremental change: an interval start and its end
 * (out[0], out[1]) or one element.  Returns how many (0 when it expired
 * at or before @now_ms). */
size_t		 build_elem_one(const struct rs_set *, const struct rs_elem *,
		    int64_t now_ms, struct build_elem out[2]);
/* Append elements v[0..n) to the element list of @ns (a set object as from
 * build_elems_chunk()). */
void		 build_elems_add(struct nftnl_set *ns, const struct build_elem *v,
		    size_t n);
/* A set object holding only table, name, id and elems[0..n) for one
 * NEWSETELEM message. */
struct nftnl_set *build_elems_chunk(const struct rs_set *, uint32_t set_id,
		    const struct build_elem *elems, size_t n);
/* How many elements of @s fit in one NEWSETELEM message (the element list
 * is one attribute, and attribute lengths are 16 bits). */
size_t		 build_elems_per_msg(const struct rs_set *);
/* Order of build_elems(): by key, an interval end before a start. */
int		 build_elem_cmp(const struct build_elem *,
		    const struct build_elem *);
/* Element i of elems[0..n) in nft syntax: "10.20.0.0/16", "eth1",
 * "10.0.0.1 . 02:00:00:00:00:01", "10.0.0.0/24 . 192.168.1.5"; an interval
 * start is paired with the end that follows it. */
void		 build_elem_describe(const struct rs_set *,
		    const struct build_elem *elems, size_t n, size_t i,
		    char *buf, size_t len);
struct nftnl_obj *build_counter(const struct rs_counter *);
struct nftnl_chain *build_chain(const struct rs_chain *);
/* Rule @idx of @c, or NULL with a message naming the rule when it refers to
 * a set that does not exist or cannot be expressed. */
struct nftnl_rule *build_rule(const struct ruleset *, const struct rs_chain *,
		    size_t idx, char *err, size_t errlen);
/* "rule 'comment' in chain forward" or "rule 3 in chain forward". */
void		 build_rule_name(const struct rs_chain *, size_t idx,
		    char *buf, size_t len);

#endif
