/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The evhttp server on the unix control socket, with the peer check. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include <jansson.h>

#include "api.h"
#include "control.h"
#include "http-reply.h"
#include "log.h"
#include "proc.h"
#include "xmalloc.h"

static struct evhttp	*control_http;
static char		*control_path;

/* The gid of group "sanso", or false when it does not exist. */
static bool
control_group(gid_t *gid)
{
	struct group *gr;

	errno = 0;
	if ((gr = getgrnam(CONTROL_GROUP)) == NULL)
		return false;
	*gid = gr->gr_gid;
	return true;
}

/*
 * The peer's uid and groups: its gid, then what SO_PEERGROUPS says the
 * peer process really has (not what /etc/group says today).  Which of them
 * may do what is auth.unix_groups' business (api-auth.c).
 */
static bool
control_peer(int fd, struct ucred *cred, gid_t **groupsp, size_t *np)
{
	socklen_t	 len = sizeof(*cred);
	gid_t		*groups = NULL;

	*groupsp = NULL;
	*np = 0;
	memset(cred, 0, sizeof(*cred));
	cred->uid = (uid_t)-1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, cred, &len) == -1) {
		log_warn("%s: SO_PEERCRED", __func__);
		return false;
	}
	len = 64 * sizeof(gid_t);
	for (;;) {
		groups = xreallocarray(groups, len / sizeof(gid_t) + 2,
		    sizeof(gid_t));
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups + 1,
		    &len) == 0)
			break;
		if (errno != ERANGE) {
			log_warn("%s: SO_PEERGROUPS", __func__);
			free(groups);
			return false;
		}
	}
	groups[0] = cred->gid;
	*groupsp = groups;
	*np = len / sizeof(gid_t) + 1;
	return true;
}

static const char *
control_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 422: return "Unprocessable Entity";
	case 500: return "Internal Server Error";
	}
	return "Unknown";
}

static void
control_reply(struct evhttp_request *req, int status, json_t *resp,
    const char *allow)
{
	struct evkeyvalq	*hdr = evhttp_request_get_output_headers(req);
	struct evbuffer		*out;

	/* Indented: people read these with curl. */
	out = http_reply_body(req, resp, 2);
	evhttp_add_header(hdr, "Cache-Control", "no-store");
	if (allow != NULL && allow[0] != '\0')
		evhttp_add_header(hdr, "Allow", allow);
	evhttp_send_reply(req, status, control_reason(status), out);
	evbuffer_free(out);
}

static void
control_request(struct evhttp_request *req, void *arg)
{
	struct evhttp_connection	*evcon;
	struct ucred			 cred;
	struct api_call			 call;
	const char			*method, *path;
	char				 allow[64], *full = NULL;
	json_t				*resp;
	gid_t				*groups;
	size_t				 ngroups;
	int				 fd, status;

	(void)arg;
	evcon = evhttp_request_get_connection(req);
	fd = bufferevent_getfd(evhttp_connection_get_bufferevent(evcon));
	method = http_method_name(evhttp_request_get_command(req));
	path = http_request_path(req);
	if (!control_peer(fd, &cred, &groups, &ngroups)) {
		log_warnx("control: %s %s refused for uid %d pid %d: no peer "
		    "credentials", method, path, (int)cred.uid, (int)cred.pid);
		resp = api_error("forbidden", NULL, "uid %d may not use sansod: "
		    "its credentials cannot be read", (int)cred.uid);
		control_reply(req, 403, resp, NULL);
		json_decref(resp);
		return;
	}
	full = http_call_init(req, path, &call);
	call.ac_uid = cred.uid;
	call.ac_gid = cred.gid;
	call.ac_groups = groups;
	call.ac_n_groups = ngroups;
	status = api_dispatch_call(&call, &resp, allow, sizeof(allow));
	free(call.ac_set_cookie);
	free(groups);
	free(full);
	log_debug("control: uid %d %s %s (%zu bytes): %d", (int)cred.uid,
	    method, path, call.ac_len, status);
	control_reply(req, status, resp, status == 405 ? allow : NULL);
	json_decref(resp);
}

/*
 * Make the socket's directory if missing: mode 0750, group sanso.  A
 * directory that systemd made for us (RuntimeDirectory=, announced in
 * $RUNTIME_DIRECTORY) is ours too and gets the same group.
 */
static int
control_mkdir(const char *path, char **cause)
{
	const char	*rtdir = getenv("RUNTIME_DIRECTORY");
	char		*copy, *dir;
	gid_t		 gid;
	int		 ret = 0;

	copy = xstrdup(path);
	dir = dirname(copy);
	if (mkdir(dir, 0750) == 0 ||
	    (errno == EEXIST && rtdir != NULL && strcmp(rtdir, dir) == 0)) {
		if (control_group(&gid) && chown(dir, 0, gid) == -1)
			log_warn("chown %s", dir);
	} else if (errno != EEXIST) {
		xasprintf(cause, "cannot create directory %s: %s", dir,
		    strerror(errno));
		ret = -1;
	}
	free(copy);
	return ret;
}

/* Remove a socket file nobody listens on; refuse if someone does. */
static int
control_stale(const char *path, const struct sockaddr_un *sun, char **cause)
{
	struct stat	st;
	int		fd, ret = 0;

	if (lstat(path, &st) == -1)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		xasprintf(cause, "%s exists and is not a socket", path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0) {
		xasprintf(cause, "another sansod is listening on %s", path);
		ret = -1;
	} else if (errno == ECONNREFUSED) {
		log_info("removing stale socket %s", path);
		if (unlink(path) == -1 && errno != ENOENT) {
			xasprintf(cause, "cannot remove stale socket %s: %s",
			    path, strerror(errno));
			ret = -1;
		}
	} else {
		xasprintf(cause, "cannot tell whether %s is in use: %s", path,
		    strerror(errno));
		ret = -1;
	}
	close(fd);
	return ret;
}

int
control_init(const char *path, char **cause)
{
	struct sockaddr_un	sun;
	mode_t			mask;
	gid_t			gid;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		xasprintf(cause, "socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (control_mkdir(path, cause) == -1 ||
	    control_stale(path, &sun, cause) == -1)
		return -1;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1) {
		xasprintf(cause, "socket: %s", strerror(errno));
		return -1;
	}
	/* The socket exists with mode 0660 from its first instant. */
	mask = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		xasprintf(cause, "cannot bind %s: %s", path, strerror(errno));
		umask(mask);
		close(fd);
		return -1;
	}
	umask(mask);
	if (control_group(&gid) && chown(path, 0, gid) == -1)
		log_warn("chown %s", path);
	if (listen(fd, 64) == -1) {
		xasprintf(cause, "cannot listen on %s: %s", path,
		    strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}

	if ((control_http = evhttp_new(proc_base())) == NULL)
		fatalx("%s: evhttp_new", __func__);
	evhttp_set_max_body_size(control_http, API_BODY_MAX);
	evhttp_set_max_headers_size(control_http, CONTROL_HEADERS_MAX);
	evhttp_set_timeout(control_http, CONTROL_TIMEOUT_SECS);
	/* Let every method reach the router, which answers 405 in JSON. */
	evhttp_set_allowed_methods(control_http, EVHTTP_REQ_GET |
	    EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS | EVHTTP_REQ_PATCH);
	evhttp_set_default_content_type(control_http, "application/json");
	evhttp_set_gencb(control_http, control_request, NULL);
	if (evhttp_accept_socket(control_http, fd) == -1) {
		xasprintf(cause, "cannot serve HTTP on %s", path);
		evhttp_free(control_http);
		control_http = NULL;
		close(fd);
		unlink(path);
		return -1;
	}
	control_path = xstrdup(path);
	log_info("listening on %s", path);
	return 0;
}

void
control_free(void)
{
	if (control_http != NULL)
		evhttp_free(control_http);
	control_http = NULL;
	if (control_path != NULL && unlink(control_path) == -1 &&
	    errno != ENOENT)
		log_warn("unlink %s", control_path);
	free(control_path);
	control_path = NULL;
}
