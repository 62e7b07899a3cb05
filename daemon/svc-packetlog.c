/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Packet events: nflog messages from sanso's rules become events. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "../nftables/nflog.h"
#include "events.h"
#include "log.h"
#include "policy.h"
#include "proc.h"
#include "svc-packetlog.h"
#include "svc-policy.h"

/* Messages read per wakeup, so that a flood leaves room for the rest of
 * the loop (the fd stays readable and the loop comes back). */
#define PL_READ_MAX		4096
/* The kernel batches up to this many messages, or waits this long. */
#define PL_QTHRESH		64
#define PL_FLUSH_MS		10
/* How often losses are looked for and reported as one event. */
#define PL_LOSS_MS		1000
/* Interface names are cached this long (an index can be reused). */
#define PL_IFCACHE_SEC		5
#define PL_IFCACHE		64

struct pl_ifname {
	uint32_t	pi_index;
	time_t		pi_when;
	char		pi_name[IF_NAMESIZE];
};

static struct {
	struct nflog		*pl_nflog;
	struct proc_fd		*pl_fd;
	struct proc_timer	*pl_timer;
	uint64_t		 pl_foreign;
	uint64_t		 pl_events;
	/* What the last loss event reported. */
	uint64_t		 pl_seen_enobufs;
	uint64_t		 pl_seen_seq;
	uint64_t		 pl_seen_bad;
	struct pl_ifname	 pl_ifs[PL_IFCACHE];
} pl;

/* The name of interface @index ("" when unknown); cached because
 * if_indextoname() is a syscall and a flood repeats the same few. */
static const char *
svc_packetlog_ifname(uint32_t index)
{
	struct pl_ifname *c;
	time_t now;

	if (index == 0)
		return "";
	c = &pl.pl_ifs[index % PL_IFCACHE];
	now = time(NULL);
	if (c->pi_index == index && now - c->pi_when < PL_IFCACHE_SEC)
		return c->pi_name;
	c->pi_index = index;
	c->pi_when = now;
	if (if_indextoname(index, c->pi_name) == NULL)
		snprintf(c->pi_name, sizeof(c->pi_name), "if%u", index);
	return c->pi_name;
}

/* The zone whose interfaces include @ifname in the running policy. */
static const char *
svc_packetlog_zone(const char *ifname)
{
	const struct policy_active *run = svc_policy_running();
	const struct policy *p;
	size_t i, j;

	if (run == NULL || *ifname == '\0')
		return NULL;
	p = run->pa_policy;
	for (i = 0; i < p->p_n_zones; i++)
		for (j = 0; j < p->p_zones[i].zn_n_ifaces; j++)
			if (strcmp(p->p_zones[i].zn_ifaces[j], ifname) == 0)
				return p->p_zones[i].zn_name;
	return NULL;
}

static const char *
svc_packetlog_proto(uint8_t proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "ipv6-icmp";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_UDPLITE:
		return "udplite";
	default:
		snprintf(buf, len, "%u", proto);
		return buf;
	}
}

static void
svc_packetlog_set_str(json_t *o, const char *key, const char *v)
{
	if (v != NULL && *v != '\0')
		json_object_set_new(o, key, json_string(v));
}

/* The event type and severity a prefix stands for; *conduit gets the
 * conduit's name.  NULL when the prefix is none of sanso's. */
static const char *
svc_packetlog_kind(const char *prefix, enum event_severity *sev,
    const char **conduit)
{
	size_t n = strlen(NFLOG_PREFIX_CONDUIT);

	*conduit = NULL;
	if (strcmp(prefix, NFLOG_PREFIX_DENY) == 0) {
		*sev = EV_NOTICE;
		return "packet.denied";
	}
	if (strncmp(prefix, NFLOG_PREFIX_CONDUIT, n) == 0 &&
	    prefix[n] != '\0') {
		*sev = EV_INFO;
		*conduit = prefix + n;
		return "packet.conduit";
	}
	if (strcmp(prefix, NFLOG_PREFIX_ISOLATION) == 0) {
		*sev = EV_WARNING;
		return "packet.isolated";
	}
	if (strcmp(prefix, NFLOG_PREFIX_QUARANTINE) == 0) {
		*sev = EV_NOTICE;
		return "packet.quarantine";
	}
	if (strcmp(prefix, NFLOG_PREFIX_MAC) == 0) {
		/* Someone sends from a pinned mynumber address with
		 * another MAC (不正接続). */
		*sev = EV_ALERT;
		return "packet.unknown_mac";
	}
	return NULL;
}

static void
svc_packetlog_packet(const struct nflog_packet *pk, void *arg)
{
	char addr[INET6_ADDRSTRLEN], mac[3 * NFLOG_HWADDR_MAX], num[8];
	const char *type, *conduit, *in_if, *out_if;
	enum event_severity sev;
	json_t *o;
	size_t i;

	(void)arg;
	if ((type = svc_packetlog_kind(pk->np_prefix, &sev, &conduit)) ==
	    NULL) {
		pl.pl_foreign++;
		return;
	}
	o = json_object();
	in_if = svc_packetlog_ifname(pk->np_indev);
	out_if = svc_packetlog_ifname(pk->np_outdev);
	svc_packetlog_set_str(o, "from_zone", svc_packetlog_zone(in_if));
	svc_packetlog_set_str(o, "to_zone", svc_packetlog_zone(out_if));
	svc_packetlog_set_str(o, "conduit", conduit);
	inet_ntop(pk->np_family, pk->np_src, addr, sizeof(addr));
	json_object_set_new(o, "src", json_string(addr));
	inet_ntop(pk->np_family, pk->np_dst, addr, sizeof(addr));
	json_object_set_new(o, "dst", json_string(addr));
	if (pk->np_has_ports) {
		json_object_set_new(o, "sport", json_integer(pk->np_sport));
		json_object_set_new(o, "dport", json_integer(pk->np_dport));
	}
	json_object_set_new(o, "proto", json_string(svc_packetlog_proto(
	    pk->np_proto, num, sizeof(num))));
	if (pk->np_has_icmp) {
		json_object_set_new(o, "icmp_type",
		    json_integer(pk->np_icmp_type));
		json_object_set_new(o, "icmp_code",
		    json_integer(pk->np_icmp_code));
	}
	svc_packetlog_set_str(o, "in_if", in_if);
	svc_packetlog_set_str(o, "out_if", out_if);
	if (pk->np_hwlen > 0) {
		/* "52:54:00:0a:00:05": three characters a byte, the last
		 * ':' replaced by the end. */
		for (i = 0; i < pk->np_hwlen; i++)
			snprintf(mac + 3 * i, sizeof(mac) - 3 * i, "%02x:",
			    pk->np_hwaddr[i]);
		mac[3 * pk->np_hwlen - 1] = '\0';
		json_object_set_new(o, "mac", json_string(mac));
	}
	json_object_set_new(o, "length", json_integer(pk->np_length));
	events_emit(type, sev, o);
	pl.pl_events++;
}

static void
svc_packetlog_read(int fd, void *arg)
{
	int ret;

	(void)fd;
	(void)arg;
	if ((ret = nflog_read(pl.pl_nflog, PL_READ_MAX, svc_packetlog_packet,
	    NULL)) < 0)
		log_warnx("packet events: reading nflog: %s", strerror(-ret));
}

/* Once a second: report what was lost or refused since the last report,
 * as one event (an alarm: monitoring must know the record has a hole). */
static void
svc_packetlog_losses(void *arg)
{
	const struct nflog_stats *st = nflog_stats(pl.pl_nflog);
	uint64_t bad = st->ns_garbage + st->ns_truncated;
	json_t *o;

	(void)arg;
	if (st->ns_enobufs == pl.pl_seen_enobufs &&
	    st->ns_lost_seq == pl.pl_seen_seq && bad == pl.pl_seen_bad)
		return;
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}",
	    "lost", (json_int_t)(st->ns_lost_seq - pl.pl_seen_seq),
	    "overflows", (json_int_t)(st->ns_enobufs - pl.pl_seen_enobufs),
	    "refused", (json_int_t)(bad - pl.pl_seen_bad),
	    "lost_total", (json_int_t)st->ns_lost_seq,
	    "overflows_total", (json_int_t)st->ns_enobufs,
	    "refused_total", (json_int_t)bad);
	log_warnx("packet events: %llu lost, %llu socket overflows, %llu "
	    "garbage or truncated messages since the last report",
	    (unsigned long long)(st->ns_lost_seq - pl.pl_seen_seq),
	    (unsigned long long)(st->ns_enobufs - pl.pl_seen_enobufs),
	    (unsigned long long)(bad - pl.pl_seen_bad));
	events_emit("packet.lost", EV_WARNING, o);
	pl.pl_seen_enobufs = st->ns_enobufs;
	pl.pl_seen_seq = st->ns_lost_seq;
	pl.pl_seen_bad = bad;
}

void
svc_packetlog_init(void)
{
	int ret;

	ret = nflog_open(NFLOG_GROUP, NFLOG_SNAPLEN, PL_QTHRESH, PL_FLUSH_MS,
	    &pl.pl_nflog);
	if (ret < 0) {
		log_warnx("packet events: cannot bind nflog group %u: %s%s",
		    NFLOG_GROUP, strerror(-ret), ret == -EBUSY ?
		    " (another process has the group)" : "");
		events_emit("packet.unavailable", EV_ALERT, json_pack(
		    "{s:i, s:s}", "group", NFLOG_GROUP, "detail",
		    strerror(-ret)));
		return;
	}
	pl.pl_fd = proc_fd_new(nflog_fd(pl.pl_nflog), svc_packetlog_read,
	    NULL);
	pl.pl_timer = proc_timer_new(svc_packetlog_losses, NULL);
	proc_timer_start(pl.pl_timer, PL_LOSS_MS, true);
	log_info("packet events: nflog group %u", NFLOG_GROUP);
}

void
svc_packetlog_stats(struct svc_packetlog_stats *out)
{
	const struct nflog_stats *st;

	memset(out, 0, sizeof(*out));
	out->sp_foreign = pl.pl_foreign;
	out->sp_events = pl.pl_events;
	if (pl.pl_nflog == NULL)
		return;
	st = nflog_stats(pl.pl_nflog);
	out->sp_running = true;
	out->sp_received = st->ns_received;
	out->sp_parsed = st->ns_parsed;
	out->sp_garbage = st->ns_garbage;
	out->sp_truncated = st->ns_truncated;
	out->sp_lost_enobufs = st->ns_enobufs;
	out->sp_lost_seq = st->ns_lost_seq;
}

void
svc_packetlog_free(void)
{
	struct svc_packetlog_stats s;

	if (pl.pl_nflog == NULL)
		return;
	/* What is still queued is read first: stopping loses nothing that
	 * had arrived. */
	svc_packetlog_read(-1, NULL);
	svc_packetlog_losses(NULL);	/* what the last second lost */
	svc_packetlog_stats(&s);
	log_info("packet events: received %llu parsed %llu garbage %llu "
	    "truncated %llu foreign %llu lost_enobufs %llu lost_seq %llu "
	    "events %llu", (unsigned long long)s.sp_received,
	    (unsigned long long)s.sp_parsed, (unsigned long long)s.sp_garbage,
	    (unsigned long long)s.sp_truncated,
	    (unsigned long long)s.sp_foreign,
	    (unsigned long long)s.sp_lost_enobufs,
	    (unsigned long long)s.sp_lost_seq,
	    (unsigned long long)s.sp_events);
	proc_timer_free(pl.pl_timer);
	proc_fd_free(pl.pl_fd);
	nflog_close(pl.pl_nflog);
	memset(&pl, 0, sizeof(pl));
}
