/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Packet events (issue 5 item 1): what sanso's rules log to nflog group
 * NFLOG_GROUP -- denied cross-zone flows, the first packet of every 特定通信
 * and sanitiser crossing, isolation and quarantine drops, pinned hosts
 * seen with another MAC -- becomes one event each ("packet.denied",
 * "packet.conduit", "packet.isolated", "packet.quarantine",
 * "packet.unknown_mac"), with the zones the running policy gives the
 * interfaces.  Nothing is lost silently: what the kernel could not hand
 * over (ENOBUFS, gaps in the sequence numbers) is counted and reported as
 * a "packet.lost" event; garbage and truncated messages are counted and
 * skipped.  docs/packet-events.md describes it all.
 */
#ifndef SANSO_SVC_PACKETLOG_H
#define SANSO_SVC_PACKETLOG_H

#include <stdbool.h>
#include <stdint.h>

/**
 * struct svc_packetlog_stats - counters since start, for metrics
 * @sp_running: the nflog group is bound (false: another process has it,
 *   or the kernel has no nfnetlink_log)
 * @sp_received: nflog packet messages read
 * @sp_parsed, @sp_garbage, @sp_truncated: what the parser made of them
 * @sp_foreign: parsed, but with a prefix that is none of sanso's
 * @sp_lost_enobufs: times the kernel reported a full socket buffer
 * @sp_lost_seq: messages the sequence numbers show missing
 * @sp_events: packet events emitted
 */
struct svc_packetlog_stats {
	bool		sp_running;
	uint64_t	sp_received;
	uint64_t	sp_parsed;
	uint64_t	sp_garbage;
	uint64_t	sp_truncated;
	uint64_t	sp_foreign;
	uint64_t	sp_lost_enobufs;
	uint64_t	sp_lost_seq;
	uint64_t	sp_events;
};

/* Bind the nflog group and read it from the event loop.  A failure is
 * logged and reported as an event; sansod runs on without packet events
 * (the firewall does not depend on them).  Call after events_open(). */
void	svc_packetlog_init(void);
/* Log the counters, unbind and close. */
void	svc_packetlog_free(void);
void	svc_packetlog_stats(struct svc_packetlog_stats *out);

#endif
