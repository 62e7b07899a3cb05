/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nf_tables notifications: was table inet sanso changed by someone else? */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>

#include <libmnl/libmnl.h>
#include <libnftnl/set.h>

#include "../daemon/log.h"
#include "mnl.h"
#include "nft.h"

/*
 * How "foreign" is decided.
 *
 * The kernel sends the notifications of one transaction when it commits:
 * one message per object created or deleted (NEWTABLE, DELSETELEM, ...),
 * then NFT_MSG_NEWGEN, which names the process that made the batch
 * (NFTA_GEN_PROC_PID, the pid of the task that sent it) and carries the
 * sending socket's port id in nlmsg_pid.  Transactions are serialised by
 * the commit mutex, so their notifications do not interleave.  So: while
 * reading, remember whether any message since the last NEWGEN touched
 * table inet sanso (family inet, NFTA_*_TABLE or NFTA_TABLE_NAME "sanso",
 * which is attribute 1 for every object type; DELTABLE included); when the
 * NEWGEN comes, the batch was ours if its pid is getpid() or its port id
 * is that of the socket all our changes go through (mnl_sanso_shared) --
 * the port id also holds when sansod runs in a pid namespace, where the
 * kernel reports the pid of the initial namespace.  A batch that touched
 * the table and was not ours makes *foreign true.
 *
 * The same when the monitor did not listen for a while (monitor_suspend).
 *
 * Lost messages (ENOBUFS: the receive buffer overflowed, e.g. during a
 * foreign 100 000-element load) make *foreign true too, as we cannot know
 * what was in them; NETLINK_NO_ENOBUFS stays off for that reason.  The
 * periodic read-back (nft_check_drift) covers what this cannot see:
 * changes whose notifications never come (expiry of elements by their
 * timeout is the kernel's own doing and, rightly, not reported here).
 */

#define MON_RCVBUF	(16 * 1024 * 1024)
#define MON_BUF		(64 * 1024)

/*
 * The batch being read (one monitor per process, as sansod has).
 * @unseen: the socket left the group for a while (mnl.c does that around
 *   big batches of our own): what happened meanwhile is unknown.
 */
static struct {
	int	fd;
	bool	touched;
	bool	suspended;
	bool	unseen;
	/* The batch being read: element deletions in our table (kept until
	 * its NEWGEN says whose it was), and whether it did anything else. */
	struct nft_deleted batch;
	bool	batch_other;
	/* What foreign batches did, for nft_monitor_take_deleted(). */
	struct nft_deleted foreign;
} mon = { .fd = -1 };

static void	monitor_end_batch(bool foreign);

/*
 * The kernel builds a notification for every set element of a batch as
 * soon as any socket on the host is in the group, and that is most of the
 * cost of a 100 000-element batch; our own monitor would then overflow and
 * report ENOBUFS anyway.  So around big batches of our own the monitor
 * leaves the group, and its next read says "foreign" (the caller re-reads
 * the table): nothing is learnt less than with the overflow.
 */
void
monitor_suspend(void)
{
	int group = NFNLGRP_NFTABLES;

	if (mon.fd < 0 || mon.suspended)
		return;
	if (setsockopt(mon.fd, SOL_NETLINK, NETLINK_DROP_MEMBERSHIP, &group,
	    sizeof(group)) == 0)
		mon.suspended = true;
}

void
monitor_resume(void)
{
	int group = NFNLGRP_NFTABLES;

	if (!mon.suspended)
		return;
	if (setsockopt(mon.fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
	    sizeof(group)) < 0)
		log_warn("%s: rejoining the nf_tables group", __func__);
	mon.suspended = false;
	mon.unseen = true;
	mon.touched = false;
}

int
nft_monitor_open(void)
{
	struct sockaddr_nl snl = { .nl_family = AF_NETLINK };
	int fd, group = NFNLGRP_NFTABLES, size = MON_RCVBUF, off = 0, ret;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    NETLINK_NETFILTER);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&snl, sizeof(snl)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
	    sizeof(group)) < 0 ||
	    setsockopt(fd, SOL_NETLINK, NETLINK_NO_ENOBUFS, &off,
	    sizeof(off)) < 0) {
		ret = -errno;
		goto fail;
	}
	/* A whole ruleset load is many messages at once: a big buffer
	 * (FORCE needs CAP_NET_ADMIN, which sansod has). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size,
		    sizeof(size));
	mon.fd = fd;
	mon.touched = false;
	mon.suspended = mon.unseen = false;
	monitor_end_batch(false);
	memset(&mon.foreign, 0, sizeof(mon.foreign));
	return fd;
fail:
	close(fd);
	return ret;
}

void
nft_monitor_close(int fd)
{
	if (fd < 0)
		return;
	if (mon.fd == fd) {
		mon.fd = -1;
		mon.suspended = mon.unseen = false;
	}
	close(fd);
}

static bool
monitor_is_ours(const struct nlmsghdr *nlh)
{
	const struct nlattr *attr;
	uint32_t portid = mnl_sanso_shared_portid();

	if (portid != 0 && nlh->nlmsg_pid == portid)
		return true;
	mnl_attr_for_each(attr, nlh, sizeof(struct nfgenmsg)) {
		if (mnl_attr_get_type(attr) == NFTA_GEN_PROC_PID &&
		    mnl_attr_get_payload_len(attr) == sizeof(uint32_t))
			return ntohl(mnl_attr_get_u32(attr)) ==
			    (uint32_t)getpid();
	}
	return false;
}

/* Whether an object message is about table inet sanso. */
static bool
monitor_touches(const struct nlmsghdr *nlh)
{
	const struct nfgenmsg *nfg = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *attr;

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*nfg)) ||
	    nfg->nfgen_family != NFPROTO_INET)
		return false;
	/* NFTA_TABLE_NAME, NFTA_CHAIN_TABLE, NFTA_RULE_TABLE,
	 * NFTA_SET_TABLE, NFTA_SET_ELEM_LIST_TABLE, NFTA_OBJ_TABLE and
	 * NFTA_FLOWTABLE_TABLE are all attribute 1. */
	mnl_attr_for_each(attr, nlh, sizeof(*nfg)) {
		if (mnl_attr_get_type(attr) != 1)
			continue;
		return mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0 &&
		    strcmp(mnl_attr_get_str(attr), RS_TABLE_NAME) == 0;
	}
	return false;
}

/*
 * Keep the keys of a DELSETELEM in our table, so that a foreign deletion
 * can be undone from the notification alone (reading 100 000 elements back
 * takes about a second).  An interval set's deletion, or too many, only
 * say "something else".
 */
static void
monitor_note_dels(const struct nlmsghdr *nlh)
{
	struct nft_deleted	*d = &mon.batch;
	struct nftnl_set	*s;
	struct nftnl_set_elems_iter *it;
	struct nftnl_set_elem	*e;
	const char		*name;
	const void		*key;
	uint32_t		 klen;

	if ((s = nftnl_set_alloc()) == NULL) {
		mon.batch_other = true;
		return;
	}
	if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0 ||
	    (name = nftnl_set_get_str(s, NFTNL_SET_NAME)) == NULL ||
	    strlen(name) >= RS_NAME_MAX ||
	    (it = nftnl_set_elems_iter_create(s)) == NULL) {
		mon.batch_other = true;
		nftnl_set_free(s);
		return;
	}
	while ((e = nftnl_set_elems_iter_next(it)) != NULL) {
		key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
		if (key == NULL || klen > NFT_KEY_MAX || d->nd_n ==
		    NFT_MONITOR_DELS_MAX ||
		    nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_KEY_END) ||
		    (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS) &&
		    (nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS) &
		    NFT_SET_ELEM_INTERVAL_END))) {
			mon.batch_other = true;
			break;
		}
		snprintf(d->nd_sets[d->nd_n], RS_NAME_MAX, "%s", name);
		memcpy(d->nd_keys[d->nd_n], key, klen);
		d->nd_klens[d->nd_n++] = klen;
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
}

/* The batch ended (NEWGEN): a foreign one's deletions are kept. */
static void
monitor_end_batch(bool foreign)
{
	struct nft_deleted	*f = &mon.foreign, *b = &mon.batch;
	size_t			 i;

	if (foreign) {
		if (mon.batch_other)
			f->nd_other = true;
		for (i = 0; i < b->nd_n; i++) {
			if (f->nd_n == NFT_MONITOR_DELS_MAX) {
				f->nd_other = true;
				break;
			}
			memcpy(f->nd_sets[f->nd_n], b->nd_sets[i], RS_NAME_MAX);
			memcpy(f->nd_keys[f->nd_n], b->nd_keys[i], NFT_KEY_MAX);
			f->nd_klens[f->nd_n++] = b->nd_klens[i];
		}
	}
	b->nd_n = 0;
	mon.batch_other = false;
}

bool
nft_monitor_take_deleted(struct nft_deleted *out)
{
	*out = mon.foreign;
	memset(&mon.foreign, 0, sizeof(mon.foreign));
	return out->nd_n > 0 || out->nd_other;
}

static int
monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	bool *foreign = data;
	uint16_t type = nlh->nlmsg_type;
	bool ours;

	if (NFNL_SUBSYS_ID(type) != NFNL_SUBSYS_NFTABLES)
		return MNL_CB_OK;
	switch (NFNL_MSG_TYPE(type)) {
	case NFT_MSG_NEWGEN:
		ours = monitor_is_ours(nlh);
		if (mon.touched && !ours)
			*foreign = true;
		log_debug("nft monitor: generation by %s%s",
		    ours ? "us" : "another process",
		    mon.touched ? ", changed table inet sanso" : "");
		monitor_end_batch(mon.touched && !ours);
		mon.touched = false;
		break;
	case NFT_MSG_TRACE:
		break;
	case NFT_MSG_DELSETELEM:
		if (monitor_touches(nlh)) {
			mon.touched = true;
			monitor_note_dels(nlh);
		}
		break;
	default:
		if (monitor_touches(nlh)) {
			mon.touched = true;
			mon.batch_other = true;
		}
		break;
	}
	return MNL_CB_OK;
}

int
nft_monitor_read(int fd, bool *foreign)
{
	static char buf[MON_BUF];
	ssize_t n;

	*foreign = false;
	if (mon.fd != fd) {	/* a socket we did not open: start fresh */
		mon.fd = fd;
		mon.touched = mon.suspended = mon.unseen = false;
		monitor_end_batch(false);
		mon.foreign.nd_other = true;
	}
	if (mon.unseen) {
		*foreign = true;
		mon.foreign.nd_other = true;
		mon.unseen = false;
		log_debug("nft monitor: not listening during a bulk change");
	}
	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n < 0 && errno == ENOBUFS) {
			/* Lost notifications: whatever they said, the
			 * caller has to look at the table itself. */
			*foreign = true;
			mon.foreign.nd_other = true;
			monitor_end_batch(false);
			mon.touched = false;
			log_debug("nft monitor: notifications lost");
			continue;
		}
		if (n < 0)
			return -errno;
		if (n == 0)
			return 0;
		/* seq and port id 0: notifications are nobody's replies. */
		if (mnl_cb_run(buf, (size_t)n, 0, 0, monitor_cb, foreign) < 0)
			return errno ? -errno : -EPROTO;
	}
}
