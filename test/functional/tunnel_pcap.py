#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: tunnel outputs (ERSPAN III, VXLAN, GRE-TEB) decoded by tshark.

  tunnel_pcap.py STAMPEDE erspan3|vxlan|gre|replicate

A nanosecond pcap of mixed frames (IPv4/IPv6, TCP/UDP, VLAN-tagged) goes into net_pcap port
"in"; a rule sends everything to a tunnel output whose port "out" writes a pcap. tshark's own
dissectors (FORMATS.md section 9) read the output: the outer headers (GRE protocol and
sequence, ERSPAN version, session id, timestamp = the input's pcap stamp: ns of the second in
erspan.timestamp, seconds in erspan.pid3.timestamp; VXLAN VNI; GRE key), the outer IPv4
checksum is good, and the inner frames are byte-for-byte the input frames. One frame of 1514
bytes cannot take the outer header within the port's MTU: a counted encap_too_big drop.

"replicate": a replicate group of the VXLAN tunnel, a pcapng capture and a plain port: the
shared packets are copied for the tunnel; all three outputs hold every frame.
"""

import sys

import ftlib
import rules_lib

ftlib.need_scapy()
from scapy.all import IP, TCP, UDP, Dot1Q, Ether, IPv6, Raw  # noqa: E402

T0 = 1700000000999990001  # the stamps cross a second boundary
HDR = {"erspan3": 62, "vxlan": 50, "gre": 42}
ID = {"erspan3": 77, "vxlan": 5000, "gre": 0x1388}


def frames():
    out = []
    for i in range(60):
        e = Ether(src="02:00:00:00:01:%02x" % (i % 256), dst="02:00:00:00:02:01")
        if i % 5 == 0:
            e = e / Dot1Q(vlan=100 + i)
        if i % 3 == 0:
            p = e / IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=1000 + i, dport=53)
        elif i % 3 == 1:
            p = e / IP(src="10.1.0.1", dst="10.1.0.%d" % (i + 2)) / TCP(sport=2000 + i, dport=80)
        else:
            p = e / IP(src="10.2.0.1", dst="10.2.0.2") / UDP(sport=3000, dport=4000 + i)
        out.append(bytes(p / Raw(bytes([i]) * (10 + i * 13))))
    # A full-size frame: 1514 bytes + the outer header exceed the out port's 1500 MTU.
    out.append(bytes(Ether(src="02:00:00:00:01:ff", dst="02:00:00:00:02:01") /
                     IP(src="10.3.0.1", dst="10.3.0.2") / UDP(sport=1, dport=2) /
                     Raw(b"\xab" * 1472)))
    return out


def tunnel_cfg(kind, name="t"):
    o = {"name": name, "type": kind, "port": "out", "src_ip": "192.0.2.1",
         "dst_ip": "192.0.2.9", "dst_mac": "02:00:00:00:00:09", "id": ID[kind]}
    return o


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "vxlan"
    kind = "vxlan" if mode == "replicate" else mode
    ck = ftlib.Checker("tunnel_pcap " + mode)
    rules_lib.need_tools("tshark")
    st = ftlib.Stampede(sys.argv[1], "tunnel-" + mode)
    fr = frames()
    stamps = ftlib.write_pcap_ns(st.path("in.pcap"), fr, T0, 1001)
    big = len(fr) - 1
    ports = [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
             {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap", "timestamp": "none"}]
    outputs = [tunnel_cfg(kind)]
    rules = [{"name": "all", "in": ["in"], "action": "forward", "out": "t"}]
    groups = []
    if mode == "replicate":
        ports.append({"name": "plain", "device": "net_pcap2,tx_pcap=plain.pcap",
                      "timestamp": "none"})
        outputs.append({"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng")})
        groups = [{"name": "all3", "mode": "replicate", "members": ["t", "cap", "plain"]}]
        rules[0]["out"] = "all3"
    cfg = rules_lib.base_config(ports, outputs=outputs, rules=rules)
    if groups:
        cfg["groups"] = groups
    st.write_config(cfg)
    rc = st.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "exit code with --exit-on-eof")
    out = rules_lib.port_frames(ck, st.path("out.pcap"))
    want = fr[:big]
    hl = HDR[kind]
    ftlib.compare_frames(ck, [f[hl:] for f in out], want,
                         "inner frames of %s (outer header %d bytes)" % (kind, hl))
    rows = rules_lib.tshark_fields(st.path("out.pcap"), [
        "ip.checksum.status", "ip.src", "ip.dst", "ip.ttl", "gre.proto", "gre.sequence_number",
        "gre.key", "erspan.version", "erspan.spanid", "erspan.timestamp", "erspan.gra",
        "erspan.platid", "erspan.pid3.timestamp", "vxlan.vni", "udp.dstport", "eth.src"],
        ["-o", "ip.check_checksum:TRUE", "-E", "occurrence=f"])
    ck.eq(len(rows), len(want), "tshark: packets in out.pcap")
    ck.eq({tuple(r[:4]) for r in rows}, {("1", "192.0.2.1", "192.0.2.9", "64")},
          "outer IPv4: checksum good, 192.0.2.1 -> 192.0.2.9, TTL 64")
    srcs = {r[15] for r in rows}
    ck.check(len(srcs) == 1 and not srcs & {"02:00:00:00:00:09"} and
             not any(x.startswith("02:00:00:00:01:") for x in srcs),
             "outer source MAC: one value, the port's (not the inner frames' or the collector's)",
             "got %s" % sorted(srcs))
    if kind == "erspan3":
        ck.eq([(r[4], r[5], r[7], r[8], r[10], r[11]) for r in rows],
              [("0x22eb", str(i), "2", "77", "2", "3") for i in range(len(rows))],
              "ERSPAN: GRE 0x22eb, sequence 0.., version 2, session 77, gra 2, platform 3")
        got = [int(r[12]) * 10**9 + int(r[9]) for r in rows]
        ck.eq(got, stamps[:big], "ERSPAN timestamps (pid3 seconds, ns) == input pcap stamps")
    elif kind == "vxlan":
        ck.eq({(r[13], r[14]) for r in rows}, {("5000", "4789")}, "VXLAN: VNI 5000, port 4789")
    else:
        ck.eq({(r[4], r[6]) for r in rows}, {("0x6558", "0x00001388")},
              "GRE: protocol 0x6558, key 0x00001388")
    inner = rules_lib.tshark_fields(st.path("out.pcap"), ["eth.src"], ["-E", "occurrence=l"])
    ck.eq([r[0] for r in inner], ["02:00:00:00:01:%02x" % (i % 256) for i in range(big)],
          "tshark decodes the inner Ethernet frames (last eth.src)")
    s = st.stats()
    n = len(fr)
    if mode == "replicate":
        # Every frame three ways (2 replicas), the big one fits the pcapng and plain port only.
        ftlib.check_accounting(ck, s, received=n, transmitted=2 * n - 1,
                               drops={"encap_too_big": 1})
        plain = rules_lib.port_frames(ck, st.path("plain.pcap"))
        ftlib.compare_frames(ck, plain, fr, "plain port")
        if s is not None:
            ck.eq(s.get("captured"), n, "captured")
    else:
        ftlib.check_accounting(ck, s, received=n, transmitted=n - 1,
                               drops={"encap_too_big": 1})
    if s is not None:
        o = {x["name"]: x for x in s.get("outputs", [])}.get("t", {})
        ck.eq((o.get("accepted"), o.get("refused")), (n - 1, 1), "outputs[t] accepted, refused")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
