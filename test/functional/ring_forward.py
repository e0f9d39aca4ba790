#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: pcap -> net_ring loop-back port -> pcap.

  ring_forward.py STAMPEDE

net_ring0 created with --vdev hands what is transmitted on it back to its own RX. Rules
in -> ring and ring -> out: every frame crosses the pipeline twice. The output must equal the
input minus the frames that must be dropped (runts; frames beyond mtu 1500 + 14 + 8), in order,
and the counters must say that every forwarded frame was received and sent twice.
"""

import sys

import ftlib

ftlib.need_scapy()
import ftframes  # noqa: E402


def main():
    ck = ftlib.Checker("ring_forward")
    st = ftlib.Stampede(sys.argv[1], "ringfwd")

    mix = ftframes.frame_mix(rounds=12)
    frames = [fr for _, _, fr in mix]
    want, want_drops = ftframes.expected(mix, 1500)
    ftlib.write_pcap_ns(st.path("in.pcap"), frames)
    ftlib.log("input: %d frames, expect %d forwarded twice, drops %s"
              % (len(frames), len(want), want_drops))
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [
            {"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
            {"name": "ring", "device": "net_ring0"},
            {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap", "timestamp": "none"},
        ],
        "rules": [
            {"name": "in-to-ring", "in": ["in"], "action": "forward", "out": "ring"},
            {"name": "ring-to-out", "in": ["ring"], "action": "forward", "out": "out"},
        ],
    })
    st.run_to_eof(ck, timeout=20)
    got = ftlib.read_frames(ck, st.path("out.pcap"), "out.pcap")
    ftlib.compare_frames(ck, got, want, "out.pcap")

    s = st.stats()
    ftlib.check_accounting(ck, s, received=len(frames) + len(want), transmitted=2 * len(want),
                           drops=want_drops)
    if s is not None:
        ports = {p.get("name"): p for p in s.get("ports", [])}
        ck.eq(ports.get("ring", {}).get("driver"), "net_ring", "ports[ring].driver")
        ck.eq(ports.get("ring", {}).get("app_tx"), len(want), "ports[ring].app_tx")
        ck.eq(ports.get("ring", {}).get("app_rx"), len(want), "ports[ring].app_rx")
        ck.eq(ports.get("out", {}).get("app_tx"), len(want), "ports[out].app_tx")
        ts = s.get("timestamps", {})
        ck.eq(ts.get("pcap"), len(frames), "timestamps.pcap (the frames read from in.pcap)")
        ck.eq(ts.get("sw"), len(want), "timestamps.sw (the frames read back from net_ring0)")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
