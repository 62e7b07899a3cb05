/* SPDX-License-Identifier: GPL-2.0-or-later */
/* STATEDIR files written atomically: tmp + fsync + rename + fsync dir. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "log.h"
#include "state.h"
#include "xmalloc.h"

/* Subdirectories created at start; every name lives in one of them. */
static const char *state_subdirs[] = { "policy" };

static int	 state_dirfd = -1;
static char	*state_dir;

int
state_init(const char *dir, char **cause)
{
	size_t i;

	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		xasprintf(cause, "cannot create state directory %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	state_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (state_dirfd == -1) {
		xasprintf(cause, "cannot open state directory %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	for (i = 0; i < sizeof(state_subdirs) / sizeof(state_subdirs[0]); i++)
		if (mkdirat(state_dirfd, state_subdirs[i], 0700) == -1 &&
		    errno != EEXIST) {
			xasprintf(cause, "cannot create %s/%s: %s", dir,
			    state_subdirs[i], strerror(errno));
			close(state_dirfd);
			state_dirfd = -1;
			return -1;
		}
	state_dir = xstrdup(dir);
	return 0;
}

void
state_free(void)
{
	if (state_dirfd != -1)
		close(state_dirfd);
	state_dirfd = -1;
	free(state_dir);
	state_dir = NULL;
}

const char *
state_path(const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", state_dir ? state_dir : "?", name);
	return buf;
}

int
state_read(const char *name, char **bufp, size_t *lenp, size_t max)
{
	struct stat	 st;
	char		*buf = NULL;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd, ret;

	*bufp = NULL;
	*lenp = 0;
	/* Absolute names (the -c file) and calls before state_init() (sansod
	 * -t) are plain paths. */
	fd = openat(state_dirfd == -1 ? AT_FDCWD : state_dirfd, name,
	    O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return -errno;
	if (fstat(fd, &st) == -1) {
		ret = -errno;
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto cleanup;
	}
	if ((size_t)st.st_size > max) {
		ret = -EFBIG;
		goto cleanup;
	}
	buf = xmalloc((size_t)st.st_size + 1);
	/* Read up to the size seen by fstat; more would be a writer racing. */
	while (off < (size_t)st.st_size) {
		n = read(fd, buf + off, (size_t)st.st_size - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ret = -errno;
			goto cleanup;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	buf[off] = '\0';
	*bufp = buf;
	*lenp = off;
	buf = NULL;
	ret = 0;
cleanup:
	free(buf);
	close(fd);
	return ret;
}

/* fsync the directory holding @name so that a rename or unlink is durable. */
static int
state_sync_dir(const char *name)
{
	char	*copy, *dir;
	int	 fd, ret = 0;

	copy = xstrdup(name);
	dir = dirname(copy);
	if ((fd = openat(state_dirfd, dir, O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) == -1)
		ret = -errno;
	else {
		if (fsync(fd) == -1)
			ret = -errno;
		close(fd);
	}
	free(copy);
	return ret;
}

int
state_write(const char *name, const void *buf, size_t len)
{
	const char	*p = buf;
	char		*tmp;
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd, ret;

	xasprintf(&tmp, "%s.tmp", name);
	fd = openat(state_dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		ret = -errno;
		goto cleanup;
	}
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ret = -errno;
			goto cleanup;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		ret = -errno;
		goto cleanup;
	}
	if (close(fd) == -1) {
		fd = -1;
		ret = -errno;
		goto cleanup;
	}
	fd = -1;
	if (renameat(state_dirfd, tmp, state_dirfd, name) == -1) {
		ret = -errno;
		goto cleanup;
	}
	ret = state_sync_dir(name);
cleanup:
	if (fd != -1) {
		close(fd);
		unlinkat(state_dirfd, tmp, 0);
	} else if (ret < 0)
		unlinkat(state_dirfd, tmp, 0);
	free(tmp);
	return ret;
}

int
state_remove(const char *name)
{
	if (unlinkat(state_dirfd, name, 0) == -1) {
		if (errno == ENOENT)
			return 0;
		return -errno;
	}
	return state_sync_dir(name);
}

void
state_sha256(const void *buf, size_t len, char out[STATE_SHA256_HEX])
{
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	mdlen = 0, i;

	if (EVP_Digest(buf, len, md, &mdlen, EVP_sha256(), NULL) != 1)
		fatalx("%s: SHA-256 failed", __func__);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	out[2 * i] = '\0';
}
