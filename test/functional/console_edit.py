#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: line editing on the interactive console (-i, a pseudo-terminal), issue 15.

  console_edit.py STAMPEDE

Tab completes the live names of outputs ("capture stop c" -> "cap"), streams ("probe rate p"
-> "p0"), rules ("del rule b" -> "b-to-a") and ports (two Tabs after "set promisc " list a, b
and all), each then run; Ctrl-U erases the half-typed line (a VT100 screen model shows the bare
prompt, and the command typed next runs alone); a mistyped command is refused with the command
it is closest to ("shwo rules" -> "did you mean: show rules"; "captrue stop cap", a feature's own
command, -> "did you mean: capture stop cap"), and a word that starts no command
gets no suggestion. The names expected are the ones this test put in the configuration.
"""

import re
import sys
import time

import console_lib as cl
import ftlib
from console_pty import Screen, Term, quit_and_finish


def cursor_line(t, mark):
    """The cursor's line on a screen that saw the output from t.buf[mark:] (the last prompt
    before the keys typed: what came before cannot disturb the model)."""
    sc = Screen(cols=200)
    sc.feed(t.buf[mark:])
    return sc.cursor_line()


def screen_until(t, mark, want, timeout=15):
    """The cursor's line once it reads want (or at the timeout: what it reads then)."""
    deadline = time.monotonic() + timeout
    line = cursor_line(t, mark)
    while line != want and time.monotonic() < deadline:
        t.read(0.2)
        line = cursor_line(t, mark)
    return line


def last_prompt(t):
    return max(0, t.buf.rfind(cl.PROMPT))


def main():
    ck = ftlib.Checker("console_edit")
    st = ftlib.Stampede(sys.argv[1], "conedit15")
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "a", "device": "net_null0"}, {"name": "b", "device": "net_null1"}],
        "outputs": [{"name": "cap", "type": "pcapng", "path": "cap.pcapng"}],
        "rules": [{"name": "a-to-b", "in": ["a"], "action": "forward", "out": "b"},
                  {"name": "b-to-a", "in": ["b"], "action": "forward", "out": "a"}],
        "probes": [{"name": "p0", "port": "b", "rate_pps": 10}],
    })
    argv = st.argv(["-i"])
    ftlib.log("pty: (cd %s && %s)" % (st.dir, " ".join(argv)))
    t = Term(argv, st.dir)
    P = re.escape(cl.PROMPT)
    ck.check(t.expect(P) is not None, "the prompt")
    t.wait_raw()

    # Tab completes names: an output, a stream, a rule (each then run).
    for typed, full, ran, what in (
            ("capture stop c", "capture stop cap ", r"output cap: paused", "output"),
            ("probe rate p", "probe rate p0 ", r"probe p0: rate 100", "stream"),
            ("del rule b", "del rule b-to-a ", r"rule b-to-a deleted", "rule")):
        mark = last_prompt(t)
        t.send(typed + "\t")
        ck.eq(screen_until(t, mark, cl.PROMPT + full.rstrip()), cl.PROMPT + full.rstrip(),
              "Tab completes the %s name: %r" % (what, full))
        t.send("100\r" if what == "stream" else "\r")
        ck.check(t.expect(ran) is not None, "the completed command ran (%s)" % what,
                 repr(t.buf[-200:]))
        ck.check(t.expect(P) is not None, "the prompt again")
    # Two Tabs list the choices: the ports and "all".
    t.send("set promisc \t\t")
    ck.check(all(t.expect(r"\n %s \[port name or all\]" % n, timeout=15) is not None
                 for n in ("a", "b", "all")),
             "Tab Tab after set promisc lists a, b and all", repr(t.buf[-300:]))
    mark = last_prompt(t)
    t.send("\x15")  # Ctrl-U: this line goes
    screen_until(t, mark, cl.PROMPT.rstrip())

    # Ctrl-U erases a half-typed line: the bare prompt, then the next command runs alone.
    mark = last_prompt(t)
    t.send("show bogus words")
    screen_until(t, mark, cl.PROMPT + "show bogus words")
    t.send("\x15")
    ck.eq(screen_until(t, mark, cl.PROMPT.rstrip()), cl.PROMPT.rstrip(),
          "after Ctrl-U only the prompt is on the line")
    t.pos = len(t.buf)
    t.send("show rules\r")
    m = t.expect(r"a-to-b.*?" + P)
    ck.check(m is not None and "Bad arguments" not in m.group(0)
             and "not found" not in m.group(0),
             "the command typed after Ctrl-U ran alone", repr(t.buf[-300:]))

    # did you mean
    t.send("shwo rules\r")
    m = t.expect(r"shwo rules\r*\n(.*?)" + P)
    out = m.group(1) if m else ""
    ck.check("Command not found" in out and "did you mean: show rules" in out,
             "shwo rules: not found, did you mean: show rules", repr(out))
    t.send("probe rtae p0 50\r")
    m = t.expect(r"rtae p0 50\r*\n(.*?)" + P)
    out = m.group(1) if m else ""
    ck.check("did you mean: probe rate p0 50" in out, "probe rtae: did you mean probe rate",
             repr(out))
    # A feature's own command (capture: the outputs feature's) is suggested as the core's are.
    t.send("captrue stop cap\r")
    m = t.expect(r"captrue stop cap\r*\n(.*?)" + P)
    out = m.group(1) if m else ""
    ck.check("Command not found" in out and "did you mean: capture stop cap" in out,
             "captrue: did you mean capture stop cap", repr(out))
    t.send("xyzzy\r")
    m = t.expect(r"xyzzy\r*\n(.*?)" + P)
    out = m.group(1) if m else ""
    ck.check("Command not found" in out and "did you mean" not in out,
             "xyzzy: not found, nothing suggested", repr(out))

    quit_and_finish(ck, t, st)


if __name__ == "__main__":
    main()
