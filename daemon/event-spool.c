/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A collector's disk spool: append, send in order, confirm, rewind. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event-rfc5424.h"
#include "event-spool.h"
#include "log.h"
#include "xmalloc.h"

/* Cut the delivered head off the file once it is this large (when the
 * file never empties because events keep coming). */
#define SPOOL_COMPACT_AT	(1024 * 1024)
#define SPOOL_READ		(64 * 1024)

/**
 * struct event_spool - one spool file
 * @sp_base: the logical position of the file's first byte
 * @sp_confirmed, @sp_sent, @sp_end: logical positions (see the header)
 * @sp_records: frames in [confirmed, end)
 * @sp_unsent: frames in [sent, end)
 */
struct event_spool {
	char		*sp_path;
	int		 sp_fd;
	size_t		 sp_max;
	uint64_t	 sp_base;
	uint64_t	 sp_confirmed;
	uint64_t	 sp_sent;
	uint64_t	 sp_end;
	uint64_t	 sp_records;
	uint64_t	 sp_unsent;
};

/* Read exactly @len bytes at file offset @off; 0 or -errno (-EIO when the
 * file is shorter). */
static int
spool_pread(int fd, char *buf, size_t len, off_t off)
{
	ssize_t	n;
	size_t	done;

	for (done = 0; done < len; done += (size_t)n) {
		n = pread(fd, buf + done, len - done, off + (off_t)done);
		if (n == -1 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (n == -1)
			return -errno;
		if (n == 0)
			return -EIO;
	}
	return 0;
}

/* Walk the frames of the file; keep the whole ones, cut the rest (a write
 * cut short by a crash or a full disk).  0 or -errno. */
static int
spool_scan(struct event_spool *sp, off_t size)
{
	char	*buf = xmalloc(SPOOL_READ);
	size_t	 have, fl, cap = SPOOL_READ;
	off_t	 off = 0;
	ssize_t	 n;
	int	 r, ret = 0;

	for (;;) {
		n = pread(sp->sp_fd, buf, cap, off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			ret = -errno;
			goto out;
		}
		have = (size_t)n;
		r = event_rfc5424_frame_len(buf, have, &fl);
		if (r == 0 && fl > cap && off + (off_t)fl <= size) {
			/* One frame larger than the window. */
			cap = fl;
			buf = xreallocarray(buf, cap, 1);
			continue;
		}
		if (r != 1)
			break;
		off += (off_t)fl;
		sp->sp_records++;
	}
	if (off != size) {
		log_warnx("%s: %lld bytes at the end are no whole message "
		    "(cut short); dropped", sp->sp_path,
		    (long long)(size - off));
		if (ftruncate(sp->sp_fd, off) == -1) {
			ret = -errno;
			goto out;
		}
	}
	sp->sp_end = (uint64_t)off;
	sp->sp_unsent = sp->sp_records;
out:
	free(buf);
	return ret;
}

int
event_spool_open(struct event_spool **spp, const char *path, size_t max,
    char **cause)
{
	struct event_spool	*sp;
	struct stat		 st;
	int			 ret;

	sp = xcalloc(1, sizeof(*sp));
	sp->sp_path = xstrdup(path);
	sp->sp_max = max;
	sp->sp_fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (sp->sp_fd == -1) {
		xasprintf(cause, "%s: open: %s", path, strerror(errno));
		goto fail;
	}
	if (fstat(sp->sp_fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: not a regular file", path);
		goto fail;
	}
	if ((ret = spool_scan(sp, st.st_size)) < 0) {
		xasprintf(cause, "%s: read: %s", path, strerror(-ret));
		goto fail;
	}
	*spp = sp;
	return 0;
fail:
	if (sp->sp_fd != -1)
		close(sp->sp_fd);
	free(sp->sp_path);
	free(sp);
	*spp = NULL;
	return -1;
}

/*
 * Cut the delivered head off the file: truncate when everything was
 * delivered, else copy the rest to a new file renamed over the old one.
 * A failure leaves the file as it was (it only grows).
 */
static void
spool_compact(struct event_spool *sp)
{
	char		*tmp, *buf;
	uint64_t	 from, left;
	size_t		 chunk;
	int		 fd, r;

	if (sp->sp_confirmed == sp->sp_base)
		return;
	if (sp->sp_confirmed == sp->sp_end) {
		if (ftruncate(sp->sp_fd, 0) == -1) {
			log_warn("%s: truncate", sp->sp_path);
			return;
		}
		sp->sp_base = sp->sp_end;
		return;
	}
	xasprintf(&tmp, "%s.new", sp->sp_path);
	fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	if (fd == -1) {
		log_warn("%s: create", tmp);
		free(tmp);
		return;
	}
	buf = xmalloc(SPOOL_READ);
	from = sp->sp_confirmed - sp->sp_base;
	for (left = sp->sp_end - sp->sp_confirmed; left > 0; left -= chunk) {
		chunk = left > SPOOL_READ ? SPOOL_READ : (size_t)left;
		r = spool_pread(sp->sp_fd, buf, chunk, (off_t)from);
		if (r == 0 && write(fd, buf, chunk) != (ssize_t)chunk)
			r = -EIO;
		if (r < 0) {
			log_warnx("%s: compacting: %s", sp->sp_path,
			    strerror(-r));
			goto fail;
		}
		from += chunk;
	}
	if (rename(tmp, sp->sp_path) == -1) {
		log_warn("%s: rename", tmp);
		goto fail;
	}
	close(sp->sp_fd);
	sp->sp_fd = fd;
	sp->sp_base = sp->sp_confirmed;
	free(buf);
	free(tmp);
	return;
fail:
	close(fd);
	unlink(tmp);
	free(buf);
	free(tmp);
}

void
event_spool_close(struct event_spool *sp)
{
	if (sp == NULL)
		return;
	spool_compact(sp);
	close(sp->sp_fd);
	free(sp->sp_path);
	free(sp);
}

int
event_spool_append(struct event_spool *sp, const char *frame, size_t len)
{
	ssize_t	n;
	off_t	off = (off_t)(sp->sp_end - sp->sp_base);

	/* The bound is on what waits to be sent: what is in flight is
	 * the connection's.  An empty backlog takes any one message, so
	 * that a loss report, or a message larger than the bound, still
	 * goes out once the collector is there. */
	if (sp->sp_end > sp->sp_sent &&
	    sp->sp_end - sp->sp_sent + len > sp->sp_max)
		return -ENOSPC;
	do
		n = pwrite(sp->sp_fd, frame, len, off);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)len) {
		/* Cut back what was written, so the file stays whole frames;
		 * the next append writes over it anyway. */
		if (n >= 0)
			errno = ENOSPC;
		n = -errno;
		(void)ftruncate(sp->sp_fd, off);
		return (int)n;
	}
	sp->sp_end += len;
	sp->sp_records++;
	sp->sp_unsent++;
	return 0;
}

char *
event_spool_next(struct event_spool *sp, size_t max, size_t *lenp,
    size_t *nrecp, uint64_t *endp)
{
	char		*buf;
	size_t		 want, used = 0, fl, n = 0;
	uint64_t	 left = sp->sp_end - sp->sp_sent;
	int		 r;

	if (left == 0)
		return NULL;
	want = left < max ? (size_t)left : max;
	buf = xmalloc(want);
	if ((r = spool_pread(sp->sp_fd, buf, want,
	    (off_t)(sp->sp_sent - sp->sp_base))) < 0)
		goto fail;
	while ((r = event_rfc5424_frame_len(buf + used, want - used,
	    &fl)) == 1) {
		used += fl;
		n++;
	}
	if (n == 0 && fl > 0 && fl <= left) {
		/* One frame larger than @max: alone. */
		buf = xreallocarray(buf, fl, 1);
		if ((r = spool_pread(sp->sp_fd, buf, fl,
		    (off_t)(sp->sp_sent - sp->sp_base))) < 0)
			goto fail;
		used = fl;
		n = 1;
	}
	if (n == 0) {
		r = -EIO;
		goto fail;
	}
	sp->sp_sent += used;
	sp->sp_unsent -= n;
	*lenp = used;
	*nrecp = n;
	*endp = sp->sp_sent;
	return buf;
fail:
	log_warnx("%s: read: %s", sp->sp_path, strerror(-r));
	free(buf);
	return NULL;
}

void
event_spool_confirm(struct event_spool *sp, uint64_t end, size_t nrec)
{
	if (end <= sp->sp_confirmed || end > sp->sp_sent)
		return;
	sp->sp_confirmed = end;
	sp->sp_records -= nrec;
	if (sp->sp_confirmed == sp->sp_end ||
	    sp->sp_confirmed - sp->sp_base >= SPOOL_COMPACT_AT)
		spool_compact(sp);
}

void
event_spool_rewind(struct event_spool *sp)
{
	sp->sp_sent = sp->sp_confirmed;
	sp->sp_unsent = sp->sp_records;
	/* While the collector is away the file holds exactly the backlog. */
	spool_compact(sp);
}

uint64_t
event_spool_bytes(const struct event_spool *sp)
{
	return sp->sp_end - sp->sp_confirmed;
}

uint64_t
event_spool_records(const struct event_spool *sp)
{
	return sp->sp_records;
}

uint64_t
event_spool_unsent(const struct event_spool *sp)
{
	return sp->sp_unsent;
}

const char *
event_spool_path(const struct event_spool *sp)
{
	return sp->sp_path;
}
