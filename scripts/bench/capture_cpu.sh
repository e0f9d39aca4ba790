#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# CPU-bound capture rows (run by `scripts/bench/capture.sh -m cpu`, or alone): no kernel, no
# generator: net_null0 hands the datapath 64-byte frames as fast as it polls, so what is measured
# is how fast a pcapng writer thread writes them to files on tmpfs.
#   stampede W  net_null0 -> W pcapng outputs (a replicate group when W > 1: each writer thread
#               writes every frame to its own files), for each W of -w (default 1,2). Datapath
#               lcore on CPU 1; the writer threads are control threads, on CPU 0.
#   stampede tN net_null0 -> one pcapng output with "writers": N (N writer threads sharing its
#               ring, frames spread over them, a file set each), for each N of -t (default 2).
#   dumpcap     dpdk-dumpcap -i net_null0 -w FILE, secondary of a dpdk-testpmd rxonly primary on
#               net_null0 (primary lcore on CPU 1, dumpcap on CPU 0; needs hugepages).
# Figures per writer: frames written, and frames written per second of the writer's own CPU time
# (utime + stime of its thread(s) from /proc, kernel write() included): on a machine shared with
# other jobs a thread's CPU time is what it got, so this rate does not depend on how much CPU
# the others left it. "wall" is frames written per second of wall-clock time (steady state,
# the per-second stats lines), which does. Medians of N runs, tools interleaved. Files rotate at
# 256 MiB (-R; the huge=always rows: below), 2 kept per output (tmpfs space), and are deleted
# at the end.
# Also printed: the datapath's cycles/pkt per worker stage (--stats-json lcores[].stages), and
# where a writer's CPU time goes per frame: user (encode, ring, free) and kernel (write()).
# STAMPEDE_OTHER=PATH adds rows "o1", "o2"... for another stampede build (e.g. the one before a
# change), run interleaved with these in the same runs.
#
# As root, the stampede rows run a second time on a private tmpfs mounted with huge=always
# (-T 0 to skip): Linux then allocates the file's page cache 2 MiB at a time, and the kernel's
# share of a write() drops from ~60 to ~10-17 ns per 124-byte record -- when those 2 MiB pages
# are backed. Before each such run the script asks the kernel to compact memory
# (/proc/sys/vm/compact_memory) and, during it, counts the huge folios tmpfs allocated and the
# times it fell back to 4 KiB pages (/proc/vmstat thp_file_alloc, thp_file_fallback) and samples
# ShmemHugePages (/proc/meminfo); the table prints them beside the row, with the
# transparent_hugepage settings. In a VM whose balloon reports free pages to the host
# (free page reporting, page_reporting_order 9, also printed), a free 2 MiB block is handed
# back to the host about 2 s after it was freed, and the first write into it faults on the
# host: such runs cost 117-290 ns of kernel time per record (measured here, with no fallback to
# 4 KiB pages and free 2 MiB blocks to spare), not because memory is fragmented but because
# the files' memory is new to the host. Files that rotate within ~2 s reuse the blocks the
# deleted ones freed before they are reported: so these rows' files rotate at 8 MiB (-H BYTES;
# 2 kept), which measures the page cache's steady state, as on a host without reporting
# (-H 268435456 shows the first-touch cost on such a VM). Measured at load average 9, medians
# of 3: 21.7 ns kernel per record with 8 MiB files, 33.9 with 32 MiB, 117.4 with 256 MiB.
# Usage: scripts/bench/capture_cpu.sh [-n RUNS] [-d SECONDS] [-w WRITERS] [-t THREADS] [-o DIR]
#        [-T 0|1] [-R ROTATE_BYTES] [-H HUGE_ROW_ROTATE_BYTES] [-k]
set -u

RUNS=3
DUR=4
WRITERS="1,2"
THREADS="2"
OUTDIR=/dev/shm
HUGE_TMPFS=1
ROTATE=268435456
HUGE_ROTATE=8388608
KEEP=0
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STAMPEDE=${STAMPEDE:-$HERE/../../build/app/stampede/stampede}
TESTPMD=${TESTPMD:-dpdk-testpmd}
DUMPCAP=${DUMPCAP:-dpdk-dumpcap}
DUMPCAP_PRELOAD=${DUMPCAP_PRELOAD:-librte_mempool_dpaa.so.23}

while getopts "n:d:w:t:o:T:R:H:kh" opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	d) DUR=$OPTARG ;;
	w) WRITERS=$OPTARG ;;
	t) THREADS=$OPTARG ;;
	o) OUTDIR=$OPTARG ;;
	T) HUGE_TMPFS=$OPTARG ;;
	R) ROTATE=$OPTARG ;;
	H) HUGE_ROTATE=$OPTARG ;;
	k) KEEP=1 ;;
	h)
		sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) exit 2 ;;
	esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $DUR =~ ^[1-9][0-9]*$ && $WRITERS =~ ^[1-9][0-9,]*$ &&
	$THREADS =~ ^[0-9,]*$ && $ROTATE =~ ^[1-9][0-9]{6,}$ && $HUGE_ROTATE =~ ^[1-9][0-9]{6,}$ ]] || {
	echo "capture_cpu.sh: -n, -d, -R, -H take positive integers (-R, -H >= 1000000)," \
		"-w and -t lists of them" >&2
	exit 2
}
[[ -x $STAMPEDE ]] || { echo "capture_cpu.sh: no stampede binary $STAMPEDE" >&2; exit 1; }

TAG=capc$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/stampede-capcpu.XXXXXX")
CAPDIR=$(mktemp -d "$OUTDIR/stampede-capcpu.XXXXXX") || exit 1
RESULTS=$WORK/results.tsv
: >"$RESULTS"
PIDS=()
PREFIXES=()
cleanup()
{
	local p

	for p in "${PIDS[@]}"; do stop_pid "$p"; done
	for p in "${PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p"
		rm -f /dev/hugepages/"$p"map_* 2>/dev/null
	done
	rm -rf "$CAPDIR"
	if [[ -n ${HUGEDIR:-} ]]; then
		umount "$HUGEDIR" 2>/dev/null
		rmdir "$HUGEDIR"
	fi
	if ((KEEP)); then echo "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck source=scripts/bench/lib.sh
. "$HERE/lib.sh"
cp "$STAMPEDE" "$WORK/stampede" || exit 1
if [[ -n ${STAMPEDE_OTHER:-} ]]; then
	cp "$STAMPEDE_OTHER" "$WORK/stampede-other" || exit 1
fi
HUGEDIR=""
if [[ $HUGE_TMPFS == 1 && $(id -u) == 0 ]]; then
	HUGEDIR=$(mktemp -d "${TMPDIR:-/tmp}/stampede-hugetmpfs.XXXXXX")
	if ! mount -t tmpfs -o size=4g,huge=always,mode=0700 "stp-capcpu-$$" "$HUGEDIR"; then
		rmdir "$HUGEDIR"
		HUGEDIR=""
	fi
fi

record() # row key value
{
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"
}

# huge_counts: "thp_file_alloc thp_file_fallback ShmemHugePages-in-kB" of the whole machine.
huge_counts()
{
	awk '$1 == "thp_file_alloc" { a = $2 } $1 == "thp_file_fallback" { f = $2 }
		END { printf "%d %d ", a, f }' /proc/vmstat
	awk '$1 == "ShmemHugePages:" { print $2 + 0 }' /proc/meminfo
}

# huge_sleep ROW SECONDS: sleep, and record the huge folios tmpfs allocated meanwhile, its
# fallbacks to 4 KiB pages and the highest ShmemHugePages seen (sampled 5 times a second; the
# files of the row hold up to 2 x -R bytes of it).
huge_sleep()
{
	local a0 f0 s0 a1 f1 s1 peak i

	read -r a0 f0 s0 < <(huge_counts)
	peak=$s0
	for ((i = 0; i < $2 * 5; i++)); do
		sleep 0.2
		read -r a1 f1 s1 < <(huge_counts)
		((s1 > peak)) && peak=$s1
	done
	record "$1" thp_alloc $((a1 - a0))
	record "$1" thp_fallback $((f1 - f0))
	record "$1" shmem_huge_mib $((peak / 1024))
}

# thread_cpu PID NAME_REGEX: "tid seconds user-seconds kernel-seconds" of each thread of PID
# whose name matches.
thread_cpu()
{
	local t name hz

	hz=$(getconf CLK_TCK)
	for t in /proc/"$1"/task/*; do
		name=$(cat "$t/comm" 2>/dev/null) || continue
		[[ $name =~ $2 ]] || continue
		# Fields 14 and 15 (utime, stime) after the ")" that ends the name.
		awk -v hz="$hz" -v tid="${t##*/}" '{ sub(/.*\) /, ""); print tid, ($12 + $13) / hz, $12 / hz, $13 / hz }' "$t/stat"
	done
}

run_stampede() # W RUN DIR ROW [BINARY]
{
	local w=$1 run=$2 dir=$3 row=$4 pfx=$TAG-$4-$2 cfg=$WORK/$4-$2.json log=$WORK/$4-$2.log
	local exe=${5:-$WORK/stampede}
	local js=$WORK/$4-$2.stats.json pid o outs="" members="" out rot=$ROTATE

	PREFIXES+=("$pfx")
	[[ $row == h* ]] && rot=$HUGE_ROTATE
	for ((o = 0; o < w; o++)); do
		outs+="${outs:+,}{ \"name\": \"cap$o\", \"type\": \"pcapng\", \"path\": \"$dir/$row-$run-o$o-{index}.pcapng\", \"rotate_bytes\": $rot, \"max_files\": 2 }"
		members+="${members:+,}\"cap$o\""
	done
	if [[ $row == t* ]]; then
		# One output, w writer threads (outputs[].writers), a file set each.
		outs="{ \"name\": \"cap0\", \"type\": \"pcapng\", \"path\": \"$dir/$row-$run-w{writer}-{index}.pcapng\", \"rotate_bytes\": $rot, \"max_files\": 2, \"writers\": $w }"
	fi
	if ((w == 1)) || [[ $row == t* ]]; then
		out='"out": "cap0"'
		groups=""
	else
		out='"out": "all"'
		groups="\"groups\": [ { \"name\": \"all\", \"mode\": \"replicate\", \"members\": [ $members ] } ],"
	fi
	# A huge=always row: 2 MiB blocks free for it, as far as the kernel can make them.
	[[ $row == h* && -w /proc/sys/vm/compact_memory ]] && echo 1 >/proc/sys/vm/compact_memory
	cat >"$cfg" <<EOF
{
  "eal": { "hugepages": false, "memory_mb": 1024, "file_prefix": "$pfx" },
  "ports": [ { "name": "n0", "device": "net_null0" } ],
  "outputs": [ $outs ],
  $groups
  "rules": [ { "name": "all", "action": "forward", $out } ]
}
EOF
	"$exe" -c "$cfg" --stats-period 1 --duration $((DUR + 120)) --stats-json "$js" \
		-- --lcores=0@0,1@1 >"$log" 2>&1 </dev/null &
	pid=$!
	PIDS+=("$pid")
	if ! wait_ready "$pid" "$log" '^rx [0-9]+ \(' 60; then
		record "$row" fail "run $run: $(why "$log")"
		stop_pid "$pid"
		return
	fi
	if [[ $row == h* ]]; then huge_sleep "$row" "$DUR"; else sleep "$DUR"; fi
	thread_cpu "$pid" '^pcapng-' >"$WORK/$row-$run.cpu"
	stop_pid "$pid"
	rm -f "$dir/$row-$run-"*
	python3 - "$js" "$WORK/$row-$run.cpu" "$log" "$row" >>"$RESULTS" <<'EOF'
import json, re, statistics, sys
js, cpu, log, row = sys.argv[1:]
d = json.load(open(js))
secs = sorted(float(l.split()[1]) for l in open(cpu) if l.strip())
usr = sorted(float(l.split()[2]) for l in open(cpu) if l.strip())
ker = sorted(float(l.split()[3]) for l in open(cpu) if l.strip())
outs = d.get("outputs", [])
# Threads and outputs are paired by rank (each writer did the same work): per-writer figures
# use the median of both.
wr = [o["written"] for o in outs]
if len(outs) == 1 and len(outs[0].get("writers", [])) > 1:
    wr = [x["written"] for x in outs[0]["writers"]]  # one output, several writer threads
print(f"{row}\twritten\t{statistics.median(wr) if wr else 'nan'}")
print(f"{row}\tcpu\t{statistics.median(secs) if secs else 'nan'}")
if wr and secs and statistics.median(secs) > 0:
    print(f"{row}\tmpps_cpu\t{statistics.median(wr) / statistics.median(secs) / 1e6:.4f}")
    print(f"{row}\tns_user\t{statistics.median(usr) / statistics.median(wr) * 1e9:.1f}")
    print(f"{row}\tns_kernel\t{statistics.median(ker) / statistics.median(wr) * 1e9:.1f}")
acc = sum(o.get("accepted", 0) + o.get("refused", 0) for o in outs)
print(f"{row}\trefused\t{100.0 * sum(o.get('refused', 0) for o in outs) / acc if acc else 'nan'}")
# Wall rate: per-second received rate x the share of frames the writers took.
r = re.compile(r"^rx (\d+) \(([\d.]+) Mpps\)")
s = [float(m.group(2)) for m in map(r.match, open(log, errors="replace")) if m][1:]
rx = d.get("received", 0)
if s and rx:
    print(f"{row}\tmpps_wall\t{statistics.median(s) * (wr[0] if wr else 0) / rx:.4f}")
for lc in d.get("lcores", []):
    for st in lc.get("stages", []):
        if st.get("packets"):
            print(f"{row}\tstage:{st['name']}\t{st['cycles'] / st['packets']:.1f}")
EOF
}

DUMPCAP_SKIP=""
run_dumpcap() # RUN
{
	local run=$1 pfx=$TAG-d-$1 plog=$WORK/d-$1.primary.log log=$WORK/d-$1.log file=$CAPDIR/d-$1.pcapng
	local ppid dpid line rcv t0 t1 cpu n

	if [[ -n $DUMPCAP_SKIP ]]; then
		record dumpcap skip "$DUMPCAP_SKIP"
		return
	fi
	if ! command -v "$DUMPCAP" >/dev/null; then
		DUMPCAP_SKIP="$DUMPCAP not installed"
	elif [[ $(awk '/HugePages_Free/ { print $2 }' /proc/meminfo) -lt 160 ]]; then
		DUMPCAP_SKIP="needs 160 free 2 MiB hugepages (scripts/hugepages.sh; a secondary cannot attach to a --no-huge primary)"
	fi
	if [[ -n $DUMPCAP_SKIP ]]; then
		record dumpcap skip "$DUMPCAP_SKIP"
		return
	fi
	PREFIXES+=("$pfx")
	"$TESTPMD" --lcores=0@0,1@1 -m 256 --no-pci --vdev net_null0 --file-prefix="$pfx" -- \
		--forward-mode=rxonly --auto-start --stats-period 1 --total-num-mbufs=32768 \
		</dev/null >"$plog" 2>&1 &
	ppid=$!
	PIDS+=("$ppid")
	if ! wait_ready "$ppid" "$plog" 'Port statistics =' 30; then
		DUMPCAP_SKIP="testpmd primary did not start: $(why "$plog")"
		record dumpcap skip "$DUMPCAP_SKIP"
		stop_pid "$ppid"
		return
	fi
	env LD_PRELOAD="$DUMPCAP_PRELOAD" taskset -c 0 "$DUMPCAP" --file-prefix="$pfx" \
		-i net_null0 -w "$file" -q >"$log" 2>&1 </dev/null &
	dpid=$!
	PIDS+=("$dpid")
	sleep 2
	if ! kill -0 "$dpid" 2>/dev/null; then
		DUMPCAP_SKIP="dpdk-dumpcap did not attach: $(why "$log")"
		record dumpcap skip "$DUMPCAP_SKIP"
		stop_pid "$ppid"
		return
	fi
	t0=$(date +%s.%N)
	sleep "$DUR"
	cpu=$(thread_cpu "$dpid" '.' | awk '{ s += $2 } END { print s + 0 }')
	t1=$(date +%s.%N)
	stop_pid "$dpid"
	stop_pid "$ppid"
	n=$(capinfos -M -c "$file" 2>/dev/null | awk -F': *' '/^Number of packets/ { print $2 }')
	line=$(tr '\r' '\n' <"$log" | grep -a 'received/dropped' | tail -n 1)
	rcv=$(sed -n 's|.*: \([0-9]*\)/\([0-9]*\).*|\1|p' <<<"$line")
	rm -f "$file"
	record dumpcap written "${n:-nan}"
	record dumpcap cpu "$cpu"
	python3 -c "import sys; n, c, a, b = map(float, sys.argv[1:]); print(f'dumpcap\tmpps_cpu\t{n / c / 1e6:.4f}' if c > 0 else ''); print(f'dumpcap\tmpps_wall\t{n / (b - a + 2) / 1e6:.4f}')" \
		"${n:-0}" "$cpu" "$t0" "$t1" >>"$RESULTS"
	[[ -n $rcv ]] && record dumpcap received "$rcv"
}

echo "capture CPU rows: $RUNS run(s) x $DUR s; writers: $WRITERS; threads per output: $THREADS; files on $OUTDIR" >&2
IFS=, read -r -a wl <<<"$WRITERS"
IFS=, read -r -a tl <<<"$THREADS"
for ((run = 1; run <= RUNS; run++)); do
	echo "  run $run/$RUNS" >&2
	for w in "${wl[@]}"; do
		run_stampede "$w" "$run" "$CAPDIR" "s$w"
		[[ -n ${STAMPEDE_OTHER:-} ]] && run_stampede "$w" "$run" "$CAPDIR" "o$w" "$WORK/stampede-other"
		[[ -n $HUGEDIR ]] && run_stampede "$w" "$run" "$HUGEDIR" "h$w"
	done
	for t in "${tl[@]}"; do
		run_stampede "$t" "$run" "$CAPDIR" "t$t"
	done
	run_dumpcap "$run"
done

# The kernel settings behind the huge=always rows: transparent_hugepage's, and whether a
# virtio balloon reports free pages to the host (feature bit 5, VIRTIO_BALLOON_F_REPORTING).
HUGE_FACTS=""
if [[ -n $HUGEDIR ]]; then
	for k in enabled shmem_enabled defrag; do
		v=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/$k 2>/dev/null)
		HUGE_FACTS+="$k=${v:-?} "
	done
	rep=off
	for d in /sys/bus/virtio/devices/*; do
		[[ $(cat "$d/device" 2>/dev/null) == 0x0005 && $(cut -c6 "$d/features" 2>/dev/null) == 1 ]] &&
			rep="on, order $(cat /sys/module/page_reporting/parameters/page_reporting_order 2>/dev/null)"
	done
	HUGE_FACTS+="free page reporting to the host: $rep"
fi

python3 - "$RESULTS" "$WRITERS" "$THREADS" "$RUNS" "$DUR" "$(cut -d' ' -f1-3 /proc/loadavg)" "$OUTDIR" "${HUGEDIR:+1}" "$HUGE_FACTS" "$ROTATE" "$HUGE_ROTATE" <<'EOF'
import statistics, sys
path, writers, threads, runs, dur, load, outdir, huge, huge_facts, rotate, hrotate = sys.argv[1:]
res = {}
for l in open(path):
    row, key, val = l.rstrip("\n").split("\t", 2)
    res.setdefault((row, key), []).append(val)
def med(row, key):
    v = [float(x) for x in res.get((row, key), []) if x not in ("", "nan")]
    return statistics.median(v) if v else float("nan")
def f(v, fmt="{:.2f}"):
    return "-" if v != v else fmt.format(v)
other = any(k[0].startswith("o") for k in res)
rows = ([f"s{w}" for w in writers.split(",")] + ([f"o{w}" for w in writers.split(",")] if other else []) +
        ([f"h{w}" for w in writers.split(",")] if huge else []) +
        [f"t{t}" for t in threads.split(",") if t] + ["dumpcap"])
print()
print(f"{'row (net_null, 64 B -> pcapng on tmpfs)':<44}{'writers':>8}{'Mpps/writer CPU-s':>19}"
      f"{'written/writer':>16}{'wall Mpps/writer':>18}{'ring full %':>13}{'user ns/f':>11}{'kernel ns/f':>13}")
for row in rows:
    skip = res.get((row, "skip"))
    label = ("dpdk-dumpcap (testpmd rxonly primary)" if row == "dumpcap" else
             f"stampede, {outdir}" if row[0] == "s" else
             f"STAMPEDE_OTHER, {outdir}" if row[0] == "o" else
             f"stampede, 1 output, writers {row[1:]}" if row[0] == "t" else
             "stampede, tmpfs huge=always")
    nw = 1 if row == "dumpcap" else int(row[1:])
    if skip:
        print(f"{label:<44}{nw:>8}  skipped: {skip[0]}")
        continue
    for fl in sorted(set(res.get((row, "fail"), []))):
        print(f"{label:<44}{nw:>8}  failed: {fl}")
    print(f"{label:<44}{nw:>8}{f(med(row, 'mpps_cpu')):>19}{f(med(row, 'written'), '{:.0f}'):>16}"
          f"{f(med(row, 'mpps_wall')):>18}{f(med(row, 'refused'), '{:.1f}'):>13}"
          f"{f(med(row, 'ns_user'), '{:.1f}'):>11}{f(med(row, 'ns_kernel'), '{:.1f}'):>13}")
print()
for row in rows:
    st = sorted({k[1] for k in res if k[0] == row and k[1].startswith("stage:")})
    if st:
        print(f"datapath cycles/pkt per stage, {row}: " +
              ", ".join(f"{s[6:]} {f(med(row, s), '{:.1f}')}" for s in st))
if huge:
    print(f"huge=always rows: files of {int(hrotate) / 2**20:g} MiB (2 kept), memory compacted before "
          f"each run; {huge_facts}")
    for row in [r for r in rows if r[0] == "h"]:
        a, fb = res.get((row, "thp_alloc"), []), res.get((row, "thp_fallback"), [])
        pk = res.get((row, "shmem_huge_mib"), [])
        if a:
            print(f"  {row}: 2 MiB folios allocated per run {'/'.join(a)}, fallbacks to 4 KiB "
                  f"{'/'.join(fb)}, ShmemHugePages peak {'/'.join(pk)} MiB (machine-wide counts)")
            if any(int(x) == 0 for x in a) or any(int(x) != 0 for x in fb):
                print(f"  {row}: WARNING: some runs' files were not all in 2 MiB pages: the row "
                      "mixes in the 4 KiB page cache's cost")
w = [int(x) for x in writers.split(",")]
for k in ("s", "o", "h"):
    b = med(f"{k}1", "mpps_cpu")
    for n in w[1:] if b == b and 1 in w else []:
        r = med(f"{k}{n}", "mpps_cpu")
        print(f"{k}{n}: {n} writers, per-writer rate {f(r / b if r == r else float('nan'))}x of one writer's "
              f"(1.00 = linear scaling, given a CPU per writer)")
b = med("s1", "mpps_cpu")
for t in [int(x) for x in threads.split(",") if x]:
    r = med(f"t{t}", "mpps_cpu")
    if b == b and r == r:
        print(f"t{t}: one output, {t} writer threads: per-thread rate {f(r / b)}x of one writer's, "
              f"{f(t * med(f't{t}', 'mpps_wall') / med('s1', 'mpps_wall'))}x the frames written per "
              f"wall second")
print(f"Medians of {runs} run(s), {dur} s each, files of {int(rotate) / 2**20:g} MiB (2 kept); "
      f"load average at the end: {load}.")
print("Mpps/writer CPU-s: frames a writer wrote / CPU seconds its thread used (user + kernel).")
print("ring full %: frames the writers' rings refused (capture_ring_full); near 0, the writer was not")
print("the bottleneck (it slept between bursts) and its rate per CPU-s understates what it can do.")
print("wall: frames written per wall-clock second (depends on the CPU the machine left us).")
print("user / kernel ns/f: a writer thread's user and kernel CPU time per frame written.")
print("Goal (issue 18): >= 14.88 Mpps per writer (10G line rate of 64-byte frames).")
EOF
