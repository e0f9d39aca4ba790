# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The stampede authors
"""Shared helpers of the functional tests: the real stampede binary on vdevs.

Each test script imports this module, builds its frames (with scapy), writes them as a
nanosecond pcap, runs stampede with its own EAL file prefix and a config written to a
temporary directory, then checks the output files and the --stats-json counters. Every check
prints one line ("ok: ..." or "FAIL: ..."); a test exits 0 when all passed, 1 when one failed,
77 when something it needs is missing.
"""

import importlib
import json
import os
import re
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time

SKIP = 77

PCAP_MAGIC_US = 0xA1B2C3D4
PCAP_MAGIC_NS = 0xA1B23C4D
LINKTYPE_ETHERNET = 1

# Every field of the --stats-json "drops" object, in the order stampede lists them.
DROP_REASONS = ("runt_frame", "no_rule", "rule_drop", "group_no_member_up", "output_paused",
                "worker_ring_full",
                "tx_ring_full", "tx_queue_full", "mtu_exceeded", "tx_multiseg", "clone_failed",
                "capture_ring_full", "capture_write_error", "encap_no_mbuf", "encap_too_big",
                "sph_truncated", "sph_bad_magic", "sph_bad_version", "sph_bad_hdr_len",
                "sph_bad_length", "sph_bad_tlv", "sph_duplicate", "sph_reasm_timeout",
                "sph_reasm_full", "sph_no_mbuf", "sph_auth_missing", "sph_auth_key",
                "sph_auth_bad", "sph_peer_unknown", "sph_peer_address", "sph_src_quota",
                "sph_src_full", "sph_seq_jump", "sph_stale", "sph_ctrl_source", "sph_ctrl_unsent",
                "shutdown", "impair_drop",
                # the probe reflector's refusals (lib/probe/reflect.h)
                "probe_refl_bad_length", "probe_refl_bad_ip_checksum",
                "probe_refl_bad_udp_checksum", "probe_refl_zero_udp6_checksum",
                "probe_refl_not_unicast", "probe_refl_not_local",
                "probe_refl_from_reflector_port", "probe_refl_rate_limited",
                "probe_refl_auth_missing", "probe_refl_auth_bad",
                # a packet for a port the console stopped (port stop)
                "port_stopped")
TS_SOURCES = ("none", "sw", "hw", "pcap", "trailer", "kernel")


def log(msg):
    print(msg, flush=True)


def skip(reason):
    log("SKIP: " + reason)
    sys.exit(SKIP)


def need_scapy():
    """Import scapy, re-running the test under the system python3 when this one lacks it."""
    try:
        importlib.import_module("scapy.all")
        return
    except ImportError:
        pass
    sys_py = "/usr/bin/python3"
    if (os.path.exists(sys_py) and os.path.realpath(sys.executable) != os.path.realpath(sys_py)
            and os.environ.get("FT_REEXEC") is None):
        os.environ["FT_REEXEC"] = "1"
        os.execv(sys_py, [sys_py] + sys.argv)
    skip("python3-scapy is not installed (apt-get install python3-scapy)")


class Checker:
    """Counts failed checks; each check prints what it checked."""

    def __init__(self, name):
        self.name = name
        self.failed = 0
        self.passed = 0

    def check(self, cond, what, detail=""):
        if cond:
            self.passed += 1
            log("ok: " + what)
        else:
            self.failed += 1
            log("FAIL: " + what + (" (" + detail + ")" if detail else ""))
        return cond

    def eq(self, got, want, what):
        return self.check(got == want, "%s == %r" % (what, want), "got %r" % (got,))

    def finish(self):
        log("%s: %d checks passed, %d failed" % (self.name, self.passed, self.failed))
        sys.exit(1 if self.failed else 0)


# --- pcap files -------------------------------------------------------------------------------

def promtool_check(ck, text, label="/metrics"):
    """promtool check metrics (Debian's prometheus package) on an exposition: every complaint
    (lint or parse) is a failed check. Without promtool the test skips."""
    if shutil.which("promtool") is None:
        skip("promtool is not installed (Debian package prometheus)")
    r = subprocess.run(["promtool", "check", "metrics"], input=text, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=60)
    ck.check(r.returncode == 0 and r.stdout.strip() == "",
             "promtool check metrics passes on " + label,
             "rc %d: %s" % (r.returncode, r.stdout.strip()[:2000]))


def inet_csum(data):
    """The Internet checksum (RFC 1071) of data: 16-bit big-endian words, an odd byte padded
    with zero, carries folded in, complemented. 0 over data that holds a correct checksum."""
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, l4, ident=0, frag=0x4000, ttl=64, tot=None, bad_ck=False):
    """An IPv4 header without options from src to dst (4 bytes each), then l4. Total length
    20 + len(l4) unless tot says otherwise; a correct header checksum unless bad_ck (then its
    lowest bit is flipped)."""
    tot = 20 + len(l4) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, tot, ident, frag, ttl, proto, 0, src, dst)
    ck = inet_csum(h) ^ (1 if bad_ck else 0)
    return h[:10] + struct.pack("!H", ck) + h[12:] + l4


def write_pcap_ns(path, frames, t0_ns=1700000000123456789, step_ns=1001):
    """Write frames (bytes) as a nanosecond pcap (magic 0xa1b23c4d), record i stamped
    t0_ns + i * step_ns. Returns the list of timestamps in ns."""
    stamps = []
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", PCAP_MAGIC_NS, 2, 4, 0, 0, 262144, LINKTYPE_ETHERNET))
        for i, fr in enumerate(frames):
            ts = t0_ns + i * step_ns
            stamps.append(ts)
            f.write(struct.pack("<IIII", ts // 10**9, ts % 10**9, len(fr), len(fr)))
            f.write(fr)
    return stamps


def read_frames(ck, path, label):
    """The frames of the pcap at path; a failed check named label, and no frames, when it
    cannot be read."""
    try:
        return read_pcap(path)[0]
    except (OSError, ValueError) as e:
        ck.check(False, "%s readable" % label, str(e))
        return []


def read_pcap(path):
    """Read a classic pcap (us or ns, either byte order). Returns (frames, stamps_ns, nano)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError("%s: %d bytes, shorter than a pcap header" % (path, len(data)))
    for endian in ("<", ">"):
        magic = struct.unpack(endian + "I", data[:4])[0]
        if magic in (PCAP_MAGIC_US, PCAP_MAGIC_NS):
            break
    else:
        raise ValueError("%s: not a pcap file (magic %s)" % (path, data[:4].hex()))
    nano = magic == PCAP_MAGIC_NS
    frames, stamps = [], []
    off = 24
    while off + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack(endian + "IIII", data[off:off + 16])
        off += 16
        if off + caplen > len(data):
            raise ValueError("%s: record %d truncated" % (path, len(frames)))
        frames.append(data[off:off + caplen])
        stamps.append(sec * 10**9 + (frac if nano else frac * 1000))
        off += caplen
    return frames, stamps, nano


def tshark_lengths(path):
    """Frame lengths as tshark decodes them, or None when tshark is not installed."""
    if shutil.which("tshark") is None:
        return None
    r = subprocess.run(["tshark", "-n", "-r", path, "-T", "fields", "-e", "frame.len"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    if r.returncode != 0:
        return ["tshark failed: " + r.stderr.strip()]
    return [int(x) for x in r.stdout.split()]


# --- running stampede -------------------------------------------------------------------------

def die_with_parent():
    """preexec_fn for the processes tests start: the kernel kills them (SIGKILL) when the test
    itself dies, e.g. killed by meson's timeout, so no stampede is left busy-polling a CPU."""
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def runtime_dirs(prefix):
    dirs = ["/var/run/dpdk/" + prefix]
    if os.environ.get("XDG_RUNTIME_DIR"):
        dirs.append(os.path.join(os.environ["XDG_RUNTIME_DIR"], "dpdk", prefix))
    return dirs


def procs_with(needle):
    """PIDs of processes whose command line contains needle (read from /proc)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == os.getpid():
            continue
        try:
            with open("/proc/%s/cmdline" % d, "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if needle in cmd:
            pids.append(int(d))
    return pids


class Stampede:
    """One stampede run: a temporary directory, a config file in it, a unique EAL prefix."""

    def __init__(self, exe, name):
        self.exe = os.path.abspath(exe)
        self.name = name
        self.prefix = "ft-%s-%d" % (name, os.getpid())
        self.dir = tempfile.mkdtemp(prefix="ft-%s-" % name)
        self.stats_path = os.path.join(self.dir, "stats.json")
        self.rc = None
        self.out = ""
        self.err = ""
        self.wrap = []  # a command stampede runs under (e.g. strace), none by default

    def path(self, name):
        return os.path.join(self.dir, name)

    def write_config(self, cfg, name="stampede.json"):
        with open(self.path(name), "w") as f:
            json.dump(cfg, f, indent=2)
        return name

    def argv(self, args, config="stampede.json", stats=True):
        a = self.wrap + [self.exe, "-c", config] + list(args)
        if stats:
            a += ["--stats-json", self.stats_path]
        return a + ["--", "--file-prefix=" + self.prefix]

    def run(self, args, config="stampede.json", timeout=30, stdin_data=None, stats=True):
        """Run to completion. A run that outlives timeout gets SIGTERM (then SIGKILL) and
        counts as failed: rc is set to None."""
        if os.path.exists(self.stats_path):
            os.unlink(self.stats_path)
        argv = self.argv(args, config, stats)
        log("run: (cd %s && %s)" % (self.dir, " ".join(argv)))
        p = subprocess.Popen(argv, cwd=self.dir, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             preexec_fn=die_with_parent)
        try:
            self.out, self.err = p.communicate(stdin_data, timeout=timeout)
            self.rc = p.returncode
        except subprocess.TimeoutExpired:
            log("stampede still running after %d s: sending SIGTERM" % timeout)
            p.send_signal(signal.SIGTERM)
            try:
                self.out, self.err = p.communicate(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                self.out, self.err = p.communicate()
            self.rc = None
        return self.rc

    def run_to_eof(self, ck, timeout=20):
        """Run with --exit-on-eof (file inputs: stampede stops when they are read); check that
        it exited 0, and show its output when not. Returns the exit code."""
        rc = self.run(["--exit-on-eof"], timeout=timeout)
        if rc != 0:
            self.show_output()
        ck.eq(rc, 0, "exit code with --exit-on-eof (None: did not stop by itself)")
        return rc

    def start(self, args, config="stampede.json"):
        """Start in the background; stdout lines are collected by a thread."""
        if os.path.exists(self.stats_path):
            os.unlink(self.stats_path)
        argv = self.argv(args, config)
        log("start: (cd %s && %s)" % (self.dir, " ".join(argv)))
        self.proc = subprocess.Popen(argv, cwd=self.dir, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                     preexec_fn=die_with_parent)
        self._lines = []
        self._cv = threading.Condition()
        self._errbuf = []

        def pump_out():
            for line in self.proc.stdout:
                with self._cv:
                    self._lines.append(line)
                    self._cv.notify_all()

        def pump_err():
            self._errbuf.append(self.proc.stderr.read())

        self._threads = [threading.Thread(target=pump_out, daemon=True),
                         threading.Thread(target=pump_err, daemon=True)]
        for t in self._threads:
            t.start()

    def wait_line(self, text, timeout=30):
        deadline = time.monotonic() + timeout
        with self._cv:
            while not any(text in line for line in self._lines):
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    return any(text in line for line in self._lines)
                self._cv.wait(min(left, 0.2))
        return True

    def metrics_url(self, timeout=30):
        """The /metrics URL stampede prints at start (--metrics 127.0.0.1:0), once it has;
        None when it exits or timeout passes first."""
        if not self.wait_line("stampede: metrics at http://", timeout):
            return None
        m = re.search(r"stampede: metrics at (http://127\.0\.0\.1:\d+/metrics)",
                      "".join(self._lines))
        return m.group(1) if m else None

    def wait_path(self, path, timeout=10):
        """True once @path exists (a console socket stampede creates), False after timeout."""
        deadline = time.monotonic() + timeout
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.05)
        return os.path.exists(path)

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=30):
        try:
            self.rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            self.rc = None
        for t in self._threads:
            t.join(5)
        self.out = "".join(self._lines)
        self.err = "".join(self._errbuf)
        return self.rc

    def stats(self):
        try:
            with open(self.stats_path) as f:
                return json.load(f)
        except (OSError, ValueError) as e:
            log("cannot read %s: %s" % (self.stats_path, e))
            return None

    def show_output(self):
        log("--- stdout ---\n" + self.out.rstrip())
        log("--- stderr ---\n" + self.err.rstrip())
        log("--------------")

    def cleanup(self):
        """Remove the temporary directory (unless FT_KEEP is set) and the EAL runtime dir."""
        for d in runtime_dirs(self.prefix):
            shutil.rmtree(d, ignore_errors=True)
        if os.environ.get("FT_KEEP"):
            log("kept " + self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def check_accounting(ck, st, received=None, transmitted=None, drops=None, label=""):
    """The counters every run must satisfy, plus exact values when given. drops: the expected
    value of every reason not listed is 0."""
    if st is None:
        ck.check(False, label + "stats JSON written")
        return False
    ck.check(all(k in st for k in ("received", "transmitted", "dropped", "drops",
                                   "timestamps", "ports")),
             label + "stats JSON has received, transmitted, dropped, drops, timestamps, ports")
    ck.check(sorted(st.get("drops", {})) == sorted(DROP_REASONS),
             label + "drops lists exactly the reasons " + ",".join(DROP_REASONS),
             "got %s" % sorted(st.get("drops", {})))
    rx, tx, dr = st.get("received"), st.get("transmitted"), st.get("dropped")
    rep, cap = st.get("replicated", 0), st.get("captured", 0)
    gen, con = st.get("generated", 0), st.get("consumed", 0)
    ck.check(rx + rep + gen == tx + cap + con + dr,
             label + "received + replicated + generated == "
             "transmitted + captured + consumed + dropped",
             "received %s replicated %s generated %s transmitted %s captured %s consumed %s "
             "dropped %s" % (rx, rep, gen, tx, cap, con, dr))
    ck.check(dr == sum(st.get("drops", {}).values()), label + "dropped == sum of drops",
             "dropped %s drops %s" % (dr, st.get("drops")))
    if received is not None:
        ck.eq(rx, received, label + "received")
    if transmitted is not None:
        ck.eq(tx, transmitted, label + "transmitted")
    if drops is not None:
        for reason in DROP_REASONS:
            ck.eq(st.get("drops", {}).get(reason), drops.get(reason, 0),
                  label + "drops." + reason)
    return True


def compare_frames(ck, got, want, label="output"):
    """Frame-by-frame comparison, in order; prints the first difference."""
    ck.eq(len(got), len(want), label + ": number of frames")
    for i, (g, w) in enumerate(zip(got, want)):
        if g != w:
            ck.check(False, label + ": frame %d identical to the input frame" % i,
                     "got %d bytes %s..., want %d bytes %s..." % (len(g), g[:24].hex(), len(w),
                                                                 w[:24].hex()))
            return False
    if len(got) == len(want):
        ck.check(True, label + ": all %d frames byte-identical, in order" % len(got))
        return True
    return False
