#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the start-up warning for software stamps on lcores that share a CPU.

  shared_cpu_warning.py STAMPEDE

Runs net_null0 <-> net_null1 for 1 s three times: lcores mapped onto one CPU with sw stamps
(the warning, naming each sw port), the same with "timestamp": "none" (no warning: nothing is
stamped), and each lcore on its own CPU (no warning). Which lcores share a CPU is set here
with --lcores, so the expectation does not come from stampede.
"""

import sys

import ftlib

WARN = "software stamps are taken on lcores that share a CPU"


def run(ck, exe, tag, lcores, ts):
    st = ftlib.Stampede(exe, "shared-cpu-" + tag)
    st.write_config({
        "eal": {"hugepages": False, "args": ["--lcores", lcores]},
        "ports": [{"name": "a", "device": "net_null0", "timestamp": ts},
                  {"name": "b", "device": "net_null1", "timestamp": ts}],
        "lcores": {"rx": [{"lcore": 1, "queues": [{"port": "a", "queue": 0},
                                                  {"port": "b", "queue": 0}]}],
                   "worker": [1], "tx": [1]},
        "rules": [{"name": "a-to-b", "in": ["a"], "action": "forward", "out": "b"}],
    })
    rc = st.run(["--duration", "1"], timeout=30)
    ck.eq(rc, 0, "%s: exit code" % tag)
    if rc != 0:
        st.show_output()
    return [l for l in (st.out + (st.err or "")).splitlines() if WARN in l]


def main():
    ck = ftlib.Checker("shared_cpu_warning")
    exe = sys.argv[1]
    lines = run(ck, exe, "shared-sw", "0@0,1@0", "sw")
    ck.eq(len(lines), 2, "lcores 0 and 1 on CPU 0, sw stamps: one warning per sw port")
    ck.check(any("stampede.port: a: " in l for l in lines) and
             any("stampede.port: b: " in l for l in lines),
             "the warnings name ports a and b", repr(lines))
    ck.check(all("9.9 us" in l and "net_afpkt" in l for l in lines),
             "each says the measured lag and what to do instead")
    ck.eq(len(run(ck, exe, "shared-none", "0@0,1@0", "none")), 0,
          "lcores on one CPU, no stamps: no warning")
    ck.eq(len(run(ck, exe, "own-sw", "0@0,1@1", "sw")), 0,
          "each lcore on its own CPU, sw stamps: no warning")
    ck.finish()


if __name__ == "__main__":
    main()
