#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Replay benchmark (issue 15 item 6): a pcap of N 64-byte frames (net_pcap rx_pcap) replayed
# into a pcapng output with --exit-on-eof, by two stampede builds in the same run, interleaved,
# R runs each, plus `tcpdump -r in -w out` (pcap) as the reference. Per run: frames in the pcapng
# (capinfos), drops (--stats-json), wall time of the whole process (EAL start-up included) and
# frames written per second. Benchmarks are not tests: this prints numbers, it asserts nothing.
#
# Usage: scripts/bench/replay.sh -a BEFORE_EXE -b AFTER_EXE [-n FRAMES] [-r RUNS] [-k]
#   -k keeps the work directory.
set -u

here=$(cd "$(dirname "$0")" && pwd)
n=2000000
runs=3
keep=0
a=""
b=""
while getopts "a:b:n:r:k" o; do
	case $o in
	a) a=$(readlink -f "$OPTARG") ;;
	b) b=$(readlink -f "$OPTARG") ;;
	n) n=$OPTARG ;;
	r) runs=$OPTARG ;;
	k) keep=1 ;;
	*) sed -n 4,13p "$0"; exit 2 ;;
	esac
done
if [ -z "$a" ] || [ -z "$b" ]; then
	sed -n 4,13p "$0"
	exit 2
fi
for t in capinfos tcpdump python3; do
	command -v $t >/dev/null || { echo "replay.sh: $t is needed" >&2; exit 2; }
done

work=$(mktemp -d /tmp/stp-bench-replay.XXXXXX)
[ $keep = 1 ] || trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
RESULTS=$work/results.tsv # record_stages (lib.sh): each stampede run's cycles/pkt per stage
: >"$RESULTS"
# shellcheck source=scripts/bench/lib.sh
. "$here/lib.sh"

PYTHONPATH="$here/../../test/functional" python3 -c \
	"import replay_frames, sys; replay_frames.write_frames('in.pcap', int(sys.argv[1]))" "$n" || exit 1
cat > replay.json <<JSON
{"eal": {"hugepages": false},
 "ports": [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"}],
 "outputs": [{"name": "cap", "type": "pcapng", "path": "cap-{index}.pcapng"}],
 "rules": [{"name": "all", "action": "forward", "out": "cap"}]}
JSON

count() { capinfos -c -M "$1" 2>/dev/null | awk -F: '/Number of packets/ {gsub(/ /,"",$2); print $2}'; }

# One run: label, command...; prints "label frames drops seconds frames/s".
one() {
	local label=$1 t0 t1 written drops
	shift
	rm -f cap-*.pcapng out.pcap stats.json
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s.%N)
	if [ -f out.pcap ]; then written=$(count out.pcap); else written=$(count cap-0.pcapng); fi
	drops=$(python3 -c 'import json; print(json.load(open("stats.json"))["dropped"])' \
		2>/dev/null || echo "-")
	record_stages "$label" "-" stats.json
	awk -v l="$label" -v w="${written:-0}" -v d="$drops" -v t0="$t0" -v t1="$t1" \
		'BEGIN { printf "%-8s %10d %10s %8.2f %12.0f\n", l, w, d, t1 - t0, w / (t1 - t0) }'
}

printf "%d frames of 64 bytes, %d runs each\n" "$n" "$runs"
printf "%-8s %10s %10s %8s %12s\n" build written dropped seconds frames/s
for r in $(seq "$runs"); do
	one before "$a" -c replay.json --exit-on-eof --stats-json stats.json \
		-- --file-prefix="bench-replay-a-$$"
	one after "$b" -c replay.json --exit-on-eof --stats-json stats.json \
		-- --file-prefix="bench-replay-b-$$"
	one tcpdump tcpdump -r in.pcap -w out.pcap
done
stage_report "$RESULTS"
