/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet events: the nflog group sanso's rules log to, the prefixes that
 * say which rule fired, the socket that receives them and a pure parser
 * for one nflog message (docs/packet-events.md).
 *
 * The constants are shared with the compiler (daemon/compile.c), which
 * writes the `log` statements; nothing in this header needs libmnl.
 */
#ifndef SANSO_NFLOG_H
#define SANSO_NFLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The one nflog group of sanso's rules; another listener (ulogd2 in the
 * benchmark) takes another group. */
#define NFLOG_GROUP		7310
/* Bytes of each packet copied to sansod: an IPv4 header with options (60)
 * or an IPv6 header with an extension header or two, and the first 8
 * bytes of TCP, UDP or ICMP (ports, ICMP type and code). */
#define NFLOG_SNAPLEN		96

/* `log prefix`es (at most 63 bytes; a conduit's name is at most 32). */
#define NFLOG_PREFIX_DENY	"sanso deny"	/* forward: no conduit */
#define NFLOG_PREFIX_CONDUIT	"sanso conduit "	/* + conduit name */
#define NFLOG_PREFIX_ISOLATION	"sanso iso"	/* CSIRT isolation drop */
#define NFLOG_PREFIX_QUARANTINE	"sanso quar"	/* quarantine chain drop */
#define NFLOG_PREFIX_MAC	"sanso mac"	/* pinned address, other MAC */

/* Named counters between each log's limit and the log itself: what the
 * kernel handed to nflog, to check sansod's received + lost against. */
#define NFLOG_COUNTER_DENY	"c_log_deny"
#define NFLOG_COUNTER_CONDUIT	"c_log_conduit"
#define NFLOG_COUNTER_ISOLATION	"c_log_isolation"
#define NFLOG_COUNTER_QUARANTINE "c_log_quarantine"
#define NFLOG_COUNTER_MAC	"c_log_mac"
/* Dynamic set of iifname . oifname with a counter per element, updated
 * by every packet forward drops for want of a conduit (nft_pair_counters
 * reads it; sansod maps the interfaces to zones). */
#define NFLOG_SET_DENYPAIRS	"denypairs"

#define NFLOG_PREFIX_MAX	128	/* the kernel's NF_LOG_PREFIXLEN */
#define NFLOG_HWADDR_MAX	8

/**
 * struct nflog_packet - what one nflog message says about one packet
 * @np_prefix: the rule's log prefix ("" when it had none)
 * @np_group: the nflog group (the message's res_id)
 * @np_indev, @np_outdev: interface indexes, 0 when absent
 * @np_hwaddr, @np_hwlen: the link-layer source address (Ethernet: the
 *   sender's MAC), np_hwlen 0 when absent
 * @np_family: AF_INET or AF_INET6 (from the IP header)
 * @np_src, @np_dst: addresses (4 or 16 bytes used)
 * @np_proto: IPPROTO_* of the transport header (after IPv6 extension
 *   headers), 0 when not reached
 * @np_has_ports: @np_sport/@np_dport are set (TCP, UDP, UDP-Lite, SCTP;
 *   first fragment or unfragmented)
 * @np_has_icmp: @np_icmp_type/@np_icmp_code are set (ICMP, ICMPv6)
 * @np_length: the packet's length as the IP header gives it
 * @np_has_seq, @np_seq: the instance-local sequence number
 *   (NFULNL_CFG_F_SEQ), for gap detection
 */
struct nflog_packet {
	char		np_prefix[NFLOG_PREFIX_MAX];
	uint16_t	np_group;
	uint32_t	np_indev;
	uint32_t	np_outdev;
	uint8_t		np_hwaddr[NFLOG_HWADDR_MAX];
	uint16_t	np_hwlen;
	int		np_family;
	uint8_t		np_src[16];
	uint8_t		np_dst[16];
	uint8_t		np_proto;
	bool		np_has_ports;
	uint16_t	np_sport;
	uint16_t	np_dport;
	bool		np_has_icmp;
	uint8_t		np_icmp_type;
	uint8_t		np_icmp_code;
	uint32_t	np_length;
	bool		np_has_seq;
	uint32_t	np_seq;
};

/* What nflog_parse() made of one message. */
enum nflog_result {
	NFLOG_PACKET,		/* a packet: *out is filled */
	NFLOG_SKIP,		/* a message that is no packet (NLMSG_DONE,
				 * NLMSG_NOOP, an ack): nothing to count */
	NFLOG_GARBAGE,		/* not an nflog packet message, or an
				 * attribute or header that makes no sense */
	NFLOG_TRUNCATED,	/* shorter than its own lengths say, or the
				 * copied packet too short for its headers */
};

/*
 * Parse the netlink message at the start of @buf (@len bytes available):
 * one NFULNL_MSG_PACKET of NFNL_SUBSYS_ULOG.  Pure: no socket, no global
 * state, never reads outside @buf.  *@msglen gets the length to step to
 * the next message (0 when the header itself is unusable: stop there).
 * On NFLOG_GARBAGE and NFLOG_TRUNCATED *@why (if not NULL) says what was
 * wrong, a static string.
 */
enum nflog_result nflog_parse(const void *buf, size_t len,
		    struct nflog_packet *out, size_t *msglen,
		    const char **why);

/**
 * struct nflog_stats - counters of one socket's life
 * @ns_received: packet messages read (parsed + garbage + truncated)
 * @ns_parsed, @ns_garbage, @ns_truncated: by nflog_parse() result
 * @ns_enobufs: recv() said ENOBUFS: the kernel dropped messages because
 *   the socket's buffer was full (how many shows in @ns_lost_seq)
 * @ns_lost_seq: messages missing from the sequence numbers (gaps)
 */
struct nflog_stats {
	uint64_t	ns_received;
	uint64_t	ns_parsed;
	uint64_t	ns_garbage;
	uint64_t	ns_truncated;
	uint64_t	ns_enobufs;
	uint64_t	ns_lost_seq;
};

struct nflog;

/*
 * A non-blocking NETLINK_NETFILTER socket bound to nflog @group: copy mode
 * NFULNL_COPY_PACKET with @copy_range bytes, sequence numbers on, a large
 * receive buffer, and the kernel batching up to @qthresh messages or
 * @flush_ms (0: one message per datagram).  Needs CAP_NET_ADMIN; reading
 * afterwards does not.  0 and *out, or -errno.
 */
int	nflog_open(uint16_t group, uint32_t copy_range, uint32_t qthresh,
	    uint32_t flush_ms, struct nflog **out);
int	nflog_fd(const struct nflog *);
/*
 * Read what is pending (at most @max_msgs packet messages, so that a flood
 * cannot hold the event loop) and call @cb for every packet parsed.  Gaps
 * in the sequence numbers and ENOBUFS are counted, garbage and truncated
 * messages counted and skipped.  Returns 0 or -errno (a socket error
 * other than ENOBUFS).
 */
int	nflog_read(struct nflog *, size_t max_msgs,
	    void (*cb)(const struct nflog_packet *, void *), void *arg);
const struct nflog_stats *nflog_stats(const struct nflog *);
/* Unbind the group and close (or free a detached one). */
void	nflog_close(struct nflog *);

/*
 * The counting half of nflog_read() for one datagram of @len bytes (a
 * batch of messages): parse each, count it, call @cb for packets, track
 * sequence gaps.  Returns the packet messages seen.  For tests and
 * fuzzing with nflog_detached(), a struct nflog without a socket.
 */
size_t	nflog_feed(struct nflog *, const void *buf, size_t len,
	    void (*cb)(const struct nflog_packet *, void *), void *arg);
struct nflog *nflog_detached(void);

/*
 * The sequence-number bookkeeping nflog_read() uses, pure for the tests:
 * @seq follows @*next (the one expected); returns how many are missing
 * before it and sets *@next to @seq + 1.  The first call (*@have false)
 * misses nothing.
 */
uint64_t nflog_seq_gap(bool *have, uint32_t *next, uint32_t seq);

#endif
