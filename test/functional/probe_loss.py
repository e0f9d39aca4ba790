#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: every probe not answered within its loss horizon is lost.

  probe_loss.py STAMPEDE noreply|tail|stateful

noreply   a stampede stream (reflected: true) and a STAMP stream on net_null (nothing comes
          back), 50 probes each, loss_horizon_ms 200: each has its rtt row with sent 50,
          received 0, lost 50, loss 100 %, nothing pending, in --stats-json, in the
          --latency-json export.
tail      net_ring0 loops frames back: a stampede stream reflected by this instance's own
          reflector and a STAMP stream to its own Session-Reflector, each with an impairment
          that drops every 4th (3rd) probe, the last one included: lost = the impairment's drops
          (the model's count), loss 25 % (33.3 %), tail included; a third stream with no
          impairment: lost 0, loss 0 %.
stateful  a STAMP stream (reflector_stateful: true) to this instance's stateful reflector, drop
          every 5th: forward lost = drops below the highest answered request, backward lost 0,
          round trip lost = every drop (the last one after the horizon).
views     a STAMP stream with no reply, while stampede runs: show latency, save latency (CSV
          comment line, JSON "loss"), telemetry /stampede/latency,st and Prometheus
          (stampede_probe_lost_packets, stampede_probe_loss_ratio) all say 50 of 50 lost.
The expected values come from the configured counts and the impairment model, never from
stampede's output.
"""

import json
import sys

import ftlib

MAC = "02:00:00:00:00:02"


def drops(count, every):
    return [p for p in range(count) if every and (p + 1) % every == 0]


def rows(s):
    return {(x["name"], x["direction"]): x for x in s.get("latency", [])}


def test_noreply(ck, st):
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "null", "device": "net_null0,no-rx=1"}],
        "probes": [
            {"name": "sp", "port": "null", "rate_pps": 1000, "count": 50, "dst_mac": MAC,
             "reflected": True, "loss_horizon_ms": 200},
            {"name": "st", "port": "null", "mode": "stamp", "rate_pps": 1000, "count": 50,
             "dst_mac": MAC, "loss_horizon_ms": 200}],
    })
    rc = st.run(["--duration", "2.5", "--latency-json", st.path("lat.json")], timeout=30)
    ck.eq(rc, 0, "exit code")
    s = st.stats()
    if s is None:
        ck.check(False, "stats.json readable")
        return
    r = rows(s)
    for name in ("sp", "st"):
        x = r.get((name, "rtt"))
        ck.check(x is not None, "%s: an rtt row although nothing came back" % name)
        if x is None:
            continue
        ck.eq((x.get("sent"), x.get("received"), x.get("lost"), x.get("pending")),
              (50, 0, 50, 0), "%s rtt: sent, received, lost, pending" % name)
        ck.eq(x.get("loss_pct"), 100.0, "%s rtt: loss 100 %%" % name)
    try:
        lat = json.load(open(st.path("lat.json")))
        ex = {e["name"]: e for e in lat["streams"] if e["direction"] == "rtt"}
        for name in ("sp", "st"):
            lo = ex.get(name, {}).get("loss") or {}
            ck.eq((lo.get("sent"), lo.get("lost")), (50, 50),
                  "--latency-json: %s rtt loss sent 50 lost 50" % name)
    except (OSError, ValueError, KeyError) as e:
        ck.check(False, "--latency-json readable: %s" % e)


def test_views(ck, st):
    """100 % loss in every view while stampede runs: show latency, save latency (CSV, JSON),
    telemetry /stampede/latency and Prometheus."""
    import re
    import shutil
    import time
    import urllib.request

    from probe_ops import Console, telemetry

    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "null", "device": "net_null0,no-rx=1"}],
        "probes": [{"name": "st", "port": "null", "mode": "stamp", "rate_pps": 1000,
                    "count": 50, "dst_mac": MAC, "loss_horizon_ms": 200}],
    })
    sock = st.path("console.sock")
    st.start(["--console-socket", sock, "--metrics", "127.0.0.1:0"])
    url = st.metrics_url()
    ok = ck.check(url is not None, "stampede started")
    if not ok or not st.wait_path(sock):
        st.signal(15)
        st.wait()
        return
    # 50 probes take 50 ms, the horizon 200 ms more: all are decided well before this (a
    # loaded machine may delay the datapath's start).
    time.sleep(2.0)
    con = Console(sock)
    out = con.cmd("show latency st")
    ck.check(re.search(r"^st\s+0\s+rtt\s+0\s+50\s+100\.000\s", out, re.M) is not None,
             "show latency: st rtt received 0, lost 50, loss 100 %")
    lines = [x for x in out.splitlines() if x.strip()]
    head = [i for i, x in enumerate(lines) if x.startswith("stream ")]
    ck.check(len(head) == 1 and lines[head[0]].split()[-1] == "max" and
             len(lines) > head[0] + 2 and lines[head[0] + 2].startswith("delays in ns"),
             "show latency: every column in the header (max last), one line per row")
    out = con.cmd("save latency st %s" % st.path("st.csv"))
    try:
        lines = open(st.path("st.csv")).read().splitlines()
        ck.check("# loss direction=rtt sent=50 received=0 lost=50 pending=0" in lines,
                 "save latency CSV: the loss line")
    except OSError as e:
        ck.check(False, "save latency CSV: %s" % e)
    con.cmd("save latency st %s" % st.path("st.json"))
    try:
        lo = json.load(open(st.path("st.json"))).get("loss") or {}
        ck.eq((lo.get("sent"), lo.get("lost"), lo.get("received")), (50, 50, 0),
              "save latency JSON: loss sent 50 lost 50 received 0")
    except (OSError, ValueError) as e:
        ck.check(False, "save latency JSON: %s" % e)
    # The reply's key is the command without its parameter (DPDK 22.11 telemetry).
    t = (telemetry(st.prefix, ["/stampede/latency,st"]) or {}).get("/stampede/latency")
    if shutil.which("dpdk-telemetry.py") is None:
        ftlib.log("dpdk-telemetry.py is not installed: telemetry not checked")
    elif ck.check(t is not None, "telemetry /stampede/latency,st answered"):
        ck.eq((t.get("st_rtt_lost"), t.get("st_rtt_sent")), (50, 50),
              "telemetry /stampede/latency,st: lost 50 of 50")
    try:
        text = urllib.request.urlopen(url, timeout=10).read().decode()
        ck.check('stampede_probe_lost_packets{stream="st",direction="rtt"} 50' in text,
                 "Prometheus: lost 50")
        ck.check('stampede_probe_loss_ratio{stream="st",direction="rtt"} 1' in text,
                 "Prometheus: loss ratio 1")
    except OSError as e:
        ck.check(False, "GET /metrics: %s" % e)
    con.cmd("quit")
    st.wait()


def test_ring(ck, st, stateful):
    if stateful:
        streams = [("sf", "stamp", 500, 5)]
    else:
        streams = [("sp", "stampede", 400, 4), ("st", "stamp", 300, 3), ("ok", "stampede", 300, 0)]
    probes = []
    for i, (name, mode, count, every) in enumerate(streams):
        p = {"name": name, "port": "ring", "mode": mode, "rate_pps": 2000, "count": count,
             "dst_mac": MAC, "src_port": 7000 + 10 * i, "loss_horizon_ms": 300,
             "impair": {"drop_every": every}}
        if mode == "stampede":
            p["reflected"] = True
        if stateful:
            p["reflector_stateful"] = True
        probes.append(p)
    # One instance sends and reflects: net_ring0 hands every frame it sends back to its RX. The
    # STAMP streams go to 862 (the Session-Reflector's port), the stampede ones to 7777: one
    # receiver mode per instance, so the two kinds need two runs.
    runs = [m for m in ("stampede", "stamp") if any(x[1] == m for x in streams)]
    for mode in runs:
        sel = [p for p in probes if p["mode"] == mode]
        rx = {"enabled": True, "reflect": True, "mode": mode, "rate_limit_pps": 0}
        if stateful:
            rx["stamp_stateful"] = True
        st.write_config({
            "eal": {"hugepages": False},
            "ports": [{"name": "ring", "device": "net_ring0"}],
            "probes": sel,
            "probe_rx": rx,
        })
        rc = st.run(["--duration", "3"], timeout=60)
        ck.eq(rc, 0, "%s run: exit code" % mode)
        s = st.stats()
        if s is None:
            ck.check(False, "stats.json readable")
            continue
        r = rows(s)
        for p in sel:
            name, count = p["name"], p["count"]
            dr = drops(count, p["impair"]["drop_every"])
            x = r.get((name, "rtt"), {})
            ck.eq((x.get("sent"), x.get("received"), x.get("lost"), x.get("pending")),
                  (count, count - len(dr), len(dr), 0),
                  "%s rtt: sent, received, lost (the model's drops, the last one %s), pending"
                  % (name, "dropped" if dr and dr[-1] == count - 1 else "kept"))
            want_pct = 100.0 * len(dr) / count
            ck.check(abs(x.get("loss_pct", -1) - want_pct) < 1e-9,
                     "%s rtt: loss %.3f %% (got %s)" % (name, want_pct, x.get("loss_pct")))
            if stateful:
                last = max(q for q in range(count) if q not in dr)
                fwd = len([q for q in dr if q < last])
                f, b = r.get((name, "forward"), {}), r.get((name, "backward"), {})
                ck.eq((f.get("sent"), f.get("lost")), (last + 1, fwd),
                      "%s forward: requests up to the last answered, lost below it" % name)
                ck.eq((b.get("sent"), b.get("lost")), (count - len(dr), 0),
                      "%s backward: the reflector's replies, none lost" % name)
        ftlib.check_accounting(ck, s)


def main():
    mode = sys.argv[2]
    ck = ftlib.Checker("probe_loss_" + mode)
    st = ftlib.Stampede(sys.argv[1], "probe-loss-" + mode)
    if mode == "noreply":
        test_noreply(ck, st)
    elif mode == "tail":
        test_ring(ck, st, False)
    elif mode == "stateful":
        test_ring(ck, st, True)
    elif mode == "views":
        test_views(ck, st)
    if ck.failed:
        st.show_output()
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
