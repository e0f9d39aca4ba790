#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Broker benchmark: the stampede header's cost. For each row, stampede as a plain forwarder and
# stampede as an edge (stampede output: records, batching, datagrams) or as a collector
# (unbatching, sequence checks, decapsulation) run on the same ports with the same input, in
# the same script, interleaved, N runs each. Benchmarks are not tests: this prints numbers and
# ratios, it asserts nothing about timing.
#
# Rows (pure CPU unless said otherwise):
#   edge64     net_null0 (64-byte frames) -> net_null1: forward vs edge (~13 records a datagram)
#   edge1000   the same with 1000-byte frames (one record a datagram, a 1000-byte copy)
#   coll64     net_pcap infinite_rx of datagrams of 13 records of 64-byte frames -> net_null0:
#              forward the datagrams vs collector (unbatch: a copy per frame)
#   coll1000   the same with datagrams of one 1000-byte frame (decapsulated in place, no copy)
#   vethedge   veth, namespaces gen -> dut -> sink: dpdk-testpmd txonly 64-byte frames on
#              net_af_packet; DUT forward vs edge on two net_af_packet ports. Generator-bound.
#   auth64     the MAC's cost (README.md, "Security"): edge64's edge without vs with node.auth
#              (HMAC-SHA-256/128 per datagram of ~13 records); "fwd" is the plain edge here
#   auth1000   the same with 1000-byte frames (one record, so one MAC, per frame)
#   authcoll64 coll64's collector without vs with node.auth and node.peers (a MAC check and
#              the allow-list per datagram); the datagrams are signed by the script (hmac)
#   durcap     durable acknowledgements' cost in frames/s: a collector loops a pcap of reliable
#              datagrams (1 x 64-byte frame each) into a pcapng output on disk ($WORK, not
#              /dev/shm: fdatasync is what is measured), plain vs "durable": true (sync_ms 10).
#              Figure: frames the writer wrote per second (input rate x written / received).
#   durack     the same collector on net_af_packet (veth, ns snd -> dut): a Python sender sends
#              DURACK_PPS reliable datagrams/s for -d seconds; tcpdump on the sender's side
#              stamps each datagram and each acknowledgement (kernel timestamps), and the
#              acknowledgement latency of a sequence number is the first ACK covering it minus
#              its send time. Figures: median and p99 latency, acknowledged / sent.
#
# Rates: the median of stampede's once-per-second lines (rx Mpps: frames into a forwarder or an
# edge, datagrams into a collector; a collector's frames out are its tx Mpps), start-up excluded;
# cycles/packet: --stats-json cycles_per_packet (busy TSC cycles per received packet; for a
# collector also per frame out), and each worker stage's (lcores[].stages, printed last). The
# row's figure is the median over the runs. CPU placement:
# the datapath lcore alone on CPU 1 (--lcores=0@0,1@1); the veth generator on CPU 0.
# The collector rows loop a pcap (infinite_rx) whose sequence numbers go down: each is before
# the first number the collector saw, which it delivers and counts as stale (a spool replayed
# to a restarted collector looks the same), so every pass does the work of fresh traffic (a
# repeated number behind the replay window would be dropped: sph_stale).
#
# STAMPEDE_OTHER=PATH: another stampede build (e.g. main before a change) runs each row's broker
# side too, as a third mode interleaved with the other two in every run ("other" columns:
# before / after in one run on a shared machine).
#
# Usage: scripts/bench/broker.sh [-n RUNS] [-d SECONDS] [-r ROWS] [-k]   (~3-4 min by default)
set -u

RUNS=3
DUR=3
ROWS="edge64,edge1000,coll64,coll1000,vethedge,auth64,auth1000,authcoll64,durcap,durack"
DURACK_PPS=${DURACK_PPS:-5000}
KEEP=0
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STAMPEDE=${STAMPEDE:-$HERE/../../build/app/stampede/stampede}
TESTPMD=${TESTPMD:-dpdk-testpmd}
SPHLIB=$HERE/../../test/functional

usage()
{
	cat <<EOF
Usage: $0 [-n RUNS] [-d SECONDS] [-r ROWS] [-k]
  -n RUNS     runs per mode and row; the median is reported (default $RUNS)
  -d SECONDS  steady-state seconds measured per run (default $DUR)
  -r ROWS     comma-separated subset of: edge64,edge1000,coll64,coll1000,vethedge,auth64,
              auth1000,authcoll64,durcap,durack
  -k          keep the logs directory
Environment: STAMPEDE (default build/app/stampede/stampede), TESTPMD (veth generator),
  DURACK_PPS (durack's datagram rate, default 5000), STAMPEDE_OTHER (another build: its
  broker side runs as a third mode, "other", in the same runs)
EOF
}

while getopts "n:d:r:kh" opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	d) DUR=$OPTARG ;;
	r) ROWS=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if ! [[ $RUNS =~ ^[1-9][0-9]*$ && $DUR =~ ^[1-9][0-9]*$ ]]; then
	echo "broker.sh: -n and -d take positive integers" >&2
	exit 2
fi
[[ -x $STAMPEDE ]] || { echo "broker.sh: no stampede binary at $STAMPEDE" >&2; exit 1; }
command -v python3 >/dev/null || { echo "broker.sh: python3 not found" >&2; exit 1; }
VETH_SKIP=""
if [[ $(id -u) != 0 ]]; then
	VETH_SKIP="needs root (network namespaces, veth)"
elif ! command -v ip >/dev/null; then
	VETH_SKIP="ip (iproute2) not found"
elif ! command -v "$TESTPMD" >/dev/null; then
	VETH_SKIP="$TESTPMD not found (the generator)"
fi

TAG=brkb$$
WORK=$(mktemp -d "${TMPDIR:-/tmp}/stampede-broker-bench.XXXXXX")
RESULTS=$WORK/results.tsv
: >"$RESULTS"
PIDS=()
PREFIXES=()
NETNS=()

# shellcheck source=scripts/bench/lib.sh
. "$HERE/lib.sh"

cleanup()
{
	local p n

	for p in "${PIDS[@]}"; do
		stop_pid "$p"
	done
	for n in "${NETNS[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
	for p in "${PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$p"
	done
	if ((KEEP)); then echo "logs kept in $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Others may rebuild the tree meanwhile: every run uses this copy of the binary.
STAMPEDE_SRC=$STAMPEDE
cp "$STAMPEDE" "$WORK/stampede" || exit 1
STAMPEDE=$WORK/stampede
OTHER=""
if [[ -n ${STAMPEDE_OTHER:-} ]]; then
	[[ -x $STAMPEDE_OTHER ]] || { echo "broker.sh: no stampede binary at $STAMPEDE_OTHER" >&2; exit 1; }
	cp "$STAMPEDE_OTHER" "$WORK/stampede-other" || exit 1
	OTHER=$WORK/stampede-other
fi

PY=$(cat <<'EOF'
import json, os, re, statistics, struct, sys

def med(v):
    return statistics.median(v) if v else float("nan")

def run(log, js):
    # rx N (X Mpps) tx N (Y Mpps) ...; the first line holds start-up.
    r = re.compile(r"^rx \d+ \(([\d.]+) Mpps\) tx \d+ \(([\d.]+) Mpps\)")
    s = [m.groups() for m in map(r.match, open(log, errors="replace")) if m][1:]
    rx, tx = med([float(x[0]) for x in s]), med([float(x[1]) for x in s])
    try:
        d = json.load(open(js))
        cpp = d["cycles_per_packet"]
        per_out = cpp * d["received"] / d["transmitted"] if d["transmitted"] else float("nan")
        drop = d["dropped"]
        # Capture outputs: frames written per second, from the input rate.
        wr = rx * sum(o["written"] for o in d.get("outputs", [])) / d["received"]
    except (OSError, ValueError, KeyError, ZeroDivisionError):
        cpp = per_out = drop = wr = float("nan")
    print(f"{rx:.4f}\t{tx:.4f}\t{cpp:.1f}\t{per_out:.1f}\t{drop}\t{wr:.4f}")

REL = 0x08  # a record's RELIABLE flag: the collector acknowledges it

def send(ifname, dst_mac, pps, secs):
    # Reliable datagrams (one 64-byte frame each, seq 0, 1, ...) at pps for secs, paced per ms.
    import socket, time
    sys.path.insert(0, os.environ["SPHLIB"])
    import sphlib
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    src = s.getsockname()[4]
    dst = bytes.fromhex(dst_mac.replace(":", ""))
    fr = bytes.fromhex("020000000002020000000001") + b"\x08\x00" + bytes(50)
    n, total, t0 = 0, int(pps * secs), time.monotonic()
    while n < total:
        due = min(total, int((time.monotonic() - t0) * pps) + 1)
        while n < due:
            rec = sphlib.encode(fr, node=7, stream=0, seq=n, ts=time.time_ns(), flags=REL)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 28 + len(rec), 0, 0x4000, 64, 17, 0,
                             bytes([192, 0, 2, 7]), bytes([192, 0, 2, 9]))
            s.send(dst + src + b"\x08\x00" + ip + struct.pack("!HHHH", 50000, 48879,
                                                              8 + len(rec), 0) + rec)
            n += 1
        time.sleep(0.0005)
    print(n)

def acklat(path):
    # From tcpdump's capture on the sender's side: per sequence number, the first ACK covering
    # it minus its send time. Prints: sent, acknowledged, p50 ms, p99 ms.
    sys.path.insert(0, os.environ["SPHLIB"])
    import ftlib, sphlib
    from broker_reliable import parse_ctrl
    frames, stamps, _ = ftlib.read_pcap(path)
    sent, acks = {}, []
    for f, t in zip(frames, stamps):
        dg = sphlib.datagram_of(f)
        if dg is None:
            continue
        a, _ = parse_ctrl([f])
        if a:
            acks += [(t, first, last) for _, _, first, last in a]
            continue
        try:
            for r in sphlib.decode_records(dg):
                if r["flags"] & REL:
                    sent.setdefault(r["seq"], t)
        except ValueError:
            pass
    lat = {}
    for t, first, last in sorted(acks):
        for q in range(first, last + 1):
            if q in sent and q not in lat:
                lat[q] = (t - sent[q]) / 1e6
    v = sorted(lat.values())
    p = lambda x: v[min(len(v) - 1, int(x * len(v)))] if v else float("nan")
    print(f"{len(sent)}\t{len(lat)}\t{p(0.5):.2f}\t{p(0.99):.2f}")

def fmt(v, f="{:.3f}"):
    return "-" if v != v else f.format(v)

def report(path, rows, runs, dur):
    res = {}
    for l in open(path):
        row, mode, key, val = l.rstrip("\n").split("\t")
        res.setdefault((row, mode, key), []).append(val)
    def get(row, mode, key):
        return med([float(x) for x in res.get((row, mode, key), []) if x not in ("", "nan")])
    labels = {"edge64": ("edge, 64 B (null)", "frames"), "edge1000": ("edge, 1000 B (null)", "frames"),
              "coll64": ("collector, 13x64 B (pcap)", "datagrams"),
              "coll1000": ("collector, 1x1000 B (pcap)", "datagrams"),
              "vethedge": ("edge, 64 B, af_packet veth*", "frames"),
              "auth64": ("edge 64 B: plain vs auth", "frames"),
              "auth1000": ("edge 1000 B: plain vs auth", "frames"),
              "authcoll64": ("coll 13x64 B: plain vs auth", "datagrams"),
              "durcap": ("collector -> pcapng on disk", "frames"),
              "durack": ("collector, af_packet veth", "ACKs")}
    dur_rows = [r for r in rows if r in ("durcap", "durack")]
    rows = [r for r in rows if r not in dur_rows]
    print()
    other = any(k[1] == "other" for k in res)
    print(f"{'row':<30}{'input':>10}{'fwd Mpps':>10}{'broker Mpps':>13}{'ratio':>7}"
          f"{'fwd cyc/pkt':>13}{'broker cyc/pkt':>16}{'broker out Mpps':>17}{'cyc/frame out':>15}"
          + (f"{'other cyc/pkt':>15}{'other cyc/out':>15}" if other else ""))
    for row in rows:
        lab, unit = labels[row]
        skip = res.get((row, "-", "skip"))
        if skip:
            print(f"{lab:<30}  skipped: {skip[0]}")
            continue
        f, b = get(row, "fwd", "rx"), get(row, "broker", "rx")
        ratio = b / f if f == f and b == b and f > 0 else float("nan")
        print(f"{lab:<30}{unit:>10}{fmt(f):>10}{fmt(b):>13}{fmt(ratio, '{:.2f}'):>7}"
              f"{fmt(get(row, 'fwd', 'cpp'), '{:.1f}'):>13}{fmt(get(row, 'broker', 'cpp'), '{:.1f}'):>16}"
              f"{fmt(get(row, 'broker', 'tx')):>17}{fmt(get(row, 'broker', 'cpo'), '{:.1f}'):>15}"
              + (f"{fmt(get(row, 'other', 'cpp'), '{:.1f}'):>15}{fmt(get(row, 'other', 'cpo'), '{:.1f}'):>15}"
                 if other else ""))
        for mode in ("fwd", "broker", "other"):
            for r in sorted(set(res.get((row, mode, "fail"), []))):
                print(f"{'':<30}  failed run ({mode}): {r}")
            d = [float(x) for x in res.get((row, mode, "drop"), []) if x not in ("", "nan")]
            if d and max(d) > 0 and not row.startswith("veth"):
                print(f"{'':<30}  note: {mode} dropped up to {int(max(d))} packets in a run")
    print()
    print("per-run rx Mpps (noise check):")
    for row in rows:
        if res.get((row, "-", "skip")):
            continue
        v = {m: " ".join(fmt(float(x)) for x in res.get((row, m, "rx"), []))
             for m in ("fwd", "broker", "other")}
        print(f"  {labels[row][0]:<30}fwd [{v['fwd']}]  broker [{v['broker']}]"
              + (f"  other [{v['other']}]" if other else ""))
    print()
    print(f"Medians of {runs} run(s) per mode and row, {dur} s of steady state each (once-per-second")
    print("lines, start-up excluded), fwd and broker interleaved on the same ports and CPUs.")
    print("fwd: stampede forwarding the same input with a plain rule; broker: the edge (stampede output)")
    print("or the collector (node.role collector). Mpps = the input rate (frames into fwd / edge,")
    print("datagrams into a collector); ratio = broker / fwd. cyc/pkt = --stats-json cycles_per_packet")
    print("(busy cycles per received packet); broker out Mpps = datagrams (edge) or frames (collector)")
    print("sent; cyc/frame out = busy cycles per packet sent (collector: per decapsulated frame).")
    print("* veth: bound by the one-core generator and the kernel; shows the edge keeps up, not its cost.")
    if other:
        print("other: the broker side run by STAMPEDE_OTHER (another build), interleaved in the same runs.")
    print("auth rows: 'fwd' columns = the broker without node.auth, 'broker' = with it (same run);")
    print("the MAC's cost per frame = broker cyc/pkt - fwd cyc/pkt (collector: per frame out).")
    if not dur_rows:
        return
    print()
    print("Durable acknowledgements (outputs[].durable, fdatasync every 10 ms), plain vs durable, same run:")
    for row in dur_rows:
        skip = res.get((row, "-", "skip"))
        if skip:
            print(f"  {labels[row][0]:<30}  skipped: {skip[0]}")
        elif row == "durcap":
            p, d = get(row, "fwd", "wr"), get(row, "broker", "wr")
            ratio = d / p if p == p and d == d and p > 0 else float("nan")
            print(f"  {labels[row][0]:<30} written Mframes/s: plain {fmt(p)}  durable {fmt(d)}  "
                  f"ratio {fmt(ratio, '{:.2f}')}  (per run: plain "
                  f"[{' '.join(fmt(float(x)) for x in res.get((row, 'fwd', 'wr'), []))}] durable "
                  f"[{' '.join(fmt(float(x)) for x in res.get((row, 'broker', 'wr'), []))}])")
            for mode in ("fwd", "broker"):
                dd = [float(x) for x in res.get((row, mode, "drop"), []) if x not in ("", "nan")]
                if dd and max(dd) > 0:
                    print(f"  {'':<30} note: {'plain' if mode == 'fwd' else 'durable'} dropped up to "
                          f"{int(max(dd))} frames in a run (capture ring full)")
        else:
            for mode, name in (("fwd", "plain"), ("broker", "durable")):
                print(f"  {labels[row][0]:<30} {name:<8} ACK latency ms: p50 {fmt(get(row, mode, 'p50'), '{:.2f}')}"
                      f"  p99 {fmt(get(row, mode, 'p99'), '{:.2f}')}  acknowledged/sent "
                      f"{fmt(get(row, mode, 'ackfrac'), '{:.4f}')}  (per run p50: "
                      f"[{' '.join(res.get((row, mode, 'p50'), []))}])")
                for r in sorted(set(res.get((row, mode, "fail"), []))):
                    print(f"  {'':<30}  failed run ({name}): {r}")
    print("durcap: a collector's datapath on CPU 1 and its writer thread on the control CPU; the")
    print("figure is the rate the writer kept up with. durack: kernel timestamps of tcpdump on the")
    print("sender's veth; an ACK period is 10 ms (BREL_ACK_MS) and writers flush every 10 ms.")

cmd = sys.argv[1]
if cmd == "run":
    run(sys.argv[2], sys.argv[3])
elif cmd == "send":
    send(sys.argv[2], sys.argv[3], float(sys.argv[4]), float(sys.argv[5]))
elif cmd == "acklat":
    acklat(sys.argv[2])
elif cmd == "report":
    report(sys.argv[2], sys.argv[3].split(","), sys.argv[4], sys.argv[5])
EOF
)

record() # row mode key value
{
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RESULTS"
}

# launch ROW MODE RUN NETNS CONFIG LOG [STATS_JSON]: start stampede (datapath lcore on CPU 1) and
# wait for its first stats line; its PID in LAUNCHED. A failed start is recorded, returns 1.
launch()
{
	local row=$1 mode=$2 run=$3 ns=$4 cfg=$5 log=$6 js=${7:-} exe=$STAMPEDE

	[[ $mode == other ]] && exe=$OTHER
	${ns:+ip netns exec "$ns"} "$exe" -c "$cfg" --stats-period 1 --duration $((DUR + 120)) \
		${js:+--stats-json "$js"} -- --lcores=0@0,1@1 >"$log" 2>&1 &
	LAUNCHED=$!
	PIDS+=("$LAUNCHED")
	if ! wait_ready "$LAUNCHED" "$log" '^rx [0-9]+ \('; then
		stop_pid "$LAUNCHED"
		record "$row" "$mode" fail "run $run: $(why "$log")"
		return 1
	fi
}

# one ROW MODE RUN NETNS CONFIG_BODY: run stampede with the config, measure DUR s, stop, record.
one()
{
	local row=$1 mode=$2 run=$3 ns=$4 body=$5 pfx=$TAG-$1-$2-$3 cfg log js pid i rx tx cpp cpo drop wr

	cfg=$WORK/$row-$mode-$run.json
	log=$WORK/$row-$mode-$run.log
	js=$WORK/$row-$mode-$run.stats.json
	PREFIXES+=("$pfx")
	printf '{ "eal": { "hugepages": false, "memory_mb": 1024, "file_prefix": "%s" },\n%s }\n' \
		"$pfx" "$body" >"$cfg"
	launch "$row" "$mode" "$run" "$ns" "$cfg" "$log" "$js" || return 1
	pid=$LAUNCHED
	for ((i = 0; i < DUR; i++)); do sleep 1; done
	sleep 0.3
	stop_pid "$pid"
	IFS=$'\t' read -r rx tx cpp cpo drop wr < <(python3 -c "$PY" run "$log" "$js")
	record "$row" "$mode" rx "$rx"
	record "$row" "$mode" tx "$tx"
	record "$row" "$mode" cpp "$cpp"
	record "$row" "$mode" cpo "$cpo"
	record "$row" "$mode" drop "$drop"
	record "$row" "$mode" wr "$wr"
	record_stages "$row" "$mode" "$js"
}

# pair ROW NETNS FWD_BODY BROKER_BODY: RUNS runs of each, interleaved, alternating the order;
# with STAMPEDE_OTHER, its broker side ("other") between them.
pair()
{
	local row=$1 i

	for ((i = 1; i <= RUNS; i++)); do
		printf '  %s: run %d/%d\n' "$row" "$i" "$RUNS" >&2
		if ((i % 2)); then
			one "$row" fwd "$i" "$2" "$3"
			[[ -n $OTHER ]] && one "$row" other "$i" "$2" "$4"
			one "$row" broker "$i" "$2" "$4"
		else
			one "$row" broker "$i" "$2" "$4"
			[[ -n $OTHER ]] && one "$row" other "$i" "$2" "$4"
			one "$row" fwd "$i" "$2" "$3"
		fi
	done
}

# The output ports are net_null with no-rx=1: polled, they receive nothing (like /dev/null).
LC='"burst": 32'
SP='"outputs": [ { "name": "sp", "type": "stampede", "port": "out", "src_ip": "192.0.2.7", "dst_ip": "192.0.2.9", "dst_mac": "02:00:00:00:00:09" } ]'

edge_row()
{
	local row=$1 size=$2 ports

	ports="\"ports\": [ { \"name\": \"in\", \"device\": \"net_null0,size=$size\", \"mtu\": 1500 },
	  { \"name\": \"out\", \"device\": \"net_null1,no-rx=1\" } ], $LC"
	pair "$row" "" \
		"$ports, \"rules\": [ { \"in\": [\"in\"], \"action\": \"forward\", \"out\": \"out\" } ]" \
		"\"node\": { \"id\": 7 }, $ports, $SP, \"rules\": [ { \"in\": [\"in\"], \"action\": \"forward\", \"out\": \"sp\" } ]"
}

coll_row()
{
	local row=$1 size=$2 per=$3 pcap=$WORK/$1.pcap ports

	SPHLIB=$SPHLIB python3 "$HERE/sph_pcap.py" "$pcap" "$size" "$per" 2000 ||
		{ record "$row" - skip "cannot write the datagram pcap"; return; }
	ports="\"ports\": [ { \"name\": \"in\", \"device\": \"net_pcap0,rx_pcap=$pcap,infinite_rx=1\", \"mtu\": 9000 },
	  { \"name\": \"out\", \"device\": \"net_null0,no-rx=1\", \"mtu\": 9000 } ], $LC,
	  \"mempool\": { \"size\": 32767, \"mbuf_size\": 2176 },
	  \"rules\": [ { \"in\": [\"in\"], \"action\": \"forward\", \"out\": \"out\" } ]"
	pair "$row" "" "$ports" "\"node\": { \"id\": 9, \"role\": \"collector\" }, $ports"
}

# The key of the auth rows (32 bytes, hex) in a file, as node.auth reads it.
AUTHKEY=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
AUTH="\"auth\": { \"keys\": [ { \"id\": 1, \"file\": \"$WORK/key.hex\" } ] }"
echo "$AUTHKEY" >"$WORK/key.hex"

# auth_edge_row ROW SIZE: the edge without vs with node.auth.
auth_edge_row()
{
	local row=$1 size=$2 ports rules

	ports="\"ports\": [ { \"name\": \"in\", \"device\": \"net_null0,size=$size\", \"mtu\": 1500 },
	  { \"name\": \"out\", \"device\": \"net_null1,no-rx=1\" } ], $LC"
	rules="\"rules\": [ { \"in\": [\"in\"], \"action\": \"forward\", \"out\": \"sp\" } ]"
	pair "$row" "" "\"node\": { \"id\": 7 }, $ports, $SP, $rules" \
		"\"node\": { \"id\": 7, $AUTH }, $ports, $SP, $rules"
}

# auth_coll_row ROW SIZE PER: the collector without vs with node.auth and node.peers.
auth_coll_row()
{
	local row=$1 size=$2 per=$3 plain=$WORK/$1-plain.pcap signed=$WORK/$1-signed.pcap ports

	SPHLIB=$SPHLIB python3 "$HERE/sph_pcap.py" "$plain" "$size" "$per" 2000 &&
		SPHLIB=$SPHLIB python3 "$HERE/sph_pcap.py" "$signed" "$size" "$per" 2000 0 "$AUTHKEY" ||
		{ record "$row" - skip "cannot write the datagram pcaps"; return; }
	ports="\"out\", \"device\": \"net_null0,no-rx=1\", \"mtu\": 9000 } ], $LC,
	  \"mempool\": { \"size\": 32767, \"mbuf_size\": 2176 },
	  \"rules\": [ { \"in\": [\"in\"], \"action\": \"forward\", \"out\": \"out\" } ]"
	pair "$row" "" \
		"\"node\": { \"id\": 9, \"role\": \"collector\" }, \"ports\": [ { \"name\": \"in\", \"device\": \"net_pcap0,rx_pcap=$plain,infinite_rx=1\", \"mtu\": 9000 }, { \"name\": $ports" \
		"\"node\": { \"id\": 9, \"role\": \"collector\", \"peers\": [ { \"id\": 7, \"address\": \"192.0.2.7\" } ], $AUTH }, \"ports\": [ { \"name\": \"in\", \"device\": \"net_pcap0,rx_pcap=$signed,infinite_rx=1\", \"mtu\": 9000 }, { \"name\": $ports"
}

veth_row()
{
	local row=$1 gen=${TAG}g dut=${TAG}d snk=${TAG}s g0=${TAG}g0 d0=${TAG}d0 d1=${TAG}d1 s0=${TAG}s0
	local n x gpfx=$TAG-gen glog gpid ports

	if [[ -n $VETH_SKIP ]]; then
		record "$row" - skip "$VETH_SKIP"
		return
	fi
	for n in "$gen" "$dut" "$snk"; do
		ip netns add "$n" || { record "$row" - skip "ip netns add failed"; return; }
		NETNS+=("$n")
	done
	ip link add "$g0" netns "$gen" type veth peer name "$d0" netns "$dut" &&
		ip link add "$d1" netns "$dut" type veth peer name "$s0" netns "$snk" ||
		{ record "$row" - skip "cannot create veth pairs"; return; }
	for x in "$gen $g0" "$dut $d0" "$dut $d1" "$snk $s0"; do
		set -- $x
		ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" 2>/dev/null
		ip -n "$1" link set "$2" up
	done
	glog=$WORK/$row-generator.log
	PREFIXES+=("$gpfx")
	ip netns exec "$gen" "$TESTPMD" --lcores=0@0,1@0 --no-huge -m 1024 --no-pci \
		--vdev "net_af_packet0,iface=$g0" --file-prefix="$gpfx" -- --forward-mode=txonly \
		--txpkts=64 --auto-start --stats-period 1 --total-num-mbufs=32768 </dev/null >"$glog" 2>&1 &
	gpid=$!
	PIDS+=("$gpid")
	if ! wait_ready "$gpid" "$glog" 'Port statistics ='; then
		record "$row" - skip "generator did not start: $(why "$glog")"
		stop_pid "$gpid"
		return
	fi
	ports="\"ports\": [ { \"name\": \"in\", \"device\": \"net_af_packet0,iface=$d0\" },
	  { \"name\": \"out\", \"device\": \"net_af_packet1,iface=$d1\" } ], $LC"
	pair "$row" "$dut" \
		"$ports, \"rules\": [ { \"in\": [\"in\"], \"action\": \"forward\", \"out\": \"out\" } ]" \
		"\"node\": { \"id\": 7 }, $ports, $SP, \"rules\": [ { \"in\": [\"in\"], \"action\": \"forward\", \"out\": \"sp\" } ]"
	stop_pid "$gpid"
	for n in "$snk" "$dut" "$gen"; do ip netns del "$n" 2>/dev/null; done
}

# A capture output on disk for the durable rows: plain or durable, rotated to bound the space.
dur_output()
{
	local row=$1 durable=$2

	printf '"outputs": [ { "name": "cap", "type": "pcapng", "path": "%s/%s-{index}.pcapng",
	  "rotate_bytes": 67108864, "max_files": 2, "durable": %s } ]' "$WORK" "$row" "$durable"
}

durcap_row()
{
	local row=$1 pcap=$WORK/$1.pcap ports

	SPHLIB=$SPHLIB python3 "$HERE/sph_pcap.py" "$pcap" 64 1 2000 8 ||
		{ record "$row" - skip "cannot write the datagram pcap"; return; }
	ports="\"node\": { \"id\": 9, \"role\": \"collector\" },
	  \"ports\": [ { \"name\": \"in\", \"device\": \"net_pcap0,rx_pcap=$pcap,infinite_rx=1,tx_pcap=/dev/null\" } ], $LC,
	  \"mempool\": { \"size\": 32767, \"mbuf_size\": 2176 },
	  \"rules\": [ { \"in\": [\"in\"], \"action\": \"forward\", \"out\": \"cap\" } ]"
	pair "$row" "" "$ports, $(dur_output "$row" false)" "$ports, $(dur_output "$row" true)"
}

# durack_one MODE RUN DURABLE: one collector run with the sender and tcpdump on the far side.
durack_one()
{
	local mode=$1 run=$2 durable=$3 row=durack pfx=$TAG-durack-$1-$2 cfg log cap pid tpid
	local sent acked p50 p99

	cfg=$WORK/$row-$mode-$run.json
	log=$WORK/$row-$mode-$run.log
	cap=$WORK/$row-$mode-$run.pcap
	PREFIXES+=("$pfx")
	printf '{ "eal": { "hugepages": false, "memory_mb": 1024, "file_prefix": "%s" },
	  "node": { "id": 9, "role": "collector" }, %s, %s,
	  "ports": [ { "name": "in", "device": "net_af_packet0,iface=%s" } ],
	  "rules": [ { "in": ["in"], "action": "forward", "out": "cap" } ] }\n' \
		"$pfx" "$(dur_output "$row" "$durable")" "$LC" "$DA_D0" >"$cfg"
	launch "$row" "$mode" "$run" "$DA_DUT" "$cfg" "$log" || return 1
	pid=$LAUNCHED
	ip netns exec "$DA_SND" tcpdump -i "$DA_S0" -w "$cap" -s 256 -B 16384 -nn udp \
		>"$WORK/$row-$mode-$run.tcpdump.log" 2>&1 &
	tpid=$!
	PIDS+=("$tpid")
	wait_ready "$tpid" "$WORK/$row-$mode-$run.tcpdump.log" 'listening on' 10
	ip netns exec "$DA_SND" env SPHLIB="$SPHLIB" python3 -c "$PY" send "$DA_S0" "$DA_MAC" \
		"$DURACK_PPS" "$DUR" >/dev/null
	sleep 0.5
	stop_pid "$tpid"
	stop_pid "$pid"
	# As a file: ftlib may re-execute its script under the python that has scapy.
	printf '%s\n' "$PY" >"$WORK/bench.py"
	IFS=$'\t' read -r sent acked p50 p99 < <(SPHLIB=$SPHLIB python3 "$WORK/bench.py" acklat "$cap")
	((KEEP)) || rm -f "$cap"
	record "$row" "$mode" p50 "$p50"
	record "$row" "$mode" p99 "$p99"
	record "$row" "$mode" ackfrac "$(python3 -c "print(${acked:-0} / max(1, ${sent:-0}))")"
}

durack_row()
{
	local row=$1 i

	if [[ $(id -u) != 0 ]] || ! command -v ip >/dev/null; then
		record "$row" - skip "needs root and ip (network namespaces, veth)"
		return
	fi
	command -v tcpdump >/dev/null || { record "$row" - skip "tcpdump not found"; return; }
	DA_SND=${TAG}q
	DA_DUT=${TAG}c
	DA_S0=${TAG}q0
	DA_D0=${TAG}c0
	ip netns add "$DA_SND" && NETNS+=("$DA_SND") && ip netns add "$DA_DUT" && NETNS+=("$DA_DUT") ||
		{ record "$row" - skip "ip netns add failed"; return; }
	ip link add "$DA_S0" netns "$DA_SND" type veth peer name "$DA_D0" netns "$DA_DUT" ||
		{ record "$row" - skip "cannot create a veth pair"; return; }
	ip netns exec "$DA_SND" sysctl -qw "net.ipv6.conf.$DA_S0.disable_ipv6=1" 2>/dev/null
	ip netns exec "$DA_DUT" sysctl -qw "net.ipv6.conf.$DA_D0.disable_ipv6=1" 2>/dev/null
	ip -n "$DA_SND" link set "$DA_S0" up
	ip -n "$DA_DUT" link set "$DA_D0" up
	DA_MAC=$(ip netns exec "$DA_DUT" cat "/sys/class/net/$DA_D0/address")
	for ((i = 1; i <= RUNS; i++)); do
		printf '  %s: run %d/%d\n' "$row" "$i" "$RUNS" >&2
		if ((i % 2)); then
			durack_one fwd "$i" false
			durack_one broker "$i" true
		else
			durack_one broker "$i" true
			durack_one fwd "$i" false
		fi
	done
	ip netns del "$DA_DUT" 2>/dev/null
	ip netns del "$DA_SND" 2>/dev/null
}

echo "stampede broker benchmark: $RUNS run(s) x $DUR s per mode and row; rows: $ROWS" >&2
echo "stampede: $STAMPEDE_SRC ($(date -r "$STAMPEDE_SRC" '+built %F %T')); --no-huge -m 1024" >&2
IFS=, read -r -a rowlist <<<"$ROWS"
for row in "${rowlist[@]}"; do
	case $row in
	edge64) edge_row edge64 64 ;;
	edge1000) edge_row edge1000 1000 ;;
	coll64) coll_row coll64 64 13 ;;
	coll1000) coll_row coll1000 1000 1 ;;
	vethedge) veth_row vethedge ;;
	auth64) auth_edge_row auth64 64 ;;
	auth1000) auth_edge_row auth1000 1000 ;;
	authcoll64) auth_coll_row authcoll64 64 13 ;;
	durcap) durcap_row durcap ;;
	durack) durack_row durack ;;
	*) echo "broker.sh: unknown row '$row'" >&2; exit 2 ;;
	esac
done
python3 -c "$PY" report "$RESULTS" "$ROWS" "$RUNS" "$DUR"
stage_report "$RESULTS"
