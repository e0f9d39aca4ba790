#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: "vlan": "strip" on forward rules.

  rules_vlan.py STAMPEDE [triple]

Untagged, 802.1Q, QinQ (802.1ad + 802.1Q, 802.1Q + 802.1Q, 0x9100 + 802.1Q), triple-tagged
and truncated-tag frames, IPv4, IPv6, ARP and non-IP inside, from three source MACs:
  - MAC_KEEP frames: a "keep" rule to port out2: unchanged;
  - MAC_CUT frames: "strip" and snaplen 64 to port out3: untagged, then cut to 64 bytes;
  - the rest: "strip" to a replicate group of port out1 and a pcapng output: every tag
    removed (the MAC addresses move up over them), untagged frames unchanged, in both the
    port's pcap and the capture file; a truncated tag (no room for the tag) is left alone.

With "triple", the mix also has frames with three tags (802.1ad + 802.1Q + 802.1Q), which the
README says lose every tag too (the parser walks up to PKT_MAX_VLAN = 8 tags, lib/pkt/pkt.c).
"""

import struct
import sys
import zlib

import ftlib
import rules_lib
from rules_lib import ARP, IP, UDP, Dot1AD, Dot1Q, Ether, IPv6, Raw

MAC_KEEP = "02:00:00:00:01:01"
MAC_CUT = "02:00:00:00:02:02"
MAC_ANY = "02:00:00:00:03:03"
TPIDS = (0x8100, 0x88A8, 0x9100)


def strip(fr):
    """Every VLAN tag removed: what the README promises."""
    off = 12
    while len(fr) >= off + 2 + 4 and struct.unpack("!H", fr[off:off + 2])[0] in TPIDS:
        off += 4
    return fr[:12] + fr[off:]


def frames_of(src, seq0, triple):
    e = lambda **kw: Ether(src=src, dst=rules_lib.MAC_B, **kw)  # noqa: E731
    ip = IP(src="10.0.0.1", dst="10.0.0.2") / UDP(sport=1, dport=2, chksum=0)
    ip6 = IPv6(src="2001:db8::1", dst="2001:db8::2") / UDP(sport=1, dport=2, chksum=0)
    arp = ARP(op=1, psrc="10.0.0.1", pdst="10.0.0.2")
    kinds = [
        ("untagged-ip", e() / ip),
        ("untagged-arp", e() / arp),
        ("untagged-l2", e(type=0x88B5) / Raw(b"x" * 40)),
        ("dot1q-ip", e() / Dot1Q(vlan=100, prio=5) / ip),
        ("dot1q-ip6", e() / Dot1Q(vlan=4094) / ip6),
        ("dot1q-arp", e() / Dot1Q(vlan=1) / arp),
        ("dot1q-l2", e() / Dot1Q(vlan=7, type=0x88B5) / Raw(b"y" * 40)),
        ("qinq-88a8", e(type=0x88A8) / Dot1AD(vlan=200) / Dot1Q(vlan=300) / ip),
        ("qinq-8100", e() / Dot1Q(vlan=10) / Dot1Q(vlan=20) / ip6),
        ("qinq-9100", e(type=0x9100) / Dot1Q(vlan=11) / Dot1Q(vlan=21) / ip),
    ]
    if triple:
        kinds.append(("triple", e(type=0x88A8) / Dot1AD(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) /
                      ip))
    out = []
    for k, (name, p) in enumerate(kinds):
        for size in (None, 64, 200, 1514):
            out.append((name, rules_lib.finish(p, seq0 + len(out), size)))
    # A tag that does not fit: 14 bytes of Ethernet with type 0x8100 and 2 more bytes.
    out.append(("trunc-tag", bytes(e(type=0x8100)) + b"\x00\x64"))
    return out


def main():
    exe = sys.argv[1]
    triple = len(sys.argv) > 2 and sys.argv[2] == "triple"
    ck = ftlib.Checker("rules_vlan" + (" triple" if triple else ""))
    st = ftlib.Stampede(exe, "rvlan" + ("-triple" if triple else ""))
    mix = []
    for k, src in enumerate((MAC_KEEP, MAC_CUT, MAC_ANY)):
        mix += frames_of(src, k * 1000, triple)
    # Interleave the three sources.
    mix = [x for t in zip(mix[0::3], mix[1::3], mix[2::3]) for x in t] + mix[len(mix) // 3 * 3:]
    mix = sorted(mix, key=lambda x: (zlib.crc32(x[1]) & 0xff, x[1]))
    frames = [fr for _, fr in mix]
    ftlib.write_pcap_ns(st.path("in.pcap"), frames, rules_lib.T0, rules_lib.STEP)
    ports = [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"}]
    ports += [{"name": p, "device": "net_pcap%d,tx_pcap=%s.pcap" % (k + 1, p)}
              for k, p in enumerate(["out1", "out2", "out3"])]
    st.write_config(rules_lib.base_config(
        ports,
        outputs=[{"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng")}],
        groups=[{"name": "both", "mode": "replicate", "members": ["out1", "cap"]}],
        rules=[{"name": "keep", "filter": "ether src " + MAC_KEEP, "action": "forward",
                "out": "out2", "vlan": "keep"},
               {"name": "cut", "filter": "ether src " + MAC_CUT, "action": "forward",
                "out": "out3", "vlan": "strip", "snaplen": 64},
               {"name": "strip", "action": "forward", "out": "both", "vlan": "strip"}]))
    rc = st.run(["--exit-on-eof"], timeout=30)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "exit code with --exit-on-eof")

    def src_of(fr):
        return ":".join("%02x" % b for b in fr[6:12])

    keep = [fr for fr in frames if src_of(fr) == MAC_KEEP]
    cut = [strip(fr)[:64] for fr in frames if src_of(fr) == MAC_CUT]
    rest = [(n, fr) for n, fr in mix if src_of(fr) == MAC_ANY]
    ftlib.compare_frames(ck, rules_lib.port_frames(ck, st.path("out2.pcap")), keep,
                         "out2.pcap (vlan keep: unchanged)")
    ftlib.compare_frames(ck, rules_lib.port_frames(ck, st.path("out3.pcap")), cut,
                         "out3.pcap (vlan strip, then snaplen 64)")
    got1 = rules_lib.port_frames(ck, st.path("out1.pcap"))
    want1 = [strip(fr) for _, fr in rest]
    ck.eq(len(got1), len(want1), "out1.pcap: frames")
    bad = {}
    for (name, fr), g, w in zip(rest, got1, want1):
        if g != w:
            bad.setdefault(name, (fr[:24].hex(), g[:24].hex(), w[:24].hex()))
    for name in dict.fromkeys(n for n, _ in rest):
        ck.check(name not in bad, "out1.pcap: %s frames stripped of every tag" % name,
                 "input %s... got %s... want %s..." % bad.get(name, ("", "", "")))
    try:
        ng = rules_lib.read_pcapng(st.path("cap-0.pcapng"))
        ftlib.compare_frames(ck, [p["data"] for p in ng["packets"]], got1,
                             "cap-0.pcapng == out1.pcap (strip applies to every destination)")
        ck.eq([p["origlen"] for p in ng["packets"]], [len(g) for g in got1],
              "cap-0.pcapng original lengths are the stripped lengths")
    except (OSError, rules_lib.PcapngError) as e:
        ck.check(False, "cap-0.pcapng readable", str(e))
    s = st.stats()
    n = len(frames)
    ftlib.check_accounting(ck, s, received=n, transmitted=n, drops={})
    if s is not None:
        ck.eq(s.get("replicated"), len(rest), "replicated")
        ck.eq(s.get("captured"), len(rest), "captured")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
