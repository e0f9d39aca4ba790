#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: a rule from an input straight to an output (the rules' lookup-table path
hands the whole burst to the output), paused and resumed under traffic.

  rules_output.py STAMPEDE

An edge: net_null0 (64-byte frames, without end) -> rule "to-sp" -> stampede output "sp" on
net_null1, the console on a socket. Once "sp" accepts frames, "capture stop sp": its accepted
count stops moving while drops.output_paused grows (each read waits for the change, with a
deadline); "capture start sp": accepted grows again. At exit, exactly: to-sp matched every
frame received; every one was accepted by sp or dropped as output_paused and nothing else was
dropped; the frames the broker wrapped equal sp's accepted; the datagrams it generated were
transmitted; the accounting invariant holds; received and transmitted equal the PMDs' own
counts (net_null0's rx_pkts, net_null1's tx_pkts).
"""

import os
import re
import socket
import sys
import time

import console_lib as cl
import ftlib


def ask(s, cmd):
    s.sendall(cmd.encode() + b"\n")
    return cl.read_until(s, cl.PROMPT)


def accepted(s):
    # The row of sp: output, type, state, accepted, ... (a stampede output has no path: the
    # row is shorter than the header, so it is read by its first four columns).
    m = re.search(r"^\s*sp\s+\S+\s+\S+\s+(\d+)\b", ask(s, "show outputs"), re.M)
    return int(m.group(1)) if m else None


def paused_drops(s):
    m = re.search(r"^\s*output_paused\s+(\d+)\b", ask(s, "show drops"), re.M)
    return int(m.group(1)) if m else None


def wait_for(f, deadline_s=15):
    """f() until it returns true, or the deadline; the last value."""
    end = time.monotonic() + deadline_s
    v = f()
    while not v and time.monotonic() < end:
        time.sleep(0.1)
        v = f()
    return v


def main():
    ck = ftlib.Checker("rules_output")
    st = ftlib.Stampede(sys.argv[1], "rulesout")
    st.write_config({
        "eal": {"hugepages": False},
        "node": {"id": 7},
        "ports": [{"name": "in", "device": "net_null0,size=64"},
                  {"name": "out", "device": "net_null1,no-rx=1"}],
        "outputs": [{"name": "sp", "type": "stampede", "port": "out", "src_ip": "192.0.2.7",
                     "dst_ip": "192.0.2.9", "dst_mac": "02:00:00:00:00:09"}],
        "rules": [{"name": "to-sp", "in": ["in"], "action": "forward", "out": "sp"}],
    })
    path = st.path("console.sock")
    st.start(["--console-socket", path])
    ck.check(st.wait_line("stampede: running on") and st.wait_path(path), "stampede started")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    cl.read_until(s, cl.PROMPT)

    ck.check(wait_for(lambda: (accepted(s) or 0) > 0), "sp accepts frames")
    ck.check("paused" in ask(s, "capture stop sp"), "capture stop sp: paused")
    a1 = accepted(s)
    ck.check(wait_for(lambda: (paused_drops(s) or 0) > 1000),
             "while paused, frames are dropped as output_paused")
    a2 = accepted(s)
    ck.check(a1 is not None and a1 == a2, "while paused, sp's accepted does not move",
             "%s then %s" % (a1, a2))
    ck.check("capturing" in ask(s, "capture start sp"), "capture start sp: capturing")
    ck.check(wait_for(lambda: (accepted(s) or 0) > (a2 or 0)), "sp accepts frames again")
    s.sendall(b"quit\n")
    s.close()
    ck.eq(st.wait(), 0, "exit code after quit")

    j = st.stats()
    if ftlib.check_accounting(ck, j):
        rx = j["received"]
        rule = {r["name"]: r["matched"] for r in j.get("rules", [])}
        out = {o["name"]: o for o in j.get("outputs", [])}
        acc = out.get("sp", {}).get("accepted")
        drops = j["drops"]
        ck.eq(rule.get("to-sp"), rx, "to-sp matched every frame received")
        ck.check(acc is not None and acc + drops["output_paused"] == rx and acc > 0,
                 "every frame was accepted by sp or dropped as output_paused",
                 "received %s accepted %s output_paused %s" % (rx, acc, drops["output_paused"]))
        ck.eq(j["dropped"], drops["output_paused"], "no other drop")
        bsp = j.get("broker", {}).get("outputs", {}).get("sp", {})
        ck.eq(bsp.get("frames"), acc, "the frames the broker wrapped == sp's accepted")
        ck.eq(j["generated"], j["transmitted"], "every datagram generated was transmitted")
        # The PMDs' own counts (rte_eth_stats of net_null0 and net_null1), not stampede's.
        ports = {p.get("name"): p for p in j.get("ports", [])}
        ck.eq(rx, ports.get("in", {}).get("rx_pkts"), "received == net_null0's rx_pkts")
        ck.eq(j["transmitted"], ports.get("out", {}).get("tx_pkts"),
              "datagrams transmitted == net_null1's tx_pkts")
    ck.check(not ftlib.procs_with(st.prefix), "no process left behind")
    if not ck.failed:
        st.cleanup()
    else:
        st.show_output()
        ftlib.log("kept " + st.dir)
    ck.finish()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    main()
