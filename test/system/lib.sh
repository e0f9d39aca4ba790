# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Shared code of the system tests: sourced, not run. A test calls
#   sys_forward_test DRIVER   (DRIVER: af_packet | af_xdp | afpkt)
# which builds this topology, all of it in namespaces named after the test's PID:
#
#   ns stp<PID>-a            ns stp<PID>-d (stampede)            ns stp<PID>-b
#   a0 198.18.0.1/24 <-veth-> in0  ==stampede==  out0 <-veth-> b0 198.18.0.2/24
#
# starts stampede on in0/out0 with the given driver, a config written to a temp file and a
# unique --file-prefix, sends N marked UDP frames each way, counts them on the far side
# (test/system/frames.py, and tcpdump -w + capinfos as an independent check), stops
# stampede with SIGTERM by PID and checks its --stats-json output.
#
# Exit codes follow meson: 0 pass, 1 fail, 77 skip.

set -euo pipefail

SYS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=${PYTHON:-python3}
N=${STP_SYSTEST_FRAMES:-1000}	# frames sent in each direction
DPORT_AB=40001			# marker UDP ports: only these frames are counted
DPORT_BA=40002
DPORT_WARM=40009
# A stampede log line saying that an AF_XDP / BPF resource could not be had.
SYS_PORT_ERR_RE='(xdp|xsk|bpf|umem).*(fail|error|cannot|unable|not (supported|permitted))|(fail|error|cannot|unable).*(xdp|xsk|bpf|umem)'

TAG=${STP_SYSTEST_TAG:-}$$	# STP_SYSTEST_TAG: a prefix for the namespaces and EAL prefix (e.g. an issue)
NS_A=stp$TAG-a
NS_B=stp$TAG-b
NS_D=stp$TAG-d
PREFIX=stp-systest-$TAG
WORK=
STP_PID=
BG_PIDS=()	# background processes the test started (their own PIDs: start them with
		# `ip netns exec NS cmd &`, not with the nsx function, whose $! is a subshell's)
NS_EXTRA=()	# namespaces besides NS_A, NS_B, NS_D that the test created

log() { echo "[$(date +%T)] $*"; }
skip() { echo "SKIP: $*"; exit 77; }
fail() {
	echo "FAIL: $*" >&2
	if [ -n "$WORK" ] && [ -f "$WORK/stampede.log" ]; then
		echo "---- stampede output ----" >&2
		tail -n 60 "$WORK/stampede.log" >&2 || true
		echo "-------------------------" >&2
	fi
	exit 1
}

# Whether one of the PIDs given is still running.
_sys_any_alive() {
	local p
	for p in "$@"; do
		kill -0 "$p" 2>/dev/null && return 0
	done
	return 1
}

sys_cleanup() {
	local rc=$?
	set +e
	if [ -n "$STP_PID" ] && kill -0 "$STP_PID" 2>/dev/null; then
		kill -KILL "$STP_PID" 2>/dev/null
		wait "$STP_PID" 2>/dev/null
	fi
	local p i
	for p in "${BG_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
		# A process a fault-injection test stopped (SIGSTOP) only acts on SIGTERM once continued.
		kill -CONT "$p" 2>/dev/null
	done
	# Bounded: what has not exited 5 s after SIGTERM gets SIGKILL (a cleanup never hangs).
	for i in $(seq 50); do
		_sys_any_alive "${BG_PIDS[@]}" || break
		sleep 0.1
	done
	for p in "${BG_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	for ns in "$NS_A" "$NS_B" "$NS_D" "${NS_EXTRA[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -f /dev/hugepages/"$PREFIX"* 2>/dev/null
	rm -rf /var/run/dpdk/"$PREFIX" 2>/dev/null
	if [ -n "$WORK" ]; then
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${STP_KEEP_FAILED:-}" ]; then
			echo "kept $WORK" >&2
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}

sys_preflight() {
	STAMPEDE=${1:-}
	[ -n "$STAMPEDE" ] || fail "usage: $0 PATH_TO_STAMPEDE"
	[ -x "$STAMPEDE" ] || fail "$STAMPEDE: not an executable"
	STAMPEDE=$(cd "$(dirname "$STAMPEDE")" && pwd)/$(basename "$STAMPEDE")
	[ "$(id -u)" -eq 0 ] || skip "needs root for network namespaces"
	command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
	command -v "$PY" >/dev/null || skip "python3 is not installed"
	trap sys_cleanup EXIT
	trap 'exit 1' INT TERM
	WORK=$(mktemp -d /tmp/stampede-systest.XXXXXX)
	ip netns add "$NS_A" 2>/dev/null || skip "cannot create network namespaces here"
}

# Two namespaces and one veth pair, no DUT namespace: NS_A a0 <-veth-> b0 NS_B (no IPv6, no
# addresses); sets MAC_A and MAC_B.
sys_topology_pair() {
	local ns
	ip netns add "$NS_B"
	for ns in "$NS_A" "$NS_B"; do
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		nsx "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		nsx "$ns" ip link set lo up
	done
	ip link add a0 netns "$NS_A" type veth peer name b0 netns "$NS_B"
	nsx "$NS_A" ip link set a0 up
	nsx "$NS_B" ip link set b0 up
	MAC_A=$(nsx "$NS_A" cat /sys/class/net/a0/address)
	MAC_B=$(nsx "$NS_B" cat /sys/class/net/b0/address)
}

# Runs a command in a namespace.
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

sys_topology() {
	local ns
	ip netns add "$NS_B"
	ip netns add "$NS_D"
	# No IPv6 on the test links: no router solicitations or ND in the counts.
	for ns in "$NS_A" "$NS_B" "$NS_D"; do
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		nsx "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		nsx "$ns" ip link set lo up
	done
	ip link add a0 netns "$NS_A" type veth peer name in0 netns "$NS_D"
	ip link add b0 netns "$NS_B" type veth peer name out0 netns "$NS_D"
	nsx "$NS_A" ip addr add 198.18.0.1/24 dev a0
	nsx "$NS_B" ip addr add 198.18.0.2/24 dev b0
	nsx "$NS_A" ip link set a0 up
	nsx "$NS_B" ip link set b0 up
	nsx "$NS_D" ip link set in0 up
	nsx "$NS_D" ip link set out0 up
	MAC_A=$(nsx "$NS_A" cat /sys/class/net/a0/address)
	MAC_B=$(nsx "$NS_B" cat /sys/class/net/b0/address)
}

sys_write_config() {
	local dev_in=$1 dev_out=$2
	cat >"$WORK/config.json" <<JSON
{
  "node": { "id": 7, "description": "system test $TAG" },
  "eal": { "args": [], "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [
    { "name": "in",  "device": "$dev_in",  "timestamp": "auto" },
    { "name": "out", "device": "$dev_out", "timestamp": "auto" }
  ],
  "lcores": {
    "rx": [ { "lcore": 1, "queues": [ { "port": "in", "queue": 0 }, { "port": "out", "queue": 0 } ] } ],
    "worker": [ 1 ],
    "tx": [ 1 ]
  },
  "burst": 32,
  "rings": { "worker": 4096, "tx": 4096 },
  "mempool": { "size": 16383, "cache": 256, "mbuf_size": 2176 },
  "rules": [
    { "name": "in-to-out", "in": [ "in" ],  "action": "forward", "out": "out" },
    { "name": "out-to-in", "in": [ "out" ], "action": "forward", "out": "in" }
  ]
}
JSON
	sys_check_config
}

# stampede --check on $WORK/config.json: the test fails with its message.
sys_check_config() {
	"$STAMPEDE" --check -c "$WORK/config.json" >"$WORK/check.log" 2>&1 ||
		fail "stampede --check rejected the test config: $(cat "$WORK/check.log")"
}

# Starts stampede on $WORK/config.json in the background (stats each second, --stats-json, its
# own file prefix), prefixed by the command in STP_WRAP (none, or ip netns exec NS: both exec,
# so $! is stampede's own PID); ARGS go before the EAL arguments.
_sys_bg_stampede() {
	"${STP_WRAP[@]}" "$STAMPEDE" -c "$WORK/config.json" --stats-period 1 \
		--stats-json "$WORK/stats.json" "$@" -- --file-prefix="$PREFIX" \
		>"$WORK/stampede.log" 2>&1 </dev/null &
	STP_PID=$!
}

# stampede in the DUT namespace $NS_D.
sys_start_stampede() {
	log "starting stampede in $NS_D"
	STP_WRAP=(ip netns exec "$NS_D")
	_sys_bg_stampede
}

# sys_launch_stampede [ARGS...]: stampede in this namespace (vdev-only tests); returns once it
# prints its first stats line (up to 10 s), fails if it exits first.
sys_launch_stampede() {
	STP_WRAP=()
	_sys_launch_wait "$@"
}

# sys_launch_stampede_ns NS [ARGS...]: the same, stampede in namespace NS.
sys_launch_stampede_ns() {
	STP_WRAP=(ip netns exec "$1")
	shift
	_sys_launch_wait "$@"
}

_sys_launch_wait() {
	local i

	_sys_bg_stampede "$@"
	for i in $(seq 100); do
		grep -q "^rx [0-9]" "$WORK/stampede.log" 2>/dev/null && return 0
		kill -0 "$STP_PID" 2>/dev/null || fail "stampede exited at start"
		sleep 0.1
	done
}

# Starts a receiver counting frames to UDP port $3 on interface $2 of namespace $1.
sys_start_receiver() {
	local ns=$1 ifc=$2 dport=$3 name=$4
	# ip netns exec directly, not the nsx function: a function run with & is a subshell, and
	# $! would be its PID, not the receiver's.
	ip netns exec "$ns" "$PY" "$SYS_DIR/frames.py" recv "$ifc" --dport "$dport" --expect "$N" \
		--warm-dport "$DPORT_WARM" --warm-file "$WORK/$name.warm" \
		--ready-file "$WORK/$name.ready" --result "$WORK/$name.json" --timeout 90 \
		>"$WORK/$name.log" 2>&1 &
	BG_PIDS+=($!)
	eval "RECV_PID_$name=$!"
	local i
	for i in $(seq 100); do
		[ -f "$WORK/$name.ready" ] && return 0
		sleep 0.1
	done
	fail "receiver $name did not start: $(cat "$WORK/$name.log")"
}

# Returns 0 when stampede forwards in both directions (DIRS "both", the default) or from a0 to b0
# (DIRS "ab"), sending warm-up frames until it does. Returns 1 when stampede exited before that,
# 2 on time-out.
sys_wait_forwarding() {
	local dirs=${1:-both} i
	for i in $(seq 300); do
		if ! kill -0 "$STP_PID" 2>/dev/null; then
			return 1
		fi
		[ -f "$WORK/ab.warm" ] || nsx "$NS_A" "$PY" "$SYS_DIR/frames.py" send a0 \
			--dst-mac "$MAC_B" --src-ip 198.18.0.1 --dst-ip 198.18.0.2 \
			--dport "$DPORT_WARM" >/dev/null
		if [ "$dirs" = ab ]; then
			if [ -f "$WORK/ab.warm" ]; then
				log "stampede forwards after $i warm-up frame(s)"
				return 0
			fi
			sleep 0.1
			continue
		fi
		[ -f "$WORK/ba.warm" ] || nsx "$NS_B" "$PY" "$SYS_DIR/frames.py" send b0 \
			--dst-mac "$MAC_A" --src-ip 198.18.0.2 --dst-ip 198.18.0.1 \
			--dport "$DPORT_WARM" >/dev/null
		if [ -f "$WORK/ab.warm" ] && [ -f "$WORK/ba.warm" ]; then
			log "stampede forwards both ways after $i warm-up round(s)"
			return 0
		fi
		sleep 0.1
	done
	return 2
}

# sys_wait_forwarding DIRS, and the end of the test when stampede does not forward: a skip when it
# exited saying that DRIVER's ports could not be had here (with SYS_SKIP_IF_PORTS_FAIL set), a
# failure otherwise.
sys_require_forwarding() {
	local dirs=${1:-both} driver=${2:-its} rc=0
	sys_wait_forwarding "$dirs" || rc=$?
	if [ "$rc" -eq 1 ]; then
		wait "$STP_PID" && rc=0 || rc=$?
		STP_PID=
		if [ -n "${SYS_SKIP_IF_PORTS_FAIL:-}" ] &&
			grep -qiE "$SYS_PORT_ERR_RE" "$WORK/stampede.log"; then
			echo "---- stampede output ----"
			tail -n 20 "$WORK/stampede.log"
			echo "-------------------------"
			skip "stampede could not open $driver ports here (exit $rc):" \
				"$(grep -iE "$SYS_PORT_ERR_RE" "$WORK/stampede.log" | tail -n 1)"
		fi
		fail "stampede exited with status $rc before forwarding"
	elif [ "$rc" -eq 2 ]; then
		fail "no warm-up frame crossed stampede within 30 s (a->b: $([ -f "$WORK/ab.warm" ] && echo yes || echo no), b->a: $([ -f "$WORK/ba.warm" ] && echo yes || echo no))"
	fi
}

sys_start_tcpdump() {
	TCPDUMP_OK=
	command -v tcpdump >/dev/null && command -v capinfos >/dev/null || return 0
	# Capture everything and filter when counting: on frames that an AF_XDP socket sent
	# through a veth, the kernel-side filter of a live capture matched nothing here, while
	# the same filter on the saved file matches them all.
	ip netns exec "$NS_B" tcpdump -i b0 -nn -U --immediate-mode -B 16384 -s 128 -w "$WORK/b0.pcap" \
		>"$WORK/tcpdump.log" 2>&1 &
	TCPDUMP_PID=$!
	BG_PIDS+=("$TCPDUMP_PID")
	local i
	for i in $(seq 100); do
		if grep -q "listening on" "$WORK/tcpdump.log" 2>/dev/null; then
			TCPDUMP_OK=1
			return 0
		fi
		sleep 0.1
	done
	log "tcpdump did not start; skipping the tcpdump cross-check"
}

# sys_tcpdump_ns NS IFACE PCAP [ARGS...]: tcpdump on IFACE of namespace NS writing PCAP with
# nanosecond stamps (ARGS before the filter, e.g. -Q in ... udp), in the background
# (TCPDUMP_PID); returns once it listens, fails after 10 s. Stop it with sys_tcpdump_stop.
sys_tcpdump_ns() {
	local ns=$1 ifc=$2 pcap=$3 i
	shift 3
	ip netns exec "$ns" tcpdump -i "$ifc" -nn -U --immediate-mode -B 16384 \
		--time-stamp-precision=nano -w "$pcap" "$@" >"$pcap.log" 2>&1 &
	TCPDUMP_PID=$!
	BG_PIDS+=("$TCPDUMP_PID")
	for i in $(seq 100); do
		grep -q "listening on" "$pcap.log" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "tcpdump did not start: $(cat "$pcap.log")"
}

# Stops the capture sys_tcpdump_ns started (SIGINT: it writes what it has, then exits).
sys_tcpdump_stop() {
	kill -INT "$TCPDUMP_PID" 2>/dev/null || true
	wait "$TCPDUMP_PID" 2>/dev/null || true
}

sys_stop_tcpdump_count() {
	[ -n "$TCPDUMP_OK" ] || { echo -1; return 0; }
	# Give tcpdump time to read what is still in its ring before it is told to stop.
	sleep 1
	kill -INT "$TCPDUMP_PID" 2>/dev/null || true
	wait "$TCPDUMP_PID" 2>/dev/null || true
	if grep -q "[1-9][0-9]* packets dropped by kernel" "$WORK/tcpdump.log"; then
		log "tcpdump itself lost frames: $(grep 'dropped by kernel' "$WORK/tcpdump.log");" \
			"skipping the tcpdump cross-check" >&2
		echo -1
		return 0
	fi
	tcpdump -nn -r "$WORK/b0.pcap" -w "$WORK/b0-marked.pcap" "udp dst port $DPORT_AB" 2>/dev/null
	capinfos -M -c -T "$WORK/b0-marked.pcap" | awk -F'\t' 'NR == 2 { print $2 }'
}

json_get() {
	"$PY" -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    d = d[k]
print(d)' "$1" "$2"
}

# The whole test. $1: driver, af_packet or af_xdp. With SYS_SKIP_IF_PORTS_FAIL=1, a
# stampede that exits before forwarding because its ports could not be created is a skip.
sys_forward_test() {
	local driver=$1 dev_in dev_out rc
	case $driver in
	af_packet)
		dev_in="net_af_packet0,iface=in0"
		dev_out="net_af_packet1,iface=out0"
		;;
	af_xdp)
		dev_in="net_af_xdp0,iface=in0,start_queue=0,queue_count=1"
		dev_out="net_af_xdp1,iface=out0,start_queue=0,queue_count=1"
		;;
	afpkt)
		dev_in="net_afpkt0,iface=in0"
		dev_out="net_afpkt1,iface=out0"
		;;
	*) fail "unknown driver $driver" ;;
	esac

	sys_topology
	sys_write_config "$dev_in" "$dev_out"
	sys_start_receiver "$NS_B" b0 "$DPORT_AB" ab
	sys_start_receiver "$NS_A" a0 "$DPORT_BA" ba
	sys_start_stampede

	sys_require_forwarding both "$driver"

	sys_start_tcpdump
	log "sending $N frames a0 -> b0 and $N frames b0 -> a0"
	nsx "$NS_A" "$PY" "$SYS_DIR/frames.py" send a0 --dst-mac "$MAC_B" \
		--src-ip 198.18.0.1 --dst-ip 198.18.0.2 --dport "$DPORT_AB" --count "$N" &
	local s1=$!
	nsx "$NS_B" "$PY" "$SYS_DIR/frames.py" send b0 --dst-mac "$MAC_A" \
		--src-ip 198.18.0.2 --dst-ip 198.18.0.1 --dport "$DPORT_BA" --count "$N" &
	local s2=$!
	wait "$s1" || fail "sender a0 failed"
	wait "$s2" || fail "sender b0 failed"

	# The receivers stop by themselves once they have N frames (plus a short linger), or
	# at their time-out.
	wait "$RECV_PID_ab" || fail "receiver on b0 failed: $(cat "$WORK/ab.log")"
	wait "$RECV_PID_ba" || fail "receiver on a0 failed: $(cat "$WORK/ba.log")"
	local tcpdump_count
	tcpdump_count=$(sys_stop_tcpdump_count)

	log "stopping stampede (pid $STP_PID) with SIGTERM"
	kill -TERM "$STP_PID"
	local i
	for i in $(seq 200); do
		kill -0 "$STP_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$STP_PID" 2>/dev/null; then
		fail "stampede did not exit within 20 s of SIGTERM"
	fi
	wait "$STP_PID" && rc=0 || rc=$?
	STP_PID=
	[ "$rc" -eq 0 ] || fail "stampede exited with status $rc after SIGTERM"
	echo "---- stampede output (last lines) ----"
	tail -n 15 "$WORK/stampede.log"
	echo "--------------------------------------"

	local ab_total ab_distinct ba_total ba_distinct
	ab_total=$(json_get "$WORK/ab.json" total)
	ab_distinct=$(json_get "$WORK/ab.json" distinct)
	ba_total=$(json_get "$WORK/ba.json" total)
	ba_distinct=$(json_get "$WORK/ba.json" distinct)
	log "a0 -> b0: sent $N, received $ab_total ($ab_distinct distinct); tcpdump on b0 saw $tcpdump_count"
	log "b0 -> a0: sent $N, received $ba_total ($ba_distinct distinct)"

	[ -f "$WORK/stats.json" ] || fail "stampede wrote no --stats-json file"
	local received transmitted dropped
	received=$(json_get "$WORK/stats.json" received) || fail "stats.json: no 'received'"
	transmitted=$(json_get "$WORK/stats.json" transmitted) || fail "stats.json: no 'transmitted'"
	dropped=$(json_get "$WORK/stats.json" dropped) || fail "stats.json: no 'dropped'"
	log "stampede stats: received=$received transmitted=$transmitted dropped=$dropped"

	[ "$ab_total" -eq "$N" ] && [ "$ab_distinct" -eq "$N" ] ||
		fail "a0 -> b0: $ab_total frames ($ab_distinct distinct) arrived, expected $N"
	[ "$ba_total" -eq "$N" ] && [ "$ba_distinct" -eq "$N" ] ||
		fail "b0 -> a0: $ba_total frames ($ba_distinct distinct) arrived, expected $N"
	if [ "$tcpdump_count" != "-1" ]; then
		[ "$tcpdump_count" -eq "$N" ] ||
			fail "tcpdump on b0 counted $tcpdump_count frames, expected $N"
	fi
	[ "$received" -eq $((transmitted + dropped)) ] ||
		fail "stats invariant broken: received $received != transmitted $transmitted + dropped $dropped"
	[ "$transmitted" -ge $((2 * N)) ] ||
		fail "stampede transmitted $transmitted frames, expected at least $((2 * N))"
	log "PASS: $driver forwarded $N frames each way, none lost"
}

# Stops stampede with signal $1 (default TERM) by PID and waits up to $2 s (default 20) for it
# to exit; fails if it does not. Sets STP_RC to its exit status and STP_STOP_S to the seconds
# it took.
sys_stop_stampede() {
	local sig=${1:-TERM} limit=${2:-20} i t0
	log "stopping stampede (pid $STP_PID) with SIG$sig"
	t0=$(date +%s.%N)
	kill -"$sig" "$STP_PID"
	for i in $(seq $((limit * 10))); do
		kill -0 "$STP_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$STP_PID" 2>/dev/null; then
		echo "---- stack of the stuck stampede ----" >&2
		cat /proc/"$STP_PID"/task/*/stack 2>/dev/null | sort | uniq -c | sort -rn | head -20 >&2 || true
		fail "stampede did not exit within $limit s of SIG$sig"
	fi
	wait "$STP_PID" && STP_RC=0 || STP_RC=$?
	STP_STOP_S=$("$PY" -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" \
		"$t0" "$(date +%s.%N)")
	STP_PID=
	log "stampede exited with status $STP_RC after ${STP_STOP_S} s"
}

# Checks the exact invariant of the --stats-json file $1 (default $WORK/stats.json):
#   received + replicated + generated == transmitted + captured + consumed + dropped
# and that the named drop reasons add up to 'dropped'. Prints the totals and the non-zero drop
# reasons, and sets the shell variables received, replicated, generated, transmitted, captured,
# consumed, dropped.
# Read one drop reason afterwards with: json_get FILE drops.REASON
sys_check_invariant() {
	local js=${1:-$WORK/stats.json} line
	[ -f "$js" ] || fail "stampede wrote no --stats-json file"
	line=$("$PY" - "$js" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
k = ("received", "replicated", "generated", "transmitted", "captured", "consumed", "dropped")
drops = {r: n for r, n in d["drops"].items() if n}
print(" ".join(str(d[x]) for x in k), sum(d["drops"].values()),
      ",".join(f"{r}={n}" for r, n in drops.items()) or "none")
PYEOF
	) || fail "cannot read $js"
	local sum_drops reasons
	read -r received replicated generated transmitted captured consumed dropped sum_drops \
		reasons <<<"$line"
	log "stampede stats: received=$received replicated=$replicated generated=$generated" \
		"transmitted=$transmitted captured=$captured consumed=$consumed dropped=$dropped;" \
		"drops: $reasons"
	[ $((received + replicated + generated)) -eq \
		$((transmitted + captured + consumed + dropped)) ] ||
		fail "stats invariant broken: received $received + replicated $replicated +" \
			"generated $generated != transmitted $transmitted + captured $captured +" \
			"consumed $consumed + dropped $dropped"
	[ "$sum_drops" -eq "$dropped" ] ||
		fail "the drop reasons add up to $sum_drops, 'dropped' says $dropped"
}

# Queries stampede's DPDK telemetry socket (file prefix $PREFIX) with command $1 and prints the
# values of the keys $2... of the reply on one line, e.g.
#   sys_tel /stampede/totals received transmitted  ->  "1200 1180"
sys_tel() {
	"$PY" - "/var/run/dpdk/$PREFIX/dpdk_telemetry.v2" "$@" <<'PYEOF'
import json, socket, sys
path, cmd, keys = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(path)
s.recv(1024)
s.send(cmd.encode())
r = json.loads(s.recv(65536).decode())[cmd.split(",")[0]]
print(" ".join(str(r[k]) for k in keys))
PYEOF
}

# --- Several stampede nodes in one test (broker tests): NODE_PID[name] = PID; the config of
# node NAME (or NAME1, NAME2: restarts) is $WORK/NAME.json, its EAL prefix $PREFIX-NAME.
declare -A NODE_PID=()

# The EXIT trap of such a test: its nodes killed by PID (and their runtime dirs removed), then
# sys_cleanup (namespaces in NS_EXTRA included).
sys_nodes_cleanup() {
	local rc=$? n
	set +e
	for n in "${!NODE_PID[@]}"; do
		kill -KILL "${NODE_PID[$n]}" 2>/dev/null
		wait "${NODE_PID[$n]}" 2>/dev/null
		rm -rf /var/run/dpdk/"$PREFIX-$n" 2>/dev/null
	done
	(exit "$rc")
	sys_cleanup
}

# An edge and a collector through a bridge (broker tests); sets NS_S NS_E NS_M NS_C, MAC_CIN:
#   ns S: s0 <-veth-> e_in (ns E) ... e_out <-veth-> m_e =br0 (ns M)= m_c <-veth-> c_in (ns C)
# With "forger": also m_a0 <-veth-> m_a1 in M, m_a1 on br0 without MAC learning (what is sent
# on m_a0 enters the link with any source MAC, and moves no real node's bridge entry).
sys_broker_topology() {
	local ns l links="s0:$NS_A e_in:$NS_D e_out:$NS_D m_e:stp$TAG-m m_c:stp$TAG-m br0:stp$TAG-m c_in:$NS_B"
	NS_S=$NS_A NS_E=$NS_D NS_C=$NS_B NS_M=stp$TAG-m
	NS_EXTRA+=("$NS_M")
	for ns in "$NS_E" "$NS_M" "$NS_C"; do ip netns add "$ns"; done
	for ns in "$NS_S" "$NS_E" "$NS_M" "$NS_C"; do
		nsx "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		nsx "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		nsx "$ns" ip link set lo up
	done
	ip link add s0 netns "$NS_S" type veth peer name e_in netns "$NS_E"
	ip link add e_out netns "$NS_E" type veth peer name m_e netns "$NS_M"
	ip link add m_c netns "$NS_M" type veth peer name c_in netns "$NS_C"
	nsx "$NS_M" ip link add br0 type bridge
	nsx "$NS_M" ip link set m_e master br0
	nsx "$NS_M" ip link set m_c master br0
	if [ "${1:-}" = forger ]; then
		ip link add m_a0 netns "$NS_M" type veth peer name m_a1 netns "$NS_M"
		nsx "$NS_M" ip link set m_a1 master br0
		nsx "$NS_M" ip link set m_a1 type bridge_slave learning off
		links="$links m_a0:$NS_M m_a1:$NS_M"
	fi
	for l in $links; do
		nsx "${l#*:}" ip link set "${l%%:*}" up
	done
	MAC_CIN=$(nsx "$NS_C" cat /sys/class/net/c_in/address)
}

# start_node NAME NS [ARGS...]: stampede in NS (log NAME.log, stats stats-NAME.json), returns
# once it prints its first stats line.
start_node() {
	local n=$1 ns=$2 i
	shift 2
	ip netns exec "$ns" "$STAMPEDE" -c "$WORK/${n%[0-9]}.json" --stats-period 1 \
		--stats-json "$WORK/stats-$n.json" "$@" -- --file-prefix="$PREFIX-${n%[0-9]}" \
		>"$WORK/$n.log" 2>&1 </dev/null &
	NODE_PID[$n]=$!
	for i in $(seq 150); do
		if grep -q "^rx [0-9]" "$WORK/$n.log" 2>/dev/null; then
			log "stampede $n runs (pid ${NODE_PID[$n]})"
			return 0
		fi
		kill -0 "${NODE_PID[$n]}" 2>/dev/null || fail "stampede $n exited at start: $(tail "$WORK/$n.log")"
		sleep 0.1
	done
	fail "stampede $n did not start in 15 s"
}

# stop_node NAME: SIGTERM by PID, exit 0 within 20 s, invariant exact.
stop_node() {
	local n=$1 i rc
	kill -TERM "${NODE_PID[$n]}"
	for i in $(seq 200); do
		kill -0 "${NODE_PID[$n]}" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "${NODE_PID[$n]}" 2>/dev/null && fail "stampede $n did not exit within 20 s"
	wait "${NODE_PID[$n]}" && rc=0 || rc=$?
	unset "NODE_PID[$n]"
	[ "$rc" -eq 0 ] || fail "stampede $n exited with status $rc: $(tail "$WORK/$n.log")"
	log "stampede $n:"
	sys_check_invariant "$WORK/stats-$n.json"
}

# tel NODE KEY...: values from /stampede/nodes of node e or c ("a.b": key b of container a;
# -1 when absent).
tel() {
	"$PY" - "/var/run/dpdk/$PREFIX-$1/dpdk_telemetry.v2" "${@:2}" <<'PYEOF'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
s.connect(sys.argv[1])
s.recv(1024)
s.send(b"/stampede/nodes")
r = json.loads(s.recv(1 << 20).decode())["/stampede/nodes"]
out = []
for k in sys.argv[2:]:
    v = r if isinstance(r, dict) else {}
    for p in k.split("."):
        v = v.get(p, {}) if isinstance(v, dict) else {}
    out.append(str(v if isinstance(v, int) else -1))
print(" ".join(out))
PYEOF
}

# wait_until WHAT SECONDS CMD...: polls CMD every 0.25 s until it succeeds.
wait_until() {
	local what=$1 lim=$2 i
	shift 2
	for i in $(seq $((lim * 4))); do
		"$@" && return 0
		sleep 0.25
	done
	fail "$what: not within $lim s"
}
