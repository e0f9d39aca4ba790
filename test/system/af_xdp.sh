#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: the af_packet test's topology and checks on net_af_xdp ports (AF_XDP sockets
# on veth). Where the kernel or the sandbox cannot give an AF_XDP socket, prints
# "SKIP: <reason>" and exits 77, meson's skip code.
#
# Usage: test/system/af_xdp.sh PATH_TO_STAMPEDE    (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
if [ -d /sys/fs/bpf ] || [ -e /proc/sys/kernel/unprivileged_bpf_disabled ]; then
	:
else
	skip "the kernel has no BPF support"
fi
if ! ls /usr/lib/*/librte_net_af_xdp.so* >/dev/null 2>&1 &&
	! ls /usr/lib/*/dpdk/pmds-*/librte_net_af_xdp.so* >/dev/null 2>&1; then
	skip "DPDK's net_af_xdp driver is not installed"
fi
SYS_SKIP_IF_PORTS_FAIL=1
sys_forward_test af_xdp
