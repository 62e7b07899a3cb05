/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansoctl audit verify, audit list: read the audit chain. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <jansson.h>

#include "log.h"
#include "sansoctl.h"
#include "xmalloc.h"

static int	cmd_audit_verify_exec(struct ctl *, int, char **);
static int	cmd_audit_list_exec(struct ctl *, int, char **);

const struct cmd_entry cmd_audit_verify_entry = {
	.name = "audit verify",
	.args = "",
	.help = "Prove the audit chain intact (exit 0), or name the first "
	    "entry edited, deleted, inserted or reordered (exit 1)",
	.exec = cmd_audit_verify_exec,
};

const struct cmd_entry cmd_audit_list_entry = {
	.name = "audit list",
	.args = "[--actor A] [--action X] [--since T] [--until T] "
	    "[--limit N] [--json]",
	.help = "The audit trail; T is RFC 3339, a date (YYYY-MM-DD) or unix "
	    "seconds; --action policy matches policy.apply and the like",
	.exec = cmd_audit_list_exec,
};

static int
cmd_audit_verify_exec(struct ctl *c, int argc, char **argv)
{
	const json_t	*head, *bad;
	json_t		*resp = NULL;
	const char	*msg, *hash, *kind;
	json_int_t	 entries, seq;
	int		 st, ret;

	(void)argv;
	if (argc != 1)
		return ctl_usage(&cmd_audit_verify_entry);
	st = ctl_call(c, "POST", "/api/v1/audit/verify", NULL, &resp);
	if (st != 200)
		return ctl_finish(c, st, resp);
	ret = json_is_true(json_object_get(resp, "intact")) ? CTL_EXIT_OK :
	    CTL_EXIT_REFUSED;
	if (c->c_json)
		goto out;
	msg = ctl_str(resp, "message");
	entries = json_integer_value(json_object_get(resp, "entries"));
	head = json_object_get(resp, "head");
	bad = json_object_get(resp, "first_bad");
	if (ret == CTL_EXIT_OK) {
		seq = json_integer_value(json_object_get(head, "seq"));
		hash = ctl_str(head, "hash");
		printf("audit chain intact: %lld entries\n", (long long)entries);
		printf("head:     entry %lld, sha256 %s (HMAC verified)\n",
		    (long long)seq, hash ? hash : "?");
	} else {
		seq = json_integer_value(json_object_get(bad, "seq"));
		kind = ctl_str(bad, "kind");
		printf("audit chain BROKEN at entry %lld (%s): %s\n",
		    (long long)seq, kind ? kind : "?", msg ? msg : "");
	}
out:
	json_decref(resp);
	return ret;
}

/* "&key=value", percent-encoded, appended to *q. */
static void
cmd_audit_param(CURL *curl, char **q, const char *key, const char *value)
{
	char	*enc, *n;

	if (value == NULL)
		return;
	if ((enc = curl_easy_escape(curl, value, 0)) == NULL)
		fatalx("curl_easy_escape");
	xasprintf(&n, "%s%s%s=%s", *q, **q ? "&" : "?", key, enc);
	curl_free(enc);
	free(*q);
	*q = n;
}

static void
cmd_audit_print(const json_t *e)
{
	const char	*at, *actor, *role, *action, *target, *result;
	const char	*before, *after;
	json_int_t	 seq;

	seq = json_integer_value(json_object_get(e, "seq"));
	at = ctl_str(e, "at");
	actor = ctl_str(e, "actor");
	role = ctl_str(e, "role");
	action = ctl_str(e, "action");
	target = ctl_str(e, "target");
	result = ctl_str(e, "result");
	before = ctl_str(e, "before");
	after = ctl_str(e, "after");
	printf("%6lld  %s  %s (%s)  %s  %s  %s  %.12s -> %.12s\n",
	    (long long)seq, at ? at : "?", actor ? actor : "?",
	    role ? role : "?", action ? action : "?", target ? target : "?",
	    result ? result : "?", before ? before : "-",
	    after ? after : "-");
}

static int
cmd_audit_list_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "actor",	required_argument,	NULL, 'a' },
		{ "action",	required_argument,	NULL, 'x' },
		{ "since",	required_argument,	NULL, 's' },
		{ "until",	required_argument,	NULL, 'u' },
		{ "limit",	required_argument,	NULL, 'l' },
		{ "json",	no_argument,		NULL, 'j' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*actor = NULL, *action = NULL, *since = NULL;
	const char	*until = NULL, *limit = NULL;
	json_t		*resp = NULL, *entries, *e;
	char		*path, *q;
	size_t		 i;
	CURL		*curl;
	int		 ch, st;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (ch) {
		case 'a': actor = optarg; break;
		case 'x': action = optarg; break;
		case 's': since = optarg; break;
		case 'u': until = optarg; break;
		case 'l': limit = optarg; break;
		case 'j': c->c_json = true; break;
		default:
			return ctl_usage(&cmd_audit_list_entry);
		}
	}
	if (optind != argc)
		return ctl_usage(&cmd_audit_list_entry);
	if ((curl = curl_easy_init()) == NULL)
		fatalx("cannot initialise libcurl");
	q = xstrdup("");
	cmd_audit_param(curl, &q, "actor", actor);
	cmd_audit_param(curl, &q, "action", action);
	cmd_audit_param(curl, &q, "since", since);
	cmd_audit_param(curl, &q, "until", until);
	cmd_audit_param(curl, &q, "limit", limit);
	curl_easy_cleanup(curl);
	xasprintf(&path, "/api/v1/audit%s", q);
	free(q);
	st = ctl_call(c, "GET", path, NULL, &resp);
	free(path);
	if (st != 200 || c->c_json)
		return ctl_finish(c, st, resp);
	entries = json_object_get(resp, "entries");
	json_array_foreach(entries, i, e)
		cmd_audit_print(e);
	if (json_is_true(json_object_get(resp, "more")))
		fprintf(stderr, "sansoctl: more entries match; narrow the "
		    "filters or raise --limit\n");
	json_decref(resp);
	return CTL_EXIT_OK;
}
