#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Checks of the broker system tests (test/system/broker_chain.sh). Standard library only,
except `malformed`, which builds and sends its datagrams with scapy.

  broker_check.py chain EDGE.pcapng COLL.pcapng LINK.pcap --edge-node 7 --relay-node 8
                  --dropped K --in-if in
      EDGE.pcapng: the edge's own capture of its input port (interface --in-if), the ground
      truth; COLL.pcapng: the collector's capture; LINK.pcap: tcpdump of the relay->collector
      link on the collector's side (what survived the loss). Checks: every datagram on the link
      holds one record; each record has exactly one hop (the relay's node id, its receive stamp
      at or after the capture stamp and within 10 s, the relay's sequence), the capture stamp
      and the payload of the edge frame with that sequence number; the edge frames whose
      records are missing on the link number K (nft's counter); the collector's frames on
      interface node<E>:0 are the edge's frames without those, in order, with the edge's ns
      stamps.
  broker_check.py reliable EDGE.pcapng SPOOL.pcapng COLL.pcapng... --dport P --sent N
                  --stats-e E.json --stats-c C.json --replayed R --nft-dropped K
      (test/system/broker_reliable.sh) The end-to-end invariant of a reliable output: every
      frame the edge captured (EDGE.pcapng, frames.py markers) is in the collectors' files
      (COLL.pcapng..., the first may end in a block cut short by SIGKILL) or in the spool
      (SPOOL.pcapng: outer datagrams), deduplicated by marker, or counted in a named drop on
      the edge: the sums match exactly. Every spooled frame is in the last collector file (the
      replay), the counters are non-zero where they must be, the last collector has no gap.
  broker_check.py malformed IFACE DST_MAC
      Sends one datagram each with a bad magic, a version from the future, a header length of
      39, a TLV past the header end, a payload past the datagram and a truncated header.
"""

import json
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "functional"))
import ftlib  # noqa: E402
import sphlib  # noqa: E402

FAILS = []


def check(ok, what, detail=""):
    print(("ok: " if ok else "FAIL: ") + what + ("" if ok or not detail else " (%s)" % detail))
    if not ok:
        FAILS.append(what)


def read_pcapng(path, cut_ok=False):
    """(interfaces [(name, description)], packets [(if, ts_ns, data)]); raises ValueError on a
    malformed file or a packet before its interface's IDB. With cut_ok, a last block cut short
    (a writer killed mid-write) ends the file."""
    with open(path, "rb") as f:
        data = f.read()
    ifs, pkts, off, e = [], [], 0, "<"
    while off + 12 <= len(data):
        if struct.unpack_from("<I", data, off)[0] == 0x0A0D0D0A:
            e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack_from(e + "II", data, off)
        if cut_ok and blen >= 12 and blen % 4 == 0 and off + blen > len(data):
            print("note: %s ends in a block cut short at %d (%d bytes missing)"
                  % (path, off, off + blen - len(data)))
            break
        if blen < 12 or blen % 4 or off + blen > len(data):
            raise ValueError("%s: bad block at %d" % (path, off))
        body = data[off + 8:off + blen - 4]
        if btype == 1:
            name = desc = None
            o = 8
            while o + 4 <= len(body):
                code, ln = struct.unpack_from(e + "HH", body, o)
                if code == 0:
                    break
                v = body[o + 4:o + 4 + ln]
                if code == 2:
                    name = v.decode()
                elif code == 3:
                    desc = v.decode()
                o += 4 + ((ln + 3) & ~3)
            ifs.append((name, desc))
        elif btype == 6:
            ifid, tsh, tsl, cap = struct.unpack_from(e + "IIII", body, 0)
            if ifid >= len(ifs):
                raise ValueError("%s: packet on interface %d before its IDB" % (path, ifid))
            pkts.append((ifid, (tsh << 32) | tsl, body[20:20 + cap]))
        off += blen
    return ifs, pkts


def chain(a):
    edge_if, edge_p = read_pcapng(a.edge)
    coll_if, coll_p = read_pcapng(a.coll)
    link, _, _ = ftlib.read_pcap(a.link)
    inx = [i for i, (n, _) in enumerate(edge_if) if n == a.in_if]
    edge = [(ts, d) for i, ts, d in edge_p if i in inx]
    remote = "node%d:0" % a.edge_node
    rix = [i for i, (n, _) in enumerate(coll_if) if n == remote]
    coll = [(ts, d) for i, ts, d in coll_p if i in rix]
    print("edge captured %d frames; link carried %d datagrams; collector wrote %d frames on %s"
          % (len(edge), len(link), len(coll), remote))
    check(len(rix) == 1, "collector pcapng declares interface %s once" % remote,
          "interfaces %s" % coll_if)
    recs, not_one = [], 0
    for f in link:
        dg = sphlib.datagram_of(f)
        if dg is None:
            continue
        r = sphlib.decode_records(dg)
        not_one += len(r) != 1
        recs += r
    check(not_one == 0, "one record per datagram on the relay->collector link",
          "%d datagrams with another count" % not_one)
    seqs = [r["seq"] for r in recs]
    check(seqs == sorted(set(seqs)) and all(0 <= q < len(edge) for q in seqs),
          "link: sequence numbers increasing, each an edge frame")
    bad_hop, bad_src = [], []
    for r in recs:
        h = r["hops"]
        ts = edge[r["seq"]][0] if r["seq"] < len(edge) else -1
        # Two processes' TSC calibrations may disagree by microseconds: 1 ms of slack.
        if len(h) != 1 or h[0][0] != a.relay_node or \
                not ts - 10**6 <= h[0][1] <= ts + 10 * 10**9:
            bad_hop.append((r["seq"], h))
        if (r["node"], r["stream"], r["ts"], r["payload"]) != \
                (a.edge_node, 0, ts, edge[r["seq"]][1] if r["seq"] < len(edge) else None):
            bad_src.append(r["seq"])
    check(not bad_hop, "link: every record has one hop record: relay node %d, its receive "
          "stamp after the capture stamp (within 10 s, 1 ms of clock slack)" % a.relay_node,
          "first bad %s" % bad_hop[:3])
    hop_seqs = [r["hops"][0][2] for r in recs if r["hops"]]
    check(hop_seqs == sorted(set(hop_seqs)), "link: the relay's own sequence numbers increase")
    check(not bad_src, "link: node, stream 0, capture stamp and payload == the edge's frame",
          "seqs %s" % bad_src[:5])
    missing = sorted(set(range(len(edge))) - set(seqs))
    check(len(missing) == a.dropped, "edge frames missing on the link (%d) == nft's counter "
          "of dropped datagrams (%d)" % (len(missing), a.dropped))
    want = [e for i, e in enumerate(edge) if i not in set(missing)]
    first = next((i for i, (g, w) in enumerate(zip(coll, want)) if g != w), None)
    check(len(coll) == len(want) and first is None,
          "collector pcapng == the edge's input without the dropped frames: %d frames, "
          "payload, order and ns stamp" % len(want),
          "got %d frames, first difference at %s" % (len(coll), first))
    desc = [d for n, d in coll_if if n == remote]
    check(desc == [a.desc], "collector interface %s described %r" % (remote, a.desc),
          "got %s" % desc)
    print("missing sequence numbers: %s" % missing)
    local = [(coll_if[i][0], d[12:14].hex(), len(d)) for i, _, d in coll_p if i not in rix]
    if local:
        print("collector: %d frames on its own ports (not stampede): %s" % (len(local),
                                                                            local[:10]))
    if a.stats_c:
        counters(a, len(edge), len(coll), len(local))
    return 1 if FAILS else 0


def counters(a, sent, delivered, local):
    """The collector's --stats-json: per-source counters, named drops, captured."""
    with open(a.stats_c) as f:
        d = json.load(f)
    nodes = [(n["node"], n["stream"], n["received"], n["gaps"], n["duplicates"],
              n["reordered"], n["stale"], n["last_seq"]) for n in d["broker"]["nodes"]]
    check(nodes == [(7, 0, sent - a.dropped, a.dropped, 0, 0, 0, sent - 1)],
          "collector: nodes (node, stream, received, gaps, dups, reordered, stale, last_seq) "
          "== (7, 0, %d, %d = nft's counter, 0, 0, 0, %d)" % (sent - a.dropped, a.dropped,
                                                              sent - 1), "got %s" % nodes)
    drops = {k: v for k, v in d["drops"].items() if v}
    want = {k: 1 for k in ("sph_bad_magic", "sph_bad_version", "sph_bad_hdr_len",
                           "sph_bad_tlv", "sph_bad_length", "sph_truncated")}
    check(drops == want, "collector: each malformed datagram a drop under its own name, "
          "nothing else dropped", "got %s" % drops)
    check(d["captured"] == delivered + local and delivered == sent - a.dropped,
          "collector: captured %d == %d remote frames + %d local" % (d["captured"], delivered,
                                                                    local))


def reliable(a):
    import frames

    def markers(pkts):
        out = []
        for _, _, d in pkts:
            m = frames.parse(d, a.dport)
            if m is not None:
                out.append(m)
        return out

    with open(a.stats_e) as f:
        se = json.load(f)
    with open(a.stats_c) as f:
        sc = json.load(f)
    _, ep = read_pcapng(a.edge)
    edge = markers(ep)
    E = set(edge)
    check(len(edge) == len(E) == se["captured"],
          "edge: its capture holds %d frames, %d distinct, == captured %d"
          % (len(edge), len(E), se["captured"]))
    check(E == set(range(a.sent)), "edge: captured every frame sent (0..%d)" % (a.sent - 1),
          "%d missing" % len(set(range(a.sent)) - E))
    _, sp = read_pcapng(a.spool)
    spool_frames, recs = sphlib.frames_of([d for _, _, d in sp])
    D = set(markers([(0, 0, f) for f in spool_frames]))
    check(all(r["node"] == a.edge_node and r["stream"] == 0 for r in recs),
          "spool: %d datagrams, %d records, all of node %d stream 0"
          % (len(sp), len(recs), a.edge_node))
    C, last = set(), set()
    for i, path in enumerate(a.coll):
        _, cp = read_pcapng(path, cut_ok=(i < len(a.coll) - 1))
        m = markers(cp)
        print("%s: %d frames, %d distinct" % (os.path.basename(path), len(m), len(set(m))))
        C |= set(m)
        last = set(m)
    rel = se["broker"]["outputs"]["sp"]["reliable"]
    named = sum(se["drops"].values()) + sum(rel["dropped"].values())
    # A collector acknowledges a frame only once its outputs have written it (lib/encap/
    # README.md, "Reliable outputs"): the one killed with SIGKILL loses nothing the edge
    # released, so the invariant is exact.
    missing = E - (C | D)
    print("edge captured %d; collectors %d, spool %d (%d only there), union %d; missing %d; "
          "named drops on the edge %d" % (len(E), len(C), len(D), len(D - C), len(C | D),
                                          len(missing), named))
    check((C | D) <= E, "nothing at the collectors or in the spool that the edge did not capture",
          "%d extra" % len((C | D) - E))
    check(len(missing) == named,
          "end to end: captured %d == in (collectors ∪ spool) %d + named drops %d"
          % (len(E), len(E & (C | D)), named), "missing %s" % sorted(missing)[:20])
    check(D <= last, "replay: every spooled frame is in the restarted collector's file",
          "%d not" % len(D - last))
    check(len(D) > 0, "the spool holds frames (sent while the collector was away)")
    print("edge reliable: " + json.dumps({k: v for k, v in rel.items() if k != "spool"}))
    check(rel["acknowledged"] > 0 and rel["dead_window"] > 0 and rel["resent"] >= a.nft_dropped
          and rel["resent"] > 0 and rel["replayed"] == a.replayed and rel["dead_at_stop"] == 0
          and rel["held"] == 0,
          "edge: acknowledged > 0, dead_window > 0, resent >= %d (nft) and > 0, replayed == %d, "
          "nothing held or dead-lettered at stop" % (a.nft_dropped, a.replayed))
    check(rel["sent_frames"] == se["broker"]["outputs"]["sp"]["frames"] + a.replayed,
          "edge: sent_frames == frames sent + frames replayed (one record per datagram)")
    nodes = [n for n in sc["broker"]["nodes"] if n["node"] == a.edge_node]
    t = sc["broker"].get("transport", {})
    print("collector: nodes %s, transport %s" % (json.dumps(nodes), json.dumps(t)))
    check(len(nodes) == 1 and nodes[0]["gaps"] == 0 and nodes[0]["last_seq"] == a.sent - 1,
          "restarted collector: node %d stream 0 with no gap, last sequence %d"
          % (a.edge_node, a.sent - 1))
    check(t.get("acks_sent", 0) > 0 and (a.nft_dropped == 0 or t.get("nacks_sent", 0) > 0),
          "restarted collector: acknowledgements and NACKs sent")
    return 1 if FAILS else 0


def malformed(a):
    from scapy.all import Ether, IP, UDP, Raw, sendp
    inner = bytes.fromhex("020000000201020000000101") + b"\x08\x00" + b"\x11" * 50
    good = sphlib.encode(inner, node=99, seq=0)
    bad = [
        sphlib.encode(inner, magic=0x1234),
        sphlib.encode(inner, version=2),
        sphlib.encode(inner, hdr_len=39),
        sphlib.encode(inner, tlvs=b"\x02\x09abc", seq=1),
        sphlib.encode(inner, payload_len=len(inner) + 100, seq=2),
        good[:30],
    ]
    pkts = [Ether(dst=a.dst_mac, src="02:00:00:00:00:99") / IP(src="192.0.2.99", dst="192.0.2.9")
            / UDP(sport=50000, dport=sphlib.UDP_PORT) / Raw(b) for b in bad]
    sendp(pkts, iface=a.iface, verbose=False)
    print("sent %d malformed datagrams on %s" % (len(pkts), a.iface))
    return 0


def main():
    import argparse
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("chain")
    c.add_argument("edge")
    c.add_argument("coll")
    c.add_argument("link")
    c.add_argument("--edge-node", type=int, required=True)
    c.add_argument("--relay-node", type=int, required=True)
    c.add_argument("--dropped", type=int, required=True)
    c.add_argument("--in-if", default="in")
    c.add_argument("--desc", default="")
    c.add_argument("--stats-c", help="the collector's --stats-json: check its counters")
    r = sub.add_parser("reliable")
    r.add_argument("edge")
    r.add_argument("spool")
    r.add_argument("coll", nargs="+")
    r.add_argument("--dport", type=int, required=True)
    r.add_argument("--sent", type=int, required=True)
    r.add_argument("--edge-node", type=int, default=7)
    r.add_argument("--stats-e", required=True)
    r.add_argument("--stats-c", required=True)
    r.add_argument("--replayed", type=int, required=True)
    r.add_argument("--nft-dropped", type=int, default=0)
    m = sub.add_parser("malformed")
    m.add_argument("iface")
    m.add_argument("dst_mac")
    a = p.parse_args()
    sys.exit({"chain": chain, "reliable": reliable, "malformed": malformed}[a.cmd](a))


if __name__ == "__main__":
    main()
