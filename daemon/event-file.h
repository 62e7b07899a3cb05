/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The JSON lines output of events.c: one file, appended with one write per
 * record, rotated by size and by local date, old files removed by count
 * and by age.  A rotated file is named FILE.YYYYMMDD-HHMMSS after the
 * local time of its last record (FILE.YYYYMMDD-HHMMSS-N when two end in
 * the same second), so names sort in time order and say what they hold.
 */
#ifndef SANSO_EVENT_FILE_H
#define SANSO_EVENT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/**
 * struct event_file_conf - rotation and retention (settings logs:)
 * @fc_rotate_size: rotate before the file would pass this (0 = never)
 * @fc_rotate_daily: rotate when the local date changes
 * @fc_keep_files: rotated files kept, newest first (0 = all)
 * @fc_keep_days: rotated files whose last record is older go (0 = none)
 */
struct event_file_conf {
	size_t		fc_rotate_size;
	bool		fc_rotate_daily;
	unsigned	fc_keep_files;
	unsigned	fc_keep_days;
};

/* Open @path for appending (0640, created when missing) and find the id
 * of the last record in it, or in the newest rotated file when it holds
 * none.  Returns 0, or -1 with *cause naming the file. */
int		 event_file_open(const char *path,
		    const struct event_file_conf *, uint64_t *last_id,
		    char **cause);
void		 event_file_close(void);
/* Append @len bytes of @line (ending in '\n'), rotating first when @now
 * says so.  0 or an errno (EBADF when not open). */
int		 event_file_write(const char *line, size_t len,
		    const struct timespec *now);
/* The file's path, or NULL when not open. */
const char	*event_file_path(void);
uint64_t	 event_file_rotations(void);

#endif
