#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: passive TCP latency (tcp_rtt) on a crafted nanosecond pcap.

  tcp_rtt.py STAMPEDE [basic|stacks|rule|bad]

basic: handshakes (IPv4; IPv6 in QinQ; the same 5-tuple on VLANs 100 and 200, two flows; a
retransmitted SYN, flagged "ambiguous"), a data exchange with TCP timestamps (TSval echoed
after a known delay), FIN both ways and the last ACK (which echoes the second FIN), and RST. Every record's rtt_ns must equal the difference of
the pcap stamps of the packets involved, to the nanosecond; the counters must match; every packet
is forwarded (a tap drops nothing).

stacks: handshakes and a TS sample in 3-tag (802.1ad + 802.1Q + 802.1Q) and 8-tag stacks (two
3-tag stacks that differ only in the third id are two flows) and behind IPv6 atomic fragment
headers (RFC 6946: offset 0, M = 0), alone and in a 3-tag stack. Expected: the pcap stamps.

rule: one exchange (SYN, SYN-ACK, a pure ACK and a request with the same TSval, the answer, a
pure ACK echoed only by the server's next data 400 ms later) under "ts_rule": "data" (ePPing:
2 samples, the request's from the request) and "first" (pping: 5 samples, the pure ACKs' and
the SYN's included); each expected rtt from the pcap stamps.

bad: malformed TCP options (zero-length option, an option running past the header, a TS option
of length 8), 34 frames with a malformed IPv4, IPv6 or TCP header, TCP fragments, 9 VLAN tags or
a cut tag (each listed with the counter it must land in: the test's table is the model), then a
SYN flood of 3000 sources into a 64-entry table: every malformed frame in exactly its named
counter (tcp_rtt.drops), none made a flow (the 3000 SYNs are the only flows; the oldest
half-open ones give way: evicted_half_open), bounded, no crash, every packet forwarded.
"""

import json
import struct
import sys

import ftlib

ftlib.need_scapy()
from scapy.all import IP, TCP, Dot1AD, Dot1Q, Ether, IPv6, IPv6ExtHdrFragment, Raw  # noqa: E402

T0 = 1700000000000000000
MS = 1000000


def write_pcap(path, recs):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 262144, 1))
        for ts, fr in recs:
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9, len(fr), len(fr)))
            f.write(fr)


def eth(vlans=()):
    e = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
    for i, v in enumerate(vlans):
        e = e / (Dot1AD(vlan=v) if i == 0 and len(vlans) >= 2 else Dot1Q(vlan=v))
    return e


def tcp(src, dst, sport, dport, flags, ts=None, payload=b"", vlans=(), options=None,
        atomic=False):
    ipl = IPv6(src=src, dst=dst) if ":" in src else IP(src=src, dst=dst)
    if atomic:
        # RFC 6946 atomic fragment: offset 0, M = 0 (what a host sends after a tiny PTB).
        ipl = ipl / IPv6ExtHdrFragment(offset=0, m=0, id=0x1234)
    opts = options if options is not None else ([("Timestamp", ts)] if ts is not None else [])
    p = eth(vlans) / ipl / TCP(sport=sport, dport=dport, flags=flags, options=opts)
    if payload:
        p = p / Raw(payload)
    return bytes(p)


class Trace:
    def __init__(self):
        self.recs = []
        self.t = T0

    def add(self, dt_ns, frame):
        self.t += dt_ns
        self.recs.append((self.t, frame))
        return self.t


def basic_trace():
    """Returns (records, expected samples as dicts)."""
    tr = Trace()
    want = []
    # IPv4 handshake: SYN, SYN-ACK 20 ms + 123 ns later, ACK 1 ms + 7 ns later.
    c, s = ("10.1.0.5", 40000), ("10.9.0.1", 80)
    t_syn = tr.add(1000, tcp(c[0], s[0], c[1], s[1], "S", ts=(100, 0)))
    t_sa = tr.add(20 * MS + 123, tcp(s[0], c[0], s[1], c[1], "SA", ts=(900, 100)))
    want.append(dict(kind="syn_synack", src=c[0], sport=c[1], dst=s[0], dport=s[1],
                     rtt_ns=t_sa - t_syn, dir="client->server", flags=[], vlan=[]))
    t_ack = tr.add(1 * MS + 7, tcp(c[0], s[0], c[1], s[1], "A", ts=(101, 900)))
    want.append(dict(kind="synack_ack", src=s[0], sport=s[1], dst=c[0], dport=c[1],
                     rtt_ns=t_ack - t_sa, dir="server->client", flags=[], vlan=[]))
    # Data client -> server with TSval 102, echoed by the server 20 ms + 5 ns later.
    t_d = tr.add(5 * MS, tcp(c[0], s[0], c[1], s[1], "PA", ts=(102, 900), payload=b"GET /"))
    tr.add(100, tcp(c[0], s[0], c[1], s[1], "PA", ts=(102, 900), payload=b"again"))
    t_e = tr.add(20 * MS + 5 - 100, tcp(s[0], c[0], s[1], c[1], "PA", ts=(905, 102),
                                        payload=b"200 OK"))
    want.append(dict(kind="tsval", src=c[0], sport=c[1], dst=s[0], dport=s[1],
                     rtt_ns=t_e - t_d, dir="client->server", flags=[], vlan=[]))
    # ... and the server's TSval 905 echoed by the client 333 ns later (pure ACK).
    t_e2 = tr.add(333, tcp(c[0], s[0], c[1], s[1], "A", ts=(103, 905)))
    want.append(dict(kind="tsval", src=s[0], sport=s[1], dst=c[0], dport=c[1],
                     rtt_ns=t_e2 - t_e, dir="server->client", flags=[], vlan=[]))
    # FIN both ways (the client's FIN TSval echoed in the server's FIN: one more sample).
    t_f = tr.add(1 * MS, tcp(c[0], s[0], c[1], s[1], "FA", ts=(104, 905)))
    t_f2 = tr.add(3 * MS, tcp(s[0], c[0], s[1], c[1], "FA", ts=(906, 104)))
    want.append(dict(kind="tsval", src=c[0], sport=c[1], dst=s[0], dport=s[1],
                     rtt_ns=t_f2 - t_f, dir="client->server", flags=[], vlan=[]))
    # The last ACK echoes the server's FIN: the flow waited for it (one more sample), and goes.
    t_la = tr.add(444, tcp(c[0], s[0], c[1], s[1], "A", ts=(105, 906)))
    want.append(dict(kind="tsval", src=s[0], sport=s[1], dst=c[0], dport=c[1],
                     rtt_ns=t_la - t_f2, dir="server->client", flags=[], vlan=[]))
    # IPv6 in QinQ (outer 10, inner 20), no TS option.
    c6, s6 = ("2001:db8::10", 50000), ("2001:db8:1::1", 443)
    t1 = tr.add(1000, tcp(c6[0], s6[0], c6[1], s6[1], "S", vlans=(10, 20)))
    t2 = tr.add(7 * MS + 1, tcp(s6[0], c6[0], s6[1], c6[1], "SA", vlans=(10, 20)))
    t3 = tr.add(2 * MS + 2, tcp(c6[0], s6[0], c6[1], s6[1], "A", vlans=(10, 20)))
    want.append(dict(kind="syn_synack", src=c6[0], sport=c6[1], dst=s6[0], dport=s6[1],
                     rtt_ns=t2 - t1, dir="client->server", flags=[], vlan=[10, 20]))
    want.append(dict(kind="synack_ack", src=s6[0], sport=s6[1], dst=c6[0], dport=c6[1],
                     rtt_ns=t3 - t2, dir="server->client", flags=[], vlan=[10, 20]))
    tr.add(1000, tcp(c6[0], s6[0], c6[1], s6[1], "R", vlans=(10, 20)))
    # Same 5-tuple on VLAN 100 and 200, interleaved: two flows, two handshakes.
    cv, sv = ("10.2.0.1", 1234), ("10.2.0.2", 22)
    a1 = tr.add(1000, tcp(cv[0], sv[0], cv[1], sv[1], "S", vlans=(100,)))
    b1 = tr.add(1000, tcp(cv[0], sv[0], cv[1], sv[1], "S", vlans=(200,)))
    b2 = tr.add(3 * MS, tcp(sv[0], cv[0], sv[1], cv[1], "SA", vlans=(200,)))
    a2 = tr.add(4 * MS, tcp(sv[0], cv[0], sv[1], cv[1], "SA", vlans=(100,)))
    want.append(dict(kind="syn_synack", src=cv[0], sport=cv[1], dst=sv[0], dport=sv[1],
                     rtt_ns=b2 - b1, dir="client->server", flags=[], vlan=[200]))
    want.append(dict(kind="syn_synack", src=cv[0], sport=cv[1], dst=sv[0], dport=sv[1],
                     rtt_ns=a2 - a1, dir="client->server", flags=[], vlan=[100]))
    # A retransmitted SYN (1 s later): measured from the last SYN, flagged ambiguous.
    cr, sr = ("10.3.0.1", 33333), ("10.3.0.2", 80)
    tr.add(1000, tcp(cr[0], sr[0], cr[1], sr[1], "S", ts=(1, 0)))
    r2 = tr.add(1000 * MS, tcp(cr[0], sr[0], cr[1], sr[1], "S", ts=(1001, 0)))
    r3 = tr.add(15 * MS + 9, tcp(sr[0], cr[0], sr[1], cr[1], "SA", ts=(50, 1001)))
    want.append(dict(kind="syn_synack", src=cr[0], sport=cr[1], dst=sr[0], dport=sr[1],
                     rtt_ns=r3 - r2, dir="client->server", flags=["ambiguous"], vlan=[]))
    # Non-TCP traffic passes untouched.
    tr.add(1000, bytes(eth() / IP(src="10.4.0.1", dst="10.4.0.2") / Raw(b"x" * 30)))
    return tr.recs, want


def stacks_trace():
    """Deep VLAN stacks and IPv6 atomic fragments: (records, expected samples)."""
    tr = Trace()
    want = []
    cases = [
        # (client, server, vlans, atomic)
        (("10.7.0.1", 41000), ("10.7.0.2", 80), (100, 200, 300), False),
        (("10.7.0.1", 41000), ("10.7.0.2", 80), (100, 200, 301), False),  # 3rd id differs
        (("10.7.0.3", 41001), ("10.7.0.4", 443), tuple(range(1001, 1009)), False),
        (("2001:db8::7", 42000), ("2001:db8::8", 22), (), True),
        (("2001:db8::9", 42001), ("2001:db8::a", 22), (7, 8, 9), True),
    ]
    for i, (c, s, vl, atomic) in enumerate(cases):
        t1 = tr.add(1000, tcp(c[0], s[0], c[1], s[1], "S", ts=(10, 0), vlans=vl,
                              atomic=atomic))
        t2 = tr.add((i + 1) * MS + 11 * i, tcp(s[0], c[0], s[1], c[1], "SA", ts=(70, 10),
                                               vlans=vl, atomic=atomic))
        t3 = tr.add(MS // 2 + i, tcp(c[0], s[0], c[1], s[1], "A", ts=(11, 70), vlans=vl,
                                     atomic=atomic))
        t4 = tr.add(1000, tcp(c[0], s[0], c[1], s[1], "PA", ts=(12, 70), vlans=vl,
                              atomic=atomic, payload=b"hello"))
        t5 = tr.add(3 * MS + i, tcp(s[0], c[0], s[1], c[1], "A", ts=(71, 12), vlans=vl,
                                    atomic=atomic))
        want.append(dict(kind="syn_synack", src=c[0], sport=c[1], dst=s[0], dport=s[1],
                         rtt_ns=t2 - t1, dir="client->server", flags=[], vlan=list(vl)))
        want.append(dict(kind="synack_ack", src=s[0], sport=s[1], dst=c[0], dport=c[1],
                         rtt_ns=t3 - t2, dir="server->client", flags=[], vlan=list(vl)))
        want.append(dict(kind="tsval", src=c[0], sport=c[1], dst=s[0], dport=s[1],
                         rtt_ns=t5 - t4, dir="client->server", flags=[], vlan=list(vl)))
    return tr.recs, want


def key(r):
    return (r["kind"], r["src"], r["sport"], r["dst"], r["dport"], tuple(r["vlan"]))


def run_stacks(st, ck):
    recs, want = stacks_trace()
    got = run_trace(st, ck, recs, want)
    ck.eq(len(got), len(want), "records")
    s = st.stats()
    t = (s or {}).get("tcp_rtt", {})
    ck.eq(t.get("samples"), {"syn_synack": 5, "synack_ack": 5, "tsval": 5}, "samples")
    ck.eq(t.get("flows"), 5, "flows entered: the two 3-tag stacks that differ in the 3rd id apart")


def rule_trace():
    """One exchange, the expected tsval samples under ts_rule "data" and "first"."""
    tr = Trace()
    c, s = ("10.8.0.1", 47000), ("10.8.0.2", 80)
    t_syn = tr.add(1000, tcp(c[0], s[0], c[1], s[1], "S", ts=(400, 0)))
    t_sa = tr.add(5 * MS, tcp(s[0], c[0], s[1], c[1], "SA", ts=(900, 400)))
    t_ack = tr.add(5 * MS, tcp(c[0], s[0], c[1], s[1], "A", ts=(500, 900)))
    t_req = tr.add(3 * MS, tcp(c[0], s[0], c[1], s[1], "PA", ts=(500, 900), payload=b"GET"))
    t_rsp = tr.add(20 * MS, tcp(s[0], c[0], s[1], c[1], "PA", ts=(901, 500), payload=b"OK"))
    t_ack2 = tr.add(1 * MS, tcp(c[0], s[0], c[1], s[1], "A", ts=(501, 901)))
    t_more = tr.add(400 * MS, tcp(s[0], c[0], s[1], c[1], "PA", ts=(1300, 501), payload=b"X"))
    cs = dict(src=c[0], sport=c[1], dst=s[0], dport=s[1], dir="client->server", flags=[],
              vlan=[])
    sc = dict(src=s[0], sport=s[1], dst=c[0], dport=c[1], dir="server->client", flags=[],
              vlan=[])
    data = [dict(kind="tsval", rtt_ns=t_rsp - t_req, **cs),
            dict(kind="tsval", rtt_ns=t_ack2 - t_rsp, **sc)]
    first = [dict(kind="tsval", rtt_ns=t_sa - t_syn, **cs),
             dict(kind="tsval", rtt_ns=t_ack - t_sa, **sc),
             dict(kind="tsval", rtt_ns=t_rsp - t_ack, **cs),
             dict(kind="tsval", rtt_ns=t_ack2 - t_rsp, **sc),
             dict(kind="tsval", rtt_ns=t_more - t_ack2, **cs)]
    return tr.recs, data, first


def run_rule(st, ck):
    recs, data, first = rule_trace()
    for rule, want in (("data", data), ("first", first)):
        got = [r for r in run_trace(st, ck, recs, want, {"ts_rule": rule})
               if r["kind"] == "tsval"]
        ck.eq(len(got), len(want), "ts_rule %s: tsval records" % rule)


def read_records(ck, st):
    """The samples stampede wrote to rtt.json (JSON lines); none, and a failed check, when
    the file cannot be read."""
    try:
        with open(st.path("rtt.json")) as f:
            return [json.loads(line) for line in f]
    except (OSError, ValueError) as e:
        ck.check(False, "rtt.json readable JSON lines", str(e))
        return []


def run_trace(st, ck, recs, want, extra=None):
    """Replays @recs, checks each expected record; returns the records."""
    write_pcap(st.path("in.pcap"), recs)
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [
            {"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
            {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap", "timestamp": "none"},
        ],
        "rules": [{"name": "all", "in": ["in"], "action": "forward", "out": "out"}],
        "tcp_rtt": dict({"enabled": True, "ports": ["in"], "flows": 1024,
                         "ts_min_interval_ms": 0, "output": {"path": "rtt.json"}},
                        **(extra or {})),
    })
    st.run_to_eof(ck, timeout=30)
    got = read_records(ck, st)
    by_key = {}
    for r in got:
        by_key.setdefault(key(r), []).append(r)
    for w in want:
        lst = by_key.get(key(w), [])
        g = lst.pop(0) if lst else None
        ck.check(g is not None and g["rtt_ns"] == w["rtt_ns"] and g["dir"] == w["dir"],
                 "%s %s:%d -> %s:%d vlan %s: rtt_ns %d, %s" %
                 (w["kind"], w["src"], w["sport"], w["dst"], w["dport"], w["vlan"],
                  w["rtt_ns"], w["dir"]), "got %s" % g)
    return got


def run_basic(st, ck):
    recs, want = basic_trace()
    write_pcap(st.path("in.pcap"), recs)
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [
            {"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
            {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap", "timestamp": "none"},
        ],
        "rules": [{"name": "all", "in": ["in"], "action": "forward", "out": "out"}],
        "tcp_rtt": {"enabled": True, "ports": ["in"], "flows": 1024, "ts_min_interval_ms": 0,
                    "output": {"path": "rtt.json"},
                    "prefixes": [{"name": "dc1", "prefix": "10.1.0.0/16"},
                                 {"name": "v6", "prefix": "2001:db8::/32"}]},
    })
    st.run_to_eof(ck, timeout=30)
    got = read_records(ck, st)
    ck.eq(len(got), len(want), "records")
    by_key = {}
    for r in got:
        by_key.setdefault(key(r), []).append(r)
    for w in want:
        lst = by_key.get(key(w), [])
        g = lst.pop(0) if lst else None
        ck.check(g is not None and g["rtt_ns"] == w["rtt_ns"] and g["dir"] == w["dir"] and
                 g["flags"] == w["flags"] and g["port"] == "in",
                 "%s %s:%d -> %s:%d vlan %s: rtt_ns %d, %s, flags %s" %
                 (w["kind"], w["src"], w["sport"], w["dst"], w["dport"], w["vlan"],
                  w["rtt_ns"], w["dir"], w["flags"]), "got %s" % g)
        if g is not None:
            ts_ok = g["ts"].endswith("%09dZ" % (g["ts_ns"] % 10**9))
            ck.check(ts_ok, "ts and ts_ns agree: %s" % g["ts"])
    s = st.stats()
    ftlib.check_accounting(ck, s, received=len(recs), transmitted=len(recs), drops={})
    t = (s or {}).get("tcp_rtt", {})
    ck.eq(t.get("samples"), {"syn_synack": 5, "synack_ack": 2, "tsval": 4}, "samples")
    ck.eq(t.get("ambiguous"), 1, "ambiguous")
    ck.eq(t.get("flows"), 5, "flows entered")
    ck.eq(t.get("closed"), 2, "flows closed (FIN both ways and the last ACK, RST)")
    ck.eq(t.get("flows_active"), 3, "flows active")
    ck.eq(t.get("records"), 11, "records")
    ck.eq(t.get("records_written"), 11, "records written")
    ck.eq(t.get("records_dropped"), 0, "records dropped")
    ck.eq(t.get("malformed_options"), 0, "malformed options")
    ports = {p["name"]: p for p in t.get("ports", [])}
    ck.eq(ports.get("in", {}).get("syn_synack", {}).get("count"), 4,
          "port in: syn_synack histogram holds the 4 unambiguous samples")
    pf = {p["name"]: p for p in t.get("prefixes", [])}
    ck.eq(pf.get("dc1", {}).get("syn_synack", {}).get("max"), want[0]["rtt_ns"],
          "prefix dc1: its one syn_synack (max is exact)")
    ck.eq(pf.get("v6", {}).get("synack_ack", {}).get("count"), 1, "prefix v6: one synack_ack")


def malformed_frames():
    """(reason, frame) pairs: every IP / TCP fault the monitor names, IPv4 and IPv6."""
    c, s = ("10.5.0.1", 1000), ("10.5.0.2", 80)
    c6, s6 = "2001:db8::51", "2001:db8::52"

    def v4(ip_kw=None, tcp_kw=None, payload=b""):
        ip = dict({"src": c[0], "dst": s[0]}, **(ip_kw or {}))
        p = eth() / IP(**ip) / TCP(**dict({"sport": c[1], "dport": s[1], "flags": "S"},
                                          **(tcp_kw or {})))
        return bytes(p / Raw(payload)) if payload else bytes(p)

    def v6(ip_kw=None, tcp_kw=None, ext=None):
        ipl = IPv6(**dict({"src": c6, "dst": s6}, **(ip_kw or {})))
        if ext is not None:
            ipl = ipl / ext
        return bytes(eth() / ipl / TCP(**dict({"sport": c[1], "dport": s[1], "flags": "S"},
                                              **(tcp_kw or {}))))

    def setb(fr, off, val):
        return fr[:off] + bytes([val]) + fr[off + 1:]

    good = v4()
    good6 = v6()
    deep = eth(tuple(range(1, 10)))
    deep = bytes(deep / IP(src=c[0], dst=s[0]) / TCP(sport=c[1], dport=s[1], flags="S"))
    return [
        ("ip_bad_ihl", setb(good, 14, 0x43)),                    # IHL 3
        ("ip_bad_ihl", setb(good, 14, 0x40)),                    # IHL 0
        ("ip_bad_version", setb(good, 14, 0x55)),                # version 5
        ("ip_bad_length", v4({"len": 12})),                      # total length < IHL
        ("ip_truncated", v4({"len": 1500})),                     # longer than the frame
        ("ip_truncated", good[:14 + 12]),                        # cut in the IP header
        ("ip_truncated", bytes(eth() / IP(src=c[0], dst=s[0], ihl=15, len=60, proto=6)
                               / Raw(b"\x00" * 20))),            # options past the frame
        ("tcp_truncated", bytes(eth() / IP(src=c[0], dst=s[0], proto=6) / Raw(b"\x00" * 10))),
        ("tcp_bad_offset", v4(tcp_kw={"dataofs": 0})),
        ("tcp_bad_offset", v4(tcp_kw={"dataofs": 4})),
        ("tcp_bad_offset", v4(tcp_kw={"dataofs": 15})),          # past the segment
        ("tcp_bad_port", v4(tcp_kw={"sport": 0})),               # a SYN from port 0
        ("tcp_bad_port", v4(tcp_kw={"dport": 0})),
        ("tcp_bad_flags", v4(tcp_kw={"flags": "SF"})),
        ("tcp_bad_flags", v4(tcp_kw={"flags": "SR"})),
        ("tcp_bad_flags", v4(tcp_kw={"flags": ""})),             # null scan
        ("tcp_bad_flags", v4(tcp_kw={"flags": "FPU"})),          # Xmas
        ("tcp_bad_flags", v4(tcp_kw={"flags": "F"})),            # FIN scan
        ("ip_bad_address", v4({"dst": "224.0.0.1"})),
        ("ip_bad_address", v4({"src": "255.255.255.255"})),
        ("ip_bad_address", v4({"src": "0.0.0.0"})),
        ("ip_bad_address", v4({"dst": c[0]}, {"dport": c[1]})),  # land
        ("ip_fragment", v4({"flags": "MF"}, payload=b"x" * 16)),
        ("ip_fragment", bytes(eth() / IP(src=c[0], dst=s[0], proto=6, frag=3) / Raw(b"y" * 24))),
        ("vlan_too_deep", deep),
        ("vlan_truncated", bytes(Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02",
                                       type=0x8100)) + b"\x00"),
        ("ip_bad_version", setb(good6, 14, 0x45)),               # version 4 under 0x86dd
        ("ip_truncated", v6({"plen": 400})),
        ("ip_truncated", good6[:14 + 30]),
        ("ip_bad_address", v6({"dst": "ff02::1"})),
        ("ip_bad_address", v6({"src": "::"})),
        ("ip_fragment", v6(ext=IPv6ExtHdrFragment(offset=0, m=1, id=7))),
        ("tcp_bad_port", v6(tcp_kw={"sport": 0})),
        ("tcp_bad_offset", v6(tcp_kw={"dataofs": 2})),
    ]


def run_bad(st, ck):
    tr = Trace()
    c, s = ("10.5.0.1", 1000), ("10.5.0.2", 80)
    bad_opts = [
        b"\x01\x05\x00\x01",                      # kind 5 with length 0
        b"\x01\x01\x08\x0a\x00\x00",              # TS running past the header (padded)
        b"\x08\x08\x00\x00\x00\x01\x00\x00",      # TS of length 8
        b"\x02",                                   # MSS without length byte (padded)
    ]
    n_bad = 0
    for raw in bad_opts:
        raw = raw + b"\x00" * (-len(raw) % 4)
        p = eth() / IP(src=c[0], dst=s[0]) / TCP(sport=c[1], dport=s[1], flags="PA",
                                                   dataofs=5 + len(raw) // 4) / Raw(raw + b"data")
        fr = bytes(p)
        # scapy puts raw after the header: the options are what dataofs says they are.
        tr.add(1000, fr)
        n_bad += 1
    # Malformed frames, each with the counter it must land in (this table is the model).
    bad = malformed_frames()
    for _, fr in bad:
        tr.add(1000, fr)
    want_drops = {}
    for reason, _ in bad:
        want_drops[reason] = want_drops.get(reason, 0) + 1
    want_drops["tcp_bad_options"] = want_drops.get("tcp_bad_options", 0) + n_bad
    # SYN flood: 3000 sources.
    for i in range(3000):
        tr.add(1000, tcp("10.6.%d.%d" % (i // 250, i % 250 + 1), "10.9.9.9", 1024 + i, 80, "S",
                         ts=(i + 1, 0)))
    write_pcap(st.path("in.pcap"), tr.recs)
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [
            {"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
            {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap", "timestamp": "none"},
        ],
        "rules": [{"name": "all", "in": ["in"], "action": "forward", "out": "out"}],
        "tcp_rtt": {"enabled": True, "flows": 64, "output": {"path": "rtt.json", "ring": 64}},
    })
    st.run_to_eof(ck, timeout=30)
    s_ = st.stats()
    n = len(tr.recs)
    ftlib.check_accounting(ck, s_, received=n, transmitted=n, drops={})
    t = (s_ or {}).get("tcp_rtt", {})
    ck.eq(t.get("malformed_options"), n_bad, "malformed options counted")
    drops = t.get("drops", {})
    for reason in sorted(set(drops) | set(want_drops)):
        ck.eq(drops.get(reason), want_drops.get(reason, 0), "drops.%s" % reason)
    ck.eq(sum(drops.values()) if drops else None, len(bad) + n_bad,
          "every malformed frame in exactly one named counter")
    ck.eq(t.get("packets"), 3000, "packets measured: the flood's SYNs only")
    # None of the malformed frames made a flow: every SYN of the flood entered, the oldest
    # unanswered ones giving way to the newer (half-open first), none refused.
    ck.eq(t.get("flows"), 3000, "flows entered: every SYN of the flood")
    ck.eq(t.get("flows_active"), 64, "flows active: bounded by the table")
    ck.eq(t.get("evicted_half_open"), 3000 - 64, "SYN flood: half-open entries pushed out")
    ck.eq(t.get("table_full"), 0, "SYN flood: no flow refused")
    ck.eq(t.get("records"), 0, "no samples")


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "basic"
    ck = ftlib.Checker("tcp_rtt " + mode)
    st = ftlib.Stampede(sys.argv[1], "tcprtt-" + mode)
    if mode == "basic":
        run_basic(st, ck)
    elif mode == "stacks":
        run_stacks(st, ck)
    elif mode == "rule":
        run_rule(st, ck)
    else:
        run_bad(st, ck)
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
