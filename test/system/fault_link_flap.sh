#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Fault injection: links go down and up under traffic.
#
#   ns stp<PID>-a            ns stp<PID>-d (stampede)            ns stp<PID>-b
#   a0 198.18.0.1/24 <-veth-> in0  ==stampede==  out0 <-veth-> b0 198.18.0.2/24
#
# stampede forwards in0 -> out0 on net_af_packet. A steady sender on a0 (marked UDP frames, about
# 15 k frames/s) runs while the test sets, for FLAP seconds each,
#   1. out0 down and up again: stampede's own TX interface (the PMD's socket sees ENETDOWN; its
#      TX ring fills, and net_af_packet's TX path polls the socket when the ring is full);
#   2. b0 down and up again: the peer (out0 loses carrier, the kernel discards what is sent);
#   3. in0 down and up again: stampede's RX interface.
# Then it checks that stampede is still running, that N marked frames sent after the links came
# back all arrive on b0 (distinct sequence numbers, none lost), that SIGTERM stops it within 20 s
# with status 0, and that its --stats-json counters hold exactly:
#   received + replicated == transmitted + captured + dropped (the drop reasons add up).
# What the driver reports for the frames lost while a link was down (oerrors of port out, drop
# reasons) is printed.
#
# Usage: test/system/fault_link_flap.sh PATH_TO_STAMPEDE   (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FLAP=${STP_FLAP_SECONDS:-1}
DPORT_POST=40003

sys_preflight "$@"
sys_topology
sys_write_config "net_af_packet0,iface=in0" "net_af_packet1,iface=out0"

# Receiver of the frames sent after the flaps (and of the warm-up frames).
sys_start_receiver "$NS_B" b0 "$DPORT_POST" post
sys_start_stampede
ok=
for i in $(seq 300); do
	kill -0 "$STP_PID" 2>/dev/null || fail "stampede exited before forwarding"
	nsx "$NS_A" "$PY" "$SYS_DIR/frames.py" send a0 --dst-mac "$MAC_B" --src-ip 198.18.0.1 \
		--dst-ip 198.18.0.2 --dport "$DPORT_WARM" >/dev/null
	if [ -f "$WORK/post.warm" ]; then
		ok=1
		break
	fi
	sleep 0.1
done
[ -n "$ok" ] || fail "no warm-up frame crossed stampede within 30 s"
log "stampede forwards after $i warm-up frame(s)"

# Steady load: 32 frames every 2 ms until stopped; a receiver on b0 counts what arrives of it.
ip netns exec "$NS_B" "$PY" "$SYS_DIR/frames.py" recv b0 --dport "$DPORT_AB" --result "$WORK/steady.json" \
	--ready-file "$WORK/steady.ready" --timeout 90 >"$WORK/steady-recv.log" 2>&1 &
STEADY_RECV_PID=$!
BG_PIDS+=("$STEADY_RECV_PID")
for i in $(seq 100); do
	[ -f "$WORK/steady.ready" ] && break
	sleep 0.1
done
# (ip netns exec, not nsx: $! must be the sender's own PID.)
ip netns exec "$NS_A" "$PY" "$SYS_DIR/frames.py" send a0 --dst-mac "$MAC_B" --src-ip 198.18.0.1 \
	--dst-ip 198.18.0.2 --dport "$DPORT_AB" --count 100000000 >"$WORK/steady.log" 2>&1 &
STEADY_PID=$!
BG_PIDS+=("$STEADY_PID")
sleep 1

# flap NS IFACE: down for FLAP seconds, then up; stampede must stay alive throughout.
flap() {
	local ns=$1 ifc=$2
	log "setting $ifc (ns $ns) down for $FLAP s"
	nsx "$ns" ip link set "$ifc" down
	sleep "$FLAP"
	kill -0 "$STP_PID" 2>/dev/null || fail "stampede died while $ifc was down"
	nsx "$ns" ip link set "$ifc" up
	log "$ifc up again"
	sleep 1
	kill -0 "$STP_PID" 2>/dev/null || fail "stampede died after $ifc came back"
	kill -0 "$STEADY_PID" 2>/dev/null || fail "the steady sender stopped: $(cat "$WORK/steady.log")"
}
flap "$NS_D" out0
flap "$NS_B" b0
flap "$NS_D" in0
kill -TERM "$STEADY_PID" 2>/dev/null
wait "$STEADY_PID" 2>/dev/null || true
sleep 0.5
kill -TERM "$STEADY_RECV_PID" 2>/dev/null
wait "$STEADY_RECV_PID" 2>/dev/null || true
steady_rx=$(json_get "$WORK/steady.json" total)
log "steady sender stopped; $steady_rx of its frames reached b0"

# After the flaps: N frames, all of which must arrive.
log "sending $N marked frames a0 -> b0 after the links came back"
nsx "$NS_A" "$PY" "$SYS_DIR/frames.py" send a0 --dst-mac "$MAC_B" --src-ip 198.18.0.1 \
	--dst-ip 198.18.0.2 --dport "$DPORT_POST" --count "$N" || fail "sender failed"
wait "$RECV_PID_post" || fail "receiver on b0 failed: $(cat "$WORK/post.log")"
post_total=$(json_get "$WORK/post.json" total)
post_distinct=$(json_get "$WORK/post.json" distinct)
log "after the flaps: sent $N, received $post_total ($post_distinct distinct) on b0"

sys_stop_stampede TERM 20
echo "---- stampede output (last lines) ----"
tail -n 25 "$WORK/stampede.log"
echo "--------------------------------------"
[ "$STP_RC" -eq 0 ] || fail "stampede exited with status $STP_RC after SIGTERM"
sys_check_invariant
out_oerrors=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(next(p["oerrors"] for p in d["ports"] if p["name"] == "out"))' "$WORK/stats.json")
out_tx=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print(next(p["tx_pkts"] for p in d["ports"] if p["name"] == "out"))' "$WORK/stats.json")
log "port out: driver tx_pkts $out_tx, oerrors $out_oerrors (accepted by the PMD, then sendto()" \
	"failed: ENETDOWN); tx_queue_full $(json_get "$WORK/stats.json" drops.tx_queue_full)" \
	"(the PMD's TX ring was full while out0 was down); $steady_rx steady frames reached b0"
[ "$post_total" -eq "$N" ] && [ "$post_distinct" -eq "$N" ] ||
	fail "after the flaps $post_total frames ($post_distinct distinct) arrived, expected $N"
log "PASS: stampede survived out0, b0 and in0 going down for $FLAP s each under load, forwards" \
	"again ($N/$N), stops on SIGTERM, invariant exact"
