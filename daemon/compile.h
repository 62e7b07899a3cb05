/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Compiler: a validated policy becomes the ruleset of table inet sanso. */
#ifndef SANSO_COMPILE_H
#define SANSO_COMPILE_H

#include "../nftables/ruleset.h"
#include "policy.h"

/* Chain names other modules hook into (isolation and quarantine issues). */
#define CHAIN_FORWARD		"forward"
#define CHAIN_INPUT		"input"
#define CHAIN_ISOLATION		"isolation"	/* jumped to before est/rel */
#define CHAIN_QUARANTINE	"quarantine"	/* jumped to before est/rel */

/* Compile @p (which must have passed policy_validate()).  Never fails for a
 * validated policy; the result is normalised (rs_normalize). */
struct ruleset	*compile_policy(const struct policy *p);

#endif
