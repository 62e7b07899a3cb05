/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The HTTPS listener: evhttp over OpenSSL bufferevents, limits, headers. */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include <jansson.h>
#include <openssl/ssl.h>

#include "api.h"
#include "http-reply.h"
#include "https.h"
#include "log.h"
#include "proc.h"
#include "tls.h"
#include "xmalloc.h"

/**
 * struct https_conn - one TLS connection, alive as long as its SSL
 * @hc_ssl: the connection's SSL (its fd is the socket)
 * @hc_deadline: cuts the connection when no whole request has arrived
 *   within listen.timeout (slowloris: evhttp's own timeout is an idle
 *   timeout, which a byte a second never trips)
 */
struct https_conn {
	SSL			*hc_ssl;
	struct proc_timer	*hc_deadline;
};

static struct evhttp		 *https_http;
static SSL_CTX			 *https_ctx;
static struct evhttp_bound_socket **https_bound;
static size_t			  https_n_bound;
static bool			  https_paused;
static unsigned			  https_nconn;
static unsigned			  https_conn_max;
static unsigned long		  https_timeout_ms;
static size_t			  https_body_max, https_header_max;
static int			  https_ex_index = -1;

/* Accept again, or stop, as the connection count crosses the cap (the
 * clients beyond it wait in the kernel's accept queue). */
static void
https_pause(bool pause)
{
	struct evconnlistener	*lev;
	size_t			 i;

	if (pause == https_paused)
		return;
	for (i = 0; i < https_n_bound; i++) {
		lev = evhttp_bound_socket_get_listener(https_bound[i]);
		if (pause)
			evconnlistener_disable(lev);
		else
			evconnlistener_enable(lev);
	}
	if (pause)
		log_warnx("https: %u connections, listen.connections_max: not "
		    "accepting more until one closes", https_nconn);
	https_paused = pause;
}

/* The socket's end: the kernel reports EOF, and evhttp frees the
 * connection on its own path.  Safe even when evhttp has already freed
 * it: the fd is closed only with the SSL, which frees us first. */
static void
https_deadline(void *arg)
{
	struct https_conn	*hc = arg;
	int			 fd = SSL_get_fd(hc->hc_ssl);

	log_debug("https: fd %d: no whole request within %lu ms, closing", fd,
	    https_timeout_ms);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
}

/* CRYPTO_EX_free: the SSL (so the connection) is gone. */
static void
https_conn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	struct https_conn *hc = ptr;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (hc == NULL)
		return;
	proc_timer_free(hc->hc_deadline);
	free(hc);
	if (https_nconn > 0)
		https_nconn--;
	if (https_http != NULL && https_nconn < https_conn_max)
		https_pause(false);
}

static struct https_conn *
https_conn_of(struct evhttp_connection *evcon)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (ssl = bufferevent_openssl_get_ssl(bev)) == NULL)
		return NULL;
	return SSL_get_ex_data(ssl, https_ex_index);
}

/* evhttp's bevcb: every accepted connection speaks TLS. */
static struct bufferevent *
https_bev(struct event_base *base, void *arg)
{
	struct https_conn	*hc;
	struct bufferevent	*bev;
	SSL			*ssl;

	(void)arg;
	/* Out of memory is fatal: returning NULL would make evhttp serve
	 * plain HTTP on this connection. */
	if ((ssl = SSL_new(https_ctx)) == NULL)
		fatalx("%s: SSL_new", __func__);
	hc = xcalloc(1, sizeof(*hc));
	hc->hc_ssl = ssl;
	hc->hc_deadline = proc_timer_new(https_deadline, hc);
	if (SSL_set_ex_data(ssl, https_ex_index, hc) != 1)
		fatalx("%s: SSL_set_ex_data", __func__);
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		fatalx("%s: bufferevent_openssl_socket_new", __func__);
	proc_timer_start(hc->hc_deadline, https_timeout_ms, false);
	if (++https_nconn >= https_conn_max)
		https_pause(true);
	return bev;
}

/* The headers every HTTPS response carries. */
static void
https_headers(struct evkeyvalq *hdr)
{
	evhttp_add_header(hdr, "Strict-Transport-Security", HTTPS_HSTS);
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_add_header(hdr, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(hdr, "Content-Security-Policy", HTTPS_CSP);
	evhttp_add_header(hdr, "X-Frame-Options", "DENY");
	evhttp_add_header(hdr, "Referrer-Policy", "no-referrer");
}

static void
https_reply(struct evhttp_request *req, int status, json_t *resp,
    const char *allow, const char *set_cookie)
{
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);
	struct evbuffer		*out;

	out = http_reply_body(req, resp, 0);
	https_headers(hdr);
	if (allow != NULL && allow[0] != '\0')
		evhttp_add_header(hdr, "Allow", allow);
	if (set_cookie != NULL)
		evhttp_add_header(hdr, "Set-Cookie", set_cookie);
	evhttp_send_reply(req, status, NULL, out);
	evbuffer_free(out);
}

/* evhttp's gencb: one whole request has arrived. */
static void
https_request(struct evhttp_request *req, void *arg)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	struct evkeyvalq		*in_hdr;
	struct https_conn		*hc;
	struct api_call			 call;
	char				*peer = NULL, allow[64], *full = NULL;
	const char			*path;
	json_t				*resp;
	ev_uint16_t			 port = 0;
	int				 status;

	(void)arg;
	/* The next request (keep-alive) gets a timeout of its own. */
	if ((hc = https_conn_of(evcon)) != NULL)
		proc_timer_start(hc->hc_deadline, https_timeout_ms, false);
	evhttp_connection_get_peer(evcon, &peer, &port);
	path = http_request_path(req);
	in_hdr = evhttp_request_get_input_headers(req);
	full = http_call_init(req, path, &call);
	call.ac_https = true;
	call.ac_uid = (uid_t)-1;
	call.ac_gid = (gid_t)-1;
	call.ac_cookie = evhttp_find_header(in_hdr, "Cookie");
	call.ac_authorization = evhttp_find_header(in_hdr, "Authorization");
	call.ac_csrf = evhttp_find_header(in_hdr, "X-CSRF-Token");
	call.ac_remote = peer != NULL ? peer : "?";
	status = api_dispatch_call(&call, &resp, allow, sizeof(allow));
	log_debug("https: %s:%u %s %s (%zu bytes): %d", call.ac_remote,
	    (unsigned)port, call.ac_method, path, call.ac_len, status);
	https_reply(req, status, resp, status == 405 ? allow : NULL,
	    call.ac_set_cookie);
	free(call.ac_set_cookie);
	free(full);
	json_decref(resp);
}

/*
 * libevent's own refusals (a body over the limit, a request line or
 * headers over the limit or malformed, an unknown method) come from
 * evhttp_send_error(), which answers in HTML and has no hook in libevent
 * 2.1 (evhttp_set_errorcb is 2.2's).  sansod defines the function itself,
 * so those answers are the API's JSON errors too, on both transports (the
 * dynamic linker binds libevent's calls to this definition;
 * tests/cli/https.sh checks that it does).  As libevent's version does,
 * it answers HTTP/1.1 and closes the connection.
 */
void
evhttp_send_error(struct evhttp_request *req, int error, const char *reason)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);
	struct evbuffer		*out;
	bool			 tls = https_conn_of(evcon) != NULL;
	json_t			*e;

	switch (error) {
	case 413:
		e = api_error("payload_too_large", NULL, "the request body is "
		    "larger than %s (%zu bytes)", tls ? "listen.body_max" :
		    "the limit", tls ? https_body_max : (size_t)API_BODY_MAX);
		break;
	case 400:
		if (tls)
			e = api_error("bad_request", NULL, "malformed HTTP "
			    "request, or its request line and headers are "
			    "larger than listen.header_max (%zu bytes)",
			    https_header_max);
		else
			e = api_error("bad_request", NULL, "malformed HTTP "
			    "request, or its headers are too large");
		break;
	case 501:
		e = api_error("method_not_allowed", NULL, "HTTP method not "
		    "implemented");
		break;
	case 417:
		e = api_error("http_error", NULL, "Expect: only 100-continue "
		    "is understood");
		break;
	default:
		e = api_error("http_error", NULL, "%d %s", error,
		    reason != NULL ? reason : "HTTP error");
		break;
	}
	/* A request whose first line did not parse has no version yet. */
	if (req->major == 0 || req->minor == 0) {
		req->major = 1;
		req->minor = 1;
	}
	evhttp_clear_headers(hdr);
	out = http_reply_body(req, e, 0);
	json_decref(e);
	evhttp_add_header(hdr, "Connection", "close");
	if (tls)
		https_headers(hdr);
	else
		evhttp_add_header(hdr, "Cache-Control", "no-store");
	evhttp_send_reply(req, error, reason, out);
	evbuffer_free(out);
}

/* A listening socket for one "ADDRESS:PORT" of listen.https. */
static int
https_listen(const char *addr, char **cause)
{
	struct sockaddr_storage		 ss;
	struct evhttp_bound_socket	*bound;
	socklen_t			 len;
	int				 fd, one = 1;

	if (!settings_listen_addr(addr, &ss, &len, NULL, 0)) {
		xasprintf(cause, "listen.https: '%s' is not ADDRESS:PORT", addr);
		return -1;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1) {
		xasprintf(cause, "listen.https %s: socket: %s", addr,
		    strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Accepted sockets inherit it: a response is several TLS records
	 * (headers, body), and Nagle would hold the last one back until the
	 * client's delayed ACK, 40 ms per request. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) == -1) {
		xasprintf(cause, "listen.https %s: cannot bind: %s", addr,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, 128) == -1) {
		xasprintf(cause, "listen.https %s: cannot listen: %s", addr,
		    strerror(errno));
		close(fd);
		return -1;
	}
	/* evhttp owns the fd from here (closed with the listener). */
	if ((bound = evhttp_accept_socket_with_handle(https_http, fd)) == NULL) {
		xasprintf(cause, "listen.https %s: cannot serve HTTP", addr);
		close(fd);
		return -1;
	}
	https_bound = xreallocarray(https_bound, https_n_bound + 1,
	    sizeof(*https_bound));
	https_bound[https_n_bound++] = bound;
	return 0;
}

int
https_init(const struct settings_listen *l, char **cause)
{
	char	 fp[TLS_FINGERPRINT_LEN];
	size_t	 i;

	if (l->sl_n_https == 0) {
		log_info("https: no listen.https address; the API is on the "
		    "control socket only");
		return 0;
	}
	if (https_ex_index == -1 && (https_ex_index = SSL_get_ex_new_index(0,
	    NULL, NULL, NULL, https_conn_free)) == -1)
		fatalx("%s: SSL_get_ex_new_index", __func__);
	if ((https_ctx = tls_server_ctx(l, cause)) == NULL)
		return -1;
	https_timeout_ms = (unsigned long)l->sl_timeout * 1000;
	https_conn_max = l->sl_connections_max;
	https_body_max = l->sl_body_max;
	https_header_max = l->sl_header_max;

	if ((https_http = evhttp_new(proc_base())) == NULL)
		fatalx("%s: evhttp_new", __func__);
	evhttp_set_bevcb(https_http, https_bev, NULL);
	evhttp_set_gencb(https_http, https_request, NULL);
	evhttp_set_max_body_size(https_http, (ev_ssize_t)l->sl_body_max);
	evhttp_set_max_headers_size(https_http, (ev_ssize_t)l->sl_header_max);
	evhttp_set_timeout(https_http, (int)l->sl_timeout);
	/* Read and discard a body over the limit before answering 413, so
	 * the client reads the answer instead of a reset connection. */
	evhttp_set_flags(https_http, EVHTTP_SERVER_LINGERING_CLOSE);
	evhttp_set_allowed_methods(https_http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(https_http, "application/json");

	for (i = 0; i < l->sl_n_https; i++)
		if (https_listen(l->sl_https[i], cause) == -1) {
			https_free();
			return -1;
		}
	if (l->sl_certificate != NULL) {
		X509 *x = SSL_CTX_get0_certificate(https_ctx);

		tls_fingerprint(x, fp);
		log_info("https: certificate %s, SHA-256 fingerprint %s",
		    l->sl_certificate, fp);
	}
	for (i = 0; i < l->sl_n_https; i++)
		log_info("listening on https://%s", l->sl_https[i]);
	return 0;
}

void
https_free(void)
{
	struct evhttp	*http = https_http;

	/* Forgotten first: the connections' ex_data callbacks (now or when
	 * libevent finalizes them) must not touch the listeners. */
	https_http = NULL;
	free(https_bound);
	https_bound = NULL;
	https_n_bound = 0;
	https_paused = false;
	/* Closes the listeners and every connection; each SSL's ex_data
	 * callback then frees its struct https_conn. */
	if (http != NULL)
		evhttp_free(http);
	if (https_ctx != NULL)
		SSL_CTX_free(https_ctx);
	https_ctx = NULL;
}
