#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: what a reflector must not answer.

  probe_refuse.py STAMPEDE stamp|stampede [guard-off]

A pcap of requests (built here byte by byte, checksums by this file's own RFC 1071 code) goes
into a reflector (STAMP Session-Reflector on 862, or stampede probes reflected on 7777) with
probe_rx.addresses = [10.0.0.1, 2001:db8::1], rate_limit_pps 1000, rate_limit_burst 5. Each
crafted class must be a named drop with no reply:

  IPv4 total length 65535, UDP length 208 with 44 bytes carried     probe_refl_bad_length
  bad IPv4 header checksum                                          probe_refl_bad_ip_checksum
  bad UDP checksum (IPv4, IPv6)                                     probe_refl_bad_udp_checksum
  IPv6 UDP checksum 0                                               probe_refl_zero_udp6_checksum
  broadcast MAC, directed broadcast 10.78.0.255, 224.0.0.1, ff02::1 probe_refl_not_unicast
  to an address that is not the reflector's                         probe_refl_not_local
  from the reflector's own port (the ping-pong guard)               probe_refl_from_reflector_port
  12 good requests from one source in 12 us (burst 5, 1000/s)       probe_refl_rate_limited (7)
  a request (so a reply) longer than the port's MTU allows          mtu_exceeded

and the good requests (IPv4; IPv6 with a destination options header; IPv4 with bytes after the
UDP datagram) are answered from the address they were sent to, with a UDP checksum valid over
the UDP length (this file's computation). guard-off: refuse_src_ports [] answers the request
from the reflector's port (the guard is configurable).
"""

import struct
import sys

import ftlib

OWN4 = bytes([10, 0, 0, 1])
OWN6 = bytes.fromhex("20010db8000000000000000000000001")
PEER4 = bytes([10, 0, 0, 2])
PEER6 = bytes.fromhex("20010db8000000000000000000000002")
MAC_R = bytes.fromhex("020000000001")  # the reflector's
MAC_S = bytes.fromhex("020000000002")  # the sender's
BCAST = b"\xff" * 6


def payload(mode, seq):
    if mode == "stamp":
        return struct.pack("!IQHH28x", seq, (3900000000 << 32) | seq, 0x0001, 0)
    # A stampede probe (lib/probe/README.md): magic, version 1, flags (T1 sw), stream 0.
    return struct.pack("!IBBHQQQQ", 0x53545044, 1, 1, 0, seq, 1700000000000000000 + seq, 0, 0)


def udp4(src, dst, sport, dport, pay, extra=b"", ulen=None, ck=True, bad_ck=False):
    ulen = 8 + len(pay) if ulen is None else ulen
    u = bytearray(struct.pack("!HHHH", sport, dport, ulen, 0) + pay)
    if ck:
        c = ftlib.inet_csum(src + dst + struct.pack("!BBH", 0, 17, ulen) + bytes(u)) or 0xffff
        u[6:8] = struct.pack("!H", c ^ (0x0100 if bad_ck else 0))
    return bytes(u) + extra


def frame4(dmac, src, dst, sport, dport, pay, **kw):
    ip_kw = {k: kw.pop(k) for k in ("tot", "ip_bad_ck") if k in kw}
    l4 = udp4(src, dst, sport, dport, pay, **kw)
    return dmac + MAC_S + b"\x08\x00" + ftlib.ipv4(src, dst, 17, l4, tot=ip_kw.get("tot"),
                                                   bad_ck=ip_kw.get("ip_bad_ck", False))


def frame6(dmac, src, dst, sport, dport, pay, ext=False, zero=False, bad_ck=False):
    ulen = 8 + len(pay)
    u = bytearray(struct.pack("!HHHH", sport, dport, ulen, 0) + pay)
    if not zero:
        c = ftlib.inet_csum(src + dst + struct.pack("!IxxxB", ulen, 17) + bytes(u)) or 0xffff
        u[6:8] = struct.pack("!H", c ^ (0x0100 if bad_ck else 0))
    exth = struct.pack("!BBBB4x", 17, 0, 1, 4) if ext else b""  # destination options, PadN
    ip = struct.pack("!IHBB16s16s", 0x60000000, len(exth) + ulen, 60 if ext else 17, 64, src,
                     dst)
    return dmac + MAC_S + b"\x86\xdd" + ip + exth + bytes(u)


def frames(mode, port):
    """[(class, expected drop reason or None for answered, frame)]"""
    P = lambda s: payload(mode, s)  # noqa: E731
    out = []

    def add(cls, why, f, n=1):
        out.extend([(cls, why, f)] * n)

    add("good IPv4", None, frame4(MAC_R, PEER4, OWN4, 7000, port, P(1)))
    add("good IPv6 with a destination options header", None,
        frame6(MAC_R, PEER6, OWN6, 7000, port, P(2), ext=True))
    add("good IPv4, IP payload longer than the UDP length", None,
        frame4(MAC_R, PEER4, OWN4, 7001, port, P(3), extra=b"\xee" * 10))
    add("IPv4 total length 65535", "probe_refl_bad_length",
        frame4(MAC_R, PEER4, OWN4, 7000, port, P(4), tot=65535), 2)
    pay = P(5) + (bytes(4) if mode == "stampede" else b"")  # 44 bytes carried
    add("UDP length 208, 44 bytes carried", "probe_refl_bad_length",
        frame4(MAC_R, PEER4, OWN4, 7000, port, pay, ulen=208, ck=False), 3)
    add("bad IPv4 header checksum", "probe_refl_bad_ip_checksum",
        frame4(MAC_R, PEER4, OWN4, 7000, port, P(6), ip_bad_ck=True), 2)
    add("bad UDP checksum", "probe_refl_bad_udp_checksum",
        frame4(MAC_R, PEER4, OWN4, 7000, port, P(7), bad_ck=True), 2)
    add("bad IPv6 UDP checksum", "probe_refl_bad_udp_checksum",
        frame6(MAC_R, PEER6, OWN6, 7000, port, P(8), bad_ck=True))
    add("IPv6 UDP checksum 0", "probe_refl_zero_udp6_checksum",
        frame6(MAC_R, PEER6, OWN6, 7000, port, P(9), zero=True), 2)
    add("broadcast MAC", "probe_refl_not_unicast",
        frame4(BCAST, PEER4, OWN4, 7000, port, P(10)))
    add("directed broadcast 10.78.0.255", "probe_refl_not_unicast",
        frame4(BCAST, bytes([10, 78, 0, 1]), bytes([10, 78, 0, 255]), 7000, port, P(11)))
    add("224.0.0.1", "probe_refl_not_unicast",
        frame4(bytes.fromhex("01005e000001"), PEER4, bytes([224, 0, 0, 1]), 7000, port, P(12)))
    add("ff02::1", "probe_refl_not_unicast",
        frame6(bytes.fromhex("333300000001"), PEER6, bytes.fromhex("ff02" + "00" * 13 + "01"),
               7000, port, P(13)))
    add("to 10.0.0.9 (not the reflector's)", "probe_refl_not_local",
        frame4(MAC_R, PEER4, bytes([10, 0, 0, 9]), 7000, port, P(14)), 2)
    add("from the reflector's port", "probe_refl_from_reflector_port",
        frame4(MAC_R, PEER4, OWN4, port, port, P(15)), 3)
    # The port's MTU is 1500: it sends frames up to 1500 + 14 + 8 (two VLAN tags) bytes; a
    # reply is as long as its request.
    big = lambda n: frame4(MAC_R, bytes([10, 0, 0, 8]), OWN4, 7000, port,  # noqa: E731
                           P(20) + bytes(n - 14 - 20 - 8 - len(P(20))))
    add("a 1522-byte request (the longest frame the port sends)", None, big(1522))
    add("a 1523-byte request", "mtu_exceeded", big(1523), 2)
    # One source, 12 requests 1 us apart: the burst (5) is answered, the rest limited.
    for i in range(12):
        add("burst from 10.0.0.7", None if i < 5 else "probe_refl_rate_limited",
            frame4(MAC_R, bytes([10, 0, 0, 7]), OWN4, 7100, port, P(100 + i)))
    return out


def check_reply(f, port):
    """Problems of a reply frame, by this file's own parsing and sums ([] when none)."""
    bad = []
    if f[:6] != MAC_S or f[6:12] != MAC_R:
        bad.append("MACs not swapped")
    et = struct.unpack("!H", f[12:14])[0]
    if et == 0x0800:
        ip = f[14:34]
        if ftlib.inet_csum(ip) != 0:
            bad.append("IPv4 header checksum")
        if ip[12:16] != OWN4:
            bad.append("not from the address asked")
        src, dst, l4 = ip[12:16], ip[16:20], f[34:]
        ph = src + dst + struct.pack("!BBH", 0, 17, struct.unpack("!H", l4[4:6])[0])
    else:
        nh, src, dst = f[20], f[22:38], f[38:54]
        l4 = f[54 + (8 if nh == 60 else 0):]
        if src != OWN6:
            bad.append("not from the address asked")
        ph = src + dst + struct.pack("!IxxxB", struct.unpack("!H", l4[4:6])[0], 17)
    ulen = struct.unpack("!H", l4[4:6])[0]
    if struct.unpack("!H", l4[0:2])[0] != port:
        bad.append("source port")
    if struct.unpack("!H", l4[6:8])[0] != 0 and ftlib.inet_csum(ph + l4[:ulen]) != 0:
        bad.append("UDP checksum over the UDP length")
    return bad


def test_gen_mtu(ck, st):
    """Generated frames: a size the port's MTU cannot carry is refused at start-up (naming the
    stream and the port), the longest it can carry (1500 + 14 + 8 + FCS = 1526) is sent."""
    for size, ok in ((1526, True), (1527, False)):
        st.write_config({
            "eal": {"hugepages": False},
            "ports": [{"name": "out", "device": "net_pcap0,tx_pcap=gen.pcap", "mtu": 1500}],
            "probes": [{"name": "big", "port": "out", "mode": "stamp", "size": size,
                        "count": 3, "rate_pps": 1000, "dst_mac": "02:00:00:00:00:02"}],
        })
        rc = st.run(["--duration", "0.5"], timeout=30)
        if ok:
            ck.eq(rc, 0, "size %d: runs" % size)
            out, _, _ = ftlib.read_pcap(st.path("gen.pcap"))
            ck.eq([len(f) for f in out], [size - 4] * 3, "size %d: 3 frames sent" % size)
        else:
            ck.check(rc not in (0, None), "size %d: refused at start-up (rc %s)" % (size, rc))
            ck.check('probes[0] "big"' in st.err and '"out"' in st.err,
                     "size %d: the error names the stream and the port" % size)


def main():
    mode = sys.argv[2]
    if mode == "gen-mtu":
        ck = ftlib.Checker("refuse-gen-mtu")
        st = ftlib.Stampede(sys.argv[1], "refuse-gen-mtu")
        test_gen_mtu(ck, st)
        if ck.failed:
            st.show_output()
        st.cleanup()
        ck.finish()
    guard_off = len(sys.argv) > 3 and sys.argv[3] == "guard-off"
    port = 862 if mode == "stamp" else 7777
    name = "refuse-" + mode + ("-guard-off" if guard_off else "")
    ck = ftlib.Checker(name)
    st = ftlib.Stampede(sys.argv[1], name)
    fr = frames(mode, port)
    if guard_off:
        fr = [(c, None if w == "probe_refl_from_reflector_port" else w, f) for c, w, f in fr]
    ftlib.write_pcap_ns(st.path("in.pcap"), [f for _, _, f in fr])
    rx = {"enabled": True, "reflect": True, "mode": mode, "udp_port": port,
          "addresses": ["10.0.0.1", "2001:db8::1"], "rate_limit_pps": 1000,
          "rate_limit_burst": 5}
    if guard_off:
        rx["refuse_src_ports"] = []
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "p", "device": "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap"}],
        "probe_rx": rx,
    })
    rc = st.run(["--exit-on-eof"], timeout=30)
    ck.eq(rc, 0, "exit code")
    s = st.stats()
    if s is None:
        ck.check(False, "stats.json readable")
        st.show_output()
        st.cleanup()
        ck.finish()
    want = {}
    for _, why, _ in fr:
        if why is not None:
            want[why] = want.get(why, 0) + 1
    for why in ftlib.DROP_REASONS:
        if why.startswith("probe_refl_") or why == "mtu_exceeded":
            ck.eq(s["drops"].get(why), want.get(why, 0), "drops.%s" % why)
    answered = sum(1 for _, why, _ in fr if why is None)
    out, _, _ = ftlib.read_pcap(st.path("out.pcap"))
    ck.eq(len(out), answered, "replies written: only the answerable requests")
    ck.eq(s["probe_rx"]["reflected"], answered, "probe_rx.reflected")
    nbad = 0
    for f in out:
        b = check_reply(f, port)
        if b:
            nbad += 1
            ftlib.log("bad reply %s: %s" % (f.hex(), b))
    ck.eq(nbad, 0, "every reply from the address asked, valid checksums over the UDP length")
    ftlib.check_accounting(ck, s, received=len(fr), transmitted=answered)
    if ck.failed:
        st.show_output()
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
