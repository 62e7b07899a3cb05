/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The approvals: section of sansod.yaml: two-person changes, the
 * break-glass path and the limits of exceptions (例外措置). */
#ifndef SANSO_SETTINGS_APPROVALS_H
#define SANSO_SETTINGS_APPROVALS_H

#include <stdbool.h>

#include "policy-parse.h"

struct settings;

/**
 * struct settings_approvals - approvals:
 * @sp_break_glass: a person with change.break_glass (exception.break_glass)
 *   may apply a proposal (activate an exception) without a second person;
 *   recorded, flagged and queued for review (002 §100, §8-1 "やむを得ない
 *   場合").  Default false: every change needs two people (002 §53-3).
 * @sp_exception_max: the longest an exception may last, seconds (default
 *   30d); a request for longer is refused
 */
struct settings_approvals {
	bool	 sp_break_glass;
	long	 sp_exception_max;
};

void	settings_approvals_defaults(struct settings_approvals *);
void	settings_approvals_free(struct settings_approvals *);
/* The section handler for settings.c's top-level table (@obj is the
 * struct settings). */
bool	settings_parse_approvals(struct parse *, yaml_node_t *, void *,
	    const struct parse_key *);

#endif
