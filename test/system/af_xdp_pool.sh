#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: net_af_xdp ports carry many times the mempool's size, into a capture output and
# through forward, without stalling.
#
#   ns stp<PID>-a            ns stp<PID>-d (stampede)            ns stp<PID>-b
#   a0 198.18.0.1/24 <-veth-> in0  ==stampede==  out0 <-veth-> b0 198.18.0.2/24
#                                   \-> rule "all" -> output cap (pcapng)
#
# The net_af_xdp PMD of DPDK 22.11 registers as its UMEM the mempool's first memory chunk,
# populated_size x object size bytes long. A pool whose objects may not cross a page (the
# default; with --no-huge the page is 4 KiB, so a 2368-byte mbuf takes a whole page) spans more
# than that: the mbufs beyond the UMEM's end go to the fill ring, the kernel throws them away
# as invalid, and once the ring holds nothing valid the socket never receives again (the PMD
# only refills after a receive). It stopped after 37/64 of mempool.size frames.
#
# Here mempool.size is small (POOL) and N = 10 x POOL frames go a0 -> in0. Every frame the
# kernel hands to the socket must be received (a0's kernel count = rx_pkts + the kernel drops
# counted in imissed: a loaded machine may drop, never silently), every marked frame must reach
# b0 (frames.py receiver) and the capture file (tshark) or be counted, stampede's totals must
# balance, and every tenth of the sequence range must be in the capture (a stall empties all
# but the first).
#
# Usage: test/system/af_xdp_pool.sh PATH_TO_STAMPEDE   (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

POOL=${STP_AFXDP_POOL:-8191}
N=${STP_SYSTEST_FRAMES:-$((10 * POOL))}

sys_preflight "$@"
command -v tshark >/dev/null && command -v capinfos >/dev/null || skip "tshark or capinfos is not installed"
if ! ls /usr/lib/*/librte_net_af_xdp.so* >/dev/null 2>&1; then
	skip "DPDK's net_af_xdp driver is not installed"
fi

sys_topology
cat >"$WORK/config.json" <<JSON
{
  "node": { "id": 7, "description": "af_xdp pool test $TAG" },
  "eal": { "args": [], "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [
    { "name": "in",  "device": "net_af_xdp0,iface=in0,start_queue=0,queue_count=1" },
    { "name": "out", "device": "net_af_xdp1,iface=out0,start_queue=0,queue_count=1" }
  ],
  "outputs": [
    { "name": "cap", "type": "pcapng", "path": "$WORK/cap.pcapng", "snaplen": 96, "ring": 2048 }
  ],
  "lcores": {
    "rx": [ { "lcore": 1, "queues": [ { "port": "in", "queue": 0 }, { "port": "out", "queue": 0 } ] } ],
    "worker": [ 1 ],
    "tx": [ 1 ]
  },
  "rings": { "worker": 1024, "tx": 1024 },
  "mempool": { "size": $POOL, "cache": 256, "mbuf_size": 2176 },
  "rules": [
    { "name": "all", "in": [ "in" ], "action": "forward", "out": "cap", "continue": true },
    { "name": "in-to-out", "in": [ "in" ], "action": "forward", "out": "out" }
  ]
}
JSON
sys_check_config
sys_start_receiver "$NS_B" b0 "$DPORT_AB" ab
sys_start_stampede
a0_tx() { nsx "$NS_A" cat /sys/class/net/a0/statistics/tx_packets; }
for _ in $(seq 200); do
	grep -q "^rx [0-9]" "$WORK/stampede.log" 2>/dev/null && break
	kill -0 "$STP_PID" 2>/dev/null || break
	sleep 0.1
done
base=$(a0_tx)	# from here on every frame a0 sends is stampede's to receive or count
# Warm-up: frames to another UDP port until one crosses stampede (they are captured too).
SYS_SKIP_IF_PORTS_FAIL=1 sys_require_forwarding ab af_xdp

log "sending $N frames a0 -> in0 (mempool.size $POOL)"
nsx "$NS_A" "$PY" "$SYS_DIR/frames.py" send a0 --dst-mac "$MAC_B" --src-ip 198.18.0.1 \
	--dst-ip 198.18.0.2 --dport "$DPORT_AB" --count "$N" || fail "sender failed"
# The receiver waits for N frames; if the kernel dropped some, stop it once the rest are through.
for _ in $(seq 100); do
	kill -0 "$RECV_PID_ab" 2>/dev/null || break
	sleep 0.1
done
kill -TERM "$RECV_PID_ab" 2>/dev/null || true
wait "$RECV_PID_ab" || fail "receiver on b0 failed: $(cat "$WORK/ab.log")"
sent=$(($(a0_tx) - base))
sys_stop_stampede TERM
[ "$STP_RC" -eq 0 ] || fail "stampede exited with status $STP_RC"
echo "---- stampede output (last lines) ----"
tail -n 12 "$WORK/stampede.log"
echo "--------------------------------------"

ab_total=$(json_get "$WORK/ab.json" total)
ab_distinct=$(json_get "$WORK/ab.json" distinct)
cap_all=$(capinfos -M -c -T "$WORK/cap.pcapng" | awk -F'\t' 'NR == 2 { print $2 }')
sys_check_invariant
ring_full=$(json_get "$WORK/stats.json" drops.capture_ring_full)
read -r in_rx in_missed <<<"$("$PY" -c 'import json, sys
p = json.load(open(sys.argv[1]))["ports"][0]
print(p["rx_pkts"], p["imissed"])' "$WORK/stats.json")"
# The marked frames in the capture by tenth of the sequence range (the sequence number follows
# the 16-byte magic): a stall leaves every tenth after the first empty.
read -r cap_marked tenths <<<"$(tshark -r "$WORK/cap.pcapng" -Y "udp.dstport == $DPORT_AB" -T fields \
	-e udp.payload 2>/dev/null | "$PY" -c 'import sys
n = int(sys.argv[1])
seqs = [int(l.strip().replace(":", "")[32:40], 16) for l in sys.stdin if l.strip()]
t = [0] * 10
for q in seqs:
    t[min(9, q * 10 // n)] += 1
print(len(seqs), ",".join(map(str, t)))' "$N")"
log "a0 sent $sent frames after stampede started ($N marked); port in: rx_pkts $in_rx, kernel" \
	"drops (imissed) $in_missed; b0 received $ab_total ($ab_distinct distinct); the capture holds" \
	"$cap_marked marked ($cap_all in all), capture_ring_full $ring_full; marked frames captured" \
	"per tenth of the sequence: $tenths"
# Every frame the kernel handed over was received, and every other one counted as a kernel drop.
[ $((in_rx + in_missed)) -eq "$sent" ] ||
	fail "a0 sent $sent frames; port in received $in_rx and counted $in_missed kernel drops"
[ "$ab_distinct" -eq "$ab_total" ] && [ $((ab_total + in_missed)) -eq "$N" ] ||
	fail "b0 received $ab_total marked frames ($ab_distinct distinct) and $in_missed were kernel drops: != $N"
# Every marked frame received reached the file, or was refused by the capture ring and counted
# (the warm-up frames came first, into an empty ring, so every refusal is a marked frame's).
[ $((cap_marked + ring_full + in_missed)) -eq "$N" ] ||
	fail "the capture holds $cap_marked marked frames, $ring_full were refused by its ring and $in_missed were kernel drops: != $N"
[ "$cap_all" -eq "$captured" ] || fail "the file holds $cap_all frames, stampede says it captured $captured"
# No stall: stampede received frames from every tenth of the run, to the end.
case ",$tenths," in
*,0,*) fail "no frame captured from some tenth of the sequence range ($tenths): af_xdp stopped receiving" ;;
esac
log "PASS: $N frames (10 x mempool.size $POOL) through net_af_xdp into capture and forward"
