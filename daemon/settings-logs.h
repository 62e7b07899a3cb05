/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The logs: section of sansod.yaml: event outputs and retention. */
#ifndef SANSO_SETTINGS_LOGS_H
#define SANSO_SETTINGS_LOGS_H

#include <stddef.h>

/**
 * struct settings_logs - logs:
 * @sg_json_file: the JSON lines file (default STATEDIR/events.jsonl; a
 *   relative path is under STATEDIR)
 */
struct settings_logs {
	char	*sg_json_file;
};

#endif
