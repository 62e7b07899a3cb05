/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the two HTTP transports (control.c on the unix socket, https.c)
 * share: the request as the router takes it, and the body of an answer.
 */
#ifndef SANSO_HTTP_REPLY_H
#define SANSO_HTTP_REPLY_H

#include <stddef.h>

#include <event2/http.h>
#include <jansson.h>

struct api_call;

/* "GET", "POST", ... ("?" for what evhttp adds later). */
const char	*http_method_name(enum evhttp_cmd_type);
/* The request's path, "/" when it has none. */
const char	*http_request_path(struct evhttp_request *);
/*
 * @call zeroed, then its method, path and body taken from the request
 * (@path as http_request_path() gave it); who is calling is the
 * transport's to fill in.  The query travels with the path (GET filters
 * such as the audit list's; api_dispatch() splits it off).  Returns what
 * the caller frees once the call is done (NULL, or the path with its
 * query).
 */
char		*http_call_init(struct evhttp_request *, const char *path,
		    struct api_call *call);

/*
 * The body of an answer, with its Content-Type: @resp as JSON (indented
 * by @indent, 0 = compact), or, when a handler answered with a JSON
 * string, that string as text (the Prometheus exposition format of
 * /metrics).  The caller sends and frees the buffer.
 */
struct evbuffer	*http_reply_body(struct evhttp_request *, const json_t *resp,
		    size_t indent);

#endif
