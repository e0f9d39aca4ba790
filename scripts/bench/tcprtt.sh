#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Passive TCP latency benchmark: the cost of the tcp_rtt monitor in cycles per packet, and the
# flows per second its table sustains, on a replay of many short TCP flows.
# Benchmarks are not tests: this prints numbers, it asserts nothing about timing.
#
# scripts/bench/tcprtt_flows.py writes a nanosecond pcap of FLOWS short flows (9 frames each:
# handshake, a request and a response with TCP timestamps, FIN both ways, the last ACK; K flows
# in flight, interleaved). stampede replays it on net_pcap (--exit-on-eof, pcap timestamps, one
# lcore doing RX, worker and TX; the output port is a net_pcap tx_pcap file) twice per run: with
# tcp_rtt disabled and enabled, the configs otherwise identical, the rows interleaved, RUNS runs;
# the figure is the median. cycles/packet is stampede's own (--stats-json cycles_per_packet:
# busy TSC cycles of the datapath lcore over the packets it handled, so it includes the pcap
# reading, the rules and the pcap writing of both rows: the difference is the monitor's cost).
# Flows/s of busy time: flows entered / (cycles_per_packet x packets / TSC Hz); the TSC rate is
# /proc/cpuinfo's "cpu MHz" (constant TSC on these VMs). The monitor alone: TSC Hz / (cost per
# packet x frames per flow).
#
# Flood row: the same flows with S spoofed SYNs (never answered, each its own flow) after every
# flow's SYN, into a table of T entries with idle_timeout_s 1: the table is full and turning
# over the whole run. It reports cycles/packet, flows entered per second of busy time, and how
# many of the real handshakes were still measured (syn_synack samples; the flood's give none).
#
# The cycles/packet of every worker stage of every row (--stats-json lcores[].stages: TSC around
# each stage's burst; tcp_rtt's is the monitor alone, records handed to the writer's ring
# included) are printed too. -b BINARY adds a row "base": the enabled config run by another build (e.g. main's), in
# the same runs, interleaved: a before/after on the same machine load. -g also runs the
# disabled and the enabled row (and base) once under valgrind's callgrind (on a pcap of at
# most 20000 flows) and prints instructions per packet of the datapath lcore, of the stage and
# of its parts, of the writer thread per record, and the monitor's cost in instructions
# (enabled - disabled, the datapath lcore's): counts that the other tenants of a shared
# machine do not disturb.
#
# Usage: scripts/bench/tcprtt.sh [-n RUNS] [-f FLOWS] [-c CONCURRENT] [-s SYNS] [-t TABLE]
#                               [-x 'KEY: VALUE,'] [-b BINARY] [-g] [-k]
set -u

RUNS=3
FLOWS=100000
CONC=1000
FLOOD=4
FLOOD_TABLE=8192
XTRA=""
KEEP=0
BASE=""
CALLGRIND=0
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STAMPEDE=${STAMPEDE:-$HERE/../../build/app/stampede/stampede}
PY=${PYTHON:-/usr/bin/python3}

usage()
{
	cat <<EOF
Usage: $0 [-n RUNS] [-f FLOWS] [-c CONCURRENT] [-s SYNS] [-t TABLE] [-k]
  -n RUNS        runs per row; the median is reported (default $RUNS)
  -f FLOWS       short flows in the pcap, 9 frames each (default $FLOWS)
  -c CONCURRENT  flows in flight at once (default $CONC)
  -s SYNS        flood row: spoofed SYNs after each flow's SYN (default $FLOOD)
  -t TABLE       flood row: flow table entries (default $FLOOD_TABLE)
  -x 'K: V,'     more tcp_rtt keys for the enabled rows, e.g. -x '"ts_slots": 16,'
  -b BINARY      add the row "base": the enabled config run by BINARY (before/after)
  -g             also count instructions per packet with callgrind (valgrind)
  -k             keep the work directory (pcap, configs, logs, stats)
Environment: STAMPEDE (default build/app/stampede/stampede), PYTHON (default /usr/bin/python3)
EOF
}

while getopts "n:f:c:s:t:x:b:gkh" opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	f) FLOWS=$OPTARG ;;
	c) CONC=$OPTARG ;;
	s) FLOOD=$OPTARG ;;
	t) FLOOD_TABLE=$OPTARG ;;
	x) XTRA=$OPTARG ;;
	b) BASE=$OPTARG ;;
	g) CALLGRIND=1 ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
for v in "$RUNS" "$FLOWS" "$CONC" "$FLOOD" "$FLOOD_TABLE"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "tcprtt.sh: -n, -f, -c take positive integers" >&2; exit 2; }
done
[[ -x $STAMPEDE ]] || { echo "tcprtt.sh: no stampede binary at $STAMPEDE (ninja -C build)" >&2; exit 1; }

# tmpfs when there is one: reading the pcap and writing the outputs must not wait on a disk.
SHM=/dev/shm
[[ -d $SHM && -w $SHM ]] || SHM=${TMPDIR:-/tmp}
WORK=$(mktemp -d "$SHM/stampede-tcprtt.XXXXXX")
PREFIX=tcprttb$$
PIDS=()
cleanup()
{
	local p

	for p in "${PIDS[@]}"; do
		stop_pid "$p"
	done
	rm -rf "/var/run/dpdk/$PREFIX"-*
	if ((KEEP)); then
		echo "work directory kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# shellcheck source=scripts/bench/lib.sh
. "$HERE/lib.sh"

# Others may rebuild the tree while this runs: every run uses the same copy of the binary.
cp "$STAMPEDE" "$WORK/stampede" || exit 1
STAMPEDE=$WORK/stampede
ROWS="off on flood"
if [[ -n $BASE ]]; then
	[[ -x $BASE ]] || { echo "tcprtt.sh: -b $BASE: not an executable" >&2; exit 1; }
	cp "$BASE" "$WORK/stampede-base" || exit 1
	ROWS="off on base flood"
fi
if ((CALLGRIND)); then
	if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
		echo "tcprtt.sh: -g needs valgrind (callgrind_annotate)" >&2
		exit 1
	fi
fi

"$PY" "$HERE/tcprtt_flows.py" "$WORK/flows.pcap" --flows "$FLOWS" --concurrent "$CONC" || exit 1
"$PY" "$HERE/tcprtt_flows.py" "$WORK/flood.pcap" --flows "$FLOWS" --concurrent "$CONC" \
	--flood "$FLOOD" || exit 1
CGFLOWS=$((FLOWS < 20000 ? FLOWS : 20000))
CGROWS=""
if ((CALLGRIND)); then
	"$PY" "$HERE/tcprtt_flows.py" "$WORK/cg.pcap" --flows "$CGFLOWS" --concurrent "$CONC" || exit 1
	CGROWS="cg cgoff"
fi
TSC_MHZ=$(awk -F': *' '/^cpu MHz/ { print $2; exit }' /proc/cpuinfo)

for row in $ROWS $CGROWS; do
	en=false
	[[ $row != off && $row != cgoff ]] && en=true
	pcap=$WORK/flows.pcap
	table=$((CONC * 4 > 65536 ? CONC * 4 : 65536))
	extra=""
	[[ $row != off ]] && extra=$XTRA
	if [[ $row == flood ]]; then
		pcap=$WORK/flood.pcap
		table=$FLOOD_TABLE
		extra="$XTRA \"idle_timeout_s\": 1,"
	fi
	[[ $row == cg || $row == cgoff ]] && pcap=$WORK/cg.pcap
	cat >"$WORK/$row.json" <<JSON
{
  "eal": { "args": [], "hugepages": false },
  "ports": [
    { "name": "in",  "device": "net_pcap0,rx_pcap=$pcap", "timestamp": "auto" },
    { "name": "out", "device": "net_pcap1,tx_pcap=$WORK/out-$row.pcap", "timestamp": "none" }
  ],
  "lcores": {
    "rx": [ { "lcore": 1, "queues": [ { "port": "in", "queue": 0 }, { "port": "out", "queue": 0 } ] } ],
    "worker": [ 1 ],
    "tx": [ 1 ]
  },
  "rules": [ { "name": "in-to-out", "in": [ "in" ], "action": "forward", "out": "out" } ],
  "tcp_rtt": { "enabled": $en, "ports": [ "in" ], "flows": $table, $extra
               "output": { "path": "$WORK/rtt-$row-{index}.json", "rotate_bytes": 67108864,
                           "max_files": 1, "ring": 262144 } }
}
JSON
	"$STAMPEDE" --check -c "$WORK/$row.json" >"$WORK/check-$row.log" 2>&1 ||
		{ echo "tcprtt.sh: config rejected: $(cat "$WORK/check-$row.log")" >&2; exit 1; }
done

# run ROW I: one replay; its --stats-json is $WORK/stats-ROW-I.json.
run()
{
	local row=$1 i=$2 pid k j bin=$STAMPEDE

	[[ $row == base ]] && bin=$WORK/stampede-base
	"$bin" -c "$WORK/$row.json" --exit-on-eof --stats-json "$WORK/stats-$row-$i.json" \
		-- --file-prefix="$PREFIX-$row-$i" --lcores=0@0,1@1 >"$WORK/log-$row-$i.txt" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	# Bounded: a replay of 1 M frames takes a few seconds. Meanwhile, the datapath lcore's
	# thread CPU time (schedstat: ns on a CPU, whatever else runs on the machine), last seen.
	local tid="" cpu_ns=0 x
	for ((k = 0; k < 6000; k++)); do
		kill -0 "$pid" 2>/dev/null || break
		if [[ -z $tid ]]; then
			for x in /proc/"$pid"/task/*; do
				[[ $(cat "$x/comm" 2>/dev/null) == rte-worker-1 ]] && tid=${x##*/}
			done
		fi
		[[ -n $tid ]] && read -r x _ 2>/dev/null <"/proc/$pid/task/$tid/schedstat" && cpu_ns=$x
		sleep 0.05
	done
	echo "$cpu_ns" >"$WORK/cpu-$row-$i.txt"
	if kill -0 "$pid" 2>/dev/null; then
		echo "tcprtt.sh: run $row $i did not finish in 300 s" >&2
		stop_pid "$pid" INT
		return 1
	fi
	wait "$pid"
	local rc=$?
	for j in "${!PIDS[@]}"; do
		[[ ${PIDS[$j]} == "$pid" ]] && unset "PIDS[$j]"
	done
	rm -rf "/var/run/dpdk/$PREFIX-$row-$i" "$WORK/out-$row.pcap" "$WORK"/rtt-"$row"-*.json
	[[ $rc == 0 ]] || { echo "tcprtt.sh: run $row $i: exit $rc: $(why "$WORK/log-$row-$i.txt")" >&2; return 1; }
	printf '  run %d %-4s cycles/pkt %s\n' "$i" "$row" \
		"$("$PY" -c 'import json,sys; s = json.load(open(sys.argv[1]))
st = [x["cycles_per_packet"] for l in s.get("lcores", []) for x in l.get("stages", []) if x["name"] == "tcp_rtt"]
print(round(s["cycles_per_packet"], 1), "(busy TSC);", round(int(sys.argv[2]) * float(sys.argv[3]) / 1e3 / s["received"], 1), "(lcore thread CPU time)" + ("; tcp_rtt stage %.1f" % st[0] if st else ""))' \
			"$WORK/stats-$row-$i.json" "$cpu_ns" "$TSC_MHZ")"
}

echo "tcprtt.sh: $FLOWS flows x 9 frames, $CONC in flight; $RUNS runs per row, interleaved; TSC ${TSC_MHZ} MHz"
for i in $(seq "$RUNS"); do
	for row in $ROWS; do
		run "$row" "$i" || exit 1
	done
done

"$PY" - "$WORK" "$RUNS" "$FLOWS" "$TSC_MHZ" "$ROWS" <<'PYEOF'
import json, statistics, sys

work, runs, flows, mhz = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
hz = mhz * 1e6
rows, cpu = {}, {}
for row in [r for r in ("off", "on", "base") if r in sys.argv[5].split()]:
    rows[row] = [json.load(open("%s/stats-%s-%d.json" % (work, row, i))) for i in range(1, runs + 1)]
    cpu[row] = [int(open("%s/cpu-%s-%d.txt" % (work, row, i)).read()) * mhz / 1e3 / s["received"]
                for i, s in enumerate(rows[row], 1)]
med = {r: statistics.median(s["cycles_per_packet"] for s in rows[r]) for r in rows}
cmed = {r: statistics.median(cpu[r]) for r in rows}
cost, ccost = med["on"] - med["off"], cmed["on"] - cmed["off"]
print()
print("| row | cycles/packet, busy TSC (stampede's figure) | cycles/packet, lcore thread CPU time |")
print("|---|---|---|")
for r, name in (("off", "tcp_rtt disabled"), ("on", "tcp_rtt enabled"), ("base", "base: enabled, -b")):
    if r in rows:
        print("| %s | %.1f | %.1f |" % (name, med[r], cmed[r]))
print("| the monitor's cost (enabled - disabled) | %.1f | %.1f |" % (cost, ccost))
if "base" in rows:
    print("| base: the monitor's cost (base - disabled) | %.1f | %.1f |" %
          (med["base"] - med["off"], cmed["base"] - cmed["off"]))


def stage(s, name):
    st = [x for l in s.get("lcores", []) for x in l.get("stages", []) if x["name"] == name]
    return st[0]["cycles_per_packet"] if st and st[0].get("packets") else float("nan")


# Every worker stage of every row (--stats-json lcores[].stages: TSC around each stage's burst,
# over the packets it was handed), the flood row's included.
fl = [json.load(open("%s/stats-flood-%d.json" % (work, i))) for i in range(1, runs + 1)]
allrows = dict(rows, flood=fl)
names = []
for r in allrows.values():
    for s in r:
        for x in (x for l in s.get("lcores", []) for x in l.get("stages", [])):
            if x["name"] not in names:
                names.append(x["name"])
print()
print("| cycles/packet per worker stage (TSC around its bursts; medians) | " +
      " | ".join(names) + " |")
print("|---|" + "---|" * len(names))
for r, name in (("off", "tcp_rtt disabled"), ("on", "tcp_rtt enabled"), ("base", "base: enabled, -b"),
                ("flood", "SYN flood")):
    if r in allrows:
        v = [[stage(s, n) for s in allrows[r]] for n in names]
        print("| %s | %s |" % (name, " | ".join(
            "-" if all(x != x for x in c) else "%.1f" % statistics.median(x for x in c if x == x)
            for c in v)))
print("(medians of %d runs; busy TSC counts the time the lcore's thread was preempted too, CPU "
      "time does not)" % runs)
t = [s["tcp_rtt"] for s in rows["on"]]
fps = [x["flows"] / (s["cycles_per_packet"] * s["received"] / hz) for x, s in zip(t, rows["on"])]
cfps = [x["flows"] / (c * s["received"] / hz) for x, s, c in zip(t, rows["on"], cpu["on"])]
print()
print("| flow table (tcp_rtt enabled) | value |")
print("|---|---|")
print("| packets per run | %d |" % rows["on"][0]["received"])
print("| flows entered per run | %s |" % ", ".join(str(x["flows"]) for x in t))
print("| flows/s, whole pipeline, per second of busy TSC / of CPU time (medians) | %.0f / %.0f |"
      % (statistics.median(fps), statistics.median(cfps)))
if ccost > 0:
    print("| flows/s, the monitor alone (TSC Hz / (CPU-time cost x 9)) | %.0f |" % (hz / (ccost * 9)))
print("| table_full / evicted, all runs | %d / %d |" %
      (sum(x["table_full"] for x in t), sum(x["evicted"] for x in t)))
print("| closed per run | %s |" % ", ".join(str(x["closed"]) for x in t))
print("| samples per run (syn_synack, synack_ack, tsval) | %s |" %
      ", ".join(str(t[0]["samples"][k]) for k in ("syn_synack", "synack_ack", "tsval")))
print("| records made / written / dropped (writer ring full), all runs | %d / %d / %d |" %
      (sum(x["records"] for x in t), sum(x["records_written"] for x in t),
       sum(x["records_dropped"] for x in t)))
bad = [s for r in rows.values() for s in r if s["received"] != s["transmitted"]]
ft = [s["tcp_rtt"] for s in fl]
fcpu = [int(open("%s/cpu-flood-%d.txt" % (work, i)).read()) * mhz / 1e3 / s["received"]
        for i, s in enumerate(fl, 1)]
print()
print("| under a SYN flood (table full, evictions running) | value |")
print("|---|---|")
print("| packets per run (real frames + flood SYNs) | %d |" % fl[0]["received"])
print("| cycles/packet, busy TSC / CPU time (medians) | %.1f / %.1f |" %
      (statistics.median(s["cycles_per_packet"] for s in fl), statistics.median(fcpu)))
print("| flows entered per run | %s |" % ", ".join(str(x["flows"]) for x in ft))
print("| flows/s entered, per second of busy TSC / of CPU time (medians) | %.0f / %.0f |" %
      (statistics.median(x["flows"] / (s["cycles_per_packet"] * s["received"] / hz)
                         for x, s in zip(ft, fl)),
       statistics.median(x["flows"] / (c * s["received"] / hz) for x, s, c in zip(ft, fl, fcpu))))
print("| real handshakes measured (syn_synack) of %d, per run | %s |" %
      (flows, ", ".join(str(x["samples"]["syn_synack"]) for x in ft)))
print("| table_full / evicted (idle) / evicted_half_open / evicted_handshake, run 1 | "
      "%d / %d / %s / %s |" % (ft[0]["table_full"], ft[0]["evicted"],
                               ft[0].get("evicted_half_open", "-"),
                               ft[0].get("evicted_handshake", "-")))
bad += [s for s in fl if s["received"] != s["transmitted"]]
print("every run forwarded every packet: %s" % ("yes" if not bad else "NO"))
PYEOF

((CALLGRIND)) || exit 0
# Instruction counts: the disabled and the enabled config (and base) once under callgrind, one
# file per thread. The stage is the function tcprtt_burst; the writer thread formats the
# records; the datapath lcore's work is port_stamp_burst + pkt_parse_buf (lib/pkt's parse, when
# a stage asks for it) + the stages' functions (the stages and TX), so enabled - disabled is the
# monitor's whole cost in instructions, as the cycle rows above measure it.
echo
echo "callgrind: $CGFLOWS flows x 9 frames, instructions (Ir) per packet / per record"
: >"$WORK/cg-lcore.txt"
for b in off on ${BASE:+base}; do
	bin=$STAMPEDE
	cfg=$WORK/cg.json
	[[ $b == base ]] && bin=$WORK/stampede-base
	[[ $b == off ]] && cfg=$WORK/cgoff.json
	valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$WORK/cg-$b.%p" \
		"$bin" -c "$cfg" --exit-on-eof --stats-json "$WORK/stats-cg-$b.json" \
		-- --file-prefix="$PREFIX-cg-$b" --lcores=0@0,1@1 >"$WORK/log-cg-$b.txt" 2>&1 ||
		{ echo "tcprtt.sh: callgrind $b: $(why "$WORK/log-cg-$b.txt")" >&2; exit 1; }
	rm -rf "/var/run/dpdk/$PREFIX-cg-$b" "$WORK"/rtt-cg-*.json "$WORK/out-cg.pcap"
	for f in "$WORK"/cg-"$b".*-*; do
		callgrind_annotate --inclusive=yes --threshold=100 "$f" 2>/dev/null
	done | "$PY" -c '
import json, re, sys
s = json.load(open(sys.argv[2]))
pk, rec = s["received"], max(s.get("tcp_rtt", {}).get("records", 0), 1)
lcore = ("port_stamp_burst", "pkt_parse_buf", "stp_worker_from", "tcprtt_burst", "rules_burst")
want = {"lcore": "datapath lcore: stamps, lib/pkt parse, stages, TX (per packet)",
        "tcprtt_burst": "stage (tcprtt_burst)", "tcprtt_frame_parse": "  parse + key hash",
        "tcprtt_pkt_parse": "  parse + key hash",
        "tcprtt_mon_packet": "  flow table + samples", "tcprtt_mon_burst": "  flow table + samples",
        "tcprtt_mon_expire": "  timer wheel",
        "writer_main": "writer thread, per record"}
# A function is listed under several file names: its own (the whole of it) and, apart, the code
# inlined into it from headers (hist.h:tcprtt_burst, ...); the largest figure is the whole.
got = {}
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) .*:(\w+)(?: \[|$)", line.rstrip("\n"))
    if m and (m.group(2) in want or m.group(2) in lcore):
        got[m.group(2)] = max(got.get(m.group(2), 0), int(m.group(1).replace(",", "")))
# The stages and TX: stp_worker_from, where the RX path calls it (builds before 3ec23b7); since
# then the RX path runs the stage loop inlined, so the function of each stage is counted (its
# hand-off to TX included; the few instructions a burst of the loop itself left out). Counted once.
parts = [k for k in lcore if not ("stp_worker_from" in got and k in ("tcprtt_burst", "rules_burst"))]
if any(k in got for k in parts):
    got["lcore"] = sum(got.get(k, 0) for k in parts)
if "tcprtt_frame_parse" in got:
    got.pop("tcprtt_pkt_parse", None)  # its slow path, included
# lcore: what stampede does to each packet after the PMD read it (the RX loop itself, ~10-20
# instr/pkt, and idle polls are left out: after the pcap ends the lcore polls as long as the
# main thread takes to notice, which varies run to run).
for k, name in want.items():
    if k in got:
        print("| %s | %s | %.1f |" % (sys.argv[1], name, got[k] / (rec if k == "writer_main" else pk)))
if "lcore" in got:
    open(sys.argv[3], "a").write("%s %.1f\n" % (sys.argv[1], got["lcore"] / pk))
' "$b" "$WORK/stats-cg-$b.json" "$WORK/cg-lcore.txt"
done
awk '{ v[$1] = $2 } END {
	if ("off" in v && "on" in v)
		printf "| on - off | the monitor'"'"'s cost: datapath lcore instructions per packet | %.1f |\n", v["on"] - v["off"]
	if ("off" in v && "base" in v)
		printf "| base - off | the monitor'"'"'s cost: datapath lcore instructions per packet | %.1f |\n", v["base"] - v["off"]
}' "$WORK/cg-lcore.txt"
