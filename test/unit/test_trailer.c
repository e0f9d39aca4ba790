/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * lib/trailer on hand-built frames whose expected values are known: a Metamako trailer (the
 * bytes FORMATS.md section 1 checked with tshark), its TLVs, the final FCS absent / present /
 * detected, stacks of Metamako and fixed trailers, AVSP in its four versions, and malformed
 * frames (too short, zero length, reserved flags, ns >= 10^9, times before 1970-01-01T01:00 or
 * far from the port's stamp, TLV chains without their last TLV or running past the frame).
 */

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include "trailer.h"
#include "frames.h"
#include "unit.h"

#define NS 1000000000ULL
#define T0 (1700000000ULL * NS + 123456789ULL)

static struct frame fr;

/* A 60-byte Ethernet/IPv4 frame (padding included): what a NIC hands up without FCS. */
static void
base_frame(void)
{
	fr.len = 0;
	for (int i = 0; i < 60; i++)
		frame_put8(&fr, (uint8_t)(i == 12 ? 0x08 : i == 14 ? 0x45 : i));
}

/* The FCS of everything so far, least significant byte first, as on the wire. */
static void
put_fcs(void)
{
	uint32_t c = trailer_crc32(0, fr.b, fr.len);

	frame_put8(&fr, c);
	frame_put8(&fr, c >> 8);
	frame_put8(&fr, c >> 16);
	frame_put8(&fr, c >> 24);
}

static void
put_mm(uint32_t sec, uint32_t ns, uint8_t flags, uint16_t dev, uint8_t port)
{
	frame_put32(&fr, sec);
	frame_put32(&fr, ns);
	frame_put8(&fr, flags);
	frame_put8(&fr, dev >> 8);
	frame_put8(&fr, dev);
	frame_put8(&fr, port);
}

static struct trailer_spec
spec(enum trailer_format f, enum trailer_fcs fcs)
{
	struct trailer_spec s;

	memset(&s, 0, sizeof(s));
	s.format = f;
	s.fcs = fcs;
	return s;
}

static void
test_crc(void)
{
	check(trailer_crc32(0, (const uint8_t *)"123456789", 9) == 0xCBF43926u,
			"CRC-32 check value of \"123456789\" is 0xCBF43926");
	check(trailer_crc32(trailer_crc32(0, (const uint8_t *)"1234", 4), (const uint8_t *)"56789",
			      5) == 0xCBF43926u,
			"CRC-32 is incremental");
}

static void
test_metamako(void)
{
	struct trailer_spec s = spec(TRAILER_FMT_METAMAKO, TRAILER_FCS_ABSENT);
	struct trailer_result r;
	int rc;

	/* FORMATS.md: 6553f100 075bcd15 01 1234 07 -> 2023-11-14 22:13:20.123456789, 4660, 7. */
	base_frame();
	put_fcs();
	put_mm(0x6553f100, 0x075bcd15, 0x01, 0x1234, 7);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.nb == 1 && r.ts_ns == T0, "metamako, no final FCS: ts %" PRIu64,
			r.ts_ns);
	check(rc == 0 && r.stamps[0].device == 4660 && r.stamps[0].port == 7 &&
					r.stamps[0].flags == 1 && r.stamps[0].seq == -1,
			"metamako: device 4660, port 7, flags 0x01, no sequence");
	check(rc == 0 && r.orig_len == 60 && r.strip_len == 60 && r.orig_fcs && !r.final_fcs,
			"metamako: original 60 bytes, stripped to 60 (no FCS on this port)");

	/* The same with the new FCS kept by the capture path. */
	put_fcs();
	s.fcs = TRAILER_FCS_PRESENT;
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.ts_ns == T0 && r.final_fcs && r.strip_len == 64,
			"metamako, final FCS present: same time, stripped to 60 + original FCS");
	s.fcs = TRAILER_FCS_AUTO;
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.ts_ns == T0 && r.final_fcs, "fcs auto: detects the FCS");
	fr.len -= 4;
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.ts_ns == T0 && !r.final_fcs, "fcs auto: detects its absence");
	/* An absent FCS said to be present shifts every field: refused, not misread. */
	s.fcs = TRAILER_FCS_PRESENT;
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc < 0, "final FCS said present but absent: refused (%s)", trailer_strerror(rc));

	/* Skew against the port's own stamp. */
	s.fcs = TRAILER_FCS_ABSENT;
	s.max_skew_s = 30 * 86400;
	rc = trailer_parse(&s, fr.b, fr.len, T0 + 29 * 86400 * NS, &r);
	check(rc == 0, "29 days from the port's stamp: accepted with max_skew_s 30 days");
	rc = trailer_parse(&s, fr.b, fr.len, T0 + 31 * 86400 * NS, &r);
	check(rc == -TRAILER_E_TIME, "31 days in the past: time (%s)", trailer_strerror(rc));
	rc = trailer_parse(&s, fr.b, fr.len, T0 - 31 * 86400 * NS, &r);
	check(rc == -TRAILER_E_TIME, "31 days in the future: time (%s)", trailer_strerror(rc));
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0, "no reference stamp: no skew check");
}

static void
test_metamako_tlvs(void)
{
	struct trailer_spec s = spec(TRAILER_FMT_METAMAKO, TRAILER_FCS_ABSENT);
	struct trailer_result r;
	int rc;

	/* Backwards from the seconds: sequence 0xBEEF (tag 0), sub-ns (tag 1), then an unknown
	 * tag 5 with two data words, marked last, touching the original FCS. */
	base_frame();
	put_fcs();
	frame_put32(&fr, 0xdeadbeef); /* data words of tag 5 */
	frame_put32(&fr, 0x01020304);
	frame_put32(&fr, 0x000000a5); /* tag 5, last (0x20), 2 words (2 << 6) */
	frame_put32(&fr, 0x80000001); /* tag 1: 0.5 ns */
	frame_put32(&fr, 0x00beef00); /* tag 0: sequence 0xBEEF */
	put_mm(0x6553f100, 0x075bcd15, 0x03, 0x0001, 2);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.ts_ns == T0 && r.stamps[0].seq == 0xBEEF && r.orig_len == 60,
			"TLVs: sequence 48879, original frame found behind 3 TLVs (rc %d)", rc);

	/* Without a last TLV the chain runs into the frame: refused. */
	base_frame();
	put_fcs();
	for (int i = 0; i < 20; i++)
		frame_put32(&fr, 0x00000000);
	put_mm(0x6553f100, 0x075bcd15, 0x03, 0x0001, 2);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_TLV, "TLV chain without last: tlv (%s)", trailer_strerror(rc));

	/* A TLV whose data words reach past the frame start. */
	fr.len = 0;
	for (int i = 0; i < 14; i++)
		frame_put8(&fr, 0);
	frame_put32(&fr, 0);	      /* FCS0 */
	frame_put32(&fr, 0x000000e0); /* last, 3 words: 12 bytes that are not there */
	put_mm(0x6553f100, 0x075bcd15, 0x03, 0x0001, 2);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_SHORT, "TLV data past the frame start: short (%s)",
			trailer_strerror(rc));
}

/*
 * The cases of issue 17: a 120-byte frame whose trailer says "TLVs present" but carries none
 * (walking the original FCS and frame bytes as TLVs used to find a "last" TLV inside the
 * frame, and strip cut it to 64 bytes); "original FCS valid" over an FCS that is not the
 * frame's CRC. Both are no trailer: refused, so the RX path keeps the frame whole.
 */
static void
test_metamako_lies(void)
{
	struct trailer_spec s = spec(TRAILER_FMT_METAMAKO, TRAILER_FCS_ABSENT);
	struct trailer_result r;
	int rc;

	s.strip = true;
	fr.len = 0;
	for (int i = 0; i < 120; i++)
		frame_put8(&fr, (uint8_t)(i == 12 ? 0x08 : i == 14 ? 0x45 : i == 60 ? 0x20 : 0));
	put_fcs();
	put_mm(0x6553f100, 0x075bcd15, 0x03, 0x0001, 2);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_NO_TLV, "120-byte frame, TLV flag without TLV words: no_tlv (%s)",
			trailer_strerror(rc));
	/* The same trailer with its TLV flag clear is valid and keeps all 120 bytes. */
	fr.b[fr.len - 4] = 0x01;
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.orig_len == 120 && r.strip_len == 120 && r.ts_ns == T0,
			"without the TLV flag: valid, original 120 bytes kept (rc %d, orig %u)", rc,
			r.orig_len);
	/* "Original FCS valid" over a wrong FCS. */
	fr.b[120] ^= 0x01;
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_ORIG_FCS, "original FCS flagged valid but wrong: orig_fcs (%s)",
			trailer_strerror(rc));
	/* Not flagged valid: a wrong original FCS is what the switch saw, and is kept. */
	fr.b[fr.len - 4] = 0x00;
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.orig_len == 120, "original FCS not flagged valid: accepted (rc %d)", rc);
}

static void
test_malformed(void)
{
	struct trailer_spec s = spec(TRAILER_FMT_METAMAKO, TRAILER_FCS_ABSENT);
	struct trailer_result r;
	int rc;

	rc = trailer_parse(&s, fr.b, 0, 0, &r);
	check(rc == -TRAILER_E_SHORT, "zero-length frame: short");
	base_frame();
	rc = trailer_parse(&s, fr.b, 20, 0, &r);
	check(rc < 0, "20-byte frame: refused (%s)", trailer_strerror(rc));
	/* A trailer with nothing before it but 10 bytes: no Ethernet header left. */
	fr.len = 0;
	for (int i = 0; i < 10; i++)
		frame_put8(&fr, 0);
	frame_put32(&fr, 0);
	put_mm(0x6553f100, 0x075bcd15, 0x01, 1, 1);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_SHORT, "original shorter than an Ethernet header: short");

	base_frame();
	put_fcs();
	put_mm(0x6553f100, 0x075bcd15, 0x41, 1, 1);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_FLAGS, "flag 0x40: flags (%s)", trailer_strerror(rc));
	base_frame();
	put_fcs();
	put_mm(0x6553f100, 0x075bcd15, 0x08, 1, 1);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_FLAGS, "flag 0x08: flags");
	base_frame();
	put_fcs();
	put_mm(0x6553f100, 0x075bcd15, 0x35, 1, 1);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0, "flags 0x04 0x10 0x20 (current Wireshark's): accepted");
	base_frame();
	put_fcs();
	put_mm(0x6553f100, 1000000000, 0x01, 1, 1);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_NS, "ns = 10^9: ns (%s)", trailer_strerror(rc));
	base_frame();
	put_fcs();
	put_mm(0, 0, 0x01, 1, 1);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_TIME, "time 0: time (%s)", trailer_strerror(rc));
	base_frame();
	put_fcs();
	put_mm(3599, 5, 0x01, 1, 1);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_TIME, "time 3599 s: time");
	/* A plain frame (no trailer): its last bytes are the IPv4 padding pattern. */
	base_frame();
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc < 0, "frame without trailer: refused (%s)", trailer_strerror(rc));
	s.format = TRAILER_FMT_NONE;
	base_frame();
	put_fcs();
	put_mm(0x6553f100, 0x075bcd15, 0x01, 1, 1);
	check(trailer_parse(&s, fr.b, fr.len, 0, &r) < 0, "format none: never parses");
	check(strcmp(trailer_strerror(-TRAILER_E_TLV), "tlv") == 0 &&
					strcmp(trailer_strerror(0), "ok") == 0 &&
					strcmp(trailer_strerror(99), "unknown") == 0,
			"trailer_strerror names");
}

static void
test_stack(void)
{
	struct trailer_spec s = spec(TRAILER_FMT_GENERIC, TRAILER_FCS_PRESENT);
	struct trailer_result r;
	const uint64_t t1 = T0, t2 = T0 + 1500;
	int rc;

	/* original | FCS0 | T1 (dev 1 port 3) | FCS1 | T2 (dev 2 port 9) | FCS2 */
	s.nb_hops = 2;
	s.hops[0].kind = TRAILER_HOP_METAMAKO;
	s.hops[1].kind = TRAILER_HOP_METAMAKO;
	base_frame();
	put_fcs();
	put_mm(1700000000, 123456789, 0x01, 1, 3);
	put_fcs();
	put_mm(1700000000, 123458289, 0x01, 2, 9);
	put_fcs();
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.nb == 2 && r.ts_ns == t1, "two Metamako hops: innermost time used");
	check(rc == 0 && r.stamps[0].ns == t2 && r.stamps[0].device == 2 && r.stamps[0].port == 9 &&
					r.stamps[1].device == 1 && r.stamps[1].port == 3,
			"two hops: stamps[0] is the outer hop (device 2 port 9), [1] the inner");
	check(rc == 0 && r.orig_len == 60 && r.strip_len == 64,
			"two hops: stripped to the original + its FCS");
	s.use = TRAILER_USE_OUTERMOST;
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.ts_ns == t2, "use outermost: the last hop's time");
	/* Only one hop configured on a two-hop frame: the outer one, original = rest. */
	s.nb_hops = 1;
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.nb == 1 && r.ts_ns == t2 && r.orig_len == 60 + 4 + 12,
			"one hop configured: the outer trailer only");
	/* Three configured, two present: what is left is no trailer, or too short. */
	s.nb_hops = 3;
	s.hops[2].kind = TRAILER_HOP_METAMAKO;
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc < 0, "three hops configured on a two-hop frame: refused (%s)",
			trailer_strerror(rc));

	/* Metamako outside, a fixed 16-byte trailer inside: 4 bytes id, u32 s, u32 ns, 4 pad. */
	s = spec(TRAILER_FMT_GENERIC, TRAILER_FCS_ABSENT);
	s.nb_hops = 2;
	s.hops[0].kind = TRAILER_HOP_METAMAKO;
	s.hops[1] = (struct trailer_hop){ .kind = TRAILER_HOP_FIXED,
		.len = 16,
		.sec_off = 4,
		.sec_size = 4,
		.ns_off = 8,
		.ns_size = 4,
		.fcs_before = false };
	base_frame();
	frame_put32(&fr, 0xcafe0001);
	frame_put32(&fr, 1700000000);
	frame_put32(&fr, 123456000);
	frame_put32(&fr, 0);
	put_fcs();
	put_mm(1700000000, 123456789, 0x01, 7, 1);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.nb == 2 && r.ts_ns == 1700000000ULL * NS + 123456000 &&
					r.stamps[0].ns == T0 && r.orig_len == 60 &&
					r.strip_len == 60 && !r.orig_fcs,
			"metamako over a fixed trailer without FCS before it (rc %d)", rc);

	/* A fixed trailer holding a u64 ns count. */
	s = spec(TRAILER_FMT_GENERIC, TRAILER_FCS_ABSENT);
	s.nb_hops = 1;
	s.hops[0] = (struct trailer_hop){
		.kind = TRAILER_HOP_FIXED, .len = 8, .ns_size = 8, .fcs_before = true
	};
	base_frame();
	put_fcs();
	frame_put32(&fr, (uint32_t)(T0 >> 32));
	frame_put32(&fr, (uint32_t)T0);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.ts_ns == T0 && r.orig_len == 60 && r.orig_fcs,
			"fixed 8-byte ns count after the original FCS");
	/* 8-byte seconds too large for ns. */
	s.hops[0] = (struct trailer_hop){ .kind = TRAILER_HOP_FIXED,
		.len = 12,
		.sec_size = 8,
		.ns_off = 8,
		.ns_size = 4,
		.fcs_before = true };
	base_frame();
	put_fcs();
	frame_put32(&fr, 0xffffffff);
	frame_put32(&fr, 0);
	frame_put32(&fr, 0);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_TIME, "8-byte seconds past 2^64 ns: time (%s)",
			trailer_strerror(rc));
}

static void
avsp_frame(uint16_t ver, uint32_t sec, uint32_t ns)
{
	fr.len = 0;
	for (int i = 0; i < 12; i++)
		frame_put8(&fr, (uint8_t)(0xa0 + i));
	frame_put8(&fr, 0xd2);
	frame_put8(&fr, 0x8b);
	frame_put8(&fr, 0x00);
	frame_put8(&fr, 0x01);
	frame_put8(&fr, ver >> 8);
	frame_put8(&fr, ver);
	if (ver & 0x0020) {
		frame_put8(&fr, sec >> 8);
		frame_put8(&fr, sec);
	} else {
		frame_put32(&fr, sec);
	}
	frame_put32(&fr, ns);
	frame_put8(&fr, 0x08);
	frame_put8(&fr, 0x00);
	while (fr.len < 64)
		frame_put8(&fr, 0x45);
}

static void
test_avsp(void)
{
	struct trailer_spec s = spec(TRAILER_FMT_AVSP, TRAILER_FCS_ABSENT);
	struct trailer_result r;
	int rc;

	avsp_frame(0x0110, 1700000000, 123456789);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.ts_ns == T0 && r.strip_off == 12 && r.strip_cut == 14 &&
					r.strip_len == 50,
			"AVSP 64-bit UTC: time, 14 header bytes at 12");
	avsp_frame(0x0010, 1700000000 + TRAILER_TAI_UTC_S, 123456789);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == 0 && r.ts_ns == T0, "AVSP 64-bit TAI: minus 37 s");
	/* 48-bit: 1700000000 & 0xffff = 61696; the port's stamp gives the upper bits. */
	avsp_frame(0x0120, 61696, 123456789);
	rc = trailer_parse(&s, fr.b, fr.len, T0 + 30000 * NS, &r);
	check(rc == 0 && r.ts_ns == T0 && r.strip_cut == 12,
			"AVSP 48-bit UTC: seconds nearest the port's stamp (30000 s later)");
	rc = trailer_parse(&s, fr.b, fr.len, T0 - 30000 * NS, &r);
	check(rc == 0 && r.ts_ns == T0, "AVSP 48-bit UTC: port's stamp 30000 s earlier");
	avsp_frame(0x0020, (1700000000 + TRAILER_TAI_UTC_S) & 0xffff, 123456789);
	rc = trailer_parse(&s, fr.b, fr.len, T0, &r);
	check(rc == 0 && r.ts_ns == T0, "AVSP 48-bit TAI");
	avsp_frame(0x0210, 1700000000, 123456789);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_AVSP, "AVSP unknown version: avsp (%s)", trailer_strerror(rc));
	avsp_frame(0x0110, 1700000000, 123456789);
	fr.b[13] = 0x8c;
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_AVSP, "not EtherType 0xD28B: avsp");
	avsp_frame(0x0110, 1700000000, 2000000000);
	rc = trailer_parse(&s, fr.b, fr.len, 0, &r);
	check(rc == -TRAILER_E_NS, "AVSP ns >= 10^9: ns");
	avsp_frame(0x0110, 1700000000, 123456789);
	rc = trailer_parse(&s, fr.b, 25, 0, &r);
	check(rc == -TRAILER_E_SHORT, "AVSP 64-bit in 25 bytes: short");
}

static void
test_spec_check(void)
{
	struct trailer_spec s = spec(TRAILER_FMT_GENERIC, TRAILER_FCS_ABSENT);
	char msg[200];

	check(trailer_spec_check(&s, msg, sizeof(msg)) == -EINVAL && strstr(msg, "layout: ") == msg,
			"generic without layout: %s", msg);
	s.nb_hops = 1;
	s.hops[0] = (struct trailer_hop){
		.kind = TRAILER_HOP_FIXED, .len = 12, .sec_size = 0, .ns_size = 4
	};
	check(trailer_spec_check(&s, msg, sizeof(msg)) == -EINVAL, "no seconds, 4-byte ns: %s",
			msg);
	s.hops[0].sec_size = 4;
	s.hops[0].ns_off = 10;
	check(trailer_spec_check(&s, msg, sizeof(msg)) == -EINVAL, "ns past len: %s", msg);
	s.hops[0].ns_off = 4;
	check(trailer_spec_check(&s, msg, sizeof(msg)) == 0, "fixed 12: sec@0, ns@4 is fine");
	s.format = TRAILER_FMT_METAMAKO;
	check(trailer_spec_check(&s, msg, sizeof(msg)) == -EINVAL, "metamako with layout: %s", msg);
}

int
main(void)
{
	test_crc();
	test_metamako();
	test_metamako_tlvs();
	test_metamako_lies();
	test_malformed();
	test_stack();
	test_avsp();
	test_spec_check();
	return unit_done();
}
