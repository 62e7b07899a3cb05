/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansoctl exception request|approve|reject|list (例外措置). */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sansoctl.h"

static int	cmd_exception_request_exec(struct ctl *, int, char **);
static int	cmd_exception_approve_exec(struct ctl *, int, char **);
static int	cmd_exception_reject_exec(struct ctl *, int, char **);
static int	cmd_exception_list_exec(struct ctl *, int, char **);

const struct cmd_entry cmd_exception_request_entry = {
	.name = "exception request",
	.args = "--from Z --to Z --service S... --reason R --expires D "
	    "[--name N] [--via KIND] [--approval REF]",
	.help = "Request a temporary conduit (validated like a policy "
	    "conduit); another person approves it",
	.exec = cmd_exception_request_exec,
};

const struct cmd_entry cmd_exception_approve_entry = {
	.name = "exception approve",
	.args = "ID [--comment C] [--break-glass --reason R]",
	.help = "Approve another person's exception: it is in force at once "
	    "until it expires",
	.exec = cmd_exception_approve_exec,
};

const struct cmd_entry cmd_exception_reject_entry = {
	.name = "exception reject",
	.args = "ID --reason R",
	.help = "Reject a requested exception, or revoke an active one",
	.exec = cmd_exception_reject_exec,
};

const struct cmd_entry cmd_exception_list_entry = {
	.name = "exception list",
	.args = "",
	.help = "The exception register with every decision (002 §101)",
	.exec = cmd_exception_list_exec,
};

static int
cmd_exception_request_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "from",	required_argument,	NULL, 'f' },
		{ "to",		required_argument,	NULL, 't' },
		{ "service",	required_argument,	NULL, 's' },
		{ "reason",	required_argument,	NULL, 'r' },
		{ "expires",	required_argument,	NULL, 'e' },
		{ "name",	required_argument,	NULL, 'n' },
		{ "via",	required_argument,	NULL, 'v' },
		{ "approval",	required_argument,	NULL, 'a' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*from = NULL, *to = NULL, *reason = NULL;
	const char	*name = NULL, *via = NULL, *approval = NULL;
	json_t		*svcs = json_array(), *body;
	long		 secs = 0;
	int		 ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "f:t:s:r:e:n:v:a:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'f': from = optarg; break;
		case 't': to = optarg; break;
		case 's':
			json_array_append_new(svcs, json_string(optarg));
			break;
		case 'r': reason = optarg; break;
		case 'e':
			if (!ctl_parse_duration(optarg, &secs)) {
				fprintf(stderr, "sansoctl: --expires %s: "
				    "expected a duration like 30s, 5m, 2h or "
				    "2d\n", optarg);
				json_decref(svcs);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'n': name = optarg; break;
		case 'v': via = optarg; break;
		case 'a': approval = optarg; break;
		default:
			json_decref(svcs);
			return ctl_usage(&cmd_exception_request_entry);
		}
	}
	if (argc != optind || from == NULL || to == NULL || reason == NULL ||
	    secs == 0 || json_array_size(svcs) == 0) {
		json_decref(svcs);
		return ctl_usage(&cmd_exception_request_entry);
	}
	body = json_pack("{s:s, s:s, s:o, s:s, s:I}", "from", from, "to", to,
	    "services", svcs, "reason", reason, "expires", (json_int_t)secs);
	if (name != NULL)
		json_object_set_new(body, "name", json_string(name));
	if (via != NULL)
		json_object_set_new(body, "via", json_string(via));
	if (approval != NULL)
		json_object_set_new(body, "approval", json_string(approval));
	return cmd_change_post(c, "/api/v1/exceptions", body);
}

static int
cmd_exception_approve_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "comment",	 required_argument,	NULL, 'c' },
		{ "reason",	 required_argument,	NULL, 'r' },
		{ "break-glass", no_argument,		NULL, 'B' },
		{ NULL,		 0,			NULL, 0 }
	};
	const char	*comment = NULL, *reason = NULL;
	json_t		*body;
	json_int_t	 id;
	bool		 bg = false;
	int		 ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "c:r:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': comment = optarg; break;
		case 'r': reason = optarg; break;
		case 'B': bg = true; break;
		default:
			return ctl_usage(&cmd_exception_approve_entry);
		}
	}
	if (argc - optind != 1 || !cmd_change_id(argv[optind], &id) ||
	    (bg && reason == NULL) || (!bg && reason != NULL))
		return ctl_usage(&cmd_exception_approve_entry);
	body = json_pack("{s:I}", "id", id);
	if (comment != NULL)
		json_object_set_new(body, "comment", json_string(comment));
	if (reason != NULL)
		json_object_set_new(body, "reason", json_string(reason));
	return cmd_change_post(c, bg ? "/api/v1/exceptions/break-glass" :
	    "/api/v1/exceptions/approve", body);
}

static int
cmd_exception_reject_exec(struct ctl *c, int argc, char **argv)
{
	return cmd_change_decide(c, argc, argv, &cmd_exception_reject_entry,
	    "reason", true, "/api/v1/exceptions/reject");
}

static int
cmd_exception_list_exec(struct ctl *c, int argc, char **argv)
{
	const json_t	*e, *s, *d;
	const char	*comment;
	json_t		*resp = NULL;
	size_t		 i, j;
	int		 st;

	(void)argv;
	if (argc != 1)
		return ctl_usage(&cmd_exception_list_entry);
	st = ctl_call(c, "GET", "/api/v1/exceptions", NULL, &resp);
	if (st == 200 && !c->c_json) {
		if (json_array_size(json_object_get(resp, "exceptions")) == 0)
			printf("no exceptions\n");
		json_array_foreach(json_object_get(resp, "exceptions"), i, e) {
			printf("%lld  %-9s%s%s  %s: %s -> %s [",
			    (long long)json_integer_value(json_object_get(e,
			    "id")), ctl_str(e, "state"),
			    json_is_true(json_object_get(e, "break_glass")) ?
			    " BREAK-GLASS" : "",
			    strcmp(ctl_str(e, "state"), "active") == 0 &&
			    !json_is_true(json_object_get(e, "in_force")) ?
			    " (not in force: the policy no longer admits it)" :
			    "", ctl_str(e, "conduit"), ctl_str(e, "from"),
			    ctl_str(e, "to"));
			json_array_foreach(json_object_get(e, "services"), j, s)
				printf("%s%s", j ? ", " : "",
				    json_string_value(s));
			printf("]  %lld s%s%s, by %s: %s\n",
			    (long long)json_integer_value(json_object_get(e,
			    "duration_seconds")), ctl_str(e, "expires_at") ?
			    ", until " : "", ctl_str(e, "expires_at") ?
			    ctl_str(e, "expires_at") : "",
			    ctl_str(e, "requester"), ctl_str(e, "reason"));
			json_array_foreach(json_object_get(e, "trail"), j, d) {
				comment = ctl_str(d, "comment");
				printf("      %s  %-11s %s%s%s\n",
				    ctl_str(d, "at") ? ctl_str(d, "at") : "?",
				    ctl_str(d, "action"), ctl_str(d, "actor"),
				    comment ? ": " : "", comment ? comment :
				    "");
			}
		}
	}
	return ctl_finish(c, st, resp);
}
