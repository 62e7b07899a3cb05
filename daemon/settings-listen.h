/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listen: section of sansod.yaml (the HTTPS API and web UI listener). */
#ifndef SANSO_SETTINGS_LISTEN_H
#define SANSO_SETTINGS_LISTEN_H

#include <stddef.h>

/**
 * struct settings_listen - listen:
 * @sl_https: "ADDRESS:PORT" / "[V6]:PORT" to serve HTTPS on (default none:
 *   the management address is the site's to choose)
 * @sl_certificate, @sl_key: PEM files; NULL = self-signed pair in STATEDIR
 * @sl_body_max: largest request body (default 32M: the largest policy)
 * @sl_header_max: largest request header block (default 16k)
 * @sl_timeout: seconds a client may take per request (default 30s)
 */
struct settings_listen {
	char	**sl_https;
	size_t	  sl_n_https;
	char	 *sl_certificate;
	char	 *sl_key;
	size_t	  sl_body_max;
	size_t	  sl_header_max;
	long	  sl_timeout;
};

#endif
