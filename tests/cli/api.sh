#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The control socket as an HTTP/JSON API (issue 2 item 5): who may use it
# (SO_PEERCRED: root or group sanso), and bad requests answered with a
# status and {"error": {"code", "message", "field"}} that names the field.
set -u
. "$(dirname "$0")/lib.sh"
cli_setup api

check "sansod starts with the α policy" start_sansod
alpha_table=$(kernel_table)

# req METHOD PATH [BODY-FILE]: status in $code, body in $T/body.
req() {
	local args=(-s -o "$T/body" -w '%{http_code}' --unix-socket "$T/s"
	    -X "$1" -D "$T/headers")
	[ $# -ge 3 ] && args+=(-H 'Content-Type: application/json' --data-binary "@$3")
	code=$(curl "${args[@]}" "http://sansod$2")
}

# expect_error STATUS CODE FIELD DESCRIPTION
expect_error() {
	local got_code got_field
	got_code=$(jq -r .error.code "$T/body" 2>/dev/null)
	got_field=$(jq -r .error.field "$T/body" 2>/dev/null)
	if [ "$code" = "$1" ] && [ "$got_code" = "$2" ] && [ "$got_field" = "$3" ]; then
		pass "$4 ($code $got_code${3:+ field $3})"
	else
		fail "$4: got $code $got_code field $got_field, expected $1 $2 field $3"
		sed 's/^/    | /' "$T/body" | head -20
	fi
}

body() {
	printf '%s' "$1" >"$T/req.json"
}

# -- who may talk to sansod.
check "the socket is mode 0660" test "$(stat -c %a "$T/s")" = "660"
expect_exit 3 "nobody cannot even connect to the 0660 socket" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$SANSOCTL" --socket "$T/s" status
expect_out "cannot connect to $T/s: Permission denied" "the refusal names the socket"
# Were the socket's mode loosened by mistake, SO_PEERCRED still says no.
chmod 0666 "$T/s"
expect_exit 1 "nobody gets 403 from sansod itself" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$SANSOCTL" --socket "$T/s" status
expect_out "may not use sansod" "the 403 says who may"
expect_exit 1 "nobody cannot apply either" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$SANSOCTL" --socket "$T/s" policy rollback
check "the refusal is logged with the uid" grep -q "refused for uid $(id -u nobody)" "$T/sansod.log"
chmod 0660 "$T/s"
check "the kernel is untouched by refused peers" test "$(kernel_table)" = "$alpha_table"

# -- well-formed requests.
req GET /api/v1/status
check "GET /api/v1/status is 200" test "$code" = 200
check "responses are application/json" grep -qi '^Content-Type: application/json' "$T/headers"
check "status has version, policy, confirm, kernel" \
    test "$(jq -r 'has("version") and has("policy") and has("confirm") and has("kernel")' "$T/body")" = true
jq -n --rawfile t "$ALPHA" '{name: "alpha.yaml", text: $t}' >"$T/alpha.json"
req POST /api/v1/policy/check "$T/alpha.json"
check "check of the α policy: 200, valid, no errors" \
    test "$code $(jq -r '"\(.valid) \(.errors)"' "$T/body")" = "200 true 0"
make_invalid "$T/invalid.yaml"
jq -n --rawfile t "$T/invalid.yaml" '{name: "bad.yaml", text: $t}' >"$T/bad.json"
req POST /api/v1/policy/check "$T/bad.json"
check "check of an invalid policy: 200, valid false, diagnostics with file and line" \
    test "$code $(jq -r '"\(.valid) \(.diagnostics[0].file) \(.diagnostics[0].line > 0)"' "$T/body")" = "200 false bad.yaml true"
req POST /api/v1/policy/apply "$T/bad.json"
expect_error 422 policy_invalid text "apply of an invalid policy"
check "the 422 carries the diagnostics" test "$(jq '.diagnostics | length > 0' "$T/body")" = true
check "the kernel is unchanged after the 422" test "$(kernel_table)" = "$alpha_table"

# -- malformed bodies, missing and mistyped fields.
body '{"name": "x.yaml", "text": '
req POST /api/v1/policy/check "$T/req.json"
expect_error 400 bad_json null "truncated JSON"
body '["not", "an", "object"]'
req POST /api/v1/policy/check "$T/req.json"
expect_error 400 bad_json null "JSON that is not an object"
req POST /api/v1/policy/check
expect_error 400 bad_json null "no body at all"
body '{"name": "x.yaml"}'
req POST /api/v1/policy/check "$T/req.json"
expect_error 400 missing_field text "missing text"
body '{"name": 7, "text": "version: 1"}'
req POST /api/v1/policy/diff "$T/req.json"
expect_error 400 invalid_field name "name that is not a string"
body '{"name": "x.yaml", "text": "version: 1", "confirm_seconds": "5m"}'
req POST /api/v1/policy/apply "$T/req.json"
expect_error 400 invalid_field confirm_seconds "confirm_seconds that is not an integer"
body '{"name": "x.yaml", "text": "version: 1", "confirm_seconds": 0}'
req POST /api/v1/policy/apply "$T/req.json"
expect_error 400 invalid_field confirm_seconds "confirm_seconds of 0"
body '{"flows": [{"from_zone": "lgwan", "from": "10.20.0.100", "to_zone": "internet", "service": "tcp/443"}]}'
req POST /api/v1/policy/query "$T/req.json"
expect_error 400 missing_field "flows[0].to" "query flow without to"
body '{"flows": [{"from_zone": "lgwan", "from": "10.20.0.300", "to_zone": "internet", "to": "10.30.0.10", "service": "tcp/443"}]}'
req POST /api/v1/policy/query "$T/req.json"
expect_error 400 invalid_field "flows[0].from" "query flow with a bad address"
body '{"flows": "all of them"}'
req POST /api/v1/policy/query "$T/req.json"
expect_error 400 invalid_field flows "flows that is not an array"
body '{"name": "a.yaml", "name": "b.yaml", "text": ""}'
req POST /api/v1/policy/check "$T/req.json"
expect_error 400 bad_json null "duplicate keys"

# -- routes and methods.
req GET /api/v1/nothing-here
expect_error 404 not_found null "unknown route"
req DELETE /api/v1/status
expect_error 405 method_not_allowed null "wrong method"
check "405 carries Allow: GET" grep -qi '^Allow: GET' "$T/headers"
req GET /api/v1/policy/apply
expect_error 405 method_not_allowed null "GET on a POST route"

# -- a body over the limit.
head -c $((33 * 1024 * 1024)) /dev/zero | tr '\0' ' ' >"$T/huge.json"
req POST /api/v1/policy/check "$T/huge.json"
check "a 33 MiB body is refused with 413" test "$code" = 413
check "sansod still answers after the 413" sh -c "'$SANSOCTL' --socket '$T/s' status >/dev/null"

check "the kernel is unchanged by all of the above" test "$(kernel_table)" = "$alpha_table"
stop_sansod
check "sansod exits 0 on SIGTERM" test "$SANSOD_RC" -eq 0
check_sansod_log_clean
summary
