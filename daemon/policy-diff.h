/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What would change between two validated policies, in policy terms. */
#ifndef SANSO_POLICY_DIFF_H
#define SANSO_POLICY_DIFF_H

#include <jansson.h>

#include "policy.h"

/*
 * {"zones": {"added": [...], "removed": [...], "changed": [{"name": ..,
 *   "changes": ["tier lgwan -> internet", "interfaces +eth5", ...]}]},
 *  "hosts": {...}, "services": {...}, "conduits": {...},
 *  "quarantine": {"changed": bool, "changes": [...]},
 *  "model": {"from": .., "to": ..} (only when changed), "empty": bool}
 * @old may be NULL (everything is added).
 */
json_t	*policy_diff(const struct policy *old, const struct policy *new_);
/* The same as lines for terminals: "+ conduit web: internet -> isc ...". */
char	*policy_diff_text(const json_t *diff);

#endif
