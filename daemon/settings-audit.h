/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The audit: section of sansod.yaml: where the chain's HMAC key lives. */
#ifndef SANSO_SETTINGS_AUDIT_H
#define SANSO_SETTINGS_AUDIT_H

#include <stdbool.h>

#include <yaml.h>

struct parse;
struct parse_key;

/**
 * struct settings_audit - audit:
 * @sa_key_file: the HMAC key that anchors the chain (default
 *   STATEDIR/audit.key; a relative name is under STATEDIR).  It must not
 *   be readable by group or others; sansod creates it (0600, 32 random
 *   bytes) when it does not exist.  Put it on other storage than the
 *   database (or back it up apart) so that one copy of the state
 *   directory is not enough to rewrite the chain.
 */
struct settings_audit {
	char	*sa_key_file;
};

void	settings_audit_defaults(struct settings_audit *);
void	settings_audit_free(struct settings_audit *);
/* The section handler for settings.c's table; @obj is the struct settings. */
bool	settings_parse_audit(struct parse *, yaml_node_t *, void *,
	    const struct parse_key *);

#endif
