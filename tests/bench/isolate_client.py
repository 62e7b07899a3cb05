#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Client of tests/bench/isolate: times isolation requests to sansod over one
# kept-alive unix socket connection, and `nft add element` run as a command.
"""Subcommands:

  api --socket PATH --first ADDR --count N [--verify-set SET] [--monitor]
      POST /api/v1/isolations for N consecutive IPv4 addresses from ADDR,
      one request at a time over one connection.  sansod answers after the
      kernel batch, so each response time is the latency from the request to
      the element being in the kernel set.  With --verify-set, every 100th
      address is looked up in that set (`nft get element`, outside the
      timing) right after its response.  With --monitor (run in sansod's
      namespace), `nft monitor` also times when the kernel announced each
      element.  Prints "p50=MS p99=MS mean=MS max=MS n=N verified=N", and
      with --monitor "kp50=MS kp99=MS kmax=MS" for request to announcement.
  bulk --socket PATH --first ADDR --count N
      One POST /api/v1/isolations/bulk of N consecutive addresses; prints
      "seconds=S rate=N isolated=N".
  nft --set SET --first ADDR --count N
      `nft add element inet sanso SET { ADDR }` as a new process per
      address (what a script calling nft does); prints like api.
  targets --first ADDR --count N [--nft SET]
      Print the addresses, one per line, or as an nft script adding them
      all to SET in one statement.
Standard library only.
"""

import argparse
import http.client
import ipaddress
import json
import re
import socket
import threading
import subprocess
import sys
import time


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout):
        super().__init__("sansod", timeout=timeout)
        self.unix_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.unix_path)
        self.sock = s


def addrs(first, count):
    a = int(ipaddress.IPv4Address(first))
    return [str(ipaddress.IPv4Address(a + i)) for i in range(count)]


def post(conn, path, body):
    data = json.dumps(body).encode()
    conn.request("POST", path, body=data,
                 headers={"Content-Type": "application/json"})
    r = conn.getresponse()
    payload = r.read()
    return r.status, payload


def pct(v, p):
    """The p-th percentile of sorted @v (nearest rank)."""
    n = len(v)
    return v[min(n - 1, max(0, -(-p * n // 100) - 1))]


def summary(ms, extra=""):
    v = sorted(ms)
    print("p50=%.3f p99=%.3f mean=%.3f max=%.3f n=%d%s" % (
        pct(v, 50), pct(v, 99), sum(v) / len(v), v[-1], len(v), extra))


def in_set(setname, addr):
    return subprocess.run(["nft", "get", "element", "inet", "sanso", setname,
                           "{ %s }" % addr], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


class Monitor:
    """`nft monitor`: when each address first showed in an add element."""

    ADDR = re.compile(r"\b(\d+\.\d+\.\d+\.\d+)\b")

    def __init__(self):
        self.seen = {}
        self.cv = threading.Condition()
        self.proc = subprocess.Popen(["nft", "monitor"],
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        threading.Thread(target=self._read, daemon=True).start()
        time.sleep(0.2)		# subscribed before the first request

    def _read(self):
        for line in self.proc.stdout:
            now = time.perf_counter()
            if not line.startswith(b"add element"):
                continue
            with self.cv:
                for a in self.ADDR.findall(line.decode(errors="replace")):
                    self.seen.setdefault(a, now)
                self.cv.notify_all()

    def wait(self, addr, timeout=2.0):
        with self.cv:
            self.cv.wait_for(lambda: addr in self.seen, timeout)
            return self.seen.get(addr)

    def close(self):
        self.proc.terminate()
        self.proc.wait()


def cmd_api(args):
    conn = UnixHTTPConnection(args.socket, 60)
    mon = None
    v = addrs(args.first, args.count)
    if args.monitor:
        # nft monitor reads the whole ruleset before it subscribes (a while
        # with 100 000 elements): untimed isolations of the addresses just
        # below the range until it shows one.
        mon = Monitor()
        base = ipaddress.IPv4Address(args.first)
        for k in range(1, 241):
            w = str(base - k)
            st, payload = post(conn, "/api/v1/isolations", {
                "target": w, "reason": "bench/isolate", "ticket": "BENCH"})
            if st not in (200, 201):
                print("api: warm-up isolation of %s: HTTP %d: %s" % (
                    w, st, payload[:300]), file=sys.stderr)
                return 1
            if mon.wait(w, 0.5) is not None:
                break
        else:
            print("api: nft monitor showed none of 240 isolations",
                  file=sys.stderr)
            return 1
    ms = []
    kms = []
    verified = 0
    for i, a in enumerate(v):
        body = {"target": a, "reason": "bench/isolate", "ticket": "BENCH"}
        t = time.perf_counter()
        st, payload = post(conn, "/api/v1/isolations", body)
        ms.append((time.perf_counter() - t) * 1000)
        if mon is not None:
            seen = mon.wait(a)
            if seen is None:
                print("api: nft monitor never showed %s" % a, file=sys.stderr)
                return 1
            kms.append((seen - t) * 1000)
        if st not in (200, 201):
            print("api: %s: HTTP %d: %s" % (a, st, payload[:300]),
                  file=sys.stderr)
            return 1
        if args.verify_set and i % 100 == 0:
            if not in_set(args.verify_set, a):
                print("api: %s answered %d but is not in set %s" % (
                    a, st, args.verify_set), file=sys.stderr)
                return 1
            verified += 1
    conn.close()
    extra = " verified=%d" % verified
    if mon is not None:
        mon.close()
        k = sorted(kms)
        extra += " kp50=%.3f kp99=%.3f kmax=%.3f" % (
            pct(k, 50), pct(k, 99), k[-1])
    summary(ms, extra)
    return 0


def cmd_bulk(args):
    conn = UnixHTTPConnection(args.socket, 1800)
    body = {"targets": addrs(args.first, args.count),
            "reason": "bench/isolate bulk", "ticket": "BENCH"}
    t = time.perf_counter()
    st, payload = post(conn, "/api/v1/isolations/bulk", body)
    secs = time.perf_counter() - t
    conn.close()
    if st != 200:
        print("bulk: HTTP %d: %s" % (st, payload[:300]), file=sys.stderr)
        return 1
    r = json.loads(payload)
    print("seconds=%.3f rate=%.0f isolated=%d" % (
        secs, args.count / secs, r.get("isolated", -1)))
    return 0


def cmd_nft(args):
    ms = []
    for a in addrs(args.first, args.count):
        t = time.perf_counter()
        rc = subprocess.run(["nft", "add", "element", "inet", "sanso",
                             args.set, "{ %s }" % a]).returncode
        ms.append((time.perf_counter() - t) * 1000)
        if rc != 0:
            print("nft add element %s failed (exit %d)" % (a, rc),
                  file=sys.stderr)
            return 1
    summary(ms)
    return 0


def cmd_targets(args):
    v = addrs(args.first, args.count)
    if args.nft:
        sys.stdout.write("add element inet sanso %s { %s }\n" % (
            args.nft, ", ".join(v)))
    else:
        sys.stdout.write("\n".join(v) + "\n")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="sub", required=True)
    for name in ("api", "bulk", "nft", "targets"):
        p = sub.add_parser(name)
        p.add_argument("--first", required=True)
        p.add_argument("--count", type=int, required=True)
        if name in ("api", "bulk"):
            p.add_argument("--socket", required=True)
        if name == "api":
            p.add_argument("--verify-set")
            p.add_argument("--monitor", action="store_true")
        if name == "nft":
            p.add_argument("--set", required=True)
        if name == "targets":
            p.add_argument("--nft")
    args = ap.parse_args()
    return {"api": cmd_api, "bulk": cmd_bulk, "nft": cmd_nft,
            "targets": cmd_targets}[args.sub](args)


if __name__ == "__main__":
    sys.exit(main())
