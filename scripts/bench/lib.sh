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
