# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Helpers of the console tests: frames without scapy, the loop-back configuration, splitting
what the console printed into (command, output) pairs."""

import re
import socket
import struct

import ftlib

PROMPT = "stampede> "


def read_until(s, text, timeout=10):
    """Read from socket s until the data ends with text (a console command's reply ends with
    the next prompt), or timeout seconds pass, or the peer closes."""
    buf = b""
    s.settimeout(timeout)
    try:
        while not buf.endswith(text.encode()):
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except socket.timeout:
        pass
    return buf.decode(errors="replace")


def frame(proto, sport, dport, payload=b"x" * 20):
    """Ethernet / IPv4 / TCP or UDP, 10.0.0.1 -> 10.0.0.2."""
    if proto == "tcp":
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 5 << 4, 0x18, 8192, 0, 0) + payload
        pnum = 6
    else:
        l4 = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
        pnum = 17
    eth = bytes.fromhex("020000000002" "020000000001") + b"\x08\x00"
    return eth + ftlib.ipv4(bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]), pnum, l4, ident=1, frag=0)


def loop_setup(st, cmds_name=None, cmds=None):
    """in.pcap: 9 TCP port 80 frames and 1 UDP frame. "in" reads them once; "ring" (net_ring0)
    hands what it sends back to its own RX, so with the rule "loop" (ring -> ring) those 10
    frames circulate for as long as the rule exists: traffic that a command can start (add
    rule) and stop (del rule). "tap" copies the UDP frame to the capture output "cap" at each
    turn."""
    frames = [frame("tcp", 1000 + i, 80) for i in range(9)] + [frame("udp", 53, 53)]
    ftlib.write_pcap_ns(st.path("in.pcap"), frames)
    st.write_config({
        "eal": {"hugepages": False},
        "ports": [{"name": "in", "device": "net_pcap0,rx_pcap=in.pcap"},
                  {"name": "ring", "device": "net_ring0"}],
        "outputs": [{"name": "cap", "type": "pcapng", "path": "cap.pcapng", "snaplen": 128}],
        "rules": [
            {"name": "in-to-ring", "in": ["in"], "action": "forward", "out": "ring"},
            {"name": "tap", "in": ["ring"], "filter": "udp", "action": "forward", "out": "cap",
             "continue": True},
            {"name": "loop", "in": ["ring"], "action": "forward", "out": "ring"},
        ],
    })
    if cmds_name is not None:
        with open(st.path(cmds_name), "w") as f:
            f.write(cmds)
    return frames


def segments(out):
    """[(command, what it printed before the next prompt)], in order, from the echoed
    prompt lines."""
    seg = []
    for p in out.split(PROMPT)[1:]:
        cmd, _, rest = p.partition("\n")
        seg.append((cmd.strip("\r "), rest.replace("\r\n", "\n")))
    return seg


def table(text):
    """Rows of an aligned table as dicts keyed by the header's column names."""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return []
    head = lines[0].split()
    rows = []
    for ln in lines[1:]:
        cells = ln.split(None, len(head) - 1)
        if len(cells) == len(head):
            rows.append(dict(zip(head, cells)))
    return rows


def row(rows, key, value):
    for r in rows:
        if r.get(key) == value:
            return r
    return {}


def num(r, key):
    try:
        return int(r.get(key, ""))
    except ValueError:
        return None


def total(text, key):
    m = re.search(r"\b%s=(-?\d+)" % key, text)
    return int(m.group(1)) if m else None
