/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Packet events: the nflog socket and a pure parser for its messages. */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_log.h>
#include <linux/netlink.h>

#include <libmnl/libmnl.h>

#include "../daemon/xmalloc.h"
#include "nflog.h"

/* A burst of packets is many messages at once; FORCE needs CAP_NET_ADMIN
 * (which the opener has), plain SO_RCVBUF is capped by rmem_max. */
#define NFLOG_RCVBUF		(16 * 1024 * 1024)
/* The kernel's largest batch (NFULA_CFG_NLBUFSIZ, capped at 128 KiB by
 * nfnetlink_log) must fit one recv. */
#define NFLOG_NLBUFSIZ		(64 * 1024)
#define NFLOG_BUF		(NFLOG_NLBUFSIZ + 4096)
#define NFLOG_EXT_MAX		8	/* IPv6 extension headers walked */

struct nflog {
	struct mnl_socket	*nl_sock;
	uint16_t		 nl_group;
	struct nflog_stats	 nl_stats;
	bool			 nl_have_seq;
	uint32_t		 nl_next_seq;
	char			*nl_buf;
};

/* --- parser (pure) --------------------------------------------------- */

static enum nflog_result
nflog_bad(enum nflog_result r, const char **why, const char *what)
{
	if (why != NULL)
		*why = what;
	return r;
}

static uint16_t
nflog_be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ports or ICMP type/code from the transport header at @l4 (@len bytes
 * copied); false when the copy stops inside what is needed. */
static bool
nflog_l4(struct nflog_packet *out, const uint8_t *l4, size_t len)
{
	switch (out->np_proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
		if (len < 4)
			return false;
		out->np_sport = nflog_be16(l4);
		out->np_dport = nflog_be16(l4 + 2);
		out->np_has_ports = true;
		return true;
	case IPPROTO_ICMP:
		if (out->np_family != AF_INET)
			return true;
		break;
	case IPPROTO_ICMPV6:
		if (out->np_family != AF_INET6)
			return true;
		break;
	default:
		return true;
	}
	if (len < 2)
		return false;
	out->np_icmp_type = l4[0];
	out->np_icmp_code = l4[1];
	out->np_has_icmp = true;
	return true;
}

static enum nflog_result
nflog_ipv4(struct nflog_packet *out, const uint8_t *p, size_t len,
    const char **why)
{
	size_t ihl;

	if (len < 20)
		return nflog_bad(NFLOG_TRUNCATED, why, "IPv4 header cut off");
	ihl = (size_t)(p[0] & 0x0f) * 4;
	if (ihl < 20)
		return nflog_bad(NFLOG_GARBAGE, why,
		    "IPv4 header length below 20");
	if (len < ihl)
		return nflog_bad(NFLOG_TRUNCATED, why,
		    "IPv4 options cut off");
	out->np_family = AF_INET;
	out->np_length = nflog_be16(p + 2);
	out->np_proto = p[9];
	memcpy(out->np_src, p + 12, 4);
	memcpy(out->np_dst, p + 16, 4);
	/* A later fragment has no transport header. */
	if ((nflog_be16(p + 6) & 0x1fff) != 0)
		return NFLOG_PACKET;
	if (!nflog_l4(out, p + ihl, len - ihl))
		return nflog_bad(NFLOG_TRUNCATED, why,
		    "transport header cut off");
	return NFLOG_PACKET;
}

static enum nflog_result
nflog_ipv6(struct nflog_packet *out, const uint8_t *p, size_t len,
    const char **why)
{
	size_t off = 40, hlen;
	uint8_t nh;
	int i;

	if (len < 40)
		return nflog_bad(NFLOG_TRUNCATED, why, "IPv6 header cut off");
	out->np_family = AF_INET6;
	out->np_length = 40u + nflog_be16(p + 4);
	memcpy(out->np_src, p + 8, 16);
	memcpy(out->np_dst, p + 24, 16);
	nh = p[6];
	for (i = 0; i < NFLOG_EXT_MAX; i++) {
		switch (nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case IPPROTO_AH:
		case IPPROTO_FRAGMENT:
			break;
		default:
			out->np_proto = nh;
			if (!nflog_l4(out, p + off, len - off))
				return nflog_bad(NFLOG_TRUNCATED, why,
				    "transport header cut off");
			return NFLOG_PACKET;
		}
		if (len - off < 8)
			return nflog_bad(NFLOG_TRUNCATED, why,
			    "IPv6 extension header cut off");
		if (nh == IPPROTO_FRAGMENT) {
			hlen = 8;
			if ((nflog_be16(p + off + 2) & 0xfff8) != 0) {
				/* A later fragment: no transport header. */
				out->np_proto = p[off];
				return NFLOG_PACKET;
			}
		} else if (nh == IPPROTO_AH)
			hlen = ((size_t)p[off + 1] + 2) * 4;
		else
			hlen = ((size_t)p[off + 1] + 1) * 8;
		nh = p[off];
		if (len - off < hlen)
			return nflog_bad(NFLOG_TRUNCATED, why,
			    "IPv6 extension header cut off");
		off += hlen;
	}
	return nflog_bad(NFLOG_GARBAGE, why, "too many IPv6 extension headers");
}

/* Attribute payload lengths: exact where the kernel sends a fixed size
 * (0 = any length, checked by its user). */
static bool
nflog_attr_ok(const struct nlattr *a, uint16_t type)
{
	switch (type) {
	case NFULA_PACKET_HDR:
		return mnl_attr_get_payload_len(a) >=
		    sizeof(struct nfulnl_msg_packet_hdr);
	case NFULA_IFINDEX_INDEV:
	case NFULA_IFINDEX_OUTDEV:
	case NFULA_SEQ:
		return mnl_attr_validate(a, MNL_TYPE_U32) == 0;
	case NFULA_HWADDR:
		return mnl_attr_get_payload_len(a) >=
		    sizeof(struct nfulnl_msg_packet_hw);
	case NFULA_PREFIX:
		return mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0;
	default:
		return true;
	}
}

enum nflog_result
nflog_parse(const void *buf, size_t len, struct nflog_packet *out,
    size_t *msglen, const char **why)
{
	const struct nlattr *tb[NFULA_MAX + 1], *a;
	const struct nlmsghdr *nlh = buf;
	const struct nfgenmsg *nfg;
	const struct nfulnl_msg_packet_hdr *ph;
	const struct nfulnl_msg_packet_hw *hw;
	const uint8_t *pl;
	const char *tail;
	uint16_t type;
	size_t plen;

	*msglen = 0;
	memset(out, 0, sizeof(*out));
	if (len < sizeof(*nlh))
		return nflog_bad(NFLOG_TRUNCATED, why,
		    "netlink header cut off");
	if (nlh->nlmsg_len < sizeof(*nlh))
		return nflog_bad(NFLOG_GARBAGE, why,
		    "netlink length below its header");
	if (nlh->nlmsg_len > len)
		return nflog_bad(NFLOG_TRUNCATED, why,
		    "netlink message longer than what was read");
	/* libmnl walks attributes up to the aligned end: the padding must
	 * be there too (the kernel always sends it). */
	if (MNL_ALIGN(nlh->nlmsg_len) > len)
		return nflog_bad(NFLOG_TRUNCATED, why,
		    "netlink message padding cut off");
	*msglen = nlh->nlmsg_len;
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return NFLOG_SKIP;	/* done, noop, ack or error */
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_ULOG ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != NFULNL_MSG_PACKET)
		return nflog_bad(NFLOG_GARBAGE, why,
		    "not an nflog packet message");
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*nfg)))
		return nflog_bad(NFLOG_TRUNCATED, why,
		    "nfnetlink header cut off");
	nfg = mnl_nlmsg_get_payload(nlh);
	if (nfg->version != NFNETLINK_V0)
		return nflog_bad(NFLOG_GARBAGE, why,
		    "unknown nfnetlink version");
	out->np_group = ntohs(nfg->res_id);

	memset(tb, 0, sizeof(tb));
	tail = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_for_each(a, nlh, sizeof(*nfg)) {
		type = mnl_attr_get_type(a);
		if (type > NFULA_MAX)
			continue;	/* newer kernels' additions */
		if (!nflog_attr_ok(a, type))
			return nflog_bad(NFLOG_GARBAGE, why,
			    "attribute with the wrong length");
		tb[type] = a;
	}
	/* mnl_attr_for_each stops at the first attribute that does not fit;
	 * whatever is left was cut off or is not an attribute. */
	if ((const char *)a < tail) {
		if ((size_t)(tail - (const char *)a) < sizeof(*a) ||
		    a->nla_len > tail - (const char *)a)
			return nflog_bad(NFLOG_TRUNCATED, why,
			    "attribute cut off");
		return nflog_bad(NFLOG_GARBAGE, why,
		    "attribute length below its header");
	}
	if (tb[NFULA_PACKET_HDR] == NULL)
		return nflog_bad(NFLOG_GARBAGE, why, "no packet header");
	ph = mnl_attr_get_payload(tb[NFULA_PACKET_HDR]);
	if (tb[NFULA_PREFIX] != NULL) {
		/* Validated as NUL-terminated; a longer one than the
		 * kernel's limit is cut to it. */
		strncpy(out->np_prefix, mnl_attr_get_str(tb[NFULA_PREFIX]),
		    sizeof(out->np_prefix) - 1);
	}
	if (tb[NFULA_IFINDEX_INDEV] != NULL)
		out->np_indev = ntohl(mnl_attr_get_u32(tb[NFULA_IFINDEX_INDEV]));
	if (tb[NFULA_IFINDEX_OUTDEV] != NULL)
		out->np_outdev =
		    ntohl(mnl_attr_get_u32(tb[NFULA_IFINDEX_OUTDEV]));
	if (tb[NFULA_SEQ] != NULL) {
		out->np_has_seq = true;
		out->np_seq = ntohl(mnl_attr_get_u32(tb[NFULA_SEQ]));
	}
	if (tb[NFULA_HWADDR] != NULL) {
		hw = mnl_attr_get_payload(tb[NFULA_HWADDR]);
		out->np_hwlen = ntohs(hw->hw_addrlen);
		if (out->np_hwlen > sizeof(hw->hw_addr))
			return nflog_bad(NFLOG_GARBAGE, why,
			    "hardware address longer than 8 bytes");
		memcpy(out->np_hwaddr, hw->hw_addr, out->np_hwlen);
	}
	if (tb[NFULA_PAYLOAD] == NULL)
		return nflog_bad(NFLOG_TRUNCATED, why, "no packet copied");
	pl = mnl_attr_get_payload(tb[NFULA_PAYLOAD]);
	plen = mnl_attr_get_payload_len(tb[NFULA_PAYLOAD]);
	if (plen < 1)
		return nflog_bad(NFLOG_TRUNCATED, why, "empty packet copy");
	switch (pl[0] >> 4) {
	case 4:
		if (ph->hw_protocol != 0 && ph->hw_protocol != htons(ETH_P_IP))
			return nflog_bad(NFLOG_GARBAGE, why,
			    "IPv4 packet of another protocol");
		return nflog_ipv4(out, pl, plen, why);
	case 6:
		if (ph->hw_protocol != 0 &&
		    ph->hw_protocol != htons(ETH_P_IPV6))
			return nflog_bad(NFLOG_GARBAGE, why,
			    "IPv6 packet of another protocol");
		return nflog_ipv6(out, pl, plen, why);
	default:
		return nflog_bad(NFLOG_GARBAGE, why, "neither IPv4 nor IPv6");
	}
}

uint64_t
nflog_seq_gap(bool *have, uint32_t *next, uint32_t seq)
{
	uint32_t gap = seq - *next;

	if (!*have) {
		*have = true;
		gap = 0;
	} else if (gap > UINT32_MAX / 2)
		gap = 0;	/* went back: the instance was re-made */
	*next = seq + 1;
	return gap;
}

/* --- socket ---------------------------------------------------------- */

static struct nlmsghdr *
nflog_config_hdr(char *buf, uint16_t group, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(group);
	return nlh;
}

/* Send one config request and wait for its ack.  0 or -errno. */
static int
nflog_talk(struct mnl_socket *nl, struct nlmsghdr *nlh)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint32_t portid = mnl_socket_get_portid(nl);
	ssize_t n;
	int ret;

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS)
			continue;	/* packets already: read on */
		if (n < 0)
			return -errno;
		/* Packets that came before the ack have sequence 0 and go
		 * to no callback; the ack ends the run. */
		ret = mnl_cb_run(buf, (size_t)n, nlh->nlmsg_seq, portid, NULL,
		    NULL);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret < 0)
			return -errno;
	}
}

int
nflog_open(uint16_t group, uint32_t copy_range, uint32_t qthresh,
    uint32_t flush_ms, struct nflog **out)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nfulnl_msg_config_cmd cmd = { .command = NFULNL_CFG_CMD_BIND };
	struct nfulnl_msg_config_mode mode;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct nflog *l;
	uint32_t seq = (uint32_t)time(NULL);
	int fd, size = NFLOG_RCVBUF, ret;

	*out = NULL;
	if ((nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) == NULL)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		ret = -errno;
		goto fail;
	}
	fd = mnl_socket_get_fd(nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size,
	    sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
		    sizeof(size));

	/* Bind first (EBUSY: another process has the group), then the rest
	 * in one request. */
	nlh = nflog_config_hdr(buf, group, seq++);
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	if ((ret = nflog_talk(nl, nlh)) < 0)
		goto fail;
	memset(&mode, 0, sizeof(mode));
	mode.copy_range = htonl(copy_range);
	mode.copy_mode = NFULNL_COPY_PACKET;
	nlh = nflog_config_hdr(buf, group, seq++);
	mnl_attr_put(nlh, NFULA_CFG_MODE, sizeof(mode), &mode);
	mnl_attr_put_u16(nlh, NFULA_CFG_FLAGS, htons(NFULNL_CFG_F_SEQ));
	mnl_attr_put_u32(nlh, NFULA_CFG_NLBUFSIZ, htonl(NFLOG_NLBUFSIZ));
	mnl_attr_put_u32(nlh, NFULA_CFG_QTHRESH, htonl(qthresh ? qthresh : 1));
	/* In 1/100 s; a batch waits at most this long. */
	mnl_attr_put_u32(nlh, NFULA_CFG_TIMEOUT,
	    htonl(flush_ms ? (flush_ms + 9) / 10 : 0));
	if ((ret = nflog_talk(nl, nlh)) < 0)
		goto fail;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		ret = -errno;
		goto fail;
	}
	l = xcalloc(1, sizeof(*l));
	l->nl_sock = nl;
	l->nl_group = group;
	l->nl_buf = xmalloc(NFLOG_BUF);
	*out = l;
	return 0;
fail:
	mnl_socket_close(nl);
	return ret;
}

int
nflog_fd(const struct nflog *l)
{
	return mnl_socket_get_fd(l->nl_sock);
}

const struct nflog_stats *
nflog_stats(const struct nflog *l)
{
	return &l->nl_stats;
}

struct nflog *
nflog_detached(void)
{
	struct nflog *l = xcalloc(1, sizeof(*l));

	return l;
}

size_t
nflog_feed(struct nflog *l, const void *buf, size_t len,
    void (*cb)(const struct nflog_packet *, void *), void *arg)
{
	const char *p = buf;
	struct nflog_packet pkt;
	enum nflog_result r;
	size_t mlen, n = 0, step;

	while (len > 0) {
		r = nflog_parse(p, len, &pkt, &mlen, NULL);
		if (r != NFLOG_SKIP) {
			l->nl_stats.ns_received++;
			n++;
		}
		/* A refused message still says where the sequence is, when
		 * its attributes were readable: it is not lost. */
		if (r != NFLOG_SKIP && pkt.np_has_seq)
			l->nl_stats.ns_lost_seq += nflog_seq_gap(
			    &l->nl_have_seq, &l->nl_next_seq, pkt.np_seq);
		switch (r) {
		case NFLOG_PACKET:
			l->nl_stats.ns_parsed++;
			cb(&pkt, arg);
			break;
		case NFLOG_GARBAGE:
			l->nl_stats.ns_garbage++;
			break;
		case NFLOG_TRUNCATED:
			l->nl_stats.ns_truncated++;
			break;
		case NFLOG_SKIP:
			break;
		}
		if (mlen == 0)
			break;		/* no usable length: the rest is lost */
		step = NLMSG_ALIGN(mlen);
		if (step >= len)
			break;
		p += step;
		len -= step;
	}
	return n;
}

int
nflog_read(struct nflog *l, size_t max_msgs,
    void (*cb)(const struct nflog_packet *, void *), void *arg)
{
	struct sockaddr_nl from;
	socklen_t fromlen;
	size_t done = 0;
	ssize_t n;

	while (done < max_msgs) {
		fromlen = sizeof(from);
		n = recvfrom(nflog_fd(l), l->nl_buf, NFLOG_BUF,
		    MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&from,
		    &fromlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == ENOBUFS) {
			/* The kernel dropped what did not fit; the sequence
			 * numbers say how much. */
			l->nl_stats.ns_enobufs++;
			continue;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		if (fromlen < sizeof(from) || from.nl_pid != 0) {
			/* Only the kernel logs packets. */
			l->nl_stats.ns_received++;
			l->nl_stats.ns_garbage++;
			done++;
			continue;
		}
		if ((size_t)n > NFLOG_BUF) {
			/* Cut by the buffer: the last message counts as
			 * truncated when the parser meets it. */
			n = NFLOG_BUF;
		}
		done += nflog_feed(l, l->nl_buf, (size_t)n, cb, arg);
	}
	return 0;
}

void
nflog_close(struct nflog *l)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nfulnl_msg_config_cmd cmd = { .command = NFULNL_CFG_CMD_UNBIND };
	struct nlmsghdr *nlh;

	if (l == NULL)
		return;
	if (l->nl_sock == NULL) {	/* nflog_detached() */
		free(l);
		return;
	}
	/* Closing the socket unbinds too; saying so is polite to the
	 * kernel's instance table.  No ack awaited. */
	nlh = nflog_config_hdr(buf, l->nl_group, 0);
	nlh->nlmsg_flags = NLM_F_REQUEST;
	mnl_attr_put(nlh, NFULA_CFG_CMD, sizeof(cmd), &cmd);
	(void)mnl_socket_sendto(l->nl_sock, nlh, nlh->nlmsg_len);
	mnl_socket_close(l->nl_sock);
	free(l->nl_buf);
	free(l);
}
