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
# Run 1: 2000 probes, reflected: RTT plausible (0 < p50 < 1 s), loss 0 both ways.
# Run 2: an nftables bridge rule drops 5 % of the probes from a to b at random
# (numgen random mod 100 < 5, counted: there is no netem here): the loss the reflector measures
# one-way and the sender measures on the round trip must equal nft's counter exactly.
#
# Usage: test/system/probe_reflect.sh PATH_TO_STAMPEDE (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
command -v nft >/dev/null || skip "nftables (nft) is not installed"
COUNT=2000
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
                "count": $COUNT, "flows": 4 } ] }
JSON
cat >"$WORK/b.json" <<JSON
{ "eal": { "hugepages": false },
  "ports": [ { "name": "b", "device": "net_af_packet0,iface=b0" } ],
  "probe_rx": { "enabled": true, "reflect": true } }
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
	local n=$1
	ip netns exec "$NS_B" "$STAMPEDE" -c "$WORK/b.json" --stats-json "$WORK/b$n.json" \
		-- --file-prefix="$PREFIX_B" "${EAL_B[@]}" >"$WORK/b$n.log" 2>&1 </dev/null &
	B_PID=$!
	sleep 1.5
	ip netns exec "$NS_A" "$STAMPEDE" -c "$WORK/a.json" --duration 4 -v \
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

log "run 2: nft drops 5 % of a -> b probes"
nsx "$NS_D" nft add table bridge f
nsx "$NS_D" nft add chain bridge f fw '{ type filter hook forward priority 0; }'
nsx "$NS_D" nft add rule bridge f fw iifname in0 udp dport 7777 numgen random mod 100 \< 5 counter drop
run_pair 2
dropped=$(nsx "$NS_D" nft list chain bridge f fw | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
rx=$(lat "$WORK/a2.json" p0 rtt received)
lost=$(lat "$WORK/a2.json" p0 rtt lost)
fwd_lost=$(lat "$WORK/b2.json" stream0 one-way lost)
last_missing=0
log "run 2: nft dropped $dropped; sender rtt received=$rx lost=$lost; reflector lost=$fwd_lost"
[ "$dropped" -ge 40 ] && [ "$dropped" -le 170 ] || fail "nft dropped $dropped of $COUNT: not ~5 %"
# Losses at the very end of the stream are not visible as gaps: received + lost counts them.
[ $((rx + dropped)) -eq "$COUNT" ] || fail "received $rx + nft drops $dropped != $COUNT"
[ "$lost" -le "$dropped" ] && [ "$lost" -ge $((dropped - 5)) ] ||
	fail "sender loss $lost vs nft counter $dropped"
[ "$fwd_lost" = "$lost" ] || fail "reflector one-way loss $fwd_lost != sender rtt loss $lost"
log "PASS"
