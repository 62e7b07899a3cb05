/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The auth: section of sansod.yaml: passwords, lockout, sessions, roles. */
#ifndef SANSO_SETTINGS_AUTH_H
#define SANSO_SETTINGS_AUTH_H

#include <stddef.h>

/**
 * struct settings_auth - auth:
 * @sa_password_min: minimum password length (default 12)
 * @sa_password_history: a new password may not be one of the last N
 *   (default 5)
 * @sa_lockout_attempts: failed logins before lockout (default 5)
 * @sa_lockout_seconds: how long a lockout lasts (default 15m)
 * @sa_session_idle, @sa_session_absolute: browser session timeouts in
 *   seconds (defaults 15m and 8h)
 */
struct settings_auth {
	unsigned	 sa_password_min;
	unsigned	 sa_password_history;
	unsigned	 sa_lockout_attempts;
	long		 sa_lockout_seconds;
	long		 sa_session_idle;
	long		 sa_session_absolute;
};

#endif
