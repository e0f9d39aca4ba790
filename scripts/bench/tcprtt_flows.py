#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Write a nanosecond pcap of many short TCP flows for scripts/bench/tcprtt.sh.

  tcprtt_flows.py OUT.pcap [--flows N] [--concurrent K] [--gap-ns NS]

Each flow (client 10.x.y.z:sport -> 10.200.0.1:80, IPv4, every segment with a TCP timestamp
option) is 9 frames, as a short HTTP exchange: SYN, SYN-ACK, ACK, request (100 bytes, the ACK's
TSval), response (500 bytes), ACK, FIN, FIN, last ACK. K flows are in flight at once, their
frames interleaved round-robin (frame i of flows j..j+K-1, then frame i+1), so the flow table
holds about K entries; frames are GAP ns apart. Checksums are left 0 (nothing here checks them).
--flood S adds S spoofed SYNs (each its own flow, never answered) after every flow's SYN: a
SYN flood S times the real connection rate.
Plain struct packing over templates: ~1 s per 100 k flows.
"""

import argparse
import struct

ETH = bytes.fromhex("020000000002" "020000000001" "0800")
SRV = bytes([10, 200, 0, 1])
# (from the client, TCP flags, payload bytes, TSval: own base +, TSecr: the peer's base + or None)
FRAMES = [
    (True, 0x02, 0, 0, None),  # SYN
    (False, 0x12, 0, 0, 0),    # SYN-ACK
    (True, 0x10, 0, 1, 0),     # ACK
    (True, 0x18, 100, 1, 0),   # request, the ACK's TSval (same clock tick)
    (False, 0x18, 500, 1, 1),  # response
    (True, 0x10, 0, 2, 1),     # ACK
    (True, 0x11, 0, 3, 1),     # FIN
    (False, 0x11, 0, 2, 3),    # FIN
    (True, 0x10, 0, 4, 2),     # last ACK
]


def frame_template(plen):
    tot = 20 + 32 + plen
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, 0, 0x4000, 64, 6, 0, b"\0" * 4, b"\0" * 4)
    tcp = struct.pack("!HHIIBBHHH", 0, 0, 0, 0, 8 << 4, 0, 65535, 0, 0)
    opts = bytes([1, 1, 8, 10]) + b"\0" * 8
    return bytearray(ETH + ip + tcp + opts + b"x" * plen)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--flows", type=int, default=100000)
    ap.add_argument("--concurrent", type=int, default=1000)
    ap.add_argument("--gap-ns", type=int, default=1000)
    ap.add_argument("--flood", type=int, default=0,
                    help="spoofed SYNs (never answered) after each flow's SYN")
    a = ap.parse_args()
    tmpl = [frame_template(f[2]) for f in FRAMES]
    ftmpl = frame_template(0)
    ftmpl[47] = 0x02
    nflood = 0
    t = 1700000000 * 10**9
    with open(a.out, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 65535, 1))
        buf = bytearray()
        for base in range(0, a.flows, a.concurrent):
            batch = range(base, min(base + a.concurrent, a.flows))
            for fi, (from_c, flags, plen, tsoff, ecroff) in enumerate(FRAMES):
                fr = tmpl[fi]
                n = len(fr)
                for i in batch:
                    cli = bytes([10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff])
                    sport = 1024 + i % 60000
                    tsc, tss = 1000 + i, 500000 + i
                    src, dst = (cli, SRV) if from_c else (SRV, cli)
                    sp, dp = (sport, 80) if from_c else (80, sport)
                    own, peer = (tsc, tss) if from_c else (tss, tsc)
                    tsval = own + tsoff
                    tsecr = 0 if ecroff is None else peer + ecroff
                    fr[26:30] = src
                    fr[30:34] = dst
                    struct.pack_into("!HH", fr, 34, sp, dp)
                    fr[47] = flags
                    struct.pack_into("!II", fr, 58, tsval, tsecr)
                    buf += struct.pack("<IIII", t // 10**9, t % 10**9, n, n)
                    buf += fr
                    t += a.gap_ns
                    for _ in range(a.flood if fi == 0 else 0):
                        # 10.250.0.0/16 and up, ports 1024.., TSval k: one flow each.
                        k = nflood
                        nflood += 1
                        ftmpl[26:30] = bytes([10, 250 + (k >> 24) % 6, (k >> 16) & 0xff,
                                              (k >> 8) & 0xff])
                        struct.pack_into("!HH", ftmpl, 34, 1024 + (k & 0xff) * 200 + (k >> 8) % 200,
                                         80)
                        ftmpl[30:34] = SRV
                        struct.pack_into("!II", ftmpl, 58, k + 1, 0)
                        buf += struct.pack("<IIII", t // 10**9, t % 10**9, len(ftmpl), len(ftmpl))
                        buf += ftmpl
                        t += a.gap_ns
                if len(buf) > 1 << 22:
                    out.write(buf)
                    buf = bytearray()
        out.write(buf)
    print("%s: %d flows, %d frames, %d flood SYNs" % (a.out, a.flows, a.flows * len(FRAMES),
                                                       nflood))


if __name__ == "__main__":
    main()
