/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansoctl policy check|diff|apply|confirm|rollback|show. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sansoctl.h"

static int	cmd_policy_check_exec(struct ctl *, int, char **);
static int	cmd_policy_diff_exec(struct ctl *, int, char **);
static int	cmd_policy_apply_exec(struct ctl *, int, char **);
static int	cmd_policy_confirm_exec(struct ctl *, int, char **);
static int	cmd_policy_rollback_exec(struct ctl *, int, char **);
static int	cmd_policy_show_exec(struct ctl *, int, char **);

const struct cmd_entry cmd_policy_check_entry = {
	.name = "policy check",
	.args = "FILE",
	.help = "Validate FILE and print every problem (like sansod -t)",
	.exec = cmd_policy_check_exec,
};

const struct cmd_entry cmd_policy_diff_entry = {
	.name = "policy diff",
	.args = "FILE",
	.help = "Show what applying FILE would change (zones, hosts, "
	    "services, conduits)",
	.exec = cmd_policy_diff_exec,
};

const struct cmd_entry cmd_policy_apply_entry = {
	.name = "policy apply",
	.args = "FILE [--confirm DURATION]",
	.help = "Apply FILE atomically; with --confirm (e.g. 5m, 90s) it is "
	    "rolled back unless confirmed in time",
	.exec = cmd_policy_apply_exec,
};

const struct cmd_entry cmd_policy_confirm_entry = {
	.name = "policy confirm",
	.args = "",
	.help = "Keep the policy applied with --confirm",
	.exec = cmd_policy_confirm_exec,
};

const struct cmd_entry cmd_policy_rollback_entry = {
	.name = "policy rollback",
	.args = "",
	.help = "Return to the previous policy (or drop one waiting for "
	    "confirm)",
	.exec = cmd_policy_rollback_exec,
};

const struct cmd_entry cmd_policy_show_entry = {
	.name = "policy show",
	.args = "[--nft]",
	.help = "Print the running policy, or with --nft its nftables ruleset",
	.exec = cmd_policy_show_exec,
};

/* POST a policy file to @path.  Returns the status; *resp, *text set. */
static int
cmd_policy_post(struct ctl *c, const char *file, const char *path,
    json_t **resp, char **text, size_t *len)
{
	json_t	*body;
	int	 st;

	*resp = NULL;
	if ((body = ctl_policy_body(file, text, len)) == NULL)
		return -2;
	st = ctl_call(c, "POST", path, body, resp);
	json_decref(body);
	return st;
}

static bool
cmd_policy_valid(const json_t *resp)
{
	return json_is_true(json_object_get(resp, "valid"));
}

static int
cmd_policy_check_exec(struct ctl *c, int argc, char **argv)
{
	json_t	*resp;
	char	*text = NULL;
	size_t	 len;
	int	 st, ret;

	if (argc != 2)
		return ctl_usage(&cmd_policy_check_entry);
	st = cmd_policy_post(c, argv[1], "/api/v1/policy/check", &resp, &text,
	    &len);
	if (st == -2)
		return CTL_EXIT_REFUSED;
	if (st != 200) {
		free(text);
		return ctl_finish(c, st, resp);
	}
	ret = cmd_policy_valid(resp) ? CTL_EXIT_OK : CTL_EXIT_REFUSED;
	if (!c->c_json) {
		ctl_print_diags(resp, text, len);
		ctl_print_verdict(argv[1], resp);
	}
	json_decref(resp);
	free(text);
	return ret;
}

static int
cmd_policy_diff_exec(struct ctl *c, int argc, char **argv)
{
	const char	*dt;
	json_t		*resp;
	char		*text = NULL;
	size_t		 len;
	int		 st, ret = CTL_EXIT_OK;

	if (argc != 2)
		return ctl_usage(&cmd_policy_diff_entry);
	st = cmd_policy_post(c, argv[1], "/api/v1/policy/diff", &resp, &text,
	    &len);
	if (st == -2)
		return CTL_EXIT_REFUSED;
	if (st != 200) {
		free(text);
		return ctl_finish(c, st, resp);
	}
	if (!cmd_policy_valid(resp))
		ret = CTL_EXIT_REFUSED;
	if (c->c_json)
		goto out;
	ctl_print_diags(resp, text, len);
	if (ret != CTL_EXIT_OK) {
		ctl_print_verdict(argv[1], resp);
		goto out;
	}
	dt = json_string_value(json_object_get(resp, "diff_text"));
	if (dt == NULL || dt[strspn(dt, " \t\r\n")] == '\0')
		printf("no changes: %s is what is running\n", argv[1]);
	else
		fputs(dt, stdout);
	if (dt != NULL && *dt != '\0' && dt[strlen(dt) - 1] != '\n')
		putchar('\n');
out:
	json_decref(resp);
	free(text);
	return ret;
}

static void
cmd_policy_print_confirm(const json_t *resp)
{
	const char	*deadline;
	json_int_t	 left;
	json_t		*cf;

	cf = json_object_get(resp, "confirm");
	if (!json_is_object(cf))
		return;
	deadline = ctl_str(cf, "deadline");
	left = json_integer_value(json_object_get(cf, "seconds_left"));
	printf("confirm within %lld s (until %s) with `sansoctl policy "
	    "confirm`,\notherwise the last good policy comes back by itself\n",
	    (long long)left, deadline ? deadline : "?");
}

static int
cmd_policy_apply_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "confirm",	required_argument,	NULL, 'c' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*file;
	json_t		*body, *resp = NULL;
	char		*text = NULL;
	size_t		 len;
	double		 ms;
	long		 secs = 0;
	int		 ch, st, ret;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			if (!ctl_parse_duration(optarg, &secs) ||
			    secs > 86400) {
				fprintf(stderr, "sansoctl: --confirm %s: expected "
				    "a duration up to a day like 90s, 5m or "
				    "2h\n", optarg);
				return CTL_EXIT_USAGE;
			}
			break;
		default:
			return ctl_usage(&cmd_policy_apply_entry);
		}
	}
	if (argc - optind != 1)
		return ctl_usage(&cmd_policy_apply_entry);
	file = argv[optind];
	if ((body = ctl_policy_body(file, &text, &len)) == NULL)
		return CTL_EXIT_REFUSED;
	if (secs > 0)
		json_object_set_new(body, "confirm_seconds",
		    json_integer(secs));
	st = ctl_call(c, "POST", "/api/v1/policy/apply", body, &resp);
	json_decref(body);
	if (st == 422 && !c->c_json) {
		ctl_print_diags(resp, text, len);
		ctl_print_verdict(file, resp);
		fprintf(stderr, "policy %s not applied; nothing changed\n",
		    file);
	}
	if (st != 200 && st != 422) {
		free(text);
		return ctl_finish(c, st, resp);
	}
	ret = st == 200 ? CTL_EXIT_OK : CTL_EXIT_REFUSED;
	if (st == 200 && !c->c_json) {
		ctl_print_diags(resp, text, len);
		ms = json_number_value(json_object_get(resp, "apply_ms"));
		printf("policy %s applied in %.1f ms\n", file, ms);
		cmd_policy_print_confirm(resp);
	}
	json_decref(resp);
	free(text);
	return ret;
}

/* confirm and rollback: a bare POST and a sentence back. */
static int
cmd_policy_post_simple(struct ctl *c, const char *path)
{
	const char	*msg = NULL;
	json_t		*resp = NULL;
	int		 st;

	st = ctl_call(c, "POST", path, NULL, &resp);
	if (st == 200 && !c->c_json) {
		msg = ctl_str(resp, "message");
		printf("%s\n", msg ? msg : "done");
	}
	return ctl_finish(c, st, resp);
}

static int
cmd_policy_confirm_exec(struct ctl *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return ctl_usage(&cmd_policy_confirm_entry);
	return cmd_policy_post_simple(c, "/api/v1/policy/confirm");
}

static int
cmd_policy_rollback_exec(struct ctl *c, int argc, char **argv)
{
	(void)argv;
	if (argc != 1)
		return ctl_usage(&cmd_policy_rollback_entry);
	return cmd_policy_post_simple(c, "/api/v1/policy/rollback");
}

static int
cmd_policy_show_exec(struct ctl *c, int argc, char **argv)
{
	const char	*key, *text;
	json_t		*resp = NULL;
	bool		 nft;
	int		 st;

	nft = argc == 2 && strcmp(argv[1], "--nft") == 0;
	if (argc > 2 || (argc == 2 && !nft))
		return ctl_usage(&cmd_policy_show_entry);
	key = nft ? "nft" : "text";
	st = ctl_call(c, "GET", nft ? "/api/v1/policy/nft" : "/api/v1/policy",
	    NULL, &resp);
	if (st == 200 && !c->c_json) {
		text = json_string_value(json_object_get(resp, key));
		fputs(text ? text : "", stdout);
		if (text != NULL && *text != '\0' &&
		    text[strlen(text) - 1] != '\n')
			putchar('\n');
	}
	return ctl_finish(c, st, resp);
}
