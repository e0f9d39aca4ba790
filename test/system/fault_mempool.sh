#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Fault injection: the packet pool runs dry, then recovers.
#
# stampede on net_null ports with the smallest pool the loader accepts ("mempool": {"size":
# 1023, "cache": 0}) captures every packet of port a to output "cap" (a pcapng output whose
# path is a FIFO read by `cat > /dev/null`, ring of 4096 packets: more than the pool) and
# forwards it to port b. Captured packets are references to the received mbufs, so when the
# reader is stopped (SIGSTOP) the writer blocks, its ring keeps every mbuf it is given, and the
# pool runs dry: net_null's RX cannot allocate and stampede receives nothing more (DPDK 22.11's
# net_null and net_af_packet count no rx_nombuf: an empty pool shows as received standing still
# with the capture ring holding about the whole pool). Then the reader continues (SIGCONT), the
# writer drains its ring, and stampede must receive and forward again. Checks:
#  - stampede warns at start that the pool is smaller than what its queues and rings can hold;
#  - while the reader is stopped, `show rings` (console socket) shows the capture ring holding
#    at least 1023 - 4 bursts of 64 mbufs, and received grows by less than one pool's worth;
#  - after SIGCONT, received and transmitted grow again (recovery);
#  - SIGTERM: exit 0 within 20 s; --stats-json: received + replicated == transmitted + captured
#    + dropped exactly, and the capture files' "written" equals "captured".
#
# Usage: test/system/fault_mempool.sh PATH_TO_STAMPEDE   (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STALL=${STP_FAULT_DURATION:-2}
POOL=1023

sys_preflight "$@"
FIFO=$WORK/cap.fifo
SOCK=$WORK/console.sock
mkfifo "$FIFO"
cat >"$WORK/config.json" <<JSON
{
  "node": { "id": 7, "description": "mempool exhaustion test $TAG" },
  "eal": { "args": [], "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [ { "name": "a", "device": "net_null0" }, { "name": "b", "device": "net_null1" } ],
  "mempool": { "size": $POOL, "cache": 0 },
  "outputs": [ { "name": "cap", "type": "pcapng", "path": "$FIFO", "ring": 4096 } ],
  "rules": [
    { "name": "capture", "in": [ "a" ], "action": "forward", "out": "cap", "continue": true },
    { "name": "a-b", "in": [ "a" ], "action": "forward", "out": "b" }
  ]
}
JSON
sys_check_config

cat "$FIFO" >/dev/null &
READER_PID=$!
BG_PIDS+=("$READER_PID")
sys_launch_stampede --console-socket "$SOCK"
grep -q "mempool.size: $POOL is less than" "$WORK/stampede.log" ||
	fail "no warning at start about a pool smaller than the queues and rings"
alive() { kill -0 "$STP_PID" 2>/dev/null || fail "stampede died ($1)"; }
# cap_ring_used: the capture ring's "used" column in `show rings`.
cap_ring_used() {
	"$PY" "$SYS_DIR/../../scripts/stampede-cli" "$SOCK" -c 'show rings' >"$WORK/rings.txt" 2>&1 ||
		fail "stampede-cli failed: $(cat "$WORK/rings.txt")"
	awk '/cap/ { for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) n[++k] = $i; print n[2]; exit }' \
		"$WORK/rings.txt"
}

sleep 1
read -r rx0 tx0 <<<"$(sys_tel /stampede/totals received transmitted)"
log "running: received=$rx0 transmitted=$tx0"
log "stopping the reader (SIGSTOP) for $STALL s"
kill -STOP "$READER_PID"
sleep 1
read -r rx1 tx1 <<<"$(sys_tel /stampede/totals received transmitted)"
sleep "$STALL"
alive "reader stopped"
read -r rx2 tx2 <<<"$(sys_tel /stampede/totals received transmitted)"
used=$(cap_ring_used)
log "reader stopped: received +$((rx2 - rx1)) in $STALL s; capture ring holds ${used:-?} mbufs"
cat "$WORK/rings.txt"
[ -n "$used" ] && [ "$used" -ge $((POOL - 4 * 64)) ] ||
	fail "the capture ring holds ${used:-?} mbufs: the pool did not run dry"
[ $((rx2 - rx1)) -lt "$POOL" ] ||
	fail "received grew by $((rx2 - rx1)) with the pool dry (expected < $POOL)"

log "reader continues (SIGCONT)"
kill -CONT "$READER_PID"
sleep 1
read -r rx3 tx3 <<<"$(sys_tel /stampede/totals received transmitted)"
sleep 1
alive "after recovery"
read -r rx4 tx4 <<<"$(sys_tel /stampede/totals received transmitted)"
log "recovered: received +$((rx4 - rx3)) transmitted +$((tx4 - tx3)) in 1 s"
[ $((rx4 - rx3)) -gt "$POOL" ] && [ $((tx4 - tx3)) -gt 0 ] ||
	fail "no recovery: received +$((rx4 - rx3)), transmitted +$((tx4 - tx3)) in 1 s"

sys_stop_stampede TERM 20
kill -TERM "$READER_PID" 2>/dev/null || true
echo "---- stampede output (last lines) ----"
grep -vE "^EAL|^ +[a-z_]+ +0 " "$WORK/stampede.log" | tail -n 12
echo "--------------------------------------"
[ "$STP_RC" -eq 0 ] || fail "stampede exited with status $STP_RC after SIGTERM"
sys_check_invariant
log "port a: rx_nombuf $("$PY" -c 'import json, sys
print(json.load(open(sys.argv[1]))["ports"][0]["rx_nombuf"])' "$WORK/stats.json")" \
	"(net_null does not count it)"
log "PASS: pool of $POOL ran dry (capture ring $used), no crash, recovery (+$((rx4 - rx3)) received" \
	"in 1 s), stop in ${STP_STOP_S} s, invariant exact"
