#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: the STAMP reflector's T3 correction on net_afpkt (issue 19: "correct by the
# measured TX path delay when it is stable"), against the kernel's stamps of the replies.
#
#   ns stp<TAG>-a: stamp_peer.py send (kernel socket, 198.18.0.1), tcpdump -i a0 -Q in
#     a0 <-veth-> b0   ns stp<TAG>-b: stampede's reflector on net_afpkt (b0)
#
# The reflector asks its replies' TX stamps from the kernel (the driver's skb_tx_timestamp in
# veth_xmit), keeps the median of (TX stamp - T3) and, once it is stable, writes T3 + that
# correction. veth hands each reply to a0 inside that same transmit call, and a0's kernel
# stamps it there: tcpdump's stamp k of a reply on a0 is the kernel's, right after its TX
# stamp, and from outside stampede. (tcpdump on b0 would see the replies only without the
# qdisc bypass, and stamp them at the taps, before the driver and before its own delivery.)
# Two runs of the same requests: "off" (probe_rx.t3_correction false: T3 as taken) and "on"
# (the default). Checks:
#  - the reflector's view (--stats-json probe_rx.tx_correction): off says why and corrected
#    nothing; on says applied, with samples, a correction != 0 and K > 0 corrected replies;
#  - the corrected replies (the K last of run on, the first WARM of each run left out: a
#    reflector's first answers are slow) are nearer to the kernel's stamps than run off's:
#    median |k - T3| below 3/4 of run off's (a reflector that does not correct has them equal,
#    one that subtracts the delay worse). Loose on purpose: no bound in microseconds; the
#    figures are the bench's (scripts/bench/stampwire.sh), printed here too.
# A path whose delay varied too much for a correction (the view says unstable) is a skip: the
# decision itself is lib/probe's unit test (test_probe_txcorr).
#
# Usage: test/system/afpkt_t3corr.sh PATH_TO_STAMPEDE   (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

COUNT=1000
PPS=500

sys_preflight "$@"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
command -v ethtool >/dev/null || skip "ethtool is not installed"
grep -qa "iface=<string> tov_ms=<1..1000>" "$STAMPEDE" || skip "stampede was built without net_afpkt"

sys_topology_pair
nsx "$NS_A" ip addr add 198.18.0.1/24 dev a0
nsx "$NS_A" ip neigh replace 198.18.0.2 lladdr "$MAC_B" dev a0
# The kernel's UDP checksums complete on the wire (a veth would pass them on partial).
nsx "$NS_A" ethtool -K a0 tx off >/dev/null

run() { # RUN T3_CORRECTION
	cat >"$WORK/config.json" <<JSON
{ "eal": { "hugepages": false },
  "ports": [ { "name": "b", "device": "net_afpkt0,iface=b0" } ],
  "probe_rx": { "enabled": true, "mode": "stamp", "reflect": true, "t3_correction": $2 } }
JSON
	sys_check_config
	sys_tcpdump_ns "$NS_A" a0 "$WORK/$1.pcap" -Q in -s 200 udp port 862
	sys_launch_stampede_ns "$NS_B"
	log "run $1: $(grep -o 'reflector T3 .*' "$WORK/stampede.log")"
	# The sender checks each reply it decodes (T1 <= T2 <= T3 <= T4 among them): none may be
	# bad. Replies its socket dropped (a stalled reflector answers a backlog at once, beyond
	# the socket's buffer) are tcpdump's still, and only logged.
	ip netns exec "$NS_A" "$PY" "$SYS_DIR/stamp_peer.py" send --bind 198.18.0.1 \
		--to 198.18.0.2 --count "$COUNT" --size 100 --pps "$PPS" --result "$WORK/peer.json" \
		>"$WORK/peer.log" 2>&1 || true
	[ -f "$WORK/peer.json" ] || fail "the sender wrote no result: $(cat "$WORK/peer.log")"
	[ "$(json_get "$WORK/peer.json" nbad)" = 0 ] && [ "$(json_get "$WORK/peer.json" replies)" -gt 0 ] ||
		fail "the sender's checks failed: $(cat "$WORK/peer.log")"
	log "sender: $(json_get "$WORK/peer.json" replies) of $COUNT replies, none bad"
	sleep 1.5 # one more stats period: the --stats-json file holds the last replies' counts
	sys_stop_stampede INT
	sleep 0.5
	sys_tcpdump_stop
	sys_check_invariant
	cp "$WORK/stats.json" "$WORK/$1-stats.json"
}

log "sending $COUNT STAMP requests at $PPS pps, T3 correction off, then on"
run off false
run on true

"$PY" - "$WORK" <<'PYEOF' || exit $?
import json, os, struct, sys

work = sys.argv[1]
NTP_OFF = 2208988800
WARM = 100


def ntp_to_ns(ts):
    s, f = ts >> 32, ts & 0xffffffff
    return (s - NTP_OFF) * 10 ** 9 + (f * 10 ** 9 + (1 << 31)) // (1 << 32)


def replies(pcap):
    """(k, T3) of each reply as tcpdump stamped it on a0 (nanosecond pcap), in order."""
    out = []
    raw = open(pcap, "rb").read()
    assert struct.unpack_from("<I", raw, 0)[0] == 0xa1b23c4d, "not a nanosecond pcap"
    off = 24
    while off + 16 <= len(raw):
        sec, nsec, incl, _ = struct.unpack_from("<IIII", raw, off)
        fr = raw[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(fr) < 42 or fr[12:14] != b"\x08\x00" or fr[23] != 17:
            continue
        udp = 14 + (fr[14] & 0x0f) * 4
        pl = fr[udp + 8:]
        if struct.unpack_from(">H", fr, udp)[0] == 862 and len(pl) >= 44:
            out.append((sec * 10 ** 9 + nsec, ntp_to_ns(struct.unpack_from(">Q", pl, 4)[0])))
    return out


def pct(v, q):
    v = sorted(v)
    return v[int(q * (len(v) - 1))] if v else 0


err = []
view, sel = {}, {}
for run in ("off", "on"):
    tcs = json.load(open(os.path.join(work, run + "-stats.json")))["probe_rx"].get(
        "tx_correction") or []
    if len(tcs) != 1:
        print("ERROR: run %s: tx_correction has %d entries, expected one (port b)" %
              (run, len(tcs)))
        sys.exit(1)
    view[run] = tc = tcs[0]
    print("run %s view: %s" % (run, json.dumps(tc)))
    r = replies(os.path.join(work, run + ".pcap"))
    K = min(tc["corrected"], len(r))
    sel[run] = r[WARM:] if run == "off" else r[max(WARM, len(r) - K):]
    d = [k - t3 for k, t3 in sel[run]]
    print("run %s: %d replies seen, %d compared: k - T3 p10 %d p50 %d p90 %d p99 %d ns, "
          "median |k - T3| %d ns" % (run, len(r), len(d), pct(d, .1), pct(d, .5), pct(d, .9),
                                     pct(d, .99), pct([abs(x) for x in d], .5)))
if view["on"]["state"] == "unstable":
    print("SKIP: the TX path's delay varied too much here for a correction (spread %d ns)" %
          view["on"]["spread_ns"])
    sys.exit(77)
off, on = view["off"], view["on"]
if off["state"] != "off" or "t3_correction" not in off.get("why", "") or off["corrected"] != 0:
    err.append("run off: the view does not say the correction is off: %s" % off)
if on["state"] != "applied" or on["samples"] < 32 or on["correction_ns"] == 0 or \
        on["corrected"] == 0:
    err.append("run on: the correction is not applied: %s" % on)
if len(sel["off"]) < 100 or len(sel["on"]) < 100:
    err.append("too few replies to compare: %d off, %d on" % (len(sel["off"]), len(sel["on"])))
m_off = pct([abs(k - t3) for k, t3 in sel["off"]], .5)
m_on = pct([abs(k - t3) for k, t3 in sel["on"]], .5)
if not m_on * 4 < m_off * 3:
    err.append("the corrected T3s are not nearer to the kernel's stamps: median |k - T3| "
               "%d ns corrected, %d ns as taken" % (m_on, m_off))
for e in err:
    print("ERROR: " + e)
sys.exit(1 if err else 0)
PYEOF
log "PASS: the corrected T3 of net_afpkt replies is nearer to the kernel's stamps"
