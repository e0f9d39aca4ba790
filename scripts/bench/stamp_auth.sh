#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# The cost of authenticated STAMP (RFC 8762 4.4, HMAC-SHA-256/128 through OpenSSL's EVP_MAC,
# lib/stamp/stamp_hmac.c) per packet, next to the unauthenticated reflector's work, in one run:
# scripts/bench/stamp_hmac.c compiled against lib/stamp (-O2, like the build) and run
#   - under callgrind (valgrind): instructions per packet = (Ir(N2) - Ir(N1)) / (N2 - N1),
#     deterministic, so it is the figure to compare across machines and changes;
#   - natively: TSC cycles per packet, the median of RUNS passes of N packets (this machine,
#     shared CPUs: indicative only).
# Under valgrind, libcrypto sees no SHA extensions (valgrind's CPUID hides them) and runs its
# generic SHA-256 blocks: the instruction count is that path's; natively, on a CPU with sha_ni,
# OpenSSL uses those instructions.
# Benchmarks are not tests: this prints numbers, it asserts nothing.
#
# Usage: scripts/bench/stamp_auth.sh [-n RUNS] [-c PACKETS]
set -eu

RUNS=5
N=200000
while getopts "n:c:" o; do
	case $o in
	n) RUNS=$OPTARG ;;
	c) N=$OPTARG ;;
	*) echo "usage: $0 [-n RUNS] [-c PACKETS]" >&2; exit 2 ;;
	esac
done
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$HERE/../../lib/stamp
WORK=$(mktemp -d /tmp/stamp-auth-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

"${CC:-cc}" -O2 -Wall -I"$SRC" -o "$WORK/bench" "$HERE/stamp_hmac.c" "$SRC/stamp.c" \
	"$SRC/stamp_hmac.c" -lcrypto

ir() { # MODE N -> total instructions (callgrind)
	valgrind --tool=callgrind --callgrind-out-file="$WORK/cg.out" "$WORK/bench" "$1" "$2" \
		>/dev/null 2>&1
	sed -n 's/^summary: *//p' "$WORK/cg.out"
}

printf "%-8s %14s %14s %12s\n" mode "instr/packet" "cycles/packet" "x plain"
plain_ir=
for mode in plain sign check reflect; do
	if command -v valgrind >/dev/null; then
		a=$(ir "$mode" 1000)
		b=$(ir "$mode" 11000)
		per=$(((b - a) / 10000))
	else
		per=NA
	fi
	cyc=$(for _ in $(seq "$RUNS"); do "$WORK/bench" "$mode" "$N" | cut -d' ' -f3; done |
		sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	[ -n "$plain_ir" ] || plain_ir=$per
	ratio=NA
	[ "$per" = NA ] || ratio=$(awk -v a="$per" -v b="$plain_ir" 'BEGIN { printf "%.1f", a / b }')
	printf "%-8s %14s %14s %12s\n" "$mode" "$per" "$cyc" "$ratio"
done
