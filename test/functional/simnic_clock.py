#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: hardware stamps against the truth, on the simulated timestamping NIC.

  simnic_clock.py STAMPEDE SIMNIC_SO RTSHIM_SO MODE

net_stpsim (test/simnic) stamps every frame with its simulated device clock and writes the
frame's true arrival time (UTC ns, from the same instant) into the frame at byte 42, the UDP
payload. stampede captures the frames to a pcapng file with its converted stamps; the test reads
every packet's stamp and the truth in its bytes and checks |stamp - truth| against the bound the
mode states, after a warm-up (frames in the first WARMUP_S seconds are reported, not bounded).
It prints the error's p50, p99 and max per mode: the figures the README quotes.

MODE (device clock parameters in SIM below):
  drift     free-running 156.25 MHz clock at -95 ppm, its drift changing by 0.5 ppm/s
  dstep     +60 ppm, then a drift step of -40 ppm 4 s after the first frame (frames from 3 to
            6 s after the first: reported, bounded by STEP_BOUND_NS). The simulator used to
            step 4 s after its probe: when stampede took over 1 s from there to its first
            frame (a loaded machine), the step fell before the excluded window
  wrap      a 32-bit 1 GHz counter (wraps every 4.29 s), starting 2 s before its wrap;
            the port says "clock_bits": 32
  rtstep    CLOCK_REALTIME stepped +2.5 s at 4 s (LD_PRELOAD shim): stamps follow UTC; frames
            within 0.2 s after the step are reported, not bounded
  rtback    the same, stepped back 1.5 s
  latency   read_clock takes 2 us + up to 1 us jitter per side (every 8th read 10 us more)
  tai       real-time TAI clock, kernel TAI offset 37 (shim), clock "auto": detected as TAI
  utc       real-time UTC clock, clock "auto": detected as UTC
  tai-unset real-time TAI clock, kernel TAI offset not set: "auto" is a config error naming
            ports[0].clock; "tai" too; "utc" names the 37 s difference
  ops       a 156.25 MHz clock at +42 ppm, 4 s into the run: show timestamps (console socket)
            and GET /metrics (stampede_port_clock_*) give the kind "free", a fitted frequency
            within 0.1 ppm of the simulator's 156250000 * (1 + 42e-6), a last error within the
            bound, samples taken and no step
Besides the bound, every mode checks: every frame counted timestamps.hw, converted time never
runs backwards in capture order (except across a step of CLOCK_REALTIME back), and show
timestamps / --stats-json report the port's clock.
"""

import os
import struct
import sys

import ftlib

ftlib.need_scapy()
import rules_lib  # noqa: E402
from scapy.all import IP, UDP, Ether, Raw  # noqa: E402

TRUTH_OFF = 42
PPS = 1000
WARMUP_S = 1.0
# Stated bound after warm-up, per mode (the measured figures are printed; README quotes them):
# the target is 100 ns; the margin is for a loaded 2-CPU machine. A jittery read_clock bounds
# the midpoint of a sample only to half the difference of its two halves.
BOUND_NS = 300
BOUNDS = {"latency": 1000}
STEP_BOUND_NS = 20000

SIM = {
    "drift": "hz=156250000,ppm=-95,ppm_rate=0.5,offset=123456789",
    "dstep": "hz=156250000,ppm=60,ppm_step=-40,ppm_step_at=4",
    "wrap": "hz=1000000000,bits=32,offset=%d" % (2**32 - 2 * 10**9),
    "rtstep": "hz=250000000,ppm=20",
    "rtback": "hz=250000000,ppm=20",
    "latency": "hz=156250000,ppm=30,read_ns=2000,read_jitter_ns=1000",
    "tai": "mode=tai,tai=37",
    "utc": "mode=utc",
    "tai-unset": "mode=tai,tai=37",
    "ops": "hz=156250000,ppm=42",
}
SECONDS = {"dstep": 8, "wrap": 9, "rtstep": 7, "rtback": 7}
SHIM = {"rtstep": {"STPSIM_RT_STEP": "4:2500000000"},
        "rtback": {"STPSIM_RT_STEP": "4:-1500000000"},
        "tai": {"STPSIM_TAI": "37"}}


def frames():
    out = []
    for i in range(100):
        pkt = Ether(src="02:00:00:00:01:01", dst="02:00:00:00:01:02") / \
            IP(src="10.17.0.1", dst="10.17.0.2") / UDP(sport=1700, dport=1701) / \
            Raw(b"\0" * 8 + bytes([i]) * (14 + i % 40))
        out.append(bytes(pkt))
    return out


def pct(v, q):
    s = sorted(v)
    return s[min(len(s) - 1, int(q * len(s)))]


def figures(name, errs):
    a = [abs(e) for e in errs]
    if not a:
        return "%s: no frames" % name
    return ("%s: n=%d |err| p50 %d ns, p99 %d ns, max %d ns (signed %+d..%+d)"
            % (name, len(a), pct(a, .5), pct(a, .99), max(a), min(errs), max(errs)))


def config(st, mode, sim, clock, secs):
    dev = "net_stpsim0,rx_pcap=%s,count=%d,pps=%d,truth_off=%d,%s" % (
        st.path("in.pcap"), secs * PPS, PPS, TRUTH_OFF, sim)
    st.write_config({
        "eal": {"hugepages": False, "args": ["-d", SIMNIC]},
        "ports": [dict({"name": "sim", "device": dev, "timestamp": "hw", "clock": clock},
                       **({"clock_bits": 32} if mode == "wrap" else {}))],
        "outputs": [{"name": "cap", "type": "pcapng", "path": st.path("cap.pcapng")}],
        "rules": [{"name": "all", "action": "forward", "out": "cap"}],
    })


def preload(exe):
    """LD_PRELOAD for the shim: a sanitizer runtime the binary links must come first (ASan
    refuses to start otherwise: scripts/test-sanitize.sh)."""
    import subprocess
    libs = []
    try:
        out = subprocess.run(["ldd", exe], stdout=subprocess.PIPE, text=True).stdout
    except OSError:
        out = ""
    for ln in out.splitlines():
        parts = ln.split()
        if len(parts) >= 3 and parts[0].startswith(("libasan.", "libubsan.")) and \
                parts[1] == "=>":
            libs.append(parts[2])
    return " ".join(libs + [RTSHIM])


def run(ck, st, mode, sim, clock="auto", env=None, secs=6, expect_rc=0):
    config(st, mode, sim, clock, secs)
    old = dict(os.environ)
    os.environ.update(env or {})
    if env:
        os.environ["LD_PRELOAD"] = preload(st.exe)
    try:
        rc = st.run(["--duration", str(secs + 1.5)], timeout=secs + 30)
    finally:
        os.environ.clear()
        os.environ.update(old)
    if rc != expect_rc:
        st.show_output()
    return rc


def ops(ck, st):
    """show timestamps and /metrics against the simulator's parameters, mid-run."""
    import re
    import socket
    import time
    import urllib.request

    import console_lib as cl

    want_hz = 156250000 * (1 + 42e-6)
    config(st, "ops", SIM["ops"], "auto", 8)
    path = st.path("console.sock")
    st.start(["--duration", "8", "--metrics", "127.0.0.1:0", "--console-socket", path])
    ck.check(st.wait_line("stampede: metrics at http://", timeout=30), "metrics URL printed")
    m = re.search(r"stampede: metrics at (http://127\.0\.0\.1:\d+/metrics)", "".join(st._lines))
    time.sleep(4)
    text = ""
    if m:
        with urllib.request.urlopen(m.group(1), timeout=10) as r:
            text = r.read().decode()
    prom = {}
    for ln in text.splitlines():
        mm = re.match(r'(stampede_port_clock_\w+)\{port="sim"\} (\S+)$', ln)
        if mm:
            prom[mm.group(1)] = float(mm.group(2))
    hz = prom.get("stampede_port_clock_frequency_hertz", 0)
    ck.check(abs(hz / want_hz - 1) < 0.1e-6, "Prometheus: frequency %.3f Hz within 0.1 ppm of "
             "the simulator's %.3f" % (hz, want_hz))
    err = prom.get("stampede_port_clock_last_error_seconds")
    ck.check(err is not None and abs(err) <= BOUND_NS * 1e-9,
             "Prometheus: last error %s s within %d ns" % (err, BOUND_NS))
    ck.check(prom.get("stampede_port_clock_samples_total", 0) >= 20,
             "Prometheus: >= 20 samples in 4 s (%s)" % prom.get("stampede_port_clock_samples_total"))
    ck.eq(prom.get("stampede_port_clock_steps_total"), 0.0, "Prometheus: no step")
    ck.check("# TYPE stampede_port_clock_offset_seconds gauge" in text,
             "Prometheus: offset family with its TYPE line")
    import shutil
    import subprocess
    if shutil.which("promtool"):
        r = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        ck.eq(r.returncode, 0, "promtool check metrics accepts the clock families " + r.stdout)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    cl.read_until(s, cl.PROMPT)
    s.sendall(b"show timestamps\n")
    t = cl.read_until(s, cl.PROMPT)
    s.close()
    ftlib.log(t)
    body = t.split("\n", 2)[-1] if "\n" in t else t
    rows = cl.table(body.split(cl.PROMPT)[0])
    r = cl.row(rows, "port", "sim")
    ck.eq(r.get("source"), "hw", "show timestamps: source hw")
    ck.eq(r.get("clock"), "free", "show timestamps: clock free")
    try:
        shz = float(r.get("hz", "0"))
        serr = int(r.get("error_ns", "x"))
    except ValueError:
        shz, serr = 0, None
    ck.check(abs(shz / want_hz - 1) < 0.1e-6, "show timestamps: hz %.3f within 0.1 ppm" % shz)
    ck.check(serr is not None and abs(serr) <= BOUND_NS,
             "show timestamps: error_ns %s within %d ns" % (serr, BOUND_NS))
    ck.check("stamped: " in t, "show timestamps: packets per source")
    rc = st.wait(30)
    ck.eq(rc, 0, "stampede exit code")
    st.cleanup()
    ck.finish()


def main():
    global SIMNIC, RTSHIM
    exe, SIMNIC, RTSHIM, mode = sys.argv[1:5]
    ck = ftlib.Checker("simnic_clock " + mode)
    if not os.path.exists(SIMNIC):
        ftlib.skip("no simulated NIC " + SIMNIC + " (scripts/setup-driver-sdk.sh)")
    st = ftlib.Stampede(exe, "sim17-" + mode)
    ftlib.write_pcap_ns(st.path("in.pcap"), frames())

    if mode == "ops":
        ops(ck, st)
    if mode == "tai-unset":
        for clock, want in (("auto", "ports[0].clock: \"auto\""),
                            ("tai", "ports[0].clock: \"tai\", but the kernel's TAI offset"),
                            ("utc", "ports[0].clock: \"utc\", but the device clock")):
            rc = run(ck, st, mode, SIM[mode], clock=clock, env={"STPSIM_TAI": "0"}, secs=1,
                     expect_rc=1)
            ck.eq(rc, 1, "clock \"%s\" on a TAI clock, kernel TAI offset unset: exit 1" % clock)
            ck.check(want in st.err, "the error names the path: " + want, st.err[-300:])
        ck.check("+37.0" in st.err, "and says how far the clock is: +37.0 s", st.err[-300:])
        st.cleanup()
        ck.finish()

    secs = SECONDS.get(mode, 6)
    rc = run(ck, st, mode, SIM[mode], env=SHIM.get(mode), secs=secs)
    ck.eq(rc, 0, "stampede exit code")
    try:
        ng = rules_lib.read_pcapng(st.path("cap.pcapng"))
    except (OSError, rules_lib.PcapngError) as e:
        ck.check(False, "cap.pcapng readable", str(e))
        ck.finish()
    pk = ng["packets"]
    ck.eq(len(pk), secs * PPS, "every frame the simulator sent was captured")
    truth = [struct.unpack(">Q", p["data"][TRUTH_OFF:TRUTH_OFF + 8])[0] for p in pk]
    stamp = [p["ts_ns"] for p in pk]
    errs = [s - t for s, t in zip(stamp, truth)]
    t0 = truth[0] if truth else 0
    stepped = [i for i in range(1, len(truth)) if abs(truth[i] - truth[i - 1]) > 10**9]
    warm, excl = [], []
    for i, (t, e) in enumerate(zip(truth, errs)):
        if mode in ("rtstep", "rtback") and stepped and stepped[0] <= i:
            since = t - truth[stepped[0]]
            (excl if since < 200 * 10**6 else warm).append(e)
        elif t - t0 < WARMUP_S * 1e9:
            continue
        elif mode == "dstep" and 3 * 10**9 <= t - t0 < 6 * 10**9:
            excl.append(e)
        else:
            warm.append(e)
    log = ftlib.log
    log("FIGURES " + figures(mode + " after warm-up", warm))
    if excl:
        log("FIGURES " + figures(mode + " transition", excl))
    if mode in ("rtstep", "rtback"):
        old = [e for e in excl if abs(e) > 10**6]
        log("FIGURES %s: %d frames (%d ms at %d pps) stamped on the old UTC before the step "
            "was seen" % (mode, len(old), len(old) * 1000 // PPS, PPS))
    log("FIGURES " + figures(mode + " first %.0f s" % WARMUP_S,
                             [e for t, e in zip(truth, errs) if t - t0 < WARMUP_S * 1e9]))
    bound = BOUNDS.get(mode, BOUND_NS)
    bad = [e for e in warm if abs(e) > bound]
    if bad:
        st.show_output()
        worst = max(range(len(errs)), key=lambda i: abs(errs[i]))
        ftlib.log("worst frame %d at %.3f s: err %d" % (worst, (truth[worst] - t0) / 1e9,
                                                       errs[worst]))
    ck.check(warm and not bad, "|stamp - truth| <= %d ns after warm-up (%d frames)"
             % (bound, len(warm)), "%d over, worst %s" % (len(bad), max(bad, key=abs)
                                                                 if bad else None))
    if mode == "dstep":
        badx = [e for e in excl if abs(e) > STEP_BOUND_NS]
        ck.check(not badx, "within 2 s after the drift step: |err| <= %d ns" % STEP_BOUND_NS,
                 "%d over" % len(badx))
    if mode in ("rtstep", "rtback"):
        ck.eq(len(stepped), 1, "the truth shows one step of CLOCK_REALTIME")
    back = [i for i in range(1, len(stamp)) if stamp[i] < stamp[i - 1]]
    if mode == "rtback" and stepped:
        back = [i for i in back if not stepped[0] <= i <= stepped[0] + 300]
    ck.check(not back, "converted stamps never run backwards in capture order",
             "%d times, first at %s" % (len(back), back[:3]))
    s = st.stats()
    if s is not None:
        ck.eq(s.get("timestamps", {}).get("hw"), secs * PPS, "timestamps.hw: every frame")
    want_kind = mode if mode in ("tai", "utc") else "free"
    ck.check(("counts " + want_kind) in st.err or
             (want_kind == "free" and "counts free-running" in st.err),
             "the log says what the device clock counts: " + want_kind)
    if mode in ("rtstep", "rtback"):
        ck.check("CLOCK_REALTIME stepped by %+.3f" % (2.5 if mode == "rtstep" else -1.5)
                 in st.err, "the step is logged with its size")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
