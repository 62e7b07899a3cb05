/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The logs: section of sansod.yaml: the JSON file, its rotation and
 * retention, and the syslog collectors with their spool. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "settings.h"
#include "settings-parse.h"
#include "xmalloc.h"

/* RFC 5424 section 6.2.1, by the names syslog.conf uses. */
static const struct {
	const char	*f_name;
	unsigned	 f_code;
} logs_facilities[] = {
	{ "kern", 0 }, { "user", 1 }, { "mail", 2 }, { "daemon", 3 },
	{ "auth", 4 }, { "syslog", 5 }, { "lpr", 6 }, { "news", 7 },
	{ "uucp", 8 }, { "cron", 9 }, { "authpriv", 10 }, { "ftp", 11 },
	{ "ntp", 12 }, { "security", 13 }, { "console", 14 },
	{ "local0", 16 }, { "local1", 17 }, { "local2", 18 },
	{ "local3", 19 }, { "local4", 20 }, { "local5", 21 },
	{ "local6", 22 }, { "local7", 23 },
};

bool
settings_logs_facility(const char *name, unsigned *code)
{
	size_t	i;

	for (i = 0; i < sizeof(logs_facilities) / sizeof(logs_facilities[0]);
	    i++) {
		if (strcmp(name, logs_facilities[i].f_name) == 0) {
			*code = logs_facilities[i].f_code;
			return true;
		}
	}
	return false;
}

const char *
settings_logs_transport_name(enum syslog_transport t)
{
	switch (t) {
	case SYSLOG_UDP:
		return "udp";
	case SYSLOG_TCP:
		return "tcp";
	case SYSLOG_TLS:
		return "tls";
	}
	return "tls";
}

static bool
logs_parse_facility(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	const char	*s;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (!settings_logs_facility(s, PARSE_FIELD(obj, k->pk_off, unsigned)))
		return policy_parse_kerror(ps, n, k, "unknown facility %s; "
		    "expected %s", policy_parse_describe(ps, n), k->pk_expect);
	return true;
}

static bool
logs_parse_transport(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	enum syslog_transport	*t = PARSE_FIELD(obj, k->pk_off,
				    enum syslog_transport);
	const char		*s;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (strcmp(s, "udp") == 0)
		*t = SYSLOG_UDP;
	else if (strcmp(s, "tcp") == 0)
		*t = SYSLOG_TCP;
	else if (strcmp(s, "tls") == 0)
		*t = SYSLOG_TLS;
	else
		return policy_parse_kerror(ps, n, k, "expected %s, got %s",
		    k->pk_expect, policy_parse_describe(ps, n));
	return true;
}

/* "HOST:PORT" or "[V6]:PORT" with a port 1..65535; the host is checked
 * when sansod resolves it. */
bool
settings_logs_split_address(const char *s, char **host, unsigned *port)
{
	const char	*colon, *h, *he;
	char		*end;
	unsigned long	 p;

	if (s[0] == '[') {
		h = s + 1;
		if ((he = strchr(h, ']')) == NULL || he[1] != ':')
			return false;
		colon = he + 1;
	} else {
		h = s;
		if ((colon = strrchr(s, ':')) == NULL ||
		    memchr(s, ':', (size_t)(colon - s)) != NULL)
			return false;
		he = colon;
	}
	if (he == h || colon[1] < '0' || colon[1] > '9')
		return false;
	p = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || p == 0 || p > 65535)
		return false;
	if (host != NULL)
		*host = xstrndup(h, (size_t)(he - h));
	if (port != NULL)
		*port = (unsigned)p;
	return true;
}

static bool
logs_parse_address(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	const char	*s;

	if ((s = policy_parse_scalar(ps, n)) == NULL)
		return false;
	if (!settings_logs_split_address(s, NULL, NULL))
		return policy_parse_kerror(ps, n, k, "expected %s, got %s",
		    k->pk_expect, policy_parse_describe(ps, n));
	return settings_parse_string(ps, n, obj, k);
}

#define SY(f)	offsetof(struct settings_syslog, f)
static const struct parse_key syslog_keys[] = {
	{ "address", YAML_SCALAR_NODE, logs_parse_address, SY(sy_address), 0,
	  0, true, "HOST:PORT or [IPV6]:PORT, such as 192.0.2.10:6514" },
	{ "transport", YAML_SCALAR_NODE, logs_parse_transport,
	  SY(sy_transport), 0, 0, false, "udp, tcp or tls" },
	{ "ca_file", YAML_SCALAR_NODE, settings_parse_string, SY(sy_ca_file),
	  0, 0, false, "a PEM file of CA certificates" },
	{ "server_name", YAML_SCALAR_NODE, settings_parse_string,
	  SY(sy_server_name), 0, 0, false,
	  "the name the collector's certificate carries" },
	{ "certificate", YAML_SCALAR_NODE, settings_parse_string,
	  SY(sy_certificate), 0, 0, false, "a PEM client certificate file" },
	{ "key", YAML_SCALAR_NODE, settings_parse_string, SY(sy_key), 0, 0,
	  false, "a PEM private key file" },
};

static void
logs_syslog_free(struct settings_syslog *sy)
{
	free(sy->sy_name);
	free(sy->sy_address);
	free(sy->sy_ca_file);
	free(sy->sy_server_name);
	free(sy->sy_certificate);
	free(sy->sy_key);
}

static bool
logs_parse_one_syslog(struct parse *ps, const char *name, yaml_node_t *key,
    yaml_node_t *val, void *arg)
{
	struct settings_logs	*g = arg;
	struct settings_syslog	*sy;
	bool			 ok;

	if (val->type != YAML_MAPPING_NODE)
		return policy_parse_error(ps, val, "%s: expected a mapping with "
		    "address, transport, ca_file, server_name, certificate "
		    "and key, got %s", ps->ps_what,
		    policy_parse_describe(ps, val));
	if (g->sg_n_syslog == SETTINGS_SYSLOG_MAX)
		return policy_parse_error(ps, key, "%s: more than %d "
		    "collectors", ps->ps_what, SETTINGS_SYSLOG_MAX);
	g->sg_syslog = xreallocarray(g->sg_syslog, g->sg_n_syslog + 1,
	    sizeof(*g->sg_syslog));
	sy = &g->sg_syslog[g->sg_n_syslog];
	memset(sy, 0, sizeof(*sy));
	sy->sy_transport = SYSLOG_TLS;
	ok = policy_parse_mapping(ps, val, key, syslog_keys,
	    PARSE_NKEYS(syslog_keys), sy);
	/* A key without its certificate (or the reverse) cannot work. */
	if (ok && (sy->sy_certificate == NULL) != (sy->sy_key == NULL))
		ok = policy_parse_error(ps, key, "%s: certificate and key go "
		    "together; only %s is given", ps->ps_what,
		    sy->sy_key == NULL ? "certificate" : "key");
	if (ok && sy->sy_transport != SYSLOG_TLS &&
	    (sy->sy_ca_file != NULL || sy->sy_server_name != NULL ||
	    sy->sy_certificate != NULL))
		ok = policy_parse_error(ps, key, "%s: ca_file, server_name, "
		    "certificate and key apply to transport tls only",
		    ps->ps_what);
	if (!ok) {
		logs_syslog_free(sy);
		return false;
	}
	sy->sy_name = xstrdup(name);
	g->sg_n_syslog++;
	return true;
}

static bool
logs_parse_syslog(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	(void)k;
	return policy_parse_named(ps, n, "collector", logs_parse_one_syslog,
	    obj);
}

#define SG(f)	offsetof(struct settings_logs, f)
static const struct parse_key logs_keys[] = {
	{ "json_file", YAML_SCALAR_NODE, settings_parse_string,
	  SG(sg_json_file), 0, 0, false,
	  "a file name (relative names are under the state directory)" },
	{ "rotate_size", YAML_SCALAR_NODE, settings_parse_size,
	  SG(sg_rotate_size), 0, 0, false, "a size such as 64M (0: never)" },
	{ "rotate_daily", YAML_SCALAR_NODE, policy_parse_bool,
	  SG(sg_rotate_daily), 0, 0, false, "true or false" },
	{ "keep_files", YAML_SCALAR_NODE, settings_parse_uint,
	  SG(sg_keep_files), 0, 0, false,
	  "a number of rotated files (0: no limit)" },
	{ "keep_days", YAML_SCALAR_NODE, settings_parse_uint,
	  SG(sg_keep_days), 0, 0, false, "a number of days (0: no limit)" },
	{ "facility", YAML_SCALAR_NODE, logs_parse_facility, SG(sg_facility),
	  0, 0, false, "a syslog facility such as local0, auth or security" },
	{ "syslog", YAML_MAPPING_NODE, logs_parse_syslog, 0, 0, 0, false,
	  "a mapping of collector names to their settings" },
	{ "spool_max", YAML_SCALAR_NODE, settings_parse_size,
	  SG(sg_spool_max), 0, 0, false, "a size such as 64M" },
	{ "reconnect_max", YAML_SCALAR_NODE, settings_parse_duration,
	  SG(sg_reconnect_max), 0, 0, false, "a duration such as 30s" },
};

void
settings_logs_defaults(struct settings_logs *g)
{
	memset(g, 0, sizeof(*g));
	g->sg_json_file = xstrdup("events.jsonl");
	g->sg_rotate_size = 64u * 1024 * 1024;
	g->sg_rotate_daily = true;
	g->sg_keep_files = 0;
	g->sg_keep_days = 0;
	g->sg_facility = 16;			/* local0 */
	g->sg_spool_max = 64u * 1024 * 1024;
	g->sg_reconnect_max = 30;
}

void
settings_logs_free(struct settings_logs *g)
{
	size_t	i;

	free(g->sg_json_file);
	for (i = 0; i < g->sg_n_syslog; i++)
		logs_syslog_free(&g->sg_syslog[i]);
	free(g->sg_syslog);
	g->sg_json_file = NULL;
	g->sg_syslog = NULL;
	g->sg_n_syslog = 0;
}

bool
settings_parse_logs(struct parse *ps, yaml_node_t *n, void *obj,
    const struct parse_key *k)
{
	struct settings	*s = obj;
	const char	*saved = ps->ps_what;
	bool		 ok;

	(void)k;
	ps->ps_what = "logs";
	ok = policy_parse_mapping(ps, n, n, logs_keys, PARSE_NKEYS(logs_keys),
	    &s->se_logs);
	ps->ps_what = saved;
	return ok;
}
