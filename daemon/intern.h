/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shared, reference-counted copies of strings that many records repeat: a
 * bulk isolation gives 100 000 rows one reason, one actor and one ticket,
 * and each copy would cost a heap block (measured: a third of sansod's
 * memory with 100 000 isolations).  Not thread-safe: the event loop's.
 */
#ifndef SANSO_INTERN_H
#define SANSO_INTERN_H

/* The pool's copy of @s with one more reference; NULL for NULL. */
char	*intern_get(const char *s);
/* Drop a reference taken by intern_get(); NULL is ignored. */
void	 intern_put(char *s);
/* Distinct strings held (tests). */
unsigned long	intern_count(void);

#endif
