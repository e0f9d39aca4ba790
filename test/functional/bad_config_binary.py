#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: bad configurations against the real binary.

  bad_config_binary.py STAMPEDE [check|device]

  check   every test/data/bad-config/NAME.json: `stampede --check -c NAME.json` run from that
          directory exits 1 and the last line of stderr is NAME.err exactly
  device  every test/data/bad-config-device/NAME.json (errors only a started EAL and device can
          find): `stampede --check` accepts it; a full start exits 1 with NAME.err as the last
          stderr line, and leaves no process and no EAL runtime directory behind
"""

import glob
import os
import shutil
import subprocess
import sys

import ftlib

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")


def cases(directory):
    out = []
    for js in sorted(glob.glob(os.path.join(directory, "*.json"))):
        err = js[:-len(".json")] + ".err"
        out.append((os.path.basename(js)[:-len(".json")], js, err))
    return out


def read_expected(ck, name, err):
    try:
        with open(err) as f:
            return f.read().rstrip("\n")
    except OSError:
        ck.check(False, "%s: %s exists" % (name, os.path.basename(err)))
        return None


def last_line(text):
    lines = text.rstrip("\n").split("\n")
    return lines[-1] if lines else ""


def run_check(ck, exe):
    d = os.path.join(DATA, "bad-config")
    cs = cases(d)
    if not cs:
        ftlib.skip("no bad configs in " + d)
    ftlib.log("%d bad configs in %s" % (len(cs), os.path.normpath(d)))
    for name, js, err in cs:
        want = read_expected(ck, name, err)
        if want is None:
            continue
        r = subprocess.run([exe, "--check", "-c", os.path.basename(js)], cwd=d,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
        ok_rc = r.returncode == 1
        got = last_line(r.stderr)
        ck.check(ok_rc and got == want, "%s: exit 1, stderr ends with %s" % (name, want),
                 "exit %d, last stderr line %r" % (r.returncode, got))


def one_pcap(path):
    ftlib.write_pcap_ns(path, [bytes.fromhex("02000000000b02000000000a88b5") + b"\0" * 46])


def run_device(ck, exe):
    src = os.path.join(DATA, "bad-config-device")
    cs = cases(src)
    if not cs:
        ftlib.skip("no bad configs in " + src)
    ftlib.log("%d device-level bad configs in %s" % (len(cs), os.path.normpath(src)))
    for name, js, err in cs:
        want = read_expected(ck, name, err)
        if want is None:
            continue
        st = ftlib.Stampede(exe, "badcfg-" + name)
        shutil.copy(js, st.dir)
        one_pcap(st.path("one.pcap"))
        cfg = os.path.basename(js)
        r = subprocess.run([exe, "--check", "-c", cfg], cwd=st.dir, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=20)
        ck.check(r.returncode == 0, "%s: --check accepts it (a device-level error)" % name,
                 "exit %d: %s" % (r.returncode, last_line(r.stderr)))
        rc = st.run([], config=cfg, timeout=30, stats=False)
        got = last_line(st.err)
        if not ck.check(rc == 1 and got == want, "%s: exit 1, stderr ends with %s" % (name, want),
                        "exit %s, last stderr line %r" % (rc, got)):
            st.show_output()
        ck.check(not ftlib.procs_with(st.prefix), "%s: no process left behind" % name)
        ck.check(not os.path.exists(st.path("stats.json")), "%s: no stats written" % name)
        st.cleanup()


def main():
    exe = os.path.abspath(sys.argv[1])
    mode = sys.argv[2] if len(sys.argv) > 2 else "check"
    ck = ftlib.Checker("bad_config_binary " + mode)
    if mode == "check":
        run_check(ck, exe)
    else:
        run_device(ck, exe)
    ck.finish()


if __name__ == "__main__":
    main()
