#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: stampede's DPDK telemetry endpoints, read with Debian's dpdk-telemetry.py.

  telemetry.py STAMPEDE

stampede runs on net_null0 <-> net_null1 (a count rule, a capture output that matches nothing,
two forwarding rules); while it runs, every /stampede/* endpoint is queried twice through
dpdk-telemetry.py -f <file-prefix>, and the replies are checked: shapes, names, every drop
reason, counters that grow and never exceed the final --stats-json counters. Skips (77) when
dpdk-telemetry.py is not installed.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import ftlib

ENDPOINTS = ("/stampede/info", "/stampede/totals", "/stampede/ports", "/stampede/lcores",
             "/stampede/drops", "/stampede/rules", "/stampede/outputs", "/stampede/timestamps",
             "/stampede/missed")


def config(description="telemetry test"):
    """net_null0 <-> net_null1: a count rule, a capture output matching nothing, forwarding."""
    return {
        "eal": {"hugepages": False},
        "node": {"id": 7, "description": description},
        "ports": [{"name": "a", "device": "net_null0"}, {"name": "b.1", "device": "net_null1"}],
        "outputs": [{"name": "cap", "type": "pcapng", "path": "cap-{index}.pcapng"}],
        "rules": [
            {"name": "count-udp", "filter": "udp", "action": "count"},
            {"name": "cap-udp", "filter": "udp", "action": "forward", "out": "cap"},
            {"name": "a-to-b", "in": ["a"], "action": "forward", "out": "b.1"},
            {"name": "b-to-a", "in": ["b.1"], "action": "forward", "out": "a"},
        ],
    }


def replies(prefix, cmds):
    """Send cmds to dpdk-telemetry.py; returns its JSON replies in order (one per command)."""
    tool = shutil.which("dpdk-telemetry.py")
    r = subprocess.run([sys.executable, tool, "-f", prefix], input="\n".join(cmds) + "\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    out = []
    for line in r.stdout.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            out.append(json.loads(line))
        except ValueError:
            ftlib.log("not JSON: " + line)
    if r.returncode != 0 or not out:
        ftlib.log("dpdk-telemetry.py exit %d\nstdout: %s\nstderr: %s"
                  % (r.returncode, r.stdout, r.stderr))
    return out


def query(prefix, cmds):
    """Send cmds to dpdk-telemetry.py; returns {cmd: reply} (the value under the cmd key)."""
    out = {}
    for obj in replies(prefix, cmds):
        out.update(obj)
    return out


def columns_ok(ck, reply, cols, n, what):
    """A list endpoint: a dict of arrays, all of length n."""
    ck.check(isinstance(reply, dict) and all(isinstance(reply.get(c), list) for c in cols),
             "%s has the columns %s" % (what, ", ".join(cols)), "got %r" % (reply,))
    if isinstance(reply, dict):
        ck.check(all(len(reply.get(c, [])) == n for c in cols),
                 "%s: every column has %d entries" % (what, n))


def main():
    ck = ftlib.Checker("telemetry")
    if shutil.which("dpdk-telemetry.py") is None:
        ftlib.skip("dpdk-telemetry.py is not installed (Debian package dpdk)")
    st = ftlib.Stampede(sys.argv[1], "telemetry")
    st.write_config(config())
    st.start([])
    if not ck.check(st.wait_line("stampede: running", timeout=30), "stampede is running"):
        st.signal(signal.SIGTERM)
        st.wait()
        st.show_output()
        st.cleanup()
        ck.finish()
    time.sleep(1)
    first = query(st.prefix, ENDPOINTS)
    time.sleep(0.5)
    second = query(st.prefix, ENDPOINTS)
    # A reply is keyed by the command without its parameter: one query per page.
    page2 = query(st.prefix, ["/stampede/rules,2"]).get("/stampede/rules", {})
    page9 = query(st.prefix, ["/stampede/rules,9"]).get("/stampede/rules", {})
    st.signal(signal.SIGTERM)
    rc = st.wait(timeout=30)
    ck.eq(rc, 0, "exit code after SIGTERM")
    final = st.stats()
    if rc != 0 or final is None:
        st.show_output()

    for ep in ENDPOINTS:
        ck.check(isinstance(first.get(ep), dict) and isinstance(second.get(ep), dict),
                 "%s answers a JSON object" % ep, "got %r" % (first.get(ep),))
    info = first.get("/stampede/info", {})
    ck.eq(info.get("version"), "0.1.0", "info.version")
    ck.eq(info.get("node_id"), 7, "info.node_id")
    ck.eq(info.get("description"), "telemetry test", "info.description")
    ck.eq((info.get("ports"), info.get("rules"), info.get("outputs")), (2, 4, 1),
          "info: ports, rules, outputs")

    t1, t2 = first.get("/stampede/totals", {}), second.get("/stampede/totals", {})
    keys = ("received", "replicated", "transmitted", "captured", "dropped", "in_flight")
    ck.check(all(isinstance(t1.get(k), int) for k in keys), "totals has " + ", ".join(keys),
             "got %r" % t1)
    ck.check(t1.get("received", 0) > 0, "totals.received > 0 while running")
    ck.check(t2.get("received", 0) >= t1.get("received", 0) and
             t2.get("transmitted", 0) >= t1.get("transmitted", 0),
             "totals.received and transmitted do not go back")

    drops = second.get("/stampede/drops", {})
    ck.eq(sorted(drops), sorted(ftlib.DROP_REASONS), "drops lists every reason")
    # net_null loses nothing before RX: every kernel-side / NIC reason is there, and 0.
    ck.eq(second.get("/stampede/missed"), {"kernel_drop": 0, "nic_missed": 0},
          "missed lists every reason, all 0 on net_null")
    ts = second.get("/stampede/timestamps", {})
    ck.eq(sorted(ts), sorted(ftlib.TS_SOURCES), "timestamps lists every source")
    ck.check(ts.get("sw", 0) > 0, "timestamps.sw > 0 (net_null: software stamps)")

    ports = second.get("/stampede/ports", {})
    columns_ok(ck, ports, ("name", "port_id", "driver", "timestamp", "link_up", "rx_packets",
                           "rx_bytes", "tx_packets", "tx_bytes", "imissed", "ierrors",
                           "oerrors", "rx_nombuf", "app_rx", "app_tx", "trailer_ok", "trailer_invalid",
                           "trailer_stacked"), 2, "ports")
    ck.eq(ports.get("name"), ["a", "b.1"], "ports.name")
    ck.eq(ports.get("driver"), ["net_null", "net_null"], "ports.driver")
    ck.eq(ports.get("timestamp"), ["sw", "sw"], "ports.timestamp")

    lc = second.get("/stampede/lcores", {})
    columns_ok(ck, lc, ("lcore", "roles", "rx_packets", "tx_packets", "loops", "busy_cycles",
                        "dropped"), 1, "lcores")
    ck.eq(lc.get("lcore"), [1], "lcores.lcore")
    ck.eq(lc.get("roles"), ["rx,worker,tx"], "lcores.roles")

    rules = second.get("/stampede/rules", {})
    columns_ok(ck, rules, ("index", "name", "action", "matched"), 4, "rules")
    ck.eq(rules.get("name"), ["count-udp", "cap-udp", "a-to-b", "b-to-a"], "rules.name")
    ck.eq(rules.get("action"), ["count", "forward", "forward", "forward"], "rules.action")
    ck.eq(rules.get("total"), 4, "rules.total")
    ck.eq((page2.get("index"), page2.get("name")), ([2, 3], ["a-to-b", "b-to-a"]),
          "/stampede/rules,2 starts at rule 2")
    ck.eq(page9.get("name"), [], "/stampede/rules,9 is empty")

    outs = second.get("/stampede/outputs", {})
    columns_ok(ck, outs, ("name", "file", "accepted", "refused", "written", "bytes", "files",
                          "write_errors"), 1, "outputs")
    ck.eq(outs.get("name"), ["cap"], "outputs.name")
    ck.eq(outs.get("files"), [1], "outputs.files (the first file is open)")
    ck.check(str((outs.get("file") or [""])[0]).endswith("cap-0.pcapng"),
             "outputs.file is the file being written", "got %r" % (outs.get("file"),))

    if final is not None:
        ftlib.check_accounting(ck, final)
        ck.check(t2.get("received", 0) <= final["received"] and
                 t2.get("transmitted", 0) <= final["transmitted"],
                 "telemetry totals <= the final counters")
        fr = {r["name"]: r["matched"] for r in final.get("rules", [])}
        ck.check(all(m <= fr.get(n, -1) for n, m in
                     zip(rules.get("name", []), rules.get("matched", []))),
                 "telemetry rules.matched <= the final counters")
        fp = {p["name"]: p for p in final.get("ports", [])}
        ck.check(all(v <= fp.get(n, {}).get("app_rx", -1) for n, v in
                     zip(ports.get("name", []), ports.get("app_rx", []))),
                 "telemetry ports.app_rx <= the final counters")
        ck.check(all(drops.get(k, 0) <= final["drops"].get(k, -1) for k in ftlib.DROP_REASONS),
                 "telemetry drops <= the final counters")
    ck.check(not ftlib.procs_with(st.prefix), "no process left with file prefix " + st.prefix)
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
