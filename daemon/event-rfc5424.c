/* SPDX-License-Identifier: GPL-2.0-or-later */
/* RFC 5424 messages and RFC 6587 octet-counting frames for events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event-rfc5424.h"
#include "log.h"
#include "xmalloc.h"

/* Longest frame length accepted back from the spool: far above any
 * record, short of anything that would be damage. */
#define RFC5424_FRAME_MAX	(16 * 1024 * 1024)

/* Members of a record copied into the structured data, after "id": the
 * ones a collector filters and correlates on without parsing MSG. */
static const char *const rfc5424_sd_keys[] = {
	"actor", "user", "target", "device", "from_zone", "to_zone",
	"conduit", "src", "dst", "sport", "dport", "proto", "in_if", "out_if",
	"mac", "policy", "collector", "lost",
};

unsigned
event_rfc5424_severity(const char *name)
{
	static const char *const names[] = { "emergency", "alert",
	    "critical", "error", "warning", "notice", "info", "debug" };
	unsigned	i;

	for (i = 0; name != NULL && i < 8; i++)
		if (strcmp(name, names[i]) == 0)
			return i;
	return 6;
}

int
event_rfc5424_pri(unsigned facility, unsigned severity)
{
	if (facility > 23 || severity > 7)
		return -1;
	return (int)(facility * 8 + severity);
}

/* A header field: PRINTUSASCII (33..126) only, at most @max characters,
 * "-" (NILVALUE) when nothing is left. */
static void
rfc5424_field(FILE *f, const char *s, size_t max)
{
	size_t	n = 0;

	for (; s != NULL && *s != '\0' && n < max; s++) {
		if ((unsigned char)*s < 33 || (unsigned char)*s > 126)
			continue;
		fputc(*s, f);
		n++;
	}
	if (n == 0)
		fputc('-', f);
}

void
event_rfc5424_sd_escape(FILE *f, const char *s)
{
	/* RFC 5424 6.3.3: '"', '\' and ']' MUST be escaped in PARAM-VALUE;
	 * every other octet of the UTF-8 text goes as it is. */
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\' || *s == ']')
			fputc('\\', f);
		fputc(*s, f);
	}
}

static void
rfc5424_sd_param(FILE *f, const char *name, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_STRING:
		fprintf(f, " %s=\"", name);
		event_rfc5424_sd_escape(f, json_string_value(v));
		fputc('"', f);
		break;
	case JSON_INTEGER:
		fprintf(f, " %s=\"%" JSON_INTEGER_FORMAT "\"", name,
		    json_integer_value(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		fprintf(f, " %s=\"%s\"", name, json_is_true(v) ? "true" :
		    "false");
		break;
	case JSON_REAL:
		fprintf(f, " %s=\"%g\"", name, json_real_value(v));
		break;
	default:
		/* Objects, arrays and null are in MSG only. */
		break;
	}
}

char *
event_rfc5424_format(const json_t *rec, const char *json, size_t jlen,
    unsigned facility, long pid, size_t *lenp)
{
	const json_t	*v;
	char		*buf = NULL;
	size_t		 len = 0, i;
	FILE		*f;
	int		 pri;

	pri = event_rfc5424_pri(facility, event_rfc5424_severity(
	    json_string_value(json_object_get(rec, "severity"))));
	if (pri < 0)
		pri = event_rfc5424_pri(16, 6);
	if ((f = open_memstream(&buf, &len)) == NULL)
		fatal("%s: open_memstream", __func__);
	fprintf(f, "<%d>1 ", pri);
	/* The record's time is RFC 3339 with milliseconds and an offset,
	 * which is RFC 5424's TIMESTAMP. */
	rfc5424_field(f, json_string_value(json_object_get(rec, "time")), 48);
	fputc(' ', f);
	rfc5424_field(f, json_string_value(json_object_get(rec, "gateway")),
	    255);
	fputs(" sansod ", f);
	if (pid > 0)
		fprintf(f, "%ld ", pid);
	else
		fputs("- ", f);
	rfc5424_field(f, json_string_value(json_object_get(rec, "type")), 32);
	fputs(" [" EVENT_RFC5424_SDID, f);
	rfc5424_sd_param(f, "id", json_object_get(rec, "id"));
	for (i = 0; i < sizeof(rfc5424_sd_keys) / sizeof(rfc5424_sd_keys[0]);
	    i++) {
		if ((v = json_object_get(rec, rfc5424_sd_keys[i])) != NULL)
			rfc5424_sd_param(f, rfc5424_sd_keys[i], v);
	}
	fputs("] ", f);
	fwrite(json, 1, jlen, f);
	if (fclose(f) != 0)
		fatal("%s: writing to memory", __func__);
	*lenp = len;
	return buf;
}

char *
event_rfc5424_frame(const char *msg, size_t len, size_t *lenp)
{
	char	*buf;
	int	 n;

	n = snprintf(NULL, 0, "%zu ", len);
	buf = xmalloc((size_t)n + len + 1);
	snprintf(buf, (size_t)n + 1, "%zu ", len);
	memcpy(buf + n, msg, len);
	buf[(size_t)n + len] = '\0';
	*lenp = (size_t)n + len;
	return buf;
}

int
event_rfc5424_frame_len(const char *buf, size_t len, size_t *framelen)
{
	size_t	i, msglen = 0;

	*framelen = 0;
	/* MSG-LEN = NONZERO-DIGIT *DIGIT */
	for (i = 0; i < len && buf[i] >= '0' && buf[i] <= '9'; i++) {
		if (i == 0 && buf[i] == '0')
			return -1;
		msglen = msglen * 10 + (size_t)(buf[i] - '0');
		if (msglen > RFC5424_FRAME_MAX)
			return -1;
	}
	if (i == len)
		return i > 12 ? -1 : 0;
	if (i == 0 || buf[i] != ' ')
		return -1;
	*framelen = i + 1 + msglen;
	return len - i - 1 < msglen ? 0 : 1;
}
