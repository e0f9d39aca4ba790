#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: hardware TX stamps (T1) of probes against the truth, on the simulated NIC.

  simnic_txstamp.py STAMPEDE SIMNIC_SO MODE

net_stpsim0 runs in loopback (every frame sent comes back on its RX, stamped with the device
clock at the send) with a free-running 156.25 MHz clock at -40 ppm, and logs every frame sent
(tx_truth=): the sequence number at the probe's offset, the true UTC of the send and whether
the frame asked for a TX stamp. stampede sends one stream on it with probe_rx enabled and
reflecting, so each probe is measured once it comes back and again once its reflection comes
back; verbose lines say each measurement's T1 and its source (t1_src=hw|sw).

MODE
  probe   stampede probes (sequence at byte 50): one-way and RTT lines; a second stream on
          the port keeps software T1s (the port has one TX stamp register)
  stamp   STAMP (RFC 8762; 32-bit sequence at byte 42): the instance's own Session-Reflector
          answers, the sender measures rtt t1..t4; T3 stays the reflector's software stamp
          (the reflection is sent before the NIC could stamp it)

Checks, after a warm-up of WARMUP_S s (the device clock's calibration): every T1 that says
hw is within BOUND_NS of the simulator's true send time of that sequence (figures printed:
p50, p99, max of |T1 - truth|); hw T1s exist, and only for sequences the simulator saw asked
for a stamp; the latency view's t1_hw counts equal the verbose lines' hw counts; and (loopback:
the frame arrives when it leaves) a measurement with a hw T1 and the port's hw RX stamp has a
one-way (forward) delay within 2 * BOUND_NS of 0, where a software T1 is microseconds early.
"""

import re
import sys

import ftlib

PPS = 1000
COUNT = 4000
WARMUP_S = 1.0
BOUND_NS = 300
SIM = "hz=156250000,ppm=-40,offset=987654321"
SEQ_OFF = {"probe": 50, "stamp": 42}


def pct(v, q):
    s = sorted(v)
    return s[min(len(s) - 1, int(q * len(s)))]


def main():
    exe, simnic, mode = sys.argv[1:4]
    ck = ftlib.Checker("simnic_txstamp " + mode)
    st = ftlib.Stampede(exe, "sim17tx-" + mode)
    truth_path = st.path("tx_truth.txt")
    dev = "net_stpsim0,loopback=1,tx_truth=%s,tx_truth_off=%d,%s" % (truth_path, SEQ_OFF[mode],
                                                                       SIM)
    # A unicast destination and no rate limit: what the reflector answers (config/README.md).
    probe = {"name": "hw", "port": "sim", "rate_pps": PPS, "count": COUNT, "size": 128,
             "stream_id": 5, "dst_mac": "02:00:00:00:00:02"}
    rx = {"enabled": True, "reflect": True, "verbose": True, "rate_limit_pps": 0}
    if mode == "stamp":
        probe["mode"] = "stamp"
        rx["mode"] = "stamp"
    st.write_config({
        "eal": {"hugepages": False, "args": ["-d", simnic]},
        "ports": [{"name": "sim", "device": dev, "timestamp": "hw", "clock": "auto"}],
        "probes": [probe] + ([dict(probe, name="second", stream_id=6, rate_pps=100,
                                   count=COUNT // 10)] if mode == "probe" else []),
        "probe_rx": rx,
    })
    rc = st.run(["--duration", str(COUNT / PPS + 1.5)], timeout=60)
    ck.eq(rc, 0, "exit code")
    if rc != 0:
        st.show_output()
    ck.check("\"hw\": T1 from the NIC's TX stamps" in st.err,
             "the log says T1 comes from the NIC")
    if mode == "probe":
        ck.check("\"second\": T1 software: another stream on the port" in st.err,
                 "a second stream on the port: software T1 (one TX stamp register)")
        ck.check(re.search(r"^probe stream=6 .* t1_src=sw$", st.out, re.M) and
                 not re.search(r"^probe stream=6 .* t1_src=hw$", st.out, re.M),
                 "the second stream's lines all say t1_src=sw")

    # The simulator's truth: sequence -> (true UTC of the send) for frames that asked a stamp.
    truth, t0 = {}, None
    with open(truth_path) as f:
        for ln in f:
            field, utc, _ticks, stamped = map(int, ln.split())
            if t0 is None:
                t0 = utc
            if stamped:
                seq = field >> 32 if mode == "stamp" else field
                truth[seq] = utc
    ftlib.log("truth: %d stamped sends" % len(truth))

    if mode == "probe":
        pat = (r"^probe stream=5 seq=(\d+) (one-way|rtt) tx=(\d+) .*?(?:rx=(\d+) )?"
               r"(?:delay_ns|rtt_ns)=(-?\d+).* t1_src=(hw|sw)$")
    else:
        pat = (r"^stamp stream=5 seq=(\d+) (rtt) t1=(\d+) t2=(\d+) .* fwd_ns=(-?\d+) .* "
               r"t1_src=(hw|sw)$")
    lines = re.findall(pat, st.out, re.M)
    ck.check(len(lines) > 0, "verbose lines parsed (%d)" % len(lines))
    errs, near, far_sw, not_asked, n_hw = [], [], [], 0, {"one-way": 0, "rtt": 0}
    for ln in lines:
        seq, d, t1, src = int(ln[0]), ln[1], int(ln[2]), ln[5]
        if src != "hw":
            if mode == "stamp" or d == "one-way":
                far_sw.append(int(ln[4]))
            continue
        n_hw[d] += 1
        if seq not in truth:
            not_asked += 1
            continue
        if truth[seq] - t0 < WARMUP_S * 1e9:
            continue
        errs.append(t1 - truth[seq])
        if mode == "stamp" or d == "one-way":
            # one-way delay_ns (probe) or forward T2 - T1 (STAMP): hw RX stamp - hw T1
            near.append(int(ln[4]))
    # One stamp at a time (one latch): a burst of several probes has one hw T1 at most.
    ck.check(n_hw["one-way"] + n_hw["rtt"] > 0,
             "measurements with a hw T1 (%s of %d lines)" % (n_hw, len(lines)))
    ck.eq(not_asked, 0, "no hw T1 for a sequence the simulator did not stamp")
    a = [abs(e) for e in errs]
    if a:
        ftlib.log("FIGURES txstamp %s: n=%d |T1 - truth| p50 %d ns, p99 %d ns, max %d ns "
                  "(signed %+d..%+d)" % (mode, len(a), pct(a, .5), pct(a, .99), max(a),
                                         min(errs), max(errs)))
    bad = [e for e in errs if abs(e) > BOUND_NS]
    ck.check(errs and not bad, "|hw T1 - true send time| <= %d ns after warm-up (%d)"
             % (BOUND_NS, len(errs)), "%d over, worst %s" % (len(bad), max(bad, key=abs)
                                                             if bad else None))
    badn = [x for x in near if abs(x) > 2 * BOUND_NS]
    ck.check(near and not badn, "hw T1 to hw RX stamp of the looped frame within %d ns of 0 "
             "(%d)" % (2 * BOUND_NS, len(near)), "%d over: %s" % (len(badn), badn[:5]))
    if far_sw:
        ftlib.log("software T1 lines: %d, delay p50 %d ns" % (len(far_sw), pct(far_sw, .5)))
    s = st.stats()
    if s is not None:
        lat = {(x["name"], x["direction"]): x for x in s.get("latency", [])}
        dirs = ("one-way", "rtt") if mode == "probe" else ("rtt",)
        for d in dirs:
            ck.eq(lat.get(("hw", d), {}).get("t1_hw"), n_hw[d],
                  "latency %s t1_hw = verbose lines with t1_src=hw" % d)
        if mode == "probe":
            ck.eq(s["probes"][1].get("tx_timestamp"), "sw", "probes[1].tx_timestamp sw")
        g = s["probes"][0].get("hw_tx", {})
        ck.check(g.get("asked", 0) >= g.get("got", 0) > 0 and
                 g.get("asked") == g.get("got", 0) + g.get("lost", 0) +
                 g.get("implausible", 0) + g.get("pending", 0),
                 "probes[0].hw_tx: asked = got + lost + implausible + pending", str(g))
        ck.eq(g.get("asked"), len(truth),
              "hw_tx.asked = frames the simulator saw asking for a stamp")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
