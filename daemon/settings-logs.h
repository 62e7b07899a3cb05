/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The logs: section of sansod.yaml: event outputs and retention. */
#ifndef SANSO_SETTINGS_LOGS_H
#define SANSO_SETTINGS_LOGS_H

#include <stdbool.h>
#include <stddef.h>

/* More collectors than this is a configuration mistake, and the metrics
 * (events_stats()) keep a fixed array. */
#define SETTINGS_SYSLOG_MAX	15

enum syslog_transport {
	SYSLOG_UDP,
	SYSLOG_TCP,
	SYSLOG_TLS,
};

/**
 * struct settings_syslog - one collector under logs: syslog:
 * @sy_name: the key naming it (metrics, spool file, messages)
 * @sy_address: "HOST:PORT" or "[V6]:PORT" (required)
 * @sy_transport: udp, tcp (RFC 6587 octet counting) or tls (RFC 5425;
 *   the default)
 * @sy_ca_file: PEM CA certificates the server's certificate must chain to
 *   (default: the system's trust store)
 * @sy_server_name: the name the server's certificate must carry (default:
 *   the host part of @sy_address)
 * @sy_certificate, @sy_key: an optional client certificate and its key
 */
struct settings_syslog {
	char			*sy_name;
	char			*sy_address;
	enum syslog_transport	 sy_transport;
	char			*sy_ca_file;
	char			*sy_server_name;
	char			*sy_certificate;
	char			*sy_key;
};

/**
 * struct settings_logs - logs:
 * @sg_json_file: the JSON lines file (default STATEDIR/events.jsonl; a
 *   relative path is under STATEDIR)
 * @sg_rotate_size: start a new file before one would pass this many bytes
 *   (default 64M; 0 = never by size)
 * @sg_rotate_daily: start a new file when the local date changes (true)
 * @sg_keep_files: rotated files kept, newest first (0 = no limit, default)
 * @sg_keep_days: rotated files whose last record is older are removed
 *   (0 = no limit, default)
 * @sg_facility: RFC 5424 facility code of every message (default 16,
 *   local0; written by name)
 * @sg_syslog, @sg_n_syslog: the collectors (default none)
 * @sg_spool_max: bytes of undelivered events kept on disk per stream
 *   collector (default 64M)
 * @sg_reconnect_max: longest pause between reconnection attempts in
 *   seconds (default 30s; the pause starts at 1 s and doubles)
 */
struct settings_logs {
	char			*sg_json_file;
	size_t			 sg_rotate_size;
	bool			 sg_rotate_daily;
	unsigned		 sg_keep_files;
	unsigned		 sg_keep_days;
	unsigned		 sg_facility;
	struct settings_syslog	*sg_syslog;
	size_t			 sg_n_syslog;
	size_t			 sg_spool_max;
	long			 sg_reconnect_max;
};

/* "local0" -> 16; false when @name is no facility. */
bool		 settings_logs_facility(const char *name, unsigned *code);
const char	*settings_logs_transport_name(enum syslog_transport);
/* "HOST:PORT" or "[V6]:PORT" -> *host (caller frees; may be NULL to only
 * check) and *port 1..65535; false when @s is neither. */
bool		 settings_logs_split_address(const char *s, char **host,
		    unsigned *port);

#endif
