/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests for auth.c: password rules, scrypt, lockout, session expiry
 * (with a test clock), token scopes, unix groups and the auth: settings. */
#include <sys/stat.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../daemon/auth.h"
#include "../../daemon/diag.h"
#include "../../daemon/settings.h"
#include "../../daemon/settings-parse.h"
#include "../../daemon/store.h"
#include "../../daemon/xmalloc.h"
#include "tmpdir.h"

static char		 dir[] = "/tmp/sanso-auth.XXXXXX";
static struct store	*st;
static int64_t		 clock_now = 1700000000;

static int64_t
test_clock(void)
{
	return clock_now;
}

/* Install settings from YAML text (the auth: section and anything else). */
static void
use_settings(const char *yaml)
{
	struct settings	s;
	struct diags	d;

	diags_init(&d, yaml, strlen(yaml));
	if (!settings_parse("test.yaml", yaml, strlen(yaml), &s, &d)) {
		diags_print(stderr, &d);
		ck_abort_msg("settings refused");
	}
	diags_free(&d);
	settings_install(&s);
}

/* Settings that fail: the first message must contain @want. */
static void
settings_refused(const char *yaml, const char *want)
{
	struct settings	s;
	struct diags	d;
	bool		ok;

	diags_init(&d, yaml, strlen(yaml));
	ok = settings_parse("test.yaml", yaml, strlen(yaml), &s, &d);
	ck_assert_msg(!ok, "settings accepted: %s", yaml);
	ck_assert_uint_gt(d.n, 0);
	ck_assert_msg(strstr(d.v[0].d_msg, want) != NULL, "'%s' lacks '%s'",
	    d.v[0].d_msg, want);
	diags_free(&d);
	settings_free(&s);
}

static void
setup(void)
{
	char	*cause = NULL;

	tmpdir_make(dir, sizeof(dir), "auth");
	st = store_open(dir, &cause);
	ck_assert_msg(st != NULL, "store_open: %s", cause);
	auth_init(st);
	clock_now = 1700000000;
	auth_set_clock(test_clock);
	/* A cheap scrypt keeps the flow tests fast; the hash test uses the
	 * product default. */
	use_settings("auth:\n  scrypt_n: 1024\n  session_idle: 15m\n"
	    "  session_absolute: 1h\n");
}

static void
teardown(void)
{
	auth_init(NULL);
	auth_set_clock(NULL);
	store_close(st);
	st = NULL;
	tmpdir_remove(dir);
	settings_clear();
}

START_TEST(password_rules_defaults)
{
	struct settings_auth	a;
	char			why[160];

	settings_auth_defaults(&a);
	ck_assert(!auth_password_ok(&a, "Short-1a", why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "at least 12 characters"));
	ck_assert(!auth_password_ok(&a, "nouppercase-123", why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "upper-case"));
	ck_assert(!auth_password_ok(&a, "NOLOWERCASE-123", why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "lower-case"));
	ck_assert(!auth_password_ok(&a, "OnlyLettersHere", why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "digit or a symbol"));
	ck_assert(!auth_password_ok(&a, "Tab\there-is-bad1", why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "control"));
	ck_assert(auth_password_ok(&a, "Correct-Horse9", why, sizeof(why)));
	ck_assert(auth_password_ok(&a, "Abcdefghijk!", why, sizeof(why)));
	/* Twelve characters, not bytes: ten kana (30 bytes) + "Ab". */
	ck_assert(auth_password_ok(&a, "Abさくらさくらさくらさ", why,
	    sizeof(why)));
	ck_assert(!auth_password_ok(&a, "Abさくら", why, sizeof(why)));
	settings_auth_free(&a);
}
END_TEST

START_TEST(password_rules_configured)
{
	const struct settings_auth	*a;
	char				 why[160];

	use_settings("auth:\n  password_min_length: 8\n"
	    "  password_upper: false\n  password_digit_or_symbol: false\n");
	a = &settings_current()->se_auth;
	ck_assert(auth_password_ok(a, "lowercase", why, sizeof(why)));
	ck_assert(!auth_password_ok(a, "short", why, sizeof(why)));
	ck_assert_ptr_nonnull(strstr(why, "at least 8"));
	ck_assert(!auth_password_ok(a, "ALLUPPERCASE", why, sizeof(why)));
}
END_TEST

START_TEST(scrypt_hash_verify)
{
	struct auth_hash	h1, h2;

	/* The product default cost: N=2^15, r=8, p=1. */
	ck_assert_int_eq(auth_hash_password("Correct-Horse9", 1u << 15, 8, 1,
	    &h1), 0);
	ck_assert_uint_eq(h1.ah_n, 1u << 15);
	ck_assert(auth_verify_password("Correct-Horse9", &h1));
	ck_assert(!auth_verify_password("Correct-Horse8", &h1));
	ck_assert(!auth_verify_password("", &h1));
	/* Same password, another salt, another hash. */
	ck_assert_int_eq(auth_hash_password("Correct-Horse9", 1024, 8, 1,
	    &h2), 0);
	ck_assert(memcmp(h1.ah_salt, h2.ah_salt, AUTH_SALT_LEN) != 0);
	ck_assert(memcmp(h1.ah_key, h2.ah_key, AUTH_KEY_LEN) != 0);
	ck_assert(auth_verify_password("Correct-Horse9", &h2));
	/* The cost is part of the hash: another N does not verify. */
	h2.ah_n = 2048;
	ck_assert(!auth_verify_password("Correct-Horse9", &h2));
}
END_TEST

START_TEST(lockout_arithmetic)
{
	struct settings_auth	a;
	struct auth_user	u;
	int			i;

	settings_auth_defaults(&a);
	memset(&u, 0, sizeof(u));
	for (i = 1; i < 5; i++) {
		ck_assert(!auth_lockout_failure(&a, &u.au_failed,
		    &u.au_locked_until, 1000));
		ck_assert_uint_eq(u.au_failed, (unsigned)i);
	}
	ck_assert(auth_lockout_failure(&a, &u.au_failed, &u.au_locked_until,
	    1000));
	ck_assert_int_eq(u.au_locked_until, 1000 + 15 * 60);
	ck_assert_uint_eq(u.au_failed, 0);
	ck_assert(auth_is_locked(&u, 1000 + 15 * 60 - 1));
	ck_assert(!auth_is_locked(&u, 1000 + 15 * 60));
	/* After the lockout, the count starts afresh. */
	ck_assert(!auth_lockout_failure(&a, &u.au_failed, &u.au_locked_until,
	    1000 + 15 * 60 + 1));
	ck_assert_uint_eq(u.au_failed, 1);
	ck_assert_int_eq(u.au_locked_until, 0);
	/* An administrator's lock has no end. */
	u.au_disabled = true;
	ck_assert(auth_is_locked(&u, INT64_MAX));
	settings_auth_free(&a);
}
END_TEST

START_TEST(session_state_arithmetic)
{
	struct settings_auth	a;

	settings_auth_defaults(&a);	/* 15 min idle, 8 h absolute */
	ck_assert_int_eq(auth_session_state(&a, 0, 0, 899), AUTH_SESSION_LIVE);
	ck_assert_int_eq(auth_session_state(&a, 0, 0, 900), AUTH_SESSION_IDLE);
	ck_assert_int_eq(auth_session_state(&a, 0, 28000, 28799),
	    AUTH_SESSION_LIVE);
	ck_assert_int_eq(auth_session_state(&a, 0, 28799, 28800),
	    AUTH_SESSION_ABSOLUTE);
	ck_assert_int_eq(auth_session_end(&a, 0, 100), 1000);
	ck_assert_int_eq(auth_session_end(&a, 0, 28000), 28800);
	settings_auth_free(&a);
}
END_TEST

/* An account with a changed (non-temporary) password; returns a cookie. */
static void
make_user(const char *name, const char *role, const char *password,
    char *cookie, size_t len, struct auth_principal *p)
{
	struct auth_error	e;
	char			temp[AUTH_TEMP_PASSWORD_LEN + 1];
	char			tok[AUTH_SECRET_HEX + 1];

	ck_assert_msg(auth_user_add("test", name, role, temp, &e), "%s",
	    e.ae_message);
	ck_assert_msg(auth_login(name, temp, "127.0.0.1", tok, p, &e), "%s",
	    e.ae_message);
	ck_assert(p->ap_must_change);
	ck_assert_msg(auth_password_change(p, temp, password, &e), "%s",
	    e.ae_message);
	ck_assert_msg(auth_login(name, password, "127.0.0.1", tok, p, &e),
	    "%s", e.ae_message);
	ck_assert(!p->ap_must_change);
	snprintf(cookie, len, "lang=ja; " AUTH_COOKIE "=%s", tok);
}

START_TEST(session_idle_and_absolute_expiry)
{
	struct auth_principal	p;
	struct auth_error	e;
	char			cookie[128];
	int			i;

	make_user("alice", "operator", "Correct-Horse9", cookie,
	    sizeof(cookie), &p);
	ck_assert_str_eq(p.ap_role, "operator");
	ck_assert(auth_authenticate(cookie, NULL, &p, &e));
	ck_assert_int_eq(p.ap_via, AUTH_VIA_SESSION);
	ck_assert_str_eq(p.ap_user, "alice");
	/* Used every 14 minutes: lives until the absolute hour. */
	for (i = 0; i < 4; i++) {
		clock_now += 14 * 60;
		ck_assert_msg(auth_authenticate(cookie, NULL, &p, &e),
		    "after %d uses: %s", i, e.ae_message);
	}
	clock_now += 4 * 60 + 1;	/* 60 min 1 s after login */
	ck_assert(!auth_authenticate(cookie, NULL, &p, &e));
	ck_assert_int_eq(e.ae_status, AUTH_EXPIRED);
	ck_assert_str_eq(e.ae_code, "session_expired");
	ck_assert_ptr_nonnull(strstr(e.ae_message, "too old"));

	/* Idle: 15 minutes unused ends it, and it stays ended. */
	make_user("bob", "viewer", "Correct-Horse9", cookie, sizeof(cookie),
	    &p);
	clock_now += 15 * 60 - 1;
	ck_assert(auth_authenticate(cookie, NULL, &p, &e));
	clock_now += 15 * 60;
	ck_assert(!auth_authenticate(cookie, NULL, &p, &e));
	ck_assert_ptr_nonnull(strstr(e.ae_message, "unused"));
	clock_now -= 15 * 60;
	ck_assert(!auth_authenticate(cookie, NULL, &p, &e));

	/* Logout ends it at once; an unknown cookie is no session. */
	make_user("carol", "viewer", "Correct-Horse9", cookie, sizeof(cookie),
	    &p);
	ck_assert(auth_logout(&p, &e));
	ck_assert(!auth_authenticate(cookie, NULL, &p, &e));
	ck_assert(!auth_authenticate(AUTH_COOKIE "=00", NULL, &p, &e));
	ck_assert(!auth_authenticate(NULL, NULL, &p, &e));
	ck_assert_int_eq(e.ae_status, AUTH_NO_CREDENTIALS);
}
END_TEST

START_TEST(login_lockout_and_unlock)
{
	struct auth_principal	p, admin;
	struct auth_error	e;
	char			tok[AUTH_SECRET_HEX + 1], cookie[128];
	int			i;

	use_settings("auth:\n  scrypt_n: 1024\n  lockout_attempts: 3\n"
	    "  lockout_duration: 2m\n");
	make_user("dave", "csirt", "Correct-Horse9", cookie, sizeof(cookie),
	    &p);
	for (i = 0; i < 3; i++) {
		ck_assert(!auth_login("dave", "Wrong-Horse9", "10.0.0.9", tok,
		    &p, &e));
		ck_assert_int_eq(e.ae_status, AUTH_BAD_CREDENTIALS);
	}
	/* Locked: even the right password is refused, and says until when. */
	ck_assert(!auth_login("dave", "Correct-Horse9", "10.0.0.9", tok, &p,
	    &e));
	ck_assert_int_eq(e.ae_status, AUTH_LOCKED);
	ck_assert_ptr_nonnull(strstr(e.ae_message, "until"));
	/* The open session ends with the lockout. */
	ck_assert(!auth_authenticate(cookie, NULL, &p, &e));
	clock_now += 119;
	ck_assert(!auth_login("dave", "Correct-Horse9", NULL, tok, &p, &e));
	clock_now += 1;
	ck_assert_msg(auth_login("dave", "Correct-Horse9", NULL, tok, &p, &e),
	    "%s", e.ae_message);

	/* An administrator's lock holds until unlocked, and unlock also
	 * ends a lockout. */
	make_user("erin", "admin", "Correct-Horse9", cookie, sizeof(cookie),
	    &admin);
	ck_assert(auth_user_lock(&admin, "dave", true, &e));
	clock_now += 86400;
	ck_assert(!auth_login("dave", "Correct-Horse9", NULL, tok, &p, &e));
	ck_assert_int_eq(e.ae_status, AUTH_LOCKED);
	ck_assert(auth_user_lock(&admin, "dave", false, &e));
	ck_assert(auth_login("dave", "Correct-Horse9", NULL, tok, &p, &e));
	/* Nobody locks or deletes themselves, or the last administrator. */
	ck_assert(!auth_user_lock(&admin, "erin", true, &e));
	ck_assert_int_eq(e.ae_status, AUTH_REFUSED);
	ck_assert(!auth_user_delete(&admin, "erin", &e));
	ck_assert(!auth_login("nobody", "Correct-Horse9", NULL, tok, &p, &e));
	ck_assert_int_eq(e.ae_status, AUTH_BAD_CREDENTIALS);
}
END_TEST

START_TEST(temporary_password_and_history)
{
	struct auth_principal	p;
	struct auth_error	e;
	char			tok[AUTH_SECRET_HEX + 1], cookie[128];
	char			temp[AUTH_TEMP_PASSWORD_LEN + 1];
	char			pw[6][32];
	int			i;

	make_user("frank", "viewer", "Correct-Horse0", cookie, sizeof(cookie),
	    &p);
	/* Five changes in a row: none of the last five again. */
	for (i = 1; i <= 5; i++) {
		snprintf(pw[i], sizeof(pw[i]), "Correct-Horse%d", i);
		ck_assert_msg(auth_password_change(&p, i == 1 ?
		    "Correct-Horse0" : pw[i - 1], pw[i], &e), "%s",
		    e.ae_message);
	}
	ck_assert(!auth_password_change(&p, pw[5], pw[5], &e));
	ck_assert_str_eq(e.ae_code, "password_reused");
	ck_assert(!auth_password_change(&p, pw[5], "Correct-Horse2", &e));
	ck_assert_str_eq(e.ae_code, "password_reused");
	/* The sixth back is allowed again. */
	ck_assert_msg(auth_password_change(&p, pw[5], "Correct-Horse0", &e),
	    "%s", e.ae_message);
	ck_assert(!auth_password_change(&p, "Correct-Horse0", "weak", &e));
	ck_assert_str_eq(e.ae_code, "weak_password");
	ck_assert(!auth_password_change(&p, "not-it", "Correct-Horse7", &e));
	ck_assert_str_eq(e.ae_field, "current");

	/* An administrator's reset gives a temporary password. */
	ck_assert(auth_user_reset("admin", "frank", temp, &e));
	ck_assert_uint_eq(strlen(temp), AUTH_TEMP_PASSWORD_LEN);
	ck_assert(!auth_authenticate(cookie, NULL, &p, &e));
	ck_assert(auth_login("frank", temp, NULL, tok, &p, &e));
	ck_assert(p.ap_must_change);
	ck_assert(auth_allows(&p, AUTH_AUTHENTICATED));
}
END_TEST

START_TEST(token_scope_subset)
{
	const struct settings_auth	*a;
	const struct settings_role	*op;
	struct auth_principal		 p, tp;
	struct auth_token_row		 t;
	struct auth_error		 e;
	const char			*bad;
	char				 secret[80], cookie[128], auth[128];
	char				*ok[] = { "policy.check",
					    "status.read" };
	char				*no[] = { "policy.check",
					    "isolation.write" };
	char				*unknown[] = { "policy.explode" };
	char				*iso[] = { "isolation.read" };

	a = &settings_current()->se_auth;
	op = settings_auth_role(a, "operator");
	ck_assert_ptr_nonnull(op);
	ck_assert(auth_scope_subset(op, ok, 2, &bad));
	ck_assert(!auth_scope_subset(op, no, 2, &bad));
	ck_assert_str_eq(bad, "isolation.write");
	ck_assert(!auth_scope_subset(op, unknown, 1, &bad));
	ck_assert(!auth_scope_subset(settings_auth_role(a, "csirt"), ok, 1,
	    &bad));

	make_user("gina", "csirt", "Correct-Horse9", cookie, sizeof(cookie),
	    &p);
	ck_assert(!auth_token_create(&p, NULL, "soar", ok, 1, 0, secret, &t,
	    &e));
	ck_assert_str_eq(e.ae_code, "forbidden");
	ck_assert_msg(auth_token_create(&p, NULL, "soar", iso, 1, 3600, secret,
	    &t, &e), "%s", e.ae_message);
	ck_assert_int_eq(t.tk_expires, clock_now + 3600);
	store_auth_token_free(&t);
	ck_assert_uint_eq(strlen(secret), strlen(AUTH_TOKEN_PREFIX) +
	    AUTH_SECRET_HEX);
	snprintf(auth, sizeof(auth), "Bearer %s", secret);
	ck_assert(auth_authenticate(NULL, auth, &tp, &e));
	ck_assert_int_eq(tp.ap_via, AUTH_VIA_TOKEN);
	ck_assert(auth_allows(&tp, "isolation.read"));
	/* csirt may write isolations, this token may not. */
	ck_assert(auth_allows(&p, "isolation.write"));
	ck_assert(!auth_allows(&tp, "isolation.write"));
	/* Expiry. */
	clock_now += 3600;
	ck_assert(!auth_authenticate(NULL, auth, &tp, &e));
	ck_assert_str_eq(e.ae_code, "token_expired");
	ck_assert(!auth_authenticate(NULL, "Basic Zm9vOmJhcg==", &tp, &e));
	ck_assert(!auth_authenticate(NULL, "Bearer sanso_00", &tp, &e));
	ck_assert_str_eq(e.ae_code, "invalid_token");
}
END_TEST

START_TEST(unix_groups_first_match)
{
	struct auth_principal	p;
	gid_t			g[2] = { 0, 0 };

	ck_assert(auth_unix(0, g, 1, &p));
	ck_assert_str_eq(p.ap_role, "superuser");
	ck_assert_str_eq(p.ap_user, "root");
	ck_assert(auth_allows(&p, "policy.apply"));
	ck_assert(auth_allows(&p, "users.admin"));
	g[0] = 65534;
	ck_assert(!auth_unix(65534, g, 1, &p));
	/* A group mapped in the settings: first listed match wins. */
	use_settings("auth:\n  unix_groups:\n    root: viewer\n"
	    "    nogroup: csirt\n");
	ck_assert(auth_unix(65534, g, 1, &p));
	ck_assert_str_eq(p.ap_role, "csirt");
	ck_assert(auth_allows(&p, "isolation.write"));
	ck_assert(!auth_allows(&p, "users.admin"));
	g[1] = 0;
	ck_assert(auth_unix(65534, g, 2, &p));
	ck_assert_str_eq(p.ap_role, "viewer");
	ck_assert(!auth_allows(&p, "isolation.write"));
}
END_TEST

START_TEST(roles_settings)
{
	const struct settings_auth	*a;
	const struct settings_role	*r;

	use_settings("auth:\n  roles:\n"
	    "    jouhou-kanri: [status.read, \"policy.*\"]\n"
	    "    kanri-sha:\n      permissions: [\"*\"]\n"
	    "      zones: [lgwan, internet]\n"
	    "  unix_groups:\n    root: kanri-sha\n");
	a = &settings_current()->se_auth;
	ck_assert_uint_eq(a->sa_n_roles, 2);
	ck_assert_ptr_null(settings_auth_role(a, "operator"));
	r = settings_auth_role(a, "jouhou-kanri");
	ck_assert(settings_auth_role_grants(r, "policy.apply"));
	ck_assert(!settings_auth_role_grants(r, "policy"));
	ck_assert(!settings_auth_role_grants(r, "isolation.read"));
	r = settings_auth_role(a, "kanri-sha");
	ck_assert_uint_eq(r->sr_n_zones, 2);
	ck_assert(settings_auth_role_grants(r, "users.admin"));

	settings_refused("auth:\n  roles:\n    x: [policy.explode]\n",
	    "unknown permission 'policy.explode'");
	settings_refused("auth:\n  roles:\n    x: [\"nothing.*\"]\n",
	    "unknown permission");
	settings_refused("auth:\n  roles:\n    x: [status.read]\n",
	    "which auth.roles does not define");
	settings_refused("auth:\n  unix_groups:\n    sanso: chief\n",
	    "maps to role 'chief'");
	settings_refused("auth:\n  scrypt_n: 1000\n", "power of two");
	settings_refused("auth:\n  lockout_attempts: 0\n", "at least 1");
	settings_refused("auth:\n  session_idle: 9h\n", "session_absolute");
}
END_TEST

START_TEST(init_admin_once)
{
	char	 temp[AUTH_TEMP_PASSWORD_LEN + 1], tok[AUTH_SECRET_HEX + 1];
	char	*cause = NULL;
	struct auth_principal p;
	struct auth_error e;

	ck_assert_int_eq(auth_init_admin(st, "root-admin", temp, &cause), 0);
	ck_assert(auth_login("root-admin", temp, NULL, tok, &p, &e));
	ck_assert_str_eq(p.ap_role, "admin");
	ck_assert(p.ap_must_change);
	ck_assert_int_eq(auth_init_admin(st, "second", temp, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "exists already"));
	free(cause);
}
END_TEST

static Suite *
auth_suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*tc = tcase_create("auth");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, password_rules_defaults);
	tcase_add_test(tc, password_rules_configured);
	tcase_add_test(tc, scrypt_hash_verify);
	tcase_add_test(tc, lockout_arithmetic);
	tcase_add_test(tc, session_state_arithmetic);
	tcase_add_test(tc, session_idle_and_absolute_expiry);
	tcase_add_test(tc, login_lockout_and_unlock);
	tcase_add_test(tc, temporary_password_and_history);
	tcase_add_test(tc, token_scope_subset);
	tcase_add_test(tc, unix_groups_first_match);
	tcase_add_test(tc, roles_settings);
	tcase_add_test(tc, init_admin_once);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(auth_suite());
	int	 nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
