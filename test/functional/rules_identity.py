#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: per-rule counters follow the rule's NAME across add rule / del rule under
traffic, in all five views (show rules, telemetry, Prometheus, --stats-json, the exit summary).

  rules_identity.py STAMPEDE

Topology (root; skips with 77 otherwise): namespaces G -> D -> S, veth g0-d0 and d1-s0.
stampede runs in D on two net_af_packet ports, "in" (d0) and "out" (d1). The test sends frames
it built itself (UDP port 53, TCP port 80, ICMP echo, UDP port 5000) from G in six phases and
changes the rules between phases through the console socket:

  P1 [dns fwd]            then  add rule at 0 icmp (count icmp)
  P2 [icmp dns fwd]       then  del rule dns
  P3 [icmp fwd]           then  add rule at 1 web (drop tcp port 80)
  P4 [icmp web fwd]       then  add rule at 0 dns (the same name again)
  P5 [dns icmp web fwd]   then  del rule icmp
  P6 [dns web fwd]

The expected count of every rule comes from a model in this test: it knows which frames it sent
in each phase and which rules were in place then. After each phase (a barrier: stampede's
received equals what was sent, nothing in flight, the sink namespace's kernel counter equals
what the model forwarded) the live views are checked per name; after quit, --stats-json and
the exit summary. A deleted rule keeps its counter under its name, marked deleted, frozen; the
same name added again continues it. The totals are checked against the model and the kernel:
received = sent, transmitted = forwarded = what S received, drops.rule_drop = web's count, and
received + replicated + generated = transmitted + captured + consumed + dropped exactly.
"""

import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time

import console_lib as cl
import ftlib

KINDS = ("dns", "web", "icmp", "other")
# Frames per kind sent in each phase.
PHASES = [
    {"dns": 40, "web": 30, "icmp": 20, "other": 10},
    {"dns": 25, "web": 15, "icmp": 35, "other": 5},
    {"dns": 10, "web": 20, "icmp": 30, "other": 40},
    {"dns": 12, "web": 22, "icmp": 7, "other": 9},
    {"dns": 6, "web": 4, "icmp": 3, "other": 2},
    {"dns": 8, "web": 11, "icmp": 13, "other": 17},
]
# The rules after each phase's command: (name, kind matched or None for every packet, action).
RULE_DEFS = {
    "dns": ("dns", "count", {"name": "dns", "filter": "udp port 53", "action": "count"}),
    "icmp": ("icmp", "count", {"name": "icmp", "filter": "icmp", "action": "count"}),
    "web": ("web", "drop", {"name": "web", "filter": "tcp port 80", "action": "drop"}),
    "fwd": (None, "forward", None),
}
STEPS = [
    ("add rule at 0 " + json.dumps(RULE_DEFS["icmp"][2], separators=(",", ":")),
     ["icmp", "dns", "fwd"]),
    ("del rule dns", ["icmp", "fwd"]),
    ("add rule at 1 " + json.dumps(RULE_DEFS["web"][2], separators=(",", ":")),
     ["icmp", "web", "fwd"]),
    ("add rule at 0 " + json.dumps(RULE_DEFS["dns"][2], separators=(",", ":")),
     ["dns", "icmp", "web", "fwd"]),
    ("del rule icmp", ["dns", "web", "fwd"]),
]


class Model:
    """What stampede must have counted, from what the test sent and the rules in place."""

    def __init__(self):
        self.matched = {}
        self.live = ["dns", "fwd"]
        self.sent = self.forwarded = self.dropped = 0

    def phase(self, counts):
        for kind, n in counts.items():
            self.sent += n
            for name in self.live:
                match, action, _ = RULE_DEFS[name]
                if match is not None and match != kind:
                    continue
                self.matched[name] = self.matched.get(name, 0) + n
                if action == "drop":
                    self.dropped += n
                    break
                if action == "forward":
                    self.forwarded += n
                    break

    def deleted(self):
        return sorted(n for n in self.matched if n not in self.live)


def icmp_frame(seq):
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x1414, seq) + b"p" * 24
    icmp = icmp[:2] + struct.pack("!H", ftlib.inet_csum(icmp)) + icmp[4:]
    ip = ftlib.ipv4(bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), 1, icmp, ident=seq, frag=0)
    return bytes.fromhex("020000000002" "020000000001") + b"\x08\x00" + ip


def frame(kind, i):
    if kind == "dns":
        return cl.frame("udp", 2000 + i % 1000, 53)
    if kind == "web":
        return cl.frame("tcp", 3000 + i % 1000, 80)
    if kind == "icmp":
        return icmp_frame(i & 0xFFFF)
    return cl.frame("udp", 4000 + i % 1000, 5000)


SENDER = r"""
import socket, struct, sys, time
frames = []
data = open(sys.argv[2], "rb").read()
off = 0
while off < len(data):
    n = struct.unpack("!H", data[off:off + 2])[0]
    frames.append(data[off + 2:off + 2 + n])
    off += 2 + n
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
for i, f in enumerate(frames):
    s.send(f)
    if i % 16 == 15:
        time.sleep(0.002)
"""


def sh(*args, check=True):
    r = subprocess.run(list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=60)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(args), r.stderr.strip()))
    return r


class NsStampede(ftlib.Stampede):
    """stampede started inside network namespace ns."""

    def __init__(self, exe, name, ns):
        super().__init__(exe, name)
        self.ns = ns

    def argv(self, args, config="stampede.json", stats=True):
        return ["ip", "netns", "exec", self.ns] + super().argv(args, config, stats)


def telemetry(prefix, cmds):
    r = subprocess.run([sys.executable, shutil.which("dpdk-telemetry.py"), "-f", prefix],
                       input="\n".join(cmds) + "\n", stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=30)
    out = {}
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                out.update(json.loads(line))
            except ValueError:
                pass
    return out


def prom_rules(ns, url):
    """{rule name: value} of stampede_rule_matched_packets_total, scraped inside ns."""
    r = sh("ip", "netns", "exec", ns, sys.executable, "-c",
           "import sys, urllib.request; "
           "sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())",
           url, check=False)
    got = {}
    for m in re.finditer(r'^stampede_rule_matched_packets_total\{rule="([^"]*)"\} (\d+)$',
                         r.stdout, re.M):
        got[m.group(1)] = int(m.group(2))
    return got


def sysfs(ns, ifname, counter):
    r = sh("ip", "netns", "exec", ns, "cat",
           "/sys/class/net/%s/statistics/%s" % (ifname, counter), check=False)
    try:
        return int(r.stdout)
    except ValueError:
        return -1


def main():
    ck = ftlib.Checker("rules_identity")
    if os.geteuid() != 0:
        ftlib.skip("needs root (network namespaces, veth)")
    for tool in ("ip", "dpdk-telemetry.py"):
        if shutil.which(tool) is None:
            ftlib.skip(tool + " not found")
    tag = "s14r%d" % (os.getpid() % 100000)
    nsg, nsd, nss = tag + "g", tag + "d", tag + "s"
    g0, d0, d1, s0 = tag + "g0", tag + "d0", tag + "d1", tag + "s0"
    made = []
    st = None
    try:
        for n in (nsg, nsd, nss):
            sh("ip", "netns", "add", n)
            made.append(n)
        sh("ip", "link", "add", g0, "netns", nsg, "type", "veth", "peer", "name", d0,
           "netns", nsd)
        sh("ip", "link", "add", d1, "netns", nsd, "type", "veth", "peer", "name", s0,
           "netns", nss)
        for ns, ifn in ((nsg, g0), (nsd, d0), (nsd, d1), (nss, s0)):
            # No IPv6: no router solicitations or DAD frames in the counters.
            sh("ip", "netns", "exec", ns, "sysctl", "-qw",
               "net.ipv6.conf.%s.disable_ipv6=1" % ifn, check=False)
            sh("ip", "-n", ns, "link", "set", ifn, "up")
        sh("ip", "-n", nsd, "link", "set", "lo", "up")  # the metrics listen on 127.0.0.1
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        for n in made:
            sh("ip", "netns", "del", n, check=False)
        ftlib.skip("cannot set up namespaces and veth: %s" % e)

    try:
        st = NsStampede(sys.argv[1], "rules-identity", nsd)
        st.write_config({
            "eal": {"hugepages": False},
            "ports": [{"name": "in", "device": "net_af_packet0,iface=" + d0},
                      {"name": "out", "device": "net_af_packet1,iface=" + d1}],
            "rules": [RULE_DEFS["dns"][2],
                      {"name": "fwd", "in": ["in"], "action": "forward", "out": "out"}],
        })
        sock_path = st.path("console.sock")
        st.start(["--console-socket", sock_path, "--metrics", "127.0.0.1:0"])
        run(ck, st, nsg, nsd, nss, g0, s0, sock_path)
    finally:
        if st is not None:
            if st.proc.poll() is None:
                st.signal(15)
                st.wait(timeout=30)
            st.cleanup()
        for n in made:
            sh("ip", "netns", "del", n, check=False)
    ck.finish()


def barrier(ck, st, model, nss, s0, label):
    """Wait until stampede received every frame sent, has none in flight, and the sink got
    every frame the model forwarded."""
    deadline = time.monotonic() + 20
    while True:
        t = telemetry(st.prefix, ["/stampede/totals"]).get("/stampede/totals", {})
        sink = sysfs(nss, s0, "rx_packets")
        done = (t.get("received") == model.sent and t.get("in_flight") == 0
                and sink == model.forwarded)
        if done or time.monotonic() > deadline:
            ck.check(done, label + ": stampede received every frame sent and the sink every "
                     "frame forwarded", "totals %s sink %d, sent %d forwarded %d"
                     % (t, sink, model.sent, model.forwarded))
            return done
        time.sleep(0.1)


def show_rules(sock):
    sock.sendall(b"show rules\n")
    text = cl.read_until(sock, cl.PROMPT)
    if text.startswith("show rules"):
        text = text.split("\n", 1)[-1]  # the echoed command
    live = {r["name"]: cl.num(r, "matched") for r in cl.table(text)}
    dead = {}
    m = re.search(r"^deleted rules \(counters kept\):(.*)$", text, re.M)
    if m:
        for name, v in re.findall(r"(\S+)=(\d+)", m.group(1)):
            dead[name] = int(v)
    return [r["name"] for r in cl.table(text)], live, dead, text


def check_live(ck, st, model, sock, nsd, url, label):
    want = dict(model.matched)
    for name in model.live:
        want.setdefault(name, 0)
    names, live, dead, text = show_rules(sock)
    ck.eq(names, model.live, label + ": show rules lists the live rules in order")
    ck.eq(live, {n: want[n] for n in model.live}, label + ": show rules matched per name")
    ck.eq(dead, {n: want[n] for n in model.deleted()},
          label + ": show rules: deleted rules keep their counts")
    tel = telemetry(st.prefix, ["/stampede/rules"]).get("/stampede/rules", {})
    tn, tm, td = tel.get("name", []), tel.get("matched", []), tel.get("deleted", [])
    ck.eq(dict(zip(tn, tm)), want, label + ": /stampede/rules matched per name")
    ck.eq(sorted(n for n, d in zip(tn, td) if d), model.deleted(),
          label + ": /stampede/rules marks the deleted rules")
    ck.eq(prom_rules(nsd, url), want,
          label + ": stampede_rule_matched_packets_total{rule} per name")


def run(ck, st, nsg, nsd, nss, g0, s0, sock_path):
    if not ck.check(st.wait_line("stampede: running on", timeout=30), "stampede started"):
        return
    st.wait_line("stampede: metrics at", timeout=10)
    m = re.search(r"stampede: metrics at (http://\S+/metrics)", "".join(st._lines))
    if not ck.check(m is not None, "stampede prints its metrics URL"):
        return
    url = m.group(1)
    deadline = time.monotonic() + 10
    while not os.path.exists(sock_path) and time.monotonic() < deadline:
        time.sleep(0.05)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(sock_path)
    cl.read_until(sock, cl.PROMPT)
    model = Model()
    seq = 0
    for k, counts in enumerate(PHASES):
        label = "P%d" % (k + 1)
        frames = []
        # Interleaved kinds, so a burst holds several of them.
        left = dict(counts)
        while any(left.values()):
            for kind in KINDS:
                if left[kind] > 0:
                    frames.append(frame(kind, seq))
                    seq += 1
                    left[kind] -= 1
        path = st.path("phase%d.bin" % k)
        with open(path, "wb") as f:
            for fr in frames:
                f.write(struct.pack("!H", len(fr)) + fr)
        r = sh("ip", "netns", "exec", nsg, sys.executable, "-c", SENDER, g0, path, check=False)
        ck.eq(r.returncode, 0, label + ": the sender sent its %d frames" % len(frames))
        model.phase(counts)
        if not barrier(ck, st, model, nss, s0, label):
            return
        check_live(ck, st, model, sock, nsd, url, label)
        if k < len(STEPS):
            cmd, live = STEPS[k]
            sock.sendall(cmd.encode() + b"\n")
            t = cl.read_until(sock, cl.PROMPT)
            ck.check("error" not in t and ("added" in t or "deleted" in t),
                     label + ": " + cmd, t.strip())
            model.live = live
    # Per-stage cost (rte_graph style): the rules stage was given every frame sent.
    sock.sendall(b"show lcores\n")
    t = cl.read_until(sock, cl.PROMPT)
    rows = cl.table(t.split("\n", 1)[-1])
    ck.check(len(rows) == 1 and re.match(r"^rules:\d+\.\d$", rows[0].get("stage-cycles/pkt", ""))
             is not None, "show lcores: the rules stage's cycles per packet", t)
    lc = telemetry(st.prefix, ["/stampede/lcores"]).get("/stampede/lcores", {})
    ck.eq(lc.get("stage_rules_packets"), [model.sent],
          "/stampede/lcores stage_rules_packets == frames sent")
    ck.check(len(lc.get("stage_rules_cycles", [])) == 1 and lc["stage_rules_cycles"][0] > 0,
             "/stampede/lcores stage_rules_cycles > 0", str(lc))
    sock.sendall(b"quit\n")
    cl.read_until(sock, cl.PROMPT, timeout=5)
    sock.close()
    rc = st.wait(timeout=30)
    ck.eq(rc, 0, "exit code after quit")

    want = dict(model.matched)
    final = st.stats()
    if final is None:
        st.show_output()
        return
    got = {r["name"]: r["matched"] for r in final.get("rules", [])}
    ck.eq(got, want, "--stats-json rules[].matched per name")
    ck.eq(sorted(r["name"] for r in final.get("rules", []) if r.get("deleted")),
          model.deleted(), "--stats-json marks the deleted rules")
    summ = {}
    for m in re.finditer(r"^rule (\S+)\s+matched (\d+)( \(deleted\))?$", st.out, re.M):
        summ[m.group(1)] = int(m.group(2))
    ck.eq(summ, want, "exit summary: rule NAME matched N per name")
    stages = [x for lc in final.get("lcores", []) for x in lc.get("stages", [])]
    ck.eq([(x.get("name"), x.get("packets")) for x in stages], [("rules", model.sent)],
          "--stats-json lcores[].stages: the rules stage was given every frame sent")
    ftlib.check_accounting(ck, final, received=model.sent, transmitted=model.forwarded,
                           drops={"rule_drop": model.dropped})
    ck.eq(sysfs(nss, s0, "rx_packets"), model.forwarded,
          "the sink's kernel counter == what the model forwarded")
    if ck.failed:
        st.show_output()


if __name__ == "__main__":
    main()
