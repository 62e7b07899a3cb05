/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for sansod.yaml: defaults, overrides, errors with positions. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/diag.h"
#include "../../daemon/settings.h"

/* Parse @text; returns the joined diagnostics (caller frees). */
static char *
parse(const char *text, struct settings *s, bool *ok)
{
	struct diags	 d;
	char		*all = NULL, *m;
	size_t		 i, len = 0;

	diags_init(&d, text, strlen(text));
	*ok = settings_parse("sansod.yaml", text, strlen(text), s, &d);
	for (i = 0; i < d.n; i++) {
		m = diag_format(&d.v[i]);
		all = realloc(all, len + strlen(m) + 2);
		strcpy(all + len, m);
		len += strlen(m);
		all[len++] = '\n';
		all[len] = '\0';
		free(m);
	}
	diags_free(&d);
	return all != NULL ? all : strdup("");
}

START_TEST(empty_file_is_all_defaults)
{
	struct settings	 s;
	bool		 ok;
	char		*msg = parse("", &s, &ok);

	ck_assert(ok);
	ck_assert_str_eq(msg, "");
	ck_assert_uint_eq(s.se_auth.sa_password_min, 12);
	ck_assert_uint_eq(s.se_auth.sa_password_history, 5);
	ck_assert_uint_eq(s.se_auth.sa_lockout_attempts, 5);
	ck_assert_int_eq(s.se_auth.sa_lockout_seconds, 15 * 60);
	ck_assert_int_eq(s.se_auth.sa_session_idle, 15 * 60);
	ck_assert_int_eq(s.se_auth.sa_session_absolute, 8 * 3600);
	ck_assert_uint_eq(s.se_listen.sl_n_https, 0);
	ck_assert_uint_eq(s.se_listen.sl_body_max, 32u * 1024 * 1024);
	free(msg);
	settings_free(&s);
}
END_TEST

START_TEST(values_override_defaults)
{
	struct settings	 s;
	bool		 ok;
	char		*msg = parse(
	    "listen:\n"
	    "  https: [\"10.0.0.1:443\", \"[fd00::1]:443\"]\n"
	    "  header_max: 8k\n"
	    "  timeout: 1m\n"
	    "auth:\n"
	    "  password_min_length: 16\n"
	    "  lockout_duration: 1h\n", &s, &ok);

	ck_assert_msg(ok, "%s", msg);
	ck_assert_uint_eq(s.se_listen.sl_n_https, 2);
	ck_assert_str_eq(s.se_listen.sl_https[1], "[fd00::1]:443");
	ck_assert_uint_eq(s.se_listen.sl_header_max, 8192);
	ck_assert_int_eq(s.se_listen.sl_timeout, 60);
	ck_assert_uint_eq(s.se_auth.sa_password_min, 16);
	ck_assert_int_eq(s.se_auth.sa_lockout_seconds, 3600);
	/* Untouched keys keep their defaults. */
	ck_assert_int_eq(s.se_auth.sa_session_idle, 15 * 60);
	free(msg);
	settings_free(&s);
}
END_TEST

START_TEST(errors_name_file_line_and_key)
{
	struct settings	 s;
	bool		 ok;
	char		*msg = parse(
	    "listen:\n"
	    "  timeout: soon\n"
	    "  https: [a, a]\n"
	    "auth:\n"
	    "  session_idle: 0m\n"
	    "colour: blue\n", &s, &ok);

	ck_assert(!ok);
	ck_assert_ptr_nonnull(strstr(msg, "sansod.yaml:2:12: error: timeout "
	    "in listen: expected a duration such as 30s, got 'soon'"));
	ck_assert_ptr_nonnull(strstr(msg, "sansod.yaml:3:14:"));
	ck_assert_ptr_nonnull(strstr(msg, "'a' is listed twice"));
	ck_assert_ptr_nonnull(strstr(msg, "sansod.yaml:5:17:"));
	ck_assert_ptr_nonnull(strstr(msg, "zero is not a duration"));
	ck_assert_ptr_nonnull(strstr(msg, "sansod.yaml:6:1: error: unknown "
	    "key 'colour' in the settings"));
	/* A refused file leaves the defaults, not half of it. */
	ck_assert_int_eq(s.se_listen.sl_timeout, 30);
	ck_assert_uint_eq(s.se_listen.sl_n_https, 0);
	free(msg);
	settings_free(&s);
}
END_TEST

START_TEST(not_a_mapping_and_aliases_refused)
{
	struct settings	 s;
	bool		 ok;
	char		*msg = parse("- 1\n", &s, &ok);

	ck_assert(!ok);
	ck_assert_ptr_nonnull(strstr(msg, "the settings file must be a "
	    "mapping"));
	free(msg);
	settings_free(&s);
	msg = parse("auth: &a {}\nlisten: *a\n", &s, &ok);
	ck_assert(!ok);
	ck_assert_ptr_nonnull(strstr(msg, "not allowed in a settings file"));
	free(msg);
	settings_free(&s);
}
END_TEST

static Suite *
settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *tc = tcase_create("sansod.yaml");

	tcase_add_test(tc, empty_file_is_all_defaults);
	tcase_add_test(tc, values_override_defaults);
	tcase_add_test(tc, errors_name_file_line_and_key);
	tcase_add_test(tc, not_a_mapping_and_aliases_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(settings_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
