/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket: HTTP with JSON bodies on a unix socket, for
 * sansoctl.  Only root and members of group "sanso" (SO_PEERCRED) get an
 * answer other than 403.
 */
#ifndef SANSO_CONTROL_H
#define SANSO_CONTROL_H

#define CONTROL_GROUP		"sanso"
#define CONTROL_TIMEOUT_SECS	60	/* idle or slow clients are dropped */
#define CONTROL_HEADERS_MAX	(64 * 1024)

/* Create the socket (and its directory) and serve the API on it.  Returns
 * 0, or -1 with *cause set (caller frees). */
int	control_init(const char *path, char **cause);
/* Stop serving and remove the socket file. */
void	control_free(void);

#endif
