/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test helpers: load a policy from YAML text or from docs/ through the
 * real parser and validator. */
#ifndef SANSO_UNIT_POLICY_H
#define SANSO_UNIT_POLICY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/policy.h"

/* The tree's root; tests/run starts tests there. */
static inline const char *
unit_srcdir(void)
{
	const char *s = getenv("SANSO_SRCDIR");

	return s != NULL ? s : ".";
}

/* Parse and validate @yaml; NULL (diagnostics on stderr) when invalid. */
static inline struct policy *
unit_policy_yaml(const char *name, const char *yaml)
{
	struct diags d;
	struct policy *p;

	diags_init(&d, yaml, strlen(yaml));
	p = policy_parse(name, yaml, strlen(yaml), &d);
	if (p != NULL && !policy_validate(p, &d)) {
		diags_print(stderr, &d);
		policy_free(p);
		p = NULL;
	} else if (p == NULL)
		diags_print(stderr, &d);
	diags_free(&d);
	return p;
}

/* The file's text (caller frees), or NULL. */
static inline char *
unit_read_file(const char *rel)
{
	char path[4096], *buf = NULL;
	size_t len = 0;
	FILE *f, *out;
	int c;

	snprintf(path, sizeof(path), "%s/%s", unit_srcdir(), rel);
	if ((f = fopen(path, "r")) == NULL) {
		perror(path);
		return NULL;
	}
	if ((out = open_memstream(&buf, &len)) == NULL) {
		fclose(f);
		return NULL;
	}
	while ((c = fgetc(f)) != EOF)
		fputc(c, out);
	fclose(f);
	fclose(out);
	return buf;
}

/* docs/policy-alpha.yaml, parsed and validated. */
static inline struct policy *
unit_policy_alpha(void)
{
	char *text = unit_read_file("docs/policy-alpha.yaml");
	struct policy *p;

	if (text == NULL)
		return NULL;
	p = unit_policy_yaml("docs/policy-alpha.yaml", text);
	free(text);
	return p;
}

/* The α policy text with @from replaced by @to (which must occur). */
static inline struct policy *
unit_policy_alpha_edit(const char *from, const char *to)
{
	char *text = unit_read_file("docs/policy-alpha.yaml"), *at, *edited;
	struct policy *p;

	if (text == NULL || (at = strstr(text, from)) == NULL) {
		fprintf(stderr, "docs/policy-alpha.yaml: no '%s'\n", from);
		free(text);
		return NULL;
	}
	if (asprintf(&edited, "%.*s%s%s", (int)(at - text), text, to,
	    at + strlen(from)) < 0)
		abort();
	p = unit_policy_yaml("edited-alpha.yaml", edited);
	free(edited);
	free(text);
	return p;
}

#endif
