#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: a real Prometheus scrapes stampede's /metrics over TLS with basic auth while 20
# idle TCP connections are held open to the same port (issue 21: the old one-at-a-time server
# took 37 s per scrape behind 20 idle connections).
#
#   test/system/prometheus_tls.sh PATH_TO_STAMPEDE
#
# The test makes a self-signed certificate for 127.0.0.1 (openssl req) and a SHA-512-crypt
# password hash (openssl passwd -6), runs stampede on net_null0 <-> net_null1 with
# metrics.tls and metrics.basic_auth and --metrics 127.0.0.1:0, and checks with curl:
# the right password gets 200 and text promtool accepts; a wrong password and no password get
# 401; plain HTTP to the TLS port gets no HTTP answer. A Python process then holds 20 idle TCP
# connections (reopening any the server closes), and Prometheus (Debian's package, own TSDB
# directory, own port on 127.0.0.1) scrapes every 1 s with scrape_timeout 1 s, tls_config
# ca_file (the certificate is verified) and basic_auth; a second job with a wrong password must
# be down with a 401. Prometheus's own series decide: every scrape of the good job is up
# (min_over_time(up) = 1 over at least 6 scrapes, all taken while the 20 connections were
# held) and max_over_time(scrape_duration_seconds) < 1 s, the issue's requirement.
# A certificate that is not PEM fails the start, a missing one --check, each naming the key.
# Skips (77) without prometheus or openssl. Kills only the PIDs it started.

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# prom_query, prom_target, prom_free_port
. "$(dirname "${BASH_SOURCE[0]}")/prom_lib.sh"

STAMPEDE=${1:-}
[ -n "$STAMPEDE" ] || fail "usage: $0 PATH_TO_STAMPEDE"
[ -x "$STAMPEDE" ] || fail "$STAMPEDE: not an executable"
PROMETHEUS=$(command -v prometheus || true)
[ -n "$PROMETHEUS" ] || skip "the prometheus binary is not installed (scripts/setup-deps.sh installs it)"
command -v openssl >/dev/null || skip "openssl is not installed"
command -v curl >/dev/null || skip "curl is not installed"
trap sys_cleanup EXIT
trap 'exit 1' INT TERM
WORK=$(mktemp -d /tmp/stp-prom-tls.XXXXXX)
IDLE_CONNS=20
MIN_SCRAPES=6
USER_NAME=prom
PASS=$(openssl rand -hex 12)

log "making a certificate for 127.0.0.1 and a password hash with openssl"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" >"$WORK/openssl.log" 2>&1 ||
	fail "openssl req: $(cat "$WORK/openssl.log")"
HASH=$(openssl passwd -6 -salt "$(openssl rand -hex 8)" "$PASS")
case "$HASH" in \$6\$*) ;; *) fail "openssl passwd -6 gave '$HASH'" ;; esac

cat >"$WORK/config.json" <<EOF
{
  "eal": { "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [ { "name": "a", "device": "net_null0" }, { "name": "b", "device": "net_null1" } ],
  "rules": [ { "name": "a-to-b", "in": ["a"], "action": "forward", "out": "b" } ],
  "metrics": { "tls": { "cert_file": "$WORK/cert.pem", "key_file": "$WORK/key.pem" },
               "basic_auth": { "username": "$USER_NAME", "password_hash": "$HASH" } }
}
EOF
sys_check_config

# A certificate that does not parse passes --check (the file is readable) but fails the start,
# naming metrics.tls; a missing one fails --check naming metrics.tls.cert_file.
sed "s|$WORK/cert.pem|$WORK/config.json|" "$WORK/config.json" >"$WORK/garbage.json"
if "$STAMPEDE" -c "$WORK/garbage.json" --metrics 127.0.0.1:0 --duration 5 \
	-- --file-prefix="$PREFIX-g" >"$WORK/garbage.log" 2>&1; then
	fail "stampede started with a certificate file that is not PEM"
fi
grep -q 'metrics: cannot start the HTTP server (metrics.tls)' "$WORK/garbage.log" ||
	fail "no metrics.tls error for a certificate that is not PEM: $(tail -2 "$WORK/garbage.log")"
rm -rf /var/run/dpdk/"$PREFIX-g"
sed "s|$WORK/cert.pem|$WORK/missing.pem|" "$WORK/config.json" >"$WORK/missing.json"
if "$STAMPEDE" -c "$WORK/missing.json" --check >"$WORK/missing.log" 2>&1; then
	fail "--check accepted a missing certificate file"
fi
grep -q 'metrics.tls.cert_file: cannot read' "$WORK/missing.log" ||
	fail "the missing certificate error does not name metrics.tls.cert_file: $(cat "$WORK/missing.log")"
log "a certificate that is not PEM fails the start; a missing one fails --check"

sys_launch_stampede --metrics 127.0.0.1:0
URL=$(sed -n 's|^stampede: metrics at \(https://[^ ]*\)$|\1|p' "$WORK/stampede.log")
[ -n "$URL" ] || fail "stampede did not print an https:// metrics URL"
TARGET=${URL#https://}
TARGET=${TARGET%/metrics}
PORT=${TARGET##*:}
log "stampede serves $URL"

# The HTTP threads (libmicrohttpd names them MHD-*) may run on no CPU that a datapath lcore
# (EAL's rte-worker-N threads) is pinned to: the kernel's Cpus_allowed_list of each thread.
"$PY" - "$STP_PID" <<'EOF' || fail "an HTTP thread may run on a datapath lcore's CPU"
import glob, sys
def cpus(spec):
    out = set()
    for part in spec.split(","):
        a, _, b = part.partition("-")
        out.update(range(int(a), int(b or a) + 1))
    return out
mhd, dp = [], set()
for t in glob.glob("/proc/%s/task/*" % sys.argv[1]):
    comm = open(t + "/comm").read().strip()
    allowed = [l.split(":")[1].strip() for l in open(t + "/status")
               if l.startswith("Cpus_allowed_list")][0]
    if comm.startswith("MHD"):
        mhd.append(cpus(allowed))
    elif comm.startswith("rte-worker"):
        dp |= cpus(allowed)
print("HTTP threads:", len(mhd), "datapath CPUs:", sorted(dp))
sys.exit(0 if mhd and dp and all(not (m & dp) for m in mhd) else 1)
EOF

# curl's verdicts: the HTTP status ("000": no HTTP answer at all).
status() { curl -s -o "$WORK/body.txt" -w '%{http_code}' --max-time 5 "$@" || true; }
CODE=$(status --cacert "$WORK/cert.pem" -u "$USER_NAME:$PASS" "$URL")
[ "$CODE" = 200 ] || fail "GET with the right password: status $CODE, want 200"
prom_check_text "$WORK/body.txt"
CODE=$(status --cacert "$WORK/cert.pem" -u "$USER_NAME:wrong-$PASS" "$URL")
[ "$CODE" = 401 ] || fail "GET with a wrong password: status $CODE, want 401"
grep -q "401" "$WORK/body.txt" || fail "the 401 answer has no body"
CODE=$(status --cacert "$WORK/cert.pem" -u "other:$PASS" "$URL")
[ "$CODE" = 401 ] || fail "GET with a wrong user: status $CODE, want 401"
CODE=$(status --cacert "$WORK/cert.pem" "$URL")
[ "$CODE" = 401 ] || fail "GET without credentials: status $CODE, want 401"
curl -s -o /dev/null -D "$WORK/h401.txt" --max-time 5 --cacert "$WORK/cert.pem" "$URL" || true
grep -qi '^WWW-Authenticate: Basic realm=' "$WORK/h401.txt" ||
	fail "the 401 answer has no WWW-Authenticate: Basic header"
CODE=$(status -u "$USER_NAME:$PASS" "http://$TARGET/metrics")
[ "$CODE" = 000 ] || fail "plain HTTP to the TLS port: status $CODE, want no HTTP answer"
log "curl: 200 with the password, 401 without or with a wrong one, no answer to plain HTTP"

# Hold $IDLE_CONNS idle connections; reopen those the server closes (its idle timeout).
"$PY" - "$PORT" "$IDLE_CONNS" "$WORK/held" <<'EOF' &
import select, socket, sys, time
port, n, flag = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = [socket.create_connection(("127.0.0.1", port)) for _ in range(n)]
open(flag, "w").write("%d\n" % len(socks))
while True:
    r, _, _ = select.select(socks, [], [], 0.2)
    for s in r:
        try:
            data = s.recv(4096)
        except OSError:
            data = b""
        if not data:
            socks.remove(s)
            s.close()
            socks.append(socket.create_connection(("127.0.0.1", port)))
EOF
BG_PIDS+=($!)
for _ in $(seq 50); do [ -s "$WORK/held" ] && break; sleep 0.1; done
[ "$(cat "$WORK/held" 2>/dev/null)" = "$IDLE_CONNS" ] || fail "could not open $IDLE_CONNS connections"
log "holding $IDLE_CONNS idle connections to port $PORT"

PROM_PORT=$(prom_free_port)
cat >"$WORK/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: stampede
    scheme: https
    tls_config: { ca_file: '$WORK/cert.pem' }
    basic_auth: { username: '$USER_NAME', password: '$PASS' }
    static_configs: [ { targets: ['$TARGET'] } ]
  - job_name: wrong_password
    scheme: https
    tls_config: { ca_file: '$WORK/cert.pem' }
    basic_auth: { username: '$USER_NAME', password: 'wrong-$PASS' }
    static_configs: [ { targets: ['$TARGET'] } ]
EOF
log "starting $PROMETHEUS on 127.0.0.1:$PROM_PORT"
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PROM_PORT" >"$WORK/prometheus.log" 2>&1 &
PROM_PID=$!
BG_PIDS+=($PROM_PID)

SCRAPES=0
for _ in $(seq 60); do
	kill -0 "$PROM_PID" 2>/dev/null || fail "prometheus exited: $(tail -5 "$WORK/prometheus.log")"
	SCRAPES=$(prom_query 'count_over_time(up{job="stampede"}[5m])')
	[ -n "$SCRAPES" ] && [ "$SCRAPES" -ge "$MIN_SCRAPES" ] && break
	sleep 0.5
done
[ -n "$SCRAPES" ] && [ "$SCRAPES" -ge "$MIN_SCRAPES" ] ||
	fail "Prometheus took fewer than $MIN_SCRAPES scrapes in 30 s ($SCRAPES; target: $(prom_target))"
kill -0 "${BG_PIDS[0]}" 2>/dev/null || fail "the idle connection holder died"
UP_MIN=$(prom_query 'min_over_time(up{job="stampede"}[5m])')
DUR_MAX=$(prom_query 'max_over_time(scrape_duration_seconds{job="stampede"}[5m])')
WRONG=$(prom_target wrong_password)
log "Prometheus: $SCRAPES scrapes, min(up) = $UP_MIN, max(scrape_duration_seconds) = $DUR_MAX"
log "wrong_password job: $WRONG"
[ "$UP_MIN" = 1 ] || fail "a scrape failed or timed out (min up = $UP_MIN; target: $(prom_target))"
"$PY" -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 1.0 else 1)' "$DUR_MAX" ||
	fail "the slowest scrape took $DUR_MAX s, not under 1 s"
case "$WRONG" in
down*401*) ;;
*) fail "the wrong-password job is not down with a 401: '$WRONG'" ;;
esac
VALUE=$(prom_query 'stampede_received_packets_total{job="stampede"}')
[ -n "$VALUE" ] || fail "no stampede_received_packets_total in Prometheus"
log "PASS: $SCRAPES scrapes over TLS with basic auth behind $IDLE_CONNS idle connections, all up, slowest $DUR_MAX s"
