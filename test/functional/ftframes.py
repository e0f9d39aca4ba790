# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""The frame mix of the functional tests, built with scapy.

Every frame that is long enough ends with a 4-byte sequence number, and all other bytes of a
flow's frames are equal (checksums are fixed, lengths are equal), so flow_key() (the frame
without its last 4 bytes) groups frames at least as finely as any hash stampede computes on
headers: frames with the same key always reach the same worker, whose order is kept.
"""

import struct

from scapy.all import (ARP, ICMP, IP, TCP, UDP, Dot1AD, Dot1Q, Ether, IPv6,
                       IPv6ExtHdrDestOpt, IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrRouting, Raw)

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"

# What stampede must do with a frame of each kind, given the output port's MTU.
FWD = "forward"
RUNT = "runt_frame"
MTU = "mtu_exceeded"


def _seq(n):
    return struct.pack("!I", n)


def pad_to(pkt, size, seq):
    """Bytes of pkt, payload-padded so that the frame is size bytes, the last 4 being seq."""
    b = bytes(pkt)
    if len(b) + 4 > size:
        raise ValueError("frame of %d bytes cannot be padded to %d" % (len(b), size))
    return b + b"\xa5" * (size - len(b) - 4) + _seq(seq)


def _ip(flow):
    return IP(src="10.0.%d.1" % flow, dst="10.1.%d.2" % flow, id=flow, ttl=64, flags="DF")


def _ip6(flow):
    return IPv6(src="2001:db8::%x:1" % flow, dst="2001:db8:1::%x:2" % flow, hlim=64)


def flow_key(kind, frame):
    """Frames with equal keys are in one flow for any header hash. Truncated frames carry
    their sequence number inside what a parser may take for headers: each is its own flow."""
    if kind.startswith("trunc") or len(frame) < 18:
        return frame
    return frame[:-4]


def frame_mix(rounds=16, jumbo_size=9000):
    """A list of (kind, expected action for MTU 1500, bytes). Each round has every kind once;
    a kind keeps its headers across rounds (one flow) and only the sequence number changes."""
    out = []
    seq = 0
    for r in range(rounds):
        kinds = [
            ("tcp", FWD, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B) / _ip(1) /
                TCP(sport=40001, dport=80, seq=1000, ack=2000, flags="PA", chksum=0x1111),
                120, s)),
            ("udp", FWD, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B) / _ip(2) / UDP(sport=5000, dport=53, chksum=0),
                100, s)),
            ("icmp", FWD, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B) / _ip(3) / ICMP(type=8, id=7, seq=1, chksum=0x2222),
                98, s)),
            ("ipv6-ext-udp", FWD, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B) / _ip6(4) / IPv6ExtHdrHopByHop() /
                IPv6ExtHdrRouting(addresses=["2001:db8:2::1"]) / IPv6ExtHdrDestOpt() /
                UDP(sport=6000, dport=4789, chksum=0), 150, s)),
            ("ipv6-frag-tcp", FWD, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B) / _ip6(5) / IPv6ExtHdrFragment(id=99, m=0) /
                TCP(sport=40005, dport=443, flags="A", chksum=0x3333), 110, s)),
            ("vlan", FWD, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B) / Dot1Q(vlan=100, prio=3) / _ip(6) /
                UDP(sport=5006, dport=5006, chksum=0), 90, s)),
            ("qinq", FWD, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B, type=0x88A8) / Dot1AD(vlan=200) /
                Dot1Q(vlan=300) / _ip(7) / UDP(sport=5007, dport=5007, chksum=0), 96, s)),
            ("arp", FWD, lambda s: pad_to(
                Ether(src=MAC_A, dst="ff:ff:ff:ff:ff:ff") /
                ARP(op=1, hwsrc=MAC_A, psrc="10.0.8.1", pdst="10.0.8.2"), 60, s)),
            ("non-ip", FWD, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B, type=0x88B5) / Raw(b"local experimental"), 80, s)),
            ("min-60", FWD, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B) / _ip(10) / UDP(sport=1, dport=2, chksum=0),
                60, s)),
            ("max-1514", FWD, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B) / _ip(11) / UDP(sport=3, dport=4, chksum=0),
                1514, s)),
            # mtu 1500 + 14 + 8 (two VLAN tags): the longest frame a 1500-byte port sends.
            ("qinq-1522", FWD, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B, type=0x88A8) / Dot1AD(vlan=12) / Dot1Q(vlan=13) /
                _ip(12) / UDP(sport=5, dport=6, chksum=0), 1522, s)),
            ("over-1523", MTU, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B, type=0x88A8) / Dot1AD(vlan=14) / Dot1Q(vlan=15) /
                _ip(13) / UDP(sport=7, dport=8, chksum=0), 1523, s)),
            # Truncated headers are forwarded untouched: only frames < 14 bytes are runts.
            ("trunc-ipv4", FWD, lambda s: bytes(Ether(src=MAC_A, dst=MAC_B, type=0x0800)) +
             b"\x45\x00" + _seq(s)),
            ("trunc-ipv6-ext", FWD, lambda s: (bytes(Ether(src=MAC_A, dst=MAC_B) / _ip6(16) /
                                                     IPv6ExtHdrHopByHop()))[:-4] + _seq(s)),
            ("eth-only-14", FWD, lambda s: bytes(Ether(src=MAC_A, dst=MAC_B, type=0x88B6))),
            ("runt-10", RUNT, lambda s: bytes(Ether(src=MAC_A, dst=MAC_B))[:6] + _seq(s)),
            ("runt-13", RUNT, lambda s: bytes(Ether(src=MAC_A, dst=MAC_B))[:9] + _seq(s)),
        ]
        if jumbo_size and r % 4 == 1:
            kinds.append(("jumbo", MTU, lambda s: pad_to(
                Ether(src=MAC_A, dst=MAC_B) / _ip(20) / UDP(sport=9, dport=9, chksum=0),
                jumbo_size, s)))
        for name, action, build in kinds:
            out.append((name, action, build(seq)))
            seq += 1
    return out


def expected(mix, out_mtu=1500):
    """(forwarded frames in order, drops by reason) for an output port of out_mtu."""
    max_frame = out_mtu + 14 + 8
    fwd, drops = [], {}
    for _, _, fr in mix:
        if len(fr) < 14:
            drops[RUNT] = drops.get(RUNT, 0) + 1
        elif len(fr) > max_frame:
            drops[MTU] = drops.get(MTU, 0) + 1
        else:
            fwd.append(fr)
    return fwd, drops
