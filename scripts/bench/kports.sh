#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Kernel-backed ports benchmark: stampede on net_afpkt (its own AF_PACKET PMD, kernel stamps)
# against stampede on DPDK's net_af_packet and net_af_xdp, the same traffic, in the same run.
# Benchmarks are not tests: this prints numbers, it asserts nothing.
#
# Topology (namespaces named after this script's PID):  gen g0 <-veth-> d0 [stampede] d1 <-veth-> s0 sink
# Per PMD and run:
#   forward  generator dpdk-testpmd txonly (64-byte frames, net_af_packet on g0, CPU 0) for DUR s;
#            stampede forwards d0 -> d1 (its lcore on CPU 1); Mpps = median of its per-second
#            rx lines in steady state.
#   capture  the same generator; stampede writes everything from d0 to a pcapng file on /dev/shm.
#   lag      LAG_N frames at ~1 kpps (test/system/frames.py, one frame per 1 ms); tcpdump -i d0
#            --time-stamp-precision=nano runs beside stampede, which captures the same frames;
#            per frame, stampede's stamp - tcpdump's (the kernel's receive stamp): p50 and p99.
#            net_afpkt gives the kernel's stamp itself (0 expected); the others a TSC stamp at poll.
#            On net_af_xdp the XDP program takes the frames before the kernel's taps: tcpdump sees
#            none, so there is no reference ("n/a").
# The table shows the medians over RUNS runs. -j picks the jobs (default fwd,cap,lag); -s runs
# stampede's main and datapath lcores on one CPU (--lcores=0@1,1@1: the shared-CPU case that
# stampede warns about at start) instead of one CPU each (0@0,1@1). STP_BENCH_TAG prefixes the
# namespace and file-prefix names.
#
# Usage: scripts/bench/kports.sh [-n RUNS] [-d SECONDS] [-l LAG_FRAMES] [-p PMDS] [-j JOBS] [-s] [-k]
set -u

RUNS=1
DUR=5
LAG_N=2000
PMDS="afpkt,af_packet,af_xdp"
KEEP=0
JOBS="fwd,cap,lag"
LCORES="0@0,1@1"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STAMPEDE=${STAMPEDE:-$HERE/../../build/app/stampede/stampede}
TESTPMD=${TESTPMD:-dpdk-testpmd}
FRAMES=$HERE/../../test/system/frames.py

while getopts "n:d:l:p:j:skh" opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	d) DUR=$OPTARG ;;
	l) LAG_N=$OPTARG ;;
	p) PMDS=$OPTARG ;;
	j) JOBS=$OPTARG ;;
	s) LCORES="0@1,1@1" ;;
	k) KEEP=1 ;;
	h) sed -n '4,27p' "$0"; exit 0 ;;
	*) exit 2 ;;
	esac
done
[ "$(id -u)" -eq 0 ] || { echo "kports.sh: needs root (namespaces)" >&2; exit 1; }
[ -x "$STAMPEDE" ] || { echo "kports.sh: no stampede at $STAMPEDE" >&2; exit 1; }

TAG=${STP_BENCH_TAG:-}kp$$
WORK=$(mktemp -d /tmp/stampede-kports.XXXXXX)
PIDS=()
RESULTS=$WORK/results.tsv # record_stages (lib.sh): each stampede run's cycles/pkt per stage
: >"$RESULTS"
# shellcheck source=scripts/bench/lib.sh
. "$HERE/lib.sh"
cleanup()
{
	local p
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	for n in "${TAG}g" "${TAG}d" "${TAG}s"; do ip netns del "$n" 2>/dev/null; done
	rm -rf /var/run/dpdk/"$TAG"-* /dev/shm/"$TAG"-*
	if [ "$KEEP" -eq 1 ]; then echo "logs: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

G=${TAG}g D=${TAG}d S=${TAG}s
for n in "$G" "$D" "$S"; do
	ip netns add "$n"
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$n" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
done
ip link add g0 netns "$G" type veth peer name d0 netns "$D"
ip link add d1 netns "$D" type veth peer name s0 netns "$S"
for x in "$G g0" "$D d0" "$D d1" "$S s0"; do
	set -- $x
	ip -n "$1" link set "$2" up
done
MAC_S=$(ip netns exec "$S" cat /sys/class/net/s0/address)

devs() # PMD -> "dev0 dev1"
{
	case $1 in
	afpkt) echo "net_afpkt0,iface=d0 net_afpkt1,iface=d1" ;;
	af_packet) echo "net_af_packet0,iface=d0 net_af_packet1,iface=d1" ;;
	af_xdp) echo "net_af_xdp0,iface=d0,start_queue=0,queue_count=1 net_af_xdp1,iface=d1,start_queue=0,queue_count=1" ;;
	esac
}

# stampede JOB PMD RUN OUTPUT(yes|no): starts it in ns D, waits for its first stats line.
start_stampede()
{
	local job=$1 pmd=$2 run=$3 cap=$4 d0 d1 rules
	read -r d0 d1 <<<"$(devs "$pmd")"
	if [ "$cap" = yes ]; then
		rules='{ "in": ["a"], "action": "forward", "out": "cap" }'
	else
		rules='{ "in": ["a"], "action": "forward", "out": "b" }'
	fi
	cat >"$WORK/$job-$pmd-$run.json" <<EOF
{
  "eal": { "hugepages": false, "memory_mb": 1024, "file_prefix": "$TAG-$job-$pmd-$run" },
  "ports": [ { "name": "a", "device": "$d0", "rx_desc": 4096 }, { "name": "b", "device": "$d1" } ],
  "outputs": [ { "name": "cap", "type": "pcapng", "path": "/dev/shm/$TAG-$job-$pmd-$run.pcapng",
                 "snaplen": 128 } ],
  "mempool": { "size": 65535 },
  "rules": [ $rules ]
}
EOF
	ip netns exec "$D" "$STAMPEDE" -c "$WORK/$job-$pmd-$run.json" --stats-period 1 \
		--stats-json "$WORK/$job-$pmd-$run.stats.json" -- --lcores="$LCORES" \
		>"$WORK/$job-$pmd-$run.log" 2>&1 </dev/null &
	SPID=$!
	PIDS+=("$SPID")
	for _ in $(seq 200); do
		grep -q "^rx [0-9]" "$WORK/$job-$pmd-$run.log" 2>/dev/null && return 0
		kill -0 "$SPID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

stop_stampede()
{
	kill -INT "$SPID" 2>/dev/null
	wait "$SPID" 2>/dev/null
}

# Median Mpps of the stats lines after the first two (ramp-up) and before the last.
mpps_of()
{
	python3 - "$1" <<'EOF'
import re, statistics, sys
v = [float(m.group(1)) for m in (re.search(r"^rx \d+ \(([0-9.]+) Mpps\)", l) for l in open(sys.argv[1])) if m]
v = [x for x in v[2:-1] if x > 0] or [x for x in v if x > 0] or [0.0]
print(f"{statistics.median(v):.3f}")
EOF
}

rate_job() # JOB PMD RUN
{
	local job=$1 pmd=$2 run=$3 gpid
	if ! start_stampede "$job" "$pmd" "$run" "$([ "$job" = cap ] && echo yes || echo no)"; then
		echo "fail"
		return
	fi
	ip netns exec "$G" "$TESTPMD" --lcores=0@0,1@0 --no-huge -m 1024 --no-pci \
		--vdev "net_af_packet0,iface=g0" --file-prefix="$TAG-gen-$job-$pmd-$run" -- \
		--forward-mode=txonly --txpkts=64 --auto-start --stats-period 1 \
		--total-num-mbufs=32768 </dev/null >"$WORK/gen-$job-$pmd-$run.log" 2>&1 &
	gpid=$!
	PIDS+=("$gpid")
	sleep $((DUR + 3))
	kill -INT "$gpid" 2>/dev/null
	wait "$gpid" 2>/dev/null
	sleep 1
	stop_stampede
	rm -f /dev/shm/"$TAG-$job-$pmd-$run".pcapng
	record_stages "$pmd" "$job" "$WORK/$job-$pmd-$run.stats.json"
	mpps_of "$WORK/$job-$pmd-$run.log"
}

lag_job() # PMD RUN -> "p50 p99" in us
{
	local pmd=$1 run=$2 tpid
	if ! start_stampede lag "$pmd" "$run" yes; then
		echo "fail fail"
		return
	fi
	ip netns exec "$D" tcpdump -i d0 -nn -U --immediate-mode -B 16384 -s 128 \
		--time-stamp-precision=nano -w "$WORK/lag-$pmd-$run.pcap" >"$WORK/lag-tcpdump.log" 2>&1 &
	tpid=$!
	PIDS+=("$tpid")
	sleep 1
	ip netns exec "$G" python3 "$FRAMES" send g0 --dst-mac "$MAC_S" --src-ip 198.18.0.1 \
		--dst-ip 198.18.0.2 --dport 40001 --count "$LAG_N" --burst 1 --pause 0.001 >/dev/null
	sleep 1
	kill -INT "$tpid" 2>/dev/null
	wait "$tpid" 2>/dev/null
	stop_stampede
	python3 - "/dev/shm/$TAG-lag-$pmd-$run.pcapng" "$WORK/lag-$pmd-$run.pcap" <<'EOF'
import statistics, subprocess, sys

def stamps(path):
    out = subprocess.run(["tshark", "-r", path, "-Y", "udp.dstport == 40001", "-T", "fields",
                          "-E", "separator=,", "-e", "frame.time_epoch", "-e", "udp.payload"],
                         capture_output=True, text=True).stdout
    d = {}
    for line in out.splitlines():
        t, p = line.split(",")
        s, f = t.split(".")
        d[int(p.replace(":", "")[32:40], 16)] = int(s) * 10**9 + int((f + "0" * 9)[:9])
    return d

a, b = stamps(sys.argv[1]), stamps(sys.argv[2])
lag = sorted(a[k] - b[k] for k in set(a) & set(b))
if not lag:
    print("n/a n/a")
else:
    q = lambda p: lag[min(len(lag) - 1, int(p * len(lag)))] / 1000.0
    print(f"{q(0.50):.3f} {q(0.99):.3f}")
EOF
	rm -f /dev/shm/"$TAG-lag-$pmd-$run".pcapng
}

echo "kernel-backed ports: $RUNS run(s), $DUR s per rate run, $LAG_N frames for the lag;" \
	"jobs $JOBS; stampede --lcores=$LCORES; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
printf "%-10s %12s %12s %14s %14s\n" pmd "fwd Mpps" "cap Mpps" "lag p50 us" "lag p99 us"
IFS=, read -r -a pmdlist <<<"$PMDS"
for pmd in "${pmdlist[@]}"; do
	fwd=() cap=() p50=() p99=()
	for ((r = 1; r <= RUNS; r++)); do
		echo "  $pmd: run $r/$RUNS" >&2
		a=n/a b=n/a
		[[ ",$JOBS," == *,fwd,* ]] && fwd+=("$(rate_job fwd "$pmd" "$r")")
		[[ ",$JOBS," == *,cap,* ]] && cap+=("$(rate_job cap "$pmd" "$r")")
		[[ ",$JOBS," == *,lag,* ]] && read -r a b <<<"$(lag_job "$pmd" "$r")"
		p50+=("$a")
		p99+=("$b")
	done
	med() { [ $# -gt 0 ] || { echo -; return; }; printf '%s\n' "$@" | grep -v -e fail -e n/a | sort -g | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "n/a" }'; }
	printf "%-10s %12s %12s %14s %14s\n" "$pmd" "$(med "${fwd[@]}")" "$(med "${cap[@]}")" \
		"$(med "${p50[@]}")" "$(med "${p99[@]}")"
done
stage_report "$RESULTS"
