#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: groups of destinations.

  rules_groups.py STAMPEDE MODE

MODE:
  balance2, balance3, balance4
              thousands of flows (IPv4 and IPv6 TCP/UDP, VLAN-tagged, ICMP, ARP and non-IP
              frames), each with packets in both directions (A->B and B->A, interleaved),
              through a balance group of N net_pcap ports. Every flow's packets, in both
              directions, land in one member; every packet reaches exactly one member, in input
              order per member; each member gets a reasonable share (at least a third of 1/N).
  replicate   a replicate group of 3 ports and a pcapng output: every member gets every packet
              in order; replicated == (members - 1) * packets.
  replicate-jumbo
              a replicate group of two pcapng outputs and ports with MTU 9000 and 1500, fed
              60..9000-byte frames (jumbo frames are chained mbufs, shared between the outputs by
              reference and the ports by clone), some cut by a rule's snaplen: every output holds
              every frame intact, each port the frames its MTU allows, mtu_exceeded exact.
              (Regression: the shared reference was taken on the first segment only, so a port's
              TX freed the other segments under the capture writer: garbage or SIGSEGV.)
  first-up    a first-up group of 3 ports (net_pcap ports are up): the first member gets every
              packet, the others nothing.
"""

import random
import sys

import ftlib
import rules_lib
from rules_lib import (ICMP, IP, TCP, UDP, Dot1Q, Ether, IPv6, Raw)

MAC_A = rules_lib.MAC_A
MAC_B = rules_lib.MAC_B


def flows(nflows, seed=3):
    """Frames of nflows bidirectional flows; returns (frames, flow id per frame)."""
    rnd = random.Random(seed)
    pkts = []   # (flow, direction, scapy builder)
    for f in range(nflows):
        kind = rnd.choice(["tcp4", "udp4", "tcp6", "udp6", "vlan-tcp4", "icmp4", "l2"])
        a4 = "10.%d.%d.%d" % (rnd.randrange(256), rnd.randrange(256), rnd.randrange(1, 255))
        b4 = "172.16.%d.%d" % (rnd.randrange(256), rnd.randrange(1, 255))
        a6 = "2001:db8:%x::%x" % (rnd.randrange(65536), rnd.randrange(1, 65536))
        b6 = "2001:db8:ffff::%x" % rnd.randrange(1, 65536)
        pa, pb = rnd.randrange(1024, 65535), rnd.choice([80, 443, 53, 8080, rnd.randrange(1024,
                                                                                       65535)])
        mac_a = "02:00:%02x:%02x:%02x:01" % (f >> 16 & 255, f >> 8 & 255, f & 255)
        mac_b = "02:00:%02x:%02x:%02x:02" % (f >> 16 & 255, f >> 8 & 255, f & 255)

        def build(d, kind=kind, a4=a4, b4=b4, a6=a6, b6=b6, pa=pa, pb=pb, mac_a=mac_a,
                  mac_b=mac_b):
            s4, d4, s6, d6, sp, dp = (a4, b4, a6, b6, pa, pb) if d == 0 else \
                (b4, a4, b6, a6, pb, pa)
            sm, dm = (mac_a, mac_b) if d == 0 else (mac_b, mac_a)
            e = Ether(src=sm, dst=dm)
            if kind == "tcp4":
                return e / IP(src=s4, dst=d4) / TCP(sport=sp, dport=dp, flags="A", chksum=1)
            if kind == "udp4":
                return e / IP(src=s4, dst=d4) / UDP(sport=sp, dport=dp, chksum=0)
            if kind == "tcp6":
                return e / IPv6(src=s6, dst=d6) / TCP(sport=sp, dport=dp, flags="A", chksum=1)
            if kind == "udp6":
                return e / IPv6(src=s6, dst=d6) / UDP(sport=sp, dport=dp, chksum=0)
            if kind == "vlan-tcp4":
                return e / Dot1Q(vlan=100) / IP(src=s4, dst=d4) / TCP(sport=sp, dport=dp,
                                                                       chksum=1)
            if kind == "icmp4":
                return e / IP(src=s4, dst=d4) / ICMP(type=8 if d == 0 else 0, id=7)
            return Ether(src=sm, dst=dm, type=0x88B5) / Raw(b"l2 flow")
        npk = rnd.randrange(1, 4)
        tmpl = [bytes(build(0)), bytes(build(1))]
        for k in range(npk):
            pkts.append((f, 0, tmpl[0]))
            pkts.append((f, 1, tmpl[1]))
    # Interleave flows but keep each flow's packets in order.
    rnd.shuffle(pkts)
    frames, fid = [], []
    for i, (f, d, b) in enumerate(pkts):
        frames.append(rules_lib.finish(b, i, 64))
        fid.append((f, d))
    return frames, fid


def run(st, ck, cfg):
    st.write_config(cfg)
    rc = st.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "exit code with --exit-on-eof")
    return st.stats()


def test_balance(st, ck, nmem):
    frames, fid = flows(2500, seed=nmem)
    ftlib.write_pcap_ns(st.path("in.pcap"), frames, rules_lib.T0, rules_lib.STEP)
    members = ["m%d" % k for k in range(nmem)]
    ports = [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"}]
    ports += [{"name": m, "device": "net_pcap%d,tx_pcap=%s.pcap" % (k + 1, m)}
              for k, m in enumerate(members)]
    s = run(st, ck, rules_lib.base_config(
        ports, groups=[{"name": "lb", "mode": "balance", "members": members}],
        rules=[{"name": "all", "action": "forward", "out": "lb"}]))
    pos = {f: i for i, f in enumerate(frames)}
    where = {}
    flow_members = {}
    ok_order = True
    counts = []
    for k, m in enumerate(members):
        got = rules_lib.port_frames(ck, st.path(m + ".pcap"))
        counts.append(len(got))
        idx = [pos.get(g, -1) for g in got]
        if any(i < 0 for i in idx) or any(a >= b for a, b in zip(idx, idx[1:])):
            ok_order = False
        for i in idx:
            if i >= 0:
                where.setdefault(i, []).append(k)
                flow_members.setdefault(fid[i][0], set()).add(k)
    ck.check(ok_order, "every member's frames are input frames, in input order")
    ck.eq(sum(counts), len(frames), "frames over all members")
    ck.eq(sorted(where) == list(range(len(frames))) and all(len(v) == 1 for v in
                                                           where.values()), True,
          "every frame reached exactly one member")
    split = [f for f, ms in flow_members.items() if len(ms) > 1]
    ck.check(not split, "both directions of every flow (%d flows, %d frames) in one member"
             % (len(flow_members), len(frames)),
             "%d flows split, e.g. flow %s" % (len(split), split[:3]))
    fair = len(frames) / nmem / 3
    ck.check(all(c >= fair for c in counts), "each member gets a reasonable share: %s "
             "(>= %d each)" % (counts, fair))
    ftlib.check_accounting(ck, s, received=len(frames), transmitted=len(frames), drops={})
    if s is not None:
        ck.eq(s.get("replicated"), 0, "replicated")
        ck.eq([p.get("tx_pkts") for p in s.get("ports", [])[1:]], counts,
              "ports[].tx_pkts == frames in each member's file")


def test_replicate(st, ck):
    frames, _ = rules_lib.mixed_frames(1500, seed=61)
    ftlib.write_pcap_ns(st.path("in.pcap"), frames, rules_lib.T0, rules_lib.STEP)
    members = ["m0", "m1", "m2"]
    ports = [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"}]
    ports += [{"name": m, "device": "net_pcap%d,tx_pcap=%s.pcap" % (k + 1, m)}
              for k, m in enumerate(members)]
    s = run(st, ck, rules_lib.base_config(
        ports, outputs=[{"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng")}],
        groups=[{"name": "all", "mode": "replicate", "members": members + ["cap"]}],
        rules=[{"name": "all", "action": "forward", "out": "all"}]))
    for m in members:
        ftlib.compare_frames(ck, rules_lib.port_frames(ck, st.path(m + ".pcap")), frames,
                             m + ".pcap (replicate member)")
    try:
        ng = rules_lib.read_pcapng(st.path("cap-0.pcapng"))
        ftlib.compare_frames(ck, [p["data"] for p in ng["packets"]], frames,
                             "cap-0.pcapng (replicate member)")
    except (OSError, rules_lib.PcapngError) as e:
        ck.check(False, "cap-0.pcapng readable", str(e))
    n = len(frames)
    ftlib.check_accounting(ck, s, received=n, transmitted=3 * n, drops={})
    if s is not None:
        ck.eq(s.get("replicated"), 3 * n, "replicated == (members - 1) * packets")
        ck.eq(s.get("captured"), n, "captured")


def test_replicate_jumbo(st, ck):
    sizes = [60, 1514, 2100, 3000, 9000, 4000]
    frames = []
    for i in range(600):
        size = sizes[i % len(sizes)]
        frames.append(rules_lib.finish(Ether(src=MAC_A, dst=MAC_B) /
                                       IP(src="10.0.0.1", dst="10.0.0.2") /
                                       UDP(sport=1000 + i % 5, dport=7 + i % 2, chksum=0), i,
                                       size))
    ftlib.write_pcap_ns(st.path("in.pcap"), frames, rules_lib.T0, rules_lib.STEP)
    ports = [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap", "mtu": 9000}]
    ports += [{"name": m, "device": "net_pcap%d,tx_pcap=%s.pcap" % (k + 1, m), "mtu": mtu}
              for k, (m, mtu) in enumerate([("big", 9000), ("small", 1500)])]
    outputs = [{"name": c, "type": "pcapng", "path": st.path(c + "-{index}.pcapng")}
               for c in ("cap1", "cap2")]
    s = run(st, ck, rules_lib.base_config(
        ports, outputs=outputs,
        groups=[{"name": "all", "mode": "replicate", "members": ["big", "cap1", "small",
                                                                 "cap2"]}],
        rules=[{"name": "cut", "filter": "udp dst port 8", "action": "forward", "out": "all",
                "snaplen": 100},
               {"name": "whole", "action": "forward", "out": "all"}]))
    want = [f[:100] if f[36:38] == b"\x00\x08" else f for f in frames]
    ck.check(sum(1 for a, b in zip(want, frames) if a != b) > 100, "some frames are cut")
    for c in ("cap1", "cap2"):
        try:
            ng = rules_lib.read_pcapng(st.path(c + "-0.pcapng"))
            ftlib.compare_frames(ck, [p["data"] for p in ng["packets"]], want,
                                 c + "-0.pcapng (every frame)")
            ck.eq([p["origlen"] for p in ng["packets"]], [len(f) for f in frames],
                  c + ": original lengths")
        except (OSError, rules_lib.PcapngError) as e:
            ck.check(False, c + "-0.pcapng readable", str(e))
    ftlib.compare_frames(ck, rules_lib.port_frames(ck, st.path("big.pcap")), want,
                         "big.pcap (MTU 9000: every frame)")
    small = [f for f in want if len(f) <= 1500 + 14 + 8]
    ftlib.compare_frames(ck, rules_lib.port_frames(ck, st.path("small.pcap")), small,
                         "small.pcap (MTU 1500: the frames that fit)")
    n = len(frames)
    ftlib.check_accounting(ck, s, received=n, transmitted=n + len(small),
                           drops={"mtu_exceeded": n - len(small)})
    if s is not None:
        ck.eq(s.get("replicated"), 3 * n, "replicated == (members - 1) * packets")
        ck.eq(s.get("captured"), 2 * n, "captured")


def test_first_up(st, ck):
    frames, _ = rules_lib.mixed_frames(1500, seed=71)
    ftlib.write_pcap_ns(st.path("in.pcap"), frames, rules_lib.T0, rules_lib.STEP)
    members = ["m0", "m1", "m2"]
    ports = [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"}]
    ports += [{"name": m, "device": "net_pcap%d,tx_pcap=%s.pcap" % (k + 1, m)}
              for k, m in enumerate(members)]
    s = run(st, ck, rules_lib.base_config(
        ports, groups=[{"name": "fu", "mode": "first-up", "members": members}],
        rules=[{"name": "all", "action": "forward", "out": "fu"}]))
    ftlib.compare_frames(ck, rules_lib.port_frames(ck, st.path("m0.pcap")), frames,
                         "m0.pcap (first member, up)")
    for m in members[1:]:
        ck.eq(len(rules_lib.port_frames(ck, st.path(m + ".pcap"))), 0, m + ".pcap: frames")
    ftlib.check_accounting(ck, s, received=len(frames), transmitted=len(frames), drops={})


def main():
    exe, mode = sys.argv[1], sys.argv[2]
    ck = ftlib.Checker("rules_groups " + mode)
    st = ftlib.Stampede(exe, "rgrp-" + mode)
    if mode.startswith("balance"):
        test_balance(st, ck, int(mode[len("balance"):]))
    elif mode == "replicate":
        test_replicate(st, ck)
    elif mode == "replicate-jumbo":
        test_replicate_jumbo(st, ck)
    else:
        test_first_up(st, ck)
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
