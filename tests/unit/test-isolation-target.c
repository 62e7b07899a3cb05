/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for isolation targets: what CSIRT may isolate, in which
 * canonical form, and the message for everything else. */
#include <sys/socket.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/isolation-target.h"

/* @in parses as @kind with canonical text @text. */
static void
assert_target(const char *in, enum isolation_kind kind, const char *text)
{
	struct isolation_target t;
	char err[256];

	ck_assert_msg(isolation_target_parse(in, &t, err, sizeof(err)),
	    "%s refused: %s", in, err);
	ck_assert_int_eq(t.it_kind, kind);
	ck_assert_str_eq(t.it_text, text);
}

/* @in is refused with a message containing @msg. */
static void
assert_refused(const char *in, const char *msg)
{
	struct isolation_target t;
	char err[256];

	ck_assert_msg(!isolation_target_parse(in, &t, err, sizeof(err)),
	    "%s accepted", in);
	ck_assert_msg(strstr(err, msg) != NULL, "%s: message '%s' lacks '%s'",
	    in, err, msg);
}

START_TEST(canonical)
{
	assert_target("10.20.0.100", ISOLATION_IP, "10.20.0.100");
	assert_target("10.20.0.100/32", ISOLATION_IP, "10.20.0.100");
	assert_target("10.20.0.0/24", ISOLATION_PREFIX, "10.20.0.0/24");
	assert_target("10.0.0.0/8", ISOLATION_PREFIX, "10.0.0.0/8");
	assert_target("FD00:20:0::100", ISOLATION_IP, "fd00:20::100");
	assert_target("fd00:20::/64", ISOLATION_PREFIX, "fd00:20::/64");
	assert_target("2001:db8::/32", ISOLATION_PREFIX, "2001:db8::/32");
	assert_target("52:54:00:0A:00:05", ISOLATION_MAC, "52:54:00:0a:00:05");
	assert_target("52-54-00-0a-00-05", ISOLATION_MAC, "52:54:00:0a:00:05");
	assert_target("2:54:0:a:0:5", ISOLATION_MAC, "02:54:00:0a:00:05");
}
END_TEST

START_TEST(refused)
{
	assert_refused("10.0.0.1/24", "10.0.0.1/24 has host bits set (did you "
	    "mean 10.0.0.0/24?)");
	assert_refused("fd00::1/64", "did you mean fd00::/64?");
	assert_refused("999.1.1.1", "'999.1.1.1' is not an IPv4 or IPv6");
	assert_refused("garbage", "'garbage' is not an IPv4 or IPv6");
	assert_refused("10.1", "is not an IPv4 or IPv6");
	assert_refused("", "an empty target");
	assert_refused("52:54:00:0a:00:05:07", "has 7 octets; a MAC address "
	    "has 6");
	assert_refused("52-54-00-0a-00", "has 5 octets");
	assert_refused("52:54-00:0a:00:05", "is not an IPv4 or IPv6");
	assert_refused("01:00:5e:00:00:01", "multicast MAC");
	assert_refused("ff:ff:ff:ff:ff:ff", "broadcast MAC");
	assert_refused("00:00:00:00:00:00", "not a usable MAC");
	assert_refused("0.0.0.0/0", "too wide: an IPv4 prefix must be /8");
	assert_refused("10.0.0.0/7", "too wide");
	assert_refused("::/0", "too wide: an IPv6 prefix must be /32");
	assert_refused("2001:db8::/31", "too wide");
	assert_refused("10.0.0.0/33", "prefix length after '/' must be a "
	    "number from 0 to 32");
	assert_refused("10.0.0.0/", "prefix length");
	assert_refused("10.0.0.0/2x", "prefix length");
	assert_refused("127.0.0.1", "loopback");
	assert_refused("224.0.0.0/8", "multicast");
	assert_refused("239.255.255.250", "multicast");
	assert_refused("127.9.9.9", "loopback");
	assert_refused("0.1.2.3", "'this network'");
	assert_refused("ff0e::1:3/128", "multicast");
	assert_refused("255.255.255.255", "broadcast");
	assert_refused("0.0.0.0", "'this network'");
	assert_refused("::1", "loopback");
	assert_refused("::", "unspecified");
	assert_refused("ff02::1", "multicast");
	assert_refused("::ffff:10.0.0.1", "IPv4-mapped");
	assert_refused(" 10.0.0.1", "is not an IPv4 or IPv6");
}
END_TEST

START_TEST(keep)
{
	struct isolation_target t;
	char err[256];

	ck_assert(isolation_target_parse_keep("10.9.0.1", &t, err,
	    sizeof(err)));
	ck_assert_str_eq(t.it_text, "10.9.0.1");
	ck_assert(!isolation_target_parse_keep("10.9.0.0/24", &t, err,
	    sizeof(err)));
	ck_assert_msg(strstr(err, "is a prefix; a kept host is one") != NULL,
	    "%s", err);
	ck_assert(!isolation_target_parse_keep("52:54:00:0a:00:05", &t, err,
	    sizeof(err)));
	ck_assert_msg(strstr(err, "is a MAC address") != NULL, "%s", err);
}
END_TEST

START_TEST(ttl)
{
	char err[256];
	int64_t s;

	ck_assert(isolation_target_parse_ttl("90", &s, err, sizeof(err)));
	ck_assert_int_eq(s, 90);
	ck_assert(isolation_target_parse_ttl("30s", &s, err, sizeof(err)));
	ck_assert_int_eq(s, 30);
	ck_assert(isolation_target_parse_ttl("5m", &s, err, sizeof(err)));
	ck_assert_int_eq(s, 300);
	ck_assert(isolation_target_parse_ttl("2h", &s, err, sizeof(err)));
	ck_assert_int_eq(s, 7200);
	ck_assert(isolation_target_parse_ttl("2d", &s, err, sizeof(err)));
	ck_assert_int_eq(s, 172800);
	ck_assert(!isolation_target_parse_ttl("0s", &s, err, sizeof(err)));
	ck_assert(!isolation_target_parse_ttl("5x", &s, err, sizeof(err)));
	ck_assert_msg(strstr(err, "'5x' is not a duration") != NULL, "%s", err);
	ck_assert(!isolation_target_parse_ttl("-5", &s, err, sizeof(err)));
	ck_assert(!isolation_target_parse_ttl("400d", &s, err, sizeof(err)));
	ck_assert_msg(strstr(err, "longer than a year") != NULL, "%s", err);
	ck_assert(!isolation_target_parse_ttl("99999999999999999999", &s, err,
	    sizeof(err)));
}
END_TEST

START_TEST(contains)
{
	struct isolation_target a, b, m;
	char err[256];

	ck_assert(isolation_target_parse("10.0.0.0/24", &a, err, sizeof(err)));
	ck_assert(isolation_target_parse("10.0.0.5", &b, err, sizeof(err)));
	ck_assert(isolation_target_parse("52:54:00:0a:00:05", &m, err,
	    sizeof(err)));
	ck_assert(isolation_target_contains(&a, &b));
	ck_assert(!isolation_target_contains(&b, &a));
	ck_assert(isolation_target_overlaps(&b, &a));
	ck_assert(!isolation_target_overlaps(&a, &m));
	ck_assert(isolation_target_contains(&m, &m));
	ck_assert_int_eq(isolation_target_family(&m), 0);
	ck_assert_int_eq(isolation_target_family(&a), AF_INET);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("isolation-target");
	TCase *tc = tcase_create("parse");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, canonical);
	tcase_add_test(tc, refused);
	tcase_add_test(tc, keep);
	tcase_add_test(tc, ttl);
	tcase_add_test(tc, contains);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
