#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the broker's defences (README.md, "Security") against forged traffic.

  broker_attack.py STAMPEDE collector|sequence|edge|relay

Every datagram is built here, and every MAC computed here with Python's hmac (HMAC-SHA-256
truncated to 16 bytes over the records and the authentication record's header): an
independent implementation of the layout in lib/encap/sph_auth.h. The expected outputs and
counters come from this test's own model of what must be refused.

collector: a collector (node 9) with node.peers [7 at 192.0.2.1] and node.auth keys 1 and 2
  (required). Before the real stream: 256 forged node ids (1000..1255), signed with a held key
  from the peer's own address (an insider), fill nothing: each is sph_peer_unknown. Then the real
  stream of node 7 (40 frames, RELIABLE, keys 1 then 2: a key rotation under traffic) with,
  between its datagrams: forged data as node 7 from 192.0.2.66 unsigned (sph_auth_missing) and
  signed (sph_peer_address), node 99 with a description (sph_peer_unknown), node 7 at 2^40 with
  a wrong key under id 1 (sph_auth_bad), key id 3 (sph_auth_key), and a replay of datagram 3
  (a duplicate: not written again). The collector writes exactly the 40 real frames, in order,
  node 7 shows received 40, gaps 0, duplicates 1; its acknowledgements go only to 192.0.2.1,
  cover exactly 0..39 and carry a MAC of key 1 that Python verifies.
sequence: a collector with node.peers only (no keys): node 7's stream 0..9 then 5000..5009,
  a replay of 3 behind the 4096-number window (sph_stale), a forged jump to 2^40 (sph_seq_jump),
  then 5010..5014: all 25 real frames written once, gaps exactly 4990 (not poisoned), and
  node 7 streams 1..40 (one frame each): 31 fit its quota of 32 entries, 9 are sph_src_quota.
  Then the edge restarts (numbers 0..4 again, captured 10 s later): delivered, restarts 1.
edge: an edge (node 7, auth key 1) with a reliable output reads 50 frames, and on its TAP port
  a valid, signed ACK [0, 49] from the collector's MAC and IP: that is data (sent on as frame
  51), not a command. On the output's port: ACK [0, 9] signed (applied), ACK [10, 19] unsigned
  (sph_auth_missing), with a wrong key (sph_auth_bad), from another MAC and another IP
  (sph_ctrl_source x2), ACK [0, 2^40] and NACK count 2^32-1 (sph_ctrl_unsent x2), ACK [10, 19]
  followed by a malformed record (sph_bad_tlv: nothing of it applied), 40 NACKs of one number
  each, 10..49 (resends 32: BREL_NACK_RESEND, not 40). Every datagram the edge sends verifies
  with key 1; at stop the spool holds the 40 datagrams not acknowledged: acknowledged frames
  0..9 + spooled 10..50 == every frame, none lost.
relay: a relay (node 8) with keys 1 and 2 and node.peers [7]: the edge's datagrams (2 records,
  key 2) go on with a hop each, re-signed with the relay's key 1 (Python verifies), without the
  edge's authentication record; unsigned, wrong-key, non-peer and wrong-address input refused.
The invariant received + replicated + generated == transmitted + captured + consumed + dropped
holds exactly in every run.
"""

import hashlib
import hmac
import struct
import sys

import os

import ftlib
import sphlib

# rules_lib (scapy: ~0.6 CPU-s to import, and a re-exec under the system python3 when this one
# lacks it) is imported by main() only: test/system/broker_forge.py imports this module for its
# wire helpers, several times per run, on CPUs that two stampede pollers hold.
rules_lib = None

LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                   "wireshark", "stampede.lua")

T0 = 1700000000999990001
EDGE_MAC = "02:00:00:00:00:07"
PEER_MAC = "02:00:00:00:00:09"
EDGE_IP, COLL_IP = "192.0.2.1", "192.0.2.9"
K1 = bytes(range(1, 33))               # key 1: 32 bytes, written as hex
K2 = b"rotation-key-number-two-raw-32b!"   # key 2: 32 raw bytes
F_REL, F_AUTH = 0x08, 0x10


def mac_bytes(s):
    return bytes.fromhex(s.replace(":", ""))


def ip_bytes(s):
    return bytes(int(x) for x in s.split("."))


def udp_frame(payload, src_ip, dst_ip, src_mac, dst_mac, sport=50000, dport=48879):
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    ip = ftlib.ipv4(ip_bytes(src_ip), ip_bytes(dst_ip), 17, udp)
    return mac_bytes(dst_mac) + mac_bytes(src_mac) + b"\x08\x00" + ip


def sign(records, key_id, key, node):
    """records + the authentication record: HMAC-SHA-256/128 computed here."""
    hdr = sphlib.FIX.pack(sphlib.MAGIC, 1, sphlib.F_CTRL | F_AUTH, 60, 0, 0, node, 0, 0, 0, 0,
                          0, 0) + struct.pack("!BBH", 6, 18, key_id)
    mac = hmac.new(key, records + hdr, hashlib.sha256).digest()[:16]
    return records + hdr + mac


def verify(dg, keys):
    """The key id that signed datagram dg (its last record), or None."""
    if len(dg) < 60:
        return None
    rec = dg[-60:]
    if struct.unpack_from("!H", rec, 0)[0] != sphlib.MAGIC or rec[3] != sphlib.F_CTRL | F_AUTH \
            or rec[40] != 6 or rec[41] != 18:
        return None
    kid = struct.unpack_from("!H", rec, 42)[0]
    key = keys.get(kid)
    if key is None:
        return None
    want = hmac.new(key, dg[:-16], hashlib.sha256).digest()[:16]
    return kid if hmac.compare_digest(want, dg[-16:]) else None


def frame(i, size=200):
    return (mac_bytes("02:00:00:00:02:01") + bytes([2, 0, 0, 0, 1, i & 0xff]) + b"\x08\x00" +
            struct.pack("!I", i) + bytes([i & 0xff]) * (size - 18))


def data_rec(i, node=7, stream=0, seq=None, flags=F_REL, tlvs=b""):
    return sphlib.encode(frame(i), node=node, stream=stream, seq=i if seq is None else seq,
                         ts=T0 + i * 1000, flags=flags, tlvs=tlvs)


def write_keys(st):
    with open(st.path("k1.hex"), "w") as f:
        f.write(K1.hex() + "\n")
    with open(st.path("k2.raw"), "wb") as f:
        f.write(K2)


def collector_config(auth):
    node = {"id": 9, "role": "collector", "peers": [{"id": 7, "address": EDGE_IP}]}
    if auth:
        node["auth"] = {"keys": [{"id": 1, "file": "k1.hex"}, {"id": 2, "file": "k2.raw"}],
                        "send_key": 1}
    return rules_lib.base_config(
        [{"name": "net", "device": "net_pcap0,rx_pcap=dg.pcap,tx_pcap=answers.pcap"},
         {"name": "fwd", "device": "net_pcap1,tx_pcap=fwd.pcap", "timestamp": "none"}],
        node=node, rules=[{"name": "all", "in": ["net"], "action": "forward", "out": "fwd"}])


def node_row(s, node, stream=0):
    for n in (s or {}).get("broker", {}).get("nodes", []):
        if n.get("node") == node and n.get("stream") == stream:
            return n
    return {}


def refused_rows(s):
    return {(r["reason"], r["node"], r["source"]): r["count"]
            for r in (s or {}).get("broker", {}).get("refused", [])}


def run_collector(ck, exe):
    st = ftlib.Stampede(exe, "broker-attack-coll")
    write_keys(st)

    def edge(dg):
        return udp_frame(dg, EDGE_IP, COLL_IP, EDGE_MAC, PEER_MAC)

    dgs, want_drops = [], {}
    # The flood: 256 unknown ids from the peer's address, signed with a held key.
    for k in range(256):
        dgs.append(edge(sign(data_rec(0, node=1000 + k), 1, K1, 1000 + k)))
    want_drops["sph_peer_unknown"] = 256
    real = [edge(sign(data_rec(i), 1 if i < 20 else 2, K1 if i < 20 else K2, 7))
            for i in range(40)]
    attacks = {
        6: [udp_frame(data_rec(6, flags=F_REL), "192.0.2.66", COLL_IP, "02:00:00:00:00:66",
                      PEER_MAC)],
        7: [udp_frame(sign(data_rec(7), 1, K1, 7), "192.0.2.66", COLL_IP, "02:00:00:00:00:66",
                      PEER_MAC)],
        8: [udp_frame(sign(data_rec(8, node=99, tlvs=b"\x02\x08attacker"), 1, K1, 99),
                      "192.0.2.99", COLL_IP, "02:00:00:00:00:99", PEER_MAC)],
        9: [edge(sign(data_rec(9, seq=1 << 40), 1, bytes(32), 7))],
        10: [edge(sign(data_rec(10), 3, K1, 7)), real[3]],
    }
    want_drops["sph_auth_missing"] = 1
    want_drops["sph_peer_address"] = 1
    want_drops["sph_peer_unknown"] += 1
    want_drops["sph_auth_bad"] = 1
    want_drops["sph_auth_key"] = 1
    for i, r in enumerate(real):
        dgs += attacks.get(i, []) + [r]
    ftlib.write_pcap_ns(st.path("dg.pcap"), dgs, T0, 1000)
    st.write_config(collector_config(True))
    rc = st.run(["--exit-on-eof"], timeout=60)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "collector: exit code")
    got = rules_lib.port_frames(ck, st.path("fwd.pcap"))
    ftlib.compare_frames(ck, got, [frame(i) for i in range(40)],
                         "collector: exactly the 40 real frames, in order, once")
    s = st.stats()
    answers = rules_lib.port_frames(ck, st.path("answers.pcap"))
    # received: every datagram; transmitted: the 40 frames and the acknowledgements.
    ftlib.check_accounting(ck, s, received=len(dgs), transmitted=40 + len(answers),
                           drops=want_drops, label="collector: ")
    row = node_row(s, 7)
    ck.eq((row.get("received"), row.get("gaps"), row.get("duplicates"), row.get("stale"),
           row.get("last_seq")), (40, 0, 1, 0, 39),
          "collector: node 7 received 40, gaps 0, duplicates 1 (the replay), last 39")
    ck.eq([n.get("node") for n in (s or {}).get("broker", {}).get("nodes", [])], [7],
          "collector: node 7 is the only source in the table (no forged id entered it)")
    rows = refused_rows(s)
    for want in (("sph_auth_missing", 7, "192.0.2.66"), ("sph_peer_address", 7, "192.0.2.66"),
                 ("sph_peer_unknown", 99, "192.0.2.99"), ("sph_auth_bad", 7, EDGE_IP),
                 ("sph_auth_key", 7, EDGE_IP)):
        ck.eq(rows.get(want), 1, "collector: refused row %s" % (want,))
    # The answers: only to the peer, each signed with key 1, covering exactly 0..39.
    ck.check(len(answers) > 0, "collector: acknowledgements sent")
    ck.check(all(a[30:34] == ip_bytes(EDGE_IP) for a in answers),
             "collector: acknowledgements go to 192.0.2.1 only")
    ck.eq([verify(sphlib.datagram_of(a), {1: K1, 2: K2}) for a in answers], [1] * len(answers),
          "collector: every acknowledgement verifies (Python hmac) with key 1")
    covered = set()
    for a in answers:
        dg = sphlib.datagram_of(a)[:-60]
        for r in sphlib.decode_records(dg):
            hl = struct.unpack_from("!H", dg, 4)[0]
            t = sphlib.FIXED
            while t < hl:
                typ, ln = dg[t], dg[t + 1]
                if typ == 4:
                    for k in range((ln - 2) // 16):
                        first, last = struct.unpack_from("!QQ", dg, t + 4 + 16 * k)
                        covered |= set(range(first, last + 1))
                t += 2 + ln
            ck.eq(r["node"], 7, "collector: acknowledgement for node 7")
    ck.eq(sorted(covered), list(range(40)), "collector: acknowledgements cover exactly 0..39")
    st.cleanup()


def run_sequence(ck, exe):
    st = ftlib.Stampede(exe, "broker-attack-seq")

    def edge(dg):
        return udp_frame(dg, EDGE_IP, COLL_IP, EDGE_MAC, PEER_MAC)

    seqs = list(range(10)) + list(range(5000, 5010))
    dgs = [edge(data_rec(i, seq=q, flags=0)) for i, q in enumerate(seqs)]
    dgs.append(edge(data_rec(3, seq=3, flags=0)))               # replay behind the window
    dgs.append(edge(data_rec(99, seq=1 << 40, flags=0)))        # far future, unauthenticated
    seqs2 = list(range(5010, 5015))
    dgs += [edge(data_rec(20 + i, seq=q, flags=0)) for i, q in enumerate(seqs2)]
    # The peer's own id with 40 more streams: 31 fit its quota of 32 table entries.
    dgs += [edge(data_rec(100 + k, stream=k, seq=0, flags=0)) for k in range(1, 41)]
    # The edge restarts: numbers from 0 again, captured 10 s after the newest: not a replay.
    restart = []
    for i in range(5):
        r = bytearray(data_rec(200 + i, seq=i, flags=0))
        struct.pack_into("!Q", r, 24, T0 + 10 * 10**9 + i)
        restart.append(edge(bytes(r)))
    dgs += restart
    ftlib.write_pcap_ns(st.path("dg.pcap"), dgs, T0, 1000)
    st.write_config(collector_config(False))
    rc = st.run(["--exit-on-eof"], timeout=60)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "sequence: exit code")
    got = rules_lib.port_frames(ck, st.path("fwd.pcap"))
    want = [frame(i) for i in range(20)] + [frame(20 + i) for i in range(5)] + \
        [frame(100 + k) for k in range(1, 32)] + [frame(200 + i) for i in range(5)]
    ftlib.compare_frames(ck, got, want, "sequence: the 25 real frames once, streams 1..31, "
                         "the restarted edge's 5")
    s = st.stats()
    ftlib.check_accounting(ck, s, received=len(dgs), transmitted=len(want),
                           drops={"sph_stale": 1, "sph_seq_jump": 1, "sph_src_quota": 9},
                           label="sequence: ")
    row = node_row(s, 7)
    ck.eq((row.get("received"), row.get("gaps"), row.get("stale"), row.get("last_seq"),
           row.get("restarts")), (30, 4990, 1, 4, 1),
          "sequence: node 7 received 30, gaps 4990, stale 1, restarted once, last 4")
    st.cleanup()


def ctrl_rec(items, node=7):
    tlvs = b""
    for typ, stream, first, last_or_count in items:
        if typ == 4:
            tlvs += struct.pack("!BBHQQ", 4, 18, stream, first, last_or_count)
        else:
            tlvs += struct.pack("!BBHQI", 5, 14, stream, first, last_or_count)
    return sphlib.FIX.pack(sphlib.MAGIC, 1, sphlib.F_CTRL, sphlib.FIXED + len(tlvs), 0, 0, node,
                           0, 0, 0, 0, 0, 0) + tlvs


def run_edge(ck, exe):
    st = ftlib.Stampede(exe, "broker-attack-edge")
    write_keys(st)

    def coll(dg, src_ip=COLL_IP, src_mac=PEER_MAC):
        return udp_frame(dg, src_ip, EDGE_IP, src_mac, EDGE_MAC, sport=48879)

    n = 50
    fr = [frame(i, 1000) for i in range(n)]
    tap_ack = coll(sign(ctrl_rec([(4, 0, 0, n - 1)]), 1, K1, 9))
    ftlib.write_pcap_ns(st.path("in.pcap"), fr + [tap_ack], T0, 1001)
    acks = [
        coll(sign(ctrl_rec([(4, 0, 0, 9)]), 1, K1, 9)),                       # applied
        coll(ctrl_rec([(4, 0, 10, 19)])),                                     # auth_missing
        coll(sign(ctrl_rec([(4, 0, 10, 19)]), 1, bytes(32), 9)),              # auth_bad
        coll(sign(ctrl_rec([(4, 0, 10, 19)]), 1, K1, 9), src_mac="02:00:00:00:00:66"),
        coll(sign(ctrl_rec([(4, 0, 10, 19)]), 1, K1, 9), src_ip="192.0.2.66"),
        coll(sign(ctrl_rec([(4, 0, 0, 1 << 40)]), 1, K1, 9)),                 # unsent
        coll(sign(ctrl_rec([(5, 0, 0, 0xffffffff)]), 1, K1, 9)),              # unsent
        # ACK [10, 19], then a record whose ACK range ends before it starts: sph_bad_tlv, and
        # nothing of it is applied (10..19 stay held).
        coll(sign(ctrl_rec([(4, 0, 10, 19)]) + ctrl_rec([(4, 0, 30, 20)]), 1, K1, 9)),
        # 40 NACKs of one number each (10..49): their shares add up to 32 resends, not 40.
        coll(sign(ctrl_rec([(5, 0, q, 1) for q in range(10, n)]), 1, K1, 9)),
    ]
    ftlib.write_pcap_ns(st.path("acks.pcap"), acks, T0 + 10**6, 1001)
    cfg = rules_lib.base_config(
        [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
         {"name": "out", "device": "net_pcap1,rx_pcap=acks.pcap,tx_pcap=out.pcap",
          "timestamp": "none"}],
        node={"id": 7, "auth": {"keys": [{"id": 1, "file": "k1.hex"}]}},
        burst=64,  # the 51 frames of "in" in one burst: all sent before "out" is read
        outputs=[{"name": "sp", "type": "stampede", "port": "out", "dst_mac": PEER_MAC,
                  "src_ip": EDGE_IP, "dst_ip": COLL_IP, "reliable": True,
                  "spool": "spool.pcapng"}],
        rules=[{"name": "all", "in": ["in"], "action": "forward", "out": "sp"}])
    st.write_config(cfg)
    rc = st.run(["--exit-on-eof"], timeout=60)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "edge: exit code")
    outer = rules_lib.port_frames(ck, st.path("out.pcap"))
    ck.eq([verify(sphlib.datagram_of(o), {1: K1}) for o in outer], [1] * len(outer),
          "edge: every datagram sent verifies (Python hmac) with key 1")
    # The Lua dissector (scripts/wireshark) in tshark shows each datagram's AUTH TLV: key id 1
    # and the MAC bytes Python computed (the last occurrence: the datagram carrying the tap's
    # ACK also shows that frame's own auth TLV, dissected inside it).
    rows = rules_lib.tshark_fields(st.path("out.pcap"), ["stampede.auth.key_id",
                                                         "stampede.auth.mac"],
                                   ["-X", "lua_script:" + LUA])
    ck.eq([(r[0].split(",")[-1], r[1].split(",")[-1].replace(":", "")) for r in rows],
          [("1", sphlib.datagram_of(o)[-16:].hex()) for o in outer],
          "edge: tshark (Lua dissector) shows the auth TLV: key id 1 and the MAC")
    seqs = []
    for o in outer:
        seqs += [r["seq"] for r in sphlib.decode_records(sphlib.datagram_of(o))
                 if not r["flags"] & sphlib.F_CTRL]
    # 50 datagrams (the tap's ACK, frame 51, fits the last one with frame 50), then the
    # NACKs' 32 resends: the datagrams of 10..41 (the first 32 NACKs get one each).
    ck.eq(seqs, list(range(n + 1)) + list(range(10, 42)),
          "edge: 50 datagrams with records 0..50, then 32 resends (10..41), nothing more")
    got, _ = sphlib.frames_of(outer[:n])
    ftlib.compare_frames(ck, got, fr + [tap_ack], "edge: the tap's ACK went on as data")
    s = st.stats()
    rs = (s or {}).get("broker", {}).get("outputs", {}).get("sp", {}).get("reliable", {})
    ck.eq((rs.get("sent"), rs.get("acknowledged"), rs.get("resent"), rs.get("acks_received"),
           rs.get("nacks_received"), rs.get("dead_lettered")),
          (n, 10, 32, 1, 32, n - 10),
          "edge: sent 50, acknowledged 10, resent 32, 1 ACK and 32 NACKs applied, 40 spooled")
    try:
        spool = rules_lib.read_pcapng(st.path("spool.pcapng"))["packets"]
    except (OSError, ValueError, rules_lib.PcapngError) as e:
        ck.check(False, "edge: spool readable", str(e))
        spool = []
    sp_seqs = sorted(r["seq"] for p in spool
                     for r in sphlib.decode_records(sphlib.datagram_of(p["data"]))
                     if not r["flags"] & sphlib.F_CTRL)
    ck.eq(sp_seqs, list(range(10, n + 1)),
          "edge: acknowledged 0..9 + spool 10..50 == every frame: none lost")
    ftlib.check_accounting(ck, s, received=n + 1 + len(acks), transmitted=n + 32,
                           drops={"sph_auth_missing": 1, "sph_auth_bad": 1,
                                  "sph_ctrl_source": 2, "sph_ctrl_unsent": 2,
                                  "sph_bad_tlv": 1},
                           label="edge: ")
    st.cleanup()


def run_relay(ck, exe):
    """A relay (node 8, keys 1 and 2, node.peers [7]) between an authenticated edge and
    collector: it checks the edge's MAC (key 2), sends each record on with its hop and without
    the edge's authentication record, signed with its own send key (1); forged input is refused."""
    st = ftlib.Stampede(exe, "broker-attack-relay")
    write_keys(st)

    def edge(dg, src=EDGE_IP):
        return udp_frame(dg, src, "192.0.2.8", EDGE_MAC, "02:00:00:00:00:08")

    real = [edge(sign(data_rec(i) + data_rec(i + 100), 2, K2, 7)) for i in range(20)]
    forged = [edge(data_rec(50)),                                  # unsigned
              edge(sign(data_rec(51), 2, K1, 7)),                   # key 1's bytes under id 2
              edge(sign(data_rec(52, node=99), 2, K2, 99)),         # not a peer
              edge(sign(data_rec(53), 2, K2, 7), src="192.0.2.66")]  # the peer's id elsewhere
    dgs = real[:10] + forged + real[10:]
    ftlib.write_pcap_ns(st.path("dg.pcap"), dgs, T0, 1000)
    st.write_config(rules_lib.base_config(
        [{"name": "net", "device": "net_pcap0,rx_pcap=dg.pcap"},
         {"name": "next", "device": "net_pcap1,tx_pcap=next.pcap", "timestamp": "none"}],
        node={"id": 8, "role": "relay", "relay_to": "up",
              "peers": [{"id": 7, "address": EDGE_IP}],
              "auth": {"keys": [{"id": 1, "file": "k1.hex"}, {"id": 2, "file": "k2.raw"}],
                       "send_key": 1}},
        outputs=[{"name": "up", "type": "stampede", "port": "next", "src_ip": "192.0.2.8",
                  "dst_ip": COLL_IP, "dst_mac": PEER_MAC}],
        rules=[{"name": "all", "action": "drop"}]))
    rc = st.run(["--exit-on-eof"], timeout=60)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "relay: exit code")
    out = rules_lib.port_frames(ck, st.path("next.pcap"))
    ck.eq([verify(sphlib.datagram_of(o), {1: K1, 2: K2}) for o in out], [1] * len(out),
          "relay: every datagram it sends verifies (Python hmac) with its key 1")
    got, recs = sphlib.frames_of(out)
    want = [f for i in range(20) for f in (frame(i), frame(i + 100))]
    ftlib.compare_frames(ck, got, want, "relay: the 40 real frames, nothing forged")
    ck.eq(sum(1 for o in out for r in sphlib.decode_records(sphlib.datagram_of(o))
              if r["flags"] & F_AUTH), len(out),
          "relay: one authentication record per datagram (the edge's is not passed on)")
    ck.check(all(len(r["hops"]) == 1 and r["hops"][0][0] == 8 for r in recs),
             "relay: each record carries the relay's hop")
    ftlib.check_accounting(ck, st.stats(), received=len(dgs), transmitted=len(out),
                           drops={"sph_auth_missing": 1, "sph_auth_bad": 1,
                                  "sph_peer_unknown": 1, "sph_peer_address": 1},
                           label="relay: ")
    st.cleanup()


def main():
    global rules_lib
    import rules_lib as rl
    rules_lib = rl
    mode = sys.argv[2] if len(sys.argv) > 2 else "collector"
    ck = ftlib.Checker("broker_attack " + mode)
    if mode == "edge":
        rules_lib.need_tools("tshark")
    {"collector": run_collector, "sequence": run_sequence, "edge": run_edge,
     "relay": run_relay}[mode](ck, sys.argv[1])
    ck.finish()


if __name__ == "__main__":
    main()
