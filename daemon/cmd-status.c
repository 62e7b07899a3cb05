/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansoctl status: the running policy, the confirm window, kernel drift. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "sansoctl.h"

static int	cmd_status_exec(struct ctl *, int, char **);

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.args = "",
	.help = "Show the running policy, any pending confirm and whether "
	    "the kernel matches",
	.exec = cmd_status_exec,
};

static void
cmd_status_policy(const json_t *pol)
{
	const char	*name, *sha, *at;
	json_int_t	 zones = 0, conduits = 0, rules = 0, elems = 0;
	double		 ms = 0;

	if (!json_is_object(pol)) {
		printf("policy:   none applied\n");
		return;
	}
	name = ctl_str(pol, "name");
	sha = ctl_str(pol, "sha256");
	at = ctl_str(pol, "applied_at");
	zones = json_integer_value(json_object_get(pol, "zones"));
	conduits = json_integer_value(json_object_get(pol, "conduits"));
	rules = json_integer_value(json_object_get(pol, "rules"));
	elems = json_integer_value(json_object_get(pol, "elements"));
	ms = json_number_value(json_object_get(pol, "apply_ms"));
	printf("policy:   %s\n", name ? name : "?");
	printf("sha256:   %s\n", sha ? sha : "?");
	printf("applied:  %s (in %.1f ms)\n", at ? at : "?", ms);
	printf("size:     %lld zones, %lld conduits, %lld rules, "
	    "%lld set elements\n", (long long)zones, (long long)conduits,
	    (long long)rules, (long long)elems);
}

static int
cmd_status_exec(struct ctl *c, int argc, char **argv)
{
	const char	*version, *detail, *deadline, *checked;
	json_t		*resp = NULL, *pol, *confirm, *kernel;
	json_int_t	 left;
	bool		 present, match;
	int		 st, ret;

	(void)argv;
	if (argc != 1)
		return ctl_usage(&cmd_status_entry);
	st = ctl_call(c, "GET", "/api/v1/status", NULL, &resp);
	if (st != 200)
		return ctl_finish(c, st, resp);
	kernel = json_object_get(resp, "kernel");
	version = ctl_str(resp, "version");
	pol = json_object_get(resp, "policy");
	confirm = json_object_get(resp, "confirm");
	present = json_is_true(json_object_get(kernel, "present"));
	match = json_is_true(json_object_get(kernel, "match"));
	detail = ctl_str(kernel, "detail");
	checked = ctl_str(kernel, "checked_at");
	if (detail == NULL)
		detail = "";
	ret = present && match ? CTL_EXIT_OK : CTL_EXIT_DRIFT;
	if (c->c_json)
		goto out;

	if (checked == NULL)
		checked = "?";
	printf("sansod:   %s\n", version ? version : "?");
	cmd_status_policy(pol);
	if (json_is_object(confirm)) {
		deadline = ctl_str(confirm, "deadline");
		left = json_integer_value(json_object_get(confirm,
		    "seconds_left"));
		printf("confirm:  PENDING: %lld s left (until %s); "
		    "`sansoctl policy confirm` keeps it, otherwise the last "
		    "good policy comes back\n", (long long)left, deadline ? deadline : "?");
	} else
		printf("confirm:  none pending\n");
	if (!present)
		printf("kernel:   DRIFT: %s (checked %s)\n",
		    detail[0] ? detail : "table inet sanso is missing", checked);
	else if (!match)
		printf("kernel:   DRIFT: table inet sanso differs from the "
		    "policy: %s (checked %s)\n", detail, checked);
	else
		printf("kernel:   table inet sanso matches the policy "
		    "(checked %s)\n", checked);
out:
	json_decref(resp);
	return ret;
}
