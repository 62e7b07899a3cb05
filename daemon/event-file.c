/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Events as JSON lines in one file, rotated by size and date, retained by
 * count and age. */
#include <sys/stat.h>
#include <sys/uio.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "event-file.h"
#include "log.h"
#include "xmalloc.h"

/* How far back event_file_open() looks for the last complete record.  One
 * record is far smaller; more than this without one is a damaged file. */
#define EF_TAIL_MAX		(1024 * 1024)
#define EF_TAIL_FIRST		(16 * 1024)
/* ".YYYYMMDD-HHMMSS" */
#define EF_STAMP_LEN		16

static int			 ef_fd = -1;
static char			*ef_path;
static struct event_file_conf	 ef_conf;
static off_t			 ef_size;
/* Local time of the last record written (the file's mtime at open):
 * names the file when it is rotated and dates it for daily rotation. */
static time_t			 ef_last;
static uint64_t			 ef_rotations;
/* The local day of the file's records (daily rotation). */
static time_t			 ef_day_start, ef_day_end;
/* The file ends in a partial line (a short write): begin the next record
 * with '\n' so that it is a line of its own. */
static bool			 ef_need_newline;

/* The id of one line, if it is a record; false otherwise. */
static bool
event_file_line_id(const char *line, size_t len, uint64_t *id)
{
	json_t	*rec, *v;
	bool	 ok = false;

	rec = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	v = json_object_get(rec, "id");
	if (json_is_integer(v) && json_integer_value(v) > 0) {
		*id = (uint64_t)json_integer_value(v);
		ok = true;
	}
	json_decref(rec);
	return ok;
}

/*
 * Find the id of the last complete record, reading backwards from the end
 * in growing windows.  A final line without '\n' is the trace of a short
 * write and does not count.  Lines that are not records (damage) are
 * skipped.  Returns 0 (*id 0 when the file holds no record) or -errno;
 * -ENOENT when the last EF_TAIL_MAX bytes of a longer file hold none.
 */
static int
event_file_last_id(int fd, off_t size, uint64_t *id, bool *partial)
{
	char	*buf = NULL;
	size_t	 want = EF_TAIL_FIRST, len, end, start;
	off_t	 from;
	ssize_t	 n;
	int	 ret;

	*id = 0;
	*partial = false;
	if (size == 0)
		return 0;
	for (;;) {
		if ((off_t)want > size)
			want = (size_t)size;
		from = size - (off_t)want;
		buf = xreallocarray(buf, want, 1);
		for (len = 0; len < want; len += (size_t)n) {
			n = pread(fd, buf + len, want - len, from + (off_t)len);
			if (n == -1 && errno == EINTR) {
				n = 0;
				continue;
			}
			if (n == -1) {
				ret = -errno;
				goto out;
			}
			if (n == 0)
				break;
		}
		*partial = len > 0 && buf[len - 1] != '\n';
		/* end: one past the last complete line's '\n'. */
		end = len;
		while (end > 0 && buf[end - 1] != '\n')
			end--;
		while (end > 0) {
			start = end - 1;	/* at its '\n' */
			while (start > 0 && buf[start - 1] != '\n')
				start--;
			/* A line that starts before the window is cut. */
			if (start == 0 && from > 0)
				break;
			if (event_file_line_id(buf + start, end - 1 - start,
			    id)) {
				ret = 0;
				goto out;
			}
			end = start;
		}
		if (from == 0) {
			/* The whole file holds no record: none to follow. */
			ret = 0;
			goto out;
		}
		if (want >= EF_TAIL_MAX) {
			ret = -ENOENT;
			goto out;
		}
		want *= 2;
	}
out:
	free(buf);
	return ret;
}

/* A rotated file of ours: BASE.YYYYMMDD-HHMMSS[-N]. */
struct event_file_old {
	char	*fo_name;
	char	 fo_stamp[EF_STAMP_LEN];	/* YYYYMMDD-HHMMSS */
	unsigned long fo_seq;
	time_t	 fo_time;
};

static bool
event_file_old_parse(const char *name, const char *base,
    struct event_file_old *fo)
{
	size_t		 bl = strlen(base), i;
	const char	*s, *q;
	struct tm	 tm;
	char		*end;

	if (strncmp(name, base, bl) != 0 || name[bl] != '.')
		return false;
	s = name + bl + 1;
	for (i = 0; i < EF_STAMP_LEN - 1; i++) {
		if (i == 8 ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return false;
	}
	memset(&tm, 0, sizeof(tm));
	q = strptime(s, "%Y%m%d-%H%M%S", &tm);
	if (q != s + EF_STAMP_LEN - 1)
		return false;
	fo->fo_seq = 0;
	if (*q == '-') {
		if (q[1] < '1' || q[1] > '9')
			return false;
		fo->fo_seq = strtoul(q + 1, &end, 10);
		if (*end != '\0')
			return false;
	} else if (*q != '\0')
		return false;
	tm.tm_isdst = -1;
	fo->fo_time = mktime(&tm);
	memcpy(fo->fo_stamp, s, EF_STAMP_LEN - 1);
	fo->fo_stamp[EF_STAMP_LEN - 1] = '\0';
	fo->fo_name = xstrdup(name);
	return true;
}

static int
event_file_old_cmp(const void *a, const void *b)
{
	const struct event_file_old	*x = a, *y = b;
	int				 c = strcmp(x->fo_stamp, y->fo_stamp);

	if (c != 0)
		return c;
	return x->fo_seq < y->fo_seq ? -1 : x->fo_seq > y->fo_seq;
}

/* The rotated files next to @path, oldest first; *dirp gets the
 * directory (caller frees both). */
static struct event_file_old *
event_file_old_list(const char *path, char **dirp, size_t *np)
{
	struct event_file_old	*v = NULL, fo;
	struct dirent		*de;
	char			*d1, *d2;
	const char		*base;
	size_t			 n = 0, cap = 0;
	DIR			*dir;

	d1 = xstrdup(path);
	d2 = xstrdup(path);
	*dirp = xstrdup(dirname(d1));
	base = basename(d2);
	if ((dir = opendir(*dirp)) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			if (!event_file_old_parse(de->d_name, base, &fo))
				continue;
			v = xgrow(v, &cap, n, sizeof(*v));
			v[n++] = fo;
		}
		closedir(dir);
	}
	free(d1);
	free(d2);
	if (n > 1)
		qsort(v, n, sizeof(*v), event_file_old_cmp);
	*np = n;
	return v;
}

static void
event_file_old_free(struct event_file_old *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i].fo_name);
	free(v);
}

/* Remove rotated files beyond keep_files and older than keep_days. */
static void
event_file_retain(time_t now)
{
	struct event_file_old	*v;
	char			*dir, *p;
	size_t			 n, i, drop = 0;

	if (ef_conf.fc_keep_files == 0 && ef_conf.fc_keep_days == 0)
		return;
	v = event_file_old_list(ef_path, &dir, &n);
	if (ef_conf.fc_keep_files > 0 && n > ef_conf.fc_keep_files)
		drop = n - ef_conf.fc_keep_files;
	for (i = 0; i < n; i++) {
		if (i >= drop && (ef_conf.fc_keep_days == 0 ||
		    v[i].fo_time >= now - (time_t)ef_conf.fc_keep_days * 86400))
			continue;
		xasprintf(&p, "%s/%s", dir, v[i].fo_name);
		if (unlink(p) == -1 && errno != ENOENT)
			log_warn("%s: cannot remove an old event file", p);
		else
			log_debug("%s: removed (retention)", p);
		free(p);
	}
	event_file_old_free(v, n);
	free(dir);
}

/* The local day of @t as [*start, *end): computed once per file, not per
 * record (localtime is not free at packet-event rates). */
static void
event_file_day(time_t t, time_t *start, time_t *end)
{
	struct tm	tm;

	localtime_r(&t, &tm);
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	*start = mktime(&tm);
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	*end = mktime(&tm);
}

/* Open a new empty file at @path: 0640 whatever the umask, so that a log
 * reader group may read it.  The fd or -errno. */
static int
event_file_create(const char *path, bool excl)
{
	int	fd, err;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | (excl ? O_EXCL : 0) |
	    O_NOFOLLOW | O_CLOEXEC, 0640);
	if (fd == -1)
		return -errno;
	if (fchmod(fd, 0640) == -1) {
		err = errno;
		close(fd);
		return -err;
	}
	return fd;
}

/*
 * Start a new file: create it beside the old one, give the old one its
 * rotated name (a hard link, which never replaces an existing name), then
 * rename the new one over @path.  Readers always find a file at @path.
 * On any failure the old file stays in use and the rotation is retried at
 * the next record.  0 or an errno.
 */
static int
event_file_rotate(time_t now)
{
	struct tm	 tm;
	char		 stamp[32], *tmp, *old = NULL;
	unsigned	 seq;
	int		 fd, err;

	xasprintf(&tmp, "%s.new", ef_path);
	unlink(tmp);
	if ((fd = event_file_create(tmp, true)) < 0) {
		err = -fd;
		log_warnx("%s: cannot create (%s); events stay in %s", tmp,
		    strerror(err), ef_path);
		free(tmp);
		return err;
	}
	localtime_r(&ef_last, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	for (seq = 0;; seq++) {
		free(old);
		if (seq == 0)
			xasprintf(&old, "%s.%s", ef_path, stamp);
		else
			xasprintf(&old, "%s.%s-%u", ef_path, stamp, seq);
		if (link(ef_path, old) == 0)
			break;
		if (errno != EEXIST || seq == 1000) {
			err = errno;
			log_warn("%s: cannot rotate to %s", ef_path, old);
			goto fail;
		}
	}
	if (rename(tmp, ef_path) == -1) {
		err = errno;
		log_warn("%s: cannot rotate", ef_path);
		unlink(old);
		goto fail;
	}
	close(ef_fd);
	ef_fd = fd;
	ef_size = 0;
	ef_need_newline = false;
	ef_last = now;
	event_file_day(now, &ef_day_start, &ef_day_end);
	ef_rotations++;
	log_debug("%s: rotated to %s", ef_path, old);
	free(old);
	free(tmp);
	event_file_retain(now);
	return 0;
fail:
	close(fd);
	unlink(tmp);
	free(old);
	free(tmp);
	return err;
}

int
event_file_open(const char *path, const struct event_file_conf *conf,
    uint64_t *last_id, char **cause)
{
	struct event_file_old	*v = NULL;
	struct stat		 st;
	char			*dir = NULL, *p;
	bool			 partial, p2;
	size_t			 n = 0;
	int			 fd, ret, ofd;

	event_file_close();
	ef_path = xstrdup(path);
	ef_conf = *conf;
	*last_id = 0;

	/* O_RDWR for the read-back at open; O_APPEND puts each write at the
	 * end in one piece, whatever else appends. */
	fd = open(ef_path, O_RDWR | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT) {
		if ((fd = event_file_create(ef_path, true)) < 0) {
			errno = -fd;
			fd = -1;
		}
	}
	if (fd == -1) {
		xasprintf(cause, "%s: open: %s", ef_path, strerror(errno));
		goto fail;
	}
	if (fstat(fd, &st) == -1) {
		xasprintf(cause, "%s: stat: %s", ef_path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		xasprintf(cause, "%s: not a regular file", ef_path);
		goto fail;
	}
	ret = event_file_last_id(fd, st.st_size, last_id, &partial);
	if (ret == -ENOENT) {
		xasprintf(cause, "%s: no event record in its last %d bytes, "
		    "so the next event id is unknown; move the file aside",
		    ef_path, EF_TAIL_MAX);
		goto fail;
	}
	if (ret < 0) {
		xasprintf(cause, "%s: read: %s", ef_path, strerror(-ret));
		goto fail;
	}
	/* Just rotated (or new): the ids go on from the newest old file. */
	if (*last_id == 0) {
		v = event_file_old_list(ef_path, &dir, &n);
		if (n > 0) {
			xasprintf(&p, "%s/%s", dir, v[n - 1].fo_name);
			ofd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (ofd != -1 && fstat(ofd, &st) == 0 &&
			    S_ISREG(st.st_mode) &&
			    event_file_last_id(ofd, st.st_size, last_id,
			    &p2) < 0)
				*last_id = 0;
			if (ofd != -1)
				close(ofd);
			free(p);
		}
		event_file_old_free(v, n);
		free(dir);
		if (fstat(fd, &st) == -1) {
			xasprintf(cause, "%s: stat: %s", ef_path,
			    strerror(errno));
			goto fail;
		}
	}
	ef_need_newline = partial;
	ef_size = st.st_size;
	ef_last = st.st_mtime;
	event_file_day(ef_last, &ef_day_start, &ef_day_end);
	ef_fd = fd;
	return 0;
fail:
	if (fd != -1)
		close(fd);
	free(ef_path);
	ef_path = NULL;
	*last_id = 0;
	return -1;
}

void
event_file_close(void)
{
	if (ef_fd != -1)
		close(ef_fd);
	ef_fd = -1;
	free(ef_path);
	ef_path = NULL;
}

const char *
event_file_path(void)
{
	return ef_path;
}

uint64_t
event_file_rotations(void)
{
	return ef_rotations;
}

int
event_file_write(const char *line, size_t len, const struct timespec *now)
{
	struct iovec	iov[2];
	ssize_t		n;
	size_t		want;
	int		iovcnt = 0;

	if (ef_fd == -1)
		return EBADF;
	/* A new (or emptied) file belongs to the day of its first record. */
	if (ef_size == 0)
		event_file_day(now->tv_sec, &ef_day_start, &ef_day_end);
	/* A failed rotation is retried at the next record; the record is
	 * written to the old file meanwhile. */
	if (ef_size > 0 && ((ef_conf.fc_rotate_daily &&
	    (now->tv_sec < ef_day_start || now->tv_sec >= ef_day_end)) ||
	    (ef_conf.fc_rotate_size > 0 &&
	    (size_t)ef_size + len > ef_conf.fc_rotate_size)))
		(void)event_file_rotate(now->tv_sec);
	if (ef_need_newline) {
		iov[iovcnt].iov_base = (void *)(uintptr_t)"\n";
		iov[iovcnt++].iov_len = 1;
	}
	iov[iovcnt].iov_base = (void *)(uintptr_t)line;
	iov[iovcnt++].iov_len = len;
	want = len + (ef_need_newline ? 1 : 0);
	/* One writev on an O_APPEND file is one append, as one write. */
	do
		n = writev(ef_fd, iov, iovcnt);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		return errno;
	ef_size += n;
	ef_last = now->tv_sec;
	if ((size_t)n != want) {
		/* A short write (disk full, file size limit) left part of a
		 * line; the next record starts on a line of its own.  Not
		 * retried: a second write could interleave. */
		ef_need_newline = true;
		return ENOSPC;
	}
	ef_need_newline = false;
	return 0;
}
