#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: latency probes in one stampede.

  probe_loop.py STAMPEDE impair|rate|bps|badinput

impair   net_ring0 loops what is sent on it back to its RX: a probe stream with a deterministic
         impairment (drop every 10th, duplicate every 7th, swap every 5th pair) goes out and
         comes back to the receiver. The receiver's received / lost / duplicates / reordered
         must equal what a model of the impairment computes, exactly; the histogram summary
         must match the quantiles of the per-probe delays printed in verbose mode (within one
         bucket, never below); the accounting invariant must hold.
rate     net_null0 (no-rx): 100 kpps for 2 s. Generated must equal rate x the generator's own
         measured active time within 1 % (counters, not wall clock).
bps      the same paced in bit/s with the IMIX size mix.
badinput frames to the probe port that are not good probes (wrong magic, truncated, unknown
         version, stream id out of range) from a pcap: counted under their names, passed on.
"""

import re
import struct
import sys

import ftlib

RATE = 100000


def model(count, drop, dup, swap):
    """Sequences in the order they reach the receiver, and the expected counters."""
    sent = []
    for pos in range(count):
        seq = pos
        if swap >= 2:
            if (pos + 1) % swap == 0 and pos + 1 < count:
                seq = pos + 1
            elif pos > 0 and pos % swap == 0:
                seq = pos - 1
        if drop and (pos + 1) % drop == 0:
            continue
        sent.append(seq)
        if dup and (pos + 1) % dup == 0:
            sent.append(seq)
    seen, nxt, rx, dups, reord = set(), None, 0, 0, 0
    for s in sent:
        if s in seen:
            dups += 1
            continue
        if nxt is not None and s < nxt:
            reord += 1
        seen.add(s)
        rx += 1
        nxt = s + 1 if nxt is None or s + 1 > nxt else nxt
    lost = max(seen) - min(seen) + 1 - rx
    drops = sum(1 for p in range(count) if drop and (p + 1) % drop == 0)
    ndup = sum(1 for p in range(count) if dup and (p + 1) % dup == 0
               and not (drop and (p + 1) % drop == 0))
    return {"received": rx, "lost": lost, "duplicates": dups, "reordered": reord,
            "frames": len(sent), "drops": drops, "dups": ndup}


def quantile_ref(vals, q):
    """The exact q-quantile as lib/hist ranks it: the value of rank ceil(q * n)."""
    v = sorted(vals)
    rank = max(1, -(-int(q * len(v) * 1000000) // 1000000))
    return v[min(rank, len(v)) - 1]


def bucket_hi(v):
    if v < 256:
        return v
    e = v.bit_length() - 1
    w = 1 << (e - 8)
    return (v // w) * w + w - 1


def test_impair(ck, st):
    count, drop, dup, swap = 2000, 10, 7, 5
    want = model(count, drop, dup, swap)
    ftlib.log("model: %s" % want)
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "ring", "device": "net_ring0"}],
        "probes": [{"name": "p0", "port": "ring", "rate_pps": 20000, "count": count,
                    "flows": 4, "payload": "incrementing",
                    "impair": {"drop_every": drop, "duplicate_every": dup,
                               "swap_every": swap}}],
        "probe_rx": {"enabled": True, "verbose": True},
    })
    rc = st.run(["--duration", "1.5"], timeout=30)
    ck.eq(rc, 0, "exit code")
    s = st.stats()
    if s is None:
        ck.check(False, "stats.json readable")
        return
    lat = {(x["name"], x["direction"]): x for x in s.get("latency", [])}
    one = lat.get(("p0", "one-way"), {})
    for k in ("received", "lost", "duplicates", "reordered"):
        ck.eq(one.get(k), want[k], "latency p0 one-way " + k)
    ck.eq(one.get("far_future"), 0, "no far-future sequence")
    ck.eq(s["drops"].get("impair_drop"), want["drops"], "drops.impair_drop")
    ck.eq(s.get("replicated"), want["dups"], "replicated = impairment duplicates")
    ck.eq(s.get("generated"), count, "generated = count (duplicates are replicas)")
    ck.eq(s.get("consumed"), want["frames"], "consumed = every probe that came back")
    ftlib.check_accounting(ck, s, received=want["frames"], transmitted=want["frames"])
    # Histogram against the per-probe delays of the verbose lines.
    delays = [int(m.group(1)) for m in re.finditer(r"one-way .* delay_ns=(-?\d+)", st.out)]
    ck.eq(len(delays), want["received"] - 0, "one verbose line per measured probe")
    if not delays:
        return
    ds = [max(0, d) for d in delays]
    summ = one.get("delay_ns", {})
    ck.eq(summ.get("count"), len(ds), "histogram count")
    ck.eq(summ.get("min"), min(ds), "histogram min (exact)")
    ck.eq(summ.get("max"), max(ds), "histogram max (exact)")
    mean = sum(ds) / len(ds)
    ck.check(abs(summ.get("mean", -1) - mean) <= 0.01 * mean + 1, "histogram mean",
             "%s vs %.1f" % (summ.get("mean"), mean))
    for name, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("p99.9", 0.999),
                    ("p99.99", 0.9999)):
        ref = quantile_ref(ds, q)
        got = summ.get(name, -1)
        ck.check(ref <= got <= min(bucket_hi(ref), max(ds)), "histogram " + name,
                 "got %s, exact %d, bucket top %d" % (got, ref, bucket_hi(ref)))


def test_rate(ck, st, bps):
    probe = {"name": "r", "port": "null", "duration_s": 2}
    if bps:
        probe.update({"sizes": "imix", "rate_bps": 400000000})
    else:
        probe.update({"rate_pps": RATE, "size": 128})
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "null", "device": "net_null0,no-rx=1"}],
        "probes": [probe],
    })
    rc = st.run(["--duration", "3.5"], timeout=30)
    ck.eq(rc, 0, "exit code")
    s = st.stats()
    if s is None:
        ck.check(False, "stats.json readable")
        return
    p = s["probes"][0]
    act = p["active_s"]
    ck.check(1.9 < act < 2.1, "active time about 2 s (the generator's own measure)", act)
    ck.eq(p["running"], False, "stream finished after duration_s")
    if bps:
        want = 400000000 * act
        got = p["tx_bytes"] * 8
    else:
        want = RATE * act
        got = s["generated"]
        ck.eq(p["tx_packets"], s["generated"], "tx_packets = generated")
    ftlib.log("requested %.0f, generated %d, achieved rate %.1f" % (want, got,
                                                                   p["rate_achieved"]))
    ck.check(abs(got - want) <= 0.01 * want, "generated within 1 % of rate x active time",
             "%d vs %.0f" % (got, want))
    ftlib.check_accounting(ck, s, received=0, transmitted=s["generated"])


def probe_frame(payload, dport=7777):
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    udp_len = 8 + len(payload)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, 0, 0, 64, 17, 0,
                     bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))
    udp = struct.pack("!HHHH", 7000, dport, udp_len, 0)
    return eth + ip + udp + payload


def good_probe(seq, stream=0, version=1):
    return struct.pack("!IBBHQQQQ", 0x53545044, version, 1, stream, seq, 0, 0, 0)


def test_badinput(ck, st):
    frames = []
    frames += [probe_frame(b"XXXX" + b"\0" * 36)] * 3            # wrong magic
    frames += [probe_frame(good_probe(1)[:20])] * 2               # truncated
    frames += [probe_frame(good_probe(1)[:3])]                    # shorter than the magic
    frames += [probe_frame(good_probe(1, version=9))] * 4         # unknown version
    frames += [probe_frame(good_probe(1, stream=40))] * 5         # stream id out of range
    frames += [probe_frame(good_probe(s)) for s in (1, 2, 3)]     # good
    frames += [probe_frame(good_probe(1 << 40))]                  # far future: ignored
    frames += [probe_frame(good_probe(4))]
    ftlib.write_pcap_ns(st.path("in.pcap"), frames)
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"}],
        "probe_rx": {"enabled": True},
    })
    rc = st.run(["--exit-on-eof"], timeout=20)
    ck.eq(rc, 0, "exit code")
    s = st.stats()
    if s is None:
        ck.check(False, "stats.json readable")
        return
    ign = s["probe_rx"]["ignored"]
    ck.eq(ign["bad_magic"], 3, "ignored.bad_magic")
    ck.eq(ign["truncated"], 3, "ignored.truncated")
    ck.eq(ign["bad_version"], 4, "ignored.bad_version")
    ck.eq(ign["bad_stream"], 5, "ignored.bad_stream")
    lat = s.get("latency", [])
    ck.eq(len(lat), 1, "one measured stream")
    if lat:
        ck.eq(lat[0]["received"], 4, "4 good probes")
        ck.eq(lat[0]["far_future"], 1, "far-future sequence counted and ignored")
        ck.eq(lat[0]["lost"], 0, "no loss")
    ck.eq(s["consumed"], 5, "probes consumed (far future included)")
    ck.eq(s["drops"]["no_rule"], 15, "the malformed ones went on to the rules (no rule)")
    ftlib.check_accounting(ck, s, received=len(frames))


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "impair"
    ck = ftlib.Checker("probe_loop_" + mode)
    st = ftlib.Stampede(sys.argv[1], "probe-" + mode)
    if mode == "impair":
        test_impair(ck, st)
    elif mode == "rate":
        test_rate(ck, st, False)
    elif mode == "bps":
        test_rate(ck, st, True)
    elif mode == "badinput":
        test_badinput(ck, st)
    if ck.failed:
        st.show_output()
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
