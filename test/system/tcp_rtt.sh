#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: passive TCP latency on real kernel TCP traffic.
#
#   ns A (curl) a0 <-> in0 [stampede, net_af_packet] out0 <-> m0 [delayline.py 10 ms each way] m1 <-> b0 ns B (http server)
#
# Live: stampede forwards between in0 and out0 with tcp_rtt on; 10 HTTP requests cross a 10 ms
# (each way) user-space delay line, so every RTT toward the server (SYN -> SYN-ACK, the
# request's TSval -> its echo) is 20 ms plus the delay line's error (see delayline.py) and the
# hosts' reaction time: the records must fall in [20, 45] ms (handshake) / [20, 80] ms (TS,
# which may include a delayed ACK).
# Replay: tcpdump captured the same traffic on a0 (nanosecond pcap); stampede on net_pcap
# replays it, and each handshake record must equal, to the nanosecond, the difference of the
# frame times tshark reports (frame.time_epoch as integer s and ns) for the same packets.
#
# Usage: test/system/tcp_rtt.sh PATH_TO_STAMPEDE    (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
NS_M=stp$TAG-m
trap 'rc=$?; ip netns del "$NS_M" 2>/dev/null; (exit $rc); sys_cleanup' EXIT
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
command -v tshark >/dev/null || skip "tshark is not installed"
command -v curl >/dev/null || skip "curl is not installed"

# Topology.
ip netns add "$NS_B"
ip netns add "$NS_D"
ip netns add "$NS_M"
for ns in "$NS_A" "$NS_B" "$NS_D" "$NS_M"; do
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	nsx "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	nsx "$ns" ip link set lo up
done
ip link add a0 netns "$NS_A" type veth peer name in0 netns "$NS_D"
ip link add out0 netns "$NS_D" type veth peer name m0 netns "$NS_M"
ip link add m1 netns "$NS_M" type veth peer name b0 netns "$NS_B"
nsx "$NS_A" ip addr add 198.18.0.1/24 dev a0
nsx "$NS_B" ip addr add 198.18.0.2/24 dev b0
for l in "$NS_A a0" "$NS_B b0" "$NS_D in0" "$NS_D out0" "$NS_M m0" "$NS_M m1"; do
	set -- $l
	nsx "$1" ip link set "$2" up
done
# No TSO/GSO: the frames on the wire are the segments the kernel sent.
for l in "$NS_A a0" "$NS_B b0"; do
	set -- $l
	nsx "$1" ethtool -K "$2" tx off tso off gso off gro off >/dev/null 2>&1 || true
done

nsx "$NS_M" "$PY" "$SYS_DIR/delayline.py" m0 m1 10 --ready-file "$WORK/dl.ready" &
BG_PIDS+=($!)
mkdir -p "$WORK/www"
head -c 200000 /dev/zero >"$WORK/www/blob"
(cd "$WORK/www" && exec ip netns exec "$NS_B" "$PY" -m http.server 8080 --bind 198.18.0.2 \
	>"$WORK/http.log" 2>&1) &
BG_PIDS+=($!)

cat >"$WORK/config.json" <<JSON
{
  "eal": { "args": [], "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [
    { "name": "in",  "device": "net_af_packet0,iface=in0" },
    { "name": "out", "device": "net_af_packet1,iface=out0" }
  ],
  "lcores": { "rx": [ { "lcore": 1, "queues": [ { "port": "in", "queue": 0 }, { "port": "out", "queue": 0 } ] } ],
              "worker": [ 1 ], "tx": [ 1 ] },
  "rules": [
    { "name": "in-to-out", "in": [ "in" ],  "action": "forward", "out": "out" },
    { "name": "out-to-in", "in": [ "out" ], "action": "forward", "out": "in" }
  ],
  "tcp_rtt": { "enabled": true, "flows": 1024, "ts_min_interval_ms": 0,
               "output": { "path": "$WORK/live.json" } }
}
JSON
sys_check_config
sys_start_stampede
for i in $(seq 100); do
	[ -f "$WORK/dl.ready" ] && grep -q "^rx [0-9]" "$WORK/stampede.log" 2>/dev/null && break
	kill -0 "$STP_PID" 2>/dev/null || fail "stampede exited at start"
	sleep 0.1
done
nsx "$NS_A" tcpdump -i a0 -n --time-stamp-precision=nano -w "$WORK/cap.pcap" tcp port 8080 \
	>"$WORK/tcpdump.log" 2>&1 &
TCPDUMP_PID=$!
BG_PIDS+=($TCPDUMP_PID)
sleep 1
ok=0
for i in $(seq 10); do
	nsx "$NS_A" curl -s -o /dev/null --max-time 3 "http://198.18.0.2:8080/blob" && ok=$((ok + 1))
done
log "$ok of 10 HTTP requests succeeded"
[ "$ok" -ge 8 ] || fail "HTTP through stampede and the delay line failed ($ok of 10)"
sleep 1
kill -TERM "$TCPDUMP_PID"
wait "$TCPDUMP_PID" 2>/dev/null
sys_stop_stampede TERM
[ "$STP_RC" -eq 0 ] || fail "stampede exited with $STP_RC"
sys_check_invariant

# Live records: within the delay band.
"$PY" - "$WORK/live.json" <<'PYEOF' || fail "live records out of the delay band"
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
srv = "198.18.0.2"
hs = [r["rtt_ns"] for r in recs if r["kind"] == "syn_synack" and r["dst"] == srv]
ts = [r["rtt_ns"] for r in recs if r["kind"] == "tsval" and r["dst"] == srv]
print("live: %d records, syn_synack to server (ms): %s" % (len(recs), [round(x / 1e6, 3) for x in hs]))
print("live: tsval to server (ms): %s" % [round(x / 1e6, 3) for x in ts])
bad = [x for x in hs if not 20e6 <= x <= 45e6] + [x for x in ts if not 20e6 <= x <= 80e6]
ok = len(hs) >= 8 and len(ts) >= 8 and not bad
print("live: %s (bad: %s)" % ("ok" if ok else "FAIL", bad))
sys.exit(0 if ok else 1)
PYEOF

# Replay the capture: handshake RTTs equal tshark's frame-time deltas to the nanosecond.
capinfos -c "$WORK/cap.pcap" | tail -1
cat >"$WORK/replay.json" <<JSON
{
  "eal": { "hugepages": false },
  "ports": [
    { "name": "in", "device": "net_pcap0,rx_pcap=$WORK/cap.pcap" },
    { "name": "out", "device": "net_null0", "timestamp": "none" }
  ],
  "rules": [ { "name": "all", "in": [ "in" ], "action": "forward", "out": "out" } ],
  "tcp_rtt": { "enabled": true, "ports": [ "in" ], "output": { "path": "$WORK/replay-rtt.json" } }
}
JSON
"$STAMPEDE" -c "$WORK/replay.json" --exit-on-eof --stats-json "$WORK/replay-stats.json" \
	-- --file-prefix="$PREFIX-replay" >"$WORK/replay.log" 2>&1 ||
	fail "replay run failed: $(tail -5 "$WORK/replay.log")"
sys_check_invariant "$WORK/replay-stats.json"
tshark -r "$WORK/cap.pcap" -T fields -e frame.time_epoch -e ip.src -e tcp.srcport -e ip.dst \
	-e tcp.dstport -e tcp.flags.syn -e tcp.flags.ack >"$WORK/tshark.txt" 2>/dev/null ||
	fail "tshark could not read the capture"
"$PY" - "$WORK/tshark.txt" "$WORK/replay-rtt.json" <<'PYEOF' || fail "replay RTTs differ from tshark's frame times"
import json, sys

def ns(s):
    sec, _, frac = s.partition(".")
    return int(sec) * 10**9 + int((frac + "000000000")[:9])

flows = {}
for line in open(sys.argv[1]):
    t, src, sp, dst, dp, syn, ack = line.split("\t")
    t, syn, ack = ns(t), syn.strip() in ("1", "True"), ack.strip() in ("1", "True")
    key = (src, int(sp), dst, int(dp))
    if syn and not ack:
        f = flows.setdefault(key, {})
        f["syn"] = t  # the last SYN (stampede measures from it)
    elif syn and ack:
        f = flows.get((dst, int(dp), src, int(sp)))
        if f is not None and "synack" not in f:
            f["synack"] = t
    elif ack:
        f = flows.get(key)
        if f is not None and "synack" in f and "ack" not in f:
            f["ack"] = t
want = {}
for (src, sp, dst, dp), f in flows.items():
    if "synack" in f:
        want[("syn_synack", src, sp)] = f["synack"] - f["syn"]
    if "ack" in f:
        want[("synack_ack", dst, dp)] = f["ack"] - f["synack"]
got = {}
for l in open(sys.argv[2]):
    r = json.loads(l)
    if r["kind"] != "tsval":
        got[(r["kind"], r["src"], r["sport"])] = r["rtt_ns"]
print("replay: %d handshake samples from tshark, %d records from stampede" % (len(want), len(got)))
bad = [(k, want[k], got.get(k)) for k in want if got.get(k) != want[k]]
extra = [k for k in got if k not in want]
for b in bad[:10]:
    print("  differs: %s tshark %s stampede %s" % b)
print("replay: %s" % ("every handshake RTT equals tshark's frame-time delta to the ns"
                      if not bad and not extra and len(want) >= 16 else "FAIL"))
sys.exit(0 if not bad and not extra and len(want) >= 16 else 1)
PYEOF
log "PASS"
