#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The audit trail (issue 5 items 5 and 6; 002 §53-2, §55, §86): real actions
# through sansod (policy apply, a refused apply, rollback, isolate, a bulk
# isolation, release) each leave one entry with actor, role, digests and
# result; `sansoctl audit verify` proves the chain; then, with the sqlite3
# tool and its triggers dropped, a row altered, a row deleted, two rows
# swapped and the tail cut off are each found and named by their entry;
# `audit list` filters by actor, action and time.
set -u
. "$(dirname "$0")/lib.sh"
cli_setup audit

DB=$T/state/store.db
ME=$(id -un)

if ! command -v sqlite3 >/dev/null; then
	echo "sqlite3 (the command-line tool) is missing: make deps"
	echo "0 passed, 1 failed"
	exit 1
fi

sql() {
	sqlite3 "$DB" "$@"
}

# The JSON list (all entries) into $T/list.json.
list_json() {
	ctl --json audit list "$@" >"$T/list.json" 2>/dev/null
}

# entry ACTION [N]: the Nth (default last) entry of ACTION, as JSON.
entry() {
	list_json
	jq -c "[.entries[] | select(.action == \"$1\")] | .[${2:--1}]" \
	    "$T/list.json"
}

sha() {
	sha256sum "$1" | cut -d' ' -f1
}

# verify_bad SEQ KIND DESCRIPTION: verify fails naming entry SEQ.
verify_bad() {
	expect_exit 1 "$3: audit verify fails" ctl audit verify
	expect_out "BROKEN at entry $1 ($2)" "$3: it names entry $1 ($2)"
}

verify_ok() {
	expect_exit 0 "$1: audit verify passes" ctl audit verify
	expect_out "audit chain intact" "$1: it says the chain is intact"
}

check "sansod starts with the α policy" start_sansod
check "the key was created 0600 beside the store" \
    test "$(stat -c %a "$T/state/audit.key")" = 600
verify_ok "a fresh chain"

# -- real actions.
make_variant "$T/variant.yaml"
make_invalid "$T/invalid.yaml"
expect_exit 0 "apply a variant" ctl policy apply "$T/variant.yaml"
expect_exit 1 "an invalid policy is refused" ctl policy apply "$T/invalid.yaml"
expect_exit 0 "roll back" ctl policy rollback
expect_exit 0 "isolate 10.20.0.100" ctl isolate 10.20.0.100 \
    --reason "EDR alert" --ticket CSIRT-7
printf '10.40.0.1\n10.40.0.2\n10.40.0.0/30\n' >"$T/bulk.txt"
expect_exit 0 "a bulk isolation of 3 targets" ctl isolate --bulk \
    "$T/bulk.txt" --reason "IOC list"
expect_exit 0 "release 10.20.0.100" ctl release 10.20.0.100 --reason "clean"

# -- what the chain says about them.
e=$(entry policy.apply 1)
check "policy apply: actor $ME, role superuser (root on the socket), result ok" \
    test "$(jq -r '"\(.actor)|\(.role)|\(.result)"' <<<"$e")" = "$ME|superuser|ok"
list_json --action policy.apply
check "the variant's apply: before = sha256 of the α policy, after = of the variant" \
    test "$(jq -r '[.entries[] | select(.result == "ok" and .actor != "sansod")][0] | "\(.before)|\(.after)"' "$T/list.json")" \
    = "$(sha "$ALPHA")|$(sha "$T/variant.yaml")"
check "the refused apply is recorded with result refused and the invalid text's digest" \
    test "$(jq -r '[.entries[] | select(.result == "refused")][0] | "\(.actor)|\(.after)"' "$T/list.json")" \
    = "$ME|$(sha "$T/invalid.yaml")"
e=$(entry policy.rollback)
check "rollback: from the variant back to α" \
    test "$(jq -r '"\(.actor)|\(.before)|\(.after)"' <<<"$e")" \
    = "$ME|$(sha "$T/variant.yaml")|$(sha "$ALPHA")"
e=$(entry isolation.add)
check "isolate: target, reason and ticket, no before, a digest after" \
    test "$(jq -r '"\(.target)|\(.detail.reason)|\(.detail.ticket)|\(.before)|\(.after | length)"' <<<"$e")" \
    = "10.20.0.100|EDR alert|CSIRT-7|null|64"
add_after=$(jq -r .after <<<"$e")
e=$(entry isolation.release)
check "release: before is the isolation's digest, nothing after" \
    test "$(jq -r '"\(.target)|\(.before)|\(.after)"' <<<"$e")" \
    = "10.20.0.100|$add_after|null"
list_json --action isolation.bulk
check "the bulk isolation is one entry with the count" \
    test "$(jq -r '"\(.count)|\(.entries[0].detail.count)|\(.entries[0].target)"' "$T/list.json")" \
    = "1|3|3 targets"
verify_ok "after the actions"
expect_exit 0 "audit verify --json" ctl --json audit verify
check "--json says intact with the head" \
    test "$(jq -r '"\(.intact)|\(.head.seq == .entries)"' "$T/out")" = "true|true"
n=$(ctl_jq .entries audit verify)

# -- list filters.
list_json --actor "$ME"
check "--actor $ME lists only $ME's entries" \
    test "$(jq -r '[.entries[].actor] | unique | join(",")' "$T/list.json")" = "$ME"
check "... all six of them" test "$(jq -r .count "$T/list.json")" = 6
list_json --action isolation
check "--action isolation lists the isolation group only" \
    test "$(jq -r '[.entries[].action] | unique | join(",")' "$T/list.json")" \
    = "isolation.add,isolation.bulk,isolation.release"
list_json --since "$(date -d '+1 hour' --iso-8601=seconds)"
check "--since in the future lists nothing" test "$(jq -r .count "$T/list.json")" = 0
list_json --until 2020-01-01
check "--until 2020-01-01 lists nothing" test "$(jq -r .count "$T/list.json")" = 0
list_json --since "$(date -d '-1 hour' +%s)" --until "$(date -d '+1 hour' --iso-8601=seconds)"
check "--since/--until around now list everything" \
    test "$(jq -r .count "$T/list.json")" = "$n"
expect_exit 1 "a malformed --since is refused" ctl audit list --since yesterday
expect_out "since" "the error names since"
code=$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$T/s" \
    "http://sansod/api/v1/audit?colour=red")
check "GET /api/v1/audit with an unknown filter: 400 naming it" \
    test "$code $(jq -r .error.field "$T/body")" = "400 colour"
code=$(curl -s -o "$T/body" -w '%{http_code}' --unix-socket "$T/s" \
    "http://sansod/api/v1/audit?action=isolation.add&actor=$ME&limit=1")
check "GET /api/v1/audit?action=&actor=&limit=1: one entry, more=false" \
    test "$code $(jq -r '"\(.count)|\(.more)|\(.entries[0].action)"' "$T/body")" \
    = "200 1|false|isolation.add"
expect_exit 0 "audit list prints one line per entry" ctl audit list
check "... $n lines" test "$(wc -l <"$T/out")" = "$n"
expect_out "isolation.release" "the human list shows the actions"

# -- through SQLite, nothing changes.
check "UPDATE is refused by the trigger" \
    sh -c "! sqlite3 '$DB' \"UPDATE audit SET actor = 'x' WHERE seq = 2\" 2>/dev/null"
check "DELETE is refused by the trigger" \
    sh -c "! sqlite3 '$DB' 'DELETE FROM audit WHERE seq = 2' 2>/dev/null"
verify_ok "after refused changes"

# -- with the triggers dropped.
check "the triggers can be dropped (by someone with the file)" \
    sql "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete; DROP TRIGGER audit_head_no_delete"
seq_add=$(entry isolation.add | jq -r .seq)

check "alter: the isolation's actor" \
    sql "UPDATE audit SET actor = 'mallory' WHERE seq = $seq_add"
verify_bad "$seq_add" edited "altered row"
expect_out "was edited" "altered row: it says edited"
sql "UPDATE audit SET actor = '$ME' WHERE seq = $seq_add"
verify_ok "altered back"

check "alter: only the result, to ok from refused" \
    sql "UPDATE audit SET result = 'ok' WHERE result = 'refused'"
seq_ref=$(sql "SELECT seq FROM audit WHERE action = 'policy.apply' AND actor = '$ME' AND result = 'ok' ORDER BY seq LIMIT 1 OFFSET 1")
verify_bad "$seq_ref" edited "refusal turned into success"
sql "UPDATE audit SET result = 'refused' WHERE seq = $seq_ref"
verify_ok "result restored"

check "delete: the isolation" \
    sql "CREATE TABLE saved AS SELECT * FROM audit WHERE seq = $seq_add; DELETE FROM audit WHERE seq = $seq_add"
verify_bad "$seq_add" deleted "deleted row"
sql "INSERT INTO audit SELECT * FROM saved; DROP TABLE saved"
verify_ok "row put back"

a=$((seq_add - 1))
check "swap: entries $a and $seq_add" \
    sql "UPDATE audit SET seq = -1 WHERE seq = $a; UPDATE audit SET seq = $a WHERE seq = $seq_add; UPDATE audit SET seq = $seq_add WHERE seq = -1"
verify_bad "$a" reordered "swapped rows"
expect_out "reordered" "swapped rows: it says reordered"
sql "UPDATE audit SET seq = -1 WHERE seq = $a; UPDATE audit SET seq = $a WHERE seq = $seq_add; UPDATE audit SET seq = $seq_add WHERE seq = -1"
verify_ok "swapped back"

t=$((n - 1))
check "truncate: the last two entries" \
    sql "CREATE TABLE saved AS SELECT * FROM audit WHERE seq >= $t; DELETE FROM audit WHERE seq >= $t"
verify_bad "$t" truncated "truncated tail"
expect_out "deleted from the end" "truncated tail: it says so"

# -- the truncation survives a restart: new entries follow the anchored
#    head, not the shortened table, and sansod raises an alarm.
stop_sansod
check "sansod restarts" start_sansod
check "an audit.tampered alarm event at start" \
    test "$(jq -c 'select(.type == "audit.tampered")' "$T/state/events.jsonl" | wc -l)" -ge 1
expect_exit 0 "a new action after the restart" ctl isolate 10.20.0.101 --reason "after restart"
verify_bad "$t" deleted "truncated, then appended"
sql "INSERT INTO audit SELECT * FROM saved; DROP TABLE saved"
verify_ok "tail put back"

# -- the head itself.
check "forge the head's HMAC" \
    sql "UPDATE audit_head SET mac = '$(printf '0%.0s' $(seq 64))'"
expect_exit 1 "a forged head: audit verify fails" ctl audit verify
expect_out "does not verify with the key" "it says the head does not verify"

stop_sansod
check_sansod_log_clean
summary
