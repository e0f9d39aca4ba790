#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Functional test: the Prometheus endpoint, scraped with urllib.

  prometheus.py STAMPEDE

stampede runs on net_null0 <-> net_null1 with --metrics 127.0.0.1:0 (a free port, printed on
stdout). The test scrapes GET /metrics three times and checks the text format (HELP and TYPE
before each family's samples, names and label names valid per Prometheus's regexes, label
values escaped, counters named *_total), the families and label sets it must hold (every drop
reason, every rule, port, output, lcore), that counters never decrease between scrapes, and the
HTTP side (Content-Type, Content-Length, Connection: close; 404, 405, 400, 431). A second
stampede configured with "metrics": {"enabled": true, ...} on the same port must fail to start
with an error naming metrics.listen/metrics.port. After SIGTERM, every scraped counter is <= the
final --stats-json counter.
"""

import re
import signal
import socket
import sys
import time
import urllib.error
import urllib.request

import ftlib

NAME_RE = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_RE = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def parse_labels(s):
    """'a="x",b="y\\"z"' -> {a: x, b: y"z}; raises ValueError on a malformed set."""
    labels, i = {}, 0
    while i < len(s):
        eq = s.index("=", i)
        name = s[i:eq]
        if not LABEL_RE.match(name) or s[eq + 1] != '"':
            raise ValueError("bad label name or quote at %r" % s[i:])
        j, val = eq + 2, []
        while s[j] != '"':
            if s[j] == "\\":
                nxt = s[j + 1]
                if nxt not in ('\\', '"', 'n'):
                    raise ValueError("bad escape \\%s" % nxt)
                val.append("\n" if nxt == "n" else nxt)
                j += 2
            else:
                if s[j] == "\n":
                    raise ValueError("raw line feed in a label value")
                val.append(s[j])
                j += 1
        labels[name] = "".join(val)
        i = j + 1
        if i < len(s):
            if s[i] != ",":
                raise ValueError("expected ',' at %r" % s[i:])
            i += 1
    return labels


def parse_text(ck, text):
    """Parse exposition format 0.0.4. Returns (types, samples{(name, frozenset(labels)): v})."""
    types, helps, samples, errors = {}, {}, {}, []
    for line in text.split("\n"):
        if line == "":
            continue
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            helps[name] = True
            continue
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or parts[3] not in ("counter", "gauge"):
                errors.append("bad TYPE line: " + line)
            elif parts[2] not in helps:
                errors.append("TYPE before HELP: " + line)
            types[parts[2]] = parts[3]
            continue
        if line.startswith("#"):
            continue
        m = re.match(r"^([^{ ]+)(\{(.*)\})? (\S+)$", line)
        if m is None:
            errors.append("bad sample line: " + line)
            continue
        name, labels = m.group(1), {}
        if not NAME_RE.match(name):
            errors.append("bad metric name: " + name)
        if name not in types:
            errors.append("sample before its TYPE: " + line)
        if m.group(3):
            try:
                labels = parse_labels(m.group(3))
            except (ValueError, IndexError) as e:
                errors.append("bad labels in %r: %s" % (line, e))
        try:
            value = float(m.group(4))
        except ValueError:
            errors.append("bad value: " + line)
            continue
        key = (name, frozenset(labels.items()))
        if key in samples:
            errors.append("duplicate sample: " + line)
        samples[key] = value
    ck.check(not errors, "the text parses as exposition format 0.0.4", "; ".join(errors[:5]))
    bad = [n for n, t in types.items() if (t == "counter") != n.endswith("_total")]
    ck.check(not bad, "counters, and only counters, end in _total", "got %s" % bad)
    return types, samples


def get(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())))


def scrape(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        body = r.read().decode()
        return r.status, dict(r.headers), body


def raw_request(host, port, data, read=True):
    """Send raw bytes; return the status line."""
    with socket.create_connection((host, port), timeout=10) as s:
        s.sendall(data)
        if not read:
            return ""
        resp = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            resp += chunk
    return resp.split(b"\r\n", 1)[0].decode(errors="replace")


def main():
    ck = ftlib.Checker("prometheus")
    st = ftlib.Stampede(sys.argv[1], "prometheus")
    cfg = {
        "eal": {"hugepages": False},
        "node": {"id": 3, "description": "say \"hi\"\\now"},
        "ports": [{"name": "a", "device": "net_null0"}, {"name": "b.1", "device": "net_null1"}],
        "outputs": [{"name": "cap", "type": "pcapng", "path": "cap-{index}.pcapng"}],
        "rules": [
            {"name": "cap-udp", "filter": "udp", "action": "forward", "out": "cap",
             "continue": True},
            {"name": "a-to-b", "in": ["a"], "action": "forward", "out": "b.1"},
            {"name": "b-to-a", "in": ["b.1"], "action": "forward", "out": "a"},
        ],
    }
    st.write_config(cfg)
    st.start(["--metrics", "127.0.0.1:0"])
    ok = ck.check(st.wait_line("stampede: metrics at http://", timeout=30),
                  "stampede prints its metrics URL")
    m = re.search(r"stampede: metrics at (http://127\.0\.0\.1:(\d+)/metrics)", "".join(st._lines))
    if not ok or m is None:
        st.signal(signal.SIGTERM)
        st.wait()
        st.show_output()
        st.cleanup()
        ck.finish()
    url, port = m.group(1), int(m.group(2))
    time.sleep(0.5)

    scrapes = []
    for i in range(3):
        status, headers, body = scrape(url)
        if i == 0:
            ck.eq(status, 200, "GET /metrics status")
            ck.eq(headers.get("Content-Type"), "text/plain; version=0.0.4; charset=utf-8",
                  "Content-Type")
            ck.eq(headers.get("Connection"), "close", "Connection header")
            ck.eq(int(headers.get("Content-Length", -1)), len(body.encode()),
                  "Content-Length is the body's length")
        if i == 0:
            ftlib.promtool_check(ck, body)
        scrapes.append(parse_text(ck, body))
        time.sleep(0.3)
    status, _, _ = scrape(url + "?x=1")
    ck.eq(status, 200, "GET /metrics?x=1 status (query ignored)")

    def http_error(req):
        try:
            urllib.request.urlopen(req, timeout=10)
            return 200
        except urllib.error.HTTPError as e:
            return e.code

    ck.eq(http_error(url.replace("/metrics", "/")), 404, "GET / status")
    ck.eq(http_error(url.replace("/metrics", "/metricsx")), 404, "GET /metricsx status")
    ck.eq(http_error(urllib.request.Request(url, data=b"x", method="POST")), 405,
          "POST /metrics status")
    # libmicrohttpd answers 400 to a malformed request and closes a line it cannot even split.
    ck.eq(raw_request("127.0.0.1", port, b"GET /metrics HTTP/1.1\r\nno colon\r\n\r\n"),
          "HTTP/1.1 400 Bad Request", "a malformed header line gets 400")
    ck.eq(raw_request("127.0.0.1", port, b"GET /metrics\r\n\r\n"), "HTTP/1.1 400 Bad Request",
          "a request line without a version gets 400")
    got = raw_request("127.0.0.1", port, b"garbage\r\n\r\n")
    ck.check(got in ("", "HTTP/1.1 400 Bad Request"),
             "a one-word request line gets 400 or a closed connection", "got %r" % got)
    ck.eq(raw_request("127.0.0.1", port,
                      b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n"),
          "HTTP/1.1 431 Request Header Fields Too Large", "a 20 kB request head gets 431")
    raw_request("127.0.0.1", port, b"GET /met", read=False)  # gives up half-way
    status, _, _ = scrape(url)
    ck.eq(status, 200, "GET /metrics after a client that gave up")

    # A second instance on the same port, from the config file's metrics section.
    st2 = ftlib.Stampede(sys.argv[1], "prometheus-busy")
    cfg2 = dict(cfg, metrics={"enabled": True, "listen": "127.0.0.1", "port": port})
    cfg2["outputs"] = []
    cfg2["rules"] = cfg["rules"][1:]
    st2.write_config(cfg2)
    rc2 = st2.run(["--duration", "5"], timeout=30, stats=False)
    ck.eq(rc2, 1, "a second stampede on the same port exits 1")
    ck.check("metrics: cannot listen on 127.0.0.1 port %d (metrics.listen, metrics.port): "
             "Address already in use" % port in st2.err,
             "its error names metrics.listen, metrics.port and the reason",
             "stderr: %s" % st2.err.strip()[-300:])
    st2.cleanup()

    st.signal(signal.SIGTERM)
    rc = st.wait(timeout=30)
    ck.eq(rc, 0, "exit code after SIGTERM")
    final = st.stats()
    if rc != 0 or final is None:
        st.show_output()

    types, s = scrapes[-1]
    for fam in ("stampede_info", "stampede_received_packets_total",
                "stampede_transmitted_packets_total", "stampede_captured_packets_total",
                "stampede_replicated_packets_total", "stampede_dropped_packets_total",
                "stampede_port_rx_packets_total", "stampede_port_tx_packets_total",
                "stampede_port_missed_packets_total", "stampede_rule_matched_packets_total",
                "stampede_output_written_packets_total", "stampede_timestamps_total",
                "stampede_lcore_busy_cycles_total", "stampede_in_flight_packets",
                "stampede_missed_packets_total"):
        ck.check(fam in types, "family %s is exposed" % fam)
    ck.eq(get(s, "stampede_info", node="3", version="0.1.0", description='say "hi"\\now'), 1.0,
          "stampede_info{node, version, description (escaped)} 1")
    for r in ftlib.DROP_REASONS:
        ck.check(get(s, "stampede_dropped_packets_total", reason=r) is not None,
                 "stampede_dropped_packets_total{reason=%s}" % r)
    for r in ("kernel_drop", "nic_missed"):
        ck.eq(get(s, "stampede_missed_packets_total", reason=r), 0.0,
              "stampede_missed_packets_total{reason=%s} 0 (net_null loses nothing)" % r)
    for src in ftlib.TS_SOURCES:
        ck.check(get(s, "stampede_timestamps_total", source=src) is not None,
                 "stampede_timestamps_total{source=%s}" % src)
    for p in ("a", "b.1"):
        ck.check(get(s, "stampede_port_rx_packets_total", port=p) is not None,
                 "stampede_port_rx_packets_total{port=%s}" % p)
    for r in ("cap-udp", "a-to-b", "b-to-a"):
        ck.check(get(s, "stampede_rule_matched_packets_total", rule=r) is not None,
                 "stampede_rule_matched_packets_total{rule=%s}" % r)
    ck.check(get(s, "stampede_output_written_packets_total", output="cap") is not None,
             "stampede_output_written_packets_total{output=cap}")
    ck.check(get(s, "stampede_lcore_busy_cycles_total", lcore="1") is not None,
             "stampede_lcore_busy_cycles_total{lcore=1}")
    ck.check((get(s, "stampede_received_packets_total") or 0) > 0, "received > 0 while running")

    # Counters never go back from one scrape to the next.
    back = []
    for (t0, s0), (t1, s1) in zip(scrapes, scrapes[1:]):
        for key, v in s0.items():
            if t0.get(key[0]) == "counter" and s1.get(key, -1) < v:
                back.append("%s%s %s -> %s" % (key[0], dict(key[1]), v, s1.get(key)))
    ck.check(not back, "counters are monotone over 3 scrapes", "; ".join(back[:3]))

    if final is not None:
        ftlib.check_accounting(ck, final)
        pairs = [("stampede_received_packets_total", {}, final["received"]),
                 ("stampede_transmitted_packets_total", {}, final["transmitted"]),
                 ("stampede_captured_packets_total", {}, final["captured"]),
                 ("stampede_replicated_packets_total", {}, final["replicated"])]
        pairs += [("stampede_dropped_packets_total", {"reason": r}, final["drops"][r])
                  for r in ftlib.DROP_REASONS]
        pairs += [("stampede_rule_matched_packets_total", {"rule": r["name"]}, r["matched"])
                  for r in final["rules"]]
        pairs += [("stampede_port_app_rx_packets_total", {"port": p["name"]}, p["app_rx"])
                  for p in final["ports"]]
        over = ["%s%s %s > %s" % (n, lb, get(s, n, **lb), v) for n, lb, v in pairs
                if get(s, n, **lb) is None or get(s, n, **lb) > v]
        ck.check(not over, "every scraped counter <= its final --stats-json value",
                 "; ".join(over[:3]))
    ck.check(not ftlib.procs_with(st.prefix), "no process left with file prefix " + st.prefix)
    st.cleanup()
    ck.finish()


if __name__ == "__main__":
    main()
