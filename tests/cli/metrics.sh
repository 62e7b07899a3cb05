#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# /metrics (issue 5 items 4 and 6): scraped over the unix socket, accepted
# by Debian's `promtool check metrics`, and every value checked against
# what it counts: the conduits of the running policy and their nft
# counters (after a real https connection), drops per zone pair (after 3
# denied pings between two namespaces), the isolations in force, the events written, the audit chain,
# drift repairs (the table deleted with nft in this test's own namespace),
# the apply duration and the kernel's clock state (adjtimex).
set -u
. "$(dirname "$0")/lib.sh"
cli_setup metrics

if ! command -v promtool >/dev/null; then
	echo "promtool (Debian package prometheus) is missing: make deps"
	echo "0 passed, 1 failed"
	exit 1
fi

M=$T/metrics.txt

scrape() {
	curl -s -D "$T/headers" --unix-socket "$T/s" -o "$M" \
	    http://sansod/metrics
}

# value NAME[{LABELS}]: the sample's value, empty when absent.
value() {
	awk -v k="$1" '$1 == k { print $2; exit }' "$M"
}

# Two hosts in their own namespaces: one in zone lgwan (eth1.20), one, the
# 中間サーバー chukan, behind the uplink lgwan-wan (eth2).  Every veth is
# made inside the namespaces; all go at exit.
H1="snc$$-mh1"
H2="snc$$-mh2"
metrics_cleanup() {
	ip netns del "$H1" 2>/dev/null
	ip netns del "$H2" 2>/dev/null
	cli_cleanup
}
trap metrics_cleanup EXIT
ip netns add "$H1" && ip netns add "$H2" || { echo "cannot create netns"; exit 1; }
ip -n "$H1" link add h1 type veth peer name eth1.20 netns "$NS"
ip -n "$H2" link add h2 type veth peer name eth2 netns "$NS"
ip -n "$H1" addr add 10.20.0.10/16 dev h1
ip -n "$H2" addr add 172.16.5.10/24 dev h2
ip -n "$NS" addr add 10.20.0.1/16 dev eth1.20
ip -n "$NS" addr add 172.16.5.1/24 dev eth2
for n in "$H1" "$H2"; do ip -n "$n" link set lo up; done
ip -n "$H1" link set h1 up
ip -n "$H2" link set h2 up
ip -n "$NS" link set eth1.20 up
ip -n "$NS" link set eth2 up
ip -n "$H1" route add default via 10.20.0.1
ip -n "$H2" route add default via 172.16.5.1
nsx sysctl -qw net.ipv4.ip_forward=1

check "sansod starts with the α policy" start_sansod
# Denied: ping is no service of conduit lgwan-out.  Allowed: https is.
check "3 pings from lgwan to the uplink are dropped" \
    sh -c "! ip netns exec '$H1' ping -c 3 -i 0.2 -W 1 -q 172.16.5.10 >/dev/null"
ip netns exec "$H1" timeout 3 bash -c 'exec 3<>/dev/tcp/172.16.5.10/443' 2>/dev/null
check "GET /metrics over the unix socket" scrape
check "answered 200" grep -q '^HTTP/1.1 200' "$T/headers"
check "as text/plain; version=0.0.4" \
    grep -qi '^Content-Type: text/plain; version=0.0.4' "$T/headers"
check "promtool check metrics accepts it" sh -c "promtool check metrics <'$M' >'$T/promtool.out' 2>&1"
sed 's/^/    | /' "$T/promtool.out" | head -20
check "every family has HELP and TYPE" \
    test "$(grep -c '^# HELP ' "$M")" = "$(grep -c '^# TYPE ' "$M")" -a \
    "$(grep -c '^# TYPE ' "$M")" -ge 30
check "sansod --routes lists GET /metrics with metrics.read" \
    sh -c "'$SANSOD' --routes | grep -qx \"GET	/metrics	metrics.read\""

# -- conduits: one packets and one bytes sample per conduit of the policy.
grep -oE '^\s*- \{ *name: *[A-Za-z][A-Za-z0-9_-]*' "$ALPHA" |
    sed 's/.*name: *//' | sort >"$T/conduits.policy"
check "the α policy has conduits to look for" test -s "$T/conduits.policy"
check "the status agrees on how many" \
    test "$(ctl_jq .policy.conduits status)" = "$(wc -l <"$T/conduits.policy")"
sed -n 's/^sanso_conduit_packets_total{conduit="\([^"]*\)"}.*/\1/p' "$M" |
    sort >"$T/conduits.packets"
sed -n 's/^sanso_conduit_bytes_total{conduit="\([^"]*\)"}.*/\1/p' "$M" |
    sort >"$T/conduits.bytes"
check "sanso_conduit_packets_total for every conduit, no other" \
    cmp -s "$T/conduits.policy" "$T/conduits.packets"
check "sanso_conduit_bytes_total for every conduit, no other" \
    cmp -s "$T/conduits.policy" "$T/conduits.bytes"
same_as_nft=1
while read -r c; do
	read -r p b < <(nsx nft list counter inet sanso "c_$c" 2>/dev/null |
	    sed -n 's/.*packets \([0-9]*\) bytes \([0-9]*\).*/\1 \2/p')
	if [ "$(value "sanso_conduit_packets_total{conduit=\"$c\"}")" != "$p" ] ||
	    [ "$(value "sanso_conduit_bytes_total{conduit=\"$c\"}")" != "$b" ]; then
		same_as_nft=0
		echo "    | c_$c: nft says $p/$b"
	fi
done <"$T/conduits.policy"
check "each equals the kernel's counter c_<conduit> (nft list counter)" \
    test "$same_as_nft" = 1
check "the counters were readable" test "$(value sanso_kernel_counters_readable)" = 1
check "the https connection counted in conduit lgwan-out" \
    test "$(value 'sanso_conduit_packets_total{conduit="lgwan-out"}')" -ge 1
check "the 3 pings: sanso_zone_pair_dropped_packets_total{from=lgwan,to=lgwan-wan} is 3" \
    test "$(value 'sanso_zone_pair_dropped_packets_total{from="lgwan",to="lgwan-wan"}')" = 3
check "... 3 × 84 bytes" \
    test "$(value 'sanso_zone_pair_dropped_bytes_total{from="lgwan",to="lgwan-wan"}')" = 252
check "no other zone pair had drops" \
    test "$(grep -c '^sanso_zone_pair_dropped_packets_total{' "$M")" = 1
check "the nflog group is bound" test "$(value sanso_nflog_bound)" = 1
check "nothing lost by nflog" \
    test "$(value 'sanso_nflog_lost_total{reason="enobufs"}') $(value 'sanso_nflog_lost_total{reason="sequence"}')" = "0 0"

# -- isolations in force.
check "no isolations at first" test "$(value sanso_isolations)" = 0
ctl isolate 10.20.0.100 --reason "metrics test" >/dev/null
printf '10.40.0.1\n10.40.0.2\n' >"$T/bulk.txt"
ctl isolate --bulk "$T/bulk.txt" --reason "metrics test" >/dev/null
scrape
check "sanso_isolations is 3 after isolating 3" test "$(value sanso_isolations)" = 3
check "... as many as sansoctl isolations lists" \
    test "$(value sanso_isolations)" = "$(ctl_jq .count isolations)"
ctl release 10.40.0.2 --reason done >/dev/null
scrape
check "and 2 after a release" test "$(value sanso_isolations)" = 2

# -- events, audit, apply duration.
check "events emitted = lines in events.jsonl" \
    test "$(value sanso_events_emitted_total)" = "$(wc -l <"$T/state/events.jsonl")"
check "events written to the file = lines in events.jsonl" \
    test "$(value 'sanso_event_output_written_total{output="file",kind="file"}')" \
    = "$(wc -l <"$T/state/events.jsonl")"
check "nothing lost" \
    test "$(value 'sanso_event_output_lost_total{output="file",kind="file"}')" = 0
check "audit entries = what audit verify counts" \
    test "$(value sanso_audit_entries)" = "$(ctl_jq .entries audit verify)"
check "the apply duration is the status's apply_ms in seconds" \
    awk -v m="$(value sanso_policy_apply_duration_seconds)" \
    -v s="$(ctl_jq .policy.apply_ms status)" \
    'BEGIN { d = m * 1000 - s; exit !(m > 0 && d < 0.001 && d > -0.001) }'
check "the policy's sha256 is a label of sanso_policy_info" \
    grep -q "^sanso_policy_info{.*sha256=\"$(sha256sum "$ALPHA" | cut -d' ' -f1)\"} 1" "$M"

# -- drift: the table deleted behind sansod's back (in this namespace).
check "no drift repairs yet" test "$(value sanso_drift_repairs_total)" = 0
nsx nft delete table inet sanso
repaired() {
	scrape && [ "$(value sanso_drift_repairs_total)" = 1 ]
}
ok=0
for i in $(seq 1 50); do
	if repaired; then ok=1; break; fi
	sleep 0.1
done
check "sanso_drift_repairs_total is 1 after one repair" test "$ok" = 1
check "sanso_drift_detected_total is 1 too" test "$(value sanso_drift_detected_total)" = 1
check "still accepted by promtool" sh -c "promtool check metrics <'$M' >/dev/null 2>&1"

# -- the clock, as the kernel says (adjtimex with modes 0).
kernel_sync=$(python3 - <<'EOF'
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
buf = ctypes.create_string_buffer(1024)
state = libc.adjtimex(buf)
# struct timex: int modes; long offset, freq, maxerror, esterror; int status
status = int.from_bytes(buf.raw[40:44], 'little', signed=True)
print(1 if state != 5 and not (status & 0x40) else 0)
EOF
)
check "sanso_clock_synchronised is what adjtimex says ($kernel_sync)" \
    test "$(value sanso_clock_synchronised)" = "$kernel_sync"
check "sanso_clock_maxerror_seconds is there" test -n "$(value sanso_clock_maxerror_seconds)"
if [ "$kernel_sync" = 0 ]; then
	check "an unsynchronised clock was an event at start" \
	    test "$(jq -c 'select(.type == "clock.unsynchronised")' "$T/state/events.jsonl" | wc -l)" = 1
fi

stop_sansod
check_sansod_log_clean
summary
