#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Stamp-to-wire benchmark: how far a reflector's STAMP timestamps are from the kernel's stamps of
# the same frames on the same interface, on both sides:
#   RX = T2 (the reflector's receive stamp) - the kernel's RX stamp of the request,
#   TX = the kernel's TX stamp of the reply - T3 (the reflector's send stamp).
# Benchmarks are not tests: this prints numbers, it asserts nothing about timing.
#
#   ns stw<PID>-a: test/system/stamp_peer.py send (kernel socket, 198.18.0.1)
#     a0 <-veth-> b0   ns stw<PID>-b: the reflector on b0 (no IP: the kernel ignores the
#                      requests), tcpdump -i b0 --time-stamp-precision nano (the kernel stamps)
#
# Rows, each run in turn (interleaved), RUNS runs, medians of the per-run p50 / p99:
#   stampede   its STAMP Session-Reflector on net_af_packet (datapath lcore alone on CPU 1 when
#              there are 2 CPUs), with qdisc_bypass=0: the PMD's default bypass sends around the
#              taps, so the kernel would stamp (and tcpdump see) none of its replies; with it, the
#              replies take the path the floor's sendto() takes;
#   afpkt      the same reflector on net_afpkt (lib/afpkt, qdisc_bypass=0 as above): T2 is the
#              kernel's RX stamp itself, and T3 is corrected by the measured TX path delay
#              (probe_rx.t3_correction, on by default): the median of the kernel's TX stamp of
#              its replies - T3. That stamp is taken in the driver (veth_xmit), after the taps
#              where tcpdump stamps: the corrected T3 lands after tcpdump's stamp by the taps'
#              own cost (tcpdump's delivery), so its TX is negative by that much; |TX| is the
#              distance either way;
#   floor      scripts/bench/wirefloor.c: a bare TPACKET_V2 ring poller on CPU 1 that stamps
#              CLOCK_REALTIME as soon as a frame is its own and right before sendto() (the least
#              a user-space reflector can do on this path).
# Both write NTP timestamps (RFC 8762): they are read back to ns exactly (tshark-compatible
# rounding). stampede's clock is the TSC calibrated to UTC (lib/clock), the floor's
# CLOCK_REALTIME, the kernel's CLOCK_REALTIME: a calibration offset shows up in both sides.
#
# Optional rows "other" and "other-afpkt": STAMPEDE_OTHER=PATH, another stampede build (before /
# after a change), on net_af_packet and on net_afpkt (a build without net_afpkt: no such row).
#
# Usage: scripts/bench/stampwire.sh [-n RUNS] [-c COUNT] [-r PPS] [-k]   (root)
set -u

RUNS=3
COUNT=2000
PPS=1000
KEEP=0
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STAMPEDE=${STAMPEDE:-$HERE/../../build/app/stampede/stampede}
PEER=$HERE/../../test/system/stamp_peer.py
PY=${PYTHON:-/usr/bin/python3}
PIDS=()
. "$HERE/lib.sh"

usage()
{
	cat <<EOF
Usage: $0 [-n RUNS] [-c COUNT] [-r PPS] [-k]
  -n RUNS   runs per row; the medians of the per-run p50 / p99 are reported (default $RUNS)
  -c COUNT  requests per run (default $COUNT)
  -r PPS    requests per second (default $PPS)
  -k        keep the work directory (captures, logs)
Environment: STAMPEDE (default build/app/stampede/stampede), PYTHON, CC (default cc),
  STAMPWIRE_TAG (a prefix for the namespaces' and the EAL file prefix's names),
  STAMPEDE_OTHER: a second stampede binary measured as row "other" (e.g. an older build)
EOF
}

while getopts "n:c:r:kh" opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	c) COUNT=$OPTARG ;;
	r) PPS=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
for v in "$RUNS" "$COUNT" "$PPS"; do
	[[ $v =~ ^[1-9][0-9]*$ ]] || { echo "stampwire.sh: -n, -c, -r take positive integers" >&2; exit 2; }
done
[[ $(id -u) == 0 ]] || { echo "stampwire.sh: needs root (namespaces, AF_PACKET)" >&2; exit 1; }
[[ -x $STAMPEDE ]] || { echo "stampwire.sh: no stampede binary at $STAMPEDE (ninja -C build)" >&2; exit 1; }
for t in tcpdump ethtool "${CC:-cc}"; do
	command -v "$t" >/dev/null || { echo "stampwire.sh: $t is not installed" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/stampwire.XXXXXX)
TAG=${STAMPWIRE_TAG:-}$$ # STAMPWIRE_TAG: a prefix for the namespaces and EAL prefix
NS_A=stw$TAG-a
NS_B=stw$TAG-b
PREFIX=stampwire-$TAG
cleanup()
{
	local p
	for p in "${PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf /var/run/dpdk/"$PREFIX"* 2>/dev/null
	if [[ $KEEP == 1 ]]; then echo "work directory: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"${CC:-cc}" -O2 -Wall -o "$WORK/wirefloor" "$HERE/wirefloor.c" || exit 1
ip netns add "$NS_A" && ip netns add "$NS_B" || exit 1
ip link add a0 netns "$NS_A" type veth peer name b0 netns "$NS_B" || exit 1
for ns in "$NS_A" "$NS_B"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip netns exec "$ns" ip link set lo up
done
ip netns exec "$NS_A" ip link set a0 up
ip netns exec "$NS_B" ip link set b0 up
MAC_B=$(ip netns exec "$NS_B" cat /sys/class/net/b0/address)
ip netns exec "$NS_A" ip addr add 198.18.0.1/24 dev a0
ip netns exec "$NS_A" ip neigh replace 198.18.0.2 lladdr "$MAC_B" dev a0
# The kernel's UDP checksums complete on the wire (a veth would pass them on partial).
ip netns exec "$NS_A" ethtool -K a0 tx off >/dev/null

CPU_DP=0
LCORES=()
if [[ $(nproc) -ge 2 ]]; then
	CPU_DP=1
	LCORES=(--lcores=0@0,1@1)
fi
cat >"$WORK/b.json" <<JSON
{ "eal": { "hugepages": false },
  "ports": [ { "name": "b", "device": "net_af_packet0,iface=b0,qdisc_bypass=0" } ],
  "probe_rx": { "enabled": true, "mode": "stamp", "reflect": true } }
JSON

sed 's/net_af_packet0,iface=b0,qdisc_bypass=0/net_afpkt0,iface=b0,qdisc_bypass=0/' \
	"$WORK/b.json" >"$WORK/b-afpkt.json"

# run ROW N: one run of ROW; the capture is $WORK/ROW-N.pcap
run()
{
	local row=$1 n=$2 cap=$WORK/$1-$2.pcap tpid rpid
	ip netns exec "$NS_B" tcpdump -i b0 -n -U --time-stamp-precision nano -w "$cap" udp port 862 \
		>"$WORK/tcpdump-$row-$n.log" 2>&1 &
	tpid=$!
	PIDS+=("$tpid")
	wait_ready "$tpid" "$WORK/tcpdump-$row-$n.log" "listening on" 20 || {
		echo "stampwire.sh: tcpdump did not start" >&2; exit 1; }
	if [[ $row != floor ]]; then
		local exe=$STAMPEDE cfg=$WORK/b.json
		[[ $row == other* ]] && exe=$STAMPEDE_OTHER
		[[ $row == *afpkt ]] && cfg=$WORK/b-afpkt.json
		ip netns exec "$NS_B" "$exe" -c "$cfg" --stats-period 1 \
			--stats-json "$WORK/$row-$n.json" \
			-- --file-prefix="$PREFIX" "${LCORES[@]}" >"$WORK/$row-$n.log" 2>&1 </dev/null &
		rpid=$!
		PIDS+=("$rpid")
		wait_ready "$rpid" "$WORK/$row-$n.log" "^rx [0-9]" 60 || {
			echo "stampwire.sh: stampede did not start: $(tail -3 "$WORK/$row-$n.log")" >&2; exit 1; }
		STATS_JSON=$WORK/$row-$n.json
	else
		ip netns exec "$NS_B" taskset -c "$CPU_DP" "$WORK/wirefloor" b0 862 "$COUNT" \
			>"$WORK/$row-$n.log" 2>&1 &
		rpid=$!
		PIDS+=("$rpid")
		wait_ready "$rpid" "$WORK/$row-$n.log" "ready" 20 || {
			echo "stampwire.sh: wirefloor did not start" >&2; exit 1; }
	fi
	ip netns exec "$NS_A" taskset -c 0 "$PY" "$PEER" send --bind 198.18.0.1 --to 198.18.0.2 \
		--count "$COUNT" --size 100 --pps "$PPS" --result "$WORK/peer-$row-$n.json" \
		>"$WORK/peer-$row-$n.log" 2>&1
	stop_pid "$rpid" INT
	stop_pid "$tpid" INT
	[[ $row == floor ]] || record_stages "$row" "-" "$STATS_JSON"
}

# A build has net_afpkt when its usage text names the driver's arguments.
has_afpkt() { grep -qa "iface=<string> tov_ms=<1..1000>" "$1"; }
ROWS=(stampede)
has_afpkt "$STAMPEDE" && ROWS+=(afpkt)
ROWS+=(floor)
if [[ -n ${STAMPEDE_OTHER:-} ]]; then
	ROWS+=(other)
	has_afpkt "$STAMPEDE_OTHER" && ROWS+=(other-afpkt)
fi
RESULTS=$WORK/results.tsv
: >"$RESULTS"
for ((n = 1; n <= RUNS; n++)); do
	for row in "${ROWS[@]}"; do
		run "$row" "$n"
	done
done

"$PY" - "$WORK" "$RUNS" <<'PYEOF'
import glob, json, os, statistics, struct, sys

work, runs = sys.argv[1], int(sys.argv[2])
NTP = 2208988800


def ntp_ns(v):
    s, f = v >> 32, v & 0xffffffff
    return (s - NTP) * 10**9 + (f * 10**9 + (1 << 31)) // (1 << 32)


def frames(path):
    d = open(path, "rb").read()
    magic = struct.unpack("<I", d[:4])[0]
    nano = magic == 0xA1B23C4D
    off = 24
    while off + 16 <= len(d):
        sec, frac, cap, _ = struct.unpack("<IIII", d[off:off + 16])
        off += 16
        yield sec * 10**9 + (frac if nano else frac * 1000), d[off:off + cap]
        off += cap


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, max(0, -(-int(q * len(v) * 1000) // 1000) - 1))]


def one(path):
    """RX, TX, RX+TX of each answered request, and TX of the first reply of each burst (the
    replies of one burst share their T3: the later ones are marked by the same T3 again; with
    the T3 correction's per-position step applied they have their own, and count as first)."""
    req, rx, tx, first, last_t3 = {}, [], [], [], None
    for ts, f in frames(path):
        if len(f) < 42 + 44 or f[12:14] != b"\x08\x00":
            continue
        hl = (f[14] & 15) * 4
        u = f[14 + hl:]
        sport, dport = struct.unpack("!HH", u[:4])
        p = u[8:]
        if dport == 862:
            req[struct.unpack("!I", p[:4])[0]] = ts
        elif sport == 862 and len(p) >= 44:
            seq = struct.unpack("!I", p[24:28])[0]
            t3 = ntp_ns(struct.unpack("!Q", p[4:12])[0])
            t2 = ntp_ns(struct.unpack("!Q", p[16:24])[0])
            if seq in req:
                rx.append(t2 - req[seq])
                tx.append(ts - t3)
                if t3 != last_t3:
                    first.append(ts - t3)
            last_t3 = t3
    return rx, tx, [a + b for a, b in zip(rx, tx)], first


rows, corr = {}, {}
for row in ("stampede", "afpkt", "floor", "other", "other-afpkt"):
    per, cs = [], []
    for n in range(1, runs + 1):
        path = os.path.join(work, "%s-%d.pcap" % (row, n))
        if not os.path.exists(path):
            continue
        rx, tx, both, first = one(path)
        if rx:
            atx = [abs(x) for x in tx]
            per.append((len(rx), pct(rx, .5), pct(rx, .99), pct(tx, .5), pct(tx, .99),
                        pct(both, .5), pct(both, .99), pct(atx, .5), pct(atx, .99),
                        pct(first, .5), 100.0 * (len(tx) - len(first)) / len(tx)))
        try:
            for tc in json.load(open(os.path.join(work, "%s-%d.json" % (row, n))))[
                    "probe_rx"].get("tx_correction", []):
                cs.append("%s %.1f" % (tc["state"], tc["correction_ns"] / 1e3))
        except (OSError, ValueError, KeyError):
            pass
    if per:
        rows[row] = [statistics.median(x[i] for x in per) for i in range(11)]
    if cs:
        corr[row] = cs

print("stamp-to-kernel, us (median of %d runs; RX = T2 - kernel RX stamp, "
      "TX = kernel TX stamp - T3)" % runs)
print("RX+TX = the kernel's time between request and reply - the reflector's T3 - T2: free of")
print("any offset between the reflector's clock and the kernel's")
print("first TX p50: TX of the first reply of each burst (one T3 per burst); later %: the")
print("share of replies that followed another in its burst")
print("| reflector | pairs | RX p50 | RX p99 | TX p50 | TX p99 | RX+TX p50 | RX+TX p99 "
      "| abs(TX) p50 | abs(TX) p99 | first TX p50 | later % |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for row, v in rows.items():
    print("| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.0f |"
          % (row, v[0], v[1] / 1e3, v[2] / 1e3, v[3] / 1e3, v[4] / 1e3, v[5] / 1e3, v[6] / 1e3,
             v[7] / 1e3, v[8] / 1e3, v[9] / 1e3, v[10]))
for row, cs in corr.items():
    print("%s: T3 correction per run (state, us): %s" % (row, ", ".join(cs)))
for name in ("stampede", "afpkt"):
    if name in rows and "floor" in rows:
        s, f = rows[name], rows["floor"]
        print("%s - floor, us: RX p50 %+.1f, RX p99 %+.1f, abs(TX) p50 %+.1f, abs(TX) p99 %+.1f"
              % (name, (s[1] - f[1]) / 1e3, (s[2] - f[2]) / 1e3, (s[7] - f[7]) / 1e3,
                 (s[8] - f[8]) / 1e3))
PYEOF
stage_report "$RESULTS"
