/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The /api/v1 handlers of two-person changes, exceptions (例外措置) and
 * the review queue (svc-change.h); api.c's route table lists them. */
#ifndef SANSO_API_CHANGE_H
#define SANSO_API_CHANGE_H

#include <jansson.h>

#include "api.h"

int	api_change_list(const struct api_request *, json_t **resp);
int	api_change_propose(const struct api_request *, json_t **resp);
int	api_change_approve(const struct api_request *, json_t **resp);
int	api_change_reject(const struct api_request *, json_t **resp);
int	api_change_apply(const struct api_request *, json_t **resp);
int	api_change_break_glass(const struct api_request *, json_t **resp);
int	api_change_exceptions(const struct api_request *, json_t **resp);
int	api_change_exception_request(const struct api_request *,
	    json_t **resp);
int	api_change_exception_approve(const struct api_request *,
	    json_t **resp);
int	api_change_exception_reject(const struct api_request *,
	    json_t **resp);
int	api_change_exception_break_glass(const struct api_request *,
	    json_t **resp);
int	api_change_review(const struct api_request *, json_t **resp);
int	api_change_review_ack(const struct api_request *, json_t **resp);

#endif
