/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The HTTPS listener's TLS: the server SSL_CTX (TLS 1.2 and 1.3, AEAD
 * ECDHE suites only) with the certificate from listen.certificate/key, or
 * a self-signed pair made at first start and kept in STATEDIR/tls/.
 */
#ifndef SANSO_TLS_H
#define SANSO_TLS_H

#include <openssl/ssl.h>

#include "settings-listen.h"

/* Where the self-signed pair lives, relative to STATEDIR. */
#define TLS_DIR		"tls"
#define TLS_CERT	"tls/cert.pem"
#define TLS_KEY		"tls/key.pem"

/* The TLS 1.2 suites: ECDHE key exchange, AEAD ciphers, nothing else. */
#define TLS_CIPHERS_12	"ECDHE-ECDSA-AES128-GCM-SHA256:" \
			"ECDHE-RSA-AES128-GCM-SHA256:" \
			"ECDHE-ECDSA-AES256-GCM-SHA384:" \
			"ECDHE-RSA-AES256-GCM-SHA384:" \
			"ECDHE-ECDSA-CHACHA20-POLY1305:" \
			"ECDHE-RSA-CHACHA20-POLY1305"
#define TLS_CIPHERS_13	"TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:" \
			"TLS_CHACHA20_POLY1305_SHA256"

/*
 * The server context for @l: its certificate and key, or the self-signed
 * pair in STATEDIR (made when missing, expiring or not naming every
 * listen address).  NULL with *cause set (naming the file) on failure.
 */
SSL_CTX	*tls_server_ctx(const struct settings_listen *l, char **cause);

/* OpenSSL's queued errors as one line in @buf ("a; b"), which it returns;
 * the queue is left empty. */
const char *tls_errors(char *buf, size_t len);
/* "AB:CD:..." SHA-256 fingerprint of @x (96 bytes with the NUL). */
#define TLS_FINGERPRINT_LEN	(32 * 3)
void	 tls_fingerprint(X509 *x, char out[TLS_FINGERPRINT_LEN]);

#endif
