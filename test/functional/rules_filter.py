#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: rules with libpcap filters steer packets exactly as tcpdump filters them.

  rules_filter.py STAMPEDE SET

A mixed pcap (IPv4 TCP/UDP/ICMP and fragments, IPv6 with extension headers, ICMPv6, VLAN,
QinQ, ARP, LLDP, LLC and other non-IP frames; 3000 unique frames) goes through one rule set.
For every rule, tcpdump -r in.pcap -w ... 'FILTER' gives the frames the filter accepts (tcpdump
is the reference implementation of the filter language, quirks included); the rule semantics
(first match, continue, drop, count, in ports) applied to those sets give what each output
(tx_pcap port files and pcapng capture files) must hold, frame by frame, in input order, and the
exact rules[].matched, drops.rule_drop and drops.no_rule counters.

SET:
  basic   tcp port 80 -> out1 (continue), udp -> cap (pcapng), drop arp, count icmp/icmp6,
          default -> out3. For the simple single-filter outputs the expected file is also
          tcpdump's own output for the composed filter.
  quirks  vlan keyword offsets (vlan 100 and tcp; vlan and udp), IPv6 without extension-header
          walking (ip6 and tcp, icmp6), tcp[] flags (IPv4 only), not ip and not ip6, ether
          broadcast drop (also of IPv6 port-80 TCP that an earlier continue rule already sent:
          those stay sent), no default rule (no_rule > 0), a count rule after a continue rule.
  inports two pcap inputs; rules restricted by "in"; one output fed by both inputs (per-input
          order kept, interleaving free), a hairpin-free port-to-port default.
"""

import os
import sys

import ftlib
import rules_lib

SETS = {
    "basic": {
        "inputs": ["in0"],
        "ports": ["out1", "out3"],
        "outputs": ["cap"],
        "rules": [
            {"name": "web", "filter": "tcp port 80", "action": "forward", "out": "out1",
             "continue": True},
            {"name": "udp", "filter": "udp", "action": "forward", "out": "cap"},
            {"name": "arp", "filter": "arp", "action": "drop"},
            {"name": "icmp", "filter": "icmp or icmp6", "action": "count"},
            {"name": "rest", "action": "forward", "out": "out3"},
        ],
        # Outputs that hold exactly what one tcpdump filter gives, in order.
        "direct": {"out1": "tcp port 80",
                   "cap": "udp and not (tcp port 80)",
                   "out3": "not udp and not arp"},
    },
    "quirks": {
        "inputs": ["in0"],
        "ports": ["out1", "out2", "out3"],
        "outputs": ["cap"],
        "rules": [
            {"name": "syn", "filter": "tcp[tcpflags] & tcp-syn != 0", "action": "count"},
            {"name": "v100tcp", "filter": "vlan 100 and tcp", "action": "forward",
             "out": "out1"},
            {"name": "ip6tcp", "filter": "ip6 and tcp", "action": "forward", "out": "out2",
             "continue": True},
            {"name": "any6", "filter": "ip6", "action": "count"},
            {"name": "vudp", "filter": "vlan and udp", "action": "forward", "out": "cap",
             "continue": True},
            {"name": "icmp6", "filter": "icmp6", "action": "forward", "out": "cap"},
            {"name": "bcast", "filter": "ether broadcast or (ip6 and tcp port 80)",
             "action": "drop"},
            {"name": "nonip", "filter": "not ip and not ip6", "action": "forward",
             "out": "out3"},
            {"name": "frag", "filter": "ip[6:2] & 0x1fff != 0", "action": "forward",
             "out": "cap"},
        ],
        "direct": {"out1": "vlan 100 and tcp"},
    },
    "inports": {
        "inputs": ["in0", "in1"],
        "ports": ["out1", "out2"],
        "outputs": ["cap"],
        "rules": [
            {"name": "in1tcp", "in": "in1", "filter": "tcp", "action": "forward",
             "out": "out1"},
            {"name": "udp", "in": ["in0", "in1"], "filter": "udp", "action": "forward",
             "out": "cap", "continue": True},
            {"name": "in0drop", "in": "in0", "filter": "arp or icmp", "action": "drop"},
            {"name": "in0all", "in": "in0", "action": "forward", "out": "out2"},
        ],
        "direct": {},
    },
}


def simulate(rules, inputs, frames_by_in, match):
    """Apply the rule semantics. match[(rule index, input)] = set of indices accepted.
    Returns (dest name -> list of (input, index) in order, matched per rule, rule_drop,
    no_rule)."""
    dests = {}
    matched = [0] * len(rules)
    rule_drop = no_rule = 0
    for inp in inputs:
        for i in range(len(frames_by_in[inp])):
            sent = []
            dropped = False
            for ri, r in enumerate(rules):
                ins = r.get("in", inputs)
                ins = [ins] if isinstance(ins, str) else ins
                if inp not in ins or i not in match[(ri, inp)]:
                    continue
                matched[ri] += 1
                if r["action"] == "count":
                    continue
                if r["action"] == "drop":
                    dropped = True
                    break
                sent.append(r["out"])
                if not r.get("continue", False):
                    break
            if not sent:
                if dropped:
                    rule_drop += 1
                else:
                    no_rule += 1
            for d in dict.fromkeys(sent):
                dests.setdefault(d, []).append((inp, i))
    return dests, matched, rule_drop, no_rule


def main():
    exe, setname = sys.argv[1], sys.argv[2]
    rules_lib.need_tools("tcpdump")
    spec = SETS[setname]
    ck = ftlib.Checker("rules_filter " + setname)
    st = ftlib.Stampede(exe, "rfilt-" + setname)
    inputs = spec["inputs"]
    frames_by_in = {}
    for k, inp in enumerate(inputs):
        frames, _ = rules_lib.mixed_frames(3000 if len(inputs) == 1 else 1500, seed=11 + k,
                                           seq0=k * 1000000)
        frames_by_in[inp] = frames
        ftlib.write_pcap_ns(st.path(inp + ".pcap"), frames, rules_lib.T0, rules_lib.STEP)

    ports = [{"name": inp, "device": "net_pcap%d,rx_pcap=%s.pcap" % (k, inp)}
             for k, inp in enumerate(inputs)]
    ports += [{"name": p, "device": "net_pcap%d,tx_pcap=%s.pcap" % (len(inputs) + k, p)}
              for k, p in enumerate(spec["ports"])]
    outputs = [{"name": o, "type": "pcapng", "path": st.path(o + "-{index}.pcapng")}
               for o in spec["outputs"]]
    st.write_config(rules_lib.base_config(ports, outputs=outputs, rules=spec["rules"]))
    rc = st.run(["--exit-on-eof"], timeout=40)
    if rc != 0:
        st.show_output()
    ck.eq(rc, 0, "exit code with --exit-on-eof")

    # The reference: tcpdump per rule filter and input.
    match = {}
    for ri, r in enumerate(spec["rules"]):
        for inp in inputs:
            match[(ri, inp)] = rules_lib.tcpdump_match(st.path(inp + ".pcap"),
                                                       frames_by_in[inp], r.get("filter", ""),
                                                       st.dir)
            log_n = len(match[(ri, inp)])
            ftlib.log("tcpdump: rules[%d] %r on %s: %d of %d frames"
                      % (ri, r.get("filter", ""), inp, log_n, len(frames_by_in[inp])))
    dests, matched, rule_drop, no_rule = simulate(spec["rules"], inputs, frames_by_in, match)
    total = sum(len(f) for f in frames_by_in.values())
    sent = sum(len(v) for v in dests.values())

    # Each output's content.
    got_by_dest = {}
    for p in spec["ports"]:
        try:
            got_by_dest[p] = rules_lib.port_frames(ck, st.path(p + ".pcap"))
        except (OSError, ValueError) as e:
            ck.check(False, p + ".pcap readable", str(e))
            got_by_dest[p] = []
    for o in spec["outputs"]:
        try:
            pn = rules_lib.read_pcapng(st.path(o + "-0.pcapng"))
            got_by_dest[o] = [pk["data"] for pk in pn["packets"]]
            ck.check(True, o + "-0.pcapng parsed: %d packets" % len(pn["packets"]))
        except (OSError, rules_lib.PcapngError) as e:
            ck.check(False, o + "-0.pcapng readable", str(e))
            got_by_dest[o] = []
    for d, got in got_by_dest.items():
        want = dests.get(d, [])
        if len(inputs) == 1:
            ftlib.compare_frames(ck, got, [frames_by_in[inp][i] for inp, i in want],
                                 "%s (rule model over tcpdump matches)" % d)
        else:
            # Per input, order is kept; how the inputs interleave is not specified.
            for inp in inputs:
                frames = set(frames_by_in[inp])
                ftlib.compare_frames(ck, [g for g in got if g in frames],
                                     [frames_by_in[inp][i] for i2, i in want if i2 == inp],
                                     "%s, frames from %s" % (d, inp))
            ck.eq(len(got), len(want), d + ": number of frames from all inputs")
        ck.check(len(want) > 0, d + ": the rule set sends it something (%d frames)" % len(want))
    for d, flt in spec["direct"].items():
        inp = inputs[0]
        ref = rules_lib.tcpdump_filter(st.path(inp + ".pcap"),
                                       st.path("expected-%s.pcap" % d), flt)
        ftlib.compare_frames(ck, got_by_dest[d], ref, "%s == tcpdump -w for %r" % (d, flt))

    s = st.stats()
    ftlib.check_accounting(ck, s, received=total, transmitted=sum(
        len(dests.get(p, [])) for p in spec["ports"]),
        drops={"rule_drop": rule_drop, "no_rule": no_rule})
    if s is not None:
        ck.eq(s.get("captured"), sum(len(dests.get(o, [])) for o in spec["outputs"]),
              "captured")
        ck.eq(s.get("replicated"), sent - (total - rule_drop - no_rule), "replicated")
        got_rules = [(r.get("name"), r.get("matched")) for r in s.get("rules", [])]
        want_rules = [(r["name"], m) for r, m in zip(spec["rules"], matched)]
        ck.eq(got_rules, want_rules, "rules[].matched (tcpdump counts through the rule model)")
        outs = {o.get("name"): o for o in s.get("outputs", [])}
        for o in spec["outputs"]:
            n = len(dests.get(o, []))
            so = outs.get(o, {})
            ck.eq((so.get("accepted"), so.get("refused"), so.get("written"), so.get("files"),
                   so.get("write_errors")), (n, 0, n, 1, 0),
                  "outputs[%s] (accepted, refused, written, files, write_errors)" % o)
            ck.eq(so.get("bytes"), os.path.getsize(st.path(o + "-0.pcapng")),
                  "outputs[%s].bytes == file size" % o)
    ftlib.log("model: rule_drop %d no_rule %d" % (rule_drop, no_rule))
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
