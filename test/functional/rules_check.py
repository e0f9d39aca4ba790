#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: a rule filter that does not compile is a configuration error.

  rules_check.py STAMPEDE

For each bad filter, at rules[1] of an otherwise valid configuration, `stampede -c FILE --check`
exits 1 and prints exactly one line that names rules[1].filter, quotes the filter, and quotes
libpcap's own message (the one tcpdump prints for the same filter); "ip6 protochain 6",
which libpcap compiles into a loop, is refused with a message naming DPDK's BPF verifier.
A valid filter set passes --check (exit 0, no error about rules).
"""

import subprocess
import sys

import ftlib
import rules_lib

# filter -> libpcap's message, when tcpdump cannot tell it (tcpdump -d compiles with a netmask).
BAD = {
    "tcp prot 80": None,
    "tcp port 99999": None,
    "vlan 5000": None,
    "ether host 01:02": None,
    "udp and (": None,
    "ip broadcast": "netmask not known, so 'ip broadcast' not supported",
    # Compiles in libpcap, but its code loops: DPDK's BPF verifier refuses it. The loader
    # finds out at --check already (config/README.md says only "at start").
    "ip6 protochain 6": "loops (protochain?), which DPDK's BPF verifier does not accept",
}


def libpcap_message(flt):
    r = subprocess.run(["tcpdump", "-d", flt], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30)
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("tcpdump: ")]
    if r.returncode == 0 or not lines:
        return None
    return lines[-1][len("tcpdump: "):]


def main():
    exe = sys.argv[1]
    rules_lib.need_tools("tcpdump")
    ck = ftlib.Checker("rules_check")
    st = ftlib.Stampede(exe, "rcheck")

    def cfg(flt):
        return rules_lib.base_config(
            [{"name": "in", "device": "net_null0"}, {"name": "out", "device": "net_null1"}],
            rules=[{"name": "web", "filter": "tcp port 80", "action": "count"},
                   {"name": "bad", "filter": flt, "action": "forward", "out": "out"}])

    st.write_config(cfg("udp or (vlan and tcp)"))
    rc = st.run(["--check"], stats=False, timeout=20)
    ck.eq(rc, 0, "a valid filter set: --check exit code")
    ck.check("rules[" not in st.out + st.err, "a valid filter set: no error about rules",
             (st.out + st.err).strip())

    for flt, msg in BAD.items():
        want = msg if msg is not None else libpcap_message(flt)
        ck.check(want is not None, "libpcap's message for %r: %r" % (flt, want))
        st.write_config(cfg(flt))
        rc = st.run(["--check"], stats=False, timeout=20)
        lines = [ln for ln in (st.out + st.err).splitlines() if ln.strip()]
        ck.eq(rc, 1, "%r: --check exit code" % flt)
        ck.eq(len(lines), 1, "%r: one line of output" % flt)
        line = lines[0] if lines else ""
        prefix = "stampede.json: rules[1].filter: \"%s\"" % flt
        ck.check(line.startswith(prefix), "%r: the line names rules[1].filter and quotes the "
                 "filter" % flt, "got %r" % line)
        ck.check(want is not None and line.endswith(want), "%r: the line ends with libpcap's "
                 "message %r" % (flt, want), "got %r" % line)
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
