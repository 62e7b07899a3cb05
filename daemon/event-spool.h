/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The disk spool of one stream collector: every framed message is
 * appended here first and sent from here, so that nothing is lost while
 * the collector is away, or while sansod restarts, and order is kept.
 * Three positions: what was delivered (confirmed), what was handed to the
 * connection (sent), and the end.  A lost connection rewinds sent to
 * confirmed: at least once, never silently less.  Positions are logical
 * (they only grow); the delivered head is cut off the file as it goes.
 */
#ifndef SANSO_EVENT_SPOOL_H
#define SANSO_EVENT_SPOOL_H

#include <stddef.h>
#include <stdint.h>

struct event_spool;

/* Open (create 0600) @path, keep its whole frames, cut a damaged tail.
 * Bytes waiting to be sent are bounded by @max (what is in flight, sent
 * but not yet confirmed, is not counted; an empty backlog takes any one
 * message).  0, or -1 with *cause. */
int		 event_spool_open(struct event_spool **, const char *path,
		    size_t max, char **cause);
/* Drop what was delivered and close; what was sent but not confirmed
 * stays, to be sent again after the next open. */
void		 event_spool_close(struct event_spool *);
/* Append one frame.  0; -ENOSPC when it would pass the bound (the caller
 * counts the loss); -errno on a write error. */
int		 event_spool_append(struct event_spool *, const char *frame,
		    size_t len);
/* Whole frames from the send position: at most @max bytes, or one frame
 * when it alone is larger.  NULL when nothing is unsent (or on a read
 * error, logged); else allocated, *lenp bytes, *nrecp frames, *endp the
 * logical position after them (for event_spool_confirm). */
char		*event_spool_next(struct event_spool *, size_t max,
		    size_t *lenp, size_t *nrecp, uint64_t *endp);
/* Everything up to logical position @end (@nrec frames) was delivered. */
void		 event_spool_confirm(struct event_spool *, uint64_t end,
		    size_t nrec);
/* The connection is gone: send again from the first undelivered frame
 * (and cut the delivered head off the file). */
void		 event_spool_rewind(struct event_spool *);
/* Undelivered bytes and frames; unsent frames. */
uint64_t	 event_spool_bytes(const struct event_spool *);
uint64_t	 event_spool_records(const struct event_spool *);
uint64_t	 event_spool_unsent(const struct event_spool *);
const char	*event_spool_path(const struct event_spool *);

#endif
