#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the console's commands replayed from a file (--cmdline-file).

  console_file.py STAMPEDE [all|continue]

  all       every console command, in a file that ends with quit, on the loop-back set-up of
            console_lib.loop_setup() (frames circulate on net_ring0 while the rule "loop"
            exists): show port info|stats, lcores, rings, drops, rules, outputs, stats,
            config; capture stop (the output's count freezes) and start (it grows again);
            add rule at 0 (the new rule matches the circulating traffic); failing add rule
            lines (bad JSON, unknown output, duplicate name: the config loader's own messages)
            and garbage lines (an error each, the console goes on); del rule loop (the traffic
            stops); clear stats (every count shown is 0 after it); show config, which must
            hold the rule changes and pass stampede --check -c; quit.
  continue  a file that does not end with quit: stampede runs on after it (until --duration)
            and exits 0.
"""

import json
import os
import re
import subprocess
import sys

import console_lib as cl
import ftlib

CMDS_ALL = """help
show port info
show port info 1
show port info ring
show port stats all
show port stats in
show port stats 7
show lcores
show rings
show drops
show rules
show outputs
show stats
capture stop cap
show outputs
show outputs
capture start cap
show outputs
capture stop nosuch
add rule at 0 {"name":"web","in":["ring"],"filter":"tcp port 80","action":"count"}
show rules
add rule {"name":"bad","action":"forward","out":"nowhere"}
add rule {"name":"web","action":"count"}
add rule {"name": oops}
add rule at 9 {"action":"count"}
add rule {"name":"f","filter":"tcp port","action":"count"}
this is not a command
show nothing
del rule loop
del rule loop
show rules
clear stats
show stats
show drops
show port stats all
show rules
show outputs
show lcores
show config
quit
"""


def seg_list(ck, out, cmds):
    seg = cl.segments(out)
    got = [c for c, _ in seg]
    want = [c for c in cmds.splitlines() if c]
    ck.check(got[:len(want)] == want, "every command of the file was echoed after a prompt, "
             "in order", "got %r" % got)
    return seg


def test_all(ck, st):
    cl.loop_setup(st, "cmds.txt", CMDS_ALL)
    rc = st.run(["--cmdline-file", "cmds.txt"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "exit code (quit at the end of the file)")
    seg = seg_list(ck, st.out, CMDS_ALL)
    it = iter(seg)
    out = {}

    def nxt(cmd):
        for c, text in it:
            if c == cmd:
                return text
        ck.check(False, "command %r was run" % cmd)
        return ""

    h = nxt("help")
    for c in ("show port info|stats", "show lcores", "show rings", "show drops", "show rules",
              "show outputs", "show stats", "show config", "clear stats", "add rule JSON|@FILE",
              "add rule at INDEX JSON|@FILE", "del rule NAME", "capture start|stop OUTPUT", "quit",
              "help"):
        ck.check(re.search(r"^%s\s+\S" % re.escape(c), h, re.M) is not None,
                 "help lists %r with its help string" % c)

    t = nxt("show port info")
    ck.check("port 0 (in)" in t and "port 1 (ring)" in t, "show port info: both ports")
    for k in ("driver", "device", "mac", "link", "mtu", "queues", "timestamps", "rx offloads",
              "tx offloads"):
        ck.check(re.search(r"^\s+%s\s+\S" % k, t, re.M) is not None, "show port info: " + k)
    ck.check(re.search(r"driver\s+net_pcap", t) and re.search(r"driver\s+net_ring", t),
             "show port info: the drivers")
    ck.check(re.search(r"timestamps\s+pcap", t) and re.search(r"timestamps\s+sw", t),
             "show port info: the timestamp sources (pcap, sw)")
    t1, t2 = nxt("show port info 1"), nxt("show port info ring")
    ck.check("port 1 (ring)" in t1 and "port 0" not in t1, "show port info 1: that port only")
    ck.eq(t2, t1, "show port info ring (by name) == show port info 1")
    rows = cl.table(nxt("show port stats all"))
    ck.eq([r.get("name") for r in rows], ["in", "ring"], "show port stats all: rows")
    ck.check(num(cl.row(rows, "name", "in"), "rx-packets") == 10,
             "show port stats all: in received the 10 frames of in.pcap")
    ck.check((num(cl.row(rows, "name", "ring"), "app-rx") or 0) > 10,
             "show port stats all: frames circulate on ring")
    rows = cl.table(nxt("show port stats in"))
    ck.eq([r.get("name") for r in rows], ["in"], "show port stats in: one row")
    t = nxt("show port stats 7")
    ck.check(t.startswith("error: ") and "7" in t, "show port stats 7: an error", t)

    rows = cl.table(nxt("show lcores"))
    ck.eq(len(rows), 1, "show lcores: one lcore")
    r = rows[0] if rows else {}
    ck.eq(r.get("roles"), "rx,worker,tx", "show lcores: roles")
    ck.eq(r.get("queues"), "in:0,ring:0", "show lcores: polled queues")
    ck.check((num(r, "rx-packets") or 0) > 10 and num(r, "loops") is not None
             and re.match(r"^\d+\.\d$", r.get("busy%", "")) is not None,
             "show lcores: rx-packets, loops, busy%, cycles/pkt", str(r))
    rows = cl.table(nxt("show rings"))
    ck.check(cl.row(rows, "ring", "pcapng_cap").get("kind") == "capture"
             and cl.row(rows, "ring", "pcapng_cap").get("owner") == "output:cap"
             and num(cl.row(rows, "ring", "pcapng_cap"), "size") == 16384,
             "show rings: the capture ring, size 16384", str(rows))
    rows = cl.table(nxt("show drops"))
    ck.eq([r.get("reason") for r in rows], list(ftlib.DROP_REASONS), "show drops: every reason")
    ck.check(all(num(r, "count") is not None and r.get("description") for r in rows),
             "show drops: a count and a description each")
    rows = cl.table(nxt("show rules"))
    ck.eq([r.get("name") for r in rows], ["in-to-ring", "tap", "loop"], "show rules: names")
    tap = cl.row(rows, "name", "tap")
    ck.check(tap.get("out") == "cap" and tap.get("continue") == "yes" and tap.get("filter")
             == "udp" and tap.get("in") == "ring" and tap.get("action") == "forward",
             "show rules: tap's in, action, out, continue, filter", str(tap))
    ck.eq(num(cl.row(rows, "name", "in-to-ring"), "matched"), 10,
          "show rules: in-to-ring matched the 10 frames")
    rows = cl.table(nxt("show outputs"))
    cap = cl.row(rows, "output", "cap")
    ck.check(cap.get("type") == "pcapng" and cap.get("state") == "capturing"
             and cap.get("path") == "cap.pcapng" and cap.get("file") == "cap.pcapng",
             "show outputs: cap, pcapng, capturing, path and file", str(cap))
    for k in ("accepted", "refused", "written", "bytes", "files", "write-errors"):
        ck.check(num(cap, k) is not None, "show outputs: " + k)
    t = nxt("show stats")
    ck.check("rx-packets" in t and cl.total(t, "received") is not None
             and cl.total(t, "in-flight") is not None, "show stats: port table and totals")

    # capture stop: once it returns, the output accepts nothing more; start: it does again.
    ck.check("paused" in nxt("capture stop cap"), "capture stop cap says paused")
    a1 = cl.row(cl.table(nxt("show outputs")), "output", "cap")
    a2 = cl.row(cl.table(nxt("show outputs")), "output", "cap")
    ck.eq(a1.get("state"), "paused", "show outputs after capture stop: state")
    ck.check(num(a1, "accepted") is not None and num(a1, "accepted") == num(a2, "accepted"),
             "accepted does not move while paused", "%s then %s" % (a1, a2))
    ck.check("capturing" in nxt("capture start cap"), "capture start cap says capturing")
    a3 = cl.row(cl.table(nxt("show outputs")), "output", "cap")
    ck.eq(a3.get("state"), "capturing", "show outputs after capture start: state")
    ck.check((num(a3, "accepted") or 0) > (num(a1, "accepted") or 0),
             "accepted grows again after capture start", "%s then %s" % (a1, a3))
    t = nxt("capture stop nosuch")
    ck.check(t.startswith("error: ") and "nosuch" in t, "capture stop nosuch: an error", t)

    t = nxt('add rule at 0 {"name":"web","in":["ring"],"filter":"tcp port 80","action":"count"}')
    ck.check("rule web added at index 0" in t, "add rule at 0: added", t)
    rows = cl.table(nxt("show rules"))
    ck.eq([r.get("name") for r in rows], ["web", "in-to-ring", "tap", "loop"],
          "show rules after add rule: web first")
    ck.check((num(cl.row(rows, "name", "web"), "matched") or 0) > 0,
             "the new rule matched the circulating TCP port 80 frames", str(rows))
    # The bursts in flight during the switch count under the index they ran with.
    ck.check(10 <= (num(cl.row(rows, "name", "in-to-ring"), "matched") or 0) < 100,
             "in-to-ring keeps its count (10, within a few bursts) when its index moves",
             str(rows))
    errs = {
        '{"name":"bad","action":"forward","out":"nowhere"}':
            r'stampede\.json: rules\[4\]\.out: "nowhere" is not a port, output or group name',
        '{"name":"web","action":"count"}':
            r'stampede\.json: rules\[4\]\.name: "web" is already the name of rules\[0\]',
        '{"name": oops}': r"stampede\.json: rules\[4\]: 1:\d+: ",
        'at 9 {"action":"count"}': r"stampede\.json: rules: index 9 is out of range \[0\.\.4\]",
        '{"name":"f","filter":"tcp port","action":"count"}':
            r'stampede\.json: rules\[4\]\.filter: "tcp port" does not compile: ',
    }
    for j, pat in errs.items():
        t = nxt("add rule " + j)
        ck.check(re.match(pat, t) is not None and len(t.strip().splitlines()) == 1,
                 "add rule %s: the loader's error line" % j, "printed %r" % t)
    t = nxt("this is not a command")
    ck.check("Command not found" in t, "garbage line: Command not found", t)
    t = nxt("show nothing")
    ck.check("Bad arguments" in t or "not found" in t, "show nothing: an error", t)
    ck.check("rule loop deleted" in nxt("del rule loop"), "del rule loop: deleted")
    t = nxt("del rule loop")
    ck.check(re.match(r'stampede\.json: rules: no rule is named "loop"', t) is not None,
             "del rule loop again: the error line", t)
    rows = cl.table(nxt("show rules"))
    ck.eq([r.get("name") for r in rows], ["web", "in-to-ring", "tap"],
          "show rules after del rule loop")

    ck.check("cleared" in nxt("clear stats"), "clear stats: cleared")
    t = nxt("show stats")
    for k in ("received", "transmitted", "dropped", "replicated", "captured"):
        ck.eq(cl.total(t, k), 0, "show stats after clear stats: " + k)
    rows = cl.table(nxt("show drops"))
    ck.check(rows and all(num(r, "count") == 0 for r in rows), "show drops after clear: all 0")
    rows = cl.table(nxt("show port stats all"))
    ck.check(len(rows) == 2 and all(num(r, k) == 0 for r in rows for k in
                                    ("rx-packets", "tx-packets", "app-rx", "app-tx")),
             "show port stats after clear: 0 (driver counters too, by baseline)", str(rows))
    rows = cl.table(nxt("show rules"))
    ck.check(rows and all(num(r, "matched") == 0 for r in rows), "show rules after clear: 0")
    rows = cl.table(nxt("show outputs"))
    ck.eq(num(cl.row(rows, "output", "cap"), "accepted"), 0, "show outputs after clear: accepted")
    rows = cl.table(nxt("show lcores"))
    ck.check(rows and num(rows[0], "rx-packets") == 0 and num(rows[0], "tx-packets") == 0,
             "show lcores after clear: 0 packets", str(rows))

    text = nxt("show config")
    try:
        conf = json.loads(text)
    except ValueError as e:
        conf = {}
        ck.check(False, "show config prints JSON", str(e))
    names = [r.get("name") for r in conf.get("rules", [])]
    ck.eq(names, ["web", "in-to-ring", "tap"], "show config: the running rules")
    with open(st.path("running.json"), "w") as f:
        f.write(text)
    r = subprocess.run([st.exe, "--check", "-c", "running.json"], cwd=st.dir,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    ck.check(r.returncode == 0 and r.stdout.strip() == "ok",
             "stampede --check -c <show config output>: ok", r.stdout + r.stderr)

    ck.check("stampede: stopped; final counters:" in st.out, "quit: final counters")
    s = st.stats()
    ftlib.check_accounting(ck, s)


def test_continue(ck, st):
    cmds = "show rules\nbogus\nshow drops\n"
    cl.loop_setup(st, "cmds.txt", cmds)
    rc = st.run(["--cmdline-file", "cmds.txt", "--duration", "2"], timeout=30)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "exit code (the file ends without quit; --duration stops stampede)")
    seg = seg_list(ck, st.out, cmds)
    ck.check(len(seg) >= 3 and "Command not found" in seg[1][1], "bogus: an error")
    ck.check(len(seg) >= 3 and "no_rule" in seg[2][1], "show drops after the error")
    ck.check("stampede: stopped; final counters:" in st.out, "stopped by --duration")
    ftlib.check_accounting(ck, st.stats())


def num(r, k):
    return cl.num(r, k)


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "all"
    ck = ftlib.Checker("console_file " + mode)
    st = ftlib.Stampede(sys.argv[1], "confile-" + mode)
    if mode == "all":
        test_all(ck, st)
    else:
        test_continue(ck, st)
    ck.check(not ftlib.procs_with(st.prefix), "no process left behind")
    if not ck.failed:
        st.cleanup()
    else:
        ftlib.log("kept " + st.dir)
    ck.finish()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
