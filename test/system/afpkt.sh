#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: the af_packet test's topology and checks on net_afpkt ports (stampede's own
# AF_PACKET PMD with kernel stamps): forward both ways, none lost, tcpdump cross-check.
#
# Usage: test/system/afpkt.sh PATH_TO_STAMPEDE    (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
grep -qa "iface=<string> tov_ms=<1..1000>" "$STAMPEDE" || skip "stampede was built without net_afpkt"
sys_forward_test afpkt
