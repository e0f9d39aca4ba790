#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the interactive console (-i) on a pseudo-terminal, as an operator types.

  console_pty.py STAMPEDE

With --stats-period 1: "sho" + Tab completes to "show "; "drops" + Enter runs show drops;
up-arrow recalls "show drops" from the history and Enter runs it again; a status line printed
while "show" is half-typed is followed by the prompt and the typed text drawn again (on a
VT100 screen model 200 and 80 columns wide, the cursor's line reads the prompt and the typed
text, with the status line above it), and the command then completes normally; quit stops stampede.
"""

import os
import pty
import re
import select
import signal
import sys
import termios
import time

import console_lib as cl
import ftlib


class Screen:
    """A minimal VT100 screen (independent of stampede): printable characters with auto-wrap,
    CR, LF, BS, ESC M (reverse index), ESC E (next line), ESC [n A/B/C/D, ESC [n K."""

    def __init__(self, cols=200, rows=24):
        self.cols, self.rows = cols, rows
        self.lines = [[" "] * cols for _ in range(rows)]
        self.r = self.c = 0

    def _lf(self):
        if self.r == self.rows - 1:
            self.lines.pop(0)
            self.lines.append([" "] * self.cols)
        else:
            self.r += 1

    def _ri(self):
        if self.r == 0:
            self.lines.pop()
            self.lines.insert(0, [" "] * self.cols)
        else:
            self.r -= 1

    def feed(self, s):
        i = 0
        while i < len(s):
            ch = s[i]
            if ch == "\x1b":
                m = re.match(r"\x1b\[(\d*)([A-Za-z])", s[i:])
                if m:
                    n = int(m.group(1) or 0)
                    k = m.group(2)
                    if k == "K":
                        line = self.lines[self.r]
                        rng = range(self.c, self.cols) if n == 0 else (
                            range(0, self.c + 1) if n == 1 else range(self.cols))
                        for x in rng:
                            line[x] = " "
                    elif k == "D":
                        self.c = max(0, self.c - max(n, 1))
                    elif k == "C":
                        self.c = min(self.cols - 1, self.c + max(n, 1))
                    elif k == "A":
                        self.r = max(0, self.r - max(n, 1))
                    elif k == "B":
                        self.r = min(self.rows - 1, self.r + max(n, 1))
                    i += m.end()
                    continue
                nxt = s[i + 1:i + 2]
                if nxt == "M":
                    self._ri()
                elif nxt == "E":
                    self.c = 0
                    self._lf()
                elif nxt == "7":
                    self.saved = (self.r, self.c)
                elif nxt == "8":
                    self.r, self.c = getattr(self, "saved", (self.r, self.c))
                i += 2
                continue
            if ch == "\r":
                self.c = 0
            elif ch == "\n":
                self._lf()
            elif ch == "\b":
                self.c = max(0, self.c - 1)
            elif ch >= " ":
                if self.c >= self.cols:
                    self.c = 0
                    self._lf()
                self.lines[self.r][self.c] = ch
                self.c += 1
            i += 1

    def text(self):
        return ["".join(l).rstrip() for l in self.lines]

    def cursor_line(self):
        return "".join(self.lines[self.r]).rstrip()


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

    def wait_raw(self, timeout=10):
        """Until the program turned the terminal's echo off: librte_cmdline prints its prompt
        before it does, and keys typed in between are echoed twice (by the kernel too)."""
        deadline = time.monotonic() + timeout
        while termios.tcgetattr(self.fd)[3] & termios.ECHO and time.monotonic() < deadline:
            time.sleep(0.02)

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


def quit_and_finish(ck, t, st, final_counters=False):
    """Type quit: stampede exits 0 and leaves no process; the terminal is logged on failure."""
    t.send("quit\r")
    rc = t.wait(30)
    ck.eq(rc, 0, "exit code after quit")
    if final_counters:
        ck.check("stampede: stopped; final counters:" in t.buf, "final counters printed")
        ftlib.check_accounting(ck, st.stats())
    ck.check(not ftlib.procs_with(st.prefix), "no process left behind")
    if ck.failed:
        ftlib.log("--- terminal ---\n%r" % t.buf[-4000:])
    st.cleanup()
    ck.finish()


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
    t.wait_raw()
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
    # What the operator sees (issue 15 item 3): on a terminal 200 and 80 columns wide (where a
    # status line wraps), the cursor's line is the prompt and the keystrokes, whole, and the
    # line above it ends a status line.
    for cols in (200, 80):
        sc = Screen(cols=cols)
        sc.feed(t.buf[:m.end()] if m else t.buf)
        rows = sc.text()
        ck.eq(sc.cursor_line(), cl.PROMPT + "show ru",
              "%d columns: the prompt and the typed text on the screen" % cols)
        above = "".join(rows[max(0, sc.r - 2):sc.r])  # a wrapped status line is two rows
        ck.check(re.search(r"cycles/pkt \S+$", above) is not None,
                 "%d columns: a status line just above the prompt" % cols,
                 repr(rows[max(0, sc.r - 3):sc.r + 1]))
    t.send("les\r")
    ck.check(t.expect(r"les\r+\n.*a-to-b.*b-to-a") is not None,
             "the command typed around the status line runs whole", repr(t.buf[-300:]))
    ck.check(t.expect(P) is not None, "the prompt after show rules")
    quit_and_finish(ck, t, st, final_counters=True)


if __name__ == "__main__":
    main()
