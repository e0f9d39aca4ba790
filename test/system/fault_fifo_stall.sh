#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Fault injection: the consumer of a capture output stops reading, then dies.
#
# stampede on net_null ports (net_null0 offers packets as fast as it is polled) captures every
# packet of port a to output "cap", whose path is a FIFO read by `cat > /dev/null` (started by
# the test, signalled by PID only), and forwards it to port b. Then:
#   A. the reader is stopped (SIGSTOP) for STALL seconds: the writer blocks in write() once the
#      pipe is full, and its ring fills. stampede's RX and forwarding must keep going
#      (received and transmitted grow), the packets for the capture are capture_ring_full drops;
#   B. the reader is killed (SIGKILL) while stampede runs: the writer's write() fails (EPIPE, not
#      a SIGPIPE that would kill stampede), it counts the write error and tries to reopen the
#      FIFO, which blocks in open() with no reader; stampede keeps forwarding;
#   C. SIGTERM by PID: stampede must exit 0 within 20 s (the writer's close has a time-out
#      after which the writer thread is cancelled), and its --stats-json counters hold exactly:
#        received + replicated == transmitted + captured + dropped,
#      with the packets lost to the capture under capture_* reasons.
# Counters are read while running with DPDK telemetry (/stampede/totals, /stampede/drops).
#
# Usage: test/system/fault_fifo_stall.sh PATH_TO_STAMPEDE   (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

STALL=${STP_FAULT_DURATION:-2}

sys_preflight "$@"
FIFO=$WORK/cap.fifo
mkfifo "$FIFO"
cat >"$WORK/config.json" <<JSON
{
  "node": { "id": 7, "description": "fifo stall test $TAG" },
  "eal": { "args": [], "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [ { "name": "a", "device": "net_null0" }, { "name": "b", "device": "net_null1" } ],
  "outputs": [ { "name": "cap", "type": "pcapng", "path": "$FIFO", "ring": 4096 } ],
  "rules": [
    { "name": "capture", "in": [ "a" ], "action": "forward", "out": "cap", "continue": true },
    { "name": "a-b", "in": [ "a" ], "action": "forward", "out": "b" }
  ]
}
JSON
sys_check_config

# The reader first: stampede opens the FIFO at start, which blocks until a reader is there.
cat "$FIFO" >/dev/null &
READER_PID=$!
BG_PIDS+=("$READER_PID")
log "reader: cat (pid $READER_PID)"
sys_launch_stampede

# counters: "received transmitted capture_ring_full capture_write_error", from telemetry.
counters() {
	echo "$(sys_tel /stampede/totals received transmitted)" \
		"$(sys_tel /stampede/drops capture_ring_full capture_write_error)"
}
alive() { kill -0 "$STP_PID" 2>/dev/null || fail "stampede died ($1)"; }

sleep 1
read -r rx0 tx0 crf0 cwe0 <<<"$(counters)"
log "running: received=$rx0 transmitted=$tx0 capture_ring_full=$crf0"

log "A. stopping the reader (SIGSTOP) for $STALL s"
kill -STOP "$READER_PID"
sleep 0.5
read -r rx1 tx1 crf1 cwe1 <<<"$(counters)"
sleep "$STALL"
alive "reader stopped"
read -r rx2 tx2 crf2 cwe2 <<<"$(counters)"
log "reader stopped: received +$((rx2 - rx1)) transmitted +$((tx2 - tx1))" \
	"capture_ring_full +$((crf2 - crf1)) in $STALL s"
[ "$rx2" -gt "$rx1" ] || fail "RX stalled while the reader was stopped"
[ "$tx2" -gt "$tx1" ] || fail "forwarding stalled while the reader was stopped"
[ "$crf2" -gt "$crf1" ] || fail "capture_ring_full did not grow while the reader was stopped"

log "B. killing the reader (SIGKILL)"
kill -KILL "$READER_PID"
wait "$READER_PID" 2>/dev/null || true
sleep 1
alive "reader killed"
read -r rx3 tx3 crf3 cwe3 <<<"$(counters)"
sleep 1
alive "reader killed"
read -r rx4 tx4 crf4 cwe4 <<<"$(counters)"
log "reader gone: received +$((rx4 - rx3)) transmitted +$((tx4 - tx3))" \
	"capture_ring_full +$((crf4 - crf3)) in 1 s; capture_write_error $cwe4"
[ "$rx4" -gt "$rx3" ] && [ "$tx4" -gt "$tx3" ] || fail "forwarding stalled after the reader died"

log "C. SIGTERM"
sys_stop_stampede TERM 20
echo "---- stampede output (last lines) ----"
grep -vE "^EAL|^ +[a-z_]+ +0 " "$WORK/stampede.log" | tail -n 16
echo "--------------------------------------"
[ "$STP_RC" -eq 0 ] || fail "stampede exited with status $STP_RC after SIGTERM"
sys_check_invariant
crf=$(json_get "$WORK/stats.json" drops.capture_ring_full)
cwe=$(json_get "$WORK/stats.json" drops.capture_write_error)
[ "$crf" -gt 0 ] || fail "capture_ring_full is 0"
log "PASS: stalled and dead FIFO reader: RX and forwarding went on, capture_ring_full $crf," \
	"capture_write_error $cwe; SIGTERM stop in ${STP_STOP_S} s; invariant exact"
