#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the RX hint a collector hands the rules stage with its frames.

  broker_hint.py STAMPEDE lengths|ports

The broker's stage sets the RX hint (lib/pipeline/feature.h hint_out) for the frames it
decapsulates: one input port, a bound of the longest frame, whether one may be a chain. With a
valid hint the rules stage checks no frame: a wrong bound would let a frame too long for the
output port out, a wrong port would send a frame by another input's rule.

lengths: datagrams (UDP, one input port of MTU 9000) of several records each, whole frames of
  60 to 127 bytes and a few of 1522 to 3000 near a datagram's end, one-record datagrams
  (delivered in place) and frames in fragments (reassembled: chains), to an output port of
  MTU 1500; in the third RX burst, long frames right after a full burst of 64 frames handed on
  in the middle of their datagram (the rest of it must be in the next burst's hint), and
  nothing long after them in that burst: the frames of up to 1522 bytes (MTU + Ethernet
  header + two VLAN tags) come out byte-identical and in order, the others are mtu_exceeded
  drops, counted exactly.
ports: two input ports whose rules go to two output ports, through the reorder buffer
  (node.reorder_ms; the timestamps lie in the future, so every frame is held until the drain
  at stop, which hands them on in timestamp order, the two inputs' frames mixed in each
  burst): each output holds exactly its input's frames of up to 1522 bytes, in timestamp
  order, the longer ones mtu_exceeded drops.
Expected frames and drops come from the frames the test wrote, not from stampede.
"""

import random
import struct
import sys
import time

import ftlib
import rules_lib
import sphlib

MAX_FRAME = 1500 + 14 + 8  # the rules stage's bound for an output port of MTU 1500
T0 = 1700000000000000000


def udp(payload, src=1):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + 8 + len(payload), 0, 0x4000, 64, 17, 0,
                     bytes([192, 0, 2, src]), bytes([192, 0, 2, 9]))
    return (bytes.fromhex("020000000009") + bytes([2, 0, 0, 0, 0, src]) + b"\x08\x00" + ip +
            struct.pack("!HHHH", 50000, sphlib.UDP_PORT, 8 + len(payload), 0) + payload)


def frame(tag, i, size):
    return (bytes.fromhex("020000000201") + bytes([2, 0, 0, 0, tag, i & 0xFF]) + b"\x08\x00" +
            bytes([(i * 7 + tag) & 0xFF]) * (size - 14))


def frag_records(fr, seq, ts, parts, node):
    """The records of frame fr in `parts` fragments (the same seq, cap = orig = its length)."""
    out, off, step = [], 0, -(-len(fr) // parts)
    for idx in range(parts):
        part = fr[off:off + step]
        out.append(sphlib.encode(part, node=node, seq=seq, ts=ts, flags=sphlib.F_FRAG,
                                 tlvs=struct.pack("!BBIHH", 3, 8, off, idx, parts),
                                 orig=len(fr), cap=len(fr)))
        off += len(part)
    return out


def datagrams(rnd, tag, node, n_dg, ts_of):
    """(datagrams, frames in sequence order, their timestamps) of one source."""
    dgs, frames, stamps, seq = [], [], [], 0
    for d in range(n_dg):
        recs = b""
        kind = d % 10
        if 64 <= d < 96:
            # The third RX burst (32 datagrams): 10 whole records each, so bursts of 64
            # frames are handed on in the middle of datagrams 6, 12, 19 and 25 of it, which
            # end with long frames; nothing long after them in the burst that follows.
            for j in range(10):
                size = rnd.randrange(60, 128)
                if d - 64 in (6, 12, 19, 25) and j >= 8:
                    size = (1523, 1600, 3000)[(d + j) % 3]
                fr = frame(tag, seq, size)
                recs += sphlib.encode(fr, node=node, seq=seq, ts=ts_of(seq))
                frames.append(fr)
                stamps.append(ts_of(seq))
                seq += 1
            dgs.append(udp(recs, tag))
            continue
        if kind == 8:
            # One record: delivered in place.
            fr = frame(tag, seq, (100, 1400, MAX_FRAME, 1523, 2500)[d // 10 % 5])
            recs = sphlib.encode(fr, node=node, seq=seq, ts=ts_of(seq))
            frames.append(fr)
            stamps.append(ts_of(seq))
            seq += 1
        elif kind == 9:
            # A frame in fragments (reassembled into a chain), then a whole one.
            fr = frame(tag, seq, (1400, MAX_FRAME, 1600, 3000)[d // 10 % 4])
            recs = b"".join(frag_records(fr, seq, ts_of(seq), 2, node))
            frames.append(fr)
            stamps.append(ts_of(seq))
            seq += 1
            fr = frame(tag, seq, 64)
            recs += sphlib.encode(fr, node=node, seq=seq, ts=ts_of(seq))
            frames.append(fr)
            stamps.append(ts_of(seq))
            seq += 1
        else:
            # Whole records of up to 127 bytes (the OR of their lengths stays below the
            # output's bound), and in one datagram of ten a long one at a place that moves
            # (sometimes past a burst handed on in the middle of the datagram).
            k = 5 + d % 11
            for j in range(k):
                size = rnd.randrange(60, 128)
                if kind == 4 and j >= k - 1 - d // 10 % 3:
                    size = (1523, 1600, 3000, MAX_FRAME)[(d // 10 + j) % 4]
                fr = frame(tag, seq, size)
                recs += sphlib.encode(fr, node=node, seq=seq, ts=ts_of(seq))
                frames.append(fr)
                stamps.append(ts_of(seq))
                seq += 1
        dgs.append(udp(recs, tag))
    return dgs, frames, stamps


def run(ck, exe, name, inputs, reorder_ms):
    """inputs: [(port name, datagrams, frames, stamps)]; each input's rule goes to out<i>."""
    st = ftlib.Stampede(exe, name)
    ports, rules = [], []
    for i, (pname, dgs, _, _) in enumerate(inputs):
        ftlib.write_pcap_ns(st.path("%s.pcap" % pname), dgs, T0, 1000)
        ports.append({"name": pname, "device": "net_pcap%d,rx_pcap=%s.pcap" % (i, pname),
                      "mtu": 9000})
    for i, (pname, _, _, _) in enumerate(inputs):
        ports.append({"name": "out%d" % i,
                      "device": "net_pcap%d,tx_pcap=out%d.pcap" % (len(inputs) + i, i),
                      "mtu": 1500, "timestamp": "none"})
        rules.append({"name": "r%d" % i, "in": [pname], "action": "forward",
                      "out": "out%d" % i})
    node = {"id": 9, "role": "collector"}
    if reorder_ms:
        node["reorder_ms"] = reorder_ms
    cfg = rules_lib.base_config(ports, node=node, mempool={"mbuf_size": 10240}, rules=rules)
    st.write_config(cfg)
    rc = st.run(["--exit-on-eof"], timeout=60)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, name + ": exit code")
    sent, dropped = 0, 0
    for i, (pname, dgs, frames, stamps) in enumerate(inputs):
        order = sorted(range(len(frames)), key=lambda j: stamps[j]) if reorder_ms else \
            range(len(frames))
        want = [frames[j] for j in order if len(frames[j]) <= MAX_FRAME]
        sent += len(want)
        dropped += len(frames) - len(want)
        got = rules_lib.port_frames(ck, st.path("out%d.pcap" % i))
        ftlib.compare_frames(ck, got, want, "%s: out%d (input %s)" % (name, i, pname))
    ck.check(dropped > 0 and sent > 0, name + ": the input has frames too long for MTU 1500")
    s = st.stats()
    ftlib.check_accounting(ck, s, received=sum(len(x[1]) for x in inputs), transmitted=sent,
                           drops={"mtu_exceeded": dropped}, label=name + ": ")
    st.cleanup()


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "lengths"
    ck = ftlib.Checker("broker_hint " + mode)
    rnd = random.Random(18)
    if mode == "lengths":
        dgs, frames, stamps = datagrams(rnd, 1, 7, 120, lambda q: T0 + q * 1000)
        run(ck, sys.argv[1], "broker-hint-lengths", [("net", dgs, frames, stamps)], 0)
    else:
        # In the future: held until the drain at stop; the two sources' stamps interleave.
        base = time.time_ns() + 3600 * 10**9
        inputs = []
        for tag, node in ((1, 7), (2, 8)):
            dgs, frames, stamps = datagrams(rnd, tag, node, 40,
                                            lambda q, t=tag: base + q * 2000 + t * 1000)
            inputs.append(("net%d" % (tag - 1), dgs, frames, stamps))
        run(ck, sys.argv[1], "broker-hint-ports", inputs, 10000)
    ck.finish()


if __name__ == "__main__":
    main()
