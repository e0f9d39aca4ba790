#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Install everything needed to build, test, demo and benchmark stampede on a
# fresh Debian 12 (bookworm) root. Idempotent: when every package is already
# installed it returns without touching apt, so repeated runs are fast.
#
# Usage: scripts/setup-deps.sh        (as root, or with sudo available)
set -euo pipefail

PKGS=(
	# build
	build-essential gcc libc6-dev meson ninja-build pkg-config
	dpdk dpdk-dev libdpdk-dev
	libjansson-dev libpcap-dev libbsd-dev libnuma-dev
	# OpenSSL libcrypto: HMAC-SHA-256 of authenticated STAMP (lib/stamp) and of
	# authenticated stampede datagrams (lib/encap/sph_auth.c)
	libssl-dev
	# /metrics: libmicrohttpd (with GnuTLS) and libxcrypt's crypt_rn for basic auth hashes
	libmicrohttpd-dev libcrypt-dev
	# tests, demo and benchmarks
	iproute2 procps kmod ethtool nftables iputils-ping curl
	tshark tcpdump python3 python3-scapy python3-matplotlib
	netsniff-ng tcpreplay
	# durable acknowledgements' test fails fdatasync with strace's fault injection
	strace
	prometheus
	# fuzzing and static checks (libFuzzer and the sanitizer runtimes for clang are in
	# libclang-rt-14-dev, only a Recommends of clang, which --no-install-recommends skips)
	clang libclang-rt-14-dev clang-format git
)

missing=()
for p in "${PKGS[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	if [ "$status" != "install ok installed" ]; then
		missing+=("$p")
	fi
done

# DPDK's driver-side headers for test/simnic (not in libdpdk-dev): see the script.
sdk() {
	if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
		sudo "$(dirname "${BASH_SOURCE[0]}")/setup-driver-sdk.sh"
	else
		"$(dirname "${BASH_SOURCE[0]}")/setup-driver-sdk.sh"
	fi
}

if [ ${#missing[@]} -eq 0 ]; then
	echo "setup-deps: all ${#PKGS[@]} packages already installed"
	sdk
	exit 0
fi

echo "setup-deps: installing: ${missing[*]}"

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=(sudo)
	else
		echo "setup-deps: need root (or sudo) to install packages" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
# tshark's wireshark-common asks whether non-root users may capture; answer no.
if command -v debconf-set-selections >/dev/null 2>&1; then
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		"${SUDO[@]}" debconf-set-selections
fi

APT_OPTS=(-y -q --no-install-recommends -o Dpkg::Options::=--force-confdef
	-o Dpkg::Options::=--force-confold)
"${SUDO[@]}" apt-get update -q </dev/null
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${APT_OPTS[@]}" \
	"${missing[@]}" </dev/null
sdk
echo "setup-deps: done"
