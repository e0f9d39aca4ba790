#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the console socket (--console-socket) and scripts/stampede-cli.

  console_socket.py STAMPEDE

stampede runs without -i and serves its console on a UNIX socket: the socket has mode 0600;
several clients, one after the other, each get a session (a raw socket client, then
stampede-cli with -c, then stampede-cli fed on stdin); a client that goes away does not stop
stampede; "quit" from a client does, and the socket is removed at exit. Then a path that exists
and is not a socket is refused (exit 1) and left alone.
"""

import os
import socket
import stat
import subprocess
import sys
import time

import console_lib as cl
import ftlib

CLI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                   "stampede-cli")


def cli(args, stdin=None):
    r = subprocess.run([sys.executable, CLI] + args, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=30)
    ftlib.log("stampede-cli %s: rc %d\n%s%s" % (" ".join(args), r.returncode, r.stdout,
                                                 r.stderr))
    return r


def main():
    ck = ftlib.Checker("console_socket")
    st = ftlib.Stampede(sys.argv[1], "consock")
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "a", "device": "net_null0"}, {"name": "b", "device": "net_null1"}],
        "rules": [{"name": "a-to-b", "in": ["a"], "action": "forward", "out": "b"},
                  {"name": "b-to-a", "in": ["b"], "action": "forward", "out": "a"}],
    })
    path = st.path("console.sock")
    st.start(["--console-socket", path])
    ck.check(st.wait_line("stampede: running on"), "stampede started")
    deadline = time.monotonic() + 10
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        m = os.lstat(path).st_mode
    except OSError:
        m = 0
    ck.check(stat.S_ISSOCK(m), "the console socket exists")
    ck.eq(oct(stat.S_IMODE(m)), oct(0o600), "socket mode")

    # 1: a raw client, two commands, then it goes away.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    ck.check(cl.PROMPT in cl.read_until(s, cl.PROMPT), "client 1: the prompt")
    s.sendall(b"show drops\n")
    t = cl.read_until(s, cl.PROMPT)
    ck.check(all(r in t for r in ftlib.DROP_REASONS), "client 1: show drops lists every reason")
    s.sendall(b"show rules\n")
    t = cl.read_until(s, cl.PROMPT)
    ck.check("a-to-b" in t and "b-to-a" in t, "client 1: show rules")
    s.close()
    time.sleep(0.2)
    ck.check(st.proc.poll() is None, "stampede runs on after client 1 went away")

    # 2: stampede-cli with commands as arguments, a bad one among them.
    r = cli([path, "-c", "show lcores", "-c", "bogus", "-c", "shwo lcores", "-c",
             "show port stats a"])
    ck.eq(r.returncode, 0, "client 2: stampede-cli exit code")
    ck.check("rx,worker,tx" in r.stdout, "client 2: show lcores")
    ck.check("Command not found" in r.stdout, "client 2: bogus: Command not found")
    seg = dict(cl.segments(r.stdout))
    ck.check("did you mean" not in seg.get("bogus", "x"), "client 2: bogus: nothing suggested")
    ck.check("did you mean: show lcores" in seg.get("shwo lcores", ""),
             "client 2: shwo lcores: did you mean: show lcores", str(seg.get("shwo lcores")))
    rows = cl.table(r.stdout.split(cl.PROMPT + "show port stats a")[-1].split(cl.PROMPT)[0])
    ck.check([x.get("name") for x in rows] == ["a"], "client 2: show port stats a", str(rows))

    # 3: stampede-cli fed on stdin: a rule change, seen by the next command.
    r = cli([path], stdin='add rule at 0 {"name":"cnt","action":"count"}\nshow rules\n')
    ck.check("rule cnt added at index 0" in r.stdout, "client 3: add rule")
    seg = cl.segments(r.stdout)
    rows = cl.table(seg[1][1]) if len(seg) > 1 else []
    ck.eq([x.get("name") for x in rows], ["cnt", "a-to-b", "b-to-a"], "client 3: show rules")
    ck.check(st.proc.poll() is None, "stampede runs on after three clients")

    # 4: quit stops stampede; the socket goes away with it.
    r = cli([path, "-c", "quit"])
    rc = st.wait(30)
    ck.eq(rc, 0, "exit code after quit on the socket")
    ck.check("stampede: stopped; final counters:" in st.out, "final counters printed")
    ck.check("rule cnt" in st.out, "the final counters list the rule added on the socket")
    ck.check(not os.path.exists(path), "the socket is removed at exit")
    ftlib.check_accounting(ck, st.stats())

    # A path that is not a socket is refused and left alone.
    with open(path, "w") as f:
        f.write("precious\n")
    rc = st.run(["--console-socket", path, "--duration", "1"], timeout=30)
    ck.eq(rc, 1, "exit code with --console-socket on a regular file")
    ck.check("exists and is not a socket" in st.err, "the error says why", st.err.strip())
    with open(path) as f:
        ck.eq(f.read(), "precious\n", "the file is left alone")

    ck.check(not ftlib.procs_with(st.prefix), "no process left behind")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
