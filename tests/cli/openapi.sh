#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# docs/openapi.yaml describes exactly the routes sansod serves (issue 4
# item 2): every line of `sansod --routes` is an operation of the document
# with the same x-sanso-permission, and every operation is a route.  Also
# that the document is OpenAPI 3, every $ref resolves, every operation has
# a summary and responses, and error responses use the Error schema.
set -u
CLI_DIR=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$CLI_DIR/../.." && pwd)
B=${B:-build}
case $B in /*) BDIR=$B ;; *) BDIR=$TOP/$B ;; esac
SANSOD=${SANSOD:-$BDIR/sansod}
DOC=$TOP/docs/openapi.yaml

if [ ! -x "$SANSOD" ]; then
	echo "missing $SANSOD (run make)"
	echo "0 passed, 1 failed"
	exit 1
fi
T=$(mktemp -d /tmp/sanso-cli-openapi.XXXXXX)
trap 'rm -rf "$T"' EXIT
if ! "$SANSOD" --routes >"$T/routes" 2>"$T/err"; then
	echo "FAIL - sansod --routes failed"
	sed 's/^/    | /' "$T/err"
	echo "0 passed, 1 failed"
	exit 1
fi

python3 - "$DOC" "$T/routes" <<'PY'
import sys
import yaml

doc_path, routes_path = sys.argv[1], sys.argv[2]
passed = failed = 0


def ok(cond, desc, detail=()):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + desc)
    else:
        failed += 1
        print("FAIL - " + desc)
        for d in list(detail)[:40]:
            print("    | " + d)


try:
    with open(doc_path) as f:
        doc = yaml.safe_load(f)
    ok(True, "docs/openapi.yaml is YAML")
except Exception as e:  # noqa: BLE001 - any parse error is the finding
    ok(False, "docs/openapi.yaml is YAML", [str(e)])
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1)

ok(str(doc.get("openapi", "")).startswith("3."), "the document is OpenAPI 3",
   ["openapi: %r" % doc.get("openapi")])

routes = {}
for line in open(routes_path):
    line = line.rstrip("\n")
    if not line:
        continue
    method, path, perm = line.split("\t")
    routes[(method.upper(), path)] = perm
ok(len(routes) > 0, "sansod --routes lists routes (%d)" % len(routes))

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ops = {}
for path, item in (doc.get("paths") or {}).items():
    for m, op in (item or {}).items():
        if m in METHODS:
            ops[(m.upper(), path)] = op

missing = sorted("%s %s" % k for k in routes if k not in ops)
ok(not missing, "every route of sansod --routes is in the document",
   ["not documented: " + m for m in missing])
extra = sorted("%s %s" % k for k in ops if k not in routes)
ok(not extra, "every operation of the document is a route of sansod",
   ["no such route: " + m for m in extra])

wrong = []
for k, perm in sorted(routes.items()):
    op = ops.get(k)
    if op is None:
        continue
    got = op.get("x-sanso-permission")
    if got != perm:
        wrong.append("%s %s: document says %r, router says %r"
                     % (k[0], k[1], got, perm))
ok(not wrong, "x-sanso-permission matches the router's permission", wrong)

bad = []
for k, op in sorted(ops.items()):
    name = "%s %s" % k
    if not op.get("summary"):
        bad.append(name + ": no summary")
    resp = op.get("responses") or {}
    if not any(str(c).startswith("2") for c in resp):
        bad.append(name + ": no 2xx response")
    # Routes open to anyone (login) say so with "security: []".
    if op.get("security") != []:
        for c in ("401", "403"):
            if c not in resp:
                bad.append(name + ": no %s response" % c)
    if k[0] in ("POST", "PUT", "PATCH") and "requestBody" in op:
        if "400" not in resp:
            bad.append(name + ": has a body but no 400 response")
ok(not bad, "every operation has a summary, a 2xx, 401 and 403 unless "
   "it is open to anyone (and 400 when it takes a body)", bad)


def resolve(ref):
    if not ref.startswith("#/"):
        return None
    node = doc
    for part in ref[2:].split("/"):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


dangling = []


def walk(node, where):
    if isinstance(node, dict):
        for key, v in node.items():
            if key == "$ref" and isinstance(v, str) and resolve(v) is None:
                dangling.append("%s: %s" % (where, v))
            walk(v, where)
    elif isinstance(node, list):
        for v in node:
            walk(v, where)


walk(doc, "document")
ok(not dangling, "every $ref resolves", dangling)


def mentions_error(node):
    if isinstance(node, dict):
        if node.get("$ref") == "#/components/schemas/Error":
            return True
        return any(mentions_error(v) for v in node.values())
    if isinstance(node, list):
        return any(mentions_error(v) for v in node)
    return False


noerr = []
for k, op in sorted(ops.items()):
    for code, r in (op.get("responses") or {}).items():
        if not str(code)[0] in "45":
            continue
        if "$ref" in r:
            r = resolve(r["$ref"]) or {}
        if not mentions_error(r):
            noerr.append("%s %s %s" % (k[0], k[1], code))
ok(not noerr, "every 4xx/5xx response is an Error "
   '{"error": {"code", "message", "field"}}', noerr)

err = (doc.get("components", {}).get("schemas", {}).get("Error", {})
       .get("properties", {}).get("error", {}))
ok(set(err.get("required", [])) == {"code", "message", "field"},
   "the Error schema requires code, message and field")
sec = doc.get("components", {}).get("securitySchemes", {})
kinds = {(s.get("type"), s.get("in"), s.get("scheme")) for s in sec.values()}
ok(("apiKey", "cookie", None) in kinds and ("apiKey", "header", None) in kinds
   and ("http", None, "bearer") in kinds,
   "security schemes: session cookie, CSRF header, bearer token",
   [repr(sorted(sec))])

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
