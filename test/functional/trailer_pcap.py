#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: switch trailers become the packets' timestamps (ports[].trailer).

  trailer_pcap.py STAMPEDE strip|keep|stack|fcs

The input is a nanosecond pcap of IPv4/UDP frames that a Metamako / Arista 7130 switch would
have extended (FORMATS.md section 1): original FCS, u32 seconds, u32 ns, flags, device, port
(and, for "fcs", the new FCS after it). The trailer times differ from the pcap record times by
a few ms (within tshark's 30-day window, FORMATS.md), and every 7th frame carries a malformed
trailer (reserved flag bit 0x40, which tshark 4.0.17 still decodes; ns >= 10^9; or no trailer). tshark's own Metamako dissector
(--enable-heuristic metamako_eth) first checks that the input holds what the test meant.

stampede captures to pcapng; tshark reads the output back:
  strip  frame.time_epoch == trailer time to the ns, frames are the originals (trailer gone);
  keep   same stamps, frames unchanged, tshark still decodes the trailer in the output;
  stack  two Metamako hops (generic layout of two): the inner hop's time, both stripped;
  fcs    the final FCS present ("fcs": "auto"): stripped frames keep their original FCS.
Malformed frames keep their pcap stamp, are forwarded unchanged and counted trailer_invalid.
"""

import calendar
import struct
import sys
import time
import zlib

import ftlib
import rules_lib

ftlib.need_scapy()
from scapy.all import IP, UDP, Ether, Raw  # noqa: E402

T0 = 1700000000123456789
N = 140


def fcs(b):
    return struct.pack("<I", zlib.crc32(b) & 0xffffffff)


def mm(ns, flags=0x01, dev=0x1234, port=7, nsfield=None):
    return struct.pack("!IIBHB", ns // 10**9, ns % 10**9 if nsfield is None else nsfield,
                       flags, dev, port)


def mm_time_to_ns(s):
    """tshark's "Nov 14, 2023 22:13:20.123456789 UTC" (TZ=UTC) as integer ns."""
    s = s.strip()
    if s.endswith(" UTC"):
        s = s[:-4]
    main, _, frac = s.partition(".")
    sec = calendar.timegm(time.strptime(main, "%b %d, %Y %H:%M:%S"))
    return sec * 10**9 + int((frac + "000000000")[:9])


def build(mode):
    """(wire frames, originals, trailer ns or None when malformed, what tshark decodes)."""
    wire, orig, tns, tsh = [], [], [], []
    for i in range(N):
        f = bytes(Ether(src="02:00:00:00:00:0a", dst="02:00:00:00:00:0b") /
                  IP(src="10.7.0.1", dst="10.7.0.%d" % (2 + i % 50)) /
                  UDP(sport=4000 + i, dport=5000) / Raw(struct.pack("!I", i) * (4 + i % 30)))
        f = f + b"\x00" * max(0, 60 - len(f))
        t = T0 + i * 1001 - 3_000_000 + (i % 13) * 77   # a few ms before the record time
        bad = i % 7 == 3
        if mode == "stack":
            t_in = t
            t_out = t + 2500
            tr = fcs(f) + mm(t_in, dev=1, port=3)
            tr = tr + fcs(f + tr) + mm(t_out, dev=2, port=9)
            if bad:
                tr = tr[:-12] + mm(t_out, flags=0x81)
        elif bad:
            kind = (i // 7) % 3
            if kind == 0:
                # tshark 4.0.17 ignores reserved flags; stampede refuses 0x08/0x40/0x80.
                tr = fcs(f) + mm(t, flags=0x41)
            elif kind == 1:
                tr = fcs(f) + mm(t, nsfield=1_500_000_000)
            else:
                tr = b""
        else:
            tr = fcs(f) + mm(t)
        w = f + tr
        if mode == "fcs":
            w = w + fcs(w)
        wire.append(w)
        orig.append(f)
        tns.append(None if bad else t)
        tsh.append(t if not bad or (mode != "stack" and (i // 7) % 3 == 0) else None)
    return wire, orig, tns, tsh


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "strip"
    ck = ftlib.Checker("trailer_pcap " + mode)
    rules_lib.need_tools("tshark")
    st = ftlib.Stampede(sys.argv[1], "trailer-" + mode)
    wire, orig, tns, tsh = build(mode)
    rec = ftlib.write_pcap_ns(st.path("in.pcap"), wire, T0, 1001)
    good = sum(1 for t in tns if t is not None)

    # The input, read by tshark's own dissector: what the frames carry is what the test meant.
    if mode != "stack":
        rows = rules_lib.tshark_fields(st.path("in.pcap"), ["metamako.time", "metamako.srcdevice",
                                                             "metamako.srcport"],
                                       ["--enable-heuristic", "metamako_eth"])
        dec = [mm_time_to_ns(r[0]) if r[0] else None for r in rows]
        ck.eq(dec, tsh, "tshark decodes the input's trailers as built (None: malformed)")
    else:
        rows = rules_lib.tshark_fields(st.path("in.pcap"), ["metamako.srcdevice",
                                                             "metamako.srcport"],
                                       ["--enable-heuristic", "metamako_eth"])
        ck.check(all(r == ["2", "9"] for r, t in zip(rows, tns) if t is not None),
                 "tshark decodes the outer hop (device 2, port 9) of the input")

    trailer = {"format": "metamako", "strip": mode != "keep"}
    if mode == "stack":
        trailer = {"format": "generic", "strip": True,
                   "layout": [{"kind": "metamako"}, {"kind": "metamako"}]}
    if mode == "fcs":
        trailer["fcs"] = "auto"
    trailer["max_skew_s"] = 86400
    st.write_config(rules_lib.base_config(
        [{"name": "sw", "device": "net_pcap0,rx_pcap=in.pcap", "trailer": trailer}],
        outputs=[{"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng")}],
        rules=[{"name": "all", "action": "forward", "out": "cap"}]))
    rc = st.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "exit code with --exit-on-eof")
    path = st.path("cap-0.pcapng")
    ng = rules_lib.read_pcapng(path)
    got = [p["data"] for p in ng["packets"]]
    want = []
    for w, o, t in zip(wire, orig, tns):
        if t is None or mode == "keep":
            want.append(w)
        elif mode == "fcs":
            want.append(o + fcs(o))
        else:
            want.append(o)
    ftlib.compare_frames(ck, got, want, "capture (trailers %s)"
                         % ("kept" if mode == "keep" else "stripped"))
    rows = rules_lib.tshark_fields(path, ["frame.time_epoch", "frame.comment"])
    want_ts = [t if t is not None else r for t, r in zip(tns, rec)]
    got_ts = [rules_lib.epoch_to_ns(r[0]) for r in rows]
    ck.eq(got_ts, want_ts, "tshark frame.time_epoch == trailer time to the ns (pcap record "
          "time for the malformed)")
    ck.eq([r[1] for r in rows], ["ts=trailer" if t is not None else "ts=pcap" for t in tns],
          "frame.comment names the source")
    if mode == "keep":
        rows = rules_lib.tshark_fields(path, ["metamako.time"],
                                       ["--enable-heuristic", "metamako_eth"])
        ck.eq([mm_time_to_ns(r[0]) if r[0] else None for r in rows], tsh,
              "the trailers are still in the output and decode to the same times")
    s = st.stats()
    ftlib.check_accounting(ck, s, received=N, transmitted=0, drops={})
    if s is not None:
        ck.eq(s.get("captured"), N, "captured (malformed trailers are not dropped)")
        ck.eq(s.get("timestamps", {}).get("trailer"), good, "timestamps.trailer")
        ck.eq(s.get("timestamps", {}).get("pcap"), N - good, "timestamps.pcap (malformed)")
        p = s.get("ports", [{}])[0]
        ck.eq((p.get("trailer"), p.get("trailer_ok"), p.get("trailer_invalid"),
               p.get("trailer_stacked")),
              ("generic" if mode == "stack" else "metamako", good, N - good,
               good if mode == "stack" else 0),
              "ports[sw]: trailer, trailer_ok, trailer_invalid, trailer_stacked")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
