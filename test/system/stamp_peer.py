#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""An independent STAMP (RFC 8762) Session-Reflector and Session-Sender on kernel UDP sockets,
packets struct-packed from the RFC's figures (nothing shared with lib/stamp).

  stamp_peer.py reflect --bind ADDR [--port 862] --count N --result FILE [--timeout S]
                        [--key FILE [--reply-key FILE]]
  stamp_peer.py send --bind ADDR --to ADDR [--port 862] --count N [--size 100] [--pps 500]
                     --result FILE [--key FILE] [--expect-replies N]

--key FILE: authenticated mode (RFC 8762 4.2.2, 4.3.2; the key in hex in FILE): packets in the
         layouts of the RFC's figures 2 and 4 (SENDER_AUTH, REFLECTOR_AUTH below, with RFC
         8972's SSID after the error estimate), HMAC-SHA-256 (Python's hmac and hashlib) over
         bytes 0..95, truncated to 16 bytes, at 96. Every received packet's MBZ ranges
         (MBZ_SENDER_AUTH, MBZ_REFLECTOR_AUTH: the figures' MBZ fields) must be zero and its
         HMAC must match; the reflector answers only those (others are counted, not answered).
         --reply-key signs the reflector's replies with another key (a reply the sender must
         refuse). The sender counts replies whose HMAC or MBZ is wrong as bad.
--expect-replies N: the sender passes when exactly N replies came (0: a reflector that must
         not answer), each of them good.

reflect  answers N Session-Sender packets (stateless: the sender's sequence echoed), T2 = the
         kernel's receive time (SO_TIMESTAMPNS), T3 = just before sendto, Session-Sender TTL from
         IP_RECVTTL; writes what it decoded: sequences, T1 (ns), the sender's error estimate,
         the TTLs seen, the sizes, and how many T1 were within 1 s of its own clock.
send     sends N Session-Sender packets of --size bytes (T1 just before sendto, NTP format,
         TTL 255) and decodes each reply by the RFC 8762 4.3.1 figure: checks that the
         sequence and sender fields echo what it sent, that T1 <= T2 <= T3 <= T4 on this one
         host clock (a tolerance of 2 ms for the two clocks' calibration), that the reply has
         the request's size and its padding, and that the error estimate's multiplier is not 0.
Both print a one-line summary and write JSON to --result; exit 0 when every check held.
"""

import argparse
import hashlib
import hmac
import json
import socket
import struct
import sys
import time

NTP_OFF = 2208988800
SENDER = struct.Struct("!IQHH28x")                # 4.2.1: seq, T1, err est, MBZ (SSID) ...
REFLECTOR = struct.Struct("!IQHHQIQHHB3x")       # 4.3.1: seq, T3, err, MBZ, T2, s seq, T1, s err, MBZ, TTL
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
IP_RECVTTL = getattr(socket, "IP_RECVTTL", 12)
IP_TTL = getattr(socket, "IP_TTL", 2)
ERR_EST = 0x0001 | (0 << 8)                       # S=0 Z=0 scale 0 multiplier 1
# Authenticated mode, RFC 8762 figure 2 (Session-Sender; SSID per RFC 8972 figure 2):
#   seq 4 | MBZ 12 | T1 8 | err est 2 | SSID 2 | MBZ 68 | HMAC 16           = 112 bytes
SENDER_AUTH = struct.Struct("!I12xQHH68x16s")
MBZ_SENDER_AUTH = [(4, 16), (28, 96)]
# Figure 4 (Session-Reflector): seq 4 | MBZ 12 | T3 8 | err est 2 | SSID 2 | MBZ 4 | T2 8 |
#   MBZ 8 | sender seq 4 | MBZ 12 | T1 8 | sender err est 2 | MBZ 6 | sender TTL 1 | MBZ 15 |
#   HMAC 16                                                                = 112 bytes
REFLECTOR_AUTH = struct.Struct("!I12xQHH4xQ8xI12xQH6xB15x16s")
MBZ_REFLECTOR_AUTH = [(4, 16), (28, 32), (40, 48), (52, 64), (74, 80), (81, 96)]
assert SENDER_AUTH.size == 112 and REFLECTOR_AUTH.size == 112


def load_key(path):
    return bytes.fromhex(open(path).read().strip()) if path else None


def mac(key, data):
    """RFC 8762 4.4: HMAC-SHA-256 over the first 96 bytes, truncated to 128 bits."""
    return hmac.new(key, data[:96], hashlib.sha256).digest()[:16]


def auth_ok(key, data, mbz):
    """(ok, why): length, every MBZ byte zero, HMAC (compare_digest: constant time)."""
    if len(data) < 112:
        return False, "short %d" % len(data)
    for a, b in mbz:
        if any(data[a:b]):
            return False, "MBZ %d..%d not zero" % (a, b - 1)
    if not hmac.compare_digest(mac(key, data), data[96:112]):
        return False, "HMAC"
    return True, ""


def ntp_from_ns(ns):
    s, r = divmod(ns, 10 ** 9)
    return ((s + NTP_OFF) & 0xffffffff) << 32 | (r << 32) // 10 ** 9


def ntp_to_ns(ts):
    s, f = ts >> 32, ts & 0xffffffff
    return (s - NTP_OFF) * 10 ** 9 + (f * 10 ** 9 + (1 << 31)) // (1 << 32)


def recv_ts(sock, bufsize=9000):
    data, anc, _, addr = sock.recvmsg(bufsize, 256)
    t = None
    ttl = None
    for lvl, typ, val in anc:
        if lvl == socket.SOL_SOCKET and typ == SO_TIMESTAMPNS:
            sec, nsec = struct.unpack("qq", val[:16])
            t = sec * 10 ** 9 + nsec
        elif lvl == socket.IPPROTO_IP and typ in (IP_RECVTTL, IP_TTL):
            ttl = struct.unpack("i", val[:4])[0] if len(val) >= 4 else val[0]
    return data, addr, (t if t is not None else time.time_ns()), ttl


def reflect(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.setsockopt(socket.IPPROTO_IP, IP_RECVTTL, 1)
    s.setsockopt(socket.IPPROTO_IP, IP_TTL, 255)
    s.bind((a.bind, a.port))
    s.settimeout(a.timeout)
    seqs, ttls, sizes, err_ests, near = [], set(), set(), set(), 0
    key, reply_key = load_key(a.key), load_key(a.reply_key or a.key)
    refused = []
    if a.ready:
        open(a.ready, "w").close()
    try:
        while len(seqs) < a.count:
            data, addr, t2, ttl = recv_ts(s)
            if key is not None:
                ok, why = auth_ok(key, data, MBZ_SENDER_AUTH)
                if not ok:
                    refused.append(why)
                    continue
                seq, t1, err, ssid, _ = SENDER_AUTH.unpack_from(data)
                t3 = time.time_ns()
                rep = REFLECTOR_AUTH.pack(seq, ntp_from_ns(t3), ERR_EST, ssid, ntp_from_ns(t2),
                                          seq, t1, err, ttl if ttl is not None else 0, bytes(16))
                rep = rep[:96] + mac(reply_key, rep) + data[112:]
                s.sendto(rep, addr)
            else:
                if len(data) < SENDER.size:
                    continue
                seq, t1, err, ssid = SENDER.unpack_from(data)
                t3 = time.time_ns()
                rep = REFLECTOR.pack(seq, ntp_from_ns(t3), ERR_EST, ssid, ntp_from_ns(t2), seq,
                                     t1, err, 0, ttl if ttl is not None else 0)
                s.sendto(rep + data[REFLECTOR.size:], addr)   # symmetric size, padding echoed
            seqs.append(seq)
            ttls.add(ttl)
            sizes.add(len(data))
            err_ests.add(err)
            if abs(ntp_to_ns(t1) - t2) < 10 ** 9:
                near += 1
    except socket.timeout:
        pass
    res = {"answered": len(seqs), "seqs_in_order": seqs == list(range(len(seqs))),
           "first_seq": seqs[0] if seqs else None, "ttls": sorted(x for x in ttls if x),
           "sizes": sorted(sizes), "err_ests": sorted(err_ests), "t1_near_own_clock": near,
           "refused": len(refused), "refused_why": sorted(set(refused))[:10]}
    json.dump(res, open(a.result, "w"))
    print("python reflector: %s" % res)
    return 0 if len(seqs) == a.count else 1


def send(a):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    s.setsockopt(socket.IPPROTO_IP, IP_TTL, 255)
    s.bind((a.bind, a.sport))
    s.settimeout(0.0005)
    key = load_key(a.key)
    base = SENDER_AUTH.size if key is not None else SENDER.size
    rbase = REFLECTOR_AUTH.size if key is not None else REFLECTOR.size
    pad = bytes((i * 7) & 0xff for i in range(a.size - base))
    sent, replies, bad, rtts, res_ns = {}, 0, [], [], []
    seen = set()
    ttls, refl_errs = set(), set()
    tol = 2 * 10 ** 6

    def drain(block_until):
        nonlocal replies
        while True:
            now = time.monotonic()
            if now >= block_until:
                return
            s.settimeout(max(block_until - now, 0.0001))
            try:
                data, _, t4, _ = recv_ts(s)
            except (socket.timeout, BlockingIOError):
                return
            if len(data) < rbase:
                bad.append("short reply %d" % len(data))
                continue
            if key is not None:
                ok, why = auth_ok(key, data, MBZ_REFLECTOR_AUTH)
                if not ok:
                    bad.append("reply: " + why)
                    continue
                seq, t3, err, ssid, t2, sseq, t1, serr, ttl, _ = REFLECTOR_AUTH.unpack_from(data)
            else:
                seq, t3, err, ssid, t2, sseq, t1, serr, _, ttl = REFLECTOR.unpack_from(data)
            replies += 1
            if sseq not in sent:
                bad.append("reply to unknown seq %d" % sseq)
                continue
            if sseq in seen:
                bad.append("duplicate reply %d" % sseq)
            seen.add(sseq)
            mine_t1, mine_len = sent[sseq]
            n1, n2, n3 = ntp_to_ns(t1), ntp_to_ns(t2), ntp_to_ns(t3)
            checks = [
                (seq == sseq, "stateless reflector echoes the sequence (%d vs %d)" % (seq, sseq)),
                (t1 == mine_t1, "T1 echoed exactly"),
                (serr == ERR_EST, "sender error estimate echoed"),
                (err & 0xff != 0, "reflector error estimate multiplier not 0"),
                (len(data) == mine_len, "reply size %d == request %d" % (len(data), mine_len)),
                (data[rbase:] == pad[rbase - base:]
                 if len(data) == mine_len else False, "padding returned"),
                (n2 >= ntp_to_ns(mine_t1) - tol, "T2 %d >= T1 %d" % (n2, ntp_to_ns(mine_t1))),
                (n3 >= n2, "T3 >= T2"),
                (t4 >= n3 - tol, "T4 %d >= T3 %d" % (t4, n3)),
            ]
            for ok, what in checks:
                if not ok:
                    bad.append("seq %d: %s" % (sseq, what))
            ttls.add(ttl)
            refl_errs.add(err)
            rtts.append((t4 - n1) - (n3 - n2))
            res_ns.append(n3 - n2)

    period = 1.0 / a.pps
    nxt = time.monotonic()
    for seq in range(a.count):
        t1 = ntp_from_ns(time.time_ns())
        if key is not None:
            pkt = SENDER_AUTH.pack(seq, t1, ERR_EST, 0, bytes(16))
            pkt = pkt[:96] + mac(key, pkt) + pad
        else:
            pkt = SENDER.pack(seq, t1, ERR_EST, 0) + pad
        sent[seq] = (t1, len(pkt))
        s.sendto(pkt, (a.to, a.port))
        nxt += period
        drain(nxt)
    drain(time.monotonic() + 2.0)
    rtts.sort()
    res = {"sent": a.count, "replies": replies, "distinct": len(seen), "bad": bad[:20],
           "nbad": len(bad), "sender_ttls": sorted(ttls), "reflector_err_ests": sorted(refl_errs),
           "rtt_p50_ns": rtts[len(rtts) // 2] if rtts else None,
           "residence_max_ns": max(res_ns) if res_ns else None}
    json.dump(res, open(a.result, "w"))
    print("python sender: %s" % res)
    want = a.count if a.expect_replies is None else a.expect_replies
    return 0 if not bad and len(seen) == want and replies == want else 1


def main():
    p = argparse.ArgumentParser()
    p.add_argument("mode", choices=["reflect", "send"])
    p.add_argument("--bind", required=True)
    p.add_argument("--to")
    p.add_argument("--port", type=int, default=862)
    p.add_argument("--sport", type=int, default=7001)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--size", type=int, default=100)
    p.add_argument("--pps", type=float, default=500)
    p.add_argument("--timeout", type=float, default=20)
    p.add_argument("--result", required=True)
    p.add_argument("--ready")
    p.add_argument("--key")
    p.add_argument("--reply-key")
    p.add_argument("--expect-replies", type=int)
    a = p.parse_args()
    sys.exit(reflect(a) if a.mode == "reflect" else send(a))


if __name__ == "__main__":
    main()
