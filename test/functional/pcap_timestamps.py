#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: nanosecond pcap timestamps are the packets' stamps.

  pcap_timestamps.py STAMPEDE [auto|sw]

The input is a nanosecond pcap (magic 0xa1b23c4d) whose records are 1001 ns apart from
1700000000.123456789, so that no two of them share a microsecond-rounded value with the
right nanoseconds. net_pcap itself only gives microseconds; with "timestamp": "auto" stampede
reads the file in step with the PMD and stamps each packet from its record at ns precision.
The tx_pcap output carries TX time, not the stamp, so the test checks that every packet was
stamped from the file: timestamps.pcap == N and no packet fell back to software stamps.
Runs of equal-length frames alternate with frames of other lengths.

With "sw" the input port says "timestamp": "sw": every packet gets a software stamp instead.
"""

import sys

import ftlib

ftlib.need_scapy()
import ftframes  # noqa: E402
from scapy.all import IP, UDP, Ether  # noqa: E402

T0 = 1700000000123456789
STEP = 1001


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "auto"
    ck = ftlib.Checker("pcap_timestamps " + mode)
    st = ftlib.Stampede(sys.argv[1], "pcapts-" + mode)
    frames = []
    for i in range(200):
        size = 64 if i % 3 else 64 + (i % 7) * 100
        pkt = Ether(src=ftframes.MAC_A, dst=ftframes.MAC_B) / IP(src="10.9.0.1", dst="10.9.0.2") / \
            UDP(sport=7000, dport=7001, chksum=0)
        frames.append(ftframes.pad_to(pkt, size, i))
    stamps = ftlib.write_pcap_ns(st.path("in.pcap"), frames, T0, STEP)
    back, back_ns, nano = ftlib.read_pcap(st.path("in.pcap"))
    ck.check(nano and back_ns == stamps and back == frames,
             "in.pcap: nanosecond pcap, %d records from %d.%09d, %d ns apart"
             % (len(frames), T0 // 10**9, T0 % 10**9, STEP))
    ck.check(len({t // 1000 for t in stamps}) == len(stamps) and any(t % 1000 for t in stamps),
             "the stamps need nanoseconds: no two share a microsecond")
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [
            {"name": "in", "device": "net_pcap0,rx_pcap=in.pcap", "timestamp": mode},
            {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap", "timestamp": "none"},
        ],
        "rules": [{"name": "in-to-out", "in": ["in"], "action": "forward", "out": "out"}],
    })
    st.run_to_eof(ck, timeout=20)
    got = ftlib.read_frames(ck, st.path("out.pcap"), "out.pcap")
    ftlib.compare_frames(ck, got, frames, "out.pcap")
    s = st.stats()
    ftlib.check_accounting(ck, s, received=len(frames), transmitted=len(frames), drops={})
    if s is not None:
        ts = s.get("timestamps", {})
        want_src = "pcap" if mode == "auto" else "sw"
        ck.eq(ts.get(want_src), len(frames), "timestamps.%s (every packet)" % want_src)
        for src in ftlib.TS_SOURCES:
            if src != want_src:
                ck.eq(ts.get(src), 0, "timestamps." + src)
        ports = {p.get("name"): p for p in s.get("ports", [])}
        ck.eq(ports.get("in", {}).get("timestamp"), want_src,
              "ports[in].timestamp (%s -> %s)" % (mode, want_src))
        ck.eq(ports.get("out", {}).get("timestamp"), "none", "ports[out].timestamp")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
