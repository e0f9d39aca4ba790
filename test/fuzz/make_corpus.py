#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Write the seed corpora of the fuzz targets into test/fuzz/corpus/<target>/.

Plain Python (struct), no scapy: frames are written byte by byte like test/unit/test_pkt.c's
builders. The corpora are checked in; run this again after changing it:

    python3 test/fuzz/make_corpus.py

fuzz_cfg's seeds are only the configurations written here: scripts/fuzz.sh adds config/*.json and
test/data/bad-config*/*.json to the work copy at run time, so those are not duplicated.
"""
import json
import hashlib
import hmac
import os
import struct
import sys

# The tests' one RFC 1071 checksum (test/functional/ftlib.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "functional"))
from ftlib import inet_csum  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")
IP4_A = bytes([10, 0, 0, 1])
IP4_B = bytes([192, 168, 1, 2])
IP6_A = bytes.fromhex("20010db8000000000000000000000001")
IP6_B = bytes.fromhex("20010db8000000010000000000000002")


def eth(et, tags=()):
    """Ethernet header; tags: (tpid, vid) pairs, outer first."""
    b = MAC_B + MAC_A
    for tpid, vid in tags:
        b += struct.pack("!HH", tpid, vid)
    return b + struct.pack("!H", et)


def ipv4(proto, payload, frag=0, ihl=5, src=IP4_A, dst=IP4_B, tot=None):
    opts = b"\x01" * (4 * (ihl - 5))
    if tot is None:
        tot = 4 * ihl + len(payload)
    return struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, 1, frag, 64, proto, 0, src,
                       dst) + opts + payload


def ipv6(nh, payload, plen=None):
    if plen is None:
        plen = len(payload)
    return struct.pack("!IHBB16s16s", 0x60000000, plen, nh, 64, IP6_A, IP6_B) + payload


def ext(nh, body_units=0):
    """Hop-by-hop / routing / destination options header: (body_units + 1) * 8 bytes."""
    return struct.pack("!BB", nh, body_units) + b"\x00" * (6 + 8 * body_units)


def ah(nh):
    # Length in 4-byte units minus 2: 4 means 24 bytes (12 of ICV).
    return struct.pack("!BBHII", nh, 4, 0, 0x100, 1) + b"\x00" * 12


def frag6(nh, offset=0, more=True):
    return struct.pack("!BBHI", nh, 0, (offset << 3) | int(more), 0x1234)


def tcp(sport=40000, dport=443):
    return struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 0x50, 0x02, 65535, 0, 0)


def udp(sport=5353, dport=53, payload=b"abcd"):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def sctp(sport=2905, dport=2905):
    return struct.pack("!HHII", sport, dport, 1, 0)


def icmp():
    return struct.pack("!BBHHH", 8, 0, 0, 1, 1) + b"ping"


def icmp6():
    return struct.pack("!BBHHH", 128, 0, 0, 1, 1)


def arp(op=1):
    return struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, MAC_A, IP4_A, b"\0" * 6, IP4_B)


def pad60(f):
    return f + b"\0" * max(0, 60 - len(f))


def frames():
    f = {}
    f["runt-13"] = eth(0x0800)[:13]
    f["eth-only"] = eth(0x88b5)
    f["eth-unknown-type"] = pad60(eth(0x88b5) + b"payload")
    f["arp-request"] = pad60(eth(0x0806) + arp(1))
    f["arp-reply"] = pad60(eth(0x0806) + arp(2))
    f["arp-short"] = eth(0x0806) + arp(1)[:20]
    f["ipv4-tcp"] = eth(0x0800) + ipv4(6, tcp())
    f["ipv4-udp-padded"] = pad60(eth(0x0800) + ipv4(17, udp()))
    f["ipv4-udplite"] = eth(0x0800) + ipv4(136, udp())
    f["ipv4-sctp"] = eth(0x0800) + ipv4(132, sctp())
    f["ipv4-icmp"] = eth(0x0800) + ipv4(1, icmp())
    f["ipv4-gre"] = eth(0x0800) + ipv4(47, b"\x00\x00\x08\x00")
    f["ipv4-options"] = eth(0x0800) + ipv4(17, udp(), ihl=6)
    f["ipv4-frag-first"] = eth(0x0800) + ipv4(17, udp(), frag=0x2000)
    f["ipv4-frag-later"] = eth(0x0800) + ipv4(17, b"middle-of-datagram", frag=0x2003)
    f["ipv4-ihl-3"] = eth(0x0800) + b"\x43" + ipv4(17, udp())[1:]
    f["ipv4-totlen-long"] = eth(0x0800) + ipv4(6, tcp(), tot=1500)
    f["ipv4-tcp-cut"] = (eth(0x0800) + ipv4(6, tcp()))[:14 + 20 + 10]
    f["ipv4-hdr-cut"] = (eth(0x0800) + ipv4(6, tcp()))[:14 + 12]
    f["vlan-ipv4-tcp"] = eth(0x0800, [(0x8100, 100)]) + ipv4(6, tcp())
    f["qinq-ipv4-udp"] = eth(0x0800, [(0x88a8, 10), (0x8100, 200)]) + ipv4(17, udp())
    f["qinq9100-ipv6-udp"] = eth(0x86dd, [(0x9100, 10), (0x8100, 20)]) + ipv6(17, udp())
    f["vlan-3-tags"] = pad60(eth(0x0800, [(0x88a8, 1), (0x8100, 2), (0x8100, 3)]) +
                             ipv4(6, tcp()))
    f["vlan-8-tags"] = eth(0x0800, [(0x88a8, 1)] + [(0x8100, i) for i in range(2, 9)]) + \
        ipv4(6, tcp())
    f["vlan-9-tags"] = eth(0x0800, [(0x88a8, 1)] + [(0x8100, i) for i in range(2, 10)]) + \
        ipv4(6, tcp())
    f["vlan-cut"] = eth(0x0800, [(0x8100, 100)])[:16]
    f["vlan-arp"] = pad60(eth(0x0806, [(0x8100, 5)]) + arp())
    f["ipv6-tcp"] = eth(0x86dd) + ipv6(6, tcp())
    f["ipv6-udp"] = eth(0x86dd) + ipv6(17, udp())
    f["ipv6-sctp"] = eth(0x86dd) + ipv6(132, sctp())
    f["ipv6-icmp6"] = eth(0x86dd) + ipv6(58, icmp6())
    f["ipv6-hbh-tcp"] = eth(0x86dd) + ipv6(0, ext(6) + tcp())
    f["ipv6-chain-udp"] = eth(0x86dd) + ipv6(0, ext(43, 1) + ext(60) + ext(17) + udp())
    f["ipv6-ah-tcp"] = eth(0x86dd) + ipv6(51, ah(6) + tcp())
    f["ipv6-frag-first"] = eth(0x86dd) + ipv6(44, frag6(17) + udp())
    f["ipv6-frag-later"] = eth(0x86dd) + ipv6(44, frag6(17, offset=100, more=False) + b"x" * 16)
    f["ipv6-hbh-frag-tcp"] = eth(0x86dd) + ipv6(0, ext(44) + frag6(6) + tcp())
    f["ipv6-atomic-frag-tcp"] = eth(0x86dd) + ipv6(44, frag6(6, more=False) + tcp())
    f["vlan3-ipv6-hbh-atomic-tcp"] = eth(0x86dd, [(0x88a8, 7), (0x8100, 8), (0x8100, 9)]) + \
        ipv6(0, ext(44) + frag6(6, more=False) + tcp())
    chain = tcp()
    for _ in range(9):
        chain = ext(60) + chain
    f["ipv6-chain-9"] = eth(0x86dd) + ipv6(60, chain)
    f["ipv6-jumbogram"] = eth(0x86dd) + ipv6(0, ext(17) + udp(), plen=0)
    f["ipv6-plen-long"] = eth(0x86dd) + ipv6(6, tcp(), plen=1400)
    f["ipv6-ext-cut"] = (eth(0x86dd) + ipv6(0, ext(6, 2) + tcp()))[:14 + 40 + 10]
    f["ipv6-hdr-cut"] = (eth(0x86dd) + ipv6(6, tcp()))[:14 + 30]
    f["ipv6-version-4"] = eth(0x86dd) + b"\x40" + ipv6(6, tcp())[1:]
    f["ipv4-in-ipv6-ethertype"] = eth(0x86dd) + ipv4(6, tcp())
    return f


BASE_CFG = {
    "eal": {"hugepages": False},
    "ports": [{"name": "a", "device": "net_null0"},
              {"name": "b", "device": "net_null1", "tx_queues": 2}],
    "lcores": {"rx": [{"lcore": 1, "queues": [{"port": "a", "queue": 0},
                                              {"port": "b", "queue": 0}]}],
               "worker": [1], "tx": [1, 2]},
    "outputs": [{"name": "cap", "type": "pcapng", "path": "/tmp/x.pcapng"}],
    "rules": [{"name": "one", "in": "a", "action": "forward", "out": "b"},
              {"action": "count"}],
}

FULL_CFG = {
    "node": {"id": 7, "description": "every section"},
    "eal": {"args": ["--log-level=8"], "hugepages": False, "file_prefix": "fz",
            "memory_mb": 256, "main_lcore": 0},
    "ports": [
        {"name": "in", "device": "net_pcap0,rx_pcap=in.pcap", "rx_queues": 1, "tx_queues": 2,
         "rx_desc": 512, "tx_desc": 512, "mtu": 9000, "promiscuous": False,
         "timestamp": "sw"},
        {"name": "t1", "device": "net_null1", "tx_queues": 2, "timestamp": "none"},
        {"name": "t2", "device": "0000:03:00.0,rxq_cqe_comp_en=0", "tx_queues": 2,
         "timestamp": "hw"},
    ],
    "lcores": {"rx": [{"lcore": 1, "queues": [{"port": "in", "queue": 0},
                                              {"port": "t1", "queue": 0}]},
                      {"lcore": 2, "queues": [{"port": "t2", "queue": 0}]}],
               "worker": [3], "tx": [3, 4]},
    "burst": 64,
    "rings": {"worker": 1024, "tx": 2048},
    "mempool": {"size": 8191, "cache": 128, "mbuf_size": 2048},
    "outputs": [{"name": "cap", "type": "pcapng", "path": "/tmp/%Y%m%d-{index}.pcapng",
                 "rotate_bytes": 1048576, "rotate_seconds": 60, "max_files": 5,
                 "ring": 1024, "snaplen": 128, "comments": False}],
    "groups": [{"name": "lb", "mode": "balance", "members": ["t1", "t2"]},
               {"name": "all", "mode": "replicate", "members": ["t1", "cap"]},
               {"name": "fo", "mode": "first-up", "members": ["t2", "t1"]}],
    "rules": [
        {"name": "web", "in": ["in"], "filter": "tcp port 443", "action": "forward",
         "out": "lb", "continue": True, "snaplen": 96, "vlan": "strip"},
        {"name": "dns", "filter": "udp port 53", "action": "count"},
        {"name": "arp", "filter": "arp", "action": "drop"},
        {"name": "rest", "in": "in", "action": "forward", "out": "all"},
    ],
    "metrics": {"enabled": True, "listen": "::1", "port": 9464},
}


def configs():
    c = {}
    c["base"] = json.dumps(BASE_CFG)
    c["full"] = json.dumps(FULL_CFG, indent=2)
    c["minimal"] = json.dumps({"ports": [{"name": "p", "device": "net_null0"}]})
    c["syntax-error"] = '{"ports": [{"name": "p", "device": "net_null0"},]}'
    c["duplicate-key"] = '{"burst": 1, "burst": 2, "ports": []}'
    c["unicode-name"] = json.dumps({"ports": [{"name": "p\u00e9", "device": "net_null0"}]})
    c["deep-nesting"] = '{"node": ' * 40 + "1" + "}" * 40

    def variant(name, **changes):
        v = json.loads(json.dumps(BASE_CFG))
        v.update(changes)
        c[name] = json.dumps(v)

    # One past each limit of lib/cfg/cfg.h, and the other cross-field checks.
    null_port = {"name": "a", "device": "net_null0"}
    c["limit-ports-33"] = json.dumps({"ports": [{"name": "p%d" % i, "device": "net_null%d" % i}
                                                for i in range(33)]})
    variant("limit-rules-257", rules=[{"action": "count"}] * 257)
    variant("limit-members-17", groups=[{"name": "g", "mode": "replicate",
                                         "members": ["a", "b"] * 8 + ["cap"]}])
    variant("limit-eal-args-65", eal={"hugepages": False, "args": ["-v"] * 65})
    variant("limit-lcores-65", lcores={"rx": BASE_CFG["lcores"]["rx"],
                                       "worker": list(range(1, 65)), "tx": [65]})
    c["default-lcore-after-main-127"] = json.dumps({"eal": {"main_lcore": 127},
                                                    "ports": [null_port]})
    c["default-lcore-65-queues"] = json.dumps(
        {"ports": [dict(null_port, rx_queues=64),
                   {"name": "b", "device": "net_null1", "rx_queues": 1}]})
    variant("rule-duplicate-name", rules=[{"name": "x", "action": "count"},
                                          {"name": "x", "action": "drop"}])
    variant("rule-in-empty", rules=[{"in": [], "action": "count"}])
    variant("rule-count-continue", rules=[{"action": "count", "continue": True}])
    return c


def rules():
    r = [
        {"name": "web", "filter": "tcp port 80", "action": "forward", "out": "cap",
         "continue": True},
        {"action": "drop", "in": ["b"]},
        {"name": "mid", "action": "count"},
        {"name": "toa", "action": "forward", "out": "a"},
        {"name": "lb", "in": "a", "action": "forward", "out": "lb", "snaplen": 128,
         "vlan": "strip"},
        {"name": "c", "in": ["a", "b", "c"], "filter": "vlan 100 and udp", "action": "count"},
        {"action": "forward", "out": "nowhere"},
        {"action": "count", "filter": "tcp port"},
        {"action": "drop", "out": "a"},
        {"action": "count", "bogus": 1},
        {"name": "one", "action": "count"},
        {"action": "forward", "out": "b", "snaplen": 59},
        {"action": "forward", "out": "b", "vlan": "pop"},
        {"action": "count", "filter": "ip6 protochain 6"},
    ]
    out = {"r%02d" % i: json.dumps(x) for i, x in enumerate(r)}
    out["not-object"] = "[1]"
    out["cut"] = '{"action":"count",'
    return out


FILTERS = [
    "", "tcp port 443", "udp and dst port 53", "net 10.0.0.0/8", "ip", "ip6", "not ip", "vlan",
    "vlan 100 and tcp", "vlan 200 and udp dst port 53", "arp", "icmp or icmp6",
    "icmp6 and ip6[40] == 128", "tcp[tcpflags] & tcp-syn != 0", "tcp[13] == 0x10",
    "ip[6] & 0x40 != 0", "tcp[4:4] == 1000", "icmp[icmptype] == icmp-echo", "udp[4:2] == 26",
    "len > 1000", "ether host 02:00:00:00:00:01", "host 10.9.9.10 and tcp dst port 443",
    "tcp port 443 and net 10.0.0.0/8", "ip6 and tcp port 443",
    "ether proto 0x0806 or udp src port 53", "ip6 protochain 6", "ip protochain 17",
    "mpls 100 and ip", "pppoes and ip", "geneve and udp", "portrange 1000-2000",
    "src net 2001:db8::/32 or dst host ::1", "(tcp or udp) and not (port 22 or port 53)",
    "ip broadcast", "ether multicast", "greater 100 and less 200", "tcp port",
    "host 999.1.1.1", "ip[0] & 0xf > 5",
]


def trailers():
    """fuzz_trailer seeds: 16 spec bytes (format, fcs, use/strip, skew, nb_hops, 4 hop bytes,
    7 bytes of reference ns / 256) + a frame with Metamako / fixed / AVSP timestamps."""
    import zlib

    def fcs(b):
        return struct.pack("<I", zlib.crc32(b) & 0xffffffff)

    def mm(sec, ns, flags=1, dev=0x1234, port=7):
        return struct.pack("!IIBHB", sec, ns, flags, dev, port)

    def spec(fmt, fcs_mode=0, use=0, nb=0, hops=b"\0\0\0\0", ref=0):
        return bytes([fmt, fcs_mode, use, 0, nb]) + hops + (ref >> 8).to_bytes(7, "big")

    base = pad60(eth(0x0800) + ipv4(17, udp()))
    one = base + fcs(base) + mm(1700000000, 123456789)
    tlv = base + fcs(base) + struct.pack("!III", 0x000000a0 | 0x20, 0x80000001, 0x00beef00) + \
        mm(1700000000, 123456789, flags=3)
    two = one + fcs(one) + mm(1700000000, 123459999, dev=2, port=9)
    fixed = base + struct.pack("!IIII", 0xcafe0001, 1700000000, 5, 0)
    avsp = MAC_B + MAC_A + struct.pack("!HHHII", 0xD28B, 1, 0x0110, 1700000000, 123456789) + \
        struct.pack("!H", 0x0800) + ipv4(17, udp())
    avsp48 = MAC_B + MAC_A + struct.pack("!HHHHI", 0xD28B, 1, 0x0120, 61696, 123456789) + \
        struct.pack("!H", 0x0800) + ipv4(17, udp())
    ref = 1700000000123456789
    return {
        "metamako": spec(1) + one,
        "metamako-fcs": spec(1, 1) + one + fcs(one),
        "metamako-auto": spec(1, 2) + one + fcs(one),
        "metamako-tlv": spec(1) + tlv,
        "metamako-badflags": spec(1) + base + fcs(base) + mm(1700000000, 5, flags=0x41),
        "metamako-short": spec(1) + one[-20:],
        "stack2": spec(3, 1, 0, 1, b"\0\0\0\0") + two + fcs(two),
        "stack2-outer": spec(3, 0, 1, 1) + two,
        # hop 0 metamako, hop 1 fixed 16 bytes (0x35: fixed, 4-byte sec, len 4 + 3 * 4), no FCS
        "stack-fixed": spec(3, 0, 0, 1, bytes([0, 0x35, 0, 0])) + fixed + fcs(fixed) +
        mm(1700000000, 7),
        "avsp64": spec(2, 0, 0, 0, ref=ref) + avsp,
        "avsp48": spec(2, 0, 0, 0, ref=ref) + avsp48,
        "empty": spec(1),
    }


def probes():
    """Seeds for fuzz_probe: length-prefixed probe payloads (lib/probe layout)."""
    def p(seq, stream=0, version=1, magic=0x53545044, flags=1):
        return struct.pack("!IBBHQQQQ", magic, version, flags, stream, seq, 1000 * seq,
                           1000 * seq + 500, 1000 * seq + 700)

    def series(*payloads):
        return b"".join(bytes([len(x)]) + x for x in payloads)

    return {
        "in-order": series(*[p(s) for s in range(8)]),
        "reorder-dup": series(p(0), p(2), p(1), p(1), p(5), p(3)),
        "far-future": series(p(0), p(1), p(1 << 40), p(2)),
        "bad": series(p(1)[:20], p(1, magic=1), p(1, version=9), p(1, stream=99), b""),
        "restart": series(*([p(s) for s in range(3000, 3010)] + [p(s) for s in range(20)])),
    }


def stamp_payloads():
    """STAMP (RFC 8762) UDP payloads: sender and reflector packets, NTP and PTP, padded, short."""
    ntp = struct.pack("!II", 0xe8fe6f80, 0x1f9add38)       # 2023-11-14 22:13:20.123456789
    ntp2 = struct.pack("!II", 0xe8fe6f80, 0x2c67aa05)      # .173456789
    ptp = struct.pack("!II", 1700000000 + 37, 123456789)
    sender = struct.pack("!I", 7) + ntp + struct.pack("!HH", 0x8001, 0) + b"\0" * 28
    refl = (struct.pack("!I", 7) + ntp2 + struct.pack("!HH", 0x8587, 0) + ntp2 +
            struct.pack("!I", 7) + ntp + struct.pack("!HH", 0x8001, 0) + b"\x3d" + b"\0" * 3)
    refl_ptp = (struct.pack("!I", 9) + ptp + struct.pack("!HH", 0xc001, 0x1234) + ptp +
                struct.pack("!I", 7) + ntp + struct.pack("!HH", 0x0587, 0) + b"\x01" + b"\0" * 3)
    p = {}
    p["sender-44"] = sender
    p["sender-ssid-tlv"] = (sender[:14] + b"\x12\x34" + sender[16:] +
                            struct.pack("!BBH", 0, 1, 8) + b"\0" * 8)   # RFC 8972 extra padding
    p["sender-padded-1400"] = sender + b"\0" * (1400 - 44)
    p["sender-ptp"] = struct.pack("!I", 1) + ptp + struct.pack("!HH", 0x4001, 0) + b"\0" * 28
    p["sender-mult0"] = sender[:12] + b"\x80\x00" + sender[14:]
    p["sender-short-43"] = sender[:43]
    p["reflector-44"] = refl
    p["reflector-ptp"] = refl_ptp
    p["reflector-ptp-bad-ns"] = refl_ptp[:20] + b"\xff\xff\xff\xff" + refl_ptp[24:]
    p["reflector-era1"] = struct.pack("!I", 3) + b"\0" * 8 + struct.pack("!H", 0x0001) + b"\0" * 30
    p["empty"] = b""
    # Authenticated mode (RFC 8762 figures 2 and 4, 112 bytes), signed with a key that is not
    # the fuzz targets' (they sign each input themselves).
    key = bytes(range(32))
    sa = struct.pack("!I12x", 7) + ntp + struct.pack("!HH", 0x8001, 0x1234) + b"\0" * 68
    p["sender-auth-112"] = sa + hmac.new(key, sa, hashlib.sha256).digest()[:16]
    ra = (struct.pack("!I12x", 7) + ntp2 + struct.pack("!HH4x", 0x8587, 0x1234) + ntp2 +
          struct.pack("!8xI12x", 7) + ntp + struct.pack("!H6xB15x", 0x8001, 0x3d))
    p["reflector-auth-112"] = ra + hmac.new(key, ra, hashlib.sha256).digest()[:16]
    p["sender-auth-padded-200"] = p["sender-auth-112"] + b"\xab" * 88
    return p


def sph(payload, node=7, stream=0, seq=0, ts=1700000000123456789, orig=None, flags=0,
        tlvs=b"", ts_src=1, version=1, magic=0x5350):
    """One stampede header record (lib/encap/README.md) + payload."""
    cap = len(payload) if not flags & 1 else None
    if orig is None:
        orig = len(payload)
    hl = 40 + len(tlvs)
    return struct.pack("!HBBHBBIHHQQII", magic, version, flags, hl, ts_src, 0, node, stream,
                       len(payload), seq, ts, orig, cap if cap is not None else orig) + tlvs + payload


def sph_seeds():
    """fuzz_sph seeds: datagrams of stampede records (good, batched, fragmented, malformed)."""
    frame = eth(0x0800) + ipv4(17, udp())
    hop = lambda n, t, q: struct.pack("!BBIQQ", 1, 20, n, t, q)
    desc = lambda s: struct.pack("!BB", 2, len(s)) + s
    frag = lambda off, i, c: struct.pack("!BBIHH", 3, 8, off, i, c)
    big = bytes(range(256)) * 10
    return {
        "one": sph(frame),
        "batch3": sph(frame, seq=1) + sph(frame, seq=2) + sph(frame, seq=3),
        # check_seq() reads the input as 16-bit steps from 2^20: 33 of -32768 reach 2^64 - 32768,
        # +32767 makes it UINT64_MAX (next wrapped to 0 before SPH_SEQ_LIMIT), then 0 and 5.
        "seq-wrap": b"\x80\x00" * 33 + b"\x7f\xff\x00\x01\x00\x05",
        "tlvs": sph(frame, tlvs=desc(b"edge7:in0") + hop(8, 1700000000000000001, 5) +
                    hop(9, 1700000000000000002, 6)),
        "frag0": sph(big[:1400], flags=1, orig=2560, tlvs=frag(0, 0, 2)),
        "frag1": sph(big[1400:], flags=1, orig=2560, tlvs=frag(1400, 1, 2)),
        "unknown-tlv": sph(frame, tlvs=b"\xc8\x03abc\x00\x00"),
        "ctrl-ack": sph(b"", flags=2, tlvs=struct.pack("!BBHQ", 4, 10, 0, 99)),
        "trunc": sph(frame[:40], orig=200) + b"\0\0\0",
        "bad-magic": sph(frame, magic=0x1234),
        "future": sph(frame, version=9),
        "short": sph(frame)[:30],
        # Authenticated (sph_auth.h): the key fuzz_sph holds (id 1, 32 x 0x5a) and a wrong one.
        "auth": signed(sph(frame, seq=4) + sph(frame, seq=5), b"\x5a" * 32),
        "auth-wrong-key": signed(sph(frame, seq=6), b"\x00" * 32),
    }


def signed(records, key, key_id=1, node=7):
    """records + an authentication record: HMAC-SHA-256/128 (Python hmac)."""
    import hashlib
    import hmac
    hdr = struct.pack("!HBBHBBIHHQQII", 0x5350, 1, 0x12, 60, 0, 0, node, 0, 0, 0, 0, 0, 0) + \
        struct.pack("!BBH", 6, 18, key_id)
    return records + hdr + hmac.new(key, records + hdr, hashlib.sha256).digest()[:16]


def collect_seeds():
    """fuzz_collect: a selector byte (fuzz_collect.c) + the UDP payloads of 1..3 datagrams."""
    frame = eth(0x0800) + ipv4(17, udp())
    big = bytes(range(256)) * 10
    frag = lambda off, i, c: struct.pack("!BBIHH", 3, 8, off, i, c)
    desc = lambda s: struct.pack("!BB", 2, len(s)) + s

    def burst(sel, *dgs):
        """Datagrams after the first ones' 2-byte length prefixes (fuzz_collect.c, bits 4-5)."""
        sel |= (len(dgs) - 1) << 4
        out = bytes([sel])
        for d in dgs[:-1]:
            out += struct.pack("!H", len(d)) + d
        return out + dgs[-1]

    f0 = sph(big[:1000], flags=1, orig=2560, tlvs=frag(0, 0, 3))
    f1 = sph(big[1000:2000], flags=1, orig=2560, tlvs=frag(1000, 1, 3))
    f2 = sph(big[2000:], flags=1, orig=2560, tlvs=frag(2000, 2, 3))
    batch13 = b"".join(sph(frame + bytes([i]) * i, seq=i) for i in range(13))
    late = sph(frame, seq=3, ts=1700000000123456789) + sph(frame, seq=4, ts=1700000000003456789)
    # Regression (fuzz_collect's first find): the reassembly table full (16 frames), then a
    # fragment of the frame in its first slot that disagrees about the fragment count.
    full = b"".join(sph(big[:100], seq=i, flags=1, orig=200, tlvs=frag(0, 0, 2))
                    for i in range(16))
    disagree = sph(big[:100], seq=0, flags=1, orig=300, tlvs=frag(100, 1, 3))
    return {
        "reasm-full-disagree": burst(0, full + disagree),
        "one": burst(0, sph(frame)),
        "one-desc": burst(0, sph(frame, tlvs=desc(b"edge7:in0"))),
        "batch13": burst(0, batch13),
        "frag3": burst(0, f0, f1, f2),
        "frag-dup": burst(0, f0, f0, f1),
        "frag-expired": burst(0x80, f0, f1, f2),
        "burst3": burst(0, sph(frame, seq=1), sph(frame, seq=2), sph(frame, seq=3)),
        "early": burst(0, sph(frame, seq=5000), sph(frame, seq=1)),
        "stale": burst(0, sph(frame, seq=1), sph(frame, seq=5000), sph(frame, seq=2)),
        "stale-in-batch": burst(0, sph(frame, seq=1), sph(frame, seq=5000) + sph(frame, seq=2)),
        "raw-ethertype": burst(0x40, batch13),
        "auth-peers-reorder": burst(0x05, late, sph(frame, seq=5)),
        "auth-unsigned": burst(0x01, sph(frame)),
        "auth-other-source": burst(0x0d, sph(frame)),
        "allow": burst(0x02, sph(frame, node=7)),
        "allow-other": burst(0x0a, sph(frame, node=8), sph(frame, node=99)),
        "relay": burst(0x03, batch13),
        "relay-frag": burst(0x03, f0, f1),
        "trunc": burst(0, sph(frame[:40], orig=200) + b"\0\0\0"),
        "ctrl-ack": burst(0, sph(b"", flags=2, tlvs=struct.pack("!BBHQ", 4, 10, 0, 99))),
    }


def edge_seeds():
    """fuzz_edge: 3 bytes (fuzz_edge.c: selector, frames, lengths) + 1..3 control datagrams."""
    def ack(stream, *ranges):
        return struct.pack("!BBH", 4, 2 + 16 * len(ranges), stream) + \
            b"".join(struct.pack("!QQ", f, l) for f, l in ranges)

    def nack(stream, first, count):
        return struct.pack("!BBHQI", 5, 14, stream, first, count)

    def ctrl(*tlvs, node=7):
        return sph(b"", node=node, flags=2, ts=0, ts_src=0, tlvs=b"".join(tlvs))

    def edge(sel, frames, lengths, *dgs):
        """Control datagrams after the first ones' 2-byte length prefixes (bits 4-5)."""
        sel |= (len(dgs) - 1) << 4
        out = bytes([sel, frames, lengths])
        for d in dgs[:-1]:
            out += struct.pack("!H", len(d)) + d
        return out + dgs[-1]

    def item(c, first, count):
        """A structured item (bit 7 of the selector): control byte, first, count - 1."""
        return struct.pack("!BHH", c, first, count - 1)

    return {
        "ack-all": edge(0, 50, 0, ctrl(ack(0, (0, 49)))),
        "ack-part": edge(0, 50, 0, ctrl(ack(0, (0, 9), (20, 29)))),
        "ack-nack": edge(0, 50, 0, ctrl(ack(0, (0, 9)), nack(0, 10, 5))),
        "nack-all": edge(0, 50, 0, ctrl(nack(0, 0, 50))),
        "nack-again": edge(0x20, 50, 0, ctrl(nack(0, 3, 1)), ctrl(nack(0, 3, 1)),
                           ctrl(ack(0, (0, 2)))),
        # Regression (fuzz_edge's first find): 40 NACKs of one datagram each resent 40, not
        # BREL_NACK_RESEND (32).
        "nack-share-40": edge(0, 200, 40, ctrl(*[nack(0, 5 * i, 1) for i in range(40)])),
        # Regression: an ACK, then a record whose ACK range ends before it starts: the
        # first one was applied and the datagram counted consumed (now sph_bad_tlv, none read).
        "ack-then-bad-tlv": edge(0, 50, 0, ctrl(ack(0, (10, 19))) + ctrl(ack(0, (30, 20)))),
        "unsent-ack": edge(0, 50, 0, ctrl(ack(0, (0, 1 << 40)))),
        "unsent-nack": edge(0, 50, 0, ctrl(nack(0, 0, 0xffffffff))),
        "none-sent": edge(0, 0, 0, ctrl(ack(0, (0, 0)))),
        "padded": edge(0, 10, 0, ctrl(ack(0, (0, 9))) + bytes(20)),
        "foreign-node": edge(0, 10, 0, ctrl(ack(0, (0, 9)), node=8)),
        "worker1": edge(0, 10, 0, ctrl(ack(0x100, (0, 9)))),
        "two-records": edge(0, 10, 0, ctrl(ack(0, (0, 4))) + ctrl(nack(0, 5, 5))),
        "auth-signed": edge(0x05, 30, 0, ctrl(ack(0, (0, 9)))),
        "auth-unsigned": edge(0x01, 30, 0, ctrl(ack(0, (0, 9)))),
        "auth-optional": edge(0x03, 30, 0, ctrl(ack(0, (0, 9))), ctrl(nack(0, 10, 3))),
        "other-source": edge(0x18, 30, 0, ctrl(ack(0, (0, 29))), ctrl(nack(0, 0, 30))),
        "ether": edge(0x12, 30, 0, ctrl(ack(0, (0, 9))), ctrl(nack(0, 10, 30))),
        "two-ports": edge(0x40, 100, 8, ctrl(ack(0, (0, 31)), ack(1, (0, 20)), nack(1, 21, 9))),
        "fragments": edge(0x20, 40, 63, ctrl(ack(0, (0, 5))), ctrl(nack(0, 6, 20)),
                          ctrl(ack(0, (10, 12)))),
        "after": edge(0, 20, 0x80, ctrl(ack(0, (0, 19)))),
        "structured": edge(0x80, 60, 4, item(0, 0, 10) + item(1, 10, 20) + item(2, 0, 5) +
                           item(0x20, 3, 1) + item(0x19, 0, 1)),
        "structured-3": edge(0xe4, 200, 40, item(0x40, 0, 100), item(3, 50, 60) +
                             item(0x21, 7, 1), item(0x0, 100, 101)),
    }


def reflect_seeds():
    """The reflect target: a selector byte, then a request frame with valid checksums."""
    stamp = struct.pack("!IQHH28x", 1, 0xe0000000 << 32, 1, 0) + bytes(20)
    probe = struct.pack("!IBBHQQQQ", 0x53545044, 1, 1, 0, 5, 1700000000000000000, 0, 0)

    def v4(payload, sport=7000, dport=862, extra=b"", ck=True):
        u = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        ip = bytearray(ipv4(17, u + extra))
        ip[10:12] = struct.pack("!H", inet_csum(bytes(ip[:20])))
        if ck:
            ph = IP4_A + IP4_B + struct.pack("!BBH", 0, 17, len(u))
            c = inet_csum(ph + u) or 0xffff
            ip[26:28] = struct.pack("!H", c)
        return eth(0x0800) + bytes(ip)

    def v6(payload, exts=b"", nh=17, sport=7000, dport=862):
        u = bytearray(struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)
        ph = IP6_A + IP6_B + struct.pack("!IxxxB", len(u), 17)
        u[6:8] = struct.pack("!H", inet_csum(ph + bytes(u)) or 0xffff)
        return eth(0x86DD) + ipv6(nh, exts + bytes(u))

    return {
        "v4-stamp": b"\x40" + v4(stamp),
        "v4-stamp-own-guard": b"\x43" + v4(stamp),
        "v4-stamp-nock": b"\x40" + v4(stamp, ck=False),
        "v4-stamp-extra": b"\x40" + v4(stamp, extra=b"\xee" * 10),
        "v4-probe": b"\x00" + v4(probe, dport=7777),
        "v4-probe-nic": b"\x14" + v4(probe, dport=7777),
        "v6-stamp": b"\xc0" + v6(stamp),
        "v6-stamp-dstopt": b"\x40" + v6(stamp, exts=ext(17), nh=60),
        "v6-probe": b"\x01" + v6(probe, dport=7777),
        "v4-vlan": b"\x40" + MAC_B + MAC_A + struct.pack("!HH", 0x8100, 5) + v4(stamp)[12:],
        # 112-byte authenticated-layout request (HMAC field of another key)
        "v4-stamp-auth": b"\xc0" + v4(struct.pack("!I12xQHH68x", 1, 0xe0000000 << 32, 1, 0) +
                                      bytes(range(16))),
    }


def write(target, items):
    """Write the generated seeds of @target. Seeds already there and not generated here (a
    fuzzer's finds kept as regressions, e.g. sph/seq-wrap, probe's grown corpus) stay."""
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    for name, data in sorted(items.items()):
        if isinstance(data, str):
            data = data.encode()
        with open(os.path.join(d, name), "wb") as fh:
            fh.write(data)
    print(f"{target}: {len(items)} seeds")


def main():
    write("pkt", frames())
    # tcprtt parses the same frames (its TCP ones matter), plus raw option lists.
    opts = {"opt-linux-syn": bytes([2, 4, 5, 180, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7]),
            "opt-zero-len": bytes([1, 5, 0, 1]), "opt-past-end": bytes([1, 1, 8, 10, 0, 0]),
            "opt-ts-len8": bytes([8, 8, 0, 0, 0, 1, 0, 0])}
    write("tcprtt", {**frames(), **opts})
    write("cfg", configs())
    write("rule", rules())
    write("filter", {"f%02d" % i: e for i, e in enumerate(FILTERS)})
    write("trailer", trailers())
    write("probe", probes())
    write("stamp", stamp_payloads())
    write("reflect", reflect_seeds())
    write("sph", sph_seeds())
    write("collect", collect_seeds())
    write("edge", edge_seeds())
    return 0


if __name__ == "__main__":
    sys.exit(main())
