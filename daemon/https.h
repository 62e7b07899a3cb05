/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTTPS listener: the /api/v1 routes (api_dispatch_call) served with
 * libevent's evhttp over OpenSSL bufferevents on the addresses of
 * listen.https, with the limits and headers of listen: (docs/settings.md).
 */
#ifndef SANSO_HTTPS_H
#define SANSO_HTTPS_H

#include "settings-listen.h"

/* Headers on every HTTPS response, the API's and libevent's errors alike. */
#define HTTPS_HSTS	"max-age=31536000"
#define HTTPS_CSP	"default-src 'none'; frame-ancestors 'none'"

/*
 * Load or make the certificate, bind every address of @l and serve.  No
 * address: nothing to do, 0.  Returns 0, or -1 with *cause set (naming
 * the file or the address; caller frees).
 */
int	https_init(const struct settings_listen *l, char **cause);
/* Close the listeners and every connection. */
void	https_free(void);

#endif
