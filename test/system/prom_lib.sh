# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Shared by prometheus.sh and prometheus_tls.sh (sourced): queries to the Prometheus server under
# test (its HTTP API on 127.0.0.1:$PROM_PORT, with $PY) and the exposition check.

# Run a PromQL instant query; print the first sample's value, or nothing.
prom_query() {
	"$PY" - "http://127.0.0.1:$PROM_PORT/api/v1/query" "$1" <<'EOF'
import json, sys, urllib.parse, urllib.request
url = sys.argv[1] + "?" + urllib.parse.urlencode({"query": sys.argv[2]})
try:
    with urllib.request.urlopen(url, timeout=5) as r:
        res = json.load(r)
    if res.get("status") == "success" and res["data"]["result"]:
        print(res["data"]["result"][0]["value"][1])
except Exception:
    pass
EOF
}

# prom_target [JOB]: the target's health ("up", "down", "unknown") and last scrape error.
prom_target() {
	"$PY" - "http://127.0.0.1:$PROM_PORT/api/v1/targets" "${1:-stampede}" <<'EOF'
import json, sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        res = json.load(r)
    for t in res["data"]["activeTargets"]:
        if t["labels"].get("job") == sys.argv[2]:
            print(t["health"], t.get("lastError", ""))
except Exception:
    pass
EOF
}

# A free TCP port on 127.0.0.1 (for Prometheus's own --web.listen-address).
prom_free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# prom_check_text FILE: FILE holds stampede_received_packets_total and passes promtool's parser
# and linter (base units, real summaries) silently; fails the test otherwise.
prom_check_text() {
	grep -q '^stampede_received_packets_total ' "$1" ||
		fail "$1 has no stampede_received_packets_total"
	if command -v promtool >/dev/null; then
		promtool check metrics <"$1" >"$WORK/promtool.txt" 2>&1 ||
			fail "promtool check metrics: $(cat "$WORK/promtool.txt")"
		[ ! -s "$WORK/promtool.txt" ] || fail "promtool check metrics: $(cat "$WORK/promtool.txt")"
		log "promtool check metrics: ok"
	else
		log "promtool not installed: check metrics left out"
	fi
}
