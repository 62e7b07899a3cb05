# SPDX-License-Identifier: GPL-2.0-or-later
# Shared functions of the CLI tests (sourced, never run): a private network
# namespace with its own sansod, assertions, and the "N passed, N failed"
# summary.  sansod runs inside the namespace, so table inet sanso exists
# only there; the namespace is removed on exit, even after a failure.

CLI_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$CLI_DIR/../.." && pwd)
B=${B:-build}
case $B in
/*) BDIR=$B ;;
*) BDIR=$TOP/$B ;;
esac
SANSOD=${SANSOD:-$BDIR/sansod}
SANSOCTL=${SANSOCTL:-$BDIR/sansoctl}
ALPHA=$TOP/docs/policy-alpha.yaml

passed=0
failed=0
SANSOD_PID=
NS=
T=

pass() {
	passed=$((passed + 1))
	echo "ok - $*"
}

fail() {
	failed=$((failed + 1))
	echo "FAIL - $*"
}

# check DESCRIPTION COMMAND...: the command must succeed.
check() {
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# expect_exit CODE DESCRIPTION COMMAND...: run, keep output in $T/out.
expect_exit() {
	local want=$1 desc=$2 rc
	shift 2
	"$@" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		pass "$desc (exit $rc)"
	else
		fail "$desc: exit $rc, expected $want"
		sed 's/^/    | /' "$T/out" | head -40
	fi
}

# expect_out SUBSTRING DESCRIPTION: the last expect_exit printed it.
expect_out() {
	if grep -qF -- "$1" "$T/out"; then
		pass "$2"
	else
		fail "$2: output lacks '$1'"
		sed 's/^/    | /' "$T/out" | head -40
	fi
}

ctl() {
	"$SANSOCTL" --socket "$T/s" "$@"
}

# The value of a jq expression over `sansoctl --json ARGS`.
ctl_jq() {
	local expr=$1
	shift
	ctl --json "$@" 2>/dev/null | jq -r "$expr"
}

nsx() {
	ip netns exec "$NS" "$@"
}

has_table() {
	nsx nft list table inet sanso >/dev/null 2>&1
}

# The table as the kernel has it (the same text twice means unchanged).
kernel_table() {
	nsx nft list table inet sanso 2>&1
}

# Helpers a test starts in the background (pids), stopped at exit.
CLI_PIDS=()

cli_cleanup() {
	local p
	stop_sansod -KILL >/dev/null 2>&1
	for p in "${CLI_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$NS" ] && ip netns del "$NS" 2>/dev/null
	[ -n "$T" ] && rm -rf "$T"
}

# Namespace and scratch directory, both removed on any exit.
cli_setup() {
	local name=$1
	if [ "$(id -u)" -ne 0 ]; then
		echo "skipped: needs root for network namespaces"
		echo "0 passed, 1 failed"
		exit 1
	fi
	for f in "$SANSOD" "$SANSOCTL"; do
		if [ ! -x "$f" ]; then
			echo "missing $f (run make)"
			echo "0 passed, 1 failed"
			exit 1
		fi
	done
	T=$(mktemp -d "/tmp/sanso-cli-$name.XXXXXX")
	NS="snc$$-$name"
	trap cli_cleanup EXIT
	trap 'exit 1' INT TERM
	ip netns add "$NS" || { echo "cannot create netns $NS"; exit 1; }
	nsx ip link set lo up
	# The socket's directory is reached by `nobody` in the peer test.
	chmod 0755 "$T"
	cp "$ALPHA" "$T/policy.yaml"
}

# start_sansod [EXTRA ARGS]: run sansod in the namespace; wait until it
# answers (or has exited).  Returns non-zero if it did not come up.
start_sansod() {
	# Not through nsx(): a backgrounded function would be a subshell, and
	# $! must be sansod itself (ip netns exec execs it, no fork).
	ip netns exec "$NS" "$SANSOD" -c "$T/policy.yaml" -s "$T/state" \
	    --socket "$T/s" -f "$@" >>"$T/sansod.log" 2>&1 &
	SANSOD_PID=$!
	local i
	for i in $(seq 1 100); do
		if ! kill -0 "$SANSOD_PID" 2>/dev/null; then
			wait "$SANSOD_PID"
			SANSOD_RC=$?
			SANSOD_PID=
			return 1
		fi
		if [ -S "$T/s" ]; then
			ctl status >/dev/null 2>&1
			case $? in 0 | 4) return 0 ;; esac
		fi
		sleep 0.1
	done
	return 1
}

# stop_sansod [SIGNAL]: default TERM, then wait; sets SANSOD_RC.
stop_sansod() {
	local sig=${1:--TERM}
	[ -n "$SANSOD_PID" ] || return 0
	kill "$sig" "$SANSOD_PID" 2>/dev/null
	wait "$SANSOD_PID" 2>/dev/null
	SANSOD_RC=$?
	SANSOD_PID=
}

# Sanitizer builds report leaks and errors in the log at exit.
check_sansod_log_clean() {
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' \
	    "$T/sansod.log"; then
		fail "sansod log has sanitizer reports"
		grep -E -A20 'Sanitizer|runtime error' "$T/sansod.log" | head -60 |
		    sed 's/^/    | /'
	else
		pass "sansod log free of sanitizer reports"
	fi
}

# A policy that differs from the α one in one service port (tcp/3390 added
# to rdp), so that diff, apply and rollback have something to show.
make_variant() {
	sed 's|^  rdp:   \[tcp/3389\]|  rdp:   [tcp/3389, tcp/3390]|' "$ALPHA" >"$1"
	grep -q 'tcp/3390' "$1"
}

# An invalid variant: a conduit straight from lgwan to the internet zone
# (α invariant 3: no sanitiser).
make_invalid() {
	sed 's|^  - { name: web, |  - { name: leak,        from: lgwan,      to: internet,   services: [https] }\n  - { name: web, |' \
	    "$ALPHA" >"$1"
	grep -q 'name: leak' "$1"
}

summary() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
