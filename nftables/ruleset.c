/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Building the plain-data ruleset that build.c and ruleset-text.c consume. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	s->interval = type == RS_SET_IPV4 || type == RS_SET_IPV6;
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
	return s->type == RS_SET_IPV6 || s->type == RS_SET_IPV6_ETHER;
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
	if ((c = memcmp(x->mac, y->mac, 6)) != 0)
		return c;
	return strcmp(x->ifname, y->ifname);
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

		if (s->interval ? elem_contains(last, e) :
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
