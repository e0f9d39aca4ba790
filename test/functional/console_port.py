#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: testpmd's port stop|start on a running stampede (issue 15), console socket.

  console_port.py STAMPEDE

Ports "a" (net_null: it always has frames to receive) and "b" (net_null), rule a -> b. The
ports' counters are read from DPDK's own telemetry (/ethdev/stats,ID, the drivers' counters,
not stampede's):
  port stop a      a's ipackets stop moving (no lcore polls it), show port info/stats say
                   "stopped"; b's opackets stop too (nothing arrives);
  port start a     ipackets move again, from where they were (counters kept);
  port stop b      a's ipackets go on, b's opackets stop: what goes to b is dropped as
                   port_stopped (show drops), and the accounting invariant holds at exit;
  telemetry /stampede/ports rx_pps: 0 for a over a whole window while it is stopped;
  port stop b again, a port that does not exist: errors that say so; port start all.
"""

import os
import re
import shutil
import sys
import time

import console_lib as cl
import ftlib
from probe_ops import Console, telemetry


def eth(prefix, port_id):
    t = telemetry(prefix, ["/ethdev/stats,%d" % port_id]) or {}
    return t.get("/ethdev/stats", {})


def ports_tel(prefix):
    return (telemetry(prefix, ["/stampede/ports"]) or {}).get("/stampede/ports", {})


def moving(prefix, port_id, key, wait=0.5):
    """(first, second) reading of a driver counter, wait seconds apart."""
    a = eth(prefix, port_id).get(key)
    time.sleep(wait)
    return a, eth(prefix, port_id).get(key)


def reply(con, line):
    """What a command printed, without the echo of the command line."""
    return con.cmd(line).split("\n", 1)[-1]


def main():
    ck = ftlib.Checker("console_port")
    if shutil.which("dpdk-telemetry.py") is None:
        ftlib.skip("dpdk-telemetry.py is not installed (Debian package dpdk)")
    st = ftlib.Stampede(sys.argv[1], "conport15")
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "a", "device": "net_null0"}, {"name": "b", "device": "net_null1"}],
        "rules": [{"name": "a-to-b", "in": ["a"], "action": "forward", "out": "b"}],
    })
    sock = st.path("console.sock")
    st.start(["--console-socket", sock])
    deadline = time.monotonic() + 20
    while not os.path.exists(sock) and time.monotonic() < deadline:
        time.sleep(0.05)
    if not os.path.exists(sock):
        st.signal(15)
        st.wait()
        st.show_output()
        st.cleanup()
        ck.check(False, "console socket")
        ck.finish()
    con = Console(sock)

    a0, a1 = moving(st.prefix, 0, "ipackets")
    ck.check(a0 is not None and a1 > a0, "a receives before the stop", str((a0, a1)))

    out = reply(con, "port stop a")
    ck.eq(out.strip(), "port a: stopped", "port stop a acknowledged")
    s0, s1 = moving(st.prefix, 0, "ipackets")
    ck.check(s0 is not None and s0 == s1, "stopped: a's ipackets do not move", str((s0, s1)))
    ck.check(s0 is not None and a1 is not None and s0 >= a1, "a's counters kept", str((a1, s0)))
    b0, b1 = moving(st.prefix, 1, "opackets")
    ck.check(b0 is not None and b0 == b1, "a stopped: b sends nothing", str((b0, b1)))
    info = reply(con, "show port info a")
    ck.check(re.search(r"^\s+state\s+stopped$", info, re.M) is not None,
             "show port info a: state stopped")
    r = cl.row(cl.table(reply(con, "show port stats")), "name", "a")
    ck.eq(r.get("state"), "stopped", "show port stats: a stopped")
    r = cl.row(cl.table(reply(con, "show port stats")), "name", "b")
    ck.eq(r.get("state"), "started", "show port stats: b started")
    # Telemetry rates (/stampede/ports rx_pps..., over the last window of >= 1 s): a whole
    # window with a stopped (its driver counter frozen, above) gives 0, b (net_null also
    # receives) > 0.
    ports_tel(st.prefix)
    e0 = eth(st.prefix, 0).get("ipackets")
    time.sleep(1.2)
    p = ports_tel(st.prefix)
    e1 = eth(st.prefix, 0).get("ipackets")
    ck.eq(e1, e0, "a's ipackets frozen over the window")
    ck.check(p.get("rx_pps", [None, None])[0] == 0 and (p.get("rx_pps") or [0, 0])[1] > 0,
             "telemetry /stampede/ports: rx_pps 0 for stopped a, > 0 for b",
             str(p.get("rx_pps")))
    ck.check(all(len(p.get(k) or []) == 2 for k in ("rx_bps", "tx_pps", "tx_bps")),
             "telemetry /stampede/ports: rx_bps, tx_pps, tx_bps columns")

    out = reply(con, "port stop a")
    ck.check("error" in out and "already stopped" in out, "port stop a again: already stopped",
             out.strip())

    out = reply(con, "port start a")
    ck.eq(out.strip(), "port a: started", "port start a acknowledged")
    r0, r1 = moving(st.prefix, 0, "ipackets")
    ck.check(r0 is not None and r1 > r0 and r0 >= s1, "started: a receives again, from where it was",
             str((s1, r0, r1)))
    ck.check(re.search(r"^\s+state\s+started$", con.cmd("show port info a"), re.M) is not None,
             "show port info a: state started")

    out = reply(con, "port stop b")
    ck.eq(out.strip(), "port b: stopped", "port stop b acknowledged")
    x0, x1 = moving(st.prefix, 0, "ipackets")
    y0, y1 = moving(st.prefix, 1, "opackets")
    ck.check(x0 is not None and x1 > x0, "b stopped: a still receives", str((x0, x1)))
    ck.check(y0 is not None and y0 == y1, "b stopped: b sends nothing", str((y0, y1)))
    drops = cl.table(reply(con, "show drops"))
    ck.check((cl.num(cl.row(drops, "reason", "port_stopped"), "count") or 0) > 0,
             "show drops: port_stopped counts what went to b")

    out = reply(con, "port stop nosuch")
    ck.check('no port "nosuch"' in out, "port stop nosuch: no port", out.strip())
    out = reply(con, "port start all")
    ck.eq(out.strip(), "port all: started", "port start all")
    z0, z1 = moving(st.prefix, 1, "opackets")
    ck.check(z0 is not None and z1 > z0, "b started: b sends again", str((z0, z1)))

    con.cmd("quit")
    ck.eq(st.wait(timeout=30), 0, "exit code after quit")
    s = st.stats()
    ftlib.check_accounting(ck, s)
    ck.check(s is not None and s["drops"].get("port_stopped", 0) > 0,
             "--stats-json: port_stopped > 0")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
