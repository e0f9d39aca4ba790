#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the interactive console (-i) on a pseudo-terminal, as an operator types.

  console_pty.py STAMPEDE

With --stats-period 1: "sho" + Tab completes to "show "; "drops" + Enter runs show drops;
up-arrow recalls "show drops" from the history and Enter runs it again; a status line printed
while "show" is half-typed is followed by the prompt and the typed text drawn again, and the
command then completes normally; quit stops stampede.
"""

import os
import pty
import re
import select
import signal
import sys
import time

import console_lib as cl
import ftlib


class Term:
    def __init__(self, argv, cwd):
        self.buf = ""
        self.pos = 0
        pid, fd = pty.fork()
        if pid == 0:
            os.chdir(cwd)
            os.execv(argv[0], argv)
        self.pid, self.fd = pid, fd

    def read(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            d = os.read(self.fd, 65536)
        except OSError:
            return False
        if not d:
            return False
        self.buf += d.decode(errors="replace")
        return True

    def expect(self, pattern, timeout=15):
        """Wait for pattern after the last match; returns the match or None."""
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern, re.S)
        while True:
            m = rx.search(self.buf, self.pos)
            if m:
                self.pos = m.end()
                return m
            left = deadline - time.monotonic()
            if left <= 0 or not self.read(min(left, 0.5)) and self.exited():
                m = rx.search(self.buf, self.pos)
                if m:
                    self.pos = m.end()
                return m

    def exited(self):
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            return True
        if pid == 0:
            return False
        self.status = status
        return True

    def send(self, s):
        os.write(self.fd, s.encode())

    def wait(self, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.read(0.2)
            try:
                pid, status = os.waitpid(self.pid, os.WNOHANG)
            except ChildProcessError:
                return getattr(self, "status", None) and os.waitstatus_to_exitcode(self.status)
            if pid != 0:
                while self.read(0.1):
                    pass
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return None


def main():
    ck = ftlib.Checker("console_pty")
    st = ftlib.Stampede(sys.argv[1], "conpty")
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "a", "device": "net_null0"}, {"name": "b", "device": "net_null1"}],
        "rules": [{"name": "a-to-b", "in": ["a"], "action": "forward", "out": "b"},
                  {"name": "b-to-a", "in": ["b"], "action": "forward", "out": "a"}],
    })
    argv = st.argv(["-i", "--stats-period", "1"])
    ftlib.log("pty: (cd %s && %s)" % (st.dir, " ".join(argv)))
    t = Term(argv, st.dir)
    P = re.escape(cl.PROMPT)

    ck.check(t.expect(P) is not None, "the prompt")
    t.send("sho\t")
    # Only "sho" was typed: a "show " on the line comes from the completion.
    ck.check(t.expect(r"show ", timeout=10) is not None, "sho<TAB> completes to \"show \"",
             repr(t.buf[-80:]))
    t.send("drops\r")
    # A status line may redraw the line in between ("...show \x1b[0K" + "drops").
    ck.check(t.expect(r"drops\r+\n.*no_rule\s+\d+.*shutdown\s+\d+[^\n]*\n") is not None,
             "show drops ran after the completion", repr(t.buf[-200:]))
    ck.check(t.expect(P) is not None, "the prompt after show drops")
    t.send("\x1b[A")
    ck.check(t.expect(r"show drops") is not None, "up-arrow recalls show drops",
             repr(t.buf[-80:]))
    t.send("\r")
    ck.check(t.expect(r"no_rule\s+\d+.*shutdown\s+\d+") is not None,
             "the recalled command ran", repr(t.buf[-200:]))
    ck.check(t.expect(P) is not None, "the prompt after the recalled command")

    # Half a command typed, then a status line: the prompt and the text come back after it.
    t.send("show ru")
    m = t.expect(r"rx \d+ \([\d.]+ Mpps\) tx \d+ \([\d.]+ Mpps\) dropped \d+[^\n]*\n"
                 r"(\x1bM\x1bE)?" + P + "show ru", timeout=20)
    ck.check(m is not None, "a status line, then the prompt and the typed text redrawn",
             repr(t.buf[-300:]))
    ck.check(m is not None and "\x1b[K" in t.buf[max(0, m.start() - 8):m.start() + 8],
             "the prompt line is erased before the status line")
    t.send("les\r")
    ck.check(t.expect(r"les\r+\n.*a-to-b.*b-to-a") is not None,
             "the command typed around the status line runs whole", repr(t.buf[-300:]))
    ck.check(t.expect(P) is not None, "the prompt after show rules")
    t.send("quit\r")
    rc = t.wait(30)
    ck.eq(rc, 0, "exit code after quit")
    ck.check("stampede: stopped; final counters:" in t.buf, "final counters printed")
    ftlib.check_accounting(ck, st.stats())
    ck.check(not ftlib.procs_with(st.prefix), "no process left behind")
    if ck.failed:
        ftlib.log("--- terminal ---\n%r" % t.buf[-4000:])
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
