/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sansod.yaml: the daemon's own settings (listeners and TLS, log outputs,
 * password, lockout and session rules, roles), parsed with the same table
 * machinery as policy.yaml.  Every setting has a documented default
 * (docs/settings.md), so sansod runs with no settings file at all.  Each
 * top-level section has its own file, struct and defaults:
 *   listen:  settings-listen.c   struct settings_listen
 *   logs:    settings-logs.c     struct settings_logs
 *   auth:    settings-auth.c     struct settings_auth (passwords, lockout,
 *                                sessions, roles)
 *   approvals: settings-approvals.c struct settings_approvals (break-glass,
 *                                exception limits)
 *   packets: settings-packets.c  struct settings_packets (packet event rate)
 *   audit:   settings-audit.c    struct settings_audit (the chain's key)
 */
#ifndef SANSO_SETTINGS_H
#define SANSO_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "settings-approvals.h"
#include "settings-audit.h"
#include "settings-auth.h"
#include "settings-listen.h"
#include "settings-logs.h"
#include "settings-packets.h"

/**
 * struct settings - the whole of sansod.yaml after defaults
 * @se_file: the file read, or NULL when the defaults alone are in force
 */
struct settings {
	char			*se_file;
	struct settings_listen	 se_listen;
	struct settings_logs	 se_logs;
	struct settings_auth	 se_auth;
	struct settings_approvals se_approvals;
	struct settings_packets	 se_packets;
	struct settings_audit	 se_audit;
};

/* Fill @s with the defaults of every section. */
void	 settings_defaults(struct settings *s);
/* Defaults, then the file at @path over them.  False with errors
 * (file:line:col) queued on @d; @s then holds the defaults only.  *textp
 * gets the file's text, which @d's carets point into: the caller frees it
 * after printing the diagnostics. */
bool	 settings_load(const char *path, struct settings *s, char **textp,
	    struct diags *d);
/* The same from text (tests, fuzzing). */
bool	 settings_parse(const char *file, const char *text, size_t len,
	    struct settings *s, struct diags *d);
void	 settings_free(struct settings *s);

/* The settings sansod runs with (defaults until sansod.c installs a file's). */
const struct settings	*settings_current(void);
/* Replace the running settings (takes ownership of *s, which is zeroed). */
void	 settings_install(struct settings *s);
/* Free the running settings (at exit). */
void	 settings_clear(void);

#endif
