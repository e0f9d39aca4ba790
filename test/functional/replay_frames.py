# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Millions of small frames in a pcap, fast (struct, no scapy): replay.py, scripts/bench/replay.sh.
Imports nothing of the test library, so a script can use it with any python3."""

import struct


def write_frames(path, n):
    """n 64-byte Ethernet/IPv4/UDP frames, each with its index in the payload; pcap, us."""
    eth = bytes.fromhex("020000000002" "020000000001" "0800")
    ip = bytes.fromhex("45000032" "00004000" "4011" "0000" "0a000001" "0a000002")
    udp_hdr = struct.pack("!HHHH", 1234, 5678, 30, 0)
    head = eth + ip + udp_hdr
    rec_hdr = struct.Struct("<IIII")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        chunk = []
        for i in range(n):
            payload = struct.pack("!Q", i) + bytes(14)
            chunk.append(rec_hdr.pack(1700000000 + i // 1000000, i % 1000000, 64, 64))
            chunk.append(head + payload)
            if len(chunk) >= 20000:
                f.write(b"".join(chunk))
                chunk = []
        f.write(b"".join(chunk))
