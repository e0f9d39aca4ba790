#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: net_null0 <-> net_null1 at full speed; every packet is accounted for.

  null_invariant.py STAMPEDE [duration|sigterm|sigint|split|rtc2]

  duration  --duration 2: stops by itself, exit 0
  sigterm   SIGTERM about 1 s after "running": graceful stop, exit 0
  sigint    the same with SIGINT
  split     --duration 2 with rx lcore 1, workers 2 and 3, tx lcore 4 (--lcores onto 2 CPUs):
            packets sit in rings at stop, and must be drained or counted
  rtc2      --duration 2 with 2 RX queues per port and lcores 1 and 2 each polling queue q of
            both ports, each a worker and a TX lcore (run to completion, as testpmd runs with 2
            forwarding lcores): each lcore forwards what it read itself, so per lcore
            rx_pkts == tx_pkts + what it dropped, and both lcores forward

In every case the --stats-json counters satisfy received == transmitted + dropped exactly
(packets in flight at stop are drained or counted as "shutdown" drops) and received > 0.
Nothing here depends on how fast the machine is.
"""

import signal
import sys
import time

import ftlib


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "duration"
    ck = ftlib.Checker("null_invariant " + mode)
    st = ftlib.Stampede(sys.argv[1], "null-" + mode)
    cfg = {
        "eal": {"hugepages": False},
        "ports": [{"name": "a", "device": "net_null0"}, {"name": "b", "device": "net_null1"}],
        "rules": [
            {"name": "a-to-b", "in": ["a"], "action": "forward", "out": "b"},
            {"name": "b-to-a", "in": ["b"], "action": "forward", "out": "a"},
        ],
    }
    if mode == "split":
        cfg["eal"]["args"] = ["--lcores", "0@0,1@1,2@0,3@1,4@1"]
        cfg["lcores"] = {
            "rx": [{"lcore": 1, "queues": [{"port": "a", "queue": 0},
                                           {"port": "b", "queue": 0}]}],
            "worker": [2, 3],
            "tx": [4],
        }
    if mode == "rtc2":
        cfg["eal"]["args"] = ["--lcores", "0@0,1@1,2@0"]
        for p in cfg["ports"]:
            p["rx_queues"] = 2
            p["tx_queues"] = 2
        cfg["lcores"] = {
            "rx": [{"lcore": q + 1, "queues": [{"port": "a", "queue": q},
                                               {"port": "b", "queue": q}]} for q in (0, 1)],
            "worker": [1, 2],
            "tx": [1, 2],
        }
    st.write_config(cfg)
    if mode in ("duration", "split", "rtc2"):
        rc = st.run(["--duration", "2"], timeout=30)
        ck.eq(rc, 0, "exit code after --duration 2")
    else:
        sig = signal.SIGTERM if mode == "sigterm" else signal.SIGINT
        st.start([])
        running = st.wait_line("stampede: running", timeout=30)
        ck.check(running, "stampede printed its \"running\" line")
        time.sleep(1)
        st.signal(sig)
        rc = st.wait(timeout=30)
        ck.eq(rc, 0, "exit code after %s" % sig.name)
        ck.check("stopped (%s)" % sig.name in st.out,
                 "stdout says \"stopped (%s)\" and prints final counters" % sig.name)
    if rc != 0:
        st.show_output()
    ck.check("total: received=" in st.out and
             "(received + replicated + generated = transmitted + captured + consumed + dropped)" in st.out,
             "the final line says received + replicated + generated = transmitted + captured + consumed + dropped")
    s = st.stats()
    ftlib.check_accounting(ck, s)
    if s is not None:
        ck.check(s.get("received", 0) > 0, "received > 0", "received %s" % s.get("received"))
        ck.check(s.get("transmitted", 0) > 0, "transmitted > 0")
        ck.eq(s.get("drops", {}).get("no_rule"), 0, "drops.no_rule (both ports have a rule)")
        ports = {p.get("name"): p for p in s.get("ports", [])}
        for n in ("a", "b"):
            p = ports.get(n, {})
            ck.check(p.get("app_rx", 0) > 0 and p.get("app_tx", 0) > 0,
                     "port %s received and transmitted" % n)
        ck.eq(sum(p.get("app_rx", 0) for p in ports.values()), s.get("received"),
              "sum of ports[].app_rx")
        ck.eq(sum(p.get("app_tx", 0) for p in ports.values()), s.get("transmitted"),
              "sum of ports[].app_tx")
        ck.eq(s.get("timestamps", {}).get("sw"), s.get("received"),
              "timestamps.sw (net_null: software stamps)")
        if mode == "rtc2":
            lcs = {lc.get("lcore"): lc for lc in s.get("lcores", [])}
            for i in (1, 2):
                lc = lcs.get(i, {})
                ck.check(lc.get("rx_pkts", 0) > 0 and lc.get("tx_pkts", 0) > 0,
                         "lcore %d received and transmitted" % i,
                         "rx_pkts %s tx_pkts %s" % (lc.get("rx_pkts"), lc.get("tx_pkts")))
                # Nothing crosses lcores: an lcore sends at most what it read (net_null's TX
                # takes every packet, so exactly that, less shutdown drops at stop).
                ck.check(0 <= lc.get("rx_pkts", 0) - lc.get("tx_pkts", 0) <= s.get("dropped", 0),
                         "lcore %d transmitted what it received (less drops)" % i)
    ck.check(not ftlib.procs_with(st.prefix), "no process left with file prefix " + st.prefix)
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
