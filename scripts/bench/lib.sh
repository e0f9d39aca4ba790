#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Helpers shared by the benchmark scripts (sourced). They act only on PIDs the script started,
# which it keeps in the PIDS array.

# stop_pid PID [SIGNAL]: SIGINT by default (stampede and testpmd stop gracefully and print their
# final counters), SIGKILL after 20 s; the PID leaves PIDS.
stop_pid()
{
	local pid=$1 sig=${2:-INT} i

	kill -"$sig" "$pid" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	for i in "${!PIDS[@]}"; do
		[[ ${PIDS[$i]} == "$pid" ]] && unset "PIDS[$i]"
	done
}

# wait_ready PID LOG REGEX [SECONDS]: wait (60 s by default) for REGEX in LOG; fail if the
# process exits first.
wait_ready()
{
	local pid=$1 log=$2 re=$3 secs=${4:-60} i

	for ((i = 0; i < secs * 10; i++)); do
		grep -qaE "$re" "$log" 2>/dev/null && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# why LOG: the most telling line of a failed start (progress lines use \r: split on it too).
why()
{
	local l

	l=$(tr '\r' '\n' <"$1" | grep -aiE 'error|fail|cannot|invalid|not (found|supported)|no such' |
		grep -v 'errors: 0' | tail -n 1)
	[[ -n $l ]] || l=$(tr '\r' '\n' <"$1" | grep -av '^\s*$' | tail -n 1)
	echo "${l:-no output}" | tr -s ' \t' ' ' | cut -c1-150
}

# record_stages A B STATS_JSON: call the caller's record() with A B stage:NAME CYCLES for each
# worker stage of a --stats-json file (lcores[].stages: its cycles per packet it was handed);
# a script with no record() of its own gets the line appended to $RESULTS. A missing or
# unreadable file (a failed run, a tool that is not stampede) records nothing.
record_stages()
{
	local st x

	st=$(python3 - "$3" <<'PYEOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    print(";".join(f"{x['name']}={x['cycles'] / x['packets']:.2f}" for lc in d.get("lcores", [])
                   for x in lc.get("stages", []) if x.get("packets")))
except (OSError, ValueError, KeyError, TypeError, ZeroDivisionError):
    print()
PYEOF
)
	[[ -n $st ]] || return 0
	IFS=';' read -r -a st <<<"$st"
	for x in "${st[@]}"; do
		if declare -F record >/dev/null; then
			record "$1" "$2" "stage:${x%%=*}" "${x#*=}"
		else
			printf '%s\t%s\t%s\t%s\n' "$1" "$2" "stage:${x%%=*}" "${x#*=}" >>"$RESULTS"
		fi
	done
}

# stage_report RESULTS: under a title, the median cycles/pkt of each worker stage per (A, B)
# of the records record_stages wrote (RESULTS: lines A<TAB>B<TAB>KEY<TAB>VALUE), in the order
# first seen.
stage_report()
{
	python3 - "$1" <<'PYEOF'
import statistics, sys
res, order = {}, []
for l in open(sys.argv[1]):
    a, b, k, v = l.rstrip("\n").split("\t", 3)
    if k.startswith("stage:") and v not in ("", "nan", "-"):
        if (a, b) not in order:
            order.append((a, b))
        res.setdefault((a, b), {}).setdefault(k[6:], []).append(float(v))
if order:
    print()
    print("cycles/pkt per worker stage (--stats-json lcores[].stages: TSC around each burst of a")
    print("stage, over the packets handed to it), medians of the runs:")
    for a, b in order:
        print(f"  {a:<14}{b:<10}" + ", ".join(f"{n} {statistics.median(x):.1f}"
                                             for n, x in res[(a, b)].items()))
PYEOF
}

# lcore_cpu_ticks PID: CPU time (utime + stime, clock ticks) of PID's DPDK worker lcore threads
# ("rte-worker-N"), summed; the main lcore and the service threads are left out. Rate per
# CPU-second = packets / (ticks / CLK_TCK): unlike a wall-clock rate, it does not fall when
# another process takes the CPU from the forwarding thread (a shared machine).
# lcore_cpu_ticks PID rest: the same for every other thread of PID (main lcore, control,
# telemetry, interrupt threads): what the process takes beside its datapath.
lcore_cpu_ticks()
{
	local t s=0 w rest=0 f=()

	[[ ${2:-} == rest ]] && rest=1
	for t in /proc/"$1"/task/*; do
		w=0
		[[ $(cat "$t/comm" 2>/dev/null) == rte-worker-* ]] && w=1
		((w != rest)) || continue
		# Fields 14 and 15 (utime, stime) after the ")" that ends the command name (an array:
		# `set --` here would overwrite this function's own arguments mid-loop).
		read -r -a f < <(sed 's/.*) //' "$t/stat" 2>/dev/null) || continue
		((${#f[@]} > 12)) || continue
		s=$((s + f[11] + f[12]))
	done
	echo "$s"
}

# thread_wakeups PID: voluntary context switches (each a sleep and a wake-up) of PID's threads
# other than its DPDK worker lcores ("rte-worker-N"), summed: how often the main lcore and the
# control threads take a CPU, possibly from a datapath lcore sharing it. Sample it twice and
# divide by the seconds between.
thread_wakeups()
{
	local t s=0 v

	for t in /proc/"$1"/task/*; do
		[[ $(cat "$t/comm" 2>/dev/null) == rte-worker-* ]] && continue
		v=$(sed -n 's/^voluntary_ctxt_switches:[[:space:]]*//p' "$t/status" 2>/dev/null)
		s=$((s + ${v:-0}))
	done
	echo "$s"
}
