#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""scripts/plot-latency on lib/hist's real exports.

hist_export (a C helper linked with lib/hist) writes a histogram of a known distribution as
hist_write_json and hist_write_csv do. plot-latency must turn each into a PNG (magic, IHDR
1000x900 as its figure size says, a sensible file size), also a {"streams": [...]} file built
from that JSON, print the summary it plotted (for the CSV, computed from the buckets: its p50..p99.9
must equal lib/hist's own summary), and refuse a file that is not a histogram.

Usage: plot_latency_test.py PATH/TO/hist_export PATH/TO/plot-latency     exit 77 without matplotlib
"""
import json
import os
import re
import struct
import subprocess
import sys
import tempfile

passed = failed = 0


def check(ok, what):
    global passed, failed
    print(("ok   " if ok else "FAIL ") + what)
    if ok:
        passed += 1
    else:
        failed += 1


def png_size(path):
    """(width, height) from the IHDR chunk, or None if not a PNG."""
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        return None
    return struct.unpack("!II", head[16:24])


def run_plot(plot, args):
    return subprocess.run([plot] + args, capture_output=True, text=True)


def printed(out, name):
    """{'p50': v, ...} from plot-latency's line for stream @name."""
    for line in out.splitlines():
        m = re.match(r"plot-latency: .*?: (.*?): count (\d+) (.*)$", line)
        if m and m.group(1) == name:
            toks = m.group(3).split()
            d = {toks[i]: float(toks[i + 1]) for i in range(0, len(toks), 2)}
            d["count"] = float(m.group(2))
            return d
    return None


def check_png(path, what):
    size = png_size(path) if os.path.exists(path) else None
    check(size == (1000, 900), f"{what}: PNG 1000x900 (got {size})")
    n = os.path.getsize(path) if os.path.exists(path) else 0
    check(20000 < n < 2000000, f"{what}: PNG of a sensible size ({n} bytes)")


def main():
    exe, plot = sys.argv[1], sys.argv[2]
    if subprocess.run(["/usr/bin/python3", "-c", "import matplotlib"],
                      capture_output=True).returncode != 0:
        print("python3-matplotlib not installed for /usr/bin/python3: skipped")
        return 77
    with tempfile.TemporaryDirectory() as d:
        hj, hc = os.path.join(d, "lat.json"), os.path.join(d, "lat.csv")
        summary = json.loads(subprocess.run([exe, hj, hc], check=True, capture_output=True,
                                            text=True).stdout)
        check(summary["count"] == 100000 and summary["p50"] > 10000,
              f"hist_export: 100000 values, p50 {summary['p50']}")

        out = os.path.join(d, "one.png")
        r = run_plot(plot, [hj, "-o", out, "--title", "one stream"])
        check(r.returncode == 0, f"JSON: exit 0 ({r.stderr.strip()})")
        check_png(out, "JSON")
        got = printed(r.stdout, "lat")
        check(got is not None and all(got[k] == summary[k] for k in
                                      ("count", "min", "p50", "p99", "p99.99", "max")),
              f"JSON: the summary printed is lib/hist's ({got})")

        doc = json.load(open(hj))
        streams = os.path.join(d, "streams.json")
        half = dict(doc, buckets=[[lo, hi, max(1, c // 2)] for lo, hi, c in doc["buckets"]])
        del half["summary"]
        json.dump({"streams": [{"name": "probe-a", "histogram": doc},
                               {"name": "probe-b", "histogram": half}]}, open(streams, "w"))
        out = os.path.join(d, "streams.png")
        r = run_plot(plot, [streams, "-o", out])
        check(r.returncode == 0, f"streams: exit 0 ({r.stderr.strip()})")
        check_png(out, "streams")
        check(printed(r.stdout, "probe-a") is not None and printed(r.stdout, "probe-b") is not None,
              "streams: both streams plotted")

        out = os.path.join(d, "csv.png")
        r = run_plot(plot, [hc, "-o", out])
        check(r.returncode == 0, f"CSV: exit 0 ({r.stderr.strip()})")
        check_png(out, "CSV")
        got = printed(r.stdout, "lat")
        check(got is not None and all(got[k] == summary[k] for k in
                                      ("count", "p50", "p90", "p99", "p99.9")),
              f"CSV: quantiles from the buckets equal lib/hist's summary ({got})")

        out = os.path.join(d, "empty.png")
        empty = os.path.join(d, "empty.json")
        json.dump({"unit": "ns", "sub_bits": 8, "buckets": []}, open(empty, "w"))
        r = run_plot(plot, [empty, "-o", out])
        check(r.returncode == 0 and png_size(out) is not None, "empty histogram: a PNG anyway")

        bad = os.path.join(d, "bad.json")
        open(bad, "w").write('{"ports": []}')
        r = run_plot(plot, [bad, "-o", os.path.join(d, "bad.png")])
        check(r.returncode == 1 and "not a lib/hist histogram" in r.stderr
              and not os.path.exists(os.path.join(d, "bad.png")),
              f"not a histogram: exit 1, no PNG ({r.stderr.strip()})")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
