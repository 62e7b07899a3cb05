/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for the policy diff: what staff see before they apply a
 * changed policy.yaml. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../daemon/policy-diff.h"
#include "unit-policy.h"

static struct policy *alpha;

static void
setup(void)
{
	alpha = unit_policy_alpha();
	ck_assert_msg(alpha != NULL, "docs/policy-alpha.yaml does not validate");
}

static void
teardown(void)
{
	policy_free(alpha);
}

static struct policy *
edit(const char *from, const char *to)
{
	struct policy *p = unit_policy_alpha_edit(from, to);

	ck_assert_msg(p != NULL, "edited policy ('%s' -> '%s') is invalid",
	    from, to);
	return p;
}

static size_t
count(const json_t *d, const char *section, const char *what)
{
	return json_array_size(json_object_get(json_object_get(d, section),
	    what));
}

/* The names in d[section][what], comma-joined, for exact comparison. */
static char *
names(const json_t *d, const char *section, const char *what)
{
	const json_t *v = json_object_get(json_object_get(d, section), what);
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	for (i = 0; i < json_array_size(v); i++)
		fprintf(f, "%s%s", i > 0 ? "," : "", json_string_value(
		    json_object_get(json_array_get(v, i), "name")));
	fclose(f);
	return buf;
}

static void
assert_names(const json_t *d, const char *section, const char *what,
    const char *want)
{
	char *got = names(d, section, what);

	ck_assert_msg(strcmp(got, want) == 0, "%s.%s: got '%s', want '%s'",
	    section, what, got, want);
	free(got);
}

/* The changes of one changed object, "; "-joined. */
static char *
changes(const json_t *d, const char *section, const char *name)
{
	const json_t *v = json_object_get(json_object_get(d, section),
	    "changed"), *e, *ch;
	char *buf = NULL;
	size_t len = 0, i, j;
	FILE *f = open_memstream(&buf, &len);

	for (i = 0; i < json_array_size(v); i++) {
		e = json_array_get(v, i);
		if (strcmp(json_string_value(json_object_get(e, "name")),
		    name) != 0)
			continue;
		ch = json_object_get(e, "changes");
		for (j = 0; j < json_array_size(ch); j++)
			fprintf(f, "%s%s", j > 0 ? "; " : "",
			    json_string_value(json_array_get(ch, j)));
	}
	fclose(f);
	return buf;
}

static void
assert_changes(const json_t *d, const char *section, const char *name,
    const char *want)
{
	char *got = changes(d, section, name);

	ck_assert_msg(strcmp(got, want) == 0, "%s %s: got '%s', want '%s'",
	    section, name, got, want);
	free(got);
}

/* Exactly one section changed, and only by @n objects in @what. */
static void
assert_only(const json_t *d, const char *section, const char *what, size_t n)
{
	static const char *const sections[] = {
		"zones", "hosts", "services", "conduits"
	};
	static const char *const whats[] = { "added", "removed", "changed" };
	size_t i, j;

	for (i = 0; i < 4; i++)
		for (j = 0; j < 3; j++)
			ck_assert_msg(count(d, sections[i], whats[j]) ==
			    (strcmp(sections[i], section) == 0 &&
			    strcmp(whats[j], what) == 0 ? n : 0),
			    "%s.%s has %zu entries", sections[i], whats[j],
			    count(d, sections[i], whats[j]));
	ck_assert(json_is_false(json_object_get(d, "empty")));
}

static void
assert_text(const json_t *d, const char *want)
{
	char *t = policy_diff_text(d);

	ck_assert_msg(strstr(t, want) != NULL, "'%s' not in:\n%s", want, t);
	free(t);
}

START_TEST(from_nothing)
{
	json_t *d = policy_diff(NULL, alpha);

	ck_assert(json_is_false(json_object_get(d, "empty")));
	ck_assert_uint_eq(count(d, "zones", "added"), 8);
	ck_assert_uint_eq(count(d, "hosts", "added"), 9);
	ck_assert_uint_eq(count(d, "conduits", "added"), 11);
	ck_assert_uint_eq(count(d, "conduits", "removed"), 0);
	ck_assert_uint_eq(count(d, "zones", "changed"), 0);
	ck_assert(json_is_null(json_object_get(json_object_get(d, "model"),
	    "from")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(d,
	    "model"), "to")), "alpha");
	ck_assert(json_is_true(json_object_get(json_object_get(d,
	    "quarantine"), "changed")));
	assert_text(d, "+ conduit web: internet -> isc: https, dns\n");
	assert_text(d, "+ conduit mn-chukan: mn-gw -> chukan: https, "
	    "approval R8-0123\n");
	assert_text(d, "+ zone lgwan: tier lgwan, interfaces eth1.20, "
	    "networks 10.20.0.0/16 fd00:20::/64\n");
	assert_text(d, "+ host mn-gw: zone mynumber, address 10.10.0.5, "
	    "mac 52:54:00:0a:00:05\n");
	assert_text(d, "+ model: alpha\n");
	json_decref(d);
}
END_TEST

START_TEST(same_policy)
{
	struct policy *again = unit_policy_alpha();
	json_t *d = policy_diff(alpha, again);
	char *t = policy_diff_text(d);

	ck_assert(json_is_true(json_object_get(d, "empty")));
	ck_assert_ptr_null(json_object_get(d, "model"));
	ck_assert_uint_eq(count(d, "conduits", "changed"), 0);
	ck_assert(json_is_false(json_object_get(json_object_get(d,
	    "quarantine"), "changed")));
	ck_assert_str_eq(t, "no changes\n");
	free(t);
	json_decref(d);
	policy_free(again);
}
END_TEST

START_TEST(zone_changed)
{
	struct policy *p = edit("interfaces: [eth1.20]",
	    "interfaces: [eth1.20, eth1.21]");
	json_t *d = policy_diff(alpha, p);

	assert_only(d, "zones", "changed", 1);
	assert_changes(d, "zones", "lgwan", "interfaces +eth1.21");
	assert_text(d, "~ zone lgwan: interfaces +eth1.21\n");
	json_decref(d);
	policy_free(p);

	/* The gateway's services, as compiled: the tier default by name. */
	p = edit("networks: [10.0.0.0/24] }",
	    "networks: [10.0.0.0/24], gateway: [ssh, dns] }");
	d = policy_diff(alpha, p);
	assert_only(d, "zones", "changed", 1);
	assert_changes(d, "zones", "mgmt", "gateway +dns -sanso -ping");
	json_decref(d);
	policy_free(p);
}
END_TEST

START_TEST(zone_added_removed)
{
	struct policy *p = edit("zones:\n", "zones:\n"
	    "  print:      { tier: lgwan, interfaces: [eth1.21], "
	    "networks: [10.21.0.0/24], admission: registered }\n");
	json_t *d = policy_diff(alpha, p);

	assert_only(d, "zones", "added", 1);
	assert_names(d, "zones", "added", "print");
	assert_text(d, "+ zone print: tier lgwan, interfaces eth1.21, "
	    "networks 10.21.0.0/24, admission registered\n");
	json_decref(d);

	d = policy_diff(p, alpha);
	assert_only(d, "zones", "removed", 1);
	assert_names(d, "zones", "removed", "print");
	assert_text(d, "- zone print: ");
	json_decref(d);
	policy_free(p);
}
END_TEST

START_TEST(host_changed)
{
	struct policy *p = edit("mac: \"52:54:00:0a:00:05\"",
	    "mac: \"52:54:00:0a:00:06\"");
	json_t *d = policy_diff(alpha, p);

	assert_only(d, "hosts", "changed", 1);
	assert_changes(d, "hosts", "mn-gw",
	    "mac 52:54:00:0a:00:05 -> 52:54:00:0a:00:06");
	json_decref(d);
	policy_free(p);

	p = edit("address: 10.20.0.51 }", "address: [10.20.0.52, \"fd00:20::52\"] }");
	d = policy_diff(alpha, p);
	assert_only(d, "hosts", "changed", 1);
	assert_changes(d, "hosts", "av-sig",
	    "address +10.20.0.52 +fd00:20::52 -10.20.0.51");
	json_decref(d);
	policy_free(p);
}
END_TEST

START_TEST(service_changed)
{
	struct policy *p = edit("rdp:   [tcp/3389]",
	    "rdp:   [tcp/3389, tcp/3390-3399]");
	json_t *d = policy_diff(alpha, p);

	assert_only(d, "services", "changed", 1);
	assert_changes(d, "services", "rdp", "ports +tcp/3390-3399");
	assert_text(d, "~ service rdp: ports +tcp/3390-3399\n");
	json_decref(d);
	policy_free(p);
}
END_TEST

START_TEST(conduit_changed)
{
	struct policy *p = edit("to: isc,        services: [https, dns] }",
	    "to: isc,        services: [https] }");
	json_t *d = policy_diff(alpha, p);

	assert_only(d, "conduits", "changed", 1);
	assert_changes(d, "conduits", "web", "services -dns");
	json_decref(d);
	policy_free(p);

	p = edit("approval: \"R8-0123\"", "approval: \"R8-0456\"");
	d = policy_diff(alpha, p);
	assert_only(d, "conduits", "changed", 1);
	assert_changes(d, "conduits", "mn-chukan",
	    "approval R8-0123 -> R8-0456");
	assert_text(d, "~ conduit mn-chukan: approval R8-0123 -> R8-0456\n");
	json_decref(d);
	policy_free(p);
}
END_TEST

START_TEST(conduit_added_removed)
{
	struct policy *p = edit("\nquarantine:\n",
	    "  - { name: mgmt-dmz,    from: mgmt,       to: dmz,        "
	    "services: [ssh] }\n\nquarantine:\n");
	json_t *d = policy_diff(alpha, p);

	assert_only(d, "conduits", "added", 1);
	assert_text(d, "+ conduit mgmt-dmz: mgmt -> dmz: ssh\n");
	json_decref(d);
	policy_free(p);

	p = edit("  - { name: q-sig,       from: quarantine, to: av-sig,     "
	    "services: [https] }\n", "");
	d = policy_diff(alpha, p);
	assert_only(d, "conduits", "removed", 1);
	assert_names(d, "conduits", "removed", "q-sig");
	assert_text(d, "- conduit q-sig: quarantine -> av-sig: https\n");
	json_decref(d);
	policy_free(p);
}
END_TEST

START_TEST(quarantine_changed)
{
	struct policy *p = edit("realtime: true }\n  release: auto",
	    "realtime: true }\n  release: approver");
	json_t *d = policy_diff(alpha, p), *q;

	q = json_object_get(d, "quarantine");
	ck_assert(json_is_true(json_object_get(q, "changed")));
	ck_assert_uint_eq(json_array_size(json_object_get(q, "changes")), 1);
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(q,
	    "changes"), 0)), "release auto -> approver");
	ck_assert(json_is_false(json_object_get(d, "empty")));
	assert_text(d, "~ quarantine: release auto -> approver\n");
	json_decref(d);
	policy_free(p);

	p = edit("signature_max_age: 2d", "signature_max_age: 36h");
	d = policy_diff(alpha, p);
	assert_text(d, "~ quarantine: signature_max_age 2d -> 36h\n");
	json_decref(d);
	policy_free(p);
}
END_TEST

START_TEST(model_changed)
{
	struct policy *p = edit("model: alpha", "model: beta");
	json_t *d = policy_diff(alpha, p), *m;

	m = json_object_get(d, "model");
	ck_assert_str_eq(json_string_value(json_object_get(m, "from")),
	    "alpha");
	ck_assert_str_eq(json_string_value(json_object_get(m, "to")), "beta");
	ck_assert(json_is_false(json_object_get(d, "empty")));
	ck_assert_uint_eq(count(d, "zones", "changed"), 0);
	assert_text(d, "~ model: alpha -> beta\n");
	json_decref(d);
	policy_free(p);
}
END_TEST

static Suite *
diff_suite(void)
{
	Suite *s = suite_create("policy-diff");
	TCase *tc = tcase_create("alpha");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, from_nothing);
	tcase_add_test(tc, same_policy);
	tcase_add_test(tc, zone_changed);
	tcase_add_test(tc, zone_added_removed);
	tcase_add_test(tc, host_changed);
	tcase_add_test(tc, service_changed);
	tcase_add_test(tc, conduit_changed);
	tcase_add_test(tc, conduit_added_removed);
	tcase_add_test(tc, quarantine_changed);
	tcase_add_test(tc, model_changed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(diff_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
