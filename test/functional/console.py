#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the console (-i) driven through a pipe (stdin not a tty).

  console.py STAMPEDE [quit|eof]

  quit  stdin: help, show stats, show drops, a bogus command, quit. Each command prints what
        it should, in order, before the next prompt; the bogus one prints an error and the
        console goes on; quit stops gracefully (exit 0, final counters).
  eof   stdin: show drops, then end of file: the console stops as if quit was typed.
"""

import re
import sys

import ftlib

PROMPT = "stampede> "


def segments(out):
    """{command: the text it printed before the next prompt}, from the echoed prompt lines."""
    seg = {}
    parts = out.split(PROMPT)
    for p in parts[1:]:
        cmd, _, rest = p.partition("\n")
        seg[cmd.strip("\r ")] = rest
    return parts[0], seg


def main():
    mode = sys.argv[2] if len(sys.argv) > 2 else "quit"
    ck = ftlib.Checker("console " + mode)
    st = ftlib.Stampede(sys.argv[1], "console-" + mode)
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "a", "device": "net_null0"}, {"name": "b", "device": "net_null1"}],
        "rules": [
            {"name": "a-to-b", "in": ["a"], "action": "forward", "out": "b"},
            {"name": "b-to-a", "in": ["b"], "action": "forward", "out": "a"},
        ],
    }, "null.json")
    if mode == "quit":
        cmds = "help\nshow stats\nshow drops\nbogus command\nquit\n"
    else:
        cmds = "show drops\n"
    ftlib.log("stdin: %r" % cmds)
    rc = st.run(["-i"], config="null.json", timeout=30, stdin_data=cmds)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "exit code")
    out = st.out
    # main() prints its "running" line before the console starts: it comes first, whole.
    running = re.search(r"stampede: running on \d+ lcores, \d+ ports \(\"quit\" to stop\)\n", out)
    ck.check(running is not None, "stampede printed its \"running\" line")
    if running:
        before = out[:running.start()]
        ck.check(PROMPT not in before, "the \"running\" line comes before the first prompt")
        out = before + out[running.end():]
    _, seg = segments(out)
    ftlib.log("commands echoed after a prompt: %s" % sorted(seg))
    drop_names = ftlib.DROP_REASONS

    if mode == "quit":
        h = seg.get("help", "")
        ck.check(all(c in h for c in ("show stats", "show drops", "quit")),
                 "help lists show stats, show drops and quit")
        s = seg.get("show stats", "")
        ck.check("rx-packets" in s and re.search(r"^1\s+b\s", s, re.M) is not None,
                 "show stats prints the port table (both ports) before the next prompt")
        ck.check("total: received=" in s, "show stats prints the totals line")
        d = seg.get("show drops", "")
        ck.check(all(re.search(r"^\s*%s\s+\d+" % n, d, re.M) for n in drop_names),
                 "show drops lists every drop reason with a count: " + ", ".join(drop_names))
        b = seg.get("bogus command", "")
        ck.check(b.strip() != "" and "not found" in b.lower(),
                 "bogus command prints an error", "printed %r" % b)
        ck.check("quit" in seg, "the console went on after the error (quit was read)")
        tail = out[out.rfind(PROMPT + "quit"):]
    else:
        d = seg.get("show drops", "")
        ck.check(all(re.search(r"^\s*%s\s+\d+" % n, d, re.M) for n in drop_names),
                 "show drops lists every drop reason with a count")
        tail = out[out.rfind(PROMPT + "show drops"):]
    ck.check("stampede: stopped; final counters:" in tail,
             "stops gracefully and prints the final counters after the last command")
    ck.check(re.search(r"total: received=\d+ replicated=\d+ generated=\d+ transmitted=\d+ "
                       r"captured=\d+ consumed=\d+ dropped=\d+ \(received \+ replicated \+ "
                       r"generated = transmitted \+ captured \+ consumed \+ dropped\)",
                       tail) is not None,
             "final totals: received + replicated + generated = "
             "transmitted + captured + consumed + dropped")
    s = st.stats()
    ftlib.check_accounting(ck, s)
    ck.check(not ftlib.procs_with(st.prefix), "no process left behind")
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
