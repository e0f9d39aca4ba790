#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: stampede captures from a net_af_packet port to a pcapng output while it forwards.
#
#   ns stp<PID>-a            ns stp<PID>-d (stampede)            ns stp<PID>-b
#   a0 198.18.0.1/24 <-veth-> in0  ==stampede==  out0 <-veth-> b0 198.18.0.2/24
#                                   \-> rule "udp" -> output cap (pcapng, snaplen 128)
#
# Rules: "capture" (in0, filter "udp") -> output cap, continue; "in-to-out" in0 -> out0.
# Sends N marked UDP frames of 200 bytes and M marked TCP frames a0 -> b0 while stampede runs,
# stops it with SIGTERM by PID, then checks with capinfos / tshark that:
#  - exactly one file was written, named from the pattern (UTC date, {index} = 0), and it is a
#    complete pcapng file (capinfos and tshark read it to the end without error);
#  - it holds exactly the N marked UDP frames (distinct sequence numbers) and none of the TCP ones;
#  - every frame was cut to 128 bytes with its original length 200 kept;
#  - the timestamps of the marked frames lie in the test's wall-clock window (UTC), and each
#    carries the comment "ts=sw" (no vdev here has RX timestamps: the software path runs);
#  - their interface is "in" (the port's name in the config);
#  - the forwarded frames all reached b0 (frames.py receiver), and the --stats-json counters
#    hold: received + replicated == transmitted + captured + dropped, with captured equal to
#    the number of frames in the file.
#
# Usage: test/system/capture_af_packet.sh PATH_TO_STAMPEDE   (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

M=$((N / 10 + 1))	# marked TCP frames, which the "udp" filter must keep out of the file
SNAP=128
SIZE=200

sys_preflight "$@"
command -v tshark >/dev/null || skip "tshark is not installed"
command -v capinfos >/dev/null || skip "capinfos is not installed"

sys_topology
cat >"$WORK/config.json" <<JSON
{
  "node": { "id": 7, "description": "capture test $TAG" },
  "eal": { "args": [], "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [
    { "name": "in",  "device": "net_af_packet0,iface=in0",  "timestamp": "auto" },
    { "name": "out", "device": "net_af_packet1,iface=out0", "timestamp": "auto" }
  ],
  "outputs": [
    { "name": "cap", "type": "pcapng", "path": "$WORK/cap-%Y%m%d-{index}.pcapng",
      "snaplen": $SNAP, "comments": true }
  ],
  "lcores": {
    "rx": [ { "lcore": 1, "queues": [ { "port": "in", "queue": 0 }, { "port": "out", "queue": 0 } ] } ],
    "worker": [ 1 ],
    "tx": [ 1 ]
  },
  "mempool": { "size": 16383 },
  "rules": [
    { "name": "capture", "in": [ "in" ], "filter": "udp", "action": "forward", "out": "cap",
      "continue": true },
    { "name": "in-to-out", "in": [ "in" ], "action": "forward", "out": "out" }
  ]
}
JSON
"$STAMPEDE" --check -c "$WORK/config.json" >"$WORK/check.log" 2>&1 ||
	fail "stampede --check rejected the test config: $(cat "$WORK/check.log")"

sys_start_receiver "$NS_B" b0 "$DPORT_AB" ab
DAY0=$(date -u +%Y%m%d)
sys_start_stampede

# Warm-up: frames to another UDP port until one crosses stampede (they are captured too).
sys_require_forwarding ab

T0=$(date +%s.%N)
log "sending $N marked UDP frames and $M marked TCP frames ($SIZE bytes) a0 -> in0"
nsx "$NS_A" "$PY" "$SYS_DIR/frames.py" send a0 --dst-mac "$MAC_B" --src-ip 198.18.0.1 \
	--dst-ip 198.18.0.2 --dport "$DPORT_AB" --count "$N" --size "$SIZE" ||
	fail "UDP sender failed"
nsx "$NS_A" "$PY" "$SYS_DIR/frames.py" send a0 --dst-mac "$MAC_B" --src-ip 198.18.0.1 \
	--dst-ip 198.18.0.2 --dport "$DPORT_AB" --count "$M" --size "$SIZE" --proto tcp ||
	fail "TCP sender failed"
T1=$(date +%s.%N)
wait "$RECV_PID_ab" || fail "receiver on b0 failed: $(cat "$WORK/ab.log")"

log "stopping stampede (pid $STP_PID) with SIGTERM"
kill -TERM "$STP_PID"
for _ in $(seq 200); do
	kill -0 "$STP_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$STP_PID" 2>/dev/null && fail "stampede did not exit within 20 s of SIGTERM"
wait "$STP_PID" && rc=0 || rc=$?
STP_PID=
[ "$rc" -eq 0 ] || fail "stampede exited with status $rc after SIGTERM"
DAY1=$(date -u +%Y%m%d)
echo "---- stampede output (last lines) ----"
tail -n 12 "$WORK/stampede.log"
echo "--------------------------------------"

# One file, named from the pattern.
shopt -s nullglob
files=("$WORK"/cap-*.pcapng)
shopt -u nullglob
[ "${#files[@]}" -eq 1 ] || fail "expected one capture file, found ${#files[@]}: ${files[*]:-none}"
CAP=${files[0]}
case $(basename "$CAP") in
"cap-$DAY0-0.pcapng" | "cap-$DAY1-0.pcapng") ;;
*) fail "capture file $(basename "$CAP") does not match the pattern cap-%Y%m%d-{index}.pcapng (cap-$DAY0-0.pcapng)" ;;
esac

# A complete pcapng file: capinfos and tshark read it to the end without complaint.
capinfos -M -t -c "$CAP" >"$WORK/capinfos.txt" 2>&1 || fail "capinfos cannot read $CAP: $(cat "$WORK/capinfos.txt")"
grep -q "pcapng" "$WORK/capinfos.txt" || fail "not a pcapng file: $(cat "$WORK/capinfos.txt")"
file_frames=$(awk -F': *' '/^Number of packets/ { print $2 }' "$WORK/capinfos.txt")
tshark -r "$CAP" -T fields -e frame.number >/dev/null 2>"$WORK/tshark.err" ||
	fail "tshark cannot read $CAP: $(cat "$WORK/tshark.err")"
# (tshark warns on stderr when run as root; anything else there is a complaint about the file.)
if grep -v 'Running as user "root"' "$WORK/tshark.err" | grep -q .; then
	fail "tshark complained about $CAP: $(cat "$WORK/tshark.err")"
fi

MARK='frame contains "STAMPEDE-SYSTEST"'
tshark -r "$CAP" -Y "udp.dstport == $DPORT_AB && $MARK" -T fields -E separator=, \
	-e frame.time_epoch -e frame.cap_len -e frame.len -e frame.comment -e frame.interface_name \
	-e ip.id >"$WORK/marked.csv" 2>"$WORK/tshark.err" || fail "tshark: $(cat "$WORK/tshark.err")"
tcp_marked=$(tshark -r "$CAP" -Y "tcp && $MARK" 2>/dev/null | wc -l)

# frame.comment is pkt_comment in older tshark: accept either spelling of the field.
res=$("$PY" - "$WORK/marked.csv" "$T0" "$T1" "$SNAP" "$SIZE" <<'EOF'
import sys
from decimal import Decimal
path, t0, t1, snap, size = sys.argv[1], Decimal(sys.argv[2]), Decimal(sys.argv[3]), sys.argv[4], sys.argv[5]
rows = [l.rstrip("\n").split(",") for l in open(path) if l.strip()]
errs = []
ts = [Decimal(r[0]) for r in rows]
bad_len = [r for r in rows if r[1] != snap or r[2] != size]
bad_cmt = [r for r in rows if r[3] != "ts=sw"]
bad_if = [r for r in rows if r[4] != "in"]
# ip.id is the sequence number (mod 65536): distinct frames.
distinct = len({r[5] for r in rows})
# Timestamps: within the window the frames were sent in (0.5 s slack for the sender's start-up
# and the clock conversion), and in order.
slack = Decimal("0.5")
out_win = [t for t in ts if t < t0 - slack or t > t1 + slack]
unordered = sum(1 for a, b in zip(ts, ts[1:]) if b < a)
if bad_len: errs.append(f"{len(bad_len)} frames not cut to {snap}/{size} bytes, e.g. {bad_len[0][1]}/{bad_len[0][2]}")
if bad_cmt: errs.append(f"{len(bad_cmt)} frames without comment ts=sw, e.g. {bad_cmt[0][3]!r}")
if bad_if: errs.append(f"{len(bad_if)} frames on another interface than 'in', e.g. {bad_if[0][4]!r}")
if out_win: errs.append(f"{len(out_win)} timestamps outside [{t0}, {t1}] +- {slack} s, e.g. {out_win[0]}")
if unordered: errs.append(f"{unordered} timestamps go backwards")
first = f"{min(ts) - t0:+.6f}" if ts else "-"
last = f"{max(ts) - t1:+.6f}" if ts else "-"
print(f"{len(rows)} {distinct} first-t0={first}s last-t1={last}s;" + "; ".join(errs))
EOF
) || fail "checking the marked frames failed"
read -r marked distinct rest <<<"$res"
window=${rest%%;*}
errs=${rest#*;}
log "capture file $(basename "$CAP"): $file_frames frames, $marked marked UDP ($distinct distinct)," \
	"$tcp_marked marked TCP; timestamps $window"

total_ab=$(json_get "$WORK/ab.json" total)
distinct_ab=$(json_get "$WORK/ab.json" distinct)
log "forwarded to b0: $total_ab marked UDP frames ($distinct_ab distinct) of $N"

[ -f "$WORK/stats.json" ] || fail "stampede wrote no --stats-json file"
received=$(json_get "$WORK/stats.json" received)
replicated=$(json_get "$WORK/stats.json" replicated)
transmitted=$(json_get "$WORK/stats.json" transmitted)
captured=$(json_get "$WORK/stats.json" captured)
dropped=$(json_get "$WORK/stats.json" dropped)
log "stampede stats: received=$received replicated=$replicated transmitted=$transmitted" \
	"captured=$captured dropped=$dropped"

[ "$marked" -eq "$N" ] && [ "$distinct" -eq "$N" ] ||
	fail "the capture holds $marked marked UDP frames ($distinct distinct), expected $N"
[ "$tcp_marked" -eq 0 ] || fail "the capture holds $tcp_marked TCP frames; the filter is \"udp\""
[ -z "$errs" ] || fail "capture file: $errs"
[ "$total_ab" -eq $((N)) ] && [ "$distinct_ab" -eq "$N" ] ||
	fail "b0 received $total_ab marked UDP frames ($distinct_ab distinct), expected $N"
[ $((received + replicated)) -eq $((transmitted + captured + dropped)) ] ||
	fail "stats invariant broken: received $received + replicated $replicated !=" \
		"transmitted $transmitted + captured $captured + dropped $dropped"
[ "$captured" -eq "$file_frames" ] ||
	fail "stats say $captured packets captured, the file holds $file_frames"
[ "$transmitted" -ge $((N + M)) ] ||
	fail "stampede transmitted $transmitted frames, expected at least $((N + M))"
log "PASS: $N UDP frames captured to pcapng (snaplen $SNAP, ts=sw, interface in), $M TCP frames" \
	"filtered out, all forwarded; stats invariant holds"
