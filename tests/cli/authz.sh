#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The authorization matrix (issue 4 item 8): EVERY route that `sansod
# --routes` prints (and docs/openapi.yaml documents: the two must agree, so
# a new route cannot escape) x EVERY default role of docs/roles.md, over
# HTTPS with a real session: allowed routes are not refused (no 401/403),
# the others are 403 {"error": {"code": "forbidden"}} naming the
# permission.  Also an API token's scope, an account with a temporary
# password, and root on the unix socket.
set -u
. "$(dirname "$0")/lib.sh"
cli_setup authz

PORT=8443
cat >"$T/sansod.yaml" <<EOF
listen:
  https: ["127.0.0.1:$PORT"]
auth:
  scrypt_n: 1024
EOF
"$SANSOD" --routes >"$T/routes" || fail "sansod --routes"
check "sansod starts with HTTPS" start_sansod --settings "$T/sansod.yaml"
for i in $(seq 1 50); do
	nsx curl -sk -o /dev/null "https://127.0.0.1:$PORT/api/v1/status" && break
	sleep 0.1
done

nsx python3 - "$T/routes" "$TOP/docs/openapi.yaml" "$TOP/docs/roles.md" \
    "$T/s" "$PORT" >"$T/matrix.out" 2>&1 <<'PY'
import http.client
import json
import re
import socket
import ssl
import sys

import yaml

routes_path, openapi_path, roles_path, sock_path, port = sys.argv[1:6]
passed = failed = 0


def ok(cond, desc, detail=()):
    global passed, failed
    if cond:
        passed += 1
        print("ok - " + desc)
    else:
        failed += 1
        print("FAIL - " + desc)
        for d in list(detail)[:30]:
            print("    | " + str(d))


# -- what the router serves and what the documents say.
routes = []
with open(routes_path) as f:
    for line in f:
        m, p, perm = line.rstrip("\n").split("\t")
        routes.append((m, p, perm))
doc = yaml.safe_load(open(openapi_path))
documented = {}
for p, item in (doc.get("paths") or {}).items():
    for m, op in item.items():
        if m in ("get", "post", "put", "delete", "patch"):
            documented[(m.upper(), p)] = op.get("x-sanso-permission")
served = {(m, p): perm for m, p, perm in routes}
ok(len(routes) > 0, "sansod --routes lists %d routes" % len(routes))
ok(set(served) == set(documented),
   "the router and docs/openapi.yaml have the same routes (none escapes)",
   ["only in the router: %s %s" % k for k in sorted(set(served) - set(documented))] +
   ["only in the document: %s %s" % k for k in sorted(set(documented) - set(served))])

roles_md = open(roles_path).read()
known = set(re.findall(r"^\| `([a-z]+\.[a-z_]+)`(?:, `([a-z]+\.[a-z_]+)`)? \|",
                       roles_md, re.M))
known = {p for pair in known for p in pair if p}
block = re.search(r"```yaml\nroles:\n(.*?)```", roles_md, re.S).group(1)
default_roles = yaml.safe_load("roles:\n" + block)["roles"]
ok(set(default_roles) == {"viewer", "operator", "approver", "csirt", "auditor",
                          "admin", "superuser"},
   "docs/roles.md lists the default roles", [sorted(default_roles)])
unknown = sorted({perm for _, _, perm in routes} - known - {"public", "authenticated"})
ok(not unknown, "every route's permission is listed in docs/roles.md", unknown)
bad = sorted({p for ps in default_roles.values() for p in ps} - known - {"*"})
ok(not bad, "every permission of a default role is a known one", bad)


def grants(role_perms, perm):
    if perm in ("public", "authenticated"):
        return True
    for g in role_perms:
        if g == "*" or g == perm or (g.endswith(".*") and perm.startswith(g[:-1])):
            return True
    return False


# -- HTTP over TLS (inside the namespace) and over the unix socket.
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("sansod", timeout=30)
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def call(method, path, body=None, headers=None, unix=False):
    conn = (UnixConnection(sock_path) if unix else
            http.client.HTTPSConnection("127.0.0.1", int(port), context=ctx,
                                        timeout=30))
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    raw = r.read()
    cookie = r.getheader("Set-Cookie")
    conn.close()
    try:
        js = json.loads(raw)
    except ValueError:
        js = None
    return r.status, js, cookie


def session(user, password):
    st, js, cookie = call("POST", "/api/v1/login", {"user": user, "password": password})
    if st != 200:
        return None
    tok = re.match(r"sanso_session=([0-9a-f]+);", cookie).group(1)
    return {"Cookie": "sanso_session=" + tok, "X-CSRF-Token": js["csrf_token"]}, js


def err(js):
    return (js or {}).get("error") or {}


# Routes that end the caller's session run last.
order = sorted(routes, key=lambda r: r[1] == "/api/v1/logout")


def matrix(label, headers, allowed_fn, deny_code="forbidden"):
    wrong = []
    for m, p, perm in order:
        body = None if m == "GET" else {}
        print("# %s %s %s" % (label, m, p), flush=True)
        st, js, _ = call(m, p, body, headers)
        e = err(js)
        if allowed_fn(perm):
            if st == 401 or (st == 403 and e.get("code") in
                             ("forbidden", "csrf_failed", "password_change_required")):
                wrong.append("%s %s (%s): refused %d %s" % (m, p, perm, st, e.get("code")))
        else:
            if st != 403 or e.get("code") != deny_code or (
                    deny_code == "forbidden" and perm not in e.get("message", "")):
                wrong.append("%s %s (%s): %d %s, expected 403 %s naming %s" %
                             (m, p, perm, st, e.get("code"), deny_code, perm))
    n_allowed = sum(1 for _, _, perm in routes if allowed_fn(perm))
    ok(not wrong, "%s: %d routes allowed, %d denied with 403 %s" %
       (label, n_allowed, len(routes) - n_allowed, deny_code), wrong)


# -- one account per default role, made by root over the socket.
st, js, _ = call("GET", "/api/v1/session", unix=True)
ok(st == 200 and js["role"] == "superuser" and js["via"] == "unix",
   "root on the unix socket is superuser", [st, js])
PASSWORD = "Matrix-Test-2025"
for role in sorted(default_roles):
    name = "u-" + role
    st, js, _ = call("POST", "/api/v1/users", {"name": name, "role": role}, unix=True)
    if st != 201:
        ok(False, "account for role %s" % role, [st, js])
        continue
    temp = js["temporary_password"]
    hdr, who = session(name, temp)
    if role == "operator":
        # The temporary password column: nothing but the "authenticated"
        # routes until it is changed.
        matrix("operator with a temporary password", hdr,
               lambda perm: perm in ("public", "authenticated"),
               "password_change_required")
        hdr, who = session(name, temp)
    st, js, _ = call("POST", "/api/v1/password", {"current": temp, "new": PASSWORD}, hdr)
    if st != 200:
        ok(False, "password change for %s" % name, [st, js])
        continue
    hdr, who = session(name, PASSWORD)
    perms = default_roles[role]
    expect = sorted(p for p in known if grants(perms, p))
    ok(sorted(who["permissions"]) == expect,
       "role %s has the permissions docs/roles.md lists" % role,
       ["daemon: %s" % sorted(who["permissions"]), "docs:   %s" % expect])
    matrix("role " + role, hdr, lambda perm, perms=perms: grants(perms, perm))

# -- an API token's scope narrows its account's role.
hdr, _ = session("u-csirt", PASSWORD)
st, js, _ = call("POST", "/api/v1/tokens", {"name": "soar", "scope": ["isolation.read"]}, hdr)
ok(st == 201, "u-csirt makes a token with scope isolation.read", [st, js])
if st == 201:
    matrix("csirt token scoped to isolation.read",
           {"Authorization": "Bearer " + js["token"]},
           lambda perm: perm in ("public", "authenticated", "isolation.read"))

# -- root on the socket may use every route.
wrong = []
for m, p, perm in order:
    if p == "/api/v1/logout":
        continue
    st, js, _ = call(m, p, None if m == "GET" else {}, unix=True)
    if st == 401 or (st == 403 and err(js).get("code") == "forbidden"):
        wrong.append("%s %s: %d" % (m, p, st))
ok(not wrong, "root (superuser) on the unix socket is refused no route", wrong)

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
PY
rc=$?
cat "$T/matrix.out"
n_ok=$(grep -c '^ok - ' "$T/matrix.out")
n_fail=$(grep -c '^FAIL - ' "$T/matrix.out")
passed=$((passed + n_ok))
failed=$((failed + n_fail))
[ "$rc" -eq 0 ] || [ "$n_fail" -gt 0 ] || fail "the matrix script failed (exit $rc)"

stop_sansod
check "sansod exits 0" test "$SANSOD_RC" -eq 0
check_sansod_log_clean
summary
