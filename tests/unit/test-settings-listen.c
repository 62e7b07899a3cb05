/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the listen: section: addresses, limits, certificate. */
#include <arpa/inet.h>
#include <netinet/in.h>

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
	char		*all = strdup(""), *m, *tmp;
	size_t		 i;

	diags_init(&d, text, strlen(text));
	*ok = settings_parse("sansod.yaml", text, strlen(text), s, &d);
	for (i = 0; i < d.n; i++) {
		m = diag_format(&d.v[i]);
		if (asprintf(&tmp, "%s%s\n", all, m) < 0)
			abort();
		free(all);
		free(m);
		all = tmp;
	}
	diags_free(&d);
	return all;
}

START_TEST(addresses_v4_v6)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	socklen_t		 len;
	char			 host[64];

	ck_assert(settings_listen_addr("192.0.2.1:443", &ss, &len, host,
	    sizeof(host)));
	ck_assert_int_eq(ss.ss_family, AF_INET);
	ck_assert_int_eq(ntohs(sin->sin_port), 443);
	ck_assert_str_eq(host, "192.0.2.1");
	ck_assert(settings_listen_addr("[2001:db8::1]:8443", &ss, &len, host,
	    sizeof(host)));
	ck_assert_int_eq(ss.ss_family, AF_INET6);
	ck_assert_int_eq(ntohs(sin6->sin6_port), 8443);
	ck_assert_str_eq(host, "2001:db8::1");
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
	ck_assert(settings_listen_addr("0.0.0.0:1", &ss, &len, NULL, 0));
}
END_TEST

START_TEST(addresses_refused)
{
	static const char *bad[] = { "192.0.2.1", "192.0.2.1:", "192.0.2.1:0",
	    "192.0.2.1:65536", "192.0.2.1:44x", "host.example:443",
	    "2001:db8::1:443", "[2001:db8::1]443", "[192.0.2.1]:443",
	    "[2001:db8::1]:", ":443", "192.0.2.1:-1", "192.0.2.1:+443" };
	struct sockaddr_storage	ss;
	socklen_t		len;
	size_t			i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!settings_listen_addr(bad[i], &ss, &len, NULL, 0),
		    "'%s' accepted", bad[i]);
}
END_TEST

START_TEST(defaults)
{
	struct settings	 s;
	bool		 ok;
	char		*msg = parse("listen: {}\n", &s, &ok);

	ck_assert_msg(ok, "%s", msg);
	ck_assert_uint_eq(s.se_listen.sl_n_https, 0);
	ck_assert_ptr_null(s.se_listen.sl_certificate);
	ck_assert_uint_eq(s.se_listen.sl_header_max, 16 * 1024);
	ck_assert_int_eq(s.se_listen.sl_timeout, 30);
	ck_assert_uint_eq(s.se_listen.sl_connections_max, 256);
	free(msg);
	settings_free(&s);
}
END_TEST

START_TEST(errors_where_written)
{
	struct settings	 s;
	bool		 ok;
	char		*msg = parse(
	    "listen:\n"
	    "  https: [\"10.0.0.1:443\", \"mgmt:443\"]\n"
	    "  connections_max: 0\n"
	    "  body_max: 10\n", &s, &ok);

	ck_assert(!ok);
	ck_assert_ptr_nonnull(strstr(msg, "sansod.yaml:2:27: error: https in "
	    "listen: 'mgmt:443' is not ADDRESS:PORT"));
	ck_assert_ptr_nonnull(strstr(msg, "sansod.yaml:3:20:"));
	ck_assert_ptr_nonnull(strstr(msg, "from 1 to"));
	ck_assert_ptr_nonnull(strstr(msg, "sansod.yaml:4:13:"));
	ck_assert_ptr_nonnull(strstr(msg, "(at least 1k)"));
	free(msg);
	settings_free(&s);
}
END_TEST

START_TEST(certificate_and_key_together)
{
	struct settings	 s;
	bool		 ok;
	char		*msg = parse("listen:\n  key: /etc/sanso/k.pem\n", &s,
	    &ok);

	ck_assert(!ok);
	ck_assert_ptr_nonnull(strstr(msg, "sansod.yaml:2:3: error: listen: "
	    "certificate and key go together"));
	free(msg);
	settings_free(&s);
	msg = parse("listen:\n  key: /k.pem\n  certificate: /c.pem\n", &s, &ok);
	ck_assert_msg(ok, "%s", msg);
	ck_assert_str_eq(s.se_listen.sl_certificate, "/c.pem");
	ck_assert_str_eq(s.se_listen.sl_key, "/k.pem");
	free(msg);
	settings_free(&s);
}
END_TEST

static Suite *
settings_listen_suite(void)
{
	Suite	*s = suite_create("settings-listen");
	TCase	*tc = tcase_create("listen");

	tcase_add_test(tc, addresses_v4_v6);
	tcase_add_test(tc, addresses_refused);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, errors_where_written);
	tcase_add_test(tc, certificate_and_key_together);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(settings_listen_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
