#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Compare what two stampede binaries show: /metrics and every /stampede/* telemetry endpoint.

  scripts/views-diff.py BEFORE AFTER [SCENARIO...]

Runs each binary on the same configs with traffic (the functional tests' setups: rules and a
capture output on net_null, probes on net_ring, passive TCP RTT on a crafted pcap, a reliable
broker edge, a broker collector), scrapes /metrics and queries every /stampede/* endpoint
(dpdk-telemetry.py), masks what moves between runs (numbers become their shape: I an integer,
F9 a number with 9 decimals, R another real; the run's directory becomes DIR), and prints a
unified diff per scenario. promtool check metrics runs on each scrape when installed. Exit 0
when every scenario shows the same, 1 otherwise. A tool for refactoring the view drawers
(issue 14): the families' names, labels and types, and the telemetry keys, must not change.
"""

import difflib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "test", "functional"))

import ftlib  # noqa: E402
import telemetry  # noqa: E402


def shape(v):
    if re.fullmatch(r"-?\d+", v):
        return "I"
    if re.fullmatch(r"-?\d+\.\d{9}", v):
        return "F9"
    return "R"


def mask_prom(text, d):
    out = []
    for line in text.replace(d, "DIR").splitlines():
        if line.startswith("#") or not line:
            out.append(line)
            continue
        k, _, v = line.rpartition(" ")
        out.append(k + " " + shape(v))
    return out


def mask_json(o, d):
    if isinstance(o, bool):
        return o
    if isinstance(o, int):
        return "I"
    if isinstance(o, float):
        return "R"
    if isinstance(o, str):
        return re.sub(r"\d{4}-\d\d-\d\dT[0-9:.]+Z", "TIME", o.replace(d, "DIR"))
    if isinstance(o, list):
        return [mask_json(x, d) for x in o]
    if isinstance(o, dict):
        return {k: mask_json(v, d) for k, v in o.items()}
    return o


def snapshot(st, url, params):
    """{"metrics": [...], "tel": {cmd: reply}} of a running stampede, masked."""
    with __import__("urllib.request").request.urlopen(url, timeout=10) as r:
        prom = r.read().decode()
    lst = telemetry.replies(st.prefix, ["/"])
    cmds = sorted(c for c in (lst[0].get("/", []) if lst else []) if c.startswith("/stampede/"))
    cmds += ["/help," + c for c in cmds] + params
    replies = telemetry.replies(st.prefix, cmds)
    tel, raw = {}, {}
    for c, rep in zip(cmds, replies):
        tel[c] = mask_json(rep, st.dir)
        raw[c] = rep
    return prom, mask_prom(prom, st.dir), tel, raw


def promtool(text, label):
    if shutil.which("promtool") is None:
        return
    r = subprocess.run(["promtool", "check", "metrics"], input=text, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    # promtool lints too (counters without _total...): show every line, fail on errors only.
    if r.stdout.strip():
        print("promtool (%s):\n%s" % (label, r.stdout.strip()))
    if r.returncode != 0 and "error" in r.stdout.lower():
        print("promtool FAILED on", label)


# ------------------------------------------------------------------------------------------
# Scenarios: (config, files to write, seconds to wait, telemetry commands with parameters)

def sc_null(st):
    st.write_config(telemetry.config("views \"diff\"\ntest"))
    return 1.0, ["/stampede/rules,2", "/stampede/rules,9", "/stampede/rules,x"]


def sc_probes(st):
    import probe_ops

    cfg = probe_ops.config()
    # And a STAMP stream (its reflector: the same ring).
    cfg["probes"].append({"name": "st", "port": "ring", "mode": "stamp", "rate_pps": 1000,
                          "stream_id": 6})
    st.write_config(cfg)
    return 1.5, ["/stampede/latency,4", "/stampede/latency,loop", "/stampede/latency,nosuch"]


def sc_tcprtt(st):
    import tcp_rtt as trt
    import tcp_rtt_ops

    recs, _ = tcp_rtt_ops.build_trace()
    trt.write_pcap(st.path("in.pcap"), recs)
    st.write_config(tcp_rtt_ops.config())
    return 2.0, []


def sc_edge(st):
    import broker_reliable as br

    ftlib.write_pcap_ns(st.path("in.pcap"), br.frames(30), br.T0, 1001)
    ftlib.write_pcap_ns(st.path("acks.pcap"),
                        [br.ctrl_frame([(4, 0, 0, 19), (5, 0, 25, 25)])], br.T0 + 10**6, 1001)
    st.write_config(br.edge_config({"resend_window_s": 1}, acks="acks.pcap"))
    return 2.5, []


COLLECTOR_IN = None


def sc_collector(st):
    import broker_pcap as bp
    import rules_lib

    shutil.copy(COLLECTOR_IN, st.path("dg.pcap"))
    st.write_config(rules_lib.base_config(
        [{"name": "net", "device": "net_pcap0,rx_pcap=dg.pcap", "mtu": 9000},
         {"name": "fwd", "device": "net_pcap1,tx_pcap=fwd.pcap", "mtu": 9000,
          "timestamp": "none"}],
        node={"id": 9, "role": "collector"}, mempool={"mbuf_size": 10240},
        outputs=[{"name": "cap", "type": "pcapng", "path": "c-{index}.pcapng"}],
        rules=[{"name": "all", "action": "forward", "out": "fwd"},
               {"name": "cap", "action": "forward", "out": "cap"}]))
    del bp
    return 1.5, []


def collector_input(exe, work):
    """Datagrams of an edge (broker_pcap's frames), made once by @exe, for both collectors."""
    import broker_pcap as bp

    ck = ftlib.Checker("views-diff-edge")
    st, outer = bp.edge(ck, exe, "udp", bp.frames())
    path = os.path.join(work, "dg.pcap")
    ftlib.write_pcap_ns(path, outer, bp.T0 + 10**6, 1000)
    st.cleanup()
    return path


SCENARIOS = {"null": sc_null, "probes": sc_probes, "tcprtt": sc_tcprtt, "edge": sc_edge,
             "collector": sc_collector}


def run(exe, name, fn):
    st = ftlib.Stampede(exe, "views14v-" + name)
    wait, params = fn(st)
    st.start(["--metrics", "127.0.0.1:0"])
    url = st.metrics_url()
    if url is None:
        st.signal(signal.SIGTERM)
        st.wait()
        st.show_output()
        st.cleanup()
        return None
    time.sleep(wait)
    prom, masked, tel, raw = snapshot(st, url, params)
    st.signal(signal.SIGTERM)
    st.wait(timeout=30)
    st.cleanup()
    return prom, masked, tel, raw


def lines_of(masked, tel):
    return masked + json.dumps(tel, indent=1, sort_keys=False).splitlines()


def main():
    global COLLECTOR_IN
    # Line by line: stampede's children must not inherit (and print again) a buffered line.
    sys.stdout.reconfigure(line_buffering=True)
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    before, after = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    names = sys.argv[3:] or list(SCENARIOS)
    work = os.environ.get("TMPDIR", "/tmp")
    if "collector" in names:
        COLLECTOR_IN = collector_input(before, work)
    same = True
    for name in names:
        a = run(before, name, SCENARIOS[name])
        b = run(after, name, SCENARIOS[name])
        if a is None or b is None:
            print("%s: a binary did not start" % name)
            same = False
            continue
        promtool(a[0], name + " before")
        promtool(b[0], name + " after")
        if os.environ.get("VIEWS_DIFF_KEEP"):
            for tag, r in (("before", a), ("after", b)):
                with open(os.path.join(os.environ["VIEWS_DIFF_KEEP"],
                                       "%s-%s.txt" % (name, tag)), "w") as f:
                    f.write(r[0] + "\n" + json.dumps(r[3], indent=1) + "\n")
        d = list(difflib.unified_diff(lines_of(a[1], a[2]), lines_of(b[1], b[2]),
                                      "before/" + name, "after/" + name, lineterm="", n=1))
        print("%s: %s (%d metrics lines, %d endpoints)" % (
            name, "same" if not d else "DIFFERENT", len(a[1]), len(a[2])))
        if d:
            same = False
            print("\n".join(d))
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()
