#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the pcap_forward mix with RX, worker and TX roles on different lcores.

  split_lcores.py STAMPEDE [rx-worker-tx|2workers-tx-on-worker|2workers-own-tx]

The machine has 2 CPUs: eal.args --lcores maps several lcores onto one CPU. Rings hold 1024
packets, more than the input has, so no ring can overflow and every counter is exact.

  rx-worker-tx           rx lcore 1, worker 2, tx 3: one worker, so the output keeps the
                         input order exactly
  2workers-tx-on-worker  rx 1, workers 2 and 3, tx 3 (lcore 3 is worker and TX)
  2workers-own-tx        rx 1, workers 2 and 3, tx 4

With two workers, flows are spread by hash and may interleave in the output: the test checks
that each flow keeps its order and that the output is the expected multiset of frames.
"""

import collections
import sys

import ftlib

ftlib.need_scapy()
import ftframes  # noqa: E402

VARIANTS = {
    "rx-worker-tx": ("0@0,1@1,2@1,3@1", [2], [3]),
    "2workers-tx-on-worker": ("0@0,1@1,2@1,3@1", [2, 3], [3]),
    "2workers-own-tx": ("0@0,1@1,2@1,3@1,4@1", [2, 3], [4]),
}


def main():
    variant = sys.argv[2] if len(sys.argv) > 2 else "2workers-tx-on-worker"
    lcores, workers, txers = VARIANTS[variant]
    ck = ftlib.Checker("split_lcores " + variant)
    st = ftlib.Stampede(sys.argv[1], "split-" + variant)

    mix = ftframes.frame_mix(rounds=16)
    frames = [fr for _, _, fr in mix]
    want, want_drops = ftframes.expected(mix, 1500)
    kind_of = {fr: k for k, _, fr in mix}
    ftlib.write_pcap_ns(st.path("in.pcap"), frames)
    ftlib.log("input: %d frames, expect %d forwarded, drops %s; lcores %s, workers %s, tx %s"
              % (len(frames), len(want), want_drops, lcores, workers, txers))
    st.write_config({
        "eal": {"hugepages": False, "args": ["--lcores", lcores]},
        "ports": [
            {"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
            {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap", "timestamp": "none"},
        ],
        "lcores": {
            "rx": [{"lcore": 1, "queues": [{"port": "in", "queue": 0},
                                           {"port": "out", "queue": 0}]}],
            "worker": workers,
            "tx": txers,
        },
        "rings": {"worker": 1024, "tx": 1024},
        "rules": [{"name": "in-to-out", "in": ["in"], "action": "forward", "out": "out"}],
    })
    st.run_to_eof(ck, timeout=25)
    got = ftlib.read_frames(ck, st.path("out.pcap"), "out.pcap")

    if len(workers) == 1:
        ftlib.compare_frames(ck, got, want, "out.pcap")
    else:
        ck.eq(len(got), len(want), "out.pcap: number of frames")
        ck.check(collections.Counter(got) == collections.Counter(want),
                 "out.pcap holds exactly the expected frames (as a multiset)",
                 "%d unexpected, %d missing" % (
                     sum((collections.Counter(got) - collections.Counter(want)).values()),
                     sum((collections.Counter(want) - collections.Counter(got)).values())))

        def by_flow(seq):
            flows = collections.defaultdict(list)
            for fr in seq:
                flows[ftframes.flow_key(kind_of.get(fr, ""), fr)].append(fr)
            return flows

        gf, wf = by_flow(got), by_flow(want)
        bad = [k for k in wf if gf.get(k) != wf[k]]
        multi = sum(1 for k in wf if len(wf[k]) > 1)
        ck.check(not bad, "every flow keeps its order (%d flows, %d with several frames)"
                 % (len(wf), multi), "%d flows out of order or incomplete, e.g. %s" % (
                     len(bad), kind_of.get(wf[bad[0]][0]) if bad else ""))

    s = st.stats()
    ftlib.check_accounting(ck, s, received=len(frames), transmitted=len(want), drops=want_drops)
    if s is not None:
        ck.eq(s.get("timestamps", {}).get("pcap"), len(frames), "timestamps.pcap")
        roles = {lc.get("lcore"): lc for lc in s.get("lcores", [])}
        ck.eq(sorted(roles), sorted({1} | set(workers) | set(txers)), "datapath lcores")
        ck.eq([l for l in sorted(roles) if roles[l].get("worker")], workers, "worker lcores")
        ck.eq([l for l in sorted(roles) if roles[l].get("tx")], txers, "tx lcores")
        ck.eq(roles.get(1, {}).get("rx_pkts"), len(frames), "lcores[1].rx_pkts")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
