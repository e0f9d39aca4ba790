#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: forged traffic against a live authenticated broker link (README.md, "Security"),
# two stampede processes on net_af_packet over veth:
#
#   ns S (frames.py, tap forger)   ns E (edge, node 7)        ns M (bridge)            ns C (collector, node 9)
#   s0 <-veth-> e_in  ==edge==  e_out <-veth-> m_e =br0= m_c <-veth-> c_in
#                                                     |= m_a1 <-veth-> m_a0 (the forger: no learning)
#
# The edge signs with key 1 and has a reliable output; the collector holds keys 1 and 2 and
# node.peers [7 at 192.0.2.7]. While N marked frames flow (test/system/frames.py), the forger
# (test/system/broker_forge.py: datagrams and MACs built with Python's struct and hmac) sends
# from M: 256 forged node ids and a forged node 99 signed with a held key (sph_peer_unknown),
# forged node-7 data unsigned from the edge's address, one of them at sequence 2^40 (far future:
# sph_auth_missing x2), at 2^40 signed with a key the collector does not hold under key id 1
# (wrong key: sph_auth_bad), with an unknown key id 3 (sph_auth_key); to the edge, an unsigned
# ACK of 2^40 numbers (sph_auth_missing) and a NACK of 2^32-1 with a wrong key (sph_auth_bad).
# From S, a valid signed ACK onto the edge's tap port: data, sent on to the collector as a
# frame. After the traffic, 5 real datagrams captured on the link (tcpdump) are replayed twice.
# Key rotation: R more frames through the edge (key 1), whose datagrams an nftables rule in M
# drops (counted), so that the edge stops with them unacknowledged, in its spool. It is
# restarted with keys 1 and 2 and send_key 2, a new spool and the console on a socket; `replay
# sp` sends the old spool (signed with key 1), then R more frames go through (key 2), the
# collector running throughout. tcpdump on the collector's link records the edge's datagrams of
# this phase: each verifies with key 1 or 2 (Python hmac), both keys seen.
# Checked: every drop counter equals the forger's count (exact, the collector and both edges);
# the collector's file holds each of the frames sent exactly once and the tap's ACK frame once
# (expected values from frames.py markers and the forger's bytes); node 7 has no gap, at least
# 10 duplicates (the replays, not written again) and 1 restart; only node 7 in the source
# table; the first edge acknowledged or spooled every frame (spooled: exactly the datagrams
# nft dropped), the second replayed what the first spooled, and neither holds or dead-letters
# anything else; every --stats-json invariant exact.
#
# Usage: test/system/broker_attack.sh PATH_TO_STAMPEDE (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
command -v nft >/dev/null || skip "nftables (nft) is not installed"

NT=${STP_BATT_FRAMES:-300}
NR=${STP_BATT_ROT_FRAMES:-100} # frames with each key in the rotation phase
DPORT=40001
FORGE=("$PY" "$SYS_DIR/broker_forge.py")
SOCK=$WORK/edge.sock
CLI=("$PY" "$SYS_DIR/../../scripts/stampede-cli" "$SOCK")

trap sys_nodes_cleanup EXIT
sys_broker_topology forger
MAC_EOUT=$(nsx "$NS_E" cat /sys/class/net/e_out/address)
MAC_EIN=$(nsx "$NS_E" cat /sys/class/net/e_in/address)

"${FORGE[@]}" keys "$WORK"
# e.json: the edge with keys KEYS (JSON list), signing with key SEND_KEY, spool SPOOL.
write_edge() {
	cat >"$WORK/e.json" <<JSON
{ "node": { "id": 7, "auth": { "keys": $1, "send_key": $2 } },
  "eal": { "hugepages": false },
  "ports": [ { "name": "in", "device": "net_af_packet0,iface=e_in" },
             { "name": "out", "device": "net_af_packet1,iface=e_out" } ],
  "outputs": [ { "name": "sp", "type": "stampede", "port": "out", "src_ip": "192.0.2.7",
                 "dst_ip": "192.0.2.9", "dst_mac": "$MAC_CIN", "reliable": true,
                 "spool": "$3" } ],
  "rules": [ { "name": "in", "in": ["in"], "action": "forward", "out": "sp" },
             { "name": "rest", "action": "drop" } ] }
JSON
}
KEY1='{ "id": 1, "file": "'$WORK'/k1.hex" }'
KEY2='{ "id": 2, "file": "'$WORK'/k2.raw" }'
write_edge "[ $KEY1 ]" 1 "$WORK/dlq.pcapng"
cat >"$WORK/c.json" <<JSON
{ "node": { "id": 9, "role": "collector", "peers": [ { "id": 7, "address": "192.0.2.7" } ],
            "auth": { "keys": [ { "id": 1, "file": "$WORK/k1.hex" },
                                { "id": 2, "file": "$WORK/k2.raw" } ] } },
  "eal": { "hugepages": false, "main_lcore": 1 },
  "lcores": { "rx": [ { "lcore": 0, "queues": [ { "port": "in", "queue": 0 } ] } ],
              "worker": [0], "tx": [0] },
  "ports": [ { "name": "in", "device": "net_af_packet0,iface=c_in" } ],
  "outputs": [ { "name": "cap", "type": "pcapng", "path": "$WORK/coll.pcapng" } ],
  "rules": [ { "name": "all", "action": "forward", "out": "cap" } ] }
JSON
for n in e c; do
	"$STAMPEDE" --check -c "$WORK/$n.json" >"$WORK/check-$n.log" 2>&1 ||
		fail "stampede --check rejected $n.json: $(cat "$WORK/check-$n.log")"
	! grep -qi "$(cut -c1-16 "$WORK/k1.hex")" "$WORK/check-$n.log" ||
		fail "--check printed key bytes"
done

send() { # send FIRST COUNT PAUSE
	nsx "$NS_S" "$PY" "$SYS_DIR/frames.py" send s0 --dst-mac "$MAC_EIN" \
		--src-ip 198.18.0.1 --dst-ip 198.18.0.2 --dport "$DPORT" --first "$1" --count "$2" \
		--size 300 --burst 4 --pause "$3"
}
held_zero() {
	local h
	h=$(tel e output_sp.reliable_held 2>/dev/null) || return 1
	[ "$h" -eq 0 ]
}
coll_has() { # coll_has N: the collector has received N records of node 7
	local r
	r=$(tel c node_7_0.received 2>/dev/null) || return 1
	[ "$r" -ge "$1" ]
}

warm_up() { # one frame at a time (they count in the stream) until the collector has one more
	local have=$sent i
	for i in $(seq 30); do
		send "$sent" 1 0 >/dev/null
		sent=$((sent + 1))
		coll_has $((have + 1)) && break
		sleep 0.3
	done
	wait_until "warm-up frames at the collector" 10 coll_has "$sent"
	log "edge -> collector delivers (authenticated) after $((sent - have)) warm-up frame(s)"
}

start_node c "$NS_C"
start_node e1 "$NS_E"
sent=0
warm_up

# --- attacks during traffic ---
# Real datagrams only: the forger's (below) also come from 192.0.2.7, but from its own MAC.
nsx "$NS_M" tcpdump -n -i m_c -c 5 -w "$WORK/real5.pcap" udp dst port 48879 and src host \
	192.0.2.7 and not ether src 02:00:00:00:00:66 >"$WORK/tcpdump.log" 2>&1 &
TD_PID=$!
BG_PIDS+=("$TD_PID")
ip netns exec "$NS_S" "$PY" "$SYS_DIR/frames.py" send s0 --dst-mac "$MAC_EIN" \
	--src-ip 198.18.0.1 --dst-ip 198.18.0.2 --dport "$DPORT" --first "$sent" --count "$NT" \
	--size 300 --burst 4 --pause 0.01 >"$WORK/send.log" 2>&1 &
SEND_PID=$!
BG_PIDS+=("$SEND_PID")
sent=$((sent + NT))
sleep 0.5
log "traffic flows; the forger sends" # the timestamps split a slow step (CI) from the next
l_json=$(nsx "$NS_M" "${FORGE[@]}" link m_a0 "$MAC_EOUT" "$MAC_CIN") || fail "forger: $l_json"
t_json=$(TAP_FRAME_OUT=$WORK/tap.bin nsx "$NS_S" "${FORGE[@]}" tap s0 "$MAC_EIN" "$MAC_CIN") ||
	fail "forger: $t_json"
log "forged: $l_json; tap $t_json"
wait "$SEND_PID" || fail "sender: $(cat "$WORK/send.log")"
wait "$TD_PID" || fail "tcpdump: $(cat "$WORK/tcpdump.log")"
r_json=$(nsx "$NS_M" "${FORGE[@]}" replay m_a0 "$WORK/real5.pcap" 2) || fail "forger: $r_json"
log "replayed: $r_json"
send "$sent" 10 0.01 >/dev/null
sent=$((sent + 10))
wait_until "every real frame (and the tap's) at the collector" 20 coll_has $((sent + 1))
wait_until "the edge's datagrams acknowledged" 20 held_zero

# --- key rotation under traffic: the edge restarted with keys 1 and 2, signing with 2 ---
ip netns exec "$NS_M" tcpdump -n -i m_c -U -w "$WORK/rot.pcap" udp dst port 48879 and src \
	host 192.0.2.7 >"$WORK/tcpdump-rot.log" 2>&1 &
TDR_PID=$!
BG_PIDS+=("$TDR_PID")
wait_until "tcpdump on m_c" 10 grep -q "listening on" "$WORK/tcpdump-rot.log"
# The last R frames of the old edge are held back by the bridge (nft, counted), so that it stops
# with them unacknowledged: into its spool, signed with key 1.
nsx "$NS_M" nft add table bridge f
nsx "$NS_M" nft add chain bridge f fw '{ type filter hook forward priority 0; }'
nsx "$NS_M" nft add rule bridge f fw iifname m_e udp dport 48879 counter drop
send "$sent" "$NR" 0.01 >/dev/null
sent=$((sent + NR))
sent_e1=$sent
stop_node e1
held_back=$(nsx "$NS_M" nft list chain bridge f fw | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
nsx "$NS_M" nft flush chain bridge f fw
write_edge "[ $KEY1, $KEY2 ]" 2 "$WORK/dlq2.pcapng"
start_node e2 "$NS_E" --console-socket "$SOCK"
"${CLI[@]}" -c "replay sp $WORK/dlq.pcapng" >"$WORK/replay.txt" 2>&1 ||
	fail "stampede-cli: $(cat "$WORK/replay.txt")"
replayed=$(sed -n 's/.*output sp: replayed \([0-9]*\) datagrams.*/\1/p' "$WORK/replay.txt")
[ -n "$replayed" ] || fail "replay: $(cat "$WORK/replay.txt")"
log "edge restarted with send_key 2; $replayed datagram(s) of its key-1 spool replayed"
# The restarted edge numbers from 0 again: its frames are captured over 1 s after the last one
# of the old edge, so the collector takes them for a restart, not a replay (README "Security").
sleep 1.1
warm_up
send "$sent" "$NR" 0.01 >/dev/null
sent=$((sent + NR))
wait_until "every real frame (and the tap's) at the collector" 20 coll_has $((sent + 1))
wait_until "the edge's datagrams acknowledged" 20 held_zero
sleep 0.3
kill -INT "$TDR_PID"
wait "$TDR_PID" || fail "tcpdump: $(cat "$WORK/tcpdump-rot.log")"
stop_node e2
stop_node c

check_rc=0
keyids=$("${FORGE[@]}" keyids "$WORK/rot.pcap") || fail "keyids: $keyids"
ARGS=("$WORK" "$sent" "$DPORT" "$l_json" "$sent_e1" "$replayed" "$keyids" "$held_back")
SYS_DIR=$SYS_DIR "$PY" - "${ARGS[@]}" <<'PYEOF' || check_rc=$?
import json, os, sys
sys.path.insert(0, os.path.join(os.environ.get("SYS_DIR", "."), "..", "functional"))
sys.path.insert(0, os.environ.get("SYS_DIR", "."))
import frames
import broker_check as bc
work, sent, dport = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
forged = json.loads(sys.argv[4])
sent_e1, replayed = int(sys.argv[5]), int(sys.argv[6])
want_c, want_e = forged["collector"]["expect"], forged["edge"]["expect"]
sc = json.load(open(os.path.join(work, "stats-c.json")))
se = json.load(open(os.path.join(work, "stats-e1.json")))
se2 = json.load(open(os.path.join(work, "stats-e2.json")))
for name, st, want in (("collector", sc, want_c), ("edge", se, want_e),
                       ("restarted edge", se2, {})):
    got = {k: v for k, v in st["drops"].items() if v}
    bc.check(got == want, "%s: drops == the forger's count %s" % (name, want), "got %s" % got)
ifs, cp = bc.read_pcapng(os.path.join(work, "coll.pcapng"))
marks = [m for m in (frames.parse(d, dport) for _, _, d in cp) if m is not None]
bc.check(sorted(marks) == list(range(sent)),
         "collector: each of the %d frames exactly once" % sent,
         "%d frames, %d distinct, %d missing" % (len(marks), len(set(marks)),
                                                 len(set(range(sent)) - set(marks))))
tap = open(os.path.join(work, "tap.bin"), "rb").read()
bc.check([d for _, _, d in cp].count(tap) == 1,
         "collector: the ACK sent onto the edge's tap arrived once, as a captured frame")
# What the broker delivered is on the nodes' interfaces (node7:0); a frame the collector's own
# port received directly (not a stampede datagram) is captured on that port's interface and is
# no broker traffic: reported, not counted here.
brk = [d for i, _, d in cp if ifs[i][0].startswith("node")]
local = [d for i, _, d in cp if not ifs[i][0].startswith("node")]
bc.check(len(brk) == sent + 1, "collector: nothing else delivered by the broker (%d frames)"
         % len(brk), "unexpected: %s" % [d[:64].hex() for d in brk
                                         if d != tap and frames.parse(d, dport) is None][:4])
if local:
    print("note: %d frame(s) on the collector's own port, not broker traffic: %s"
          % (len(local), [d[:64].hex() for d in local[:4]]))
nodes = sc["broker"]["nodes"]
n7 = [n for n in nodes if n["node"] == 7]
bc.check([n["node"] for n in nodes] == [7], "collector: node 7 is the only source",
         json.dumps(nodes))
bc.check(len(n7) == 1 and n7[0]["gaps"] == 0 and n7[0]["duplicates"] >= 10 and
         n7[0]["received"] == sent + 1 and n7[0]["restarts"] == 1,
         "collector: node 7 received %d, no gap, >= 10 duplicates (the replays), 1 restart"
         % (sent + 1), json.dumps(n7))
rel = se["broker"]["outputs"]["sp"]["reliable"]
bc.check(rel["held"] == 0 and rel["dead_lettered"] == int(sys.argv[8]) > 0 and
         rel["acknowledged_frames"] + rel["dead_lettered_frames"] == sent_e1 + 1,
         "edge (key 1): its %d frames acknowledged or spooled at stop (the %s datagrams nft "
         "held back), nothing held" % (sent_e1 + 1, sys.argv[8]),
         json.dumps(rel))
rel2 = se2["broker"]["outputs"]["sp"]["reliable"]
bc.check(rel2["held"] == 0 and rel2["dead_lettered"] == 0 and
         rel2["replayed"] == replayed == rel["dead_lettered"],
         "restarted edge (key 2): the old spool's %d datagrams replayed, nothing held or "
         "dead-lettered" % rel["dead_lettered"], json.dumps(rel2))
keys = json.loads(sys.argv[7])
bc.check(None not in keys and keys.count(1) > 0 and keys.count(2) > 0,
         "link during the rotation: every datagram verifies (Python hmac): %d with key 1, then "
         "%d with key 2" % (keys.count(1), keys.count(2)), str(keys))
refused = {(r["reason"], r["node"]) for r in sc["broker"]["refused"]}
bc.check(("sph_auth_missing", 7) in refused and ("sph_auth_key", 7) in refused,
         "collector: refused sources listed (show nodes / telemetry)", str(refused))
sys.exit(1 if bc.FAILS else 0)
PYEOF
[ "$check_rc" -eq 0 ] || fail "checks (see above)"
log "PASS: $sent frames through an authenticated link under forged data, ACK, NACK, flood, tap and replay"
