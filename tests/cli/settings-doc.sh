#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The examples in docs/settings.md are what a site copies: each one must be
# accepted by `sansod -t`, and a broken copy of one must be refused with
# its file:line:col.  No namespace, no daemon: -t only reads files.
set -u
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d /tmp/sanso-cli-settings.XXXXXX)
trap 'rm -rf "$T"' EXIT

python3 - "$TOP/docs/settings.md" "$T" <<'PY' || { echo "cannot read docs/settings.md"; exit 1; }
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
for i, b in enumerate(re.findall(r"```yaml\n(.*?)```", text, re.S)):
    open("%s/example-%d.yaml" % (sys.argv[2], i), "w", encoding="utf-8").write(b)
PY
n=0
for f in "$T"/example-*.yaml; do
	n=$((n + 1))
	first=$(head -1 "$f")
	check "docs/settings.md example $n ($first) is accepted by sansod -t" \
	    "$SANSOD" -t --settings "$f" -c "$ALPHA"
done
for section in listen auth logs audit approvals packets; do
	check "docs/settings.md has an example of $section:" \
	    grep -qx "$section:" "$T"/example-*.yaml
done
# A typo in a copied example: refused, and the message says where.
sed 's/^auth:/auth:\n  sesion_idle: 10m/' "$T/example-2.yaml" >"$T/typo.yaml"
expect_exit 1 "a misspelt key in a copied example is refused" \
    "$SANSOD" -t --settings "$T/typo.yaml" -c "$ALPHA"
expect_out "typo.yaml:2:3: error: unknown key 'sesion_idle' in auth" \
    "the message names the file, line, column and key"
summary
