#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Fault injection: full rings between lcores under load.
#
# stampede with split roles on net_null ports (net_null0 RX offers packets as fast as it is
# polled; net_null1 TX discards them): RX on lcore 1, worker on lcore 2, TX on lcore 3, mapped onto
# the two CPUs (lcore 1 polls net_null1 too: every port must be polled; its packets have no rule) with --lcores 0@0,1@1,2@0,3@1 so that the worker and the TX lcore lose their CPU
# for whole time slices, and the smallest rings the loader accepts ("rings": {"worker": 64,
# "tx": 64}). For DURATION seconds the rings overflow; then SIGTERM by PID. Checks:
#  - both worker_ring_full and tx_ring_full are > 0 (the overflow is counted, by name);
#  - stampede exits 0 within 20 s of SIGTERM, no "shutdown" drops beyond what the rings held
#    (at most 64 + 64 packets), and the --stats-json counters hold exactly:
#      received + replicated == transmitted + captured + dropped (the reasons add up);
#  - transmitted > 0 (the pipeline moved packets all along).
#
# Usage: test/system/fault_rings_full.sh PATH_TO_STAMPEDE   (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${STP_FAULT_DURATION:-3}

sys_preflight "$@"
cat >"$WORK/config.json" <<JSON
{
  "node": { "id": 7, "description": "rings full test $TAG" },
  "eal": { "args": [ "--lcores", "0@0,1@1,2@0,3@1" ], "hugepages": false,
           "file_prefix": "$PREFIX" },
  "ports": [ { "name": "a", "device": "net_null0" }, { "name": "b", "device": "net_null1" } ],
  "lcores": {
    "rx": [ { "lcore": 1, "queues": [ { "port": "a", "queue": 0 }, { "port": "b", "queue": 0 } ] } ],
    "worker": [ 2 ],
    "tx": [ 3 ]
  },
  "rings": { "worker": 64, "tx": 64 },
  "rules": [ { "name": "a-b", "in": [ "a" ], "action": "forward", "out": "b" } ]
}
JSON
sys_check_config

log "starting stampede (net_null, split roles, rings of 64)"
sys_launch_stampede
sleep "$DURATION"
kill -0 "$STP_PID" 2>/dev/null || fail "stampede died under load"
sys_stop_stampede TERM 20
echo "---- stampede output (last lines) ----"
grep -E "^rx |ring|shutdown|total:" "$WORK/stampede.log" | tail -n 12
echo "--------------------------------------"
[ "$STP_RC" -eq 0 ] || fail "stampede exited with status $STP_RC after SIGTERM"
sys_check_invariant
wrf=$(json_get "$WORK/stats.json" drops.worker_ring_full)
trf=$(json_get "$WORK/stats.json" drops.tx_ring_full)
shut=$(json_get "$WORK/stats.json" drops.shutdown)
log "worker_ring_full=$wrf tx_ring_full=$trf shutdown=$shut transmitted=$transmitted"
[ "$wrf" -gt 0 ] || fail "worker_ring_full is 0: the worker ring never overflowed"
[ "$trf" -gt 0 ] || fail "tx_ring_full is 0: the TX ring never overflowed"
[ "$shut" -le 128 ] || fail "$shut packets dropped at shutdown, more than the rings hold (128)"
[ "$transmitted" -gt 0 ] || fail "nothing transmitted"
log "PASS: rings of 64 overflowed (worker_ring_full $wrf, tx_ring_full $trf), counted by name;" \
	"clean stop in ${STP_STOP_S} s; invariant exact"
