/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests for the audit chain: the canonical encoding against a value
 * computed independently from docs/audit.md, and audit_verify() on a real
 * store.db changed behind sansod's back the way the sqlite3 tool would
 * (triggers dropped, rows edited, deleted, swapped, added, cut off).
 * audit.c belongs to sansod, not to libsanso-core, so it is compiled in.
 */
#include <sys/stat.h>

#include <check.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "../../daemon/audit.c"
#include "tmpdir.h"

static char	 dir[] = "/tmp/sanso-audit.XXXXXX";
static char	 dbpath[sizeof(dir) + 16];
static char	 keypath[sizeof(dir) + 16];
static struct store *st;

static void
open_all(void)
{
	char	*cause = NULL;

	st = store_open(dir, &cause);
	ck_assert_msg(st != NULL, "store_open: %s", cause);
	ck_assert_msg(audit_init(st, dir, &cause) == 0, "audit_init: %s",
	    cause);
}

static void
close_all(void)
{
	audit_free();
	store_close(st);
	st = NULL;
}

static void
setup(void)
{
	tmpdir_make(dir, sizeof(dir), "audit");
	snprintf(dbpath, sizeof(dbpath), "%s/store.db", dir);
	snprintf(keypath, sizeof(keypath), "%s/audit.key", dir);
	open_all();
}

static void
teardown(void)
{
	close_all();
	tmpdir_remove(dir);
}

/* What an attacker with the sqlite3 tool does: triggers first. */
static int
raw_exec(const char *sql)
{
	sqlite3	*db;
	int	 rc;

	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

static void
tamper(const char *sql)
{
	ck_assert_int_eq(raw_exec("DROP TRIGGER IF EXISTS audit_no_update;"
	    "DROP TRIGGER IF EXISTS audit_no_delete;"
	    "DROP TRIGGER IF EXISTS audit_head_no_delete;"), SQLITE_OK);
	ck_assert_msg(raw_exec(sql) == SQLITE_OK, "%s", sql);
}

/* Entries 2..n+1 after the chain's first ("audit.start"). */
static void
append_n(int n)
{
	char	target[32];
	int	i;

	for (i = 0; i < n; i++) {
		snprintf(target, sizeof(target), "10.0.0.%d", i + 1);
		ck_assert_int_eq(audit_append(i % 2 ? "bob" : "alice", "unix",
		    i % 2 ? "isolation.release" : "isolation.add", target,
		    NULL, NULL, NULL, "ok", json_pack("{s:s}", "reason",
		    "test")), 0);
	}
}

static void
expect_bad(int64_t seq, const char *kind)
{
	struct audit_verify v;

	ck_assert_int_eq(audit_verify(&v), 0);
	ck_assert_msg(!v.av_intact, "verify passed a tampered chain");
	ck_assert_msg(v.av_bad_seq == seq && v.av_kind != NULL &&
	    strcmp(v.av_kind, kind) == 0, "expected %s at %lld, got %s at "
	    "%lld: %s", kind, (long long)seq, v.av_kind ? v.av_kind : "-",
	    (long long)v.av_bad_seq, v.av_message);
}

static void
expect_intact(int64_t rows)
{
	struct audit_verify v;

	ck_assert_int_eq(audit_verify(&v), 0);
	ck_assert_msg(v.av_intact, "not intact: %s", v.av_message);
	ck_assert_int_eq(v.av_rows, rows);
	ck_assert_int_eq(v.av_head.ah_seq, rows);
}

START_TEST(canonical_known_answer)
{
	struct audit_entry	e;
	char			h[AUDIT_HEX];

	/* The value docs/audit.md's encoding gives, computed apart from
	 * this code (Python: struct.pack('>q', ...) and hashlib). */
	memset(&e, 0, sizeof(e));
	e.ae_seq = 1;
	e.ae_at_ms = 1700000000000LL;
	e.ae_actor = (char *)(uintptr_t)"alice";
	e.ae_role = (char *)(uintptr_t)"unix";
	e.ae_action = (char *)(uintptr_t)"policy.apply";
	e.ae_target = (char *)(uintptr_t)"p.yaml";
	e.ae_after = (char *)(uintptr_t)
	    "abababababababababababababababababababababababababababababababab";
	e.ae_result = (char *)(uintptr_t)"ok";
	e.ae_detail = (char *)(uintptr_t)"{\"message\":\"x\"}";
	memcpy(e.ae_prev, AUDIT_GENESIS, AUDIT_HEX);
	audit_entry_hash(&e, h);
	ck_assert_str_eq(h,
	    "f9776c0fbd29f76c1761e10dd595fcbc64286be689d98f6ca411d292db1d2319");
}
END_TEST

START_TEST(canonical_unambiguous)
{
	struct audit_entry	a, b;
	char			ha[AUDIT_HEX], hb[AUDIT_HEX];

	/* Moving a boundary between fields, or NULL against "", must
	 * change the hash. */
	memset(&a, 0, sizeof(a));
	a.ae_actor = (char *)(uintptr_t)"ab";
	a.ae_role = (char *)(uintptr_t)"c";
	a.ae_action = (char *)(uintptr_t)"x";
	memcpy(a.ae_prev, AUDIT_GENESIS, AUDIT_HEX);
	b = a;
	b.ae_actor = (char *)(uintptr_t)"a";
	b.ae_role = (char *)(uintptr_t)"bc";
	audit_entry_hash(&a, ha);
	audit_entry_hash(&b, hb);
	ck_assert_str_ne(ha, hb);
	b = a;
	b.ae_approvals = (char *)(uintptr_t)"";
	audit_entry_hash(&b, hb);
	ck_assert_str_ne(ha, hb);
	b = a;
	b.ae_seq = 2;
	audit_entry_hash(&b, hb);
	ck_assert_str_ne(ha, hb);
	b = a;
	b.ae_prev[63] = '1';
	audit_entry_hash(&b, hb);
	ck_assert_str_ne(ha, hb);
	/* And the same fields give the same hash. */
	b = a;
	audit_entry_hash(&b, hb);
	ck_assert_str_eq(ha, hb);
}
END_TEST

START_TEST(fresh_chain_and_key)
{
	struct stat sb;

	/* The first start made a 0600 key and the chain's first entry. */
	ck_assert_int_eq(stat(keypath, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(sb.st_size, AUDIT_KEY_BYTES);
	expect_intact(1);
	append_n(5);
	expect_intact(6);
	ck_assert_uint_eq(audit_alarms(), 0);
	ck_assert_int_eq(audit_last_seq(), 6);
	ck_assert_uint_eq(audit_appended(), 6);
}
END_TEST

START_TEST(triggers_refuse_update_and_delete)
{
	append_n(2);
	ck_assert_int_ne(raw_exec("UPDATE audit SET actor = 'x' WHERE seq = 2"),
	    SQLITE_OK);
	ck_assert_int_ne(raw_exec("DELETE FROM audit WHERE seq = 3"),
	    SQLITE_OK);
	ck_assert_int_ne(raw_exec("DELETE FROM audit_head"), SQLITE_OK);
	expect_intact(3);
}
END_TEST

START_TEST(edited_row)
{
	append_n(5);
	tamper("UPDATE audit SET actor = 'mallory' WHERE seq = 4");
	expect_bad(4, "edited");
}
END_TEST

START_TEST(edited_hash_column)
{
	append_n(5);
	/* Recomputing one row's hash is not enough: the next one does not
	 * follow it any more. */
	tamper("UPDATE audit SET hash = "
	    "'1111111111111111111111111111111111111111111111111111111111111111'"
	    " WHERE seq = 3");
	expect_bad(3, "edited");
}
END_TEST

/* Recompute the stored hash of entry @seq from its (edited) fields, as an
 * attacker who read docs/audit.md would. */
static void
raw_rehash(int64_t seq)
{
	struct audit_entry	 e;
	sqlite3			*db;
	sqlite3_stmt		*stmt;
	char			 sql[256];
	int			 i;
	char			**f[] = { &e.ae_actor, &e.ae_role, &e.ae_action,
				    &e.ae_target, &e.ae_before, &e.ae_after,
				    &e.ae_approvals, &e.ae_result, &e.ae_detail };

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(sqlite3_open(dbpath, &db), SQLITE_OK);
	snprintf(sql, sizeof(sql), "SELECT seq, at_ms, actor, role, action, "
	    "target, before_sha256, after_sha256, approvals, result, detail, "
	    "prev_hash FROM audit WHERE seq = %lld", (long long)seq);
	ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(stmt), SQLITE_ROW);
	e.ae_seq = sqlite3_column_int64(stmt, 0);
	e.ae_at_ms = sqlite3_column_int64(stmt, 1);
	for (i = 0; i < 9; i++)
		if (sqlite3_column_type(stmt, i + 2) != SQLITE_NULL)
			*f[i] = xstrdup((const char *)sqlite3_column_text(stmt,
			    i + 2));
	snprintf(e.ae_prev, AUDIT_HEX, "%s",
	    (const char *)sqlite3_column_text(stmt, 11));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	audit_entry_hash(&e, e.ae_hash);
	snprintf(sql, sizeof(sql), "UPDATE audit SET hash = '%s' WHERE seq = "
	    "%lld", e.ae_hash, (long long)seq);
	audit_entry_free_fields(&e);
	tamper(sql);
}

START_TEST(rehashed_row)
{
	append_n(5);
	/* The edited entry's own hash recomputed: the next entry still
	 * names the old one. */
	tamper("UPDATE audit SET actor = 'mallory' WHERE seq = 3");
	raw_rehash(3);
	expect_bad(3, "edited");
}
END_TEST

START_TEST(deleted_row)
{
	append_n(5);
	tamper("DELETE FROM audit WHERE seq = 3");
	expect_bad(3, "deleted");
}
END_TEST

START_TEST(swapped_rows)
{
	append_n(5);
	tamper("UPDATE audit SET seq = -1 WHERE seq = 2;"
	    "UPDATE audit SET seq = 2 WHERE seq = 5;"
	    "UPDATE audit SET seq = 5 WHERE seq = -1");
	expect_bad(2, "reordered");
}
END_TEST

START_TEST(truncated_tail)
{
	append_n(5);
	tamper("DELETE FROM audit WHERE seq >= 5");
	expect_bad(5, "truncated");
}
END_TEST

START_TEST(inserted_after_head)
{
	append_n(3);
	tamper("INSERT INTO audit SELECT seq + 1, at_ms, actor, role, action, "
	    "target, before_sha256, after_sha256, approvals, result, detail, "
	    "hash, hash FROM audit WHERE seq = 4");
	expect_bad(5, "inserted");
}
END_TEST

START_TEST(forged_head)
{
	append_n(3);
	tamper("UPDATE audit_head SET mac = "
	    "'0000000000000000000000000000000000000000000000000000000000000000'");
	expect_bad(4, "head");
}
END_TEST

START_TEST(head_and_tail_deleted)
{
	append_n(3);
	tamper("DELETE FROM audit WHERE seq = 4; DELETE FROM audit_head");
	expect_bad(4, "head");
}
END_TEST

START_TEST(restart_continues_chain)
{
	append_n(3);
	close_all();
	open_all();
	append_n(2);
	expect_intact(6);
}
END_TEST

START_TEST(truncation_survives_restart)
{
	/* The head is the anchor: after a restart new entries follow it,
	 * not the cut-down table, so the gap stays visible. */
	append_n(4);
	tamper("DELETE FROM audit WHERE seq >= 4");
	close_all();
	open_all();
	ck_assert_uint_eq(audit_alarms(), 1);
	append_n(1);
	expect_bad(4, "deleted");
}
END_TEST

START_TEST(replaced_key)
{
	int fd;

	append_n(2);
	close_all();
	/* Another key: the head no longer verifies, and appends do not
	 * re-anchor the chain with it. */
	ck_assert_int_eq(unlink(keypath), 0);
	fd = open(keypath, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "0123456789abcdef0123456789abcdef", 32),
	    32);
	close(fd);
	open_all();
	ck_assert_uint_eq(audit_alarms(), 1);
	append_n(1);
	expect_bad(3, "head");
}
END_TEST

START_TEST(key_readable_by_others_refused)
{
	char *cause = NULL;

	close_all();
	ck_assert_int_eq(chmod(keypath, 0644), 0);
	st = store_open(dir, &cause);
	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(audit_init(st, dir, &cause), -1);
	ck_assert_ptr_nonnull(strstr(cause, "group or others"));
	free(cause);
	ck_assert_int_eq(chmod(keypath, 0600), 0);
	audit_free();
	store_close(st);
	open_all();
}
END_TEST

struct list_count {
	int	n;
	char	last_action[64];
};

static int
list_cb(const struct audit_entry *e, void *arg)
{
	struct list_count *c = arg;

	c->n++;
	snprintf(c->last_action, sizeof(c->last_action), "%s", e->ae_action);
	return 0;
}

START_TEST(bulk_one_entry_and_filters)
{
	const char		*targets[] = { "10.0.0.1", "10.0.0.2",
				    "10.0.0.3" };
	struct audit_filter	 f;
	struct list_count	 c;
	struct isolation	 rows[2];

	audit_isolation_bulk("carol", "unix", targets, 3, 3, 0, "worm", "T-1",
	    0);
	memset(rows, 0, sizeof(rows));
	rows[0].is_target = (char *)(uintptr_t)"10.0.0.1";
	rows[0].is_kind = (char *)(uintptr_t)"ip";
	rows[0].is_reason = (char *)(uintptr_t)"worm";
	rows[0].is_actor = (char *)(uintptr_t)"carol";
	rows[1] = rows[0];
	rows[1].is_target = (char *)(uintptr_t)"10.0.0.2";
	audit_isolation_expired(rows, 2);
	append_n(2);
	expect_intact(5);

	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	f.af_actor = "carol";
	ck_assert_int_eq(audit_list(&f, list_cb, &c), 0);
	ck_assert_int_eq(c.n, 1);
	ck_assert_str_eq(c.last_action, "isolation.bulk");

	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	f.af_action = "isolation";	/* a prefix matches the whole group */
	ck_assert_int_eq(audit_list(&f, list_cb, &c), 0);
	ck_assert_int_eq(c.n, 4);

	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	f.af_action = "isolation.expire";
	ck_assert_int_eq(audit_list(&f, list_cb, &c), 0);
	ck_assert_int_eq(c.n, 1);

	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	f.af_since_ms = audit_now_ms() + 60000;
	ck_assert_int_eq(audit_list(&f, list_cb, &c), 0);
	ck_assert_int_eq(c.n, 0);
	f.af_since_ms = 0;
	f.af_until_ms = audit_now_ms() + 60000;
	f.af_limit = 2;
	ck_assert_int_eq(audit_list(&f, list_cb, &c), 0);
	ck_assert_int_eq(c.n, 2);
}
END_TEST

START_TEST(settings_key_file)
{
	static const char ok[] = "audit:\n  key_file: /etc/sanso/audit.key\n";
	static const char bad[] = "audit:\n  key: x\n";
	struct settings	 set;
	struct diags	 d;
	char		 path[sizeof(dir) + 32];
	char		*text, *cause = NULL;
	struct stat	 sb;

	diags_init(&d, ok, sizeof(ok) - 1);
	ck_assert(settings_parse("s.yaml", ok, sizeof(ok) - 1, &set, &d));
	ck_assert_str_eq(set.se_audit.sa_key_file, "/etc/sanso/audit.key");
	settings_free(&set);
	diags_free(&d);
	diags_init(&d, bad, sizeof(bad) - 1);
	ck_assert(!settings_parse("s.yaml", bad, sizeof(bad) - 1, &set, &d));
	text = diag_format(&d.v[0]);
	ck_assert_msg(strstr(text, "s.yaml:2:3") != NULL, "%s", text);
	free(text);
	diags_free(&d);
	settings_free(&set);
	settings_defaults(&set);
	ck_assert_str_eq(set.se_audit.sa_key_file, "audit.key");
	settings_free(&set);

	/* An absolute key_file is used as it is. */
	close_all();
	snprintf(path, sizeof(path), "%s/elsewhere.key", dir);
	settings_defaults(&set);
	free(set.se_audit.sa_key_file);
	set.se_audit.sa_key_file = xstrdup(path);
	settings_install(&set);
	st = store_open(dir, &cause);
	ck_assert_ptr_nonnull(st);
	/* The chain exists, anchored by the other key: a new key does not
	 * verify its head. */
	ck_assert_int_eq(audit_init(st, dir, &cause), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq(audit_alarms(), 1);
	expect_bad(1, "head");
	settings_clear();
}
END_TEST

static Suite *
audit_suite(void)
{
	Suite *s = suite_create("audit");
	TCase *tc = tcase_create("chain");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, canonical_known_answer);
	tcase_add_test(tc, canonical_unambiguous);
	tcase_add_test(tc, fresh_chain_and_key);
	tcase_add_test(tc, triggers_refuse_update_and_delete);
	tcase_add_test(tc, edited_row);
	tcase_add_test(tc, edited_hash_column);
	tcase_add_test(tc, rehashed_row);
	tcase_add_test(tc, deleted_row);
	tcase_add_test(tc, swapped_rows);
	tcase_add_test(tc, truncated_tail);
	tcase_add_test(tc, inserted_after_head);
	tcase_add_test(tc, forged_head);
	tcase_add_test(tc, head_and_tail_deleted);
	tcase_add_test(tc, restart_continues_chain);
	tcase_add_test(tc, truncation_survives_restart);
	tcase_add_test(tc, replaced_key);
	tcase_add_test(tc, key_readable_by_others_refused);
	tcase_add_test(tc, bulk_one_entry_and_filters);
	tcase_add_test(tc, settings_key_file);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(audit_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
