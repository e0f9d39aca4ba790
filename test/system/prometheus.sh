#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: a real Prometheus server (Debian's package) scrapes stampede.
#
#   test/system/prometheus.sh PATH_TO_STAMPEDE
#
# stampede runs on net_null0 <-> net_null1 (--no-huge, its own --file-prefix) with
# --metrics 127.0.0.1:0; Prometheus gets a config with a 1 s scrape interval on that endpoint, its
# own TSDB directory and a free port on 127.0.0.1. The test waits until Prometheus reports the
# target up and has a sample, queries stampede_received_packets_total through the HTTP API
# (/api/v1/query), stops stampede with SIGTERM and checks 0 < value <= stampede's final count.
# It also checks that a labelled series (drops per reason) arrived whole. Installs nothing;
# skips (77) when the prometheus binary is missing. Kills only the PIDs it started.
set -euo pipefail

STAMPEDE=${1:-}
PY=${PYTHON:-python3}
TAG=$$
PREFIX=stp-prom-$TAG
WORK=
STP_PID=
PROM_PID=

log() { echo "[$(date +%T)] $*"; }
skip() { echo "SKIP: $*"; exit 77; }
fail() {
	echo "FAIL: $*" >&2
	for f in stampede.log prometheus.log; do
		if [ -n "$WORK" ] && [ -f "$WORK/$f" ]; then
			echo "---- $f ----" >&2
			tail -n 40 "$WORK/$f" >&2 || true
		fi
	done
	exit 1
}

cleanup() {
	local rc=$?
	set +e
	for p in "$PROM_PID" "$STP_PID"; do
		if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
			kill -TERM "$p" 2>/dev/null
			for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
			kill -KILL "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		fi
	done
	rm -rf /var/run/dpdk/"$PREFIX" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$PREFIX" 2>/dev/null
	if [ -n "$WORK" ]; then
		if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -n "${STP_KEEP_FAILED:-}" ]; then
			echo "kept $WORK" >&2
		else
			rm -rf "$WORK"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT

[ -n "$STAMPEDE" ] || fail "usage: $0 PATH_TO_STAMPEDE"
[ -x "$STAMPEDE" ] || fail "$STAMPEDE: not an executable"
PROMETHEUS=$(command -v prometheus || true)
[ -n "$PROMETHEUS" ] || skip "the prometheus binary is not installed (scripts/setup-deps.sh installs Debian's prometheus package)"
STAMPEDE=$(cd "$(dirname "$STAMPEDE")" && pwd)/$(basename "$STAMPEDE")
WORK=$(mktemp -d /tmp/stp-prom.XXXXXX)

# GET a URL and print the body, or nothing on error.
http_get() {
	"$PY" - "$1" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        sys.stdout.write(r.read().decode())
except Exception:
    pass
EOF
}

# prom_query, prom_target, prom_free_port
. "$(dirname "${BASH_SOURCE[0]}")/prom_lib.sh"

cat > "$WORK/stampede.json" <<EOF
{
  "eal": { "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [ { "name": "a", "device": "net_null0" }, { "name": "b", "device": "net_null1" } ],
  "rules": [ { "name": "a-to-b", "in": ["a"], "action": "forward", "out": "b" },
             { "name": "b-to-a", "in": ["b"], "action": "forward", "out": "a" } ]
}
EOF
log "starting stampede"
"$STAMPEDE" -c "$WORK/stampede.json" --metrics 127.0.0.1:0 --stats-json "$WORK/stats.json" \
	>"$WORK/stampede.log" 2>&1 &
STP_PID=$!
URL=
for _ in $(seq 300); do
	URL=$(sed -n 's|^stampede: metrics at \(http://[^ ]*\)$|\1|p' "$WORK/stampede.log")
	[ -n "$URL" ] && break
	kill -0 "$STP_PID" 2>/dev/null || fail "stampede exited at start"
	sleep 0.1
done
[ -n "$URL" ] || fail "stampede did not print its metrics URL"
STP_TARGET=${URL#http://}
STP_TARGET=${STP_TARGET%/metrics}
log "stampede serves $URL"
http_get "$URL" >"$WORK/metrics.txt"
prom_check_text "$WORK/metrics.txt"

PROM_PORT=$(prom_free_port)
cat > "$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: stampede
    static_configs:
      - targets: ['$STP_TARGET']
EOF
log "starting $PROMETHEUS on 127.0.0.1:$PROM_PORT"
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!

VALUE=
for _ in $(seq 60); do
	kill -0 "$PROM_PID" 2>/dev/null || fail "prometheus exited"
	VALUE=$(prom_query stampede_received_packets_total)
	[ -n "$VALUE" ] && break
	sleep 0.5
done
[ -n "$VALUE" ] || fail "no stampede_received_packets_total in Prometheus after 30 s (target: $(prom_target))"
TARGET=$(prom_target)
log "target: $TARGET; stampede_received_packets_total = $VALUE"
[ "${TARGET%% *}" = up ] || fail "the stampede target is not up: $TARGET"
NO_RULE=$(prom_query 'stampede_dropped_packets_total{reason="no_rule",job="stampede"}')
[ "$NO_RULE" = 0 ] || fail "stampede_dropped_packets_total{reason=\"no_rule\"} is '$NO_RULE', want 0"
RULE=$(prom_query 'stampede_rule_matched_packets_total{rule="a-to-b"}')
[ -n "$RULE" ] || fail "no stampede_rule_matched_packets_total{rule=\"a-to-b\"}"

log "stopping stampede (SIGTERM to PID $STP_PID)"
kill -TERM "$STP_PID"
wait "$STP_PID" || fail "stampede exited with status $?"
STP_PID=
RECEIVED=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["received"])' \
	"$WORK/stats.json")
log "stampede's final received = $RECEIVED"
"$PY" - "$VALUE" "$RECEIVED" <<'EOF' || fail "Prometheus's value $VALUE is not in (0, $RECEIVED]"
import sys
v, n = float(sys.argv[1]), int(sys.argv[2])
sys.exit(0 if 0 < v <= n else 1)
EOF
log "PASS: Prometheus scraped $VALUE packets (0 < $VALUE <= $RECEIVED)"
