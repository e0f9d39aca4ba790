#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
#
# System test: net_afpkt gives back the VLAN tags the kernel took out of received frames.
#
#   ns stp<PID>-a            ns stp<PID>-d (stampede)            ns stp<PID>-b
#   a0 <-veth-> in0  ==stampede (net_afpkt, forward)==  out0 <-veth-> b0 (tcpdump -w)
#
# The kernel moves a frame's outer VLAN tag into the skb before AF_PACKET sees it
# (TP_STATUS_VLAN_VALID); the PMD must put it back, with its TPID (802.1Q 0x8100 or 802.1ad
# 0x88a8), so that stampede sees and forwards the frame as it was on the wire. The test sends
# untagged, 802.1Q and QinQ (0x88a8 outer, 0x8100 inner) frames built here byte by byte and
# checks that b0 received each one byte-identical (tcpdump -w on b0, read here). Five frames of
# 3000 bytes (a0 and in0 at MTU 9000, the port at 1500) reach the ring cut short: they must be
# counted in the port's ierrors and never forwarded cut.
#
# Usage: test/system/afpkt_vlan.sh PATH_TO_STAMPEDE   (root; exit 0 pass, 1 fail, 77 skip)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

sys_preflight "$@"
command -v tcpdump >/dev/null || skip "tcpdump is not installed"
grep -qa "iface=<string> tov_ms=<1..1000>" "$STAMPEDE" || skip "stampede was built without net_afpkt"

sys_topology
# a0 and in0 carry jumbo frames; stampede's port "in" stays at MTU 1500 (its ring's frames hold
# 1500-byte MTU frames), so a 3000-byte frame reaches the ring cut short.
nsx "$NS_A" ip link set a0 mtu 9000
nsx "$NS_D" ip link set in0 mtu 9000
cat >"$WORK/config.json" <<JSON
{
  "node": { "id": 7, "description": "net_afpkt vlan test $TAG" },
  "eal": { "args": [], "hugepages": false, "file_prefix": "$PREFIX" },
  "ports": [
    { "name": "in",  "device": "net_afpkt0,iface=in0" },
    { "name": "out", "device": "net_afpkt1,iface=out0" }
  ],
  "lcores": {
    "rx": [ { "lcore": 1, "queues": [ { "port": "in", "queue": 0 }, { "port": "out", "queue": 0 } ] } ],
    "worker": [ 1 ],
    "tx": [ 1 ]
  },
  "rules": [ { "name": "in-to-out", "in": [ "in" ], "action": "forward", "out": "out" } ]
}
JSON
sys_check_config
sys_start_stampede
for i in $(seq 301); do
	grep -q "^rx [0-9]" "$WORK/stampede.log" 2>/dev/null && break
	kill -0 "$STP_PID" 2>/dev/null || fail "stampede exited at start"
	[ "$i" -lt 301 ] || fail "stampede did not start within 30 s"
	sleep 0.1
done
ip netns exec "$NS_B" tcpdump -i b0 -nn -U --immediate-mode -B 16384 -s 512 -w "$WORK/b0.pcap" \
	>"$WORK/tcpdump.log" 2>&1 &
TCPDUMP_PID=$!
BG_PIDS+=("$TCPDUMP_PID")
for i in $(seq 100); do
	grep -q "listening on" "$WORK/tcpdump.log" 2>/dev/null && break
	sleep 0.1
done

# The frames: 20 of each kind, sent from a0, written to sent.bin (length-prefixed) for the check.
nsx "$NS_A" "$PY" - "$MAC_B" "$WORK/sent.bin" <<'EOF' || fail "sender failed"
import socket, struct, sys
dst = bytes(int(x, 16) for x in sys.argv[1].split(":"))
src = bytes.fromhex(open("/sys/class/net/a0/address").read().strip().replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("a0", 0))
out = open(sys.argv[2], "wb")
for i in range(65):
    kind = i % 3
    # Frames 60..64: untagged, 3000 bytes: longer than the port's MTU allows.
    payload = b"STAMPEDE-VLAN" + struct.pack("!I", i) + bytes(30 if i < 60 else 2940)
    udp = struct.pack("!HHHH", 40000, 40003, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0, 64, 17, 0,
                     bytes([198, 18, 0, 1]), bytes([198, 18, 0, 2]))
    tags = [b"", struct.pack("!HH", 0x8100, 0x2064),
            struct.pack("!HH", 0x88A8, 0x00C8) + struct.pack("!HH", 0x8100, 0x0064)][kind]
    if i >= 60:
        tags = b""
    frame = dst + src + tags + struct.pack("!H", 0x0800) + ip + udp
    s.send(frame)
    out.write(struct.pack("!I", len(frame)) + frame)
EOF
sleep 1
kill -INT "$TCPDUMP_PID" 2>/dev/null || true
wait "$TCPDUMP_PID" 2>/dev/null || true
sys_stop_stampede TERM
[ "$STP_RC" -eq 0 ] || fail "stampede exited with status $STP_RC"
sys_check_invariant

res=$("$PY" - "$WORK/sent.bin" "$WORK/b0.pcap" <<'EOF'
import struct, sys
raw = open(sys.argv[1], "rb").read()
sent, o = [], 0
while o < len(raw):
    (n,) = struct.unpack_from("!I", raw, o)
    sent.append(raw[o + 4:o + 4 + n])
    o += 4 + n
p = open(sys.argv[2], "rb").read()
magic = struct.unpack_from("<I", p)[0]
e = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
got, o = set(), 24
while o + 16 <= len(p):
    _, _, cap, _ = struct.unpack_from(e + "IIII", p, o)
    got.add(p[o + 16:o + 16 + cap])
    o += 16 + cap
names = ["untagged", "802.1Q", "QinQ"]
miss = [0, 0, 0]
for i, f in enumerate(sent[:60]):
    if f not in got:
        miss[i % 3] += 1
big = sum(1 for f in sent[60:] if any(g[:60] == f[:60] for g in got))
print(" ".join(f"{names[k]}:{20 - miss[k]}/20" for k in range(3)), f"oversized-forwarded:{big}",
      sum(miss))
EOF
) || fail "reading the captures failed"
log "frames that reached b0 byte-identical: $res"
[ "${res##* }" -eq 0 ] || fail "not every frame reached b0 as sent: $res"
case $res in *"oversized-forwarded:0 "*) ;; *) fail "an oversized frame was forwarded (cut?): $res" ;; esac
in_err=$("$PY" -c 'import json, sys
print({p["name"]: p for p in json.load(open(sys.argv[1]))["ports"]}["in"]["ierrors"])' "$WORK/stats.json")
log "port in: ierrors $in_err (5 frames of 3000 bytes sent to a 1500-byte MTU port)"
[ "$in_err" -eq 5 ] || fail "port in counted $in_err ierrors, expected the 5 oversized frames"
log "PASS: net_afpkt forwards untagged, 802.1Q and QinQ frames as they were on the wire"
