/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building the plain-data ruleset that build.c and ruleset-text.c consume. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../daemon/xmalloc.h"
#include "ruleset.h"

struct ruleset *
ruleset_new(void)
{
	return xcalloc(1, sizeof(struct ruleset));
}

void
ruleset_free(struct ruleset *rs)
{
	size_t i, j;

	if (rs == NULL)
		return;
	for (i = 0; i < rs->n_sets; i++) {
		free(rs->sets[i].elems);
		free(rs->sets[i].comment);
	}
	free(rs->sets);
	for (i = 0; i < rs->n_counters; i++)
		free(rs->counters[i].comment);
	free(rs->counters);
	for (i = 0; i < rs->n_chains; i++) {
		struct rs_chain *c = &rs->chains[i];

		for (j = 0; j < c->n_rules; j++) {
			free(c->rules[j].m);
			free(c->rules[j].comment);
		}
		free(c->rules);
	}
	free(rs->chains);
	free(rs);
}

/* A comment as nft can store and print it (see RS_COMMENT_MAX). */
static char *
comment_dup(const char *c)
{
	size_t n = strlen(c), i;
	char *buf;

	if (n > RS_COMMENT_MAX) {
		n = RS_COMMENT_MAX;
		while (n > 0 && ((unsigned char)c[n] & 0xc0) == 0x80)
			n--;
	}
	buf = xmalloc(n + 1);
	for (i = 0; i < n; i++)
		buf[i] = c[i] == '"' ? '\'' :
		    (unsigned char)c[i] < 0x20 || c[i] == 0x7f ? ' ' : c[i];
	buf[n] = '\0';
	return buf;
}

static void
copy_name(char *dst, const char *src, size_t len)
{
	snprintf(dst, len, "%s", src);
}

bool
rs_set_is_pair(const struct rs_set *s)
{
	return s->type == RS_SET_IPV4_IPV4 || s->type == RS_SET_IPV6_IPV6;
}

struct rs_set *
rs_add_set(struct ruleset *rs, const char *name, enum rs_set_type type,
    const char *comment)
{
	struct rs_set *s;

	rs->sets = xgrow(rs->sets, &rs->cap_sets, rs->n_sets, sizeof(*s));
	s = &rs->sets[rs->n_sets++];
	memset(s, 0, sizeof(*s));
	copy_name(s->name, name, sizeof(s->name));
	s->type = type;
	s->interval = type == RS_SET_IPV4 || type == RS_SET_IPV6 ||
	    rs_set_is_pair(s);
	s->comment = comment ? comment_dup(comment) : NULL;
	return s;
}

struct rs_set *
rs_find_set(const struct ruleset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_sets; i++)
		if (strcmp(rs->sets[i].name, name) == 0)
			return &rs->sets[i];
	return NULL;
}

struct rs_elem *
rs_set_add(struct rs_set *s)
{
	struct rs_elem *e;

	s->elems = xgrow(s->elems, &s->cap_elems, s->n_elems, sizeof(*e));
	e = &s->elems[s->n_elems++];
	memset(e, 0, sizeof(*e));
	return e;
}

bool
rs_set_is_ipv6(const struct rs_set *s)
{
	return rs_set_addr_len(s) == 16;
}

static size_t
set_addr_len(const struct rs_set *s)
{
	return rs_set_is_ipv6(s) ? 16 : 4;
}

static size_t cmp_len;	/* address length for elem_cmp (qsort has no ctx) */

static int
elem_cmp(const void *a, const void *b)
{
	const struct rs_elem *x = a, *y = b;
	int c;

	if ((c = memcmp(x->addr, y->addr, cmp_len)) != 0)
		return c;
	if (x->plen != y->plen)		/* wider prefix first */
		return x->plen < y->plen ? -1 : 1;
	if ((c = memcmp(x->addr2, y->addr2, cmp_len)) != 0)
		return c;
	if (x->plen2 != y->plen2)
		return x->plen2 < y->plen2 ? -1 : 1;
	if ((c = memcmp(x->mac, y->mac, 6)) != 0)
		return c;
	if ((c = strcmp(x->ifname, y->ifname)) != 0)
		return c;
	return strcmp(x->ifname2, y->ifname2);
}

/* True when prefix a (addr/plen) contains prefix b. */
static bool
elem_contains(const struct rs_elem *a, const struct rs_elem *b)
{
	unsigned full = a->plen / 8, rest = a->plen % 8;
	uint8_t mask;

	if (b->plen < a->plen || memcmp(a->addr, b->addr, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a->addr[full] & mask) == (b->addr[full] & mask);
}

void
rs_set_normalize(struct rs_set *s)
{
	size_t i, out;

	if (s->n_elems < 2)
		return;
	cmp_len = set_addr_len(s);
	qsort(s->elems, s->n_elems, sizeof(*s->elems), elem_cmp);
	out = 1;
	for (i = 1; i < s->n_elems; i++) {
		struct rs_elem *last = &s->elems[out - 1], *e = &s->elems[i];

		/* A pair covers another only in both fields:
		 * rs_set_canonical() sorts that out at build time. */
		if (s->interval && !rs_set_is_pair(s) ? elem_contains(last, e) :
		    elem_cmp(last, e) == 0)
			continue;
		s->elems[out++] = *e;
	}
	s->n_elems = out;
}

void
rs_normalize(struct ruleset *rs)
{
	size_t i;

	for (i = 0; i < rs->n_sets; i++)
		rs_set_normalize(&rs->sets[i]);
}

struct rs_counter *
rs_add_counter(struct ruleset *rs, const char *name, const char *comment)
{
	struct rs_counter *c;

	rs->counters = xgrow(rs->counters, &rs->cap_counters, rs->n_counters,
	    sizeof(*c));
	c = &rs->counters[rs->n_counters++];
	memset(c, 0, sizeof(*c));
	copy_name(c->name, name, sizeof(c->name));
	c->comment = comment ? comment_dup(comment) : NULL;
	return c;
}

struct rs_chain *
rs_add_chain(struct ruleset *rs, const char *name, enum rs_hook hook,
    int prio, bool policy_drop)
{
	struct rs_chain *c;

	rs->chains = xgrow(rs->chains, &rs->cap_chains, rs->n_chains,
	    sizeof(*c));
	c = &rs->chains[rs->n_chains++];
	memset(c, 0, sizeof(*c));
	copy_name(c->name, name, sizeof(c->name));
	c->hook = hook;
	c->prio = prio;
	c->policy_drop = policy_drop;
	return c;
}

struct rs_chain *
rs_find_chain(const struct ruleset *rs, const char *name)
{
	size_t i;

	for (i = 0; i < rs->n_chains; i++)
		if (strcmp(rs->chains[i].name, name) == 0)
			return &rs->chains[i];
	return NULL;
}

struct rs_rule *
rs_add_rule(struct rs_chain *c)
{
	struct rs_rule *r;

	c->rules = xgrow(c->rules, &c->cap_rules, c->n_rules, sizeof(*r));
	r = &c->rules[c->n_rules++];
	memset(r, 0, sizeof(*r));
	return r;
}

struct rs_match *
rs_rule_match(struct rs_rule *r, enum rs_match_type type)
{
	struct rs_match *m;

	r->m = xgrow(r->m, &r->cap_m, r->n_m, sizeof(*m));
	m = &r->m[r->n_m++];
	memset(m, 0, sizeof(*m));
	m->type = type;
	return m;
}

void
rs_rule_comment(struct rs_rule *r, const char *fmt, ...)
{
	va_list ap;
	char *raw;

	free(r->comment);
	r->comment = NULL;
	va_start(ap, fmt);
	if (vasprintf(&raw, fmt, ap) >= 0) {
		r->comment = comment_dup(raw);
		free(raw);
	}
	va_end(ap);
}

size_t
rs_n_elems(const struct ruleset *rs)
{
	size_t i, n = 0;

	for (i = 0; i < rs->n_sets; i++)
		n += rs->sets[i].n_elems;
	return n;
}

size_t
rs_n_rules(const struct ruleset *rs)
{
	size_t i, n = 0;

	for (i = 0; i < rs->n_chains; i++)
		n += rs->chains[i].n_rules;
	return n;
}

unsigned
rs_set_addr_len(const struct rs_set *s)
{
	switch (s->type) {
	case RS_SET_IPV4:
	case RS_SET_IPV4_ETHER:
	case RS_SET_IPV4_IPV4:
	case RS_SET_ETHER_IPV4:
		return 4;
	case RS_SET_IPV6:
	case RS_SET_IPV6_ETHER:
	case RS_SET_IPV6_IPV6:
	case RS_SET_ETHER_IPV6:
		return 16;
	case RS_SET_IFNAME:
	case RS_SET_ETHER:
	case RS_SET_IFNAME_IFNAME:
		break;
	}
	return 0;
}

bool
rs_set_is_ranges(const struct rs_set *s)
{
	return s->interval && !s->dynamic && (rs_set_is_pair(s) ||
	    s->type == RS_SET_IPV4 || s->type == RS_SET_IPV6);
}

int64_t
rs_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Clamp a prefix length and clear the host bits. */
static void
canon_prefix(uint8_t *addr, uint8_t *plen, unsigned alen)
{
	unsigned i, bits;

	if (*plen > alen * 8)
		*plen = (uint8_t)(alen * 8);
	for (i = 0, bits = *plen; i < alen; i++) {
		if (bits >= 8)
			bits -= 8;
		else {
			addr[i] &= (uint8_t)(0xff00 >> bits);
			bits = 0;
		}
	}
}

/* True when prefix a/aplen contains prefix b/bplen. */
static bool
canon_contains(const uint8_t *a, unsigned aplen, const uint8_t *b,
    unsigned bplen)
{
	unsigned full = aplen / 8, rest = aplen % 8;
	uint8_t mask;

	if (bplen < aplen || memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (uint8_t)(0xff << (8 - rest));
	return (a[full] & mask) == (b[full] & mask);
}

/* Order of rs_set_canonical(): by address, the wider prefix first, then
 * the second address, MAC and interface name; never by expiry. */
static int
canon_cmp(const void *a, const void *b, void *arg)
{
	const struct rs_elem *x = a, *y = b;
	size_t alen = *(const unsigned *)arg;
	int c;

	if ((c = memcmp(x->addr, y->addr, alen)) != 0)
		return c;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	if ((c = memcmp(x->addr2, y->addr2, alen)) != 0)
		return c;
	if (x->plen2 != y->plen2)
		return x->plen2 < y->plen2 ? -1 : 1;
	if ((c = memcmp(x->mac, y->mac, 6)) != 0)
		return c;
	return strncmp(x->ifname, y->ifname, sizeof(x->ifname));
}

int64_t
rs_expiry_later(int64_t a, int64_t b)
{
	if (a == 0 || b == 0)
		return 0;
	return a > b ? a : b;
}

/* The first kept element not below @key (binary search). */
static size_t
canon_lower(const struct rs_elem *v, size_t n, const struct rs_elem *key,
    unsigned alen)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (canon_cmp(&v[mid], key, &alen) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/*
 * A kept pair that covers @e in both fields, or NULL.  Its first field is
 * one of e's enclosing prefixes (lengths that occur in @len1), and for each
 * the second field one of e's enclosing prefixes (lengths in @len2): each
 * candidate is one binary search, so large sets stay cheap.
 */
static struct rs_elem *
canon_pair_cover(struct rs_elem *kept, size_t n, const struct rs_elem *e,
    unsigned alen, const bool *len1, const bool *len2)
{
	struct rs_elem key;
	unsigned p1, p2;
	size_t i;

	for (p1 = 0; p1 <= e->plen; p1++) {
		if (!len1[p1])
			continue;
		for (p2 = 0; p2 <= e->plen2; p2++) {
			if (!len2[p2])
				continue;
			memset(&key, 0, sizeof(key));
			memcpy(key.addr, e->addr, alen);
			key.plen = (uint8_t)p1;
			canon_prefix(key.addr, &key.plen, alen);
			memcpy(key.addr2, e->addr2, alen);
			key.plen2 = (uint8_t)p2;
			canon_prefix(key.addr2, &key.plen2, alen);
			i = canon_lower(kept, n, &key, alen);
			if (i < n && kept[i].plen == p1 && kept[i].plen2 == p2 &&
			    memcmp(kept[i].addr, key.addr, alen) == 0 &&
			    memcmp(kept[i].addr2, key.addr2, alen) == 0)
				return &kept[i];
		}
	}
	return NULL;
}

size_t
rs_set_canonical(const struct rs_set *s, int64_t cutoff_ms,
    struct rs_elem **out)
{
	bool expiring = s->timeout || s->dynamic, ranges = rs_set_is_ranges(s);
	bool pair = ranges && rs_set_is_pair(s), len1[129], len2[129];
	unsigned alen = rs_set_addr_len(s), cmplen = alen ? alen : 4;
	struct rs_elem *v, *last, *cover;
	size_t i, n = 0, kept;

	v = xreallocarray(NULL, s->n_elems ? s->n_elems : 1, sizeof(*v));
	for (i = 0; i < s->n_elems; i++) {
		if (expiring && s->elems[i].expires_ms != 0 &&
		    s->elems[i].expires_ms <= cutoff_ms)
			continue;
		v[n] = s->elems[i];
		if (!expiring)
			v[n].expires_ms = 0;
		if (ranges)
			canon_prefix(v[n].addr, &v[n].plen, alen);
		if (pair)
			canon_prefix(v[n].addr2, &v[n].plen2, alen);
		n++;
	}
	if (n > 1)
		qsort_r(v, n, sizeof(*v), canon_cmp, &cmplen);

	memset(len1, 0, sizeof(len1));
	memset(len2, 0, sizeof(len2));
	for (i = 0, kept = 0; i < n; i++) {
		last = kept > 0 ? &v[kept - 1] : NULL;
		cover = NULL;
		if (last == NULL)
			;
		else if (pair)
			cover = canon_pair_cover(v, kept, &v[i], alen, len1,
			    len2);
		else if (ranges) {
			/* Kept prefixes are disjoint and sorted: only the
			 * last one can contain this one. */
			if (canon_contains(last->addr, last->plen, v[i].addr,
			    v[i].plen))
				cover = last;
		} else if (canon_cmp(last, &v[i], &cmplen) == 0)
			cover = last;
		if (cover != NULL) {
			cover->expires_ms = rs_expiry_later(cover->expires_ms,
			    v[i].expires_ms);
			continue;
		}
		if (pair) {
			len1[v[i].plen] = true;
			len2[v[i].plen2] = true;
		}
		v[kept++] = v[i];
	}
	*out = v;
	return kept;
}
