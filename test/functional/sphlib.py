# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""The stampede header (lib/encap/README.md) in Python, written independently of the C codec:
datagram walking, record decoding and encoding, for the tests."""

import struct

MAGIC = 0x5350
FIXED = 40
UDP_PORT = 48879
ETHERTYPE = 0x88B5
F_FRAG, F_CTRL, F_TRUNC = 1, 2, 4
FIX = struct.Struct("!HBBHBBIHHQQII")


def encode(payload, node=7, stream=0, seq=0, ts=1700000000123456789, orig=None, cap=None,
           flags=0, tlvs=b"", ts_src=1, version=1, magic=MAGIC, hdr_len=None, payload_len=None):
    if orig is None:
        orig = len(payload)
    if cap is None:
        cap = len(payload)
    hl = FIXED + len(tlvs) if hdr_len is None else hdr_len
    pl = len(payload) if payload_len is None else payload_len
    return FIX.pack(magic, version, flags, hl, ts_src, 0, node, stream, pl, seq, ts, orig,
                    cap) + tlvs + payload


def hop_tlv(node, rx_ns, seq):
    return struct.pack("!BBIQQ", 1, 20, node, rx_ns, seq)


def decode_records(dg):
    """Records of a datagram: list of dicts (raises ValueError on a malformed one)."""
    out = []
    off = 0
    while off < len(dg):
        rest = dg[off:]
        if len(rest) < FIXED and not any(rest):
            break
        if len(rest) < FIXED:
            raise ValueError("truncated")
        (magic, ver, flags, hl, ts_src, _, node, stream, pl, seq, ts, orig,
         cap) = FIX.unpack_from(rest)
        if magic != MAGIC or ver != 1 or hl < FIXED or hl + pl > len(rest):
            raise ValueError("bad record at %d" % off)
        r = {"flags": flags, "ts_src": ts_src, "node": node, "stream": stream, "seq": seq,
             "ts": ts, "orig": orig, "cap": cap, "hops": [], "desc": None, "frag": None,
             "payload": rest[hl:hl + pl]}
        t = FIXED
        while t < hl:
            typ, ln = rest[t], rest[t + 1]
            v = rest[t + 2:t + 2 + ln]
            if typ == 1:
                r["hops"].append(struct.unpack("!IQQ", v))
            elif typ == 2:
                r["desc"] = v.decode()
            elif typ == 3:
                r["frag"] = struct.unpack("!IHH", v)
            t += 2 + ln
        out.append(r)
        off += hl + pl
    return out


def datagram_of(frame):
    """The stampede datagram in an outer frame (UDP to UDP_PORT over IPv4 or IPv6, or EtherType
    0x88B5), or None."""
    et = struct.unpack_from("!H", frame, 12)[0]
    if et == ETHERTYPE:
        return frame[14:]
    if et == 0x0800 and frame[23] == 17:
        ihl = (frame[14] & 15) * 4
        udp = 14 + ihl
        if struct.unpack_from("!H", frame, udp + 2)[0] == UDP_PORT:
            ulen = struct.unpack_from("!H", frame, udp + 4)[0]
            return frame[udp + 8:udp + ulen]
    if et == 0x86DD and frame[20] == 17:  # IPv6 without extension headers
        udp = 14 + 40
        if struct.unpack_from("!H", frame, udp + 2)[0] == UDP_PORT:
            ulen = struct.unpack_from("!H", frame, udp + 4)[0]
            return frame[udp + 8:udp + ulen]
    return None


def frames_of(outer_frames):
    """Original frames out of a list of outer frames: (frames in order, records)."""
    frames, records, partial = [], [], {}
    for f in outer_frames:
        dg = datagram_of(f)
        if dg is None:
            continue
        for r in decode_records(dg):
            if r["flags"] & F_CTRL:
                continue  # acknowledgements and authentication records carry no frame
            records.append(r)
            if r["frag"] is None:
                frames.append(r["payload"])
                continue
            key = (r["node"], r["stream"], r["seq"])
            partial.setdefault(key, {})[r["frag"][1]] = r["payload"]
            if len(partial[key]) == r["frag"][2]:
                frames.append(b"".join(partial[key][i] for i in range(r["frag"][2])))
                del partial[key]
    return frames, records
