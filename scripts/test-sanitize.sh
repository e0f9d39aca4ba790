#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Build stampede with AddressSanitizer and UndefinedBehaviorSanitizer (gcc, build-asan/) and run
# the unit and functional suites under them. Exits with meson test's status: any sanitizer
# report fails the test that triggered it (the binary exits non-zero, which every test checks).
#
# Usage: scripts/test-sanitize.sh [extra `meson test` arguments]
#
# Only stampede's own code is instrumented: Debian's DPDK, jansson and libpcap are not, so an
# overflow inside them goes unseen (ASan still checks their malloc/free and the libc calls it
# intercepts). The functional suite is the real binary on vdevs (net_pcap, net_ring, net_null)
# with --no-huge, which works under ASan unchanged: EAL's memory is anonymous mmap, placed by the
# kernel away from ASan's shadow. The system suite is not run here (it needs root and namespaces,
# and covers the same code on other vdevs).
#
# Leak checking stays on (ASan's default): with --no-huge DPDK takes its memory with mmap, which
# LeakSanitizer does not track, and rte_eal_cleanup() releases what EAL mallocs, so a leak report
# is stampede's own. (If a DPDK update ever makes LeakSanitizer report EAL's allocations at exit,
# add detect_leaks=0 here for that reason rather than ignoring failures.)
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

build=build-asan
opts=(-Db_sanitize=address,undefined -Db_lundef=false -Dwerror=true)
if [ -d "$build/meson-private" ]; then
	meson setup --reconfigure "$build" "${opts[@]}" >/dev/null ||
		meson setup --wipe "$build" "${opts[@]}" >/dev/null
else
	meson setup "$build" "${opts[@]}" >/dev/null
fi
ninja -C "$build"

# halt_on_error: the first report ends the process, so the test fails rather than logging it.
# Not detect_stack_use_after_return: with gcc 12 its fake stack frames do not keep the 64-byte
# alignment of __rte_cache_aligned locals (struct stp_lcore_stats in stats.c and main.c, seen at
# 0x...020), which UBSan then reports as a misaligned access: a false report, not a stampede bug.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

meson test -C "$build" --print-errorlogs --num-processes 2 --suite unit --suite functional "$@"
