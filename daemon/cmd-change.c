/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansoctl change propose|list|approve|reject|apply and review list|ack. */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sansoctl.h"

static int	cmd_change_propose_exec(struct ctl *, int, char **);
static int	cmd_change_list_exec(struct ctl *, int, char **);
static int	cmd_change_approve_exec(struct ctl *, int, char **);
static int	cmd_change_reject_exec(struct ctl *, int, char **);
static int	cmd_change_apply_exec(struct ctl *, int, char **);
static int	cmd_review_list_exec(struct ctl *, int, char **);
static int	cmd_review_ack_exec(struct ctl *, int, char **);

const struct cmd_entry cmd_change_propose_entry = {
	.name = "change propose",
	.args = "FILE --reason R [--break-glass]",
	.help = "Propose FILE as the next policy; another person approves it "
	    "(with --break-glass: apply it now, alone, reviewed afterwards)",
	.exec = cmd_change_propose_exec,
};

const struct cmd_entry cmd_change_list_entry = {
	.name = "change list",
	.args = "[--diff]",
	.help = "List proposals with their state and decision trail",
	.exec = cmd_change_list_exec,
};

const struct cmd_entry cmd_change_approve_entry = {
	.name = "change approve",
	.args = "ID [--comment C]",
	.help = "Approve another person's proposal",
	.exec = cmd_change_approve_exec,
};

const struct cmd_entry cmd_change_reject_entry = {
	.name = "change reject",
	.args = "ID --reason R",
	.help = "Reject a proposal (or withdraw your own)",
	.exec = cmd_change_reject_exec,
};

const struct cmd_entry cmd_change_apply_entry = {
	.name = "change apply",
	.args = "ID [--confirm DURATION] [--break-glass --reason R]",
	.help = "Apply an approved proposal (--break-glass: an unapproved "
	    "one, when approvals.break_glass allows it)",
	.exec = cmd_change_apply_exec,
};

const struct cmd_entry cmd_review_list_entry = {
	.name = "review list",
	.args = "[--all]",
	.help = "What was done without a second person (break glass, "
	    "isolations) and waits for review",
	.exec = cmd_review_list_exec,
};

const struct cmd_entry cmd_review_ack_entry = {
	.name = "review ack",
	.args = "change|exception|isolation ID [--comment C]",
	.help = "Record that you reviewed one item",
	.exec = cmd_review_ack_exec,
};

bool
cmd_change_id(const char *s, json_int_t *id)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *s < '0' || *s > '9' || *end != '\0' || v < 1)
		return false;
	*id = v;
	return true;
}

/* POST @body to @path; print "message" on success.  Frees @body. */
int
cmd_change_post(struct ctl *c, const char *path, json_t *body)
{
	const char	*msg;
	json_t		*resp = NULL;
	int		 st;

	st = ctl_call(c, "POST", path, body, &resp);
	json_decref(body);
	if ((st == 200 || st == 201) && !c->c_json) {
		msg = ctl_str(resp, "message");
		printf("%s\n", msg ? msg : "done");
	}
	if (st == 422 && !c->c_json) {
		ctl_print_diags(resp, NULL, 0);
		ctl_print_error(st, resp);
		json_decref(resp);
		return CTL_EXIT_REFUSED;
	}
	return ctl_finish(c, st == 201 ? 200 : st, resp);
}

static int
cmd_change_propose_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason",	 required_argument,	NULL, 'r' },
		{ "break-glass", no_argument,		NULL, 'B' },
		{ NULL,		 0,			NULL, 0 }
	};
	const char	*reason = NULL, *msg, *dt;
	json_t		*body, *resp = NULL;
	json_int_t	 id;
	char		*text = NULL;
	size_t		 len;
	bool		 bg = false;
	int		 ch, st, ret;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "r:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			reason = optarg;
			break;
		case 'B':
			bg = true;
			break;
		default:
			return ctl_usage(&cmd_change_propose_entry);
		}
	}
	if (argc - optind != 1 || reason == NULL)
		return ctl_usage(&cmd_change_propose_entry);
	if ((body = ctl_policy_body(argv[optind], &text, &len)) == NULL)
		return CTL_EXIT_REFUSED;
	json_object_set_new(body, "reason", json_string(reason));
	st = ctl_call(c, "POST", "/api/v1/changes", body, &resp);
	json_decref(body);
	if (st == 422 && !c->c_json) {
		ctl_print_diags(resp, text, len);
		ctl_print_verdict(argv[optind], resp);
		fprintf(stderr, "policy %s not proposed; nothing changed\n",
		    argv[optind]);
	}
	if (st != 201) {
		free(text);
		return ctl_finish(c, st, resp);
	}
	id = json_integer_value(json_object_get(resp, "id"));
	if (!c->c_json) {
		ctl_print_diags(resp, text, len);
		msg = ctl_str(resp, "message");
		printf("%s\n", msg ? msg : "proposed");
	}
	free(text);
	json_decref(resp);
	if (!bg) {
		if (!c->c_json) {
			/* What the approver will see. */
			resp = NULL;
			if (ctl_http(c, "GET", "/api/v1/changes", NULL,
			    &resp) == 200) {
				json_t *e;
				size_t i;

				json_array_foreach(json_object_get(resp,
				    "changes"), i, e)
					if (json_integer_value(json_object_get(
					    e, "id")) == id &&
					    (dt = ctl_str(e, "diff_text")) !=
					    NULL)
						fputs(dt, stdout);
			}
			json_decref(resp);
		}
		return CTL_EXIT_OK;
	}
	ret = cmd_change_post(c, "/api/v1/changes/break-glass",
	    json_pack("{s:I, s:s}", "id", id, "reason", reason));
	return ret;
}

static void
cmd_change_print_trail(const json_t *trail)
{
	const json_t	*d;
	const char	*comment;
	size_t		 i;

	json_array_foreach(trail, i, d) {
		comment = ctl_str(d, "comment");
		printf("      %s  %-11s %s%s%s\n", ctl_str(d, "at") ?
		    ctl_str(d, "at") : "?", ctl_str(d, "action") ?
		    ctl_str(d, "action") : "?", ctl_str(d, "actor") ?
		    ctl_str(d, "actor") : "?", comment ? ": " : "",
		    comment ? comment : "");
	}
}

static int
cmd_change_list_exec(struct ctl *c, int argc, char **argv)
{
	const json_t	*e;
	const char	*dt;
	json_t		*resp = NULL;
	size_t		 i;
	bool		 diff;
	int		 st;

	diff = argc == 2 && strcmp(argv[1], "--diff") == 0;
	if (argc > 2 || (argc == 2 && !diff))
		return ctl_usage(&cmd_change_list_entry);
	st = ctl_call(c, "GET", "/api/v1/changes", NULL, &resp);
	if (st == 200 && !c->c_json) {
		if (json_array_size(json_object_get(resp, "changes")) == 0)
			printf("no proposals\n");
		json_array_foreach(json_object_get(resp, "changes"), i, e) {
			printf("%lld  %-8s%s%s  %s  by %s: %s\n",
			    (long long)json_integer_value(json_object_get(e,
			    "id")), ctl_str(e, "state"),
			    json_is_true(json_object_get(e, "stale")) &&
			    strcmp(ctl_str(e, "state"), "stale") != 0 ?
			    " (stale)" : "",
			    json_is_true(json_object_get(e, "break_glass")) ?
			    " BREAK-GLASS" : "", ctl_str(e, "name"),
			    ctl_str(e, "proposer"), ctl_str(e, "reason"));
			cmd_change_print_trail(json_object_get(e, "trail"));
			if (diff && (dt = ctl_str(e, "diff_text")) != NULL)
				fputs(dt, stdout);
		}
	}
	return ctl_finish(c, st, resp);
}

int
cmd_change_decide(struct ctl *c, int argc, char **argv,
    const struct cmd_entry *e, const char *key, bool required,
    const char *path)
{
	static const struct option longopts[] = {
		{ "comment",	required_argument,	NULL, 'c' },
		{ "reason",	required_argument,	NULL, 'r' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*text = NULL;
	json_t		*body;
	json_int_t	 id;
	int		 ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "c:r:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
		case 'r':
			if ((ch == 'c') != (strcmp(key, "comment") == 0))
				return ctl_usage(e);
			text = optarg;
			break;
		default:
			return ctl_usage(e);
		}
	}
	if (argc - optind != 1 || !cmd_change_id(argv[optind], &id) ||
	    (required && text == NULL))
		return ctl_usage(e);
	body = json_pack("{s:I}", "id", id);
	if (text != NULL)
		json_object_set_new(body, key, json_string(text));
	return cmd_change_post(c, path, body);
}

static int
cmd_change_approve_exec(struct ctl *c, int argc, char **argv)
{
	return cmd_change_decide(c, argc, argv, &cmd_change_approve_entry,
	    "comment", false, "/api/v1/changes/approve");
}

static int
cmd_change_reject_exec(struct ctl *c, int argc, char **argv)
{
	return cmd_change_decide(c, argc, argv, &cmd_change_reject_entry,
	    "reason", true, "/api/v1/changes/reject");
}

static int
cmd_change_apply_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "confirm",	 required_argument,	NULL, 'c' },
		{ "reason",	 required_argument,	NULL, 'r' },
		{ "break-glass", no_argument,		NULL, 'B' },
		{ NULL,		 0,			NULL, 0 }
	};
	const char	*reason = NULL;
	json_t		*body;
	json_int_t	 id;
	long		 secs = 0;
	bool		 bg = false;
	int		 ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "c:r:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (!ctl_parse_duration(optarg, &secs) ||
			    secs > 86400) {
				fprintf(stderr, "sansoctl: --confirm %s: "
				    "expected a duration up to a day like 90s, "
				    "5m or 2h\n", optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		case 'r':
			reason = optarg;
			break;
		case 'B':
			bg = true;
			break;
		default:
			return ctl_usage(&cmd_change_apply_entry);
		}
	}
	if (argc - optind != 1 || !cmd_change_id(argv[optind], &id) ||
	    (bg && reason == NULL))
		return ctl_usage(&cmd_change_apply_entry);
	body = json_pack("{s:I}", "id", id);
	if (reason != NULL)
		json_object_set_new(body, "reason", json_string(reason));
	if (secs > 0)
		json_object_set_new(body, "confirm_seconds",
		    json_integer(secs));
	return cmd_change_post(c, bg ? "/api/v1/changes/break-glass" :
	    "/api/v1/changes/apply", body);
}

static int
cmd_review_list_exec(struct ctl *c, int argc, char **argv)
{
	const json_t	*e;
	json_t		*resp = NULL;
	size_t		 i;
	bool		 all;
	int		 st;

	all = argc == 2 && strcmp(argv[1], "--all") == 0;
	if (argc > 2 || (argc == 2 && !all))
		return ctl_usage(&cmd_review_list_entry);
	st = ctl_call(c, "GET", all ? "/api/v1/review?all=1" :
	    "/api/v1/review", NULL, &resp);
	if (st == 200 && !c->c_json) {
		if (json_array_size(json_object_get(resp, "items")) == 0)
			printf("nothing %s\n", all ? "in the review queue" :
			    "waits for review");
		json_array_foreach(json_object_get(resp, "items"), i, e) {
			printf("%-9s %lld  %s  by %s: %s%s%s\n",
			    ctl_str(e, "kind"), (long long)json_integer_value(
			    json_object_get(e, "id")), ctl_str(e, "at") ?
			    ctl_str(e, "at") : "?", ctl_str(e, "actor"),
			    ctl_str(e, "summary"), ctl_str(e, "ticket") ?
			    " ticket " : "", ctl_str(e, "ticket") ?
			    ctl_str(e, "ticket") : "");
			if (ctl_str(e, "reviewed_by") != NULL)
				printf("      reviewed by %s%s%s\n",
				    ctl_str(e, "reviewed_by"),
				    ctl_str(e, "review_comment") ? ": " : "",
				    ctl_str(e, "review_comment") ?
				    ctl_str(e, "review_comment") : "");
		}
		if (json_integer_value(json_object_get(resp, "total")) >
		    (json_int_t)json_array_size(json_object_get(resp, "items")))
			printf("(%lld in all; the first %zu shown)\n",
			    (long long)json_integer_value(json_object_get(resp,
			    "total")), json_array_size(json_object_get(resp,
			    "items")));
	}
	return ctl_finish(c, st, resp);
}

static int
cmd_review_ack_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "comment",	required_argument,	NULL, 'c' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*comment = NULL;
	json_t		*body;
	json_int_t	 id;
	int		 ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		if (ch != 'c')
			return ctl_usage(&cmd_review_ack_entry);
		comment = optarg;
	}
	if (argc - optind != 2 || !cmd_change_id(argv[optind + 1], &id))
		return ctl_usage(&cmd_review_ack_entry);
	body = json_pack("{s:s, s:I}", "kind", argv[optind], "id", id);
	if (comment != NULL)
		json_object_set_new(body, "comment", json_string(comment));
	return cmd_change_post(c, "/api/v1/review/ack", body);
}
