/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright(c) 2026 The stampede authors
 */

/*
 * libFuzzer target: lib/trailer's parsers on untrusted frames.
 *
 * The first 16 bytes choose a spec (format, fcs, use, skew, a stack of up to 4 hops with their
 * kinds and fixed layouts; specs trailer_spec_check() refuses are skipped) and a reference
 * stamp (7 bytes, in units of 256 ns); the rest is the frame. Besides "no crash, no read outside
 * the frame" (ASan: the frame is copied to a buffer of exactly its length), it checks what the RX
 * path relies on:
 *  - success means at least one stamp, an original frame of at least an Ethernet header within
 *    the frame, a strip length no longer than the frame, and ts_ns one of the stamps (the
 *    innermost or outermost as asked), a wall-clock time;
 *  - trailer_parse_tail() on the last TRAILER_TAIL_MAX bytes (the chained-mbuf path) gives
 *    the same answer as trailer_parse() on the whole frame;
 *  - a Metamako trailer accepted with "original FCS valid" has that FCS equal to the CRC of
 *    the original frame, and one accepted with "TLVs present" does not have the original FCS
 *    where its first TLV header should be;
 *  - the RX path's rule (lib/pipeline: an invalid trailer leaves the frame as it came, a valid
 *    one may strip it to strip_len) never loses a byte of the original frame;
 *  - a model: for the metamako format, the frame (>= 14 bytes) is also wrapped in a trailer
 *    built here (original FCS, optional TLV header, time, flags, new FCS as the spec says),
 *    one of four ways chosen by the input: valid (orig_len is the frame's length, the stamp
 *    the one written), "TLVs present" without TLV words (refused: no_tlv), with one TLV word
 *    (valid), "original FCS valid" with a wrong FCS (refused: orig_fcs).
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "frames.h"
#include "trailer.h"

#define HDR 16

static uint32_t
frame_crc(const void *arg, uint32_t len)
{
	return trailer_crc32(0, arg, len);
}

/* The model: @p f (@p len bytes) wrapped in a Metamako trailer built here, one of 4 ways. */
static void
model_metamako(const struct trailer_spec *s, const uint8_t *f, uint32_t len, uint8_t how)
{
	uint8_t *g = malloc(len + 4 + 4 + 12 + 4);
	uint32_t sec = 1700000000u + how, ns = 123456789u, n = len;
	bool fcs_end = s->fcs != TRAILER_FCS_ABSENT;
	struct trailer_result r;
	int rc, want;

	FUZZ_ASSERT(g != NULL);
	memcpy(g, f, len);
	frame_wr32_le(g + n, trailer_crc32(0, f, len) ^ (how % 4 == 3 ? 0x100u : 0));
	n += 4;
	if (how % 4 == 2) {
		frame_wr32(g + n, 0x00BEEF20u); /* tag 0 (sequence 0xBEEF), last, no data words */
		n += 4;
	}
	frame_wr32(g + n, sec);
	frame_wr32(g + n + 4, ns);
	g[n + 8] = how % 4 == 1 || how % 4 == 2 ? 0x03 : 0x01;
	g[n + 9] = 0x12;
	g[n + 10] = 0x34;
	g[n + 11] = 7;
	n += 12;
	if (fcs_end) {
		frame_wr32_le(g + n, trailer_crc32(0, g, n));
		n += 4;
	}
	want = how % 4 == 1 ? -TRAILER_E_NO_TLV : how % 4 == 3 ? -TRAILER_E_ORIG_FCS : 0;
	rc = trailer_parse(s, g, n, 0, &r);
	if (rc != want)
		fprintf(stderr, "fuzz_trailer: model case %u: rc %d (%s), want %d\n", how % 4, rc,
				trailer_strerror(rc), want);
	FUZZ_ASSERT(rc == want);
	if (rc == 0) {
		FUZZ_ASSERT(r.nb == 1 && r.orig_len == len && r.orig_fcs);
		FUZZ_ASSERT(r.ts_ns == (uint64_t)sec * 1000000000ULL + ns);
		FUZZ_ASSERT(r.strip_len == len + (fcs_end ? 4 : 0));
		FUZZ_ASSERT(r.stamps[0].seq == (how % 4 == 2 ? 0xBEEF : -1));
	}
	free(g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t sizes[] = { 0, 4, 8, 4 };
	struct trailer_spec s;
	struct trailer_result r, r2;
	char msg[256];
	uint64_t ref;
	uint8_t *frame;
	uint32_t len;
	int rc, rc2;

	if (size < HDR || size > HDR + 16384)
		return -1;
	memset(&s, 0, sizeof(s));
	s.format = (enum trailer_format)(data[0] % 4);
	s.fcs = (enum trailer_fcs)(data[1] % 3);
	s.use = (enum trailer_use)(data[2] & 1);
	s.strip = data[2] & 2;
	s.max_skew_s = data[3] & 0x80 ? (uint32_t)(data[3] & 0x7f) * 86400 : 0;
	if (s.format == TRAILER_FMT_GENERIC) {
		s.nb_hops = (uint8_t)(1 + data[4] % TRAILER_MAX_STACK);
		for (unsigned int i = 0; i < s.nb_hops; i++) {
			struct trailer_hop *h = &s.hops[i];
			uint8_t b = data[5 + i];

			h->kind = (enum trailer_hop_kind)(b & 1);
			h->fcs_before = b & 2;
			h->sec_size = sizes[(b >> 2) & 3];
			h->ns_size = h->sec_size == 0 ? 8 : 4;
			h->len = (uint8_t)(4 + (b >> 4) * 4);
			h->sec_off = 0;
			h->ns_off = h->sec_size;
		}
	}
	if (trailer_spec_check(&s, msg, sizeof(msg)) != 0)
		return 0;
	ref = 0;
	for (int i = 0; i < 7; i++)
		ref = ref << 8 | data[9 + i];
	ref <<= 8; /* 56 bits in units of 256 ns: up to ~1.8e19 ns */

	len = (uint32_t)(size - HDR);
	frame = malloc(len ? len : 1);
	FUZZ_ASSERT(frame != NULL);
	memcpy(frame, data + HDR, len);
	rc = trailer_parse(&s, frame, len, ref, &r);
	FUZZ_ASSERT(rc <= 0 && rc > -TRAILER_E_MAX);
	if (rc == 0) {
		FUZZ_ASSERT(r.nb >= 1 && r.nb <= TRAILER_MAX_STACK);
		FUZZ_ASSERT(r.orig_len >= 14 && r.orig_len <= len);
		FUZZ_ASSERT(r.strip_len >= r.orig_len && r.strip_len <= len);
		FUZZ_ASSERT(r.ts_ns ==
				(s.use == TRAILER_USE_OUTERMOST || s.format == TRAILER_FMT_AVSP ?
								r.stamps[0].ns :
								r.stamps[r.nb - 1].ns));
		FUZZ_ASSERT(r.ts_ns >= 3600ULL * 1000000000ULL);
		/* Only what the switch added may go: the original frame is within strip_len. */
		FUZZ_ASSERT(r.strip_len >= r.orig_len);
		if (s.format == TRAILER_FMT_METAMAKO) {
			const uint8_t *fcs0 = frame + r.orig_len;
			uint32_t want = trailer_crc32(0, frame, r.orig_len);
			uint32_t got = (uint32_t)fcs0[0] | (uint32_t)fcs0[1] << 8 |
					(uint32_t)fcs0[2] << 16 | (uint32_t)fcs0[3] << 24;

			if (r.stamps[0].flags & 0x01)
				FUZZ_ASSERT(got == want);
			if (r.stamps[0].flags & 0x02) {
				/* The first TLV header is the word before the seconds. */
				uint32_t end = len - (r.final_fcs ? 4 : 0) - 12;
				const uint8_t *w = frame + end - 4;

				FUZZ_ASSERT(trailer_crc32(0, frame, end - 4) !=
						((uint32_t)w[0] | (uint32_t)w[1] << 8 |
								(uint32_t)w[2] << 16 |
								(uint32_t)w[3] << 24));
			}
		}
		if (s.format == TRAILER_FMT_AVSP)
			FUZZ_ASSERT(r.strip_off == 12 && (r.strip_cut == 12 || r.strip_cut == 14) &&
					r.strip_len + r.strip_cut == len);
		else
			FUZZ_ASSERT(r.strip_cut == 0);
	}
	/* The tail-only path of chained mbufs agrees with the whole-frame path. */
	if (s.format == TRAILER_FMT_METAMAKO || s.format == TRAILER_FMT_GENERIC) {
		uint32_t tl = len < TRAILER_TAIL_MAX ? len : TRAILER_TAIL_MAX;
		uint8_t *tail = malloc(tl ? tl : 1);
		bool fcs = s.fcs == TRAILER_FCS_PRESENT;

		FUZZ_ASSERT(tail != NULL);
		memcpy(tail, frame + len - tl, tl);
		if (s.fcs == TRAILER_FCS_AUTO)
			fcs = len >= 18 &&
					trailer_crc32(0, frame, len - 4) ==
							((uint32_t)frame[len - 4] |
									(uint32_t)frame[len - 3]
											<< 8 |
									(uint32_t)frame[len - 2]
											<< 16 |
									(uint32_t)frame[len - 1]
											<< 24);
		rc2 = trailer_parse_tail(&s, tail, tl, len, fcs, ref, frame_crc, frame, &r2);
		FUZZ_ASSERT(rc2 == rc);
		if (rc == 0)
			FUZZ_ASSERT(r2.ts_ns == r.ts_ns && r2.orig_len == r.orig_len &&
					r2.strip_len == r.strip_len && r2.nb == r.nb);
		free(tail);
	}
	if (s.format == TRAILER_FMT_METAMAKO && s.max_skew_s == 0 && len >= 14)
		model_metamako(&s, frame, len, data[4]);
	free(frame);
	return 0;
}
