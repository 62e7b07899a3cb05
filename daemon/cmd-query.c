/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansoctl policy query: may X open a connection to Y under the policy? */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sansoctl.h"
#include "xmalloc.h"

/* A batch file bigger than this is not a list of flows. */
#define CMD_QUERY_BATCH_MAX	(16u * 1024 * 1024)

static int	cmd_policy_query_exec(struct ctl *, int, char **);

const struct cmd_entry cmd_policy_query_entry = {
	.name = "policy query",
	.args = "--from ZONE:ADDR[@MAC] --to ZONE:ADDR --service "
	    "tcp/N|udp/N|icmp | --batch FILE",
	.help = "Ask whether a flow may open under the running policy (exit "
	    "0 allowed, 1 denied); --batch takes a JSON array or JSON lines "
	    "of {from_zone, from, from_mac, to_zone, to, service}",
	.exec = cmd_policy_query_exec,
};

/* "lgwan:10.20.0.5@52:54:00:0a:00:05" into the flow's fields. */
static bool
cmd_query_endpoint(json_t *flow, const char *arg, bool src)
{
	char	*copy, *colon, *at = NULL;
	bool	 ok = false;

	copy = xstrdup(arg);
	if ((colon = strchr(copy, ':')) == NULL || colon == copy)
		goto out;
	*colon++ = '\0';
	if (src && (at = strchr(colon, '@')) != NULL)
		*at++ = '\0';
	if (*colon == '\0' || (at != NULL && *at == '\0'))
		goto out;
	json_object_set_new(flow, src ? "from_zone" : "to_zone",
	    json_string(copy));
	json_object_set_new(flow, src ? "from" : "to", json_string(colon));
	if (at != NULL)
		json_object_set_new(flow, "from_mac", json_string(at));
	ok = true;
out:
	free(copy);
	return ok;
}

/* A JSON array of flows, or one JSON object per line. */
static json_t *
cmd_query_batch(const char *path)
{
	json_error_t	 err;
	json_t		*all, *flows = NULL, *one;
	char		*buf, *line, *save = NULL;
	size_t		 len, lineno = 0;
	FILE		*f;

	f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "sansoctl: cannot read %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	buf = xmalloc(CMD_QUERY_BATCH_MAX + 1);
	len = fread(buf, 1, CMD_QUERY_BATCH_MAX, f);
	buf[len] = '\0';
	if (f != stdin)
		fclose(f);
	if ((all = json_loadb(buf, len, 0, &err)) != NULL) {
		if (json_is_array(all))
			flows = all;
		else {
			flows = json_array();
			json_array_append_new(flows, all);
		}
		goto out;
	}
	flows = json_array();
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		if (line[strspn(line, " \t\r")] == '\0')
			continue;
		if ((one = json_loads(line, 0, &err)) == NULL) {
			fprintf(stderr, "sansoctl: %s:%zu: %s\n", path, lineno,
			    err.text);
			json_decref(flows);
			flows = NULL;
			goto out;
		}
		json_array_append_new(flows, one);
	}
out:
	free(buf);
	return flows;
}

static void
cmd_query_print(const json_t *flow, const json_t *result)
{
	const char	*fz, *fa, *mac, *tz, *ta, *svc, *reason;
	bool		 allowed;

	/* Member by member: "conduit" and "from_mac" may be null. */
	fz = ctl_str(flow, "from_zone");
	fa = ctl_str(flow, "from");
	mac = ctl_str(flow, "from_mac");
	tz = ctl_str(flow, "to_zone");
	ta = ctl_str(flow, "to");
	svc = ctl_str(flow, "service");
	reason = ctl_str(result, "reason");
	allowed = json_is_true(json_object_get(result, "allowed"));
	printf("%-8s %s:%s%s%s -> %s:%s %s: %s\n",
	    allowed ? "allowed" : "denied", fz ? fz : "?", fa ? fa : "?",
	    mac ? "@" : "", mac ? mac : "", tz ? tz : "?", ta ? ta : "?",
	    svc ? svc : "?", reason ? reason : "");
}

static int
cmd_policy_query_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from",	required_argument,	NULL, 'f' },
		{ "to",		required_argument,	NULL, 't' },
		{ "service",	required_argument,	NULL, 's' },
		{ "batch",	required_argument,	NULL, 'b' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*from = NULL, *to = NULL, *svc = NULL, *batch = NULL;
	json_t		*flows, *flow, *body, *resp = NULL, *results;
	size_t		 i;
	int		 ch, st, ret = CTL_EXIT_OK;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "f:t:s:b:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 's': svc = optarg; break;
		case 'b': batch = optarg; break;
		default: return ctl_usage(&cmd_policy_query_entry);
		}
	}
	if (optind != argc || (batch != NULL) == (from != NULL || to != NULL ||
	    svc != NULL) || (batch == NULL && (!from || !to || !svc)))
		return ctl_usage(&cmd_policy_query_entry);
	if (batch != NULL) {
		if ((flows = cmd_query_batch(batch)) == NULL)
			return CTL_EXIT_USAGE;
	} else {
		flow = json_object();
		if (!cmd_query_endpoint(flow, from, true) ||
		    !cmd_query_endpoint(flow, to, false)) {
			fprintf(stderr, "sansoctl: --from and --to take ZONE:ADDR "
			    "(--from also ZONE:ADDR@MAC)\n");
			json_decref(flow);
			return CTL_EXIT_USAGE;
		}
		json_object_set_new(flow, "service", json_string(svc));
		flows = json_array();
		json_array_append_new(flows, flow);
	}
	body = json_pack("{s:o}", "flows", flows);
	st = ctl_call(c, "POST", "/api/v1/policy/query", body, &resp);
	if (st != 200) {
		json_decref(body);
		return ctl_finish(c, st, resp);
	}
	results = json_object_get(resp, "results");
	for (i = 0; i < json_array_size(results); i++) {
		if (!json_is_true(json_object_get(json_array_get(results, i),
		    "allowed")))
			ret = CTL_EXIT_REFUSED;
		if (!c->c_json)
			cmd_query_print(json_array_get(flows, i),
			    json_array_get(results, i));
	}
	json_decref(body);
	json_decref(resp);
	return ret;
}
