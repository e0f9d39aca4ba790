#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: stampede as a bump in the wire on two net_af_packet ports over veth pairs in
# network namespaces. Sends N marked UDP frames each way and checks that every one arrives,
# then checks the --stats-json counters (received == transmitted + dropped).
#
# Usage: test/system/af_packet.sh PATH_TO_STAMPEDE    (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
sys_forward_test af_packet
