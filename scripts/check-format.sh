#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Check that the C sources are formatted as .clang-format says (DPDK style), and that no text
# file has trailing whitespace (.editorconfig). Prints the offending files; exits 1 if any.
# Fix with: clang-format -i FILE
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

command -v clang-format >/dev/null || { echo "check-format: clang-format not installed"; exit 1; }
bad=0
for f in $(git ls-files '*.c' '*.h'); do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "check-format: $f is not clang-formatted (clang-format -i $f)"
		bad=1
	fi
done
for f in $(git ls-files '*.c' '*.h' '*.sh' '*.py' '*.build' '*.md' '*.json' '.ci/run'); do
	if grep -n '[[:blank:]]$' "$f" >/dev/null; then
		echo "check-format: $f has trailing whitespace"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "check-format: ok"
exit $bad
