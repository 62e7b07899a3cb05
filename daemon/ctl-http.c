/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sansoctl's HTTP client: libcurl over the daemon's unix socket (libevent
 * 2.1's HTTP client cannot speak over one).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "log.h"
#include "sansoctl.h"
#include "version.h"
#include "xmalloc.h"

/* An answer larger than this is not from sansod. */
#define CTL_HTTP_RESPONSE_MAX	(256u * 1024 * 1024)
/* A large policy can take a while to compile and apply. */
#define CTL_HTTP_TIMEOUT_SECS	300L

struct ctl_http_buf {
	char	*b_data;
	size_t	 b_len;
	size_t	 b_cap;
};

static size_t
ctl_http_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct ctl_http_buf	*b = arg;
	size_t			 n = size * nmemb;

	if (b->b_len + n > CTL_HTTP_RESPONSE_MAX)
		return 0;	/* makes curl fail with CURLE_WRITE_ERROR */
	while (b->b_len + n + 1 > b->b_cap) {
		b->b_cap = b->b_cap ? b->b_cap * 2 : 16384;
		b->b_data = xreallocarray(b->b_data, b->b_cap, 1);
	}
	memcpy(b->b_data + b->b_len, ptr, n);
	b->b_len += n;
	b->b_data[b->b_len] = '\0';
	return n;
}

void
ctl_http_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("cannot initialise libcurl");
}

void
ctl_http_free(void)
{
	curl_global_cleanup();
}

int
ctl_http(const struct ctl *c, const char *method, const char *path,
    const json_t *body, json_t **resp)
{
	struct ctl_http_buf	 buf = { NULL, 0, 0 };
	struct curl_slist	*hdrs = NULL;
	char			 errbuf[CURL_ERROR_SIZE] = "", *url, *data = NULL;
	long			 status = -1, oserr = 0;
	CURL			*curl;
	CURLcode		 rc;

	*resp = NULL;
	if ((curl = curl_easy_init()) == NULL)
		fatalx("cannot initialise libcurl");
	/* The host part is ignored on a unix socket; the path is the API's. */
	xasprintf(&url, "http://sansod%s", path);
	curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, c->c_socket);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, ctl_http_write);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &buf);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, CTL_HTTP_TIMEOUT_SECS);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "sansoctl/" SANSO_VERSION);
	hdrs = curl_slist_append(hdrs, "Accept: application/json");
	if (body != NULL) {
		if ((data = json_dumps(body, JSON_COMPACT)) == NULL)
			fatalx("cannot encode the request");
		hdrs = curl_slist_append(hdrs,
		    "Content-Type: application/json");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, data);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(data));
	} else if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, "");
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)0);
	}
	/* No "Expect: 100-continue" round trip for large policies. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);

	rc = curl_easy_perform(curl);
	if (rc != CURLE_OK) {
		curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &oserr);
		if (rc == CURLE_COULDNT_CONNECT && oserr != 0)
			fprintf(stderr, "sansoctl: cannot connect to %s: %s\n",
			    c->c_socket, strerror((int)oserr));
		else
			fprintf(stderr, "sansoctl: cannot talk to sansod on "
			    "%s: %s\n", c->c_socket,
			    errbuf[0] ? errbuf : curl_easy_strerror(rc));
		status = -1;
		goto cleanup;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (buf.b_len > 0)
		*resp = json_loadb(buf.b_data, buf.b_len, 0, NULL);
cleanup:
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(curl);
	free(data);
	free(url);
	free(buf.b_data);
	return (int)status;
}
