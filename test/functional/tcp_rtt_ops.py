#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the operator's side of passive TCP latency (tcp_rtt).

  tcp_rtt_ops.py STAMPEDE

A crafted nanosecond pcap of 150 short TCP flows with known RTTs (handshake, a request echoed
by the response, FIN both ways and the last ACK; 100 flows in 10.1.0.0/16, the "dc1" prefix, 50 in 10.2.0.0/16;
one more flow with a retransmitted SYN, flagged ambiguous) is replayed once; stampede keeps
running (no --exit-on-eof) with the console socket, DPDK telemetry and --metrics. Once every
packet has been handled:
  - `show tcp-rtt` (console socket) prints the counters and one histogram row per port/prefix x
    kind, the values those of the --stats-json tcp_rtt object, in microseconds;
  - /stampede/tcp_rtt (dpdk-telemetry.py) holds the same counters and the per-port / per-prefix
    summaries (ns) in columns;
  - the stampede_tcp_rtt_* Prometheus families hold the same counters, sample counts, sums and
    quantiles (seconds);
and after SIGTERM, the --stats-json tcp_rtt object's counts and exact min/max/mean are those of
the trace; the JSON-lines output rotated at 8 KiB into several files, every line is valid JSON,
and the records in the files are exactly the samples counted (and the trace's samples).
"""

import glob
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

import ftlib
import tcp_rtt as trt

KINDS = ("syn_synack", "synack_ack", "tsval")
COUNTERS = ("flows", "flows_active", "table_full", "evicted", "closed", "packets", "unstamped",
            "ambiguous", "malformed_options", "records", "records_written", "records_dropped",
            "write_errors")
MS = trt.MS
CLI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                   "stampede-cli")


def build_trace():
    """Returns (pcap records, expected samples {(kind, prefix or None): [rtt, ...]}, n_tcp)."""
    tr = trt.Trace()
    want = []  # (kind, src, rtt, ambiguous)
    for i in range(150):
        net = 1 if i < 100 else 2
        c, s = ("10.%d.%d.%d" % (net, i // 200, i % 200 + 1), 40000 + i), ("10.9.0.1", 80)
        r1, r2, r3, r4 = (5 + i % 7) * MS + i, 100000 + 37 * i, (8 + i % 5) * MS + 3 * i, \
            2 * MS + i
        tsc, tss = 1000 * i + 1, 500000 + i
        t0 = tr.add(10000, trt.tcp(c[0], s[0], c[1], s[1], "S", ts=(tsc, 0)))
        t1 = tr.add(r1, trt.tcp(s[0], c[0], s[1], c[1], "SA", ts=(tss, tsc)))
        t2 = tr.add(r2, trt.tcp(c[0], s[0], c[1], s[1], "A", ts=(tsc + 1, tss)))
        want += [("syn_synack", c[0], t1 - t0, False), ("synack_ack", c[0], t2 - t1, False)]
        t3 = tr.add(1000, trt.tcp(c[0], s[0], c[1], s[1], "PA", ts=(tsc + 2, tss),
                                  payload=b"GET / HTTP/1.0\r\n\r\n"))
        t4 = tr.add(r3, trt.tcp(s[0], c[0], s[1], c[1], "A", ts=(tss + 1, tsc + 2)))
        want.append(("tsval", c[0], t4 - t3, False))
        t5 = tr.add(1000, trt.tcp(c[0], s[0], c[1], s[1], "FA", ts=(tsc + 3, tss + 1)))
        t6 = tr.add(r4, trt.tcp(s[0], c[0], s[1], c[1], "FA", ts=(tss + 2, tsc + 3)))
        want.append(("tsval", c[0], t6 - t5, False))
        # The last ACK echoes the server's FIN (the flow waits for it): one more sample.
        t7 = tr.add(500, trt.tcp(c[0], s[0], c[1], s[1], "A", ts=(tsc + 4, tss + 2)))
        want.append(("tsval", c[0], t7 - t6, False))
    # A retransmitted SYN: one ambiguous syn_synack (not in the histograms), then a plain ACK.
    c, s = ("10.2.5.5", 33333), ("10.9.0.1", 80)
    tr.add(1000, trt.tcp(c[0], s[0], c[1], s[1], "S", ts=(7, 0)))
    t0 = tr.add(1000 * MS, trt.tcp(c[0], s[0], c[1], s[1], "S", ts=(1007, 0)))
    t1 = tr.add(3 * MS, trt.tcp(s[0], c[0], s[1], c[1], "SA", ts=(9, 1007)))
    t2 = tr.add(4 * MS, trt.tcp(c[0], s[0], c[1], s[1], "A", ts=(1008, 9)))
    want += [("syn_synack", c[0], t1 - t0, True), ("synack_ack", c[0], t2 - t1, False)]
    return tr.recs, want


def summary(vals):
    return {"count": len(vals), "min": min(vals) if vals else 0, "max": max(vals) if vals else 0,
            "mean": sum(vals) / len(vals) if vals else 0}


def expected_hists(want):
    """{("port", "in") | ("prefix", "dc1"): {kind: summary}} of the non-ambiguous samples."""
    out = {("port", "in"): {}, ("prefix", "dc1"): {}}
    for k in KINDS:
        v = [r for kind, src, r, amb in want if kind == k and not amb]
        out[("port", "in")][k] = summary(v)
        out[("prefix", "dc1")][k] = summary(
            [r for kind, src, r, amb in want if kind == k and not amb and src.startswith("10.1.")])
    return out


def telemetry(prefix, cmd):
    tool = shutil.which("dpdk-telemetry.py")
    r = subprocess.run([sys.executable, tool, "-f", prefix], input=cmd + "\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line).get(cmd.split(",")[0])
            except ValueError:
                pass
    ftlib.log("dpdk-telemetry.py: rc %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    return None


def console(sock, cmd):
    r = subprocess.run([sys.executable, CLI, sock, "-c", cmd], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=30)
    if r.returncode != 0:
        ftlib.log("stampede-cli: rc %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
    return r.stdout


def prom_samples(text):
    """{(name, frozenset(labels.items())): float}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$', line)
        if not m:
            continue
        labels = frozenset(re.findall(r'([a-zA-Z_]+)="([^"]*)"', m.group(2) or ""))
        out[(m.group(1), labels)] = float(m.group(3))
    return out


def check_console(ck, text, t):
    """show tcp-rtt against the final tcp_rtt object t."""
    for k in COUNTERS:
        m = re.search(r"^%s\s+(\d+)$" % re.escape(k), text, re.M)
        ck.check(m is not None and int(m.group(1)) == t[k],
                 "show tcp-rtt: %s %s" % (k, t[k]), "got %s" % (m and m.group(1)))
    s = t["samples"]
    ck.check(re.search(r"^samples\s+syn_synack %d, synack_ack %d, tsval %d$"
                       % (s["syn_synack"], s["synack_ack"], s["tsval"]), text, re.M) is not None,
             "show tcp-rtt: samples line")
    rows = 0
    for scope, lst in (("port", t["ports"]), ("prefix", t["prefixes"])):
        for e in lst:
            for k in KINDS:
                h = e[k]
                cells = [scope, e["name"], k, str(h["count"])] + \
                    ["%.3f" % (h[q] / 1e3) for q in ("min", "mean", "p50", "p90", "p99",
                                                     "p99.9", "max")]
                pat = r"^\s*" + r"\s+".join(re.escape(c) for c in cells) + r"\s*$"
                ok = re.search(pat, text, re.M) is not None
                rows += ok
                ck.check(ok, "show tcp-rtt: row %s %s %s (us: min %s mean %s max %s)"
                         % (scope, e["name"], k, cells[4], cells[5], cells[10]))
    return rows


def check_telemetry(ck, tel, t):
    """Counters at the top; summaries in columns, one row per (scope, name, kind)."""
    if not ck.check(isinstance(tel, dict), "/stampede/tcp_rtt answers an object",
                    "got %r" % (tel,)):
        return
    for k in COUNTERS:
        ck.eq(tel.get(k), t[k], "telemetry %s" % k)
    for k in KINDS:
        ck.eq(tel.get("samples_" + k), t["samples"][k], "telemetry samples_%s" % k)
    cols = ("scope", "name", "kind", "count", "min", "mean", "p50", "p90", "p99", "p99_9",
            "p99_99", "max")
    ck.check(all(isinstance(tel.get(c), list) and len(tel[c]) == 6 for c in cols),
             "telemetry: columns %s, 6 rows each" % ", ".join(cols))
    rows = {(tel["scope"][i], tel["name"][i], tel["kind"][i]): i
            for i in range(len(tel.get("scope", [])))}
    for scope, lst in (("port", t["ports"]), ("prefix", t["prefixes"])):
        for e in lst:
            for k in KINDS:
                i = rows.get((scope, e["name"], k))
                if not ck.check(i is not None, "telemetry row %s %s %s" % (scope, e["name"], k)):
                    continue
                got = {q: tel[q][i] for q in ("count", "min", "max", "p50", "p99", "p99_9")}
                want = {q: int(e[k][q.replace("_", ".")]) for q in got}
                ck.eq(got, want, "telemetry %s %s %s (ns)" % (scope, e["name"], k))
                ck.check(abs(tel["mean"][i] - e[k]["mean"]) <= 0.5,
                         "telemetry %s %s %s: mean rounded" % (scope, e["name"], k))


def check_prometheus(ck, text, t):
    p = prom_samples(text)

    def get(name, **labels):
        return p.get((name, frozenset(labels.items())))

    for key, name in (("flows", "stampede_tcp_rtt_flows_total"),
                      ("flows_active", "stampede_tcp_rtt_flows_active"),
                      ("table_full", "stampede_tcp_rtt_table_full_total"),
                      ("evicted", "stampede_tcp_rtt_evicted_total"),
                      ("closed", "stampede_tcp_rtt_closed_total"),
                      ("ambiguous", "stampede_tcp_rtt_ambiguous_total"),
                      ("malformed_options", "stampede_tcp_rtt_malformed_options_total"),
                      ("records_dropped", "stampede_tcp_rtt_records_dropped_total"),
                      ("records_written", "stampede_tcp_rtt_records_written_total")):
        ck.eq(get(name), float(t[key]), "prometheus %s" % name)
    for k in KINDS:
        ck.eq(get("stampede_tcp_rtt_samples_total", kind=k), float(t["samples"][k]),
              "prometheus stampede_tcp_rtt_samples_total{kind=%s}" % k)
    for fam, label, lst in (("stampede_tcp_rtt_seconds", "port", t["ports"]),
                            ("stampede_tcp_rtt_prefix_seconds", "prefix", t["prefixes"])):
        ck.check(("# TYPE %s summary" % fam) in text, "prometheus: %s is a summary" % fam)
        for e in lst:
            for k in KINDS:
                h, lb = e[k], {label: e["name"], "kind": k}
                ck.eq(get(fam + "_count", **lb), float(h["count"]),
                      "prometheus %s_count{%s=%s,kind=%s}" % (fam, label, e["name"], k))
                s = get(fam + "_sum", **lb)
                ck.check(s is not None and abs(s - h["mean"] * h["count"] / 1e9) < 1e-6,
                         "prometheus %s_sum{%s=%s,kind=%s} = mean x count" %
                         (fam, label, e["name"], k), "got %r" % s)
                for qn, qv in (("p50", "0.5"), ("p99", "0.99")):
                    v = get(fam, quantile=qv, **lb)
                    ck.check(v is not None and abs(v - h[qn] / 1e9) < 1e-9,
                             "prometheus %s{%s=%s,kind=%s,quantile=%s} = %s ns" %
                             (fam, label, e["name"], k, qv, h[qn]), "got %r" % v)


def config():
    """in.pcap read on port in, forwarded to out; tcp_rtt on in, one prefix, JSON records."""
    return {
        "eal": {"hugepages": False},
        "ports": [
            {"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
            {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap", "timestamp": "none"},
        ],
        "rules": [{"name": "all", "in": ["in"], "action": "forward", "out": "out"}],
        "tcp_rtt": {"enabled": True, "ports": ["in"], "ts_min_interval_ms": 0,
                    "prefixes": [{"name": "dc1", "prefix": "10.1.0.0/16"}],
                    "output": {"path": "rtt-{index}.json", "rotate_bytes": 8192}},
    }


def main():
    ck = ftlib.Checker("tcp_rtt_ops")
    if shutil.which("dpdk-telemetry.py") is None:
        ftlib.skip("dpdk-telemetry.py is not installed (Debian package dpdk)")
    st = ftlib.Stampede(sys.argv[1], "tcprtt-ops")
    recs, want = build_trace()
    trt.write_pcap(st.path("in.pcap"), recs)
    n = len(recs)
    st.write_config(config())
    sock = st.path("console.sock")
    st.start(["--console-socket", sock, "--metrics", "127.0.0.1:0"])
    url = st.metrics_url()
    if not ck.check(url is not None, "stampede runs and prints its metrics URL"):
        st.signal(signal.SIGTERM)
        st.wait()
        st.show_output()
        st.cleanup()
        ck.finish()
    # Every packet handled (the pcap is read once; stampede keeps running).
    tel = None
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        tot = telemetry(st.prefix, "/stampede/totals") or {}
        tel = telemetry(st.prefix, "/stampede/tcp_rtt") or {}
        if tot.get("transmitted") == n and tel.get("records_written") == tel.get("records", -1):
            break
        time.sleep(0.2)
    ck.eq((tot.get("received"), tot.get("transmitted")), (n, n),
          "every packet of the pcap forwarded while running")
    con = console(sock, "show tcp-rtt")
    with urllib.request.urlopen(url, timeout=10) as r:
        prom = r.read().decode()
    ftlib.promtool_check(ck, prom, "/metrics with tcp_rtt")
    st.signal(signal.SIGTERM)
    rc = st.wait(timeout=30)
    ck.eq(rc, 0, "exit code after SIGTERM")
    final = st.stats()
    if rc != 0 or final is None:
        st.show_output()
        st.cleanup()
        ck.finish()
    ftlib.check_accounting(ck, final, received=n, transmitted=n, drops={})
    t = final.get("tcp_rtt", {})
    ftlib.log("show tcp-rtt:\n" + con)

    # The final object against the trace.
    samples = {k: sum(1 for w in want if w[0] == k) for k in KINDS}
    ck.eq(t.get("samples"), samples, "samples per kind (the trace's)")
    ck.eq(t.get("ambiguous"), 1, "ambiguous (the retransmitted SYN)")
    ck.eq((t.get("flows"), t.get("closed"), t.get("flows_active")), (151, 150, 1),
          "flows entered, closed (FIN both ways and the last ACK), active")
    ck.eq((t.get("table_full"), t.get("evicted"), t.get("malformed_options")), (0, 0, 0),
          "table_full, evicted, malformed_options")
    ck.eq(t.get("records"), sum(samples.values()), "records = samples")
    ck.eq((t.get("records_written"), t.get("records_dropped"), t.get("write_errors")),
          (t.get("records"), 0, 0), "every record written")
    exp = expected_hists(want)
    for (scope, name), kinds in exp.items():
        lst = t.get("ports" if scope == "port" else "prefixes", [])
        e = next((x for x in lst if x.get("name") == name), {})
        for k in KINDS:
            got = e.get(k, {})
            ck.eq({q: got.get(q) for q in ("count", "min", "max")},
                  {q: kinds[k][q] for q in ("count", "min", "max")},
                  "histogram %s %s %s: count, min, max exact" % (scope, name, k))
            ck.check(abs(got.get("mean", -1) - kinds[k]["mean"]) < 1e-3 * max(1, kinds[k]["mean"]),
                     "histogram %s %s %s: mean %.1f" % (scope, name, k, kinds[k]["mean"]),
                     "got %r" % got.get("mean"))

    # The three operator views agree with it (nothing arrived after the queries).
    rows = check_console(ck, con, t)
    ck.eq(rows, 6, "show tcp-rtt: 6 histogram rows (port in, prefix dc1; 3 kinds)")
    check_telemetry(ck, tel, t)
    check_prometheus(ck, prom, t)

    # JSON-lines output, rotated.
    files = sorted(glob.glob(st.path("rtt-*.json")))
    ck.check(len(files) >= 3, "rotate_bytes 8192: several files (%d)" % len(files))
    ck.eq(t.get("files"), len(files), "tcp_rtt.files = the files on disk")
    big = [f for f in files if os.path.getsize(f) > 8192]
    ck.eq(big, [], "no file over rotate_bytes")
    lines, bad = [], 0
    for f in files:
        for line in open(f):
            try:
                lines.append(json.loads(line))
            except ValueError:
                bad += 1
    ck.eq(bad, 0, "every line is valid JSON")
    ck.eq(len(lines), t.get("records"), "lines in the files = records = samples counted")
    got = sorted((r["kind"], r["rtt_ns"], "ambiguous" in r["flags"]) for r in lines)
    exp = sorted((k, r, a) for k, _, r, a in want)
    ck.check(got == exp, "the records are the trace's samples (kind, rtt_ns, ambiguous)",
             "first differences: %r" % [(g, e) for g, e in zip(got, exp) if g != e][:5])
    ck.check(not ftlib.procs_with(st.prefix), "no process left with file prefix " + st.prefix)
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
