#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: offline replay (issue 15, items 6 and 7).

  replay.py STAMPEDE MODE

MODE:
  backpressure  2,000,000 64-byte frames replayed from a net_pcap rx_pcap file into a pcapng
                output with --exit-on-eof: a file has no wire to lose frames to, so its packets
                wait for the capture ring: capinfos counts every frame in the output, and no
                drop is counted (before: ~13 % capture_ring_full).
  eof-null      --exit-on-eof with a file input and a net_null port that always receives: the
                run stops once the file is read and its packets are out, although the null
                port keeps receiving (before: it ran until the timeout).

The frames are written by replay_frames.py (struct, no scapy: fast enough for millions).
"""

import sys

import ftlib
import rules_lib
from replay_frames import write_frames

N_FRAMES = 2000000


def test_backpressure(st, ck):
    rules_lib.need_tools("capinfos")
    write_frames(st.path("in.pcap"), N_FRAMES)
    ok, n_in, msg = rules_lib.capinfos_count(st.path("in.pcap"))
    ck.eq((ok, n_in), (True, N_FRAMES), "capinfos counts the input " + msg)
    st.write_config(rules_lib.base_config(
        [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"}],
        outputs=[{"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng")}],
        rules=[{"name": "all", "action": "forward", "out": "cap"}]))
    rc = st.run(["--exit-on-eof"], timeout=150)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "exit code with --exit-on-eof")
    ok, n_out, msg = rules_lib.capinfos_count(st.path("cap-0.pcapng"))
    ck.eq((ok, n_out), (True, N_FRAMES), "capinfos counts every input frame in the pcapng "
          + msg)
    s = st.stats()
    if s is None:
        ck.check(False, "stats JSON")
        return
    drops = {k: v for k, v in (s.get("drops") or {}).items() if v}
    ck.eq(drops, {}, "no drop counted")
    ftlib.check_accounting(ck, s, received=N_FRAMES)


def test_eof_null(st, ck):
    write_frames(st.path("in.pcap"), 1000)
    st.write_config(rules_lib.base_config(
        [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
         {"name": "sink", "device": "net_null0"},
         {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap"}],
        rules=[{"name": "in", "filter": "udp", "in": ["in"], "action": "forward",
                "out": "out"}]))
    rc = st.run(["--exit-on-eof"], timeout=30)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "stopped by itself after the file (None: still running after 30 s)")
    out = rules_lib.port_frames(ck, st.path("out.pcap"))
    ck.eq(len(out), 1000, "out.pcap holds every frame of the file")


def main():
    exe, mode = sys.argv[1], sys.argv[2]
    ck = ftlib.Checker("replay " + mode)
    st = ftlib.Stampede(exe, "replay-" + mode)
    {"backpressure": test_backpressure, "eof-null": test_eof_null}[mode](st, ck)
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
