#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Transmit benchmark ("pps by send method", the go-pktgen table done on one topology): the
# highest rate one core sends at, by method, on one veth pair: a0 in namespace A, b0 in
# namespace B (names tagged with this script's PID).
#
# Methods (rows):
#   testpmd-xdp      dpdk-testpmd --forward-mode=txonly on net_af_xdp
#   testpmd-afp      dpdk-testpmd txonly on net_af_packet (qdisc_bypass=1, the PMD's default)
#   testpmd-afp-q    dpdk-testpmd txonly on net_af_packet,qdisc_bypass=0 (through the qdisc)
#   stampede-xdp     stampede's probe generator (probes[], rate "max") on net_af_xdp
#   stampede-afp     the same on net_af_packet,qdisc_bypass=1
#   stampede-afp-q   the same on net_af_packet,qdisc_bypass=0
#   trafgen          netsniff-ng trafgen (TX_RING, qdisc bypass: its default)
#   tcpreplay        tcpreplay --topspeed --preload-pcap, looping over a pcap of the same frames
# at 64- and 1200-byte frames (Ethernet frame without FCS: what testpmd --txpkts counts).
#
# Frames: every row sends Ethernet/IPv4/UDP 02:00:00:00:00:01 198.18.0.1:9 -> 02:00:00:00:00:99
# 198.18.0.2:9 (testpmd txonly's addresses and ports; a0's MAC is set to the source). The
# destination MAC is NOT b0's: frames to a MAC the kernel owns cost it 40-50 % more
# (DPDK-FACTS.md). The payload differs (testpmd: mbuf contents, stampede: zeros from its
# "plain" generator mode, trafgen/tcpreplay: zeros); headers and sizes are the same. stampede's
# probes[].size counts the 4-byte FCS (RFC 2544), so SIZE here (without FCS, testpmd --txpkts)
# is given to it as SIZE + 4; the frame on the wire has the same bytes as testpmd's.
#
# Measured per run, the same way for every row: after the tool is up (its first stats line, or
# 1.5 s), a0's tx_packets (sysfs, what veth accepted from the sender) and an nftables counter on
# b0's netdev ingress hook in namespace B (what reached b0's receive path after the kernel's
# backlog; the rule then drops the frame) are read, DUR seconds apart. Packets/s is a0's rate,
# received-at-peer is b0's ingress rate; Mb/s = Packets/s x frame bytes x 8. ratio = Packets/s /
# testpmd txonly's on the same port (xdp: testpmd-xdp; afp, trafgen, tcpreplay: testpmd-afp;
# afp-q: testpmd-afp-q) at the same size. RUNS rounds, methods interleaved within each round
# (order rotated per round), medians reported. The sending thread runs on CPU $TXCPU
# (DPDK: --lcores=0@<other>,1@$TXCPU; tcpreplay: taskset; trafgen -P 1 pins itself to CPU 0).
#
# stampede rows need the probe generator (config key probes[]); a build whose `stampede --check`
# refuses that key prints "n/a (no generator in this build)". The config the rows use:
#   {"node": {"id": 1}, "eal": {"hugepages": false, "memory_mb": 512, "file_prefix": P},
#    "ports": [{"name": "out", "device": DEV}],
#    "probes": [{"name": "s", "port": "out", "mode": "plain", "size": SIZE + 4, "rate": "max",
#                "src_mac": "02:00:00:00:00:01", "dst_mac": "02:00:00:00:00:99",
#                "src_ip": "198.18.0.1", "dst_ip": "198.18.0.2", "src_port": 9, "dst_port": 9}],
#    "rules": []}
# run as `stampede -c CFG --duration DUR+2 --stats-period 1 --stats-json J -- --lcores=...`;
# its own view (stats-json transmitted / --duration) is printed under the table.
#
# Benchmarks are not tests: this prints numbers, it asserts nothing about timing.
# Usage: scripts/bench/txmethods.sh [-n RUNS] [-d SECONDS] [-s SIZES] [-m METHODS] [-k]
# Takes about RUNS x sizes x methods x (DUR + 3) s: ~6 minutes with the defaults on an idle machine.
set -u

RUNS=3
DUR=5
SIZES="64,1200"
ALL_METHODS="testpmd-xdp,testpmd-afp,testpmd-afp-q,stampede-xdp,stampede-afp,stampede-afp-q,trafgen,tcpreplay"
METHODS=$ALL_METHODS
KEEP=0
TXCPU=${TXCPU:-0}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STAMPEDE=${STAMPEDE:-$HERE/../../build/app/stampede/stampede}
TESTPMD=${TESTPMD:-dpdk-testpmd}
SRC_MAC=02:00:00:00:00:01
DST_MAC=02:00:00:00:00:99

usage()
{
	cat <<EOF
Usage: $0 [-n RUNS] [-d SECONDS] [-s SIZES] [-m METHODS] [-k]
  -n RUNS     rounds; each method runs once per round, the median is reported (default $RUNS)
  -d SECONDS  measured seconds per run (default $DUR)
  -s SIZES    comma-separated frame sizes in bytes, without FCS, 60..1514 (default $SIZES)
  -m METHODS  comma-separated subset of:
              $ALL_METHODS
  -k          keep the logs directory
Environment: STAMPEDE (default build/app/stampede/stampede), TESTPMD (default dpdk-testpmd),
             TXCPU (CPU of the sending thread, default 0)
EOF
}

while getopts "n:d:s:m:kh" opt; do
	case $opt in
	n) RUNS=$OPTARG ;;
	d) DUR=$OPTARG ;;
	s) SIZES=$OPTARG ;;
	m) METHODS=$OPTARG ;;
	k) KEEP=1 ;;
	h) usage; exit 0 ;;
	*) usage >&2; exit 2 ;;
	esac
done
if ! [[ $RUNS =~ ^[1-9][0-9]*$ && $DUR =~ ^[1-9][0-9]*$ && $SIZES =~ ^[0-9]+(,[0-9]+)*$ ]]; then
	echo "txmethods.sh: -n and -d take positive integers, -s a list of sizes" >&2
	exit 2
fi
IFS=, read -r -a sizelist <<<"$SIZES"
IFS=, read -r -a methodlist <<<"$METHODS"
for s in "${sizelist[@]}"; do
	((s >= 60 && s <= 1514)) || { echo "txmethods.sh: size $s out of 60..1514" >&2; exit 2; }
done
for m in "${methodlist[@]}"; do
	[[ ,$ALL_METHODS, == *,$m,* ]] || { echo "txmethods.sh: unknown method '$m'" >&2; exit 2; }
done
if [[ $(id -u) != 0 ]]; then
	echo "txmethods.sh: needs root (network namespaces, veth)" >&2
	exit 1
fi
OTHERCPU=$((TXCPU == 0 ? 1 : 0))

TAG=txm$$
NSA=${TAG}A
NSB=${TAG}B
A0=${TAG}a0
B0=${TAG}b0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/stampede-txmethods.XXXXXX")
RESULTS=$WORK/results.tsv
: >"$RESULTS"
PIDS=()
PREFIXES=()

cleanup()
{
	local p

	for p in "${PIDS[@]}"; do
		stop_pid "$p"
	done
	ip netns del "$NSA" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	for p in "${PREFIXES[@]}"; do
		rm -rf "/var/run/dpdk/$p" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$p"
	done
	if ((KEEP)); then
		echo "logs kept in $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stop_pid, wait_ready, why: see lib.sh.
# shellcheck source=scripts/bench/lib.sh
. "$HERE/lib.sh"

# Others may rebuild the tree while this runs: every run uses the same copy of the binary.
STAMPEDE_SRC=$STAMPEDE
if [[ -x $STAMPEDE ]]; then
	cp "$STAMPEDE" "$WORK/stampede" && STAMPEDE=$WORK/stampede
fi

PY=$(cat <<'EOF'
import statistics, struct, sys

SRC_MAC = bytes.fromhex("020000000001")
DST_MAC = bytes.fromhex("020000000099")

def frame(size):
    """Ethernet/IPv4/UDP 198.18.0.1:9 -> 198.18.0.2:9, zero payload, @size bytes without FCS."""
    ip_len = size - 14
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, 0, 0, 64, 17, 0,
                               bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2])))
    s = sum(struct.unpack("!10H", bytes(ip)))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    ip[10:12] = struct.pack("!H", ~s & 0xffff)
    udp = struct.pack("!HHHH", 9, 9, ip_len - 20, 0)
    return DST_MAC + SRC_MAC + b"\x08\x00" + bytes(ip) + udp + bytes(ip_len - 28)

def pcap(size, path, n=1000):
    f = frame(size)
    with open(path, "wb") as o:
        o.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        for i in range(n):
            o.write(struct.pack("<IIII", i // 1000000, i % 1000000, len(f), len(f)) + f)

def trafgen(size, path):
    f = frame(size)
    with open(path, "w") as o:
        o.write("{\n")
        for i in range(0, len(f), 16):
            o.write("  " + ", ".join(f"0x{b:02x}" for b in f[i:i + 16]) + ",\n")
        o.write("}\n")

def med(v):
    return statistics.median(v) if v else float("nan")

def stampede_pps(js, dur):
    import json
    try:
        d = json.load(open(js))
        print(f"{d.get('generated', 0) / dur:.0f}\t{d['transmitted'] / dur:.0f}")
    except (OSError, ValueError, KeyError):
        print("nan\tnan")

LABEL = {
    "testpmd-xdp": "dpdk-testpmd txonly, net_af_xdp",
    "testpmd-afp": "dpdk-testpmd txonly, net_af_packet",
    "testpmd-afp-q": "dpdk-testpmd txonly, af_packet qdisc",
    "stampede-xdp": "stampede generator, net_af_xdp",
    "stampede-afp": "stampede generator, net_af_packet",
    "stampede-afp-q": "stampede generator, af_packet qdisc",
    "trafgen": "netsniff-ng trafgen (TX_RING)",
    "tcpreplay": "tcpreplay --topspeed -K",
}
BASE = {"testpmd-xdp": "testpmd-xdp", "stampede-xdp": "testpmd-xdp",
        "testpmd-afp": "testpmd-afp", "stampede-afp": "testpmd-afp", "trafgen": "testpmd-afp",
        "tcpreplay": "testpmd-afp", "testpmd-afp-q": "testpmd-afp-q",
        "stampede-afp-q": "testpmd-afp-q"}

def report(path, methods, sizes, runs, dur):
    res, notes = {}, {}
    for l in open(path):
        m, size, key, val = l.rstrip("\n").split("\t")
        if key in ("skip", "fail"):
            notes.setdefault((m, size), []).append(val)
        else:
            res.setdefault((m, size, key), []).append(float(val))
    get = lambda m, s, k: med([v for v in res.get((m, s, k), []) if v == v])
    f = lambda v, fmt: "-" if v != v else fmt.format(v)
    print()
    print(f"{'Method':<38}{'Size':>6}{'Packets/s':>12}{'Mb/s':>9}{'at peer pps':>13}{'ratio':>7}")
    for s in sizes:
        for m in methods:
            pps = get(m, s, "pps")
            if pps != pps:
                why = notes.get((m, s), ["no result"])[0]
                print(f"{LABEL[m]:<38}{s:>6}  n/a ({why})")
                continue
            base = get(BASE[m], s, "pps")
            ratio = pps / base if base == base and base > 0 else float("nan")
            print(f"{LABEL[m]:<38}{s:>6}{pps:>12,.0f}{pps * int(s) * 8 / 1e6:>9,.0f}"
                  f"{f(get(m, s, 'rx'), '{:,.0f}'):>13}{f(ratio, '{:.2f}'):>7}")
    print()
    print("per-run Packets/s (noise check) and each tool's own count:")
    for s in sizes:
        for m in methods:
            runs_v = " ".join(f"{v:,.0f}" for v in res.get((m, s, "pps"), []))
            own = ""
            if m.startswith("stampede") and res.get((m, s, "own")):
                own = (f"  stampede stats-json transmitted/--duration {get(m, s, 'own'):,.0f}"
                       f" (generated {f(get(m, s, 'gen'), '{:,.0f}')})")
            if runs_v:
                print(f"  {LABEL[m]:<38}{s:>5}: [{runs_v}]{own}")
            for n in sorted(set(notes.get((m, s), []))):
                if runs_v:
                    print(f"  {LABEL[m]:<38}{s:>5}: failed run(s): {n}")
    print()
    print(f"Medians of {runs} round(s), {dur} s measured per run, methods interleaved in each round.")
    print("Packets/s: a0's tx_packets rate (what the veth took from the sender); at peer pps: b0's")
    print("netdev-ingress nftables counter rate in namespace B (what reached b0's receive path);")
    print("Mb/s: Packets/s x frame bytes (no FCS) x 8; ratio: Packets/s / dpdk-testpmd txonly's on")
    print("the same port kind and size (af_packet rows, trafgen, tcpreplay: testpmd net_af_packet;")
    print("qdisc rows: testpmd af_packet qdisc_bypass=0). One sending core each.")

cmd = sys.argv[1]
if cmd == "pcap":
    pcap(int(sys.argv[2]), sys.argv[3])
elif cmd == "trafgen":
    trafgen(int(sys.argv[2]), sys.argv[3])
elif cmd == "stampede":
    stampede_pps(sys.argv[2], float(sys.argv[3]))
elif cmd == "report":
    report(sys.argv[2], sys.argv[3].split(","), sys.argv[4].split(","), sys.argv[5], sys.argv[6])
EOF
)

record() # method size key value
{
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RESULTS"
}

# counters: "epoch a0_tx b0_ingress"
counters()
{
	local tx rx

	tx=$(ip netns exec "$NSA" cat "/sys/class/net/$A0/statistics/tx_packets" 2>/dev/null)
	if ((NFT)); then
		rx=$(ip netns exec "$NSB" nft list counter netdev "$TAG" rx 2>/dev/null |
			sed -n 's/.*packets \([0-9]*\).*/\1/p')
	else
		rx=$(ip netns exec "$NSB" cat "/sys/class/net/$B0/statistics/rx_packets" 2>/dev/null)
	fi
	echo "$(date +%s.%N) ${tx:-0} ${rx:-0}"
}

topology()
{
	ip netns add "$NSA" || return 1
	ip netns add "$NSB" || return 1
	ip link add "$A0" netns "$NSA" address $SRC_MAC type veth peer name "$B0" netns "$NSB" ||
		return 1
	ip netns exec "$NSA" sysctl -qw "net.ipv6.conf.$A0.disable_ipv6=1"
	ip netns exec "$NSB" sysctl -qw "net.ipv6.conf.$B0.disable_ipv6=1"
	ip -n "$NSA" link set "$A0" up || return 1
	ip -n "$NSB" link set "$B0" up || return 1
	NFT=0
	if command -v nft >/dev/null && ip netns exec "$NSB" nft -f - <<EOF; then
table netdev $TAG {
	counter rx { }
	chain ingress { type filter hook ingress device $B0 priority 0; policy accept; counter name rx drop; }
}
EOF
		NFT=1
	else
		echo "txmethods.sh: no nftables netdev ingress counter: at-peer column is b0's rx_packets" >&2
	fi
}

# measure METHOD SIZE PID LOG READY_REGEX: wait until up, count DUR s, stop.
measure()
{
	local m=$1 size=$2 pid=$3 log=$4 re=$5 c0 c1

	if [[ -n $re ]]; then
		if ! wait_ready "$pid" "$log" "$re" 30; then
			record "$m" "$size" fail "$(why "$log")"
			stop_pid "$pid"
			return 1
		fi
	else
		sleep 1.5
		if ! kill -0 "$pid" 2>/dev/null; then
			record "$m" "$size" fail "$(why "$log")"
			wait "$pid" 2>/dev/null
			return 1
		fi
	fi
	c0=$(counters)
	sleep "$DUR"
	c1=$(counters)
	if ! kill -0 "$pid" 2>/dev/null; then
		record "$m" "$size" fail "exited during the measurement: $(why "$log")"
		return 1
	fi
	read -r t0 tx0 rx0 <<<"$c0"
	read -r t1 tx1 rx1 <<<"$c1"
	record "$m" "$size" pps "$(python3 -c "print(($tx1 - $tx0) / ($t1 - $t0))")"
	record "$m" "$size" rx "$(python3 -c "print(($rx1 - $rx0) / ($t1 - $t0))")"
	return 0
}

port_dev() # METHOD INDEX -> vdev string
{
	case $1 in
	*-xdp) echo "net_af_xdp$2,iface=$A0,start_queue=0,queue_count=1" ;;
	*-afp) echo "net_af_packet$2,iface=$A0,qdisc_bypass=1" ;;
	*-afp-q) echo "net_af_packet$2,iface=$A0,qdisc_bypass=0" ;;
	esac
}

run_testpmd() # METHOD SIZE ROUND
{
	local m=$1 size=$2 pfx=$TAG-$1-$2-$3 log pid

	log=$WORK/$m-$size-$3.log
	PREFIXES+=("$pfx")
	# Line-buffered: its first per-second display is the ready signal.
	ip netns exec "$NSA" stdbuf -oL "$TESTPMD" --lcores=0@$OTHERCPU,1@$TXCPU --no-huge -m 512 --no-pci \
		--file-prefix="$pfx" --vdev "$(port_dev "$m" 0)" -- --forward-mode=txonly \
		--txpkts="$size" --eth-peer=0,$DST_MAC --auto-start --stats-period 1 \
		--total-num-mbufs=32768 </dev/null >"$log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	measure "$m" "$size" "$pid" "$log" 'Port statistics =' || return
	stop_pid "$pid"
}

stampede_config() # METHOD SIZE PREFIX FILE
{
	cat >"$4" <<EOF
{
  "node": { "id": 1 },
  "eal": { "hugepages": false, "memory_mb": 512, "file_prefix": "$3" },
  "ports": [ { "name": "out", "device": "$(port_dev "$1" 0)" } ],
  "probes": [ { "name": "s", "port": "out", "mode": "plain", "size": $(($2 + 4)), "rate": "max",
                "src_mac": "$SRC_MAC", "dst_mac": "$DST_MAC",
                "src_ip": "198.18.0.1", "dst_ip": "198.18.0.2",
                "src_port": 9, "dst_port": 9 } ],
  "rules": []
}
EOF
}

# stampede_usable METHOD SIZE: empty when this build takes the probes[] config, else why not.
stampede_usable()
{
	local cfg=$WORK/check-$1-$2.json out

	if [[ ! -x $STAMPEDE ]]; then
		echo "no stampede binary at $STAMPEDE_SRC"
		return
	fi
	stampede_config "$1" "$2" "$TAG-check" "$cfg"
	if ! out=$("$STAMPEDE" --check -c "$cfg" 2>&1); then
		if grep -q probes <<<"$out"; then
			echo "no generator in this build"
		else
			echo "config refused: $(echo "$out" | tail -n 1 | cut -c1-100)"
		fi
	fi
}

run_stampede() # METHOD SIZE ROUND
{
	local m=$1 size=$2 pfx=$TAG-$1-$2-$3 cfg log js pid gen tx

	cfg=$WORK/$m-$size-$3.json
	log=$WORK/$m-$size-$3.log
	js=$WORK/$m-$size-$3.stats.json
	PREFIXES+=("$pfx")
	stampede_config "$m" "$size" "$pfx" "$cfg"
	ip netns exec "$NSA" stdbuf -oL "$STAMPEDE" -c "$cfg" --stats-period 1 --duration $((DUR + 2)) \
		--stats-json "$js" -- --lcores=0@$OTHERCPU,1@$TXCPU >"$log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	measure "$m" "$size" "$pid" "$log" '^rx [0-9]+ \(' || return
	# --duration ends it; stop_pid only waits (and signals a straggler).
	for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	stop_pid "$pid"
	IFS=$'\t' read -r gen tx < <(python3 -c "$PY" stampede "$js" $((DUR + 2)))
	record "$m" "$size" own "$tx"
	record "$m" "$size" gen "$gen"
	record_stages "$m" "$size" "$js"
}

run_trafgen() # SIZE ROUND
{
	local size=$1 cfg=$WORK/trafgen-$1.cfg log=$WORK/trafgen-$1-$2.log pid

	[[ -f $cfg ]] || python3 -c "$PY" trafgen "$size" "$cfg"
	# -P 1: one process (trafgen pins it to CPU 0); --no-sock-mem -Q: leave the machine's socket memory
	# sysctls and IRQ affinities alone (shared machine); no -q: qdisc bypass, its default.
	ip netns exec "$NSA" trafgen --dev "$A0" --conf "$cfg" -P 1 --no-sock-mem -Q -C >"$log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	measure trafgen "$size" "$pid" "$log" "" || return
	stop_pid "$pid"
}

run_tcpreplay() # SIZE ROUND
{
	local size=$1 pcap=$WORK/frames-$1.pcap log=$WORK/tcpreplay-$1-$2.log pid

	[[ -f $pcap ]] || python3 -c "$PY" pcap "$size" "$pcap"
	ip netns exec "$NSA" taskset -c "$TXCPU" tcpreplay -i "$A0" --topspeed --preload-pcap \
		--loop=0 --duration=$((DUR + 30)) "$pcap" >"$log" 2>&1 &
	pid=$!
	PIDS+=("$pid")
	measure tcpreplay "$size" "$pid" "$log" "" || return
	stop_pid "$pid"
}

# Which methods can run at all: skip with the reason once, not per round.
declare -A SKIP=()
for m in "${methodlist[@]}"; do
	case $m in
	testpmd-*) command -v "$TESTPMD" >/dev/null || SKIP[$m]="$TESTPMD not installed" ;;
	trafgen) command -v trafgen >/dev/null || SKIP[$m]="trafgen not installed (netsniff-ng)" ;;
	tcpreplay) command -v tcpreplay >/dev/null || SKIP[$m]="tcpreplay not installed" ;;
	esac
done

topology || { echo "txmethods.sh: cannot create the veth pair in namespaces" >&2; exit 1; }
for m in "${methodlist[@]}"; do
	if [[ $m == stampede-* ]]; then
		for s in "${sizelist[@]}"; do
			why_not=$(stampede_usable "$m" "$s")
			[[ -z $why_not ]] || { SKIP[$m]=$why_not; break; }
		done
	fi
	if [[ -n ${SKIP[$m]:-} ]]; then
		for s in "${sizelist[@]}"; do record "$m" "$s" skip "${SKIP[$m]}"; done
	fi
done

echo "txmethods: $RUNS round(s) x $DUR s; sizes $SIZES; methods $METHODS" >&2
echo "stampede: $STAMPEDE_SRC; testpmd: $(command -v "$TESTPMD"); sending thread on CPU $TXCPU" >&2
for ((r = 1; r <= RUNS; r++)); do
	for s in "${sizelist[@]}"; do
		n=${#methodlist[@]}
		for ((j = 0; j < n; j++)); do
			m=${methodlist[$(((j + r - 1) % n))]}
			[[ -z ${SKIP[$m]:-} ]] || continue
			printf '  round %d/%d, %s bytes: %s\n' "$r" "$RUNS" "$s" "$m" >&2
			case $m in
			testpmd-*) run_testpmd "$m" "$s" "$r" ;;
			stampede-*) run_stampede "$m" "$s" "$r" ;;
			trafgen) run_trafgen "$s" "$r" ;;
			tcpreplay) run_tcpreplay "$s" "$r" ;;
			esac
		done
	done
done
python3 -c "$PY" report "$RESULTS" "$METHODS" "$SIZES" "$RUNS" "$DUR"
stage_report "$RESULTS"
