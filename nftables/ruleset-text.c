/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The ruleset as an nft script with the same effect as nft_apply(). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netfilter.h>

#include "../daemon/log.h"
#include "../daemon/xmalloc.h"
#include "ruleset.h"

#define TEXT_PER_LINE	8	/* set elements per line */

/* Comments are already clean (rs_rule_comment and friends). */
static void
text_comment(FILE *f, const char *pre, const char *c)
{
	fprintf(f, "%scomment \"%s\"", pre, c);
}

static unsigned
text_addr_len(const struct rs_set *s)
{
	return rs_set_is_ipv6(s) ? 16 : 4;
}

static bool
text_interval(const struct rs_set *s)
{
	return s->interval && (s->type == RS_SET_IPV4 || s->type == RS_SET_IPV6);
}

static const char *
text_set_type(const struct rs_set *s)
{
	switch (s->type) {
	case RS_SET_IFNAME:
		return "ifname";
	case RS_SET_IPV4:
		return "ipv4_addr";
	case RS_SET_IPV6:
		return "ipv6_addr";
	case RS_SET_ETHER:
		return "ether_addr";
	case RS_SET_IPV4_ETHER:
		return "ipv4_addr . ether_addr";
	case RS_SET_IPV6_ETHER:
		return "ipv6_addr . ether_addr";
	}
	return "?";
}

static void
text_mac(FILE *f, const uint8_t *m)
{
	fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3],
	    m[4], m[5]);
}

static void
text_addr(FILE *f, const uint8_t *addr, unsigned alen)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(alen == 16 ? AF_INET6 : AF_INET, addr, a, sizeof(a));
	fputs(a, f);
}

static void
text_elem(FILE *f, const struct rs_set *s, const struct rs_elem *e)
{
	unsigned alen = text_addr_len(s);

	switch (s->type) {
	case RS_SET_IFNAME:
		fprintf(f, "\"%.*s\"", RS_IFNAME_MAX, e->ifname);
		break;
	case RS_SET_ETHER:
		text_mac(f, e->mac);
		break;
	case RS_SET_IPV4_ETHER:
	case RS_SET_IPV6_ETHER:
		text_addr(f, e->addr, alen);
		fputs(" . ", f);
		text_mac(f, e->mac);
		break;
	case RS_SET_IPV4:
	case RS_SET_IPV6:
		text_addr(f, e->addr, alen);
		if (text_interval(s) && e->plen < alen * 8)
			fprintf(f, "/%u", e->plen);
		break;
	}
}

/* The elements as build.c sends them: host bits cleared, sorted, covered
 * prefixes and duplicates dropped; the caller's set is left alone. */
static void
text_elems(FILE *f, const struct rs_set *s)
{
	struct rs_set tmp = *s;
	unsigned alen = text_addr_len(s), plen, i, k;
	size_t j;

	if (s->n_elems == 0)
		return;
	tmp.elems = xreallocarray(NULL, s->n_elems, sizeof(*tmp.elems));
	memcpy(tmp.elems, s->elems, s->n_elems * sizeof(*s->elems));
	tmp.cap_elems = s->n_elems;
	for (j = 0; text_interval(s) && j < tmp.n_elems; j++) {
		if (tmp.elems[j].plen > alen * 8)
			tmp.elems[j].plen = (uint8_t)(alen * 8);
		plen = tmp.elems[j].plen;
		for (i = 0; i < alen; i++) {
			k = plen >= 8 ? 8 : plen;
			tmp.elems[j].addr[i] &= (uint8_t)(0xff00 >> k);
			plen -= k;
		}
	}
	rs_set_normalize(&tmp);
	fputs("\t\telements = { ", f);
	for (j = 0; j < tmp.n_elems; j++) {
		if (j > 0)
			fputs(j % TEXT_PER_LINE ? ", " : ",\n\t\t\t     ", f);
		text_elem(f, s, &tmp.elems[j]);
	}
	fputs(" }\n", f);
	free(tmp.elems);
}

static void
text_set(FILE *f, const struct rs_set *s)
{
	fprintf(f, "\tset %s {\n\t\ttype %s\n", s->name, text_set_type(s));
	if (text_interval(s))
		fputs("\t\tflags interval\n", f);
	if (s->comment != NULL) {
		text_comment(f, "\t\t", s->comment);
		fputc('\n', f);
	}
	text_elems(f, s);
	fputs("\t}\n\n", f);
}

static void
text_counter(FILE *f, const struct rs_counter *c)
{
	fprintf(f, "\tcounter %s {\n", c->name);
	if (c->comment != NULL) {
		text_comment(f, "\t\t", c->comment);
		fputc('\n', f);
	}
	fputs("\t}\n\n", f);
}

static const char *
text_hook(enum rs_hook h)
{
	switch (h) {
	case RS_HOOK_PREROUTING:
		return "prerouting";
	case RS_HOOK_INPUT:
		return "input";
	case RS_HOOK_FORWARD:
		return "forward";
	case RS_HOOK_OUTPUT:
		return "output";
	case RS_HOOK_POSTROUTING:
	case RS_HOOK_NONE:
		break;
	}
	return "postrouting";
}

static void
text_l4proto(FILE *f, uint32_t p)
{
	switch (p) {
	case IPPROTO_TCP:
		fputs("tcp", f);
		break;
	case IPPROTO_UDP:
		fputs("udp", f);
		break;
	case IPPROTO_ICMP:
		fputs("icmp", f);
		break;
	case IPPROTO_ICMPV6:
		fputs("ipv6-icmp", f);
		break;
	default:
		fprintf(f, "%u", p);
		break;
	}
}

static void
text_range(FILE *f, unsigned lo, unsigned hi)
{
	if (lo == hi)
		fprintf(f, "%u", lo);
	else
		fprintf(f, "%u-%u", lo, hi);
}

static void
text_ct_state(FILE *f, uint32_t mask)
{
	static const struct {
		uint32_t	 bit;
		const char	*name;
	} states[] = {
		{ RS_CT_INVALID, "invalid" },
		{ RS_CT_ESTABLISHED, "established" },
		{ RS_CT_RELATED, "related" },
		{ RS_CT_NEW, "new" },
		{ 1U << 6, "untracked" },
	};
	const char *sep = "";
	size_t i;

	fputs("ct state ", f);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (mask & states[i].bit) {
			fprintf(f, "%s%s", sep, states[i].name);
			sep = ",";
			mask &= ~states[i].bit;
		}
	if (mask != 0)		/* bits nft has no name for */
		fprintf(f, "%s0x%x", sep, mask);
}

static void
text_match(FILE *f, const struct ruleset *rs, const struct rs_match *m)
{
	const struct rs_set *s;
	const char *ne = m->neg ? "!= " : "";
	const char *ip;

	switch (m->type) {
	case RS_M_IIFNAME:
		fprintf(f, "iifname %s\"%.*s\"", ne, RS_IFNAME_MAX, m->ifname);
		break;
	case RS_M_IIFNAME_SET:
		fprintf(f, "iifname %s@%s", ne, m->set);
		break;
	case RS_M_OIFNAME_SET:
		fprintf(f, "oifname %s@%s", ne, m->set);
		break;
	case RS_M_NFPROTO:
		fprintf(f, "meta nfproto %s",
		    m->u == NFPROTO_IPV6 ? "ipv6" : "ipv4");
		break;
	case RS_M_SADDR_SET:
	case RS_M_DADDR_SET:
	case RS_M_SADDR_ETHER_SET:
		s = rs_find_set(rs, m->set);
		ip = s != NULL && rs_set_is_ipv6(s) ? "ip6" : "ip";
		fprintf(f, "%s %s%s %s@%s", ip,
		    m->type == RS_M_DADDR_SET ? "daddr" : "saddr",
		    m->type == RS_M_SADDR_ETHER_SET ? " . ether saddr" : "",
		    ne, m->set);
		break;
	case RS_M_L4PROTO:
		fputs("meta l4proto ", f);
		text_l4proto(f, m->u);
		break;
	case RS_M_DPORT:
		fputs("th dport ", f);
		text_range(f, m->lo, m->hi);
		break;
	case RS_M_ICMP_TYPE:
		fputs("icmp type ", f);
		text_range(f, m->lo, m->hi);
		break;
	case RS_M_ICMPV6_TYPE:
		fputs("icmpv6 type ", f);
		text_range(f, m->lo, m->hi);
		break;
	case RS_M_CT_STATE:
		text_ct_state(f, m->u);
		break;
	}
}

static void
text_rule(FILE *f, const struct ruleset *rs, const struct rs_rule *r)
{
	const char *sep = "\t\t";
	size_t i;

	for (i = 0; i < r->n_m; i++) {
		fputs(sep, f);
		text_match(f, rs, &r->m[i]);
		sep = " ";
	}
	if (r->counter) {
		fprintf(f, "%scounter", sep);
		sep = " ";
	}
	if (r->counter_obj[0] != '\0') {
		fprintf(f, "%scounter name \"%s\"", sep, r->counter_obj);
		sep = " ";
	}
	switch (r->verdict) {
	case RS_V_NONE:
		break;
	case RS_V_ACCEPT:
		fprintf(f, "%saccept", sep);
		break;
	case RS_V_DROP:
		fprintf(f, "%sdrop", sep);
		break;
	case RS_V_JUMP:
		fprintf(f, "%sjump %s", sep, r->target);
		break;
	case RS_V_RETURN:
		fprintf(f, "%sreturn", sep);
		break;
	}
	if (r->comment != NULL && *r->comment != '\0')
		text_comment(f, " ", r->comment);
	fputc('\n', f);
}

static void
text_chain(FILE *f, const struct ruleset *rs, const struct rs_chain *c)
{
	size_t i;

	fprintf(f, "\tchain %s {\n", c->name);
	if (c->hook != RS_HOOK_NONE) {
		fprintf(f, "\t\ttype filter hook %s priority ",
		    text_hook(c->hook));
		if (c->prio == 0)
			fputs("filter", f);
		else
			fprintf(f, "%d", c->prio);
		fprintf(f, "; policy %s;\n", c->policy_drop ? "drop" : "accept");
	}
	for (i = 0; i < c->n_rules; i++)
		text_rule(f, rs, &c->rules[i]);
	fputs("\t}\n", f);
}

char *
ruleset_to_nft(const struct ruleset *rs)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("%s: open_memstream", __func__);
	/* Create if absent so that the delete cannot fail, then replace:
	 * nft -f runs the three in one transaction, as nft_apply() does. */
	fprintf(f, "table inet %s\ndelete table inet %s\ntable inet %s {\n",
	    RS_TABLE_NAME, RS_TABLE_NAME, RS_TABLE_NAME);
	for (i = 0; i < rs->n_sets; i++)
		text_set(f, &rs->sets[i]);
	for (i = 0; i < rs->n_counters; i++)
		text_counter(f, &rs->counters[i]);
	for (i = 0; i < rs->n_chains; i++) {
		if (i > 0)
			fputc('\n', f);
		text_chain(f, rs, &rs->chains[i]);
	}
	fputs("}\n", f);
	if (ferror(f) || fclose(f) != 0)
		fatalx("%s: out of memory", __func__);
	return buf;
}
