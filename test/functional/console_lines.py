#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: long console lines, add rule @FILE, a busy socket (issue 15, item 8).

  console_lines.py STAMPEDE

Through stampede-cli on the console socket: an "add rule" line of more than 500 characters is
refused whole with a message naming add rule @FILE (not run cut, which gave "premature end of
input"), and the session goes on; the same rule's JSON in a file is added with
"add rule @FILE" (show rules lists it); a missing FILE gives the errno text (os.strerror);
while a raw client is attached, a second stampede-cli is told "console busy" and exits 1; once
the first client left, stampede-cli works again. A command file with the long line behaves the
same.
"""

import errno
import json
import os
import socket
import subprocess
import sys
import time

import console_lib as cl
import ftlib

CLI = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts",
                   "stampede-cli")


def cli(args, stdin=None):
    r = subprocess.run([sys.executable, CLI] + args, input=stdin, capture_output=True,
                       text=True, timeout=30)
    ftlib.log("stampede-cli %s: rc %d\n%s%s" % (" ".join(args), r.returncode, r.stdout,
                                                r.stderr))
    return r


def main():
    ck = ftlib.Checker("console_lines")
    st = ftlib.Stampede(sys.argv[1], "conlines")
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "a", "device": "net_null0"}, {"name": "b", "device": "net_null1"}],
        "rules": [{"name": "a-to-b", "in": ["a"], "action": "forward", "out": "b"}],
    })
    # A valid rule whose JSON is longer than the console's 500-character line.
    flt = " or ".join("tcp port %d" % p for p in range(1000, 1060))
    rule = json.dumps({"name": "long", "in": ["a"], "filter": flt, "action": "count"})
    ck.check(len(rule) > 600, "the rule's JSON is %d characters" % len(rule))
    with open(st.path("long.json"), "w") as f:
        f.write(rule + "\n")
    line = "add rule " + rule

    path = st.path("console.sock")
    st.start(["--console-socket", path])
    ck.check(st.wait_line("stampede: running on"), "stampede started")
    deadline = time.monotonic() + 10
    while not os.path.exists(path) and time.monotonic() < deadline:
        time.sleep(0.05)

    r = cli([path], stdin=line + "\nshow rules\n")
    ck.eq(r.returncode, 0, "long line: stampede-cli exit code")
    ck.check("line longer than 500 characters refused" in r.stdout and
             "add rule @FILE" in r.stdout, "long line: refused with a message naming @FILE",
             r.stdout[-400:])
    ck.check("premature end of input" not in r.stdout, "long line: not run cut")
    ck.check("a-to-b" in r.stdout and "long" not in r.stdout.split("show rules")[-1],
             "long line: the session goes on (show rules ran) and no rule was added")

    r = cli([path, "-c", "add rule @long.json", "-c", "show rules"])
    ck.check("rule long added at index 1" in r.stdout, "add rule @FILE: added", r.stdout)
    ck.check(r.stdout.count("long") >= 2, "add rule @FILE: show rules lists it")
    missing = st.path("missing/x.json")
    r = cli([path, "-c", "add rule @" + missing])
    ck.check("%s: %s" % (missing, os.strerror(errno.ENOENT)) in r.stdout,
             "add rule @MISSING: the errno text", r.stdout)

    # A busy socket: the second client is told so, at once.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    ck.check(cl.PROMPT in cl.read_until(s, cl.PROMPT), "raw client: the prompt")
    try:
        r = cli([path, "-c", "show drops"])
        ck.eq(r.returncode, 1, "second client while one is attached: exit code")
        ck.check("console busy" in r.stderr, "second client: console busy", r.stderr)
    except subprocess.TimeoutExpired:
        ck.check(False, "second client: answered (it waited for the first to leave)")
    s.sendall(b"show rules\n")
    ck.check("a-to-b" in cl.read_until(s, cl.PROMPT), "the first client still works")
    s.close()
    time.sleep(0.2)
    r = cli([path, "-c", "quit"])
    ck.eq(r.returncode, 0, "after the first client left: stampede-cli works")
    ck.eq(st.wait(30), 0, "stampede exit code after quit")

    # The same long line from a command file.
    with open(st.path("cmds.txt"), "w") as f:
        f.write(line + "\nshow rules\nquit\n")
    rc = st.run(["--cmdline-file", "cmds.txt"], timeout=30)
    ck.eq(rc, 0, "command file: exit code")
    ck.check("line longer than 500 characters refused" in st.out,
             "command file: the long line refused", st.out[-400:])
    ck.check("premature end of input" not in st.out, "command file: not run cut")
    if ck.failed:
        st.show_output()
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
