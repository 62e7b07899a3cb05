/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sansoctl isolate, release, isolations: CSIRT isolation. */
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <jansson.h>

#include "sansoctl.h"
#include "xmalloc.h"

/* A bulk file larger than this is not a target list. */
#define CMD_ISOLATE_BULK_MAX	(64u * 1024 * 1024)

static int	cmd_isolate_exec(struct ctl *, int, char **);
static int	cmd_release_exec(struct ctl *, int, char **);
static int	cmd_isolations_exec(struct ctl *, int, char **);

const struct cmd_entry cmd_isolate_entry = {
	.name = "isolate",
	.args = "TARGET|--bulk FILE --reason TEXT [--ticket ID] "
	    "[--ttl DURATION] [--keep HOST]...",
	.help = "Cut an IPv4/IPv6 address or prefix or a MAC off from "
	    "everything, open connections included, except the --keep hosts; "
	    "--bulk takes one target per line or a JSON array",
	.exec = cmd_isolate_exec,
};

const struct cmd_entry cmd_release_entry = {
	.name = "release",
	.args = "TARGET --reason TEXT",
	.help = "End the isolation of TARGET",
	.exec = cmd_release_exec,
};

const struct cmd_entry cmd_isolations_entry = {
	.name = "isolations",
	.args = "",
	.help = "List the isolations in force: who, why, since when, time left",
	.exec = cmd_isolations_exec,
};

/* Read a bulk file into a JSON array of strings; NULL after saying why. */
static json_t *
cmd_isolate_bulk_read(const char *path)
{
	struct stat	 sb;
	json_error_t	 jerr;
	json_t		*a = NULL, *e;
	FILE		*f;
	char		*buf, *line, *save = NULL, *p, *end;
	size_t		 len, i, lineno = 0;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "sansoctl: cannot read %s: %s\n", path,
		    strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode) &&
	    (size_t)sb.st_size > CMD_ISOLATE_BULK_MAX) {
		fprintf(stderr, "sansoctl: %s is larger than %u bytes\n", path,
		    CMD_ISOLATE_BULK_MAX);
		fclose(f);
		return NULL;
	}
	buf = xmalloc(CMD_ISOLATE_BULK_MAX + 1);
	len = fread(buf, 1, CMD_ISOLATE_BULK_MAX + 1, f);
	if (ferror(f) || len > CMD_ISOLATE_BULK_MAX) {
		fprintf(stderr, "sansoctl: cannot read %s: %s\n", path,
		    ferror(f) ? strerror(errno) : "too large");
		goto out;
	}
	buf[len] = '\0';
	p = buf + strspn(buf, " \t\r\n");
	if (*p == '[') {
		if ((a = json_loadb(buf, len, 0, &jerr)) == NULL) {
			fprintf(stderr, "%s:%d:%d: error: %s\n", path, jerr.line,
			    jerr.column, jerr.text);
			goto out;
		}
		json_array_foreach(a, i, e) {
			if (!json_is_string(e)) {
				fprintf(stderr, "sansoctl: %s: element %zu is "
				    "not a string\n", path, i);
				json_decref(a);
				a = NULL;
				goto out;
			}
		}
	} else {
		/* One target per line; blank lines and # comments skipped. */
		a = json_array();
		for (line = strtok_r(buf, "\n", &save); line != NULL;
		    line = strtok_r(NULL, "\n", &save)) {
			lineno++;
			if ((end = strchr(line, '#')) != NULL)
				*end = '\0';
			line += strspn(line, " \t\r");
			end = line + strlen(line);
			while (end > line && strchr(" \t\r", end[-1]) != NULL)
				*--end = '\0';
			if (*line == '\0')
				continue;
			if ((e = json_string(line)) == NULL) {
				fprintf(stderr, "%s:%zu: error: not valid "
				    "UTF-8 text\n", path, lineno);
				json_decref(a);
				a = NULL;
				goto out;
			}
			json_array_append_new(a, e);
		}
	}
	if (a != NULL && json_array_size(a) == 0) {
		fprintf(stderr, "sansoctl: %s lists no targets\n", path);
		json_decref(a);
		a = NULL;
	}
out:
	fclose(f);
	free(buf);
	return a;
}

static int
cmd_isolate_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason",	required_argument,	NULL, 'r' },
		{ "ticket",	required_argument,	NULL, 't' },
		{ "ttl",	required_argument,	NULL, 'T' },
		{ "keep",	required_argument,	NULL, 'k' },
		{ "bulk",	required_argument,	NULL, 'b' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*reason = NULL, *ticket = NULL, *ttl = NULL;
	const char	*bulk = NULL, *target, *left;
	json_t		*body, *keep, *resp = NULL, *iso, *targets;
	json_int_t	 n, already, cut;
	int		 ch, st;

	keep = json_array();
	optind = 0;
	while ((ch = getopt_long(argc, argv, "r:t:T:k:b:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'r':
			reason = optarg;
			break;
		case 't':
			ticket = optarg;
			break;
		case 'T':
			ttl = optarg;
			break;
		case 'k':
			json_array_append_new(keep, json_string(optarg));
			break;
		case 'b':
			bulk = optarg;
			break;
		default:
			json_decref(keep);
			return ctl_usage(&cmd_isolate_entry);
		}
	}
	if (argc - optind != (bulk ? 0 : 1) ||
	    (bulk && json_array_size(keep) > 0)) {
		if (bulk && json_array_size(keep) > 0)
			fprintf(stderr, "sansoctl: --keep cannot be used with "
			    "--bulk\n");
		json_decref(keep);
		return ctl_usage(&cmd_isolate_entry);
	}
	if (reason == NULL) {
		/* The daemon says the same; saying it here saves a trip. */
		fprintf(stderr, "sansoctl: reason: required (--reason TEXT)\n");
		json_decref(keep);
		return CTL_EXIT_USAGE;
	}
	body = json_pack("{s:s?, s:s?}", "reason", reason, "ticket", ticket);
	if (body == NULL) {
		fprintf(stderr, "sansoctl: --reason and --ticket must be UTF-8 "
		    "text\n");
		json_decref(keep);
		return CTL_EXIT_USAGE;
	}
	if (ttl != NULL)
		json_object_set_new(body, "ttl", json_string(ttl));
	if (bulk != NULL) {
		json_decref(keep);
		if ((targets = cmd_isolate_bulk_read(bulk)) == NULL) {
			json_decref(body);
			return CTL_EXIT_REFUSED;
		}
		json_object_set_new(body, "targets", targets);
		st = ctl_call(c, "POST", "/api/v1/isolations/bulk", body,
		    &resp);
		json_decref(body);
		if (st == 200 && !c->c_json) {
			n = json_integer_value(json_object_get(resp,
			    "isolated"));
			already = json_integer_value(json_object_get(resp,
			    "already"));
			printf("isolated %lld target%s (%lld already isolated, "
			    "updated)\n", (long long)n, n == 1 ? "" : "s",
			    (long long)already);
		}
		return ctl_finish(c, st, resp);
	}
	target = argv[optind];
	json_object_set_new(body, "target", json_string(target));
	json_object_set_new(body, "keep", keep);
	/* A person at a terminal wants the count; 10 ms more is nothing. */
	json_object_set_new(body, "wait_conntrack", json_true());
	st = ctl_call(c, "POST", "/api/v1/isolations", body, &resp);
	json_decref(body);
	if ((st == 200 || st == 201) && !c->c_json) {
		iso = json_object_get(resp, "isolation");
		cut = json_integer_value(json_object_get(resp,
		    "conntrack_deleted"));
		left = ctl_str(iso, "expires_at");
		printf("%s %s (%s)%s%s", json_is_true(json_object_get(resp,
		    "already")) ? "updated the isolation of" : "isolated",
		    ctl_str(iso, "target") ? ctl_str(iso, "target") : target,
		    ctl_str(iso, "kind") ? ctl_str(iso, "kind") : "?",
		    left ? " until " : " until released", left ? left : "");
		if (cut > 0)
			printf("; %lld connection%s cut", (long long)cut,
			    cut == 1 ? "" : "s");
		putchar('\n');
	}
	if (st == 201)
		st = 200;
	return ctl_finish(c, st, resp);
}

static int
cmd_release_exec(struct ctl *c, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reason",	required_argument,	NULL, 'r' },
		{ NULL,		0,			NULL, 0 }
	};
	const char	*reason = NULL;
	json_t		*body, *resp = NULL;
	int		 ch, st;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "r:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'r':
			reason = optarg;
			break;
		default:
			return ctl_usage(&cmd_release_entry);
		}
	}
	if (argc - optind != 1)
		return ctl_usage(&cmd_release_entry);
	if (reason == NULL) {
		fprintf(stderr, "sansoctl: reason: required (--reason TEXT)\n");
		return CTL_EXIT_USAGE;
	}
	body = json_pack("{s:s, s:s}", "target", argv[optind], "reason",
	    reason);
	if (body == NULL) {
		fprintf(stderr, "sansoctl: the target and --reason must be "
		    "UTF-8 text\n");
		return CTL_EXIT_USAGE;
	}
	st = ctl_call(c, "POST", "/api/v1/isolations/release", body, &resp);
	json_decref(body);
	if (st == 200 && !c->c_json)
		printf("released %s\n", argv[optind]);
	return ctl_finish(c, st, resp);
}

/* Terminal columns of UTF-8 @s (Japanese reasons are two wide). */
static size_t
cmd_isolations_width(const char *s)
{
	locale_t	 loc, old;
	wchar_t		*w;
	size_t		 n, len = strlen(s);
	int		 cols;

	if ((loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0)) == 0)
		return len;
	old = uselocale(loc);
	w = xcalloc(len + 1, sizeof(*w));
	n = mbstowcs(w, s, len + 1);
	cols = n == (size_t)-1 ? -1 : wcswidth(w, n);
	free(w);
	uselocale(old);
	freelocale(loc);
	return cols < 0 ? len : (size_t)cols;
}

/* "2d3h", "1h59m", "4m30s", "45s", "-" */
static void
cmd_isolations_left(const json_t *v, char *buf, size_t len)
{
	json_int_t s;

	if (!json_is_integer(v)) {
		snprintf(buf, len, "-");
		return;
	}
	s = json_integer_value(v);
	if (s >= 86400)
		snprintf(buf, len, "%lldd%lldh", (long long)(s / 86400),
		    (long long)(s % 86400 / 3600));
	else if (s >= 3600)
		snprintf(buf, len, "%lldh%lldm", (long long)(s / 3600),
		    (long long)(s % 3600 / 60));
	else if (s >= 60)
		snprintf(buf, len, "%lldm%llds", (long long)(s / 60),
		    (long long)(s % 60));
	else
		snprintf(buf, len, "%llds", (long long)s);
}

#define CMD_ISOLATIONS_COLS	8

static int
cmd_isolations_exec(struct ctl *c, int argc, char **argv)
{
	static const char *const head[CMD_ISOLATIONS_COLS] = {
		"TARGET", "KIND", "ACTOR", "REASON", "TICKET", "SINCE", "LEFT",
		"KEEP"
	};
	const char	*s;
	json_t		*resp = NULL, *list, *iso, *k;
	char		***cells = NULL, since[32];
	size_t		 width[CMD_ISOLATIONS_COLS], n, i, j, w, pad;
	int		 st;

	(void)argv;
	if (argc != 1)
		return ctl_usage(&cmd_isolations_entry);
	st = ctl_call(c, "GET", "/api/v1/isolations", NULL, &resp);
	if (st != 200 || c->c_json)
		return ctl_finish(c, st, resp);
	list = json_object_get(resp, "isolations");
	n = json_array_size(list);
	if (n == 0) {
		printf("no isolations in force\n");
		json_decref(resp);
		return CTL_EXIT_OK;
	}
	for (j = 0; j < CMD_ISOLATIONS_COLS; j++)
		width[j] = strlen(head[j]);
	cells = xcalloc(n, sizeof(*cells));
	json_array_foreach(list, i, iso) {
		char *keep = NULL, *tmp, left[32];
		size_t ki;

		cells[i] = xcalloc(CMD_ISOLATIONS_COLS, sizeof(**cells));
		json_array_foreach(json_object_get(iso, "keep"), ki, k) {
			xasprintf(&tmp, "%s%s%s", keep ? keep : "",
			    keep ? "," : "", json_string_value(k) ?
			    json_string_value(k) : "?");
			free(keep);
			keep = tmp;
		}
		s = ctl_str(iso, "created_at");
		/* "2026-04-01T09:30:00+09:00" -> "2026-04-01 09:30" */
		snprintf(since, sizeof(since), "%.16s", s ? s : "?");
		if (strlen(since) > 10 && since[10] == 'T')
			since[10] = ' ';
		cmd_isolations_left(json_object_get(iso, "seconds_left"), left,
		    sizeof(left));
		cells[i][0] = xstrdup(ctl_str(iso, "target") ?
		    ctl_str(iso, "target") : "?");
		cells[i][1] = xstrdup(ctl_str(iso, "kind") ?
		    ctl_str(iso, "kind") : "?");
		cells[i][2] = xstrdup(ctl_str(iso, "actor") ?
		    ctl_str(iso, "actor") : "?");
		cells[i][3] = xstrdup(ctl_str(iso, "reason") ?
		    ctl_str(iso, "reason") : "");
		cells[i][4] = xstrdup(ctl_str(iso, "ticket") ?
		    ctl_str(iso, "ticket") : "-");
		cells[i][5] = xstrdup(since);
		cells[i][6] = xstrdup(left);
		cells[i][7] = keep ? keep : xstrdup("-");
		for (j = 0; j < CMD_ISOLATIONS_COLS; j++)
			if ((w = cmd_isolations_width(cells[i][j])) > width[j])
				width[j] = w;
	}
	for (j = 0; j < CMD_ISOLATIONS_COLS; j++)
		printf("%-*s%s", j + 1 < CMD_ISOLATIONS_COLS ?
		    (int)width[j] : 0, head[j],
		    j + 1 < CMD_ISOLATIONS_COLS ? "  " : "\n");
	for (i = 0; i < n; i++) {
		for (j = 0; j < CMD_ISOLATIONS_COLS; j++) {
			fputs(cells[i][j], stdout);
			if (j + 1 == CMD_ISOLATIONS_COLS)
				break;
			pad = width[j] - cmd_isolations_width(cells[i][j]) + 2;
			printf("%*s", (int)pad, "");
		}
		putchar('\n');
		for (j = 0; j < CMD_ISOLATIONS_COLS; j++)
			free(cells[i][j]);
		free(cells[i]);
	}
	free(cells);
	json_decref(resp);
	return CTL_EXIT_OK;
}
