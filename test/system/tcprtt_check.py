#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Helpers of test/system/tcp_rtt.sh: rewrite a capture of real kernel TCP traffic, flood, and
check stampede's tcp_rtt records against tshark's fields of the same pcap.

  tcprtt_check.py vlan3 IN.pcap OUT.pcap
      every frame in an 802.1ad (100) + 802.1Q (200) + 802.1Q (300) stack; same record times.
  tcprtt_check.py v6atomic IN.pcap OUT.pcap
      every IPv4 frame as IPv6 (198.18.0.x -> 2001:db8:18::x) with an atomic fragment header
      (RFC 6946: offset 0, M = 0) between the IPv6 and TCP headers; TCP unchanged but its
      checksum; same record times.
  tcprtt_check.py flood IN.pcap OUT.pcap N
      IN with N spoofed SYNs (scapy; 10.66.0.0/16 -> the server's port, never answered) spread
      evenly over its time span, merged in time order.
  tcprtt_check.py flood-live IFACE PPS SECONDS DST_MAC SERVER PORT [READY_FILE]
      sends spoofed SYNs (a scapy template, one AF_PACKET socket) at about PPS for SECONDS;
      creates READY_FILE when it starts sending; prints how many it sent.
  tcprtt_check.py check PCAP RECORDS.json [--min-ts N] [--min-fin-ack N] [--vlans 100,200,300]
      the expected samples from tshark's fields of PCAP (frame.time_epoch as integer ns, the
      addresses, ports, flags, payload length, TSval and TSecr), by the rules README.md states
      (handshake: last SYN -> first SYN-ACK, last SYN-ACK -> the client's first ACK; ts_rule
      "data": the first data or FIN segment with a new TSval starts a sample, the first packet
      the other way whose TSecr echoes it ends it; a flow closed by FIN both ways ends at the
      last ACK, or at a new SYN on its 4-tuple); every record must be one of them, to the ns, and every expected one must be
      a record. --min-ts: at least N tsval samples; --min-fin-ack: at least N samples ended by
      the last ACK of a FIN/FIN/ACK close. Exit 0 when all match.
"""

import json
import socket
import struct
import subprocess
import sys
import time
from collections import Counter, defaultdict

from frames import inet_csum  # the RFC 1071 checksum of the system tests

T0_NS = 10**9


def read_pcap(path):
    """(nanosecond?, linktype, [(ts_ns, bytes)])."""
    with open(path, "rb") as f:
        hdr = f.read(24)
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic == 0xa1b23c4d:
            scale, endian = 1, "<"
        elif magic == 0xa1b2c3d4:
            scale, endian = 1000, "<"
        else:
            sys.exit("%s: not a little-endian pcap" % path)
        link = struct.unpack(endian + "I", hdr[20:24])[0]
        out = []
        while True:
            rh = f.read(16)
            if len(rh) < 16:
                break
            s, frac, incl, _ = struct.unpack(endian + "IIII", rh)
            out.append((s * T0_NS + frac * scale, f.read(incl)))
    return link, out


def write_pcap(path, recs, link=1):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b23c4d, 2, 4, 0, 0, 262144, link))
        for ts, fr in recs:
            f.write(struct.pack("<IIII", ts // T0_NS, ts % T0_NS, len(fr), len(fr)))
            f.write(fr)


def rewrite(mode, src, dst):
    from scapy.all import IP, TCP, Dot1AD, Dot1Q, Ether, IPv6, IPv6ExtHdrFragment
    link, recs = read_pcap(src)
    out = []
    for ts, fr in recs:
        e = Ether(fr)
        if mode == "vlan3":
            inner = e.payload
            p = Ether(src=e.src, dst=e.dst) / Dot1AD(vlan=100) / Dot1Q(vlan=200) / \
                Dot1Q(vlan=300, type=e.type) / inner
        else:
            if IP not in e or TCP not in e:
                out.append((ts, fr))
                continue
            ip = e[IP]
            t = e[TCP].copy()
            del t.chksum
            a6 = lambda a: "2001:db8:18::%s" % a.split(".")[-1]  # noqa: E731
            p = Ether(src=e.src, dst=e.dst) / IPv6(src=a6(ip.src), dst=a6(ip.dst), hlim=ip.ttl) / \
                IPv6ExtHdrFragment(offset=0, m=0, id=ip.id) / t
        out.append((ts, bytes(p)))
    write_pcap(dst, out, link)
    print("%s: %d frames rewritten (%s)" % (dst, len(out), mode))


def flood_frames(n, dst_mac="02:00:00:00:00:02", server="198.18.0.2", port=8080):
    """n Linux-like SYNs from spoofed 10.66.0.0/16 sources: one scapy template, then the
    source address, port, sequence number, TSval and both checksums set per frame (scapy
    builds ~2 k frames/s, too slow to flood with)."""
    from scapy.all import IP, TCP, Ether
    tmpl = bytearray(bytes(Ether(src="02:66:00:00:00:01", dst=dst_mac) /
                           IP(src="10.66.0.1", dst=server, ttl=64, flags="DF") /
                           TCP(sport=1024, dport=port, flags="S", window=64240,
                               options=[("MSS", 1460), ("SAckOK", b""), ("Timestamp", (1, 0)),
                                        ("NOP", None), ("WScale", 7)])))
    ihl = (tmpl[14] & 0x0f) * 4
    th = 14 + ihl
    tlen = len(tmpl) - th
    ts_off = th + 20 + 4 + 2 + 2  # MSS (4), SAckOK (2), TS kind+len (2)
    assert tmpl[ts_off - 2] == 8 and tmpl[ts_off - 1] == 10
    dst = bytes(tmpl[30:34])
    frames = []
    for i in range(n):
        fr = bytearray(tmpl)
        src = bytes([10, 66, (i // 250) % 250, i % 250 + 1])
        fr[26:30] = src
        struct.pack_into("!H", fr, 18, i & 0xffff)                 # IP id
        struct.pack_into("!H", fr, 24, 0)
        struct.pack_into("!H", fr, 24, inet_csum(bytes(fr[14:14 + ihl])))
        struct.pack_into("!HHI", fr, th, 1024 + i % 60000, port, (i * 7919) & 0xffffffff)
        struct.pack_into("!II", fr, ts_off, i + 1, 0)
        struct.pack_into("!H", fr, th + 16, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, tlen)
        struct.pack_into("!H", fr, th + 16, inet_csum(pseudo + bytes(fr[th:])))
        frames.append(bytes(fr))
    return frames


def flood(src, dst, n):
    link, recs = read_pcap(src)
    t_first, t_last = recs[0][0], recs[-1][0]
    span = max(t_last - t_first, 1)
    fl = [(t_first + span * (i + 1) // (n + 1) + 1, fr)
          for i, fr in enumerate(flood_frames(n))]
    merged = sorted(recs + fl, key=lambda x: x[0])
    write_pcap(dst, merged, link)
    print("%s: %d capture frames + %d flood SYNs over %.3f s" % (dst, len(recs), n, span / 1e9))


def flood_live(iface, pps, seconds, dst_mac, server, port, ready=None):
    frames = flood_frames(int(pps * seconds), dst_mac, server, int(port))
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    if ready:
        open(ready, "w").close()
    t0 = time.monotonic()
    sent = 0
    for i, fr in enumerate(frames):
        # Paced: frame i leaves at t0 + i / pps (the kernel's socket buffer absorbs bursts).
        wait = t0 + i / pps - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        try:
            s.send(fr)
            sent += 1
        except OSError:
            pass
    print("flood: %d SYNs sent in %.2f s" % (sent, time.monotonic() - t0))


def ns(s):
    sec, _, frac = s.partition(".")
    return int(sec) * T0_NS + int((frac + "000000000")[:9])


FIELDS = ["frame.time_epoch", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst",
          "tcp.dstport", "tcp.flags", "tcp.len", "tcp.options.timestamp.tsval",
          "tcp.options.timestamp.tsecr", "ieee8021ad.id", "vlan.id"]


def tshark_packets(pcap):
    cmd = ["tshark", "-r", pcap, "-n", "-Y", "tcp", "-T", "fields", "-E", "occurrence=a",
           "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    res = subprocess.run(cmd, capture_output=True, text=True, check=True)
    for line in res.stdout.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        src = v["ip.src"] or v["ipv6.src"]
        dst = v["ip.dst"] or v["ipv6.dst"]
        if "," in src or "," in dst:  # tunnels: not in these captures
            continue
        tsval = v["tcp.options.timestamp.tsval"]
        yield dict(t=ns(v["frame.time_epoch"]), src=src, sport=int(v["tcp.srcport"]), dst=dst,
                   dport=int(v["tcp.dstport"]), flags=int(v["tcp.flags"], 16),
                   plen=int(v["tcp.len"] or 0), tsval=int(tsval) if tsval else None,
                   tsecr=int(v["tcp.options.timestamp.tsecr"]) if tsval else None,
                   # 802.1ad tags first: the outer ones in these captures
                   vlans=tuple(int(x) for x in (v["ieee8021ad.id"] + "," + v["vlan.id"]).split(",")
                               if x))


FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10


def expected(pcap):
    """The samples the README's rules give for the packets tshark decodes."""
    flows = {}
    want = []

    def sample(kind, f, src_ep, rtt, fin_ack=False):
        other = f["eps"][1] if f["eps"][0] == src_ep else f["eps"][0]
        want.append((kind, src_ep[0], src_ep[1], other[0], other[1], f["vlans"], rtt, fin_ack))

    for p in tshark_packets(pcap):
        a, b = (p["src"], p["sport"]), (p["dst"], p["dport"])
        key = (p["vlans"], tuple(sorted([a, b])))
        f = flows.get(key)
        fl = p["flags"]
        if f is not None and f["closing"] is not None and fl & (SYN | ACK) == SYN:
            f = None  # a new connection on a closing flow's 4-tuple starts afresh
        if f is None:
            if fl & (RST | FIN):
                continue
            if not (fl & SYN) and not (p["tsval"] is not None and p["plen"] > 0):
                continue
            f = flows[key] = dict(eps=(a, b), vlans=p["vlans"], client=None, syn=None,
                                  synack=None, hs_done=False, stored={a: {}, b: {}},
                                  last={a: None, b: None}, fins=set(), closing=None)
        if fl & RST:
            del flows[key]
            continue
        t = p["t"]
        # Handshake (last SYN -> first SYN-ACK; last SYN-ACK -> the client's first ACK).
        if fl & SYN and not fl & ACK:
            if f["syn"] is None or (f["client"] == a and f["synack"] is None):
                f["client"], f["syn"] = a, t
        elif fl & SYN and fl & ACK:
            if f["synack"] is None:
                if f["client"] != a:
                    f["synack"] = t
                    if f["syn"] is not None:
                        sample("syn_synack", f, f["client"], t - f["syn"])
                    else:
                        f["client"] = b
            elif f["client"] != a and not f["hs_done"]:
                f["synack"] = t
        elif fl & ACK and f["client"] == a and f["synack"] is not None and not f["hs_done"]:
            f["hs_done"] = True
            sample("synack_ack", f, b, t - f["synack"])
        # Timestamps (ts_rule "data").
        if p["tsval"] is not None and not fl & SYN:
            if p["tsecr"] and p["tsecr"] in f["stored"][b]:
                sample("tsval", f, b, t - f["stored"][b].pop(p["tsecr"]),
                       fin_ack=f["closing"] is not None)
            if (p["plen"] > 0 or fl & FIN) and p["tsval"] != f["last"][a]:
                f["last"][a] = p["tsval"]
                f["stored"][a][p["tsval"]] = t
        # Closing: FIN both ways, then the first closer's ACK ends the flow.
        if f["closing"] is not None:
            if a != f["closing"] and fl & ACK:
                del flows[key]
        elif fl & FIN:
            f["fins"].add(a)
            if len(f["fins"]) == 2:
                f["closing"] = a
    return want


def check(pcap, records, min_ts, min_fin_ack, vlans):
    want = expected(pcap)
    got = []
    for line in open(records):
        r = json.loads(line)
        got.append((r["kind"], r["src"], r["sport"], r["dst"], r["dport"], tuple(r["vlan"]),
                    r["rtt_ns"]))
    w = Counter(x[:7] for x in want)
    g = Counter(got)
    missing = w - g
    extra = g - w
    kinds = Counter(x[0] for x in want)
    fin_ack = sum(1 for x in want if x[7])
    print("check %s: tshark's fields give %d samples (%s; %d end at a FIN/FIN/ACK close's "
          "last ACK), stampede wrote %d" % (pcap.split("/")[-1], len(want), dict(kinds),
                                            fin_ack, len(got)))
    for x in list(missing.elements())[:8]:
        print("  expected, not recorded: %s" % (x,))
    for x in list(extra.elements())[:8]:
        print("  recorded, not expected: %s" % (x,))
    ok = not missing and not extra and kinds["tsval"] >= min_ts and fin_ack >= min_fin_ack
    if vlans is not None:
        bad = [x for x in got if x[5] != vlans]
        ok = ok and not bad
        print("  every record's vlan list %s: %s" % (list(vlans), "yes" if not bad else bad[:3]))
    ex = [x for x in want if x[0] == "tsval"][:3]
    for x in ex:
        print("  e.g. tsval %s:%d -> %s:%d: tshark %d ns" % (x[1], x[2], x[3], x[4], x[6]))
    print("check: %s" % ("every record equals a sample of tshark's fields to the ns, and "
                         "every such sample is a record" if ok else
                         "FAIL (tsval %d >= %d? fin/ack %d >= %d?)" %
                         (kinds["tsval"], min_ts, fin_ack, min_fin_ack)))
    return ok


def main():
    a = sys.argv[1:]
    if not a:
        sys.exit(__doc__)
    if a[0] in ("vlan3", "v6atomic"):
        rewrite(a[0], a[1], a[2])
    elif a[0] == "flood":
        flood(a[1], a[2], int(a[3]))
    elif a[0] == "flood-live":
        flood_live(a[1], float(a[2]), float(a[3]), a[4], a[5], a[6], a[7] if len(a) > 7 else None)
    elif a[0] == "check":
        opts = {"--min-ts": 0, "--min-fin-ack": 0, "--vlans": None}
        rest = a[3:]
        for i in range(0, len(rest), 2):
            opts[rest[i]] = rest[i + 1]
        vl = tuple(int(x) for x in opts["--vlans"].split(",")) if opts["--vlans"] else None
        sys.exit(0 if check(a[1], a[2], int(opts["--min-ts"]), int(opts["--min-fin-ack"]), vl)
                 else 1)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
