#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""lib/stamp's packets decoded by tshark.

`test_stamp --pcap FILE` writes STAMP sender and reflector packets built by lib/stamp (UDP port
862) and prints, per frame, the tshark fields and the values it wrote. tshark 4.0 has no STAMP
dissector; its TWAMP-Test one reads the same layout (FORMATS.md section 6), bound to the port with
`-d udp.port==862,twamp.test`. Every field tshark prints must equal the value written: sequence
numbers, error estimates, SSID, TTL, and the NTP / PTP timestamps to the nanosecond.

Usage: stamp_vs_tshark.py PATH/TO/test_stamp          exit 77 (skip) without tshark
"""
import calendar
import os
import shutil
import subprocess
import sys
import tempfile
import time


def tshark_time(text):
    """'Nov 14, 2023 22:13:20.123456789 UTC' -> '1700000000.123456789'."""
    text = " ".join(text.split())
    assert text.endswith(" UTC"), text
    stamp, frac = text[:-4].rsplit(".", 1)
    secs = calendar.timegm(time.strptime(stamp, "%b %d, %Y %H:%M:%S"))
    return f"{secs}.{frac.ljust(9, '0')[:9]}"


def normalise(field, value):
    if "timestamp" in field:
        return tshark_time(value)
    if "error_estimate" in field:
        return f"0x{int(value, 0):04x}"
    return value


def main():
    exe = sys.argv[1]
    if not shutil.which("tshark"):
        print("tshark not installed: skipped")
        return 77
    with tempfile.TemporaryDirectory() as d:
        pcap = os.path.join(d, "stamp.pcap")
        out = subprocess.run([exe, "--pcap", pcap], check=True, capture_output=True,
                             text=True).stdout
        want = []  # per frame: [(field, value)]
        for line in out.splitlines():
            if line.startswith("frame "):
                want.append([])
            else:
                field, value = line.split("=", 1)
                want[-1].append((field, value))
        fields = sorted({f for fr in want for f, _ in fr})
        cmd = ["tshark", "-r", pcap, "-d", "udp.port==862,twamp.test", "-T", "fields",
               "-E", "separator=/t"]
        for f in fields:
            cmd += ["-e", f]
        res = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, TZ="UTC"))
        if res.returncode != 0:
            print(f"FAIL tshark: {res.stderr.strip()}")
            return 1
        rows = [l.split("\t") for l in res.stdout.splitlines()]
    passed = failed = 0
    if len(rows) != len(want):
        print(f"FAIL tshark printed {len(rows)} frames, {len(want)} written")
        return 1
    for i, (row, exp) in enumerate(zip(rows, want), 1):
        got = dict(zip(fields, row))
        for field, value in exp:
            g = normalise(field, got.get(field, ""))
            if g == value:
                print(f"ok   frame {i} {field} = {value}")
                passed += 1
            else:
                print(f"FAIL frame {i} {field}: tshark {g!r} ({got.get(field)!r}), written {value}")
                failed += 1
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
