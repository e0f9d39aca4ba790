#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Build the libFuzzer targets (test/fuzz, clang, -Dfuzz=true, in build-fuzz/) and run each for
# SECONDS with its seed corpus. Prints one line per target (executions, exec/s, corpus growth,
# crashes) and exits 1 if any target crashed, leaked, timed out or ran out of memory.
#
# Usage: scripts/fuzz.sh SECONDS [TARGET...]
#   TARGET: pkt cfg rule filter trailer probe stamp reflect tcprtt sph collect edge (default: all)
#
# Environment:
#   FUZZ_RUNS=N   also stop a target after N executions (whichever comes first)
#   FUZZ_WORK=DIR work directory (default build-fuzz/fuzz-work); cleared per target
#
# The seed corpus (test/fuzz/corpus/<target>, plus config/*.json and test/data/bad-config*/*.json
# for cfg) is copied to DIR/<target>/corpus, which the fuzzer grows; the repository is not
# modified. A crash leaves its input in DIR/<target>/: replay it with
#   build-fuzz/test/fuzz/fuzz_<target> DIR/<target>/crash-...
# Targets run one after the other: each is one process on one CPU.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() {
	echo "usage: $0 SECONDS [pkt|cfg|rule|filter|trailer|probe|stamp|reflect|tcprtt|sph|collect|edge ...]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
secs=$1
shift
[[ "$secs" =~ ^[0-9]+$ ]] && [ "$secs" -gt 0 ] || usage
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pkt cfg rule filter trailer probe stamp reflect tcprtt sph collect edge)

# -max_len per target: the longest input that still means something to the code under test.
declare -A max_len=(
	[pkt]=9232    # the largest frame: CFG_MAX_MTU (9218) + Ethernet header
	[tcprtt]=9232 # frames too
	[cfg]=16384   # configurations are a few kB; longer ones only repeat sections
	[rule]=2048   # one rules[] object: a filter of up to 1023 bytes and a few short keys
	[filter]=1023 # CFG_FILTER_LEN - 1
	[trailer]=9500 # 16 bytes of spec + the largest frame with a stack of trailers
	[probe]=2048   # a series of length-prefixed probe payloads (a few dozen probes)
	[stamp]=1500  # a STAMP UDP payload: 44 bytes and padding up to an Ethernet MTU
	[reflect]=9233 # a selector byte + the largest frame (reflector requests)
	[sph]=9600    # a jumbo datagram of stampede records (largest MTU + headers)
	[collect]=9000 # a selector byte + up to 3 datagrams of a burst (fwd/next ports: MTU 9000)
	[edge]=3072    # 3 bytes of spec + up to 3 control datagrams (a collector's ACKs: <= 1 kB) + clock steps
)
declare -A dict=([cfg]=cfg.dict [rule]=cfg.dict [filter]=filter.dict)
for t in "${targets[@]}"; do
	[ -n "${max_len[$t]:-}" ] || { echo "fuzz: unknown target '$t'" >&2; usage; }
done

build=build-fuzz
work=${FUZZ_WORK:-$build/fuzz-work}

if ! command -v clang >/dev/null; then
	echo "fuzz: clang is not installed (scripts/setup-deps.sh installs it)" >&2
	exit 1
fi
if [ -d "$build/meson-private" ]; then
	meson setup --reconfigure "$build" >/dev/null ||
		CC=clang meson setup --wipe "$build" -Dfuzz=true -Doptimization=1 -Ddebug=true \
			>/dev/null
else
	CC=clang meson setup "$build" -Dfuzz=true -Doptimization=1 -Ddebug=true >/dev/null
fi
ninja -C "$build" "${targets[@]/#/test/fuzz/fuzz_}" >/dev/null

export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

failed=0
for t in "${targets[@]}"; do
	dir=$work/$t
	rm -rf "$dir"
	mkdir -p "$dir/corpus"
	cp test/fuzz/corpus/"$t"/* "$dir/corpus/"
	if [ "$t" = cfg ]; then
		for f in config/*.json test/data/bad-config*/*.json; do
			cp "$f" "$dir/corpus/$(basename "$(dirname "$f")")-$(basename "$f")"
		done
	fi
	seeds=$(find "$dir/corpus" -type f | wc -l)
	netns=()
	if [ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null; then
		netns=(unshare -n)
	fi
	args=(-max_total_time="$secs" -max_len="${max_len[$t]}" -print_final_stats=1
		-artifact_prefix="$dir/" -timeout=10 -rss_limit_mb=2048)
	[ -z "${FUZZ_RUNS:-}" ] || args+=(-runs="$FUZZ_RUNS")
	[ -z "${dict[$t]:-}" ] || args+=(-dict=test/fuzz/"${dict[$t]}")

	set +e
	# In a network namespace of its own (no interface up): libpcap resolves host names in
	# filters with DNS, which otherwise waits out resolver timeouts for every such input and
	# stalls the fuzzer (seen: fuzz_filter idle in poll()). There it fails at once.
	"${netns[@]}" "$build/test/fuzz/fuzz_$t" "${args[@]}" "$dir/corpus" >"$dir/log" 2>&1
	rc=$?
	set -e

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$dir/log" | tail -n 1)
	grown=$(find "$dir/corpus" -type f | wc -l)
	crashes=$(find "$dir" -maxdepth 1 -type f \
		\( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
		sort)
	if [ "$rc" -ne 0 ] || [ -n "$crashes" ]; then
		failed=1
		[ -n "$crashes" ] || crashes="(exit status $rc, no input saved)"
		echo "fuzz_$t: ${execs:-?} executions, ${rate:-?} exec/s," \
			"corpus $seeds -> $grown, crashes: $(echo "$crashes" | tr '\n' ' ')"
		echo "fuzz_$t: log $dir/log:"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|fuzz_|.*runtime error)' "$dir/log" | head -n 10 |
			sed 's/^/    /'
	else
		echo "fuzz_$t: ${execs:-?} executions, ${rate:-?} exec/s," \
			"corpus $seeds -> $grown, crashes: 0"
	fi
done
exit $failed
