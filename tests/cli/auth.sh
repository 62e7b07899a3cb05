#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Accounts, sessions and tokens over HTTPS (issue 4 items 3, 4, 8): the
# first administrator from --init-admin, temporary passwords that must be
# changed first, password rules and history, lockout after N failures and
# its end after M, session cookie flags, CSRF, logout, session idle and
# absolute expiry, API token scope and expiry, administrator lock, reset and
# delete, and unix-socket callers mapped to roles by group.  Short lockout
# and session times come from sansod.yaml, as a city would set them.
set -u
. "$(dirname "$0")/lib.sh"
cli_setup auth

PORT=8443
URL=https://127.0.0.1:$PORT
# scrypt_n 1024 keeps logins fast here; the unit test checks the default.
cat >"$T/sansod.yaml" <<EOF
listen:
  https: ["127.0.0.1:$PORT"]
auth:
  scrypt_n: 1024
  lockout_attempts: 3
  lockout_duration: 3s
  unix_groups:
    root: superuser
    nogroup: viewer
EOF

# h METHOD PATH [BODY] [CURL ARGS...]: status in $code, body in $T/body,
# headers in $T/headers.  Inside the namespace, where sansod listens.
h() {
	local m=$1 p=$2 args=()
	shift 2
	if [ $# -gt 0 ] && [ "${1:0:1}" = "{" ]; then
		args+=(-H 'Content-Type: application/json' --data-binary "$1")
		shift
	fi
	code=$(nsx curl -sk -o "$T/body" -D "$T/headers" -w '%{http_code}' \
	    -X "$m" "${args[@]}" "$@" "$URL$p")
}

# The error code of the last answer, or its field VALUE with jbody.
ecode() { jq -r '.error.code // empty' "$T/body" 2>/dev/null; }
jbody() { jq -r "$1" "$T/body" 2>/dev/null; }

# expect STATUS [CODE] DESCRIPTION: the last answer.
expect() {
	local want=$1 wcode=$2 desc=$3
	if [ "$code" = "$want" ] && { [ -z "$wcode" ] || [ "$(ecode)" = "$wcode" ]; }; then
		pass "$desc ($code${wcode:+ $wcode})"
	else
		fail "$desc: got $code $(ecode), expected $want $wcode"
		sed 's/^/    | /' "$T/body" | head -10
	fi
}

# login USER PASSWORD: on 200 sets $cookie and $csrf.
login() {
	h POST /api/v1/login "$(jq -nc --arg u "$1" --arg p "$2" '{user: $u, password: $p}')"
	cookie= csrf=
	if [ "$code" = 200 ]; then
		cookie=$(sed -n 's/^Set-Cookie: sanso_session=\([0-9a-f]*\);.*/\1/Ip' "$T/headers" | tr -d '\r')
		csrf=$(jbody .csrf_token)
	fi
}

# As the logged-in session: GET, or a state-changing request with CSRF.
sget() { h GET "$1" -H "Cookie: sanso_session=$cookie"; }
spost() { h POST "$1" "$2" -H "Cookie: sanso_session=$cookie" -H "X-CSRF-Token: $csrf"; }

# chpw CURRENT NEW: change the session's own password.
chpw() {
	spost /api/v1/password "$(jq -nc --arg c "$1" --arg n "$2" '{current: $c, new: $n}')"
}

# -- the first administrator, before sansod runs.
expect_exit 0 "sansod --init-admin makes the first administrator" \
    "$SANSOD" --settings "$T/sansod.yaml" -s "$T/state" --init-admin chief
expect_out "one-time password: " "it prints a one-time password"
TEMP=$(sed -n 's/^one-time password: //p' "$T/out")
check "the one-time password meets the rules (20 characters)" test "${#TEMP}" -eq 20
expect_exit 1 "a second --init-admin is refused" \
    "$SANSOD" --settings "$T/sansod.yaml" -s "$T/state" --init-admin deputy
expect_out "an administrator exists already (chief)" "the refusal names the administrator"

check "sansod starts with HTTPS on 127.0.0.1:$PORT" start_sansod --settings "$T/sansod.yaml"
for i in $(seq 1 50); do
	nsx curl -sk -o /dev/null "$URL/api/v1/status" && break
	sleep 0.1
done

# -- nothing without logging in.
h GET /api/v1/status
expect 401 unauthenticated "GET /status without a session"
h GET /api/v1/users -H "Cookie: sanso_session=$(printf '%064d' 0)"
expect 401 session_expired "an unknown session cookie"
login chief wrong-Password1
expect 401 invalid_credentials "login with a wrong password"
login nosuchuser "$TEMP"
expect 401 invalid_credentials "login of an unknown user (same answer)"

# -- the temporary password must be changed before anything else.
login chief "$TEMP"
expect 200 "" "login with the one-time password"
check "login says the password must be changed" test "$(jbody .must_change_password)" = true
check "the cookie is Secure, HttpOnly, SameSite=Strict, Path=/" \
    grep -qiE '^Set-Cookie: sanso_session=[0-9a-f]{64}; Secure; HttpOnly; SameSite=Strict; Path=/' "$T/headers"
check "login returns a CSRF token" test "${#csrf}" -eq 64
sget /api/v1/users
expect 403 password_change_required "GET /users with a temporary password"
sget /api/v1/status
expect 403 password_change_required "GET /status with a temporary password"
sget /api/v1/session
expect 200 "" "GET /session with a temporary password"
h POST /api/v1/password "$(jq -nc --arg c "$TEMP" '{current: $c, new: "Kanri-2025-haru"}')" \
    -H "Cookie: sanso_session=$cookie"
expect 403 csrf_failed "POST /password without X-CSRF-Token"
h POST /api/v1/password "$(jq -nc --arg c "$TEMP" '{current: $c, new: "Kanri-2025-haru"}')" \
    -H "Cookie: sanso_session=$cookie" -H "X-CSRF-Token: $(printf '%064d' 1)"
expect 403 csrf_failed "POST /password with a wrong X-CSRF-Token"
chpw "$TEMP" short
expect 400 weak_password "a new password of 5 characters"
check "the refusal says the rule" grep -q "at least 12 characters" "$T/body"
chpw "$TEMP" kanri-2025-haru
expect 400 weak_password "a new password without an upper-case letter"
chpw "$TEMP" "$TEMP"
expect 400 password_reused "the temporary password again"
chpw wrong-Current1 Kanri-2025-haru
expect 400 invalid_credentials "a wrong current password"
chpw "$TEMP" Kanri-2025-haru
expect 200 "" "the password is changed"
sget /api/v1/users
expect 200 "" "GET /users works after the change (admin)"
sget /api/v1/policy
expect 403 forbidden "GET /policy is not the admin's"
check "the 403 names the permission" grep -q "needs permission policy.read" "$T/body"
chpw Kanri-2025-haru Kanri-2025-natsu
expect 200 "" "a second change"
chpw Kanri-2025-natsu Kanri-2025-haru
expect 400 password_reused "back to the previous password"

# -- accounts.
spost /api/v1/users '{"name": "sato", "role": "csirt"}'
expect 201 "" "the admin adds sato (csirt)"
SATO=$(jbody .temporary_password)
spost /api/v1/users '{"name": "sato", "role": "csirt"}'
expect 409 exists "the same name twice"
spost /api/v1/users '{"name": "kato", "role": "chief"}'
expect 400 invalid_field "a role that auth.roles does not define"
check "the 400 names the field role" test "$(jbody .error.field)" = role
h POST /api/v1/users '{"name": "ito", "role": "viewer"}' -H "Cookie: sanso_session=$cookie"
expect 403 csrf_failed "POST /users without CSRF"
spost /api/v1/users/delete '{"name": "chief"}'
expect 403 refused "the admin cannot delete itself"
ADMIN_COOKIE=$cookie ADMIN_CSRF=$csrf

login sato "$SATO"
spost /api/v1/isolations '{"target": "10.99.0.1", "reason": "t"}'
expect 403 password_change_required "sato cannot isolate with the one-time password"
chpw "$SATO" Sato-csirt-2025
expect 200 "" "sato sets a password"
spost /api/v1/isolations '{"target": "10.99.0.1", "reason": "suspected C2", "ticket": "IR-1"}'
expect 201 "" "sato (csirt) isolates 10.99.0.1"
check "the isolation is recorded as sato's" test "$(jbody .isolation.actor)" = sato
check "and the audit trail gives sato's role, csirt" \
    test "$(ctl --json audit list --actor sato --action isolation | jq -r '[.. | objects | select(.action? == "isolation.add")][0].role')" = csirt
sget /api/v1/users
expect 403 forbidden "sato (csirt) may not list users"
SATO_COOKIE=$cookie

# -- API tokens: scope and expiry.
spost /api/v1/tokens '{"name": "soar", "scope": ["isolation.read"], "expires": "1h"}'
expect 201 "" "sato makes a token with isolation.read only"
TOKEN=$(jbody .token)
TOKEN_ID=$(jbody .id)
check "the token is sanso_ and 64 hex digits" grep -qE '^sanso_[0-9a-f]{64}$' <<<"$TOKEN"
spost /api/v1/tokens '{"name": "wide", "scope": ["users.admin"]}'
expect 403 forbidden "a token with a permission sato's role lacks"
h GET /api/v1/isolations -H "Authorization: Bearer $TOKEN"
expect 200 "" "the token reads isolations"
h POST /api/v1/isolations '{"target": "10.99.0.2", "reason": "t"}' -H "Authorization: Bearer $TOKEN"
expect 403 forbidden "the token without isolation.write cannot isolate"
check "the 403 names isolation.write" grep -q "isolation.write" "$T/body"
h GET /api/v1/isolations -H "Authorization: Bearer sanso_$(printf '%064d' 7)"
expect 401 invalid_token "an unknown token"
spost /api/v1/tokens '{"name": "short", "scope": ["isolation.read", "isolation.write"], "expires": 2}'
expect 201 "" "a token that expires in 2 s"
SHORT=$(jbody .token)
h POST /api/v1/isolations/release '{"target": "10.99.0.1", "reason": "cleaned"}' -H "Authorization: Bearer $SHORT"
expect 200 "" "a token needs no CSRF token and may release"
spost /api/v1/tokens/revoke "{\"id\": $TOKEN_ID}"
expect 200 "" "sato revokes the first token"
h GET /api/v1/isolations -H "Authorization: Bearer $TOKEN"
expect 401 invalid_token "the revoked token is refused"
sleep 2.2
h GET /api/v1/isolations -H "Authorization: Bearer $SHORT"
expect 401 token_expired "the 2 s token has expired"

# -- lockout after 3 failures, for 3 s.
cookie=$ADMIN_COOKIE csrf=$ADMIN_CSRF
for i in 1 2 3; do login sato Wrong-password-$i; done
expect 401 invalid_credentials "three wrong passwords"
login sato Sato-csirt-2025
expect 403 account_locked "the right password is refused while locked"
check "the lockout says until when" grep -q "until" "$T/body"
cookie=$SATO_COOKIE
sget /api/v1/isolations
expect 401 account_locked "sato's open session ends with the lockout"
cookie=$ADMIN_COOKIE csrf=$ADMIN_CSRF
sget /api/v1/users
check "GET /users shows sato locked" test "$(jbody '.users[] | select(.name == "sato") | .locked')" = true
sleep 3.1
login sato Sato-csirt-2025
expect 200 "" "after 3 s the lockout is over"

# -- an administrator's lock, unlock, reset and delete.
cookie=$ADMIN_COOKIE csrf=$ADMIN_CSRF
spost /api/v1/users/lock '{"name": "sato"}'
expect 200 "" "the admin locks sato"
login sato Sato-csirt-2025
expect 403 account_locked "sato cannot log in while locked"
cookie=$ADMIN_COOKIE csrf=$ADMIN_CSRF
spost /api/v1/users/unlock '{"name": "sato"}'
expect 200 "" "the admin unlocks sato"
spost /api/v1/users/passwd '{"name": "sato"}'
expect 200 "" "the admin gives sato a new one-time password"
SATO2=$(jbody .temporary_password)
login sato Sato-csirt-2025
expect 401 invalid_credentials "the old password is gone"
login sato "$SATO2"
check "the reset password must be changed" test "$(jbody .must_change_password)" = true
cookie=$ADMIN_COOKIE csrf=$ADMIN_CSRF
spost /api/v1/users/delete '{"name": "sato"}'
expect 200 "" "the admin deletes sato"
login sato "$SATO2"
expect 401 invalid_credentials "a deleted account cannot log in"

# -- logout.
login chief Kanri-2025-natsu
spost /api/v1/logout "{}"
expect 200 "" "logout"
check "logout clears the cookie" grep -qi '^Set-Cookie: sanso_session=;.*Max-Age=0' "$T/headers"
sget /api/v1/users
expect 401 session_expired "the session is gone after logout"

# -- the unix socket: roles by group (auth.unix_groups).
expect_exit 0 "root (superuser) adds a user with sansoctl" ctl user add tanaka --role operator
expect_out "one-time password:" "sansoctl prints the one-time password"
expect_exit 0 "sansoctl user list" ctl user list
expect_out "tanaka" "the list shows tanaka"
expect_out "temporary password" "and that tanaka's password is temporary"
check "sansoctl --json user list is JSON" test "$(ctl_jq '.users | length' user list)" = 2
expect_exit 0 "sansoctl token add for tanaka (root names the account)" \
    ctl token add ci --user tanaka --scope policy.check --expires 30d
expect_out "sanso_" "the token is printed once"
expect_exit 1 "a token beyond tanaka's role is refused" \
    ctl token add ci2 --user tanaka --scope isolation.write
expect_out "not a permission of tanaka's role operator" "the refusal says why"
expect_exit 0 "sansoctl token list" ctl token list
expect_out "policy.check" "the list shows the scope"
ID=$(ctl_jq '.tokens[0].id' token list)
expect_exit 0 "sansoctl token revoke" ctl token revoke "$ID"
expect_exit 0 "sansoctl user role" ctl user role tanaka viewer
check "tanaka is a viewer now" \
    test "$(ctl_jq '.users[] | select(.name == "tanaka") | .role' user list)" = viewer
expect_exit 1 "a role auth.roles does not define is refused" ctl user role tanaka chief
expect_exit 0 "sansoctl user lock" ctl user lock tanaka
expect_exit 0 "sansoctl user unlock" ctl user unlock tanaka
expect_exit 0 "sansoctl user passwd" ctl user passwd tanaka
expect_out "one-time password:" "user passwd prints the new password"
expect_exit 0 "sansoctl user delete" ctl user delete tanaka
expect_exit 1 "deleting it twice fails" ctl user delete tanaka
expect_out "no user tanaka" "and says so"
chmod 0666 "$T/s"
expect_exit 0 "nobody in group nogroup (viewer) reads the status" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$SANSOCTL" --socket "$T/s" status
expect_exit 1 "but may not isolate" \
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$SANSOCTL" --socket "$T/s" \
    isolate 10.99.0.3 --reason test
expect_out "needs permission isolation.write" "the refusal names the permission"
expect_exit 1 "a uid in no mapped group is refused" \
    setpriv --reuid=nobody --regid=daemon --clear-groups "$SANSOCTL" --socket "$T/s" status
expect_out "may not use sansod" "the refusal says who may"
chmod 0660 "$T/s"

# -- session idle and absolute expiry: 3 s and 8 s (sessions keep whole
# seconds, so each step keeps a second of margin either way).
stop_sansod
sed -i 's/^  lockout_duration: 3s$/  lockout_duration: 3s\n  session_idle: 3s\n  session_absolute: 8s/' "$T/sansod.yaml"
check "sansod restarts with session_idle 3s, session_absolute 8s" \
    start_sansod --settings "$T/sansod.yaml"
for i in $(seq 1 50); do
	nsx curl -sk -o /dev/null "$URL/api/v1/status" && break
	sleep 0.1
done
login chief Kanri-2025-natsu
expect 200 "" "login"
check "the cookie lives 8 s at most (Max-Age)" grep -qi '^Set-Cookie: .*Max-Age=8' "$T/headers"
sleep 1
sget /api/v1/users
expect 200 "" "used after 1 s"
sleep 3.2
sget /api/v1/users
expect 401 session_expired "unused for 3.2 s: the idle timeout ended it"
login chief Kanri-2025-natsu
t0=$(date +%s%N)
ok=0
for i in 1 2 3 4 5; do
	sleep 1
	sget /api/v1/users
	[ "$code" = 200 ] && ok=$((ok + 1))
done
check "used every second, it lives on (5 uses in 5 s)" test "$ok" -eq 5
# Until 8.3 s after the login.
sleep "$(awk -v t0="$t0" -v now="$(date +%s%N)" 'BEGIN { d = 8.3 - (now - t0) / 1e9; print (d > 0 ? d : 0) }')"
sget /api/v1/users
expect 401 session_expired "8.3 s after login the absolute timeout ended it"

stop_sansod
check "sansod exits 0" test "$SANSOD_RC" -eq 0
check "login failures and lockouts are events" \
    grep -q '"type":"auth.locked"' "$T/state/events.jsonl"
check "no password or token is in the event log" \
    sh -c "! grep -qe 'Kanri-2025' -e '$TOKEN' '$T/state/events.jsonl' '$T/sansod.log'"
check_sansod_log_clean
summary
