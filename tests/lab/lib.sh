# SPDX-License-Identifier: GPL-2.0-or-later
# Shared shell functions of the netns lab: paths, the zone and host tables,
# test accounting, cleanup traps and control of the sansod under test.
#
# Sourced (never executed) by tests/lab/topology.sh, the lab tests, the demo
# and the benchmarks.  Everything that changes links, routes or netfilter
# runs inside namespaces named "$LAB_PREFIX-*", which lab_down removes.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_TOP=$(cd "$LAB_DIR/../.." && pwd)
B=${B:-build}
case $B in
/*) LAB_B=$B ;;
*) LAB_B=$LAB_TOP/$B ;;
esac
SANSOD=${SANSOD:-$LAB_B/sansod}
SANSOCTL=${SANSOCTL:-$LAB_B/sansoctl}
LAB_POLICY=${LAB_POLICY:-$LAB_TOP/docs/policy-alpha.yaml}
# The pyenv shim costs ~100 ms per start; the probes start it per namespace.
if [ -z "${PYTHON:-}" ]; then
	if [ -x /usr/bin/python3 ]; then PYTHON=/usr/bin/python3; else PYTHON=python3; fi
fi
LAB_PROBE="$LAB_DIR/probe.py"
# Upper bound on the life of every server the lab starts (seconds).
LAB_TTL=${LAB_TTL:-900}

# Zones of docs/policy-alpha.yaml: name, gateway interface, gateway IPv4,
# gateway IPv6 ("-" = none).  The switch namespace has one bridge per zone.
LAB_ZONES=(
	"mynumber   eth1.10 10.10.0.1/16   -"
	"lgwan      eth1.20 10.20.0.1/16   fd00:20::1/64"
	"internet   eth1.30 10.30.0.1/16   fd00:30::1/64"
	"dmz        eth1.50 10.50.0.1/24   -"
	"lgwan-wan  eth2    172.16.5.1/24  fd00:16::1/64"
	"isc        eth3    203.0.113.1/24 2001:db8:80::1/64"
	"quarantine eth1.99 10.99.0.1/24   -"
	"mgmt       eth0    10.0.0.1/24    -"
)

# Hosts: name, zone, IPv4, IPv6 ("-" = none), MAC.  mn-fake shares mn-gw's
# IPv4 address with another MAC; its link stays down except while the
# impostor probe runs (with mn-gw down meanwhile).
LAB_HOSTS=(
	"mn-term    mynumber   10.10.0.20   -                 02:5a:00:0a:00:14"
	"mn-gw      mynumber   10.10.0.5    -                 52:54:00:0a:00:05"
	"mn-fake    mynumber   10.10.0.5    -                 02:5a:00:0a:0f:05"
	"lgwan-pc   lgwan      10.20.0.100  fd00:20::100      02:5a:00:14:00:64"
	"lgwan-mail lgwan      10.20.0.25   -                 02:5a:00:14:00:19"
	"wsus       lgwan      10.20.0.50   -                 02:5a:00:14:00:32"
	"av-sig     lgwan      10.20.0.51   -                 02:5a:00:14:00:33"
	"chukan     lgwan-wan  172.16.5.10  fd00:16::10       02:5a:00:10:05:0a"
	"inet-pc    internet   10.30.0.100  fd00:30::100      02:5a:00:1e:00:64"
	"screen-gw  internet   10.30.0.10   -                 02:5a:00:1e:00:0a"
	"mail-clean internet   10.30.0.20   -                 02:5a:00:1e:00:14"
	"file-clean internet   10.30.0.30   -                 02:5a:00:1e:00:1e"
	"isc-web    isc        203.0.113.80 2001:db8:80::80   02:5a:00:cb:00:50"
	"www        dmz        10.50.0.80   -                 02:5a:00:32:00:50"
	"q-laptop   quarantine 10.99.0.10   -                 02:5a:00:63:00:0a"
	"mgmt-pc    mgmt       10.0.0.10    -                 02:5a:00:00:00:0a"
)
# Hosts that only exist for a dedicated probe, not for the pair matrix.
LAB_SPECIAL_HOSTS="mn-fake"

# Servers every host runs: TCP echo on these ports, UDP echo on those.
LAB_TCP_PORTS="22 25 53 443 3389 8080"
LAB_UDP_PORTS="53 9999"

LAB_PREFIX=${LAB_PREFIX:-}
LAB_TMP=${LAB_TMP:-}
LAB_SOCK=
LAB_SANSOD_PID=
LAB_PASSED=0
LAB_FAILED=0

# lab_host_field NAME FIELD prints one field of a host: zone, v4, v6, mac.
lab_host_field() {
	local h n zone v4 v6 mac
	for h in "${LAB_HOSTS[@]}"; do
		read -r n zone v4 v6 mac <<<"$h"
		if [ "$n" = "$1" ]; then
			eval "echo \"\$$2\""
			return 0
		fi
	done
	return 1
}

# lab_zone_field NAME FIELD prints one field of a zone: ifname, v4, v6.
lab_zone_field() {
	local z n ifname v4 v6
	for z in "${LAB_ZONES[@]}"; do
		read -r n ifname v4 v6 <<<"$z"
		if [ "$n" = "$1" ]; then
			eval "echo \"\$$2\""
			return 0
		fi
	done
	return 1
}

lab_ns() { echo "$LAB_PREFIX-$1"; }
lab_gw() { echo "$LAB_PREFIX-gw"; }
lab_sw() { echo "$LAB_PREFIX-sw"; }
# lab_exec HOST CMD... runs CMD in HOST's namespace ("gw" = gateway).
lab_exec() {
	local h=$1
	shift
	ip netns exec "$LAB_PREFIX-$h" "$@"
}

# The host table as TSV (name zone ns v4 v6 mac), for tests/lab/*.py.
lab_hosts_tsv() {
	local h
	for h in "${LAB_HOSTS[@]}"; do
		set -- $h
		printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$LAB_PREFIX-$1" "$3" "$4" "$5"
	done
}

lab_require_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "$(basename "$0"): must be run as root: the lab creates network namespaces (try: sudo $0)" >&2
		exit 1
	fi
	if ! ip netns list >/dev/null 2>&1; then
		echo "$(basename "$0"): 'ip netns' does not work here; the lab needs network namespaces" >&2
		exit 1
	fi
}

lab_require_daemon() {
	local f
	for f in "$SANSOD" "$SANSOCTL"; do
		if [ ! -x "$f" ]; then
			echo "$(basename "$0"): $f is missing; run make first" >&2
			exit 1
		fi
	done
}

# --- test accounting --------------------------------------------------------

ok() {
	LAB_PASSED=$((LAB_PASSED + 1))
	echo "ok:   $*"
}

not_ok() {
	LAB_FAILED=$((LAB_FAILED + 1))
	echo "FAIL: $*"
}

# check DESC CMD... counts CMD's success as one passed assertion.
check() {
	local desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# exits_with N CMD...: CMD's exit status is exactly N (output discarded).
exits_with() {
	local want=$1
	shift
	"$@" >/dev/null 2>&1
	[ $? -eq "$want" ]
}

# lab_add_counts FILE adds the "counts P F" line a helper script printed.
lab_add_counts() {
	local p f
	read -r _ p f < <(grep '^counts ' "$1" | tail -1) || true
	LAB_PASSED=$((LAB_PASSED + ${p:-0}))
	LAB_FAILED=$((LAB_FAILED + ${f:-1}))
}

lab_summary() {
	echo "$LAB_PASSED passed, $LAB_FAILED failed"
	[ "$LAB_FAILED" -eq 0 ]
}

# --- life cycle -------------------------------------------------------------

# lab_init PREFIX: temp dir and the cleanup trap.  Call before lab_up.
lab_init() {
	LAB_PREFIX=$1
	if ip netns list | awk '{print $1}' | grep -q -- "^$LAB_PREFIX-"; then
		echo "$(basename "$0"): namespaces named $LAB_PREFIX-* exist already" >&2
		exit 1
	fi
	LAB_TMP=$(mktemp -d "/tmp/sanso-lab.$LAB_PREFIX.XXXXXX")
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	trap 'exit 129' HUP
}

lab_cleanup() {
	local rc=$? left
	trap - EXIT INT TERM HUP
	lab_sansod_stop
	[ -n "$LAB_PREFIX" ] && lab_down "$LAB_PREFIX"
	left=$(ip netns list 2>/dev/null | awk '{print $1}' | grep -- "^$LAB_PREFIX-")
	if [ -n "$left" ]; then
		echo "FAIL: namespaces left behind: $left" >&2
		rc=1
	fi
	[ -n "$LAB_TMP" ] && [ -d "$LAB_TMP" ] && [ -z "${LAB_KEEP_TMP:-}" ] && rm -rf "$LAB_TMP"
	exit $rc
}

# lab_sansod_start POLICY [ARGS...]: sansod in the gateway namespace, state
# and socket in the temp dir; waits until it answers `status`.
lab_sansod_start() {
	local policy=$1 i
	shift
	mkdir -p "$LAB_TMP/state"
	LAB_SOCK="$LAB_TMP/sansod.sock"
	ip netns exec "$(lab_gw)" "$SANSOD" -c "$policy" -s "$LAB_TMP/state" \
	    --socket "$LAB_SOCK" -f "$@" >>"$LAB_TMP/sansod.log" 2>&1 &
	LAB_SANSOD_PID=$!
	for i in $(seq 100); do
		if ! kill -0 "$LAB_SANSOD_PID" 2>/dev/null; then
			echo "sansod exited at start; its log:" >&2
			sed 's/^/    sansod: /' "$LAB_TMP/sansod.log" >&2
			LAB_SANSOD_PID=
			return 1
		fi
		if [ -S "$LAB_SOCK" ] && lab_ctl status >/dev/null 2>&1 &&
		    ip netns exec "$(lab_gw)" nft list table inet sanso >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.1
	done
	echo "sansod did not answer status within 10 s; its log:" >&2
	sed 's/^/    sansod: /' "$LAB_TMP/sansod.log" >&2
	return 1
}

lab_sansod_stop() {
	local i
	[ -n "$LAB_SANSOD_PID" ] || return 0
	if kill -TERM "$LAB_SANSOD_PID" 2>/dev/null; then
		for i in $(seq 50); do
			kill -0 "$LAB_SANSOD_PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$LAB_SANSOD_PID" 2>/dev/null
	fi
	wait "$LAB_SANSOD_PID" 2>/dev/null
	LAB_SANSOD_PID=
}

# lab_sansod_finish: stop sansod and count as one assertion that it exited 0
# on SIGTERM without a sanitizer report (ASan, UBSan, LeakSanitizer) in its
# log.  Tests call it before lab_summary.
lab_sansod_finish() {
	local i rc
	if [ -z "$LAB_SANSOD_PID" ]; then
		not_ok "sansod was not running at the end"
		return
	fi
	kill -TERM "$LAB_SANSOD_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$LAB_SANSOD_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$LAB_SANSOD_PID" 2>/dev/null; then
		not_ok "sansod did not exit within 10 s of SIGTERM"
		lab_sansod_stop
		return
	fi
	wait "$LAB_SANSOD_PID" 2>/dev/null
	rc=$?
	LAB_SANSOD_PID=
	if [ "$rc" -eq 0 ] && ! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: .*Sanitizer' \
	    "$LAB_TMP/sansod.log"; then
		ok "sansod exited cleanly on SIGTERM (exit 0, no sanitizer report)"
	else
		not_ok "sansod exit status $rc on SIGTERM; end of its log:"
		tail -30 "$LAB_TMP/sansod.log" | sed 's/^/    sansod: /'
	fi
}

lab_ctl() {
	"$SANSOCTL" --socket "$LAB_SOCK" "$@"
}

# lab_nft ARGS...: nft in the gateway namespace.
lab_nft() {
	ip netns exec "$(lab_gw)" nft "$@"
}
