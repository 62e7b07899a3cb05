/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer harness: bytes through policy_parse, policy_validate, diags. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../daemon/policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE	*null;
	struct diags	 d;
	struct policy	*p;
	const char	*text = (const char *)data;
	char		*line;
	size_t		 i;

	/* The printer walks the text for the caret line: fuzz it too. */
	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
		abort();
	diags_init(&d, text, size);
	p = policy_parse("fuzz.yaml", text, size, &d);
	if (p != NULL) {
		policy_validate(p, &d);
		policy_free(p);
	}
	diags_print(null, &d);
	for (i = 0; i < d.n; i++) {
		line = diag_format(&d.v[i]);
		free(line);
	}
	diags_free(&d);
	return 0;
}
