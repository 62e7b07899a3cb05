#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Helpers of the CSIRT isolation lab tests: time how fast an isolation cuts a
# live TCP stream, wait for a path to open again, list isolation set elements.
"""Subcommands:

  cut ADDR PORT [--interval S] [--warmup S] [--after S] -- CMD...
        (in the client's namespace) One TCP connection to an echo server,
        a numbered line written every --interval s, a reader thread noting
        when each echo comes back.  After --warmup s it starts CMD (the
        clock starts just before the fork, so CMD's start-up counts), keeps
        writing for --after s and prints KEY=VALUE fields:
          warm_echoes   echoes received before CMD started
          cmd_rc cmd_ms CMD's exit status and when it returned
          last_ms       arrival of the last echo, ms after CMD started: the
                        stream's last byte in either direction (an echo
                        proves the server got the line); negative when the
                        last echo came before CMD started
          last_sent_ms  when that echoed line was written
          sent_after echoed_after  lines written / echoed after the start
                        (a stream that resumes shows here)
        CMD's output goes to stderr, each line prefixed "cmd: ".
  until ADDR PORT [--deadline S] [--every S] [--timeout S]
        (in the client's namespace) Try a new TCP connection every --every s
        until one succeeds; print "open_after=S attempts=N" (S = -1 when
        --deadline passed first).
  elems
        Read `nft -j list table inet sanso` on stdin; print "SET ELEMENT"
        for every element of every set whose name starts with "iso", in
        nft's own text form (prefixes as A/N, concatenations joined " . ").
  gap TARGET --seconds S
        (in the gateway's namespace) Follow `nft monitor` for S seconds;
        for every "delete element" of TARGET print "gap_ms=N del_at=T
        add_at=T": the time until an "add element" put it back (-1 when
        none did) and both moments on the wall clock (seconds, as
        probe.py's PROBE_DEBUG pass lines).
  agree --db STORE.DB [--targets FILE]...
        Read `nft -j list table inet sanso` on stdin and compare the
        isolations in the store (read-only, straight from SQLite) with the
        elements of the sets that isolate (iso4, iso6, isohost4, isohost6,
        isomac): print "store=N kernel=N store_only=N kernel_only=N", then
        for every FILE (one target per line) "targets=FILE of=N in_store=N
        in_kernel=N".  Exit 0 when store and kernel hold the same targets.
        (Targets nested in an isolated prefix are one kernel element: the
        lab tests do not nest them.)
Standard library only.
"""

import argparse
import json
import re
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def cmd_cut(args):
    cmd = args.cmd
    if not cmd:
        print("cut: no command after --", file=sys.stderr)
        return 2
    s = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(2)
    try:
        s.connect((args.addr, args.port))
    except OSError as e:
        print("error=connect:%s" % type(e).__name__)
        return 1
    s.settimeout(None)

    echoes = []		# (line number, arrival time)
    sent = {}		# line number -> time written
    state = {"error": "none"}

    def reader():
        buf = b""
        while True:
            try:
                data = s.recv(65536)
            except OSError as e:
                state["error"] = "recv:%s" % type(e).__name__
                return
            now = time.monotonic()
            if not data:
                state["error"] = "peer_closed"
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                echoes.append((int(line), now))

    threading.Thread(target=reader, daemon=True).start()

    done = {}
    proc = None

    def waiter():
        out, _ = proc.communicate()
        done["t"] = time.monotonic()
        done["rc"] = proc.returncode
        done["out"] = out

    n = 0
    warm = 0
    t_cmd = None
    t_stop = time.monotonic() + args.warmup + args.after
    t_start = time.monotonic() + args.warmup
    next_send = time.monotonic()
    while True:
        now = time.monotonic()
        if now >= t_stop:
            break
        if t_cmd is None and now >= t_start:
            warm = len(echoes)
            t_cmd = time.monotonic()
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT)
            threading.Thread(target=waiter, daemon=True).start()
            continue
        if now >= next_send:
            # Never block: once the path is cut the send buffer fills with
            # unacknowledged data, and a blocking send would stop the
            # clock.  A line that does not fit is not sent.
            try:
                s.send(b"%d\n" % n, socket.MSG_DONTWAIT)
                sent[n] = time.monotonic()
                n += 1
            except BlockingIOError:
                pass
            except OSError as e:
                if state["error"] == "none":
                    state["error"] = "send:%s" % type(e).__name__
            next_send += args.interval
        wake = min(next_send, t_stop, t_start if t_cmd is None else t_stop)
        time.sleep(max(0.0, wake - time.monotonic()))

    if proc is not None and "t" not in done:
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        time.sleep(0.05)
    # Reset rather than linger: the peer is unreachable by now.
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()

    snap = list(echoes)
    last = snap[-1] if snap else (-1, t_cmd - 1)
    for line in (done.get("out") or b"").decode(errors="replace").splitlines():
        print("cmd: " + line, file=sys.stderr)
    print("warm_echoes=%d cmd_rc=%s cmd_ms=%.2f last_ms=%.2f last_line=%d "
          "last_sent_ms=%.2f sent_after=%d echoed_after=%d sent=%d echoed=%d "
          "error=%s" % (
              warm, done.get("rc", "none"),
              (done["t"] - t_cmd) * 1000 if "t" in done else -1,
              (last[1] - t_cmd) * 1000, last[0],
              (sent[last[0]] - t_cmd) * 1000 if last[0] in sent else -1,
              sum(1 for t in sent.values() if t >= t_cmd),
              sum(1 for e in snap if e[1] >= t_cmd), n, len(snap),
              state["error"]))
    return 0


def cmd_until(args):
    t0 = time.monotonic()
    attempts = 0
    while time.monotonic() - t0 < args.deadline:
        attempts += 1
        t_try = time.monotonic()
        s = socket.socket(family_of(args.addr), socket.SOCK_STREAM)
        s.settimeout(args.timeout)
        try:
            s.connect((args.addr, args.port))
            s.close()
            print("open_after=%.3f attempts=%d" % (time.monotonic() - t0,
                                                   attempts))
            return 0
        except OSError:
            s.close()
        time.sleep(max(0.0, args.every - (time.monotonic() - t_try)))
    print("open_after=-1 attempts=%d" % attempts)
    return 1


def elem_text(v):
    if isinstance(v, dict):
        if "elem" in v:
            return elem_text(v["elem"]["val"])
        if "prefix" in v:
            return "%s/%d" % (v["prefix"]["addr"], v["prefix"]["len"])
        if "concat" in v:
            return " . ".join(elem_text(x) for x in v["concat"])
        if "range" in v:
            return "%s-%s" % tuple(elem_text(x) for x in v["range"])
    return str(v)


def cmd_elems(args):
    data = json.load(sys.stdin)
    for o in data.get("nftables", []):
        s = o.get("set")
        if not s or not s["name"].startswith("iso"):
            continue
        for e in s.get("elem", []):
            print(s["name"], elem_text(e))
    return 0


def cmd_gap(args):
    pat = re.compile(r"(?<![\w.:])%s(?![\w.:/])" % re.escape(args.target))
    mon = subprocess.Popen(["nft", "monitor"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
    gaps = []
    t_del = None
    timer = threading.Timer(args.seconds, mon.terminate)
    timer.start()
    for line in mon.stdout:
        now = (time.monotonic(), time.time())
        text = line.decode(errors="replace")
        if not pat.search(text):
            continue
        if text.startswith("delete element") and t_del is None:
            t_del = now
        elif text.startswith("add element") and t_del is not None:
            gaps.append(((now[0] - t_del[0]) * 1000, t_del[1], now[1]))
            t_del = None
    timer.cancel()
    mon.wait()
    if t_del is not None:
        gaps.append((-1, t_del[1], -1))
    for g in gaps:
        print("gap_ms=%.1f del_at=%.6f add_at=%.6f" % g)
    return 0


ISOLATING_SETS = ("iso4", "iso6", "isohost4", "isohost6", "isomac")


def kernel_targets(data):
    out = set()
    for o in data.get("nftables", []):
        s = o.get("set")
        if s and s["name"] in ISOLATING_SETS:
            out.update(elem_text(e) for e in s.get("elem", []))
    return out


def normal(t):
    # The store keeps canonical text; nft prints a /32 or /128 as the
    # address alone.
    for suffix in ("/32", "/128"):
        if t.endswith(suffix):
            return t[:-len(suffix)]
    return t


def cmd_agree(args):
    kern = kernel_targets(json.load(sys.stdin))
    db = sqlite3.connect("file:%s?mode=ro" % args.db, uri=True, timeout=10)
    store = {normal(r[0]) for r in db.execute("SELECT target FROM isolations")}
    db.close()
    so, ko = store - kern, kern - store
    print("store=%d kernel=%d store_only=%d kernel_only=%d" % (
        len(store), len(kern), len(so), len(ko)))
    for what, v in (("store_only", so), ("kernel_only", ko)):
        if v:
            print("  %s e.g. %s" % (what, " ".join(sorted(v)[:5])))
    for f in args.targets:
        want = {normal(l.strip()) for l in open(f) if l.strip()}
        print("targets=%s of=%d in_store=%d in_kernel=%d" % (
            f, len(want), len(want & store), len(want & kern)))
    return 0 if store == kern else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="sub", required=True)
    c = sub.add_parser("cut")
    c.add_argument("addr")
    c.add_argument("port", type=int)
    c.add_argument("--interval", type=float, default=0.005)
    c.add_argument("--warmup", type=float, default=0.5)
    c.add_argument("--after", type=float, default=1.5)
    u = sub.add_parser("until")
    u.add_argument("addr")
    u.add_argument("port", type=int)
    u.add_argument("--deadline", type=float, default=6)
    u.add_argument("--every", type=float, default=0.05)
    u.add_argument("--timeout", type=float, default=0.2)
    sub.add_parser("elems")
    g = sub.add_parser("gap")
    g.add_argument("target")
    g.add_argument("--seconds", type=float, required=True)
    a = sub.add_parser("agree")
    a.add_argument("--db", required=True)
    a.add_argument("--targets", action="append", default=[])
    # CMD is everything after "--" (argparse would take its options).
    argv = sys.argv[1:]
    cmd = []
    if "--" in argv:
        i = argv.index("--")
        argv, cmd = argv[:i], argv[i + 1:]
    args = ap.parse_args(argv)
    args.cmd = cmd
    return {"cut": cmd_cut, "until": cmd_until, "elems": cmd_elems,
            "gap": cmd_gap, "agree": cmd_agree}[args.sub](args)


if __name__ == "__main__":
    sys.exit(main())
