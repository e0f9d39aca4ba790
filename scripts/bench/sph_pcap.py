#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# The collector rows' input (scripts/bench/broker.sh, scripts/bench/instr.sh): a pcap of COUNT
# datagrams (Ethernet / IPv4 / UDP 48879) of PER_DG stampede-header records of SIZE-byte frames
# each, sequence numbers going down, records flagged FLAGS; with KEYHEX, each datagram signed
# with key id 1 (HMAC-SHA-256/128). Needs SPHLIB (test/functional, for sphlib) in the environment.
#
# Usage: SPHLIB=DIR sph_pcap.py PATH SIZE PER_DG COUNT [FLAGS [KEYHEX]]
import os
import struct
import sys


def datagrams(path, size, per_dg, count, flags=0, key=None):
    # A pcap of `count` datagrams (Ethernet / IPv4 / UDP 48879) of `per_dg` records each,
    # numbers going down, records flagged `flags`; with `key` (hex), each signed with key id 1
    # (HMAC-SHA-256/128).
    import hashlib, hmac
    sys.path.insert(0, os.environ["SPHLIB"])
    import sphlib
    seq = count * per_dg - 1
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(count):
            recs = b""
            for _ in range(per_dg):
                fr = bytes.fromhex("020000000002020000000001") + b"\x08\x00" + \
                    bytes([seq & 0xFF]) * (size - 14)
                recs += sphlib.encode(fr, node=7, stream=0, seq=seq, ts=1700000000 * 10**9 + seq,
                                      flags=flags)
                seq -= 1
            if key:
                hdr = sphlib.FIX.pack(sphlib.MAGIC, 1, 0x12, 60, 0, 0, 7, 0, 0, 0, 0, 0, 0) + \
                    struct.pack("!BBH", 6, 18, 1)
                recs += hdr + hmac.new(bytes.fromhex(key), recs + hdr,
                                       hashlib.sha256).digest()[:16]
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(recs), 0, 0x4000, 64, 17, 0,
                             bytes([192, 0, 2, 7]), bytes([192, 0, 2, 9]))
            fr = bytes.fromhex("020000000009020000000007") + b"\x08\x00" + ip + \
                struct.pack("!HHHH", 50000, 48879, 8 + len(recs), 0) + recs
            f.write(struct.pack("<IIII", i, 0, len(fr), len(fr)) + fr)


if __name__ == "__main__":
    a = sys.argv
    datagrams(a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]) if len(a) > 5 else 0,
              a[6] if len(a) > 6 else None)
