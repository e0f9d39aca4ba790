#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# The tcp_rtt stage's work alone (parse, flow table, samples, timer wheel; records made, not
# written), this tree's lib/tcprtt/tcprtt.c against another commit's, in one run: both are
# built into scripts/bench/tcprtt_mon.c (the build's flags: -O2 -march=corei7) and run on the
# same pcap of short flows (scripts/bench/tcprtt_flows.py), the two interleaved, RUNS runs
# each. Each run prints the 25th percentile and the median over its bursts of cycles per packet
# (TSC around each burst of 32): preemption only adds to a burst, so on a shared machine these
# are steadier than tcprtt.sh's totals; and the mean over all packets, which is the figure
# comparable with the pipeline's stage (a burst holds 32 frames of one kind, so the quantiles
# are those of the kinds, not the cost per packet). A benchmark: it asserts nothing about timing.
#
# Usage: scripts/bench/tcprtt_mon.sh [-n RUNS] [-f FLOWS] [-c CONCURRENT] [-b COMMIT]
#   (default: 5 runs, 100000 flows, 1000 in flight, COMMIT 35ec05e: the start of issue 18's
#   fifth round). Needs the build directory (build/: lib/pkt and lib/hist's static libraries).
set -eu

RUNS=5
FLOWS=100000
CONC=1000
BASE=35ec05e
while getopts "n:f:c:b:h" opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	f) FLOWS=$OPTARG ;;
	c) CONC=$OPTARG ;;
	b) BASE=$OPTARG ;;
	*) sed -n '4,16p' "$0"; exit 2 ;;
	esac
done
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=$ROOT/build
WORK=$(mktemp -d /dev/shm/stampede-tcprtt-mon.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/base"
for f in lib/tcprtt/tcprtt.c lib/tcprtt/tcprtt.h lib/bytes/bytes.h lib/pkt/pkt.h lib/hist/hist.h; do
	git -C "$ROOT" show "$BASE:$f" >"$WORK/base/$(basename "$f")"
done
# Built as meson builds lib/tcprtt (its compile_commands.json): -O2 and DPDK's -march.
CFLAGS="$(pkg-config --cflags libdpdk) -std=gnu11 -O2 -g -D_GNU_SOURCE -DALLOW_EXPERIMENTAL_API"
LIBS="$BUILD/lib/pkt/libstp_pkt.a $BUILD/lib/hist/libstp_hist.a $(pkg-config --libs libdpdk) -lpcap -lm"
# shellcheck disable=SC2086
cc $CFLAGS -I"$WORK/base" -o "$WORK/bench-base" "$HERE/tcprtt_mon.c" "$WORK/base/tcprtt.c" $LIBS
buckets=""
grep -q tcprtt_bucket_prefetch "$ROOT/lib/tcprtt/tcprtt.h" && buckets=-DHAVE_BUCKETS
# shellcheck disable=SC2086
cc $CFLAGS $buckets -I"$ROOT/lib/tcprtt" -I"$ROOT/lib/pkt" -I"$ROOT/lib/hist" -I"$ROOT/lib/bytes" \
	-o "$WORK/bench-this" "$HERE/tcprtt_mon.c" "$ROOT/lib/tcprtt/tcprtt.c" $LIBS
"${PYTHON:-/usr/bin/python3}" "$HERE/tcprtt_flows.py" "$WORK/flows.pcap" --flows "$FLOWS" --concurrent "$CONC" >/dev/null

echo "tcprtt_mon.sh: $FLOWS flows x 9 frames, $CONC in flight, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$RUNS"); do
	for b in this base; do
		"$WORK/bench-$b" "$WORK/flows.pcap" 1 "tcprtt_mon_$$_$b" | sed "s/^run 0/$b/"
		rm -rf "/var/run/dpdk/tcprtt_mon_$$_$b"
	done
done | tee "$WORK/out.txt"
# The median over runs of field F of build B's lines ("run 0 cycles/pkt p25 X median Y mean Z
# p75 W"; a base before the mean was printed has no field 8: "-").
med_of()
{
	awk -v b="$1" -v f="$2" '$1 == b && NF >= f { print $f }' "$WORK/out.txt" | sort -n |
		awk '{ a[NR] = $1 } END { print NR ? a[int((NR + 1) / 2)] : "-" }'
}
echo "| build | cycles/packet, p25 of bursts | median of bursts | mean (all cycles / all packets) | (medians of $RUNS runs)"
echo "|---|---|---|---|"
for b in this base; do
	echo "| $b | $(med_of "$b" 4) | $(med_of "$b" 6) | $(med_of "$b" 8) |"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
