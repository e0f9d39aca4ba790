# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Queries to a Prometheus server under test (sourced by prometheus.sh and prometheus_tls.sh):
# its HTTP API on 127.0.0.1:$PROM_PORT, with $PY.

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
