/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the two HTTP transports (control.c on the unix socket, https.c)
 * share: the method's name for the router, and the body of an answer.
 */
#ifndef SANSO_HTTP_REPLY_H
#define SANSO_HTTP_REPLY_H

#include <stddef.h>

#include <event2/http.h>
#include <jansson.h>

/* "GET", "POST", ... ("?" for what evhttp adds later). */
const char	*http_method_name(enum evhttp_cmd_type);

/*
 * The body of an answer, with its Content-Type: @resp as JSON (indented
 * by @indent, 0 = compact), or, when a handler answered with a JSON
 * string, that string as text (the Prometheus exposition format of
 * /metrics).  The caller sends and frees the buffer.
 */
struct evbuffer	*http_reply_body(struct evhttp_request *, const json_t *resp,
		    size_t indent);

#endif
