/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One event record as an RFC 5424 syslog message, and the RFC 6587
 * octet-counting frame that TCP and TLS (RFC 5425) collectors read:
 *
 *   <PRI>1 TIMESTAMP GATEWAY sansod PID TYPE [sanso@32473 id="N" ...] JSON
 *
 * PRI = facility * 8 + the record's severity; TIMESTAMP is the record's
 * RFC 3339 time; MSGID is the event type; the structured data carries the
 * id and the key fields (docs/events.md) with '"', '\' and ']' escaped;
 * MSG is the JSON record itself (no BOM: collectors parse it as JSON).
 */
#ifndef SANSO_EVENT_RFC5424_H
#define SANSO_EVENT_RFC5424_H

#include <stddef.h>

#include <jansson.h>

/* The SD-ID: the IANA private enterprise number reserved for examples
 * (RFC 5612) until sanso has one of its own. */
#define EVENT_RFC5424_SDID	"sanso@32473"

/* RFC 5424 severity (0 emergency .. 7 debug) of a record's "severity"
 * name; 6 (informational) for an unknown one. */
unsigned	 event_rfc5424_severity(const char *name);
/* <PRI>: facility * 8 + severity, or -1 when either is out of range. */
int		 event_rfc5424_pri(unsigned facility, unsigned severity);
/* The message for @rec, whose compact JSON text is @json (@jlen bytes);
 * @pid 0 writes PROCID "-".  Allocated; *lenp bytes (NUL-ended too). */
char		*event_rfc5424_format(const json_t *rec, const char *json,
		    size_t jlen, unsigned facility, long pid, size_t *lenp);
/* "LEN SP MSG" (RFC 6587 3.4.1); allocated, *lenp bytes. */
char		*event_rfc5424_frame(const char *msg, size_t len,
		    size_t *lenp);
/* Parse the frame at @buf (@len bytes available): 1 and *framelen (the
 * whole frame) when complete; 0 when more bytes are needed, with
 * *framelen the whole frame's size once its length is known (else 0);
 * -1 when it is no frame.  For the spool's read-back. */
int		 event_rfc5424_frame_len(const char *buf, size_t len,
		    size_t *framelen);
/* Append @s to @f as an SD-PARAM value (without the quotes). */
void		 event_rfc5424_sd_escape(FILE *f, const char *s);

#endif
