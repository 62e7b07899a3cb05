/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Diagnostics queued with a source location, like nftables' error records:
 * the parser and validator report every problem, never only the first.
 */
#ifndef SANSO_DIAG_H
#define SANSO_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/**
 * struct loc - where a policy object came from
 * @file: path as given (not owned; lives as long as the policy text)
 * @line: 1-based line, 0 when unknown
 * @col:  1-based column, 0 when unknown
 */
struct loc {
	const char	*file;
	unsigned	 line;
	unsigned	 col;
};

enum diag_severity {
	DIAG_ERROR,
	DIAG_WARNING,
};

/**
 * struct diag - one problem
 * @d_loc: where it is
 * @d_sev: error or warning
 * @d_rule: the invariant or check id, e.g. "alpha-1" or "syntax" (owned)
 * @d_source: the provision it comes from, e.g. "001 第16条の2(1)", or NULL
 * @d_msg: the message, naming the zone, host or conduit (owned)
 * @d_file: owned copy of the file name; d_loc.file points here, so a
 *   diagnostic stays printable after the policy (and its p_file) is freed
 */
struct diag {
	struct loc		 d_loc;
	char			*d_file;
	enum diag_severity	 d_sev;
	char			*d_rule;
	char			*d_source;
	char			*d_msg;
};

struct diags {
	struct diag	*v;
	size_t		 n;
	size_t		 cap;
	size_t		 nerrors;
	/* Policy text for printing the offending line with a caret; may be NULL. */
	const char	*text;
	size_t		 textlen;
};

void	diags_init(struct diags *, const char *text, size_t textlen);
void	diags_free(struct diags *);
void	diags_clear(struct diags *);

/* Queue an error; returns false so that checks can `return diag_error(...)`. */
bool	diag_error(struct diags *, const struct loc *, const char *rule,
	    const char *source, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));
void	diag_warning(struct diags *, const struct loc *, const char *rule,
	    const char *source, const char *fmt, ...)
	    __attribute__((format(printf, 5, 6)));

bool	diags_has_errors(const struct diags *);

/*
 * Print "file:line:col: error: msg [rule, source]", then the source line
 * and a caret under the column when the text is known.
 */
void	diags_print(FILE *, const struct diags *);
/* One diagnostic as a single line without the caret (for logs and JSON). */
char	*diag_format(const struct diag *);

#endif
