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
  progress      200,000 frames replayed into a pcapng output for 3 s with --stats-period 0.5:
                the status lines give the replay's percent done and rate, and the output's
                written and dropped counts; the percents never go down, and the last line says
                100.0 % and written = the frames capinfos counts in the input, dropped 0.
  eof-null      --exit-on-eof with a file input and a net_null port that always receives: the
                run stops once the file is read and its packets are out, although the null
                port keeps receiving (before: it ran until the timeout).
  split-tx      1,000,000 frames from a file through split lcores (RX 1, workers 2 and 3, TX 4)
                with 64-packet rings into a net_pcap tx_pcap output: the workers wait for the
                TX lcore's ring too; capinfos counts every frame in the output, no drop counted
                (before: ~1 % tx_ring_full).
  split-rxtx    the same with RX and TX on one lcore (1) and the worker on 2: the RX lcore,
                waiting for the worker's ring, keeps emptying its own TX ring, which the worker
                waits for; no deadlock, every frame written (before: ~1.5 % tx_ring_full).

The frames are written by replay_frames.py (struct, no scapy: fast enough for millions).
"""

import re
import sys

import ftlib
import rules_lib
from replay_frames import write_frames

N_FRAMES = 2000000


def pcap_to_pcapng(st, ck, n):
    """n frames in in.pcap (capinfos counts them: returned), a config replaying them into the
    pcapng output "cap" (cap-{index}.pcapng)."""
    rules_lib.need_tools("capinfos")
    write_frames(st.path("in.pcap"), n)
    ok, n_in, msg = rules_lib.capinfos_count(st.path("in.pcap"))
    ck.eq((ok, n_in), (True, n), "capinfos counts the input " + msg)
    st.write_config(rules_lib.base_config(
        [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"}],
        outputs=[{"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng")}],
        rules=[{"name": "all", "action": "forward", "out": "cap"}]))
    return n_in


def replay_all(st, ck, n, out, timeout, **acct):
    """Replay with --exit-on-eof: capinfos counts all n frames in out, and no drop counted."""
    st.run_to_eof(ck, timeout=timeout)
    ok, n_out, msg = rules_lib.capinfos_count(st.path(out))
    ck.eq((ok, n_out), (True, n), "capinfos counts every input frame in %s %s" % (out, msg))
    s = st.stats()
    if s is None:
        ck.check(False, "stats JSON")
        return
    drops = {k: v for k, v in (s.get("drops") or {}).items() if v}
    ck.eq(drops, {}, "no drop counted")
    ftlib.check_accounting(ck, s, received=n, **acct)


def test_backpressure(st, ck):
    pcap_to_pcapng(st, ck, N_FRAMES)
    replay_all(st, ck, N_FRAMES, "cap-0.pcapng", 150)


def test_progress(st, ck):
    n_in = pcap_to_pcapng(st, ck, 200000)
    rc = st.run(["--stats-period", "0.5", "--duration", "3"], timeout=60)
    ck.eq(rc, 0, "exit code after --duration")
    rx = re.compile(r"\| replay in ([\d.]+)% ([\d.]+) Mpps \| cap written (\d+) dropped (\d+)$")
    lines = [m for m in (rx.search(x) for x in (st.out or "").splitlines()) if m]
    ftlib.log("status lines: " + " / ".join(m.group(0) for m in lines))
    ck.check(len(lines) >= 2, "status lines with the replay's progress and the output's counts",
             (st.out or "")[-400:])
    pct = [float(m.group(1)) for m in lines]
    ck.check(all(a <= b for a, b in zip(pct, pct[1:])), "percent done never goes down", str(pct))
    if lines:
        last = lines[-1]
        ck.eq(float(last.group(1)), 100.0, "the last status line: 100.0 % done")
        ck.eq(float(last.group(2)), 0.0, "the last status line: nothing read any more")
        ck.eq((int(last.group(3)), int(last.group(4))), (n_in, 0),
              "the last status line: written = the input's frames, dropped 0")
    ok, n_out, msg = rules_lib.capinfos_count(st.path("cap-0.pcapng"))
    ck.eq((ok, n_out), (True, n_in), "capinfos counts every input frame in the pcapng " + msg)


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


SPLIT_LCORES = {
    "split-tx": ("0@0,1@1,2@1,3@1,4@1", [2, 3], [4]),
    "split-rxtx": ("0@0,1@1,2@1", [2], [1]),
}
N_SPLIT = 1000000


def test_split(st, ck, mode):
    lcores, workers, txers = SPLIT_LCORES[mode]
    rules_lib.need_tools("capinfos")
    write_frames(st.path("in.pcap"), N_SPLIT)
    st.write_config(rules_lib.base_config(
        [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
         {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap", "timestamp": "none"}],
        eal={"hugepages": False, "args": ["--lcores", lcores]},
        lcores={"rx": [{"lcore": 1, "queues": [{"port": "in", "queue": 0},
                                               {"port": "out", "queue": 0}]}],
                "worker": workers, "tx": txers},
        rings={"worker": 64, "tx": 64},
        rules=[{"name": "all", "in": ["in"], "action": "forward", "out": "out"}]))
    replay_all(st, ck, N_SPLIT, "out.pcap", 100, transmitted=N_SPLIT)


def main():
    exe, mode = sys.argv[1], sys.argv[2]
    ck = ftlib.Checker("replay " + mode)
    st = ftlib.Stampede(exe, "replay-" + mode)
    {"backpressure": test_backpressure, "progress": test_progress,
     "eof-null": test_eof_null,
     "split-tx": lambda st, ck: test_split(st, ck, "split-tx"),
     "split-rxtx": lambda st, ck: test_split(st, ck, "split-rxtx")}[mode](st, ck)
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
