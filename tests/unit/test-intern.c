/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the string pool: sharing, reference counts, growth. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/intern.h"

START_TEST(same_text_same_copy)
{
	char	 buf[32];
	char	*a, *b, *c;

	strcpy(buf, "IOC list 42");
	a = intern_get(buf);
	buf[0] = 'X';		/* the pool has its own copy */
	b = intern_get("IOC list 42");
	c = intern_get("another reason");
	ck_assert_ptr_eq(a, b);
	ck_assert_str_eq(a, "IOC list 42");
	ck_assert_ptr_ne(a, c);
	ck_assert_uint_eq(intern_count(), 2);
	intern_put(a);
	ck_assert_uint_eq(intern_count(), 2);	/* b still holds it */
	ck_assert_str_eq(b, "IOC list 42");
	intern_put(b);
	ck_assert_uint_eq(intern_count(), 1);
	intern_put(c);
	ck_assert_uint_eq(intern_count(), 0);
	ck_assert_ptr_null(intern_get(NULL));
	intern_put(NULL);
}
END_TEST

START_TEST(many_strings_survive_growth_and_removal)
{
	enum { N = 20000 };
	char	**v = calloc(N, sizeof(*v));
	char	  buf[32];
	size_t	  i;

	for (i = 0; i < N; i++) {
		snprintf(buf, sizeof(buf), "reason %zu", i);
		v[i] = intern_get(buf);
	}
	ck_assert_uint_eq(intern_count(), N);
	/* Remove every other one, then look the rest up again: probe runs
	 * across removed slots must still find them. */
	for (i = 0; i < N; i += 2)
		intern_put(v[i]);
	ck_assert_uint_eq(intern_count(), N / 2);
	for (i = 1; i < N; i += 2) {
		snprintf(buf, sizeof(buf), "reason %zu", i);
		ck_assert_ptr_eq(intern_get(buf), v[i]);
		intern_put(v[i]);
	}
	for (i = 1; i < N; i += 2)
		intern_put(v[i]);
	ck_assert_uint_eq(intern_count(), 0);
	free(v);
}
END_TEST

static Suite *
intern_suite(void)
{
	Suite *s = suite_create("intern");
	TCase *tc = tcase_create("pool");

	tcase_add_test(tc, same_text_same_copy);
	tcase_add_test(tc, many_strings_survive_growth_and_removal);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(intern_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
