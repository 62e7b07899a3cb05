/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: bytes through settings_parse (sansod.yaml) and the
 * diagnostics printer; and, as the spool reads its own file back, through
 * the RFC 6587 octet-counting frame parser, frame after frame.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../daemon/diag.h"
#include "../../daemon/event-rfc5424.h"
#include "../../daemon/settings.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE	*null;
	struct settings	 s;
	struct diags	 d;
	const char	*text = (const char *)data;
	size_t		 off = 0, frame;
	char		*line;
	size_t		 i;

	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
		abort();
	diags_init(&d, text, size);
	(void)settings_parse("fuzz.yaml", text, size, &s, &d);
	settings_free(&s);
	diags_print(null, &d);
	for (i = 0; i < d.n; i++) {
		line = diag_format(&d.v[i]);
		free(line);
	}
	diags_free(&d);

	/* A complete frame never claims more than what is there, and always
	 * moves the reader forward. */
	while (off < size && event_rfc5424_frame_len(text + off, size - off,
	    &frame) == 1) {
		if (frame == 0 || frame > size - off)
			abort();
		off += frame;
	}
	return 0;
}
