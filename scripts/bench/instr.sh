#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Instructions per forwarded packet, stampede against `dpdk-testpmd --forward-mode=io`, counted by
# valgrind's callgrind (perf's hardware counters do not work in these VMs). Unlike Mpps, an
# instruction count does not move with the load of a shared machine: this is the figure to compare
# code paths with; forward.sh gives the rates.
#
# Rows (the same ports as forward.sh and broker.sh):
#   null   net_null0 <-> net_null1, both directions
#   ring   net_null0 <-> net_ring0 (net_ring0's TX is its own RX: each packet is forwarded twice)
#   coll64 broker.sh's coll64: a collector (node.role collector) reads datagrams of 13 records of
#          64-byte frames (net_pcap infinite_rx of a pcap of 2000 such datagrams, sequence
#          numbers going down, as broker.sh writes it) and forwards the frames to net_null0.
#          Per frame out (packets = frames transmitted): instr/pkt the whole RX-to-TX path as
#          for the other rows, coll/pkt the collector's own part: broker_burst inclusive less
#          the bursts it hands on itself (stp_worker_from inclusive: the rules stage and TX of
#          every full burst of frames). stampede only: testpmd cannot collect.
#
# Each tool runs once per row under callgrind (--no-huge: valgrind cannot map hugepages), DUR
# seconds of forwarding, with its forwarding lcore's thread counted apart (--separate-threads).
#   testpmd:  every instruction of its forwarding thread / packets it transmitted.
#   stampede: the inclusive cost of rx_queue_poll and its variants rx_queue_poll_* (RX, stamp,
#             rules stage, TX; the packets of a one-lcore forward never leave it) / packets
#             transmitted. Left out: the run loop's
#             own per-iteration bookkeeping (about 30 instructions per iteration of 2 bursts,
#             ~0.5 instr/pkt) and the spin of the drain at stop, which valgrind makes long.
# The PMDs' own work (net_null's mbuf alloc and free, net_ring's rings) is the same for both and
# is shown as a column of its own; "own" is what is left: the tool's share.
#
# Usage: scripts/bench/instr.sh [-d SECONDS] [-r ROWS] [-t TOOLS] [-b BINARY] [-k]
#   -r ROWS   comma-separated subset of null,ring,coll64 (default null,ring)
#   -t TOOLS  comma-separated subset of stampede,testpmd (default both; testpmd's figure does
#             not move between builds of stampede)
#   -b BINARY another stampede build (e.g. main's, before a change), run as the tool "base" on
#             each row after stampede: before and after from the same script
# Environment: LCORES, the EAL's --lcores (default 0@0,1@1: the forwarding lcore on CPU 1;
# 0@0,1@0 keeps every thread on CPU 0, off a CPU someone else measures on: valgrind runs one
# thread at a time, so the counts are the same).
# About 40 s per tool and row (valgrind start-up dominates).
set -u

DUR=6
ROWS="null,ring"
TOOLS="stampede,testpmd"
KEEP=0
BASE=""
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STAMPEDE=${STAMPEDE:-$HERE/../../build/app/stampede/stampede}
TESTPMD=${TESTPMD:-dpdk-testpmd}
LCORES=${LCORES:-0@0,1@1}

while getopts "d:r:t:b:kh" opt; do
	case $opt in
	d) DUR=$OPTARG ;;
	r) ROWS=$OPTARG ;;
	t) TOOLS=$OPTARG ;;
	b) BASE=$OPTARG ;;
	k) KEEP=1 ;;
	h)
		sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) exit 2 ;;
	esac
done
for t in valgrind callgrind_annotate "$TESTPMD" python3; do
	command -v "$t" >/dev/null || { echo "instr.sh: missing $t" >&2; exit 1; }
done
[[ -x $STAMPEDE ]] || { echo "instr.sh: no stampede binary $STAMPEDE" >&2; exit 1; }
[[ -z $BASE || -x $BASE ]] || { echo "instr.sh: no stampede binary $BASE (-b)" >&2; exit 1; }

TAG=${BENCH_TAG:-instr}$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/stampede-instr.XXXXXX")
PIDS=()
PREFIXES=()
cleanup()
{
	local p

	for p in "${PIDS[@]}"; do stop_pid "$p"; done
	for p in "${PREFIXES[@]}"; do rm -rf "/var/run/dpdk/$p"; done
	if ((KEEP)); then echo "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck source=scripts/bench/lib.sh
. "$HERE/lib.sh"
cp "$STAMPEDE" "$WORK/stampede" || exit 1
if [[ -n $BASE ]]; then
	cp "$BASE" "$WORK/base" || exit 1
	TOOLS="$TOOLS,base"
fi

CG=(valgrind --tool=callgrind --separate-threads=yes)

# vg_stop PID: SIGINT, then up to 3 minutes for the dump (valgrind writes it at exit).
vg_stop()
{
	local i

	kill -INT "$1" 2>/dev/null
	for ((i = 0; i < 1800; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	stop_pid "$1"
}

# The forwarding lcore's thread: the one that ran the most instructions in net_null (the main
# thread may run more in all: --no-huge start-up zeroes memory). The sum is printed with %.0f:
# mawk prints a number above 2^31 as %.6g (3.1721e+09), which bash cannot compare.
busiest()
{
	local f best="" max=0 v

	for f in "$1".*-*; do
		v=$(callgrind_annotate --threshold=100 "$f" 2>/dev/null |
			awk '/librte_net_null/ { gsub(",", "", $1); s += $1 } END { printf "%.0f\n", s }')
		if ((${v:-0} > max)); then max=$v; best=$f; fi
	done
	echo "$best"
}

PY=$(cat <<'EOF'
import re, subprocess, sys

PMD = ("librte_net_null", "librte_net_ring", "librte_net_pcap", "librte_mempool", "librte_ring",
       "tls_get_addr")

def profile(path):
    out = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", path],
                         capture_output=True, text=True).stdout
    total = int(re.search(r"^totals:\s+(\d+)", open(path).read(), re.M).group(1))
    fns = []
    for l in out.splitlines():
        m = re.match(r"^\s*([\d,]+) \([^)]*\)\s+(\S.*)$", l)
        if m and "PROGRAM TOTALS" not in l:
            fns.append((int(m.group(1).replace(",", "")), m.group(2)))
    return total, fns

def inclusive(path, fn, src="lcore", variants=False):
    """The inclusive cost of fn, a function of the file src.c (not a copy inlined elsewhere);
    with variants, the sum of fn's and of its variants fn_* (none calls another)."""
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                         capture_output=True, text=True).stdout
    # callgrind_annotate may list a function twice, under two spellings of its file's path
    # (absolute and build-relative): each function is counted once, by its first (largest) line.
    seen = {}
    pat = r"/" + src + r"\.c:(" + fn + (r"(_\w+)?)$" if variants else r")$")
    for l in out.splitlines():
        m = re.match(r"^\s*([\d,]+) \([^)]*\)\s+(\S.*)$", l)
        f = m and re.search(pat, m.group(2).split(" ")[0])
        if f and f.group(1) not in seen:
            seen[f.group(1)] = int(m.group(1).replace(",", ""))
    return sum(seen.values()) if seen else None

def short(name):
    name = re.sub(r" \[.*\]$", "", name)
    return re.sub(r"^.*/", "", name)[:70]

tool, path, pkts, row = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
total, fns = profile(path)
coll = "-"
if tool != "testpmd":
    t = inclusive(path, "rx_queue_poll", variants=True)
    total = t if t is not None else total
    if row == "coll64":
        b = inclusive(path, "broker_burst", "stage")
        w = inclusive(path, "stp_worker_from") or 0
        coll = f"{(b - w) / pkts:.1f}" if b is not None else "?"
pmd = sum(c for c, n in fns if any(p in n for p in PMD))
print(f"{total / pkts:.1f}\t{pmd / pkts:.1f}\t{(total - pmd) / pkts:.1f}\t{pkts}\t{coll}")
for c, n in fns[:12]:
    print(f"#   {c / pkts:7.1f}  {short(n)}")
EOF
)

# run TOOL ROW DEV0 DEV1: one callgrind run; prints the summary line and the profile lines.
run()
{
	local tool=$1 row=$2 pfx=$TAG-$1-$2 out=$WORK/$1-$2 log=$WORK/$1-$2.log pid pkts f

	PREFIXES+=("$pfx")
	if [[ $tool != testpmd ]]; then
		if [[ $row == coll64 ]]; then
			cat >"$out.json" <<EOF
{
  "eal": { "hugepages": false, "memory_mb": 1024, "file_prefix": "$pfx" },
  "node": { "id": 9, "role": "collector" },
  "ports": [ { "name": "in", "device": "$3", "mtu": 9000 },
             { "name": "out", "device": "$4", "mtu": 9000 } ],
  "burst": 32, "mempool": { "size": 32767, "mbuf_size": 2176 },
  "rules": [ { "in": ["in"], "action": "forward", "out": "out" } ]
}
EOF
		else
			cat >"$out.json" <<EOF
{
  "eal": { "hugepages": false, "memory_mb": 1024, "file_prefix": "$pfx" },
  "ports": [ { "name": "a", "device": "$3" }, { "name": "b", "device": "$4" } ],
  "rules": [ { "in": ["a"], "action": "forward", "out": "b" },
             { "in": ["b"], "action": "forward", "out": "a" } ]
}
EOF
		fi
		"${CG[@]}" --callgrind-out-file="$out.%p" "$WORK/$tool" -c "$out.json" \
			--stats-period 1 --stats-json "$out.stats.json" -- --lcores="$LCORES" \
			>"$log" 2>&1 &
		pid=$!
		PIDS+=("$pid")
		wait_ready "$pid" "$log" '^rx [0-9]+ \(' 300 || { echo "stampede did not start: $(why "$log")" >&2; return 1; }
		sleep "$DUR"
		vg_stop "$pid"
		pkts=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["transmitted"])' "$out.stats.json")
	else
		"${CG[@]}" --callgrind-out-file="$out.%p" "$TESTPMD" --lcores="$LCORES" --no-huge -m 1024 \
			--no-pci --vdev "$3" --vdev "$4" --file-prefix="$pfx" -- --forward-mode=io \
			--auto-start --stats-period 1 --total-num-mbufs=32768 </dev/null >"$log" 2>&1 &
		pid=$!
		PIDS+=("$pid")
		wait_ready "$pid" "$log" 'Port statistics =' 300 || { echo "testpmd did not start: $(why "$log")" >&2; return 1; }
		sleep "$DUR"
		vg_stop "$pid"
		pkts=$(grep -A2 "Accumulated forward statistics" "$log" | sed -n 's/.*TX-packets: *\([0-9]*\).*/\1/p' | head -n 1)
	fi
	f=$(busiest "$out")
	[[ -n $f && -n $pkts && $pkts -gt 0 ]] || { echo "$tool $row: no profile or no packets" >&2; return 1; }
	python3 -c "$PY" "$tool" "$f" "$pkts" "$row"
}

echo "stampede instr/pkt under callgrind: $DUR s per tool and row; rows: $ROWS" >&2
printf '%-8s %-9s %10s %10s %10s %12s %10s\n' row tool instr/pkt pmd/pkt own/pkt packets coll/pkt
IFS=, read -r -a rowlist <<<"$ROWS"
for row in "${rowlist[@]}"; do
	case $row in
	null) devs=(net_null0 net_null1) ;;
	ring) devs=(net_null0 net_ring0) ;;
	coll64)
		SPHLIB=$HERE/../../test/functional python3 "$HERE/sph_pcap.py" "$WORK/coll64.pcap" 64 13 2000 ||
			{ echo "instr.sh: cannot write coll64's datagrams" >&2; continue; }
		devs=("net_pcap0,rx_pcap=$WORK/coll64.pcap,infinite_rx=1" "net_null0,no-rx=1")
		;;
	*) echo "instr.sh: unknown row $row (null,ring,coll64)" >&2; exit 2 ;;
	esac
	IFS=, read -r -a toollist <<<"$TOOLS"
	for tool in "${toollist[@]}"; do
		case $tool in
		stampede | base) ;;
		testpmd) [[ $row == coll64 ]] && continue ;; # it does not collect
		*) echo "instr.sh: unknown tool $tool (stampede,testpmd)" >&2; exit 2 ;;
		esac
		res=$(run "$tool" "$row" "${devs[@]}") || continue
		IFS=$'\t' read -r a b c d e <<<"$(head -n 1 <<<"$res")"
		printf '%-8s %-9s %10s %10s %10s %12s %10s\n' "$row" "$tool" "$a" "$b" "$c" "$d" "$e"
		tail -n +2 <<<"$res" >>"$WORK/profiles.txt.$row.$tool"
	done
done
echo
echo "instr/pkt: instructions of the forwarding path per packet transmitted (see the header);"
echo "pmd/pkt: of which in the PMDs, mempool, ring and TLS lookups (the same code for both tools)."
echo "coll64: per frame out; coll/pkt: the collector's own part (broker_burst less the bursts it"
echo "hands on). base: the build given with -b."
for f in "$WORK"/profiles.txt.*; do
	[[ -e $f ]] || continue
	echo "top functions (self instr/pkt), ${f##*/profiles.txt.}:"
	cat "$f"
done
