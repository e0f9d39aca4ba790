#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: a collector's pcapng has one interface per remote (node, port).

  broker_capture.py STAMPEDE

The collector reads, on port "net", the datagrams of an edge (node 7, description "edge7:in",
broker_pcap.edge) interleaved with hand-made ones: node 5 stream 3 (description "n5"), and
node 6 streams 0x0002 and 0x0102 (port 2 from two workers, no description: one interface);
on port "local", plain frames. Its pcapng output rotates every 16 kB, so interfaces appear in
the middle of a file and files start after they appeared. Checked with tshark
(frame.interface_name, frame.interface_description) and a pcapng walker: every file is valid
(no packet before its interface's IDB), every frame sits on the interface of its source
("node7:0" "edge7:in", "node5:3" "n5", "node6:2" "stampede node 6 port 2"; local frames on
"local"), each source's frames are its frames in order with the edge's original stamps, the
interfaces of a file never go away in the next one.
"""

import glob
import os
import re
import struct
import sys

import broker_pcap
import ftlib
import rules_lib
import sphlib


def udp(payload):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(payload), 0, 0x4000, 64, 17, 0,
                     bytes([192, 0, 2, 5]), bytes([192, 0, 2, 9]))
    return (bytes.fromhex("020000000009020000000005") + b"\x08\x00" + ip +
            struct.pack("!HHHH", 50000, 48879, 8 + len(payload), 0) + payload)


def inner(tag, i, size=200):
    return (bytes.fromhex("0200000002") + bytes([tag]) + bytes([2, 0, 0, 0, tag, i]) +
            b"\x08\x00" + bytes([tag ^ i]) * (size - 14))


def main():
    exe = sys.argv[1]
    ck = ftlib.Checker("broker_capture")
    rules_lib.need_tools("tshark", "capinfos")
    fr7 = broker_pcap.frames()
    edge, outer = broker_pcap.edge(ck, exe, "udp", fr7)
    edge.cleanup()
    stamps7 = [broker_pcap.T0 + i * 1001 for i in range(len(fr7))]

    # Sources 5 and 6 join after a third and two thirds of node 7's datagrams.
    t5, t6 = broker_pcap.T0 + 7 * 10**6, broker_pcap.T0 + 9 * 10**6
    fr5 = [inner(0x55, i, 300 + i) for i in range(12)]
    fr6 = [inner(0x66, i, 400 + i) for i in range(10)]
    dg5 = [udp(sphlib.encode(f, node=5, stream=3, seq=i, ts=t5 + i, tlvs=b"\x02\x02n5"))
           for i, f in enumerate(fr5)]
    # Node 6: even frames from stream 0x0002, odd ones from 0x0102 (own sequences each).
    dg6 = [udp(sphlib.encode(f, node=6, stream=2 if i % 2 == 0 else 0x102, seq=i // 2,
                             ts=t6 + i)) for i, f in enumerate(fr6)]
    third = len(outer) // 3
    dgs = (outer[:third] + dg5[:6] + outer[third:2 * third] + dg6[:5] + dg5[6:] +
           outer[2 * third:] + dg6[5:])
    local = [bytes.fromhex("0200000002aa") + bytes([2, 0, 0, 0, 3, i]) + b"\x86\xdd" +
             bytes([0x60 + i]) * 90 for i in range(8)]

    st = ftlib.Stampede(exe, "broker-capture")
    ftlib.write_pcap_ns(st.path("dg.pcap"), dgs, broker_pcap.T0 + 10**6, 1000)
    ftlib.write_pcap_ns(st.path("local.pcap"), local, broker_pcap.T0 + 5 * 10**6, 1000)
    cfg = rules_lib.base_config(
        [{"name": "net", "device": "net_pcap0,rx_pcap=dg.pcap", "mtu": 9000},
         {"name": "local", "device": "net_pcap1,rx_pcap=local.pcap"}],
        node={"id": 9, "role": "collector"}, mempool={"mbuf_size": 10240},
        outputs=[{"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng"),
                  "rotate_bytes": 16384}],
        rules=[{"name": "all", "action": "forward", "out": "cap"}])
    st.write_config(cfg)
    rc = st.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "collector: exit code")

    files = sorted(glob.glob(st.path("cap-*.pcapng")),
                   key=lambda p: int(re.search(r"cap-(\d+)\.pcapng$", p).group(1)))
    ck.check(len(files) >= 3, "pcapng rotated into several files (%d)" % len(files))
    want_if = {"node7:0": "edge7:in", "node5:3": "n5", "node6:2": "stampede node 6 port 2",
               "local": None}
    per_if = {}
    prev_ifs = []
    bad_files, tshark_bad, if_shrunk = [], [], []
    for p in files:
        try:
            f = rules_lib.read_pcapng(p)
        except rules_lib.PcapngError as e:
            bad_files.append(str(e))
            continue
        names = [i["name"] for i in f["interfaces"]]
        if names[:len(prev_ifs)] != prev_ifs:
            if_shrunk.append(os.path.basename(p))
        prev_ifs = names
        for pk in f["packets"]:
            itf = f["interfaces"][pk["if"]]
            per_if.setdefault(itf["name"], []).append((pk["ts_ns"], pk["data"],
                                                       itf["description"]))
        try:
            rows = rules_lib.tshark_fields(p, ["frame.interface_name",
                                               "frame.interface_description"])
            if [r[0] for r in rows] != [f["interfaces"][pk["if"]]["name"]
                                        for pk in f["packets"]]:
                tshark_bad.append(os.path.basename(p))
            for r in rows:
                if r[0] in want_if and want_if[r[0]] is not None and r[1] != want_if[r[0]]:
                    tshark_bad.append(os.path.basename(p) + ": " + "|".join(r))
        except RuntimeError as e:
            tshark_bad.append(str(e))
    ck.check(not bad_files, "every file is valid pcapng, no packet before its interface's IDB",
             "; ".join(bad_files))
    ck.check(not tshark_bad, "tshark reads every file: interface names and descriptions as "
             "the walker reads them", "; ".join(tshark_bad[:5]))
    ck.check(not if_shrunk, "a file declares at least the interfaces of the one before it",
             ", ".join(if_shrunk))
    ck.eq(sorted(per_if), sorted(want_if), "interfaces with packets: one per remote (node, "
          "port), plus the local port")
    ftlib.compare_frames(ck, [d for _, d, _ in per_if.get("node7:0", [])], fr7,
                         "node7:0: node 7's frames in order (fragments reassembled)")
    ck.eq([t for t, _, _ in per_if.get("node7:0", [])], stamps7,
          "node7:0: the edge's original ns stamps")
    ftlib.compare_frames(ck, [d for _, d, _ in per_if.get("node5:3", [])], fr5,
                         "node5:3: node 5's frames")
    ck.eq([t for t, _, _ in per_if.get("node5:3", [])], [t5 + i for i in range(12)],
          "node5:3: node 5's stamps")
    ftlib.compare_frames(ck, [d for _, d, _ in per_if.get("node6:2", [])], fr6,
                         "node6:2: both streams of node 6 port 2, in order")
    ftlib.compare_frames(ck, [d for _, d, _ in per_if.get("local", [])], local,
                         "local: the local captures")
    ck.check(all(d == want_if[n] for n, v in per_if.items() if want_if.get(n)
                 for _, _, d in v), "descriptions: DESC TLV, or stampede node N port P")
    s = st.stats()
    ftlib.check_accounting(ck, s, received=len(dgs) + len(local), drops={},
                           label="collector: ")
    if s is not None:
        ck.eq(s.get("captured"), len(fr7) + len(fr5) + len(fr6) + len(local),
              "collector: captured = every remote and local frame")
        ck.eq(sorted((n["node"], n["stream"], n["received"], n["gaps"])
                     for n in s.get("broker", {}).get("nodes", [])),
              [(5, 3, 12, 0), (6, 2, 5, 0), (6, 0x102, 5, 0), (7, 0, len(fr7), 0)],
              "collector: nodes: 4 sources, no gap")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
