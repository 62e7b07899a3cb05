/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansoctl user add|list|passwd|role|lock|unlock|delete: local accounts. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "sansoctl.h"

static int	cmd_user_add_exec(struct ctl *, int, char **);
static int	cmd_user_list_exec(struct ctl *, int, char **);
static int	cmd_user_passwd_exec(struct ctl *, int, char **);
static int	cmd_user_lock_exec(struct ctl *, int, char **);
static int	cmd_user_unlock_exec(struct ctl *, int, char **);
static int	cmd_user_delete_exec(struct ctl *, int, char **);
static int	cmd_user_role_exec(struct ctl *, int, char **);

const struct cmd_entry cmd_user_add_entry = {
	.name = "user add",
	.args = "NAME --role ROLE",
	.help = "Add an account; its one-time password is printed once and "
	    "must be changed at the first login",
	.exec = cmd_user_add_exec,
};

const struct cmd_entry cmd_user_list_entry = {
	.name = "user list",
	.args = "",
	.help = "List the accounts: role, lock and password state, last login",
	.exec = cmd_user_list_exec,
};

const struct cmd_entry cmd_user_passwd_entry = {
	.name = "user passwd",
	.args = "NAME",
	.help = "Give NAME a new one-time password (printed once); its "
	    "sessions end",
	.exec = cmd_user_passwd_exec,
};

const struct cmd_entry cmd_user_lock_entry = {
	.name = "user lock",
	.args = "NAME",
	.help = "Lock an account until unlocked; its sessions end",
	.exec = cmd_user_lock_exec,
};

const struct cmd_entry cmd_user_unlock_entry = {
	.name = "user unlock",
	.args = "NAME",
	.help = "Unlock an account, also after too many failed logins",
	.exec = cmd_user_unlock_exec,
};

const struct cmd_entry cmd_user_delete_entry = {
	.name = "user delete",
	.args = "NAME",
	.help = "Delete an account with its sessions and API tokens",
	.exec = cmd_user_delete_exec,
};

const struct cmd_entry cmd_user_role_entry = {
	.name = "user role",
	.args = "NAME ROLE",
	.help = "Give an account another role (from its next request on)",
	.exec = cmd_user_role_exec,
};

/* No options; exactly one NAME. */
static const char *
cmd_user_name(const struct cmd_entry *e, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ NULL,	0,	NULL, 0 }
	};

	optind = 0;
	if (getopt_long(argc, argv, "", longopts, NULL) != -1 ||
	    argc - optind != 1) {
		ctl_usage(e);
		return NULL;
	}
	return argv[optind];
}

static void
cmd_user_temp(const json_t *resp, const char *name, const char *what)
{
	printf("%s\none-time password: %s\n(shown only now; %s must change "
	    "it at the first login)\n", what,
	    ctl_str(resp, "temporary_password") ?
	    ctl_str(resp, "temporary_password") : "?", name);
}

static int
cmd_user_add_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "role",	required_argument,	NULL, 'r' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*role = NULL;
	json_t		*body, *resp = NULL;
	char		 what[160];
	int		 ch, st;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "r:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			role = optarg;
			break;
		default:
			return ctl_usage(&cmd_user_add_entry);
		}
	}
	if (argc - optind != 1)
		return ctl_usage(&cmd_user_add_entry);
	if (role == NULL) {
		fprintf(stderr, "sansoctl: role: required (--role ROLE)\n");
		return CTL_EXIT_USAGE;
	}
	if ((body = json_pack("{s:s, s:s}", "name", argv[optind], "role",
	    role)) == NULL) {
		fprintf(stderr, "sansoctl: NAME and --role must be UTF-8\n");
		return CTL_EXIT_USAGE;
	}
	st = ctl_call(c, "POST", "/api/v1/users", body, &resp);
	json_decref(body);
	if (st == 201) {
		if (!c->c_json) {
			snprintf(what, sizeof(what), "user %s added with "
			    "role %s", argv[optind], role);
			cmd_user_temp(resp, argv[optind], what);
		}
		st = 200;
	}
	return ctl_finish(c, st, resp);
}

/* "locked until ...", "locked", "temporary password" or "active". */
static void
cmd_user_state(const json_t *u, char *buf, size_t len)
{
	if (json_is_true(json_object_get(u, "disabled")))
		snprintf(buf, len, "locked");
	else if (json_is_true(json_object_get(u, "locked")))
		snprintf(buf, len, "locked until %s",
		    ctl_str(u, "locked_until") ? ctl_str(u, "locked_until") :
		    "?");
	else if (json_is_true(json_object_get(u, "must_change_password")))
		snprintf(buf, len, "temporary password");
	else
		snprintf(buf, len, "active");
}

static int
cmd_user_list_exec(struct ctl *c, int argc, char **argv)
{
	const json_t	*users, *u;
	json_t		*resp = NULL;
	char		 state[96];
	size_t		 i;
	int		 st;

	(void)argv;
	if (argc != 1)
		return ctl_usage(&cmd_user_list_entry);
	st = ctl_call(c, "GET", "/api/v1/users", NULL, &resp);
	if (st == 200 && !c->c_json) {
		users = json_object_get(resp, "users");
		if (json_array_size(users) == 0)
			printf("no accounts (sansod --init-admin NAME "
			    "makes the first)\n");
		else
			printf("%-20s %-12s %-34s %s\n", "NAME", "ROLE",
			    "STATE", "LAST LOGIN");
		json_array_foreach(users, i, u) {
			cmd_user_state(u, state, sizeof(state));
			printf("%-20s %-12s %-34s %s\n", ctl_str(u, "name"),
			    ctl_str(u, "role"), state,
			    ctl_str(u, "last_login_at") ?
			    ctl_str(u, "last_login_at") : "never");
		}
	}
	return ctl_finish(c, st, resp);
}

/* POST {"name": NAME} to @path. */
static int
cmd_user_post(struct ctl *c, const struct cmd_entry *e, const char *path,
    int argc, char **argv, json_t **resp, const char **namep)
{
	json_t	*body;
	int	 st;

	*resp = NULL;
	if ((*namep = cmd_user_name(e, argc, argv)) == NULL)
		return -2;
	if ((body = json_pack("{s:s}", "name", *namep)) == NULL) {
		fprintf(stderr, "sansoctl: NAME must be UTF-8\n");
		return -2;
	}
	st = ctl_call(c, "POST", path, body, resp);
	json_decref(body);
	return st;
}

static int
cmd_user_passwd_exec(struct ctl *c, int argc, char **argv)
{
	const char	*name;
	json_t		*resp;
	char		 what[160];
	int		 st;

	st = cmd_user_post(c, &cmd_user_passwd_entry, "/api/v1/users/passwd",
	    argc, argv, &resp, &name);
	if (st == -2)
		return CTL_EXIT_USAGE;
	if (st == 200 && !c->c_json) {
		snprintf(what, sizeof(what), "new one-time password for %s; "
		    "its sessions have ended", name);
		cmd_user_temp(resp, name, what);
	}
	return ctl_finish(c, st, resp);
}

static int
cmd_user_simple(struct ctl *c, const struct cmd_entry *e, const char *path,
    const char *done, int argc, char **argv)
{
	const char	*name;
	json_t		*resp;
	int		 st;

	st = cmd_user_post(c, e, path, argc, argv, &resp, &name);
	if (st == -2)
		return CTL_EXIT_USAGE;
	if (st == 200 && !c->c_json)
		printf("user %s %s\n", name, done);
	return ctl_finish(c, st, resp);
}

static int
cmd_user_lock_exec(struct ctl *c, int argc, char **argv)
{
	return cmd_user_simple(c, &cmd_user_lock_entry, "/api/v1/users/lock",
	    "locked", argc, argv);
}

static int
cmd_user_unlock_exec(struct ctl *c, int argc, char **argv)
{
	return cmd_user_simple(c, &cmd_user_unlock_entry,
	    "/api/v1/users/unlock", "unlocked", argc, argv);
}

static int
cmd_user_delete_exec(struct ctl *c, int argc, char **argv)
{
	return cmd_user_simple(c, &cmd_user_delete_entry,
	    "/api/v1/users/delete", "deleted", argc, argv);
}

static int
cmd_user_role_exec(struct ctl *c, int argc, char **argv)
{
	json_t	*body, *resp = NULL;
	int	 st;

	if (argc != 3)
		return ctl_usage(&cmd_user_role_entry);
	if ((body = json_pack("{s:s, s:s}", "name", argv[1], "role",
	    argv[2])) == NULL) {
		fprintf(stderr, "sansoctl: NAME and ROLE must be UTF-8\n");
		return CTL_EXIT_USAGE;
	}
	st = ctl_call(c, "POST", "/api/v1/users/role", body, &resp);
	json_decref(body);
	if (st == 200 && !c->c_json)
		printf("user %s now has role %s\n", argv[1], argv[2]);
	return ctl_finish(c, st, resp);
}
