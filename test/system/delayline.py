#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""A user-space delay line: bridges two interfaces with AF_PACKET sockets and forwards every
frame received on one to the other after a fixed delay (this kernel has no netem).

  delayline.py IF1 IF2 DELAY_MS [--ready-file F]

Runs until SIGTERM/SIGINT. One thread, a time-ordered queue: a frame read at time t (read as
soon as select() says it is there) leaves at t + DELAY_MS. Frames this process sends are seen
again by its own sockets as PACKET_OUTGOING and are skipped.

Accuracy: the delay is measured from when Python reads the frame to when it writes it, so the
added latency is DELAY_MS plus the kernel-to-Python read latency and the wake-up jitter of
select(): on these VMs about +0.05 to +1 ms (rarely more on a loaded host), never less than
DELAY_MS. Tests use bands, not exact values, for this reason.
"""

import heapq
import select
import signal
import socket
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    if1, if2, delay = sys.argv[1], sys.argv[2], float(sys.argv[3]) / 1000.0
    ready = sys.argv[sys.argv.index("--ready-file") + 1] if "--ready-file" in sys.argv else None
    socks = []
    for ifn in (if1, if2):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.bind((ifn, 0))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.setblocking(False)
        socks.append(s)
    peer = {socks[0].fileno(): socks[1], socks[1].fileno(): socks[0]}
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    if ready:
        open(ready, "w").close()
    q = []  # (due, seq, out socket, frame)
    seq = 0
    while not stop:
        now = time.monotonic()
        while q and q[0][0] <= now:
            _, _, out, fr = heapq.heappop(q)
            try:
                out.send(fr)
            except OSError:
                pass
        timeout = max(0.0, q[0][0] - time.monotonic()) if q else 0.2
        try:
            r, _, _ = select.select(socks, [], [], timeout)
        except InterruptedError:
            continue
        for s in r:
            while True:
                try:
                    fr, addr = s.recvfrom(65536)
                except BlockingIOError:
                    break
                t = time.monotonic()
                if addr[2] == PACKET_OUTGOING:
                    continue
                seq += 1
                heapq.heappush(q, (t + delay, seq, peer[s.fileno()], fr))
    return 0


if __name__ == "__main__":
    sys.exit(main())
