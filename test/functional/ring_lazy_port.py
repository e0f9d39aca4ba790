#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the input port of packets whose mbufs say another one (net_ring).

  ring_lazy_port.py STAMPEDE [drop|filter]

net_null0 ("src") -> net_ring0 ("loop"), whose TX is its own RX. net_ring leaves in each mbuf the
port of its previous RX (src), and a plain forwarder's RX stage does not write it (port_lazy):
the rules stage must take the input port from what the RX stage knew, or write it before it
reads it. The packets read from loop match a drop rule of loop; were they taken for src's, the
rule src -> loop would send them round again.

  drop    {in: loop, action: drop}: the table path's per-packet loop (loop has no output)
  filter  the same rule with a filter that matches every frame: the rules' general path
  capture {in: loop, out: cap}, a pcapng output: the table path hands the burst to the output,
          whose files name each frame's input port (tshark's frame.interface_name: loop)

Expected values come from tshark (capture) and the PMDs' own counters (rte_eth_stats of net_ring0 and net_null0,
ports[].rx_pkts / tx_pkts), not from stampede's: every packet net_ring0 received is a
rule_drop, none is a no_rule drop, and net_ring0 sent no more than net_null0 received.
"""

import glob
import sys

import ftlib
import rules_lib


def check_capture(ck, st):
    """Every frame in the capture files came from loop: tshark names its interface."""
    names = {}
    for path in sorted(glob.glob(st.path("cap-*.pcapng"))):
        try:
            rows = rules_lib.tshark_fields(path, ["frame.interface_name"])
        except RuntimeError as e:
            ck.check(False, "tshark reads " + path, str(e))
            continue
        for row in rows:
            names[row[0]] = names.get(row[0], 0) + 1
    ck.check(names.get("loop", 0) > 0, "the capture files hold frames of loop", str(names))
    ck.eq(sorted(names), ["loop"], "frame.interface_name of every captured frame (tshark)")


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "drop"
    ck = ftlib.Checker("ring_lazy_port " + mode)
    st = ftlib.Stampede(sys.argv[1], "lazyport-" + mode)
    loop_rule = {"name": "loop-drop", "in": ["loop"], "action": "drop"}
    if mode == "filter":
        loop_rule["filter"] = "ip or not ip"
    cfg = {
        "eal": {"hugepages": False},
        "ports": [{"name": "src", "device": "net_null0"}, {"name": "loop", "device": "net_ring0"}],
        "rules": [{"name": "src-to-loop", "in": ["src"], "action": "forward", "out": "loop"},
                  loop_rule],
    }
    if mode == "capture":
        rules_lib.need_tools("tshark")
        loop_rule.update({"name": "loop-cap", "action": "forward", "out": "cap"})
        # Small files in a ring of 2: net_null gives as much as the writer takes.
        cfg["outputs"] = [{"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng"),
                           "rotate_bytes": 1 << 20, "max_files": 2}]
    st.write_config(cfg)
    rc = st.run(["--duration", "1"], timeout=30)
    ck.eq(rc, 0, "exit code after --duration 1")
    if rc != 0:
        st.show_output()
    s = st.stats()
    ftlib.check_accounting(ck, s)
    if s is not None:
        ports = {p.get("name"): p for p in s.get("ports", [])}
        src, loop = ports.get("src", {}), ports.get("loop", {})
        drops = s.get("drops", {})
        ck.check(loop.get("rx_pkts", 0) > 0, "net_ring0 received packets",
                 "rx_pkts %s" % loop.get("rx_pkts"))
        if mode == "capture":
            check_capture(ck, st)
        else:
            ck.eq(drops.get("rule_drop"), loop.get("rx_pkts"),
                  "drops.rule_drop == net_ring0's rx_pkts (every packet read from loop)")
        ck.eq(drops.get("no_rule"), 0, "drops.no_rule")
        ck.check(loop.get("tx_pkts", 0) <= src.get("rx_pkts", 0),
                 "net_ring0 sent no more than net_null0 received (nothing sent round again)",
                 "ring tx_pkts %s, null rx_pkts %s" % (loop.get("tx_pkts"), src.get("rx_pkts")))
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
