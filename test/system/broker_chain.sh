#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: edge -> relay -> collector, three stampede processes on net_af_packet:
#
#   ns S (frames.py)     ns E (edge, node 7)     ns R (relay, node 8)    ns M (bridge + nft)    ns C (collector, node 9)
#   s0 <-veth-> e_in  ==edge==  e_out <-veth-> r_in ==relay== r_out <-veth-> m_r =br0= m_c <-veth-> c_in
#   x0 <---------------------------------------------------------------------------------------> c_x
#
# Frames of 800 bytes (one record per datagram: two do not fit a 1500-byte MTU) enter the edge,
# which both captures them (pcapng, the ground truth) and sends them as stampede datagrams; the
# relay adds its hop record; the collector writes them to pcapng on interface "node7:0".
# Phase 1: no loss. Phase 2: an nftables bridge rule in M drops ~5 % of the relay's datagrams
# at random (numgen random mod 100 < 5, counted: there is no netem here). The rule goes, and a
# tail of frames follows, so that every loss lies below the highest sequence seen. Meanwhile,
# malformed stampede datagrams (scapy) go straight into the collector's second port c_x.
# Checked: the collector's pcapng == the edge's input without the dropped frames (payload,
# order, ns stamp); the link capture (tcpdump on m_c, decoded with sphlib.py) has one hop per
# record (node 8, a receive stamp, the relay's sequence); the collector reports gaps == nft's
# counter exactly, no duplicate, no reordering; each malformed datagram is a drop under its
# own name; the exact accounting invariant on all three processes.
#
# Usage: test/system/broker_chain.sh PATH_TO_STAMPEDE (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
command -v nft >/dev/null || skip "nftables (nft) is not installed"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
PYS=/usr/bin/python3 # Debian's python3, with scapy (the malformed datagrams)
"$PYS" -c "import scapy.all" 2>/dev/null || skip "$PYS cannot import scapy"

NS_S=$NS_A
NS_E=$NS_D
NS_C=$NS_B
NS_R=stp$TAG-r
NS_M=stp$TAG-m
N1=${STP_BROKER_N1:-100}  # phase 1 frames
N2=${STP_BROKER_N2:-500} # phase 2 frames (loss)
NT=20                     # tail frames
SIZE=800
DPORT=40001
NS_EXTRA+=("$NS_R" "$NS_M")
trap sys_nodes_cleanup EXIT

# --- topology ---
for ns in "$NS_E" "$NS_R" "$NS_M" "$NS_C"; do ip netns add "$ns"; done
for ns in "$NS_S" "$NS_E" "$NS_R" "$NS_M" "$NS_C"; do
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	nsx "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	nsx "$ns" ip link set lo up
done
ip link add s0 netns "$NS_S" type veth peer name e_in netns "$NS_E"
ip link add x0 netns "$NS_S" type veth peer name c_x netns "$NS_C"
ip link add e_out netns "$NS_E" type veth peer name r_in netns "$NS_R"
ip link add r_out netns "$NS_R" type veth peer name m_r netns "$NS_M"
ip link add m_c netns "$NS_M" type veth peer name c_in netns "$NS_C"
nsx "$NS_M" ip link add br0 type bridge
nsx "$NS_M" ip link set m_r master br0
nsx "$NS_M" ip link set m_c master br0
for l in s0:$NS_S x0:$NS_S e_in:$NS_E e_out:$NS_E r_in:$NS_R r_out:$NS_R m_r:$NS_M m_c:$NS_M \
	br0:$NS_M c_in:$NS_C c_x:$NS_C; do
	nsx "${l#*:}" ip link set "${l%%:*}" up
done
MAC_RIN=$(nsx "$NS_R" cat /sys/class/net/r_in/address)
MAC_CIN=$(nsx "$NS_C" cat /sys/class/net/c_in/address)
MAC_CX=$(nsx "$NS_C" cat /sys/class/net/c_x/address)

# --- configs: every process on one datapath lcore; the relay's on CPU 0 (main lcore 1) ---
cat >"$WORK/e.json" <<JSON
{ "node": { "id": 7, "description": "edge7:in" },
  "eal": { "hugepages": false },
  "ports": [ { "name": "in", "device": "net_af_packet0,iface=e_in" },
             { "name": "out", "device": "net_af_packet1,iface=e_out" } ],
  "outputs": [ { "name": "sp", "type": "stampede", "port": "out", "src_ip": "192.0.2.7",
                 "dst_ip": "192.0.2.8", "dst_mac": "$MAC_RIN" },
               { "name": "capin", "type": "pcapng", "path": "$WORK/edge-in.pcapng" } ],
  "groups": [ { "name": "both", "mode": "replicate", "members": ["sp", "capin"] } ],
  "rules": [ { "name": "in", "in": ["in"], "action": "forward", "out": "both" },
             { "name": "rest", "action": "drop" } ] }
JSON
cat >"$WORK/r.json" <<JSON
{ "node": { "id": 8, "role": "relay", "relay_to": "up" },
  "eal": { "hugepages": false, "main_lcore": 1 },
  "lcores": { "rx": [ { "lcore": 0, "queues": [ { "port": "in", "queue": 0 },
                                                { "port": "out", "queue": 0 } ] } ],
              "worker": [0], "tx": [0] },
  "ports": [ { "name": "in", "device": "net_af_packet0,iface=r_in" },
             { "name": "out", "device": "net_af_packet1,iface=r_out" } ],
  "outputs": [ { "name": "up", "type": "stampede", "port": "out", "src_ip": "192.0.2.8",
                 "dst_ip": "192.0.2.9", "dst_mac": "$MAC_CIN" } ],
  "rules": [ { "name": "rest", "action": "drop" } ] }
JSON
cat >"$WORK/c.json" <<JSON
{ "node": { "id": 9, "role": "collector" },
  "eal": { "hugepages": false },
  "ports": [ { "name": "in", "device": "net_af_packet0,iface=c_in" },
             { "name": "x", "device": "net_af_packet1,iface=c_x" } ],
  "outputs": [ { "name": "cap", "type": "pcapng", "path": "$WORK/coll.pcapng" } ],
  "rules": [ { "name": "all", "action": "forward", "out": "cap" } ] }
JSON
for n in e r c; do
	"$STAMPEDE" --check -c "$WORK/$n.json" >"$WORK/check-$n.log" 2>&1 ||
		fail "stampede --check rejected $n.json: $(cat "$WORK/check-$n.log")"
done

# stop_node NAME: wait (after SIGTERM by PID) for an exit 0 within 20 s, invariant exact.
stop_node() {
	local n=$1 i rc
	for i in $(seq 200); do
		kill -0 "${NODE_PID[$n]}" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "${NODE_PID[$n]}" 2>/dev/null && fail "stampede $n did not exit within 20 s"
	wait "${NODE_PID[$n]}" && rc=0 || rc=$?
	unset "NODE_PID[$n]"
	[ "$rc" -eq 0 ] || fail "stampede $n exited with status $rc: $(tail "$WORK/$n.log")"
	log "stampede $n:"
	sys_check_invariant "$WORK/stats-$n.json"
}

# coll_received: records the collector has taken from node 7 (telemetry), 0 if none yet.
coll_received() {
	"$PY" - "/var/run/dpdk/$PREFIX-c/dpdk_telemetry.v2" <<'PYEOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(1024)
s.send(b"/stampede/nodes")
r = json.loads(s.recv(65536).decode())["/stampede/nodes"]
print(r.get("node_7_0", {}).get("received", 0) if isinstance(r, dict) else 0)
PYEOF
}

send() { # send FIRST COUNT
	nsx "$NS_S" "$PY" "$SYS_DIR/frames.py" send s0 --dst-mac 02:00:00:00:00:02 \
		--src-ip 198.18.0.1 --dst-ip 198.18.0.2 --dport "$DPORT" --first "$1" --count "$2" \
		--size "$SIZE" --burst 4 --pause 0.006
}

# wait_coll N: until the collector has N records of node 7 (up to 20 s).
wait_coll() {
	local i got=0
	for i in $(seq 80); do
		got=$(coll_received 2>/dev/null || echo 0)
		[ "$got" -ge "$1" ] && return 0
		sleep 0.25
	done
	fail "the collector has $got records of node 7, expected $1 (edge: $(tail -n 2 "$WORK/e.log"))"
}

start_node c "$NS_C"
start_node r "$NS_R"
start_node e "$NS_E"
ip netns exec "$NS_M" tcpdump -i m_c -nn -U --immediate-mode -B 16384 -w "$WORK/link.pcap" \
	"udp dst port 48879" >"$WORK/tcpdump.log" 2>&1 &
TCPDUMP_PID=$!
BG_PIDS+=("$TCPDUMP_PID")
for i in $(seq 100); do
	grep -q "listening on" "$WORK/tcpdump.log" 2>/dev/null && break
	sleep 0.1
done

# Warm-up: one frame at a time until the chain delivers (it counts in the stream).
sent=0
for i in $(seq 30); do
	send "$sent" 1
	sent=$((sent + 1))
	got=$(coll_received 2>/dev/null || echo 0)
	[ "$got" -ge 1 ] && break
	sleep 0.3
done
wait_coll "$sent"
log "chain delivers after $sent warm-up frame(s)"

# Malformed datagrams (scapy, slow to import: meanwhile) straight into the collector's c_x.
ip netns exec "$NS_S" "$PYS" "$SYS_DIR/broker_check.py" malformed x0 "$MAC_CX" \
	>"$WORK/malformed.log" 2>&1 &
MAL_PID=$!
BG_PIDS+=("$MAL_PID")

log "phase 1: $N1 frames, no loss"
send "$sent" "$N1"
sent=$((sent + N1))
wait_coll "$sent"

log "phase 2: $N2 frames, nft drops ~5 % of the relay's datagrams"
nsx "$NS_M" nft add table bridge f
nsx "$NS_M" nft add chain bridge f fw '{ type filter hook forward priority 0; }'
nsx "$NS_M" nft add rule bridge f fw iifname m_r udp dport 48879 numgen random mod 100 \< 5 \
	counter drop
send "$sent" "$N2"
sent=$((sent + N2))
sleep 1
nft_dropped=$(nsx "$NS_M" nft list chain bridge f fw | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
nsx "$NS_M" nft flush chain bridge f fw
log "nft dropped $nft_dropped datagrams"
[ "$nft_dropped" -ge 10 ] && [ "$nft_dropped" -le $((N2 / 5)) ] || fail "nft dropped $nft_dropped of $N2: not ~5 %"

log "tail: $NT frames without loss (every loss now lies below the highest sequence)"
send "$sent" "$NT"
sent=$((sent + NT))
wait_coll $((sent - nft_dropped))

wait "$MAL_PID" || fail "sending malformed datagrams: $(cat "$WORK/malformed.log")"
sleep 0.5 # the collector has read them: counted drops, nothing to wait for in telemetry

# Everything is delivered: the three stop together (SIGTERM by PID).
kill -TERM "${NODE_PID[e]}" "${NODE_PID[r]}" "${NODE_PID[c]}"
stop_node e
stop_node r
stop_node c
kill -INT "$TCPDUMP_PID" 2>/dev/null || true
wait "$TCPDUMP_PID" 2>/dev/null || true

# --- counters ---
# Edge and relay counters, in one python run.
"$PY" - "$WORK/stats-e.json" "$WORK/stats-r.json" "$sent" <<'PYEOF' || fail "edge / relay counters"
import json, sys
e, r = (json.load(open(p)) for p in sys.argv[1:3])
n = int(sys.argv[3])
o = e["broker"]["outputs"]["sp"]
b = r["broker"]
print("edge: received %d, output sp frames %d, datagrams %d, fragments %d, dropped %d"
      % (e["received"], o["frames"], o["datagrams"], o["fragments"], e["dropped"]))
print("relay: datagrams %d, records %d, generated %d, transmitted %d, dropped %d"
      % (b["datagrams_received"], b["records_received"], r["generated"], r["transmitted"],
         r["dropped"]))
ok = (e["received"], o["frames"], o["datagrams"], o["fragments"], e["dropped"]) == \
    (n, n, n, 0, 0)
ok &= (b["datagrams_received"], b["records_received"], r["transmitted"], r["dropped"]) == \
    (n, n, n, 0)
if not ok:
    print("want %d frames in, one datagram each, none dropped, at the edge and the relay" % n)
sys.exit(0 if ok else 1)
PYEOF
"$PY" "$SYS_DIR/broker_check.py" chain "$WORK/edge-in.pcapng" "$WORK/coll.pcapng" \
	"$WORK/link.pcap" --edge-node 7 --relay-node 8 --dropped "$nft_dropped" --in-if in \
	--desc "edge7:in" --stats-c "$WORK/stats-c.json" || fail "captures or counters (see above)"
log "PASS: $sent frames edge -> relay -> collector; $nft_dropped lost on the relay link, reported as $nft_dropped gaps"
