#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: a frame mix from a nanosecond pcap through net_pcap -> forward -> net_pcap.

  pcap_forward.py STAMPEDE [mtu1500|jumbo|jumbo-1seg]

The mix: TCP, UDP, ICMP, IPv6 with extension headers, VLAN, QinQ, ARP, a non-IP EtherType,
60-byte minimum frames, 1514- and 1522-byte frames, a 1523-byte frame, truncated headers, a
14-byte frame, runts of 10 and 13 bytes and 9000-byte jumbos. stampede runs with
--exit-on-eof; the output pcap must hold the input frames minus the ones that must be dropped,
byte-identical and in order, and the counters must be exact.

  mtu1500     out mtu 1500: runts -> runt_frame, the 1523-byte frame and jumbos -> mtu_exceeded
  jumbo       in and out mtu 9000, mbufs of 2176 bytes: jumbos cross stampede as
              multi-segment mbufs and must come out byte-identical
  jumbo-1seg  the same with mempool.mbuf_size 10240 (jumbos in one segment)
  mtu1500-tcprtt, jumbo-tcprtt
              mtu1500 and jumbo with tcp_rtt watching the input: its stage runs before the
              rules and is a tap, so the rules keep the RX hint (the burst's input port, its
              longest frame, whether one is a chain) past it; the same frames and drops
"""

import sys

import ftlib

ftlib.need_scapy()
import ftframes  # noqa: E402

VARIANTS = {
    "mtu1500": {"mtu": 1500, "mbuf_size": None},
    "jumbo": {"mtu": 9000, "mbuf_size": None},
    "jumbo-1seg": {"mtu": 9000, "mbuf_size": 10240},
    "mtu1500-tcprtt": {"mtu": 1500, "mbuf_size": None, "tcprtt": True},
    "jumbo-tcprtt": {"mtu": 9000, "mbuf_size": None, "tcprtt": True},
}


def main():
    exe = sys.argv[1]
    variant = sys.argv[2] if len(sys.argv) > 2 else "mtu1500"
    v = VARIANTS[variant]
    ck = ftlib.Checker("pcap_forward " + variant)
    st = ftlib.Stampede(exe, "pcapfwd-" + variant)

    mix = ftframes.frame_mix(rounds=16)
    frames = [fr for _, _, fr in mix]
    want, want_drops = ftframes.expected(mix, v["mtu"])
    ftlib.write_pcap_ns(st.path("in.pcap"), frames)
    ftlib.log("input: %d frames (%s), expect %d forwarded, drops %s"
              % (len(frames), ", ".join(sorted({k for k, _, _ in mix})), len(want), want_drops))

    cfg = {
        "eal": {"hugepages": False},
        "ports": [
            {"name": "in", "device": "net_pcap0,rx_pcap=in.pcap", "mtu": v["mtu"]},
            {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap", "mtu": v["mtu"],
             "timestamp": "none"},
        ],
        "rules": [{"name": "in-to-out", "in": ["in"], "action": "forward", "out": "out"}],
    }
    if v["mbuf_size"]:
        cfg["mempool"] = {"size": 4095, "mbuf_size": v["mbuf_size"]}
    if v.get("tcprtt"):
        cfg["tcp_rtt"] = {"enabled": True, "ports": ["in"], "flows": 1024,
                          "output": {"path": "rtt.json"}}
    st.write_config(cfg)
    st.run_to_eof(ck, timeout=20)

    got = ftlib.read_frames(ck, st.path("out.pcap"), "out.pcap")
    frames_ok = ftlib.compare_frames(ck, got, want, "out.pcap")
    if not frames_ok and got:
        # Say which kinds went missing or appeared, to make a failure readable.
        kinds = {}
        for k, _, fr in mix:
            kinds.setdefault(fr, k)
        missing = [kinds[fr] for fr in want if fr not in set(got)]
        ftlib.log("kinds missing from the output: %s" % sorted(set(missing)))
    lens = ftlib.tshark_lengths(st.path("out.pcap"))
    if lens is not None:
        wl = [len(fr) for fr in want]
        diff = next((i for i, (a, b) in enumerate(zip(lens, wl)) if a != b), None)
        ck.check(lens == wl,
                 "tshark decodes out.pcap: %d frames with the expected lengths" % len(wl),
                 "tshark sees %d frames; first difference at frame %s" % (len(lens), diff))

    s = st.stats()
    ftlib.check_accounting(ck, s, received=len(frames), transmitted=len(want), drops=want_drops)
    if s is not None:
        # net_pcap delivers every record of the file (runts and jumbos included), so every
        # received packet is stamped from its pcap record.
        ts = s.get("timestamps", {})
        ck.eq(ts.get("pcap"), len(frames), "timestamps.pcap (every frame stamped from the file)")
        ck.eq(ts.get("sw"), 0, "timestamps.sw")
        ports = {p.get("name"): p for p in s.get("ports", [])}
        ck.eq(ports.get("in", {}).get("timestamp"), "pcap", "ports[in].timestamp")
        ck.eq(ports.get("in", {}).get("app_rx"), len(frames), "ports[in].app_rx")
        ck.eq(ports.get("out", {}).get("app_tx"), len(want), "ports[out].app_tx")
        ck.eq(ports.get("out", {}).get("tx_pkts"), len(want), "ports[out].tx_pkts (ethdev)")
        ck.eq(ports.get("in", {}).get("imissed"), 0, "ports[in].imissed")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
