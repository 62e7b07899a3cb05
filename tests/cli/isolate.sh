#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# CSIRT isolation through the API and sansoctl (issue 3 items 2-6): isolate,
# release and list; bad targets change nothing; isolations survive SIGTERM
# and SIGKILL restarts with the element in the kernel all along; a TTL
# removes it from store and kernel; events.jsonl records every step; and
# sanso's table is repaired within a second after foreign changes (in this
# test's own namespace only).
set -u
. "$(dirname "$0")/lib.sh"
cli_setup isolate

EV=$T/state/events.jsonl

# req METHOD PATH [JSON]: status in $code, body in $T/body.
req() {
	local args=(-s -o "$T/body" -w '%{http_code}' --unix-socket "$T/s"
	    -X "$1")
	if [ $# -ge 3 ]; then
		printf '%s' "$3" >"$T/req.json"
		args+=(-H 'Content-Type: application/json'
		    --data-binary "@$T/req.json")
	fi
	code=$(curl "${args[@]}" "http://sansod$2")
}

# The elements of a set as nft lists them (one line).
set_list() {
	nsx nft list set inet sanso "$1" 2>&1 | tr -s ' \n\t' ' '
}

in_set() {
	set_list "$1" | grep -qF -- "$2"
}

not_in_set() {
	nsx nft list set inet sanso "$1" >/dev/null 2>&1 && ! in_set "$1" "$2"
}

# How many isolations sansod lists.
n_isolations() {
	ctl_jq '.isolations | length' isolations
}

# events TYPE: how many records of TYPE events.jsonl has.
events() {
	jq -c "select(.type == \"$1\")" "$EV" 2>/dev/null | wc -l
}

# wait_until SECONDS COMMAND...: poll every 20 ms; the time taken in $took
# (ms).  Fails when SECONDS pass first.
wait_until() {
	local limit=$1 t0 now
	shift
	t0=$(date +%s%N)
	while :; do
		if "$@" 2>/dev/null; then
			now=$(date +%s%N)
			took=$(((now - t0) / 1000000))
			return 0
		fi
		now=$(date +%s%N)
		if [ $(((now - t0) / 1000000)) -ge $((limit * 1000)) ]; then
			took=$(((now - t0) / 1000000))
			return 1
		fi
		sleep 0.02
	done
}

# A probe that watches iso4 while sansod restarts: any instant without the
# element (or without the table) is written down.
watch_start() {
	: >"$T/watch.gap"
	(
		while [ ! -e "$T/watch.stop" ]; do
			in_set iso4 "$1" || echo "missing at $(date +%s.%N)" \
			    >>"$T/watch.gap"
			sleep 0.01
		done
	) &
	WATCH_PID=$!
	CLI_PIDS+=("$WATCH_PID")
}

watch_stop() {
	touch "$T/watch.stop"
	wait "$WATCH_PID" 2>/dev/null
	rm -f "$T/watch.stop"
}

check "sansod starts with the α policy" start_sansod
set_empty() {
	nsx nft list set inet sanso "$1" >/dev/null 2>&1 && ! in_set "$1" elements
}
check "the isolation sets exist, empty" set_empty iso4
check "isohost4 (single addresses) too" set_empty isohost4
check "isomac too" set_empty isomac
check "the input chain jumps to isolation too" \
    sh -c "ip netns exec '$NS' nft list chain inet sanso input | grep -q 'jump isolation'"
check "events.jsonl records the policy applied at start" test "$(events policy.applied)" -ge 1

# -- isolate an address.
expect_exit 0 "isolate 10.20.0.100" ctl isolate 10.20.0.100 \
    --reason "suspected malware (EDR alert)" --ticket CSIRT-1
expect_out "isolated 10.20.0.100 (ip) until released" "sansoctl says what it did"
check "the address is in isohost4 (the hash set)" in_set isohost4 10.20.0.100
check "not in the interval set iso4" not_in_set iso4 10.20.0.100
check "isolations lists it" test "$(n_isolations)" = 1
check "with the actor (the unix user), the reason and the ticket" \
    test "$(ctl_jq '.isolations[0] | "\(.actor)|\(.reason)|\(.ticket)|\(.kind)|\(.seconds_left)"' isolations)" \
    = "root|suspected malware (EDR alert)|CSIRT-1|ip|null"
expect_exit 0 "sansoctl isolations prints a table" ctl isolations
expect_out "TARGET" "the table has a header"
expect_out "suspected malware (EDR alert)" "the table shows the reason"
expect_out "CSIRT-1" "the table shows the ticket"
check "an isolation.added event with actor, reason, target" \
    test "$(jq -r 'select(.type == "isolation.added") | "\(.actor)|\(.reason)|\(.target)|\(.ticket)"' "$EV" | tail -1)" \
    = "root|suspected malware (EDR alert)|10.20.0.100|CSIRT-1"

# -- the API: 201 for a new one, 200 and already=true for a repeat.
req POST /api/v1/isolations '{"target": "fd00:20::100", "reason": "lateral movement", "ttl": "2h"}'
check "POST /api/v1/isolations: 201 for a new isolation" test "$code" = 201
check "already is false" test "$(jq -r .already "$T/body")" = false
check "the TTL gives seconds_left" test "$(jq -r '.isolation.seconds_left' "$T/body")" -gt 7000
check "the IPv6 address is in isohost6 with a timeout" \
    sh -c "ip netns exec '$NS' nft list set inet sanso isohost6 | grep -q 'fd00:20::100 timeout'"
req POST /api/v1/isolations '{"target": "10.20.0.100", "reason": "confirmed by CSIRT", "ticket": "CSIRT-2"}'
check "isolating twice: 200" test "$code" = 200
check "with already=true" test "$(jq -r .already "$T/body")" = true
check "the new reason and ticket win" \
    test "$(jq -r '"\(.isolation.reason)|\(.isolation.ticket)"' "$T/body")" = "confirmed by CSIRT|CSIRT-2"
check "still one element for it" test "$(set_list isohost4 | grep -o 10.20.0.100 | wc -l)" = 1
req POST /api/v1/isolations '{"target": "fd00:20::100", "reason": "until further notice"}'
check "isolating again without a TTL drops the TTL" \
    test "$code $(jq -r .isolation.seconds_left "$T/body")" = "200 null"
check "and the kernel element loses its timeout" \
    sh -c "ip netns exec '$NS' nft list set inet sanso isohost6 | grep -q 'fd00:20::100' &&
        ! ip netns exec '$NS' nft list set inet sanso isohost6 | grep -q 'fd00:20::100 timeout'"

# -- open connections are cut: a conntrack entry of the target goes.
nsx conntrack -I -p tcp -s 10.20.0.77 -d 172.16.5.10 --sport 40000 --dport 443 \
    --state ESTABLISHED -u ASSURED -t 600 >/dev/null 2>&1
check "a conntrack entry for 10.20.0.77 exists" \
    test "$(nsx conntrack -L -s 10.20.0.77 2>/dev/null | grep -c 10.20.0.77)" = 1
ct_gone() {
	test "$(nsx conntrack -L -s "$1" 2>/dev/null | grep -c "$1")" = 0
}
ct_event() {	# ct_event TARGET DELETED: the worker said so
	jq -e --arg t "$1" --argjson d "$2" 'select(.type == "isolation.conntrack"
	    and (.fields.targets // .targets | index($t)) != null
	    and (.fields.deleted // .deleted) == $d)' "$EV" >/dev/null
}
req POST /api/v1/isolations '{"target": "10.20.0.77", "reason": "C2 beacon"}'
check "the API answers before the conntrack walk: conntrack queued" \
    test "$code $(jq -r .conntrack "$T/body") $(jq -r .conntrack_deleted "$T/body")" = "201 queued null"
check "the entry is gone from conntrack" wait_until 2 ct_gone 10.20.0.77
check "an isolation.conntrack event says one entry of 10.20.0.77 was deleted" \
    wait_until 2 ct_event 10.20.0.77 1
expect_exit 0 "release it again" ctl release 10.20.0.77 --reason "test done"
nsx conntrack -I -p tcp -s 10.20.0.78 -d 172.16.5.10 --sport 40000 --dport 443 \
    --state ESTABLISHED -u ASSURED -t 600 >/dev/null 2>&1
req POST /api/v1/isolations '{"target": "10.20.0.78", "reason": "C2 beacon", "wait_conntrack": true}'
check "with wait_conntrack the answer counts the entry cut" \
    test "$code $(jq -r .conntrack "$T/body") $(jq -r .conntrack_deleted "$T/body")" = "201 deleted 1"
check "and it is gone when the answer comes" ct_gone 10.20.0.78
req POST /api/v1/isolations '{"target": "10.20.0.79", "reason": "x", "wait_conntrack": "yes"}'
check "wait_conntrack must be a boolean (400 naming the field)" \
    test "$code $(jq -r .error.field "$T/body")" = "400 wait_conntrack"
nsx conntrack -I -p tcp -s 10.20.0.80 -d 172.16.5.10 --sport 40001 --dport 443 \
    --state ESTABLISHED -u ASSURED -t 600 >/dev/null 2>&1
expect_exit 0 "sansoctl isolate waits for the count" ctl isolate 10.20.0.80 --reason "C2 beacon"
check "and prints the connection cut" grep -q "1 connection cut" "$T/out"
for a in 10.20.0.78 10.20.0.80; do
	ctl release "$a" --reason "test done" >/dev/null
done

# -- kept hosts and MACs.
expect_exit 0 "isolate a prefix keeping the EDR server" ctl isolate 10.21.0.0/24 \
    --reason "worm in the segment" --keep 10.99.0.1 --keep 10.99.0.2
check "the prefix is in iso4" in_set iso4 10.21.0.0/24
check "isokeep4 holds prefix . kept host" in_set isokeep4 "10.21.0.0/24 . 10.99.0.1"
expect_exit 0 "isolate an address keeping the EDR server" ctl isolate 10.22.0.5 \
    --reason "EDR alert" --keep 10.99.0.1
check "isokeephost4 (hash) holds address . kept host" \
    in_set isokeephost4 "10.22.0.5 . 10.99.0.1"
expect_exit 0 "release it" ctl release 10.22.0.5 --reason "test done"
check "the pair is gone" not_in_set isokeephost4 "10.22.0.5 . 10.99.0.1"
expect_exit 0 "isolate a MAC" ctl isolate 52-54-00-0A-00-05 --reason "stolen laptop" \
    --keep fd00:99::1
check "the MAC is in isomac, canonical" in_set isomac 52:54:00:0a:00:05
check "isokeepmac6 holds MAC . kept host" in_set isokeepmac6 "52:54:00:0a:00:05 . fd00:99::1"

# -- bad targets and requests change nothing.
# The table without what moves by itself: counters and timeouts running down.
table_now() {
	kernel_table | grep -v packets |
	    sed -E 's/ (timeout|expires) [0-9a-z]+//g'
}
before=$(table_now)
for bad in garbage 999.1.1.1 52:54:00:0a:00:05:07 0.0.0.0/0 ff:ff:ff:ff:ff:ff 10.0.0.1/24; do
	expect_exit 1 "isolate $bad is refused" ctl isolate "$bad" --reason test
done
expect_out "10.0.0.1/24 has host bits set (did you mean 10.0.0.0/24?)" "host bits are named"
req POST /api/v1/isolations '{"target": "999.1.1.1", "reason": "x"}'
check "999.1.1.1: 400 naming the field" \
    test "$code $(jq -r .error.field "$T/body")" = "400 target"
check "and saying what is wrong" grep -q "'999.1.1.1' is not an IPv4 or IPv6" "$T/body"
req POST /api/v1/isolations '{"target": "52:54:00:0a:00:05:07", "reason": "x"}'
check "7 octets: the message says so" grep -q "has 7 octets; a MAC address has 6" "$T/body"
req POST /api/v1/isolations '{"target": "0.0.0.0/0", "reason": "x"}'
check "/0: too wide" grep -q "too wide" "$T/body"
req POST /api/v1/isolations '{"target": "10.1.2.3", "reason": ""}'
check "an empty reason: 400 reason: required" \
    test "$code $(jq -r .error.message "$T/body" | cut -c1-16)" = "400 reason: required"
req POST /api/v1/isolations '{"target": "10.1.2.3"}'
check "no reason: 400 on field reason" test "$code $(jq -r .error.field "$T/body")" = "400 reason"
req POST /api/v1/isolations '{"target": "10.1.2.3", "reason": "x", "ttl": "5x"}'
check "a bad ttl: 400 on field ttl" test "$code $(jq -r .error.field "$T/body")" = "400 ttl"
req POST /api/v1/isolations '{"target": "10.1.2.3", "reason": "x", "keep": ["10.9.0.0/24"]}'
check "a prefix as kept host: 400 on keep[0]" test "$code $(jq -r .error.field "$T/body")" = "400 keep[0]"
expect_exit 2 "sansoctl isolate without --reason is a usage error" ctl isolate 10.1.2.3
expect_out "reason: required" "and says reason is required"
check "nothing changed in the kernel" test "$(table_now)" = "$before"
check "nothing changed in the store" test "$(n_isolations)" = 4

# -- bulk: all validated first, one transaction, one batch.
printf '# from the SOC\n10.40.0.1\n10.40.0.2  \n\n10.40.0.0/30 # again\nfd00:40::1\n' >"$T/bulk.txt"
expect_exit 0 "isolate --bulk FILE" ctl isolate --bulk "$T/bulk.txt" --reason "IOC list 42"
expect_out "isolated 4 targets (0 already isolated" "sansoctl counts them"
check "the bulk prefix is in the kernel" in_set iso4 10.40.0.0/30
check "the bulk IPv6 address is in the kernel" in_set isohost6 fd00:40::1
check "a bulk address inside the bulk prefix has its own element" in_set isohost4 10.40.0.1
check "isolations lists 8" test "$(n_isolations)" = 8
sum=$(printf '10.40.0.0/30\n10.40.0.1\n10.40.0.2\nfd00:40::1\n' | sha256sum | cut -d' ' -f1)
check "one isolation.bulk event for the request, with the count and a digest of its targets" \
    test "$(jq -c --arg s "$sum" 'select(.type == "isolation.bulk") | (.fields // .) |
        select(.reason == "IOC list 42" and .targets == 4 and .isolated == 4 and
        .targets_sha256 == $s and .first == "10.40.0.0/30")' "$EV" | wc -l)" = 1
check "and no per-target isolation.added events for it" \
    test "$(jq -c 'select(.type == "isolation.added") | (.fields // .) |
        select(.reason == "IOC list 42")' "$EV" | wc -l)" = 0
printf '["10.40.0.1", "10.41.0.1"]' >"$T/bulk.json"
expect_exit 0 "isolate --bulk with a JSON array" ctl isolate --bulk "$T/bulk.json" --reason "IOC list 43"
expect_out "isolated 1 target (1 already isolated" "one new, one already"
check "a bulk that finds a target isolated takes its reason" \
    test "$(ctl_jq '.isolations[] | select(.target == "10.40.0.1") | .reason' isolations)" = "IOC list 43"
# New addresses and a MAC only: each is one element of its own (no diff).
req POST /api/v1/isolations/bulk '{"targets": ["10.60.0.1", "fd00:60::1", "52:54:00:3c:00:01", "10.60.0.2"], "reason": "IOC list 44", "ttl": "1h"}'
check "a bulk of new addresses and a MAC: 200, 4 isolated" \
    test "$code $(jq -r .isolated "$T/body")" = "200 4"
check "its IPv4 addresses are in isohost4" in_set isohost4 10.60.0.1
check "... both" in_set isohost4 10.60.0.2
check "its IPv6 address is in isohost6" in_set isohost6 fd00:60::1
check "its MAC is in isomac" in_set isomac 52:54:00:3c:00:01
check "with the TTL as the element's timeout" in_set isohost4 "10.60.0.1 timeout"
check "and in the store, 13 in all" test "$(n_isolations)" = 13
check "each with the bulk's reason" \
    test "$(ctl_jq '[.isolations[] | select(.reason == "IOC list 44")] | length' isolations)" = 4
for t in 10.60.0.1 fd00:60::1 52:54:00:3c:00:01 10.60.0.2; do
	ctl release "$t" --reason "test done" >/dev/null 2>&1 ||
	    fail "release $t after the bulk"
done
check "released again: 9 left" test "$(n_isolations)" = 9
before=$(table_now)
req POST /api/v1/isolations/bulk '{"targets": ["10.50.0.1", "10.50.0.2", "999.1.1.1", "10.50.0.4"], "reason": "x"}'
check "one bad target: 400 naming its index" \
    test "$code $(jq -r .error.field "$T/body")" = "400 targets[2]"
check "and its value" grep -q "999.1.1.1" "$T/body"
check "nothing of that bulk is isolated" test "$(n_isolations)" = 9
check "nor in the kernel" test "$(table_now)" = "$before"

# -- release.
expect_exit 0 "release 10.41.0.1" ctl release 10.41.0.1 --reason "false positive"
check "gone from the kernel" not_in_set isohost4 10.41.0.1
check "gone from the list" test "$(n_isolations)" = 8
# 10.40.0.1 and .2 sit inside the isolated 10.40.0.0/30 (one element).
expect_exit 0 "release 10.40.0.2, inside an isolated prefix" ctl release 10.40.0.2 \
    --reason "false positive"
check "the covering prefix still holds" in_set iso4 10.40.0.0/30
check "7 left" test "$(n_isolations)" = 7
expect_exit 1 "release of something not isolated" ctl release 10.40.0.2 --reason again
expect_out "10.40.0.2 is not isolated" "says it is not isolated"
req POST /api/v1/isolations/release '{"target": "10.77.0.1", "reason": "x"}'
check "the API answers 404 not_isolated" \
    test "$code $(jq -r .error.code "$T/body")" = "404 not_isolated"
check "an isolation.released event" \
    test "$(jq -r 'select(.type == "isolation.released") | "\(.target)|\(.reason)"' "$EV" | tail -1)" \
    = "10.40.0.2|false positive"
expect_exit 0 "release the /30" ctl release 10.40.0.0/30 --reason "cleaned"
check "10.40.0.1 stays isolated by its own element" in_set isohost4 10.40.0.1
check "the /30 is gone" not_in_set iso4 10.40.0.0/30
check "6 left" test "$(n_isolations)" = 6

# -- TTL: the kernel and the store drop it.
expect_exit 0 "isolate with --ttl 2s" ctl isolate 10.60.0.1 --reason "short" --ttl 2s
check "it is in the kernel with a timeout" \
    sh -c "ip netns exec '$NS' nft list set inet sanso isohost4 | grep -q '10.60.0.1 timeout'"
check "expiry removes it from the store within 3 s" \
    wait_until 3 sh -c "[ \"\$('$SANSOCTL' --socket '$T/s' --json isolations | jq '[.isolations[].target] | index(\"10.60.0.1\")')\" = null ]"
check "and from the kernel" not_in_set isohost4 10.60.0.1
check "an isolation.expired event" \
    test "$(jq -r 'select(.type == "isolation.expired") | .target' "$EV" | tail -1)" = 10.60.0.1

# -- restarts: the element is in the kernel all along.
check "no drift before the restarts" test "$(ctl_jq .kernel.match status)" = true
watch_start 10.21.0.0/24
stop_sansod
check "after SIGTERM the isolations stay in the kernel" in_set iso4 10.21.0.0/24
check "sansod restarts" start_sansod
check "the isolations come back from the store" test "$(n_isolations)" = 6
stop_sansod -KILL
check "after SIGKILL the isolations stay in the kernel" in_set isomac 52:54:00:0a:00:05
check "sansod restarts after SIGKILL" start_sansod
watch_stop
check "no instant without the element across both restarts" test ! -s "$T/watch.gap"
check "still 6 after SIGKILL" test "$(n_isolations)" = 6
check "the kernel matches policy + store after the restarts" \
    test "$(ctl_jq .kernel.match status)" = true
check "the MAC kept host is still there" in_set isokeepmac6 "52:54:00:0a:00:05 . fd00:99::1"

# -- a change acknowledged, then SIGKILL: in force after the restart.
expect_exit 0 "isolate 10.70.0.1" ctl isolate 10.70.0.1 --reason "before the crash"
stop_sansod -KILL
check "sansod restarts after SIGKILL" start_sansod
check "the acknowledged isolation is in force" in_set isohost4 10.70.0.1
check "and listed" test "$(n_isolations)" = 7

# Element updates are what the drift reference expects: none of sansod's
# own changes so far looked like drift.
check "sansod's own changes never looked like drift" \
    test "$(grep -c 'kernel drift' "$T/sansod.log")" = 0

# -- drift: foreign changes are repaired within a second.
n_detected=$(events drift.detected)
n_repaired=$(events drift.repaired)
nsx nft delete table inet sanso
check "nft delete table inet sanso: repaired within 1 s" \
    wait_until 1 in_set iso4 10.21.0.0/24
echo "    (repaired in ${took} ms)"
nsx nft delete element inet sanso isohost4 '{ 10.70.0.1 }'
check "an element deleted by hand: back within 1 s" wait_until 1 in_set isohost4 10.70.0.1
echo "    (repaired in ${took} ms)"
restored_alone() {
	jq -e 'select(.type == "drift.repaired") | (.fields // .) |
	    select(.elements_restored == 1)' "$EV" >/dev/null
}
check "it was added back alone, without rebuilding the table" wait_until 2 restored_alone
handle=$(nsx nft -a list chain inet sanso isolation | grep 'saddr @iso4' | sed -n 's/.*# handle \([0-9]*\).*/\1/p' | head -1)
nsx nft delete rule inet sanso isolation handle "$handle"
rule_back() {
	nsx nft list chain inet sanso isolation | grep -q 'ip saddr @iso4'
}
check "a rule deleted by hand: back within 1 s" wait_until 1 rule_back
echo "    (repaired in ${took} ms)"
# Only this test's own namespace: nothing else lives in it.
nsx nft flush ruleset
check "nft flush ruleset (in the test namespace): repaired within 1 s" \
    wait_until 1 in_set isomac 52:54:00:0a:00:05
echo "    (repaired in ${took} ms)"
check "drift.detected recorded for each case" \
    wait_until 2 test "$(events drift.detected)" -ge $((n_detected + 4))
check "drift.repaired recorded for each case" \
    test "$(events drift.repaired)" -ge $((n_repaired + 4))
check "the drift event says what was found" \
    test "$(jq -r 'select(.type == "drift.detected") | .detail' "$EV" | tail -1 | wc -c)" -gt 5
check "the repair is logged as a warning" grep -q "kernel drift repaired" "$T/sansod.log"
check "the kernel matches again" test "$(ctl_jq .kernel.match status)" = true

# -- every event record has the common fields and unique, rising ids.
check "every record has id, time, gateway, type, severity" \
    test "$(jq -s 'all(has("id") and has("time") and has("gateway") and has("type") and has("severity"))' "$EV")" = true
check "ids rise across restarts" \
    test "$(jq -s '[.[].id] | . == (sort | unique)' "$EV")" = true

stop_sansod
check "sansod exits 0 on SIGTERM" test "$SANSOD_RC" -eq 0

# -- without its store sansod does not start, and leaves the kernel alone.
mkdir -p "$T/state-bad/store.db"
before=$(table_now)
ip netns exec "$NS" "$SANSOD" -c "$T/policy.yaml" -s "$T/state-bad" \
    --socket "$T/s" -f >"$T/bad.log" 2>&1
check "an unopenable store stops sansod (exit 1)" test "$?" -eq 1
check "it says so, naming the file" \
    grep -q "cannot open the store: $T/state-bad/store.db" "$T/bad.log"
check "the kernel keeps its table and isolations" test "$(table_now)" = "$before"
cat "$T/bad.log" >>"$T/sansod.log"
check_sansod_log_clean
summary
