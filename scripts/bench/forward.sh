#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Forwarding benchmark: stampede (two ports, rules a->b and b->a) against
# `dpdk-testpmd --forward-mode=io` on the same ports, in the same run, interleaved, N runs each.
# Benchmarks are not tests: this prints numbers and ratios, it asserts nothing about timing.
#
# Rows:
#   null   net_null0 <-> net_null1, both directions, no I/O: stampede's own per-packet cost vs testpmd's.
#   ring   net_null0 <-> net_ring0; net_ring0's TX ring is its own RX ring, so every packet is forwarded
#          twice (null0 -> ring0, ring0 -> null0): a port whose RX hands back real mbufs.
#   afp    veth, namespaces gen -> dut -> sink, DUT on two net_af_packet ports; generator
#          dpdk-testpmd txonly (64-byte frames) on net_af_packet in ns gen.
#   xdp    the same with net_af_xdp ports (generator on net_af_xdp too).
#   scale  net_null0 <-> net_null1 with 2 RX and 2 TX queues per port, once with 1 forwarding lcore
#          (polling the 4 queues) and once with 2 (each polls queue q of both ports; stampede: each
#          is RX, worker and TX, run to completion; testpmd --nb-cores=2): the speed-up 2 vs 1.
#          2 CPUs only: the second lcore shares CPU 0 with the main lcore (--lcores=0@0,1@1,2@0);
#          the main lcore sleeps 10 ms between its checks and prints the stats once a second.
#          Printed beside it, from the same run: the machine's own ceiling for 2 threads
#          (scripts/bench/cpuceiling.c, between the 2-lcore runs: two pinned threads on private
#          data vs one) and the CPU time of each tool's other threads (main lcore, control).
#   scalep the same speed-up over two port pairs instead of two queues: net_null0 <-> net_null1
#          and net_null2 <-> net_null3, 1 queue each; 2 lcores: one pair each. net_null keeps
#          its queues' counters 40 bytes apart and adds to them with a locked add per burst, so
#          two lcores on queues 0 and 1 of one port write the same cache lines; separate ports
#          share none: the difference between the two rows is the driver's, not the forwarder's.
#
# stampede's cycles per packet of each worker stage (--stats-json lcores[].stages) are printed
# under the table. On these rows the rules stage is the only one, and a lone stage's cycles are
# the loop iterations that ran it, RX and TX included (lib/pipeline/README.md).
#
# Each tool's rate is the median of its own once-per-second counters in steady state (stampede
# `--stats-period 1` lines, testpmd `--stats-period 1` Tx-pps summed over ports), so start-up time is
# not counted; the row's figure is the median over the runs.  CPU placement (the machine has 2 CPUs):
# the DUT's forwarding lcore runs alone on CPU 1 (`--lcores=0@0,1@1`, control thread on CPU 0); the
# veth generator runs on CPU 0 (`--lcores=0@0,1@0`).  All DPDK processes: --no-huge -m 1024, their own
# --file-prefix, a mempool of ~32 K mbufs (stampede's default; testpmd --total-num-mbufs=32768).
#
# Usage: scripts/bench/forward.sh [-n RUNS] [-d SECONDS] [-r ROWS] [-k]
# Takes about 3-3.5 minutes with the defaults (most of the overhead is start-up and stop of 24 DPDK
# processes); -d 3 takes about 2.5.
set -u

RUNS=3
DUR=5
ROWS="null,ring,afp,xdp"
NLC="" # scale row: forwarding lcores of the current runs (empty: the other rows' layout)
NPAIRS=1 # scalep row: 2 port pairs of 1 queue each instead of 1 pair of 2 queues
KEEP=0
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STAMPEDE=${STAMPEDE:-$HERE/../../build/app/stampede/stampede}
TESTPMD=${TESTPMD:-dpdk-testpmd}

usage()
{
	cat <<EOF
Usage: $0 [-n RUNS] [-d SECONDS] [-r ROWS] [-H] [-k]
  -n RUNS     runs per tool and row; the median is reported (default $RUNS)
  -d SECONDS  steady-state seconds measured per run (default $DUR)
  -r ROWS     comma-separated subset of: null,ring,afp,xdp,scale,scalep (default $ROWS)
  -H          hugepages for every DPDK process (reserves 1024 x 2 MiB with scripts/hugepages.sh
              if needed) instead of --no-huge: what an appliance runs with
  -k          keep the logs directory
Environment: STAMPEDE (default build/app/stampede/stampede), TESTPMD (default dpdk-testpmd),
  STAMPEDE_OTHER (another stampede binary, e.g. a build before a change: run as a third tool,
  "other", interleaved with the two in every run)
EOF
}

HUGE=0
while getopts "n:d:r:Hkh" opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	d) DUR=$OPTARG ;;
	r) ROWS=$OPTARG ;;
	H) HUGE=1 ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if [ "$HUGE" = 1 ]; then
	"$(dirname "${BASH_SOURCE[0]}")/../hugepages.sh" 1024 >/dev/null || {
		echo "forward.sh: -H: cannot reserve hugepages" >&2
		exit 1
	}
	MEM_ARGS="-m 1024"
	HUGE_JSON=true
else
	MEM_ARGS="--no-huge -m 1024"
	HUGE_JSON=false
fi
if ! [[ $RUNS =~ ^[1-9][0-9]*$ && $DUR =~ ^[1-9][0-9]*$ ]]; then
	echo "forward.sh: -n and -d take positive integers" >&2
	exit 2
fi

missing=()
[[ -x $STAMPEDE ]] || missing+=("stampede binary $STAMPEDE (build it: ninja -C build)")
command -v "$TESTPMD" >/dev/null || missing+=("$TESTPMD (apt-get install dpdk)")
command -v python3 >/dev/null || missing+=("python3")
if ((${#missing[@]})); then
	printf 'forward.sh: missing: %s\n' "${missing[@]}" >&2
	exit 1
fi
VETH_SKIP=""
if [[ $(id -u) != 0 ]]; then
	VETH_SKIP="needs root (network namespaces, veth)"
elif ! command -v ip >/dev/null; then
	VETH_SKIP="ip (iproute2) not found"
fi

TAG=${BENCH_TAG:-fwdb}$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/stampede-forward.XXXXXX")
RESULTS=$WORK/results.tsv
: >"$RESULTS"
PIDS=()
PREFIXES=()
NETNS=()
TICKS=$(getconf CLK_TCK)
SHARE=""
REST=""

cleanup()
{
	local p n

	# PIDS holds only processes this script started and has not yet reaped.
	for p in "${PIDS[@]}"; do
		stop_pid "$p"
	done
	for n in "${NETNS[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
	for p in "${PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$p"
	done
	if ((KEEP)); then
		echo "logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Others may rebuild the tree while this runs: every run uses the same copy of the binary.
STAMPEDE_SRC=$STAMPEDE
cp "$STAMPEDE" "$WORK/stampede" || exit 1
STAMPEDE=$WORK/stampede
OTHER_SRC=${STAMPEDE_OTHER:-}
if [[ -n $OTHER_SRC ]]; then
	cp "$OTHER_SRC" "$WORK/stampede-other" || exit 1
	STAMPEDE_OTHER=$WORK/stampede-other
fi
TOOLS='"stampede", "testpmd"'
[[ -n $OTHER_SRC ]] && TOOLS='"stampede", "testpmd", "other"'

# stop_pid, wait_ready, why: see lib.sh.
# shellcheck source=scripts/bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PY=$(cat <<'EOF'
import json, re, statistics, sys

def med(v):
    return statistics.median(v) if v else float("nan")

def stampede(log, js):
    # rx N (X Mpps) tx N (Y Mpps) dropped N (+D) cycles/pkt Z; the first line holds start-up.
    r = re.compile(r"^rx \d+ \(([\d.]+) Mpps\) tx \d+ \(([\d.]+) Mpps\) dropped \d+ \(\+(\d+)\)"
                   r" cycles/pkt ([\d.]+)")
    s = [m.groups() for m in map(r.match, open(log, errors="replace")) if m][1:]
    tx = med([float(x[1]) for x in s])
    cyc = med([float(x[3]) for x in s])
    try:
        d = json.load(open(js))
        tot = d["transmitted"] + d["dropped"]
        drop = 100.0 * d["dropped"] / tot if tot else 0.0
    except (OSError, ValueError, KeyError):
        drop = float("nan")
    try:
        st = ";".join(f"{x['name']}={x['cycles'] / x['packets']:.2f}" for lc in d.get("lcores", [])
                      for x in lc.get("stages", []) if x.get("packets"))
    except (NameError, KeyError, TypeError, ZeroDivisionError):
        st = ""
    print(f"{tx:.4f}\t{cyc:.1f}\t{drop:.3f}\t{len(s)}\t{st or '-'}")

def testpmd(log):
    # One "Port statistics" display per second, the first at start (no previous: 0 pps).
    text = open(log, errors="replace").read()
    disp = text.split("Port statistics ====")[2:]
    tx = med([sum(int(x) for x in re.findall(r"Tx-pps:\s+(\d+)", b)) / 1e6 for b in disp])
    m = re.search(r"CPU cycles/packet=([\d.]+)", text)
    cyc = float(m.group(1)) if m else float("nan")
    m = re.search(r"Accumulated forward statistics.*?\n.*?\n\s*TX-packets:\s+(\d+)\s+TX-dropped:\s+(\d+)",
                  text, re.S)
    drop = float("nan")
    if m:
        tot = int(m.group(1)) + int(m.group(2))
        drop = 100.0 * int(m.group(2)) / tot if tot else 0.0
    print(f"{tx:.4f}\t{cyc:.1f}\t{drop:.3f}\t{len(disp)}")

def counters(path):
    # "epoch sink_rx gen_tx" per line: median per-second rates.
    s = [tuple(map(float, l.split())) for l in open(path) if len(l.split()) == 3]
    rate = lambda i: med([(b[i] - a[i]) / (b[0] - a[0]) / 1e6 for a, b in zip(s, s[1:]) if b[0] > a[0]])
    print(f"{rate(1):.4f}\t{rate(2):.4f}")

def fmt(v, f="{:.2f}"):
    return "-" if v != v else f.format(v)

def report(path, rows, runs, dur, other):
    res = {}
    for l in open(path):
        row, tool, key, val = l.rstrip("\n").split("\t")
        res.setdefault((row, tool, key), []).append(val)
    def get(row, tool, key):
        v = [float(x) for x in res.get((row, tool, key), []) if x not in ("", "nan")]
        return med(v)
    labels = {"null": "net_null pair (io fwd)", "ring": "null0<->ring0 loop",
              "afp": "af_packet veth (DUT)*", "xdp": "af_xdp veth (DUT)*",
              "scale1": "null 2 queues, 1 lcore", "scale2": "null 2 queues, 2 lcores",
              "scalep1": "null 2 pairs, 1 lcore", "scalep2": "null 2 pairs, 2 lcores"}
    rows = [x for r in rows for x in ((r + "1", r + "2") if r in ("scale", "scalep") else (r,))]
    print()
    print(f"{'row':<24}{'stampede Mpps':>15}{'testpmd Mpps':>15}{'ratio':>8}"
          f"{'stampede cyc/pkt':>18}{'testpmd cyc/pkt':>17}")
    for row in rows:
        skip = res.get((row, "-", "skip"))
        if skip:
            print(f"{labels[row]:<24}  skipped: {skip[0]}")
            continue
        s, t = get(row, "stampede", "mpps"), get(row, "testpmd", "mpps")
        fail = [f"{tool}: {r}" for tool in ("stampede", "testpmd") for r in res.get((row, tool, "fail"), [])]
        ratio = s / t if s == s and t == t and t > 0 else float("nan")
        print(f"{labels[row]:<24}{fmt(s, '{:.3f}'):>15}{fmt(t, '{:.3f}'):>15}{fmt(ratio):>8}"
              f"{fmt(get(row, 'stampede', 'cyc'), '{:.1f}'):>18}{fmt(get(row, 'testpmd', 'cyc'), '{:.1f}'):>17}")
        for f in sorted(set(fail)):
            print(f"{'':<24}  failed run(s): {f}")
    def percpu(row, tool):
        # Per run: its rate over the CPU share its forwarding lcores had (records in run order).
        m = res.get((row, tool, "mpps"), [])
        c = res.get((row, tool, "share"), [])
        v = [float(a) / float(b) for a, b in zip(m, c) if a not in ("", "nan") and b not in ("", "nan")
             and float(b) > 0]
        return med(v)
    tools = ["stampede", "testpmd"] + (["other"] if other else [])
    print()
    print("per CPU-second of the forwarding lcores (Mpps / their CPU share; share 1.0 per lcore:")
    print("the CPU was theirs all the time): what the code costs, whatever else ran on the machine")
    print(f"{'row':<24}" + "".join(f"{t + ' Mpps/CPU':>20}" for t in tools) + f"{'ratio':>8}"
          + "".join(f"{t + ' share':>16}" for t in tools) + (f"{'vs other':>10}" if other else ""))
    for row in rows:
        if res.get((row, "-", "skip")):
            continue
        v = {t: percpu(row, t) for t in tools}
        r = v["stampede"] / v["testpmd"] if v["testpmd"] == v["testpmd"] and v["testpmd"] > 0 else float("nan")
        line = f"{labels[row]:<24}" + "".join(f"{fmt(v[t], '{:.3f}'):>20}" for t in tools) + f"{fmt(r):>8}"
        line += "".join(f"{fmt(get(row, t, 'share'), '{:.3f}'):>16}" for t in tools)
        if other:
            o = v["stampede"] / v["other"] if v["other"] == v["other"] and v["other"] > 0 else float("nan")
            line += f"{fmt(o):>10}"
        print(line)
    if other:
        print()
        print(f"other = {other}, wall-clock Mpps and cyc/pkt (medians), stampede / other:")
        for row in rows:
            if res.get((row, "-", "skip")):
                continue
            a, b = get(row, "stampede", "mpps"), get(row, "other", "mpps")
            print(f"  {labels[row]:<24}{fmt(b, '{:.3f}'):>10} Mpps  {fmt(get(row, 'other', 'cyc'), '{:.1f}'):>8} cyc/pkt"
                  f"   stampede/other {fmt(a / b if a == a and b == b and b > 0 else float('nan'))}")
    for sr, what in (("scale", "2 RX queues per port"), ("scalep", "2 port pairs")):
        if sr + "1" not in rows:
            continue
        print()
        for tool in tools:
            a, b = get(sr + "1", tool, "mpps"), get(sr + "2", tool, "mpps")
            c1, c2 = percpu(sr + "1", tool), percpu(sr + "2", tool)
            print(f"speed-up 2 lcores vs 1 ({what}), {tool}: "
                  f"{fmt(b / a if a == a and b == b and a > 0 else float('nan'))}x; per CPU-second "
                  f"{fmt(c2 / c1 if c1 == c1 and c2 == c2 and c1 > 0 else float('nan'))} of 1 lcore's "
                  f"(2 x that: the speed-up with both CPUs whole); its other threads took "
                  f"{fmt(get(sr + '2', tool, 'rest'), '{:.4f}')} CPU, waking up"
                  f" {fmt(get(sr + '2', tool, 'wakes'), '{:.0f}')} times a second")
    kern = [k for k in ("alu", "l2", "mem") if res.get(("ceiling", "machine", k + ":speedup"))]
    if kern:
        print()
        print("machine ceiling, same run (scripts/bench/cpuceiling.c between the 2-lcore runs: 2 pinned")
        print("threads on CPUs 0 and 1 vs 1 on CPU 1, private data, nothing shared), medians:")
        for k in kern:
            print(f"  {k:<4} 2 threads vs 1: {fmt(get('ceiling', 'machine', k + ':speedup'))}x wall-clock;"
                  f" per CPU-second {fmt(get('ceiling', 'machine', k + ':percpu'))} of 1 thread's"
                  f" (2 x that: the ceiling with both CPUs whole)")
        print("  alu: registers only; l2: one word per line of 256 KiB (hot mbufs); mem: the first line of")
        print("  each 2 KiB element of 64 MiB (a 32 Ki-mbuf pool). A forwarder's per CPU-second figure")
        print("  above can reach the l2 one at best; the wall-clock speed-up also needs the CPUs whole.")
    stages = sorted({k[2] for k in res if k[1] == "stampede" and k[2].startswith("stage:")})
    if stages:
        print()
        print("stampede cycles/pkt per worker stage (--stats-json lcores[].stages, medians):")
        for row in rows:
            v = [f"{k[6:]} {fmt(get(row, 'stampede', k), '{:.1f}')}" for k in stages
                 if res.get((row, "stampede", k))]
            if v:
                print(f"  {labels[row]:<24}{', '.join(v)}")
    vrows = [r for r in rows if r in ("afp", "xdp") and not res.get((r, "-", "skip"))]
    if vrows:
        print()
        print("veth rows, per DUT: offered by the generator / forwarded by the DUT / arrived in ns sink (Mpps)")
        print(f"{'row':<24}{'DUT':<10}{'offered':>9}{'forwarded':>11}{'sink rx':>9}{'DUT drop %':>12}")
        for row in vrows:
            for tool in ("stampede", "testpmd"):
                print(f"{labels[row]:<24}{tool:<10}{fmt(get(row, tool, 'offered'), '{:.3f}'):>9}"
                      f"{fmt(get(row, tool, 'mpps'), '{:.3f}'):>11}{fmt(get(row, tool, 'sink'), '{:.3f}'):>9}"
                      f"{fmt(get(row, tool, 'drop'), '{:.3f}'):>12}")
    def worst(row, tool):
        v = [float(x) for x in res.get((row, tool, "drop"), []) if x not in ("", "nan")]
        return max(v) if v else float("nan")
    drops = [(row, tool, worst(row, tool)) for row in rows for tool in ("stampede", "testpmd")]
    drops = [d for d in drops if d[2] == d[2] and d[2] > 0.01]
    print()
    print("per-run Mpps (noise check):")
    for row in rows:
        if res.get((row, "-", "skip")):
            continue
        runs_s = " ".join(f"{float(x):.3f}" for x in res.get((row, "stampede", "mpps"), []))
        runs_t = " ".join(f"{float(x):.3f}" for x in res.get((row, "testpmd", "mpps"), []))
        runs_o = " ".join(f"{float(x):.3f}" for x in res.get((row, "other", "mpps"), []))
        print(f"  {labels[row]:<24}stampede [{runs_s}]  testpmd [{runs_t}]" + (f"  other [{runs_o}]" if other else ""))
    print()
    print(f"Medians of {runs} run(s) per tool and row, {dur} s of steady state each (once-per-second counters,")
    print("start-up excluded); the two tools run interleaved in the same script, same ports, same CPUs.")
    print("Mpps = packets transmitted per second summed over both ports (both directions).")
    print("cyc/pkt = each tool's own busy TSC cycles per forwarded packet (stampede: stats lines;")
    print("testpmd: --record-core-cycles); ratio = stampede Mpps / testpmd Mpps (> 1: stampede faster).")
    if "ring" in rows:
        print("null0<->ring0 loop: net_ring0's TX is its own RX, so each packet is forwarded twice")
        print("(net_null0 -> net_ring0 -> net_null0); Mpps counts both forwards.")
    if vrows:
        print("* veth rows (gen -> dut -> sink namespaces, 64-byte frames, generator dpdk-testpmd txonly on one")
        print("CPU, DUT forwarding lcore on the other): bound by the generator and the kernel, they show that")
        print("the DUT forwards correctly under load (sink rx ~ forwarded), not which tool is faster; the")
        print("ratio there is noise.  forwarded < offered: the kernel dropped at the DUT's socket (DUT CPU short).")
    for row, tool, d in drops:
        print(f"WARNING: {labels[row]}: {tool} dropped up to {d:.2f} % of what it tried to send in a run"
              " (see the logs with -k).")

cmd = sys.argv[1]
if cmd == "stampede":
    stampede(sys.argv[2], sys.argv[3])
elif cmd == "testpmd":
    testpmd(sys.argv[2])
elif cmd == "counters":
    counters(sys.argv[2])
elif cmd == "report":
    report(sys.argv[2], sys.argv[3].split(","), sys.argv[4], sys.argv[5], sys.argv[6])
EOF
)

record() # row tool key value
{
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RESULTS"
}

# sample NS_SINK IF_SINK NS_GEN IF_GEN OUT: one "epoch sink_rx gen_tx" line.
sample()
{
	local rx tx

	rx=$(ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets" 2>/dev/null)
	tx=$(ip netns exec "$3" cat "/sys/class/net/$4/statistics/tx_packets" 2>/dev/null)
	echo "$(date +%s.%N) ${rx:-0} ${tx:-0}" >>"$5"
}

# measure ROW TOOL RUN PID LOG: wait for the first per-second line, measure DUR seconds, stop.
# For veth rows ($SINK_NS set) also sample the sink and generator counters every second.
measure()
{
	local row=$1 tool=$2 run=$3 pid=$4 log=$5 re i cnt c0 c1 w0 w1 r0 r1 k0

	cnt=$WORK/$row-$tool-$run.cnt

	if [[ $tool != testpmd ]]; then re='^rx [0-9]+ \('; else re='Port statistics ='; fi
	if ! wait_ready "$pid" "$log" "$re"; then
		stop_pid "$pid"
		record "$row" "$tool" fail "run $run: $(why "$log")"
		return 1
	fi
	# The ready line is the first sample (stampede: start-up second, testpmd: zero); DUR more.
	c0=$(lcore_cpu_ticks "$pid")
	r0=$(lcore_cpu_ticks "$pid" rest)
	[[ -n $NLC ]] && k0=$(thread_wakeups "$pid")
	w0=$(date +%s.%N)
	for ((i = 0; i <= DUR; i++)); do
		[[ -n ${SINK_NS:-} ]] && sample "$SINK_NS" "$SINK_IF" "$GEN_NS" "$GEN_IF" "$cnt"
		if ((i < DUR)); then sleep 1; else sleep 0.3; fi
	done
	c1=$(lcore_cpu_ticks "$pid")
	r1=$(lcore_cpu_ticks "$pid" rest)
	[[ -n $NLC ]] && record "$row" "$tool" wakes "$(python3 -c 'import sys; k0, k1, w0, w1 = map(float, sys.argv[1:]); print(f"{(k1 - k0) / (w1 - w0):.1f}")' \
		"$k0" "$(thread_wakeups "$pid")" "$w0" "$(date +%s.%N)" 2>/dev/null)"
	w1=$(date +%s.%N)
	# CPU-seconds the forwarding lcores had per second of the window (1.0 per lcore: the CPU
	# was theirs all the time).
	SHARE=$(python3 -c 'import sys; c0, c1, w0, w1, t = map(float, sys.argv[1:]); print(f"{(c1 - c0) / t / (w1 - w0):.4f}")' \
		"$c0" "$c1" "$w0" "$w1" "$TICKS" 2>/dev/null)
	REST=$(python3 -c 'import sys; c0, c1, w0, w1, t = map(float, sys.argv[1:]); print(f"{(c1 - c0) / t / (w1 - w0):.4f}")' \
		"$r0" "$r1" "$w0" "$w1" "$TICKS" 2>/dev/null)
	stop_pid "$pid"
	if [[ -n ${SINK_NS:-} ]]; then
		read -r sink offered < <(python3 -c "$PY" counters "$cnt")
		record "$row" "$tool" sink "$sink"
		record "$row" "$tool" offered "$offered"
	fi
	return 0
}

# run_stampede ROW RUN NETNS PORT0 PORT1 [TOOL BINARY]: TOOL "stampede" (STAMPEDE) by default.
run_stampede()
{
	local row=$1 run=$2 ns=$3 tool=${6:-stampede} bin=${7:-$STAMPEDE}
	local pfx=$TAG-$tool-$1-$2 cfg log js pid mpps cyc drop n st x
	local lcores="0@0,1@1" qs="" lcjson=""

	if [[ -n $NLC ]]; then
		# scale row: 2 queues per port; NLC lcores each poll queue q of both ports (1: all 4).
		qs=', "rx_queues": 2, "tx_queues": 2'
		if ((NLC == 1)); then
			lcjson='"lcores": { "rx": [ { "lcore": 1, "queues": [ { "port": "a", "queue": 0 }, { "port": "a", "queue": 1 }, { "port": "b", "queue": 0 }, { "port": "b", "queue": 1 } ] } ], "worker": [ 1 ], "tx": [ 1 ] },'
		else
			lcores="0@0,1@1,2@0"
			lcjson='"lcores": { "rx": [ { "lcore": 1, "queues": [ { "port": "a", "queue": 0 }, { "port": "b", "queue": 0 } ] }, { "lcore": 2, "queues": [ { "port": "a", "queue": 1 }, { "port": "b", "queue": 1 } ] } ], "worker": [ 1, 2 ], "tx": [ 1, 2 ] },'
		fi
	fi
	cfg=$WORK/$row-$tool-$run.json
	log=$WORK/$row-$tool-$run.log
	js=$WORK/$row-$tool-$run.stats.json
	PREFIXES+=("$pfx")
	cat >"$cfg" <<EOF
{
  "eal": { "hugepages": $HUGE_JSON, "memory_mb": 1024, "file_prefix": "$pfx" },
  "ports": [ { "name": "a", "device": "$4"$qs }, { "name": "b", "device": "$5"$qs } ],
  $lcjson
  "rules": [ { "in": ["a"], "action": "forward", "out": "b" },
             { "in": ["b"], "action": "forward", "out": "a" } ]
}
EOF
	if ((NPAIRS == 2)); then
		scalep_config "$cfg" "$pfx"
		((NLC == 2)) && lcores="0@0,1@1,2@0"
	fi
	# --duration only as a safety net: measure() stops it with SIGINT.
	${ns:+ip netns exec "$ns"} "$bin" -c "$cfg" --stats-period 1 --duration $((DUR + 120)) \
		--stats-json "$js" -- --lcores=$lcores >"$log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	measure "$row" "$tool" "$run" "$pid" "$log" || return 1
	IFS=$'\t' read -r mpps cyc drop n st < <(python3 -c "$PY" stampede "$log" "$js")
	record "$row" "$tool" mpps "$mpps"
	record "$row" "$tool" cyc "$cyc"
	record "$row" "$tool" drop "$drop"
	record "$row" "$tool" share "$SHARE"
	record "$row" "$tool" rest "$REST"
	if [[ $st != - ]]; then
		IFS=';' read -r -a st <<<"$st"
		for x in "${st[@]}"; do record "$row" "$tool" "stage:${x%%=*}" "${x#*=}"; done
	fi
}

# scalep_config CFG PREFIX: the scalep row's config (replaces CFG): ports a <-> b and c <-> d,
# 1 RX queue each; NLC lcores (2: one pair each). Each port has a TX queue per TX lcore
# (stampede's rule); the other lcore's stays unused.
scalep_config()
{
	local lc tq=""

	if ((NLC == 1)); then
		lc='{ "lcore": 1, "queues": [ { "port": "a", "queue": 0 }, { "port": "b", "queue": 0 }, { "port": "c", "queue": 0 }, { "port": "d", "queue": 0 } ] } ], "worker": [ 1 ], "tx": [ 1 ]'
	else
		tq=', "tx_queues": 2'
		lc='{ "lcore": 1, "queues": [ { "port": "a", "queue": 0 }, { "port": "b", "queue": 0 } ] }, { "lcore": 2, "queues": [ { "port": "c", "queue": 0 }, { "port": "d", "queue": 0 } ] } ], "worker": [ 1, 2 ], "tx": [ 1, 2 ]'
	fi
	cat >"$1" <<EOF
{
  "eal": { "hugepages": $HUGE_JSON, "memory_mb": 1024, "file_prefix": "$2" },
  "ports": [ { "name": "a", "device": "net_null0"$tq }, { "name": "b", "device": "net_null1"$tq },
             { "name": "c", "device": "net_null2"$tq }, { "name": "d", "device": "net_null3"$tq } ],
  "lcores": { "rx": [ $lc },
  "rules": [ { "in": ["a"], "action": "forward", "out": "b" }, { "in": ["b"], "action": "forward", "out": "a" },
             { "in": ["c"], "action": "forward", "out": "d" }, { "in": ["d"], "action": "forward", "out": "c" } ]
}
EOF
}

# run_testpmd ROW RUN NETNS VDEV0 VDEV1
run_testpmd()
{
	local row=$1 run=$2 ns=$3 pfx=$TAG-t-$1-$2 log pid mpps cyc drop n
	local lcores="0@0,1@1" extra=() vdevs=()

	if [[ -n $NLC ]] && ((NPAIRS == 2)); then
		# scalep row: 4 ports, 1 queue each; testpmd pairs 0-1 and 2-3, one pair per core.
		extra=(--nb-cores="$NLC")
		vdevs+=(--vdev net_null2 --vdev net_null3)
		((NLC == 2)) && lcores="0@0,1@1,2@0"
	elif [[ -n $NLC ]]; then
		extra=(--rxq=2 --txq=2 --nb-cores="$NLC")
		((NLC == 2)) && lcores="0@0,1@1,2@0"
	fi
	log=$WORK/$row-testpmd-$run.log
	PREFIXES+=("$pfx")
	# stdin from /dev/null: with --stats-period testpmd loops until SIGINT and never reads it.
	${ns:+ip netns exec "$ns"} "$TESTPMD" --lcores=$lcores $MEM_ARGS --no-pci \
		--vdev "$4" --vdev "$5" "${vdevs[@]}" --file-prefix="$pfx" -- --forward-mode=io --auto-start "${extra[@]}" \
		--stats-period 1 --record-core-cycles --total-num-mbufs=32768 </dev/null >"$log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	measure "$row" testpmd "$run" "$pid" "$log" || return 1
	IFS=$'\t' read -r mpps cyc drop n < <(python3 -c "$PY" testpmd "$log")
	record "$row" testpmd mpps "$mpps"
	record "$row" testpmd cyc "$cyc"
	record "$row" testpmd drop "$drop"
	record "$row" testpmd share "$SHARE"
	record "$row" testpmd rest "$REST"
}

# run_pair ROW NETNS PORT0 PORT1: RUNS runs of each tool, interleaved, alternating which goes first.
run_pair()
{
	local row=$1 i

	for ((i = 1; i <= RUNS; i++)); do
		printf '  %s: run %d/%d\n' "$row" "$i" "$RUNS" >&2
		if ((i % 2)); then
			run_stampede "$row" "$i" "$2" "$3" "$4"
			run_testpmd "$row" "$i" "$2" "$3" "$4"
		else
			run_testpmd "$row" "$i" "$2" "$3" "$4"
			run_stampede "$row" "$i" "$2" "$3" "$4"
		fi
		if [[ -n $OTHER_SRC ]]; then
			run_stampede "$row" "$i" "$2" "$3" "$4" other "$STAMPEDE_OTHER"
		fi
		[[ $NLC == 2 ]] && run_ceiling
	done
}

# run_ceiling: one run of cpuceiling (1 s per kernel and thread count): the machine's own
# speed-up for 2 threads vs 1, in the same minutes as the 2-lcore runs.
run_ceiling()
{
	local k x s p

	[[ -x $WORK/cpuceiling ]] || return 0
	while read -r k x x x x x x x x x s x p; do
		record ceiling machine "$k:speedup" "$s"
		record ceiling machine "$k:percpu" "$p"
	done < <("$WORK/cpuceiling" 1 1 0 1 2>/dev/null)
}

# veth_row ROW PMD: namespaces gen -> dut -> sink, generator in gen, each tool in dut in turn.
veth_row()
{
	local row=$1 pmd=$2 gen=${TAG}${1}g dut=${TAG}${1}d snk=${TAG}${1}s
	local g0=${TAG}g0 d0=${TAG}d0 d1=${TAG}d1 s0=${TAG}s0 n x gpfx=$TAG-gen-$row glog gpid dev0 dev1
	local qargs=""

	if [[ -n $VETH_SKIP ]]; then
		record "$row" - skip "$VETH_SKIP"
		return
	fi
	for n in "$gen" "$dut" "$snk"; do
		ip netns add "$n" || { record "$row" - skip "ip netns add $n failed"; return; }
		NETNS+=("$n")
	done
	if ! ip link add "$g0" netns "$gen" type veth peer name "$d0" netns "$dut" ||
		! ip link add "$d1" netns "$dut" type veth peer name "$s0" netns "$snk"; then
		record "$row" - skip "cannot create veth pairs"
		return
	fi
	for x in "$gen $g0" "$dut $d0" "$dut $d1" "$snk $s0"; do
		set -- $x
		# No IPv6 (no router solicitations or DAD in the counters); no addresses at all:
		# the frames are testpmd txonly's 198.18.0.1 -> 198.18.0.2 to MAC 02:00:00:00:00:00.
		ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" 2>/dev/null
		ip -n "$1" link set "$2" up
	done
	if [[ $pmd == af_xdp ]]; then qargs=",start_queue=0,queue_count=1"; fi
	dev0="net_${pmd}0,iface=$d0$qargs"
	dev1="net_${pmd}1,iface=$d1$qargs"

	glog=$WORK/$row-generator.log
	PREFIXES+=("$gpfx")
	ip netns exec "$gen" "$TESTPMD" --lcores=0@0,1@0 $MEM_ARGS --no-pci \
		--vdev "net_${pmd}0,iface=$g0$qargs" --file-prefix="$gpfx" -- --forward-mode=txonly \
		--txpkts=64 --auto-start --stats-period 1 --total-num-mbufs=32768 </dev/null >"$glog" 2>&1 &
	gpid=$!
	PIDS+=("$gpid")
	if ! wait_ready "$gpid" "$glog" 'Port statistics ='; then
		record "$row" - skip "generator (testpmd txonly on net_$pmd) did not start: $(why "$glog")"
		stop_pid "$gpid"
		return
	fi
	SINK_NS=$snk SINK_IF=$s0 GEN_NS=$gen GEN_IF=$g0 run_pair "$row" "$dut" "$dev0" "$dev1"
	stop_pid "$gpid"
	# A DUT that cannot create the port at all: report the row as skipped with the reason.
	if ! grep -q "^$row	" <(grep -v "	fail	" "$RESULTS"); then
		x=$(grep "^$row	stampede	fail	" "$RESULTS" | head -n 1 | cut -f4)
		record "$row" - skip "no DUT started on net_$pmd: $x"
	fi
	for n in "$snk" "$dut" "$gen"; do ip netns del "$n" 2>/dev/null; done
}

if [[ ,$ROWS, == *,scale,* || ,$ROWS, == *,scalep,* ]]; then
	"${CC:-cc}" -O2 -Wall -pthread -o "$WORK/cpuceiling" "$HERE/cpuceiling.c" ||
		echo "forward.sh: cannot build cpuceiling.c: no machine ceiling row" >&2
fi
echo "stampede forward benchmark: $RUNS run(s) x $DUR s per tool and row; rows: $ROWS" >&2
echo "stampede: $STAMPEDE_SRC ($(date -r "$STAMPEDE_SRC" '+built %F %T')); testpmd: $(command -v "$TESTPMD"); memory: $MEM_ARGS for every process" >&2
IFS=, read -r -a rowlist <<<"$ROWS"
for row in "${rowlist[@]}"; do
	case $row in
	null) run_pair null "" net_null0 net_null1 ;;
	ring) run_pair ring "" net_null0 net_ring0 ;;
	afp) veth_row afp af_packet ;;
	xdp) veth_row xdp af_xdp ;;
	scale)
		NLC=1 run_pair scale1 "" net_null0 net_null1
		NLC=2 run_pair scale2 "" net_null0 net_null1
		;;
	scalep)
		NPAIRS=2 NLC=1 run_pair scalep1 "" net_null0 net_null1
		NPAIRS=2 NLC=2 run_pair scalep2 "" net_null0 net_null1
		;;
	*) echo "forward.sh: unknown row '$row' (null,ring,afp,xdp,scale,scalep)" >&2; exit 2 ;;
	esac
done
python3 -c "$PY" report "$RESULTS" "$ROWS" "$RUNS" "$DUR" "$OTHER_SRC"
