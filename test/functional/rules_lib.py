# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Helpers of the rules_*.py functional tests (filter, steer and capture).

- mixed_frames(): a few thousand unique frames of every kind a filter must tell apart (IPv4
  TCP/UDP/ICMP and fragments, IPv6 with and without extension headers, ICMPv6, VLAN, QinQ,
  ARP, LLDP, 802.3/LLC and other non-IP frames). Every frame ends with a 4-byte sequence number
  so that frames are unique and can be mapped back to their input index.
- tcpdump_match(): the indices of the frames a libpcap filter accepts, as tcpdump (the
  reference implementation of the filter language) computes them on the same pcap.
- read_pcapng(): a small pcapng reader (SHB, IDB, EPB, ISB, options) to check what stampede's
  writer wrote, independently of tshark.
"""

import os
import random
import shutil
import struct
import subprocess

import ftlib

ftlib.need_scapy()
from scapy.all import (ARP, ICMP, IP, LLC, SNAP, TCP, UDP, Dot1AD, Dot1Q, Dot3,  # noqa: E402
                       Ether, ICMPv6EchoReply, ICMPv6EchoRequest, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, Raw)

MAC_A = "02:00:00:00:00:0a"
MAC_B = "02:00:00:00:00:0b"
BCAST = "ff:ff:ff:ff:ff:ff"

T0 = 1700000000123456789
STEP = 1001


def need_tools(*tools):
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        ftlib.skip("not installed: " + ", ".join(missing))


def seq_tail(n):
    return struct.pack("!I", n)


def finish(pkt, seq, size=None):
    """Bytes of pkt followed by padding (to size, when given) and the 4-byte sequence number."""
    b = bytes(pkt)
    if size is not None and len(b) + 4 < size:
        b += b"\x5a" * (size - len(b) - 4)
    return b + seq_tail(seq)


def _ip4(rnd, flow):
    return IP(src="10.%d.%d.1" % (flow % 7, flow % 251), dst="10.99.%d.2" % (flow % 13),
              id=flow & 0xffff, ttl=64)


def _ip6(flow):
    return IPv6(src="2001:db8::%x:1" % flow, dst="2001:db8:1::%x:2" % (flow % 17), hlim=64)


def _l4_tcp(rnd, port=None):
    sp = rnd.randrange(1024, 65535)
    dp = port if port is not None else rnd.choice([22, 80, 443, 8080, 25])
    if rnd.random() < 0.3:
        sp, dp = dp, sp
    return TCP(sport=sp, dport=dp, flags=rnd.choice(["S", "SA", "A", "PA", "FA", "R"]),
               seq=rnd.randrange(1 << 32), chksum=0x1234)


def _l4_udp(rnd):
    sp = rnd.randrange(1024, 65535)
    dp = rnd.choice([53, 123, 4789, 5000, 80])
    return UDP(sport=sp, dport=dp, chksum=0)


def _kinds(rnd):
    """(name, weight, build(flow) -> scapy packet or bytes without the sequence number)."""
    def eth(dst=MAC_B, **kw):
        return Ether(src=MAC_A, dst=dst, **kw)

    return [
        ("tcp4", 10, lambda f: eth() / _ip4(rnd, f) / _l4_tcp(rnd)),
        ("tcp4-80", 6, lambda f: eth() / _ip4(rnd, f) / _l4_tcp(rnd, 80)),
        ("udp4", 8, lambda f: eth() / _ip4(rnd, f) / _l4_udp(rnd)),
        ("icmp4", 4, lambda f: eth() / _ip4(rnd, f) / ICMP(type=8, id=f & 0xffff, seq=1)),
        ("ip4-frag-tcp80", 2, lambda f: eth() / IP(src="10.5.0.1", dst="10.5.0.2", id=f & 0xffff,
                                                      proto=6, frag=100, flags=0) /
         Raw(b"\x00\x50\x00\x50" + b"x" * 24)),
        ("ip4-opts-udp", 1, lambda f: eth() / IP(src="10.6.0.1", dst="10.6.0.2",
                                                  options=[b"\x94\x04\x00\x00"]) / _l4_udp(rnd)),
        ("ip4-bcast-udp", 1, lambda f: eth(dst=BCAST) / IP(src="10.7.0.1", dst="10.7.255.255") /
         UDP(sport=68, dport=67, chksum=0)),
        ("tcp6", 5, lambda f: eth() / _ip6(f) / _l4_tcp(rnd)),
        ("tcp6-80", 3, lambda f: eth() / _ip6(f) / _l4_tcp(rnd, 80)),
        ("udp6", 4, lambda f: eth() / _ip6(f) / _l4_udp(rnd)),
        ("icmp6", 3, lambda f: eth() / _ip6(f) / (ICMPv6EchoRequest(id=f & 0xffff)
                                                  if f & 1 else ICMPv6EchoReply(id=f & 0xffff))),
        ("ip6-hbh-udp", 2, lambda f: eth() / _ip6(f) / IPv6ExtHdrHopByHop() / _l4_udp(rnd)),
        ("ip6-hbh-tcp80", 2, lambda f: eth() / _ip6(f) / IPv6ExtHdrHopByHop() /
         _l4_tcp(rnd, 80)),
        ("ip6-rt-dst-udp", 1, lambda f: eth() / _ip6(f) /
         IPv6ExtHdrRouting(addresses=["2001:db8:2::1"]) / IPv6ExtHdrDestOpt() / _l4_udp(rnd)),
        ("ip6-frag-tcp", 1, lambda f: eth() / _ip6(f) / IPv6ExtHdrFragment(id=f, m=0) /
         _l4_tcp(rnd)),
        ("ip6-hbh-icmp6", 1, lambda f: eth() / _ip6(f) / IPv6ExtHdrHopByHop() /
         ICMPv6EchoRequest(id=f & 0xffff)),
        ("vlan-tcp80", 3, lambda f: eth() / Dot1Q(vlan=100, prio=f % 8) / _ip4(rnd, f) /
         _l4_tcp(rnd, 80)),
        ("vlan-udp", 3, lambda f: eth() / Dot1Q(vlan=rnd.choice([100, 200, 4094])) /
         _ip4(rnd, f) / _l4_udp(rnd)),
        ("vlan-icmp", 1, lambda f: eth() / Dot1Q(vlan=100) / _ip4(rnd, f) / ICMP()),
        ("vlan-tcp6", 2, lambda f: eth() / Dot1Q(vlan=300) / _ip6(f) / _l4_tcp(rnd)),
        ("vlan-arp", 1, lambda f: eth(dst=BCAST) / Dot1Q(vlan=100) /
         ARP(op=1, hwsrc=MAC_A, psrc="10.0.8.1", pdst="10.0.8.%d" % (f % 250 + 2))),
        ("qinq-ad-udp", 2, lambda f: eth(type=0x88A8) / Dot1AD(vlan=200) / Dot1Q(vlan=300) /
         _ip4(rnd, f) / _l4_udp(rnd)),
        ("qinq-ad-tcp80", 2, lambda f: eth(type=0x88A8) / Dot1AD(vlan=201) / Dot1Q(vlan=100) /
         _ip4(rnd, f) / _l4_tcp(rnd, 80)),
        ("qinq-8100-tcp", 1, lambda f: eth() / Dot1Q(vlan=10) / Dot1Q(vlan=20) / _ip4(rnd, f) /
         _l4_tcp(rnd)),
        ("qinq-ad-tcp6", 1, lambda f: eth(type=0x88A8) / Dot1AD(vlan=5) / Dot1Q(vlan=6) /
         _ip6(f) / _l4_tcp(rnd, 80)),
        ("arp", 3, lambda f: eth(dst=BCAST) / ARP(op=1, hwsrc=MAC_A, psrc="10.0.8.1",
                                                  pdst="10.0.8.%d" % (f % 250 + 2))),
        ("arp-reply", 1, lambda f: eth() / ARP(op=2, hwsrc=MAC_B, psrc="10.0.8.2",
                                               pdst="10.0.8.1")),
        ("lldp", 1, lambda f: Ether(src=MAC_A, dst="01:80:c2:00:00:0e", type=0x88CC) /
         Raw(b"\x02\x07\x04" + bytes(6))),
        ("local-exp", 1, lambda f: eth(type=0x88B5) / Raw(b"experimental")),
        ("llc", 1, lambda f: Dot3(src=MAC_A, dst="01:80:c2:00:00:00") /
         LLC(dsap=0x42, ssap=0x42, ctrl=3) / Raw(b"\x00" * 35)),
        ("snap", 1, lambda f: Dot3(src=MAC_A, dst=MAC_B) / LLC() / SNAP(OUI=0, code=0x0800) /
         Raw(b"\x00" * 20)),
    ]


def mixed_frames(n=3000, seed=1, seq0=0):
    """n unique frames (bytes) of every kind, random order; returns (frames, kinds)."""
    rnd = random.Random(seed)
    kinds = _kinds(rnd)
    weights = [k[1] for k in kinds]
    frames, names = [], []
    for i in range(n):
        # Every kind at least once, then by weight.
        k = kinds[i] if i < len(kinds) else rnd.choices(kinds, weights)[0]
        pkt = k[2](i)
        size = rnd.choice([None, None, 60, 128, 300, 1000, 1514])
        fr = finish(pkt, seq0 + i, size)
        if len(fr) > 1514:
            fr = finish(pkt, seq0 + i)
        if len(fr) < 60:
            fr = finish(pkt, seq0 + i, 60)
        frames.append(fr)
        names.append(k[0])
    assert len(set(frames)) == len(frames)
    return frames, names


def tcpdump_filter(inp, outp, flt):
    """tcpdump -r inp -w outp FILTER; returns the frames written."""
    r = subprocess.run(["tcpdump", "-n", "-r", inp, "-w", outp, flt], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("tcpdump %r failed: %s" % (flt, r.stderr.strip()))
    return ftlib.read_pcap(outp)[0]


def tcpdump_match(inp, frames, flt, workdir):
    """The set of indices of frames (the content of inp) that tcpdump's FILTER accepts."""
    if flt == "":
        return set(range(len(frames)))
    index = {fr: i for i, fr in enumerate(frames)}
    out = os.path.join(workdir, "tcpdump-%08x.pcap" % (hash(flt) & 0xffffffff))
    got = tcpdump_filter(inp, out, flt)
    return {index[fr] for fr in got}


# --- pcapng -----------------------------------------------------------------------------------

class PcapngError(Exception):
    pass


def _options(data, endian):
    opts = []
    off = 0
    while off + 4 <= len(data):
        code, ln = struct.unpack(endian + "HH", data[off:off + 4])
        off += 4
        if code == 0:
            break
        opts.append((code, data[off:off + ln]))
        off += (ln + 3) & ~3
    return opts


def read_pcapng(path):
    """Parse a pcapng file. Returns a dict: interfaces [{name, description, tsresol, snaplen,
    linktype}], packets [{if, ts_ns, caplen, origlen, data, comments, flags}], isbs, sections,
    shb options. Raises PcapngError on a malformed file."""
    with open(path, "rb") as f:
        data = f.read()
    res = {"interfaces": [], "packets": [], "isbs": [], "sections": 0, "shb": {}}
    off = 0
    endian = "<"
    while off < len(data):
        if off + 12 > len(data):
            raise PcapngError("%s: truncated block header at %d" % (path, off))
        btype = struct.unpack("<I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = data[off + 8:off + 12]
            endian = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            res["sections"] += 1
            res["interfaces"] = res["interfaces"] if res["sections"] == 1 else res["interfaces"]
        btype, blen = struct.unpack(endian + "II", data[off:off + 8])
        if blen < 12 or blen % 4 or off + blen > len(data):
            raise PcapngError("%s: bad block length %d at %d" % (path, blen, off))
        if struct.unpack(endian + "I", data[off + blen - 4:off + blen])[0] != blen:
            raise PcapngError("%s: trailing length mismatch at %d" % (path, off))
        body = data[off + 8:off + blen - 4]
        if btype == 0x0A0D0D0A:
            major, minor = struct.unpack(endian + "HH", body[4:8])
            if (major, minor) != (1, 0):
                raise PcapngError("%s: version %d.%d" % (path, major, minor))
            for code, val in _options(body[16:], endian):
                res["shb"][code] = val
        elif btype == 1:
            linktype, _, snaplen = struct.unpack(endian + "HHI", body[:8])
            itf = {"linktype": linktype, "snaplen": snaplen, "tsresol": 6, "name": None,
                   "description": None}
            for code, val in _options(body[8:], endian):
                if code == 2:
                    itf["name"] = val.decode(errors="replace")
                elif code == 3:
                    itf["description"] = val.decode(errors="replace")
                elif code == 9:
                    itf["tsresol"] = val[0]
            res["interfaces"].append(itf)
        elif btype == 6:
            ifid, tsh, tsl, caplen, origlen = struct.unpack(endian + "IIIII", body[:20])
            if ifid >= len(res["interfaces"]):
                raise PcapngError("%s: EPB interface %d without IDB" % (path, ifid))
            ts = (tsh << 32) | tsl
            r = res["interfaces"][ifid]["tsresol"]
            if r & 0x80:
                raise PcapngError("%s: power-of-2 tsresol not handled" % path)
            ts_ns = ts * 10**(9 - r) if r <= 9 else ts // 10**(r - 9)
            pkt = {"if": ifid, "ts_ns": ts_ns, "caplen": caplen, "origlen": origlen,
                   "data": body[20:20 + caplen], "comments": [], "flags": None}
            for code, val in _options(body[20 + ((caplen + 3) & ~3):], endian):
                if code == 1:
                    pkt["comments"].append(val.decode(errors="replace"))
                elif code == 2:
                    pkt["flags"] = struct.unpack(endian + "I", val)[0]
            res["packets"].append(pkt)
        elif btype == 5:
            res["isbs"].append(struct.unpack(endian + "I", body[:4])[0])
        off += blen
    if res["sections"] == 0:
        raise PcapngError("%s: no section header" % path)
    return res


def tshark_fields(path, fields, extra=()):
    """Run tshark -T fields; returns a list of rows (lists of strings)."""
    argv = ["tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=|"]
    for f in fields:
        argv += ["-e", f]
    r = subprocess.run(argv + list(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("tshark failed on %s: %s" % (path, r.stderr.strip()))
    return [line.split("|") for line in r.stdout.splitlines()]


def epoch_to_ns(s):
    """tshark's frame.time_epoch "1700000000.123456789" as integer ns (never through float)."""
    sec, _, frac = s.strip().partition(".")
    frac = (frac + "000000000")[:9]
    return int(sec) * 10**9 + int(frac)


def capinfos_count(path):
    """(ok, packet count, message) from capinfos -c -M."""
    r = subprocess.run(["capinfos", "-c", "-M", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    if r.returncode != 0:
        return False, None, r.stderr.strip() or r.stdout.strip()
    for line in r.stdout.splitlines():
        if "Number of packets" in line:
            return True, int(line.split(":")[1].strip().split()[0]), ""
    return False, None, r.stdout.strip()


def tcpdump_count(path):
    """(ok, number of packets tcpdump -r reads, message)."""
    r = subprocess.run(["tcpdump", "-n", "-r", path], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    if r.returncode != 0:
        return False, None, r.stderr.strip()
    return True, sum(1 for _ in r.stdout.splitlines()), ""


def base_config(ports, **kw):
    cfg = {"eal": {"hugepages": False}, "ports": ports}
    cfg.update(kw)
    return cfg


def port_frames(ck, path):
    """The frames of a tx_pcap output; a missing or damaged file is a failed check and []."""
    try:
        return ftlib.read_pcap(path)[0]
    except (OSError, ValueError) as e:
        ck.check(False, os.path.basename(path) + " readable", str(e))
        return []
