/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Files under STATEDIR (default /var/lib/sanso), each replaced atomically:
 * a crash leaves either the old or the new content, never a torn file.
 * Names are relative to STATEDIR, e.g. "policy/current.yaml".
 */
#ifndef SANSO_STATE_H
#define SANSO_STATE_H

#include <stddef.h>

#define STATE_SHA256_HEX	65	/* 64 hex digits and the NUL */

/* Open (creating, mode 0700) STATEDIR and its subdirectories.  Returns 0, or
 * -1 with *cause set (caller frees). */
int		 state_init(const char *dir, char **cause);
void		 state_free(void);
/* "STATEDIR/name" for messages. */
const char	*state_path(const char *name, char *buf, size_t len);

/* Read a whole file of at most @max bytes; *bufp is NUL-terminated (caller
 * frees).  An absolute @name is read as it is (the -c file).  Returns 0, -ENOENT when absent, -EFBIG when larger, or -errno. */
int		 state_read(const char *name, char **bufp, size_t *lenp,
		    size_t max);
/* Write tmp file, fsync, rename over @name, fsync the directory. */
int		 state_write(const char *name, const void *buf, size_t len);
/* Remove @name (absent is fine) and fsync the directory. */
int		 state_remove(const char *name);

/* Lower-case hex SHA-256 of @buf (OpenSSL EVP). */
void		 state_sha256(const void *buf, size_t len,
		    char out[STATE_SHA256_HEX]);

#endif
