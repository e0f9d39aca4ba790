#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the stampede header between an edge and a collector, over pcap files.

  broker_pcap.py STAMPEDE roundtrip|ether|relay|malformed

roundtrip: an edge (node 7) wraps a nanosecond pcap of mixed frames (60 to 4000 bytes) into
stampede datagrams over UDP (output type "stampede", port MTU 1500): the datagrams are checked
with an independent Python decoder (sphlib.py): batched (fewer datagrams than frames), none
longer than the MTU, frames of 1514 and 4000 bytes fragmented, sequence 0..n-1, node 7, stream 0,
description, timestamps == the input's, payloads == the input frames. A collector then reads
those datagrams (plus local frames on a second port) and hands the originals to the rules: the
forwarded frames equal the input frame for frame, the pcapng capture holds the original ns
stamps, `nodes` reports node 7 stream 0 with no gap. A second collector run reads the datagrams
with one removed: the gaps it reports equal the frames that datagram carried.
relay: edge -> relay (node 8) -> collector: one hop record per record (node 8, the relay's
receive stamp, its own sequence), everything else unchanged; the collector's output equals the
edge's input. tshark with scripts/wireshark/stampede.lua decodes the relayed datagrams: node,
stream, seq, ts, original length, hops, fragments and descriptions as the Python decoder reads
them.
ether: the same edge with transport "ether" (EtherType 0x88B5) and a collector.
malformed: datagrams with a bad magic, a version from the future, a header length of 39, a
TLV past the header end, a payload past the datagram and a truncated header: each a counted
drop under its own name; the good datagram among them is delivered. A full reassembly table
then a fragment disagreeing with a kept one (fuzz_collect's find): counted drops, no crash.
Invariant exact everywhere.
"""

import os
import struct
import sys

import ftlib
import rules_lib
import sphlib

T0 = 1700000000999990001
NODE = 7


def frames():
    out = []
    for i in range(60):
        size = 60 + (i * 97) % 1300
        out.append(struct.pack("!6s6sH", bytes.fromhex("020000000201"),
                               bytes([2, 0, 0, 0, 1, i]), 0x0800) +
                   bytes([i]) * (size - 14))
    out.insert(20, bytes.fromhex("020000000201") + bytes.fromhex("0200000001ff") + b"\x08\x00" +
               b"\xab" * 1500)  # 1514: a fragment pair at MTU 1500
    out.insert(40, bytes.fromhex("020000000201") + bytes.fromhex("0200000001fe") + b"\x08\x00" +
               bytes(range(256)) * 15 + b"\xcd" * 146)  # 4000 bytes: 3 fragments
    return out


def local_frames():
    return [bytes.fromhex("0200000002aa") + bytes([2, 0, 0, 0, 3, i]) + b"\x86\xdd" +
            bytes([0x60 + i]) * 50 for i in range(5)]


def edge(ck, exe, transport, fr):
    st = ftlib.Stampede(exe, "broker-edge-" + transport)
    ftlib.write_pcap_ns(st.path("in.pcap"), fr, T0, 1001)
    out = {"name": "sp", "type": "stampede", "port": "out", "dst_mac": "02:00:00:00:00:09",
           "description": "edge7:in"}
    if transport == "udp":
        out.update(src_ip="192.0.2.1", dst_ip="192.0.2.9")
    else:
        out["transport"] = "ether"
    cfg = rules_lib.base_config(
        [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap", "mtu": 9000},
         {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap", "timestamp": "none"}],
        node={"id": NODE}, outputs=[out], mempool={"mbuf_size": 10240},
        rules=[{"name": "all", "in": ["in"], "action": "forward", "out": "sp"}])
    st.write_config(cfg)
    rc = st.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "edge: exit code")
    outer = rules_lib.port_frames(ck, st.path("out.pcap"))
    return st, outer


def check_edge(ck, st, outer, fr, stamps, transport):
    ck.check(0 < len(outer) < len(fr), "edge: records batched (%d datagrams for %d frames)" %
             (len(outer), len(fr)))
    ck.check(all(len(o) <= 1514 for o in outer), "edge: no datagram longer than MTU 1500 + 14",
             "longest %d" % max(len(o) for o in outer))
    if transport == "udp":
        ck.check(all(o[12:14] == b"\x08\x00" and o[23] == 17 and
                     struct.unpack_from("!H", o, 36)[0] == 48879 for o in outer),
                 "edge: IPv4 / UDP to port 48879")
    else:
        ck.check(all(o[12:14] == b"\x88\xb5" for o in outer), "edge: EtherType 0x88B5")
    got, recs = sphlib.frames_of(outer)
    ftlib.compare_frames(ck, got, fr, "edge: frames decoded from the datagrams")
    whole = [r for r in recs if r["frag"] is None]
    frags = [r for r in recs if r["frag"] is not None]
    fsets = {(r["frag"][2], r["orig"]) for r in frags}
    # 4000 bytes: 4 fragments over UDP, 3 over Ethernet (28 bytes more room per datagram).
    n4000 = 4 if transport == "udp" else 3
    ck.check((2, 1514) in fsets and (n4000, 4000) in fsets and all(o > 1300 for _, o in fsets),
             "edge: the 1514-byte frame in 2 fragments, the 4000-byte one in %d, only frames "
             % n4000 +
             "over 1300 bytes (MTU 1500 less headers and room for 4 hops) fragmented",
             "got %s" % sorted(fsets))
    seqs = []
    for r in recs:
        if not seqs or r["seq"] != seqs[-1]:
            seqs.append(r["seq"])
    ck.eq(seqs, list(range(len(fr))), "edge: sequence 0..n-1 in order")
    ck.eq({(r["node"], r["stream"], r["ts_src"]) for r in recs}, {(NODE, 0, 3)},
          "edge: node 7, stream 0, ts source pcap (3)")
    ts = []
    for r in recs:
        if not ts or r["seq"] != ts[-1][0]:
            ts.append((r["seq"], r["ts"]))
    ck.eq([t for _, t in ts], stamps, "edge: capture timestamps == the input's ns stamps")
    ck.check(all(r["desc"] == "edge7:in" for r in frags) and
             sum(1 for r in whole if r["desc"] == "edge7:in") >= len(outer) - len(frags),
             "edge: description in every datagram's first record")
    s = st.stats()
    ftlib.check_accounting(ck, s, received=len(fr), transmitted=len(outer), drops={},
                           label="edge: ")
    if s is not None:
        ck.eq((s.get("generated"), s.get("consumed")), (len(outer), len(fr)),
              "edge: generated = datagrams, consumed = originals")
        o = s.get("broker", {}).get("outputs", {}).get("sp", {})
        ck.eq((o.get("frames"), o.get("datagrams"), o.get("fragments")),
              (len(fr), len(outer), len(frags)),
              "edge: broker.outputs.sp frames, datagrams, fragments")


def collector(ck, exe, name, outer, local, fr, want_gaps, stamps=None):
    st = ftlib.Stampede(exe, name)
    ftlib.write_pcap_ns(st.path("dg.pcap"), outer, T0 + 10**6, 1000)
    ftlib.write_pcap_ns(st.path("local.pcap"), local, T0 + 5 * 10**6, 1000)
    cfg = rules_lib.base_config(
        [{"name": "net", "device": "net_pcap0,rx_pcap=dg.pcap", "mtu": 9000},
         {"name": "local", "device": "net_pcap1,rx_pcap=local.pcap"},
         {"name": "fwd", "device": "net_pcap2,tx_pcap=fwd.pcap", "mtu": 9000,
          "timestamp": "none"}],
        node={"id": 9, "role": "collector"}, mempool={"mbuf_size": 10240},
        outputs=[{"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng")}],
        groups=[{"name": "both", "mode": "replicate", "members": ["fwd", "cap"]}],
        rules=[{"name": "all", "action": "forward", "out": "both"}])
    st.write_config(cfg)
    rc = st.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, name + ": exit code")
    got = rules_lib.port_frames(ck, st.path("fwd.pcap"))
    remote = [g for g in got if g[12:14] != b"\x86\xdd"]
    ftlib.compare_frames(ck, remote, fr, name + ": decapsulated frames")
    ck.eq(sorted(g for g in got if g[12:14] == b"\x86\xdd"), sorted(local),
          name + ": local captures merged")
    s = st.stats()
    n_out = len(got)
    ftlib.check_accounting(ck, s, received=len(outer) + len(local), transmitted=n_out,
                           drops={}, label=name + ": ")
    if s is not None:
        nodes = s.get("broker", {}).get("nodes", [])
        ck.eq([(x["node"], x["stream"], x["port"], x["description"], x["received"], x["gaps"],
                x["duplicates"]) for x in nodes],
              [(NODE, 0, "net", "edge7:in", len(fr), want_gaps, 0)],
              name + ": nodes: node 7 stream 0 via net, received, gaps, no duplicate")
        _, recs = sphlib.frames_of(outer)
        ck.eq(s.get("broker", {}).get("reassembled"),
              len({r["seq"] for r in recs if r["frag"] is not None}),
              name + ": frames reassembled")
    if stamps is not None:
        rows = rules_lib.tshark_fields(st.path("cap-0.pcapng"),
                                       ["frame.time_epoch", "frame.len"])
        got_ts = [rules_lib.epoch_to_ns(r[0]) for r in rows if int(r[1]) != 64]
        ck.eq(got_ts, stamps, name + ": pcapng stamps == the edge's original ns stamps")
    return st


def run_roundtrip(ck, exe, transport):
    fr = frames()
    stamps = [T0 + i * 1001 for i in range(len(fr))]
    st, outer = edge(ck, exe, transport, fr)
    check_edge(ck, st, outer, fr, stamps, transport)
    local = local_frames()
    c = collector(ck, exe, "broker-coll-" + transport, outer, local, fr, 0, stamps)
    c.cleanup()
    if transport == "udp":
        # One datagram of several whole records lost on the way: exactly those frames missing.
        k = next(i for i in range(2, len(outer))
                 if len(sphlib.decode_records(sphlib.datagram_of(outer[i]))) > 2 and
                 all(r["frag"] is None for r in
                     sphlib.decode_records(sphlib.datagram_of(outer[i]))))
        lost = sphlib.decode_records(sphlib.datagram_of(outer[k]))
        lost_seq = {r["seq"] for r in lost}
        rest = outer[:k] + outer[k + 1:]
        want = [f for i, f in enumerate(fr) if i not in lost_seq]
        c = collector(ck, exe, "broker-loss", rest, local, want, len(lost))
        c.cleanup()
    st.cleanup()


LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                   "wireshark", "stampede.lua")


def check_dissector(ck, path, recs, label):
    """scripts/wireshark/stampede.lua in tshark on stampede's own output: every record's fields
    as the Python decoder read them, and the whole inner frames decoded as Ethernet."""
    rows = rules_lib.tshark_fields(path, [
        "stampede.node", "stampede.stream", "stampede.seq", "stampede.ts", "stampede.orig_len",
        "stampede.hop.node", "stampede.hop.rx_ns", "stampede.hop.seq", "stampede.frag.index",
        "stampede.frag.count", "stampede.desc"],
        ["-X", "lua_script:" + LUA, "-E", "occurrence=a", "-E", "aggregator=,"])
    got = []
    for r in rows:
        cols = [c.split(",") if c else [] for c in r]
        for i in range(len(cols[0])):
            got.append((int(cols[0][i]), int(cols[1][i]), int(cols[2][i]), int(cols[3][i]),
                        int(cols[4][i])))
    ck.eq(got, [(r["node"], r["stream"], r["seq"], r["ts"], r["orig"]) for r in recs],
          label + ": Lua dissector: node, stream, seq, ts, orig_len of every record")
    hops = [(int(n), int(t), int(q)) for r in rows if r[5]
            for n, t, q in zip(r[5].split(","), r[6].split(","), r[7].split(","))]
    ck.eq(hops, [h for r in recs for h in r["hops"]], label + ": Lua dissector: hop records")
    frags = [(int(i), int(c)) for r in rows if r[8]
             for i, c in zip(r[8].split(","), r[9].split(","))]
    ck.eq(frags, [r["frag"][1:] for r in recs if r["frag"]],
          label + ": Lua dissector: fragment index, count")
    descs = [d for r in rows if r[10] for d in r[10].split(",")]
    ck.eq(descs, [r["desc"] for r in recs if r["desc"]], label + ": Lua dissector: descriptions")


def run_relay(ck, exe):
    """edge -> relay (node 8) -> collector: each record gains one hop (node 8, the relay's
    receive stamp of its datagram, the relay's own sequence 0..), nothing else changes."""
    fr = frames()
    st, outer = edge(ck, exe, "udp", fr)
    rl = ftlib.Stampede(exe, "broker-relay")
    rx = ftlib.write_pcap_ns(rl.path("dg.pcap"), outer, T0 + 10**6, 1000)
    cfg = rules_lib.base_config(
        [{"name": "net", "device": "net_pcap0,rx_pcap=dg.pcap", "mtu": 9000},
         {"name": "next", "device": "net_pcap1,tx_pcap=next.pcap", "timestamp": "none"}],
        node={"id": 8, "role": "relay", "relay_to": "up"}, mempool={"mbuf_size": 10240},
        outputs=[{"name": "up", "type": "stampede", "port": "next", "src_ip": "192.0.2.8",
                  "dst_ip": "192.0.2.9", "dst_mac": "02:00:00:00:00:09"}],
        rules=[{"name": "all", "action": "drop"}])
    rl.write_config(cfg)
    rc = rl.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        rl.show_output()
    ck.eq(rc, 0, "relay: exit code")
    relayed = rules_lib.port_frames(ck, rl.path("next.pcap"))
    ck.check(all(len(o) <= 1514 for o in relayed), "relay: no datagram longer than MTU")
    got, recs = sphlib.frames_of(relayed)
    ftlib.compare_frames(ck, got, fr, "relay: frames in the relayed datagrams")
    _, orig = sphlib.frames_of(outer)
    rx_of = []
    for i, o in enumerate(outer):
        rx_of += [rx[i]] * len(sphlib.decode_records(sphlib.datagram_of(o)))
    ck.eq([r["hops"] for r in recs], [[(8, rx_of[i], i)] for i in range(len(orig))],
          "relay: one hop per record: node 8, its receive stamp, its sequence 0..")
    ck.eq([(r["seq"], r["ts"], r["node"], r["payload"]) for r in recs],
          [(r["seq"], r["ts"], r["node"], r["payload"]) for r in orig],
          "relay: source fields and payloads unchanged")
    check_dissector(ck, rl.path("next.pcap"), recs, "relay")
    s = rl.stats()
    ftlib.check_accounting(ck, s, received=len(outer), transmitted=len(relayed), drops={},
                           label="relay: ")
    if s is not None:
        ck.eq((s.get("consumed"), s.get("generated")), (len(outer), len(relayed)),
              "relay: consumed = datagrams in, generated = datagrams out")
    c = collector(ck, exe, "broker-relay-coll", relayed, local_frames(), fr, 0,
                  [T0 + i * 1001 for i in range(len(fr))])
    c.cleanup()
    rl.cleanup()
    st.cleanup()


def run_malformed(ck, exe):
    st = ftlib.Stampede(exe, "broker-malformed")
    inner = bytes.fromhex("020000000201020000000101") + b"\x08\x00" + b"\x11" * 50
    good = sphlib.encode(inner, seq=0)

    def udp(payload):
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(payload), 0, 0x4000, 64, 17, 0,
                         bytes([192, 0, 2, 1]), bytes([192, 0, 2, 9]))
        return (bytes.fromhex("020000000009020000000001") + b"\x08\x00" + ip +
                struct.pack("!HHHH", 50000, 48879, 8 + len(payload), 0) + payload)

    bad = {
        "sph_bad_magic": sphlib.encode(inner, magic=0x1234),
        "sph_bad_version": sphlib.encode(inner, version=2),
        "sph_bad_hdr_len": sphlib.encode(inner, hdr_len=39),
        "sph_bad_tlv": sphlib.encode(inner, tlvs=b"\x02\x09abc", seq=1),
        "sph_bad_length": sphlib.encode(inner, payload_len=len(inner) + 100, seq=2),
        "sph_truncated": good[:30],
    }
    dgs = [udp(good)] + [udp(v) for v in bad.values()]
    # A good record followed by a malformed one: the datagram is checked whole before any of
    # its records is read (as a relay does), so neither is delivered.
    dgs.append(udp(sphlib.encode(inner, seq=3) + sphlib.encode(inner, seq=4, version=7)))
    # fuzz_collect's first find: 16 first fragments of frames 100..115 fill the reassembly
    # table, then a fragment of frame 100 that disagrees about the fragment count: the kept
    # one is dropped (sph_bad_length) and the new one takes its slot (it crashed on a NULL
    # slot). The 16 never complete: sph_reasm_timeout at the latest when the collector stops.
    frag = lambda off, i, c: struct.pack("!BBIHH", 3, 8, off, i, c)
    dgs.append(udp(b"".join(sphlib.encode(b"\x22" * 20, seq=100 + i, flags=1, orig=40,
                                          cap=40, tlvs=frag(0, 0, 2)) for i in range(16)) +
                   sphlib.encode(b"\x22" * 20, seq=100, flags=1, orig=60, cap=60,
                                 tlvs=frag(20, 1, 3))))
    ftlib.write_pcap_ns(st.path("dg.pcap"), dgs, T0, 1000)
    cfg = rules_lib.base_config(
        [{"name": "net", "device": "net_pcap0,rx_pcap=dg.pcap"},
         {"name": "fwd", "device": "net_pcap1,tx_pcap=fwd.pcap", "timestamp": "none"}],
        node={"id": 9, "role": "collector"},
        rules=[{"name": "all", "action": "forward", "out": "fwd"}])
    st.write_config(cfg)
    rc = st.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "malformed: exit code (no crash)")
    got = rules_lib.port_frames(ck, st.path("fwd.pcap"))
    ck.eq(got, [inner], "malformed: the good record only (not the one before a bad record)")
    want = {k: 1 for k in bad}
    want["sph_bad_version"] = 2
    want["sph_bad_length"] += 1
    want["sph_reasm_timeout"] = 16
    s = st.stats()
    ftlib.check_accounting(ck, s, received=len(dgs), transmitted=1, drops=want,
                           label="malformed: ")
    st.cleanup()


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "roundtrip"
    ck = ftlib.Checker("broker_pcap " + mode)
    rules_lib.need_tools("tshark")
    if mode == "malformed":
        run_malformed(ck, sys.argv[1])
    elif mode == "relay":
        run_relay(ck, sys.argv[1])
    else:
        run_roundtrip(ck, sys.argv[1], "ether" if mode == "ether" else "udp")
    ck.finish()


if __name__ == "__main__":
    main()
