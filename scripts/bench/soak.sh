#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Soak: stampede forwards at the generator's full rate between veth namespaces for MINUTES, and
# every 5 s this script samples what would show a leak: stampede's resident memory, the mbufs in
# use in its packet pool, and its counters.  Not a test (CI does not run it): it prints a table and
# a verdict.
#
#   ns gen                     ns dut (stampede)                      ns sink
#   g0 <-veth-> d0 ==stampede, rules a->b, b->a==> d1 <-veth-> s0
#
# Generator: dpdk-testpmd --forward-mode=txonly (64-byte UDP 198.18.0.1 -> 198.18.0.2) on
# net_af_packet (afp, default) or net_af_xdp (xdp), on CPU 0 (--lcores=0@0,1@0, --no-huge).
# stampede: its datapath lcore alone on CPU 1, its main lcore on CPU 0 (--lcores=0@0,1@1),
# on hugepages (eal.hugepages true, 256 MB) so that a DPDK secondary process can read its pool.
#
# Each sample (every 5 s):
#   rss_kB      VmRSS of the stampede process (/proc/PID/status)
#   pool_inuse  mbufs of "stp_pool" in use (not in the pool's ring nor in a per-lcore cache):
#               `dpdk-proc-info --show-mempool=stp_pool`, a secondary process attached for a
#               moment (DPDK 22.11's telemetry /mempool/info has no free count)
#   rx, tx, drop, in_flight  stampede's /stampede/totals (DPDK telemetry socket)
#   Mpps        forwarded per second over the interval;  sink_rx: frames that reached s0
# Verdict, over the samples after the first minute (start-up settles; with MINUTES=1, all of
# them): RSS max - min <= RSS_BOUND_KB (default 1024) and pool in-use max - min <= POOL_BOUND
# (default 512 mbufs, ~8 bursts of 64); and at exit, from --stats-json, exactly
#   received + replicated + generated == transmitted + captured + consumed + dropped.
# Exit 0 when all hold, 1 otherwise, 2 on a usage or set-up error.
#
# Usage: scripts/bench/soak.sh [-k] MINUTES [afp|xdp]        (root)
#   -k  keep the work directory (configuration, logs, samples.tsv)
# Environment: STAMPEDE (default build/app/stampede/stampede), TESTPMD (dpdk-testpmd),
#   PROCINFO (dpdk-proc-info), RSS_BOUND_KB, POOL_BOUND, INTERVAL (seconds, default 5).
set -u

KEEP=0
if [[ ${1:-} == -k ]]; then
	KEEP=1
	shift
fi
MINUTES=${1:-}
MODE=${2:-afp}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
STAMPEDE=${STAMPEDE:-$HERE/../../build/app/stampede/stampede}
TESTPMD=${TESTPMD:-dpdk-testpmd}
PROCINFO=${PROCINFO:-dpdk-proc-info}
RSS_BOUND_KB=${RSS_BOUND_KB:-1024}
POOL_BOUND=${POOL_BOUND:-512}
INTERVAL=${INTERVAL:-5}

usage()
{
	echo "Usage: $0 [-k] MINUTES [afp|xdp]   (root; see the header of this script)" >&2
	exit 2
}
[[ $MINUTES =~ ^[1-9][0-9]*$ ]] || usage
case $MODE in
afp) PMD=af_packet ; QARGS="" ;;
xdp) PMD=af_xdp ; QARGS=",start_queue=0,queue_count=1" ;;
*) usage ;;
esac
[[ $(id -u) == 0 ]] || { echo "soak.sh: needs root (namespaces, veth, hugepages)" >&2; exit 2; }
for t in "$TESTPMD" "$PROCINFO" python3 ip; do
	command -v "$t" >/dev/null || { echo "soak.sh: $t not found (apt-get install dpdk iproute2 python3)" >&2; exit 2; }
done
[[ -x $STAMPEDE ]] || { echo "soak.sh: no stampede binary at $STAMPEDE (ninja -C build)" >&2; exit 2; }
# 256 MB for stampede: 128 pages, on top of whatever others already hold.
free_pages=$(awk '/^HugePages_Free/ { print $2 }' /proc/meminfo)
if [[ ${free_pages:-0} -lt 160 ]]; then
	total=$(awk '/^HugePages_Total/ { print $2 }' /proc/meminfo)
	"$HERE/../hugepages.sh" $((total + 160 - ${free_pages:-0})) >/dev/null ||
		{ echo "soak.sh: cannot reserve 160 free 2 MiB hugepages" >&2; exit 2; }
fi

TAG=soak$$
GEN=${TAG}g DUT=${TAG}d SNK=${TAG}s
G0=${TAG}g0 D0=${TAG}d0 D1=${TAG}d1 S0=${TAG}s0
SPFX=$TAG-stp GPFX=$TAG-gen
WORK=$(mktemp -d "${TMPDIR:-/tmp}/stampede-soak.XXXXXX")
STP_PID= GEN_PID=

# stop PID: SIGINT (a graceful stop for both tools), SIGKILL after 20 s.  Only our own PIDs.
stop()
{
	local pid=$1 i
	[[ -n $pid ]] || return 0
	kill -INT "$pid" 2>/dev/null
	for ((i = 0; i < 200; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}

cleanup()
{
	stop "$STP_PID"
	stop "$GEN_PID"
	for n in "$GEN" "$DUT" "$SNK"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "/var/run/dpdk/$SPFX" "/var/run/dpdk/$GPFX"
	rm -f /dev/hugepages/"$SPFX"* 2>/dev/null
	if ((KEEP)); then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Others may rebuild the tree meanwhile: run a copy of the binary.
cp "$STAMPEDE" "$WORK/stampede" || exit 2

for n in "$GEN" "$DUT" "$SNK"; do ip netns add "$n" || exit 2; done
ip link add "$G0" netns "$GEN" type veth peer name "$D0" netns "$DUT" || exit 2
ip link add "$D1" netns "$DUT" type veth peer name "$S0" netns "$SNK" || exit 2
for x in "$GEN $G0" "$DUT $D0" "$DUT $D1" "$SNK $S0"; do
	set -- $x
	ip netns exec "$1" sysctl -qw "net.ipv6.conf.$2.disable_ipv6=1" 2>/dev/null
	ip -n "$1" link set "$2" up
done

cat >"$WORK/stampede.json" <<JSON
{
  "node": { "id": 1, "description": "soak $MINUTES min $MODE" },
  "eal": { "hugepages": true, "memory_mb": 256, "file_prefix": "$SPFX" },
  "ports": [ { "name": "a", "device": "net_${PMD}0,iface=$D0$QARGS" },
             { "name": "b", "device": "net_${PMD}1,iface=$D1$QARGS" } ],
  "rules": [ { "name": "a-b", "in": ["a"], "action": "forward", "out": "b" },
             { "name": "b-a", "in": ["b"], "action": "forward", "out": "a" } ]
}
JSON
ip netns exec "$DUT" "$WORK/stampede" -c "$WORK/stampede.json" --stats-json "$WORK/stats.json" \
	--duration $((MINUTES * 60 + 300)) -- --lcores=0@0,1@1 >"$WORK/stampede.log" 2>&1 </dev/null &
STP_PID=$!
TSOCK=/var/run/dpdk/$SPFX/dpdk_telemetry.v2
for ((i = 0; i < 300; i++)); do
	[[ -S $TSOCK ]] && grep -q "lcore" "$WORK/stampede.log" 2>/dev/null && break
	kill -0 "$STP_PID" 2>/dev/null || break
	sleep 0.1
done
if ! kill -0 "$STP_PID" 2>/dev/null || [[ ! -S $TSOCK ]]; then
	echo "soak.sh: stampede did not start:" >&2
	tail -n 20 "$WORK/stampede.log" >&2
	exit 1
fi

ip netns exec "$GEN" "$TESTPMD" --lcores=0@0,1@0 --no-huge -m 1024 --no-pci \
	--vdev "net_${PMD}0,iface=$G0$QARGS" --file-prefix="$GPFX" -- --forward-mode=txonly \
	--txpkts=64 --auto-start --stats-period 60 --total-num-mbufs=32768 \
	</dev/null >"$WORK/generator.log" 2>&1 &
GEN_PID=$!

# One sample line: t rss_kB pool_inuse rx tx drop in_flight sink_rx
SAMPLER=$(cat <<'PY'
import json, socket, subprocess, sys, time
pid, tsock, spfx, procinfo, snk, s0 = sys.argv[1:7]
def rss():
    for l in open(f"/proc/{pid}/status"):
        if l.startswith("VmRSS:"):
            return int(l.split()[1])
def tel(cmd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(tsock)
    s.recv(1024)
    s.send(cmd.encode())
    r = json.loads(s.recv(65536).decode())
    s.close()
    return r[cmd.split(",")[0]]
def inuse():
    out = subprocess.run([procinfo, f"--file-prefix={spfx}", "--no-pci", "--log-level=lib.eal:error",
                          "--log-level=pmd.*:error", "--", "--show-mempool=stp_pool"],
                         capture_output=True, text=True, timeout=30).stdout
    for l in out.splitlines():
        if "in use (" in l:
            return int(l.split("in use (")[1].split(")")[0])
    return -1
def sink():
    return int(subprocess.run(["ip", "netns", "exec", snk, "cat", f"/sys/class/net/{s0}/statistics/rx_packets"],
                              capture_output=True, text=True).stdout or 0)
t = tel("/stampede/totals")
print(f"{time.time():.3f}\t{rss()}\t{inuse()}\t{t['received']}\t{t['transmitted']}\t{t['dropped']}\t{t['in_flight']}\t{sink()}")
PY
)

echo "soak: $MINUTES min, $MODE; stampede pid $STP_PID (lcore 1 on CPU 1), generator on CPU 0; work $WORK" >&2
echo "soak: load at start: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
START=$(date +%s)
END=$((START + MINUTES * 60))
: >"$WORK/samples.tsv"
next=$START
while :; do
	now=$(date +%s)
	((now >= END)) && break
	kill -0 "$STP_PID" 2>/dev/null || { echo "soak.sh: stampede exited during the soak" >&2; break; }
	kill -0 "$GEN_PID" 2>/dev/null || { echo "soak.sh: the generator exited during the soak" >&2; break; }
	python3 -c "$SAMPLER" "$STP_PID" "$TSOCK" "$SPFX" "$PROCINFO" "$SNK" "$S0" \
		>>"$WORK/samples.tsv" 2>>"$WORK/sampler.err"
	next=$((next + INTERVAL))
	now=$(date +%s)
	((next > now)) && sleep $((next - now))
done
LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
alive=1
kill -0 "$STP_PID" 2>/dev/null || alive=0
# Stop the generator first, let the last frames cross, then stop stampede (graceful drain).
stop "$GEN_PID"
GEN_PID=
sleep 1
kill -INT "$STP_PID" 2>/dev/null
for ((i = 0; i < 200; i++)); do kill -0 "$STP_PID" 2>/dev/null || break; sleep 0.1; done
stopped=1
if kill -0 "$STP_PID" 2>/dev/null; then
	stopped=0
	kill -KILL "$STP_PID"
fi
wait "$STP_PID"
rc=$?
STP_PID=

python3 - "$WORK/samples.tsv" "$WORK/stats.json" "$RSS_BOUND_KB" "$POOL_BOUND" "$MINUTES" "$MODE" \
	"$alive" "$stopped" "$rc" "$LOAD_END" <<'PY'
import json, sys
path, js, rss_bound, pool_bound, minutes, mode, alive, stopped, rc, load = sys.argv[1:11]
rss_bound, pool_bound = int(rss_bound), int(pool_bound)
rows = [list(map(float, l.split("\t"))) for l in open(path) if l.count("\t") == 7]
ok = True
if not rows:
    print("no samples"); sys.exit(1)
t0 = rows[0][0]
print(f"\n{'t(s)':>6}{'rss_kB':>9}{'pool_inuse':>11}{'received':>14}{'transmitted':>14}{'dropped':>10}"
      f"{'in_flight':>10}{'Mpps':>7}{'sink_rx':>14}")
prev = None
for r in rows:
    mpps = (r[4] - prev[4]) / (r[0] - prev[0]) / 1e6 if prev else 0.0
    print(f"{r[0]-t0:>6.0f}{r[1]:>9.0f}{r[2]:>11.0f}{r[3]:>14.0f}{r[4]:>14.0f}{r[5]:>10.0f}{r[6]:>10.0f}"
          f"{mpps:>7.3f}{r[7]:>14.0f}")
    prev = r
steady = [r for r in rows if r[0] - t0 >= 60] if int(minutes) > 1 else rows
def span(i):
    v = [r[i] for r in steady if r[i] >= 0]
    return (min(v), max(v)) if v else (float("nan"), float("nan"))
def slope(i):
    v = [(r[0], r[i]) for r in steady if r[i] >= 0]
    if len(v) < 2: return float("nan")
    mt = sum(a for a, _ in v) / len(v); my = sum(b for _, b in v) / len(v)
    den = sum((a - mt) ** 2 for a, _ in v)
    return 60 * sum((a - mt) * (b - my) for a, b in v) / den if den else 0.0
rmin, rmax = span(1)
pmin, pmax = span(2)
rates = [(b[4] - a[4]) / (b[0] - a[0]) / 1e6 for a, b in zip(rows, rows[1:]) if b[0] > a[0]]
rates.sort()
med = rates[len(rates) // 2] if rates else float("nan")
print(f"\nsoak {minutes} min ({mode}), {len(rows)} samples; steady state = {len(steady)} samples"
      f" after the first minute; load average at the end {load}")
print(f"  RSS        min {rmin:.0f} kB, max {rmax:.0f} kB, max-min {rmax-rmin:.0f} kB"
      f" (bound {rss_bound}), trend {slope(1):+.1f} kB/min")
print(f"  pool inuse min {pmin:.0f}, max {pmax:.0f}, max-min {pmax-pmin:.0f} mbufs"
      f" (bound {pool_bound}), trend {slope(2):+.1f} mbufs/min")
print(f"  forwarding median {med:.3f} Mpps (min {rates[0] if rates else 0:.3f}, max {rates[-1] if rates else 0:.3f})")
if not (rmax - rmin <= rss_bound): ok = False; print("  FAIL: RSS not flat")
if not (pmax - pmin <= pool_bound): ok = False; print("  FAIL: pool in-use not flat")
if any(r[2] < 0 for r in rows): print("  note: some pool samples failed (dpdk-proc-info), see sampler.err")
if alive != "1": ok = False; print("  FAIL: stampede exited before the end of the soak")
if stopped != "1": ok = False; print("  FAIL: stampede did not stop within 20 s of SIGINT")
if rc != "0": ok = False; print(f"  FAIL: stampede exit status {rc}")
try:
    d = json.load(open(js))
    lhs = d["received"] + d["replicated"] + d.get("generated", 0)
    rhs = d["transmitted"] + d["captured"] + d.get("consumed", 0) + d["dropped"]
    drops = {k: v for k, v in d["drops"].items() if v}
    print(f"  final: received {d['received']} replicated {d['replicated']} transmitted {d['transmitted']}"
          f" captured {d['captured']} dropped {d['dropped']} {drops or ''}")
    for p in d.get("ports", []):
        print(f"  port {p['name']}: rx {p['rx_pkts']} tx {p['tx_pkts']} imissed {p['imissed']}"
              f" oerrors {p['oerrors']} rx_nombuf {p.get('rx_nombuf', '-')}")
    if lhs != rhs: ok = False; print(f"  FAIL: invariant {lhs} != {rhs}")
    else: print(f"  invariant exact: {lhs} == {rhs}")
except (OSError, ValueError, KeyError) as e:
    ok = False; print(f"  FAIL: no usable --stats-json: {e}")
print(f"VERDICT: {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
