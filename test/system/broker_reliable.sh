#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: a reliable stampede output (resend window, dead-letter spool, replay) between two
# stampede processes on net_af_packet, with the collector killed and restarted during traffic:
#
#   ns S (frames.py)     ns E (edge, node 7)              ns M (bridge + nft)     ns C (collector, node 9)
#   s0 <-veth-> e_in  ==edge==  e_out <-veth-> m_e =br0= m_c <-veth-> c_in
#
# The edge's output "sp" is reliable with resend_window_s 2 and spool dlq-<time>.pcapng; the edge also
# captures its input (edge-in.pcapng: the ground truth) and has the console on a socket.
#  1. Traffic (frames.py, ~250 frames/s of 800 bytes: one record per datagram) for ~8 s; after
#     1.5 s the collector is SIGKILLed (by PID); 3.5 s later (> the window) it is restarted with
#     the same config but a new pcapng path. Meanwhile the edge dead-letters what it sent to the
#     dead collector once older than the window (dead_window > 0), and resends what is younger
#     once the new collector acknowledges newer numbers (resent > 0).
#  2. `replay sp` through the console socket (scripts/stampede-cli): the spool's datagrams go to
#     the new collector, which then has every one of them (its stale counter grows by the
#     records replayed: they are older than its first number).
#  3. Live NACK: an nftables bridge rule in M drops ~5 % of the edge's datagrams
#     (numgen random, counted: there is no netem here); the collector NACKs the gaps, the edge
#     resends, and the collector ends with no gap.
# Both stop with SIGTERM. Checked exactly: every frame the edge captured is in (collector
# pcapng files ∪ spool, deduplicated by the frames' own marker) or counted in a named drop on
# the edge (the sums match); the counters acknowledged, resent, dead_lettered (window),
# replayed, nacks are non-zero where they must be; the invariant of each --stats-json.
#
# Usage: test/system/broker_reliable.sh PATH_TO_STAMPEDE (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
command -v nft >/dev/null || skip "nftables (nft) is not installed"

NT=${STP_BREL_FRAMES:-2000} # frames of the main phase (~8 s at ~250 frames/s)
NL=${STP_BREL_LOSS_FRAMES:-400} # frames of the loss phase
SIZE=800
DPORT=40001
WINDOW=2
SOCK=$WORK/edge.sock
CLI=("$PY" "$SYS_DIR/../../scripts/stampede-cli" "$SOCK")

trap sys_nodes_cleanup EXIT
sys_broker_topology

# --- configs: the collector on CPU 0 (main lcore 1), the edge on the defaults ---
cat >"$WORK/e.json" <<JSON
{ "node": { "id": 7, "description": "edge7:in" },
  "eal": { "hugepages": false },
  "ports": [ { "name": "in", "device": "net_af_packet0,iface=e_in" },
             { "name": "out", "device": "net_af_packet1,iface=e_out" } ],
  "outputs": [ { "name": "sp", "type": "stampede", "port": "out", "src_ip": "192.0.2.7",
                 "dst_ip": "192.0.2.9", "dst_mac": "$MAC_CIN", "reliable": true,
                 "resend_window_s": $WINDOW, "spool": "$WORK/dlq-%Y%m%dT%H%M%S.pcapng" },
               { "name": "capin", "type": "pcapng", "path": "$WORK/edge-in.pcapng" } ],
  "groups": [ { "name": "both", "mode": "replicate", "members": ["sp", "capin"] } ],
  "rules": [ { "name": "in", "in": ["in"], "action": "forward", "out": "both" },
             { "name": "rest", "action": "drop" } ] }
JSON
# c.json: the collector; COLL_PCAPNG is its output file (a new one at each start).
write_coll() {
	cat >"$WORK/c.json" <<JSON
{ "node": { "id": 9, "role": "collector" },
  "eal": { "hugepages": false, "main_lcore": 1 },
  "lcores": { "rx": [ { "lcore": 0, "queues": [ { "port": "in", "queue": 0 } ] } ],
              "worker": [0], "tx": [0] },
  "ports": [ { "name": "in", "device": "net_af_packet0,iface=c_in" } ],
  "outputs": [ { "name": "cap", "type": "pcapng", "path": "$1" } ],
  "rules": [ { "name": "all", "action": "forward", "out": "cap" } ] }
JSON
}
write_coll "$WORK/coll1.pcapng"
for n in e c; do
	"$STAMPEDE" --check -c "$WORK/$n.json" >"$WORK/check-$n.log" 2>&1 ||
		fail "stampede --check rejected $n.json: $(cat "$WORK/check-$n.log")"
done

send() { # send FIRST COUNT PAUSE
	nsx "$NS_S" "$PY" "$SYS_DIR/frames.py" send s0 --dst-mac 02:00:00:00:00:02 \
		--src-ip 198.18.0.1 --dst-ip 198.18.0.2 --dport "$DPORT" --first "$1" --count "$2" \
		--size "$SIZE" --burst 4 --pause "$3"
}

held_zero() { # the edge holds nothing (everything it sent is acknowledged)
	local h
	h=$(tel e output_sp.reliable_held 2>/dev/null) || return 1
	[ "$h" -eq 0 ]
}
coll_has() { # coll_has N: the collector has >= N records of node 7 (first copies + stale)
	local r s
	read -r r s <<<"$(tel c node_7_0.received node_7_0.stale 2>/dev/null || echo "0 0")"
	[ $((r + s)) -ge "$1" ]
}

start_node c1 "$NS_C"
start_node e "$NS_E" --console-socket "$SOCK"

# Warm-up: one frame at a time until the collector has one (they count in the stream).
sent=0
for i in $(seq 30); do
	send "$sent" 1 0
	sent=$((sent + 1))
	coll_has 1 && break
	sleep 0.3
done
wait_until "warm-up frames at the collector" 10 coll_has "$sent"
log "edge -> collector delivers after $sent warm-up frame(s)"

# --- 1. the collector dies during traffic ---
log "phase 1: $NT frames at ~250/s; collector SIGKILLed after 1.5 s, back after $((WINDOW + 1)).5 s"
ip netns exec "$NS_S" "$PY" "$SYS_DIR/frames.py" send s0 --dst-mac 02:00:00:00:00:02 \
	--src-ip 198.18.0.1 --dst-ip 198.18.0.2 --dport "$DPORT" --first "$sent" --count "$NT" \
	--size "$SIZE" --burst 4 --pause 0.016 >"$WORK/send1.log" 2>&1 &
SEND_PID=$!
BG_PIDS+=("$SEND_PID")
sent=$((sent + NT))
sleep 1.5
log "SIGKILL collector (pid ${NODE_PID[c1]})"
kill -KILL "${NODE_PID[c1]}"
wait "${NODE_PID[c1]}" 2>/dev/null || true
unset "NODE_PID[c1]"
rm -rf /var/run/dpdk/"$PREFIX-c" /dev/hugepages/"$PREFIX-c"* 2>/dev/null || true
sleep $((WINDOW + 1)).5
read -r dl_before <<<"$(tel e output_sp.reliable_dead_window)"
log "edge, collector away: dead-lettered by the window so far: $dl_before datagrams"
write_coll "$WORK/coll2.pcapng"
start_node c2 "$NS_C"
wait "$SEND_PID" || fail "sender: $(cat "$WORK/send1.log")"
wait_until "the edge's datagrams acknowledged after the restart" 20 held_zero
read -r spooled dw rs <<<"$(tel e output_sp.reliable_dead_lettered output_sp.reliable_dead_window \
	output_sp.reliable_resent)"
log "edge: dead_lettered $spooled (window $dw), resent $rs"
[ "$dw" -gt 0 ] || fail "nothing was dead-lettered by the window while the collector was away"

# --- 2. replay the spool through the console socket ---
sleep 0.5 # the spool writer flushes every 10 ms
read -r c_rx0 c_st0 <<<"$(tel c node_7_0.received node_7_0.stale)"
"${CLI[@]}" -c "replay sp" >"$WORK/replay.txt" 2>&1 || fail "stampede-cli: $(cat "$WORK/replay.txt")"
cat "$WORK/replay.txt"
replayed=$(sed -n 's/.*output sp: replayed \([0-9]*\) datagrams.*/\1/p' "$WORK/replay.txt")
[ -n "$replayed" ] && [ "$replayed" -eq "$spooled" ] ||
	fail "replay: '$(cat "$WORK/replay.txt")', expected $spooled datagrams replayed"
wait_until "the replayed datagrams at the collector" 20 coll_has $((c_rx0 + c_st0 + replayed))
wait_until "the replayed datagrams acknowledged" 20 held_zero
read -r c_rx1 c_st1 <<<"$(tel c node_7_0.received node_7_0.stale)"
log "collector: received $c_rx0 -> $c_rx1, stale $c_st0 -> $c_st1 after the replay of $replayed"

# --- 3. live NACK: nft drops ~5 % of the edge's datagrams ---
log "phase 3: $NL frames, nft drops ~5 % of the edge's datagrams"
nsx "$NS_M" nft add table bridge f
nsx "$NS_M" nft add chain bridge f fw '{ type filter hook forward priority 0; }'
nsx "$NS_M" nft add rule bridge f fw iifname m_e udp dport 48879 numgen random mod 100 \< 5 \
	counter drop
read -r rs0 <<<"$(tel e output_sp.reliable_resent)"
send "$sent" "$NL" 0.016 >/dev/null
sent=$((sent + NL))
nft_dropped=$(nsx "$NS_M" nft list chain bridge f fw | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
nsx "$NS_M" nft flush chain bridge f fw
log "nft dropped $nft_dropped datagrams; a tail of 10 frames without loss (every loss now lies below the highest number: a NACK asks for it)"
send "$sent" 10 0.016 >/dev/null
sent=$((sent + 10))
wait_until "the datagrams nft dropped resent and acknowledged" 20 held_zero
read -r rs1 <<<"$(tel e output_sp.reliable_resent)"
log "edge resent $((rs1 - rs0)) datagrams in this phase"
[ "$nft_dropped" -ge 1 ] || fail "nft dropped nothing (of $NL)"
[ $((rs1 - rs0)) -ge "$nft_dropped" ] || fail "the edge resent $((rs1 - rs0)) < $nft_dropped dropped"

# --- stop: the edge first (nothing held: dead_at_stop 0), then the collector ---
stop_node e
stop_node c2

# The spool's name has strftime fields (what a restarted edge needs: a new file, the old one
# kept): exactly one file, the one `replay sp` read.
spools=("$WORK"/dlq-*.pcapng)
[ "${#spools[@]}" -eq 1 ] && [ -f "${spools[0]}" ] || fail "spool files: ${spools[*]}"
grep -q "from ${spools[0]}\$" "$WORK/replay.txt" || fail "replay read another file than ${spools[0]}"
"$PY" "$SYS_DIR/broker_check.py" reliable "$WORK/edge-in.pcapng" "${spools[0]}" \
	"$WORK/coll1.pcapng" "$WORK/coll2.pcapng" --dport "$DPORT" --sent "$sent" \
	--stats-e "$WORK/stats-e.json" --stats-c "$WORK/stats-c2.json" --replayed "$replayed" \
	--nft-dropped "$nft_dropped" || fail "end-to-end check (see above)"
log "PASS: $sent frames; collector killed and restarted, $spooled datagrams spooled and replayed, $nft_dropped lost on the link and resent"
