/* SPDX-License-Identifier: GPL-2.0-or-later */
/* struct ruleset -> the libnftnl objects nft 1.0.x sends for the same text. */
#include <arpa/inet.h>
#include <stdarg.h>
#include <net/if_arp.h>
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
	return s->type == RS_SET_IPV4_ETHER || s->type == RS_SET_IPV6_ETHER;
}

static unsigned
set_addr_len(const struct rs_set *s)
{
	return rs_set_is_ipv6(s) ? 16 : 4;
}

/* Only address sets can be interval sets; anything else is sent plain. */
static bool
set_is_interval(const struct rs_set *s)
{
	return s->interval && (s->type == RS_SET_IPV4 || s->type == RS_SET_IPV6);
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
	}
	return 0;
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
	nftnl_set_set_u32(ns, NFTNL_SET_FLAGS,
	    set_is_interval(s) ? NFT_SET_INTERVAL : 0);
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_TYPE, set_key_type(s));
	nftnl_set_set_u32(ns, NFTNL_SET_KEY_LEN, set_key_len(s));
	nftnl_set_set_u32(ns, NFTNL_SET_ID, set_id);

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
	return 0;
}

static int
elem_qsort_cmp(const void *a, const void *b)
{
	return build_elem_cmp(a, b);
}

size_t
build_elems(const struct rs_set *s, struct build_elem **out)
{
	struct rs_set tmp = *s;
	struct build_elem *v = NULL, *e;
	size_t i, n = 0, cap = 0;
	unsigned alen = set_addr_len(s);
	uint8_t zero[16] = { 0 };

	/* Work on a normalized copy: the caller's set stays as it is. */
	tmp.elems = xreallocarray(NULL, s->n_elems ? s->n_elems : 1,
	    sizeof(*tmp.elems));
	if (s->n_elems)
		memcpy(tmp.elems, s->elems, s->n_elems * sizeof(*s->elems));
	tmp.cap_elems = s->n_elems;
	if (set_is_interval(s))
		for (i = 0; i < tmp.n_elems; i++) {
			if (tmp.elems[i].plen > alen * 8)
				tmp.elems[i].plen = (uint8_t)(alen * 8);
			prefix_mask(tmp.elems[i].addr, alen, tmp.elems[i].plen);
		}
	rs_set_normalize(&tmp);

	if (!set_is_interval(s)) {
		for (i = 0; i < tmp.n_elems; i++)
			elem_key(s, &tmp.elems[i], elem_push(&v, &n, &cap));
		if (n > 1)
			qsort(v, n, sizeof(*v), elem_qsort_cmp);
		goto done;
	}

	/*
	 * As nft 1.0 does it: each prefix is a start element and, at the first
	 * address after it, an end element.  When the first range does not
	 * start at 0 an end element at 0 comes first; a range that reaches the
	 * top of the address space has no end element and is marked open.
	 */
	if (tmp.n_elems > 0 && memcmp(tmp.elems[0].addr, zero, alen) != 0) {
		e = elem_push(&v, &n, &cap);
		e->be_klen = alen;
		e->be_end = true;
	}
	for (i = 0; i < tmp.n_elems; i++) {
		uint8_t end[16];
		bool bounded;

		bounded = prefix_end(tmp.elems[i].addr, alen, tmp.elems[i].plen,
		    end);
		e = elem_push(&v, &n, &cap);
		e->be_klen = alen;
		memcpy(e->be_key, tmp.elems[i].addr, alen);
		e->be_open = !bounded;
		if (bounded) {
			e = elem_push(&v, &n, &cap);
			e->be_klen = alen;
			memcpy(e->be_key, end, alen);
			e->be_end = true;
		}
	}
done:
	free(tmp.elems);
	*out = v;
	return n;
}

size_t
build_elems_per_msg(const struct rs_set *s)
{
	/* Element nest, key nest, key data, flags, userdata (one u32 record);
	 * every attribute header is 4 bytes and data is padded to 4. */
	size_t per = 4 + 4 + 4 + ((set_key_len(s) + 3) & ~3U) + 8 + 4 + 8;

	return (UINT16_MAX - 4) / per;
}

struct nftnl_set *
build_elems_chunk(const struct rs_set *s, uint32_t set_id,
    const struct build_elem *elems, size_t n)
{
	struct nftnl_set *ns = nonnull(nftnl_set_alloc(), __func__);
	struct nftnl_udata_buf *ud;
	struct nftnl_set_elem *e;
	size_t i;

	nftnl_set_set_u32(ns, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_str(ns, NFTNL_SET_TABLE, RS_TABLE_NAME);
	nftnl_set_set_str(ns, NFTNL_SET_NAME, s->name);
	nftnl_set_set_u32(ns, NFTNL_SET_ID, set_id);
	for (i = 0; i < n; i++) {
		e = nonnull(nftnl_set_elem_alloc(), __func__);
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, elems[i].be_key,
		    elems[i].be_klen);
		if (elems[i].be_end)
			nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS,
			    NFT_SET_ELEM_INTERVAL_END);
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

void
build_elem_describe(const struct rs_set *s, const struct build_elem *elems,
    size_t n, size_t i, char *buf, size_t len)
{
	const struct build_elem *e = &elems[i], *end = NULL;
	unsigned alen = set_addr_len(s);
	char a[64], b[64];
	size_t j;
	int plen;

	switch (s->type) {
	case RS_SET_IFNAME:
		snprintf(buf, len, "\"%.*s\"", IFNAME_LEN, (const char *)e->be_key);
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

/* The network layer the match needs, added as nft does ("meta nfproto"). */
static bool
need_nfproto(struct build_ctx *bc, uint8_t proto)
{
	if (bc->bc_nfproto == proto)
		return true;
	if (bc->bc_nfproto != 0)
		return ctx_error(bc, "mixes IPv4 and IPv6 matches");
	put_u8_eq(bc, NFT_META_NFPROTO, proto);
	bc->bc_nfproto = proto;
	return true;
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

static bool
put_addr_match(struct build_ctx *bc, const struct rs_match *m)
{
	const struct rs_set *s;
	bool v6, src = m->type != RS_M_DADDR_SET;

	if ((s = match_set(bc, m)) == NULL)
		return false;
	if (m->type == RS_M_SADDR_ETHER_SET ?
	    !set_is_concat(s) : (s->type != RS_SET_IPV4 && s->type != RS_SET_IPV6))
		return ctx_error(bc, "set '%s' has the wrong type", s->name);
	v6 = rs_set_is_ipv6(s);
	if (!need_nfproto(bc, v6 ? NFPROTO_IPV6 : NFPROTO_IPV4))
		return false;
	if (m->type == RS_M_SADDR_ETHER_SET && !bc->bc_iiftype) {
		uint16_t ether = ARPHRD_ETHER;

		/* ether saddr is only meaningful on Ethernet devices. */
		put_meta(bc, NFT_META_IIFTYPE, NFT_REG_1);
		put_cmp(bc, NFT_CMP_EQ, &ether, sizeof(ether));
		bc->bc_iiftype = true;
	}
	if (v6)
		put_payload(bc, NFT_PAYLOAD_NETWORK_HEADER, src ? 8 : 24, 16,
		    NFT_REG_1);
	else
		put_payload(bc, NFT_PAYLOAD_NETWORK_HEADER, src ? 12 : 16, 4,
		    NFT_REG_1);
	if (m->type == RS_M_SADDR_ETHER_SET)
		put_payload(bc, NFT_PAYLOAD_LL_HEADER, 6, ETHER_LEN,
		    reg32(v6 ? 4 : 1));
	put_lookup(bc, s, m->neg);
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
