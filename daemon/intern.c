/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The string pool: open addressing on FNV-1a, tombstones, doubling. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "intern.h"
#include "log.h"
#include "xmalloc.h"

/* A slot: empty (is_s NULL, !is_dead), dead (a removed string), or live. */
struct intern_slot {
	char		*is_s;
	unsigned long	 is_refs;
	uint64_t	 is_hash;
	int		 is_dead;
};

static struct intern_slot	*pool;
static size_t			 pool_cap, pool_live, pool_used;

static uint64_t
intern_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (uint8_t)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Rebuild with room for twice the live strings, dropping the dead. */
static void
intern_grow(void)
{
	struct intern_slot	*old = pool;
	size_t			 ocap = pool_cap, i, p, want = 64;

	while (want < 4 * (pool_live + 1))
		want *= 2;
	pool = xcalloc(want, sizeof(*pool));
	pool_cap = want;
	pool_used = pool_live;
	for (i = 0; i < ocap; i++) {
		if (old[i].is_s == NULL)
			continue;
		for (p = old[i].is_hash & (want - 1); pool[p].is_s != NULL;
		    p = (p + 1) & (want - 1))
			;
		pool[p] = old[i];
	}
	free(old);
}

char *
intern_get(const char *s)
{
	uint64_t	h;
	size_t		p;

	if (s == NULL)
		return NULL;
	if (2 * (pool_used + 1) > pool_cap)
		intern_grow();
	h = intern_hash(s);
	for (p = h & (pool_cap - 1); pool[p].is_s != NULL || pool[p].is_dead;
	    p = (p + 1) & (pool_cap - 1)) {
		if (pool[p].is_s != NULL && pool[p].is_hash == h &&
		    strcmp(pool[p].is_s, s) == 0) {
			pool[p].is_refs++;
			return pool[p].is_s;
		}
	}
	/* Not there: the first empty slot of the run takes it. */
	pool[p].is_s = xstrdup(s);
	pool[p].is_refs = 1;
	pool[p].is_hash = h;
	pool_live++;
	pool_used++;
	return pool[p].is_s;
}

void
intern_put(char *s)
{
	size_t	p;

	if (s == NULL)
		return;
	if (pool_cap == 0)
		fatalx("%s: pool is empty", __func__);
	for (p = intern_hash(s) & (pool_cap - 1);
	    pool[p].is_s != NULL || pool[p].is_dead;
	    p = (p + 1) & (pool_cap - 1)) {
		if (pool[p].is_s != s)
			continue;
		if (--pool[p].is_refs == 0) {
			free(pool[p].is_s);
			pool[p].is_s = NULL;
			pool[p].is_dead = 1;
			pool_live--;
			if (pool_live == 0) {
				free(pool);
				pool = NULL;
				pool_cap = pool_used = 0;
			}
		}
		return;
	}
	fatalx("%s: string not from the pool", __func__);
}

unsigned long
intern_count(void)
{
	return pool_live;
}
