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
	return rs_set_addr_len(s) == 16 ? 16 : 4;
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
	case RS_SET_IPV4_IPV4:
		return "ipv4_addr . ipv4_addr";
	case RS_SET_IPV6_IPV6:
		return "ipv6_addr . ipv6_addr";
	case RS_SET_ETHER_IPV4:
		return "ether_addr . ipv4_addr";
	case RS_SET_ETHER_IPV6:
		return "ether_addr . ipv6_addr";
	case RS_SET_IFNAME_IFNAME:
		return "ifname . ifname";
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

/* An address, with its prefix length when it is a shorter prefix. */
static void
text_prefix(FILE *f, const uint8_t *addr, unsigned plen, unsigned alen)
{
	text_addr(f, addr, alen);
	if (plen < alen * 8)
		fprintf(f, "/%u", plen);
}

static void
text_elem(FILE *f, const struct rs_set *s, const struct rs_elem *e,
    int64_t now)
{
	unsigned alen = text_addr_len(s);

	switch (s->type) {
	case RS_SET_IFNAME:
		fprintf(f, "\"%.*s\"", RS_IFNAME_MAX, e->ifname);
		break;
	case RS_SET_IFNAME_IFNAME:
		fprintf(f, "\"%.*s\" . \"%.*s\"", RS_IFNAME_MAX, e->ifname,
		    RS_IFNAME_MAX, e->ifname2);
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
	case RS_SET_ETHER_IPV4:
	case RS_SET_ETHER_IPV6:
		text_mac(f, e->mac);
		fputs(" . ", f);
		text_addr(f, e->addr, alen);
		break;
	case RS_SET_IPV4_IPV4:
	case RS_SET_IPV6_IPV6:
		text_prefix(f, e->addr, e->plen, alen);
		fputs(" . ", f);
		text_prefix(f, e->addr2, e->plen2, alen);
		break;
	case RS_SET_IPV4:
	case RS_SET_IPV6:
		if (rs_set_is_ranges(s))
			text_prefix(f, e->addr, e->plen, alen);
		else
			text_addr(f, e->addr, alen);
		break;
	}
	/* rs_set_canonical() cleared expiries of sets without timeouts and
	 * dropped what has expired. */
	if (e->expires_ms != 0)
		fprintf(f, " timeout %lldms",
		    (long long)(e->expires_ms > now ? e->expires_ms - now : 1));
}

/* The elements as build.c sends them: host bits cleared, sorted, expired,
 * covered and duplicate elements dropped; the caller's set is left alone. */
static void
text_elems(FILE *f, const struct rs_set *s)
{
	int64_t now = rs_now_ms();
	struct rs_elem *v;
	size_t j, n;

	n = rs_set_canonical(s, now, &v);
	if (n > 0) {
		fputs("\t\telements = { ", f);
		for (j = 0; j < n; j++) {
			if (j > 0)
				fputs(j % TEXT_PER_LINE ? ", " :
				    ",\n\t\t\t     ", f);
			text_elem(f, s, &v[j], now);
		}
		fputs(" }\n", f);
	}
	free(v);
}

static void
text_set(FILE *f, const struct rs_set *s)
{
	const char *sep = "\t\tflags ";

	fprintf(f, "\tset %s {\n\t\ttype %s\n", s->name, text_set_type(s));
	if (rs_set_is_ranges(s)) {
		fprintf(f, "%sinterval", sep);
		sep = ",";
	}
	if (s->dynamic) {
		fprintf(f, "%sdynamic", sep);
		sep = ",";
	}
	if (s->timeout || (s->dynamic && s->gc_timeout_ms > 0)) {
		fprintf(f, "%stimeout", sep);
		sep = ",";
	}
	if (sep[0] == ',')
		fputc('\n', f);
	if (s->dynamic && s->gc_timeout_ms > 0)
		fprintf(f, "\t\ttimeout %ums\n", s->gc_timeout_ms);
	if (s->counter)
		fputs("\t\tcounter\n", f);
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
		ip = s != NULL && rs_set_addr_len(s) == 16 ? "ip6" : "ip";
		fprintf(f, "%s %s%s %s@%s", ip,
		    m->type == RS_M_DADDR_SET ? "daddr" : "saddr",
		    m->type == RS_M_SADDR_ETHER_SET ? " . ether saddr" : "",
		    ne, m->set);
		break;
	case RS_M_ETHER_SADDR_SET:
		fprintf(f, "ether saddr %s@%s", ne, m->set);
		break;
	case RS_M_SADDR_DADDR_SET:
	case RS_M_DADDR_SADDR_SET:
		s = rs_find_set(rs, m->set);
		ip = s != NULL && rs_set_addr_len(s) == 16 ? "ip6" : "ip";
		fprintf(f, "%s %s . %s %s %s@%s", ip,
		    m->type == RS_M_SADDR_DADDR_SET ? "saddr" : "daddr", ip,
		    m->type == RS_M_SADDR_DADDR_SET ? "daddr" : "saddr", ne,
		    m->set);
		break;
	case RS_M_ETHER_SADDR_DADDR_SET:
		s = rs_find_set(rs, m->set);
		ip = s != NULL && rs_set_addr_len(s) == 16 ? "ip6" : "ip";
		fprintf(f, "ether saddr . %s daddr %s@%s", ip, ne, m->set);
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

/* In the order build.c sends them: limit, counter, log. */
static void
text_log(FILE *f, const char *sep, const struct rs_log *l)
{
	if (l->rl_rate > 0) {
		fprintf(f, "%slimit rate %u/second burst %u packets", sep,
		    l->rl_rate, l->rl_burst);
		sep = " ";
	}
	if (l->rl_counter[0] != '\0') {
		fprintf(f, "%scounter name \"%s\"", sep, l->rl_counter);
		sep = " ";
	}
	fprintf(f, "%slog prefix \"%.*s\" group %u", sep,
	    RS_LOG_PREFIX_MAX, l->rl_prefix, l->rl_group);
	if (l->rl_snaplen > 0)
		fprintf(f, " snaplen %u", l->rl_snaplen);
}

static void
text_rule(FILE *f, const struct ruleset *rs, const struct rs_rule *r)
{
	const struct rs_set *s;
	const char *sep = "\t\t";
	size_t i;

	for (i = 0; i < r->n_m; i++) {
		fputs(sep, f);
		text_match(f, rs, &r->m[i]);
		sep = " ";
	}
	if (r->update_set[0] != '\0') {
		s = rs_find_set(rs, r->update_set);
		fprintf(f, "%supdate @%s { %s saddr }", sep, r->update_set,
		    s != NULL && rs_set_addr_len(s) == 16 ? "ip6" : "ip");
		sep = " ";
	}
	if (r->add_ifpair[0] != '\0') {
		fprintf(f, "%sadd @%s { iifname . oifname }", sep,
		    r->add_ifpair);
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
	if (r->log.rl_group != 0) {
		text_log(f, sep, &r->log);
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
