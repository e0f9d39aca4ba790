#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the operator's side of the latency probes, on a running stampede.

  probe_ops.py STAMPEDE

stampede runs with two streams: "loop" (stampede probes on net_ring0, which hands them back to
the receiver: one-way latency measured) and "bulk" (net_null0, no RX), a console socket, the
Prometheus endpoint and --latency-json. Through the console socket:
  show probes / show latency / show latency loop   tables with both streams / the measured one;
  probe stop bulk     its tx_packets (telemetry /stampede/probes) do not move for 0.6 s, and
                      show probes says running "no";
  probe start bulk    it moves again (a second run);
  probe rate loop R   the packets it sends per second of its own active time (telemetry
                      tx_packets and active_s, read twice) follow R within 3 %;
  save latency loop F.json / F.csv   lib/hist JSON (count = received) and CSV;
  an unknown stream is an error that names it.
DPDK telemetry /stampede/latency,loop and /stampede/probes (dpdk-telemetry.py), Prometheus
stampede_probe_* families for both streams. After quit: the --latency-json export is plotted
with scripts/plot-latency into a PNG whose header and size are checked. Counts are compared
with the generator's own counters, never with wall-clock speed.
"""

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib

import console_lib as cl
import ftlib

HERE = os.path.dirname(os.path.abspath(__file__))
PLOT = os.path.join(HERE, "..", "..", "scripts", "plot-latency")


class Console:
    def __init__(self, path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.s.connect(path)
        cl.read_until(self.s, cl.PROMPT)

    def cmd(self, line):
        self.s.sendall((line + "\n").encode())
        out = cl.read_until(self.s, cl.PROMPT)
        ftlib.log("> %s\n%s" % (line, out.rstrip()))
        return out[:-len(cl.PROMPT)] if out.endswith(cl.PROMPT) else out


def telemetry(prefix, cmds):
    tool = shutil.which("dpdk-telemetry.py")
    if tool is None:
        return None
    r = subprocess.run([sys.executable, tool, "-f", prefix], input="\n".join(cmds) + "\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    out = {}
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.update(json.loads(line))
            except ValueError:
                pass
    return out


def probes_tel(prefix):
    """/stampede/probes: a flat dict "<stream>_<field>" (DPDK 22.11 telemetry)."""
    t = (telemetry(prefix, ["/stampede/probes"]) or {}).get("/stampede/probes", {})
    res = {}
    for name in ("loop", "bulk"):
        res[name] = {k[len(name) + 1:]: v for k, v in t.items() if k.startswith(name + "_")}
        if "running" in res[name]:
            res[name]["running"] = bool(res[name]["running"])
    return res


def probe_row(con, name):
    """(tx_packets, active_s) of a stream from show probes (active-s printed to the ms)."""
    out = con.cmd("show probes")
    m = re.search(r"^%s\s+\d+\s+\S+\s+\S+\s+\S+\s+\S+\s+[\d.]+\s+[\d.]+\s+(\d+)\s+([\d.]+)\s"
                  % name, out, re.M)
    return (int(m.group(1)), float(m.group(2))) if m else (0, 0.0)


def probe_rates(con, name):
    """(rate-last, rate-avg) of a stream from show probes, or None."""
    out = con.cmd("show probes")
    m = re.search(r"^%s\s+\d+\s+\S+\s+\S+\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)\s+\d+\s" % name,
                  out, re.M)
    return (float(m.group(1)), float(m.group(2))) if m else None


def plot_python():
    """A python that has matplotlib (scripts/plot-latency's one dependency), or None."""
    for py in ("/usr/bin/python3", sys.executable, shutil.which("python3")):
        if py and subprocess.run([py, "-c", "import matplotlib"], stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL).returncode == 0:
            return py
    return None


def config():
    """Stream loop on net_ring0 (measured on its way back), bulk into net_null0 (not)."""
    return {
        "eal": {"hugepages": False},
        "ports": [{"name": "ring", "device": "net_ring0"},
                  {"name": "null", "device": "net_null0,no-rx=1"}],
        "probes": [{"name": "loop", "port": "ring", "rate_pps": 2000, "stream_id": 4},
                   {"name": "bulk", "port": "null", "rate_pps": 5000, "stream_id": 5,
                    "size": 256}],
        "probe_rx": {"enabled": True, "ports": ["ring"]},
    }


def main():
    ck = ftlib.Checker("probe_ops")
    if shutil.which("dpdk-telemetry.py") is None:
        ftlib.skip("dpdk-telemetry.py is not installed (Debian package dpdk)")
    st = ftlib.Stampede(sys.argv[1], "probe-ops")
    st.write_config(config())
    sock = st.path("console.sock")
    st.start(["--console-socket", sock, "--metrics", "127.0.0.1:0",
              "--latency-json", st.path("lat.json")])
    url = st.metrics_url()
    ok = ck.check(url is not None, "stampede started")
    if not ok or not st.wait_path(sock):
        st.signal(15)
        st.wait()
        st.show_output()
        st.cleanup()
        ck.finish()
    time.sleep(0.8)
    con = Console(sock)

    out = con.cmd("show probes")
    ck.check(re.search(r"^loop\s+4\s+ring\s+yes\s+pps\s+2000\s", out, re.M) is not None,
             "show probes: loop, id 4, on ring, running, 2000 pps")
    ck.check(re.search(r"^bulk\s+5\s+null\s+yes\s+pps\s+5000\s", out, re.M) is not None,
             "show probes: bulk running at 5000 pps")
    out = con.cmd("show latency")
    ck.check(re.search(r"^loop\s+4\s+one-way\s+\d+\s+0\s", out, re.M) is not None,
             "show latency: loop one-way, no loss")
    ck.check("valid when the two clocks are synchronised" in out, "one-way note printed")
    ck.check(re.search(r"^bulk\s", out, re.M) is None, "bulk (no RX) is not measured")
    out = con.cmd("show latency 4")
    ck.check(re.search(r"^loop\s+4\s+one-way", out, re.M) is not None, "show latency by id")
    out = con.cmd("show latency nosuch")
    ck.check(re.search(r"^loop", out, re.M) is None, "show latency nosuch: nothing listed")

    # stop: nothing more generated
    out = con.cmd("probe stop bulk")
    ck.check("probe bulk: stopped" in out, "probe stop bulk acknowledged")
    time.sleep(0.2)
    a = probes_tel(st.prefix).get("bulk", {})
    time.sleep(0.6)
    b = probes_tel(st.prefix).get("bulk", {})
    ck.check(a.get("tx_packets", 0) > 0, "bulk sent before the stop", str(a.get("tx_packets")))
    ck.eq(b.get("tx_packets"), a.get("tx_packets"), "stopped stream generates nothing")
    ck.eq(b.get("running"), False, "telemetry: bulk not running")
    out = con.cmd("show probes")
    ck.check(re.search(r"^bulk\s+5\s+null\s+no\s", out, re.M) is not None,
             "show probes: bulk running no")
    out = con.cmd("probe start bulk")
    ck.check("probe bulk: started" in out, "probe start bulk acknowledged")
    time.sleep(0.5)
    c = probes_tel(st.prefix).get("bulk", {})
    ck.check(c.get("tx_packets", 0) > b.get("tx_packets", 0), "bulk generates again")
    ck.eq(c.get("runs"), 2, "a second run")

    # rate: the count per second of the generator's own active time follows it
    out = con.cmd("probe rate loop 10000")
    ck.check("probe loop: rate 10000" in out, "probe rate acknowledged")
    time.sleep(0.3)
    tx1, act1 = probe_row(con, "loop")
    time.sleep(1.5)
    tx2, act2 = probe_row(con, "loop")
    p2 = probes_tel(st.prefix).get("loop", {})
    dt = act2 - act1
    rate = (tx2 - tx1) / dt if dt > 0 else 0
    ftlib.log("loop: %.0f pps over %.3f s of its active time" % (rate, dt))
    ck.check(abs(rate - 10000) <= 300, "new rate within 3 % (counters over active time)", str(rate))
    ck.eq(p2.get("rate_requested"), 10000, "telemetry rate_requested")

    # max, then a paced rate again: the stream goes on at once (it stalled: all that max had
    # sent was owed to the new rate first)
    out = con.cmd("probe rate bulk max")
    ck.check("probe bulk: rate max" in out, "probe rate bulk max acknowledged", out.strip())
    time.sleep(0.3)
    out = con.cmd("probe rate bulk 1000")
    ck.check("probe bulk: rate 1000" in out, "probe rate bulk 1000 acknowledged", out.strip())
    time.sleep(0.1)
    d = probes_tel(st.prefix).get("bulk", {})
    time.sleep(0.6)
    e = probes_tel(st.prefix).get("bulk", {})
    ftlib.log("bulk after max -> 1000: tx_packets %s -> %s" % (d.get("tx_packets"),
                                                            e.get("tx_packets")))
    ck.check(e.get("tx_packets", 0) > d.get("tx_packets", 0),
             "after rate max then 1000, bulk still sends")
    ck.eq(e.get("running"), True, "bulk still running")
    # The rate over the last interval and the lifetime average are two columns: once a whole
    # window passed with the stream stopped, the first is 0 and the second is not.
    con.cmd("probe stop bulk")
    probe_rates(con, "bulk")
    time.sleep(1.2)
    probe_rates(con, "bulk")
    time.sleep(1.2)
    r = probe_rates(con, "bulk")
    ck.check(r is not None and r[0] == 0.0 and r[1] > 0,
             "show probes: stopped bulk: rate-last 0, rate-avg > 0", str(r))
    t = probes_tel(st.prefix).get("bulk", {})
    ck.check(t.get("rate_last") == 0 and t.get("rate_achieved", 0) > 0,
             "telemetry /stampede/probes: rate_last 0, rate_achieved > 0",
             str((t.get("rate_last"), t.get("rate_achieved"))))
    con.cmd("probe start bulk")

    out = con.cmd("probe rate nosuch 10")
    ck.check("nosuch" in out and "error" in out.lower(), "probe rate on an unknown stream: error")

    # exports
    out = con.cmd("save latency loop %s" % st.path("loop.json"))
    ck.check("saved 1 histogram" in out, "save latency .json")
    out = con.cmd("save latency loop %s" % st.path("loop.csv"))
    ck.check("saved 1 histogram" in out, "save latency .csv")
    try:
        h = json.load(open(st.path("loop.json")))
        ck.check(h["unit"] == "ns" and h["summary"]["count"] > 0 and
                 sum(b[2] for b in h["buckets"]) == h["summary"]["count"],
                 "saved JSON: lib/hist histogram, buckets add up to count")
    except (OSError, ValueError, KeyError) as e:
        ck.check(False, "saved JSON readable", str(e))
    try:
        lines = open(st.path("loop.csv")).read().splitlines()
        ck.check(any(x.startswith("# loss direction=one-way ") for x in lines),
                 "saved CSV: the loss as a comment line")
        lines = [x for x in lines if not x.startswith("#")]
        ck.eq(lines[0], "lo_ns,hi_ns,count,cumulative_fraction", "saved CSV header")
        ck.check(len(lines) > 1 and abs(float(lines[-1].split(",")[3]) - 1.0) < 1e-6,
                 "saved CSV ends at cumulative fraction 1")
    except (OSError, IndexError, ValueError) as e:
        ck.check(False, "saved CSV readable", str(e))

    # telemetry
    t = telemetry(st.prefix, ["/stampede/latency,loop", "/stampede/latency"]) or {}
    lat = t.get("/stampede/latency", {})
    ck.check(lat.get("loop_one_way_stream_id") == 4 and lat.get("loop_one_way_lost") == 0 and
             lat.get("loop_one_way_delay_ns_count", 0) > 0 and
             lat.get("loop_one_way_delay_ns_count") == lat.get("loop_one_way_received") and
             "loop_one_way_delay_ns_p99_9" in lat and
             not any(k.startswith("bulk") for k in lat),
             "telemetry /stampede/latency,loop: one-way, no loss, histogram summary",
             str(lat)[:300])

    # Prometheus
    try:
        text = urllib.request.urlopen(url, timeout=10).read().decode()
    except OSError as e:
        text = ""
        ck.check(False, "GET /metrics", str(e))
    ftlib.promtool_check(ck, text, "/metrics with probe streams")
    for fam, stream in (("stampede_probe_tx_packets_total", "loop"),
                        ("stampede_probe_tx_packets_total", "bulk"),
                        ("stampede_probe_rate_requested", "loop"),
                        ("stampede_probe_rate_achieved", "bulk"),
                        ("stampede_probe_received_packets_total", "loop"),
                        ("stampede_probe_delay_seconds", "loop"),
                        ("stampede_probe_delay_seconds_count", "loop"),
                        ("stampede_probe_jitter_seconds", "loop")):
        ck.check(re.search(r'^%s\{[^}]*stream="%s"[^}]*\} \d' % (fam, stream), text, re.M)
                 is not None, "prometheus %s{stream=%s}" % (fam, stream))
    ck.check(re.search(r'^stampede_probe_rate_requested\{[^}]*stream="loop"[^}]*\} 10000$',
                       text, re.M) is not None, "prometheus: loop's requested rate is 10000")

    con.cmd("quit")
    rc = st.wait(timeout=30)
    ck.eq(rc, 0, "exit code after quit")
    s = st.stats()
    if s is not None:
        ftlib.check_accounting(ck, s)

    # scripts/plot-latency on the real --latency-json export
    py = plot_python()
    if py is None:
        ftlib.log("no python3 with matplotlib: plot-latency not run (Debian python3-matplotlib)")
    else:
        r = subprocess.run([py, PLOT, st.path("lat.json"), "-o", st.path("lat.png")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
        ftlib.log("plot-latency: rc %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
        ck.eq(r.returncode, 0, "plot-latency exit code")
        ck.check("loop" in r.stdout, "plot-latency printed the stream's summary")
        try:
            png = open(st.path("lat.png"), "rb").read()
        except OSError:
            png = b""
        ok = png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
        ck.check(ok, "a PNG file")
        if ok:
            w, hgt = struct.unpack("!II", png[16:24])
            ck.check(w >= 400 and hgt >= 300, "PNG size %dx%d" % (w, hgt))
            ck.eq(zlib.crc32(png[12:29]) & 0xffffffff, struct.unpack("!I", png[29:33])[0],
                  "IHDR CRC")
            ck.check(png.endswith(b"IEND\xaeB`\x82"), "PNG ends with IEND")
    if ck.failed:
        st.show_output()
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
