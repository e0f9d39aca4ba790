#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: idle lcores sleep ("idle_sleep_us") and still miss nothing.

  idle_sleep.py STAMPEDE

net_ring0 loops what is sent on it back to its RX. A probe stream of 300 probes at 100 pps
(3 s, so the lcore is idle ~10 ms between probes) goes out and comes back, once with
"idle_sleep_us": 0 and once with 1000. Both runs must account for every probe exactly (sent,
received, lost 0, the stats invariant); the sleeping run's lcore must have slept (idle_sleeps
> 0) and at most once per idle_sleep_us of the run (a sleep is never shorter than asked), the
polling run's never. A port stamped in software gets the start-up warning with idle_sleep_us,
not without. "idle_sleep_us": 10001 is refused by --check, naming the key. The process's CPU
time per second of the run is printed for both (FIGURES), not bounded: a loaded machine
changes it.
"""

import resource
import sys
import time

import ftlib

COUNT, PPS, DURATION = 300, 100, 4.0
WARN = "software stamps with idle_sleep_us"


def config(st, idle_us):
    st.write_config({
        "eal": {"hugepages": False},
        "idle_sleep_us": idle_us,
        "ports": [{"name": "ring", "device": "net_ring0", "timestamp": "sw"}],
        "probes": [{"name": "p0", "port": "ring", "rate_pps": PPS, "count": COUNT}],
        "probe_rx": {"enabled": True},
    })


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(ck, exe, idle_us):
    tag = "idle%d" % idle_us
    st = ftlib.Stampede(exe, "idle-sleep-" + tag)
    config(st, idle_us)
    cpu0, t0 = children_cpu(), time.monotonic()
    rc = st.run(["--duration", str(DURATION)], timeout=60)
    cpu, wall = children_cpu() - cpu0, time.monotonic() - t0
    ck.eq(rc, 0, "%s: exit code" % tag)
    if rc != 0:
        st.show_output()
    ftlib.log("FIGURES idle_sleep_us %d: %.2f CPU-s per s over %.1f s" % (idle_us, cpu / wall,
                                                                         wall))
    s = st.stats()
    if s is None:
        ck.check(False, "%s: stats.json readable" % tag)
        return
    lat = {(x["name"], x["direction"]): x for x in s.get("latency", [])}
    one = lat.get(("p0", "one-way"), {})
    ck.eq(s.get("generated"), COUNT, "%s: generated = count" % tag)
    ck.eq(one.get("received"), COUNT, "%s: every probe received" % tag)
    ck.eq(one.get("lost"), 0, "%s: none lost" % tag)
    ftlib.check_accounting(ck, s, received=COUNT, transmitted=COUNT, label=tag + ": ")
    sleeps = sum(lc.get("idle_sleeps", -1) for lc in s.get("lcores", []))
    if idle_us == 0:
        ck.eq(sleeps, 0, "%s: the lcore never slept" % tag)
    else:
        most = int(DURATION * 1e6 / idle_us)
        ck.check(0 < sleeps <= most, "%s: the lcore slept, at most once per %d us of the run "
                 "(%d)" % (tag, idle_us, most), sleeps)
    warned = [l for l in st.err.splitlines() if WARN in l]
    if idle_us == 0:
        ck.eq(len(warned), 0, "%s: no idle-sleep warning" % tag)
    else:
        ck.check(len(warned) == 1 and "ring: " in warned[0],
                 "%s: one warning, naming the sw-stamped port" % tag, repr(warned))


def main():
    ck = ftlib.Checker("idle_sleep")
    exe = sys.argv[1]
    run(ck, exe, 0)
    run(ck, exe, 1000)
    st = ftlib.Stampede(exe, "idle-sleep-bad")
    config(st, 10001)
    rc = st.run(["--check"], timeout=30, stats=False)
    ck.check(rc not in (0, None) and "idle_sleep_us" in (st.out + st.err),
             "idle_sleep_us 10001: --check refuses it, naming the key", (st.out + st.err)[-300:])
    ck.finish()


if __name__ == "__main__":
    main()
