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
 *    the same answer as trailer_parse() on the whole frame.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trailer.h"

#define FUZZ_ASSERT(cond)                                                                        \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "fuzz_trailer: %s:%d: assertion failed: %s\n", __FILE__, \
					__LINE__, #cond);                                        \
			abort();                                                                 \
		}                                                                                \
	} while (0)

#define HDR 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
		rc2 = trailer_parse_tail(&s, tail, tl, len, fcs, ref, &r2);
		FUZZ_ASSERT(rc2 == rc);
		if (rc == 0)
			FUZZ_ASSERT(r2.ts_ns == r.ts_ns && r2.orig_len == r.orig_len &&
					r2.strip_len == r.strip_len && r2.nb == r.nb);
		free(tail);
	}
	free(frame);
	return 0;
}
