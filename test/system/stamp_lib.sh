# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Shared code of the STAMP system tests (stamp.sh, stamp_auth.sh): sourced after lib.sh and
# sys_preflight. Builds
#
#   ns stp<PID>-a  a0 <-veth-> b0  ns stp<PID>-b
#
# (IPv6 off, no addresses: stampede owns both ends until a test gives one to the kernel), and
# gives start_reflector / stop_reflector (stampede with $WORK/${B_CFG:-b}.json in ${B_NS:-b}),
# run_sender (stampede with $WORK/${A_CFG:-a}.json in ${A_NS:-a} for ${A_DURATION:-6} s) and lat
# (a latency field
# of stream "st" from a --stats-json file). MAC_A, MAC_B: the veth ends' MACs. kernel_a /
# kernel_b give a0 (198.18.0.1) / b0 (198.18.0.2) to the kernel, for the python peer's socket.

PREFIX_B=$PREFIX-b
B_PID=
PEER_PID=

cleanup_b() {
	local rc=$?
	for p in "$B_PID" "$PEER_PID"; do
		if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
			kill -KILL "$p" 2>/dev/null
		fi
	done
	rm -rf /var/run/dpdk/"$PREFIX_B" 2>/dev/null
	(exit "$rc")
	sys_cleanup
}
trap cleanup_b EXIT

sys_topology_pair

# Two CPUs: each instance's datapath lcore on its own one (EAL lcore 1 mapped to a CPU), so the
# two busy-polling loops do not take turns on one CPU (see scripts/latency-demo.sh).
NCPU=$(nproc)
if [ "$NCPU" -ge 2 ]; then
	EAL_A=(--lcores=0@0,1@1)
	EAL_B=(--lcores=0@1,1@0)
else
	EAL_A=()
	EAL_B=()
fi

start_reflector() {
	ip netns exec "${B_NS:-$NS_B}" "$STAMPEDE" -c "$WORK/${B_CFG:-b}.json" --stats-period 1 --stats-json "$WORK/b$1.json" \
		-- --file-prefix="$PREFIX_B" "${EAL_B[@]}" >"$WORK/b$1.log" 2>&1 </dev/null &
	B_PID=$!
	for _ in $(seq 100); do
		grep -q "^rx [0-9]" "$WORK/b$1.log" 2>/dev/null && return 0
		kill -0 "$B_PID" 2>/dev/null || fail "reflector exited: $(tail "$WORK/b$1.log")"
		sleep 0.1
	done
}

stop_reflector() {
	kill -TERM "$B_PID"
	wait "$B_PID" || fail "reflector stampede exited with an error: $(tail "$WORK/b$1.log")"
	B_PID=
	sys_check_invariant "$WORK/b$1.json"
}

run_sender() {
	ip netns exec "${A_NS:-$NS_A}" "$STAMPEDE" -c "$WORK/${A_CFG:-a}.json" --duration "${A_DURATION:-6}" -v \
		--stats-json "$WORK/a$1.json" -- --file-prefix="$PREFIX" "${EAL_A[@]}" \
		>"$WORK/stampede.log" 2>&1 </dev/null || fail "sender stampede failed"
	cp "$WORK/stampede.log" "$WORK/a$1.log"
	sys_check_invariant "$WORK/a$1.json"
}

kernel_a() {
	nsx "$NS_A" ip addr add 198.18.0.1/24 dev a0
	# A veth with TX checksum offload hands the kernel's UDP datagrams on with a partial
	# checksum (completed by no NIC here), which a reflector that verifies checksums refuses:
	# complete them.
	nsx "$NS_A" ethtool -K a0 tx off >/dev/null 2>&1 || fail "ethtool -K a0 tx off failed"
	nsx "$NS_A" ip neigh replace 198.18.0.2 lladdr "$MAC_B" dev a0
}

kernel_b() {
	nsx "$NS_B" ip addr add 198.18.0.2/24 dev b0
	nsx "$NS_B" ip neigh replace 198.18.0.1 lladdr "$MAC_A" dev b0
}

# lat FILE DIRECTION KEY (dotted) -> value for stream "st"
lat() {
	"$PY" - "$@" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
for e in d.get("latency", []):
    if e["name"] == "st" and e["direction"] == sys.argv[2]:
        v = e
        for k in sys.argv[3].split("."):
            v = v[k]
        print(v)
PYEOF
}
