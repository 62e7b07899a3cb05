/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * sansoctl: the verbs (one cmd-*.c file per group, listed once in
 * sansoctl.c, tmux style), the HTTP call over the unix socket (ctl-http.c)
 * and the output helpers they share.
 */
#ifndef SANSO_SANSOCTL_H
#define SANSO_SANSOCTL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* Exit codes: scripts rely on them (documented in the usage text). */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_REFUSED = 1,	/* the daemon said no; a query was denied */
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_CONNECT = 3,	/* the daemon cannot be reached */
	CTL_EXIT_DRIFT = 4,	/* status: the kernel differs from the policy */
};

/* The same limit as the daemon's: larger files are refused here. */
#define CTL_POLICY_MAX	(16u * 1024 * 1024)

struct ctl {
	const char	*c_socket;
	bool		 c_json;	/* print the raw JSON response */
};

/**
 * struct cmd_entry - one verb
 * @name: the words that select it ("policy apply")
 * @args: its arguments for the usage text
 * @exec: runs with the arguments after @name (argv[0] is the last word
 *   of @name, as getopt expects); returns an enum ctl_exit
 */
struct cmd_entry {
	const char	*name;
	const char	*args;
	const char	*help;
	int		(*exec)(struct ctl *, int argc, char **argv);
};

extern const struct cmd_entry cmd_status_entry;
extern const struct cmd_entry cmd_policy_check_entry;
extern const struct cmd_entry cmd_policy_diff_entry;
extern const struct cmd_entry cmd_policy_apply_entry;
extern const struct cmd_entry cmd_policy_confirm_entry;
extern const struct cmd_entry cmd_policy_rollback_entry;
extern const struct cmd_entry cmd_policy_show_entry;
extern const struct cmd_entry cmd_policy_query_entry;
extern const struct cmd_entry cmd_matrix_entry;
extern const struct cmd_entry cmd_isolate_entry;
extern const struct cmd_entry cmd_release_entry;
extern const struct cmd_entry cmd_isolations_entry;
extern const struct cmd_entry cmd_user_add_entry;
extern const struct cmd_entry cmd_user_list_entry;
extern const struct cmd_entry cmd_user_passwd_entry;
extern const struct cmd_entry cmd_user_role_entry;
extern const struct cmd_entry cmd_user_lock_entry;
extern const struct cmd_entry cmd_user_unlock_entry;
extern const struct cmd_entry cmd_user_delete_entry;
extern const struct cmd_entry cmd_token_add_entry;
extern const struct cmd_entry cmd_token_list_entry;
extern const struct cmd_entry cmd_token_revoke_entry;
extern const struct cmd_entry cmd_change_propose_entry;
extern const struct cmd_entry cmd_change_list_entry;
extern const struct cmd_entry cmd_change_approve_entry;
extern const struct cmd_entry cmd_change_reject_entry;
extern const struct cmd_entry cmd_change_apply_entry;
extern const struct cmd_entry cmd_exception_request_entry;
extern const struct cmd_entry cmd_exception_approve_entry;
extern const struct cmd_entry cmd_exception_reject_entry;
extern const struct cmd_entry cmd_exception_list_entry;
extern const struct cmd_entry cmd_review_list_entry;
extern const struct cmd_entry cmd_review_ack_entry;
extern const struct cmd_entry cmd_audit_verify_entry;
extern const struct cmd_entry cmd_audit_list_entry;

/* ctl-http.c: one request.  Returns the HTTP status with *resp the parsed
 * JSON body (NULL if it was not JSON), or -1 after printing why the daemon
 * could not be reached. */
void	ctl_http_init(void);
void	ctl_http_free(void);
int	ctl_http(const struct ctl *, const char *method, const char *path,
	    const json_t *body, json_t **resp);

/* cmd-change.c: POST @body (stolen) to @path and print its "message";
 * 422 prints the validator's diagnostics.  Returns an enum ctl_exit. */
int	cmd_change_post(struct ctl *, const char *path, json_t *body);
/* cmd-change.c: a positive decimal id; false (usage) otherwise. */
bool	cmd_change_id(const char *, json_int_t *);
/* cmd-change.c: "ID [--comment C | --reason R]", the shape of approve and
 * reject: @key is the text option taken (required or not), posted with
 * the id to @path.  Usage of @e on anything else. */
int	cmd_change_decide(struct ctl *, int argc, char **argv,
	    const struct cmd_entry *e, const char *key, bool required,
	    const char *path);

/* sansoctl.c: shared helpers. */
/* Usage of one verb on stderr; returns CTL_EXIT_USAGE. */
int	ctl_usage(const struct cmd_entry *);
/* ctl_http(), and with --json the raw answer printed to stdout.  Returns
 * the HTTP status (-1: unreachable, already reported); *resp may be NULL. */
int	ctl_call(const struct ctl *, const char *method, const char *path,
	    const json_t *body, json_t **resp);
/* The exit code for an answer that needs no more than printing: 0 for 200,
 * else the error printed (unless --json) and CTL_EXIT_REFUSED; frees
 * @resp.  -1 gives CTL_EXIT_CONNECT. */
int	ctl_finish(const struct ctl *, int status, json_t *resp);
/* Print {"error": ...} as "sansoctl: message (field 'x')"; returns
 * CTL_EXIT_REFUSED. */
int	ctl_print_error(int status, const json_t *resp);
/* Read a policy file for check/diff/apply into {"name", "text"}; prints
 * why not and returns NULL. */
json_t	*ctl_policy_body(const char *path, char **textp, size_t *lenp);
/* Print "diagnostics" like sansod -t (with carets from the local text). */
void	ctl_print_diags(const json_t *resp, const char *text, size_t len);
/* "policy FILE: OK (8 zones, 11 conduits)" or "policy FILE: 2 errors". */
void	ctl_print_verdict(const char *path, const json_t *resp);
/* A string member, or NULL when absent, null or not a string. */
const char *ctl_str(const json_t *, const char *key);
/* "90s", "5m", "2h", "1d" or plain seconds; false if malformed. */
bool	ctl_parse_duration(const char *, long *secs);

#endif
