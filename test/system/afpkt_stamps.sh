#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: net_afpkt (stampede's AF_PACKET PMD) stamps every frame with the kernel's own
# receive stamp: the very stamp tcpdump reads for the same frame.
#
#   ns stp<PID>-a            ns stp<PID>-d (stampede, tcpdump -i in0)     ns stp<PID>-b
#   a0 198.18.0.1/24 <-veth-> in0  ==stampede==  out0 <-veth-> b0 198.18.0.2/24
#                                   \-> rule "all" -> output cap (pcapng, comments)
#
# Both stampede's ring and tcpdump's ring (libpcap, TPACKET_V3) carry skb->tstamp, taken once
# when the frame entered in0's receive path, so the stamps must be equal to the nanosecond for
# 100 % of the frames. Checks, for N marked frames a0 -> in0:
#  - every marked frame is in stampede's capture and in tcpdump's (nanosecond pcap), and the
#    capture's stamp of each (pcapng, 10^-9 s) equals tcpdump's, matched by sequence number;
#  - port "in" asks for hardware stamps ("timestamp": "hw"): veth refuses SIOCSHWTSTAMP, so
#    stampede warns and each frame carries the comment "ts=kernel";
#  - port "in" has two RX queues (PACKET_FANOUT_HASH): every frame reaches exactly one of them,
#    so b0 receives each of the N frames once (frames.py receiver: total and distinct); the 16
#    flows are spread over both (each queue's count > 0: all on one would happen with
#    probability 2^-15); the totals balance.
#
# Usage: test/system/afpkt_stamps.sh PATH_TO_STAMPEDE   (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

N=${STP_SYSTEST_FRAMES:-2000}

sys_preflight "$@"
command -v tshark >/dev/null || skip "tshark is not installed"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
# The driver's parameter string is in the binary only when net_afpkt was built in.
grep -qa "iface=<string> tov_ms=<1..1000>" "$STAMPEDE" || skip "stampede was built without net_afpkt"

sys_topology
cat >"$WORK/config.json" <<JSON
{
  "node": { "id": 7, "description": "net_afpkt stamps test $TAG" },
  "eal": { "args": [], "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [
    { "name": "in",  "device": "net_afpkt0,iface=in0", "timestamp": "hw", "rx_queues": 2 },
    { "name": "out", "device": "net_afpkt1,iface=out0" }
  ],
  "outputs": [
    { "name": "cap", "type": "pcapng", "path": "$WORK/cap.pcapng", "snaplen": 128, "comments": true }
  ],
  "lcores": {
    "rx": [ { "lcore": 1, "queues": [ { "port": "in", "queue": 0 }, { "port": "in", "queue": 1 },
                                      { "port": "out", "queue": 0 } ] } ],
    "worker": [ 1 ],
    "tx": [ 1 ]
  },
  "mempool": { "size": 16383 },
  "rules": [
    { "name": "all", "in": [ "in" ], "action": "forward", "out": "cap", "continue": true },
    { "name": "in-to-out", "in": [ "in" ], "action": "forward", "out": "out" }
  ]
}
JSON
sys_check_config
sys_start_receiver "$NS_B" b0 "$DPORT_AB" ab
sys_start_stampede
sys_require_forwarding ab

ip netns exec "$NS_D" tcpdump -i in0 -nn -U --immediate-mode -B 16384 -s 128 \
	--time-stamp-precision=nano -w "$WORK/in0.pcap" >"$WORK/tcpdump.log" 2>&1 &
TCPDUMP_PID=$!
BG_PIDS+=("$TCPDUMP_PID")
for _ in $(seq 100); do
	grep -q "listening on" "$WORK/tcpdump.log" 2>/dev/null && break
	sleep 0.1
done
grep -q "listening on" "$WORK/tcpdump.log" || fail "tcpdump did not start: $(cat "$WORK/tcpdump.log")"

FLOWS=16
log "sending $N frames a0 -> in0 in $FLOWS flows (UDP source ports 41000..$((41000 + FLOWS - 1)))"
for ((f = 0; f < FLOWS; f++)); do
	nsx "$NS_A" "$PY" "$SYS_DIR/frames.py" send a0 --dst-mac "$MAC_B" --src-ip 198.18.0.1 \
		--dst-ip 198.18.0.2 --dport "$DPORT_AB" --sport $((41000 + f)) \
		--first $((f * N / FLOWS)) --count $((N / FLOWS)) >/dev/null || fail "sender failed"
done
wait "$RECV_PID_ab" || fail "receiver on b0 failed: $(cat "$WORK/ab.log")"
sleep 1
kill -INT "$TCPDUMP_PID" 2>/dev/null || true
wait "$TCPDUMP_PID" 2>/dev/null || true
grep -q "[1-9][0-9]* packets dropped by kernel" "$WORK/tcpdump.log" &&
	log "tcpdump lost frames: $(grep 'dropped by kernel' "$WORK/tcpdump.log")"
# Per-queue counts of port in (DPDK telemetry): the fan-out spread the flows over both queues.
read -r q0 q1 <<<"$(sys_tel "/ethdev/stats,0" q_ipackets | tr -d '[],' | awk '{ print $1, $2 }')"
log "port in: queue 0 received $q0 frames, queue 1 $q1"
sys_stop_stampede TERM
[ "$STP_RC" -eq 0 ] || fail "stampede exited with status $STP_RC"
sys_check_invariant

# Stamps as integer ns (frame.time_epoch is printed with 9 decimals), keyed by the sequence
# number in the payload (after the 16-byte magic).
fields=(-Y "udp.dstport == $DPORT_AB" -T fields -E separator=, -e frame.time_epoch -e udp.payload)
tshark -r "$WORK/cap.pcapng" "${fields[@]}" -e frame.comment >"$WORK/cap.csv" 2>/dev/null ||
	fail "tshark cannot read the capture"
tshark -o 'gui.column.format:"t","%t"' -r "$WORK/in0.pcap" "${fields[@]}" >"$WORK/ref.csv" \
	2>/dev/null || tshark -r "$WORK/in0.pcap" "${fields[@]}" >"$WORK/ref.csv" 2>/dev/null ||
	fail "tshark cannot read tcpdump's file"
res=$("$PY" - "$WORK/cap.csv" "$WORK/ref.csv" "$N" <<'EOF'
import sys
from decimal import Decimal

def load(path, with_comment):
    out = {}
    for line in open(path):
        f = line.rstrip("\n").split(",")
        if len(f) < 2 or not f[1]:
            continue
        s, frac = f[0].split(".")
        ns = int(s) * 10**9 + int((frac + "000000000")[:9])
        seq = int(f[1].replace(":", "")[32:40], 16)
        out[seq] = (ns, f[2] if with_comment and len(f) > 2 else "")
    return out

cap, ref = load(sys.argv[1], True), load(sys.argv[2], False)
n = int(sys.argv[3])
both = sorted(set(cap) & set(ref))
equal = sum(1 for k in both if cap[k][0] == ref[k][0])
diffs = sorted(abs(cap[k][0] - ref[k][0]) for k in both if cap[k][0] != ref[k][0])
bad_cmt = sum(1 for k in cap if cap[k][1] != "ts=kernel")
print(len(cap), len(ref), len(both), equal, bad_cmt, diffs[len(diffs) // 2] if diffs else 0,
      diffs[-1] if diffs else 0)
EOF
) || fail "comparing the stamps failed"
read -r n_cap n_ref n_both n_equal bad_cmt med_diff max_diff <<<"$res"
ab_total=$(json_get "$WORK/ab.json" total)
log "marked frames: capture $n_cap, tcpdump $n_ref, in both $n_both; equal stamps $n_equal" \
	"(differing: median $med_diff ns, max $max_diff ns); comments not ts=kernel: $bad_cmt;" \
	"b0 received $ab_total"
[ "$n_cap" -eq "$N" ] || fail "stampede captured $n_cap of $N marked frames"
[ "$n_ref" -eq "$N" ] || fail "tcpdump captured $n_ref of $N marked frames"
[ "$n_equal" -eq "$N" ] || fail "$((N - n_equal)) of $N stamps differ from tcpdump's"
[ "$bad_cmt" -eq 0 ] || fail "$bad_cmt frames without the comment ts=kernel"
[ "${q0:-0}" -gt 0 ] && [ "${q1:-0}" -gt 0 ] ||
	fail "the fan-out did not spread $FLOWS flows over both RX queues ($q0 / $q1)"
grep -q "in0: the interface gives no hardware RX stamps" "$WORK/stampede.log" ||
	fail "no warning that in0 refused hardware stamps"
ab_distinct=$(json_get "$WORK/ab.json" distinct)
[ "$ab_total" -eq "$N" ] && [ "$ab_distinct" -eq "$N" ] ||
	fail "b0 received $ab_total frames ($ab_distinct distinct) of $N forwarded"
log "PASS: net_afpkt: all $N stamps equal tcpdump's to the nanosecond"
