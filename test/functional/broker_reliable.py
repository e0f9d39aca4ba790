#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: reliable stampede outputs (lib/encap/README.md, "Reliable outputs").

  broker_reliable.py STAMPEDE ack|window|replay|observe|durable

ack: an edge (node 7, output "sp" reliable) reads 30 frames of 1000 bytes (one datagram each)
and, on its output's port, an acknowledgement datagram from the consumer (192.0.2.9:48879,
node 7 stream 0): ACK [0, 19] and NACK [25, 25]. (One RX lcore polls "in" then "out": the 30
frames, one burst, are sent before the acknowledgement is read.) The 20 acknowledged
datagrams are released, datagram 25 is sent again (31 datagrams out, 25 twice), and at stop the
10 still held (20..29) go to the spool: the spool holds exactly records 20..29.
window: resend_window_s 1, 20 frames, no consumer, the edge runs 3 s: every datagram is
dead-lettered by the window (dead_window == 20), the spool holds records 0..19 and tshark reads
it (20 packets). End to end: captured 20 == spool 20 + named drops 0.
replay: a new edge re-sends that spool with the console command `replay sp FILE`: its output
holds the spool's 20 datagrams byte for byte (replayed 20). A collector reads them minus
datagram 5: it outputs the other 19 frames == the originals, and answers the edge with
acknowledgements covering exactly 0..4 and 6..19 and one NACK [5, 5].
durable: 40 reliable datagrams of an edge, read by a collector whose capture output is durable
(fdatasync every 10 ms), run three times under strace: with fdatasync working, its
acknowledgements cover exactly 0..39 and strace saw fdatasync return 0; with every fdatasync
failed by strace (inject=fdatasync:error=EIO), not one number is acknowledged although the file
holds all 40 frames (capinfos); a non-durable output under the same injection acknowledges
0..39 and calls no fdatasync at all. So acknowledgements wait for fdatasync, and only then.
observe: the ack scenario with resend_window_s 1, run with the console and --metrics until the
10 held datagrams are dead-lettered: show nodes (reliable row, acknowledgement line), telemetry
/stampede/nodes (output_sp reliable_*, transport_*) and Prometheus stampede_broker_reliable_*
show sent 30, acknowledged 20, resent 1, dead_lettered 10, replayed 0, held 0, no drops, as the
final --stats-json does.
The invariant received + replicated + generated == transmitted + captured + consumed + dropped
holds exactly in every run.
"""

import os
import struct
import sys

import ftlib
import rules_lib
import sphlib

T0 = 1700000000999990001
NODE = 7
EDGE_MAC = "02:00:00:00:00:07"
PEER_MAC = "02:00:00:00:00:09"


def frames(n):
    return [struct.pack("!6s6sH", bytes.fromhex("020000000201"), bytes([2, 0, 0, 0, 1, i]),
                        0x0800) + bytes([i]) * (1000 - 14) for i in range(n)]


def ctrl_frame(items, node=NODE):
    """A consumer's acknowledgement datagram: items (type 4 ACK | 5 NACK, stream, first, last)."""
    tlvs = b""
    for typ, stream, first, last in items:
        if typ == 4:
            tlvs += struct.pack("!BBHQQ", 4, 18, stream, first, last)
        else:
            tlvs += struct.pack("!BBHQI", 5, 14, stream, first, last - first + 1)
    rec = sphlib.FIX.pack(sphlib.MAGIC, 1, sphlib.F_CTRL, sphlib.FIXED + len(tlvs), 0, 0, node,
                          0, 0, 0, 0, 0, 0) + tlvs
    udp = struct.pack("!HHHH", 48879, 48879, 8 + len(rec), 0) + rec
    ip = ftlib.ipv4(bytes([192, 0, 2, 9]), bytes([192, 0, 2, 1]), 17, udp)
    return (bytes.fromhex(EDGE_MAC.replace(":", "")) + bytes.fromhex(PEER_MAC.replace(":", "")) +
            b"\x08\x00" + ip)


def parse_ctrl(outer):
    """(acks, nacks) in a collector's answers: lists of (node, stream, first, last)."""
    acks, nacks = [], []
    for f in outer:
        dg = sphlib.datagram_of(f)
        if dg is None:
            continue
        for r in sphlib.decode_records(dg):
            if not r["flags"] & sphlib.F_CTRL:
                continue
            hl = struct.unpack_from("!H", dg, 4)[0]
            t = sphlib.FIXED
            while t < hl:
                typ, ln = dg[t], dg[t + 1]
                v = dg[t + 2:t + 2 + ln]
                if typ == 4:
                    stream = struct.unpack_from("!H", v)[0]
                    for k in range((ln - 2) // 16):
                        first, last = struct.unpack_from("!QQ", v, 2 + 16 * k)
                        acks.append((r["node"], stream, first, last))
                elif typ == 5:
                    stream, first, cnt = struct.unpack("!HQI", v)
                    nacks.append((r["node"], stream, first, first + cnt - 1))
                t += 2 + ln
    return acks, nacks


def edge_config(extra_out=None, inp="in.pcap", acks=None):
    """The edge; @acks: a pcap the output's port reads (what the consumer answers)."""
    out = {"name": "sp", "type": "stampede", "port": "out", "dst_mac": PEER_MAC,
           "src_ip": "192.0.2.1", "dst_ip": "192.0.2.9", "reliable": True,
           "spool": "spool.pcapng"}
    out.update(extra_out or {})
    return rules_lib.base_config(
        [{"name": "in", "device": "net_pcap0,rx_pcap=" + inp},
         {"name": "out", "device": "net_pcap1," + ("rx_pcap=%s," % acks if acks else "") +
          "tx_pcap=out.pcap", "timestamp": "none"}],
        node={"id": NODE}, outputs=[out],
        rules=[{"name": "all", "in": ["in"], "action": "forward", "out": "sp"}])


def records_of(ck, path, label):
    try:
        pk = rules_lib.read_pcapng(path)["packets"]
    except (OSError, ValueError, rules_lib.PcapngError) as e:
        ck.check(False, label + ": spool readable", str(e))
        return [], []
    outer = [p["data"] for p in pk]
    recs = []
    for o in outer:
        dg = sphlib.datagram_of(o)
        recs += sphlib.decode_records(dg) if dg is not None else []
    return outer, recs


def rel_stats(s):
    return (s or {}).get("broker", {}).get("outputs", {}).get("sp", {}).get("reliable", {})


def run_ack(ck, exe):
    st = ftlib.Stampede(exe, "broker-rel-ack")
    fr = frames(30)
    ctrl = ctrl_frame([(4, 0, 0, 19), (5, 0, 25, 25)])
    ftlib.write_pcap_ns(st.path("in.pcap"), fr, T0, 1001)
    ftlib.write_pcap_ns(st.path("acks.pcap"), [ctrl], T0 + 10**6, 1001)
    st.write_config(edge_config(acks="acks.pcap"))
    rc = st.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "ack: exit code")
    outer = rules_lib.port_frames(ck, st.path("out.pcap"))
    seqs = []
    for o in outer:
        seqs += [r["seq"] for r in sphlib.decode_records(sphlib.datagram_of(o))]
    ck.eq(sorted(seqs), sorted(list(range(30)) + [25]), "ack: 30 datagrams, and 25 resent")
    ck.check(all(r["flags"] & 0x08 for o in outer
                 for r in sphlib.decode_records(sphlib.datagram_of(o))),
             "ack: records flagged RELIABLE (0x08)")
    _, recs = records_of(ck, st.path("spool.pcapng"), "ack")
    ck.eq([r["seq"] for r in recs], list(range(20, 30)), "ack: spool holds 20..29 (held at stop)")
    s = st.stats()
    ftlib.check_accounting(ck, s, received=31, transmitted=31, drops={}, label="ack: ")
    rs = rel_stats(s)
    ck.eq((rs.get("sent"), rs.get("acknowledged"), rs.get("resent"), rs.get("dead_lettered"),
           rs.get("dead_at_stop"), rs.get("acks_received"), rs.get("nacks_received")),
          (30, 20, 1, 10, 10, 1, 1),
          "ack: sent, acknowledged, resent, dead_lettered, dead_at_stop, acks, nacks")
    ck.eq((s or {}).get("consumed"), 31, "ack: 30 originals + 1 acknowledgement consumed")
    st.cleanup()


def run_window(ck, exe):
    st = ftlib.Stampede(exe, "broker-rel-window")
    fr = frames(20)
    ftlib.write_pcap_ns(st.path("in.pcap"), fr, T0, 1001)
    st.write_config(edge_config({"resend_window_s": 1}))
    rc = st.run(["--duration", "3"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "window: exit code")
    spool_outer, recs = records_of(ck, st.path("spool.pcapng"), "window")
    ck.eq([r["seq"] for r in recs], list(range(20)), "window: spool holds records 0..19")
    got, _ = sphlib.frames_of(spool_outer)
    ftlib.compare_frames(ck, got, fr, "window: spooled frames")
    ok, n, err = rules_lib.capinfos_count(st.path("spool.pcapng"))
    ck.check(ok and n == 20, "window: capinfos reads the spool: 20 packets", "%s %s" % (n, err))
    s = st.stats()
    ftlib.check_accounting(ck, s, received=20, transmitted=20, drops={}, label="window: ")
    rs = rel_stats(s)
    ck.eq((rs.get("sent_frames"), rs.get("dead_window"), rs.get("dead_lettered_frames"),
           rs.get("acknowledged"), rs.get("dropped")),
          (20, 20, 20, 0, {"dlq_ring_full": 0, "dlq_write_error": 0}),
          "window: 20 frames sent, 20 dead-lettered by the window, none lost")
    # End to end: every frame captured is in the spool or a named drop.
    ck.eq(len({r["seq"] for r in recs}) + sum((s or {}).get("drops", {}).values()), len(fr),
          "window: captured == spool + named drops")
    return st, spool_outer, fr


def run_replay(ck, exe, spool_path, spool_outer, fr):
    st = ftlib.Stampede(exe, "broker-rel-replay")
    ftlib.write_pcap_ns(st.path("in.pcap"), [], T0, 1001)
    st.write_config(edge_config({"spool": "spool2.pcapng"}))
    with open(st.path("cmds"), "w") as f:
        f.write("replay sp %s\n" % spool_path)
    rc = st.run(["--cmdline-file", "cmds", "--duration", "2"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "replay: exit code")
    ck.check("replayed 20 datagrams" in st.out, "replay: console says replayed 20",
             st.out[-300:])
    outer = rules_lib.port_frames(ck, st.path("out.pcap"))
    ck.eq(outer, spool_outer, "replay: the output holds the spool's datagrams byte for byte")
    s = st.stats()
    ftlib.check_accounting(ck, s, received=0, transmitted=20, drops={}, label="replay: ")
    ck.eq(rel_stats(s).get("replayed"), 20, "replay: replayed 20")

    # A collector reads them, one datagram lost: answers with ACKs and a NACK.
    c = ftlib.Stampede(exe, "broker-rel-coll")
    ftlib.write_pcap_ns(c.path("dg.pcap"), outer[:5] + outer[6:], T0 + 10**6, 1000)
    cfg = rules_lib.base_config(
        [{"name": "net", "device": "net_pcap0,rx_pcap=dg.pcap,tx_pcap=answers.pcap"},
         {"name": "fwd", "device": "net_pcap1,tx_pcap=fwd.pcap", "timestamp": "none"}],
        node={"id": 9, "role": "collector"},
        rules=[{"name": "all", "in": ["net"], "action": "forward", "out": "fwd"}])
    c.write_config(cfg)
    rc = c.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        c.show_output()
    ck.eq(rc, 0, "collector: exit code")
    got = rules_lib.port_frames(ck, c.path("fwd.pcap"))
    ftlib.compare_frames(ck, got, fr[:5] + fr[6:], "collector: frames")
    answers = rules_lib.port_frames(ck, c.path("answers.pcap"))
    acks, nacks = parse_ctrl(answers)
    ck.eq(nacks, [(NODE, 0, 5, 5)], "collector: one NACK [5, 5]")
    covered = set()
    for _, _, a, b in acks:
        covered |= set(range(a, b + 1))
    ck.eq(sorted(covered), [i for i in range(20) if i != 5],
          "collector: acknowledgements cover exactly 0..4, 6..19")
    ck.check(all(n == NODE for n, _, _, _ in acks), "collector: acknowledgements to node 7")
    ck.check(len(answers) > 0 and all(a[0:6] == outer[0][6:12] for a in answers),
             "collector: answers go to the edge's MAC")
    cs = c.stats()
    ftlib.check_accounting(ck, cs, received=19, transmitted=19 + len(answers), drops={},
                           label="collector: ")
    c.cleanup()
    st.cleanup()


def run_durable(ck, exe):
    """Acknowledgements of a collector with a durable capture output wait for fdatasync."""
    rules_lib.need_tools("strace")
    # Under the sanitizers (scripts/test-sanitize.sh): LeakSanitizer cannot run under ptrace.
    if "ASAN_OPTIONS" in os.environ:
        os.environ["ASAN_OPTIONS"] += ":detect_leaks=0"
    st = ftlib.Stampede(exe, "broker-rel-durable-edge")
    fr = frames(40)
    ftlib.write_pcap_ns(st.path("in.pcap"), fr, T0, 1001)
    st.write_config(edge_config())
    rc = st.run(["--exit-on-eof"], timeout=40)
    ck.eq(rc, 0, "durable: edge exit code")
    outer = rules_lib.port_frames(ck, st.path("out.pcap"))
    ck.eq(len(outer), 40, "durable: the edge sent 40 datagrams")
    st.cleanup()

    def collector(label, durable, inject):
        c = ftlib.Stampede(exe, "broker-rel-durable-" + label)
        ftlib.write_pcap_ns(c.path("dg.pcap"), outer, T0 + 10**6, 1000)
        out = {"name": "cap", "type": "pcapng", "path": "cap.pcapng"}
        if durable:
            out.update(durable=True, sync_ms=10)
        c.write_config(rules_lib.base_config(
            [{"name": "net", "device": "net_pcap0,rx_pcap=dg.pcap,tx_pcap=answers.pcap"}],
            node={"id": 9, "role": "collector"}, outputs=[out],
            rules=[{"name": "all", "in": ["net"], "action": "forward", "out": "cap"}]))
        # LeakSanitizer cannot run under a tracer (it ptrace-attaches itself at exit): in the
        # sanitizer build, leaks are checked by every other run of the suite, not by these.
        asan = os.environ.get("ASAN_OPTIONS")
        c.wrap = (["env", "ASAN_OPTIONS=%s:detect_leaks=0" % asan] if asan else []) + \
            ["strace", "-f", "-qq", "-o", c.path("strace.log"), "-e", "trace=fdatasync"]
        if inject:
            c.wrap += ["-e", "inject=fdatasync:error=EIO"]
        rc = c.run(["--duration", "3"], timeout=60)
        if rc != 0:
            c.show_output()
        ck.eq(rc, 0, "durable %s: exit code" % label)
        acks, _ = parse_ctrl(rules_lib.port_frames(ck, c.path("answers.pcap")))
        covered = set()
        for _, _, a, b in acks:
            covered |= set(range(a, b + 1))
        ok, n, err = rules_lib.capinfos_count(c.path("cap.pcapng"))
        ck.check(ok and n == 40, "durable %s: capinfos: the file holds 40 frames" % label,
                 "%s %s" % (n, err))
        with open(c.path("strace.log")) as f:
            calls = [ln for ln in f if "fdatasync(" in ln]
        ws = next((o for o in (c.stats() or {}).get("outputs", []) if o["name"] == "cap"), {})
        c.cleanup()
        return covered, calls, ws

    covered, calls, ws = collector("synced", True, False)
    ck.eq(sorted(covered), list(range(40)), "durable synced: acknowledgements cover 0..39")
    ck.check(any(ln.rstrip().endswith("= 0") for ln in calls),
             "durable synced: strace saw fdatasync succeed", "".join(calls[:3]))
    ck.check(len(covered) <= ws.get("synced", 0),
             "durable synced: acknowledged <= synced", "synced %s" % ws.get("synced"))
    covered, calls, ws = collector("failing", True, True)
    ck.eq(sorted(covered), [], "durable failing: no number acknowledged while fdatasync fails")
    ck.check(len(calls) > 0 and all("INJECTED" in ln for ln in calls),
             "durable failing: strace failed every fdatasync", "".join(calls[:3]))
    ck.check(ws.get("sync_errors", 0) >= 1 and ws.get("synced") == 0,
             "durable failing: sync_errors counted, nothing synced", str(ws))
    covered, calls, ws = collector("plain", False, True)
    ck.eq(sorted(covered), list(range(40)), "not durable: acknowledgements cover 0..39")
    ck.eq(calls, [], "not durable: no fdatasync called")


def run_observe(ck, exe):
    """The reliable counters in every front end (show nodes, /stampede/nodes, Prometheus)."""
    import re
    import shutil

    import broker_observe
    import prometheus
    import telemetry

    st = ftlib.Stampede(exe, "broker-rel-observe")
    fr = frames(30)
    ctrl = ctrl_frame([(4, 0, 0, 19), (5, 0, 25, 25)])
    ftlib.write_pcap_ns(st.path("in.pcap"), fr, T0, 1001)
    ftlib.write_pcap_ns(st.path("acks.pcap"), [ctrl], T0 + 10**6, 1001)
    st.write_config(edge_config({"resend_window_s": 1}, acks="acks.pcap"))
    # Known in advance: 30 datagrams, 20 acknowledged, 25 resent once (NACK), the 10 others
    # held until the window (1 s) dead-letters them; nothing replayed, nothing lost.
    want = {"sent": 30, "acknowledged": 20, "resent": 1, "dead_lettered": 10, "replayed": 0,
            "held": 0, "dlq_ring_full": 0, "dlq_write_error": 0, "acks_received": 1,
            "nacks_received": 1}
    live = broker_observe.Live(st)
    ok = ck.check(live.wait_url(), "observe: metrics URL printed")
    prom = ""
    import time
    end = time.monotonic() + 20
    while ok and time.monotonic() < end and live.p.poll() is None:
        prom = live.scrape()
        m = re.search(r'^stampede_broker_reliable_dead_lettered_datagrams_total\{output="sp"\} '
                      r'(\d+)$', prom, re.M)
        if m and int(m.group(1)) >= 10:
            break
        time.sleep(0.2)
    tel = telemetry.query(st.prefix, ["/stampede/nodes"]).get("/stampede/nodes", {}) \
        if ok and shutil.which("dpdk-telemetry.py") else None
    rc = live.finish("show nodes\nquit\n")
    ck.eq(rc, 0, "observe: exit code")
    out = live.text()
    if rc != 0:
        ftlib.log(out)

    # Prometheus.
    _, samples = prometheus.parse_text(ck, prom)
    fam = {"sent": "sent_datagrams_total", "acknowledged": "acknowledged_datagrams_total",
           "resent": "resent_datagrams_total", "dead_lettered": "dead_lettered_datagrams_total",
           "replayed": "replayed_datagrams_total", "held": "held_datagrams"}
    got = {k: prometheus.get(samples, "stampede_broker_reliable_" + f, output="sp")
           for k, f in fam.items()}
    for r in ("dlq_ring_full", "dlq_write_error"):
        got[r] = prometheus.get(samples, "stampede_broker_reliable_dropped_frames_total",
                                output="sp", reason=r)
    ck.eq(got, {k: want[k] for k in got}, "observe: Prometheus stampede_broker_reliable_*")
    ck.eq(prometheus.get(samples, "stampede_broker_acks_received_datagrams_total"), 1,
          "observe: Prometheus stampede_broker_acks_received_datagrams_total")

    # Telemetry: flat keys in output_sp (22.11 nests one level).
    if tel is None:
        ftlib.log("dpdk-telemetry.py not installed: telemetry not checked")
    else:
        o = tel.get("output_sp", {})
        ftlib.log("telemetry output_sp: %s" % o)
        keys = {k: "reliable_" + k for k in want}
        keys["dlq_ring_full"] = "reliable_dropped_dlq_ring_full"
        keys["dlq_write_error"] = "reliable_dropped_dlq_write_error"
        ck.eq({k: o.get(v) for k, v in keys.items()}, want,
              "observe: telemetry /stampede/nodes output_sp reliable_*")
        ck.eq(o.get("reliable_spool"), "spool.pcapng", "observe: telemetry reliable_spool")
        ck.eq(tel.get("transport_ctrl_received"), 1, "observe: telemetry transport_ctrl_received")

    # Console.
    text = broker_observe.segments(out).get("show nodes", "")
    ftlib.log("show nodes:\n" + text)
    row = [ln.split() for ln in text.splitlines() if ln.split()[:1] == ["sp"]]
    row = [r for r in row if len(r) == 10]
    ck.eq(row[0][1:] if row else None,
          [str(want[k]) for k in ("sent", "acknowledged", "resent", "dead_lettered", "replayed",
                                  "held", "dlq_ring_full", "dlq_write_error")] +
          ["spool.pcapng"], "observe: show nodes reliable row of sp")
    ck.check("acknowledgements: sent 0, NACKs sent 0, no mbuf 0, received 1" in text,
             "observe: show nodes acknowledgement line")

    # The final --stats-json agrees.
    s = st.stats()
    rs = rel_stats(s)
    ck.eq({k: (rs.get("dropped", {}).get(k) if k.startswith("dlq") else rs.get(k))
           for k in want}, want, "observe: --stats-json reliable counters")
    ftlib.check_accounting(ck, s, received=31, transmitted=31, drops={}, label="observe: ")
    st.cleanup()


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "ack"
    ck = ftlib.Checker("broker_reliable " + mode)
    rules_lib.need_tools("capinfos")
    if mode == "ack":
        run_ack(ck, sys.argv[1])
    elif mode == "observe":
        run_observe(ck, sys.argv[1])
    elif mode == "durable":
        run_durable(ck, sys.argv[1])
    else:
        st, spool_outer, fr = run_window(ck, sys.argv[1])
        if mode == "replay":
            run_replay(ck, sys.argv[1], st.path("spool.pcapng"), spool_outer, fr)
        st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
