/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HTTPS listener's SSL_CTX and its self-signed certificate. */
#include <sys/stat.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "log.h"
#include "state.h"
#include "tls.h"
#include "xmalloc.h"

/* Validity of a self-signed certificate, and how early to replace it. */
#define TLS_SELF_DAYS		730
#define TLS_RENEW_DAYS		30
/* Resumption state is kept in this process only (see tls_server_ctx). */
#define TLS_SESSION_SECS	600
#define TLS_SESSION_CACHE	4096

const char *
tls_errors(char *buf, size_t len)
{
	unsigned long	e;
	size_t		used = 0;

	buf[0] = '\0';
	while ((e = ERR_get_error()) != 0 && used + 2 < len) {
		if (used > 0)
			used += (size_t)snprintf(buf + used, len - used, "; ");
		ERR_error_string_n(e, buf + used, len - used);
		used = strlen(buf);
	}
	if (buf[0] == '\0')
		snprintf(buf, len, "unknown OpenSSL error");
	return buf;
}

void
tls_fingerprint(X509 *x, char out[TLS_FINGERPRINT_LEN])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	n = 0, i;

	out[0] = '\0';
	if (X509_digest(x, EVP_sha256(), md, &n) != 1)
		return;
	for (i = 0; i < n && i < 32; i++)
		snprintf(out + i * 3, 4, "%02X%s", md[i], i + 1 < n ? ":" : "");
}

/* The gateway's name for the certificate's subject and SAN. */
static void
tls_hostname(char *buf, size_t len)
{
	if (gethostname(buf, len) == -1 || buf[0] == '\0')
		snprintf(buf, len, "sanso");
	buf[len - 1] = '\0';
}

/* "DNS:host,IP:192.0.2.1,IP:2001:db8::1" for every specific listen
 * address (a wildcard such as 0.0.0.0 names no one). */
static char *
tls_san(const struct settings_listen *l, const char *hostname)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 host[64], *san, *tmp;
	size_t			 i;

	xasprintf(&san, "DNS:%s", hostname);
	for (i = 0; i < l->sl_n_https; i++) {
		if (!settings_listen_addr(l->sl_https[i], &ss, &sslen, host,
		    sizeof(host)))
			continue;
		if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0)
			continue;
		xasprintf(&tmp, "%s,IP:%s", san, host);
		free(san);
		san = tmp;
	}
	return san;
}

static bool
tls_add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX	 ctx;
	X509_EXTENSION	*ext;
	bool		 ok;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if ((ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value)) == NULL)
		return false;
	ok = X509_add_ext(x, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

/* PEM of @key or @x into STATEDIR/@name (mode 0600, atomically). */
static int
tls_write_pem(const char *name, EVP_PKEY *key, X509 *x)
{
	BIO	*bio;
	char	*data;
	long	 len;
	int	 ret;

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		fatalx("%s: BIO_new", __func__);
	if ((key != NULL && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0,
	    NULL, NULL) != 1) || (x != NULL && PEM_write_bio_X509(bio, x) != 1))
		ret = -EIO;
	else {
		len = BIO_get_mem_data(bio, &data);
		ret = state_write(name, data, (size_t)len);
	}
	BIO_free(bio);
	return ret;
}

/*
 * A new EC P-256 key and a certificate for it, signed by itself: the
 * gateway's hostname and every specific listen address as SANs, valid
 * for two years, for TLS servers only.
 */
static int
tls_self_make(const struct settings_listen *l, EVP_PKEY **keyp, X509 **xp,
    char **cause)
{
	EVP_PKEY	*key = NULL;
	X509		*x = NULL;
	X509_NAME	*name;
	BIGNUM		*serial = NULL;
	char		 hostname[256], *san = NULL, err[512];
	int		 ret = -1;

	tls_hostname(hostname, sizeof(hostname));
	if ((key = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL ||
	    (serial = BN_new()) == NULL)
		goto fail;
	/* A random 127-bit serial: positive, unique without a CA database. */
	if (BN_rand(serial, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) == NULL ||
	    X509_set_version(x, X509_VERSION_3) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), TLS_SELF_DAYS, 0,
	    NULL) == NULL || X509_set_pubkey(x, key) != 1)
		goto fail;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
	    (const unsigned char *)"sanso", -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
	    (const unsigned char *)hostname, -1, -1, 0) != 1 ||
	    X509_set_issuer_name(x, name) != 1)
		goto fail;
	san = tls_san(l, hostname);
	if (!tls_add_ext(x, NID_basic_constraints, "critical,CA:FALSE") ||
	    !tls_add_ext(x, NID_key_usage, "critical,digitalSignature") ||
	    !tls_add_ext(x, NID_ext_key_usage, "serverAuth") ||
	    !tls_add_ext(x, NID_subject_key_identifier, "hash") ||
	    !tls_add_ext(x, NID_subject_alt_name, san))
		goto fail;
	if (X509_sign(x, key, EVP_sha256()) == 0)
		goto fail;
	*keyp = key;
	*xp = x;
	key = NULL;
	x = NULL;
	ret = 0;
	goto out;
fail:
	xasprintf(cause, "cannot make a self-signed certificate: %s",
	    tls_errors(err, sizeof(err)));
out:
	free(san);
	BN_free(serial);
	X509_free(x);
	EVP_PKEY_free(key);
	return ret;
}

/* The pair in STATEDIR/tls/, or NULLs when absent or unreadable. */
static void
tls_self_load(EVP_PKEY **keyp, X509 **xp)
{
	char	*buf;
	size_t	 len;
	BIO	*bio;

	*keyp = NULL;
	*xp = NULL;
	if (state_read(TLS_KEY, &buf, &len, 64 * 1024) == 0) {
		if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
			*keyp = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
			BIO_free(bio);
		}
		OPENSSL_cleanse(buf, len);
		free(buf);
	}
	if (state_read(TLS_CERT, &buf, &len, 64 * 1024) == 0) {
		if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
			*xp = PEM_read_bio_X509(bio, NULL, NULL, NULL);
			BIO_free(bio);
		}
		free(buf);
	}
	ERR_clear_error();
}

/*
 * Why the stored pair cannot serve @l, or NULL when it can: it must be a
 * matching pair, valid for another TLS_RENEW_DAYS, and name every
 * specific listen address (settings may have moved the listener).
 */
static const char *
tls_self_unfit(const struct settings_listen *l, EVP_PKEY *key, X509 *x)
{
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	time_t			 soon = time(NULL) + TLS_RENEW_DAYS * 86400;
	char			 host[64];
	size_t			 i;

	if (key == NULL || x == NULL)
		return "missing or unreadable";
	if (X509_check_private_key(x, key) != 1)
		return "the key does not match the certificate";
	if (X509_cmp_time(X509_get0_notAfter(x), &soon) <= 0)
		return "it expires within 30 days";
	for (i = 0; i < l->sl_n_https; i++) {
		if (!settings_listen_addr(l->sl_https[i], &ss, &sslen, host,
		    sizeof(host)) || strcmp(host, "0.0.0.0") == 0 ||
		    strcmp(host, "::") == 0)
			continue;
		if (X509_check_ip_asc(x, host, 0) != 1)
			return "it does not name every listen address";
	}
	return NULL;
}

/* The self-signed pair: the stored one when fit, else a new one. */
static int
tls_self(SSL_CTX *ctx, const struct settings_listen *l, char **cause)
{
	EVP_PKEY	*key;
	X509		*x;
	const char	*why;
	char		 fp[TLS_FINGERPRINT_LEN], path[512], dir[512];
	int		 r, ret = -1;

	tls_self_load(&key, &x);
	if ((why = tls_self_unfit(l, key, x)) != NULL) {
		if (key != NULL || x != NULL)
			log_warnx("%s: replacing the self-signed certificate: "
			    "%s", state_path(TLS_CERT, path, sizeof(path)), why);
		EVP_PKEY_free(key);
		X509_free(x);
		key = NULL;
		x = NULL;
		state_path(TLS_DIR, dir, sizeof(dir));
		if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
			xasprintf(cause, "cannot create %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		if (tls_self_make(l, &key, &x, cause) == -1)
			return -1;
		/* The key first: a crash between the two leaves a pair
		 * that does not match, which the next start replaces. */
		if ((r = tls_write_pem(TLS_KEY, key, NULL)) < 0 ||
		    (r = tls_write_pem(TLS_CERT, NULL, x)) < 0) {
			xasprintf(cause, "cannot write %s: %s",
			    state_path(r == 0 ? TLS_CERT : TLS_KEY, path,
			    sizeof(path)), strerror(-r));
			goto out;
		}
		tls_fingerprint(x, fp);
		log_info("created a self-signed certificate %s (EC P-256, "
		    "%d days); SHA-256 fingerprint %s", state_path(TLS_CERT,
		    path, sizeof(path)), TLS_SELF_DAYS, fp);
	}
	if (SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, key) != 1) {
		xasprintf(cause, "%s: cannot use the self-signed certificate",
		    state_path(TLS_CERT, path, sizeof(path)));
		goto out;
	}
	ret = 0;
out:
	EVP_PKEY_free(key);
	X509_free(x);
	return ret;
}

/* listen.certificate (with its chain) and listen.key. */
static int
tls_configured(SSL_CTX *ctx, const struct settings_listen *l, char **cause)
{
	time_t	 soon = time(NULL) + TLS_RENEW_DAYS * 86400;
	X509	*x;
	char	 err[512];

	if (SSL_CTX_use_certificate_chain_file(ctx, l->sl_certificate) != 1) {
		xasprintf(cause, "listen.certificate %s: cannot load: %s",
		    l->sl_certificate, tls_errors(err, sizeof(err)));
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, l->sl_key,
	    SSL_FILETYPE_PEM) != 1) {
		xasprintf(cause, "listen.key %s: cannot load: %s", l->sl_key,
		    tls_errors(err, sizeof(err)));
		return -1;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		xasprintf(cause, "listen.key %s does not match "
		    "listen.certificate %s", l->sl_key, l->sl_certificate);
		ERR_clear_error();
		return -1;
	}
	/* Served all the same: refusing to start would leave the API
	 * unreachable while the site renews it. */
	x = SSL_CTX_get0_certificate(ctx);
	if (X509_cmp_time(X509_get0_notAfter(x), &soon) <= 0)
		log_warnx("listen.certificate %s %s", l->sl_certificate,
		    X509_cmp_current_time(X509_get0_notAfter(x)) <= 0 ?
		    "has expired: clients will refuse it" :
		    "expires within 30 days");
	return 0;
}

SSL_CTX *
tls_server_ctx(const struct settings_listen *l, char **cause)
{
	SSL_CTX	*ctx;
	char	 err[512];

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		fatalx("%s: SSL_CTX_new: %s", __func__,
		    tls_errors(err, sizeof(err)));
	/*
	 * TLS 1.2 and 1.3 only; for 1.2 ECDHE with AEAD ciphers only (no
	 * CBC, no RSA key exchange, no SHA-1 MAC), in our order.  No
	 * compression (CRIME), no renegotiation.  No session tickets: their
	 * key would live as long as the process and unlock every 1.2
	 * session it sealed; resumption uses the in-memory session cache
	 * instead (stateful tickets in 1.3), which ages out after
	 * TLS_SESSION_SECS.
	 */
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS_12) != 1 ||
	    SSL_CTX_set_ciphersuites(ctx, TLS_CIPHERS_13) != 1 ||
	    SSL_CTX_set1_groups_list(ctx, "X25519:P-256:P-384") != 1)
		fatalx("%s: cannot set the TLS parameters: %s", __func__,
		    tls_errors(err, sizeof(err)));
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE |
	    SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	SSL_CTX_sess_set_cache_size(ctx, TLS_SESSION_CACHE);
	SSL_CTX_set_timeout(ctx, TLS_SESSION_SECS);
	SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"sanso", 5);

	if ((l->sl_certificate != NULL ? tls_configured(ctx, l, cause) :
	    tls_self(ctx, l, cause)) == -1) {
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}
