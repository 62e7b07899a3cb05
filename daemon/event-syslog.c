/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Syslog collectors over UDP, TCP and TLS, with reconnection and spool. */
#include <sys/socket.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "event-rfc5424.h"
#include "event-spool.h"
#include "event-syslog.h"
#include "events.h"
#include "log.h"
#include "proc.h"
#include "settings.h"
#include "tls.h"
#include "xmalloc.h"

/* A message handed to the kernel counts as delivered once the connection
 * has stayed up this long after it: a collector that went away shows
 * itself (RST, EOF) well within it, and what was sent then is sent again. */
#define SYSLOG_CONFIRM_MS	1000
#define SYSLOG_TICK_MS		200
/* Kept in the connection's buffer at most; the rest waits in the spool. */
#define SYSLOG_INFLIGHT		(256 * 1024)
#define SYSLOG_CHUNK		(64 * 1024)
/* Connecting (and the TLS handshake) or a stalled write gives up after. */
#define SYSLOG_IO_TIMEOUT	10
#define SYSLOG_UDP_MAX		65000

enum syslog_state {
	SYSLOG_IDLE,
	SYSLOG_CONNECTING,
	SYSLOG_UP,
};

/* Spool bytes up to es_end handed to the connection; es_mark is the
 * connection's byte count after them. */
struct syslog_chunk {
	uint64_t	ch_end;
	size_t		ch_nrec;
	uint64_t	ch_mark;
	struct timespec	ch_flushed;
	bool		ch_is_flushed;
};

struct event_syslog {
	char			*es_name;
	char			*es_label;	/* "syslog:NAME" */
	enum syslog_transport	 es_transport;
	char			*es_host;
	unsigned		 es_port;
	char			*es_verify_name;
	unsigned		 es_facility;
	long			 es_reconnect_max;
	SSL_CTX			*es_ctx;
	int			 es_udp_fd;
	struct bufferevent	*es_bev;
	enum syslog_state	 es_state;
	struct event_spool	*es_spool;
	struct proc_timer	*es_retry;
	struct proc_timer	*es_tick;
	struct proc_timer	*es_loss_timer;
	unsigned long		 es_backoff_ms;
	struct syslog_chunk	*es_chunks;
	size_t			 es_n_chunks, es_cap_chunks;
	uint64_t		 es_added;
	uint64_t		 es_written;
	uint64_t		 es_lost;
	uint64_t		 es_loss_pending;
	bool			 es_outage_logged;
	bool			 es_failing;
};

static struct event_syslog	**syslog_all;
static size_t			  syslog_n;
static struct evdns_base	 *syslog_dns;

static void	syslog_connect(struct event_syslog *);

static void
syslog_free(struct event_syslog *es)
{
	if (es->es_bev != NULL)
		bufferevent_free(es->es_bev);
	if (es->es_udp_fd != -1)
		close(es->es_udp_fd);
	proc_timer_free(es->es_retry);
	proc_timer_free(es->es_tick);
	proc_timer_free(es->es_loss_timer);
	event_spool_close(es->es_spool);
	if (es->es_ctx != NULL)
		SSL_CTX_free(es->es_ctx);
	free(es->es_chunks);
	free(es->es_name);
	free(es->es_label);
	free(es->es_host);
	free(es->es_verify_name);
	free(es);
}

static int
syslog_tls_context(struct event_syslog *es, const struct settings_syslog *sy,
    char **cause)
{
	const char	*what;
	char		 why[512];

	ERR_clear_error();
	if ((es->es_ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		what = "cannot create a TLS context";
		goto fail;
	}
	/* RFC 5425 asks for TLS 1.2 at least (RFC 9662); no older one. */
	if (SSL_CTX_set_min_proto_version(es->es_ctx, TLS1_2_VERSION) != 1) {
		what = "cannot require TLS 1.2";
		goto fail;
	}
	SSL_CTX_set_verify(es->es_ctx, SSL_VERIFY_PEER, NULL);
	if (sy->sy_ca_file != NULL) {
		if (SSL_CTX_load_verify_locations(es->es_ctx, sy->sy_ca_file,
		    NULL) != 1) {
			xasprintf(cause, "logs: syslog: collector '%s': "
			    "ca_file %s: %s", es->es_name, sy->sy_ca_file,
			    tls_errors(why, sizeof(why)));
			return -1;
		}
	} else if (SSL_CTX_set_default_verify_paths(es->es_ctx) != 1) {
		what = "cannot load the system's CA certificates";
		goto fail;
	}
	if (sy->sy_certificate != NULL) {
		if (SSL_CTX_use_certificate_chain_file(es->es_ctx,
		    sy->sy_certificate) != 1) {
			xasprintf(cause, "logs: syslog: collector '%s': "
			    "certificate %s: %s", es->es_name,
			    sy->sy_certificate, tls_errors(why, sizeof(why)));
			return -1;
		}
		if (SSL_CTX_use_PrivateKey_file(es->es_ctx, sy->sy_key,
		    SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_check_private_key(es->es_ctx) != 1) {
			xasprintf(cause, "logs: syslog: collector '%s': key %s: "
			    "%s", es->es_name, sy->sy_key,
			    tls_errors(why, sizeof(why)));
			return -1;
		}
	}
	return 0;
fail:
	xasprintf(cause, "logs: syslog: collector '%s': %s: %s", es->es_name,
	    what, tls_errors(why, sizeof(why)));
	return -1;
}

/* One message for @rec: formatted, and framed for a stream. */
static char *
syslog_message(struct event_syslog *es, const json_t *rec, const char *json,
    size_t len, size_t *lenp)
{
	char	*msg, *frame;
	size_t	 mlen;

	msg = event_rfc5424_format(rec, json, len, es->es_facility,
	    (long)getpid(), &mlen);
	if (es->es_transport == SYSLOG_UDP) {
		*lenp = mlen;
		return msg;
	}
	frame = event_rfc5424_frame(msg, mlen, lenp);
	free(msg);
	return frame;
}

static void
syslog_loss_cb(void *arg)
{
	struct event_syslog	*es = arg;
	uint64_t		 n = es->es_loss_pending;

	if (n == 0)
		return;
	es->es_loss_pending = 0;
	log_warnx("%s: %llu events were lost while collector %s:%u was "
	    "away (spool full)", es->es_label, (unsigned long long)n,
	    es->es_host, es->es_port);
	events_emit("log.loss", EV_ALERT, json_pack("{s:s, s:s, s:I, s:I, "
	    "s:s}", "collector", es->es_name, "output", es->es_label,
	    "lost", (json_int_t)n, "lost_total", (json_int_t)es->es_lost,
	    "detail", "the spool was full while the collector was "
	    "unreachable; events between the ids around this one are missing "
	    "at this collector (they are in the JSON file)"));
}

/* Hand spooled messages to the connection, up to SYSLOG_INFLIGHT. */
static void
syslog_pump(struct event_syslog *es)
{
	struct evbuffer		*out;
	struct syslog_chunk	*ch;
	char			*buf;
	size_t			 len, nrec;
	uint64_t		 end;

	if (es->es_state != SYSLOG_UP)
		return;
	out = bufferevent_get_output(es->es_bev);
	while (evbuffer_get_length(out) < SYSLOG_INFLIGHT) {
		buf = event_spool_next(es->es_spool, SYSLOG_CHUNK, &len, &nrec,
		    &end);
		if (buf == NULL)
			break;
		if (bufferevent_write(es->es_bev, buf, len) == -1)
			fatalx("%s: bufferevent_write", __func__);
		free(buf);
		es->es_added += len;
		es->es_chunks = xgrow(es->es_chunks, &es->es_cap_chunks,
		    es->es_n_chunks, sizeof(*es->es_chunks));
		ch = &es->es_chunks[es->es_n_chunks++];
		memset(ch, 0, sizeof(*ch));
		ch->ch_end = end;
		ch->ch_nrec = nrec;
		ch->ch_mark = es->es_added;
	}
	/* The loss is reported once the backlog is through, from the loop:
	 * never from inside events_emit(), which may have called us. */
	if (es->es_loss_pending > 0 &&
	    event_spool_unsent(es->es_spool) == 0 &&
	    !proc_timer_pending(es->es_loss_timer))
		proc_timer_start(es->es_loss_timer, 0, false);
}

/* Confirm the chunks that reached the kernel SYSLOG_CONFIRM_MS ago. */
static void
syslog_tick_cb(void *arg)
{
	struct event_syslog	*es = arg;
	struct syslog_chunk	*ch;
	struct timespec		 now;
	uint64_t		 flushed;
	size_t			 done = 0;
	long			 ms;

	if (es->es_state != SYSLOG_UP)
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	flushed = es->es_added -
	    evbuffer_get_length(bufferevent_get_output(es->es_bev));
	for (; done < es->es_n_chunks; done++) {
		ch = &es->es_chunks[done];
		if (ch->ch_mark > flushed)
			break;
		if (!ch->ch_is_flushed) {
			ch->ch_is_flushed = true;
			ch->ch_flushed = now;
		}
		ms = (now.tv_sec - ch->ch_flushed.tv_sec) * 1000 +
		    (now.tv_nsec - ch->ch_flushed.tv_nsec) / 1000000;
		if (ms < SYSLOG_CONFIRM_MS)
			break;
		event_spool_confirm(es->es_spool, ch->ch_end, ch->ch_nrec);
		es->es_written += ch->ch_nrec;
	}
	if (done > 0) {
		memmove(es->es_chunks, es->es_chunks + done,
		    (es->es_n_chunks - done) * sizeof(*es->es_chunks));
		es->es_n_chunks -= done;
	}
}

static void
syslog_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	/* Collectors say nothing; whatever comes is dropped. */
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
syslog_write_cb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	syslog_pump(arg);
}

/* Why the connection failed, as one string (allocated). */
static char *
syslog_why(struct event_syslog *es, short what)
{
	char		 buf[256], *s = NULL, *t;
	unsigned long	 e;
	SSL		*ssl;
	long		 vr;
	int		 dnserr, err = EVUTIL_SOCKET_ERROR();

	if (what & BEV_EVENT_TIMEOUT)
		return xstrdup("timed out");
	if (what & BEV_EVENT_EOF)
		return xstrdup("closed by the collector");
	if ((dnserr = bufferevent_socket_get_dns_error(es->es_bev)) != 0)
		return xstrdup(evutil_gai_strerror(dnserr));
	if (es->es_transport == SYSLOG_TLS) {
		ssl = bufferevent_openssl_get_ssl(es->es_bev);
		vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
		if (vr != X509_V_OK) {
			xasprintf(&s, "certificate verification failed: %s",
			    X509_verify_cert_error_string(vr));
			return s;
		}
		while ((e = bufferevent_get_openssl_error(es->es_bev)) != 0) {
			ERR_error_string_n(e, buf, sizeof(buf));
			if (s == NULL)
				s = xstrdup(buf);
			else {
				xasprintf(&t, "%s; %s", s, buf);
				free(s);
				s = t;
			}
		}
		if (s != NULL)
			return s;
	}
	return xstrdup(err != 0 ? evutil_socket_error_to_string(err) :
	    "connection failed");
}

static void
syslog_down(struct event_syslog *es, const char *why)
{
	bool	was_up = es->es_state == SYSLOG_UP;

	if (!es->es_outage_logged) {
		log_warnx("%s: collector %s:%u %s (%s); events are spooled "
		    "in %s and sent when it is back", es->es_label,
		    es->es_host, es->es_port, was_up ? "lost" :
		    "unreachable", why, event_spool_path(es->es_spool));
		es->es_outage_logged = true;
	} else
		log_debug("%s: %s", es->es_label, why);
	if (es->es_bev != NULL)
		bufferevent_free(es->es_bev);
	es->es_bev = NULL;
	es->es_state = SYSLOG_IDLE;
	proc_timer_stop(es->es_tick);
	/* What was sent and not yet confirmed goes again: at least once. */
	event_spool_rewind(es->es_spool);
	es->es_n_chunks = 0;
	es->es_added = 0;
	proc_timer_start(es->es_retry, es->es_backoff_ms, false);
	es->es_backoff_ms *= 2;
	if (es->es_backoff_ms > (unsigned long)es->es_reconnect_max * 1000)
		es->es_backoff_ms = (unsigned long)es->es_reconnect_max * 1000;
}

static void
syslog_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct event_syslog	*es = arg;
	char			*why;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		es->es_state = SYSLOG_UP;
		es->es_backoff_ms = 1000;
		log_info("%s: connected to %s:%u (%s)%s", es->es_label,
		    es->es_host, es->es_port,
		    settings_logs_transport_name(es->es_transport),
		    event_spool_unsent(es->es_spool) > 0 ?
		    "; sending the spool" : "");
		es->es_outage_logged = false;
		proc_timer_start(es->es_tick, SYSLOG_TICK_MS, true);
		syslog_pump(es);
		return;
	}
	why = syslog_why(es, what);
	syslog_down(es, why);
	free(why);
}

static void
syslog_retry_cb(void *arg)
{
	syslog_connect(arg);
}

static void
syslog_connect(struct event_syslog *es)
{
	struct timeval	 tv = { SYSLOG_IO_TIMEOUT, 0 };
	struct in6_addr	 a6;
	SSL		*ssl;
	int		 opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;

	if (es->es_transport == SYSLOG_TLS) {
		if ((ssl = SSL_new(es->es_ctx)) == NULL)
			fatalx("%s: SSL_new", __func__);
		/* The certificate must name what the settings say: an
		 * address (iPAddress SAN) or a DNS name, also sent as SNI. */
		if (inet_pton(AF_INET, es->es_verify_name, &a6) == 1 ||
		    inet_pton(AF_INET6, es->es_verify_name, &a6) == 1) {
			if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
			    es->es_verify_name) != 1)
				fatalx("%s: set1_ip_asc", __func__);
		} else if (SSL_set1_host(ssl, es->es_verify_name) != 1 ||
		    SSL_set_tlsext_host_name(ssl, es->es_verify_name) != 1)
			fatalx("%s: SSL_set1_host", __func__);
		es->es_bev = bufferevent_openssl_socket_new(proc_base(), -1,
		    ssl, BUFFEREVENT_SSL_CONNECTING, opts);
		if (es->es_bev == NULL)
			SSL_free(ssl);
	} else
		es->es_bev = bufferevent_socket_new(proc_base(), -1, opts);
	if (es->es_bev == NULL)
		fatalx("%s: cannot create a bufferevent", __func__);
	bufferevent_setcb(es->es_bev, syslog_read_cb, syslog_write_cb,
	    syslog_event_cb, es);
	bufferevent_set_timeouts(es->es_bev, NULL, &tv);
	bufferevent_enable(es->es_bev, EV_READ | EV_WRITE);
	es->es_state = SYSLOG_CONNECTING;
	/* On -1 no callback follows (bufferevent_free() clears them). */
	if (bufferevent_socket_connect_hostname(es->es_bev, syslog_dns,
	    AF_UNSPEC, es->es_host, (int)es->es_port) == -1 &&
	    es->es_state == SYSLOG_CONNECTING && es->es_bev != NULL)
		syslog_down(es, "cannot start connecting");
}

static void
syslog_udp_open(struct event_syslog *es)
{
	struct addrinfo	 hints, *res = NULL, *ai;
	char		 port[8];
	int		 fd = -1, r;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", es->es_port);
	if ((r = getaddrinfo(es->es_host, port, &hints, &res)) != 0) {
		log_warnx("%s: %s: %s; retrying at the next event",
		    es->es_label, es->es_host, gai_strerror(r));
		return;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd == -1)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	es->es_udp_fd = fd;
}

/*
 * UDP: one datagram per message, and no way to know whether it arrived:
 * only what the kernel refuses is counted lost.  An ICMP port unreachable
 * for an earlier datagram shows up as ECONNREFUSED on this send; it is
 * retried once.
 */
static void
syslog_udp_send(struct event_syslog *es, const char *msg, size_t len)
{
	ssize_t	n = -1;
	int	tries;

	if (es->es_udp_fd == -1)
		syslog_udp_open(es);
	for (tries = 0; es->es_udp_fd != -1 && tries < 2; tries++) {
		n = send(es->es_udp_fd, msg, len > SYSLOG_UDP_MAX ?
		    SYSLOG_UDP_MAX : len, 0);
		if (n != -1 || errno != ECONNREFUSED)
			break;
	}
	if (n == -1) {
		es->es_lost++;
		if (!es->es_failing)
			log_warn("%s: send to %s:%u (further failures are "
			    "counted)", es->es_label, es->es_host,
			    es->es_port);
		es->es_failing = true;
		return;
	}
	es->es_failing = false;
	es->es_written++;
}

static void
syslog_write(void *arg, const json_t *rec, const char *json, size_t len)
{
	struct event_syslog	*es = arg;
	char			*m;
	size_t			 mlen;
	int			 r;

	m = syslog_message(es, rec, json, len, &mlen);
	if (es->es_transport == SYSLOG_UDP) {
		syslog_udp_send(es, m, mlen);
		free(m);
		return;
	}
	r = event_spool_append(es->es_spool, m, mlen);
	free(m);
	if (r == -ENOSPC) {
		es->es_lost++;
		es->es_loss_pending++;
		return;
	}
	if (r < 0) {
		es->es_lost++;
		if (!es->es_failing)
			log_warnx("%s: %s: %s (further failures are counted)",
			    es->es_label, event_spool_path(es->es_spool),
			    strerror(-r));
		es->es_failing = true;
		return;
	}
	es->es_failing = false;
	syslog_pump(es);
}

static void
syslog_stats(void *arg, struct events_output_stats *os)
{
	struct event_syslog *es = arg;

	os->os_kind = settings_logs_transport_name(es->es_transport);
	os->os_written = es->es_written;
	os->os_lost = es->es_lost;
	if (es->es_spool != NULL) {
		os->os_spool_bytes = event_spool_bytes(es->es_spool);
		os->os_spool_records = event_spool_records(es->es_spool);
		os->os_connected = es->es_state == SYSLOG_UP;
	}
}

static int
syslog_add(const char *statedir, const struct settings_logs *g,
    const struct settings_syslog *sy, char **cause)
{
	struct event_syslog	*es;
	struct events_output	 eo;
	char			*path, *why;

	es = xcalloc(1, sizeof(*es));
	es->es_udp_fd = -1;
	es->es_name = xstrdup(sy->sy_name);
	xasprintf(&es->es_label, "syslog:%s", sy->sy_name);
	es->es_transport = sy->sy_transport;
	es->es_facility = g->sg_facility;
	es->es_reconnect_max = g->sg_reconnect_max;
	es->es_backoff_ms = 1000;
	if (!settings_logs_split_address(sy->sy_address, &es->es_host,
	    &es->es_port)) {
		xasprintf(cause, "logs: syslog: collector '%s': bad address "
		    "%s", sy->sy_name, sy->sy_address);
		goto fail;
	}
	es->es_verify_name = xstrdup(sy->sy_server_name != NULL ?
	    sy->sy_server_name : es->es_host);
	if (es->es_transport == SYSLOG_TLS &&
	    syslog_tls_context(es, sy, cause) == -1)
		goto fail;
	if (es->es_transport != SYSLOG_UDP) {
		xasprintf(&path, "%s/syslog-%s.spool", statedir, sy->sy_name);
		if (event_spool_open(&es->es_spool, path, g->sg_spool_max,
		    &why) == -1) {
			xasprintf(cause, "logs: syslog: collector '%s': %s",
			    sy->sy_name, why);
			free(why);
			free(path);
			goto fail;
		}
		free(path);
		es->es_retry = proc_timer_new(syslog_retry_cb, es);
		es->es_tick = proc_timer_new(syslog_tick_cb, es);
		es->es_loss_timer = proc_timer_new(syslog_loss_cb, es);
	}
	syslog_all = xreallocarray(syslog_all, syslog_n + 1,
	    sizeof(*syslog_all));
	syslog_all[syslog_n++] = es;
	memset(&eo, 0, sizeof(eo));
	eo.eo_name = es->es_label;
	eo.eo_write = syslog_write;
	eo.eo_stats = syslog_stats;
	eo.eo_arg = es;
	events_output_add(&eo);
	if (es->es_transport == SYSLOG_UDP)
		syslog_udp_open(es);
	else {
		if (event_spool_records(es->es_spool) > 0)
			log_info("%s: %llu events spooled from before",
			    es->es_label, (unsigned long long)
			    event_spool_records(es->es_spool));
		syslog_connect(es);
	}
	return 0;
fail:
	syslog_free(es);
	return -1;
}

int
event_syslog_start(const char *statedir, const struct settings_logs *g,
    char **cause)
{
	size_t	i;

	if (g->sg_n_syslog == 0)
		return 0;
	/* Names are resolved without blocking the loop; without a usable
	 * resolv.conf libevent falls back to the blocking resolver. */
	syslog_dns = evdns_base_new(proc_base(),
	    EVDNS_BASE_INITIALIZE_NAMESERVERS);
	for (i = 0; i < g->sg_n_syslog; i++) {
		if (syslog_add(statedir, g, &g->sg_syslog[i], cause) == -1) {
			event_syslog_stop();
			return -1;
		}
	}
	return 0;
}

void
event_syslog_stop(void)
{
	size_t	i;

	for (i = 0; i < syslog_n; i++) {
		events_output_remove(syslog_all[i]);
		syslog_free(syslog_all[i]);
	}
	free(syslog_all);
	syslog_all = NULL;
	syslog_n = 0;
	if (syslog_dns != NULL)
		evdns_base_free(syslog_dns, 0);
	syslog_dns = NULL;
}
