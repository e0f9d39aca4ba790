#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Send and count marked UDP frames on one interface through AF_PACKET raw sockets.

Standard library only, so it runs on any python3. Every test frame is an Ethernet/IPv4/UDP
frame whose payload starts with MAGIC followed by a 32-bit sequence number; the receiver
counts only frames with the right UDP destination port and magic, so whatever else the
kernel may put on the wire is never counted. `send --proto tcp` builds the same frames over TCP
(for filter tests: the receiver counts UDP frames only).

  frames.py send IFACE --dst-mac MAC --src-ip A --dst-ip B --dport P [--count N] [--first S]
                 [--size BYTES] [--proto udp|tcp]
  frames.py recv IFACE --dport P --expect N --result FILE [--warm-dport W --warm-file F]
                 [--timeout SEC] [--ready-file F]

The receiver exits when it has seen N test frames and then a short quiet time, when its
timeout expires, or on SIGTERM / SIGINT; in every case it writes a JSON result
{"total": frames seen, "distinct": distinct sequence numbers, "dups": ..., "bad": ...}.
"""

import argparse
import json
import os
import select
import signal
import socket
import struct
import sys
import time

# The tests' one RFC 1071 checksum lives with the functional tests' helpers (ftlib).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "functional"))
from ftlib import inet_csum  # noqa: E402

ETH_P_ALL = 0x0003
ETH_P_IP = 0x0800
MAGIC = b"STAMPEDE-SYSTEST"
SO_RCVBUFFORCE = 33


def mac_bytes(mac):
    return bytes(int(x, 16) for x in mac.split(":"))


def build_frame(dst_mac, src_mac, src_ip, dst_ip, sport, dport, seq, size, proto="udp"):
    """An Ethernet/IPv4/UDP (or, with proto "tcp", TCP with ACK set and a zero checksum)
    frame whose payload is MAGIC and seq."""
    payload = MAGIC + struct.pack("!I", seq)
    l4_hdr = 20 if proto == "tcp" else 8
    # Pad so that the Ethernet frame (without FCS) has the requested size.
    pad = size - (14 + 20 + l4_hdr + len(payload))
    if pad > 0:
        payload += bytes(pad)
    l4_len = l4_hdr + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + l4_len, seq & 0xFFFF, 0x4000, 64,
                     6 if proto == "tcp" else 17, 0,
                     socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    ip = ip[:10] + struct.pack("!H", inet_csum(ip)) + ip[12:]
    if proto == "tcp":
        l4 = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x10, 65535, 0, 0)
    else:
        l4 = struct.pack("!HHHH", sport, dport, l4_len, 0)
    return dst_mac + src_mac + struct.pack("!H", ETH_P_IP) + ip + l4 + payload


def iface_mac(iface):
    with open(f"/sys/class/net/{iface}/address") as f:
        return f.read().strip()


def cmd_send(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((a.iface, 0))
    dst = mac_bytes(a.dst_mac)
    src = mac_bytes(iface_mac(a.iface))
    sent = 0
    for i in range(a.count):
        frame = build_frame(dst, src, a.src_ip, a.dst_ip, a.sport, a.dport, a.first + i, a.size,
                            a.proto)
        while True:
            try:
                s.send(frame)
                break
            except (BlockingIOError, OSError) as e:
                # ENOBUFS: the qdisc or the device is busy; retry, never lose a frame.
                if getattr(e, "errno", None) not in (105, 11):
                    raise
                time.sleep(0.001)
        sent += 1
        # Pace the burst (a --burst frames then a short pause) so that the DUT's socket
        # ring is never the bottleneck on a 2-vCPU machine: this test checks correctness,
        # not speed.
        if a.burst and sent % a.burst == 0:
            time.sleep(a.pause)
    print(f"sent {sent} frames on {a.iface} to {a.proto} port {a.dport}")
    return 0


def parse(frame, dport):
    """Returns the sequence number of a test frame for dport, or None."""
    if len(frame) < 14 + 20 + 8 + len(MAGIC) + 4:
        return None
    if struct.unpack_from("!H", frame, 12)[0] != ETH_P_IP:
        return None
    ihl = (frame[14] & 0x0F) * 4
    if frame[14 + 9] != 17:
        return None
    udp = 14 + ihl
    if struct.unpack_from("!H", frame, udp + 2)[0] != dport:
        return None
    p = udp + 8
    if frame[p:p + len(MAGIC)] != MAGIC:
        return None
    return struct.unpack_from("!I", frame, p + len(MAGIC))[0]


def cmd_recv(a):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    try:
        s.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 16 << 20)
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    s.bind((a.iface, 0))
    stop = [False]

    def on_signal(signum, frame):
        stop[0] = True

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    if a.ready_file:
        with open(a.ready_file, "w") as f:
            f.write("ready\n")

    seen = set()
    total = dups = warm = 0
    deadline = time.monotonic() + a.timeout
    quiet_until = None
    while not stop[0]:
        now = time.monotonic()
        if now >= deadline:
            break
        if quiet_until is not None and now >= quiet_until:
            break
        try:
            r, _, _ = select.select([s], [], [], 0.1)
        except InterruptedError:
            continue
        if not r:
            continue
        try:
            frame, addr = s.recvfrom(65535)
        except InterruptedError:
            continue
        except OSError as e:
            # ENETDOWN: the interface went down under the socket (fault-injection tests set
            # links down and up); the socket receives again once it is up.
            if e.errno == 100:
                continue
            raise
        # Count frames that arrive on the interface, not the ones this host sends.
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        if a.warm_dport and parse(frame, a.warm_dport) is not None:
            warm += 1
            if warm == 1 and a.warm_file:
                with open(a.warm_file, "w") as f:
                    f.write("warm\n")
            continue
        seq = parse(frame, a.dport)
        if seq is None:
            continue
        total += 1
        if seq in seen:
            dups += 1
        seen.add(seq)
        if a.expect and total >= a.expect and quiet_until is None:
            # Linger a little to catch duplicates or extra frames.
            quiet_until = time.monotonic() + a.linger
    res = {"iface": a.iface, "dport": a.dport, "total": total, "distinct": len(seen),
           "dups": dups, "warm": warm}
    with open(a.result, "w") as f:
        json.dump(res, f)
        f.write("\n")
    print(json.dumps(res))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    ps = sub.add_parser("send")
    ps.add_argument("iface")
    ps.add_argument("--dst-mac", required=True)
    ps.add_argument("--src-ip", required=True)
    ps.add_argument("--dst-ip", required=True)
    ps.add_argument("--sport", type=int, default=40000)
    ps.add_argument("--dport", type=int, required=True)
    ps.add_argument("--count", type=int, default=1)
    ps.add_argument("--first", type=int, default=0)
    ps.add_argument("--size", type=int, default=64)
    ps.add_argument("--proto", choices=("udp", "tcp"), default="udp")
    ps.add_argument("--burst", type=int, default=32)
    ps.add_argument("--pause", type=float, default=0.002)
    pr = sub.add_parser("recv")
    pr.add_argument("iface")
    pr.add_argument("--dport", type=int, required=True)
    pr.add_argument("--expect", type=int, default=0)
    pr.add_argument("--result", required=True)
    pr.add_argument("--warm-dport", type=int, default=0)
    pr.add_argument("--warm-file")
    pr.add_argument("--ready-file")
    pr.add_argument("--timeout", type=float, default=60.0)
    pr.add_argument("--linger", type=float, default=0.5)
    a = p.parse_args()
    return cmd_send(a) if a.cmd == "send" else cmd_recv(a)


if __name__ == "__main__":
    sys.exit(main())
