#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: authenticated STAMP (RFC 8762 4.2.2, 4.3.2, 4.4: HMAC-SHA-256 truncated to 128
# bits over the first 96 bytes of 112-byte packets) over a veth pair between two namespaces
# (test/system/stamp_lib.sh). Two keys, K1 and K2 (openssl rand).
#
# Run 1: stampede authenticated sender (K1) vs stampede authenticated reflector (K1): every
#        request answered, every reply measured, no auth refusal. 1b: the other way round (the
#        sender in b, the reflector in a).
# Run 2: the same sender vs a reflector with K2: no reply; every request counted under
#        probe_refl_auth_bad; the sender counts them all lost.
# Run 3: stampede's sender (K1) vs the independent python reflector (test/system/stamp_peer.py
#        --key: kernel socket, layouts struct-packed from the RFC's figures 2 and 4, MBZ ranges
#        checked zero, HMAC from Python's hmac + hashlib): the python side accepts every
#        request; stampede measures every reply.
#        3b: the python reflector signs its replies with K2: stampede uses none of them (all
#        counted under ignored.stamp_auth_failed) and counts every probe lost.
# Run 4: python senders vs stampede's reflector (K1): with K1 every reply passes the python
#        side's checks (layout, MBZ, HMAC, echoed fields, T1 <= T2 <= T3 <= T4); unauthenticated
#        (44-byte and 100-byte requests) and with K2 they get no reply, counted as
#        probe_refl_auth_missing and probe_refl_auth_bad.
#
# Usage: test/system/stamp_auth.sh PATH_TO_STAMPEDE (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
command -v openssl >/dev/null || skip "openssl (the command) is not installed"
COUNT=200
A_DURATION=3 # 200 probes at 500/s, then the 500 ms loss horizon passes
. "$SYS_DIR/stamp_lib.sh"

openssl rand -hex 32 >"$WORK/k1.key"
openssl rand -hex 32 >"$WORK/k2.key"
chmod 600 "$WORK/k1.key" "$WORK/k2.key"

sender_cfg() { # NAME KEYFILE [IFACE SRC_MAC DST_MAC SRC_IP DST_IP]
	cat >"$WORK/$1.json" <<JSON
{ "eal": { "hugepages": false },
  "ports": [ { "name": "a", "device": "net_af_packet0,iface=${3:-a0}" } ],
  "probes": [ { "name": "st", "port": "a", "mode": "stamp", "src_mac": "${4:-$MAC_A}",
                "dst_mac": "${5:-$MAC_B}", "src_ip": "${6:-198.18.0.1}",
                "dst_ip": "${7:-198.18.0.2}",
                "src_port": 7000, "rate_pps": 500, "count": $COUNT, "size": 200,
                "loss_horizon_ms": 500,
                "stamp_auth": "hmac-sha256", "stamp_key_file": "$2" } ] }
JSON
}
reflector_cfg() { # NAME KEYFILE [IFACE]
	cat >"$WORK/$1.json" <<JSON
{ "eal": { "hugepages": false },
  "ports": [ { "name": "b", "device": "net_af_packet0,iface=${3:-b0}" } ],
  "probe_rx": { "enabled": true, "mode": "stamp", "reflect": true, "rate_limit_pps": 0,
                "stamp_stateful": true,
                "stamp_auth": "hmac-sha256", "stamp_key_file": "$2" } }
JSON
}
sender_cfg a "$WORK/k1.key"
reflector_cfg b "$WORK/k1.key"
reflector_cfg b2 "$WORK/k2.key"
sender_cfg a_rev "$WORK/k1.key" b0 "$MAC_B" "$MAC_A" 198.18.0.2 198.18.0.1
reflector_cfg b_rev "$WORK/k1.key" a0

# jget FILE EXPR: a Python expression on the JSON document d.
jget() {
	"$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}
drop() { jget "$1" "d['drops'].get('$2', 'absent')"; }

log "run 1: stampede authenticated sender vs stampede authenticated reflector (one key)"
start_reflector 1
run_sender 1
stop_reflector 1
rx=$(lat "$WORK/a1.json" rtt received)
lost=$(lat "$WORK/a1.json" rtt lost)
p50=$(lat "$WORK/a1.json" rtt delay_ns.p50)
refl=$(jget "$WORK/b1.json" "d['probe_rx']['reflected']")
log "run 1: received=$rx lost=$lost rtt p50=${p50}ns reflected=$refl" \
	"auth_missing=$(drop "$WORK/b1.json" probe_refl_auth_missing)" \
	"auth_bad=$(drop "$WORK/b1.json" probe_refl_auth_bad)"
[ "$rx" = "$COUNT" ] && [ "$lost" = 0 ] || fail "run 1: received $rx lost $lost, want $COUNT, 0"
[ "$refl" = "$COUNT" ] || fail "run 1: reflector answered $refl, want $COUNT"
[ "$(drop "$WORK/b1.json" probe_refl_auth_bad)" = 0 ] &&
	[ "$(drop "$WORK/b1.json" probe_refl_auth_missing)" = 0 ] || fail "run 1: auth refusals"
[ "$(jget "$WORK/a1.json" "d['probe_rx']['ignored']['stamp_auth_failed']")" = 0 ] ||
	fail "run 1: the sender refused replies"
[ "$(jget "$WORK/b1.json" "d['probe_rx']['stamp_authenticated']")" = True ] ||
	fail "run 1: the reflector does not say it is authenticated"
[ "$(jget "$WORK/a1.json" "d['probes'][0]['stamp_authenticated']")" = True ] ||
	fail "run 1: the sender's stream does not say it is authenticated"
for f in "$WORK"/a1.log "$WORK"/b1.log "$WORK"/a1.json "$WORK"/b1.json; do
	grep -qi "$(cut -c1-16 "$WORK/k1.key")" "$f" && fail "run 1: $f shows the key"
done

log "run 1b: the other way round: the sender in b, the reflector in a"
B_NS=$NS_A B_CFG=b_rev start_reflector 1b
A_NS=$NS_B A_CFG=a_rev run_sender 1b
stop_reflector 1b
rx=$(lat "$WORK/a1b.json" rtt received)
lost=$(lat "$WORK/a1b.json" rtt lost)
refl=$(jget "$WORK/b1b.json" "d['probe_rx']['reflected']")
log "run 1b: received=$rx lost=$lost reflected=$refl"
[ "$rx" = "$COUNT" ] && [ "$lost" = 0 ] && [ "$refl" = "$COUNT" ] ||
	fail "run 1b: received $rx lost $lost answered $refl, want $COUNT, 0, $COUNT"

log "run 2: the same sender vs a stampede reflector with another key"
B_CFG=b2 start_reflector 2
run_sender 2
stop_reflector 2
rx=$(lat "$WORK/a2.json" rtt received)
lost=$(lat "$WORK/a2.json" rtt lost)
bad=$(drop "$WORK/b2.json" probe_refl_auth_bad)
refl=$(jget "$WORK/b2.json" "d['probe_rx']['reflected']")
log "run 2: received=$rx lost=$lost; reflector answered $refl, probe_refl_auth_bad=$bad"
[ "$rx" = 0 ] && [ "$lost" = "$COUNT" ] || fail "run 2: received $rx lost $lost, want 0, $COUNT"
[ "$refl" = 0 ] && [ "$bad" = "$COUNT" ] || fail "run 2: answered $refl, auth_bad $bad"

# Runs 3, 3b: the python reflector on a kernel socket in b.
kernel_b
for run in 3 3b; do
	extra=()
	[ "$run" = 3b ] && extra=(--reply-key "$WORK/k2.key")
	log "run $run: stampede sender vs the python reflector (${extra[*]:-same key})"
	rm -f "$WORK/pyrefl.ready"
	ip netns exec "$NS_B" "$PY" "$SYS_DIR/stamp_peer.py" reflect --bind 198.18.0.2 \
		--count "$COUNT" --key "$WORK/k1.key" "${extra[@]}" --result "$WORK/pyrefl$run.json" \
		--ready "$WORK/pyrefl.ready" --timeout 10 >"$WORK/pyrefl$run.log" 2>&1 &
	PEER_PID=$!
	for _ in $(seq 50); do [ -f "$WORK/pyrefl.ready" ] && break; sleep 0.1; done
	run_sender "$run"
	wait "$PEER_PID" || fail "python reflector: $(cat "$WORK/pyrefl$run.log")"
	PEER_PID=
	cat "$WORK/pyrefl$run.log"
	"$PY" - "$WORK/pyrefl$run.json" "$COUNT" <<'PYEOF' || fail "run $run: python reflector's checks"
import json, sys
r, n = json.load(open(sys.argv[1])), int(sys.argv[2])
# Every stampede request: 112+ bytes, MBZ zero, HMAC(K1) right; sequence 0.. in order.
assert r["answered"] == n and r["refused"] == 0 and r["seqs_in_order"], r
assert r["sizes"] == [200 - 4 - 42], r            # frame with FCS - FCS - headers
assert r["ttls"] == [255] and r["t1_near_own_clock"] == n, r
PYEOF
	rx=$(lat "$WORK/a$run.json" rtt received)
	lost=$(lat "$WORK/a$run.json" rtt lost)
	failed=$(jget "$WORK/a$run.json" "d['probe_rx']['ignored']['stamp_auth_failed']")
	log "run $run: stampede received=$rx lost=$lost stamp_auth_failed=$failed"
	if [ "$run" = 3 ]; then
		[ "$rx" = "$COUNT" ] && [ "$lost" = 0 ] && [ "$failed" = 0 ] ||
			fail "run 3: received $rx lost $lost auth_failed $failed"
	else
		[ "$rx" = 0 ] && [ "$lost" = "$COUNT" ] && [ "$failed" = "$COUNT" ] ||
			fail "run 3b: replies signed with another key: received $rx lost $lost" \
				"auth_failed $failed (want 0, $COUNT, $COUNT)"
	fi
done
nsx "$NS_B" ip addr flush dev b0

log "run 4: python senders (kernel socket) vs stampede's authenticated reflector"
kernel_a
start_reflector 4
pysend() { # NAME EXPECTED_REPLIES ARGS...
	local name=$1 want=$2
	shift 2
	ip netns exec "$NS_A" "$PY" "$SYS_DIR/stamp_peer.py" send --bind 198.18.0.1 \
		--to 198.18.0.2 --count "$COUNT" --pps 1000 --expect-replies "$want" \
		--result "$WORK/$name.json" "$@" >"$WORK/$name.log" 2>&1 ||
		fail "python sender $name: $(cat "$WORK/$name.log")"
	cat "$WORK/$name.log"
}
pysend pysend-k1 "$COUNT" --key "$WORK/k1.key" --size 120
pysend pysend-plain44 0 --size 44
pysend pysend-plain100 0 --size 100 --sport 7002
pysend pysend-k2 0 --key "$WORK/k2.key" --size 112 --sport 7003
stop_reflector 4
"$PY" - "$WORK/pysend-k1.json" "$COUNT" <<'PYEOF' || fail "python sender found bad replies"
import json, sys
r, n = json.load(open(sys.argv[1])), int(sys.argv[2])
assert r["nbad"] == 0 and r["distinct"] == n and r["replies"] == n, r
assert r["sender_ttls"] == [255], r
PYEOF
missing=$(drop "$WORK/b4.json" probe_refl_auth_missing)
bad=$(drop "$WORK/b4.json" probe_refl_auth_bad)
refl=$(jget "$WORK/b4.json" "d['probe_rx']['reflected']")
log "run 4: reflector answered $refl, probe_refl_auth_missing=$missing probe_refl_auth_bad=$bad"
[ "$refl" = "$COUNT" ] || fail "run 4: answered $refl, want $COUNT (the K1 sender's)"
[ "$missing" = $((2 * COUNT)) ] || fail "run 4: auth_missing $missing, want $((2 * COUNT))"
[ "$bad" = "$COUNT" ] || fail "run 4: auth_bad $bad, want $COUNT"
log "PASS"
