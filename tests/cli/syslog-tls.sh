#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Events to Debian's rsyslog over TLS (issue 5 items 3 and 6): rsyslog runs
# in this test's own namespace on 127.0.0.1 with certificates the test
# generates, its own config, pid and work directory (the system's rsyslog
# is never touched).  sansod verifies the server certificate; with the
# collector stopped, a known number of decisions (isolations) is spooled
# and every one arrives, in order, once rsyslog is back; a wrong server
# name is refused; a tiny spool counts its loss and reports it as a
# log.loss alert once the collector is back.
set -u
. "$(dirname "$0")/lib.sh"
cli_setup syslog

if ! command -v rsyslogd >/dev/null || ! command -v openssl >/dev/null ||
    [ ! -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_ossl.so ] &&
    [ ! -e "$(dirname "$(dpkg -L rsyslog-openssl 2>/dev/null | grep lmnsd_ossl.so | head -1)")/lmnsd_ossl.so" ]; then
	fail "rsyslog and rsyslog-openssl are needed (make deps)"
	summary
	exit 1
fi

EV=$T/state/events.jsonl
SPOOL=$T/state/syslog-soc.spool
RS=$T/rsyslog
PORT=$((20000 + $$ % 20000))
UPORT=$((PORT + 1))
N=20
mkdir -p "$RS/work"

# -- certificates: a CA and a server certificate for collector.test.
(
	cd "$RS" &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout ca.key -out ca.pem -days 1 -subj "/CN=sanso test CA" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout server.key -out server.csr -subj "/CN=collector.test" &&
	printf 'subjectAltName=DNS:collector.test\nextendedKeyUsage=serverAuth\n' >ext.cnf &&
	openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key \
	    -CAcreateserial -out server.pem -days 1 -extfile ext.cnf
) >"$T/openssl.log" 2>&1
check "openssl made a CA and a server certificate" test -s "$RS/server.pem"
chmod 0644 "$RS"/*.pem

# rsyslog: TLS (ossl driver), octet-counted frames, one file with each
# message's MSG (the JSON record) and one with the raw message.
cat >"$RS/rsyslog.conf" <<EOC
global(workDirectory="$RS/work"
    defaultNetstreamDriver="ossl"
    defaultNetstreamDriverCAFile="$RS/ca.pem"
    defaultNetstreamDriverCertFile="$RS/server.pem"
    defaultNetstreamDriverKeyFile="$RS/server.key"
    maxMessageSize="64k")
module(load="imtcp" streamDriver.name="ossl" streamDriver.mode="1"
    streamDriver.authMode="anon")
template(name="msgonly" type="string" string="%msg%\n")
template(name="raw" type="string" string="%rawmsg%\n")
ruleset(name="sanso") {
    action(type="omfile" file="$RS/msg.log" template="msgonly")
    action(type="omfile" file="$RS/raw.log" template="raw")
}
input(type="imtcp" port="$PORT" address="127.0.0.1" ruleset="sanso")
module(load="imudp")
ruleset(name="udp") {
    action(type="omfile" file="$RS/udp.log" template="raw")
}
input(type="imudp" port="$UPORT" address="127.0.0.1" ruleset="udp")
EOC

RSYSLOG_PID=
start_rsyslog() {
	ip netns exec "$NS" rsyslogd -n -f "$RS/rsyslog.conf" -i "$RS/pid" \
	    >>"$RS/rsyslogd.log" 2>&1 &
	RSYSLOG_PID=$!
	CLI_PIDS+=("$RSYSLOG_PID")
	local i
	for i in $(seq 1 50); do
		nsx ss -ltn 2>/dev/null | grep -q "127.0.0.1:$PORT " && return 0
		sleep 0.1
	done
	return 1
}

stop_rsyslog() {
	[ -n "$RSYSLOG_PID" ] || return 0
	kill -TERM "$RSYSLOG_PID" 2>/dev/null
	wait "$RSYSLOG_PID" 2>/dev/null
	RSYSLOG_PID=
	! nsx ss -ltn 2>/dev/null | grep -q "127.0.0.1:$PORT "
}

# settings NAME SPOOL_MAX: sansod.yaml for collector "soc".
settings() {
	cat >"$T/sansod.yaml" <<EOS
logs:
  reconnect_max: 1s
  spool_max: $2
  syslog:
    soc:
      address: 127.0.0.1:$PORT
      transport: tls
      ca_file: $RS/ca.pem
      server_name: $1
    noc:
      address: 127.0.0.1:$UPORT
      transport: udp
EOS
}

# Ids that arrived at the collector, first arrival order, one a line.
received_ids() {
	jq -r '.id' "$RS/msg.log" 2>/dev/null | awk '!seen[$0]++'
}

# Ids in the JSON file (type $1 only when given).
file_ids() {
	if [ $# -gt 0 ]; then
		jq -r "select(.type == \"$1\") | .id" "$EV"
	else
		jq -r '.id' "$EV"
	fi
}

# All ids of the JSON file reached the collector.
all_arrived() {
	[ -z "$(comm -23 <(file_ids | sort) <(received_ids | sort))" ]
}

wait_for() {
	local limit=$1 i
	shift
	for i in $(seq 1 $((limit * 10))); do
		"$@" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

check "rsyslogd listens on 127.0.0.1:$PORT (TLS)" start_rsyslog
settings collector.test 64M
check "sansod starts with a TLS collector" start_sansod --settings "$T/sansod.yaml"
check "sansod connects and verifies the server" \
    wait_for 10 grep -q "syslog:soc: connected to 127.0.0.1:$PORT (tls)" "$T/sansod.log"
check "the policy.applied event arrives at rsyslog" wait_for 10 all_arrived
check "its MSG is the JSON record" \
    test "$(jq -r 'select(.type == "policy.applied") | .severity' "$RS/msg.log" | head -1)" = notice
# <local0.notice = 133>1 TIMESTAMP HOST sansod PID policy.applied [sanso@32473 id="N" ...
check "the raw message is RFC 5424 with PRI, MSGID and structured data" \
    grep -qE "^<133>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[+-][0-9]{2}:[0-9]{2} [^ ]+ sansod [0-9]+ policy\.applied \[sanso@32473 id=\"[0-9]+\"" "$RS/raw.log"
check "the UDP collector gets the same record, same id (one datagram each)" \
    wait_for 5 grep -qE "^<133>1 .* sansod [0-9]+ policy\.applied \[sanso@32473 id=\"$(file_ids policy.applied | head -1)\"" "$RS/udp.log"

# -- collector away: N decisions are spooled, then all delivered in order.
check "rsyslog stops" stop_rsyslog
check "sansod notices the collector is gone" \
    wait_for 10 grep -q "syslog:soc: collector 127.0.0.1:$PORT lost" "$T/sansod.log"
before=$(file_ids isolation.added | wc -l)
for i in $(seq 1 $N); do
	ctl isolate "10.80.0.$i" --reason "spool test $i" >/dev/null 2>&1 ||
	    fail "isolate 10.80.0.$i"
done
check "$N isolation.added events in the JSON file" \
    test "$(file_ids isolation.added | wc -l)" -eq $((before + N))
check "the spool holds them meanwhile" test -s "$SPOOL"
check "none of them reached the collector" \
    test "$(received_ids | grep -cxFf <(file_ids isolation.added | tail -$N))" -eq 0
check "rsyslog starts again" start_rsyslog
check "every event arrives once the collector is back" wait_for 20 all_arrived
check "all $N isolations among them" \
    test "$(received_ids | grep -cxFf <(file_ids isolation.added | tail -$N))" -eq $N
check "in order: ids arrive increasing" \
    sh -c "received_ids() { jq -r .id '$RS/msg.log' | awk '!seen[\$0]++'; }; [ \"\$(received_ids)\" = \"\$(received_ids | sort -n)\" ]"
check "the ids arrived are exactly those of the JSON file" \
    test "$(received_ids | sort -n)" = "$(file_ids | sort -n)"
dups=$(($(jq -r .id "$RS/msg.log" | wc -l) - $(received_ids | wc -l)))
echo "    ($dups duplicate deliveries, detectable by id)"
check "the spool is empty once delivered" wait_for 5 test ! -s "$SPOOL"

# -- a server whose certificate does not carry the expected name.
stop_sansod
settings wrong.test 64M
check "sansod restarts expecting wrong.test" start_sansod --settings "$T/sansod.yaml"
check "the certificate is refused, saying why" \
    wait_for 10 grep -q "syslog:soc: collector 127.0.0.1:$PORT unreachable (certificate verification failed: hostname mismatch)" "$T/sansod.log"
ctl isolate 10.81.0.1 --reason "unverified collector" >/dev/null 2>&1
check "nothing reaches an unverified collector" \
    test "$(received_ids | grep -cxFf <(file_ids isolation.added | tail -1))" -eq 0
stop_sansod
settings collector.test 64M
check "sansod restarts with the right name" start_sansod --settings "$T/sansod.yaml"
check "what was spooled meanwhile arrives" wait_for 15 all_arrived
check "and is confirmed (the spool empties)" wait_for 5 test ! -s "$SPOOL"

# -- a tiny spool: the loss is counted and becomes a log.loss alert.
stop_sansod
settings collector.test 2k
check "sansod restarts with spool_max 2k" start_sansod --settings "$T/sansod.yaml"
check "and delivers what it emits at start" wait_for 10 all_arrived
check "rsyslog stops again" stop_rsyslog
wait_for 10 sh -c "[ \$(grep -c 'syslog:soc: collector 127.0.0.1:$PORT lost' '$T/sansod.log') -ge 2 ]"
for i in $(seq 1 10); do
	ctl isolate "10.82.0.$i" --reason "tiny spool $i" >/dev/null 2>&1
done
check "10 more isolations in the JSON file" \
    test "$(jq -r 'select(.type == "isolation.added") | .target' "$EV" | grep -c '^10\.82\.0\.')" -eq 10
check "the spool stays within 2k" test "$(stat -c %s "$SPOOL")" -le 2048
check "no log.loss before the collector is back" \
    test "$(file_ids log.loss | wc -l)" -eq 0
check "rsyslog starts again" start_rsyslog
has_loss() {
	[ -n "$(file_ids log.loss)" ]
}
check "a log.loss event follows in the JSON file" wait_for 15 has_loss
lost=$(jq -r 'select(.type == "log.loss") | .lost' "$EV" | tail -1)
check "it is an alert naming the collector" \
    test "$(jq -r 'select(.type == "log.loss") | "\(.severity) \(.collector)"' "$EV" | tail -1)" = "alert soc"
got=$(received_ids | grep -cxFf <(jq -r 'select(.type == "isolation.added" and (.target | startswith("10.82.0."))) | .id' "$EV"))
check "delivered + lost = 10 ($got delivered, $lost lost)" test $((got + lost)) -eq 10
check "some were lost" test "$lost" -ge 1
check "the log.loss alert reaches the collector (local0.alert = 129)" \
    wait_for 10 grep -qE "^<129>1 .* sansod [0-9]+ log\.loss \[sanso@32473 id=\"[0-9]+\" collector=\"soc\" lost=\"$lost\"\]" "$RS/raw.log"
check "sansod says how many were lost" \
    grep -q "syslog:soc: $lost events were lost" "$T/sansod.log"

stop_sansod
check "sansod exits 0 on SIGTERM" test "$SANSOD_RC" -eq 0
stop_rsyslog
check_sansod_log_clean
summary
