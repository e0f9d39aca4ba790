#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: two stampede instances probing each other over veth, as the fast_afpacket
# example does between two VMs:
#
#   ns stp<PID>-a (stampede: probe p0)   ns stp<PID>-d (bridge + nft)   ns stp<PID>-b (reflector)
#   a0 <-veth-> in0 ==br0== out0 <-veth-> b0
#
# Run 1: 1000 probes, reflected: RTT plausible (0 < p50 < 1 s), loss 0 both ways.
# Runs 2, 3: an nftables bridge rule drops 36 %, then 100 % of the probes from a to b at random
# (numgen random mod 100 < N, counted: there is no netem here): the sender's round-trip loss
# (probes[].reflected; the default 3 s loss horizon has passed when the 5 s run ends, so the tail
# of the run counts too; a shorter one lost replies of a reflector preempted for a second on a
# loaded machine as late) must equal nft's
# counter exactly, 100 % loss is a row, and the reflector received the rest.
# Runs 4-6: the same 0 %, 36 %, 100 % with STAMP (a stampede Session-Sender, b a stampede
# Session-Reflector).
#
# The reflectors run without their per-source rate limit (rate_limit_pps 0): its buckets refill
# by RX stamps, and a reflector lcore preempted for longer than its burst lasts at the probe rate
# (1 s at 1000/s with the default burst of 1000) gets one late burst of stamps and refuses
# some, which these exact loss counts cannot absorb. probe-refuse-* tests the limit on pcap time.
#
# Usage: test/system/probe_reflect.sh PATH_TO_STAMPEDE (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
command -v nft >/dev/null || skip "nftables (nft) is not installed"
COUNT=1000
PREFIX_B=$PREFIX-b
B_PID=

cleanup_b() {
	local rc=$?
	if [ -n "$B_PID" ] && kill -0 "$B_PID" 2>/dev/null; then
		kill -KILL "$B_PID" 2>/dev/null
	fi
	rm -rf /var/run/dpdk/"$PREFIX_B" 2>/dev/null
	(exit "$rc")
	sys_cleanup
}
trap cleanup_b EXIT

ip netns add "$NS_B"
ip netns add "$NS_D"
for ns in "$NS_A" "$NS_B" "$NS_D"; do
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	nsx "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
ip link add a0 netns "$NS_A" type veth peer name in0 netns "$NS_D"
ip link add b0 netns "$NS_B" type veth peer name out0 netns "$NS_D"
nsx "$NS_D" ip link add br0 type bridge
nsx "$NS_D" ip link set in0 master br0
nsx "$NS_D" ip link set out0 master br0
for l in in0 out0 br0; do nsx "$NS_D" ip link set "$l" up; done
nsx "$NS_A" ip link set a0 up
nsx "$NS_B" ip link set b0 up
MAC_A=$(nsx "$NS_A" cat /sys/class/net/a0/address)
MAC_B=$(nsx "$NS_B" cat /sys/class/net/b0/address)

cat >"$WORK/a.json" <<JSON
{ "eal": { "hugepages": false },
  "ports": [ { "name": "a", "device": "net_af_packet0,iface=a0" } ],
  "probes": [ { "name": "p0", "port": "a", "src_mac": "$MAC_A", "dst_mac": "$MAC_B",
                "src_ip": "198.18.0.1", "dst_ip": "198.18.0.2", "rate_pps": 1000,
                "count": $COUNT, "flows": 4, "reflected": true } ] }
JSON
cat >"$WORK/a-stamp.json" <<JSON
{ "eal": { "hugepages": false },
  "ports": [ { "name": "a", "device": "net_af_packet0,iface=a0" } ],
  "probes": [ { "name": "p0", "port": "a", "mode": "stamp", "src_mac": "$MAC_A",
                "dst_mac": "$MAC_B", "src_ip": "198.18.0.1", "dst_ip": "198.18.0.2",
                "rate_pps": 1000, "count": $COUNT } ] }
JSON
cat >"$WORK/b-stamp.json" <<JSON
{ "eal": { "hugepages": false },
  "ports": [ { "name": "b", "device": "net_af_packet0,iface=b0" } ],
  "probe_rx": { "enabled": true, "mode": "stamp", "reflect": true, "rate_limit_pps": 0 } }
JSON
cat >"$WORK/b.json" <<JSON
{ "eal": { "hugepages": false },
  "ports": [ { "name": "b", "device": "net_af_packet0,iface=b0" } ],
  "probe_rx": { "enabled": true, "reflect": true, "rate_limit_pps": 0 } }
JSON

# Two CPUs: each instance's datapath lcore on its own one (A on CPU 1, B on CPU 0; lcore 0, the
# control thread, mostly sleeps). With EAL's default both busy-poll on lcore 1 = CPU 1 and take
# turns in scheduler slices: RTT p50 ~20-28 ms instead of tens of microseconds.
if [ "$(nproc)" -ge 2 ]; then
	EAL_A=(--lcores=0@0,1@1)
	EAL_B=(--lcores=0@1,1@0)
else
	EAL_A=()
	EAL_B=()
fi

# run N: reflector b in the background, sender a for 4 s, then b stopped by PID.
run_pair() {
	local n=$1 sfx=${2:-}
	ip netns exec "$NS_B" "$STAMPEDE" -c "$WORK/b$sfx.json" --stats-json "$WORK/b$n.json" \
		--stats-period 1 -- --file-prefix="$PREFIX_B" "${EAL_B[@]}" >"$WORK/b$n.log" 2>&1 \
		</dev/null &
	B_PID=$!
	# Its first status line: the ports are up and polled (a fixed sleep lost probes on a
	# loaded machine).
	for _ in $(seq 100); do
		grep -q "^rx [0-9]" "$WORK/b$n.log" 2>/dev/null && break
		kill -0 "$B_PID" 2>/dev/null || fail "reflector exited: $(tail "$WORK/b$n.log")"
		sleep 0.1
	done
	ip netns exec "$NS_A" "$STAMPEDE" -c "$WORK/a$sfx.json" --duration 5 -v \
		--stats-json "$WORK/a$n.json" --latency-json "$WORK/lat$n.json" \
		-- --file-prefix="$PREFIX" "${EAL_A[@]}" >"$WORK/stampede.log" 2>&1 </dev/null ||
		fail "sender stampede failed"
	kill -TERM "$B_PID"
	wait "$B_PID" || fail "reflector stampede exited with an error: $(tail "$WORK/b$n.log")"
	B_PID=
	sys_check_invariant "$WORK/a$n.json"
	sys_check_invariant "$WORK/b$n.json"
}

# field FILE STREAM DIRECTION KEY -> value from the latency array ("" when absent)
lat() {
	"$PY" - "$@" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d.get("latency", []):
    if e["name"] == sys.argv[2] and e["direction"] == sys.argv[3]:
        v = e
        for k in sys.argv[4].split("."):
            v = v[k]
        print(v)
PYEOF
}

log "run 1: no loss"
run_pair 1
rx=$(lat "$WORK/a1.json" p0 rtt received)
lost=$(lat "$WORK/a1.json" p0 rtt lost)
p50=$(lat "$WORK/a1.json" p0 rtt delay_ns.p50)
fwd=$(lat "$WORK/b1.json" stream0 one-way received)
log "run 1: sender rtt received=$rx lost=$lost p50=${p50}ns; reflector one-way received=$fwd"
[ "$rx" = "$COUNT" ] || fail "sender got $rx reflections back, want $COUNT"
[ "$lost" = 0 ] || fail "loss $lost without impairment"
[ "$fwd" = "$COUNT" ] || fail "reflector received $fwd, want $COUNT"
[ "$p50" -gt 0 ] && [ "$p50" -lt 1000000000 ] || fail "implausible rtt p50 $p50 ns"
grep -q "^probe stream=0 seq=[0-9]* rtt tx=[0-9]* refl_rx=[0-9]* refl_tx=[0-9]* rx=[0-9]* rtt_ns=" \
	"$WORK/stampede.log" || fail "-v printed no per-probe lines"
"$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); \
h=d['streams'][0]['histogram']; assert h['unit']=='ns' and h['summary']['count']==$COUNT" \
	"$WORK/lat1.json" || fail "--latency-json is not the expected histogram"

# nft_drop PCT PORT: from here on the bridge drops PCT % of a -> b frames to UDP PORT (counted).
nft_drop() {
	nsx "$NS_D" nft delete table bridge f 2>/dev/null || true
	nsx "$NS_D" nft add table bridge f
	nsx "$NS_D" nft add chain bridge f fw '{ type filter hook forward priority 0; }'
	if [ "$1" = 100 ]; then
		nsx "$NS_D" nft add rule bridge f fw iifname in0 udp dport "$2" counter drop
	else
		nsx "$NS_D" nft add rule bridge f fw iifname in0 udp dport "$2" \
			numgen random mod 100 \< "$1" counter drop
	fi
}

# check_loss RUN PCT RX_DIR: the sender's rtt loss against nft's counter (the expected value).
check_loss() {
	local n=$1 pct=$2 rxdir=$3 dropped rx lost pending lpct brx
	dropped=$(nsx "$NS_D" nft list chain bridge f fw | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	rx=$(lat "$WORK/a$n.json" p0 rtt received)
	lost=$(lat "$WORK/a$n.json" p0 rtt lost)
	pending=$(lat "$WORK/a$n.json" p0 rtt pending)
	lpct=$(lat "$WORK/a$n.json" p0 rtt loss_pct)
	if [ "$rxdir" = none ]; then
		# A Session-Reflector measures nothing: what it answered.
		brx=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['probe_rx']['reflected'])" \
			"$WORK/b$n.json")
	else
		brx=$(lat "$WORK/b$n.json" stream0 "$rxdir" received)
	fi
	log "run $n: nft dropped $dropped of $COUNT ($pct %); sender rtt received=$rx lost=$lost" \
		"pending=$pending loss_pct=$lpct; reflector received=${brx:-none}"
	[ -n "$rx" ] || fail "run $n: no rtt row for the stream (100 % loss is a row)"
	[ "$pending" = 0 ] || fail "run $n: $pending probes still pending after the horizon"
	[ $((rx + dropped)) -eq "$COUNT" ] || fail "run $n: received $rx + nft drops $dropped != $COUNT"
	[ "$lost" = "$dropped" ] || fail "run $n: sender loss $lost != nft counter $dropped"
	"$PY" -c "import sys; sys.exit(abs(float('$lpct') - 100.0 * $dropped / $COUNT) > 1e-9)" ||
		fail "run $n: loss_pct $lpct != 100 x $dropped / $COUNT"
	if [ "$pct" = 100 ]; then
		[ "$dropped" = "$COUNT" ] || fail "run $n: nft dropped $dropped, not all"
	else
		# 36 % of 1000 = 360, binomial sd 15.2: 5 sd either way.
		[ "$dropped" -ge 284 ] && [ "$dropped" -le 436 ] || fail "run $n: nft dropped $dropped: not ~36 %"
		[ "$brx" = "$rx" ] || fail "run $n: reflector received $brx, sender got $rx back"
	fi
}

log "run 2: nft drops 36 % of a -> b probes"
nft_drop 36 7777
run_pair 2
check_loss 2 36 one-way

log "run 3: nft drops every a -> b probe"
nft_drop 100 7777
run_pair 3
check_loss 3 100 one-way

log "run 4: STAMP, no loss"
nsx "$NS_D" nft delete table bridge f
run_pair 4 -stamp
rx=$(lat "$WORK/a4.json" p0 rtt received)
lost=$(lat "$WORK/a4.json" p0 rtt lost)
log "run 4: STAMP sender rtt received=$rx lost=$lost"
[ "$rx" = "$COUNT" ] && [ "$lost" = 0 ] || fail "run 4: STAMP received $rx lost $lost"

log "run 5: STAMP, nft drops 36 % of the requests"
nft_drop 36 862
run_pair 5 -stamp
check_loss 5 36 none

log "run 6: STAMP, nft drops every request"
nft_drop 100 862
run_pair 6 -stamp
check_loss 6 100 none
log "PASS"
