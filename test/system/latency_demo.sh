#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: scripts/latency-demo.sh -v (two stampede instances in two namespaces probing each
# other over veth, each generator + reflector) and the format and values of its per-probe lines:
#   rtt lines (one instance's own clock): tx < rx, refl_rx <= refl_tx,
#     rtt_ns = (rx - tx) - (refl_tx - refl_rx), residence_ns = refl_tx - refl_rx;
#   one-way lines (two instances' clocks): delay_ns = rx - tx, 0 <= delay < 1 s: on one host both
#     clocks follow CLOCK_REALTIME and agree to tens of ns (test/unit/clock_compare), well under
#     the ~2 us a probe takes through veth (before lib/clock's start-up fix they disagreed by up
#     to ~300 us in their first seconds and one-way delays came out negative);
#   every sequence 0..N-1 of both streams on both sides, and both summaries without loss.
#
# Usage: test/system/latency_demo.sh PATH_TO_STAMPEDE (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
DEMO=$SYS_DIR/../../scripts/latency-demo.sh
PPS=100
DUR=2
N=$((PPS * DUR))
PYTHON=$PY "$DEMO" -v -d $DUR -r $PPS -k "$WORK/demo" "$STAMPEDE" >"$WORK/stampede.log" 2>&1 ||
	fail "latency-demo.sh failed"
cat "$WORK/stampede.log" | grep -v "^probe stream=" || true
for x in a b; do
	"$PY" - "$WORK/demo/$x.log" "$N" <<'PYEOF' || fail "stampede $x: bad per-probe lines"
import re, sys
text, n = open(sys.argv[1]).read(), int(sys.argv[2])
rtt = re.findall(r"^probe stream=(\d+) seq=(\d+) rtt tx=(\d+) refl_rx=(\d+) refl_tx=(\d+) "
                 r"rx=(\d+) rtt_ns=(-?\d+) residence_ns=(\d+) t1_src=sw$", text, re.M)
ow = re.findall(r"^probe stream=(\d+) seq=(\d+) one-way tx=(\d+) rx=(\d+) delay_ns=(-?\d+) "
                r"\(rx stamp sw; valid with synchronised clocks\) t1_src=sw$", text, re.M)
lines = [l for l in text.splitlines() if l.startswith("probe stream=")]
assert len(rtt) + len(ow) == len(lines), "lines in another format"
assert len(rtt) == n and len(ow) == n, (len(rtt), len(ow))
for sid, seq, tx, rrx, rtx, rx, r, res in (tuple(map(int, x)) for x in rtt):
    assert tx < rx and rrx <= rtx, (seq, tx, rx)
    assert r == (rx - tx) - (rtx - rrx) and res == rtx - rrx, seq
for sid, seq, tx, rx, d in (tuple(map(int, x)) for x in ow):
    assert d == rx - tx and 0 <= d < 10 ** 9, ("one-way delay out of [0, 1 s)", seq, d)
assert sorted(int(x[1]) for x in rtt) == list(range(n))
assert sorted(int(x[1]) for x in ow) == list(range(n))
ds = sorted(int(x[6]) for x in rtt)
print("%s: %d rtt lines (p50 %d ns), %d one-way lines (min %d ns), none negative"
      % (sys.argv[1].split("/")[-1], len(rtt), ds[len(ds) // 2], len(ow),
         min(int(x[4]) for x in ow)))
PYEOF
done
sys_check_invariant "$WORK/demo/a.stats.json"
sys_check_invariant "$WORK/demo/b.stats.json"
log "PASS"
