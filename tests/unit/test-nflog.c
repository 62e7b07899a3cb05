/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The nflog parser with crafted messages: packets of every kind it reads,
 * garbage and truncated messages counted and skipped. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>
#include <linux/if_ether.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>

#include <libmnl/libmnl.h>

#include "../../daemon/compile.h"
#include "../../daemon/settings.h"
#include "../../nftables/nflog.h"
#include "unit-policy.h"

/* Netlink buffers must be aligned as the kernel's are. */
static uint32_t buf32[4096];
#define BUF	((char *)buf32)

static const uint8_t mac[6] = { 0x02, 0x5a, 0x00, 0x1e, 0x00, 0x64 };

/* The IPv4 TCP SYN inet-pc sends to mn-term: 10.30.0.100:40001 ->
 * 10.10.0.20:443, total length 60. */
static const uint8_t ip4_tcp[] = {
	0x45, 0x00, 0x00, 0x3c, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0, 0,
	10, 30, 0, 100, 10, 10, 0, 20,
	0x9c, 0x41, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0xa0, 0x02, 0xfa, 0xf0,
};

/* IPv6 UDP behind a hop-by-hop header: fd00:20::100:5353 ->
 * fd00:30::100:53, payload length 8 + 8 + 4. */
static const uint8_t ip6_udp[] = {
	0x60, 0, 0, 0, 0x00, 0x14, IPPROTO_HOPOPTS, 64,
	0xfd, 0, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00,
	0xfd, 0, 0, 0x30, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0x00,
	IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0,		/* hop-by-hop, 8 bytes */
	0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0, 0,	/* UDP 5353 -> 53 */
	1, 2, 3, 4,
};

/* ICMP echo request 10.20.0.100 -> 10.30.0.100. */
static const uint8_t ip4_icmp[] = {
	0x45, 0x00, 0x00, 0x54, 0, 1, 0, 0, 64, IPPROTO_ICMP, 0, 0,
	10, 20, 0, 100, 10, 30, 0, 100,
	8, 0, 0, 0, 0, 1, 0, 1,
};

/**
 * struct msg - what build() puts into a message
 * @m_type: nlmsg_type (0: the nflog packet type)
 * @m_payload: copied packet (NULL: no NFULA_PAYLOAD)
 */
struct msg {
	uint16_t	 m_type;
	uint8_t		 m_version;
	const char	*m_prefix;
	const uint8_t	*m_payload;
	size_t		 m_plen;
	uint16_t	 m_hw_protocol;
	bool		 m_seq;
	uint32_t	 m_seqno;
	bool		 m_no_hdr;
};

/* One nflog packet message at @at; returns its nlmsg_len. */
static size_t
build(char *at, const struct msg *m)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct nfulnl_msg_packet_hdr ph = { 0 };
	struct nfulnl_msg_packet_hw hw = { 0 };
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = m->m_type ? m->m_type :
	    (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->version = m->m_version;
	nfg->res_id = htons(NFLOG_GROUP);
	ph.hw_protocol = htons(m->m_hw_protocol);
	ph.hook = 2;
	if (!m->m_no_hdr)
		mnl_attr_put(nlh, NFULA_PACKET_HDR, sizeof(ph), &ph);
	if (m->m_prefix != NULL)
		mnl_attr_put_strz(nlh, NFULA_PREFIX, m->m_prefix);
	mnl_attr_put_u32(nlh, NFULA_IFINDEX_INDEV, htonl(3));
	mnl_attr_put_u32(nlh, NFULA_IFINDEX_OUTDEV, htonl(4));
	hw.hw_addrlen = htons(6);
	memcpy(hw.hw_addr, mac, 6);
	mnl_attr_put(nlh, NFULA_HWADDR, sizeof(hw), &hw);
	if (m->m_seq)
		mnl_attr_put_u32(nlh, NFULA_SEQ, htonl(m->m_seqno));
	if (m->m_payload != NULL)
		mnl_attr_put(nlh, NFULA_PAYLOAD, m->m_plen, m->m_payload);
	return nlh->nlmsg_len;
}

static enum nflog_result
parse(const struct msg *m, struct nflog_packet *pk, const char **why)
{
	size_t len = build(BUF, m), used;

	*why = NULL;
	return nflog_parse(BUF, len, pk, &used, why);
}

static const struct msg tcp4 = {
	.m_prefix = NFLOG_PREFIX_DENY, .m_payload = ip4_tcp,
	.m_plen = sizeof(ip4_tcp), .m_hw_protocol = ETH_P_IP, .m_seq = true,
	.m_seqno = 7,
};

START_TEST(valid_ipv4_tcp)
{
	struct nflog_packet pk;
	const char *why;
	char a[INET6_ADDRSTRLEN];

	ck_assert_int_eq(parse(&tcp4, &pk, &why), NFLOG_PACKET);
	ck_assert_str_eq(pk.np_prefix, "sanso deny");
	ck_assert_uint_eq(pk.np_group, NFLOG_GROUP);
	ck_assert_uint_eq(pk.np_indev, 3);
	ck_assert_uint_eq(pk.np_outdev, 4);
	ck_assert_uint_eq(pk.np_hwlen, 6);
	ck_assert_mem_eq(pk.np_hwaddr, mac, 6);
	ck_assert_int_eq(pk.np_family, AF_INET);
	ck_assert_str_eq(inet_ntop(AF_INET, pk.np_src, a, sizeof(a)),
	    "10.30.0.100");
	ck_assert_str_eq(inet_ntop(AF_INET, pk.np_dst, a, sizeof(a)),
	    "10.10.0.20");
	ck_assert_uint_eq(pk.np_proto, IPPROTO_TCP);
	ck_assert(pk.np_has_ports);
	ck_assert_uint_eq(pk.np_sport, 40001);
	ck_assert_uint_eq(pk.np_dport, 443);
	ck_assert(!pk.np_has_icmp);
	ck_assert_uint_eq(pk.np_length, 60);
	ck_assert(pk.np_has_seq);
	ck_assert_uint_eq(pk.np_seq, 7);
}
END_TEST

START_TEST(valid_ipv6_udp)
{
	struct msg m = { .m_prefix = "sanso conduit screen",
	    .m_payload = ip6_udp, .m_plen = sizeof(ip6_udp),
	    .m_hw_protocol = ETH_P_IPV6 };
	struct nflog_packet pk;
	const char *why;
	char a[INET6_ADDRSTRLEN];

	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_PACKET);
	ck_assert_int_eq(pk.np_family, AF_INET6);
	ck_assert_str_eq(inet_ntop(AF_INET6, pk.np_src, a, sizeof(a)),
	    "fd00:20::100");
	ck_assert_str_eq(inet_ntop(AF_INET6, pk.np_dst, a, sizeof(a)),
	    "fd00:30::100");
	ck_assert_uint_eq(pk.np_proto, IPPROTO_UDP);
	ck_assert_uint_eq(pk.np_sport, 5353);
	ck_assert_uint_eq(pk.np_dport, 53);
	ck_assert_uint_eq(pk.np_length, 60);
	ck_assert(!pk.np_has_seq);
	ck_assert_str_eq(pk.np_prefix, "sanso conduit screen");
}
END_TEST

START_TEST(valid_icmp)
{
	struct msg m = { .m_prefix = NFLOG_PREFIX_ISOLATION,
	    .m_payload = ip4_icmp, .m_plen = sizeof(ip4_icmp) };
	struct nflog_packet pk;
	const char *why;

	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_PACKET);
	ck_assert_uint_eq(pk.np_proto, IPPROTO_ICMP);
	ck_assert(pk.np_has_icmp);
	ck_assert(!pk.np_has_ports);
	ck_assert_uint_eq(pk.np_icmp_type, 8);
	ck_assert_uint_eq(pk.np_icmp_code, 0);
	ck_assert_uint_eq(pk.np_length, 84);
}
END_TEST

/* A later fragment has no ports, and that is no error. */
START_TEST(valid_fragment)
{
	uint8_t frag[sizeof(ip4_tcp)];
	struct msg m = tcp4;
	struct nflog_packet pk;
	const char *why;

	memcpy(frag, ip4_tcp, sizeof(frag));
	frag[6] = 0x00;
	frag[7] = 0xb9;		/* offset 185 * 8 */
	m.m_payload = frag;
	m.m_plen = 20;		/* and nothing after the IP header */
	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_PACKET);
	ck_assert_uint_eq(pk.np_proto, IPPROTO_TCP);
	ck_assert(!pk.np_has_ports);
}
END_TEST

/* Messages that are not nflog packets, or make no sense. */
START_TEST(garbage)
{
	uint8_t ip5[sizeof(ip4_tcp)], badihl[sizeof(ip4_tcp)];
	struct nflog_packet pk;
	struct msg m;
	const char *why;
	struct nlattr *a;
	size_t len, used;

	m = tcp4;
	m.m_type = (NFNL_SUBSYS_CTNETLINK << 8) | 0;
	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_GARBAGE);
	ck_assert_str_eq(why, "not an nflog packet message");

	m = tcp4;
	m.m_version = 1;
	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_GARBAGE);

	m = tcp4;
	m.m_no_hdr = true;
	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_GARBAGE);
	ck_assert_str_eq(why, "no packet header");

	memcpy(ip5, ip4_tcp, sizeof(ip5));
	ip5[0] = 0x55;
	m = tcp4;
	m.m_payload = ip5;
	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_GARBAGE);
	ck_assert_str_eq(why, "neither IPv4 nor IPv6");

	memcpy(badihl, ip4_tcp, sizeof(badihl));
	badihl[0] = 0x43;
	m.m_payload = badihl;
	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_GARBAGE);

	/* IPv6 inside an IPv4 frame. */
	m = tcp4;
	m.m_hw_protocol = ETH_P_IPV6;
	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_GARBAGE);

	/* NFULA_SEQ of 2 bytes instead of 4. */
	len = build(BUF, &tcp4);
	mnl_attr_for_each(a, (struct nlmsghdr *)BUF,
	    sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFULA_SEQ)
			a->nla_len = MNL_ATTR_HDRLEN + 2;
	ck_assert_int_eq(nflog_parse(BUF, len, &pk, &used, &why),
	    NFLOG_GARBAGE);

	/* A netlink length below its own header: nothing to step over. */
	memset(BUF, 0xff, 64);
	((struct nlmsghdr *)BUF)->nlmsg_len = 8;
	ck_assert_int_eq(nflog_parse(BUF, 64, &pk, &used, &why),
	    NFLOG_GARBAGE);
	ck_assert_uint_eq(used, 0);
}
END_TEST

START_TEST(truncated_attribute)
{
	struct nlmsghdr *nlh;
	struct nlattr *a;
	struct nflog_packet pk;
	const char *why;
	size_t len, used;

	/* The payload attribute claims 40 bytes more than the message has. */
	len = build(BUF, &tcp4);
	nlh = (struct nlmsghdr *)BUF;
	mnl_attr_for_each(a, nlh, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFULA_PAYLOAD)
			break;
	a->nla_len += 40;
	ck_assert_int_eq(nflog_parse(BUF, len, &pk, &used, &why),
	    NFLOG_TRUNCATED);
	ck_assert_str_eq(why, "attribute cut off");
	ck_assert_uint_eq(used, len);	/* the next message is still found */

	/* The message says it is longer than what was read. */
	len = build(BUF, &tcp4);
	ck_assert_int_eq(nflog_parse(BUF, len - 8, &pk, &used, &why),
	    NFLOG_TRUNCATED);
	ck_assert_uint_eq(used, 0);
	ck_assert_int_eq(nflog_parse(BUF, 10, &pk, &used, &why),
	    NFLOG_TRUNCATED);
}
END_TEST

START_TEST(truncated_payload)
{
	uint8_t opts[24];
	struct msg m = tcp4;
	struct nflog_packet pk;
	const char *why;

	m.m_plen = 22;		/* IP header and half a port */
	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_TRUNCATED);
	ck_assert_str_eq(why, "transport header cut off");
	m.m_plen = 12;
	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_TRUNCATED);
	ck_assert_str_eq(why, "IPv4 header cut off");
	/* IHL 6 with only 20 bytes copied. */
	memcpy(opts, ip4_tcp, 20);
	opts[0] = 0x46;
	m.m_payload = opts;
	m.m_plen = 20;
	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_TRUNCATED);
	/* IPv6 cut in the hop-by-hop header. */
	m.m_payload = ip6_udp;
	m.m_plen = 44;
	m.m_hw_protocol = ETH_P_IPV6;
	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_TRUNCATED);
	ck_assert_str_eq(why, "IPv6 extension header cut off");
	/* No packet at all (copy mode "meta"). */
	m.m_payload = NULL;
	ck_assert_int_eq(parse(&m, &pk, &why), NFLOG_TRUNCATED);
}
END_TEST

static size_t n_cb;

static void
count_cb(const struct nflog_packet *pk, void *arg)
{
	(void)pk;
	(void)arg;
	n_cb++;
}

/* One batch as the kernel sends it (several messages, then NLMSG_DONE),
 * with bad ones among them: each is counted, the good ones still read,
 * and the gap in the sequence numbers is lost messages. */
START_TEST(batch_counts)
{
	struct nflog *l = nflog_detached();
	const struct nflog_stats *st = nflog_stats(l);
	struct msg m = tcp4;
	struct nlmsghdr *done;
	struct nlattr *a;
	char *p = BUF;

	m.m_seqno = 10;
	p += NLMSG_ALIGN(build(p, &m));
	m.m_seqno = 11;
	m.m_payload = (const uint8_t *)"\x55";	/* garbage */
	m.m_plen = 1;
	p += NLMSG_ALIGN(build(p, &m));
	m = tcp4;
	m.m_seqno = 12;
	m.m_plen = 21;				/* truncated */
	p += NLMSG_ALIGN(build(p, &m));
	m = tcp4;
	m.m_seqno = 15;				/* 13 and 14 lost */
	p += NLMSG_ALIGN(build(p, &m));
	done = mnl_nlmsg_put_header(p);
	done->nlmsg_type = NLMSG_DONE;
	p += NLMSG_ALIGN(done->nlmsg_len);
	n_cb = 0;
	ck_assert_uint_eq(nflog_feed(l, BUF, (size_t)(p - BUF), count_cb,
	    NULL), 4);
	ck_assert_uint_eq(n_cb, 2);
	ck_assert_uint_eq(st->ns_received, 4);
	ck_assert_uint_eq(st->ns_parsed, 2);
	ck_assert_uint_eq(st->ns_garbage, 1);
	ck_assert_uint_eq(st->ns_truncated, 1);
	ck_assert_uint_eq(st->ns_lost_seq, 2);

	/* A message whose attribute runs past the datagram ends it, and
	 * counts; nothing is read beyond. */
	m = tcp4;
	m.m_seqno = 16;
	build(BUF, &m);
	mnl_attr_for_each(a, (struct nlmsghdr *)BUF, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == NFULA_PAYLOAD)
			a->nla_len = 0xffff;
	ck_assert_uint_eq(nflog_feed(l, BUF, 40, count_cb, NULL), 1);
	ck_assert_uint_eq(st->ns_truncated, 2);
	ck_assert_uint_eq(n_cb, 2);
	nflog_close(l);
}
END_TEST

START_TEST(seq_gaps)
{
	bool have = false;
	uint32_t next = 0;

	ck_assert_uint_eq(nflog_seq_gap(&have, &next, 100), 0);
	ck_assert_uint_eq(nflog_seq_gap(&have, &next, 101), 0);
	ck_assert_uint_eq(nflog_seq_gap(&have, &next, 105), 3);
	/* Back to 0: the kernel's instance was made anew, not a gap. */
	ck_assert_uint_eq(nflog_seq_gap(&have, &next, 0), 0);
	/* Across the wrap of the 32-bit counter. */
	next = UINT32_MAX;
	ck_assert_uint_eq(nflog_seq_gap(&have, &next, 1), 2);
}
END_TEST

/* The first rule of @chain whose log prefix is @prefix, or NULL. */
static const struct rs_rule *
logged(const struct ruleset *rs, const char *chain, const char *prefix)
{
	const struct rs_chain *ch = rs_find_chain(rs, chain);
	size_t i;

	ck_assert_ptr_nonnull(ch);
	for (i = 0; i < ch->n_rules; i++)
		if (ch->rules[i].log.rl_group != 0 &&
		    strcmp(ch->rules[i].log.rl_prefix, prefix) == 0)
			return &ch->rules[i];
	return NULL;
}

/* The compiled α policy logs what issue 5 asks for, with sansod.yaml's
 * rate, and counts drops per interface pair. */
START_TEST(compiled_rules)
{
	static const char yaml[] = "packets:\n  rate: 7\n  burst: 3\n";
	struct settings st;
	struct diags d;
	struct policy *p = unit_policy_alpha();
	struct ruleset *rs;
	const struct rs_rule *r;
	const struct rs_chain *fwd;
	const struct rs_set *s;
	size_t i, n_screen = 0, n_plain = 0;

	ck_assert_ptr_nonnull(p);
	diags_init(&d, yaml, strlen(yaml));
	ck_assert(settings_parse("t.yaml", yaml, strlen(yaml), &st, &d));
	diags_free(&d);
	settings_install(&st);
	rs = compile_policy(p);

	/* Denied: counted per pair, then logged behind the limit, last
	 * before the final drop. */
	fwd = rs_find_chain(rs, CHAIN_FORWARD);
	r = &fwd->rules[fwd->n_rules - 2];
	ck_assert_str_eq(r->add_ifpair, NFLOG_SET_DENYPAIRS);
	ck_assert_str_eq(r->log.rl_prefix, NFLOG_PREFIX_DENY);
	ck_assert_uint_eq(r->log.rl_group, NFLOG_GROUP);
	ck_assert_uint_eq(r->log.rl_snaplen, NFLOG_SNAPLEN);
	ck_assert_uint_eq(r->log.rl_rate, 7);
	ck_assert_uint_eq(r->log.rl_burst, 3);
	ck_assert_str_eq(r->log.rl_counter, NFLOG_COUNTER_DENY);
	ck_assert_int_eq(r->verdict, RS_V_NONE);
	ck_assert_int_eq(fwd->rules[fwd->n_rules - 1].verdict, RS_V_DROP);
	s = rs_find_set(rs, NFLOG_SET_DENYPAIRS);
	ck_assert_ptr_nonnull(s);
	ck_assert(s->dynamic && s->counter && !s->timeout && !s->interval);
	ck_assert_int_eq(s->type, RS_SET_IFNAME_IFNAME);

	/* Sanitiser crossing and 特定通信: logged, never limited (the
	 * accept is in the same rule); an ordinary conduit: not logged. */
	for (i = 0; i < fwd->n_rules; i++) {
		r = &fwd->rules[i];
		if (strcmp(r->counter_obj, "c_screen") == 0) {
			ck_assert_str_eq(r->log.rl_prefix,
			    "sanso conduit screen");
			ck_assert_uint_eq(r->log.rl_rate, 0);
			ck_assert_int_eq(r->verdict, RS_V_ACCEPT);
			n_screen++;
		}
		if (strcmp(r->counter_obj, "c_mn-chukan") == 0)
			ck_assert_str_eq(r->log.rl_prefix,
			    "sanso conduit mn-chukan");
		if (strcmp(r->counter_obj, "c_lgwan-out") == 0) {
			ck_assert_uint_eq(r->log.rl_group, 0);
			n_plain++;
		}
	}
	ck_assert_uint_gt(n_screen, 0);
	ck_assert_uint_gt(n_plain, 0);

	/* The anti-spoof drop jumps to the chain that logs "unknown MAC". */
	ck_assert_str_eq(fwd->rules[3].target, "pin_drop");
	r = logged(rs, "pin_drop", NFLOG_PREFIX_MAC);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(r->log.rl_rate, 7);
	ck_assert_int_eq(rs_find_chain(rs, "pin_drop")->rules[1].verdict,
	    RS_V_DROP);
	ck_assert_ptr_nonnull(logged(rs, CHAIN_QUARANTINE_DROP,
	    NFLOG_PREFIX_QUARANTINE));

	/* Isolation drops go through the logging chain. */
	compile_isolations(rs, NULL, 0);
	ck_assert_ptr_nonnull(logged(rs, "isolation_drop",
	    NFLOG_PREFIX_ISOLATION));
	fwd = rs_find_chain(rs, CHAIN_ISOLATION);
	for (i = 0; i < fwd->n_rules; i++)
		ck_assert_int_ne(fwd->rules[i].verdict, RS_V_DROP);

	/* The text the lab compares with the kernel has all of it. */
	{
		char *text = ruleset_to_nft(rs);

		ck_assert_ptr_nonnull(strstr(text, "add @denypairs { iifname . "
		    "oifname } limit rate 7/second burst 3 packets counter name "
		    "\"c_log_deny\" log prefix \"sanso deny\" group 7310 "
		    "snaplen 96"));
		ck_assert_ptr_nonnull(strstr(text, "type ifname . ifname\n"
		    "\t\tflags dynamic\n\t\tcounter\n"));
		free(text);
	}
	ruleset_free(rs);
	policy_free(p);
	settings_clear();
}
END_TEST

/* A bad packets: value is refused with its place and key; defaults
 * otherwise. */
START_TEST(settings_packets)
{
	static const char bad[] = "packets:\n  rate: lots\n";
	struct settings st;
	struct diags d;
	char *msg;

	settings_defaults(&st);
	ck_assert_uint_eq(st.se_packets.sk_rate, 50);
	ck_assert_uint_eq(st.se_packets.sk_burst, 100);
	settings_free(&st);
	diags_init(&d, bad, strlen(bad));
	ck_assert(!settings_parse("s.yaml", bad, strlen(bad), &st, &d));
	ck_assert_uint_ge(d.n, 1);
	msg = diag_format(&d.v[0]);
	ck_assert_msg(strstr(msg, "s.yaml:2:") != NULL &&
	    strstr(msg, "rate") != NULL, "message: %s", msg);
	free(msg);
	diags_free(&d);
	settings_free(&st);
}
END_TEST

static Suite *
nflog_suite(void)
{
	Suite *s = suite_create("nflog");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, valid_ipv4_tcp);
	tcase_add_test(tc, valid_ipv6_udp);
	tcase_add_test(tc, valid_icmp);
	tcase_add_test(tc, valid_fragment);
	tcase_add_test(tc, garbage);
	tcase_add_test(tc, truncated_attribute);
	tcase_add_test(tc, truncated_payload);
	tcase_add_test(tc, batch_counts);
	tcase_add_test(tc, seq_gaps);
	suite_add_tcase(s, tc);
	tc = tcase_create("ruleset");
	tcase_add_test(tc, compiled_rules);
	tcase_add_test(tc, settings_packets);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(nflog_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
