/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for two-person changes and exceptions: the store's rules
 * (self-approval, stale proposals, states, review), exception validation
 * against the α rules, and the approvals: settings. */
#include <sys/stat.h>

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../daemon/compile.h"
#include "../../daemon/policy-exception.h"
#include "../../daemon/settings.h"
#include "../../daemon/store-change.h"
#include "../../daemon/store.h"
#include "../../nftables/ruleset.h"
#include "unit-policy.h"
#include "tmpdir.h"

#define BASE	"1111111111111111111111111111111111111111111111111111111111111111"
#define OTHER	"2222222222222222222222222222222222222222222222222222222222222222"
#define CAND	"3333333333333333333333333333333333333333333333333333333333333333"

static char	 dir[] = "/tmp/sanso-change.XXXXXX";
static struct store *st;

static void
setup(void)
{
	char *cause = NULL;

	tmpdir_make(dir, sizeof(dir), "change");
	st = store_open(dir, &cause);
	ck_assert_msg(st != NULL, "store_open: %s", cause);
}

static void
teardown(void)
{
	store_close(st);
	st = NULL;
	tmpdir_remove(dir);
}

/* A proposal by @who against BASE; returns its id. */
static int64_t
propose(const char *who)
{
	struct change_proposal cp;

	memset(&cp, 0, sizeof(cp));
	cp.cp_name = "next.yaml";
	cp.cp_text = "version: 1\n";
	cp.cp_sha256 = CAND;
	cp.cp_base_sha256 = BASE;
	cp.cp_reason = "open tcp/3390 for the new terminal server";
	cp.cp_proposer = (char *)(uintptr_t)who;
	cp.cp_diff_text = "~ service rdp: ports +tcp/3390\n";
	cp.cp_created_ms = 1000;
	ck_assert_int_eq(store_change_propose(st, &cp), 0);
	ck_assert_int_gt(cp.cp_id, 0);
	return cp.cp_id;
}

static char *
state_of(int64_t id)
{
	struct change_proposal	 cp;
	char			*s;

	ck_assert_int_eq(store_change_get(st, id, false, &cp), STC_OK);
	s = strdup(cp.cp_state);
	change_proposal_free_fields(&cp);
	return s;
}

static void
assert_state(int64_t id, const char *want)
{
	char *s = state_of(id);

	ck_assert_str_eq(s, want);
	free(s);
}

START_TEST(self_approval_is_refused)
{
	int64_t id = propose("alice");

	/* 002 §8-1: the applicant is never the approver. */
	ck_assert_int_eq(store_change_approve(st, id, "alice", "looks fine",
	    BASE, 2000), STC_SELF);
	assert_state(id, "proposed");
	ck_assert_int_eq(store_change_approve(st, id, "bob", "checked the "
	    "diff", BASE, 2000), STC_OK);
	assert_state(id, "approved");
	/* Twice is a state error, not a second approval. */
	ck_assert_int_eq(store_change_approve(st, id, "carol", NULL, BASE,
	    2100), STC_STATE);
	ck_assert_int_eq(store_change_approve(st, 999, "bob", NULL, BASE,
	    2100), STC_NOT_FOUND);
}
END_TEST

START_TEST(stale_proposal_cannot_be_approved)
{
	int64_t id = propose("alice");

	ck_assert_int_eq(store_change_approve(st, id, "bob", NULL, OTHER,
	    2000), STC_STALE);
	assert_state(id, "stale");
	/* Once stale, always stale: nothing moves it on. */
	ck_assert_int_eq(store_change_approve(st, id, "bob", NULL, BASE,
	    2100), STC_STATE);
}
END_TEST

START_TEST(stale_proposal_cannot_be_applied)
{
	struct change_proposal	cp;
	int64_t			id = propose("alice");

	ck_assert_int_eq(store_change_approve(st, id, "bob", NULL, BASE,
	    2000), STC_OK);
	/* Someone applied another policy between approval and apply. */
	ck_assert_int_eq(store_change_check_apply(st, id, false, OTHER, 3000,
	    &cp), STC_STALE);
	assert_state(id, "stale");
}
END_TEST

START_TEST(apply_needs_approval_unless_break_glass)
{
	struct change_proposal		 cp;
	struct change_decision		*v;
	size_t				 n;
	int64_t				 id = propose("alice");

	ck_assert_int_eq(store_change_check_apply(st, id, false, BASE, 2000,
	    &cp), STC_STATE);
	ck_assert_int_eq(store_change_check_apply(st, id, true, BASE, 2000,
	    &cp), STC_OK);
	ck_assert_str_eq(cp.cp_text, "version: 1\n");
	change_proposal_free_fields(&cp);
	ck_assert_int_eq(store_change_applied(st, id, "alice", "outage, "
	    "INC-7", true, 2100), 0);
	assert_state(id, "applied");
	ck_assert_int_eq(store_decisions(st, "change", id, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[0].dc_action, "propose");
	ck_assert_str_eq(v[1].dc_action, "break-glass");
	ck_assert_str_eq(v[1].dc_actor, "alice");
	ck_assert_str_eq(v[1].dc_comment, "outage, INC-7");
	change_decisions_free(v, n);
}
END_TEST

START_TEST(decision_trail_is_append_only)
{
	struct change_decision	*v;
	size_t			 n;
	int64_t			 id = propose("alice");
	int			 rc;
	char			 path[64], *err = NULL;
	sqlite3			*db;

	ck_assert_int_eq(store_change_reject(st, id, "bob", "no ticket",
	    2000), STC_OK);
	ck_assert_int_eq(store_decisions(st, "change", id, &v, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(v[1].dc_action, "reject");
	change_decisions_free(v, n);
	snprintf(path, sizeof(path), "%s/store.db", dir);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, "DELETE FROM change_decisions", NULL, NULL,
	    &err);
	ck_assert_int_ne(rc, SQLITE_OK);
	ck_assert_ptr_nonnull(strstr(err, "append-only"));
	sqlite3_free(err);
	sqlite3_close(db);
}
END_TEST

static void
request_exception(int64_t *id, const char *who)
{
	static char		*svcs[] = { "tcp/8080" };
	struct change_exception	 ex;
	char			 conduit[32];

	ck_assert_int_eq(store_exception_next_id(st, id), 0);
	snprintf(conduit, sizeof(conduit), "x-%lld-web", (long long)*id);
	memset(&ex, 0, sizeof(ex));
	ex.ex_id = *id;
	ex.ex_conduit = conduit;
	ex.ex_from = "internet";
	ex.ex_to = "isc";
	ex.ex_services = svcs;
	ex.ex_n_services = 1;
	ex.ex_reason = "vendor maintenance";
	ex.ex_requester = (char *)(uintptr_t)who;
	ex.ex_duration_s = 3;
	ex.ex_created_ms = 1000;
	ck_assert_int_eq(store_exception_request(st, &ex), 0);
}

START_TEST(exception_life)
{
	struct change_exception	 ex, *v;
	int64_t			 id, *ids;
	size_t			 n;
	bool			 revoked;

	request_exception(&id, "alice");
	ck_assert_int_eq(id, 1);
	ck_assert_int_eq(store_exception_activate(st, id, "alice", NULL,
	    false, 5000, 2000), STC_SELF);
	ck_assert_int_eq(store_exception_activate(st, id, "bob", "ok", false,
	    5000, 2000), STC_OK);
	ck_assert_int_eq(store_exception_get(st, id, &ex), STC_OK);
	ck_assert_str_eq(ex.ex_state, "active");
	ck_assert_int_eq(ex.ex_expires_ms, 5000);
	ck_assert_uint_eq(ex.ex_n_services, 1);
	ck_assert_str_eq(ex.ex_services[0], "tcp/8080");
	change_exception_free_fields(&ex);
	ck_assert_int_eq(store_exception_list(st, true, &v, &n), 0);
	ck_assert_uint_eq(n, 1);
	change_exceptions_free(v, n);
	/* Not yet, then due. */
	ck_assert_int_eq(store_exception_expire(st, 4999, &ids, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(ids);
	ck_assert_int_eq(store_exception_expire(st, 5000, &ids, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(ids[0], id);
	free(ids);
	ck_assert_int_eq(store_exception_list(st, true, &v, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
	/* The register keeps it (002 §101). */
	ck_assert_int_eq(store_exception_get(st, id, &ex), STC_OK);
	ck_assert_str_eq(ex.ex_state, "expired");
	change_exception_free_fields(&ex);
	ck_assert_int_eq(store_exception_reject(st, id, "bob", "late", 6000,
	    &revoked), STC_STATE);

	request_exception(&id, "alice");
	ck_assert_int_eq(id, 2);
	ck_assert_int_eq(store_exception_reject(st, id, "bob", "no reason "
	    "given", 6000, &revoked), STC_OK);
	ck_assert(!revoked);
}
END_TEST

START_TEST(review_queue)
{
	struct review_item	*v;
	size_t			 n, total;
	int64_t			 id = propose("alice"), ex;

	ck_assert_int_eq(store_change_applied(st, id, "alice", "outage",
	    true, 2000), 0);
	ck_assert_int_eq(store_isolation_history(st, "isolate", "10.20.0.9",
	    "csirt1", "beacon", "INC-1", 3000), 0);
	request_exception(&ex, "alice");
	ck_assert_int_eq(store_exception_activate(st, ex, "alice", "night "
	    "outage", true, 9000, 3500), STC_OK);
	ck_assert_int_eq(store_review_list(st, true, 100, &v, &n, &total), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(total, 3);
	ck_assert_str_eq(v[0].rv_kind, "change");
	ck_assert_str_eq(v[1].rv_kind, "isolation");
	ck_assert_str_eq(v[1].rv_actor, "csirt1");
	ck_assert_str_eq(v[1].rv_ticket, "INC-1");
	ck_assert_str_eq(v[2].rv_kind, "exception");
	review_items_free(v, n);

	/* Nobody reviews what they did themselves. */
	ck_assert_int_eq(store_review_ack(st, "change", id, "alice", NULL,
	    4000), STC_SELF);
	ck_assert_int_eq(store_review_ack(st, "change", id, "ciso", "ok",
	    4000), STC_OK);
	ck_assert_int_eq(store_review_ack(st, "change", id, "ciso", "ok",
	    4100), STC_STATE);
	ck_assert_int_eq(store_review_ack(st, "isolation", 99, "ciso", NULL,
	    4100), STC_NOT_FOUND);
	ck_assert_int_eq(store_review_list(st, true, 100, &v, &n, &total), 0);
	ck_assert_uint_eq(n, 2);
	review_items_free(v, n);
	ck_assert_int_eq(store_review_list(st, false, 1, &v, &n, &total), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(total, 3);
	ck_assert_str_eq(v[0].rv_ack_actor, "ciso");
	review_items_free(v, n);
}
END_TEST

/* --- exception validation ------------------------------------------------ */

static char	*alpha_text;

static void
alpha_setup(void)
{
	alpha_text = unit_read_file("docs/policy-alpha.yaml");
	ck_assert_ptr_nonnull(alpha_text);
}

static void
alpha_teardown(void)
{
	free(alpha_text);
}

/* Merge one exception into the α policy; the joined messages in *msgs. */
static struct policy *
merge(const char *from, const char *to, const char *svc, const char *via,
    char **msgs)
{
	const char		*svcs[] = { svc };
	struct policy_exception	 e = {
		.pe_conduit = "x-7-test", .pe_from = from, .pe_to = to,
		.pe_services = svcs, .pe_n_services = 1, .pe_via = via,
		.pe_label = "exception 7",
	};
	struct policy		*p;
	struct diags		 d;
	size_t			 i, len = 0;
	char			*m;

	diags_init(&d, NULL, 0);
	p = policy_exception_merge("policy-alpha.yaml", alpha_text,
	    strlen(alpha_text), &e, 1, &d);
	*msgs = calloc(1, 1);
	for (i = 0; i < d.n; i++) {
		m = diag_format(&d.v[i]);
		*msgs = realloc(*msgs, len + strlen(m) + 2);
		strcpy(*msgs + len, m);
		len += strlen(m);
		(*msgs)[len++] = '\n';
		(*msgs)[len] = '\0';
		free(m);
	}
	diags_free(&d);
	return p;
}

START_TEST(exception_never_opens_mynumber_to_internet)
{
	char		*msgs;
	struct policy	*p;

	p = merge("mn-gw", "isc", "https", NULL, &msgs);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(msgs, "exception 7: error: conduit 'x-7-test': "
	    "joins mynumber host 'mn-gw'") != NULL, "got: %s", msgs);
	ck_assert_msg(strstr(msgs, "alpha-1") != NULL, "got: %s", msgs);
	free(msgs);
	/* Nor the other way round, nor with a port literal. */
	p = merge("internet", "mynumber", "tcp/8080", NULL, &msgs);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(msgs, "may never reach the "
	    "インターネット接続系"),
	    "got: %s", msgs);
	free(msgs);
}
END_TEST

START_TEST(exception_never_skips_the_sanitiser)
{
	char		*msgs;
	struct policy	*p;

	p = merge("lgwan", "internet", "https", NULL, &msgs);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(msgs, "alpha-3") != NULL, "got: %s", msgs);
	free(msgs);
	p = merge("lgwan", "screen-gw", "rdp", "screen-transfer", &msgs);
	ck_assert_msg(p != NULL, "a relayed exception is valid: %s", msgs);
	policy_free(p);
	free(msgs);
}
END_TEST

START_TEST(exception_compiles_with_its_own_counter)
{
	const struct rs_chain	*ch;
	struct ruleset		*rs;
	struct policy		*p;
	char			*msgs, *nft;

	p = merge("internet", "isc", "tcp/8080", NULL, &msgs);
	ck_assert_msg(p != NULL, "%s", msgs);
	ck_assert_str_eq(msgs, "");
	free(msgs);
	rs = compile_policy(p);
	ch = rs_find_chain(rs, CHAIN_FORWARD);
	ck_assert_ptr_nonnull(ch);
	nft = ruleset_to_nft(rs);
	ck_assert_ptr_nonnull(strstr(nft, "counter c_x-7-test"));
	ck_assert_ptr_nonnull(strstr(nft, "th dport 8080 counter name "
	    "\"c_x-7-test\" accept comment \"conduit x-7-test svc "
	    "x-tcp-8080 tcp/8080\""));
	free(nft);
	ruleset_free(rs);
	policy_free(p);
}
END_TEST

START_TEST(exception_unknown_names_and_bad_ports)
{
	char		*msgs, err[256];
	struct policy	*p;

	p = merge("internet", "nowhere", "https", NULL, &msgs);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(msgs, "'nowhere' is neither a zone nor a host"),
	    "got: %s", msgs);
	free(msgs);
	p = merge("internet", "isc", "gopher", NULL, &msgs);
	ck_assert_ptr_null(p);
	ck_assert_msg(strstr(msgs, "unknown service 'gopher'"), "got: %s",
	    msgs);
	free(msgs);
	ck_assert(!policy_exception_service_ok("tcp/70000", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "'tcp/70000' is not"));
	ck_assert(!policy_exception_service_ok("any", err, sizeof(err)));
	ck_assert(policy_exception_service_ok("udp/1000-2000", err,
	    sizeof(err)));
	ck_assert(policy_exception_service_ok("https", err, sizeof(err)));
}
END_TEST

START_TEST(merge_valid_keeps_what_still_fits)
{
	const char		*a[] = { "tcp/8080" }, *b[] = { "https" };
	struct policy_exception	 v[2] = {
		{ .pe_conduit = "x-1", .pe_from = "internet", .pe_to = "isc",
		  .pe_services = a, .pe_n_services = 1,
		  .pe_label = "exception 1" },
		/* Its zone is gone from this policy. */
		{ .pe_conduit = "x-2", .pe_from = "gone", .pe_to = "isc",
		  .pe_services = b, .pe_n_services = 1,
		  .pe_label = "exception 2" },
	};
	struct policy	*p;
	bool		 in_force[2];

	p = policy_exception_merge_valid("policy-alpha.yaml", alpha_text,
	    strlen(alpha_text), v, 2, in_force);
	ck_assert_ptr_nonnull(p);
	ck_assert(in_force[0]);
	ck_assert(!in_force[1]);
	ck_assert_uint_eq(p->p_n_conduits, 12);
	ck_assert_str_eq(p->p_conduits[11].cd_name, "x-1");
	policy_free(p);
}
END_TEST

START_TEST(approvals_settings)
{
	const char	*yaml = "approvals:\n  break_glass: true\n"
			    "  exception_max: 7d\n";
	const char	*bad = "approvals:\n  break_glass: yes please\n";
	struct settings	 s;
	struct diags	 d;

	settings_defaults(&s);
	ck_assert(!s.se_approvals.sp_break_glass);
	ck_assert_int_eq(s.se_approvals.sp_exception_max, 30L * 86400);
	settings_free(&s);
	diags_init(&d, yaml, strlen(yaml));
	ck_assert(settings_parse("sansod.yaml", yaml, strlen(yaml), &s, &d));
	ck_assert(s.se_approvals.sp_break_glass);
	ck_assert_int_eq(s.se_approvals.sp_exception_max, 7L * 86400);
	settings_free(&s);
	diags_free(&d);
	diags_init(&d, bad, strlen(bad));
	ck_assert(!settings_parse("sansod.yaml", bad, strlen(bad), &s, &d));
	ck_assert_uint_eq(d.n, 1);
	ck_assert_uint_eq(d.v[0].d_loc.line, 2);
	ck_assert_ptr_nonnull(strstr(d.v[0].d_msg, "break_glass"));
	settings_free(&s);
	diags_free(&d);
}
END_TEST

static Suite *
change_suite(void)
{
	Suite	*s = suite_create("change");
	TCase	*tc = tcase_create("store");
	TCase	*tv = tcase_create("validate");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, self_approval_is_refused);
	tcase_add_test(tc, stale_proposal_cannot_be_approved);
	tcase_add_test(tc, stale_proposal_cannot_be_applied);
	tcase_add_test(tc, apply_needs_approval_unless_break_glass);
	tcase_add_test(tc, decision_trail_is_append_only);
	tcase_add_test(tc, exception_life);
	tcase_add_test(tc, review_queue);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tv, alpha_setup, alpha_teardown);
	tcase_add_test(tv, exception_never_opens_mynumber_to_internet);
	tcase_add_test(tv, exception_never_skips_the_sanitiser);
	tcase_add_test(tv, exception_compiles_with_its_own_counter);
	tcase_add_test(tv, exception_unknown_names_and_bad_ports);
	tcase_add_test(tv, merge_valid_keeps_what_still_fits);
	tcase_add_test(tv, approvals_settings);
	suite_add_tcase(s, tv);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(change_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
