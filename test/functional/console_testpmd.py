#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: testpmd-style console commands over the socket with stampede-cli
(issue 15).

  console_testpmd.py STAMPEDE

stampede runs in a network namespace on net_af_packet over a veth pair (va, its peer vb sends),
IPv6 off so the kernel sends nothing by itself, plus net_ring0.
  stop / start   after "stop", 20 frames sent into vb are not read (app-rx of the port stays
                 0); after "start" app-rx reaches exactly 20 (the kernel kept them queued):
                 forwarding paused and resumed, counters kept. A second "stop" says so.
  show port xstats v: rx_good_packets == 20 (the frames the test sent).
  show port stats rates: 0 pps / 0 bit/s while stopped; a show after start that saw frames (all
                 64 bytes): rx-pps > 0 and rx-bps = 512 x rx-pps (rounding).
  set promisc v on|off: the kernel's promiscuity of va (ip -d link) follows: 1, then 0.
  set allmulti: net_ring takes it; af_packet refuses with the driver named; an unknown port
                 is an error naming it.
Needs root (namespaces); skips otherwise.
"""

import os
import re
import subprocess
import sys
import time

import console_lib as cl
import ftlib

CLI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                   "stampede-cli")
N = 20
FRAME_LEN = 64  # the frames send() writes: 12 + 2 + 4 + 46 bytes


def sh(*a):
    return subprocess.run(list(a), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=30)


class NsStampede(ftlib.Stampede):
    def __init__(self, exe, name, ns):
        super().__init__(exe, name)
        self.ns = ns

    def argv(self, args, config="stampede.json", stats=True):
        return ["ip", "netns", "exec", self.ns] + super().argv(args, config, stats)


def cli(path, *cmds):
    a = [sys.executable, CLI, path]
    for c in cmds:
        a += ["-c", c]
    r = subprocess.run(a, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=30)
    ftlib.log("stampede-cli %s: rc %d\n%s" % (" / ".join(cmds), r.returncode, r.stdout))
    return r.stdout


def port_row(path, port):
    out = cli(path, "show port stats " + port)
    rows = cl.table(out.split(cl.PROMPT + "show port stats " + port)[-1].split(cl.PROMPT)[0])
    return cl.row(rows, "name", port)


def app_rx(path, port):
    return cl.num(port_row(path, port), "app-rx")


def promiscuity(ns, dev):
    m = re.search(r"promiscuity (\d+)", sh("ip", "-n", ns, "-d", "link", "show", dev).stdout)
    return int(m.group(1)) if m else None


def send(ns, dev, n):
    code = ("import socket, struct\n"
            "s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)\n"
            "s.bind((%r, 0))\n"
            "for i in range(%d):\n"
            "    s.send(bytes.fromhex('020000000001020000000002' '88b5') + struct.pack('!I', i)"
            " + bytes(46))\n" % (dev, n))
    r = sh("ip", "netns", "exec", ns, sys.executable, "-c", code)
    return r.returncode == 0


def main():
    ck = ftlib.Checker("console_testpmd")
    if os.geteuid() != 0:
        ftlib.skip("needs root for network namespaces")
    ns = "stp15b-%d" % os.getpid()
    st = NsStampede(sys.argv[1], "contpmd", ns)
    try:
        r = sh("ip", "netns", "add", ns)
        if r.returncode != 0:
            ftlib.skip("cannot create a network namespace: " + r.stdout.strip())
        sh("ip", "-n", ns, "link", "add", "va", "type", "veth", "peer", "name", "vb")
        for d in ("all", "default", "va", "vb"):
            sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.%s.disable_ipv6=1" % d)
        for d in ("va", "vb"):
            sh("ip", "-n", ns, "link", "set", d, "up")
        st.write_config({
            "eal": {"hugepages": False},
            "ports": [{"name": "ring", "device": "net_ring0"},
                      {"name": "v", "device": "net_af_packet0,iface=va"}],
            "rules": [{"name": "count", "action": "count"}],
        })
        path = st.path("console.sock")
        st.start(["--console-socket", path])
        ck.check(st.wait_line("stampede: running on"), "stampede started")
        deadline = time.monotonic() + 10
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.05)

        out = cli(path, "stop", "stop")
        ck.check("forwarding stopped" in out, "stop: forwarding stopped", out[-300:])
        ck.check("forwarding already stopped" in out, "a second stop says so")
        ck.check(send(ns, "vb", N), "sent %d frames into vb" % N)
        time.sleep(0.5)
        ck.eq(app_rx(path, "v"), 0, "stopped: app-rx of v stays 0 while frames wait")
        time.sleep(0.3)
        r = port_row(path, "v")
        ck.eq(tuple(cl.num(r, k) for k in ("rx-pps", "rx-bps", "tx-pps", "tx-bps")),
              (0, 0, 0, 0), "stopped: rates since the previous show are 0")
        out = cli(path, "start")
        ck.check("forwarding started" in out, "start: forwarding started", out[-300:])
        got, deadline, first = None, time.monotonic() + 10, None
        while time.monotonic() < deadline:
            time.sleep(0.5)
            r = port_row(path, "v")
            got = cl.num(r, "app-rx")
            if first is None and (cl.num(r, "rx-pps") or 0) > 0:
                first = r
            if got == N:
                break
        ck.eq(got, N, "started: app-rx of v reaches the frames sent while stopped")
        # A show after start whose window holds frames (all of 64 bytes): bit/s = 512 x pps,
        # within the rounding of each figure to an integer.
        pps, bps = cl.num(first or {}, "rx-pps"), cl.num(first or {}, "rx-bps")
        ck.check(pps is not None and pps > 0 and bps is not None
                 and abs(bps - FRAME_LEN * 8 * pps) <= FRAME_LEN * 4 + 1,
                 "show port stats: rx-pps > 0 and rx-bps == %d x rx-pps" % (FRAME_LEN * 8),
                 str(first))

        out = cli(path, "show port xstats v")
        m = re.search(r"^rx_good_packets\s+(\d+)\s*$", out, re.M)
        ck.eq(int(m.group(1)) if m else None, N, "show port xstats v: rx_good_packets")
        out = cli(path, "show port xstats all")
        ck.check("port 0 (ring) xstats:" in out and "port 1 (v) xstats:" in out,
                 "show port xstats all: both ports")

        cli(path, "set promisc v on")
        ck.eq(promiscuity(ns, "va"), 1, "set promisc v on: the kernel's promiscuity of va")
        cli(path, "set promisc v off")
        ck.eq(promiscuity(ns, "va"), 0, "set promisc v off: the kernel's promiscuity of va")
        out = cli(path, "set allmulti ring on", "set allmulti v on", "set promisc nosuch on")
        ck.check("allmulti on on port ring" in out, "set allmulti ring on")
        ck.check("port 1 (v): allmulti on: not supported by the driver" in out,
                 "set allmulti v on: the driver's refusal", out[-400:])
        ck.check('no port "nosuch"' in out, "set promisc nosuch: unknown port named")

        cli(path, "quit")
        rc = st.wait(30)
        if not ck.eq(rc, 0, "exit code after quit"):
            st.show_output()
        s = st.stats()
        if s is not None:
            ftlib.check_accounting(ck, s)
    finally:
        if getattr(st, "proc", None) is not None and st.proc.poll() is None:
            st.proc.kill()
        sh("ip", "netns", "del", ns)
    if not ck.failed:
        st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
