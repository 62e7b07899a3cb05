/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside nftables/ only: the netlink socket, dumps and the generation id. */
#ifndef SANSO_MNL_H
#define SANSO_MNL_H

#include <stdint.h>

struct mnl_socket;
struct nlmsghdr;

/* A bound NETLINK_NETFILTER socket with extended acks.  0 or -errno. */
int		 mnl_sanso_open(struct mnl_socket **);
/*
 * The one socket all of this process's changes go through (opened on first
 * use, kept; do not close it).  0 or -errno.
 */
int		 mnl_sanso_shared(struct mnl_socket **);
/* Close it (after errors that may leave replies queued, and after fork). */
void		 mnl_sanso_shared_drop(void);
/* Its netlink port id, 0 when it is not open: nf_tables notifications of
 * our own changes carry it. */
uint32_t	 mnl_sanso_shared_portid(void);
/* monitor.c: leave the nf_tables group around a big batch of our own (the
 * kernel then builds no per-element notifications if nobody else listens);
 * the monitor's next read reports it as foreign. */
void		 monitor_suspend(void);
void		 monitor_resume(void);
/* A sequence number for a request (nft's scheme: starts at time()). */
uint32_t	 mnl_sanso_seq(void);
/*
 * Send @req (a dump, or a get with NLM_F_ACK) and pass every reply to @cb
 * until the end.  -EINTR when the kernel says the dump was interrupted by
 * a concurrent change: open a new socket and start over.
 */
int		 mnl_sanso_talk(struct mnl_socket *, const struct nlmsghdr *req,
		    int (*cb)(const struct nlmsghdr *, void *), void *data);
/* The ruleset generation, to tell whether several dumps saw one state. */
int		 mnl_sanso_genid(struct mnl_socket *, uint32_t *genid);

#endif
