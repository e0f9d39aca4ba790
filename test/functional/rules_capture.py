#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: pcapng capture outputs.

  rules_capture.py STAMPEDE MODE

MODE:
  timestamps  two nanosecond pcap inputs captured to one pcapng output: tshark reads back every
              packet's frame.time_epoch (parsed as integer s and ns, never as a float) equal to
              its input record's stamp exactly, frame.interface_name is its input port (one IDB
              per port), frame.comment is "ts=pcap"; capinfos and tcpdump -r read the file.
  snaplen     a rule with snaplen 96 sends UDP to a pcapng output and (through a later continue
              rule) to a port: captured length min(len, 96), original length = the input length,
              and the port's pcap holds 96-byte frames. An output-level snaplen (128) cuts only
              what that output writes: the port that gets the same TCP frames gets them whole.
  rotate      rotate_bytes 64 KiB and ~1 MB captured: several files named from the pattern, each
              complete (capinfos), none over the limit, the frames of all files in order equal
              the input (no loss, no duplicate), timestamps monotone across files.
  ring        an output with a 64-packet ring and a large input: it may overflow; whether or not
              it does, accepted + refused == matched, drops.capture_ring_full == refused, written
              == accepted == packets in the file, and the accounting holds exactly.
  writers     one output with "writers": 3 and rotate_bytes (path with {writer} and {index}):
              every file is read by capinfos and by the test's own reader; the files together
              hold every input frame exactly once, each file in input order, each packet with
              its input stamp; each writer's "written" in the stats equals what capinfos counts
              in its files. Bad configs: writers 2 without {writer} in the path, writers 2 with
              durable, writers 9, each refused with a message naming it.
"""

import glob
import os
import re
import subprocess
import sys

import ftlib
import rules_lib

EXE = None


def run(st, ck, cfg, timeout=40):
    st.write_config(cfg)
    rc = st.run(["--exit-on-eof"], timeout=timeout)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "exit code with --exit-on-eof")
    return st.stats()


def read_ng(ck, path):
    try:
        return rules_lib.read_pcapng(path)
    except (OSError, rules_lib.PcapngError) as e:
        ck.check(False, path + " is a valid pcapng file", str(e))
        return None


def third_party_read(ck, st, path, want):
    """capinfos and tcpdump -r read the file and count want packets."""
    ok, n, msg = rules_lib.capinfos_count(path)
    ck.check(ok and n == want, "capinfos reads %s: %d packets" % (os.path.basename(path), want),
             "ok %s count %s %s" % (ok, n, msg))
    out = path + ".tcpdump.pcap"
    r = subprocess.run(["tcpdump", "-r", path, "-w", out], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60)
    n = None
    if r.returncode == 0:
        n = len(ftlib.read_pcap(out)[0])
    ck.check(r.returncode == 0 and n == want, "tcpdump -r reads %s: %d packets"
             % (os.path.basename(path), want), "rc %d count %s %s"
             % (r.returncode, n, r.stderr.strip()[-200:]))


def test_timestamps(st, ck):
    rules_lib.need_tools("tshark", "capinfos", "tcpdump")
    inputs = {}
    for k, name in enumerate(["in0", "in1"]):
        frames, _ = rules_lib.mixed_frames(1000, seed=21 + k, seq0=k * 1000000)
        t0 = rules_lib.T0 + k * 777777777 + 1
        stamps = ftlib.write_pcap_ns(st.path(name + ".pcap"), frames, t0, 1001 + 2 * k)
        inputs[name] = dict(zip(frames, stamps))
    ck.check(all(len({t // 1000 for t in d.values()}) == len(d) for d in inputs.values()),
             "input stamps need nanoseconds: no two of an input share a microsecond")
    s = run(st, ck, rules_lib.base_config(
        [{"name": "in0", "device": "net_pcap0,rx_pcap=in0.pcap"},
         {"name": "in1", "device": "net_pcap1,rx_pcap=in1.pcap"}],
        outputs=[{"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng")}],
        rules=[{"name": "all", "action": "forward", "out": "cap"}]))
    path = st.path("cap-0.pcapng")
    ng = read_ng(ck, path)
    total = sum(len(d) for d in inputs.values())
    if ng is not None:
        ck.eq([i["name"] for i in ng["interfaces"]], ["in0", "in1"], "IDB if_name per port")
        ck.eq({i["tsresol"] for i in ng["interfaces"]}, {9}, "IDB if_tsresol 9 (ns)")
        ck.eq(len(ng["packets"]), total, "packets in the file")
    try:
        rows = rules_lib.tshark_fields(path, ["frame.time_epoch", "frame.interface_name",
                                              "frame.comment", "frame.len"])
    except RuntimeError as e:
        ck.check(False, "tshark reads the file", str(e))
        rows = []
    ck.eq(len(rows), total, "tshark: packets")
    bad_ts = bad_if = bad_comment = 0
    seen = {"in0": 0, "in1": 0}
    first_bad = None
    for row, pk in zip(rows, ng["packets"] if ng else []):
        ts = rules_lib.epoch_to_ns(row[0])
        name = row[1]
        want_ts = inputs.get(name, {}).get(pk["data"])
        if want_ts is None:
            bad_if += 1
            continue
        seen[name] += 1
        if ts != want_ts or pk["ts_ns"] != want_ts:
            bad_ts += 1
            if first_bad is None:
                first_bad = "tshark %s (%d ns), reader %d, input %d" % (row[0], ts, pk["ts_ns"],
                                                                        want_ts)
        if "ts=pcap" not in row[2]:
            bad_comment += 1
    ck.eq(bad_if, 0, "packets whose frame.interface_name is not the input port they came from")
    ck.eq(seen, {k: len(v) for k, v in inputs.items()}, "packets per interface")
    ck.check(bad_ts == 0, "frame.time_epoch == input pcap ns stamp, exactly, for every packet",
             "%d differ; first: %s" % (bad_ts, first_bad))
    ck.eq(bad_comment, 0, "packets whose frame.comment lacks ts=pcap")
    third_party_read(ck, st, path, total)
    ftlib.check_accounting(ck, s, received=total, transmitted=0, drops={})
    if s is not None:
        ck.eq(s.get("captured"), total, "captured")
        ck.eq(s.get("timestamps", {}).get("pcap"), total, "timestamps.pcap")


def test_snaplen(st, ck):
    rules_lib.need_tools("tshark")
    frames, _ = rules_lib.mixed_frames(2000, seed=31)
    ftlib.write_pcap_ns(st.path("in.pcap"), frames, rules_lib.T0, rules_lib.STEP)
    s = run(st, ck, rules_lib.base_config(
        [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
         {"name": "out1", "device": "net_pcap1,tx_pcap=out1.pcap"},
         {"name": "out2", "device": "net_pcap2,tx_pcap=out2.pcap"}],
        outputs=[{"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng")},
                 {"name": "cap128", "type": "pcapng", "path": st.path("cap128-{index}.pcapng"),
                  "snaplen": 128}],
        rules=[{"name": "udp96", "filter": "udp", "action": "forward", "out": "cap",
                "snaplen": 96, "continue": True},
               {"name": "udp-port", "filter": "udp", "action": "forward", "out": "out1"},
               {"name": "tcp-cap", "filter": "tcp", "action": "forward", "out": "cap128",
                "continue": True},
               {"name": "tcp-port", "filter": "tcp", "action": "forward", "out": "out2"}]))
    udp = sorted(rules_lib.tcpdump_match(st.path("in.pcap"), frames, "udp", st.dir))
    tcp = sorted(rules_lib.tcpdump_match(st.path("in.pcap"), frames, "tcp and not udp",
                                         st.dir))
    ck.check(any(len(frames[i]) > 96 for i in udp) and any(len(frames[i]) <= 96 for i in udp),
             "UDP frames both longer and shorter than 96 bytes")
    for name, idx, cut in (("cap", udp, 96), ("cap128", tcp, 128)):
        path = st.path(name + "-0.pcapng")
        ng = read_ng(ck, path)
        if ng is None:
            continue
        ck.eq({i["snaplen"] for i in ng["interfaces"]}, {cut if name == "cap128" else 65535},
              name + ": IDB snaplen")
        got = [(p["data"], p["caplen"], p["origlen"]) for p in ng["packets"]]
        want = [(frames[i][:cut], min(len(frames[i]), cut), len(frames[i])) for i in idx]
        ck.eq(len(got), len(want), name + ": packets")
        ck.check(got == want, name + ": every packet's data is the first %d bytes, captured "
                 "length min(len, %d), original length the input length" % (cut, cut),
                 "first difference at %s" % next((k for k, (g, w) in enumerate(zip(got, want))
                                                  if g != w), None))
        try:
            rows = rules_lib.tshark_fields(path, ["frame.len", "frame.cap_len"])
            ck.eq([(int(a), int(b)) for a, b in rows],
                  [(len(frames[i]), min(len(frames[i]), cut)) for i in idx],
                  name + ": tshark frame.len (input length), frame.cap_len (min(len, %d))" % cut)
        except (RuntimeError, ValueError) as e:
            ck.check(False, "tshark reads " + path, str(e))
    got1 = rules_lib.port_frames(ck, st.path("out1.pcap"))
    ftlib.compare_frames(ck, got1, [frames[i][:96] for i in udp],
                         "out1.pcap (UDP cut to 96 by the first matching rule's snaplen)")
    got2 = rules_lib.port_frames(ck, st.path("out2.pcap"))
    ftlib.compare_frames(ck, got2, [frames[i] for i in tcp],
                         "out2.pcap (TCP whole: the output's snaplen cuts only its file)")
    n = len(udp) + len(tcp)
    ftlib.check_accounting(ck, s, received=len(frames), transmitted=n,
                           drops={"no_rule": len(frames) - n})
    if s is not None:
        ck.eq(s.get("captured"), n, "captured")
        ck.eq(s.get("replicated"), n, "replicated (each frame to a port and a file)")


def test_rotate(st, ck):
    rules_lib.need_tools("capinfos")
    rotate = 65536
    frames, _ = rules_lib.mixed_frames(1100, seed=41)
    frames = [f if len(f) >= 900 else f[:-4] + bytes(900 - len(f)) + f[-4:] for f in frames]
    stamps = ftlib.write_pcap_ns(st.path("in.pcap"), frames, rules_lib.T0, 333333)
    total_bytes = sum(len(f) for f in frames)
    ck.check(total_bytes > 900000, "input: %d frames, %d bytes" % (len(frames), total_bytes))
    s = run(st, ck, rules_lib.base_config(
        [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"}],
        outputs=[{"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng"),
                  "rotate_bytes": rotate}],
        rules=[{"name": "all", "action": "forward", "out": "cap"}]))
    files = glob.glob(st.path("cap-*.pcapng"))
    idx = sorted(int(re.fullmatch(r"cap-(\d+)\.pcapng", os.path.basename(f)).group(1))
                 for f in files)
    ck.check(len(idx) >= 10, "several files (%d) for %d bytes at %d per file"
             % (len(idx), total_bytes, rotate))
    ck.eq(idx, list(range(len(idx))), "file indexes 0..n-1, each once")
    got, got_ts = [], []
    for i in idx:
        path = st.path("cap-%d.pcapng" % i)
        size = os.path.getsize(path)
        ck.check(size <= rotate, "cap-%d.pcapng: %d bytes <= rotate_bytes" % (i, size))
        ng = read_ng(ck, path)
        if ng is None:
            continue
        ok, n, msg = rules_lib.capinfos_count(path)
        ck.check(ok and n == len(ng["packets"]) and n > 0, "capinfos reads cap-%d.pcapng: %d "
                 "packets" % (i, len(ng["packets"])), "ok %s count %s %s" % (ok, n, msg))
        ck.eq((ng["sections"], len(ng["interfaces"]), len(ng["isbs"])), (1, 1, 1),
              "cap-%d.pcapng: (sections, IDBs, ISBs)" % i)
        got += [p["data"] for p in ng["packets"]]
        got_ts += [p["ts_ns"] for p in ng["packets"]]
    ftlib.compare_frames(ck, got, frames, "the files' frames, concatenated in index order")
    ck.check(all(a < b for a, b in zip(got_ts, got_ts[1:])),
             "timestamps strictly increasing across files")
    ck.eq(got_ts, stamps[:len(got_ts)] if len(got_ts) == len(stamps) else None,
          "timestamps == input stamps")
    ftlib.check_accounting(ck, s, received=len(frames), transmitted=0, drops={})
    if s is not None:
        ck.eq(s.get("captured"), len(frames), "captured")
        o = (s.get("outputs") or [{}])[0]
        ck.eq((o.get("written"), o.get("files"), o.get("write_errors")),
              (len(frames), len(idx), 0), "outputs[cap] (written, files, write_errors)")
        ck.eq(o.get("bytes"), sum(os.path.getsize(st.path("cap-%d.pcapng" % i)) for i in idx),
              "outputs[cap].bytes == the files' sizes")


def test_ring(st, ck):
    n = 60000
    # Few distinct frames, repeated: big and fast to write; sequence numbers keep them unique.
    base, _ = rules_lib.mixed_frames(200, seed=51)
    frames = [base[i % 200][:-4] + rules_lib.seq_tail(i) for i in range(n)]
    ftlib.write_pcap_ns(st.path("in.pcap"), frames, rules_lib.T0, 1001)
    s = run(st, ck, rules_lib.base_config(
        [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
         {"name": "out", "device": "net_pcap1,tx_pcap=out.pcap"}],
        outputs=[{"name": "cap", "type": "pcapng", "path": st.path("cap-{index}.pcapng"),
                  "ring": 64}],
        rules=[{"name": "cap", "action": "forward", "out": "cap", "continue": True},
               {"name": "fwd", "filter": "ip or ip6", "action": "forward", "out": "out"}]),
        timeout=60)
    ip = len(rules_lib.tcpdump_match(st.path("in.pcap"), frames, "ip or ip6", st.dir))
    ck.check(0 < ip < n, "%d of %d frames are IP" % (ip, n))
    ng = read_ng(ck, st.path("cap-0.pcapng"))
    in_file = len(ng["packets"]) if ng else None
    if s is None:
        ck.check(False, "stats JSON")
        return
    o = (s.get("outputs") or [{}])[0]
    acc, ref = o.get("accepted"), o.get("refused")
    ftlib.log("ring 64: accepted %s refused %s (overflow %s)" % (acc, ref, "yes" if ref else
                                                                 "no"))
    ck.eq(acc + ref, n, "outputs[cap]: accepted + refused == every packet")
    ck.eq(s["drops"].get("capture_ring_full"), ref, "drops.capture_ring_full == refused")
    ck.eq((o.get("written"), in_file), (acc, acc), "outputs[cap] written and file packets == "
          "accepted")
    ck.eq(s.get("captured"), acc, "captured == accepted")
    ip_idx = sorted(rules_lib.tcpdump_match(st.path("in.pcap"), frames, "ip or ip6", st.dir))
    out = rules_lib.port_frames(ck, st.path("out.pcap"))
    ftlib.compare_frames(ck, out, [frames[i] for i in ip_idx],
                         "out.pcap (the port output is not affected by the capture ring)")
    if ng is not None:
        # The packets written are a subsequence of the input, in order.
        pos = {f: i for i, f in enumerate(frames)}
        order = [pos.get(p["data"], -1) for p in ng["packets"]]
        ck.check(all(a < b for a, b in zip(order, order[1:])) and min(order or [0]) >= 0,
                 "captured packets: input frames, in order, none twice")
    ftlib.check_accounting(ck, s, received=n, transmitted=ip,
                           drops={"capture_ring_full": ref, "no_rule": 0})
    ck.eq(s.get("replicated"), ip, "replicated (IP frames go to the file and the port)")


def test_writers(st, ck):
    rules_lib.need_tools("capinfos")
    n, nw, rotate = 30000, 3, 1 << 20
    base, _ = rules_lib.mixed_frames(200, seed=61)
    frames = [base[i % 200][:-4] + rules_lib.seq_tail(i) for i in range(n)]
    stamps = ftlib.write_pcap_ns(st.path("in.pcap"), frames, rules_lib.T0, 1001)
    stamp_of = dict(zip(frames, stamps))
    pos = {f: i for i, f in enumerate(frames)}
    ck.eq(len(pos), n, "input frames are distinct")
    out = {"name": "cap", "type": "pcapng", "path": st.path("cap-{writer}-{index}.pcapng"),
           "rotate_bytes": rotate, "writers": nw}
    s = run(st, ck, rules_lib.base_config(
        [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"}], outputs=[out],
        rules=[{"name": "all", "action": "forward", "out": "cap"}]), timeout=60)
    files = {}
    for f in glob.glob(st.path("cap-*.pcapng")):
        m = re.fullmatch(r"cap-(\d+)-(\d+)\.pcapng", os.path.basename(f))
        ck.check(m is not None, "file name %s from the pattern" % os.path.basename(f))
        if m:
            files.setdefault(int(m.group(1)), []).append(int(m.group(2)))
    ck.eq(sorted(files), list(range(nw)), "a file set per writer, named 0..%d" % (nw - 1))
    seen, per_writer, bad_ts, bad_order = [], {}, 0, 0
    for w, idx in sorted(files.items()):
        ck.eq(sorted(idx), list(range(len(idx))), "writer %d: file indexes 0..n-1" % w)
        per_writer[w] = 0
        for i in sorted(idx):
            path = st.path("cap-%d-%d.pcapng" % (w, i))
            ng = read_ng(ck, path)
            ok, cnt, msg = rules_lib.capinfos_count(path)
            ck.check(ok, "capinfos reads %s" % os.path.basename(path), msg)
            if ng is None or not ok:
                continue
            ck.eq(cnt, len(ng["packets"]), "%s: capinfos count == blocks read"
                  % os.path.basename(path))
            ck.check(os.path.getsize(path) <= rotate, "%s within rotate_bytes"
                     % os.path.basename(path))
            per_writer[w] += cnt
            order = [pos.get(p["data"], -1) for p in ng["packets"]]
            bad_order += sum(1 for a, b in zip(order, order[1:]) if a >= b)
            bad_ts += sum(1 for p in ng["packets"] if stamp_of.get(p["data"]) != p["ts_ns"])
            seen += order
    ck.eq(sorted(seen), list(range(n)), "the files together: every input frame exactly once")
    ck.eq(bad_order, 0, "packets out of input order within a file")
    ck.eq(bad_ts, 0, "packets whose timestamp is not their input stamp")
    ck.check(sum(1 for v in per_writer.values() if v > 0) >= 2, "frames spread over writers: "
             "%s" % per_writer)
    if s is None:
        ck.check(False, "stats JSON")
        return
    o = (s.get("outputs") or [{}])[0]
    ck.eq((o.get("accepted"), o.get("refused"), o.get("written")), (n, 0, n),
          "outputs[cap] (accepted, refused, written)")
    ck.eq([x.get("written") for x in o.get("writers", [])],
          [per_writer.get(w) for w in range(nw)], "outputs[cap].writers[].written == capinfos "
          "counts per writer")
    ck.eq([x.get("files") for x in o.get("writers", [])],
          [len(files.get(w, [])) for w in range(nw)], "outputs[cap].writers[].files")
    ftlib.check_accounting(ck, s, received=n, transmitted=0, drops={})
    for bad, want in ((dict(out, path=st.path("b-{index}.pcapng"), writers=2), "{writer}"),
                      (dict(out, writers=2, durable=True), "durable needs writers 1"),
                      (dict(out, writers=9), "outputs[0].writers: 9 is out of range [1..8]")):
        st.write_config(rules_lib.base_config(
            [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"}], outputs=[bad],
            rules=[{"name": "all", "action": "forward", "out": "cap"}]), "bad.json")
        rc = st.run(["--exit-on-eof"], config="bad.json", timeout=30, stats=False)
        ck.check(rc not in (0, None) and want in st.err + st.out, "refused: %s" % want,
                 "rc %s: %s" % (rc, (st.err + st.out).strip()[-300:]))


def main():
    global EXE
    EXE, mode = sys.argv[1], sys.argv[2]
    ck = ftlib.Checker("rules_capture " + mode)
    st = ftlib.Stampede(EXE, "rcap-" + mode)
    {"timestamps": test_timestamps, "snaplen": test_snaplen, "rotate": test_rotate,
     "ring": test_ring, "writers": test_writers}[mode](st, ck)
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
