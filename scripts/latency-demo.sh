#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Latency demo (the fast_afpacket example, done with stampede): two stampede instances in two
# network namespaces joined by a veth pair, probing each other. Each one has a probe stream to
# the other (probes[]) and a receiver that reflects the other's probes (probe_rx.reflect), so
# each measures the round trip of its own probes and the one-way delay of the other's:
#
#   ns <tag>a: stampede "A" on a0 (net_af_packet) <-veth-> b0: stampede "B" in ns <tag>b
#
# With -v both print one line per probe (TX/RX timestamps and the delay); otherwise each prints
# its summary table at the end. One-way delays compare the two instances' clocks: on one host
# both follow CLOCK_REALTIME (lib/clock disciplines the TSC map), between hosts they need PTP.
#
# CPUs: each instance's datapath lcore busy-polls. With 2 or more CPUs, A's runs on CPU 1 and B's
# on CPU 0 (EAL --lcores=0@X,1@Y: lcore 0, the control thread, sleeps on the other one); -s puts
# both datapath lcores on CPU 0 to show what sharing does (they then take turns, in scheduler
# time slices, and the RTT grows to milliseconds).
#
# Usage: scripts/latency-demo.sh [-v] [-s] [-d SECONDS] [-r PPS] [-k DIR] [STAMPEDE]
#   -v  per-probe lines     -s  share one CPU     -d  seconds (default 5)     -r  pps (default 100)
#   -k DIR  keep the configs, logs and --stats-json files in DIR
# Needs root (namespaces). Exit 0 when both instances ran and measured every probe.
set -euo pipefail

VERBOSE=0
SHARE=0
DUR=5
PPS=100
KEEP=
while getopts "vsd:r:k:h" opt; do
	case $opt in
	v) VERBOSE=1 ;;
	s) SHARE=1 ;;
	d) DUR=$OPTARG ;;
	r) PPS=$OPTARG ;;
	k) KEEP=$OPTARG ;;
	h) sed -n '3,26p' "$0"; exit 0 ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STAMPEDE=${1:-$HERE/../build/app/stampede/stampede}
[[ -x $STAMPEDE ]] || { echo "latency-demo: no stampede binary at $STAMPEDE" >&2; exit 1; }
[[ $(id -u) == 0 ]] || { echo "latency-demo: needs root (network namespaces)" >&2; exit 1; }
PY=${PYTHON:-python3}

TAG=lat$$
NSA=${TAG}a
NSB=${TAG}b
WORK=${KEEP:-$(mktemp -d /tmp/stampede-latency-demo.XXXXXX)}
mkdir -p "$WORK"
A_PID=
B_PID=
cleanup() {
	for p in $A_PID $B_PID; do kill -TERM "$p" 2>/dev/null || true; done
	for p in $A_PID $B_PID; do wait "$p" 2>/dev/null || true; done
	ip netns del "$NSA" 2>/dev/null || true
	ip netns del "$NSB" 2>/dev/null || true
	rm -rf "/var/run/dpdk/$TAG-a" "/var/run/dpdk/$TAG-b"
	[[ -n $KEEP ]] || rm -rf "$WORK"
}
trap cleanup EXIT

ip netns add "$NSA"
ip netns add "$NSB"
for ns in "$NSA" "$NSB"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
ip link add a0 netns "$NSA" type veth peer name b0 netns "$NSB"
ip -n "$NSA" link set a0 up
ip -n "$NSB" link set b0 up
MAC_A=$(ip netns exec "$NSA" cat /sys/class/net/a0/address)
MAC_B=$(ip netns exec "$NSB" cat /sys/class/net/b0/address)

if [[ $(nproc) -ge 2 && $SHARE == 0 ]]; then
	LC_A="--lcores=0@0,1@1"
	LC_B="--lcores=0@1,1@0"
	CPUS="A's datapath on CPU 1, B's on CPU 0"
else
	LC_A="--lcores=0@1,1@0"
	LC_B="--lcores=0@1,1@0"
	CPUS="both datapaths on CPU 0 (shared)"
fi

config() { # NAME IFACE MYMAC PEERMAC MYIP PEERIP STREAM_ID
	cat <<JSON
{ "eal": { "hugepages": false },
  "ports": [ { "name": "p", "device": "net_af_packet0,iface=$2" } ],
  "probes": [ { "name": "$1", "port": "p", "stream_id": $7, "src_mac": "$3", "dst_mac": "$4",
                "src_ip": "$5", "dst_ip": "$6", "rate_pps": $PPS, "duration_s": $DUR,
                "start": false } ],
  "probe_rx": { "enabled": true, "reflect": true } }
JSON
}
config a-to-b a0 "$MAC_A" "$MAC_B" 198.18.0.1 198.18.0.2 1 >"$WORK/a.json"
config b-to-a b0 "$MAC_B" "$MAC_A" 198.18.0.2 198.18.0.1 2 >"$WORK/b.json"

V=()
((VERBOSE)) && V=(-v)
echo "latency-demo: $PPS probes/s each way for $DUR s; $CPUS; logs in $WORK"
# Both start with their streams stopped ("start": false); once both are up, each is started
# through its console socket, so no probe is sent before the other side listens.
ip netns exec "$NSB" "$STAMPEDE" -c "$WORK/b.json" "${V[@]}" --console-socket "$WORK/b.sock" \
	--stats-json "$WORK/b.stats.json" -- --file-prefix="$TAG-b" $LC_B \
	>"$WORK/b.log" 2>&1 </dev/null &
B_PID=$!
ip netns exec "$NSA" "$STAMPEDE" -c "$WORK/a.json" "${V[@]}" --console-socket "$WORK/a.sock" \
	--stats-json "$WORK/a.stats.json" -- --file-prefix="$TAG-a" $LC_A \
	>"$WORK/a.log" 2>&1 </dev/null &
A_PID=$!
for _ in $(seq 300); do
	[[ -S $WORK/a.sock && -S $WORK/b.sock ]] && break
	kill -0 "$A_PID" 2>/dev/null && kill -0 "$B_PID" 2>/dev/null ||
		{ echo "latency-demo: an instance exited at start:" >&2; tail -n 5 "$WORK"/?.log >&2; exit 1; }
	sleep 0.1
done
CLI=$HERE/stampede-cli
"$PY" "$CLI" "$WORK/a.sock" -c "probe start all" >/dev/null
"$PY" "$CLI" "$WORK/b.sock" -c "probe start all" >/dev/null
# The streams end after DUR s (duration_s); a second more for the last answers.
sleep $((DUR + 1))
"$PY" "$CLI" "$WORK/a.sock" -c quit >/dev/null 2>&1 || true
"$PY" "$CLI" "$WORK/b.sock" -c quit >/dev/null 2>&1 || true
rc=0
wait "$A_PID" || rc=1
A_PID=
wait "$B_PID" || rc=1
B_PID=
if ((VERBOSE)); then
	for x in a b; do
		echo "---- stampede ${x^^}: per-probe lines (first 5 of each kind) ----"
		grep -m 5 " rtt tx=" "$WORK/$x.log" || true
		grep -m 5 " one-way tx=" "$WORK/$x.log" || true
		echo "     ($(grep -c '^probe stream=' "$WORK/$x.log" || true) lines in $WORK/$x.log)"
	done
fi
"$PY" - "$WORK/a.stats.json" "$WORK/b.stats.json" <<'PYEOF' || rc=1
import json, sys
ok = True
for path, me in zip(sys.argv[1:], "AB"):
    d = json.load(open(path))
    print("---- stampede %s: latency summary (ns) ----" % me)
    print("%-8s %-8s %8s %5s %9s %9s %9s %9s %9s" % ("stream", "dir", "received", "lost",
          "min", "p50", "p99", "max", "jitter"))
    for e in d.get("latency", []):
        h = e["delay_ns"]
        print("%-8s %-8s %8d %5d %9d %9d %9d %9d %9d" % (e["name"], e["direction"], e["received"],
              e["lost"], h["min"], h["p50"], h["p99"], h["max"], e["jitter_ns"]))
        if e["lost"] != 0 or e["received"] == 0:
            ok = False
    if len(d.get("latency", [])) != 2:
        ok = False
print("one-way = the receiver's RX stamp - the sender's TX stamp: valid when the two clocks are")
print("synchronised; rtt = (T4 - T1) - (T3 - T2), the reflector's residence time removed.")
sys.exit(0 if ok else 1)
PYEOF
exit $rc
