#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Every broken policy under tests/policy/bad (issue 2 item 11), sent to a
# running sansod: `sansoctl policy check` says what `sansod -t` says,
# `policy apply` is refused, and a SIGHUP with the file is refused; the
# kernel table stays the same byte for byte throughout.
set -u
. "$(dirname "$0")/lib.sh"
cli_setup badin

BAD=$TOP/tests/policy/bad
check "sansod starts with the α policy" start_sansod
alpha_table=$(kernel_table)
nfiles=$(ls "$BAD"/*.yaml 2>/dev/null | wc -l)
check "there are bad fixtures ($nfiles)" test "$nfiles" -gt 0

hups=0
for f in "$BAD"/*.yaml; do
	n=$(basename "$f")
	"$SANSOD" -t -c "$f" >"$T/t.out" 2>&1
	ctl policy check "$f" >"$T/c.out" 2>&1
	rc=$?
	check "$n: policy check exits 1" test "$rc" -eq 1
	if ! iconv -f UTF-8 -t UTF-8 "$f" >/dev/null 2>&1; then
		# Not UTF-8: sansoctl cannot put it in JSON and says so itself.
		check "$n: sansoctl names the line of the first non-UTF-8 byte" \
		    grep -qE "^$f:[0-9]+:[0-9]+: error: not valid UTF-8 text" "$T/c.out"
	else
		check "$n: policy check prints what sansod -t prints" \
		    cmp -s "$T/t.out" "$T/c.out"
	fi

	expect_exit 1 "$n: policy apply is refused" ctl policy apply "$f"
	check "$n: the kernel is unchanged after apply" test "$(kernel_table)" = "$alpha_table"

	cp "$f" "$T/policy.yaml"
	kill -HUP "$SANSOD_PID"
	hups=$((hups + 1))
	for i in $(seq 1 50); do
		[ "$(grep -c "reload: $T/policy.yaml has" "$T/sansod.log")" -ge "$hups" ] && break
		sleep 0.05
	done
	check "$n: SIGHUP is refused" \
	    test "$(grep -c "reload: $T/policy.yaml has" "$T/sansod.log")" -ge "$hups"
	check "$n: the kernel is unchanged after SIGHUP" test "$(kernel_table)" = "$alpha_table"
done

check "status still shows the α policy" \
    test "$(ctl_jq .policy.sha256 status)" = "$(sha256sum <"$ALPHA" | cut -d' ' -f1)"
expect_exit 0 "and the kernel matches it" ctl status
stop_sansod
check "sansod exits 0 on SIGTERM" test "$SANSOD_RC" -eq 0
check_sansod_log_clean
summary
