/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listen: section of sansod.yaml (the HTTPS API and web UI listener). */
#ifndef SANSO_SETTINGS_LISTEN_H
#define SANSO_SETTINGS_LISTEN_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>

/**
 * struct settings_listen - listen:
 * @sl_https: "ADDRESS:PORT" / "[V6]:PORT" to serve HTTPS on (default none:
 *   which address is the management zone's is the site's to say, and
 *   sansod must never open the API on an address that faces a user zone
 *   because a default guessed wrong)
 * @sl_certificate, @sl_key: PEM files; NULL = self-signed pair in STATEDIR
 * @sl_body_max: largest request body (default 32M: the largest policy)
 * @sl_header_max: largest request line and header block (default 16k)
 * @sl_timeout: seconds a client may take to send one whole request, and
 *   the longest a connection may stay idle (default 30s)
 * @sl_connections_max: HTTPS connections served at once; more wait in the
 *   kernel's accept queue (default 256)
 */
struct settings_listen {
	char	 **sl_https;
	size_t	   sl_n_https;
	char	  *sl_certificate;
	char	  *sl_key;
	size_t	   sl_body_max;
	size_t	   sl_header_max;
	long	   sl_timeout;
	unsigned   sl_connections_max;
};

/*
 * "192.0.2.1:443", "[2001:db8::1]:443", "0.0.0.0:443" into @ss; @host gets
 * the address alone ("2001:db8::1") when not NULL.  False when @s is not a
 * numeric address with a port 1-65535.
 */
bool	 settings_listen_addr(const char *s, struct sockaddr_storage *ss,
	    socklen_t *lenp, char *host, size_t hostlen);

#endif
