/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * /metrics: the Prometheus text exposition format 0.0.4 (docs/metrics.md).
 * Each scrape reads the services' counters and, for the nft counters,
 * asks the kernel side through kernel.h (request handlers never speak
 * netlink).  The clock's synchronisation state (002 §94-2) is watched
 * here too: a change is an event.
 */
#ifndef SANSO_METRICS_H
#define SANSO_METRICS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "api.h"

/* Start the clock watch (an event when the state changes). */
void	metrics_init(void);
void	metrics_free(void);

/* The whole exposition (caller frees); *len its length. */
char	*metrics_render(size_t *len);
/* GET /metrics: *resp is a JSON string, which the transports send as
 * text/plain; version=0.0.4. */
int	api_metrics(const struct api_request *, json_t **resp);

/* Drift found, repaired, not repaired (svc-policy.c, with its events). */
void	metrics_drift_detected(void);
void	metrics_drift_repaired(void);
void	metrics_drift_repair_failed(void);

/**
 * struct metrics_clock - adjtimex(2) read-only
 * @mc_synced: the kernel says an NTP daemon disciplines the clock
 *   (STA_UNSYNC clear and not TIME_ERROR)
 * @mc_maxerror_s, @mc_esterror_s: the kernel's error bounds, seconds
 */
struct metrics_clock {
	bool	mc_ok;
	bool	mc_synced;
	double	mc_maxerror_s;
	double	mc_esterror_s;
};
void	metrics_clock_read(struct metrics_clock *);

#endif
