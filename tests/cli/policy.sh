#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# sansoctl status, policy check|diff|apply|show, matrix and query against a
# sansod in its own network namespace (issue 2 items 4-7).
set -u
. "$(dirname "$0")/lib.sh"
cli_setup policy

make_variant "$T/variant.yaml"
make_invalid "$T/invalid.yaml"

check "sansod starts with the α policy" start_sansod

# -- status: the kernel has what was applied.
expect_exit 0 "status" ctl status
expect_out "table inet sanso matches the policy" "status says the kernel matches"
check "status --json: kernel present and matching" \
    test "$(ctl_jq '"\(.kernel.present) \(.kernel.match)"' status)" = "true true"
check "status --json: 8 zones, 11 conduits" \
    test "$(ctl_jq '"\(.policy.zones) \(.policy.conduits)"' status)" = "8 11"
check "status --json: sha256 of the applied file" \
    test "$(ctl_jq .policy.sha256 status)" = "$(sha256sum <"$ALPHA" | cut -d' ' -f1)"
check "the kernel has table inet sanso" has_table

# -- check: same verdicts and messages as sansod -t.
expect_exit 0 "policy check of the α policy" ctl policy check "$ALPHA"
expect_out "policy $ALPHA: OK (8 zones, 11 conduits)" "check prints OK with sizes"
expect_exit 1 "policy check of an invalid policy" ctl policy check "$T/invalid.yaml"
expect_out "$T/invalid.yaml:" "check names file:line:col"
expect_out "leak" "check names the conduit"
expect_out "policy $T/invalid.yaml: " "check prints the error count"
"$SANSOD" -t -c "$T/invalid.yaml" >"$T/t.out" 2>&1
ctl policy check "$T/invalid.yaml" >"$T/c.out" 2>&1
check "check prints exactly what sansod -t prints" cmp -s "$T/t.out" "$T/c.out"
printf 'version: 1\nzones: [\n' >"$T/syntax.yaml"
expect_exit 1 "policy check of a YAML syntax error" ctl policy check "$T/syntax.yaml"
expect_out "$T/syntax.yaml:" "syntax error names the file"
printf 'version: 1\n# caf\xe9\n' >"$T/latin1.yaml"
expect_exit 1 "policy check of a file that is not UTF-8" ctl policy check "$T/latin1.yaml"
expect_out "$T/latin1.yaml:2:" "non-UTF-8 error names the line"
expect_exit 1 "policy check of a missing file" ctl policy check "$T/nope.yaml"
expect_out "cannot read $T/nope.yaml" "missing file is named"
expect_exit 2 "policy check without FILE is a usage error" ctl policy check

# -- diff: what would change.
expect_exit 0 "policy diff of the running policy" ctl policy diff "$ALPHA"
expect_out "no changes" "diff of the same policy: no changes"
expect_exit 0 "policy diff of a variant" ctl policy diff "$T/variant.yaml"
expect_out "rdp" "diff names the changed service"
expect_out "3390" "diff names the added port"
check "diff --json has a diff object" \
    test "$(ctl_jq '.diff | type' policy diff "$T/variant.yaml")" = "object"
expect_exit 1 "policy diff of an invalid policy" ctl policy diff "$T/invalid.yaml"
expect_out "leak" "diff of an invalid policy shows the problem"

# -- apply, show, show --nft.
before=$(kernel_table)
expect_exit 1 "policy apply of an invalid policy is refused" ctl policy apply "$T/invalid.yaml"
expect_out "nothing changed" "refused apply says nothing changed"
check "refused apply left the kernel table unchanged" test "$(kernel_table)" = "$before"
expect_exit 0 "policy apply of a variant" ctl policy apply "$T/variant.yaml"
expect_out "applied in" "apply reports the duration"
check "the kernel has the variant's port" sh -c "ip netns exec '$NS' nft list table inet sanso | grep -q 3390"
check "status reports the variant" \
    test "$(ctl_jq .policy.name status)" = "$T/variant.yaml"
expect_exit 0 "status after apply" ctl status
expect_exit 0 "policy show" ctl policy show
check "policy show prints the applied text" cmp -s "$T/out" "$T/variant.yaml"
expect_exit 0 "policy show --nft" ctl policy show --nft
cp "$T/out" "$T/ruleset.nft"
expect_out "table inet sanso" "show --nft prints the table"
expect_out "3390" "show --nft has the variant's port"
check "nft -c -f accepts the show --nft output" nsx nft -c -f "$T/ruleset.nft"
check "policy show --json has name, text, sha256, applied_at" \
    test "$(ctl_jq '[.name, .text, .sha256, .applied_at] | map(type) | join(",")' policy show)" = "string,string,string,string"

# -- matrix.
expect_exit 0 "matrix" ctl matrix
expect_out "lgwan" "matrix lists the zones"
expect_out "rdp" "matrix lists services"
check "matrix --json has the matrix and its text" \
    test "$(ctl_jq '[.matrix != null, (.text | type)] | map(tostring) | join(",")' matrix)" = "true,string"

# -- query: can X reach Y?
expect_exit 0 "query: LGWAN to the screen-transfer gateway on RDP" \
    ctl policy query --from lgwan:10.20.0.100 --to internet:10.30.0.10 --service tcp/3389
expect_out "conduit screen" "allowed query names the conduit"
expect_exit 1 "query: LGWAN to an internet client is denied" \
    ctl policy query --from lgwan:10.20.0.100 --to internet:10.30.0.100 --service tcp/3389
expect_out "denied" "denied query says so"
expect_exit 0 "query: the pinned mynumber host with its MAC" \
    ctl policy query --from mynumber:10.10.0.5@52:54:00:0a:00:05 --to lgwan-wan:172.16.5.10 --service tcp/443
expect_exit 1 "query: the pinned IP with another MAC is denied" \
    ctl policy query --from mynumber:10.10.0.5@02:5a:00:0a:0f:05 --to lgwan-wan:172.16.5.10 --service tcp/443
cat >"$T/flows.jsonl" <<'EOF'
{"from_zone": "lgwan", "from": "fd00:20::100", "to_zone": "internet", "to": "fd00:30::100", "service": "tcp/443"}
{"from_zone": "mgmt", "from": "10.0.0.10", "to_zone": "lgwan", "to": "10.20.0.50", "service": "icmp"}
EOF
expect_exit 1 "query --batch with one denied flow exits 1" ctl policy query --batch "$T/flows.jsonl"
check "query --batch prints one line per flow" test "$(wc -l <"$T/out")" -eq 2
expect_exit 0 "query --batch (JSON array) all allowed" ctl policy query --batch <(echo '[{"from_zone": "mgmt", "from": "10.0.0.10", "to_zone": "lgwan", "to": "10.20.0.50", "service": "tcp/22"}]')
expect_exit 2 "query without --service is a usage error" \
    ctl policy query --from lgwan:10.20.0.100 --to internet:10.30.0.10
expect_exit 1 "query with a bad service names the field" \
    ctl policy query --from lgwan:10.20.0.100 --to internet:10.30.0.10 --service tcp/70000
expect_out "service" "bad service error names the field"

# -- drift: someone else changes table inet sanso behind sansod's back;
# sansod notices (nf_tables notifications, and a read-back every second)
# and restores policy + isolations (issue 3 item 5).
# poll N COMMAND...: up to N tenths of a second until COMMAND succeeds.
poll() {
	local n=$1 i
	shift
	for i in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
	return 1
}
no_foreign_rule() {
	! ip netns exec "$NS" nft list chain inet sanso forward | grep -q 'comment "foreign"'
}
nsx nft add rule inet sanso forward accept comment '"foreign"'
check "a rule added behind sansod's back is gone within 1 s" poll 10 no_foreign_rule
check "the drift is logged" grep -q "kernel drift: table inet sanso differs" "$T/sansod.log"
check "and its repair" grep -q "kernel drift repaired" "$T/sansod.log"
expect_exit 0 "status is clean again" ctl status
check "status --json: present and matching" \
    test "$(ctl_jq '"\(.kernel.present) \(.kernel.match)"' status)" = "true true"
nsx nft delete table inet sanso
check "a deleted table is back within 1 s" poll 10 has_table
check "the table is the running policy's" test "$(ctl_jq .kernel.match status)" = true
check "the missing table is logged" grep -q "table inet sanso is missing" "$T/sansod.log"
expect_exit 0 "a fresh apply still works" ctl policy apply "$T/variant.yaml"

# -- daemon unreachable.
expect_exit 3 "status without a daemon exits 3" \
    "$SANSOCTL" --socket "$T/absent.sock" status
expect_out "cannot connect to $T/absent.sock" "unreachable daemon is named"
expect_exit 3 "SANSO_SOCKET is honoured" env SANSO_SOCKET="$T/absent.sock" "$SANSOCTL" status
expect_exit 2 "unknown verb is a usage error" ctl frobnicate

stop_sansod
check "sansod exits 0 on SIGTERM" test "$SANSOD_RC" -eq 0
check "SIGTERM leaves table inet sanso in the kernel" has_table
check "SIGTERM removes the socket" test ! -e "$T/s"
check_sansod_log_clean
summary
