/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Requests and answer bodies for both HTTP transports. */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "api.h"
#include "http-reply.h"
#include "log.h"
#include "xmalloc.h"

const char *
http_method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:		return "GET";
	case EVHTTP_REQ_POST:		return "POST";
	case EVHTTP_REQ_HEAD:		return "HEAD";
	case EVHTTP_REQ_PUT:		return "PUT";
	case EVHTTP_REQ_DELETE:		return "DELETE";
	case EVHTTP_REQ_OPTIONS:	return "OPTIONS";
	case EVHTTP_REQ_TRACE:		return "TRACE";
	case EVHTTP_REQ_CONNECT:	return "CONNECT";
	case EVHTTP_REQ_PATCH:		return "PATCH";
	}
	return "?";
}

const char *
http_request_path(struct evhttp_request *req)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	const char		*path = uri ? evhttp_uri_get_path(uri) : NULL;

	return path != NULL && *path != '\0' ? path : "/";
}

char *
http_call_init(struct evhttp_request *req, const char *path,
    struct api_call *call)
{
	const struct evhttp_uri	*uri = evhttp_request_get_evhttp_uri(req);
	struct evbuffer		*in = evhttp_request_get_input_buffer(req);
	const char		*query = uri ? evhttp_uri_get_query(uri) : NULL;
	char			*full = NULL;

	memset(call, 0, sizeof(*call));
	call->ac_method = http_method_name(evhttp_request_get_command(req));
	if (query != NULL)
		xasprintf(&full, "%s?%s", path, query);
	call->ac_path = full != NULL ? full : path;
	call->ac_len = evbuffer_get_length(in);
	call->ac_body = call->ac_len ? (const char *)evbuffer_pullup(in, -1) :
	    "";
	return full;
}

struct evbuffer *
http_reply_body(struct evhttp_request *req, const json_t *resp,
    size_t indent)
{
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);
	struct evbuffer		*out;
	char			*s;

	if ((out = evbuffer_new()) == NULL)
		fatalx("%s: evbuffer_new", __func__);
	if (json_is_string(resp)) {
		evbuffer_add(out, json_string_value(resp),
		    json_string_length(resp));
		evhttp_add_header(hdr, "Content-Type",
		    "text/plain; version=0.0.4; charset=utf-8");
		return out;
	}
	s = json_dumps(resp, indent > 0 ? JSON_INDENT(indent) : JSON_COMPACT);
	if (s == NULL)
		fatalx("%s: cannot encode a response", __func__);
	evbuffer_add(out, s, strlen(s));
	evbuffer_add(out, "\n", 1);
	free(s);
	evhttp_add_header(hdr, "Content-Type", "application/json");
	return out;
}
