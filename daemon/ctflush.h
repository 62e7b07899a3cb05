/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Conntrack deletion for isolations on a worker thread.  Deleting an
 * isolated endpoint's entries means walking the whole conntrack hash
 * (262 144 buckets: ~10 ms even when it is empty); done inline, every
 * isolation answer waited for it.  The isolation rules already drop the
 * endpoint's packets ahead of the established/related accept, so the
 * deletion may follow the answer: requests queued while a walk runs are
 * served together by the next one.  Results come back to the event loop,
 * which emits them as events.
 */
#ifndef SANSO_CTFLUSH_H
#define SANSO_CTFLUSH_H

#include <stddef.h>

#include "kernel.h"

/**
 * struct ctflush_done - one finished walk
 * @cd_labels: what was asked for, one label per request ("10.20.0.7",
 *   "bulk of 100000 targets")
 * @cd_deleted: entries deleted, or -errno when the walk failed
 * @cd_ms: how long the walk took
 */
struct ctflush_done {
	char	**cd_labels;
	size_t	  cd_n_labels;
	int	  cd_deleted;
	double	  cd_ms;
};

/* Start the worker; @done runs in the loop after each walk. */
int	 ctflush_init(void (*done)(const struct ctflush_done *, void *),
	    void *arg, char **cause);
/* Queue the entries of @v (copied) under @label. */
void	 ctflush_queue(const struct kernel_addr *v, size_t n,
	    const char *label);
/* Wait until nothing is queued or running (tests, shutdown). */
void	 ctflush_drain(void);
/* Finish what is queued, stop the worker. */
void	 ctflush_free(void);

#endif
