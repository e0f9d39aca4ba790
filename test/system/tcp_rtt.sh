#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: passive TCP latency on real kernel TCP traffic.
#
#   ns A (curl) a0 <-> in0 [ns D: stampede, net_af_packet] out0 <-> m0 [ns M: delayline.py,
#   10 ms each way] m1 <-> b0 ns B (python3 -m http.server)
#
# Live: stampede forwards between in0 and out0 with tcp_rtt on; 10 HTTP requests cross a 10 ms
# (each way) user-space delay line (this kernel has no netem), so every RTT toward the server
# (SYN -> SYN-ACK, the request's TSval -> its echo) is 20 ms plus the delay line's error (at
# least 0, typically under 1 ms: see delayline.py) and the hosts' reaction time (a delayed ACK
# at most). The records must fall in a generous band: [20, 70] ms (handshake), [20, 150] ms (TS).
# Replay: tcpdump captured the same traffic on a0 (nanosecond pcap); stampede on net_pcap
# replays it (timestamps: the pcap records' own nanoseconds), and each handshake record must
# equal, to the nanosecond, the difference of the frame times tshark reports (frame.time_epoch
# parsed as integer s and ns) for the same packets; the TS records toward the server must fall
# in the same band as live.
#
# The senders' veths have TX checksum offload off: with it, the kernel hands veth frames with
# a partial checksum (CHECKSUM_PARTIAL) that AF_PACKET readers (stampede, the delay line) pass
# on unfinished, and the receiving stack drops them as corrupt.
#
# Under a flood, in every stacking, every pair (tcprtt_check.py; expected values from tshark's
# fields and the pcap record times only):
# - live: a 1024-entry table while a scapy SYN flood (spoofed sources, never answered, 2000/s
#   for 8 s: 15 times the table) crosses the tap with the real handshakes: every real
#   handshake is still measured (the flood's half-open entries give way, counted
#   evicted_half_open; table_full 0). A half-open entry lives 1024 / 2000 s = 0.5 s, far above
#   the 20 ms RTT even when this shared machine stalls the delay line; a rule drops the flood
#   after the tap (the tcp_rtt stage sees it first), so it loads neither the user-space delay
#   line nor the server. One of the downloads is a 2 MB bulk transfer.
# - replay of the capture: every record equals a sample computed from tshark's fields (frame
#   times as integer ns, addresses, ports, flags, tcp.len, TSval, TSecr) by the README's rules
#   -- every handshake, every TSval -> TSecr pair of every flow, bulk included, and the last ACK
#   of each FIN/FIN/ACK close -- and every such sample is a record;
# - the same capture rewritten by scapy into an 802.1ad + 802.1Q + 802.1Q stack, and as IPv6
#   with an atomic fragment header (RFC 6946) before TCP: the same exact check (tshark decodes
#   the rewritten pcaps);
# - the capture merged with a scapy SYN flood (20 x the table) replayed into a 64-entry table:
#   the same exact check, every real handshake measured.
#
# Every wait is bounded; the cleanup (lib.sh) stops what the test started by PID (SIGKILL 5 s
# after SIGTERM) and removes the namespaces. About 40-60 s.
#
# Usage: test/system/tcp_rtt.sh PATH_TO_STAMPEDE    (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
NS_M=stp$TAG-m
# shellcheck disable=SC2034 # lib.sh removes it at exit
NS_EXTRA=("$NS_M")
for t in tcpdump tshark capinfos curl ethtool ping; do
	command -v "$t" >/dev/null || skip "$t is not installed"
done
DELAY_MS=10
REQUESTS=10
HS_BAND_MS=(20 70)
TS_BAND_MS=(20 150)
LIVE_FLOWS=1024
FLOOD_PPS=2000
REPLAY_FLOOD_TABLE=64
# scapy: the python3 the test runs with, or Debian's (python3-scapy).
SCAPY_PY=$PY
"$SCAPY_PY" -c "import scapy.all" 2>/dev/null || SCAPY_PY=/usr/bin/python3
"$SCAPY_PY" -c "import scapy.all" 2>/dev/null || skip "python3-scapy is not installed"
CHECK=("$SCAPY_PY" "$SYS_DIR/tcprtt_check.py")

# wait_for SECONDS CMD...: polls CMD every 0.1 s until it succeeds (0) or the time is up (1).
wait_for() {
	local n=$(($1 * 10))
	shift
	for _ in $(seq "$n"); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}

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
# Full checksums and no TSO/GSO on the senders: the frames on the wire are whole, checked
# segments that AF_PACKET forwarding can pass on as they are.
for l in "$NS_A a0" "$NS_B b0"; do
	set -- $l
	nsx "$1" ethtool -K "$2" tx off >/dev/null 2>&1 ||
		fail "ethtool -K $2 tx off failed"
	nsx "$1" ethtool -K "$2" tso off gso off >/dev/null 2>&1 || true
	nsx "$1" ethtool -k "$2" | grep -q "^tx-checksumming: off" ||
		fail "TX checksum offload still on for $2: $(nsx "$1" ethtool -k "$2" | grep tx-check)"
done

# Background processes: `ip netns exec` directly, so that $! is the process itself.
ip netns exec "$NS_M" "$PY" "$SYS_DIR/delayline.py" m0 m1 "$DELAY_MS" \
	--ready-file "$WORK/dl.ready" >"$WORK/delayline.log" 2>&1 &
BG_PIDS+=($!)
mkdir -p "$WORK/www"
head -c 200000 /dev/zero >"$WORK/www/blob"
head -c 2000000 /dev/urandom >"$WORK/www/bulk"
ip netns exec "$NS_B" "$PY" -m http.server 8080 --bind 198.18.0.2 --directory "$WORK/www" \
	>"$WORK/http.log" 2>&1 &
BG_PIDS+=($!)
wait_for 10 test -f "$WORK/dl.ready" || fail "the delay line did not start: $(cat "$WORK/delayline.log")"
wait_for 10 nsx "$NS_B" curl -s -o /dev/null --max-time 1 http://198.18.0.2:8080/blob ||
	fail "the HTTP server did not start: $(cat "$WORK/http.log")"

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
    { "name": "flood", "in": [ "in" ], "filter": "net 10.66.0.0/16", "action": "drop" },
    { "name": "in-to-out", "in": [ "in" ],  "action": "forward", "out": "out" },
    { "name": "out-to-in", "in": [ "out" ], "action": "forward", "out": "in" }
  ],
  "tcp_rtt": { "enabled": true, "flows": $LIVE_FLOWS, "ts_min_interval_ms": 0,
               "output": { "path": "$WORK/live.json" } }
}
JSON
sys_check_config
sys_start_stampede
stampede_up() {
	kill -0 "$STP_PID" 2>/dev/null || fail "stampede exited at start"
	grep -q "^rx [0-9]" "$WORK/stampede.log" 2>/dev/null
}
wait_for 15 stampede_up || fail "stampede printed no stats line within 15 s"

ip netns exec "$NS_A" tcpdump -i a0 -n -U --time-stamp-precision=nano -w "$WORK/cap.pcap" \
	tcp port 8080 and not net 10.66.0.0/16 >"$WORK/tcpdump.log" 2>&1 &
TCPDUMP_PID=$!
BG_PIDS+=("$TCPDUMP_PID")
wait_for 10 grep -q "listening on" "$WORK/tcpdump.log" ||
	fail "tcpdump did not start: $(cat "$WORK/tcpdump.log")"

# Through stampede and the delay line (ARP included) before any TCP.
wait_for 10 nsx "$NS_A" ping -c 1 -W 1 -q 198.18.0.2 >/dev/null ||
	fail "no ping crossed stampede and the delay line within 10 s"
log "ping crosses: $(nsx "$NS_A" ping -c 3 -i 0.2 -q 198.18.0.2 | tail -1)"

# The SYN flood, from ns A through the tap, for about the time of the requests.
ip netns exec "$NS_A" "${CHECK[@]}" flood-live a0 "$FLOOD_PPS" 8 02:00:00:00:00:02 \
	198.18.0.2 8080 "$WORK/flood.ready" >"$WORK/flood.log" 2>&1 &
FLOOD_PID=$!
BG_PIDS+=("$FLOOD_PID")
wait_for 20 test -f "$WORK/flood.ready" || fail "the flood did not start: $(cat "$WORK/flood.log")"
sleep 0.5 # the table is full of the flood before the first real SYN
ok=0
failed_in_row=0
nsx "$NS_A" curl -s -o /dev/null --connect-timeout 3 --max-time 20 "http://198.18.0.2:8080/bulk" ||
	fail "the 2 MB bulk download through stampede and the delay line failed"
ok=$((ok + 1))
for _ in $(seq $((REQUESTS - 1))); do
	if nsx "$NS_A" curl -s -o /dev/null --connect-timeout 3 --max-time 5 \
		"http://198.18.0.2:8080/blob"; then
		ok=$((ok + 1))
		failed_in_row=0
	else
		failed_in_row=$((failed_in_row + 1))
		[ "$failed_in_row" -lt 3 ] || break
	fi
done
log "$ok of $REQUESTS HTTP requests succeeded"
[ "$ok" -ge $((REQUESTS - 2)) ] || fail "HTTP through stampede and the delay line failed ($ok of $REQUESTS)"
wait_for 20 eval '! kill -0 "$FLOOD_PID" 2>/dev/null' || fail "the flood did not end"
log "$(cat "$WORK/flood.log")"
sleep 0.5
kill -INT "$TCPDUMP_PID"
wait_for 5 eval '! kill -0 "$TCPDUMP_PID" 2>/dev/null' || fail "tcpdump did not stop"
grep -q "[1-9][0-9]* packets dropped by kernel" "$WORK/tcpdump.log" &&
	fail "tcpdump lost frames: $(grep 'dropped by kernel' "$WORK/tcpdump.log")"
sys_stop_stampede TERM
[ "$STP_RC" -eq 0 ] || fail "stampede exited with $STP_RC"
sys_check_invariant
# The flood turned the table over many times; no real flow was refused.
"$PY" - "$WORK/stats.json" "$LIVE_FLOWS" <<'PYEOF' || fail "live: the flood did not fill the table, or flows were refused"
import json, sys
t = json.load(open(sys.argv[1]))["tcp_rtt"]
print("live: flows %d, evicted_half_open %d, evicted_handshake %d, table_full %d, drops %s" %
      (t["flows"], t["evicted_half_open"], t["evicted_handshake"], t["table_full"],
       {k: v for k, v in t["drops"].items() if v}))
sys.exit(0 if t["evicted_half_open"] >= 10 * int(sys.argv[2]) and t["table_full"] == 0 else 1)
PYEOF

# Live records: within the delay band.
"$PY" - "$WORK/live.json" "$ok" "${HS_BAND_MS[@]}" "${TS_BAND_MS[@]}" <<'PYEOF' ||
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
n, hlo, hhi, tlo, thi = (int(x) * 10**6 for x in sys.argv[2:7])
n //= 10**6
srv = "198.18.0.2"
hs = [r["rtt_ns"] for r in recs if r["kind"] == "syn_synack" and r["dst"] == srv]
ts = [r["rtt_ns"] for r in recs if r["kind"] == "tsval" and r["dst"] == srv]
print("live: %d records; syn_synack toward the server (ms): %s" %
      (len(recs), [round(x / 1e6, 3) for x in hs]))
print("live: tsval toward the server (ms): %s" % [round(x / 1e6, 3) for x in ts])
bad = [x for x in hs if not hlo <= x <= hhi] + [x for x in ts if not tlo <= x <= thi]
# Every request's handshake (the flood crossing the 256-entry table did not cost one).
good = len(hs) == n and len(ts) >= n and not bad
print("live: %s (out of the band: %s)" % ("ok" if good else "FAIL", bad))
sys.exit(0 if good else 1)
PYEOF
	fail "live records out of the delay band (or missing)"

# Replay the capture: handshake RTTs equal tshark's frame-time deltas to the nanosecond.
log "capture: $(capinfos -c "$WORK/cap.pcap" | tail -1 | tr -s ' ')"
cat >"$WORK/replay.json" <<JSON
{
  "eal": { "hugepages": false },
  "ports": [
    { "name": "in", "device": "net_pcap0,rx_pcap=$WORK/cap.pcap", "timestamp": "auto" },
    { "name": "out", "device": "net_pcap1,tx_pcap=$WORK/replay-out.pcap", "timestamp": "none" }
  ],
  "rules": [ { "name": "all", "in": [ "in" ], "action": "forward", "out": "out" } ],
  "tcp_rtt": { "enabled": true, "ports": [ "in" ], "ts_min_interval_ms": 0,
               "output": { "path": "$WORK/replay-rtt.json" } }
}
JSON
timeout 30 "$STAMPEDE" -c "$WORK/replay.json" --exit-on-eof --stats-json "$WORK/replay-stats.json" \
	-- --file-prefix="$PREFIX-replay" >"$WORK/replay.log" 2>&1 ||
	fail "replay run failed: $(tail -5 "$WORK/replay.log")"
rm -rf /var/run/dpdk/"$PREFIX-replay"
sys_check_invariant "$WORK/replay-stats.json"
tshark -r "$WORK/cap.pcap" -T fields -e frame.time_epoch -e ip.src -e tcp.srcport -e ip.dst \
	-e tcp.dstport -e tcp.flags.syn -e tcp.flags.ack >"$WORK/tshark.txt" 2>"$WORK/tshark.err" ||
	fail "tshark could not read the capture: $(cat "$WORK/tshark.err")"
"$PY" - "$WORK/tshark.txt" "$WORK/replay-rtt.json" "$ok" "${TS_BAND_MS[@]}" <<'PYEOF' ||
import json, sys

def ns(s):
    sec, _, frac = s.partition(".")
    return int(sec) * 10**9 + int((frac + "000000000")[:9])

def flag(s):
    return s.strip() in ("1", "True")

n = int(sys.argv[3])
tlo, thi = (int(x) * 10**6 for x in sys.argv[4:6])
# Per flow (client, cport, server, sport), as stampede measures: SYN -> SYN-ACK from the last
# SYN to the first SYN-ACK; SYN-ACK -> ACK from the last SYN-ACK to the client's first ACK.
flows = {}
for line in open(sys.argv[1]):
    t, src, sp, dst, dp, syn, ack = line.rstrip("\n").split("\t")
    t, sp, dp, syn, ack = ns(t), int(sp), int(dp), flag(syn), flag(ack)
    if syn and not ack:
        f = flows.setdefault((src, sp, dst, dp), {})
        if "synack" not in f:
            f["syn"] = t
    elif syn and ack:
        f = flows.get((dst, dp, src, sp))
        if f is not None and "ack" not in f:
            f.setdefault("synack", t)
            f["synack_last"] = t
    elif ack:
        f = flows.get((src, sp, dst, dp))
        if f is not None and "synack" in f and "ack" not in f:
            f["ack"] = t
want = {}
for (c, cp, s, sp), f in flows.items():
    if "synack" in f:
        want[("syn_synack", c, cp, s, sp)] = f["synack"] - f["syn"]
    if "ack" in f:
        want[("synack_ack", s, sp, c, cp)] = f["ack"] - f["synack_last"]
got = {}
ts = []
for l in open(sys.argv[2]):
    r = json.loads(l)
    if r["kind"] == "tsval":
        if r["dst"] == "198.18.0.2":
            ts.append(r["rtt_ns"])
    else:
        got[(r["kind"], r["src"], r["sport"], r["dst"], r["dport"])] = r["rtt_ns"]
print("replay: %d handshake samples from tshark's frame times, %d from stampede" %
      (len(want), len(got)))
bad = [(k, want[k], got.get(k)) for k in want if got.get(k) != want[k]]
extra = [k for k in got if k not in want]
for b in bad[:10]:
    print("  differs: %s tshark %s stampede %s" % b)
for k in extra[:10]:
    print("  not in tshark's: %s" % (k,))
for k in sorted(want)[:4]:
    print("  e.g. %s: tshark %d ns, stampede %s ns" % (k, want[k], got.get(k)))
tsbad = [x for x in ts if not tlo <= x <= thi]
print("replay: tsval toward the server (ms): %s" % [round(x / 1e6, 3) for x in ts])
good = not bad and not extra and len(want) >= 2 * n and len(ts) >= n and not tsbad
print("replay: %s" % ("every handshake RTT equals tshark's frame-time delta to the ns; TS RTTs "
                      "in the band" if good else "FAIL (TS out of the band: %s)" % tsbad))
sys.exit(0 if good else 1)
PYEOF
	fail "replay RTTs differ from tshark's frame times (or TS RTTs out of the band)"

# replay NAME PCAP [TCP_RTT_EXTRA]: stampede on net_pcap over PCAP; records in $WORK/NAME.json,
# stats in $WORK/NAME-stats.json.
replay() {
	local name=$1 pcap=$2 extra=${3:-}

	cat >"$WORK/$name-cfg.json" <<JSON
{
  "eal": { "hugepages": false },
  "ports": [
    { "name": "in", "device": "net_pcap0,rx_pcap=$pcap", "timestamp": "auto" },
    { "name": "out", "device": "net_pcap1,tx_pcap=$WORK/$name-out.pcap", "timestamp": "none" }
  ],
  "rules": [ { "name": "all", "in": [ "in" ], "action": "forward", "out": "out" } ],
  "tcp_rtt": { "enabled": true, "ports": [ "in" ], "ts_min_interval_ms": 0, $extra
               "output": { "path": "$WORK/$name.json" } }
}
JSON
	timeout 60 "$STAMPEDE" -c "$WORK/$name-cfg.json" --exit-on-eof \
		--stats-json "$WORK/$name-stats.json" -- --file-prefix="$PREFIX-$name" \
		>"$WORK/$name.log" 2>&1 || fail "replay $name failed: $(tail -5 "$WORK/$name.log")"
	rm -rf /var/run/dpdk/"$PREFIX-$name"
	sys_check_invariant "$WORK/$name-stats.json"
}

# Every TSval -> TSecr pair, every handshake, every last ACK: the capture as it is.
n_conn=$ok
"${CHECK[@]}" check "$WORK/cap.pcap" "$WORK/replay-rtt.json" --min-ts $((2 * n_conn)) \
	--min-fin-ack "$n_conn" || fail "replay: records differ from tshark's fields"

# In a 3-tag stack (802.1ad 100, 802.1Q 200, 802.1Q 300).
"${CHECK[@]}" vlan3 "$WORK/cap.pcap" "$WORK/vlan3.pcap" >/dev/null || fail "vlan3 rewrite failed"
replay vlan3 "$WORK/vlan3.pcap"
"${CHECK[@]}" check "$WORK/vlan3.pcap" "$WORK/vlan3.json" --min-ts $((2 * n_conn)) \
	--min-fin-ack "$n_conn" --vlans 100,200,300 || fail "3-tag stack: records differ from tshark's fields"

# As IPv6 with an atomic fragment header before TCP.
"${CHECK[@]}" v6atomic "$WORK/cap.pcap" "$WORK/v6atomic.pcap" >/dev/null || fail "IPv6 rewrite failed"
tshark -r "$WORK/v6atomic.pcap" -Y "ipv6.fraghdr.offset == 0 && ipv6.fraghdr.more == 0 && tcp" \
	-T fields -e frame.number 2>/dev/null | wc -l >"$WORK/v6atomic.count"
log "tshark: $(cat "$WORK/v6atomic.count") TCP frames behind an atomic fragment header"
[ "$(cat "$WORK/v6atomic.count")" -gt 0 ] || fail "tshark sees no atomic fragment header"
replay v6atomic "$WORK/v6atomic.pcap"
"${CHECK[@]}" check "$WORK/v6atomic.pcap" "$WORK/v6atomic.json" --min-ts $((2 * n_conn)) \
	--min-fin-ack "$n_conn" || fail "IPv6 atomic fragments: records differ from tshark's fields"

# Merged with a SYN flood 20 times a 64-entry table.
"${CHECK[@]}" flood "$WORK/cap.pcap" "$WORK/flood.pcap" $((20 * REPLAY_FLOOD_TABLE)) ||
	fail "flood merge failed"
replay flood "$WORK/flood.pcap" "\"flows\": $REPLAY_FLOOD_TABLE, \"idle_timeout_s\": 1,"
"${CHECK[@]}" check "$WORK/flood.pcap" "$WORK/flood.json" --min-ts $((2 * n_conn)) \
	--min-fin-ack "$n_conn" || fail "SYN flood into $REPLAY_FLOOD_TABLE entries: records differ from tshark's fields"
"$PY" - "$WORK/flood-stats.json" "$REPLAY_FLOOD_TABLE" <<'PYEOF' || fail "replayed flood: no eviction, or flows refused"
import json, sys
t = json.load(open(sys.argv[1]))["tcp_rtt"]
print("replayed flood: flows %d, evicted_half_open %d, table_full %d" %
      (t["flows"], t["evicted_half_open"], t["table_full"]))
sys.exit(0 if t["evicted_half_open"] >= 10 * int(sys.argv[2]) and t["table_full"] == 0 else 1)
PYEOF
log "PASS"
