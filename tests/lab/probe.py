#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Packet probes for the netns lab: run inside one host namespace, they try
# TCP connects, UDP echoes, pings and long-lived streams, all bounded in time.
"""Subcommands (each runs in the namespace it was started in):

  run [--timeout S]          read "KEY tcp|udp|icmp ADDR PORT" lines on stdin,
                             run them all concurrently, print "KEY 1|0" each
                             (1 = TCP connect succeeded / UDP echo came back /
                             ping answered).
  flood --seconds S TARGET.. keep opening new flows to every TARGET
                             (tcp:ADDR:PORT, udp:ADDR:PORT, [v6] in brackets)
                             for S seconds with --workers concurrent loops
                             each; print "TARGET attempts passes" per target.
  stream ADDR PORT --seconds S [--interval I]
                             one TCP connection to an echo server; send a
                             counter line every I seconds for S seconds and
                             check every line comes back in order; print
                             "sent N received N gaps N error E".
Standard library only.
"""

import argparse
import asyncio
import os
import socket
import struct
import sys
import time


DEBUG = bool(os.environ.get("PROBE_DEBUG"))


def family_of(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


async def probe_tcp(addr, port, timeout):
    t0 = time.monotonic()
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(addr, port), timeout)
    except (OSError, asyncio.TimeoutError) as e:
        if DEBUG and not isinstance(e, asyncio.TimeoutError):
            print("tcp %s:%d %.3fs %r" % (addr, port, time.monotonic() - t0,
                                          e), file=sys.stderr)
        return False
    writer.close()
    try:
        await asyncio.wait_for(writer.wait_closed(), 0.2)
    except (OSError, asyncio.TimeoutError):
        pass
    return True


class _Echo(asyncio.DatagramProtocol):
    def __init__(self, payload, fut):
        self.payload = payload
        self.fut = fut

    def connection_made(self, transport):
        transport.sendto(self.payload)

    def datagram_received(self, data, addr):
        if not self.fut.done():
            self.fut.set_result(data == self.payload)

    def error_received(self, exc):
        # ICMP port unreachable and the like: the probe did not pass.
        if not self.fut.done():
            self.fut.set_result(False)


async def probe_udp(addr, port, timeout, key="x"):
    loop = asyncio.get_running_loop()
    fut = loop.create_future()
    payload = ("sanso-probe %s %f\n" % (key, time.time())).encode()
    try:
        transport, _ = await loop.create_datagram_endpoint(
            lambda: _Echo(payload, fut), remote_addr=(addr, port),
            family=family_of(addr))
    except OSError:
        return False
    try:
        return await asyncio.wait_for(fut, timeout)
    except asyncio.TimeoutError:
        return False
    finally:
        transport.close()


def _csum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xffff)
    total += total >> 16
    return ~total & 0xffff


class Pinger:
    """ICMP echo over one raw socket per family, replies dispatched by
    sequence number: no ping(8) processes, whose fork+exec would stall the
    event loop and turn answered probes into false timeouts."""

    def __init__(self):
        self.ident = os.getpid() & 0xffff
        self.seq = 0
        self.waiting = {}
        self.socks = {}

    def _sock(self, fam):
        if fam not in self.socks:
            proto = (socket.IPPROTO_ICMPV6 if fam == socket.AF_INET6
                     else socket.IPPROTO_ICMP)
            s = socket.socket(fam, socket.SOCK_RAW, proto)
            s.setblocking(False)
            asyncio.get_running_loop().add_reader(s.fileno(), self._read, s,
                                                  fam)
            self.socks[fam] = s
        return self.socks[fam]

    def _read(self, s, fam):
        while True:
            try:
                data, _ = s.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                return
            if fam == socket.AF_INET:
                data = data[(data[0] & 0x0f) * 4:]	# raw v4 includes the IP header
                reply_type = 0
            else:
                reply_type = 129
            if len(data) < 8 or data[0] != reply_type:
                continue
            ident, seq = struct.unpack("!HH", data[4:8])
            fut = self.waiting.get(seq)
            if ident == self.ident and fut and not fut.done():
                fut.set_result(True)

    async def ping(self, addr, timeout):
        fam = family_of(addr)
        self.seq = (self.seq + 1) & 0xffff
        seq = self.seq
        fut = asyncio.get_running_loop().create_future()
        self.waiting[seq] = fut
        payload = b"sanso-lab-probe"
        if fam == socket.AF_INET:
            hdr = struct.pack("!BBHHH", 8, 0, 0, self.ident, seq)
            hdr = struct.pack("!BBHHH", 8, 0, _csum(hdr + payload),
                              self.ident, seq)
        else:
            # The kernel fills in the ICMPv6 checksum on raw sockets.
            hdr = struct.pack("!BBHHH", 128, 0, 0, self.ident, seq)
        try:
            self._sock(fam).sendto(hdr + payload, (addr, 0))
            return await asyncio.wait_for(fut, timeout)
        except (OSError, asyncio.TimeoutError):
            return False
        finally:
            del self.waiting[seq]


PINGER = None


async def probe_icmp(addr, timeout):
    global PINGER
    if PINGER is None:
        PINGER = Pinger()
    return await PINGER.ping(addr, timeout)


async def probe_one(sem, key, proto, addr, port, timeout):
    async with sem:
        if proto == "tcp":
            ok = await probe_tcp(addr, port, timeout)
        elif proto == "udp":
            ok = await probe_udp(addr, port, timeout, key)
        elif proto == "icmp":
            ok = await probe_icmp(addr, timeout)
        else:
            raise ValueError("unknown probe protocol %r" % proto)
    return key, ok


async def cmd_run(args):
    jobs = []
    sem = asyncio.Semaphore(args.parallel)
    for line in sys.stdin:
        f = line.split()
        if not f or f[0].startswith("#"):
            continue
        key, proto, addr = f[0], f[1], f[2]
        port = int(f[3]) if len(f) > 3 and f[3] != "-" else 0
        jobs.append(probe_one(sem, key, proto, addr, port, args.timeout))
    for key, ok in await asyncio.gather(*jobs):
        print(key, 1 if ok else 0)
    return 0


async def flood_target(target, deadline, stats, timeout, pause):
    proto, rest = target.split(":", 1)
    addr, port = rest.rsplit(":", 1)
    addr = addr.strip("[]")
    port = int(port)
    while time.monotonic() < deadline:
        started = time.time()
        if proto == "tcp":
            ok = await probe_tcp(addr, port, timeout)
        else:
            ok = await probe_udp(addr, port, timeout, "flood")
        stats[target][0] += 1
        if ok:
            stats[target][1] += 1
            if DEBUG:
                # When the attempt began and when it was seen to pass:
                # under load the second can lag well behind the SYN.
                print("pass %s at %.6f %.6f" % (target, started,
                      time.time()), file=sys.stderr)
        if pause:
            await asyncio.sleep(pause)


async def cmd_flood(args):
    deadline = time.monotonic() + args.seconds
    stats = {t: [0, 0] for t in args.targets}
    workers = [flood_target(t, deadline, stats, args.timeout, args.pause)
               for t in args.targets for _ in range(args.workers)]
    await asyncio.gather(*workers)
    for t in args.targets:
        print(t, stats[t][0], stats[t][1])
    return 0


async def cmd_stream(args):
    sent = received = gaps = 0
    error = "none"
    expect = 0
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(args.addr, args.port), 2)
    except (OSError, asyncio.TimeoutError) as e:
        print("sent 0 received 0 gaps 0 error connect:%s" %
              (type(e).__name__,))
        return 1
    buf = b""
    deadline = time.monotonic() + args.seconds

    async def reader_task():
        nonlocal buf, received, gaps, expect
        while True:
            data = await reader.read(65536)
            if not data:
                raise ConnectionResetError("peer closed")
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                n = int(line)
                if n != expect:
                    gaps += 1
                expect = n + 1
                received += 1

    rt = asyncio.ensure_future(reader_task())
    try:
        last_rx = time.monotonic()
        seen = 0
        while time.monotonic() < deadline:
            if rt.done():
                rt.result()
            writer.write(b"%d\n" % sent)
            await writer.drain()
            sent += 1
            await asyncio.sleep(args.interval)
            # An echo path that stalls longer than max_stall is a break even
            # if TCP would recover later by retransmission.
            if received != seen:
                seen = received
                last_rx = time.monotonic()
            elif time.monotonic() - last_rx > args.max_stall:
                error = "stall>%.1fs" % args.max_stall
                break
        # Let the last echoes arrive.
        end = time.monotonic() + 2
        while received < sent and time.monotonic() < end and not rt.done():
            await asyncio.sleep(0.01)
        if rt.done():
            rt.result()
    except (OSError, ValueError) as e:
        error = "%s:%s" % (type(e).__name__, e)
    finally:
        rt.cancel()
        writer.close()
    print("sent %d received %d gaps %d error %s" % (sent, received, gaps,
                                                    error.replace(" ", "_")))
    return 0 if (error == "none" and sent == received and gaps == 0) else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--timeout", type=float, default=1.0)
    r.add_argument("--parallel", type=int, default=256)
    f = sub.add_parser("flood")
    f.add_argument("--seconds", type=float, required=True)
    f.add_argument("--timeout", type=float, default=0.2)
    f.add_argument("--workers", type=int, default=8)
    f.add_argument("--pause", type=float, default=0.0,
                   help="seconds between two attempts of one worker")
    f.add_argument("targets", nargs="+")
    s = sub.add_parser("stream")
    s.add_argument("addr")
    s.add_argument("port", type=int)
    s.add_argument("--seconds", type=float, required=True)
    s.add_argument("--interval", type=float, default=0.01)
    s.add_argument("--max-stall", type=float, default=1.0)
    args = ap.parse_args()
    fn = {"run": cmd_run, "flood": cmd_flood, "stream": cmd_stream}[args.cmd]
    sys.stdout.flush()
    rc = asyncio.run(fn(args))
    sys.stdout.flush()
    os._exit(rc)


if __name__ == "__main__":
    main()
