#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Commit confirmed and rollback (issue 2 item 5): an apply with --confirm
# comes back by itself unless confirmed, so staff cannot lock themselves out.
set -u
. "$(dirname "$0")/lib.sh"
cli_setup confirm

make_variant "$T/variant.yaml"
P=$T/policy.yaml
ST=$T/state/policy

check "sansod starts with the α policy" start_sansod
alpha_table=$(kernel_table)

expect_exit 1 "rollback with no previous policy is refused" ctl policy rollback
expect_out "nothing to roll back to" "rollback says there is nothing to return to"
expect_exit 1 "confirm with nothing pending is refused" ctl policy confirm
expect_out "nothing to confirm" "confirm says there is nothing to confirm"
expect_exit 2 "--confirm with a malformed duration is a usage error" \
    ctl policy apply "$T/variant.yaml" --confirm 5x

# -- the confirm timer runs out: the last good policy comes back.
expect_exit 0 "apply --confirm 2s" ctl policy apply "$T/variant.yaml" --confirm 2s
expect_out "confirm within" "apply tells how long there is to confirm"
check "status shows the pending confirm" \
    test "$(ctl_jq '.confirm.seconds_left <= 2 and .confirm.seconds_left >= 0' status)" = "true"
check "the kernel runs the candidate meanwhile" sh -c "ip netns exec '$NS' nft list table inet sanso | grep -q 3390"
check "pending.yaml holds the candidate" cmp -s "$ST/pending.yaml" "$T/variant.yaml"
check "current.yaml is still the α policy" cmp -s "$ST/current.yaml" "$P"
expect_exit 1 "a second apply while a confirm is pending is refused" \
    ctl policy apply "$T/variant.yaml"
expect_out "waits for confirm" "refusal names the pending confirm"
sleep 3
check "after the timeout status shows the α policy again" \
    test "$(ctl_jq .policy.name status)" = "$P"
check "after the timeout no confirm is pending" \
    test "$(ctl_jq .confirm status)" = "null"
check "after the timeout the kernel matches" \
    test "$(ctl_jq .kernel.match status)" = "true"
check "after the timeout the kernel table is the α one again" \
    test "$(kernel_table)" = "$alpha_table"
check "the rollback is logged" grep -q "confirm timeout: policy rolled back to $P" "$T/sansod.log"
check "pending.yaml is gone" test ! -e "$ST/pending.yaml"

# -- confirmed in time: the candidate stays.
expect_exit 0 "apply --confirm 30s" ctl policy apply "$T/variant.yaml" --confirm 30s
expect_exit 0 "policy confirm" ctl policy confirm
expect_out "confirmed" "confirm says so"
check "after confirm no confirm is pending" test "$(ctl_jq .confirm status)" = "null"
check "after confirm status shows the candidate" \
    test "$(ctl_jq .policy.name status)" = "$T/variant.yaml"
check "current.yaml is the confirmed policy" cmp -s "$ST/current.yaml" "$T/variant.yaml"
check "previous.yaml is the α policy" cmp -s "$ST/previous.yaml" "$P"
check "pending.yaml is gone after confirm" test ! -e "$ST/pending.yaml"
variant_table=$(kernel_table)
expect_exit 1 "a second confirm is refused" ctl policy confirm

# -- rollback: back to the previous policy, and rollback again undoes it.
expect_exit 0 "policy rollback" ctl policy rollback
expect_out "rolled back to $P" "rollback names the policy it returned to"
check "after rollback the kernel table is the α one" test "$(kernel_table)" = "$alpha_table"
check "after rollback status shows the α policy" test "$(ctl_jq .policy.name status)" = "$P"
check "after rollback current.yaml is the α policy" cmp -s "$ST/current.yaml" "$P"
expect_exit 0 "a second rollback returns to the variant" ctl policy rollback
check "after the second rollback the kernel table is the variant's" \
    test "$(kernel_table)" = "$variant_table"

# -- rollback during a confirm window drops the candidate at once.
expect_exit 0 "policy rollback to the α policy" ctl policy rollback
expect_exit 0 "apply --confirm 60s" ctl policy apply "$T/variant.yaml" --confirm 60s
expect_exit 0 "rollback during the confirm window" ctl policy rollback
check "the candidate is gone at once" test "$(kernel_table)" = "$alpha_table"
check "no confirm pending after that rollback" test "$(ctl_jq .confirm status)" = "null"
check "current.yaml untouched by the dropped candidate" cmp -s "$ST/current.yaml" "$P"

# -- apply over the API with confirm_seconds, then a stop: the kernel keeps
# the candidate until sansod starts again and puts the last good one back.
expect_exit 0 "apply --confirm 60s before a restart" ctl policy apply "$T/variant.yaml" --confirm 60s
stop_sansod
check "stopping sansod leaves the candidate in the kernel" test "$(kernel_table)" = "$variant_table"
check "sansod restarts" start_sansod
check "the unconfirmed candidate is discarded at start" test "$(kernel_table)" = "$alpha_table"
check "discarding it is logged" grep -q "discarding .*pending.yaml" "$T/sansod.log"
check "pending.yaml is gone after the restart" test ! -e "$ST/pending.yaml"

stop_sansod
check "sansod exits 0 on SIGTERM" test "$SANSOD_RC" -eq 0
check_sansod_log_clean
summary
