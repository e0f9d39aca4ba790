#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the broker's counters through every front end (console "show nodes",
telemetry /stampede/nodes, Prometheus stampede_broker_*), against values known in advance.

  broker_observe.py STAMPEDE

An edge (node 7) wraps a pcap into stampede datagrams (broker_pcap.edge). The collector's input
is those datagrams with, on purpose: one datagram of whole records removed (gaps = its records),
one datagram sent twice (duplicates = its records), two neighbouring datagrams swapped (the
later one's records arrive first: reordered = the records of the earlier one, no gap left), and
the datagrams of a second, hand-made source (node 5, stream 3, description "n5") with sequence
4 missing and 9 sent twice. The collector runs with the console on a pipe and --metrics; once
every datagram is read, the test asks telemetry, scrapes /metrics, types "show nodes" and
"quit": each front end must show, per (node, stream), received, gaps, duplicates, reordered,
stale, the last sequence and a last-seen time within the run, and the totals; the final
--stats-json must agree. The edge's own "show nodes" (its output's frames, datagrams,
fragments) is checked the same way against what its pcap holds.
"""

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request

import broker_pcap
import ftlib
import prometheus
import rules_lib
import sphlib
import telemetry

PROMPT = "stampede> "


def udp(payload, src=bytes([192, 0, 2, 5])):
    import struct
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(payload), 0, 0x4000, 64, 17, 0,
                     src, bytes([192, 0, 2, 9]))
    return (bytes.fromhex("020000000009020000000005") + b"\x08\x00" + ip +
            struct.pack("!HHHH", 50000, 48879, 8 + len(payload), 0) + payload)


def whole_records(dg_frame):
    recs = sphlib.decode_records(sphlib.datagram_of(dg_frame))
    return recs if all(r["frag"] is None for r in recs) else None


class Live:
    """stampede running with the console on a pipe and the Prometheus endpoint."""

    def __init__(self, st, extra=()):
        self.st = st
        argv = st.argv(["-i", "--metrics", "127.0.0.1:0"] + list(extra))
        ftlib.log("start: (cd %s && %s)" % (st.dir, " ".join(argv)))
        self.out_path = st.path("stdout.txt")
        self.fout = open(self.out_path, "w")
        self.p = subprocess.Popen(argv, cwd=st.dir, stdin=subprocess.PIPE, stdout=self.fout,
                                  stderr=subprocess.STDOUT, text=True,
                                  preexec_fn=ftlib.die_with_parent)
        self.url = None

    def text(self):
        with open(self.out_path) as f:
            return f.read()

    def wait_url(self, timeout=30):
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.p.poll() is None:
            m = re.search(r"stampede: metrics at (http://127\.0\.0\.1:\d+/metrics)", self.text())
            if m:
                self.url = m.group(1)
                return True
            time.sleep(0.1)
        return False

    def scrape(self):
        with urllib.request.urlopen(self.url, timeout=10) as r:
            return r.read().decode()

    def wait_received(self, n, timeout=30):
        """Until stampede_received_packets_total reaches n (the pcap is read)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end and self.p.poll() is None:
            m = re.search(r"^stampede_received_packets_total (\d+)$", self.scrape(), re.M)
            if m and int(m.group(1)) >= n:
                time.sleep(0.3)  # the last burst's counters
                return True
            time.sleep(0.1)
        return False

    def finish(self, cmds, timeout=30):
        try:
            self.p.communicate(cmds, timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.communicate()
        self.fout.close()
        return self.p.returncode


def segments(out):
    seg = {}
    for p in out.split(PROMPT)[1:]:
        cmd, _, rest = p.partition("\n")
        seg.setdefault(cmd.strip("\r "), rest)
    return seg


def table_rows(text, first_col):
    """Rows of the console table whose header starts with first_col: lists of cells."""
    lines = text.splitlines()
    rows, inside = [], False
    for ln in lines:
        cells = ln.split()
        if cells and cells[0] == first_col:
            inside = True
            continue
        if inside:
            if not cells or not cells[0][0].isdigit() and first_col == "node":
                inside = False
                continue
            rows.append(cells)
    return rows


def main():
    exe = sys.argv[1]
    ck = ftlib.Checker("broker_observe")
    rules_lib.need_tools("tshark")
    have_tel = shutil.which("dpdk-telemetry.py") is not None

    # The edge, with its console: its output's counters.
    fr = broker_pcap.frames()
    edge, outer = broker_pcap.edge(ck, exe, "udp", fr)
    _, erecs = sphlib.frames_of(outer)
    nfrag = sum(1 for r in erecs if r["frag"] is not None)
    live = Live(edge)
    ok = ck.check(live.wait_url(), "edge: metrics URL printed")
    ok = ok and ck.check(live.wait_received(len(fr)), "edge: every frame read")
    edge_prom = live.scrape() if ok else ""
    rc = live.finish("show nodes\nquit\n")
    ck.eq(rc, 0, "edge (console run): exit code")
    seg = segments(live.text())
    text = seg.get("show nodes", "")
    ftlib.log("edge show nodes:\n" + text)
    row = [r for r in table_rows(text, "output") if r and r[0] == "sp"]
    ck.eq(row[0][1:4] if row else None,
          [str(len(fr)), str(len(outer)), str(nfrag)],
          "edge: show nodes: output sp frames, datagrams, fragments")
    ck.check("role edge" in text, "edge: show nodes names the role")
    _, samples = prometheus.parse_text(ck, edge_prom)
    ck.eq([prometheus.get(samples, "stampede_broker_output_%s_total" % k, output="sp")
           for k in ("frames", "datagrams", "fragments")],
          [len(fr), len(outer), nfrag], "edge: Prometheus stampede_broker_output_*_total")
    ck.eq(prometheus.get(samples, "stampede_broker_info", role="edge"), 1,
          "edge: stampede_broker_info{role=\"edge\"}")

    # The collector's input: node 7's datagrams, impaired; node 5's, hand-made.
    idx = [i for i in range(1, len(outer) - 1) if whole_records(outer[i]) is not None]
    k_lost, k_dup, k_swap = idx[0], idx[2], idx[4]
    ck.check(k_swap + 1 < len(outer) and whole_records(outer[k_swap + 1]) is not None and
             k_dup + 1 < k_swap, "test data: datagrams to lose, repeat and swap found")
    n_lost = len(whole_records(outer[k_lost]))
    n_dup = len(whole_records(outer[k_dup]))
    n_swap = len(whole_records(outer[k_swap]))
    dgs = []
    for i, o in enumerate(outer):
        if i == k_lost or i == k_swap + 1:
            continue
        if i == k_swap:
            dgs += [outer[k_swap + 1], o]
            continue
        dgs.append(o)
        if i == k_dup:
            dgs.append(o)
    inner = bytes.fromhex("020000000201020000000555") + b"\x08\x00" + b"\x55" * 46
    t5 = broker_pcap.T0 + 5000
    desc5 = b"\x02\x02n5"
    n5 = [udp(sphlib.encode(inner, node=5, stream=3, seq=q, ts=t5 + q, tlvs=desc5))
          for q in list(range(4)) + list(range(5, 10)) + [9]]
    dgs += n5
    c = ftlib.Stampede(exe, "broker-observe-coll")
    ftlib.write_pcap_ns(c.path("dg.pcap"), dgs, broker_pcap.T0 + 10**6, 1000)
    cfg = rules_lib.base_config(
        [{"name": "net", "device": "net_pcap0,rx_pcap=dg.pcap", "mtu": 9000},
         {"name": "fwd", "device": "net_pcap1,tx_pcap=fwd.pcap", "mtu": 9000,
          "timestamp": "none"}],
        node={"id": 9, "role": "collector"}, mempool={"mbuf_size": 10240},
        rules=[{"name": "all", "action": "forward", "out": "fwd"}])
    c.write_config(cfg)
    want7 = {"node": 7, "stream": 0, "port": "net", "description": "edge7:in",
             "received": len(fr) - n_lost, "gaps": n_lost, "duplicates": n_dup,
             "reordered": n_swap, "stale": 0, "last_seq": len(fr) - 1}
    want5 = {"node": 5, "stream": 3, "port": "net", "description": "n5", "received": 9,
             "gaps": 1, "duplicates": 1, "reordered": 0, "stale": 0, "last_seq": 9}
    keys = list(want7)
    t_start = time.time_ns()
    live = Live(c)
    ok = ck.check(live.wait_url(), "collector: metrics URL printed")
    ok = ok and ck.check(live.wait_received(len(dgs)), "collector: every datagram read")
    prom = live.scrape() if ok else ""
    tel = telemetry.query(c.prefix, ["/stampede/nodes"]).get("/stampede/nodes", {}) \
        if ok and have_tel else None
    # show nodes NODE; Tab Tab after "show nodes " lists the nodes heard from (Ctrl-U then
    # drops the line).
    rc = live.finish("show nodes\nshow nodes 5\nshow nodes 9\nshow nodes \t\t\x15quit\n")
    t_end = time.time_ns()
    ck.eq(rc, 0, "collector (console run): exit code")
    final = c.stats()
    if rc != 0 or final is None:
        ftlib.log(live.text())

    # --stats-json: the reference the front ends are compared with.
    nodes = sorted((final or {}).get("broker", {}).get("nodes", []), key=lambda x: x["node"])
    ck.eq([{k: x.get(k) for k in keys} for x in nodes], [want5, want7],
          "stats-json: broker.nodes per (node, stream)")
    ck.check(all(t_start <= x.get("last_seen_ns", 0) <= t_end for x in nodes),
             "stats-json: last_seen_ns within the run")
    got = rules_lib.port_frames(ck, c.path("fwd.pcap"))
    ck.eq(len(got), len(fr) - n_lost + 9, "collector: frames forwarded (duplicates dropped)")
    ftlib.check_accounting(ck, final, received=len(dgs), transmitted=len(got), drops={},
                           label="collector: ")

    # Console.
    text = segments(live.text()).get("show nodes", "")
    ftlib.log("collector show nodes:\n" + text)
    rows = {(r[0], r[1]): r for r in table_rows(text, "node") if len(r) >= 11}
    for w in (want5, want7):
        r = rows.get((str(w["node"]), str(w["stream"])))
        ck.eq(r[2:9] if r else None,
              [w["port"]] + [str(w[k]) for k in ("received", "gaps", "duplicates", "reordered",
                                                 "stale", "last_seq")],
              "console: show nodes row of node %d stream %d" % (w["node"], w["stream"]))
        ck.check(r is not None and re.match(r"^\d{4}-\d\d-\d\dT[\d:.]+Z$", r[9]) is not None
                 and r[10] == w["description"],
                 "console: node %d: last seen as UTC time, description" % w["node"])
    seg = segments(live.text())
    one = {(r[0], r[1]) for r in table_rows(seg.get("show nodes 5", ""), "node") if len(r) >= 11}
    ck.eq(one, {("5", str(want5["stream"]))}, "console: show nodes 5: node 5's row only")
    ck.check("error: no node 9" in seg.get("show nodes 9", ""), "console: show nodes 9: no node 9")
    tail = live.text().split("show nodes 9", 1)[-1]
    ck.check(re.search(r"^ 5 \[node id\]", tail, re.M) is not None and
             re.search(r"^ 7 \[node id\]", tail, re.M) is not None,
             "console: Tab Tab after show nodes lists nodes 5 and 7", repr(tail[-300:]))
    b = (final or {}).get("broker", {})
    ck.check(("role collector: datagrams received %d, records %d, malformed 0, reassembled %d"
              % (b.get("datagrams_received", -1), b.get("records_received", -1),
                 b.get("reassembled", -1))) in text,
             "console: show nodes prints the totals line")
    ck.eq(b.get("datagrams_received"), len(dgs), "stats-json: datagrams_received")

    # Prometheus.
    _, samples = prometheus.parse_text(ck, prom)
    for w in (want5, want7):
        lab = {"node": str(w["node"]), "stream": str(w["stream"]), "port": w["port"],
               "description": w["description"]}
        got_p = [prometheus.get(samples, n, **lab) for n in (
            "stampede_broker_source_received_frames_total", "stampede_broker_source_gaps",
            "stampede_broker_source_duplicates_total", "stampede_broker_source_reordered_total",
            "stampede_broker_source_stale_total", "stampede_broker_source_last_sequence")]
        ck.eq(got_p, [w[k] for k in ("received", "gaps", "duplicates", "reordered", "stale",
                                     "last_seq")],
              "Prometheus: stampede_broker_source_* of node %d" % w["node"])
        seen = prometheus.get(samples, "stampede_broker_source_last_seen_seconds", **lab)
        ck.check(seen is not None and t_start / 1e9 - 1 <= seen <= t_end / 1e9 + 1,
                 "Prometheus: last_seen_seconds of node %d within the run" % w["node"])
    ck.eq([prometheus.get(samples, "stampede_broker_" + n) for n in (
        "datagrams_received_total", "malformed_datagrams_total", "reassembled_frames_total")],
        [len(dgs), 0, b.get("reassembled")], "Prometheus: stampede_broker_* totals")
    ck.eq(prometheus.get(samples, "stampede_broker_info", role="collector"), 1,
          "Prometheus: stampede_broker_info{role=\"collector\"}")

    # Telemetry.
    if tel is None:
        ftlib.log("dpdk-telemetry.py not installed: telemetry not checked")
    else:
        ftlib.log("telemetry: " + json.dumps(tel))
        ck.eq((tel.get("enabled"), tel.get("role"), tel.get("datagrams_received")),
              (1, "collector", len(dgs)), "telemetry: enabled, role, datagrams_received")
        for w in (want5, want7):
            e = tel.get("node_%d_%d" % (w["node"], w["stream"]), {})
            ck.eq({k: e.get(k) for k in keys}, w,
                  "telemetry: node_%d_%d" % (w["node"], w["stream"]))
    edge.cleanup()
    c.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
