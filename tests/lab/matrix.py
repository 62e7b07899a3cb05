#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Drives the lab's pair matrix: plans every host pair x probe, asks sansod
# what the policy allows, runs the real probes in every host namespace and
# compares, then checks the named assertions and `sansoctl matrix`.
"""Usage: matrix.py --hosts HOSTS.tsv --workdir DIR --ctl SANSOCTL --socket S
                 [--timeout 1.0] [--no-daemon]

HOSTS.tsv: name zone netns v4 v6 mac (from lab_hosts_tsv in lib.sh).
Prints "ok:"/"FAIL:" lines and finally "counts PASSED FAILED".  Writes
DIR/observed.tsv (id src dst fam proto port expected observed conduit) for later
steps of the test.  Standard library only.
"""

import argparse
import json
import os
import subprocess
import sys
import time

PROBES = [("tcp", 22), ("tcp", 25), ("tcp", 53), ("tcp", 443),
          ("tcp", 3389), ("tcp", 8080), ("udp", 53), ("udp", 9999),
          ("icmp", 0)]
# Hosts that only serve a dedicated probe of the shell test.
SPECIAL = {"mn-fake"}
HERE = os.path.dirname(os.path.abspath(__file__))

passed = 0
failed = 0


def ok(msg):
    global passed
    passed += 1
    print("ok:   " + msg)


def fail(msg):
    global failed
    failed += 1
    print("FAIL: " + msg)


def check(cond, msg, detail=""):
    if cond:
        ok(msg)
    else:
        fail(msg + (" -- " + detail if detail else ""))


def svc(proto, port):
    return proto if proto == "icmp" else "%s/%d" % (proto, port)


class Host:
    def __init__(self, line):
        f = line.rstrip("\n").split("\t")
        self.name, self.zone, self.ns, self.v4, self.v6, self.mac = f
        self.v6 = None if self.v6 == "-" else self.v6


def plan(hosts):
    """Every ordered pair of hosts on different bridges, every probe, v4 and
    (when both ends have it) v6.  Same-zone pairs never cross the gateway."""
    probes = []
    for s in hosts:
        for d in hosts:
            if s is d or s.zone == d.zone:
                continue
            fams = [("4", s.v4, d.v4)]
            if s.v6 and d.v6:
                fams.append(("6", s.v6, d.v6))
            for fam, sa, da in fams:
                for proto, port in PROBES:
                    probes.append({
                        "id": "p%d" % len(probes), "src": s, "dst": d,
                        "fam": fam, "saddr": sa, "daddr": da,
                        "proto": proto, "port": port})
    return probes


def query(args, probes):
    batch = [{"from_zone": p["src"].zone, "from": p["saddr"],
              "from_mac": p["src"].mac, "to_zone": p["dst"].zone,
              "to": p["daddr"], "service": svc(p["proto"], p["port"])}
             for p in probes]
    path = os.path.join(args.workdir, "batch.json")
    with open(path, "w") as f:
        json.dump(batch, f)
    cmd = [args.ctl, "--socket", args.socket, "--json", "policy", "query",
           "--batch", path]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    if r.returncode not in (0, 1):
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode,
                                                 r.stderr.strip()))
    res = json.loads(r.stdout)["results"]
    if len(res) != len(probes):
        raise RuntimeError("policy query returned %d results for %d flows" %
                           (len(res), len(probes)))
    for p, q in zip(probes, res):
        p["expected"] = bool(q["allowed"])
        p["conduit"] = q.get("conduit")
        p["reason"] = q.get("reason", "")


def run_probes(args, probes, timeout):
    by_src = {}
    for p in probes:
        by_src.setdefault(p["src"].ns, []).append(p)
    procs = []
    for ns, ps in by_src.items():
        cmd = ["ip", "netns", "exec", ns, args.python, os.path.join(
            HERE, "probe.py"), "run", "--timeout", str(timeout)]
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
        procs.append((proc, ps))
    by_id = {p["id"]: p for p in probes}
    for proc, ps in procs:
        text = "".join("%s %s %s %d\n" % (p["id"], p["proto"], p["daddr"],
                                           p["port"]) for p in ps)
        proc.stdin.write(text)
        proc.stdin.close()
    for proc, ps in procs:
        out = proc.stdout.read()
        proc.wait(timeout=60)
        for line in out.splitlines():
            key, res = line.split()
            by_id[key]["observed"] = res == "1"
    for p in probes:
        p.setdefault("observed", None)


def desc(p):
    return "%s(%s) -> %s(%s) %s v%s" % (p["src"].name, p["saddr"],
                                        p["dst"].name, p["daddr"],
                                        svc(p["proto"], p["port"]), p["fam"])


def passed_set(probes, src=None, szones=None, dzones=None, fam=None):
    """(dst, service, fam) of every probe that passed, filtered."""
    out = set()
    for p in probes:
        if src and p["src"].name not in src:
            continue
        if szones and p["src"].zone not in szones:
            continue
        if dzones and p["dst"].zone not in dzones:
            continue
        if fam and p["fam"] != fam:
            continue
        if p["observed"]:
            out.add((p["src"].name, p["dst"].name, svc(p["proto"], p["port"]),
                     "v" + p["fam"]))
    return out


def fmt(s):
    return ", ".join("%s->%s %s %s" % t for t in sorted(s)) or "nothing"


def find(probes, src, dst, service, fam="4"):
    for p in probes:
        if (p["src"].name == src and p["dst"].name == dst and
                svc(p["proto"], p["port"]) == service and p["fam"] == fam):
            return p
    raise KeyError((src, dst, service, fam))


def named(probes):
    """The issue's named assertions, on the packets actually observed."""
    lg = {"lgwan"}
    inet = {"internet", "isc"}
    s = passed_set(probes, szones={"mynumber"}, dzones=inet) | \
        passed_set(probes, szones=inet, dzones={"mynumber"})
    check(not s, "nothing at all between mynumber and internet, either way",
          "passed: " + fmt(s))

    s = passed_set(probes, szones=lg, dzones=inet)
    lgsrc = sorted({p["src"].name for p in probes if p["src"].zone in lg})
    want = set()
    for h in lgsrc:
        want |= {(h, "screen-gw", "tcp/3389", "v4"),
                 (h, "file-clean", "tcp/443", "v4")}
    check(s == want, "LGWAN -> internet only screen-gw rdp (and file-clean "
          "https), from every LGWAN host",
          "passed: %s; missing: %s" % (fmt(s - want), fmt(want - s)))

    s = passed_set(probes, src={"mail-clean"}, dzones=lg)
    want = {("mail-clean", "lgwan-mail", "tcp/25", "v4")}
    check(s == want, "mail-clean -> LGWAN: lgwan-mail smtp only",
          "passed: %s; expected: %s" % (fmt(s), fmt(want)))
    s = passed_set(probes, src={"lgwan-mail"}, dzones={"internet"})
    s = {t for t in s if t[1] == "mail-clean"}
    check(not s, "lgwan-mail -> mail-clean: nothing (never the reverse)",
          "passed: " + fmt(s))

    s = passed_set(probes, src={"mn-gw", "mn-term"})
    want = {("mn-gw", "chukan", "tcp/443", "v4")}
    check(s == want, "mynumber: only 特定通信 mn-gw -> chukan https passes "
          "(mn-term nothing)", "passed: %s" % fmt(s))

    s = passed_set(probes, szones={"quarantine"})
    want = {("q-laptop", "wsus", "tcp/443", "v4"),
            ("q-laptop", "av-sig", "tcp/443", "v4")}
    check(s == want, "quarantine reaches only wsus and av-sig https",
          "passed: %s" % fmt(s))

    s = passed_set(probes, szones={"isc"})
    want = {("isc-web", "www", "tcp/443", "v4")}
    check(s == want, "isc uplink reaches nothing inside except www https",
          "passed: %s" % fmt(s))

    s = passed_set(probes, szones={"lgwan-wan"})
    check(not s, "lgwan-wan uplink (chukan) opens nothing inside",
          "passed: " + fmt(s))

    p = find(probes, "lgwan-pc", "chukan", "tcp/443", "6")
    check(p["observed"] is True, "IPv6 pair allowed: " + desc(p))
    p = find(probes, "inet-pc", "lgwan-pc", "tcp/443", "6")
    check(p["observed"] is False, "IPv6 pair denied: " + desc(p))
    p = find(probes, "lgwan-pc", "inet-pc", "tcp/443", "6")
    check(p["observed"] is False, "IPv6 pair denied: " + desc(p))


def zone_matrix(args, probes):
    """`sansoctl matrix --json`: a cell is non-empty exactly for the zone
    pairs where some probe passed (observed) and the services the packets
    used are among the cell's."""
    cmd = [args.ctl, "--socket", args.socket, "--json", "matrix"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        fail("sansoctl matrix --json: exit %d: %s" % (r.returncode,
                                                      r.stderr.strip()))
        return
    cells = parse_matrix(json.loads(r.stdout))
    observed = {}
    for p in probes:
        if p["observed"]:
            observed.setdefault((p["src"].zone, p["dst"].zone), set()).add(
                svc(p["proto"], p["port"]))
    zones = {p["src"].zone for p in probes}
    bad = []
    for a in sorted(zones):
        for b in sorted(zones):
            if a == b:
                continue
            has_cell = bool(cells.get((a, b)))
            seen = (a, b) in observed
            if has_cell and seen:
                text = " ".join(cells[(a, b)])
                missing = [x for x in observed[(a, b)] if x not in text]
                if missing:
                    bad.append("%s->%s probes passed on %s, not in the "
                               "matrix cell (%s)" % (a, b, ",".join(
                                   sorted(missing)), text))
            if has_cell != seen:
                bad.append("%s->%s matrix %s, probes %s" % (
                    a, b, "non-empty" if has_cell else "empty",
                    ",".join(sorted(observed.get((a, b), ()))) or "nothing"))
    check(not bad, "sansoctl matrix: a cell is non-empty exactly where "
          "probes crossed (%d zone pairs) and names the services they used"
          % len(observed), "; ".join(bad))


def parse_matrix(doc):
    """`sansoctl --json matrix` -> {(from, to): [entry text, ...]} of the
    non-empty cells ({"matrix": {"cells": [{from, to, entries}]}})."""
    if isinstance(doc, dict) and isinstance(doc.get("matrix"), dict):
        doc = doc["matrix"]
    if isinstance(doc, dict):
        doc = doc.get("cells", [])
    cells = {}
    for c in doc:
        texts = []
        for e in c.get("entries") or []:
            texts.append(e.get("text", "") if isinstance(e, dict) else str(e))
        if texts:
            cells.setdefault((c["from"], c["to"]), []).extend(texts)
    return cells


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--ctl")
    ap.add_argument("--socket")
    ap.add_argument("--timeout", type=float, default=1.0)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--no-daemon", action="store_true",
                    help="expect everything to pass (topology self-test)")
    args = ap.parse_args()
    with open(args.hosts) as f:
        hosts = [Host(l) for l in f if l.strip()]
    hosts = [h for h in hosts if h.name not in SPECIAL]
    probes = plan(hosts)
    print("matrix: %d hosts, %d probes (%d IPv6)" % (
        len(hosts), len(probes), sum(p["fam"] == "6" for p in probes)))
    if args.no_daemon:
        for p in probes:
            p["expected"], p["conduit"], p["reason"] = True, None, ""
    else:
        try:
            query(args, probes)
        except (RuntimeError, ValueError, KeyError, OSError,
                subprocess.TimeoutExpired) as e:
            fail("policy query --batch: %s" % e)
            print("counts %d %d" % (passed, failed))
            return 1
    t0 = time.monotonic()
    run_probes(args, probes, args.timeout)
    print("matrix: probes ran in %.1f s" % (time.monotonic() - t0))
    # An allowed flow that timed out once on a loaded machine gets one more
    # try with a longer timeout; a denied flow that passed is never retried.
    again = [p for p in probes if p["expected"] and not p["observed"]]
    if again:
        for p in again:
            del p["observed"]
        run_probes(args, again, 3 * args.timeout)
        print("matrix: %d allowed probes timed out and were tried again "
              "(%d passed then)" % (len(again),
                                    sum(bool(p["observed"]) for p in again)))
    mism = 0
    for p in probes:
        if p["observed"] == p["expected"]:
            ok_quiet()
        else:
            mism += 1
            fail("%s expected %s observed %s (conduit %s; %s)" % (
                desc(p), "pass" if p["expected"] else "drop",
                {True: "pass", False: "drop", None: "no result"}[
                    p["observed"]], p["conduit"], p["reason"]))
    print("matrix: %d of %d probes as the policy says (%d allowed, %d denied)"
          % (len(probes) - mism, len(probes),
             sum(bool(p["expected"]) for p in probes),
             sum(not p["expected"] for p in probes)))
    with open(os.path.join(args.workdir, "observed.tsv"), "w") as f:
        for p in probes:
            f.write("%s\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n" % (
                p["id"], p["src"].name, p["dst"].name, p["fam"], p["proto"],
                p["port"], bool(p["expected"]), bool(p["observed"]),
                p["conduit"] or "-"))
    if not args.no_daemon:
        named(probes)
        zone_matrix(args, probes)
    print("counts %d %d" % (passed, failed))
    return 0 if failed == 0 else 1


def ok_quiet():
    global passed
    passed += 1


if __name__ == "__main__":
    sys.exit(main())
