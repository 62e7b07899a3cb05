/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The listen: section of sansod.yaml. */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "settings.h"
#include "settings-parse.h"

/* Far beyond any gateway's need; keeps a typo from meaning "no limit". */
#define SETTINGS_LISTEN_CONN_MAX	65536

bool
settings_listen_addr(const char *s, struct sockaddr_storage *ss,
    socklen_t *lenp, char *host, size_t hostlen)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)ss;
	const char		*colon, *port;
	char			 addr[INET6_ADDRSTRLEN + 1], *end;
	unsigned long		 n;
	size_t			 alen;
	bool			 v6 = s[0] == '[';

	memset(ss, 0, sizeof(*ss));
	if (v6) {
		if ((colon = strchr(s, ']')) == NULL || colon[1] != ':')
			return false;
		alen = (size_t)(colon - s - 1);
		port = colon + 2;
		s++;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return false;
		alen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (alen == 0 || alen >= sizeof(addr))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (*port < '1' || *port > '9')
		return false;
	n = strtoul(port, &end, 10);
	if (*end != '\0' || n > 65535)
		return false;
	if (v6 && inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)n);
		*lenp = sizeof(*sin6);
	} else if (!v6 && inet_pton(AF_INET, addr, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)n);
		*lenp = sizeof(*sin);
	} else
		return false;
	if (host != NULL)
		snprintf(host, hostlen, "%s", addr);
	return true;
}

/* listen.https: a list of ADDRESS:PORT, each checked where it is written. */
static bool
settings_listen_https(struct parse *ps, yaml_node_t *seq, void *obj,
    const struct parse_key *k)
{
	struct settings_listen	*l = obj;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	yaml_node_item_t	*it;
	yaml_node_t		*item;
	size_t			 i = 0;
	bool			 ok;

	if (!(ok = settings_parse_strings(ps, seq, obj, k)))
		return false;
	for (it = seq->data.sequence.items.start;
	    it < seq->data.sequence.items.top && i < l->sl_n_https;
	    it++, i++) {
		item = policy_parse_node(ps, *it);
		if (!settings_listen_addr(l->sl_https[i], &ss, &len, NULL, 0))
			ok = policy_parse_kerror(ps, item, k, "'%s' is not "
			    "ADDRESS:PORT (192.0.2.1:443 or [2001:db8::1]:443)",
			    policy_parse_show(ps, l->sl_https[i]));
	}
	return ok;
}

static bool
settings_listen_connections(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct settings_listen *l = obj;

	if (!settings_parse_uint(ps, n, obj, k))
		return false;
	if (l->sl_connections_max < 1 ||
	    l->sl_connections_max > SETTINGS_LISTEN_CONN_MAX)
		return policy_parse_kerror(ps, n, k, "expected %s from 1 to %d",
		    k->pk_expect, SETTINGS_LISTEN_CONN_MAX);
	return true;
}

/* A size of zero would refuse every request (or every body). */
static bool
settings_listen_size(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	if (!settings_parse_size(ps, n, obj, k))
		return false;
	if (*PARSE_FIELD(obj, k->pk_off, size_t) < 1024)
		return policy_parse_kerror(ps, n, k, "expected %s (at least "
		    "1k)", k->pk_expect);
	return true;
}

#define SL(f)	offsetof(struct settings_listen, f)
static const struct parse_key listen_keys[] = {
	{ "https", YAML_SEQUENCE_NODE, settings_listen_https, SL(sl_https), 0,
	  SL(sl_n_https), false, "a list of ADDRESS:PORT to serve HTTPS on" },
	{ "certificate", YAML_SCALAR_NODE, settings_parse_string,
	  SL(sl_certificate), 0, 0, false, "a PEM certificate file" },
	{ "key", YAML_SCALAR_NODE, settings_parse_string, SL(sl_key), 0, 0,
	  false, "a PEM private key file" },
	{ "body_max", YAML_SCALAR_NODE, settings_listen_size, SL(sl_body_max),
	  0, 0, false, "a size such as 32M" },
	{ "header_max", YAML_SCALAR_NODE, settings_listen_size,
	  SL(sl_header_max), 0, 0, false, "a size such as 16k" },
	{ "timeout", YAML_SCALAR_NODE, settings_parse_duration,
	  SL(sl_timeout), 0, 0, false, "a duration such as 30s" },
	{ "connections_max", YAML_SCALAR_NODE, settings_listen_connections,
	  SL(sl_connections_max), 0, 0, false, "a number of connections" },
};

void
settings_listen_defaults(struct settings_listen *l)
{
	l->sl_https = NULL;
	l->sl_n_https = 0;
	l->sl_certificate = NULL;
	l->sl_key = NULL;
	l->sl_body_max = 32u * 1024 * 1024;
	l->sl_header_max = 16u * 1024;
	l->sl_timeout = 30;
	l->sl_connections_max = 256;
}

void
settings_listen_free(struct settings_listen *l)
{
	settings_strings_free(l->sl_https, l->sl_n_https);
	free(l->sl_certificate);
	free(l->sl_key);
}

bool
settings_parse_listen(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct settings		*s = obj;
	struct settings_listen	*l = &s->se_listen;
	const char		*saved = ps->ps_what;
	bool			 ok;

	(void)k;
	ps->ps_what = "listen";
	ok = policy_parse_mapping(ps, n, n, listen_keys,
	    PARSE_NKEYS(listen_keys), l);
	/* One without the other would serve a key that does not match, or
	 * fall back to the self-signed pair without saying so. */
	if (ok && (l->sl_certificate == NULL) != (l->sl_key == NULL))
		ok = policy_parse_error(ps, n, "listen: certificate and key "
		    "go together: give both, or neither for a self-signed "
		    "pair");
	ps->ps_what = saved;
	return ok;
}
