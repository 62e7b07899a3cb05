/* SPDX-License-Identifier: GPL-2.0-or-later */
/* struct ruleset -> the libnftnl objects nft 1.0.x sends for the same text. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <net/if_arp.h>
#include <net/ethernet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>

#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>

#include "../daemon/log.h"
#include "../daemon/xmalloc.h"
#include "build.h"
#include "nft.h"

/*
 * nft's datatype ids (src/datatype.h): `nft list` renders keys by them, so
 * they must be the same numbers.  A concatenation is the ids shifted by
 * TYPE_BITS each, first field highest.
 */
#define NFT_TYPE_IPADDR		7
#define NFT_TYPE_IP6ADDR	8
#define NFT_TYPE_ETHERADDR	9
#define NFT_TYPE_IFNAME		41
#define NFT_TYPE_BITS		6
/* nft's enum byteorder, stored in the set's userdata. */
#define NFT_BYTEORDER_INVALID	0
#define NFT_BYTEORDER_HOST	1
#define NFT_BYTEORDER_BIG	2
/* nft's EXPR_CONCAT: nft records it as the "typeof" of concatenated keys. */
#define NFT_EXPR_CONCAT		13

#define IFNAME_LEN		16	/* IFNAMSIZ: nft compares whole names */
#define ETHER_LEN		6

/*
 * Registers as nft numbers them: 32-bit slot n is NFT_REG_1 + n/4 when it
 * starts a 128-bit register, else NFT_REG32_00 + n (netlink_put_register).
 */
static uint32_t
reg32(unsigned slot)
{
	if (slot % 4 == 0)
		return NFT_REG_1 + slot / 4;
	return NFT_REG32_00 + slot;
}

static void *
nonnull(void *p, const char *what)
{
	if (p == NULL)
		fatalx("%s: out of memory", what);
	return p;
}

struct nftnl_table *
build_table(void)
{
	struct nftnl_table *t = nonnull(nftnl_table_alloc(), __func__);

	nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, RS_TABLE_NAME);
	nftnl_table_set_u32(t, NFTNL_TABLE_FLAGS, 0);
	return t;
}

static bool
set_is_concat(const struct rs_set *s)
{
	switch (s->type) {
	case RS_SET_IPV4_ETHER:
	case RS_SET_IPV6_ETHER:
	case RS_SET_IPV4_IPV4:
	case RS_SET_IPV6_IPV6:
	case RS_SET_ETHER_IPV4:
	case RS_SET_ETHER_IPV6:
	case RS_SET_IFNAME_IFNAME:
		return true;
	case RS_SET_IFNAME:
	case RS_SET_IPV4:
	case RS_SET_IPV6:
	case RS_SET_ETHER:
		break;
	}
	return false;
}

/* The IP pairs with ranges: concatenated ranges, which the kernel keeps in
 * a pipapo set (each element one key and one key_end, no interval end
 * elements).  Without the interval flag a pair is a plain concatenation
 * of two addresses in a hash set, like the MAC . address sets. */
static bool
set_is_pair(const struct rs_set *s)
{
	return rs_set_is_pair(s) && rs_set_is_ranges(s);
}

static bool
set_is_v6(const struct rs_set *s)
{
	return rs_set_addr_len(s) == 16;
}

static unsigned
set_addr_len(const struct rs_set *s)
{
	return set_is_v6(s) ? 16 : 4;
}

/* Single address sets sent as start/end elements (rbtree); the pairs are
 * ranges too, but one element each. */
static bool
set_is_interval(const struct rs_set *s)
{
	return rs_set_is_ranges(s) && !set_is_pair(s);
}

/* Element timeouts mean something only where the kernel enforces them. */
static bool
set_has_timeouts(const struct rs_set *s)
{
	return s->timeout || s->dynamic;
}

static uint32_t
set_key_type(const struct rs_set *s)
{
	switch (s->type) {
	case RS_SET_IFNAME:
		return NFT_TYPE_IFNAME;
	case RS_SET_IPV4:
		return NFT_TYPE_IPADDR;
	case RS_SET_IPV6:
		return NFT_TYPE_IP6ADDR;
	case RS_SET_ETHER:
		return NFT_TYPE_ETHERADDR;
	case RS_SET_IPV4_ETHER:
		return NFT_TYPE_IPADDR << NFT_TYPE_BITS | NFT_TYPE_ETHERADDR;
	case RS_SET_IPV6_ETHER:
		return NFT_TYPE_IP6ADDR << NFT_TYPE_BITS | NFT_TYPE_ETHERADDR;
	case RS_SET_IPV4_IPV4:
		return NFT_TYPE_IPADDR << NFT_TYPE_BITS | NFT_TYPE_IPADDR;
	case RS_SET_IPV6_IPV6:
		return NFT_TYPE_IP6ADDR << NFT_TYPE_BITS | NFT_TYPE_IP6ADDR;
	case RS_SET_ETHER_IPV4:
		return NFT_TYPE_ETHERADDR << NFT_TYPE_BITS | NFT_TYPE_IPADDR;
	case RS_SET_ETHER_IPV6:
		return NFT_TYPE_ETHERADDR << NFT_TYPE_BITS | NFT_TYPE_IP6ADDR;
	case RS_SET_IFNAME_IFNAME:
		return NFT_TYPE_IFNAME << NFT_TYPE_BITS | NFT_TYPE_IFNAME;
	}
	return 0;
}

/* Concatenated fields are each padded to a multiple of 4 bytes. */
static uint32_t
set_key_len(const struct rs_set *s)
{
	switch (s->type) {
	case RS_SET_IFNAME:
		return IFNAME_LEN;
	case RS_SET_IPV4:
		return 4;
	case RS_SET_IPV6:
		return 16;
	case RS_SET_ETHER:
		return ETHER_LEN;
	case RS_SET_IPV4_ETHER:
		return 4 + 8;
	case RS_SET_IPV6_ETHER:
		return 16 + 8;
	case RS_SET_IPV4_IPV4:
		return 4 + 4;
	case RS_SET_IPV6_IPV6:
		return 16 + 16;
	case RS_SET_ETHER_IPV4:
		return 8 + 4;
	case RS_SET_ETHER_IPV6:
		return 8 + 16;
	case RS_SET_IFNAME_IFNAME:
		return 2 * IFNAME_LEN;
	}
	return 0;
}

static uint32_t
set_flags(const struct rs_set *s)
{
	uint32_t f = 0;

	if (rs_set_is_ranges(s))
		f |= NFT_SET_INTERVAL;
	if (set_is_pair(s))
		f |= NFT_SET_CONCAT;
	if (s->timeout)
		f |= NFT_SET_TIMEOUT;
	if (s->dynamic)
		f |= NFT_SET_EVAL;
	if (s->dynamic && s->gc_timeout_ms > 0)
		f |= NFT_SET_TIMEOUT;
	return f;
}

struct nftnl_set *
build_set(const struct rs_set *s, uint32_t set_id)
{
	struct nftnl_set *ns = nonnull(nftnl_set_alloc(), __func__);
	struct nftnl_udata_buf *ud;
	struct nftnl_udata *nest;
	uint32_t order;

	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, RS_TABLE_NAME);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS, set_flags(s));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, set_key_type(s));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, set_key_len(s));
	nftnl_set_set_u32(ns, NFTNL_SET_ID, set_id);
	if (set_is_pair(s)) {
		/* The field lengths pipapo needs, as nft 1.0.6 sends them
		 * for concatenated interval sets. */
		uint8_t fields[NFT_REG32_COUNT] = { 0 };

		fields[0] = fields[1] = (uint8_t)set_addr_len(s);
		nftnl_set_set_data(ns, NFTNL_SET_DESC_CONCAT, fields,
		    2 * sizeof(fields[0]));
	}
	if (s->dynamic && s->gc_timeout_ms > 0)
		nftnl_set_set_u64(ns, NFTNL_SET_TIMEOUT, s->gc_timeout_ms);
	/* `counter` in the set: nft sends one expression as NFTA_SET_EXPR. */
	if (s->counter)
		nftnl_set_set_data(ns, NFTNL_SET_EXPR,
		    nonnull(nftnl_expr_alloc("counter"), __func__), 0);

	/*
	 * The userdata nft writes for `type ...`: the key byte order, for a
	 * concatenation an empty "typeof concat" record, then the comment.
	 * Same bytes, same `nft list` output.
	 */
	ud = nonnull(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN), __func__);
	if (set_is_concat(s))
		order = NFT_BYTEORDER_INVALID;
	else if (s->type == RS_SET_IFNAME)
		order = NFT_BYTEORDER_HOST;
	else
		order = NFT_BYTEORDER_BIG;
	nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_KEYBYTEORDER, order);
	if (set_is_concat(s)) {
		nest = nftnl_udata_nest_start(ud, NFTNL_UDATA_SET_KEY_TYPEOF);
		nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_TYPEOF_EXPR,
		    NFT_EXPR_CONCAT);
		nftnl_udata_nest_end(ud, nftnl_udata_nest_start(ud,
		    NFTNL_UDATA_SET_TYPEOF_DATA));
		nftnl_udata_nest_end(ud, nest);
	}
	if (s->comment != NULL)
		nftnl_udata_put_strz(ud, NFTNL_UDATA_SET_COMMENT,
		    s->comment);
	nftnl_set_set_data(ns, NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud),
	    nftnl_udata_buf_len(ud));
	nftnl_udata_buf_free(ud);
	return ns;
}

/* Clear the host bits of a prefix. */
static void
prefix_mask(uint8_t *addr, unsigned len, unsigned plen)
{
	unsigned i;

	for (i = 0; i < len; i++) {
		if (plen >= 8)
			plen -= 8;
		else {
			addr[i] &= (uint8_t)(0xff00 >> plen);
			plen = 0;
		}
	}
}

/* First address after the prefix; false when it runs past the top. */
static bool
prefix_end(const uint8_t *start, unsigned len, unsigned plen, uint8_t *end)
{
	unsigned i, bits;

	memcpy(end, start, len);
	for (i = 0, bits = plen; i < len; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			end[i] |= (uint8_t)(0xff >> bits);
			bits = 0;
		}
	}
	for (i = len; i-- > 0;) {
		if (++end[i] != 0)
			return true;
	}
	return false;
}

static struct build_elem *
elem_push(struct build_elem **v, size_t *n, size_t *cap)
{
	struct build_elem *e;

	*v = xgrow(*v, cap, *n, sizeof(**v));
	e = &(*v)[(*n)++];
	memset(e, 0, sizeof(*e));
	return e;
}

/* Last address of a prefix (inclusive), for pipapo's key_end. */
static void
prefix_last(const uint8_t *start, unsigned len, unsigned plen, uint8_t *last)
{
	unsigned i, bits;

	memcpy(last, start, len);
	for (i = 0, bits = plen; i < len; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			last[i] |= (uint8_t)(0xff >> bits);
			bits = 0;
		}
	}
}

static void
elem_key(const struct rs_set *s, const struct rs_elem *re, struct build_elem *e)
{
	unsigned alen = set_addr_len(s);

	e->be_klen = set_key_len(s);
	switch (s->type) {
	case RS_SET_IFNAME:
		memcpy(e->be_key, re->ifname,
		    strnlen(re->ifname, sizeof(re->ifname)));
		break;
	case RS_SET_IFNAME_IFNAME:
		memcpy(e->be_key, re->ifname,
		    strnlen(re->ifname, sizeof(re->ifname)));
		memcpy(e->be_key + IFNAME_LEN, re->ifname2,
		    strnlen(re->ifname2, sizeof(re->ifname2)));
		break;
	case RS_SET_IPV4:
	case RS_SET_IPV6:
		memcpy(e->be_key, re->addr, alen);
		break;
	case RS_SET_ETHER:
		memcpy(e->be_key, re->mac, ETHER_LEN);
		break;
	case RS_SET_IPV4_ETHER:
	case RS_SET_IPV6_ETHER:
		memcpy(e->be_key, re->addr, alen);
		memcpy(e->be_key + alen, re->mac, ETHER_LEN);
		break;
	case RS_SET_ETHER_IPV4:
	case RS_SET_ETHER_IPV6:
		/* The MAC is padded to 8 bytes, as every concatenated field
		 * is to a multiple of 4. */
		memcpy(e->be_key, re->mac, ETHER_LEN);
		memcpy(e->be_key + 8, re->addr, alen);
		break;
	case RS_SET_IPV4_IPV4:
	case RS_SET_IPV6_IPV6:
		memcpy(e->be_key, re->addr, alen);
		memcpy(e->be_key + alen, re->addr2, alen);
		if (!set_is_pair(s))
			break;		/* a hash of two whole addresses */
		prefix_last(re->addr, alen, re->plen, e->be_key_end);
		prefix_last(re->addr2, alen, re->plen2, e->be_key_end + alen);
		e->be_has_end = true;
		break;
	}
}

int
build_elem_cmp(const struct build_elem *a, const struct build_elem *b)
{
	int c;

	if (a->be_klen != b->be_klen)
		return a->be_klen < b->be_klen ? -1 : 1;
	if ((c = memcmp(a->be_key, b->be_key, a->be_klen)) != 0)
		return c;
	if (a->be_end != b->be_end)
		return a->be_end ? -1 : 1;
	if (a->be_open != b->be_open)
		return a->be_open ? 1 : -1;
	if (a->be_has_end != b->be_has_end)
		return a->be_has_end ? 1 : -1;
	if (a->be_has_end)
		return memcmp(a->be_key_end, b->be_key_end, a->be_klen);
	return 0;
}

static int
elem_qsort_cmp(const void *a, const void *b)
{
	return build_elem_cmp(a, b);
}

/* The relative timeout of an element; 0 for none. */
static uint64_t
elem_timeout(const struct rs_set *s, const struct rs_elem *re, int64_t now_ms)
{
	if (!set_has_timeouts(s) || re->expires_ms == 0)
		return 0;
	return re->expires_ms > now_ms ? (uint64_t)(re->expires_ms - now_ms) :
	    1;
}

/*
 * A prefix as nft 1.0 sends it to an interval set: a start element and, at
 * the first address after it, an end element; a prefix reaching the top of
 * the address space has no end element and its start is marked open.  The
 * timeout goes on the start only.
 */
static void
elem_range(const struct rs_set *s, const struct rs_elem *re, int64_t now_ms,
    struct build_elem **v, size_t *n, size_t *cap)
{
	unsigned alen = set_addr_len(s);
	struct build_elem *e;
	uint8_t end[16];
	bool bounded;

	bounded = prefix_end(re->addr, alen, re->plen, end);
	e = elem_push(v, n, cap);
	e->be_klen = alen;
	memcpy(e->be_key, re->addr, alen);
	e->be_open = !bounded;
	e->be_timeout_ms = elem_timeout(s, re, now_ms);
	if (bounded) {
		e = elem_push(v, n, cap);
		e->be_klen = alen;
		memcpy(e->be_key, end, alen);
		e->be_end = true;
	}
}

size_t
build_elems(const struct rs_set *s, int64_t now_ms, int64_t cutoff_ms,
    struct build_elem **out)
{
	struct build_elem *v = NULL, *e;
	struct rs_elem *tmp;
	size_t i, n = 0, cap = 0, nt;
	unsigned alen = set_addr_len(s);
	uint8_t zero[16] = { 0 };

	/* Host bits cleared, expired and covered elements dropped. */
	nt = rs_set_canonical(s, cutoff_ms, &tmp);
	if (!set_is_interval(s)) {
		for (i = 0; i < nt; i++) {
			e = elem_push(&v, &n, &cap);
			elem_key(s, &tmp[i], e);
			e->be_timeout_ms = elem_timeout(s, &tmp[i], now_ms);
		}
		if (n > 1)
			qsort(v, n, sizeof(*v), elem_qsort_cmp);
		goto done;
	}
	/* When the first range does not start at 0, nft 1.0 sends an end
	 * element at 0 first. */
	if (nt > 0 && memcmp(tmp[0].addr, zero, alen) != 0) {
		e = elem_push(&v, &n, &cap);
		e->be_klen = alen;
		e->be_end = true;
	}
	for (i = 0; i < nt; i++)
		elem_range(s, &tmp[i], now_ms, &v, &n, &cap);
done:
	free(tmp);
	*out = v;
	return n;
}

size_t
build_elem_one(const struct rs_set *s, const struct rs_elem *re,
    int64_t now_ms, struct build_elem out[2])
{
	struct build_elem *v = NULL;
	struct rs_set one = *s;
	struct rs_elem copy = *re, *c;
	size_t n = 0, cap = 0, nc;

	/* The same cleaning as a whole set gets, for one element. */
	one.elems = &copy;
	one.n_elems = one.cap_elems = 1;
	nc = rs_set_canonical(&one, now_ms, &c);
	if (nc == 0) {
		free(c);
		return 0;
	}
	memset(out, 0, 2 * sizeof(*out));
	if (set_is_interval(s)) {
		elem_range(s, c, now_ms, &v, &n, &cap);
		memcpy(out, v, n * sizeof(*v));
		free(v);
	} else {
		elem_key(s, c, &out[0]);
		out[0].be_timeout_ms = elem_timeout(s, c, now_ms);
		n = 1;
	}
	free(c);
	return n;
}

size_t
build_elems_per_msg(const struct rs_set *s)
{
	/* Element nest, key nest and data, key_end nest and data, flags,
	 * timeout (u64), userdata (one u32 record); every attribute header
	 * is 4 bytes and data is padded to 4. */
	size_t key = (set_key_len(s) + 3) & ~3U;
	size_t per = 4 + 4 + 4 + key + 4 + 4 + key + 8 + 12 + 4 + 8;

	return (UINT16_MAX - 4) / per;
}

void
build_elems_add(struct nftnl_set *ns, const struct build_elem *elems, size_t n)
{
	struct nftnl_udata_buf *ud;
	struct nftnl_set_elem *e;
	size_t i;

	for (i = 0; i < n; i++) {
		e = nonnull(nftnl_set_elem_alloc(), __func__);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, elems[i].be_key,
		    elems[i].be_klen);
		if (elems[i].be_has_end)
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY_END,
			    elems[i].be_key_end, elems[i].be_klen);
		if (elems[i].be_end)
			nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS,
			    NFT_SET_ELEM_INTERVAL_END);
		if (elems[i].be_timeout_ms != 0)
			nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT,
			    elems[i].be_timeout_ms);
		if (elems[i].be_open) {
			ud = nonnull(nftnl_udata_buf_alloc(16), __func__);
			nftnl_udata_put_u32(ud, NFTNL_UDATA_SET_ELEM_FLAGS,
			    NFTNL_SET_ELEM_F_INTERVAL_OPEN);
			nftnl_set_elem_set(e, NFTNL_SET_ELEM_USERDATA,
			    nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
			nftnl_udata_buf_free(ud);
		}
		nftnl_set_elem_add(ns, e);
	}
}

struct nftnl_set *
build_elems_chunk(const struct rs_set *s, uint32_t set_id,
    const struct build_elem *elems, size_t n)
{
	struct nftnl_set *ns = nonnull(nftnl_set_alloc(), __func__);

	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, RS_TABLE_NAME);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	if (set_id != 0)
		nftnl_set_set_u32(ns, NFTNL_SET_ID, set_id);
	build_elems_add(ns, elems, n);
	return ns;
}

static void
format_addr(const uint8_t *addr, unsigned alen, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(alen == 16 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
	snprintf(buf, len, "%s", a);
}

static void
format_mac(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
	    m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* The prefix length when [start, end) is exactly one prefix, else -1. */
static int
range_plen(const uint8_t *start, const uint8_t *end, unsigned alen)
{
	uint8_t e[16];
	unsigned plen;

	for (plen = 0; plen <= alen * 8; plen++) {
		uint8_t s[16];

		memcpy(s, start, alen);
		prefix_mask(s, alen, plen);
		if (memcmp(s, start, alen) != 0)
			continue;
		if (!prefix_end(start, alen, plen, e)) {
			if (end == NULL)
				return (int)plen;
			continue;
		}
		if (end != NULL && memcmp(e, end, alen) == 0)
			return (int)plen;
	}
	return -1;
}

/* One field of a pipapo element, [start, last]: "a", "a/p" or "a-b". */
static void
format_field(const uint8_t *start, const uint8_t *last, unsigned alen,
    char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint8_t m[16], l[16];
	unsigned plen;

	format_addr(start, alen, a, sizeof(a));
	for (plen = 0; plen <= alen * 8; plen++) {
		memcpy(m, start, alen);
		prefix_mask(m, alen, plen);
		prefix_last(start, alen, plen, l);
		if (memcmp(m, start, alen) != 0 || memcmp(l, last, alen) != 0)
			continue;
		if (plen == alen * 8)
			snprintf(buf, len, "%s", a);
		else
			snprintf(buf, len, "%s/%u", a, plen);
		return;
	}
	format_addr(last, alen, b, sizeof(b));
	snprintf(buf, len, "%s-%s", a, b);
}

void
build_elem_describe(const struct rs_set *s, const struct build_elem *elems,
    size_t n, size_t i, char *buf, size_t len)
{
	const struct build_elem *e = &elems[i], *end = NULL;
	unsigned alen = set_addr_len(s);
	char a[112], b[112];
	size_t j;
	int plen;

	switch (s->type) {
	case RS_SET_IFNAME:
		snprintf(buf, len, "\"%.*s\"", IFNAME_LEN, (const char *)e->be_key);
		return;
	case RS_SET_IFNAME_IFNAME:
		snprintf(buf, len, "\"%.*s\" . \"%.*s\"", IFNAME_LEN,
		    (const char *)e->be_key, IFNAME_LEN,
		    (const char *)e->be_key + IFNAME_LEN);
		return;
	case RS_SET_ETHER:
		format_mac(e->be_key, buf, len);
		return;
	case RS_SET_IPV4_ETHER:
	case RS_SET_IPV6_ETHER:
		format_addr(e->be_key, alen, a, sizeof(a));
		format_mac(e->be_key + alen, b, sizeof(b));
		snprintf(buf, len, "%s . %s", a, b);
		return;
	case RS_SET_ETHER_IPV4:
	case RS_SET_ETHER_IPV6:
		format_mac(e->be_key, a, sizeof(a));
		format_addr(e->be_key + 8, alen, b, sizeof(b));
		snprintf(buf, len, "%s . %s", a, b);
		return;
	case RS_SET_IPV4_IPV4:
	case RS_SET_IPV6_IPV6:
		format_field(e->be_key, e->be_has_end ? e->be_key_end : e->be_key,
		    alen, a, sizeof(a));
		format_field(e->be_key + alen, e->be_has_end ?
		    e->be_key_end + alen : e->be_key + alen, alen, b, sizeof(b));
		snprintf(buf, len, "%s . %s", a, b);
		return;
	case RS_SET_IPV4:
	case RS_SET_IPV6:
		break;
	}
	format_addr(e->be_key, alen, a, sizeof(a));
	if (!set_is_interval(s)) {
		snprintf(buf, len, "%s", a);
		return;
	}
	if (e->be_end) {
		snprintf(buf, len, "interval end %s", a);
		return;
	}
	for (j = i + 1; j < n && !e->be_open; j++)
		if (elems[j].be_end) {
			end = &elems[j];
			break;
		}
	if (!e->be_open && end == NULL) {
		snprintf(buf, len, "%s-(no end)", a);
		return;
	}
	plen = range_plen(e->be_key, end ? end->be_key : NULL, alen);
	if (plen == (int)alen * 8) {	/* one address, as nft prints it */
		snprintf(buf, len, "%s", a);
		return;
	}
	if (plen >= 0) {
		snprintf(buf, len, "%s/%d", a, plen);
		return;
	}
	if (end == NULL) {
		snprintf(buf, len, "%s-(top)", a);
		return;
	}
	format_addr(end->be_key, alen, b, sizeof(b));
	snprintf(buf, len, "%s-%s (end exclusive)", a, b);
}

struct nftnl_obj *
build_counter(const struct rs_counter *c)
{
	struct nftnl_obj *o = nonnull(nftnl_obj_alloc(), __func__);
	struct nftnl_udata_buf *ud;

	nftnl_obj_set_u32(o, NFTNL_OBJ_FAMILY, NFPROTO_INET);
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, RS_TABLE_NAME);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, c->name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_PKTS, 0);
	nftnl_obj_set_u64(o, NFTNL_OBJ_CTR_BYTES, 0);
	if (c->comment != NULL) {
		ud = nonnull(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN),
		    __func__);
		nftnl_udata_put_strz(ud, NFTNL_UDATA_OBJ_COMMENT,
		    c->comment);
		nftnl_obj_set_data(o, NFTNL_OBJ_USERDATA,
		    nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	return o;
}

static uint32_t
hook_num(enum rs_hook h)
{
	switch (h) {
	case RS_HOOK_PREROUTING:
		return NF_INET_PRE_ROUTING;
	case RS_HOOK_INPUT:
		return NF_INET_LOCAL_IN;
	case RS_HOOK_FORWARD:
		return NF_INET_FORWARD;
	case RS_HOOK_OUTPUT:
		return NF_INET_LOCAL_OUT;
	case RS_HOOK_POSTROUTING:
	case RS_HOOK_NONE:
		break;
	}
	return NF_INET_POST_ROUTING;
}

struct nftnl_chain *
build_chain(const struct rs_chain *c)
{
	struct nftnl_chain *nc = nonnull(nftnl_chain_alloc(), __func__);

	nftnl_chain_set_u32(nc, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_TABLE, RS_TABLE_NAME);
	nftnl_chain_set_str(nc, NFTNL_CHAIN_NAME, c->name);
	if (c->hook != RS_HOOK_NONE) {
		nftnl_chain_set_str(nc, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_HOOKNUM, hook_num(c->hook));
		nftnl_chain_set_s32(nc, NFTNL_CHAIN_PRIO, c->prio);
		nftnl_chain_set_u32(nc, NFTNL_CHAIN_POLICY,
		    c->policy_drop ? NF_DROP : NF_ACCEPT);
	}
	return nc;
}

void
build_rule_name(const struct rs_chain *c, size_t idx, char *buf, size_t len)
{
	const char *comment = idx < c->n_rules ? c->rules[idx].comment : NULL;

	if (comment != NULL && *comment != '\0')
		snprintf(buf, len, "rule '%s' in chain %s", comment, c->name);
	else
		snprintf(buf, len, "rule %zu in chain %s", idx + 1, c->name);
}

/* What earlier matches of the rule already established, as nft tracks it
 * to decide which dependencies a match still needs. */
struct build_ctx {
	struct nftnl_rule	*bc_rule;
	const struct ruleset	*bc_rs;
	uint8_t			 bc_nfproto;	/* NFPROTO_IPV4/6 or 0 */
	uint8_t			 bc_l4proto;	/* IPPROTO_* or 0 (unknown) */
	bool			 bc_l4known;
	bool			 bc_iiftype;
	char			*bc_err;
	size_t			 bc_errlen;
	char			 bc_name[RS_NAME_MAX + 160];
};

static struct nftnl_expr *
expr_add(struct build_ctx *bc, const char *name)
{
	struct nftnl_expr *e = nonnull(nftnl_expr_alloc(name), name);

	nftnl_rule_add_expr(bc->bc_rule, e);
	return e;
}

static void
put_meta(struct build_ctx *bc, uint32_t key, uint32_t dreg)
{
	struct nftnl_expr *e = expr_add(bc, "meta");

	nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
	nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, dreg);
}

static void
put_cmp(struct build_ctx *bc, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = expr_add(bc, "cmp");

	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
	nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
}

static void
put_payload(struct build_ctx *bc, uint32_t base, uint32_t off, uint32_t len,
    uint32_t dreg)
{
	struct nftnl_expr *e = expr_add(bc, "payload");

	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, dreg);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
	nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
}

static void
put_lookup(struct build_ctx *bc, const struct rs_set *s, bool neg)
{
	struct nftnl_expr *e = expr_add(bc, "lookup");

	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
	nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, s->name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID,
	    (uint32_t)(s - bc->bc_rs->sets) + 1);
	if (neg)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_FLAGS,
		    NFT_LOOKUP_F_INV);
}

static void
put_u8_eq(struct build_ctx *bc, uint32_t meta_key, uint8_t v)
{
	put_meta(bc, meta_key, NFT_REG_1);
	put_cmp(bc, NFT_CMP_EQ, &v, sizeof(v));
}

/* A value or an inclusive range of a big-endian field of 1 or 2 bytes. */
static void
put_range(struct build_ctx *bc, unsigned len, uint16_t lo, uint16_t hi)
{
	uint16_t l16 = htons(lo), h16 = htons(hi);
	uint8_t l8 = (uint8_t)lo, h8 = (uint8_t)hi;
	const void *l = len == 1 ? (const void *)&l8 : (const void *)&l16;
	const void *h = len == 1 ? (const void *)&h8 : (const void *)&h16;

	if (lo == hi) {
		put_cmp(bc, NFT_CMP_EQ, l, len);
		return;
	}
	/* nft 1.0 linearizes "a-b" as two comparisons, not a range expr. */
	put_cmp(bc, NFT_CMP_GTE, l, len);
	put_cmp(bc, NFT_CMP_LTE, h, len);
}

static bool ctx_error(struct build_ctx *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* Say what is wrong with the rule, naming it; always false. */
static bool
ctx_error(struct build_ctx *bc, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(bc->bc_err, bc->bc_errlen, "%s: %s", bc->bc_name, what);
	return false;
}

/*
 * The network layer the match needs, added as nft does: "meta nfproto",
 * or "ether type" when an earlier match already made the link layer
 * Ethernet (nft then takes the network protocol from the link header).
 */
static bool
need_nfproto(struct build_ctx *bc, uint8_t proto)
{
	uint16_t type;

	if (bc->bc_nfproto == proto)
		return true;
	if (bc->bc_nfproto != 0)
		return ctx_error(bc, "mixes IPv4 and IPv6 matches");
	if (bc->bc_iiftype) {
		type = htons(proto == NFPROTO_IPV6 ? ETH_P_IPV6 : ETH_P_IP);
		put_payload(bc, NFT_PAYLOAD_LL_HEADER, 12, 2, NFT_REG_1);
		put_cmp(bc, NFT_CMP_EQ, &type, sizeof(type));
	} else
		put_u8_eq(bc, NFT_META_NFPROTO, proto);
	bc->bc_nfproto = proto;
	return true;
}

/* ether saddr is only meaningful on Ethernet devices. */
static void
need_ether(struct build_ctx *bc)
{
	uint16_t ether = ARPHRD_ETHER;

	if (bc->bc_iiftype)
		return;
	put_meta(bc, NFT_META_IIFTYPE, NFT_REG_1);
	put_cmp(bc, NFT_CMP_EQ, &ether, sizeof(ether));
	bc->bc_iiftype = true;
}

static bool
need_l4proto(struct build_ctx *bc, uint8_t nfproto, uint8_t proto)
{
	if (bc->bc_l4known && bc->bc_l4proto == proto)
		return true;
	if (bc->bc_l4known)
		return ctx_error(bc, "matches two transport protocols");
	if (!need_nfproto(bc, nfproto))
		return false;
	put_u8_eq(bc, NFT_META_L4PROTO, proto);
	bc->bc_l4known = true;
	bc->bc_l4proto = proto;
	return true;
}

static const struct rs_set *
match_set(struct build_ctx *bc, const struct rs_match *m)
{
	const struct rs_set *s = rs_find_set(bc->bc_rs, m->set);

	if (s == NULL)
		ctx_error(bc, "set '%s' does not exist", m->set);
	return s;
}

/* The fields of a lookup key, in order. */
enum key_field {
	KF_SADDR,
	KF_DADDR,
	KF_ETHER_SADDR,
};

/* What an address match looks up, and in which set type. */
static bool
addr_match_fields(const struct rs_match *m, const struct rs_set *s,
    enum key_field *f, size_t *nf)
{
	bool v6 = set_is_v6(s);

	switch (m->type) {
	case RS_M_SADDR_SET:
	case RS_M_DADDR_SET:
		f[0] = m->type == RS_M_SADDR_SET ? KF_SADDR : KF_DADDR;
		*nf = 1;
		return s->type == (v6 ? RS_SET_IPV6 : RS_SET_IPV4);
	case RS_M_SADDR_ETHER_SET:
		f[0] = KF_SADDR;
		f[1] = KF_ETHER_SADDR;
		*nf = 2;
		return s->type == (v6 ? RS_SET_IPV6_ETHER : RS_SET_IPV4_ETHER);
	case RS_M_ETHER_SADDR_SET:
		f[0] = KF_ETHER_SADDR;
		*nf = 1;
		return s->type == RS_SET_ETHER;
	case RS_M_SADDR_DADDR_SET:
	case RS_M_DADDR_SADDR_SET:
		f[0] = m->type == RS_M_SADDR_DADDR_SET ? KF_SADDR : KF_DADDR;
		f[1] = m->type == RS_M_SADDR_DADDR_SET ? KF_DADDR : KF_SADDR;
		*nf = 2;
		return s->type == (v6 ? RS_SET_IPV6_IPV6 : RS_SET_IPV4_IPV4);
	case RS_M_ETHER_SADDR_DADDR_SET:
		f[0] = KF_ETHER_SADDR;
		f[1] = KF_DADDR;
		*nf = 2;
		return s->type == (v6 ? RS_SET_ETHER_IPV6 : RS_SET_ETHER_IPV4);
	default:
		break;
	}
	return false;
}

/* Load one field into register slot @slot (32-bit units). */
static unsigned
put_field(struct build_ctx *bc, enum key_field f, bool v6, unsigned slot)
{
	uint32_t reg = reg32(slot);

	switch (f) {
	case KF_ETHER_SADDR:
		put_payload(bc, NFT_PAYLOAD_LL_HEADER, 6, ETHER_LEN, reg);
		return 2;
	case KF_SADDR:
	case KF_DADDR:
		break;
	}
	if (v6)
		put_payload(bc, NFT_PAYLOAD_NETWORK_HEADER,
		    f == KF_SADDR ? 8 : 24, 16, reg);
	else
		put_payload(bc, NFT_PAYLOAD_NETWORK_HEADER,
		    f == KF_SADDR ? 12 : 16, 4, reg);
	return v6 ? 4 : 1;
}

/*
 * A lookup of addresses as nft 1.0.6 makes it: first the dependencies of
 * every field in order (the link type for ether, the network protocol for
 * ip/ip6), then the fields into consecutive registers, then the lookup.
 */
static bool
put_addr_match(struct build_ctx *bc, const struct rs_match *m)
{
	const struct rs_set *s;
	enum key_field f[2];
	size_t nf = 0, i;
	unsigned slot = 0;
	bool v6;

	if ((s = match_set(bc, m)) == NULL)
		return false;
	if (!addr_match_fields(m, s, f, &nf))
		return ctx_error(bc, "set '%s' has the wrong type", s->name);
	v6 = set_is_v6(s);
	for (i = 0; i < nf; i++) {
		if (f[i] == KF_ETHER_SADDR)
			need_ether(bc);
		else if (!need_nfproto(bc, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4))
			return false;
	}
	for (i = 0; i < nf; i++)
		slot += put_field(bc, f[i], v6, slot);
	put_lookup(bc, s, m->neg);
	return true;
}

/* "update @set { ip saddr }": add or refresh the source address in a
 * dynamic set; its timeout is the set's (nft sends none of its own). */
static bool
put_update(struct build_ctx *bc, const char *name)
{
	const struct rs_set *s = rs_find_set(bc->bc_rs, name);
	struct nftnl_expr *e;
	bool v6;

	if (s == NULL)
		return ctx_error(bc, "set '%s' does not exist", name);
	if ((s->type != RS_SET_IPV4 && s->type != RS_SET_IPV6) || !s->dynamic)
		return ctx_error(bc, "set '%s' is not a dynamic address set",
		    s->name);
	v6 = set_is_v6(s);
	if (!need_nfproto(bc, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4))
		return false;
	put_field(bc, KF_SADDR, v6, 0);
	e = expr_add(bc, "dynset");
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_UPDATE);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, s->name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID,
	    (uint32_t)(s - bc->bc_rs->sets) + 1);
	return true;
}

/* "add @set { iifname . oifname }": the interface pair into a dynamic
 * set, as nft 1.0.6 sends it (the names in registers 1 and 2, no timeout
 * and no expression of its own: the set's counter comes with the set). */
static bool
put_add_ifpair(struct build_ctx *bc, const char *name)
{
	const struct rs_set *s = rs_find_set(bc->bc_rs, name);
	struct nftnl_expr *e;

	if (s == NULL)
		return ctx_error(bc, "set '%s' does not exist", name);
	if (s->type != RS_SET_IFNAME_IFNAME || !s->dynamic)
		return ctx_error(bc, "set '%s' is not a dynamic ifname . ifname "
		    "set", s->name);
	put_meta(bc, NFT_META_IIFNAME, reg32(0));
	put_meta(bc, NFT_META_OIFNAME, reg32(IFNAME_LEN / 4));
	e = expr_add(bc, "dynset");
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SREG_KEY, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_OP, NFT_DYNSET_OP_ADD);
	nftnl_expr_set_str(e, NFTNL_EXPR_DYNSET_SET_NAME, s->name);
	nftnl_expr_set_u32(e, NFTNL_EXPR_DYNSET_SET_ID,
	    (uint32_t)(s - bc->bc_rs->sets) + 1);
	return true;
}

/*
 * "limit rate R/second burst B packets counter name C log prefix P group G
 * snaplen S": every attribute nft sends for them, so that the kernel's
 * dump reads back the same.
 */
static bool
put_log(struct build_ctx *bc, const struct rs_log *l)
{
	struct nftnl_expr *e;

	if (l->rl_rate > 0) {
		e = expr_add(bc, "limit");
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, l->rl_rate);
		nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, 1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, l->rl_burst);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_FLAGS, 0);
	}
	if (l->rl_counter[0] != '\0') {
		e = expr_add(bc, "objref");
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE,
		    NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME,
		    l->rl_counter);
	}
	if (l->rl_prefix[0] == '\0' ||
	    strnlen(l->rl_prefix, sizeof(l->rl_prefix)) >=
	    sizeof(l->rl_prefix))
		return ctx_error(bc, "log without a prefix");
	e = expr_add(bc, "log");
	nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, l->rl_prefix);
	nftnl_expr_set_u16(e, NFTNL_EXPR_LOG_GROUP, l->rl_group);
	if (l->rl_snaplen > 0)
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOG_SNAPLEN, l->rl_snaplen);
	return true;
}

/* "ct state a,b": any of the bits set, as (state & mask) != 0. */
static void
put_ct_state(struct build_ctx *bc, uint32_t mask)
{
	struct nftnl_expr *e;
	uint32_t zero = 0;

	e = expr_add(bc, "ct");
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_KEY, NFT_CT_STATE);
	nftnl_expr_set_u32(e, NFTNL_EXPR_CT_DREG, NFT_REG_1);
	e = expr_add(bc, "bitwise");
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
	nftnl_expr_set_u32(e, NFTNL_EXPR_BITWISE_LEN, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_MASK, &mask, sizeof(mask));
	nftnl_expr_set(e, NFTNL_EXPR_BITWISE_XOR, &zero, sizeof(zero));
	put_cmp(bc, NFT_CMP_NEQ, &zero, sizeof(zero));
}

static bool
put_match(struct build_ctx *bc, const struct rs_match *m)
{
	const struct rs_set *s;
	char ifname[IFNAME_LEN];

	switch (m->type) {
	case RS_M_IIFNAME:
		memset(ifname, 0, sizeof(ifname));
		memcpy(ifname, m->ifname, strnlen(m->ifname, sizeof(ifname) - 1));
		put_meta(bc, NFT_META_IIFNAME, NFT_REG_1);
		put_cmp(bc, m->neg ? NFT_CMP_NEQ : NFT_CMP_EQ, ifname,
		    sizeof(ifname));
		return true;
	case RS_M_IIFNAME_SET:
	case RS_M_OIFNAME_SET:
		if ((s = match_set(bc, m)) == NULL)
			return false;
		if (s->type != RS_SET_IFNAME)
			return ctx_error(bc, "set '%s' is not of type ifname",
			    s->name);
		put_meta(bc, m->type == RS_M_IIFNAME_SET ? NFT_META_IIFNAME :
		    NFT_META_OIFNAME, NFT_REG_1);
		put_lookup(bc, s, m->neg);
		return true;
	case RS_M_NFPROTO:
		if (m->u != NFPROTO_IPV4 && m->u != NFPROTO_IPV6)
			return ctx_error(bc, "bad meta nfproto");
		put_u8_eq(bc, NFT_META_NFPROTO, (uint8_t)m->u);
		bc->bc_nfproto = (uint8_t)m->u;
		return true;
	case RS_M_SADDR_SET:
	case RS_M_DADDR_SET:
	case RS_M_SADDR_ETHER_SET:
	case RS_M_ETHER_SADDR_SET:
	case RS_M_SADDR_DADDR_SET:
	case RS_M_DADDR_SADDR_SET:
	case RS_M_ETHER_SADDR_DADDR_SET:
		return put_addr_match(bc, m);
	case RS_M_L4PROTO:
		put_u8_eq(bc, NFT_META_L4PROTO, (uint8_t)m->u);
		bc->bc_l4known = true;
		bc->bc_l4proto = (uint8_t)m->u;
		return true;
	case RS_M_DPORT:
		if (!bc->bc_l4known)
			return ctx_error(bc, "th dport needs meta l4proto "
			    "before it");
		put_payload(bc, NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2, NFT_REG_1);
		put_range(bc, 2, m->lo, m->hi);
		return true;
	case RS_M_ICMP_TYPE:
	case RS_M_ICMPV6_TYPE:
		if (m->type == RS_M_ICMP_TYPE ?
		    !need_l4proto(bc, NFPROTO_IPV4, IPPROTO_ICMP) :
		    !need_l4proto(bc, NFPROTO_IPV6, IPPROTO_ICMPV6))
			return false;
		if (m->lo > 255 || m->hi > 255 || m->lo > m->hi)
			return ctx_error(bc, "bad ICMP type range");
		put_payload(bc, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1, NFT_REG_1);
		put_range(bc, 1, m->lo, m->hi);
		return true;
	case RS_M_CT_STATE:
		put_ct_state(bc, m->u);
		return true;
	}
	return ctx_error(bc, "unknown match type");
}

static void
put_verdict(struct build_ctx *bc, const struct rs_rule *r)
{
	struct nftnl_expr *e;
	int code;

	switch (r->verdict) {
	case RS_V_NONE:
		return;
	case RS_V_ACCEPT:
		code = NF_ACCEPT;
		break;
	case RS_V_DROP:
		code = NF_DROP;
		break;
	case RS_V_JUMP:
		code = NFT_JUMP;
		break;
	case RS_V_RETURN:
	default:
		code = NFT_RETURN;
		break;
	}
	e = expr_add(bc, "immediate");
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
	nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (uint32_t)code);
	if (r->verdict == RS_V_JUMP)
		nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, r->target);
}

struct nftnl_rule *
build_rule(const struct ruleset *rs, const struct rs_chain *c, size_t idx,
    char *err, size_t errlen)
{
	const struct rs_rule *r = &c->rules[idx];
	struct build_ctx bc;
	struct nftnl_udata_buf *ud;
	struct nftnl_expr *e;
	size_t i;

	memset(&bc, 0, sizeof(bc));
	bc.bc_rs = rs;
	bc.bc_err = err;
	bc.bc_errlen = errlen;
	build_rule_name(c, idx, bc.bc_name, sizeof(bc.bc_name));
	bc.bc_rule = nonnull(nftnl_rule_alloc(), __func__);
	nftnl_rule_set_u32(bc.bc_rule, NFTNL_RULE_FAMILY, NFPROTO_INET);
	nftnl_rule_set_str(bc.bc_rule, NFTNL_RULE_TABLE, RS_TABLE_NAME);
	nftnl_rule_set_str(bc.bc_rule, NFTNL_RULE_CHAIN, c->name);

	for (i = 0; i < r->n_m; i++)
		if (!put_match(&bc, &r->m[i]))
			goto fail;
	if (r->update_set[0] != '\0' && !put_update(&bc, r->update_set))
		goto fail;
	if (r->add_ifpair[0] != '\0' && !put_add_ifpair(&bc, r->add_ifpair))
		goto fail;
	if (r->counter) {
		e = expr_add(&bc, "counter");
		nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_PACKETS, 0);
		nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_BYTES, 0);
	}
	if (r->counter_obj[0] != '\0') {
		e = expr_add(&bc, "objref");
		nftnl_expr_set_u32(e, NFTNL_EXPR_OBJREF_IMM_TYPE,
		    NFT_OBJECT_COUNTER);
		nftnl_expr_set_str(e, NFTNL_EXPR_OBJREF_IMM_NAME,
		    r->counter_obj);
	}
	if (r->log.rl_group != 0 && !put_log(&bc, &r->log))
		goto fail;
	if (r->verdict == RS_V_JUMP && r->target[0] == '\0') {
		ctx_error(&bc, "jump without a target chain");
		goto fail;
	}
	put_verdict(&bc, r);

	if (r->comment != NULL && *r->comment != '\0') {
		ud = nonnull(nftnl_udata_buf_alloc(NFT_USERDATA_MAXLEN),
		    __func__);
		nftnl_udata_put_strz(ud, NFTNL_UDATA_RULE_COMMENT,
		    r->comment);
		nftnl_rule_set_data(bc.bc_rule, NFTNL_RULE_USERDATA,
		    nftnl_udata_buf_data(ud), nftnl_udata_buf_len(ud));
		nftnl_udata_buf_free(ud);
	}
	return bc.bc_rule;
fail:
	nftnl_rule_free(bc.bc_rule);
	return NULL;
}

ssize_t
nft_elem_find(const struct rs_set *s, const uint8_t *key, uint32_t klen,
    int64_t now_ms)
{
	struct build_elem	be[2];
	size_t			k;

	/* Linear: it serves a handful of hand-made deletions, where a read-
	 * back of the set would cost a second. */
	for (k = 0; k < s->n_elems; k++) {
		if (build_elem_one(s, &s->elems[k], now_ms, be) != 1)
			continue;
		if (be[0].be_klen == klen && memcmp(be[0].be_key, key,
		    klen) == 0)
			return (ssize_t)k;
	}
	return -1;
}
