/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to the sansod.yaml parser: the section handlers that
 * settings.c's top-level table calls, and generic handlers for values
 * (durations, counts, sizes, strings, lists of strings) the sections share.
 * All use the parse_key offsets of policy-parse.h.
 */
#ifndef SANSO_SETTINGS_PARSE_H
#define SANSO_SETTINGS_PARSE_H

#include "policy-parse.h"
#include "settings.h"

/* Sections: @obj is the struct settings. */
bool	settings_parse_listen(struct parse *, yaml_node_t *, void *,
	    const struct parse_key *);
bool	settings_parse_logs(struct parse *, yaml_node_t *, void *,
	    const struct parse_key *);
bool	settings_parse_auth(struct parse *, yaml_node_t *, void *,
	    const struct parse_key *);
void	settings_listen_defaults(struct settings_listen *);
void	settings_logs_defaults(struct settings_logs *);
void	settings_auth_defaults(struct settings_auth *);
void	settings_listen_free(struct settings_listen *);
void	settings_logs_free(struct settings_logs *);
void	settings_auth_free(struct settings_auth *);

/* "30s", "15m", "8h", "2d" -> seconds (long at pk_off); zero refused. */
bool	settings_parse_duration(struct parse *, yaml_node_t *, void *,
	    const struct parse_key *);
/* A decimal count 0..INT_MAX -> unsigned at pk_off. */
bool	settings_parse_uint(struct parse *, yaml_node_t *, void *,
	    const struct parse_key *);
/* "512", "64k", "16M", "1G" (powers of 1024) -> size_t at pk_off. */
bool	settings_parse_size(struct parse *, yaml_node_t *, void *,
	    const struct parse_key *);
/* A non-empty string -> char * at pk_off (replacing, freeing the old). */
bool	settings_parse_string(struct parse *, yaml_node_t *, void *,
	    const struct parse_key *);
/* A list of non-empty strings -> char ** at pk_off, size_t at pk_off3
 * (pk_off2 unused); duplicates refused. */
bool	settings_parse_strings(struct parse *, yaml_node_t *, void *,
	    const struct parse_key *);
void	settings_strings_free(char **v, size_t n);

#endif
