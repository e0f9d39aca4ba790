#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# lib/filter's expectation table against tcpdump: `test_filter --dump DIR` writes the unit test's
# frames as DIR/frames.pcap (frame i stamped i+1 s) and its table as DIR/cases.txt
# ("i,j,k<TAB>EXPR"); for each expression, the frames tcpdump keeps (tcpdump -w, then read back
# by timestamp: counting printed lines over-counts) must be exactly the expected ones.
#
# Usage: filter_vs_tcpdump.sh PATH/TO/test_filter
# One line per expression, a summary line "N passed, N failed"; exit 77 (skip) without tcpdump.
set -euo pipefail

exe=${1:?usage: filter_vs_tcpdump.sh PATH/TO/test_filter}
command -v tcpdump >/dev/null || { echo "tcpdump not installed: skipped"; exit 77; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$exe" --dump "$dir"

pass=0
fail=0
while IFS=$'\t' read -r want expr; do
	if ! tcpdump -r "$dir/frames.pcap" -w "$dir/out.pcap" "$expr" 2>"$dir/err"; then
		echo "FAIL '$expr': tcpdump: $(cat "$dir/err")"
		fail=$((fail + 1))
		continue
	fi
	got=$(tcpdump -tt -nn -r "$dir/out.pcap" 2>/dev/null |
		awk '/^[0-9]+\.[0-9]+ / { split($1, t, "."); printf "%s%d", sep, t[1] - 1; sep = "," }')
	[ -n "$got" ] || got=-
	if [ "$got" = "$want" ]; then
		echo "ok   '$expr': tcpdump keeps $got"
		pass=$((pass + 1))
	else
		echo "FAIL '$expr': tcpdump keeps $got, table says $want"
		fail=$((fail + 1))
	fi
done <"$dir/cases.txt"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
