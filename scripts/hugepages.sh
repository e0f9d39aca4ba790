#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# Reserve N 2 MiB hugepages and mount hugetlbfs on /dev/hugepages, for DPDK (eal.hugepages true).
# Idempotent: a reservation already at N or above is left alone (never shrunk: other DPDK
# processes may use it), and an existing hugetlbfs mount on /dev/hugepages is kept. Run as root;
# scripts/stampede.service runs it as ExecStartPre.
#
# Usage: scripts/hugepages.sh N
# Exit: 0 when at least N pages are reserved and the mount is in place, 1 otherwise (with the
# number the kernel granted: memory too fragmented or too small; reserve at boot with the kernel
# command line "hugepagesz=2M hugepages=N" then).
set -euo pipefail

N=${1:-}
MNT=/dev/hugepages
SYSFS=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages

if ! [[ "$N" =~ ^[0-9]+$ ]] || [ "$N" -gt 1048576 ]; then
	echo "usage: $0 N   (N: number of 2 MiB hugepages, 0..1048576)" >&2
	exit 1
fi
if [ ! -e "$SYSFS" ]; then
	echo "hugepages: $SYSFS does not exist: this kernel has no 2 MiB hugepages" >&2
	exit 1
fi

have=$(cat "$SYSFS")
if [ "$have" -lt "$N" ]; then
	echo "$N" >"$SYSFS"
	have=$(cat "$SYSFS")
	if [ "$have" -lt "$N" ]; then
		echo "hugepages: requested $N 2 MiB pages, the kernel granted $have" \
			"(reserve them at boot: hugepagesz=2M hugepages=$N)" >&2
		exit 1
	fi
	echo "hugepages: $have 2 MiB pages reserved"
else
	echo "hugepages: $have 2 MiB pages already reserved (>= $N)"
fi

if awk -v m="$MNT" '$2 == m && $3 == "hugetlbfs" { found = 1 } END { exit !found }' /proc/mounts; then
	echo "hugepages: hugetlbfs already mounted on $MNT"
else
	mkdir -p "$MNT"
	mount -t hugetlbfs -o pagesize=2M nodev "$MNT"
	echo "hugepages: hugetlbfs mounted on $MNT"
fi
