/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansoctl matrix: the zone x zone reachability table of the policy. */
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "sansoctl.h"

static int	cmd_matrix_exec(struct ctl *, int, char **);

const struct cmd_entry cmd_matrix_entry = {
	.name = "matrix",
	.args = "",
	.help = "Print which zone may open connections to which (services, "
	    "via), from the running policy",
	.exec = cmd_matrix_exec,
};

static int
cmd_matrix_exec(struct ctl *c, int argc, char **argv)
{
	const char	*text;
	json_t		*resp = NULL;
	int		 st;

	(void)argv;
	if (argc != 1)
		return ctl_usage(&cmd_matrix_entry);
	st = ctl_call(c, "GET", "/api/v1/matrix", NULL, &resp);
	if (st == 200 && !c->c_json) {
		text = json_string_value(json_object_get(resp, "text"));
		fputs(text ? text : "", stdout);
		if (text != NULL && *text != '\0' &&
		    text[strlen(text) - 1] != '\n')
			putchar('\n');
	}
	return ctl_finish(c, st, resp);
}
