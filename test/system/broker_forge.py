#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Forged stampede traffic for test/system/broker_attack.sh, sent through an AF_PACKET socket.

The datagrams, records and MACs are built by test/functional/broker_attack.py (Python struct
and hmac: independent of stampede).

  broker_forge.py keys DIR                      write k1.hex and k2.raw (the test's keys)
  broker_forge.py link IFACE EDGE_MAC COLL_MAC  forged data to a collector (node.peers [7]),
                                                then forged ACK/NACK to an edge
Prints, for link: {"collector": {...}, "edge": {...}}.
  broker_forge.py tap IFACE EDGE_MAC COLL_MAC   a signed ACK [0, 10^6] onto the edge's tap
  broker_forge.py replay IFACE PCAP TIMES       resend the frames of a pcap TIMES times
Prints what it sent as JSON: {"sent": N, "expect": {drop reason: count}}.
  broker_forge.py keyids PCAP                   the key id (1 or 2) whose MAC, computed here,
                                                each datagram carries (null: none verifies),
                                                as a JSON list
"""

import json
import os
import socket
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "functional"))
import broker_attack as ba  # noqa: E402

EDGE_IP, COLL_IP, ATT_MAC = "192.0.2.7", "192.0.2.9", "02:00:00:00:00:66"


def send(iface, frames):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for f in frames:
        s.send(f)
    s.close()
    return len(frames)


def collector(iface, coll_mac):
    def att(dg, src_ip=EDGE_IP):
        return ba.udp_frame(dg, src_ip, COLL_IP, ATT_MAC, coll_mac)

    fr = [att(ba.sign(ba.data_rec(0, node=1000 + k), 1, ba.K1, 1000 + k)) for k in range(256)]
    fr.append(att(ba.data_rec(50, flags=0x08)))                              # unsigned
    fr.append(att(ba.data_rec(54, seq=1 << 40)))                             # unsigned, 2^40
    fr.append(att(ba.sign(ba.data_rec(51, seq=1 << 40), 1, bytes(32), 7)))   # wrong key
    fr.append(att(ba.sign(ba.data_rec(52), 3, ba.K1, 7)))                    # unknown key id
    fr.append(att(ba.sign(ba.data_rec(53, node=99), 1, ba.K1, 99)))          # unknown node
    return send(iface, fr), {"sph_peer_unknown": 257, "sph_auth_missing": 2, "sph_auth_bad": 1,
                             "sph_auth_key": 1}


def edge(iface, edge_mac, coll_mac):
    def coll(dg):
        return ba.udp_frame(dg, COLL_IP, EDGE_IP, coll_mac, edge_mac, sport=48879)

    fr = [coll(ba.ctrl_rec([(4, 0, 0, 1 << 40)])),                          # unsigned ACK
          coll(ba.sign(ba.ctrl_rec([(5, 0, 0, 0xffffffff)]), 1, bytes(32), 9))]  # wrong key
    return send(iface, fr), {"sph_auth_missing": 1, "sph_auth_bad": 1}


def tap(iface, edge_mac, coll_mac):
    f = ba.udp_frame(ba.sign(ba.ctrl_rec([(4, 0, 0, 10**6)]), 1, ba.K1, 9), COLL_IP, EDGE_IP,
                     coll_mac, edge_mac, sport=48879)
    with open(os.environ.get("TAP_FRAME_OUT", "/dev/null"), "wb") as o:
        o.write(f)
    return send(iface, [f]), {}


def read_pcap(path):
    """The frames of a classic pcap file (tcpdump -w)."""
    data = open(path, "rb").read()
    le = data[:4] == b"\xd4\xc3\xb2\xa1"
    off, fr = 24, []
    while off + 16 <= len(data):
        _, _, incl, _ = struct.unpack_from("<IIII" if le else ">IIII", data, off)
        fr.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return fr


def replay(iface, path, times):
    return send(iface, read_pcap(path) * times), {}


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "keys":
        with open(os.path.join(a[0], "k1.hex"), "w") as f:
            f.write(ba.K1.hex() + "\n")
        with open(os.path.join(a[0], "k2.raw"), "wb") as f:
            f.write(ba.K2)
        return
    if cmd == "keyids":
        print(json.dumps([ba.verify(f[42:], {1: ba.K1, 2: ba.K2}) for f in read_pcap(a[0])]))
        return
    if cmd == "link":
        nc, ec = collector(a[0], a[2])
        ne, ee = edge(a[0], a[1], a[2])
        print(json.dumps({"collector": {"sent": nc, "expect": ec},
                          "edge": {"sent": ne, "expect": ee}}))
        return
    n, exp = {"tap": lambda: tap(a[0], a[1], a[2]),
              "replay": lambda: replay(a[0], a[1], int(a[2]))}[cmd]()
    print(json.dumps({"sent": n, "expect": exp}))


if __name__ == "__main__":
    main()
