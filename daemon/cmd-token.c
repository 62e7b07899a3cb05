/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansoctl token add|list|revoke: API tokens for automation (SOAR, SIEM,
 * Prometheus). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "sansoctl.h"
#include "xmalloc.h"

static int	cmd_token_add_exec(struct ctl *, int, char **);
static int	cmd_token_list_exec(struct ctl *, int, char **);
static int	cmd_token_revoke_exec(struct ctl *, int, char **);

const struct cmd_entry cmd_token_add_entry = {
	.name = "token add",
	.args = "NAME --user ACCOUNT --scope PERM[,PERM...] "
	    "[--expires DURATION]",
	.help = "Make an API token for ACCOUNT carrying only the permissions "
	    "named (a subset of its role's); printed once",
	.exec = cmd_token_add_exec,
};

const struct cmd_entry cmd_token_list_entry = {
	.name = "token list",
	.args = "",
	.help = "List API tokens: id, account, scope, expiry, last use",
	.exec = cmd_token_list_exec,
};

const struct cmd_entry cmd_token_revoke_entry = {
	.name = "token revoke",
	.args = "ID",
	.help = "Revoke an API token at once",
	.exec = cmd_token_revoke_exec,
};

static int
cmd_token_add_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "user",	required_argument,	NULL, 'u' },
		{ "scope",	required_argument,	NULL, 's' },
		{ "expires",	required_argument,	NULL, 'e' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*user = NULL, *scope = NULL, *expires = NULL;
	json_t		*body, *resp = NULL, *perms;
	char		*copy, *w, *save = NULL;
	int		 ch, st;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "u:s:e:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'u':
			user = optarg;
			break;
		case 's':
			scope = optarg;
			break;
		case 'e':
			expires = optarg;
			break;
		default:
			return ctl_usage(&cmd_token_add_entry);
		}
	}
	if (argc - optind != 1)
		return ctl_usage(&cmd_token_add_entry);
	if (scope == NULL) {
		fprintf(stderr, "sansoctl: scope: required (--scope "
		    "isolation.read,isolation.write)\n");
		return CTL_EXIT_USAGE;
	}
	perms = json_array();
	copy = xstrdup(scope);
	for (w = strtok_r(copy, ", ", &save); w != NULL;
	    w = strtok_r(NULL, ", ", &save))
		json_array_append_new(perms, json_string(w));
	free(copy);
	body = json_pack("{s:s, s:s?, s:o, s:s?}", "name", argv[optind],
	    "user", user, "scope", perms, "expires", expires);
	if (body == NULL) {
		fprintf(stderr, "sansoctl: arguments must be UTF-8 text\n");
		return CTL_EXIT_USAGE;
	}
	st = ctl_call(c, "POST", "/api/v1/tokens", body, &resp);
	json_decref(body);
	if (st == 201) {
		if (!c->c_json)
			printf("token %lld (%s) for %s, expires %s\n%s\n"
			    "(shown only now: store it where the automation "
			    "reads it; send it as \"Authorization: Bearer "
			    "...\")\n",
			    (long long)json_integer_value(json_object_get(resp,
			    "id")), argv[optind], ctl_str(resp, "user"),
			    ctl_str(resp, "expires_at"),
			    ctl_str(resp, "token"));
		st = 200;
	}
	return ctl_finish(c, st, resp);
}

static int
cmd_token_list_exec(struct ctl *c, int argc, char **argv)
{
	const json_t	*tokens, *t, *s;
	json_t		*resp = NULL;
	char		 scope[256];
	size_t		 i, j, used;
	int		 st;

	(void)argv;
	if (argc != 1)
		return ctl_usage(&cmd_token_list_entry);
	st = ctl_call(c, "GET", "/api/v1/tokens", NULL, &resp);
	if (st == 200 && !c->c_json) {
		tokens = json_object_get(resp, "tokens");
		if (json_array_size(tokens) == 0)
			printf("no API tokens\n");
		else
			printf("%-5s %-16s %-16s %-26s %-8s %s\n", "ID", "NAME",
			    "USER", "EXPIRES", "STATE", "SCOPE");
		json_array_foreach(tokens, i, t) {
			used = 0;
			scope[0] = '\0';
			json_array_foreach(json_object_get(t, "scope"), j, s)
				if (used < sizeof(scope))
					used += (size_t)snprintf(scope + used,
					    sizeof(scope) - used, "%s%s",
					    j ? "," : "", json_string_value(s));
			printf("%-5lld %-16s %-16s %-26s %-8s %s\n",
			    (long long)json_integer_value(json_object_get(t,
			    "id")), ctl_str(t, "name"), ctl_str(t, "user"),
			    ctl_str(t, "expires_at"),
			    json_is_true(json_object_get(t, "expired")) ?
			    "expired" : "valid", scope);
		}
	}
	return ctl_finish(c, st, resp);
}

static int
cmd_token_revoke_exec(struct ctl *c, int argc, char **argv)
{
	json_t		*body, *resp = NULL;
	char		*end;
	long long	 id;
	int		 st;

	if (argc != 2)
		return ctl_usage(&cmd_token_revoke_entry);
	errno = 0;
	id = strtoll(argv[1], &end, 10);
	if (errno != 0 || *end != '\0' || end == argv[1] || id < 1) {
		fprintf(stderr, "sansoctl: %s is not a token id (see sansoctl "
		    "token list)\n", argv[1]);
		return CTL_EXIT_USAGE;
	}
	body = json_pack("{s:I}", "id", (json_int_t)id);
	st = ctl_call(c, "POST", "/api/v1/tokens/revoke", body, &resp);
	json_decref(body);
	if (st == 200 && !c->c_json)
		printf("token %lld revoked\n", id);
	return ctl_finish(c, st, resp);
}
