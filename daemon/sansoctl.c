/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansoctl: global options, the verb table, and the output helpers. */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <jansson.h>

#include "diag.h"
#include "log.h"
#include "sansoctl.h"
#include "version.h"
#include "xmalloc.h"

#define CTL_SOCKET	RUNSTATEDIR "/sanso/sansod.sock"

/* Every verb, in the order the usage text lists them. */
static const struct cmd_entry *ctl_commands[] = {
	&cmd_status_entry,
	&cmd_policy_check_entry,
	&cmd_policy_diff_entry,
	&cmd_policy_apply_entry,
	&cmd_policy_confirm_entry,
	&cmd_policy_rollback_entry,
	&cmd_policy_show_entry,
	&cmd_policy_query_entry,
	&cmd_matrix_entry,
	&cmd_isolate_entry,
	&cmd_release_entry,
	&cmd_isolations_entry,
	&cmd_user_add_entry,
	&cmd_user_list_entry,
	&cmd_user_passwd_entry,
	&cmd_user_role_entry,
	&cmd_user_lock_entry,
	&cmd_user_unlock_entry,
	&cmd_user_delete_entry,
	&cmd_token_add_entry,
	&cmd_token_list_entry,
	&cmd_token_revoke_entry,
	&cmd_change_propose_entry,
	&cmd_change_list_entry,
	&cmd_change_approve_entry,
	&cmd_change_reject_entry,
	&cmd_change_apply_entry,
	&cmd_exception_request_entry,
	&cmd_exception_approve_entry,
	&cmd_exception_reject_entry,
	&cmd_exception_list_entry,
	&cmd_review_list_entry,
	&cmd_review_ack_entry,
	&cmd_audit_verify_entry,
	&cmd_audit_list_entry,
};
#define CTL_NCOMMANDS	(sizeof(ctl_commands) / sizeof(ctl_commands[0]))

static void
ctl_usage_all(FILE *f)
{
	char	 left[192];
	size_t	 i;

	fprintf(f, "usage: sansoctl [--socket PATH] [--json] COMMAND "
	    "[ARGS]\n\ncommands:\n");
	for (i = 0; i < CTL_NCOMMANDS; i++) {
		snprintf(left, sizeof(left), "%s%s%s", ctl_commands[i]->name,
		    ctl_commands[i]->args[0] ? " " : "",
		    ctl_commands[i]->args);
		if (strlen(left) > 34)
			fprintf(f, "  %s\n  %-34s  %s\n", left, "",
			    ctl_commands[i]->help);
		else
			fprintf(f, "  %-34s  %s\n", left,
			    ctl_commands[i]->help);
	}
	fprintf(f, "\noptions:\n"
	    "  --socket PATH   the daemon's socket (default $SANSO_SOCKET or "
	    "%s)\n"
	    "  --json          print the daemon's JSON answer as it is\n"
	    "\nexit status: 0 ok, 1 refused (invalid policy, nothing to "
	    "confirm, flow denied,\n"
	    "  not isolated), 2 usage, 3 cannot reach sansod, 4 status found "
	    "kernel drift\n",
	    CTL_SOCKET);
}

int
ctl_usage(const struct cmd_entry *e)
{
	fprintf(stderr, "usage: sansoctl %s%s%s\n  %s\n", e->name,
	    e->args[0] ? " " : "", e->args, e->help);
	return CTL_EXIT_USAGE;
}

int
ctl_call(const struct ctl *c, const char *method, const char *path,
    const json_t *body, json_t **resp)
{
	int st;

	st = ctl_http(c, method, path, body, resp);
	if (st >= 0 && c->c_json && *resp != NULL) {
		json_dumpf(*resp, stdout, JSON_INDENT(2));
		putchar('\n');
	}
	return st;
}

const char *
ctl_str(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

int
ctl_print_error(int status, const json_t *resp)
{
	const json_t	*err = json_object_get(resp, "error");
	const char	*msg, *field;

	msg = ctl_str(err, "message");
	field = ctl_str(err, "field");
	if (msg == NULL)
		fprintf(stderr, "sansoctl: sansod answered HTTP %d%s\n", status,
		    status == 413 ? " (request too large)" : "");
	else if (field != NULL && strstr(msg, field) == NULL)
		fprintf(stderr, "sansoctl: %s (field '%s')\n", msg, field);
	else
		fprintf(stderr, "sansoctl: %s\n", msg);
	return CTL_EXIT_REFUSED;
}

int
ctl_finish(const struct ctl *c, int status, json_t *resp)
{
	int ret = CTL_EXIT_OK;

	if (status < 0)
		ret = CTL_EXIT_CONNECT;
	else if (status != 200) {
		if (!c->c_json)
			ctl_print_error(status, resp);
		ret = CTL_EXIT_REFUSED;
	}
	json_decref(resp);
	return ret;
}

/* Where the first byte that is not UTF-8 sits, for a file:line:col error. */
static size_t
ctl_utf8_bad(const char *text, size_t len)
{
	locale_t	 loc, old;
	mbstate_t	 st;
	size_t		 off = 0, r;

	if ((loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0)) == 0)
		return len;
	old = uselocale(loc);
	memset(&st, 0, sizeof(st));
	while (off < len) {
		r = mbrtowc(NULL, text + off, len - off, &st);
		if (r == (size_t)-1 || r == (size_t)-2)
			break;
		off += r ? r : 1;	/* a NUL byte is the parser's business */
	}
	uselocale(old);
	freelocale(loc);
	return off;
}

json_t *
ctl_policy_body(const char *path, char **textp, size_t *lenp)
{
	struct stat	 sb;
	const char	*name = path;
	json_t		*text;
	size_t		 len = 0, off, line = 1, col = 1, i;
	char		*buf = NULL, *copy = NULL;
	FILE		*f;

	*textp = NULL;
	*lenp = 0;
	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "sansoctl: cannot read %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) == -1)
		sb.st_mode = 0;
	if (S_ISREG(sb.st_mode) && (size_t)sb.st_size > CTL_POLICY_MAX) {
		fprintf(stderr, "sansoctl: %s is larger than the policy limit "
		    "of %u bytes\n", path, CTL_POLICY_MAX);
		fclose(f);
		return NULL;
	}
	/* One byte more than allowed tells a file that grew too large. */
	buf = xmalloc(S_ISREG(sb.st_mode) ? (size_t)sb.st_size + 2 :
	    CTL_POLICY_MAX + 2);
	len = fread(buf, 1, S_ISREG(sb.st_mode) ? (size_t)sb.st_size + 1 :
	    CTL_POLICY_MAX + 1, f);
	if (ferror(f)) {
		fprintf(stderr, "sansoctl: cannot read %s: %s\n", path,
		    strerror(errno));
		goto fail;
	}
	if (S_ISREG(sb.st_mode) && len > (size_t)sb.st_size) {
		fprintf(stderr, "sansoctl: %s changed while it was read\n",
		    path);
		goto fail;
	}
	if (len > CTL_POLICY_MAX) {
		fprintf(stderr, "sansoctl: %s is larger than the policy limit "
		    "of %u bytes\n", path, CTL_POLICY_MAX);
		goto fail;
	}
	buf[len] = '\0';
	fclose(f);
	f = NULL;
	/* JSON carries only UTF-8: say where the file stops being text. */
	if ((text = json_stringn(buf, len)) == NULL) {
		off = ctl_utf8_bad(buf, len);
		for (i = 0; i < off && i < len; i++) {
			if (buf[i] == '\n') {
				line++;
				col = 1;
			} else
				col++;
		}
		fprintf(stderr, "%s:%zu:%zu: error: not valid UTF-8 text: "
		    "byte 0x%02x [syntax]\npolicy %s: 1 error\n", path, line,
		    col, off < len ? (unsigned char)buf[off] : 0, path);
		goto fail;
	}
	/* The daemon names the policy by this in every diagnostic. */
	if (strlen(path) > 255) {
		copy = xstrdup(path);
		name = basename(copy);
	}
	*textp = buf;
	*lenp = len;
	text = json_pack("{s:s, s:o}", "name", name, "text", text);
	free(copy);
	return text;
fail:
	if (f != NULL)
		fclose(f);
	free(buf);
	return NULL;
}

void
ctl_print_diags(const json_t *resp, const char *text, size_t len)
{
	struct diags	 d;
	struct loc	 loc;
	const char	*file, *sev, *rule, *source, *msg;
	json_t		*a, *g;
	json_int_t	 line, col;
	size_t		 i;

	a = json_object_get(resp, "diagnostics");
	if (!json_is_array(a))
		return;
	diags_init(&d, text, len);
	json_array_foreach(a, i, g) {
		/* One by one: "source" and "file" may be null. */
		file = json_string_value(json_object_get(g, "file"));
		sev = json_string_value(json_object_get(g, "severity"));
		rule = json_string_value(json_object_get(g, "rule"));
		source = json_string_value(json_object_get(g, "source"));
		msg = json_string_value(json_object_get(g, "message"));
		line = json_integer_value(json_object_get(g, "line"));
		col = json_integer_value(json_object_get(g, "column"));
		loc.file = file;
		loc.line = line > 0 ? (unsigned)line : 0;
		loc.col = col > 0 ? (unsigned)col : 0;
		if (sev != NULL && strcmp(sev, "warning") == 0)
			diag_warning(&d, &loc, rule, source, "%s",
			    msg ? msg : "");
		else
			diag_error(&d, &loc, rule, source, "%s",
			    msg ? msg : "");
	}
	diags_print(stderr, &d);
	diags_free(&d);
}

void
ctl_print_verdict(const char *path, const json_t *resp)
{
	json_int_t	errors = 0, warnings = 0, zones = 0, conduits = 0;
	int		valid = 0;

	json_unpack((json_t *)(uintptr_t)resp, "{s?b, s?I, s?I, s?I, s?I}",
	    "valid", &valid, "errors", &errors, "warnings", &warnings,
	    "zones", &zones, "conduits", &conduits);
	if (valid) {
		fprintf(stderr, "policy %s: OK (%lld zones, %lld conduits)\n",
		    path, (long long)zones, (long long)conduits);
		if (warnings > 0)
			fprintf(stderr, "policy %s: %lld warning%s\n", path,
			    (long long)warnings, warnings == 1 ? "" : "s");
	} else
		fprintf(stderr, "policy %s: %lld error%s\n", path,
		    (long long)errors, errors == 1 ? "" : "s");
}

bool
ctl_parse_duration(const char *s, long *secs)
{
	unsigned long	 n;
	char		*end;
	long		 mult = 1;

	if (s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (errno != 0)
		return false;
	if (*end != '\0') {
		if (end[1] != '\0')
			return false;
		switch (*end) {
		case 's': mult = 1; break;
		case 'm': mult = 60; break;
		case 'h': mult = 3600; break;
		case 'd': mult = 86400; break;
		default: return false;
		}
	}
	if (n == 0 || n > 86400UL * 365 / (unsigned long)mult)
		return false;
	*secs = (long)n * mult;
	return true;
}

/* How many leading words of argv name @e ("policy apply" is two). */
static size_t
ctl_match(const struct cmd_entry *e, int argc, char **argv)
{
	const char	*p = e->name, *sp;
	size_t		 words = 0, wl;

	while (*p != '\0') {
		sp = strchr(p, ' ');
		wl = sp ? (size_t)(sp - p) : strlen(p);
		if ((int)words >= argc || strlen(argv[words]) != wl ||
		    strncmp(argv[words], p, wl) != 0)
			return 0;
		words++;
		p += wl;
		if (*p == ' ')
			p++;
	}
	return words;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "socket",	required_argument,	NULL, 's' },
		{ "json",	no_argument,		NULL, 'j' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};
	const struct cmd_entry	*e = NULL;
	struct ctl		 c;
	size_t			 i, words = 0, n = 0;
	int			 ch, ret;

	log_init("sansoctl", true, 0);
	memset(&c, 0, sizeof(c));
	c.c_socket = getenv("SANSO_SOCKET");
	if (c.c_socket == NULL || *c.c_socket == '\0')
		c.c_socket = CTL_SOCKET;
	/* "+": options after the verb belong to the verb. */
	while ((ch = getopt_long(argc, argv, "+s:jhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			c.c_socket = optarg;
			break;
		case 'j':
			c.c_json = true;
			break;
		case 'h':
			ctl_usage_all(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf("sansoctl %s\n", SANSO_VERSION);
			return CTL_EXIT_OK;
		default:
			ctl_usage_all(stderr);
			return CTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		ctl_usage_all(stderr);
		return CTL_EXIT_USAGE;
	}
	for (i = 0; i < CTL_NCOMMANDS; i++) {
		n = ctl_match(ctl_commands[i], argc, argv);
		if (n > words) {
			words = n;
			e = ctl_commands[i];
		}
	}
	if (e == NULL) {
		/* "sansoctl policy" or "policy frob": list that group only. */
		for (i = 0; i < CTL_NCOMMANDS; i++)
			if (strncmp(ctl_commands[i]->name, argv[0],
			    strlen(argv[0])) == 0 &&
			    ctl_commands[i]->name[strlen(argv[0])] == ' ')
				n = ctl_usage(ctl_commands[i]);
		if (n == 0) {
			fprintf(stderr, "sansoctl: unknown command '%s'\n",
			    argv[0]);
			ctl_usage_all(stderr);
		}
		return CTL_EXIT_USAGE;
	}
	ctl_http_init();
	/* The verb sees its last word as argv[0], the way getopt wants. */
	ret = e->exec(&c, argc - (int)words + 1, argv + words - 1);
	ctl_http_free();
	return ret;
}
