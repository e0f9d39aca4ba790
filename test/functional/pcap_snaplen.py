#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: a pcap input cut short (snaplen 64) keeps each frame's original length.

  pcap_snaplen.py STAMPEDE [auto|sw]

The input is a nanosecond pcap written with snaplen 64: records of frames of 60 to 1514 bytes
(IPv4/UDP and IPv4/TCP, a few of each size) hold at most 64 bytes, their original length in
the record header. stampede reads it through net_pcap ("timestamp": auto, stamped from the file,
or sw) and sends every frame through rules with libpcap filters on the length (len >= 1500,
greater 1000, less 100, len > 64 and len < 1000), each to its own pcapng output (continue), and
all frames to one more. Expected values come from tcpdump -r on the same file with the same
filter (counted by capinfos) and from tshark: every output holds exactly the frames tcpdump's
output holds, in order, with the same frame.len (the original length) and frame.cap_len.
"""

import os
import struct
import sys

import ftlib

ftlib.need_scapy()
import rules_lib  # noqa: E402
from scapy.all import IP, TCP, UDP, Ether, Raw  # noqa: E402

SNAP = 64
FILTERS = {"ge1500": "len >= 1500", "gt1000": "greater 1000", "lt100": "less 100",
           "mid": "len > 64 and len < 1000"}


def write_snap_pcap(path, frames, t0=1700000000123456789, step=1001):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", ftlib.PCAP_MAGIC_NS, 2, 4, 0, 0, SNAP,
                            ftlib.LINKTYPE_ETHERNET))
        for i, fr in enumerate(frames):
            ts = t0 + i * step
            cap = fr[:SNAP]
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9, len(cap), len(fr)))
            f.write(cap)


def frames():
    out = []
    sizes = [60, 64, 65, 86, 90, 99, 100, 101, 128, 512, 999, 1000, 1001, 1200, 1499, 1500,
             1501, 1514]
    for i in range(300):
        size = sizes[i % len(sizes)]
        l4 = UDP(sport=4000 + i, dport=53) if i % 2 else TCP(sport=5000 + i, dport=80)
        pkt = Ether(src="02:00:00:00:17:01", dst="02:00:00:00:17:02") / \
            IP(src="10.17.1.1", dst="10.17.1.2") / l4
        raw = bytes(pkt)
        out.append(raw + bytes((i + k) & 0xff for k in range(max(0, size - len(raw)))))
    return out


def tshark_lens(path):
    return [(int(r[0]), int(r[1])) for r in rules_lib.tshark_fields(
        path, ["frame.len", "frame.cap_len"])]


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "auto"
    rules_lib.need_tools("tcpdump", "tshark", "capinfos")
    ck = ftlib.Checker("pcap_snaplen " + mode)
    st = ftlib.Stampede(sys.argv[1], "snap17-" + mode)
    fr = frames()
    inp = st.path("in.pcap")
    write_snap_pcap(inp, fr)
    outputs = [{"name": k, "type": "pcapng", "path": st.path(k + ".pcapng")}
               for k in list(FILTERS) + ["all"]]
    rules = [{"name": k, "filter": f, "action": "forward", "out": k, "continue": True}
             for k, f in FILTERS.items()]
    rules.append({"name": "all", "action": "forward", "out": "all"})
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "in", "device": "net_pcap0,rx_pcap=" + inp, "timestamp": mode}],
        "outputs": outputs, "rules": rules})
    rc = st.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "exit code with --exit-on-eof")
    want_all = tshark_lens(inp)
    ck.check(all(c == min(ln, SNAP) for ln, c in want_all) and
             sorted({ln for ln, _ in want_all}) == sorted({len(f) for f in fr}),
             "tshark reads the input as cut at %d bytes with the original lengths" % SNAP)
    for name in list(FILTERS) + ["all"]:
        got_path = st.path(name + ".pcapng")
        if name == "all":
            ref_path, flt = inp, ""
        else:
            ref_path, flt = st.path("tcpdump-" + name + ".pcap"), FILTERS[name]
            rules_lib.tcpdump_filter(inp, ref_path, flt)
        ok, want_n, msg = rules_lib.capinfos_count(ref_path)
        ok2, got_n, msg2 = rules_lib.capinfos_count(got_path)
        ck.check(ok and ok2 and got_n == want_n,
                 "%s (%s): stampede captured %s frames, tcpdump -r matched %s"
                 % (name, flt or "every frame", got_n, want_n), msg + msg2)
        if name == "ge1500":
            ck.check(want_n and want_n > 0, "tcpdump matches some frames with len >= 1500")
        got = tshark_lens(got_path)
        ck.check(got == tshark_lens(ref_path),
                 "%s: frame.len and frame.cap_len of every frame as in tcpdump's output" % name,
                 "got %s" % got[:6])
    s = st.stats()
    if s is not None:
        want_src = "pcap" if mode == "auto" else "sw"
        ck.eq(s.get("timestamps", {}).get(want_src), len(fr), "timestamps.%s" % want_src)
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
