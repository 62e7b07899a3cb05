/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A fresh directory for each test case, and its removal with everything in
 * it: the store, event and audit tests work on real files. */
#ifndef SANSO_TEST_TMPDIR_H
#define SANSO_TEST_TMPDIR_H

#include <sys/stat.h>
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

/* @dir (@len bytes) becomes a new directory /tmp/sanso-@what.XXXXXX. */
static inline void
tmpdir_make(char *dir, size_t len, const char *what)
{
	ck_assert_int_lt(snprintf(dir, len, "/tmp/sanso-%s.XXXXXX", what),
	    (int)len);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static inline int
tmpdir_rm_one(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void
tmpdir_remove(const char *dir)
{
	nftw(dir, tmpdir_rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

#endif
