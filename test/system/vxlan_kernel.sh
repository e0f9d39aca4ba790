#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: the Linux kernel's own VXLAN device decapsulates stampede's VXLAN output.
#
#   ns stp<PID>-a            ns stp<PID>-d (stampede)                ns stp<PID>-b
#   a0 198.18.0.1/24 <-veth-> in0 ==rule==> output vx (vxlan, VNI 42) out0 <-veth-> b0 198.18.0.2/24
#                                                                           vx0 (vxlan id 42)
#
# Every frame a0 sends goes into a VXLAN tunnel (outer 198.18.0.1 -> 198.18.0.2, dst MAC b0's)
# out of out0; the kernel's vx0 device in ns b takes the outer headers off and the inner frames
# arrive on vx0, where frames.py counts the N marked ones (all of them, distinct). Then stampede
# stops by SIGTERM and its counters hold the invariant, with out_pkts of the tunnel == frames.
#
# Usage: test/system/vxlan_kernel.sh PATH_TO_STAMPEDE   (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VNI=42

sys_preflight "$@"
sys_topology
nsx "$NS_B" ip link add vx0 type vxlan id "$VNI" dstport 4789 local 198.18.0.2 dev b0 \
	2>"$WORK/vxlan.err" || skip "no kernel VXLAN device here: $(cat "$WORK/vxlan.err")"
nsx "$NS_B" ip link set vx0 up

cat >"$WORK/config.json" <<JSON
{
  "node": { "id": 7, "description": "vxlan test $TAG" },
  "eal": { "args": [], "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [
    { "name": "in",  "device": "net_af_packet0,iface=in0",  "timestamp": "auto" },
    { "name": "out", "device": "net_af_packet1,iface=out0", "timestamp": "auto" }
  ],
  "outputs": [
    { "name": "vx", "type": "vxlan", "port": "out", "src_ip": "198.18.0.1",
      "dst_ip": "198.18.0.2", "dst_mac": "$MAC_B", "id": $VNI }
  ],
  "lcores": {
    "rx": [ { "lcore": 1, "queues": [ { "port": "in", "queue": 0 }, { "port": "out", "queue": 0 } ] } ],
    "worker": [ 1 ],
    "tx": [ 1 ]
  },
  "mempool": { "size": 16383 },
  "rules": [
    { "name": "tunnel", "in": [ "in" ], "action": "forward", "out": "vx" },
    { "name": "back", "in": [ "out" ], "action": "drop" }
  ]
}
JSON
sys_check_config

# The receiver listens on the kernel's VXLAN device: only decapsulated frames reach it.
sys_start_receiver "$NS_B" vx0 "$DPORT_AB" ab
sys_start_stampede

ok=
for i in $(seq 300); do
	kill -0 "$STP_PID" 2>/dev/null || {
		wait "$STP_PID" && rc=0 || rc=$?
		STP_PID=
		fail "stampede exited with status $rc before forwarding"
	}
	nsx "$NS_A" "$PY" "$SYS_DIR/frames.py" send a0 --dst-mac 02:00:00:00:0b:0b \
		--src-ip 10.42.0.1 --dst-ip 10.42.0.2 --dport "$DPORT_WARM" >/dev/null
	if [ -f "$WORK/ab.warm" ]; then
		ok=1
		log "a decapsulated frame reached vx0 after $i warm-up frame(s)"
		break
	fi
	sleep 0.1
done
[ -n "$ok" ] || fail "no warm-up frame came out of the kernel's VXLAN device within 30 s"

log "sending $N marked UDP frames a0 -> in0 (inner 10.42.0.1 -> 10.42.0.2)"
nsx "$NS_A" "$PY" "$SYS_DIR/frames.py" send a0 --dst-mac 02:00:00:00:0b:0b --src-ip 10.42.0.1 \
	--dst-ip 10.42.0.2 --dport "$DPORT_AB" --count "$N" --size 300 || fail "sender failed"
wait "$RECV_PID_ab" || fail "receiver on vx0 failed: $(cat "$WORK/ab.log")"
read -r total distinct <<<"$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1])); print(d["total"], d["distinct"])' "$WORK/ab.json")"
log "vx0 received $total marked frames ($distinct distinct)"
[ "$distinct" -eq "$N" ] || fail "vx0 got $distinct distinct marked frames of $N"
[ "$total" -eq "$N" ] || fail "vx0 got $total marked frames, $N sent (duplicates?)"
rx_err=$(nsx "$NS_B" cat /sys/class/net/vx0/statistics/rx_errors)
[ "$rx_err" -eq 0 ] || fail "the kernel's VXLAN device counted $rx_err receive errors"

sys_stop_stampede TERM 20
[ "$STP_RC" -eq 0 ] || fail "stampede exited with status $STP_RC after SIGTERM"
sys_check_invariant
vx_pkts=$("$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
print([o for o in d["outputs"] if o["name"] == "vx"][0]["accepted"])' "$WORK/stats.json")
[ "$vx_pkts" -ge "$N" ] || fail "outputs[vx].accepted is $vx_pkts, fewer than the $N frames"
[ "$(json_get "$WORK/stats.json" drops.encap_no_mbuf)" -eq 0 ] || fail "encap_no_mbuf drops"
log "PASS: $N frames tunnelled by stampede, decapsulated by the kernel's vxlan device"
