#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: STAMP (RFC 8762) over a veth pair between two namespaces,
#
#   ns stp<PID>-a  a0 <-veth-> b0  ns stp<PID>-b
#
# Run 1: stampede STAMP Session-Sender (a) vs stampede Session-Reflector (b): every reply
#        measured, loss 0, RTT plausible, forward/backward reported, -v lines consistent.
# Run 2: stampede's sender vs an independent reflector (test/system/stamp_peer.py: kernel UDP
#        socket on 198.18.0.2:862, packets struct-packed from the RFC): stampede measures every
#        reply; the python side decoded stampede's sequence 0..N-1, T1 near its own clock, TTL
#        255, the configured size.
# Runs 2b, 2c: the same with nftables (inet input in b's namespace, counted) dropping 36 %, then
#        100 % of the requests before the python reflector's socket: stampede's round-trip loss
#        (the default 3 s loss horizon has passed when the 6 s run ends: the tail is included;
#        100 % is a row) equals nft's counter, and the python reflector answered the rest.
# Run 3: the independent sender (kernel socket on 198.18.0.1) vs stampede's reflector: the python
#        side checks every reply's sequence, echoed T1 and error estimate, T1 <= T2 <= T3 <= T4
#        (one host clock), size and padding returned, Session-Sender TTL 255.
#
# Usage: test/system/stamp.sh PATH_TO_STAMPEDE (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
command -v nft >/dev/null || skip "nftables (nft) is not installed"
COUNT=1000
. "$SYS_DIR/stamp_lib.sh"

cat >"$WORK/a.json" <<JSON
{ "eal": { "hugepages": false },
  "ports": [ { "name": "a", "device": "net_af_packet0,iface=a0" } ],
  "probes": [ { "name": "st", "port": "a", "mode": "stamp", "src_mac": "$MAC_A",
                "dst_mac": "$MAC_B", "src_ip": "198.18.0.1", "dst_ip": "198.18.0.2",
                "src_port": 7000, "rate_pps": 500, "count": $COUNT, "size": 142 } ] }
JSON
cat >"$WORK/b.json" <<JSON
{ "eal": { "hugepages": false },
  "ports": [ { "name": "b", "device": "net_af_packet0,iface=b0" } ],
  "probe_rx": { "enabled": true, "mode": "stamp", "reflect": true, "rate_limit_pps": 0 } }
JSON

check_sender() { # RUN LABEL
	local rx lost p50 fwd bwd nl
	rx=$(lat "$WORK/a$1.json" rtt received)
	lost=$(lat "$WORK/a$1.json" rtt lost)
	p50=$(lat "$WORK/a$1.json" rtt delay_ns.p50)
	fwd=$(lat "$WORK/a$1.json" forward delay_ns.p50)
	bwd=$(lat "$WORK/a$1.json" backward delay_ns.p50)
	log "run $1 ($2): stampede sender rtt received=$rx lost=$lost p50=${p50}ns" \
		"forward p50=${fwd}ns backward p50=${bwd}ns (one host clock)"
	[ "$rx" = "$COUNT" ] || fail "run $1: sender measured $rx replies, want $COUNT"
	[ "$lost" = 0 ] || fail "run $1: loss $lost"
	[ "$p50" -gt 0 ] && [ "$p50" -lt 1000000000 ] || fail "run $1: implausible rtt p50 $p50 ns"
	[ -n "$fwd" ] && [ -n "$bwd" ] || fail "run $1: no forward/backward one-way delays"
	nl=$("$PY" - "$WORK/a$1.log" <<'PYEOF'
import re, sys
n = bad = 0
for m in re.finditer(r"^stamp stream=0 seq=(\d+) rtt t1=(\d+) t2=(\d+) t3=(\d+) t4=(\d+) "
                     r"rtt_ns=(-?\d+) fwd_ns=(-?\d+) bwd_ns=(-?\d+) residence_ns=(-?\d+)",
                     open(sys.argv[1]).read(), re.M):
    seq, t1, t2, t3, t4, r, f, b, res = map(int, m.groups())
    n += 1
    if r != (t4 - t1) - (t3 - t2) or f != t2 - t1 or b != t4 - t3 or res != t3 - t2 \
            or not t1 < t4 or r <= 0:
        bad += 1
print(n if bad == 0 else -bad)
PYEOF
)
	[ "$nl" = "$COUNT" ] || fail "run $1: -v lines: $nl (negative: inconsistent lines)"
}

log "run 1: stampede sender vs stampede reflector"
start_reflector 1
run_sender 1
stop_reflector 1
check_sender 1 "stampede reflector"
refl=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['probe_rx']['reflected'])" \
	"$WORK/b1.json")
[ "$refl" = "$COUNT" ] || fail "run 1: reflector answered $refl, want $COUNT"

log "run 2: stampede sender vs the python reflector (kernel socket)"
kernel_b
ip netns exec "$NS_B" "$PY" "$SYS_DIR/stamp_peer.py" reflect --bind 198.18.0.2 --count "$COUNT" \
	--result "$WORK/pyrefl.json" --ready "$WORK/pyrefl.ready" --timeout 15 \
	>"$WORK/pyrefl.log" 2>&1 &
PEER_PID=$!
for _ in $(seq 50); do [ -f "$WORK/pyrefl.ready" ] && break; sleep 0.1; done
run_sender 2
wait "$PEER_PID" || fail "python reflector: $(cat "$WORK/pyrefl.log")"
PEER_PID=
cat "$WORK/pyrefl.log"
check_sender 2 "python reflector"
"$PY" - "$WORK/pyrefl.json" "$COUNT" <<'PYEOF' || fail "python reflector decoded wrong fields"
import json, sys
r, n = json.load(open(sys.argv[1])), int(sys.argv[2])
assert r["answered"] == n and r["seqs_in_order"] and r["first_seq"] == 0, r
assert r["ttls"] == [255], r                      # RFC 8762: the sender sends with TTL 255
assert r["sizes"] == [142 - 4 - 42], r            # frame size with FCS - FCS - headers
assert r["t1_near_own_clock"] == n, r            # T1: NTP format, UTC
assert all(e & 0xff for e in r["err_ests"]), r   # error estimate multiplier never 0
PYEOF

# Runs 2b, 2c: requests dropped by nft before the python reflector's socket.
for pct in 36 100; do
	log "run 2 with nft dropping $pct % of the requests at the python reflector"
	nsx "$NS_B" nft delete table inet f 2>/dev/null || true
	nsx "$NS_B" nft add table inet f
	nsx "$NS_B" nft add chain inet f in '{ type filter hook input priority 0; }'
	if [ "$pct" = 100 ]; then
		nsx "$NS_B" nft add rule inet f in udp dport 862 counter drop
	else
		nsx "$NS_B" nft add rule inet f in udp dport 862 numgen random mod 100 \< "$pct" \
			counter drop
	fi
	rm -f "$WORK/pyrefl.ready"
	ip netns exec "$NS_B" "$PY" "$SYS_DIR/stamp_peer.py" reflect --bind 198.18.0.2 \
		--count "$COUNT" --result "$WORK/pyrefl$pct.json" --ready "$WORK/pyrefl.ready" \
		--timeout 3 >"$WORK/pyrefl$pct.log" 2>&1 &
	PEER_PID=$!
	for _ in $(seq 50); do [ -f "$WORK/pyrefl.ready" ] && break; sleep 0.1; done
	run_sender "2-$pct"
	wait "$PEER_PID" || true # it answered fewer than COUNT: exits 1, by design here
	PEER_PID=
	dropped=$(nsx "$NS_B" nft list chain inet f in | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	answered=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['answered'])" \
		"$WORK/pyrefl$pct.json")
	rx=$(lat "$WORK/a2-$pct.json" rtt received)
	lost=$(lat "$WORK/a2-$pct.json" rtt lost)
	pending=$(lat "$WORK/a2-$pct.json" rtt pending)
	log "run 2 ($pct %): nft dropped $dropped, python answered $answered; stampede rtt" \
		"received=$rx lost=$lost pending=$pending"
	[ -n "$rx" ] || fail "run 2 ($pct %): no rtt row (100 % loss is a row)"
	[ $((answered + dropped)) -eq "$COUNT" ] ||
		fail "run 2 ($pct %): python answered $answered + nft dropped $dropped != $COUNT"
	[ "$rx" = "$answered" ] || fail "run 2 ($pct %): stampede got $rx replies, python sent $answered"
	[ "$lost" = "$dropped" ] || fail "run 2 ($pct %): stampede loss $lost != nft counter $dropped"
	[ "$pending" = 0 ] || fail "run 2 ($pct %): $pending still pending after the horizon"
	if [ "$pct" = 100 ]; then
		[ "$dropped" = "$COUNT" ] || fail "run 2 (100 %): nft dropped $dropped"
	else
		# 36 % of 1000: binomial sd 15.2, 5 sd either way.
		[ "$dropped" -ge 284 ] && [ "$dropped" -le 436 ] || fail "nft dropped $dropped: not ~36 %"
	fi
done
nsx "$NS_B" nft delete table inet f
nsx "$NS_B" ip addr flush dev b0

log "run 3: the python sender (kernel socket) vs stampede reflector"
kernel_a
start_reflector 3
ip netns exec "$NS_A" "$PY" "$SYS_DIR/stamp_peer.py" send --bind 198.18.0.1 --to 198.18.0.2 \
	--count "$COUNT" --size 100 --pps 500 --result "$WORK/pysend.json" \
	>"$WORK/pysend.log" 2>&1 || fail "python sender: $(cat "$WORK/pysend.log")"
cat "$WORK/pysend.log"
stop_reflector 3
"$PY" - "$WORK/b3.json" <<'PYEOF' || fail "stampede's reflector refused good requests"
import json, sys
d = json.load(open(sys.argv[1]))["drops"]
bad = {k: v for k, v in d.items() if k.startswith("probe_refl_") and v}
assert not bad, bad
PYEOF
"$PY" - "$WORK/pysend.json" "$COUNT" <<'PYEOF' || fail "python sender found bad replies"
import json, sys
r, n = json.load(open(sys.argv[1])), int(sys.argv[2])
assert r["nbad"] == 0 and r["distinct"] == n and r["replies"] == n, r
assert r["sender_ttls"] == [255], r               # the TTL the request arrived with
assert 0 < r["rtt_p50_ns"] < 10 ** 9, r
PYEOF
log "PASS"
