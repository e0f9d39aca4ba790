#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# The demo: install the dependencies, build, and run stampede as a bump in the wire between
# two network namespaces, with its embedded default config (config/default.json):
#
#   ns stp-a               ns stp-dut (stampede)                 ns stp-b
#   a0 198.18.0.1/24 <-veth-> stp-in ==stampede== stp-out <-veth-> b0 198.18.0.2/24
#
# ARP, ping, a ping flood and a UDP burst cross stampede; the demo shows what arrived on b0,
# stops stampede with SIGINT and shows its final counters. Everything stays inside the
# three namespaces, which are removed on exit. Exits 0 when the traffic passed.
#
# Usage: scripts/demo.sh     (as root)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)

UDP_FRAMES=${UDP_FRAMES:-20000}
FLOOD_PINGS=${FLOOD_PINGS:-20000}
NS_A=stp-a
NS_B=stp-b
NS_D=stp-dut
BIN=$ROOT/build/app/stampede/stampede
PY=${PYTHON:-python3}

if [ -t 1 ]; then
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	step() { printf '\n== %s\n' "$*"; }
fi
die() { echo "demo: FAILED: $*" >&2; exit 1; }

if [ "$(id -u)" -ne 0 ]; then
	echo "demo: needs root (network namespaces, raw sockets)" >&2
	exit 1
fi

step "installing dependencies"
scripts/setup-deps.sh

step "building"
if [ ! -f build/build.ninja ]; then
	meson setup build
fi
ninja -C build

WORK=$(mktemp -d /tmp/stampede-demo.XXXXXX)
STP_PID=
RECV_PID=

cleanup() {
	local rc=$?
	set +e
	if [ -n "$STP_PID" ] && kill -0 "$STP_PID" 2>/dev/null; then
		kill -TERM "$STP_PID"
		sleep 2
		kill -0 "$STP_PID" 2>/dev/null && kill -KILL "$STP_PID"
	fi
	[ -n "$RECV_PID" ] && kill -TERM "$RECV_PID" 2>/dev/null
	wait 2>/dev/null
	for ns in "$NS_A" "$NS_B" "$NS_D"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$WORK"
	# EAL's runtime directory for the default config's file prefix.
	rm -rf /var/run/dpdk/stampede-demo
	if [ "$rc" -eq 0 ]; then
		echo "demo: OK (namespaces removed)"
	else
		echo "demo: exit status $rc (namespaces removed)" >&2
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

step "creating namespaces $NS_A, $NS_B, $NS_D and veth pairs"
for ns in "$NS_A" "$NS_B" "$NS_D"; do
	# Left over by an earlier demo that was killed: these names belong to the demo.
	ip netns del "$ns" 2>/dev/null || true
	ip netns add "$ns"
	# No IPv6 here: no router solicitations or neighbour discovery noise in the counters.
	nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	nsx "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	nsx "$ns" ip link set lo up
done
ip link add a0 netns "$NS_A" type veth peer name stp-in netns "$NS_D"
ip link add b0 netns "$NS_B" type veth peer name stp-out netns "$NS_D"
nsx "$NS_A" ip addr add 198.18.0.1/24 dev a0
nsx "$NS_B" ip addr add 198.18.0.2/24 dev b0
nsx "$NS_A" ip link set a0 up
nsx "$NS_B" ip link set b0 up
nsx "$NS_D" ip link set stp-in up
nsx "$NS_D" ip link set stp-out up
sleep 0.5	# let the links' operational state settle before showing it
for ns in "$NS_A" "$NS_D" "$NS_B"; do
	nsx "$ns" ip -br addr show | grep -v '^lo ' | sed "s/^/  $ns: /"
done

step "starting stampede in $NS_D (embedded config/default.json, --stats-period 1)"
# ip netns exec execs stampede, so $! is stampede's PID. Its output is shown prefixed.
ip netns exec "$NS_D" "$BIN" --stats-period 1 --stats-json "$WORK/stats.json" \
	> >(tee "$WORK/stampede.log" | sed -u 's/^/    [stampede] /') 2>&1 </dev/null &
STP_PID=$!
echo "stampede pid $STP_PID"

step "waiting until ARP and ping cross stampede"
ok=
for i in $(seq 30); do
	kill -0 "$STP_PID" 2>/dev/null || die "stampede exited during start-up"
	if nsx "$NS_A" ping -c 1 -W 1 198.18.0.2 >/dev/null 2>&1; then
		ok=1
		break
	fi
done
[ -n "$ok" ] || die "198.18.0.2 did not answer within 30 s"
nsx "$NS_A" ping -c 5 -i 0.2 198.18.0.2 || die "ping through stampede failed"
nsx "$NS_A" ip neigh show dev a0

counters() {
	nsx "$NS_B" ip -s link show dev b0
}
rx_packets() {
	nsx "$NS_B" cat /sys/class/net/b0/statistics/rx_packets
}

step "b0 counters before the bursts"
counters
rx_before=$(rx_packets)

step "ping flood: $FLOOD_PINGS echo requests from $NS_A to $NS_B"
nsx "$NS_A" ping -f -q -c "$FLOOD_PINGS" 198.18.0.2 | tee "$WORK/flood.txt" || true
flood_rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$WORK/flood.txt")
[ -n "$flood_rx" ] || flood_rx=0

step "UDP burst: $UDP_FRAMES frames from a0 to b0, counted on b0"
MAC_B=$(nsx "$NS_B" cat /sys/class/net/b0/address)
nsx "$NS_B" "$PY" test/system/frames.py recv b0 --dport 9 --expect "$UDP_FRAMES" \
	--ready-file "$WORK/recv.ready" --result "$WORK/recv.json" --timeout 60 --linger 1 \
	>"$WORK/recv.log" 2>&1 &
RECV_PID=$!
for i in $(seq 100); do
	[ -f "$WORK/recv.ready" ] && break
	sleep 0.1
done
nsx "$NS_A" "$PY" test/system/frames.py send a0 --dst-mac "$MAC_B" --src-ip 198.18.0.1 \
	--dst-ip 198.18.0.2 --dport 9 --count "$UDP_FRAMES" --size 128
wait "$RECV_PID" || true
RECV_PID=
udp_rx=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' \
	"$WORK/recv.json" 2>/dev/null || echo 0)
echo "b0 received $udp_rx of $UDP_FRAMES UDP frames"

step "b0 counters after the bursts"
counters
rx_after=$(rx_packets)
echo "b0 rx_packets grew by $((rx_after - rx_before))"

step "stopping stampede (SIGINT to pid $STP_PID)"
kill -INT "$STP_PID"
for i in $(seq 200); do
	kill -0 "$STP_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$STP_PID" 2>/dev/null && die "stampede did not stop within 20 s of SIGINT"
rc=0
wait "$STP_PID" || rc=$?
STP_PID=
sleep 0.2	# let the output prefixer drain
echo "stampede exited with status $rc"

step "stampede's final counters (--stats-json)"
if [ -f "$WORK/stats.json" ]; then
	"$PY" -m json.tool "$WORK/stats.json"
else
	echo "(no stats file written)"
fi

step "result"
echo "ping flood: $flood_rx of $FLOOD_PINGS replies"
echo "UDP burst:  $udp_rx of $UDP_FRAMES frames arrived on b0"
fail=
[ "$rc" -eq 0 ] || { echo "stampede exited with status $rc"; fail=1; }
# A ping flood and a paced burst through an idle bump in the wire lose nothing; allow 1 %
# so that a demo on a busy laptop still passes, while a stampede that drops is caught.
[ $((flood_rx * 100)) -ge $((FLOOD_PINGS * 99)) ] || { echo "too many ping replies lost"; fail=1; }
[ $((udp_rx * 100)) -ge $((UDP_FRAMES * 99)) ] || { echo "too many UDP frames lost"; fail=1; }
if [ -f "$WORK/stats.json" ]; then
	"$PY" - "$WORK/stats.json" <<'PY' || fail=1
import json, sys
s = json.load(open(sys.argv[1]))
r, t, d = s["received"], s["transmitted"], s["dropped"]
ok = r == t + d
print(f"counters: received {r} = transmitted {t} + dropped {d}: {'yes' if ok else 'NO'}")
sys.exit(0 if ok else 1)
PY
else
	fail=1
fi
[ -z "$fail" ] || die "traffic did not pass through stampede as expected"
echo "traffic passed through stampede"
