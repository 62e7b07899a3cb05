/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Allocation that never returns NULL: running out of memory is fatal. */
#ifndef SANSO_XMALLOC_H
#define SANSO_XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

/* Grow *v (of *cap elements of size sz) so that it holds at least n+1. */
void	*xgrow(void *v, size_t *cap, size_t n, size_t sz);

#endif
