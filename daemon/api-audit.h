/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit trail's API handlers (routes in api.c's api_routes[]). */
#ifndef SANSO_API_AUDIT_H
#define SANSO_API_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "api.h"

/* GET /api/v1/audit?actor=&action=&since=&until=&limit= */
int	api_audit_list(const struct api_request *, json_t **resp);
/* POST /api/v1/audit/verify */
int	api_audit_verify(const struct api_request *, json_t **resp);

/* "2026-04-01T09:30:00+09:00" (or Z, or without offset: local time),
 * "2026-04-01" (local midnight) or unix seconds, into unix ms. */
bool	api_audit_parse_time(const char *, int64_t *ms);

#endif
