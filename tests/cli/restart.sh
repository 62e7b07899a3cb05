#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# SIGHUP reloads and restarts (issue 2 item 5, DESIGN.md §3 "State"): a bad
# file changes nothing, killing sansod never opens the firewall, and a
# restart applies the right policy: the -c file if it changed since it was
# last applied and is valid, else the last good one from STATEDIR.
set -u
. "$(dirname "$0")/lib.sh"
cli_setup restart

P=$T/policy.yaml
make_variant "$T/variant.yaml"
make_invalid "$T/invalid.yaml"
sed 's|^  smtp:  \[tcp/25\]|  smtp:  [tcp/25, tcp/587]|' "$ALPHA" >"$T/variant2.yaml"
sha() { sha256sum <"$1" | cut -d' ' -f1; }

# wait_log N PATTERN: until PATTERN occurs at least N times in the log.
wait_log() {
	local i
	for i in $(seq 1 50); do
		[ "$(grep -c -- "$2" "$T/sansod.log")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# systemd Type=notify: READY=1 once the policy is in, RELOADING=1 and
# READY=1 around a SIGHUP, STOPPING=1 at the end.
socat -u UNIX-RECV:"$T/notify" OPEN:"$T/notify.log",creat,append &
NOTIFY_PID=$!
CLI_PIDS+=("$NOTIFY_PID")
for i in $(seq 1 20); do [ -S "$T/notify" ] && break; sleep 0.05; done
export NOTIFY_SOCKET=$T/notify
check "sansod starts with the α policy" start_sansod
unset NOTIFY_SOCKET
alpha_table=$(kernel_table)
# Datagrams end without a newline: count words, not lines.
notified() { grep -o "$1" "$T/notify.log" 2>/dev/null | wc -l; }
check "sansod told systemd READY=1" test "$(notified READY=1)" -eq 1
check "with the policy in STATUS=" grep -q "STATUS=policy $P" "$T/notify.log"
check "config.sha256 records the applied -c file" \
    test "$(cat "$T/state/policy/config.sha256")" = "$(sha "$ALPHA")"

# -- SIGHUP with a bad file: problems logged, nothing changes.
cp "$T/invalid.yaml" "$P"
kill -HUP "$SANSOD_PID"
check "reload of a bad file is refused" wait_log 1 "reload: $P has"
check "the reload logs the problem with file:line:col" \
    grep -qE "$P:[0-9]+:[0-9]+: error: .*leak" "$T/sansod.log"
check "the kernel table is unchanged byte for byte" test "$(kernel_table)" = "$alpha_table"
check "status still shows the α policy" test "$(ctl_jq .policy.sha256 status)" = "$(sha "$ALPHA")"
check "sansod still runs" kill -0 "$SANSOD_PID"

# -- SIGHUP with a good file applies it.
cp "$T/variant.yaml" "$P"
kill -HUP "$SANSOD_PID"
check "reload of a good file applies it" wait_log 1 "policy $P (sha256 $(sha "$T/variant.yaml" | cut -c1-12)) applied"
check "the kernel has the reloaded policy" sh -c "ip netns exec '$NS' nft list table inet sanso | grep -q 3390"
check "status shows the reloaded policy" test "$(ctl_jq .policy.sha256 status)" = "$(sha "$T/variant.yaml")"
check "config.sha256 follows the reload" \
    test "$(cat "$T/state/policy/config.sha256")" = "$(sha "$T/variant.yaml")"
check "sansod told systemd RELOADING=1 and READY=1 again" \
    test "$(notified RELOADING=1) $(notified READY=1)" = "2 3"

# -- SIGHUP during a confirm window is refused (confirm or roll back first).
expect_exit 0 "apply --confirm 60s" ctl policy apply "$ALPHA" --confirm 60s
kill -HUP "$SANSOD_PID"
check "reload while a confirm is pending is refused" wait_log 1 "reload: policy .* waits for confirm"
expect_exit 0 "confirm the α policy" ctl policy confirm
check "the kernel runs the α policy" test "$(kernel_table)" = "$alpha_table"

stop_sansod
check "sansod told systemd STOPPING=1" test "$(notified STOPPING=1)" -eq 1
kill "$NOTIFY_PID" 2>/dev/null
wait "$NOTIFY_PID" 2>/dev/null
check "sansod restarts" start_sansod

# -- kill -9: the table stays; an unchanged -c file means the last good
# policy (here applied through the API) comes back, without a flap.
stop_sansod -KILL
check "after kill -9 the table is still in the kernel" test "$(kernel_table)" = "$alpha_table"
check "sansod restarts after kill -9 (stale socket removed)" start_sansod
check "unchanged -c file: the last good policy (α, from the API) is applied" \
    test "$(ctl_jq .policy.sha256 status)" = "$(sha "$ALPHA")"
check "the table across the restart is the same" test "$(kernel_table)" = "$alpha_table"
check "the kernel matches after the restart" test "$(ctl_jq .kernel.match status)" = "true"

# -- a -c file changed while sansod was down is newer intent.
stop_sansod -KILL
cp "$T/variant2.yaml" "$P"
check "sansod restarts with a changed -c file" start_sansod
check "the changed -c file is applied" test "$(ctl_jq .policy.sha256 status)" = "$(sha "$T/variant2.yaml")"
check "the kernel has it" sh -c "ip netns exec '$NS' nft list table inet sanso | grep -q 587"
v2_table=$(kernel_table)

# -- a -c file changed to something invalid: the last good one stays.
stop_sansod
cp "$T/invalid.yaml" "$P"
check "sansod starts with an invalid -c file" start_sansod
check "the invalid file's problems are logged" \
    grep -qE "$P:[0-9]+:[0-9]+: error: .*leak" "$T/sansod.log"
check "the last good policy is applied" test "$(ctl_jq .policy.sha256 status)" = "$(sha "$T/variant2.yaml")"
check "the kernel table is the last good one" test "$(kernel_table)" = "$v2_table"
stop_sansod

# -- nothing valid at all: refuse to start, leave the kernel alone.
: >"$T/sansod.log"
ip netns exec "$NS" "$SANSOD" -c "$P" -s "$T/state-empty" --socket "$T/s" -f \
    >>"$T/sansod.log" 2>&1
rc=$?
check "with no valid policy sansod exits 1" test "$rc" -eq 1
check "it says why" grep -q "no valid policy could be applied" "$T/sansod.log"
check "it does not touch the kernel" test "$(kernel_table)" = "$v2_table"
check "it leaves no socket behind" test ! -e "$T/s"
check_sansod_log_clean

# -- the kernel refuses (no CAP_NET_ADMIN): the previous table stays and
# sansod says what the kernel said.
: >"$T/sansod.log"
cp "$ALPHA" "$P"
ip netns exec "$NS" setpriv --bounding-set -net_admin "$SANSOD" -c "$P" \
    -s "$T/state-nocap" --socket "$T/s" -f >>"$T/sansod.log" 2>&1
rc=$?
check "without CAP_NET_ADMIN sansod exits 1" test "$rc" -eq 1
check "it reports the kernel's refusal" grep -q "the kernel refused policy $P: .*Operation not permitted" "$T/sansod.log"
check "the previous table stays in force" test "$(kernel_table)" = "$v2_table"
check_sansod_log_clean

# -- no state and a valid -c file: apply it.
cp "$ALPHA" "$P"
check "sansod starts with an empty state directory" start_sansod -s "$T/state-new"
check "the -c file is applied" test "$(kernel_table)" = "$alpha_table"
check "current.yaml is written" cmp -s "$T/state-new/policy/current.yaml" "$ALPHA"

# -- a second sansod on the same socket must not start (nor touch the kernel).
ip netns exec "$NS" "$SANSOD" -c "$T/variant.yaml" -s "$T/state-2" \
    --socket "$T/s" -f >"$T/second.log" 2>&1
rc=$?
check "a second sansod on the same socket exits 1" test "$rc" -eq 1
check "it names the running one" grep -q "another sansod is listening on $T/s" "$T/second.log"
check "the kernel table is untouched by it" test "$(kernel_table)" = "$alpha_table"

stop_sansod
check "sansod exits 0 on SIGTERM" test "$SANSOD_RC" -eq 0
check_sansod_log_clean
summary
