#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Install the dependencies, build (warnings are errors) and run every test suite
# (unit, functional, system) with meson. Exits with meson test's status.
#
# Usage: scripts/test.sh [extra `meson test` arguments, e.g. --suite unit]
# The system tests need root (network namespaces); without it they are skipped.
# Tests run with --no-huge: no hugepages need to be reserved.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup-deps.sh

if [ -d build/meson-private ]; then
	meson setup --reconfigure build -Dwerror=true ||
		meson setup --wipe build -Dwerror=true
else
	meson setup build -Dwerror=true
fi
ninja -C build

set +e
meson test -C build --print-errorlogs --num-processes 2 "$@"
rc=$?
set -e

# One plain summary line, from meson's own log of this run.
if [ -f build/meson-logs/testlog.json ]; then
	python3 - build/meson-logs/testlog.json <<'PY' || true
import json, sys
n = {"pass": 0, "fail": 0, "skip": 0}
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line).get("result", "")
    if r in ("OK", "EXPECTEDFAIL"):
        n["pass"] += 1
    elif r == "SKIP":
        n["skip"] += 1
    else:
        n["fail"] += 1
print(f"meson: {n['pass']} passed, {n['fail']} failed, {n['skip']} skipped")
PY
fi
exit "$rc"
