/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Queued diagnostics with locations, printed netplan-style with a caret. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "xmalloc.h"

void
diags_init(struct diags *d, const char *text, size_t textlen)
{
	memset(d, 0, sizeof(*d));
	d->text = text;
	d->textlen = textlen;
}

void
diags_clear(struct diags *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		free(d->v[i].d_rule);
		free(d->v[i].d_source);
		free(d->v[i].d_msg);
		free(d->v[i].d_file);
	}
	d->n = 0;
	d->nerrors = 0;
}

void
diags_free(struct diags *d)
{
	diags_clear(d);
	free(d->v);
	d->v = NULL;
	d->cap = 0;
}

static void
diag_vadd(struct diags *d, enum diag_severity sev, const struct loc *loc,
    const char *rule, const char *source, const char *fmt, va_list ap)
{
	struct diag *g;

	d->v = xgrow(d->v, &d->cap, d->n, sizeof(*d->v));
	g = &d->v[d->n++];
	memset(g, 0, sizeof(*g));
	if (loc != NULL)
		g->d_loc = *loc;
	if (g->d_loc.file != NULL)
		g->d_loc.file = g->d_file = xstrdup(g->d_loc.file);
	g->d_sev = sev;
	g->d_rule = xstrdup(rule ? rule : "policy");
	g->d_source = source ? xstrdup(source) : NULL;
	if (vasprintf(&g->d_msg, fmt, ap) < 0)
		g->d_msg = xstrdup("(message lost: out of memory)");
	if (sev == DIAG_ERROR)
		d->nerrors++;
}

bool
diag_error(struct diags *d, const struct loc *loc, const char *rule,
    const char *source, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, DIAG_ERROR, loc, rule, source, fmt, ap);
	va_end(ap);
	return false;
}

void
diag_warning(struct diags *d, const struct loc *loc, const char *rule,
    const char *source, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(d, DIAG_WARNING, loc, rule, source, fmt, ap);
	va_end(ap);
}

bool
diags_has_errors(const struct diags *d)
{
	return d->nerrors > 0;
}

char *
diag_format(const struct diag *g)
{
	char *s, pos[32] = "";

	/* Line 0 means the whole file ("cannot read"): no ":0:0". */
	if (g->d_loc.line != 0)
		snprintf(pos, sizeof(pos), ":%u:%u", g->d_loc.line,
		    g->d_loc.col);
	xasprintf(&s, "%s%s: %s: %s [%s%s%s]",
	    g->d_loc.file ? g->d_loc.file : "<policy>", pos,
	    g->d_sev == DIAG_ERROR ? "error" : "warning", g->d_msg,
	    g->d_rule, g->d_source ? ", " : "",
	    g->d_source ? g->d_source : "");
	return s;
}

/* Find line `line` (1-based) in the text; returns its start and length. */
static const char *
diag_line(const struct diags *d, unsigned line, size_t *len)
{
	const char	*p = d->text, *end, *nl;
	unsigned	 n = 1;

	if (p == NULL || line == 0)
		return NULL;
	end = p + d->textlen;
	while (n < line) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			return NULL;
		p = nl + 1;
		n++;
	}
	nl = memchr(p, '\n', (size_t)(end - p));
	*len = (size_t)((nl ? nl : end) - p);
	return p;
}

void
diags_print(FILE *f, const struct diags *d)
{
	const char	*line;
	size_t		 i, len, c;
	char		*s;

	for (i = 0; i < d->n; i++) {
		s = diag_format(&d->v[i]);
		fprintf(f, "%s\n", s);
		free(s);
		line = diag_line(d, d->v[i].d_loc.line, &len);
		if (line == NULL || len > 300)
			continue;
		fprintf(f, "  %.*s\n  ", (int)len, line);
		for (c = 1; c < d->v[i].d_loc.col && c <= len; c++)
			fputc(line[c - 1] == '\t' ? '\t' : ' ', f);
		fputs("^\n", f);
	}
}
