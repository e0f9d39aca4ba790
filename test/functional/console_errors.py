#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: errors say their real cause, and output paths fail at start (issue 15, 4-5).

  console_errors.py STAMPEDE

--check and a run with --latency-json, --stats-json or an outputs[].path in a missing
directory fail at once (no run), naming the option or JSON path and the kernel's errno text
(os.strerror); a --stats-json whose directory is removed during the run fails the run (non-zero)
with the errno text; "save latency p0 /missing/dir/x.json" from a command file says the errno
text; "show latency nosuch" says no stream nosuch; a second instance on the same file prefix
names the first one's PID (the PID the test started it as).
"""

import errno
import os
import shutil
import sys
import time

import ftlib

ENOENT = os.strerror(errno.ENOENT)


def main():
    ck = ftlib.Checker("console_errors")
    st = ftlib.Stampede(sys.argv[1], "conerr")
    base = {
        "eal": {"hugepages": False},
        "ports": [{"name": "a", "device": "net_null0"}, {"name": "b", "device": "net_null1"}],
        "rules": [{"name": "a-to-b", "in": ["a"], "action": "forward", "out": "b"}],
    }
    st.write_config(base)
    missing = os.path.join(st.dir, "missing")  # never created

    # 1. Paths in a missing directory: --check and a run fail before anything runs.
    for opt in ("--latency-json", "--stats-json"):
        for extra in (["--check"], ["--duration", "30"]):
            rc = st.run([opt, os.path.join(missing, "x.json")] + extra, stats=False,
                        timeout=20)
            ck.check(rc not in (0, None), "%s in a missing directory, %s: fails" % (opt, extra),
                     "rc %r" % rc)
            ck.check(opt in st.err and ENOENT in st.err,
                     "%s %s: names the option and says %r" % (opt, extra, ENOENT), st.err)
            ck.check("running on" not in st.out, "%s %s: nothing ran" % (opt, extra))
    cap = dict(base, outputs=[{"name": "cap", "type": "pcapng",
                               "path": os.path.join(missing, "c.pcapng")}])
    st.write_config(cap, "cap.json")
    rc = st.run(["--check"], config="cap.json", stats=False)
    ck.check(rc not in (0, None) and "outputs[0].path" in st.err and ENOENT in st.err,
             "--check: outputs[0].path in a missing directory", st.err)

    # 2. A final write that fails: the run fails, with the errno text.
    gone = os.path.join(st.dir, "gone")
    os.mkdir(gone)
    argv_stats = os.path.join(gone, "s.json")
    st.stats_path = argv_stats
    st.start(["--duration", "3"])
    ck.check(st.wait_line("running on", 20), "the run with a doomed --stats-json started")
    shutil.rmtree(gone)
    rc = st.wait(30)
    ck.check(rc not in (0, None), "--stats-json unwritable at the end: non-zero exit",
             "rc %r" % rc)
    ck.check("--stats-json" in st.err and ENOENT in st.err,
             "--stats-json unwritable at the end: the errno text", st.err)
    st.stats_path = st.path("stats.json")

    # 3. Console messages from a command file.
    with open(st.path("cmds.txt"), "w") as f:
        f.write("save latency p0 %s\nshow latency nosuch\nshow latency 7\nquit\n"
                % os.path.join(missing, "x.json"))
    rc = st.run(["--cmdline-file", "cmds.txt"], timeout=30)
    ck.eq(rc, 0, "command file run")
    ck.check(("cannot write %s: %s" % (os.path.join(missing, "x.json"), ENOENT)) in st.out,
             "save latency into a missing directory: the errno text", st.out)
    ck.check("nothing measured for" not in st.out, "save latency: no false 'nothing measured'")
    ck.check("no stream nosuch" in st.out, "show latency nosuch: no stream nosuch", st.out)
    ck.check("stream 7: nothing measured yet" in st.out,
             "show latency 7 (a stream id): nothing measured yet", st.out)

    # 4. Two instances on one file prefix: the second names the first's PID.
    first = ftlib.Stampede(sys.argv[1], "conerr1")
    first.prefix = st.prefix
    first.write_config(base)
    first.start(["--duration", "30"])
    ck.check(first.wait_line("running on", 20), "the first instance runs")
    rc = st.run(["--duration", "1"], stats=False, timeout=30)
    ck.check(rc not in (0, None), "the second instance on the prefix fails", "rc %r" % rc)
    want = "file prefix %s is in use by PID %d" % (st.prefix, first.proc.pid)
    ck.check(want in st.err, "the second instance says %r" % want, st.err)
    ck.check("Success" not in st.err, "no 'failed: Success'", st.err)
    first.signal(15)
    ck.eq(first.wait(30), 0, "the first instance stops on SIGTERM")
    first.cleanup()
    if ck.failed:
        st.show_output()
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
