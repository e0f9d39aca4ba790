#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: the kernel's drops on the sockets behind a port are counted, so that every frame
# the kernel delivered to the port is either received by stampede or counted as lost.
#
#   ns stp<PID>-a            ns stp<PID>-d (stampede)            ns stp<PID>-b
#   a0 198.18.0.1/24 <-veth-> in0  ==stampede==  out0 <-veth-> b0 198.18.0.2/24
#
# stampede forwards in -> out with a small RX ring on "in" (rx_desc 256). While N marked frames
# flow a0 -> in0, the test stops stampede with SIGSTOP until a0 has sent enough frames to
# overflow that ring (read from a0's kernel counter, not a clock), then SIGCONT. Checks:
#  - frames a0 sent (a0's tx_packets, the kernel's count) == port in's rx_pkts + imissed;
#  - imissed > 0 (the stall did overflow the ring), and the totals' missed.kernel_drop equals
#    the ports' imissed;
#  - once the traffic is over, telemetry /stampede/missed and Prometheus
#    stampede_missed_packets_total{reason="kernel_drop"} both equal a0's sent - received;
#  - b0 received exactly N - imissed marked frames (the drops were marked frames);
#  - stampede's own invariant holds.
#
# Usage: test/system/kernel_drops.sh PATH_TO_STAMPEDE DRIVER   (DRIVER: af_packet | af_xdp | afpkt | pcap)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DRIVER=${2:-af_packet}
N=${STP_SYSTEST_FRAMES:-20000}
RXD=256
STALL=$((16 * RXD + 4096))	# frames a0 sends while stampede is stopped

sys_preflight "$@"
case $DRIVER in
af_packet)
	DEV_IN="net_af_packet0,iface=in0"
	DEV_OUT="net_af_packet1,iface=out0"
	;;
af_xdp)
	ls /usr/lib/*/librte_net_af_xdp.so* >/dev/null 2>&1 || skip "no net_af_xdp driver"
	DEV_IN="net_af_xdp0,iface=in0,start_queue=0,queue_count=1"
	DEV_OUT="net_af_xdp1,iface=out0,start_queue=0,queue_count=1"
	;;
pcap)
	# net_pcap on live interfaces: libpcap's socket; ps_drop is the port's imissed.
	DEV_IN="net_pcap0,iface=in0"
	DEV_OUT="net_pcap1,iface=out0"
	STALL=$N	# libpcap's own ring (2 MB) holds thousands of frames: stall to the end
	;;
afpkt)
	grep -qa "iface=<string> tov_ms=<1..1000>" "$STAMPEDE" || skip "stampede was built without net_afpkt"
	DEV_IN="net_afpkt0,iface=in0"
	DEV_OUT="net_afpkt1,iface=out0"
	;;
*) fail "unknown driver $DRIVER" ;;
esac

sys_topology
cat >"$WORK/config.json" <<JSON
{
  "node": { "id": 7, "description": "kernel drops test $TAG" },
  "eal": { "args": [], "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [
    { "name": "in",  "device": "$DEV_IN", "rx_desc": $RXD },
    { "name": "out", "device": "$DEV_OUT" }
  ],
  "lcores": {
    "rx": [ { "lcore": 1, "queues": [ { "port": "in", "queue": 0 }, { "port": "out", "queue": 0 } ] } ],
    "worker": [ 1 ],
    "tx": [ 1 ]
  },
  "mempool": { "size": 16383 },
  "rules": [
    { "name": "in-to-out", "in": [ "in" ], "action": "forward", "out": "out" }
  ]
}
JSON
sys_check_config
a0_tx() { nsx "$NS_A" cat /sys/class/net/a0/statistics/tx_packets; }
sys_start_receiver "$NS_B" b0 "$DPORT_AB" ab
log "starting stampede in $NS_D (Prometheus on 127.0.0.1 there)"
STP_WRAP=(ip netns exec "$NS_D")
_sys_bg_stampede --metrics 127.0.0.1:0
# Its first stats line comes after every port started: from then on a0's frames are its to count.
for _ in $(seq 200); do
	grep -q "^rx [0-9]" "$WORK/stampede.log" 2>/dev/null && break
	kill -0 "$STP_PID" 2>/dev/null || break
	sleep 0.1
done
base=$(a0_tx)

SYS_SKIP_IF_PORTS_FAIL=1 sys_require_forwarding ab "$DRIVER"

log "a0 sent $base frame(s) before stampede started"
log "sending $N frames a0 -> in0; stopping stampede (SIGSTOP) while they flow"
ip netns exec "$NS_A" "$PY" "$SYS_DIR/frames.py" send a0 --dst-mac "$MAC_B" \
	--src-ip 198.18.0.1 --dst-ip 198.18.0.2 --dport "$DPORT_AB" --count "$N" \
	>"$WORK/send.log" 2>&1 &
SEND_PID=$!
BG_PIDS+=("$SEND_PID")
# Stop once the sender is under way, and continue once a0 has sent more than the port's ring
# can hold (the AF_XDP fill ring; net_afpkt's RXD blocks, each holding about 16 frames at this
# pace): by the kernel's count, so the overflow does not depend on how fast this machine is.
t0=$(a0_tx)
while [ "$(a0_tx)" -lt $((t0 + 1000)) ]; do
	kill -0 "$SEND_PID" 2>/dev/null || fail "the sender ended before the stall"
	sleep 0.01
done
kill -STOP "$STP_PID"
# Count from when every thread of stampede is stopped (SIGSTOP is delivered asynchronously).
for _ in $(seq 100); do
	! grep -qv "^State:.*T (stopped)" <(grep -h "^State:" /proc/"$STP_PID"/task/*/status) && break
	sleep 0.01
done
t1=$(a0_tx)
while [ "$(a0_tx)" -lt $((t1 + STALL)) ] && kill -0 "$SEND_PID" 2>/dev/null; do
	sleep 0.01
done
t2=$(a0_tx)
kill -CONT "$STP_PID"
log "stampede stopped while a0 sent $((t2 - t1)) frames"
wait "$SEND_PID" || fail "sender failed: $(cat "$WORK/send.log")"
# The receiver waits for N frames, and fewer come: stop it once the last ones are through.
sleep 2
kill -TERM "$RECV_PID_ab" 2>/dev/null || true
wait "$RECV_PID_ab" || fail "receiver on b0 failed: $(cat "$WORK/ab.log")"
sent=$(($(a0_tx) - base))
# The live views, once the traffic is over: telemetry /stampede/missed and Prometheus's
# stampede_missed_packets_total{reason="kernel_drop"}.
tel_kdrop=$(sys_tel /stampede/missed kernel_drop)
url=$(sed -n 's|^stampede: metrics at \(http://[^ ]*\)$|\1|p' "$WORK/stampede.log")
[ -n "$url" ] || fail "stampede did not print its metrics URL"
prom_kdrop=$(ip netns exec "$NS_D" "$PY" - "$url" <<'PYEOF'
import re, sys, urllib.request
body = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
m = re.search(r'^stampede_missed_packets_total\{reason="kernel_drop"\} (\d+)$', body, re.M)
print(m.group(1) if m else -1)
PYEOF
)
sys_stop_stampede TERM
[ "$STP_RC" -eq 0 ] || fail "stampede exited with status $STP_RC"
echo "---- stampede output (last lines) ----"
tail -n 8 "$WORK/stampede.log"
echo "--------------------------------------"

sys_check_invariant
read -r in_rx in_missed out_missed kdrop <<<"$("$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
p = {x["name"]: x for x in d["ports"]}
print(p["in"]["rx_pkts"], p["in"]["imissed"], p["out"]["imissed"], d["missed"]["kernel_drop"])
' "$WORK/stats.json")"
ab_total=$(json_get "$WORK/ab.json" total)
log "a0 sent $sent frames (kernel count); port in: rx_pkts $in_rx imissed $in_missed;" \
	"out imissed $out_missed; missed.kernel_drop $kdrop; b0 received $ab_total of $N marked"
[ "$in_missed" -gt 0 ] || fail "no kernel drop counted on port in, although stampede was stopped" \
	"while a0 sent $((t2 - t1)) frames into a $RXD-frame ring"
[ $((in_rx + in_missed)) -eq "$sent" ] ||
	fail "a0 sent $sent frames, port in received $in_rx and counted $in_missed kernel drops" \
		"($((sent - in_rx - in_missed)) unaccounted for)"
[ "$kdrop" -eq $((in_missed + out_missed)) ] ||
	fail "missed.kernel_drop $kdrop != the ports' imissed $((in_missed + out_missed))"
log "live views after the traffic: telemetry missed.kernel_drop $tel_kdrop, Prometheus" \
	"stampede_missed_packets_total{reason=\"kernel_drop\"} $prom_kdrop"
[ "$tel_kdrop" -eq $((sent - in_rx)) ] && [ "$prom_kdrop" -eq $((sent - in_rx)) ] ||
	fail "live kernel_drop (telemetry $tel_kdrop, Prometheus $prom_kdrop) != a0 sent $sent -" \
		"received $in_rx"
[ "$ab_total" -eq $((N - in_missed)) ] ||
	fail "b0 received $ab_total marked frames, expected N - drops = $((N - in_missed))"
log "PASS: $DRIVER: sent $sent = received $in_rx + kernel drops $in_missed"
