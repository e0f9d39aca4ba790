#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Install DPDK's driver-side headers (ethdev_driver.h, ethdev_vdev.h, bus_vdev_driver.h,
# dev_driver.h, bus_driver.h) for the installed libdpdk-dev, so that test/simnic (the simulated
# timestamping NIC, a test-only PMD) can be built. Debian's libdpdk-dev is built without
# enable_driver_sdk and does not ship them. They come from Debian's own source package of the
# exact installed version (the structures they declare must match the libraries' ABI), fetched
# with apt-get source through a private deb-src list derived from the system's own apt sources:
# the system's apt configuration is not changed. Idempotent.
#
# Usage: scripts/setup-driver-sdk.sh [DEST]   (default /usr/local/include/dpdk-driver-sdk)
set -euo pipefail

DEST=${1:-/usr/local/include/dpdk-driver-sdk}
HEADERS=(lib/ethdev/ethdev_driver.h lib/ethdev/ethdev_vdev.h drivers/bus/vdev/bus_vdev_driver.h
	lib/eal/include/dev_driver.h lib/eal/include/bus_driver.h)

ver=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null || true)
if [ -z "$ver" ]; then
	echo "setup-driver-sdk: libdpdk-dev is not installed" >&2
	exit 1
fi
if [ -f "$DEST/VERSION" ] && [ "$(cat "$DEST/VERSION")" = "$ver" ]; then
	echo "setup-driver-sdk: headers for dpdk $ver already in $DEST"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial"
# The deb-src list is derived from the machine's own apt sources, so this script names no mirror:
# every enabled deb822 stanza (sources.list.d/*.sources) whose Types has "deb" gives a deb-src
# stanza with the same URIs, Suites, Components and Signed-By; every one-line "deb " entry
# (sources.list, sources.list.d/*.list) gives the same line as "deb-src ". Files with other
# names (e.g. *.disabled) are skipped, as apt skips them.
mkdir -p "$work/parts"
shopt -s nullglob
for f in /etc/apt/sources.list.d/*.sources; do
	awk 'BEGIN { RS = ""; FS = "\n" }
	{
		deb = 0; enabled = 1; keep = ""; field = ""
		for (i = 1; i <= NF; i++) {
			line = $i
			if (line ~ /^#/)
				continue
			if (line ~ /^[ \t]/) {
				if (field ~ /^(uris|suites|components|signed-by)$/)
					keep = keep "\n" line
				continue
			}
			field = tolower(line); sub(/:.*/, "", field)
			value = line; sub(/^[^:]*:[ \t]*/, "", value)
			if (field == "types") {
				n = split(value, t, /[ \t]+/)
				for (j = 1; j <= n; j++)
					if (t[j] == "deb")
						deb = 1
			} else if (field == "enabled") {
				if (tolower(value) == "no")
					enabled = 0
			} else if (field ~ /^(uris|suites|components|signed-by)$/) {
				keep = keep "\n" line
			}
		}
		if (deb && enabled)
			printf "Types: deb-src%s\n\n", keep
	}' "$f"
done >"$work/parts/src.sources"
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] || continue
	sed -n 's/^[ \t]*deb[ \t]/deb-src /p' "$f"
done >"$work/parts/src.list"
shopt -u nullglob
if [ ! -s "$work/parts/src.sources" ] && [ ! -s "$work/parts/src.list" ]; then
	echo "setup-driver-sdk: no enabled deb entry in /etc/apt to derive a deb-src list from" >&2
	exit 1
fi
APT=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts"
	-o "Dir::State::Lists=$work/lists" -o Debug::NoDropPrivs=true -o APT::Sandbox::User=root)
apt-get "${APT[@]}" update -q >/dev/null </dev/null
(cd "$work" && apt-get "${APT[@]}" source --download-only -q "dpdk=$ver" >/dev/null </dev/null)
orig=$(ls "$work"/dpdk_*.orig.tar.*)
top=$(tar -tf "$orig" | awk -F/ 'NR == 1 { print $1 }')
members=()
for h in "${HEADERS[@]}"; do
	members+=("$top/$h")
done
tar -xf "$orig" -C "$work" "${members[@]}"
mkdir -p "$DEST"
for h in "${HEADERS[@]}"; do
	install -m 0644 "$work/$top/$h" "$DEST/"
done
echo "$ver" >"$DEST/VERSION"
echo "setup-driver-sdk: dpdk $ver driver headers installed in $DEST"
