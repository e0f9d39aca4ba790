#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Fault injection: SIGTERM while a rotating pcapng capture is being written at full rate.
#
# stampede on net_null ports (net_null0 offers packets as fast as it is polled): every packet of
# port a is captured to output "cap" (pcapng, rotate_bytes 4 MiB, {index} in the path) and
# forwarded to port b. After RUN seconds, in the middle of a file, the test sends SIGTERM to
# stampede's PID. Checks:
#  - stampede exits 0 within 20 s;
#  - every file is a complete pcapng file: capinfos reads every record of each without an error
#    (a cut-off block is reported), and tshark reads the first and the last file (the one
#    SIGTERM interrupted) to the end without an error or a warning, with the same count;
#  - the files are numbered 0..n-1 without a gap, and their number is the output's "files";
#  - the packets in all files add up to "captured" in --stats-json (and the output's "written");
#  - received + replicated == transmitted + captured + dropped, exactly (capture_ring_full
#    counts what the writer could not take).
#
# Usage: test/system/fault_sigterm_capture.sh PATH_TO_STAMPEDE   (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

RUN=${STP_FAULT_DURATION:-2}

sys_preflight "$@"
command -v tshark >/dev/null || skip "tshark is not installed"
command -v capinfos >/dev/null || skip "capinfos is not installed"
mkdir "$WORK/cap"
cat >"$WORK/config.json" <<JSON
{
  "node": { "id": 7, "description": "sigterm capture test $TAG" },
  "eal": { "args": [], "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [ { "name": "a", "device": "net_null0" }, { "name": "b", "device": "net_null1" } ],
  "outputs": [ { "name": "cap", "type": "pcapng", "path": "$WORK/cap/cap-{index}.pcapng",
                 "rotate_bytes": 4194304 } ],
  "rules": [
    { "name": "capture", "in": [ "a" ], "action": "forward", "out": "cap", "continue": true },
    { "name": "a-b", "in": [ "a" ], "action": "forward", "out": "b" }
  ]
}
JSON
sys_check_config

log "starting stampede (net_null -> pcapng, rotation every 4 MiB)"
sys_launch_stampede
sleep "$RUN"
kill -0 "$STP_PID" 2>/dev/null || fail "stampede died under load"
sys_stop_stampede TERM 20
echo "---- stampede output (last lines) ----"
grep -E "^rx |capture|cap |total:" "$WORK/stampede.log" | tail -n 12
echo "--------------------------------------"
[ "$STP_RC" -eq 0 ] || fail "stampede exited with status $STP_RC after SIGTERM"
sys_check_invariant

read -r o_files o_written <<<"$("$PY" -c 'import json, sys
o = json.load(open(sys.argv[1]))["outputs"][0]
print(o["files"], o["written"])' "$WORK/stats.json")"
nfiles=$(find "$WORK/cap" -name 'cap-*.pcapng' | wc -l)
log "$nfiles capture files; the output says files=$o_files written=$o_written"
[ "$nfiles" -ge 2 ] || fail "only $nfiles file(s): the run did not rotate"
[ "$nfiles" -eq "$o_files" ] || fail "$nfiles files on disk, the output counted $o_files"
sum=0
for ((i = 0; i < nfiles; i++)); do
	f=$WORK/cap/cap-$i.pcapng
	[ -f "$f" ] || fail "cap-$i.pcapng is missing (files 0..$((nfiles - 1)) expected)"
	c=$(capinfos -M -c -T "$f" 2>"$WORK/capinfos.err" | awk -F'\t' 'NR == 2 { print $2 }') ||
		true
	[ -n "$c" ] && [ ! -s "$WORK/capinfos.err" ] ||
		fail "capinfos cannot read cap-$i.pcapng: $(cat "$WORK/capinfos.err")"
	# tshark dissects every frame (slow): it reads the first file and the last one, the file
	# that SIGTERM cut; capinfos reads every record of every file, and reports a cut-off one.
	if [ "$i" -eq 0 ] || [ "$i" -eq $((nfiles - 1)) ]; then
		t=$(tshark -r "$f" -T fields -e frame.number 2>"$WORK/tshark.err" | tail -n 1) ||
			fail "tshark cannot read cap-$i.pcapng: $(cat "$WORK/tshark.err")"
		if grep -v 'Running as user "root"' "$WORK/tshark.err" | grep -q .; then
			fail "tshark complained about cap-$i.pcapng: $(cat "$WORK/tshark.err")"
		fi
		[ "${t:-0}" -eq "$c" ] ||
			fail "cap-$i.pcapng: tshark read $t packets, capinfos counts $c"
		log "cap-$i.pcapng: tshark read all $t packets"
	fi
	sum=$((sum + c))
done
log "packets in the files: $sum; captured: $captured;" \
	"capture_ring_full: $(json_get "$WORK/stats.json" drops.capture_ring_full)"
[ "$sum" -eq "$captured" ] || fail "the files hold $sum packets, stampede says captured=$captured"
[ "$sum" -eq "$o_written" ] || fail "the files hold $sum packets, the output says written=$o_written"
log "PASS: SIGTERM mid-capture: $nfiles complete files, $sum packets == captured; stop in" \
	"${STP_STOP_S} s; invariant exact"
