#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: STAMP (RFC 8762) Session-Sender and Session-Reflector in one stampede.

  stamp_loop.py STAMPEDE loop|loop-stateful|stateful|frames|badinput

loop     net_ring0 loops what is sent on it back to its RX. A STAMP stream (probes[].mode
         "stamp", to UDP 862) goes out, comes back to the same instance's Session-Reflector
         (probe_rx.mode "stamp"), is answered out of the same port, comes back again and is
         measured by the sender side: RTT, forward, backward, residence. With a deterministic
         impairment the received / lost / duplicates / reordered counts must equal the model's
         (the same code as the stampede probes); the verbose lines' T1 <= T2 <= T3 <= T4 and
         rtt = (t4 - t1) - (t3 - t2) must hold for every line; accounting exact.
frames   three streams (stampede, stamp, plain; sizes cycled: IMIX-like, with the payload
         patterns incrementing / random / zeros) written by net_pcap: every frame has its
         size, a valid UDP checksum, its stream's sequence in order, and its payload pattern
         intact (the generator copies only the header part into mbufs of its own pre-filled
         pool: this checks that no frame carries another's bytes).
loop-stateful  the same with probe_rx.stamp_stateful: the sender's measurement is unchanged
         (it matches replies by its own sequence, echoed), one reflector session.
loop-auth  the loop in RFC 8762's authenticated mode (stamp_auth "hmac-sha256", one key file
         for sender and reflector, stateful): the same counts, no auth refusal; and
         --dump-config names the key file but prints no byte of the key. loop-auth6: the same
         over IPv6.
stateful requests from a pcap, 4 sessions (sender address, port, SSID) with holes in their
         sequence numbers, to a stateful reflector holding 3: each answered session's replies
         (net_pcap out) count 0, 1, 2, ... with no holes, the sender's sequence echoed with its
         holes; the 4th session is not answered (stamp_session_overflow, passed on).
badinput STAMP packets from a pcap that are not good: short requests to the reflector, replies
         to a session with a zero error-estimate multiplier, a bad PTP timestamp, too short,
         from the reflector port to no session: each counted under its name, passed on, and
         the good reply among them measured.
"""

import re
import struct
import sys

import ftlib
from probe_loop import model

NTP_OFF = 2208988800


def test_loop(ck, st, stateful=False, auth=False, ipv6=False):
    count, drop, dup, swap = 1500, 9, 11, 4
    want = model(count, drop, dup, swap)
    ftlib.log("model: %s" % want)
    key_hex = "5c" * 7 + "0123456789abcdef" * 3 + "a7" * 9   # 40 bytes
    akeys = {}
    if auth:
        with open(st.path("stamp.key"), "w") as f:
            f.write(key_hex + "\n")
        akeys = {"stamp_auth": "hmac-sha256", "stamp_key_file": st.path("stamp.key")}
    addrs = {"src_ip": "fd00::1", "dst_ip": "fd00::2"} if ipv6 else {}
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "ring", "device": "net_ring0"}],
        "probes": [{"name": "st", "port": "ring", "mode": "stamp", "rate_pps": 20000,
                    "count": count, "size": 200 if auth else 128, "stream_id": 3,
                    "dst_mac": "02:00:00:00:00:02",
                    "impair": {"drop_every": drop, "duplicate_every": dup,
                               "swap_every": swap}, **akeys, **addrs}],
        "probe_rx": {"enabled": True, "mode": "stamp", "reflect": True, "verbose": True,
                     "stamp_stateful": stateful, "rate_limit_pps": 0, **akeys},
    })
    if auth:
        rc = st.run(["--dump-config"], timeout=30, stats=False)
        ck.eq(rc, 0, "--dump-config exit code")
        dump = st.out.lower()
        ck.check(st.path("stamp.key") in st.out, "the dump names the key file")
        leaked = [key_hex[i:i + 8] for i in range(0, len(key_hex) - 8, 2)
                  if key_hex[i:i + 8] in dump]
        ck.eq(leaked, [], "no 4 bytes of the key in the dump (hex)")
    rc = st.run(["--duration", "1.5"], timeout=30)
    ck.eq(rc, 0, "exit code")
    s = st.stats()
    if s is None:
        ck.check(False, "stats.json readable")
        return
    ck.eq(s["probes"][0]["mode"], "stamp", "stream mode stamp")
    ck.eq(s["probe_rx"]["mode"], "stamp", "receiver mode stamp")
    ck.eq(s["probe_rx"]["udp_port"], 862, "STAMP port 862 by default")
    lat = {(x["name"], x["direction"]): x for x in s.get("latency", [])}
    ck.eq(sorted(d for (_, d) in lat), ["backward", "forward", "rtt"],
          "rtt, forward and backward measured (no one-way: STAMP requests are reflected)")
    rtt = lat.get(("st", "rtt"), {})
    for k in ("received", "lost", "duplicates", "reordered"):
        ck.eq(rtt.get(k), want[k], "latency st rtt " + k)
    ck.eq(rtt.get("stream_id"), 3, "stream id")
    ck.eq(rtt.get("delay_ns", {}).get("count"), want["received"], "rtt histogram count")
    for d in ("forward", "backward"):
        x = lat.get(("st", d), {})
        ck.eq(x.get("received"), want["received"], d + " received")
        ck.check("synchronised" in x.get("note", ""), d + " note says clocks must be synced")
        ck.eq(x.get("unsynchronised"), want["received"],
              d + ": every measurement flagged unsynchronised (S bit off by default)")
    ck.eq(s["probe_rx"]["reflected"], want["frames"], "reflected every request")
    # Stateful: the sender still measures by its own sequence (echoed); one session.
    ck.eq(s["probe_rx"]["stamp_stateful"], stateful, "probe_rx.stamp_stateful")
    ck.eq(s["probe_rx"]["stamp_sessions"], 1 if stateful else 0, "reflector sessions held")
    for k, v in s["probe_rx"]["ignored"].items():
        ck.eq(v, 0, "ignored." + k)
    ck.eq(s["generated"], count, "generated = count")
    ck.eq(s.get("replicated"), want["dups"], "replicated = impairment duplicates")
    ck.eq(s["consumed"], want["frames"], "consumed = every reply")
    ftlib.check_accounting(ck, s, received=2 * want["frames"],
                           transmitted=2 * want["frames"])
    lines = re.findall(r"^stamp stream=(\d+) seq=(\d+) rtt t1=(\d+) t2=(\d+) t3=(\d+) "
                       r"t4=(\d+) rtt_ns=(-?\d+) fwd_ns=(-?\d+) bwd_ns=(-?\d+) "
                       r"residence_ns=(-?\d+) \(one-way valid with synchronised clocks\) "
                       r"t1_src=sw$",
                       st.out, re.M)
    ck.eq(len(lines), want["received"], "one verbose line per measured reply")
    bad = 0
    for ln in lines:
        sid, seq, t1, t2, t3, t4, r, f, b, res = map(int, ln)
        if sid != 3 or not (t1 <= t2 <= t3 <= t4) or r != (t4 - t1) - (t3 - t2) \
                or f != t2 - t1 or b != t4 - t3 or res != t3 - t2 or seq >= count:
            bad += 1
            if bad < 4:
                ftlib.log("bad line: %s" % (ln,))
    ck.eq(bad, 0, "every line: t1<=t2<=t3<=t4 (one clock), rtt/fwd/bwd/residence consistent")
    if lines:
        mn = min(int(x[6]) for x in lines)
        ck.eq(rtt["delay_ns"]["min"], mn, "histogram min = smallest verbose rtt")


def stamp_frame(payload, sport, dport, src=2):
    """IPv4/UDP from 10.0.0.SRC to 10.0.0.1, a valid IPv4 header checksum, no UDP checksum."""
    eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
    udp_len = 8 + len(payload)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0)
    return eth + ftlib.ipv4(bytes([10, 0, 0, src]), bytes([10, 0, 0, 1]), 17, udp + payload,
                            frag=0)


def ntp(ns):
    s, r = divmod(ns, 10 ** 9)
    return ((s + NTP_OFF) << 32) | (-(-(r << 32) // 10 ** 9))


def reply(seq, t1, t2, t3, err=0x0001, serr=0x0001, ssid=0):
    """A Session-Reflector packet (RFC 8762 4.3.1), 44 bytes."""
    return struct.pack("!IQHHQIQHHB3x", seq, t3, err, ssid, t2, seq, t1, serr, 0, 255)


def test_badinput(ck, st):
    t = 1700000000000000000
    frames = []
    frames += [stamp_frame(b"\0" * 20, 7000, 862)] * 3                 # short request
    frames += [stamp_frame(reply(1, ntp(t), ntp(t), ntp(t))[:30], 862, 7000)] * 2  # short reply
    frames += [stamp_frame(reply(1, ntp(t), ntp(t), ntp(t), err=0x0100), 862, 7000)] * 4
    frames += [stamp_frame(reply(1, ntp(t), (5 << 32) | 2000000000, ntp(t), err=0x4001),
                           862, 7000)] * 5                              # Z, ns >= 10^9
    frames += [stamp_frame(reply(1, ntp(t), ntp(t), ntp(t)), 862, 9999)] * 6  # no session
    frames += [stamp_frame(reply(7, ntp(t), ntp(t + 1000), ntp(t + 3000)), 862, 7000)]
    ftlib.write_pcap_ns(st.path("in.pcap"), frames)
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"}],
        "probes": [{"name": "st", "port": "in", "mode": "stamp", "start": False}],
        "probe_rx": {"enabled": True, "mode": "stamp", "reflect": True, "udp_port": 862},
    })
    rc = st.run(["--exit-on-eof"], timeout=20)
    ck.eq(rc, 0, "exit code")
    s = st.stats()
    if s is None:
        ck.check(False, "stats.json readable")
        return
    ign = s["probe_rx"]["ignored"]
    ck.eq(ign["stamp_short"], 5, "ignored.stamp_short (3 requests + 2 replies)")
    ck.eq(ign["stamp_bad_error_estimate"], 4, "ignored.stamp_bad_error_estimate")
    ck.eq(ign["stamp_bad_timestamp"], 5, "ignored.stamp_bad_timestamp")
    ck.eq(ign["stamp_unknown_session"], 6, "ignored.stamp_unknown_session")
    lat = {x["direction"]: x for x in s.get("latency", [])}
    r = lat.get("rtt", {})
    ck.eq(r.get("received"), 1, "the good reply measured")
    ck.eq(r.get("residence_ns", {}).get("max"), 2000, "residence T3 - T2 = 2000 ns")
    ck.eq(lat.get("forward", {}).get("delay_ns", {}).get("max"), 1000, "forward T2 - T1")
    ck.eq(s["consumed"], 1, "the good reply consumed")
    ck.eq(s["probe_rx"]["reflected"], 0, "nothing reflected")
    ck.eq(s["drops"]["no_rule"], len(frames) - 1, "the bad ones went on to the rules")
    ftlib.check_accounting(ck, s, received=len(frames))


def sender(seq, t1, ssid=0, size=44):
    """A Session-Sender packet (RFC 8762 4.2.1): seq, T1, error estimate, SSID, padding."""
    return struct.pack("!IQHH28x", seq, t1, 0x0001, ssid) + bytes(size - 44)


def test_stateful(ck, st):
    """RFC 8762 4.3 stateful reflection: the reflector's sequence per session counts 0, 1, 2..
    with no holes while the sender's has them (requests lost before the reflector); sessions
    are (sender address, port, SSID); a session beyond probe_rx.stamp_sessions is not
    answered (stamp_session_overflow) and goes on to the rules."""
    t = 1700000000000000000
    # (sport, ssid, src ip last byte): the sender's sequence numbers, with holes.
    sessions = {(7000, 0, 2): [0, 1, 2, 4, 5, 8, 9, 10, 15, 16],
                (7001, 0, 2): [100, 103, 104, 110],
                (7000, 5, 2): [0, 2, 3, 7, 8, 9],
                (7000, 0, 3): [50, 52]}  # the 4th session: over stamp_sessions 3
    frames = []
    order = []
    longest = max(len(v) for v in sessions.values())
    for i in range(longest):  # interleaved
        for key, seqs in sessions.items():
            if i < len(seqs):
                sport, ssid, host = key
                f = stamp_frame(sender(seqs[i], ntp(t + i), ssid, 44 + 8 * (i % 3)), sport,
                                862, src=host)
                frames.append(f)
                order.append(key)
    ftlib.write_pcap_ns(st.path("in.pcap"), frames)
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "p", "device": "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap"}],
        "probe_rx": {"enabled": True, "mode": "stamp", "reflect": True,
                     "stamp_stateful": True, "stamp_sessions": 3, "rate_limit_pps": 0,
                     "stamp_session_idle_s": 0},
    })
    rc = st.run(["--exit-on-eof"], timeout=20)
    ck.eq(rc, 0, "exit code")
    s = st.stats()
    if s is None:
        ck.check(False, "stats.json readable")
        return
    over = len(sessions[(7000, 0, 3)])
    answered = len(frames) - over
    rx = s["probe_rx"]
    ck.eq(rx["stamp_stateful"], True, "probe_rx.stamp_stateful")
    ck.eq(rx["reflected"], answered, "every request of the 3 sessions answered")
    ck.eq(rx["stamp_sessions"], 3, "3 sessions held (stamp_sessions 3)")
    ck.eq(rx["stamp_sessions_created"], 3, "3 sessions created")
    ck.eq(rx["ignored"]["stamp_session_overflow"], over,
          "the 4th session's requests: ignored.stamp_session_overflow")
    ck.eq(s["drops"]["no_rule"], over, "... and passed on to the rules (no rule: dropped)")
    out, _, _ = ftlib.read_pcap(st.path("out.pcap"))
    ck.eq(len(out), answered, "replies written")
    got = {}
    bad = 0
    for f in out:
        ulen = struct.unpack("!H", f[38:40])[0]
        pay = f[42:34 + ulen]
        dport = struct.unpack("!H", f[36:38])[0]
        host = f[33]  # the reply's destination: the sender
        rseq, ssid, sseq = (struct.unpack("!I", pay[0:4])[0], struct.unpack("!H", pay[14:16])[0],
                            struct.unpack("!I", pay[24:28])[0])
        if struct.unpack("!H", f[34:36])[0] != 862 or len(pay) < 44:
            bad += 1
        got.setdefault((dport, ssid, host), []).append((rseq, sseq))
    ck.eq(bad, 0, "replies from port 862, at least 44 bytes")
    ck.eq(sorted(got), sorted(k for k in sessions if k != (7000, 0, 3)),
          "replies to the 3 held sessions only")
    for key, seqs in sessions.items():
        if key == (7000, 0, 3):
            continue
        r = got.get(key, [])
        ck.eq([x[1] for x in r], seqs, "session %s: the sender's sequence echoed (holes)"
              % (key,))
        ck.eq([x[0] for x in r], list(range(len(seqs))),
              "session %s: the reflector's own sequence 0..%d, no holes"
              % (key, len(seqs) - 1))
    ftlib.check_accounting(ck, s, received=len(frames), transmitted=answered)


def test_frames(ck, st):
    sizes = [64, 594, 90, 1518, 128]
    base = {"port": "out", "count": 400, "rate_pps": 100000, "sizes": sizes,
            "src_ip": "198.18.0.1", "dst_ip": "198.18.0.2"}
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "out", "device": "net_pcap0,tx_pcap=out.pcap"}],
        "probes": [dict(base, name="p", mode="stampede", payload="incrementing", dst_port=7777,
                        stream_id=1),
                   dict(base, name="s", mode="stamp", payload="random", stream_id=2),
                   dict(base, name="z", mode="plain", payload="zeros", dst_port=9,
                        stream_id=3)],
    })
    rc = st.run(["--duration", "1.5"], timeout=30)
    ck.eq(rc, 0, "exit code")
    frames, _, _ = ftlib.read_pcap(st.path("out.pcap"))
    ck.eq(len(frames), 1200, "every frame written")
    by = {7777: [], 862: [], 9: []}
    for f in frames:
        by.setdefault(struct.unpack("!H", f[36:38])[0], []).append(f)
    plen = {7777: 40, 862: 44, 9: 0}
    ref = {}
    for dport, fs in by.items():
        ck.eq(len(fs), 400, "frames to port %d" % dport)
        bad_len = bad_ck = bad_seq = bad_pay = 0
        for i, f in enumerate(fs):
            want = max(sizes[i % len(sizes)], {7777: 86, 862: 90, 9: 64}[dport]) - 4
            if len(f) != want:
                bad_len += 1
                continue
            ip, udp = f[14:34], f[34:]
            ulen = struct.unpack("!H", udp[4:6])[0]
            pseudo = ip[12:20] + struct.pack("!BBH", 0, 17, ulen)
            if ftlib.inet_csum(pseudo + udp[:ulen]) != 0 or ip[8] != (255 if dport == 862 else 64):
                bad_ck += 1
            pay = udp[8:ulen]
            if dport == 7777 and struct.unpack("!Q", pay[8:16])[0] != i:
                bad_seq += 1
            if dport == 862 and struct.unpack("!I", pay[0:4])[0] != i:
                bad_seq += 1
            tail = f[42 + plen[dport]:]
            if dport == 7777:
                exp = bytes((42 + 40 + k) & 0xff for k in range(len(tail)))
            elif dport == 9:
                exp = bytes(len(tail))
            else:
                # random: fixed bytes per offset, the same in every frame of the stream
                r = ref.setdefault(dport, tail)
                if len(tail) > len(r):
                    ref[dport] = r = tail if tail[:len(r)] == r else r
                exp = r[:len(tail)]
            if tail != exp:
                bad_pay += 1
        ck.eq(bad_len, 0, "port %d: every frame has its size (cycled, raised to the minimum)"
              % dport)
        ck.eq(bad_ck, 0, "port %d: UDP checksum valid, TTL" % dport)
        ck.eq(bad_seq, 0, "port %d: sequence in order" % dport)
        ck.eq(bad_pay, 0, "port %d: payload pattern intact" % dport)
    s = st.stats()
    if s is not None:
        ftlib.check_accounting(ck, s, received=0, transmitted=1200)


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "loop"
    ck = ftlib.Checker("stamp_" + mode)
    st = ftlib.Stampede(sys.argv[1], "stamp-" + mode)
    if mode == "loop":
        test_loop(ck, st)
    elif mode == "loop-stateful":
        test_loop(ck, st, stateful=True)
    elif mode == "loop-auth":
        test_loop(ck, st, stateful=True, auth=True)
    elif mode == "loop-auth6":
        test_loop(ck, st, stateful=True, auth=True, ipv6=True)
    elif mode == "stateful":
        test_stateful(ck, st)
    elif mode == "badinput":
        test_badinput(ck, st)
    elif mode == "frames":
        test_frames(ck, st)
    if ck.failed:
        st.show_output()
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
