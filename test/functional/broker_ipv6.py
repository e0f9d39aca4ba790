#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: stampede datagrams over IPv6 (outputs[].src_ip / dst_ip IPv6 literals).

  broker_ipv6.py STAMPEDE

An edge (node 7, MTU 1500) wraps broker_pcap's frames (60 to 4000 bytes) into Ethernet / IPv6 /
UDP datagrams; a relay (node 8) takes them and sends them on over IPv6 too; a collector
decapsulates the relayed ones. Checked with scapy and tshark: EtherType 0x86DD, IPv6 next
header UDP, hop limit = ttl, traffic class = dscp << 2, payload length, UDP to 48879, a UDP
checksum that is not 0 and that both an independent sum here and tshark (udp.checksum.status
Good) accept, no frame over the MTU (the 20 bytes IPv6 takes more than IPv4 come out of each
datagram); the Lua dissector decodes the records; the frames (and their stamps) that come out
of the datagrams, of the relay's and out of the collector equal the input.
"""

import os
import struct
import sys

import broker_pcap
import ftlib
import rules_lib
import sphlib
from rules_lib import Ether, IPv6, UDP  # noqa: F401 (scapy, imported by rules_lib)

SRC6, RELAY6, DST6 = "2001:db8::7", "2001:db8::8", "2001:db8::9"
LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                   "wireshark", "stampede.lua")


def udp6_sum(f):
    """RFC 1071 sum over the IPv6 pseudo-header and the UDP datagram of frame f, checksum
    included: 0 when the checksum is right. (Not scapy's: it dissects port 48879 as VXLAN and
    rebuilds other bytes.)"""
    ulen = struct.unpack_from("!H", f, 58)[0]
    return ftlib.inet_csum(f[22:54] + struct.pack("!I3xB", ulen, 17) + f[54:54 + ulen])


def check_outer(ck, frames, src, dst, hlim, tc, label):
    bad_hdr, bad_sum = [], []
    for i, f in enumerate(frames):
        p = Ether(f)
        if IPv6 not in p or UDP not in p:
            bad_hdr.append(i)
            continue
        ip, u = p[IPv6], p[UDP]
        if (ip.src, ip.dst, ip.nh, ip.hlim, ip.tc, ip.plen, u.dport, u.len) != \
                (src, dst, 17, hlim, tc, len(f) - 54, 48879, len(f) - 54):
            bad_hdr.append(i)
        if u.chksum == 0 or udp6_sum(f) != 0:
            bad_sum.append((i, u.chksum))
    ck.check(len(frames) > 0 and not bad_hdr,
             "%s: Ethernet / IPv6 %s -> %s / UDP 48879, hop limit %d, traffic class %d, "
             "lengths" % (label, src, dst, hlim, tc), "bad frames %s" % bad_hdr[:5])
    ck.check(not bad_sum, "%s: UDP checksum set (not 0) and right (RFC 1071 over the "
             "pseudo-header)" % label,
             "bad %s" % bad_sum[:5])
    ck.check(all(len(f) <= 1514 for f in frames), "%s: no frame over MTU 1500 + 14" % label,
             "longest %d" % max(len(f) for f in frames))


def tshark_checksums(ck, path, n, label):
    rows = rules_lib.tshark_fields(path, ["udp.checksum.status", "stampede.node"],
                                   ["-o", "udp.check_checksum:TRUE", "-X",
                                    "lua_script:" + LUA, "-E", "occurrence=f"])
    ck.eq([r[0] for r in rows], ["1"] * n,
          "%s: tshark verifies every UDP checksum (status Good)" % label)
    ck.check(all(r[1] in ("7",) for r in rows),
             "%s: the Lua dissector decodes stampede over IPv6 (node 7)" % label)


def main():
    exe = sys.argv[1]
    ck = ftlib.Checker("broker_ipv6")
    rules_lib.need_tools("tshark")
    fr = broker_pcap.frames()
    stamps = [broker_pcap.T0 + i * 1001 for i in range(len(fr))]

    st = ftlib.Stampede(exe, "broker-ipv6-edge")
    ftlib.write_pcap_ns(st.path("in.pcap"), fr, broker_pcap.T0, 1001)
    cfg = rules_lib.base_config(
        [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap", "mtu": 9000},
         {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap", "timestamp": "none"}],
        node={"id": 7}, mempool={"mbuf_size": 10240},
        outputs=[{"name": "sp", "type": "stampede", "port": "out", "src_ip": SRC6,
                  "dst_ip": DST6, "dst_mac": "02:00:00:00:00:09", "ttl": 33, "dscp": 10,
                  "description": "edge7:in"}],
        rules=[{"name": "all", "in": ["in"], "action": "forward", "out": "sp"}])
    st.write_config(cfg)
    rc = st.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "edge: exit code")
    outer = rules_lib.port_frames(ck, st.path("out.pcap"))
    check_outer(ck, outer, SRC6, DST6, 33, 40, "edge")
    tshark_checksums(ck, st.path("out.pcap"), len(outer), "edge")
    got, recs = sphlib.frames_of(outer)
    ftlib.compare_frames(ck, got, fr, "edge: frames decoded from the IPv6 datagrams")
    seq_ts = {}
    for r in recs:
        seq_ts.setdefault(r["seq"], r["ts"])
    ck.eq([seq_ts[k] for k in sorted(seq_ts)], stamps, "edge: capture stamps")
    ck.check(any(r["frag"] is not None for r in recs), "edge: large frames fragmented")
    s = st.stats()
    ftlib.check_accounting(ck, s, received=len(fr), transmitted=len(outer), drops={},
                           label="edge: ")

    # Relay: IPv6 in, IPv6 out (its own addresses).
    rl = ftlib.Stampede(exe, "broker-ipv6-relay")
    ftlib.write_pcap_ns(rl.path("dg.pcap"), outer, broker_pcap.T0 + 10**6, 1000)
    cfg = rules_lib.base_config(
        [{"name": "net", "device": "net_pcap0,rx_pcap=dg.pcap", "mtu": 9000},
         {"name": "next", "device": "net_pcap1,tx_pcap=next.pcap", "timestamp": "none"}],
        node={"id": 8, "role": "relay", "relay_to": "up"}, mempool={"mbuf_size": 10240},
        outputs=[{"name": "up", "type": "stampede", "port": "next", "src_ip": RELAY6,
                  "dst_ip": DST6, "dst_mac": "02:00:00:00:00:09"}],
        rules=[{"name": "all", "action": "drop"}])
    rl.write_config(cfg)
    rc = rl.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        rl.show_output()
    ck.eq(rc, 0, "relay: exit code")
    relayed = rules_lib.port_frames(ck, rl.path("next.pcap"))
    check_outer(ck, relayed, RELAY6, DST6, 64, 0, "relay")
    tshark_checksums(ck, rl.path("next.pcap"), len(relayed), "relay")
    got, rrecs = sphlib.frames_of(relayed)
    ftlib.compare_frames(ck, got, fr, "relay: frames in the relayed IPv6 datagrams")
    ck.check(all([h[0] for h in r["hops"]] == [8] for r in rrecs),
             "relay: one hop record (node 8) per record")
    ftlib.check_accounting(ck, rl.stats(), received=len(outer), transmitted=len(relayed),
                           drops={}, label="relay: ")

    c = broker_pcap.collector(ck, exe, "broker-ipv6-coll", relayed, broker_pcap.local_frames(),
                              fr, 0, stamps)
    c.cleanup()
    rl.cleanup()
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
