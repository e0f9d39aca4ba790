/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * lib/stamp: test packets byte by byte at RFC 8762's offsets, NTP and PTP timestamps at their
 * edges, the error estimate, reflection and the RTT arithmetic with known T1..T4; the
 * authenticated mode (RFC 8762 4.2.2, 4.3.2, 4.4): both layouts byte by byte and their HMACs
 * against vectors computed outside stampede with OpenSSL's command line (see test_auth()).
 *
 * `test_stamp --pcap FILE` also writes FILE (a pcap of STAMP packets, UDP port 862) and, on
 * stdout, the values each packet carries as tshark field=value lines: stamp_vs_tshark.py checks
 * them against tshark's TWAMP-Test decoder.
 */

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "stamp.h"
#include "unit.h"

#define NS UINT64_C(1000000000)
/* 2023-11-14 22:13:20 UTC, the time FORMATS.md's tshark check used. */
#define T_BASE (1700000000ull * NS)

/* A reproducible sequence (unit.h). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rng(void)
{
	return unit_rand64(&rng_state);
}

static bool
bytes_eq(const uint8_t *got, const char *hex, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned int b;

		if (sscanf(hex + 2 * i, "%2x", &b) != 1 || got[i] != b) {
			printf("  byte %zu: got %02x, want %.2s\n", i, got[i], hex + 2 * i);
			return false;
		}
	}
	return true;
}

static void
test_sender_bytes(void)
{
	struct stamp_sender s = {
		.seq = 7,
		.ts = stamp_ntp_from_ns(T_BASE + 123456789),
		.err_est = stamp_err_est_encode(0, true, false),
	};
	struct stamp_sender p;
	uint8_t buf[64];

	memset(buf, 0xee, sizeof(buf));
	check(stamp_sender_write(buf, STAMP_SENDER_LEN, &s) == 0, "sender: write 44 bytes");
	/* FORMATS.md: the bytes tshark decoded as seq 7, 22:13:20.123456789, S=1 scale 0 mult 1. */
	check(bytes_eq(buf,
			      "00000007"
			      "e8fe6f801f9add38"
			      "8001"
			      "0000"
			      "00000000000000000000000000000000000000000000000000000000",
			      44),
			"sender: seq at 0, NTP T1 at 4, error estimate at 12, 30 bytes MBZ");
	check(buf[44] == 0xee, "sender: nothing written past 44 bytes");

	s.ssid = 0x1234;
	memset(buf, 0xee, sizeof(buf));
	check(stamp_sender_write(buf, 60, &s) == 0 && buf[14] == 0x12 && buf[15] == 0x34 &&
					buf[16] == 0 && buf[59] == 0,
			"sender: RFC 8972 SSID at 14, padding to 60 zeroed");
	check(stamp_sender_parse(buf, 60, &p) == 0 && p.seq == 7 && p.ts == s.ts &&
					p.err_est == 0x8001 && p.ssid == 0x1234,
			"sender: parse a padded packet gives the fields back");
	check(stamp_sender_write(buf, 43, &s) == STAMP_E_BUF, "sender: write to 43 bytes: buffer");
	check(stamp_sender_parse(buf, 43, &p) == STAMP_E_SHORT &&
					!strcmp(stamp_strerror(STAMP_E_SHORT), "short"),
			"sender: 43 bytes is STAMP_E_SHORT (\"short\")");
	check(stamp_sender_parse(buf, 0, &p) == STAMP_E_SHORT, "sender: 0 bytes is short");
}

/* A reflector packet whose every field has its own recognisable bytes. */
static const struct stamp_reflector refl_fields = {
	.seq = 0x01020304,
	.ts = 0x1112131415161718ull,
	.err_est = 0x2122,
	.ssid = 0x3132,
	.rx_ts = 0x4142434445464748ull,
	.sender_seq = 0x51525354,
	.sender_ts = 0x6162636465666768ull,
	.sender_err_est = 0x7172,
	.sender_ttl = 0x81,
};

static void
test_reflector_bytes(void)
{
	const struct stamp_reflector r = refl_fields;
	struct stamp_reflector p;
	uint8_t buf[64];

	memset(buf, 0xee, sizeof(buf));
	check(stamp_reflector_write(buf, 44, &r) == 0, "reflector: write 44 bytes");
	/* RFC 8762 4.3.1's diagram, field by field. */
	check(bytes_eq(buf,
			      "01020304"	 /* 0 Sequence Number */
			      "1112131415161718" /* 4 Timestamp */
			      "2122"		 /* 12 Error Estimate */
			      "3132"		 /* 14 MBZ (SSID) */
			      "4142434445464748" /* 16 Receive Timestamp */
			      "51525354"	 /* 24 Session-Sender Sequence Number */
			      "6162636465666768" /* 28 Session-Sender Timestamp */
			      "7172"		 /* 36 Session-Sender Error Estimate */
			      "0000"		 /* 38 MBZ */
			      "81"		 /* 40 Ses-Sender TTL */
			      "000000",		 /* 41 MBZ */
			      44),
			"reflector: every field at RFC 8762 4.3.1's offset and size");
	check(buf[44] == 0xee, "reflector: nothing written past 44 bytes");
	check(stamp_reflector_parse(buf, 44, &p) == 0 && !memcmp(&p.seq, &r.seq, 4) &&
					p.ts == r.ts && p.err_est == r.err_est &&
					p.ssid == r.ssid && p.rx_ts == r.rx_ts &&
					p.sender_seq == r.sender_seq &&
					p.sender_ts == r.sender_ts &&
					p.sender_err_est == r.sender_err_est &&
					p.sender_ttl == r.sender_ttl,
			"reflector: parse gives every field back");
	check(stamp_reflector_parse(buf, 43, &p) == STAMP_E_SHORT, "reflector: 43 bytes is short");
	check(stamp_reflector_write(buf, 43, &r) == STAMP_E_BUF, "reflector: write to 43: buffer");
}

static void
test_ntp(void)
{
	uint64_t ntp;
	bool ok;

	ntp = stamp_ntp_from_ns(0);
	check(ntp == (uint64_t)STAMP_NTP_UNIX_OFFSET << 32 && stamp_ntp_to_ns(ntp) == 0,
			"ntp: 1970-01-01 is 2208988800 s, fraction 0, and back");
	check(stamp_ntp_from_ns(1) == ((uint64_t)STAMP_NTP_UNIX_OFFSET << 32 | 5),
			"ntp: 1 ns is fraction 5 (4.29 rounded up)");
	check(stamp_ntp_from_ns(NS - 1) == ((uint64_t)STAMP_NTP_UNIX_OFFSET << 32 | 4294967292u),
			"ntp: 999999999 ns is fraction 4294967292 (...291.7 rounded up), no carry");
	check(stamp_ntp_from_ns(NS / 2) == ((uint64_t)STAMP_NTP_UNIX_OFFSET << 32 | 0x80000000u),
			"ntp: 0.5 s is fraction 2^31 exactly");
	check(stamp_ntp_to_ns((uint64_t)STAMP_NTP_UNIX_OFFSET << 32 | 0xffffffffu) == NS,
			"ntp: fraction 2^32-1 (0.99999999977 s) rounds to the next second");
	check(stamp_ntp_to_ns((uint64_t)STAMP_NTP_UNIX_OFFSET << 32 | 2) == 0 &&
					stamp_ntp_to_ns((uint64_t)STAMP_NTP_UNIX_OFFSET << 32 |
							3) == 1,
			"ntp: fraction 2 (0.47 ns) -> 0 ns, 3 (0.70 ns) -> 1 ns: nearest");

	/* Round trips, and tshark's truncation gives the same ns (ceil on encode). */
	ok = true;
	for (int i = 0; i < 200000 && ok; i++) {
		/* 1970-01-01 .. 2106-02-07: Unix seconds [0, 2^32) */
		uint64_t ns = rng() % ((1ull << 32) * NS);
		uint64_t n, trunc;

		if (i < 1000)
			ns = ns - ns % NS + (uint64_t)i; /* the smallest fractions */
		else if (i < 2000)
			ns = ns - ns % NS + NS - 1000 + (uint64_t)(i - 1000); /* the largest */
		n = stamp_ntp_from_ns(ns);
		trunc = ((n & 0xffffffffu) * NS) >> 32;
		if (stamp_ntp_to_ns(n) != ns || trunc != ns % NS) {
			printf("  ns %" PRIu64 ": ntp %#" PRIx64 " -> %" PRIu64
			       ", truncated %" PRIu64 "\n",
					ns, n, stamp_ntp_to_ns(n), trunc);
			ok = false;
		}
	}
	check(ok, "ntp: 200000 times 1970..2106 round-trip exactly, truncating decoders agree");

	/* The 2036 wrap: 2036-02-07 06:28:16 UTC is Unix 2085978496 s, NTP era 1 second 0. */
	ntp = stamp_ntp_from_ns(2085978496ull * NS);
	check(ntp == 0 && stamp_ntp_to_ns(ntp) == 2085978496ull * NS,
			"ntp: 2036-02-07 06:28:16 is era 1 second 0, read back as 2036");
	ntp = stamp_ntp_from_ns(2085978495ull * NS + NS - 1);
	check(ntp >> 32 == 0xffffffffu && stamp_ntp_to_ns(ntp) == 2085978495ull * NS + NS - 1,
			"ntp: one ns before the wrap is era 0 second 2^32-1, read back exactly");
	check(stamp_ntp_to_ns((uint64_t)(STAMP_NTP_UNIX_OFFSET - 1) << 32) ==
					((1ull << 32) - 1) * NS,
			"ntp: second 2208988799 (1969 in era 0) is read as era 1: 2106-02-07 06:28:15");
}

static void
test_ptp(void)
{
	uint64_t ns = T_BASE + 123456789, ptp, back = 0;

	ptp = stamp_ptp_from_ns(ns, STAMP_TAI_UTC_DEFAULT);
	check(ptp == ((1700000000ull + 37) << 32 | 123456789u),
			"ptp: TAI seconds (UTC + 37) and ns");
	check(stamp_ptp_to_ns(ptp, STAMP_TAI_UTC_DEFAULT, &back) == 0 && back == ns,
			"ptp: round trip");
	check(stamp_ptp_to_ns((1ull << 32) | NS, 0, &back) == STAMP_E_TS &&
					!strcmp(stamp_strerror(STAMP_E_TS), "timestamp"),
			"ptp: ns field 10^9 is STAMP_E_TS");
	check(stamp_ptp_to_ns(36ull << 32, 37, &back) == STAMP_E_TS,
			"ptp: a TAI time before 1970 UTC is STAMP_E_TS");
	check(stamp_ts_from_ns(ns, STAMP_ERR_Z, 37) == ptp &&
					stamp_ts_from_ns(ns, 0, 37) == stamp_ntp_from_ns(ns),
			"ts: the Z bit picks PTP, else NTP");
}

static void
test_err_est(void)
{
	uint64_t ns = 0;
	bool ok = true;

	check(stamp_err_est_encode(0, false, false) == 0x0001,
			"err: 0 ns is scale 0, multiplier 1 (never 0)");
	check(stamp_err_est_encode(0, true, true) == 0xc001, "err: S is bit 15, Z bit 14");
	/* 1 us = 4294.97 x 2^-32 s: scale 4 needs 268.4 > 255, scale 5 needs 134.2 -> 135. */
	check(stamp_err_est_encode(1000, true, false) == 0x8587,
			"err: 1 us is scale 5, multiplier 135");
	check(stamp_err_est_decode(0x0587, &ns) == 0 && ns == 1006,
			"err: scale 5 multiplier 135 is 1005.8 ns, read as 1006");
	/* 1 s = 2^32 x 2^-32 s: multiplier 128 at scale 25 exactly. */
	check(stamp_err_est_encode(NS, false, false) == (25 << 8 | 128) &&
					stamp_err_est_decode(25 << 8 | 128, &ns) == 0 && ns == NS,
			"err: 1 s is scale 25 multiplier 128, exact both ways");
	check(stamp_err_est_decode(0x8000, &ns) == STAMP_E_ERR_EST &&
					!strcmp(stamp_strerror(STAMP_E_ERR_EST), "error_estimate"),
			"err: multiplier 0 is STAMP_E_ERR_EST");
	check(stamp_err_est_decode(0x3fff, &ns) == 0 && ns == UINT64_MAX,
			"err: scale 63 multiplier 255 (1.7e13 years) saturates");
	check(stamp_err_est_encode(UINT64_MAX, false, false) == 0x3fff ||
					(stamp_err_est_encode(UINT64_MAX, false, false) & 0x3f00) <
							0x3f00,
			"err: the largest error fits");

	/* Never understated, and minimal: one multiplier step less would understate. */
	for (int i = 0; i < 100000 && ok; i++) {
		uint64_t e = rng() >> (rng() % 64);
		uint16_t f = stamp_err_est_encode(e, false, false);
		unsigned int mult = f & 0xff, scale = (f >> 8) & 0x3f;
		uint64_t got = 0;

		stamp_err_est_decode(f, &got);
		if (got < e && got != UINT64_MAX)
			ok = false;
		if (mult > 1 || scale > 0) {
			/* (mult-1) x 2^scale x 10^9 / 2^32 < e, computed exactly */
			unsigned __int128 lower = ((unsigned __int128)(mult - 1) * NS) << scale;

			if (lower >= (unsigned __int128)e << 32)
				ok = false;
			/* and a smaller scale could not hold it: mult > 127 or scale == 0 */
			if (scale > 0 && mult <= 127)
				ok = false;
		}
		if (!ok)
			printf("  %" PRIu64 " ns -> %#06x -> %" PRIu64 "\n", e, f, got);
	}
	check(ok, "err: 100000 errors encode to the smallest field that is not below them");
}

/* A reflected packet for sender T1 and reflector T2/T3, built by stamp_reflect(). */
static void
test_reflect_measure(void)
{
	struct stamp_refl_session st = { .stateful = false,
		.err_est = stamp_err_est_encode(500, true, false) };
	struct stamp_sender s = { .seq = 41, .err_est = stamp_err_est_encode(1000, true, false) };
	uint64_t t1 = T_BASE + 1, t2 = t1 + 3000123, t3 = t2 + 45678, t4 = t3 + 2000077;
	uint8_t in[128], out[128], inplace[128];
	struct stamp_measure m;
	struct stamp_reflector r;
	uint64_t e1 = 0, e2 = 0;

	s.ts = stamp_ntp_from_ns(t1);
	s.ssid = 0xbeef;
	stamp_sender_write(in, 100, &s);
	for (int i = 44; i < 100; i++)
		in[i] = (uint8_t)i; /* padding the reflector returns */
	memset(out, 0xee, sizeof(out));
	check(stamp_reflect(in, 100, out, 100, t2, 61, t3, &st) == 0,
			"reflect: a 100-byte sender packet, symmetric reply");
	check(stamp_reflector_parse(out, 100, &r) == 0 && r.seq == 41 && r.sender_seq == 41 &&
					r.sender_ts == s.ts && r.sender_err_est == s.err_est &&
					r.sender_ttl == 61 && r.err_est == st.err_est &&
					r.ssid == 0xbeef && stamp_ntp_to_ns(r.rx_ts) == t2 &&
					stamp_ntp_to_ns(r.ts) == t3,
			"reflect: stateless seq = sender's, T1 and its error estimate copied, TTL 61, "
			"T2 and T3, SSID echoed");
	check(out[38] == 0 && out[39] == 0 && out[41] == 0 && out[42] == 0 && out[43] == 0 &&
					out[44] == 44 && out[99] == 99 && out[100] == 0xee,
			"reflect: MBZ zero, the sender's 56 bytes of padding returned, nothing past 100");

	memcpy(inplace, in, 100);
	check(stamp_reflect(inplace, 100, inplace, 100, t2, 61, t3, &st) == 0 &&
					!memcmp(inplace, out, 100),
			"reflect: in place gives the same bytes");

	check(stamp_measure(out, 100, t4, 37, &m) == 0, "measure: parse the reply");
	check(m.t1 == t1 && m.t2 == t2 && m.t3 == t3 && m.t4 == t4,
			"measure: T1..T4 exact to the ns through NTP");
	check(m.rtt_ns == 3000123 + 2000077 && m.fwd_ns == 3000123 && m.bwd_ns == 2000077 &&
					m.residence_ns == 45678,
			"measure: RTT = (t4-t1)-(t3-t2) = %" PRId64 ", forward %" PRId64
			", backward %" PRId64 ", residence %" PRId64,
			m.rtt_ns, m.fwd_ns, m.bwd_ns, m.residence_ns);
	stamp_err_est_decode(s.err_est, &e1);
	stamp_err_est_decode(st.err_est, &e2);
	check(m.synced && m.sender_seq == 41 && m.reflector_seq == 41 && m.sender_ttl == 61 &&
					m.ssid == 0xbeef && m.err_ns == e1 + e2,
			"measure: synced, sequence numbers, TTL, SSID, error %" PRIu64 " ns",
			m.err_ns);

	/* Stateful: the reflector's own counter, advancing only on success. */
	st.stateful = true;
	st.next_seq = 1000;
	check(stamp_reflect(in, 100, out, 100, t2, 64, t3, &st) == 0 &&
					stamp_reflector_parse(out, 100, &r) == 0 && r.seq == 1000 &&
					r.sender_seq == 41 && st.next_seq == 1001,
			"reflect: stateful seq from the session counter (1000), sender's kept");
	memset(out, 0xee, sizeof(out));
	check(stamp_reflect(in, 43, out, 100, t2, 64, t3, &st) == STAMP_E_SHORT &&
					st.next_seq == 1001 && out[0] == 0xee,
			"reflect: a 43-byte sender packet is short; counter and output untouched");
	check(stamp_reflect(in, 100, out, 43, t2, 64, t3, &st) == STAMP_E_BUF &&
					st.next_seq == 1001,
			"reflect: a 43-byte reply buffer is refused");
	check(stamp_reflect(in, 100, out, 44, t2, 64, t3, &st) == 0 && out[44] == 0xee,
			"reflect: asymmetric 44-byte reply of a 100-byte packet");
	memset(out, 0xee, sizeof(out));
	check(stamp_reflect(in, 44, out, 80, t2, 64, t3, &st) == 0 && out[44] == 0 &&
					out[79] == 0 && out[80] == 0xee,
			"reflect: 80-byte reply of a 44-byte packet: zero padding");

	/* Reflector on PTP time (Z), sender on NTP, unsynchronised reflector. */
	st.err_est = stamp_err_est_encode(100, false, true);
	st.tai_utc = 37;
	check(stamp_reflect(in, 44, out, 44, t2, 1, t3, &st) == 0 &&
					stamp_reflector_parse(out, 44, &r) == 0 &&
					r.rx_ts == stamp_ptp_from_ns(t2, 37),
			"reflect: Z set: T2 and T3 in PTP format");
	check(stamp_measure(out, 44, t4, 37, &m) == 0 && m.t1 == t1 && m.t2 == t2 && m.t3 == t3 &&
					m.rtt_ns == 3000123 + 2000077 && !m.synced,
			"measure: T1 NTP, T2/T3 PTP: same times, RTT; not synced (no S on reflector)");

	/* Clocks that disagree: negative one-way delay, RTT still right. */
	st.err_est = 0x8001;
	stamp_reflect(in, 44, out, 44, t1 - 5000, 1, t1 - 4000, &st);
	check(stamp_measure(out, 44, t1 + 2000, 37, &m) == 0 && m.fwd_ns == -5000 &&
					m.bwd_ns == 6000 && m.rtt_ns == 1000,
			"measure: reflector clock 5 us behind: forward -5000, backward 6000, RTT 1000");

	/* Errors the sender side names. */
	out[STAMP_OFF_ERR_EST + 1] = 0;
	out[STAMP_OFF_ERR_EST] = 0x80;
	check(stamp_measure(out, 44, t4, 37, &m) == STAMP_E_ERR_EST,
			"measure: reflector error estimate multiplier 0 is STAMP_E_ERR_EST");
	check(stamp_measure(out, 40, t4, 37, &m) == STAMP_E_SHORT, "measure: 40 bytes is short");
	st.err_est = STAMP_ERR_Z | 1;
	stamp_reflect(in, 44, out, 44, t2, 1, t3, &st);
	out[STAMP_OFF_RX_TS + 4] = 0xff; /* ns field >= 10^9 */
	check(stamp_measure(out, 44, t4, 37, &m) == STAMP_E_TS,
			"measure: PTP receive timestamp with ns >= 10^9 is STAMP_E_TS");
}

/* ---- --pcap: frames for stamp_vs_tshark.py ---- */

static void
put_le32(FILE *f, uint32_t v)
{
	uint8_t b[4];

	frame_wr32_le(b, v);
	fwrite(b, 1, 4, f);
}

/* One Ethernet/IPv4/UDP frame around @p pl; to_reflector: port 40000 -> 862, else back. */
static void
write_frame(FILE *f, unsigned int idx, const uint8_t *pl, size_t len, bool to_reflector)
{
	static const uint8_t mac_snd[6] = { 0x02, 0, 0, 0, 0, 0x01 },
			     mac_ref[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	static const uint8_t ip_snd[4] = { 198, 18, 0, 1 }, ip_ref[4] = { 198, 18, 0, 2 };
	struct frame fr;

	if (to_reflector) {
		frame_eth(&fr, mac_ref, mac_snd, 0x0800);
		frame_ipv4(&fr, ip_snd, ip_ref, 17, (uint16_t)(8 + len), 0);
		frame_udp(&fr, 40000, STAMP_PORT, (uint16_t)len);
	} else {
		frame_eth(&fr, mac_snd, mac_ref, 0x0800);
		frame_ipv4(&fr, ip_ref, ip_snd, 17, (uint16_t)(8 + len), 0);
		frame_udp(&fr, STAMP_PORT, 40000, (uint16_t)len);
	}
	frame_put_bytes(&fr, pl, (uint32_t)len);
	put_le32(f, 1700000000u + idx);
	put_le32(f, 0);
	put_le32(f, fr.len);
	put_le32(f, fr.len);
	fwrite(fr.b, 1, fr.len, f);
}

static void
print_ts(const char *field, uint64_t ns)
{
	printf("%s=%" PRIu64 ".%09" PRIu64 "\n", field, ns / NS, ns % NS);
}

/* Frames with known values; their expected tshark fields on stdout, "frame N" before each. */
static int
write_pcap(const char *path)
{
	FILE *f = fopen(path, "wb");
	struct stamp_refl_session st = { .err_est = stamp_err_est_encode(2000, true, false) };
	uint64_t t1 = T_BASE + 123456789, t2 = T_BASE + 173456789, t3 = T_BASE + 173500001;
	struct stamp_sender s = { .seq = 7, .ts = stamp_ntp_from_ns(t1), .err_est = 0x8001 };
	uint8_t snd[100], ref[100];
	unsigned int n = 0;

	if (f == NULL) {
		perror(path);
		return 1;
	}
	put_le32(f, 0xa1b2c3d4); /* microsecond pcap */
	fwrite("\x02\x00\x04\x00", 1, 4, f);
	put_le32(f, 0);
	put_le32(f, 0);
	put_le32(f, 65535);
	put_le32(f, 1); /* Ethernet */

	/* 1: a 44-byte sender packet; 2: its stateless reflection, TTL 61. */
	stamp_sender_write(snd, 44, &s);
	write_frame(f, ++n, snd, 44, true);
	printf("frame %u\ntwamp.test.seq_number=7\n", n);
	print_ts("twamp.test.timestamp", t1);
	printf("twamp.test.error_estimate=0x8001\n");
	stamp_reflect(snd, 44, ref, 44, t2, 61, t3, &st);
	write_frame(f, ++n, ref, 44, false);
	printf("frame %u\ntwamp.test.seq_number=7\n", n);
	print_ts("twamp.test.timestamp", t3);
	printf("twamp.test.error_estimate=0x%04x\n", st.err_est);
	print_ts("twamp.test.receive_timestamp", t2);
	printf("twamp.test.sender_seq_number=7\n");
	print_ts("twamp.test.sender_timestamp", t1);
	printf("twamp.test.sender_error_estimate=0x8001\ntwamp.test.sender_ttl=61\n");

	/* 3, 4: a 100-byte (padded) sender packet with an odd time, stateful PTP reflector. */
	s.seq = 0xfffffffe;
	t1 = 4102444799ull * NS + NS - 1; /* 2099-12-31 23:59:59.999999999 */
	s.ts = stamp_ntp_from_ns(t1);
	s.err_est = stamp_err_est_encode(1000, false, false);
	s.ssid = 0x1234; /* RFC 8972 SSID: tshark knows it as mbz1 */
	stamp_sender_write(snd, 100, &s);
	write_frame(f, ++n, snd, 100, true);
	printf("frame %u\nudp.length=108\ntwamp.test.mbz1=4660\ntwamp.test.seq_number=4294967294\n",
			n);
	print_ts("twamp.test.timestamp", t1);
	printf("twamp.test.error_estimate=0x%04x\n", s.err_est);
	st.stateful = true;
	st.next_seq = 12345;
	/* tshark applies no TAI - UTC correction (FORMATS.md): with tai_utc 0 it prints UTC. */
	st.err_est = stamp_err_est_encode(1, true, true);
	st.tai_utc = 0;
	stamp_reflect(snd, 100, ref, 100, t1 + 1, 1, t1 + 2, &st);
	write_frame(f, ++n, ref, 100, false);
	printf("frame %u\nudp.length=108\ntwamp.test.mbz1=4660\ntwamp.test.seq_number=12345\n", n);
	print_ts("twamp.test.timestamp", t1 + 2);
	printf("twamp.test.error_estimate=0x%04x\n", st.err_est);
	print_ts("twamp.test.receive_timestamp", t1 + 1);
	printf("twamp.test.sender_seq_number=4294967294\n");
	print_ts("twamp.test.sender_timestamp", t1);
	printf("twamp.test.sender_error_estimate=0x%04x\ntwamp.test.sender_ttl=1\n", s.err_est);
	return fclose(f) == 0 ? 0 : 1;
}

/* Reflect one sender packet (seq, ssid) through session @p k of @p t at @p now; the reply's
 * reflector sequence number, or -1 when refused. */
static int64_t
sess_reflect(struct stamp_sess_table *t, const struct stamp_sess_key *k, uint32_t seq,
		uint16_t ssid, uint64_t now)
{
	struct stamp_sender s = { .seq = seq,
		.ts = stamp_ntp_from_ns(now),
		.ssid = ssid,
		.err_est = stamp_err_est_encode(1000, false, false) };
	struct stamp_refl_session *sess = stamp_sess_get(t, k, now);
	struct stamp_reflector r;
	uint8_t buf[64];

	if (sess == NULL)
		return -1;
	stamp_sender_write(buf, sizeof(buf), &s);
	if (stamp_reflect(buf, sizeof(buf), buf, sizeof(buf), now + 10, 64, now + 20, sess) != 0 ||
			stamp_reflector_parse(buf, sizeof(buf), &r) != 0 || r.sender_seq != seq ||
			r.ssid != ssid)
		return -2;
	return r.seq;
}

static struct stamp_sess_key
key4(uint32_t addr, uint16_t port, uint16_t ssid)
{
	struct stamp_sess_key k;

	memset(&k, 0, sizeof(k));
	k.addr[0] = (uint8_t)(addr >> 24);
	k.addr[1] = (uint8_t)(addr >> 16);
	k.addr[2] = (uint8_t)(addr >> 8);
	k.addr[3] = (uint8_t)addr;
	k.port = port;
	k.ssid = ssid;
	k.family = 4;
	return k;
}

/* RFC 8762 4.3 stateful reflection: one counter per (address, port, SSID). */
static void
test_sessions(void)
{
	uint8_t mem[4096] __attribute__((aligned(8)));
	struct stamp_sess_table *t = (struct stamp_sess_table *)mem;
	struct stamp_sess_key a = key4(0xc6120001, 7000, 0), b = key4(0xc6120001, 7001, 0);
	struct stamp_sess_key c = key4(0xc6120001, 7000, 9), d = key4(0xc6120002, 7000, 0);
	struct stamp_sess_key v6 = a;
	/* The sender's sequence with holes (requests lost before the reflector). */
	static const uint32_t a_seq[] = { 0, 1, 4, 5, 9, 10, 11, 40 };
	bool ok = true;
	int64_t r;

	check(stamp_sess_table_size(0) == 0 && stamp_sess_table_size(STAMP_SESS_MAX + 1) == 0 &&
					stamp_sess_table_size(4) ==
							sizeof(*t) + 8 * sizeof(t->e[0]) &&
					stamp_sess_table_size(4) <= sizeof(mem),
			"sessions: table size: 4 sessions in 8 slots; 0 and > STAMP_SESS_MAX refused");
	stamp_sess_table_init(t, 4, 10 * NS, stamp_err_est_encode(100, true, false), 37);
	v6.family = 6;
	for (unsigned int i = 0; i < sizeof(a_seq) / sizeof(a_seq[0]); i++) {
		r = sess_reflect(t, &a, a_seq[i], 0, T_BASE + i * NS);
		ok = ok && r == (int64_t)i;
		/* Interleaved: session b's and c's own counters. */
		if (i % 2 == 0)
			ok = ok && sess_reflect(t, &b, 1000 + i, 0, T_BASE + i * NS) == i / 2;
		ok = ok && sess_reflect(t, &c, a_seq[i], 9, T_BASE + i * NS) == (int64_t)i;
	}
	check(ok,
			"sessions: the reflector's sequence counts 0..7 with no holes while the "
			"sender's has (0,1,4,5,9,10,11,40); port and SSID make separate sessions");
	check(sess_reflect(t, &v6, 5, 0, T_BASE + 9 * NS) == 0 && t->nb == 4 && t->created == 4,
			"sessions: same address bytes, IPv6: another session (4 held)");
	check(sess_reflect(t, &d, 5, 0, T_BASE + 9 * NS) == -1 && t->overflow == 1 && t->nb == 4,
			"sessions: a 5th session with max 4: refused, counted as overflow");
	check(sess_reflect(t, &a, 41, 0, T_BASE + 9 * NS) == 8,
			"sessions: a held session still answered when the table is full");
	/* b was last seen at 6 s, c at 7 s: idle > 10 s at 17.5 s, a (9 s) and v6 (9 s) not. */
	r = sess_reflect(t, &d, 6, 0, T_BASE + 17 * NS + NS / 2);
	check(r == 0 && t->expired == 1 && t->nb == 4,
			"sessions: idle > 10 s: a new session replaces an idle one, starts at 0");
	check(sess_reflect(t, &a, 42, 0, T_BASE + 18 * NS) == 9,
			"sessions: a session used within the idle time keeps counting");
	r = sess_reflect(t, &a, 43, 0, T_BASE + 40 * NS);
	check(r == 0 && t->expired == 2,
			"sessions: a session back after an idle time starts again at 0");

	/* 1000 sessions in a table for 1000: each keeps its own counter. */
	{
		static uint8_t big[1 << 17] __attribute__((aligned(8)));
		struct stamp_sess_table *bt = (struct stamp_sess_table *)big;
		unsigned int got = 0, refused = 0;

		check(stamp_sess_table_size(1000) <= sizeof(big), "sessions: 1000 fit in 128 KiB");
		stamp_sess_table_init(bt, 1000, 0, 0, 37);
		ok = true;
		for (unsigned int round = 0; round < 3; round++) {
			for (uint32_t i = 0; i < 1000; i++) {
				struct stamp_sess_key k = key4(0x0a000000 + i * 7919, 862, 0);

				r = sess_reflect(bt, &k, i, 0, T_BASE + round);
				if (r < 0) {
					refused += round == 0;
					continue;
				}
				got += round == 0;
				ok = ok && r == (int64_t)round;
			}
		}
		check(ok && got + refused == 1000 && bt->nb == got && bt->nb <= 1000 &&
						bt->overflow == 3 * refused && got >= 999,
				"sessions: 1000 senders, max 1000: %u held (the rest counted as "
				"overflow: %" PRIu64 "), each counting 0, 1, 2",
				got, bt->overflow);
	}
}

/*
 * Authenticated mode. The expected HMACs were computed once, outside stampede, with OpenSSL's
 * command line over the 96 covered bytes written out by hand from RFC 8762's figures 2 and 4
 * (the hex strings below, key 00 01 .. 1f):
 *
 *   echo -n <hex of bytes 0..95> | xxd -r -p |
 *           openssl dgst -sha256 -mac HMAC -macopt hexkey:000102...1e1f
 *
 * and truncated to their first 16 bytes (RFC 8762 4.4, as RFC 4868 does for IPsec).
 */
static const uint8_t auth_key[32] = { 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09,
	0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
	0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f };

static void
test_auth(void)
{
	struct stamp_sender s = {
		.seq = 7,
		.ts = stamp_ntp_from_ns(T_BASE + 123456789),
		.err_est = stamp_err_est_encode(0, true, false),
		.ssid = 0x1234,
	};
	const struct stamp_reflector r = refl_fields;
	struct stamp_refl_session sess = { .stateful = false, .err_est = 0x8001 };
	struct stamp_hmac *h = stamp_hmac_new(auth_key, sizeof(auth_key)), *h2, *wrong;
	uint8_t other_key[32], buf[128], out[128], mac[16];
	struct stamp_sender ps;
	struct stamp_reflector pr;
	struct stamp_measure m;

	memcpy(other_key, auth_key, sizeof(other_key));
	other_key[31] ^= 1;
	wrong = stamp_hmac_new(other_key, sizeof(other_key));
	check(h != NULL && wrong != NULL, "auth: HMAC states for a 32-byte key");
	check(stamp_hmac_new(auth_key, 15) == NULL && stamp_hmac_new(auth_key, 65) == NULL,
			"auth: keys of 15 and 65 bytes refused");
	if (h == NULL || wrong == NULL)
		return;

	memset(buf, 0xee, sizeof(buf));
	check(stamp_sender_write_auth(buf, STAMP_AUTH_LEN, &s) == 0 &&
					stamp_hmac_sign(h, buf, STAMP_AUTH_LEN) == 0,
			"auth sender: write and sign 112 bytes");
	check(bytes_eq(buf,
			      "00000007"		 /* 0 Sequence Number */
			      "000000000000000000000000" /* 4 MBZ (12) */
			      "e8fe6f801f9add38"	 /* 16 Timestamp */
			      "8001"			 /* 24 Error Estimate */
			      "1234"			 /* 26 SSID (RFC 8972) */
			      "0000000000000000000000000000000000000000000000000000000000000000"
			      "0000000000000000000000000000000000000000000000000000000000000000"
			      "00000000"			  /* 28 MBZ (68) */
			      "d2fc2ffb2759465dbe5e87c742fb402f", /* 96 HMAC (16) */
			      112),
			"auth sender: RFC 8762 4.2.2's offsets, HMAC = openssl's, truncated");
	check(buf[112] == 0xee, "auth sender: nothing written past 112 bytes");
	check(stamp_sender_parse_auth(buf, 112, &ps) == 0 && ps.seq == 7 && ps.ts == s.ts &&
					ps.err_est == 0x8001 && ps.ssid == 0x1234,
			"auth sender: parse gives the fields back");
	check(stamp_sender_parse_auth(buf, 111, &ps) == STAMP_E_SHORT &&
					stamp_sender_write_auth(out, 111, &s) == STAMP_E_BUF,
			"auth sender: 111 bytes is short");
	check(stamp_hmac_check(h, buf, 112) == 0, "auth: own HMAC checks");
	check(stamp_hmac_check(wrong, buf, 112) == STAMP_E_AUTH, "auth: another key: STAMP_E_AUTH");
	check(stamp_hmac_check(h, buf, 111) == STAMP_E_NOAUTH, "auth: 111 bytes: no HMAC");
	for (unsigned int i = 0; i < 112; i++) {
		buf[i] ^= 0x40;
		if (stamp_hmac_check(h, buf, 112) != STAMP_E_AUTH) {
			check(false, "auth: a flipped bit at byte %u is not detected", i);
			break;
		}
		buf[i] ^= 0x40;
	}
	check(stamp_hmac_check(h, buf, 112) == 0, "auth: every byte 0..111 is covered or the HMAC");

	/* A dup'ed state gives the same HMAC, and states are reused packet after packet. */
	h2 = stamp_hmac_dup(h);
	check(h2 != NULL && stamp_hmac_compute(h2, buf, mac) == 0 && !memcmp(mac, buf + 96, 16) &&
					stamp_hmac_compute(h, buf, mac) == 0 &&
					!memcmp(mac, buf + 96, 16),
			"auth: a duplicated state and the same state again agree");
	stamp_hmac_free(h2);

	memset(buf, 0xee, sizeof(buf));
	check(stamp_reflector_write_auth(buf, 112, &r) == 0 && stamp_hmac_sign(h, buf, 112) == 0,
			"auth reflector: write and sign");
	check(bytes_eq(buf,
			      "01020304"			  /* 0 Sequence Number */
			      "000000000000000000000000"	  /* 4 MBZ (12) */
			      "1112131415161718"		  /* 16 Timestamp */
			      "2122"				  /* 24 Error Estimate */
			      "3132"				  /* 26 SSID */
			      "00000000"			  /* 28 MBZ (4) */
			      "4142434445464748"		  /* 32 Receive Timestamp */
			      "0000000000000000"		  /* 40 MBZ (8) */
			      "51525354"			  /* 48 Session-Sender Seq */
			      "000000000000000000000000"	  /* 52 MBZ (12) */
			      "6162636465666768"		  /* 64 Session-Sender Timestamp */
			      "7172"				  /* 72 Session-Sender Err Est */
			      "000000000000"			  /* 74 MBZ (6) */
			      "81"				  /* 80 Ses-Sender TTL */
			      "000000000000000000000000000000"	  /* 81 MBZ (15) */
			      "73fbef70c05f8484800c147db88d8e74", /* 96 HMAC */
			      112),
			"auth reflector: RFC 8762 4.3.2's offsets, HMAC = openssl's, truncated");
	check(stamp_reflector_parse_auth(buf, 112, &pr) == 0 && pr.seq == r.seq && pr.ts == r.ts &&
					pr.ssid == r.ssid && pr.rx_ts == r.rx_ts &&
					pr.sender_seq == r.sender_seq &&
					pr.sender_ts == r.sender_ts &&
					pr.sender_err_est == r.sender_err_est &&
					pr.sender_ttl == r.sender_ttl,
			"auth reflector: parse gives every field back");

	/* Reflection: checked by the caller, answered in place, signed; then measured. */
	memset(buf, 0x5a, sizeof(buf));
	stamp_sender_write_auth(buf, 120, &s);
	memset(buf + 112, 0x5a, 8); /* padding after the packet, returned as is */
	stamp_hmac_sign(h, buf, 120);
	memcpy(out, buf, 120);
	check(stamp_hmac_check(wrong, out, 120) == STAMP_E_AUTH &&
					stamp_hmac_check(h, out, 120) == 0,
			"auth reflect: the request checks with its key only");
	check(stamp_reflect_auth(out, 111, out, 120, 0, 0, 0, &sess, h) == STAMP_E_SHORT &&
					stamp_reflect_auth(out, 120, out, 111, 0, 0, 0, &sess, h) ==
							STAMP_E_BUF &&
					!memcmp(out, buf, 120),
			"auth reflect: 111 bytes in or out: short / buffer, packet untouched");
	memset(out + 96, 0, 16);
	check(stamp_hmac_check(h, out, 120) == STAMP_E_NOAUTH,
			"auth: a zero HMAC field: STAMP_E_NOAUTH");
	memcpy(out, buf, 120);
	check(stamp_reflect_auth(out, 120, out, 120, T_BASE + 200000000, 61, T_BASE + 200001000,
			      &sess, h) == 0,
			"auth reflect: in place");
	check(stamp_hmac_check(h, out, 120) == 0 &&
					stamp_reflector_parse_auth(out, 120, &pr) == 0 &&
					pr.sender_seq == 7 && pr.seq == 7 && pr.sender_ts == s.ts &&
					pr.sender_ttl == 61 && pr.ssid == 0x1234 &&
					pr.err_est == 0x8001 && out[112] == 0x5a &&
					out[119] == 0x5a,
			"auth reflect: signed reply with the sender's fields and padding");
	check(stamp_measure_auth(out, 120, T_BASE + 300000000, 0, &m, h) == 0 &&
					m.t1 == T_BASE + 123456789 && m.t2 == T_BASE + 200000000 &&
					m.t3 == T_BASE + 200001000 && m.sender_ttl == 61 &&
					m.rtt_ns == 300000000 - 123456789 - 1000,
			"auth measure: T1..T4 and RTT");
	check(stamp_measure_auth(out, 120, T_BASE + 300000000, 0, &m, wrong) == STAMP_E_AUTH,
			"auth measure: wrong key: STAMP_E_AUTH");
	out[20] ^= 1;
	check(stamp_measure_auth(out, 120, T_BASE + 300000000, 0, &m, h) == STAMP_E_AUTH,
			"auth measure: a T3 changed on the way: STAMP_E_AUTH");
	stamp_hmac_free(h);
	stamp_hmac_free(wrong);
	stamp_hmac_free(NULL);
}

int
main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--pcap"))
		return write_pcap(argv[2]);
	test_sender_bytes();
	test_reflector_bytes();
	test_ntp();
	test_ptp();
	test_err_est();
	test_reflect_measure();
	test_sessions();
	test_auth();
	return unit_done();
}
