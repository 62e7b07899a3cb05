#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Two-person changes (issue 4 item 6; 002 §8-1, §53-3, §100): propose,
# self-approval refused, approval by another person, apply; stale
# proposals; break glass off by default, on by setting and then in the
# review queue; isolations in the review queue; exceptions requested,
# approved by another person, revoked, and refused by the validator.
#
# Two people on the unix socket: root (role "boss", every permission) and
# nobody:nogroup (role "checker": approve and review only), mapped by
# auth.unix_groups in the test's sansod.yaml; the socket is given to group
# nogroup so that the second person can connect at all.
set -u
. "$(dirname "$0")/lib.sh"
cli_setup change

make_variant "$T/variant.yaml"
# A second variant: smtp gains tcp/587.
sed 's|^  smtp:  \[tcp/25\]|  smtp:  [tcp/25, tcp/587]|' "$ALPHA" >"$T/variant2.yaml"
grep -q 'tcp/587' "$T/variant2.yaml" || fail "variant2 was not made"

settings() {
	cat >"$T/sansod.yaml" <<EOF
auth:
  roles:
    boss: ["*"]
    checker: [status.read, policy.read, change.read, change.approve,
              exception.read, exception.approve, review.read, review.ack]
  unix_groups:
    root: boss
    nogroup: checker
approvals:
  break_glass: $1
EOF
}

start() {
	start_sansod --settings "$T/sansod.yaml" || return 1
	chgrp nogroup "$T/s"
}

# The second person.
ctl2() {
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	    "$SANSOCTL" --socket "$T/s" "$@"
}
ctl2_jq() {
	local expr=$1
	shift
	ctl2 --json "$@" 2>/dev/null | jq -r "$expr"
}
has_3390() {
	kernel_table | grep -q 'dport 3390'
}
has_587() {
	kernel_table | grep -q 'dport 587'
}

settings false
check "sansod starts with break glass off" start
check "the α table has no tcp/3390" eval '! has_3390'

# -- propose, self-approval, approval by another person, apply.
expect_exit 0 "root proposes the variant" \
    ctl change propose "$T/variant.yaml" --reason "rdp on tcp/3390 for the new terminal server"
expect_out "proposed as change 1" "the proposal gets id 1"
expect_out "+tcp/3390" "propose prints the diff the approver will see"
check "proposing changes nothing in the kernel" eval '! has_3390'
expect_exit 1 "root approving their own proposal is refused" ctl change approve 1
expect_out "is your own; another person must approve it (002 §8-1)" \
    "the refusal names the rule"
check "the refusal is 403 with code self_approval" \
    test "$(ctl_jq .error.code change approve 1)" = self_approval
expect_exit 1 "applying before approval is refused" ctl change apply 1
expect_out "is not approved" "the refusal says it is not approved"
check "still no tcp/3390 in the kernel" eval '! has_3390'
expect_exit 1 "the checker may not propose (no change.propose)" \
    ctl2 change propose "$T/variant2.yaml" --reason "not mine to propose"
expect_out "needs permission change.propose" "the refusal names the permission"
expect_exit 0 "nobody (another person) approves change 1" \
    ctl2 change approve 1 --comment "diff checked against ticket R8-77"
expect_out "change 1 approved" "approve says so"
expect_exit 0 "root applies the approved change" ctl change apply 1
expect_out "applied" "apply says so"
check "the kernel has tcp/3390 now" has_3390
check "the running policy is the proposal's text" \
    test "$(ctl_jq .policy.sha256 status)" = "$(sha256sum "$T/variant.yaml" | cut -d' ' -f1)"
check "change 1 is applied" test "$(ctl_jq '.changes[0].state' change list)" = applied
check "its trail: propose by root, approve by nobody, apply by root" \
    test "$(ctl_jq '[.changes[0].trail[] | .action + ":" + .actor] | join(",")' change list)" = \
    "propose:root,approve:nobody,apply:root"
expect_exit 0 "change list (human)" ctl change list
expect_out "approve     nobody: diff checked against ticket R8-77" \
    "change list shows the approver and the comment"
expect_exit 1 "applying it twice is refused" ctl change apply 1

# -- a proposal goes stale when the running policy changes under it.
expect_exit 0 "root proposes variant2 (base: the running policy)" \
    ctl change propose "$T/variant2.yaml" --reason "submission port"
expect_exit 0 "the running policy changes (rollback to the α policy)" \
    ctl policy rollback
check "change 2 is listed as stale" \
    test "$(ctl_jq '.changes[1].stale' change list)" = true
check "approving the stale proposal is refused with code stale" \
    test "$(ctl2_jq .error.code change approve 2)" = stale
expect_exit 1 "a second try is refused too" ctl2 change approve 2
check "change 2 is marked stale in the store" \
    test "$(ctl_jq '.changes[1].state' change list)" = stale
check "nothing of variant2 reached the kernel" eval '! has_587'

# -- break glass is off by default.
expect_exit 0 "root proposes variant2 again" \
    ctl change propose "$T/variant2.yaml" --reason "submission port, again"
before=$(kernel_table)
expect_exit 1 "break glass is refused while approvals.break_glass is false" \
    ctl change apply 3 --break-glass --reason "mail outage INC-9"
expect_out "break glass is off" "the refusal names the setting"
check "the refusal is 403 with code break_glass_disabled" \
    test "$(ctl_jq .error.code change apply 3 --break-glass --reason x)" = break_glass_disabled
check "the kernel table did not change" test "$(kernel_table)" = "$before"
check "the review queue is empty" \
    test "$(ctl_jq '.items | length' review list)" = 0

# -- with break glass on: applied alone, flagged, queued for review.
stop_sansod
settings true
check "sansod restarts with approvals.break_glass: true" start
expect_exit 0 "break glass applies change 3 without a second person" \
    ctl change apply 3 --break-glass --reason "mail outage INC-9"
expect_out "queued for review (002 §100)" "apply says it is queued for review"
check "the kernel has tcp/587" has_587
check "change 3 is applied and flagged break_glass" \
    test "$(ctl_jq '.changes[2].state + " " + (.changes[2].break_glass | tostring)' change list)" = "applied true"
check "the review queue lists change 3 by root" \
    test "$(ctl_jq '[.items[] | select(.kind == "change") | "\(.id) \(.actor)"] | join(",")' review list)" = "3 root"
check "events.jsonl has change.break_glass as an alert" \
    grep -q '"type":"change.break_glass","severity":"alert"' "$T/state/events.jsonl"
expect_exit 1 "root may not review their own break glass" ctl review ack change 3
expect_out "another person must review it" "the refusal says why"
expect_exit 0 "nobody reviews change 3" ctl2 review ack change 3 --comment "reported to the CISO"
check "change 3 no longer waits for review" \
    test "$(ctl_jq '[.items[] | select(.kind == "change")] | length' review list)" = 0
check "review list --all still shows it, with the reviewer" \
    test "$(ctl_jq '[.items[] | select(.kind == "change") | .reviewed_by] | join(",")' review list --all)" = nobody

# -- CSIRT isolation is immediate, and appears in the review queue.
expect_exit 0 "isolate 10.20.0.99" ctl isolate 10.20.0.99 --reason "beacon to C2" --ticket INC-2
expect_exit 0 "review list" ctl review list
expect_out "isolate 10.20.0.99: beacon to C2 ticket INC-2" \
    "the review queue lists the isolation with its reason and ticket"
iso_id=$(ctl_jq '[.items[] | select(.kind == "isolation")][0].id' review list)
expect_exit 0 "nobody reviews the isolation" ctl2 review ack isolation "$iso_id"
check "nothing waits for review" test "$(ctl_jq '.items | length' review list)" = 0

# -- exceptions: request, self-approval refused, approval, revoke.
expect_exit 0 "root requests an exception internet -> isc tcp/8080" \
    ctl exception request --from internet --to isc --service tcp/8080 \
    --name vendor --reason "vendor portal, ticket R8-90" --expires 1h
expect_out "x-1-vendor" "the conduit is named x-1-vendor"
expect_exit 1 "root approving their own exception is refused" ctl exception approve 1
check "the refusal is 403 with code self_approval" \
    test "$(ctl_jq .error.code exception approve 1)" = self_approval
check "nothing in the kernel yet" eval '! kernel_table | grep -q x-1-vendor'
expect_exit 0 "nobody approves exception 1" ctl2 exception approve 1 --comment ok
check "the kernel has counter c_x-1-vendor" \
    sh -c "ip netns exec '$NS' nft list table inet sanso | grep -q 'counter c_x-1-vendor'"
check "and a rule for tcp/8080 with it" \
    sh -c "ip netns exec '$NS' nft list table inet sanso | grep -q 'dport 8080 counter name \"c_x-1-vendor\" accept'"
check "status: the kernel matches" test "$(ctl_jq .kernel.match status)" = true
expect_exit 0 "sansoctl matrix shows the exception in force" ctl matrix
expect_out "(conduit x-1-vendor)" "the matrix names its conduit"
expect_exit 0 "policy query: internet -> isc tcp/8080 is allowed while it is in force" \
    ctl policy query --from internet:10.30.0.50 --to isc:203.0.113.10 --service tcp/8080
check "exception 1 is active and in force" \
    test "$(ctl_jq '.exceptions[0].state + " " + (.exceptions[0].in_force | tostring)' exception list)" = "active true"
expect_exit 0 "exception list (human)" ctl exception list
expect_out "approve     nobody: ok" "the list shows the decision trail"
expect_exit 0 "nobody revokes exception 1" ctl2 exception reject 1 --reason "vendor done early"
check "the exception is gone from the kernel" \
    eval '! kernel_table | grep -q x-1-vendor'
expect_exit 1 "policy query: after the revoke that flow is denied again" \
    ctl policy query --from internet:10.30.0.50 --to isc:203.0.113.10 --service tcp/8080
check "exception 1 is revoked in the register" \
    test "$(ctl_jq '.exceptions[0].state' exception list)" = revoked

# -- an exception can never open mynumber to the internet.
before=$(kernel_table)
expect_exit 1 "an exception mn-gw -> isc is refused" \
    ctl exception request --from mn-gw --to isc --service https \
    --reason "just this once" --expires 1h
expect_out "may never reach the インターネット接続系" "with the validator's message"
expect_out "alpha-1" "and its rule"
check "no exception was recorded" test "$(ctl_jq '.exceptions | length' exception list)" = 1
check "the kernel table did not change" test "$(kernel_table)" = "$before"

# -- every step is in the audit chain (002 §53-2).
check "audit: change.approved of change 1 by nobody" \
    test "$(ctl_jq '[.entries[] | .actor + " " + .target][0]' audit list --action change.approved)" = "nobody change 1"
check "audit: the refused self-approval, with result refused" \
    test "$(ctl_jq '[.entries[] | .actor + " " + .result][0]' audit list --action change.self_approval_refused)" = "root refused"
check "audit: change.break_glass of change 3" \
    test "$(ctl_jq '[.entries[] | .target][0]' audit list --action change.break_glass)" = "change 3"
expect_exit 0 "audit verify: the chain is intact" ctl audit verify

stop_sansod
check "sansod exits 0 on SIGTERM" test "$SANSOD_RC" -eq 0
check_sansod_log_clean
summary
